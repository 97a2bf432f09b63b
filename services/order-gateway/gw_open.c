//  gw_open - the open path and modify.
//
//  An accepted open is recorded as a pending open (with a unique order tag)
//  before the market order is sent; when the broker fills it, the pending
//  open becomes a position and position_opened is published. An ambiguous
//  outcome is looked up in the broker's order book by the tag instead of
//  being sent twice; a refused one is published as order_rejected.

#include "gw_gateway.h"
#include "tw_clock.h"
#include "tw_log.h"

#include <inttypes.h>
#include <string.h>

//  Fyers order statuses (FYERS.md §3.4).
#define GW_ORDER_CANCELLED 1
#define GW_ORDER_FILLED 2
#define GW_ORDER_REJECTED 5
#define GW_ORDER_EXPIRED 7

static void s_send (gw_t *self, void *owner);

void
gw_open_destroy (void **item)
{
    gw_open_t *open = (gw_open_t *) *item;
    gw_later_cancel (&open->later);
    free (open);
    *item = NULL;
}

static void
s_position_id (const char *symbol, const char *product, char *id, size_t id_size)
{
    snprintf (id, id_size, "%s-%s", symbol, product);
}

static void
s_filled (gw_t *self, gw_open_t *open, double price)
{
    gw_position_row_t row = {0};
    const gw_pending_row_t *p = &open->row;
    s_position_id (p->symbol, p->product, row.pos.id, sizeof row.pos.id);
    snprintf (row.pos.symbol, sizeof row.pos.symbol, "%s", p->symbol);
    snprintf (row.pos.product, sizeof row.pos.product, "%s", p->product);
    row.pos.side = p->side;
    row.pos.qty = p->qty;
    row.pos.entry_price = price;
    row.pos.sl = p->sl;
    row.pos.tp = p->tp;
    row.pos.trail = p->trail;
    row.pos.state = TW_STATE_OPEN;
    row.trail_anchor = price;
    row.opened_ts = tw_clock_wall_ns ();
    snprintf (row.order_tag, sizeof row.order_tag, "%s", p->order_tag);

    uint64_t seq = 0;
    int rc = gw_store_begin (self->store);
    if (rc == 0)
        rc = (seq = gw_store_next_seq (self->store)) == 0 ? -1 : 0;
    if (rc == 0)
        rc = gw_store_delete_pending (self->store, p->req_id) < 0 ? -1 : 0;
    if (rc == 0)
        rc = gw_store_put_position (self->store, &row);
    if (rc == 0)
        rc = gw_store_commit (self->store);
    if (rc != 0) {
        gw_store_rollback (self->store);
        tw_error ("open fill not recorded id=%s req_id=%s: reconciled at restart", row.pos.id,
                  p->req_id);
        zhashx_delete (self->opens, p->req_id);
        return;
    }
    gw_publish (self, TW_MSG_POSITION_OPENED, seq, &row.pos, NULL);
    self->counters.opens_filled++;
    tw_info ("open filled id=%s side=%s qty=%" PRId64 " price=%.2f sl=%.2f tp=%.2f attempts=%d",
             row.pos.id, tw_side_name (row.pos.side), row.pos.qty, price, row.pos.sl, row.pos.tp,
             open->attempts);
    bool flattened = self->flatten_ms != 0 && p->created_ms <= self->flatten_ms;
    zhashx_delete (self->opens, p->req_id);
    if (flattened) {
        char error[TW_TEXT_MAX];
        tw_warn ("open filled after a flatten id=%s: closing it", row.pos.id);
        if (gw_exit_start (self, row.pos.id, self->flatten_reason, NULL, NULL, error, sizeof error)
            != TW_ACK_ACCEPTED)
            tw_error ("exit after flatten not started id=%s error=\"%s\"", row.pos.id, error);
    }
}

