//  se_actor - the signal-engine service (docs/design.md §1): runs the model and asks
//  the gateway to open or close ("Model Close").
//
//  External models send `signal` messages to [endpoints] signal_in (a
//  ROUTER; REQ clients). Each valid signal becomes one gateway command:
//  open_long / open_short an `open` (symbol, side, qty, sl, tp, product
//  INTRADAY), close a `close` of position "<symbol>-INTRADAY" with reason
//  "Model Close"; both expire [signal] order_ttl_ms after they are made. The
//  command's req_id is derived from the signal's req_id when it has one (the
//  same signal sent again is the same command, which the gateway does not
//  do twice), else it is new. The model gets an `ack`: the gateway's
//  verdict, or rejected "gateway did not answer" after
//  [signal] command_attempts waits of command_timeout_ms. A malformed
//  signal or another message type gets a rejected ack that says why (with
//  req_id "unknown" when none could be read).
//
//  The built-in strategy ([signal] strategy = sma_cross, se_strategy.h)
//  follows the ticks of [feed] symbols on [endpoints] feed_pub and the
//  gateway's positions through a clone (gateway_pub + gateway_rep), and
//  sends opens of [signal] qty with stops from sl_pct, tp_pct and trail_pct,
//  and closes. The strategy sees only the ticks that pass tw_tickguard
//  (docs/design.md §1): a synthetic or replay tick while [gateway] broker
//  is fyers is refused unless [signal] allow_simulated_feed is true, and a
//  price at or below zero or outside [signal] tick_band_pct of the symbol's
//  last good price is ignored; both are counted and logged rate-limited.
//  External models read the feed themselves: their signals are not
//  filtered.
//
//  Commands go through se_forward: nothing waits for the gateway, so ticks
//  and pings keep flowing. Ping on [endpoints] signal_control answers pong
//  with the counters ticks, signals_in, signals_rejected, opens_sent,
//  closes_sent, acks_accepted, acks_duplicate, acks_rejected, unanswered,
//  resent, strategy_signals, in_flight, synced (the clone, 0 or 1),
//  positions (in the clone), ticks_rejected and simulated_ticks_refused
//  (the strategy's ticks only; 0 without a strategy).
//
//  The actor is started by tw_service with a tw_service_t * as args; it
//  signals 0 on its pipe once its sockets are bound, or 1 after logging one
//  error line when it cannot start (a bad [signal] value included), and it
//  stops on "$TERM". Commands still in flight then are handed back: each
//  waiting model gets a rejected ack saying that the verdict is unknown, and
//  a retry with the same req_id gets the gateway's first verdict.

#ifndef SE_ACTOR_H_INCLUDED
#define SE_ACTOR_H_INCLUDED

#include <czmq.h>

void se_actor (zsock_t *pipe, void *args);

#endif
