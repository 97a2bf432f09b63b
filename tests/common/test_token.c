//  Unit tests for tw_token: the JWT payload, environment over file, reload
//  after a rewrite, refused files, the atomic 0600 write, IST formatting.

#include <check.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tw_token.h"

#define BUF_MAX 2048
#define ERR_MAX 512
#define HSM_KEY "decacdad3f77c0cda1498e76537b132b714c2e846d341f2fbc93ff5a"
//  06:00 IST on 2 December 2026.
#define EXP_0600 1796171400

//  A JWT whose payload is json, base64url without padding.
static void
s_jwt (const char *json, char *token, size_t size)
{
    unsigned char b64[BUF_MAX / 2];
    int n = EVP_EncodeBlock (b64, (const unsigned char *) json, (int) strlen (json));
    ck_assert_int_gt (n, 0);
    for (int i = 0; i < n; i++)
        b64[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
    while (n > 0 && b64[n - 1] == '=')
        b64[--n] = 0;
    snprintf (token, size, "eyJhbGciOiJIUzI1NiJ9.%s.c2ln", (const char *) b64);
}

//  A token with this exp and hsm_key HSM_KEY, and a marker to tell tokens apart.
static void
s_token (int64_t exp, const char *marker, char *token, size_t size)
{
    char json[512];
    snprintf (json, sizeof json,
              "{\"iss\":\"api.fyers.in\",\"sub\":\"access_token\",\"exp\":%lld,"
              "\"hsm_key\":\"" HSM_KEY "\",\"m\":\"%s\"}",
              (long long) exp, marker);
    s_jwt (json, token, size);
}

static char s_dir[64];

static void
s_setup (void)
{
    unsetenv (TW_TOKEN_ENV);
    snprintf (s_dir, sizeof s_dir, "/tmp/tw-token-XXXXXX");
    ck_assert_ptr_nonnull (mkdtemp (s_dir));
}

static void
s_teardown (void)
{
    char command[128];
    snprintf (command, sizeof command, "rm -rf %s", s_dir);
    ck_assert_int_eq (system (command), 0);
    unsetenv (TW_TOKEN_ENV);
}

static void
s_path (const char *name, char *path, size_t size)
{
    snprintf (path, size, "%s/%s", s_dir, name);
}

//  Writes text to path with mode, bypassing tw_token_write.
static void
s_write_raw (const char *path, const char *text, mode_t mode)
{
    FILE *file = fopen (path, "w");
    ck_assert_ptr_nonnull (file);
    fputs (text, file);
    fclose (file);
    ck_assert_int_eq (chmod (path, mode), 0);
}

START_TEST (test_decode)
{
    char token[BUF_MAX], err[ERR_MAX];
    tw_token_claims_t claims;
    //  "?>?" and "~~~" encode to '/' and '+' in plain base64.
    s_jwt ("{\"exp\":1796171400,\"x\":\"?>?~~~\",\"hsm_key\":\"" HSM_KEY "\"}", token,
           sizeof token);
    ck_assert (strchr (token, '-') || strchr (token, '_'));
    ck_assert_int_eq (tw_token_decode (token, &claims, err, sizeof err), 0);
    ck_assert_str_eq (claims.hsm_key, HSM_KEY);
    ck_assert_int_eq (claims.exp, EXP_0600);
    //  With the "APP_ID:" prefix some callers keep.
    char prefixed[BUF_MAX + 16];
    snprintf (prefixed, sizeof prefixed, "XA1234-100:%s", token);
    ck_assert_int_eq (tw_token_decode (prefixed, &claims, err, sizeof err), 0);
    ck_assert_str_eq (claims.hsm_key, HSM_KEY);
    //  Every padding length decodes.
    const char *payloads[] = {"{}", "{ }", "{  }", "{   }"};
    for (size_t i = 0; i < 4; i++) {
        s_jwt (payloads[i], token, sizeof token);
        ck_assert_int_eq (tw_token_decode (token, &claims, err, sizeof err), 0);
        ck_assert_int_eq (claims.exp, 0);
        ck_assert_str_eq (claims.hsm_key, "");
    }
    //  Refusals, with reasons that do not echo the token.
    ck_assert_int_eq (tw_token_decode ("not-a-jwt", &claims, err, sizeof err), -1);
    ck_assert_ptr_nonnull (strstr (err, "not a JWT"));
    ck_assert_int_eq (tw_token_decode ("a.!!!!.c", &claims, err, sizeof err), -1);
    s_jwt ("[1,2]", token, sizeof token);
    ck_assert_int_eq (tw_token_decode (token, &claims, err, sizeof err), -1);
    s_jwt ("{\"exp\":\"tomorrow\"}", token, sizeof token);
    ck_assert_int_eq (tw_token_decode (token, &claims, err, sizeof err), -1);
    ck_assert_ptr_nonnull (strstr (err, "exp"));
    ck_assert_ptr_null (strstr (err, token));
}
END_TEST

START_TEST (test_expiry_and_ist)
{
    char path[128], token[BUF_MAX], err[ERR_MAX], when[TW_TOKEN_TIME_MAX];
    tw_token_format_ist (EXP_0600, when, sizeof when);
    ck_assert_str_eq (when, "2026-12-02 06:00:00 IST");
    s_path ("fyers.token", path, sizeof path);
    s_token (EXP_0600, "a", token, sizeof token);
    ck_assert_int_eq (tw_token_write (path, token, err, sizeof err), 0);
    tw_token_t *source = tw_token_new_path (path);
    ck_assert (!tw_token_expired (source, EXP_0600)); //  nothing loaded yet
    ck_assert_int_eq (tw_token_check (source, err, sizeof err), 1);
    ck_assert_int_eq (tw_token_claims (source)->exp, EXP_0600);
    ck_assert (!tw_token_expired (source, EXP_0600 - 1));
    ck_assert (tw_token_expired (source, EXP_0600));
    ck_assert (tw_token_expired (source, EXP_0600 + 3600));
    tw_token_destroy (&source);
    ck_assert_ptr_null (source);
}
END_TEST

START_TEST (test_env_over_file)
{
    char path[128], in_file[BUF_MAX], in_env[BUF_MAX], err[ERR_MAX];
    s_path ("fyers.token", path, sizeof path);
    s_token (EXP_0600, "file", in_file, sizeof in_file);
    s_token (EXP_0600 + 60, "env", in_env, sizeof in_env);
    ck_assert_int_eq (tw_token_write (path, in_file, err, sizeof err), 0);
    setenv (TW_TOKEN_ENV, in_env, 1);
    tw_token_t *source = tw_token_new_path (path);
    ck_assert_int_eq (tw_token_check (source, err, sizeof err), 1);
    ck_assert_str_eq (tw_token_value (source), in_env);
    ck_assert_str_eq (tw_token_source (source), TW_TOKEN_ENV);
    ck_assert_int_eq (tw_token_check (source, err, sizeof err), 0);
    //  Without the variable, the file.
    unsetenv (TW_TOKEN_ENV);
    ck_assert_int_eq (tw_token_check (source, err, sizeof err), 1);
    ck_assert_str_eq (tw_token_value (source), in_file);
    ck_assert_str_eq (tw_token_source (source), path);
    //  An empty variable counts as unset.
    setenv (TW_TOKEN_ENV, "", 1);
    ck_assert_int_eq (tw_token_check (source, err, sizeof err), 0);
    ck_assert_str_eq (tw_token_value (source), in_file);
    tw_token_destroy (&source);
}
END_TEST

START_TEST (test_reload_after_rewrite)
{
    char path[128], first[BUF_MAX], second[BUF_MAX], err[ERR_MAX];
    s_path ("var/fyers.token", path, sizeof path); //  the folder is created
    s_token (EXP_0600, "first", first, sizeof first);
    s_token (EXP_0600 + 86400, "second", second, sizeof second);
    ck_assert_int_eq (tw_token_write (path, first, err, sizeof err), 0);
    tw_token_t *source = tw_token_new_path (path);
    ck_assert_ptr_null (tw_token_value (source));
    ck_assert_int_eq (tw_token_check (source, err, sizeof err), 1);
    ck_assert_str_eq (tw_token_value (source), first);
    ck_assert_int_eq (tw_token_check (source, err, sizeof err), 0);
    //  The next morning's login (a rename over the old file).
    ck_assert_int_eq (tw_token_write (path, second, err, sizeof err), 0);
    ck_assert_int_eq (tw_token_check (source, err, sizeof err), 1);
    ck_assert_str_eq (tw_token_value (source), second);
    ck_assert_int_eq (tw_token_claims (source)->exp, EXP_0600 + 86400);
    //  An edit in place, blanks and a CRLF around the token.
    char line[BUF_MAX + 8];
    snprintf (line, sizeof line, "  %s \r\n", first);
    s_write_raw (path, line, 0600);
    ck_assert_int_eq (tw_token_check (source, err, sizeof err), 1);
    ck_assert_str_eq (tw_token_value (source), first);
    char a[16], b[16];
    tw_token_fingerprint (source, a, sizeof a);
    ck_assert_int_eq (strlen (a), 8);
    ck_assert_ptr_null (strstr (first, a));
    ck_assert_int_eq (tw_token_write (path, second, err, sizeof err), 0);
    ck_assert_int_eq (tw_token_check (source, err, sizeof err), 1);
    tw_token_fingerprint (source, b, sizeof b);
    ck_assert_str_ne (a, b);
    tw_token_destroy (&source);
}
END_TEST

START_TEST (test_bad_files)
{
    char path[128], good[BUF_MAX], err[ERR_MAX];
    s_path ("fyers.token", path, sizeof path);
    tw_token_t *source = tw_token_new_path (path);
    //  Missing: said once, then quiet until something changes.
    ck_assert_int_eq (tw_token_check (source, err, sizeof err), -1);
    ck_assert_ptr_nonnull (strstr (err, "run tradectl login"));
    ck_assert_int_eq (tw_token_check (source, err, sizeof err), 0);
    ck_assert_ptr_null (tw_token_value (source));
    //  Readable by others: refused, and the reason says how to fix it.
    s_token (EXP_0600, "good", good, sizeof good);
    char line[BUF_MAX + 2];
    snprintf (line, sizeof line, "%s\n", good);
    s_write_raw (path, line, 0644);
    ck_assert_int_eq (tw_token_check (source, err, sizeof err), -1);
    ck_assert_ptr_nonnull (strstr (err, "chmod 600"));
    ck_assert_ptr_null (strstr (err, good));
    ck_assert_ptr_null (tw_token_value (source));
    ck_assert_int_eq (chmod (path, 0600), 0);
    ck_assert_int_eq (tw_token_check (source, err, sizeof err), 1);
    ck_assert_str_eq (tw_token_value (source), good);
    //  Empty, then not a JWT: refused, and the last good token stays.
    s_write_raw (path, "\n", 0600);
    ck_assert_int_eq (tw_token_check (source, err, sizeof err), -1);
    ck_assert_ptr_nonnull (strstr (err, "empty"));
    ck_assert_int_eq (tw_token_check (source, err, sizeof err), 0);
    s_write_raw (path, "sekrit-not-a-jwt\n", 0600);
    ck_assert_int_eq (tw_token_check (source, err, sizeof err), -1);
    ck_assert_ptr_nonnull (strstr (err, "not a JWT"));
    ck_assert_ptr_null (strstr (err, "sekrit"));
    ck_assert_str_eq (tw_token_value (source), good);
    //  A folder where the file should be.
    ck_assert_int_eq (unlink (path), 0);
    ck_assert_int_eq (mkdir (path, 0700), 0);
    ck_assert_int_eq (tw_token_check (source, err, sizeof err), -1);
    ck_assert_ptr_nonnull (strstr (err, "not a regular file"));
    ck_assert_int_eq (rmdir (path), 0);
    tw_token_destroy (&source);
    //  No file configured.
    source = tw_token_new_path ("");
    ck_assert_int_eq (tw_token_check (source, err, sizeof err), -1);
    ck_assert_ptr_nonnull (strstr (err, TW_TOKEN_ENV));
    tw_token_destroy (&source);
    tw_token_destroy (&source);
}
END_TEST

START_TEST (test_write_is_private)
{
    char path[128], token[BUF_MAX], err[ERR_MAX];
    s_path ("state/fyers.token", path, sizeof path);
    s_token (EXP_0600, "w", token, sizeof token);
    umask (0022);
    ck_assert_int_eq (tw_token_write (path, token, err, sizeof err), 0);
    struct stat st;
    ck_assert_int_eq (stat (path, &st), 0);
    ck_assert_int_eq (st.st_mode & 0777, 0600);
    FILE *file = fopen (path, "r");
    ck_assert_ptr_nonnull (file);
    char line[BUF_MAX + 2] = "";
    ck_assert_ptr_nonnull (fgets (line, sizeof line, file));
    fclose (file);
    char expected[BUF_MAX + 2];
    snprintf (expected, sizeof expected, "%s\n", token);
    ck_assert_str_eq (line, expected);
    //  Nothing else is left in the folder (no temporary file).
    char command[256];
    snprintf (command, sizeof command, "test \"$(ls -A %s/state)\" = fyers.token", s_dir);
    ck_assert_int_eq (system (command), 0);
    //  An unwritable place is a clear error.
    ck_assert_int_eq (tw_token_write ("/proc/tw-token-test/x/fyers.token", token, err, sizeof err),
                      -1);
    ck_assert_ptr_nonnull (strstr (err, "cannot"));
    ck_assert_int_eq (tw_token_write ("", token, err, sizeof err), -1);
}
END_TEST

static Suite *
s_suite (void)
{
    Suite *suite = suite_create ("tw_token");
    TCase *tc = tcase_create ("token");
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, test_decode);
    tcase_add_test (tc, test_expiry_and_ist);
    tcase_add_test (tc, test_env_over_file);
    tcase_add_test (tc, test_reload_after_rewrite);
    tcase_add_test (tc, test_bad_files);
    tcase_add_test (tc, test_write_is_private);
    suite_add_tcase (suite, tc);
    return suite;
}

int
main (void)
{
    SRunner *runner = srunner_create (s_suite ());
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
