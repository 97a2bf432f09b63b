//  Unit tests for gw_ratelimit, on a simulated clock: the window invariants
//  over many sends, and the blocking after a 429.

#include <check.h>
#include <stdlib.h>

#include "gw_ratelimit.h"

#define T_PER_SEC 8
#define T_PER_MIN 150
#define T_SENDS 5000

//  Sends as fast as the limiter allows, with the clock jumping straight to
//  the time it names (plus jitter), and records every send time.
static int64_t *
s_send_greedily (gw_ratelimit_t *limiter, int sends, unsigned seed)
{
    int64_t *times = (int64_t *) calloc ((size_t) sends, sizeof *times);
    ck_assert_ptr_nonnull (times);
    int64_t now = 1000;
    srand (seed);
    for (int i = 0; i < sends; i++) {
        int64_t wait;
        while ((wait = gw_ratelimit_wait_ms (limiter, now)) > 0)
            now += wait;
        gw_ratelimit_take (limiter, now);
        times[i] = now;
        //  Sometimes several sends in the same millisecond, sometimes a pause.
        now += rand () % 3 == 0 ? 0 : rand () % 40;
    }
    return times;
}

//  Asserts that no window of window_ms holds more than limit sends.
static void
s_assert_window (const int64_t *times, int sends, int limit, int64_t window_ms)
{
    for (int i = 0; i + limit < sends; i++)
        ck_assert_msg (times[i + limit] - times[i] >= window_ms,
                       "sends %d and %d are %lld ms apart (window %lld, limit %d)", i, i + limit,
                       (long long) (times[i + limit] - times[i]), (long long) window_ms, limit);
}

START_TEST (test_windows_hold)
{
    gw_ratelimit_t *limiter = gw_ratelimit_new (T_PER_SEC, T_PER_MIN);
    ck_assert_ptr_nonnull (limiter);
    int64_t *times = s_send_greedily (limiter, T_SENDS, 42);
    s_assert_window (times, T_SENDS, T_PER_SEC, GW_RATELIMIT_SECOND_MS);
    s_assert_window (times, T_SENDS, T_PER_MIN, GW_RATELIMIT_MINUTE_MS);
    //  Greedy sending reaches the minute limit, not less: 150 sends in the
    //  first minute, and over the whole run the average rate of the minute.
    int first_minute = 0;
    while (first_minute < T_SENDS && times[first_minute] < times[0] + GW_RATELIMIT_MINUTE_MS)
        first_minute++;
    ck_assert_int_eq (first_minute, T_PER_MIN);
    int64_t span = times[T_SENDS - 1] - times[0];
    ck_assert_int_le (span, (int64_t) (T_SENDS / T_PER_MIN + 1) * GW_RATELIMIT_MINUTE_MS);
    free (times);
    gw_ratelimit_destroy (&limiter);
    ck_assert_ptr_null (limiter);
    gw_ratelimit_destroy (&limiter);
}
END_TEST

START_TEST (test_second_window_exact)
{
    //  A per-minute limit that does not bind: only the second window matters.
    gw_ratelimit_t *limiter = gw_ratelimit_new (T_PER_SEC, 200);
    int64_t now = 5000;
    for (int i = 0; i < T_PER_SEC; i++) {
        ck_assert_int_eq (gw_ratelimit_wait_ms (limiter, now), 0);
        gw_ratelimit_take (limiter, now);
    }
    //  The ninth waits exactly until the first is a second old.
    ck_assert_int_eq (gw_ratelimit_wait_ms (limiter, now), GW_RATELIMIT_SECOND_MS);
    ck_assert_int_eq (gw_ratelimit_wait_ms (limiter, now + 999), 1);
    ck_assert_int_eq (gw_ratelimit_wait_ms (limiter, now + 1000), 0);
    gw_ratelimit_destroy (&limiter);
}
END_TEST

START_TEST (test_many_seeds_many_limits)
{
    int limits[][2] = {{1, 1}, {1, 60}, {3, 7}, {8, 150}, {10, 200}, {10, 5}};
    for (size_t l = 0; l < sizeof limits / sizeof *limits; l++)
        for (unsigned seed = 1; seed <= 5; seed++) {
            gw_ratelimit_t *limiter = gw_ratelimit_new (limits[l][0], limits[l][1]);
            int sends = 1000;
            int64_t *times = s_send_greedily (limiter, sends, seed);
            s_assert_window (times, sends, limits[l][0], GW_RATELIMIT_SECOND_MS);
            s_assert_window (times, sends, limits[l][1], GW_RATELIMIT_MINUTE_MS);
            free (times);
            gw_ratelimit_destroy (&limiter);
        }
}
END_TEST

