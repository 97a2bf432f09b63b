//  Integration tests of market-feed's fyers source: real processes over
//  loopback, in a temporary directory. fake_hsm plays Fyers (the HSM data
//  socket and /data/symbol-token); the test drives its prices and failures
//  through its /_fake/ routes and watches the feed's ticks and pong.
//
//  feed:  ticks with bid and ask, an unknown symbol warned about, acks;
//         a dropped connection is replaced and resubscribed; a silent one
//         is replaced; garbage is counted and survived; a refused
//         authentication is logged and retried.
//  start: no secrets, a token that is not a JWT, a URL that is not ws(s)://
//         are one clear error each (exit 1), and never show the token.
//  stack: the gateway on the paper broker and the risk-monitor behind the
//         feed: an SL hit driven by the socket's prices closes the position
//         once; a feed restarted without a symbol in [feed] symbols still
//         follows it because the gateway holds a position in it.

#include <check.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <czmq.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_client.h"
#include "tw_clock.h"
#include "tw_pki.h"
#include "tw_proc.h"
#include "tw_sock.h"
#include "tw_token.h"

#define WAIT_MS 15000
#define STOP_MS 3000
#define POLL_MS 20
#define PRICE_RETRY_MS 300
//  The wait for an open's outcome before it is tried again.
#define OUTCOME_MS 3000
#define CLIENT_TIMEOUT_MS 2000
#define CLIENT_ATTEMPTS 3
#define OPEN_TTL_MS 10000
#define ENV_MAX 24
#define QTY 10
#define EPSILON 1e-6
//  A burst of updates from the fake, and how long its count may stand still.
#define BURST 300000
#define BURST_WAIT_MS 10000
#define HSM_KEY "fakehsmkey0123456789"
//  A JWT whose payload is {"iss":"api.fyers.in","sub":"access_token",
//  "hsm_key":HSM_KEY}; the signature is not checked by anyone.
#define TOKEN                                                                                      \
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."                                                        \
    "eyJpc3MiOiJhcGkuZnllcnMuaW4iLCJzdWIiOiJhY2Nlc3NfdG9rZW4i"                                     \
    "LCJoc21fa2V5IjoiZmFrZWhzbWtleTAxMjM0NTY3ODkifQ.c2lnbmF0dXJl"
//  Yesterday's token: hsm_key "stalehsmkey9876543210", which the fake refuses.
#define STALE_TOKEN                                                                                \
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."                                                        \
    "eyJpc3MiOiJhcGkuZnllcnMuaW4iLCJzdWIiOiJhY2Nlc3NfdG9rZW4iLCJoc21fa2V5Ijoic3RhbGVoc21rZXk5ODc2" \
    "NTQzMjEwIn0.c2lnbmF0dXJl"
#define APP_ID "XA00000-100"
#define SBIN "NSE:SBIN-EQ"
#define SBIN_ID "NSE:SBIN-EQ-INTRADAY"
#define INFY "NSE:INFY-EQ"
#define INFY_ID "NSE:INFY-EQ-INTRADAY"
#define UNKNOWN "NSE:UNKNOWN-EQ"

typedef struct {
    char dir[64];
    char fake_log[128], feed_log[128], gateway_log[128], risk_log[128];
    char port_file[128];
    int port;
    char feed_pub[64], feed_control[64], rep[64], pub[64], risk_control[64];
    char env[ENV_MAX][256];
    int env_count;
    tw_proc_t *fake, *feed, *gateway, *risk;
    zsock_t *ticks;  //  the feed's PUB
    zsock_t *events; //  the gateway's PUB
    tw_client_t *client;
} fixture_t;

static void
s_env (fixture_t *fx, const char *key, const char *value)
{
    ck_assert_int_lt (fx->env_count, ENV_MAX - 2);
    snprintf (fx->env[fx->env_count++], sizeof fx->env[0], "%s=%s", key, value);
}

//  Starts the binary named by the environment variable binary, with the
//  fixture's environment plus extra (may be NULL).
static tw_proc_t *
s_spawn (fixture_t *fx, const char *binary, const char *name, const char *log, const char *extra)
{
    const char *env[ENV_MAX];
    int n = 0;
    for (int i = 0; i < fx->env_count; i++)
        env[n++] = fx->env[i];
    if (extra)
        env[n++] = extra;
    env[n] = NULL;
    const char *argv[] = {name, NULL};
    tw_proc_t *proc = tw_proc_start (getenv (binary), argv, env, fx->dir, log);
    ck_assert_ptr_nonnull (proc);
    return proc;
}

//  ---------------------------------------------------------------------
//  The fake.

static size_t
s_on_body (char *ptr, size_t size, size_t nmemb, void *arg)
{
    zchunk_t *chunk = (zchunk_t *) arg;
    zchunk_extend (chunk, ptr, size * nmemb);
    return size * nmemb;
}

