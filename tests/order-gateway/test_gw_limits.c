//  Unit tests for gw_limits: one per pre-trade check, each refusal naming
//  its rule.

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw_limits.h"
#include "tw_config.h"
#include "tw_log.h"

#define T_ERR_MAX 256
#define T_SOURCE "client-a"

//  A limits object from the environment's [limits] overrides.
static gw_limits_t *
s_limits (const char *key, const char *value)
{
    unsetenv ("TW_LIMITS_MAX_QTY");
    unsetenv ("TW_LIMITS_MAX_NOTIONAL");
    unsetenv ("TW_LIMITS_MAX_POSITIONS");
    unsetenv ("TW_LIMITS_DAILY_LOSS_LIMIT");
    unsetenv ("TW_LIMITS_MAX_ORDERS_PER_MIN");
    if (key)
        setenv (key, value, 1);
    char err[T_ERR_MAX];
    tw_config_t *config = tw_config_load (NULL, err, sizeof err);
    ck_assert_msg (config != NULL, "config: %s", err);
    gw_limits_t *limits = gw_limits_new (config);
    tw_config_destroy (&config);
    return limits;
}

static tw_open_t
s_open (const char *symbol, tw_side_t side, int64_t qty, double sl, double tp)
{
    tw_open_t open;
    memset (&open, 0, sizeof open);
    snprintf (open.symbol, sizeof open.symbol, "%s", symbol);
    open.side = side;
    open.qty = qty;
    open.sl = sl;
    open.tp = tp;
    return open;
}

//  Checks open and returns the refusal ("" when accepted) in a static.
static const char *
s_check (gw_limits_t *limits, tw_open_t open, double last, size_t open_count, int64_t now_ms)
{
    static char error[T_ERR_MAX];
    error[0] = 0;
    int rc =
        gw_limits_check (limits, &open, last, open_count, T_SOURCE, now_ms, error, sizeof error);
    ck_assert_int_eq (rc == 0, error[0] == 0);
    return error;
}

START_TEST (test_symbol_format)
{
    ck_assert (gw_limits_symbol_ok ("NSE:SBIN-EQ"));
    ck_assert (gw_limits_symbol_ok ("NSE:NIFTY25JAN24000CE"));
    ck_assert (gw_limits_symbol_ok ("NSE:M&M-EQ"));
    ck_assert (!gw_limits_symbol_ok ("SBIN"));
    ck_assert (!gw_limits_symbol_ok ("nse:sbin-eq"));
    ck_assert (!gw_limits_symbol_ok (":SBIN-EQ"));
    ck_assert (!gw_limits_symbol_ok ("NSE:"));
    ck_assert (!gw_limits_symbol_ok ("NSE:SBIN-"));
    ck_assert (!gw_limits_symbol_ok ("NSE:SBIN EQ"));
    gw_limits_t *limits = s_limits (NULL, NULL);
    const char *error = s_check (limits, s_open ("SBIN", TW_SIDE_LONG, 1, 0, 0), 100, 0, 0);
    ck_assert_msg (strncmp (error, "symbol format:", 14) == 0, "%s", error);
    gw_limits_destroy (&limits);
}
END_TEST

//  The case: a long at 99.85 with sl 200 and tp 50.
START_TEST (test_sl_tp_sides)
{
    gw_limits_t *limits = s_limits (NULL, NULL);
    const char *error =
        s_check (limits, s_open ("NSE:SBIN-EQ", TW_SIDE_LONG, 1, 200, 0), 99.85, 0, 0);
    ck_assert_msg (strncmp (error, "sl side:", 8) == 0, "%s", error);
    error = s_check (limits, s_open ("NSE:SBIN-EQ", TW_SIDE_LONG, 1, 0, 50), 99.85, 0, 0);
    ck_assert_msg (strncmp (error, "tp side:", 8) == 0, "%s", error);
    error = s_check (limits, s_open ("NSE:SBIN-EQ", TW_SIDE_SHORT, 1, 90, 0), 99.85, 0, 0);
    ck_assert_msg (strncmp (error, "sl side:", 8) == 0, "%s", error);
    error = s_check (limits, s_open ("NSE:SBIN-EQ", TW_SIDE_SHORT, 1, 105, 95), 99.85, 0, 0);
    ck_assert_str_eq (error, "");
    error = s_check (limits, s_open ("NSE:SBIN-EQ", TW_SIDE_LONG, 1, 95, 105), 99.85, 0, 0);
    ck_assert_str_eq (error, "");
    //  No last price: only sl against tp.
    error = s_check (limits, s_open ("NSE:SBIN-EQ", TW_SIDE_LONG, 1, 200, 50), 0, 0, 0);
    ck_assert_msg (strncmp (error, "sl/tp side:", 11) == 0, "%s", error);
    error = s_check (limits, s_open ("NSE:SBIN-EQ", TW_SIDE_LONG, 1, 200, 0), 0, 0, 0);
    ck_assert_str_eq (error, "");
    gw_limits_destroy (&limits);
}
END_TEST

