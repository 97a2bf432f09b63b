//  Tests of the Fyers broker actor, started as the gateway starts it
//  (gw_broker_new with [gateway] broker = fyers), against the fake Fyers
//  server of tests/fakes running as a real process on 127.0.0.1. The pure
//  half (classification, parsing, bodies) is in test_fyers_parse.c.
//
//  The fake's binary comes from $FAKE_FYERS_BIN (meson sets it).

#include <arpa/inet.h>
#include <check.h>
#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fake_fyers_ctl.h"
#include "gw_broker.h"
#include "gw_fyers.h"
#include "tw_config.h"
#include "tw_log.h"
#include "tw_token.h"

#define T_APP_ID "TESTAPP01-100"
#define T_TOKEN "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.SECRET-7f3a9c-e2b1d4"
#define T_SYMBOL "NSE:SBIN-EQ"
#define T_POSITION_ID "NSE:SBIN-EQ-INTRADAY"

#define T_REPLY_TIMEOUT_MS 10000 //  one call's round trip, at most
#define T_TIMEOUT_MS 300         //  request_timeout_ms of the timeout tests
#define T_NORMAL_TIMEOUT_MS 5000 //  request_timeout_ms otherwise
#define T_HANG_MS 2500           //  how long the fake hangs a scripted request
#define T_HANGING 10             //  hanging calls in the parallel test
#define T_FAST_MS 700            //  a fast reply on loopback, generous for ASan
#define T_COUNT_WAIT_MS 5000     //  waiting for the fake to have seen requests
#define T_STOP_MS 1500           //  stopping the actor with transfers in flight
#define T_RETRY_AFTER_MS 600     //  the 429's X-Retry-After-Ms
#define T_RATE_PER_SEC 10
#define T_RATE_PER_MIN 200
#define T_LOG_MAX 65536
#define T_PRICE_EPSILON 1e-9

static fake_fyers_t *s_fake;
static tw_config_t *s_config;

static void
s_setup (void)
{
    tw_log_init ("test_fyers");
    const char *binary = getenv ("FAKE_FYERS_BIN");
    ck_assert_msg (binary != NULL, "FAKE_FYERS_BIN is not set");
    s_fake = fake_fyers_start (binary, T_APP_ID, T_TOKEN);
    ck_assert_ptr_nonnull (s_fake);
    setenv ("FYERS_APP_ID", T_APP_ID, 1);
    setenv ("FYERS_ACCESS_TOKEN", T_TOKEN, 1);
    setenv ("TW_GATEWAY_BROKER", "fyers", 1);
    char rate[32];
    snprintf (rate, sizeof rate, "%d", T_RATE_PER_SEC);
    setenv ("TW_FYERS_RATE_PER_SEC", rate, 1);
    snprintf (rate, sizeof rate, "%d", T_RATE_PER_MIN);
    setenv ("TW_FYERS_RATE_PER_MIN", rate, 1);
}

static void
s_teardown (void)
{
    tw_config_destroy (&s_config);
    if (s_fake)
        fake_fyers_stop (&s_fake);
}

//  Starts a broker on base_url (NULL: the fake) with the given timeout.
static zactor_t *
s_broker (const char *base_url, int timeout_ms)
{
    char value[32];
    snprintf (value, sizeof value, "%d", timeout_ms);
    setenv ("TW_FYERS_REQUEST_TIMEOUT_MS", value, 1);
    setenv ("TW_FYERS_BASE_URL", base_url ? base_url : fake_fyers_base_url (s_fake), 1);
    char err[TW_TEXT_MAX];
    tw_config_destroy (&s_config);
    s_config = tw_config_load (NULL, err, sizeof err);
    ck_assert_msg (s_config != NULL, "config: %s", err);
    zactor_t *broker = gw_broker_new (s_config);
    ck_assert_ptr_nonnull (broker);
    return broker;
}

static gw_call_t *
s_recv (zactor_t *broker, int timeout_ms)
{
    zpoller_t *poller = zpoller_new (broker, NULL);
    void *which = zpoller_wait (poller, timeout_ms);
    zpoller_destroy (&poller);
    ck_assert_msg (which == broker, "no reply from the broker in %d ms", timeout_ms);
    gw_call_t *call = NULL;
    ck_assert_int_eq (zsock_recv (broker, "p", &call), 0);
    ck_assert_ptr_nonnull (call);
    return call;
}

static void
s_roundtrip (zactor_t *broker, gw_call_t *call)
{
    ck_assert_int_eq (zsock_send (broker, "p", call), 0);
    gw_call_t *back = s_recv (broker, T_REPLY_TIMEOUT_MS);
    ck_assert_ptr_eq (back, call);
}

static gw_call_t *
s_exit (const char *position_id)
{
    gw_call_t *call = gw_call_new (GW_OP_EXIT);
    snprintf (call->position_id, sizeof call->position_id, "%s", position_id);
    return call;
}

static void
s_script (const char *json)
{
    ck_assert_int_ge (fake_fyers_script (s_fake, json), 1);
}

