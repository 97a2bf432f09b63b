//  Unit tests of the pure half of the Fyers broker (gw_fyers_parse.c):
//  gw_fyers_classify on crafted replies (docs/design.md §4, docs/fyers.md §2), the parsing
//  of positions and order books, Retry-After, request bodies and validation;
//  and the rate guard of gw_fyers.c (which base_url keeps Fyers' limits).

#include <check.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "gw_broker.h"
#include "gw_fyers.h"

#define T_SYMBOL "NSE:SBIN-EQ"
#define T_POSITION_ID "NSE:SBIN-EQ-INTRADAY"
#define T_PRICE_EPSILON 1e-9

static gw_call_t *
s_exit (const char *position_id)
{
    gw_call_t *call = gw_call_new (GW_OP_EXIT);
    snprintf (call->position_id, sizeof call->position_id, "%s", position_id);
    return call;
}

typedef struct {
    gw_op_t op;
    int curl_code;
    long http_status;
    const char *body;
    int64_t retry_after_ms;
    gw_outcome_t outcome;
    int broker_code;
    const char *error; //  exact error text, or NULL for "any"
} t_case_t;

static const t_case_t s_cases[] = {
    //  Successes: decided on s == "ok".
    {GW_OP_EXIT, 0, 200, "{\"s\":\"ok\",\"code\":200,\"message\":\"The position is closed.\"}", 0,
     GW_OUT_OK, 200, ""},
    {GW_OP_EXIT, 0, 200, "{\"s\":\"ok\",\"code\":201,\"message\":\"exit placed\"}", 0,
     GW_OUT_PENDING, 201, ""},
    {GW_OP_PLACE, 0, 200, "{\"s\":\"ok\",\"code\":1101,\"message\":\"placed\",\"id\":808058117761}",
     0, GW_OUT_OK, 1101, ""},
    {GW_OP_PLACE, 0, 200,
     "{\"s\":\"ok\",\"code\":201,\"message\":\"not acknowledged\",\"id\":\"1\"}", 0,
     GW_OUT_AMBIGUOUS, 201, "code 201: not acknowledged"},
    //  Rate limits.
    {GW_OP_EXIT, 0, 429, "{\"s\":\"error\",\"code\":-429,\"message\":\"request limit reached\"}",
     1500, GW_OUT_RETRYABLE, -429, "HTTP 429: code -429: request limit reached"},
    {GW_OP_POSITIONS, 0, 429, "", 0, GW_OUT_RETRYABLE, 0, "HTTP 429: unparseable reply"},
    {GW_OP_PLACE, 0, 200, "{\"s\":\"error\",\"code\":-353,\"message\":\"API limit exceeded\"}", 0,
     GW_OUT_RETRYABLE, -353, "code -353: API limit exceeded"},
    //  Authentication: final, whatever the op.
    {GW_OP_EXIT, 0, 401,
     "{\"s\":\"error\",\"code\":-16,\"message\":\"Could not authenticate the user\"}", 0,
     GW_OUT_FINAL, -16, "HTTP 401: code -16: Could not authenticate the user"},
    {GW_OP_POSITIONS, 0, 200, "{\"s\":\"error\",\"code\":-8,\"message\":\"expired\"}", 0,
     GW_OUT_FINAL, -8, "code -8: expired"},
    {GW_OP_PLACE, 0, 403, "forbidden", 0, GW_OUT_FINAL, 0, "HTTP 403: unparseable reply"},
    {GW_OP_EXIT, 0, 400, "{\"s\":\"error\",\"code\":-15,\"message\":\"bad\"}", 0, GW_OUT_FINAL, -15,
     NULL},
    {GW_OP_EXIT, 0, 400, "{\"s\":\"error\",\"code\":-17,\"message\":\"bad\"}", 0, GW_OUT_FINAL, -17,
     NULL},
    //  Nothing to exit: ambiguous on an exit (the gateway reads positions).
    {GW_OP_EXIT, 0, 400, "{\"s\":\"error\",\"code\":-352,\"message\":\"No position to exit\"}", 0,
     GW_OUT_AMBIGUOUS, -352, "HTTP 400: code -352: No position to exit"},
    {GW_OP_EXIT, 0, 200, "{\"s\":\"error\",\"code\":-397,\"message\":\"qty zero\"}", 0,
     GW_OUT_AMBIGUOUS, -397, NULL},
    {GW_OP_EXIT, 0, 400, "{\"s\":\"error\",\"code\":-398,\"message\":\"no open\"}", 0,
     GW_OUT_AMBIGUOUS, -398, NULL},
    {GW_OP_PLACE, 0, 400, "{\"s\":\"error\",\"code\":-352,\"message\":\"Invalid App ID\"}", 0,
     GW_OUT_FINAL, -352, NULL},
    //  Broker "try again" codes.
    {GW_OP_EXIT, 0, 500, "{\"s\":\"error\",\"code\":-201,\"message\":\"try again\"}", 0,
     GW_OUT_RETRYABLE, -201, NULL},
    {GW_OP_PLACE, 0, 200, "{\"s\":\"error\",\"code\":-205,\"message\":\"try again\"}", 0,
     GW_OUT_RETRYABLE, -205, NULL},
    //  Validation: final.
    {GW_OP_PLACE, 0, 400,
     "{\"s\":\"error\",\"code\":-50,\"message\":\"StopLoss not a multiple of tick size\"}", 0,
     GW_OUT_FINAL, -50, "HTTP 400: code -50: StopLoss not a multiple of tick size"},
    {GW_OP_EXIT, 0, 400, "{\"s\":\"error\",\"code\":-53,\"message\":\"invalid position id\"}", 0,
     GW_OUT_FINAL, -53, NULL},
    {GW_OP_PLACE, 0, 200, "{\"s\":\"error\",\"code\":-99,\"message\":\"RED:Margin Shortfall\"}", 0,
     GW_OUT_FINAL, -99, "code -99: RED:Margin Shortfall"},
    {GW_OP_PLACE, 0, 400, "{\"s\":\"error\",\"code\":-300,\"message\":\"invalid symbol\"}", 0,
     GW_OUT_FINAL, -300, NULL},
    {GW_OP_EXIT, 0, 404, "<html>not found</html>", 0, GW_OUT_FINAL, 0,
     "HTTP 404: unparseable reply"},
    {GW_OP_EXIT, 0, 408, "", 0, GW_OUT_RETRYABLE, 0, NULL},
    //  Server errors and unusable bodies: ambiguous for writes only.
    {GW_OP_EXIT, 0, 503, "{\"s\":\"error\",\"code\":-99,\"message\":\"Service Unavailable\"}", 0,
     GW_OUT_AMBIGUOUS, -99, "HTTP 503: code -99: Service Unavailable"},
    {GW_OP_POSITIONS, 0, 502, "<html>bad gateway</html>", 0, GW_OUT_RETRYABLE, 0,
     "HTTP 502: unparseable reply"},
    {GW_OP_EXIT, 0, 200, "<html>hello</html>", 0, GW_OUT_AMBIGUOUS, 0, "unparseable reply"},
    {GW_OP_PLACE, 0, 200, "{\"code\":200}", 0, GW_OUT_AMBIGUOUS, 200, "code 200: no message"},
    {GW_OP_ORDER_BY_TAG, 0, 200, "[1,2]", 0, GW_OUT_RETRYABLE, 0, "unparseable reply"},
    {GW_OP_POSITIONS, 0, 200, "{\"s\":\"ok\",\"code\":200}", 0, GW_OUT_RETRYABLE, 200,
     "reply has no netPositions list"},
    {GW_OP_ORDER_BY_TAG, 0, 200, "{\"s\":\"ok\",\"code\":200,\"orderBook\":[]}", 0, GW_OUT_OK, 200,
     ""},
    {GW_OP_ORDER_BY_TAG, 0, 200, "{\"s\":\"ok\",\"code\":200}", 0, GW_OUT_RETRYABLE, 200,
     "reply has no orderBook list"},
    //  Transport failures.
    {GW_OP_EXIT, CURLE_COULDNT_CONNECT, 0, NULL, 0, GW_OUT_RETRYABLE, 0,
     "curl: Couldn't connect to server"},
    {GW_OP_PLACE, CURLE_COULDNT_RESOLVE_HOST, 0, NULL, 0, GW_OUT_RETRYABLE, 0, NULL},
    {GW_OP_EXIT, CURLE_OPERATION_TIMEDOUT, 0, NULL, 0, GW_OUT_AMBIGUOUS, 0,
     "curl: Timeout was reached"},
    {GW_OP_PLACE, CURLE_OPERATION_TIMEDOUT, 0, NULL, 0, GW_OUT_AMBIGUOUS, 0, NULL},
    {GW_OP_POSITIONS, CURLE_OPERATION_TIMEDOUT, 0, NULL, 0, GW_OUT_RETRYABLE, 0, NULL},
    {GW_OP_ORDER_BY_TAG, CURLE_OPERATION_TIMEDOUT, 0, NULL, 0, GW_OUT_RETRYABLE, 0, NULL},
    {GW_OP_EXIT, CURLE_GOT_NOTHING, 0, NULL, 0, GW_OUT_AMBIGUOUS, 0, NULL},
    {GW_OP_EXIT, CURLE_RECV_ERROR, 0, NULL, 0, GW_OUT_AMBIGUOUS, 0, NULL},
    {GW_OP_POSITIONS, CURLE_RECV_ERROR, 0, NULL, 0, GW_OUT_RETRYABLE, 0, NULL},
    {GW_OP_EXIT, CURLE_PEER_FAILED_VERIFICATION, 0, NULL, 0, GW_OUT_FINAL, 0, NULL},
};

