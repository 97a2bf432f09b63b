//  gw_call - one broker call and its outcome: what the gateway and every
//  broker backend (gw_fyers, gw_paper) share. The broker factory is
//  gw_broker.h; the backends include only this header.
//
//  One call is ONE attempt at the broker: the backend classifies its
//  outcome; retrying, backing off and verifying ambiguous outcomes are the
//  gateway's decisions (docs/design.md §4), not the broker's.
//
//  Pipe protocol (zsock_send picture "p"): gateway -> actor: a gw_call_t *
//  (ownership passes to the actor); actor -> gateway: the same gw_call_t *
//  with outcome set (ownership passes back). The stop handshake is below.

#ifndef GW_CALL_H_INCLUDED
#define GW_CALL_H_INCLUDED

#include <czmq.h>

#include "tw_proto.h"

typedef enum {
    GW_OP_EXIT = 1,      //  exit position_id (Fyers: DELETE /positions {"id": ...})
    GW_OP_PLACE,         //  market order: symbol, side, qty, product, order_tag
    GW_OP_POSITIONS,     //  read the broker's positions (GET /positions)
    GW_OP_ORDER_BY_TAG,  //  look an order up by order_tag (GET /orders?order_tag=1:<tag>):
                         //  only an entry with exactly that tag and the call's symbol, side
                         //  and qty matches
    GW_OP_ORDERS,        //  read the broker's order book (GET /orders)
    GW_OP_CANCEL,        //  cancel what remains of order_id (DELETE /orders/sync {"id": ...})
    GW_OP_MARKET_STATUS, //  read the markets' status (GET <data_base_url>/marketStatus)
    GW_OP_MODIFY,        //  move the stop of the SL-M order order_id to stop_price
                         //  (PATCH /orders/sync {"id": ..., "type": 3, "stopPrice": ...})
    GW_OP_NOTICE         //  broker -> gateway, unasked (call_id 0): position_id changed at
                         //  the broker by itself (the paper broker's stop filled)
} gw_op_t;

typedef enum {
    GW_OUT_NONE = 0,
    GW_OUT_OK,        //  done: exit flat (code 200), order filled/placed, read succeeded
    GW_OUT_PENDING,   //  exit placed but not filled (code 201): confirm by reading positions
    GW_OUT_RETRYABLE, //  did not reach the broker or was refused before acting: connect/DNS
                      //  failure, HTTP 429, broker "try again" codes
    GW_OUT_AMBIGUOUS, //  may have been applied: timeout after sending, reset, 5xx,
                      //  unparseable body, "nothing to exit" (-352/-397/-398)
    GW_OUT_FINAL      //  will not succeed by retrying: auth (-8/-15/-16/-17, 401),
                      //  validation (-50/-53, other 4xx)
} gw_outcome_t;

//  One position as the broker reports it.
typedef struct {
    char id[TW_ID_MAX]; //  "NSE:SBIN-EQ-INTRADAY"
    char symbol[TW_SYMBOL_MAX];
    char product[TW_PRODUCT_MAX];
    int64_t net_qty;  //  signed: > 0 long, < 0 short, 0 flat
    double avg_price; //  average price of the open quantity
    double buy_avg;   //  average buy price today (exit price of a short)
    double sell_avg;  //  average sell price today (exit price of a long)
    double ltp;
    double realized_pnl;
    double multiplier; //  contract multiplier (qtyMulti_com); 1 when not given
} gw_broker_position_t;

//  One order as the broker's order book shows it (docs/fyers.md §3.4).
typedef struct {
    char id[TW_ID_MAX];
    char symbol[TW_SYMBOL_MAX];
    char product[TW_PRODUCT_MAX];
    tw_side_t side; //  LONG bought, SHORT sold
    int64_t qty;
    int64_t filled_qty;
    int status;          //  1 cancelled, 2 filled, 5 rejected, 6 working, 7 expired
    double traded_price; //  average of the order's own fills; 0 before any
    char order_tag[32];  //  without the "1:" prefix; "" when none
} gw_broker_order_t;

//  One market as the broker's market status shows it (docs/fyers.md §4):
//  Fyers' exchange and segment codes (§5), the market type ("NORMAL",
//  "ODD_LOT", ...) and its status ("OPEN", "CLOSED", ...) as sent.
typedef struct {
    int exchange;
    int segment;
    char market_type[24];
    char status[24];
} gw_broker_market_t;

