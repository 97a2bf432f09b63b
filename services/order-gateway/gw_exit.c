//  gw_exit - see gw_exit.h. s_step is the state machine of
//  docs/design.md §4, one case per row of its table.

#include "gw_exit.h"
#include "gw_mismatch.h"
#include "gw_retry.h"
#include "tw_clock.h"
#include "tw_log.h"

#include <string.h>

struct _gw_exits_t {
    gw_store_t *store;
    gw_events_t *events;
    gw_jobs_t *jobs;
    gw_exit_settings_t settings;
    zhashx_t *table; //  position id -> gw_exit_t *
    bool pushes;     //  the order socket is up: exits wait for its pushes
    uint64_t closed;
    uint64_t failed;
};

//  One exit, from the accepted close until closed or failed.
typedef struct {
    gw_exits_t *exits;
    gw_exit_state_t state;
    char id[TW_ID_MAX];
    char reason[TW_REASON_MAX];
    tw_side_t side;
    int attempts;      //  exit orders sent for this close so far (durable: exit_attempts)
    int attempt_base;  //  attempt rows of this life before this close began
    int confirm_polls; //  positions reads after code 201
    int verify_reads;  //  failed verification reads
    char last_error[TW_TEXT_MAX];
    int64_t started_ms; //  monotonic, for the latency in the log line
    char symbol[TW_SYMBOL_MAX];
    char product[TW_PRODUCT_MAX];
    double fill_price; //  the exit order's own price when its reply gave one (paper), else 0
    double read_price; //  the closing side's average from the last positions read or push
    double multiplier; //  the contract multiplier from the last positions read or push
    int64_t qty;
    char moved_to[TW_ID_MAX];     //  S_READ_MOVED: the broker's id that holds the symbol now
    bool waiting;                 //  on its timer (not on a broker call)
    bool pushed;                  //  the order socket pushed the position since the exit began
    int64_t pushed_net;           //  its last pushed net quantity
    double pushed_price;          //  the newest closing fill the socket pushed, 0 when none
    char pushed_order[TW_ID_MAX]; //  that fill's order id
} gw_exit_t;

//  What happened to an exit: a broker result or its timer.
typedef enum {
    S_OK = 1,        //  exit order: done
    S_PENDING,       //  exit order: placed, not filled (code 201)
    S_AMBIGUOUS,     //  exit order: may have been applied
    S_RETRYABLE,     //  exit order: not applied, may be tried again
    S_FINAL,         //  exit order: refused for good
    S_READ_FLAT,     //  positions read: flat at the broker
    S_READ_OPEN,     //  positions read: still open at the broker
    S_READ_FAILED,   //  positions read failed
    S_TIMER,         //  the wait is over
    S_ORDERS,        //  order book read (for this exit's own fill price)
    S_ORDERS_FAILED, //  order book read failed
    S_READ_MOVED,    //  positions read: flat at its id, the symbol held under another product
    S_PUSH_FLAT,     //  order socket: the position at net quantity 0
    S_PUSH_FILL      //  order socket: a filled order of the position on the closing side
} s_input_t;

static const char *s_input_names[] = {
    "",           "ok",        "pending",     "ambiguous", "retryable", "final",
    "read_flat",  "read_open", "read_failed", "timer",     "orders",    "orders_failed",
    "read_moved", "push_flat", "push_fill"};

const char *
gw_exit_state_name (gw_exit_state_t state)
{
    switch (state) {
    case GW_EXIT_SENDING:
        return "sending";
    case GW_EXIT_VERIFYING:
        return "verifying";
    case GW_EXIT_CONFIRMING:
        return "confirming";
    case GW_EXIT_PRICING:
        return "pricing";
    case GW_EXIT_BACKING_OFF:
        return "backing_off";
    case GW_EXIT_CLOSED:
        return "closed";
    case GW_EXIT_FAILED:
        return "failed";
    }
    return "";
}

static void s_on_call (void *owner, gw_call_t *call);
static void s_on_timer (void *owner);

static void
s_exit_destroy (void **item)
{
    gw_exit_t *exit = (gw_exit_t *) *item;
    gw_jobs_cancel (exit->exits->jobs, exit);
    free (exit);
    *item = NULL;
}

