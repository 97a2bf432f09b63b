//  gw_stop - see gw_stop.h.

#include "gw_stop.h"
#include "gw_retry.h"
#include "tw_clock.h"
#include "tw_log.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

//  Fyers order statuses (docs/fyers.md §3.4).
#define GW_STOP_ORDER_CANCELLED 1
#define GW_STOP_ORDER_FILLED 2
#define GW_STOP_ORDER_TRANSIT 4 //  also "trigger pending"
#define GW_STOP_ORDER_REJECTED 5
#define GW_STOP_ORDER_WORKING 6

//  A placement that failed is tried again after a backoff from this base;
//  after this many failures in a row the stop is given up until the
//  stop-loss moves (the position stays protected by the risk-monitor).
#define GW_STOP_RETRY_BASE_MS 2000
#define GW_STOP_MAX_FAILURES 3
//  An order the broker has not confirmed is looked up this long after.
#define GW_STOP_LOOKUP_DELAY_MS 500
//  Stop prices closer than this are the same (the tick is 0.05 or more).
#define GW_STOP_PRICE_EPSILON 0.001
//  Fyers refuses a price off the symbol's tick (-50, docs/fyers.md §2); the
//  stop goes on this grid (NSE's common tick, a multiple of the 0.01 one),
//  rounded away from the market so that it never triggers before the
//  stop-loss.
#define GW_STOP_TICK 0.05
//  Every broker stop's order tag starts so (then epoch and counter, hex).
#define GW_STOP_TAG_PREFIX "TS"

typedef enum {
    S_IDLE = 0,
    S_PLACING,        //  PLACE of the SL-M order
    S_LOOKING_UP,     //  ORDER_BY_TAG: what became of a placement
    S_MOVING,         //  MODIFY: the stop-loss moved
    S_CANCELLING,     //  CANCEL: the stop-loss was removed
    S_ORPHAN_LOOKUP,  //  ORDER_BY_TAG: did a placement for a position no longer open land?
    S_ORPHAN,         //  CANCEL: a stop placed for a position no longer open
    S_CHECKING_FLAT,  //  ORDER_BY_TAG: flat at the broker: did the stop fire?
    S_CANCELLING_FLAT //  CANCEL: flat at the broker by another hand, the stop still works
} s_action_t;

struct _gw_stops_t {
    gw_store_t *store;
    gw_events_t *events;
    gw_jobs_t *jobs;
    bool enabled;
    bool paper;        //  the paper broker: its stops act only while the gateway runs
    zhashx_t *table;   //  position id -> s_entry_t *
    zhashx_t *touched; //  position ids to sync at the next gw_stops_sync_all
    bool scanned;      //  the first gw_stops_sync_all (every live position) is done
    bool swept;        //  the order book was read once for orphan stops (s_sweep)
    bool sweeping;     //  that read is at the broker
    uint64_t orphans;  //  orphan stops found by the sweep and cancelled
    uint64_t next_tag;
    uint64_t placed;
    uint64_t moved;
    uint64_t fired;
};

//  What this module knows of one position's broker stop beyond the store.
typedef struct {
    gw_stops_t *stops;
    char id[TW_ID_MAX];
    s_action_t action;   //  the broker call in flight, S_IDLE when none
    bool again;          //  sync when the call returns
    int failures;        //  placements and moves that failed in a row
    int64_t retry_at_ms; //  monotonic: no placement before
    double given_up_sl;  //  the stop-loss given up on after GW_STOP_MAX_FAILURES
    bool flat;           //  reconciliation found the position flat at the broker
    double flat_price;   //  the closing side's average there
    double flat_multiplier;
} s_entry_t;

static void s_sync (s_entry_t *entry);
static void s_on_call (void *owner, gw_call_t *call);

static void
s_entry_destroy (void **item)
{
    s_entry_t *entry = (s_entry_t *) *item;
    gw_jobs_cancel (entry->stops->jobs, entry);
    free (entry);
    *item = NULL;
}

