//  bench_rss - the resident memory of each of the five services, idle and
//  under load, as the whole stack of real processes (tw_stack: the fake
//  Fyers server, market-feed on a replay file, signal-engine, risk-monitor,
//  order-gateway on the fake, notifier).
//
//  Usage: bench_rss --bin-dir BUILD_DIR [-p POSITIONS] [-c CLIENTS]
//                   [-t TICKS_PER_S] [-s SECONDS] [-k]
//
//  Idle: all five started, the feed replaying 10 ticks a second, no
//  position, no client: VmRSS of each after BENCH_IDLE_MS.
//  Load: the feed restarted at TICKS_PER_S (100 symbols), POSITIONS
//  positions opened through the signal-engine (stops far from the price:
//  none is hit), CLIENTS WebSocket clients of the notifier (anonymous,
//  read-only) read by the bench; after SECONDS of that, VmRSS of each and
//  its VmHWM (the peak over its whole life). /proc/PID/status, in kB.
//
//  "Kept up with" under load: the risk-monitor's ticks counter must have
//  risen by at least 90 % of what the market-feed's ticks_published rose by
//  over the window (ZeroMQ drops nothing it has queued; a gap is ticks
//  still queued), every position must be watched, and the notifier must
//  still count CLIENTS clients, none dropped; else the bench fails.

#include "bench_fixture.h"
#include "bench_ws.h"
#include "tw_clock.h"
#include "tw_cmd.h"
#include "tw_log.h"
#include "tw_stack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BENCH_SYMBOLS 100
#define BENCH_ROWS 20000 //  one row a millisecond: 20 s of ticks at speed 1
#define BENCH_PRICE 100.0
#define BENCH_IDLE_SPEED "0.01" //  10 ticks a second
#define BENCH_IDLE_MS 3000
#define BENCH_OPEN_TIMEOUT_MS 10000
#define BENCH_POSITIONS_DEFAULT 100
#define BENCH_CLIENTS_DEFAULT 100
#define BENCH_RATE_DEFAULT 20000
#define BENCH_SECONDS_DEFAULT 10
#define BENCH_KEPT_UP_PERCENT 90

typedef struct {
    const char *bin_dir;
    int positions;
    int clients;
    int rate;
    int seconds;
    bool keep;
} bench_args_t;

static void
s_symbol (int i, char *symbol, size_t size)
{
    snprintf (symbol, size, "NSE:RSS%03d-EQ", i);
}

//  BENCH_ROWS ticks, one a millisecond, the symbols in turn, the price
//  moving by a few paise around BENCH_PRICE.
static char *
s_ticks_csv (void)
{
    size_t size = (size_t) BENCH_ROWS * 48 + 64;
    char *csv = (char *) malloc (size);
    assert (csv);
    size_t at = (size_t) snprintf (csv, size, "ts_ms,symbol,ltp\n");
    for (int i = 0; i < BENCH_ROWS; i++) {
        char symbol[TW_SYMBOL_MAX];
        s_symbol (i % BENCH_SYMBOLS, symbol, sizeof symbol);
        at += (size_t) snprintf (csv + at, size - at, "%d,%s,%.2f\n", i, symbol,
                                 BENCH_PRICE + (double) (i % 7) * 0.05);
    }
    return csv;
}

static void
s_read_rss (tw_stack_t *stack, const char *field, int64_t kb[TW_STACK_SERVICES])
{
    for (int i = 0; i < TW_STACK_SERVICES; i++)
        kb[i] = bench_status_kb (tw_fixture_pid (tw_stack_fixture (stack), tw_stack_services[i]),
                                 field);
}

static int64_t
s_counter (tw_stack_t *stack, const char *service, const char *name)
{
    return tw_cmd_counter (tw_stack_control (stack, service), TW_MSG_PING, name);
}

//  Reads the clients for ms milliseconds.
static int
s_pump_for (bench_ws_poll_t *poll, int ms)
{
    int64_t end = tw_clock_mono_ms () + ms;
    while (tw_clock_mono_ms () < end)
        if (bench_ws_pump (poll, 50) != 0)
            return -1;
    return 0;
}

