//  tff_ws - fake_fyers' order socket (docs/fyers.md §7.3), driven by a small
//  libwebsockets client that runs in the test's own thread: every wait
//  services the client's context until a condition holds or a deadline
//  passes. The TLS case makes its certificates with tests/support's tw_pki.

#include "tff_util.h"
#include "tw_fixture.h"
#include "tw_pki.h"

#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WS_WAIT_MS 3000
//  How long a test listens for something that must not come.
#define WS_QUIET_MS 300
#define WS_TICK_US ((lws_usec_t) 20 * 1000)
#define WS_MESSAGES_MAX 128
#define WS_OUTBOX_MAX 8
#define SUB_ORD "{\"T\":\"SUB_ORD\",\"SLIST\":[\"orders\",\"trades\",\"positions\"],\"SUB_T\":1}"

typedef struct {
    struct lws_context *context;
    struct lws *wsi;
    lws_sorted_usec_list_t tick;
    const char *auth; //  NULL: no authorization header
    bool established, failed, closed;
    char *rx; //  the message being received
    size_t rx_len;
    char *messages[WS_MESSAGES_MAX];
    int count;
    char *outbox[WS_OUTBOX_MAX];
    int out_count;
} ws_client_t;

static void
s_on_tick (lws_sorted_usec_list_t *sul)
{
    ws_client_t *client = lws_container_of (sul, ws_client_t, tick);
    lws_sul_schedule (client->context, 0, &client->tick, s_on_tick, WS_TICK_US);
}

static void
s_receive (ws_client_t *client, struct lws *wsi, const char *in, size_t len)
{
    char *grown = realloc (client->rx, client->rx_len + len + 1);
    ck_assert_ptr_nonnull (grown);
    memcpy (grown + client->rx_len, in, len);
    client->rx = grown;
    client->rx_len += len;
    client->rx[client->rx_len] = 0;
    if (!lws_is_final_fragment (wsi) || lws_remaining_packet_payload (wsi) > 0)
        return;
    if (client->count < WS_MESSAGES_MAX)
        client->messages[client->count++] = client->rx;
    else
        free (client->rx);
    client->rx = NULL;
    client->rx_len = 0;
}

static int
s_write (ws_client_t *client, struct lws *wsi)
{
    if (client->out_count == 0)
        return 0;
    char *text = client->outbox[0];
    memmove (client->outbox, client->outbox + 1, (size_t) --client->out_count * sizeof (char *));
    size_t len = strlen (text);
    unsigned char *buf = malloc (LWS_PRE + len);
    memcpy (buf + LWS_PRE, text, len);
    int written = lws_write (wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT);
    free (buf);
    free (text);
    if (client->out_count > 0)
        lws_callback_on_writable (wsi);
    return written < 0 ? -1 : 0;
}

static int
s_callback (struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    (void) user;
    ws_client_t *client = (ws_client_t *) lws_context_user (lws_get_context (wsi));
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
        if (client->auth) {
            unsigned char **p = (unsigned char **) in;
            unsigned char *end = *p + len;
            if (lws_add_http_header_by_token (wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
                                              (const unsigned char *) client->auth,
                                              (int) strlen (client->auth), p, end))
                return -1;
        }
        return 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        client->established = true;
        if (client->out_count > 0)
            lws_callback_on_writable (wsi);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        s_receive (client, wsi, (const char *) in, len);
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return s_write (client, wsi);
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        client->failed = true;
        client->wsi = NULL;
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
        client->closed = true;
        client->wsi = NULL;
        return 0;
    default:
        return lws_callback_http_dummy (wsi, reason, user, in, len);
    }
}

static const struct lws_protocols s_protocols[] = {
    {.name = "tff-client", .callback = s_callback, .rx_buffer_size = 4096}, {.name = NULL}};