//  GETs /_fake/<what> and returns the number field of its JSON answer
//  (the stats every answer carries); -1 when it has none.
static long
s_fake (fixture_t *fx, const char *what, const char *field)
{
    char url[512];
    snprintf (url, sizeof url, "http://127.0.0.1:%d/_fake/%s", fx->port, what);
    CURL *curl = curl_easy_init ();
    zchunk_t *body = zchunk_new (NULL, 0);
    curl_easy_setopt (curl, CURLOPT_URL, url);
    curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, s_on_body);
    curl_easy_setopt (curl, CURLOPT_WRITEDATA, body);
    curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, (long) CLIENT_TIMEOUT_MS);
    CURLcode rc = curl_easy_perform (curl);
    curl_easy_cleanup (curl);
    ck_assert_msg (rc == CURLE_OK, "fake_hsm %s: %s", what, curl_easy_strerror (rc));
    cJSON *root = cJSON_ParseWithLength ((const char *) zchunk_data (body), zchunk_size (body));
    const cJSON *item = cJSON_GetObjectItemCaseSensitive (root, field);
    long value = cJSON_IsNumber (item) ? (long) item->valuedouble : -1;
    cJSON_Delete (root);
    zchunk_destroy (&body);
    return value;
}

static void
s_fake_wait (fixture_t *fx, const char *field, long at_least)
{
    long seen = -1;
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
         (seen = s_fake (fx, "stats", field)) < at_least && tw_clock_mono_ms () < deadline;)
        zclock_sleep (POLL_MS); //  pacing the poll of an observable state
    ck_assert_msg (seen >= at_least, "fake_hsm %s is %ld, expected >= %ld; logs in %s", field, seen,
                   at_least, fx->dir);
}

//  The fake asks for an ack every s_ack_count data frames ("0": never).
static const char *s_ack_count = "2";

//  Starts fake_hsm; with tls, on TLS with the server certificate of tw_pki.
static void
s_start_fake (fixture_t *fx, bool tls)
{
    char auth[512];
    snprintf (auth, sizeof auth, "%s:%s", APP_ID, TOKEN);
    const char *argv[] = {
        "fake_hsm",         "--hsm-key",   HSM_KEY,           "--auth",    auth,
        "--port-file",      fx->port_file, "--ack-count",     s_ack_count, "--tls-cert",
        TW_PKI_SERVER_CERT, "--tls-key",   TW_PKI_SERVER_KEY, NULL};
    if (!tls)
        argv[9] = NULL;
    fx->fake = tw_proc_start (getenv ("FAKE_HSM"), argv, NULL, fx->dir, fx->fake_log);
    ck_assert_ptr_nonnull (fx->fake);
    ck_assert (tw_file_wait_contains (fx->fake_log, "READY ", WAIT_MS));
    FILE *file = fopen (fx->port_file, "r");
    ck_assert_ptr_nonnull (file);
    ck_assert_int_eq (fscanf (file, "%d", &fx->port), 1);
    fclose (file);
}

//  ---------------------------------------------------------------------
//  The feed.

static int64_t
s_counter_at (const char *endpoint, tw_msg_type_t type, const char *name)
{
    tw_client_t *client = tw_client_new (endpoint, CLIENT_TIMEOUT_MS, CLIENT_ATTEMPTS);
    ck_assert_ptr_nonnull (client);
    tw_msg_t request, reply;
    memset (&reply, 0, sizeof reply);
    tw_msg_init (&request, type);
    char err[TW_TEXT_MAX] = "";
    int rc = tw_client_request (client, &request, &reply, err, sizeof err);
    tw_client_destroy (&client);
    ck_assert_msg (rc == 0, "%s %s: %s", tw_msg_type_name (type), endpoint, err);
    for (size_t i = 0; i < reply.u.pong.counter_count; i++)
        if (streq (reply.u.pong.counters[i].name, name))
            return reply.u.pong.counters[i].value;
    ck_abort_msg ("pong from %s has no counter '%s'", endpoint, name);
    return -1;
}

static int64_t
s_feed (fixture_t *fx, const char *name)
{
    return s_counter_at (fx->feed_control, TW_MSG_PING, name);
}

static void
s_feed_wait (fixture_t *fx, const char *name, int64_t at_least)
{
    int64_t seen = -1;
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
         (seen = s_feed (fx, name)) < at_least && tw_clock_mono_ms () < deadline;)
        zclock_sleep (POLL_MS); //  pacing the poll of an observable state
    ck_assert_msg (seen >= at_least, "feed %s is %lld, expected >= %lld; logs in %s", name,
                   (long long) seen, (long long) at_least, fx->dir);
}