static void
s_forget (gw_exit_t *exit)
{
    zhashx_delete (exit->exits->table, exit->id); //  destroys exit
}

//  Reads the live row of the exit's position. Returns 0, or -1 (logged, the
//  exit forgotten) when it is gone, which only a broken store can cause.
static int
s_row (gw_exit_t *exit, gw_position_row_t *row)
{
    if (gw_store_get_position (exit->exits->store, exit->id, row) == 0)
        return 0;
    tw_error ("exit lost its position id=%s", exit->id);
    s_forget (exit);
    return -1;
}

//  --- The actions ---------------------------------------------------------

//  Commits the close at exit_price and publishes position_closed: -> closed.
static void
s_close (gw_exit_t *exit, double exit_price)
{
    gw_position_row_t row;
    if (s_row (exit, &row) != 0)
        return;
    gw_change_t change = {.type = TW_MSG_POSITION_CLOSED, .position = &row, .close = true};
    snprintf (change.extra.reason, sizeof change.extra.reason, "%s", exit->reason);
    change.extra.exit_price = exit_price;
    change.extra.attempts = exit->attempts;
    change.multiplier = exit->multiplier;
    if (gw_events_commit (exit->exits->events, &change) != 0) {
        tw_error ("exit close not recorded id=%s: the position stays closing until restart",
                  exit->id);
        return;
    }
    exit->state = GW_EXIT_CLOSED;
    exit->exits->closed++;
    tw_info ("exit closed id=%s reason=\"%s\" attempts=%d exit_price=%.2f pnl=%.2f "
             "latency_ms=%lld",
             exit->id, exit->reason, exit->attempts, exit_price, change.extra.pnl,
             (long long) (tw_clock_mono_ms () - exit->started_ms));
    s_forget (exit);
}

//  Commits exit_failed (the position back to OPEN, exit_failed set): -> failed.
static void
s_fail (gw_exit_t *exit, const char *error)
{
    gw_position_row_t row;
    if (s_row (exit, &row) != 0)
        return;
    row.pos.state = TW_STATE_OPEN;
    row.pos.exit_failed = true;
    row.exit_attempts = exit->attempts;
    row.last_exit_failed_ms = tw_clock_wall_ns () / TW_NS_PER_MS;
    gw_change_t change = {.type = TW_MSG_EXIT_FAILED, .position = &row};
    snprintf (change.extra.reason, sizeof change.extra.reason, "%s", exit->reason);
    snprintf (change.extra.error, sizeof change.extra.error, "%s", error);
    change.extra.attempts = exit->attempts;
    if (gw_events_commit (exit->exits->events, &change) != 0)
        tw_error ("exit failure not recorded id=%s", exit->id);
    exit->state = GW_EXIT_FAILED;
    exit->exits->failed++;
    tw_error ("exit failed id=%s reason=\"%s\" attempts=%d error=\"%s\"", exit->id, exit->reason,
              exit->attempts, error);
    s_forget (exit);
}

//  Reads the broker's positions in state.
static void
s_read (gw_exit_t *exit, gw_exit_state_t state)
{
    exit->state = state;
    exit->waiting = false;
    gw_call_t *call = gw_call_new (GW_OP_POSITIONS);
    snprintf (call->position_id, sizeof call->position_id, "%s", exit->id);
    gw_jobs_call (exit->exits->jobs, call, s_on_call, exit);
}

//  Reads the order book for the exit's own fill price: -> pricing.
static void
s_read_orders (gw_exit_t *exit)
{
    exit->state = GW_EXIT_PRICING;
    exit->waiting = false;
    gw_call_t *call = gw_call_new (GW_OP_ORDERS);
    snprintf (call->position_id, sizeof call->position_id, "%s", exit->id);
    gw_jobs_call (exit->exits->jobs, call, s_on_call, exit);
}

//  Waits delay_ms in state.
static void
s_wait (gw_exit_t *exit, gw_exit_state_t state, int64_t delay_ms)
{
    exit->state = state;
    exit->waiting = true;
    gw_jobs_later (exit->exits->jobs, exit, delay_ms, s_on_timer);
}

