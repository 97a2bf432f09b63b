//  Unit tests of rm_commands, the rules for commands per position, over a
//  tw_requester with an injected clock and a recording send function: one
//  command per position, timeouts resend the same request (same req_id, same
//  expires_at), a position freed after a give-up, holds after an accepted
//  close, backoff after a rejected one, a close that replaces a modify (the
//  modify cancelled), stale replies. The transport itself is tested in
//  tests/common/test_requester.c.

#include <check.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rm_commands.h"
#include "tw_log.h"
#include "tw_requester.h"

#define POS_A "NSE:SBIN-EQ-INTRADAY"
#define POS_B "NSE:INFY-EQ-INTRADAY"
#define TIMEOUT_MS 500
#define ATTEMPTS 3
#define BACKOFF_MS 5000
#define HOLD_MS 2000
#define T0 1000000
#define EXPIRES_AT 1700000000000000000LL
#define SENT_MAX 32

typedef struct {
    tw_msg_t sent[SENT_MAX]; //  decoded
    zframe_t *bytes[SENT_MAX];
    int count;
    bool fail; //  the next sends fail (no gateway connected)
} s_wire_t;

static s_wire_t s_wire;
static tw_requester_t *s_requester;

static int
s_send (const uint8_t *data, size_t size, void *arg)
{
    ck_assert_ptr_eq (arg, &s_wire);
    ck_assert_int_lt (s_wire.count, SENT_MAX);
    char err[TW_TEXT_MAX];
    ck_assert_int_eq (tw_msg_decode (data, size, &s_wire.sent[s_wire.count], err, sizeof err), 0);
    s_wire.bytes[s_wire.count++] = zframe_new (data, size);
    return s_wire.fail ? -1 : 0;
}

static rm_commands_t *
s_table (void)
{
    tw_log_init ("unit");
    memset (&s_wire, 0, sizeof s_wire);
    s_requester = tw_requester_new_with (s_send, &s_wire, TIMEOUT_MS, ATTEMPTS);
    ck_assert_ptr_nonnull (s_requester);
    rm_commands_config_t config = {BACKOFF_MS, HOLD_MS};
    rm_commands_t *table = rm_commands_new (&config, s_requester);
    ck_assert_ptr_nonnull (table);
    return table;
}

//  Destroys the table, then the requester: nothing is left in flight.
static void
s_done (rm_commands_t **table_p)
{
    rm_commands_destroy (table_p);
    ck_assert_ptr_null (*table_p);
    rm_commands_destroy (table_p);
    ck_assert_uint_eq (tw_requester_size (s_requester), 0);
    tw_requester_destroy (&s_requester);
    for (int i = 0; i < s_wire.count; i++)
        zframe_destroy (&s_wire.bytes[i]);
}

//  What the actor's timers do at now_ms.
static void
s_expire (rm_commands_t *table, int64_t now_ms)
{
    tw_requester_expire (s_requester, now_ms);
    rm_commands_expire (table, now_ms);
}

//  A reply from the gateway. Returns 1 when it answered a command in
//  flight, 0 when it was stale or not an ack.
static int
s_reply (const tw_msg_t *reply, int64_t now_ms)
{
    return tw_requester_deliver (s_requester, reply, now_ms) == 0 ? 1 : 0;
}

static const tw_requester_stats_t *
s_sent_stats (void)
{
    return tw_requester_stats (s_requester);
}

static tw_msg_t
s_close (const char *id, const char *req_id)
{
    tw_msg_t msg;
    tw_msg_init (&msg, TW_MSG_CLOSE);
    snprintf (msg.req_id, sizeof msg.req_id, "%s", req_id);
    msg.expires_at = EXPIRES_AT;
    snprintf (msg.u.close.id, sizeof msg.u.close.id, "%s", id);
    snprintf (msg.u.close.reason, sizeof msg.u.close.reason, "%s", TW_REASON_SL_HIT);
    return msg;
}

static tw_msg_t
s_modify (const char *id, const char *req_id, double sl)
{
    tw_msg_t msg;
    tw_msg_init (&msg, TW_MSG_MODIFY);
    snprintf (msg.req_id, sizeof msg.req_id, "%s", req_id);
    msg.expires_at = EXPIRES_AT;
    snprintf (msg.u.modify.id, sizeof msg.u.modify.id, "%s", id);
    msg.u.modify.has_sl = true;
    msg.u.modify.sl = sl;
    return msg;
}

