//  bench_notifier - one gateway event to many WebSocket clients of the real
//  notifier, beside a bare one-thread epoll WebSocket server.
//
//  Usage: bench_notifier --gateway PATH --notifier PATH [-c CLIENTS]
//                        [-n EVENTS] [-r RUNS] [-k]
//  (bench/run passes the paths of a build directory.)
//
//  Each run: a real order-gateway on the paper broker with one open
//  position, a real notifier synced with it, CLIENTS WebSocket clients of
//  the notifier (with the token) and CLIENTS of the floor, all in the bench
//  (bench_ws: plain sockets, one epoll loop). Then EVENTS times: the bench
//  modifies the position's stop-loss (a new value each time), the gateway
//  publishes position_updated, and the time runs from the moment the
//  bench's own SUB on the gateway's PUB has the event until every client
//  of the notifier has the frame of that event (its type and the new sl).
//  Then the floor, in the same run: the bench publishes the same event
//  (re-encoded msgpack) on a PUB of its own; the floor server's thread
//  decodes it, frames the notifier's text of that event once, and writes
//  it to its CLIENTS clients; timed from the moment the bench's own SUB on
//  that PUB has the event until every client has the frame. One bench
//  thread reads all the clients, for both: it is part of both figures.
//
//  "Kept up with": every client must receive every event's frame, within
//  BENCH_EVENT_TIMEOUT_MS, and the notifier must still count CLIENTS
//  clients and no client dropped at the end; else the run fails.
//  Figures per event: the time until the last client (all have it) and
//  until the median client; medians over the runs of each run's p50/p99.

#include "bench_fixture.h"
#include "bench_ws.h"
#include "tw_clock.h"
#include "tw_cmd.h"
#include "tw_log.h"
#include "tw_sock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BENCH_CLIENTS_DEFAULT 1000
#define BENCH_CLIENTS_MAX 4000
#define BENCH_EVENTS_DEFAULT 50
#define BENCH_EVENTS_MAX 190 //  sl = 50 + i / 4 stays below the price
#define BENCH_RUNS_DEFAULT 3
#define BENCH_RUNS_MAX 15
#define BENCH_NOTIFIER "notifier"
#define BENCH_NT_TOKEN "0b1e2c3d4e5f60718293a4b5c6d7e8f9"
#define BENCH_SYMBOL "NSE:NOTIFY-EQ"
#define BENCH_ID "NSE:NOTIFY-EQ-INTRADAY"
#define BENCH_PRICE 100.0
#define BENCH_CONNECT_TIMEOUT_MS 10000
#define BENCH_QUIET_MS 300

typedef struct {
    const char *gateway_path;
    const char *notifier_path;
    int clients;
    int events;
    int runs;
    bool keep;
} bench_args_t;

enum { FIG_ALL, FIG_MEDIAN, FIG_FLOOR_ALL, FIG_FLOOR_MEDIAN, FIGS };

typedef struct {
    bench_fixture_t *fx;
    const char *control;
    zsock_t *floor_pub;
    zsock_t *floor_sub; //  the bench's own, for the floor's t0
    zactor_t *floor;
    bench_ws_floor_t floor_args;
    bench_ws_poll_t *poll;
    bench_ws_set_t *notified; //  the notifier's clients
    bench_ws_set_t *floored;  //  the floor's
    int64_t rss_idle_kb;      //  the notifier's, clients connected, before the events
    int64_t rss_kb;           //  and after them
    int64_t hwm_kb;
} bench_run_t;

