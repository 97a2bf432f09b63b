//  Unit tests for tw_config: defaults, file and environment layers, the
//  one-line errors, secrets, and the example file in deploy/config.

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "tw_config.h"
#include "tw_log.h"
#include "tw_test_stamp.h"

#define ERR_MAX 256
#define OUT_MAX 8192
#define PATH_MAX_LEN 512
//  An expected error names a path (s_file: up to 2 * PATH_MAX_LEN).
#define EXPECTED_MAX (2 * PATH_MAX_LEN + 128)

extern char **environ;

//  Each test runs in its own process (Check forks), so the environment and
//  working directory it changes die with it. This removes every TW_
//  variable the test runner may have inherited.
static void
s_clear_env (void)
{
    for (;;) {
        char **env = environ;
        while (env && *env && strncmp (*env, "TW_", 3) != 0)
            env++;
        if (!env || !*env)
            break;
        char name[256];
        const char *eq = strchr (*env, '=');
        size_t len = eq ? (size_t) (eq - *env) : strlen (*env);
        ck_assert_uint_lt (len, sizeof name);
        memcpy (name, *env, len);
        name[len] = 0;
        unsetenv (name);
    }
}

//  A fresh temporary directory, made the working directory so that the
//  default config path does not exist in it.
static char s_dir[PATH_MAX_LEN];
static char s_origin[PATH_MAX_LEN]; //  where meson started the test

static void
s_setup (void)
{
    s_clear_env ();
    ck_assert_ptr_nonnull (getcwd (s_origin, sizeof s_origin));
    snprintf (s_dir, sizeof s_dir, "/tmp/tw-test-config-XXXXXX");
    ck_assert_ptr_nonnull (mkdtemp (s_dir));
    ck_assert_int_eq (chdir (s_dir), 0);
    tw_log_init ("unit");
}

static void
s_teardown (void)
{
    char command[PATH_MAX_LEN + 16];
    snprintf (command, sizeof command, "rm -rf '%s'", s_dir);
    int rc = system (command);
    (void) rc;
}

//  Writes text into name under the test directory; returns the path.
static const char *
s_file (const char *name, const char *text)
{
    static char path[2 * PATH_MAX_LEN];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    FILE *file = fopen (path, "w");
    ck_assert_ptr_nonnull (file);
    fputs (text, file);
    fclose (file);
    return path;
}

//  Runs fn with stderr redirected into buf (as in test_log.c).
static void
s_capture (void (*fn) (void *), void *arg, char *buf, size_t size)
{
    fflush (stderr);
    int saved = dup (STDERR_FILENO);
    FILE *tmp = tmpfile ();
    ck_assert_ptr_nonnull (tmp);
    dup2 (fileno (tmp), STDERR_FILENO);
    fn (arg);
    dup2 (saved, STDERR_FILENO);
    close (saved);
    rewind (tmp);
    size_t n = fread (buf, 1, size - 1, tmp);
    buf[n] = 0;
    fclose (tmp);
    ck_assert_msg (tw_test_strip_stamps (buf), "a line without a timestamp: %s", buf);
}

//  Loads path, expecting failure with exactly expected as the reason.
static void
s_expect_error (const char *path, const char *expected)
{
    char err[ERR_MAX] = "";
    tw_config_t *config = tw_config_load (path, err, sizeof err);
    ck_assert_ptr_null (config);
    ck_assert_str_eq (err, expected);
}