static s_entry_t *
s_entry (gw_stops_t *self, const char *id)
{
    s_entry_t *entry = (s_entry_t *) zhashx_lookup (self->table, id);
    if (!entry) {
        entry = (s_entry_t *) zmalloc (sizeof *entry);
        entry->stops = self;
        snprintf (entry->id, sizeof entry->id, "%s", id);
        zhashx_insert (self->table, entry->id, entry);
    }
    return entry;
}

static void
s_forget (s_entry_t *entry)
{
    zhashx_delete (entry->stops->table, entry->id); //  destroys entry
}

//  Writes row (no event: the broker stop is not on the wire); 0 or -1.
static int
s_put (s_entry_t *entry, gw_position_row_t *row)
{
    gw_change_t change = {.type = TW_MSG_INVALID, .position = row};
    if (gw_events_commit (entry->stops->events, &change) == 0)
        return 0;
    tw_error ("broker stop not recorded id=%s", row->pos.id);
    return -1;
}

//  Forgets the broker stop of row (the tag too: the next one is new).
static void
s_clear (s_entry_t *entry, gw_position_row_t *row)
{
    row->stop_tag[0] = 0;
    row->stop_order_id[0] = 0;
    row->stop_price = 0;
    s_put (entry, row);
}

static void
s_failed (s_entry_t *entry, const gw_call_t *call, double sl)
{
    entry->failures++;
    entry->retry_at_ms =
        tw_clock_mono_ms ()
        + gw_retry_backoff_ms (GW_STOP_RETRY_BASE_MS, entry->failures, call->retry_after_ms);
    if (entry->failures >= GW_STOP_MAX_FAILURES) {
        entry->given_up_sl = sl;
        tw_error ("broker stop given up id=%s sl=%.2f failures=%d error=\"%s\": the position is "
                  "protected by tradewire only until its stop-loss moves",
                  entry->id, sl, entry->failures, call->error);
    }
    else
        tw_warn ("broker stop %s failed id=%s outcome=%s error=\"%s\"", gw_op_name (call->op),
                 entry->id, gw_outcome_name (call->outcome), call->error);
}

//  Sends call for entry as action.
static void
s_send (s_entry_t *entry, gw_call_t *call, s_action_t action)
{
    entry->action = action;
    gw_jobs_call (entry->stops->jobs, call, s_on_call, entry);
}

//  A call about the stop order of row: its tag, and the symbol, side
//  (opposite the position) and quantity an order-book match needs.
static gw_call_t *
s_call (gw_op_t op, const gw_position_row_t *row)
{
    gw_call_t *call = gw_call_new (op);
    snprintf (call->symbol, sizeof call->symbol, "%s", row->pos.symbol);
    snprintf (call->product, sizeof call->product, "%s", row->pos.product);
    call->side = row->pos.side == TW_SIDE_LONG ? TW_SIDE_SHORT : TW_SIDE_LONG;
    call->qty = row->pos.qty;
    snprintf (call->order_tag, sizeof call->order_tag, "%s", row->stop_tag);
    snprintf (call->order_id, sizeof call->order_id, "%s", row->stop_order_id);
    return call;
}

//  The broker stop for row's stop-loss (0 when none): on the tick grid, below
//  the stop-loss for a long (a sell stop), above it for a short.
static double
s_stop_price (const gw_position_row_t *row)
{
    if (row->pos.sl <= 0)
        return 0;
    double ticks = row->pos.sl / GW_STOP_TICK;
    ticks = row->pos.side == TW_SIDE_LONG ? floor (ticks + GW_STOP_PRICE_EPSILON)
                                          : ceil (ticks - GW_STOP_PRICE_EPSILON);
    return ticks * GW_STOP_TICK > 0 ? ticks * GW_STOP_TICK : GW_STOP_TICK;
}

