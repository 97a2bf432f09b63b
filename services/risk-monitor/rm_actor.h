//  rm_actor - the risk-monitor service (docs/design.md §1): watches the stop-loss,
//  take-profit and trailing stop of every open position on each tick and
//  asks the gateway to close ("SL Hit", "TP Hit", "Trailing SL Hit"), and
//  persists trailing-stop moves with modify. The rules are rm_rules.h; the
//  commands in flight are rm_commands.h.
//
//  Inputs: ticks on [endpoints] feed_pub (SUB, topic prefix "tick."); a
//  clone of the gateway's positions (tw_clone: [endpoints] gateway_pub and
//  gateway_rep), asked for as soon as the gateway is connected (so stops
//  are watched within tens of milliseconds of the start), taken in parts
//  when large, and checked twice a second. A tick costs a lookup of its
//  symbol and the positions of that symbol only (rm_actor.c); every
//  queued tick is read per wake. It owns nothing durable: the
//  positions, their stops and a trailing stop once moved live in the
//  gateway, so a restarted risk-monitor resyncs and carries on. The clone
//  never blocks the loop: a gateway that is down or falls silent only
//  leaves the copy unsynced (its positions dropped) until it is back.
//
//  Commands go to [endpoints] gateway_rep over a DEALER in the same loop, so
//  a slow or absent gateway never blocks a tick: every close carries
//  expires_at = now + [risk] close_ttl_ms (modify likewise); no reply within
//  [risk] command_timeout_ms -> the same request again, up to
//  [risk] command_attempts sends; a rejected close -> no new close for that
//  position for [risk] reject_backoff_ms. A trailing stop at least one tick
//  tighter than the gateway's sl is written with modify, at most once per
//  [risk] trail_modify_interval_ms per position.
//
//  Watchdogs (docs/design.md §1). Every tick passes tw_tickguard first
//  ([risk] allow_simulated_feed, tick_band_pct): a synthetic or replay tick
//  while [gateway] broker is fyers, a price at or below zero, or one
//  outside the band around the symbol's last good price is counted and
//  never acted on. A symbol with an open position and no good tick for
//  [risk] stale_feed_ms (counted from its last good tick, or from when it
//  was first watched) is stale: one error line when it goes stale, an info
//  line when a tick comes back (or when it has no open position left); with
//  [risk] flatten_on_stale_feed its open positions are closed with
//  "Kill Switch" through the same close path (backoff and holds included),
//  again on every check while it stays stale. Checked every quarter of
//  stale_feed_ms (10 ms .. 1 s), while the clone is synced.
//
//  It answers ping on [endpoints] risk_control with the counters ticks
//  (good ticks), positions_watched (open positions in the clone),
//  closes_sent, closes_accepted (accepted or duplicate), closes_rejected,
//  modifies_sent, modifies_accepted, resyncs, synced (0 or 1), unsynced_ms
//  (how long the copy has been unsynced, 0 when synced: every stop is off
//  meanwhile, and tw_clone logs an error every 5 s after 2 s), retries,
//  gave_up,
//  bad_ticks (malformed), bad_replies, ticks_rejected (bad prices),
//  simulated_ticks_refused, stale_symbols and oldest_tick_age_ms (the
//  oldest good-tick age among symbols with an open position; both as of the
//  last staleness check). Malformed ticks, events and replies are counted
//  and logged rate-limited, never acted on.
//
//  The actor is started by tw_service with a tw_service_t * as args; it
//  signals 0 on its pipe once its sockets are up, or 1 after logging why it
//  cannot start, and it stops on "$TERM".

#ifndef RM_ACTOR_H_INCLUDED
#define RM_ACTOR_H_INCLUDED

#include <czmq.h>

void rm_actor (zsock_t *pipe, void *args);

#endif
