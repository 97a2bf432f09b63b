//  Tests for fake_fyers and fake_fyers_ctl: a real fake process per test,
//  driven over 127.0.0.1 with libcurl. Every request has a short timeout and
//  every wait is bounded.
//
//  The binary comes from argv[1] or $FAKE_FYERS_BIN (meson passes both).

#define _GNU_SOURCE //  strcasestr

#include "fake_fyers_ctl.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define APP_ID "TESTAPP01-100"
#define TOKEN "fake.jwt.token"
#define AUTH_HEADER "Authorization: " APP_ID ":" TOKEN
#define SYMBOL "NSE:SBIN-EQ"
#define POSITION_ID "NSE:SBIN-EQ-INTRADAY"
#define EXIT_BODY "{\"id\":\"" POSITION_ID "\"}"

//  Client timeouts: short, because everything is local.
#define CALL_TIMEOUT_MS 2000
#define SHORT_TIMEOUT_MS 300
//  A fast reply on loopback; generous for a loaded CI machine or ASan.
#define FAST_REPLY_MS 700
#define HANG_MS 1500
#define PARALLEL_HANGS 16
#define WAIT_MS 3000

static const char *s_binary;
static fake_fyers_t *s_fake;

typedef struct {
    CURLcode rc;
    long status; //  0 when no HTTP reply came
    char *body;
    char *headers;
    double elapsed_ms;
} reply_t;

typedef struct {
    char *data;
    size_t len;
} buffer_t;

static size_t
s_collect (char *ptr, size_t size, size_t nmemb, void *userdata)
{
    buffer_t *buffer = userdata;
    size_t n = size * nmemb;
    char *grown = realloc (buffer->data, buffer->len + n + 1);
    if (!grown)
        return 0;
    memcpy (grown + buffer->len, ptr, n);
    buffer->data = grown;
    buffer->len += n;
    buffer->data[buffer->len] = 0;
    return n;
}

static double
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1000.0 + (double) ts.tv_nsec / 1e6;
}

//  One Fyers API call as the gateway would make it (FYERS.md §1): path is
//  relative to the base URL, e.g. "/positions".
static reply_t
s_call_ex (const char *method, const char *path, const char *body, bool auth, long timeout_ms)
{
    char url[256];
    snprintf (url, sizeof url, "%s%s", fake_fyers_base_url (s_fake), path);
    buffer_t body_buf = {0}, head_buf = {0};
    struct curl_slist *headers = NULL;
    if (auth)
        headers = curl_slist_append (headers, AUTH_HEADER);
    headers = curl_slist_append (headers, "Content-Type: application/json");
    headers = curl_slist_append (headers, "version: 3");
    CURL *curl = curl_easy_init ();
    ck_assert_ptr_nonnull (curl);
    curl_easy_setopt (curl, CURLOPT_URL, url);
    curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, method);
    if (body)
        curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, s_collect);
    curl_easy_setopt (curl, CURLOPT_WRITEDATA, &body_buf);
    curl_easy_setopt (curl, CURLOPT_HEADERFUNCTION, s_collect);
    curl_easy_setopt (curl, CURLOPT_HEADERDATA, &head_buf);
    curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
    curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    double start = s_now_ms ();
    reply_t reply = {.rc = curl_easy_perform (curl)};
    reply.elapsed_ms = s_now_ms () - start;
    if (reply.rc == CURLE_OK)
        curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &reply.status);
    reply.body = body_buf.data ? body_buf.data : strdup ("");
    reply.headers = head_buf.data ? head_buf.data : strdup ("");
    curl_slist_free_all (headers);
    curl_easy_cleanup (curl);
    return reply;
}

static reply_t
s_call (const char *method, const char *path, const char *body)
{
    return s_call_ex (method, path, body, true, CALL_TIMEOUT_MS);
}

static void
s_reply_free (reply_t *reply)
{
    free (reply->body);
    free (reply->headers);
}

//  The integer field key of a JSON object body; fails the test if absent.
static long
s_json_int (const char *body, const char *key)
{
    cJSON *json = cJSON_Parse (body);
    ck_assert_msg (json != NULL, "not JSON: %s", body);
    cJSON *field = cJSON_GetObjectItem (json, key);
    ck_assert_msg (cJSON_IsNumber (field), "no number %s in %s", key, body);
    long value = (long) field->valuedouble;
    cJSON_Delete (json);
    return value;
}

