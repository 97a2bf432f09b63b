//  gw_fyers_parse - the pure half of gw_fyers: request bodies, validation,
//  and the classification of a reply (docs/design.md §4, docs/fyers.md §2-§4).
//
//  The body is parsed whatever the HTTP status, and success is decided on
//  s == "ok", never on the status or the code alone. Where a reply leaves
//  it open whether a write reached the broker, the outcome is AMBIGUOUS
//  (the gateway verifies before it sends again); the same doubt on a read
//  is RETRYABLE, since reading twice does no harm.

#include "gw_fyers.h"
#include "gw_ratelimit.h"
#include "tw_log.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <curl/curl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

//  Fyers codes (docs/fyers.md §2).
#define S_CODE_RATE_LIMIT -429
#define S_CODE_RATE_LIMIT_OLD -353
#define S_CODE_TOKEN_EXPIRED -8
#define S_CODE_TOKEN_INVALID -15
#define S_CODE_AUTH_FAILED -16
#define S_CODE_TOKEN_INVALID_OR_EXPIRED -17
#define S_CODE_NO_POSITION -352
#define S_CODE_POSITION_QTY_ZERO -397
#define S_CODE_NO_OPEN_POSITIONS -398
#define S_CODE_EXIT_PROCESSED -329
#define S_CODE_TRY_AGAIN_1 -201
#define S_CODE_TRY_AGAIN_2 -202
#define S_CODE_TRY_AGAIN_3 -204
#define S_CODE_TRY_AGAIN_4 -205

#define S_HTTP_SUCCESS 200
#define S_HTTP_REDIRECT 300
#define S_HTTP_UNAUTHORIZED 401
#define S_HTTP_FORBIDDEN 403
#define S_HTTP_REQUEST_TIMEOUT 408
#define S_HTTP_TOO_MANY 429
#define S_HTTP_CLIENT_ERROR 400
#define S_HTTP_SERVER_ERROR 500
#define S_HTTP_CLASS_END 600

//  Place-order constants (docs/fyers.md §3.1).
#define S_ORDER_TYPE_MARKET 2
#define S_ORDER_TYPE_STOP 3 //  SL-M: a market order once the price reaches stopPrice
#define S_SIDE_BUY 1
#define S_SIDE_SELL -1
#define S_DEFAULT_PRODUCT "INTRADAY"
#define S_ORDER_TAG_MAX 30
#define S_ORDER_TAG_PREFIX "1:" //  the order book echoes a tag as "1:<tag>"
#define S_ORDER_FILLED 2

//  The largest quantity a JSON number (a double) carries exactly.
#define S_QTY_MAX (INT64_C (1) << 53)

//  The outcome when it is unknown whether the request was acted on.
static gw_outcome_t
s_unsure (const gw_call_t *call)
{
    return gw_op_writes (call->op) ? GW_OUT_AMBIGUOUS : GW_OUT_RETRYABLE;
}

//  Copies text into a one-line error buffer: control characters become spaces.
static void
s_one_line (char *buf)
{
    for (char *p = buf; *p; p++)
        if (iscntrl ((unsigned char) *p))
            *p = ' ';
}

//  Parses a whole string (surrounding blanks allowed) as a finite number.
static bool
s_parse_number (const char *text, double *value)
{
    if (!text)
        return false;
    char *end = NULL;
    double v = strtod (text, &end);
    if (end == text || !isfinite (v))
        return false;
    while (isspace ((unsigned char) *end))
        end++;
    if (*end)
        return false;
    *value = v;
    return true;
}

static int64_t
s_clamp_ms (double ms)
{
    if (ms <= 0)
        return 0;
    if (ms >= GW_RATELIMIT_BLOCK_MAX_MS)
        return GW_RATELIMIT_BLOCK_MAX_MS;
    return (int64_t) ceil (ms);
}

