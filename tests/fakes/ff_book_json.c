//  ff_book_json - how the account of ff_book looks: the REST payloads
//  (docs/fyers.md §3.4, §4) and the order socket's messages (§7.3).

#include "ff_book_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FF_CLIENT_ID "FAKE0001"

static double
s_avg (double value, long qty)
{
    return qty ? value / (double) qty : 0.0;
}

static double
s_unrealized (ff_book_t *self, const ff_position_t *p)
{
    return (double) p->net_qty * (ff_book_price (self, p->symbol) - p->net_avg)
           * ff_book_multiplier (self, p->symbol);
}

//  Exchange and segment codes (docs/fyers.md §5) from the symbol's prefix
//  and shape: enough for a client that looks at them, not a symbol master.
static void
s_exchange (const char *symbol, int *exchange, int *segment)
{
    bool derivative = strstr (symbol, "FUT") || strstr (symbol, "CE") || strstr (symbol, "PE");
    if (strncmp (symbol, "MCX:", 4) == 0) {
        *exchange = 11;
        *segment = 20;
    }
    else {
        *exchange = strncmp (symbol, "BSE:", 4) == 0 ? 12 : 10;
        *segment = derivative && !strstr (symbol, "-EQ") ? 11 : 10;
    }
}

void
ff_book_positions_json (ff_book_t *self, cJSON *reply)
{
    cJSON *list = cJSON_AddArrayToObject (reply, "netPositions");
    double pl_realized = 0.0, pl_unrealized = 0.0;
    int open_count = 0;
    for (size_t i = 0; i < self->position_count; i++) {
        ff_position_t *p = &self->positions[i];
        double unrealized = s_unrealized (self, p);
        int exchange, segment;
        s_exchange (p->symbol, &exchange, &segment);
        pl_realized += p->realized;
        pl_unrealized += unrealized;
        open_count += p->net_qty != 0;
        cJSON *item = cJSON_CreateObject ();
        cJSON_AddStringToObject (item, "id", p->id);
        cJSON_AddStringToObject (item, "symbol", p->symbol);
        cJSON_AddNumberToObject (item, "netQty", (double) p->net_qty);
        cJSON_AddNumberToObject (item, "qty", (double) labs (p->net_qty));
        cJSON_AddNumberToObject (item, "side", p->net_qty > 0 ? 1 : p->net_qty < 0 ? -1 : 0);
        cJSON_AddStringToObject (item, "productType", p->product);
        cJSON_AddNumberToObject (item, "avgPrice", p->net_avg);
        cJSON_AddNumberToObject (item, "netAvg", p->net_avg);
        cJSON_AddNumberToObject (item, "buyQty", (double) p->buy_qty);
        cJSON_AddNumberToObject (item, "buyAvg", s_avg (p->buy_val, p->buy_qty));
        cJSON_AddNumberToObject (item, "buyVal", p->buy_val);
        cJSON_AddNumberToObject (item, "sellQty", (double) p->sell_qty);
        cJSON_AddNumberToObject (item, "sellAvg", s_avg (p->sell_val, p->sell_qty));
        cJSON_AddNumberToObject (item, "sellVal", p->sell_val);
        cJSON_AddNumberToObject (item, "dayBuyQty", (double) p->buy_qty);
        cJSON_AddNumberToObject (item, "daySellQty", (double) p->sell_qty);
        cJSON_AddNumberToObject (item, "cfBuyQty", 0);
        cJSON_AddNumberToObject (item, "cfSellQty", 0);
        cJSON_AddNumberToObject (item, "realized_profit", p->realized);
        cJSON_AddNumberToObject (item, "unrealized_profit", unrealized);
        cJSON_AddNumberToObject (item, "pl", p->realized + unrealized);
        cJSON_AddNumberToObject (item, "ltp", ff_book_price (self, p->symbol));
        cJSON_AddNumberToObject (item, "qtyMulti_com", ff_book_multiplier (self, p->symbol));
        cJSON_AddNumberToObject (item, "exchange", exchange);
        cJSON_AddNumberToObject (item, "segment", segment);
        cJSON_AddNumberToObject (item, "slNo", (double) i);
        cJSON_AddItemToArray (list, item);
    }
    cJSON *overall = cJSON_AddObjectToObject (reply, "overall");
    cJSON_AddNumberToObject (overall, "count_total", (double) self->position_count);
    cJSON_AddNumberToObject (overall, "count_open", open_count);
    cJSON_AddNumberToObject (overall, "pl_total", pl_realized + pl_unrealized);
    cJSON_AddNumberToObject (overall, "pl_realized", pl_realized);
    cJSON_AddNumberToObject (overall, "pl_unrealized", pl_unrealized);
}

