//  The broker stop (docs/design.md §4.7): the real order-gateway against the
//  real fake Fyers server (gw_testfx), order socket on. An SL-M order rests
//  at the broker at the position's stop-loss after the open fills, moves
//  with the stop-loss, is cancelled by the exit (one sell, never two), and,
//  when it fires, closes the position `SL Hit` at its fill price, exactly
//  once, also while the gateway was down; broker_stop=off places none.

#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "gw_testfx.h"
#include "tw_clock.h"
#include "tw_cmd.h"
#include "tw_proc.h"

#define SYMBOL "NSE:SBIN-EQ"
#define POS_ID "NSE:SBIN-EQ-INTRADAY"
#define WAIT_MS GW_TESTFX_WAIT_MS
#define STOP_MS 3000
#define TTL_MS 10000
#define POLL_MS 20 //  pacing of a bounded poll of the fake's book
#define ORDER_TYPE_STOP 3
#define STATUS_CANCELLED 1
#define STATUS_FILLED 2
#define STATUS_WORKING 6

//  The fake's view of the broker stop: the newest SL-M order.
typedef struct {
    int count; //  SL-M orders in the book
    char id[64];
    char tag[64];
    int status;
    int side;
    long qty;
    double stop_price;
    double traded_price;
} stop_t;

static stop_t
s_stop (gw_testfx_t *fx)
{
    stop_t stop = {0};
    char *text = fake_fyers_orders (fx->fake);
    ck_assert_ptr_nonnull (text);
    cJSON *root = cJSON_Parse (text);
    free (text);
    ck_assert_ptr_nonnull (root);
    const cJSON *entry;
    cJSON_ArrayForEach (entry, cJSON_GetObjectItem (root, "orderBook")) {
        if (cJSON_GetNumberValue (cJSON_GetObjectItem (entry, "type")) != ORDER_TYPE_STOP)
            continue;
        stop.count++;
        snprintf (stop.id, sizeof stop.id, "%s",
                  cJSON_GetStringValue (cJSON_GetObjectItem (entry, "id")));
        snprintf (stop.tag, sizeof stop.tag, "%s",
                  cJSON_GetStringValue (cJSON_GetObjectItem (entry, "orderTag")));
        stop.status = (int) cJSON_GetNumberValue (cJSON_GetObjectItem (entry, "status"));
        stop.side = (int) cJSON_GetNumberValue (cJSON_GetObjectItem (entry, "side"));
        stop.qty = (long) cJSON_GetNumberValue (cJSON_GetObjectItem (entry, "qty"));
        stop.stop_price = cJSON_GetNumberValue (cJSON_GetObjectItem (entry, "stopPrice"));
        stop.traded_price = cJSON_GetNumberValue (cJSON_GetObjectItem (entry, "tradedPrice"));
    }
    cJSON_Delete (root);
    return stop;
}

//  Waits until the newest SL-M order has status and stop_price.
static stop_t
s_wait_stop (gw_testfx_t *fx, int status, double stop_price)
{
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    stop_t stop = s_stop (fx);
    while (!(stop.count > 0 && stop.status == status && fabs (stop.stop_price - stop_price) < 1e-6)
           && tw_clock_mono_ms () < deadline) {
        zclock_sleep (POLL_MS);
        stop = s_stop (fx);
    }
    ck_assert_msg (stop.count > 0 && stop.status == status
                       && fabs (stop.stop_price - stop_price) < 1e-6,
                   "broker stop: %d orders, status %d stop %.2f; wanted status %d stop %.2f",
                   stop.count, stop.status, stop.stop_price, status, stop_price);
    return stop;
}

//  Waits until the gateway's status counter name is at least value.
static void
s_wait_at_least (gw_testfx_t *fx, const char *name, int64_t value)
{
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    int64_t now = tw_cmd_counter (fx->rep, TW_MSG_STATUS, name);
    while (now < value && tw_clock_mono_ms () < deadline) {
        zclock_sleep (POLL_MS);
        now = tw_cmd_counter (fx->rep, TW_MSG_STATUS, name);
    }
    ck_assert_msg (now >= value, "%s is %lld, wanted %lld", name, (long long) now,
                   (long long) value);
}

