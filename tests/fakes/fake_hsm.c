//  fake_hsm - a fake Fyers HSM data socket and symbol-token endpoint for
//  tests (docs/fyers.md §7.1, §7.2), one libwebsockets server on 127.0.0.1.
//
//    fake_hsm --hsm-key KEY --auth APP_ID:TOKEN [--port N] [--port-file PATH]
//             [--ack-count N] [--price SYMBOL=LTP]... [--tls-cert PEM --tls-key PEM]
//
//  It prints "READY <port>" on stdout (flushed) once it listens, and writes
//  the port to --port-file. SIGTERM or SIGINT stop it (exit 0). With
//  --tls-cert and --tls-key the port speaks TLS with that certificate
//  (wss://, as Fyers' data socket); a client that does not open with a TLS
//  handshake is served plain HTTP on the same port, so that the routes
//  below stay http:// for the tests.
//
//  WebSocket (any path): the client's frames are decoded with mf_hsm's
//  server half. Auth must carry --hsm-key (else the reply's status is
//  "invalid hsm_key" and the connection is closed); the reply carries
//  --ack-count (default 0). Mode and (un)subscribe are answered "K"; every
//  topic of a subscribe gets a snapshot (one data frame), and from then on
//  every price change of its symbol an update (fields ltp, volume, -, time,
//  -, -, bid, ask). An HSM ping {0,1,11} is echoed.
//
//  HTTP:
//    POST /data/symbol-token  {"symbols":[...]} with Authorization exactly
//                             --auth: validSymbol maps every symbol starting
//                             "NSE:" to "1010000000<n>" (n = 1000 + its index
//                             in this server's table), the others go to
//                             invalidSymbol (so do "NSE:UNKNOWN*").
//    GET /_fake/price?symbol=S&ltp=X[&bid=B&ask=A]   set a price (rupees, 2
//                             decimals) and stream it to subscribers
//    GET /_fake/burst?n=N     queue N updates at once (a benchmark's burst):
//                             the subscribed symbols of every connection in
//                             turn, each update its own data frame with a
//                             new ltp (+/- 0.05 about the last one)
//    GET /_fake/drop          close every WebSocket connection
//    GET /_fake/silent        the current connections get nothing more and
//                             are no longer read (no pongs either)
//    GET /_fake/garbage       send every connection a malformed data frame
//    GET /_fake/auth_fail?n=N fail the next N authentications
//    GET /_fake/stats         JSON counters: connections, auths, auth_failed,
//                             subscribed (topics, all connections), acks,
//                             pings, token_requests
//  Every /_fake/ answer is JSON; stderr gets one line per event.

#include "fake_tls.h"
#include "mf_hsm.h"

#include <cjson/cJSON.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FH_SYMBOLS_MAX 256
#define FH_BODY_MAX 65536
#define FH_REPLY_MAX 65536
#define FH_CONNS_MAX 64
#define FH_DEFAULT_LTP 10000 //  100.00 in paise
#define FH_TOKEN_BASE 1000
#define FH_PRECISION 2
#define FH_RX_MAX 65536

typedef struct {
    char symbol[MF_HSM_NAME_MAX];
    char topic[MF_HSM_NAME_MAX];
    char exch_token[16];
    int32_t ltp, bid, ask, volume;
} fh_symbol_t;

typedef struct _fh_out_t {
    struct _fh_out_t *next;
    size_t len;
    uint8_t data[]; //  LWS_PRE bytes, then the frame
} fh_out_t;

//  Per connection (HTTP or WebSocket).
typedef struct {
    struct lws *wsi;
    bool ws;
    bool authed;
    bool silent;
    bool subscribed[FH_SYMBOLS_MAX];
    uint32_t msg_no;
    fh_out_t *head, *tail;
    //  HTTP
    char uri[128];
    char *body;
    size_t body_len;
    char *reply;
    int status;
} fh_conn_t;

static struct {
    const char *hsm_key;
    const char *auth;
    uint32_t ack_count;
    fh_symbol_t symbols[FH_SYMBOLS_MAX];
    size_t symbol_count;
    fh_conn_t *conns[FH_CONNS_MAX];
    int auth_fail;
    long connections, auths, auth_failed, subscribed, acks, pings, token_requests;
    volatile sig_atomic_t stop;
} s;

static void
s_on_signal (int sig)
{
    (void) sig;
    s.stop = 1;
}

