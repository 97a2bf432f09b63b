//  mf_actor - the market-feed service (docs/design.md §1): publishes ticks on
//  [endpoints] feed_pub (PUB, binds, topic tick.<symbol>) from the source
//  [feed] source names, and answers ping on [endpoints] feed_control with
//  the counters ticks_published, rows_skipped (malformed replay rows, every
//  pass counted) and symbols (the synthetic list's length, or the distinct
//  symbols replayed so far).
//
//  Sources: synthetic (mf_synthetic: one tick per symbol every
//  [feed] tick_interval_ms) and replay (mf_replay: each row at its time
//  scaled by [feed] replay_speed, 0 = as fast as possible, again from the
//  top when [feed] replay_loop is true) and fyers (mf_fyers: the Fyers data
//  socket, for [feed] symbols and every symbol the gateway holds a position
//  in, followed through a clone of its positions; the pong then carries the
//  source's counters, see mf_fyers.h, and symbols counts its symbols). A
//  tick's ts is the wall-clock time it was published; a replay file's ts_ms
//  only paces the replay.
//
//  Every tick carries its source (the tick's `source`: fyers, synthetic or
//  replay), so that the risk-monitor and the signal-engine can refuse
//  simulated prices against a live broker (docs/design.md §1); a simulated
//  source while [gateway] broker is fyers is a warning at start.
//
//  The actor is started by tw_service with a tw_service_t * as args; it
//  signals 0 on its pipe once its sockets are bound, or 1 after logging one
//  error line when it cannot start, and it stops on "$TERM".

#ifndef MF_ACTOR_H_INCLUDED
#define MF_ACTOR_H_INCLUDED

#include <czmq.h>

void mf_actor (zsock_t *pipe, void *args);

#endif
