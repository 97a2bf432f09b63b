//  In-process tests of the session rules in the real gateway (gw_actor on
//  the paper broker, gw_inproc) with an injected clock: the end-of-day
//  square-off closes the INTRADAY positions of a segment at its minute with
//  `EOD Square-off` and leaves CNC alone, INTRADAY opens are refused after
//  it, a restart after the minute closes what is left and still refuses,
//  and the market hours refuse opens on a holiday, a weekend, in the
//  pre-open and after the close. The same square-off on the fyers broker
//  (its default: on) against the fake Fyers server, whose binary comes from
//  $FAKE_FYERS (meson sets it).

#include <check.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_fyers_ctl.h"
#include "gw_inproc.h"
#include "gw_session.h"
#include "tw_clock.h"
#include "tw_log.h"
#include "tw_sock.h"

#define WAIT_MS GW_INPROC_WAIT_MS
#define POLL_MS 10
#define SYMBOL_A GW_INPROC_SYMBOL_A
#define SYMBOL_B GW_INPROC_SYMBOL_B
#define PRICE_A GW_INPROC_PRICE_A
#define PRICE_B GW_INPROC_PRICE_B
#define POS_A "NSE:SBIN-EQ-INTRADAY"
#define POS_A_CNC "NSE:SBIN-EQ-CNC"
#define POS_B_CNC "NSE:INFY-EQ-CNC"

//  The gateway's session clock.
static _Atomic int64_t s_now;

static int64_t
s_clock (void)
{
    return atomic_load (&s_now);
}

//  Sets the clock to an IST civil time.
static void
s_set (int year, int month, int day, int hour, int minute, int second)
{
    atomic_store (&s_now, gw_inproc_ist_ns (year, month, day, hour, minute, second));
}

//  Wednesday 2026-03-04, a trading day.
static void
s_wed (int hour, int minute, int second)
{
    s_set (2026, 3, 4, hour, minute, second);
}

static void
s_setup (void)
{
    gw_inproc_setup ("eod");
    gw_inproc_wall_clock = s_clock;
    FILE *file = fopen ("holidays.txt", "w");
    ck_assert_ptr_nonnull (file);
    fputs ("# test\n2026-03-03  # Holi\n", file);
    fclose (file);
    setenv ("TW_SESSION_HOLIDAYS_FILE", "holidays.txt", 1);
    setenv ("TW_SESSION_ENFORCE_HOURS", "on", 1);
    setenv ("TW_SESSION_SQUARE_OFF", "on", 1);
}

static void
s_teardown (void)
{
    gw_inproc_teardown ();
}

//  An open that must be refused with a reason starting with rule.
static void
s_refused (gw_inproc_t *fx, const char *symbol, const char *product, const char *rule)
{
    tw_msg_t ack;
    gw_inproc_try_open (fx, symbol, product, &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_REJECTED);
    ck_assert_msg (strncmp (ack.u.ack.error, rule, strlen (rule)) == 0, "error: %s",
                   ack.u.ack.error);
}

//  The ids of the live positions, comma-separated in snapshot order.
static void
s_positions (gw_inproc_t *fx, char *ids, size_t size)
{
    tw_position_t positions[4];
    size_t count = gw_inproc_snapshot (fx, positions, 4);
    ck_assert_uint_le (count, 4);
    ids[0] = 0;
    size_t used = 0;
    for (size_t i = 0; i < count; i++) {
        int written = snprintf (ids + used, size - used, "%s%s", i ? "," : "", positions[i].id);
        ck_assert (written >= 0 && (size_t) written < size - used);
        used += (size_t) written;
    }
}

//  The next event of type about id, with its reason.
static void
s_expect (gw_inproc_t *fx, tw_msg_type_t type, const char *id, const char *reason)
{
    tw_msg_t event;
    memset (&event, 0, sizeof event);
    gw_inproc_next_event (fx, &event);
    ck_assert_int_eq (event.type, type);
    ck_assert_str_eq (event.u.event.pos.id, id);
    ck_assert_str_eq (event.u.event.reason, reason);
}

//  Lets n heartbeats of the gateway go by (each runs the square-off); no
//  exit may start meanwhile (position_opened of an adoption may come).
static void
s_heartbeats (gw_inproc_t *fx, int n)
{
    zpoller_t *poller = zpoller_new (fx->events, NULL);
    for (int seen = 0; seen < n;) {
        ck_assert_ptr_eq (zpoller_wait (poller, WAIT_MS), fx->events);
        tw_msg_t event;
        char err[512];
        ck_assert_msg (tw_sock_recv (fx->events, &event, err, sizeof err) == 0, "%s", err);
        ck_assert_msg (event.type == TW_MSG_HEARTBEAT || event.type == TW_MSG_POSITION_OPENED,
                       "event %s id=%s", tw_msg_type_name (event.type), event.u.event.pos.id);
        seen += event.type == TW_MSG_HEARTBEAT;
    }
    zpoller_destroy (&poller);
}