//  ---------------------------------------------------------------------
//  Symbols.

static int
s_symbol_index (const char *symbol, bool create)
{
    for (size_t i = 0; i < s.symbol_count; i++)
        if (strcmp (s.symbols[i].symbol, symbol) == 0)
            return (int) i;
    if (!create || s.symbol_count == FH_SYMBOLS_MAX || strncmp (symbol, "NSE:", 4) != 0
        || strncmp (symbol, "NSE:UNKNOWN", 11) == 0 || strlen (symbol) >= MF_HSM_NAME_MAX)
        return -1;
    fh_symbol_t *sym = &s.symbols[s.symbol_count];
    snprintf (sym->symbol, sizeof sym->symbol, "%s", symbol);
    size_t token = FH_TOKEN_BASE + s.symbol_count;
    snprintf (sym->exch_token, sizeof sym->exch_token, "%zu", token);
    snprintf (sym->topic, sizeof sym->topic, "sf|nse_cm|%zu", token);
    sym->ltp = FH_DEFAULT_LTP;
    sym->bid = FH_DEFAULT_LTP - 5;
    sym->ask = FH_DEFAULT_LTP + 5;
    return (int) s.symbol_count++;
}

static int
s_topic_index (const char *topic)
{
    for (size_t i = 0; i < s.symbol_count; i++)
        if (strcmp (s.symbols[i].topic, topic) == 0)
            return (int) i;
    return -1;
}

//  ---------------------------------------------------------------------
//  WebSocket output.

static void
s_queue (fh_conn_t *c, const uint8_t *frame, size_t len)
{
    if (c->silent || len == 0)
        return;
    fh_out_t *out = (fh_out_t *) malloc (sizeof (fh_out_t) + LWS_PRE + len);
    if (!out)
        return;
    out->next = NULL;
    out->len = len;
    memcpy (out->data + LWS_PRE, frame, len);
    if (c->tail)
        c->tail->next = out;
    else
        c->head = out;
    c->tail = out;
    lws_callback_on_writable (c->wsi);
}

static void
s_flush (fh_conn_t *c)
{
    while (c->head) {
        fh_out_t *out = c->head;
        c->head = out->next;
        free (out);
    }
    c->tail = NULL;
}

static void
s_values (const fh_symbol_t *sym, int32_t *values)
{
    for (int i = 0; i < 8; i++)
        values[i] = MF_HSM_NONE;
    values[MF_HSM_SF_LTP] = sym->ltp;
    values[MF_HSM_SF_VOLUME] = sym->volume;
    values[MF_HSM_SF_EXCH_TIME] = (int32_t) time (NULL);
    values[MF_HSM_SF_BID] = sym->bid;
    values[MF_HSM_SF_ASK] = sym->ask;
}

//  One snapshot or update of symbol i to c, in its own data frame.
static void
s_send_symbol (fh_conn_t *c, size_t i, bool snapshot)
{
    const fh_symbol_t *sym = &s.symbols[i];
    int32_t values[21];
    s_values (sym, values);
    uint8_t buf[1024];
    mf_hsm_writer_t w;
    mf_hsm_data_begin (&w, buf, sizeof buf, ++c->msg_no);
    uint16_t topic_id = (uint16_t) (i + 1);
    if (snapshot) {
        for (int k = 8; k < 21; k++)
            values[k] = MF_HSM_NONE;
        mf_hsm_data_snapshot (&w, topic_id, sym->topic, values, 21, 1, FH_PRECISION, "NSE",
                              sym->exch_token, sym->symbol + 4);
    }
    else
        mf_hsm_data_update (&w, topic_id, values, 8);
    s_queue (c, buf, mf_hsm_data_end (&w));
}

//  ---------------------------------------------------------------------
//  WebSocket input.

static void
s_reply (fh_conn_t *c, int type, const char *status, uint32_t ack_count)
{
    uint8_t buf[512];
    s_queue (c, buf, mf_hsm_encode_reply (buf, sizeof buf, type, status, ack_count));
}

