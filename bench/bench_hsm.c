//  bench_hsm - the market-feed's Fyers data-socket path (the HSM decoder,
//  the tick, the PUB) as the real process, beside a bare decode of the same
//  frames (issue 9).
//
//  Usage: bench_hsm --market-feed PATH --fake-hsm PATH [-n FRAMES] [-s SYMBOLS]
//                   [-r RUNS] [-k]
//
//  Each run: the fake HSM server (tests/fakes/fake_hsm) and a real
//  market-feed on the fyers source, subscribed to SYMBOLS symbols. The
//  bench asks the fake for a burst of FRAMES updates (GET /_fake/burst: one
//  data frame each, a new ltp each), and times from the fake's answer (the
//  frames are queued; the first goes out as it answers) until the feed's
//  ticks_published counter, read by ping every millisecond, has risen by
//  exactly FRAMES. "Kept up with": every frame decoded (the feed's frames
//  counter rises by FRAMES, none malformed) and every one published as a
//  tick (ticks_published rises by FRAMES, no more, no fewer); a counter that
//  stalls for BENCH_STALL_MS fails the run.
//
//  The burst is kept under 100,000 frames by default: the feed's data-socket
//  thread hands each quote to the feed's actor through a pipe of that
//  high-water mark and drops a quote when it is full (mf_fyers_ws.c), so a
//  larger burst than the actor can drain in time loses quotes (the run then
//  fails, as it should).
//
//  The floor, in the same run: the same kind of frames (one update each,
//  SYMBOLS topics in turn, after one snapshot per topic), encoded up front
//  in the bench by mf_hsm's server half as the fake does, decoded in a loop
//  by the same decoder (mf_hsm_decode, a callback that counts the quotes).
//  Figures: frames/s of each, medians of the runs, and their ratio.

#include "bench_fixture.h"
#include "mf_hsm.h"
#include "tw_clock.h"
#include "tw_cmd.h"
#include "tw_log.h"
#include "tw_proc.h"
#include "tw_wsclient.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BENCH_FRAMES_DEFAULT 100000
#define BENCH_FRAMES_MAX 2000000
#define BENCH_SYMBOLS_DEFAULT 10
#define BENCH_SYMBOLS_MAX 200
#define BENCH_RUNS_DEFAULT 3
#define BENCH_RUNS_MAX 15
#define BENCH_STALL_MS 3000
#define BENCH_READY_MS 15000
#define BENCH_HTTP_TIMEOUT_MS 30000
#define BENCH_FEED "market-feed"
#define BENCH_HSM_KEY "fakehsmkey0123456789"
//  A JWT whose payload is {"iss":"api.fyers.in","sub":"access_token",
//  "hsm_key":BENCH_HSM_KEY}; the signature is not checked by anyone.
#define BENCH_HSM_TOKEN                                                                            \
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."                                                        \
    "eyJpc3MiOiJhcGkuZnllcnMuaW4iLCJzdWIiOiJhY2Nlc3NfdG9rZW4i"                                     \
    "LCJoc21fa2V5IjoiZmFrZWhzbWtleTAxMjM0NTY3ODkifQ.c2lnbmF0dXJl"
#define BENCH_HSM_APP_ID "XA00000-100"
#define BENCH_PRECISION 2

typedef struct {
    const char *feed_path;
    const char *fake_path;
    int frames;
    int symbols;
    int runs;
    bool keep;
} bench_args_t;

typedef struct {
    tw_fixture_t *base;
    tw_proc_t *fake;
    char fake_log[256];
    int port;
    const char *control;
} bench_run_t;

//  ---------------------------------------------------------------------------
//  The floor

static void
s_count_quote (const mf_hsm_quote_t *quote, void *arg)
{
    (void) quote;
    (*(int64_t *) arg)++;
}