START_TEST (test_classify)
{
    for (size_t i = 0; i < sizeof s_cases / sizeof *s_cases; i++) {
        const t_case_t *c = &s_cases[i];
        gw_call_t *call = gw_call_new (c->op);
        snprintf (call->order_tag, sizeof call->order_tag, "tag1");
        gw_fyers_reply_t reply = {
            .curl_code = c->curl_code,
            .http_status = c->http_status,
            .body = c->body,
            .body_size = c->body ? strlen (c->body) : 0,
            .retry_after_ms = c->retry_after_ms,
        };
        gw_fyers_classify (call, &reply);
        ck_assert_msg (call->outcome == c->outcome, "case %zu: outcome %s, expected %s", i,
                       gw_outcome_name (call->outcome), gw_outcome_name (c->outcome));
        ck_assert_msg (call->broker_code == c->broker_code, "case %zu: code %d", i,
                       call->broker_code);
        ck_assert_int_eq (call->http_status, c->curl_code ? 0 : c->http_status);
        if (c->error)
            ck_assert_msg (streq (call->error, c->error), "case %zu: error \"%s\"", i, call->error);
        else
            ck_assert_msg (call->error[0] != 0, "case %zu: no error text", i);
        ck_assert_int_eq (call->retry_after_ms,
                          call->outcome == GW_OUT_RETRYABLE ? c->retry_after_ms : 0);
        ck_assert (gw_fyers_rate_limited (call)
                   == (c->http_status == 429 || c->broker_code == -429 || c->broker_code == -353));
        gw_call_destroy (&call);
    }
}
END_TEST

