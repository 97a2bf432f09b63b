//  In-process tests of the risk-monitor actor over inproc:// endpoints
//  against rm_fixture's fake feed and gateway. They cover: sync and an
//  SL close with its expiry; a retry with the same req_id; a rejected close
//  and its backoff; trailing moves written with modify (held back by the
//  modify interval) and a "Trailing SL Hit"; malformed ticks and replies
//  counted; a gateway that is down, comes back, falls silent and comes back
//  (with unsynced_ms counting while it is out); ticks that reach only the
//  positions of their symbol, through opens, updates and closes; a trailing
//  stop that moves on ticks that no plain stop or target in its symbol
//  reaches.

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rm_fixture.h"
#include "tw_clock.h"

//  ---------------------------------------------------------------------
//  Tests.

START_TEST (test_sl_close_and_retry)
{
    rmfx_t fx;
    tw_position_t pos = rmfx_position (100, 95, 110, 0);
    rmfx_start (&fx, &pos);
    rmfx_wait_ready (&fx, 100);
    ck_assert_int_eq (rmfx_counter (&fx, "resyncs"), 1);
    rmfx_assert_only_repeats (&fx, NULL);

    int64_t wall = tw_clock_wall_ns ();
    rmfx_tick (&fx, 94.95);
    rmfx_command_t close;
    ck_assert (rmfx_next_command (&fx, WAIT_MS, &close));
    ck_assert_int_eq (close.msg.type, TW_MSG_CLOSE);
    ck_assert_str_eq (close.msg.u.close.id, POS_ID);
    ck_assert_str_eq (close.msg.u.close.reason, "SL Hit");
    ck_assert (strncmp (close.msg.req_id, "rm-", 3) == 0);
    //  It expires close_ttl_ms after it was made.
    ck_assert_int_ge (close.msg.expires_at, wall + (int64_t) TTL_MS * TW_NS_PER_MS);
    ck_assert_int_le (close.msg.expires_at, tw_clock_wall_ns () + (int64_t) TTL_MS * TW_NS_PER_MS);
    //  Unanswered: the same request again after the timeout.
    tw_request_destroy (&close.request);
    int64_t first = tw_clock_mono_ms ();
    rmfx_command_t retry;
    ck_assert (rmfx_next_command (&fx, WAIT_MS, &retry));
    ck_assert_int_eq (retry.msg.type, TW_MSG_CLOSE);
    ck_assert_str_eq (retry.msg.req_id, close.msg.req_id);
    ck_assert_int_eq (retry.msg.expires_at, close.msg.expires_at);
    ck_assert_str_eq (retry.msg.u.close.reason, "SL Hit");
    ck_assert_int_ge (tw_clock_mono_ms () - first, TIMEOUT_MS / 2);
    //  While it is in flight, more breaching ticks ask nothing new.
    rmfx_tick_seen (&fx, 94);
    rmfx_assert_only_repeats (&fx, close.msg.req_id);
    //  The gateway accepts, and the clone shows the position closing.
    rmfx_answer (&fx, &retry, TW_ACK_ACCEPTED);
    pos.state = TW_STATE_CLOSING;
    rmfx_publish_event (&fx, TW_MSG_POSITION_CLOSING, &pos, "SL Hit");
    rmfx_wait_counter (&fx, "closes_accepted", 1);
    rmfx_wait_counter (&fx, "retries", 1);
    rmfx_wait_counter_eq (&fx, "positions_watched", 0, WAIT_MS);
    rmfx_tick_seen (&fx, 93);
    rmfx_assert_only_repeats (&fx, close.msg.req_id);
    //  Closed: nothing more is asked.
    rmfx_publish_event (&fx, TW_MSG_POSITION_CLOSED, &pos, "SL Hit");
    fx.count = 0;
    rmfx_tick_seen (&fx, 90);
    rmfx_assert_only_repeats (&fx, close.msg.req_id);
    ck_assert_int_eq (rmfx_counter (&fx, "closes_sent"), 1);
    ck_assert_int_eq (rmfx_counter (&fx, "gave_up"), 0);
    rmfx_stop (&fx);
}
END_TEST