//  Opens the position on paper: a tick, then the open, again while the
//  paper broker has no price yet (its SUB joins late).
static int
s_open (bench_fixture_t *fx)
{
    int64_t deadline = tw_clock_mono_ms () + BENCH_READY_TIMEOUT_MS;
    while (tw_clock_mono_ms () < deadline) {
        tw_cmd_tick (fx->ticks, BENCH_SYMBOL, BENCH_PRICE);
        zclock_sleep (BENCH_POLL_PACING_MS);
        tw_msg_t request, reply;
        tw_cmd_open (&request, BENCH_SYMBOL, TW_SIDE_LONG, 1, 0, 0, BENCH_EVENT_TIMEOUT_MS);
        if (bench_request (fx, &request, &reply, TW_MSG_ACK) != 0)
            return -1;
        bool accepted = reply.u.ack.status == TW_ACK_ACCEPTED;
        tw_msg_reset (&reply);
        if (!accepted)
            return bench_fail ("open %s refused", BENCH_SYMBOL);
        int64_t at_us;
        tw_msg_t event = {0};
        //  Either opened, or rejected for want of a price (a failure here:
        //  retried).
        if (bench_wait_event (fx, TW_MSG_POSITION_OPENED, BENCH_ID, BENCH_EVENT_TIMEOUT_MS, &at_us,
                              &event)
            == 0) {
            tw_msg_reset (&event);
            return 0;
        }
    }
    return bench_fail ("%s not opened within %d ms", BENCH_ID, BENCH_READY_TIMEOUT_MS);
}

//  Reads the clients until nothing came for BENCH_QUIET_MS (the snapshots
//  and recent events of the connection are read).
static int
s_drain (bench_run_t *run)
{
    int64_t deadline = tw_clock_mono_ms () + BENCH_CONNECT_TIMEOUT_MS;
    while (tw_clock_mono_ms () < deadline) {
        zmq_pollitem_t item = {NULL, bench_ws_poll_fd (run->poll), ZMQ_POLLIN, 0};
        int rc = zmq_poll (&item, 1, BENCH_QUIET_MS);
        if (rc == 0)
            return 0;
        if (rc < 0 && errno != EINTR)
            return bench_fail ("zmq_poll: %s", zmq_strerror (errno));
        if (bench_ws_pump (run->poll, 0) != 0)
            return -1;
    }
    return 0;
}

//  Publishes a first event on the floor's PUB until its thread answers (the
//  SUB has joined).
static int
s_warm_up_floor (bench_run_t *run)
{
    zsock_t *pipe = zactor_sock (run->floor);
    snprintf (run->floor_args.frame, sizeof run->floor_args.frame, "{\"type\":\"warm-up\"}");
    tw_msg_t event;
    tw_msg_init (&event, TW_MSG_HEARTBEAT);
    int64_t deadline = tw_clock_mono_ms () + BENCH_EVENT_TIMEOUT_MS;
    while (tw_clock_mono_ms () < deadline) {
        tw_sock_publish (run->floor_pub, &event);
        zmq_pollitem_t item = {zsock_resolve (pipe), 0, ZMQ_POLLIN, 0};
        zmq_pollitem_t mine = {zsock_resolve (run->floor_sub), 0, ZMQ_POLLIN, 0};
        if (zmq_poll (&item, 1, 10) > 0 && zmq_poll (&mine, 1, 0) > 0) {
            zclock_sleep (50); //  the other warm-up events, then drain them
            while (zmq_poll (&item, 1, 0) > 0)
                zsock_wait (pipe);
            while (zmq_poll (&mine, 1, 0) > 0) {
                tw_msg_t msg = {0};
                char err[TW_TEXT_MAX];
                tw_sock_recv (run->floor_sub, &msg, err, sizeof err);
                tw_msg_reset (&msg);
            }
            return s_drain (run);
        }
    }
    return bench_fail ("the floor's SUB did not join within %d ms", BENCH_EVENT_TIMEOUT_MS);
}