START_TEST (test_defaults)
{
    char err[ERR_MAX] = "";
    tw_config_t *config = tw_config_load (NULL, err, sizeof err);
    ck_assert_msg (config != NULL, "load failed: %s", err);
    ck_assert_str_eq (tw_config_path (config), "");
    ck_assert_str_eq (tw_config_str (config, "endpoints", "gateway_rep"), "tcp://127.0.0.1:5556");
    ck_assert_str_eq (tw_config_str (config, "endpoints", "notifier_control"),
                      "tcp://127.0.0.1:5563");
    ck_assert_str_eq (tw_config_str (config, "gateway", "broker"), "paper");
    ck_assert_str_eq (tw_config_str (config, "gateway", "db"), "var/gateway.db");
    ck_assert_int_eq (tw_config_int (config, "gateway", "exit_max_attempts"), 3);
    ck_assert_int_eq (tw_config_int (config, "gateway", "exit_retry_cooldown_ms"), 5000);
    ck_assert_int_eq (tw_config_int (config, "fyers", "rate_per_min"), 150);
    ck_assert_double_eq (tw_config_double (config, "feed", "replay_speed"), 1.0);
    ck_assert_str_eq (tw_config_str (config, "feed", "replay_file"), "");
    ck_assert (!tw_config_bool (config, "notifier", "allow_anonymous"));
    ck_assert_str_eq (tw_config_str (config, "notifier", "token"), "");
    ck_assert_str_eq (tw_config_str (config, "log", "level"), "info");
    tw_config_destroy (&config);
    ck_assert_ptr_null (config);
    tw_config_destroy (&config);
}
END_TEST

START_TEST (test_file_overrides)
{
    const char *path = s_file ("a.ini", "; a comment\n"
                                        "[gateway]\n"
                                        "broker = fyers\n"
                                        "exit_max_attempts = 5 ; inline comment\n"
                                        "\n"
                                        "[feed]\n"
                                        "replay_speed = 2.5\n"
                                        "replay_file = data/ticks.csv\n");
    char err[ERR_MAX] = "";
    tw_config_t *config = tw_config_load (path, err, sizeof err);
    ck_assert_msg (config != NULL, "load failed: %s", err);
    ck_assert_str_eq (tw_config_path (config), path);
    ck_assert_str_eq (tw_config_str (config, "gateway", "broker"), "fyers");
    ck_assert_int_eq (tw_config_int (config, "gateway", "exit_max_attempts"), 5);
    ck_assert_double_eq (tw_config_double (config, "feed", "replay_speed"), 2.5);
    ck_assert_str_eq (tw_config_str (config, "feed", "replay_file"), "data/ticks.csv");
    //  Keys the file does not name keep their defaults.
    ck_assert_str_eq (tw_config_str (config, "gateway", "db"), "var/gateway.db");
    tw_config_destroy (&config);
}
END_TEST

START_TEST (test_env_wins_over_file)
{
    const char *path = s_file ("a.ini", "[gateway]\nexit_max_attempts = 5\ndb = file.db\n");
    setenv ("TW_GATEWAY_EXIT_MAX_ATTEMPTS", "7", 1);
    setenv ("TW_ENDPOINTS_GATEWAY_REP", "tcp://127.0.0.1:6000", 1);
    char err[ERR_MAX] = "";
    tw_config_t *config = tw_config_load (path, err, sizeof err);
    ck_assert_msg (config != NULL, "load failed: %s", err);
    ck_assert_int_eq (tw_config_int (config, "gateway", "exit_max_attempts"), 7);
    ck_assert_str_eq (tw_config_str (config, "gateway", "db"), "file.db");
    ck_assert_str_eq (tw_config_str (config, "endpoints", "gateway_rep"), "tcp://127.0.0.1:6000");
    tw_config_destroy (&config);
}
END_TEST

START_TEST (test_default_path)
{
    //  Without -c, deploy/config/tradewire.ini is read when it exists.
    ck_assert_int_eq (system ("mkdir -p deploy/config"), 0);
    s_file ("deploy/config/tradewire.ini", "[gateway]\nbroker = fyers\n");
    char err[ERR_MAX] = "";
    tw_config_t *config = tw_config_load (NULL, err, sizeof err);
    ck_assert_msg (config != NULL, "load failed: %s", err);
    ck_assert_str_eq (tw_config_path (config), TW_CONFIG_DEFAULT_PATH);
    ck_assert_str_eq (tw_config_str (config, "gateway", "broker"), "fyers");
    tw_config_destroy (&config);
}
END_TEST