static void
s_place (s_entry_t *entry, const gw_position_row_t *row)
{
    gw_call_t *call = s_call (GW_OP_PLACE, row);
    call->stop_price = s_stop_price (row);
    tw_info ("broker stop place id=%s side=%s qty=%" PRId64 " stop=%.2f tag=%s", row->pos.id,
             tw_side_name (call->side), call->qty, call->stop_price, row->stop_tag);
    s_send (entry, call, S_PLACING);
}

//  Closes the position of entry for reason at price (SL Hit: the stop's own
//  fill), once: only while it is OPEN.
static void
s_close (s_entry_t *entry, const char *reason, double price)
{
    gw_position_row_t row;
    if (gw_store_get_position (entry->stops->store, entry->id, &row) != 0
        || row.pos.state != TW_STATE_OPEN) {
        s_forget (entry);
        return;
    }
    gw_change_t change = {.type = TW_MSG_POSITION_CLOSED, .position = &row, .close = true};
    snprintf (change.extra.reason, sizeof change.extra.reason, "%s", reason);
    change.extra.exit_price = price;
    change.extra.attempts = row.exit_attempts;
    change.multiplier = entry->flat_multiplier;
    if (gw_events_commit (entry->stops->events, &change) != 0) {
        tw_error ("close not recorded id=%s reason=\"%s\": reconciled again", entry->id, reason);
        return;
    }
    if (streq (reason, TW_REASON_SL_HIT) || streq (reason, TW_REASON_TRAILING_SL_HIT))
        entry->stops->fired++;
    tw_info ("exit closed id=%s reason=\"%s\" attempts=%" PRId64
             " exit_price=%.2f pnl=%.2f found=broker_stop order=%s",
             entry->id, reason, row.exit_attempts, price, change.extra.pnl, row.stop_order_id);
    s_forget (entry);
}

//  --- Results ------------------------------------------------------------

static bool
s_working (int status)
{
    return status == GW_STOP_ORDER_WORKING || status == GW_STOP_ORDER_TRANSIT;
}

//  A stop order (call: its placement, or a look-up of it) whose position is
//  no longer OPEN: a stop with no position under it would open one the
//  other way when it fires, so it is cancelled if it works, or looked up
//  when its placement is unsure. The exit's pending_orders_cancel may have
//  cancelled it already (then the cancel is refused, harmlessly).
static void
s_orphan (s_entry_t *entry, const gw_call_t *call)
{
    bool placed = call->op == GW_OP_PLACE && call->outcome == GW_OUT_OK && call->order_id[0];
    bool found = call->op == GW_OP_ORDER_BY_TAG && call->outcome == GW_OUT_OK
                 && s_working (call->order_status);
    bool unsure = call->op == GW_OP_PLACE && !placed
                  && (call->outcome == GW_OUT_OK || call->outcome == GW_OUT_PENDING
                      || call->outcome == GW_OUT_AMBIGUOUS);
    gw_op_t op = placed || found ? GW_OP_CANCEL : GW_OP_ORDER_BY_TAG;
    if (!placed && !found && !unsure) {
        if (call->op == GW_OP_ORDER_BY_TAG && call->order_status == GW_STOP_ORDER_FILLED)
            tw_error ("broker stop filled after its position was closed id=%s order=%s: the "
                      "broker may hold the other side; reconciliation reports it",
                      entry->id, call->order_id);
        s_forget (entry);
        return;
    }
    gw_call_t *next = gw_call_new (op);
    snprintf (next->symbol, sizeof next->symbol, "%s", call->symbol);
    snprintf (next->product, sizeof next->product, "%s", call->product);
    next->side = call->side;
    next->qty = call->qty;
    snprintf (next->order_tag, sizeof next->order_tag, "%s", call->order_tag);
    snprintf (next->order_id, sizeof next->order_id, "%s", call->order_id);
    tw_warn ("broker stop for a position no longer open id=%s tag=%s order=%s: %s", entry->id,
             call->order_tag, call->order_id, placed || found ? "cancelling it" : "looking it up");
    s_send (entry, next, placed || found ? S_ORPHAN : S_ORPHAN_LOOKUP);
}

