//  gw_reconcile - the gateway's positions against the broker's
//  (docs/design.md §5): at start-up, then every [gateway]
//  reconcile_interval_ms and whenever asked (gw_reconcile_now: after the
//  order socket reconnects, or when it reports a change).
//
//  At start-up, before any command can change anything:
//    - a position left closing and flat at the broker is closed with the
//      reason of its exit (that exit did reach the broker); still open there,
//      its exit resumes (gw_exit_resume);
//    - an open left pending is looked up in the order book by its tag
//      (gw_open_recover), and what the broker holds for its id is left to it.
//  At start-up and while running, for every live position (an exit in
//  progress answers for its own, except that one waiting to send again is
//  told the broker is flat, gw_exit_flat_at_broker):
//    - flat at the broker -> closed with reason "Closed at Broker";
//    - held with another quantity or side, or flat at its id while the symbol
//      is held under another product (a conversion) -> position_mismatch,
//      once per difference, and nothing else (gw_mismatch);
//    - a position open at the broker that the gateway does not know (and no
//      open in progress or mismatch accounts for) is adopted, without stops.
//  A failed read is retried; until the first one succeeds the gateway answers
//  ping, status and snapshot and refuses the rest (gw_reconcile_done).

#ifndef GW_RECONCILE_H_INCLUDED
#define GW_RECONCILE_H_INCLUDED

#include "gw_events.h"
#include "gw_exit.h"
#include "gw_jobs.h"
#include "gw_open.h"
#include "gw_store.h"

typedef struct _gw_reconcile_t gw_reconcile_t;

//  None of the arguments is owned. interval_ms 0: only at start-up and when
//  asked.
gw_reconcile_t *gw_reconcile_new (gw_store_t *store, gw_events_t *events, gw_jobs_t *jobs,
                                  gw_exits_t *exits, gw_opens_t *opens, int64_t interval_ms);
void gw_reconcile_destroy (gw_reconcile_t **self_p);

//  Asked before an OPEN position found flat at the broker is closed `Closed
//  at Broker`: returns true when it takes the position over (gw_stop: its
//  broker stop fired). at_id is the broker's row of the id, or NULL.
typedef bool (gw_reconcile_flat_fn) (void *arg, const gw_position_row_t *row,
                                     const gw_broker_position_t *at_id);

//  Sets (or, with NULL, clears) the flat hook.
void gw_reconcile_set_flat_hook (gw_reconcile_t *self, gw_reconcile_flat_fn *fn, void *arg);

//  Asks the broker for its positions; the rest follows when they come back.
void gw_reconcile_start (gw_reconcile_t *self);

//  Reconciles as soon as possible (after the read in flight, if any). Does
//  nothing before the start-up reconciliation is done.
void gw_reconcile_now (gw_reconcile_t *self);

//  True once the broker was read and the store brought in line with it.
bool gw_reconcile_done (gw_reconcile_t *self);

//  Reconciliations completed, and position_mismatch events published.
uint64_t gw_reconcile_runs (gw_reconcile_t *self);
uint64_t gw_reconcile_mismatches (gw_reconcile_t *self);

#endif
