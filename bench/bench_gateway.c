//  bench_gateway - latency benchmarks of the real order-gateway process.
//
//  Usage: bench_gateway --gateway PATH --fake-fyers PATH [-s SIZES] [-n CLOSES]
//                       [-r RUNS] [-p PAPER] [-m PINGS] [-k]
//  (bench/run passes the paths of a build directory.)
//
//  Scenarios, each with its own gateway process (and fake Fyers server):
//    fyers-fake  at each size S (default 10, 1000, 10000): S positions seeded
//                on the fake before the gateway starts (it adopts them at
//                reconciliation), then min(S, CLOSES) of them, spread over the
//                book, closed one after the other: close sent -> DELETE
//                /positions received at the fake (the fake's "mono_us", same
//                CLOCK_MONOTONIC) and close sent -> position_closed received
//                on the gateway PUB (the order socket up: the gateway learns
//                flat and the fill from its pushes). Each close is followed
//                by its floor: the one request the gateway makes (DELETE
//                /positions) from a bare libcurl handle kept alive, against
//                the same fake. RUNS runs, the sizes
//                interleaved within each run; the figures are the medians
//                over the runs of each run's percentile.
//    paper       PAPER positions opened through the gateway on the paper broker
//                (the bench publishes the ticks), then PAPER closes: close sent
//                -> position_closed. No HTTP on paper.
//    ping        M pings to an idle gateway, then M pings while 10 exits hang
//                10 s at the fake (flatten): round trips and their ratio.
//  Against the fake the rate limiter is set far above Fyers' limits (the
//  output says so): the figures are the gateway's, not the limiter's.
//
//  Output: tables on stdout and one "name key=value..." line per figure;
//  progress on stderr. Exit status 0, or 1 with a "bench: FAIL" line when
//  anything is off (a count, a timeout, a refusal).

#include "bench_fixture.h"
#include "tw_clock.h"
#include "tw_cmd.h"
#include "tw_log.h"
#include "tw_sock.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef BENCH_BUILDTYPE
#define BENCH_BUILDTYPE "unknown"
#endif
#ifndef BENCH_OPTIMIZATION
#define BENCH_OPTIMIZATION "?"
#endif
#ifndef BENCH_SANITIZE
#define BENCH_SANITIZE "none"
#endif

#define BENCH_CLOSES_DEFAULT 50
#define BENCH_PAPER_DEFAULT 1000
#define BENCH_RUNS_DEFAULT 3
#define BENCH_RUNS_MAX 15
#define BENCH_SIZES_MAX 8
#define BENCH_SIZE_MAX 20000
#define BENCH_PINGS_DEFAULT 1000
//  Unmeasured pings before each series: the first round trips of a fresh
//  connection (and a cold gateway) are not what the series compares.
#define BENCH_WARMUP_PINGS 100
//  The slow series must end while the exits still hang (BENCH_SLOW_HANG_MS).
#define BENCH_SAMPLES_MAX 20000
#define BENCH_SLOW_POSITIONS 10
#define BENCH_SLOW_HANG_MS 10000
//  The fyers request timeout of the slow scenario: longer than the hang.
#define BENCH_SLOW_TIMEOUT_MS 15000
#define BENCH_PRICE 100.0
#define BENCH_QTY 1
#define BENCH_DELETES "DELETE", "/api/v3/positions"
#define BENCH_DELETE_QUERY "/_fake/requests?method=DELETE&path=/api/v3/positions"
#define BENCH_MODEL_MAX 128

typedef struct {
    const char *name;  //  the stable line's name
    const char *label; //  the table's row
    int64_t *us;
    int count;
} bench_series_t;

typedef struct {
    const char *gateway_path;
    const char *fake_path;
    int closes; //  per fyers-fake scenario (at most its size)
    int paper;  //  positions opened and closed on paper
    int pings;
    int runs;
    int sizes[BENCH_SIZES_MAX];
    int size_count;
    bool keep;
} bench_args_t;

//  The figures of one size: each run's percentiles, then their medians.
enum { FIG_DELETE, FIG_CLOSED, FIG_FLOOR_DELETE, FIG_FLOOR_CLOSED, FIGS };
typedef struct {
    int closes;
    int64_t p50[FIGS][BENCH_RUNS_MAX];
    int64_t p99[FIGS][BENCH_RUNS_MAX];
    int position_reads; //  the gateway's GET /positions during the last run's closes
    int64_t rss_kb;     //  the gateway's VmRSS after the closes (last run)
    int64_t hwm_kb;     //  and its VmHWM
} bench_size_result_t;

//  What the scenarios saw besides the figures, for the report.
typedef struct {
    int position_reads; //  GET /positions the gateway made during one scenario's closes
    int paper_refused;  //  paper opens refused before their tick arrived
} bench_notes_t;

static bench_notes_t s_notes;

//  Nearest-rank percentile of a sorted series (p in 0..100).
static int64_t
s_percentile (const bench_series_t *series, int p)
{
    if (series->count == 0)
        return 0;
    int rank = (series->count * p + 99) / 100;
    return series->us[rank > 0 ? rank - 1 : 0];
}

