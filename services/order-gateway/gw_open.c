//  gw_open - see gw_open.h. s_step is the open state machine of
//  docs/design.md §4, one case per row of its table.

#include "gw_open.h"
#include "gw_retry.h"
#include "tw_clock.h"
#include "tw_log.h"

#include <inttypes.h>
#include <string.h>

//  Fyers order statuses (docs/fyers.md §3.4).
#define GW_ORDER_CANCELLED 1
#define GW_ORDER_FILLED 2
#define GW_ORDER_REJECTED 5
#define GW_ORDER_EXPIRED 7

//  An open whose outcome is still unknown after open_lookup_polls lookups
//  (and a cancel of its remainder) stays pending and is looked up this many
//  times less often, so that it never eats the rate budget.
#define GW_OPEN_PENDING_SLOWDOWN 4

struct _gw_opens_t {
    gw_store_t *store;
    gw_events_t *events;
    gw_jobs_t *jobs;
    gw_open_settings_t settings;
    gw_open_filled_fn *on_filled;
    void *on_filled_arg;
    zhashx_t *table;   //  req_id -> gw_open_t *
    uint64_t next_tag; //  order tags are unique per epoch
    uint64_t filled;
    uint64_t rejected;
};

//  One open, from the accepted command until filled or rejected.
typedef struct {
    gw_opens_t *opens;
    gw_open_state_t state;
    gw_pending_row_t row;
    int attempts; //  orders sent so far
    int lookups;  //  order book lookups that found it working or could not read it
    char last_error[TW_TEXT_MAX];
    char order_id[TW_ID_MAX]; //  the broker's id of the order, once known
    bool cancel_sent;         //  the remainder was asked to be cancelled
    bool waiting;             //  on its timer (not on a broker call)
} gw_open_t;

//  What happened to an open: a broker result or its timer.
typedef enum {
    S_FILLED = 1,   //  order: filled, price known
    S_PLACED,       //  order: ok without a price, pending or ambiguous
    S_RETRYABLE,    //  order: not placed, may be tried again
    S_FINAL,        //  order: refused for good
    S_FOUND_FILLED, //  lookup: the order filled
    S_NOT_FOUND,    //  lookup: the order never reached the broker
    S_ENDED,        //  lookup: rejected, cancelled or expired
    S_WORKING,      //  lookup: still working, or the book could not be read
    S_TIMER,        //  the wait is over
    S_CANCELLED     //  cancel of the remainder: answered (whatever the answer)
} s_input_t;

static const char *s_input_names[] = {"",        "filled",       "placed",    "retryable",
                                      "final",   "found_filled", "not_found", "ended",
                                      "working", "timer",        "cancelled"};

const char *
gw_open_state_name (gw_open_state_t state)
{
    switch (state) {
    case GW_OPEN_SENDING:
        return "sending";
    case GW_OPEN_LOOKING_UP:
        return "looking_up";
    case GW_OPEN_BACKING_OFF:
        return "backing_off";
    case GW_OPEN_CANCELLING:
        return "cancelling";
    case GW_OPEN_FILLED:
        return "filled";
    case GW_OPEN_REJECTED:
        return "rejected";
    }
    return "";
}

static void s_on_call (void *owner, gw_call_t *call);
static void s_on_timer (void *owner);

static void
s_open_destroy (void **item)
{
    gw_open_t *open = (gw_open_t *) *item;
    gw_jobs_cancel (open->opens->jobs, open);
    free (open);
    *item = NULL;
}

static void
s_position_id (const char *symbol, const char *product, char *id, size_t id_size)
{
    snprintf (id, id_size, "%s-%s", symbol, product);
}

//  --- The actions ---------------------------------------------------------

