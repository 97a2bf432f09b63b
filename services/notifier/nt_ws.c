//  nt_ws - see nt_ws.h. This half is the owner API, the pipe and the server
//  thread; nt_ws_conn.c is what happens on each connection.
//
//  The pipe carries multipart messages, a command string first:
//
//    owner -> thread   EVENT seq text | SNAPSHOT seq text
//                      TO client seq text | SNAPSHOT_TO client seq text | $TERM
//                      WELCOME_SET seq text… | WELCOME client
//    thread -> owner   HELLO client | CLOSE client id | FLATTEN client
//                      STATS clients frames_sent clients_dropped auth_refused
//                      STOPPED
//
//  Numbers travel as 8-byte frames in host order (both ends are this
//  process). Every send is non-blocking (send timeout 0) except the last
//  two of a stop, which wait a bounded time.

#include "nt_ws_int.h"
#include "tw_clock.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

//  Messages either way that the pipe holds before a send fails.
#define NT_WS_PIPE_HWM 10000
//  Messages the thread takes from the pipe per turn of its loop. Each turn
//  gives every writable client one write (libwebsockets allows one
//  lws_write per writeable callback), so taking one message per turn means
//  a client that keeps up never has more than a frame or two queued, even in
//  a burst; only a client whose socket stays full fills its queue.
#define NT_WS_DRAIN_PER_TURN 1
//  The thread wakes at least this often, whatever happens.
#define NT_WS_TICK_US ((lws_usec_t) 250 * 1000)
//  How long a stop waits for the thread (tw_service allows the actor 1500 ms).
#define NT_WS_STOP_MS 1000

#define NT_WS_CMD_EVENT "EVENT"
#define NT_WS_CMD_SNAPSHOT "SNAPSHOT"
#define NT_WS_CMD_TO "TO"
#define NT_WS_CMD_SNAPSHOT_TO "SNAPSHOT_TO"
#define NT_WS_CMD_TERM "$TERM"
#define NT_WS_CMD_WELCOME_SET "WELCOME_SET"
#define NT_WS_CMD_WELCOME "WELCOME"
#define NT_WS_CMD_HELLO "HELLO"
#define NT_WS_CMD_CLOSE "CLOSE"
#define NT_WS_CMD_FLATTEN "FLATTEN"
#define NT_WS_CMD_STATS "STATS"
#define NT_WS_CMD_STOPPED "STOPPED"

static const struct lws_protocols s_protocols[] = {
    {
        .name = "tradewire",
        .callback = nt_ws_conn_callback,
        .per_session_data_size = sizeof (nt_client_t),
        .rx_buffer_size = NT_WS_RX_MAX,
    },
    {.name = NULL}};

//  ---------------------------------------------------------------------
//  Frames of the pipe.

static void
s_add_u64 (zmsg_t *msg, uint64_t value)
{
    zmsg_addmem (msg, &value, sizeof value);
}

//  Pops an 8-byte number; 0 when the frame is missing or has another size.
static uint64_t
s_pop_u64 (zmsg_t *msg, bool *ok)
{
    zframe_t *frame = zmsg_pop (msg);
    uint64_t value = 0;
    if (frame && zframe_size (frame) == sizeof value)
        memcpy (&value, zframe_data (frame), sizeof value);
    else
        *ok = false;
    zframe_destroy (&frame);
    return value;
}

//  Sends msg (destroyed either way). Returns 0, or -1 when the pipe is full.
static int
s_send (zsock_t *sock, zmsg_t **msg_p)
{
    if (zmsg_send (msg_p, sock) == 0)
        return 0;
    zmsg_destroy (msg_p);
    return -1;
}

//  ---------------------------------------------------------------------
//  Owner side.

//  Posts a frame for the thread and wakes it.
static int
s_post (nt_ws_t *self, const char *command, const uint64_t *client, uint64_t seq, const char *json)
{
    assert (self && json);
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, command);
    if (client)
        s_add_u64 (msg, *client);
    s_add_u64 (msg, seq);
    zmsg_addmem (msg, json, strlen (json));
    if (s_send (self->owner_end, &msg) != 0)
        return -1;
    lws_cancel_service (self->context);
    return 0;
}

int
nt_ws_event (nt_ws_t *self, uint64_t seq, const char *json)
{
    return s_post (self, NT_WS_CMD_EVENT, NULL, seq, json);
}

int
nt_ws_snapshot (nt_ws_t *self, uint64_t seq, const char *json)
{
    return s_post (self, NT_WS_CMD_SNAPSHOT, NULL, seq, json);
}

