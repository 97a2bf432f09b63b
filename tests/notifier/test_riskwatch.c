//  Integration tests of the notifier's watch on the risk-monitor (issue 11,
//  nt_riskwatch.h): the real notifier, the real order-gateway on the paper
//  broker and the real risk-monitor, over loopback on ports picked at run
//  time, with the test as a WebSocket client (tw_wsclient). A risk-monitor
//  that is killed, or runs out of sync with the gateway, raises the warning
//  risk_unwatched for every client (and in every later snapshot) within a
//  bounded time; one that answers in sync again ends it.

#include <check.h>
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nt_testws.h"
#include "tw_clock.h"
#include "tw_cmd.h"
#include "tw_fixture.h"
#include "tw_proc.h"
#include "tw_wsclient.h"

#define GATEWAY "order-gateway"
#define NOTIFIER "notifier"
#define RISK "risk-monitor"
#define TOKEN "riskwatch-test-token"
//  The notifier's [notifier] risk_watch_interval_ms in these tests.
#define INTERVAL_MS 200
//  The watch is lost after 2 bad looks (NT_RISKWATCH_BAD_LOOKS), one per
//  interval, plus the time a look takes: well within this on a busy
//  machine. The bound of every other wait too.
#define WAIT_MS 10000
#define FRAME_MS 5000
#define STOP_MS 3000
//  Looks that must pass without a warning while the risk-monitor is fine.
#define QUIET_LOOKS 5
#define WARNING "risk_unwatched"

typedef struct {
    tw_fixture_t *base;
    const char *notifier_log;
    const char *control;      //  the notifier's
    const char *risk_control; //  the risk-monitor's, which the notifier pings
    int port;
} fixture_t;

static fixture_t fx;

static void
s_start_risk (const char *const *extra)
{
    ck_assert_int_eq (tw_fixture_start (fx.base, RISK, getenv ("RISK_MONITOR"), extra), 0);
}

static void
s_setup (void)
{
    memset (&fx, 0, sizeof fx);
    fx.base = tw_fixture_new ("riskwatch");
    ck_assert_ptr_nonnull (fx.base);
    fx.notifier_log = tw_fixture_log (fx.base, NOTIFIER);
    const char *rep = tw_fixture_endpoint (fx.base, "TW_ENDPOINTS_GATEWAY_REP");
    const char *pub = tw_fixture_endpoint (fx.base, "TW_ENDPOINTS_GATEWAY_PUB");
    const char *feed = tw_fixture_endpoint (fx.base, "TW_ENDPOINTS_FEED_PUB");
    fx.control = tw_fixture_endpoint (fx.base, "TW_ENDPOINTS_NOTIFIER_CONTROL");
    fx.risk_control = tw_fixture_endpoint (fx.base, "TW_ENDPOINTS_RISK_CONTROL");
    fx.port = tw_fixture_listen (fx.base, "TW_NOTIFIER_LISTEN");
    ck_assert (rep && pub && feed && fx.control && fx.risk_control && fx.port > 0);
    tw_fixture_set (fx.base, "TW_NOTIFIER_TOKEN", TOKEN);
    tw_fixture_set (fx.base, "TW_NOTIFIER_RISK_WATCH_INTERVAL_MS", "%d", INTERVAL_MS);
    tw_fixture_set (fx.base, "TW_GATEWAY_BROKER", "paper");
    tw_fixture_set (fx.base, "TW_GATEWAY_DB", "gateway.db");
    tw_fixture_set (fx.base, "TW_GATEWAY_PAPER_DB", "paper.db");
    ck_assert_int_eq (tw_fixture_start (fx.base, GATEWAY, getenv ("GATEWAY"), NULL), 0);
    ck_assert_int_eq (tw_fixture_wait_pong (fx.base, GATEWAY, rep, TW_MSG_PING, NULL, 0, WAIT_MS),
                      0);
}