static char *
s_json_str (const char *body, const char *key)
{
    cJSON *json = cJSON_Parse (body);
    ck_assert_msg (json != NULL, "not JSON: %s", body);
    const char *value = cJSON_GetStringValue (cJSON_GetObjectItem (json, key));
    ck_assert_msg (value != NULL, "no string %s in %s", key, body);
    char *copy = strdup (value);
    cJSON_Delete (json);
    return copy;
}

//  netQty of the position as GET /positions shows it; -999 when absent.
static long
s_net_qty (const char *position_id)
{
    reply_t reply = s_call ("GET", "/positions", NULL);
    ck_assert_int_eq (reply.status, 200);
    cJSON *json = cJSON_Parse (reply.body);
    ck_assert_ptr_nonnull (json);
    long net = -999;
    const cJSON *item;
    cJSON_ArrayForEach (item, cJSON_GetObjectItem (json, "netPositions"))
        if (strcmp (cJSON_GetStringValue (cJSON_GetObjectItem (item, "id")), position_id) == 0)
            net = (long) cJSON_GetNumberValue (cJSON_GetObjectItem (item, "netQty"));
    cJSON_Delete (json);
    s_reply_free (&reply);
    return net;
}

static void
s_setup (void)
{
    s_fake = fake_fyers_start (s_binary, APP_ID, TOKEN);
    ck_assert_msg (s_fake != NULL, "cannot start %s", s_binary);
}

static void
s_teardown (void)
{
    if (s_fake)
        ck_assert_int_eq (fake_fyers_stop (&s_fake), 0);
}

START_TEST (test_start_reports_port)
{
    ck_assert_int_gt (fake_fyers_port (s_fake), 0);
    char expected[64];
    snprintf (expected, sizeof expected, "http://127.0.0.1:%d/api/v3", fake_fyers_port (s_fake));
    ck_assert_str_eq (fake_fyers_base_url (s_fake), expected);
    ck_assert_int_eq (fake_fyers_count (s_fake, NULL, NULL), 0);
}
END_TEST

START_TEST (test_unauthenticated)
{
    reply_t reply = s_call_ex ("GET", "/positions", NULL, false, CALL_TIMEOUT_MS);
    ck_assert_int_eq (reply.status, 401);
    ck_assert_int_eq (s_json_int (reply.body, "code"), -16);
    char *s = s_json_str (reply.body, "s");
    ck_assert_str_eq (s, "error");
    free (s);
    char *message = s_json_str (reply.body, "message");
    ck_assert_str_eq (message, "Could not authenticate the user");
    free (message);
    s_reply_free (&reply);

    //  A wrong token is refused the same way, and nothing is applied.
    ck_assert_int_eq (fake_fyers_seed_position (s_fake, SYMBOL, "INTRADAY", 10, 500.0), 0);
    const char *wrong[] = {"Authorization: " APP_ID ":other", NULL};
    long status = 0;
    char *body = fake_fyers_http (s_fake, "DELETE", "/api/v3/positions", EXIT_BODY, wrong, &status);
    ck_assert_int_eq (status, 401);
    free (body);
    ck_assert_int_eq (s_net_qty (POSITION_ID), 10);
}
END_TEST

