//  fuzz_fyers - the libFuzzer target for gw_fyers_parse, the classification
//  of Fyers' REST replies (gw_fyers_classify, docs/fyers.md §2-§4) and the
//  Retry-After headers (gw_fyers_retry_after_ms).
//
//  The input is one reply body. It is classified for every op (exit, place,
//  positions, order by tag, orders, cancel, market status, modify) at HTTP
//  200, and again at an HTTP status the input's size picks; it is also read
//  as either Retry-After header. Nothing may crash, leak or read out of
//  bounds (the sanitizers watch), and every result must be what gw_call.h
//  promises: a known outcome; a one-line error, set whenever the outcome is
//  not OK or PENDING; finite prices; and for a read that succeeded its list,
//  every entry of it usable (ids set, quantities within 2^53, multipliers
//  > 0, markets' codes >= 0). A wait is within 0 .. GW_RATELIMIT_BLOCK_MAX_MS.
//  Built with -fsanitize=fuzzer when meson's `fuzz` option is on; always
//  built into fuzz_fyers_replay, which runs the seed corpus in normal CI.

#include "fuzz_fyers.h"
#include "gw_ratelimit.h"
#include "tw_log.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define S_QTY_MAX (INT64_C (1) << 53)
#define S_NOW_S 1764576000 //  2025-12-01T08:00:00Z, for an HTTP date in Retry-After

//  The statuses of the second pass (one per input, by its size).
static const long s_statuses[] = {200, 201, 400, 401, 403, 404, 408, 429, 500, 502, 503, 504};

//  Fails loudly, so that libFuzzer (or the replay test) reports the input.
static void
s_require (bool condition)
{
    if (!condition)
        abort ();
}

//  True when buf of size holds a NUL-terminated string, non-empty if asked.
static bool
s_text (const char *buf, size_t size, bool non_empty)
{
    size_t len = strnlen (buf, size);
    return len < size && (len > 0 || !non_empty);
}

static bool
s_one_line (const char *text)
{
    for (const char *p = text; *p; p++)
        if (iscntrl ((unsigned char) *p))
            return false;
    return true;
}

static void
s_check_position (const gw_broker_position_t *pos)
{
    s_require (s_text (pos->id, sizeof pos->id, true));
    s_require (s_text (pos->symbol, sizeof pos->symbol, false));
    s_require (s_text (pos->product, sizeof pos->product, false));
    s_require (pos->net_qty >= -S_QTY_MAX && pos->net_qty <= S_QTY_MAX);
    s_require (isfinite (pos->avg_price) && isfinite (pos->buy_avg) && isfinite (pos->sell_avg)
               && isfinite (pos->ltp) && isfinite (pos->realized_pnl));
    s_require (isfinite (pos->multiplier) && pos->multiplier > 0);
}

static void
s_check_order (const gw_broker_order_t *order)
{
    s_require (s_text (order->id, sizeof order->id, true));
    s_require (s_text (order->symbol, sizeof order->symbol, true));
    s_require (s_text (order->product, sizeof order->product, false));
    s_require (s_text (order->order_tag, sizeof order->order_tag, false));
    s_require (order->side == TW_SIDE_LONG || order->side == TW_SIDE_SHORT);
    s_require (order->qty >= -S_QTY_MAX && order->qty <= S_QTY_MAX);
    s_require (order->filled_qty >= -S_QTY_MAX && order->filled_qty <= S_QTY_MAX);
    s_require (isfinite (order->traded_price));
}

static void
s_check_market (const gw_broker_market_t *market)
{
    s_require (market->exchange >= 0 && market->segment >= 0);
    s_require (s_text (market->market_type, sizeof market->market_type, true));
    s_require (s_text (market->status, sizeof market->status, true));
}