static void
s_teardown (void)
{
    const char *services[] = {NOTIFIER, RISK, GATEWAY};
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
        if (tw_fixture_running (fx.base, services[i]))
            ck_assert_int_eq (tw_fixture_stop (fx.base, services[i], SIGTERM, STOP_MS), 0);
    //  Under UBSan a runtime error is a line in the log, not an exit code.
    ck_assert_msg (!tw_file_contains (fx.notifier_log, "runtime error"), "see %s", fx.notifier_log);
    //  RISKWATCH_KEEP in the environment keeps the logs, for a look.
    if (getenv ("RISKWATCH_KEEP"))
        tw_fixture_keep (fx.base);
    tw_fixture_destroy (&fx.base);
}

static void
s_start_notifier (void)
{
    ck_assert_int_eq (tw_fixture_start (fx.base, NOTIFIER, getenv ("NOTIFIER"), NULL), 0);
    ck_assert_int_eq (
        tw_fixture_wait_pong (fx.base, NOTIFIER, fx.control, TW_MSG_PING, "synced", 1, WAIT_MS), 0);
}

static tw_wsclient_t *
s_connect (void)
{
    tw_wsclient_opts_t opts = {.path = "/ws", .bearer = TOKEN, .timeout_ms = FRAME_MS};
    int status;
    tw_wsclient_t *client = tw_wsclient_connect (fx.port, &opts, &status);
    ck_assert_ptr_nonnull (client);
    ck_assert_int_eq (status, 101);
    return client;
}

//  The warnings in force in a new client's snapshot.
static void
s_snapshot_warnings (char *names, size_t size)
{
    tw_wsclient_t *client = s_connect ();
    nt_testws_snapshot_warnings (client, FRAME_MS, names, size);
    tw_wsclient_destroy (&client);
}

//  The next risk_unwatched frame that says active (raised) or not (ended);
//  its text is checked for needle. While waiting for the end, the warning
//  may be raised again with another reason (a risk-monitor restarted is
//  silent for a moment): those frames are skipped.
static void
s_expect_risk_warning (tw_wsclient_t *client, bool active, const char *needle)
{
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    cJSON *warning = NULL;
    while (!warning) {
        int64_t left = deadline - tw_clock_mono_ms ();
        ck_assert_msg (left > 0, "no %s frame of %s", active ? "active" : "ended", WARNING);
        warning = nt_testws_expect_warning (client, WARNING, (int) left);
        cJSON *flag = cJSON_GetObjectItemCaseSensitive (warning, "active");
        ck_assert (cJSON_IsBool (flag));
        if (!active && cJSON_IsTrue (flag)) {
            cJSON_Delete (warning);
            warning = NULL;
        }
        else
            ck_assert_msg (cJSON_IsTrue (flag) == active, "%s ended before it was raised", WARNING);
    }
    ck_assert_msg (strstr (nt_testws_str (warning, "text"), needle), "text \"%s\" lacks \"%s\"",
                   nt_testws_str (warning, "text"), needle);
    cJSON_Delete (warning);
}

static bool
s_watched_is (int64_t value)
{
    return tw_cmd_wait_counter (fx.control, TW_MSG_PING, "risk_watched", value, WAIT_MS, NULL);
}

