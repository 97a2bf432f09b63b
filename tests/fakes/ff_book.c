//  ff_book - see ff_book.h. How the account looks (REST payloads and socket
//  messages) is in ff_book_json.c.

#include "ff_book_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  Fyers order ids are 12-digit strings; the fake counts up from here.
#define FF_FIRST_ORDER_ID 260100000001ULL
//  Trade numbers are the exchange's; the fake counts up from here.
#define FF_FIRST_TRADE_ID 50000001ULL

#define FF_MSG_CANCELLED "Cancelled by user"
#define FF_MSG_REJECTED "RMS: rejected by the fake broker"
#define FF_MSG_EXPIRED "Order expired"

//  Grows *array (of elem_size items) so that it holds at least one more item.
static int
s_reserve (void **array, size_t *cap, size_t count, size_t elem_size)
{
    if (count < *cap)
        return 0;
    size_t new_cap = *cap ? *cap * 2 : 8;
    void *grown = realloc (*array, new_cap * elem_size);
    if (!grown)
        return -1;
    *array = grown;
    *cap = new_cap;
    return 0;
}

static char *
s_strdup (const char *s)
{
    return strdup (s ? s : "");
}

long long
ff_book_now (char out[FF_TIME_MAX])
{
    time_t now = time (NULL);
    struct tm local;
    localtime_r (&now, &local);
    strftime (out, FF_TIME_MAX, "%d-%b-%Y %H:%M:%S", &local);
    return (long long) now;
}

ff_book_t *
ff_book_new (void)
{
    ff_book_t *self = calloc (1, sizeof *self);
    if (self) {
        self->next_order_id = FF_FIRST_ORDER_ID;
        self->next_trade_id = FF_FIRST_TRADE_ID;
    }
    return self;
}

void
ff_book_set_listener (ff_book_t *self, ff_book_listener_fn *fn, void *arg)
{
    self->listener = fn;
    self->listener_arg = arg;
}

void
ff_book_reset (ff_book_t *self)
{
    for (size_t i = 0; i < self->price_count; i++)
        free (self->prices[i].symbol);
    for (size_t i = 0; i < self->position_count; i++) {
        free (self->positions[i].id);
        free (self->positions[i].symbol);
        free (self->positions[i].product);
    }
    for (size_t i = 0; i < self->order_count; i++) {
        free (self->orders[i].symbol);
        free (self->orders[i].product);
        free (self->orders[i].tag);
    }
    self->price_count = self->position_count = self->order_count = self->trade_count = 0;
}

void
ff_book_destroy (ff_book_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ff_book_t *self = *self_p;
    ff_book_reset (self);
    free (self->prices);
    free (self->positions);
    free (self->orders);
    free (self->trades);
    free (self);
    *self_p = NULL;
}

static ff_price_t *
s_price_find (ff_book_t *self, const char *symbol)
{
    for (size_t i = 0; i < self->price_count; i++)
        if (strcmp (self->prices[i].symbol, symbol) == 0)
            return &self->prices[i];
    return NULL;
}

//  The symbol's record, created (default price, multiplier 1) if new.
static ff_price_t *
s_price_get (ff_book_t *self, const char *symbol)
{
    ff_price_t *price = s_price_find (self, symbol);
    if (price)
        return price;
    if (s_reserve ((void **) &self->prices, &self->price_cap, self->price_count,
                   sizeof *self->prices))
        return NULL;
    char *copy = s_strdup (symbol);
    if (!copy)
        return NULL;
    price = &self->prices[self->price_count++];
    *price = (ff_price_t){.symbol = copy, .ltp = FF_BOOK_DEFAULT_LTP, .multiplier = 1.0};
    return price;
}

double
ff_book_price (ff_book_t *self, const char *symbol)
{
    ff_price_t *price = s_price_find (self, symbol);
    return price ? price->ltp : FF_BOOK_DEFAULT_LTP;
}

static int s_order_fill (ff_book_t *self, size_t index, long qty, double price);