//  Sets symbol's price at the fake until the feed publishes a tick of it at
//  ltp (the SUB may still be joining, the socket reconnecting). Returns it.
static tw_tick_t
s_price (fixture_t *fx, const char *symbol, double ltp)
{
    char what[256];
    snprintf (what, sizeof what, "price?symbol=%s&ltp=%.2f", symbol, ltp);
    zpoller_t *poller = zpoller_new (fx->ticks, NULL);
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    while (tw_clock_mono_ms () < deadline) {
        ck_assert_int_eq (s_fake (fx, what, "connections") >= 0, 1);
        int64_t retry = tw_clock_mono_ms () + PRICE_RETRY_MS;
        while (tw_clock_mono_ms () < retry) {
            if (!zpoller_wait (poller, POLL_MS))
                continue;
            tw_msg_t msg;
            memset (&msg, 0, sizeof msg);
            char err[TW_TEXT_MAX];
            if (tw_sock_recv (fx->ticks, &msg, err, sizeof err) != 0)
                continue;
            if (msg.type == TW_MSG_TICK && streq (msg.u.tick.symbol, symbol)
                && fabs (msg.u.tick.ltp - ltp) < EPSILON) {
                zpoller_destroy (&poller);
                return msg.u.tick;
            }
        }
    }
    zpoller_destroy (&poller);
    ck_abort_msg ("no tick of %s at %.2f; logs in %s", symbol, ltp, fx->dir);
    tw_tick_t none = {0};
    return none;
}

static void
s_start_feed (fixture_t *fx, const char *extra)
{
    fx->feed = s_spawn (fx, "MF_BINARY", "market-feed", fx->feed_log, extra);
}

//  The fake and the feed's environment; silence_ms for [fyers]
//  data_silence_ms; ca_file NULL for a plain ws:// socket, else the fake on
//  TLS, a wss:// socket and [fyers] data_ca_file this file of tw_pki.
static void
s_setup_ca (fixture_t *fx, const char *silence_ms, const char *symbols, const char *ca_file)
{
    memset (fx, 0, sizeof *fx);
    snprintf (fx->dir, sizeof fx->dir, "/tmp/tw-fyers-XXXXXX");
    ck_assert_ptr_nonnull (mkdtemp (fx->dir));
    snprintf (fx->fake_log, sizeof fx->fake_log, "%s/fake.log", fx->dir);
    snprintf (fx->feed_log, sizeof fx->feed_log, "%s/feed.log", fx->dir);
    snprintf (fx->gateway_log, sizeof fx->gateway_log, "%s/gateway.log", fx->dir);
    snprintf (fx->risk_log, sizeof fx->risk_log, "%s/risk.log", fx->dir);
    snprintf (fx->port_file, sizeof fx->port_file, "%s/port", fx->dir);
    snprintf (fx->feed_pub, sizeof fx->feed_pub, "tcp://127.0.0.1:%d", tw_free_port ());
    snprintf (fx->feed_control, sizeof fx->feed_control, "tcp://127.0.0.1:%d", tw_free_port ());
    snprintf (fx->rep, sizeof fx->rep, "tcp://127.0.0.1:%d", tw_free_port ());
    snprintf (fx->pub, sizeof fx->pub, "tcp://127.0.0.1:%d", tw_free_port ());
    snprintf (fx->risk_control, sizeof fx->risk_control, "tcp://127.0.0.1:%d", tw_free_port ());
    if (ca_file)
        ck_assert_msg (tw_pki_make (fx->dir) == 0, "no PKI in %s", fx->dir);
    s_start_fake (fx, ca_file != NULL);
    char url[128];
    s_env (fx, "FYERS_APP_ID", APP_ID);
    s_env (fx, "FYERS_ACCESS_TOKEN", TOKEN);
    s_env (fx, "TW_FEED_SOURCE", "fyers");
    snprintf (url, sizeof url, "%s://127.0.0.1:%d/hsm/v1-5/prod", ca_file ? "wss" : "ws", fx->port);
    s_env (fx, "TW_FYERS_DATA_SOCKET_URL", url);
    if (ca_file) {
        snprintf (url, sizeof url, "%s/%s", fx->dir, ca_file);
        s_env (fx, "TW_FYERS_DATA_CA_FILE", url);
    }
    snprintf (url, sizeof url, "http://127.0.0.1:%d/data", fx->port);
    s_env (fx, "TW_FYERS_DATA_BASE_URL", url);
    s_env (fx, "TW_FYERS_DATA_SILENCE_MS", silence_ms);
    s_env (fx, "TW_FEED_SYMBOLS", symbols);
    s_env (fx, "TW_ENDPOINTS_FEED_PUB", fx->feed_pub);
    s_env (fx, "TW_ENDPOINTS_FEED_CONTROL", fx->feed_control);
    s_env (fx, "TW_ENDPOINTS_GATEWAY_REP", fx->rep);
    s_env (fx, "TW_ENDPOINTS_GATEWAY_PUB", fx->pub);
    s_env (fx, "TW_ENDPOINTS_RISK_CONTROL", fx->risk_control);
    s_env (fx, "TW_GATEWAY_BROKER", "paper");
    s_env (fx, "TW_GATEWAY_DB", "gateway.db");
    s_env (fx, "TW_GATEWAY_PAPER_DB", "paper.db");
    s_env (fx, "TW_GATEWAY_HEARTBEAT_MS", "100");
    s_env (fx, "TW_RISK_COMMAND_TIMEOUT_MS", "2000");
    fx->ticks = tw_sock_sub_new (fx->feed_pub, "tick.");
    ck_assert_ptr_nonnull (fx->ticks);
}

