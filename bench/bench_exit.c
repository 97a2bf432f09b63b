//  bench_exit - a tick crossing a stop -> the DELETE received at the fake
//  Fyers server, through the real processes, beside a bare floor.
//
//  Usage: bench_exit --gateway PATH --risk-monitor PATH --fake-fyers PATH
//                    [-n SAMPLES] [-r RUNS] [-k]
//  (bench/run passes the paths of a build directory.)
//
//  Each run: SAMPLES positions seeded on the fake, adopted by a real
//  order-gateway on the fyers broker, each given a stop-loss with modify;
//  a real risk-monitor watches them. Then, one at a time: the bench (playing
//  the market feed on a PUB) publishes a tick of position i's symbol below
//  its stop, and the time runs until the fake receives the exit (DELETE
//  /positions, the fake's "mono_us": the same CLOCK_MONOTONIC); the next
//  tick goes out after position_closed. The path: market PUB -> the
//  risk-monitor's SUB, its stop check, its close on a DEALER -> the
//  gateway's ROUTER, its one durable write, libcurl -> the fake.
//
//  The floor, after each sample, in the same run: the bench's own chain of
//  two threads doing only that path's transport: a SUB that decodes the
//  msgpack tick and compares it with a stop, a DEALER that sends a close,
//  a ROUTER in the other thread that decodes it and makes one request (DELETE
//  /positions, of a position the fake does not hold) on a libcurl handle
//  kept alive, to the same fake. Timed the same way, from the tick's send
//  to the DELETE's arrival at the fake.
//
//  RUNS runs, each with fresh processes; the figures are the medians over
//  the runs of each run's p50 and p99. Nothing may be lost: every sample
//  must produce exactly one DELETE at the fake for its position, in order,
//  or the run fails.

#include "bench_fixture.h"
#include "tw_clock.h"
#include "tw_cmd.h"
#include "tw_log.h"
#include "tw_sock.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BENCH_SAMPLES_DEFAULT 100
#define BENCH_SAMPLES_MAX 2000
#define BENCH_RUNS_DEFAULT 3
#define BENCH_RUNS_MAX 15
#define BENCH_PRICE 100.0
#define BENCH_STOP (BENCH_PRICE - 1.0)
#define BENCH_CROSS (BENCH_PRICE - 2.0)
#define BENCH_RISK "risk-monitor"
#define BENCH_WATCH_TIMEOUT_MS 15000
#define BENCH_WARMUP_TIMEOUT_MS 5000
#define BENCH_FLOOR_SYMBOL "NSE:FLOOR-EQ"
#define BENCH_FLOOR_ID "NSE:FLOOR-EQ-INTRADAY"
#define BENCH_WARM_SYMBOL "NSE:WARMUP-EQ"
#define BENCH_DELETE_QUERY "/_fake/requests?method=DELETE&path=/api/v3/positions"

typedef struct {
    const char *gateway_path;
    const char *risk_path;
    const char *fake_path;
    int samples;
    int runs;
    const char *db_dir; //  -m: the gateway's store there (diagnostic)
    bool keep;
} bench_args_t;

//  True when sock has a message within timeout_ms.
static bool
s_readable (zsock_t *sock, int timeout_ms)
{
    zmq_pollitem_t item = {zsock_resolve (sock), 0, ZMQ_POLLIN, 0};
    return zmq_poll (&item, 1, timeout_ms) > 0;
}

//  ---------------------------------------------------------------------------
//  The floor: SUB -> DEALER (thread 1), ROUTER -> curl (thread 2)

typedef struct {
    const char *feed;   //  the floor's tick PUB, to connect to
    const char *router; //  the floor's ROUTER, bound by thread 2
    fake_fyers_t *fake;
} bench_floor_args_t;

