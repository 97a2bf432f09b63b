//  Integration tests of the risk-monitor: the real order-gateway on the
//  paper broker and the real risk-monitor, over loopback on ports picked at
//  run time, in a temporary directory. The test is the market feed: it binds
//  a PUB at feed_pub and publishes the ticks that both the paper broker (its
//  fill prices) and the risk-monitor (its stops) see. It opens positions
//  through the gateway, moves the price, and watches the gateway's events:
//  an SL and a TP exit, a trailing stop that is moved with modify and then
//  hit, and a risk-monitor killed with SIGKILL and restarted that restores
//  the moved stop from the gateway and still closes, once; a tick at an
//  absurd price that closes nothing, then a silent feed that flattens.

#include <check.h>
#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_client.h"
#include "tw_clock.h"
#include "tw_cmd.h"
#include "tw_events.h"
#include "tw_fixture.h"
#include "tw_proc.h"
#include "tw_sock.h"

#define WAIT_MS 10000
#define STOP_MS 3000
#define POLL_MS 20
#define CLIENT_TIMEOUT_MS 2000
#define CLIENT_ATTEMPTS 3
#define OPEN_TTL_MS 10000
#define QTY 10
#define GATEWAY "order-gateway"
#define RISK "risk-monitor"
//  Prices: every position opens at BASE (the paper broker fills at the
//  last tick).
#define BASE 100.0
#define SBIN "NSE:SBIN-EQ"
#define SBIN_ID "NSE:SBIN-EQ-INTRADAY"
#define INFY "NSE:INFY-EQ"
#define INFY_ID "NSE:INFY-EQ-INTRADAY"
#define TCS "NSE:TCS-EQ"
#define TCS_ID "NSE:TCS-EQ-INTRADAY"

//  The paper broker stop for the next s_setup_with (off unless a test asks).
static bool s_broker_stop;

typedef struct {
    tw_fixture_t *base;
    const char *gateway_log;
    const char *risk_log;
    const char *rep;
    const char *control;
    tw_client_t *client;
    tw_events_t *events;         //  the gateway's, tallied
    zsock_t *feed;               //  our ticks
    const char *const *risk_env; //  the risk-monitor's own settings, or NULL
} fixture_t;

static void
s_start_risk (fixture_t *fx)
{
    ck_assert_int_eq (tw_fixture_start (fx->base, RISK, getenv ("RISK_MONITOR"), fx->risk_env), 0);
}

static int
s_closed_count (fixture_t *fx, const char *id)
{
    return tw_events_count (fx->events, TW_MSG_POSITION_CLOSED, id);
}

//  Waits for the next event of type (any type when TW_MSG_INVALID) for id
//  (any id when NULL) on the gateway's PUB.
static bool
s_wait_event (fixture_t *fx, tw_msg_type_t type, const char *id, tw_msg_t *event, int wait_ms)
{
    return tw_events_wait (fx->events, type, id, wait_ms, event);
}

static void
s_tick (fixture_t *fx, const char *symbol, double ltp)
{
    ck_assert_int_eq (tw_cmd_tick (fx->feed, symbol, ltp), 0);
}

//  A counter of a pong from endpoint (the gateway's status, or a ping).
static int64_t
s_counter_at (const char *endpoint, tw_msg_type_t type, const char *name)
{
    int64_t value = tw_cmd_counter (endpoint, type, name);
    ck_assert_msg (value >= 0, "no counter '%s' from %s %s", name, tw_msg_type_name (type),
                   endpoint);
    return value;
}

static int64_t
s_risk (fixture_t *fx, const char *name)
{
    return s_counter_at (fx->control, TW_MSG_PING, name);
}

static int64_t
s_gateway (fixture_t *fx, const char *name)
{
    return s_counter_at (fx->rep, TW_MSG_STATUS, name);
}

