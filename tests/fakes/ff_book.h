//  ff_book - the fake broker's account: last prices, contract multipliers,
//  net positions, the order book and the trade book of one trading day, kept
//  in memory.
//
//  Positions are netted by id "<symbol>-<productType>" (docs/fyers.md §4). A
//  position that went flat stays in the list with netQty 0 and side 0. Market
//  orders fill at the symbol's last price (FF_BOOK_DEFAULT_LTP until set);
//  stop orders (SL-M, type 3) rest working until a new last price reaches
//  their stop price, then fill whole at that price.
//  An order may be placed "working": it shows status 6 in the order book,
//  with part of it (fill_qty) filled at once or nothing, and its remainder
//  fills when ff_book_poll has been called polls + 1 times, or when
//  ff_book_fill says so, or ends cancelled, rejected or expired through
//  ff_book_end_order; a working order touches its position only by the
//  quantity filled so far. Every fill is one trade with its own number and
//  price; an order's tradedPrice is the average of its own fills.
//
//  Every change to an order, every trade and every change to a position is
//  also told to the listener (if set), as the message Fyers' order socket
//  would push (docs/fyers.md §7.3): for a fill, the order, then the trade,
//  then the position.
//
//  Not thread-safe: the caller serialises every call (ff_server holds one
//  mutex around the whole book). Strings passed in are copied.

#ifndef FF_BOOK_H_INCLUDED
#define FF_BOOK_H_INCLUDED

#include <cjson/cJSON.h>
#include <stdbool.h>

#define FF_BOOK_DEFAULT_LTP 100.0
#define FF_ORDER_ID_MAX 32

//  Order status codes (docs/fyers.md §3.4).
#define FF_STATUS_CANCELLED 1
#define FF_STATUS_FILLED 2
#define FF_STATUS_REJECTED 5
#define FF_STATUS_PENDING 6
#define FF_STATUS_EXPIRED 7

//  Order types (docs/fyers.md §3.1) the fake serves.
#define FF_TYPE_MARKET 2
#define FF_TYPE_STOP 3 //  SL-M: rests until the last price reaches stopPrice

#define FF_SYMBOL_MAX 64

//  Results of the calls that act on one order by id.
#define FF_BOOK_OK 0
#define FF_BOOK_NO_MEMORY -1
#define FF_BOOK_UNKNOWN -2     //  no such order or position
#define FF_BOOK_NOT_WORKING -3 //  the order has ended (see its status)
#define FF_BOOK_BAD_QTY -4     //  more than the remainder, or not positive
#define FF_BOOK_BAD_PRODUCT -5 //  a conversion the broker refuses
#define FF_BOOK_BAD_SIDE -6    //  the position is held on the other side
#define FF_BOOK_BAD_TYPE -7    //  not an order the call can change (modify: a stop order only)

typedef struct _ff_book_t ff_book_t;

//  A validated order request; strings are borrowed for the call only.
typedef struct {
    const char *symbol;
    const char *product;
    const char *tag; //  NULL or "" when the order carries no orderTag
    const char *validity;
    long qty;
    int side; //  1 buy, -1 sell
    int type; //  2 market (fills at once), 3 SL-M (rests until its stop is reached)
    double limit_price;
    double stop_price;
    long disclosed_qty;
    bool offline;
    const char *source; //  NULL: "API"; the broker's square-off uses "A"
} ff_order_req_t;

//  How a new order fills. NULL (or working false) fills it whole at once.
typedef struct {
    bool working;  //  the order stays working (status 6)
    int polls;     //  GET /positions calls before the remainder fills by
                   //  itself; -1: only ff_book_fill or ff_book_end_order end it
    long fill_qty; //  filled at once (0 .. qty - 1)
} ff_fill_t;

//  Receives one order-socket message ("orders", "trades" or "positions")
//  and owns it.
typedef void (ff_book_listener_fn) (void *arg, const char *topic, cJSON *message);

//  Returns NULL when out of memory. Destroy nulls the caller's pointer.
ff_book_t *ff_book_new (void);
void ff_book_destroy (ff_book_t **self_p);

//  Sets (or, with NULL, clears) the listener told of every change.
void ff_book_set_listener (ff_book_t *self, ff_book_listener_fn *fn, void *arg);

//  Forgets positions, orders, trades, prices and multipliers. Order and trade
//  numbers keep increasing so that none is reused within one fake process.
void ff_book_reset (ff_book_t *self);

double ff_book_price (ff_book_t *self, const char *symbol);

//  Sets the symbol's last price. Every working stop order (SL-M) of the
//  symbol that the price reaches (a sell stop at or below its stopPrice, a
//  buy stop at or above) is triggered and fills whole at this price, told
//  as any fill is.
int ff_book_set_price (ff_book_t *self, const char *symbol, double ltp);