//  Frames encoded as the fake does: one snapshot per topic, then frames
//  updates, the topics in turn. Returns the buffer (frames back to back,
//  each preceded by its size as a size_t) and its length.
static uint8_t *
s_encode (int frames, int symbols, size_t *length)
{
    size_t cap = (size_t) (frames + symbols) * 96 + 4096;
    uint8_t *all = (uint8_t *) malloc (cap);
    assert (all);
    size_t at = 0;
    uint32_t msg_no = 0;
    for (int i = 0; i < symbols + frames; i++) {
        bool snapshot = i < symbols;
        int topic = snapshot ? i : (i - symbols) % symbols;
        int32_t values[21];
        for (int k = 0; k < 21; k++)
            values[k] = MF_HSM_NONE;
        values[MF_HSM_SF_LTP] = 10000 + (i % 2 ? 5 : -5);
        values[MF_HSM_SF_VOLUME] = i;
        values[MF_HSM_SF_EXCH_TIME] = 1764600000;
        values[MF_HSM_SF_BID] = 9995;
        values[MF_HSM_SF_ASK] = 10005;
        char name[MF_HSM_NAME_MAX], token[16], symbol[32];
        snprintf (token, sizeof token, "%d", 1000 + topic);
        snprintf (name, sizeof name, "sf|nse_cm|%s", token);
        snprintf (symbol, sizeof symbol, "HSM%03d-EQ", topic);
        mf_hsm_writer_t w;
        uint8_t *frame = all + at + sizeof (size_t);
        mf_hsm_data_begin (&w, frame, 1024, ++msg_no);
        if (snapshot)
            mf_hsm_data_snapshot (&w, (uint16_t) (topic + 1), name, values, 21, 1, BENCH_PRECISION,
                                  "NSE", token, symbol);
        else
            mf_hsm_data_update (&w, (uint16_t) (topic + 1), values, 8);
        size_t size = mf_hsm_data_end (&w);
        memcpy (all + at, &size, sizeof size);
        at += sizeof (size_t) + size;
    }
    *length = at;
    return all;
}

//  Decodes the frames; returns frames per second of the updates, -1 when a
//  frame was refused or a quote missing.
static double
s_floor (const bench_args_t *args)
{
    size_t length = 0;
    uint8_t *all = s_encode (args->frames, args->symbols, &length);
    int64_t quotes = 0;
    mf_hsm_t *decoder = mf_hsm_new (s_count_quote, &quotes);
    assert (decoder);
    size_t at = 0;
    int64_t start = 0;
    int index = 0;
    double rate = -1;
    while (at < length) {
        if (index == args->symbols)
            start = bench_now_us (); //  the snapshots are not timed
        size_t size;
        memcpy (&size, all + at, sizeof size);
        mf_hsm_frame_t frame;
        char err[128];
        if (mf_hsm_decode (decoder, all + at + sizeof size, size, &frame, err, sizeof err) != 0) {
            bench_fail ("floor: frame %d refused: %s", index, err);
            break;
        }
        at += sizeof size + size;
        index++;
    }
    int64_t took = bench_now_us () - start;
    if (at == length && quotes == args->frames + args->symbols)
        rate = took > 0 ? (double) args->frames * 1e6 / (double) took : 0;
    else if (at == length)
        bench_fail ("floor: %lld quotes for %d frames", (long long) quotes,
                    args->frames + args->symbols);
    mf_hsm_destroy (&decoder);
    free (all);
    return rate;
}

//  ---------------------------------------------------------------------------
//  The real process

static int64_t
s_feed (bench_run_t *run, const char *name)
{
    return tw_cmd_counter (run->control, TW_MSG_PING, name);
}

//  A number field of the fake's /_fake/stats; -1 when unreadable.
static long
s_fake_stat (bench_run_t *run, const char *field)
{
    char body[1024], key[64];
    if (tw_http_get (run->port, "/_fake/stats", body, sizeof body, BENCH_HTTP_TIMEOUT_MS) != 200)
        return -1;
    snprintf (key, sizeof key, "\"%s\":", field);
    const char *at = strstr (body, key);
    return at ? strtol (at + strlen (key), NULL, 10) : -1;
}

