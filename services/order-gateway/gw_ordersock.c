//  gw_ordersock - see gw_ordersock.h.

#include "gw_ordersock.h"
#include "gw_call.h"
#include "gw_ordersock_msg.h"
#include "tw_clock.h"
#include "tw_log.h"
#include "tw_why.h"

#include <errno.h>
#include <libwebsockets.h>
#include <string.h>
#include <unistd.h>

#define S_TICK_US ((lws_usec_t) 20 * 1000) //  how often the pipe is looked at
#define S_PING_MS 10000
#define S_SILENT_PINGS 3 //  pings without any answer before the link is dead
#define S_BACKOFF_MIN_MS 500
#define S_BACKOFF_MAX_MS 30000
#define S_URL_MAX 512
#define S_AUTH_MAX 1024
#define S_RX_MAX (1024 * 1024)
#define S_SUB_ORD "{\"T\":\"SUB_ORD\",\"SLIST\":[\"orders\",\"trades\",\"positions\"],\"SUB_T\":1}"

typedef struct {
    zsock_t *pipe;
    struct lws_context *context;
    struct lws *wsi;
    lws_sorted_usec_list_t tick;
    char url[S_URL_MAX]; //  for the log: never carries the token
    char address[S_URL_MAX];
    char path[S_URL_MAX];
    int port;
    bool tls;
    char ca_file[S_URL_MAX]; //  "" = the system's CAs
    char auth[S_AUTH_MAX];   //  "APP_ID:TOKEN": never logged
    bool connecting;
    bool up;           //  subscribed
    bool sub_pending;  //  SUB_ORD to send
    bool ping_pending; //  "ping" to send
    int64_t next_connect_ms;
    int64_t next_ping_ms;
    int64_t last_heard_ms;
    int64_t backoff_ms;
    char *rx;
    size_t rx_len;
    bool stop;
} s_client_t;

static void
s_notify_state (s_client_t *self, bool up)
{
    if (self->up == up)
        return;
    self->up = up;
    zstr_sendx (self->pipe, GW_ORDERSOCK_STATE, up ? "up" : "down", NULL);
}

//  The connection is gone: down, and connect again after the backoff.
static void
s_lost (s_client_t *self, const char *why)
{
    bool was_up = self->up;
    self->wsi = NULL;
    self->connecting = false;
    s_notify_state (self, false);
    self->next_connect_ms = tw_clock_mono_ms () + self->backoff_ms;
    if (was_up)
        tw_warn ("ordersock lost url=%s why=\"%s\" reconnect_ms=%lld", self->url, why,
                 (long long) self->backoff_ms);
    else
        tw_info ("ordersock cannot connect url=%s why=\"%s\" retry_ms=%lld", self->url, why,
                 (long long) self->backoff_ms);
    self->backoff_ms =
        self->backoff_ms * 2 > S_BACKOFF_MAX_MS ? S_BACKOFF_MAX_MS : self->backoff_ms * 2;
}

static void
s_connect (s_client_t *self)
{
    struct lws_client_connect_info info;
    memset (&info, 0, sizeof info);
    info.context = self->context;
    info.address = self->address;
    info.port = self->port;
    info.path = self->path;
    info.host = self->address;
    info.origin = self->address;
    info.ssl_connection = self->tls ? LCCSCF_USE_SSL : 0;
    info.pwsi = &self->wsi;
    self->connecting = true;
    self->rx_len = 0;
    if (!lws_client_connect_via_info (&info))
        s_lost (self, "connect failed");
}

//  Passes one pushed message on to the gateway (gw_ordersock_msg decodes it).
static void
s_message (s_client_t *self, const char *text)
{
    gw_ordersock_msg_t msg;
    gw_ordersock_msg_decode (text, &msg);
    if (msg.subscribed && !self->up) {
        tw_info ("ordersock subscribed url=%s", self->url);
        self->backoff_ms = S_BACKOFF_MIN_MS;
        s_notify_state (self, true);
    }
    else if (msg.kind == GW_ORDERSOCK_MSG_ORDER)
        zstr_sendx (self->pipe, GW_ORDERSOCK_ORDER, msg.id, msg.tag, msg.status, msg.symbol,
                    msg.side, msg.product, msg.filled, msg.price, NULL);
    else if (msg.kind == GW_ORDERSOCK_MSG_POSITION)
        zstr_sendx (self->pipe, GW_ORDERSOCK_POSITION, msg.id, msg.net_qty, msg.multiplier,
                    msg.buy_avg, msg.sell_avg, NULL);
    gw_ordersock_msg_reset (&msg);
}