//  The fake's records of requests with method and path, as a cJSON array the
//  caller deletes.
static cJSON *
s_requests (const char *method, const char *path)
{
    char *text = fake_fyers_requests (s_fake);
    ck_assert_ptr_nonnull (text);
    cJSON *all = cJSON_Parse (text);
    free (text);
    ck_assert (cJSON_IsArray (all));
    cJSON *matching = cJSON_CreateArray ();
    cJSON *record;
    cJSON_ArrayForEach (record, all) {
        const char *m = cJSON_GetStringValue (cJSON_GetObjectItem (record, "method"));
        const char *p = cJSON_GetStringValue (cJSON_GetObjectItem (record, "path"));
        if (m && p && streq (m, method) && streq (p, path))
            cJSON_AddItemReferenceToArray (matching, record);
    }
    cJSON *copy = cJSON_Duplicate (matching, 1);
    cJSON_Delete (matching);
    cJSON_Delete (all);
    return copy;
}

//  stderr into a temporary file at debug level, for the tests that read the
//  log; s_capture_end puts stderr back.
static int s_saved_stderr = -1;
static FILE *s_captured;

static void
s_capture_start (void)
{
    fflush (stderr);
    s_saved_stderr = dup (STDERR_FILENO);
    s_captured = tmpfile ();
    ck_assert_ptr_nonnull (s_captured);
    dup2 (fileno (s_captured), STDERR_FILENO);
    tw_log_set_level (TW_LOG_DEBUG);
}

//  What was logged since s_capture_start (static storage, NUL-terminated).
static const char *
s_capture_end (void)
{
    fflush (stderr);
    dup2 (s_saved_stderr, STDERR_FILENO);
    close (s_saved_stderr);
    rewind (s_captured);
    static char log[T_LOG_MAX];
    size_t n = fread (log, 1, sizeof log - 1, s_captured);
    log[n] = 0;
    fclose (s_captured);
    return log;
}

//  The value of key (" key=") on the nth line (0 first) of log that
//  contains what, or -1 when there is no such line or key.
static long long
s_log_value (const char *log, const char *what, int nth, const char *key)
{
    char pattern[64];
    snprintf (pattern, sizeof pattern, " %s=", key);
    const char *line = log;
    while ((line = strstr (line, what))) {
        const char *end = strchr (line, '\n');
        if (nth-- == 0) {
            const char *at = strstr (line, pattern);
            return at && (!end || at < end) ? atoll (at + strlen (pattern)) : -1;
        }
        line = end ? end : line + strlen (line);
    }
    return -1;
}

//  A TCP port on 127.0.0.1 that nothing listens on.
static int
s_closed_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge (fd, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    ck_assert_int_eq (bind (fd, (struct sockaddr *) &addr, sizeof addr), 0);
    socklen_t len = sizeof addr;
    ck_assert_int_eq (getsockname (fd, (struct sockaddr *) &addr, &len), 0);
    close (fd);
    return ntohs (addr.sin_port);
}

//  --------------------------------------------------------------------------
//  The actor against the fake.

START_TEST (test_exit_ok)
{
    ck_assert_int_eq (fake_fyers_seed_position (s_fake, T_SYMBOL, "INTRADAY", 10, 500), 0);
    zactor_t *broker = s_broker (NULL, T_NORMAL_TIMEOUT_MS);
    gw_call_t *call = s_exit (T_POSITION_ID);
    call->call_id = 99;
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    ck_assert_uint_eq (call->call_id, 99);
    ck_assert_int_eq (call->http_status, 200);
    ck_assert_int_eq (call->broker_code, 200);
    ck_assert_str_eq (call->error, "");
    ck_assert_int_ge (call->latency_ms, 0);
    ck_assert_int_lt (call->latency_ms, T_FAST_MS);
    gw_call_destroy (&call);

    //  Exactly one DELETE, with the headers and body of docs/fyers.md §1, §4.
    cJSON *requests = s_requests ("DELETE", "/api/v3/positions");
    ck_assert_int_eq (cJSON_GetArraySize (requests), 1);
    cJSON *record = cJSON_GetArrayItem (requests, 0);
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (record, "auth")), "ok");
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (record, "version")), "3");
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (record, "content_type")),
                      "application/json");
    cJSON *body = cJSON_Parse (cJSON_GetStringValue (cJSON_GetObjectItem (record, "body")));
    ck_assert_ptr_nonnull (body);
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (body, "id")), T_POSITION_ID);
    //  Every exit cancels the position's working orders first (docs/fyers.md §4).
    ck_assert_int_eq (cJSON_GetNumberValue (cJSON_GetObjectItem (body, "pending_orders_cancel")),
                      1);
    ck_assert_int_eq (cJSON_GetArraySize (body), 2);
    cJSON_Delete (body);
    cJSON_Delete (requests);

    //  The fake applied it: the position reads flat.
    call = gw_call_new (GW_OP_POSITIONS);
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    ck_assert_uint_eq (call->position_count, 1);
    ck_assert_str_eq (call->positions[0].id, T_POSITION_ID);
    ck_assert_int_eq (call->positions[0].net_qty, 0);
    gw_call_destroy (&call);
    gw_broker_destroy (&broker);
}
END_TEST

START_TEST (test_exit_503)
{
    s_script ("{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\",\"action\":\"status\","
              "\"status\":503,\"body\":\"<html>Service Unavailable</html>\"}");
    zactor_t *broker = s_broker (NULL, T_NORMAL_TIMEOUT_MS);
    gw_call_t *call = s_exit (T_POSITION_ID);
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_AMBIGUOUS);
    ck_assert_int_eq (call->http_status, 503);
    ck_assert_str_eq (call->error, "HTTP 503: unparseable reply");
    gw_call_destroy (&call);
    gw_broker_destroy (&broker);
}
END_TEST