static void
s_rejected (gw_t *self, gw_open_t *open, const char *error)
{
    const gw_pending_row_t *p = &open->row;
    uint64_t seq = 0;
    int rc = gw_store_begin (self->store);
    if (rc == 0)
        rc = (seq = gw_store_next_seq (self->store)) == 0 ? -1 : 0;
    if (rc == 0)
        rc = gw_store_delete_pending (self->store, p->req_id) < 0 ? -1 : 0;
    if (rc == 0)
        rc = gw_store_commit (self->store);
    if (rc != 0) {
        gw_store_rollback (self->store);
        tw_error ("open rejection not recorded req_id=%s", p->req_id);
    }
    else {
        tw_msg_t msg;
        tw_msg_init (&msg, TW_MSG_ORDER_REJECTED);
        snprintf (msg.req_id, sizeof msg.req_id, "%s", p->req_id);
        tw_event_t *event = &msg.u.event;
        event->epoch = gw_store_epoch (self->store);
        event->seq = seq;
        s_position_id (p->symbol, p->product, event->pos.id, sizeof event->pos.id);
        snprintf (event->pos.symbol, sizeof event->pos.symbol, "%s", p->symbol);
        snprintf (event->pos.product, sizeof event->pos.product, "%s", p->product);
        event->pos.side = p->side;
        event->pos.qty = p->qty;
        snprintf (event->error, sizeof event->error, "%s", error);
        gw_publish (self, TW_MSG_ORDER_REJECTED, seq, NULL, event);
    }
    self->counters.opens_rejected++;
    tw_error ("open rejected symbol=%s req_id=%s attempts=%d error=\"%s\"", p->symbol, p->req_id,
              open->attempts, error);
    zhashx_delete (self->opens, p->req_id);
}

static void
s_lookup (gw_t *self, void *owner)
{
    gw_open_t *open = (gw_open_t *) owner;
    gw_call_t *call = gw_call_new (GW_OP_ORDER_BY_TAG);
    snprintf (call->order_tag, sizeof call->order_tag, "%s", open->row.order_tag);
    gw_broker_send (self, call, GW_JOB_OPEN_LOOKUP, open->row.req_id);
}

static int64_t
s_backoff_ms (gw_t *self, int attempts)
{
    return self->exit_backoff_ms << (attempts > 1 ? attempts - 1 : 0);
}

static void
s_send (gw_t *self, void *owner)
{
    gw_open_t *open = (gw_open_t *) owner;
    open->attempts++;
    gw_call_t *call = gw_call_new (GW_OP_PLACE);
    snprintf (call->symbol, sizeof call->symbol, "%s", open->row.symbol);
    call->side = open->row.side;
    call->qty = open->row.qty;
    snprintf (call->product, sizeof call->product, "%s", open->row.product);
    snprintf (call->order_tag, sizeof call->order_tag, "%s", open->row.order_tag);
    gw_broker_send (self, call, GW_JOB_OPEN_SEND, open->row.req_id);
}

static void
s_retry_or_reject (gw_t *self, gw_open_t *open, int64_t at_least_ms)
{
    if (open->attempts >= self->exit_max_attempts) {
        s_rejected (self, open, open->last_error);
        return;
    }
    int64_t delay = s_backoff_ms (self, open->attempts);
    gw_later (self, &open->later, delay > at_least_ms ? delay : at_least_ms, s_send);
}

void
gw_open_on_call (gw_t *self, gw_job_kind_t kind, const char *req_id, gw_call_t *call)
{
    gw_open_t *open = (gw_open_t *) zhashx_lookup (self->opens, req_id);
    if (!open) {
        tw_warn ("broker result for no open req_id=%s", req_id);
        return;
    }
    if (call->error[0])
        snprintf (open->last_error, sizeof open->last_error, "%s", call->error);
    if (kind == GW_JOB_OPEN_SEND) {
        if (call->outcome == GW_OUT_OK && call->fill_price > 0)
            s_filled (self, open, call->fill_price);
        else if (call->outcome == GW_OUT_OK || call->outcome == GW_OUT_AMBIGUOUS
                 || call->outcome == GW_OUT_PENDING)
            s_lookup (self, open); //  placed, or maybe: the order book knows
        else if (call->outcome == GW_OUT_RETRYABLE)
            s_retry_or_reject (self, open, call->retry_after_ms);
        else
            s_rejected (self, open, call->error[0] ? call->error : "broker refused the order");
        return;
    }
    //  GW_JOB_OPEN_LOOKUP
    if (call->outcome == GW_OUT_OK && call->order_status == GW_ORDER_FILLED)
        s_filled (self, open, call->fill_price);
    else if (call->outcome == GW_OUT_OK && call->order_status == 0)
        s_retry_or_reject (self, open, 0); //  never reached the broker: send again
    else if (call->outcome == GW_OUT_OK
             && (call->order_status == GW_ORDER_REJECTED || call->order_status == GW_ORDER_CANCELLED
                 || call->order_status == GW_ORDER_EXPIRED)) {
        char error[TW_TEXT_MAX];
        snprintf (error, sizeof error, "order %s ended with status %d", call->order_id,
                  call->order_status);
        s_rejected (self, open, error);
    }
    else if (++open->lookups < self->exit_confirm_polls)
        gw_later (self, &open->later, self->exit_confirm_interval_ms, s_lookup);
    else {
        //  Still working or unreadable: the order may fill later, so it is
        //  not sent again; a fill then shows up at the next reconciliation.
        s_rejected (self, open, "order outcome unknown after lookups; check the broker");
    }
}

