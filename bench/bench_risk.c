//  bench_risk - the risk-monitor process against a bare floor.
//
//  Usage: bench_risk --risk-monitor PATH [-r RUNS] [-t TICKS] [-s SIZES] [-k]
//  (bench/run passes the path of a build directory.)
//
//  Each run, for 10, 1,000 and 10,000 positions (or -s 10,1000,...) on 100
//  symbols (and a
//  canary position on its own symbol), interleaved with the floor:
//    start       the risk-monitor process is started against a stand-in
//                gateway (bench_risk_parts.h) while the bench publishes the
//                canary's tick every millisecond: start -> the canary's close
//                received at the gateway is "start -> first stop watched".
//    rate        TICKS ticks (no stop crossed) published as fast as the feed
//                can, to a PUB without a high-water mark: a subscriber that
//                falls behind makes the feed queue, never drop. The figure is
//                TICKS / (first send -> the risk-monitor's `ticks` counter,
//                read by ping every millisecond, reaching its start value +
//                TICKS). "Kept up with" means exactly that: nothing dropped
//                (the counter reaches TICKS more, no fewer) and the time it
//                took to catch up is in the rate. A counter that stalls for
//                2 s fails the run.
//    floor       the same TICKS to a bare SUB in the bench (msgpack-c decode
//                of the same frames, one compare with a stop, the same
//                poll-and-drain loop), judged the same way.
//    rss         VmRSS of the risk-monitor once synced (idle) and the
//                highest seen while the rate ran (load).
//  The figures are medians over the runs; the spread (min..max) and the
//  load average before and after show the noise of a shared machine.
//
//  Output: one table on stdout and one "name median=.. min=.. max=.. n=.."
//  line per figure; progress on stderr. Exit 0, or 1 with a "bench: FAIL"
//  line when anything is off.

#define _GNU_SOURCE //  posix_spawn_file_actions_addchdir_np

#include "bench_fixture.h"
#include "bench_risk_parts.h"
#include "tw_clock.h"
#include "tw_cmd.h"
#include "tw_fixture.h"
#include "tw_log.h"
#include "tw_proc.h"
#include "tw_sock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BENCH_RUNS_DEFAULT 5
#define BENCH_RUNS_MAX 50
#define BENCH_TICKS_DEFAULT 500000
#define BENCH_TICKS_MAX 50000000
#define BENCH_SIZES_MAX 8
#define BENCH_START_TIMEOUT_MS 10000
#define BENCH_STALL_MS 2000
#define BENCH_PING_TIMEOUT_MS 2000
#define BENCH_WARMUP_TIMEOUT_MS 5000

typedef struct {
    const char *risk_path;
    int runs;
    int64_t ticks;
    int sizes[BENCH_SIZES_MAX]; //  position counts
    int size_count;
    bool keep;
} bench_args_t;

//  The samples of one figure, one per run.
typedef struct {
    double values[BENCH_RUNS_MAX];
    int count;
} bench_figure_t;

typedef struct {
    bench_figure_t floor;
    bench_figure_t rate[BENCH_SIZES_MAX];
    bench_figure_t start_ms[BENCH_SIZES_MAX];
    bench_figure_t rss_idle_kb[BENCH_SIZES_MAX];
    bench_figure_t rss_load_kb[BENCH_SIZES_MAX];
} bench_results_t;

static void s_progress (const char *format, ...) __attribute__ ((format (printf, 1, 2)));

static void
s_progress (const char *format, ...)
{
    va_list args;
    va_start (args, format);
    fputs ("==> bench: ", stderr);
    vfprintf (stderr, format, args);
    fputc ('\n', stderr);
    va_end (args);
}

static int
s_cmp_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static void
s_add (bench_figure_t *figure, double value)
{
    if (figure->count < BENCH_RUNS_MAX)
        figure->values[figure->count++] = value;
}

