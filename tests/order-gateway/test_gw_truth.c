//  The gateway and the broker never disagree about what is held (issue 7):
//  the real order-gateway process against the fake Fyers server. Exits that
//  never double, attempts that count across restarts.

#include <check.h>
#include <czmq.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "gw_testfx.h"
#include "tw_cmd.h"
#include "tw_proc.h"

#define SYMBOL "NSE:SBIN-EQ"
#define POS_ID "NSE:SBIN-EQ-INTRADAY"
#define DELETE_POSITIONS "DELETE", "/api/v3/positions"
#define WAIT_MS GW_TESTFX_WAIT_MS
#define STOP_MS 3000

static void
s_open_sbin (gw_testfx_t *fx)
{
    ck_assert_int_eq (gw_testfx_open (fx, SYMBOL, TW_SIDE_LONG, 10, 95, 110), TW_ACK_ACCEPTED);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (fx, TW_MSG_POSITION_OPENED, POS_ID, &event));
    ck_assert_int_eq (gw_testfx_broker_qty (fx, POS_ID), 10);
}

//  Drops what is left of the fake's script.
static void
s_drop_script (fake_fyers_t *fake)
{
    long status = 0;
    char *body = fake_fyers_http (fake, "DELETE", "/_fake/script", NULL, NULL, &status);
    free (body);
    ck_assert_int_eq (status, 200);
}

//  --- Exits never double ----------------------------------------------------

static void
s_short_confirm (gw_testfx_t *fx)
{
    tw_fixture_set (fx->base, "TW_GATEWAY_EXIT_CONFIRM_POLLS", "2");
    tw_fixture_set (fx->base, "TW_GATEWAY_EXIT_RETRY_COOLDOWN_MS", "0");
}

START_TEST (test_201_then_reexit_ends_flat)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_short_confirm);
    fake_fyers_set_price (fx.fake, SYMBOL, 100.0);
    s_open_sbin (&fx);
    //  The exit's counter order stays working: the confirmation runs out of
    //  reads and the exit fails, with the counter order still at the broker.
    fake_fyers_script (fx.fake, "{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\","
                                "\"action\":\"code201\",\"polls\":-1}");
    ck_assert_int_eq (gw_testfx_close (&fx, POS_ID, "SL Hit"), TW_ACK_ACCEPTED);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_EXIT_FAILED, POS_ID, &event));
    ck_assert_int_eq (gw_testfx_working_orders (&fx), 1);
    //  The retry (the risk-monitor after the cooldown) cancels that order
    //  before it exits: the account ends flat, never reversed.
    ck_assert_int_eq (gw_testfx_close (&fx, POS_ID, "SL Hit"), TW_ACK_ACCEPTED);
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert_int_eq (gw_testfx_broker_qty (&fx, POS_ID), 0);
    ck_assert_int_eq (gw_testfx_working_orders (&fx), 0);
    ck_assert_int_eq (fake_fyers_count (fx.fake, DELETE_POSITIONS), 2);
    ck_assert_uint_eq (gw_testfx_snapshot (&fx, NULL), 0);
    //  Every exit asked for the working orders to be cancelled.
    char *log = fake_fyers_requests (fx.fake);
    ck_assert_ptr_nonnull (log);
    const char *p = log;
    int with_cancel = 0;
    while ((p = strstr (p, "pending_orders_cancel")) != NULL) {
        with_cancel++;
        p++;
    }
    free (log);
    ck_assert_int_eq (with_cancel, 2);
    gw_testfx_teardown (&fx);
}
END_TEST

//  --- Every attempt counts, across restarts ---------------------------------

static void
s_slow_broker (gw_testfx_t *fx)
{
    tw_fixture_set (fx->base, "TW_FYERS_REQUEST_TIMEOUT_MS", "20000");
    tw_fixture_set (fx->base, "TW_GATEWAY_EXIT_MAX_ATTEMPTS", "3");
}