int
nt_ws_send (nt_ws_t *self, uint64_t client, uint64_t seq, const char *json, bool snapshot)
{
    return s_post (self, snapshot ? NT_WS_CMD_SNAPSHOT_TO : NT_WS_CMD_TO, &client, seq, json);
}

int
nt_ws_welcome_set (nt_ws_t *self, uint64_t seq, const char *const *jsons, size_t count)
{
    assert (self && count > 0 && count <= NT_WS_WELCOME_MAX);
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, NT_WS_CMD_WELCOME_SET);
    s_add_u64 (msg, seq);
    for (size_t i = 0; i < count; i++)
        zmsg_addmem (msg, jsons[i], strlen (jsons[i]));
    if (s_send (self->owner_end, &msg) != 0)
        return -1;
    lws_cancel_service (self->context);
    return 0;
}

int
nt_ws_welcome (nt_ws_t *self, uint64_t client)
{
    assert (self);
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, NT_WS_CMD_WELCOME);
    s_add_u64 (msg, client);
    if (s_send (self->owner_end, &msg) != 0)
        return -1;
    lws_cancel_service (self->context);
    return 0;
}

zsock_t *
nt_ws_socket (nt_ws_t *self)
{
    assert (self);
    return self->owner_end;
}

int
nt_ws_port (nt_ws_t *self)
{
    assert (self);
    return self->port;
}

int
nt_ws_recv (nt_ws_t *self, nt_ws_report_t *report)
{
    assert (self && report);
    memset (report, 0, sizeof *report);
    zmsg_t *msg = zmsg_recv (self->owner_end);
    if (!msg)
        return -1;
    char *command = zmsg_popstr (msg);
    bool ok = command != NULL;
    if (!ok)
        ;
    else if (streq (command, NT_WS_CMD_HELLO)) {
        report->type = NT_WS_HELLO;
        report->client = s_pop_u64 (msg, &ok);
    }
    else if (streq (command, NT_WS_CMD_CLOSE)) {
        report->type = NT_WS_CLOSE;
        report->client = s_pop_u64 (msg, &ok);
        char *id = zmsg_popstr (msg);
        ok = ok && id && strlen (id) < sizeof report->id;
        if (ok)
            memcpy (report->id, id, strlen (id) + 1);
        zstr_free (&id);
    }
    else if (streq (command, NT_WS_CMD_FLATTEN)) {
        report->type = NT_WS_FLATTEN;
        report->client = s_pop_u64 (msg, &ok);
    }
    else if (streq (command, NT_WS_CMD_STATS)) {
        report->type = NT_WS_STATS;
        report->stats.clients = (int64_t) s_pop_u64 (msg, &ok);
        report->stats.frames_sent = (int64_t) s_pop_u64 (msg, &ok);
        report->stats.clients_dropped = (int64_t) s_pop_u64 (msg, &ok);
        report->stats.auth_refused = (int64_t) s_pop_u64 (msg, &ok);
    }
    else if (streq (command, NT_WS_CMD_STOPPED)) {
        report->type = NT_WS_STOPPED;
        self->thread_ended = true;
    }
    else
        ok = false;
    zstr_free (&command);
    zmsg_destroy (&msg);
    if (!ok) {
        tw_error ("ws malformed report from the server thread");
        memset (report, 0, sizeof *report);
        return -1;
    }
    return 0;
}

//  ---------------------------------------------------------------------
//  Thread side: reports to the owner.

int
nt_ws_tell_hello (nt_ws_t *self, uint64_t client)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, NT_WS_CMD_HELLO);
    s_add_u64 (msg, client);
    return s_send (self->thread_end, &msg);
}

int
nt_ws_tell_close (nt_ws_t *self, uint64_t client, const char *id)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, NT_WS_CMD_CLOSE);
    s_add_u64 (msg, client);
    zmsg_addstr (msg, id);
    return s_send (self->thread_end, &msg);
}

int
nt_ws_tell_flatten (nt_ws_t *self, uint64_t client)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, NT_WS_CMD_FLATTEN);
    s_add_u64 (msg, client);
    return s_send (self->thread_end, &msg);
}