START_TEST (test_positions_and_exit)
{
    ck_assert_int_eq (fake_fyers_seed_position (s_fake, SYMBOL, "INTRADAY", 10, 500.0), 0);
    ck_assert_int_eq (fake_fyers_set_price (s_fake, SYMBOL, 510.0), 0);
    reply_t reply = s_call ("GET", "/positions", NULL);
    ck_assert_int_eq (reply.status, 200);
    cJSON *json = cJSON_Parse (reply.body);
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (json, "s")), "ok");
    cJSON *position = cJSON_GetArrayItem (cJSON_GetObjectItem (json, "netPositions"), 0);
    ck_assert_ptr_nonnull (position);
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (position, "id")), POSITION_ID);
    ck_assert_int_eq ((int) cJSON_GetNumberValue (cJSON_GetObjectItem (position, "netQty")), 10);
    ck_assert_int_eq ((int) cJSON_GetNumberValue (cJSON_GetObjectItem (position, "side")), 1);
    ck_assert_double_eq (cJSON_GetNumberValue (cJSON_GetObjectItem (position, "unrealized_profit")),
                         100.0);
    cJSON_Delete (json);
    s_reply_free (&reply);

    reply = s_call ("DELETE", "/positions", EXIT_BODY);
    ck_assert_int_eq (reply.status, 200);
    ck_assert_int_eq (s_json_int (reply.body, "code"), 200);
    char *message = s_json_str (reply.body, "message");
    ck_assert_str_eq (message, "The position is closed.");
    free (message);
    s_reply_free (&reply);
    ck_assert_int_eq (fake_fyers_count (s_fake, "DELETE", "/api/v3/positions"), 1);

    //  Flat, but still listed, with the P&L realised at the exit price.
    reply = s_call ("GET", "/positions", NULL);
    json = cJSON_Parse (reply.body);
    position = cJSON_GetArrayItem (cJSON_GetObjectItem (json, "netPositions"), 0);
    ck_assert_int_eq ((int) cJSON_GetNumberValue (cJSON_GetObjectItem (position, "netQty")), 0);
    ck_assert_int_eq ((int) cJSON_GetNumberValue (cJSON_GetObjectItem (position, "side")), 0);
    ck_assert_double_eq (cJSON_GetNumberValue (cJSON_GetObjectItem (position, "realized_profit")),
                         100.0);
    cJSON_Delete (json);
    s_reply_free (&reply);

    //  The counter order is in the book, filled.
    reply = s_call ("GET", "/orders", NULL);
    json = cJSON_Parse (reply.body);
    cJSON *order = cJSON_GetArrayItem (cJSON_GetObjectItem (json, "orderBook"), 0);
    ck_assert_ptr_nonnull (order);
    ck_assert_int_eq ((int) cJSON_GetNumberValue (cJSON_GetObjectItem (order, "side")), -1);
    ck_assert_int_eq ((int) cJSON_GetNumberValue (cJSON_GetObjectItem (order, "qty")), 10);
    ck_assert_int_eq ((int) cJSON_GetNumberValue (cJSON_GetObjectItem (order, "status")), 2);
    cJSON_Delete (json);
    s_reply_free (&reply);

    //  Nothing left to exit.
    reply = s_call ("DELETE", "/positions", EXIT_BODY);
    ck_assert_int_eq (reply.status, 400);
    ck_assert_int_eq (s_json_int (reply.body, "code"), -352);
    s_reply_free (&reply);
    reply = s_call ("DELETE", "/positions", "{\"exit_all\":1}");
    ck_assert_int_eq (s_json_int (reply.body, "code"), -352);
    s_reply_free (&reply);
}
END_TEST

START_TEST (test_exit_all_and_list)
{
    ck_assert_int_eq (fake_fyers_seed_position (s_fake, SYMBOL, "INTRADAY", 10, 500.0), 0);
    ck_assert_int_eq (fake_fyers_seed_position (s_fake, "NSE:IDEA-EQ", "CNC", -5, 10.0), 0);
    reply_t reply =
        s_call ("DELETE", "/positions", "{\"id\":[\"" POSITION_ID "\",\"NSE:IDEA-EQ-CNC\"]}");
    ck_assert_int_eq (reply.status, 200);
    s_reply_free (&reply);
    ck_assert_int_eq (s_net_qty (POSITION_ID), 0);
    ck_assert_int_eq (s_net_qty ("NSE:IDEA-EQ-CNC"), 0);

    ck_assert_int_eq (fake_fyers_seed_position (s_fake, SYMBOL, "INTRADAY", -3, 500.0), 0);
    reply = s_call ("DELETE", "/positions", "{\"exit_all\":1}");
    ck_assert_int_eq (reply.status, 200);
    s_reply_free (&reply);
    ck_assert_int_eq (s_net_qty (POSITION_ID), 0);
}
END_TEST