START_TEST (test_kills_during_hanging_deletes_bounded)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_slow_broker);
    fake_fyers_set_price (fx.fake, SYMBOL, 100.0);
    s_open_sbin (&fx);
    //  Every exit order hangs (and is never applied); the gateway is killed
    //  while it waits, five times.
    fake_fyers_script (fx.fake, "{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\","
                                "\"action\":\"hang\",\"ms\":30000,\"times\":10}");
    ck_assert_int_eq (gw_testfx_close (&fx, POS_ID, "SL Hit"), TW_ACK_ACCEPTED);
    for (int kill = 1; kill <= 5; kill++) {
        int expected = kill < 3 ? kill : 3;
        ck_assert_int_eq (fake_fyers_wait_count (fx.fake, DELETE_POSITIONS, expected, WAIT_MS),
                          expected);
        if (kill >= 3)
            //  The third run has sent the last order this close may send;
            //  later runs find the count spent and send nothing.
            ck_assert (tw_file_wait_contains (fx.log, "exit failed id=" POS_ID, WAIT_MS)
                       || kill == 3);
        ck_assert_int_eq (tw_fixture_stop (fx.base, GW_TESTFX_GATEWAY, SIGKILL, STOP_MS),
                          128 + SIGKILL);
        gw_testfx_restart (&fx);
    }
    ck_assert (tw_file_wait_contains (
        fx.log, "3 exit orders already sent for this close (exit_max_attempts 3)", WAIT_MS));
    ck_assert_int_eq (fake_fyers_count (fx.fake, DELETE_POSITIONS), 3);
    ck_assert (!tw_file_contains (fx.log, "UNIQUE constraint"));
    ck_assert (tw_file_contains (fx.log, "previous_attempts=2"));
    tw_position_t pos;
    ck_assert_uint_eq (gw_testfx_snapshot (&fx, &pos), 1);
    ck_assert_int_eq (pos.state, TW_STATE_OPEN);
    ck_assert (pos.exit_failed);
    gw_testfx_teardown (&fx);
}
END_TEST

//  --- Fills are read, not assumed ---------------------------------------------

//  Opens 10 of symbol at the broker's price, closes it at exit_price, and
//  returns the position_closed event.
static void
s_round_trip (gw_testfx_t *fx, const char *symbol, const char *id, double entry, double exit_price,
              tw_msg_t *closed)
{
    fake_fyers_set_price (fx->fake, symbol, entry);
    ck_assert_int_eq (gw_testfx_open (fx, symbol, TW_SIDE_LONG, 10, 0, 0), TW_ACK_ACCEPTED);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (fx, TW_MSG_POSITION_OPENED, id, &event));
    ck_assert_double_eq_tol (event.u.event.pos.entry_price, entry, 1e-9);
    fake_fyers_set_price (fx->fake, symbol, exit_price);
    ck_assert_int_eq (gw_testfx_close (fx, id, "Model Close"), TW_ACK_ACCEPTED);
    ck_assert (gw_testfx_wait_event (fx, TW_MSG_POSITION_CLOSED, id, closed));
}

START_TEST (test_second_round_trip_own_exit_price)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, NULL);
    tw_msg_t closed;
    s_round_trip (&fx, SYMBOL, POS_ID, 100.0, 104.0, &closed);
    ck_assert_double_eq_tol (closed.u.event.exit_price, 104.0, 1e-9);
    ck_assert_double_eq_tol (closed.u.event.pnl, 40.0, 1e-9);
    //  The day's average of the sells would be 107: each trade has its own.
    s_round_trip (&fx, SYMBOL, POS_ID, 100.0, 110.0, &closed);
    ck_assert_double_eq_tol (closed.u.event.exit_price, 110.0, 1e-9);
    ck_assert_double_eq_tol (closed.u.event.pnl, 100.0, 1e-9);
    gw_testfx_teardown (&fx);
}
END_TEST

START_TEST (test_pnl_uses_contract_multiplier)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, NULL);
    const char *symbol = "MCX:SILVERMIC20AUGFUT";
    ck_assert_int_eq (fake_fyers_set_multiplier (fx.fake, symbol, 5), 0);
    tw_msg_t closed;
    s_round_trip (&fx, symbol, "MCX:SILVERMIC20AUGFUT-INTRADAY", 100.0, 104.0, &closed);
    ck_assert_double_eq_tol (closed.u.event.exit_price, 104.0, 1e-9);
    ck_assert_double_eq_tol (closed.u.event.pnl, 4.0 * 10 * 5, 1e-9);
    gw_testfx_teardown (&fx);
}
END_TEST

