//  gw_reconcile - start-up reconciliation with the broker (docs/design.md §5).
//
//  After a restart, what the store says is compared with the broker's
//  positions before any command can change anything:
//    - a live position flat at the broker is closed: with the reason of its
//      exit when it was closing (that exit did reach the broker), else with
//      "Closed at Broker";
//    - a position left closing and still open at the broker resumes its exit
//      (gw_exit_resume);
//    - an open left pending is looked up in the order book by its tag
//      (gw_open_recover), and what the broker holds for its id is left to it;
//    - a position open at the broker that the store does not know is adopted
//      (no stops) and published;
//    - a quantity or side that differs from the broker's is taken from it.
//  A failed read is retried until the broker answers; meanwhile the gateway
//  answers ping, status and snapshot and refuses the rest (gw_reconcile_done).

#ifndef GW_RECONCILE_H_INCLUDED
#define GW_RECONCILE_H_INCLUDED

#include "gw_events.h"
#include "gw_exit.h"
#include "gw_jobs.h"
#include "gw_open.h"
#include "gw_store.h"

typedef struct _gw_reconcile_t gw_reconcile_t;

//  None of the arguments is owned.
gw_reconcile_t *gw_reconcile_new (gw_store_t *store, gw_events_t *events, gw_jobs_t *jobs,
                                  gw_exits_t *exits, gw_opens_t *opens);
void gw_reconcile_destroy (gw_reconcile_t **self_p);

//  Asks the broker for its positions; the rest follows when they come back.
void gw_reconcile_start (gw_reconcile_t *self);

//  True once the broker was read and the store brought in line with it.
bool gw_reconcile_done (gw_reconcile_t *self);

#endif
