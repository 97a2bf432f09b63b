//  bench_fixture - see bench_fixture.h.

#include "bench_fixture.h"
#include "tw_clock.h"
#include "tw_cmd.h"
#include "tw_proc.h"
#include "tw_sock.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BENCH_TAIL_LINES 15
#define BENCH_GATEWAY "order-gateway"
//  How long a close or open may take to expire at the gateway: far beyond
//  any wait of the bench, so that an expiry is never what is measured.
#define BENCH_EXPIRES_MS 30000

int64_t
bench_now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
bench_fail (const char *format, ...)
{
    va_list args;
    va_start (args, format);
    fputs ("bench: FAIL ", stderr);
    vfprintf (stderr, format, args);
    fputc ('\n', stderr);
    va_end (args);
    return -1;
}

void
bench_symbol (const char *prefix, int i, char *symbol, size_t size)
{
    snprintf (symbol, size, "NSE:%s%05d-EQ", prefix, i);
}

void
bench_position_id (const char *prefix, int i, char *id, size_t size)
{
    snprintf (id, size, "NSE:%s%05d-EQ-INTRADAY", prefix, i);
}

//  Starts the fake with its stderr (a line per request) in fake_log, so that
//  the bench's own output stays readable.
static fake_fyers_t *
s_fake_start (bench_fixture_t *self)
{
    int log = open (self->fake_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log < 0) {
        bench_fail ("cannot open %s: %s", self->fake_log, strerror (errno));
        return NULL;
    }
    fflush (stderr);
    int saved = dup (STDERR_FILENO);
    if (saved < 0 || dup2 (log, STDERR_FILENO) < 0) {
        close (log);
        if (saved >= 0)
            close (saved);
        bench_fail ("cannot redirect stderr: %s", strerror (errno));
        return NULL;
    }
    fake_fyers_t *fake = fake_fyers_start (self->options.fake_path, BENCH_APP_ID, BENCH_TOKEN);
    fflush (stderr);
    dup2 (saved, STDERR_FILENO);
    close (saved);
    close (log);
    if (!fake)
        bench_fail ("fake_fyers did not start (%s); see %s", self->options.fake_path,
                    self->fake_log);
    return fake;
}

bench_fixture_t *
bench_fixture_new (const bench_options_t *options)
{
    bench_fixture_t *self = (bench_fixture_t *) zmalloc (sizeof (bench_fixture_t));
    self->options = *options;
    self->base = tw_fixture_new ("bench");
    if (!self->base) {
        bench_fail ("cannot make the bench's directory");
        free (self);
        return NULL;
    }
    if (options->keep)
        tw_fixture_keep (self->base);
    snprintf (self->fake_log, sizeof self->fake_log, "%s/fake_fyers.log",
              tw_fixture_dir (self->base));
    self->rep = tw_fixture_endpoint (self->base, "TW_ENDPOINTS_GATEWAY_REP");
    self->pub = tw_fixture_endpoint (self->base, "TW_ENDPOINTS_GATEWAY_PUB");
    if (!self->rep || !self->pub) {
        bench_fail ("no free ports");
        bench_fixture_destroy (&self, true);
    }
    else if (options->paper) {
        self->feed = tw_fixture_endpoint (self->base, "TW_ENDPOINTS_FEED_PUB");
        self->ticks = self->feed ? tw_sock_pub_new (self->feed) : NULL;
        if (!self->ticks) {
            bench_fail ("cannot bind the feed PUB at %s", self->feed ? self->feed : "(no port)");
            bench_fixture_destroy (&self, true);
        }
    }
    else {
        self->fake = s_fake_start (self);
        if (!self->fake)
            bench_fixture_destroy (&self, true);
    }
    return self;
}