static int
s_start_fake (bench_run_t *run, const bench_args_t *args)
{
    const char *dir = tw_fixture_dir (run->base);
    char port_file[256], auth[512];
    snprintf (port_file, sizeof port_file, "%s/fake_hsm.port", dir);
    snprintf (run->fake_log, sizeof run->fake_log, "%s/fake_hsm.log", dir);
    snprintf (auth, sizeof auth, "%s:%s", BENCH_HSM_APP_ID, BENCH_HSM_TOKEN);
    const char *argv[] = {"fake_hsm", "--hsm-key",   BENCH_HSM_KEY, "--auth",
                          auth,       "--port-file", port_file,     NULL};
    run->fake = tw_proc_start (args->fake_path, argv, NULL, dir, run->fake_log);
    if (!run->fake || !tw_file_wait_contains (run->fake_log, "READY ", BENCH_READY_MS))
        return bench_fail ("fake_hsm did not start; see %s", run->fake_log);
    FILE *file = fopen (port_file, "r");
    int ok = file && fscanf (file, "%d", &run->port) == 1;
    if (file)
        fclose (file);
    return ok ? 0 : bench_fail ("no port in %s", port_file);
}

static int
s_start (bench_run_t *run, const bench_args_t *args)
{
    run->base = tw_fixture_new ("bench-hsm");
    if (!run->base)
        return bench_fail ("cannot make the bench's directory");
    if (args->keep)
        tw_fixture_keep (run->base);
    if (s_start_fake (run, args) != 0)
        return -1;
    tw_fixture_t *b = run->base;
    run->control = tw_fixture_endpoint (b, "TW_ENDPOINTS_FEED_CONTROL");
    if (!run->control || !tw_fixture_endpoint (b, "TW_ENDPOINTS_FEED_PUB")
        || !tw_fixture_endpoint (b, "TW_ENDPOINTS_GATEWAY_REP")
        || !tw_fixture_endpoint (b, "TW_ENDPOINTS_GATEWAY_PUB"))
        return bench_fail ("no free ports");
    char symbols[BENCH_SYMBOLS_MAX * 16] = "";
    for (int i = 0; i < args->symbols; i++)
        snprintf (symbols + strlen (symbols), sizeof symbols - strlen (symbols), "%sNSE:HSM%03d-EQ",
                  i ? "," : "", i);
    tw_fixture_set (b, "FYERS_APP_ID", BENCH_HSM_APP_ID);
    tw_fixture_set (b, "FYERS_ACCESS_TOKEN", BENCH_HSM_TOKEN);
    tw_fixture_set (b, "TW_FEED_SOURCE", "fyers");
    tw_fixture_set (b, "TW_FYERS_DATA_SOCKET_URL", "ws://127.0.0.1:%d/hsm/v1-5/prod", run->port);
    tw_fixture_set (b, "TW_FYERS_DATA_BASE_URL", "http://127.0.0.1:%d/data", run->port);
    tw_fixture_set (b, "TW_FEED_SYMBOLS", "%s", symbols);
    if (tw_fixture_start (b, BENCH_FEED, args->feed_path, NULL) != 0)
        return bench_fail ("cannot start %s", args->feed_path);
    int64_t deadline = tw_clock_mono_ms () + BENCH_READY_MS;
    while (tw_clock_mono_ms () < deadline) {
        if (s_feed (run, "connected") == 1 && s_fake_stat (run, "subscribed") == args->symbols)
            return 0;
        zclock_sleep (BENCH_POLL_PACING_MS);
    }
    return bench_fail ("the feed is not subscribed to %d symbols within %d ms; see %s",
                       args->symbols, BENCH_READY_MS, tw_fixture_log (b, BENCH_FEED));
}

static int
s_stop (bench_run_t *run, bool failed)
{
    int rc = 0;
    if (run->base && tw_fixture_running (run->base, BENCH_FEED)
        && tw_fixture_stop (run->base, BENCH_FEED, SIGTERM, BENCH_STOP_TIMEOUT_MS) != 0)
        rc = bench_fail ("market-feed did not exit 0 after SIGTERM");
    if (run->fake && tw_proc_stop (&run->fake, SIGTERM, BENCH_STOP_TIMEOUT_MS) != 0)
        rc = bench_fail ("fake_hsm did not exit 0 after SIGTERM");
    if (failed || rc != 0) {
        if (run->base)
            tw_fixture_print_logs (run->base);
        tw_file_print_tail (run->fake_log, 10);
    }
    tw_fixture_destroy (&run->base);
    return rc;
}

