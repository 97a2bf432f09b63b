//  The dashboard in a real browser: the real notifier and gateway (paper
//  broker) over loopback, with two trades closed and two positions open
//  (the test plays the market feed), and Debian's chromium, headless,
//  driven over the DevTools protocol (CDP) by this test: a WebSocket to the
//  page's target (tw_wsclient), Runtime.evaluate to read what a person
//  would see and to press a button, Page.captureScreenshot for the picture
//  (written to $SCREENSHOT, under the build folder).
//
//  It checks: the positions with their last price and unrealised P&L (a
//  loss in red), the day's totals as the gateway counts them, the journal's
//  rows, the equity curve drawn (dygraphs' canvas), the warning in red that
//  no risk-monitor watches the stops (none runs here), that the Close
//  button of a position reaches the gateway as a Manual Close, and that
//  Flatten asks first and then halts the gateway, which the page shows.

#include <arpa/inet.h>
#include <check.h>
#include <cjson/cJSON.h>
#include <czmq.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tw_client.h"
#include "tw_clock.h"
#include "tw_cmd.h"
#include "tw_fixture.h"
#include "tw_proc.h"
#include "tw_sock.h"
#include "tw_wsclient.h"

#define WAIT_MS 30000 //  a browser on a busy machine starts slowly
#define POLL_MS 50
#define STOP_MS 5000
#define CLIENT_TIMEOUT_MS 2000
#define GATEWAY "order-gateway"
#define NOTIFIER "notifier"
#define CDP_REPLY_MAX 64
#define SBIN "NSE:SBIN-EQ"
#define INFY "NSE:INFY-EQ"
#define RELI "NSE:RELIANCE-EQ"
#define SBIN_ID "NSE:SBIN-EQ-INTRADAY"
#define INFY_ID "NSE:INFY-EQ-INTRADAY"
#define RELI_ID "NSE:RELIANCE-EQ-INTRADAY"
#define QTY 10
//  The notifier's [notifier] risk_watch_interval_ms: the warning soon.
#define RISK_WATCH_MS 200

static struct {
    tw_fixture_t *base;
    char token[33];
    int port;
    const char *rep;
    zsock_t *feed;
    tw_client_t *gateway;
    tw_proc_t *browser;
    char browser_dir[512];
    tw_wsclient_t *cdp;
    int next_id;
    //  The market, as the test publishes it.
    double sbin, infy, reli;
} fx;

//  ---------------------------------------------------------------------
//  The market and the gateway.

static void
s_ticks (void)
{
    ck_assert_int_eq (tw_cmd_tick (fx.feed, SBIN, fx.sbin), 0);
    ck_assert_int_eq (tw_cmd_tick (fx.feed, INFY, fx.infy), 0);
    ck_assert_int_eq (tw_cmd_tick (fx.feed, RELI, fx.reli), 0);
}

//  True when the gateway holds position id (open or closing).
static bool
s_has_position (const char *id)
{
    tw_msg_t request, reply;
    tw_msg_init (&request, TW_MSG_SNAPSHOT);
    memset (&reply, 0, sizeof reply);
    ck_assert_int_eq (tw_cmd_request (fx.gateway, &request, &reply), 0);
    bool found = false;
    for (size_t i = 0; i < reply.u.snapshot.count; i++)
        found = found || streq (reply.u.snapshot.positions[i].id, id);
    tw_msg_reset (&reply);
    return found;
}

//  Opens QTY of symbol long at the current price (ticking meanwhile: the
//  paper broker refuses an open before its first tick).
static void
s_open (const char *symbol, const char *id)
{
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS; !s_has_position (id);) {
        ck_assert_msg (tw_clock_mono_ms () < deadline, "%s never opened", id);
        for (int i = 0; i < 5; i++) {
            s_ticks ();
            zclock_sleep (10);
        }
        tw_msg_t request, reply;
        tw_cmd_open (&request, symbol, TW_SIDE_LONG, QTY, 0, 0, WAIT_MS);
        memset (&reply, 0, sizeof reply);
        ck_assert_int_eq (tw_cmd_request (fx.gateway, &request, &reply), 0);
        for (int64_t until = tw_clock_mono_ms () + 1000;
             tw_clock_mono_ms () < until && !s_has_position (id);)
            zclock_sleep (POLL_MS);
    }
}