static void
s_setup (fixture_t *fx, const char *silence_ms, const char *symbols)
{
    s_setup_ca (fx, silence_ms, symbols, NULL);
}

static void
s_teardown (fixture_t *fx)
{
    tw_client_destroy (&fx->client);
    zsock_destroy (&fx->ticks);
    zsock_destroy (&fx->events);
    if (fx->risk)
        ck_assert_int_eq (tw_proc_stop (&fx->risk, SIGTERM, STOP_MS), 0);
    if (fx->feed)
        ck_assert_int_eq (tw_proc_stop (&fx->feed, SIGTERM, STOP_MS), 0);
    if (fx->gateway)
        ck_assert_int_eq (tw_proc_stop (&fx->gateway, SIGTERM, STOP_MS), 0);
    ck_assert_int_eq (tw_proc_stop (&fx->fake, SIGTERM, STOP_MS), 0);
    //  The token must never reach a log.
    const char *logs[] = {fx->feed_log, fx->gateway_log, fx->risk_log};
    for (size_t i = 0; i < 3; i++) {
        ck_assert_msg (!tw_file_contains (logs[i], TOKEN), "%s shows the token", logs[i]);
        ck_assert_msg (!tw_file_contains (logs[i], HSM_KEY), "%s shows hsm_key", logs[i]);
    }
    char command[160];
    snprintf (command, sizeof command, "rm -rf %s", fx->dir);
    ck_assert_int_eq (system (command), 0);
}

//  ---------------------------------------------------------------------
//  feed

START_TEST (test_ticks_flow)
{
    fixture_t fx;
    s_setup (&fx, "15000", SBIN "," INFY "," UNKNOWN);
    s_start_feed (&fx, NULL);
    tw_tick_t tick = s_price (&fx, SBIN, 101.25);
    ck_assert_double_eq_tol (tick.bid, 101.20, EPSILON);
    ck_assert_double_eq_tol (tick.ask, 101.30, EPSILON);
    ck_assert_int_gt (tick.volume, 0);
    ck_assert_int_eq (tick.source, TW_SOURCE_FYERS);
    s_price (&fx, INFY, 99.95);
    //  The unknown symbol is one warning, and the feed carries on.
    ck_assert (tw_file_wait_contains (fx.feed_log, "does not know symbol " UNKNOWN, WAIT_MS));
    ck_assert_int_eq (s_feed (&fx, "symbols_unknown"), 1);
    ck_assert_int_eq (s_feed (&fx, "connected"), 1);
    ck_assert_int_eq (s_feed (&fx, "symbols"), 3);
    ck_assert_int_ge (s_feed (&fx, "frames"), 4);
    ck_assert_int_eq (s_feed (&fx, "frames_malformed"), 0);
    //  ack_count is 2: every second data frame is acknowledged.
    for (int i = 0; i < 4; i++)
        s_price (&fx, SBIN, 102.0 + i);
    s_fake_wait (&fx, "acks", 2);
    ck_assert_int_eq (s_fake (&fx, "stats", "subscribed"), 2);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_drop_reconnects_and_resubscribes)
{
    fixture_t fx;
    s_setup (&fx, "15000", SBIN "," INFY);
    s_start_feed (&fx, NULL);
    s_price (&fx, SBIN, 100.50);
    ck_assert_int_eq (s_feed (&fx, "reconnects"), 0);
    s_fake (&fx, "drop", "connections");
    s_fake_wait (&fx, "connections", 2);
    s_fake_wait (&fx, "auths", 2);
    s_feed_wait (&fx, "reconnects", 1);
    //  Both topics again, on the new connection only.
    s_fake_wait (&fx, "subscribed", 2);
    s_price (&fx, SBIN, 100.75);
    s_price (&fx, INFY, 98.10);
    s_teardown (&fx);
}
END_TEST