START_TEST (test_429_blocks_the_next_call)
{
    char script[256];
    snprintf (script, sizeof script,
              "{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\",\"action\":\"429\","
              "\"retry_after_s\":1,\"retry_after_ms\":%d}",
              T_RETRY_AFTER_MS);
    s_script (script);
    zactor_t *broker = s_broker (NULL, T_NORMAL_TIMEOUT_MS);
    gw_call_t *call = s_exit (T_POSITION_ID);
    s_roundtrip (broker, call);
    int64_t refused_at = zclock_mono ();
    ck_assert_int_eq (call->outcome, GW_OUT_RETRYABLE);
    ck_assert_int_eq (call->http_status, 429);
    ck_assert_int_eq (call->broker_code, -429);
    ck_assert_int_eq (call->retry_after_ms, T_RETRY_AFTER_MS);
    gw_call_destroy (&call);

    //  The next call leaves only when the broker's wait is over.
    call = gw_call_new (GW_OP_POSITIONS);
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    ck_assert_int_ge (zclock_mono () - refused_at, T_RETRY_AFTER_MS - T_RETRY_AFTER_MS / 10);
    gw_call_destroy (&call);
    cJSON *requests = s_requests ("GET", "/api/v3/positions");
    ck_assert_int_eq (cJSON_GetArraySize (requests), 1);
    cJSON_Delete (requests);
    gw_broker_destroy (&broker);
}
END_TEST

START_TEST (test_auth_errors)
{
    s_script ("{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\",\"action\":\"401\"}");
    zactor_t *broker = s_broker (NULL, T_NORMAL_TIMEOUT_MS);
    gw_call_t *call = s_exit (T_POSITION_ID);
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_FINAL);
    ck_assert_int_eq (call->http_status, 401);
    ck_assert_int_eq (call->broker_code, -16);
    ck_assert_str_eq (call->error, "HTTP 401: code -16: Could not authenticate the user");
    gw_call_destroy (&call);
    gw_broker_destroy (&broker);

    //  A wrong token: the fake refuses it like Fyers.
    setenv ("FYERS_ACCESS_TOKEN", "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.not-the-token", 1);
    broker = s_broker (NULL, T_NORMAL_TIMEOUT_MS);
    call = gw_call_new (GW_OP_POSITIONS);
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_FINAL);
    ck_assert_int_eq (call->broker_code, -16);
    ck_assert_ptr_null (strstr (call->error, "not-the-token"));
    gw_call_destroy (&call);
    gw_broker_destroy (&broker);

    //  No token at all: the broker does not start.
    unsetenv ("FYERS_ACCESS_TOKEN");
    char err[TW_TEXT_MAX];
    tw_config_t *config = tw_config_load (NULL, err, sizeof err);
    ck_assert_ptr_null (gw_broker_new (config));
    tw_config_destroy (&config);
}
END_TEST

//  Rates above Fyers' limits: the broker starts against the fake, never
//  against a Fyers host (gw_fyers_check_rates).
START_TEST (test_rate_guard)
{
    setenv ("TW_FYERS_RATE_PER_SEC", "1000", 1);
    setenv ("TW_FYERS_RATE_PER_MIN", "60000", 1);
    zactor_t *broker = s_broker (NULL, T_NORMAL_TIMEOUT_MS);
    gw_broker_destroy (&broker);

    setenv ("TW_FYERS_BASE_URL", "https://api-t1.fyers.in/api/v3", 1);
    char err[TW_TEXT_MAX];
    tw_config_t *config = tw_config_load (NULL, err, sizeof err);
    ck_assert_msg (config != NULL, "config: %s", err);
    ck_assert_ptr_null (gw_broker_new (config));
    tw_config_destroy (&config);
}
END_TEST

START_TEST (test_garbage)
{
    s_script ("[{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\",\"action\":\"garbage\"},"
              "{\"method\":\"GET\",\"path\":\"/api/v3/positions\",\"action\":\"garbage\"}]");
    zactor_t *broker = s_broker (NULL, T_NORMAL_TIMEOUT_MS);
    gw_call_t *call = s_exit (T_POSITION_ID);
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_AMBIGUOUS);
    ck_assert_int_eq (call->http_status, 200);
    ck_assert_str_eq (call->error, "unparseable reply");
    gw_call_destroy (&call);
    call = gw_call_new (GW_OP_POSITIONS);
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_RETRYABLE);
    gw_call_destroy (&call);
    gw_broker_destroy (&broker);
}
END_TEST

