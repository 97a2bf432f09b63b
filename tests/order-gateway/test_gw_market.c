//  The broker's market status in the real gateway (issue 8): the gateway
//  actor in-process with an injected session clock (gw_inproc), on the
//  fyers broker against the fake Fyers server (a real process, from
//  $FAKE_FYERS), which serves /data/marketStatus as the control interface
//  sets it. On a weekday in hours a CLOSED NSE cash market refuses an open
//  with the reason; an OPEN one takes it, even on a day holidays_file
//  lists; a server answering garbage (or an error) leaves the hours and
//  the holidays file to decide.
//
//  Polls follow one another (the next is sent once the last answer is
//  handled), so a poll the fake counts two after a change proves that the
//  gateway has handled an answer given after the change.

#include <check.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_fyers_ctl.h"
#include "gw_inproc.h"
#include "tw_clock.h"

#define WAIT_MS GW_INPROC_WAIT_MS
#define SYMBOL_A GW_INPROC_SYMBOL_A
#define PRICE_A GW_INPROC_PRICE_A
#define POS_A_CNC "NSE:SBIN-EQ-CNC"
#define APP_ID "MKTAPP01-100"
//  A JWT whose exp is in 2100.
#define TOKEN "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.market-access-token"
#define STATUS_PATH "/data/marketStatus"
#define POLL_INTERVAL_MS "100"
#define NSE_CM_CLOSED                                                                              \
    "{\"exchange\":10,\"segment\":10,\"market_type\":\"NORMAL\",\"status\":\"CLOSED\"}"
#define NSE_CM_OPEN                                                                                \
    "{\"exchange\":10,\"segment\":10,\"market_type\":\"NORMAL\",\"status\":\"OPEN\"}"
#define REFUSED_BY_BROKER                                                                          \
    "market hours: the equity market is closed (the broker's market status of NSE CM)"

//  The gateway's session clock.
static _Atomic int64_t s_now;

static int64_t
s_clock (void)
{
    return atomic_load (&s_now);
}

static void
s_set (int year, int month, int day, int hour, int minute)
{
    atomic_store (&s_now, gw_inproc_ist_ns (year, month, day, hour, minute, 0));
}

static fake_fyers_t *s_fake;

static void
s_setup (void)
{
    gw_inproc_setup ("market");
    gw_inproc_wall_clock = s_clock;
    FILE *file = fopen ("holidays.txt", "w");
    ck_assert_ptr_nonnull (file);
    fputs ("2026-03-03  # Holi\n", file);
    fclose (file);
    const char *binary = getenv ("FAKE_FYERS");
    ck_assert_msg (binary != NULL, "FAKE_FYERS is not set");
    s_fake = fake_fyers_start (binary, APP_ID, TOKEN);
    ck_assert_ptr_nonnull (s_fake);
    ck_assert_int_eq (fake_fyers_set_price (s_fake, SYMBOL_A, PRICE_A), 0);
    setenv ("TW_SESSION_HOLIDAYS_FILE", "holidays.txt", 1);
    setenv ("TW_SESSION_ENFORCE_HOURS", "on", 1);
    setenv ("TW_SESSION_SQUARE_OFF", "off", 1);
    setenv ("TW_SESSION_MARKET_STATUS_INTERVAL_MS", POLL_INTERVAL_MS, 1);
    setenv ("TW_GATEWAY_BROKER", "fyers", 1);
    setenv ("TW_FYERS_BASE_URL", fake_fyers_base_url (s_fake), 1);
    setenv ("TW_FYERS_DATA_BASE_URL", fake_fyers_data_url (s_fake), 1);
    setenv ("TW_FYERS_ORDER_SOCKET_URL", "", 1);
    setenv ("FYERS_APP_ID", APP_ID, 1);
    setenv ("FYERS_ACCESS_TOKEN", TOKEN, 1);
}

static void
s_teardown (void)
{
    ck_assert_int_eq (fake_fyers_stop (&s_fake), 0);
    gw_inproc_teardown ();
}

//  Waits until the gateway has handled a market status answered from now on.
static void
s_polled (void)
{
    int seen = fake_fyers_count (s_fake, "GET", STATUS_PATH);
    ck_assert_int_ge (seen, 0);
    ck_assert_int_ge (fake_fyers_wait_count (s_fake, "GET", STATUS_PATH, seen + 2, WAIT_MS),
                      seen + 2);
}

