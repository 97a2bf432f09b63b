//  Unit tests of nt_forward, the manual closes of WebSocket clients, over a
//  tw_requester without a socket (a recording send function): a request
//  becomes a "Manual Close" with a fresh req_id and an expires_at at the end
//  of every attempt; the verdict (accepted, rejected, an unexpected reply,
//  a timeout) goes back to the client that asked, once; at most
//  NT_FORWARD_MAX in flight; what is in flight is dropped with the
//  forwarder. The transport itself is tested in tests/common/test_requester.c.

#include <check.h>
#include <czmq.h>
#include <string.h>

#include "nt_forward.h"
#include "nt_json.h"
#include "tw_clock.h"
#include "tw_log.h"
#include "tw_requester.h"

#define TIMEOUT_MS 100
#define ATTEMPTS 3
#define POS_A "NSE:SBIN-EQ-INTRADAY"
#define SENT_MAX (NT_FORWARD_MAX + 8)

typedef struct {
    tw_msg_t sent[SENT_MAX];
    int count;
} s_wire_t;

static int
s_send (const uint8_t *data, size_t size, void *arg)
{
    s_wire_t *wire = (s_wire_t *) arg;
    ck_assert_int_lt (wire->count, SENT_MAX);
    char err[TW_TEXT_MAX];
    ck_assert_int_eq (tw_msg_decode (data, size, &wire->sent[wire->count++], err, sizeof err), 0);
    return 0;
}

//  What the callback saw last, and how often it was called.
typedef struct {
    int calls;
    uint64_t client;
    char request[16];
    char status[32];
    char id[TW_ID_MAX];
    char error[TW_TEXT_MAX];
    nt_forward_t *forward; //  set: the callback starts another close
} s_seen_t;

static void
s_record (uint64_t client, const char *request, const char *status, const char *id,
          const char *error, void *arg)
{
    s_seen_t *seen = (s_seen_t *) arg;
    seen->calls++;
    seen->client = client;
    snprintf (seen->request, sizeof seen->request, "%s", request);
    snprintf (seen->status, sizeof seen->status, "%s", status);
    snprintf (seen->id, sizeof seen->id, "%s", id);
    snprintf (seen->error, sizeof seen->error, "%s", error);
    if (seen->forward) {
        char err[TW_TEXT_MAX];
        ck_assert_int_eq (nt_forward_close (seen->forward, client + 1000, id, err, sizeof err), 0);
        seen->forward = NULL;
    }
}

typedef struct {
    s_wire_t wire;
    s_seen_t seen;
    tw_requester_t *requester;
    nt_forward_t *forward;
} s_fixture_t;

static void
s_setup (s_fixture_t *fx)
{
    memset (fx, 0, sizeof *fx);
    tw_log_init ("unit");
    fx->requester = tw_requester_new_with (s_send, &fx->wire, TIMEOUT_MS, ATTEMPTS);
    ck_assert_ptr_nonnull (fx->requester);
    fx->forward = nt_forward_new (fx->requester, s_record, &fx->seen);
    ck_assert_ptr_nonnull (fx->forward);
}

static void
s_teardown (s_fixture_t *fx)
{
    nt_forward_destroy (&fx->forward);
    ck_assert_ptr_null (fx->forward);
    nt_forward_destroy (&fx->forward);
    ck_assert_uint_eq (tw_requester_size (fx->requester), 0);
    tw_requester_destroy (&fx->requester);
}

static tw_msg_t
s_ack (const char *req_id, tw_ack_status_t status, const char *error)
{
    tw_msg_t msg;
    tw_msg_init (&msg, TW_MSG_ACK);
    snprintf (msg.req_id, sizeof msg.req_id, "%s", req_id);
    msg.u.ack.status = status;
    snprintf (msg.u.ack.error, sizeof msg.u.ack.error, "%s", error);
    return msg;
}

