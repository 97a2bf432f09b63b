//  Integration tests of the notifier (docs/design.md §7): the real notifier and the
//  real order-gateway on the paper broker, over loopback on ports picked
//  at run time, in a temporary directory. The test plays the market feed
//  (a PUB at feed_pub publishing ticks, which the paper broker fills at),
//  drives the gateway with commands, and is the WebSocket client
//  (tw_wsclient: a minimal RFC 6455 client over a plain socket). Every
//  process is stopped with SIGTERM and must exit 0; no log may contain the
//  token.

#include <arpa/inet.h>
#include <check.h>
#include <cjson/cJSON.h>
#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nt_testws.h"
#include "tw_client.h"
#include "tw_clock.h"
#include "tw_cmd.h"
#include "tw_fixture.h"
#include "tw_proc.h"
#include "tw_sock.h"
#include "tw_wsclient.h"

#define WAIT_MS 10000
#define FRAME_MS 5000
#define STOP_MS 3000
//  docs/design.md §5: SIGTERM -> exit 0 within 2 s.
#define STOP_WITHIN_MS 2000
#define CLIENT_TIMEOUT_MS 2000
#define POLL_MS 100
#define SYMBOL "NSE:SBIN-EQ"
//  A symbol the test never publishes a tick for: opens of it are refused.
#define UNPRICED "NSE:INFY-EQ"
#define POS_ID "NSE:SBIN-EQ-INTRADAY"
#define TICK_PRICE 600.0
//  Small, so that a client that does not read is dropped soon.
#define QUEUE_MAX "16"
#define SLOW_RCVBUF 2048
//  Positions closed at once by a kill switch: more events than a queue holds.
#define BURST 12
#define SLOW_MAX_MODIFIES 20000
//  Well inside the second or more the notifier gives a dropped client to
//  take its close frame (NT_WS_DROP_GRACE_S).
#define DROP_GRACE_MS 400
#define GATEWAY "order-gateway"
#define BOT_TOKEN "987654:bot-token-never-logged"
#define NOTIFIER "notifier"
#define RISK "risk-monitor"
//  The risk-monitor's [risk] stale_feed_ms in the feed_stale test.
#define STALE_FEED_MS 1000

typedef struct {
    tw_fixture_t *base;
    const char *gateway_log;
    const char *notifier_log;
    char token[33];
    int port;
    const char *rep, *control;
    zsock_t *feed;
    tw_client_t *gateway_client;
} fixture_t;

static fixture_t fx;

static void
s_start_gateway (void)
{
    ck_assert_int_eq (tw_fixture_start (fx.base, GATEWAY, getenv ("GATEWAY"), NULL), 0);
}

//  Starts a notifier as service name with the fixture's environment plus
//  extra ("KEY=VALUE" strings, NULL-terminated; may be NULL).
static void
s_start_notifier (const char *name, const char *const *extra)
{
    ck_assert_int_eq (tw_fixture_start (fx.base, name, getenv ("NOTIFIER"), extra), 0);
}

//  The value of a counter in the pong of the service at endpoint; -1 when
//  it does not answer.
static int64_t
s_counter (const char *endpoint, const char *name)
{
    return tw_cmd_counter (endpoint, TW_MSG_PING, name);
}

//  Polls the counter until it equals value (bounded).
static bool
s_counter_is (const char *endpoint, const char *name, int64_t value)
{
    return tw_cmd_wait_counter (endpoint, TW_MSG_PING, name, value, WAIT_MS, NULL);
}

static void
s_tick (const char *symbol)
{
    ck_assert_int_eq (tw_cmd_tick (fx.feed, symbol, TICK_PRICE), 0);
}

static void s_wait_live (void);

static void
s_setup (void)
{
    memset (&fx, 0, sizeof fx);
    fx.base = tw_fixture_new ("notifier");
    ck_assert_ptr_nonnull (fx.base);
    fx.gateway_log = tw_fixture_log (fx.base, GATEWAY);
    fx.notifier_log = tw_fixture_log (fx.base, NOTIFIER);
    //  A fresh random token, as deploy/demo.sh makes one.
    unsigned char raw[16];
    FILE *urandom = fopen ("/dev/urandom", "r");
    ck_assert (urandom && fread (raw, 1, sizeof raw, urandom) == sizeof raw);
    fclose (urandom);
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf (fx.token + 2 * i, 3, "%02x", raw[i]);

    const char *feed = tw_fixture_endpoint (fx.base, "TW_ENDPOINTS_FEED_PUB");
    fx.rep = tw_fixture_endpoint (fx.base, "TW_ENDPOINTS_GATEWAY_REP");
    const char *pub = tw_fixture_endpoint (fx.base, "TW_ENDPOINTS_GATEWAY_PUB");
    fx.control = tw_fixture_endpoint (fx.base, "TW_ENDPOINTS_NOTIFIER_CONTROL");
    fx.port = tw_fixture_listen (fx.base, "TW_NOTIFIER_LISTEN");
    ck_assert (feed && fx.rep && pub && fx.control && fx.port > 0);
    tw_fixture_set (fx.base, "TW_NOTIFIER_TOKEN", "%s", fx.token);
    tw_fixture_set (fx.base, "TW_NOTIFIER_CLIENT_QUEUE_MAX", QUEUE_MAX);
    //  Alerts to a Telegram that refuses connections: they fail, are
    //  counted, and the bot token never reaches a log.
    tw_fixture_set (fx.base, "TW_ALERTS_TELEGRAM_BOT_TOKEN", "%s", BOT_TOKEN);
    tw_fixture_set (fx.base, "TW_ALERTS_TELEGRAM_CHAT_ID", "42");
    tw_fixture_set (fx.base, "TW_ALERTS_TELEGRAM_BASE_URL", "http://127.0.0.1:1");
    tw_fixture_set (fx.base, "TW_ALERTS_BATCH_MS", "0");
    tw_fixture_set (fx.base, "TW_GATEWAY_BROKER", "paper");
    tw_fixture_set (fx.base, "TW_GATEWAY_DB", "gateway.db");
    tw_fixture_set (fx.base, "TW_GATEWAY_PAPER_DB", "paper.db");
    //  These tests are not about the watch on the risk-monitor
    //  (test_riskwatch is), and most run without one: its warning would be
    //  among theirs.
    tw_fixture_set (fx.base, "TW_NOTIFIER_RISK_WATCH_INTERVAL_MS", "0");

    fx.feed = tw_sock_pub_new (feed);
    ck_assert_ptr_nonnull (fx.feed);
    s_start_gateway ();
    fx.gateway_client = tw_client_new (fx.rep, CLIENT_TIMEOUT_MS, 3);
    s_start_notifier (NOTIFIER, NULL);
    ck_assert_int_eq (
        tw_fixture_wait_pong (fx.base, NOTIFIER, fx.control, TW_MSG_PING, "synced", 1, WAIT_MS), 0);
    s_wait_live ();
}

