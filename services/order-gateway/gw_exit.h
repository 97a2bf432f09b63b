//  gw_exit - the exit path (docs/design.md §4): one place handles every
//  close, whatever its reason, as an explicit state machine.
//
//  An accepted close makes the position CLOSING (recorded durably with the
//  command's ack and its first attempt, position_closing published), then
//  sends one exit order at a time, each with pending_orders_cancel (a counter
//  order still working from an earlier exit is cancelled first) and each
//  counted durably before it leaves, across restarts. Flat is what the
//  broker's positions say (read, or pushed by its order socket), never what
//  a reply claims; the exit price is the exit's own fill (from the reply on
//  paper, the socket's order push, or the order book). The broker's outcome drives the machine
//  through the states below to closed (position_closed) or failed (back to OPEN with exit_failed
//  set, exit_failed published; a new close is accepted after exit_retry_cooldown_ms). The
//  transition table is docs/design.md §4; the one function that implements it is s_step in
//  gw_exit.c.
//
//  Settings ([gateway]): exit_max_attempts, exit_retry_cooldown_ms,
//  exit_backoff_ms, exit_confirm_polls, exit_confirm_interval_ms.

#ifndef GW_EXIT_H_INCLUDED
#define GW_EXIT_H_INCLUDED

#include "gw_events.h"
#include "gw_jobs.h"
#include "gw_store.h"
#include "tw_config.h"
#include "tw_proto.h"

typedef enum {
    GW_EXIT_SENDING = 1, //  the exit order is at the broker
    GW_EXIT_VERIFYING,   //  reading positions after an ambiguous outcome, or waiting to
    GW_EXIT_CONFIRMING,  //  reading positions (or waiting for the socket's push) after
                         //  the order is placed, or waiting between reads
    GW_EXIT_PRICING,     //  reading the order book (or waiting for the socket's push)
                         //  for the exit price
    GW_EXIT_BACKING_OFF, //  waiting before the next exit order
    GW_EXIT_CLOSED,
    GW_EXIT_FAILED
} gw_exit_state_t;

typedef struct {
    int max_attempts;
    int64_t cooldown_ms;
    int64_t backoff_ms;
    int confirm_polls;
    int64_t confirm_interval_ms;
} gw_exit_settings_t;

//  The exits in progress, keyed by position id.
typedef struct _gw_exits_t gw_exits_t;

//  Reads the settings from config. store, events and jobs are not owned.
gw_exits_t *gw_exits_new (gw_store_t *store, gw_events_t *events, gw_jobs_t *jobs,
                          tw_config_t *config);

//  Abandons the exits in progress (their positions stay CLOSING in the
//  store, so the next start reconciles them). Nulls *self_p; safe on NULL.
void gw_exits_destroy (gw_exits_t **self_p);

//  Starts closing the live position id for reason, or says why not. ack is
//  the reply to the command that asked (stored with the state change under
//  its req_id; NULL for the gateway's own exits). Returns ACCEPTED (the exit
//  is durably recorded and running), DUPLICATE (already closing or closed),
//  or REJECTED with error filled.
tw_ack_status_t gw_exit_start (gw_exits_t *self, const char *id, const char *reason,
                               const tw_msg_t *ack, char *error, size_t error_size);

//  Resumes an exit left CLOSING by a previous run, after the broker was read
//  and the position is still open there.
void gw_exit_resume (gw_exits_t *self, const gw_position_row_t *row);

//  True while an exit of position id is in progress.
bool gw_exit_in_flight (gw_exits_t *self, const char *id);

//  The broker shows position id flat (reconciliation, the order socket): an
//  exit waiting to send its next order reads the positions instead
//  (backing_off -> verifying), so a close in flight is answered, not sent.
//  Exits in other states are left to their own reads.
void gw_exit_flat_at_broker (gw_exits_t *self, const char *id);

//  The broker says position id changed (the order socket): an exit
//  confirming or verifying it that waits to read again reads now.
void gw_exit_poke (gw_exits_t *self, const char *id);

//  The order socket is up (true) or down: while it is up, an exit whose
//  order is placed waits for the socket's pushes of its position and of its
//  fill (each wait at most exit_confirm_interval_ms, then the REST read as
//  without the socket), so that a close reads no whole account.
void gw_exits_set_pushes (gw_exits_t *self, bool up);

//  The order socket pushed the broker's position pos (id, net_qty; the
//  contract multiplier and the day's averages when > 0, for the close and
//  the fallback price, as a positions read gives them). Returns true when an
//  exit of pos->id is in progress: it takes the push (a flat one confirms an
//  exit waiting in confirming; one waiting in verifying reads now), and
//  nothing else needs to look. False: no exit of that id.
bool gw_exit_position_pushed (gw_exits_t *self, const gw_broker_position_t *pos);

//  The order socket pushed order_id filled (status 2) at price, of symbol
//  and product on side (LONG bought, SHORT sold): the exit in progress of
//  that symbol and product that side closes keeps it as its own fill price
//  (the newest order id wins), and one waiting in pricing closes at it.
void gw_exit_fill_pushed (gw_exits_t *self, const char *order_id, const char *symbol,
                          const char *product, tw_side_t side, double price);

size_t gw_exits_in_flight (gw_exits_t *self);
uint64_t gw_exits_closed (gw_exits_t *self);
uint64_t gw_exits_failed (gw_exits_t *self);

const char *gw_exit_state_name (gw_exit_state_t state);

#endif