//  Flat at the broker: closed at the exit order's own price when its reply
//  or the order socket gave one; else, while the socket is up, waits for
//  its push of the fill (at most exit_confirm_interval_ms), else reads the
//  order book for it: -> pricing.
static void
s_flat (gw_exit_t *exit)
{
    if (exit->fill_price > 0)
        s_close (exit, exit->fill_price);
    else if (exit->pushed_price > 0)
        s_close (exit, exit->pushed_price);
    else if (exit->exits->pushes)
        s_wait (exit, GW_EXIT_PRICING, exit->exits->settings.confirm_interval_ms);
    else
        s_read_orders (exit);
}

//  True when the order socket's last push of the position was flat.
static bool
s_pushed_flat (const gw_exit_t *exit)
{
    return exit->pushed && exit->pushed_net == 0;
}

//  The exit order is placed: flat already when the socket said so; else
//  waits for the socket's push (the timer falls back on reading positions)
//  while it is up, or reads positions now (read_now) or after the wait:
//  -> confirming.
static void
s_confirm (gw_exit_t *exit, bool read_now)
{
    exit->confirm_polls = 0;
    if (s_pushed_flat (exit))
        s_flat (exit);
    else if (read_now && !exit->exits->pushes)
        s_read (exit, GW_EXIT_CONFIRMING);
    else
        s_wait (exit, GW_EXIT_CONFIRMING, exit->exits->settings.confirm_interval_ms);
}

//  The attempt row of attempt n of this close, as recorded before its
//  order leaves: outcome "sent" until the broker's answer overwrites it.
static gw_attempt_row_t
s_attempt_row (const gw_exit_t *exit, int n)
{
    gw_attempt_row_t attempt = {0};
    snprintf (attempt.position_id, sizeof attempt.position_id, "%s", exit->id);
    attempt.attempt = exit->attempt_base + n;
    attempt.started_ms = tw_clock_wall_ns () / TW_NS_PER_MS;
    snprintf (attempt.outcome, sizeof attempt.outcome, "sent");
    return attempt;
}

//  Sends the exit order of the attempt already recorded: -> sending.
static void
s_send_order (gw_exit_t *exit)
{
    exit->state = GW_EXIT_SENDING;
    gw_call_t *call = gw_call_new (GW_OP_EXIT);
    snprintf (call->position_id, sizeof call->position_id, "%s", exit->id);
    gw_jobs_call (exit->exits->jobs, call, s_on_call, exit);
}

//  Records attempt n+1 durably, the count and its row in one transaction
//  (so that a restart knows an order may be out and goes on counting from
//  it), then sends the exit order: -> sending.
static void
s_send (gw_exit_t *exit)
{
    gw_position_row_t row;
    if (s_row (exit, &row) != 0)
        return;
    row.exit_attempts = exit->attempts + 1;
    gw_attempt_row_t attempt = s_attempt_row (exit, exit->attempts + 1);
    gw_change_t change = {.type = TW_MSG_INVALID, .position = &row, .attempt = &attempt};
    if (gw_events_commit (exit->exits->events, &change) != 0) {
        s_fail (exit, "store error: exit attempt not recorded");
        return;
    }
    exit->attempts++;
    s_send_order (exit);
}

//  The last exit order did not close the position and was not applied:
//  backing_off when attempts are left (the backoff at least Retry-After),
//  else failed.
static void
s_retry_or_fail (gw_exit_t *exit, int64_t at_least_ms)
{
    const gw_exit_settings_t *settings = &exit->exits->settings;
    if (exit->attempts >= settings->max_attempts) {
        s_fail (exit, exit->last_error);
        return;
    }
    int64_t delay = gw_retry_backoff_ms (settings->backoff_ms, exit->attempts, at_least_ms);
    tw_warn ("exit retry id=%s reason=\"%s\" attempt=%d delay_ms=%lld error=\"%s\"", exit->id,
             exit->reason, exit->attempts + 1, (long long) delay, exit->last_error);
    s_wait (exit, GW_EXIT_BACKING_OFF, delay);
}

//  --- The transition function (docs/design.md §4) ---------------------------

