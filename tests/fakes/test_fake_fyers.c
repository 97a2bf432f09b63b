//  Tests for fake_fyers and fake_fyers_ctl: a real fake process per test,
//  driven over 127.0.0.1 with libcurl. Every request has a short timeout and
//  every wait is bounded. This file holds the REST basics and the scripted
//  faults, and REST on https:// (test_https); tff_broker.c the broker's own
//  behaviour (working orders, fills, cancels, conversions, square-offs);
//  tff_ws.c the order socket.
//
//  The binary comes from argv[1] or $FAKE_FYERS_BIN (meson passes both).

#define _GNU_SOURCE //  strcasestr

#include "tff_util.h"
#include "tw_fixture.h"
#include "tw_pki.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

START_TEST (test_start_reports_port)
{
    ck_assert_int_gt (fake_fyers_port (tff_fake), 0);
    char expected[64];
    snprintf (expected, sizeof expected, "http://127.0.0.1:%d/api/v3", fake_fyers_port (tff_fake));
    ck_assert_str_eq (fake_fyers_base_url (tff_fake), expected);
    ck_assert_int_eq (fake_fyers_count (tff_fake, NULL, NULL), 0);
}
END_TEST

START_TEST (test_unauthenticated)
{
    reply_t reply = tff_call_ex ("GET", "/positions", NULL, false, CALL_TIMEOUT_MS);
    ck_assert_int_eq (reply.status, 401);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), -16);
    char *s = tff_json_str (reply.body, "s");
    ck_assert_str_eq (s, "error");
    free (s);
    char *message = tff_json_str (reply.body, "message");
    ck_assert_str_eq (message, "Could not authenticate the user");
    free (message);
    tff_reply_free (&reply);

    //  A wrong token is refused the same way, and nothing is applied.
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, SYMBOL, "INTRADAY", 10, 500.0), 0);
    const char *wrong[] = {"Authorization: " APP_ID ":other", NULL};
    long status = 0;
    char *body =
        fake_fyers_http (tff_fake, "DELETE", "/api/v3/positions", EXIT_BODY, wrong, &status);
    ck_assert_int_eq (status, 401);
    free (body);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 10);
}
END_TEST

START_TEST (test_positions_and_exit)
{
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, SYMBOL, "INTRADAY", 10, 500.0), 0);
    ck_assert_int_eq (fake_fyers_set_price (tff_fake, SYMBOL, 510.0), 0);
    reply_t reply = tff_call ("GET", "/positions", NULL);
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
    tff_reply_free (&reply);

    reply = tff_call ("DELETE", "/positions", EXIT_BODY);
    ck_assert_int_eq (reply.status, 200);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), 200);
    char *message = tff_json_str (reply.body, "message");
    ck_assert_str_eq (message, "The position is closed.");
    free (message);
    tff_reply_free (&reply);
    ck_assert_int_eq (fake_fyers_count (tff_fake, "DELETE", "/api/v3/positions"), 1);

    //  Flat, but still listed, with the P&L realised at the exit price.
    reply = tff_call ("GET", "/positions", NULL);
    json = cJSON_Parse (reply.body);
    position = cJSON_GetArrayItem (cJSON_GetObjectItem (json, "netPositions"), 0);
    ck_assert_int_eq ((int) cJSON_GetNumberValue (cJSON_GetObjectItem (position, "netQty")), 0);
    ck_assert_int_eq ((int) cJSON_GetNumberValue (cJSON_GetObjectItem (position, "side")), 0);
    ck_assert_double_eq (cJSON_GetNumberValue (cJSON_GetObjectItem (position, "realized_profit")),
                         100.0);
    cJSON_Delete (json);
    tff_reply_free (&reply);

    //  The counter order is in the book, filled.
    reply = tff_call ("GET", "/orders", NULL);
    json = cJSON_Parse (reply.body);
    cJSON *order = cJSON_GetArrayItem (cJSON_GetObjectItem (json, "orderBook"), 0);
    ck_assert_ptr_nonnull (order);
    ck_assert_int_eq ((int) cJSON_GetNumberValue (cJSON_GetObjectItem (order, "side")), -1);
    ck_assert_int_eq ((int) cJSON_GetNumberValue (cJSON_GetObjectItem (order, "qty")), 10);
    ck_assert_int_eq ((int) cJSON_GetNumberValue (cJSON_GetObjectItem (order, "status")), 2);
    cJSON_Delete (json);
    tff_reply_free (&reply);

    //  Nothing left to exit.
    reply = tff_call ("DELETE", "/positions", EXIT_BODY);
    ck_assert_int_eq (reply.status, 400);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), -352);
    tff_reply_free (&reply);
    reply = tff_call ("DELETE", "/positions", "{\"exit_all\":1}");
    ck_assert_int_eq (tff_json_int (reply.body, "code"), -352);
    tff_reply_free (&reply);
}
END_TEST