START_TEST (test_max_qty)
{
    gw_limits_t *limits = s_limits ("TW_LIMITS_MAX_QTY", "100");
    ck_assert_str_eq (s_check (limits, s_open ("NSE:SBIN-EQ", TW_SIDE_LONG, 100, 0, 0), 10, 0, 0),
                      "");
    const char *error = s_check (limits, s_open ("NSE:SBIN-EQ", TW_SIDE_LONG, 101, 0, 0), 10, 0, 0);
    ck_assert_msg (strncmp (error, "max_qty:", 8) == 0, "%s", error);
    gw_limits_destroy (&limits);
}
END_TEST

START_TEST (test_max_notional)
{
    gw_limits_t *limits = s_limits ("TW_LIMITS_MAX_NOTIONAL", "10000");
    ck_assert_str_eq (s_check (limits, s_open ("NSE:SBIN-EQ", TW_SIDE_LONG, 20, 0, 0), 500, 0, 0),
                      "");
    const char *error = s_check (limits, s_open ("NSE:SBIN-EQ", TW_SIDE_LONG, 21, 0, 0), 500, 0, 0);
    ck_assert_msg (strncmp (error, "max_notional:", 13) == 0, "%s", error);
    //  Without a price it cannot be computed: accepted.
    ck_assert_str_eq (s_check (limits, s_open ("NSE:SBIN-EQ", TW_SIDE_LONG, 21, 0, 0), 0, 0, 0),
                      "");
    gw_limits_destroy (&limits);
}
END_TEST

START_TEST (test_max_positions)
{
    gw_limits_t *limits = s_limits ("TW_LIMITS_MAX_POSITIONS", "2");
    ck_assert_str_eq (s_check (limits, s_open ("NSE:SBIN-EQ", TW_SIDE_LONG, 1, 0, 0), 10, 1, 0),
                      "");
    const char *error = s_check (limits, s_open ("NSE:SBIN-EQ", TW_SIDE_LONG, 1, 0, 0), 10, 2, 0);
    ck_assert_msg (strncmp (error, "max_positions:", 14) == 0, "%s", error);
    gw_limits_destroy (&limits);
}
END_TEST

START_TEST (test_max_orders_per_min)
{
    gw_limits_t *limits = s_limits ("TW_LIMITS_MAX_ORDERS_PER_MIN", "3");
    tw_open_t open = s_open ("NSE:SBIN-EQ", TW_SIDE_LONG, 1, 0, 0);
    for (int i = 0; i < 3; i++)
        ck_assert_str_eq (s_check (limits, open, 10, 0, 1000 + i), "");
    const char *error = s_check (limits, open, 10, 0, 2000);
    ck_assert_msg (strncmp (error, "max_orders_per_min:", 19) == 0, "%s", error);
    //  Another source has its own count.
    char other[T_ERR_MAX] = "";
    ck_assert_int_eq (gw_limits_check (limits, &open, 10, 0, "client-b", 2000, other, sizeof other),
                      0);
    //  A minute after the first, there is room for one again.
    ck_assert_str_eq (s_check (limits, open, 10, 0, 61000), "");
    gw_limits_destroy (&limits);
}
END_TEST

START_TEST (test_daily_loss_key)
{
    gw_limits_t *limits = s_limits ("TW_LIMITS_DAILY_LOSS_LIMIT", "5000");
    ck_assert (gw_limits_daily_loss (limits) == 5000);
    gw_limits_destroy (&limits);
    limits = s_limits (NULL, NULL);
    ck_assert (gw_limits_daily_loss (limits) == 0);
    gw_limits_destroy (&limits);
}
END_TEST

int
main (void)
{
    tw_log_init ("test_gw_limits");
    //  No deploy/config/tradewire.ini: the built-in defaults.
    if (chdir ("/") != 0)
        return EXIT_FAILURE;
    Suite *suite = suite_create ("gw_limits");
    TCase *tc = tcase_create ("checks");
    tcase_add_test (tc, test_symbol_format);
    tcase_add_test (tc, test_sl_tp_sides);
    tcase_add_test (tc, test_max_qty);
    tcase_add_test (tc, test_max_notional);
    tcase_add_test (tc, test_max_positions);
    tcase_add_test (tc, test_max_orders_per_min);
    tcase_add_test (tc, test_daily_loss_key);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