static void
s_subscribe (fh_conn_t *c, const mf_hsm_request_t *req)
{
    bool on = req->type == MF_HSM_SUBSCRIBE;
    for (size_t t = 0; t < req->topic_count; t++) {
        int i = s_topic_index (req->topics[t]);
        fprintf (stderr, "fake_hsm: %s %s%s\n", on ? "subscribe" : "unsubscribe", req->topics[t],
                 i < 0 ? " (unknown)" : "");
        if (i < 0 || c->subscribed[i] == on)
            continue;
        c->subscribed[i] = on;
        s.subscribed += on ? 1 : -1;
    }
    s_reply (c, req->type, "K", 0);
    if (on)
        for (size_t t = 0; t < req->topic_count; t++) {
            int i = s_topic_index (req->topics[t]);
            if (i >= 0)
                s_send_symbol (c, (size_t) i, true);
        }
}

//  Returns -1 to close the connection.
static int
s_receive (fh_conn_t *c, const uint8_t *data, size_t len)
{
    mf_hsm_request_t req;
    char err[256];
    if (mf_hsm_decode_request (data, len, &req, err, sizeof err) != 0) {
        fprintf (stderr, "fake_hsm: malformed request: %s\n", err);
        mf_hsm_request_reset (&req);
        return -1;
    }
    int rc = 0;
    if (req.type == MF_HSM_AUTH) {
        bool ok = strcmp (req.hsm_key, s.hsm_key) == 0 && s.auth_fail == 0;
        if (s.auth_fail > 0)
            s.auth_fail--;
        fprintf (stderr, "fake_hsm: auth %s source=%s\n", ok ? "ok" : "refused", req.source);
        if (ok) {
            c->authed = true;
            s.auths++;
            s_reply (c, MF_HSM_AUTH, "K", s.ack_count);
        }
        else {
            s.auth_failed++;
            s_reply (c, MF_HSM_AUTH, "invalid hsm_key", 0);
            //  Closed once the reply is out (see the writeable callback).
            c->authed = false;
            rc = 1;
        }
    }
    else if (!c->authed) {
        fprintf (stderr, "fake_hsm: request type %d before auth\n", req.type);
        rc = -1;
    }
    else if (req.type == MF_HSM_MODE)
        s_reply (c, MF_HSM_MODE, "K", 0);
    else if (req.type == MF_HSM_SUBSCRIBE || req.type == MF_HSM_UNSUBSCRIBE)
        s_subscribe (c, &req);
    else if (req.type == MF_HSM_ACK)
        s.acks++;
    else if (req.type == MF_HSM_PING) {
        s.pings++;
        s_queue (c, data, len);
    }
    mf_hsm_request_reset (&req);
    return rc;
}

//  ---------------------------------------------------------------------
//  HTTP.

//  The symbol-token answer for body; status 401 or 400 on a bad request.
static char *
s_symbol_token (fh_conn_t *c, const char *authorization)
{
    s.token_requests++;
    cJSON *out = cJSON_CreateObject ();
    cJSON *in = cJSON_ParseWithLength (c->body ? c->body : "", c->body_len);
    cJSON *symbols = cJSON_GetObjectItemCaseSensitive (in, "symbols");
    if (strcmp (authorization, s.auth) != 0) {
        c->status = 401;
        cJSON_AddStringToObject (out, "s", "error");
        cJSON_AddNumberToObject (out, "code", -16);
        cJSON_AddStringToObject (out, "message", "Could not authenticate the user");
    }
    else if (!cJSON_IsArray (symbols)) {
        c->status = 400;
        cJSON_AddStringToObject (out, "s", "error");
        cJSON_AddNumberToObject (out, "code", -50);
        cJSON_AddStringToObject (out, "message", "symbols is required");
    }
    else {
        cJSON_AddStringToObject (out, "s", "ok");
        cJSON_AddNumberToObject (out, "code", 200);
        cJSON *valid = cJSON_AddObjectToObject (out, "validSymbol");
        cJSON *invalid = cJSON_AddArrayToObject (out, "invalidSymbol");
        const cJSON *item;
        cJSON_ArrayForEach (item, symbols) {
            const char *symbol = cJSON_GetStringValue (item);
            int i = symbol ? s_symbol_index (symbol, true) : -1;
            if (i < 0) {
                cJSON_AddItemToArray (invalid, cJSON_CreateString (symbol ? symbol : "?"));
                continue;
            }
            char fytoken[64];
            snprintf (fytoken, sizeof fytoken, "1010000000%s", s.symbols[i].exch_token);
            cJSON_AddStringToObject (valid, symbol, fytoken);
        }
        c->status = 200;
    }
    char *text = cJSON_PrintUnformatted (out);
    cJSON_Delete (out);
    cJSON_Delete (in);
    fprintf (stderr, "fake_hsm: POST /data/symbol-token -> %d\n", c->status);
    return text;
}

