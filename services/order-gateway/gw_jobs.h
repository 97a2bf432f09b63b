//  gw_jobs - broker calls and timers that carry their own continuation.
//
//  The gateway never waits for the broker: a call goes to the broker actor
//  with the function to run when its result comes back, and the loop calls
//  that function with the call's owner (an exit, an open, the
//  reconciliation). A timer is the same for "later": one function, once,
//  for one owner. Owners are plain pointers; calls are matched by the
//  call_id set here. An owner that goes away calls gw_jobs_cancel first:
//  its timer stops and the results of its calls still at the broker are
//  destroyed when they come back, unseen.
//
//  Everything runs on the loop's thread.

#ifndef GW_JOBS_H_INCLUDED
#define GW_JOBS_H_INCLUDED

#include <czmq.h>

#include "gw_call.h"

typedef struct _gw_jobs_t gw_jobs_t;

//  Runs when the result of a call comes back. call is lent for the time of
//  the function (gw_jobs destroys it afterwards); the function may cancel
//  or destroy owner.
typedef void (gw_jobs_call_fn) (void *owner, gw_call_t *call);

//  Runs once when an owner's timer fires.
typedef void (gw_jobs_later_fn) (void *owner);

//  Reads broker results from broker_sock (the broker actor's pipe) on loop.
//  Neither is owned.
gw_jobs_t *gw_jobs_new (zloop_t *loop, zsock_t *broker_sock);

//  Stops reading the broker and ends every timer; results still at the
//  broker are left to gw_broker_destroy. Nulls *self_p; safe on NULL.
void gw_jobs_destroy (gw_jobs_t **self_p);

//  Sends call to the broker (ownership passes) and runs fn (owner, call)
//  when its result comes back, unless owner was cancelled meanwhile.
void gw_jobs_call (gw_jobs_t *self, gw_call_t *call, gw_jobs_call_fn *fn, void *owner);

//  Runs fn (owner) once after delay_ms (at least 1). An owner has at most
//  one timer: a second one replaces the first.
void gw_jobs_later (gw_jobs_t *self, void *owner, int64_t delay_ms, gw_jobs_later_fn *fn);

//  Cancels owner's timer and drops the results of its calls in flight.
void gw_jobs_cancel (gw_jobs_t *self, void *owner);

//  Runs fn (owner, call) on every result that comes back, before the
//  call's own function (cancelled owners' results included): how the
//  gateway reads what every answer says of the broker (gw_call_t
//  token_exp). One watcher; NULL fn removes it.
void gw_jobs_watch (gw_jobs_t *self, gw_jobs_call_fn *fn, void *owner);

//  Calls sent since gw_jobs_new.
uint64_t gw_jobs_calls (gw_jobs_t *self);

#endif
