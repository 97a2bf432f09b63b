//  gw_mismatch - see gw_mismatch.h.

#include "gw_mismatch.h"
#include "tw_log.h"

#include <inttypes.h>
#include <string.h>

gw_held_t
gw_mismatch_compare (const tw_position_t *pos, const gw_call_t *call,
                     const gw_broker_position_t **at_id, const gw_broker_position_t **elsewhere)
{
    *at_id = NULL;
    *elsewhere = NULL;
    for (size_t i = 0; i < call->position_count; i++) {
        const gw_broker_position_t *bp = &call->positions[i];
        if (strcmp (bp->id, pos->id) == 0)
            *at_id = bp;
        else if (bp->net_qty != 0 && bp->symbol[0] && strcmp (bp->symbol, pos->symbol) == 0
                 && !*elsewhere)
            *elsewhere = bp;
    }
    int64_t ours = pos->qty * (int64_t) pos->side;
    if (*at_id && (*at_id)->net_qty != 0)
        return (*at_id)->net_qty == ours ? GW_HELD_SAME : GW_HELD_DIFFERENT;
    return *elsewhere ? GW_HELD_ELSEWHERE : GW_HELD_FLAT;
}

int
gw_mismatch_report (gw_events_t *events, const tw_position_t *pos,
                    const gw_broker_position_t *at_id, const gw_broker_position_t *elsewhere)
{
    gw_change_t change = {.type = TW_MSG_POSITION_MISMATCH};
    tw_event_t *e = &change.extra;
    snprintf (e->pos.id, sizeof e->pos.id, "%s", pos->id);
    snprintf (e->pos.symbol, sizeof e->pos.symbol, "%s", pos->symbol);
    e->qty = pos->qty * (int64_t) pos->side;
    e->broker_qty = at_id ? at_id->net_qty : 0;
    const gw_broker_position_t *held = at_id && at_id->net_qty != 0 ? at_id : elsewhere;
    snprintf (e->broker_product, sizeof e->broker_product, "%s", held ? held->product : "");
    if (at_id && at_id->net_qty != 0)
        snprintf (e->detail, sizeof e->detail,
                  "the broker holds %" PRId64 " of %s, tradewire %" PRId64, at_id->net_qty, pos->id,
                  e->qty);
    else if (elsewhere)
        snprintf (e->detail, sizeof e->detail,
                  "flat as %s but %" PRId64 " held as %s (converted at the broker?)", pos->id,
                  elsewhere->net_qty, elsewhere->id);
    else
        snprintf (e->detail, sizeof e->detail, "flat at the broker");
    if (gw_events_commit (events, &change) != 0) {
        tw_error ("position mismatch not recorded id=%s", pos->id);
        return -1;
    }
    tw_warn ("position mismatch id=%s qty=%" PRId64 " broker_qty=%" PRId64
             " broker_product=%s detail=\"%s\"",
             e->pos.id, e->qty, e->broker_qty, e->broker_product, e->detail);
    return 0;
}