static void
s_series_init (bench_series_t *series, const char *name, const char *label, int capacity)
{
    series->name = name;
    series->label = label;
    series->count = 0;
    series->us = (int64_t *) calloc ((size_t) capacity, sizeof (int64_t));
    assert (series->us);
}

static void
s_series_sort (bench_series_t *series)
{
    qsort (series->us, (size_t) series->count, sizeof (int64_t), bench_cmp_int64);
}

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

//  ---------------------------------------------------------------------------
//  fyers-fake: close -> DELETE at the fake, close -> position_closed, at
//  each size, beside a floor against the same fake

//  The body the floor's DELETE carries: a position the fake does not hold.
#define BENCH_FLOOR_ID "NSE:FLOOR-EQ-INTRADAY"
#define BENCH_FLOOR_BODY "{\"id\":\"" BENCH_FLOOR_ID "\"}"

//  One scenario's samples: the gateway's and the floor's, close by close.
typedef struct {
    int64_t rss_kb; //  the gateway's VmRSS and VmHWM after the closes
    int64_t hwm_kb;
    bench_series_t to_delete;       //  close sent -> DELETE received at the fake
    bench_series_t to_closed;       //  close sent -> position_closed received
    bench_series_t floor_to_delete; //  floor's DELETE sent -> received at the fake
    bench_series_t floor_to_closed; //  floor's DELETE + GET /positions, round trips
} bench_exit_samples_t;

//  Checks the fake's DELETE records against what was sent, in order: one
//  per request, for the expected id (gateway and floor alternate), received
//  after it was sent; fills the two to_delete series with the differences.
static int
s_match_deletes (bench_fixture_t *fx, int closes, const int64_t *sent_us, const int *index,
                 const int64_t *floor_sent_us, bench_exit_samples_t *samples)
{
    long status = 0;
    char *json = fake_fyers_http (fx->fake, "GET", BENCH_DELETE_QUERY, NULL, NULL, &status);
    cJSON *records = json && status == 200 ? cJSON_Parse (json) : NULL;
    free (json);
    if (!cJSON_IsArray (records)) {
        cJSON_Delete (records);
        return bench_fail ("cannot read the fake's request records (HTTP %ld)", status);
    }
    int rc = 0;
    int count = cJSON_GetArraySize (records);
    if (count != 2 * closes)
        rc = bench_fail ("the fake received %d DELETE /positions for %d closes and %d floor "
                         "requests",
                         count, closes, closes);
    int i = 0;
    const cJSON *record;
    cJSON_ArrayForEach (record, records) {
        if (rc != 0 || i >= 2 * closes)
            break;
        bool floor = i % 2 == 1;
        char expected[TW_ID_MAX];
        if (floor)
            snprintf (expected, sizeof expected, "%s", BENCH_FLOOR_ID);
        else
            bench_position_id ("FF", index[i / 2], expected, sizeof expected);
        int64_t sent = floor ? floor_sent_us[i / 2] : sent_us[i / 2];
        bench_series_t *series = floor ? &samples->floor_to_delete : &samples->to_delete;
        const char *got = cJSON_GetStringValue (cJSON_GetObjectItem (record, "body"));
        const cJSON *mono = cJSON_GetObjectItem (record, "mono_us");
        if (!got || !strstr (got, expected))
            rc = bench_fail ("DELETE %d has body %s, expected the id %s", i, got ? got : "(none)",
                             expected);
        else if (!cJSON_IsNumber (mono))
            rc = bench_fail ("DELETE %d has no mono_us (an old fake_fyers?)", i);
        else if ((int64_t) mono->valuedouble < sent)
            rc = bench_fail ("DELETE %d arrived before it was sent: clocks differ?", i);
        else
            series->us[series->count++] = (int64_t) mono->valuedouble - sent;
        i++;
    }
    cJSON_Delete (records);
    return rc;
}

//  The floor of one close: what any client of the fake pays for the one
//  request the gateway makes (it learns flat and the fill price from the
//  order socket's pushes, which the fake sends while it answers), on one
//  kept-alive connection: DELETE /positions (of a position the fake does
//  not hold: it answers 400 "No position to exit").
static int
s_floor_close (bench_http_t *http, int64_t *sent_us, bench_series_t *to_closed)
{
    *sent_us = bench_now_us ();
    long deleted = bench_http_request (http, "DELETE", "/positions", BENCH_FLOOR_BODY);
    int64_t done_us = bench_now_us ();
    if (deleted != 400)
        return bench_fail ("floor: DELETE answered %ld (400 expected)", deleted);
    to_closed->us[to_closed->count++] = done_us - *sent_us;
    return 0;
}