//  CPU time (user + system) of pid so far, in clock ticks; -1 unreadable.
static int64_t
s_cpu_ticks (int pid)
{
    char path[64], text[1024];
    snprintf (path, sizeof path, "/proc/%d/stat", pid);
    FILE *file = fopen (path, "r");
    size_t n = file ? fread (text, 1, sizeof text - 1, file) : 0;
    if (file)
        fclose (file);
    text[n] = 0;
    //  After "(comm)": state is field 3; utime and stime are 14 and 15.
    const char *at = strrchr (text, ')');
    long long utime = 0, stime = 0;
    if (!at
        || sscanf (at + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld", &utime, &stime)
               != 2)
        return -1;
    return utime + stime;
}

//  The burst; frames per second of the real process, or -1. The CPU the
//  feed and the fake used meanwhile, in % of one CPU, into cpu[2].
static double
s_burst (bench_run_t *run, const bench_args_t *args, double cpu[2])
{
    int pids[2] = {tw_fixture_pid (run->base, BENCH_FEED), (int) tw_proc_pid (run->fake)};
    int64_t cpu0[2] = {s_cpu_ticks (pids[0]), s_cpu_ticks (pids[1])};
    int64_t frames0 = s_feed (run, "frames");
    int64_t published0 = s_feed (run, "ticks_published");
    int64_t malformed0 = s_feed (run, "frames_malformed");
    char path[64], body[256];
    snprintf (path, sizeof path, "/_fake/burst?n=%d", args->frames);
    if (tw_http_get (run->port, path, body, sizeof body, BENCH_HTTP_TIMEOUT_MS) != 200)
        return bench_fail ("the fake refused the burst"), -1;
    int64_t start = bench_now_us ();
    int64_t target = published0 + args->frames;
    int64_t published = published0, last_move = tw_clock_mono_ms ();
    while (published < target) {
        zclock_sleep (1);
        int64_t now_published = s_feed (run, "ticks_published");
        if (now_published != published)
            last_move = tw_clock_mono_ms ();
        published = now_published;
        if (tw_clock_mono_ms () - last_move > BENCH_STALL_MS)
            return bench_fail ("ticks_published stalled at %lld of %d: %lld dropped",
                               (long long) (published - published0), args->frames,
                               (long long) (target - published)),
                   -1;
    }
    int64_t took = bench_now_us () - start;
    for (int i = 0; i < 2; i++)
        cpu[i] = 100.0 * (double) (s_cpu_ticks (pids[i]) - cpu0[i]) / (double) sysconf (_SC_CLK_TCK)
                 / ((double) took / 1e6);
    //  Nothing more may come: no duplicate, and every frame decoded.
    zclock_sleep (100);
    int64_t frames = s_feed (run, "frames") - frames0;
    published = s_feed (run, "ticks_published") - published0;
    int64_t malformed = s_feed (run, "frames_malformed") - malformed0;
    if (published != args->frames || frames < args->frames || malformed != 0)
        return bench_fail ("after the burst of %d: %lld frames, %lld ticks published, %lld "
                           "malformed",
                           args->frames, (long long) frames, (long long) published,
                           (long long) malformed),
               -1;
    return (double) args->frames * 1e6 / (double) took;
}

static double
s_median_of (double *values, int count)
{
    int64_t scaled[BENCH_RUNS_MAX];
    for (int i = 0; i < count; i++)
        scaled[i] = (int64_t) values[i];
    return (double) bench_median (scaled, count);
}

static int
s_parse (int argc, char **argv, bench_args_t *args)
{
    *args = (bench_args_t){.frames = BENCH_FRAMES_DEFAULT,
                           .symbols = BENCH_SYMBOLS_DEFAULT,
                           .runs = BENCH_RUNS_DEFAULT};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (streq (arg, "-k"))
            args->keep = true;
        else if (streq (arg, "--market-feed") && value)
            args->feed_path = argv[++i];
        else if (streq (arg, "--fake-hsm") && value)
            args->fake_path = argv[++i];
        else if (streq (arg, "-n") && (args->frames = bench_count (value, BENCH_FRAMES_MAX)) > 0)
            i++;
        else if (streq (arg, "-s") && (args->symbols = bench_count (value, BENCH_SYMBOLS_MAX)) > 0)
            i++;
        else if (streq (arg, "-r") && (args->runs = bench_count (value, BENCH_RUNS_MAX)) > 0)
            i++;
        else
            return -1;
    }
    return args->feed_path && args->fake_path ? 0 : -1;
}

