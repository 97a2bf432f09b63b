//  mf_fyers_ws - see mf_fyers_ws.h. The thread runs lws_service(); a timer
//  every MF_FYERS_WS_TICK_MS connects when a connection is due, pings and
//  watches for silence; after every wake the pipe from the owner is drained.
//
//  The thread creates and destroys the libwebsockets context itself: the
//  TLS library keeps state per thread that touches it, and only a joined
//  thread is sure to have released it before the process exits (the feed
//  actor's own thread is detached).

#include "mf_fyers_ws.h"
#include "tw_clock.h"
#include "tw_log.h"
#include "tw_why.h"

#include <errno.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#define MF_FYERS_WS_TICK_MS 100
#define MF_FYERS_WS_STOP_MS 1000
#define MF_FYERS_WS_START_MS 5000
#define MF_FYERS_WS_PIPE_HWM 100000
#define MF_FYERS_WS_URL_MAX 1024
//  Topics per subscribe frame (the frame's lengths are u16).
#define MF_FYERS_WS_SUB_CHUNK 1000
#define MF_FYERS_WS_SOURCE "tradewire-" TW_VERSION
#define MF_FYERS_WS_LOG_MS 5000

typedef struct _s_out_t {
    struct _s_out_t *next;
    size_t len;
    uint8_t data[]; //  LWS_PRE bytes, then the frame
} s_out_t;

struct _mf_fyers_ws_t {
    zsock_t *owner_end;
    zsock_t *thread_end;
    struct lws_context *context;
    pthread_t thread;
    bool thread_started;
    bool thread_ended;

    //  The URL, cut up (host and path point into url_parts).
    char url_parts[MF_FYERS_WS_URL_MAX];
    const char *host;
    char path[MF_FYERS_WS_URL_MAX];
    int port;
    bool tls;
    char ca_file[MF_FYERS_WS_URL_MAX]; //  "" = the system's CAs
    char hsm_key[MF_HSM_NAME_MAX];
    int64_t silence_ms;
    int64_t ping_ms;
    bool lite;

    //  Thread state.
    bool stopping;
    struct lws *wsi;
    bool authed;
    bool killing;
    bool ws_ping_due;
    int64_t attempts; //  failed connections in a row
    int64_t tries;    //  connections begun, ever
    int64_t next_connect_ms;
    int64_t last_heard_ms;
    int64_t last_ping_ms;
    s_out_t *head, *tail;
    zhashx_t *topic_set; //  topic -> present
    zlistx_t *topics;    //  in the order given (strings owned by the list)
    mf_hsm_t *hsm;
    uint8_t *rx;
    size_t rx_len;
    bool rx_too_long;
    uint32_t ack_count;
    uint32_t since_ack;
    mf_fyers_ws_stats_t stats, stats_reported;
    lws_sorted_usec_list_t tick;
    tw_log_limit_t malformed_log;
    tw_log_limit_t connect_log;
    tw_log_limit_t dropped_log;
};

//  ---------------------------------------------------------------------
//  Output.

static void
s_queue (mf_fyers_ws_t *self, const uint8_t *frame, size_t len)
{
    if (!self->wsi || len == 0)
        return;
    s_out_t *out = (s_out_t *) malloc (sizeof (s_out_t) + LWS_PRE + len);
    if (!out)
        return;
    out->next = NULL;
    out->len = len;
    memcpy (out->data + LWS_PRE, frame, len);
    if (self->tail)
        self->tail->next = out;
    else
        self->head = out;
    self->tail = out;
    lws_callback_on_writable (self->wsi);
}

static void
s_flush (mf_fyers_ws_t *self)
{
    while (self->head) {
        s_out_t *out = self->head;
        self->head = out->next;
        free (out);
    }
    self->tail = NULL;
}

//  Subscribes count topics from the list, starting at first, in chunks.
static void
s_subscribe (mf_fyers_ws_t *self, const char **topics, size_t count)
{
    static uint8_t frame[MF_HSM_FRAME_MAX];
    for (size_t at = 0; at < count; at += MF_FYERS_WS_SUB_CHUNK) {
        size_t n = count - at < MF_FYERS_WS_SUB_CHUNK ? count - at : MF_FYERS_WS_SUB_CHUNK;
        size_t len =
            mf_hsm_encode_subscribe (frame, sizeof frame, MF_HSM_SUBSCRIBE, topics + at, n);
        if (len == 0)
            tw_error ("data socket cannot encode a subscribe of %zu topics", n);
        s_queue (self, frame, len);
    }
}