START_TEST (test_parse_positions)
{
    const char *body =
        "{\"s\":\"ok\",\"code\":200,\"message\":\"\",\"netPositions\":["
        //  Complete, numbers as numbers.
        "{\"id\":\"NSE:SBIN-EQ-INTRADAY\",\"symbol\":\"NSE:SBIN-EQ\",\"productType\":\"INTRADAY\","
        "\"netQty\":-15,\"netAvg\":512.25,\"avgPrice\":1,\"buyAvg\":0,\"sellAvg\":512.25,"
        "\"ltp\":510.5,\"realized_profit\":12.5,\"side\":-1,\"qty\":15,\"unknown\":{\"x\":1}},"
        //  Numbers as strings, avgPrice instead of netAvg, no symbol.
        "{\"id\":\"NSE:INFY-EQ-CNC\",\"productType\":\"CNC\",\"netQty\":\"7\","
        "\"avgPrice\":\"1500.5\",\"ltp\":\"1499\"},"
        //  No id: skipped.
        "{\"symbol\":\"NSE:TCS-EQ\",\"netQty\":3},"
        //  A numeric id, only qty and side, optional fields missing.
        "{\"id\":12345,\"qty\":4,\"side\":-1},"
        //  Flat.
        "{\"id\":\"MCX:SILVERMIC20AUGFUT-MARGIN\",\"netQty\":0,\"side\":0,\"realized_profit\":-40,"
        "\"qtyMulti_com\":5}"
        "],\"overall\":{}}";
    gw_call_t *call = gw_call_new (GW_OP_POSITIONS);
    gw_fyers_reply_t reply = {.http_status = 200, .body = body, .body_size = strlen (body)};
    gw_fyers_classify (call, &reply);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    ck_assert_uint_eq (call->position_count, 4);
    const gw_broker_position_t *p = &call->positions[0];
    ck_assert_str_eq (p->id, "NSE:SBIN-EQ-INTRADAY");
    ck_assert_str_eq (p->symbol, "NSE:SBIN-EQ");
    ck_assert_str_eq (p->product, "INTRADAY");
    ck_assert_int_eq (p->net_qty, -15);
    ck_assert_double_eq_tol (p->avg_price, 512.25, T_PRICE_EPSILON);
    ck_assert_double_eq_tol (p->sell_avg, 512.25, T_PRICE_EPSILON);
    ck_assert_double_eq_tol (p->ltp, 510.5, T_PRICE_EPSILON);
    ck_assert_double_eq_tol (p->realized_pnl, 12.5, T_PRICE_EPSILON);
    p = &call->positions[1];
    ck_assert_str_eq (p->id, "NSE:INFY-EQ-CNC");
    ck_assert_str_eq (p->symbol, "NSE:INFY-EQ");
    ck_assert_int_eq (p->net_qty, 7);
    ck_assert_double_eq_tol (p->avg_price, 1500.5, T_PRICE_EPSILON);
    ck_assert_double_eq_tol (p->ltp, 1499, T_PRICE_EPSILON);
    p = &call->positions[2];
    ck_assert_str_eq (p->id, "12345");
    ck_assert_int_eq (p->net_qty, -4);
    ck_assert_double_eq_tol (p->avg_price, 0, T_PRICE_EPSILON);
    p = &call->positions[3];
    ck_assert_int_eq (p->net_qty, 0);
    ck_assert_double_eq_tol (p->multiplier, 5, T_PRICE_EPSILON);
    ck_assert_double_eq_tol (call->positions[0].multiplier, 1, T_PRICE_EPSILON);
    ck_assert_double_eq_tol (p->realized_pnl, -40, T_PRICE_EPSILON);
    gw_call_destroy (&call);

    //  A position whose quantity cannot be known makes the whole read fail:
    //  taking it as flat would close it at the gateway.
    const char *bad = "{\"s\":\"ok\",\"netPositions\":[{\"id\":\"NSE:X-EQ-CNC\",\"ltp\":1}]}";
    call = gw_call_new (GW_OP_POSITIONS);
    reply.body = bad;
    reply.body_size = strlen (bad);
    gw_fyers_classify (call, &reply);
    ck_assert_int_eq (call->outcome, GW_OUT_RETRYABLE);
    ck_assert_str_eq (call->error, "position NSE:X-EQ-CNC has no netQty");
    ck_assert_uint_eq (call->position_count, 0);
    gw_call_destroy (&call);
}
END_TEST

