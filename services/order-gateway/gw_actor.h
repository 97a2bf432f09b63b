//  gw_actor - the order gateway (docs/design.md §1-§5) as one actor: the
//  command ROUTER, the event PUB, the broker actor, the store and the loop.
//
//  Its work is split by responsibility, with one-way dependencies:
//    gw_actor     the loop, command decoding, dedup, dispatch, flatten, status
//    gw_reconcile start-up reconciliation with the broker (uses gw_exit and gw_open)
//    gw_exit      the exits and their state machine
//    gw_open      the opens and their state machine, and modify
//    gw_retry     the one backoff policy
//    gw_events    every state change: written, then published
//    gw_market_poll the broker's market status, for the session rules (fyers)
//    gw_jobs      broker calls and timers with their continuations
//    gw_store     the durable state; gw_broker the broker actor (gw_call.h)
//  Everything runs on the actor's thread; broker calls run in the broker
//  actor and come back on its pipe.

#ifndef GW_ACTOR_H_INCLUDED
#define GW_ACTOR_H_INCLUDED

#include <czmq.h>

#include "tw_service.h"

//  The actor (zactor_fn): args is a tw_service_t * (not owned) whose config
//  has the [gateway] and [endpoints] settings. It signals 0 when it is
//  running, or 1 when it could not start (store, sockets, broker or a bad
//  [session]), and stops on $TERM.
void gw_actor (zsock_t *pipe, void *args);

//  The wall clock (ns since the epoch) of the session rules (gw_session.h).
typedef int64_t (gw_wall_clock_fn) (void);

typedef struct {
    tw_service_t *service;        //  not owned
    gw_wall_clock_fn *wall_clock; //  NULL: tw_clock_wall_ns
} gw_actor_args_t;

//  The same actor with args a gw_actor_args_t * (not owned; it outlives the
//  actor): in-process tests give the session rules a clock of their own.
void gw_actor_clocked (zsock_t *pipe, void *args);

#endif