tw_ack_status_t
gw_open_start (gw_t *self, const tw_msg_t *request, tw_msg_t *reply, char *error, size_t error_size)
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
    for (gw_open_t *o = (gw_open_t *) zhashx_first (self->opens); o;
         o = (gw_open_t *) zhashx_next (self->opens)) {
        if (strcmp (o->row.symbol, req->symbol) == 0 && strcmp (o->row.product, product) == 0) {
            snprintf (error, error_size, "an open of '%s' is already in progress", id);
            return TW_ACK_REJECTED;
        }
    }
    gw_open_t *open = (gw_open_t *) zmalloc (sizeof (gw_open_t));
    open->later.gw = self;
    open->later.timer_id = -1;
    gw_pending_row_t *p = &open->row;
    snprintf (p->req_id, sizeof p->req_id, "%s", request->req_id);
    snprintf (p->symbol, sizeof p->symbol, "%s", req->symbol);
    p->side = req->side;
    p->qty = req->qty;
    p->sl = req->sl;
    p->tp = req->tp;
    p->trail = req->trail;
    snprintf (p->product, sizeof p->product, "%s", product);
    //  Unique per request: the epoch differs at every start.
    snprintf (p->order_tag, sizeof p->order_tag, "TW%08X%08X",
              (unsigned) (gw_store_epoch (self->store) & 0xFFFFFFFFu), (unsigned) ++self->next_tag);
    snprintf (p->state, sizeof p->state, "sent");
    p->created_ms = tw_clock_wall_ns () / TW_NS_PER_MS;

    reply->u.ack.status = TW_ACK_ACCEPTED;
    uint8_t *bytes = NULL;
    size_t size = 0;
    int rc = tw_msg_encode (reply, &bytes, &size, error, error_size);
    if (rc == 0)
        rc = gw_store_begin (self->store);
    if (rc == 0)
        rc = gw_store_put_pending (self->store, p);
    if (rc == 0)
        rc = gw_store_put_reply (self->store, reply->req_id, bytes, size, self->req_table_max) < 0
                 ? -1
                 : 0;
    if (rc == 0)
        rc = gw_store_commit (self->store);
    free (bytes);
    if (rc != 0) {
        gw_store_rollback (self->store);
        free (open);
        snprintf (error, error_size, "store error: open not recorded");
        return TW_ACK_REJECTED;
    }
    zhashx_update (self->opens, p->req_id, open);
    tw_info ("open start id=%s side=%s qty=%" PRId64 " req_id=%s tag=%s", id,
             tw_side_name (p->side), p->qty, p->req_id, p->order_tag);
    s_send (self, open);
    return TW_ACK_ACCEPTED;
}

tw_ack_status_t
gw_modify (gw_t *self, const tw_msg_t *request, char *error, size_t error_size)
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
    if (gw_commit_position (self, &row, TW_MSG_POSITION_UPDATED, NULL) != 0) {
        snprintf (error, error_size, "store error: modify not recorded");
        return TW_ACK_REJECTED;
    }
    tw_info ("modify id=%s sl=%.2f tp=%.2f trail=%.2f req_id=%s", row.pos.id, row.pos.sl,
             row.pos.tp, row.pos.trail, request->req_id);
    return TW_ACK_ACCEPTED;
}

void
gw_open_recover (gw_t *self, const gw_pending_row_t *row, const gw_broker_position_t *held)
{
    gw_open_t *open = (gw_open_t *) zmalloc (sizeof (gw_open_t));
    open->later.gw = self;
    open->later.timer_id = -1;
    open->row = *row;
    zhashx_update (self->opens, open->row.req_id, open);
    if (held && held->net_qty != 0) {
        tw_warn ("open recovered after restart req_id=%s tag=%s", row->req_id, row->order_tag);
        s_filled (self, open, held->avg_price);
    }
    else
        s_rejected (self, open,
                    "gateway restarted before the fill was confirmed; no position at the broker");
}
