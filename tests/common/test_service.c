//  Unit tests for tw_service: the real tw_service_main in a child process
//  (flags, configuration errors, start failures, fatal errors, SIGTERM and
//  SIGINT), and a service actor started in-process.

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tw_clock.h"
#include "tw_log.h"
#include "tw_service.h"
#include "tw_test_stamp.h"

//  Every wait in these tests is bounded by this.
#define WAIT_MS 5000
//  docs/design.md §5: SIGTERM -> exit 0 within 2 s.
#define STOP_LIMIT_MS 2000
#define OUTPUT_MAX 16384
#define NAME "unit-service"

//  ---------------------------------------------------------------------
//  Test actors.

//  Signals 0, answers "NAME" with the service name and "LEVEL" with the
//  configured log level, and ends on $TERM.
static void
s_actor_ok (zsock_t *pipe, void *args)
{
    tw_service_t *service = (tw_service_t *) args;
    zsock_signal (pipe, 0);
    while (true) {
        zmsg_t *msg = zmsg_recv (pipe);
        if (!msg) {
            if (zsys_interrupted)
                break;
            continue;
        }
        char *command = zmsg_popstr (msg);
        zmsg_destroy (&msg);
        bool term = command && strcmp (command, "$TERM") == 0;
        if (command && strcmp (command, "NAME") == 0)
            zstr_send (pipe, tw_service_name (service));
        else if (command && strcmp (command, "LEVEL") == 0)
            zstr_send (pipe, tw_config_str (tw_service_config (service), "log", "level"));
        zstr_free (&command);
        if (term)
            break;
    }
}

//  Ends only on $TERM, whatever signals arrive.
static void
s_actor_stubborn (zsock_t *pipe, void *args)
{
    (void) args;
    zsock_signal (pipe, 0);
    while (true) {
        char *command = zstr_recv (pipe);
        bool term = command && strcmp (command, "$TERM") == 0;
        zstr_free (&command);
        if (term)
            break;
    }
}

static int
s_on_pipe (zloop_t *loop, zsock_t *pipe, void *arg)
{
    (void) loop;
    (void) arg;
    char *command = zstr_recv (pipe);
    bool term = !command || strcmp (command, "$TERM") == 0;
    zstr_free (&command);
    return term ? -1 : 0;
}

//  The shape of a real service: a zloop, which ends by itself when it sees
//  zsys_interrupted, or on $TERM.
static void
s_actor_loop (zsock_t *pipe, void *args)
{
    (void) args;
    zloop_t *loop = zloop_new ();
    zloop_reader (loop, pipe, s_on_pipe, NULL);
    zsock_signal (pipe, 0);
    zloop_start (loop);
    zloop_destroy (&loop);
}

//  Cannot start: logs why and signals failure.
static void
s_actor_fail (zsock_t *pipe, void *args)
{
    (void) args;
    tw_error ("cannot bind tcp://127.0.0.1:1: test failure");
    zsock_signal (pipe, 1);
}

//  Starts, then reports a fatal error, then waits for $TERM.
static void
s_actor_fatal (zsock_t *pipe, void *args)
{
    (void) args;
    zsock_signal (pipe, 0);
    tw_error ("database is gone: test failure");
    zstr_send (pipe, "FATAL");
    while (true) {
        char *command = zstr_recv (pipe);
        bool term = command && strcmp (command, "$TERM") == 0;
        zstr_free (&command);
        if (term)
            break;
    }
}

//  Cannot start for want of a secret: a configuration error.
static void
s_actor_no_secret (zsock_t *pipe, void *args)
{
    tw_error ("no token: set TW_NOTIFIER_TOKEN in the environment");
    (void) args;
    tw_service_config_error ();
    zsock_signal (pipe, 1);
}

static const tw_service_def_t s_def_ok = {NAME, "A service for the unit tests.", s_actor_ok};
static const tw_service_def_t s_def_stubborn = {NAME, "Stubborn.", s_actor_stubborn};
static const tw_service_def_t s_def_loop = {NAME, "With a zloop.", s_actor_loop};
static const tw_service_def_t s_def_fail = {NAME, "Fails.", s_actor_fail};
static const tw_service_def_t s_def_fatal = {NAME, "Fatal.", s_actor_fatal};
static const tw_service_def_t s_def_no_secret = {NAME, "No secret.", s_actor_no_secret};

//  ---------------------------------------------------------------------
//  A child process running tw_service_main, with its output in pipes.

typedef struct {
    pid_t pid;
    int out_fd, err_fd;
    char out[OUTPUT_MAX];
    char err[OUTPUT_MAX];
    size_t out_len, err_len;
} s_child_t;

static char s_dir[256];