int
main (int argc, char **argv)
{
    bench_args_t args;
    if (s_parse (argc, argv, &args) != 0) {
        fprintf (stderr, "usage: bench_hsm --market-feed PATH --fake-hsm PATH [-n FRAMES] "
                         "[-s SYMBOLS] [-r RUNS] [-k]\n"
                         "  defaults: 100000 frames, 10 symbols, 3 runs\n");
        return 2;
    }
    tw_log_init ("bench");
    double process[BENCH_RUNS_MAX], bare[BENCH_RUNS_MAX];
    double feed_cpu[BENCH_RUNS_MAX], fake_cpu[BENCH_RUNS_MAX];
    int rc = 0;
    for (int r = 0; r < args.runs && rc == 0; r++) {
        fprintf (stderr, "==> bench: hsm run %d/%d: a burst of %d frames on %d symbols\n", r + 1,
                 args.runs, args.frames, args.symbols);
        bench_run_t run = {0};
        rc = s_start (&run, &args);
        double cpu[2] = {0, 0};
        process[r] = rc == 0 ? s_burst (&run, &args, cpu) : -1;
        feed_cpu[r] = cpu[0];
        fake_cpu[r] = cpu[1];
        rc = process[r] > 0 ? 0 : -1;
        if (s_stop (&run, rc != 0) != 0)
            rc = -1;
        bare[r] = rc == 0 ? s_floor (&args) : -1;
        if (bare[r] <= 0)
            rc = -1;
        if (rc == 0)
            fprintf (stderr,
                     "==> bench:   market-feed %.0f frames/s (CPU: feed %.0f %%, fake %.0f %%), "
                     "bare decode %.0f frames/s\n",
                     process[r], feed_cpu[r], fake_cpu[r], bare[r]);
    }
    if (rc != 0) {
        fprintf (stderr, "bench: FAILED; no figures\n");
        return 1;
    }
    double p = s_median_of (process, args.runs), b = s_median_of (bare, args.runs);
    double load[3] = {-1, -1, -1};
    if (getloadavg (load, 3) < 0)
        load[0] = load[1] = load[2] = -1;
    printf ("tradewire market-feed HSM benchmark (issue 9)\n");
    printf ("  machine : %ld CPUs; load average at the end %.2f %.2f %.2f\n",
            sysconf (_SC_NPROCESSORS_ONLN), load[0], load[1], load[2]);
    printf ("  burst   : %d update frames (one quote each) on %d symbols from fake_hsm, %d runs; "
            "medians\n\n",
            args.frames, args.symbols, args.runs);
    printf ("  %-52s %12.0f\n", "market-feed: frames decoded and published per s", p);
    printf ("  %-52s %12.0f\n", "bare mf_hsm_decode of the same frames per s", b);
    printf ("  %-52s %11.1fx\n", "ratio (bare / market-feed)", p > 0 ? b / p : 0.0);
    printf ("  CPU during the burst, %% of one CPU (medians): market-feed %.0f, fake_hsm %.0f\n\n",
            s_median_of (feed_cpu, args.runs), s_median_of (fake_cpu, args.runs));
    printf ("hsm_frames frames=%d symbols=%d runs=%d feed_per_s=%.0f bare_per_s=%.0f "
            "feed_cpu_pct=%.0f fake_cpu_pct=%.0f\n",
            args.frames, args.symbols, args.runs, p, b, s_median_of (feed_cpu, args.runs),
            s_median_of (fake_cpu, args.runs));
    return 0;
}