static int
s_run_start (bench_run_t *run, const bench_args_t *args)
{
    bench_options_t options = {
        .gateway_path = args->gateway_path, .paper = true, .keep = args->keep};
    run->fx = bench_fixture_new (&options);
    if (!run->fx)
        return -1;
    tw_fixture_t *base = run->fx->base;
    run->control = tw_fixture_endpoint (base, "TW_ENDPOINTS_NOTIFIER_CONTROL");
    int port = tw_fixture_listen (base, "TW_NOTIFIER_LISTEN");
    run->floor_args.feed = tw_fixture_endpoint (base, "BENCH_FLOOR_FEED");
    run->floor_args.port = tw_fixture_listen (base, "BENCH_FLOOR_WS");
    if (!run->control || port < 0 || !run->floor_args.feed || run->floor_args.port < 0)
        return bench_fail ("no free ports");
    tw_fixture_set (base, "TW_NOTIFIER_TOKEN", "%s", BENCH_NT_TOKEN);
    tw_fixture_set (base, "TW_NOTIFIER_MAX_CLIENTS", "%d", args->clients + 16);
    //  No risk-monitor runs here: its watch would only ping the default
    //  endpoint (maybe a demo's) and raise a warning.
    tw_fixture_set (base, "TW_NOTIFIER_RISK_WATCH_INTERVAL_MS", "0");
    if (bench_fixture_start_gateway (run->fx) != 0 || s_open (run->fx) != 0)
        return -1;
    if (tw_fixture_start (base, BENCH_NOTIFIER, args->notifier_path, NULL) != 0)
        return bench_fail ("cannot start %s", args->notifier_path);
    if (tw_fixture_wait_pong (base, BENCH_NOTIFIER, run->control, TW_MSG_PING, "synced", 1,
                              BENCH_READY_TIMEOUT_MS)
        != 0)
        return bench_fail ("the notifier did not sync; see %s",
                           tw_fixture_log (base, BENCH_NOTIFIER));
    run->floor_pub = tw_sock_pub_new (run->floor_args.feed);
    run->floor_sub = tw_sock_sub_new (run->floor_args.feed, "");
    run->floor = run->floor_pub ? zactor_new (bench_ws_floor_actor, &run->floor_args) : NULL;
    run->poll = bench_ws_poll_new ();
    if (!run->floor || !run->poll)
        return bench_fail ("cannot start the floor server");
    int64_t started = tw_clock_mono_ms ();
    run->notified =
        bench_ws_set_new (run->poll, port, args->clients, BENCH_NT_TOKEN, BENCH_CONNECT_TIMEOUT_MS);
    if (!run->notified)
        return -1;
    double connect_s = (double) (tw_clock_mono_ms () - started) / 1000.0;
    zstr_sendfm (zactor_sock (run->floor), "ACCEPT");
    zstr_sendf (zactor_sock (run->floor), "%d", args->clients);
    run->floored = bench_ws_set_new (run->poll, run->floor_args.port, args->clients, NULL,
                                     BENCH_CONNECT_TIMEOUT_MS);
    if (!run->floored || zsock_wait (zactor_sock (run->floor)) != 0)
        return bench_fail ("the floor server did not take %d clients", args->clients);
    if (s_drain (run) != 0 || s_warm_up_floor (run) != 0)
        return -1;
    int64_t clients = tw_cmd_counter (run->control, TW_MSG_PING, "clients");
    if (clients != args->clients)
        return bench_fail ("the notifier counts %lld clients, expected %d", (long long) clients,
                           args->clients);
    pid_t pid = (pid_t) tw_fixture_pid (base, BENCH_NOTIFIER);
    run->rss_idle_kb = bench_status_kb (pid, "VmRSS:");
    fprintf (stderr, "==> bench:   %d clients connected to the notifier in %.1f s; RSS %lld kB\n",
             args->clients, connect_s, (long long) run->rss_idle_kb);
    return 0;
}

static int
s_run_stop (bench_run_t *run, bool failed)
{
    bench_ws_set_destroy (&run->notified);
    bench_ws_set_destroy (&run->floored);
    bench_ws_poll_destroy (&run->poll);
    zactor_destroy (&run->floor);
    zsock_destroy (&run->floor_pub);
    zsock_destroy (&run->floor_sub);
    int rc = 0;
    if (run->fx && tw_fixture_running (run->fx->base, BENCH_NOTIFIER)) {
        int status =
            tw_fixture_stop (run->fx->base, BENCH_NOTIFIER, SIGTERM, BENCH_STOP_TIMEOUT_MS);
        if (status != 0) {
            rc = bench_fail ("notifier exit status %d after SIGTERM", status);
            failed = true;
        }
    }
    if (bench_fixture_destroy (&run->fx, failed) != 0)
        rc = -1;
    return rc;
}