static void
s_teardown (void)
{
    tw_client_destroy (&fx.gateway_client);
    zsock_destroy (&fx.feed);
    if (tw_fixture_running (fx.base, NOTIFIER))
        ck_assert_int_eq (tw_fixture_stop (fx.base, NOTIFIER, SIGTERM, STOP_MS), 0);
    ck_assert_int_eq (tw_fixture_stop (fx.base, GATEWAY, SIGTERM, STOP_MS), 0);
    ck_assert_msg (!tw_file_contains (fx.notifier_log, fx.token), "token in %s", fx.notifier_log);
    ck_assert_msg (!tw_file_contains (fx.gateway_log, fx.token), "token in %s", fx.gateway_log);
    ck_assert_msg (!tw_file_contains (fx.notifier_log, BOT_TOKEN), "bot token in %s",
                   fx.notifier_log);
    //  Under UBSan a runtime error is a line in the log, not an exit code.
    ck_assert_msg (!tw_file_contains (fx.notifier_log, "runtime error"), "see %s", fx.notifier_log);
    tw_fixture_destroy (&fx.base);
}

//  ---------------------------------------------------------------------
//  WebSocket helpers.

static tw_wsclient_t *
s_connect (const char *path, const char *bearer, int *status)
{
    tw_wsclient_opts_t opts = {.path = path, .bearer = bearer, .timeout_ms = FRAME_MS};
    return tw_wsclient_connect (fx.port, &opts, status);
}

//  Connects with the token in the header and expects the upgrade.
static tw_wsclient_t *
s_connect_ok (void)
{
    int status;
    tw_wsclient_t *client = s_connect ("/ws", fx.token, &status);
    ck_assert_ptr_nonnull (client);
    ck_assert_int_eq (status, 101);
    return client;
}

static int
s_refused (const char *path, const char *bearer)
{
    int status;
    tw_wsclient_t *client = s_connect (path, bearer, &status);
    tw_wsclient_destroy (&client);
    return status;
}

//  The status line of the answer to a WebSocket upgrade of path (static),
//  read with a plain socket: what any client sees first.
static const char *
s_status_line (const char *path)
{
    static char line[256];
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge (fd, 0);
    struct timeval timeout = {.tv_sec = FRAME_MS / 1000, .tv_usec = (FRAME_MS % 1000) * 1000};
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons ((uint16_t) fx.port)};
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    ck_assert_int_eq (connect (fd, (struct sockaddr *) &addr, sizeof addr), 0);
    char request[512];
    int n = snprintf (request, sizeof request,
                      "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n",
                      path);
    ck_assert_int_eq (write (fd, request, (size_t) n), n);
    size_t len = 0;
    while (len < sizeof line - 1 && !memchr (line, '\n', len)) {
        ssize_t got = read (fd, line + len, sizeof line - 1 - len);
        if (got <= 0)
            break;
        len += (size_t) got;
    }
    close (fd);
    line[len] = 0;
    line[strcspn (line, "\r\n")] = 0;
    return line;
}

static const char *
s_str (cJSON *doc, const char *key)
{
    return nt_testws_str (doc, key);
}

static double
s_num (cJSON *doc, const char *key)
{
    cJSON *item = cJSON_GetObjectItemCaseSensitive (doc, key);
    ck_assert_msg (cJSON_IsNumber (item), "field %s is not a number", key);
    return item->valuedouble;
}

//  The next frame of the given type, skipping others (heartbeats among
//  them); the caller deletes it. Fails the test after timeout_ms.
static cJSON *
s_expect (tw_wsclient_t *client, const char *type, int timeout_ms)
{
    return nt_testws_expect (client, type, timeout_ms);
}

static void
s_send_text (tw_wsclient_t *client, const char *text)
{
    ck_assert_int_eq (tw_wsclient_send (client, text, strlen (text), false), 0);
}

//  Opens a long position on symbol through the gateway and returns its
//  position_opened frame as client sees it. The paper broker fills at the
//  last tick, so ticks go out until the open is filled.
static cJSON *
s_open_symbol (tw_wsclient_t *client, const char *symbol)
{
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS; tw_clock_mono_ms () < deadline;) {
        s_tick (symbol);
        tw_msg_t request, reply;
        tw_cmd_open (&request, symbol, TW_SIDE_LONG, 10, 590, 615, WAIT_MS);
        ck_assert_int_eq (tw_cmd_request (fx.gateway_client, &request, &reply), 0);
        ck_assert_int_eq (reply.u.ack.status, TW_ACK_ACCEPTED);
        //  Filled (position_opened) or refused for want of a price yet.
        for (int64_t until = tw_clock_mono_ms () + FRAME_MS;;) {
            int64_t left = until - tw_clock_mono_ms ();
            ck_assert_msg (left > 0, "neither position_opened nor order_rejected");
            char *text = NULL;
            int rc = tw_wsclient_recv (client, (int) left, &text, NULL);
            ck_assert_int_ge (rc, 0);
            if (rc == 0)
                continue;
            cJSON *doc = cJSON_Parse (text);
            free (text);
            const char *type = s_str (doc, "type");
            if (streq (type, "position_opened"))
                return doc;
            bool rejected = streq (type, "order_rejected");
            cJSON_Delete (doc);
            if (rejected)
                break;
        }
    }
    ck_abort_msg ("no position opened; see %s", fx.gateway_log);
    return NULL;
}

static cJSON *
s_open (tw_wsclient_t *client)
{
    return s_open_symbol (client, SYMBOL);
}