START_TEST (test_parse_order_book)
{
    const char *body =
        "{\"s\":\"ok\",\"code\":200,\"orderBook\":["
        "{\"id\":\"110\",\"symbol\":\"" T_SYMBOL "\",\"side\":1,\"qty\":10,\"status\":2,"
        "\"tradedPrice\":9},"
        "{\"id\":\"111\",\"orderTag\":\"1:other\",\"symbol\":\"" T_SYMBOL "\",\"side\":1,"
        "\"qty\":10,\"status\":2,\"tradedPrice\":10},"
        "{\"id\":\"112\",\"orderTag\":\"1:abc123\",\"symbol\":\"NSE:OTHER-EQ\",\"side\":1,"
        "\"qty\":10,\"status\":2,\"tradedPrice\":11},"
        "{\"id\":\"113\",\"orderTag\":\"1:abc123\",\"symbol\":\"" T_SYMBOL "\",\"side\":-1,"
        "\"qty\":10,\"status\":2,\"tradedPrice\":12},"
        "{\"id\":\"114\",\"orderTag\":\"1:abc123\",\"symbol\":\"" T_SYMBOL "\",\"side\":1,"
        "\"qty\":9,\"status\":2,\"tradedPrice\":13},"
        "{\"id\":222,\"orderTag\":\"1:abc123\",\"symbol\":\"" T_SYMBOL "\",\"side\":1,"
        "\"qty\":10,\"filledQty\":4,\"status\":6,\"tradedPrice\":501.5}]}";
    gw_call_t *call = gw_call_new (GW_OP_ORDER_BY_TAG);
    snprintf (call->order_tag, sizeof call->order_tag, "abc123");
    snprintf (call->symbol, sizeof call->symbol, T_SYMBOL);
    call->side = TW_SIDE_LONG;
    call->qty = 10;
    gw_fyers_reply_t reply = {.http_status = 200, .body = body, .body_size = strlen (body)};
    gw_fyers_classify (call, &reply);
    //  Only the entry with exactly the tag, symbol, side and quantity: not
    //  one without a tag, with another tag, symbol, side or quantity.
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    ck_assert_str_eq (call->order_id, "222");
    ck_assert_int_eq (call->order_status, 6);
    ck_assert_int_eq (call->filled_qty, 4);
    ck_assert_double_eq_tol (call->fill_price, 501.5, T_PRICE_EPSILON);
    //  Only other tags: not found.
    snprintf (call->order_tag, sizeof call->order_tag, "zzz");
    gw_fyers_classify (call, &reply);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    ck_assert_int_eq (call->order_status, 0);
    ck_assert_int_eq (call->filled_qty, 0);
    gw_call_destroy (&call);

    //  The whole book, for an exit's own fill price.
    call = gw_call_new (GW_OP_ORDERS);
    gw_fyers_classify (call, &reply);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    ck_assert_uint_eq (call->order_count, 6);
    ck_assert_str_eq (call->orders[0].order_tag, "");
    ck_assert_str_eq (call->orders[3].id, "113");
    ck_assert_str_eq (call->orders[3].order_tag, "abc123");
    ck_assert_int_eq (call->orders[3].side, TW_SIDE_SHORT);
    ck_assert_double_eq_tol (call->orders[3].traded_price, 12, T_PRICE_EPSILON);
    ck_assert_int_eq (call->orders[5].filled_qty, 4);
    gw_call_destroy (&call);

    //  A cancel's body names the order.
    call = gw_call_new (GW_OP_CANCEL);
    char err[TW_TEXT_MAX];
    ck_assert_int_eq (gw_fyers_validate (call, err, sizeof err), -1);
    snprintf (call->order_id, sizeof call->order_id, "222");
    ck_assert_int_eq (gw_fyers_validate (call, err, sizeof err), 0);
    char *cancel = gw_fyers_body (call);
    ck_assert_str_eq (cancel, "{\"id\":\"222\"}");
    free (cancel);
    gw_call_destroy (&call);
}
END_TEST

