//  `tradectl login` against the real fake Fyers server (tests/fakes): a good
//  login through the redirected URL and through standard input, a wrong
//  state, a bad appIdHash (-371), an expired auth code, an unreachable
//  server, a missing secret; the token file is 0600 and the token never
//  appears in any output. And `tradectl status` shows the token's expiry.

#include <check.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake_fyers_ctl.h"
#include "tw_proc.h"
#include "tw_token.h"

#define S_RUN_TIMEOUT_MS 10000
#define S_ARGS_MAX 16
#define S_ENV_MAX 16
#define S_LINE_MAX 1024
#define S_APP_ID "XA1234-100"
#define S_API_TOKEN "api-token-of-the-fake"
#define S_REDIRECT "https://127.0.0.1/fyers/callback"
#define S_VALIDATE "/api/v3/validate-authcode"

typedef tw_proc_output_t run_t;

//  One test's world: the fake, a scratch folder, the environment lines.
typedef struct {
    fake_fyers_t *fake;
    char dir[64];
    char token_file[128];
    char base_env[S_LINE_MAX];
    char file_env[S_LINE_MAX];
    const char *env[S_ENV_MAX];
    int env_count;
} world_t;

static void
s_world_env (world_t *world, const char *line)
{
    ck_assert_int_lt (world->env_count, S_ENV_MAX - 1);
    world->env[world->env_count++] = line;
    world->env[world->env_count] = NULL;
}

static void
s_world_start (world_t *world, const char *secret)
{
    memset (world, 0, sizeof *world);
    const char *bin = getenv ("FAKE_FYERS_BIN");
    ck_assert_ptr_nonnull (bin);
    world->fake = fake_fyers_start (bin, S_APP_ID, S_API_TOKEN);
    ck_assert_ptr_nonnull (world->fake);
    snprintf (world->dir, sizeof world->dir, "/tmp/tw-login-XXXXXX");
    ck_assert_ptr_nonnull (mkdtemp (world->dir));
    snprintf (world->token_file, sizeof world->token_file, "%s/var/fyers.token", world->dir);
    snprintf (world->base_env, sizeof world->base_env, "TW_FYERS_BASE_URL=%s",
              fake_fyers_base_url (world->fake));
    snprintf (world->file_env, sizeof world->file_env, "TW_FYERS_TOKEN_FILE=%s", world->token_file);
    s_world_env (world, world->base_env);
    s_world_env (world, world->file_env);
    s_world_env (world, "TW_FYERS_REDIRECT_URI=" S_REDIRECT);
    s_world_env (world, "TW_FYERS_REQUEST_TIMEOUT_MS=3000");
    s_world_env (world, "FYERS_APP_ID=" S_APP_ID);
    if (secret)
        s_world_env (world, secret);
}

static void
s_world_stop (world_t *world)
{
    ck_assert_int_eq (fake_fyers_stop (&world->fake), 0);
    char command[128];
    snprintf (command, sizeof command, "rm -rf %s", world->dir);
    ck_assert_int_eq (system (command), 0);
}

//  Runs tradectl with args in the world's folder and environment.
static void
s_run (world_t *world, run_t *run, const char *const *args)
{
    const char *tradectl = getenv ("TRADECTL");
    ck_assert_ptr_nonnull (tradectl);
    const char *argv[S_ARGS_MAX];
    int argc = 0;
    argv[argc++] = tradectl;
    for (int i = 0; args[i]; i++) {
        ck_assert_int_lt (argc, S_ARGS_MAX - 1);
        argv[argc++] = args[i];
    }
    argv[argc] = NULL;
    ck_assert_msg (tw_proc_run (tradectl, argv, world->env, world->dir, S_RUN_TIMEOUT_MS, run) == 0,
                   "tradectl did not finish within %d ms", S_RUN_TIMEOUT_MS);
}

//  `tradectl login --url`: the URL it printed, into url.
static void
s_login_url (world_t *world, char *url, size_t size)
{
    run_t run;
    s_run (world, &run, (const char *[]){"login", "--url", NULL});
    ck_assert_msg (run.exit_code == 0, "login --url: %s", run.err);
    const char *start = strstr (run.out, "http://");
    ck_assert_ptr_nonnull (start);
    size_t len = strcspn (start, " \n");
    ck_assert_int_lt (len, size);
    memcpy (url, start, len);
    url[len] = 0;
}