//  Thread 1: a tick below the stop becomes a close on the DEALER; a tick
//  above it is reported on the pipe ("seen": the warm-up's proof that the
//  subscription is up).
static void
s_floor_sub (zsock_t *pipe, void *arg)
{
    const bench_floor_args_t *args = (const bench_floor_args_t *) arg;
    zsock_t *sub = tw_sock_sub_new (args->feed, "");
    zsock_t *dealer = tw_sock_dealer_new (args->router);
    zsock_signal (pipe, sub && dealer ? 0 : 1);
    zpoller_t *poller = sub && dealer ? zpoller_new (pipe, sub, NULL) : NULL;
    while (poller) {
        void *which = zpoller_wait (poller, -1);
        if (which != sub)
            break; //  $TERM or interrupted
        tw_msg_t tick = {0}, close = {0};
        char err[TW_TEXT_MAX];
        if (tw_sock_recv (sub, &tick, err, sizeof err) != 0 || tick.type != TW_MSG_TICK)
            continue;
        if (tick.u.tick.ltp <= BENCH_STOP) {
            tw_cmd_close (&close, BENCH_FLOOR_ID, TW_REASON_SL_HIT, "floor", 30000);
            tw_sock_send (dealer, &close);
        }
        else
            zsock_signal (pipe, 0);
        tw_msg_reset (&tick);
    }
    zpoller_destroy (&poller);
    zsock_destroy (&sub);
    zsock_destroy (&dealer);
}

//  Thread 2: a close on the ROUTER becomes one DELETE; "done" on the pipe
//  once the fake has answered (400: it holds no such position).
static void
s_floor_router (zsock_t *pipe, void *arg)
{
    const bench_floor_args_t *args = (const bench_floor_args_t *) arg;
    zsock_t *router = tw_sock_router_new (args->router);
    bench_http_t *http = router ? bench_http_new (args->fake) : NULL;
    zsock_signal (pipe, router && http ? 0 : 1);
    zpoller_t *poller = router && http ? zpoller_new (pipe, router, NULL) : NULL;
    while (poller) {
        void *which = zpoller_wait (poller, -1);
        if (which != router)
            break;
        tw_request_t request = {0};
        tw_msg_t close = {0};
        char err[TW_TEXT_MAX];
        int rc = tw_router_recv (router, &request, &close, err, sizeof err);
        tw_request_destroy (&request);
        if (rc != 0 || close.type != TW_MSG_CLOSE)
            continue;
        char body[TW_ID_MAX + 16];
        snprintf (body, sizeof body, "{\"id\":\"%s\"}", close.u.close.id);
        long status = bench_http_request (http, "DELETE", "/positions", body);
        zsock_signal (pipe, status == 400 ? 0 : 1);
        tw_msg_reset (&close);
    }
    zpoller_destroy (&poller);
    bench_http_destroy (&http);
    zsock_destroy (&router);
}

//  ---------------------------------------------------------------------------
//  One run

typedef struct {
    bench_fixture_t *fx;
    const char *control; //  the risk-monitor's
    zsock_t *feed;       //  the market PUB the risk-monitor and the gateway read
    zsock_t *floor_feed; //  the floor's PUB
    zactor_t *floor_sub;
    zactor_t *floor_router;
    bench_floor_args_t floor;
} bench_run_t;

static int
s_set_stops (bench_run_t *run, int count)
{
    for (int i = 0; i < count; i++) {
        char id[TW_ID_MAX];
        bench_position_id ("TK", i, id, sizeof id);
        tw_msg_t request, reply;
        tw_msg_init (&request, TW_MSG_MODIFY);
        snprintf (request.u.modify.id, sizeof request.u.modify.id, "%s", id);
        request.u.modify.has_sl = true;
        request.u.modify.sl = BENCH_STOP;
        if (bench_request (run->fx, &request, &reply, TW_MSG_ACK) != 0)
            return -1;
        bool accepted = reply.u.ack.status == TW_ACK_ACCEPTED;
        tw_msg_reset (&reply);
        if (!accepted)
            return bench_fail ("modify %s refused", id);
        int64_t at_us;
        if (bench_wait_event (run->fx, TW_MSG_POSITION_UPDATED, id, BENCH_EVENT_TIMEOUT_MS, &at_us,
                              NULL)
            != 0)
            return -1;
    }
    return 0;
}