int
bench_fixture_start_gateway (bench_fixture_t *self)
{
    tw_fixture_t *base = self->base;
    if (self->options.db_dir)
        tw_fixture_set (base, "TW_GATEWAY_DB", "%s/gateway-%d.db", self->options.db_dir,
                        (int) getpid ());
    else
        tw_fixture_set (base, "TW_GATEWAY_DB", "gateway.db");
    tw_fixture_set (base, "TW_GATEWAY_HEARTBEAT_MS", "%d", BENCH_HEARTBEAT_MS);
    if (self->options.paper) {
        tw_fixture_set (base, "TW_GATEWAY_BROKER", "paper");
        tw_fixture_set (base, "TW_GATEWAY_PAPER_DB", "paper.db");
    }
    else {
        tw_fixture_set (base, "TW_GATEWAY_BROKER", "fyers");
        //  Any hour: no market hours, no square-off.
        tw_fixture_set (base, "TW_SESSION_SQUARE_OFF", "off");
        tw_fixture_set (base, "TW_SESSION_ENFORCE_HOURS", "off");
        tw_fixture_set (base, "TW_FYERS_BASE_URL", "%s", fake_fyers_base_url (self->fake));
        tw_fixture_set (base, "TW_FYERS_ORDER_SOCKET_URL", "%s", fake_fyers_ws_url (self->fake));
        tw_fixture_set (base, "FYERS_APP_ID", BENCH_APP_ID);
        tw_fixture_set (base, "FYERS_ACCESS_TOKEN", BENCH_TOKEN);
        tw_fixture_set (base, "TW_FYERS_RATE_PER_SEC", "%d", BENCH_RATE_PER_SEC);
        tw_fixture_set (base, "TW_FYERS_RATE_PER_MIN", "%d", BENCH_RATE_PER_MIN);
        if (self->options.request_timeout_ms > 0)
            tw_fixture_set (base, "TW_FYERS_REQUEST_TIMEOUT_MS", "%d",
                            self->options.request_timeout_ms);
    }
    if (tw_fixture_start (base, BENCH_GATEWAY, self->options.gateway_path, NULL) != 0)
        return bench_fail ("cannot start %s", self->options.gateway_path);
    self->client = tw_client_new (self->rep, BENCH_CLIENT_TIMEOUT_MS, 1);
    self->cmd = tw_sock_client_new (self->rep);
    self->sub = tw_sock_sub_new (self->pub, "");
    if (!self->client || !self->cmd || !self->sub)
        return bench_fail ("cannot make the bench's sockets");
    zsock_set_rcvtimeo (self->cmd, BENCH_CLIENT_TIMEOUT_MS);
    //  The gateway refuses commands until it has reconciled.
    int ready_ms = self->options.ready_timeout_ms > 0 ? self->options.ready_timeout_ms
                                                      : BENCH_READY_TIMEOUT_MS;
    if (tw_fixture_wait_pong (base, BENCH_GATEWAY, self->rep, TW_MSG_STATUS, "reconciled", 1,
                              ready_ms)
        != 0)
        return bench_fail ("order-gateway not reconciled within %d ms; see %s", ready_ms,
                           tw_fixture_log (base, BENCH_GATEWAY));
    //  The SUB is connected once a heartbeat comes through.
    int64_t at_us;
    return bench_wait_event (self, TW_MSG_HEARTBEAT, NULL, BENCH_EVENT_TIMEOUT_MS, &at_us, NULL);
}

int
bench_fixture_destroy (bench_fixture_t **self_p, bool failed)
{
    if (!self_p || !*self_p)
        return 0;
    bench_fixture_t *self = *self_p;
    int rc = 0;
    tw_client_destroy (&self->client);
    zsock_destroy (&self->cmd);
    zsock_destroy (&self->sub);
    zsock_destroy (&self->ticks);
    if (tw_fixture_running (self->base, BENCH_GATEWAY)) {
        int status = tw_fixture_stop (self->base, BENCH_GATEWAY, SIGTERM, BENCH_STOP_TIMEOUT_MS);
        if (status != 0) {
            rc = bench_fail ("order-gateway exit status %d after SIGTERM (0 expected within %d ms)",
                             status, BENCH_STOP_TIMEOUT_MS);
            failed = true;
        }
    }
    if (self->fake && fake_fyers_stop (&self->fake) != 0) {
        rc = bench_fail ("fake_fyers did not stop cleanly");
        failed = true;
    }
    if (failed) {
        tw_fixture_print_logs (self->base);
        tw_file_print_tail (self->fake_log, BENCH_TAIL_LINES);
    }
    if (self->options.db_dir) {
        const char *suffixes[] = {"", "-wal", "-shm", "-journal"};
        for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
            char path[512];
            snprintf (path, sizeof path, "%s/gateway-%d.db%s", self->options.db_dir,
                      (int) getpid (), suffixes[i]);
            unlink (path);
        }
    }
    tw_fixture_destroy (&self->base);
    free (self);
    *self_p = NULL;
    return rc;
}

int
bench_request (bench_fixture_t *self, tw_msg_t *request, tw_msg_t *reply, tw_msg_type_t reply_type)
{
    if (tw_cmd_request (self->client, request, reply) != 0)
        return bench_fail ("%s: no reply", tw_msg_type_name (request->type));
    if (reply->type != reply_type) {
        tw_msg_reset (reply);
        return bench_fail ("%s: reply %s, expected %s", tw_msg_type_name (request->type),
                           tw_msg_type_name (reply->type), tw_msg_type_name (reply_type));
    }
    return 0;
}

