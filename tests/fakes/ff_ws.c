//  ff_ws - see ff_ws.h.
//
//  libwebsockets is not thread-safe except for lws_cancel_service: other
//  threads only append to the outbox or set a request under the lock and
//  wake the service thread, which does everything else when lws tells it
//  LWS_CALLBACK_EVENT_WAIT_CANCELLED. Each client has its own queue of
//  frames, written one per writeable callback.

#include "ff_ws.h"
#include "fake_tls.h"

#include <libwebsockets.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  A subscribe or a ping is a few hundred bytes; more is refused.
#define FF_WS_RX_MAX 4096
#define FF_WS_AUTH_MAX 1024
#define FF_WS_URI_MAX 256
//  Drops at most this many connections in one go (a bound on the loop).
#define FF_WS_DROP_MAX 1024

#define FF_TOPIC_ORDERS 1u
#define FF_TOPIC_TRADES 2u
#define FF_TOPIC_POSITIONS 4u

#define FF_WS_ACK_SUB "{\"code\":1605,\"message\":\"Successfully subscribed\",\"s\":\"ok\"}"
#define FF_WS_ACK_UNSUB "{\"code\":1605,\"message\":\"Successfully unsubscribed\",\"s\":\"ok\"}"
//  The fake's own answer to a text it does not understand.
#define FF_WS_BAD_MESSAGE "{\"code\":-99,\"message\":\"Invalid message\",\"s\":\"error\"}"

typedef struct _ff_frame_t {
    struct _ff_frame_t *next;
    unsigned topic; //  0 for a reply to this client
    size_t len;
    unsigned char buf[]; //  LWS_PRE bytes, then the text
} ff_frame_t;

typedef struct _ff_client_t {
    struct _ff_client_t *next; //  the thread's list of clients
    struct lws *wsi;
    unsigned topics;
    ff_frame_t *head, *tail;
    char rx[FF_WS_RX_MAX];
    size_t rx_len;
    bool rx_overflow;
} ff_client_t;

struct _ff_ws_t {
    struct lws_context *context;
    pthread_t thread;
    bool thread_started;
    atomic_bool stopping;
    char *auth;
    int port;
    bool tls; //  wss://
    bool quiet;
    ff_client_t *clients; //  the service thread's only
    pthread_mutex_t lock; //  guards everything below
    ff_frame_t *outbox_head, *outbox_tail;
    bool drop_requested;
    bool silent;
    int refuse_next;
    long clients_open, clients_subscribed, connections, refused, sent;
};

static ff_frame_t *
s_frame_new (unsigned topic, const char *text, size_t len)
{
    ff_frame_t *frame = malloc (sizeof *frame + LWS_PRE + len);
    if (!frame)
        return NULL;
    frame->next = NULL;
    frame->topic = topic;
    frame->len = len;
    memcpy (frame->buf + LWS_PRE, text, len);
    return frame;
}

static void
s_frames_free (ff_frame_t *frame)
{
    while (frame) {
        ff_frame_t *next = frame->next;
        free (frame);
        frame = next;
    }
}

//  Appends a copy of text to the client's queue and asks to write.
static void
s_client_send (ff_client_t *client, unsigned topic, const char *text, size_t len)
{
    ff_frame_t *frame = s_frame_new (topic, text, len);
    if (!frame)
        return;
    if (client->tail)
        client->tail->next = frame;
    else
        client->head = frame;
    client->tail = frame;
    lws_callback_on_writable (client->wsi);
}

static unsigned
s_topic_bit (const char *topic)
{
    if (strcmp (topic, "orders") == 0)
        return FF_TOPIC_ORDERS;
    if (strcmp (topic, "trades") == 0)
        return FF_TOPIC_TRADES;
    if (strcmp (topic, "positions") == 0)
        return FF_TOPIC_POSITIONS;
    return 0;
}

//  Recounts the subscribed clients for ff_ws_info. Service thread.
static void
s_count_subscribed (ff_ws_t *self)
{
    long subscribed = 0;
    for (ff_client_t *c = self->clients; c; c = c->next)
        subscribed += c->topics != 0;
    pthread_mutex_lock (&self->lock);
    self->clients_subscribed = subscribed;
    pthread_mutex_unlock (&self->lock);
}