//  The lowercase hex SHA-256 of text.
static void
s_sha256_hex (const char *text, char *hex)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    ck_assert_int_eq (EVP_Digest (text, strlen (text), md, &len, EVP_sha256 (), NULL), 1);
    for (unsigned int i = 0; i < len; i++)
        snprintf (hex + 2 * i, 3, "%02x", md[i]);
}

static bool
s_exists (const char *path)
{
    struct stat st;
    return stat (path, &st) == 0;
}

//  The token in the world's file.
static void
s_read_token (world_t *world, char *token, size_t size)
{
    FILE *file = fopen (world->token_file, "r");
    ck_assert_ptr_nonnull (file);
    ck_assert_ptr_nonnull (fgets (token, (int) size, file));
    fclose (file);
    token[strcspn (token, "\n")] = 0;
    ck_assert_int_gt (strlen (token), 20);
}

static void
s_assert_secret_free (const run_t *run, const char *secret)
{
    ck_assert_msg (!strstr (run->out, secret), "stdout shows a secret: %s", run->out);
    ck_assert_msg (!strstr (run->err, secret), "stderr shows a secret: %s", run->err);
}

START_TEST (test_good_login)
{
    world_t world;
    s_world_start (&world, "FYERS_APP_SECRET=" FAKE_FYERS_APP_SECRET);
    char url[S_LINE_MAX];
    s_login_url (&world, url, sizeof url);
    ck_assert_ptr_nonnull (strstr (url, "/api/v3/generate-authcode?client_id=" S_APP_ID));
    ck_assert_ptr_nonnull (
        strstr (url, "&redirect_uri=https%3A%2F%2F127.0.0.1%2Ffyers%2Fcallback"));
    ck_assert_ptr_nonnull (strstr (url, "&response_type=code&state="));
    ck_assert_int_eq (strlen (strstr (url, "&state=") + 7), 32);
    //  The trader logs in; the browser lands on the redirect URI.
    char *back = fake_fyers_login (world.fake, url);
    ck_assert_ptr_nonnull (back);
    ck_assert_int_eq (strncmp (back, S_REDIRECT "?s=ok", strlen (S_REDIRECT) + 5), 0);
    run_t run;
    s_run (&world, &run, (const char *[]){"login", back, NULL});
    ck_assert_msg (run.exit_code == 0, "login: %s", run.err);
    ck_assert_str_eq (run.err, "");
    free (back);
    //  The file: 0600, the bare token on one line, a JWT whose expiry was printed.
    struct stat st;
    ck_assert_int_eq (stat (world.token_file, &st), 0);
    ck_assert_int_eq (st.st_mode & 0777, 0600);
    char token[TW_TOKEN_MAX], err[256], when[TW_TOKEN_TIME_MAX], line[S_LINE_MAX];
    s_read_token (&world, token, sizeof token);
    tw_token_claims_t claims;
    ck_assert_int_eq (tw_token_decode (token, &claims, err, sizeof err), 0);
    ck_assert_str_ne (claims.hsm_key, "");
    tw_token_format_ist (claims.exp, when, sizeof when);
    snprintf (line, sizeof line, "expires %s\n", when);
    ck_assert_msg (strstr (run.out, line), "'%s' lacks '%s'", run.out, line);
    ck_assert_ptr_nonnull (strstr (when, " 06:00:00 IST"));
    s_assert_secret_free (&run, token);
    s_assert_secret_free (&run, FAKE_FYERS_APP_SECRET);
    s_assert_secret_free (&run, FAKE_FYERS_AUTH_CODE);
    //  What Fyers was sent: the code, and appIdHash = sha256hex(APP_ID:SECRET).
    char hash[2 * EVP_MAX_MD_SIZE + 1];
    s_sha256_hex (S_APP_ID ":" FAKE_FYERS_APP_SECRET, hash);
    char *requests = fake_fyers_requests (world.fake);
    ck_assert_ptr_nonnull (requests);
    ck_assert_ptr_nonnull (strstr (requests, hash));
    free (requests);
    ck_assert_int_eq (fake_fyers_count (world.fake, "POST", S_VALIDATE), 1);
    //  The state was used up: the same URL again is refused before Fyers.
    char state_file[256];
    snprintf (state_file, sizeof state_file, "%s.state", world.token_file);
    ck_assert (!s_exists (state_file));
    s_run (&world, &run, (const char *[]){"login", S_REDIRECT "?s=ok&auth_code=x&state=y", NULL});
    ck_assert_int_eq (run.exit_code, 2);
    ck_assert_int_eq (fake_fyers_count (world.fake, "POST", S_VALIDATE), 1);
    //  status shows the expiry, read from the file, even with no gateway.
    s_world_env (&world, "TW_ENDPOINTS_GATEWAY_REP=tcp://127.0.0.1:1");
    s_world_env (&world, "TW_CLIENT_TIMEOUT_MS=100");
    s_world_env (&world, "TW_CLIENT_ATTEMPTS=1");
    s_run (&world, &run, (const char *[]){"status", NULL});
    ck_assert_int_eq (run.exit_code, 3);
    snprintf (line, sizeof line, "token: expires %s (in ", when);
    ck_assert_msg (strstr (run.out, line), "'%s' lacks '%s'", run.out, line);
    ck_assert_ptr_nonnull (strstr (run.out, world.token_file));
    s_assert_secret_free (&run, token);
    s_world_stop (&world);
}
END_TEST

