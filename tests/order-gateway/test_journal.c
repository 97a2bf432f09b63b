//  Tests of the gateway's journal (gw_journal, gw_store_journal_*): the
//  trading day (IST) of a request, the store's page and sums of closed
//  positions, and the history and pnl commands of the real gateway actor
//  in-process on the paper broker (inproc://, files in a scratch
//  directory), with closed positions written into its store before it
//  starts and an open position marked by the test's ticks.

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw_actor.h"
#include "gw_journal.h"
#include "gw_store.h"
#include "tw_clock.h"
#include "tw_config.h"
#include "tw_log.h"
#include "tw_service.h"
#include "tw_sock.h"

#define ERR_MAX 512
#define PATH_MAX_LEN 512
//  Every wait in these tests is bounded by this.
#define WAIT_MS 10000
#define POLL_MS 10
#define TTL_NS (30 * TW_NS_PER_MS * 1000)
#define ENDPOINT_MAX 64
#define SERVICE "order-gateway"
#define SYMBOL_A "NSE:SBIN-EQ"
#define SYMBOL_B "NSE:INFY-EQ"
#define POS_A "NSE:SBIN-EQ-INTRADAY"
#define POS_B "NSE:INFY-EQ-INTRADAY"
#define PRICE_A 500.0
#define PRICE_B 1500.0

typedef struct {
    tw_config_t *config;
    tw_service_t *service;
    zactor_t *actor;
    zsock_t *feed;   //  the ticks
    zsock_t *events; //  SUB to the gateway's events
    zsock_t *client; //  DEALER to the gateway's commands
    int next_req;
    //  inproc endpoints are released after their socket closes, not when
    //  it does: every start gets new ones, so that a restart never waits.
    char gw_rep[ENDPOINT_MAX];
    char gw_pub[ENDPOINT_MAX];
    char feed_pub[ENDPOINT_MAX];
} s_fx_t;

static int s_generation;

static char s_dir[PATH_MAX_LEN];
static char s_origin[PATH_MAX_LEN];

static void
s_setup (void)
{
    tw_log_init ("unit");
    //  In an empty directory, so that no deploy/config/tradewire.ini is read.
    ck_assert_ptr_nonnull (getcwd (s_origin, sizeof s_origin));
    snprintf (s_dir, sizeof s_dir, "%s", "/tmp/tw-gw-journal-XXXXXX");
    ck_assert_ptr_nonnull (mkdtemp (s_dir));
    ck_assert_int_eq (chdir (s_dir), 0);
    setenv ("TW_GATEWAY_BROKER", "paper", 1);
    setenv ("TW_GATEWAY_DB", "gateway.db", 1);
    setenv ("TW_GATEWAY_PAPER_DB", "paper.db", 1);
    setenv ("TW_GATEWAY_HEARTBEAT_MS", "50", 1);
}

static void
s_teardown (void)
{
    ck_assert_int_eq (chdir (s_origin), 0);
    char command[PATH_MAX_LEN + 16];
    snprintf (command, sizeof command, "rm -rf %s", s_dir);
    ck_assert_int_eq (system (command), 0);
}

//  Publishes one tick of each symbol: the paper broker fills at the last.
static void
s_ticks (s_fx_t *fx)
{
    const char *symbols[] = {SYMBOL_A, SYMBOL_B};
    const double prices[] = {PRICE_A, PRICE_B};
    for (size_t i = 0; i < 2; i++) {
        tw_msg_t tick;
        tw_msg_init (&tick, TW_MSG_TICK);
        snprintf (tick.u.tick.symbol, sizeof tick.u.tick.symbol, "%s", symbols[i]);
        tick.u.tick.ltp = prices[i];
        ck_assert_int_eq (tw_sock_publish (fx->feed, &tick), 0);
    }
}

//  The next event other than a heartbeat, within WAIT_MS (ticking meanwhile).
static void
s_next_event (s_fx_t *fx, tw_msg_t *event)
{
    zpoller_t *poller = zpoller_new (fx->events, NULL);
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    bool got = false;
    while (!got && tw_clock_mono_ms () < deadline) {
        s_ticks (fx);
        if (zpoller_wait (poller, POLL_MS) != fx->events)
            continue;
        char err[ERR_MAX];
        ck_assert_msg (tw_sock_recv (fx->events, event, err, sizeof err) == 0, "%s", err);
        got = event->type != TW_MSG_HEARTBEAT;
    }
    zpoller_destroy (&poller);
    ck_assert_msg (got, "no event within %d ms", WAIT_MS);
}