//  A burst the feed cannot publish as fast as it arrives: every quote is
//  published or counted in quotes_dropped (the data socket's thread hands
//  quotes over through a bounded pipe), none lost silently.
START_TEST (test_burst_nothing_lost_silently)
{
    fixture_t fx;
    //  No acks: 150,000 of them would be a test of the fake's reading.
    s_ack_count = "0";
    s_setup (&fx, "15000", SBIN);
    s_ack_count = "2";
    s_start_feed (&fx, NULL);
    s_price (&fx, SBIN, 100.50);
    //  s_price may have asked for the price more than once: the counter
    //  first stops moving (no other quote is coming).
    int64_t published = -1;
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS, seen = s_feed (&fx, "ticks_published");
         seen != published && tw_clock_mono_ms () < deadline;) {
        published = seen;
        zclock_sleep (PRICE_RETRY_MS + POLL_MS); //  longer than s_price's pace
        seen = s_feed (&fx, "ticks_published");
    }
    int64_t dropped = s_feed (&fx, "quotes_dropped");
    int64_t frames = s_feed (&fx, "frames");
    int64_t reconnects = s_feed (&fx, "reconnects");
    ck_assert_int_eq (dropped, 0);
    char what[64];
    snprintf (what, sizeof what, "burst?n=%d", BURST);
    s_fake (&fx, what, "connections");
    int64_t accounted = 0, last = -1;
    for (int64_t deadline = tw_clock_mono_ms () + BURST_WAIT_MS;
         accounted < BURST && tw_clock_mono_ms () < deadline;) {
        zclock_sleep (POLL_MS); //  pacing the poll of an observable state
        accounted =
            s_feed (&fx, "ticks_published") - published + s_feed (&fx, "quotes_dropped") - dropped;
        if (accounted != last)
            deadline = tw_clock_mono_ms () + BURST_WAIT_MS; //  still moving
        last = accounted;
    }
    ck_assert_int_eq (s_feed (&fx, "reconnects"), reconnects);
    ck_assert_msg (accounted == BURST,
                   "published %lld + dropped %lld of %d (%lld frames); logs in %s",
                   (long long) (s_feed (&fx, "ticks_published") - published),
                   (long long) (s_feed (&fx, "quotes_dropped") - dropped), BURST,
                   (long long) (s_feed (&fx, "frames") - frames), fx.dir);
    ck_assert_int_eq (s_feed (&fx, "frames_malformed"), 0);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_silent_socket_reconnects)
{
    fixture_t fx;
    //  Pings go every 400 ms: a live but quiet socket stays up.
    s_setup (&fx, "1200", SBIN);
    s_start_feed (&fx, NULL);
    s_price (&fx, SBIN, 100.50);
    s_fake (&fx, "silent", "connections");
    ck_assert (tw_file_wait_contains (fx.feed_log, "data socket silent for", WAIT_MS));
    s_feed_wait (&fx, "reconnects", 1);
    s_fake_wait (&fx, "auths", 2);
    s_price (&fx, SBIN, 100.60);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_garbage_counted_and_survived)
{
    fixture_t fx;
    s_setup (&fx, "15000", SBIN);
    s_start_feed (&fx, NULL);
    s_price (&fx, SBIN, 100.50);
    s_fake (&fx, "garbage", "connections");
    s_feed_wait (&fx, "frames_malformed", 1);
    ck_assert (tw_file_wait_contains (fx.feed_log, "malformed frame", WAIT_MS));
    s_price (&fx, SBIN, 100.55);
    ck_assert_int_eq (s_feed (&fx, "reconnects"), 0);
    ck_assert_int_eq (s_feed (&fx, "connected"), 1);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_auth_failure_retries)
{
    fixture_t fx;
    s_setup (&fx, "15000", SBIN);
    s_fake (&fx, "auth_fail?n=2", "connections");
    s_start_feed (&fx, NULL);
    ck_assert (tw_file_wait_contains (fx.feed_log, "authentication refused", WAIT_MS));
    s_price (&fx, SBIN, 100.50);
    ck_assert_int_eq (s_fake (&fx, "stats", "auth_failed"), 2);
    ck_assert_int_eq (s_fake (&fx, "stats", "auths"), 1);
    ck_assert_int_eq (s_feed (&fx, "auth_refused"), 2);
    ck_assert_int_ge (s_feed (&fx, "reconnects"), 2);
    s_teardown (&fx);
}
END_TEST