typedef struct {
    //  Set by the gateway.
    uint64_t call_id; //  the gateway's own handle for the call
    gw_op_t op;
    char position_id[TW_ID_MAX];  //  EXIT
    char symbol[TW_SYMBOL_MAX];   //  PLACE, ORDER_BY_TAG
    tw_side_t side;               //  PLACE, ORDER_BY_TAG: LONG buys, SHORT sells
    int64_t qty;                  //  PLACE, ORDER_BY_TAG
    char product[TW_PRODUCT_MAX]; //  PLACE ("INTRADAY")
    char order_tag[32];           //  PLACE, ORDER_BY_TAG: 1-30 alphanumerics, unique per request
    double stop_price;            //  PLACE: > 0 makes it an SL-M (stop-loss market) order that
                                  //  rests until the price reaches it; 0 a market order.
                                  //  MODIFY: the new stop

    //  Set by the broker actor.
    gw_outcome_t outcome;
    int http_status;         //  0 when no HTTP response arrived
    int broker_code;         //  Fyers "code", 0 when none
    char error[TW_TEXT_MAX]; //  one line; never contains the token
    int64_t retry_after_ms;  //  from Retry-After / X-Retry-After-Ms on 429, else 0
    int64_t latency_ms;      //  from leaving the rate limiter to the outcome
    int64_t token_exp; //  the exp (Unix s) of the access token the broker holds as it answers;
                       //  0 when it has none or the token says none (paper)
    double fill_price; //  EXIT/PLACE: price when known (paper: last tick), else 0
    char order_id[TW_ID_MAX]; //  PLACE, ORDER_BY_TAG: the broker's order id; CANCEL, MODIFY:
                              //  set by the gateway
    int order_status;      //  ORDER_BY_TAG: Fyers status (2 filled, 5 rejected, ...), 0 = not found
    int64_t filled_qty;    //  ORDER_BY_TAG: quantity filled so far
    size_t position_count; //  POSITIONS
    gw_broker_position_t *positions; //  POSITIONS: owned by the call
    size_t order_count;              //  ORDERS
    gw_broker_order_t *orders;       //  ORDERS: owned by the call
    size_t market_count;             //  MARKET_STATUS
    gw_broker_market_t *markets;     //  MARKET_STATUS: owned by the call
} gw_call_t;

//  Creates a call of the given op; the caller owns it. Never NULL (aborts on OOM).
gw_call_t *gw_call_new (gw_op_t op);

//  Destroys a call (and its positions) and nulls *self_p; safe on NULL.
void gw_call_destroy (gw_call_t **self_p);

//  The stop handshake of gw_broker_destroy, for the backends: on
//  GW_BROKER_STOP the actor drops what it holds, answers GW_BROKER_STOPPED
//  and destroys any call it receives later; "$TERM" then ends it.
#define GW_BROKER_STOP "$STOP"
#define GW_BROKER_STOPPED "STOPPED"
#define GW_BROKER_STOP_TIMEOUT_MS 1000

//  What a broker actor read from its pipe.
typedef enum {
    GW_PIPE_TERM, //  "$TERM" or interrupted: leave the loop
    GW_PIPE_STOP, //  GW_BROKER_STOP: drop everything, answer GW_BROKER_STOPPED
    GW_PIPE_CALL, //  a gw_call_t *, now owned by the actor
    GW_PIPE_BAD   //  anything else (logged, dropped)
} gw_pipe_msg_t;

//  Reads one message from a broker actor's pipe; sets *call for GW_PIPE_CALL.
gw_pipe_msg_t gw_broker_pipe_recv (zsock_t *pipe, gw_call_t **call);

//  For the broker actors' threads: blocks the asynchronous signals, which are
//  the main thread's business (here they would only cut the loop's poll
//  short). Faults (SIGSEGV and the like) stay unblocked.
void gw_broker_block_signals (void);

//  True for the ops that change something at the broker (an order placed,
//  moved or cancelled, a position exited): their unsure outcomes are
//  ambiguous, never simply retried.
bool gw_op_writes (gw_op_t op);

const char *gw_outcome_name (gw_outcome_t outcome);
const char *gw_op_name (gw_op_t op);

#endif