static void
s_subscribe_all (mf_fyers_ws_t *self)
{
    size_t count = zlistx_size (self->topics), i = 0;
    if (count == 0)
        return;
    const char **topics = (const char **) malloc (count * sizeof (char *));
    if (!topics)
        return;
    for (const char *t = (const char *) zlistx_first (self->topics); t;
         t = (const char *) zlistx_next (self->topics))
        topics[i++] = t;
    s_subscribe (self, topics, count);
    free (topics);
}

//  ---------------------------------------------------------------------
//  Reports to the owner (non-blocking; a full pipe drops a quote: counted
//  in quotes_dropped and logged, never silent).

static void
s_on_quote (const mf_hsm_quote_t *quote, void *arg)
{
    mf_fyers_ws_t *self = (mf_fyers_ws_t *) arg;
    mf_fyers_quote_t q;
    memset (&q, 0, sizeof q);
    snprintf (q.topic, sizeof q.topic, "%s", quote->topic);
    q.ltp = quote->ltp;
    q.bid = quote->bid;
    q.ask = quote->ask;
    q.volume = quote->volume;
    q.exch_time = quote->exch_time;
    //  Two parts, as zmsg would send them; the high-water mark is checked
    //  on the first part only, so the second always follows it. (zmsg_send
    //  would leak the first frame of a message it could not send.)
    void *handle = zsock_resolve (self->thread_end);
    if (zmq_send (handle, "QUOTE", 5, ZMQ_SNDMORE | ZMQ_DONTWAIT) == 5)
        zmq_send (handle, &q, sizeof q, 0);
    else {
        self->stats.quotes_dropped++;
        tw_log_limited (&self->dropped_log, TW_LOG_WARN,
                        "data socket: the feed is behind, a quote was dropped quotes_dropped=%lld",
                        (long long) self->stats.quotes_dropped);
    }
}

static void
s_tell_stats (mf_fyers_ws_t *self)
{
    if (memcmp (&self->stats, &self->stats_reported, sizeof self->stats) == 0)
        return;
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "STATS");
    zmsg_addmem (msg, &self->stats, sizeof self->stats);
    if (zmsg_send (&msg, self->thread_end) == 0)
        self->stats_reported = self->stats;
    else
        zmsg_destroy (&msg);
}

//  ---------------------------------------------------------------------
//  Connections.

static int64_t
s_backoff_ms (int64_t attempts)
{
    int64_t delay = MF_FYERS_WS_BACKOFF_MIN_MS;
    for (int64_t i = 1; i < attempts && delay < MF_FYERS_WS_BACKOFF_MAX_MS; i++)
        delay *= 2;
    return delay < MF_FYERS_WS_BACKOFF_MAX_MS ? delay : MF_FYERS_WS_BACKOFF_MAX_MS;
}

//  The connection is gone (or never came): the next one after a backoff.
static void
s_lost (mf_fyers_ws_t *self)
{
    self->wsi = NULL;
    self->authed = false;
    self->killing = false;
    self->stats.connected = false;
    s_flush (self);
    self->attempts++;
    self->next_connect_ms = tw_clock_mono_ms () + s_backoff_ms (self->attempts);
}

static void
s_connect (mf_fyers_ws_t *self)
{
    struct lws_client_connect_info info;
    memset (&info, 0, sizeof info);
    info.context = self->context;
    info.address = self->host;
    info.port = self->port;
    info.path = self->path;
    info.host = self->host;
    info.origin = self->host;
    info.ssl_connection = self->tls ? LCCSCF_USE_SSL : 0;
    info.pwsi = &self->wsi;
    if (self->tries++ > 0)
        self->stats.reconnects++;
    self->last_heard_ms = tw_clock_mono_ms ();
    self->next_connect_ms = INT64_MAX;
    if (!lws_client_connect_via_info (&info) && !self->wsi && self->next_connect_ms == INT64_MAX)
        s_lost (self);
}

//  ---------------------------------------------------------------------
//  Input.