START_TEST (test_killed_and_restarted)
{
    s_start_risk (NULL);
    ck_assert_int_eq (
        tw_fixture_wait_pong (fx.base, RISK, fx.risk_control, TW_MSG_PING, "synced", 1, WAIT_MS),
        0);
    s_start_notifier ();
    ck_assert (s_watched_is (1));
    tw_wsclient_t *client = s_connect ();
    char names[256];
    nt_testws_snapshot_warnings (client, FRAME_MS, names, sizeof names);
    ck_assert_str_eq (names, "");
    //  A synced risk-monitor, looked at QUIET_LOOKS more times: no warning.
    int64_t pings = tw_cmd_counter (fx.control, TW_MSG_PING, "risk_pings");
    ck_assert_int_ge (pings, 1);
    ck_assert (tw_cmd_wait_counter (fx.control, TW_MSG_PING, "risk_pings", pings + QUIET_LOOKS,
                                    WAIT_MS, NULL));
    ck_assert_int_eq (tw_cmd_counter (fx.control, TW_MSG_PING, "risk_watched"), 1);
    ck_assert_int_eq (tw_cmd_counter (fx.control, TW_MSG_PING, "risk_pings_unanswered"), 0);
    ck_assert (!tw_file_contains (fx.notifier_log, "warning name=" WARNING));
    ck_assert (tw_file_contains (fx.notifier_log, "risk-monitor watched"));

    //  Killed: the client hears of it, the counter says so, an error line.
    ck_assert_int_eq (tw_fixture_stop (fx.base, RISK, SIGKILL, STOP_MS), 128 + SIGKILL);
    int64_t killed_ms = tw_clock_mono_ms ();
    s_expect_risk_warning (client, true, "the risk-monitor is not answering");
    int64_t took_ms = tw_clock_mono_ms () - killed_ms;
    ck_assert_msg (took_ms < WAIT_MS, "warned %lld ms after the kill", (long long) took_ms);
    ck_assert_int_eq (tw_cmd_counter (fx.control, TW_MSG_PING, "risk_watched"), 0);
    ck_assert_int_ge (tw_cmd_counter (fx.control, TW_MSG_PING, "risk_pings_unanswered"), 2);
    ck_assert (tw_file_contains (fx.notifier_log, "ERROR notifier risk-monitor not watched"));
    ck_assert (tw_file_contains (fx.notifier_log, "warning name=" WARNING " active=true"));
    //  In force: a client that connects now has it in its snapshot.
    s_snapshot_warnings (names, sizeof names);
    ck_assert_str_eq (names, WARNING);

    //  Restarted: it syncs with the gateway, and the warning ends.
    s_start_risk (NULL);
    s_expect_risk_warning (client, false, "in sync with the gateway");
    ck_assert (s_watched_is (1));
    ck_assert (tw_file_contains (fx.notifier_log, "warning name=" WARNING " active=false"));
    ck_assert (tw_file_contains (fx.notifier_log, "risk-monitor watched again"));
    s_snapshot_warnings (names, sizeof names);
    ck_assert_str_eq (names, "");
    tw_wsclient_destroy (&client);
}
END_TEST

//  A risk-monitor that runs and answers, but is pointed at no gateway: it
//  never syncs, so it watches nothing.
START_TEST (test_running_but_unsynced)
{
    char nowhere_rep[64], nowhere_pub[64];
    snprintf (nowhere_rep, sizeof nowhere_rep, "TW_ENDPOINTS_GATEWAY_REP=tcp://127.0.0.1:%d",
              tw_free_port ());
    snprintf (nowhere_pub, sizeof nowhere_pub, "TW_ENDPOINTS_GATEWAY_PUB=tcp://127.0.0.1:%d",
              tw_free_port ());
    const char *no_gateway[] = {nowhere_rep, nowhere_pub, NULL};
    s_start_risk (no_gateway);
    ck_assert_int_eq (
        tw_fixture_wait_pong (fx.base, RISK, fx.risk_control, TW_MSG_PING, "synced", 0, WAIT_MS),
        0);
    s_start_notifier ();
    tw_wsclient_t *client = s_connect ();
    cJSON_Delete (nt_testws_expect (client, "snapshot", FRAME_MS));
    s_expect_risk_warning (client, true, "the risk-monitor is not in sync with the gateway");
    ck_assert_int_eq (tw_cmd_counter (fx.control, TW_MSG_PING, "risk_watched"), 0);
    //  It answered every ping: not a silence.
    ck_assert_int_eq (tw_cmd_counter (fx.control, TW_MSG_PING, "risk_pings_unanswered"), 0);
    ck_assert (tw_file_contains (fx.notifier_log, "reason=\"synced=0\""));
    char names[256];
    s_snapshot_warnings (names, sizeof names);
    ck_assert_str_eq (names, WARNING);

    //  Given the gateway, it syncs, and the warning ends.
    ck_assert_int_eq (tw_fixture_stop (fx.base, RISK, SIGTERM, STOP_MS), 0);
    s_start_risk (NULL);
    s_expect_risk_warning (client, false, "in sync with the gateway");
    ck_assert (s_watched_is (1));
    s_snapshot_warnings (names, sizeof names);
    ck_assert_str_eq (names, "");
    tw_wsclient_destroy (&client);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("riskwatch");
    TCase *tc = tcase_create ("stack");
    tcase_set_timeout (tc, 60);
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, test_killed_and_restarted);
    tcase_add_test (tc, test_running_but_unsynced);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
