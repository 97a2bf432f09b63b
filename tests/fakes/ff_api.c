//  ff_api - see ff_api.h.

#include "ff_api.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <libwebsockets.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define FF_CODE_PLACED 1101
#define FF_CODE_MODIFIED 1102
#define FF_CODE_CANCELLED 1103
#define FF_CODE_OK 200
#define FF_CODE_NOT_ACKED 201
#define FF_ORDER_TAG_MAX 30

#define FF_MSG_AUTH "Could not authenticate the user"
//  The fake's own text: Fyers names the bad parameter in a -50's message.
#define FF_MSG_STOP_CROSSED "Invalid input: stopPrice is on the wrong side of the last price"

typedef void (*ff_route_fn) (ff_book_t *book, const ff_api_request_t *req, ff_api_reply_t *reply);

char *
ff_api_error_body (int code, const char *message)
{
    cJSON *json = cJSON_CreateObject ();
    cJSON_AddStringToObject (json, "s", "error");
    cJSON_AddNumberToObject (json, "code", code);
    cJSON_AddStringToObject (json, "message", message);
    char *text = cJSON_PrintUnformatted (json);
    cJSON_Delete (json);
    return text;
}

static void
s_error (ff_api_reply_t *reply, int status, int code, const char *message)
{
    reply->status = status;
    reply->body = ff_api_error_body (code, message);
}

//  Takes ownership of json, which must be an object, and sends it as the reply
//  with the success envelope in front of its own fields.
static void
s_ok (ff_api_reply_t *reply, int code, const char *message, cJSON *json)
{
    cJSON *envelope = cJSON_CreateObject ();
    cJSON_AddStringToObject (envelope, "s", "ok");
    cJSON_AddNumberToObject (envelope, "code", code);
    cJSON_AddStringToObject (envelope, "message", message);
    if (json) {
        cJSON *field = json->child;
        while (field) {
            cJSON *next = field->next;
            cJSON_AddItemToObject (envelope, field->string,
                                   cJSON_DetachItemViaPointer (json, field));
            field = next;
        }
        cJSON_Delete (json);
    }
    reply->status = 200;
    reply->body = cJSON_PrintUnformatted (envelope);
    cJSON_Delete (envelope);
}

//  Parses the body as a JSON object; on failure writes the -50 reply and
//  returns NULL.
static cJSON *
s_body_object (const ff_api_request_t *req, ff_api_reply_t *reply)
{
    cJSON *json = req->body ? cJSON_ParseWithLength (req->body, req->body_len) : NULL;
    if (!cJSON_IsObject (json)) {
        cJSON_Delete (json);
        s_error (reply, 400, FF_CODE_INVALID, "Invalid input: the body must be a JSON object");
        return NULL;
    }
    return json;
}

static void
s_get_positions (ff_book_t *book, const ff_api_request_t *req, ff_api_reply_t *reply)
{
    (void) req;
    ff_book_poll (book);
    cJSON *payload = cJSON_CreateObject ();
    ff_book_positions_json (book, payload);
    s_ok (reply, FF_CODE_OK, "", payload);
}

static void
s_get_orders (ff_book_t *book, const ff_api_request_t *req, ff_api_reply_t *reply)
{
    cJSON *orders = ff_book_orders_json (book, req->query_id, req->query_tag);
    if (req->query_id && cJSON_GetArraySize (orders) == 0) {
        cJSON_Delete (orders);
        s_error (reply, 400, FF_CODE_BAD_ORDER_ID, "Invalid order id");
        return;
    }
    cJSON *payload = cJSON_CreateObject ();
    cJSON_AddItemToObject (payload, "orderBook", orders);
    s_ok (reply, FF_CODE_OK, "", payload);
}