START_TEST (test_tp_close_gives_up_then_asks_again)
{
    rmfx_t fx;
    tw_position_t pos = rmfx_position (100, 95, 110, 0);
    rmfx_start (&fx, &pos);
    rmfx_wait_ready (&fx, 100);
    rmfx_tick (&fx, 110);
    rmfx_command_t sent[3];
    for (int i = 0; i < 3; i++) {
        ck_assert (rmfx_next_command (&fx, WAIT_MS, &sent[i]));
        ck_assert_str_eq (sent[i].msg.u.close.reason, "TP Hit");
        ck_assert_str_eq (sent[i].msg.req_id, sent[0].msg.req_id);
        tw_request_destroy (&sent[i].request);
    }
    //  Three sends, no reply: given up.
    rmfx_wait_counter (&fx, "gave_up", 1);
    rmfx_assert_only_repeats (&fx, NULL);
    //  The next tick that still breaches asks again, with a new req_id.
    rmfx_tick (&fx, 110.5);
    rmfx_command_t again;
    ck_assert (rmfx_next_command (&fx, WAIT_MS, &again));
    ck_assert_str_eq (again.msg.u.close.reason, "TP Hit");
    ck_assert_str_ne (again.msg.req_id, sent[0].msg.req_id);
    rmfx_answer (&fx, &again, TW_ACK_DUPLICATE);
    rmfx_wait_counter (&fx, "closes_accepted", 1);
    ck_assert_int_eq (rmfx_counter (&fx, "closes_sent"), 2);
    rmfx_stop (&fx);
}
END_TEST

START_TEST (test_rejected_close_backs_off)
{
    rmfx_t fx;
    tw_position_t pos = rmfx_position (100, 95, 0, 0);
    rmfx_start (&fx, &pos);
    rmfx_wait_ready (&fx, 100);
    rmfx_tick (&fx, 95);
    rmfx_command_t close;
    ck_assert (rmfx_next_command (&fx, WAIT_MS, &close));
    ck_assert_str_eq (close.msg.u.close.reason, "SL Hit");
    rmfx_answer (&fx, &close, TW_ACK_REJECTED);
    int64_t rejected = tw_clock_mono_ms ();
    rmfx_wait_counter (&fx, "closes_rejected", 1);
    //  Still breaching, but inside the backoff: nothing new is asked.
    rmfx_tick_seen (&fx, 94);
    if (tw_clock_mono_ms () - rejected < BACKOFF_MS)
        rmfx_assert_only_repeats (&fx, close.msg.req_id);
    //  After it: asked again, with a new req_id.
    rmfx_command_t again;
    bool found = false;
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    while (!found && tw_clock_mono_ms () < deadline) {
        rmfx_tick (&fx, 94);
        found = rmfx_next_command (&fx, 2 * POLL_MS, &again);
        if (found && strcmp (again.msg.req_id, close.msg.req_id) == 0) {
            tw_request_destroy (&again.request); //  a repeat sent before the ack
            found = false;
        }
    }
    ck_assert (found);
    ck_assert_int_ge (tw_clock_mono_ms () - rejected, BACKOFF_MS);
    ck_assert_str_eq (again.msg.u.close.reason, "SL Hit");
    rmfx_answer (&fx, &again, TW_ACK_ACCEPTED);
    rmfx_wait_counter (&fx, "closes_accepted", 1);
    rmfx_stop (&fx);
}
END_TEST

//  The next command that is not a repeat of an answered modify with sl.
static void
s_next_skipping_modify (rmfx_t *fx, double sl, rmfx_command_t *command)
{
    while (true) {
        ck_assert (rmfx_next_command (fx, WAIT_MS, command));
        if (command->msg.type != TW_MSG_MODIFY || command->msg.u.modify.sl != sl)
            return;
        //  The clone had not yet shown the gateway's new sl: the same move
        //  again, harmless; answer it.
        rmfx_answer (fx, command, TW_ACK_ACCEPTED);
    }
}