START_TEST (test_unknown_key)
{
    const char *path = s_file ("a.ini", "[gateway]\nbroker = paper\nfoo = 1\n");
    char expected[EXPECTED_MAX];
    snprintf (expected, sizeof expected, "%s:3: unknown key 'foo' in [gateway]", path);
    s_expect_error (path, expected);
}
END_TEST

START_TEST (test_unknown_section)
{
    const char *path = s_file ("a.ini", "[gatewya]\nbroker = paper\n");
    char expected[EXPECTED_MAX];
    snprintf (expected, sizeof expected, "%s:2: unknown section [gatewya]", path);
    s_expect_error (path, expected);
    path = s_file ("b.ini", "broker = paper\n");
    snprintf (expected, sizeof expected, "%s:1: key 'broker' is not in a [section]", path);
    s_expect_error (path, expected);
}
END_TEST

START_TEST (test_bad_number)
{
    const char *path = s_file ("a.ini", "[gateway]\n\nexit_max_attempts = 3x\n");
    char expected[EXPECTED_MAX];
    snprintf (expected, sizeof expected,
              "%s:3: [gateway] exit_max_attempts: '3x' is not an integer", path);
    s_expect_error (path, expected);

    path = s_file ("b.ini", "[feed]\nreplay_speed = fast\n");
    snprintf (expected, sizeof expected, "%s:2: [feed] replay_speed: 'fast' is not a number", path);
    s_expect_error (path, expected);

    setenv ("TW_GATEWAY_EXIT_MAX_ATTEMPTS", "abc", 1);
    s_expect_error (NULL, "TW_GATEWAY_EXIT_MAX_ATTEMPTS: 'abc' is not an integer");
    setenv ("TW_GATEWAY_EXIT_MAX_ATTEMPTS", "", 1);
    s_expect_error (NULL, "TW_GATEWAY_EXIT_MAX_ATTEMPTS: '' is not an integer");
    setenv ("TW_GATEWAY_EXIT_MAX_ATTEMPTS", "99999999999999999999999", 1);
    s_expect_error (NULL,
                    "TW_GATEWAY_EXIT_MAX_ATTEMPTS: '99999999999999999999999' is not an integer");
}
END_TEST

START_TEST (test_out_of_range)
{
    const char *path = s_file ("a.ini", "[gateway]\nexit_max_attempts = 0\n");
    char expected[EXPECTED_MAX];
    snprintf (expected, sizeof expected,
              "%s:2: [gateway] exit_max_attempts: 0 is out of range 1..10", path);
    s_expect_error (path, expected);
    setenv ("TW_FYERS_RATE_PER_SEC", "10001", 1);
    s_expect_error (NULL, "TW_FYERS_RATE_PER_SEC: 10001 is out of range 1..10000");
}
END_TEST

START_TEST (test_choices)
{
    const char *path = s_file ("a.ini", "[gateway]\nbroker = fyer\n");
    char expected[EXPECTED_MAX];
    snprintf (expected, sizeof expected, "%s:2: [gateway] broker: 'fyer' is not one of paper|fyers",
              path);
    s_expect_error (path, expected);
    setenv ("TW_LOG_LEVEL", "loud", 1);
    s_expect_error (NULL, "TW_LOG_LEVEL: 'loud' is not one of debug|info|warn|error");
}
END_TEST

START_TEST (test_missing_file)
{
    s_expect_error ("/nonexistent/tw.ini", "config file '/nonexistent/tw.ini' not found");
}
END_TEST

