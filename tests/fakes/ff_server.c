//  ff_server - see ff_server.h. The control routes are documented at the top
//  of fake_fyers.c.

#include "ff_server.h"
#include "fake_tls.h"
#include "ff_api.h"
#include "ff_book.h"
#include "ff_control.h"
#include "ff_market.h"
#include "ff_script.h"
#include "ff_ws.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

//  Request bodies beyond this are refused with 413.
#define FF_BODY_MAX (1024 * 1024)
//  Enough threads for the 16 concurrent requests tests may hold open, and more.
#define FF_CONNECTION_LIMIT 128
//  An idle keep-alive connection is closed after this.
#define FF_IDLE_TIMEOUT_S 30
#define FF_CONTROL_PREFIX "/_fake/"
#define FF_MSG_RATE_LIMIT "request limit reached"
#define FF_MSG_AUTH "Could not authenticate the user"
#define FF_GARBAGE_BODY "<html><body><h1>502 Bad Gateway</h1></body></html>\n"

struct _ff_server_t {
    struct MHD_Daemon *daemon;
    char *auth;       //  the expected "<APP_ID>:<TOKEN>"
    char *app_id;     //  for the login routes
    char *app_secret; //  for the login routes
    bool quiet;
    int port;
    char *tls_cert; //  the PEM texts MHD serves https:// with; NULL: http://
    char *tls_key;
    int64_t started_ms;   //  CLOCK_MONOTONIC at start; request times are relative
    pthread_mutex_t lock; //  guards everything below, and stopping
    pthread_cond_t wake;  //  signalled when stopping, to end hangs early
    bool stopping;
    ff_book_t *book;
    ff_script_t *script;
    ff_market_t *market; //  what GET /data/marketStatus serves
    ff_ws_t *ws;         //  the order socket; thread-safe on its own
    cJSON *requests;     //  array of request records
    int64_t next_seq;
};

//  One HTTP request's upload, accumulated across access-handler calls.
typedef struct {
    char *body;
    size_t len, cap;
    bool too_large;
} ff_upload_t;

//  What to send back for one request.
typedef struct {
    int status;
    char *body; //  heap; NULL with drop
    const char *content_type;
    int retry_after_s; //  > 0 (or retry_after_ms > 0) adds the 429 headers
    int retry_after_ms;
    int hang_ms;
    bool drop;
    char *location; //  heap; a Location header (the login redirect), or NULL
} ff_answer_t;

//  CLOCK_MONOTONIC in microseconds. The clock is system-wide on Linux, so
//  another process on the machine (a benchmark) can compare its own readings
//  with the "mono_us" of a request record.
static int64_t
s_mono_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t
s_mono_ms (void)
{
    return s_mono_us () / 1000;
}