START_TEST (test_timeout)
{
    char script[512];
    snprintf (script, sizeof script,
              "[{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\",\"action\":\"hang\","
              "\"ms\":%d},{\"method\":\"GET\",\"path\":\"/api/v3/positions\",\"action\":\"hang\","
              "\"ms\":%d}]",
              T_HANG_MS, T_HANG_MS);
    s_script (script);
    zactor_t *broker = s_broker (NULL, T_TIMEOUT_MS);
    gw_call_t *call = s_exit (T_POSITION_ID);
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_AMBIGUOUS);
    ck_assert_int_eq (call->http_status, 0);
    ck_assert_msg (strncmp (call->error, "curl: ", 6) == 0 && strstr (call->error, "timed out"),
                   "error: %s", call->error);
    ck_assert_int_ge (call->latency_ms, T_TIMEOUT_MS - T_TIMEOUT_MS / 10);
    ck_assert_int_lt (call->latency_ms, T_HANG_MS);
    gw_call_destroy (&call);
    //  The same on a read is merely retryable.
    call = gw_call_new (GW_OP_POSITIONS);
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_RETRYABLE);
    ck_assert_msg (strncmp (call->error, "curl: ", 6) == 0 && strstr (call->error, "timed out"),
                   "error: %s", call->error);
    gw_call_destroy (&call);
    gw_broker_destroy (&broker);
}
END_TEST

START_TEST (test_connect_refused)
{
    char url[128];
    snprintf (url, sizeof url, "http://127.0.0.1:%d/api/v3", s_closed_port ());
    zactor_t *broker = s_broker (url, T_NORMAL_TIMEOUT_MS);
    gw_call_t *call = s_exit (T_POSITION_ID);
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_RETRYABLE);
    ck_assert_int_eq (call->http_status, 0);
    ck_assert_msg (strncmp (call->error, "curl: ", 6) == 0
                       && strstr (call->error, "Couldn't connect to server"),
                   "error: %s", call->error);
    gw_call_destroy (&call);
    gw_broker_destroy (&broker);

    //  A token that is not a JWT (tw_token.h): the broker does not start.
    setenv ("FYERS_ACCESS_TOKEN", "e", 1);
    char err[TW_TEXT_MAX];
    tw_config_t *config = tw_config_load (NULL, err, sizeof err);
    ck_assert_ptr_null (gw_broker_new (config));
    tw_config_destroy (&config);
}
END_TEST

START_TEST (test_nothing_to_exit)
{
    zactor_t *broker = s_broker (NULL, T_NORMAL_TIMEOUT_MS);
    gw_call_t *call = s_exit ("NSE:NOSUCH-EQ-INTRADAY");
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_AMBIGUOUS);
    ck_assert_int_eq (call->broker_code, -352);
    ck_assert_int_eq (call->http_status, 400);
    gw_call_destroy (&call);
    gw_broker_destroy (&broker);
}
END_TEST

START_TEST (test_exit_pending)
{
    ck_assert_int_eq (fake_fyers_seed_position (s_fake, T_SYMBOL, "INTRADAY", -20, 300), 0);
    s_script ("{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\",\"action\":\"code201\"}");
    zactor_t *broker = s_broker (NULL, T_NORMAL_TIMEOUT_MS);
    gw_call_t *call = s_exit (T_POSITION_ID);
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_PENDING);
    ck_assert_int_eq (call->broker_code, 201);
    gw_call_destroy (&call);
    gw_broker_destroy (&broker);
}
END_TEST

START_TEST (test_positions)
{
    ck_assert_int_eq (fake_fyers_seed_position (s_fake, T_SYMBOL, "INTRADAY", 10, 500), 0);
    ck_assert_int_eq (fake_fyers_seed_position (s_fake, "NSE:INFY-EQ", "CNC", -4, 1500), 0);
    ck_assert_int_eq (fake_fyers_set_price (s_fake, T_SYMBOL, 505), 0);
    zactor_t *broker = s_broker (NULL, T_NORMAL_TIMEOUT_MS);
    gw_call_t *call = gw_call_new (GW_OP_POSITIONS);
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    ck_assert_uint_eq (call->position_count, 2);
    for (size_t i = 0; i < call->position_count; i++) {
        const gw_broker_position_t *p = &call->positions[i];
        if (streq (p->id, T_POSITION_ID)) {
            ck_assert_str_eq (p->symbol, T_SYMBOL);
            ck_assert_str_eq (p->product, "INTRADAY");
            ck_assert_int_eq (p->net_qty, 10);
            ck_assert_double_eq_tol (p->avg_price, 500, T_PRICE_EPSILON);
            ck_assert_double_eq_tol (p->ltp, 505, T_PRICE_EPSILON);
        }
        else {
            ck_assert_str_eq (p->id, "NSE:INFY-EQ-CNC");
            ck_assert_str_eq (p->symbol, "NSE:INFY-EQ");
            ck_assert_int_eq (p->net_qty, -4);
            ck_assert_double_eq_tol (p->avg_price, 1500, T_PRICE_EPSILON);
        }
    }
    gw_call_destroy (&call);
    gw_broker_destroy (&broker);
}
END_TEST