//  wss:// (issue 9): the fake on TLS with a certificate of the test's CA;
//  [fyers] data_ca_file is that CA, and the ticks flow.
START_TEST (test_tls_ticks_flow)
{
    fixture_t fx;
    s_setup_ca (&fx, "15000", SBIN, TW_PKI_CA);
    s_start_feed (&fx, NULL);
    tw_tick_t tick = s_price (&fx, SBIN, 101.25);
    ck_assert_int_eq (tick.source, TW_SOURCE_FYERS);
    ck_assert_int_eq (s_feed (&fx, "connected"), 1);
    ck_assert_int_eq (s_feed (&fx, "reconnects"), 0);
    s_teardown (&fx);
}
END_TEST

//  A CA that did not sign the server's certificate: the handshake is
//  refused with the reason in the log, the feed tries again and again,
//  never reaches the fake's WebSocket, publishes nothing, and keeps
//  answering.
START_TEST (test_tls_wrong_ca_refused)
{
    fixture_t fx;
    s_setup_ca (&fx, "15000", SBIN, TW_PKI_OTHER_CA);
    s_start_feed (&fx, NULL);
    ck_assert (
        tw_file_wait_contains (fx.feed_log, "data socket cannot connect to 127.0.0.1:", WAIT_MS));
    s_feed_wait (&fx, "reconnects", 2);
    //  OpenSSL's reason, through libwebsockets' log.
    ck_assert_msg (tw_file_contains (fx.feed_log, "unable to get local issuer certificate"),
                   "no verification failure in %s", fx.feed_log);
    //  The "cannot connect" line itself says why.
    ck_assert_msg (tw_file_line_has (fx.feed_log, "data socket cannot connect",
                                     "unable to get local issuer certificate"),
                   "the cannot-connect line of %s gives no reason", fx.feed_log);
    s_fake (&fx, "price?symbol=" SBIN "&ltp=101.25", "connections");
    ck_assert_int_eq (s_fake (&fx, "stats", "connections"), 0);
    ck_assert_int_eq (s_fake (&fx, "stats", "auths"), 0);
    ck_assert_int_eq (s_feed (&fx, "connected"), 0);
    ck_assert_int_eq (s_feed (&fx, "frames"), 0);
    ck_assert_int_eq (s_feed (&fx, "ticks_published"), 0);
    s_teardown (&fx);
}
END_TEST

//  The token from [fyers] token_file: yesterday's is refused; the morning's
//  login rewrites the file, and the running feed takes the new token.
START_TEST (test_token_file_reload)
{
    fixture_t fx;
    s_setup (&fx, "15000", SBIN);
    char path[128], file_env[256], err[256];
    snprintf (path, sizeof path, "%s/var/fyers.token", fx.dir);
    snprintf (file_env, sizeof file_env, "TW_FYERS_TOKEN_FILE=%s", path);
    for (int i = 0; i < fx.env_count; i++)
        if (strncmp (fx.env[i], "FYERS_ACCESS_TOKEN=", 19) == 0)
            snprintf (fx.env[i], sizeof fx.env[i], "%s", file_env);
    ck_assert_int_eq (tw_token_write (path, STALE_TOKEN, err, sizeof err), 0);
    s_start_feed (&fx, NULL);
    ck_assert (tw_file_wait_contains (fx.feed_log, "authentication refused", WAIT_MS));
    ck_assert_int_eq (tw_token_write (path, TOKEN, err, sizeof err), 0);
    ck_assert (tw_file_wait_contains (fx.feed_log, "new access token from", WAIT_MS));
    s_price (&fx, SBIN, 101.25);
    ck_assert (!tw_file_contains (fx.feed_log, STALE_TOKEN));
    s_teardown (&fx);
}
END_TEST

//  ---------------------------------------------------------------------
//  stack

//  Waits on the gateway's PUB for an event of type for id.
static bool
s_wait_event (fixture_t *fx, tw_msg_type_t type, const char *id, tw_msg_t *event, int wait_ms)
{
    zpoller_t *poller = zpoller_new (fx->events, NULL);
    int64_t deadline = tw_clock_mono_ms () + wait_ms;
    bool found = false;
    while (!found && tw_clock_mono_ms () < deadline) {
        if (!zpoller_wait (poller, POLL_MS))
            continue;
        char err[TW_TEXT_MAX];
        memset (event, 0, sizeof *event);
        if (tw_sock_recv (fx->events, event, err, sizeof err) != 0)
            continue;
        found = event->type == type && streq (event->u.event.pos.id, id);
        if (!found)
            tw_msg_reset (event);
    }
    zpoller_destroy (&poller);
    return found;
}

