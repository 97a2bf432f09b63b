//  gw_reconcile - see gw_reconcile.h.

#include "gw_reconcile.h"
#include "gw_mismatch.h"
#include "tw_clock.h"
#include "tw_log.h"

#include <inttypes.h>
#include <string.h>

#define GW_RECONCILE_RETRY_MS 2000
#define GW_RECONCILE_LOG_INTERVAL_MS 5000
//  gw_reconcile_now never reads more often than this (the order socket can
//  push many changes at once; docs/fyers.md §6 budgets the account's calls).
#define GW_RECONCILE_MIN_SPACING_MS 200

struct _gw_reconcile_t {
    gw_store_t *store;
    gw_events_t *events;
    gw_jobs_t *jobs;
    gw_exits_t *exits;
    gw_opens_t *opens;
    int64_t interval_ms;
    bool done;            //  the start-up reconciliation is over
    bool reading;         //  a positions read is in flight
    bool again;           //  asked for while a read was in flight
    int64_t read_sent_ts; //  wall clock ns: rows newer than the read are not judged by it
    int64_t read_done_ms; //  monotonic: when the last read came back
    zhashx_t *reported;   //  id -> the mismatch last reported for it (a string)
    uint64_t runs;
    uint64_t mismatches;
    tw_log_limit_t bad_log;
    gw_reconcile_flat_fn *flat_hook;
    void *flat_arg;
};

static void s_on_call (void *owner, gw_call_t *call);

gw_reconcile_t *
gw_reconcile_new (gw_store_t *store, gw_events_t *events, gw_jobs_t *jobs, gw_exits_t *exits,
                  gw_opens_t *opens, int64_t interval_ms)
{
    gw_reconcile_t *self = (gw_reconcile_t *) zmalloc (sizeof (gw_reconcile_t));
    self->store = store;
    self->events = events;
    self->jobs = jobs;
    self->exits = exits;
    self->opens = opens;
    self->interval_ms = interval_ms;
    self->reported = zhashx_new ();
    assert (self->reported);
    zhashx_set_destructor (self->reported, (zhashx_destructor_fn *) zstr_free);
    zhashx_set_duplicator (self->reported, (zhashx_duplicator_fn *) strdup);
    self->bad_log.interval_ms = GW_RECONCILE_LOG_INTERVAL_MS;
    return self;
}

void
gw_reconcile_destroy (gw_reconcile_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_reconcile_t *self = *self_p;
    gw_jobs_cancel (self->jobs, self);
    zhashx_destroy (&self->reported);
    free (self);
    *self_p = NULL;
}

void
gw_reconcile_set_flat_hook (gw_reconcile_t *self, gw_reconcile_flat_fn *fn, void *arg)
{
    self->flat_hook = fn;
    self->flat_arg = arg;
}

bool
gw_reconcile_done (gw_reconcile_t *self)
{
    return self->done;
}

uint64_t
gw_reconcile_runs (gw_reconcile_t *self)
{
    return self->runs;
}

uint64_t
gw_reconcile_mismatches (gw_reconcile_t *self)
{
    return self->mismatches;
}

static void
s_read (gw_reconcile_t *self)
{
    self->reading = true;
    self->again = false;
    self->read_sent_ts = tw_clock_wall_ns ();
    gw_jobs_call (self->jobs, gw_call_new (GW_OP_POSITIONS), s_on_call, self);
}

void
gw_reconcile_start (gw_reconcile_t *self)
{
    s_read (self);
}

static void
s_on_timer (void *owner)
{
    s_read ((gw_reconcile_t *) owner);
}

void
gw_reconcile_now (gw_reconcile_t *self)
{
    if (!self->done)
        return;
    if (self->reading) {
        self->again = true;
        return;
    }
    int64_t wait = self->read_done_ms + GW_RECONCILE_MIN_SPACING_MS - tw_clock_mono_ms ();
    //  The timer (the interval's, or a sooner one) is replaced by this read.
    if (wait > 0)
        gw_jobs_later (self->jobs, self, wait, s_on_timer);
    else {
        gw_jobs_cancel (self->jobs, self);
        s_read (self);
    }
}

//  Writes row and publishes type for it; 0 or -1.
static int
s_put (gw_reconcile_t *self, gw_position_row_t *row, tw_msg_type_t type)
{
    gw_change_t change = {.type = type, .position = row};
    return gw_events_commit (self->events, &change);
}