START_TEST (test_place_and_lookup)
{
    ck_assert_int_eq (fake_fyers_set_price (s_fake, T_SYMBOL, 501.5), 0);
    zactor_t *broker = s_broker (NULL, T_NORMAL_TIMEOUT_MS);
    gw_call_t *call = gw_call_new (GW_OP_PLACE);
    snprintf (call->symbol, sizeof call->symbol, T_SYMBOL);
    snprintf (call->product, sizeof call->product, "INTRADAY");
    snprintf (call->order_tag, sizeof call->order_tag, "gw1abc");
    call->side = TW_SIDE_LONG;
    call->qty = 5;
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    ck_assert_int_eq (call->broker_code, 1101);
    ck_assert_str_ne (call->order_id, "");
    ck_assert_double_eq_tol (call->fill_price, 0, T_PRICE_EPSILON);
    char order_id[TW_ID_MAX];
    snprintf (order_id, sizeof order_id, "%s", call->order_id);
    gw_call_destroy (&call);

    cJSON *requests = s_requests ("POST", "/api/v3/orders/sync");
    ck_assert_int_eq (cJSON_GetArraySize (requests), 1);
    cJSON *record = cJSON_GetArrayItem (requests, 0);
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (record, "auth")), "ok");
    cJSON *body = cJSON_Parse (cJSON_GetStringValue (cJSON_GetObjectItem (record, "body")));
    ck_assert_int_eq (cJSON_GetObjectItem (body, "side")->valueint, 1);
    ck_assert_int_eq (cJSON_GetObjectItem (body, "qty")->valueint, 5);
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (body, "orderTag")), "gw1abc");
    cJSON_Delete (body);
    cJSON_Delete (requests);

    call = gw_call_new (GW_OP_ORDER_BY_TAG);
    snprintf (call->order_tag, sizeof call->order_tag, "gw1abc");
    snprintf (call->symbol, sizeof call->symbol, T_SYMBOL);
    call->side = TW_SIDE_LONG;
    call->qty = 5;
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    ck_assert_int_eq (call->order_status, 2);
    ck_assert_int_eq (call->filled_qty, 5);
    ck_assert_str_eq (call->order_id, order_id);
    ck_assert_double_eq_tol (call->fill_price, 501.5, T_PRICE_EPSILON);
    snprintf (call->order_tag, sizeof call->order_tag, "gwnosuch");
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    ck_assert_int_eq (call->order_status, 0);
    gw_call_destroy (&call);

    requests = s_requests ("GET", "/api/v3/orders");
    ck_assert_int_eq (cJSON_GetArraySize (requests), 2);
    cJSON *query = cJSON_GetObjectItem (cJSON_GetArrayItem (requests, 0), "query");
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (query, "order_tag")), "1:gw1abc");
    cJSON_Delete (requests);

    //  The position the order made.
    call = gw_call_new (GW_OP_POSITIONS);
    s_roundtrip (broker, call);
    ck_assert_uint_eq (call->position_count, 1);
    ck_assert_int_eq (call->positions[0].net_qty, 5);
    gw_call_destroy (&call);
    gw_broker_destroy (&broker);
}
END_TEST

//  A connection that dies after the request was sent: ambiguous, and never
//  sent a second time, even over a kept-alive connection.
START_TEST (test_reset_not_resent)
{
    ck_assert_int_eq (fake_fyers_seed_position (s_fake, T_SYMBOL, "INTRADAY", 10, 500), 0);
    s_script ("[{\"method\":\"POST\",\"path\":\"/api/v3/orders/sync\",\"action\":\"reset\"},"
              "{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\","
              "\"action\":\"apply_then_reset\"},"
              "{\"method\":\"GET\",\"path\":\"/api/v3/positions\",\"action\":\"reset\"}]");
    zactor_t *broker = s_broker (NULL, T_NORMAL_TIMEOUT_MS);
    //  Warm a connection up first, so that one is kept alive.
    gw_call_t *call = gw_call_new (GW_OP_ORDER_BY_TAG);
    snprintf (call->order_tag, sizeof call->order_tag, "warm");
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    gw_call_destroy (&call);

    call = gw_call_new (GW_OP_PLACE);
    snprintf (call->symbol, sizeof call->symbol, T_SYMBOL);
    snprintf (call->order_tag, sizeof call->order_tag, "gw2");
    call->side = TW_SIDE_LONG;
    call->qty = 1;
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_AMBIGUOUS);
    ck_assert_int_eq (call->http_status, 0);
    gw_call_destroy (&call);
    ck_assert_int_eq (fake_fyers_count (s_fake, "POST", "/api/v3/orders/sync"), 1);

    call = s_exit (T_POSITION_ID);
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_AMBIGUOUS);
    gw_call_destroy (&call);
    ck_assert_int_eq (fake_fyers_count (s_fake, "DELETE", "/api/v3/positions"), 1);

    //  A read may be retried by curl; its outcome is retryable anyway.
    call = gw_call_new (GW_OP_POSITIONS);
    s_roundtrip (broker, call);
    ck_assert (call->outcome == GW_OUT_RETRYABLE || call->outcome == GW_OUT_OK);
    gw_call_destroy (&call);
    gw_broker_destroy (&broker);
}
END_TEST

//  When the rate limiter holds calls back, exits leave before other calls.
START_TEST (test_exits_go_first)
{
    setenv ("TW_FYERS_RATE_PER_SEC", "1", 1);
    zactor_t *broker = s_broker (NULL, T_NORMAL_TIMEOUT_MS);
    gw_call_t *calls[] = {gw_call_new (GW_OP_POSITIONS), gw_call_new (GW_OP_POSITIONS),
                          s_exit (T_POSITION_ID)};
    size_t count = sizeof calls / sizeof *calls;
    for (size_t i = 0; i < count; i++)
        ck_assert_int_eq (zsock_send (broker, "p", calls[i]), 0);
    //  The first read leaves at once; then the exit, then the second read.
    gw_call_t *expected[] = {calls[0], calls[2], calls[1]};
    for (size_t i = 0; i < count; i++) {
        gw_call_t *call = s_recv (broker, T_REPLY_TIMEOUT_MS);
        ck_assert_ptr_eq (call, expected[i]);
        gw_call_destroy (&call);
    }
    gw_broker_destroy (&broker);
}
END_TEST

