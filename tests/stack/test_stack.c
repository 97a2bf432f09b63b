//  Integration test of the stack as a person runs it: the real market-feed
//  (synthetic prices), the real order-gateway on the paper broker, and the
//  real tradectl, all over loopback on ports picked at run time.

#include <check.h>
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "tw_proc.h"

#define WAIT_MS 10000
#define STOP_MS 3000
#define POLL_MS 50
#define OUTPUT_MAX 65536
#define POS_ID "NSE:SBIN-EQ-INTRADAY"

static long long
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
s_pause (void)
{
    struct timespec ts = {0, POLL_MS * 1000000L};
    nanosleep (&ts, NULL); //  pacing a bounded poll of an observable state
}

//  Runs tradectl --json with args; returns its JSON document (caller
//  deletes) and sets *status to its exit code.
static cJSON *
s_tradectl (const char *args, int *status)
{
    char command[512];
    snprintf (command, sizeof command, "%s --json %s", getenv ("TRADECTL"), args);
    FILE *pipe = popen (command, "r");
    ck_assert_ptr_nonnull (pipe);
    static char output[OUTPUT_MAX];
    size_t n = fread (output, 1, sizeof output - 1, pipe);
    output[n] = 0;
    int rc = pclose (pipe);
    *status = WIFEXITED (rc) ? WEXITSTATUS (rc) : -1;
    cJSON *doc = cJSON_Parse (output);
    ck_assert_msg (doc != NULL, "tradectl %s printed no JSON: %s", args, output);
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
    cJSON *doc = s_tradectl ("positions", &status);
    ck_assert_int_eq (status, 0);
    int count = cJSON_GetArraySize (cJSON_GetObjectItemCaseSensitive (doc, "positions"));
    cJSON_Delete (doc);
    return count;
}

START_TEST (test_open_and_close_with_tradectl)
{
    char dir[] = "/tmp/tw-stack-XXXXXX";
    ck_assert_ptr_nonnull (mkdtemp (dir));
    char log[128], value[64];
    snprintf (log, sizeof log, "%s/stack.log", dir);
    const char *keys[] = {"TW_ENDPOINTS_FEED_PUB", "TW_ENDPOINTS_FEED_CONTROL",
                          "TW_ENDPOINTS_GATEWAY_REP", "TW_ENDPOINTS_GATEWAY_PUB"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        snprintf (value, sizeof value, "tcp://127.0.0.1:%d", tw_free_port ());
        setenv (keys[i], value, 1);
    }
    setenv ("TW_GATEWAY_BROKER", "paper", 1);
    setenv ("TW_GATEWAY_DB", "gateway.db", 1);
    setenv ("TW_GATEWAY_PAPER_DB", "paper.db", 1);
    setenv ("TW_FEED_SOURCE", "synthetic", 1);
    setenv ("TW_FEED_TICK_INTERVAL_MS", "20", 1);
    setenv ("TW_CLIENT_TIMEOUT_MS", "1000", 1);

    const char *feed_argv[] = {"market-feed", NULL};
    const char *gateway_argv[] = {"order-gateway", NULL};
    tw_proc_t *feed = tw_proc_start (getenv ("MARKET_FEED"), feed_argv, NULL, dir, log);
    tw_proc_t *gateway = tw_proc_start (getenv ("GATEWAY"), gateway_argv, NULL, dir, log);
    ck_assert (feed && gateway);

    //  Both answer ping, and the gateway has read its (paper) broker.
    int status = -1;
    bool ready = false;
    for (long long deadline = s_now_ms () + WAIT_MS; !ready && s_now_ms () < deadline; s_pause ()) {
        cJSON *feed_pong = s_tradectl ("ping market-feed", &status);
        bool feed_up = status == 0 && strcmp (s_str (feed_pong, "service"), "market-feed") == 0;
        cJSON_Delete (feed_pong);
        cJSON *pong = s_tradectl ("status", &status);
        cJSON *reconciled = cJSON_GetObjectItemCaseSensitive (
            cJSON_GetObjectItemCaseSensitive (pong, "counters"), "reconciled");
        ready = feed_up && status == 0 && cJSON_IsNumber (reconciled) && reconciled->valueint == 1;
        cJSON_Delete (pong);
    }
    ck_assert_msg (ready, "stack not ready; log in %s", log);

    //  The paper broker fills at the feed's last price: until its first tick
    //  has arrived an open is refused (order_rejected), so try again.
    bool opened = false;
    for (long long deadline = s_now_ms () + WAIT_MS; !opened && s_now_ms () < deadline;) {
        cJSON *ack =
            s_tradectl ("open NSE:SBIN-EQ --side long --qty 5 --sl 1 --tp 100000", &status);
        ck_assert_int_eq (status, 0);
        ck_assert_str_eq (s_str (ack, "status"), "accepted");
        ck_assert_str_eq (s_str (ack, "id"), POS_ID);
        cJSON_Delete (ack);
        for (long long settle = s_now_ms () + 1000; !opened && s_now_ms () < settle; s_pause ())
            opened = s_positions () == 1;
    }
    ck_assert_msg (opened, "no position opened; log in %s", log);
    cJSON *snapshot = s_tradectl ("positions", &status);
    cJSON *pos = cJSON_GetArrayItem (cJSON_GetObjectItemCaseSensitive (snapshot, "positions"), 0);
    ck_assert_str_eq (s_str (pos, "side"), "long");
    ck_assert_double_gt (cJSON_GetObjectItemCaseSensitive (pos, "entry_price")->valuedouble, 0);
    cJSON_Delete (snapshot);

    cJSON *ack = s_tradectl ("close " POS_ID " --reason 'TP Hit'", &status);
    ck_assert_int_eq (status, 0);
    ck_assert_str_eq (s_str (ack, "status"), "accepted");
    cJSON_Delete (ack);
    bool closed = false;
    for (long long deadline = s_now_ms () + WAIT_MS; !closed && s_now_ms () < deadline; s_pause ())
        closed = s_positions () == 0;
    ck_assert (closed);
    ck_assert (tw_file_wait_contains (log, "exit closed id=" POS_ID " reason=\"TP Hit\" attempts=1",
                                      WAIT_MS));
    //  Closing it again: already flat, a duplicate, success.
    ack = s_tradectl ("close " POS_ID, &status);
    ck_assert_int_eq (status, 0);
    ck_assert_str_eq (s_str (ack, "status"), "duplicate");
    cJSON_Delete (ack);

    ck_assert_int_eq (tw_proc_stop (&gateway, SIGTERM, STOP_MS), 0);
    ck_assert_int_eq (tw_proc_stop (&feed, SIGTERM, STOP_MS), 0);
    char command[160];
    snprintf (command, sizeof command, "rm -rf %s", dir);
    ck_assert_int_eq (system (command), 0);
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