static tw_msg_t
s_ack (const char *req_id, tw_ack_status_t status)
{
    tw_msg_t msg;
    tw_msg_init (&msg, TW_MSG_ACK);
    snprintf (msg.req_id, sizeof msg.req_id, "%s", req_id);
    msg.u.ack.status = status;
    if (status == TW_ACK_REJECTED)
        snprintf (msg.u.ack.error, sizeof msg.u.ack.error, "exit failed 10 ms ago");
    return msg;
}

//  The send at index was msg, byte for byte, as the gateway would see it.
static void
s_assert_sent (int index, const tw_msg_t *msg)
{
    uint8_t *bytes = NULL;
    size_t size = 0;
    char err[TW_TEXT_MAX];
    ck_assert_int_eq (tw_msg_encode (msg, &bytes, &size, err, sizeof err), 0);
    ck_assert_uint_eq (zframe_size (s_wire.bytes[index]), size);
    ck_assert_mem_eq (zframe_data (s_wire.bytes[index]), bytes, size);
    free (bytes);
}

START_TEST (test_close_sent_once_and_blocks_another)
{
    rm_commands_t *table = s_table ();
    ck_assert (rm_commands_may_close (table, POS_A, T0));
    tw_msg_t close = s_close (POS_A, "rm-1");
    ck_assert_int_eq (rm_commands_start (table, &close, T0), 0);
    ck_assert_int_eq (s_wire.count, 1);
    s_assert_sent (0, &close);
    ck_assert_ptr_nonnull (rm_commands_pending (table, POS_A));
    ck_assert_str_eq (rm_commands_pending (table, POS_A)->req_id, "rm-1");
    ck_assert_uint_eq (rm_commands_in_flight (table), 1);
    //  One close in flight per position; the other position is free.
    ck_assert (!rm_commands_may_close (table, POS_A, T0 + 1));
    ck_assert (!rm_commands_may_modify (table, POS_A, T0 + 1));
    tw_msg_t again = s_close (POS_A, "rm-2");
    ck_assert_int_eq (rm_commands_start (table, &again, T0 + 1), -1);
    ck_assert_int_eq (s_wire.count, 1);
    ck_assert (rm_commands_may_close (table, POS_B, T0 + 1));
    ck_assert_uint_eq (rm_commands_stats (table)->closes_sent, 1);
    s_done (&table);
}
END_TEST

START_TEST (test_timeout_resends_same_request_then_gives_up)
{
    rm_commands_t *table = s_table ();
    tw_msg_t close = s_close (POS_A, "rm-1");
    rm_commands_start (table, &close, T0);
    //  Not before the timeout.
    s_expire (table, T0 + TIMEOUT_MS - 1);
    ck_assert_int_eq (s_wire.count, 1);
    //  At the timeout: the same request, byte for byte (same req_id, same
    //  expires_at), so the gateway can answer a repeat with its first reply.
    s_expire (table, T0 + TIMEOUT_MS);
    ck_assert_int_eq (s_wire.count, 2);
    s_assert_sent (1, &close);
    //  The timeout counts from the last send.
    s_expire (table, T0 + 2 * TIMEOUT_MS - 1);
    ck_assert_int_eq (s_wire.count, 2);
    s_expire (table, T0 + 2 * TIMEOUT_MS);
    ck_assert_int_eq (s_wire.count, 3);
    s_assert_sent (2, &close);
    ck_assert_uint_eq (s_sent_stats ()->resent, 2);
    //  Three sends in all: the third timeout gives up and frees the position.
    s_expire (table, T0 + 3 * TIMEOUT_MS);
    ck_assert_int_eq (s_wire.count, 3);
    ck_assert_uint_eq (s_sent_stats ()->given_up, 1);
    ck_assert_ptr_null (rm_commands_pending (table, POS_A));
    ck_assert_uint_eq (rm_commands_in_flight (table), 0);
    ck_assert (rm_commands_may_close (table, POS_A, T0 + 3 * TIMEOUT_MS));
    //  The next breach asks again, with a new req_id.
    tw_msg_t next = s_close (POS_A, "rm-2");
    ck_assert_int_eq (rm_commands_start (table, &next, T0 + 3 * TIMEOUT_MS), 0);
    ck_assert_int_eq (s_wire.count, 4);
    ck_assert_str_eq (s_wire.sent[3].req_id, "rm-2");
    ck_assert_uint_eq (rm_commands_stats (table)->closes_sent, 2);
    //  A late reply to the abandoned request finds nothing.
    tw_msg_t late = s_ack ("rm-1", TW_ACK_ACCEPTED);
    ck_assert_int_eq (s_reply (&late, T0 + 3 * TIMEOUT_MS), 0);
    ck_assert_uint_eq (s_sent_stats ()->stale, 1);
    ck_assert_ptr_nonnull (rm_commands_pending (table, POS_A));
    s_done (&table);
}
END_TEST

