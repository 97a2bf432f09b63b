//  nt_alerts - see nt_alerts.h.
//
//  The thread's loop: wait on the pipe at most S_TICK_MS (less while a
//  transfer runs), take what came, drive libcurl (curl_multi_perform, then
//  the finished transfers), and start a message on every endpoint whose
//  batch is due, whose bucket has a token and which has nothing in flight.

#include "nt_alerts.h"
#include "tw_clock.h"
#include "tw_log.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <czmq.h>
#include <stdatomic.h>
#include <string.h>

//  The longest wait of the thread's loop, and the wait while a transfer runs.
#define S_TICK_MS 100
#define S_BUSY_MS 10
//  Messages the pipe holds before a push fails.
#define S_PIPE_HWM 1000
#define S_LOG_INTERVAL_MS 10000
#define S_MS_PER_MIN 60000.0
//  Bytes kept of an answer's body (for nothing but draining it).
#define S_ENDPOINT_TELEGRAM "telegram"
#define S_ENDPOINT_WEBHOOK "webhook"

typedef struct {
    char *line;
    char *json;
} s_event_t;

typedef struct {
    const char *name; //  for logs: never the URL
    char *url;
    bool telegram;
    s_event_t *queue[NT_ALERTS_QUEUE_MAX];
    size_t head, count;
    int64_t first_ms; //  monotonic, when the oldest queued event came
    int64_t dropped;  //  events dropped since the last message
    double tokens;
    int64_t refilled_ms;
    CURL *easy; //  the message in flight, or NULL
    struct curl_slist *headers;
    char *body;
} s_endpoint_t;

struct _nt_alerts_t {
    zactor_t *actor;
    zsock_t *pipe_out; //  the owner's end (the actor's socket)
    //  Read by the owner, written by the thread.
    atomic_int_fast64_t queued, sent, failed, dropped;
    //  The thread's.
    nt_alerts_config_t config;
    char *chat_id;
    s_endpoint_t endpoints[2];
    size_t endpoint_count;
    CURLM *multi;
    tw_log_limit_t fail_log;
};

bool
nt_alerts_wanted (tw_msg_type_t type)
{
    return type == TW_MSG_EXIT_FAILED || type == TW_MSG_POSITION_CLOSED
           || type == TW_MSG_ORDER_REJECTED;
}

void
nt_alerts_line (const tw_msg_t *msg, char *buf, size_t buf_size)
{
    const tw_event_t *event = &msg->u.event;
    switch (msg->type) {
    case TW_MSG_EXIT_FAILED:
        snprintf (buf, buf_size, "EXIT FAILED %s (%s) after %lld attempts: %s", event->pos.id,
                  event->reason, (long long) event->attempts, event->error);
        break;
    case TW_MSG_POSITION_CLOSED:
        snprintf (buf, buf_size, "closed %s %s %lld (%s) exit %.2f P&L %+.2f", event->pos.id,
                  tw_side_name (event->pos.side), (long long) event->pos.qty, event->reason,
                  event->exit_price, event->pnl);
        break;
    case TW_MSG_ORDER_REJECTED:
        snprintf (buf, buf_size, "order rejected %s %s %lld: %s", event->pos.symbol,
                  tw_side_name (event->pos.side), (long long) event->pos.qty, event->error);
        break;
    default:
        snprintf (buf, buf_size, "%s", tw_msg_type_name (msg->type));
        break;
    }
}

//  ---------------------------------------------------------------------
//  The thread.

static void
s_event_destroy (s_event_t **event_p)
{
    if (!*event_p)
        return;
    free ((*event_p)->line);
    free ((*event_p)->json);
    free (*event_p);
    *event_p = NULL;
}

static void
s_queue (nt_alerts_t *self, s_endpoint_t *endpoint, const char *line, const char *json,
         int64_t now_ms)
{
    if (endpoint->count == NT_ALERTS_QUEUE_MAX) {
        s_event_destroy (&endpoint->queue[endpoint->head]);
        endpoint->head = (endpoint->head + 1) % NT_ALERTS_QUEUE_MAX;
        endpoint->count--;
        endpoint->dropped++;
        atomic_fetch_add (&self->dropped, 1);
    }
    s_event_t *event = (s_event_t *) zmalloc (sizeof *event);
    event->line = strdup (line);
    event->json = strdup (json);
    assert (event->line && event->json);
    if (endpoint->count == 0)
        endpoint->first_ms = now_ms;
    endpoint->queue[(endpoint->head + endpoint->count++) % NT_ALERTS_QUEUE_MAX] = event;
}

