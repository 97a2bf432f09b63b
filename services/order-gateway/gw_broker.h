//  gw_broker - the order gateway's broker, behind one small interface.
//
//  The broker runs as an actor (a thread with its own loop) beside the
//  gateway's loop, so that a command never waits for the broker: the gateway
//  sends a gw_call_t * down the actor's pipe (ownership passes to the actor)
//  and later receives the same pointer back, with the result filled in
//  (ownership passes back). Calls of different positions proceed in parallel;
//  every call goes through one shared rate limiter (gw_ratelimit).
//
//  One call is ONE attempt at the broker: the actor classifies its outcome;
//  retrying, backing off and verifying ambiguous outcomes are the gateway's
//  decisions (docs/design.md §4), not the broker's. The call record, its outcomes
//  and the pipe helpers the backends share are in gw_call.h.
//
//  Two brokers implement it: `fyers` (libcurl multi + cJSON, docs/fyers.md) and
//  `paper` (fills at the last tick price from the feed, keeps its positions
//  in its own SQLite file so that a gateway restart reconciles against them).
//
//  Pipe protocol (zsock_send picture "p"): gateway -> actor: a gw_call_t *;
//  actor -> gateway: the same gw_call_t * with outcome set, or, unasked, a
//  notice (op GW_OP_NOTICE, call_id 0: a position changed at the broker by
//  itself; the paper broker's stop filled). Stop the actor
//  with gw_broker_destroy: calls not yet handed back (queued, in flight, or
//  answered but not read) are then destroyed, not returned, and transfers in
//  flight are aborted; the gateway learns their fate by reconciling with the
//  broker when it starts again. (A plain zactor_destroy works too, but leaks
//  the calls answered and not yet read.)

#ifndef GW_BROKER_H_INCLUDED
#define GW_BROKER_H_INCLUDED

#include <czmq.h>

#include "gw_call.h"
#include "tw_config.h"

//  Stops and destroys a broker started by gw_broker_new and nulls *self_p;
//  safe on NULL. Destroys every call not yet received from the pipe (see the
//  pipe protocol above). Waits for the actor at most GW_BROKER_STOP_TIMEOUT_MS
//  before it falls back on zactor_destroy.
void gw_broker_destroy (zactor_t **self_p);

//  Starts the broker named by [gateway] broker ("paper" or "fyers"). Returns
//  NULL (logged) when the configuration is unusable: unknown broker, fyers
//  without FYERS_APP_ID / FYERS_ACCESS_TOKEN in the environment.
zactor_t *gw_broker_new (tw_config_t *config);

#endif