//  One whole server frame. Returns -1 to close the connection.
static int
s_frame (mf_fyers_ws_t *self, const uint8_t *data, size_t len)
{
    self->stats.frames++;
    mf_hsm_frame_t frame;
    char err[256];
    if (mf_hsm_decode (self->hsm, data, len, &frame, err, sizeof err) != 0) {
        self->stats.malformed++;
        tw_log_limited (&self->malformed_log, TW_LOG_WARN, "data socket malformed frame: %s", err);
        return 0;
    }
    uint8_t out[64];
    switch (frame.type) {
    case MF_HSM_AUTH:
        if (!frame.ok) {
            self->stats.auth_refused++;
            tw_error ("data socket authentication refused (status '%s'): is FYERS_ACCESS_TOKEN "
                      "today's token? retrying",
                      frame.status);
            return -1;
        }
        self->authed = true;
        self->attempts = 0;
        self->ack_count = frame.ack_count;
        self->since_ack = 0;
        self->stats.connects++;
        self->stats.connected = true;
        tw_info ("data socket authenticated ack_count=%u topics=%zu", frame.ack_count,
                 zlistx_size (self->topics));
        s_queue (self, out, mf_hsm_encode_mode (out, sizeof out, self->lite));
        s_subscribe_all (self);
        break;
    case MF_HSM_MODE:
    case MF_HSM_SUBSCRIBE:
        if (!frame.ok)
            tw_warn ("data socket %s refused (status '%s')",
                     frame.type == MF_HSM_MODE ? "mode" : "subscribe", frame.status);
        break;
    case MF_HSM_DATA:
        if (self->ack_count > 0 && ++self->since_ack >= self->ack_count) {
            s_queue (self, out, mf_hsm_encode_ack (out, sizeof out, frame.msg_no));
            self->since_ack = 0;
        }
        break;
    default:
        break;
    }
    return 0;
}

static int
s_receive (mf_fyers_ws_t *self, struct lws *wsi, const uint8_t *in, size_t len)
{
    self->last_heard_ms = tw_clock_mono_ms ();
    if (lws_is_first_fragment (wsi)) {
        self->rx_len = 0;
        self->rx_too_long = false;
    }
    if (self->rx_len + len > MF_HSM_FRAME_MAX)
        self->rx_too_long = true;
    else {
        memcpy (self->rx + self->rx_len, in, len);
        self->rx_len += len;
    }
    if (!lws_is_final_fragment (wsi))
        return 0;
    if (self->rx_too_long) {
        self->stats.frames++;
        self->stats.malformed++;
        tw_log_limited (&self->malformed_log, TW_LOG_WARN,
                        "data socket malformed frame: longer than %d bytes", MF_HSM_FRAME_MAX);
        return 0;
    }
    return s_frame (self, self->rx, self->rx_len);
}

static int
s_callback (struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    (void) user;
    mf_fyers_ws_t *self = (mf_fyers_ws_t *) lws_context_user (lws_get_context (wsi));
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED: {
        self->wsi = wsi;
        self->authed = false;
        self->rx_len = 0;
        self->ack_count = 0;
        self->last_heard_ms = self->last_ping_ms = tw_clock_mono_ms ();
        mf_hsm_reset (self->hsm);
        uint8_t frame[2 * MF_HSM_NAME_MAX + 32];
        s_queue (self, frame,
                 mf_hsm_encode_auth (frame, sizeof frame, self->hsm_key, MF_FYERS_WS_SOURCE));
        explicit_bzero (frame, sizeof frame);
        return 0;
    }
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return s_receive (self, wsi, (const uint8_t *) in, len);
    case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
        self->last_heard_ms = tw_clock_mono_ms ();
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE: {
        if (self->ws_ping_due) {
            uint8_t ping[LWS_PRE + 1];
            self->ws_ping_due = false;
            if (lws_write (wsi, ping + LWS_PRE, 0, LWS_WRITE_PING) < 0)
                return -1;
        }
        else if (self->head) {
            s_out_t *out = self->head;
            self->head = out->next;
            if (!self->head)
                self->tail = NULL;
            int n = lws_write (wsi, out->data + LWS_PRE, out->len, LWS_WRITE_BINARY);
            explicit_bzero (out->data, LWS_PRE + out->len);
            free (out);
            if (n < 0)
                return -1;
        }
        if (self->head || self->ws_ping_due)
            lws_callback_on_writable (wsi);
        return 0;
    }
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
        //  A TLS failure's own text is OpenSSL's code only; the reason came
        //  in the log line before it.
        char tls[256];
        bool has_tls = tw_why_take (tls, sizeof tls);
        tw_log_limited (&self->connect_log, TW_LOG_WARN,
                        "data socket cannot connect to %s:%d: %s%s%s; retrying", self->host,
                        self->port, in ? (const char *) in : "no reason given", has_tls ? ": " : "",
                        has_tls ? tls : "");
        s_lost (self);
        return 0;
    }
    case LWS_CALLBACK_CLIENT_CLOSED:
        tw_log_limited (&self->connect_log, TW_LOG_WARN, "data socket closed; reconnecting");
        s_lost (self);
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols s_protocols[] = {
    {.name = "mf-fyers", .callback = s_callback, .rx_buffer_size = MF_HSM_FRAME_MAX},
    {.name = NULL}};