START_TEST (test_invalid_limits)
{
    ck_assert_ptr_null (gw_ratelimit_new (0, 150));
    ck_assert_ptr_null (gw_ratelimit_new (8, 0));
    ck_assert_ptr_null (gw_ratelimit_new (-1, -1));
}
END_TEST

START_TEST (test_429_with_ms)
{
    gw_ratelimit_t *limiter = gw_ratelimit_new (T_PER_SEC, T_PER_MIN);
    int64_t now = 10000;
    gw_ratelimit_take (limiter, now);
    ck_assert_int_eq (gw_ratelimit_on_429 (limiter, now, 1500), 1500);
    ck_assert_int_eq (gw_ratelimit_wait_ms (limiter, now), 1500);
    ck_assert_int_eq (gw_ratelimit_wait_ms (limiter, now + 1499), 1);
    ck_assert_int_eq (gw_ratelimit_wait_ms (limiter, now + 1500), 0);
    ck_assert_int_eq (gw_ratelimit_blocked_until (limiter), now + 1500);
    //  A shorter wait later does not shorten the block.
    gw_ratelimit_on_429 (limiter, now + 100, 200);
    ck_assert_int_eq (gw_ratelimit_blocked_until (limiter), now + 1500);
    gw_ratelimit_destroy (&limiter);
}
END_TEST

START_TEST (test_429_with_seconds)
{
    //  What Retry-After: 3 becomes once converted by the broker.
    gw_ratelimit_t *limiter = gw_ratelimit_new (T_PER_SEC, T_PER_MIN);
    int64_t now = 20000;
    gw_ratelimit_on_429 (limiter, now, 3 * 1000);
    ck_assert_int_eq (gw_ratelimit_wait_ms (limiter, now + 1000), 2000);
    ck_assert_int_eq (gw_ratelimit_wait_ms (limiter, now + 3000), 0);
    //  An absurd wait is capped.
    gw_ratelimit_on_429 (limiter, now, INT64_C (1) << 50);
    ck_assert_int_eq (gw_ratelimit_blocked_until (limiter), now + GW_RATELIMIT_BLOCK_MAX_MS);
    gw_ratelimit_destroy (&limiter);
}
END_TEST

START_TEST (test_429_fallback_backoff)
{
    gw_ratelimit_t *limiter = gw_ratelimit_new (T_PER_SEC, T_PER_MIN);
    int64_t now = 30000;
    int64_t expected[] = {1000, 2000, 4000, 4000, 4000};
    for (size_t i = 0; i < sizeof expected / sizeof *expected; i++) {
        ck_assert_int_eq (gw_ratelimit_on_429 (limiter, now, 0), expected[i]);
        ck_assert_int_eq (gw_ratelimit_wait_ms (limiter, now), expected[i]);
        now += expected[i];
        ck_assert_int_eq (gw_ratelimit_wait_ms (limiter, now), 0);
    }
    //  A reply that is not a 429 ends the streak.
    gw_ratelimit_on_reply (limiter);
    ck_assert_int_eq (gw_ratelimit_on_429 (limiter, now, 0), 1000);
    //  A 429 that names its wait still counts in the streak.
    now += 1000;
    ck_assert_int_eq (gw_ratelimit_on_429 (limiter, now, 300), 300);
    now += 300;
    ck_assert_int_eq (gw_ratelimit_on_429 (limiter, now, 0), 4000);
    gw_ratelimit_destroy (&limiter);
}
END_TEST

START_TEST (test_block_and_windows_combine)
{
    gw_ratelimit_t *limiter = gw_ratelimit_new (2, 3);
    int64_t now = 0;
    gw_ratelimit_take (limiter, now);
    gw_ratelimit_take (limiter, now);
    //  Second window: 1000 ms; a 429 for 500 ms does not shorten it.
    gw_ratelimit_on_429 (limiter, now, 500);
    ck_assert_int_eq (gw_ratelimit_wait_ms (limiter, now), 1000);
    now = 1000;
    gw_ratelimit_take (limiter, now);
    //  Third send used the minute's three: the next waits for the first to
    //  be a minute old.
    ck_assert_int_eq (gw_ratelimit_wait_ms (limiter, now), GW_RATELIMIT_MINUTE_MS - 1000);
    gw_ratelimit_destroy (&limiter);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("gw_ratelimit");
    TCase *tc = tcase_create ("core");
    tcase_add_test (tc, test_windows_hold);
    tcase_add_test (tc, test_second_window_exact);
    tcase_add_test (tc, test_many_seeds_many_limits);
    tcase_add_test (tc, test_invalid_limits);
    tcase_add_test (tc, test_429_with_ms);
    tcase_add_test (tc, test_429_with_seconds);
    tcase_add_test (tc, test_429_fallback_backoff);
    tcase_add_test (tc, test_block_and_windows_combine);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
