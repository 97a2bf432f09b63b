//  tff_broker - the broker's own behaviour in fake_fyers: working orders and
//  late or partial fills, cancels, pending_orders_cancel, conversions, a
//  broker-side square-off, the contract multiplier and SL-M stop orders.

#include "tff_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORDER_BODY(qty, tag)                                                                       \
    "{\"symbol\":\"" SYMBOL "\",\"qty\":" #qty ",\"type\":2,\"side\":1,"                           \
    "\"productType\":\"INTRADAY\",\"limitPrice\":0,\"stopPrice\":0,\"validity\":\"DAY\","          \
    "\"disclosedQty\":0,\"offlineOrder\":false,\"orderTag\":\"" tag "\"}"
#define STOP_BODY(qty, stop)                                                                       \
    "{\"symbol\":\"" SYMBOL "\",\"qty\":" #qty ",\"type\":3,\"side\":-1,"                          \
    "\"productType\":\"INTRADAY\",\"limitPrice\":0,\"stopPrice\":" #stop ",\"validity\":\"DAY\","  \
    "\"disclosedQty\":0,\"offlineOrder\":false,\"orderTag\":\"stop1\"}"
#define CANCEL_EXIT_BODY "{\"id\":\"" POSITION_ID "\",\"pending_orders_cancel\":1}"

//  The order's entry in GET /api/v3/orders?id=<id>; caller deletes it.
static cJSON *
s_order (const char *id)
{
    char path[128];
    snprintf (path, sizeof path, "/orders?id=%s", id);
    reply_t reply = tff_call ("GET", path, NULL);
    ck_assert_int_eq (reply.status, 200);
    cJSON *json = cJSON_Parse (reply.body);
    tff_reply_free (&reply);
    cJSON *order = cJSON_DetachItemFromArray (cJSON_GetObjectItem (json, "orderBook"), 0);
    ck_assert_ptr_nonnull (order);
    cJSON_Delete (json);
    return order;
}

static double
s_num (const cJSON *object, const char *key)
{
    const cJSON *field = cJSON_GetObjectItem (object, key);
    ck_assert_msg (cJSON_IsNumber (field), "no number %s", key);
    return field->valuedouble;
}

//  Checks an order's status, filledQty and remainingQuantity.
static void
s_check_order (const char *id, int status, long filled, long remaining)
{
    cJSON *order = s_order (id);
    ck_assert_int_eq ((int) s_num (order, "status"), status);
    ck_assert_int_eq ((long) s_num (order, "filledQty"), filled);
    ck_assert_int_eq ((long) s_num (order, "remainingQuantity"), remaining);
    cJSON_Delete (order);
}

//  Places ORDER_BODY(10, tag) and returns its id (caller frees).
static char *
s_place_ten (void)
{
    reply_t reply = tff_call ("POST", "/orders/sync", ORDER_BODY (10, "open1"));
    ck_assert_int_eq (reply.status, 200);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), 1101);
    char *id = tff_json_str (reply.body, "id");
    tff_reply_free (&reply);
    return id;
}

//  The position's field as GET /_fake/positions shows it (no poll spent).
static double
s_position_field (const char *position_id, const char *key)
{
    char *text = fake_fyers_positions (tff_fake);
    cJSON *json = cJSON_Parse (text);
    free (text);
    double value = -999;
    const cJSON *item;
    cJSON_ArrayForEach (item, cJSON_GetObjectItem (json, "netPositions"))
        if (strcmp (cJSON_GetStringValue (cJSON_GetObjectItem (item, "id")), position_id) == 0)
            value = s_num (item, key);
    cJSON_Delete (json);
    return value;
}