static bool
s_order_matches (const ff_order_t *order, const char *id, const char *tag)
{
    if (id && strcmp (order->id, id) != 0)
        return false;
    //  The book echoes a tag as "1:<tag>"; accept the filter with or without it.
    if (tag) {
        const char *bare = strncmp (tag, "1:", 2) == 0 ? tag + 2 : tag;
        if (!*order->tag || strcmp (order->tag, bare) != 0)
            return false;
    }
    return true;
}

//  "1:<tag>", or "" for an untagged order.
static void
s_tag_echo (const ff_order_t *o, char *out, size_t size)
{
    *out = 0;
    if (*o->tag)
        snprintf (out, size, "1:%s", o->tag);
}

cJSON *
ff_book_orders_json (ff_book_t *self, const char *id, const char *tag)
{
    cJSON *list = cJSON_CreateArray ();
    if (!list)
        return NULL;
    for (size_t i = 0; i < self->order_count; i++) {
        ff_order_t *o = &self->orders[i];
        if (!s_order_matches (o, id, tag))
            continue;
        char tag_echo[64];
        s_tag_echo (o, tag_echo, sizeof tag_echo);
        char num_status[FF_ORDER_ID_MAX + 8];
        snprintf (num_status, sizeof num_status, "%s:%d", o->id, o->status);
        cJSON *item = cJSON_CreateObject ();
        cJSON_AddStringToObject (item, "id", o->id);
        cJSON_AddStringToObject (item, "exchOrdId", o->filled > 0 ? o->id : "");
        cJSON_AddStringToObject (item, "symbol", o->symbol);
        cJSON_AddNumberToObject (item, "qty", (double) o->qty);
        cJSON_AddNumberToObject (item, "filledQty", (double) o->filled);
        //  What is still working: nothing once the order has ended.
        cJSON_AddNumberToObject (item, "remainingQuantity",
                                 o->status == FF_STATUS_PENDING ? (double) (o->qty - o->filled)
                                                                : 0.0);
        cJSON_AddNumberToObject (item, "side", o->side);
        cJSON_AddNumberToObject (item, "type", o->type);
        cJSON_AddStringToObject (item, "productType", o->product);
        cJSON_AddNumberToObject (item, "status", o->status);
        cJSON_AddStringToObject (item, "orderNumStatus", num_status);
        cJSON_AddNumberToObject (item, "limitPrice", o->limit_price);
        cJSON_AddNumberToObject (item, "stopPrice", o->stop_price);
        cJSON_AddNumberToObject (item, "tradedPrice", s_avg (o->filled_val, o->filled));
        cJSON_AddNumberToObject (item, "disclosedQty", (double) o->disclosed_qty);
        cJSON_AddStringToObject (item, "orderValidity", o->validity);
        cJSON_AddBoolToObject (item, "offlineOrder", o->offline);
        cJSON_AddStringToObject (item, "orderTag", tag_echo);
        cJSON_AddStringToObject (item, "orderDateTime", o->placed_at);
        cJSON_AddStringToObject (item, "message", o->message);
        cJSON_AddStringToObject (item, "source", o->source);
        cJSON_AddStringToObject (item, "clientId", FF_CLIENT_ID);
        cJSON_AddNumberToObject (item, "slNo", (double) i);
        cJSON_AddItemToArray (list, item);
    }
    return list;
}