//  Polls a risk-monitor counter until it equals value (bounded).
static void
s_wait_risk (fixture_t *fx, const char *name, int64_t value)
{
    int64_t seen = -1;
    ck_assert_msg (tw_cmd_wait_counter (fx->control, TW_MSG_PING, name, value, WAIT_MS, &seen),
                   "risk-monitor %s is %lld, expected %lld; log in %s", name, (long long) seen,
                   (long long) value, fx->risk_log);
}

//  The risk-monitor is synced with `positions` open positions, and its tick
//  SUB is live (it has counted a tick of symbol at ltp, which must not
//  breach anything).
static void
s_wait_risk_ready (fixture_t *fx, int positions, const char *symbol, double ltp)
{
    s_wait_risk (fx, "synced", 1);
    s_wait_risk (fx, "positions_watched", positions);
    int64_t before = s_risk (fx, "ticks");
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    while (s_risk (fx, "ticks") == before && tw_clock_mono_ms () < deadline)
        s_tick (fx, symbol, ltp);
    ck_assert_msg (s_risk (fx, "ticks") > before, "risk-monitor sees no ticks; log in %s",
                   fx->risk_log);
}

//  Opens a long position on symbol at BASE through the gateway. The paper
//  broker refuses an open until it has a price (order_rejected), and its
//  SUB may not be connected yet: tick and try again, bounded.
static void
s_open (fixture_t *fx, const char *symbol, const char *id, double sl, double tp, double trail)
{
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    while (tw_clock_mono_ms () < deadline) {
        s_tick (fx, symbol, BASE);
        tw_msg_t request, reply;
        tw_cmd_open (&request, symbol, TW_SIDE_LONG, QTY, sl, tp, OPEN_TTL_MS);
        request.u.open.trail = trail;
        ck_assert_int_eq (tw_cmd_request (fx->client, &request, &reply), 0);
        ck_assert_int_eq (reply.type, TW_MSG_ACK);
        ck_assert_int_eq (reply.u.ack.status, TW_ACK_ACCEPTED);
        //  The outcome: opened, or rejected for want of a price.
        tw_msg_t event;
        int64_t outcome = tw_clock_mono_ms () + WAIT_MS;
        while (tw_clock_mono_ms () < outcome) {
            if (!s_wait_event (fx, TW_MSG_INVALID, NULL, &event, POLL_MS))
                continue;
            bool mine = streq (event.u.event.pos.symbol, symbol);
            if (mine && event.type == TW_MSG_POSITION_OPENED) {
                ck_assert_str_eq (event.u.event.pos.id, id);
                ck_assert_double_eq_tol (event.u.event.pos.entry_price, BASE, 1e-9);
                ck_assert_double_eq_tol (event.u.event.pos.trail, trail, 1e-9);
                return;
            }
            if (mine && event.type == TW_MSG_ORDER_REJECTED)
                break;
        }
    }
    ck_abort_msg ("%s did not open; log in %s", symbol, fx->gateway_log);
}

