//  Unit tests for tw_log: format, levels, rate limit, fingerprints.

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tw_log.h"
#include "tw_test_stamp.h"
#include "tw_why.h"

//  Runs fn with stderr redirected into buf.
static void
s_capture (void (*fn) (void), char *buf, size_t size)
{
    fflush (stderr);
    int saved = dup (STDERR_FILENO);
    FILE *tmp = tmpfile ();
    ck_assert_ptr_nonnull (tmp);
    dup2 (fileno (tmp), STDERR_FILENO);
    fn ();
    dup2 (saved, STDERR_FILENO);
    close (saved);
    rewind (tmp);
    size_t n = fread (buf, 1, size - 1, tmp);
    buf[n] = 0;
    fclose (tmp);
    ck_assert_msg (tw_test_strip_stamps (buf), "a line without a timestamp: %s", buf);
}

static void
s_log_lines (void)
{
    tw_log_init ("unit");
    tw_log_set_level (TW_LOG_INFO);
    tw_debug ("hidden key=1");
    tw_info ("shown key=%d", 2);
    tw_error ("multi\nline reason=\"x\"");
}

START_TEST (test_format_and_level)
{
    char out[512];
    s_capture (s_log_lines, out, sizeof out);
    ck_assert_str_eq (out, "INFO unit shown key=2\nERROR unit multi line reason=\"x\"\n");
}
END_TEST

static void
s_limited (void)
{
    tw_log_init ("unit");
    tw_log_limit_t limit = {.interval_ms = 60000};
    for (int i = 0; i < 5; i++)
        tw_log_limited (&limit, TW_LOG_WARN, "bad message n=%d", i);
    ck_assert_uint_eq (limit.total, 5);
    ck_assert_uint_eq (limit.suppressed, 4);
}

START_TEST (test_rate_limit)
{
    char out[512];
    s_capture (s_limited, out, sizeof out);
    ck_assert_str_eq (out, "WARN unit bad message n=0\n");
}
END_TEST

START_TEST (test_timestamp)
{
    char stamp[TW_LOG_STAMP_MAX];
    //  2026-12-01 07:34:03.123 UTC.
    tw_log_timestamp (INT64_C (1796110443123456789), stamp, sizeof stamp);
    ck_assert_str_eq (stamp, "2026-12-01T07:34:03.123Z");
    tw_log_timestamp (0, stamp, sizeof stamp);
    ck_assert_str_eq (stamp, "1970-01-01T00:00:00.000Z");
}
END_TEST

START_TEST (test_level_parse)
{
    ck_assert_int_eq (tw_log_level_parse ("debug"), TW_LOG_DEBUG);
    ck_assert_int_eq (tw_log_level_parse ("error"), TW_LOG_ERROR);
    ck_assert_int_eq (tw_log_level_parse ("loud"), -1);
    ck_assert_int_eq (tw_log_level_parse (NULL), -1);
}
END_TEST

START_TEST (test_fingerprint)
{
    char a[16], b[16], none[16];
    tw_log_fingerprint ("secret-token-1", a, sizeof a);
    tw_log_fingerprint ("secret-token-2", b, sizeof b);
    tw_log_fingerprint ("", none, sizeof none);
    ck_assert_uint_eq (strlen (a), 8);
    ck_assert_str_ne (a, b);
    ck_assert_ptr_null (strstr (a, "secret"));
    ck_assert_str_eq (none, "none");
}
END_TEST

//  tw_why: only a line with the marker is kept, from the marker on, without
//  its newline; taking it forgets it; another thread has its own.
static void *
s_why_elsewhere (void *arg)
{
    char buf[64];
    *(bool *) arg = tw_why_take (buf, sizeof buf);
    return NULL;
}

START_TEST (test_why)
{
    char buf[64];
    ck_assert (!tw_why_take (buf, sizeof buf));
    ck_assert_str_eq (buf, "");
    const char *noise = "lws: something else\n";
    tw_why_note (noise, strlen (noise), "SSL error");
    ck_assert (!tw_why_take (buf, sizeof buf));
    const char *line = "E: SSL error: unable to get local issuer certificate\n";
    tw_why_note (line, strlen (line), "SSL error");
    bool elsewhere = true;
    pthread_t thread;
    ck_assert_int_eq (pthread_create (&thread, NULL, s_why_elsewhere, &elsewhere), 0);
    ck_assert_int_eq (pthread_join (thread, NULL), 0);
    ck_assert (!elsewhere);
    ck_assert (tw_why_take (buf, sizeof buf));
    ck_assert_str_eq (buf, "SSL error: unable to get local issuer certificate");
    ck_assert (!tw_why_take (buf, sizeof buf));
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("tw_log");
    TCase *tc = tcase_create ("core");
    tcase_add_test (tc, test_format_and_level);
    tcase_add_test (tc, test_rate_limit);
    tcase_add_test (tc, test_timestamp);
    tcase_add_test (tc, test_level_parse);
    tcase_add_test (tc, test_fingerprint);
    tcase_add_test (tc, test_why);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