int64_t
gw_fyers_retry_after_ms (const char *x_retry_after_ms, const char *retry_after, time_t now_s)
{
    double value;
    if (s_parse_number (x_retry_after_ms, &value) && value > 0)
        return s_clamp_ms (value);
    if (s_parse_number (retry_after, &value))
        return s_clamp_ms (value * 1000);
    if (retry_after) {
        time_t when = curl_getdate (retry_after, NULL);
        if (when != -1 && when > now_s)
            return s_clamp_ms ((double) (when - now_s) * 1000);
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Requests

static bool
s_tag_valid (const char *tag)
{
    size_t len = strnlen (tag, S_ORDER_TAG_MAX + 1);
    if (len == 0 || len > S_ORDER_TAG_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum ((unsigned char) tag[i]))
            return false;
    return true;
}

//  True when buf holds a non-empty NUL-terminated string.
static bool
s_text_set (const char *buf, size_t size)
{
    size_t len = strnlen (buf, size);
    return len > 0 && len < size;
}

int
gw_fyers_validate (const gw_call_t *call, char *err, size_t err_size)
{
    const char *problem = NULL;
    switch (call->op) {
    case GW_OP_EXIT:
        if (!s_text_set (call->position_id, sizeof call->position_id))
            problem = "no position id";
        break;
    case GW_OP_PLACE:
        if (!s_text_set (call->symbol, sizeof call->symbol))
            problem = "no symbol";
        else if (call->qty <= 0 || call->qty > S_QTY_MAX)
            problem = "quantity out of range";
        else if (call->side != TW_SIDE_LONG && call->side != TW_SIDE_SHORT)
            problem = "no side";
        else if (strnlen (call->product, sizeof call->product) == sizeof call->product)
            problem = "product too long";
        else if (call->order_tag[0] && !s_tag_valid (call->order_tag))
            problem = "order tag must be 1-30 letters or digits";
        else if (!(call->stop_price >= 0))
            problem = "stop price out of range";
        break;
    case GW_OP_MODIFY:
        if (!s_text_set (call->order_id, sizeof call->order_id))
            problem = "no order id";
        else if (!(call->stop_price > 0))
            problem = "no stop price";
        break;
    case GW_OP_ORDER_BY_TAG:
        if (!s_tag_valid (call->order_tag))
            problem = "order tag must be 1-30 letters or digits";
        break;
    case GW_OP_CANCEL:
        if (!s_text_set (call->order_id, sizeof call->order_id))
            problem = "no order id";
        break;
    case GW_OP_POSITIONS:
    case GW_OP_ORDERS:
    case GW_OP_MARKET_STATUS:
        break;
    default:
        problem = "unknown op";
        break;
    }
    if (problem) {
        snprintf (err, err_size, "invalid %s call: %s", gw_op_name (call->op), problem);
        return -1;
    }
    return 0;
}

char *
gw_fyers_body (const gw_call_t *call)
{
    if (!gw_op_writes (call->op))
        return NULL;
    cJSON *root = cJSON_CreateObject ();
    if (!root)
        return NULL;
    bool ok;
    if (call->op == GW_OP_CANCEL)
        ok = cJSON_AddStringToObject (root, "id", call->order_id) != NULL;
    else if (call->op == GW_OP_MODIFY)
        //  id and type are mandatory; what is left out keeps its value.
        ok = cJSON_AddStringToObject (root, "id", call->order_id)
             && cJSON_AddNumberToObject (root, "type", S_ORDER_TYPE_STOP)
             && cJSON_AddNumberToObject (root, "stopPrice", call->stop_price);
    else if (call->op == GW_OP_EXIT)
        //  pending_orders_cancel: a counter order of an earlier exit that is
        //  still working is cancelled before this one is placed, so that two
        //  exits of one position never both fill (docs/fyers.md §4).
        ok = cJSON_AddStringToObject (root, "id", call->position_id)
             && cJSON_AddNumberToObject (root, "pending_orders_cancel", 1);
    else {
        const char *product = call->product[0] ? call->product : S_DEFAULT_PRODUCT;
        ok = cJSON_AddStringToObject (root, "symbol", call->symbol)
             && cJSON_AddNumberToObject (root, "qty", (double) call->qty)
             && cJSON_AddNumberToObject (
                 root, "type", call->stop_price > 0 ? S_ORDER_TYPE_STOP : S_ORDER_TYPE_MARKET)
             && cJSON_AddNumberToObject (root, "side",
                                         call->side == TW_SIDE_LONG ? S_SIDE_BUY : S_SIDE_SELL)
             && cJSON_AddStringToObject (root, "productType", product)
             && cJSON_AddNumberToObject (root, "limitPrice", 0)
             && cJSON_AddNumberToObject (root, "stopPrice", call->stop_price)
             && cJSON_AddStringToObject (root, "validity", "DAY")
             && cJSON_AddNumberToObject (root, "disclosedQty", 0)
             && cJSON_AddFalseToObject (root, "offlineOrder");
        if (ok && call->order_tag[0])
            ok = cJSON_AddStringToObject (root, "orderTag", call->order_tag) != NULL;
    }
    char *body = ok ? cJSON_PrintUnformatted (root) : NULL;
    cJSON_Delete (root);
    return body;
}

//  --------------------------------------------------------------------------
//  Reply fields: ids and numbers may come as strings or numbers (docs/fyers.md).

static bool
s_json_number (const cJSON *object, const char *key, double *value)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, key);
    if (cJSON_IsNumber (item) && isfinite (item->valuedouble)) {
        *value = item->valuedouble;
        return true;
    }
    return cJSON_IsString (item) && s_parse_number (item->valuestring, value);
}