//  Modifies the stop-loss to sl and waits for the ack, the event on the
//  bench's SUB (*event, its arrival *t0_us) and the frame at every client.
static int
s_notifier_event (bench_run_t *run, int clients, double sl, tw_msg_t *event, int64_t *t0_us)
{
    bench_fixture_t *fx = run->fx;
    tw_msg_t request;
    tw_msg_init (&request, TW_MSG_MODIFY);
    tw_client_make_req_id ("bench", request.req_id, sizeof request.req_id);
    snprintf (request.u.modify.id, sizeof request.u.modify.id, "%s", BENCH_ID);
    request.u.modify.has_sl = true;
    request.u.modify.sl = sl;
    if (tw_sock_send (fx->cmd, &request) != 0)
        return bench_fail ("modify: cannot send");
    zmq_pollitem_t items[] = {{zsock_resolve (fx->cmd), 0, ZMQ_POLLIN, 0},
                              {zsock_resolve (fx->sub), 0, ZMQ_POLLIN, 0},
                              {NULL, bench_ws_poll_fd (run->poll), ZMQ_POLLIN, 0}};
    bool acked = false, seen = false;
    int64_t deadline = tw_clock_mono_ms () + BENCH_EVENT_TIMEOUT_MS;
    while (!(acked && seen && bench_ws_received (run->notified) == clients)) {
        int64_t left = deadline - tw_clock_mono_ms ();
        if (left <= 0)
            return bench_fail ("modify sl=%.2f: %s; %d of %d clients have the frame", sl,
                               !acked  ? "no ack"
                               : !seen ? "no position_updated"
                                       : "not every client has it",
                               bench_ws_received (run->notified), clients);
        if (zmq_poll (items, 3, (long) left) < 0 && errno != EINTR)
            return bench_fail ("zmq_poll: %s", zmq_strerror (errno));
        if (items[1].revents & ZMQ_POLLIN) {
            int64_t now = bench_now_us ();
            tw_msg_t msg = {0};
            char err[TW_TEXT_MAX];
            if (tw_sock_recv (fx->sub, &msg, err, sizeof err) != 0)
                return bench_fail ("bad event from the gateway: %s", err);
            if (msg.type == TW_MSG_POSITION_UPDATED && !seen) {
                *event = msg;
                *t0_us = now;
                seen = true;
            }
            else
                tw_msg_reset (&msg);
        }
        if (items[0].revents & ZMQ_POLLIN) {
            tw_msg_t ack = {0};
            char err[TW_TEXT_MAX];
            if (tw_sock_recv (fx->cmd, &ack, err, sizeof err) != 0 || ack.type != TW_MSG_ACK
                || ack.u.ack.status != TW_ACK_ACCEPTED)
                return bench_fail ("modify sl=%.2f: not accepted", sl);
            acked = true;
        }
        if ((items[2].revents & ZMQ_POLLIN) && bench_ws_pump (run->poll, 0) != 0)
            return -1;
    }
    return 0;
}

