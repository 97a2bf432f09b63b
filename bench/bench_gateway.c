//  bench_gateway - latency benchmarks of the real order-gateway process.
//
//  Usage: bench_gateway --gateway PATH --fake-fyers PATH [-n CLOSES] [-m PINGS] [-k]
//  (bench/run passes the paths of a build directory.)
//
//  Scenarios, each with its own gateway process (and fake Fyers server):
//    fyers-fake  N positions seeded on the fake before the gateway starts (it
//                adopts them at reconciliation), then N closes one after the
//                other: close sent -> DELETE /positions received at the fake
//                (the fake's "mono_us", same CLOCK_MONOTONIC) and close sent ->
//                position_closed received on the gateway PUB.
//    paper       N positions opened through the gateway on the paper broker
//                (the bench publishes the ticks), then N closes: close sent ->
//                position_closed. No HTTP on paper.
//    ping        M pings to an idle gateway, then M pings while 10 exits hang
//                10 s at the fake (flatten): round trips and their ratio.
//  Against the fake the rate limiter is set far above Fyers' limits (the
//  output says so): the figures are the gateway's, not the limiter's.
//
//  Output: one table on stdout and one "name p50_us=.. p99_us=.. n=.. max_us=.."
//  line per figure; progress on stderr. Exit status 0, or 1 with a
//  "bench: FAIL" line when anything is off (a count, a timeout, a refusal).

#include "bench_fixture.h"
#include "tw_clock.h"
#include "tw_cmd.h"
#include "tw_log.h"
#include "tw_sock.h"

#include <cjson/cJSON.h>
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

#define BENCH_CLOSES_DEFAULT 1000
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
    int closes;
    int pings;
    bool keep;
} bench_args_t;

//  What the scenarios saw besides the figures, for the report.
typedef struct {
    int position_reads; //  GET /positions the fake served during the closes
    int paper_refused;  //  paper opens refused before their tick arrived
} bench_notes_t;

static bench_notes_t s_notes;

static int
s_cmp_int64 (const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return (x > y) - (x < y);
}

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
    qsort (series->us, (size_t) series->count, sizeof (int64_t), s_cmp_int64);
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
//  fyers-fake: close -> DELETE at the fake, close -> position_closed

//  Checks the fake's DELETE records against the closes, in order: one per
//  close, for that close's position, received after it was sent; fills
//  to_delete with the differences.
static int
s_match_deletes (bench_fixture_t *fx, int closes, const int64_t *sent_us, bench_series_t *to_delete)
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
    if (count != closes)
        rc = bench_fail ("the fake received %d DELETE /positions for %d closes", count, closes);
    int i = 0;
    const cJSON *record;
    cJSON_ArrayForEach (record, records) {
        if (rc != 0 || i >= closes)
            break;
        char expected[TW_ID_MAX], body[TW_ID_MAX + 16];
        bench_position_id ("FF", i, expected, sizeof expected);
        snprintf (body, sizeof body, "{\"id\":\"%s\"}", expected);
        const char *got = cJSON_GetStringValue (cJSON_GetObjectItem (record, "body"));
        const cJSON *mono = cJSON_GetObjectItem (record, "mono_us");
        if (!got || !strstr (got, expected))
            rc = bench_fail ("DELETE %d has body %s, expected %s", i, got ? got : "(none)", body);
        else if (!cJSON_IsNumber (mono))
            rc = bench_fail ("DELETE %d has no mono_us (an old fake_fyers?)", i);
        else if ((int64_t) mono->valuedouble < sent_us[i])
            rc = bench_fail ("DELETE %d arrived before its close was sent: clocks differ?", i);
        else
            to_delete->us[to_delete->count++] = (int64_t) mono->valuedouble - sent_us[i];
        i++;
    }
    cJSON_Delete (records);
    return rc;
}

