//  Tests of the paper broker: the netting arithmetic (gw_paper_execute with
//  prices set directly), then the actor as the gateway starts it
//  (gw_broker_new with [gateway] broker = paper), fed by ticks published on
//  a PUB socket: fills at the last tick, long and short P&L, an exit of
//  nothing, persistence across a restart; the simulated broker stop (an
//  SL-M order resting in the paper book until a tick reaches it).

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw_broker.h"
#include "gw_paper.h"
#include "tw_config.h"
#include "tw_log.h"
#include "tw_sock.h"

#define T_REPLY_TIMEOUT_MS 5000 //  one call's round trip
#define T_FEED_TIMEOUT_MS 5000  //  until the broker has seen a tick
#define T_POLL_MS 5             //  between two tries
#define T_PATH_MAX 256
#define T_PRICE_EPSILON 1e-9

static char s_dir[T_PATH_MAX / 2];
static char s_db[T_PATH_MAX];
static int s_feed_count;

static void
s_setup (void)
{
    tw_log_init ("test_paper");
    snprintf (s_dir, sizeof s_dir, "/tmp/tw_paper_XXXXXX");
    ck_assert_ptr_nonnull (mkdtemp (s_dir));
    //  A directory that does not exist yet: the broker creates it.
    snprintf (s_db, sizeof s_db, "%s/var/paper.db", s_dir);
}

static void
s_teardown (void)
{
    const char *suffixes[] = {"", "-wal", "-shm"};
    char path[T_PATH_MAX + 8];
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        snprintf (path, sizeof path, "%s%s", s_db, suffixes[i]);
        unlink (path);
    }
    snprintf (path, sizeof path, "%s/var", s_dir);
    rmdir (path);
    rmdir (s_dir);
}

static gw_call_t *
s_place (const char *symbol, tw_side_t side, int64_t qty, const char *tag)
{
    gw_call_t *call = gw_call_new (GW_OP_PLACE);
    snprintf (call->symbol, sizeof call->symbol, "%s", symbol);
    snprintf (call->product, sizeof call->product, "INTRADAY");
    snprintf (call->order_tag, sizeof call->order_tag, "%s", tag);
    call->side = side;
    call->qty = qty;
    return call;
}

static gw_call_t *
s_exit (const char *position_id)
{
    gw_call_t *call = gw_call_new (GW_OP_EXIT);
    snprintf (call->position_id, sizeof call->position_id, "%s", position_id);
    return call;
}

static const gw_broker_position_t *
s_find (const gw_call_t *call, const char *id)
{
    for (size_t i = 0; i < call->position_count; i++)
        if (strcmp (call->positions[i].id, id) == 0)
            return &call->positions[i];
    return NULL;
}

//  --------------------------------------------------------------------------
//  The arithmetic, without the actor.