//  An optional number: 0 when absent or not a number.
static double
s_json_double (const cJSON *object, const char *key)
{
    double value = 0;
    return s_json_number (object, key, &value) ? value : 0;
}

static bool
s_json_int (const cJSON *object, const char *key, int64_t *value)
{
    double number;
    if (!s_json_number (object, key, &number) || number != floor (number)
        || fabs (number) > (double) S_QTY_MAX)
        return false;
    *value = (int64_t) number;
    return true;
}

//  An integral number that an int holds (an order status): a larger one
//  (4294967298, say) must not wrap round to a known status.
static bool
s_json_int32 (const cJSON *object, const char *key, int *value)
{
    int64_t number;
    if (!s_json_int (object, key, &number) || number < INT_MIN || number > INT_MAX)
        return false;
    *value = (int) number;
    return true;
}

//  Copies a string or integral number into buf. False when absent, of another
//  type, empty, or too long for buf.
static bool
s_json_text (const cJSON *object, const char *key, char *buf, size_t size)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, key);
    int len;
    if (cJSON_IsString (item))
        len = snprintf (buf, size, "%s", item->valuestring);
    else if (cJSON_IsNumber (item) && item->valuedouble == floor (item->valuedouble)
             && fabs (item->valuedouble) <= (double) S_QTY_MAX)
        len = snprintf (buf, size, "%.0f", item->valuedouble);
    else
        return false;
    if (len <= 0 || (size_t) len >= size) {
        buf[0] = 0;
        return false;
    }
    return true;
}

//  Fills one position from a netPositions[] entry. Returns 1 when filled, 0
//  when the entry is skipped (logged), -1 when the reply cannot be trusted
//  (err set).
static int
s_parse_position (const cJSON *entry, gw_broker_position_t *pos, char *err, size_t err_size)
{
    if (!cJSON_IsObject (entry)) {
        tw_warn ("fyers positions: skipped an entry that is not an object");
        return 0;
    }
    if (!s_json_text (entry, "id", pos->id, sizeof pos->id)) {
        tw_warn ("fyers positions: skipped an entry without a usable id");
        return 0;
    }
    s_json_text (entry, "productType", pos->product, sizeof pos->product);
    if (!s_json_text (entry, "symbol", pos->symbol, sizeof pos->symbol)) {
        //  The id is "<symbol>-<product>": recover the symbol from it.
        size_t id_len = strlen (pos->id), product_len = strlen (pos->product);
        if (product_len > 0 && id_len > product_len + 1
            && streq (pos->id + id_len - product_len, pos->product)
            && pos->id[id_len - product_len - 1] == '-'
            && id_len - product_len - 1 < sizeof pos->symbol)
            memcpy (pos->symbol, pos->id, id_len - product_len - 1);
    }
    if (!s_json_int (entry, "netQty", &pos->net_qty)) {
        //  An older shape: absolute qty and side (1 long, -1 short, 0 flat).
        int64_t qty, side;
        if (!s_json_int (entry, "qty", &qty) || !s_json_int (entry, "side", &side)) {
            snprintf (err, err_size, "position %s has no netQty", pos->id);
            return -1;
        }
        pos->net_qty = side > 0 ? qty : side < 0 ? -qty : 0;
    }
    if (!s_json_number (entry, "netAvg", &pos->avg_price))
        pos->avg_price = s_json_double (entry, "avgPrice");
    pos->buy_avg = s_json_double (entry, "buyAvg");
    pos->sell_avg = s_json_double (entry, "sellAvg");
    pos->ltp = s_json_double (entry, "ltp");
    pos->realized_pnl = s_json_double (entry, "realized_profit");
    pos->multiplier = s_json_double (entry, "qtyMulti_com");
    if (pos->multiplier <= 0)
        pos->multiplier = 1;
    return 1;
}