START_TEST (test_invalid_call_not_sent)
{
    zactor_t *broker = s_broker (NULL, T_NORMAL_TIMEOUT_MS);
    gw_call_t *call = gw_call_new (GW_OP_PLACE);
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_FINAL);
    ck_assert_str_eq (call->error, "invalid place call: no symbol");
    gw_call_destroy (&call);
    ck_assert_int_eq (fake_fyers_count (s_fake, NULL, NULL), 0);
    gw_broker_destroy (&broker);
}
END_TEST

START_TEST (test_hanging_calls_do_not_block)
{
    char script[256];
    snprintf (script, sizeof script,
              "{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\",\"action\":\"hang\","
              "\"ms\":%d,\"times\":%d}",
              T_HANG_MS, T_HANGING);
    s_script (script);
    zactor_t *broker = s_broker (NULL, T_NORMAL_TIMEOUT_MS);
    for (int i = 0; i < T_HANGING; i++) {
        gw_call_t *call = gw_call_new (GW_OP_EXIT);
        snprintf (call->position_id, sizeof call->position_id, "NSE:S%d-EQ-INTRADAY", i);
        call->call_id = (uint64_t) i + 1;
        ck_assert_int_eq (zsock_send (broker, "p", call), 0);
    }
    //  All of them reach the fake at once (ten fit in one second's budget).
    ck_assert_int_ge (
        fake_fyers_wait_count (s_fake, "DELETE", "/api/v3/positions", T_HANGING, T_COUNT_WAIT_MS),
        T_HANGING);
    //  An eleventh call is served while they hang: it comes back first, fast
    //  once the rate limiter lets it go.
    int64_t sent_at = zclock_mono ();
    gw_call_t *read = gw_call_new (GW_OP_POSITIONS);
    read->call_id = 1000;
    ck_assert_int_eq (zsock_send (broker, "p", read), 0);
    gw_call_t *first = s_recv (broker, T_REPLY_TIMEOUT_MS);
    ck_assert_ptr_eq (first, read);
    ck_assert_int_eq (first->outcome, GW_OUT_OK);
    ck_assert_int_lt (first->latency_ms, T_FAST_MS);
    ck_assert_int_lt (zclock_mono () - sent_at, T_HANG_MS);
    gw_call_destroy (&first);
    //  Then the ten, each answered 504 by the fake after its hang.
    bool seen[T_HANGING] = {false};
    for (int i = 0; i < T_HANGING; i++) {
        gw_call_t *call = s_recv (broker, T_REPLY_TIMEOUT_MS);
        ck_assert_int_eq (call->outcome, GW_OUT_AMBIGUOUS);
        ck_assert_int_eq (call->http_status, 504);
        ck_assert_int_ge (call->call_id, 1);
        ck_assert_int_le (call->call_id, T_HANGING);
        ck_assert (!seen[call->call_id - 1]);
        seen[call->call_id - 1] = true;
        gw_call_destroy (&call);
    }
    gw_broker_destroy (&broker);
}
END_TEST

START_TEST (test_stop_with_calls_in_flight)
{
    char script[256];
    snprintf (script, sizeof script,
              "{\"method\":\"GET\",\"path\":\"/api/v3/positions\",\"action\":\"hang\","
              "\"ms\":%d,\"times\":3}",
              T_HANG_MS * 2);
    s_script (script);
    zactor_t *broker = s_broker (NULL, T_NORMAL_TIMEOUT_MS * 2);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq (zsock_send (broker, "p", gw_call_new (GW_OP_POSITIONS)), 0);
    ck_assert_int_ge (
        fake_fyers_wait_count (s_fake, "GET", "/api/v3/positions", 3, T_COUNT_WAIT_MS), 3);
    //  And some queued behind the rate limit.
    for (int i = 0; i < T_RATE_PER_SEC; i++)
        ck_assert_int_eq (zsock_send (broker, "p", gw_call_new (GW_OP_POSITIONS)), 0);
    int64_t start = zclock_mono ();
    gw_broker_destroy (&broker);
    ck_assert_int_lt (zclock_mono () - start, T_STOP_MS);
}
END_TEST

