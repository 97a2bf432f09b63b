//  Integration test of the stack as a person runs it: the real market-feed
//  (synthetic prices), the real order-gateway on the paper broker, and the
//  real tradectl, all over loopback on ports picked at run time.

#include <check.h>
#include <cjson/cJSON.h>
#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_clock.h"
#include "tw_fixture.h"
#include "tw_proc.h"

#define WAIT_MS 10000
#define STOP_MS 3000
#define POLL_MS 50
#define RUN_MS 10000
#define ARGS_MAX 16
#define POS_ID "NSE:SBIN-EQ-INTRADAY"
#define GATEWAY "order-gateway"
#define FEED "market-feed"

static tw_fixture_t *s_base;

static void
s_pause (void)
{
    zclock_sleep (POLL_MS); //  pacing a bounded poll of an observable state
}

//  Runs tradectl --json with args (NULL-terminated) in the stack's
//  environment; returns its JSON document (caller deletes) and sets
//  *status to its exit code.
static cJSON *
s_tradectl (const char *const *args, int *status)
{
    const char *argv[ARGS_MAX] = {"tradectl", "--json"};
    int argc = 2;
    for (int i = 0; args[i]; i++) {
        ck_assert_int_lt (argc, ARGS_MAX - 1);
        argv[argc++] = args[i];
    }
    argv[argc] = NULL;
    static tw_proc_output_t output;
    ck_assert_msg (tw_proc_run (getenv ("TRADECTL"), argv, tw_fixture_env (s_base),
                                tw_fixture_dir (s_base), RUN_MS, &output)
                       == 0,
                   "tradectl %s did not finish within %d ms", args[0], RUN_MS);
    *status = output.exit_code;
    cJSON *doc = cJSON_Parse (output.out);
    ck_assert_msg (doc != NULL, "tradectl %s printed no JSON: %s %s", args[0], output.out,
                   output.err);
    return doc;
}

static const char *
s_str (cJSON *doc, const char *key)
{
    cJSON *item = cJSON_GetObjectItemCaseSensitive (doc, key);
    return cJSON_IsString (item) ? item->valuestring : "";
}

static int
s_positions (void)
{
    int status;
    cJSON *doc = s_tradectl ((const char *[]){"positions", NULL}, &status);
    ck_assert_int_eq (status, 0);
    int count = cJSON_GetArraySize (cJSON_GetObjectItemCaseSensitive (doc, "positions"));
    cJSON_Delete (doc);
    return count;
}