START_TEST (test_working_order_partial_fills)
{
    ck_assert_int_eq (fake_fyers_set_price (tff_fake, SYMBOL, 100.0), 0);
    ck_assert_int_eq (fake_fyers_script (tff_fake, "{\"method\":\"POST\",\"action\":\"working\"}"),
                      1);
    char *id = s_place_ten ();
    s_check_order (id, 6, 0, 10);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), -999);
    //  Position reads do not fill it: only the control call does.
    ck_assert_int_eq (tff_net_qty (POSITION_ID), -999);

    ck_assert_int_eq (fake_fyers_fill (tff_fake, id, 4, 101.0), 0);
    s_check_order (id, 6, 4, 6);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 4);
    ck_assert_int_eq (fake_fyers_fill (tff_fake, id, 7, 0), -1); //  more than remains
    ck_assert_int_eq (fake_fyers_fill (tff_fake, id, 0, 103.0), 0);
    s_check_order (id, 2, 10, 0);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 10);
    ck_assert_int_eq (fake_fyers_fill (tff_fake, id, 0, 0), -1); //  no longer working

    //  tradedPrice is the average of the order's own fills.
    cJSON *order = s_order (id);
    ck_assert_double_eq_tol (s_num (order, "tradedPrice"), (4 * 101.0 + 6 * 103.0) / 10, 1e-9);
    cJSON_Delete (order);
    ck_assert_double_eq_tol (s_position_field (POSITION_ID, "netAvg"), 102.2, 1e-9);

    //  Two trades, each with its own price.
    reply_t reply = tff_call ("GET", "/tradebook", NULL);
    ck_assert_int_eq (reply.status, 200);
    cJSON *json = cJSON_Parse (reply.body);
    cJSON *trades = cJSON_GetObjectItem (json, "tradeBook");
    ck_assert_int_eq (cJSON_GetArraySize (trades), 2);
    cJSON *first = cJSON_GetArrayItem (trades, 0);
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (first, "orderNumber")), id);
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (first, "orderTag")), "1:open1");
    ck_assert_double_eq (s_num (first, "tradePrice"), 101.0);
    ck_assert_int_eq ((int) s_num (first, "tradedQty"), 4);
    ck_assert_double_eq (s_num (first, "tradeValue"), 404.0);
    ck_assert_double_eq (s_num (cJSON_GetArrayItem (trades, 1), "tradePrice"), 103.0);
    ck_assert_str_ne (
        cJSON_GetStringValue (cJSON_GetObjectItem (first, "tradeNumber")),
        cJSON_GetStringValue (cJSON_GetObjectItem (cJSON_GetArrayItem (trades, 1), "tradeNumber")));
    cJSON_Delete (json);
    tff_reply_free (&reply);
    free (id);
}
END_TEST

START_TEST (test_partial_then_ended)
{
    //  A part fills at once; the remainder is cancelled over the API.
    ck_assert_int_eq (fake_fyers_script (tff_fake, "{\"method\":\"POST\",\"action\":\"working\","
                                                   "\"fill_qty\":3,\"times\":3}"),
                      3);
    char *id = s_place_ten ();
    s_check_order (id, 6, 3, 7);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 3);
    char body[96];
    snprintf (body, sizeof body, "{\"id\":\"%s\"}", id);
    reply_t reply = tff_call ("DELETE", "/orders/sync", body);
    ck_assert_int_eq (reply.status, 200);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), 1103);
    tff_reply_free (&reply);
    s_check_order (id, 1, 3, 0);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 3);
    reply = tff_call ("DELETE", "/orders/sync", body);
    ck_assert_int_eq (reply.status, 400);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), -161);
    tff_reply_free (&reply);
    reply = tff_call ("DELETE", "/orders/sync", "{\"id\":\"42\"}");
    ck_assert_int_eq (tff_json_int (reply.body, "code"), -51);
    tff_reply_free (&reply);
    free (id);

    //  The exchange rejects a remainder; another expires.
    id = s_place_ten ();
    ck_assert_int_eq (fake_fyers_end_order (tff_fake, id, 5), 0);
    s_check_order (id, 5, 3, 0);
    snprintf (body, sizeof body, "{\"id\":\"%s\"}", id);
    reply = tff_call ("DELETE", "/orders/sync", body);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), -164);
    tff_reply_free (&reply);
    free (id);
    id = s_place_ten ();
    ck_assert_int_eq (fake_fyers_end_order (tff_fake, id, 7), 0);
    ck_assert_int_eq (fake_fyers_end_order (tff_fake, id, 1), -1);
    s_check_order (id, 7, 3, 0);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 9);
    free (id);

    //  A filled order cannot be cancelled.
    id = s_place_ten ();
    s_check_order (id, 2, 10, 0);
    snprintf (body, sizeof body, "{\"id\":\"%s\"}", id);
    reply = tff_call ("DELETE", "/orders/sync", body);
    ck_assert_int_eq (reply.status, 400);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), -162);
    tff_reply_free (&reply);
    ck_assert_int_eq (fake_fyers_cancel (tff_fake, id), -1);
    free (id);
}
END_TEST