START_TEST (test_ok_exit_that_did_nothing_is_not_closed)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_short_confirm);
    fake_fyers_set_price (fx.fake, SYMBOL, 100.0);
    s_open_sbin (&fx);
    //  The broker answers 200 "closed" but its counter order only works.
    fake_fyers_script (fx.fake, "{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\","
                                "\"action\":\"working\",\"polls\":-1}");
    ck_assert_int_eq (gw_testfx_close (&fx, POS_ID, "TP Hit"), TW_ACK_ACCEPTED);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_EXIT_FAILED, POS_ID, &event));
    ck_assert_msg (strstr (event.u.event.error, "not flat"), "error: %s", event.u.event.error);
    ck_assert_int_eq (tw_events_count (fx.events, TW_MSG_POSITION_CLOSED, POS_ID), 0);
    ck_assert_int_eq (fake_fyers_count (fx.fake, DELETE_POSITIONS), 1);
    tw_position_t pos;
    ck_assert_uint_eq (gw_testfx_snapshot (&fx, &pos), 1);
    ck_assert_int_eq (pos.qty, 10);
    ck_assert_int_eq (gw_testfx_broker_qty (&fx, POS_ID), 10);
    gw_testfx_teardown (&fx);
}
END_TEST

static void
s_short_lookup (gw_testfx_t *fx)
{
    tw_fixture_set (fx->base, "TW_GATEWAY_OPEN_LOOKUP_POLLS", "2");
    //  Its counts are of the open's orders; test_gw_stop has the broker
    //  stop of a partial fill.
    tw_fixture_set (fx->base, "TW_FYERS_BROKER_STOP", "off");
}

START_TEST (test_partial_open_tracks_filled_qty)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_short_lookup);
    fake_fyers_set_price (fx.fake, SYMBOL, 100.0);
    //  4 of 10 fill at once; the rest keeps working until it is cancelled.
    fake_fyers_script (fx.fake, "{\"method\":\"POST\",\"path\":\"/api/v3/orders/sync\","
                                "\"action\":\"working\",\"polls\":-1,\"fill_qty\":4}");
    ck_assert_int_eq (gw_testfx_open (&fx, SYMBOL, TW_SIDE_LONG, 10, 95, 110), TW_ACK_ACCEPTED);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_POSITION_OPENED, POS_ID, &event));
    ck_assert_int_eq (event.u.event.pos.qty, 4);
    ck_assert_double_eq_tol (event.u.event.pos.sl, 95.0, 1e-9);
    ck_assert_int_eq (gw_testfx_broker_qty (&fx, POS_ID), 4);
    ck_assert_int_eq (gw_testfx_working_orders (&fx), 0);
    ck_assert_int_eq (fake_fyers_count (fx.fake, "DELETE", "/api/v3/orders/sync"), 1);
    ck_assert_int_eq (fake_fyers_count (fx.fake, "POST", "/api/v3/orders/sync"), 1);
    gw_testfx_teardown (&fx);
}
END_TEST

//  --- An unknown open is never orphaned ----------------------------------------

START_TEST (test_unknown_open_stays_pending_then_fills)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_short_lookup);
    fake_fyers_set_price (fx.fake, SYMBOL, 100.0);
    //  The order is placed and filled but its reply is lost, and the order
    //  book cannot be read for a while.
    fake_fyers_script (fx.fake, "[{\"method\":\"POST\",\"path\":\"/api/v3/orders/sync\","
                                "\"action\":\"apply_then_reset\"},"
                                "{\"method\":\"GET\",\"path\":\"/api/v3/orders\","
                                "\"action\":\"status\",\"status\":503,\"times\":4}]");
    ck_assert_int_eq (gw_testfx_open (&fx, SYMBOL, TW_SIDE_LONG, 10, 95, 110), TW_ACK_ACCEPTED);
    //  Meanwhile it is pending: a second open of the id is refused.
    ck_assert_int_eq (gw_testfx_open (&fx, SYMBOL, TW_SIDE_LONG, 10, 95, 110), TW_ACK_REJECTED);
    ck_assert (tw_file_wait_contains (fx.log, "stays pending", WAIT_MS));
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_POSITION_OPENED, POS_ID, &event));
    ck_assert_int_eq (event.u.event.pos.qty, 10);
    ck_assert_double_eq_tol (event.u.event.pos.sl, 95.0, 1e-9);
    ck_assert_double_eq_tol (event.u.event.pos.tp, 110.0, 1e-9);
    ck_assert_int_eq (tw_events_count (fx.events, TW_MSG_ORDER_REJECTED, NULL), 0);
    ck_assert_int_eq (fake_fyers_count (fx.fake, "POST", "/api/v3/orders/sync"), 1);
    gw_testfx_teardown (&fx);
}
END_TEST