static void
s_get_profile (ff_book_t *book, const ff_api_request_t *req, ff_api_reply_t *reply)
{
    (void) book;
    (void) req;
    cJSON *payload = cJSON_CreateObject ();
    cJSON *data = cJSON_AddObjectToObject (payload, "data");
    cJSON_AddStringToObject (data, "fy_id", "FAKE0001");
    cJSON_AddStringToObject (data, "name", "FAKE FYERS USER");
    cJSON_AddStringToObject (data, "display_name", "FAKE");
    s_ok (reply, FF_CODE_OK, "", payload);
}

//  The market-data host's market status (docs/fyers.md §4).
static void
s_get_market_status (ff_book_t *book, const ff_api_request_t *req, ff_api_reply_t *reply)
{
    (void) book;
    cJSON *payload = cJSON_CreateObject ();
    cJSON_AddItemToObject (payload, "marketStatus", ff_market_json (req->market));
    s_ok (reply, FF_CODE_OK, "", payload);
}

//  Reads a required (or optional, when allowed) integer field.
static bool
s_int (const cJSON *json, const char *name, bool required, long *out)
{
    const cJSON *field = cJSON_GetObjectItemCaseSensitive (json, name);
    if (!field)
        return !required;
    double value = cJSON_GetNumberValue (field);
    if (!cJSON_IsNumber (field) || value != (double) (long) value)
        return false;
    *out = (long) value;
    return true;
}

static bool
s_number (const cJSON *json, const char *name, double *out)
{
    const cJSON *field = cJSON_GetObjectItemCaseSensitive (json, name);
    if (!field)
        return true;
    if (!cJSON_IsNumber (field))
        return false;
    *out = field->valuedouble;
    return true;
}

static bool
s_one_of (const char *value, const char *const *allowed)
{
    for (; value && *allowed; allowed++)
        if (strcmp (value, *allowed) == 0)
            return true;
    return false;
}

//  1-30 letters and digits, and not the reserved word (docs/fyers.md §3.1).
static bool
s_tag_valid (const char *tag)
{
    size_t len = strlen (tag);
    if (len < 1 || len > FF_ORDER_TAG_MAX || strcasecmp (tag, "Untagged") == 0)
        return false;
    for (const char *p = tag; *p; p++)
        if (!isalnum ((unsigned char) *p))
            return false;
    return true;
}

//  Validates a place-order body into req; returns the name of the first bad
//  field, or NULL when the order is acceptable.
static const char *
s_order_parse (const cJSON *json, ff_order_req_t *order)
{
    static const char *const products[] = {"INTRADAY", "CNC", "MARGIN", "CO", "BO", "MTF", NULL};
    static const char *const validities[] = {"DAY", "IOC", NULL};
    const cJSON *symbol = cJSON_GetObjectItemCaseSensitive (json, "symbol");
    const cJSON *product = cJSON_GetObjectItemCaseSensitive (json, "productType");
    const cJSON *validity = cJSON_GetObjectItemCaseSensitive (json, "validity");
    const cJSON *offline = cJSON_GetObjectItemCaseSensitive (json, "offlineOrder");
    const cJSON *tag = cJSON_GetObjectItemCaseSensitive (json, "orderTag");
    long type = 0, side = 0;
    if (!cJSON_IsString (symbol) || !strchr (symbol->valuestring, ':'))
        return "symbol";
    order->symbol = symbol->valuestring;
    if (!s_int (json, "qty", true, &order->qty) || order->qty <= 0)
        return "qty";
    if (!s_int (json, "type", true, &type) || type < 1 || type > 4)
        return "type";
    order->type = (int) type;
    if (!s_int (json, "side", true, &side) || (side != 1 && side != -1))
        return "side";
    order->side = (int) side;
    if (!cJSON_IsString (product) || !s_one_of (product->valuestring, products))
        return "productType";
    order->product = product->valuestring;
    if (!cJSON_IsString (validity) || !s_one_of (validity->valuestring, validities))
        return "validity";
    order->validity = validity->valuestring;
    if (!s_number (json, "limitPrice", &order->limit_price) || order->limit_price < 0)
        return "limitPrice";
    if (!s_number (json, "stopPrice", &order->stop_price) || order->stop_price < 0)
        return "stopPrice";
    if (!s_int (json, "disclosedQty", false, &order->disclosed_qty) || order->disclosed_qty < 0)
        return "disclosedQty";
    if (offline && !cJSON_IsBool (offline))
        return "offlineOrder";
    order->offline = cJSON_IsTrue (offline);
    if (tag) {
        bool co_bo = strcmp (order->product, "CO") == 0 || strcmp (order->product, "BO") == 0;
        if (!cJSON_IsString (tag) || !s_tag_valid (tag->valuestring) || co_bo)
            return "orderTag";
        order->tag = tag->valuestring;
    }
    return NULL;
}