static void
s_open_sbin (gw_testfx_t *fx, double sl)
{
    fake_fyers_set_price (fx->fake, SYMBOL, 100.0);
    ck_assert_int_eq (gw_testfx_open (fx, SYMBOL, TW_SIDE_LONG, 10, sl, 110), TW_ACK_ACCEPTED);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (fx, TW_MSG_POSITION_OPENED, POS_ID, &event));
}

static tw_ack_status_t
s_modify_sl (gw_testfx_t *fx, double sl)
{
    tw_msg_t request, reply;
    tw_msg_init (&request, TW_MSG_MODIFY);
    snprintf (request.u.modify.id, sizeof request.u.modify.id, "%s", POS_ID);
    request.u.modify.has_sl = true;
    request.u.modify.sl = sl;
    ck_assert_int_eq (tw_cmd_request (fx->client, &request, &reply), 0);
    ck_assert_int_eq (reply.type, TW_MSG_ACK);
    return reply.u.ack.status;
}

//  Fills recorded by the fake (its trade book).
static int
s_trades (gw_testfx_t *fx)
{
    char *text = fake_fyers_trades (fx->fake);
    ck_assert_ptr_nonnull (text);
    cJSON *root = cJSON_Parse (text);
    free (text);
    int count = cJSON_GetArraySize (cJSON_GetObjectItem (root, "tradeBook"));
    cJSON_Delete (root);
    return count;
}

//  Reconciliation every 100 ms (the quiet tests wait for a few of them).
static void
s_fast_reconcile (gw_testfx_t *fx)
{
    tw_fixture_set (fx->base, "TW_GATEWAY_RECONCILE_INTERVAL_MS", "100");
}

static void
s_broker_stop_off (gw_testfx_t *fx)
{
    s_fast_reconcile (fx);
    tw_fixture_set (fx->base, "TW_FYERS_BROKER_STOP", "off");
}

START_TEST (test_placed_after_fill)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, NULL);
    s_open_sbin (&fx, 95);
    stop_t stop = s_wait_stop (&fx, STATUS_WORKING, 95);
    ck_assert_int_eq (stop.count, 1);
    ck_assert_int_eq (stop.side, -1); //  a long's stop sells
    ck_assert_int_eq (stop.qty, 10);
    ck_assert_msg (strncmp (stop.tag, "1:TS", 4) == 0, "tag %s", stop.tag);
    ck_assert_int_eq (gw_testfx_broker_qty (&fx, POS_ID), 10);
    s_wait_at_least (&fx, "broker_stops_placed", 1);
    ck_assert_int_eq (tw_cmd_counter (fx.rep, TW_MSG_STATUS, "broker_stop"), 1);
    gw_testfx_teardown (&fx);
}
END_TEST

//  An open that fills in part: the stop covers the filled quantity.
START_TEST (test_partial_fill_covered)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, NULL);
    fake_fyers_set_price (fx.fake, SYMBOL, 100.0);
    fake_fyers_script (fx.fake, "{\"method\":\"POST\",\"path\":\"/api/v3/orders/sync\","
                                "\"action\":\"working\",\"polls\":-1,\"fill_qty\":4}");
    ck_assert_int_eq (gw_testfx_open (&fx, SYMBOL, TW_SIDE_LONG, 10, 95, 110), TW_ACK_ACCEPTED);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_POSITION_OPENED, POS_ID, &event));
    ck_assert_int_eq (event.u.event.pos.qty, 4);
    stop_t stop = s_wait_stop (&fx, STATUS_WORKING, 95);
    ck_assert_int_eq (stop.qty, 4);
    ck_assert_int_eq (gw_testfx_working_orders (&fx), 1); //  the stop; the open's rest is cancelled
    ck_assert_int_eq (fake_fyers_set_price (fx.fake, SYMBOL, 94), 0);
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert_str_eq (event.u.event.reason, "SL Hit");
    ck_assert_int_eq (gw_testfx_broker_qty (&fx, POS_ID), 0);
    gw_testfx_teardown (&fx);
}
END_TEST

