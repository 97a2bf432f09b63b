//  ff_book - the fake broker's account: last prices, net positions and the
//  order book of one trading day, kept in memory.
//
//  Positions are netted by id "<symbol>-<productType>" (FYERS.md §4). A
//  position that went flat stays in the list with netQty 0 and side 0. Market
//  orders fill at the symbol's last price (FF_BOOK_DEFAULT_LTP until set).
//  An order may be placed "pending": it shows status 6 in the order book and
//  touches no position until ff_book_poll has been called polls + 1 times.
//
//  Not thread-safe: the caller serialises every call (ff_server holds one
//  mutex around the whole book). Strings passed in are copied.

#ifndef FF_BOOK_H_INCLUDED
#define FF_BOOK_H_INCLUDED

#include <cjson/cJSON.h>
#include <stdbool.h>

#define FF_BOOK_DEFAULT_LTP 100.0
#define FF_ORDER_ID_MAX 32

//  Order status codes (FYERS.md §3.4).
#define FF_STATUS_FILLED 2
#define FF_STATUS_PENDING 6

typedef struct _ff_book_t ff_book_t;

//  A validated order request; strings are borrowed for the call only.
typedef struct {
    const char *symbol;
    const char *product;
    const char *tag; //  NULL or "" when the order carries no orderTag
    const char *validity;
    long qty;
    int side; //  1 buy, -1 sell
    int type; //  2 market (the only type the fake fills)
    double limit_price;
    double stop_price;
    long disclosed_qty;
    bool offline;
} ff_order_req_t;

//  Returns NULL when out of memory. Destroy nulls the caller's pointer.
ff_book_t *ff_book_new (void);
void ff_book_destroy (ff_book_t **self_p);

//  Forgets positions, orders and prices. Order ids keep increasing so that an
//  id is never reused within one fake process.
void ff_book_reset (ff_book_t *self);

double ff_book_price (ff_book_t *self, const char *symbol);
int ff_book_set_price (ff_book_t *self, const char *symbol, double ltp);

//  Replaces the position <symbol>-<product> with one holding net_qty at
//  avg_price, as if bought or sold earlier today. Returns 0 or -1.
int ff_book_seed (ff_book_t *self, const char *symbol, const char *product, long net_qty,
                  double avg_price);

//  Records the order and, unless pending_polls >= 0, fills it at once. Writes
//  the new order id into id_out. Returns 0, or -1 when out of memory.
int ff_book_place (ff_book_t *self, const ff_order_req_t *req, int pending_polls,
                   char id_out[FF_ORDER_ID_MAX]);

//  Places the market counter order that flattens position pos_id (as shown:
//  pending fills are not counted). Returns 1 when an order was placed, 0 when
//  the position is unknown or already flat, -1 when out of memory.
int ff_book_exit (ff_book_t *self, const char *pos_id, int pending_polls);

//  One GET /positions: fills each pending order whose poll budget is spent and
//  spends one poll of the others.
void ff_book_poll (ff_book_t *self);

//  Adds to ids (a cJSON array) the id of every position with netQty != 0.
void ff_book_open_ids (ff_book_t *self, cJSON *ids);

//  The payload of GET /positions: sets "netPositions" and "overall" on reply.
void ff_book_positions_json (ff_book_t *self, cJSON *reply);

//  The orderBook array, filtered by id and/or tag ("1:<tag>") when not NULL.
//  Caller owns the result; NULL when out of memory.
cJSON *ff_book_orders_json (ff_book_t *self, const char *id, const char *tag);

#endif