bool
ff_book_stop_crossed (int side, double stop_price, double ltp)
{
    return side < 0 ? ltp <= stop_price : ltp >= stop_price;
}

//  A stop order (type 3, SL-M) of symbol whose stop price the last price has
//  reached is triggered and fills whole at market (the last price), as an
//  exchange's stop-loss market order does.
static void
s_trigger_stops (ff_book_t *self, const char *symbol, double ltp)
{
    for (size_t i = 0; i < self->order_count; i++) {
        ff_order_t *order = &self->orders[i];
        if (order->type == FF_TYPE_STOP && order->status == FF_STATUS_PENDING
            && strcmp (order->symbol, symbol) == 0
            && ff_book_stop_crossed (order->side, order->stop_price, ltp))
            s_order_fill (self, i, order->qty - order->filled, ltp);
    }
}

int
ff_book_set_price (ff_book_t *self, const char *symbol, double ltp)
{
    ff_price_t *price = s_price_get (self, symbol);
    if (!price)
        return -1;
    price->ltp = ltp;
    price->has_ltp = true;
    s_trigger_stops (self, symbol, ltp);
    return 0;
}

double
ff_book_multiplier (ff_book_t *self, const char *symbol)
{
    ff_price_t *price = s_price_find (self, symbol);
    return price ? price->multiplier : 1.0;
}

int
ff_book_set_multiplier (ff_book_t *self, const char *symbol, double multiplier)
{
    ff_price_t *price = s_price_get (self, symbol);
    if (!price)
        return -1;
    price->multiplier = multiplier;
    return 0;
}

ff_position_t *
ff_book_position_find (ff_book_t *self, const char *id)
{
    for (size_t i = 0; i < self->position_count; i++)
        if (strcmp (self->positions[i].id, id) == 0)
            return &self->positions[i];
    return NULL;
}

//  Returns the position <symbol>-<product>, created flat if it is new. May
//  move the other positions in memory.
static ff_position_t *
s_position_get (ff_book_t *self, const char *symbol, const char *product)
{
    size_t id_len = strlen (symbol) + strlen (product) + 2;
    char *id = malloc (id_len);
    if (!id)
        return NULL;
    snprintf (id, id_len, "%s-%s", symbol, product);
    ff_position_t *found = ff_book_position_find (self, id);
    if (found) {
        free (id);
        return found;
    }
    if (s_reserve ((void **) &self->positions, &self->position_cap, self->position_count,
                   sizeof *self->positions)) {
        free (id);
        return NULL;
    }
    ff_position_t *position = &self->positions[self->position_count];
    *position =
        (ff_position_t){.id = id, .symbol = s_strdup (symbol), .product = s_strdup (product)};
    if (!position->symbol || !position->product) {
        free (position->id);
        free (position->symbol);
        free (position->product);
        return NULL;
    }
    self->position_count++;
    return position;
}

int
ff_book_seed (ff_book_t *self, const char *symbol, const char *product, long net_qty,
              double avg_price)
{
    ff_position_t *position = s_position_get (self, symbol, product);
    if (!position)
        return -1;
    position->net_qty = net_qty;
    position->net_avg = net_qty ? avg_price : 0.0;
    position->realized = 0.0;
    position->buy_qty = net_qty > 0 ? net_qty : 0;
    position->sell_qty = net_qty < 0 ? -net_qty : 0;
    position->buy_val = (double) position->buy_qty * avg_price;
    position->sell_val = (double) position->sell_qty * avg_price;
    ff_book_tell_position (self, position);
    return 0;
}