//  closes closes, each followed by its floor: gateway and floor alternate,
//  so that both see the same machine.
static int
s_fyers_closes (bench_fixture_t *fx, int closes, const int *index, int64_t *sent_us,
                int64_t *floor_sent_us, bench_exit_samples_t *samples)
{
    bench_http_t *http = bench_http_new (fx->fake);
    if (!http)
        return -1;
    int rc = 0;
    for (int i = 0; i < closes && rc == 0; i++) {
        char id[TW_ID_MAX];
        bench_position_id ("FF", index[i], id, sizeof id);
        int64_t closed_us = 0;
        rc = bench_close (fx, id, &sent_us[i], &closed_us);
        if (rc == 0) {
            samples->to_closed.us[samples->to_closed.count++] = closed_us - sent_us[i];
            rc = s_floor_close (http, &floor_sent_us[i], &samples->floor_to_closed);
        }
    }
    bench_http_destroy (&http);
    return rc;
}

//  How long a gateway may take to adopt positions at start (one durable
//  write each): generous, as the machine is shared.
static int
s_ready_timeout_ms (int positions)
{
    return BENCH_READY_TIMEOUT_MS + positions * 20;
}

//  One scenario: positions seeded on the fake, adopted by a fresh gateway,
//  closes of them (spread over the book) closed one after the other.
static int
s_scenario_fyers (const bench_args_t *args, int positions, int closes,
                  bench_exit_samples_t *samples)
{
    bench_options_t options = {.gateway_path = args->gateway_path,
                               .fake_path = args->fake_path,
                               .ready_timeout_ms = s_ready_timeout_ms (positions),
                               .keep = args->keep};
    bench_fixture_t *fx = bench_fixture_new (&options);
    if (!fx)
        return -1;
    int rc = 0;
    for (int i = 0; i < positions && rc == 0; i++) {
        char symbol[TW_SYMBOL_MAX];
        bench_symbol ("FF", i, symbol, sizeof symbol);
        if (fake_fyers_seed_position (fx->fake, symbol, "INTRADAY", BENCH_QTY, BENCH_PRICE) != 0)
            rc = bench_fail ("cannot seed %s on the fake", symbol);
    }
    int64_t start_ms = tw_clock_mono_ms ();
    if (rc == 0)
        rc = bench_fixture_start_gateway (fx);
    int adopted = rc == 0 ? bench_positions (fx) : -1;
    if (rc == 0 && adopted != positions)
        rc = bench_fail ("the gateway adopted %d positions, expected %d", adopted, positions);
    int64_t *sent_us = (int64_t *) calloc ((size_t) closes, sizeof (int64_t));
    int64_t *floor_sent_us = (int64_t *) calloc ((size_t) closes, sizeof (int64_t));
    int *index = (int *) calloc ((size_t) closes, sizeof (int));
    assert (sent_us && floor_sent_us && index);
    for (int i = 0; i < closes; i++)
        index[i] = (int) ((int64_t) i * positions / closes);
    int reads_before = rc == 0 ? fake_fyers_count (fx->fake, "GET", "/api/v3/positions") : 0;
    if (rc == 0) {
        s_progress ("fyers-fake: %d positions adopted in %.1f s; %d closes, one at a time, each "
                    "followed by its floor",
                    adopted, (double) (tw_clock_mono_ms () - start_ms) / 1000.0, closes);
        rc = s_fyers_closes (fx, closes, index, sent_us, floor_sent_us, samples);
    }
    if (rc == 0) {
        //  The gateway's reads (the floor makes none).
        s_notes.position_reads =
            fake_fyers_count (fx->fake, "GET", "/api/v3/positions") - reads_before;
        rc = s_match_deletes (fx, closes, sent_us, index, floor_sent_us, samples);
    }
    if (rc == 0) {
        int pid = tw_fixture_pid (fx->base, "order-gateway");
        samples->rss_kb = bench_status_kb (pid, "VmRSS:");
        samples->hwm_kb = bench_status_kb (pid, "VmHWM:");
    }
    int left = rc == 0 ? bench_positions (fx) : -1;
    if (rc == 0 && left != positions - closes)
        rc = bench_fail ("%d positions live after %d closes of %d", left, closes, positions);
    free (sent_us);
    free (floor_sent_us);
    free (index);
    if (bench_fixture_destroy (&fx, rc != 0) != 0)
        rc = -1;
    return rc;
}

//  ---------------------------------------------------------------------------
//  paper: close -> position_closed

static int
s_publish_tick (bench_fixture_t *fx, int i)
{
    char symbol[TW_SYMBOL_MAX];
    bench_symbol ("PP", i, symbol, sizeof symbol);
    return tw_cmd_tick (fx->ticks, symbol, BENCH_PRICE);
}

