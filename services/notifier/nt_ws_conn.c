//  nt_ws_conn - the libwebsockets protocol callback of nt_ws: the dashboard
//  over HTTP, the check before a WebSocket upgrade, and each WebSocket
//  client's life (its queue, its frames in and out). Runs in the server
//  thread (and in the owner's thread while lws_context_destroy closes the
//  last connections, after the server thread has ended).

#include "nt_dashboard.h"
#include "nt_json.h"
#include "nt_ws_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define NT_WS_URI_MAX 128
#define NT_WS_PEER_MAX 64
#define NT_WS_HEADERS_MAX 1024
//  Room for "Bearer " and spaces around the longest token.
#define NT_WS_AUTH_MAX (NT_AUTH_TOKEN_MAX + 64)
//  The kernel send buffer of a WebSocket client (Linux doubles it). Left to
//  autotuning it grows to megabytes for a client that does not read, and
//  that client would hold thousands of frames before its queue filled.
#define NT_WS_SNDBUF (64 * 1024)
//  Seconds a dropped client has to take its close frame.
#define NT_WS_DROP_GRACE_S 1
#define NT_WS_TOKEN_ARG "token="
#define NT_WS_401_BODY "<p>a token is needed: Authorization: Bearer, or ?token=</p>"
#define NT_WS_503_BODY "<p>too many clients</p>"
#define NT_WS_404_BODY "<p>not found: the WebSocket is at " NT_WS_PATH "</p>"

#define NT_WS_PAGE_TYPE "text/html; charset=utf-8"
//  The page is self-contained: inline script and style, nothing fetched,
//  connections back to this server only; no framing (the page has buttons
//  that close positions) and no referrer (its URL may hold the token).
#define NT_WS_PAGE_CSP                                                                             \
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "                  \
    "connect-src 'self' ws: wss:; img-src data:; base-uri 'none'; form-action 'none'; "            \
    "frame-ancestors 'none'"

//  ---------------------------------------------------------------------
//  HTTP: the dashboard page, and errors.

//  Answers with status and a short body, then ends the transaction.
static int
s_http_status (struct lws *wsi, unsigned int status)
{
    if (lws_return_http_status (wsi, status, NULL))
        return -1;
    return lws_http_transaction_completed (wsi) ? -1 : 0;
}

static int
s_header (struct lws *wsi, const char *name, const char *value, unsigned char **p,
          unsigned char *end)
{
    return lws_add_http_header_by_name (wsi, (const unsigned char *) name,
                                        (const unsigned char *) value, (int) strlen (value), p,
                                        end);
}

static int
s_http (nt_ws_t *self, struct lws *wsi, nt_client_t *client, const char *uri)
{
    (void) self;
    if (lws_hdr_total_length (wsi, WSI_TOKEN_GET_URI) <= 0)
        return s_http_status (wsi, HTTP_STATUS_METHOD_NOT_ALLOWED);
    if (!uri || (strcmp (uri, "/") != 0 && strcmp (uri, "/index.html") != 0))
        return s_http_status (wsi, HTTP_STATUS_NOT_FOUND);
    unsigned char headers[LWS_PRE + NT_WS_HEADERS_MAX];
    unsigned char *start = headers + LWS_PRE, *p = start, *end = headers + sizeof headers - 1;
    if (lws_add_http_common_headers (wsi, HTTP_STATUS_OK, NT_WS_PAGE_TYPE,
                                     (lws_filepos_t) nt_dashboard_html_len, &p, end)
        || s_header (wsi, "cache-control:", "no-store", &p, end)
        || s_header (wsi, "referrer-policy:", "no-referrer", &p, end)
        || s_header (wsi, "x-content-type-options:", "nosniff", &p, end)
        || s_header (wsi, "x-frame-options:", "DENY", &p, end)
        || s_header (wsi, "content-security-policy:", NT_WS_PAGE_CSP, &p, end)
        || lws_finalize_write_http_header (wsi, start, &p, end))
        return -1;
    client->page = true;
    client->page_sent = 0;
    lws_callback_on_writable (wsi);
    return 0;
}

static int
s_http_writeable (nt_ws_t *self, struct lws *wsi, nt_client_t *client)
{
    if (!client->page)
        return 0;
    size_t left = nt_dashboard_html_len - client->page_sent;
    size_t chunk = left < NT_WS_HTTP_CHUNK ? left : NT_WS_HTTP_CHUNK;
    bool last = chunk == left;
    unsigned char *buf = self->page_buf + LWS_PRE;
    memcpy (buf, nt_dashboard_html + client->page_sent, chunk);
    if (lws_write (wsi, buf, chunk, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int) chunk)
        return -1;
    client->page_sent += chunk;
    if (!last) {
        lws_callback_on_writable (wsi);
        return 0;
    }
    client->page = false;
    return lws_http_transaction_completed (wsi) ? -1 : 0;
}