START_TEST (test_exit_all_and_list)
{
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, SYMBOL, "INTRADAY", 10, 500.0), 0);
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, "NSE:IDEA-EQ", "CNC", -5, 10.0), 0);
    reply_t reply =
        tff_call ("DELETE", "/positions", "{\"id\":[\"" POSITION_ID "\",\"NSE:IDEA-EQ-CNC\"]}");
    ck_assert_int_eq (reply.status, 200);
    tff_reply_free (&reply);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 0);
    ck_assert_int_eq (tff_net_qty ("NSE:IDEA-EQ-CNC"), 0);

    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, SYMBOL, "INTRADAY", -3, 500.0), 0);
    reply = tff_call ("DELETE", "/positions", "{\"exit_all\":1}");
    ck_assert_int_eq (reply.status, 200);
    tff_reply_free (&reply);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 0);
}
END_TEST

START_TEST (test_place_order)
{
    ck_assert_int_eq (fake_fyers_set_price (tff_fake, SYMBOL, 812.5), 0);
    const char *order = "{\"symbol\":\"" SYMBOL "\",\"qty\":4,\"type\":2,\"side\":-1,"
                        "\"productType\":\"INTRADAY\",\"limitPrice\":0,\"stopPrice\":0,"
                        "\"validity\":\"DAY\",\"disclosedQty\":0,\"offlineOrder\":false,"
                        "\"orderTag\":\"tw42\"}";
    reply_t reply = tff_call ("POST", "/orders/sync", order);
    ck_assert_int_eq (reply.status, 200);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), 1101);
    char *id = tff_json_str (reply.body, "id");
    char *message = tff_json_str (reply.body, "message");
    ck_assert_ptr_nonnull (strstr (message, id));
    free (message);
    tff_reply_free (&reply);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), -4);

    char path[128];
    snprintf (path, sizeof path, "/orders?id=%s", id);
    reply = tff_call ("GET", path, NULL);
    cJSON *json = cJSON_Parse (reply.body);
    cJSON *book = cJSON_GetObjectItem (json, "orderBook");
    ck_assert_int_eq (cJSON_GetArraySize (book), 1);
    cJSON *item = cJSON_GetArrayItem (book, 0);
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (item, "id")), id);
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (item, "orderTag")), "1:tw42");
    ck_assert_int_eq ((int) cJSON_GetNumberValue (cJSON_GetObjectItem (item, "filledQty")), 4);
    ck_assert_double_eq (cJSON_GetNumberValue (cJSON_GetObjectItem (item, "tradedPrice")), 812.5);
    cJSON_Delete (json);
    tff_reply_free (&reply);
    free (id);

    reply = tff_call ("GET", "/orders?order_tag=1:tw42", NULL);
    json = cJSON_Parse (reply.body);
    ck_assert_int_eq (cJSON_GetArraySize (cJSON_GetObjectItem (json, "orderBook")), 1);
    cJSON_Delete (json);
    tff_reply_free (&reply);
    reply = tff_call ("GET", "/orders?order_tag=1:nosuch", NULL);
    json = cJSON_Parse (reply.body);
    ck_assert_int_eq (cJSON_GetArraySize (cJSON_GetObjectItem (json, "orderBook")), 0);
    cJSON_Delete (json);
    tff_reply_free (&reply);
    reply = tff_call ("GET", "/orders?id=1", NULL);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), -51);
    tff_reply_free (&reply);
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
        reply_t reply = tff_call ("POST", "/orders/sync", bad[i]);
        ck_assert_int_eq (reply.status, 400);
        ck_assert_int_eq (tff_json_int (reply.body, "code"), -50);
        tff_reply_free (&reply);
    }
    reply_t reply = tff_call ("DELETE", "/positions", "{\"foo\":1}");
    ck_assert_int_eq (tff_json_int (reply.body, "code"), -50);
    tff_reply_free (&reply);

    //  A body without Content-Type: application/json is refused.
    const char *form[] = {"Content-Type: application/x-www-form-urlencoded", AUTH_HEADER, NULL};
    long status = 0;
    char *body =
        fake_fyers_http (tff_fake, "DELETE", "/api/v3/positions", EXIT_BODY, form, &status);
    ck_assert_int_eq (status, 400);
    free (body);

    reply = tff_call ("GET", "/nosuch", NULL);
    ck_assert_int_eq (reply.status, 404);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), -404);
    tff_reply_free (&reply);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), -999);
}
END_TEST