static void
s_refused (gw_inproc_t *fx, const char *symbol, const char *error)
{
    tw_msg_t ack;
    gw_inproc_try_open (fx, symbol, "CNC", &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_REJECTED);
    ck_assert_msg (strncmp (ack.u.ack.error, error, strlen (error)) == 0, "error: %s",
                   ack.u.ack.error);
}

//  Starts the gateway on a weekday in hours (Wednesday 2026-03-04 11:00)
//  with NSE cash CLOSED at the broker: an open is refused with the reason,
//  and nothing reaches the broker.
static void
s_start_closed (gw_inproc_t *fx)
{
    ck_assert_int_eq (fake_fyers_market_status (s_fake, NSE_CM_CLOSED), 0);
    s_set (2026, 3, 4, 11, 0);
    gw_inproc_start (fx);
    s_polled ();
    s_refused (fx, SYMBOL_A, REFUSED_BY_BROKER);
    ck_assert_int_eq (fake_fyers_count (s_fake, "POST", "/api/v3/orders/sync"), 0);
}

//  A weekday in hours: the broker says NSE cash is CLOSED (a holiday the
//  file does not list), so the open is refused with the reason and nothing
//  reaches the broker; once it says OPEN, the open is taken.
START_TEST (test_closed_then_open)
{
    gw_inproc_t fx;
    s_start_closed (&fx);

    ck_assert_int_eq (fake_fyers_market_status (s_fake, NSE_CM_OPEN), 0);
    s_polled ();
    gw_inproc_open_as (&fx, SYMBOL_A, "CNC", POS_A_CNC, 1, PRICE_A);
    gw_inproc_stop (&fx);
}
END_TEST

//  A holiday in the file, but the broker says the market is OPEN (a special
//  session): the open is taken.
START_TEST (test_open_on_a_listed_holiday)
{
    s_set (2026, 3, 3, 11, 0);
    gw_inproc_t fx;
    gw_inproc_start (&fx);
    s_polled ();
    gw_inproc_open_as (&fx, SYMBOL_A, "CNC", POS_A_CNC, 1, PRICE_A);
    gw_inproc_stop (&fx);
}
END_TEST

//  Every market status read from now on gets the scripted action; once the
//  gateway has handled one, the calendar decides: a Saturday and the listed
//  holiday refuse the open, a weekday in hours takes it.
static void
s_fallback (gw_inproc_t *fx, const char *action, const char *symbol)
{
    char script[256];
    snprintf (script, sizeof script,
              "{\"method\":\"GET\",\"path\":\"" STATUS_PATH "\",%s,\"times\":1000}", action);
    ck_assert_int_eq (fake_fyers_script (s_fake, script), 1000);
    s_polled ();
    s_set (2026, 3, 7, 11, 0);
    s_refused (fx, SYMBOL_A, "market hours: the equity market is closed on 2026-03-07, a Saturday");
    s_set (2026, 3, 3, 11, 0);
    s_refused (fx, SYMBOL_A, "market hours: the equity market is closed on 2026-03-03, a holiday");
    s_set (2026, 3, 4, 11, 0);
    tw_msg_t ack;
    gw_inproc_try_open (fx, symbol, "CNC", &ack);
    ck_assert_msg (ack.u.ack.status == TW_ACK_ACCEPTED, "error: %s", ack.u.ack.error);
}

//  The server answers garbage, then an error: the hours and the holidays
//  file decide again (a weekday in hours takes the open, a Saturday and the
//  listed holiday refuse it), and the gateway goes on.
START_TEST (test_garbage_falls_back)
{
    gw_inproc_t fx;
    s_start_closed (&fx);

    s_fallback (&fx, "\"action\":\"garbage\"", SYMBOL_A);
    //  An error envelope with HTTP 503 is the same.
    long status = 0;
    free (fake_fyers_http (s_fake, "DELETE", "/_fake/script", NULL, NULL, &status));
    ck_assert_int_eq (status, 200);
    s_fallback (&fx, "\"action\":\"status\",\"status\":503", GW_INPROC_SYMBOL_B);
    gw_inproc_stop (&fx);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("gw_market");
    TCase *tc = tcase_create ("core");
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, test_closed_then_open);
    tcase_add_test (tc, test_open_on_a_listed_holiday);
    tcase_add_test (tc, test_garbage_falls_back);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