//  At the equity square-off minute the INTRADAY position is closed with
//  `EOD Square-off`, the CNC one is left; INTRADAY opens are refused after
//  it, CNC opens are taken until the close.
START_TEST (test_square_off)
{
    s_wed (15, 9, 50);
    gw_inproc_t fx;
    gw_inproc_start (&fx);
    gw_inproc_open (&fx, SYMBOL_A, POS_A, 10, PRICE_A);
    gw_inproc_open_as (&fx, SYMBOL_B, "CNC", POS_B_CNC, 5, PRICE_B);
    //  Heartbeats go by at 15:09:59 and nothing is closed.
    s_wed (15, 9, 59);
    s_heartbeats (&fx, 3);
    s_wed (15, 10, 0);
    s_expect (&fx, TW_MSG_POSITION_CLOSING, POS_A, TW_REASON_EOD_SQUARE_OFF);
    s_expect (&fx, TW_MSG_POSITION_CLOSED, POS_A, TW_REASON_EOD_SQUARE_OFF);
    char ids[512];
    s_positions (&fx, ids, sizeof ids);
    ck_assert_str_eq (ids, POS_B_CNC);

    s_refused (&fx, SYMBOL_A, "INTRADAY", "EOD square-off: ");
    s_refused (&fx, SYMBOL_A, "", "EOD square-off: ");
    gw_inproc_open_as (&fx, SYMBOL_A, "CNC", POS_A_CNC, 2, PRICE_A);
    s_positions (&fx, ids, sizeof ids);
    ck_assert (strstr (ids, POS_A_CNC) && strstr (ids, POS_B_CNC) && !strstr (ids, "INTRADAY"));
    //  Later heartbeats leave the CNC positions alone.
    s_wed (15, 20, 0);
    s_heartbeats (&fx, 3);
    ck_assert_int_eq (gw_inproc_counter (&fx, "exits_closed"), 1);
    ck_assert_int_eq (gw_inproc_counter (&fx, "positions"), 2);
    //  From the close, the hours refuse every open.
    s_wed (15, 30, 0);
    s_refused (&fx, SYMBOL_A, "CNC", "market hours: ");
    gw_inproc_stop (&fx);
}
END_TEST

//  The reason of the one trade in the history of day.
static bool
s_history_reason (gw_inproc_t *fx, const char *day, char *reason)
{
    tw_msg_t request, reply;
    char req_id[TW_ID_MAX];
    snprintf (req_id, sizeof req_id, "history-%d", ++fx->next_req);
    gw_inproc_command (&request, TW_MSG_HISTORY, req_id);
    request.expires_at = 0;
    snprintf (request.u.journal.day, sizeof request.u.journal.day, "%s", day);
    memset (&reply, 0, sizeof reply);
    gw_inproc_request (fx, &request, &reply);
    ck_assert_int_eq (reply.type, TW_MSG_HISTORY_REPLY);
    bool found = reply.u.history.count == 1;
    if (found)
        snprintf (reason, TW_REASON_MAX, "%s", reply.u.history.trades[0].reason);
    tw_msg_reset (&reply);
    return found;
}