START_TEST (test_failed_send_counts_as_attempt)
{
    rm_commands_t *table = s_table ();
    s_wire.fail = true;
    tw_msg_t close = s_close (POS_A, "rm-1");
    //  In flight although nothing left: it is retried like a lost reply.
    ck_assert_int_eq (rm_commands_start (table, &close, T0), 0);
    ck_assert_int_eq (s_wire.count, 1);
    ck_assert_ptr_nonnull (rm_commands_pending (table, POS_A));
    s_wire.fail = false;
    s_expire (table, T0 + TIMEOUT_MS);
    ck_assert_int_eq (s_wire.count, 2);
    s_assert_sent (1, &close);
    tw_msg_t ack = s_ack ("rm-1", TW_ACK_ACCEPTED);
    ck_assert_int_eq (tw_requester_lookup (s_requester, "rm-1")->attempts, 2);
    ck_assert_int_eq (s_reply (&ack, T0 + TIMEOUT_MS + 1), 1);
    ck_assert_uint_eq (rm_commands_stats (table)->closes_accepted, 1);
    s_done (&table);
}
END_TEST

START_TEST (test_accepted_close_holds_until_released)
{
    rm_commands_t *table = s_table ();
    tw_msg_t close = s_close (POS_A, "rm-1");
    rm_commands_start (table, &close, T0);
    tw_msg_t ack = s_ack ("rm-1", TW_ACK_ACCEPTED);
    ck_assert_int_eq (s_reply (&ack, T0 + 10), 1);
    ck_assert_uint_eq (rm_commands_stats (table)->closes_accepted, 1);
    ck_assert_ptr_null (rm_commands_pending (table, POS_A));
    //  Held: no second close until the clone shows the position closing.
    ck_assert (!rm_commands_may_close (table, POS_A, T0 + 20));
    ck_assert (!rm_commands_may_modify (table, POS_A, T0 + 20));
    //  No resend of an answered command, however long it waits.
    s_expire (table, T0 + HOLD_MS - 1);
    ck_assert_int_eq (s_wire.count, 1);
    rm_commands_release (table, POS_A);
    ck_assert (rm_commands_may_close (table, POS_A, T0 + 30));
    ck_assert (rm_commands_may_modify (table, POS_A, T0 + 30));
    //  A duplicate ack counts as accepted; the hold runs out by itself.
    tw_msg_t again = s_close (POS_A, "rm-2");
    rm_commands_start (table, &again, T0 + 100);
    tw_msg_t dup = s_ack ("rm-2", TW_ACK_DUPLICATE);
    ck_assert_int_eq (s_reply (&dup, T0 + 110), 1);
    ck_assert_uint_eq (rm_commands_stats (table)->closes_accepted, 2);
    ck_assert (!rm_commands_may_close (table, POS_A, T0 + 110 + HOLD_MS - 1));
    ck_assert (rm_commands_may_close (table, POS_A, T0 + 110 + HOLD_MS));
    s_expire (table, T0 + 110 + HOLD_MS);
    ck_assert (rm_commands_may_modify (table, POS_A, T0 + 110 + HOLD_MS));
    s_done (&table);
}
END_TEST

START_TEST (test_released_before_ack_no_hold)
{
    //  The gateway publishes position_closing before it acks: the clone may
    //  show the close first, and then there is nothing to hold.
    rm_commands_t *table = s_table ();
    tw_msg_t close = s_close (POS_A, "rm-1");
    rm_commands_start (table, &close, T0);
    rm_commands_release (table, POS_A);
    ck_assert_ptr_nonnull (rm_commands_pending (table, POS_A));
    tw_msg_t ack = s_ack ("rm-1", TW_ACK_ACCEPTED);
    ck_assert_int_eq (s_reply (&ack, T0 + 10), 1);
    ck_assert (rm_commands_may_close (table, POS_A, T0 + 10));
    s_done (&table);
}
END_TEST