//  Publishes ticks of a symbol held by nobody until the risk-monitor's ticks
//  counter moves: its subscription is up.
static int
s_warm_up_risk (bench_run_t *run)
{
    int64_t deadline = tw_clock_mono_ms () + BENCH_WARMUP_TIMEOUT_MS;
    while (tw_clock_mono_ms () < deadline) {
        tw_cmd_tick (run->feed, BENCH_WARM_SYMBOL, BENCH_PRICE);
        if (tw_cmd_counter (run->control, TW_MSG_PING, "ticks") > 0)
            return 0;
        zclock_sleep (5);
    }
    return bench_fail ("the risk-monitor counted no tick within %d ms", BENCH_WARMUP_TIMEOUT_MS);
}

//  The same for the floor's SUB: ticks above its stop until one is seen,
//  then the pipe is drained of the others.
static int
s_warm_up_floor (bench_run_t *run)
{
    zsock_t *pipe = zactor_sock (run->floor_sub);
    int64_t deadline = tw_clock_mono_ms () + BENCH_WARMUP_TIMEOUT_MS;
    bool seen = false;
    while (!seen && tw_clock_mono_ms () < deadline) {
        tw_cmd_tick (run->floor_feed, BENCH_FLOOR_SYMBOL, BENCH_PRICE);
        seen = s_readable (pipe, 5);
    }
    while (s_readable (pipe, 20))
        zsock_wait (pipe);
    return seen ? 0
                : bench_fail ("the floor's SUB saw no tick within %d ms", BENCH_WARMUP_TIMEOUT_MS);
}

static int
s_run_start (bench_run_t *run, const bench_args_t *args)
{
    bench_options_t options = {.gateway_path = args->gateway_path,
                               .fake_path = args->fake_path,
                               .db_dir = args->db_dir,
                               .keep = args->keep};
    run->fx = bench_fixture_new (&options);
    if (!run->fx)
        return -1;
    tw_fixture_t *base = run->fx->base;
    const char *feed = tw_fixture_endpoint (base, "TW_ENDPOINTS_FEED_PUB");
    run->control = tw_fixture_endpoint (base, "TW_ENDPOINTS_RISK_CONTROL");
    run->floor.feed = tw_fixture_endpoint (base, "BENCH_FLOOR_FEED");
    run->floor.router = tw_fixture_endpoint (base, "BENCH_FLOOR_ROUTER");
    run->floor.fake = run->fx->fake;
    if (!feed || !run->control || !run->floor.feed || !run->floor.router)
        return bench_fail ("no free ports");
    run->feed = tw_sock_pub_new (feed);
    run->floor_feed = tw_sock_pub_new (run->floor.feed);
    if (!run->feed || !run->floor_feed)
        return bench_fail ("cannot bind the feed PUBs");
    for (int i = 0; i < args->samples; i++) {
        char symbol[TW_SYMBOL_MAX];
        bench_symbol ("TK", i, symbol, sizeof symbol);
        if (fake_fyers_seed_position (run->fx->fake, symbol, "INTRADAY", 1, BENCH_PRICE) != 0)
            return bench_fail ("cannot seed %s on the fake", symbol);
    }
    if (bench_fixture_start_gateway (run->fx) != 0 || s_set_stops (run, args->samples) != 0)
        return -1;
    if (tw_fixture_start (base, BENCH_RISK, args->risk_path, NULL) != 0)
        return bench_fail ("cannot start %s", args->risk_path);
    int64_t seen = -1;
    if (!tw_cmd_wait_counter (run->control, TW_MSG_PING, "positions_watched", args->samples,
                              BENCH_WATCH_TIMEOUT_MS, &seen))
        return bench_fail ("the risk-monitor watches %lld positions, expected %d; see %s",
                           (long long) seen, args->samples, tw_fixture_log (base, BENCH_RISK));
    run->floor_router = zactor_new (s_floor_router, &run->floor);
    run->floor_sub = zactor_new (s_floor_sub, &run->floor);
    if (!run->floor_router || !run->floor_sub)
        return bench_fail ("cannot start the floor's threads");
    return s_warm_up_risk (run) == 0 && s_warm_up_floor (run) == 0 ? 0 : -1;
}