START_TEST (test_trailing_modify_and_close)
{
    rmfx_t fx;
    tw_position_t pos = rmfx_position (100, 95, 0, 2);
    rmfx_start (&fx, &pos);
    int64_t ticks_from = tw_clock_mono_ms ();
    rmfx_wait_ready (&fx, 100);
    //  The first tick puts the trailing stop at 98, tighter than sl 95: written.
    rmfx_command_t modify;
    ck_assert (rmfx_next_command (&fx, WAIT_MS, &modify));
    ck_assert_int_eq (modify.msg.type, TW_MSG_MODIFY);
    ck_assert_str_eq (modify.msg.u.modify.id, POS_ID);
    ck_assert (modify.msg.u.modify.has_sl);
    ck_assert (!modify.msg.u.modify.has_tp && !modify.msg.u.modify.has_trail);
    ck_assert_int_gt (modify.msg.expires_at, tw_clock_wall_ns ());
    ck_assert_double_eq_tol (modify.msg.u.modify.sl, 98, 1e-9);
    rmfx_answer (&fx, &modify, TW_ACK_ACCEPTED);
    pos.sl = 98;
    rmfx_publish_event (&fx, TW_MSG_POSITION_UPDATED, &pos, NULL);
    //  A rise to 103: the move to 101 goes out once the modify interval has
    //  passed since the first, without another tick.
    rmfx_tick (&fx, 103);
    s_next_skipping_modify (&fx, 98, &modify);
    ck_assert_int_ge (tw_clock_mono_ms () - ticks_from, INTERVAL_MS);
    ck_assert_int_eq (modify.msg.type, TW_MSG_MODIFY);
    ck_assert_double_eq_tol (modify.msg.u.modify.sl, 101, 1e-9);
    rmfx_answer (&fx, &modify, TW_ACK_ACCEPTED);
    pos.sl = 101;
    rmfx_publish_event (&fx, TW_MSG_POSITION_UPDATED, &pos, NULL);
    rmfx_wait_counter (&fx, "modifies_accepted", 2);
    //  The fall to the moved stop.
    rmfx_tick (&fx, 101);
    rmfx_command_t close;
    s_next_skipping_modify (&fx, 101, &close);
    ck_assert_int_eq (close.msg.type, TW_MSG_CLOSE);
    ck_assert_str_eq (close.msg.u.close.reason, "Trailing SL Hit");
    rmfx_answer (&fx, &close, TW_ACK_ACCEPTED);
    rmfx_wait_counter (&fx, "closes_accepted", 1);
    rmfx_stop (&fx);
}
END_TEST

START_TEST (test_band_keeps_trailing_positions_live)
{
    //  One symbol, two positions: a plain one (sl 90, tp 130) and a
    //  trailing one. Ticks between 90 and 130 cannot touch the plain one,
    //  but must still move the trailing stop; a tick at 130 hits the target.
    rmfx_t fx;
    tw_position_t trailing = rmfx_position (100, 95, 0, 2);
    rmfx_start (&fx, &trailing);
    tw_position_t plain = rmfx_position (100, 90, 130, 0);
    snprintf (plain.id, sizeof plain.id, "NSE:SBIN-EQ-CNC");
    fx.positions[fx.count++] = plain;
    rmfx_wait_ready (&fx, 100);
    rmfx_command_t command;
    ck_assert (rmfx_next_command (&fx, WAIT_MS, &command));
    ck_assert_int_eq (command.msg.type, TW_MSG_MODIFY);
    ck_assert_str_eq (command.msg.u.modify.id, POS_ID);
    ck_assert_double_eq_tol (command.msg.u.modify.sl, 98, 1e-9);
    rmfx_answer (&fx, &command, TW_ACK_ACCEPTED);
    trailing.sl = 98;
    rmfx_publish_event (&fx, TW_MSG_POSITION_UPDATED, &trailing, NULL);
    //  Inside the band: the trailing stop follows to 108.
    rmfx_tick (&fx, 110);
    s_next_skipping_modify (&fx, 98, &command);
    ck_assert_int_eq (command.msg.type, TW_MSG_MODIFY);
    ck_assert_str_eq (command.msg.u.modify.id, POS_ID);
    ck_assert_double_eq_tol (command.msg.u.modify.sl, 108, 1e-9);
    rmfx_answer (&fx, &command, TW_ACK_ACCEPTED);
    trailing.sl = 108;
    rmfx_publish_event (&fx, TW_MSG_POSITION_UPDATED, &trailing, NULL);
    rmfx_wait_counter (&fx, "modifies_accepted", 2);
    //  At the plain position's target: its close (the trailing one may
    //  ask to move its stop meanwhile).
    rmfx_tick (&fx, 130);
    bool closed = false;
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
         !closed && tw_clock_mono_ms () < deadline;) {
        ck_assert (rmfx_next_command (&fx, WAIT_MS, &command));
        closed = command.msg.type == TW_MSG_CLOSE;
        if (!closed)
            rmfx_answer (&fx, &command, TW_ACK_ACCEPTED);
    }
    ck_assert (closed);
    ck_assert_str_eq (command.msg.u.close.id, plain.id);
    ck_assert_str_eq (command.msg.u.close.reason, "TP Hit");
    rmfx_answer (&fx, &command, TW_ACK_ACCEPTED);
    rmfx_stop (&fx);
}
END_TEST