//  Sorts the samples; returns the median (0 when there are none).
static double
s_median (bench_figure_t *figure)
{
    if (figure->count == 0)
        return 0;
    qsort (figure->values, (size_t) figure->count, sizeof (double), s_cmp_double);
    int n = figure->count;
    return n % 2 ? figure->values[n / 2] : (figure->values[n / 2 - 1] + figure->values[n / 2]) / 2;
}

static void
s_loadavg (char *buf, size_t size)
{
    snprintf (buf, size, "?");
    FILE *file = fopen ("/proc/loadavg", "r");
    if (!file)
        return;
    if (fgets (buf, (int) size, file))
        buf[strcspn (buf, "\n")] = 0;
    fclose (file);
}

//  VmRSS of pid in kB; -1 when it cannot be read.
static int64_t
s_rss_kb (pid_t pid)
{
    char path[64], line[256];
    snprintf (path, sizeof path, "/proc/%d/status", (int) pid);
    FILE *file = fopen (path, "r");
    if (!file)
        return -1;
    int64_t kb = -1;
    while (fgets (line, sizeof line, file))
        if (strncmp (line, "VmRSS:", 6) == 0)
            kb = strtoll (line + 6, NULL, 10);
    fclose (file);
    return kb;
}

//  ---------------------------------------------------------------------------
//  The risk-monitor process and its control socket.

typedef struct {
    tw_fixture_t *base;
    const char *control;
    bench_gateway_t gw;
    zactor_t *gateway;
    bench_feed_t *feed;
    pid_t pid;
    zsock_t *ping; //  REQ to the control endpoint
    char log[512];
} bench_risk_t;