static int
s_run_stop (bench_run_t *run, bool failed)
{
    zactor_destroy (&run->floor_sub);
    zactor_destroy (&run->floor_router);
    zsock_destroy (&run->feed);
    zsock_destroy (&run->floor_feed);
    int rc = 0;
    if (run->fx && tw_fixture_running (run->fx->base, BENCH_RISK)) {
        int status = tw_fixture_stop (run->fx->base, BENCH_RISK, SIGTERM, BENCH_STOP_TIMEOUT_MS);
        if (status != 0) {
            rc = bench_fail ("risk-monitor exit status %d after SIGTERM", status);
            failed = true;
        }
    }
    if (bench_fixture_destroy (&run->fx, failed) != 0)
        rc = -1;
    return rc;
}

//  The samples, gateway path and floor alternating.
static int
s_samples (bench_run_t *run, int samples, int64_t *sent_us, int64_t *floor_sent_us)
{
    zsock_t *floor_done = zactor_sock (run->floor_router);
    for (int i = 0; i < samples; i++) {
        char symbol[TW_SYMBOL_MAX], id[TW_ID_MAX];
        bench_symbol ("TK", i, symbol, sizeof symbol);
        bench_position_id ("TK", i, id, sizeof id);
        sent_us[i] = bench_now_us ();
        if (tw_cmd_tick (run->feed, symbol, BENCH_CROSS) != 0)
            return bench_fail ("cannot publish a tick");
        int64_t at_us;
        if (bench_wait_event (run->fx, TW_MSG_POSITION_CLOSED, id, BENCH_EVENT_TIMEOUT_MS, &at_us,
                              NULL)
            != 0)
            return -1;
        floor_sent_us[i] = bench_now_us ();
        if (tw_cmd_tick (run->floor_feed, BENCH_FLOOR_SYMBOL, BENCH_CROSS) != 0)
            return bench_fail ("cannot publish a floor tick");
        if (!s_readable (floor_done, BENCH_EVENT_TIMEOUT_MS))
            return bench_fail ("the floor's DELETE %d did not complete within %d ms", i,
                               BENCH_EVENT_TIMEOUT_MS);
        if (zsock_wait (floor_done) != 0)
            return bench_fail ("the floor's DELETE %d was not answered 400", i);
    }
    return 0;
}

//  The fake's DELETE records, in order: position i's exit, then the
//  floor's, for every sample; the differences from the sends into the two
//  arrays.
static int
s_match (bench_run_t *run, int samples, const int64_t *sent_us, const int64_t *floor_sent_us,
         int64_t *to_delete, int64_t *floor_to_delete)
{
    long status = 0;
    char *json = fake_fyers_http (run->fx->fake, "GET", BENCH_DELETE_QUERY, NULL, NULL, &status);
    cJSON *records = json && status == 200 ? cJSON_Parse (json) : NULL;
    free (json);
    if (!cJSON_IsArray (records)) {
        cJSON_Delete (records);
        return bench_fail ("cannot read the fake's request records (HTTP %ld)", status);
    }
    int rc = 0;
    if (cJSON_GetArraySize (records) != 2 * samples)
        rc = bench_fail ("the fake received %d DELETE /positions for %d samples and %d floors",
                         cJSON_GetArraySize (records), samples, samples);
    int i = 0;
    const cJSON *record;
    cJSON_ArrayForEach (record, records) {
        if (rc != 0)
            break;
        bool floor = i % 2 == 1;
        char expected[TW_ID_MAX];
        if (floor)
            snprintf (expected, sizeof expected, "%s", BENCH_FLOOR_ID);
        else
            bench_position_id ("TK", i / 2, expected, sizeof expected);
        int64_t sent = floor ? floor_sent_us[i / 2] : sent_us[i / 2];
        const char *got = cJSON_GetStringValue (cJSON_GetObjectItem (record, "body"));
        const cJSON *mono = cJSON_GetObjectItem (record, "mono_us");
        if (!got || !strstr (got, expected))
            rc = bench_fail ("DELETE %d has body %s, expected the id %s", i, got ? got : "(none)",
                             expected);
        else if (!cJSON_IsNumber (mono) || (int64_t) mono->valuedouble < sent)
            rc = bench_fail ("DELETE %d has no mono_us, or one before its tick", i);
        else
            (floor ? floor_to_delete : to_delete)[i / 2] = (int64_t) mono->valuedouble - sent;
        i++;
    }
    cJSON_Delete (records);
    return rc;
}