//  Closes id for reason once the paper broker has had time to see the
//  current prices.
static void
s_close (const char *id, const char *reason)
{
    for (int i = 0; i < 20; i++) {
        s_ticks ();
        zclock_sleep (10);
    }
    tw_msg_t request, reply;
    tw_cmd_close (&request, id, reason, NULL, WAIT_MS);
    memset (&reply, 0, sizeof reply);
    ck_assert_int_eq (tw_cmd_request (fx.gateway, &request, &reply), 0);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_ACCEPTED);
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS; s_has_position (id);) {
        ck_assert_msg (tw_clock_mono_ms () < deadline, "%s never closed", id);
        zclock_sleep (POLL_MS);
    }
}

//  ---------------------------------------------------------------------
//  The browser, over CDP.

//  Sends method with params (a JSON object's text, or NULL) and returns the
//  reply's "result" (the caller deletes the document it belongs to, *doc).
static cJSON *
s_cdp (const char *method, const char *params, cJSON **doc)
{
    int id = ++fx.next_id;
    char *text = NULL;
    size_t size = strlen (method) + (params ? strlen (params) : 2) + 64;
    text = (char *) malloc (size);
    snprintf (text, size, "{\"id\":%d,\"method\":\"%s\",\"params\":%s}", id, method,
              params ? params : "{}");
    ck_assert_int_eq (tw_wsclient_send (fx.cdp, text, strlen (text), false), 0);
    free (text);
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS;;) {
        int64_t left = deadline - tw_clock_mono_ms ();
        ck_assert_msg (left > 0, "no reply to %s", method);
        char *message = NULL;
        int rc = tw_wsclient_recv (fx.cdp, (int) left, &message, NULL);
        ck_assert_msg (rc >= 0, "the browser closed the DevTools connection");
        if (rc == 0)
            continue;
        cJSON *reply = cJSON_Parse (message);
        free (message);
        cJSON *reply_id = cJSON_GetObjectItem (reply, "id");
        if (cJSON_IsNumber (reply_id) && reply_id->valueint == id) {
            cJSON *error = cJSON_GetObjectItem (reply, "error");
            ck_assert_msg (!error, "%s failed: %s", method,
                           cJSON_GetStringValue (cJSON_GetObjectItem (error, "message")));
            *doc = reply;
            return cJSON_GetObjectItem (reply, "result");
        }
        cJSON_Delete (reply); //  an event
    }
}

//  Evaluates expression in the page; returns its value as a new string
//  (JSON.stringify'd by the page, so any value reads the same way).
static char *
s_eval (const char *expression)
{
    cJSON *params = cJSON_CreateObject ();
    char *wrapped = NULL;
    size_t size = strlen (expression) + 64;
    wrapped = (char *) malloc (size);
    snprintf (wrapped, size, "JSON.stringify((function(){%s})())", expression);
    cJSON_AddStringToObject (params, "expression", wrapped);
    cJSON_AddTrueToObject (params, "returnByValue");
    free (wrapped);
    char *text = cJSON_PrintUnformatted (params);
    cJSON_Delete (params);
    cJSON *doc = NULL;
    cJSON *result = s_cdp ("Runtime.evaluate", text, &doc);
    free (text);
    cJSON *exception = cJSON_GetObjectItem (result, "exceptionDetails");
    ck_assert_msg (!exception, "page script failed: %s", expression);
    const char *value = cJSON_GetStringValue (
        cJSON_GetObjectItem (cJSON_GetObjectItem (result, "result"), "value"));
    char *copy = strdup (value ? value : "undefined");
    cJSON_Delete (doc);
    return copy;
}

//  Waits until the page's expression is true (ticking the market meanwhile).
static void
s_wait_true (const char *what, const char *expression)
{
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS;;) {
        char *value = s_eval (expression);
        bool done = streq (value, "true");
        free (value);
        if (done)
            return;
        ck_assert_msg (tw_clock_mono_ms () < deadline, "the page never showed %s", what);
        s_ticks ();
        zclock_sleep (POLL_MS);
    }
}