static void
s_setup (void)
{
    tw_log_init ("unit");
    //  The children run in an empty directory: no default config file.
    snprintf (s_dir, sizeof s_dir, "/tmp/tw-test-service-XXXXXX");
    ck_assert_ptr_nonnull (mkdtemp (s_dir));
    unsetenv ("TW_LOG_LEVEL");
    unsetenv ("TW_GATEWAY_EXIT_MAX_ATTEMPTS");
}

static void
s_teardown (void)
{
    rmdir (s_dir);
}

//  Starts tw_service_main (def, argv) in a child. env: "NAME=VALUE" strings
//  for the child, NULL-terminated, or NULL.
static void
s_spawn (s_child_t *child, const tw_service_def_t *def, char **argv, char **env)
{
    memset (child, 0, sizeof *child);
    int out[2], err[2];
    ck_assert_int_eq (pipe (out), 0);
    ck_assert_int_eq (pipe (err), 0);
    fflush (stdout);
    fflush (stderr);
    child->pid = fork ();
    ck_assert_int_ge (child->pid, 0);
    if (child->pid == 0) {
        dup2 (out[1], STDOUT_FILENO);
        dup2 (err[1], STDERR_FILENO);
        close (out[0]);
        close (out[1]);
        close (err[0]);
        close (err[1]);
        if (chdir (s_dir) != 0)
            _exit (99);
        for (; env && *env; env++)
            putenv (*env);
        int argc = 0;
        while (argv[argc])
            argc++;
        int rc = tw_service_main (def, argc, argv);
        //  exit, not _exit: the process ends as a real service does,
        //  CZMQ's atexit shutdown included.
        exit (rc);
    }
    close (out[1]);
    close (err[1]);
    child->out_fd = out[0];
    child->err_fd = err[0];
}

//  Reads what the child wrote, until stderr holds needle (when given) or
//  both pipes are closed, or the deadline. Returns true when needle was
//  found (or, with no needle, when the pipes closed).
static bool
s_read (s_child_t *child, const char *needle, int64_t deadline)
{
    while (true) {
        if (needle && strstr (child->err, needle))
            return true;
        if (child->out_fd < 0 && child->err_fd < 0)
            return needle == NULL;
        int64_t left = deadline - tw_clock_mono_ms ();
        if (left <= 0)
            return false;
        struct pollfd fds[2] = {{.fd = child->out_fd, .events = POLLIN},
                                {.fd = child->err_fd, .events = POLLIN}};
        if (poll (fds, 2, (int) left) < 0 && errno != EINTR)
            return false;
        for (int i = 0; i < 2; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP)))
                continue;
            int *fd = i == 0 ? &child->out_fd : &child->err_fd;
            char *buf = i == 0 ? child->out : child->err;
            size_t *len = i == 0 ? &child->out_len : &child->err_len;
            ssize_t n = read (*fd, buf + *len, OUTPUT_MAX - 1 - *len);
            if (n <= 0) {
                close (*fd);
                *fd = -1;
            }
            else {
                *len += (size_t) n;
                buf[*len] = 0;
            }
        }
    }
}