START_TEST (test_code201_waits_for_control)
{
    //  polls -1: the counter order works until the test fills it.
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, SYMBOL, "INTRADAY", 10, 500.0), 0);
    ck_assert_int_eq (fake_fyers_script (tff_fake, "{\"method\":\"DELETE\",\"action\":\"code201\","
                                                   "\"polls\":-1}"),
                      1);
    reply_t reply = tff_call ("DELETE", "/positions", EXIT_BODY);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), 201);
    tff_reply_free (&reply);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq (tff_net_qty (POSITION_ID), 10);
    char id[32];
    ck_assert_int_eq (fake_fyers_last_order_id (tff_fake, id, sizeof id), 0);
    ck_assert_int_eq (fake_fyers_fill (tff_fake, id, 0, 0), 0);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 0);
}
END_TEST

START_TEST (test_working_fills_after_polls)
{
    //  "working" with a poll budget: the usual reply (with the id), then the
    //  fill on the third GET /positions; the order's message says why it ended.
    ck_assert_int_eq (fake_fyers_script (tff_fake, "{\"method\":\"POST\",\"action\":\"working\","
                                                   "\"polls\":2,\"times\":2}"),
                      2);
    char *id = s_place_ten ();
    ck_assert_int_eq (tff_net_qty (POSITION_ID), -999);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), -999);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 10);
    s_check_order (id, 2, 10, 0);
    free (id);
    id = s_place_ten ();
    long status = 0;
    char body[160];
    snprintf (body, sizeof body,
              "{\"order_id\":\"%s\",\"status\":\"expired\",\"message\":\"IOC cancelled\"}", id);
    char *reply = fake_fyers_http (tff_fake, "POST", "/_fake/end", body, NULL, &status);
    ck_assert_int_eq (status, 200);
    free (reply);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 10);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 10);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 10);
    cJSON *order = s_order (id);
    ck_assert_int_eq ((int) s_num (order, "status"), 7);
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (order, "message")),
                      "IOC cancelled");
    cJSON_Delete (order);
    free (id);
}
END_TEST

START_TEST (test_second_exit_reverses)
{
    //  Without pending_orders_cancel, a second exit while the first counter
    //  order works places a second one: the account ends reversed.
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, SYMBOL, "INTRADAY", 10, 500.0), 0);
    ck_assert_int_eq (fake_fyers_script (tff_fake, "{\"method\":\"DELETE\",\"action\":\"code201\","
                                                   "\"polls\":-1}"),
                      1);
    reply_t reply = tff_call ("DELETE", "/positions", EXIT_BODY);
    tff_reply_free (&reply);
    char first[32];
    ck_assert_int_eq (fake_fyers_last_order_id (tff_fake, first, sizeof first), 0);
    reply = tff_call ("DELETE", "/positions", EXIT_BODY);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), 200);
    tff_reply_free (&reply);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 0);
    ck_assert_int_eq (fake_fyers_fill (tff_fake, first, 0, 0), 0);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), -10);
}
END_TEST