enum { FIG_P50, FIG_P99, FIG_FLOOR_P50, FIG_FLOOR_P99, FIGS };

static int
s_run (const bench_args_t *args, int64_t figures[FIGS])
{
    bench_run_t run = {0};
    int n = args->samples;
    int64_t *sent = (int64_t *) calloc ((size_t) n, sizeof (int64_t));
    int64_t *floor_sent = (int64_t *) calloc ((size_t) n, sizeof (int64_t));
    int64_t *to_delete = (int64_t *) calloc ((size_t) n, sizeof (int64_t));
    int64_t *floor_to_delete = (int64_t *) calloc ((size_t) n, sizeof (int64_t));
    assert (sent && floor_sent && to_delete && floor_to_delete);
    int rc = s_run_start (&run, args);
    if (rc == 0)
        rc = s_samples (&run, n, sent, floor_sent);
    if (rc == 0)
        rc = s_match (&run, n, sent, floor_sent, to_delete, floor_to_delete);
    if (s_run_stop (&run, rc != 0) != 0)
        rc = -1;
    if (rc == 0) {
        figures[FIG_P50] = bench_percentile (to_delete, n, 50);
        figures[FIG_P99] = bench_percentile (to_delete, n, 99);
        figures[FIG_FLOOR_P50] = bench_percentile (floor_to_delete, n, 50);
        figures[FIG_FLOOR_P99] = bench_percentile (floor_to_delete, n, 99);
    }
    free (sent);
    free (floor_sent);
    free (to_delete);
    free (floor_to_delete);
    return rc;
}

//  ---------------------------------------------------------------------------

static int
s_parse (int argc, char **argv, bench_args_t *args)
{
    *args = (bench_args_t){.samples = BENCH_SAMPLES_DEFAULT, .runs = BENCH_RUNS_DEFAULT};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (streq (arg, "-k"))
            args->keep = true;
        else if (streq (arg, "-m"))
            args->db_dir = "/dev/shm";
        else if (streq (arg, "--gateway") && value)
            args->gateway_path = argv[++i];
        else if (streq (arg, "--risk-monitor") && value)
            args->risk_path = argv[++i];
        else if (streq (arg, "--fake-fyers") && value)
            args->fake_path = argv[++i];
        else if (streq (arg, "-n") && (args->samples = bench_count (value, BENCH_SAMPLES_MAX)) > 0)
            i++;
        else if (streq (arg, "-r") && (args->runs = bench_count (value, BENCH_RUNS_MAX)) > 0)
            i++;
        else
            return -1;
    }
    return args->gateway_path && args->risk_path && args->fake_path ? 0 : -1;
}

static int64_t
s_median (const int64_t figures[][FIGS], int runs, int fig)
{
    int64_t values[BENCH_RUNS_MAX];
    for (int r = 0; r < runs; r++)
        values[r] = figures[r][fig];
    return bench_median (values, runs);
}