//  --- The broker's id is the id; reconciliation while running ------------------

static void
s_no_periodic (gw_testfx_t *fx)
{
    tw_fixture_set (fx->base, "TW_GATEWAY_RECONCILE_INTERVAL_MS", "0");
}

START_TEST (test_conversion_is_a_mismatch_not_a_close)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_no_periodic);
    fake_fyers_set_price (fx.fake, SYMBOL, 100.0);
    s_open_sbin (&fx);
    //  The trader converts the position to CNC in the Fyers app; the next
    //  exit finds nothing to exit under the INTRADAY id (-352).
    ck_assert_int_eq (fake_fyers_convert (fx.fake, POS_ID, "CNC", 0), 0);
    ck_assert_int_eq (gw_testfx_close (&fx, POS_ID, "SL Hit"), TW_ACK_ACCEPTED);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_POSITION_MISMATCH, POS_ID, &event));
    ck_assert_str_eq (event.u.event.pos.symbol, SYMBOL);
    ck_assert_int_eq (event.u.event.qty, 10);
    ck_assert_int_eq (event.u.event.broker_qty, 0);
    ck_assert_str_eq (event.u.event.broker_product, "CNC");
    ck_assert_msg (strstr (event.u.event.detail, "NSE:SBIN-EQ-CNC"), "detail: %s",
                   event.u.event.detail);
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_EXIT_FAILED, POS_ID, &event));
    ck_assert_int_eq (tw_events_count (fx.events, TW_MSG_POSITION_CLOSED, NULL), 0);
    tw_position_t pos;
    ck_assert_uint_eq (gw_testfx_snapshot (&fx, &pos), 1);
    ck_assert_str_eq (pos.id, POS_ID);
    ck_assert_int_eq (gw_testfx_broker_qty (&fx, "NSE:SBIN-EQ-CNC"), 10);
    ck_assert (tw_file_wait_contains (fx.log, "position mismatch id=" POS_ID, WAIT_MS));
    gw_testfx_teardown (&fx);
}
END_TEST

static void
s_fast_reconcile (gw_testfx_t *fx)
{
    tw_fixture_set (fx->base, "TW_GATEWAY_RECONCILE_INTERVAL_MS", "200");
}

START_TEST (test_reconcile_reports_conversion_once)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_fast_reconcile);
    fake_fyers_set_price (fx.fake, SYMBOL, 100.0);
    s_open_sbin (&fx);
    ck_assert_int_eq (fake_fyers_convert (fx.fake, POS_ID, "CNC", 0), 0);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_POSITION_MISMATCH, POS_ID, &event));
    ck_assert_str_eq (event.u.event.broker_product, "CNC");
    //  Several more runs: reported once, never closed, the CNC id not adopted.
    int runs = (int) tw_cmd_counter (fx.rep, TW_MSG_STATUS, "reconciles");
    int64_t deadline = zclock_mono () + WAIT_MS;
    while (tw_cmd_counter (fx.rep, TW_MSG_STATUS, "reconciles") < runs + 3)
        ck_assert_msg (zclock_mono () < deadline, "fewer than 3 reconciliations in %d ms", WAIT_MS);
    ck_assert_int_eq (tw_events_count (fx.events, TW_MSG_POSITION_MISMATCH, NULL), 1);
    ck_assert_int_eq (tw_events_count (fx.events, TW_MSG_POSITION_CLOSED, NULL), 0);
    ck_assert_int_eq (tw_events_count (fx.events, TW_MSG_POSITION_OPENED, NULL), 1);
    ck_assert_uint_eq (gw_testfx_snapshot (&fx, NULL), 1);
    ck_assert_int_eq (tw_cmd_counter (fx.rep, TW_MSG_STATUS, "mismatches"), 1);
    gw_testfx_teardown (&fx);
}
END_TEST

