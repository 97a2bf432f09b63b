//  gw_paper - the paper broker: the broker actor of gw_broker.h without a
//  broker. It keeps the last traded price of every symbol from the feed's
//  ticks and fills market orders and exits at it, at once.
//
//  It behaves like Fyers where the gateway can tell: a position id is
//  "<symbol>-<product>" and positions net per id; an exit of a position that
//  is not open answers AMBIGUOUS with code -352 "no position to exit" (so the
//  gateway's verify path runs); positions list today's closed positions with
//  net_qty 0. Average price and realised P&L follow the usual netting rules
//  for long and short positions, reversals included. A PLACE with a stop
//  price is a stop order (SL-M, docs/design.md §4.7, gw_paper_stop.c): it
//  rests in the book until a tick reaches it, then fills at that tick; it
//  can be moved (MODIFY) and cancelled (CANCEL, and every exit of its
//  position, as Fyers' pending_orders_cancel), and ORDER_BY_TAG reports it.
//
//  Positions and fills are kept in a SQLite file (WAL mode), written before a
//  call is answered, so a restarted gateway reconciles against them. There
//  are no rate limits and no network calls; calls are answered one by one,
//  in order. Nothing is ever in flight, so stopping (gw_broker_destroy) only
//  destroys answered calls the gateway has not read.

#ifndef GW_PAPER_H_INCLUDED
#define GW_PAPER_H_INCLUDED

#include <czmq.h>

#include "gw_call.h"
#include "tw_tickguard.h"

//  The code answered when there is nothing to exit (as Fyers, docs/fyers.md §4).
#define GW_PAPER_CODE_NO_POSITION -352
//  The codes of a successful exit and order (as Fyers).
#define GW_PAPER_CODE_EXITED 200
#define GW_PAPER_CODE_PLACED 1101

typedef struct _gw_paper_t gw_paper_t;

//  Opens (creating it and its directory when needed) the SQLite file at
//  db_path and loads the positions kept there; connects a SUB socket to the
//  feed's ticks at feed_endpoint, or none when feed_endpoint is NULL or empty
//  (prices then come from gw_paper_set_price alone). Returns NULL (logged) on
//  failure. The caller destroys the result, or hands it to gw_paper_actor.
gw_paper_t *gw_paper_new (const char *feed_endpoint, const char *db_path);

//  Destroys the broker and nulls *self_p; safe on NULL.
void gw_paper_destroy (gw_paper_t **self_p);

//  Puts guard (taken) between the feed and the prices: a tick it refuses
//  (an absurd price out of its band, say) neither moves the price nor fills
//  a stop, as the risk-monitor would not act on it either. Without one,
//  every tick with a price counts.
void gw_paper_set_guard (gw_paper_t *self, tw_tickguard_t *guard);

//  Records the last traded price of symbol (what a tick does).
void gw_paper_set_price (gw_paper_t *self, const char *symbol, double ltp);

//  Carries out call at once and sets its outcome and results (the caller
//  keeps ownership).
void gw_paper_execute (gw_paper_t *self, gw_call_t *call);

//  The actor (zactor_fn): args is a gw_paper_t * that the actor takes
//  ownership of and destroys when it ends.
void gw_paper_actor (zsock_t *pipe, void *args);

#endif