//  Reports the counters when they changed; a full pipe just delays it.
static void
s_tell_stats (nt_ws_t *self)
{
    if (memcmp (&self->stats, &self->stats_reported, sizeof self->stats) == 0)
        return;
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, NT_WS_CMD_STATS);
    s_add_u64 (msg, (uint64_t) self->stats.clients);
    s_add_u64 (msg, (uint64_t) self->stats.frames_sent);
    s_add_u64 (msg, (uint64_t) self->stats.clients_dropped);
    s_add_u64 (msg, (uint64_t) self->stats.auth_refused);
    if (s_send (self->thread_end, &msg) == 0)
        self->stats_reported = self->stats;
}

//  ---------------------------------------------------------------------
//  Thread side: frames from the owner.

//  Queues text for every client it is meant for: one client (client_id
//  non-zero), every client (a snapshot) or every client that has had its
//  snapshot (an event).
static void
s_deliver (nt_ws_t *self, uint64_t client_id, bool snapshot, zframe_t *text)
{
    nt_frame_t *frame =
        nt_frame_new ((const char *) zframe_data (text), zframe_size (text), LWS_PRE);
    if (!frame) {
        tw_error ("ws out of memory for a frame of %zu bytes", zframe_size (text));
        return;
    }
    for (nt_client_t *client = self->clients; client; client = client->next) {
        if (client->dropping || (client_id && client->id != client_id))
            continue;
        if (!client_id && !snapshot && !client->live)
            continue;
        if (nt_ws_conn_push (self, client, frame) == 0 && snapshot) {
            client->live = true;
            client->hello_pending = false;
        }
    }
    nt_frame_unref (&frame);
}

static void
s_welcome_clear (nt_ws_t *self)
{
    for (size_t i = 0; i < self->welcome_count; i++)
        nt_frame_unref (&self->welcome[i]);
    self->welcome_count = 0;
}

//  WELCOME_SET seq text…: the frames replace the welcome.
static bool
s_welcome_set (nt_ws_t *self, zmsg_t *msg)
{
    bool ok = true;
    uint64_t seq = s_pop_u64 (msg, &ok);
    if (!ok || zmsg_size (msg) == 0 || zmsg_size (msg) > NT_WS_WELCOME_MAX)
        return false;
    s_welcome_clear (self);
    if (seq > self->seq)
        self->seq = seq;
    for (zframe_t *text = zmsg_pop (msg); text; text = zmsg_pop (msg)) {
        nt_frame_t *frame =
            nt_frame_new ((const char *) zframe_data (text), zframe_size (text), LWS_PRE);
        zframe_destroy (&text);
        if (!frame) {
            tw_error ("ws out of memory for the welcome");
            s_welcome_clear (self);
            return true;
        }
        self->welcome[self->welcome_count++] = frame;
    }
    return true;
}

//  WELCOME client: the welcome, queued for one client, makes it live.
static bool
s_welcome (nt_ws_t *self, zmsg_t *msg)
{
    bool ok = true;
    uint64_t client_id = s_pop_u64 (msg, &ok);
    if (!ok || client_id == 0)
        return false;
    for (nt_client_t *client = self->clients; client; client = client->next) {
        if (client->dropping || client->id != client_id || self->welcome_count == 0)
            continue;
        for (size_t i = 0; i < self->welcome_count; i++)
            if (nt_ws_conn_push (self, client, self->welcome[i]) != 0)
                return true; //  dropped
        client->live = true;
        client->hello_pending = false;
    }
    return true;
}

static void
s_handle (nt_ws_t *self, zmsg_t *msg)
{
    char *command = zmsg_popstr (msg);
    bool ok = command != NULL;
    if (ok && streq (command, NT_WS_CMD_WELCOME_SET)) {
        if (!s_welcome_set (self, msg))
            tw_error ("ws malformed message from the owner");
        zstr_free (&command);
        return;
    }
    if (ok && streq (command, NT_WS_CMD_WELCOME)) {
        if (!s_welcome (self, msg))
            tw_error ("ws malformed message from the owner");
        zstr_free (&command);
        return;
    }
    bool to_one = ok && (streq (command, NT_WS_CMD_TO) || streq (command, NT_WS_CMD_SNAPSHOT_TO));
    bool snapshot =
        ok && (streq (command, NT_WS_CMD_SNAPSHOT) || streq (command, NT_WS_CMD_SNAPSHOT_TO));
    if (ok && streq (command, NT_WS_CMD_TERM))
        self->stopping = true;
    else if (ok && (to_one || snapshot || streq (command, NT_WS_CMD_EVENT))) {
        uint64_t client_id = to_one ? s_pop_u64 (msg, &ok) : 0;
        uint64_t seq = s_pop_u64 (msg, &ok);
        zframe_t *text = zmsg_pop (msg);
        if (ok && text && (!to_one || client_id != 0)) {
            if (seq > self->seq)
                self->seq = seq;
            s_deliver (self, client_id, snapshot, text);
        }
        else
            ok = false;
        zframe_destroy (&text);
    }
    else
        ok = false;
    if (!ok)
        tw_error ("ws malformed message from the owner");
    zstr_free (&command);
}

