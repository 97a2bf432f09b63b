//  gw_mismatch - see gw_mismatch.h.

#include "gw_mismatch.h"
#include "tw_log.h"

#include <inttypes.h>
#include <string.h>

//  The verdict once at_id and elsewhere are known.
static gw_held_t
s_held (const tw_position_t *pos, const gw_broker_position_t *at_id,
        const gw_broker_position_t *elsewhere)
{
    int64_t ours = pos->qty * (int64_t) pos->side;
    if (at_id && at_id->net_qty != 0)
        return at_id->net_qty == ours ? GW_HELD_SAME : GW_HELD_DIFFERENT;
    return elsewhere ? GW_HELD_ELSEWHERE : GW_HELD_FLAT;
}

//  Whether bp holds pos's symbol under another id.
static bool
s_elsewhere (const gw_broker_position_t *bp, const tw_position_t *pos)
{
    return bp->net_qty != 0 && bp->symbol[0] && strcmp (bp->symbol, pos->symbol) == 0
           && strcmp (bp->id, pos->id) != 0;
}

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
        else if (!*elsewhere && s_elsewhere (bp, pos))
            *elsewhere = bp;
    }
    return s_held (pos, *at_id, *elsewhere);
}

struct _gw_mismatch_index_t {
    zhashx_t *by_id;     //  id -> its last entry in the read (as the scan finds it)
    zhashx_t *by_symbol; //  symbol -> zlistx of its held entries, in read order
};

static void
s_list_destroy (void **item)
{
    zlistx_destroy ((zlistx_t **) item);
}

gw_mismatch_index_t *
gw_mismatch_index_new (const gw_call_t *call)
{
    gw_mismatch_index_t *self = (gw_mismatch_index_t *) zmalloc (sizeof (gw_mismatch_index_t));
    self->by_id = zhashx_new ();
    self->by_symbol = zhashx_new ();
    assert (self->by_id && self->by_symbol);
    zhashx_set_destructor (self->by_symbol, s_list_destroy);
    for (size_t i = 0; i < call->position_count; i++) {
        gw_broker_position_t *bp = &call->positions[i];
        zhashx_update (self->by_id, bp->id, bp);
        if (bp->net_qty == 0 || !bp->symbol[0])
            continue;
        zlistx_t *held = (zlistx_t *) zhashx_lookup (self->by_symbol, bp->symbol);
        if (!held) {
            held = zlistx_new ();
            assert (held);
            zhashx_insert (self->by_symbol, bp->symbol, held);
        }
        zlistx_add_end (held, bp);
    }
    return self;
}

void
gw_mismatch_index_destroy (gw_mismatch_index_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_mismatch_index_t *self = *self_p;
    zhashx_destroy (&self->by_id);
    zhashx_destroy (&self->by_symbol);
    free (self);
    *self_p = NULL;
}

gw_held_t
gw_mismatch_compare_indexed (const gw_mismatch_index_t *index, const tw_position_t *pos,
                             const gw_broker_position_t **at_id,
                             const gw_broker_position_t **elsewhere)
{
    *at_id = (const gw_broker_position_t *) zhashx_lookup (index->by_id, pos->id);
    *elsewhere = NULL;
    zlistx_t *held = (zlistx_t *) zhashx_lookup (index->by_symbol, pos->symbol);
    for (const gw_broker_position_t *bp = held ? (const gw_broker_position_t *) zlistx_first (held)
                                               : NULL;
         bp && !*elsewhere; bp = (const gw_broker_position_t *) zlistx_next (held))
        if (s_elsewhere (bp, pos))
            *elsewhere = bp;
    return s_held (pos, *at_id, *elsewhere);
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