START_TEST (test_scripted_503_then_ok)
{
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, SYMBOL, "INTRADAY", 10, 500.0), 0);
    ck_assert_int_eq (fake_fyers_script (tff_fake,
                                         "[{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\","
                                         "\"action\":\"status\",\"status\":503,"
                                         "\"body\":\"Service Unavailable\"}]"),
                      1);
    //  A GET does not consume a DELETE behaviour.
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 10);
    reply_t reply = tff_call ("DELETE", "/positions", EXIT_BODY);
    ck_assert_int_eq (reply.status, 503);
    ck_assert_str_eq (reply.body, "Service Unavailable");
    tff_reply_free (&reply);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 10);
    reply = tff_call ("DELETE", "/positions", EXIT_BODY);
    ck_assert_int_eq (reply.status, 200);
    tff_reply_free (&reply);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 0);
    ck_assert_int_eq (fake_fyers_count (tff_fake, "DELETE", "/api/v3/positions"), 2);
}
END_TEST

START_TEST (test_rate_limited)
{
    ck_assert_int_eq (fake_fyers_script (tff_fake, "{\"action\":\"429\",\"retry_after_s\":2,"
                                                   "\"retry_after_ms\":1500}"),
                      1);
    reply_t reply = tff_call ("GET", "/positions", NULL);
    ck_assert_int_eq (reply.status, 429);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), -429);
    ck_assert_msg (strcasestr (reply.headers, "Retry-After: 2\r\n") != NULL, "%s", reply.headers);
    ck_assert_msg (strcasestr (reply.headers, "X-Retry-After-Ms: 1500\r\n") != NULL, "%s",
                   reply.headers);
    tff_reply_free (&reply);

    ck_assert_int_eq (fake_fyers_script (tff_fake, "{\"action\":\"401\"}"), 1);
    reply = tff_call ("GET", "/positions", NULL);
    ck_assert_int_eq (reply.status, 401);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), -16);
    tff_reply_free (&reply);
}
END_TEST

static void *
s_hanging_call (void *arg)
{
    reply_t *reply = arg;
    *reply = tff_call_ex ("GET", "/positions", NULL, true, (long) HANG_MS * 3);
    return NULL;
}

START_TEST (test_hang_does_not_block)
{
    //  One hang, against a client with a shorter timeout: it times out, and a
    //  request on another connection meanwhile is answered at once.
    ck_assert_int_eq (fake_fyers_script (tff_fake, "{\"action\":\"hang\",\"ms\":2000}"), 1);
    reply_t timed_out = tff_call_ex ("GET", "/positions", NULL, true, SHORT_TIMEOUT_MS);
    ck_assert_int_eq (timed_out.rc, CURLE_OPERATION_TIMEDOUT);
    tff_reply_free (&timed_out);
    reply_t fast = tff_call ("GET", "/positions", NULL);
    ck_assert_int_eq (fast.status, 200);
    ck_assert_double_lt (fast.elapsed_ms, FAST_REPLY_MS);
    tff_reply_free (&fast);

    //  Sixteen hangs at once finish together, not one after another, and a
    //  seventeenth request is served while they wait.
    char script[128];
    snprintf (script, sizeof script, "{\"action\":\"hang\",\"ms\":%d,\"times\":%d}", HANG_MS,
              PARALLEL_HANGS);
    ck_assert_int_eq (fake_fyers_script (tff_fake, script), PARALLEL_HANGS);
    pthread_t threads[PARALLEL_HANGS];
    reply_t replies[PARALLEL_HANGS];
    double start = tff_now_ms ();
    for (int i = 0; i < PARALLEL_HANGS; i++)
        ck_assert_int_eq (pthread_create (&threads[i], NULL, s_hanging_call, &replies[i]), 0);
    ck_assert_int_eq (
        fake_fyers_wait_count (tff_fake, "GET", "/api/v3/positions", PARALLEL_HANGS + 2, WAIT_MS),
        PARALLEL_HANGS + 2);
    fast = tff_call ("GET", "/positions", NULL);
    ck_assert_int_eq (fast.status, 200);
    ck_assert_double_lt (fast.elapsed_ms, FAST_REPLY_MS);
    tff_reply_free (&fast);
    for (int i = 0; i < PARALLEL_HANGS; i++) {
        pthread_join (threads[i], NULL);
        ck_assert_int_eq (replies[i].rc, CURLE_OK);
        ck_assert_int_eq (replies[i].status, 504);
        tff_reply_free (&replies[i]);
    }
    double elapsed = tff_now_ms () - start;
    ck_assert_double_ge (elapsed, HANG_MS - 50);
    ck_assert_double_lt (elapsed, HANG_MS * 2.5);
}
END_TEST