//  Opens position i: 1 when it opened, 0 when the paper broker refused it
//  for want of a price (its tick has not arrived yet), -1 on failure.
static int
s_paper_open_once (bench_fixture_t *fx, int i)
{
    tw_msg_t request, reply;
    char symbol[TW_SYMBOL_MAX];
    bench_symbol ("PP", i, symbol, sizeof symbol);
    tw_cmd_open (&request, symbol, TW_SIDE_LONG, BENCH_QTY, 0, 0, BENCH_EVENT_TIMEOUT_MS);
    if (bench_request (fx, &request, &reply, TW_MSG_ACK) != 0)
        return -1;
    if (reply.u.ack.status != TW_ACK_ACCEPTED)
        return bench_fail ("open %s: %s %s", request.u.open.symbol,
                           tw_ack_status_name (reply.u.ack.status), reply.u.ack.error);
    char id[TW_ID_MAX];
    bench_position_id ("PP", i, id, sizeof id);
    //  Wait for the outcome: opened, or rejected for want of a price.
    int64_t deadline = tw_clock_mono_ms () + BENCH_EVENT_TIMEOUT_MS;
    zmq_pollitem_t item = {zsock_resolve (fx->sub), 0, ZMQ_POLLIN, 0};
    while (tw_clock_mono_ms () < deadline && !zsys_interrupted) {
        if (zmq_poll (&item, 1, BENCH_POLL_PACING_MS) <= 0)
            continue;
        tw_msg_t event = {0};
        char err[TW_TEXT_MAX];
        if (tw_sock_recv (fx->sub, &event, err, sizeof err) != 0)
            return bench_fail ("bad event from the gateway: %s", err);
        bool ours = streq (event.u.event.pos.id, id);
        if (ours && event.type == TW_MSG_POSITION_OPENED)
            return 1;
        if (ours && event.type == TW_MSG_ORDER_REJECTED) {
            if (strstr (event.u.event.error, "no market price"))
                return 0;
            return bench_fail ("open %s rejected: %s", id, event.u.event.error);
        }
    }
    return bench_fail ("open %s: no outcome within %d ms", id, BENCH_EVENT_TIMEOUT_MS);
}

//  Opens positions 0..count-1, each after its tick. The feed's SUB in the
//  gateway connects some time after the gateway starts, and a tick may
//  arrive after the open it was meant for: a refusal for want of a price is
//  retried (bounded) after the tick is published again. Returns the number
//  of refusals, or -1.
static int
s_paper_opens (bench_fixture_t *fx, int count)
{
    int refused = 0;
    for (int i = 0; i < count; i++) {
        int64_t deadline = tw_clock_mono_ms () + BENCH_READY_TIMEOUT_MS;
        int opened = 0;
        while (opened == 0) {
            if (tw_clock_mono_ms () > deadline || zsys_interrupted)
                return bench_fail ("position %d not opened within %d ms (%d refusals)", i,
                                   BENCH_READY_TIMEOUT_MS, refused);
            if (s_publish_tick (fx, i) != 0)
                return bench_fail ("cannot publish a tick");
            opened = s_paper_open_once (fx, i);
            if (opened < 0)
                return -1;
            if (opened == 0) {
                refused++;
                zclock_sleep (BENCH_POLL_PACING_MS);
            }
        }
    }
    return refused;
}

static int
s_scenario_paper (const bench_args_t *args, bench_series_t *to_closed)
{
    int count = args->paper;
    bench_options_t options = {
        .gateway_path = args->gateway_path, .paper = true, .keep = args->keep};
    bench_fixture_t *fx = bench_fixture_new (&options);
    if (!fx)
        return -1;
    int rc = bench_fixture_start_gateway (fx);
    int refused = 0;
    if (rc == 0) {
        s_progress ("paper: opening %d positions", count);
        refused = s_paper_opens (fx, count);
        rc = refused < 0 ? -1 : 0;
        s_notes.paper_refused = refused;
    }
    bool all_open = false;
    int live = rc == 0 ? bench_snapshot_count (fx, &all_open) : -1;
    if (rc == 0 && (live != count || !all_open))
        rc = bench_fail ("%d positions live after %d opens, expected all open", live, count);
    if (rc == 0) {
        s_progress ("paper: %d open (%d opens refused before their tick arrived, retried); "
                    "%d closes, one at a time",
                    live, refused, count);
        for (int i = 0; i < count && rc == 0; i++) {
            char id[TW_ID_MAX];
            bench_position_id ("PP", i, id, sizeof id);
            int64_t sent_us = 0, closed_us = 0;
            rc = bench_close (fx, id, &sent_us, &closed_us);
            if (rc == 0)
                to_closed->us[to_closed->count++] = closed_us - sent_us;
        }
    }
    int left = rc == 0 ? bench_snapshot_count (fx, NULL) : -1;
    if (rc == 0 && left != 0)
        rc = bench_fail ("%d positions still live after %d closes", left, count);
    if (bench_fixture_destroy (&fx, rc != 0) != 0)
        rc = -1;
    return rc;
}

//  ---------------------------------------------------------------------------
//  ping: round trips, idle and while the broker hangs

//  BENCH_WARMUP_PINGS unmeasured pings, then count measured ones.
static int
s_pings (bench_fixture_t *fx, int count, bench_series_t *rtt)
{
    for (int i = -BENCH_WARMUP_PINGS; i < count; i++) {
        tw_msg_t request, reply;
        tw_msg_init (&request, TW_MSG_PING);
        int64_t start = bench_now_us ();
        if (bench_request (fx, &request, &reply, TW_MSG_PONG) != 0)
            return -1;
        if (i >= 0)
            rtt->us[rtt->count++] = bench_now_us () - start;
    }
    return 0;
}