int
bench_snapshot_count (bench_fixture_t *self, bool *all_open)
{
    tw_msg_t request, reply;
    tw_msg_init (&request, TW_MSG_SNAPSHOT);
    if (bench_request (self, &request, &reply, TW_MSG_SNAPSHOT_REPLY) != 0)
        return -1;
    int count = (int) reply.u.snapshot.count;
    if (all_open) {
        *all_open = true;
        for (size_t i = 0; i < reply.u.snapshot.count; i++)
            if (reply.u.snapshot.positions[i].state != TW_STATE_OPEN)
                *all_open = false;
    }
    tw_msg_reset (&reply);
    return count;
}

//  True when event is a failure for position id: exit_failed, or an
//  order_rejected of id's open.
static bool
s_is_failure (const tw_msg_t *event, const char *id)
{
    if (event->type != TW_MSG_EXIT_FAILED && event->type != TW_MSG_ORDER_REJECTED)
        return false;
    return !id || streq (event->u.event.pos.id, id);
}

//  Reads one event from the SUB (it is readable). Returns 1 when it is the
//  awaited one, 0 when not, -1 for a failure of id.
static int
s_take_event (bench_fixture_t *self, tw_msg_type_t type, const char *id, int64_t *at_us,
              tw_msg_t *event)
{
    tw_msg_t msg = {0};
    char err[TW_TEXT_MAX];
    if (tw_sock_recv (self->sub, &msg, err, sizeof err) != 0)
        return bench_fail ("bad event from the gateway: %s", err);
    int64_t now = bench_now_us ();
    if (s_is_failure (&msg, id)) {
        bench_fail ("%s for %s: %s", tw_msg_type_name (msg.type), msg.u.event.pos.id,
                    msg.u.event.error);
        tw_msg_reset (&msg);
        return -1;
    }
    if (msg.type != type || (id && !streq (msg.u.event.pos.id, id))) {
        tw_msg_reset (&msg);
        return 0;
    }
    *at_us = now;
    if (event)
        *event = msg;
    else
        tw_msg_reset (&msg);
    return 1;
}

int
bench_wait_event (bench_fixture_t *self, tw_msg_type_t type, const char *id, int timeout_ms,
                  int64_t *at_us, tw_msg_t *event)
{
    zmq_pollitem_t item = {zsock_resolve (self->sub), 0, ZMQ_POLLIN, 0};
    int64_t deadline = tw_clock_mono_ms () + timeout_ms;
    while (!zsys_interrupted) {
        int64_t left = deadline - tw_clock_mono_ms ();
        if (left <= 0)
            break;
        int rc = zmq_poll (&item, 1, (long) left);
        if (rc < 0 && errno != EINTR)
            break;
        if (rc <= 0)
            continue;
        int found = s_take_event (self, type, id, at_us, event);
        if (found != 0)
            return found > 0 ? 0 : -1;
    }
    return bench_fail ("no %s%s%s within %d ms", tw_msg_type_name (type), id ? " for " : "",
                       id ? id : "", timeout_ms);
}

int
bench_close (bench_fixture_t *self, const char *id, int64_t *sent_us, int64_t *closed_us)
{
    tw_msg_t request;
    char req_id[TW_ID_MAX];
    tw_client_make_req_id ("bench", req_id, sizeof req_id);
    tw_cmd_close (&request, id, TW_REASON_MANUAL_CLOSE, req_id, BENCH_EXPIRES_MS);
    *sent_us = bench_now_us ();
    if (tw_sock_send (self->cmd, &request) != 0)
        return bench_fail ("close %s: cannot send", id);
    //  The ack and the event may come in either order: wait for both, and
    //  time the event when it arrives, not when the ack is read.
    zmq_pollitem_t items[] = {{zsock_resolve (self->cmd), 0, ZMQ_POLLIN, 0},
                              {zsock_resolve (self->sub), 0, ZMQ_POLLIN, 0}};
    bool acked = false, closed = false;
    int64_t deadline = tw_clock_mono_ms () + BENCH_EVENT_TIMEOUT_MS;
    while (!(acked && closed) && !zsys_interrupted) {
        int64_t left = deadline - tw_clock_mono_ms ();
        if (left <= 0)
            break;
        items[0].events = acked ? 0 : ZMQ_POLLIN;
        items[1].events = closed ? 0 : ZMQ_POLLIN;
        int rc = zmq_poll (items, 2, (long) left);
        if (rc < 0 && errno != EINTR)
            break;
        if (rc <= 0)
            continue;
        if (items[1].revents & ZMQ_POLLIN) {
            int found = s_take_event (self, TW_MSG_POSITION_CLOSED, id, closed_us, NULL);
            if (found < 0)
                return -1;
            closed = found > 0;
        }
        if (items[0].revents & ZMQ_POLLIN) {
            tw_msg_t ack = {0};
            char err[TW_TEXT_MAX];
            if (tw_sock_recv (self->cmd, &ack, err, sizeof err) != 0)
                return bench_fail ("close %s: bad reply: %s", id, err);
            if (ack.type != TW_MSG_ACK || ack.u.ack.status != TW_ACK_ACCEPTED)
                return bench_fail ("close %s: reply %s %s %s", id, tw_msg_type_name (ack.type),
                                   tw_ack_status_name (ack.u.ack.status), ack.u.ack.error);
            acked = true;
        }
    }
    if (!acked || !closed)
        return bench_fail ("close %s: %s within %d ms", id,
                           !acked ? "no ack" : "no position_closed", BENCH_EVENT_TIMEOUT_MS);
    return 0;
}

