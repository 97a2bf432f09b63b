//  tw_events - a test's ear on a service's events: a SUB to every message
//  published at an endpoint (the gateway's PUB), with bounded waits for an
//  event of a type, for a position id, and a tally of every event that went
//  by (so that a test can say "closed once" after the fact).
//
//  A SUB connects some time after it is made (ZeroMQ's slow joiner):
//  tw_events_wait_live proves it connected by waiting for a heartbeat.
//  Nothing here asserts; waits return false when nothing came in time.

#ifndef TW_EVENTS_H_INCLUDED
#define TW_EVENTS_H_INCLUDED

#include <stdbool.h>

#include "tw_proto.h"

typedef struct _tw_events_t tw_events_t;

//  A SUB to endpoint, every topic. NULL when the socket cannot be made.
tw_events_t *tw_events_new (const char *endpoint);

//  Closes the SUB and nulls *self_p; safe on NULL.
void tw_events_destroy (tw_events_t **self_p);

//  The next message within timeout_ms (0: only what is there already).
//  Returns true with it in *event (the caller resets it), false when none
//  came. Every message received is tallied.
bool tw_events_next (tw_events_t *self, int timeout_ms, tw_msg_t *event);

//  Waits up to timeout_ms for the next event of type (TW_MSG_INVALID: any
//  type) for position id (NULL: any id), skipping the others. Returns true
//  with it in *event (the caller resets it).
bool tw_events_wait (tw_events_t *self, tw_msg_type_t type, const char *id, int timeout_ms,
                     tw_msg_t *event);

//  Waits up to timeout_ms for a heartbeat: the SUB is connected.
bool tw_events_wait_live (tw_events_t *self, int timeout_ms);

//  How many events of type for position id (NULL: any id) this SUB has
//  received so far.
int tw_events_count (tw_events_t *self, tw_msg_type_t type, const char *id);

#endif