static void
s_placed (s_entry_t *entry, gw_position_row_t *row, const gw_call_t *call)
{
    if (call->outcome == GW_OUT_OK && call->order_id[0]) {
        snprintf (row->stop_order_id, sizeof row->stop_order_id, "%s", call->order_id);
        row->stop_price = call->stop_price;
        if (s_put (entry, row) == 0) {
            entry->stops->placed++;
            entry->failures = 0;
            tw_info ("broker stop placed id=%s order=%s stop=%.2f", entry->id, call->order_id,
                     call->stop_price);
        }
        return;
    }
    if (call->outcome == GW_OUT_OK || call->outcome == GW_OUT_PENDING
        || call->outcome == GW_OUT_AMBIGUOUS) {
        //  Maybe placed: the order book answers (by the tag, kept).
        entry->retry_at_ms = tw_clock_mono_ms () + GW_STOP_LOOKUP_DELAY_MS;
        return;
    }
    //  Not placed: the next one goes with a new tag.
    s_failed (entry, call, s_stop_price (row));
    s_clear (entry, row);
}

static void
s_looked_up (s_entry_t *entry, gw_position_row_t *row, const gw_call_t *call)
{
    if (call->outcome != GW_OUT_OK) {
        entry->retry_at_ms = tw_clock_mono_ms () + GW_STOP_RETRY_BASE_MS;
        return;
    }
    if (call->order_status == 0) {
        if (row->pos.sl > 0 && !row->stop_order_id[0])
            s_place (entry, row); //  never reached the broker: the same tag again
        else if (!row->stop_order_id[0])
            s_clear (entry, row); //  none, and none wanted any more
        return;
    }
    if (s_working (call->order_status) || call->order_status == GW_STOP_ORDER_FILLED) {
        //  Working: adopted (its stop is moved to the stop-loss at the next
        //  sync); filled: the stop fired, reconciliation finds it flat.
        if (strcmp (row->stop_order_id, call->order_id) != 0) {
            snprintf (row->stop_order_id, sizeof row->stop_order_id, "%s", call->order_id);
            row->stop_price = 0;
            s_put (entry, row);
        }
        return;
    }
    if (call->order_status == GW_STOP_ORDER_REJECTED)
        s_failed (entry, call, s_stop_price (row));
    tw_warn ("broker stop ended id=%s order=%s status=%d: a new one follows", entry->id,
             call->order_id, call->order_status);
    s_clear (entry, row);
}

static void
s_flat_checked (s_entry_t *entry, gw_position_row_t *row, const gw_call_t *call)
{
    if (call->outcome != GW_OUT_OK) {
        entry->retry_at_ms = tw_clock_mono_ms () + GW_STOP_RETRY_BASE_MS;
        return; //  the next reconciliation asks again
    }
    if (call->order_status == GW_STOP_ORDER_FILLED) {
        //  With a trailing stop, the stop-loss the broker stop rests at is
        //  the trailing one (the risk-monitor moves it through modify): the
        //  same reason the risk-monitor's close would have given.
        s_close (entry, row->pos.trail > 0 ? TW_REASON_TRAILING_SL_HIT : TW_REASON_SL_HIT,
                 call->fill_price > 0 ? call->fill_price : entry->flat_price);
        return;
    }
    if (s_working (call->order_status)) {
        //  Flat by another hand (the Fyers app, the broker's square-off):
        //  the stop must not fire on a flat position.
        gw_call_t *cancel = s_call (GW_OP_CANCEL, row);
        snprintf (cancel->order_id, sizeof cancel->order_id, "%s", call->order_id);
        s_send (entry, cancel, S_CANCELLING_FLAT);
        return;
    }
    s_close (entry, TW_REASON_CLOSED_AT_BROKER, entry->flat_price);
}