//  Commits the position of qty (the filled quantity; the order's when 0)
//  with the open's stops (the pending open gone) and publishes
//  position_opened: -> filled.
static void
s_fill (gw_open_t *open, double price, int64_t qty)
{
    gw_opens_t *self = open->opens;
    const gw_pending_row_t *p = &open->row;
    gw_position_row_t row = {0};
    s_position_id (p->symbol, p->product, row.pos.id, sizeof row.pos.id);
    snprintf (row.pos.symbol, sizeof row.pos.symbol, "%s", p->symbol);
    snprintf (row.pos.product, sizeof row.pos.product, "%s", p->product);
    row.pos.side = p->side;
    row.pos.qty = qty > 0 && qty < p->qty ? qty : p->qty;
    row.pos.entry_price = price;
    row.pos.sl = p->sl;
    row.pos.tp = p->tp;
    row.pos.trail = p->trail;
    row.pos.state = TW_STATE_OPEN;
    row.trail_anchor = price;
    row.opened_ts = tw_clock_wall_ns ();
    snprintf (row.order_tag, sizeof row.order_tag, "%s", p->order_tag);
    gw_change_t change = {
        .type = TW_MSG_POSITION_OPENED, .position = &row, .pending_delete = p->req_id};
    if (gw_events_commit (self->events, &change) != 0) {
        tw_error ("open fill not recorded id=%s req_id=%s: reconciled at restart", row.pos.id,
                  p->req_id);
        zhashx_delete (self->table, p->req_id);
        return;
    }
    open->state = GW_OPEN_FILLED;
    self->filled++;
    tw_info ("open filled id=%s side=%s qty=%" PRId64 " of %" PRId64
             " price=%.2f sl=%.2f tp=%.2f attempts=%d",
             row.pos.id, tw_side_name (row.pos.side), row.pos.qty, p->qty, price, row.pos.sl,
             row.pos.tp, open->attempts);
    int64_t accepted_ms = p->created_ms;
    zhashx_delete (self->table, p->req_id); //  destroys open
    if (self->on_filled)
        self->on_filled (self->on_filled_arg, &row.pos, accepted_ms);
}

//  Deletes the pending open and publishes order_rejected: -> rejected.
static void
s_reject (gw_open_t *open, const char *error)
{
    gw_opens_t *self = open->opens;
    const gw_pending_row_t *p = &open->row;
    gw_change_t change = {.type = TW_MSG_ORDER_REJECTED, .pending_delete = p->req_id};
    tw_event_t *event = &change.extra;
    s_position_id (p->symbol, p->product, event->pos.id, sizeof event->pos.id);
    snprintf (event->pos.symbol, sizeof event->pos.symbol, "%s", p->symbol);
    snprintf (event->pos.product, sizeof event->pos.product, "%s", p->product);
    event->pos.side = p->side;
    event->pos.qty = p->qty;
    snprintf (event->error, sizeof event->error, "%s", error);
    if (gw_events_commit (self->events, &change) != 0)
        tw_error ("open rejection not recorded req_id=%s", p->req_id);
    open->state = GW_OPEN_REJECTED;
    self->rejected++;
    tw_error ("open rejected symbol=%s req_id=%s attempts=%d error=\"%s\"", p->symbol, p->req_id,
              open->attempts, error);
    zhashx_delete (self->table, p->req_id); //  destroys open
}

//  Sends the market order (again: same tag): -> sending.
static void
s_send (gw_open_t *open)
{
    open->attempts++;
    open->state = GW_OPEN_SENDING;
    gw_call_t *call = gw_call_new (GW_OP_PLACE);
    snprintf (call->symbol, sizeof call->symbol, "%s", open->row.symbol);
    call->side = open->row.side;
    call->qty = open->row.qty;
    snprintf (call->product, sizeof call->product, "%s", open->row.product);
    snprintf (call->order_tag, sizeof call->order_tag, "%s", open->row.order_tag);
    gw_jobs_call (open->opens->jobs, call, s_on_call, open);
}

//  Looks the order up by its tag (only an entry of that tag, symbol, side
//  and quantity matches): -> looking_up.
static void
s_lookup (gw_open_t *open)
{
    open->state = GW_OPEN_LOOKING_UP;
    open->waiting = false;
    gw_call_t *call = gw_call_new (GW_OP_ORDER_BY_TAG);
    snprintf (call->order_tag, sizeof call->order_tag, "%s", open->row.order_tag);
    snprintf (call->symbol, sizeof call->symbol, "%s", open->row.symbol);
    call->side = open->row.side;
    call->qty = open->row.qty;
    gw_jobs_call (open->opens->jobs, call, s_on_call, open);
}

//  Cancels what remains of the working order: -> cancelling.
static void
s_cancel (gw_open_t *open)
{
    open->state = GW_OPEN_CANCELLING;
    open->cancel_sent = true;
    tw_warn ("open still working after lookups req_id=%s order=%s: cancelling the remainder",
             open->row.req_id, open->order_id);
    gw_call_t *call = gw_call_new (GW_OP_CANCEL);
    snprintf (call->order_id, sizeof call->order_id, "%s", open->order_id);
    gw_jobs_call (open->opens->jobs, call, s_on_call, open);
}

