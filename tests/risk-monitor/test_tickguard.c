//  Unit tests of tw_tickguard, the filter the risk-monitor and the
//  signal-engine put before their decisions: the simulated-feed rule for
//  every broker and source, prices at or below zero, the band around the
//  last good price (per symbol, first tick, a run that is a real move, a
//  run that is not), no band, and the counters. It lives with the
//  risk-monitor's tests, its main user.

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_config.h"
#include "tw_log.h"
#include "tw_tickguard.h"

#define ERR_MAX 512

static tw_config_t *s_config;

static void
s_setup (void)
{
    tw_log_init ("unit");
    //  No file is read: the defaults and the environment only.
    unsetenv ("TW_GATEWAY_BROKER");
    unsetenv ("TW_RISK_ALLOW_SIMULATED_FEED");
    unsetenv ("TW_RISK_TICK_BAND_PCT");
}

static void
s_teardown (void)
{
    tw_config_destroy (&s_config);
}

//  A guard of [risk] with the environment as it is now.
static tw_tickguard_t *
s_guard (void)
{
    char err[ERR_MAX] = "";
    tw_config_destroy (&s_config);
    s_config = tw_config_load ("/dev/null", err, sizeof err);
    ck_assert_msg (s_config != NULL, "config: %s", err);
    tw_tickguard_t *guard = tw_tickguard_new (s_config, "risk");
    ck_assert_ptr_nonnull (guard);
    return guard;
}

static tw_tick_verdict_t
s_check (tw_tickguard_t *guard, const char *symbol, double ltp, tw_source_t source)
{
    tw_tick_t tick;
    memset (&tick, 0, sizeof tick);
    snprintf (tick.symbol, sizeof tick.symbol, "%s", symbol);
    tick.ltp = ltp;
    tick.source = source;
    return tw_tickguard_check (guard, &tick);
}

START_TEST (test_simulated_feed)
{
    //  Paper broker: every source is acted on.
    tw_tickguard_t *guard = s_guard ();
    ck_assert (!tw_tickguard_refuses_simulated (guard));
    ck_assert_int_eq (s_check (guard, "A", 100, TW_SOURCE_SYNTHETIC), TW_TICK_ACCEPTED);
    ck_assert_int_eq (s_check (guard, "A", 100, TW_SOURCE_REPLAY), TW_TICK_ACCEPTED);
    tw_tickguard_destroy (&guard);
    ck_assert_ptr_null (guard);
    //  Live broker: synthetic and replay refused; fyers and none are live.
    setenv ("TW_GATEWAY_BROKER", "fyers", 1);
    guard = s_guard ();
    ck_assert (tw_tickguard_refuses_simulated (guard));
    ck_assert_int_eq (s_check (guard, "A", 100, TW_SOURCE_SYNTHETIC), TW_TICK_SIMULATED);
    ck_assert_int_eq (s_check (guard, "A", 100, TW_SOURCE_REPLAY), TW_TICK_SIMULATED);
    ck_assert_int_eq (s_check (guard, "A", 100, TW_SOURCE_FYERS), TW_TICK_ACCEPTED);
    ck_assert_int_eq (s_check (guard, "A", 100, TW_SOURCE_NONE), TW_TICK_ACCEPTED);
    ck_assert_int_eq (tw_tickguard_simulated_refused (guard), 2);
    ck_assert_int_eq (tw_tickguard_rejected (guard), 0);
    tw_tickguard_destroy (&guard);
    //  Live broker, allowed.
    setenv ("TW_RISK_ALLOW_SIMULATED_FEED", "true", 1);
    guard = s_guard ();
    ck_assert (!tw_tickguard_refuses_simulated (guard));
    ck_assert_int_eq (s_check (guard, "A", 100, TW_SOURCE_SYNTHETIC), TW_TICK_ACCEPTED);
    tw_tickguard_destroy (&guard);
    tw_tickguard_destroy (&guard); //  twice is safe
}
END_TEST