START_TEST (test_malformed_input_counted)
{
    rmfx_t fx;
    tw_position_t pos = rmfx_position (100, 95, 0, 0);
    rmfx_start (&fx, &pos);
    rmfx_wait_ready (&fx, 100);
    //  A body that is not msgpack, a message without its body, and a
    //  heartbeat under a tick topic.
    zstr_sendm (fx.feed, "tick." SYMBOL);
    zstr_send (fx.feed, "\xc1garbage");
    zstr_send (fx.feed, "tick.");
    tw_msg_t heartbeat;
    tw_msg_init (&heartbeat, TW_MSG_HEARTBEAT);
    uint8_t *bytes = NULL;
    size_t size = 0;
    char err[ERR_MAX];
    ck_assert_int_eq (tw_msg_encode (&heartbeat, &bytes, &size, err, sizeof err), 0);
    zmsg_t *wrong = zmsg_new ();
    zmsg_addstr (wrong, "tick." SYMBOL);
    zmsg_addmem (wrong, bytes, size);
    free (bytes);
    ck_assert_int_eq (zmsg_send (&wrong, fx.feed), 0);
    rmfx_wait_counter (&fx, "bad_ticks", 3);
    //  A reply that is garbage, and one that is not an ack.
    rmfx_tick (&fx, 95);
    rmfx_command_t close;
    ck_assert (rmfx_next_command (&fx, WAIT_MS, &close));
    zmsg_t *garbage = zmsg_dup (close.request.envelope);
    zmsg_addstr (garbage, "\xc1\xc1");
    ck_assert_int_eq (zmsg_send (&garbage, fx.router), 0);
    tw_msg_t pong;
    tw_msg_init (&pong, TW_MSG_PONG);
    snprintf (pong.req_id, sizeof pong.req_id, "%s", close.msg.req_id);
    snprintf (pong.u.pong.service, sizeof pong.u.pong.service, "order-gateway");
    snprintf (pong.u.pong.version, sizeof pong.u.pong.version, "0");
    tw_request_t copy = {zmsg_dup (close.request.envelope)};
    ck_assert_int_eq (tw_router_reply (fx.router, &copy, &pong), 0);
    rmfx_wait_counter (&fx, "bad_replies", 2);
    //  Still in flight, and answered properly at last.
    rmfx_answer (&fx, &close, TW_ACK_ACCEPTED);
    rmfx_wait_counter (&fx, "closes_accepted", 1);
    ck_assert_int_eq (rmfx_counter (&fx, "synced"), 1);
    rmfx_stop (&fx);
}
END_TEST