//  Sends an open the paper broker refuses (no tick ever comes for
//  UNPRICED), and returns the type of the frame client sees for it:
//  "order_rejected" when the notifier's subscription carried the event, or
//  "snapshot" when the notifier missed it and resynced.
static char *
s_unpriced_open (tw_wsclient_t *client)
{
    tw_msg_t request, reply;
    tw_cmd_open (&request, UNPRICED, TW_SIDE_SHORT, 1, 0, 0, WAIT_MS);
    ck_assert_int_eq (tw_cmd_request (fx.gateway_client, &request, &reply), 0);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_ACCEPTED);
    while (true) {
        char *text = NULL;
        ck_assert_int_eq (tw_wsclient_recv (client, FRAME_MS, &text, NULL), 1);
        cJSON *doc = cJSON_Parse (text);
        free (text);
        char *type = strdup (s_str (doc, "type"));
        cJSON_Delete (doc);
        if (streq (type, "order_rejected") || streq (type, "snapshot"))
            return type;
        free (type);
    }
}

//  The notifier subscribes to the gateway's events when it starts, and a
//  subscription takes effect a little later (ZeroMQ's slow joiner): an
//  event before that is missed and made good by a resync. Events are
//  live once one of them reaches a client as itself.
static void
s_wait_live (void)
{
    tw_wsclient_t *client = s_connect_ok ();
    cJSON_Delete (s_expect (client, "snapshot", FRAME_MS));
    bool live = false;
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS; !live;) {
        ck_assert_msg (tw_clock_mono_ms () < deadline, "events never reached a client");
        char *type = s_unpriced_open (client);
        live = streq (type, "order_rejected");
        free (type);
    }
    tw_wsclient_destroy (&client);
}

//  ---------------------------------------------------------------------
//  Tests.

START_TEST (test_http_and_auth)
{
    static char body[262144];
    ck_assert_int_eq (tw_http_get (fx.port, "/", body, sizeof body, FRAME_MS), 200);
    ck_assert_ptr_nonnull (strstr (body, "<title>tradewire</title>"));
    ck_assert_ptr_nonnull (strstr (body, "new WebSocket("));
    //  The charting library is in the page (libjs-dygraphs, at build time).
    ck_assert_ptr_nonnull (strstr (body, "dygraphs"));
    ck_assert_ptr_null (strstr (body, "@DYGRAPH_JS@"));
    //  Self-contained: nothing fetched from elsewhere.
    ck_assert_ptr_null (strstr (body, "src=\"http"));
    ck_assert_ptr_null (strstr (body, "href=\"http"));
    ck_assert_int_eq (tw_http_get (fx.port, "/nope", NULL, 0, FRAME_MS), 404);

    //  Refused before the upgrade: no token, wrong token (header, query).
    char wrong[40], path[96];
    snprintf (wrong, sizeof wrong, "%sx", fx.token);
    ck_assert_int_eq (s_refused ("/ws", NULL), 401);
    ck_assert_int_eq (s_refused ("/ws", wrong), 401);
    snprintf (path, sizeof path, "/ws?token=%s", wrong);
    ck_assert_int_eq (s_refused (path, NULL), 401);
    ck_assert_int_eq (s_refused ("/ws?token=", NULL), 401);
    //  The right token at the wrong path.
    snprintf (path, sizeof path, "/other?token=%s", fx.token);
    ck_assert_int_eq (s_refused (path, NULL), 404);
    //  Refusals are HTTP/1.1 status lines, which WebSocket clients report
    //  as the status (an HTTP/1.0 line is "not a valid HTTP response").
    ck_assert_str_eq (s_status_line ("/ws"), "HTTP/1.1 401 Unauthorized");
    ck_assert_str_eq (s_status_line (path), "HTTP/1.1 404 Not Found");

    //  The right token, in the header and in the query: a snapshot first.
    tw_wsclient_t *by_header = s_connect_ok ();
    int status;
    snprintf (path, sizeof path, "/ws?token=%s", fx.token);
    tw_wsclient_t *by_query = s_connect (path, NULL, &status);
    ck_assert_int_eq (status, 101);
    tw_wsclient_t *clients[] = {by_header, by_query};
    for (int i = 0; i < 2; i++) {
        char *text = NULL;
        ck_assert_int_eq (tw_wsclient_recv (clients[i], FRAME_MS, &text, NULL), 1);
        cJSON *doc = cJSON_Parse (text);
        ck_assert_str_eq (s_str (doc, "type"), "snapshot");
        ck_assert (cJSON_IsArray (cJSON_GetObjectItemCaseSensitive (doc, "positions")));
        ck_assert_int_eq (cJSON_GetArraySize (cJSON_GetObjectItemCaseSensitive (doc, "positions")),
                          0);
        s_num (doc, "seq");
        cJSON_Delete (doc);
        free (text);
        //  ...then a heartbeat every second.
        cJSON_Delete (s_expect (clients[i], "heartbeat", FRAME_MS));
    }
    ck_assert (s_counter_is (fx.control, "clients", 2));
    //  The watch on the risk-monitor is off here: no counter, and a line
    //  that says nothing watches it.
    ck_assert_int_eq (s_counter (fx.control, "risk_watched"), -1);
    ck_assert (tw_file_contains (fx.notifier_log, "the risk-monitor is not watched"));
    //  Four refusals above, and the raw status-line check's one.
    ck_assert_int_eq (s_counter (fx.control, "auth_refused"), 5);
    ck_assert (
        tw_file_contains (fx.notifier_log, "client refused peer=127.0.0.1 reason=\"no token\""));
    tw_wsclient_destroy (&by_header);
    tw_wsclient_destroy (&by_query);
    ck_assert (s_counter_is (fx.control, "clients", 0));
}
END_TEST

//  The warning frame named name, skipping other frames; the caller
//  deletes it.
static cJSON *
s_expect_warning (tw_wsclient_t *client, const char *name)
{
    return nt_testws_expect_warning (client, name, WAIT_MS);
}

//  The names of the warnings of a new client's snapshot, joined by ','.
static void
s_snapshot_warnings (char *names, size_t size)
{
    tw_wsclient_t *client = s_connect_ok ();
    nt_testws_snapshot_warnings (client, FRAME_MS, names, size);
    tw_wsclient_destroy (&client);
}

