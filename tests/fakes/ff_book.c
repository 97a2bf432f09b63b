//  ff_book - see ff_book.h.

#include "ff_book.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  Fyers order ids are 12-digit strings; the fake counts up from here.
#define FF_FIRST_ORDER_ID 260100000001ULL

typedef struct {
    char *symbol;
    double ltp;
} ff_price_t;

typedef struct {
    char *id; //  "<symbol>-<product>"
    char *symbol;
    char *product;
    long net_qty;
    double net_avg; //  average price of the open quantity
    double realized;
    long buy_qty;
    double buy_val;
    long sell_qty;
    double sell_val;
} ff_position_t;

typedef struct {
    char id[FF_ORDER_ID_MAX];
    char *symbol;
    char *product;
    char *tag; //  as sent, without the "1:" prefix; "" when untagged
    char validity[8];
    long qty;
    long filled;
    int side;
    int type;
    int status;
    int polls_left; //  only while status is FF_STATUS_PENDING
    double limit_price;
    double stop_price;
    double traded_price;
    long disclosed_qty;
    bool offline;
    char placed_at[32]; //  "09-Mar-2023 09:34:38", local time
} ff_order_t;

struct _ff_book_t {
    ff_price_t *prices;
    size_t price_count, price_cap;
    ff_position_t *positions;
    size_t position_count, position_cap;
    ff_order_t *orders;
    size_t order_count, order_cap;
    unsigned long long next_order_id;
};

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

ff_book_t *
ff_book_new (void)
{
    ff_book_t *self = calloc (1, sizeof *self);
    if (self)
        self->next_order_id = FF_FIRST_ORDER_ID;
    return self;
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
    self->price_count = self->position_count = self->order_count = 0;
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

double
ff_book_price (ff_book_t *self, const char *symbol)
{
    ff_price_t *price = s_price_find (self, symbol);
    return price ? price->ltp : FF_BOOK_DEFAULT_LTP;
}

int
ff_book_set_price (ff_book_t *self, const char *symbol, double ltp)
{
    ff_price_t *price = s_price_find (self, symbol);
    if (price) {
        price->ltp = ltp;
        return 0;
    }
    if (s_reserve ((void **) &self->prices, &self->price_cap, self->price_count,
                   sizeof *self->prices))
        return -1;
    char *copy = s_strdup (symbol);
    if (!copy)
        return -1;
    self->prices[self->price_count++] = (ff_price_t){.symbol = copy, .ltp = ltp};
    return 0;
}

static ff_position_t *
s_position_find (ff_book_t *self, const char *id)
{
    for (size_t i = 0; i < self->position_count; i++)
        if (strcmp (self->positions[i].id, id) == 0)
            return &self->positions[i];
    return NULL;
}

//  Returns the position <symbol>-<product>, created flat if it is new.
static ff_position_t *
s_position_get (ff_book_t *self, const char *symbol, const char *product)
{
    size_t id_len = strlen (symbol) + strlen (product) + 2;
    char *id = malloc (id_len);
    if (!id)
        return NULL;
    snprintf (id, id_len, "%s-%s", symbol, product);
    ff_position_t *found = s_position_find (self, id);
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
    return 0;
}

//  Nets a fill of qty at price on side into the position: the part that
//  reduces the open quantity realises P&L against the average price, and any
//  excess opens the other way at price.
static void
s_position_fill (ff_position_t *position, int side, long qty, double price)
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
    position->realized += (double) closed * (price - position->net_avg) * (net > 0 ? 1 : -1);
    position->net_qty = net + side * qty;
    if (position->net_qty == 0)
        position->net_avg = 0.0;
    else if ((position->net_qty > 0) != (net > 0))
        position->net_avg = price;
}

static void
s_order_fill (ff_book_t *self, ff_order_t *order)
{
    double price = ff_book_price (self, order->symbol);
    ff_position_t *position = s_position_get (self, order->symbol, order->product);
    if (position)
        s_position_fill (position, order->side, order->qty, price);
    order->status = FF_STATUS_FILLED;
    order->filled = order->qty;
    order->traded_price = price;
    order->polls_left = 0;
}