//  call is the broker result (NULL for S_TIMER); price is the exit price the
//  result gave (0 when none).
static void
s_step (gw_exit_t *exit, s_input_t input, const gw_call_t *call, double price)
{
    const gw_exit_settings_t *settings = &exit->exits->settings;
    switch (exit->state) {
    case GW_EXIT_SENDING:
        switch (input) {
        case S_OK: //  confirmed by the socket's push or by reading positions -> confirming
            exit->fill_price = price;
            s_confirm (exit, true);
            return;
        case S_PENDING: //  code 201: the socket's push, or wait and read positions -> confirming
            s_confirm (exit, false);
            return;
        case S_AMBIGUOUS: //  never resend blindly -> verifying
            s_read (exit, GW_EXIT_VERIFYING);
            return;
        case S_RETRYABLE: //  -> backing_off, or failed when attempts = max
            s_retry_or_fail (exit, call->retry_after_ms);
            return;
        case S_FINAL: //  -> failed
            s_fail (exit, call->error[0] ? call->error : "broker refused the exit");
            return;
        default:
            break;
        }
        break;
    case GW_EXIT_VERIFYING:
        switch (input) {
        case S_READ_FLAT: //  the exit did reach the broker -> closed, or pricing
            tw_info ("exit verified flat at broker id=%s attempts=%d", exit->id, exit->attempts);
            s_flat (exit);
            return;
        case S_READ_OPEN: //  not applied -> backing_off, or failed when attempts = max
            s_retry_or_fail (exit, 0);
            return;
        case S_READ_MOVED: //  converted at the broker: reported, not closed -> failed
            snprintf (exit->last_error, sizeof exit->last_error,
                      "flat as %s but held as %s at the broker: not closed (position_mismatch)",
                      exit->id, exit->moved_to);
            s_fail (exit, exit->last_error);
            return;
        case S_READ_FAILED: //  wait, read again -> verifying, or failed when reads = max
            exit->verify_reads++;
            snprintf (exit->last_error, sizeof exit->last_error, "cannot verify exit: %.200s",
                      call->error);
            if (exit->verify_reads >= settings->max_attempts)
                s_fail (exit, exit->last_error);
            else
                s_wait (exit, GW_EXIT_VERIFYING,
                        gw_retry_backoff_ms (settings->backoff_ms, exit->verify_reads, 0));
            return;
        case S_TIMER:
            s_read (exit, GW_EXIT_VERIFYING);
            return;
        default:
            break;
        }
        break;
    case GW_EXIT_CONFIRMING:
        switch (input) {
        case S_READ_FLAT: //  -> closed, or pricing
        case S_PUSH_FLAT:
            s_flat (exit);
            return;
        case S_READ_OPEN:
        case S_READ_FAILED: //  wait, read again -> confirming; failed when polls = max
            if (++exit->confirm_polls < settings->confirm_polls)
                s_wait (exit, GW_EXIT_CONFIRMING, settings->confirm_interval_ms);
            else {
                //  The exit order is placed and may still fill: sending another
                //  could reverse the position, so stop and let a person look.
                snprintf (exit->last_error, sizeof exit->last_error,
                          "exit placed but not flat after %d position reads", exit->confirm_polls);
                s_fail (exit, exit->last_error);
            }
            return;
        case S_TIMER:
            s_read (exit, GW_EXIT_CONFIRMING);
            return;
        default:
            break;
        }
        break;
    case GW_EXIT_PRICING:
        switch (input) {
        case S_ORDERS: //  -> closed at this exit's own fill
        case S_PUSH_FILL:
            s_close (exit, price);
            return;
        case S_TIMER: //  no fill pushed: read the order book -> pricing
            s_read_orders (exit);
            return;
        case S_ORDERS_FAILED: //  -> closed at the closing side's average (logged)
            tw_warn ("exit price from the day's average id=%s error=\"%s\"", exit->id, call->error);
            s_close (exit, exit->read_price);
            return;
        default:
            break;
        }
        break;
    case GW_EXIT_BACKING_OFF:
        if (input == S_TIMER) { //  record attempt n+1, send -> sending
            s_send (exit);
            return;
        }
        break;
    case GW_EXIT_CLOSED:
    case GW_EXIT_FAILED:
        break;
    }
    tw_warn ("exit ignored id=%s state=%s input=%s", exit->id, gw_exit_state_name (exit->state),
             s_input_names[input]);
}