//  Issue 8: the real risk-monitor finds the feed of an open position's
//  symbol stale, tells the gateway (feed_report), the gateway publishes
//  feed_stale, and the notifier turns it into a warning for every client,
//  kept in the snapshot of a client that connects later; the next tick
//  ends it.
START_TEST (test_feed_stale_warning)
{
    const char *risk_control = tw_fixture_endpoint (fx.base, "TW_ENDPOINTS_RISK_CONTROL");
    ck_assert_ptr_nonnull (risk_control);
    tw_fixture_set (fx.base, "TW_RISK_STALE_FEED_MS", "%d", STALE_FEED_MS);
    ck_assert_int_eq (tw_fixture_start (fx.base, RISK, getenv ("RISK_MONITOR"), NULL), 0);
    ck_assert_int_eq (
        tw_fixture_wait_pong (fx.base, RISK, risk_control, TW_MSG_PING, "synced", 1, WAIT_MS), 0);
    tw_wsclient_t *client = s_connect_ok ();
    cJSON_Delete (s_expect (client, "snapshot", FRAME_MS));
    cJSON_Delete (s_open (client));
    //  No tick from now on: stale after STALE_FEED_MS.
    cJSON *warning = s_expect_warning (client, "feed_stale:" SYMBOL);
    ck_assert (cJSON_IsTrue (cJSON_GetObjectItemCaseSensitive (warning, "active")));
    ck_assert_ptr_nonnull (strstr (s_str (warning, "text"), SYMBOL));
    cJSON_Delete (warning);
    ck_assert (tw_file_contains (fx.gateway_log, "feed_stale symbol=" SYMBOL " stale=true"));
    ck_assert (
        tw_file_contains (fx.notifier_log, "warning name=feed_stale:" SYMBOL " active=true"));
    char names[256];
    s_snapshot_warnings (names, sizeof names);
    ck_assert_str_eq (names, "feed_stale:" SYMBOL);
    //  A tick: the warning ends, for this client and for the next one.
    s_tick (SYMBOL);
    warning = s_expect_warning (client, "feed_stale:" SYMBOL);
    ck_assert (cJSON_IsFalse (cJSON_GetObjectItemCaseSensitive (warning, "active")));
    cJSON_Delete (warning);
    s_snapshot_warnings (names, sizeof names);
    ck_assert_str_eq (names, "");
    //  Stale again, then the position closes: the warning ends with it.
    warning = s_expect_warning (client, "feed_stale:" SYMBOL);
    ck_assert (cJSON_IsTrue (cJSON_GetObjectItemCaseSensitive (warning, "active")));
    cJSON_Delete (warning);
    tw_msg_t close, reply;
    tw_cmd_close (&close, POS_ID, TW_REASON_MANUAL_CLOSE, NULL, WAIT_MS);
    ck_assert_int_eq (tw_cmd_request (fx.gateway_client, &close, &reply), 0);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_ACCEPTED);
    warning = s_expect_warning (client, "feed_stale:" SYMBOL);
    ck_assert (cJSON_IsFalse (cJSON_GetObjectItemCaseSensitive (warning, "active")));
    cJSON_Delete (warning);
    s_snapshot_warnings (names, sizeof names);
    ck_assert_str_eq (names, "");
    tw_wsclient_destroy (&client);
    ck_assert_int_eq (tw_fixture_stop (fx.base, RISK, SIGTERM, STOP_MS), 0);
}
END_TEST

//  Issue 8: a client's flatten frame becomes the gateway's flatten (Kill
//  Switch): the client gets its ack, every client sees the position closed
//  and the gateway halted, and the gateway refuses opens.
START_TEST (test_flatten_halts_the_gateway)
{
    tw_wsclient_t *client = s_connect_ok ();
    cJSON *snapshot = s_expect (client, "snapshot", FRAME_MS);
    ck_assert_str_eq (s_str (snapshot, "trading_state"), "active");
    cJSON_Delete (snapshot);
    cJSON_Delete (s_open (client));
    s_send_text (client, "{\"type\":\"flatten\"}");
    cJSON *ack = NULL, *state = NULL, *closed = NULL;
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS; !ack || !state || !closed;) {
        int64_t left = deadline - tw_clock_mono_ms ();
        ck_assert_msg (left > 0, "ack=%d trading_state=%d closed=%d", !!ack, !!state, !!closed);
        s_tick (SYMBOL); //  the paper broker exits at the last price
        char *text = NULL;
        int rc = tw_wsclient_recv (client, (int) (left < POLL_MS ? left : POLL_MS), &text, NULL);
        ck_assert_int_ge (rc, 0);
        if (rc == 0)
            continue;
        cJSON *doc = cJSON_Parse (text);
        free (text);
        const char *type = s_str (doc, "type");
        cJSON **slot = streq (type, "ack")               ? &ack
                       : streq (type, "trading_state")   ? &state
                       : streq (type, "position_closed") ? &closed
                                                         : NULL;
        if (slot && !*slot)
            *slot = doc;
        else
            cJSON_Delete (doc);
    }
    ck_assert_str_eq (s_str (ack, "request"), "flatten");
    ck_assert_str_eq (s_str (ack, "status"), "accepted");
    ck_assert_str_eq (s_str (state, "trading_state"), "halted");
    ck_assert_str_eq (s_str (state, "reason"), "flatten (Kill Switch)");
    ck_assert_str_eq (s_str (closed, "id"), POS_ID);
    ck_assert_str_eq (s_str (closed, "reason"), "Kill Switch");
    cJSON_Delete (ack);
    cJSON_Delete (state);
    cJSON_Delete (closed);
    ck_assert (tw_file_contains (fx.notifier_log, "forward flatten sent"));
    //  The gateway is halted: it says so, and refuses an open.
    tw_msg_t pong;
    memset (&pong, 0, sizeof pong);
    ck_assert_int_eq (tw_cmd_ask (fx.rep, TW_MSG_STATUS, CLIENT_TIMEOUT_MS, 3, &pong), 0);
    ck_assert_int_eq (pong.u.pong.trading_state, TW_TRADING_HALTED);
    tw_msg_t request, reply;
    tw_cmd_open (&request, SYMBOL, TW_SIDE_LONG, 1, 0, 0, WAIT_MS);
    ck_assert_int_eq (tw_cmd_request (fx.gateway_client, &request, &reply), 0);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_REJECTED);
    ck_assert_ptr_nonnull (strstr (reply.u.ack.error, "halted"));
    //  A client that connects now sees it in its snapshot, and the
    //  heartbeat carries it.
    tw_wsclient_t *later = s_connect_ok ();
    snapshot = s_expect (later, "snapshot", FRAME_MS);
    ck_assert_str_eq (s_str (snapshot, "trading_state"), "halted");
    cJSON_Delete (snapshot);
    cJSON *heartbeat = s_expect (later, "heartbeat", FRAME_MS);
    ck_assert_str_eq (s_str (heartbeat, "trading_state"), "halted");
    cJSON_Delete (heartbeat);
    tw_wsclient_destroy (&later);
    tw_wsclient_destroy (&client);
}
END_TEST