//  Starts connecting to fake's order socket with auth as the authorization
//  header (NULL: none); over TLS trusting ca_file alone when it is not NULL.
static ws_client_t *
s_ws_open_on (fake_fyers_t *fake, const char *auth, const char *ca_file)
{
    ws_client_t *client = calloc (1, sizeof *client);
    ck_assert_ptr_nonnull (client);
    client->auth = auth;
    lws_set_log_level (LLL_ERR, NULL);
    struct lws_context_creation_info info;
    memset (&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = s_protocols;
    info.user = client;
    if (ca_file) {
        info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
        info.client_ssl_ca_filepath = ca_file;
    }
    client->context = lws_create_context (&info);
    ck_assert_ptr_nonnull (client->context);
    lws_sul_schedule (client->context, 0, &client->tick, s_on_tick, WS_TICK_US);
    int port = fake_fyers_ws_port (fake);
    ck_assert_int_gt (port, 0);
    struct lws_client_connect_info connect;
    memset (&connect, 0, sizeof connect);
    connect.context = client->context;
    connect.address = "127.0.0.1";
    connect.port = port;
    connect.path = "/trade/v3";
    connect.host = "127.0.0.1";
    connect.origin = "127.0.0.1";
    connect.ssl_connection = ca_file ? LCCSCF_USE_SSL : 0;
    connect.pwsi = &client->wsi;
    lws_client_connect_via_info (&connect);
    return client;
}

static ws_client_t *
s_ws_open (const char *auth)
{
    return s_ws_open_on (tff_fake, auth, NULL);
}

static void
s_ws_close (ws_client_t **client_p)
{
    ws_client_t *client = *client_p;
    lws_sul_cancel (&client->tick);
    lws_context_destroy (client->context);
    for (int i = 0; i < client->count; i++)
        free (client->messages[i]);
    for (int i = 0; i < client->out_count; i++)
        free (client->outbox[i]);
    free (client->rx);
    free (client);
    *client_p = NULL;
}

typedef bool (ws_cond_fn) (ws_client_t *client, const void *arg);

//  Services the client until cond holds or timeout_ms passes; returns cond.
static bool
s_ws_wait (ws_client_t *client, ws_cond_fn *cond, const void *arg, int timeout_ms)
{
    double deadline = tff_now_ms () + timeout_ms;
    while (!cond (client, arg) && tff_now_ms () < deadline)
        lws_service (client->context, 0);
    return cond (client, arg);
}

static bool
s_is_open (ws_client_t *client, const void *arg)
{
    (void) arg;
    return client->established || client->failed || client->closed;
}

static bool
s_is_gone (ws_client_t *client, const void *arg)
{
    (void) arg;
    return client->failed || client->closed;
}

static bool
s_has_count (ws_client_t *client, const void *arg)
{
    return client->count >= *(const int *) arg;
}

static void
s_ws_send (ws_client_t *client, const char *text)
{
    ck_assert_int_lt (client->out_count, WS_OUTBOX_MAX);
    client->outbox[client->out_count++] = strdup (text);
    if (client->wsi && client->established)
        lws_callback_on_writable (client->wsi);
}

//  Waits for message number index (0-based) and returns it parsed, or NULL
//  when it does not come in time. Caller deletes it.
static cJSON *
s_ws_message (ws_client_t *client, int index, int timeout_ms)
{
    int wanted = index + 1;
    if (!s_ws_wait (client, s_has_count, &wanted, timeout_ms))
        return NULL;
    cJSON *json = cJSON_Parse (client->messages[index]);
    ck_assert_msg (json != NULL, "not JSON: %s", client->messages[index]);
    return json;
}

//  The inner object of a pushed message {"<topic>":{...},"s":"ok"}; fails
//  the test when message is not of that topic.
static const cJSON *
s_inner (const cJSON *message, const char *topic)
{
    const cJSON *inner = cJSON_GetObjectItem (message, topic);
    char *text = cJSON_PrintUnformatted (message);
    ck_assert_msg (cJSON_IsObject (inner), "expected %s, got %s", topic, text);
    free (text);
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (message, "s")), "ok");
    return inner;
}

static double
s_num (const cJSON *object, const char *key)
{
    const cJSON *field = cJSON_GetObjectItem (object, key);
    ck_assert_msg (cJSON_IsNumber (field), "no number %s", key);
    return field->valuedouble;
}

static const char *
s_str (const cJSON *object, const char *key)
{
    const char *value = cJSON_GetStringValue (cJSON_GetObjectItem (object, key));
    ck_assert_msg (value != NULL, "no string %s", key);
    return value;
}

