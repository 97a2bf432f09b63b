//  tw_control - the control endpoint every service answers `ping` on
//  (docs/design.md §8): a ROUTER bound to the service's *_control endpoint that
//  replies `pong` with the service name, version, uptime and the counters
//  its owner adds. Anything else gets a rejected ack. The gateway answers
//  ping on gateway_rep itself and uses tw_control_pong for the reply.

#ifndef TW_CONTROL_H_INCLUDED
#define TW_CONTROL_H_INCLUDED

#include <czmq.h>

#include "tw_proto.h"

typedef struct _tw_control_t tw_control_t;

//  Adds the owner's counters to a pong (with tw_control_counter).
typedef void (tw_control_fn) (tw_pong_t *pong, void *arg);

//  Binds endpoint. Returns NULL (logged) when it cannot.
tw_control_t *tw_control_new (const char *endpoint, const char *service, int64_t started_ms,
                              tw_control_fn *fn, void *arg);
void tw_control_destroy (tw_control_t **self_p);

//  The ROUTER socket, to poll for input.
zsock_t *tw_control_socket (tw_control_t *self);

//  For an owner with a zloop: answers every request as it arrives. Returns
//  0, or -1 when loop refused the reader. Destroy the loop before self.
int tw_control_attach (tw_control_t *self, zloop_t *loop);

//  Reads and answers one request. Returns 0, or -1 when it was malformed
//  (answered with a rejected ack when it could be).
int tw_control_handle (tw_control_t *self);

//  Fills reply as the pong to request (req_id echoed): service, TW_VERSION,
//  uptime since started_ms (monotonic).
void tw_control_pong (const tw_msg_t *request, tw_msg_t *reply, const char *service,
                      int64_t started_ms);

//  Appends a counter to pong; past TW_MAX_COUNTERS it is dropped and an
//  error logged (at most once a minute): a service with too many counters
//  is a bug to fix, never a cut reply.
void tw_control_counter (tw_pong_t *pong, const char *name, int64_t value);

//  The counter a service uses to say whether it is doing its job, beyond
//  answering (docs/design.md §8.2): 1, or 0 when a subscriber has lost what
//  it follows (the gateway's events, the ticks of an open position, the data
//  socket). `tradectl ping` exits TC_EXIT_UNHEALTHY on 0.
#define TW_CONTROL_HEALTHY "healthy"

//  Appends the healthy counter (1 or 0) to pong.
void tw_control_healthy (tw_pong_t *pong, bool healthy);

//  False when pong carries the healthy counter at 0; a pong without it (an
//  older service) counts as healthy.
bool tw_control_is_healthy (const tw_pong_t *pong);

//  The value of pong's counter name in *value; false (value untouched)
//  when pong does not carry it.
bool tw_control_find_counter (const tw_pong_t *pong, const char *name, int64_t *value);

#endif