static void
s_report (const bench_args_t *args, const int64_t figures[][FIGS])
{
    double load[3] = {-1, -1, -1};
    if (getloadavg (load, 3) < 0)
        load[0] = load[1] = load[2] = -1;
    int64_t p50 = s_median (figures, args->runs, FIG_P50);
    int64_t p99 = s_median (figures, args->runs, FIG_P99);
    int64_t f50 = s_median (figures, args->runs, FIG_FLOOR_P50);
    int64_t f99 = s_median (figures, args->runs, FIG_FLOOR_P99);
    int64_t lo = figures[0][FIG_P50], hi = lo;
    for (int r = 0; r < args->runs; r++) {
        lo = figures[r][FIG_P50] < lo ? figures[r][FIG_P50] : lo;
        hi = figures[r][FIG_P50] > hi ? figures[r][FIG_P50] : hi;
    }
    printf ("tradewire tick -> exit benchmark (risk-monitor + order-gateway on the fake Fyers)\n");
    printf ("  machine : %ld CPUs; load average at the end %.2f %.2f %.2f\n",
            sysconf (_SC_NPROCESSORS_ONLN), load[0], load[1], load[2]);
    printf ("  store   : the gateway's SQLite store in %s\n",
            args->db_dir ? "/dev/shm (diagnostic: fsync costs nothing there)"
                         : "the scratch directory (on disk: fsync is real)");
    printf ("  samples : %d per run (one position each, stop %.2f, tick %.2f), %d runs, the "
            "floor after each\n            sample; figures are medians of the runs' percentiles "
            "(us)\n\n",
            args->samples, BENCH_STOP, BENCH_CROSS, args->runs);
    printf ("  %-44s %9s %17s %9s %9s\n", "", "p50", "[min..max] p50", "p99", "");
    char range[40];
    snprintf (range, sizeof range, "[%lld..%lld]", (long long) lo, (long long) hi);
    printf ("  %-44s %9lld %17s %9lld\n", "tick -> DELETE at the fake (real processes)",
            (long long) p50, range, (long long) p99);
    printf ("  %-44s %9lld %17s %9lld\n", "floor: SUB -> DEALER -> ROUTER -> curl", (long long) f50,
            "", (long long) f99);
    printf ("  %-44s %8.2fx %17s %8.2fx\n\n", "ratio", f50 > 0 ? (double) p50 / (double) f50 : 0.0,
            "", f99 > 0 ? (double) p99 / (double) f99 : 0.0);
    printf ("tick_to_delete runs=%d samples=%d p50_us=%lld p99_us=%lld floor_p50_us=%lld "
            "floor_p99_us=%lld\n",
            args->runs, args->samples, (long long) p50, (long long) p99, (long long) f50,
            (long long) f99);
}

int
main (int argc, char **argv)
{
    bench_args_t args;
    if (s_parse (argc, argv, &args) != 0) {
        fprintf (stderr,
                 "usage: bench_exit --gateway PATH --risk-monitor PATH --fake-fyers PATH "
                 "[-n SAMPLES] [-r RUNS] [-m] [-k]\n"
                 "  -n SAMPLES  ticks crossing a stop per run, 1..%d (default %d)\n"
                 "  -r RUNS     runs, each with fresh processes, 1..%d (default %d)\n"
                 "  -m          the gateway's store on /dev/shm, where fsync costs nothing (a\n"
                 "              diagnostic: how much of the figure is the durable write)\n"
                 "  -k          keep the temporary directories (logs)\n",
                 BENCH_SAMPLES_MAX, BENCH_SAMPLES_DEFAULT, BENCH_RUNS_MAX, BENCH_RUNS_DEFAULT);
        return 2;
    }
    tw_log_init ("bench");
    curl_global_init (CURL_GLOBAL_DEFAULT);
    int64_t figures[BENCH_RUNS_MAX][FIGS] = {{0}};
    int64_t started = tw_clock_mono_ms ();
    int rc = 0;
    for (int r = 0; r < args.runs && rc == 0; r++) {
        fprintf (stderr, "==> bench: exit run %d/%d: %d ticks crossing a stop\n", r + 1, args.runs,
                 args.samples);
        rc = s_run (&args, figures[r]);
        if (rc == 0)
            fprintf (stderr, "==> bench:   tick -> DELETE p50 %lld us (floor %lld)\n",
                     (long long) figures[r][FIG_P50], (long long) figures[r][FIG_FLOOR_P50]);
    }
    if (rc == 0) {
        fprintf (stderr, "==> bench: done in %.1f s\n",
                 (double) (tw_clock_mono_ms () - started) / 1000.0);
        s_report (&args, (const int64_t (*)[FIGS]) figures);
    }
    else
        fprintf (stderr, "bench: FAILED; no figures\n");
    curl_global_cleanup ();
    return rc == 0 ? 0 : 1;
}