static void
s_receive (s_client_t *self, struct lws *wsi, const char *in, size_t len)
{
    self->last_heard_ms = tw_clock_mono_ms ();
    if (self->rx_len + len > S_RX_MAX) {
        self->rx_len = 0; //  an oversized message is dropped whole
        return;
    }
    char *grown = (char *) realloc (self->rx, self->rx_len + len + 1);
    assert (grown);
    memcpy (grown + self->rx_len, in, len);
    self->rx = grown;
    self->rx_len += len;
    self->rx[self->rx_len] = 0;
    if (!lws_is_final_fragment (wsi) || lws_remaining_packet_payload (wsi) > 0)
        return;
    s_message (self, self->rx);
    self->rx_len = 0;
}

static int
s_send_text (struct lws *wsi, const char *text)
{
    size_t len = strlen (text);
    unsigned char buf[LWS_PRE + sizeof S_SUB_ORD];
    assert (len < sizeof S_SUB_ORD);
    memcpy (buf + LWS_PRE, text, len);
    return lws_write (wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT) < (int) len ? -1 : 0;
}

static int
s_callback (struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    struct lws_context *context = lws_get_context (wsi);
    s_client_t *self = context ? (s_client_t *) lws_context_user (context) : NULL;
    if (!self)
        return lws_callback_http_dummy (wsi, reason, user, in, len);
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
        unsigned char **p = (unsigned char **) in;
        unsigned char *end = *p + len;
        if (lws_add_http_header_by_token (wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
                                          (const unsigned char *) self->auth,
                                          (int) strlen (self->auth), p, end))
            return -1;
        return 0;
    }
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        self->connecting = false;
        self->last_heard_ms = tw_clock_mono_ms ();
        self->next_ping_ms = self->last_heard_ms + S_PING_MS;
        self->sub_pending = true;
        lws_callback_on_writable (wsi);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        s_receive (self, wsi, (const char *) in, len);
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (self->sub_pending) {
            self->sub_pending = false;
            if (s_send_text (wsi, S_SUB_ORD) != 0)
                return -1;
            if (self->ping_pending)
                lws_callback_on_writable (wsi);
            return 0;
        }
        if (self->ping_pending) {
            self->ping_pending = false;
            return s_send_text (wsi, "ping");
        }
        return 0;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
        char why[384], tls[256];
        //  A TLS failure's own text is OpenSSL's code only; the reason came
        //  in the log line before it.
        bool has_tls = tw_why_take (tls, sizeof tls);
        snprintf (why, sizeof why, "%.120s%s%s", in && len ? (const char *) in : "connection error",
                  has_tls ? ": " : "", has_tls ? tls : "");
        if (wsi == self->wsi || self->connecting)
            s_lost (self, why);
        return 0;
    }
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (wsi == self->wsi)
            s_lost (self, "closed");
        return 0;
    default:
        return lws_callback_http_dummy (wsi, reason, user, in, len);
    }
}

static const struct lws_protocols s_protocols[] = {
    {.name = "tradewire-ordersock", .callback = s_callback, .rx_buffer_size = 65536},
    {.name = NULL}};