START_TEST (test_ticks_reach_their_symbol_only)
{
    //  Two positions in two symbols; a third opens later in the first one.
    //  The ticks jump across symbols' price levels: no band.
    setenv ("TW_RISK_TICK_BAND_PCT", "0", 1);
    rmfx_t fx;
    tw_position_t sbin = rmfx_position (100, 95, 0, 0);
    rmfx_start (&fx, &sbin);
    tw_position_t infy = rmfx_position (1500, 1550, 0, 0);
    infy.side = TW_SIDE_SHORT;
    snprintf (infy.id, sizeof infy.id, "NSE:INFY-EQ-INTRADAY");
    snprintf (infy.symbol, sizeof infy.symbol, "NSE:INFY-EQ");
    fx.positions[fx.count++] = infy;
    rmfx_wait_ready (&fx, 100);
    //  An INFY tick at a price that would breach SBIN's stop (long, 95)
    //  breaches nothing; nor does an SBIN tick that would breach INFY's
    //  (short, 1550).
    rmfx_tick_of_seen (&fx, "NSE:INFY-EQ", 90);
    rmfx_tick_of_seen (&fx, "NSE:SBIN-EQ", 1600);
    rmfx_tick_of_seen (&fx, "NSE:TCS-EQ", 1);
    rmfx_assert_only_repeats (&fx, NULL);
    //  INFY's stop moved down by the operator: a tick at 1465 now hits it.
    infy.sl = 1460;
    rmfx_publish_event (&fx, TW_MSG_POSITION_UPDATED, &infy, NULL);
    tw_position_t sbin2 = rmfx_position (100, 98, 0, 0);
    snprintf (sbin2.id, sizeof sbin2.id, "NSE:SBIN-EQ-CNC");
    rmfx_publish_event (&fx, TW_MSG_POSITION_OPENED, &sbin2, NULL);
    rmfx_wait_counter (&fx, "positions_watched", 3);
    rmfx_tick_of (&fx, "NSE:INFY-EQ", 1465);
    rmfx_command_t close;
    ck_assert (rmfx_next_command (&fx, WAIT_MS, &close));
    ck_assert_str_eq (close.msg.u.close.id, infy.id);
    rmfx_answer (&fx, &close, TW_ACK_ACCEPTED);
    //  SBIN closed at the gateway: of its symbol only the new one is left.
    sbin.state = TW_STATE_CLOSED;
    rmfx_publish_event (&fx, TW_MSG_POSITION_CLOSED, &sbin, "SL Hit");
    rmfx_wait_counter_eq (&fx, "positions_watched", 2, WAIT_MS);
    rmfx_tick_of (&fx, "NSE:SBIN-EQ", 97);
    ck_assert (rmfx_next_command (&fx, WAIT_MS, &close));
    ck_assert_str_eq (close.msg.u.close.id, sbin2.id);
    tw_request_destroy (&close.request);
    rmfx_stop (&fx);
}
END_TEST

START_TEST (test_gateway_down_and_back)
{
    rmfx_t fx;
    tw_position_t pos = rmfx_position (100, 95, 0, 0);
    rmfx_start (&fx, &pos);
    fx.gateway_up = false;
    //  Down: ping is answered promptly (the actor is not stuck asking for a
    //  snapshot), and it is not synced.
    int64_t start = tw_clock_mono_ms ();
    ck_assert_int_eq (rmfx_counter (&fx, "synced"), 0);
    ck_assert_int_eq (rmfx_counter (&fx, "positions_watched"), 0);
    ck_assert_int_lt (tw_clock_mono_ms () - start, PROMPT_MS);
    ck_assert_int_eq (fx.snapshots, 0);
    //  ...and it says for how long.
    rmfx_wait_counter (&fx, "unsynced_ms", 50);
    //  Up: heartbeats, then a snapshot.
    fx.gateway_up = true;
    rmfx_wait_ready (&fx, 100);
    ck_assert_int_eq (rmfx_counter (&fx, "resyncs"), 1);
    ck_assert_int_eq (rmfx_counter (&fx, "unsynced_ms"), 0);
    //  Silent: after 3 s the copy is dropped...
    fx.gateway_up = false;
    rmfx_wait_counter_eq (&fx, "synced", 0, SILENT_WAIT_MS);
    ck_assert_int_eq (rmfx_counter (&fx, "positions_watched"), 0);
    //  ...nothing is asked on a breach...
    rmfx_tick_seen (&fx, 90);
    rmfx_assert_only_repeats (&fx, NULL);
    //  ...and it resyncs when the gateway is back.
    fx.gateway_up = true;
    rmfx_wait_counter (&fx, "resyncs", 2);
    rmfx_wait_counter (&fx, "synced", 1);
    rmfx_tick (&fx, 90);
    rmfx_command_t close;
    ck_assert (rmfx_next_command (&fx, WAIT_MS, &close));
    ck_assert_str_eq (close.msg.u.close.reason, "SL Hit");
    tw_request_destroy (&close.request);
    rmfx_stop (&fx);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("rm_actor");
    TCase *tc = tcase_create ("core");
    tcase_add_checked_fixture (tc, rmfx_setup, rmfx_teardown);
    tcase_set_timeout (tc, 30);
    tcase_add_test (tc, test_sl_close_and_retry);
    tcase_add_test (tc, test_tp_close_gives_up_then_asks_again);
    tcase_add_test (tc, test_rejected_close_backs_off);
    tcase_add_test (tc, test_trailing_modify_and_close);
    tcase_add_test (tc, test_malformed_input_counted);
    tcase_add_test (tc, test_gateway_down_and_back);
    tcase_add_test (tc, test_ticks_reach_their_symbol_only);
    tcase_add_test (tc, test_band_keeps_trailing_positions_live);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