START_TEST (test_garbage)
{
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, SYMBOL, "INTRADAY", 10, 500.0), 0);
    ck_assert_int_eq (
        fake_fyers_script (tff_fake, "{\"method\":\"DELETE\",\"action\":\"garbage\"}"), 1);
    reply_t reply = tff_call ("DELETE", "/positions", EXIT_BODY);
    ck_assert_int_eq (reply.status, 200);
    cJSON *json = cJSON_Parse (reply.body);
    ck_assert_ptr_null (json);
    tff_reply_free (&reply);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 10);
}
END_TEST

START_TEST (test_code201_then_flat)
{
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, SYMBOL, "INTRADAY", 10, 500.0), 0);
    ck_assert_int_eq (fake_fyers_script (tff_fake, "{\"method\":\"DELETE\",\"action\":\"code201\","
                                                   "\"polls\":2}"),
                      1);
    reply_t reply = tff_call ("DELETE", "/positions", EXIT_BODY);
    ck_assert_int_eq (reply.status, 200);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), 201);
    char *message = tff_json_str (reply.body, "message");
    ck_assert_str_eq (message, "exit placed, not filled");
    free (message);
    tff_reply_free (&reply);

    reply = tff_call ("GET", "/orders", NULL);
    cJSON *json = cJSON_Parse (reply.body);
    cJSON *order = cJSON_GetArrayItem (cJSON_GetObjectItem (json, "orderBook"), 0);
    ck_assert_int_eq ((int) cJSON_GetNumberValue (cJSON_GetObjectItem (order, "status")), 6);
    cJSON_Delete (json);
    tff_reply_free (&reply);

    ck_assert_int_eq (tff_net_qty (POSITION_ID), 10);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 10);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 0);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 0);
}
END_TEST

START_TEST (test_apply_then_hang)
{
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, SYMBOL, "INTRADAY", 10, 500.0), 0);
    ck_assert_int_eq (fake_fyers_script (tff_fake, "{\"method\":\"DELETE\",\"path\":"
                                                   "\"/api/v3/positions\",\"action\":"
                                                   "\"apply_then_hang\",\"ms\":1500}"),
                      1);
    reply_t reply = tff_call_ex ("DELETE", "/positions", EXIT_BODY, true, SHORT_TIMEOUT_MS);
    ck_assert_int_eq (reply.rc, CURLE_OPERATION_TIMEDOUT);
    tff_reply_free (&reply);
    //  The client never heard back, yet the exit happened.
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 0);
    reply = tff_call ("DELETE", "/positions", EXIT_BODY);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), -352);
    tff_reply_free (&reply);

    char *requests = fake_fyers_requests (tff_fake);
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
    ck_assert_int_eq (fake_fyers_script (tff_fake, "{\"method\":\"GET\",\"action\":\"reset\"}"), 1);
    reply_t reply = tff_call ("GET", "/positions", NULL);
    ck_assert_int_ne (reply.rc, CURLE_OK);
    ck_assert_int_ne (reply.rc, CURLE_OPERATION_TIMEDOUT);
    ck_assert_int_eq (reply.status, 0);
    tff_reply_free (&reply);
    reply = tff_call ("GET", "/positions", NULL);
    ck_assert_int_eq (reply.status, 200);
    tff_reply_free (&reply);

    //  apply_then_reset: no reply, but the exit happened.
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, SYMBOL, "INTRADAY", 7, 500.0), 0);
    ck_assert_int_eq (fake_fyers_script (tff_fake, "{\"method\":\"DELETE\",\"action\":"
                                                   "\"apply_then_reset\"}"),
                      1);
    reply = tff_call ("DELETE", "/positions", EXIT_BODY);
    ck_assert_int_ne (reply.rc, CURLE_OK);
    tff_reply_free (&reply);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 0);
}
END_TEST