//  Runs the error paths with stderr captured at debug level, and checks that
//  the token shows up in no error text and no log line, even when the
//  broker's own message quotes it.
START_TEST (test_token_never_leaks)
{
    char script[512];
    snprintf (script, sizeof script,
              "[{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\",\"action\":\"status\","
              "\"status\":400,\"body\":{\"s\":\"error\",\"code\":-50,"
              "\"message\":\"bad header %s:%s\"}},"
              "{\"method\":\"GET\",\"path\":\"/api/v3/positions\",\"action\":\"401\"},"
              "{\"method\":\"POST\",\"path\":\"/api/v3/orders/sync\",\"action\":\"reset\"}]",
              T_APP_ID, T_TOKEN);
    s_script (script);
    s_capture_start ();

    zactor_t *broker = s_broker (NULL, T_NORMAL_TIMEOUT_MS);
    gw_call_t *call = s_exit (T_POSITION_ID);
    s_roundtrip (broker, call);
    char error[TW_TEXT_MAX];
    snprintf (error, sizeof error, "%s", call->error);
    gw_outcome_t outcome = call->outcome;
    gw_call_destroy (&call);
    call = gw_call_new (GW_OP_PLACE);
    snprintf (call->symbol, sizeof call->symbol, T_SYMBOL);
    call->side = TW_SIDE_LONG;
    call->qty = 1;
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_AMBIGUOUS);
    ck_assert_ptr_null (strstr (call->error, T_TOKEN));
    gw_call_destroy (&call);
    //  Last: after an authentication failure later calls are held.
    call = gw_call_new (GW_OP_POSITIONS);
    s_roundtrip (broker, call);
    ck_assert_ptr_null (strstr (call->error, T_TOKEN));
    gw_call_destroy (&call);
    gw_broker_destroy (&broker);
    const char *log = s_capture_end ();

    ck_assert_int_eq (outcome, GW_OUT_FINAL);
    ck_assert_msg (strstr (error, T_TOKEN) == NULL, "token in error: %s", error);
    ck_assert_str_eq (error, "HTTP 400: code -50: bad header " T_APP_ID ":<redacted>");
    ck_assert_msg (strstr (log, "fyers call") != NULL, "nothing logged: %s", log);
    ck_assert_msg (strstr (log, T_TOKEN) == NULL, "token in the log: %s", log);
    char fingerprint[16];
    tw_log_fingerprint (T_TOKEN, fingerprint, sizeof fingerprint);
    ck_assert_msg (strstr (log, fingerprint) != NULL, "no token fingerprint in the log");
}
END_TEST

//  Every write opens a connection of its own, even with one kept alive (on a
//  reused connection curl could send it twice: gw_fyers.c s_start), while
//  reads reuse theirs; the debug timing line of each call says how many it
//  opened and when it connected.
START_TEST (test_writes_open_a_connection)
{
    ck_assert_int_eq (fake_fyers_seed_position (s_fake, T_SYMBOL, "INTRADAY", 10, 500), 0);
    s_capture_start ();
    zactor_t *broker = s_broker (NULL, T_NORMAL_TIMEOUT_MS);
    gw_op_t ops[] = {GW_OP_POSITIONS, GW_OP_POSITIONS, GW_OP_EXIT, GW_OP_EXIT};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        gw_call_t *call = ops[i] == GW_OP_EXIT ? s_exit (T_POSITION_ID) : gw_call_new (ops[i]);
        s_roundtrip (broker, call);
        ck_assert_int_ne (call->http_status, 0);
        gw_call_destroy (&call);
    }
    gw_broker_destroy (&broker);
    const char *log = s_capture_end ();

    //  The first read connects, the second reuses that connection.
    ck_assert_int_eq (s_log_value (log, "fyers timing op=positions", 0, "new_connections"), 1);
    ck_assert_int_gt (s_log_value (log, "fyers timing op=positions", 0, "connect_us"), 0);
    ck_assert_int_eq (s_log_value (log, "fyers timing op=positions", 1, "new_connections"), 0);
    //  Each exit connects anew (the second finds nothing to exit: it was sent all the same).
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq (s_log_value (log, "fyers timing op=exit", i, "new_connections"), 1);
        long long connect = s_log_value (log, "fyers timing op=exit", i, "connect_us");
        long long sent = s_log_value (log, "fyers timing op=exit", i, "sent_us");
        long long total = s_log_value (log, "fyers timing op=exit", i, "total_us");
        ck_assert_int_gt (connect, 0);
        ck_assert (connect <= sent && sent <= total);
    }
    ck_assert_int_eq (fake_fyers_count (s_fake, "DELETE", "/api/v3/positions"), 2);
}
END_TEST

//  A JWT whose signature part differs from T_TOKEN: the fake refuses it.
#define T_OTHER_TOKEN "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.other-token"
//  A JWT that expired in 1970 ({"exp":1}).
#define T_EXPIRED_TOKEN "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.SECRET-7f3a9c-e2b1d4"
#define T_TOKEN_WAIT_MS 10000 //  waiting for the broker to pick a new token up
#define T_HELD_MS 500         //  a held call has no reply in this long

//  Writes token to a fresh token file in a temporary folder, points
//  [fyers] token_file at it and clears FYERS_ACCESS_TOKEN. Returns the path
//  (the caller removes it with s_token_file_remove).
static char *
s_token_file (const char *token)
{
    char folder[] = "/tmp/test_fyers_tokenXXXXXX";
    ck_assert_ptr_nonnull (mkdtemp (folder));
    char *path = zsys_sprintf ("%s/fyers.token", folder);
    char err[256];
    ck_assert_msg (tw_token_write (path, token, err, sizeof err) == 0, "%s", err);
    unsetenv ("FYERS_ACCESS_TOKEN");
    setenv ("TW_FYERS_TOKEN_FILE", path, 1);
    return path;
}

static void
s_token_file_remove (char **path_p)
{
    char *path = *path_p;
    remove (path);
    char *slash = strrchr (path, '/');
    *slash = 0;
    rmdir (path);
    unsetenv ("TW_FYERS_TOKEN_FILE");
    zstr_free (path_p);
}