START_TEST (test_close_becomes_manual_close)
{
    s_fixture_t fx;
    s_setup (&fx);
    char err[TW_TEXT_MAX] = "";
    int64_t before_ns = tw_clock_wall_ns ();
    ck_assert_int_eq (nt_forward_close (fx.forward, 7, POS_A, err, sizeof err), 0);
    int64_t after_ns = tw_clock_wall_ns ();
    ck_assert_int_eq (fx.wire.count, 1);
    const tw_msg_t *close = &fx.wire.sent[0];
    ck_assert_int_eq (close->type, TW_MSG_CLOSE);
    ck_assert_str_eq (close->u.close.id, POS_A);
    ck_assert_str_eq (close->u.close.reason, TW_REASON_MANUAL_CLOSE);
    ck_assert (strncmp (close->req_id, "ntf", 3) == 0);
    //  Refused by the gateway once every attempt is over.
    int64_t window_ns = (int64_t) TIMEOUT_MS * ATTEMPTS * TW_NS_PER_MS;
    ck_assert_int_ge (close->expires_at, before_ns + window_ns);
    ck_assert_int_le (close->expires_at, after_ns + window_ns);
    ck_assert_int_eq (nt_forward_sent (fx.forward), 1);
    //  A second request gets a req_id of its own.
    ck_assert_int_eq (nt_forward_close (fx.forward, 8, POS_A, err, sizeof err), 0);
    ck_assert_str_ne (fx.wire.sent[1].req_id, close->req_id);
    //  Each verdict goes to its client, once.
    tw_msg_t ack = s_ack (fx.wire.sent[1].req_id, TW_ACK_REJECTED, "position is closing");
    ck_assert_int_eq (tw_requester_deliver (fx.requester, &ack, 0), 0);
    ck_assert_int_eq (fx.seen.calls, 1);
    ck_assert_uint_eq (fx.seen.client, 8);
    ck_assert_str_eq (fx.seen.status, "rejected");
    ck_assert_str_eq (fx.seen.id, POS_A);
    ck_assert_str_eq (fx.seen.error, "position is closing");
    ack = s_ack (close->req_id, TW_ACK_ACCEPTED, "");
    ck_assert_int_eq (tw_requester_deliver (fx.requester, &ack, 0), 0);
    ck_assert_int_eq (tw_requester_deliver (fx.requester, &ack, 0), -1);
    ck_assert_int_eq (fx.seen.calls, 2);
    ck_assert_uint_eq (fx.seen.client, 7);
    ck_assert_str_eq (fx.seen.status, "accepted");
    ck_assert_str_eq (fx.seen.error, "");
    ck_assert_int_eq (nt_forward_sent (fx.forward), 2);
    s_teardown (&fx);
}
END_TEST