static void
s_place_order (ff_book_t *book, const ff_api_request_t *req, ff_api_reply_t *reply)
{
    cJSON *json = s_body_object (req, reply);
    if (!json)
        return;
    ff_order_req_t order = {0};
    const char *bad = s_order_parse (json, &order);
    char message[160];
    if (bad) {
        snprintf (message, sizeof message, "Invalid input: %s", bad);
        s_error (reply, 400, FF_CODE_INVALID, message);
    }
    else if (!(order.type == FF_TYPE_MARKET && order.limit_price == 0 && order.stop_price == 0)
             && !(order.type == FF_TYPE_STOP && order.limit_price == 0 && order.stop_price > 0))
        //  Limit and stop-limit orders would need a matching engine the tests do not need.
        s_error (reply, 400, FF_CODE_INVALID,
                 "Invalid input: fake_fyers accepts only market orders (type 2, no prices) and "
                 "SL-M orders (type 3, a stopPrice, no limitPrice)");
    else if (order.type == FF_TYPE_STOP
             && ff_book_stop_crossed (order.side, order.stop_price,
                                      ff_book_price (book, order.symbol)))
        //  docs/fyers.md §3.1: a stop price must not cross the last price the wrong way.
        s_error (reply, 400, FF_CODE_INVALID, FF_MSG_STOP_CROSSED);
    else {
        char id[FF_ORDER_ID_MAX];
        if (ff_book_place (book, &order, req->fill, id) != 0)
            s_error (reply, 500, -99, "fake_fyers: out of memory");
        else if (req->reply_201) {
            //  Code 201 carries no id: the client must find the order by its tag.
            reply->placed = true;
            s_ok (reply, FF_CODE_NOT_ACKED, "order placed, not acknowledged", NULL);
        }
        else {
            reply->placed = true;
            snprintf (message, sizeof message,
                      "Order submitted successfully. Your Order Ref. No.%s", id);
            cJSON *payload = cJSON_CreateObject ();
            cJSON_AddStringToObject (payload, "id", id);
            s_ok (reply, FF_CODE_PLACED, message, payload);
        }
    }
    cJSON_Delete (json);
}

//  Collects the ids an exit body names into ids; returns the bad field's
//  description, or NULL.
static const char *
s_exit_targets (ff_book_t *book, const cJSON *json, cJSON *ids)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive (json, "id");
    const cJSON *all = cJSON_GetObjectItemCaseSensitive (json, "exit_all");
    if (all) {
        if (!cJSON_IsNumber (all) || all->valuedouble != 1)
            return "exit_all must be 1";
        ff_book_open_ids (book, ids);
        return NULL;
    }
    if (cJSON_IsString (id)) {
        cJSON_AddItemToArray (ids, cJSON_CreateString (id->valuestring));
        return NULL;
    }
    if (!cJSON_IsArray (id) || cJSON_GetArraySize (id) == 0)
        return "id (a position id or a non-empty array of them) or exit_all is required";
    const cJSON *item;
    cJSON_ArrayForEach (item, id) {
        if (!cJSON_IsString (item))
            return "id must hold strings";
        cJSON_AddItemToArray (ids, cJSON_CreateString (item->valuestring));
    }
    return NULL;
}