int
bench_positions (bench_fixture_t *self)
{
    return (int) tw_cmd_counter (self->rep, TW_MSG_STATUS, "positions");
}

struct _bench_http_t {
    CURL *easy;
    struct curl_slist *headers;
    char base_url[128];
};

static size_t
s_http_drop (char *data, size_t size, size_t count, void *arg)
{
    (void) data;
    (void) arg;
    return size * count;
}

bench_http_t *
bench_http_new (fake_fyers_t *fake)
{
    bench_http_t *self = (bench_http_t *) zmalloc (sizeof (bench_http_t));
    snprintf (self->base_url, sizeof self->base_url, "%s", fake_fyers_base_url (fake));
    self->easy = curl_easy_init ();
    self->headers = curl_slist_append (NULL, "Authorization: " BENCH_APP_ID ":" BENCH_TOKEN);
    self->headers = curl_slist_append (self->headers, "Content-Type: application/json");
    if (!self->easy || !self->headers) {
        bench_http_destroy (&self);
        bench_fail ("cannot make a curl handle");
        return NULL;
    }
    curl_easy_setopt (self->easy, CURLOPT_HTTPHEADER, self->headers);
    curl_easy_setopt (self->easy, CURLOPT_WRITEFUNCTION, s_http_drop);
    curl_easy_setopt (self->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (self->easy, CURLOPT_TIMEOUT_MS, (long) BENCH_EVENT_TIMEOUT_MS);
    curl_easy_setopt (self->easy, CURLOPT_TCP_KEEPALIVE, 1L);
    return self;
}

void
bench_http_destroy (bench_http_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bench_http_t *self = *self_p;
    if (self->easy)
        curl_easy_cleanup (self->easy);
    curl_slist_free_all (self->headers);
    free (self);
    *self_p = NULL;
}

long
bench_http_request (bench_http_t *self, const char *method, const char *path, const char *body)
{
    char url[256];
    snprintf (url, sizeof url, "%s%s", self->base_url, path);
    curl_easy_setopt (self->easy, CURLOPT_URL, url);
    curl_easy_setopt (self->easy, CURLOPT_CUSTOMREQUEST, method);
    if (body)
        curl_easy_setopt (self->easy, CURLOPT_POSTFIELDS, body);
    else if (streq (method, "GET"))
        curl_easy_setopt (self->easy, CURLOPT_HTTPGET, 1L);
    CURLcode rc = curl_easy_perform (self->easy);
    if (body) //  the next request may have none
        curl_easy_setopt (self->easy, CURLOPT_POSTFIELDS, NULL);
    long status = -1;
    if (rc == CURLE_OK)
        curl_easy_getinfo (self->easy, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

int
bench_cmp_int64 (const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return (x > y) - (x < y);
}

int64_t
bench_percentile (int64_t *values, int count, int p)
{
    if (count <= 0)
        return 0;
    qsort (values, (size_t) count, sizeof (int64_t), bench_cmp_int64);
    int rank = (count * p + 99) / 100;
    return values[rank > 0 ? rank - 1 : 0];
}

int64_t
bench_median (int64_t *values, int count)
{
    if (count <= 0)
        return 0;
    qsort (values, (size_t) count, sizeof (int64_t), bench_cmp_int64);
    return values[(count - 1) / 2];
}

int64_t
bench_status_kb (int pid, const char *field)
{
    char path[64], line[256];
    snprintf (path, sizeof path, "/proc/%d/status", pid);
    FILE *file = pid > 0 ? fopen (path, "r") : NULL;
    int64_t kb = -1;
    while (file && fgets (line, sizeof line, file))
        if (strncmp (line, field, strlen (field)) == 0)
            kb = strtoll (line + strlen (field), NULL, 10);
    if (file)
        fclose (file);
    return kb;
}

int
bench_count (const char *text, int max)
{
    char *end = NULL;
    long value = text ? strtol (text, &end, 10) : 0;
    return text && *text && end && !*end && value >= 1 && value <= max ? (int) value : -1;
}