//  Takes what the owner sent, without blocking, at most
//  NT_WS_DRAIN_PER_TURN messages; when it took any it wakes the loop again
//  at once, to write them out and to look for more.
static void
s_drain (nt_ws_t *self)
{
    for (int i = 0; i < NT_WS_DRAIN_PER_TURN && !self->stopping; i++) {
        zmsg_t *msg = zmsg_recv (self->thread_end);
        if (!msg)
            return;
        s_handle (self, msg);
        zmsg_destroy (&msg);
    }
    if (!self->stopping)
        lws_cancel_service (self->context);
}

static void
s_on_tick (lws_sorted_usec_list_t *sul)
{
    nt_ws_t *self = lws_container_of (sul, nt_ws_t, tick);
    lws_sul_schedule (self->context, 0, &self->tick, s_on_tick, NT_WS_TICK_US);
}

//  The server thread: lws_service() waits for sockets, timers and
//  lws_cancel_service(); after each wake the pipe is drained.
static void *
s_thread (void *arg)
{
    nt_ws_t *self = (nt_ws_t *) arg;
    lws_sul_schedule (self->context, 0, &self->tick, s_on_tick, NT_WS_TICK_US);
    while (!self->stopping) {
        if (lws_service (self->context, 0) < 0) {
            tw_error ("ws service loop failed: no longer serving");
            break;
        }
        s_drain (self);
        nt_ws_conn_announce (self);
        s_tell_stats (self);
    }
    lws_sul_cancel (&self->tick);
    //  The owner waits for this line; give it the time a stop allows.
    zsock_set_sndtimeo (self->thread_end, NT_WS_STOP_MS);
    zstr_send (self->thread_end, NT_WS_CMD_STOPPED);
    return NULL;
}

//  ---------------------------------------------------------------------
//  Start and stop.

static void
s_lws_log (int level, const char *line)
{
    size_t len = strlen (line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    tw_log (level == LLL_ERR ? TW_LOG_ERROR : TW_LOG_WARN, "lws %.*s", (int) len, line);
}

//  Splits "HOST:PORT" (HOST may be "[v6]"). Returns 0, or -1 with err set.
static int
s_parse_listen (nt_ws_t *self, const char *listen, char *err, size_t err_size)
{
    const char *colon = strrchr (listen, ':');
    const char *host = listen;
    size_t host_len = colon ? (size_t) (colon - listen) : 0;
    if (host_len >= 2 && host[0] == '[' && host[host_len - 1] == ']') {
        host++;
        host_len -= 2;
    }
    char *end = NULL;
    errno = 0;
    long port = colon ? strtol (colon + 1, &end, 10) : 0;
    if (!colon || host_len == 0 || host_len >= sizeof self->host || errno || end == colon + 1
        || *end || port < 1 || port > USHRT_MAX) {
        snprintf (err, err_size,
                  "[notifier] listen '%.80s' is not HOST:PORT (an IP address and a port "
                  "1..65535)",
                  listen);
        return -1;
    }
    memcpy (self->host, host, host_len);
    self->host[host_len] = 0;
    self->port = (int) port;
    return 0;
}

//  Creates the context and the listening vhost. Returns 0, or -1 (logged).
static int
s_listen (nt_ws_t *self)
{
    lws_set_log_level (LLL_ERR | LLL_WARN, s_lws_log);
    struct lws_context_creation_info info;
    memset (&info, 0, sizeof info);
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
    info.user = self;
    self->context = lws_create_context (&info);
    if (!self->context) {
        tw_error ("ws cannot create the libwebsockets context");
        return -1;
    }
    memset (&info, 0, sizeof info);
    info.vhost_name = "notifier";
    info.port = self->port;
    info.iface = self->host;
    info.protocols = s_protocols;
    info.options = LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
    if (!strchr (self->host, ':'))
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    if (!lws_create_vhost (self->context, &info)) {
        tw_error ("ws cannot listen on %s port %d (address in use, or not an address of this host)",
                  self->host, self->port);
        return -1;
    }
    return 0;
}

//  The two ends of the pipe, with their high-water marks set before they
//  connect (they only count for connections made afterwards).
static int
s_pipe (nt_ws_t *self)
{
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "inproc://nt-ws-%p", (void *) self);
    self->owner_end = zsock_new (ZMQ_PAIR);
    self->thread_end = zsock_new (ZMQ_PAIR);
    if (!self->owner_end || !self->thread_end)
        return -1;
    zsock_t *ends[] = {self->owner_end, self->thread_end};
    for (size_t i = 0; i < 2; i++) {
        zsock_set_sndhwm (ends[i], NT_WS_PIPE_HWM);
        zsock_set_rcvhwm (ends[i], NT_WS_PIPE_HWM);
        zsock_set_sndtimeo (ends[i], 0);
    }
    zsock_set_rcvtimeo (self->thread_end, 0);
    if (zsock_bind (self->owner_end, "%s", endpoint) != 0
        || zsock_connect (self->thread_end, "%s", endpoint) != 0)
        return -1;
    return 0;
}