static double
s_arg_double (struct lws *wsi, const char *name, double fallback)
{
    char buf[64];
    const char *v = lws_get_urlarg_by_name (wsi, name, buf, sizeof buf);
    return v ? atof (v) : fallback;
}

static void
s_each_ws (void (*fn) (fh_conn_t *c))
{
    for (int i = 0; i < FH_CONNS_MAX; i++)
        if (s.conns[i])
            fn (s.conns[i]);
}

static void
s_drop (fh_conn_t *c)
{
    s_flush (c);
    lws_set_timeout (c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static void
s_silence (fh_conn_t *c)
{
    s_flush (c);
    c->silent = true;
    lws_rx_flow_control (c->wsi, 0);
}

static void
s_garbage (fh_conn_t *c)
{
    //  A data frame whose one item has an unknown type.
    const uint8_t garbage[] = {0, 8, MF_HSM_DATA, 0, 0, 0, 1, 0, 1, 'X'};
    s_queue (c, garbage, sizeof garbage);
}

//  n updates for the benchmark (bench_hsm): round robin over every
//  subscribed (connection, symbol), each symbol's price 5 paise up, then
//  down again, so that every update is a new price and none goes negative.
static void
s_burst (long n)
{
    long sent = 0;
    while (sent < n) {
        long before = sent;
        for (int k = 0; k < FH_CONNS_MAX && sent < n; k++) {
            fh_conn_t *conn = s.conns[k];
            for (size_t i = 0; conn && conn->authed && i < s.symbol_count && sent < n; i++) {
                if (!conn->subscribed[i])
                    continue;
                fh_symbol_t *sym = &s.symbols[i];
                sym->volume += 1;
                sym->ltp += sym->volume % 2 ? 5 : -5;
                s_send_symbol (conn, i, false);
                sent++;
            }
        }
        if (sent == before)
            break; //  nobody subscribed
    }
    fprintf (stderr, "fake_hsm: burst of %ld updates queued\n", sent);
}

static char *
s_control (fh_conn_t *c)
{
    char buf[256];
    const char *what = c->uri + strlen ("/_fake/");
    c->status = 200;
    if (strcmp (what, "price") == 0) {
        const char *symbol = lws_get_urlarg_by_name (c->wsi, "symbol=", buf, sizeof buf);
        int i = symbol ? s_symbol_index (symbol, true) : -1;
        if (i < 0) {
            c->status = 400;
            return strdup ("{\"error\":\"unknown symbol\"}");
        }
        fh_symbol_t *sym = &s.symbols[i];
        double ltp = s_arg_double (c->wsi, "ltp=", sym->ltp / 100.0);
        sym->ltp = (int32_t) (ltp * 100 + (ltp >= 0 ? 0.5 : -0.5));
        sym->bid = (int32_t) (s_arg_double (c->wsi, "bid=", (sym->ltp - 5) / 100.0) * 100 + 0.5);
        sym->ask = (int32_t) (s_arg_double (c->wsi, "ask=", (sym->ltp + 5) / 100.0) * 100 + 0.5);
        sym->volume += 10;
        for (int k = 0; k < FH_CONNS_MAX; k++)
            if (s.conns[k] && s.conns[k]->authed && s.conns[k]->subscribed[i])
                s_send_symbol (s.conns[k], (size_t) i, false);
        fprintf (stderr, "fake_hsm: price %s %.2f\n", sym->symbol, sym->ltp / 100.0);
    }
    else if (strcmp (what, "burst") == 0)
        s_burst ((long) s_arg_double (c->wsi, "n=", 0));
    else if (strcmp (what, "drop") == 0)
        s_each_ws (s_drop);
    else if (strcmp (what, "silent") == 0)
        s_each_ws (s_silence);
    else if (strcmp (what, "garbage") == 0)
        s_each_ws (s_garbage);
    else if (strcmp (what, "auth_fail") == 0)
        s.auth_fail = (int) s_arg_double (c->wsi, "n=", 1);
    else if (strcmp (what, "stats") != 0) {
        c->status = 404;
        return strdup ("{\"error\":\"no such control\"}");
    }
    fprintf (stderr, "fake_hsm: control %s\n", what);
    char *text = (char *) malloc (512);
    if (text)
        snprintf (text, 512,
                  "{\"connections\":%ld,\"auths\":%ld,\"auth_failed\":%ld,\"subscribed\":%ld,"
                  "\"acks\":%ld,\"pings\":%ld,\"token_requests\":%ld}",
                  s.connections, s.auths, s.auth_failed, s.subscribed, s.acks, s.pings,
                  s.token_requests);
    return text;
}

static int
s_http_respond (struct lws *wsi, fh_conn_t *c)
{
    uint8_t buf[LWS_PRE + FH_REPLY_MAX];
    uint8_t *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
    size_t len = c->reply ? strlen (c->reply) : 0;
    if (len > FH_REPLY_MAX / 2)
        len = 0;
    if (lws_add_http_common_headers (wsi, (unsigned) c->status, "application/json", len, &p, end)
        || lws_finalize_write_http_header (wsi, start, &p, end))
        return 1;
    if (len) {
        memcpy (buf + LWS_PRE, c->reply, len);
        if (lws_write (wsi, buf + LWS_PRE, len, LWS_WRITE_HTTP_FINAL) != (int) len)
            return 1;
    }
    free (c->reply);
    c->reply = NULL;
    free (c->body);
    c->body = NULL;
    return lws_http_transaction_completed (wsi) ? -1 : 0;
}

//  ---------------------------------------------------------------------
//  The callback.

static int
s_callback (struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    fh_conn_t *c = (fh_conn_t *) user;
    switch (reason) {
    case LWS_CALLBACK_HTTP: {
        c->wsi = wsi;
        snprintf (c->uri, sizeof c->uri, "%s", (const char *) in);
        if (lws_hdr_total_length (wsi, WSI_TOKEN_POST_URI))
            return 0; //  the body follows
        c->reply = strncmp (c->uri, "/_fake/", 7) == 0 ? s_control (c) : NULL;
        if (!c->reply) {
            c->status = 404;
            c->reply = strdup ("{\"error\":\"not found\"}");
        }
        lws_callback_on_writable (wsi);
        return 0;
    }
    case LWS_CALLBACK_HTTP_BODY:
        if (c->body_len + len > FH_BODY_MAX)
            return -1;
        c->body = (char *) realloc (c->body, c->body_len + len + 1);
        memcpy (c->body + c->body_len, in, len);
        c->body_len += len;
        c->body[c->body_len] = 0;
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION: {
        char authorization[1024] = "";
        lws_hdr_copy (wsi, authorization, sizeof authorization, WSI_TOKEN_HTTP_AUTHORIZATION);
        if (strcmp (c->uri, "/data/symbol-token") == 0)
            c->reply = s_symbol_token (c, authorization);
        else {
            c->status = 404;
            c->reply = strdup ("{\"error\":\"not found\"}");
        }
        lws_callback_on_writable (wsi);
        return 0;
    }
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return s_http_respond (wsi, c);
    case LWS_CALLBACK_CLOSED_HTTP:
        //  A TLS connection that ends before its HTTP request has none.
        if (!c)
            return 0;
        free (c->body);
        free (c->reply);
        c->body = c->reply = NULL;
        return 0;
    case LWS_CALLBACK_ESTABLISHED: {
        memset (c, 0, sizeof *c);
        c->wsi = wsi;
        c->ws = true;
        int slot = 0;
        while (slot < FH_CONNS_MAX && s.conns[slot])
            slot++;
        if (slot == FH_CONNS_MAX)
            return -1;
        s.conns[slot] = c;
        s.connections++;
        fprintf (stderr, "fake_hsm: connected\n");
        return 0;
    }
    case LWS_CALLBACK_RECEIVE:
        if (c->silent)
            return 0;
        if (!lws_is_first_fragment (wsi) || !lws_is_final_fragment (wsi)) {
            fprintf (stderr, "fake_hsm: fragmented frame refused\n");
            return -1;
        }
        return s_receive (c, (const uint8_t *) in, len) < 0 ? -1 : 0;
    case LWS_CALLBACK_SERVER_WRITEABLE: {
        fh_out_t *out = c->head;
        if (!out)
            return 0;
        c->head = out->next;
        if (!c->head)
            c->tail = NULL;
        int n = lws_write (wsi, out->data + LWS_PRE, out->len, LWS_WRITE_BINARY);
        bool failed_auth = out->len > 3 && out->data[LWS_PRE + 2] == MF_HSM_AUTH && !c->authed;
        free (out);
        if (n < 0 || failed_auth)
            return -1;
        if (c->head)
            lws_callback_on_writable (wsi);
        return 0;
    }
    case LWS_CALLBACK_CLOSED:
        for (int i = 0; i < FH_CONNS_MAX; i++)
            if (s.conns[i] == c)
                s.conns[i] = NULL;
        for (size_t i = 0; i < FH_SYMBOLS_MAX; i++)
            if (c->subscribed[i])
                s.subscribed--;
        s_flush (c);
        fprintf (stderr, "fake_hsm: closed\n");
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols s_protocols[] = {{.name = "hsm",
                                                    .callback = s_callback,
                                                    .per_session_data_size = sizeof (fh_conn_t),
                                                    .rx_buffer_size = FH_RX_MAX},
                                                   {.name = NULL}};

static int
s_usage (void)
{
    fprintf (stderr, "usage: fake_hsm --hsm-key KEY --auth APP_ID:TOKEN [--port N] "
                     "[--port-file PATH] [--ack-count N] [--price SYMBOL=LTP]... "
                     "[--tls-cert PEM --tls-key PEM]\n");
    return 2;
}

int
main (int argc, char **argv)
{
    int port = 0;
    const char *port_file = NULL, *tls_cert = NULL, *tls_key = NULL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (!value)
            return s_usage ();
        i++;
        if (strcmp (arg, "--hsm-key") == 0)
            s.hsm_key = value;
        else if (strcmp (arg, "--auth") == 0)
            s.auth = value;
        else if (strcmp (arg, "--port") == 0)
            port = atoi (value);
        else if (strcmp (arg, "--port-file") == 0)
            port_file = value;
        else if (strcmp (arg, "--tls-cert") == 0)
            tls_cert = value;
        else if (strcmp (arg, "--tls-key") == 0)
            tls_key = value;
        else if (strcmp (arg, "--ack-count") == 0)
            s.ack_count = (uint32_t) atoi (value);
        else if (strcmp (arg, "--price") == 0) {
            char symbol[MF_HSM_NAME_MAX];
            const char *eq = strchr (value, '=');
            if (!eq || (size_t) (eq - value) >= sizeof symbol)
                return s_usage ();
            memcpy (symbol, value, (size_t) (eq - value));
            symbol[eq - value] = 0;
            int k = s_symbol_index (symbol, true);
            if (k < 0)
                return s_usage ();
            s.symbols[k].ltp = (int32_t) (atof (eq + 1) * 100 + 0.5);
            s.symbols[k].bid = s.symbols[k].ltp - 5;
            s.symbols[k].ask = s.symbols[k].ltp + 5;
        }
        else
            return s_usage ();
    }
    if (!s.hsm_key || !s.auth || !tls_cert != !tls_key)
        return s_usage ();
    signal (SIGTERM, s_on_signal);
    signal (SIGINT, s_on_signal);
    lws_set_log_level (LLL_ERR, NULL);
    struct lws_context_creation_info info;
    memset (&info, 0, sizeof info);
    info.port = port;
    info.iface = "127.0.0.1";
    info.protocols = s_protocols;
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6 | LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
    if (tls_cert && fake_tls_server (&info, "fake_hsm", tls_cert, tls_key, true) != 0)
        return 1;
    struct lws_context *context = lws_create_context (&info);
    if (!context) {
        fprintf (stderr, "fake_hsm: cannot listen on 127.0.0.1 port %d\n", port);
        return 1;
    }
    port = lws_get_vhost_listen_port (lws_get_vhost_by_name (context, "default"));
    if (port_file) {
        char tmp[4096];
        snprintf (tmp, sizeof tmp, "%s.tmp", port_file);
        FILE *f = fopen (tmp, "w");
        if (!f || fprintf (f, "%d\n", port) < 0 || fclose (f) != 0 || rename (tmp, port_file)) {
            fprintf (stderr, "fake_hsm: cannot write %s\n", port_file);
            return 1;
        }
    }
    printf ("READY %d\n", port);
    fflush (stdout);
    while (!s.stop)
        if (lws_service (context, 0) < 0)
            break;
    lws_context_destroy (context);
    return 0;
}