static int
s_load (tw_stack_t *stack, const bench_args_t *args, int64_t rss[TW_STACK_SERVICES],
        int64_t hwm[TW_STACK_SERVICES], double *rate)
{
    tw_fixture_t *base = tw_stack_fixture (stack);
    //  The feed again, at the load's pace: ts_ms is one a millisecond.
    tw_fixture_stop (base, "market-feed", SIGTERM, BENCH_STOP_TIMEOUT_MS);
    tw_fixture_set (base, "TW_FEED_REPLAY_SPEED", "%g", args->rate / 1000.0);
    if (tw_stack_start (stack, "market-feed") != 0)
        return bench_fail ("the market-feed did not restart");
    fprintf (stderr, "==> bench: rss: feed at %d ticks/s; opening %d positions\n", args->rate,
             args->positions);
    for (int i = 0; i < args->positions; i++) {
        char symbol[TW_SYMBOL_MAX];
        s_symbol (i % BENCH_SYMBOLS, symbol, sizeof symbol);
        if (tw_stack_open (stack, symbol, 1 + i / BENCH_SYMBOLS, BENCH_PRICE / 2, BENCH_PRICE * 2,
                           BENCH_OPEN_TIMEOUT_MS)
            != TW_ACK_ACCEPTED)
            return bench_fail ("open %d (%s) refused", i, symbol);
    }
    int64_t watched = -1;
    if (!tw_cmd_wait_counter (tw_stack_control (stack, "risk-monitor"), TW_MSG_PING,
                              "positions_watched", args->positions, BENCH_OPEN_TIMEOUT_MS,
                              &watched))
        return bench_fail ("the risk-monitor watches %lld of %d positions", (long long) watched,
                           args->positions);
    bench_ws_poll_t *poll = bench_ws_poll_new ();
    bench_ws_set_t *clients = poll ? bench_ws_set_new (poll, tw_stack_ws_port (stack),
                                                       args->clients, NULL, BENCH_EVENT_TIMEOUT_MS)
                                   : NULL;
    int rc = clients ? 0 : -1;
    int64_t published = s_counter (stack, "market-feed", "ticks_published");
    int64_t seen = s_counter (stack, "risk-monitor", "ticks");
    int64_t start_ms = tw_clock_mono_ms ();
    if (rc == 0) {
        fprintf (stderr, "==> bench: rss: %d positions, %d clients; %d s of load\n",
                 args->positions, args->clients, args->seconds);
        rc = s_pump_for (poll, args->seconds * 1000);
    }
    if (rc == 0) {
        int64_t published_end = s_counter (stack, "market-feed", "ticks_published");
        int64_t seen_end = s_counter (stack, "risk-monitor", "ticks");
        double elapsed_s = (double) (tw_clock_mono_ms () - start_ms) / 1000.0;
        s_read_rss (stack, "VmRSS:", rss);
        s_read_rss (stack, "VmHWM:", hwm);
        int64_t sent = published_end - published, got = seen_end - seen;
        *rate = (double) sent / elapsed_s;
        if (sent <= 0 || got * 100 < sent * BENCH_KEPT_UP_PERCENT)
            rc = bench_fail ("not kept up with: the feed published %lld ticks, the risk-monitor "
                             "counted %lld",
                             (long long) sent, (long long) got);
        int64_t connected = s_counter (stack, "notifier", "clients");
        int64_t dropped = s_counter (stack, "notifier", "clients_dropped");
        if (rc == 0 && (connected != args->clients || dropped != 0))
            rc = bench_fail ("the notifier counts %lld clients, %lld dropped",
                             (long long) connected, (long long) dropped);
    }
    bench_ws_set_destroy (&clients);
    bench_ws_poll_destroy (&poll);
    return rc;
}

static int
s_parse (int argc, char **argv, bench_args_t *args)
{
    *args = (bench_args_t){.positions = BENCH_POSITIONS_DEFAULT,
                           .clients = BENCH_CLIENTS_DEFAULT,
                           .rate = BENCH_RATE_DEFAULT,
                           .seconds = BENCH_SECONDS_DEFAULT};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (streq (arg, "-k"))
            args->keep = true;
        else if (streq (arg, "--bin-dir") && value)
            args->bin_dir = argv[++i];
        else if (streq (arg, "-p") && (args->positions = bench_count (value, 1000)) > 0)
            i++;
        else if (streq (arg, "-c") && (args->clients = bench_count (value, 2000)) > 0)
            i++;
        else if (streq (arg, "-t") && (args->rate = bench_count (value, 1000000)) > 0)
            i++;
        else if (streq (arg, "-s") && (args->seconds = bench_count (value, 600)) > 0)
            i++;
        else
            return -1;
    }
    return args->bin_dir ? 0 : -1;
}

//  tw_stack takes the binaries from the environment.
static void
s_binaries (const char *dir)
{
    const char *env[][2] = {{"MARKET_FEED", "services/market-feed/market-feed"},
                            {"SIGNAL_ENGINE", "services/signal-engine/signal-engine"},
                            {"RISK_MONITOR", "services/risk-monitor/risk-monitor"},
                            {"GATEWAY", "services/order-gateway/order-gateway"},
                            {"NOTIFIER", "services/notifier/notifier"},
                            {"FAKE_FYERS", "tests/fakes/fake_fyers"}};
    for (size_t i = 0; i < sizeof env / sizeof env[0]; i++) {
        char path[1024];
        snprintf (path, sizeof path, "%s/%s", dir, env[i][1]);
        setenv (env[i][0], path, 1);
    }
}