//  A flatten becomes the gateway's flatten with "Kill Switch", a fresh
//  req_id and an expires_at; its verdict goes back to its client.
START_TEST (test_flatten_becomes_kill_switch)
{
    s_fixture_t fx;
    s_setup (&fx);
    char err[TW_TEXT_MAX] = "";
    ck_assert_int_eq (nt_forward_flatten (fx.forward, 11, err, sizeof err), 0);
    ck_assert_int_eq (fx.wire.count, 1);
    const tw_msg_t *flatten = &fx.wire.sent[0];
    ck_assert_int_eq (flatten->type, TW_MSG_FLATTEN);
    ck_assert_str_eq (flatten->u.flatten.reason, TW_REASON_KILL_SWITCH);
    ck_assert (strncmp (flatten->req_id, "ntf", 3) == 0);
    ck_assert_int_gt (flatten->expires_at, tw_clock_wall_ns ());
    tw_msg_t ack = s_ack (flatten->req_id, TW_ACK_ACCEPTED, "");
    ck_assert_int_eq (tw_requester_deliver (fx.requester, &ack, 0), 0);
    ck_assert_int_eq (fx.seen.calls, 1);
    ck_assert_uint_eq (fx.seen.client, 11);
    ck_assert_str_eq (fx.seen.request, "flatten");
    ck_assert_str_eq (fx.seen.status, "accepted");
    ck_assert_str_eq (fx.seen.id, "");
    //  Unanswered: a timeout, to the same client.
    ck_assert_int_eq (nt_forward_flatten (fx.forward, 12, err, sizeof err), 0);
    int64_t start = tw_clock_mono_ms ();
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++)
        tw_requester_expire (fx.requester, start + attempt * TIMEOUT_MS);
    ck_assert_uint_eq (fx.seen.client, 12);
    ck_assert_int_eq (fx.seen.calls, 2);
    ck_assert_str_eq (fx.seen.request, "flatten");
    ck_assert_str_eq (fx.seen.status, NT_ACK_TIMEOUT);
    ck_assert_int_eq (nt_forward_sent (fx.forward), 2);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_unanswered_is_a_timeout)
{
    s_fixture_t fx;
    s_setup (&fx);
    char err[TW_TEXT_MAX];
    ck_assert_int_eq (nt_forward_close (fx.forward, 9, POS_A, err, sizeof err), 0);
    int64_t start = tw_clock_mono_ms ();
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++)
        tw_requester_expire (fx.requester, start + attempt * TIMEOUT_MS);
    //  Every attempt the same close.
    ck_assert_int_eq (fx.wire.count, ATTEMPTS);
    ck_assert_str_eq (fx.wire.sent[ATTEMPTS - 1].req_id, fx.wire.sent[0].req_id);
    ck_assert_int_eq (fx.seen.calls, 1);
    ck_assert_uint_eq (fx.seen.client, 9);
    ck_assert_str_eq (fx.seen.status, NT_ACK_TIMEOUT);
    ck_assert_str_eq (fx.seen.id, POS_A);
    ck_assert_str_eq (fx.seen.error, "no answer from the gateway after 3 attempts of 100 ms");
    ck_assert_int_eq (nt_forward_sent (fx.forward), 1);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_unexpected_reply_is_rejected)
{
    s_fixture_t fx;
    s_setup (&fx);
    char err[TW_TEXT_MAX];
    nt_forward_close (fx.forward, 10, POS_A, err, sizeof err);
    tw_msg_t pong;
    tw_msg_init (&pong, TW_MSG_PONG);
    snprintf (pong.req_id, sizeof pong.req_id, "%s", fx.wire.sent[0].req_id);
    ck_assert_int_eq (tw_requester_deliver (fx.requester, &pong, 0), 0);
    ck_assert_int_eq (fx.seen.calls, 1);
    ck_assert_str_eq (fx.seen.status, "rejected");
    ck_assert_str_eq (fx.seen.error, "unexpected reply from the gateway");
    s_teardown (&fx);
}
END_TEST

START_TEST (test_bound_and_drop)
{
    s_fixture_t fx;
    s_setup (&fx);
    char err[TW_TEXT_MAX] = "";
    for (uint64_t client = 0; client < NT_FORWARD_MAX; client++)
        ck_assert_int_eq (nt_forward_close (fx.forward, client, POS_A, err, sizeof err), 0);
    ck_assert_int_eq (nt_forward_close (fx.forward, 99, POS_A, err, sizeof err), -1);
    ck_assert_ptr_nonnull (strstr (err, "too many requests in flight"));
    ck_assert_int_eq (fx.wire.count, NT_FORWARD_MAX);
    ck_assert_int_eq (nt_forward_sent (fx.forward), NT_FORWARD_MAX);
    //  A verdict frees a place, even for a close started from the callback.
    fx.seen.forward = fx.forward;
    tw_msg_t ack = s_ack (fx.wire.sent[0].req_id, TW_ACK_ACCEPTED, "");
    ck_assert_int_eq (tw_requester_deliver (fx.requester, &ack, 0), 0);
    ck_assert_ptr_null (fx.seen.forward);
    ck_assert_int_eq (fx.wire.count, NT_FORWARD_MAX + 1);
    ck_assert_uint_eq (tw_requester_size (fx.requester), NT_FORWARD_MAX);
    //  The rest are dropped with the forwarder, without a callback (the
    //  sanitized build checks that nothing leaks).
    s_teardown (&fx);
    ck_assert_int_eq (fx.seen.calls, 1);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("nt_forward");
    TCase *tc = tcase_create ("core");
    tcase_add_test (tc, test_close_becomes_manual_close);
    tcase_add_test (tc, test_flatten_becomes_kill_switch);
    tcase_add_test (tc, test_unanswered_is_a_timeout);
    tcase_add_test (tc, test_unexpected_reply_is_rejected);
    tcase_add_test (tc, test_bound_and_drop);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
