//  System tests: all five services as real processes (tw_stack) against the
//  fake Fyers server. The market-feed replays a looping file in which one
//  symbol dips through its stop loss and one rises through its target; the
//  test plays the external model (opens and Model Close through the
//  signal-engine), counts exits in the fake's request log and watches a
//  WebSocket client of the notifier.

#include <check.h>
#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_clock.h"
#include "tw_stack.h"

#define WAIT_MS 15000
//  A bound for waits, not a speed goal (that is the chaos run's converged_ms).
#define CONVERGE_MS 15000
#define PRICE 100.0
#define QTY 5
#define SL_SYMBOL "NSE:SLX-EQ"
#define TP_SYMBOL "NSE:TPX-EQ"
#define MC_SYMBOL "NSE:MCX-EQ"
#define FAIL_SYMBOL "NSE:FLX-EQ"
#define SL_ID SL_SYMBOL "-INTRADAY"
#define TP_ID TP_SYMBOL "-INTRADAY"
#define MC_ID MC_SYMBOL "-INTRADAY"
#define FAIL_ID FAIL_SYMBOL "-INTRADAY"
//  Below and above every replayed price: no exit but the model's.
#define FAR_SL 1.0
#define FAR_TP 1000.0
#define SL 95.0
#define TP 105.0
#define ROWS 10
#define ROW_MS 100

static const char *const s_symbols[] = {SL_SYMBOL, TP_SYMBOL, MC_SYMBOL, FAIL_SYMBOL, NULL};

//  One second of ticks, looped: SL_SYMBOL dips to 93, TP_SYMBOL rises to
//  106, the others stay at 100.
static char *
s_ticks_csv (void)
{
    static const double dip[ROWS] = {100, 99, 98, 97, 96, 94, 93, 94, 96, 98};
    static const double rise[ROWS] = {100, 101, 102, 103, 104, 106, 106, 104, 102, 101};
    size_t size = 4096;
    char *csv = (char *) malloc (size);
    ck_assert_ptr_nonnull (csv);
    size_t at = (size_t) snprintf (csv, size, "ts_ms,symbol,ltp\n");
    int64_t ts = 1767225600000;
    for (int row = 0; row < ROWS; row++, ts += ROW_MS) {
        at += (size_t) snprintf (csv + at, size - at, "%lld,%s,%.2f\n", (long long) ts, SL_SYMBOL,
                                 dip[row]);
        at += (size_t) snprintf (csv + at, size - at, "%lld,%s,%.2f\n", (long long) ts, TP_SYMBOL,
                                 rise[row]);
        at += (size_t) snprintf (csv + at, size - at, "%lld,%s,%.2f\n", (long long) ts, MC_SYMBOL,
                                 PRICE);
        at += (size_t) snprintf (csv + at, size - at, "%lld,%s,%.2f\n", (long long) ts, FAIL_SYMBOL,
                                 PRICE);
    }
    ck_assert_int_lt (at, size);
    return csv;
}

static tw_stack_t *
s_stack_up (const char *label)
{
    char *csv = s_ticks_csv ();
    tw_stack_t *stack = tw_stack_new (label, csv, s_symbols, PRICE);
    free (csv);
    ck_assert_ptr_nonnull (stack);
    //  A failed check ends the test's process without tw_stack_destroy:
    //  the directory stays, with the logs.
    fprintf (stderr, "%s: logs in %s\n", label, tw_fixture_dir (tw_stack_fixture (stack)));
    ck_assert_int_eq (tw_stack_start_all (stack), 0);
    return stack;
}

static void
s_open (tw_stack_t *stack, const char *symbol, double sl, double tp)
{
    ck_assert_int_eq (tw_stack_open (stack, symbol, QTY, sl, tp, WAIT_MS), TW_ACK_ACCEPTED);
}

//  Waits until the WebSocket client has seen position_closed for id with
//  reason, and the fake one exit request for it.
static void
s_closed_once (tw_stack_t *stack, const char *id, const char *reason)
{
    ck_assert_msg (tw_stack_ws_wait (stack, "position_closed", id, reason, 1, WAIT_MS),
                   "no position_closed for %s (%s)", id, reason);
    ck_assert_int_eq (tw_stack_ws_count (stack, "position_closed", id, NULL), 1);
    ck_assert_int_eq (tw_stack_deletes (stack, id), 1);
    long net = -1;
    ck_assert_int_eq (tw_stack_broker_net (stack, id, &net), 0);
    ck_assert_int_eq (net, 0);
}

START_TEST (test_seed_story)
{
    tw_stack_t *stack = s_stack_up ("system");
    tw_stack_ws_pump (stack, 100);

    s_open (stack, SL_SYMBOL, SL, FAR_TP);
    s_open (stack, TP_SYMBOL, FAR_SL, TP);
    s_open (stack, MC_SYMBOL, FAR_SL, FAR_TP);
    ck_assert (tw_stack_ws_wait (stack, "position_opened", MC_ID, NULL, 1, WAIT_MS));
    ck_assert_int_eq (tw_stack_signal (stack, MC_SYMBOL, TW_ACTION_CLOSE, 0, 0, 0),
                      TW_ACK_ACCEPTED);
    s_closed_once (stack, SL_ID, TW_REASON_SL_HIT);
    s_closed_once (stack, TP_ID, TW_REASON_TP_HIT);
    s_closed_once (stack, MC_ID, TW_REASON_MODEL_CLOSE);

    //  Three broker failures: the client hears exit_failed.
    s_open (stack, FAIL_SYMBOL, FAR_SL, FAR_TP);
    ck_assert (tw_stack_ws_wait (stack, "position_opened", FAIL_ID, NULL, 1, WAIT_MS));
    ck_assert_int_eq (fake_fyers_script (tw_stack_fake (stack),
                                         "{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\","
                                         "\"action\":\"status\",\"status\":503,\"times\":3}"),
                      3);
    ck_assert_int_eq (tw_stack_signal (stack, FAIL_SYMBOL, TW_ACTION_CLOSE, 0, 0, 0),
                      TW_ACK_ACCEPTED);
    ck_assert (tw_stack_ws_wait (stack, "exit_failed", FAIL_ID, TW_REASON_MODEL_CLOSE, 1, WAIT_MS));
    ck_assert_int_eq (tw_stack_deletes (stack, FAIL_ID), 3);
    ck_assert_int_eq (tw_stack_ws_count (stack, "position_closed", FAIL_ID, NULL), 0);
    ck_assert (tw_stack_wait_converged (stack, CONVERGE_MS));

    tw_stack_destroy (&stack);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("system");
    TCase *story = tcase_create ("story");
    tcase_set_timeout (story, 90);
    tcase_add_test (story, test_seed_story);
    suite_add_tcase (suite, story);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