START_TEST (test_requests_recorded)
{
    struct timespec before, after;
    clock_gettime (CLOCK_MONOTONIC, &before);
    reply_t reply = tff_call ("DELETE", "/positions", EXIT_BODY);
    clock_gettime (CLOCK_MONOTONIC, &after);
    tff_reply_free (&reply);
    reply = tff_call_ex ("GET", "/orders?order_tag=1:abc", NULL, false, CALL_TIMEOUT_MS);
    tff_reply_free (&reply);
    ck_assert_int_eq (fake_fyers_count (tff_fake, NULL, NULL), 2);
    ck_assert_int_eq (fake_fyers_count (tff_fake, "DELETE", NULL), 1);
    ck_assert_int_eq (fake_fyers_count (tff_fake, "GET", "/api/v3/orders"), 1);
    ck_assert_int_eq (fake_fyers_count (tff_fake, "GET", "/api/v3/positions"), 0);

    char *requests = fake_fyers_requests (tff_fake);
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

    ck_assert_int_eq (fake_fyers_reset (tff_fake), 0);
    ck_assert_int_eq (fake_fyers_count (tff_fake, NULL, NULL), 0);
}
END_TEST

START_TEST (test_script_validation)
{
    //  All or nothing: the good first entry is not queued either.
    ck_assert_int_eq (
        fake_fyers_script (tff_fake, "[{\"action\":\"ok\"},{\"action\":\"explode\"}]"), -1);
    ck_assert_int_eq (fake_fyers_script (tff_fake, "{\"action\":\"status\"}"), -1);
    ck_assert_int_eq (fake_fyers_script (tff_fake, "not json"), -1);
    long status = 0;
    char *body = fake_fyers_http (tff_fake, "GET", "/_fake/script", NULL, NULL, &status);
    ck_assert_int_eq (status, 200);
    cJSON *json = cJSON_Parse (body);
    ck_assert_int_eq (cJSON_GetArraySize (cJSON_GetObjectItem (json, "script")), 0);
    cJSON_Delete (json);
    free (body);
    body = fake_fyers_http (tff_fake, "GET", "/_fake/nosuch", NULL, NULL, &status);
    ck_assert_int_eq (status, 404);
    free (body);
}
END_TEST

START_TEST (test_stop_during_hang)
{
    //  SIGTERM cuts a long hang short: the fake exits 0 well within the bound.
    ck_assert_int_eq (fake_fyers_script (tff_fake, "{\"action\":\"hang\",\"ms\":60000}"), 1);
    pthread_t thread;
    reply_t reply;
    ck_assert_int_eq (pthread_create (&thread, NULL, s_hanging_call, &reply), 0);
    ck_assert_int_eq (fake_fyers_wait_count (tff_fake, NULL, NULL, 1, WAIT_MS), 1);
    double start = tff_now_ms ();
    ck_assert_int_eq (fake_fyers_stop (&tff_fake), 0);
    ck_assert_ptr_null (tff_fake);
    ck_assert_double_lt (tff_now_ms () - start, FAKE_FYERS_STOP_TIMEOUT_MS);
    pthread_join (thread, NULL);
    tff_reply_free (&reply);
}
END_TEST

//  The status of market (exchange, segment, NORMAL) in a /data/marketStatus
//  reply body; NULL when absent. Caller frees.
static char *
s_market_status (const char *body, int exchange, int segment)
{
    cJSON *json = cJSON_Parse (body);
    ck_assert_ptr_nonnull (json);
    const cJSON *entry;
    char *status = NULL;
    cJSON_ArrayForEach (entry, cJSON_GetObjectItem (json, "marketStatus")) {
        if ((int) cJSON_GetNumberValue (cJSON_GetObjectItem (entry, "exchange")) == exchange
            && (int) cJSON_GetNumberValue (cJSON_GetObjectItem (entry, "segment")) == segment
            && strcmp (cJSON_GetStringValue (cJSON_GetObjectItem (entry, "market_type")), "NORMAL")
                   == 0)
            status = strdup (cJSON_GetStringValue (cJSON_GetObjectItem (entry, "status")));
    }
    cJSON_Delete (json);
    return status;
}

