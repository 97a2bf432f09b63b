//  gw_events - every state change of the gateway, written first and
//  published after (docs/design.md §2-§4).
//
//  A change is one SQLite transaction that writes what changed (a position
//  row, a close, a pending open, the ack of the command that asked for it)
//  and takes the next seq; its event goes out on the PUB socket only after
//  the commit, so that a subscriber never sees a state the gateway could
//  lose in a crash. gw_events_commit is the only place that does this.

#ifndef GW_EVENTS_H_INCLUDED
#define GW_EVENTS_H_INCLUDED

#include <czmq.h>

#include "gw_store.h"
#include "tw_proto.h"

typedef struct _gw_events_t gw_events_t;

//  One state change. Unused members are NULL / 0.
typedef struct {
    //  The event published after the commit, with a new seq; TW_MSG_INVALID
    //  for a change that is written and not published (no seq taken).
    tw_msg_type_t type;
    //  The position changed: put as its live row, or, with close set, its
    //  live row closed with extra.reason at extra.exit_price (the P&L is
    //  computed into extra.pnl; the row is updated in place: state CLOSED,
    //  exit_failed cleared). Its pos is the event's pos.
    gw_position_row_t *position;
    bool close;
    //  The contract multiplier the P&L of a close uses (docs/fyers.md §4
    //  qtyMulti_com); 0 means 1.
    double multiplier;
    const gw_pending_row_t *pending_put; //  a pending open to put
    const char *pending_delete;          //  req_id of a pending open to delete
    //  An exit attempt to record against the live row of its position (after
    //  the position is written), so that the attempt count and its row are
    //  one write.
    const gw_attempt_row_t *attempt;
    //  The reply to the command that asked for the change, stored under its
    //  req_id in the same transaction (so that a repeat gets it).
    const tw_msg_t *ack;
    //  A new trading state to write (TW_TRADING_NONE: unchanged).
    tw_trading_state_t trading_state;
    //  The event's other fields: reason, exit_price, pnl, attempts, error;
    //  its pos when position is NULL (order_rejected).
    tw_event_t extra;
} gw_change_t;

//  store and pub are not owned. Replies beyond req_table_max are forgotten.
gw_events_t *gw_events_new (gw_store_t *store, zsock_t *pub, size_t req_table_max);
void gw_events_destroy (gw_events_t **self_p);

//  Writes change in one transaction and, after the commit, publishes its
//  event. Returns 0, or -1 when anything failed: then the transaction is
//  rolled back and nothing is published.
int gw_events_commit (gw_events_t *self, gw_change_t *change);

//  Told of every published change of a position (its event type and the
//  position), after the publish, so that another module can follow the
//  positions without scanning them. It runs inside the committer's call:
//  it must only take note, never act back on the committer.
typedef void (gw_events_listener_fn) (void *arg, tw_msg_type_t type, const tw_position_t *pos);

//  Sets (or, with NULL fn, removes) the one listener.
void gw_events_set_listener (gw_events_t *self, gw_events_listener_fn *fn, void *arg);

//  Publishes a heartbeat at the current seq (nothing written), with the
//  trading state.
void gw_events_heartbeat (gw_events_t *self, tw_trading_state_t trading_state);

//  Stores reply under req_id on its own (replies that change nothing:
//  modify, flatten, duplicates). 0 or 1 (already had one) or -1.
int gw_events_put_reply (gw_events_t *self, const tw_msg_t *reply);

//  P&L of closing pos at exit_price with the contract multiplier (<= 0
//  means 1); 0 when either price is unknown.
double gw_pnl (const tw_position_t *pos, double exit_price, double multiplier);

#endif