static void
s_on_call (void *owner, gw_call_t *call)
{
    s_entry_t *entry = (s_entry_t *) owner;
    s_action_t action = entry->action;
    entry->action = S_IDLE;
    gw_position_row_t row;
    if (gw_store_get_position (entry->stops->store, entry->id, &row) != 0) {
        if (action == S_PLACING || action == S_ORPHAN_LOOKUP)
            s_orphan (entry, call); //  closed meanwhile
        else {
            if (action == S_ORPHAN && call->outcome != GW_OUT_OK)
                tw_warn ("broker stop of a closed position not cancelled id=%s order=%s "
                         "error=\"%s\"",
                         entry->id, call->order_id, call->error);
            s_forget (entry);
        }
        return;
    }
    bool open = row.pos.state == TW_STATE_OPEN;
    if (!open && (action == S_LOOKING_UP || action == S_MOVING || action == S_CANCELLING))
        return; //  an exit took over: its pending_orders_cancel removes the stop
    switch (action) {
    case S_PLACING:
        if (row.pos.state != TW_STATE_OPEN) {
            s_orphan (entry, call);
            return; //  entry may be gone
        }
        s_placed (entry, &row, call);
        break;
    case S_LOOKING_UP:
        s_looked_up (entry, &row, call);
        break;
    case S_MOVING:
        if (call->outcome == GW_OUT_OK) {
            row.stop_price = call->stop_price;
            if (s_put (entry, &row) == 0) {
                entry->stops->moved++;
                entry->failures = 0;
                tw_info ("broker stop moved id=%s order=%s stop=%.2f", entry->id, row.stop_order_id,
                         row.stop_price);
            }
        }
        else {
            //  Filled, cancelled or unknown meanwhile: the book says which.
            s_failed (entry, call, s_stop_price (&row));
            s_send (entry, s_call (GW_OP_ORDER_BY_TAG, &row), S_LOOKING_UP);
            return;
        }
        break;
    case S_CANCELLING:
        if (call->outcome == GW_OUT_OK) {
            tw_info ("broker stop cancelled id=%s order=%s", entry->id, row.stop_order_id);
            s_clear (entry, &row);
        }
        else {
            s_send (entry, s_call (GW_OP_ORDER_BY_TAG, &row), S_LOOKING_UP);
            return;
        }
        break;
    case S_ORPHAN_LOOKUP:
        s_orphan (entry, call);
        return; //  entry may be gone
    case S_ORPHAN:
        //  The exit's pending_orders_cancel may have cancelled it first.
        if (call->outcome != GW_OUT_OK)
            tw_warn ("broker stop of a position no longer open not cancelled id=%s order=%s "
                     "error=\"%s\"",
                     entry->id, call->order_id, call->error);
        break;
    case S_CHECKING_FLAT:
        s_flat_checked (entry, &row, call);
        return; //  entry may be gone
    case S_CANCELLING_FLAT:
        if (call->outcome != GW_OUT_OK)
            tw_warn ("broker stop of a position flat at the broker not cancelled id=%s "
                     "order=%s error=\"%s\"",
                     entry->id, call->order_id, call->error);
        s_close (entry, TW_REASON_CLOSED_AT_BROKER, entry->flat_price);
        return;
    case S_IDLE:
        break;
    }
    if (entry->again)
        s_sync (entry);
    else //  what the answer leaves to do (a stop ended: a new one) at the next heartbeat
        gw_stop_touch (entry->stops, entry->id);
}

//  --- Sync ---------------------------------------------------------------