//  The same event to the floor: published on its PUB, until every floor
//  client has the frame and the floor's thread has signalled. t0 is when
//  the bench's own SUB on that PUB has it, as for the notifier.
static int
s_floor_event (bench_run_t *run, int clients, const tw_msg_t *event, int64_t *t0_us)
{
    zsock_t *pipe = zactor_sock (run->floor);
    if (tw_sock_publish (run->floor_pub, event) != 0)
        return bench_fail ("cannot publish to the floor");
    zmq_pollitem_t items[] = {{zsock_resolve (pipe), 0, ZMQ_POLLIN, 0},
                              {zsock_resolve (run->floor_sub), 0, ZMQ_POLLIN, 0},
                              {NULL, bench_ws_poll_fd (run->poll), ZMQ_POLLIN, 0}};
    bool signalled = false, seen = false;
    int64_t deadline = tw_clock_mono_ms () + BENCH_EVENT_TIMEOUT_MS;
    while (!(signalled && seen && bench_ws_received (run->floored) == clients)) {
        int64_t left = deadline - tw_clock_mono_ms ();
        if (left <= 0)
            return bench_fail ("floor: %d of %d clients have the frame",
                               bench_ws_received (run->floored), clients);
        if (zmq_poll (items, 3, (long) left) < 0 && errno != EINTR)
            return bench_fail ("zmq_poll: %s", zmq_strerror (errno));
        if (items[1].revents & ZMQ_POLLIN) {
            *t0_us = bench_now_us ();
            tw_msg_t msg = {0};
            char err[TW_TEXT_MAX];
            if (tw_sock_recv (run->floor_sub, &msg, err, sizeof err) != 0)
                return bench_fail ("bad event on the floor's PUB: %s", err);
            tw_msg_reset (&msg);
            seen = true;
        }
        if (items[0].revents & ZMQ_POLLIN) {
            if (zsock_wait (pipe) != 0)
                return bench_fail ("the floor could not write to every client");
            signalled = true;
        }
        if ((items[2].revents & ZMQ_POLLIN) && bench_ws_pump (run->poll, 0) != 0)
            return -1;
    }
    return 0;
}

//  The time from t0 to the last and to the median client of set.
static void
s_spread (bench_ws_set_t *set, int clients, int64_t t0, int64_t *times, int64_t *all,
          int64_t *median)
{
    int n = bench_ws_times (set, times, clients);
    *all = n > 0 ? times[n - 1] - t0 : 0;
    *median = n > 0 ? times[(n - 1) / 2] - t0 : 0;
}

static int
s_events (bench_run_t *run, const bench_args_t *args, int64_t *series[FIGS])
{
    int64_t *times = (int64_t *) calloc ((size_t) args->clients, sizeof (int64_t));
    assert (times);
    int rc = 0;
    for (int i = 0; i < args->events && rc == 0; i++) {
        double sl = 50.0 + i * 0.25;
        char also[48];
        snprintf (also, sizeof also, "\"sl\":%.15g,", sl);
        bench_ws_arm (run->notified, "\"type\":\"position_updated\"", also);
        tw_msg_t event = {0};
        int64_t t0 = 0, t1 = 0;
        rc = s_notifier_event (run, args->clients, sl, &event, &t0);
        if (rc == 0) {
            s_spread (run->notified, args->clients, t0, times, &series[FIG_ALL][i],
                      &series[FIG_MEDIAN][i]);
            snprintf (run->floor_args.frame, sizeof run->floor_args.frame, "%s",
                      bench_ws_frame (run->notified));
            bench_ws_arm (run->floored, "\"type\":\"position_updated\"", also);
            rc = s_floor_event (run, args->clients, &event, &t1);
        }
        if (rc == 0)
            s_spread (run->floored, args->clients, t1, times, &series[FIG_FLOOR_ALL][i],
                      &series[FIG_FLOOR_MEDIAN][i]);
        tw_msg_reset (&event);
    }
    free (times);
    return rc;
}