//  The text of the element matched by selector.
static char *
s_text (const char *selector)
{
    char expression[256];
    snprintf (expression, sizeof expression,
              "var e = document.querySelector('%s'); return e ? e.textContent : null;", selector);
    char *json = s_eval (expression);
    cJSON *doc = cJSON_Parse (json);
    free (json);
    char *text = strdup (cJSON_IsString (doc) ? doc->valuestring : "(none)");
    cJSON_Delete (doc);
    return text;
}

static int
s_b64 (char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

//  Writes the page as a PNG to path.
static void
s_screenshot (const char *path)
{
    cJSON *doc = NULL;
    cJSON *result = s_cdp ("Page.captureScreenshot", "{\"format\":\"png\"}", &doc);
    const char *data = cJSON_GetStringValue (cJSON_GetObjectItem (result, "data"));
    ck_assert_ptr_nonnull (data);
    size_t len = strlen (data);
    unsigned char *png = (unsigned char *) malloc (len);
    size_t out = 0;
    unsigned int bits = 0;
    int count = 0;
    for (size_t i = 0; i < len; i++) {
        int v = s_b64 (data[i]);
        if (v < 0)
            continue;
        bits = (bits << 6) | (unsigned int) v;
        count += 6;
        if (count >= 8) {
            count -= 8;
            png[out++] = (unsigned char) ((bits >> count) & 0xff);
        }
    }
    cJSON_Delete (doc);
    ck_assert_uint_gt (out, 8);
    ck_assert_int_eq (memcmp (png, "\x89PNG", 4), 0);
    FILE *file = fopen (path, "wb");
    ck_assert_msg (file != NULL, "cannot write %s", path);
    ck_assert_uint_eq (fwrite (png, 1, out, file), out);
    fclose (file);
    free (png);
    fprintf (stderr, "dashboard screenshot: %s (%zu bytes)\n", path, out);
}

//  GET path from 127.0.0.1:port over HTTP/1.1 (Chromium's DevTools server
//  answers nothing to HTTP/1.0, and keeps the connection open: the body
//  ends at its Content-Length). Returns true with the body in buf.
static bool
s_http_get (int port, const char *path, char *buf, size_t size)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge (fd, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons ((uint16_t) port)};
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    bool ok = false;
    if (connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0) {
        char request[256];
        int len =
            snprintf (request, sizeof request,
                      "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
        size_t got = 0;
        if (write (fd, request, (size_t) len) == len) {
            int64_t deadline = tw_clock_mono_ms () + 2000;
            while (got + 1 < size && tw_clock_mono_ms () < deadline) {
                struct pollfd pfd = {.fd = fd, .events = POLLIN};
                if (poll (&pfd, 1, 100) <= 0)
                    continue;
                ssize_t n = read (fd, buf + got, size - 1 - got);
                if (n <= 0)
                    break;
                got += (size_t) n;
                buf[got] = 0;
                char *body = strstr (buf, "\r\n\r\n");
                char *length = strstr (buf, "Content-Length:");
                if (body && length
                    && (size_t) (buf + got - (body + 4)) >= (size_t) atol (length + 15)) {
                    memmove (buf, body + 4, strlen (body + 4) + 1);
                    ok = strncmp (request, "GET", 3) == 0;
                    break;
                }
            }
        }
    }
    close (fd);
    return ok;
}

//  Starts chromium on about:blank with DevTools on a port of its choice,
//  and connects to its page.
static void
s_browser_start (void)
{
    snprintf (fx.browser_dir, sizeof fx.browser_dir, "%s/chromium", tw_fixture_dir (fx.base));
    char user_data[600], log[600], port_file[640];
    snprintf (user_data, sizeof user_data, "--user-data-dir=%s", fx.browser_dir);
    snprintf (log, sizeof log, "%s/chromium.log", tw_fixture_dir (fx.base));
    snprintf (port_file, sizeof port_file, "%s/DevToolsActivePort", fx.browser_dir);
    const char *chromium = getenv ("CHROMIUM");
    ck_assert_ptr_nonnull (chromium);
    const char *argv[] = {chromium,
                          "--headless",
                          "--no-sandbox",
                          "--disable-gpu",
                          "--disable-quic",
                          "--no-first-run",
                          "--disable-background-networking",
                          "--disable-component-update",
                          "--disable-sync",
                          "--hide-scrollbars",
                          "--window-size=1400,1300",
                          "--remote-debugging-port=0",
                          user_data,
                          "about:blank",
                          NULL};
    fx.browser = tw_proc_start (chromium, argv, NULL, tw_fixture_dir (fx.base), log);
    ck_assert_ptr_nonnull (fx.browser);
    //  The port chromium chose, then its page target.
    int devtools = 0;
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS; devtools <= 0;) {
        ck_assert_msg (tw_clock_mono_ms () < deadline, "chromium never opened DevTools; see %s",
                       log);
        FILE *file = fopen (port_file, "r");
        if (file) {
            if (fscanf (file, "%d", &devtools) != 1)
                devtools = 0;
            fclose (file);
        }
        if (devtools <= 0)
            zclock_sleep (POLL_MS);
    }
    static char list[65536];
    char path[256] = "";
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS; !path[0];) {
        ck_assert_msg (tw_clock_mono_ms () < deadline, "no page target in chromium");
        if (s_http_get (devtools, "/json/list", list, sizeof list)) {
            cJSON *targets = cJSON_Parse (list), *target;
            cJSON_ArrayForEach (target, targets) {
                const char *type = cJSON_GetStringValue (cJSON_GetObjectItem (target, "type"));
                const char *id = cJSON_GetStringValue (cJSON_GetObjectItem (target, "id"));
                if (type && id && streq (type, "page") && !path[0])
                    snprintf (path, sizeof path, "/devtools/page/%s", id);
            }
            cJSON_Delete (targets);
        }
        if (!path[0])
            zclock_sleep (POLL_MS);
    }
    tw_wsclient_opts_t opts = {.path = path, .timeout_ms = WAIT_MS};
    int status = 0;
    fx.cdp = tw_wsclient_connect (devtools, &opts, &status);
    ck_assert_ptr_nonnull (fx.cdp);
    ck_assert_int_eq (status, 101);
}