//  The DELETEs the fake has not answered yet (still hanging).
static int
s_deletes_unanswered (bench_fixture_t *fx)
{
    long status = 0;
    char *json = fake_fyers_http (fx->fake, "GET", BENCH_DELETE_QUERY, NULL, NULL, &status);
    cJSON *records = json && status == 200 ? cJSON_Parse (json) : NULL;
    free (json);
    int hanging = -1;
    if (cJSON_IsArray (records)) {
        hanging = 0;
        const cJSON *record;
        cJSON_ArrayForEach (record, records)
            hanging += cJSON_IsNull (cJSON_GetObjectItem (record, "done_ms"));
    }
    cJSON_Delete (records);
    return hanging;
}

static int
s_slow_broker (bench_fixture_t *fx, int pings, bench_series_t *slow)
{
    char script[256];
    snprintf (script, sizeof script,
              "{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\",\"action\":\"hang\","
              "\"ms\":%d,\"times\":%d}",
              BENCH_SLOW_HANG_MS, BENCH_SLOW_POSITIONS);
    if (fake_fyers_script (fx->fake, script) != BENCH_SLOW_POSITIONS)
        return bench_fail ("cannot script the hanging DELETEs");
    tw_msg_t request, reply;
    tw_msg_init (&request, TW_MSG_FLATTEN);
    tw_client_make_req_id ("bench", request.req_id, sizeof request.req_id);
    int64_t flatten_ms = tw_clock_mono_ms ();
    if (bench_request (fx, &request, &reply, TW_MSG_ACK) != 0)
        return -1;
    if (reply.u.ack.status != TW_ACK_ACCEPTED)
        return bench_fail ("flatten: %s %s", tw_ack_status_name (reply.u.ack.status),
                           reply.u.ack.error);
    int sent = fake_fyers_wait_count (fx->fake, BENCH_DELETES, BENCH_SLOW_POSITIONS,
                                      BENCH_EVENT_TIMEOUT_MS);
    if (sent != BENCH_SLOW_POSITIONS)
        return bench_fail ("%d DELETEs reached the fake after flatten, expected %d", sent,
                           BENCH_SLOW_POSITIONS);
    s_progress ("ping: %d exits in flight, hanging %d ms at the fake; %d pings", sent,
                BENCH_SLOW_HANG_MS, pings);
    if (s_pings (fx, pings, slow) != 0)
        return -1;
    //  Proof that every ping ran while all the exits were still hanging.
    int hanging = s_deletes_unanswered (fx);
    int64_t took = tw_clock_mono_ms () - flatten_ms;
    if (hanging != BENCH_SLOW_POSITIONS || took >= BENCH_SLOW_HANG_MS)
        return bench_fail ("the pings outlasted the hang: %d DELETEs unanswered after %lld ms",
                           hanging, (long long) took);
    return 0;
}

static int
s_scenario_ping (const bench_args_t *args, bench_series_t *idle, bench_series_t *slow)
{
    bench_options_t options = {.gateway_path = args->gateway_path,
                               .fake_path = args->fake_path,
                               .request_timeout_ms = BENCH_SLOW_TIMEOUT_MS,
                               .keep = args->keep};
    bench_fixture_t *fx = bench_fixture_new (&options);
    if (!fx)
        return -1;
    int rc = 0;
    for (int i = 0; i < BENCH_SLOW_POSITIONS && rc == 0; i++) {
        char symbol[TW_SYMBOL_MAX];
        bench_symbol ("SL", i, symbol, sizeof symbol);
        if (fake_fyers_seed_position (fx->fake, symbol, "INTRADAY", BENCH_QTY, BENCH_PRICE) != 0)
            rc = bench_fail ("cannot seed %s on the fake", symbol);
    }
    if (rc == 0)
        rc = bench_fixture_start_gateway (fx);
    int adopted = rc == 0 ? bench_snapshot_count (fx, NULL) : -1;
    if (rc == 0 && adopted != BENCH_SLOW_POSITIONS)
        rc = bench_fail ("the gateway adopted %d positions, expected %d", adopted,
                         BENCH_SLOW_POSITIONS);
    if (rc == 0) {
        s_progress ("ping: %d pings to an idle gateway", args->pings);
        rc = s_pings (fx, args->pings, idle);
    }
    if (rc == 0)
        rc = s_slow_broker (fx, args->pings, slow);
    if (bench_fixture_destroy (&fx, rc != 0) != 0)
        rc = -1;
    return rc;
}

//  ---------------------------------------------------------------------------
//  Output

