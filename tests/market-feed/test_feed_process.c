//  Real-process tests of market-feed: the binary (MF_BINARY, set by meson)
//  runs as a child on loopback ports found free by the test, configured
//  through the environment. A SUB checks the ticks, a REQ pings the control
//  endpoint, SIGTERM must stop it with exit 0 within 2 s, and bad sources
//  must fail at start with a non-zero exit and a clear error line.
//
//  Every wait is bounded; nothing sleeps to synchronise.

#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_client.h"
#include "tw_clock.h"
#include "tw_cmd.h"
#include "tw_fixture.h"
#include "tw_log.h"
#include "tw_proc.h"
#include "tw_proto.h"
#include "tw_sock.h"

#define ERR_MAX 512
#define PATH_MAX_LEN 512
#define LOG_MAX 65536
//  "TW_FEED_REPLAY_FILE=" and a path from s_path.
#define FILE_ENV_MAX (PATH_MAX_LEN * 2)
//  Every wait for the child is bounded by this.
#define WAIT_MS 10000
//  docs/design.md §5: SIGTERM -> exit 0 within 2 s.
#define STOP_MS 2000
//  The control client's patience per attempt, and its attempts.
#define PING_TIMEOUT_MS 2000
#define PING_ATTEMPTS 3
#define TICK_GRID 20.0
#define GRID_EPSILON 1e-9
//  Each test's limit, in seconds.
#define TEST_TIMEOUT_S 30

static tw_fixture_t *s_base;
static const char *s_pub;
static const char *s_control;

static void
s_setup (void)
{
    tw_log_init ("test");
    s_base = tw_fixture_new ("feed-process");
    ck_assert_ptr_nonnull (s_base);
    s_pub = tw_fixture_endpoint (s_base, "TW_ENDPOINTS_FEED_PUB");
    s_control = tw_fixture_endpoint (s_base, "TW_ENDPOINTS_FEED_CONTROL");
    ck_assert (s_pub && s_control);
}

static void
s_teardown (void)
{
    tw_fixture_destroy (&s_base);
}

static const char *
s_path (const char *name)
{
    static char path[PATH_MAX_LEN + 64];
    snprintf (path, sizeof path, "%s/%s", tw_fixture_dir (s_base), name);
    return path;
}

static const char *
s_write (const char *name, const char *text)
{
    const char *path = s_path (name);
    FILE *file = fopen (path, "w");
    ck_assert_ptr_nonnull (file);
    ck_assert_int_ge (fputs (text, file), 0);
    ck_assert_int_eq (fclose (file), 0);
    return path;
}

//  One run of market-feed: a service of the fixture, a name (and so a log)
//  of its own.
typedef struct {
    char name[32];
} s_child_t;

//  Starts market-feed with the endpoints of this test and the given
//  "NAME=value" settings, in the test directory (so that no
//  deploy/config/tradewire.ini is read).
static s_child_t
s_start (const char *const *env)
{
    static int starts = 0;
    const char *binary = getenv ("MF_BINARY");
    ck_assert_msg (binary != NULL, "MF_BINARY is not set (run this test through meson)");
    s_child_t child;
    snprintf (child.name, sizeof child.name, "market-feed-%d", ++starts);
    ck_assert_int_eq (tw_fixture_start (s_base, child.name, binary, env), 0);
    return child;
}

//  SIGTERM, then the exit must be clean and quick.
static void
s_stop (s_child_t *child)
{
    int64_t start = tw_clock_mono_ms ();
    int status = tw_fixture_stop (s_base, child->name, SIGTERM, STOP_MS);
    ck_assert_msg (status == 0, "market-feed stopped with status %d (-1: not within %d ms)", status,
                   STOP_MS);
    ck_assert_int_lt (tw_clock_mono_ms () - start, STOP_MS);
}

static const char *
s_log (const s_child_t *child)
{
    static char text[LOG_MAX];
    FILE *file = fopen (tw_fixture_log (s_base, child->name), "r");
    ck_assert_ptr_nonnull (file);
    size_t len = fread (text, 1, sizeof text - 1, file);
    text[len] = 0;
    fclose (file);
    return text;
}

static int
s_count (const char *text, const char *needle)
{
    int count = 0;
    for (const char *p = strstr (text, needle); p; p = strstr (p + 1, needle))
        count++;
    return count;
}

//  The first ERROR line of a log, without its newline (static).
static const char *
s_first_error (const char *log)
{
    static char line[1024];
    const char *p = strstr (log, "Z ERROR ");
    ck_assert_msg (p != NULL, "no ERROR line in:\n%s", log);
    //  The level follows the line's timestamp (docs/design.md §8.5).
    p += 2;
    size_t len = strcspn (p, "\n");
    snprintf (line, sizeof line, "%.*s", (int) len, p);
    return line;
}