//  Nets a fill of qty at price on side into the position: the part that
//  reduces the open quantity realises P&L (× the symbol's multiplier) against
//  the average price, and any excess opens the other way at price.
static void
s_position_fill (ff_book_t *self, ff_position_t *position, int side, long qty, double price)
{
    if (side > 0) {
        position->buy_qty += qty;
        position->buy_val += (double) qty * price;
    }
    else {
        position->sell_qty += qty;
        position->sell_val += (double) qty * price;
    }
    long net = position->net_qty;
    long open = labs (net);
    if (net == 0 || (net > 0) == (side > 0)) {
        position->net_avg =
            (position->net_avg * (double) open + price * (double) qty) / (double) (open + qty);
        position->net_qty = net + side * qty;
        return;
    }
    long closed = qty < open ? qty : open;
    position->realized += (double) closed * (price - position->net_avg) * (net > 0 ? 1 : -1)
                          * ff_book_multiplier (self, position->symbol);
    position->net_qty = net + side * qty;
    if (position->net_qty == 0)
        position->net_avg = 0.0;
    else if ((position->net_qty > 0) != (net > 0))
        position->net_avg = price;
}

static ff_order_t *
s_order_find (ff_book_t *self, const char *id)
{
    for (size_t i = 0; i < self->order_count; i++)
        if (strcmp (self->orders[i].id, id) == 0)
            return &self->orders[i];
    return NULL;
}

//  Fills qty of the working order at index at price: one trade, the position
//  netted, and the order, trade and position told in that order. Returns 0 or
//  -1 when out of memory (nothing changed).
static int
s_order_fill (ff_book_t *self, size_t index, long qty, double price)
{
    if (s_reserve ((void **) &self->trades, &self->trade_cap, self->trade_count,
                   sizeof *self->trades))
        return -1;
    ff_order_t *order = &self->orders[index];
    ff_position_t *position = s_position_get (self, order->symbol, order->product);
    if (!position)
        return -1;
    s_position_fill (self, position, order->side, qty, price);
    ff_trade_t *trade = &self->trades[self->trade_count++];
    *trade = (ff_trade_t){.order = index, .qty = qty, .price = price};
    snprintf (trade->number, sizeof trade->number, "%llu", self->next_trade_id++);
    trade->epoch = ff_book_now (trade->time);
    order->filled += qty;
    order->filled_val += (double) qty * price;
    order->updated_epoch = trade->epoch;
    if (order->filled >= order->qty) {
        order->status = FF_STATUS_FILLED;
        order->polls_left = -1;
        snprintf (order->message, sizeof order->message, "TRADE CONFIRMED");
    }
    ff_book_tell_order (self, order);
    ff_book_tell_trade (self, trade);
    ff_book_tell_position (self, position);
    return 0;
}

int
ff_book_place (ff_book_t *self, const ff_order_req_t *req, const ff_fill_t *fill,
               char id_out[FF_ORDER_ID_MAX])
{
    if (s_reserve ((void **) &self->orders, &self->order_cap, self->order_count,
                   sizeof *self->orders))
        return -1;
    ff_order_t *order = &self->orders[self->order_count];
    *order = (ff_order_t){.qty = req->qty,
                          .side = req->side,
                          .type = req->type,
                          .status = FF_STATUS_PENDING,
                          .polls_left = -1,
                          .limit_price = req->limit_price,
                          .stop_price = req->stop_price,
                          .disclosed_qty = req->disclosed_qty,
                          .offline = req->offline};
    order->symbol = s_strdup (req->symbol);
    order->product = s_strdup (req->product);
    order->tag = s_strdup (req->tag);
    if (!order->symbol || !order->product || !order->tag) {
        free (order->symbol);
        free (order->product);
        free (order->tag);
        return -1;
    }
    snprintf (order->id, sizeof order->id, "%llu", self->next_order_id++);
    snprintf (order->validity, sizeof order->validity, "%s", req->validity ? req->validity : "DAY");
    snprintf (order->source, sizeof order->source, "%s", req->source ? req->source : "API");
    order->placed_epoch = order->updated_epoch = ff_book_now (order->placed_at);
    size_t index = self->order_count++;
    snprintf (id_out, FF_ORDER_ID_MAX, "%s", order->id);
    //  The order socket first shows the order accepted, then its fills.
    ff_book_tell_order (self, order);
    if (req->type == FF_TYPE_STOP)
        return 0; //  rests until the price reaches its stop (ff_book_set_price)
    long at_once = req->qty;
    if (fill && fill->working) {
        order->polls_left = fill->polls;
        at_once = fill->fill_qty < req->qty ? fill->fill_qty : req->qty;
    }
    if (at_once > 0 && s_order_fill (self, index, at_once, ff_book_price (self, req->symbol)) != 0)
        return -1;
    return 0;
}