START_TEST (test_events_and_manual_close)
{
    tw_wsclient_t *client = s_connect_ok ();
    cJSON *snapshot = s_expect (client, "snapshot", FRAME_MS);
    double seq = s_num (snapshot, "seq");
    cJSON_Delete (snapshot);

    cJSON *opened = s_open (client);
    ck_assert_str_eq (s_str (opened, "id"), POS_ID);
    ck_assert_str_eq (s_str (opened, "symbol"), SYMBOL);
    ck_assert_str_eq (s_str (opened, "side"), "long");
    ck_assert_str_eq (s_str (opened, "state"), "open");
    ck_assert_double_eq (s_num (opened, "qty"), 10);
    ck_assert_double_eq (s_num (opened, "entry_price"), TICK_PRICE);
    ck_assert_double_eq (s_num (opened, "sl"), 590);
    ck_assert_double_eq (s_num (opened, "tp"), 615);
    ck_assert (s_num (opened, "seq") > seq);
    seq = s_num (opened, "seq");
    cJSON_Delete (opened);

    //  A manual close: an ack (the gateway's reply) and the events
    //  position_closing and position_closed, one seq apart. The ack and the
    //  events come by different paths, so their order is not fixed.
    s_send_text (client, "{\"type\":\"close\",\"id\":\"" POS_ID "\"}");
    cJSON *ack = NULL, *closing = NULL, *closed = NULL;
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS; !ack || !closed;) {
        int64_t left = deadline - tw_clock_mono_ms ();
        ck_assert_msg (left > 0, "ack=%d closing=%d closed=%d", !!ack, !!closing, !!closed);
        char *text = NULL;
        int rc = tw_wsclient_recv (client, (int) left, &text, NULL);
        ck_assert_int_ge (rc, 0);
        if (rc == 0)
            continue;
        cJSON *doc = cJSON_Parse (text);
        free (text);
        const char *type = s_str (doc, "type");
        cJSON **slot = streq (type, "ack")                ? &ack
                       : streq (type, "position_closing") ? &closing
                       : streq (type, "position_closed")  ? &closed
                                                          : NULL;
        if (slot && !*slot) {
            //  closing comes before closed.
            ck_assert (slot != &closed || closing);
            *slot = doc;
        }
        else
            cJSON_Delete (doc);
    }
    ck_assert_str_eq (s_str (ack, "status"), "accepted");
    ck_assert_str_eq (s_str (ack, "id"), POS_ID);
    cJSON_Delete (ack);
    ck_assert_str_eq (s_str (closing, "reason"), "Manual Close");
    ck_assert_str_eq (s_str (closing, "state"), "closing");
    ck_assert_double_eq (s_num (closing, "seq"), seq + 1);
    cJSON_Delete (closing);
    ck_assert_str_eq (s_str (closed, "id"), POS_ID);
    ck_assert_str_eq (s_str (closed, "symbol"), SYMBOL);
    ck_assert_str_eq (s_str (closed, "reason"), "Manual Close");
    ck_assert_double_eq (s_num (closed, "exit_price"), TICK_PRICE);
    ck_assert_double_eq (s_num (closed, "pnl"), 0);
    ck_assert_double_eq (s_num (closed, "attempts"), 1);
    ck_assert_double_eq (s_num (closed, "seq"), seq + 2);
    cJSON_Delete (closed);
    ck_assert (tw_file_wait_contains (fx.gateway_log, "reason=\"Manual Close\"", WAIT_MS));
    ck_assert_int_eq (s_counter (fx.control, "closes_forwarded"), 1);
    //  The position_closed alert went to a Telegram that is not there.
    int64_t failed = -1;
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS; failed < 1;) {
        ck_assert_msg (tw_clock_mono_ms () < deadline, "no failed alert counted");
        failed = s_counter (fx.control, "alerts_failed");
        if (failed < 1)
            zclock_sleep (20);
    }
    ck_assert (tw_file_wait_contains (fx.notifier_log, "alerts telegram failed", WAIT_MS));

    //  The journal frame (the gateway's history and pnl) shows the trade.
    bool journaled = false;
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS; !journaled;) {
        int64_t left = deadline - tw_clock_mono_ms ();
        ck_assert_msg (left > 0, "no journal frame with the closed trade");
        cJSON *journal = s_expect (client, "journal", (int) left);
        cJSON *trades = cJSON_GetObjectItemCaseSensitive (journal, "trades");
        cJSON *trade = cJSON_GetArrayItem (trades, cJSON_GetArraySize (trades) - 1);
        if (trade && streq (s_str (trade, "id"), POS_ID)) {
            journaled = true;
            ck_assert_str_eq (s_str (trade, "reason"), "Manual Close");
            ck_assert_double_eq (s_num (trade, "exit_price"), TICK_PRICE);
            ck_assert_double_eq (s_num (trade, "pnl"), 0);
            ck_assert (s_num (trade, "closed_at") >= s_num (trade, "opened_at"));
            cJSON *sums = cJSON_GetObjectItemCaseSensitive (journal, "pnl");
            ck_assert (s_num (sums, "trades") >= 1);
            ck_assert_int_eq ((int) strlen (s_str (journal, "day")), 10);
        }
        cJSON_Delete (journal);
    }

    //  Closing it again: already done, nothing sent to the broker.
    s_send_text (client, "{\"type\":\"close\",\"id\":\"" POS_ID "\"}");
    ack = s_expect (client, "ack", FRAME_MS);
    ck_assert_str_eq (s_str (ack, "status"), "duplicate");
    cJSON_Delete (ack);

    //  Malformed frames: an error frame each, and the connection stays.
    const char *bad[] = {"not json", "{\"type\":\"open\"}", "{\"type\":\"close\"}",
                         "{\"type\":\"close\",\"id\":\"has space\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_send_text (client, bad[i]);
        cJSON *error = s_expect (client, "error", FRAME_MS);
        ck_assert_str_ne (s_str (error, "error"), "");
        cJSON_Delete (error);
    }
    ck_assert_int_eq (tw_wsclient_send (client, "\x01\x02", 2, true), 0);
    cJSON *error = s_expect (client, "error", FRAME_MS);
    ck_assert_ptr_nonnull (strstr (s_str (error, "error"), "binary"));
    cJSON_Delete (error);
    static char oversize[20000];
    memset (oversize, ' ', sizeof oversize);
    ck_assert_int_eq (tw_wsclient_send (client, oversize, sizeof oversize, false), 0);
    error = s_expect (client, "error", FRAME_MS);
    ck_assert_ptr_nonnull (strstr (s_str (error, "error"), "larger than"));
    cJSON_Delete (error);
    //  An unknown position: the gateway's refusal comes back as an ack.
    s_send_text (client, "{\"type\":\"close\",\"id\":\"NSE:NOPE-EQ-INTRADAY\"}");
    ack = s_expect (client, "ack", FRAME_MS);
    ck_assert_str_eq (s_str (ack, "status"), "rejected");
    ck_assert_str_ne (s_str (ack, "error"), "");
    cJSON_Delete (ack);
    cJSON_Delete (s_expect (client, "heartbeat", FRAME_MS));
    tw_wsclient_destroy (&client);
}
END_TEST