static int
s_fyers_closes (bench_fixture_t *fx, int closes, int64_t *sent_us, bench_series_t *to_closed)
{
    for (int i = 0; i < closes; i++) {
        char id[TW_ID_MAX];
        bench_position_id ("FF", i, id, sizeof id);
        int64_t closed_us = 0;
        if (bench_close (fx, id, &sent_us[i], &closed_us) != 0)
            return -1;
        to_closed->us[to_closed->count++] = closed_us - sent_us[i];
    }
    return 0;
}

static int
s_scenario_fyers (const bench_args_t *args, bench_series_t *to_delete, bench_series_t *to_closed)
{
    int closes = args->closes;
    s_progress ("fyers-fake: seeding %d positions on the fake", closes);
    bench_options_t options = {
        .gateway_path = args->gateway_path, .fake_path = args->fake_path, .keep = args->keep};
    bench_fixture_t *fx = bench_fixture_new (&options);
    if (!fx)
        return -1;
    int rc = 0;
    for (int i = 0; i < closes && rc == 0; i++) {
        char symbol[TW_SYMBOL_MAX];
        bench_symbol ("FF", i, symbol, sizeof symbol);
        if (fake_fyers_seed_position (fx->fake, symbol, "INTRADAY", BENCH_QTY, BENCH_PRICE) != 0)
            rc = bench_fail ("cannot seed %s on the fake", symbol);
    }
    if (rc == 0)
        rc = bench_fixture_start_gateway (fx);
    bool all_open = false;
    int adopted = rc == 0 ? bench_snapshot_count (fx, &all_open) : -1;
    if (rc == 0 && (adopted != closes || !all_open))
        rc = bench_fail ("the gateway adopted %d positions (%s), expected %d open", adopted,
                         all_open ? "all open" : "not all open", closes);
    int64_t *sent_us = (int64_t *) calloc ((size_t) closes, sizeof (int64_t));
    assert (sent_us);
    int reads_before = rc == 0 ? fake_fyers_count (fx->fake, "GET", "/api/v3/positions") : 0;
    if (rc == 0) {
        s_progress ("fyers-fake: %d positions adopted; %d closes, one at a time", adopted, closes);
        rc = s_fyers_closes (fx, closes, sent_us, to_closed);
    }
    if (rc == 0) {
        s_notes.position_reads =
            fake_fyers_count (fx->fake, "GET", "/api/v3/positions") - reads_before;
        rc = s_match_deletes (fx, closes, sent_us, to_delete);
    }
    int left = rc == 0 ? bench_snapshot_count (fx, NULL) : -1;
    if (rc == 0 && left != 0)
        rc = bench_fail ("%d positions still live after %d closes", left, closes);
    free (sent_us);
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
    int count = args->closes;
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

static void
s_report (const bench_args_t *args, bench_series_t *series, size_t count,
          const bench_series_t *idle, const bench_series_t *slow)
{
    char model[BENCH_MODEL_MAX];
    s_cpu_model (model, sizeof model);
    for (size_t i = 0; i < count; i++)
        s_series_sort (&series[i]);
    printf ("tradewire order-gateway benchmark\n");
    printf ("  machine : %ld CPUs (nproc), %s\n", sysconf (_SC_NPROCESSORS_ONLN), model);
    printf ("  build   : buildtype=%s optimization=%s sanitize=%s\n", BENCH_BUILDTYPE,
            BENCH_OPTIMIZATION, BENCH_SANITIZE);
    printf ("  closes  : N=%d per scenario, sequential (the next close is sent after the "
            "previous position_closed)\n",
            args->closes);
    printf ("  pings   : M=%d per series, each after %d unmeasured; slow = %d exits in flight, "
            "each DELETE\n            hanging %d ms at the fake (same gateway as idle)\n",
            args->pings, BENCH_WARMUP_PINGS, BENCH_SLOW_POSITIONS, BENCH_SLOW_HANG_MS);
    printf ("  limiter : fyers-fake runs at rate_per_sec=%d rate_per_min=%d, far above Fyers' "
            "10/s and 200/min\n"
            "            (allowed only because base_url is the local fake, not *fyers.in)\n",
            BENCH_RATE_PER_SEC, BENCH_RATE_PER_MIN);
    printf ("  fyers   : the DELETE reply has no price, so each close then reads GET /positions "
            "(%d reads for\n            %d closes), which lists all N positions, flat ones "
            "included\n",
            s_notes.position_reads, args->closes);
    printf ("  paper   : no HTTP; the exit fills in the gateway's paper broker at the last "
            "tick (%d opens\n            were refused before their tick arrived and retried; "
            "opens are not timed)\n",
            s_notes.paper_refused);
    printf ("  clock   : CLOCK_MONOTONIC, microseconds; percentiles are nearest-rank\n\n");
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
             "usage: bench_gateway --gateway PATH --fake-fyers PATH [-n CLOSES] [-m PINGS] [-k]\n"
             "  -n CLOSES  closes per scenario, 1..%d (default %d)\n"
             "  -m PINGS   pings per series, 1..%d (default %d)\n"
             "  -k         keep the temporary directories (logs)\n",
             TW_MAX_POSITIONS, BENCH_CLOSES_DEFAULT, BENCH_SAMPLES_MAX, BENCH_PINGS_DEFAULT);
}

