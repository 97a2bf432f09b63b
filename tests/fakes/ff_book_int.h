//  ff_book_int - the inside of ff_book, shared by ff_book.c (the account's
//  operations) and ff_book_json.c (how the account looks over REST and over
//  the order socket). Not for other modules.

#ifndef FF_BOOK_INT_H_INCLUDED
#define FF_BOOK_INT_H_INCLUDED

#include "ff_book.h"

#include <stddef.h>

#define FF_TIME_MAX 32
#define FF_MESSAGE_MAX 128
#define FF_SOURCE_MAX 8

typedef struct {
    char *symbol;
    double ltp;
    double multiplier;
    bool has_ltp;
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
    char source[FF_SOURCE_MAX];
    long qty;
    long filled;
    double filled_val; //  sum of fill quantity × fill price
    int side;
    int type;
    int status;
    int polls_left; //  while working: -1 never by itself, else polls to go
    double limit_price;
    double stop_price;
    long disclosed_qty;
    bool offline;
    char message[FF_MESSAGE_MAX];
    char placed_at[FF_TIME_MAX]; //  "09-Mar-2023 09:34:38", local time
    long long placed_epoch;
    long long updated_epoch;
} ff_order_t;

typedef struct {
    char number[FF_ORDER_ID_MAX];
    size_t order; //  index into the orders (they are never removed but by reset)
    long qty;
    double price;
    char time[FF_TIME_MAX];
    long long epoch;
} ff_trade_t;

struct _ff_book_t {
    ff_price_t *prices;
    size_t price_count, price_cap;
    ff_position_t *positions;
    size_t position_count, position_cap;
    ff_order_t *orders;
    size_t order_count, order_cap;
    ff_trade_t *trades;
    size_t trade_count, trade_cap;
    unsigned long long next_order_id;
    unsigned long long next_trade_id;
    ff_book_listener_fn *listener;
    void *listener_arg;
};

//  The position with this id, or NULL.
ff_position_t *ff_book_position_find (ff_book_t *self, const char *id);

//  The order socket's messages (docs/fyers.md §7.3), in Fyers' raw
//  snake_case shapes, each sent to the listener when there is one.
void ff_book_tell_order (ff_book_t *self, const ff_order_t *order);
void ff_book_tell_trade (ff_book_t *self, const ff_trade_t *trade);
void ff_book_tell_position (ff_book_t *self, const ff_position_t *position);

//  "09-Mar-2023 09:34:38" for now, in local time, and the epoch seconds.
long long ff_book_now (char out[FF_TIME_MAX]);

#endif