//  Starts the gateway and the risk-monitor, which gets risk_env (may be
//  NULL) on top of the fixture's settings.
static void
s_setup_with (fixture_t *fx, const char *const *risk_env)
{
    memset (fx, 0, sizeof *fx);
    fx->risk_env = risk_env;
    fx->base = tw_fixture_new ("risk");
    ck_assert_ptr_nonnull (fx->base);
    fx->gateway_log = tw_fixture_log (fx->base, GATEWAY);
    fx->risk_log = tw_fixture_log (fx->base, RISK);
    fx->rep = tw_fixture_endpoint (fx->base, "TW_ENDPOINTS_GATEWAY_REP");
    const char *pub = tw_fixture_endpoint (fx->base, "TW_ENDPOINTS_GATEWAY_PUB");
    const char *feed = tw_fixture_endpoint (fx->base, "TW_ENDPOINTS_FEED_PUB");
    fx->control = tw_fixture_endpoint (fx->base, "TW_ENDPOINTS_RISK_CONTROL");
    ck_assert (fx->rep && pub && feed && fx->control);
    tw_fixture_set (fx->base, "TW_GATEWAY_BROKER", "paper");
    tw_fixture_set (fx->base, "TW_GATEWAY_DB", "gateway.db");
    tw_fixture_set (fx->base, "TW_GATEWAY_PAPER_DB", "paper.db");
    tw_fixture_set (fx->base, "TW_GATEWAY_HEARTBEAT_MS", "100");
    //  These tests are about the risk-monitor's decisions: no paper broker
    //  stop racing its closes on the same tick (test_gw_stop and test_gw_actor
    //  cover the broker stop), unless a test asks for one.
    tw_fixture_set (fx->base, "TW_FYERS_BROKER_STOP", "%s", s_broker_stop ? "on" : "off");
    //  Generous: a retry here would only make the counts below less exact.
    tw_fixture_set (fx->base, "TW_RISK_COMMAND_TIMEOUT_MS", "2000");
    tw_fixture_set (fx->base, "TW_RISK_TRAIL_MODIFY_INTERVAL_MS", "100");
    //  We are the feed: the stable side binds.
    fx->feed = tw_sock_pub_new (feed);
    ck_assert_ptr_nonnull (fx->feed);
    ck_assert_int_eq (tw_fixture_start (fx->base, GATEWAY, getenv ("GATEWAY"), NULL), 0);
    fx->client = tw_client_new (fx->rep, CLIENT_TIMEOUT_MS, CLIENT_ATTEMPTS);
    ck_assert_ptr_nonnull (fx->client);
    fx->events = tw_events_new (pub);
    ck_assert_ptr_nonnull (fx->events);
    ck_assert_int_eq (
        tw_fixture_wait_pong (fx->base, GATEWAY, fx->rep, TW_MSG_STATUS, "reconciled", 1, WAIT_MS),
        0);
    //  Our SUB is live once a heartbeat arrives.
    ck_assert (tw_events_wait_live (fx->events, WAIT_MS));
    s_start_risk (fx);
}

static void
s_setup (fixture_t *fx)
{
    s_setup_with (fx, NULL);
}

static void
s_teardown (fixture_t *fx)
{
    tw_client_destroy (&fx->client);
    tw_events_destroy (&fx->events);
    zsock_destroy (&fx->feed);
    ck_assert_int_eq (tw_fixture_stop (fx->base, RISK, SIGTERM, STOP_MS), 0);
    ck_assert_int_eq (tw_fixture_stop (fx->base, GATEWAY, SIGTERM, STOP_MS), 0);
    tw_fixture_destroy (&fx->base);
}

//  Waits for position_closed of id with reason; returns the event.
static tw_msg_t
s_wait_closed (fixture_t *fx, const char *id, const char *reason)
{
    tw_msg_t event;
    ck_assert_msg (s_wait_event (fx, TW_MSG_POSITION_CLOSED, id, &event, WAIT_MS),
                   "%s not closed; logs in %s", id, tw_fixture_dir (fx->base));
    ck_assert_str_eq (event.u.event.reason, reason);
    ck_assert_int_eq (event.u.event.attempts, 1);
    ck_assert_double_gt (event.u.event.exit_price, 0);
    return event;
}

//  Waits for position_updated of id with sl (the risk-monitor's modify).
static void
s_wait_sl (fixture_t *fx, const char *id, double sl)
{
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    tw_msg_t event;
    while (tw_clock_mono_ms () < deadline)
        if (s_wait_event (fx, TW_MSG_POSITION_UPDATED, id, &event, POLL_MS)
            && event.u.event.pos.sl > sl - 1e-9 && event.u.event.pos.sl < sl + 1e-9)
            return;
    ck_abort_msg ("no position_updated with sl=%.2f for %s; logs in %s", sl, id,
                  tw_fixture_dir (fx->base));
}