START_TEST (test_netting)
{
    gw_paper_t *paper = gw_paper_new (NULL, s_db);
    ck_assert_ptr_nonnull (paper);
    gw_paper_set_price (paper, "NSE:SBIN-EQ", 100);

    //  Buy 10 @ 100, buy 10 @ 110: average 105.
    gw_call_t *call = s_place ("NSE:SBIN-EQ", TW_SIDE_LONG, 10, "a1");
    gw_paper_execute (paper, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    ck_assert_double_eq_tol (call->fill_price, 100, T_PRICE_EPSILON);
    ck_assert_str_eq (call->order_id, "PAPER-1");
    gw_call_destroy (&call);
    gw_paper_set_price (paper, "NSE:SBIN-EQ", 110);
    call = s_place ("NSE:SBIN-EQ", TW_SIDE_LONG, 10, "a2");
    gw_paper_execute (paper, call);
    gw_call_destroy (&call);

    //  Sell 15 @ 120: closes 15 of 20 at +15 each, 5 long remain at 105.
    gw_paper_set_price (paper, "NSE:SBIN-EQ", 120);
    call = s_place ("NSE:SBIN-EQ", TW_SIDE_SHORT, 15, "a3");
    gw_paper_execute (paper, call);
    gw_call_destroy (&call);
    call = gw_call_new (GW_OP_POSITIONS);
    gw_paper_execute (paper, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    const gw_broker_position_t *pos = s_find (call, "NSE:SBIN-EQ-INTRADAY");
    ck_assert_ptr_nonnull (pos);
    ck_assert_int_eq (pos->net_qty, 5);
    ck_assert_double_eq_tol (pos->avg_price, 105, T_PRICE_EPSILON);
    ck_assert_double_eq_tol (pos->realized_pnl, 225, T_PRICE_EPSILON);
    ck_assert_double_eq_tol (pos->buy_avg, 105, T_PRICE_EPSILON);
    ck_assert_double_eq_tol (pos->sell_avg, 120, T_PRICE_EPSILON);
    ck_assert_str_eq (pos->symbol, "NSE:SBIN-EQ");
    ck_assert_str_eq (pos->product, "INTRADAY");
    gw_call_destroy (&call);

    //  Sell 10 @ 100: closes 5 at -5 each, reverses into 5 short at 100.
    gw_paper_set_price (paper, "NSE:SBIN-EQ", 100);
    call = s_place ("NSE:SBIN-EQ", TW_SIDE_SHORT, 10, "a4");
    gw_paper_execute (paper, call);
    gw_call_destroy (&call);
    //  Short 5 more @ 90: average short 95.
    gw_paper_set_price (paper, "NSE:SBIN-EQ", 90);
    call = s_place ("NSE:SBIN-EQ", TW_SIDE_SHORT, 5, "a5");
    gw_paper_execute (paper, call);
    gw_call_destroy (&call);
    call = gw_call_new (GW_OP_POSITIONS);
    gw_paper_execute (paper, call);
    pos = s_find (call, "NSE:SBIN-EQ-INTRADAY");
    ck_assert_int_eq (pos->net_qty, -10);
    ck_assert_double_eq_tol (pos->avg_price, 95, T_PRICE_EPSILON);
    ck_assert_double_eq_tol (pos->realized_pnl, 200, T_PRICE_EPSILON);
    gw_call_destroy (&call);

    //  Exit the short at 80: +15 on 10.
    gw_paper_set_price (paper, "NSE:SBIN-EQ", 80);
    call = s_exit ("NSE:SBIN-EQ-INTRADAY");
    gw_paper_execute (paper, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    ck_assert_int_eq (call->broker_code, GW_PAPER_CODE_EXITED);
    ck_assert_double_eq_tol (call->fill_price, 80, T_PRICE_EPSILON);
    gw_call_destroy (&call);
    call = gw_call_new (GW_OP_POSITIONS);
    gw_paper_execute (paper, call);
    pos = s_find (call, "NSE:SBIN-EQ-INTRADAY");
    ck_assert_int_eq (pos->net_qty, 0);
    ck_assert_double_eq_tol (pos->avg_price, 0, T_PRICE_EPSILON);
    ck_assert_double_eq_tol (pos->realized_pnl, 350, T_PRICE_EPSILON);
    gw_call_destroy (&call);

    //  The tagged orders can be looked up; an unknown tag is "not found".
    call = gw_call_new (GW_OP_ORDER_BY_TAG);
    snprintf (call->order_tag, sizeof call->order_tag, "a3");
    gw_paper_execute (paper, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    ck_assert_int_eq (call->order_status, 2);
    ck_assert_str_eq (call->order_id, "PAPER-3");
    ck_assert_double_eq_tol (call->fill_price, 120, T_PRICE_EPSILON);
    snprintf (call->order_tag, sizeof call->order_tag, "nosuchtag");
    gw_paper_execute (paper, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    ck_assert_int_eq (call->order_status, 0);
    ck_assert_str_eq (call->order_id, "");
    gw_call_destroy (&call);
    gw_paper_destroy (&paper);
    ck_assert_ptr_null (paper);
}
END_TEST

START_TEST (test_refusals)
{
    gw_paper_t *paper = gw_paper_new (NULL, s_db);
    ck_assert_ptr_nonnull (paper);
    //  No price yet.
    gw_call_t *call = s_place ("NSE:INFY-EQ", TW_SIDE_LONG, 1, "b1");
    gw_paper_execute (paper, call);
    ck_assert_int_eq (call->outcome, GW_OUT_FINAL);
    ck_assert_str_eq (call->error, "no market price for NSE:INFY-EQ");
    gw_call_destroy (&call);
    //  Nothing to exit, as Fyers answers it.
    call = s_exit ("NSE:INFY-EQ-INTRADAY");
    gw_paper_execute (paper, call);
    ck_assert_int_eq (call->outcome, GW_OUT_AMBIGUOUS);
    ck_assert_int_eq (call->broker_code, -352);
    ck_assert_str_eq (call->error, "code -352: no position to exit");
    gw_call_destroy (&call);
    //  Malformed orders.
    gw_paper_set_price (paper, "NSE:INFY-EQ", 1500);
    call = s_place ("NSE:INFY-EQ", TW_SIDE_LONG, 0, "b2");
    gw_paper_execute (paper, call);
    ck_assert_int_eq (call->outcome, GW_OUT_FINAL);
    call->qty = 1;
    call->side = TW_SIDE_NONE;
    gw_paper_execute (paper, call);
    ck_assert_int_eq (call->outcome, GW_OUT_FINAL);
    gw_call_destroy (&call);
    gw_paper_destroy (&paper);
}
END_TEST

//  --------------------------------------------------------------------------
//  The actor.

//  A fresh feed endpoint per test (inproc names are per process).
static void
s_feed_endpoint (char *buf, size_t size)
{
    snprintf (buf, size, "inproc://test-paper-feed-%d-%d", (int) getpid (), ++s_feed_count);
}

static tw_config_t *
s_config (const char *feed)
{
    setenv ("TW_GATEWAY_BROKER", "paper", 1);
    setenv ("TW_ENDPOINTS_FEED_PUB", feed, 1);
    setenv ("TW_GATEWAY_PAPER_DB", s_db, 1);
    char err[TW_TEXT_MAX];
    tw_config_t *config = tw_config_load (NULL, err, sizeof err);
    ck_assert_msg (config != NULL, "config: %s", err);
    return config;
}

//  Sends call to the broker and waits for it to come back.
static void
s_roundtrip (zactor_t *broker, gw_call_t *call)
{
    ck_assert_int_eq (zsock_send (broker, "p", call), 0);
    zpoller_t *poller = zpoller_new (broker, NULL);
    void *which = zpoller_wait (poller, T_REPLY_TIMEOUT_MS);
    zpoller_destroy (&poller);
    ck_assert_msg (which == broker, "no reply from the broker");
    gw_call_t *back = NULL;
    ck_assert_int_eq (zsock_recv (broker, "p", &back), 0);
    ck_assert_ptr_eq (back, call);
}

static void
s_publish (zsock_t *pub, const char *symbol, double ltp)
{
    tw_msg_t tick;
    tw_msg_init (&tick, TW_MSG_TICK);
    snprintf (tick.u.tick.symbol, sizeof tick.u.tick.symbol, "%s", symbol);
    tick.u.tick.ltp = ltp;
    ck_assert_int_eq (tw_sock_publish (pub, &tick), 0);
}

//  Publishes ticks of symbol at ltp and places the order until it fills (the
//  first fill shows that the broker has a price). A subscription takes a
//  moment to reach the PUB; ticks sent before are dropped, as with a real
//  feed. Returns the filled call.
static gw_call_t *
s_place_when_priced (zactor_t *broker, zsock_t *pub, const char *symbol, tw_side_t side,
                     int64_t qty, double ltp, const char *tag)
{
    int64_t deadline = zclock_mono () + T_FEED_TIMEOUT_MS;
    zpoller_t *idle = zpoller_new (NULL);
    while (true) {
        s_publish (pub, symbol, ltp);
        gw_call_t *call = s_place (symbol, side, qty, tag);
        s_roundtrip (broker, call);
        if (call->outcome == GW_OUT_OK) {
            zpoller_destroy (&idle);
            return call;
        }
        char expected[TW_TEXT_MAX];
        snprintf (expected, sizeof expected, "no market price for %s", symbol);
        ck_assert_int_eq (call->outcome, GW_OUT_FINAL);
        ck_assert_str_eq (call->error, expected);
        gw_call_destroy (&call);
        ck_assert_msg (zclock_mono () < deadline, "the broker never saw a tick");
        zpoller_wait (idle, T_POLL_MS); //  a poll interval, not a synchronisation
    }
}

//  Publishes a new price and waits until the broker uses it: a POSITIONS read
//  shows the position's ltp once the tick arrived.
static void
s_move_price (zactor_t *broker, zsock_t *pub, const char *symbol, const char *id, double ltp)
{
    int64_t deadline = zclock_mono () + T_FEED_TIMEOUT_MS;
    while (true) {
        s_publish (pub, symbol, ltp);
        gw_call_t *call = gw_call_new (GW_OP_POSITIONS);
        s_roundtrip (broker, call);
        const gw_broker_position_t *pos = s_find (call, id);
        ck_assert_ptr_nonnull (pos);
        bool seen = pos->ltp == ltp;
        gw_call_destroy (&call);
        if (seen)
            return;
        ck_assert_msg (zclock_mono () < deadline, "the broker never saw the new price");
    }
}

START_TEST (test_actor_long_and_short)
{
    char feed[T_PATH_MAX];
    s_feed_endpoint (feed, sizeof feed);
    zsock_t *pub = tw_sock_pub_new (feed);
    ck_assert_ptr_nonnull (pub);
    tw_config_t *config = s_config (feed);
    zactor_t *broker = gw_broker_new (config);
    ck_assert_ptr_nonnull (broker);

    //  Long 10 at the last tick, 500; exit at 512.5: +125.
    gw_call_t *call = s_place_when_priced (broker, pub, "NSE:SBIN-EQ", TW_SIDE_LONG, 10, 500, "c1");
    ck_assert_double_eq_tol (call->fill_price, 500, T_PRICE_EPSILON);
    ck_assert_str_ne (call->order_id, "");
    gw_call_destroy (&call);
    s_move_price (broker, pub, "NSE:SBIN-EQ", "NSE:SBIN-EQ-INTRADAY", 512.5);
    call = s_exit ("NSE:SBIN-EQ-INTRADAY");
    call->call_id = 7;
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    ck_assert_uint_eq (call->call_id, 7);
    ck_assert_double_eq_tol (call->fill_price, 512.5, T_PRICE_EPSILON);
    gw_call_destroy (&call);

    //  The same position id again: nothing to exit now.
    call = s_exit ("NSE:SBIN-EQ-INTRADAY");
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_AMBIGUOUS);
    ck_assert_int_eq (call->broker_code, -352);
    gw_call_destroy (&call);

    //  Short 4 at 512.5 (the last tick), exit at 500: +50 more.
    call = s_place ("NSE:SBIN-EQ", TW_SIDE_SHORT, 4, "c2");
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    ck_assert_double_eq_tol (call->fill_price, 512.5, T_PRICE_EPSILON);
    gw_call_destroy (&call);
    s_move_price (broker, pub, "NSE:SBIN-EQ", "NSE:SBIN-EQ-INTRADAY", 500);
    call = s_exit ("NSE:SBIN-EQ-INTRADAY");
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    ck_assert_double_eq_tol (call->fill_price, 500, T_PRICE_EPSILON);
    gw_call_destroy (&call);

    //  Closed today: still listed, flat, with the day's P&L.
    call = gw_call_new (GW_OP_POSITIONS);
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    ck_assert_uint_eq (call->position_count, 1);
    ck_assert_int_eq (call->positions[0].net_qty, 0);
    ck_assert_double_eq_tol (call->positions[0].realized_pnl, 175, T_PRICE_EPSILON);
    gw_call_destroy (&call);

    gw_broker_destroy (&broker);
    tw_config_destroy (&config);
    zsock_destroy (&pub);
}
END_TEST

START_TEST (test_actor_restart_keeps_positions)
{
    char feed[T_PATH_MAX];
    s_feed_endpoint (feed, sizeof feed);
    zsock_t *pub = tw_sock_pub_new (feed);
    tw_config_t *config = s_config (feed);
    zactor_t *broker = gw_broker_new (config);
    ck_assert_ptr_nonnull (broker);
    gw_call_t *call = s_place_when_priced (broker, pub, "NSE:SBIN-EQ", TW_SIDE_SHORT, 3, 250, "d1");
    gw_call_destroy (&call);
    gw_broker_destroy (&broker);

    //  A new broker on the same file knows the position.
    broker = gw_broker_new (config);
    ck_assert_ptr_nonnull (broker);
    call = gw_call_new (GW_OP_POSITIONS);
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    const gw_broker_position_t *pos = s_find (call, "NSE:SBIN-EQ-INTRADAY");
    ck_assert_ptr_nonnull (pos);
    ck_assert_int_eq (pos->net_qty, -3);
    ck_assert_double_eq_tol (pos->avg_price, 250, T_PRICE_EPSILON);
    gw_call_destroy (&call);
    //  and its orders.
    call = gw_call_new (GW_OP_ORDER_BY_TAG);
    snprintf (call->order_tag, sizeof call->order_tag, "d1");
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->order_status, 2);
    gw_call_destroy (&call);

    //  Before any tick since the restart, an exit has no price: try again.
    call = s_exit ("NSE:SBIN-EQ-INTRADAY");
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_RETRYABLE);
    ck_assert_str_eq (call->error, "no market price for NSE:SBIN-EQ");
    gw_call_destroy (&call);
    s_move_price (broker, pub, "NSE:SBIN-EQ", "NSE:SBIN-EQ-INTRADAY", 240);
    call = s_exit ("NSE:SBIN-EQ-INTRADAY");
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    gw_call_destroy (&call);
    call = gw_call_new (GW_OP_POSITIONS);
    s_roundtrip (broker, call);
    pos = s_find (call, "NSE:SBIN-EQ-INTRADAY");
    ck_assert_int_eq (pos->net_qty, 0);
    ck_assert_double_eq_tol (pos->realized_pnl, 30, T_PRICE_EPSILON);
    gw_call_destroy (&call);

    //  Calls still queued when the broker stops are destroyed with it.
    for (int i = 0; i < 3; i++) {
        call = gw_call_new (GW_OP_POSITIONS);
        ck_assert_int_eq (zsock_send (broker, "p", call), 0);
    }
    gw_broker_destroy (&broker);
    tw_config_destroy (&config);
    zsock_destroy (&pub);
}
END_TEST

START_TEST (test_unusable_config)
{
    setenv ("TW_GATEWAY_PAPER_DB", "/proc/no/such/dir/paper.db", 1);
    setenv ("TW_GATEWAY_BROKER", "paper", 1);
    char err[TW_TEXT_MAX];
    tw_config_t *config = tw_config_load (NULL, err, sizeof err);
    ck_assert_ptr_nonnull (config);
    ck_assert_ptr_null (gw_broker_new (config));
    tw_config_destroy (&config);
}
END_TEST

//  --------------------------------------------------------------------------
//  The simulated broker stop (docs/design.md §4.7).

static gw_call_t *
s_stop_place (double stop_price, const char *tag)
{
    gw_call_t *call = s_place ("NSE:SBIN-EQ", TW_SIDE_SHORT, 10, tag);
    call->stop_price = stop_price;
    return call;
}

static int64_t
s_net_qty (gw_paper_t *paper)
{
    gw_call_t *call = gw_call_new (GW_OP_POSITIONS);
    gw_paper_execute (paper, call);
    const gw_broker_position_t *pos = s_find (call, "NSE:SBIN-EQ-INTRADAY");
    int64_t qty = pos ? pos->net_qty : 0;
    gw_call_destroy (&call);
    return qty;
}

//  The stop's status (and fill price) as ORDER_BY_TAG answers.
static int
s_stop_status (gw_paper_t *paper, const char *tag, double *price)
{
    gw_call_t *call = gw_call_new (GW_OP_ORDER_BY_TAG);
    snprintf (call->order_tag, sizeof call->order_tag, "%s", tag);
    snprintf (call->symbol, sizeof call->symbol, "NSE:SBIN-EQ");
    call->side = TW_SIDE_SHORT;
    call->qty = 10;
    gw_paper_execute (paper, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    int status = call->order_status;
    if (price)
        *price = call->fill_price;
    gw_call_destroy (&call);
    return status;
}

START_TEST (test_stop_rests_moves_and_fires)
{
    gw_paper_t *paper = gw_paper_new (NULL, s_db);
    gw_paper_set_price (paper, "NSE:SBIN-EQ", 100);
    gw_call_t *call = s_place ("NSE:SBIN-EQ", TW_SIDE_LONG, 10, "open1");
    gw_paper_execute (paper, call);
    gw_call_destroy (&call);
    //  On the wrong side of the price: refused.
    call = s_stop_place (100.5, "TS1");
    gw_paper_execute (paper, call);
    ck_assert_int_eq (call->outcome, GW_OUT_FINAL);
    gw_call_destroy (&call);
    call = s_stop_place (95, "TS1");
    gw_paper_execute (paper, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    ck_assert_str_eq (call->order_id, "PAPER-S1");
    ck_assert_double_eq_tol (call->fill_price, 0, T_PRICE_EPSILON);
    gw_call_destroy (&call);
    ck_assert_int_eq (s_stop_status (paper, "TS1", NULL), 6);
    //  Moved up to 97; a tick at 97.5 leaves it resting.
    call = gw_call_new (GW_OP_MODIFY);
    snprintf (call->order_id, sizeof call->order_id, "PAPER-S1");
    call->stop_price = 97;
    gw_paper_execute (paper, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    gw_call_destroy (&call);
    gw_paper_set_price (paper, "NSE:SBIN-EQ", 97.5);
    ck_assert_int_eq (s_net_qty (paper), 10);
    //  A tick through the stop fills it whole at that tick, once.
    gw_paper_set_price (paper, "NSE:SBIN-EQ", 96.5);
    ck_assert_int_eq (s_net_qty (paper), 0);
    double price = 0;
    ck_assert_int_eq (s_stop_status (paper, "TS1", &price), 2);
    ck_assert_double_eq_tol (price, 96.5, T_PRICE_EPSILON);
    gw_paper_set_price (paper, "NSE:SBIN-EQ", 90);
    ck_assert_int_eq (s_net_qty (paper), 0);
    //  A filled stop can be neither moved nor cancelled.
    call = gw_call_new (GW_OP_CANCEL);
    snprintf (call->order_id, sizeof call->order_id, "PAPER-S1");
    gw_paper_execute (paper, call);
    ck_assert_int_eq (call->outcome, GW_OUT_FINAL);
    gw_call_destroy (&call);
    gw_paper_destroy (&paper);

    //  The book keeps it: a reopened broker knows the fill.
    paper = gw_paper_new (NULL, s_db);
    ck_assert_int_eq (s_stop_status (paper, "TS1", &price), 2);
    ck_assert_int_eq (s_net_qty (paper), 0);
    gw_paper_destroy (&paper);
}
END_TEST

START_TEST (test_stop_cancelled_by_exit)
{
    gw_paper_t *paper = gw_paper_new (NULL, s_db);
    gw_paper_set_price (paper, "NSE:SBIN-EQ", 100);
    gw_call_t *call = s_place ("NSE:SBIN-EQ", TW_SIDE_LONG, 10, "open1");
    gw_paper_execute (paper, call);
    gw_call_destroy (&call);
    call = s_stop_place (95, "TS2");
    gw_paper_execute (paper, call);
    gw_call_destroy (&call);
    gw_paper_destroy (&paper);
    //  Still resting after a restart, then the exit cancels it first.
    paper = gw_paper_new (NULL, s_db);
    ck_assert_int_eq (s_stop_status (paper, "TS2", NULL), 6);
    gw_paper_set_price (paper, "NSE:SBIN-EQ", 99);
    call = s_exit ("NSE:SBIN-EQ-INTRADAY");
    gw_paper_execute (paper, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    gw_call_destroy (&call);
    ck_assert_int_eq (s_stop_status (paper, "TS2", NULL), 1);
    gw_paper_set_price (paper, "NSE:SBIN-EQ", 90);
    ck_assert_int_eq (s_net_qty (paper), 0); //  one sell: never reversed
    gw_paper_destroy (&paper);
}
END_TEST

START_TEST (test_names)
{
    ck_assert_str_eq (gw_outcome_name (GW_OUT_AMBIGUOUS), "ambiguous");
    ck_assert_str_eq (gw_outcome_name (GW_OUT_PENDING), "pending");
    ck_assert_str_eq (gw_op_name (GW_OP_ORDER_BY_TAG), "order_by_tag");
    ck_assert_str_eq (gw_op_name (GW_OP_EXIT), "exit");
    gw_call_t *call = gw_call_new (GW_OP_POSITIONS);
    call->positions = (gw_broker_position_t *) calloc (2, sizeof *call->positions);
    gw_call_destroy (&call);
    ck_assert_ptr_null (call);
    gw_call_destroy (&call);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("gw_paper");
    TCase *tc = tcase_create ("core");
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, test_netting);
    tcase_add_test (tc, test_refusals);
    tcase_add_test (tc, test_actor_long_and_short);
    tcase_add_test (tc, test_actor_restart_keeps_positions);
    tcase_add_test (tc, test_unusable_config);
    tcase_add_test (tc, test_names);
    tcase_add_test (tc, test_stop_rests_moves_and_fires);
    tcase_add_test (tc, test_stop_cancelled_by_exit);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