//  Waits ms, or less if the server is stopping.
static void
s_hang (ff_server_t *self, int ms)
{
    struct timespec deadline;
    clock_gettime (CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (long) (ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock (&self->lock);
    while (!self->stopping)
        if (pthread_cond_timedwait (&self->wake, &self->lock, &deadline) == ETIMEDOUT)
            break;
    pthread_mutex_unlock (&self->lock);
}

static enum MHD_Result
s_add_query (void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void) kind;
    cJSON_AddStringToObject ((cJSON *) cls, key, value ? value : "");
    return MHD_YES;
}

static cJSON *
s_nullable_string (const char *value)
{
    return value ? cJSON_CreateString (value) : cJSON_CreateNull ();
}

//  Appends a record of the request to the log and returns its seq. Lock held.
static int64_t
s_log_request (ff_server_t *self, struct MHD_Connection *conn, const char *method, const char *path,
               const ff_upload_t *upload, const char *auth)
{
    int64_t arrival_us = s_mono_us ();
    int64_t seq = self->next_seq++;
    cJSON *record = cJSON_CreateObject ();
    cJSON_AddNumberToObject (record, "seq", (double) seq);
    cJSON_AddStringToObject (record, "method", method);
    cJSON_AddStringToObject (record, "path", path);
    cJSON *query = cJSON_AddObjectToObject (record, "query");
    MHD_get_connection_values (conn, MHD_GET_ARGUMENT_KIND, s_add_query, query);
    cJSON_AddStringToObject (record, "body", upload->body ? upload->body : "");
    cJSON_AddStringToObject (record, "auth",
                             !auth                            ? "missing"
                             : strcmp (auth, self->auth) == 0 ? "ok"
                                                              : "bad");
    cJSON_AddBoolToObject (record, "auth_ok", auth && strcmp (auth, self->auth) == 0);
    cJSON_AddItemToObject (
        record, "version",
        s_nullable_string (MHD_lookup_connection_value (conn, MHD_HEADER_KIND, "version")));
    cJSON_AddItemToObject (record, "content_type",
                           s_nullable_string (MHD_lookup_connection_value (
                               conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE)));
    cJSON_AddNumberToObject (record, "t_ms", (double) (arrival_us / 1000 - self->started_ms));
    //  Exact as a double: below 2^53 us (285 years of uptime).
    cJSON_AddNumberToObject (record, "mono_us", (double) arrival_us);
    cJSON_AddNumberToObject (record, "status", 0);
    cJSON_AddStringToObject (record, "action", "ok");
    cJSON_AddBoolToObject (record, "applied", false);
    cJSON_AddNullToObject (record, "done_ms");
    cJSON_AddItemToArray (self->requests, record);
    return seq;
}

//  The record with this seq, or NULL once a reset has dropped it. Lock held.
static cJSON *
s_log_find (ff_server_t *self, int64_t seq)
{
    cJSON *record;
    cJSON_ArrayForEach (record, self->requests)
        if ((int64_t) cJSON_GetNumberValue (cJSON_GetObjectItem (record, "seq")) == seq)
            return record;
    return NULL;
}

static void
s_log_set (cJSON *record, const char *field, cJSON *value)
{
    if (record)
        cJSON_ReplaceItemInObjectCaseSensitive (record, field, value);
    else
        cJSON_Delete (value);
}

//  Marks the request answered (or dropped) now.
static void
s_log_done (ff_server_t *self, int64_t seq)
{
    pthread_mutex_lock (&self->lock);
    s_log_set (s_log_find (self, seq), "done_ms",
               cJSON_CreateNumber ((double) (s_mono_ms () - self->started_ms)));
    pthread_mutex_unlock (&self->lock);
}

static char *
s_text (const char *text)
{
    return strdup (text);
}

//  Decides the answer to an API request from the behaviour (NULL: serve
//  normally), applying it to the book when the behaviour says so. Lock held.
static void
s_decide (ff_server_t *self, const ff_behaviour_t *b, ff_api_request_t *req, ff_answer_t *answer,
          bool *applied)
{
    ff_action_t action = b ? b->action : FF_ACT_OK;
    bool apply = !b || action == FF_ACT_OK || b->apply;
    ff_api_reply_t api = {.status = 0};
    ff_fill_t fill = {.working = true};
    if (action == FF_ACT_CODE201 || action == FF_ACT_WORKING) {
        fill.polls = b->polls;
        fill.fill_qty = b->fill_qty;
        req->fill = &fill;
        req->reply_201 = action == FF_ACT_CODE201;
    }
    if (apply)
        ff_api_handle (self->book, req, &api);
    *applied = api.placed;
    *answer = (ff_answer_t){.status = api.status, .content_type = "application/json"};
    char message[64];
    switch (action) {
    case FF_ACT_OK:
    case FF_ACT_CODE201:
    case FF_ACT_WORKING:
        answer->body = api.body;
        api.body = NULL;
        answer->location = api.location;
        api.location = NULL;
        break;
    case FF_ACT_STATUS:
        answer->status = b->status;
        snprintf (message, sizeof message, "fake_fyers: scripted HTTP %d", b->status);
        answer->body = b->body ? s_text (b->body) : ff_api_error_body (-99, message);
        break;
    case FF_ACT_429:
        answer->status = 429;
        answer->body =
            b->body ? s_text (b->body) : ff_api_error_body (FF_CODE_RATE_LIMIT, FF_MSG_RATE_LIMIT);
        answer->retry_after_s = b->retry_after_s;
        answer->retry_after_ms = b->retry_after_ms;
        break;
    case FF_ACT_401:
        answer->status = 401;
        answer->body = b->body ? s_text (b->body) : ff_api_error_body (FF_CODE_AUTH, FF_MSG_AUTH);
        break;
    case FF_ACT_HANG:
        answer->hang_ms = b->ms;
        if (apply) {
            //  The late answer is the real one: the work was done.
            answer->body = api.body;
            api.body = NULL;
        }
        else {
            answer->status = b->status;
            answer->body = b->body ? s_text (b->body)
                                   : ff_api_error_body (-99, "fake_fyers: hung, not applied");
        }
        break;
    case FF_ACT_RESET:
        answer->drop = true;
        break;
    case FF_ACT_GARBAGE:
        answer->status = 200;
        answer->content_type = "text/html";
        answer->body = s_text (b->body ? b->body : FF_GARBAGE_BODY);
        break;
    }
    free (api.body);
    free (api.location);
    if (!answer->drop && !answer->body) {
        answer->status = 500;
        answer->body = s_text ("");
    }
}

static enum MHD_Result
s_send (struct MHD_Connection *conn, ff_answer_t *answer)
{
    char *body = answer->body ? answer->body : s_text ("");
    struct MHD_Response *response =
        MHD_create_response_from_buffer (strlen (body), body, MHD_RESPMEM_MUST_FREE);
    answer->body = NULL;
    if (!response) {
        free (body);
        return MHD_NO;
    }
    MHD_add_response_header (response, MHD_HTTP_HEADER_CONTENT_TYPE, answer->content_type);
    if (answer->location)
        MHD_add_response_header (response, MHD_HTTP_HEADER_LOCATION, answer->location);
    if (answer->retry_after_s > 0 || answer->retry_after_ms > 0) {
        char value[32];
        snprintf (value, sizeof value, "%d", answer->retry_after_s);
        MHD_add_response_header (response, MHD_HTTP_HEADER_RETRY_AFTER, value);
        snprintf (value, sizeof value, "%d", answer->retry_after_ms);
        MHD_add_response_header (response, "X-Retry-After-Ms", value);
    }
    enum MHD_Result rc = MHD_queue_response (conn, (unsigned int) answer->status, response);
    MHD_destroy_response (response);
    return rc;
}

static enum MHD_Result
s_serve_api (ff_server_t *self, struct MHD_Connection *conn, const char *method, const char *path,
             ff_upload_t *upload)
{
    const char *auth =
        MHD_lookup_connection_value (conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    ff_api_request_t req = {
        .method = method,
        .path = path,
        .body = upload->body,
        .body_len = upload->len,
        .content_type =
            MHD_lookup_connection_value (conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
        .query_id = MHD_lookup_connection_value (conn, MHD_GET_ARGUMENT_KIND, "id"),
        .query_tag = MHD_lookup_connection_value (conn, MHD_GET_ARGUMENT_KIND, "order_tag"),
        .auth_ok = auth && strcmp (auth, self->auth) == 0,
        .market = self->market,
        .app_id = self->app_id,
        .app_secret = self->app_secret,
        .query_client_id = MHD_lookup_connection_value (conn, MHD_GET_ARGUMENT_KIND, "client_id"),
        .query_redirect_uri =
            MHD_lookup_connection_value (conn, MHD_GET_ARGUMENT_KIND, "redirect_uri"),
        .query_response_type =
            MHD_lookup_connection_value (conn, MHD_GET_ARGUMENT_KIND, "response_type"),
        .query_state = MHD_lookup_connection_value (conn, MHD_GET_ARGUMENT_KIND, "state"),
    };
    ff_answer_t answer;
    bool applied = false;
    pthread_mutex_lock (&self->lock);
    int64_t seq = s_log_request (self, conn, method, path, upload, auth);
    ff_behaviour_t *behaviour = NULL;
    if (upload->too_large)
        answer = (ff_answer_t){.status = 413,
                               .content_type = "application/json",
                               .body = ff_api_error_body (FF_CODE_INVALID, "body too large")};
    else {
        behaviour = ff_script_take (self->script, method, path);
        s_decide (self, behaviour, &req, &answer, &applied);
    }
    cJSON *record = s_log_find (self, seq);
    s_log_set (record, "status", cJSON_CreateNumber (answer.drop ? 0 : answer.status));
    s_log_set (record, "action", cJSON_CreateString (behaviour ? behaviour->name : "ok"));
    s_log_set (record, "applied", cJSON_CreateBool (applied));
    pthread_mutex_unlock (&self->lock);
    if (!self->quiet)
        fprintf (stderr, "fake_fyers: %s %s auth=%s action=%s%s -> %d\n", method, path,
                 req.auth_ok ? "ok" : "bad", behaviour ? behaviour->name : "ok",
                 applied ? " applied" : "", answer.drop ? 0 : answer.status);
    ff_behaviour_destroy (&behaviour);
    if (answer.hang_ms > 0)
        s_hang (self, answer.hang_ms);
    enum MHD_Result rc;
    if (answer.drop)
        rc = MHD_NO; //  MHD closes the connection without a reply
    else
        rc = s_send (conn, &answer);
    free (answer.location);
    s_log_done (self, seq);
    return rc;
}

//  Reads the optional method and path filters of /_fake/count and /_fake/requests.
static bool
s_record_matches (const cJSON *record, const char *method, const char *path)
{
    const char *r_method = cJSON_GetStringValue (cJSON_GetObjectItem (record, "method"));
    const char *r_path = cJSON_GetStringValue (cJSON_GetObjectItem (record, "path"));
    if (method && *method && (!r_method || strcasecmp (method, r_method) != 0))
        return false;
    if (path && *path && (!r_path || strcmp (path, r_path) != 0))
        return false;
    return true;
}

static cJSON *
s_control_error (int *status, const char *message)
{
    *status = 400;
    cJSON *reply = cJSON_CreateObject ();
    cJSON_AddStringToObject (reply, "s", "error");
    cJSON_AddStringToObject (reply, "message", message);
    return reply;
}

static cJSON *
s_control_ok (void)
{
    cJSON *reply = cJSON_CreateObject ();
    cJSON_AddStringToObject (reply, "s", "ok");
    return reply;
}

static cJSON *
s_control_position (ff_server_t *self, const cJSON *json, int *status)
{
    const char *symbol = cJSON_GetStringValue (cJSON_GetObjectItem (json, "symbol"));
    const char *product = cJSON_GetStringValue (cJSON_GetObjectItem (json, "product"));
    if (!product)
        product = cJSON_GetStringValue (cJSON_GetObjectItem (json, "productType"));
    const cJSON *net_qty = cJSON_GetObjectItem (json, "netQty");
    const cJSON *avg_price = cJSON_GetObjectItem (json, "avgPrice");
    const cJSON *ltp = cJSON_GetObjectItem (json, "ltp");
    const cJSON *multiplier = cJSON_GetObjectItem (json, "qtyMulti_com");
    if (!symbol || !*symbol || !product || !*product || !cJSON_IsNumber (net_qty)
        || net_qty->valuedouble != (double) (long) net_qty->valuedouble
        || !cJSON_IsNumber (avg_price) || (ltp && !cJSON_IsNumber (ltp))
        || (multiplier && (!cJSON_IsNumber (multiplier) || multiplier->valuedouble <= 0)))
        return s_control_error (status, "need symbol, product, netQty (integer), avgPrice"
                                        " [, ltp, qtyMulti_com (> 0)]");
    //  The multiplier first, so that the position's first message carries it.
    if ((multiplier && ff_book_set_multiplier (self->book, symbol, multiplier->valuedouble))
        || (ltp && ff_book_set_price (self->book, symbol, ltp->valuedouble))
        || ff_book_seed (self->book, symbol, product, (long) net_qty->valuedouble,
                         avg_price->valuedouble))
        return s_control_error (status, "out of memory");
    cJSON *reply = s_control_ok ();
    char id[256];
    snprintf (id, sizeof id, "%s-%s", symbol, product);
    cJSON_AddStringToObject (reply, "id", id);
    return reply;
}

static cJSON *
s_control_price (ff_server_t *self, const cJSON *json, int *status)
{
    const char *symbol = cJSON_GetStringValue (cJSON_GetObjectItem (json, "symbol"));
    const cJSON *ltp = cJSON_GetObjectItem (json, "ltp");
    const cJSON *multiplier = cJSON_GetObjectItem (json, "qtyMulti_com");
    if (!symbol || !*symbol || (!ltp && !multiplier) || (ltp && !cJSON_IsNumber (ltp))
        || (multiplier && (!cJSON_IsNumber (multiplier) || multiplier->valuedouble <= 0)))
        return s_control_error (status, "need symbol and ltp (a number) and/or qtyMulti_com");
    if ((ltp && ff_book_set_price (self->book, symbol, ltp->valuedouble))
        || (multiplier && ff_book_set_multiplier (self->book, symbol, multiplier->valuedouble)))
        return s_control_error (status, "out of memory");
    return s_control_ok ();
}

//  POST /_fake/ws {["drop":true],["silent":bool],["refuse":N]}.
static cJSON *
s_control_ws (ff_server_t *self, const ff_upload_t *upload, int *status)
{
    cJSON *json = upload->body ? cJSON_ParseWithLength (upload->body, upload->len) : NULL;
    const cJSON *drop = cJSON_GetObjectItem (json, "drop");
    const cJSON *silent = cJSON_GetObjectItem (json, "silent");
    const cJSON *refuse = cJSON_GetObjectItem (json, "refuse");
    cJSON *reply;
    if (!cJSON_IsObject (json) || (drop && !cJSON_IsBool (drop))
        || (silent && !cJSON_IsBool (silent))
        || (refuse && (!cJSON_IsNumber (refuse) || refuse->valuedouble < 0)))
        reply = s_control_error (status, "optional: drop (bool), silent (bool), refuse (N >= 0)");
    else {
        if (silent)
            ff_ws_set_silent (self->ws, cJSON_IsTrue (silent));
        if (refuse)
            ff_ws_refuse (self->ws, (int) refuse->valuedouble);
        if (cJSON_IsTrue (drop))
            ff_ws_drop_all (self->ws);
        reply = s_control_ok ();
        ff_ws_info (self->ws, reply);
    }
    cJSON_Delete (json);
    return reply;
}

//  The book's changes go to the order socket. Called with the lock held.
static void
s_on_book_change (void *arg, const char *topic, cJSON *message)
{
    ff_server_t *self = arg;
    ff_ws_push (self->ws, topic, message);
}

//  Serves one control request. Lock held.
static cJSON *
s_control (ff_server_t *self, struct MHD_Connection *conn, const char *method, const char *path,
           const ff_upload_t *upload, int *status)
{
    *status = 200;
    const char *name = path + strlen (FF_CONTROL_PREFIX);
    bool is_get = strcmp (method, "GET") == 0;
    bool is_post = strcmp (method, "POST") == 0;
    const char *filter_method = MHD_lookup_connection_value (conn, MHD_GET_ARGUMENT_KIND, "method");
    const char *filter_path = MHD_lookup_connection_value (conn, MHD_GET_ARGUMENT_KIND, "path");
    if (is_get && strcmp (name, "requests") == 0) {
        cJSON *list = cJSON_CreateArray ();
        const cJSON *record;
        cJSON_ArrayForEach (record, self->requests)
            if (s_record_matches (record, filter_method, filter_path))
                cJSON_AddItemToArray (list, cJSON_Duplicate (record, true));
        return list;
    }
    if (is_get && strcmp (name, "count") == 0) {
        int count = 0;
        const cJSON *record;
        cJSON_ArrayForEach (record, self->requests)
            count += s_record_matches (record, filter_method, filter_path);
        cJSON *reply = cJSON_CreateObject ();
        cJSON_AddNumberToObject (reply, "count", count);
        return reply;
    }
    if (is_get && strcmp (name, "script") == 0) {
        cJSON *reply = s_control_ok ();
        cJSON_AddItemToObject (reply, "script", ff_script_json (self->script));
        return reply;
    }
    if (strcmp (method, "DELETE") == 0 && strcmp (name, "script") == 0) {
        ff_script_clear (self->script);
        return s_control_ok ();
    }
    if (strcmp (name, "market_status") == 0)
        return ff_market_control (self->market, method, upload->body, upload->len, status);
    if (is_post && strcmp (name, "reset") == 0) {
        ff_book_reset (self->book);
        ff_market_reset (self->market);
        ff_script_clear (self->script);
        cJSON_Delete (self->requests);
        self->requests = cJSON_CreateArray ();
        return s_control_ok ();
    }
    if (is_get && strcmp (name, "info") == 0) {
        cJSON *reply = s_control_ok ();
        cJSON_AddNumberToObject (reply, "port", self->port);
        cJSON_AddBoolToObject (reply, "tls", self->tls_cert != NULL);
        ff_ws_info (self->ws, reply);
        return reply;
    }
    if (is_post && strcmp (name, "ws") == 0)
        return s_control_ws (self, upload, status);
    cJSON *book_reply =
        ff_control_handle (self->book, method, name, upload->body, upload->len, status);
    if (book_reply)
        return book_reply;
    if (!is_post
        || (strcmp (name, "script") != 0 && strcmp (name, "position") != 0
            && strcmp (name, "price") != 0)) {
        cJSON *reply = s_control_error (status, "unknown control route");
        *status = 404;
        return reply;
    }
    cJSON *json = upload->body ? cJSON_ParseWithLength (upload->body, upload->len) : NULL;
    cJSON *reply;
    if (!json)
        reply = s_control_error (status, "the body must be JSON");
    else if (strcmp (name, "position") == 0)
        reply = s_control_position (self, json, status);
    else if (strcmp (name, "price") == 0)
        reply = s_control_price (self, json, status);
    else {
        char error[160];
        int queued = ff_script_push (self->script, json, error, sizeof error);
        if (queued < 0)
            reply = s_control_error (status, error);
        else {
            reply = s_control_ok ();
            cJSON_AddNumberToObject (reply, "queued", queued);
        }
    }
    cJSON_Delete (json);
    return reply;
}

static enum MHD_Result
s_serve_control (ff_server_t *self, struct MHD_Connection *conn, const char *method,
                 const char *path, ff_upload_t *upload)
{
    int status = 200;
    pthread_mutex_lock (&self->lock);
    cJSON *reply = upload->too_large ? s_control_error (&status, "body too large")
                                     : s_control (self, conn, method, path, upload, &status);
    ff_answer_t answer = {.status = status,
                          .content_type = "application/json",
                          .body = reply ? cJSON_PrintUnformatted (reply) : NULL};
    pthread_mutex_unlock (&self->lock);
    cJSON_Delete (reply);
    if (!answer.body)
        answer.status = 500;
    return s_send (conn, &answer);
}

//  Appends one chunk of the body, keeping it NUL-terminated.
static void
s_upload_append (ff_upload_t *upload, const char *data, size_t size)
{
    if (upload->too_large || upload->len + size > FF_BODY_MAX) {
        upload->too_large = true;
        return;
    }
    if (upload->len + size + 1 > upload->cap) {
        size_t cap = (upload->len + size + 1) * 2;
        char *grown = realloc (upload->body, cap);
        if (!grown) {
            upload->too_large = true;
            return;
        }
        upload->body = grown;
        upload->cap = cap;
    }
    memcpy (upload->body + upload->len, data, size);
    upload->len += size;
    upload->body[upload->len] = 0;
}

//  MHD calls this first with no body (headers only), then once per body chunk,
//  then once more with *upload_data_size 0 when the body is complete.
static enum MHD_Result
s_access (void *cls, struct MHD_Connection *conn, const char *url, const char *method,
          const char *http_version, const char *upload_data, size_t *upload_data_size,
          void **con_cls)
{
    (void) http_version;
    ff_server_t *self = cls;
    ff_upload_t *upload = *con_cls;
    if (!upload) {
        upload = calloc (1, sizeof *upload);
        if (!upload)
            return MHD_NO;
        *con_cls = upload;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        s_upload_append (upload, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (strncmp (url, FF_CONTROL_PREFIX, strlen (FF_CONTROL_PREFIX)) == 0)
        return s_serve_control (self, conn, method, url, upload);
    return s_serve_api (self, conn, method, url, upload);
}

static void
s_completed (void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode code)
{
    (void) cls;
    (void) conn;
    (void) code;
    ff_upload_t *upload = *con_cls;
    if (upload) {
        free (upload->body);
        free (upload);
        *con_cls = NULL;
    }
}

//  MHD's own diagnostics ("Application reported internal error" after a
//  scripted reset is expected), marked as such.
__attribute__ ((format (printf, 2, 0))) static void
s_mhd_log (void *cls, const char *format, va_list args)
{
    ff_server_t *self = cls;
    if (self->quiet)
        return;
    fputs ("fake_fyers: mhd: ", stderr);
    vfprintf (stderr, format, args);
}

ff_server_t *
ff_server_new (const ff_server_config_t *config)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons ((uint16_t) config->port)};
    if (inet_pton (AF_INET, config->bind, &addr.sin_addr) != 1
        || (ntohl (addr.sin_addr.s_addr) >> 24) != 127) {
        fprintf (stderr, "fake_fyers: --bind %s is not a 127.x.x.x address\n", config->bind);
        return NULL;
    }
    ff_server_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    pthread_mutex_init (&self->lock, NULL);
    pthread_condattr_t cond_attr;
    pthread_condattr_init (&cond_attr);
    pthread_condattr_setclock (&cond_attr, CLOCK_MONOTONIC);
    pthread_cond_init (&self->wake, &cond_attr);
    pthread_condattr_destroy (&cond_attr);
    size_t auth_len = strlen (config->app_id) + strlen (config->token) + 2;
    self->auth = malloc (auth_len);
    if (self->auth)
        snprintf (self->auth, auth_len, "%s:%s", config->app_id, config->token);
    self->app_id = strdup (config->app_id);
    self->app_secret = strdup (config->app_secret ? config->app_secret : FF_APP_SECRET_DEFAULT);
    self->quiet = config->quiet;
    self->started_ms = s_mono_ms ();
    self->next_seq = 1;
    self->book = ff_book_new ();
    self->script = ff_script_new ();
    self->market = ff_market_new ();
    self->requests = cJSON_CreateArray ();
    if (!self->auth || !self->app_id || !self->app_secret || !self->book || !self->script
        || !self->market || !self->requests) {
        ff_server_destroy (&self);
        return NULL;
    }
    //  https:// only: MHD takes the certificate and key as PEM text.
    if (config->tls_cert || config->tls_key) {
        self->tls_cert = fake_tls_read_pem ("fake_fyers", "certificate", config->tls_cert);
        self->tls_key =
            self->tls_cert ? fake_tls_read_pem ("fake_fyers", "key", config->tls_key) : NULL;
        if (!self->tls_key) {
            ff_server_destroy (&self);
            return NULL;
        }
    }
    struct MHD_OptionItem tls_options[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, self->tls_cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, self->tls_key},
        {MHD_OPTION_END, 0, NULL},
    };
    //  The logger must be the first option to catch every message.
    self->daemon = MHD_start_daemon (
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL
            | MHD_USE_ERROR_LOG | (self->tls_cert ? MHD_USE_TLS : 0),
        (uint16_t) config->port, NULL, NULL, s_access, self, MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log,
        self, MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_NOTIFY_COMPLETED, s_completed, self,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int) FF_CONNECTION_LIMIT,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) FF_IDLE_TIMEOUT_S, MHD_OPTION_ARRAY,
        self->tls_cert ? tls_options : tls_options + 2, MHD_OPTION_END);
    const union MHD_DaemonInfo *info =
        self->daemon ? MHD_get_daemon_info (self->daemon, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (!info || info->port == 0) {
        fprintf (stderr, "fake_fyers: cannot listen on %s:%d\n", config->bind, config->port);
        ff_server_destroy (&self);
        return NULL;
    }
    self->port = info->port;
    self->ws = ff_ws_new (config->bind, config->ws_port, self->auth, config->ws_tls_cert,
                          config->ws_tls_key, config->quiet);
    if (!self->ws) {
        ff_server_destroy (&self);
        return NULL;
    }
    ff_book_set_listener (self->book, s_on_book_change, self);
    return self;
}

int
ff_server_port (ff_server_t *self)
{
    return self->port;
}

int
ff_server_ws_port (ff_server_t *self)
{
    return ff_ws_port (self->ws);
}

void
ff_server_destroy (ff_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ff_server_t *self = *self_p;
    pthread_mutex_lock (&self->lock);
    self->stopping = true;
    pthread_cond_broadcast (&self->wake);
    pthread_mutex_unlock (&self->lock);
    if (self->daemon)
        MHD_stop_daemon (self->daemon);
    if (self->book)
        ff_book_set_listener (self->book, NULL, NULL);
    ff_ws_destroy (&self->ws);
    ff_book_destroy (&self->book);
    ff_script_destroy (&self->script);
    ff_market_destroy (&self->market);
    cJSON_Delete (self->requests);
    free (self->auth);
    free (self->app_id);
    free (self->app_secret);
    free (self->tls_cert);
    free (self->tls_key);
    pthread_cond_destroy (&self->wake);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}