//  The marks (docs/design.md §7): a position carries the last tick's price
//  and its unrealised P&L, in marks frames at most every 250 ms and in the
//  snapshot; a client that connects later gets the snapshot, then the
//  recent events; the snapshot is made once per change, not per client.
#define MARK_PRICE 603.25
#define MARKS_PERIOD_MS 250
#define LATE_CLIENTS 5

static cJSON *
s_mark_of (cJSON *marks, const char *id)
{
    cJSON *item;
    cJSON_ArrayForEach (item, cJSON_GetObjectItemCaseSensitive (marks, "marks")) {
        if (streq (s_str (item, "id"), id))
            return item;
    }
    return NULL;
}

START_TEST (test_marks_and_recent)
{
    tw_wsclient_t *client = s_connect_ok ();
    cJSON_Delete (s_expect (client, "snapshot", FRAME_MS));
    cJSON_Delete (s_open (client));
    //  Ticks at a new price until a marks frame shows it.
    int64_t started = tw_clock_mono_ms ();
    int marks_frames = 0;
    cJSON *mark = NULL, *marks = NULL;
    while (!mark) {
        ck_assert_msg (tw_clock_mono_ms () - started < WAIT_MS, "no mark at %.2f", MARK_PRICE);
        for (int i = 0; i < 10; i++)
            ck_assert_int_eq (tw_cmd_tick (fx.feed, SYMBOL, MARK_PRICE), 0);
        char *text = NULL;
        int rc = tw_wsclient_recv (client, 50, &text, NULL);
        ck_assert_int_ge (rc, 0);
        if (rc == 0)
            continue;
        cJSON *doc = cJSON_Parse (text);
        free (text);
        if (streq (s_str (doc, "type"), "marks")) {
            marks_frames++;
            cJSON *item = s_mark_of (doc, POS_ID);
            if (item && s_num (item, "ltp") == MARK_PRICE) {
                mark = item;
                marks = doc;
                continue;
            }
        }
        cJSON_Delete (doc);
    }
    ck_assert_str_eq (s_str (mark, "symbol"), SYMBOL);
    ck_assert_double_eq (s_num (mark, "unrealized_pnl"), 32.5); //  10 × 3.25
    ck_assert (s_num (mark, "ltp_age_ms") >= 0);
    cJSON_Delete (marks);
    //  Throttled: far fewer frames than ticks, at most one per period.
    int64_t elapsed = tw_clock_mono_ms () - started;
    ck_assert_msg (marks_frames <= elapsed / MARKS_PERIOD_MS + 2, "%d marks frames in %lld ms",
                   marks_frames, (long long) elapsed);
    tw_wsclient_destroy (&client);

    //  Late clients: the snapshot carries the mark, then the recent events
    //  (the open among them); with no change in between, the welcome is
    //  made once for all of them.
    int64_t built = s_counter (fx.control, "welcomes_built");
    tw_wsclient_t *late[LATE_CLIENTS];
    for (int i = 0; i < LATE_CLIENTS; i++) {
        late[i] = s_connect_ok ();
        cJSON *snapshot = s_expect (late[i], "snapshot", FRAME_MS);
        cJSON *pos =
            cJSON_GetArrayItem (cJSON_GetObjectItemCaseSensitive (snapshot, "positions"), 0);
        ck_assert_ptr_nonnull (pos);
        ck_assert_str_eq (s_str (pos, "id"), POS_ID);
        ck_assert_double_eq (s_num (pos, "ltp"), MARK_PRICE);
        ck_assert_double_eq (s_num (pos, "unrealized_pnl"), 32.5);
        ck_assert (s_num (pos, "ltp_age_ms") >= 0);
        ck_assert_str_eq (s_str (pos, "last_error"), "");
        cJSON_Delete (snapshot);
        cJSON *recent = s_expect (late[i], "recent", FRAME_MS);
        bool opened = false;
        cJSON *event;
        cJSON_ArrayForEach (event, cJSON_GetObjectItemCaseSensitive (recent, "events")) {
            opened = opened
                     || (streq (s_str (event, "type"), "position_opened")
                         && streq (s_str (event, "id"), POS_ID));
        }
        ck_assert_msg (opened, "no position_opened among the recent events");
        cJSON_Delete (recent);
    }
    ck_assert_int_le (s_counter (fx.control, "welcomes_built") - built, 1);
    for (int i = 0; i < LATE_CLIENTS; i++)
        tw_wsclient_destroy (&late[i]);
}
END_TEST