//  Connects with the right header, subscribes and checks the ack.
static ws_client_t *
s_ws_subscribed (void)
{
    ws_client_t *client = s_ws_open (APP_ID ":" TOKEN);
    ck_assert (s_ws_wait (client, s_is_open, NULL, WS_WAIT_MS));
    ck_assert (client->established);
    s_ws_send (client, SUB_ORD);
    cJSON *ack = s_ws_message (client, 0, WS_WAIT_MS);
    ck_assert_ptr_nonnull (ack);
    ck_assert_int_eq ((int) s_num (ack, "code"), 1605);
    ck_assert_str_eq (s_str (ack, "message"), "Successfully subscribed");
    ck_assert_str_eq (s_str (ack, "s"), "ok");
    cJSON_Delete (ack);
    ck_assert_int_eq (fake_fyers_ws_wait_subscribed (tff_fake, 1, WS_WAIT_MS), 1);
    return client;
}

START_TEST (test_ws_order_trade_position)
{
    ck_assert_int_eq (fake_fyers_set_price (tff_fake, SYMBOL, 250.0), 0);
    char url[64];
    snprintf (url, sizeof url, "ws://127.0.0.1:%d/trade/v3", fake_fyers_ws_port (tff_fake));
    ck_assert_str_eq (fake_fyers_ws_url (tff_fake), url);
    ws_client_t *client = s_ws_subscribed ();
    ck_assert_int_eq (fake_fyers_script (tff_fake, "{\"method\":\"POST\",\"action\":\"working\"}"),
                      1);
    reply_t reply = tff_call ("POST", "/orders/sync",
                              "{\"symbol\":\"" SYMBOL "\",\"qty\":10,\"type\":2,\"side\":1,"
                              "\"productType\":\"INTRADAY\",\"validity\":\"DAY\","
                              "\"orderTag\":\"ws1\"}");
    ck_assert_int_eq (reply.status, 200);
    char *id = tff_json_str (reply.body, "id");
    tff_reply_free (&reply);

    //  Accepted, working.
    cJSON *message = s_ws_message (client, 1, WS_WAIT_MS);
    ck_assert_ptr_nonnull (message);
    const cJSON *order = s_inner (message, "orders");
    ck_assert_str_eq (s_str (order, "id"), id);
    ck_assert_int_eq ((int) s_num (order, "org_ord_status"), 6);
    ck_assert_int_eq ((int) s_num (order, "qty_remaining"), 10);
    ck_assert_str_eq (s_str (order, "ordertag"), "1:ws1");
    cJSON_Delete (message);

    //  A fill: the order, then the trade, then the position.
    ck_assert_int_eq (fake_fyers_fill (tff_fake, id, 0, 0), 0);
    message = s_ws_message (client, 2, WS_WAIT_MS);
    ck_assert_ptr_nonnull (message);
    order = s_inner (message, "orders");
    ck_assert_int_eq ((int) s_num (order, "org_ord_status"), 2);
    ck_assert_int_eq ((int) s_num (order, "qty_filled"), 10);
    ck_assert_double_eq (s_num (order, "price_traded"), 250.0);
    ck_assert_str_eq (s_str (order, "symbol"), SYMBOL);
    ck_assert_int_eq ((int) s_num (order, "tran_side"), 1);
    ck_assert_str_eq (s_str (order, "product_type"), "INTRADAY");
    cJSON_Delete (message);
    message = s_ws_message (client, 3, WS_WAIT_MS);
    ck_assert_ptr_nonnull (message);
    const cJSON *trade = s_inner (message, "trades");
    ck_assert_str_eq (s_str (trade, "id"), id);
    ck_assert_int_eq ((int) s_num (trade, "qty_traded"), 10);
    ck_assert_double_eq (s_num (trade, "price_traded"), 250.0);
    ck_assert_double_eq (s_num (trade, "traded_val"), 2500.0);
    ck_assert (strlen (s_str (trade, "id_fill")) > 0);
    cJSON_Delete (message);
    message = s_ws_message (client, 4, WS_WAIT_MS);
    ck_assert_ptr_nonnull (message);
    const cJSON *position = s_inner (message, "positions");
    ck_assert_str_eq (s_str (position, "id"), POSITION_ID);
    ck_assert_int_eq ((int) s_num (position, "net_qty"), 10);
    ck_assert_double_eq (s_num (position, "net_avg"), 250.0);
    ck_assert_double_eq (s_num (position, "qty_multiplier"), 1.0);
    cJSON_Delete (message);
    free (id);

    //  "ping" is answered "pong".
    s_ws_send (client, "ping");
    int wanted = 6;
    ck_assert (s_ws_wait (client, s_has_count, &wanted, WS_WAIT_MS));
    ck_assert_str_eq (client->messages[5], "pong");
    s_ws_close (&client);
}
END_TEST