//  "model name" of /proc/cpuinfo, or "unknown".
static void
s_cpu_model (char *model, size_t size)
{
    snprintf (model, size, "unknown");
    FILE *file = fopen ("/proc/cpuinfo", "r");
    if (!file)
        return;
    char line[512];
    while (fgets (line, sizeof line, file)) {
        if (strncmp (line, "model name", 10) != 0)
            continue;
        const char *value = strchr (line, ':');
        if (!value)
            continue;
        value += strspn (value + 1, " \t") + 1;
        snprintf (model, size, "%.*s", (int) strcspn (value, "\n"), value);
        break;
    }
    fclose (file);
}

static void
s_print_row (const bench_series_t *series)
{
    printf ("  %-48s %6d %9lld %9lld %9lld\n", series->label, series->count,
            (long long) s_percentile (series, 50), (long long) s_percentile (series, 99),
            (long long) s_percentile (series, 100));
}

static void
s_print_line (const bench_series_t *series)
{
    printf ("%s p50_us=%lld p99_us=%lld n=%d max_us=%lld\n", series->name,
            (long long) s_percentile (series, 50), (long long) s_percentile (series, 99),
            series->count, (long long) s_percentile (series, 100));
}

static double
s_ratio (const bench_series_t *slow, const bench_series_t *idle, int p)
{
    int64_t base = s_percentile (idle, p);
    return base > 0 ? (double) s_percentile (slow, p) / (double) base : 0.0;
}

static double
s_over (int64_t figure, int64_t base)
{
    return base > 0 ? (double) figure / (double) base : 0.0;
}

//  One table: figure fig beside its floor at every size, medians of the
//  runs' p50 and p99, [min..max] of the runs' p50.
static void
s_print_sizes (const bench_args_t *args, bench_size_result_t *results, int fig, int floor_fig,
               const char *title, const char *name)
{
    printf ("  %s (us; medians of %d runs' percentiles, [min..max] of the runs' p50)\n", title,
            args->runs);
    printf ("  %9s %6s %9s %17s %9s %7s %9s %9s %7s %9s\n", "positions", "closes", "p50",
            "[min..max]", "floor p50", "ratio", "p99", "floor p99", "ratio", "p50 vs 1st");
    int64_t first = 0;
    for (int k = 0; k < args->size_count; k++) {
        bench_size_result_t *r = &results[k];
        int64_t p50[BENCH_RUNS_MAX];
        memcpy (p50, r->p50[fig], sizeof p50);
        int64_t m50 = bench_median (p50, args->runs);
        int64_t lo = p50[0], hi = p50[args->runs - 1];
        int64_t f50 = bench_median (r->p50[floor_fig], args->runs);
        int64_t m99 = bench_median (r->p99[fig], args->runs);
        int64_t f99 = bench_median (r->p99[floor_fig], args->runs);
        if (k == 0)
            first = m50;
        char range[40];
        snprintf (range, sizeof range, "[%lld..%lld]", (long long) lo, (long long) hi);
        printf ("  %9d %6d %9lld %17s %9lld %6.2fx %9lld %9lld %6.2fx %9.2fx\n", args->sizes[k],
                r->closes, (long long) m50, range, (long long) f50, s_over (m50, f50),
                (long long) m99, (long long) f99, s_over (m99, f99), s_over (m50, first));
    }
    printf ("\n");
    for (int k = 0; k < args->size_count; k++) {
        bench_size_result_t *r = &results[k];
        printf ("%s positions=%d closes=%d runs=%d p50_us=%lld p99_us=%lld floor_p50_us=%lld "
                "floor_p99_us=%lld\n",
                name, args->sizes[k], r->closes, args->runs,
                (long long) bench_median (r->p50[fig], args->runs),
                (long long) bench_median (r->p99[fig], args->runs),
                (long long) bench_median (r->p50[floor_fig], args->runs),
                (long long) bench_median (r->p99[floor_fig], args->runs));
    }
    printf ("\n");
}