static int
s_run (const bench_args_t *args, int64_t p50[FIGS], int64_t p99[FIGS], int64_t rss[3])
{
    bench_run_t run = {0};
    int64_t *series[FIGS];
    for (int f = 0; f < FIGS; f++) {
        series[f] = (int64_t *) calloc ((size_t) args->events, sizeof (int64_t));
        assert (series[f]);
    }
    int rc = s_run_start (&run, args);
    if (rc == 0)
        rc = s_events (&run, args, series);
    if (rc == 0) {
        int64_t clients = tw_cmd_counter (run.control, TW_MSG_PING, "clients");
        int64_t dropped = tw_cmd_counter (run.control, TW_MSG_PING, "clients_dropped");
        if (clients != args->clients || dropped != 0)
            rc = bench_fail ("after the events the notifier counts %lld clients, %lld dropped",
                             (long long) clients, (long long) dropped);
        pid_t pid = (pid_t) tw_fixture_pid (run.fx->base, BENCH_NOTIFIER);
        rss[0] = run.rss_idle_kb;
        rss[1] = bench_status_kb (pid, "VmRSS:");
        rss[2] = bench_status_kb (pid, "VmHWM:");
    }
    if (s_run_stop (&run, rc != 0) != 0)
        rc = -1;
    for (int f = 0; f < FIGS; f++) {
        if (rc == 0) {
            p50[f] = bench_percentile (series[f], args->events, 50);
            p99[f] = bench_percentile (series[f], args->events, 99);
        }
        free (series[f]);
    }
    return rc;
}

//  ---------------------------------------------------------------------------

static int
s_parse (int argc, char **argv, bench_args_t *args)
{
    *args = (bench_args_t){.clients = BENCH_CLIENTS_DEFAULT,
                           .events = BENCH_EVENTS_DEFAULT,
                           .runs = BENCH_RUNS_DEFAULT};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (streq (arg, "-k"))
            args->keep = true;
        else if (streq (arg, "--gateway") && value)
            args->gateway_path = argv[++i];
        else if (streq (arg, "--notifier") && value)
            args->notifier_path = argv[++i];
        else if (streq (arg, "-c") && (args->clients = bench_count (value, BENCH_CLIENTS_MAX)) > 0)
            i++;
        else if (streq (arg, "-n") && (args->events = bench_count (value, BENCH_EVENTS_MAX)) > 0)
            i++;
        else if (streq (arg, "-r") && (args->runs = bench_count (value, BENCH_RUNS_MAX)) > 0)
            i++;
        else
            return -1;
    }
    return args->gateway_path && args->notifier_path ? 0 : -1;
}

static int64_t
s_median_of (int64_t values[][FIGS], int runs, int fig)
{
    int64_t column[BENCH_RUNS_MAX];
    for (int r = 0; r < runs; r++)
        column[r] = values[r][fig];
    return bench_median (column, runs);
}