//  Closes row with reason at the closing side's average of at_id (0 when
//  absent), with its contract multiplier; 0 or -1.
static int
s_close (gw_reconcile_t *self, gw_position_row_t *row, const char *reason,
         const gw_broker_position_t *at_id)
{
    double price = 0;
    if (at_id)
        price = row->pos.side == TW_SIDE_LONG ? at_id->sell_avg : at_id->buy_avg;
    gw_change_t change = {.type = TW_MSG_POSITION_CLOSED, .position = row, .close = true};
    snprintf (change.extra.reason, sizeof change.extra.reason, "%s", reason);
    change.extra.exit_price = price;
    change.extra.attempts = row->exit_attempts;
    change.multiplier = at_id ? at_id->multiplier : 1;
    int rc = gw_events_commit (self->events, &change);
    if (rc == 0)
        tw_info ("exit closed id=%s reason=\"%s\" attempts=%" PRId64
                 " exit_price=%.2f found=reconcile",
                 row->pos.id, reason, row->exit_attempts, price);
    return rc;
}

//  Reports a mismatch of row once per difference. Returns true when the
//  broker's positions of the symbol belong to this mismatch.
static void
s_mismatch (gw_reconcile_t *self, const gw_position_row_t *row, const gw_broker_position_t *at_id,
            const gw_broker_position_t *elsewhere)
{
    char signature[128];
    snprintf (signature, sizeof signature, "%" PRId64 "/%" PRId64 "/%s/%" PRId64,
              row->pos.qty * (int64_t) row->pos.side, at_id ? at_id->net_qty : 0,
              elsewhere ? elsewhere->id : "", elsewhere ? elsewhere->net_qty : 0);
    const char *last = (const char *) zhashx_lookup (self->reported, row->pos.id);
    if (last && streq (last, signature))
        return;
    if (gw_mismatch_report (self->events, &row->pos, at_id, elsewhere) == 0) {
        zhashx_update (self->reported, row->pos.id, signature);
        self->mismatches++;
    }
}

//  One live row against the read. known collects the broker ids it
//  accounts for. Returns 1 when closed, 2 when its exit resumed, else 0.
static int
s_judge (gw_reconcile_t *self, const gw_mismatch_index_t *read, gw_position_row_t *row,
         bool startup, zhashx_t *known)
{
    const gw_broker_position_t *at_id, *elsewhere;
    gw_held_t held = gw_mismatch_compare_indexed (read, &row->pos, &at_id, &elsewhere);
    zhashx_insert (known, row->pos.id, (void *) 1);
    if (startup && row->pos.state == TW_STATE_CLOSING) {
        if (held == GW_HELD_FLAT) {
            const char *reason =
                row->exit_reason[0] ? row->exit_reason : TW_REASON_CLOSED_AT_BROKER;
            return s_close (self, row, reason, at_id) == 0 ? 1 : 0;
        }
        //  Open there (or moved: its exit's verification reports that).
        gw_exit_resume (self->exits, row);
        return 2;
    }
    if (gw_exit_in_flight (self->exits, row->pos.id)) {
        if (held == GW_HELD_FLAT)
            gw_exit_flat_at_broker (self->exits, row->pos.id);
        //  Held under another id (a conversion): the exit's own check
        //  reports the mismatch; that position is this row's, not one to
        //  adopt.
        if (elsewhere)
            zhashx_insert (known, elsewhere->id, (void *) 1);
        return 0;
    }
    if (row->opened_ts > self->read_sent_ts)
        return 0; //  opened after the read left: the read cannot know it
    switch (held) {
    case GW_HELD_SAME:
        zhashx_delete (self->reported, row->pos.id);
        return 0;
    case GW_HELD_FLAT:
        zhashx_delete (self->reported, row->pos.id);
        if (self->flat_hook && self->flat_hook (self->flat_arg, row, at_id))
            return 0; //  its broker stop answers for it
        return s_close (self, row, TW_REASON_CLOSED_AT_BROKER, at_id) == 0 ? 1 : 0;
    case GW_HELD_DIFFERENT:
    case GW_HELD_ELSEWHERE:
        if (elsewhere)
            zhashx_insert (known, elsewhere->id, (void *) 1); //  not a position to adopt
        s_mismatch (self, row, at_id, elsewhere);
        return 0;
    }
    return 0;
}

//  True when a life of id closed after the read in flight was sent.
static bool
s_closed_since (gw_reconcile_t *self, const char *id)
{
    gw_position_row_t *history = NULL;
    size_t count = 0;
    bool since = false;
    if (gw_store_history (self->store, id, &history, &count) == 0 && count > 0)
        since = history[count - 1].closed_ts >= self->read_sent_ts;
    free (history);
    return since;
}