static int
s_parse_positions (gw_call_t *call, const cJSON *root, char *err, size_t err_size)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive (root, "netPositions");
    if (!cJSON_IsArray (list)) {
        //  Never read a missing list as "no positions": the gateway would
        //  conclude that every position was closed at the broker.
        snprintf (err, err_size, "reply has no netPositions list");
        return -1;
    }
    int size = cJSON_GetArraySize (list);
    gw_broker_position_t *positions =
        (gw_broker_position_t *) calloc (size > 0 ? (size_t) size : 1, sizeof *positions);
    if (!positions) {
        snprintf (err, err_size, "out of memory for %d positions", size);
        return -1;
    }
    size_t count = 0;
    const cJSON *entry;
    cJSON_ArrayForEach (entry, list) {
        int rc = s_parse_position (entry, &positions[count], err, err_size);
        if (rc < 0) {
            free (positions);
            return -1;
        }
        if (rc > 0)
            count++;
        else
            memset (&positions[count], 0, sizeof positions[count]);
    }
    free (call->positions);
    call->positions = positions;
    call->position_count = count;
    return 0;
}

//  True when an order book entry's orderTag names tag ("1:<tag>" or "<tag>").
static bool
s_tag_matches (const char *echoed, const char *tag)
{
    size_t prefix_len = strlen (S_ORDER_TAG_PREFIX);
    size_t echoed_len = strlen (echoed);
    size_t tag_len = strlen (tag);
    if (echoed_len == prefix_len + tag_len)
        return memcmp (echoed, S_ORDER_TAG_PREFIX, prefix_len) == 0
               && memcmp (echoed + prefix_len, tag, tag_len) == 0;
    return echoed_len == tag_len && memcmp (echoed, tag, tag_len) == 0;
}

static int
s_parse_order_by_tag (gw_call_t *call, const cJSON *root, char *err, size_t err_size)
{
    const cJSON *book = cJSON_GetObjectItemCaseSensitive (root, "orderBook");
    if (!cJSON_IsArray (book)) {
        //  A missing book is not "no such order": that would open twice.
        snprintf (err, err_size, "reply has no orderBook list");
        return -1;
    }
    //  The query filters on the tag; should a server ignore the filter, or
    //  answer for another order, only an entry that carries exactly this
    //  tag for the call's symbol, side and quantity is ours. An entry
    //  without a tag never is.
    const cJSON *found = NULL;
    const cJSON *entry;
    cJSON_ArrayForEach (entry, book) {
        if (!cJSON_IsObject (entry))
            continue;
        const cJSON *tag = cJSON_GetObjectItemCaseSensitive (entry, "orderTag");
        const cJSON *symbol = cJSON_GetObjectItemCaseSensitive (entry, "symbol");
        int64_t side = 0, qty = 0;
        int64_t want_side = call->side == TW_SIDE_LONG ? S_SIDE_BUY : S_SIDE_SELL;
        if (cJSON_IsString (tag) && s_tag_matches (tag->valuestring, call->order_tag)
            && cJSON_IsString (symbol) && streq (symbol->valuestring, call->symbol)
            && s_json_int (entry, "side", &side) && side == want_side
            && s_json_int (entry, "qty", &qty) && qty == call->qty) {
            found = entry;
            break;
        }
    }
    call->order_status = 0;
    call->order_id[0] = 0;
    call->fill_price = 0;
    call->filled_qty = 0;
    if (!found)
        return 0;
    int status;
    if (!s_json_int32 (found, "status", &status) || status <= 0) {
        snprintf (err, err_size, "order of tag %s has no status", call->order_tag);
        return -1;
    }
    call->order_status = status;
    s_json_text (found, "id", call->order_id, sizeof call->order_id);
    call->fill_price = s_json_double (found, "tradedPrice");
    int64_t filled = 0;
    if (s_json_int (found, "filledQty", &filled) && filled > 0)
        call->filled_qty = filled;
    else if (status == S_ORDER_FILLED)
        call->filled_qty = call->qty; //  a filled order without filledQty filled all
    return 0;
}