START_TEST (test_moved_with_the_stop_loss)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, NULL);
    s_open_sbin (&fx, 95);
    stop_t placed = s_wait_stop (&fx, STATUS_WORKING, 95);
    ck_assert_int_eq (s_modify_sl (&fx, 97), TW_ACK_ACCEPTED);
    stop_t moved = s_wait_stop (&fx, STATUS_WORKING, 97);
    ck_assert_str_eq (moved.id, placed.id); //  moved, not replaced
    ck_assert_int_eq (moved.count, 1);
    ck_assert_int_eq (s_modify_sl (&fx, 98.5), TW_ACK_ACCEPTED);
    s_wait_stop (&fx, STATUS_WORKING, 98.5);
    //  Off the 0.05 grid (a trailing stop's arithmetic): the sell stop goes
    //  on the grid below it, never above the stop-loss.
    ck_assert_int_eq (s_modify_sl (&fx, 98.53), TW_ACK_ACCEPTED);
    s_wait_stop (&fx, STATUS_WORKING, 98.5);
    ck_assert_int_eq (s_modify_sl (&fx, 98.58), TW_ACK_ACCEPTED);
    s_wait_stop (&fx, STATUS_WORKING, 98.55);
    ck_assert_int_eq (fake_fyers_count (fx.fake, "PATCH", "/api/v3/orders/sync"), 3);
    s_wait_at_least (&fx, "broker_stops_moved", 3);
    //  The stop-loss removed: the broker stop goes.
    ck_assert_int_eq (s_modify_sl (&fx, 0), TW_ACK_ACCEPTED);
    s_wait_stop (&fx, STATUS_CANCELLED, 98.55);
    ck_assert_int_eq (gw_testfx_broker_qty (&fx, POS_ID), 10);
    gw_testfx_teardown (&fx);
}
END_TEST

//  The exit's pending_orders_cancel removes the broker stop: one sell, and a
//  later price through the stop sells nothing (never reversed).
START_TEST (test_exit_cancels_it)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_fast_reconcile);
    s_open_sbin (&fx, 95);
    s_wait_stop (&fx, STATUS_WORKING, 95);
    ck_assert_int_eq (gw_testfx_close (&fx, POS_ID, "Manual Close"), TW_ACK_ACCEPTED);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert_str_eq (event.u.event.reason, "Manual Close");
    stop_t stop = s_stop (&fx);
    ck_assert_int_eq (stop.status, STATUS_CANCELLED);
    ck_assert_int_eq (fake_fyers_set_price (fx.fake, SYMBOL, 90), 0);
    ck_assert_int_eq (s_stop (&fx).status, STATUS_CANCELLED);
    ck_assert_int_eq (gw_testfx_broker_qty (&fx, POS_ID), 0);
    ck_assert_int_eq (s_trades (&fx), 2); //  the open's buy, the exit's sell
    int64_t runs = tw_cmd_counter (fx.rep, TW_MSG_STATUS, "reconciles");
    s_wait_at_least (&fx, "reconciles", runs + 3);
    ck_assert_int_eq (gw_testfx_snapshot (&fx, NULL), 0);
    ck_assert_int_eq (s_stop (&fx).count, 1); //  none placed again
    gw_testfx_teardown (&fx);
}
END_TEST

//  The broker's stop fires: the order socket pushes the position, the
//  gateway finds its stop filled and closes `SL Hit` at the stop's price,
//  without an exit order, once.
START_TEST (test_fired_is_sl_hit)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_fast_reconcile);
    s_open_sbin (&fx, 95);
    s_wait_stop (&fx, STATUS_WORKING, 95);
    ck_assert_int_eq (fake_fyers_set_price (fx.fake, SYMBOL, 94.5), 0);
    stop_t stop = s_stop (&fx);
    ck_assert_int_eq (stop.status, STATUS_FILLED);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert_str_eq (event.u.event.reason, "SL Hit");
    ck_assert_double_eq_tol (event.u.event.exit_price, 94.5, 1e-6);
    ck_assert_double_eq_tol (event.u.event.pnl, -55.0, 1e-6);
    ck_assert_int_eq (fake_fyers_count (fx.fake, "DELETE", "/api/v3/positions"), 0);
    int64_t runs = tw_cmd_counter (fx.rep, TW_MSG_STATUS, "reconciles");
    s_wait_at_least (&fx, "reconciles", runs + 3);
    ck_assert (!tw_events_wait (fx.events, TW_MSG_POSITION_CLOSED, POS_ID, 1, &event));
    ck_assert_int_eq (tw_cmd_counter (fx.rep, TW_MSG_STATUS, "broker_stops_fired"), 1);
    ck_assert_int_eq (gw_testfx_snapshot (&fx, NULL), 0);
    ck_assert_int_eq (gw_testfx_broker_qty (&fx, POS_ID), 0);
    ck_assert_int_eq (s_trades (&fx), 2);
    gw_testfx_teardown (&fx);
}
END_TEST