static pid_t
s_spawn (bench_risk_t *self, const char *path)
{
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init (&actions);
    posix_spawn_file_actions_addopen (&actions, 1, self->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2 (&actions, 1, 2);
    posix_spawn_file_actions_addchdir_np (&actions, tw_fixture_dir (self->base));
    char *const argv[] = {(char *) "risk-monitor", NULL};
    pid_t pid = -1;
    int rc =
        posix_spawn (&pid, path, &actions, NULL, argv, (char *const *) tw_fixture_env (self->base));
    posix_spawn_file_actions_destroy (&actions);
    return rc == 0 ? pid : -1;
}

//  Counter name of the risk-monitor's pong; -1 when it did not answer.
static int64_t
s_counter (bench_risk_t *self, const char *name)
{
    tw_msg_t ping, pong;
    tw_msg_init (&ping, TW_MSG_PING);
    if (tw_sock_send (self->ping, &ping) != 0)
        return -1;
    zpoller_t *poller = zpoller_new (self->ping, NULL);
    bool answered = zpoller_wait (poller, BENCH_PING_TIMEOUT_MS) != NULL;
    zpoller_destroy (&poller);
    char err[TW_TEXT_MAX];
    pong.type = TW_MSG_INVALID;
    if (!answered || tw_sock_recv (self->ping, &pong, err, sizeof err) != 0) {
        //  A REQ that got no reply cannot send again: start over.
        zsock_destroy (&self->ping);
        self->ping = tw_sock_client_new (self->control);
        return -1;
    }
    int64_t value = tw_cmd_pong_counter (&pong, name);
    tw_msg_reset (&pong);
    return value;
}

static void
s_risk_destroy (bench_risk_t *self, bool failed)
{
    if (self->pid > 0) {
        kill (self->pid, SIGTERM);
        int status = 0;
        int64_t deadline = tw_clock_mono_ms () + BENCH_STOP_TIMEOUT_MS;
        while (waitpid (self->pid, &status, WNOHANG) == 0) {
            if (tw_clock_mono_ms () > deadline) {
                bench_fail ("risk-monitor did not stop within %d ms", BENCH_STOP_TIMEOUT_MS);
                kill (self->pid, SIGKILL);
                waitpid (self->pid, &status, 0);
                failed = true;
                break;
            }
            zclock_sleep (BENCH_POLL_PACING_MS);
        }
    }
    if (failed)
        tw_file_print_tail (self->log, 20);
    zsock_destroy (&self->ping);
    zactor_destroy (&self->gateway);
    bench_feed_destroy (&self->feed);
    tw_fixture_destroy (&self->base);
}

//  Starts the stand-in gateway and the feed, then the risk-monitor while
//  the canary ticks; fills *start_ms and *rss_idle_kb once it is synced.
static int
s_risk_start (bench_risk_t *self, const bench_args_t *args, int positions, double *start_ms,
              double *rss_idle_kb)
{
    memset (self, 0, sizeof *self);
    self->base = tw_fixture_new ("bench-risk");
    if (!self->base)
        return bench_fail ("cannot make a scratch directory");
    if (args->keep)
        tw_fixture_keep (self->base);
    snprintf (self->log, sizeof self->log, "%s", tw_fixture_log (self->base, "risk-monitor"));
    self->gw.positions = positions;
    self->gw.rep = tw_fixture_endpoint (self->base, "TW_ENDPOINTS_GATEWAY_REP");
    self->gw.pub = tw_fixture_endpoint (self->base, "TW_ENDPOINTS_GATEWAY_PUB");
    const char *feed = tw_fixture_endpoint (self->base, "TW_ENDPOINTS_FEED_PUB");
    self->control = tw_fixture_endpoint (self->base, "TW_ENDPOINTS_RISK_CONTROL");
    if (!self->gw.rep || !self->gw.pub || !feed || !self->control)
        return bench_fail ("no free ports");
    tw_fixture_set (self->base, "TW_LOG_LEVEL", "info");
    self->gateway = zactor_new (bench_gateway_actor, &self->gw);
    self->feed = bench_feed_new (feed);
    if (!self->gateway || !self->feed)
        return bench_fail ("cannot start the stand-in gateway or the feed");
    int64_t started_us = bench_now_us ();
    self->pid = s_spawn (self, args->risk_path);
    if (self->pid < 0)
        return bench_fail ("cannot start %s", args->risk_path);
    //  The canary ticks until its close arrives.
    int64_t deadline = tw_clock_mono_ms () + BENCH_START_TIMEOUT_MS;
    while (!self->gw.first_close_us && tw_clock_mono_ms () < deadline) {
        bench_feed_canary (self->feed);
        zclock_sleep (1);
    }
    if (!self->gw.first_close_us)
        return bench_fail ("no close of the canary within %d ms of start (%d positions)",
                           BENCH_START_TIMEOUT_MS, positions);
    *start_ms = (double) (self->gw.first_close_us - started_us) / 1000.0;
    self->ping = tw_sock_client_new (self->control);
    if (!self->ping)
        return bench_fail ("cannot connect to %s", self->control);
    if (tw_cmd_wait_counter (self->control, TW_MSG_PING, "positions_watched", positions + 1,
                             BENCH_START_TIMEOUT_MS, NULL)
        == false)
        return bench_fail ("the risk-monitor does not watch %d positions", positions + 1);
    *rss_idle_kb = (double) s_rss_kb (self->pid);
    return 0;
}

//  ---------------------------------------------------------------------------
//  Rates.

typedef int64_t (s_count_fn) (void *arg);

static int64_t
s_risk_ticks (void *arg)
{
    return s_counter ((bench_risk_t *) arg, "ticks");
}

static int64_t
s_floor_ticks (void *arg)
{
    return ((bench_floor_t *) arg)->ticks;
}

//  Publishes one tick at a time until the counter moves (the subscription
//  is up: no slow joiner), then waits for it to settle.
static int64_t
s_warm_up (bench_feed_t *feed, s_count_fn *count, void *arg)
{
    int64_t start = count (arg);
    int64_t deadline = tw_clock_mono_ms () + BENCH_WARMUP_TIMEOUT_MS;
    while (count (arg) == start && tw_clock_mono_ms () < deadline) {
        bench_feed_send (feed, 1);
        zclock_sleep (1);
    }
    int64_t seen = count (arg);
    if (seen == start)
        return -1;
    //  The warm-up ticks still queued arrive within a few milliseconds.
    for (int64_t last = -1; last != seen;) {
        zclock_sleep (20);
        last = seen;
        seen = count (arg);
    }
    return seen;
}

//  Sends ticks and times until count has risen by that many; ticks/s, or
//  -1 when the counter stalled (something was dropped). rss_pid > 0: the
//  highest VmRSS seen meanwhile goes to *rss_kb.
static double
s_rate (bench_feed_t *feed, int64_t ticks, s_count_fn *count, void *arg, pid_t rss_pid,
        double *rss_kb)
{
    int64_t start = s_warm_up (feed, count, arg);
    if (start < 0)
        return bench_fail ("the subscriber never saw a tick");
    int64_t target = start + ticks;
    int64_t t0 = bench_now_us ();
    if (bench_feed_send (feed, ticks) != 0)
        return -1;
    int64_t sent_us = bench_now_us ();
    int64_t seen = count (arg), last = seen, last_change = tw_clock_mono_ms ();
    int64_t highest_rss = rss_pid > 0 ? s_rss_kb (rss_pid) : 0;
    while (seen < target) {
        zclock_sleep (1);
        seen = count (arg);
        if (rss_pid > 0) {
            int64_t rss = s_rss_kb (rss_pid);
            highest_rss = rss > highest_rss ? rss : highest_rss;
        }
        if (seen != last) {
            last = seen;
            last_change = tw_clock_mono_ms ();
        }
        else if (tw_clock_mono_ms () - last_change > BENCH_STALL_MS)
            return bench_fail ("the counter stalled at %lld of %lld: %lld ticks dropped",
                               (long long) (seen - start), (long long) ticks,
                               (long long) (target - seen));
    }
    int64_t t1 = bench_now_us ();
    if (seen != target)
        return bench_fail ("the counter went past the ticks sent: %lld of %lld",
                           (long long) (seen - start), (long long) ticks);
    if (rss_kb)
        *rss_kb = (double) highest_rss;
    double rate = (double) ticks * 1e6 / (double) (t1 - t0);
    s_progress ("  %lld ticks: sent in %.0f ms, counted in %.0f ms: %.0f ticks/s",
                (long long) ticks, (double) (sent_us - t0) / 1000.0, (double) (t1 - t0) / 1000.0,
                rate);
    return rate;
}

static int
s_run_floor (const bench_args_t *args, bench_results_t *results)
{
    tw_fixture_t *base = tw_fixture_new ("bench-floor");
    const char *endpoint = base ? tw_fixture_endpoint (base, "FEED") : NULL;
    bench_floor_t floor = {.feed = endpoint};
    bench_feed_t *feed = endpoint ? bench_feed_new (endpoint) : NULL;
    zactor_t *actor = feed ? zactor_new (bench_floor_actor, &floor) : NULL;
    double rate = actor ? s_rate (feed, args->ticks, s_floor_ticks, &floor, 0, NULL) : -1;
    zactor_destroy (&actor);
    bench_feed_destroy (&feed);
    tw_fixture_destroy (&base);
    if (rate <= 0 || floor.bad || floor.crossings)
        return bench_fail ("floor: rate %.0f, %lld bad, %lld crossings", rate,
                           (long long) floor.bad, (long long) floor.crossings);
    s_add (&results->floor, rate);
    return 0;
}

static int
s_run_risk (const bench_args_t *args, int size, bench_results_t *results)
{
    bench_risk_t risk;
    double start_ms = 0, rss_idle = 0, rss_load = 0;
    int rc = s_risk_start (&risk, args, args->sizes[size], &start_ms, &rss_idle);
    double rate = -1;
    if (rc == 0)
        rate = s_rate (risk.feed, args->ticks, s_risk_ticks, &risk, risk.pid, &rss_load);
    if (rc == 0 && rate > 0 && s_counter (&risk, "bad_ticks") != 0)
        rc = bench_fail ("the risk-monitor counted bad ticks");
    bool failed = rc != 0 || rate <= 0;
    s_risk_destroy (&risk, failed);
    if (failed)
        return -1;
    s_progress ("  %d positions: start -> first stop watched %.1f ms, rss idle %.0f kB, "
                "load %.0f kB",
                args->sizes[size], start_ms, rss_idle, rss_load);
    s_add (&results->rate[size], rate);
    s_add (&results->start_ms[size], start_ms);
    s_add (&results->rss_idle_kb[size], rss_idle);
    s_add (&results->rss_load_kb[size], rss_load);
    return 0;
}

//  ---------------------------------------------------------------------------
//  Report.

static void
s_line (const char *name, bench_figure_t *figure)
{
    double median = s_median (figure);
    printf ("%s median=%.0f min=%.0f max=%.0f n=%d\n", name, median, figure->values[0],
            figure->values[figure->count - 1], figure->count);
}

static void
s_report (const bench_args_t *args, bench_results_t *results, const char *load_before,
          const char *load_after)
{
    //  Every figure sorted first: values[0] is then its min, the last its max.
    double floor = s_median (&results->floor);
    for (int i = 0; i < args->size_count; i++) {
        s_median (&results->rate[i]);
        s_median (&results->start_ms[i]);
        s_median (&results->rss_idle_kb[i]);
        s_median (&results->rss_load_kb[i]);
    }
    printf ("\nrisk-monitor benchmark (build %s, -O%s, sanitize %s): %d interleaved runs of "
            "%lld ticks on %d symbols; medians, [min..max]\n",
            BENCH_BUILDTYPE, BENCH_OPTIMIZATION, BENCH_SANITIZE, args->runs,
            (long long) args->ticks, BENCH_RISK_SYMBOLS);
    printf ("load average before: %s; after: %s\n\n", load_before, load_after);
    printf ("| figure | risk-monitor | bare floor, same runs | ratio |\n|---|---|---|---|\n");
    for (int i = 0; i < args->size_count; i++) {
        double rate = s_median (&results->rate[i]);
        printf ("| sustained tick rate, %d positions | %.0f k/s [%.0f..%.0f] | %.0f k/s "
                "[%.0f..%.0f] | %.2fx slower |\n",
                args->sizes[i], rate / 1000, results->rate[i].values[0] / 1000,
                results->rate[i].values[results->rate[i].count - 1] / 1000, floor / 1000,
                results->floor.values[0] / 1000,
                results->floor.values[results->floor.count - 1] / 1000, floor / rate);
    }
    for (int i = 0; i < args->size_count; i++)
        printf ("| start -> first stop watched, %d positions | %.1f ms [%.1f..%.1f] | - | - |\n",
                args->sizes[i], s_median (&results->start_ms[i]), results->start_ms[i].values[0],
                results->start_ms[i].values[results->start_ms[i].count - 1]);
    for (int i = 0; i < args->size_count; i++)
        printf ("| RSS idle / under load, %d positions | %.1f / %.1f MB | - | - |\n",
                args->sizes[i], s_median (&results->rss_idle_kb[i]) / 1024,
                s_median (&results->rss_load_kb[i]) / 1024);
    printf ("\n");
    s_line ("floor_ticks_per_s", &results->floor);
    char name[64];
    for (int i = 0; i < args->size_count; i++) {
        snprintf (name, sizeof name, "risk_%d_ticks_per_s", args->sizes[i]);
        s_line (name, &results->rate[i]);
        snprintf (name, sizeof name, "risk_%d_start_to_watch_ms", args->sizes[i]);
        s_line (name, &results->start_ms[i]);
        snprintf (name, sizeof name, "risk_%d_rss_idle_kb", args->sizes[i]);
        s_line (name, &results->rss_idle_kb[i]);
        snprintf (name, sizeof name, "risk_%d_rss_load_kb", args->sizes[i]);
        s_line (name, &results->rss_load_kb[i]);
    }
}

//  ---------------------------------------------------------------------------

static void
s_usage (void)
{
    fprintf (stderr,
             "usage: bench_risk --risk-monitor PATH [-r RUNS] [-t TICKS] [-s SIZES] [-k]\n"
             "  -r RUNS   interleaved runs, 1..%d (default %d)\n"
             "  -t TICKS  ticks per rate figure, 1000..%d (default %d)\n"
             "  -s SIZES  position counts, comma-separated, at most %d (default 10,1000,10000)\n"
             "  -k        keep the temporary directories (logs)\n",
             BENCH_RUNS_MAX, BENCH_RUNS_DEFAULT, BENCH_TICKS_MAX, BENCH_TICKS_DEFAULT,
             BENCH_SIZES_MAX);
}

static long
s_number (const char *text, long min, long max)
{
    char *end = NULL;
    long value = text ? strtol (text, &end, 10) : 0;
    return text && *text && end && !*end && value >= min && value <= max ? value : -1;
}

//  Parses "10,1000,..." into args->sizes; -1 when it is not such a list.
static int
s_sizes (const char *text, bench_args_t *args)
{
    args->size_count = 0;
    char buf[128];
    snprintf (buf, sizeof buf, "%s", text ? text : "");
    for (char *save = NULL, *item = strtok_r (buf, ",", &save); item;
         item = strtok_r (NULL, ",", &save)) {
        long size = s_number (item, 1, 1000000);
        if (size < 0 || args->size_count == BENCH_SIZES_MAX)
            return -1;
        args->sizes[args->size_count++] = (int) size;
    }
    return args->size_count > 0 ? 0 : -1;
}

static int
s_parse (int argc, char **argv, bench_args_t *args)
{
    *args = (bench_args_t){.runs = BENCH_RUNS_DEFAULT,
                           .ticks = BENCH_TICKS_DEFAULT,
                           .sizes = {10, 1000, 10000},
                           .size_count = 3};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (streq (arg, "-k"))
            args->keep = true;
        else if (streq (arg, "--risk-monitor") && value)
            args->risk_path = argv[++i];
        else if (streq (arg, "-r") && (args->runs = (int) s_number (value, 1, BENCH_RUNS_MAX)) > 0)
            i++;
        else if (streq (arg, "-s") && s_sizes (value, args) == 0)
            i++;
        else if (streq (arg, "-t") && (args->ticks = s_number (value, 1000, BENCH_TICKS_MAX)) > 0)
            i++;
        else
            return -1;
    }
    if (!args->risk_path)
        return -1;
    //  Started in its scratch directory: the path must not be relative.
    static char absolute[PATH_MAX];
    if (!realpath (args->risk_path, absolute)) {
        fprintf (stderr, "bench_risk: %s: %s\n", args->risk_path, strerror (errno));
        return -1;
    }
    args->risk_path = absolute;
    return 0;
}

int
main (int argc, char **argv)
{
    bench_args_t args;
    if (s_parse (argc, argv, &args) != 0) {
        s_usage ();
        return 2;
    }
    tw_log_init ("bench");
    static bench_results_t results;
    char load_before[128], load_after[128];
    s_loadavg (load_before, sizeof load_before);
    int64_t started = tw_clock_mono_ms ();
    int rc = 0;
    for (int run = 0; rc == 0 && run < args.runs; run++) {
        s_progress ("run %d of %d: floor", run + 1, args.runs);
        rc = s_run_floor (&args, &results);
        for (int size = 0; rc == 0 && size < args.size_count; size++) {
            s_progress ("run %d of %d: risk-monitor, %d positions", run + 1, args.runs,
                        args.sizes[size]);
            rc = s_run_risk (&args, size, &results);
        }
    }
    s_loadavg (load_after, sizeof load_after);
    if (rc != 0) {
        fprintf (stderr, "bench: FAILED after %.1f s; no figures\n",
                 (double) (tw_clock_mono_ms () - started) / 1000.0);
        return 1;
    }
    s_progress ("done in %.1f s", (double) (tw_clock_mono_ms () - started) / 1000.0);
    s_report (&args, &results, load_before, load_after);
    return 0;
}
