//  gw_ordersock_msg - decodes one message of Fyers' order WebSocket
//  (docs/fyers.md §7.3) into what gw_ordersock passes on to the gateway: the
//  subscribe ack, an order push or a position push. Pure: no socket, no
//  clock, no log; gw_ordersock sends the result as the pipe frames of
//  gw_ordersock.h, and tests/fuzz fuzzes it.

#ifndef GW_ORDERSOCK_MSG_H_INCLUDED
#define GW_ORDERSOCK_MSG_H_INCLUDED

#include <stdbool.h>

//  What a message carries for the gateway, besides the ack.
typedef enum {
    GW_ORDERSOCK_MSG_NONE = 0, //  nothing: "pong", a trade, a general message, not JSON
    GW_ORDERSOCK_MSG_ORDER,    //  {"orders":{...}}
    GW_ORDERSOCK_MSG_POSITION  //  {"positions":{...}} with a string id
} gw_ordersock_msg_kind_t;

//  One decoded message. The texts are the fields of the "ORDER" and
//  "POSITION" frames of gw_ordersock.h, "" when the push lacks the field or
//  it is unusable: ids and tags as sent, numbers as integral text (status,
//  side, filled and net qty: finite and below 1e15 in magnitude) or "%.10g"
//  (prices and multiplier finite and > 0). A fixed text is cut to its size (a status
//  of 15 digits at most, a side of 7 characters).
typedef struct {
    bool subscribed; //  "code" 1605: the subscription is acknowledged
    gw_ordersock_msg_kind_t kind;
    //  ORDER: orders.id (a string or an integral number, cut to 63 characters);
    //  POSITION: positions.id. The others are "" for a POSITION.
    char *id;
    char *tag;           //  ORDER: orders.ordertag without its "1:" prefix
    char *symbol;        //  ORDER: orders.symbol
    char *product;       //  ORDER: orders.product_type
    char status[16];     //  ORDER: org_ord_status (docs/fyers.md §3.4)
    char side[8];        //  ORDER: tran_side (1 buy, -1 sell)
    char filled[32];     //  ORDER: qty_filled
    char price[32];      //  ORDER: price_traded, else tradedPrice
    char net_qty[32];    //  POSITION: net_qty (signed)
    char multiplier[32]; //  POSITION: qty_multiplier
    char buy_avg[32];    //  POSITION: buy_avg, the day's average buy price
    char sell_avg[32];   //  POSITION: sell_avg, the day's average sell price
} gw_ordersock_msg_t;

//  Decodes text (a NUL-terminated JSON text) into msg, which the caller
//  then resets. Any text is accepted: what is not ours decodes to kind NONE
//  and not subscribed. An order message wins over a position message in
//  one text. Aborts on OOM.
void gw_ordersock_msg_decode (const char *text, gw_ordersock_msg_t *msg);

//  Frees what msg holds and zeroes it; safe on a zeroed msg.
void gw_ordersock_msg_reset (gw_ordersock_msg_t *msg);

#endif
