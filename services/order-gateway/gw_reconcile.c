//  gw_reconcile - start-up reconciliation with the broker (DESIGN §5).
//
//  After a restart, what the store says is compared with the broker's
//  positions before any command can change anything:
//    - a live position flat at the broker is closed: with the reason of its
//      exit when it was closing (that exit did reach the broker), else with
//      "Closed at Broker";
//    - a position left closing and still open at the broker resumes its exit;
//    - an open left pending becomes a position when the broker holds it, else
//      order_rejected;
//    - a position open at the broker that the store does not know is adopted
//      (no stops) and published.
//  A failed read is retried until the broker answers; meanwhile the gateway
//  answers ping, status and snapshot and refuses the rest.

#include "gw_gateway.h"
#include "tw_clock.h"
#include "tw_log.h"

#include <inttypes.h>
#include <string.h>

#define GW_RECONCILE_RETRY_MS 2000

void
gw_reconcile_start (gw_t *self)
{
    gw_broker_send (self, gw_call_new (GW_OP_POSITIONS), GW_JOB_RECONCILE, "");
}

static void
s_retry (gw_t *self, void *owner)
{
    (void) owner;
    gw_reconcile_start (self);
}

static gw_broker_position_t *
s_held (gw_call_t *call, const char *id)
{
    for (size_t i = 0; i < call->position_count; i++)
        if (strcmp (call->positions[i].id, id) == 0)
            return &call->positions[i];
    return NULL;
}

void
gw_reconcile_on_call (gw_t *self, gw_call_t *call)
{
    if (call->outcome != GW_OUT_OK) {
        tw_log_limited (&self->bad_log, TW_LOG_WARN,
                        "reconcile cannot read broker positions error=\"%s\" retry_ms=%d",
                        call->error, GW_RECONCILE_RETRY_MS);
        gw_later (self, &self->reconcile_later, GW_RECONCILE_RETRY_MS, s_retry);
        return;
    }
    gw_position_row_t *rows = NULL;
    size_t count = 0;
    gw_pending_row_t *pending = NULL;
    size_t pending_count = 0;
    if (gw_store_list_positions (self->store, &rows, &count) != 0
        || gw_store_list_pending (self->store, &pending, &pending_count) != 0) {
        tw_error ("reconcile cannot read the store");
        free (rows);
        free (pending);
        gw_later (self, &self->reconcile_later, GW_RECONCILE_RETRY_MS, s_retry);
        return;
    }
    int closed = 0, resumed = 0, adopted = 0, recovered = 0;
    zhashx_t *known = zhashx_new (); //  ids we hold a row for
    for (size_t i = 0; i < count; i++) {
        gw_position_row_t *row = &rows[i];
        zhashx_insert (known, row->pos.id, (void *) 1);
        gw_broker_position_t *held = s_held (call, row->pos.id);
        if (!held || held->net_qty == 0) {
            bool closing = row->pos.state == TW_STATE_CLOSING && row->exit_reason[0];
            const char *reason = closing ? row->exit_reason : TW_REASON_CLOSED_AT_BROKER;
            double price = 0;
            if (held)
                price = row->pos.side == TW_SIDE_LONG ? held->sell_avg : held->buy_avg;
            if (gw_commit_close (self, row, reason, price, row->exit_attempts) == 0) {
                closed++;
                tw_info ("exit closed id=%s reason=\"%s\" attempts=%" PRId64
                         " exit_price=%.2f found=reconcile",
                         row->pos.id, reason, row->exit_attempts, price);
            }
        }
        else if (row->pos.state == TW_STATE_CLOSING) {
            gw_exit_resume (self, row);
            resumed++;
        }
        else {
            int64_t qty = held->net_qty < 0 ? -held->net_qty : held->net_qty;
            tw_side_t side = held->net_qty < 0 ? TW_SIDE_SHORT : TW_SIDE_LONG;
            if (qty != row->pos.qty || side != row->pos.side) {
                tw_warn ("reconcile quantity differs id=%s ours=%s/%" PRId64 " broker=%s/%" PRId64
                         ": taking the broker's",
                         row->pos.id, tw_side_name (row->pos.side), row->pos.qty,
                         tw_side_name (side), qty);
                row->pos.qty = qty;
                row->pos.side = side;
                gw_commit_position (self, row, TW_MSG_POSITION_UPDATED, NULL);
            }
        }
    }
    for (size_t i = 0; i < pending_count; i++) {
        char id[TW_ID_MAX];
        snprintf (id, sizeof id, "%s-%s", pending[i].symbol, pending[i].product);
        gw_broker_position_t *held = zhashx_lookup (known, id) ? NULL : s_held (call, id);
        gw_open_recover (self, &pending[i], held);
        if (held && held->net_qty != 0) {
            zhashx_insert (known, id, (void *) 1);
            recovered++;
        }
    }
    for (size_t i = 0; i < call->position_count; i++) {
        gw_broker_position_t *held = &call->positions[i];
        if (held->net_qty == 0 || zhashx_lookup (known, held->id))
            continue;
        gw_position_row_t row = {0};
        snprintf (row.pos.id, sizeof row.pos.id, "%s", held->id);
        snprintf (row.pos.symbol, sizeof row.pos.symbol, "%s", held->symbol);
        snprintf (row.pos.product, sizeof row.pos.product, "%s", held->product);
        row.pos.side = held->net_qty < 0 ? TW_SIDE_SHORT : TW_SIDE_LONG;
        row.pos.qty = held->net_qty < 0 ? -held->net_qty : held->net_qty;
        row.pos.entry_price = held->avg_price;
        row.pos.state = TW_STATE_OPEN;
        row.opened_ts = tw_clock_wall_ns ();
        if (gw_commit_position (self, &row, TW_MSG_POSITION_OPENED, NULL) == 0) {
            adopted++;
            tw_warn ("reconcile adopted id=%s side=%s qty=%" PRId64 " avg_price=%.2f: no stops set",
                     row.pos.id, tw_side_name (row.pos.side), row.pos.qty, row.pos.entry_price);
        }
    }
    zhashx_destroy (&known);
    free (rows);
    free (pending);
    self->reconciled = true;
    tw_info ("reconciled broker_positions=%zu closed=%d resumed=%d recovered=%d adopted=%d",
             call->position_count, closed, resumed, recovered, adopted);
}