static void
s_wait (gw_open_t *open, gw_open_state_t state, int64_t delay_ms)
{
    open->state = state;
    open->waiting = true;
    gw_jobs_later (open->opens->jobs, open, delay_ms, s_on_timer);
}

//  Not placed: backing_off when attempts are left (at least Retry-After),
//  else rejected.
static void
s_retry_or_reject (gw_open_t *open, int64_t at_least_ms)
{
    const gw_open_settings_t *settings = &open->opens->settings;
    if (open->attempts >= settings->max_attempts) {
        s_reject (open, open->last_error);
        return;
    }
    s_wait (open, GW_OPEN_BACKING_OFF,
            gw_retry_backoff_ms (settings->backoff_ms, open->attempts, at_least_ms));
}

//  --- The transition function (docs/design.md §4) ---------------------------

static void
s_step (gw_open_t *open, s_input_t input, const gw_call_t *call)
{
    const gw_open_settings_t *settings = &open->opens->settings;
    switch (open->state) {
    case GW_OPEN_SENDING:
        switch (input) {
        case S_FILLED: //  -> filled
            s_fill (open, call->fill_price, 0);
            return;
        case S_PLACED: //  placed, or maybe: the order book knows -> looking_up
            s_lookup (open);
            return;
        case S_RETRYABLE: //  -> backing_off, or rejected when attempts = max
            s_retry_or_reject (open, call->retry_after_ms);
            return;
        case S_FINAL: //  -> rejected
            s_reject (open, call->error[0] ? call->error : "broker refused the order");
            return;
        default:
            break;
        }
        break;
    case GW_OPEN_LOOKING_UP:
        switch (input) {
        case S_FOUND_FILLED: //  -> filled, with the quantity filled
            s_fill (open, call->fill_price, call->filled_qty);
            return;
        case S_NOT_FOUND: //  never reached the broker: -> backing_off, or rejected
            s_retry_or_reject (open, 0);
            return;
        case S_ENDED: { //  the filled part -> filled; nothing filled -> rejected
            if (call->filled_qty > 0) {
                tw_warn ("open partly filled req_id=%s order=%s filled=%" PRId64 " of %" PRId64
                         " status=%d: keeping the filled part",
                         open->row.req_id, call->order_id, call->filled_qty, open->row.qty,
                         call->order_status);
                s_fill (open, call->fill_price, call->filled_qty);
                return;
            }
            char error[TW_TEXT_MAX];
            snprintf (error, sizeof error, "order %s ended with status %d", call->order_id,
                      call->order_status);
            s_reject (open, error);
            return;
        }
        case S_WORKING: //  wait, look up again; lookups = polls: cancel the remainder
            if (++open->lookups < settings->lookup_polls)
                s_wait (open, GW_OPEN_LOOKING_UP, settings->lookup_interval_ms);
            else if (!open->cancel_sent && open->order_id[0])
                s_cancel (open);
            else {
                //  The broker has not said what happened: the open stays
                //  pending with its stops (a second open of the id is refused)
                //  until the order book does. Never rejected, never resent.
                if (open->lookups == settings->lookup_polls)
                    tw_warn ("open outcome unknown req_id=%s tag=%s: stays pending, looked up "
                             "every %lld ms",
                             open->row.req_id, open->row.order_tag,
                             (long long) (settings->lookup_interval_ms * GW_OPEN_PENDING_SLOWDOWN));
                s_wait (open, GW_OPEN_LOOKING_UP,
                        settings->lookup_interval_ms * GW_OPEN_PENDING_SLOWDOWN);
            }
            return;
        case S_TIMER:
            s_lookup (open);
            return;
        default:
            break;
        }
        break;
    case GW_OPEN_CANCELLING:
        if (input == S_CANCELLED) { //  whatever the answer, the book says: -> looking_up
            s_lookup (open);
            return;
        }
        break;
    case GW_OPEN_BACKING_OFF:
        if (input == S_TIMER) { //  send the order again (same tag) -> sending
            s_send (open);
            return;
        }
        break;
    case GW_OPEN_FILLED:
    case GW_OPEN_REJECTED:
        break;
    }
    tw_warn ("open ignored req_id=%s state=%s input=%s", open->row.req_id,
             gw_open_state_name (open->state), s_input_names[input]);
}

//  --- Broker results and timers into inputs ---------------------------------