START_TEST (test_retry_after)
{
    time_t now = 1700000000;
    ck_assert_int_eq (gw_fyers_retry_after_ms ("1500", "2", now), 1500);
    ck_assert_int_eq (gw_fyers_retry_after_ms (NULL, "2", now), 2000);
    ck_assert_int_eq (gw_fyers_retry_after_ms ("0", " 3 ", now), 3000);
    ck_assert_int_eq (gw_fyers_retry_after_ms ("junk", NULL, now), 0);
    ck_assert_int_eq (gw_fyers_retry_after_ms (NULL, NULL, now), 0);
    //  1700000005 is Tue, 14 Nov 2023 22:13:25 GMT.
    ck_assert_int_eq (gw_fyers_retry_after_ms (NULL, "Tue, 14 Nov 2023 22:13:25 GMT", now), 5000);
    ck_assert_int_eq (gw_fyers_retry_after_ms (NULL, "Tue, 14 Nov 2023 22:13:15 GMT", now), 0);
}
END_TEST

START_TEST (test_bodies_and_validation)
{
    gw_call_t *call = s_exit (T_POSITION_ID);
    char err[TW_TEXT_MAX];
    ck_assert_int_eq (gw_fyers_validate (call, err, sizeof err), 0);
    char *body = gw_fyers_body (call);
    ck_assert_str_eq (body, "{\"id\":\"" T_POSITION_ID "\",\"pending_orders_cancel\":1}");
    free (body);
    call->position_id[0] = 0;
    ck_assert_int_eq (gw_fyers_validate (call, err, sizeof err), -1);
    ck_assert_str_eq (err, "invalid exit call: no position id");
    gw_call_destroy (&call);

    call = gw_call_new (GW_OP_PLACE);
    snprintf (call->symbol, sizeof call->symbol, T_SYMBOL);
    call->qty = 25;
    call->side = TW_SIDE_SHORT;
    snprintf (call->order_tag, sizeof call->order_tag, "gw42x");
    ck_assert_int_eq (gw_fyers_validate (call, err, sizeof err), 0);
    body = gw_fyers_body (call);
    cJSON *json = cJSON_Parse (body);
    free (body);
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (json, "symbol")), T_SYMBOL);
    ck_assert_int_eq (cJSON_GetObjectItem (json, "qty")->valueint, 25);
    ck_assert_int_eq (cJSON_GetObjectItem (json, "type")->valueint, 2);
    ck_assert_int_eq (cJSON_GetObjectItem (json, "side")->valueint, -1);
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (json, "productType")), "INTRADAY");
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (json, "validity")), "DAY");
    ck_assert (cJSON_IsFalse (cJSON_GetObjectItem (json, "offlineOrder")));
    ck_assert_int_eq (cJSON_GetObjectItem (json, "limitPrice")->valueint, 0);
    ck_assert_int_eq (cJSON_GetObjectItem (json, "stopPrice")->valueint, 0);
    ck_assert_int_eq (cJSON_GetObjectItem (json, "disclosedQty")->valueint, 0);
    ck_assert_str_eq (cJSON_GetStringValue (cJSON_GetObjectItem (json, "orderTag")), "gw42x");
    cJSON_Delete (json);
    snprintf (call->order_tag, sizeof call->order_tag, "no spaces");
    ck_assert_int_eq (gw_fyers_validate (call, err, sizeof err), -1);
    snprintf (call->order_tag, sizeof call->order_tag, "gw42x");
    call->qty = 0;
    ck_assert_int_eq (gw_fyers_validate (call, err, sizeof err), -1);
    call->qty = 1;
    call->side = TW_SIDE_NONE;
    ck_assert_int_eq (gw_fyers_validate (call, err, sizeof err), -1);
    //  With a stop price it is the broker stop: an SL-M (type 3).
    call->side = TW_SIDE_SHORT;
    call->stop_price = 95.5;
    ck_assert_int_eq (gw_fyers_validate (call, err, sizeof err), 0);
    body = gw_fyers_body (call);
    json = cJSON_Parse (body);
    free (body);
    ck_assert_int_eq (cJSON_GetObjectItem (json, "type")->valueint, 3);
    ck_assert_double_eq_tol (cJSON_GetObjectItem (json, "stopPrice")->valuedouble, 95.5,
                             T_PRICE_EPSILON);
    ck_assert_int_eq (cJSON_GetObjectItem (json, "limitPrice")->valueint, 0);
    ck_assert_int_eq (cJSON_GetObjectItem (json, "side")->valueint, -1);
    cJSON_Delete (json);
    gw_call_destroy (&call);

    //  A modify moves the stop of an order: id, type 3 and the new stop only.
    call = gw_call_new (GW_OP_MODIFY);
    ck_assert_int_eq (gw_fyers_validate (call, err, sizeof err), -1);
    snprintf (call->order_id, sizeof call->order_id, "808058117761");
    ck_assert_int_eq (gw_fyers_validate (call, err, sizeof err), -1); //  no stop price
    call->stop_price = 97;
    ck_assert_int_eq (gw_fyers_validate (call, err, sizeof err), 0);
    body = gw_fyers_body (call);
    ck_assert_str_eq (body, "{\"id\":\"808058117761\",\"type\":3,\"stopPrice\":97}");
    free (body);
    gw_call_destroy (&call);

    call = gw_call_new (GW_OP_ORDER_BY_TAG);
    ck_assert_int_eq (gw_fyers_validate (call, err, sizeof err), -1);
    snprintf (call->order_tag, sizeof call->order_tag, "abcdefghijabcdefghijabcdefghijX");
    ck_assert_int_eq (gw_fyers_validate (call, err, sizeof err), -1);
    ck_assert_ptr_null (gw_fyers_body (call));
    gw_call_destroy (&call);
}
END_TEST