//  Opens a long position at 100 with sl 95. The paper broker fills at the
//  last tick it saw and refuses an open before it has one: price, try,
//  and try again, bounded.
static void
s_open (fixture_t *fx, const char *symbol, const char *id)
{
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    while (tw_clock_mono_ms () < deadline) {
        s_price (fx, symbol, 100.0);
        tw_msg_t request, reply;
        memset (&reply, 0, sizeof reply);
        tw_msg_init (&request, TW_MSG_OPEN);
        request.expires_at = tw_clock_wall_ns () + OPEN_TTL_MS * TW_NS_PER_MS;
        snprintf (request.u.open.symbol, sizeof request.u.open.symbol, "%s", symbol);
        request.u.open.side = TW_SIDE_LONG;
        request.u.open.qty = QTY;
        request.u.open.sl = 95.0;
        char err[TW_TEXT_MAX] = "";
        ck_assert_msg (tw_client_request (fx->client, &request, &reply, err, sizeof err) == 0,
                       "open: %s", err);
        ck_assert_int_eq (reply.u.ack.status, TW_ACK_ACCEPTED);
        //  The outcome: opened, or rejected for want of a price.
        zpoller_t *poller = zpoller_new (fx->events, NULL);
        int outcome = 0;
        for (int64_t until = tw_clock_mono_ms () + OUTCOME_MS;
             !outcome && tw_clock_mono_ms () < until;) {
            tw_msg_t event;
            memset (&event, 0, sizeof event);
            char err2[TW_TEXT_MAX];
            if (!zpoller_wait (poller, POLL_MS)
                || tw_sock_recv (fx->events, &event, err2, sizeof err2) != 0
                || !streq (event.u.event.pos.symbol, symbol))
                continue;
            if (event.type == TW_MSG_POSITION_OPENED) {
                ck_assert_str_eq (event.u.event.pos.id, id);
                ck_assert_double_eq_tol (event.u.event.pos.entry_price, 100.0, EPSILON);
                outcome = 1;
            }
            else if (event.type == TW_MSG_ORDER_REJECTED)
                outcome = -1;
            tw_msg_reset (&event);
        }
        zpoller_destroy (&poller);
        if (outcome == 1)
            return;
    }
    ck_abort_msg ("%s did not open; logs in %s", symbol, fx->dir);
}

//  Drives symbol below its stop until the position closes; then more ticks
//  below it must not close it again.
static void
s_sl_closes_once (fixture_t *fx, const char *symbol, const char *id)
{
    tw_msg_t event;
    bool closed = false;
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
         !closed && tw_clock_mono_ms () < deadline;) {
        s_price (fx, symbol, 94.0);
        closed = s_wait_event (fx, TW_MSG_POSITION_CLOSED, id, &event, PRICE_RETRY_MS);
        if (!closed)
            s_price (fx, symbol, 94.05); //  a change, so that the next 94.00 is a tick
    }
    ck_assert_msg (closed, "%s not closed; logs in %s", id, fx->dir);
    ck_assert_str_eq (event.u.event.reason, "SL Hit");
    s_price (fx, symbol, 93.0);
    s_price (fx, symbol, 92.0);
    ck_assert (!s_wait_event (fx, TW_MSG_POSITION_CLOSED, id, &event, PRICE_RETRY_MS * 3));
    ck_assert (tw_file_contains (fx->gateway_log, "exit closed id="));
}

static void
s_setup_stack (fixture_t *fx, const char *symbols)
{
    s_setup (fx, "15000", symbols);
    fx->gateway = s_spawn (fx, "GATEWAY", "order-gateway", fx->gateway_log, NULL);
    fx->client = tw_client_new (fx->rep, CLIENT_TIMEOUT_MS, CLIENT_ATTEMPTS);
    fx->events = tw_sock_sub_new (fx->pub, "");
    ck_assert_ptr_nonnull (fx->client);
    ck_assert_ptr_nonnull (fx->events);
    //  Our SUB is live once a heartbeat arrives (else an early event is lost).
    zpoller_t *poller = zpoller_new (fx->events, NULL);
    bool live = false;
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
         !live && tw_clock_mono_ms () < deadline;) {
        tw_msg_t event;
        memset (&event, 0, sizeof event);
        char err[TW_TEXT_MAX];
        if (zpoller_wait (poller, POLL_MS)
            && tw_sock_recv (fx->events, &event, err, sizeof err) == 0)
            live = event.type == TW_MSG_HEARTBEAT;
    }
    zpoller_destroy (&poller);
    ck_assert_msg (live, "no heartbeat from the gateway; logs in %s", fx->dir);
    s_start_feed (fx, NULL);
    fx->risk = s_spawn (fx, "RISK_MONITOR", "risk-monitor", fx->risk_log, NULL);
}