START_TEST (test_ws_refused)
{
    //  No header, or a wrong one: refused before the upgrade.
    const char *auths[] = {NULL, APP_ID ":wrong"};
    for (size_t i = 0; i < 2; i++) {
        ws_client_t *client = s_ws_open (auths[i]);
        ck_assert (s_ws_wait (client, s_is_open, NULL, WS_WAIT_MS));
        ck_assert (!client->established);
        ck_assert (client->failed);
        s_ws_close (&client);
    }
    //  The next connection is refused on request; the one after is not.
    ck_assert_int_eq (fake_fyers_ws_refuse (tff_fake, 1), 0);
    ws_client_t *client = s_ws_open (APP_ID ":" TOKEN);
    ck_assert (s_ws_wait (client, s_is_open, NULL, WS_WAIT_MS));
    ck_assert (client->failed);
    s_ws_close (&client);
    client = s_ws_subscribed ();
    s_ws_close (&client);
    long status = 0;
    char *info = fake_fyers_http (tff_fake, "GET", "/_fake/info", NULL, NULL, &status);
    ck_assert_int_eq (status, 200);
    ck_assert_int_eq (tff_json_int (info, "ws_refused"), 3);
    ck_assert_int_eq (tff_json_int (info, "ws_connections"), 1);
    free (info);
}
END_TEST

START_TEST (test_ws_control_changes_silence_and_drop)
{
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, SYMBOL, "INTRADAY", 10, 500.0), 0);
    ws_client_t *client = s_ws_subscribed ();

    //  A broker-side square-off is pushed: the order (accepted, then
    //  filled), the trade, the position flat.
    ck_assert_int_eq (fake_fyers_square_off (tff_fake, POSITION_ID, NULL), 1);
    cJSON *message = s_ws_message (client, 4, WS_WAIT_MS);
    ck_assert_ptr_nonnull (message);
    const cJSON *position = s_inner (message, "positions");
    ck_assert_int_eq ((int) s_num (position, "net_qty"), 0);
    cJSON_Delete (message);
    message = s_ws_message (client, 2, 0);
    ck_assert_int_eq ((int) s_num (s_inner (message, "orders"), "org_ord_status"), 2);
    ck_assert_str_eq (s_str (s_inner (message, "orders"), "ord_source"), "A");
    cJSON_Delete (message);

    //  Silent: a conversion is not pushed, and a ping gets no pong.
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, SYMBOL, "INTRADAY", 5, 500.0), 0);
    message = s_ws_message (client, 5, WS_WAIT_MS);
    ck_assert_int_eq ((int) s_num (s_inner (message, "positions"), "net_qty"), 5);
    cJSON_Delete (message);
    ck_assert_int_eq (fake_fyers_ws_silence (tff_fake, true), 0);
    ck_assert_int_eq (fake_fyers_convert (tff_fake, POSITION_ID, "CNC", 0), 0);
    s_ws_send (client, "ping");
    ck_assert_ptr_null (s_ws_message (client, 6, WS_QUIET_MS));
    //  Loud again: the next conversion is pushed (both positions).
    ck_assert_int_eq (fake_fyers_ws_silence (tff_fake, false), 0);
    ck_assert_int_eq (fake_fyers_convert (tff_fake, "NSE:SBIN-EQ-CNC", "INTRADAY", 0), -1);
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, "NSE:IDEA-EQ", "INTRADAY", 3, 9.0), 0);
    ck_assert_int_eq (fake_fyers_convert (tff_fake, "NSE:IDEA-EQ-INTRADAY", "MARGIN", 0), 0);
    message = s_ws_message (client, 8, WS_WAIT_MS);
    ck_assert_ptr_nonnull (message);
    ck_assert_str_eq (s_str (s_inner (message, "positions"), "id"), "NSE:IDEA-EQ-MARGIN");
    ck_assert_int_eq ((int) s_num (s_inner (message, "positions"), "net_qty"), 3);
    cJSON_Delete (message);

    //  Dropped: the client sees its connection go, the fake counts none.
    ck_assert_int_eq (fake_fyers_ws_drop (tff_fake), 0);
    ck_assert (s_ws_wait (client, s_is_gone, NULL, WS_WAIT_MS));
    ck_assert_int_eq (fake_fyers_ws_wait_subscribed (tff_fake, 0, WS_WAIT_MS), 0);
    s_ws_close (&client);
}
END_TEST