START_TEST (test_square_off_seen_by_reconcile)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_fast_reconcile);
    fake_fyers_set_price (fx.fake, SYMBOL, 100.0);
    s_open_sbin (&fx);
    //  The broker's RMS squares the position off while the gateway runs.
    fake_fyers_set_price (fx.fake, SYMBOL, 97.0);
    ck_assert_int_eq (fake_fyers_square_off (fx.fake, POS_ID, NULL), 1);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert_str_eq (event.u.event.reason, "Closed at Broker");
    ck_assert_double_eq_tol (event.u.event.exit_price, 97.0, 1e-9);
    ck_assert_double_eq_tol (event.u.event.pnl, -30.0, 1e-9);
    ck_assert_uint_eq (gw_testfx_snapshot (&fx, NULL), 0);
    //  A stop-loss that comes later sends nothing.
    ck_assert_int_eq (gw_testfx_close (&fx, POS_ID, "SL Hit"), TW_ACK_DUPLICATE);
    ck_assert_int_eq (fake_fyers_count (fx.fake, DELETE_POSITIONS), 0);
    gw_testfx_teardown (&fx);
}
END_TEST

static void
s_slow_retry (gw_testfx_t *fx)
{
    s_fast_reconcile (fx);
    tw_fixture_set (fx->base, "TW_GATEWAY_EXIT_BACKOFF_MS", "4000");
}

START_TEST (test_close_in_flight_answered_not_sent)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_slow_retry);
    fake_fyers_set_price (fx.fake, SYMBOL, 100.0);
    s_open_sbin (&fx);
    //  The exit is refused for now (408) and waits 4 s before its next
    //  order; meanwhile the broker squares the position off.
    fake_fyers_script (fx.fake, "{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\","
                                "\"action\":\"status\",\"status\":408}");
    ck_assert_int_eq (gw_testfx_close (&fx, POS_ID, "TP Hit"), TW_ACK_ACCEPTED);
    ck_assert_int_eq (fake_fyers_wait_count (fx.fake, DELETE_POSITIONS, 1, WAIT_MS), 1);
    ck_assert (tw_file_wait_contains (fx.log, "exit retry id=" POS_ID, WAIT_MS));
    ck_assert_int_eq (fake_fyers_square_off (fx.fake, POS_ID, NULL), 1);
    //  Answered by reading the broker, not by a second exit order.
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert_str_eq (event.u.event.reason, "TP Hit");
    ck_assert_int_eq (fake_fyers_count (fx.fake, DELETE_POSITIONS), 1);
    ck_assert (tw_file_contains (fx.log, "exit answered by the broker id=" POS_ID));
    gw_testfx_teardown (&fx);
}
END_TEST

//  --- Chaos: kills and broker faults never reverse a position ------------------

static void
s_chaos_settings (gw_testfx_t *fx)
{
    tw_fixture_set (fx->base, "TW_GATEWAY_EXIT_CONFIRM_POLLS", "3");
    tw_fixture_set (fx->base, "TW_GATEWAY_EXIT_RETRY_COOLDOWN_MS", "0");
    tw_fixture_set (fx->base, "TW_GATEWAY_RECONCILE_INTERVAL_MS", "300");
}

//  Waits until the gateway has no exit in flight and the broker holds what
//  the gateway does (0 or 10), within WAIT_MS; asserts the broker is never
//  reversed on the way.
static void
s_settle (gw_testfx_t *fx)
{
    int64_t deadline = zclock_mono () + WAIT_MS;
    while (true) {
        long held = gw_testfx_broker_qty (fx, POS_ID);
        ck_assert_msg (held == 0 || held == 10, "the broker holds %ld: reversed", held);
        tw_position_t pos;
        size_t count = gw_testfx_snapshot (fx, &pos);
        int64_t exits = tw_cmd_counter (fx->rep, TW_MSG_STATUS, "exits_in_flight");
        bool agree =
            (count == 0 && held == 0) || (count == 1 && held == 10 && pos.state == TW_STATE_OPEN);
        if (exits == 0 && agree)
            return;
        ck_assert_msg (zclock_mono () < deadline, "not settled: broker %ld, gateway %zu", held,
                       count);
        zclock_sleep (50);
    }
}