//  Adopts a broker position nobody accounts for; 0 or -1.
static int
s_adopt (gw_reconcile_t *self, const gw_broker_position_t *held)
{
    gw_position_row_t row = {0};
    snprintf (row.pos.id, sizeof row.pos.id, "%s", held->id);
    snprintf (row.pos.symbol, sizeof row.pos.symbol, "%s", held->symbol);
    snprintf (row.pos.product, sizeof row.pos.product, "%s", held->product);
    row.pos.side = held->net_qty < 0 ? TW_SIDE_SHORT : TW_SIDE_LONG;
    row.pos.qty = held->net_qty < 0 ? -held->net_qty : held->net_qty;
    row.pos.entry_price = held->avg_price;
    row.pos.state = TW_STATE_OPEN;
    row.opened_ts = tw_clock_wall_ns ();
    if (s_put (self, &row, TW_MSG_POSITION_OPENED) != 0)
        return -1;
    tw_warn ("reconcile adopted id=%s side=%s qty=%" PRId64 " avg_price=%.2f: no stops set",
             row.pos.id, tw_side_name (row.pos.side), row.pos.qty, row.pos.entry_price);
    return 0;
}

//  Schedules the next run: at once when asked meanwhile, else after the
//  interval (none when it is 0).
static void
s_next (gw_reconcile_t *self, int64_t delay_ms)
{
    self->reading = false;
    self->read_done_ms = tw_clock_mono_ms ();
    if (self->again)
        s_read (self);
    else if (delay_ms > 0)
        gw_jobs_later (self->jobs, self, delay_ms, s_on_timer);
}

static void
s_on_call (void *owner, gw_call_t *call)
{
    gw_reconcile_t *self = (gw_reconcile_t *) owner;
    bool startup = !self->done;
    if (call->outcome != GW_OUT_OK) {
        tw_log_limited (&self->bad_log, TW_LOG_WARN,
                        "reconcile cannot read broker positions error=\"%s\" retry_ms=%d",
                        call->error, GW_RECONCILE_RETRY_MS);
        self->again = false;
        s_next (self,
                startup || self->interval_ms == 0 ? GW_RECONCILE_RETRY_MS : self->interval_ms);
        return;
    }
    gw_position_row_t *rows = NULL;
    size_t count = 0;
    gw_pending_row_t *pending = NULL;
    size_t pending_count = 0;
    if (gw_store_list_positions (self->store, &rows, &count) != 0
        || (startup && gw_store_list_pending (self->store, &pending, &pending_count) != 0)) {
        tw_error ("reconcile cannot read the store");
        free (rows);
        free (pending);
        s_next (self, GW_RECONCILE_RETRY_MS);
        return;
    }
    int closed = 0, resumed = 0, adopted = 0, recovered = 0;
    zhashx_t *known = zhashx_new (); //  broker ids accounted for
    //  Every row against the read: by its index, not a scan per row.
    gw_mismatch_index_t *read = gw_mismatch_index_new (call);
    for (size_t i = 0; i < count; i++) {
        int judged = s_judge (self, read, &rows[i], startup, known);
        closed += judged == 1;
        resumed += judged == 2;
    }
    gw_mismatch_index_destroy (&read);
    for (size_t i = 0; i < pending_count; i++) {
        char id[TW_ID_MAX];
        snprintf (id, sizeof id, "%s-%s", pending[i].symbol, pending[i].product);
        gw_open_recover (self->opens, &pending[i]);
        zhashx_insert (known, id, (void *) 1);
        recovered++;
    }
    for (size_t i = 0; i < call->position_count; i++) {
        const gw_broker_position_t *held = &call->positions[i];
        if (held->net_qty == 0 || zhashx_lookup (known, held->id)
            || gw_opens_pending_id (self->opens, held->id))
            continue;
        //  A position that appeared or closed here after the read left is
        //  not judged by it.
        gw_position_row_t row;
        if (gw_store_get_position (self->store, held->id, &row) == 0
            || s_closed_since (self, held->id))
            continue;
        if (s_adopt (self, held) == 0)
            adopted++;
    }
    zhashx_destroy (&known);
    free (rows);
    free (pending);
    self->runs++;
    if (startup) {
        self->done = true;
        tw_info ("reconciled broker_positions=%zu closed=%d resumed=%d recovered=%d adopted=%d",
                 call->position_count, closed, resumed, recovered, adopted);
    }
    else if (closed || adopted)
        tw_info ("reconciled while running broker_positions=%zu closed=%d adopted=%d",
                 call->position_count, closed, adopted);
    s_next (self, self->interval_ms);
}