//  Pings the control endpoint and returns the pong.
static tw_msg_t
s_ping (void)
{
    tw_msg_t pong;
    ck_assert_int_eq (tw_cmd_ask (s_control, TW_MSG_PING, PING_TIMEOUT_MS, PING_ATTEMPTS, &pong),
                      0);
    ck_assert_int_eq (pong.type, TW_MSG_PONG);
    ck_assert_str_eq (pong.u.pong.service, "market-feed");
    return pong;
}

static int64_t
s_counter (const tw_msg_t *pong, const char *name)
{
    int64_t value = tw_cmd_pong_counter (pong, name);
    ck_assert_msg (value >= 0, "pong has no counter '%s'", name);
    return value;
}

//  Receives one tick within the SUB's receive timeout.
static void
s_recv_tick (zsock_t *sub, tw_tick_t *tick)
{
    tw_msg_t msg;
    memset (&msg, 0, sizeof msg);
    char err[ERR_MAX] = "";
    ck_assert_msg (tw_sock_recv (sub, &msg, err, sizeof err) == 0, "no tick: %s", err);
    ck_assert_int_eq (msg.type, TW_MSG_TICK);
    ck_assert_int_gt (msg.ts, 0);
    *tick = msg.u.tick;
}

//  The replay file of the tests: four good rows, 10 ms apart, and one of
//  each kind of malformed row between them (lines 4, 5, 6, 7, 8).
static const char *s_csv = "ts_ms,symbol,ltp,bid,ask,volume\n"
                           "1700000000000,NSE:SBIN-EQ,600.05,600,600.1,100\n"
                           "1700000000010,NSE:INFY-EQ,1500.5,,,\n"
                           "1700000000020,NSE:SBIN-EQ,abc,1,2,3\n"
                           "1700000000030,NSE:SBIN-EQ,600.10,600.05,600.15\n"
                           "1700000000005,NSE:SBIN-EQ,600.2,600.15,600.25,110\n"
                           "1700000000040,NSE:SBIN-EQ,-1,,,\n"
                           "1700000000050,NSE:THIS-SYMBOL-IS-FAR-TOO-LONG-FOR-A-FYERS-NAME,10,,,\n"
                           "1700000000060,NSE:RELIANCE-EQ,2400.25,2400.2,2400.3,50\n"
                           "1700000000070,NSE:SBIN-EQ,600.15,600.1,600.2,150\n";
#define CSV_GOOD_ROWS 4
#define CSV_BAD_ROWS 5

static const tw_tick_t s_expected[CSV_GOOD_ROWS] = {
    {"NSE:SBIN-EQ", 600.05, 600, 600.1, 100, TW_SOURCE_REPLAY},
    {"NSE:INFY-EQ", 1500.5, 0, 0, 0, TW_SOURCE_REPLAY},
    {"NSE:RELIANCE-EQ", 2400.25, 2400.2, 2400.3, 50, TW_SOURCE_REPLAY},
    {"NSE:SBIN-EQ", 600.15, 600.1, 600.2, 150, TW_SOURCE_REPLAY},
};

static void
s_assert_tick (const tw_tick_t *tick, const tw_tick_t *expected)
{
    ck_assert_str_eq (tick->symbol, expected->symbol);
    ck_assert_double_eq (tick->ltp, expected->ltp);
    ck_assert_double_eq (tick->bid, expected->bid);
    ck_assert_double_eq (tick->ask, expected->ask);
    ck_assert_int_eq (tick->volume, expected->volume);
    ck_assert_int_eq (tick->source, expected->source);
}