//  Reads the optional "pending_orders_cancel" (0 or 1, or a boolean);
//  returns the bad field's description, or NULL.
static const char *
s_pending_cancel_flag (const cJSON *json, bool *cancel)
{
    const cJSON *flag = cJSON_GetObjectItemCaseSensitive (json, "pending_orders_cancel");
    *cancel = false;
    if (!flag)
        return NULL;
    if (cJSON_IsBool (flag))
        *cancel = cJSON_IsTrue (flag);
    else if (cJSON_IsNumber (flag) && (flag->valuedouble == 0 || flag->valuedouble == 1))
        *cancel = flag->valuedouble == 1;
    else
        return "pending_orders_cancel must be 0 or 1";
    return NULL;
}

static void
s_exit_positions (ff_book_t *book, const ff_api_request_t *req, ff_api_reply_t *reply)
{
    cJSON *json = s_body_object (req, reply);
    if (!json)
        return;
    cJSON *ids = cJSON_CreateArray ();
    bool cancel_pending = false;
    const char *bad = s_pending_cancel_flag (json, &cancel_pending);
    if (!bad)
        bad = s_exit_targets (book, json, ids);
    //  pending_orders_cancel (docs/fyers.md §4): the working orders of the
    //  named positions (of every position for exit_all) are cancelled before
    //  the counter orders are placed.
    if (!bad && cancel_pending) {
        if (cJSON_GetObjectItemCaseSensitive (json, "exit_all"))
            ff_book_cancel_working (book, NULL);
        else {
            const cJSON *target;
            cJSON_ArrayForEach (target, ids)
                ff_book_cancel_working (book, target->valuestring);
        }
    }
    int exited = 0;
    bool failed = false;
    const cJSON *id;
    cJSON_ArrayForEach (id, ids) {
        int rc = bad ? 0 : ff_book_exit (book, id->valuestring, req->fill);
        exited += rc > 0;
        failed |= rc < 0;
    }
    char message[160];
    if (bad) {
        snprintf (message, sizeof message, "Invalid input: %s", bad);
        s_error (reply, 400, FF_CODE_INVALID, message);
    }
    else if (failed)
        s_error (reply, 500, -99, "fake_fyers: out of memory");
    else if (exited == 0)
        s_error (reply, 400, FF_CODE_NOTHING_TO_EXIT, "No position to exit");
    else if (req->reply_201)
        s_ok (reply, FF_CODE_NOT_ACKED, "exit placed, not filled", NULL);
    else
        s_ok (reply, FF_CODE_OK, "The position is closed.", NULL);
    reply->placed = exited > 0;
    cJSON_Delete (ids);
    cJSON_Delete (json);
}

//  Answers the error of an order that cannot be cancelled or modified
//  (status as ff_book_order_status gives it: < 0 unknown); true when it did.
static bool
s_not_working (ff_api_reply_t *reply, int status)
{
    if (status < 0)
        s_error (reply, 400, FF_CODE_BAD_ORDER_ID, "Invalid order id");
    else if (status == FF_STATUS_FILLED)
        s_error (reply, 400, FF_CODE_ALREADY_TRADED, "Order is already traded");
    else if (status == FF_STATUS_CANCELLED)
        s_error (reply, 400, FF_CODE_ALREADY_CANCELLED, "Order is already cancelled");
    else if (status == FF_STATUS_REJECTED)
        s_error (reply, 400, FF_CODE_ALREADY_REJECTED, "Order is already rejected");
    else if (status != FF_STATUS_PENDING)
        s_error (reply, 400, FF_CODE_REJECTED, "Order has expired");
    else
        return false;
    return true;
}