static void
s_sync (s_entry_t *entry)
{
    gw_stops_t *self = entry->stops;
    if (entry->action != S_IDLE) {
        entry->again = true;
        return;
    }
    entry->again = false;
    gw_position_row_t row;
    if (gw_store_get_position (self->store, entry->id, &row) != 0) {
        s_forget (entry);
        return;
    }
    int64_t now = tw_clock_mono_ms ();
    if (entry->flat) {
        if (now >= entry->retry_at_ms)
            s_send (entry, s_call (GW_OP_ORDER_BY_TAG, &row), S_CHECKING_FLAT);
        return;
    }
    if (row.pos.state != TW_STATE_OPEN)
        return;
    double want = s_stop_price (&row);
    if (row.stop_order_id[0]) {
        if (want == 0) {
            tw_info ("broker stop cancel id=%s order=%s: no stop-loss", entry->id,
                     row.stop_order_id);
            s_send (entry, s_call (GW_OP_CANCEL, &row), S_CANCELLING);
        }
        else if (fabs (want - row.stop_price) >= GW_STOP_PRICE_EPSILON
                 && now >= entry->retry_at_ms) {
            gw_call_t *call = s_call (GW_OP_MODIFY, &row);
            call->stop_price = want;
            tw_info ("broker stop move id=%s order=%s stop=%.2f -> %.2f", entry->id,
                     row.stop_order_id, row.stop_price, want);
            s_send (entry, call, S_MOVING);
        }
        return;
    }
    if (now < entry->retry_at_ms)
        return;
    if (row.stop_tag[0]) {
        //  Placed before with no answer (a restart, an unsure outcome): the
        //  order book says what became of it before anything is placed.
        s_send (entry, s_call (GW_OP_ORDER_BY_TAG, &row), S_LOOKING_UP);
        return;
    }
    if (want == 0 || (entry->failures >= GW_STOP_MAX_FAILURES && want == entry->given_up_sl))
        return;
    //  The tag is written before the order leaves, so that a restart looks
    //  it up instead of placing a second stop.
    snprintf (row.stop_tag, sizeof row.stop_tag, GW_STOP_TAG_PREFIX "%08X%08X",
              (unsigned) (gw_store_epoch (self->store) & 0xFFFFFFFFu), (unsigned) ++self->next_tag);
    if (s_put (entry, &row) != 0)
        return;
    s_place (entry, &row);
}

//  --- The table ------------------------------------------------------------

gw_stops_t *
gw_stops_new (gw_store_t *store, gw_events_t *events, gw_jobs_t *jobs, tw_config_t *config)
{
    gw_stops_t *self = (gw_stops_t *) zmalloc (sizeof (gw_stops_t));
    self->store = store;
    self->events = events;
    self->jobs = jobs;
    self->enabled = streq (tw_config_str (config, "fyers", "broker_stop"), "on");
    self->paper = streq (tw_config_str (config, "gateway", "broker"), "paper");
    self->table = zhashx_new ();
    self->touched = zhashx_new ();
    assert (self->table && self->touched);
    zhashx_set_destructor (self->table, s_entry_destroy);
    return self;
}

void
gw_stops_destroy (gw_stops_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_stops_t *self = *self_p;
    gw_jobs_cancel (self->jobs, self); //  the sweep and the orphans' cancels
    zhashx_destroy (&self->table);
    zhashx_destroy (&self->touched);
    free (self);
    *self_p = NULL;
}

bool
gw_stops_enabled (gw_stops_t *self)
{
    return self->enabled;
}

void
gw_stop_sync (gw_stops_t *self, const char *id)
{
    if (self->enabled)
        s_sync (s_entry (self, id));
}

//  Every live position: the first sync after the start-up reconciliation
//  (a restart, a stop placed before with no answer).
static void
s_sync_every_position (gw_stops_t *self)
{
    gw_position_row_t *rows = NULL;
    size_t count = 0;
    if (gw_store_list_positions (self->store, &rows, &count) != 0)
        return;
    self->scanned = true;
    for (size_t i = 0; i < count; i++) {
        const gw_position_row_t *row = &rows[i];
        bool wanted = row->pos.state == TW_STATE_OPEN
                      && (row->stop_tag[0] || row->pos.sl > 0 || row->stop_order_id[0]);
        if (wanted || zhashx_lookup (self->table, row->pos.id))
            s_sync (s_entry (self, row->pos.id));
    }
    free (rows);
}