//  What gw_call.h promises of a classified call.
static void
s_check_call (const gw_call_t *call, long http_status)
{
    s_require (call->outcome >= GW_OUT_OK && call->outcome <= GW_OUT_FINAL);
    s_require (call->http_status == (int) http_status);
    s_require (s_text (call->error, sizeof call->error, false) && s_one_line (call->error));
    bool done = call->outcome == GW_OUT_OK || call->outcome == GW_OUT_PENDING;
    s_require (done || call->error[0]);
    s_require (call->outcome != GW_OUT_PENDING || call->op == GW_OP_EXIT);
    s_require (call->retry_after_ms == 0); //  the reply carried none
    s_require (isfinite (call->fill_price));
    s_require (s_text (call->order_id, sizeof call->order_id, false));
    s_require (call->filled_qty >= 0 && call->filled_qty <= S_QTY_MAX);
    //  A list is there exactly when its read succeeded.
    bool read_ok = call->outcome == GW_OUT_OK;
    s_require ((call->positions != NULL) == (read_ok && call->op == GW_OP_POSITIONS));
    s_require ((call->orders != NULL) == (read_ok && call->op == GW_OP_ORDERS));
    s_require ((call->markets != NULL) == (read_ok && call->op == GW_OP_MARKET_STATUS));
    for (size_t i = 0; i < call->position_count; i++)
        s_check_position (&call->positions[i]);
    for (size_t i = 0; i < call->order_count; i++)
        s_check_order (&call->orders[i]);
    s_require (call->markets == NULL || call->market_count > 0);
    for (size_t i = 0; i < call->market_count; i++)
        s_check_market (&call->markets[i]);
    if (call->op == GW_OP_ORDER_BY_TAG) {
        s_require (call->order_status >= 0);
        s_require (call->order_status > 0 || (!call->order_id[0] && call->filled_qty == 0));
    }
    //  The pure predicates take any classified call.
    gw_fyers_is_auth_failure (call);
    gw_fyers_rate_limited (call);
}

//  A call of op, as the gateway would send it.
static gw_call_t *
s_call (gw_op_t op)
{
    gw_call_t *call = gw_call_new (op);
    snprintf (call->position_id, sizeof call->position_id, "%s-INTRADAY", FUZZ_FYERS_SYMBOL);
    snprintf (call->symbol, sizeof call->symbol, "%s", FUZZ_FYERS_SYMBOL);
    snprintf (call->product, sizeof call->product, "INTRADAY");
    snprintf (call->order_tag, sizeof call->order_tag, "%s", FUZZ_FYERS_TAG);
    call->side = TW_SIDE_LONG;
    call->qty = FUZZ_FYERS_QTY;
    if (op == GW_OP_CANCEL || op == GW_OP_MODIFY)
        snprintf (call->order_id, sizeof call->order_id, "808058117761");
    if (op == GW_OP_MODIFY)
        call->stop_price = 97.5;
    return call;
}

static gw_call_t *
s_classify (gw_op_t op, const uint8_t *data, size_t size, long http_status)
{
    gw_call_t *call = s_call (op);
    gw_fyers_reply_t reply = {.curl_code = 0,
                              .http_status = http_status,
                              .body = (const char *) data,
                              .body_size = size,
                              .retry_after_ms = 0};
    gw_fyers_classify (call, &reply);
    s_check_call (call, http_status);
    return call;
}

void
fuzz_fyers_run (const uint8_t *data, size_t size, gw_call_t *calls[FUZZ_FYERS_OPS])
{
    //  The skipped entries are warned about: not in the fuzzer's output.
    tw_log_set_level (TW_LOG_ERROR);
    long second = s_statuses[size % (sizeof s_statuses / sizeof *s_statuses)];
    for (int op = GW_OP_EXIT; op <= GW_OP_MODIFY; op++) {
        calls[op - 1] = s_classify ((gw_op_t) op, data, size, 200);
        gw_call_t *other = s_classify ((gw_op_t) op, data, size, second);
        gw_call_destroy (&other);
    }
    //  The same bytes as a Retry-After or X-Retry-After-Ms header value.
    char *text = (char *) malloc (size + 1);
    s_require (text != NULL);
    memcpy (text, data, size);
    text[size] = 0;
    int64_t waits[] = {gw_fyers_retry_after_ms (text, NULL, S_NOW_S),
                       gw_fyers_retry_after_ms (NULL, text, S_NOW_S),
                       gw_fyers_retry_after_ms (text, text, S_NOW_S)};
    for (size_t i = 0; i < sizeof waits / sizeof *waits; i++)
        s_require (waits[i] >= 0 && waits[i] <= GW_RATELIMIT_BLOCK_MAX_MS);
    free (text);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    gw_call_t *calls[FUZZ_FYERS_OPS];
    fuzz_fyers_run (data, size, calls);
    for (int i = 0; i < FUZZ_FYERS_OPS; i++)
        gw_call_destroy (&calls[i]);
    return 0;
}