//  ---------------------------------------------------------------------
//  The thread.

static void
s_take_topics (mf_fyers_ws_t *self, zmsg_t *msg)
{
    const char **fresh = (const char **) malloc ((zmsg_size (msg) + 1) * sizeof (char *));
    size_t count = 0;
    char *topic;
    while (fresh && (topic = zmsg_popstr (msg)) != NULL) {
        if (*topic && strlen (topic) < MF_HSM_NAME_MAX && !zhashx_lookup (self->topic_set, topic)) {
            zhashx_insert (self->topic_set, topic, (void *) 1);
            void *handle = zlistx_add_end (self->topics, topic);
            fresh[count++] = (const char *) zlistx_handle_item (handle);
        }
        zstr_free (&topic);
    }
    if (self->authed && count > 0)
        s_subscribe (self, fresh, count);
    free (fresh);
}

static void
s_drain (mf_fyers_ws_t *self)
{
    zmsg_t *msg;
    while (!self->stopping && (msg = zmsg_recv (self->thread_end)) != NULL) {
        char *command = zmsg_popstr (msg);
        if (command && streq (command, "$TERM"))
            self->stopping = true;
        else if (command && streq (command, "TOPICS"))
            s_take_topics (self, msg);
        zstr_free (&command);
        zmsg_destroy (&msg);
    }
}

