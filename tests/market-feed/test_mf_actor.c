//  In-process tests of the market-feed actor over inproc:// endpoints: a
//  replay at full speed publishes the good rows and counts the bad ones
//  (seen through ping), a synthetic feed delivers ticks to a subscriber,
//  $TERM stops the actor, and a source that cannot start ends the actor at
//  once.

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mf_actor.h"
#include "tw_client.h"
#include "tw_clock.h"
#include "tw_config.h"
#include "tw_log.h"
#include "tw_service.h"
#include "tw_sock.h"

#define ERR_MAX 512
#define PATH_MAX_LEN 512
//  Every wait in these tests is bounded by this.
#define WAIT_MS 5000
#define PING_ATTEMPTS 1
#define PUB_ENDPOINT "inproc://feed-pub"
#define CONTROL_ENDPOINT "inproc://feed-control"
#define SERVICE "market-feed"

static char s_dir[PATH_MAX_LEN];
static char s_origin[PATH_MAX_LEN];

static void
s_setup (void)
{
    tw_log_init ("unit");
    //  In an empty directory, so that no deploy/config/tradewire.ini is read.
    ck_assert_ptr_nonnull (getcwd (s_origin, sizeof s_origin));
    snprintf (s_dir, sizeof s_dir, "%s", "/tmp/tw-feed-actor-XXXXXX");
    ck_assert_ptr_nonnull (mkdtemp (s_dir));
    ck_assert_int_eq (chdir (s_dir), 0);
    setenv ("TW_ENDPOINTS_FEED_PUB", PUB_ENDPOINT, 1);
    setenv ("TW_ENDPOINTS_FEED_CONTROL", CONTROL_ENDPOINT, 1);
}

static void
s_teardown (void)
{
    ck_assert_int_eq (chdir (s_origin), 0);
    char command[PATH_MAX_LEN + 16];
    snprintf (command, sizeof command, "rm -rf %s", s_dir);
    ck_assert_int_eq (system (command), 0);
}

//  The actor, its service context and its configuration.
typedef struct {
    tw_config_t *config;
    tw_service_t *service;
    zactor_t *actor;
} s_feed_t;

static s_feed_t
s_feed_start (void)
{
    s_feed_t feed;
    char err[ERR_MAX] = "";
    feed.config = tw_config_load (NULL, err, sizeof err);
    ck_assert_msg (feed.config != NULL, "config: %s", err);
    feed.service = tw_service_new (SERVICE, feed.config);
    ck_assert_ptr_nonnull (feed.service);
    feed.actor = zactor_new (mf_actor, feed.service);
    ck_assert_ptr_nonnull (feed.actor);
    return feed;
}

static void
s_feed_stop (s_feed_t *feed)
{
    int64_t start = tw_clock_mono_ms ();
    zactor_destroy (&feed->actor);
    ck_assert_int_lt (tw_clock_mono_ms () - start, WAIT_MS);
    tw_service_destroy (&feed->service);
    tw_config_destroy (&feed->config);
}

static int64_t
s_counter (const tw_msg_t *pong, const char *name)
{
    for (size_t i = 0; i < pong->u.pong.counter_count; i++)
        if (strcmp (pong->u.pong.counters[i].name, name) == 0)
            return pong->u.pong.counters[i].value;
    ck_abort_msg ("pong has no counter '%s'", name);
    return -1;
}

static tw_msg_t
s_ping (void)
{
    tw_client_t *client = tw_client_new (CONTROL_ENDPOINT, WAIT_MS, PING_ATTEMPTS);
    ck_assert_ptr_nonnull (client);
    tw_msg_t ping, pong;
    tw_msg_init (&ping, TW_MSG_PING);
    memset (&pong, 0, sizeof pong);
    char err[ERR_MAX] = "";
    ck_assert_msg (tw_client_request (client, &ping, &pong, err, sizeof err) == 0, "ping: %s", err);
    tw_client_destroy (&client);
    ck_assert_int_eq (pong.type, TW_MSG_PONG);
    ck_assert_str_eq (pong.u.pong.service, SERVICE);
    return pong;
}