//  {"T":"SUB_ORD","SLIST":[...],"SUB_T":1|-1}, or "ping".
static void
s_on_text (ff_ws_t *self, ff_client_t *client, const char *text, size_t len)
{
    pthread_mutex_lock (&self->lock);
    bool silent = self->silent;
    pthread_mutex_unlock (&self->lock);
    if (len == 4 && memcmp (text, "ping", 4) == 0) {
        if (!silent)
            s_client_send (client, 0, "pong", 4);
        return;
    }
    cJSON *json = cJSON_ParseWithLength (text, len);
    const char *type = cJSON_GetStringValue (cJSON_GetObjectItem (json, "T"));
    const cJSON *list = cJSON_GetObjectItem (json, "SLIST");
    const cJSON *sub = cJSON_GetObjectItem (json, "SUB_T");
    bool valid = type && strcmp (type, "SUB_ORD") == 0 && cJSON_IsArray (list)
                 && cJSON_IsNumber (sub) && (sub->valuedouble == 1 || sub->valuedouble == -1);
    unsigned topics = 0;
    const cJSON *item;
    cJSON_ArrayForEach (item, list) {
        if (!cJSON_IsString (item))
            valid = false;
        else
            topics |= s_topic_bit (item->valuestring);
    }
    if (!valid) {
        s_client_send (client, 0, FF_WS_BAD_MESSAGE, strlen (FF_WS_BAD_MESSAGE));
        cJSON_Delete (json);
        return;
    }
    bool subscribe = sub->valuedouble == 1;
    client->topics = subscribe ? client->topics | topics : client->topics & ~topics;
    const char *ack = subscribe ? FF_WS_ACK_SUB : FF_WS_ACK_UNSUB;
    s_client_send (client, 0, ack, strlen (ack));
    cJSON_Delete (json);
    s_count_subscribed (self);
}

static void
s_on_receive (ff_ws_t *self, ff_client_t *client, struct lws *wsi, const char *in, size_t len)
{
    if (client->rx_len + len > sizeof client->rx)
        client->rx_overflow = true;
    else {
        memcpy (client->rx + client->rx_len, in, len);
        client->rx_len += len;
    }
    if (!lws_is_final_fragment (wsi) || lws_remaining_packet_payload (wsi) > 0)
        return;
    if (!client->rx_overflow && !lws_frame_is_binary (wsi))
        s_on_text (self, client, client->rx, client->rx_len);
    else
        s_client_send (client, 0, FF_WS_BAD_MESSAGE, strlen (FF_WS_BAD_MESSAGE));
    client->rx_len = 0;
    client->rx_overflow = false;
}

static int
s_on_writeable (ff_ws_t *self, ff_client_t *client, struct lws *wsi)
{
    ff_frame_t *frame = client->head;
    if (!frame)
        return 0;
    client->head = frame->next;
    if (!client->head)
        client->tail = NULL;
    int written = lws_write (wsi, frame->buf + LWS_PRE, frame->len, LWS_WRITE_TEXT);
    bool pushed = frame->topic != 0;
    free (frame);
    if (written < 0)
        return -1;
    if (pushed) {
        pthread_mutex_lock (&self->lock);
        self->sent++;
        pthread_mutex_unlock (&self->lock);
    }
    if (client->head)
        lws_callback_on_writable (wsi);
    return 0;
}