//  The whole login in one run: the URL printed, the code read from stdin.
START_TEST (test_code_on_stdin)
{
    world_t world;
    s_world_start (&world, "FYERS_APP_SECRET=" FAKE_FYERS_APP_SECRET);
    char input[256], script[S_LINE_MAX];
    snprintf (input, sizeof input, "%s/answer", world.dir);
    FILE *file = fopen (input, "w");
    ck_assert_ptr_nonnull (file);
    fputs ("  " FAKE_FYERS_AUTH_CODE " \n", file);
    fclose (file);
    snprintf (script, sizeof script, "exec \"$TRADECTL\" login < %s", input);
    const char *argv[] = {"sh", "-c", script, NULL};
    char tradectl_env[S_LINE_MAX];
    snprintf (tradectl_env, sizeof tradectl_env, "TRADECTL=%s", getenv ("TRADECTL"));
    s_world_env (&world, tradectl_env);
    run_t run;
    ck_assert_int_eq (tw_proc_run ("/bin/sh", argv, world.env, world.dir, S_RUN_TIMEOUT_MS, &run),
                      0);
    ck_assert_msg (run.exit_code == 0, "login: %s", run.err);
    ck_assert_ptr_nonnull (strstr (run.out, "/generate-authcode?client_id="));
    ck_assert_ptr_nonnull (strstr (run.out, "logged in: token saved to "));
    char token[TW_TOKEN_MAX];
    s_read_token (&world, token, sizeof token);
    s_assert_secret_free (&run, token);
    //  --json: one document, the same promises.
    s_run (&world, &run, (const char *[]){"--json", "login", FAKE_FYERS_AUTH_CODE, NULL});
    ck_assert_msg (run.exit_code == 0, "login: %s", run.err);
    cJSON *doc = cJSON_Parse (run.out);
    ck_assert_ptr_nonnull (doc);
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (doc, "type")), "login");
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (doc, "token_file")),
                      world.token_file);
    ck_assert (cJSON_GetNumberValue (cJSON_GetObjectItem (doc, "expires_at")) > 0);
    cJSON_Delete (doc);
    s_read_token (&world, token, sizeof token);
    s_assert_secret_free (&run, token);
    s_world_stop (&world);
}
END_TEST

START_TEST (test_wrong_state)
{
    world_t world;
    s_world_start (&world, "FYERS_APP_SECRET=" FAKE_FYERS_APP_SECRET);
    char url[S_LINE_MAX];
    s_login_url (&world, url, sizeof url);
    char *back = fake_fyers_login (world.fake, url);
    ck_assert_ptr_nonnull (back);
    //  Another login's state (a stale tab, or a link someone else made).
    char *state = strstr (back, "&state=");
    ck_assert_ptr_nonnull (state);
    state[7] = state[7] == 'a' ? 'b' : 'a';
    run_t run;
    s_run (&world, &run, (const char *[]){"login", back, NULL});
    free (back);
    ck_assert_int_eq (run.exit_code, 2);
    ck_assert_ptr_nonnull (strstr (run.err, "state does not match"));
    ck_assert_int_eq (fake_fyers_count (world.fake, "POST", S_VALIDATE), 0);
    ck_assert (!s_exists (world.token_file));
    //  A URL with no login under way at all.
    char state_file[256];
    snprintf (state_file, sizeof state_file, "%s.state", world.token_file);
    ck_assert_int_eq (unlink (state_file), 0);
    s_run (&world, &run, (const char *[]){"login", S_REDIRECT "?s=ok&auth_code=x&state=y", NULL});
    ck_assert_int_eq (run.exit_code, 2);
    ck_assert_ptr_nonnull (strstr (run.err, "no login under way"));
    s_world_stop (&world);
}
END_TEST