int
ff_book_place (ff_book_t *self, const ff_order_req_t *req, int pending_polls,
               char id_out[FF_ORDER_ID_MAX])
{
    if (s_reserve ((void **) &self->orders, &self->order_cap, self->order_count,
                   sizeof *self->orders))
        return -1;
    ff_order_t *order = &self->orders[self->order_count];
    *order = (ff_order_t){.qty = req->qty,
                          .side = req->side,
                          .type = req->type,
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
    time_t now = time (NULL);
    struct tm local;
    localtime_r (&now, &local);
    strftime (order->placed_at, sizeof order->placed_at, "%d-%b-%Y %H:%M:%S", &local);
    self->order_count++;
    if (pending_polls >= 0) {
        order->status = FF_STATUS_PENDING;
        order->polls_left = pending_polls;
    }
    else
        s_order_fill (self, order);
    snprintf (id_out, FF_ORDER_ID_MAX, "%s", order->id);
    return 0;
}

int
ff_book_exit (ff_book_t *self, const char *pos_id, int pending_polls)
{
    ff_position_t *position = s_position_find (self, pos_id);
    if (!position || position->net_qty == 0)
        return 0;
    //  ff_book_place copies these strings before its fill touches the position.
    ff_order_req_t req = {.symbol = position->symbol,
                          .product = position->product,
                          .validity = "DAY",
                          .qty = labs (position->net_qty),
                          .side = position->net_qty > 0 ? -1 : 1,
                          .type = 2};
    char id[FF_ORDER_ID_MAX];
    return ff_book_place (self, &req, pending_polls, id) == 0 ? 1 : -1;
}

void
ff_book_poll (ff_book_t *self)
{
    for (size_t i = 0; i < self->order_count; i++) {
        ff_order_t *order = &self->orders[i];
        if (order->status != FF_STATUS_PENDING)
            continue;
        if (order->polls_left == 0)
            s_order_fill (self, order);
        else
            order->polls_left--;
    }
}

void
ff_book_open_ids (ff_book_t *self, cJSON *ids)
{
    for (size_t i = 0; i < self->position_count; i++)
        if (self->positions[i].net_qty != 0)
            cJSON_AddItemToArray (ids, cJSON_CreateString (self->positions[i].id));
}

static double
s_avg (double value, long qty)
{
    return qty ? value / (double) qty : 0.0;
}

void
ff_book_positions_json (ff_book_t *self, cJSON *reply)
{
    cJSON *list = cJSON_AddArrayToObject (reply, "netPositions");
    double pl_realized = 0.0, pl_unrealized = 0.0;
    int open_count = 0;
    for (size_t i = 0; i < self->position_count; i++) {
        ff_position_t *p = &self->positions[i];
        double ltp = ff_book_price (self, p->symbol);
        double unrealized = (double) p->net_qty * (ltp - p->net_avg);
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
        cJSON_AddNumberToObject (item, "realized_profit", p->realized);
        cJSON_AddNumberToObject (item, "unrealized_profit", unrealized);
        cJSON_AddNumberToObject (item, "pl", p->realized + unrealized);
        cJSON_AddNumberToObject (item, "ltp", ltp);
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
        char tag_echo[64] = "";
        if (*o->tag)
            snprintf (tag_echo, sizeof tag_echo, "1:%s", o->tag);
        char num_status[FF_ORDER_ID_MAX + 8];
        snprintf (num_status, sizeof num_status, "%s:%d", o->id, o->status);
        cJSON *item = cJSON_CreateObject ();
        cJSON_AddStringToObject (item, "id", o->id);
        cJSON_AddStringToObject (item, "exchOrdId", o->status == FF_STATUS_FILLED ? o->id : "");
        cJSON_AddStringToObject (item, "symbol", o->symbol);
        cJSON_AddNumberToObject (item, "qty", (double) o->qty);
        cJSON_AddNumberToObject (item, "filledQty", (double) o->filled);
        cJSON_AddNumberToObject (item, "remainingQuantity", (double) (o->qty - o->filled));
        cJSON_AddNumberToObject (item, "side", o->side);
        cJSON_AddNumberToObject (item, "type", o->type);
        cJSON_AddStringToObject (item, "productType", o->product);
        cJSON_AddNumberToObject (item, "status", o->status);
        cJSON_AddStringToObject (item, "orderNumStatus", num_status);
        cJSON_AddNumberToObject (item, "limitPrice", o->limit_price);
        cJSON_AddNumberToObject (item, "stopPrice", o->stop_price);
        cJSON_AddNumberToObject (item, "tradedPrice", o->traded_price);
        cJSON_AddNumberToObject (item, "disclosedQty", (double) o->disclosed_qty);
        cJSON_AddStringToObject (item, "orderValidity", o->validity);
        cJSON_AddBoolToObject (item, "offlineOrder", o->offline);
        cJSON_AddStringToObject (item, "orderTag", tag_echo);
        cJSON_AddStringToObject (item, "orderDateTime", o->placed_at);
        cJSON_AddStringToObject (item, "message", "");
        cJSON_AddStringToObject (item, "source", "API");
        cJSON_AddNumberToObject (item, "slNo", (double) i);
        cJSON_AddItemToArray (list, item);
    }
    return list;
}