static void
s_on_tick (lws_sorted_usec_list_t *sul)
{
    mf_fyers_ws_t *self = lws_container_of (sul, mf_fyers_ws_t, tick);
    int64_t now = tw_clock_mono_ms ();
    //  A connection lws dropped without a callback (pwsi was cleared).
    if (!self->wsi && self->next_connect_ms == INT64_MAX)
        s_lost (self);
    if (!self->wsi && !self->stopping && now >= self->next_connect_ms)
        s_connect (self);
    else if (self->wsi && !self->killing && now - self->last_heard_ms > self->silence_ms) {
        tw_warn ("data socket silent for %" PRId64 " ms (limit %" PRId64 "): reconnecting",
                 now - self->last_heard_ms, self->silence_ms);
        self->killing = true;
        lws_set_timeout (self->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
    else if (self->authed && now - self->last_ping_ms >= self->ping_ms) {
        uint8_t ping[8];
        self->last_ping_ms = now;
        self->ws_ping_due = true;
        s_queue (self, ping, mf_hsm_encode_ping (ping, sizeof ping));
    }
    lws_sul_schedule (self->context, 0, &self->tick, s_on_tick,
                      (lws_usec_t) MF_FYERS_WS_TICK_MS * LWS_US_PER_MS);
}

static void
s_lws_log (int level, const char *line)
{
    size_t len = strlen (line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    tw_log (level == LLL_ERR ? TW_LOG_ERROR : TW_LOG_WARN, "lws %.*s", (int) len, line);
    tw_why_note (line, len, "SSL error");
}

static int
s_create_context (mf_fyers_ws_t *self)
{
    lws_set_log_level (LLL_ERR | LLL_WARN, s_lws_log);
    struct lws_context_creation_info info;
    memset (&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = s_protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    if (self->ca_file[0]) {
        //  Only this bundle is trusted, not the system's as well.
        info.client_ssl_ca_filepath = self->ca_file;
        info.options |= LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
    }
    info.user = self;
    self->context = lws_create_context (&info);
    if (!self->context) {
        tw_error ("data socket cannot create the libwebsockets context");
        return -1;
    }
    return 0;
}

static void *
s_thread (void *arg)
{
    mf_fyers_ws_t *self = (mf_fyers_ws_t *) arg;
    if (s_create_context (self) != 0) {
        zsock_set_sndtimeo (self->thread_end, MF_FYERS_WS_STOP_MS);
        zstr_send (self->thread_end, "FAILED");
        return NULL;
    }
    zsock_set_sndtimeo (self->thread_end, MF_FYERS_WS_STOP_MS);
    zstr_send (self->thread_end, "READY");
    zsock_set_sndtimeo (self->thread_end, 0);
    lws_sul_schedule (self->context, 0, &self->tick, s_on_tick, 1);
    while (!self->stopping) {
        if (lws_service (self->context, 0) < 0) {
            tw_error ("data socket service loop failed");
            break;
        }
        s_drain (self);
        s_tell_stats (self);
    }
    lws_sul_cancel (&self->tick);
    //  Closing the connection calls back s_lost, here in this thread.
    lws_context_destroy (self->context);
    zsock_set_sndtimeo (self->thread_end, MF_FYERS_WS_STOP_MS);
    zstr_send (self->thread_end, "STOPPED");
    return NULL;
}

//  ---------------------------------------------------------------------
//  Owner side.

static int
s_parse_url (mf_fyers_ws_t *self, const char *url)
{
    if (strlen (url) >= sizeof self->url_parts) {
        tw_error ("[fyers] data_socket_url is longer than %zu bytes", sizeof self->url_parts - 1);
        return -1;
    }
    snprintf (self->url_parts, sizeof self->url_parts, "%s", url);
    const char *prot = NULL, *path = NULL;
    if (lws_parse_uri (self->url_parts, &prot, &self->host, &self->port, &path) != 0
        || (strcmp (prot, "ws") != 0 && strcmp (prot, "wss") != 0) || !*self->host) {
        tw_error ("[fyers] data_socket_url '%s' is not ws://HOST[:PORT]/PATH or wss://...", url);
        return -1;
    }
    self->tls = strcmp (prot, "wss") == 0;
    snprintf (self->path, sizeof self->path, "/%s", path ? path : "");
    return 0;
}

static int
s_pipe (mf_fyers_ws_t *self)
{
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "inproc://mf-fyers-ws-%p", (void *) self);
    self->owner_end = zsock_new (ZMQ_PAIR);
    self->thread_end = zsock_new (ZMQ_PAIR);
    if (!self->owner_end || !self->thread_end)
        return -1;
    zsock_t *ends[] = {self->owner_end, self->thread_end};
    for (size_t i = 0; i < 2; i++) {
        zsock_set_sndhwm (ends[i], MF_FYERS_WS_PIPE_HWM);
        zsock_set_rcvhwm (ends[i], MF_FYERS_WS_PIPE_HWM);
        zsock_set_sndtimeo (ends[i], 0);
    }
    zsock_set_rcvtimeo (self->thread_end, 0);
    if (zsock_bind (self->owner_end, "%s", endpoint) != 0
        || zsock_connect (self->thread_end, "%s", endpoint) != 0)
        return -1;
    return 0;
}

mf_fyers_ws_t *
mf_fyers_ws_new (const mf_fyers_ws_config_t *config)
{
    mf_fyers_ws_t *self = (mf_fyers_ws_t *) zmalloc (sizeof (mf_fyers_ws_t));
    snprintf (self->hsm_key, sizeof self->hsm_key, "%s", config->hsm_key);
    self->silence_ms = config->silence_ms;
    self->ping_ms =
        config->silence_ms / 3 < MF_FYERS_WS_PING_MS ? config->silence_ms / 3 : MF_FYERS_WS_PING_MS;
    if (self->ping_ms < 1)
        self->ping_ms = 1;
    self->lite = config->lite;
    snprintf (self->ca_file, sizeof self->ca_file, "%s", config->ca_file ? config->ca_file : "");
    if (self->ca_file[0] && access (self->ca_file, R_OK) != 0) {
        tw_error ("[fyers] data_ca_file '%s' cannot be read: %s", self->ca_file, strerror (errno));
        mf_fyers_ws_destroy (&self);
        return NULL;
    }
    self->malformed_log.interval_ms = MF_FYERS_WS_LOG_MS;
    self->connect_log.interval_ms = MF_FYERS_WS_LOG_MS;
    self->dropped_log.interval_ms = MF_FYERS_WS_LOG_MS;
    self->topic_set = zhashx_new ();
    self->topics = zlistx_new ();
    zlistx_set_destructor (self->topics, (zlistx_destructor_fn *) zstr_free);
    zlistx_set_duplicator (self->topics, (zlistx_duplicator_fn *) strdup);
    self->hsm = mf_hsm_new (s_on_quote, self);
    self->rx = (uint8_t *) malloc (MF_HSM_FRAME_MAX);
    if (!self->hsm || !self->rx || s_parse_url (self, config->url) != 0) {
        mf_fyers_ws_destroy (&self);
        return NULL;
    }
    if (s_pipe (self) != 0) {
        tw_error ("data socket cannot make its inproc pipe");
        mf_fyers_ws_destroy (&self);
        return NULL;
    }
    int rc = pthread_create (&self->thread, NULL, s_thread, self);
    if (rc != 0) {
        tw_error ("data socket cannot start its thread: %s", strerror (rc));
        mf_fyers_ws_destroy (&self);
        return NULL;
    }
    self->thread_started = true;
    //  The thread says whether it has its context.
    zsock_set_rcvtimeo (self->owner_end, MF_FYERS_WS_START_MS);
    char *ready = zstr_recv (self->owner_end);
    zsock_set_rcvtimeo (self->owner_end, -1);
    bool ok = ready && streq (ready, "READY");
    zstr_free (&ready);
    if (!ok) {
        if (!self->context) {
            pthread_join (self->thread, NULL);
            self->thread_started = false;
        }
        tw_error ("data socket thread did not start");
        mf_fyers_ws_destroy (&self);
        return NULL;
    }
    return self;
}

static bool
s_stop_thread (mf_fyers_ws_t *self)
{
    zsock_set_sndtimeo (self->owner_end, MF_FYERS_WS_STOP_MS);
    if (zstr_send (self->owner_end, "$TERM") != 0)
        return false;
    lws_cancel_service (self->context);
    int64_t deadline = tw_clock_mono_ms () + MF_FYERS_WS_STOP_MS;
    for (int64_t left = MF_FYERS_WS_STOP_MS; left > 0; left = deadline - tw_clock_mono_ms ()) {
        zsock_set_rcvtimeo (self->owner_end, (int) left);
        mf_fyers_quote_t quote;
        mf_fyers_ws_stats_t stats;
        if (mf_fyers_ws_recv (self, &quote, &stats) == 'X')
            return true;
    }
    return false;
}

void
mf_fyers_ws_destroy (mf_fyers_ws_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mf_fyers_ws_t *self = *self_p;
    *self_p = NULL;
    if (self->thread_started) {
        if (!self->thread_ended && !s_stop_thread (self)) {
            tw_error ("data socket thread did not stop within %d ms", MF_FYERS_WS_STOP_MS);
            pthread_detach (self->thread);
            return;
        }
        pthread_join (self->thread, NULL);
    }
    s_flush (self);
    zsock_destroy (&self->thread_end);
    zsock_destroy (&self->owner_end);
    mf_hsm_destroy (&self->hsm);
    zhashx_destroy (&self->topic_set);
    zlistx_destroy (&self->topics);
    free (self->rx);
    explicit_bzero (self->hsm_key, sizeof self->hsm_key);
    free (self);
}

zsock_t *
mf_fyers_ws_socket (mf_fyers_ws_t *self)
{
    return self->owner_end;
}

int
mf_fyers_ws_subscribe (mf_fyers_ws_t *self, const char *const *topics, size_t count)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "TOPICS");
    for (size_t i = 0; i < count; i++)
        zmsg_addstr (msg, topics[i]);
    if (zmsg_send (&msg, self->owner_end) != 0) {
        zmsg_destroy (&msg);
        return -1;
    }
    lws_cancel_service (self->context);
    return 0;
}

int
mf_fyers_ws_recv (mf_fyers_ws_t *self, mf_fyers_quote_t *quote, mf_fyers_ws_stats_t *stats)
{
    zmsg_t *msg = zmsg_recv (self->owner_end);
    if (!msg)
        return 0;
    char *command = zmsg_popstr (msg);
    zframe_t *body = zmsg_pop (msg);
    int kind = 0;
    if (command && streq (command, "QUOTE") && body && zframe_size (body) == sizeof *quote) {
        memcpy (quote, zframe_data (body), sizeof *quote);
        kind = 'Q';
    }
    else if (command && streq (command, "STATS") && body && zframe_size (body) == sizeof *stats) {
        memcpy (stats, zframe_data (body), sizeof *stats);
        kind = 'S';
    }
    else if (command && streq (command, "STOPPED")) {
        self->thread_ended = true;
        kind = 'X';
    }
    zstr_free (&command);
    zframe_destroy (&body);
    zmsg_destroy (&msg);
    return kind;
}