START_TEST (test_sl_and_tp_hit)
{
    fixture_t fx;
    s_setup (&fx);
    s_open (&fx, SBIN, SBIN_ID, 95, 110, 0);
    s_open (&fx, INFY, INFY_ID, 90, 105, 0);
    s_wait_risk_ready (&fx, 2, SBIN, BASE);

    s_tick (&fx, SBIN, 94.95);
    s_wait_closed (&fx, SBIN_ID, "SL Hit");
    ck_assert (tw_file_wait_contains (fx.gateway_log,
                                      "exit closed id=" SBIN_ID " reason=\"SL Hit\"", WAIT_MS));
    ck_assert (tw_file_wait_contains (
        fx.risk_log, "close id=" SBIN_ID " reason=\"SL Hit\" ltp=94.95 sl=95.00 req_id=rm-",
        WAIT_MS));

    s_tick (&fx, INFY, 105.5);
    s_wait_closed (&fx, INFY_ID, "TP Hit");
    ck_assert (tw_file_wait_contains (fx.gateway_log,
                                      "exit closed id=" INFY_ID " reason=\"TP Hit\"", WAIT_MS));
    ck_assert (tw_file_wait_contains (
        fx.risk_log, "close id=" INFY_ID " reason=\"TP Hit\" ltp=105.50 tp=105.00", WAIT_MS));

    //  Breaching ticks after the exits change nothing: one exit each.
    s_wait_risk (&fx, "positions_watched", 0);
    int64_t ticks = s_risk (&fx, "ticks");
    s_tick (&fx, SBIN, 90);
    s_tick (&fx, INFY, 120);
    s_wait_risk (&fx, "ticks", ticks + 2);
    ck_assert_int_eq (s_risk (&fx, "closes_sent"), 2);
    ck_assert_int_eq (s_risk (&fx, "closes_accepted"), 2);
    ck_assert_int_eq (s_risk (&fx, "closes_rejected"), 0);
    ck_assert_int_eq (s_gateway (&fx, "exits_closed"), 2);
    ck_assert_int_eq (s_gateway (&fx, "positions"), 0);
    ck_assert_int_eq (s_closed_count (&fx, SBIN_ID), 1);
    ck_assert_int_eq (s_closed_count (&fx, INFY_ID), 1);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_trailing_sl_hit)
{
    fixture_t fx;
    s_setup (&fx);
    s_open (&fx, TCS, TCS_ID, 95, 0, 2);
    s_wait_risk_ready (&fx, 1, TCS, BASE);
    //  At the entry the trailing stop (98) is already tighter than sl 95.
    s_wait_sl (&fx, TCS_ID, 98);
    //  A rise to 103: the stop follows to 101 and is written to the gateway.
    s_tick (&fx, TCS, 101);
    s_tick (&fx, TCS, 102);
    s_tick (&fx, TCS, 103);
    s_wait_sl (&fx, TCS_ID, 101);
    ck_assert (tw_file_wait_contains (fx.gateway_log, "modify id=" TCS_ID " sl=101.00", WAIT_MS));
    //  A fall of more than the trail from the top.
    s_tick (&fx, TCS, 100.9);
    s_wait_closed (&fx, TCS_ID, "Trailing SL Hit");
    ck_assert (tw_file_wait_contains (
        fx.gateway_log, "exit closed id=" TCS_ID " reason=\"Trailing SL Hit\"", WAIT_MS));
    ck_assert (tw_file_wait_contains (
        fx.risk_log, "close id=" TCS_ID " reason=\"Trailing SL Hit\" ltp=100.90 trail_sl=101.00",
        WAIT_MS));
    ck_assert_int_eq (s_gateway (&fx, "exits_closed"), 1);
    ck_assert_int_eq (s_closed_count (&fx, TCS_ID), 1);
    ck_assert_int_eq (s_risk (&fx, "closes_sent"), 1);
    //  Both moves were sent (the gateway logged them above); the ack of the
    //  last may be overtaken by the close, which replaces a modify in flight.
    ck_assert_int_ge (s_risk (&fx, "modifies_sent"), 2);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_restart_restores_and_closes)
{
    fixture_t fx;
    s_setup (&fx);
    s_open (&fx, TCS, TCS_ID, 95, 0, 2);
    s_wait_risk_ready (&fx, 1, TCS, BASE);
    s_tick (&fx, TCS, 104);
    s_wait_sl (&fx, TCS_ID, 102);
    ck_assert_int_eq (s_risk (&fx, "resyncs"), 1);
    ck_assert_int_eq (s_risk (&fx, "closes_sent"), 0);

    //  Killed without a chance to say anything, then started again: it
    //  resyncs from the gateway, whose sl (102) restores the moved stop.
    ck_assert_int_eq (tw_fixture_stop (fx.base, RISK, SIGKILL, STOP_MS), 128 + SIGKILL);
    s_start_risk (&fx);
    //  103 is between the restored stop and the best price: no exit.
    s_wait_risk_ready (&fx, 1, TCS, 103);
    ck_assert_int_eq (s_risk (&fx, "resyncs"), 1);
    //  Below the restored stop, far above the original sl 95.
    s_tick (&fx, TCS, 101.9);
    s_wait_closed (&fx, TCS_ID, "Trailing SL Hit");
    ck_assert (tw_file_wait_contains (
        fx.risk_log, "close id=" TCS_ID " reason=\"Trailing SL Hit\" ltp=101.90 trail_sl=102.00",
        WAIT_MS));
    //  Once: more falling ticks find nothing to close.
    s_wait_risk (&fx, "positions_watched", 0);
    int64_t ticks = s_risk (&fx, "ticks");
    s_tick (&fx, TCS, 90);
    s_wait_risk (&fx, "ticks", ticks + 1);
    ck_assert_int_eq (s_risk (&fx, "closes_sent"), 1);
    ck_assert_int_eq (s_gateway (&fx, "exits_closed"), 1);
    ck_assert_int_eq (s_closed_count (&fx, TCS_ID), 1);
    s_teardown (&fx);
}
END_TEST