//  Which base_url reaches the real broker, so keeps Fyers' rate limits.
START_TEST (test_real_host)
{
    const char *real[] = {
        "https://api-t1.fyers.in/api/v3",
        "https://API-T1.FYERS.IN/api/v3",
        "https://api.fyers.in./api/v3", //  a trailing dot is the same host
        "https://api.fyers.in:443/api/v3",
        "https://user:pw@api.fyers.in/api/v3",
        "api-t1.fyers.in/api/v3", //  no scheme: curl guesses one
        "https://fyers.in",
        "https://notfyers.in/api/v3",      //  a doubt keeps the protection
        "http://127.0.0.1@api.fyers.in/",  //  the host is after the '@'
        "http://api%2Dt1.fyers.in/api/v3", //  percent-encoded: not read plainly
        "https://api.fyers.in?x=http://127.0.0.1:8080",
        "https:///api/v3", //  no host at all
        "",
        NULL,
    };
    for (size_t i = 0; i < sizeof real / sizeof *real; i++)
        ck_assert_msg (gw_fyers_is_real_host (real[i]), "'%s' should count as Fyers",
                       real[i] ? real[i] : "(null)");
    const char *local[] = {
        "http://127.0.0.1:40123/api/v3",
        "http://localhost:8080/api/v3",
        "http://[::1]:8080/api/v3",
        "http://fake.test/api/v3/fyers.in", //  the path does not count
        "http://fyers.in.example.com/api/v3",
        "http://127.0.0.1:40123/api/v3?u=https://api.fyers.in",
    };
    for (size_t i = 0; i < sizeof local / sizeof *local; i++)
        ck_assert_msg (!gw_fyers_is_real_host (local[i]), "'%s' should count as local", local[i]);
}
END_TEST