//  A new token in the token file is used without a restart, and an
//  authentication failure holds the calls until then: the broker starts
//  with a token the fake refuses; the next call is held, unsent; the file
//  is rewritten with the right token and the held call goes out and
//  succeeds.
START_TEST (test_token_reload)
{
    char *path = s_token_file (T_OTHER_TOKEN);
    zactor_t *broker = s_broker (NULL, T_NORMAL_TIMEOUT_MS);
    gw_call_t *call = gw_call_new (GW_OP_POSITIONS);
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->broker_code, -16);
    ck_assert (gw_fyers_is_auth_failure (call));
    gw_call_destroy (&call);

    call = gw_call_new (GW_OP_POSITIONS);
    ck_assert_int_eq (zsock_send (broker, "p", call), 0);
    zpoller_t *poller = zpoller_new (broker, NULL);
    ck_assert_ptr_null (zpoller_wait (poller, T_HELD_MS));
    zpoller_destroy (&poller);
    ck_assert_int_eq (fake_fyers_count (s_fake, "GET", "/api/v3/positions"), 1);

    char err[256];
    ck_assert_msg (tw_token_write (path, T_TOKEN, err, sizeof err) == 0, "%s", err);
    gw_call_t *back = s_recv (broker, T_TOKEN_WAIT_MS);
    ck_assert_ptr_eq (back, call);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    gw_call_destroy (&call);
    ck_assert_int_eq (fake_fyers_count (s_fake, "GET", "/api/v3/positions"), 2);
    gw_broker_destroy (&broker);
    s_token_file_remove (&path);
}
END_TEST

//  An expired token: opens are refused before sending, naming the reason;
//  exits and broker stops are still sent (the broker decides).
START_TEST (test_token_expired)
{
    setenv ("FYERS_ACCESS_TOKEN", T_EXPIRED_TOKEN, 1);
    zactor_t *broker = s_broker (NULL, T_NORMAL_TIMEOUT_MS);
    gw_call_t *call = gw_call_new (GW_OP_PLACE);
    snprintf (call->symbol, sizeof call->symbol, T_SYMBOL);
    snprintf (call->product, sizeof call->product, "INTRADAY");
    snprintf (call->order_tag, sizeof call->order_tag, "gwexp");
    call->side = TW_SIDE_LONG;
    call->qty = 1;
    s_roundtrip (broker, call);
    ck_assert_int_eq (call->outcome, GW_OUT_FINAL);
    ck_assert_msg (strstr (call->error, "token expired") != NULL, "error: %s", call->error);
    ck_assert_ptr_null (strstr (call->error, "SECRET"));
    gw_call_destroy (&call);
    ck_assert_int_eq (fake_fyers_count (s_fake, "POST", "/api/v3/orders/sync"), 0);

    call = s_exit (T_POSITION_ID);
    s_roundtrip (broker, call);
    ck_assert_ptr_null (strstr (call->error, "token expired"));
    gw_call_destroy (&call);
    ck_assert_int_eq (fake_fyers_count (s_fake, "DELETE", "/api/v3/positions"), 1);
    gw_broker_destroy (&broker);

    //  A broker stop protects, it adds no exposure: it goes too (the
    //  fake, which knows another token, refuses it: it was sent). A new
    //  broker: the one above holds its calls since the fake refused it.
    broker = s_broker (NULL, T_NORMAL_TIMEOUT_MS);
    call = gw_call_new (GW_OP_PLACE);
    snprintf (call->symbol, sizeof call->symbol, T_SYMBOL);
    snprintf (call->product, sizeof call->product, "INTRADAY");
    snprintf (call->order_tag, sizeof call->order_tag, "TSexp");
    call->side = TW_SIDE_SHORT;
    call->qty = 1;
    call->stop_price = 50;
    s_roundtrip (broker, call);
    ck_assert_ptr_null (strstr (call->error, "token expired"));
    gw_call_destroy (&call);
    ck_assert_int_eq (fake_fyers_count (s_fake, "POST", "/api/v3/orders/sync"), 1);
    gw_broker_destroy (&broker);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("gw_fyers");
    TCase *actor = tcase_create ("actor");
    tcase_add_checked_fixture (actor, s_setup, s_teardown);
    tcase_add_test (actor, test_exit_ok);
    tcase_add_test (actor, test_exit_503);
    tcase_add_test (actor, test_429_blocks_the_next_call);
    tcase_add_test (actor, test_auth_errors);
    tcase_add_test (actor, test_rate_guard);
    tcase_add_test (actor, test_garbage);
    tcase_add_test (actor, test_timeout);
    tcase_add_test (actor, test_connect_refused);
    tcase_add_test (actor, test_nothing_to_exit);
    tcase_add_test (actor, test_exit_pending);
    tcase_add_test (actor, test_positions);
    tcase_add_test (actor, test_place_and_lookup);
    tcase_add_test (actor, test_reset_not_resent);
    tcase_add_test (actor, test_exits_go_first);
    tcase_add_test (actor, test_invalid_call_not_sent);
    tcase_add_test (actor, test_token_reload);
    tcase_add_test (actor, test_token_expired);
    tcase_add_test (actor, test_hanging_calls_do_not_block);
    tcase_add_test (actor, test_stop_with_calls_in_flight);
    tcase_add_test (actor, test_token_never_leaks);
    tcase_add_test (actor, test_writes_open_a_connection);
    suite_add_tcase (suite, actor);

    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