//  GET /data/marketStatus (docs/fyers.md §4): authenticated, every market
//  OPEN until /_fake/market_status says otherwise; scriptable; reset.
START_TEST (test_market_status)
{
    const char *auth[] = {AUTH_HEADER, NULL};
    long status = 0;
    char *body = fake_fyers_http (tff_fake, "GET", "/data/marketStatus", NULL, auth, &status);
    ck_assert_int_eq (status, 200);
    ck_assert_int_eq (tff_json_int (body, "code"), 200);
    char *nse_cm = s_market_status (body, 10, 10);
    char *mcx = s_market_status (body, 11, 20);
    ck_assert_str_eq (nse_cm, "OPEN");
    ck_assert_str_eq (mcx, "OPEN");
    free (nse_cm);
    free (mcx);
    free (body);
    //  Without the token: 401, -16.
    body = fake_fyers_http (tff_fake, "GET", "/data/marketStatus", NULL, NULL, &status);
    ck_assert_int_eq (status, 401);
    ck_assert_int_eq (tff_json_int (body, "code"), -16);
    free (body);

    //  NSE cash closed: only its NORMAL market.
    ck_assert_int_eq (fake_fyers_market_status (
                          tff_fake, "{\"exchange\":10,\"segment\":10,\"market_type\":\"NORMAL\","
                                    "\"status\":\"CLOSED\"}"),
                      0);
    body = fake_fyers_http (tff_fake, "GET", "/data/marketStatus", NULL, auth, &status);
    nse_cm = s_market_status (body, 10, 10);
    char *nse_fo = s_market_status (body, 10, 11);
    ck_assert_str_eq (nse_cm, "CLOSED");
    ck_assert_str_eq (nse_fo, "OPEN");
    ck_assert_ptr_nonnull (strstr (body, "\"market_type\":\"ODD_LOT\",\"segment\":10,"
                                         "\"status\":\"OPEN\""));
    free (nse_cm);
    free (nse_fo);
    free (body);
    //  Every market at once; a new one appended.
    ck_assert_int_eq (fake_fyers_market_status (tff_fake, "{\"status\":\"POSTCLOSE_CLOSED\"}"), 0);
    ck_assert_int_eq (fake_fyers_market_status (tff_fake, "{\"exchange\":10,\"segment\":10,"
                                                          "\"market_type\":\"SPECIAL\","
                                                          "\"status\":\"OPEN\"}"),
                      0);
    body = fake_fyers_http (tff_fake, "GET", "/data/marketStatus", NULL, auth, &status);
    mcx = s_market_status (body, 11, 20);
    ck_assert_str_eq (mcx, "POSTCLOSE_CLOSED");
    ck_assert_ptr_nonnull (strstr (body, "\"market_type\":\"SPECIAL\",\"segment\":10,"
                                         "\"status\":\"OPEN\""));
    free (mcx);
    free (body);
    //  Refused: no status, no match, a list that is not one.
    ck_assert_int_eq (fake_fyers_market_status (tff_fake, "{\"exchange\":10}"), -1);
    ck_assert_int_eq (fake_fyers_market_status (tff_fake, "{\"exchange\":99,\"status\":\"OPEN\"}"),
                      -1);
    ck_assert_int_eq (fake_fyers_market_status (tff_fake, "{\"marketStatus\":1}"), -1);
    //  A list served verbatim.
    ck_assert_int_eq (
        fake_fyers_market_status (tff_fake, "{\"marketStatus\":[{\"exchange\":\"x\"}]}"), 0);
    body = fake_fyers_http (tff_fake, "GET", "/data/marketStatus", NULL, auth, &status);
    ck_assert_ptr_nonnull (strstr (body, "\"marketStatus\":[{\"exchange\":\"x\"}]"));
    free (body);
    //  Scripted like any route; recorded.
    ck_assert_int_eq (
        fake_fyers_script (tff_fake, "{\"path\":\"/data/marketStatus\",\"action\":\"garbage\"}"),
        1);
    body = fake_fyers_http (tff_fake, "GET", "/data/marketStatus", NULL, auth, &status);
    ck_assert_int_eq (status, 200);
    ck_assert_ptr_null (strstr (body, "marketStatus"));
    free (body);
    ck_assert_int_eq (fake_fyers_count (tff_fake, "GET", "/data/marketStatus"), 6);
    //  A reset brings the open markets back.
    ck_assert_int_eq (fake_fyers_reset (tff_fake), 0);
    body = fake_fyers_http (tff_fake, "GET", "/data/marketStatus", NULL, auth, &status);
    nse_cm = s_market_status (body, 10, 10);
    ck_assert_str_eq (nse_cm, "OPEN");
    free (nse_cm);
    free (body);
}
END_TEST