START_TEST (test_sl_through_the_stack)
{
    fixture_t fx;
    s_setup_stack (&fx, SBIN "," INFY);
    s_open (&fx, SBIN, SBIN_ID);
    s_open (&fx, INFY, INFY_ID);
    s_sl_closes_once (&fx, SBIN, SBIN_ID);
    //  A feed restarted without INFY in [feed] symbols: the gateway's
    //  position in INFY brings it back (the clone of its positions).
    ck_assert_int_eq (tw_proc_stop (&fx.feed, SIGTERM, STOP_MS), 0);
    s_start_feed (&fx, "TW_FEED_SYMBOLS=" SBIN);
    ck_assert (tw_file_wait_contains (fx.feed_log, "fyers source: adding " INFY, WAIT_MS));
    s_sl_closes_once (&fx, INFY, INFY_ID);
    s_teardown (&fx);
}
END_TEST

//  ---------------------------------------------------------------------
//  start

//  Starts market-feed on the fyers source with env and expects it to refuse
//  to start (exit 1) with expected in its log.
static void
s_refuses (const char *const *extra, int want, const char *expected, const char *secret)
{
    char dir[64], log[128], pub[64], control[64], pub_env[96], control_env[96];
    snprintf (dir, sizeof dir, "/tmp/tw-fyers-XXXXXX");
    ck_assert_ptr_nonnull (mkdtemp (dir));
    snprintf (log, sizeof log, "%s/feed.log", dir);
    snprintf (pub, sizeof pub, "tcp://127.0.0.1:%d", tw_free_port ());
    snprintf (control, sizeof control, "tcp://127.0.0.1:%d", tw_free_port ());
    snprintf (pub_env, sizeof pub_env, "TW_ENDPOINTS_FEED_PUB=%s", pub);
    snprintf (control_env, sizeof control_env, "TW_ENDPOINTS_FEED_CONTROL=%s", control);
    const char *env[ENV_MAX] = {"TW_FEED_SOURCE=fyers", pub_env, control_env};
    int n = 3;
    for (int i = 0; extra[i]; i++)
        env[n++] = extra[i];
    env[n] = NULL;
    const char *argv[] = {"market-feed", NULL};
    tw_proc_t *feed = tw_proc_start (getenv ("MF_BINARY"), argv, env, dir, log);
    ck_assert_ptr_nonnull (feed);
    ck_assert_int_eq (tw_proc_stop (&feed, 0, WAIT_MS), want);
    ck_assert_msg (tw_file_contains (log, expected), "%s lacks '%s'", log, expected);
    ck_assert (!secret || !tw_file_contains (log, secret));
    char command[160];
    snprintf (command, sizeof command, "rm -rf %s", dir);
    ck_assert_int_eq (system (command), 0);
}

START_TEST (test_refusals)
{
    const char *none[] = {NULL};
    //  A missing secret is a configuration error (exit 2), the others exit 1.
    s_refuses (none, 2, "set FYERS_APP_ID and FYERS_ACCESS_TOKEN in the environment", NULL);
    const char *not_jwt[] = {"FYERS_APP_ID=" APP_ID, "FYERS_ACCESS_TOKEN=sekrit-not-a-jwt", NULL};
    s_refuses (not_jwt, 1, "is not a JWT", "sekrit-not-a-jwt");
    const char *bad_url[] = {"FYERS_APP_ID=" APP_ID, "FYERS_ACCESS_TOKEN=" TOKEN,
                             "TW_FYERS_DATA_SOCKET_URL=http://127.0.0.1:1/hsm", NULL};
    s_refuses (bad_url, 1, "is not ws://HOST[:PORT]/PATH", TOKEN);
}
END_TEST

static Suite *
s_suite (void)
{
    Suite *suite = suite_create ("mf_fyers");
    TCase *feed = tcase_create ("feed");
    tcase_add_test (feed, test_ticks_flow);
    tcase_add_test (feed, test_drop_reconnects_and_resubscribes);
    tcase_add_test (feed, test_silent_socket_reconnects);
    tcase_add_test (feed, test_burst_nothing_lost_silently);
    tcase_add_test (feed, test_garbage_counted_and_survived);
    tcase_add_test (feed, test_auth_failure_retries);
    tcase_add_test (feed, test_token_file_reload);
    tcase_add_test (feed, test_tls_ticks_flow);
    tcase_add_test (feed, test_tls_wrong_ca_refused);
    suite_add_tcase (suite, feed);
    TCase *start = tcase_create ("start");
    tcase_add_test (start, test_refusals);
    suite_add_tcase (suite, start);
    TCase *stack = tcase_create ("stack");
    tcase_add_test (stack, test_sl_through_the_stack);
    suite_add_tcase (suite, stack);
    return suite;
}

int
main (void)
{
    //  The refusals expect no Fyers secrets but their own.
    unsetenv ("FYERS_APP_ID");
    unsetenv ("FYERS_ACCESS_TOKEN");
    curl_global_init (CURL_GLOBAL_DEFAULT);
    SRunner *runner = srunner_create (s_suite ());
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    curl_global_cleanup ();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