//  The answer to an orphan's cancel: logged.
static void
s_on_orphan_cancelled (void *owner, gw_call_t *call)
{
    (void) owner;
    if (call->outcome == GW_OUT_OK)
        tw_warn ("orphan broker stop cancelled order=%s tag=%s symbol=%s", call->order_id,
                 call->order_tag, call->symbol);
    else
        tw_error ("orphan broker stop not cancelled order=%s tag=%s symbol=%s error=\"%s\": "
                  "cancel it in the Fyers app",
                  call->order_id, call->order_tag, call->symbol, call->error);
}

//  The order book, read once after the start-up sync: a working order with
//  a broker-stop tag that no live position holds (placed by a run that died
//  before it could cancel it, docs/design.md §4.7) could fire and open a
//  position: it is cancelled. The store is read now, not when the book was
//  asked for, so a stop placed meanwhile (its tag is written first) is kept.
static void
s_on_sweep (void *owner, gw_call_t *call)
{
    gw_stops_t *self = (gw_stops_t *) owner;
    self->sweeping = false;
    gw_position_row_t *rows = NULL;
    size_t count = 0;
    if (call->outcome != GW_OUT_OK || gw_store_list_positions (self->store, &rows, &count) != 0) {
        tw_warn ("orphan broker stop sweep failed error=\"%s\": trying again at the next "
                 "heartbeat",
                 call->error);
        return;
    }
    self->swept = true;
    zhashx_t *kept = zhashx_new ();
    assert (kept);
    for (size_t i = 0; i < count; i++)
        if (rows[i].stop_tag[0])
            zhashx_update (kept, rows[i].stop_tag, self);
    for (size_t i = 0; i < call->order_count; i++) {
        const gw_broker_order_t *o = &call->orders[i];
        if (strncmp (o->order_tag, GW_STOP_TAG_PREFIX, strlen (GW_STOP_TAG_PREFIX)) != 0
            || !s_working (o->status) || zhashx_lookup (kept, o->order_tag))
            continue;
        self->orphans++;
        tw_warn ("orphan broker stop found order=%s tag=%s symbol=%s qty=%" PRId64
                 ": no live position holds it, cancelling it",
                 o->id, o->order_tag, o->symbol, o->qty);
        gw_call_t *cancel = gw_call_new (GW_OP_CANCEL);
        snprintf (cancel->order_id, sizeof cancel->order_id, "%s", o->id);
        snprintf (cancel->order_tag, sizeof cancel->order_tag, "%s", o->order_tag);
        snprintf (cancel->symbol, sizeof cancel->symbol, "%s", o->symbol);
        snprintf (cancel->product, sizeof cancel->product, "%s", o->product);
        cancel->side = o->side;
        cancel->qty = o->qty;
        gw_jobs_call (self->jobs, cancel, s_on_orphan_cancelled, self);
    }
    zhashx_destroy (&kept);
    free (rows);
}

static void s_sync_due (gw_stops_t *self);

//  Asks for the order book for s_on_sweep.
static void
s_sweep (gw_stops_t *self)
{
    self->sweeping = true;
    gw_jobs_call (self->jobs, gw_call_new (GW_OP_ORDERS), s_on_sweep, self);
}

void
gw_stops_sync_all (gw_stops_t *self)
{
    if (!self->enabled)
        return;
    if (!self->scanned) {
        zhashx_purge (self->touched);
        s_sync_every_position (self);
    }
    else
        s_sync_due (self);
    //  After the start-up sync; again at the next heartbeat when it failed.
    if (self->scanned && !self->swept && !self->sweeping)
        s_sweep (self);
}

