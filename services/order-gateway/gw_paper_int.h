//  gw_paper_int - the inside of the paper broker, shared by gw_paper.c (the
//  book: positions, fills, the calls, the actor) and gw_paper_stop.c (its
//  stop orders). Not for other modules.

#ifndef GW_PAPER_INT_H_INCLUDED
#define GW_PAPER_INT_H_INCLUDED

#include "gw_paper.h"
#include "tw_log.h"

#include <sqlite3.h>
#include <stdbool.h>

#define GW_PAPER_STATUS_FILLED 2 //  Fyers order status "filled"
#define GW_PAPER_DAY_SIZE 16     //  "YYYY-MM-DD" and its NUL

typedef struct {
    char id[TW_ID_MAX];
    char symbol[TW_SYMBOL_MAX];
    char product[TW_PRODUCT_MAX];
    int64_t net_qty;  //  signed
    double avg_price; //  of the open quantity, 0 when flat
    int64_t buy_qty;  //  bought today
    double buy_value;
    int64_t sell_qty; //  sold today
    double sell_value;
    double realized;
    double ltp;                  //  the price of the last fill or tick seen
    char day[GW_PAPER_DAY_SIZE]; //  local date of the last fill
} gw_paper_position_t;

struct _gw_paper_t {
    sqlite3 *db;
    sqlite3_stmt *upsert_position;
    sqlite3_stmt *insert_order;
    sqlite3_stmt *find_order;
    zsock_t *feed;         //  SUB to the ticks, or NULL
    tw_tickguard_t *guard; //  the ticks it may take, or NULL (all)
    zhashx_t *positions;   //  id -> gw_paper_position_t *
    zhashx_t *prices;      //  symbol -> double *
    tw_log_limit_t bad_ticks;
    zsock_t *pipe;
    bool stopped;          //  GW_BROKER_STOP received: calls are dropped
    int64_t working_stops; //  stop orders resting (ticks look for crossings only then)
};

//  The last price of symbol, or 0 when none was seen.
double gw_paper_price (gw_paper_t *self, const char *symbol);

//  Copies a text column (NULL as "") into buf.
void gw_paper_copy_column (sqlite3_stmt *stmt, int column, char *buf, size_t size);

//  Fills qty on side (1 buy, -1 sell) for the position start.id at price,
//  durably (with the order row of tag, and, when stop_seq > 0, that stop
//  order marked filled in the same transaction), then in memory. start is
//  the position before the fill (a copy). Returns the order seq, or -1
//  (call answered RETRYABLE with its error: nothing was filled).
int64_t gw_paper_fill (gw_paper_t *self, gw_call_t *call, gw_paper_position_t start,
                       const char *tag, int side, int64_t qty, double price, int64_t stop_seq);

//  --- Stop orders (gw_paper_stop.c) ---------------------------------------

//  Counts the working stops (ticks look for crossings only when there are).
void gw_paper_stop_count (gw_paper_t *self);

//  PLACE with a stop price, for position_id: rests (status 6) unless the
//  last price already reached it (FINAL, as Fyers refuses it).
void gw_paper_stop_place (gw_paper_t *self, gw_call_t *call, const char *position_id);

//  CANCEL or MODIFY of order_id: only a working stop order can be changed
//  (FINAL otherwise).
void gw_paper_stop_change (gw_paper_t *self, gw_call_t *call);

//  An exit cancels the working stops of its position first (Fyers'
//  pending_orders_cancel).
void gw_paper_stop_cancel_position (gw_paper_t *self, const char *position_id);

//  A tick: fills every working stop of symbol that ltp reaches, at ltp.
void gw_paper_stop_trigger (gw_paper_t *self, const char *symbol, double ltp);

//  ORDER_BY_TAG of a stop order: true when the tag names one (the call is
//  answered with its status, and its fill once it fired).
bool gw_paper_stop_by_tag (gw_paper_t *self, gw_call_t *call);

#endif