//  The stop's order id survives a restart (the next move patches the same
//  order); the stopping gateway says what stays open and what guards it;
//  a stop that fires while the gateway is down is `SL Hit` when it is back.
START_TEST (test_restart_keeps_it)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, NULL);
    s_open_sbin (&fx, 95);
    stop_t placed = s_wait_stop (&fx, STATUS_WORKING, 95);
    s_wait_at_least (&fx, "broker_stops_placed", 1); //  its id recorded
    ck_assert_int_eq (tw_fixture_stop (fx.base, GW_TESTFX_GATEWAY, SIGTERM, STOP_MS), 0);
    ck_assert (tw_file_contains (fx.log, "stopping with an open position id=" POS_ID));
    ck_assert (tw_file_contains (fx.log, "protected_by=\"broker stop at 95.00\""));
    gw_testfx_restart (&fx);
    ck_assert_int_eq (s_modify_sl (&fx, 96), TW_ACK_ACCEPTED);
    stop_t moved = s_wait_stop (&fx, STATUS_WORKING, 96);
    ck_assert_str_eq (moved.id, placed.id);
    ck_assert_int_eq (moved.count, 1);
    ck_assert_int_eq (fake_fyers_count (fx.fake, "POST", "/api/v3/orders/sync"), 2);

    ck_assert_int_eq (tw_fixture_stop (fx.base, GW_TESTFX_GATEWAY, SIGTERM, STOP_MS), 0);
    ck_assert_int_eq (fake_fyers_set_price (fx.fake, SYMBOL, 95.5), 0);
    ck_assert_int_eq (s_stop (&fx).status, STATUS_FILLED);
    ck_assert_int_eq (gw_testfx_broker_qty (&fx, POS_ID), 0);
    gw_testfx_restart (&fx);
    //  Closed by the start-up reconciliation, maybe before the test's SUB
    //  is back: the log line says it.
    ck_assert (tw_file_wait_contains (fx.log,
                                      "exit closed id=" POS_ID " reason=\"SL Hit\" attempts=0 "
                                      "exit_price=95.50",
                                      WAIT_MS));
    ck_assert_int_eq (gw_testfx_snapshot (&fx, NULL), 0);
    ck_assert_int_eq (fake_fyers_count (fx.fake, "DELETE", "/api/v3/positions"), 0);
    gw_testfx_teardown (&fx);
}
END_TEST

//  Flat at the broker by another hand (the Fyers app) while the stop works:
//  closed `Closed at Broker`, and the stop cancelled so that it never opens
//  a short.
START_TEST (test_flat_elsewhere_cancels_it)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_fast_reconcile);
    s_open_sbin (&fx, 95);
    s_wait_stop (&fx, STATUS_WORKING, 95);
    //  The broker squares it off and leaves its working orders alone.
    long status = 0;
    char *reply =
        fake_fyers_http (fx.fake, "POST", "/_fake/square_off",
                         "{\"id\":\"" POS_ID "\",\"cancel_pending\":false}", NULL, &status);
    ck_assert_int_eq (status, 200);
    free (reply);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert_str_eq (event.u.event.reason, "Closed at Broker");
    s_wait_stop (&fx, STATUS_CANCELLED, 95);
    ck_assert_int_eq (fake_fyers_set_price (fx.fake, SYMBOL, 90), 0);
    ck_assert_int_eq (gw_testfx_broker_qty (&fx, POS_ID), 0);
    gw_testfx_teardown (&fx);
}
END_TEST