START_TEST (test_place_order)
{
    ck_assert_int_eq (fake_fyers_set_price (s_fake, SYMBOL, 812.5), 0);
    const char *order = "{\"symbol\":\"" SYMBOL "\",\"qty\":4,\"type\":2,\"side\":-1,"
                        "\"productType\":\"INTRADAY\",\"limitPrice\":0,\"stopPrice\":0,"
                        "\"validity\":\"DAY\",\"disclosedQty\":0,\"offlineOrder\":false,"
                        "\"orderTag\":\"tw42\"}";
    reply_t reply = s_call ("POST", "/orders/sync", order);
    ck_assert_int_eq (reply.status, 200);
    ck_assert_int_eq (s_json_int (reply.body, "code"), 1101);
    char *id = s_json_str (reply.body, "id");
    char *message = s_json_str (reply.body, "message");
    ck_assert_ptr_nonnull (strstr (message, id));
    free (message);
    s_reply_free (&reply);
    ck_assert_int_eq (s_net_qty (POSITION_ID), -4);

    char path[128];
    snprintf (path, sizeof path, "/orders?id=%s", id);
    reply = s_call ("GET", path, NULL);
    cJSON *json = cJSON_Parse (reply.body);
    cJSON *book = cJSON_GetObjectItem (json, "orderBook");
    ck_assert_int_eq (cJSON_GetArraySize (book), 1);
    cJSON *item = cJSON_GetArrayItem (book, 0);
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (item, "id")), id);
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (item, "orderTag")), "1:tw42");
    ck_assert_int_eq ((int) cJSON_GetNumberValue (cJSON_GetObjectItem (item, "filledQty")), 4);
    ck_assert_double_eq (cJSON_GetNumberValue (cJSON_GetObjectItem (item, "tradedPrice")), 812.5);
    cJSON_Delete (json);
    s_reply_free (&reply);
    free (id);

    reply = s_call ("GET", "/orders?order_tag=1:tw42", NULL);
    json = cJSON_Parse (reply.body);
    ck_assert_int_eq (cJSON_GetArraySize (cJSON_GetObjectItem (json, "orderBook")), 1);
    cJSON_Delete (json);
    s_reply_free (&reply);
    reply = s_call ("GET", "/orders?order_tag=1:nosuch", NULL);
    json = cJSON_Parse (reply.body);
    ck_assert_int_eq (cJSON_GetArraySize (cJSON_GetObjectItem (json, "orderBook")), 0);
    cJSON_Delete (json);
    s_reply_free (&reply);
    reply = s_call ("GET", "/orders?id=1", NULL);
    ck_assert_int_eq (s_json_int (reply.body, "code"), -51);
    s_reply_free (&reply);
}
END_TEST

START_TEST (test_validation)
{
    //  Missing qty, a bad side, a tag with a space, a string offlineOrder.
    const char *bad[] = {
        "{\"symbol\":\"" SYMBOL "\",\"type\":2,\"side\":1,\"productType\":\"INTRADAY\","
        "\"validity\":\"DAY\"}",
        "{\"symbol\":\"" SYMBOL "\",\"qty\":1,\"type\":2,\"side\":2,\"productType\":\"INTRADAY\","
        "\"validity\":\"DAY\"}",
        "{\"symbol\":\"" SYMBOL "\",\"qty\":1,\"type\":2,\"side\":1,\"productType\":\"INTRADAY\","
        "\"validity\":\"DAY\",\"orderTag\":\"a b\"}",
        "{\"symbol\":\"" SYMBOL "\",\"qty\":1,\"type\":2,\"side\":1,\"productType\":\"INTRADAY\","
        "\"validity\":\"DAY\",\"offlineOrder\":\"False\"}",
        "not json",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        reply_t reply = s_call ("POST", "/orders/sync", bad[i]);
        ck_assert_int_eq (reply.status, 400);
        ck_assert_int_eq (s_json_int (reply.body, "code"), -50);
        s_reply_free (&reply);
    }
    reply_t reply = s_call ("DELETE", "/positions", "{\"foo\":1}");
    ck_assert_int_eq (s_json_int (reply.body, "code"), -50);
    s_reply_free (&reply);

    //  A body without Content-Type: application/json is refused.
    const char *form[] = {"Content-Type: application/x-www-form-urlencoded", AUTH_HEADER, NULL};
    long status = 0;
    char *body = fake_fyers_http (s_fake, "DELETE", "/api/v3/positions", EXIT_BODY, form, &status);
    ck_assert_int_eq (status, 400);
    free (body);

    reply = s_call ("GET", "/nosuch", NULL);
    ck_assert_int_eq (reply.status, 404);
    ck_assert_int_eq (s_json_int (reply.body, "code"), -404);
    s_reply_free (&reply);
    ck_assert_int_eq (s_net_qty (POSITION_ID), -999);
}
END_TEST