START_TEST (test_pending_orders_cancel)
{
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, SYMBOL, "INTRADAY", 10, 500.0), 0);
    ck_assert_int_eq (fake_fyers_script (tff_fake, "{\"method\":\"DELETE\",\"action\":\"code201\","
                                                   "\"polls\":-1}"),
                      1);
    reply_t reply = tff_call ("DELETE", "/positions", CANCEL_EXIT_BODY);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), 201);
    tff_reply_free (&reply);
    char first[32];
    ck_assert_int_eq (fake_fyers_last_order_id (tff_fake, first, sizeof first), 0);
    //  The retry cancels the working counter order before it exits.
    reply = tff_call ("DELETE", "/positions", CANCEL_EXIT_BODY);
    ck_assert_int_eq (reply.status, 200);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), 200);
    tff_reply_free (&reply);
    s_check_order (first, 1, 0, 0);
    ck_assert_int_eq (fake_fyers_fill (tff_fake, first, 0, 0), -1);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 0);

    //  A partly filled working counter order: its remainder is cancelled and
    //  the exit places the rest.
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, SYMBOL, "INTRADAY", 10, 500.0), 0);
    ck_assert_int_eq (fake_fyers_script (tff_fake, "{\"method\":\"DELETE\",\"action\":\"working\","
                                                   "\"fill_qty\":4}"),
                      1);
    reply = tff_call ("DELETE", "/positions", EXIT_BODY);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), 200); //  ok, though not filled
    tff_reply_free (&reply);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 6);
    ck_assert_int_eq (fake_fyers_last_order_id (tff_fake, first, sizeof first), 0);
    reply = tff_call ("DELETE", "/positions", CANCEL_EXIT_BODY);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), 200);
    tff_reply_free (&reply);
    s_check_order (first, 1, 4, 0);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 0);

    //  A bad flag is refused.
    reply = tff_call ("DELETE", "/positions",
                      "{\"id\":\"" POSITION_ID "\",\"pending_orders_cancel\":2}");
    ck_assert_int_eq (tff_json_int (reply.body, "code"), -50);
    tff_reply_free (&reply);
}
END_TEST

START_TEST (test_conversion)
{
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, SYMBOL, "INTRADAY", 10, 500.0), 0);
    ck_assert_int_eq (fake_fyers_convert (tff_fake, POSITION_ID, "CNC", 0), 0);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 0);
    ck_assert_int_eq (tff_net_qty ("NSE:SBIN-EQ-CNC"), 10);
    ck_assert_double_eq (s_position_field ("NSE:SBIN-EQ-CNC", "netAvg"), 500.0);
    //  The old id has nothing to exit: -352, as Fyers answers.
    reply_t reply = tff_call ("DELETE", "/positions", EXIT_BODY);
    ck_assert_int_eq (reply.status, 400);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), -352);
    tff_reply_free (&reply);
    //  CNC cannot be converted; an unknown id is refused.
    ck_assert_int_eq (fake_fyers_convert (tff_fake, "NSE:SBIN-EQ-CNC", "INTRADAY", 0), -1);
    ck_assert_int_eq (fake_fyers_convert (tff_fake, POSITION_ID, "CNC", 0), -1);

    //  Part of a position, over the API (docs/fyers.md §4).
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, "NSE:IDEA-EQ", "INTRADAY", -8, 10.0), 0);
    reply = tff_call ("POST", "/positions",
                      "{\"symbol\":\"NSE:IDEA-EQ-INTRADAY\",\"positionSide\":-1,"
                      "\"convertQty\":3,\"convertFrom\":\"INTRADAY\",\"convertTo\":\"MARGIN\","
                      "\"overnight\":0}");
    ck_assert_int_eq (reply.status, 200);
    ck_assert_int_eq (tff_json_int (reply.body, "positionDetails"), 1101);
    tff_reply_free (&reply);
    ck_assert_int_eq (tff_net_qty ("NSE:IDEA-EQ-INTRADAY"), -5);
    ck_assert_int_eq (tff_net_qty ("NSE:IDEA-EQ-MARGIN"), -3);
    //  The wrong side is refused.
    reply = tff_call ("POST", "/positions",
                      "{\"symbol\":\"NSE:IDEA-EQ-INTRADAY\",\"positionSide\":1,"
                      "\"convertQty\":1,\"convertFrom\":\"INTRADAY\",\"convertTo\":\"CNC\","
                      "\"overnight\":0}");
    ck_assert_int_eq (reply.status, 400);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), -50);
    tff_reply_free (&reply);
    reply = tff_call ("POST", "/positions",
                      "{\"symbol\":\"NSE:IDEA-EQ-CNC\",\"positionSide\":1,\"convertQty\":1,"
                      "\"convertFrom\":\"CNC\",\"convertTo\":\"INTRADAY\",\"overnight\":0}");
    ck_assert_int_eq (reply.status, 400);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), -53);
    tff_reply_free (&reply);
}
END_TEST

