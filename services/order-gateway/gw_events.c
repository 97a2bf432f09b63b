//  gw_events - see gw_events.h.

#include "gw_events.h"
#include "tw_clock.h"
#include "tw_log.h"
#include "tw_sock.h"

#include <string.h>

struct _gw_events_t {
    gw_store_t *store;
    zsock_t *pub;
    size_t req_table_max;
    gw_events_listener_fn *listener;
    void *listener_arg;
};

gw_events_t *
gw_events_new (gw_store_t *store, zsock_t *pub, size_t req_table_max)
{
    gw_events_t *self = (gw_events_t *) zmalloc (sizeof (gw_events_t));
    self->store = store;
    self->pub = pub;
    self->req_table_max = req_table_max;
    return self;
}

void
gw_events_destroy (gw_events_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free (*self_p);
    *self_p = NULL;
}

double
gw_pnl (const tw_position_t *pos, double exit_price, double multiplier)
{
    if (exit_price <= 0 || pos->entry_price <= 0)
        return 0;
    return (exit_price - pos->entry_price) * (double) pos->qty * (double) pos->side
           * (multiplier > 0 ? multiplier : 1);
}

static void
s_publish (gw_events_t *self, tw_msg_type_t type, uint64_t seq, const tw_event_t *event)
{
    tw_msg_t msg;
    tw_msg_init (&msg, type);
    msg.u.event = *event;
    msg.u.event.epoch = gw_store_epoch (self->store);
    msg.u.event.seq = seq;
    if (tw_sock_publish (self->pub, &msg) != 0)
        tw_error ("publish failed type=%s seq=%llu", tw_msg_type_name (type),
                  (unsigned long long) seq);
}

//  The writes of change inside the open transaction; 0 or -1.
static int
s_write (gw_events_t *self, gw_change_t *change, const uint8_t *ack, size_t ack_size)
{
    gw_store_t *store = self->store;
    gw_position_row_t *row = change->position;
    if (change->pending_delete && gw_store_delete_pending (store, change->pending_delete) < 0)
        return -1;
    if (change->pending_put && gw_store_put_pending (store, change->pending_put) != 0)
        return -1;
    if (row && change->close) {
        change->extra.pnl = gw_pnl (&row->pos, change->extra.exit_price, change->multiplier);
        if (gw_store_close_position (store, row->pos.id, change->extra.reason,
                                     change->extra.exit_price, change->extra.pnl,
                                     tw_clock_wall_ns ())
            != 0)
            return -1;
    }
    else if (row && gw_store_put_position (store, row) != 0)
        return -1;
    if (change->trading_state != TW_TRADING_NONE
        && gw_store_put_trading_state (store, change->trading_state) != 0)
        return -1;
    if (change->attempt && gw_store_add_attempt (store, change->attempt) != 0)
        return -1;
    if (ack
        && gw_store_put_reply (store, change->ack->req_id, ack, ack_size, self->req_table_max) < 0)
        return -1;
    return 0;
}

int
gw_events_commit (gw_events_t *self, gw_change_t *change)
{
    uint8_t *ack = NULL;
    size_t ack_size = 0;
    char error[TW_TEXT_MAX];
    if (change->ack && tw_msg_encode (change->ack, &ack, &ack_size, error, sizeof error) != 0) {
        tw_error ("reply not encoded req_id=%s error=\"%s\"", change->ack->req_id, error);
        return -1;
    }
    uint64_t seq = 0;
    int rc = gw_store_begin (self->store);
    if (rc == 0 && change->type != TW_MSG_INVALID)
        rc = (seq = gw_store_next_seq (self->store)) == 0 ? -1 : 0;
    if (rc == 0)
        rc = s_write (self, change, ack, ack_size);
    if (rc == 0)
        rc = gw_store_commit (self->store);
    free (ack);
    if (rc != 0) {
        gw_store_rollback (self->store);
        return -1;
    }
    if (change->position && change->close) {
        change->position->pos.state = TW_STATE_CLOSED;
        change->position->pos.exit_failed = false;
    }
    if (change->type == TW_MSG_INVALID)
        return 0;
    if (change->position)
        change->extra.pos = change->position->pos;
    s_publish (self, change->type, seq, &change->extra);
    if (self->listener && change->position)
        self->listener (self->listener_arg, change->type, &change->position->pos);
    return 0;
}

void
gw_events_set_listener (gw_events_t *self, gw_events_listener_fn *fn, void *arg)
{
    self->listener = fn;
    self->listener_arg = fn ? arg : NULL;
}

void
gw_events_heartbeat (gw_events_t *self, tw_trading_state_t trading_state)
{
    tw_event_t event;
    memset (&event, 0, sizeof event);
    event.trading_state = trading_state;
    s_publish (self, TW_MSG_HEARTBEAT, gw_store_seq (self->store), &event);
}

int
gw_events_put_reply (gw_events_t *self, const tw_msg_t *reply)
{
    uint8_t *bytes = NULL;
    size_t size = 0;
    char error[TW_TEXT_MAX];
    if (tw_msg_encode (reply, &bytes, &size, error, sizeof error) != 0)
        return -1;
    int rc = gw_store_put_reply (self->store, reply->req_id, bytes, size, self->req_table_max);
    free (bytes);
    return rc;
}