//  Sends request and returns the gateway's reply.
static void
s_request (s_fx_t *fx, const tw_msg_t *request, tw_msg_t *reply)
{
    ck_assert_int_eq (tw_sock_send (fx->client, request), 0);
    zpoller_t *poller = zpoller_new (fx->client, NULL);
    void *which = zpoller_wait (poller, WAIT_MS);
    zpoller_destroy (&poller);
    ck_assert_msg (which == fx->client, "no reply within %d ms", WAIT_MS);
    char err[ERR_MAX];
    ck_assert_msg (tw_sock_recv (fx->client, reply, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq (reply->req_id, request->req_id);
}

static void
s_command (tw_msg_t *msg, tw_msg_type_t type, const char *req_id)
{
    tw_msg_init (msg, type);
    snprintf (msg->req_id, sizeof msg->req_id, "%s", req_id);
    msg->expires_at = tw_clock_wall_ns () + TTL_NS;
}

static int64_t
s_counter (s_fx_t *fx, const char *name)
{
    tw_msg_t status, pong;
    memset (&pong, 0, sizeof pong);
    s_command (&status, TW_MSG_STATUS, "status");
    status.expires_at = 0;
    s_request (fx, &status, &pong);
    ck_assert_int_eq (pong.type, TW_MSG_PONG);
    ck_assert_str_eq (pong.u.pong.service, SERVICE);
    for (size_t i = 0; i < pong.u.pong.counter_count; i++)
        if (strcmp (pong.u.pong.counters[i].name, name) == 0)
            return pong.u.pong.counters[i].value;
    ck_abort_msg ("pong has no counter '%s'", name);
    return -1;
}

static void
s_start (s_fx_t *fx)
{
    memset (fx, 0, sizeof *fx);
    s_generation++;
    snprintf (fx->gw_rep, sizeof fx->gw_rep, "inproc://gw-journal-rep-%d", s_generation);
    snprintf (fx->gw_pub, sizeof fx->gw_pub, "inproc://gw-journal-pub-%d", s_generation);
    snprintf (fx->feed_pub, sizeof fx->feed_pub, "inproc://gw-journal-feed-%d", s_generation);
    setenv ("TW_ENDPOINTS_GATEWAY_REP", fx->gw_rep, 1);
    setenv ("TW_ENDPOINTS_GATEWAY_PUB", fx->gw_pub, 1);
    setenv ("TW_ENDPOINTS_FEED_PUB", fx->feed_pub, 1);
    fx->feed = tw_sock_pub_new (fx->feed_pub);
    ck_assert_ptr_nonnull (fx->feed);
    char err[ERR_MAX] = "";
    fx->config = tw_config_load (NULL, err, sizeof err);
    ck_assert_msg (fx->config != NULL, "config: %s", err);
    fx->service = tw_service_new (SERVICE, fx->config);
    ck_assert_ptr_nonnull (fx->service);
    fx->actor = zactor_new (gw_actor, fx->service);
    ck_assert_ptr_nonnull (fx->actor);
    fx->events = tw_sock_sub_new (fx->gw_pub, "");
    fx->client = tw_sock_dealer_new (fx->gw_rep);
    ck_assert (fx->events && fx->client);
    //  Subscribed once a heartbeat arrives; ready once the broker was read.
    zpoller_t *poller = zpoller_new (fx->events, NULL);
    ck_assert_ptr_eq (zpoller_wait (poller, WAIT_MS), fx->events);
    zpoller_destroy (&poller);
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    while (s_counter (fx, "reconciled") != 1 && tw_clock_mono_ms () < deadline)
        zclock_sleep (POLL_MS);
    ck_assert_int_eq (s_counter (fx, "reconciled"), 1);
}

static void
s_stop (s_fx_t *fx)
{
    zactor_destroy (&fx->actor);
    tw_service_destroy (&fx->service);
    tw_config_destroy (&fx->config);
    zsock_destroy (&fx->client);
    zsock_destroy (&fx->events);
    zsock_destroy (&fx->feed);
}

//  Opens qty of symbol long and waits for position_opened. Until the paper
//  broker has its first tick an open is refused (order_rejected): it is then
//  sent again under a new req_id. Every event seen must be about symbol.
static void
s_open (s_fx_t *fx, const char *symbol, const char *pos_id, int64_t qty, double price)
{
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    while (tw_clock_mono_ms () < deadline) {
        char req_id[TW_ID_MAX];
        snprintf (req_id, sizeof req_id, "open-%d", ++fx->next_req);
        tw_msg_t open, ack, event;
        memset (&ack, 0, sizeof ack);
        memset (&event, 0, sizeof event);
        s_command (&open, TW_MSG_OPEN, req_id);
        snprintf (open.u.open.symbol, sizeof open.u.open.symbol, "%s", symbol);
        open.u.open.side = TW_SIDE_LONG;
        open.u.open.qty = qty;
        open.u.open.sl = price / 2;
        s_request (fx, &open, &ack);
        ck_assert_int_eq (ack.type, TW_MSG_ACK);
        ck_assert_int_eq (ack.u.ack.status, TW_ACK_ACCEPTED);
        ck_assert_str_eq (ack.u.ack.id, pos_id);
        s_next_event (fx, &event);
        ck_assert_str_eq (event.u.event.pos.id, pos_id);
        if (event.type == TW_MSG_ORDER_REJECTED)
            continue;
        ck_assert_int_eq (event.type, TW_MSG_POSITION_OPENED);
        ck_assert_int_eq (event.u.event.pos.qty, qty);
        ck_assert_int_eq (event.u.event.pos.side, TW_SIDE_LONG);
        ck_assert_double_eq (event.u.event.pos.entry_price, price);
        ck_assert_int_eq (event.u.event.pos.state, TW_STATE_OPEN);
        return;
    }
    ck_abort_msg ("no position_opened for %s within %d ms", symbol, WAIT_MS);
}

#define S_NS_PER_S INT64_C (1000000000)
#define S_DAY_NS (INT64_C (86400) * S_NS_PER_S)
//  2026-12-01 00:00 IST, as ns since the Unix epoch (2026-11-30 18:30 UTC).
#define S_DEC1_IST (INT64_C (1796063400) * S_NS_PER_S)

START_TEST (test_day_range)
{
    char day[TW_DAY_MAX], err[ERR_MAX];
    int64_t from, to;
    ck_assert_int_eq (gw_journal_day_range ("2026-12-01", 0, day, &from, &to, err, sizeof err), 0);
    ck_assert_str_eq (day, "2026-12-01");
    ck_assert_int_eq (from, S_DEC1_IST);
    ck_assert_int_eq (to, S_DEC1_IST + S_DAY_NS);
    //  "" is today in IST: 20:00 UTC on Nov 30 is already Dec 1 in India.
    int64_t evening = S_DEC1_IST + INT64_C (5400) * S_NS_PER_S;
    ck_assert_int_eq (gw_journal_day_range ("", evening, day, &from, &to, err, sizeof err), 0);
    ck_assert_str_eq (day, "2026-12-01");
    ck_assert_int_eq (from, S_DEC1_IST);
    ck_assert_int_eq (gw_journal_day_range ("", S_DEC1_IST - 1, day, &from, &to, err, sizeof err),
                      0);
    ck_assert_str_eq (day, "2026-11-30");
    const char *bad[] = {"2026-02-30", "2026-13-01",  "2026-1-01",
                         "01-12-2026", "2026-12-01x", "yesterday"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        ck_assert_int_eq (gw_journal_day_range (bad[i], 0, day, &from, &to, err, sizeof err), -1);
        ck_assert_msg (err[0], "no reason for '%s'", bad[i]);
    }
}
END_TEST

//  Writes one closed life of id into store: opened an hour before closed_ts.
static void
s_closed (gw_store_t *store, const char *id, const char *symbol, tw_side_t side, int64_t qty,
          double entry, double exit_price, int64_t closed_ts, const char *reason)
{
    gw_position_row_t row;
    memset (&row, 0, sizeof row);
    snprintf (row.pos.id, sizeof row.pos.id, "%s", id);
    snprintf (row.pos.symbol, sizeof row.pos.symbol, "%s", symbol);
    snprintf (row.pos.product, sizeof row.pos.product, "INTRADAY");
    row.pos.side = side;
    row.pos.qty = qty;
    row.pos.entry_price = entry;
    row.pos.state = TW_STATE_CLOSING;
    row.opened_ts = closed_ts - INT64_C (3600) * S_NS_PER_S;
    row.exit_attempts = 2;
    snprintf (row.exit_reason, sizeof row.exit_reason, "%s", reason);
    ck_assert_int_eq (gw_store_put_position (store, &row), 0);
    double pnl = (double) side * (exit_price - entry) * (double) qty;
    ck_assert_int_eq (gw_store_close_position (store, id, reason, exit_price, pnl, closed_ts), 0);
}

//  Three trades on Dec 1 (IST), one on Nov 30 and one on Dec 2, today's
//  three written out of order.
static void
s_seed (const char *path)
{
    char err[ERR_MAX];
    gw_store_t *store = gw_store_open (path, err, sizeof err);
    ck_assert_msg (store != NULL, "%s", err);
    int64_t hour = INT64_C (3600) * S_NS_PER_S;
    s_closed (store, "NSE:TCS-EQ-INTRADAY", "NSE:TCS-EQ", TW_SIDE_LONG, 10, 100.1, 100.4,
              S_DEC1_IST + 5 * hour, TW_REASON_TP_HIT);
    s_closed (store, "NSE:ITC-EQ-INTRADAY", "NSE:ITC-EQ", TW_SIDE_SHORT, 3, 400, 410.5,
              S_DEC1_IST + 4 * hour, TW_REASON_SL_HIT);
    s_closed (store, "NSE:TCS-EQ-INTRADAY", "NSE:TCS-EQ", TW_SIDE_LONG, 1, 100, 90,
              S_DEC1_IST + 6 * hour, TW_REASON_MANUAL_CLOSE);
    s_closed (store, "NSE:ITC-EQ-INTRADAY", "NSE:ITC-EQ", TW_SIDE_LONG, 1, 1, 2, S_DEC1_IST - 1,
              TW_REASON_EOD_SQUARE_OFF);
    s_closed (store, "NSE:ITC-EQ-INTRADAY", "NSE:ITC-EQ", TW_SIDE_LONG, 1, 1, 2,
              S_DEC1_IST + S_DAY_NS, TW_REASON_EOD_SQUARE_OFF);
    gw_store_destroy (&store);
}

START_TEST (test_store_journal)
{
    s_seed ("gateway.db");
    char err[ERR_MAX];
    gw_store_t *store = gw_store_open ("gateway.db", err, sizeof err);
    ck_assert_ptr_nonnull (store);
    gw_position_row_t *rows = NULL;
    size_t count = 0;
    ck_assert_int_eq (
        gw_store_journal_page (store, S_DEC1_IST, S_DEC1_IST + S_DAY_NS, 0, 10, &rows, &count), 0);
    ck_assert_uint_eq (count, 3);
    ck_assert_str_eq (rows[0].pos.id, "NSE:ITC-EQ-INTRADAY");
    ck_assert_str_eq (rows[1].exit_reason, TW_REASON_TP_HIT);
    ck_assert_str_eq (rows[2].exit_reason, TW_REASON_MANUAL_CLOSE);
    free (rows);
    ck_assert_int_eq (
        gw_store_journal_page (store, S_DEC1_IST, S_DEC1_IST + S_DAY_NS, 1, 1, &rows, &count), 0);
    ck_assert_uint_eq (count, 1);
    ck_assert_str_eq (rows[0].exit_reason, TW_REASON_TP_HIT);
    free (rows);
    gw_store_journal_stats_t stats;
    ck_assert_int_eq (gw_store_journal_stats (store, S_DEC1_IST, S_DEC1_IST + S_DAY_NS, &stats), 0);
    ck_assert_int_eq (stats.trades, 3);
    ck_assert_int_eq (stats.wins, 1);
    ck_assert_int_eq (stats.losses, 2);
    ck_assert_double_eq_tol (stats.realized_pnl, 3.0 - 31.5 - 10.0, 1e-9);
    ck_assert_double_eq_tol (stats.largest_loss, -31.5, 1e-9);
    //  An empty day.
    ck_assert_int_eq (gw_store_journal_stats (store, 0, 1, &stats), 0);
    ck_assert_int_eq (stats.trades, 0);
    ck_assert_double_eq (stats.largest_loss, 0);
    gw_store_destroy (&store);
}
END_TEST

//  Sends a history or pnl request for day and returns the reply.
static void
s_journal (s_fx_t *fx, tw_msg_type_t type, const char *day, int64_t offset, int64_t limit,
           tw_msg_t *reply)
{
    tw_msg_t request;
    char req_id[TW_ID_MAX];
    snprintf (req_id, sizeof req_id, "journal-%d", ++fx->next_req);
    s_command (&request, type, req_id);
    request.expires_at = 0;
    snprintf (request.u.journal.day, sizeof request.u.journal.day, "%s", day);
    request.u.journal.offset = offset;
    request.u.journal.limit = limit;
    memset (reply, 0, sizeof *reply);
    s_request (fx, &request, reply);
}

START_TEST (test_gateway_commands)
{
    s_seed ("gateway.db");
    s_fx_t fx;
    s_start (&fx);
    tw_msg_t reply;
    s_journal (&fx, TW_MSG_HISTORY, "2026-12-01", 0, 0, &reply);
    ck_assert_int_eq (reply.type, TW_MSG_HISTORY_REPLY);
    ck_assert_str_eq (reply.u.history.day, "2026-12-01");
    ck_assert_int_eq (reply.u.history.total, 3);
    ck_assert_uint_eq (reply.u.history.count, 3);
    const tw_trade_t *trade = &reply.u.history.trades[0];
    ck_assert_str_eq (trade->id, "NSE:ITC-EQ-INTRADAY");
    ck_assert_str_eq (trade->symbol, "NSE:ITC-EQ");
    ck_assert_int_eq (trade->side, TW_SIDE_SHORT);
    ck_assert_int_eq (trade->qty, 3);
    ck_assert_double_eq (trade->entry_price, 400);
    ck_assert_double_eq (trade->exit_price, 410.5);
    ck_assert_int_eq (trade->closed_at - trade->opened_at, INT64_C (3600) * S_NS_PER_S);
    ck_assert_str_eq (trade->reason, TW_REASON_SL_HIT);
    ck_assert_int_eq (trade->attempts, 2);
    ck_assert_double_eq_tol (trade->pnl, -31.5, 1e-9);
    tw_msg_reset (&reply);
    //  A page: the second trade only.
    s_journal (&fx, TW_MSG_HISTORY, "2026-12-01", 1, 1, &reply);
    ck_assert_int_eq (reply.u.history.total, 3);
    ck_assert_int_eq (reply.u.history.offset, 1);
    ck_assert_uint_eq (reply.u.history.count, 1);
    ck_assert_str_eq (reply.u.history.trades[0].reason, TW_REASON_TP_HIT);
    tw_msg_reset (&reply);
    //  A bad day is a rejected ack.
    s_journal (&fx, TW_MSG_HISTORY, "2026-02-30", 0, 0, &reply);
    ck_assert_int_eq (reply.type, TW_MSG_ACK);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_REJECTED);
    ck_assert_ptr_nonnull (strstr (reply.u.ack.error, "not a calendar day"));
    tw_msg_reset (&reply);

    //  pnl of Dec 1, with an open position marked by the feed.
    s_open (&fx, SYMBOL_A, POS_A, 10, PRICE_A);
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    bool marked = false;
    while (!marked && tw_clock_mono_ms () < deadline) {
        tw_msg_t tick;
        tw_msg_init (&tick, TW_MSG_TICK);
        snprintf (tick.u.tick.symbol, sizeof tick.u.tick.symbol, "%s", SYMBOL_A);
        tick.u.tick.ltp = PRICE_A + 2.5;
        ck_assert_int_eq (tw_sock_publish (fx.feed, &tick), 0);
        s_journal (&fx, TW_MSG_PNL, "2026-12-01", 0, 0, &reply);
        ck_assert_int_eq (reply.type, TW_MSG_PNL_REPLY);
        marked = fabs (reply.u.pnl.unrealized_pnl - 25.0) < 1e-9;
        if (!marked)
            zclock_sleep (POLL_MS);
    }
    ck_assert_msg (marked, "unrealized_pnl %f, not 25", reply.u.pnl.unrealized_pnl);
    ck_assert_str_eq (reply.u.pnl.day, "2026-12-01");
    ck_assert_double_eq_tol (reply.u.pnl.realized_pnl, -38.5, 1e-9);
    ck_assert_int_eq (reply.u.pnl.trades, 3);
    ck_assert_int_eq (reply.u.pnl.wins, 1);
    ck_assert_int_eq (reply.u.pnl.losses, 2);
    ck_assert_double_eq_tol (reply.u.pnl.largest_loss, -31.5, 1e-9);
    ck_assert_int_eq (reply.u.pnl.open_positions, 1);
    ck_assert_int_eq (reply.u.pnl.marked_positions, 1);
    //  No day: today, in IST.
    char today[TW_DAY_MAX], err[ERR_MAX];
    int64_t from, to;
    ck_assert_int_eq (
        gw_journal_day_range ("", tw_clock_wall_ns (), today, &from, &to, err, sizeof err), 0);
    s_journal (&fx, TW_MSG_PNL, "", 0, 0, &reply);
    ck_assert_int_eq (reply.type, TW_MSG_PNL_REPLY);
    ck_assert_str_eq (reply.u.pnl.day, today);
    s_stop (&fx);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("gw_journal");
    TCase *tc = tcase_create ("core");
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, test_day_range);
    tcase_add_test (tc, test_store_journal);
    tcase_add_test (tc, test_gateway_commands);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