START_TEST (test_open_and_close_with_tradectl)
{
    s_base = tw_fixture_new ("stack");
    ck_assert_ptr_nonnull (s_base);
    const char *feed_control = tw_fixture_endpoint (s_base, "TW_ENDPOINTS_FEED_CONTROL");
    const char *rep = tw_fixture_endpoint (s_base, "TW_ENDPOINTS_GATEWAY_REP");
    ck_assert (feed_control && rep && tw_fixture_endpoint (s_base, "TW_ENDPOINTS_FEED_PUB")
               && tw_fixture_endpoint (s_base, "TW_ENDPOINTS_GATEWAY_PUB"));
    tw_fixture_set (s_base, "TW_GATEWAY_BROKER", "paper");
    tw_fixture_set (s_base, "TW_GATEWAY_DB", "gateway.db");
    tw_fixture_set (s_base, "TW_GATEWAY_PAPER_DB", "paper.db");
    tw_fixture_set (s_base, "TW_FEED_SOURCE", "synthetic");
    tw_fixture_set (s_base, "TW_FEED_TICK_INTERVAL_MS", "20");
    tw_fixture_set (s_base, "TW_CLIENT_TIMEOUT_MS", "1000");
    ck_assert_int_eq (tw_fixture_start (s_base, FEED, getenv ("MARKET_FEED"), NULL), 0);
    ck_assert_int_eq (tw_fixture_start (s_base, GATEWAY, getenv ("GATEWAY"), NULL), 0);

    //  Both answer ping, and the gateway has read its (paper) broker; and
    //  tradectl says so too.
    ck_assert_int_eq (
        tw_fixture_wait_pong (s_base, FEED, feed_control, TW_MSG_PING, NULL, 0, WAIT_MS), 0);
    ck_assert_int_eq (
        tw_fixture_wait_pong (s_base, GATEWAY, rep, TW_MSG_STATUS, "reconciled", 1, WAIT_MS), 0);
    int status = -1;
    cJSON *feed_pong = s_tradectl ((const char *[]){"ping", "market-feed", NULL}, &status);
    ck_assert_int_eq (status, 0);
    ck_assert_str_eq (s_str (feed_pong, "service"), "market-feed");
    cJSON_Delete (feed_pong);
    cJSON *pong = s_tradectl ((const char *[]){"status", NULL}, &status);
    ck_assert_int_eq (status, 0);
    cJSON *reconciled = cJSON_GetObjectItemCaseSensitive (
        cJSON_GetObjectItemCaseSensitive (pong, "counters"), "reconciled");
    ck_assert (cJSON_IsNumber (reconciled) && reconciled->valueint == 1);
    cJSON_Delete (pong);

    //  The paper broker fills at the feed's last price: until its first tick
    //  has arrived an open is refused (order_rejected), so try again.
    const char *open[] = {"open", "NSE:SBIN-EQ", "--side", "long",   "--qty", "5",
                          "--sl", "1",           "--tp",   "100000", NULL};
    bool opened = false;
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
         !opened && tw_clock_mono_ms () < deadline;) {
        cJSON *ack = s_tradectl (open, &status);
        ck_assert_int_eq (status, 0);
        ck_assert_str_eq (s_str (ack, "status"), "accepted");
        ck_assert_str_eq (s_str (ack, "id"), POS_ID);
        cJSON_Delete (ack);
        for (int64_t settle = tw_clock_mono_ms () + 1000; !opened && tw_clock_mono_ms () < settle;
             s_pause ())
            opened = s_positions () == 1;
    }
    ck_assert_msg (opened, "no position opened; logs in %s", tw_fixture_dir (s_base));
    cJSON *snapshot = s_tradectl ((const char *[]){"positions", NULL}, &status);
    cJSON *pos = cJSON_GetArrayItem (cJSON_GetObjectItemCaseSensitive (snapshot, "positions"), 0);
    ck_assert_str_eq (s_str (pos, "side"), "long");
    ck_assert_double_gt (cJSON_GetObjectItemCaseSensitive (pos, "entry_price")->valuedouble, 0);
    cJSON_Delete (snapshot);

    cJSON *ack =
        s_tradectl ((const char *[]){"close", POS_ID, "--reason", "TP Hit", NULL}, &status);
    ck_assert_int_eq (status, 0);
    ck_assert_str_eq (s_str (ack, "status"), "accepted");
    cJSON_Delete (ack);
    bool closed = false;
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
         !closed && tw_clock_mono_ms () < deadline; s_pause ())
        closed = s_positions () == 0;
    ck_assert (closed);
    ck_assert (tw_file_wait_contains (tw_fixture_log (s_base, GATEWAY),
                                      "exit closed id=" POS_ID " reason=\"TP Hit\" attempts=1",
                                      WAIT_MS));
    //  Closing it again: already flat, a duplicate, success.
    ack = s_tradectl ((const char *[]){"close", POS_ID, NULL}, &status);
    ck_assert_int_eq (status, 0);
    ck_assert_str_eq (s_str (ack, "status"), "duplicate");
    cJSON_Delete (ack);

    ck_assert_int_eq (tw_fixture_stop (s_base, GATEWAY, SIGTERM, STOP_MS), 0);
    ck_assert_int_eq (tw_fixture_stop (s_base, FEED, SIGTERM, STOP_MS), 0);
    tw_fixture_destroy (&s_base);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("stack");
    TCase *tc = tcase_create ("paper");
    tcase_set_timeout (tc, 60);
    tcase_add_test (tc, test_open_and_close_with_tradectl);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
