//  gw_exit - the exit path (DESIGN §4): one place handles every close,
//  whatever its reason.
//
//  OPEN -> CLOSING (recorded durably, position_closing published) -> one exit
//  order at a time at the broker. Its outcome decides:
//    ok         -> closed (the exit price is read from the broker when the
//                  broker did not give one), position_closed published;
//    pending    -> code 201: read the broker's positions until flat (bounded);
//    ambiguous  -> read the broker's positions BEFORE anything else: flat
//                  means closed (never send again), open means not applied;
//    retryable  -> back off (exponential, jitter, Retry-After) and send again;
//    final      -> stop at once.
//  After exit_max_attempts orders, or a final outcome, the position goes back
//  to OPEN with exit_failed set and exit_failed is published; a new close is
//  accepted after exit_retry_cooldown_ms.

#include "gw_gateway.h"
#include "tw_clock.h"
#include "tw_log.h"

#include <string.h>

#define GW_EXIT_JITTER_DIVISOR 2 //  jitter is up to half the backoff

static void s_attempt (gw_t *self, void *owner);

void
gw_exit_destroy (void **item)
{
    gw_exit_t *exit = (gw_exit_t *) *item;
    gw_later_cancel (&exit->later);
    free (exit);
    *item = NULL;
}

static gw_exit_t *
s_exit_new (gw_t *self, const char *id, const char *reason)
{
    gw_exit_t *exit = (gw_exit_t *) zmalloc (sizeof (gw_exit_t));
    exit->later.gw = self;
    exit->later.timer_id = -1;
    snprintf (exit->id, sizeof exit->id, "%s", id);
    snprintf (exit->reason, sizeof exit->reason, "%s", reason);
    exit->started_ms = tw_clock_mono_ms ();
    zhashx_update (self->exits, exit->id, exit);
    return exit;
}

//  Reads the live row of the exit's position. Returns 0, or -1 (logged) when
//  it is gone, which only a broken store can cause.
static int
s_row (gw_t *self, gw_exit_t *exit, gw_position_row_t *row)
{
    if (gw_store_get_position (self->store, exit->id, row) == 0)
        return 0;
    tw_error ("exit lost its position id=%s", exit->id);
    zhashx_delete (self->exits, exit->id);
    return -1;
}

static void
s_closed (gw_t *self, gw_exit_t *exit, double exit_price)
{
    gw_position_row_t row;
    if (s_row (self, exit, &row) != 0)
        return;
    if (gw_commit_close (self, &row, exit->reason, exit_price, exit->attempts) != 0) {
        tw_error ("exit close not recorded id=%s: the position stays closing until restart",
                  exit->id);
        return;
    }
    self->counters.exits_closed++;
    tw_info ("exit closed id=%s reason=\"%s\" attempts=%d exit_price=%.2f pnl=%.2f "
             "latency_ms=%lld",
             exit->id, exit->reason, exit->attempts, exit_price, gw_pnl (&row.pos, exit_price),
             (long long) (tw_clock_mono_ms () - exit->started_ms));
    zhashx_delete (self->exits, exit->id);
}

static void
s_failed (gw_t *self, gw_exit_t *exit, const char *error)
{
    gw_position_row_t row;
    if (s_row (self, exit, &row) != 0)
        return;
    row.pos.state = TW_STATE_OPEN;
    row.pos.exit_failed = true;
    row.exit_attempts = exit->attempts;
    row.last_exit_failed_ms = tw_clock_wall_ns () / TW_NS_PER_MS;
    tw_event_t extra = {0};
    snprintf (extra.reason, sizeof extra.reason, "%s", exit->reason);
    snprintf (extra.error, sizeof extra.error, "%s", error);
    extra.attempts = exit->attempts;
    if (gw_commit_position (self, &row, TW_MSG_EXIT_FAILED, &extra) != 0)
        tw_error ("exit failure not recorded id=%s", exit->id);
    self->counters.exits_failed++;
    tw_error ("exit failed id=%s reason=\"%s\" attempts=%d error=\"%s\"", exit->id, exit->reason,
              exit->attempts, error);
    zhashx_delete (self->exits, exit->id);
}

static void
s_read_positions (gw_t *self, gw_exit_t *exit, gw_job_kind_t kind)
{
    gw_call_t *call = gw_call_new (GW_OP_POSITIONS);
    snprintf (call->position_id, sizeof call->position_id, "%s", exit->id);
    gw_broker_send (self, call, kind, exit->id);
}

static void
s_confirm (gw_t *self, void *owner)
{
    s_read_positions (self, (gw_exit_t *) owner, GW_JOB_EXIT_CONFIRM);
}

static void
s_verify (gw_t *self, void *owner)
{
    s_read_positions (self, (gw_exit_t *) owner, GW_JOB_EXIT_VERIFY);
}