//  ---------------------------------------------------------------------

static void
s_setup (void)
{
    memset (&fx, 0, sizeof fx);
    fx.base = tw_fixture_new ("dashboard");
    ck_assert_ptr_nonnull (fx.base);
    snprintf (fx.token, sizeof fx.token, "%08lx%08lx", (unsigned long) random (),
              (unsigned long) tw_clock_wall_ns ());
    const char *feed = tw_fixture_endpoint (fx.base, "TW_ENDPOINTS_FEED_PUB");
    fx.rep = tw_fixture_endpoint (fx.base, "TW_ENDPOINTS_GATEWAY_REP");
    const char *pub = tw_fixture_endpoint (fx.base, "TW_ENDPOINTS_GATEWAY_PUB");
    const char *control = tw_fixture_endpoint (fx.base, "TW_ENDPOINTS_NOTIFIER_CONTROL");
    //  No risk-monitor answers there: the notifier raises risk_unwatched.
    const char *risk = tw_fixture_endpoint (fx.base, "TW_ENDPOINTS_RISK_CONTROL");
    fx.port = tw_fixture_listen (fx.base, "TW_NOTIFIER_LISTEN");
    ck_assert (feed && fx.rep && pub && control && risk && fx.port > 0);
    tw_fixture_set (fx.base, "TW_NOTIFIER_TOKEN", "%s", fx.token);
    tw_fixture_set (fx.base, "TW_NOTIFIER_RISK_WATCH_INTERVAL_MS", "%d", RISK_WATCH_MS);
    tw_fixture_set (fx.base, "TW_GATEWAY_BROKER", "paper");
    tw_fixture_set (fx.base, "TW_GATEWAY_DB", "gateway.db");
    tw_fixture_set (fx.base, "TW_GATEWAY_PAPER_DB", "paper.db");
    fx.feed = tw_sock_pub_new (feed);
    ck_assert_ptr_nonnull (fx.feed);
    ck_assert_int_eq (tw_fixture_start (fx.base, GATEWAY, getenv ("GATEWAY"), NULL), 0);
    fx.gateway = tw_client_new (fx.rep, CLIENT_TIMEOUT_MS, 3);
    ck_assert_int_eq (tw_fixture_start (fx.base, NOTIFIER, getenv ("NOTIFIER"), NULL), 0);
    ck_assert_int_eq (
        tw_fixture_wait_pong (fx.base, NOTIFIER, control, TW_MSG_PING, "synced", 1, WAIT_MS), 0);
    fx.sbin = 600;
    fx.infy = 1500;
    fx.reli = 2500;
}