START_TEST (test_rejected_close_backs_off)
{
    rm_commands_t *table = s_table ();
    tw_msg_t close = s_close (POS_A, "rm-1");
    rm_commands_start (table, &close, T0);
    tw_msg_t ack = s_ack ("rm-1", TW_ACK_REJECTED);
    ck_assert_int_eq (s_reply (&ack, T0 + 10), 1);
    ck_assert_uint_eq (rm_commands_stats (table)->closes_rejected, 1);
    //  No close for that position for the backoff; others are free.
    ck_assert (!rm_commands_may_close (table, POS_A, T0 + 10 + BACKOFF_MS - 1));
    tw_msg_t again = s_close (POS_A, "rm-2");
    ck_assert_int_eq (rm_commands_start (table, &again, T0 + 10 + BACKOFF_MS - 1), -1);
    ck_assert_int_eq (s_wire.count, 1);
    ck_assert (rm_commands_may_close (table, POS_B, T0 + 20));
    //  A release (exit_failed on the clone) does not end a backoff.
    rm_commands_release (table, POS_A);
    ck_assert (!rm_commands_may_close (table, POS_A, T0 + 20));
    s_expire (table, T0 + 10 + BACKOFF_MS - 1);
    ck_assert (!rm_commands_may_close (table, POS_A, T0 + 10 + BACKOFF_MS - 1));
    //  Then it may ask again.
    ck_assert (rm_commands_may_close (table, POS_A, T0 + 10 + BACKOFF_MS));
    ck_assert_int_eq (rm_commands_start (table, &again, T0 + 10 + BACKOFF_MS), 0);
    ck_assert_int_eq (s_wire.count, 2);
    ck_assert_str_eq (s_wire.sent[1].req_id, "rm-2");
    s_done (&table);
}
END_TEST

START_TEST (test_modify_rules)
{
    rm_commands_t *table = s_table ();
    tw_msg_t modify = s_modify (POS_A, "rm-1", 98.05);
    ck_assert_int_eq (rm_commands_start (table, &modify, T0), 0);
    ck_assert_uint_eq (rm_commands_stats (table)->modifies_sent, 1);
    //  One modify at a time.
    tw_msg_t second = s_modify (POS_A, "rm-2", 98.10);
    ck_assert_int_eq (rm_commands_start (table, &second, T0 + 1), -1);
    //  Timeouts and give-up work as for a close.
    s_expire (table, T0 + TIMEOUT_MS);
    ck_assert_int_eq (s_wire.count, 2);
    s_assert_sent (1, &modify);
    //  Accepted: the position is free at once (no hold for a modify).
    tw_msg_t ack = s_ack ("rm-1", TW_ACK_ACCEPTED);
    ck_assert_int_eq (s_reply (&ack, T0 + TIMEOUT_MS + 1), 1);
    ck_assert_uint_eq (rm_commands_stats (table)->modifies_accepted, 1);
    ck_assert (rm_commands_may_modify (table, POS_A, T0 + TIMEOUT_MS + 1));
    //  Rejected (the position is closing, say): free too, no backoff.
    ck_assert_int_eq (rm_commands_start (table, &second, T0 + TIMEOUT_MS + 2), 0);
    tw_msg_t no = s_ack ("rm-2", TW_ACK_REJECTED);
    ck_assert_int_eq (s_reply (&no, T0 + TIMEOUT_MS + 3), 1);
    ck_assert_uint_eq (rm_commands_stats (table)->modifies_rejected, 1);
    ck_assert (rm_commands_may_modify (table, POS_A, T0 + TIMEOUT_MS + 3));
    ck_assert (rm_commands_may_close (table, POS_A, T0 + TIMEOUT_MS + 3));
    s_done (&table);
}
END_TEST