START_TEST (test_replay_loop)
{
    //  Slow joiner: a looping replay, so the SUB may join at any time; the
    //  test waits for the first row of a pass and checks the whole pass.
    const char *csv = s_write ("ticks.csv", s_csv);
    char file_env[FILE_ENV_MAX];
    snprintf (file_env, sizeof file_env, "TW_FEED_REPLAY_FILE=%s", csv);
    const char *env[] = {"TW_FEED_SOURCE=replay", file_env, "TW_FEED_REPLAY_SPEED=2.0",
                         "TW_FEED_REPLAY_LOOP=true", NULL};
    zsock_t *sub = tw_sock_sub_new (s_pub, "tick.");
    ck_assert_ptr_nonnull (sub);
    zsock_set_rcvtimeo (sub, WAIT_MS);
    s_child_t child = s_start (env);

    tw_tick_t tick;
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    do {
        ck_assert_msg (tw_clock_mono_ms () < deadline, "no first row within %d ms", WAIT_MS);
        s_recv_tick (sub, &tick);
    } while (strcmp (tick.symbol, s_expected[0].symbol) != 0 || tick.ltp != s_expected[0].ltp);
    s_assert_tick (&tick, &s_expected[0]);
    //  The rest of the pass in order, malformed rows left out, then the
    //  first row again: the replay loops.
    for (int i = 1; i < CSV_GOOD_ROWS; i++) {
        s_recv_tick (sub, &tick);
        s_assert_tick (&tick, &s_expected[i]);
    }
    s_recv_tick (sub, &tick);
    s_assert_tick (&tick, &s_expected[0]);

    tw_msg_t pong = s_ping ();
    ck_assert_int_ge (s_counter (&pong, "ticks_published"), CSV_GOOD_ROWS + 1);
    ck_assert_int_ge (s_counter (&pong, "rows_skipped"), CSV_BAD_ROWS);
    ck_assert_int_eq (s_counter (&pong, "symbols"), 3);
    zsock_destroy (&sub);
    s_stop (&child);

    //  Each malformed row was reported once, with file:line, though every
    //  pass skipped it.
    const char *log = s_log (&child);
    ck_assert_int_eq (s_count (log, "WARN market-feed replay skipping"), CSV_BAD_ROWS);
    for (int line = 4; line <= 8; line++) {
        char where[PATH_MAX_LEN + 96];
        snprintf (where, sizeof where, "replay skipping %s:%d: ", csv, line);
        ck_assert_msg (s_count (log, where) == 1, "no warning '%s' in:\n%s", where, log);
    }
    ck_assert_int_eq (s_count (log, "ERROR"), 0);
}
END_TEST

START_TEST (test_replay_fast_once)
{
    //  replay_speed 0: as fast as possible, once. Nobody may be subscribed
    //  yet, so the counters tell what was published.
    const char *csv = s_write ("ticks.csv", s_csv);
    char file_env[FILE_ENV_MAX];
    snprintf (file_env, sizeof file_env, "TW_FEED_REPLAY_FILE=%s", csv);
    const char *env[] = {"TW_FEED_SOURCE=replay", file_env, "TW_FEED_REPLAY_SPEED=0", NULL};
    s_child_t child = s_start (env);
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    tw_msg_t pong = s_ping ();
    while (s_counter (&pong, "ticks_published") < CSV_GOOD_ROWS) {
        ck_assert_msg (tw_clock_mono_ms () < deadline, "the replay did not finish");
        pong = s_ping ();
    }
    ck_assert_int_eq (s_counter (&pong, "ticks_published"), CSV_GOOD_ROWS);
    ck_assert_int_eq (s_counter (&pong, "rows_skipped"), CSV_BAD_ROWS);
    ck_assert_int_eq (s_counter (&pong, "symbols"), 3);
    //  Finished, it stays up and keeps answering.
    pong = s_ping ();
    ck_assert_int_eq (s_counter (&pong, "ticks_published"), CSV_GOOD_ROWS);
    ck_assert_int_ge (pong.u.pong.uptime_ms, 0);
    s_stop (&child);
    ck_assert_ptr_nonnull (strstr (s_log (&child), "replay finished"));
}
END_TEST

START_TEST (test_synthetic)
{
    //  Against a live broker the feed still publishes, and warns.
    const char *env[] = {"TW_FEED_SOURCE=synthetic",   "TW_FEED_SYMBOLS=NSE:A-EQ,NSE:B-EQ",
                         "TW_FEED_TICK_INTERVAL_MS=5", "TW_FEED_SEED=7",
                         "TW_GATEWAY_BROKER=fyers",    NULL};
    zsock_t *sub = tw_sock_sub_new (s_pub, "tick.");
    ck_assert_ptr_nonnull (sub);
    zsock_set_rcvtimeo (sub, WAIT_MS);
    s_child_t child = s_start (env);
    //  Both symbols arrive, on the grid, near their start prices.
    bool seen[2] = {false, false};
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    while (!seen[0] || !seen[1]) {
        ck_assert_msg (tw_clock_mono_ms () < deadline, "not both symbols within %d ms", WAIT_MS);
        tw_tick_t tick;
        s_recv_tick (sub, &tick);
        int i = strcmp (tick.symbol, "NSE:A-EQ") == 0 ? 0 : 1;
        if (i == 1)
            ck_assert_str_eq (tick.symbol, "NSE:B-EQ");
        seen[i] = true;
        double ticks = tick.ltp * TICK_GRID;
        ck_assert_msg (fabs (ticks - round (ticks)) < GRID_EPSILON, "ltp %.17g", tick.ltp);
        ck_assert (tick.bid < tick.ltp && tick.ltp < tick.ask);
        ck_assert (tick.ltp > 0 && tick.volume > 0);
        ck_assert_int_eq (tick.source, TW_SOURCE_SYNTHETIC);
    }
    tw_msg_t pong = s_ping ();
    ck_assert_int_eq (s_counter (&pong, "symbols"), 2);
    ck_assert_int_gt (s_counter (&pong, "ticks_published"), 0);
    ck_assert_int_eq (s_counter (&pong, "rows_skipped"), 0);
    zsock_destroy (&sub);
    s_stop (&child);
    ck_assert_ptr_nonnull (strstr (
        s_log (&child), "WARN market-feed publishing synthetic ticks while [gateway] broker"));
}
END_TEST