int
ff_book_exit_as (ff_book_t *self, const char *pos_id, const ff_fill_t *fill, const char *source,
                 const char *tag)
{
    ff_position_t *position = ff_book_position_find (self, pos_id);
    if (!position || position->net_qty == 0)
        return 0;
    //  ff_book_place copies these strings before its fill touches the position.
    ff_order_req_t req = {.symbol = position->symbol,
                          .product = position->product,
                          .tag = tag,
                          .validity = "DAY",
                          .qty = labs (position->net_qty),
                          .side = position->net_qty > 0 ? -1 : 1,
                          .type = 2,
                          .source = source};
    char id[FF_ORDER_ID_MAX];
    return ff_book_place (self, &req, fill, id) == 0 ? 1 : -1;
}

int
ff_book_exit (ff_book_t *self, const char *pos_id, const ff_fill_t *fill)
{
    return ff_book_exit_as (self, pos_id, fill, NULL, NULL);
}

void
ff_book_poll (ff_book_t *self)
{
    for (size_t i = 0; i < self->order_count; i++) {
        ff_order_t *order = &self->orders[i];
        if (order->status != FF_STATUS_PENDING || order->polls_left < 0)
            continue;
        if (order->polls_left == 0)
            s_order_fill (self, i, order->qty - order->filled, ff_book_price (self, order->symbol));
        else
            order->polls_left--;
    }
}

int
ff_book_fill (ff_book_t *self, const char *id, long qty, double price)
{
    ff_order_t *order = s_order_find (self, id);
    if (!order)
        return FF_BOOK_UNKNOWN;
    if (order->status != FF_STATUS_PENDING)
        return FF_BOOK_NOT_WORKING;
    long remaining = order->qty - order->filled;
    if (qty == 0)
        qty = remaining;
    if (qty < 0 || qty > remaining)
        return FF_BOOK_BAD_QTY;
    if (price <= 0)
        price = ff_book_price (self, order->symbol);
    return s_order_fill (self, (size_t) (order - self->orders), qty, price) == 0
               ? FF_BOOK_OK
               : FF_BOOK_NO_MEMORY;
}

int
ff_book_end_order (ff_book_t *self, const char *id, int status, const char *message)
{
    ff_order_t *order = s_order_find (self, id);
    if (!order)
        return FF_BOOK_UNKNOWN;
    if (order->status != FF_STATUS_PENDING)
        return FF_BOOK_NOT_WORKING;
    const char *fallback = status == FF_STATUS_CANCELLED  ? FF_MSG_CANCELLED
                           : status == FF_STATUS_REJECTED ? FF_MSG_REJECTED
                                                          : FF_MSG_EXPIRED;
    order->status = status;
    order->polls_left = -1;
    snprintf (order->message, sizeof order->message, "%s", message ? message : fallback);
    char now[FF_TIME_MAX];
    order->updated_epoch = ff_book_now (now);
    ff_book_tell_order (self, order);
    return FF_BOOK_OK;
}

int
ff_book_modify_stop (ff_book_t *self, const char *id, double stop_price)
{
    ff_order_t *order = s_order_find (self, id);
    if (!order)
        return FF_BOOK_UNKNOWN;
    if (order->status != FF_STATUS_PENDING)
        return FF_BOOK_NOT_WORKING;
    if (order->type != FF_TYPE_STOP)
        return FF_BOOK_BAD_TYPE;
    order->stop_price = stop_price;
    char now[FF_TIME_MAX];
    order->updated_epoch = ff_book_now (now);
    ff_book_tell_order (self, order);
    return FF_BOOK_OK;
}