START_TEST (test_replay_counts)
{
    FILE *file = fopen ("ticks.csv", "w");
    ck_assert_ptr_nonnull (file);
    fputs ("symbol,ts_ms,ltp\n"
           "NSE:A-EQ,1000,10.5\n"
           "NSE:B-EQ,1001,zero\n"
           "NSE:B-EQ,1002,20.25\n"
           "NSE:A-EQ,999,10.55\n"
           "NSE:A-EQ,3000000,10.6\n",
           file);
    fclose (file);
    setenv ("TW_FEED_SOURCE", "replay", 1);
    setenv ("TW_FEED_REPLAY_FILE", "ticks.csv", 1);
    setenv ("TW_FEED_REPLAY_SPEED", "0", 1);
    s_feed_t feed = s_feed_start ();
    //  At full speed the 50-minute gap in the file takes no time.
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    tw_msg_t pong = s_ping ();
    while (s_counter (&pong, "ticks_published") < 3) {
        ck_assert_msg (tw_clock_mono_ms () < deadline, "the replay did not finish");
        pong = s_ping ();
    }
    ck_assert_int_eq (s_counter (&pong, "ticks_published"), 3);
    ck_assert_int_eq (s_counter (&pong, "rows_skipped"), 2);
    ck_assert_int_eq (s_counter (&pong, "symbols"), 2);
    s_feed_stop (&feed);
}
END_TEST

START_TEST (test_synthetic_ticks)
{
    setenv ("TW_FEED_SOURCE", "synthetic", 1);
    setenv ("TW_FEED_TICK_INTERVAL_MS", "1", 1);
    setenv ("TW_FEED_SYMBOLS", "NSE:SBIN-EQ", 1);
    zsock_t *sub = tw_sock_sub_new (PUB_ENDPOINT, "tick.NSE:SBIN-EQ");
    ck_assert_ptr_nonnull (sub);
    zsock_set_rcvtimeo (sub, WAIT_MS);
    s_feed_t feed = s_feed_start ();
    int64_t last_volume = 0;
    for (int i = 0; i < 10; i++) {
        tw_msg_t msg;
        memset (&msg, 0, sizeof msg);
        char err[ERR_MAX] = "";
        ck_assert_msg (tw_sock_recv (sub, &msg, err, sizeof err) == 0, "no tick: %s", err);
        ck_assert_int_eq (msg.type, TW_MSG_TICK);
        ck_assert_str_eq (msg.u.tick.symbol, "NSE:SBIN-EQ");
        ck_assert (msg.u.tick.ltp > 0);
        ck_assert_int_gt (msg.u.tick.volume, last_volume);
        ck_assert_int_eq (msg.u.tick.source, TW_SOURCE_SYNTHETIC);
        last_volume = msg.u.tick.volume;
    }
    tw_msg_t pong = s_ping ();
    ck_assert_int_eq (s_counter (&pong, "symbols"), 1);
    ck_assert_int_ge (s_counter (&pong, "ticks_published"), 10);
    ck_assert_int_eq (s_counter (&pong, "rows_skipped"), 0);
    zsock_destroy (&sub);
    s_feed_stop (&feed);
}
END_TEST

START_TEST (test_failed_start)
{
    //  zactor_new takes the actor's failure signal; the actor has then
    //  ended, and its thread signals the pipe once more.
    const char *sources[] = {"fyers", "replay"};
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
        setenv ("TW_FEED_SOURCE", sources[i], 1);
        setenv ("TW_FEED_REPLAY_FILE", "missing.csv", 1);
        s_feed_t feed = s_feed_start ();
        zsock_set_rcvtimeo (zactor_sock (feed.actor), WAIT_MS);
        ck_assert_int_eq (zsock_wait (feed.actor), 0);
        zsock_set_rcvtimeo (zactor_sock (feed.actor), 0);
        s_feed_stop (&feed);
    }
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("mf_actor");
    TCase *tc = tcase_create ("inproc");
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, test_replay_counts);
    tcase_add_test (tc, test_synthetic_ticks);
    tcase_add_test (tc, test_failed_start);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