static s_input_t
s_input (const gw_call_t *call)
{
    if (call->op == GW_OP_CANCEL)
        return S_CANCELLED;
    if (call->op == GW_OP_PLACE) {
        if (call->outcome == GW_OUT_OK && call->fill_price > 0)
            return S_FILLED;
        if (call->outcome == GW_OUT_OK || call->outcome == GW_OUT_AMBIGUOUS
            || call->outcome == GW_OUT_PENDING)
            return S_PLACED;
        return call->outcome == GW_OUT_RETRYABLE ? S_RETRYABLE : S_FINAL;
    }
    if (call->outcome != GW_OUT_OK)
        return S_WORKING; //  unreadable
    switch (call->order_status) {
    case GW_ORDER_FILLED:
        return S_FOUND_FILLED;
    case 0:
        return S_NOT_FOUND;
    case GW_ORDER_REJECTED:
    case GW_ORDER_CANCELLED:
    case GW_ORDER_EXPIRED:
        return S_ENDED;
    default:
        return S_WORKING;
    }
}

static void
s_on_call (void *owner, gw_call_t *call)
{
    gw_open_t *open = (gw_open_t *) owner;
    if (call->error[0])
        snprintf (open->last_error, sizeof open->last_error, "%s", call->error);
    if ((call->op == GW_OP_PLACE || call->op == GW_OP_ORDER_BY_TAG) && call->order_id[0])
        snprintf (open->order_id, sizeof open->order_id, "%s", call->order_id);
    s_step (open, s_input (call), call);
}

static void
s_on_timer (void *owner)
{
    ((gw_open_t *) owner)->waiting = false;
    s_step ((gw_open_t *) owner, S_TIMER, NULL);
}

//  --- The table ---------------------------------------------------------------

gw_opens_t *
gw_opens_new (gw_store_t *store, gw_events_t *events, gw_jobs_t *jobs, tw_config_t *config,
              gw_open_filled_fn *on_filled, void *arg)
{
    gw_opens_t *self = (gw_opens_t *) zmalloc (sizeof (gw_opens_t));
    self->store = store;
    self->events = events;
    self->jobs = jobs;
    self->on_filled = on_filled;
    self->on_filled_arg = arg;
    gw_open_settings_t *s = &self->settings;
    s->max_attempts = (int) tw_config_int (config, "gateway", "open_max_attempts");
    s->backoff_ms = tw_config_int (config, "gateway", "open_backoff_ms");
    s->lookup_polls = (int) tw_config_int (config, "gateway", "open_lookup_polls");
    s->lookup_interval_ms = tw_config_int (config, "gateway", "open_lookup_interval_ms");
    self->table = zhashx_new ();
    assert (self->table);
    zhashx_set_destructor (self->table, s_open_destroy);
    return self;
}

void
gw_opens_destroy (gw_opens_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_opens_t *self = *self_p;
    zhashx_destroy (&self->table);
    free (self);
    *self_p = NULL;
}

static gw_open_t *
s_open_new (gw_opens_t *self, const gw_pending_row_t *row)
{
    gw_open_t *open = (gw_open_t *) zmalloc (sizeof (gw_open_t));
    open->opens = self;
    open->row = *row;
    zhashx_update (self->table, open->row.req_id, open);
    return open;
}

tw_ack_status_t
gw_open_start (gw_opens_t *self, const tw_msg_t *request, tw_msg_t *reply, char *error,
               size_t error_size)
{
    const tw_open_t *req = &request->u.open;
    const char *product = req->product[0] ? req->product : "INTRADAY";
    char id[TW_ID_MAX];
    s_position_id (req->symbol, product, id, sizeof id);
    snprintf (reply->u.ack.id, sizeof reply->u.ack.id, "%s", id);

    gw_position_row_t row;
    int found = gw_store_get_position (self->store, id, &row);
    if (found != 1) {
        snprintf (error, error_size, found == 0 ? "position '%s' is already open" : "store error",
                  id);
        return TW_ACK_REJECTED;
    }
    for (gw_open_t *o = (gw_open_t *) zhashx_first (self->table); o;
         o = (gw_open_t *) zhashx_next (self->table)) {
        if (strcmp (o->row.symbol, req->symbol) == 0 && strcmp (o->row.product, product) == 0) {
            snprintf (error, error_size, "an open of '%s' is already in progress", id);
            return TW_ACK_REJECTED;
        }
    }
    gw_pending_row_t p = {0};
    snprintf (p.req_id, sizeof p.req_id, "%s", request->req_id);
    snprintf (p.symbol, sizeof p.symbol, "%s", req->symbol);
    p.side = req->side;
    p.qty = req->qty;
    p.sl = req->sl;
    p.tp = req->tp;
    p.trail = req->trail;
    snprintf (p.product, sizeof p.product, "%s", product);
    //  Unique per request: the epoch differs at every start.
    snprintf (p.order_tag, sizeof p.order_tag, "TW%08X%08X",
              (unsigned) (gw_store_epoch (self->store) & 0xFFFFFFFFu), (unsigned) ++self->next_tag);
    snprintf (p.state, sizeof p.state, "sent");
    p.created_ms = tw_clock_wall_ns () / TW_NS_PER_MS;

    //  (start) -> one transaction: the pending open + the ack.
    reply->u.ack.status = TW_ACK_ACCEPTED;
    gw_change_t change = {.type = TW_MSG_INVALID, .pending_put = &p, .ack = reply};
    if (gw_events_commit (self->events, &change) != 0) {
        snprintf (error, error_size, "store error: open not recorded");
        return TW_ACK_REJECTED;
    }
    tw_info ("open start id=%s side=%s qty=%" PRId64 " req_id=%s tag=%s", id, tw_side_name (p.side),
             p.qty, p.req_id, p.order_tag);
    s_send (s_open_new (self, &p));
    return TW_ACK_ACCEPTED;
}