//  Exponential backoff with jitter, never shorter than the broker asked for.
static int64_t
s_backoff_ms (gw_t *self, int attempts, int64_t at_least_ms)
{
    int64_t delay = self->exit_backoff_ms << (attempts > 1 ? attempts - 1 : 0);
    int64_t jitter_span = delay / GW_EXIT_JITTER_DIVISOR;
    if (jitter_span > 0)
        delay += (int64_t) (random () % jitter_span);
    return delay > at_least_ms ? delay : at_least_ms;
}

//  The last attempt did not close the position and was not applied: send
//  again after a backoff, or give up when the attempts are spent.
static void
s_retry_or_fail (gw_t *self, gw_exit_t *exit, int64_t at_least_ms)
{
    if (exit->attempts >= self->exit_max_attempts) {
        s_failed (self, exit, exit->last_error);
        return;
    }
    int64_t delay = s_backoff_ms (self, exit->attempts, at_least_ms);
    tw_warn ("exit retry id=%s reason=\"%s\" attempt=%d delay_ms=%lld error=\"%s\"", exit->id,
             exit->reason, exit->attempts + 1, (long long) delay, exit->last_error);
    gw_later (self, &exit->later, delay, s_attempt);
}

static void
s_attempt (gw_t *self, void *owner)
{
    gw_exit_t *exit = (gw_exit_t *) owner;
    exit->attempts++;
    //  Written before it is sent, so that a restart knows an order may be out.
    gw_position_row_t row;
    if (s_row (self, exit, &row) != 0)
        return;
    row.exit_attempts = exit->attempts;
    if (gw_store_put_position (self->store, &row) != 0) {
        exit->attempts--;
        s_failed (self, exit, "store error: exit attempt not recorded");
        return;
    }
    gw_call_t *call = gw_call_new (GW_OP_EXIT);
    snprintf (call->position_id, sizeof call->position_id, "%s", exit->id);
    gw_broker_send (self, call, GW_JOB_EXIT_SEND, exit->id);
}

//  The broker's view of id: 1 when flat (absent or zero quantity), 0 when
//  still open; *exit_price is the average price of the closing side.
static int
s_flat_at_broker (const gw_call_t *call, const gw_position_row_t *row, double *exit_price)
{
    *exit_price = 0;
    for (size_t i = 0; i < call->position_count; i++) {
        const gw_broker_position_t *bp = &call->positions[i];
        if (strcmp (bp->id, row->pos.id) != 0)
            continue;
        *exit_price = row->pos.side == TW_SIDE_LONG ? bp->sell_avg : bp->buy_avg;
        return bp->net_qty == 0 ? 1 : 0;
    }
    return 1;
}

static void
s_record_attempt (gw_t *self, gw_exit_t *exit, const gw_call_t *call)
{
    gw_attempt_row_t attempt = {0};
    snprintf (attempt.position_id, sizeof attempt.position_id, "%s", exit->id);
    attempt.attempt = exit->attempts;
    attempt.started_ms = tw_clock_wall_ns () / TW_NS_PER_MS - call->latency_ms;
    snprintf (attempt.outcome, sizeof attempt.outcome, "%s", gw_outcome_name (call->outcome));
    attempt.http_status = call->http_status;
    attempt.broker_code = call->broker_code;
    snprintf (attempt.error, sizeof attempt.error, "%s", call->error);
    attempt.latency_ms = call->latency_ms;
    if (gw_store_add_attempt (self->store, &attempt) != 0)
        tw_warn ("exit attempt not recorded id=%s attempt=%d", exit->id, exit->attempts);
}

static void
s_on_send (gw_t *self, gw_exit_t *exit, gw_call_t *call)
{
    s_record_attempt (self, exit, call);
    if (call->error[0])
        snprintf (exit->last_error, sizeof exit->last_error, "%s", call->error);
    switch (call->outcome) {
    case GW_OUT_OK:
        if (call->fill_price > 0)
            s_closed (self, exit, call->fill_price);
        else
            s_read_positions (self, exit, GW_JOB_EXIT_PRICE);
        break;
    case GW_OUT_PENDING:
        exit->confirm_polls = 0;
        gw_later (self, &exit->later, self->exit_confirm_interval_ms, s_confirm);
        break;
    case GW_OUT_AMBIGUOUS:
        //  It may have reached the broker: look before sending again.
        s_read_positions (self, exit, GW_JOB_EXIT_VERIFY);
        break;
    case GW_OUT_RETRYABLE:
        s_retry_or_fail (self, exit, call->retry_after_ms);
        break;
    default:
        s_failed (self, exit, call->error[0] ? call->error : "broker refused the exit");
        break;
    }
}