static void
s_report (const bench_args_t *args, int64_t p50[][FIGS], int64_t p99[][FIGS], int64_t rss[][3])
{
    double load[3] = {-1, -1, -1};
    if (getloadavg (load, 3) < 0)
        load[0] = load[1] = load[2] = -1;
    printf ("tradewire notifier benchmark: one event to %d WebSocket clients\n", args->clients);
    printf ("  machine : %ld CPUs; load average at the end %.2f %.2f %.2f\n",
            sysconf (_SC_NPROCESSORS_ONLN), load[0], load[1], load[2]);
    printf ("  events  : %d per run (position_updated), %d runs, the floor after each event; "
            "medians of the\n            runs' percentiles (us), from the event at the bench's "
            "own SUB (on the gateway's\n            PUB; on the floor's PUB for the floor: one "
            "thread, SUB, decode, one write per client)\n\n",
            args->events, args->runs);
    const char *labels[FIGS] = {
        "notifier: event -> all clients have it", "notifier: event -> the median client has it",
        "floor: event -> all clients have it", "floor: event -> the median client has it"};
    printf ("  %-46s %9s %9s\n", "", "p50", "p99");
    int64_t m50[FIGS], m99[FIGS];
    for (int f = 0; f < FIGS; f++) {
        m50[f] = s_median_of (p50, args->runs, f);
        m99[f] = s_median_of (p99, args->runs, f);
        printf ("  %-46s %9lld %9lld\n", labels[f], (long long) m50[f], (long long) m99[f]);
    }
    printf ("  %-46s %8.2fx %8.2fx\n", "ratio, all clients",
            m50[FIG_FLOOR_ALL] > 0 ? (double) m50[FIG_ALL] / (double) m50[FIG_FLOOR_ALL] : 0.0,
            m99[FIG_FLOOR_ALL] > 0 ? (double) m99[FIG_ALL] / (double) m99[FIG_FLOOR_ALL] : 0.0);
    int64_t rss_cols[BENCH_RUNS_MAX][FIGS] = {{0}};
    for (int r = 0; r < args->runs; r++)
        for (int k = 0; k < 3; k++)
            rss_cols[r][k] = rss[r][k];
    printf ("  notifier RSS, %d clients: idle %lld kB, after the events %lld kB, peak (VmHWM) "
            "%lld kB (medians)\n\n",
            args->clients, (long long) s_median_of (rss_cols, args->runs, 0),
            (long long) s_median_of (rss_cols, args->runs, 1),
            (long long) s_median_of (rss_cols, args->runs, 2));
    printf ("notifier_event_to_clients clients=%d events=%d runs=%d p50_us=%lld p99_us=%lld "
            "median_client_p50_us=%lld floor_p50_us=%lld floor_p99_us=%lld "
            "floor_median_client_p50_us=%lld\n",
            args->clients, args->events, args->runs, (long long) m50[FIG_ALL],
            (long long) m99[FIG_ALL], (long long) m50[FIG_MEDIAN], (long long) m50[FIG_FLOOR_ALL],
            (long long) m99[FIG_FLOOR_ALL], (long long) m50[FIG_FLOOR_MEDIAN]);
    printf ("notifier_rss clients=%d idle_kb=%lld after_kb=%lld hwm_kb=%lld\n", args->clients,
            (long long) s_median_of (rss_cols, args->runs, 0),
            (long long) s_median_of (rss_cols, args->runs, 1),
            (long long) s_median_of (rss_cols, args->runs, 2));
}

int
main (int argc, char **argv)
{
    bench_args_t args;
    if (s_parse (argc, argv, &args) != 0) {
        fprintf (stderr,
                 "usage: bench_notifier --gateway PATH --notifier PATH [-c CLIENTS] [-n EVENTS] "
                 "[-r RUNS] [-k]\n"
                 "  -c CLIENTS  WebSocket clients, 1..%d (default %d)\n"
                 "  -n EVENTS   events per run, 1..%d (default %d)\n"
                 "  -r RUNS     runs, each with fresh processes, 1..%d (default %d)\n"
                 "  -k          keep the temporary directories (logs)\n",
                 BENCH_CLIENTS_MAX, BENCH_CLIENTS_DEFAULT, BENCH_EVENTS_MAX, BENCH_EVENTS_DEFAULT,
                 BENCH_RUNS_MAX, BENCH_RUNS_DEFAULT);
        return 2;
    }
    tw_log_init ("bench");
    int64_t p50[BENCH_RUNS_MAX][FIGS] = {{0}}, p99[BENCH_RUNS_MAX][FIGS] = {{0}};
    int64_t rss[BENCH_RUNS_MAX][3] = {{0}};
    int64_t started = tw_clock_mono_ms ();
    int rc = 0;
    for (int r = 0; r < args.runs && rc == 0; r++) {
        fprintf (stderr, "==> bench: notifier run %d/%d: %d clients, %d events\n", r + 1, args.runs,
                 args.clients, args.events);
        rc = s_run (&args, p50[r], p99[r], rss[r]);
        if (rc == 0)
            fprintf (stderr, "==> bench:   event -> all clients p50 %lld us (floor %lld)\n",
                     (long long) p50[r][FIG_ALL], (long long) p50[r][FIG_FLOOR_ALL]);
    }
    if (rc == 0) {
        fprintf (stderr, "==> bench: done in %.1f s\n",
                 (double) (tw_clock_mono_ms () - started) / 1000.0);
        s_report (&args, p50, p99, rss);
    }
    else
        fprintf (stderr, "bench: FAILED; no figures\n");
    return rc == 0 ? 0 : 1;
}