int
ff_book_order_side (ff_book_t *self, const char *id, char symbol[FF_SYMBOL_MAX])
{
    ff_order_t *order = s_order_find (self, id);
    if (!order)
        return 0;
    snprintf (symbol, FF_SYMBOL_MAX, "%s", order->symbol);
    return order->side;
}

int
ff_book_order_status (ff_book_t *self, const char *id)
{
    ff_order_t *order = s_order_find (self, id);
    return order ? order->status : -1;
}

//  True when the order belongs to position pos_id ("<symbol>-<product>").
static bool
s_order_of (const ff_order_t *order, const char *pos_id)
{
    size_t len = strlen (order->symbol);
    return strncmp (pos_id, order->symbol, len) == 0 && pos_id[len] == '-'
           && strcmp (pos_id + len + 1, order->product) == 0;
}

int
ff_book_cancel_working (ff_book_t *self, const char *pos_id)
{
    int cancelled = 0;
    for (size_t i = 0; i < self->order_count; i++) {
        ff_order_t *order = &self->orders[i];
        if (order->status == FF_STATUS_PENDING && (!pos_id || s_order_of (order, pos_id)))
            cancelled += ff_book_end_order (self, order->id, FF_STATUS_CANCELLED, NULL) == 0;
    }
    return cancelled;
}

static bool
s_product_is (const char *product, const char *const *list)
{
    for (; *list; list++)
        if (strcmp (product, *list) == 0)
            return true;
    return false;
}

int
ff_book_convert (ff_book_t *self, const char *pos_id, const char *to_product, long qty,
                 int held_side)
{
    //  docs/fyers.md §4: CNC, CO, BO and MTF cannot be converted, nor can
    //  anything become CO, BO or MTF.
    static const char *const fixed[] = {"CNC", "CO", "BO", "MTF", NULL};
    static const char *const targets[] = {"INTRADAY", "CNC", "MARGIN", NULL};
    ff_position_t *from = ff_book_position_find (self, pos_id);
    if (!from || from->net_qty == 0)
        return FF_BOOK_UNKNOWN;
    if (s_product_is (from->product, fixed) || !s_product_is (to_product, targets)
        || strcmp (from->product, to_product) == 0)
        return FF_BOOK_BAD_PRODUCT;
    if (held_side != 0 && (held_side > 0) != (from->net_qty > 0))
        return FF_BOOK_BAD_SIDE;
    long open = labs (from->net_qty);
    if (qty == 0)
        qty = open;
    if (qty < 0 || qty > open)
        return FF_BOOK_BAD_QTY;
    int side = from->net_qty > 0 ? 1 : -1;
    double avg = from->net_avg;
    char *symbol = s_strdup (from->symbol);
    ff_position_t *to = symbol ? s_position_get (self, symbol, to_product) : NULL;
    free (symbol);
    if (!to)
        return FF_BOOK_NO_MEMORY;
    //  s_position_get may have moved the positions.
    from = ff_book_position_find (self, pos_id);
    from->net_qty -= side * qty;
    if (side > 0) {
        from->buy_qty -= qty;
        from->buy_val -= (double) qty * avg;
    }
    else {
        from->sell_qty -= qty;
        from->sell_val -= (double) qty * avg;
    }
    if (from->net_qty == 0)
        from->net_avg = 0.0;
    s_position_fill (self, to, side, qty, avg);
    ff_book_tell_position (self, from);
    ff_book_tell_position (self, to);
    return FF_BOOK_OK;
}

void
ff_book_open_ids (ff_book_t *self, cJSON *ids)
{
    for (size_t i = 0; i < self->position_count; i++)
        if (self->positions[i].net_qty != 0)
            cJSON_AddItemToArray (ids, cJSON_CreateString (self->positions[i].id));
}