START_TEST (test_scripted_503_then_ok)
{
    ck_assert_int_eq (fake_fyers_seed_position (s_fake, SYMBOL, "INTRADAY", 10, 500.0), 0);
    ck_assert_int_eq (fake_fyers_script (s_fake,
                                         "[{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\","
                                         "\"action\":\"status\",\"status\":503,"
                                         "\"body\":\"Service Unavailable\"}]"),
                      1);
    //  A GET does not consume a DELETE behaviour.
    ck_assert_int_eq (s_net_qty (POSITION_ID), 10);
    reply_t reply = s_call ("DELETE", "/positions", EXIT_BODY);
    ck_assert_int_eq (reply.status, 503);
    ck_assert_str_eq (reply.body, "Service Unavailable");
    s_reply_free (&reply);
    ck_assert_int_eq (s_net_qty (POSITION_ID), 10);
    reply = s_call ("DELETE", "/positions", EXIT_BODY);
    ck_assert_int_eq (reply.status, 200);
    s_reply_free (&reply);
    ck_assert_int_eq (s_net_qty (POSITION_ID), 0);
    ck_assert_int_eq (fake_fyers_count (s_fake, "DELETE", "/api/v3/positions"), 2);
}
END_TEST

START_TEST (test_rate_limited)
{
    ck_assert_int_eq (fake_fyers_script (s_fake, "{\"action\":\"429\",\"retry_after_s\":2,"
                                                 "\"retry_after_ms\":1500}"),
                      1);
    reply_t reply = s_call ("GET", "/positions", NULL);
    ck_assert_int_eq (reply.status, 429);
    ck_assert_int_eq (s_json_int (reply.body, "code"), -429);
    ck_assert_msg (strcasestr (reply.headers, "Retry-After: 2\r\n") != NULL, "%s", reply.headers);
    ck_assert_msg (strcasestr (reply.headers, "X-Retry-After-Ms: 1500\r\n") != NULL, "%s",
                   reply.headers);
    s_reply_free (&reply);

    ck_assert_int_eq (fake_fyers_script (s_fake, "{\"action\":\"401\"}"), 1);
    reply = s_call ("GET", "/positions", NULL);
    ck_assert_int_eq (reply.status, 401);
    ck_assert_int_eq (s_json_int (reply.body, "code"), -16);
    s_reply_free (&reply);
}
END_TEST

static void *
s_hanging_call (void *arg)
{
    reply_t *reply = arg;
    *reply = s_call_ex ("GET", "/positions", NULL, true, (long) HANG_MS * 3);
    return NULL;
}