//  --- Broker results and timers into inputs ---------------------------------

//  The broker's view of the position: S_READ_FLAT when absent or at zero
//  quantity, else S_READ_OPEN; while verifying an unclear outcome (-352
//  "nothing to exit" among them), flat at its id with the symbol held under
//  another product is S_READ_MOVED, reported as position_mismatch. Keeps
//  the closing side's average and the contract multiplier for the close.
static s_input_t
s_read_input (gw_exit_t *exit, const gw_call_t *call)
{
    if (call->outcome != GW_OUT_OK)
        return S_READ_FAILED;
    tw_position_t pos = {.side = exit->side, .qty = exit->qty};
    snprintf (pos.id, sizeof pos.id, "%s", exit->id);
    snprintf (pos.symbol, sizeof pos.symbol, "%s", exit->symbol);
    const gw_broker_position_t *at_id, *elsewhere;
    gw_held_t held = gw_mismatch_compare (&pos, call, &at_id, &elsewhere);
    if (at_id) {
        exit->read_price = exit->side == TW_SIDE_LONG ? at_id->sell_avg : at_id->buy_avg;
        exit->multiplier = at_id->multiplier;
    }
    if (held == GW_HELD_SAME || held == GW_HELD_DIFFERENT)
        return S_READ_OPEN;
    if (held == GW_HELD_ELSEWHERE && exit->state == GW_EXIT_VERIFYING) {
        snprintf (exit->moved_to, sizeof exit->moved_to, "%s", elsewhere->id);
        gw_mismatch_report (exit->exits->events, &pos, at_id, elsewhere);
        return S_READ_MOVED;
    }
    return S_READ_FLAT;
}

//  True when order id a is newer than b (order ids grow with time,
//  docs/fyers.md §3.4: a longer id is newer, else the greater).
static bool
s_newer_order (const char *a, const char *b)
{
    size_t a_len = strlen (a), b_len = strlen (b);
    return a_len > b_len || (a_len == b_len && strcmp (a, b) > 0);
}

//  True when an order of symbol and product on side is one that closes the
//  exit's position (a product either side leaves out matches).
static bool
s_closes (const gw_exit_t *exit, const char *symbol, const char *product, tw_side_t side)
{
    tw_side_t closing = exit->side == TW_SIDE_LONG ? TW_SIDE_SHORT : TW_SIDE_LONG;
    return side == closing && strcmp (symbol, exit->symbol) == 0
           && (!exit->product[0] || !product[0] || strcmp (product, exit->product) == 0);
}

//  The fill price of this exit's counter order: the newest order of the
//  position's symbol and product on the closing side with a fill (order ids
//  grow with time, docs/fyers.md §3.4). Falls back on the closing side's
//  average when the book has none.
static double
s_own_fill_price (const gw_exit_t *exit, const gw_call_t *call)
{
    const gw_broker_order_t *newest = NULL;
    for (size_t i = 0; i < call->order_count; i++) {
        const gw_broker_order_t *o = &call->orders[i];
        if (o->filled_qty <= 0 || o->traded_price <= 0
            || !s_closes (exit, o->symbol, o->product, o->side))
            continue;
        if (!newest || s_newer_order (o->id, newest->id))
            newest = o;
    }
    if (newest)
        return newest->traded_price;
    tw_warn ("exit price from the day's average id=%s: no fill of its own in the order book",
             exit->id);
    return exit->read_price;
}

//  Writes the broker's answer to one exit order over its attempt row. That
//  row is history, not state (nothing is decided from it, no event goes
//  out), so the answer is written on its own, outside gw_events_commit.
static void
s_record_attempt (gw_exit_t *exit, const gw_call_t *call)
{
    gw_attempt_row_t attempt = {0};
    snprintf (attempt.position_id, sizeof attempt.position_id, "%s", exit->id);
    attempt.attempt = exit->attempt_base + exit->attempts;
    snprintf (attempt.outcome, sizeof attempt.outcome, "%s", gw_outcome_name (call->outcome));
    attempt.http_status = call->http_status;
    attempt.broker_code = call->broker_code;
    snprintf (attempt.error, sizeof attempt.error, "%s", call->error);
    attempt.latency_ms = call->latency_ms;
    if (gw_store_update_attempt (exit->exits->store, &attempt) != 0)
        tw_warn ("exit attempt not recorded id=%s attempt=%d", exit->id, exit->attempts);
}