static int
s_parse_orders (gw_call_t *call, const cJSON *root, char *err, size_t err_size)
{
    const cJSON *book = cJSON_GetObjectItemCaseSensitive (root, "orderBook");
    if (!cJSON_IsArray (book)) {
        snprintf (err, err_size, "reply has no orderBook list");
        return -1;
    }
    int size = cJSON_GetArraySize (book);
    gw_broker_order_t *orders =
        (gw_broker_order_t *) calloc (size > 0 ? (size_t) size : 1, sizeof *orders);
    if (!orders) {
        snprintf (err, err_size, "out of memory for %d orders", size);
        return -1;
    }
    size_t count = 0;
    const cJSON *entry;
    cJSON_ArrayForEach (entry, book) {
        gw_broker_order_t *o = &orders[count];
        int64_t side = 0;
        int status = 0;
        if (!cJSON_IsObject (entry) || !s_json_text (entry, "id", o->id, sizeof o->id)
            || !s_json_text (entry, "symbol", o->symbol, sizeof o->symbol)
            || !s_json_int (entry, "side", &side) || !s_json_int32 (entry, "status", &status)) {
            memset (o, 0, sizeof *o);
            continue; //  an entry we cannot use is not ours
        }
        s_json_text (entry, "productType", o->product, sizeof o->product);
        o->side = side == S_SIDE_BUY ? TW_SIDE_LONG : TW_SIDE_SHORT;
        s_json_int (entry, "qty", &o->qty);
        s_json_int (entry, "filledQty", &o->filled_qty);
        o->status = status;
        o->traded_price = s_json_double (entry, "tradedPrice");
        char tag[64] = "";
        if (s_json_text (entry, "orderTag", tag, sizeof tag)) {
            const char *bare = strncmp (tag, S_ORDER_TAG_PREFIX, strlen (S_ORDER_TAG_PREFIX)) == 0
                                   ? tag + strlen (S_ORDER_TAG_PREFIX)
                                   : tag;
            snprintf (o->order_tag, sizeof o->order_tag, "%.31s", bare);
        }
        count++;
    }
    free (call->orders);
    call->orders = orders;
    call->order_count = count;
    return 0;
}

//  marketStatus[] (docs/fyers.md §4): every entry with integral exchange
//  and segment codes and market_type and status texts; others are skipped.
//  A reply without the list, or without one usable entry, cannot be used.
static int
s_parse_market_status (gw_call_t *call, const cJSON *root, char *err, size_t err_size)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive (root, "marketStatus");
    if (!cJSON_IsArray (list)) {
        snprintf (err, err_size, "reply has no marketStatus list");
        return -1;
    }
    int size = cJSON_GetArraySize (list);
    gw_broker_market_t *markets =
        (gw_broker_market_t *) calloc (size > 0 ? (size_t) size : 1, sizeof *markets);
    if (!markets) {
        snprintf (err, err_size, "out of memory for %d markets", size);
        return -1;
    }
    size_t count = 0;
    const cJSON *entry;
    cJSON_ArrayForEach (entry, list) {
        gw_broker_market_t *m = &markets[count];
        int64_t exchange = 0, segment = 0;
        if (!cJSON_IsObject (entry) || !s_json_int (entry, "exchange", &exchange)
            || !s_json_int (entry, "segment", &segment) || exchange < 0 || exchange > INT_MAX
            || segment < 0 || segment > INT_MAX
            || !s_json_text (entry, "market_type", m->market_type, sizeof m->market_type)
            || !s_json_text (entry, "status", m->status, sizeof m->status)) {
            memset (m, 0, sizeof *m);
            continue;
        }
        m->exchange = (int) exchange;
        m->segment = (int) segment;
        count++;
    }
    if (count == 0) {
        free (markets);
        snprintf (err, err_size, "marketStatus has no usable entry (of %d)", size);
        return -1;
    }
    free (call->markets);
    call->markets = markets;
    call->market_count = count;
    return 0;
}

//  --------------------------------------------------------------------------
//  Classification

bool
gw_fyers_rate_limited (const gw_call_t *call)
{
    return call->http_status == S_HTTP_TOO_MANY || call->broker_code == S_CODE_RATE_LIMIT
           || call->broker_code == S_CODE_RATE_LIMIT_OLD;
}