START_TEST (test_restart_gives_fresh_snapshot)
{
    tw_wsclient_t *client = s_connect_ok ();
    cJSON_Delete (s_expect (client, "snapshot", FRAME_MS));
    cJSON_Delete (s_open (client));
    //  The notifier stops cleanly within 2 s (docs/design.md §5), with a client
    //  connected; its clients see the connection end.
    int64_t stop_start = tw_clock_mono_ms ();
    ck_assert_int_eq (tw_fixture_stop (fx.base, NOTIFIER, SIGTERM, STOP_MS), 0);
    ck_assert_int_lt (tw_clock_mono_ms () - stop_start, STOP_WITHIN_MS);
    char *text = NULL;
    int rc;
    while ((rc = tw_wsclient_recv (client, FRAME_MS, &text, NULL)) == 1)
        free (text);
    ck_assert_int_eq (rc, -1);
    tw_wsclient_destroy (&client);

    s_start_notifier (NOTIFIER, NULL);
    int status = -1;
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
         status != 101 && tw_clock_mono_ms () < deadline;) {
        client = s_connect ("/ws", fx.token, &status);
        if (status != 101) {
            tw_wsclient_destroy (&client);
            zclock_sleep (20); //  pacing a bounded poll until it listens
        }
    }
    ck_assert_int_eq (status, 101);
    cJSON *snapshot = s_expect (client, "snapshot", WAIT_MS);
    cJSON *positions = cJSON_GetObjectItemCaseSensitive (snapshot, "positions");
    ck_assert_int_eq (cJSON_GetArraySize (positions), 1);
    cJSON *pos = cJSON_GetArrayItem (positions, 0);
    ck_assert_str_eq (s_str (pos, "id"), POS_ID);
    ck_assert_str_eq (s_str (pos, "state"), "open");
    ck_assert_double_eq (s_num (pos, "entry_price"), TICK_PRICE);
    cJSON_Delete (snapshot);
    tw_wsclient_destroy (&client);
}
END_TEST

START_TEST (test_gateway_restart_gives_fresh_snapshot)
{
    tw_wsclient_t *client = s_connect_ok ();
    cJSON *snapshot = s_expect (client, "snapshot", FRAME_MS);
    char epoch[32];
    snprintf (epoch, sizeof epoch, "%s", s_str (snapshot, "epoch"));
    cJSON_Delete (snapshot);
    cJSON_Delete (s_open (client));
    //  A new gateway run has a new epoch: the notifier resyncs and every
    //  client gets the new state as a snapshot, the position still in it.
    ck_assert_int_eq (tw_fixture_stop (fx.base, GATEWAY, SIGTERM, STOP_MS), 0);
    s_start_gateway ();
    snapshot = s_expect (client, "snapshot", WAIT_MS);
    ck_assert_str_ne (s_str (snapshot, "epoch"), epoch);
    cJSON *positions = cJSON_GetObjectItemCaseSensitive (snapshot, "positions");
    ck_assert_int_eq (cJSON_GetArraySize (positions), 1);
    ck_assert_str_eq (s_str (cJSON_GetArrayItem (positions, 0), "id"), POS_ID);
    cJSON_Delete (snapshot);
    tw_wsclient_destroy (&client);
}
END_TEST

//  Sets the stop-loss of the position to sl (a position_updated event).
static void
s_modify (double sl)
{
    tw_msg_t request, reply;
    tw_msg_init (&request, TW_MSG_MODIFY);
    strcpy (request.u.modify.id, POS_ID);
    request.u.modify.has_sl = true;
    request.u.modify.sl = sl;
    ck_assert_int_eq (tw_cmd_request (fx.gateway_client, &request, &reply), 0);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_ACCEPTED);
}

START_TEST (test_slow_client_does_not_stall_others)
{
    tw_wsclient_t *fast = s_connect_ok ();
    cJSON_Delete (s_expect (fast, "snapshot", FRAME_MS));
    cJSON_Delete (s_open (fast));
    //  A client that never reads, with a small receive buffer.
    int status;
    tw_wsclient_opts_t opts = {
        .path = "/ws", .bearer = fx.token, .rcvbuf = SLOW_RCVBUF, .timeout_ms = FRAME_MS};
    tw_wsclient_t *slow = tw_wsclient_connect (fx.port, &opts, &status);
    ck_assert_int_eq (status, 101);
    ck_assert (s_counter_is (fx.control, "clients", 2));

    //  Events until the slow client is dropped; the fast one reads all along.
    int sent = 0;
    double sl = 0;
    bool dropped = false;
    int64_t deadline = tw_clock_mono_ms () + 4 * WAIT_MS;
    while (!dropped && sent < SLOW_MAX_MODIFIES && tw_clock_mono_ms () < deadline) {
        sl = 500 + (sent % 50);
        s_modify (sl);
        sent++;
        char *text = NULL;
        while (tw_wsclient_recv (fast, 0, &text, NULL) == 1)
            free (text);
        dropped = s_counter (fx.control, "clients_dropped") == 1;
    }
    ck_assert_msg (dropped, "slow client not dropped after %d events", sent);
    int64_t dropped_ms = tw_clock_mono_ms ();
    //  The slow client now reads: what was sent before the drop, then the
    //  end. The server waits a second or more for it to take a close frame
    //  with 1008; if this test was slower than that (a loaded machine), the
    //  connection simply ends.
    char *text = NULL;
    int rc, code = 0;
    while ((rc = tw_wsclient_recv (slow, WAIT_MS, &text, &code)) == 1)
        free (text);
    ck_assert_int_eq (rc, -1);
    if (tw_clock_mono_ms () - dropped_ms < DROP_GRACE_MS)
        ck_assert_int_eq (code, 1008);
    tw_wsclient_destroy (&slow);
    ck_assert (tw_file_wait_contains (fx.notifier_log, "client dropped id=", WAIT_MS));
    //  The fast client is current: it sees the next event promptly.
    s_modify (sl + 1000);
    bool current = false;
    while (!current) {
        cJSON *updated = s_expect (fast, "position_updated", FRAME_MS);
        current = s_num (updated, "sl") == sl + 1000;
        cJSON_Delete (updated);
    }
    ck_assert (s_counter_is (fx.control, "clients", 1));
    ck_assert_int_eq (s_counter (fx.control, "clients_dropped"), 1);
    tw_wsclient_destroy (&fast);
}
END_TEST