//  The stop fires while the gateway hears nothing of it (the order socket
//  silent, no periodic reconciliation), and a close comes: the exit finds
//  nothing to exit, reads the broker flat and closes at the stop's fill.
//  One sell: the account is flat, never reversed.
static void
s_deaf (gw_testfx_t *fx)
{
    tw_fixture_set (fx->base, "TW_GATEWAY_RECONCILE_INTERVAL_MS", "0");
}

START_TEST (test_close_after_it_fired_sells_once)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_deaf);
    s_open_sbin (&fx, 95);
    s_wait_stop (&fx, STATUS_WORKING, 95);
    ck_assert_int_eq (fake_fyers_ws_silence (fx.fake, true), 0);
    ck_assert_int_eq (fake_fyers_set_price (fx.fake, SYMBOL, 94), 0);
    ck_assert_int_eq (s_stop (&fx).status, STATUS_FILLED);
    ck_assert_int_eq (gw_testfx_snapshot (&fx, NULL), 1); //  not heard of yet
    ck_assert_int_eq (gw_testfx_close (&fx, POS_ID, "SL Hit"), TW_ACK_ACCEPTED);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert_str_eq (event.u.event.reason, "SL Hit");
    ck_assert_double_eq_tol (event.u.event.exit_price, 94, 1e-6);
    ck_assert_int_eq (gw_testfx_broker_qty (&fx, POS_ID), 0);
    ck_assert_int_eq (s_trades (&fx), 2);
    gw_testfx_teardown (&fx);
}
END_TEST

//  A placement whose answer is lost while the position is being closed:
//  the exit cancels the stop at the broker, and the gateway, finding the
//  position gone, looks the stop up instead of leaving it to chance.
START_TEST (test_unsure_placement_of_a_closed_position)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, NULL);
    fake_fyers_script (fx.fake,
                       "[{\"method\":\"POST\",\"path\":\"/api/v3/orders/sync\",\"action\":\"ok\"},"
                       "{\"method\":\"POST\",\"path\":\"/api/v3/orders/sync\","
                       "\"action\":\"apply_then_hang\",\"ms\":1500}]");
    s_open_sbin (&fx, 95);
    ck_assert_int_ge (fake_fyers_wait_count (fx.fake, "POST", "/api/v3/orders/sync", 2, WAIT_MS),
                      2);
    ck_assert_int_eq (gw_testfx_close (&fx, POS_ID, "Manual Close"), TW_ACK_ACCEPTED);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert (tw_file_wait_contains (fx.log, "looking it up", WAIT_MS));
    ck_assert_int_ge (fake_fyers_wait_count (fx.fake, "GET", "/api/v3/orders", 1, WAIT_MS), 1);
    ck_assert_int_eq (s_stop (&fx).status, STATUS_CANCELLED);
    ck_assert_int_eq (fake_fyers_set_price (fx.fake, SYMBOL, 90), 0);
    ck_assert_int_eq (gw_testfx_broker_qty (&fx, POS_ID), 0);
    ck_assert_int_eq (s_stop (&fx).count, 1);
    gw_testfx_teardown (&fx);
}
END_TEST

static void
s_quiet (gw_testfx_t *fx, double sl)
{
    s_open_sbin (fx, sl);
    int64_t runs = tw_cmd_counter (fx->rep, TW_MSG_STATUS, "reconciles");
    s_wait_at_least (fx, "reconciles", runs + 5);
    ck_assert_int_eq (s_stop (fx).count, 0);
    ck_assert_int_eq (fake_fyers_count (fx->fake, "POST", "/api/v3/orders/sync"), 1);
    ck_assert_int_eq (tw_cmd_counter (fx->rep, TW_MSG_STATUS, "broker_stops_placed"), 0);
}

START_TEST (test_off_places_none)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_broker_stop_off);
    ck_assert_int_eq (tw_cmd_counter (fx.rep, TW_MSG_STATUS, "broker_stop"), 0);
    s_quiet (&fx, 95);
    ck_assert_int_eq (tw_fixture_stop (fx.base, GW_TESTFX_GATEWAY, SIGTERM, STOP_MS), 0);
    ck_assert (tw_file_contains (fx.log, "protected_by=\"none (broker_stop=off)\""));
    gw_testfx_teardown (&fx);
}
END_TEST