static void
s_teardown (void)
{
    tw_wsclient_destroy (&fx.cdp);
    if (fx.browser)
        tw_proc_stop (&fx.browser, SIGTERM, STOP_MS);
    tw_client_destroy (&fx.gateway);
    zsock_destroy (&fx.feed);
    ck_assert_int_eq (tw_fixture_stop (fx.base, NOTIFIER, SIGTERM, STOP_MS), 0);
    ck_assert_int_eq (tw_fixture_stop (fx.base, GATEWAY, SIGTERM, STOP_MS), 0);
    tw_fixture_destroy (&fx.base);
}

//  "+12.50", "-3.00", "0.00": how the page writes P&L.
static void
s_pnl_text (double value, char *buf, size_t size)
{
    snprintf (buf, size, value > 0 ? "+%.2f" : "%.2f", value);
}

START_TEST (test_dashboard_in_chromium)
{
    //  Two trades of the day (a win, a loss), then two open positions.
    s_open (SBIN, SBIN_ID);
    fx.sbin = 612;
    s_close (SBIN_ID, TW_REASON_TP_HIT);
    s_open (INFY, INFY_ID);
    fx.infy = 1490;
    s_close (INFY_ID, TW_REASON_SL_HIT);
    s_open (SBIN, SBIN_ID);
    s_open (RELI, RELI_ID);
    //  The open positions move: SBIN up 3 (+30), RELIANCE down 10 (-100).
    double sbin_entry = fx.sbin, reli_entry = fx.reli;
    fx.sbin += 3;
    fx.reli -= 10;
    tw_msg_t pnl;
    memset (&pnl, 0, sizeof pnl);
    ck_assert_int_eq (tw_cmd_ask (fx.rep, TW_MSG_PNL, CLIENT_TIMEOUT_MS, 3, &pnl), 0);
    ck_assert_int_eq (pnl.type, TW_MSG_PNL_REPLY);
    ck_assert_int_eq (pnl.u.pnl.trades, 2);

    s_browser_start ();
    char url[256], params[320];
    snprintf (url, sizeof url, "http://127.0.0.1:%d/?token=%s", fx.port, fx.token);
    snprintf (params, sizeof params, "{\"url\":\"%s\"}", url);
    cJSON *doc = NULL;
    s_cdp ("Page.navigate", params, &doc);
    cJSON_Delete (doc);

    //  What a person sees: two positions, each with its price and P&L.
    s_wait_true ("the two positions marked",
                 "var rows = document.querySelectorAll('#positions tr');"
                 "if (rows.length !== 2) return false;"
                 "var s = document.querySelector('tr[data-id=\"" SBIN_ID "\"] .upnl');"
                 "var r = document.querySelector('tr[data-id=\"" RELI_ID "\"] .upnl');"
                 "return !!s && !!r && s.textContent === '+30.00' && r.textContent === "
                 "'-100.00';");
    char *ltp = s_text ("tr[data-id=\"" RELI_ID "\"] .ltp");
    char expected[64];
    snprintf (expected, sizeof expected, "%.2f", fx.reli);
    ck_assert_str_eq (ltp, expected);
    free (ltp);
    (void) sbin_entry;
    (void) reli_entry;
    //  A loss is red.
    s_wait_true ("the loss in red",
                 "var r = document.querySelector('tr[data-id=\"" RELI_ID "\"] .upnl');"
                 "return getComputedStyle(r).color === 'rgb(207, 34, 46)';");
    //  The totals, as the gateway counts the day.
    char realized[32];
    s_pnl_text (pnl.u.pnl.realized_pnl, realized, sizeof realized);
    char check[512];
    snprintf (check, sizeof check,
              "return document.getElementById('realized').textContent === '%s' && "
              "document.getElementById('unrealized').textContent === '-70.00' && "
              "document.getElementById('trades').textContent === '2 (%lld / %lld)';",
              realized, (long long) pnl.u.pnl.wins, (long long) pnl.u.pnl.losses);
    s_wait_true ("the day's totals", check);
    //  The journal: both trades, newest first.
    s_wait_true ("the journal rows",
                 "var rows = document.querySelectorAll('#journal tr');"
                 "return rows.length === 2 && rows[0].textContent.indexOf('" INFY_ID
                 "') >= 0 && rows[0].textContent.indexOf('SL Hit') >= 0 && "
                 "rows[1].textContent.indexOf('TP Hit') >= 0;");
    //  The equity curve: drawn by dygraphs on a canvas with something on it.
    s_wait_true ("the equity curve",
                 "var c = document.querySelector('#curve canvas');"
                 "if (!c || c.width < 100 || typeof Dygraph !== 'function') return false;"
                 "var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                 "for (var i = 3; i < d.length; i += 4) if (d[i] !== 0) return true;"
                 "return false;");
    //  The event log shows the recent events after the load.
    s_wait_true ("the recent events",
                 "return document.getElementById('log').textContent.indexOf('closed " INFY_ID
                 "') >= 0;");
    //  No risk-monitor: the notifier's warning, in red like a failed exit.
    s_wait_true ("the risk-monitor's warning in red",
                 "var w = document.querySelectorAll('#warnings li.bad');"
                 "for (var i = 0; i < w.length; i++)"
                 "  if (w[i].textContent.indexOf('the risk-monitor is not answering: "
                 "stop-loss/take-profit are not watched') === 0) return true;"
                 "return false;");
    const char *shot = getenv ("SCREENSHOT");
    s_screenshot (shot ? shot : "dashboard.png");

    //  The Close button of RELIANCE: a Manual Close at the gateway.
    char *clicked = s_eval ("window.confirm = function () { return true; };"
                            "var b = document.querySelector('tr[data-id=\"" RELI_ID "\"] button');"
                            "if (!b || b.disabled) return false; b.click(); return true;");
    ck_assert_str_eq (clicked, "true");
    free (clicked);
    ck_assert (tw_file_wait_contains (tw_fixture_log (fx.base, GATEWAY), "reason=\"Manual Close\"",
                                      WAIT_MS));
    s_wait_true ("the closed position gone",
                 "return document.querySelectorAll('#positions tr').length === 1 && "
                 "document.querySelectorAll('#journal tr').length === 3;");
    ck_assert (!s_has_position (RELI_ID));

    //  Flatten, next to the trading state: it asks first, and a "no" sends
    //  nothing.
    s_wait_true ("the trading state and an enabled Flatten",
                 "return document.getElementById('trading').textContent === 'trading: active' && "
                 "!document.getElementById('flatten').disabled;");
    char *declined = s_eval ("window.confirm = function (m) { window.asked = m; return false; };"
                             "document.getElementById('flatten').click();"
                             "return window.asked.indexOf('FLATTEN') === 0 && "
                             "document.getElementById('log').textContent.indexOf('flatten "
                             "requested') < 0;");
    ck_assert_str_eq (declined, "true");
    free (declined);
    //  Confirmed: the gateway flattens (Kill Switch) and the page shows it halted.
    char *confirmed = s_eval ("window.confirm = function () { return true; };"
                              "document.getElementById('flatten').click(); return true;");
    ck_assert_str_eq (confirmed, "true");
    free (confirmed);
    ck_assert (tw_file_wait_contains (tw_fixture_log (fx.base, GATEWAY),
                                      "flatten reason=\"Kill Switch\"", WAIT_MS));
    s_wait_true ("halted, and nothing open",
                 "return document.getElementById('trading').textContent === 'trading: halted' && "
                 "document.querySelectorAll('#positions tr').length === 0 && "
                 "document.getElementById('log').textContent.indexOf('flatten accepted') >= 0;");
    ck_assert (!s_has_position (SBIN_ID));
    tw_msg_reset (&pnl);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("dashboard");
    TCase *tc = tcase_create ("chromium");
    tcase_set_timeout (tc, 240);
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, test_dashboard_in_chromium);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