START_TEST (test_bad_prices)
{
    tw_tickguard_t *guard = s_guard ();
    const double bad[] = {0, -1, 0.0 * -1, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_int_eq (s_check (guard, "A", bad[i], TW_SOURCE_NONE), TW_TICK_BAD_PRICE);
    //  A tiny price is a price when it is the symbol's first.
    ck_assert_int_eq (s_check (guard, "B", 0.000001, TW_SOURCE_NONE), TW_TICK_ACCEPTED);
    ck_assert_int_eq (tw_tickguard_rejected (guard), 6);
    tw_tickguard_destroy (&guard);
}
END_TEST

START_TEST (test_band)
{
    tw_tickguard_t *guard = s_guard (); //  default 20 %
    ck_assert_int_eq (s_check (guard, "A", 100, TW_SOURCE_NONE), TW_TICK_ACCEPTED);
    //  Issue 10's tick, and others outside 80 .. 120.
    ck_assert_int_eq (s_check (guard, "A", 0.000001, TW_SOURCE_NONE), TW_TICK_OUT_OF_BAND);
    ck_assert_int_eq (s_check (guard, "A", 79.9, TW_SOURCE_NONE), TW_TICK_OUT_OF_BAND);
    ck_assert_int_eq (s_check (guard, "A", 120.1, TW_SOURCE_NONE), TW_TICK_OUT_OF_BAND);
    ck_assert_int_eq (s_check (guard, "A", 80.5, TW_SOURCE_NONE), TW_TICK_ACCEPTED);
    //  The band follows the last good price: 80.5 -> 64.4 .. 96.6, then
    //  96 -> 76.8 .. 115.2.
    ck_assert_int_eq (s_check (guard, "A", 96, TW_SOURCE_NONE), TW_TICK_ACCEPTED);
    ck_assert_int_eq (s_check (guard, "A", 115, TW_SOURCE_NONE), TW_TICK_ACCEPTED);
    //  Each symbol has its own.
    ck_assert_int_eq (s_check (guard, "B", 1500, TW_SOURCE_NONE), TW_TICK_ACCEPTED);
    ck_assert_int_eq (s_check (guard, "B", 100, TW_SOURCE_NONE), TW_TICK_OUT_OF_BAND);
    ck_assert_int_eq (tw_tickguard_rejected (guard), 4);
    tw_tickguard_destroy (&guard);
}
END_TEST

START_TEST (test_band_runs)
{
    tw_tickguard_t *guard = s_guard ();
    ck_assert_int_eq (s_check (guard, "A", 100, TW_SOURCE_NONE), TW_TICK_ACCEPTED);
    //  Absurd ticks that do not agree with each other never make a level.
    for (int i = 0; i < 4 * TW_TICKGUARD_CONFIRM; i++)
        ck_assert_int_eq (s_check (guard, "A", i % 2 ? 0.000001 : 1000, TW_SOURCE_NONE),
                          TW_TICK_OUT_OF_BAND);
    //  A run broken by a good tick starts again.
    for (int i = 0; i < TW_TICKGUARD_CONFIRM - 1; i++)
        ck_assert_int_eq (s_check (guard, "A", 150, TW_SOURCE_NONE), TW_TICK_OUT_OF_BAND);
    ck_assert_int_eq (s_check (guard, "A", 101, TW_SOURCE_NONE), TW_TICK_ACCEPTED);
    for (int i = 0; i < TW_TICKGUARD_CONFIRM - 1; i++)
        ck_assert_int_eq (s_check (guard, "A", 150 + i, TW_SOURCE_NONE), TW_TICK_OUT_OF_BAND);
    //  The fifth in a row, each within the band of the one before: a move.
    ck_assert_int_eq (s_check (guard, "A", 155, TW_SOURCE_NONE), TW_TICK_ACCEPTED);
    ck_assert_int_eq (s_check (guard, "A", 160, TW_SOURCE_NONE), TW_TICK_ACCEPTED);
    ck_assert_int_eq (s_check (guard, "A", 101, TW_SOURCE_NONE), TW_TICK_OUT_OF_BAND);
    tw_tickguard_destroy (&guard);
}
END_TEST

START_TEST (test_no_band)
{
    setenv ("TW_RISK_TICK_BAND_PCT", "0", 1);
    tw_tickguard_t *guard = s_guard ();
    ck_assert_int_eq (s_check (guard, "A", 100, TW_SOURCE_NONE), TW_TICK_ACCEPTED);
    ck_assert_int_eq (s_check (guard, "A", 0.000001, TW_SOURCE_NONE), TW_TICK_ACCEPTED);
    ck_assert_int_eq (s_check (guard, "A", 1e9, TW_SOURCE_NONE), TW_TICK_ACCEPTED);
    ck_assert_int_eq (s_check (guard, "A", 0, TW_SOURCE_NONE), TW_TICK_BAD_PRICE);
    tw_tickguard_destroy (&guard);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("tickguard");
    TCase *tc = tcase_create ("core");
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_set_timeout (tc, 10);
    tcase_add_test (tc, test_simulated_feed);
    tcase_add_test (tc, test_bad_prices);
    tcase_add_test (tc, test_band);
    tcase_add_test (tc, test_band_runs);
    tcase_add_test (tc, test_no_band);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