START_TEST (test_no_stop_loss_no_stop)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_fast_reconcile);
    s_quiet (&fx, 0);
    gw_testfx_teardown (&fx);
}
END_TEST

//  The broker refuses the exit (-50) before it cancels anything: the stop
//  still works, and after exit_failed it is kept (found by its tag), never
//  doubled; it still fires once.
#define REFUSE_EXIT                                                                                \
    "{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\",\"action\":\"status\","                 \
    "\"status\":400,\"body\":{\"s\":\"error\",\"code\":-50,\"message\":\"Invalid input\"}}"

static void
s_exit_refused (gw_testfx_t *fx)
{
    ck_assert_int_eq (fake_fyers_script (fx->fake, REFUSE_EXIT), 1);
    ck_assert_int_eq (gw_testfx_close (fx, POS_ID, "Manual Close"), TW_ACK_ACCEPTED);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (fx, TW_MSG_EXIT_FAILED, POS_ID, &event));
}

START_TEST (test_exit_refused_keeps_its_stop)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_fast_reconcile);
    s_open_sbin (&fx, 95);
    stop_t placed = s_wait_stop (&fx, STATUS_WORKING, 95);
    s_exit_refused (&fx);
    ck_assert (tw_file_wait_contains (fx.log, "exit failed id=" POS_ID, WAIT_MS));
    //  Looked up by its tag and kept (moved to the stop-loss it already has).
    ck_assert_int_ge (fake_fyers_wait_count (fx.fake, "GET", "/api/v3/orders", 1, WAIT_MS), 1);
    int64_t runs = tw_cmd_counter (fx.rep, TW_MSG_STATUS, "reconciles");
    s_wait_at_least (&fx, "reconciles", runs + 5);
    stop_t stop = s_stop (&fx);
    ck_assert_int_eq (stop.count, 1);
    ck_assert_str_eq (stop.id, placed.id);
    ck_assert_int_eq (stop.status, STATUS_WORKING);
    ck_assert_int_eq (gw_testfx_working_orders (&fx), 1);
    //  It fires once: flat, not reversed.
    ck_assert_int_eq (fake_fyers_set_price (fx.fake, SYMBOL, 94), 0);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert_str_eq (event.u.event.reason, "SL Hit");
    ck_assert_int_eq (gw_testfx_broker_qty (&fx, POS_ID), 0);
    ck_assert_int_eq (s_trades (&fx), 2);
    gw_testfx_teardown (&fx);
}
END_TEST

//  The stop was cancelled at the broker, then the exit refused: after
//  exit_failed the tag is looked up, found cancelled, and a new stop placed.
START_TEST (test_exit_failed_gets_a_new_stop)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_fast_reconcile);
    s_open_sbin (&fx, 95);
    stop_t placed = s_wait_stop (&fx, STATUS_WORKING, 95);
    ck_assert_int_eq (fake_fyers_cancel (fx.fake, placed.id), 0);
    s_exit_refused (&fx);
    stop_t stop = s_wait_stop (&fx, STATUS_WORKING, 95);
    ck_assert_int_eq (stop.count, 2);
    ck_assert_str_ne (stop.id, placed.id);
    ck_assert_int_eq (gw_testfx_working_orders (&fx), 1);
    gw_testfx_teardown (&fx);
}
END_TEST

//  Places an SL-M sell of SYMBOL at the fake as someone else would, with
//  order tag tag (what a gateway that died before cancelling it left).
static void
s_place_stop_order (gw_testfx_t *fx, const char *tag)
{
    char body[512];
    snprintf (body, sizeof body,
              "{\"symbol\":\"%s\",\"qty\":10,\"type\":3,\"side\":-1,\"productType\":"
              "\"INTRADAY\",\"limitPrice\":0,\"stopPrice\":90,\"validity\":\"DAY\","
              "\"disclosedQty\":0,\"offlineOrder\":false,\"orderTag\":\"%s\"}",
              SYMBOL, tag);
    const char *headers[] = {"Authorization: " GW_TESTFX_APP_ID ":" GW_TESTFX_TOKEN, NULL};
    long status = 0;
    char *reply = fake_fyers_http (fx->fake, "POST", "/api/v3/orders/sync", body, headers, &status);
    ck_assert_msg (status == 200 && reply && strstr (reply, "\"s\":\"ok\""), "place: %ld %s",
                   status, reply ? reply : "(none)");
    free (reply);
}

