//  gw_inproc - the fixture of the in-process gateway tests (test_gw_actor,
//  test_journal): the gateway actor on the paper broker over inproc://
//  endpoints, its store and the paper broker's file in a scratch directory;
//  the test is the market feed (a PUB of ticks for two symbols, so that the
//  paper broker has prices), a subscriber to the gateway's events and a
//  command client on its ROUTER. Every wait is bounded by
//  GW_INPROC_WAIT_MS; a failure is a Check assertion.

#ifndef GW_INPROC_H_INCLUDED
#define GW_INPROC_H_INCLUDED

#include <czmq.h>

#include "gw_actor.h"
#include "tw_config.h"
#include "tw_proto.h"
#include "tw_service.h"

#define GW_INPROC_WAIT_MS 10000
#define GW_INPROC_ENDPOINT_MAX 64
#define GW_INPROC_SERVICE "order-gateway"
#define GW_INPROC_SYMBOL_A "NSE:SBIN-EQ"
#define GW_INPROC_SYMBOL_B "NSE:INFY-EQ"
#define GW_INPROC_PRICE_A 500.0
#define GW_INPROC_PRICE_B 1500.0

typedef struct {
    tw_config_t *config;
    tw_service_t *service;
    zactor_t *actor;
    gw_actor_args_t args; //  the actor's: the service and gw_inproc_wall_clock
    zsock_t *feed;        //  the ticks
    zsock_t *events;      //  SUB to the gateway's events
    zsock_t *client;      //  DEALER to the gateway's commands
    int next_req;
    //  inproc endpoints are released after their socket closes, not when
    //  it does: every start gets new ones, so that a restart never waits.
    char gw_rep[GW_INPROC_ENDPOINT_MAX];
    char gw_pub[GW_INPROC_ENDPOINT_MAX];
    char feed_pub[GW_INPROC_ENDPOINT_MAX];
} gw_inproc_t;

//  The price gw_inproc_ticks publishes for GW_INPROC_SYMBOL_A (a test may
//  move it).
extern double gw_inproc_price_a;

//  The wall clock of the gateway's session rules (gw_session.h) for the
//  actors started from now on; NULL (the default) is the real one.
extern gw_wall_clock_fn *gw_inproc_wall_clock;

//  A scratch directory named after label, made the working directory (so
//  that no deploy/config/tradewire.ini is read), and the paper broker's
//  settings in the environment. gw_inproc_teardown removes it.
void gw_inproc_setup (const char *label);
void gw_inproc_teardown (void);

//  Starts the actor and waits until it has reconciled; stops it.
void gw_inproc_start (gw_inproc_t *fx);
void gw_inproc_stop (gw_inproc_t *fx);

//  Publishes one tick of each symbol: the paper broker fills at the last.
void gw_inproc_ticks (gw_inproc_t *fx);

//  The next event other than a heartbeat (ticking meanwhile).
void gw_inproc_next_event (gw_inproc_t *fx, tw_msg_t *event);

//  Sends request and returns the gateway's reply.
void gw_inproc_request (gw_inproc_t *fx, const tw_msg_t *request, tw_msg_t *reply);

//  A command of type with req_id and an expiry.
void gw_inproc_command (tw_msg_t *msg, tw_msg_type_t type, const char *req_id);

//  The live positions of a snapshot: how many, and the first max of them
//  in positions (may be NULL when max is 0).
size_t gw_inproc_snapshot (gw_inproc_t *fx, tw_position_t *positions, size_t max);

//  The wall time (ns since the epoch) of an IST civil time: for
//  gw_inproc_wall_clock, and any test of the session rules.
int64_t gw_inproc_ist_ns (int year, int month, int day, int hour, int minute, int second);

//  A counter of the gateway's status.
int64_t gw_inproc_counter (gw_inproc_t *fx, const char *name);

//  Opens qty of symbol long and waits for position_opened at price (an
//  open refused before the paper broker's first tick is sent again).
void gw_inproc_open (gw_inproc_t *fx, const char *symbol, const char *pos_id, int64_t qty,
                     double price);

//  Sends an open of one symbol long as product and returns its ack (of type
//  ack, accepted or not) in ack.
void gw_inproc_try_open (gw_inproc_t *fx, const char *symbol, const char *product, tw_msg_t *ack);

//  The same with a product ("" is the gateway's default, INTRADAY).
void gw_inproc_open_as (gw_inproc_t *fx, const char *symbol, const char *product,
                        const char *pos_id, int64_t qty, double price);

#endif