//  True when ltp has reached the stop price of a stop order of side (1 buy,
//  -1 sell): such an order would trigger at once.
bool ff_book_stop_crossed (int side, double stop_price, double ltp);

//  The contract multiplier of a symbol (Fyers' qtyMulti_com; 1 until set):
//  P&L is quantity × price difference × multiplier.
double ff_book_multiplier (ff_book_t *self, const char *symbol);
int ff_book_set_multiplier (ff_book_t *self, const char *symbol, double multiplier);

//  Replaces the position <symbol>-<product> with one holding net_qty at
//  avg_price, as if bought or sold earlier today. Returns 0 or -1.
int ff_book_seed (ff_book_t *self, const char *symbol, const char *product, long net_qty,
                  double avg_price);

//  Records the order and fills it as fill says; a stop order (type 3) rests
//  working whatever fill says, until ff_book_set_price reaches its stop. Writes the new order id
//  into id_out. Returns 0, or -1 when out of memory.
int ff_book_place (ff_book_t *self, const ff_order_req_t *req, const ff_fill_t *fill,
                   char id_out[FF_ORDER_ID_MAX]);

//  Places the market counter order that flattens position pos_id (as shown:
//  working orders are not counted), filled as fill says, from source (NULL:
//  "API") with tag (NULL: none). Returns 1 when an order was placed, 0 when
//  the position is unknown or already flat, -1 when out of memory.
int ff_book_exit (ff_book_t *self, const char *pos_id, const ff_fill_t *fill);
int ff_book_exit_as (ff_book_t *self, const char *pos_id, const ff_fill_t *fill, const char *source,
                     const char *tag);

//  One GET /positions: fills the remainder of each working order whose poll
//  budget is spent and spends one poll of the others.
void ff_book_poll (ff_book_t *self);

//  Fills qty (0: all the remainder) of working order id at price (<= 0: the
//  symbol's last price). The order stays working until nothing remains.
//  Returns FF_BOOK_OK or an FF_BOOK_* error.
int ff_book_fill (ff_book_t *self, const char *id, long qty, double price);

//  Ends the remainder of working order id with status (cancelled, rejected
//  or expired), keeping what was filled; message is the order's message
//  (NULL: a default). Returns FF_BOOK_OK or an FF_BOOK_* error.
int ff_book_end_order (ff_book_t *self, const char *id, int status, const char *message);

//  Moves the stop price of working stop order id (PATCH /orders/sync).
//  Returns FF_BOOK_OK, FF_BOOK_UNKNOWN, FF_BOOK_NOT_WORKING (see its status)
//  or FF_BOOK_BAD_TYPE (not a stop order).
int ff_book_modify_stop (ff_book_t *self, const char *id, double stop_price);

//  The side (1 buy, -1 sell) of order id, its symbol copied into symbol; 0
//  when there is no such order.
int ff_book_order_side (ff_book_t *self, const char *id, char symbol[FF_SYMBOL_MAX]);

//  The status of order id, or -1 when there is no such order.
int ff_book_order_status (ff_book_t *self, const char *id);

//  Cancels every working order of position pos_id (NULL: of every position).
//  Returns how many were cancelled.
int ff_book_cancel_working (ff_book_t *self, const char *pos_id);

//  Moves qty (0: all) of open position pos_id to product to_product, as a
//  conversion in the Fyers app does: the old id's net quantity shrinks (to 0
//  for all), the new id holds the quantity at the same average. side (1
//  long, -1 short, 0 either) must be the side held. Returns FF_BOOK_OK,
//  FF_BOOK_UNKNOWN (no such open position), FF_BOOK_BAD_QTY, FF_BOOK_BAD_SIDE
//  or FF_BOOK_BAD_PRODUCT (same product, or from CNC, CO, BO or MTF, or to
//  CO, BO or MTF).
int ff_book_convert (ff_book_t *self, const char *pos_id, const char *to_product, long qty,
                     int side);

//  Adds to ids (a cJSON array) the id of every position with netQty != 0.
void ff_book_open_ids (ff_book_t *self, cJSON *ids);

//  The payload of GET /positions: sets "netPositions" and "overall" on reply.
void ff_book_positions_json (ff_book_t *self, cJSON *reply);

//  The orderBook array, filtered by id and/or tag ("1:<tag>") when not NULL.
//  Caller owns the result; NULL when out of memory.
cJSON *ff_book_orders_json (ff_book_t *self, const char *id, const char *tag);

//  The tradeBook array, oldest first. Caller owns the result.
cJSON *ff_book_trades_json (ff_book_t *self);

#endif