START_TEST (test_square_off)
{
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, SYMBOL, "INTRADAY", 10, 500.0), 0);
    ck_assert_int_eq (fake_fyers_set_price (tff_fake, SYMBOL, 490.0), 0);
    //  A working order on the position (a stop the trader left).
    ck_assert_int_eq (fake_fyers_script (tff_fake, "{\"method\":\"POST\",\"action\":\"working\"}"),
                      1);
    char *working = s_place_ten ();
    ck_assert_int_eq (fake_fyers_square_off (tff_fake, POSITION_ID, NULL), 1);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 0);
    s_check_order (working, 1, 0, 0);
    free (working);
    char id[32];
    ck_assert_int_eq (fake_fyers_last_order_id (tff_fake, id, sizeof id), 0);
    cJSON *order = s_order (id);
    ck_assert_int_eq ((int) s_num (order, "status"), 2);
    ck_assert_int_eq ((int) s_num (order, "side"), -1);
    ck_assert_int_eq ((int) s_num (order, "qty"), 10);
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (order, "orderTag")), "");
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (order, "source")), "A");
    ck_assert_double_eq (s_num (order, "tradedPrice"), 490.0);
    cJSON_Delete (order);
    ck_assert_double_eq (s_position_field (POSITION_ID, "realized_profit"), -100.0);
    //  Nothing left to square off, or to exit.
    ck_assert_int_eq (fake_fyers_square_off (tff_fake, NULL, "RMS"), 0);
    reply_t reply = tff_call ("DELETE", "/positions", EXIT_BODY);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), -352);
    tff_reply_free (&reply);
}
END_TEST

START_TEST (test_multiplier)
{
    const char *mcx = "MCX:SILVERMIC26FEBFUT";
    const char *mcx_id = "MCX:SILVERMIC26FEBFUT-MARGIN";
    ck_assert_int_eq (fake_fyers_set_multiplier (tff_fake, mcx, 5.0), 0);
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, mcx, "MARGIN", 2, 90000.0), 0);
    ck_assert_int_eq (fake_fyers_set_price (tff_fake, mcx, 90010.0), 0);
    ck_assert_double_eq (s_position_field (mcx_id, "qtyMulti_com"), 5.0);
    ck_assert_double_eq (s_position_field (mcx_id, "unrealized_profit"), 100.0);
    reply_t reply = tff_call ("DELETE", "/positions", "{\"exit_all\":1}");
    ck_assert_int_eq (reply.status, 200);
    tff_reply_free (&reply);
    ck_assert_double_eq (s_position_field (mcx_id, "realized_profit"), 100.0);
    ck_assert_double_eq (s_position_field (mcx_id, "unrealized_profit"), 0.0);
    //  Equity keeps multiplier 1.
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, SYMBOL, "INTRADAY", 1, 100.0), 0);
    ck_assert_double_eq (s_position_field (POSITION_ID, "qtyMulti_com"), 1.0);
}
END_TEST

START_TEST (test_control_reads_are_silent)
{
    //  /_fake/ reads neither count as requests nor spend a pending fill's polls.
    ck_assert_int_eq (fake_fyers_seed_position (tff_fake, SYMBOL, "INTRADAY", 10, 500.0), 0);
    ck_assert_int_eq (fake_fyers_script (tff_fake, "{\"method\":\"DELETE\",\"action\":\"code201\","
                                                   "\"polls\":0}"),
                      1);
    reply_t reply = tff_call ("DELETE", "/positions", EXIT_BODY);
    tff_reply_free (&reply);
    for (int i = 0; i < 3; i++)
        ck_assert_double_eq (s_position_field (POSITION_ID, "netQty"), 10.0);
    char *trades = fake_fyers_trades (tff_fake);
    ck_assert_ptr_nonnull (strstr (trades, "\"tradeBook\":[]"));
    free (trades);
    ck_assert_int_eq (fake_fyers_count (tff_fake, NULL, NULL), 1);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 0);
    long status = 0;
    char *body = fake_fyers_http (tff_fake, "POST", "/_fake/fill", "{\"qty\":1}", NULL, &status);
    ck_assert_int_eq (status, 400);
    free (body);
    body = fake_fyers_http (tff_fake, "POST", "/_fake/fill", "{\"order_id\":\"9\"}", NULL, &status);
    ck_assert_int_eq (status, 404);
    free (body);
}
END_TEST