//  DELETE /orders/sync {"id":"<order id>"} (docs/fyers.md §3.2): cancels the
//  remainder of a working order; what was filled stays filled.
static void
s_cancel_order (ff_book_t *book, const ff_api_request_t *req, ff_api_reply_t *reply)
{
    cJSON *json = s_body_object (req, reply);
    if (!json)
        return;
    const char *id = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (json, "id"));
    int status = id ? ff_book_order_status (book, id) : 0;
    if (!id || !*id)
        s_error (reply, 400, FF_CODE_INVALID, "Invalid input: id");
    else if (s_not_working (reply, status))
        ; //  answered: the order is not working
    else if (ff_book_end_order (book, id, FF_STATUS_CANCELLED, NULL) != FF_BOOK_OK)
        s_error (reply, 500, FF_CODE_REJECTED, "fake_fyers: out of memory");
    else {
        reply->placed = true;
        cJSON *payload = cJSON_CreateObject ();
        cJSON_AddStringToObject (payload, "id", id);
        s_ok (reply, FF_CODE_CANCELLED, "Successfully cancelled order", payload);
    }
    cJSON_Delete (json);
}

//  PATCH /orders/sync {"id":"<order id>","type":3,"stopPrice":P} (docs/fyers.md
//  §3.2): moves the stop of a working SL-M order. Fields left out keep their
//  values; the fake modifies stop orders only, and only their stopPrice.
static void
s_modify_order (ff_book_t *book, const ff_api_request_t *req, ff_api_reply_t *reply)
{
    cJSON *json = s_body_object (req, reply);
    if (!json)
        return;
    const char *id = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (json, "id"));
    long type = 0;
    double stop_price = 0;
    char symbol[FF_SYMBOL_MAX] = "";
    int side = id ? ff_book_order_side (book, id, symbol) : 0;
    int status = id ? ff_book_order_status (book, id) : 0;
    if (!id || !*id)
        s_error (reply, 400, FF_CODE_INVALID, "Invalid input: id");
    else if (!s_int (json, "type", true, &type) || type < 1 || type > 4)
        s_error (reply, 400, FF_CODE_INVALID, "Invalid input: type");
    else if (!s_number (json, "stopPrice", &stop_price) || stop_price < 0)
        s_error (reply, 400, FF_CODE_INVALID, "Invalid input: stopPrice");
    else if (s_not_working (reply, status))
        ; //  answered: the order is not working
    else if (type != FF_TYPE_STOP || stop_price <= 0
             || cJSON_GetObjectItemCaseSensitive (json, "qty")
             || cJSON_GetObjectItemCaseSensitive (json, "limitPrice"))
        s_error (reply, 400, FF_CODE_INVALID,
                 "Invalid input: fake_fyers modifies only the stopPrice of SL-M orders (type 3)");
    else if (ff_book_stop_crossed (side, stop_price, ff_book_price (book, symbol)))
        s_error (reply, 400, FF_CODE_INVALID, FF_MSG_STOP_CROSSED);
    else {
        int rc = ff_book_modify_stop (book, id, stop_price);
        if (rc == FF_BOOK_BAD_TYPE)
            s_error (reply, 400, FF_CODE_INVALID,
                     "Invalid input: fake_fyers modifies only SL-M orders (type 3)");
        else if (rc != FF_BOOK_OK)
            s_error (reply, 500, FF_CODE_REJECTED, "fake_fyers: cannot modify");
        else {
            reply->placed = true;
            cJSON *payload = cJSON_CreateObject ();
            cJSON_AddStringToObject (payload, "id", id);
            s_ok (reply, FF_CODE_MODIFIED, "Successfully modified order", payload);
        }
    }
    cJSON_Delete (json);
}

static void
s_get_tradebook (ff_book_t *book, const ff_api_request_t *req, ff_api_reply_t *reply)
{
    (void) req;
    cJSON *payload = cJSON_CreateObject ();
    cJSON_AddItemToObject (payload, "tradeBook", ff_book_trades_json (book));
    s_ok (reply, FF_CODE_OK, "", payload);
}