cJSON *
ff_book_trades_json (ff_book_t *self)
{
    cJSON *list = cJSON_CreateArray ();
    for (size_t i = 0; list && i < self->trade_count; i++) {
        const ff_trade_t *t = &self->trades[i];
        const ff_order_t *o = &self->orders[t->order];
        char tag_echo[64];
        s_tag_echo (o, tag_echo, sizeof tag_echo);
        cJSON *item = cJSON_CreateObject ();
        cJSON_AddStringToObject (item, "orderNumber", o->id);
        cJSON_AddStringToObject (item, "exchangeOrderNo", o->id);
        cJSON_AddStringToObject (item, "tradeNumber", t->number);
        cJSON_AddStringToObject (item, "symbol", o->symbol);
        cJSON_AddNumberToObject (item, "tradePrice", t->price);
        cJSON_AddNumberToObject (item, "tradedQty", (double) t->qty);
        cJSON_AddNumberToObject (item, "tradeValue", (double) t->qty * t->price);
        cJSON_AddNumberToObject (item, "side", o->side);
        cJSON_AddNumberToObject (item, "orderType", o->type);
        cJSON_AddStringToObject (item, "productType", o->product);
        cJSON_AddStringToObject (item, "orderDateTime", t->time);
        cJSON_AddStringToObject (item, "orderTag", tag_echo);
        cJSON_AddStringToObject (item, "clientId", FF_CLIENT_ID);
        cJSON_AddNumberToObject (item, "row", (double) i);
        cJSON_AddItemToArray (list, item);
    }
    return list;
}

//  Hands {"<topic>":inner,"s":"ok"} to the listener, or drops inner.
static void
s_tell (ff_book_t *self, const char *topic, cJSON *inner)
{
    if (!self->listener) {
        cJSON_Delete (inner);
        return;
    }
    cJSON *message = cJSON_CreateObject ();
    if (!message) {
        cJSON_Delete (inner);
        return;
    }
    cJSON_AddItemToObject (message, topic, inner);
    cJSON_AddStringToObject (message, "s", "ok");
    self->listener (self->listener_arg, topic, message);
}

//  Fyers' internal order state next to the public status code: the numbers
//  are the fake's own (only org_ord_status is documented).
static void
s_internal_status (int status, int *code, const char **text)
{
    switch (status) {
    case FF_STATUS_FILLED:
        *code = 90, *text = "Traded";
        break;
    case FF_STATUS_CANCELLED:
        *code = 30, *text = "Cancelled";
        break;
    case FF_STATUS_REJECTED:
        *code = 40, *text = "Rejected";
        break;
    case FF_STATUS_EXPIRED:
        *code = 50, *text = "Expired";
        break;
    default:
        *code = 20, *text = "New Ack";
    }
}

void
ff_book_tell_order (ff_book_t *self, const ff_order_t *o)
{
    if (!self->listener)
        return;
    char tag_echo[64];
    s_tag_echo (o, tag_echo, sizeof tag_echo);
    int exchange, segment, internal;
    const char *status_msg;
    s_exchange (o->symbol, &exchange, &segment);
    s_internal_status (o->status, &internal, &status_msg);
    cJSON *item = cJSON_CreateObject ();
    cJSON_AddStringToObject (item, "id", o->id);
    cJSON_AddStringToObject (item, "id_exchange", o->filled > 0 ? o->id : "");
    cJSON_AddStringToObject (item, "client_id", FF_CLIENT_ID);
    cJSON_AddStringToObject (item, "symbol", o->symbol);
    cJSON_AddNumberToObject (item, "exchange", exchange);
    cJSON_AddNumberToObject (item, "segment", segment);
    cJSON_AddNumberToObject (item, "qty", (double) o->qty);
    cJSON_AddNumberToObject (item, "qty_remaining",
                             o->status == FF_STATUS_PENDING ? (double) (o->qty - o->filled) : 0.0);
    cJSON_AddNumberToObject (item, "qty_filled", (double) o->filled);
    cJSON_AddNumberToObject (item, "price_limit", o->limit_price);
    cJSON_AddNumberToObject (item, "price_stop", o->stop_price);
    cJSON_AddNumberToObject (item, "price_traded", s_avg (o->filled_val, o->filled));
    cJSON_AddNumberToObject (item, "ord_type", o->type);
    cJSON_AddNumberToObject (item, "tran_side", o->side);
    cJSON_AddStringToObject (item, "product_type", o->product);
    cJSON_AddStringToObject (item, "validity", o->validity);
    cJSON_AddNumberToObject (item, "offline_flag", o->offline);
    cJSON_AddStringToObject (item, "ordertag", tag_echo);
    cJSON_AddStringToObject (item, "ord_source", o->source);
    cJSON_AddNumberToObject (item, "org_ord_status", o->status);
    cJSON_AddNumberToObject (item, "ord_status", internal);
    cJSON_AddStringToObject (item, "status_msg", status_msg);
    cJSON_AddStringToObject (item, "oms_msg", o->message);
    cJSON_AddStringToObject (item, "time_oms", o->placed_at);
    cJSON_AddNumberToObject (item, "time_epoch_oms", (double) o->placed_epoch);
    cJSON_AddNumberToObject (item, "update_time_epoch_oms", (double) o->updated_epoch);
    s_tell (self, "orders", item);
}