//  A restart after the minute closes the INTRADAY position left open (its
//  run had the square-off off) and still refuses INTRADAY opens; the next
//  trading day takes them again.
START_TEST (test_restart_after_square_off)
{
    s_wed (15, 20, 0);
    setenv ("TW_SESSION_SQUARE_OFF", "off", 1);
    gw_inproc_t fx;
    gw_inproc_start (&fx);
    gw_inproc_open (&fx, SYMBOL_A, POS_A, 10, PRICE_A);
    int next_req = fx.next_req;
    gw_inproc_stop (&fx);

    setenv ("TW_SESSION_SQUARE_OFF", "on", 1);
    //  The trade's day is the real clock's (the journal's): read around the wait.
    char before[11], after[11];
    int minute = 0;
    gw_session_ist (tw_clock_wall_ns (), before, &minute);
    gw_inproc_start (&fx);
    fx.next_req = next_req;
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    //  The paper broker exits at the last tick: the test ticks meanwhile.
    while (gw_inproc_counter (&fx, "exits_closed") < 1 && tw_clock_mono_ms () < deadline) {
        gw_inproc_ticks (&fx);
        zclock_sleep (POLL_MS);
    }
    ck_assert_int_eq (gw_inproc_counter (&fx, "exits_closed"), 1);
    ck_assert_int_eq (gw_inproc_counter (&fx, "positions"), 0);
    gw_session_ist (tw_clock_wall_ns (), after, &minute);
    char reason[TW_REASON_MAX] = "";
    ck_assert (s_history_reason (&fx, before, reason) || s_history_reason (&fx, after, reason));
    ck_assert_str_eq (reason, TW_REASON_EOD_SQUARE_OFF);
    s_refused (&fx, SYMBOL_A, "INTRADAY", "EOD square-off: ");

    //  Restarted again, still past the minute: still refused.
    s_wed (15, 25, 0);
    next_req = fx.next_req;
    gw_inproc_stop (&fx);
    gw_inproc_start (&fx);
    fx.next_req = next_req;
    s_refused (&fx, SYMBOL_A, "INTRADAY", "EOD square-off: ");
    //  The next trading day's market takes them.
    s_set (2026, 3, 5, 9, 20, 0);
    gw_inproc_open (&fx, SYMBOL_A, POS_A, 10, PRICE_A);
    gw_inproc_stop (&fx);
}
END_TEST

//  The market hours: a holiday, a weekend, the pre-open, after the close.
START_TEST (test_hours)
{
    setenv ("TW_SESSION_SQUARE_OFF", "off", 1);
    s_set (2026, 3, 3, 10, 0, 0);
    gw_inproc_t fx;
    gw_inproc_start (&fx);
    tw_msg_t ack;
    gw_inproc_try_open (&fx, SYMBOL_A, "CNC", &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_REJECTED);
    ck_assert_str_eq (ack.u.ack.error, "market hours: the equity market is closed on 2026-03-03, "
                                       "a holiday ([session] holidays_file)");
    s_set (2026, 3, 7, 10, 0, 0);
    s_refused (&fx, SYMBOL_A, "INTRADAY",
               "market hours: the equity market is closed on "
               "2026-03-07, a Saturday");
    s_wed (9, 5, 0);
    gw_inproc_try_open (&fx, SYMBOL_A, "INTRADAY", &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_REJECTED);
    ck_assert_str_eq (ack.u.ack.error, "market hours: the equity market is closed at 09:05 IST "
                                       "(open 09:15-15:30, pre-open 09:00-09:08 refused "
                                       "([session] pre_open))");
    s_wed (15, 45, 0);
    s_refused (&fx, SYMBOL_A, "INTRADAY", "market hours: the equity market is closed at 15:45");
    //  The currency market is open until 17:00.
    s_wed (17, 0, 0);
    s_refused (&fx, "NSE:USDINR26MARFUT", "MARGIN", "market hours: the currency market is closed");
    ck_assert_int_eq (gw_inproc_counter (&fx, "rejected"), 5);
    ck_assert_int_eq (gw_inproc_counter (&fx, "positions"), 0);
    s_wed (10, 0, 0);
    gw_inproc_open (&fx, SYMBOL_A, POS_A, 10, PRICE_A);
    gw_inproc_stop (&fx);

    //  A pre-open taken by [session] pre_open.
    setenv ("TW_SESSION_PRE_OPEN", "true", 1);
    s_wed (9, 5, 0);
    gw_inproc_start (&fx);
    gw_inproc_open_as (&fx, SYMBOL_B, "CNC", POS_B_CNC, 1, PRICE_B);
    gw_inproc_stop (&fx);
}
END_TEST

//  A bad [session] stops the start (a configuration error).
START_TEST (test_bad_config)
{
    setenv ("TW_SESSION_HOLIDAYS_FILE", "missing.txt", 1);
    gw_inproc_t fx;
    memset (&fx, 0, sizeof fx);
    char err[512];
    setenv ("TW_ENDPOINTS_GATEWAY_REP", "inproc://gw-eod-bad-rep", 1);
    setenv ("TW_ENDPOINTS_GATEWAY_PUB", "inproc://gw-eod-bad-pub", 1);
    fx.config = tw_config_load (NULL, err, sizeof err);
    ck_assert_ptr_nonnull (fx.config);
    fx.service = tw_service_new (GW_INPROC_SERVICE, fx.config);
    fx.args.service = fx.service;
    fx.args.wall_clock = s_clock;
    //  zactor_new returns once the actor has signalled; a failed start
    //  signals 1 and ends.
    fx.actor = zactor_new (gw_actor_clocked, &fx.args);
    ck_assert_ptr_nonnull (fx.actor);
    ck_assert (tw_service_is_config_error ());
    zactor_destroy (&fx.actor);
    tw_service_destroy (&fx.service);
    tw_config_destroy (&fx.config);
}
END_TEST