static void
s_on_read (gw_t *self, gw_exit_t *exit, gw_job_kind_t kind, gw_call_t *call)
{
    gw_position_row_t row;
    if (s_row (self, exit, &row) != 0)
        return;
    double exit_price = 0;
    bool read = call->outcome == GW_OUT_OK;
    int flat = read ? s_flat_at_broker (call, &row, &exit_price) : 0;

    if (kind == GW_JOB_EXIT_PRICE) {
        if (!read)
            tw_warn ("exit price unknown id=%s error=\"%s\"", exit->id, call->error);
        s_closed (self, exit, exit_price);
    }
    else if (kind == GW_JOB_EXIT_CONFIRM) {
        if (flat == 1)
            s_closed (self, exit, exit_price);
        else if (++exit->confirm_polls < self->exit_confirm_polls)
            gw_later (self, &exit->later, self->exit_confirm_interval_ms, s_confirm);
        else {
            //  The exit order is placed and may still fill: sending another
            //  could reverse the position, so stop and let a person look.
            snprintf (exit->last_error, sizeof exit->last_error,
                      "exit placed (code 201) but not flat after %d position reads",
                      exit->confirm_polls);
            s_failed (self, exit, exit->last_error);
        }
    }
    else if (!read) {
        //  Cannot tell whether the exit reached the broker: never resend
        //  blindly; read again after a backoff, a bounded number of times.
        exit->verify_reads++;
        snprintf (exit->last_error, sizeof exit->last_error, "cannot verify exit: %.200s",
                  call->error);
        if (exit->verify_reads >= self->exit_max_attempts)
            s_failed (self, exit, exit->last_error);
        else
            gw_later (self, &exit->later, s_backoff_ms (self, exit->verify_reads, 0), s_verify);
    }
    else if (flat == 1) {
        tw_info ("exit verified flat at broker id=%s attempts=%d", exit->id, exit->attempts);
        s_closed (self, exit, exit_price);
    }
    else
        s_retry_or_fail (self, exit, 0);
}

void
gw_exit_on_call (gw_t *self, gw_job_kind_t kind, const char *id, gw_call_t *call)
{
    gw_exit_t *exit = (gw_exit_t *) zhashx_lookup (self->exits, id);
    if (!exit)
        tw_warn ("broker result for no exit id=%s op=%s", id, gw_op_name (call->op));
    else if (kind == GW_JOB_EXIT_SEND)
        s_on_send (self, exit, call);
    else
        s_on_read (self, exit, kind, call);
}

tw_ack_status_t
gw_exit_start (gw_t *self, const char *id, const char *reason, const char *req_id,
               const tw_msg_t *reply, char *error, size_t error_size)
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
    if (row.pos.state == TW_STATE_CLOSING || zhashx_lookup (self->exits, id))
        return TW_ACK_DUPLICATE;
    int64_t now_ms = tw_clock_wall_ns () / TW_NS_PER_MS;
    if (row.pos.exit_failed && now_ms - row.last_exit_failed_ms < self->exit_cooldown_ms) {
        snprintf (error, error_size, "exit failed %lld ms ago; retry after %lld ms",
                  (long long) (now_ms - row.last_exit_failed_ms),
                  (long long) self->exit_cooldown_ms);
        return TW_ACK_REJECTED;
    }

    row.pos.state = TW_STATE_CLOSING;
    row.pos.exit_failed = false;
    snprintf (row.exit_reason, sizeof row.exit_reason, "%s", reason);
    snprintf (row.exit_req_id, sizeof row.exit_req_id, "%s", req_id ? req_id : "");
    row.exit_attempts = 0;
    row.exit_started_ms = now_ms;

    uint8_t *bytes = NULL;
    size_t size = 0;
    if (reply && tw_msg_encode (reply, &bytes, &size, error, error_size) != 0)
        return TW_ACK_REJECTED;
    uint64_t seq = 0;
    int rc = gw_store_begin (self->store);
    if (rc == 0)
        rc = (seq = gw_store_next_seq (self->store)) == 0 ? -1 : 0;
    if (rc == 0)
        rc = gw_store_put_position (self->store, &row);
    if (rc == 0 && reply)
        rc = gw_store_put_reply (self->store, reply->req_id, bytes, size, self->req_table_max) < 0
                 ? -1
                 : 0;
    if (rc == 0)
        rc = gw_store_commit (self->store);
    free (bytes);
    if (rc != 0) {
        gw_store_rollback (self->store);
        snprintf (error, error_size, "store error: exit not recorded");
        return TW_ACK_REJECTED;
    }
    tw_event_t extra = {0};
    snprintf (extra.reason, sizeof extra.reason, "%s", reason);
    gw_publish (self, TW_MSG_POSITION_CLOSING, seq, &row.pos, &extra);
    tw_info ("exit start id=%s reason=\"%s\" req_id=%s", id, reason, req_id ? req_id : "");
    s_attempt (self, s_exit_new (self, id, reason));
    return TW_ACK_ACCEPTED;
}

void
gw_exit_resume (gw_t *self, const gw_position_row_t *row)
{
    const char *reason = row->exit_reason[0] ? row->exit_reason : TW_REASON_MANUAL_CLOSE;
    tw_warn ("exit resumed after restart id=%s reason=\"%s\" previous_attempts=%lld", row->pos.id,
             reason, (long long) row->exit_attempts);
    s_attempt (self, s_exit_new (self, row->pos.id, reason));
}