START_TEST (test_hang_does_not_block)
{
    //  One hang, against a client with a shorter timeout: it times out, and a
    //  request on another connection meanwhile is answered at once.
    ck_assert_int_eq (fake_fyers_script (s_fake, "{\"action\":\"hang\",\"ms\":2000}"), 1);
    reply_t timed_out = s_call_ex ("GET", "/positions", NULL, true, SHORT_TIMEOUT_MS);
    ck_assert_int_eq (timed_out.rc, CURLE_OPERATION_TIMEDOUT);
    s_reply_free (&timed_out);
    reply_t fast = s_call ("GET", "/positions", NULL);
    ck_assert_int_eq (fast.status, 200);
    ck_assert_double_lt (fast.elapsed_ms, FAST_REPLY_MS);
    s_reply_free (&fast);

    //  Sixteen hangs at once finish together, not one after another, and a
    //  seventeenth request is served while they wait.
    char script[128];
    snprintf (script, sizeof script, "{\"action\":\"hang\",\"ms\":%d,\"times\":%d}", HANG_MS,
              PARALLEL_HANGS);
    ck_assert_int_eq (fake_fyers_script (s_fake, script), PARALLEL_HANGS);
    pthread_t threads[PARALLEL_HANGS];
    reply_t replies[PARALLEL_HANGS];
    double start = s_now_ms ();
    for (int i = 0; i < PARALLEL_HANGS; i++)
        ck_assert_int_eq (pthread_create (&threads[i], NULL, s_hanging_call, &replies[i]), 0);
    ck_assert_int_eq (
        fake_fyers_wait_count (s_fake, "GET", "/api/v3/positions", PARALLEL_HANGS + 2, WAIT_MS),
        PARALLEL_HANGS + 2);
    fast = s_call ("GET", "/positions", NULL);
    ck_assert_int_eq (fast.status, 200);
    ck_assert_double_lt (fast.elapsed_ms, FAST_REPLY_MS);
    s_reply_free (&fast);
    for (int i = 0; i < PARALLEL_HANGS; i++) {
        pthread_join (threads[i], NULL);
        ck_assert_int_eq (replies[i].rc, CURLE_OK);
        ck_assert_int_eq (replies[i].status, 504);
        s_reply_free (&replies[i]);
    }
    double elapsed = s_now_ms () - start;
    ck_assert_double_ge (elapsed, HANG_MS - 50);
    ck_assert_double_lt (elapsed, HANG_MS * 2.5);
}
END_TEST

START_TEST (test_garbage)
{
    ck_assert_int_eq (fake_fyers_seed_position (s_fake, SYMBOL, "INTRADAY", 10, 500.0), 0);
    ck_assert_int_eq (fake_fyers_script (s_fake, "{\"method\":\"DELETE\",\"action\":\"garbage\"}"),
                      1);
    reply_t reply = s_call ("DELETE", "/positions", EXIT_BODY);
    ck_assert_int_eq (reply.status, 200);
    cJSON *json = cJSON_Parse (reply.body);
    ck_assert_ptr_null (json);
    s_reply_free (&reply);
    ck_assert_int_eq (s_net_qty (POSITION_ID), 10);
}
END_TEST

START_TEST (test_code201_then_flat)
{
    ck_assert_int_eq (fake_fyers_seed_position (s_fake, SYMBOL, "INTRADAY", 10, 500.0), 0);
    ck_assert_int_eq (fake_fyers_script (s_fake, "{\"method\":\"DELETE\",\"action\":\"code201\","
                                                 "\"polls\":2}"),
                      1);
    reply_t reply = s_call ("DELETE", "/positions", EXIT_BODY);
    ck_assert_int_eq (reply.status, 200);
    ck_assert_int_eq (s_json_int (reply.body, "code"), 201);
    char *message = s_json_str (reply.body, "message");
    ck_assert_str_eq (message, "exit placed, not filled");
    free (message);
    s_reply_free (&reply);

    reply = s_call ("GET", "/orders", NULL);
    cJSON *json = cJSON_Parse (reply.body);
    cJSON *order = cJSON_GetArrayItem (cJSON_GetObjectItem (json, "orderBook"), 0);
    ck_assert_int_eq ((int) cJSON_GetNumberValue (cJSON_GetObjectItem (order, "status")), 6);
    cJSON_Delete (json);
    s_reply_free (&reply);

    ck_assert_int_eq (s_net_qty (POSITION_ID), 10);
    ck_assert_int_eq (s_net_qty (POSITION_ID), 10);
    ck_assert_int_eq (s_net_qty (POSITION_ID), 0);
    ck_assert_int_eq (s_net_qty (POSITION_ID), 0);
}
END_TEST

