//  gw_stop - the broker stop (docs/design.md §4.7): an SL-M order resting at
//  the broker at the stop-loss of every open position that has one, so that
//  the position is protected while tradewire, its feed or its host is down.
//
//  gw_stop_sync brings one position's broker stop in line with the position:
//  placed (opposite side, the position's quantity and product, an order tag
//  of its own written to the store before the order leaves) when the
//  position is OPEN with a stop-loss and has none; moved (PATCH stopPrice)
//  when its stop-loss moved; cancelled when it lost its stop-loss. The
//  broker's order id is kept in the store with the position, so a restart
//  knows it; an outcome the broker did not tell is looked up by the tag
//  before anything is placed again. One broker call per position at a time;
//  what changed meanwhile is synced when the call returns. A stop placed for
//  a position that is no longer OPEN when the answer comes is cancelled.
//
//  An exit cancels the broker stop at the broker (every exit order carries
//  pending_orders_cancel); gw_exit forgets its order id (not its tag) in the
//  transaction that makes the position CLOSING, and after an exit_failed the
//  next sync looks the tag up: still working (the exit was refused before
//  it cancelled anything) -> kept and moved to the stop-loss; ended -> a
//  new one.
//
//  The broker stop firing is seen by reconciliation (gw_stop_flat_at_broker):
//  a position with a broker stop that is flat at the broker is looked up by
//  the stop's tag: filled -> closed `SL Hit` at the stop's own fill price,
//  exactly once (position_closed); otherwise closed `Closed at Broker` as
//  reconciliation would, after cancelling a stop that still works.
//
//  Setting: [fyers] broker_stop (on|off, default on), for either broker (the
//  paper broker simulates the stop).

#ifndef GW_STOP_H_INCLUDED
#define GW_STOP_H_INCLUDED

#include "gw_call.h"
#include "gw_events.h"
#include "gw_jobs.h"
#include "gw_store.h"
#include "tw_config.h"

typedef struct _gw_stops_t gw_stops_t;

//  store, events and jobs are not owned.
gw_stops_t *gw_stops_new (gw_store_t *store, gw_events_t *events, gw_jobs_t *jobs,
                          tw_config_t *config);

//  Forgets the calls in flight (the store keeps every tag, so the next start
//  looks them up). Nulls *self_p; safe on NULL.
void gw_stops_destroy (gw_stops_t **self_p);

//  True when [fyers] broker_stop is on.
bool gw_stops_enabled (gw_stops_t *self);

//  Syncs the broker stop of position id (see above). Does nothing with
//  broker_stop off.
void gw_stop_sync (gw_stops_t *self, const char *id);

//  For the heartbeat. The first call (after the start-up reconciliation)
//  syncs every live position; later calls sync only the positions noted
//  with gw_stop_touch since, and those whose wait (a failed placement's
//  backoff, a look-up's delay) is over: no call reads the whole store
//  again, so a heartbeat costs the same at 10 or 10,000 positions.
void gw_stops_sync_all (gw_stops_t *self);

//  Notes that position id changed by another path (an exit_failed puts it
//  back OPEN without a stop; a close leaves an entry to forget): the next
//  gw_stops_sync_all syncs it. Only takes note; safe from any callback.
void gw_stop_touch (gw_stops_t *self, const char *id);

//  Reconciliation found the OPEN position of row flat at the broker;
//  at_id is the broker's row for its id (NULL when absent). Returns true
//  when the position has a broker stop: this module then closes it (see
//  above) and reconciliation must not. False: reconciliation closes it.
bool gw_stop_flat_at_broker (void *self, const gw_position_row_t *row,
                             const gw_broker_position_t *at_id);

//  Logs every live position: id, symbol, side, qty, stop-loss, and whether a
//  broker stop protects it (for a stopping gateway: what stays open).
void gw_stops_log_open (gw_stops_t *self);

//  Broker stops placed, moved and fired (closed `SL Hit`) since the start.
uint64_t gw_stops_placed (gw_stops_t *self);
uint64_t gw_stops_moved (gw_stops_t *self);
uint64_t gw_stops_fired (gw_stops_t *self);
//  Orphan broker stops (working, with a broker-stop tag no live position
//  holds) found by the start-up sweep and cancelled.
uint64_t gw_stops_orphans (gw_stops_t *self);

#endif
