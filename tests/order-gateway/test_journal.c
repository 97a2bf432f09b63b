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
#include "gw_inproc.h"
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
#define WAIT_MS GW_INPROC_WAIT_MS
#define POLL_MS 10
#define TTL_NS (30 * TW_NS_PER_MS * 1000)
#define SERVICE GW_INPROC_SERVICE
#define SYMBOL_A GW_INPROC_SYMBOL_A
#define SYMBOL_B GW_INPROC_SYMBOL_B
#define POS_A "NSE:SBIN-EQ-INTRADAY"
#define POS_B "NSE:INFY-EQ-INTRADAY"
#define PRICE_A GW_INPROC_PRICE_A
#define PRICE_B GW_INPROC_PRICE_B

static void
s_setup (void)
{
    gw_inproc_setup ("journal");
}

static void
s_teardown (void)
{
    gw_inproc_teardown ();
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
s_journal (gw_inproc_t *fx, tw_msg_type_t type, const char *day, int64_t offset, int64_t limit,
           tw_msg_t *reply)
{
    tw_msg_t request;
    char req_id[TW_ID_MAX];
    snprintf (req_id, sizeof req_id, "journal-%d", ++fx->next_req);
    gw_inproc_command (&request, type, req_id);
    request.expires_at = 0;
    snprintf (request.u.journal.day, sizeof request.u.journal.day, "%s", day);
    request.u.journal.offset = offset;
    request.u.journal.limit = limit;
    memset (reply, 0, sizeof *reply);
    gw_inproc_request (fx, &request, reply);
}

START_TEST (test_gateway_commands)
{
    s_seed ("gateway.db");
    gw_inproc_t fx;
    gw_inproc_start (&fx);
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
    gw_inproc_open (&fx, SYMBOL_A, POS_A, 10, PRICE_A);
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
    gw_inproc_stop (&fx);
}
END_TEST

//  The marks a snapshot reply (or one part of it) carries: one per symbol
//  of its own positions that has a price, with when the price came.
START_TEST (test_snapshot_marks)
{
    char err[ERR_MAX];
    gw_store_t *store = gw_store_open ("gateway.db", err, sizeof err);
    ck_assert_msg (store != NULL, "%s", err);
    zloop_t *loop = zloop_new ();
    gw_journal_t *journal = gw_journal_new (store, loop, "");
    tw_snapshot_t snapshot;
    memset (&snapshot, 0, sizeof snapshot);
    tw_position_t positions[4];
    memset (positions, 0, sizeof positions);
    const char *symbols[4] = {SYMBOL_A, SYMBOL_B, SYMBOL_A, "NSE:TCS-EQ"};
    for (int i = 0; i < 4; i++)
        snprintf (positions[i].symbol, sizeof positions[i].symbol, "%s", symbols[i]);
    snapshot.positions = positions;
    snapshot.count = 4;
    //  No tick yet: no marks.
    gw_journal_add_marks (journal, &snapshot);
    ck_assert_uint_eq (snapshot.mark_count, 0);
    ck_assert_ptr_null (snapshot.marks);
    int64_t before = tw_clock_wall_ns ();
    gw_journal_mark (journal, SYMBOL_A, PRICE_A + 1);
    gw_journal_mark (journal, SYMBOL_B, PRICE_B - 1);
    gw_journal_mark (journal, "NSE:ITC-EQ", 400); //  no position of it here
    gw_journal_mark (journal, SYMBOL_A, PRICE_A + 2);
    int64_t after = tw_clock_wall_ns ();
    gw_journal_add_marks (journal, &snapshot);
    ck_assert_uint_eq (snapshot.mark_count, 2);
    ck_assert_str_eq (snapshot.marks[0].symbol, SYMBOL_A);
    ck_assert_double_eq (snapshot.marks[0].ltp, PRICE_A + 2);
    ck_assert_int_ge (snapshot.marks[0].ltp_at, before);
    ck_assert_int_le (snapshot.marks[0].ltp_at, after);
    ck_assert_str_eq (snapshot.marks[1].symbol, SYMBOL_B);
    ck_assert_double_eq (snapshot.marks[1].ltp, PRICE_B - 1);
    free (snapshot.marks);
    //  A part holding only the last two positions: only its own symbols.
    snapshot.positions = positions + 2;
    snapshot.count = 2;
    snapshot.marks = NULL;
    gw_journal_add_marks (journal, &snapshot);
    ck_assert_uint_eq (snapshot.mark_count, 1);
    ck_assert_str_eq (snapshot.marks[0].symbol, SYMBOL_A);
    free (snapshot.marks);
    ck_assert_double_eq (gw_journal_last (journal, SYMBOL_A), PRICE_A + 2);
    gw_journal_destroy (&journal);
    zloop_destroy (&loop);
    gw_store_destroy (&store);
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
    tcase_add_test (tc, test_snapshot_marks);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