//  Issue 10: a tick at ltp = 0.000001 closed a long position. Then the
//  feed falls silent: the symbol goes stale, and with
//  flatten_on_stale_feed its position is closed with "Kill Switch".
START_TEST (test_absurd_tick_then_stale_feed)
{
    static const char *const risk_env[] = {"TW_RISK_STALE_FEED_MS=3000",
                                           "TW_RISK_FLATTEN_ON_STALE_FEED=true", NULL};
    fixture_t fx;
    //  With the paper broker's stop at 95: the absurd tick must not fill it
    //  either (the paper broker takes the ticks through the same guard).
    s_broker_stop = true;
    s_setup_with (&fx, risk_env);
    s_broker_stop = false;
    s_open (&fx, SBIN, SBIN_ID, 95, 110, 0);
    s_wait_risk_ready (&fx, 1, SBIN, BASE);
    s_tick (&fx, SBIN, 0.000001);
    s_wait_risk (&fx, "ticks_rejected", 1);
    ck_assert (
        tw_file_wait_contains (fx.risk_log, "tick ignored symbol=" SBIN " ltp=1e-06", WAIT_MS));
    //  A good price again (the paper broker fills exits at the last tick).
    int64_t ticks = s_risk (&fx, "ticks");
    s_tick (&fx, SBIN, BASE);
    s_wait_risk (&fx, "ticks", ticks + 1);
    ck_assert_int_eq (s_risk (&fx, "closes_sent"), 0);
    //  Silence.
    s_wait_closed (&fx, SBIN_ID, "Kill Switch");
    ck_assert (tw_file_wait_contains (fx.risk_log, "feed stale symbol=" SBIN, WAIT_MS));
    ck_assert (tw_file_wait_contains (
        fx.risk_log, "close id=" SBIN_ID " reason=\"Kill Switch\" feed stale", WAIT_MS));
    ck_assert_int_eq (s_closed_count (&fx, SBIN_ID), 1);
    s_teardown (&fx);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("risk");
    TCase *tc = tcase_create ("paper");
    tcase_set_timeout (tc, 60);
    tcase_add_test (tc, test_sl_and_tp_hit);
    tcase_add_test (tc, test_trailing_sl_hit);
    tcase_add_test (tc, test_restart_restores_and_closes);
    tcase_add_test (tc, test_absurd_tick_then_stale_feed);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