START_TEST (test_apply_then_hang)
{
    ck_assert_int_eq (fake_fyers_seed_position (s_fake, SYMBOL, "INTRADAY", 10, 500.0), 0);
    ck_assert_int_eq (fake_fyers_script (s_fake, "{\"method\":\"DELETE\",\"path\":"
                                                 "\"/api/v3/positions\",\"action\":"
                                                 "\"apply_then_hang\",\"ms\":1500}"),
                      1);
    reply_t reply = s_call_ex ("DELETE", "/positions", EXIT_BODY, true, SHORT_TIMEOUT_MS);
    ck_assert_int_eq (reply.rc, CURLE_OPERATION_TIMEDOUT);
    s_reply_free (&reply);
    //  The client never heard back, yet the exit happened.
    ck_assert_int_eq (s_net_qty (POSITION_ID), 0);
    reply = s_call ("DELETE", "/positions", EXIT_BODY);
    ck_assert_int_eq (s_json_int (reply.body, "code"), -352);
    s_reply_free (&reply);

    char *requests = fake_fyers_requests (s_fake);
    cJSON *json = cJSON_Parse (requests);
    cJSON *first = cJSON_GetArrayItem (json, 0);
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (first, "action")),
                      "apply_then_hang");
    ck_assert (cJSON_IsTrue (cJSON_GetObjectItem (first, "applied")));
    cJSON_Delete (json);
    free (requests);
}
END_TEST

START_TEST (test_reset)
{
    ck_assert_int_eq (fake_fyers_script (s_fake, "{\"method\":\"GET\",\"action\":\"reset\"}"), 1);
    reply_t reply = s_call ("GET", "/positions", NULL);
    ck_assert_int_ne (reply.rc, CURLE_OK);
    ck_assert_int_ne (reply.rc, CURLE_OPERATION_TIMEDOUT);
    ck_assert_int_eq (reply.status, 0);
    s_reply_free (&reply);
    reply = s_call ("GET", "/positions", NULL);
    ck_assert_int_eq (reply.status, 200);
    s_reply_free (&reply);

    //  apply_then_reset: no reply, but the exit happened.
    ck_assert_int_eq (fake_fyers_seed_position (s_fake, SYMBOL, "INTRADAY", 7, 500.0), 0);
    ck_assert_int_eq (fake_fyers_script (s_fake, "{\"method\":\"DELETE\",\"action\":"
                                                 "\"apply_then_reset\"}"),
                      1);
    reply = s_call ("DELETE", "/positions", EXIT_BODY);
    ck_assert_int_ne (reply.rc, CURLE_OK);
    s_reply_free (&reply);
    ck_assert_int_eq (s_net_qty (POSITION_ID), 0);
}
END_TEST

START_TEST (test_requests_recorded)
{
    struct timespec before, after;
    clock_gettime (CLOCK_MONOTONIC, &before);
    reply_t reply = s_call ("DELETE", "/positions", EXIT_BODY);
    clock_gettime (CLOCK_MONOTONIC, &after);
    s_reply_free (&reply);
    reply = s_call_ex ("GET", "/orders?order_tag=1:abc", NULL, false, CALL_TIMEOUT_MS);
    s_reply_free (&reply);
    ck_assert_int_eq (fake_fyers_count (s_fake, NULL, NULL), 2);
    ck_assert_int_eq (fake_fyers_count (s_fake, "DELETE", NULL), 1);
    ck_assert_int_eq (fake_fyers_count (s_fake, "GET", "/api/v3/orders"), 1);
    ck_assert_int_eq (fake_fyers_count (s_fake, "GET", "/api/v3/positions"), 0);

    char *requests = fake_fyers_requests (s_fake);
    ck_assert_ptr_nonnull (requests);
    cJSON *json = cJSON_Parse (requests);
    ck_assert_int_eq (cJSON_GetArraySize (json), 2);
    cJSON *exit = cJSON_GetArrayItem (json, 0);
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (exit, "method")), "DELETE");
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (exit, "path")),
                      "/api/v3/positions");
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (exit, "body")), EXIT_BODY);
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (exit, "auth")), "ok");
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (exit, "version")), "3");
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (exit, "content_type")),
                      "application/json");
    ck_assert_int_eq ((int) cJSON_GetNumberValue (cJSON_GetObjectItem (exit, "status")), 400);
    ck_assert (cJSON_IsNumber (cJSON_GetObjectItem (exit, "t_ms")));
    ck_assert (cJSON_IsNumber (cJSON_GetObjectItem (exit, "done_ms")));
    //  mono_us is on this process's CLOCK_MONOTONIC: between the call's ends.
    double mono_us = cJSON_GetNumberValue (cJSON_GetObjectItem (exit, "mono_us"));
    ck_assert (mono_us >= (double) before.tv_sec * 1e6 + (double) (before.tv_nsec / 1000));
    ck_assert (mono_us <= (double) after.tv_sec * 1e6 + (double) (after.tv_nsec / 1000));
    cJSON *get = cJSON_GetArrayItem (json, 1);
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (get, "auth")), "missing");
    ck_assert_int_eq ((int) cJSON_GetNumberValue (cJSON_GetObjectItem (get, "status")), 401);
    ck_assert_str_eq (cJSON_GetStringValue (
                          cJSON_GetObjectItem (cJSON_GetObjectItem (get, "query"), "order_tag")),
                      "1:abc");
    cJSON_Delete (json);
    free (requests);

    ck_assert_int_eq (fake_fyers_reset (s_fake), 0);
    ck_assert_int_eq (fake_fyers_count (s_fake, NULL, NULL), 0);
}
END_TEST