//  The Telegram body: {"chat_id":…,"text":…}, the text cut to
//  NT_ALERTS_TEXT_MAX bytes.
static char *
s_telegram_body (nt_alerts_t *self, s_endpoint_t *endpoint)
{
    char *text = (char *) malloc (NT_ALERTS_TEXT_MAX + 64);
    assert (text);
    size_t len = 0, taken = 0;
    len += (size_t) snprintf (text, NT_ALERTS_TEXT_MAX, "tradewire: %zu alert%s", endpoint->count,
                              endpoint->count == 1 ? "" : "s");
    for (; taken < endpoint->count; taken++) {
        const char *line = endpoint->queue[(endpoint->head + taken) % NT_ALERTS_QUEUE_MAX]->line;
        size_t need = strlen (line) + 1;
        if (len + need >= NT_ALERTS_TEXT_MAX)
            break;
        text[len++] = '\n';
        memcpy (text + len, line, need - 1);
        len += need - 1;
    }
    text[len] = 0;
    if (taken < endpoint->count)
        snprintf (text + len, 64, "\n… and %zu more", endpoint->count - taken);
    if (endpoint->dropped > 0) {
        len = strlen (text);
        snprintf (text + len, NT_ALERTS_TEXT_MAX + 64 - len, "\n(%lld older alerts dropped)",
                  (long long) endpoint->dropped);
    }
    cJSON *root = cJSON_CreateObject ();
    char *body = NULL;
    if (root && cJSON_AddStringToObject (root, "chat_id", self->chat_id)
        && cJSON_AddStringToObject (root, "text", text)
        && cJSON_AddTrueToObject (root, "disable_web_page_preview"))
        body = cJSON_PrintUnformatted (root);
    cJSON_Delete (root);
    free (text);
    return body;
}

//  The webhook body: a JSON array of the events' objects.
static char *
s_webhook_body (s_endpoint_t *endpoint)
{
    size_t size = 3;
    for (size_t i = 0; i < endpoint->count; i++)
        size += strlen (endpoint->queue[(endpoint->head + i) % NT_ALERTS_QUEUE_MAX]->json) + 1;
    char *body = (char *) malloc (size);
    assert (body);
    char *at = body;
    *at++ = '[';
    for (size_t i = 0; i < endpoint->count; i++) {
        const char *json = endpoint->queue[(endpoint->head + i) % NT_ALERTS_QUEUE_MAX]->json;
        if (i)
            *at++ = ',';
        memcpy (at, json, strlen (json));
        at += strlen (json);
    }
    memcpy (at, "]", 2);
    return body;
}

static size_t
s_discard (char *data, size_t size, size_t nmemb, void *arg)
{
    (void) data;
    (void) arg;
    return size * nmemb;
}

//  Starts the message of what endpoint has queued; the queue is emptied.
static void
s_start (nt_alerts_t *self, s_endpoint_t *endpoint)
{
    endpoint->body =
        endpoint->telegram ? s_telegram_body (self, endpoint) : s_webhook_body (endpoint);
    for (size_t i = 0; i < endpoint->count; i++)
        s_event_destroy (&endpoint->queue[(endpoint->head + i) % NT_ALERTS_QUEUE_MAX]);
    endpoint->head = endpoint->count = 0;
    endpoint->dropped = 0;
    if (!endpoint->body) {
        atomic_fetch_add (&self->failed, 1);
        return;
    }
    CURL *easy = curl_easy_init ();
    assert (easy);
    endpoint->headers = curl_slist_append (NULL, "Content-Type: application/json");
    curl_easy_setopt (easy, CURLOPT_URL, endpoint->url);
    curl_easy_setopt (easy, CURLOPT_HTTPHEADER, endpoint->headers);
    curl_easy_setopt (easy, CURLOPT_POSTFIELDS, endpoint->body);
    curl_easy_setopt (easy, CURLOPT_TIMEOUT_MS, (long) self->config.timeout_ms);
    curl_easy_setopt (easy, CURLOPT_CONNECTTIMEOUT_MS, (long) self->config.timeout_ms);
    curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, s_discard);
    curl_easy_setopt (easy, CURLOPT_PRIVATE, endpoint);
    curl_easy_setopt (easy, CURLOPT_PROTOCOLS_STR, "http,https");
    endpoint->easy = easy;
    curl_multi_add_handle (self->multi, easy);
}