START_TEST (test_ws_bad_messages)
{
    ws_client_t *client = s_ws_open (APP_ID ":" TOKEN);
    ck_assert (s_ws_wait (client, s_is_open, NULL, WS_WAIT_MS));
    s_ws_send (client, "{\"T\":\"SUB_ORD\",\"SLIST\":\"orders\",\"SUB_T\":1}");
    cJSON *message = s_ws_message (client, 0, WS_WAIT_MS);
    ck_assert_ptr_nonnull (message);
    ck_assert_str_eq (s_str (message, "s"), "error");
    cJSON_Delete (message);
    //  Subscribed to trades only: a fill pushes just the trade.
    s_ws_send (client, "{\"T\":\"SUB_ORD\",\"SLIST\":[\"trades\"],\"SUB_T\":1}");
    message = s_ws_message (client, 1, WS_WAIT_MS);
    ck_assert_int_eq ((int) s_num (message, "code"), 1605);
    cJSON_Delete (message);
    ck_assert_int_eq (fake_fyers_ws_wait_subscribed (tff_fake, 1, WS_WAIT_MS), 1);
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, SYMBOL, "INTRADAY", 2, 100.0), 0);
    reply_t reply = tff_call ("DELETE", "/positions", EXIT_BODY);
    tff_reply_free (&reply);
    message = s_ws_message (client, 2, WS_WAIT_MS);
    ck_assert_ptr_nonnull (message);
    ck_assert_int_eq ((int) s_num (s_inner (message, "trades"), "qty_traded"), 2);
    cJSON_Delete (message);
    ck_assert_ptr_null (s_ws_message (client, 3, WS_QUIET_MS));
    //  Unsubscribed: nothing more is pushed.
    s_ws_send (client, "{\"T\":\"SUB_ORD\",\"SLIST\":[\"trades\"],\"SUB_T\":-1}");
    message = s_ws_message (client, 3, WS_WAIT_MS);
    ck_assert_ptr_nonnull (message);
    ck_assert_int_eq ((int) s_num (message, "code"), 1605);
    cJSON_Delete (message);
    //  The fake counted the unsubscribe before it sent the ack.
    long status = 0;
    char *info = fake_fyers_http (tff_fake, "GET", "/_fake/info", NULL, NULL, &status);
    ck_assert_int_eq (tff_json_int (info, "ws_subscribed"), 0);
    ck_assert_int_eq (tff_json_int (info, "ws_clients"), 1);
    free (info);
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, SYMBOL, "INTRADAY", 2, 100.0), 0);
    reply = tff_call ("DELETE", "/positions", EXIT_BODY);
    tff_reply_free (&reply);
    ck_assert_ptr_null (s_ws_message (client, 4, WS_QUIET_MS));
    s_ws_close (&client);
}
END_TEST