//  Before the gateway starts: a broker stop of a run that died before it
//  could cancel it (its position long gone), and the trader's own stop.
static void
s_orphan_and_own_stop (gw_testfx_t *fx)
{
    fake_fyers_set_price (fx->fake, SYMBOL, 100.0);
    s_place_stop_order (fx, "TS0000000100000001");
    s_place_stop_order (fx, "mystop1");
}

//  The status of the order with tag, from the fake's order book (0: none).
static int
s_status_of_tag (gw_testfx_t *fx, const char *tag)
{
    char *text = fake_fyers_orders (fx->fake);
    ck_assert_ptr_nonnull (text);
    cJSON *root = cJSON_Parse (text);
    free (text);
    int status = 0;
    const cJSON *entry;
    cJSON_ArrayForEach (entry, cJSON_GetObjectItem (root, "orderBook")) {
        const char *order_tag = cJSON_GetStringValue (cJSON_GetObjectItem (entry, "orderTag"));
        if (order_tag
            && (strcmp (order_tag, tag) == 0
                || (strncmp (order_tag, "1:", 2) == 0 && strcmp (order_tag + 2, tag) == 0)))
            status = (int) cJSON_GetNumberValue (cJSON_GetObjectItem (entry, "status"));
    }
    cJSON_Delete (root);
    return status;
}

//  At start the gateway reads the order book once: a working order with a
//  broker-stop tag that no live position holds is cancelled (it could
//  fire and open a short); the trader's own orders are left alone.
START_TEST (test_orphan_stop_cancelled_at_start)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_orphan_and_own_stop);
    s_wait_at_least (&fx, "broker_stops_orphans", 1);
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    while (s_status_of_tag (&fx, "TS0000000100000001") != STATUS_CANCELLED
           && tw_clock_mono_ms () < deadline)
        zclock_sleep (POLL_MS);
    ck_assert_int_eq (s_status_of_tag (&fx, "TS0000000100000001"), STATUS_CANCELLED);
    ck_assert (tw_file_wait_contains (fx.log, "orphan broker stop cancelled", WAIT_MS));
    ck_assert_int_eq (s_status_of_tag (&fx, "mystop1"), STATUS_WORKING);
    //  A stop of its own, placed after the start, is not an orphan.
    s_open_sbin (&fx, 95);
    s_wait_stop (&fx, STATUS_WORKING, 95);
    ck_assert_int_eq (tw_cmd_counter (fx.rep, TW_MSG_STATUS, "broker_stops_orphans"), 1);
    ck_assert_int_eq (fake_fyers_count (fx.fake, "DELETE", "/api/v3/orders/sync"), 1);
    gw_testfx_teardown (&fx);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("gw_stop");
    TCase *tc = tcase_create ("broker stop");
    tcase_set_timeout (tc, 60);
    tcase_add_test (tc, test_placed_after_fill);
    tcase_add_test (tc, test_partial_fill_covered);
    tcase_add_test (tc, test_moved_with_the_stop_loss);
    tcase_add_test (tc, test_exit_cancels_it);
    tcase_add_test (tc, test_fired_is_sl_hit);
    tcase_add_test (tc, test_restart_keeps_it);
    tcase_add_test (tc, test_flat_elsewhere_cancels_it);
    tcase_add_test (tc, test_close_after_it_fired_sells_once);
    tcase_add_test (tc, test_unsure_placement_of_a_closed_position);
    tcase_add_test (tc, test_off_places_none);
    tcase_add_test (tc, test_no_stop_loss_no_stop);
    tcase_add_test (tc, test_exit_refused_keeps_its_stop);
    tcase_add_test (tc, test_exit_failed_gets_a_new_stop);
    tcase_add_test (tc, test_orphan_stop_cancelled_at_start);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