START_TEST (test_close_replaces_modify)
{
    rm_commands_t *table = s_table ();
    tw_msg_t modify = s_modify (POS_A, "rm-1", 98.05);
    rm_commands_start (table, &modify, T0);
    //  An exit never waits for a stop move.
    ck_assert (rm_commands_may_close (table, POS_A, T0 + 1));
    tw_msg_t close = s_close (POS_A, "rm-2");
    ck_assert_int_eq (rm_commands_start (table, &close, T0 + 1), 0);
    ck_assert_int_eq (s_wire.count, 2);
    ck_assert_str_eq (rm_commands_pending (table, POS_A)->req_id, "rm-2");
    ck_assert_int_eq (rm_commands_pending (table, POS_A)->type, TW_MSG_CLOSE);
    //  The modify was cancelled: its late ack is stale; the close is still
    //  in flight.
    ck_assert_ptr_null (tw_requester_lookup (s_requester, "rm-1"));
    tw_msg_t late = s_ack ("rm-1", TW_ACK_ACCEPTED);
    ck_assert_int_eq (s_reply (&late, T0 + 2), 0);
    ck_assert_ptr_nonnull (rm_commands_pending (table, POS_A));
    //  Its attempts start afresh.
    s_expire (table, T0 + 1 + TIMEOUT_MS);
    s_expire (table, T0 + 1 + 2 * TIMEOUT_MS);
    ck_assert_int_eq (s_wire.count, 4);
    ck_assert_ptr_nonnull (rm_commands_pending (table, POS_A));
    //  The third timeout gives the close up, not a modify.
    s_expire (table, T0 + 1 + 3 * TIMEOUT_MS);
    ck_assert_uint_eq (s_sent_stats ()->given_up, 1);
    ck_assert_uint_eq (rm_commands_in_flight (table), 0);
    ck_assert (rm_commands_may_modify (table, POS_A, T0 + 1 + 3 * TIMEOUT_MS));
    s_done (&table);
}
END_TEST

START_TEST (test_stale_and_unexpected_replies)
{
    rm_commands_t *table = s_table ();
    tw_msg_t close = s_close (POS_A, "rm-1");
    rm_commands_start (table, &close, T0);
    tw_msg_t unknown = s_ack ("someone-else", TW_ACK_ACCEPTED);
    ck_assert_int_eq (s_reply (&unknown, T0 + 1), 0);
    //  Not an ack, though it names the req_id.
    tw_msg_t pong;
    tw_msg_init (&pong, TW_MSG_PONG);
    snprintf (pong.req_id, sizeof pong.req_id, "rm-1");
    ck_assert_int_eq (s_reply (&pong, T0 + 1), 0);
    ck_assert_uint_eq (s_sent_stats ()->stale, 1);
    ck_assert_uint_eq (s_sent_stats ()->malformed, 1);
    ck_assert_ptr_nonnull (rm_commands_pending (table, POS_A));
    //  The right one, then once more: the repeat is stale.
    tw_msg_t ack = s_ack ("rm-1", TW_ACK_ACCEPTED);
    ck_assert_int_eq (s_reply (&ack, T0 + 2), 1);
    ck_assert_int_eq (s_reply (&ack, T0 + 3), 0);
    ck_assert_uint_eq (rm_commands_stats (table)->closes_accepted, 1);
    s_done (&table);
}
END_TEST

START_TEST (test_forget)
{
    rm_commands_t *table = s_table ();
    tw_msg_t a = s_close (POS_A, "rm-1");
    tw_msg_t b = s_close (POS_B, "rm-2");
    rm_commands_start (table, &a, T0);
    rm_commands_start (table, &b, T0);
    ck_assert_uint_eq (rm_commands_in_flight (table), 2);
    rm_commands_forget (table, POS_A);
    ck_assert_uint_eq (rm_commands_in_flight (table), 1);
    ck_assert (rm_commands_may_close (table, POS_A, T0));
    //  Nothing more is sent for it.
    s_expire (table, T0 + TIMEOUT_MS);
    ck_assert_int_eq (s_wire.count, 3);
    ck_assert_str_eq (s_wire.sent[2].req_id, "rm-2");
    rm_commands_forget (table, "unknown");
    rm_commands_release (table, "unknown");
    s_done (&table);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("rm_commands");
    TCase *tc = tcase_create ("core");
    tcase_add_test (tc, test_close_sent_once_and_blocks_another);
    tcase_add_test (tc, test_timeout_resends_same_request_then_gives_up);
    tcase_add_test (tc, test_failed_send_counts_as_attempt);
    tcase_add_test (tc, test_accepted_close_holds_until_released);
    tcase_add_test (tc, test_released_before_ack_no_hold);
    tcase_add_test (tc, test_rejected_close_backs_off);
    tcase_add_test (tc, test_modify_rules);
    tcase_add_test (tc, test_close_replaces_modify);
    tcase_add_test (tc, test_stale_and_unexpected_replies);
    tcase_add_test (tc, test_forget);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