static void
s_report (const bench_args_t *args, bench_size_result_t *results, bench_series_t *series,
          size_t count, const bench_series_t *idle, const bench_series_t *slow)
{
    char model[BENCH_MODEL_MAX];
    s_cpu_model (model, sizeof model);
    for (size_t i = 0; i < count; i++)
        s_series_sort (&series[i]);
    double load[3] = {0, 0, 0};
    if (getloadavg (load, 3) < 0)
        load[0] = load[1] = load[2] = -1;
    printf ("tradewire order-gateway benchmark\n");
    printf ("  machine : %ld CPUs (nproc), %s; load average at the end %.2f %.2f %.2f\n",
            sysconf (_SC_NPROCESSORS_ONLN), model, load[0], load[1], load[2]);
    printf ("  build   : buildtype=%s optimization=%s sanitize=%s\n", BENCH_BUILDTYPE,
            BENCH_OPTIMIZATION, BENCH_SANITIZE);
    printf ("  closes  : min(size, %d) per fyers-fake scenario, %d on paper, sequential (the "
            "next close is\n            sent after the previous position_closed); %d runs, "
            "the sizes interleaved\n",
            args->closes, args->paper, args->runs);
    printf ("  floor   : after each close, a bare libcurl handle kept alive sends the fake the "
            "gateway's one\n            request: DELETE /positions (of a position it does not "
            "hold: 400); floor close ->\n            DELETE = sent -> received at the fake, "
            "floor close -> closed = its round trip\n");
    printf ("  pings   : M=%d per series, each after %d unmeasured; slow = %d exits in flight, "
            "each DELETE\n            hanging %d ms at the fake (same gateway as idle)\n",
            args->pings, BENCH_WARMUP_PINGS, BENCH_SLOW_POSITIONS, BENCH_SLOW_HANG_MS);
    printf ("  limiter : fyers-fake runs at rate_per_sec=%d rate_per_min=%d, far above Fyers' "
            "10/s and 200/min\n"
            "            (allowed only because base_url is the local fake, not *fyers.in)\n",
            BENCH_RATE_PER_SEC, BENCH_RATE_PER_MIN);
    printf ("  fyers   : the DELETE reply has no price; the order socket's pushes confirm each "
            "close flat and\n            give its fill (GET /positions during the closes: %d for "
            "%d closes at %d positions,\n            periodic reconciliation included)\n",
            s_notes.position_reads, results[args->size_count - 1].closes,
            args->sizes[args->size_count - 1]);
    printf ("  paper   : no HTTP; the exit fills in the gateway's paper broker at the last "
            "tick (%d opens\n            were refused before their tick arrived and retried; "
            "opens are not timed)\n",
            s_notes.paper_refused);
    printf ("  clock   : CLOCK_MONOTONIC, microseconds; percentiles are nearest-rank\n\n");
    s_print_sizes (args, results, FIG_DELETE, FIG_FLOOR_DELETE,
                   "fyers-fake: close -> DELETE received at the fake",
                   "fyers_fake_close_to_delete");
    s_print_sizes (args, results, FIG_CLOSED, FIG_FLOOR_CLOSED,
                   "fyers-fake: close -> position_closed", "fyers_fake_close_to_closed");
    printf ("  order-gateway RSS after the closes (last run), kB:");
    for (int k = 0; k < args->size_count; k++)
        printf (" %d positions %lld (peak %lld)%s", args->sizes[k], (long long) results[k].rss_kb,
                (long long) results[k].hwm_kb, k + 1 < args->size_count ? ";" : "\n\n");
    for (int k = 0; k < args->size_count; k++)
        printf ("gateway_rss positions=%d rss_kb=%lld hwm_kb=%lld\n", args->sizes[k],
                (long long) results[k].rss_kb, (long long) results[k].hwm_kb);
    printf ("\n");
    printf ("  %-48s %6s %9s %9s %9s\n", "latency (us)", "n", "p50", "p99", "max");
    for (size_t i = 0; i < count; i++)
        s_print_row (&series[i]);
    printf ("  %-48s %6s %8.2fx %8.2fx\n\n", "ping slow/idle ratio", "", s_ratio (slow, idle, 50),
            s_ratio (slow, idle, 99));
    for (size_t i = 0; i < count; i++)
        s_print_line (&series[i]);
    printf ("ping_slow_over_idle ratio_p50=%.2f ratio_p99=%.2f\n", s_ratio (slow, idle, 50),
            s_ratio (slow, idle, 99));
}

//  ---------------------------------------------------------------------------

static void
s_usage (void)
{
    fprintf (stderr,
             "usage: bench_gateway --gateway PATH --fake-fyers PATH [-s SIZES] [-n CLOSES] "
             "[-r RUNS]\n"
             "                     [-p PAPER] [-m PINGS] [-k]\n"
             "  -s SIZES   positions on the fake, comma-separated, each 1..%d (default "
             "10,1000,10000)\n"
             "  -n CLOSES  closes per fyers-fake scenario, at most its size (default %d)\n"
             "  -r RUNS    interleaved runs of the sizes, 1..%d (default %d)\n"
             "  -p PAPER   positions opened and closed on paper, 1..%d (default %d)\n"
             "  -m PINGS   pings per series, 1..%d (default %d)\n"
             "  -k         keep the temporary directories (logs)\n",
             BENCH_SIZE_MAX, BENCH_CLOSES_DEFAULT, BENCH_RUNS_MAX, BENCH_RUNS_DEFAULT,
             TW_MAX_POSITIONS, BENCH_PAPER_DEFAULT, BENCH_SAMPLES_MAX, BENCH_PINGS_DEFAULT);
}

//  Parses "10,1000,10000" into args->sizes; -1 when it is not such a list.
static int
s_sizes (const char *text, bench_args_t *args)
{
    if (!text)
        return -1;
    char copy[256];
    snprintf (copy, sizeof copy, "%s", text);
    args->size_count = 0;
    char *save = NULL;
    for (char *item = strtok_r (copy, ",", &save); item; item = strtok_r (NULL, ",", &save)) {
        int size = bench_count (item, BENCH_SIZE_MAX);
        if (size < 0 || args->size_count == BENCH_SIZES_MAX)
            return -1;
        args->sizes[args->size_count++] = size;
    }
    return args->size_count > 0 ? 0 : -1;
}