//  Every tick: the pipe, the reconnect, the ping, the silence.
static void
s_on_tick (lws_sorted_usec_list_t *sul)
{
    s_client_t *self = lws_container_of (sul, s_client_t, tick);
    if (zsock_events (self->pipe) & ZMQ_POLLIN) {
        char *command = zstr_recv (self->pipe);
        if (!command || streq (command, "$TERM"))
            self->stop = true;
        zstr_free (&command);
    }
    if (self->stop) {
        lws_cancel_service (self->context);
        return;
    }
    int64_t now = tw_clock_mono_ms ();
    if (!self->wsi && !self->connecting && now >= self->next_connect_ms)
        s_connect (self);
    else if (self->wsi && !self->connecting) {
        if (now - self->last_heard_ms > (int64_t) S_PING_MS * S_SILENT_PINGS) {
            //  A dead link: lws closes it, CLIENT_CLOSED brings the reconnect.
            lws_set_timeout (self->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
            self->last_heard_ms = now;
        }
        else if (now >= self->next_ping_ms) {
            self->next_ping_ms = now + S_PING_MS;
            self->ping_pending = true;
            lws_callback_on_writable (self->wsi);
        }
    }
    lws_sul_schedule (self->context, 0, &self->tick, s_on_tick, S_TICK_US);
}

static void
s_lws_log (int level, const char *line)
{
    (void) level;
    if (!line)
        return;
    //  lws lines end with a newline; errors only (never headers).
    tw_warn ("ordersock lws: %.*s", (int) strcspn (line, "\n"), line);
    tw_why_note (line, strlen (line), "SSL error");
}

//  Parses url into self; 0 or -1.
static int
s_parse_url (s_client_t *self, const char *url)
{
    char copy[S_URL_MAX];
    if (snprintf (copy, sizeof copy, "%s", url) >= (int) sizeof copy)
        return -1;
    const char *protocol = NULL, *address = NULL, *path = NULL;
    int port = 0;
    if (lws_parse_uri (copy, &protocol, &address, &port, &path) != 0)
        return -1;
    if (streq (protocol, "wss"))
        self->tls = true;
    else if (!streq (protocol, "ws"))
        return -1;
    if (!address[0])
        return -1;
    snprintf (self->address, sizeof self->address, "%s", address);
    snprintf (self->path, sizeof self->path, "/%s", path);
    self->port = port;
    return 0;
}

static void
s_actor (zsock_t *pipe, void *args)
{
    s_client_t *self = (s_client_t *) args;
    self->pipe = pipe;
    gw_broker_block_signals ();
    lws_set_log_level (LLL_ERR, s_lws_log);
    struct lws_context_creation_info info;
    memset (&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = s_protocols;
    info.user = self;
    info.options = self->tls ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0;
    if (self->tls && self->ca_file[0]) {
        //  Only this bundle is trusted, not the system's as well.
        info.client_ssl_ca_filepath = self->ca_file;
        info.options |= LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
    }
    info.fd_limit_per_thread = 4;
    self->context = lws_create_context (&info);
    zsock_signal (pipe, 0);
    if (!self->context) {
        tw_error ("ordersock cannot create its context: no order socket");
        free (self);
        return;
    }
    self->backoff_ms = S_BACKOFF_MIN_MS;
    lws_sul_schedule (self->context, 0, &self->tick, s_on_tick, 1);
    while (!self->stop && lws_service (self->context, 0) >= 0)
        ;
    lws_sul_cancel (&self->tick);
    lws_context_destroy (self->context);
    tw_info ("ordersock stopped url=%s", self->url);
    free (self->rx);
    free (self);
}

zactor_t *
gw_ordersock_new (const char *url, const char *app_id, const char *token, const char *ca_file)
{
    s_client_t *self = (s_client_t *) zmalloc (sizeof (s_client_t));
    snprintf (self->url, sizeof self->url, "%s", url);
    if (s_parse_url (self, url) != 0) {
        tw_error ("ordersock unusable url=\"%s\": ws:// or wss://<host>[:port]/<path>", url);
        free (self);
        return NULL;
    }
    snprintf (self->ca_file, sizeof self->ca_file, "%s", ca_file ? ca_file : "");
    if (self->ca_file[0] && access (self->ca_file, R_OK) != 0) {
        tw_error ("ordersock: [fyers] data_ca_file '%s' cannot be read: %s", self->ca_file,
                  strerror (errno));
        free (self);
        return NULL;
    }
    snprintf (self->auth, sizeof self->auth, "%s:%s", app_id, token);
    tw_info ("ordersock starting url=%s", self->url);
    //  The actor owns self from here and frees it when it ends.
    return zactor_new (s_actor, self);
}

void
gw_ordersock_destroy (zactor_t **self_p)
{
    zactor_destroy (self_p);
}