static void
s_on_call (void *owner, gw_call_t *call)
{
    gw_exit_t *exit = (gw_exit_t *) owner;
    if (call->op == GW_OP_ORDERS) {
        if (call->outcome == GW_OUT_OK)
            s_step (exit, S_ORDERS, call, s_own_fill_price (exit, call));
        else
            s_step (exit, S_ORDERS_FAILED, call, 0);
        return;
    }
    if (call->op != GW_OP_EXIT) {
        s_step (exit, s_read_input (exit, call), call, 0);
        return;
    }
    s_record_attempt (exit, call);
    if (call->error[0])
        snprintf (exit->last_error, sizeof exit->last_error, "%s", call->error);
    s_input_t input = call->outcome == GW_OUT_OK          ? S_OK
                      : call->outcome == GW_OUT_PENDING   ? S_PENDING
                      : call->outcome == GW_OUT_AMBIGUOUS ? S_AMBIGUOUS
                      : call->outcome == GW_OUT_RETRYABLE ? S_RETRYABLE
                                                          : S_FINAL;
    s_step (exit, input, call, call->fill_price);
}

static void
s_on_timer (void *owner)
{
    ((gw_exit_t *) owner)->waiting = false;
    s_step ((gw_exit_t *) owner, S_TIMER, NULL, 0);
}

//  --- The table ---------------------------------------------------------------

gw_exits_t *
gw_exits_new (gw_store_t *store, gw_events_t *events, gw_jobs_t *jobs, tw_config_t *config)
{
    gw_exits_t *self = (gw_exits_t *) zmalloc (sizeof (gw_exits_t));
    self->store = store;
    self->events = events;
    self->jobs = jobs;
    gw_exit_settings_t *s = &self->settings;
    s->max_attempts = (int) tw_config_int (config, "gateway", "exit_max_attempts");
    s->cooldown_ms = tw_config_int (config, "gateway", "exit_retry_cooldown_ms");
    s->backoff_ms = tw_config_int (config, "gateway", "exit_backoff_ms");
    s->confirm_polls = (int) tw_config_int (config, "gateway", "exit_confirm_polls");
    s->confirm_interval_ms = tw_config_int (config, "gateway", "exit_confirm_interval_ms");
    self->table = zhashx_new ();
    assert (self->table);
    zhashx_set_destructor (self->table, s_exit_destroy);
    return self;
}

void
gw_exits_destroy (gw_exits_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_exits_t *self = *self_p;
    zhashx_destroy (&self->table);
    free (self);
    *self_p = NULL;
}

//  The attempt rows of the live life of id so far (0 when unreadable).
static int
s_attempt_rows (gw_exits_t *self, const char *id)
{
    gw_attempt_row_t *rows = NULL;
    size_t count = 0;
    if (gw_store_attempts (self->store, id, &rows, &count) != 0)
        count = 0;
    free (rows);
    return (int) count;
}

static gw_exit_t *
s_exit_new (gw_exits_t *self, const gw_position_row_t *row, const char *reason)
{
    gw_exit_t *exit = (gw_exit_t *) zmalloc (sizeof (gw_exit_t));
    exit->exits = self;
    snprintf (exit->id, sizeof exit->id, "%s", row->pos.id);
    snprintf (exit->reason, sizeof exit->reason, "%s", reason);
    snprintf (exit->symbol, sizeof exit->symbol, "%s", row->pos.symbol);
    snprintf (exit->product, sizeof exit->product, "%s", row->pos.product);
    exit->side = row->pos.side;
    exit->qty = row->pos.qty;
    exit->multiplier = 1;
    exit->started_ms = tw_clock_mono_ms ();
    zhashx_update (self->table, exit->id, exit);
    return exit;
}