//  POST /positions (docs/fyers.md §4, convert): {"symbol":"<position id>",
//  "positionSide":1|-1,"convertQty":N,"convertFrom":"INTRADAY","convertTo":
//  "CNC"|"MARGIN","overnight":0|1}.
static void
s_convert_position (ff_book_t *book, const ff_api_request_t *req, ff_api_reply_t *reply)
{
    cJSON *json = s_body_object (req, reply);
    if (!json)
        return;
    const char *id = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (json, "symbol"));
    const char *from =
        cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (json, "convertFrom"));
    const char *to = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (json, "convertTo"));
    long qty = 0, side = 0;
    const char *bad = !id ? "symbol"
                      : !s_int (json, "positionSide", true, &side) || (side != 1 && side != -1)
                          ? "positionSide"
                      : !s_int (json, "convertQty", true, &qty) || qty <= 0 ? "convertQty"
                      : !from                                               ? "convertFrom"
                      : !to                                                 ? "convertTo"
                                                                            : NULL;
    //  The position must be the one named, on the side named.
    size_t from_len = from ? strlen (from) : 0;
    size_t id_len = id ? strlen (id) : 0;
    if (!bad
        && (id_len <= from_len || strcmp (id + id_len - from_len, from) != 0
            || id[id_len - from_len - 1] != '-'))
        bad = "convertFrom";
    char message[160];
    int rc = bad ? FF_BOOK_OK : ff_book_convert (book, id, to, qty, (int) side);
    if (bad) {
        snprintf (message, sizeof message, "Invalid input: %s", bad);
        s_error (reply, 400, FF_CODE_INVALID, message);
    }
    else if (rc == FF_BOOK_UNKNOWN)
        s_error (reply, 400, FF_CODE_BAD_POSITION_ID, "Invalid position id");
    else if (rc == FF_BOOK_BAD_QTY)
        s_error (reply, 400, FF_CODE_INVALID, "Invalid input: convertQty");
    else if (rc == FF_BOOK_BAD_SIDE)
        s_error (reply, 400, FF_CODE_INVALID, "Invalid input: positionSide");
    else if (rc == FF_BOOK_BAD_PRODUCT)
        s_error (reply, 400, FF_CODE_INVALID, "Invalid input: convertTo");
    else if (rc != FF_BOOK_OK)
        s_error (reply, 500, FF_CODE_REJECTED, "fake_fyers: out of memory");
    else {
        reply->placed = true;
        cJSON *payload = cJSON_CreateObject ();
        cJSON_AddNumberToObject (payload, "positionDetails", FF_CODE_PLACED);
        s_ok (reply, FF_CODE_OK, "Position Converted Successfully!!", payload);
    }
    cJSON_Delete (json);
}

//  ---------------------------------------------------------------------
//  The daily login (docs/fyers.md §1). No Authorization: these routes are
//  how a token is made.

//  Appends value to buf percent-encoded (RFC 3986 unreserved kept).
static void
s_url_encode (char *buf, size_t size, const char *value)
{
    size_t at = strlen (buf);
    for (const unsigned char *p = (const unsigned char *) value; *p && at + 4 < size; p++) {
        if (isalnum (*p) || strchr ("-._~", *p))
            buf[at++] = (char) *p;
        else
            at += (size_t) snprintf (buf + at, size - at, "%%%02X", *p);
    }
    buf[at] = 0;
}

