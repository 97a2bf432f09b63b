//  gw_reconcile - see gw_reconcile.h.

#include "gw_reconcile.h"
#include "tw_clock.h"
#include "tw_log.h"

#include <inttypes.h>
#include <string.h>

#define GW_RECONCILE_RETRY_MS 2000
#define GW_RECONCILE_LOG_INTERVAL_MS 5000

struct _gw_reconcile_t {
    gw_store_t *store;
    gw_events_t *events;
    gw_jobs_t *jobs;
    gw_exits_t *exits;
    gw_opens_t *opens;
    bool done;
    tw_log_limit_t bad_log;
};

static void s_on_call (void *owner, gw_call_t *call);

gw_reconcile_t *
gw_reconcile_new (gw_store_t *store, gw_events_t *events, gw_jobs_t *jobs, gw_exits_t *exits,
                  gw_opens_t *opens)
{
    gw_reconcile_t *self = (gw_reconcile_t *) zmalloc (sizeof (gw_reconcile_t));
    self->store = store;
    self->events = events;
    self->jobs = jobs;
    self->exits = exits;
    self->opens = opens;
    self->bad_log.interval_ms = GW_RECONCILE_LOG_INTERVAL_MS;
    return self;
}

void
gw_reconcile_destroy (gw_reconcile_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_jobs_cancel ((*self_p)->jobs, *self_p);
    free (*self_p);
    *self_p = NULL;
}

bool
gw_reconcile_done (gw_reconcile_t *self)
{
    return self->done;
}

void
gw_reconcile_start (gw_reconcile_t *self)
{
    gw_jobs_call (self->jobs, gw_call_new (GW_OP_POSITIONS), s_on_call, self);
}

static void
s_retry (void *owner)
{
    gw_reconcile_start ((gw_reconcile_t *) owner);
}

static gw_broker_position_t *
s_held (gw_call_t *call, const char *id)
{
    for (size_t i = 0; i < call->position_count; i++)
        if (strcmp (call->positions[i].id, id) == 0)
            return &call->positions[i];
    return NULL;
}

//  Writes row and publishes type for it; 0 or -1.
static int
s_put (gw_reconcile_t *self, gw_position_row_t *row, tw_msg_type_t type)
{
    gw_change_t change = {.type = type, .position = row};
    return gw_events_commit (self->events, &change);
}

//  Closes row at price with reason; 0 or -1.
static int
s_close (gw_reconcile_t *self, gw_position_row_t *row, const char *reason, double price)
{
    gw_change_t change = {.type = TW_MSG_POSITION_CLOSED, .position = row, .close = true};
    snprintf (change.extra.reason, sizeof change.extra.reason, "%s", reason);
    change.extra.exit_price = price;
    change.extra.attempts = row->exit_attempts;
    return gw_events_commit (self->events, &change);
}

static void
s_on_call (void *owner, gw_call_t *call)
{
    gw_reconcile_t *self = (gw_reconcile_t *) owner;
    if (call->outcome != GW_OUT_OK) {
        tw_log_limited (&self->bad_log, TW_LOG_WARN,
                        "reconcile cannot read broker positions error=\"%s\" retry_ms=%d",
                        call->error, GW_RECONCILE_RETRY_MS);
        gw_jobs_later (self->jobs, self, GW_RECONCILE_RETRY_MS, s_retry);
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
        gw_jobs_later (self->jobs, self, GW_RECONCILE_RETRY_MS, s_retry);
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
            if (s_close (self, row, reason, price) == 0) {
                closed++;
                tw_info ("exit closed id=%s reason=\"%s\" attempts=%" PRId64
                         " exit_price=%.2f found=reconcile",
                         row->pos.id, reason, row->exit_attempts, price);
            }
        }
        else if (row->pos.state == TW_STATE_CLOSING) {
            gw_exit_resume (self->exits, row);
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
                s_put (self, row, TW_MSG_POSITION_UPDATED);
            }
        }
    }
    for (size_t i = 0; i < pending_count; i++) {
        //  The order book says what became of it; what the broker holds for
        //  its id meanwhile is that open's, not a position to adopt.
        char id[TW_ID_MAX];
        snprintf (id, sizeof id, "%s-%s", pending[i].symbol, pending[i].product);
        gw_open_recover (self->opens, &pending[i]);
        zhashx_insert (known, id, (void *) 1);
        recovered++;
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
        if (s_put (self, &row, TW_MSG_POSITION_OPENED) == 0) {
            adopted++;
            tw_warn ("reconcile adopted id=%s side=%s qty=%" PRId64 " avg_price=%.2f: no stops set",
                     row.pos.id, tw_side_name (row.pos.side), row.pos.qty, row.pos.entry_price);
        }
    }
    zhashx_destroy (&known);
    free (rows);
    free (pending);
    self->done = true;
    tw_info ("reconciled broker_positions=%zu closed=%d resumed=%d recovered=%d adopted=%d",
             call->position_count, closed, resumed, recovered, adopted);
}
