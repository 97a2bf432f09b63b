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
//    gw_jobs      broker calls and timers with their continuations
//    gw_store     the durable state; gw_broker the broker actor (gw_call.h)
//  Everything runs on the actor's thread; broker calls run in the broker
//  actor and come back on its pipe.

#ifndef GW_ACTOR_H_INCLUDED
#define GW_ACTOR_H_INCLUDED

#include <czmq.h>

//  The actor (zactor_fn): args is a tw_service_t * (not owned) whose config
//  has the [gateway] and [endpoints] settings. It signals 0 when it is
//  running, or 1 when it could not start (store, sockets or broker), and
//  stops on $TERM.
void gw_actor (zsock_t *pipe, void *args);

#endif
