//  gw_events - state changes that are written first and published after.
//
//  Every change of a position is one SQLite transaction that also takes the
//  next seq; the event goes out on the PUB socket only after the commit, so
//  a subscriber never sees a state the gateway could lose in a crash.

#include "gw_gateway.h"
#include "tw_clock.h"
#include "tw_log.h"
#include "tw_sock.h"

#include <string.h>

double
gw_pnl (const tw_position_t *pos, double exit_price)
{
    if (exit_price <= 0 || pos->entry_price <= 0)
        return 0;
    return (exit_price - pos->entry_price) * (double) pos->qty * (double) pos->side;
}

void
gw_publish (gw_t *self, tw_msg_type_t type, uint64_t seq, const tw_position_t *pos,
            const tw_event_t *extra)
{
    tw_msg_t msg;
    tw_msg_init (&msg, type);
    tw_event_t *event = &msg.u.event;
    if (extra)
        *event = *extra;
    event->epoch = gw_store_epoch (self->store);
    event->seq = seq;
    if (pos)
        event->pos = *pos;
    if (tw_sock_publish (self->pub, &msg) != 0)
        tw_error ("publish failed type=%s seq=%llu", tw_msg_type_name (type),
                  (unsigned long long) seq);
}

int
gw_commit_position (gw_t *self, gw_position_row_t *row, tw_msg_type_t type, const tw_event_t *extra)
{
    if (gw_store_begin (self->store) != 0)
        return -1;
    uint64_t seq = gw_store_next_seq (self->store);
    if (seq == 0 || gw_store_put_position (self->store, row) != 0
        || gw_store_commit (self->store) != 0) {
        gw_store_rollback (self->store);
        return -1;
    }
    gw_publish (self, type, seq, &row->pos, extra);
    return 0;
}

int
gw_commit_close (gw_t *self, gw_position_row_t *row, const char *reason, double exit_price,
                 int64_t attempts)
{
    double pnl = gw_pnl (&row->pos, exit_price);
    if (gw_store_begin (self->store) != 0)
        return -1;
    uint64_t seq = gw_store_next_seq (self->store);
    if (seq == 0
        || gw_store_close_position (self->store, row->pos.id, reason, exit_price, pnl,
                                    tw_clock_wall_ns ())
               != 0
        || gw_store_commit (self->store) != 0) {
        gw_store_rollback (self->store);
        return -1;
    }
    tw_event_t extra = {0};
    snprintf (extra.reason, sizeof extra.reason, "%s", reason);
    extra.exit_price = exit_price;
    extra.pnl = pnl;
    extra.attempts = attempts;
    row->pos.state = TW_STATE_CLOSED;
    row->pos.exit_failed = false;
    gw_publish (self, TW_MSG_POSITION_CLOSED, seq, &row->pos, &extra);
    return 0;
}