//  Starts market-feed with env and expects it to fail at start: exit code
//  want and an ERROR line that contains expected. Returns that line.
static const char *
s_fails_with (const char *const *env, int want, const char *expected)
{
    s_child_t child = s_start (env);
    int status = tw_fixture_stop (s_base, child.name, 0, WAIT_MS);
    ck_assert_msg (status == want, "market-feed ended with %d (-1: not within %d ms), not %d",
                   status, WAIT_MS, want);
    const char *line = s_first_error (s_log (&child));
    ck_assert_msg (strstr (line, expected) != NULL, "'%s' lacks '%s'", line, expected);
    return line;
}

//  As s_fails_with, exit 1: a start failure.
static const char *
s_fails (const char *const *env, const char *expected)
{
    return s_fails_with (env, 1, expected);
}

START_TEST (test_missing_file)
{
    const char *missing = s_path ("missing.csv");
    char file_env[FILE_ENV_MAX];
    snprintf (file_env, sizeof file_env, "TW_FEED_REPLAY_FILE=%s", missing);
    const char *env[] = {"TW_FEED_SOURCE=replay", file_env, NULL};
    const char *line = s_fails (env, "cannot be opened: No such file or directory");
    ck_assert_ptr_nonnull (strstr (line, missing));
}
END_TEST

START_TEST (test_bad_header)
{
    const char *csv = s_write ("bad.csv", "ts_ms,symbol,price\n1,NSE:A-EQ,1\n");
    char file_env[FILE_ENV_MAX];
    snprintf (file_env, sizeof file_env, "TW_FEED_REPLAY_FILE=%s", csv);
    const char *env[] = {"TW_FEED_SOURCE=replay", file_env, NULL};
    const char *line = s_fails (env, "header: unknown column 'price'");
    ck_assert_ptr_nonnull (strstr (line, csv));
    const char *none[] = {"TW_FEED_SOURCE=replay", NULL};
    s_fails (none, "replay needs a file: set [feed] replay_file");
}
END_TEST

//  The fyers source needs the account's secrets, from the environment only.
START_TEST (test_fyers_without_secrets)
{
    const char *env[] = {"TW_FEED_SOURCE=fyers", NULL};
    //  A missing secret is a configuration error: exit 2.
    s_fails_with (env, 2, "set FYERS_APP_ID and FYERS_ACCESS_TOKEN in the environment");
}
END_TEST

START_TEST (test_bad_synthetic_parameters)
{
    const char *volatile_env[] = {"TW_FEED_VOLATILITY=0.5", NULL};
    s_fails (volatile_env, "volatility must be in 0..0.1");
    const char *price_env[] = {"TW_FEED_START_PRICE=-100", NULL};
    s_fails (price_env, "start_price must be a positive number");
    const char *speed_env[] = {"TW_FEED_SOURCE=replay", "TW_FEED_REPLAY_SPEED=-1", NULL};
    s_fails (speed_env, "replay_speed must be a number >= 0");
}
END_TEST

int
main (void)
{
    //  A child that dies must not take the test with it through SIGPIPE.
    signal (SIGPIPE, SIG_IGN);
    Suite *suite = suite_create ("market-feed");
    TCase *tc = tcase_create ("process");
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_set_timeout (tc, TEST_TIMEOUT_S);
    tcase_add_test (tc, test_replay_loop);
    tcase_add_test (tc, test_replay_fast_once);
    tcase_add_test (tc, test_synthetic);
    tcase_add_test (tc, test_missing_file);
    tcase_add_test (tc, test_bad_header);
    tcase_add_test (tc, test_fyers_without_secrets);
    tcase_add_test (tc, test_bad_synthetic_parameters);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