void
gw_open_recover (gw_opens_t *self, const gw_pending_row_t *row)
{
    //  Resolved from the order book, as an ambiguous outcome is; an order
    //  not found there never reached the broker, and is not placed again
    //  after a restart (its attempts count as spent).
    gw_open_t *open = s_open_new (self, row);
    open->attempts = self->settings.max_attempts;
    tw_warn ("open recovering after restart req_id=%s tag=%s: looking it up", row->req_id,
             row->order_tag);
    s_lookup (open);
}

void
gw_open_poke (gw_opens_t *self, const char *order_tag)
{
    for (gw_open_t *o = (gw_open_t *) zhashx_first (self->table); o;
         o = (gw_open_t *) zhashx_next (self->table)) {
        if (strcmp (o->row.order_tag, order_tag) != 0)
            continue;
        //  looking_up, waiting -> look up now (the timer's row, sooner).
        if (o->state == GW_OPEN_LOOKING_UP && o->waiting) {
            gw_jobs_cancel (self->jobs, o);
            s_lookup (o);
        }
        return;
    }
}

bool
gw_opens_pending_id (gw_opens_t *self, const char *id)
{
    char pending_id[TW_ID_MAX];
    for (gw_open_t *o = (gw_open_t *) zhashx_first (self->table); o;
         o = (gw_open_t *) zhashx_next (self->table)) {
        s_position_id (o->row.symbol, o->row.product, pending_id, sizeof pending_id);
        if (strcmp (pending_id, id) == 0)
            return true;
    }
    return false;
}

tw_ack_status_t
gw_open_modify (gw_opens_t *self, const tw_msg_t *request, char *error, size_t error_size)
{
    const tw_modify_t *req = &request->u.modify;
    gw_position_row_t row;
    int found = gw_store_get_position (self->store, req->id, &row);
    if (found != 0) {
        snprintf (error, error_size, found == 1 ? "unknown position '%s'" : "store error", req->id);
        return TW_ACK_REJECTED;
    }
    if (row.pos.state != TW_STATE_OPEN) {
        snprintf (error, error_size, "position '%s' is closing", req->id);
        return TW_ACK_REJECTED;
    }
    if (req->has_sl)
        row.pos.sl = req->sl;
    if (req->has_tp)
        row.pos.tp = req->tp;
    if (req->has_trail)
        row.pos.trail = req->trail;
    gw_change_t change = {.type = TW_MSG_POSITION_UPDATED, .position = &row};
    if (gw_events_commit (self->events, &change) != 0) {
        snprintf (error, error_size, "store error: modify not recorded");
        return TW_ACK_REJECTED;
    }
    tw_info ("modify id=%s sl=%.2f tp=%.2f trail=%.2f req_id=%s", row.pos.id, row.pos.sl,
             row.pos.tp, row.pos.trail, request->req_id);
    return TW_ACK_ACCEPTED;
}

size_t
gw_opens_in_flight (gw_opens_t *self)
{
    return zhashx_size (self->table);
}

uint64_t
gw_opens_filled (gw_opens_t *self)
{
    return self->filled;
}

uint64_t
gw_opens_rejected (gw_opens_t *self)
{
    return self->rejected;
}