START_TEST (test_script_validation)
{
    //  All or nothing: the good first entry is not queued either.
    ck_assert_int_eq (fake_fyers_script (s_fake, "[{\"action\":\"ok\"},{\"action\":\"explode\"}]"),
                      -1);
    ck_assert_int_eq (fake_fyers_script (s_fake, "{\"action\":\"status\"}"), -1);
    ck_assert_int_eq (fake_fyers_script (s_fake, "not json"), -1);
    long status = 0;
    char *body = fake_fyers_http (s_fake, "GET", "/_fake/script", NULL, NULL, &status);
    ck_assert_int_eq (status, 200);
    cJSON *json = cJSON_Parse (body);
    ck_assert_int_eq (cJSON_GetArraySize (cJSON_GetObjectItem (json, "script")), 0);
    cJSON_Delete (json);
    free (body);
    body = fake_fyers_http (s_fake, "GET", "/_fake/nosuch", NULL, NULL, &status);
    ck_assert_int_eq (status, 404);
    free (body);
}
END_TEST

START_TEST (test_stop_during_hang)
{
    //  SIGTERM cuts a long hang short: the fake exits 0 well within the bound.
    ck_assert_int_eq (fake_fyers_script (s_fake, "{\"action\":\"hang\",\"ms\":60000}"), 1);
    pthread_t thread;
    reply_t reply;
    ck_assert_int_eq (pthread_create (&thread, NULL, s_hanging_call, &reply), 0);
    ck_assert_int_eq (fake_fyers_wait_count (s_fake, NULL, NULL, 1, WAIT_MS), 1);
    double start = s_now_ms ();
    ck_assert_int_eq (fake_fyers_stop (&s_fake), 0);
    ck_assert_ptr_null (s_fake);
    ck_assert_double_lt (s_now_ms () - start, FAKE_FYERS_STOP_TIMEOUT_MS);
    pthread_join (thread, NULL);
    s_reply_free (&reply);
}
END_TEST

int
main (int argc, char *argv[])
{
    s_binary = argc > 1 ? argv[1] : getenv ("FAKE_FYERS_BIN");
    if (!s_binary) {
        fprintf (stderr, "usage: test_fake_fyers <path to fake_fyers> (or set FAKE_FYERS_BIN)\n");
        return 2;
    }
    curl_global_init (CURL_GLOBAL_DEFAULT);
    Suite *suite = suite_create ("fake_fyers");
    TCase *tc = tcase_create ("core");
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, test_start_reports_port);
    tcase_add_test (tc, test_unauthenticated);
    tcase_add_test (tc, test_positions_and_exit);
    tcase_add_test (tc, test_exit_all_and_list);
    tcase_add_test (tc, test_place_order);
    tcase_add_test (tc, test_validation);
    tcase_add_test (tc, test_scripted_503_then_ok);
    tcase_add_test (tc, test_rate_limited);
    tcase_add_test (tc, test_hang_does_not_block);
    tcase_add_test (tc, test_garbage);
    tcase_add_test (tc, test_code201_then_flat);
    tcase_add_test (tc, test_apply_then_hang);
    tcase_add_test (tc, test_reset);
    tcase_add_test (tc, test_requests_recorded);
    tcase_add_test (tc, test_script_validation);
    tcase_add_test (tc, test_stop_during_hang);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    curl_global_cleanup ();
    return failed == 0 ? 0 : 1;
}