static int
s_parse (int argc, char **argv, bench_args_t *args)
{
    *args = (bench_args_t){.closes = BENCH_CLOSES_DEFAULT,
                           .paper = BENCH_PAPER_DEFAULT,
                           .pings = BENCH_PINGS_DEFAULT,
                           .runs = BENCH_RUNS_DEFAULT,
                           .sizes = {10, 1000, 10000},
                           .size_count = 3};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (streq (arg, "-k"))
            args->keep = true;
        else if (streq (arg, "--gateway") && value)
            args->gateway_path = argv[++i];
        else if (streq (arg, "--fake-fyers") && value)
            args->fake_path = argv[++i];
        else if (streq (arg, "-n") && (args->closes = bench_count (value, BENCH_SIZE_MAX)) > 0)
            i++;
        else if (streq (arg, "-p") && (args->paper = bench_count (value, TW_MAX_POSITIONS)) > 0)
            i++;
        else if (streq (arg, "-r") && (args->runs = bench_count (value, BENCH_RUNS_MAX)) > 0)
            i++;
        else if (streq (arg, "-s") && s_sizes (value, args) == 0)
            i++;
        else if (streq (arg, "-m") && (args->pings = bench_count (value, BENCH_SAMPLES_MAX)) > 0)
            i++;
        else
            return -1;
    }
    return args->gateway_path && args->fake_path ? 0 : -1;
}

//  The fyers-fake scenarios: every size in every run; each run's p50 and
//  p99 of the four series into results.
static int
s_sizes_runs (const bench_args_t *args, bench_size_result_t *results)
{
    for (int run = 0; run < args->runs; run++) {
        for (int k = 0; k < args->size_count; k++) {
            int positions = args->sizes[k];
            int closes = args->closes < positions ? args->closes : positions;
            s_progress ("fyers-fake run %d/%d: %d positions, %d closes", run + 1, args->runs,
                        positions, closes);
            bench_exit_samples_t samples;
            s_series_init (&samples.to_delete, "", "", closes);
            s_series_init (&samples.to_closed, "", "", closes);
            s_series_init (&samples.floor_to_delete, "", "", closes);
            s_series_init (&samples.floor_to_closed, "", "", closes);
            bench_series_t *all[FIGS] = {&samples.to_delete, &samples.to_closed,
                                         &samples.floor_to_delete, &samples.floor_to_closed};
            int rc = s_scenario_fyers (args, positions, closes, &samples);
            results[k].closes = closes;
            results[k].position_reads = s_notes.position_reads;
            results[k].rss_kb = samples.rss_kb;
            results[k].hwm_kb = samples.hwm_kb;
            for (int f = 0; f < FIGS; f++) {
                s_series_sort (all[f]);
                results[k].p50[f][run] = s_percentile (all[f], 50);
                results[k].p99[f][run] = s_percentile (all[f], 99);
                free (all[f]->us);
            }
            if (rc != 0)
                return -1;
            s_progress ("  close -> DELETE p50 %lld us (floor %lld), close -> closed p50 %lld us "
                        "(floor %lld)",
                        (long long) results[k].p50[FIG_DELETE][run],
                        (long long) results[k].p50[FIG_FLOOR_DELETE][run],
                        (long long) results[k].p50[FIG_CLOSED][run],
                        (long long) results[k].p50[FIG_FLOOR_CLOSED][run]);
        }
    }
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
    curl_global_init (CURL_GLOBAL_DEFAULT);
    enum { PAPER_CLOSED, PING_IDLE, PING_SLOW, SERIES };
    bench_series_t series[SERIES];
    s_series_init (&series[PAPER_CLOSED], "paper_close_to_closed",
                   "paper: close -> position_closed", args.paper);
    s_series_init (&series[PING_IDLE], "ping_idle", "ping round trip, idle gateway", args.pings);
    s_series_init (&series[PING_SLOW], "ping_broker_slow",
                   "ping round trip, 10 exits hanging at broker", args.pings);
    bench_size_result_t *results =
        (bench_size_result_t *) calloc ((size_t) args.size_count, sizeof (bench_size_result_t));
    assert (results);
    int64_t started = tw_clock_mono_ms ();
    int rc = s_sizes_runs (&args, results);
    if (rc == 0)
        rc = s_scenario_paper (&args, &series[PAPER_CLOSED]);
    if (rc == 0)
        rc = s_scenario_ping (&args, &series[PING_IDLE], &series[PING_SLOW]);
    if (rc == 0) {
        s_progress ("done in %.1f s", (double) (tw_clock_mono_ms () - started) / 1000.0);
        s_report (&args, results, series, SERIES, &series[PING_IDLE], &series[PING_SLOW]);
    }
    else
        fprintf (stderr, "bench: FAILED after %.1f s; no figures\n",
                 (double) (tw_clock_mono_ms () - started) / 1000.0);
    for (int i = 0; i < SERIES; i++)
        free (series[i].us);
    free (results);
    curl_global_cleanup ();
    return rc == 0 ? 0 : 1;
}