void
ff_book_tell_trade (ff_book_t *self, const ff_trade_t *t)
{
    if (!self->listener)
        return;
    const ff_order_t *o = &self->orders[t->order];
    char tag_echo[64];
    s_tag_echo (o, tag_echo, sizeof tag_echo);
    cJSON *item = cJSON_CreateObject ();
    cJSON_AddStringToObject (item, "id_fill", t->number);
    cJSON_AddStringToObject (item, "id", o->id);
    cJSON_AddNumberToObject (item, "qty_traded", (double) t->qty);
    cJSON_AddNumberToObject (item, "price_traded", t->price);
    cJSON_AddNumberToObject (item, "traded_val", (double) t->qty * t->price);
    cJSON_AddStringToObject (item, "product_type", o->product);
    cJSON_AddStringToObject (item, "id_exchange", o->id);
    cJSON_AddNumberToObject (item, "ord_type", o->type);
    cJSON_AddNumberToObject (item, "tran_side", o->side);
    cJSON_AddStringToObject (item, "symbol", o->symbol);
    cJSON_AddStringToObject (item, "fill_time", t->time);
    cJSON_AddStringToObject (item, "ordertag", tag_echo);
    cJSON_AddStringToObject (item, "client_id", FF_CLIENT_ID);
    s_tell (self, "trades", item);
}

void
ff_book_tell_position (ff_book_t *self, const ff_position_t *p)
{
    if (!self->listener)
        return;
    double unrealized = s_unrealized (self, p);
    cJSON *item = cJSON_CreateObject ();
    cJSON_AddStringToObject (item, "id", p->id);
    cJSON_AddStringToObject (item, "symbol", p->symbol);
    cJSON_AddNumberToObject (item, "buy_avg", s_avg (p->buy_val, p->buy_qty));
    cJSON_AddNumberToObject (item, "buy_qty", (double) p->buy_qty);
    cJSON_AddNumberToObject (item, "buy_val", p->buy_val);
    cJSON_AddNumberToObject (item, "sell_avg", s_avg (p->sell_val, p->sell_qty));
    cJSON_AddNumberToObject (item, "sell_qty", (double) p->sell_qty);
    cJSON_AddNumberToObject (item, "sell_val", p->sell_val);
    cJSON_AddNumberToObject (item, "net_avg", p->net_avg);
    cJSON_AddNumberToObject (item, "net_qty", (double) p->net_qty);
    cJSON_AddNumberToObject (item, "tran_side", p->net_qty > 0 ? 1 : p->net_qty < 0 ? -1 : 0);
    cJSON_AddNumberToObject (item, "qty", (double) labs (p->net_qty));
    cJSON_AddStringToObject (item, "product_type", p->product);
    cJSON_AddNumberToObject (item, "pl_realized", p->realized);
    cJSON_AddNumberToObject (item, "pl_unrealized", unrealized);
    cJSON_AddNumberToObject (item, "pl_total", p->realized + unrealized);
    cJSON_AddNumberToObject (item, "day_buy_qty", (double) p->buy_qty);
    cJSON_AddNumberToObject (item, "day_sell_qty", (double) p->sell_qty);
    cJSON_AddNumberToObject (item, "cf_buy_qty", 0);
    cJSON_AddNumberToObject (item, "cf_sell_qty", 0);
    cJSON_AddNumberToObject (item, "qty_multiplier", ff_book_multiplier (self, p->symbol));
    cJSON_AddNumberToObject (item, "ltp", ff_book_price (self, p->symbol));
    s_tell (self, "positions", item);
}