//  Parses a count in 1..max; -1 when it is not one.
static int
s_count (const char *text, int max)
{
    char *end = NULL;
    long value = text ? strtol (text, &end, 10) : 0;
    return text && *text && end && !*end && value >= 1 && value <= max ? (int) value : -1;
}

static int
s_parse (int argc, char **argv, bench_args_t *args)
{
    *args = (bench_args_t){.closes = BENCH_CLOSES_DEFAULT, .pings = BENCH_PINGS_DEFAULT};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (streq (arg, "-k"))
            args->keep = true;
        else if (streq (arg, "--gateway") && value)
            args->gateway_path = argv[++i];
        else if (streq (arg, "--fake-fyers") && value)
            args->fake_path = argv[++i];
        else if (streq (arg, "-n") && (args->closes = s_count (value, TW_MAX_POSITIONS)) > 0)
            i++;
        else if (streq (arg, "-m") && (args->pings = s_count (value, BENCH_SAMPLES_MAX)) > 0)
            i++;
        else
            return -1;
    }
    return args->gateway_path && args->fake_path ? 0 : -1;
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
    enum { TO_DELETE, FF_CLOSED, PAPER_CLOSED, PING_IDLE, PING_SLOW, SERIES };
    bench_series_t series[SERIES];
    s_series_init (&series[TO_DELETE], "fyers_fake_close_to_delete",
                   "fyers-fake: close -> DELETE received at fake", args.closes);
    s_series_init (&series[FF_CLOSED], "fyers_fake_close_to_closed",
                   "fyers-fake: close -> position_closed", args.closes);
    s_series_init (&series[PAPER_CLOSED], "paper_close_to_closed",
                   "paper: close -> position_closed", args.closes);
    s_series_init (&series[PING_IDLE], "ping_idle", "ping round trip, idle gateway", args.pings);
    s_series_init (&series[PING_SLOW], "ping_broker_slow",
                   "ping round trip, 10 exits hanging at broker", args.pings);
    int64_t started = tw_clock_mono_ms ();
    int rc = s_scenario_fyers (&args, &series[TO_DELETE], &series[FF_CLOSED]);
    if (rc == 0)
        rc = s_scenario_paper (&args, &series[PAPER_CLOSED]);
    if (rc == 0)
        rc = s_scenario_ping (&args, &series[PING_IDLE], &series[PING_SLOW]);
    if (rc == 0) {
        s_progress ("done in %.1f s", (double) (tw_clock_mono_ms () - started) / 1000.0);
        s_report (&args, series, SERIES, &series[PING_IDLE], &series[PING_SLOW]);
    }
    else
        fprintf (stderr, "bench: FAILED after %.1f s; no figures\n",
                 (double) (tw_clock_mono_ms () - started) / 1000.0);
    for (int i = 0; i < SERIES; i++)
        free (series[i].us);
    return rc == 0 ? 0 : 1;
}