//  ---------------------------------------------------------------------
//  Who may connect (nt_auth.h).

//  Reads the credential the client presented (header first, then the
//  query) and decides. *why says why a refusal was made.
static nt_access_t
s_access (nt_ws_t *self, struct lws *wsi, const char **why)
{
    char buf[NT_WS_AUTH_MAX];
    const char *cred = NULL;
    size_t cred_len = 0;
    nt_access_t access = NT_ACCESS_REFUSED;
    int header_len = lws_hdr_total_length (wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
    if (header_len > 0) {
        if (header_len >= (int) sizeof buf
            || lws_hdr_copy (wsi, buf, sizeof buf, WSI_TOKEN_HTTP_AUTHORIZATION) < 0
            || nt_auth_bearer (buf, &cred, &cred_len) != 0) {
            *why = "authorization header is not a bearer token";
            goto done;
        }
    }
    else
        cred = lws_get_urlarg_by_name (wsi, NT_WS_TOKEN_ARG, buf, sizeof buf);
    if (cred && header_len <= 0)
        cred_len = strlen (cred);
    access = nt_auth_decide (self->token, self->allow_anonymous, cred, cred_len);
    *why = cred ? "wrong token" : "no token";
done:
    //  The presented token does not outlive the check.
    explicit_bzero (buf, sizeof buf);
    return access;
}

//  Answers an upgrade request with a refusal. lws_return_http_status would
//  write "HTTP/1.0" here: lws sets the request's version only on its plain
//  HTTP path, not on the upgrade path, and common WebSocket clients then
//  report "not a valid HTTP response" instead of the status. So the response
//  is written whole, as HTTP/1.1, with Connection: close.
static void
s_refuse (struct lws *wsi, int status, const char *reason, const char *body)
{
    unsigned char buf[LWS_PRE + NT_WS_HEADERS_MAX];
    char *start = (char *) buf + LWS_PRE;
    size_t size = sizeof buf - LWS_PRE;
    int n = snprintf (start, size,
                      "HTTP/1.1 %d %s\r\n"
                      "content-type: text/html; charset=utf-8\r\n"
                      "content-length: %zu\r\n"
                      "cache-control: no-store\r\n"
                      "connection: close\r\n"
                      "\r\n"
                      "%s",
                      status, reason, strlen (body), body);
    if (n < 0 || (size_t) n >= size)
        return;
    //  The connection closes after this: a short write loses nothing more.
    (void) lws_write (wsi, (unsigned char *) start, (size_t) n, LWS_WRITE_HTTP_HEADERS);
}

//  Before the 101: the path, the token and the number of clients. A
//  refusal is answered with its HTTP/1.1 status and the connection is
//  closed (returning < 0), rather than kept alive for another request.
static int
s_confirm_upgrade (nt_ws_t *self, struct lws *wsi)
{
    char uri[NT_WS_URI_MAX] = "";
    char peer[NT_WS_PEER_MAX] = "";
    lws_get_peer_simple (wsi, peer, sizeof peer);
    if (lws_hdr_copy (wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) < 0
        || strcmp (uri, NT_WS_PATH) != 0) {
        s_refuse (wsi, HTTP_STATUS_NOT_FOUND, "Not Found", NT_WS_404_BODY);
        return -1;
    }
    const char *why = "";
    if (s_access (self, wsi, &why) == NT_ACCESS_REFUSED) {
        self->stats.auth_refused++;
        tw_log_limited (&self->refused_log, TW_LOG_WARN,
                        "client refused peer=%s reason=\"%s\" status=401 refused=%lld", peer, why,
                        (long long) self->stats.auth_refused);
        s_refuse (wsi, HTTP_STATUS_UNAUTHORIZED, "Unauthorized", NT_WS_401_BODY);
        return -1;
    }
    if (self->client_count >= self->max_clients) {
        tw_log_limited (&self->refused_log, TW_LOG_WARN,
                        "client refused peer=%s reason=\"max_clients (%zu) reached\" status=503",
                        peer, self->max_clients);
        s_refuse (wsi, HTTP_STATUS_SERVICE_UNAVAILABLE, "Service Unavailable", NT_WS_503_BODY);
        return -1;
    }
    return 0;
}

//  ---------------------------------------------------------------------
//  WebSocket clients.

static void
s_drop (nt_ws_t *self, nt_client_t *client)
{
    size_t queued = nt_queue_size (client->queue);
    client->dropping = true;
    self->stats.clients_dropped++;
    tw_warn ("client dropped id=%llu reason=\"not reading: %zu frames queued\" close=%d",
             (unsigned long long) client->id, queued, LWS_CLOSE_STATUS_POLICY_VIOLATION);
    //  Its frames go now. The connection goes at its next writeable
    //  callback, with a close frame that says why (a client that lags but
    //  reads sees it); a client that reads nothing never gets one, and the
    //  timeout closes its connection without a word.
    nt_frame_t *frame;
    while ((frame = nt_queue_pop (client->queue)))
        nt_frame_unref (&frame);
    static const char reason[] = "too slow: send queue full";
    lws_close_reason (client->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, (unsigned char *) reason,
                      sizeof reason - 1);
    lws_callback_on_writable (client->wsi);
    lws_set_timeout (client->wsi, PENDING_TIMEOUT_USER_OK, NT_WS_DROP_GRACE_S);
}

int
nt_ws_conn_push (nt_ws_t *self, nt_client_t *client, nt_frame_t *frame)
{
    if (client->dropping)
        return -1;
    if (nt_queue_push (client->queue, frame) != 0) {
        s_drop (self, client);
        return -1;
    }
    lws_callback_on_writable (client->wsi);
    return 0;
}

//  Queues a frame the server makes itself (an ack or an error); takes text.
static void
s_reply (nt_ws_t *self, nt_client_t *client, char *text)
{
    if (!text) {
        tw_error ("ws out of memory for a reply");
        return;
    }
    nt_frame_t *frame = nt_frame_new (text, strlen (text), LWS_PRE);
    free (text);
    if (!frame) {
        tw_error ("ws out of memory for a reply");
        return;
    }
    nt_ws_conn_push (self, client, frame);
    nt_frame_unref (&frame);
}

void
nt_ws_conn_announce (nt_ws_t *self)
{
    for (nt_client_t *client = self->clients; client; client = client->next)
        if (client->hello_pending && !client->dropping && nt_ws_tell_hello (self, client->id) == 0)
            client->hello_pending = false;
}

static int
s_established (nt_ws_t *self, struct lws *wsi, nt_client_t *client)
{
    memset (client, 0, sizeof *client);
    const char *why = "";
    client->access = s_access (self, wsi, &why);
    client->queue = nt_queue_new (self->queue_max);
    client->rx = (char *) malloc (NT_WS_RX_MAX);
    if (!client->queue || !client->rx || client->access == NT_ACCESS_REFUSED) {
        tw_error ("client not set up access=%s (out of memory?)", nt_access_name (client->access));
        nt_queue_destroy (&client->queue);
        free (client->rx);
        client->rx = NULL;
        return -1;
    }
    client->is_ws = true;
    client->wsi = wsi;
    int sndbuf = NT_WS_SNDBUF;
    setsockopt (lws_get_socket_fd (wsi), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    client->id = ++self->next_client_id;
    client->next = self->clients;
    if (self->clients)
        self->clients->prev = client;
    self->clients = client;
    self->client_count++;
    self->stats.clients = (int64_t) self->client_count;
    //  No event until the owner has sent this client its snapshot.
    client->hello_pending = nt_ws_tell_hello (self, client->id) != 0;
    char peer[NT_WS_PEER_MAX] = "";
    lws_get_peer_simple (wsi, peer, sizeof peer);
    tw_info ("client connected id=%llu peer=%s access=%s clients=%zu",
             (unsigned long long) client->id, peer, nt_access_name (client->access),
             self->client_count);
    return 0;
}

static void
s_closed (nt_ws_t *self, nt_client_t *client)
{
    if (!client->is_ws)
        return;
    if (client->prev)
        client->prev->next = client->next;
    else
        self->clients = client->next;
    if (client->next)
        client->next->prev = client->prev;
    self->client_count--;
    self->stats.clients = (int64_t) self->client_count;
    tw_info ("client disconnected id=%llu clients=%zu", (unsigned long long) client->id,
             self->client_count);
    nt_queue_destroy (&client->queue);
    free (client->rx);
    memset (client, 0, sizeof *client);
}

static void
s_request (nt_ws_t *self, nt_client_t *client, const nt_request_t *request)
{
    const char *name = nt_json_request_name (request->type);
    bool flatten = request->type == NT_REQUEST_FLATTEN;
    const char *refusal = NULL;
    if (client->access != NT_ACCESS_FULL)
        refusal = flatten ? "flattening needs the token: this connection is read-only"
                          : "closing a position needs the token: this connection is read-only";
    else if ((flatten ? nt_ws_tell_flatten (self, client->id)
                      : nt_ws_tell_close (self, client->id, request->id))
             != 0)
        refusal = "the notifier is busy: try again";
    if (refusal) {
        tw_info ("client %s refused id=%llu position=%s reason=\"%s\"", name,
                 (unsigned long long) client->id, request->id, refusal);
        s_reply (self, client,
                 nt_json_ack (self->seq, name, tw_ack_status_name (TW_ACK_REJECTED), request->id,
                              refusal));
        return;
    }
    tw_log (flatten ? TW_LOG_WARN : TW_LOG_INFO, "client %s request id=%llu position=%s", name,
            (unsigned long long) client->id, request->id);
}

//  A whole message has arrived.
static void
s_message (nt_ws_t *self, nt_client_t *client)
{
    char err[TW_TEXT_MAX];
    nt_request_t request;
    if (client->rx_binary)
        snprintf (err, sizeof err, "binary frames are not accepted: send JSON text");
    else if (client->rx_oversize)
        snprintf (err, sizeof err, "frame larger than %d bytes: discarded", NT_WS_RX_MAX);
    else if (nt_json_parse_request (client->rx, client->rx_len, &request, err, sizeof err) == 0) {
        s_request (self, client, &request);
        return;
    }
    tw_log_limited (&self->frame_log, TW_LOG_WARN, "client frame refused id=%llu error=\"%s\"",
                    (unsigned long long) client->id, err);
    s_reply (self, client, nt_json_error (self->seq, err));
}

static int
s_receive (nt_ws_t *self, struct lws *wsi, nt_client_t *client, const void *in, size_t len)
{
    if (!client->is_ws || client->dropping)
        return 0;
    if (lws_frame_is_binary (wsi))
        client->rx_binary = true;
    if (!client->rx_oversize && len > NT_WS_RX_MAX - client->rx_len)
        client->rx_oversize = true;
    if (!client->rx_oversize && len > 0) {
        memcpy (client->rx + client->rx_len, in, len);
        client->rx_len += len;
    }
    if (!lws_is_final_fragment (wsi) || lws_remaining_packet_payload (wsi) > 0)
        return 0;
    s_message (self, client);
    client->rx_len = 0;
    client->rx_oversize = false;
    client->rx_binary = false;
    return 0;
}

static int
s_writeable (nt_ws_t *self, struct lws *wsi, nt_client_t *client)
{
    if (!client->is_ws)
        return 0;
    if (client->dropping)
        return -1; //  with the close reason s_drop set
    nt_frame_t *frame = nt_queue_pop (client->queue);
    if (!frame)
        return 0;
    int written = lws_write (wsi, frame->text, frame->len, LWS_WRITE_TEXT);
    nt_frame_unref (&frame);
    if (written < 0)
        return -1;
    self->stats.frames_sent++;
    if (nt_queue_size (client->queue) > 0)
        lws_callback_on_writable (wsi);
    return 0;
}

int
nt_ws_conn_callback (struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                     size_t len)
{
    nt_ws_t *self = (nt_ws_t *) lws_context_user (lws_get_context (wsi));
    nt_client_t *client = (nt_client_t *) user;
    //  Every connection of this protocol has its session data; without it
    //  there is nothing to serve the connection with.
    if (!client
        && (reason == LWS_CALLBACK_HTTP || reason == LWS_CALLBACK_HTTP_WRITEABLE
            || reason == LWS_CALLBACK_ESTABLISHED || reason == LWS_CALLBACK_RECEIVE
            || reason == LWS_CALLBACK_SERVER_WRITEABLE))
        return -1;
    if (!client && reason == LWS_CALLBACK_CLOSED)
        return 0;
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return s_http (self, wsi, client, (const char *) in);
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return s_http_writeable (self, wsi, client);
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return s_confirm_upgrade (self, wsi);
    case LWS_CALLBACK_ESTABLISHED:
        return s_established (self, wsi, client);
    case LWS_CALLBACK_RECEIVE:
        return s_receive (self, wsi, client, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return s_writeable (self, wsi, client);
    case LWS_CALLBACK_CLOSED:
        s_closed (self, client);
        return 0;
    default:
        return lws_callback_http_dummy (wsi, reason, user, in, len);
    }
}