//  GET /_fake/info of fake; NULL when no 200 came (the reason on stderr).
static char *
s_info (fake_fyers_t *fake)
{
    long status = 0;
    char *info = fake_fyers_http (fake, "GET", "/_fake/info", NULL, NULL, &status);
    if (info && status != 200) {
        free (info);
        info = NULL;
    }
    return info;
}

//  REST and /_fake/ on https:// (--tls-cert, --tls-key) with a throwaway
//  PKI of tw_pki: served to a client that trusts the CA alone, refused to
//  one that trusts another CA or speaks plain http://, and a certificate
//  for another host fails the client's check of the name.
START_TEST (test_https)
{
    char *info = s_info (tff_fake);
    ck_assert_ptr_nonnull (info);
    ck_assert_ptr_nonnull (strstr (info, "\"tls\":false"));
    free (info);
    tw_fixture_t *scratch = tw_fixture_new ("tff");
    ck_assert_ptr_nonnull (scratch);
    const char *dir = tw_fixture_dir (scratch);
    ck_assert_int_eq (tw_pki_make (dir), 0);
    char cert[512], key[512], ca[512], other[512], misnamed[512], misnamed_key[512];
    snprintf (cert, sizeof cert, "%s/%s", dir, TW_PKI_SERVER_CERT);
    snprintf (key, sizeof key, "%s/%s", dir, TW_PKI_SERVER_KEY);
    snprintf (ca, sizeof ca, "%s/%s", dir, TW_PKI_CA);
    snprintf (other, sizeof other, "%s/%s", dir, TW_PKI_OTHER_CA);
    snprintf (misnamed, sizeof misnamed, "%s/%s", dir, TW_PKI_MISNAMED_CERT);
    snprintf (misnamed_key, sizeof misnamed_key, "%s/%s", dir, TW_PKI_MISNAMED_KEY);
    //  Both flags or neither; a file that cannot be read stops it.
    const char *half[] = {"--tls-cert", cert, NULL};
    ck_assert_ptr_null (fake_fyers_start_args (tff_binary, APP_ID, TOKEN, half));
    const char *missing[] = {"--tls-cert", cert, "--tls-key", "no-such.key", NULL};
    ck_assert_ptr_null (fake_fyers_start_args (tff_binary, APP_ID, TOKEN, missing));

    const char *args[] = {"--tls-cert", cert, "--tls-key", key, NULL};
    fake_fyers_t *fake = fake_fyers_start_args (tff_binary, APP_ID, TOKEN, args);
    ck_assert_ptr_nonnull (fake);
    char url[64];
    snprintf (url, sizeof url, "https://127.0.0.1:%d/api/v3", fake_fyers_port (fake));
    ck_assert_str_eq (fake_fyers_base_url (fake), url);
    snprintf (url, sizeof url, "https://127.0.0.1:%d/data", fake_fyers_port (fake));
    ck_assert_str_eq (fake_fyers_data_url (fake), url);
    snprintf (url, sizeof url, "https://127.0.0.1:%d", fake_fyers_port (fake));
    ck_assert_str_eq (fake_fyers_root_url (fake), url);
    //  The system's CAs, then another CA: the handle cannot verify the fake.
    ck_assert_ptr_null (s_info (fake));
    ck_assert_int_eq (fake_fyers_set_ca_file (fake, other), 0);
    ck_assert_ptr_null (s_info (fake));
    ck_assert_int_eq (fake_fyers_count (fake, NULL, NULL), -1);
    //  The right CA: control and API alike.
    ck_assert_int_eq (fake_fyers_set_ca_file (fake, ca), 0);
    info = s_info (fake);
    ck_assert_ptr_nonnull (info);
    ck_assert_ptr_nonnull (strstr (info, "\"tls\":true"));
    ck_assert_ptr_nonnull (strstr (info, "\"ws_tls\":false"));
    free (info);
    ck_assert_int_eq (fake_fyers_seed_position (fake, SYMBOL, "INTRADAY", 3, 100.0), 0);
    const char *auth[] = {AUTH_HEADER, NULL};
    long status = 0;
    char *body = fake_fyers_http (fake, "GET", "/api/v3/positions", NULL, auth, &status);
    ck_assert_int_eq (status, 200);
    ck_assert_ptr_nonnull (strstr (body, "\"netQty\":3"));
    free (body);
    body = fake_fyers_http (fake, "GET", "/data/marketStatus", NULL, auth, &status);
    ck_assert_int_eq (status, 200);
    free (body);
    //  The login's redirect, over https:// too.
    char login[512];
    snprintf (login, sizeof login,
              "%s/api/v3/generate-authcode?client_id=%s&redirect_uri=https://127.0.0.1/cb"
              "&response_type=code&state=s1",
              fake_fyers_root_url (fake), APP_ID);
    char *location = fake_fyers_login (fake, login);
    ck_assert_ptr_nonnull (location);
    ck_assert_ptr_nonnull (strstr (location, "auth_code=" FAKE_FYERS_AUTH_CODE));
    free (location);
    ck_assert_int_eq (fake_fyers_count (fake, NULL, NULL), 3);
    //  A plain http:// client gets no HTTP reply, and is not recorded.
    snprintf (url, sizeof url, "http://127.0.0.1:%d/api/v3/positions", fake_fyers_port (fake));
    CURL *curl = curl_easy_init ();
    ck_assert_ptr_nonnull (curl);
    curl_easy_setopt (curl, CURLOPT_URL, url);
    curl_easy_setopt (curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, (long) CALL_TIMEOUT_MS);
    ck_assert_int_ne (curl_easy_perform (curl), CURLE_OK);
    status = -1;
    curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
    ck_assert_int_eq (status, 0);
    curl_easy_cleanup (curl);
    ck_assert_int_eq (fake_fyers_count (fake, NULL, NULL), 3);
    ck_assert_int_eq (fake_fyers_stop (&fake), 0);

    //  A certificate for another host: the right CA, a name that is not
    //  127.0.0.1, refused; the handle talks to it by that name.
    const char *misnamed_args[] = {"--tls-cert", misnamed, "--tls-key", misnamed_key, NULL};
    fake = fake_fyers_start_args (tff_binary, APP_ID, TOKEN, misnamed_args);
    ck_assert_ptr_nonnull (fake);
    ck_assert_int_eq (fake_fyers_set_ca_file (fake, ca), 0);
    ck_assert_ptr_null (s_info (fake));
    ck_assert_int_eq (fake_fyers_set_tls_host (fake, TW_PKI_MISNAMED_HOST), 0);
    info = s_info (fake);
    ck_assert_ptr_nonnull (info);
    ck_assert_ptr_nonnull (strstr (info, "\"tls\":true"));
    free (info);
    ck_assert_int_eq (fake_fyers_count (fake, NULL, NULL), 0);
    ck_assert_int_eq (fake_fyers_set_tls_host (fake, NULL), 0);
    ck_assert_ptr_null (s_info (fake));
    ck_assert_int_eq (fake_fyers_stop (&fake), 0);
    tw_fixture_destroy (&scratch);
}
END_TEST

int
main (int argc, char *argv[])
{
    tff_binary = argc > 1 ? argv[1] : getenv ("FAKE_FYERS_BIN");
    if (!tff_binary) {
        fprintf (stderr, "usage: test_fake_fyers <path to fake_fyers> (or set FAKE_FYERS_BIN)\n");
        return 2;
    }
    curl_global_init (CURL_GLOBAL_DEFAULT);
    Suite *suite = suite_create ("fake_fyers");
    TCase *tc = tcase_create ("core");
    tcase_add_checked_fixture (tc, tff_setup, tff_teardown);
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
    tcase_add_test (tc, test_market_status);
    tcase_add_test (tc, test_https);
    suite_add_tcase (suite, tc);
    suite_add_tcase (suite, tff_broker_tcase ());
    suite_add_tcase (suite, tff_ws_tcase ());
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    curl_global_cleanup ();
    return failed == 0 ? 0 : 1;
}