nt_ws_t *
nt_ws_new (const nt_ws_config_t *config)
{
    assert (config && config->listen && config->token);
    assert (config->max_clients > 0 && config->queue_max > 0);
    nt_ws_t *self = (nt_ws_t *) zmalloc (sizeof (nt_ws_t));
    char err[256];
    if (s_parse_listen (self, config->listen, err, sizeof err) != 0) {
        tw_error ("%s", err);
        nt_ws_destroy (&self);
        return NULL;
    }
    if (strlen (config->token) > NT_AUTH_TOKEN_MAX) {
        tw_error ("TW_NOTIFIER_TOKEN is longer than %d bytes", NT_AUTH_TOKEN_MAX);
        nt_ws_destroy (&self);
        return NULL;
    }
    snprintf (self->token, sizeof self->token, "%s", config->token);
    self->allow_anonymous = config->allow_anonymous;
    self->max_clients = (size_t) config->max_clients;
    self->queue_max = (size_t) config->queue_max;
    self->refused_log.interval_ms = 1000;
    self->frame_log.interval_ms = 1000;
    if (s_pipe (self) != 0) {
        tw_error ("ws cannot make its inproc pipe: %s", zmq_strerror (zmq_errno ()));
        nt_ws_destroy (&self);
        return NULL;
    }
    if (s_listen (self) != 0) {
        nt_ws_destroy (&self);
        return NULL;
    }
    int rc = pthread_create (&self->thread, NULL, s_thread, self);
    if (rc != 0) {
        tw_error ("ws cannot start its thread: %s", strerror (rc));
        nt_ws_destroy (&self);
        return NULL;
    }
    self->thread_started = true;
    return self;
}

//  Asks the thread to stop and waits for its STOPPED, reading past any
//  other report. Returns true when it stopped in time.
static bool
s_stop_thread (nt_ws_t *self)
{
    zsock_set_sndtimeo (self->owner_end, NT_WS_STOP_MS);
    if (zstr_send (self->owner_end, NT_WS_CMD_TERM) != 0)
        return false;
    lws_cancel_service (self->context);
    int64_t deadline = tw_clock_mono_ms () + NT_WS_STOP_MS;
    for (int64_t left = NT_WS_STOP_MS; left > 0; left = deadline - tw_clock_mono_ms ()) {
        zsock_set_rcvtimeo (self->owner_end, (int) left);
        nt_ws_report_t report;
        if (nt_ws_recv (self, &report) == 0 && report.type == NT_WS_STOPPED)
            return true;
    }
    return false;
}

void
nt_ws_destroy (nt_ws_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    nt_ws_t *self = *self_p;
    *self_p = NULL;
    if (self->thread_started) {
        if (!self->thread_ended && !s_stop_thread (self)) {
            //  The thread may still use everything: leave it all be, the
            //  process is about to end (tw_service reports the failure).
            tw_error ("ws server thread did not stop within %d ms", NT_WS_STOP_MS);
            pthread_detach (self->thread);
            return;
        }
        pthread_join (self->thread, NULL);
    }
    //  Closing the connections calls the protocol callback here, in the
    //  owner's thread, now that the server thread has ended.
    if (self->context)
        lws_context_destroy (self->context);
    s_welcome_clear (self);
    zsock_destroy (&self->thread_end);
    zsock_destroy (&self->owner_end);
    explicit_bzero (self->token, sizeof self->token);
    free (self);
}
