//  gw_open - the open path (docs/design.md §4) as an explicit state machine,
//  and modify.
//
//  An accepted open is recorded as a pending open (with a unique order tag)
//  together with the command's ack before the market order is sent; when the
//  broker fills it, the pending open becomes a position of the quantity
//  filled, with the stops asked for, and position_opened is published. An
//  ambiguous outcome is looked up in the broker's order book by the tag
//  instead of being sent twice; a remainder still working after the look-ups
//  is cancelled and the filled part kept; an outcome the broker does not tell
//  keeps the open pending (never orphaned, never sent again); a refused one
//  is published as order_rejected. The transition table is docs/design.md §4; the one
//  function that implements it is s_step in gw_open.c.
//
//  Settings ([gateway]): open_max_attempts, open_backoff_ms,
//  open_lookup_polls, open_lookup_interval_ms.

#ifndef GW_OPEN_H_INCLUDED
#define GW_OPEN_H_INCLUDED

#include "gw_events.h"
#include "gw_jobs.h"
#include "gw_store.h"
#include "tw_config.h"
#include "tw_proto.h"

typedef enum {
    GW_OPEN_SENDING = 1, //  the market order is at the broker
    GW_OPEN_LOOKING_UP,  //  looking the order up by its tag, or waiting to
    GW_OPEN_BACKING_OFF, //  waiting before sending the order again
    GW_OPEN_CANCELLING,  //  cancelling the remainder of an order still working after lookups
    GW_OPEN_FILLED,
    GW_OPEN_REJECTED
} gw_open_state_t;

typedef struct {
    int max_attempts;
    int64_t backoff_ms;
    int lookup_polls;
    int64_t lookup_interval_ms;
} gw_open_settings_t;

//  The opens in progress, keyed by req_id.
typedef struct _gw_opens_t gw_opens_t;

//  Called when an open became a position (after position_opened went out),
//  with the time the open was accepted (wall clock ms). The owner uses it
//  to close at once an open accepted before a flatten that fills after it.
typedef void (gw_open_filled_fn) (void *arg, const tw_position_t *pos, int64_t accepted_ms);

//  Reads the settings from config. store, events and jobs are not owned;
//  on_filled (may be NULL) is called with arg.
gw_opens_t *gw_opens_new (gw_store_t *store, gw_events_t *events, gw_jobs_t *jobs,
                          tw_config_t *config, gw_open_filled_fn *on_filled, void *arg);

//  Abandons the opens in progress (they stay pending in the store, so the
//  next start resolves them). Nulls *self_p; safe on NULL.
void gw_opens_destroy (gw_opens_t **self_p);

//  Starts the open of request. reply is the command's ack (status
//  ACCEPTED): its id is set here, and it is stored with the pending open.
//  Returns ACCEPTED, or REJECTED with error filled.
tw_ack_status_t gw_open_start (gw_opens_t *self, const tw_msg_t *request, tw_msg_t *reply,
                               char *error, size_t error_size);

//  Resolves an open left pending by a previous run from the broker's order
//  book (its tag): filled, or partly filled and ended -> position_opened
//  with the open's stops; ended unfilled or not found -> order_rejected
//  (never placed again); still working -> stays pending (docs/design.md §4).
void gw_open_recover (gw_opens_t *self, const gw_pending_row_t *row);

//  The broker says the order of order_tag changed (the order socket): an
//  open waiting to look it up again looks it up now.
void gw_open_poke (gw_opens_t *self, const char *order_tag);

//  True while an open of position id is in progress (pending).
bool gw_opens_pending_id (gw_opens_t *self, const char *id);

//  Changes the stops of an open position (position_updated). Returns
//  ACCEPTED, or REJECTED with error filled.
tw_ack_status_t gw_open_modify (gw_opens_t *self, const tw_msg_t *request, char *error,
                                size_t error_size);

size_t gw_opens_in_flight (gw_opens_t *self);
uint64_t gw_opens_filled (gw_opens_t *self);
uint64_t gw_opens_rejected (gw_opens_t *self);

const char *gw_open_state_name (gw_open_state_t state);

#endif