//  An SL-M sell stop: refused on the wrong side of the price, rests working
//  (not moved by position polls), moves with PATCH, fills whole at the
//  price that reaches it, and then cannot be moved or cancelled.
START_TEST (test_stop_order)
{
    free (s_place_ten ()); //  long 10 at 100.0
    reply_t reply = tff_call ("POST", "/orders/sync", STOP_BODY (10, 100.5));
    ck_assert_int_eq (reply.status, 400);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), -50);
    tff_reply_free (&reply);
    reply = tff_call ("POST", "/orders/sync", STOP_BODY (10, 95));
    ck_assert_int_eq (reply.status, 200);
    char *id = tff_json_str (reply.body, "id");
    tff_reply_free (&reply);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 10); //  a poll: the stop still rests
    s_check_order (id, 6, 0, 10);
    char body[128];
    snprintf (body, sizeof body, "{\"id\":\"%s\",\"type\":3,\"stopPrice\":97}", id);
    reply = tff_call ("PATCH", "/orders/sync", body);
    ck_assert_int_eq (reply.status, 200);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), 1102);
    tff_reply_free (&reply);
    cJSON *order = s_order (id);
    ck_assert_double_eq_tol (s_num (order, "stopPrice"), 97, 1e-9);
    ck_assert_int_eq ((int) s_num (order, "type"), 3);
    cJSON_Delete (order);
    ck_assert_int_eq (fake_fyers_set_price (tff_fake, SYMBOL, 97.5), 0);
    s_check_order (id, 6, 0, 10);
    ck_assert_int_eq (fake_fyers_set_price (tff_fake, SYMBOL, 96.5), 0);
    s_check_order (id, 2, 10, 0);
    order = s_order (id);
    ck_assert_double_eq_tol (s_num (order, "tradedPrice"), 96.5, 1e-9);
    cJSON_Delete (order);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 0);
    reply = tff_call ("PATCH", "/orders/sync", body);
    ck_assert_int_eq (tff_json_int (reply.body, "code"), -162);
    tff_reply_free (&reply);
    free (id);
}
END_TEST

//  An exit with pending_orders_cancel cancels the resting stop first: one
//  sell, the account flat, and a later price through the stop sells nothing.
START_TEST (test_stop_cancelled_by_exit)
{
    free (s_place_ten ());
    reply_t reply = tff_call ("POST", "/orders/sync", STOP_BODY (10, 95));
    char *id = tff_json_str (reply.body, "id");
    tff_reply_free (&reply);
    reply = tff_call ("DELETE", "/positions", CANCEL_EXIT_BODY);
    ck_assert_int_eq (reply.status, 200);
    tff_reply_free (&reply);
    s_check_order (id, 1, 0, 0);
    ck_assert_int_eq (fake_fyers_set_price (tff_fake, SYMBOL, 90), 0);
    s_check_order (id, 1, 0, 0);
    ck_assert_int_eq (tff_net_qty (POSITION_ID), 0);
    free (id);
}
END_TEST

TCase *
tff_broker_tcase (void)
{
    TCase *tc = tcase_create ("broker");
    tcase_add_checked_fixture (tc, tff_setup, tff_teardown);
    tcase_add_test (tc, test_working_order_partial_fills);
    tcase_add_test (tc, test_partial_then_ended);
    tcase_add_test (tc, test_code201_waits_for_control);
    tcase_add_test (tc, test_working_fills_after_polls);
    tcase_add_test (tc, test_second_exit_reverses);
    tcase_add_test (tc, test_pending_orders_cancel);
    tcase_add_test (tc, test_conversion);
    tcase_add_test (tc, test_square_off);
    tcase_add_test (tc, test_multiplier);
    tcase_add_test (tc, test_control_reads_are_silent);
    tcase_add_test (tc, test_stop_order);
    tcase_add_test (tc, test_stop_cancelled_by_exit);
    return tc;
}