//  The market status (docs/fyers.md §4): usable entries kept as sent, others
//  skipped; a reply without the list or without one usable entry is a
//  failed read (RETRYABLE), as is a body that is not JSON.
START_TEST (test_parse_market_status)
{
    const char *body =
        "{\"s\":\"ok\",\"code\":200,\"message\":\"\",\"marketStatus\":["
        "{\"exchange\":10,\"market_type\":\"NORMAL\",\"segment\":10,\"status\":\"CLOSED\"},"
        //  Codes as strings, unknown fields.
        "{\"exchange\":\"10\",\"segment\":\"11\",\"market_type\":\"NORMAL\","
        "\"status\":\"OPEN\",\"extra\":[1]},"
        "{\"exchange\":11,\"segment\":20,\"market_type\":\"SPECIAL\",\"status\":\"OPEN\"},"
        //  Skipped: no status, a fractional code, a negative code, not an object.
        "{\"exchange\":12,\"segment\":10,\"market_type\":\"NORMAL\"},"
        "{\"exchange\":12.5,\"segment\":10,\"market_type\":\"NORMAL\",\"status\":\"OPEN\"},"
        "{\"exchange\":-1,\"segment\":10,\"market_type\":\"NORMAL\",\"status\":\"OPEN\"},"
        "\"NSE\","
        //  A status too long to be one: skipped.
        "{\"exchange\":12,\"segment\":11,\"market_type\":\"NORMAL\","
        "\"status\":\"OPEN_OPEN_OPEN_OPEN_OPEN_OPEN\"}"
        "]}";
    gw_call_t *call = gw_call_new (GW_OP_MARKET_STATUS);
    ck_assert_int_eq (gw_fyers_validate (call, call->error, sizeof call->error), 0);
    ck_assert_ptr_null (gw_fyers_body (call));
    gw_fyers_reply_t reply = {.http_status = 200, .body = body, .body_size = strlen (body)};
    gw_fyers_classify (call, &reply);
    ck_assert_int_eq (call->outcome, GW_OUT_OK);
    ck_assert_uint_eq (call->market_count, 3);
    ck_assert_int_eq (call->markets[0].exchange, 10);
    ck_assert_int_eq (call->markets[0].segment, 10);
    ck_assert_str_eq (call->markets[0].market_type, "NORMAL");
    ck_assert_str_eq (call->markets[0].status, "CLOSED");
    ck_assert_int_eq (call->markets[1].segment, 11);
    ck_assert_str_eq (call->markets[1].status, "OPEN");
    ck_assert_str_eq (call->markets[2].market_type, "SPECIAL");
    ck_assert_str_eq (gw_op_name (call->op), "market_status");

    //  Unusable replies.
    static const struct {
        long http_status;
        const char *body;
        gw_outcome_t outcome;
        const char *error;
    } bad[] = {
        {200, "{\"s\":\"ok\",\"code\":200,\"message\":\"\"}", GW_OUT_RETRYABLE,
         "reply has no marketStatus list"},
        {200, "{\"s\":\"ok\",\"code\":200,\"marketStatus\":{\"exchange\":10}}", GW_OUT_RETRYABLE,
         "reply has no marketStatus list"},
        {200, "{\"s\":\"ok\",\"code\":200,\"marketStatus\":[]}", GW_OUT_RETRYABLE,
         "marketStatus has no usable entry (of 0)"},
        {200, "{\"s\":\"ok\",\"code\":200,\"marketStatus\":[1,{\"exchange\":10}]}",
         GW_OUT_RETRYABLE, "marketStatus has no usable entry (of 2)"},
        {200, "<html>maintenance</html>", GW_OUT_RETRYABLE, "unparseable reply"},
        {200, "{\"s\":\"ok\",\"marketStatus\":[{\"exchange\":10", GW_OUT_RETRYABLE,
         "unparseable reply"},
        {502, "", GW_OUT_RETRYABLE, "HTTP 502: unparseable reply"},
        {401, "{\"s\":\"error\",\"code\":-16,\"message\":\"Could not authenticate the user\"}",
         GW_OUT_FINAL, "HTTP 401: code -16: Could not authenticate the user"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        reply = (gw_fyers_reply_t){.http_status = bad[i].http_status,
                                   .body = bad[i].body,
                                   .body_size = strlen (bad[i].body)};
        gw_call_t *again = gw_call_new (GW_OP_MARKET_STATUS);
        gw_fyers_classify (again, &reply);
        ck_assert_msg (again->outcome == bad[i].outcome, "case %zu: outcome %s", i,
                       gw_outcome_name (again->outcome));
        ck_assert_msg (streq (again->error, bad[i].error), "case %zu: error \"%s\"", i,
                       again->error);
        ck_assert_uint_eq (again->market_count, 0);
        gw_call_destroy (&again);
    }
    //  A timeout reading it: retryable (a read does no harm twice).
    reply = (gw_fyers_reply_t){.curl_code = CURLE_OPERATION_TIMEDOUT};
    gw_fyers_classify (call, &reply);
    ck_assert_int_eq (call->outcome, GW_OUT_RETRYABLE);
    gw_call_destroy (&call);
}
END_TEST

START_TEST (test_check_rates)
{
    const char *real = "https://api-t1.fyers.in/api/v3";
    const char *fake = "http://127.0.0.1:40123/api/v3";
    char err[1024] = "";
    //  At or below Fyers' limits: fine anywhere.
    ck_assert_int_eq (gw_fyers_check_rates (real, 8, 150, err, sizeof err), 0);
    ck_assert_int_eq (gw_fyers_check_rates (real, GW_FYERS_LIMIT_PER_SEC, GW_FYERS_LIMIT_PER_MIN,
                                            err, sizeof err),
                      0);
    ck_assert_str_eq (err, "");
    //  Above either limit: refused for Fyers, with the reason.
    ck_assert_int_eq (gw_fyers_check_rates (real, GW_FYERS_LIMIT_PER_SEC + 1, 150, err, sizeof err),
                      -1);
    ck_assert_msg (strstr (err, "rate_per_sec=11") && strstr (err, "api-t1.fyers.in")
                       && strstr (err, "10/s, 200/min"),
                   "%s", err);
    err[0] = 0;
    ck_assert_int_eq (gw_fyers_check_rates (real, 8, GW_FYERS_LIMIT_PER_MIN + 1, err, sizeof err),
                      -1);
    ck_assert_ptr_nonnull (strstr (err, "rate_per_min=201"));
    ck_assert_int_eq (gw_fyers_check_rates ("api.fyers.in", 100000, 6000000, err, sizeof err), -1);
    //  Above the limits against a local fake: allowed.
    err[0] = 0;
    ck_assert_int_eq (gw_fyers_check_rates (fake, 100000, 6000000, err, sizeof err), 0);
    ck_assert_str_eq (err, "");
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("gw_fyers_parse");
    TCase *tc = tcase_create ("core");
    tcase_add_test (tc, test_classify);
    tcase_add_test (tc, test_parse_positions);
    tcase_add_test (tc, test_parse_order_book);
    tcase_add_test (tc, test_retry_after);
    tcase_add_test (tc, test_bodies_and_validation);
    tcase_add_test (tc, test_real_host);
    tcase_add_test (tc, test_check_rates);
    tcase_add_test (tc, test_parse_market_status);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