int
main (int argc, char **argv)
{
    bench_args_t args;
    if (s_parse (argc, argv, &args) != 0) {
        fprintf (stderr, "usage: bench_rss --bin-dir BUILD_DIR [-p POSITIONS] [-c CLIENTS] "
                         "[-t TICKS_PER_S] [-s SECONDS] [-k]\n"
                         "  defaults: 100 positions, 100 clients, 20000 ticks/s, 10 s\n");
        return 2;
    }
    tw_log_init ("bench");
    s_binaries (args.bin_dir);
    char *csv = s_ticks_csv ();
    const char *symbols[BENCH_SYMBOLS + 1];
    char names[BENCH_SYMBOLS][TW_SYMBOL_MAX];
    for (int i = 0; i < BENCH_SYMBOLS; i++) {
        s_symbol (i, names[i], sizeof names[i]);
        symbols[i] = names[i];
    }
    symbols[BENCH_SYMBOLS] = NULL;
    //  The fake's line per request would bury the bench's output.
    fflush (stderr);
    int saved = dup (STDERR_FILENO);
    int null = open ("/dev/null", O_WRONLY | O_CLOEXEC);
    if (saved >= 0 && null >= 0)
        dup2 (null, STDERR_FILENO);
    tw_stack_t *stack = tw_stack_new ("bench-rss", csv, symbols, BENCH_PRICE);
    if (saved >= 0 && null >= 0)
        dup2 (saved, STDERR_FILENO);
    if (saved >= 0)
        close (saved);
    if (null >= 0)
        close (null);
    free (csv);
    if (!stack)
        return bench_fail ("cannot make the stack"), 1;
    if (args.keep)
        tw_stack_keep (stack);
    tw_fixture_t *base = tw_stack_fixture (stack);
    tw_fixture_set (base, "TW_FEED_REPLAY_SPEED", "%s", BENCH_IDLE_SPEED);
    tw_fixture_set (base, "TW_NOTIFIER_ALLOW_ANONYMOUS", "true");
    tw_fixture_set (base, "TW_NOTIFIER_MAX_CLIENTS", "%d", args.clients + 16);
    //  The opens are not what is measured: the limiter far above Fyers'
    //  10/s (allowed against the local fake only), as in the other benches.
    tw_fixture_set (base, "TW_FYERS_RATE_PER_SEC", "%d", BENCH_RATE_PER_SEC);
    tw_fixture_set (base, "TW_FYERS_RATE_PER_MIN", "%d", BENCH_RATE_PER_MIN);
    int64_t idle[TW_STACK_SERVICES], rss[TW_STACK_SERVICES], hwm[TW_STACK_SERVICES];
    double rate = 0;
    int rc = tw_stack_start_all (stack) == 0 ? 0 : bench_fail ("the stack did not start");
    if (rc == 0) {
        fprintf (stderr, "==> bench: rss: the stack is up; idle for %d ms\n", BENCH_IDLE_MS);
        zclock_sleep (BENCH_IDLE_MS);
        s_read_rss (stack, "VmRSS:", idle);
        rc = s_load (stack, &args, rss, hwm, &rate);
    }
    if (rc == 0) {
        double load[3] = {-1, -1, -1};
        if (getloadavg (load, 3) < 0)
            load[0] = load[1] = load[2] = -1;
        printf ("tradewire RSS of each service (kB, /proc/PID/status)\n");
        printf ("  machine : %ld CPUs; load average at the end %.2f %.2f %.2f\n",
                sysconf (_SC_NPROCESSORS_ONLN), load[0], load[1], load[2]);
        printf ("  idle    : the stack up %d ms, the feed at 10 ticks/s, no position, no client\n",
                BENCH_IDLE_MS);
        printf ("  load    : the feed at %.0f ticks/s measured (%d asked, %d symbols), %d "
                "positions, %d\n            WebSocket clients, %d s; peak = VmHWM, over the "
                "process's life\n\n",
                rate, args.rate, BENCH_SYMBOLS, args.positions, args.clients, args.seconds);
        printf ("  %-14s %10s %14s %14s\n", "service", "idle RSS", "RSS under load", "peak RSS");
        for (int i = 0; i < TW_STACK_SERVICES; i++)
            printf ("  %-14s %10lld %14lld %14lld\n", tw_stack_services[i], (long long) idle[i],
                    (long long) rss[i], (long long) hwm[i]);
        printf ("\n");
        for (int i = 0; i < TW_STACK_SERVICES; i++)
            printf ("rss service=%s idle_kb=%lld load_kb=%lld hwm_kb=%lld\n", tw_stack_services[i],
                    (long long) idle[i], (long long) rss[i], (long long) hwm[i]);
    }
    else
        fprintf (stderr, "bench: FAILED; no figures\n");
    tw_stack_destroy (&stack);
    return rc == 0 ? 0 : 1;
}