//  Before the 101: the path, the header and the scripted refusals.
static int
s_confirm_upgrade (ff_ws_t *self, struct lws *wsi)
{
    char uri[FF_WS_URI_MAX] = "";
    char auth[FF_WS_AUTH_MAX] = "";
    int status = 0;
    int auth_len = lws_hdr_total_length (wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
    if (lws_hdr_copy (wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) < 0 || strcmp (uri, FF_WS_PATH) != 0)
        status = HTTP_STATUS_NOT_FOUND;
    else if (auth_len <= 0 || auth_len >= (int) sizeof auth
             || lws_hdr_copy (wsi, auth, sizeof auth, WSI_TOKEN_HTTP_AUTHORIZATION) < 0
             || strcmp (auth, self->auth) != 0)
        status = HTTP_STATUS_UNAUTHORIZED;
    pthread_mutex_lock (&self->lock);
    if (!status && self->refuse_next > 0) {
        self->refuse_next--;
        status = HTTP_STATUS_SERVICE_UNAVAILABLE;
    }
    if (status)
        self->refused++;
    pthread_mutex_unlock (&self->lock);
    if (!self->quiet && status)
        fprintf (stderr, "fake_fyers: ws upgrade %s refused -> %d\n", uri, status);
    if (!status)
        return 0;
    lws_return_http_status (wsi, (unsigned int) status, NULL);
    return -1;
}

//  The other threads' requests: pushes, drops. Service thread.
static void
s_on_wake (ff_ws_t *self)
{
    pthread_mutex_lock (&self->lock);
    ff_frame_t *outbox = self->outbox_head;
    self->outbox_head = self->outbox_tail = NULL;
    bool drop = self->drop_requested;
    self->drop_requested = false;
    pthread_mutex_unlock (&self->lock);
    for (ff_frame_t *frame = outbox; frame; frame = frame->next)
        for (ff_client_t *c = self->clients; c; c = c->next)
            if (c->topics & frame->topic)
                s_client_send (c, frame->topic, (const char *) frame->buf + LWS_PRE, frame->len);
    s_frames_free (outbox);
    //  Each kill runs the CLOSED callback, which unlinks the client.
    for (int i = 0; drop && self->clients && i < FF_WS_DROP_MAX; i++)
        lws_set_timeout (self->clients->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
}

static void
s_client_unlink (ff_ws_t *self, ff_client_t *client)
{
    for (ff_client_t **at = &self->clients; *at; at = &(*at)->next)
        if (*at == client) {
            *at = client->next;
            break;
        }
    s_frames_free (client->head);
    client->head = client->tail = NULL;
    pthread_mutex_lock (&self->lock);
    self->clients_open--;
    pthread_mutex_unlock (&self->lock);
    s_count_subscribed (self);
}

static int
s_callback (struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    ff_ws_t *self = (ff_ws_t *) lws_context_user (lws_get_context (wsi));
    ff_client_t *client = (ff_client_t *) user;
    switch (reason) {
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return s_confirm_upgrade (self, wsi);
    case LWS_CALLBACK_HTTP:
        //  Plain HTTP on the socket's port is not served.
        lws_return_http_status (wsi, HTTP_STATUS_NOT_FOUND, NULL);
        return -1;
    case LWS_CALLBACK_ESTABLISHED:
        memset (client, 0, sizeof *client);
        client->wsi = wsi;
        client->next = self->clients;
        self->clients = client;
        pthread_mutex_lock (&self->lock);
        self->clients_open++;
        self->connections++;
        pthread_mutex_unlock (&self->lock);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        s_on_receive (self, client, wsi, (const char *) in, len);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return s_on_writeable (self, client, wsi);
    case LWS_CALLBACK_CLOSED:
        if (client && client->wsi == wsi)
            s_client_unlink (self, client);
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        s_on_wake (self);
        return 0;
    default:
        return lws_callback_http_dummy (wsi, reason, user, in, len);
    }
}

static const struct lws_protocols s_protocols[] = {
    {
        .name = "fyers-order-socket",
        .callback = s_callback,
        .per_session_data_size = sizeof (ff_client_t),
        .rx_buffer_size = FF_WS_RX_MAX,
    },
    {.name = NULL}};

static void *
s_thread (void *arg)
{
    ff_ws_t *self = arg;
    while (!atomic_load (&self->stopping))
        if (lws_service (self->context, 0) < 0)
            break;
    return NULL;
}

static void
s_lws_log (int level, const char *line)
{
    (void) level;
    fprintf (stderr, "fake_fyers: lws %s", line);
}

ff_ws_t *
ff_ws_new (const char *bind, int port, const char *auth, const char *tls_cert, const char *tls_key,
           bool quiet)
{
    ff_ws_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    pthread_mutex_init (&self->lock, NULL);
    atomic_init (&self->stopping, false);
    self->quiet = quiet;
    self->auth = strdup (auth);
    if (!self->auth) {
        ff_ws_destroy (&self);
        return NULL;
    }
    lws_set_log_level (quiet ? 0 : LLL_ERR | LLL_WARN, s_lws_log);
    struct lws_context_creation_info info;
    memset (&info, 0, sizeof info);
    info.port = port;
    info.iface = bind;
    info.protocols = s_protocols;
    info.user = self;
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6 | LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
    self->tls = tls_cert || tls_key;
    if (self->tls && fake_tls_server (&info, "fake_fyers", tls_cert, tls_key, false) != 0) {
        ff_ws_destroy (&self);
        return NULL;
    }
    self->context = lws_create_context (&info);
    struct lws_vhost *vhost =
        self->context ? lws_get_vhost_by_name (self->context, "default") : NULL;
    self->port = vhost ? lws_get_vhost_listen_port (vhost) : 0;
    if (self->port <= 0) {
        fprintf (stderr, "fake_fyers: the order socket cannot listen on %s:%d\n", bind, port);
        ff_ws_destroy (&self);
        return NULL;
    }
    if (pthread_create (&self->thread, NULL, s_thread, self) != 0) {
        ff_ws_destroy (&self);
        return NULL;
    }
    self->thread_started = true;
    return self;
}

void
ff_ws_destroy (ff_ws_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ff_ws_t *self = *self_p;
    if (self->thread_started) {
        atomic_store (&self->stopping, true);
        lws_cancel_service (self->context);
        pthread_join (self->thread, NULL);
    }
    //  Closing the connections runs the callbacks here, the thread gone.
    if (self->context)
        lws_context_destroy (self->context);
    s_frames_free (self->outbox_head);
    free (self->auth);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}

int
ff_ws_port (ff_ws_t *self)
{
    return self->port;
}

//  Wakes the service thread after a request was recorded.
static void
s_wake (ff_ws_t *self)
{
    lws_cancel_service (self->context);
}

void
ff_ws_push (ff_ws_t *self, const char *topic, cJSON *message)
{
    char *text = cJSON_PrintUnformatted (message);
    cJSON_Delete (message);
    unsigned bit = s_topic_bit (topic);
    ff_frame_t *frame = text && bit ? s_frame_new (bit, text, strlen (text)) : NULL;
    free (text);
    if (!frame)
        return;
    pthread_mutex_lock (&self->lock);
    if (self->silent) {
        free (frame);
        frame = NULL;
    }
    else {
        if (self->outbox_tail)
            self->outbox_tail->next = frame;
        else
            self->outbox_head = frame;
        self->outbox_tail = frame;
    }
    pthread_mutex_unlock (&self->lock);
    if (frame)
        s_wake (self);
}

void
ff_ws_drop_all (ff_ws_t *self)
{
    pthread_mutex_lock (&self->lock);
    self->drop_requested = true;
    pthread_mutex_unlock (&self->lock);
    s_wake (self);
}

void
ff_ws_set_silent (ff_ws_t *self, bool silent)
{
    pthread_mutex_lock (&self->lock);
    self->silent = silent;
    pthread_mutex_unlock (&self->lock);
}

void
ff_ws_refuse (ff_ws_t *self, int count)
{
    pthread_mutex_lock (&self->lock);
    self->refuse_next = count;
    pthread_mutex_unlock (&self->lock);
}

void
ff_ws_info (ff_ws_t *self, cJSON *reply)
{
    pthread_mutex_lock (&self->lock);
    cJSON_AddNumberToObject (reply, "ws_port", self->port);
    cJSON_AddStringToObject (reply, "ws_path", FF_WS_PATH);
    cJSON_AddBoolToObject (reply, "ws_tls", self->tls);
    cJSON_AddNumberToObject (reply, "ws_clients", (double) self->clients_open);
    cJSON_AddNumberToObject (reply, "ws_subscribed", (double) self->clients_subscribed);
    cJSON_AddNumberToObject (reply, "ws_connections", (double) self->connections);
    cJSON_AddNumberToObject (reply, "ws_refused", (double) self->refused);
    cJSON_AddNumberToObject (reply, "ws_sent", (double) self->sent);
    cJSON_AddBoolToObject (reply, "ws_silent", self->silent);
    cJSON_AddNumberToObject (reply, "ws_refuse_next", self->refuse_next);
    pthread_mutex_unlock (&self->lock);
}