START_TEST (test_bad_hash)
{
    world_t world;
    s_world_start (&world, "FYERS_APP_SECRET=not-the-secret");
    run_t run;
    s_run (&world, &run, (const char *[]){"login", FAKE_FYERS_AUTH_CODE, NULL});
    ck_assert_int_eq (run.exit_code, 4);
    ck_assert_ptr_nonnull (strstr (run.err, "-371"));
    ck_assert_ptr_nonnull (strstr (run.err, "FYERS_APP_SECRET"));
    s_assert_secret_free (&run, "not-the-secret");
    ck_assert_str_eq (run.out, "");
    ck_assert (!s_exists (world.token_file));
    s_world_stop (&world);
}
END_TEST

START_TEST (test_expired_code)
{
    world_t world;
    s_world_start (&world, "FYERS_APP_SECRET=" FAKE_FYERS_APP_SECRET);
    run_t run;
    s_run (&world, &run, (const char *[]){"login", FAKE_FYERS_AUTH_CODE_EXPIRED, NULL});
    ck_assert_int_eq (run.exit_code, 4);
    ck_assert_ptr_nonnull (strstr (run.err, "refused the auth code"));
    ck_assert_ptr_nonnull (strstr (run.err, "log in again"));
    ck_assert (!s_exists (world.token_file));
    s_world_stop (&world);
}
END_TEST

START_TEST (test_unreachable_and_missing_secret)
{
    world_t world;
    s_world_start (&world, NULL);
    run_t run;
    //  No secret: a configuration error, before anything is sent.
    s_run (&world, &run, (const char *[]){"login", FAKE_FYERS_AUTH_CODE, NULL});
    ck_assert_int_eq (run.exit_code, 2);
    ck_assert_ptr_nonnull (strstr (run.err, "FYERS_APP_SECRET"));
    ck_assert_int_eq (fake_fyers_count (world.fake, "POST", S_VALIDATE), 0);
    //  Nothing listens where Fyers should be.
    s_world_env (&world, "FYERS_APP_SECRET=" FAKE_FYERS_APP_SECRET);
    char dead[S_LINE_MAX];
    snprintf (dead, sizeof dead, "TW_FYERS_BASE_URL=http://127.0.0.1:%d/api/v3", tw_free_port ());
    world.env[0] = dead;
    s_run (&world, &run, (const char *[]){"login", FAKE_FYERS_AUTH_CODE, NULL});
    ck_assert_int_eq (run.exit_code, 3);
    ck_assert_ptr_nonnull (strstr (run.err, "cannot reach Fyers"));
    ck_assert (!s_exists (world.token_file));
    //  Usage errors.
    s_run (&world, &run, (const char *[]){"login", "a", "b", NULL});
    ck_assert_int_eq (run.exit_code, 2);
    s_run (&world, &run, (const char *[]){"login", "--url", "a", NULL});
    ck_assert_int_eq (run.exit_code, 2);
    s_run (&world, &run, (const char *[]){"login", "--help", NULL});
    ck_assert_int_eq (run.exit_code, 0);
    ck_assert_ptr_nonnull (strstr (run.out, "usage: tradectl"));
    s_world_stop (&world);
}
END_TEST

static Suite *
s_suite (void)
{
    Suite *suite = suite_create ("tradectl_login");
    TCase *tc = tcase_create ("login");
    tcase_add_test (tc, test_good_login);
    tcase_add_test (tc, test_code_on_stdin);
    tcase_add_test (tc, test_wrong_state);
    tcase_add_test (tc, test_bad_hash);
    tcase_add_test (tc, test_expired_code);
    tcase_add_test (tc, test_unreachable_and_missing_secret);
    suite_add_tcase (suite, tc);
    return suite;
}

int
main (void)
{
    //  The child sees our environment: none of the account's secrets of the
    //  developer running the tests.
    unsetenv ("FYERS_ACCESS_TOKEN");
    unsetenv ("FYERS_APP_ID");
    unsetenv ("FYERS_APP_SECRET");
    curl_global_init (CURL_GLOBAL_DEFAULT);
    SRunner *runner = srunner_create (s_suite ());
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    curl_global_cleanup ();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