START_TEST (test_syntax_and_duplicates)
{
    const char *path = s_file ("a.ini", "[gateway]\nbroker paper\n");
    char expected[EXPECTED_MAX];
    snprintf (expected, sizeof expected,
              "%s:2: not a valid INI line (expected [section] or key = value)", path);
    s_expect_error (path, expected);

    path = s_file ("b.ini", "[gateway]\nbroker = paper\n[gateway]\nbroker = fyers\n");
    snprintf (expected, sizeof expected, "%s:4: [gateway] broker is set twice", path);
    s_expect_error (path, expected);

    //  The first error wins, whichever of inih and us found it.
    path = s_file ("c.ini", "[gateway]\nbroker paper\nfoo = 1\n");
    snprintf (expected, sizeof expected,
              "%s:2: not a valid INI line (expected [section] or key = value)", path);
    s_expect_error (path, expected);

    char line[400];
    memset (line, 'x', sizeof line - 1);
    line[sizeof line - 1] = 0;
    char text[512];
    snprintf (text, sizeof text, "[feed]\nreplay_file = %s\n", line);
    path = s_file ("d.ini", text);
    char err[ERR_MAX] = "";
    ck_assert_ptr_null (tw_config_load (path, err, sizeof err));
    ck_assert_msg (strstr (err, ":2: line longer than") != NULL, "err: %s", err);
}
END_TEST

START_TEST (test_secret_in_file)
{
    const char *path = s_file ("a.ini", "[notifier]\nlisten = 127.0.0.1:8080\ntoken = hunter2\n");
    char expected[EXPECTED_MAX];
    snprintf (expected, sizeof expected,
              "%s:3: [notifier] token is a secret: set it in the environment "
              "(TW_NOTIFIER_TOKEN), not in a file",
              path);
    s_expect_error (path, expected);
}
END_TEST

static void
s_load_and_log (void *arg)
{
    char err[ERR_MAX] = "";
    tw_config_t *config = tw_config_load ((const char *) arg, err, sizeof err);
    ck_assert_msg (config != NULL, "load failed: %s", err);
    tw_config_log (config);
    tw_config_destroy (&config);
}

START_TEST (test_secret_masked_in_log)
{
    const char *secret = "s3cret-T0ken-value";
    setenv ("TW_NOTIFIER_TOKEN", secret, 1);
    char out[OUT_MAX];
    s_capture (s_load_and_log, NULL, out, sizeof out);
    ck_assert_ptr_null (strstr (out, secret));
    char fingerprint[16];
    tw_log_fingerprint (secret, fingerprint, sizeof fingerprint);
    //  One line at info: what was set and where from.
    char expected[EXPECTED_MAX];
    snprintf (expected, sizeof expected,
              "INFO unit config file=none env: notifier.token=%s"
              " (every other key has its default)\n",
              fingerprint);
    ck_assert_str_eq (out, expected);
}
END_TEST

START_TEST (test_log_names_source)
{
    const char *path = s_file ("a.ini", "[gateway]\nbroker = fyers\n[feed]\nsymbols = A B\n");
    setenv ("TW_GATEWAY_DB", "x.db", 1);
    char out[OUT_MAX];
    s_capture (s_load_and_log, (void *) path, out, sizeof out);
    char expected[EXPECTED_MAX];
    snprintf (expected, sizeof expected,
              "INFO unit config file=%s file: gateway.broker=fyers feed.symbols=\"A B\" env: "
              "gateway.db=x.db (every other key has its default)\n",
              path);
    ck_assert_str_eq (out, expected);
}
END_TEST

START_TEST (test_log_defaults)
{
    char out[OUT_MAX];
    s_capture (s_load_and_log, NULL, out, sizeof out);
    ck_assert_str_eq (out, "INFO unit config file=none (every key has its default)\n");
}
END_TEST

static void
s_load_and_log_debug (void *arg)
{
    tw_log_set_level (TW_LOG_DEBUG);
    s_load_and_log (arg);
    tw_log_set_level (TW_LOG_INFO);
}

START_TEST (test_log_debug_dump)
{
    const char *path = s_file ("a.ini", "[gateway]\nbroker = fyers\n");
    char out[OUT_MAX];
    s_capture (s_load_and_log_debug, (void *) path, out, sizeof out);
    //  The full dump, one line per section, with the source.
    ck_assert_ptr_nonnull (
        strstr (out, "DEBUG unit config [gateway] broker=fyers db=var/gateway.db"));
    ck_assert_ptr_nonnull (strstr (out, "replay_file=\"\""));
    ck_assert_ptr_nonnull (strstr (out, " token=none "));
    char expected[EXPECTED_MAX];
    snprintf (expected, sizeof expected, "from=%s\n", path);
    ck_assert_ptr_nonnull (strstr (out, expected));
}
END_TEST