static gw_outcome_t
s_classify_curl (const gw_call_t *call, int code)
{
    switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
        //  No connection, so no byte of the request left.
        return GW_OUT_RETRYABLE;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
        //  Configuration: retrying cannot help.
        return GW_OUT_FINAL;
    default:
        //  Timeout, reset, empty reply, send or receive error, oversize
        //  reply: the request may have been acted on.
        return s_unsure (call);
    }
}

static bool
s_code_in (int code, const int *codes, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (codes[i] == code)
            return true;
    return false;
}

bool
gw_fyers_is_auth_failure (const gw_call_t *call)
{
    static const int auth_codes[] = {S_CODE_TOKEN_EXPIRED, S_CODE_TOKEN_INVALID, S_CODE_AUTH_FAILED,
                                     S_CODE_TOKEN_INVALID_OR_EXPIRED};
    return call->outcome == GW_OUT_FINAL
           && (call->http_status == S_HTTP_UNAUTHORIZED || call->http_status == S_HTTP_FORBIDDEN
               || s_code_in (call->broker_code, auth_codes,
                             sizeof auth_codes / sizeof *auth_codes));
}

//  The outcome of a reply whose s is not "ok".
static gw_outcome_t
s_classify_error (const gw_call_t *call, long status, bool has_code, int code, bool envelope)
{
    static const int auth_codes[] = {S_CODE_TOKEN_EXPIRED, S_CODE_TOKEN_INVALID, S_CODE_AUTH_FAILED,
                                     S_CODE_TOKEN_INVALID_OR_EXPIRED};
    static const int nothing_to_exit[] = {S_CODE_NO_POSITION, S_CODE_POSITION_QTY_ZERO,
                                          S_CODE_NO_OPEN_POSITIONS, S_CODE_EXIT_PROCESSED};
    static const int try_again[] = {S_CODE_TRY_AGAIN_1, S_CODE_TRY_AGAIN_2, S_CODE_TRY_AGAIN_3,
                                    S_CODE_TRY_AGAIN_4};
    if (status == S_HTTP_UNAUTHORIZED || status == S_HTTP_FORBIDDEN
        || (has_code && s_code_in (code, auth_codes, sizeof auth_codes / sizeof *auth_codes)))
        return GW_OUT_FINAL;
    if (has_code && call->op == GW_OP_EXIT
        && s_code_in (code, nothing_to_exit, sizeof nothing_to_exit / sizeof *nothing_to_exit))
        return GW_OUT_AMBIGUOUS; //  the gateway reads the positions to know
    if (has_code && s_code_in (code, try_again, sizeof try_again / sizeof *try_again))
        return GW_OUT_RETRYABLE;
    if (status >= S_HTTP_SERVER_ERROR && status < S_HTTP_CLASS_END)
        return s_unsure (call);
    if (status == S_HTTP_REQUEST_TIMEOUT)
        return GW_OUT_RETRYABLE; //  the server gave up before reading the request
    if (status >= S_HTTP_CLIENT_ERROR && status < S_HTTP_SERVER_ERROR)
        return GW_OUT_FINAL;
    if (!envelope)
        return s_unsure (call);
    return GW_OUT_FINAL; //  an explicit refusal: -50, -53, -99, -300 and the like
}