static void
s_finish (nt_alerts_t *self, s_endpoint_t *endpoint, CURLcode result)
{
    long status = 0;
    curl_easy_getinfo (endpoint->easy, CURLINFO_RESPONSE_CODE, &status);
    if (result == CURLE_OK && status >= 200 && status < 300)
        atomic_fetch_add (&self->sent, 1);
    else {
        atomic_fetch_add (&self->failed, 1);
        //  curl's messages name the host at most, never the URL's path.
        if (result != CURLE_OK)
            tw_log_limited (&self->fail_log, TW_LOG_WARN, "alerts %s failed error=\"%s\"",
                            endpoint->name, curl_easy_strerror (result));
        else
            tw_log_limited (&self->fail_log, TW_LOG_WARN, "alerts %s failed http_status=%ld",
                            endpoint->name, status);
    }
    curl_multi_remove_handle (self->multi, endpoint->easy);
    curl_easy_cleanup (endpoint->easy);
    endpoint->easy = NULL;
    curl_slist_free_all (endpoint->headers);
    endpoint->headers = NULL;
    free (endpoint->body);
    endpoint->body = NULL;
}

//  Starts every message that is due.
static void
s_flush (nt_alerts_t *self, int64_t now_ms)
{
    double rate = (double) self->config.max_per_minute / S_MS_PER_MIN;
    for (size_t i = 0; i < self->endpoint_count; i++) {
        s_endpoint_t *endpoint = &self->endpoints[i];
        endpoint->tokens += (double) (now_ms - endpoint->refilled_ms) * rate;
        if (endpoint->tokens > (double) self->config.max_per_minute)
            endpoint->tokens = (double) self->config.max_per_minute;
        endpoint->refilled_ms = now_ms;
        if (endpoint->count == 0 || endpoint->easy || endpoint->tokens < 1.0
            || now_ms - endpoint->first_ms < self->config.batch_ms)
            continue;
        endpoint->tokens -= 1.0;
        s_start (self, endpoint);
    }
}

