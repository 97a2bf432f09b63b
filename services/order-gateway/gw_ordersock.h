//  gw_ordersock - the client of Fyers' order/trade/position WebSocket
//  (docs/fyers.md §7.3): a libwebsockets client in its own thread (an
//  actor), TLS for wss:// (verified), plain ws:// for a local fake.
//
//  It connects to [fyers] order_socket_url with the header
//  "authorization: APP_ID:TOKEN" (the token is never logged), subscribes to
//  orders, trades and positions (SUB_ORD), sends "ping" every 10 s, and
//  reconnects with a doubling backoff (0.5 s .. 30 s) when the connection
//  fails, drops or stays silent for 3 pings. What the broker pushes is
//  decoded by gw_ordersock_msg and passed on to the gateway as short
//  messages on the actor's pipe: an exit in
//  progress takes its position's and its fill's pushes as the broker's word
//  (gw_exit); anything else the store does not already hold makes the
//  gateway read the broker at once.
//
//  Pipe protocol (actor -> gateway), frames are strings:
//    "STATE" <"up"|"down">            subscribed / lost (after "up" the
//                                      gateway reconciles: pushes were lost)
//    "ORDER" <order id> <tag> <status> <symbol> <side> <product> <filled qty> <traded price>
//                                      an order changed (tag without "1:", "" when
//                                      none; status as docs/fyers.md §3.4; side 1
//                                      buy, -1 sell; a field the push lacks is "")
//    "POSITION" <position id> <net qty> <multiplier> <buy avg> <sell avg>
//                                      a position changed (net qty signed; the
//                                      contract multiplier; the day's average buy
//                                      and sell prices; "" when the push lacks one)

#ifndef GW_ORDERSOCK_H_INCLUDED
#define GW_ORDERSOCK_H_INCLUDED

#include <czmq.h>

#define GW_ORDERSOCK_STATE "STATE"
#define GW_ORDERSOCK_ORDER "ORDER"
#define GW_ORDERSOCK_POSITION "POSITION"

//  The socket's state as the status and ping counters show it.
typedef enum {
    GW_ORDERSOCK_OFF = 0, //  not used (paper broker)
    GW_ORDERSOCK_DOWN,    //  connecting, or waiting to reconnect
    GW_ORDERSOCK_UP       //  subscribed
} gw_ordersock_state_t;

//  Starts the client for url with "app_id:token". For wss:// the server's
//  certificate and host name are verified against ca_file (a PEM CA bundle,
//  [fyers] data_ca_file) alone, or the system's CAs when it is NULL or "";
//  one that does not verify is a failed connection (logged, tried again).
//  Returns NULL (logged) when the URL is not ws:// or wss://, or ca_file
//  cannot be read.
zactor_t *gw_ordersock_new (const char *url, const char *app_id, const char *token,
                            const char *ca_file);

//  Stops it (closing the connection) and nulls *self_p; safe on NULL.
void gw_ordersock_destroy (zactor_t **self_p);

#endif