//  GET /generate-authcode: the login page, which after a (here absent) login
//  and 2FA sends the browser back to redirect_uri with an auth code.
static void
s_generate_authcode (ff_book_t *book, const ff_api_request_t *req, ff_api_reply_t *reply)
{
    (void) book;
    if (!req->query_client_id || strcmp (req->query_client_id, req->app_id) != 0) {
        s_error (reply, 400, FF_CODE_BAD_APP_ID, "Invalid App ID");
        return;
    }
    if (!req->query_redirect_uri || !*req->query_redirect_uri) {
        s_error (reply, 400, FF_CODE_INVALID, "Invalid input: redirect_uri");
        return;
    }
    if (!req->query_response_type || strcmp (req->query_response_type, "code") != 0) {
        s_error (reply, 400, FF_CODE_INVALID, "Invalid input: response_type");
        return;
    }
    char url[2048];
    snprintf (url, sizeof url,
              "%s%ss=ok&code=200&auth_code=" FF_AUTH_CODE "&state=", req->query_redirect_uri,
              strchr (req->query_redirect_uri, '?') ? "&" : "?");
    s_url_encode (url, sizeof url, req->query_state ? req->query_state : "");
    cJSON *payload = cJSON_CreateObject ();
    cJSON_AddStringToObject (payload, "Url", url);
    s_ok (reply, FF_CODE_OK, "", payload);
    reply->status = 302;
    reply->location = strdup (url);
}

//  A JWT with payload json: base64url parts, a signature nobody checks.
static char *
s_jwt (const char *json)
{
    char b64[1024];
    int n = lws_b64_encode_string (json, (int) strlen (json), b64, (int) sizeof b64);
    if (n <= 0)
        return NULL;
    for (int i = 0; i < n; i++)
        b64[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
    while (n > 0 && b64[n - 1] == '=')
        b64[--n] = 0;
    size_t size = (size_t) n + 64;
    char *token = (char *) malloc (size);
    if (token)
        snprintf (token, size, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.%s.ZmFrZS1zaWduYXR1cmU", b64);
    return token;
}

//  The next 06:00 IST after now, in Unix seconds: when Fyers tokens end.
static int64_t
s_next_0600_ist (void)
{
    const int64_t ist = 19800, day = 86400, six = 6 * 3600;
    int64_t now = (int64_t) time (NULL) + ist;
    int64_t next = now / day * day + six;
    if (next <= now)
        next += day;
    return next - ist;
}

//  The lowercase hex SHA-256 of "APP_ID:SECRET" into hex (65 bytes).
static void
s_app_id_hash (const char *app_id, const char *secret, char *hex)
{
    char text[512];
    snprintf (text, sizeof text, "%s:%s", app_id, secret);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    hex[0] = 0;
    if (EVP_Digest (text, strlen (text), md, &len, EVP_sha256 (), NULL) != 1)
        return;
    for (unsigned int i = 0; i < len && i < 32; i++)
        snprintf (hex + 2 * i, 3, "%02x", md[i]);
}

//  POST /validate-authcode: the auth code and appIdHash for an access token.
static void
s_validate_authcode (ff_book_t *book, const ff_api_request_t *req, ff_api_reply_t *reply)
{
    (void) book;
    cJSON *json = s_body_object (req, reply);
    if (!json)
        return;
    const char *grant =
        cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (json, "grant_type"));
    const char *hash = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (json, "appIdHash"));
    const char *code = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (json, "code"));
    char expected[65];
    s_app_id_hash (req->app_id, req->app_secret, expected);
    if (!grant || strcmp (grant, "authorization_code") != 0)
        s_error (reply, 400, FF_CODE_INVALID, "Invalid input: grant_type");
    else if (!hash || strcmp (hash, expected) != 0)
        s_error (reply, 401, FF_CODE_BAD_HASH, "Invalid appIdHash");
    else if (!code || !*code)
        s_error (reply, 400, FF_CODE_NO_AUTH_CODE, "Missing auth code");
    else if (strcmp (code, FF_AUTH_CODE) != 0)
        s_error (reply, 400, FF_CODE_AUTH_CODE_EXPIRED, "auth code expired or invalid");
    else {
        //  Calls are serialised by the caller: a plain counter tells tokens apart.
        static int s_issued = 0;
        s_issued++;
        char claims[512];
        snprintf (claims, sizeof claims,
                  "{\"iss\":\"api.fyers.in\",\"sub\":\"access_token\",\"exp\":%lld,"
                  "\"hsm_key\":\"fakehsmkey%04d\",\"fy_id\":\"FAKE0001\",\"appType\":100,"
                  "\"n\":%d}",
                  (long long) s_next_0600_ist (), s_issued % 10000, s_issued);
        char *access = s_jwt (claims);
        char *refresh = s_jwt ("{\"iss\":\"api.fyers.in\",\"sub\":\"refresh_token\"}");
        cJSON *payload = cJSON_CreateObject ();
        cJSON_AddStringToObject (payload, "access_token", access ? access : "");
        cJSON_AddStringToObject (payload, "refresh_token", refresh ? refresh : "");
        free (access);
        free (refresh);
        s_ok (reply, FF_CODE_OK, "", payload);
    }
    cJSON_Delete (json);
}