START_TEST (test_bool)
{
    static const struct {
        const char *text;
        bool value;
    } cases[] = {{"true", true},   {"1", true},  {"yes", true}, {"TRUE", true},
                 {"false", false}, {"0", false}, {"no", false}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        setenv ("TW_NOTIFIER_ALLOW_ANONYMOUS", cases[i].text, 1);
        char err[ERR_MAX] = "";
        tw_config_t *config = tw_config_load (NULL, err, sizeof err);
        ck_assert_msg (config != NULL, "%s: %s", cases[i].text, err);
        ck_assert_int_eq (tw_config_bool (config, "notifier", "allow_anonymous"), cases[i].value);
        tw_config_destroy (&config);
    }
    setenv ("TW_NOTIFIER_ALLOW_ANONYMOUS", "maybe", 1);
    s_expect_error (
        NULL, "TW_NOTIFIER_ALLOW_ANONYMOUS: 'maybe' is not a boolean (true/false/1/0/yes/no)");
    unsetenv ("TW_NOTIFIER_ALLOW_ANONYMOUS");
    const char *path = s_file ("a.ini", "[notifier]\nallow_anonymous = yes\n");
    char err[ERR_MAX] = "";
    tw_config_t *config = tw_config_load (path, err, sizeof err);
    ck_assert_msg (config != NULL, "load failed: %s", err);
    ck_assert (tw_config_bool (config, "notifier", "allow_anonymous"));
    tw_config_destroy (&config);
}
END_TEST

static void
s_load_only (void *arg)
{
    (void) arg;
    char err[ERR_MAX] = "";
    tw_config_t *config = tw_config_load (NULL, err, sizeof err);
    ck_assert_msg (config != NULL, "load failed: %s", err);
    ck_assert_str_eq (tw_config_str (config, "gateway", "broker"), "paper");
    tw_config_destroy (&config);
}

START_TEST (test_unknown_env_is_error)
{
    //  A misspelt key in a known section names the section and the key...
    setenv ("TW_GATEWAY_BROKR", "fyers", 1);
    s_expect_error (NULL, "environment TW_GATEWAY_BROKR: unknown key 'brokr' in [gateway]");
    unsetenv ("TW_GATEWAY_BROKR");
    //  ...and an unknown section says what a TW_ variable must be.
    setenv ("TW_GATWAY_BROKER", "fyers", 1);
    s_expect_error (NULL, "environment TW_GATWAY_BROKER: unknown section (a TW_ variable must be "
                          "TW_<SECTION>_<KEY> of a declared key)");
    unsetenv ("TW_GATWAY_BROKER");
    char out[OUT_MAX];
    s_capture (s_load_only, NULL, out, sizeof out);
    ck_assert_str_eq (out, "");
}
END_TEST

//  The example file: every key of the table appears with its default as a
//  `#key = value` line in its section, and nothing else is set.
typedef struct {
    bool seen[256];
    char err[ERR_MAX];
} s_example_t;

static int
s_example_key (void *user, const char *section, const char *name, const char *value)
{
    s_example_t *example = (s_example_t *) user;
    for (size_t i = 0; i < tw_conf_key_count; i++) {
        if (strcmp (tw_conf_keys[i].section, section) || strcmp (tw_conf_keys[i].key, name))
            continue;
        if (strcmp (tw_conf_keys[i].value, value) != 0 && !example->err[0])
            snprintf (example->err, sizeof example->err, "[%s] %s = '%s', default '%s'", section,
                      name, value, tw_conf_keys[i].value);
        example->seen[i] = true;
        return 1;
    }
    if (!example->err[0])
        snprintf (example->err, sizeof example->err, "[%s] %s is not a key", section, name);
    return 1;
}