tw_ack_status_t
gw_exit_start (gw_exits_t *self, const char *id, const char *reason, const tw_msg_t *ack,
               char *error, size_t error_size)
{
    gw_position_row_t row;
    int found = gw_store_get_position (self->store, id, &row);
    if (found < 0) {
        snprintf (error, error_size, "store error");
        return TW_ACK_REJECTED;
    }
    if (found == 1) {
        gw_position_row_t *history = NULL;
        size_t count = 0;
        gw_store_history (self->store, id, &history, &count);
        free (history);
        if (count > 0)
            return TW_ACK_DUPLICATE; //  already flat: close means "make flat"
        snprintf (error, error_size, "unknown position '%s'", id);
        return TW_ACK_REJECTED;
    }
    if (row.pos.state == TW_STATE_CLOSING || zhashx_lookup (self->table, id))
        return TW_ACK_DUPLICATE;
    int64_t now_ms = tw_clock_wall_ns () / TW_NS_PER_MS;
    if (row.pos.exit_failed && now_ms - row.last_exit_failed_ms < self->settings.cooldown_ms) {
        snprintf (error, error_size, "exit failed %lld ms ago; retry after %lld ms",
                  (long long) (now_ms - row.last_exit_failed_ms),
                  (long long) self->settings.cooldown_ms);
        return TW_ACK_REJECTED;
    }

    //  (start) -> one transaction: CLOSING + reason + req_id + the ack +
    //  attempt 1 (count and row), then the exit order leaves. One fsync
    //  stands between the command and the broker.
    const char *req_id = ack ? ack->req_id : "";
    row.pos.state = TW_STATE_CLOSING;
    row.pos.exit_failed = false;
    snprintf (row.exit_reason, sizeof row.exit_reason, "%s", reason);
    snprintf (row.exit_req_id, sizeof row.exit_req_id, "%s", req_id);
    row.exit_attempts = 1;
    row.exit_started_ms = now_ms;
    //  The exit order's pending_orders_cancel cancels the broker stop
    //  (docs/design.md §4.7): from here its order id is not trusted. Its
    //  tag stays: after an exit_failed gw_stop looks the tag up (an exit
    //  refused before it cancelled anything left the stop working) before
    //  it places a new one, so that two stops never rest for one position.
    row.stop_order_id[0] = 0;
    row.stop_price = 0;
    gw_exit_t probe = {.exits = self, .attempt_base = s_attempt_rows (self, id)};
    snprintf (probe.id, sizeof probe.id, "%s", id);
    gw_attempt_row_t attempt = s_attempt_row (&probe, 1);
    gw_change_t change = {
        .type = TW_MSG_POSITION_CLOSING, .position = &row, .ack = ack, .attempt = &attempt};
    snprintf (change.extra.reason, sizeof change.extra.reason, "%s", reason);
    if (gw_events_commit (self->events, &change) != 0) {
        snprintf (error, error_size, "store error: exit not recorded");
        return TW_ACK_REJECTED;
    }
    tw_info ("exit start id=%s reason=\"%s\" req_id=%s", id, reason, req_id);
    gw_exit_t *exit = s_exit_new (self, &row, reason);
    exit->attempt_base = probe.attempt_base;
    exit->attempts = 1;
    s_send_order (exit);
    return TW_ACK_ACCEPTED;
}

void
gw_exit_resume (gw_exits_t *self, const gw_position_row_t *row)
{
    const char *reason = row->exit_reason[0] ? row->exit_reason : TW_REASON_MANUAL_CLOSE;
    tw_warn ("exit resumed after restart id=%s reason=\"%s\" previous_attempts=%lld", row->pos.id,
             reason, (long long) row->exit_attempts);
    gw_exit_t *exit = s_exit_new (self, row, reason);
    //  The count goes on from the last run: every attempt recorded may have
    //  sent an order, and exit_max_attempts bounds the orders of one close.
    //  Its rows are this close's last ones (count and row are one write).
    exit->attempts = row->exit_attempts > 0 ? (int) row->exit_attempts : 0;
    int rows = s_attempt_rows (self, row->pos.id);
    exit->attempt_base = rows > exit->attempts ? rows - exit->attempts : 0;
    if (exit->attempts >= self->settings.max_attempts) {
        snprintf (exit->last_error, sizeof exit->last_error,
                  "%d exit orders already sent for this close (exit_max_attempts %d)",
                  exit->attempts, self->settings.max_attempts);
        s_fail (exit, exit->last_error);
        return;
    }
    s_send (exit);
}