//  Routes served without Authorization.
static const struct {
    const char *method;
    const char *path;
    ff_route_fn fn;
} s_login_routes[] = {
    {"GET", "/api/v3/generate-authcode", s_generate_authcode},
    {"POST", "/api/v3/validate-authcode", s_validate_authcode},
};
#define FF_LOGIN_ROUTE_COUNT (sizeof s_login_routes / sizeof s_login_routes[0])

static const struct {
    const char *method;
    const char *path;
    ff_route_fn fn;
} s_routes[] = {
    {"GET", "/api/v3/positions", s_get_positions},
    {"DELETE", "/api/v3/positions", s_exit_positions},
    {"POST", "/api/v3/orders/sync", s_place_order},
    {"GET", "/api/v3/orders", s_get_orders},
    {"GET", "/api/v3/profile", s_get_profile},
    {"DELETE", "/api/v3/orders/sync", s_cancel_order},
    {"PATCH", "/api/v3/orders/sync", s_modify_order},
    {"GET", "/api/v3/tradebook", s_get_tradebook},
    {"POST", "/api/v3/positions", s_convert_position},
    {"GET", "/data/marketStatus", s_get_market_status},
};
#define FF_ROUTE_COUNT (sizeof s_routes / sizeof s_routes[0])

//  True for "application/json", with or without parameters such as charset.
static bool
s_json_content_type (const char *value)
{
    static const char json[] = "application/json";
    if (!value || strncasecmp (value, json, sizeof json - 1) != 0)
        return false;
    char next = value[sizeof json - 1];
    return next == 0 || next == ';' || next == ' ';
}

void
ff_api_handle (ff_book_t *book, const ff_api_request_t *req, ff_api_reply_t *reply)
{
    *reply = (ff_api_reply_t){0};
    bool path_known = false;
    ff_route_fn fn = NULL;
    bool open_route = false;
    for (size_t i = 0; i < FF_LOGIN_ROUTE_COUNT; i++)
        if (strcmp (s_login_routes[i].path, req->path) == 0) {
            path_known = true;
            if (strcmp (s_login_routes[i].method, req->method) == 0) {
                fn = s_login_routes[i].fn;
                open_route = true;
            }
        }
    for (size_t i = 0; i < FF_ROUTE_COUNT; i++) {
        if (strcmp (s_routes[i].path, req->path) != 0)
            continue;
        path_known = true;
        if (strcmp (s_routes[i].method, req->method) == 0)
            fn = s_routes[i].fn;
    }
    char message[160];
    if (!fn) {
        snprintf (message, sizeof message, "%s %.100s is not served by fake_fyers", req->method,
                  req->path);
        s_error (reply, path_known ? 405 : 404, FF_CODE_NOT_FOUND, message);
    }
    else if (!req->auth_ok && !open_route)
        s_error (reply, 401, FF_CODE_AUTH, FF_MSG_AUTH);
    else if (req->body_len > 0 && !s_json_content_type (req->content_type))
        s_error (reply, 400, FF_CODE_INVALID,
                 "Invalid input: Content-Type must be application/json");
    else
        fn (book, req, reply);
    if (!reply->body)
        reply->status = 500;
}