//  Syncs the positions noted with gw_stop_touch and the idle entries whose
//  wait is over (once passed, a wait is the same as none to s_sync, so it
//  is cleared and the entry is not visited again until something new
//  happens to it).
static void
s_sync_due (gw_stops_t *self)
{
    //  Collected first: s_sync may forget entries.
    zlistx_t *due = zlistx_new ();
    assert (due);
    zlistx_set_duplicator (due, (zlistx_duplicator_fn *) strdup);
    zlistx_set_destructor (due, (zlistx_destructor_fn *) zstr_free);
    for (void *item = zhashx_first (self->touched); item; item = zhashx_next (self->touched))
        zlistx_add_end (due, (void *) zhashx_cursor (self->touched));
    zhashx_purge (self->touched);
    int64_t now = tw_clock_mono_ms ();
    for (s_entry_t *entry = (s_entry_t *) zhashx_first (self->table); entry;
         entry = (s_entry_t *) zhashx_next (self->table))
        if (entry->action == S_IDLE && entry->retry_at_ms != 0 && now >= entry->retry_at_ms) {
            entry->retry_at_ms = 0;
            zlistx_add_end (due, entry->id);
        }
    for (const char *id = (const char *) zlistx_first (due); id;
         id = (const char *) zlistx_next (due))
        s_sync (s_entry (self, id));
    zlistx_destroy (&due);
}

void
gw_stop_touch (gw_stops_t *self, const char *id)
{
    if (self->enabled)
        zhashx_update (self->touched, id, self);
}

bool
gw_stop_flat_at_broker (void *arg, const gw_position_row_t *row, const gw_broker_position_t *at_id)
{
    gw_stops_t *self = (gw_stops_t *) arg;
    if (!row->stop_tag[0] && !row->stop_order_id[0])
        return false;
    s_entry_t *entry = s_entry (self, row->pos.id);
    if (!entry->flat) {
        entry->flat = true;
        entry->retry_at_ms = 0;
        entry->flat_price =
            at_id ? (row->pos.side == TW_SIDE_LONG ? at_id->sell_avg : at_id->buy_avg) : 0;
        entry->flat_multiplier = at_id ? at_id->multiplier : 1;
        tw_info ("flat at the broker id=%s with a broker stop tag=%s: looking it up", row->pos.id,
                 row->stop_tag);
    }
    s_sync (entry);
    return true;
}

void
gw_stops_log_open (gw_stops_t *self)
{
    gw_position_row_t *rows = NULL;
    size_t count = 0;
    if (gw_store_list_positions (self->store, &rows, &count) != 0)
        return;
    for (size_t i = 0; i < count; i++) {
        const gw_position_row_t *row = &rows[i];
        const tw_position_t *pos = &row->pos;
        char stop[64];
        snprintf (stop, sizeof stop, "%s stop at %.2f", self->paper ? "paper" : "broker",
                  row->stop_price);
        const char *guard = row->stop_order_id[0]         ? stop
                            : !self->enabled              ? "none (broker_stop=off)"
                            : pos->sl <= 0                ? "none (no stop-loss)"
                            : pos->state != TW_STATE_OPEN ? "none (closing)"
                                                          : "none (not placed)";
        tw_warn ("stopping with an open position id=%s symbol=%s side=%s qty=%" PRId64
                 " sl=%.2f state=%s protected_by=\"%s\"%s%s",
                 pos->id, pos->symbol, tw_side_name (pos->side), pos->qty, pos->sl,
                 tw_state_name (pos->state), guard, row->stop_order_id[0] ? " order=" : "",
                 row->stop_order_id);
    }
    if (count > 0 && self->paper)
        tw_warn ("stopping with %zu open positions: the paper broker runs in the gateway, "
                 "nothing protects them until it is back",
                 count);
    else if (count > 0)
        tw_warn ("stopping with %zu open positions: only their broker stops act until the "
                 "gateway is back",
                 count);
    free (rows);
}

uint64_t
gw_stops_placed (gw_stops_t *self)
{
    return self->placed;
}

uint64_t
gw_stops_moved (gw_stops_t *self)
{
    return self->moved;
}

uint64_t
gw_stops_fired (gw_stops_t *self)
{
    return self->fired;
}

uint64_t
gw_stops_orphans (gw_stops_t *self)
{
    return self->orphans;
}