static void
s_drive (nt_alerts_t *self)
{
    int running = 0;
    curl_multi_perform (self->multi, &running);
    CURLMsg *msg;
    int left = 0;
    while ((msg = curl_multi_info_read (self->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        s_endpoint_t *endpoint = NULL;
        curl_easy_getinfo (msg->easy_handle, CURLINFO_PRIVATE, (char **) &endpoint);
        if (endpoint)
            s_finish (self, endpoint, msg->data.result);
    }
}

static bool
s_busy (nt_alerts_t *self)
{
    for (size_t i = 0; i < self->endpoint_count; i++)
        if (self->endpoints[i].easy)
            return true;
    return false;
}

static void
s_thread (zsock_t *pipe, void *args)
{
    nt_alerts_t *self = (nt_alerts_t *) args;
    self->multi = curl_multi_init ();
    zsock_signal (pipe, 0);
    zpoller_t *poller = zpoller_new (pipe, NULL);
    bool stop = false;
    while (!stop) {
        zsock_t *which = (zsock_t *) zpoller_wait (poller, s_busy (self) ? S_BUSY_MS : S_TICK_MS);
        if (which == pipe) {
            zmsg_t *msg = zmsg_recv (pipe);
            char *command = msg ? zmsg_popstr (msg) : NULL;
            if (!command || streq (command, "$TERM"))
                stop = true;
            else {
                char *line = zmsg_popstr (msg);
                char *json = zmsg_popstr (msg);
                if (line && json)
                    for (size_t i = 0; i < self->endpoint_count; i++)
                        s_queue (self, &self->endpoints[i], line, json, tw_clock_mono_ms ());
                zstr_free (&line);
                zstr_free (&json);
            }
            zstr_free (&command);
            zmsg_destroy (&msg);
        }
        else if (zpoller_terminated (poller))
            stop = true;
        s_drive (self);
        s_flush (self, tw_clock_mono_ms ());
        s_drive (self);
    }
    for (size_t i = 0; i < self->endpoint_count; i++) {
        s_endpoint_t *endpoint = &self->endpoints[i];
        if (endpoint->easy)
            s_finish (self, endpoint, CURLE_ABORTED_BY_CALLBACK);
        for (size_t j = 0; j < endpoint->count; j++)
            s_event_destroy (&endpoint->queue[(endpoint->head + j) % NT_ALERTS_QUEUE_MAX]);
    }
    curl_multi_cleanup (self->multi);
    zpoller_destroy (&poller);
}

//  ---------------------------------------------------------------------
//  The owner's side.

static void
s_endpoint (nt_alerts_t *self, const char *name, char *url, bool telegram)
{
    s_endpoint_t *endpoint = &self->endpoints[self->endpoint_count++];
    endpoint->name = name;
    endpoint->url = url;
    endpoint->telegram = telegram;
    endpoint->tokens = (double) self->config.max_per_minute;
    endpoint->refilled_ms = tw_clock_mono_ms ();
}

nt_alerts_t *
nt_alerts_new (const nt_alerts_config_t *config)
{
    assert (config);
    bool telegram = *config->telegram_token && *config->telegram_chat_id;
    bool webhook = *config->webhook_url != 0;
    if (!telegram && !webhook)
        return NULL;
    nt_alerts_t *self = (nt_alerts_t *) zmalloc (sizeof *self);
    self->config = *config;
    self->config.max_per_minute = config->max_per_minute > 0 ? config->max_per_minute : 1;
    self->fail_log.interval_ms = S_LOG_INTERVAL_MS;
    if (telegram) {
        //  base + "/bot" + token + "/sendMessage": the token is in the URL,
        //  so the URL is never logged.
        size_t size = strlen (config->telegram_base_url) + strlen (config->telegram_token) + 32;
        char *url = (char *) malloc (size);
        assert (url);
        const char *base = config->telegram_base_url;
        size_t base_len = strlen (base);
        while (base_len > 0 && base[base_len - 1] == '/')
            base_len--;
        snprintf (url, size, "%.*s/bot%s/sendMessage", (int) base_len, base,
                  config->telegram_token);
        self->chat_id = strdup (config->telegram_chat_id);
        s_endpoint (self, S_ENDPOINT_TELEGRAM, url, true);
    }
    if (webhook)
        s_endpoint (self, S_ENDPOINT_WEBHOOK, strdup (config->webhook_url), false);
    //  Strings of the caller's are not kept past this point.
    self->config.telegram_base_url = self->config.telegram_token = "";
    self->config.telegram_chat_id = self->config.webhook_url = "";
    self->actor = zactor_new (s_thread, self);
    if (!self->actor) {
        nt_alerts_destroy (&self);
        return NULL;
    }
    self->pipe_out = zactor_sock (self->actor);
    zsock_set_sndtimeo (self->pipe_out, 0);
    zsock_set_sndhwm (self->pipe_out, S_PIPE_HWM);
    tw_info ("alerts telegram=%s webhook=%s batch_ms=%lld max_per_minute=%lld",
             telegram ? "on" : "off", webhook ? "on" : "off", (long long) config->batch_ms,
             (long long) self->config.max_per_minute);
    return self;
}

void
nt_alerts_destroy (nt_alerts_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    nt_alerts_t *self = *self_p;
    if (self->actor) {
        //  $TERM may wait behind a full pipe; the thread reads it in time.
        zsock_set_sndtimeo (self->pipe_out, -1);
        zactor_destroy (&self->actor);
    }
    for (size_t i = 0; i < self->endpoint_count; i++) {
        s_endpoint_t *endpoint = &self->endpoints[i];
        if (endpoint->telegram)
            explicit_bzero (endpoint->url, strlen (endpoint->url));
        free (endpoint->url);
    }
    free (self->chat_id);
    free (self);
    *self_p = NULL;
}

int
nt_alerts_push (nt_alerts_t *self, const char *line, const char *json)
{
    assert (self && line && json);
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "ALERT");
    zmsg_addstr (msg, line);
    zmsg_addstr (msg, json);
    if (zmsg_send (&msg, self->pipe_out) != 0) {
        zmsg_destroy (&msg);
        atomic_fetch_add (&self->dropped, 1);
        return -1;
    }
    atomic_fetch_add (&self->queued, 1);
    return 0;
}

void
nt_alerts_stats (nt_alerts_t *self, nt_alerts_stats_t *stats)
{
    assert (self && stats);
    stats->queued = atomic_load (&self->queued);
    stats->sent = atomic_load (&self->sent);
    stats->failed = atomic_load (&self->failed);
    stats->dropped = atomic_load (&self->dropped);
}