bool
gw_exit_in_flight (gw_exits_t *self, const char *id)
{
    return zhashx_lookup (self->table, id) != NULL;
}

void
gw_exit_flat_at_broker (gw_exits_t *self, const char *id)
{
    gw_exit_t *exit = (gw_exit_t *) zhashx_lookup (self->table, id);
    if (!exit || exit->state != GW_EXIT_BACKING_OFF)
        return; //  sending, verifying, confirming, pricing: their own read answers
    //  backing_off, broker flat -> read positions instead of sending: verifying.
    tw_info ("exit answered by the broker id=%s: flat before attempt %d, verifying", id,
             exit->attempts + 1);
    gw_jobs_cancel (self->jobs, exit);
    s_read (exit, GW_EXIT_VERIFYING);
}

void
gw_exit_poke (gw_exits_t *self, const char *id)
{
    gw_exit_t *exit = (gw_exit_t *) zhashx_lookup (self->table, id);
    if (!exit || !exit->waiting
        || (exit->state != GW_EXIT_CONFIRMING && exit->state != GW_EXIT_VERIFYING))
        return;
    //  confirming or verifying, waiting -> read now (the timer's row, sooner).
    gw_jobs_cancel (self->jobs, exit);
    s_read (exit, exit->state);
}

void
gw_exits_set_pushes (gw_exits_t *self, bool up)
{
    self->pushes = up;
}

bool
gw_exit_position_pushed (gw_exits_t *self, const gw_broker_position_t *pos)
{
    gw_exit_t *exit = (gw_exit_t *) zhashx_lookup (self->table, pos->id);
    if (!exit)
        return false;
    int64_t net_qty = pos->net_qty;
    exit->pushed = true;
    exit->pushed_net = net_qty;
    if (pos->multiplier > 0)
        exit->multiplier = pos->multiplier;
    double closing_avg = exit->side == TW_SIDE_LONG ? pos->sell_avg : pos->buy_avg;
    if (closing_avg > 0)
        exit->read_price = closing_avg;
    if (!exit->waiting)
        return true; //  sending, or a read in flight: s_confirm or the read answers
    if (exit->state == GW_EXIT_CONFIRMING && net_qty == 0) {
        gw_jobs_cancel (self->jobs, exit); //  confirming, waiting, pushed flat -> closed, pricing
        s_step (exit, S_PUSH_FLAT, NULL, 0);
    }
    else if (exit->state == GW_EXIT_VERIFYING) {
        gw_jobs_cancel (self->jobs, exit); //  verifying, waiting -> read now
        s_read (exit, GW_EXIT_VERIFYING);
    }
    return true;
}

void
gw_exit_fill_pushed (gw_exits_t *self, const char *order_id, const char *symbol,
                     const char *product, tw_side_t side, double price)
{
    if (!(price > 0) || !order_id[0])
        return;
    //  Position ids are <symbol>-<product>: one exit in progress at most
    //  matches, and the exits in progress are few (not the positions).
    gw_exit_t *exit = (gw_exit_t *) zhashx_first (self->table);
    while (exit && !s_closes (exit, symbol, product, side))
        exit = (gw_exit_t *) zhashx_next (self->table);
    if (!exit || (exit->pushed_order[0] && !s_newer_order (order_id, exit->pushed_order)))
        return;
    snprintf (exit->pushed_order, sizeof exit->pushed_order, "%s", order_id);
    exit->pushed_price = price;
    if (exit->waiting && exit->state == GW_EXIT_PRICING) {
        gw_jobs_cancel (self->jobs, exit); //  pricing, waiting, fill pushed -> closed
        s_step (exit, S_PUSH_FILL, NULL, price);
    }
}

size_t
gw_exits_in_flight (gw_exits_t *self)
{
    return zhashx_size (self->table);
}

uint64_t
gw_exits_closed (gw_exits_t *self)
{
    return self->closed;
}

uint64_t
gw_exits_failed (gw_exits_t *self)
{
    return self->failed;
}