//  The order socket on wss:// (--ws-tls-cert, --ws-tls-key), with a
//  throwaway PKI of tw_pki in a scratch directory.
START_TEST (test_ws_tls)
{
    long status = 0;
    char *info = fake_fyers_http (tff_fake, "GET", "/_fake/info", NULL, NULL, &status);
    ck_assert_int_eq (status, 200);
    ck_assert_ptr_nonnull (strstr (info, "\"ws_tls\":false"));
    free (info);
    tw_fixture_t *scratch = tw_fixture_new ("tff");
    ck_assert_ptr_nonnull (scratch);
    const char *dir = tw_fixture_dir (scratch);
    ck_assert_int_eq (tw_pki_make (dir), 0);
    char cert[512], key[512], ca[512], other[512];
    snprintf (cert, sizeof cert, "%s/%s", dir, TW_PKI_SERVER_CERT);
    snprintf (key, sizeof key, "%s/%s", dir, TW_PKI_SERVER_KEY);
    snprintf (ca, sizeof ca, "%s/%s", dir, TW_PKI_CA);
    snprintf (other, sizeof other, "%s/%s", dir, TW_PKI_OTHER_CA);
    //  Both flags or neither.
    const char *half[] = {"--ws-tls-cert", cert, NULL};
    ck_assert_ptr_null (fake_fyers_start_args (tff_binary, APP_ID, TOKEN, half));
    const char *args[] = {"--ws-tls-cert", cert, "--ws-tls-key", key, NULL};
    fake_fyers_t *fake = fake_fyers_start_args (tff_binary, APP_ID, TOKEN, args);
    ck_assert_ptr_nonnull (fake);
    char url[64];
    snprintf (url, sizeof url, "wss://127.0.0.1:%d/trade/v3", fake_fyers_ws_port (fake));
    ck_assert_str_eq (fake_fyers_ws_url (fake), url);

    //  A client that trusts the CA subscribes and gets the pushes.
    ws_client_t *client = s_ws_open_on (fake, APP_ID ":" TOKEN, ca);
    ck_assert (s_ws_wait (client, s_is_open, NULL, WS_WAIT_MS));
    ck_assert (client->established);
    s_ws_send (client, SUB_ORD);
    cJSON *message = s_ws_message (client, 0, WS_WAIT_MS);
    ck_assert_ptr_nonnull (message);
    ck_assert_int_eq ((int) s_num (message, "code"), 1605);
    cJSON_Delete (message);
    ck_assert_int_eq (fake_fyers_ws_wait_subscribed (fake, 1, WS_WAIT_MS), 1);
    ck_assert_int_eq (fake_fyers_seed_position (fake, SYMBOL, "INTRADAY", 4, 100.0), 0);
    message = s_ws_message (client, 1, WS_WAIT_MS);
    ck_assert_ptr_nonnull (message);
    ck_assert_int_eq ((int) s_num (s_inner (message, "positions"), "net_qty"), 4);
    cJSON_Delete (message);
    s_ws_close (&client);

    //  Neither a plain ws:// client nor one that trusts another CA gets a
    //  WebSocket.
    const char *cas[] = {NULL, other};
    for (size_t i = 0; i < sizeof cas / sizeof *cas; i++) {
        client = s_ws_open_on (fake, APP_ID ":" TOKEN, cas[i]);
        ck_assert (s_ws_wait (client, s_is_open, NULL, WS_WAIT_MS));
        ck_assert (!client->established);
        s_ws_close (&client);
    }
    info = fake_fyers_http (fake, "GET", "/_fake/info", NULL, NULL, &status);
    ck_assert_int_eq (status, 200);
    ck_assert_ptr_nonnull (strstr (info, "\"ws_tls\":true"));
    ck_assert_int_eq (tff_json_int (info, "ws_connections"), 1);
    free (info);
    ck_assert_int_eq (fake_fyers_stop (&fake), 0);
    tw_fixture_destroy (&scratch);
}
END_TEST

TCase *
tff_ws_tcase (void)
{
    TCase *tc = tcase_create ("order socket");
    tcase_add_checked_fixture (tc, tff_setup, tff_teardown);
    tcase_add_test (tc, test_ws_order_trade_position);
    tcase_add_test (tc, test_ws_refused);
    tcase_add_test (tc, test_ws_control_changes_silence_and_drop);
    tcase_add_test (tc, test_ws_bad_messages);
    tcase_add_test (tc, test_ws_tls);
    return tc;
}