//  Reads what client has, without waiting, counting position_closed frames.
static void
s_drain (tw_wsclient_t *client, int *closed)
{
    char *text = NULL;
    while (tw_wsclient_recv (client, 0, &text, NULL) == 1) {
        if (closed && strstr (text, "\"type\":\"position_closed\""))
            (*closed)++;
        free (text);
    }
}

START_TEST (test_burst_reaches_every_client)
{
    //  Two clients that read, with queues of QUEUE_MAX frames, and a kill
    //  switch that closes BURST positions at once: 2 * BURST events, more
    //  than a queue holds, reach both, and neither is dropped.
    tw_wsclient_t *first = s_connect_ok (), *second = s_connect_ok ();
    cJSON_Delete (s_expect (first, "snapshot", FRAME_MS));
    cJSON_Delete (s_expect (second, "snapshot", FRAME_MS));
    for (int i = 0; i < BURST; i++) {
        char symbol[TW_SYMBOL_MAX];
        snprintf (symbol, sizeof symbol, "NSE:T%02d-EQ", i);
        cJSON_Delete (s_open_symbol (first, symbol));
        s_drain (second, NULL);
    }
    tw_msg_t request, reply;
    tw_msg_init (&request, TW_MSG_FLATTEN);
    ck_assert_int_eq (tw_cmd_request (fx.gateway_client, &request, &reply), 0);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_ACCEPTED);
    int closed[2] = {0, 0};
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
         closed[0] < BURST || closed[1] < BURST;) {
        ck_assert_msg (tw_clock_mono_ms () < deadline, "closed frames: %d and %d of %d", closed[0],
                       closed[1], BURST);
        s_drain (first, &closed[0]);
        s_drain (second, &closed[1]);
        zclock_sleep (1); //  pacing a bounded poll
    }
    ck_assert_int_eq (s_counter (fx.control, "clients_dropped"), 0);
    ck_assert_int_eq (s_counter (fx.control, "clients"), 2);
    tw_wsclient_destroy (&first);
    tw_wsclient_destroy (&second);
}
END_TEST

START_TEST (test_token_rules)
{
    //  No token and no allow_anonymous: refuses to start in one line that
    //  names the variable, exit 2 (a configuration error).
    char listen[64], control[64];
    snprintf (listen, sizeof listen, "TW_NOTIFIER_LISTEN=127.0.0.1:%d", tw_free_port ());
    snprintf (control, sizeof control, "TW_ENDPOINTS_NOTIFIER_CONTROL=tcp://127.0.0.1:%d",
              tw_free_port ());
    const char *no_token[] = {"TW_NOTIFIER_TOKEN=", listen, control, NULL};
    s_start_notifier ("refused", no_token);
    ck_assert (tw_file_wait_contains (tw_fixture_log (fx.base, "refused"),
                                      "ERROR notifier no token: set TW_NOTIFIER_TOKEN", WAIT_MS));
    ck_assert_int_eq (tw_fixture_stop (fx.base, "refused", 0, WAIT_MS), 2);
    ck_assert (!tw_file_contains (tw_fixture_log (fx.base, "refused"), "service actor ended"));

    //  Anonymous: anyone watches, nobody closes.
    int port = tw_free_port ();
    snprintf (listen, sizeof listen, "TW_NOTIFIER_LISTEN=127.0.0.1:%d", port);
    const char *anonymous[] = {"TW_NOTIFIER_TOKEN=", "TW_NOTIFIER_ALLOW_ANONYMOUS=true", listen,
                               control, NULL};
    s_start_notifier ("anonymous", anonymous);
    ck_assert (
        tw_file_wait_contains (tw_fixture_log (fx.base, "anonymous"), "clone synced", WAIT_MS));
    tw_wsclient_opts_t opts = {.path = "/ws", .timeout_ms = FRAME_MS};
    int status;
    tw_wsclient_t *client = tw_wsclient_connect (port, &opts, &status);
    ck_assert_int_eq (status, 101);
    cJSON_Delete (s_expect (client, "snapshot", FRAME_MS));
    s_send_text (client, "{\"type\":\"close\",\"id\":\"" POS_ID "\"}");
    cJSON *ack = s_expect (client, "ack", FRAME_MS);
    ck_assert_str_eq (s_str (ack, "status"), "rejected");
    ck_assert_str_eq (s_str (ack, "request"), "close");
    ck_assert_ptr_nonnull (strstr (s_str (ack, "error"), "needs the token"));
    cJSON_Delete (ack);
    //  Nor flattens: the gateway never hears of it.
    s_send_text (client, "{\"type\":\"flatten\"}");
    ack = s_expect (client, "ack", FRAME_MS);
    ck_assert_str_eq (s_str (ack, "request"), "flatten");
    ck_assert_str_eq (s_str (ack, "status"), "rejected");
    ck_assert_ptr_nonnull (strstr (s_str (ack, "error"), "flattening needs the token"));
    cJSON_Delete (ack);
    ck_assert (!tw_file_contains (fx.gateway_log, "flatten reason="));
    tw_wsclient_destroy (&client);
    ck_assert_int_eq (tw_fixture_stop (fx.base, "anonymous", SIGTERM, STOP_MS), 0);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("notifier");
    TCase *tc = tcase_create ("stack");
    tcase_set_timeout (tc, 90);
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, test_http_and_auth);
    tcase_add_test (tc, test_events_and_manual_close);
    tcase_add_test (tc, test_feed_stale_warning);
    tcase_add_test (tc, test_flatten_halts_the_gateway);
    tcase_add_test (tc, test_marks_and_recent);
    tcase_add_test (tc, test_restart_gives_fresh_snapshot);
    tcase_add_test (tc, test_gateway_restart_gives_fresh_snapshot);
    tcase_add_test (tc, test_slow_client_does_not_stall_others);
    tcase_add_test (tc, test_burst_reaches_every_client);
    tcase_add_test (tc, test_token_rules);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