START_TEST (test_chaos_kills_and_faults_never_reverse)
{
    static const char *faults[] = {
        "{\"action\":\"code201\",\"polls\":-1}", "{\"action\":\"apply_then_hang\",\"ms\":3000}",
        "{\"action\":\"working\",\"polls\":1}",  "{\"action\":\"hang\",\"ms\":3000}",
        "{\"action\":\"apply_then_reset\"}",     "{\"action\":\"status\",\"status\":503}",
        "{\"action\":\"code201\",\"polls\":2}",  "{\"action\":\"garbage\",\"body\":\"<html>\"}",
    };
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_chaos_settings);
    fake_fyers_set_price (fx.fake, SYMBOL, 100.0);
    int cycles = 2 * (int) (sizeof faults / sizeof *faults);
    for (int cycle = 0; cycle < cycles; cycle++) {
        s_settle (&fx);
        if (gw_testfx_snapshot (&fx, NULL) == 0) {
            ck_assert_int_eq (gw_testfx_open (&fx, SYMBOL, TW_SIDE_LONG, 10, 0, 0),
                              TW_ACK_ACCEPTED);
            int64_t deadline = zclock_mono () + WAIT_MS;
            while (gw_testfx_snapshot (&fx, NULL) != 1) {
                ck_assert_msg (zclock_mono () < deadline, "cycle %d: the open did not fill", cycle);
                zclock_sleep (20);
            }
            s_settle (&fx);
        }
        char script[256];
        snprintf (script, sizeof script, "{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\",%s",
                  faults[cycle % (sizeof faults / sizeof *faults)] + 1);
        ck_assert_int_eq (fake_fyers_script (fx.fake, script), 1);
        int deletes = fake_fyers_count (fx.fake, DELETE_POSITIONS);
        tw_ack_status_t status = gw_testfx_close (&fx, POS_ID, "SL Hit");
        ck_assert_msg (status == TW_ACK_ACCEPTED, "cycle %d: close %s", cycle,
                       tw_ack_status_name (status));
        ck_assert_int_gt (fake_fyers_wait_count (fx.fake, DELETE_POSITIONS, deletes + 1, WAIT_MS),
                          deletes);
        if (cycle % 2 == 1) {
            //  Killed while the exit is at the broker, then started again.
            ck_assert_int_eq (tw_fixture_stop (fx.base, GW_TESTFX_GATEWAY, SIGKILL, STOP_MS),
                              128 + SIGKILL);
            gw_testfx_restart (&fx);
        }
        s_drop_script (fx.fake);
    }
    //  The kill switch at the end: flat at the broker and here, nothing working.
    tw_msg_t request, reply;
    tw_msg_init (&request, TW_MSG_FLATTEN);
    ck_assert_int_eq (tw_cmd_request (fx.client, &request, &reply), 0);
    s_settle (&fx);
    int64_t deadline = zclock_mono () + WAIT_MS;
    while (gw_testfx_snapshot (&fx, NULL) != 0 || gw_testfx_broker_qty (&fx, POS_ID) != 0) {
        ck_assert_msg (zclock_mono () < deadline, "not flat after the kill switch");
        zclock_sleep (50);
    }
    ck_assert_int_eq (gw_testfx_working_orders (&fx), 0);
    ck_assert (!tw_file_contains (fx.log, "UNIQUE constraint"));
    gw_testfx_teardown (&fx);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("gateway-truth");
    TCase *tc = tcase_create ("broker truth");
    tcase_set_timeout (tc, 90);
    tcase_add_test (tc, test_201_then_reexit_ends_flat);
    tcase_add_test (tc, test_kills_during_hanging_deletes_bounded);
    tcase_add_test (tc, test_second_round_trip_own_exit_price);
    tcase_add_test (tc, test_pnl_uses_contract_multiplier);
    tcase_add_test (tc, test_ok_exit_that_did_nothing_is_not_closed);
    tcase_add_test (tc, test_partial_open_tracks_filled_qty);
    tcase_add_test (tc, test_unknown_open_stays_pending_then_fills);
    tcase_add_test (tc, test_conversion_is_a_mismatch_not_a_close);
    tcase_add_test (tc, test_reconcile_reports_conversion_once);
    tcase_add_test (tc, test_square_off_seen_by_reconcile);
    tcase_add_test (tc, test_close_in_flight_answered_not_sent);
    tcase_add_test (tc, test_chaos_kills_and_faults_never_reverse);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