START_TEST (test_example_file)
{
    //  __FILE__ is relative to the build directory, where meson runs the
    //  compiler and, by default, the test.
    ck_assert_int_eq (chdir (s_origin), 0);
    char root[PATH_MAX_LEN];
    snprintf (root, sizeof root, "%s", __FILE__);
    char *tail = strstr (root, "tests/common/test_config.c");
    ck_assert_ptr_nonnull (tail);
    *tail = 0;
    char path[PATH_MAX_LEN + 64];
    snprintf (path, sizeof path, "%s%s", root, TW_CONFIG_DEFAULT_PATH);
    FILE *file = fopen (path, "r");
    ck_assert_msg (file != NULL, "cannot open %s", path);
    //  The file itself sets nothing...
    fclose (file);
    char err[ERR_MAX] = "";
    tw_config_t *config = tw_config_load (path, err, sizeof err);
    ck_assert_msg (config != NULL, "example does not load: %s", err);
    tw_config_destroy (&config);
    //  ...and documents every key, commented out as `#key = default`.
    file = fopen (path, "r");
    static char text[65536];
    size_t len = 0;
    char line[1024];
    while (fgets (line, sizeof line, file)) {
        const char *keep = line[0] == '#' ? line + 1 : line[0] == ';' ? "\n" : line;
        ck_assert_uint_lt (len + strlen (keep), sizeof text);
        memcpy (text + len, keep, strlen (keep));
        len += strlen (keep);
    }
    text[len] = 0;
    fclose (file);
    s_example_t example = {0};
    ck_assert_uint_le (tw_conf_key_count, sizeof example.seen);
    ck_assert_int_eq (ini_parse_string (text, s_example_key, &example), 0);
    ck_assert_msg (!example.err[0], "%s", example.err);
    for (size_t i = 0; i < tw_conf_key_count; i++)
        ck_assert_msg (example.seen[i] || tw_conf_keys[i].secret, "[%s] %s is missing",
                       tw_conf_keys[i].section, tw_conf_keys[i].key);
}
END_TEST

START_TEST (test_table_sane)
{
    //  Every key is unique, every default is within its range.
    char err[ERR_MAX] = "";
    tw_config_t *config = tw_config_load (NULL, err, sizeof err);
    ck_assert_ptr_nonnull (config);
    for (size_t i = 0; i < tw_conf_key_count; i++) {
        for (size_t j = i + 1; j < tw_conf_key_count; j++)
            ck_assert (strcmp (tw_conf_keys[i].section, tw_conf_keys[j].section)
                       || strcmp (tw_conf_keys[i].key, tw_conf_keys[j].key));
        if (tw_conf_keys[i].type == TW_CONF_INT) {
            int64_t value = tw_config_int (config, tw_conf_keys[i].section, tw_conf_keys[i].key);
            ck_assert (tw_conf_keys[i].min < tw_conf_keys[i].max);
            ck_assert (value >= tw_conf_keys[i].min && value <= tw_conf_keys[i].max);
        }
    }
    tw_config_destroy (&config);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("tw_config");
    TCase *tc = tcase_create ("core");
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, test_defaults);
    tcase_add_test (tc, test_file_overrides);
    tcase_add_test (tc, test_env_wins_over_file);
    tcase_add_test (tc, test_default_path);
    tcase_add_test (tc, test_unknown_key);
    tcase_add_test (tc, test_unknown_section);
    tcase_add_test (tc, test_bad_number);
    tcase_add_test (tc, test_out_of_range);
    tcase_add_test (tc, test_choices);
    tcase_add_test (tc, test_missing_file);
    tcase_add_test (tc, test_syntax_and_duplicates);
    tcase_add_test (tc, test_secret_in_file);
    tcase_add_test (tc, test_secret_masked_in_log);
    tcase_add_test (tc, test_log_names_source);
    tcase_add_test (tc, test_log_defaults);
    tcase_add_test (tc, test_log_debug_dump);
    tcase_add_test (tc, test_bool);
    tcase_add_test (tc, test_unknown_env_is_error);
    tcase_add_test (tc, test_example_file);
    tcase_add_test (tc, test_table_sane);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