//  The outcome and results of a reply whose s is "ok". Returns the outcome;
//  on a reply that cannot be used, writes why into err.
static gw_outcome_t
s_classify_ok (gw_call_t *call, const cJSON *root, int code, char *err, size_t err_size)
{
    switch (call->op) {
    case GW_OP_EXIT:
        return code == GW_FYERS_CODE_EXIT_PENDING ? GW_OUT_PENDING : GW_OUT_OK;
    case GW_OP_PLACE:
        if (!s_json_text (root, "id", call->order_id, sizeof call->order_id)
            && !s_json_text (root, "id_fyers", call->order_id, sizeof call->order_id))
            tw_warn ("fyers place: reply without an order id tag=%s", call->order_tag);
        call->fill_price = 0; //  a market order's price is not in the reply
        //  201: sent but not acknowledged; look the tag up before placing again.
        return code == GW_FYERS_CODE_EXIT_PENDING ? GW_OUT_AMBIGUOUS : GW_OUT_OK;
    case GW_OP_POSITIONS:
        return s_parse_positions (call, root, err, err_size) == 0 ? GW_OUT_OK : GW_OUT_RETRYABLE;
    case GW_OP_ORDER_BY_TAG:
        return s_parse_order_by_tag (call, root, err, err_size) == 0 ? GW_OUT_OK : GW_OUT_RETRYABLE;
    case GW_OP_ORDERS:
        return s_parse_orders (call, root, err, err_size) == 0 ? GW_OUT_OK : GW_OUT_RETRYABLE;
    case GW_OP_CANCEL:
    case GW_OP_MODIFY:
        return GW_OUT_OK;
    case GW_OP_MARKET_STATUS:
        return s_parse_market_status (call, root, err, err_size) == 0 ? GW_OUT_OK
                                                                      : GW_OUT_RETRYABLE;
    case GW_OP_NOTICE:
        break;
    }
    snprintf (err, err_size, "unknown op");
    return GW_OUT_FINAL;
}

void
gw_fyers_classify (gw_call_t *call, const gw_fyers_reply_t *reply)
{
    call->http_status = (int) reply->http_status;
    call->broker_code = 0;
    call->retry_after_ms = 0;
    call->error[0] = 0;
    if (reply->curl_code != CURLE_OK) {
        call->http_status = 0;
        call->outcome = s_classify_curl (call, reply->curl_code);
        snprintf (call->error, sizeof call->error, "curl: %s",
                  reply->curl_error ? reply->curl_error : curl_easy_strerror (reply->curl_code));
        s_one_line (call->error);
        return;
    }
    cJSON *root = reply->body && reply->body_size > 0
                      ? cJSON_ParseWithLength (reply->body, reply->body_size)
                      : NULL;
    const cJSON *s = cJSON_IsObject (root) ? cJSON_GetObjectItemCaseSensitive (root, "s") : NULL;
    const cJSON *code_item =
        cJSON_IsObject (root) ? cJSON_GetObjectItemCaseSensitive (root, "code") : NULL;
    const cJSON *message =
        cJSON_IsObject (root) ? cJSON_GetObjectItemCaseSensitive (root, "message") : NULL;
    bool envelope = cJSON_IsString (s);
    double code_value = 0;
    bool has_code =
        cJSON_IsNumber (code_item)
        || (cJSON_IsString (code_item) && s_parse_number (code_item->valuestring, &code_value));
    //  A code out of int's range saturates, as cJSON's valueint does for a
    //  number (a cast would be undefined).
    int code = cJSON_IsNumber (code_item) ? code_item->valueint
               : code_value >= INT_MAX    ? INT_MAX
               : code_value <= INT_MIN    ? INT_MIN
                                          : (int) code_value;
    call->broker_code = has_code ? code : 0;
    const char *text = cJSON_IsString (message) && message->valuestring[0] ? message->valuestring
                       : cJSON_IsObject (root)                             ? "no message"
                                                                           : "unparseable reply";
    char detail[TW_TEXT_MAX] = "";

    if (reply->http_status == S_HTTP_TOO_MANY
        || (has_code && (code == S_CODE_RATE_LIMIT || code == S_CODE_RATE_LIMIT_OLD))) {
        call->outcome = GW_OUT_RETRYABLE;
        call->retry_after_ms = reply->retry_after_ms;
    }
    else if (envelope && streq (s->valuestring, "ok"))
        call->outcome = s_classify_ok (call, root, code, detail, sizeof detail);
    else
        call->outcome = s_classify_error (call, reply->http_status, has_code, code, envelope);

    if (call->outcome != GW_OUT_OK && call->outcome != GW_OUT_PENDING) {
        char prefix[32] = "";
        if (reply->http_status < S_HTTP_SUCCESS || reply->http_status >= S_HTTP_REDIRECT)
            snprintf (prefix, sizeof prefix, "HTTP %ld: ", reply->http_status);
        if (detail[0])
            snprintf (call->error, sizeof call->error, "%s%s", prefix, detail);
        else if (has_code)
            snprintf (call->error, sizeof call->error, "%scode %d: %s", prefix, code, text);
        else
            snprintf (call->error, sizeof call->error, "%s%s", prefix, text);
        s_one_line (call->error);
    }
    cJSON_Delete (root);
}