//  Waits for the child to end; returns its exit code (-1 when killed by a
//  signal). Kills it and fails the test past the deadline.
static int
s_wait (s_child_t *child, int timeout_ms)
{
    int64_t deadline = tw_clock_mono_ms () + timeout_ms;
    bool drained = s_read (child, NULL, deadline);
    int status = 0;
    pid_t done = 0;
    //  The pipes closed when the child ended (or it closed them): reap it.
    while ((done = waitpid (child->pid, &status, WNOHANG)) == 0 && tw_clock_mono_ms () < deadline)
        poll (NULL, 0, 5);
    if (!drained || done != child->pid) {
        kill (child->pid, SIGKILL);
        waitpid (child->pid, &status, 0);
        ck_abort_msg ("child did not end within %d ms; stderr: %s", timeout_ms, child->err);
    }
    //  Every line starts with its timestamp (docs/design.md §8.5); the
    //  tests compare the rest.
    ck_assert_msg (tw_test_strip_stamps (child->err), "a line without a timestamp: %s", child->err);
    return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

//  Runs a child to its end and returns its exit code.
static int
s_run (s_child_t *child, const tw_service_def_t *def, char **argv, char **env)
{
    s_spawn (child, def, argv, env);
    return s_wait (child, WAIT_MS);
}

//  ---------------------------------------------------------------------
//  Flags and configuration.

START_TEST (test_version)
{
    s_child_t child;
    ck_assert_int_eq (s_run (&child, &s_def_ok, (char *[]){NAME, "--version", NULL}, NULL), 0);
    ck_assert_str_eq (child.out, NAME " " TW_VERSION "\n");
    ck_assert_int_eq (s_run (&child, &s_def_ok, (char *[]){NAME, "-V", NULL}, NULL), 0);
    ck_assert_str_eq (child.out, NAME " " TW_VERSION "\n");
    ck_assert_str_eq (child.err, "");
}
END_TEST

START_TEST (test_help)
{
    s_child_t child;
    ck_assert_int_eq (s_run (&child, &s_def_ok, (char *[]){NAME, "--help", NULL}, NULL), 0);
    ck_assert_msg (strncmp (child.out, "Usage: " NAME " [-c FILE]\nA service for the unit tests.\n",
                            strlen ("Usage: " NAME " [-c FILE]\nA service for the unit tests.\n"))
                       == 0,
                   "%s", child.out);
    ck_assert_ptr_nonnull (strstr (child.out, "TW_<SECTION>_<KEY>"));
    ck_assert_int_eq (s_run (&child, &s_def_ok, (char *[]){NAME, "-h", NULL}, NULL), 0);
    ck_assert_ptr_nonnull (strstr (child.out, "Usage: "));
}
END_TEST

START_TEST (test_bad_flags)
{
    s_child_t child;
    ck_assert_int_eq (s_run (&child, &s_def_ok, (char *[]){NAME, "-x", NULL}, NULL), 2);
    ck_assert_str_eq (child.err, "ERROR " NAME " unknown option '-x' (try --help)\n");
    ck_assert_str_eq (child.out, "");
    ck_assert_int_eq (s_run (&child, &s_def_ok, (char *[]){NAME, "-c", NULL}, NULL), 2);
    ck_assert_str_eq (child.err, "ERROR " NAME " option -c needs a FILE (try --help)\n");
    ck_assert_int_eq (s_run (&child, &s_def_ok, (char *[]){NAME, "extra", NULL}, NULL), 2);
}
END_TEST

START_TEST (test_config_errors)
{
    s_child_t child;
    ck_assert_int_eq (
        s_run (&child, &s_def_ok, (char *[]){NAME, "-c", "/nonexistent/tw.ini", NULL}, NULL), 2);
    ck_assert_str_eq (child.err, "ERROR " NAME " config file '/nonexistent/tw.ini' not found\n");
    ck_assert_int_eq (s_run (&child, &s_def_ok, (char *[]){NAME, NULL},
                             (char *[]){"TW_GATEWAY_EXIT_MAX_ATTEMPTS=abc", NULL}),
                      2);
    ck_assert_str_eq (child.err,
                      "ERROR " NAME " TW_GATEWAY_EXIT_MAX_ATTEMPTS: 'abc' is not an integer\n");
}
END_TEST

//  ---------------------------------------------------------------------
//  Running, stopping, failing.

//  Starts the ok service, waits until it is up, sends signum, and checks
//  that it stops cleanly in time.
static void
s_stop_with (int signum, const tw_service_def_t *def)
{
    s_child_t child;
    s_spawn (&child, def, (char *[]){NAME, NULL}, NULL);
    ck_assert_msg (s_read (&child, "INFO " NAME " started", tw_clock_mono_ms () + WAIT_MS),
                   "not started; stderr: %s", child.err);
    int64_t sent = tw_clock_mono_ms ();
    ck_assert_int_eq (kill (child.pid, signum), 0);
    int rc = s_wait (&child, WAIT_MS);
    int64_t took = tw_clock_mono_ms () - sent;
    ck_assert_msg (rc == 0, "exit %d; stderr: %s", rc, child.err);
    ck_assert_msg (took < STOP_LIMIT_MS, "took %lld ms", (long long) took);
    //  The effective configuration was logged, then the stop.
    ck_assert_ptr_nonnull (
        strstr (child.err, "INFO " NAME " config file=none (every key has its default)\n"));
    //  One line, not a dump of every section.
    ck_assert_ptr_null (strstr (child.err, "config ["));
    ck_assert_ptr_nonnull (strstr (child.err, "INFO " NAME " stopped\n"));
    ck_assert_ptr_null (strstr (child.err, "ERROR"));
}

START_TEST (test_sigterm)
{
    s_stop_with (SIGTERM, &s_def_ok);
}
END_TEST

START_TEST (test_sigint)
{
    s_stop_with (SIGINT, &s_def_ok);
}
END_TEST

START_TEST (test_sigterm_stubborn_actor)
{
    //  An actor that ignores signals and ends only on $TERM.
    s_stop_with (SIGTERM, &s_def_stubborn);
}
END_TEST

START_TEST (test_sigterm_zloop_actor)
{
    s_stop_with (SIGTERM, &s_def_loop);
}
END_TEST

START_TEST (test_start_failure)
{
    s_child_t child;
    ck_assert_int_eq (s_run (&child, &s_def_fail, (char *[]){NAME, NULL}, NULL), 1);
    ck_assert_ptr_nonnull (strstr (child.err, "ERROR " NAME " cannot bind tcp://127.0.0.1:1"));
    ck_assert_ptr_nonnull (strstr (child.err, "ERROR " NAME " service actor ended"));
}
END_TEST

START_TEST (test_missing_secret)
{
    //  One line that names the variable, exit 2: nothing else after the
    //  configuration line.
    s_child_t child;
    ck_assert_int_eq (s_run (&child, &s_def_no_secret, (char *[]){NAME, NULL}, NULL), 2);
    ck_assert_str_eq (child.err,
                      "INFO " NAME " config file=none (every key has its default)\n"
                      "ERROR " NAME " no token: set TW_NOTIFIER_TOKEN in the environment\n");
}
END_TEST

START_TEST (test_unknown_env_key)
{
    s_child_t child;
    ck_assert_int_eq (s_run (&child, &s_def_ok, (char *[]){NAME, NULL},
                             (char *[]){"TW_GATEWAY_BROKR=fyers", NULL}),
                      2);
    ck_assert_str_eq (child.err,
                      "ERROR " NAME
                      " environment TW_GATEWAY_BROKR: unknown key 'brokr' in [gateway]\n");
}
END_TEST

START_TEST (test_fatal)
{
    s_child_t child;
    ck_assert_int_eq (s_run (&child, &s_def_fatal, (char *[]){NAME, NULL}, NULL), 1);
    ck_assert_ptr_nonnull (strstr (child.err, "ERROR " NAME " database is gone"));
    ck_assert_ptr_nonnull (strstr (child.err, "ERROR " NAME " service stopping after a fatal"));
}
END_TEST

START_TEST (test_log_level_from_config)
{
    //  [log] level = error: only the errors are written.
    s_child_t child;
    char *env[] = {"TW_LOG_LEVEL=error", NULL};
    ck_assert_int_eq (s_run (&child, &s_def_fail, (char *[]){NAME, NULL}, env), 1);
    ck_assert_ptr_null (strstr (child.err, "INFO"));
    ck_assert_ptr_nonnull (strstr (child.err, "ERROR " NAME " cannot bind"));
}
END_TEST

//  ---------------------------------------------------------------------
//  In-process.

START_TEST (test_in_process)
{
    char err[256] = "";
    setenv ("TW_LOG_LEVEL", "warn", 1);
    ck_assert_int_eq (chdir (s_dir), 0);
    tw_config_t *config = tw_config_load (NULL, err, sizeof err);
    ck_assert_msg (config != NULL, "%s", err);
    int64_t before = tw_clock_mono_ms ();
    tw_service_t *service = tw_service_new ("in-process", config);
    ck_assert_ptr_nonnull (service);
    ck_assert_str_eq (tw_service_name (service), "in-process");
    ck_assert_ptr_eq (tw_service_config (service), config);
    ck_assert_int_ge (tw_service_started_ms (service), before);

    zactor_t *actor = zactor_new (s_actor_ok, service);
    ck_assert_ptr_nonnull (actor);
    zsock_set_rcvtimeo (actor, WAIT_MS);
    zstr_send (actor, "NAME");
    char *reply = zstr_recv (actor);
    ck_assert_ptr_nonnull (reply);
    ck_assert_str_eq (reply, "in-process");
    zstr_free (&reply);
    zstr_send (actor, "LEVEL");
    reply = zstr_recv (actor);
    ck_assert_ptr_nonnull (reply);
    ck_assert_str_eq (reply, "warn");
    zstr_free (&reply);
    zactor_destroy (&actor);
    ck_assert_ptr_null (actor);

    tw_service_destroy (&service);
    ck_assert_ptr_null (service);
    tw_service_destroy (&service);
    tw_config_destroy (&config);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("tw_service");
    TCase *tc = tcase_create ("core");
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, test_version);
    tcase_add_test (tc, test_help);
    tcase_add_test (tc, test_bad_flags);
    tcase_add_test (tc, test_config_errors);
    tcase_add_test (tc, test_sigterm);
    tcase_add_test (tc, test_sigint);
    tcase_add_test (tc, test_sigterm_stubborn_actor);
    tcase_add_test (tc, test_sigterm_zloop_actor);
    tcase_add_test (tc, test_start_failure);
    tcase_add_test (tc, test_fatal);
    tcase_add_test (tc, test_missing_secret);
    tcase_add_test (tc, test_unknown_env_key);
    tcase_add_test (tc, test_log_level_from_config);
    tcase_add_test (tc, test_in_process);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