#define FYERS_APP_ID "EODAPP01-100"
//  A JWT whose exp is in 2100.
#define FYERS_TOKEN "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.eod-access-token"
#define POS_INFY_CNC "NSE:INFY-EQ-CNC"
#define POS_USD "NSE:USDINR26MARFUT-INTRADAY"

//  The fyers broker with its defaults (both rules on) against the fake: at
//  15:10 the INTRADAY equity position is exited at the broker with `EOD
//  Square-off`; the CNC one and the INTRADAY currency one (16:40) stay.
START_TEST (test_fyers_square_off)
{
    const char *binary = getenv ("FAKE_FYERS");
    ck_assert_msg (binary != NULL, "FAKE_FYERS is not set");
    fake_fyers_t *fake = fake_fyers_start (binary, FYERS_APP_ID, FYERS_TOKEN);
    ck_assert_ptr_nonnull (fake);
    ck_assert_int_eq (fake_fyers_set_price (fake, SYMBOL_A, PRICE_A), 0);
    ck_assert_int_eq (fake_fyers_seed_position (fake, SYMBOL_A, "INTRADAY", 10, PRICE_A), 0);
    ck_assert_int_eq (fake_fyers_seed_position (fake, SYMBOL_B, "CNC", 5, PRICE_B), 0);
    ck_assert_int_eq (fake_fyers_seed_position (fake, "NSE:USDINR26MARFUT", "INTRADAY", 1, 83.5),
                      0);
    unsetenv ("TW_SESSION_SQUARE_OFF");
    unsetenv ("TW_SESSION_ENFORCE_HOURS");
    setenv ("TW_GATEWAY_BROKER", "fyers", 1);
    setenv ("TW_FYERS_BASE_URL", fake_fyers_base_url (fake), 1);
    //  The market status is read from the fake too (every market open).
    setenv ("TW_FYERS_DATA_BASE_URL", fake_fyers_data_url (fake), 1);
    setenv ("TW_FYERS_ORDER_SOCKET_URL", "", 1);
    setenv ("TW_GATEWAY_EXIT_CONFIRM_INTERVAL_MS", "50", 1);
    setenv ("FYERS_APP_ID", FYERS_APP_ID, 1);
    setenv ("FYERS_ACCESS_TOKEN", FYERS_TOKEN, 1);
    s_wed (15, 9, 0);
    gw_inproc_t fx;
    gw_inproc_start (&fx); //  adopts the three positions
    char ids[512];
    s_positions (&fx, ids, sizeof ids);
    ck_assert (strstr (ids, POS_A) && strstr (ids, POS_INFY_CNC) && strstr (ids, POS_USD));
    s_wed (15, 9, 59);
    s_heartbeats (&fx, 3);
    ck_assert_int_eq (fake_fyers_count (fake, "DELETE", "/api/v3/positions"), 0);
    s_wed (15, 10, 0);
    s_expect (&fx, TW_MSG_POSITION_CLOSING, POS_A, TW_REASON_EOD_SQUARE_OFF);
    s_expect (&fx, TW_MSG_POSITION_CLOSED, POS_A, TW_REASON_EOD_SQUARE_OFF);
    s_heartbeats (&fx, 3);
    ck_assert_int_eq (fake_fyers_count (fake, "DELETE", "/api/v3/positions"), 1);
    s_positions (&fx, ids, sizeof ids);
    ck_assert (!strstr (ids, POS_A) && strstr (ids, POS_INFY_CNC) && strstr (ids, POS_USD));
    //  At the broker: flat, the others as they were.
    char *positions = fake_fyers_positions (fake);
    ck_assert_ptr_nonnull (positions);
    ck_assert_msg (
        strstr (positions, "\"id\":\"" POS_A "\",\"symbol\":\"" SYMBOL_A "\",\"netQty\":0") != NULL,
        "%s", positions);
    free (positions);
    s_refused (&fx, SYMBOL_A, "INTRADAY", "EOD square-off: ");
    s_set (2026, 3, 7, 11, 0, 0);
    s_refused (&fx, SYMBOL_A, "CNC", "market hours: the equity market is closed on 2026-03-07");
    gw_inproc_stop (&fx);
    fake_fyers_stop (&fake);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("gw_eod");
    TCase *tc = tcase_create ("core");
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, test_square_off);
    tcase_add_test (tc, test_restart_after_square_off);
    tcase_add_test (tc, test_hours);
    tcase_add_test (tc, test_bad_config);
    tcase_add_test (tc, test_fyers_square_off);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
