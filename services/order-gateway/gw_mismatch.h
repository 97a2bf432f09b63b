//  gw_mismatch - what the broker holds for one of the gateway's positions,
//  compared, and the position_mismatch event that reports a difference
//  (docs/design.md §5).
//
//  The broker's id is the id (docs/fyers.md §4): a position is looked up by
//  it in a positions read. Flat there while the symbol is held under another
//  product (a conversion in the Fyers app) is not a close; a quantity or
//  side that differs is not ours to fix. Both are reported, never acted on.

#ifndef GW_MISMATCH_H_INCLUDED
#define GW_MISMATCH_H_INCLUDED

#include "gw_call.h"
#include "gw_events.h"

typedef enum {
    GW_HELD_SAME = 1,  //  the broker holds exactly this
    GW_HELD_FLAT,      //  absent or flat at its id, and the symbol held nowhere else
    GW_HELD_DIFFERENT, //  held at its id with another quantity or side
    GW_HELD_ELSEWHERE  //  flat at its id, the symbol held under another product
} gw_held_t;

//  Compares pos with the broker's positions read by call (a POSITIONS call
//  that succeeded). *at_id is the broker's entry of pos->id (NULL when
//  absent); *elsewhere the entry that holds pos->symbol under another id
//  (NULL when none).
gw_held_t gw_mismatch_compare (const tw_position_t *pos, const gw_call_t *call,
                               const gw_broker_position_t **at_id,
                               const gw_broker_position_t **elsewhere);

//  The same comparison against an index of one read, for a caller that
//  compares many positions with it (a reconciliation compares every live
//  position: without the index that is positions x broker positions
//  string compares, seconds at 10,000). The index points into call's
//  positions: destroy it before the call.
typedef struct _gw_mismatch_index_t gw_mismatch_index_t;

gw_mismatch_index_t *gw_mismatch_index_new (const gw_call_t *call);
void gw_mismatch_index_destroy (gw_mismatch_index_t **self_p);
gw_held_t gw_mismatch_compare_indexed (const gw_mismatch_index_t *index, const tw_position_t *pos,
                                       const gw_broker_position_t **at_id,
                                       const gw_broker_position_t **elsewhere);

//  Publishes position_mismatch for pos (committed with its seq, nothing else
//  changed) and logs it. at_id and elsewhere as gw_mismatch_compare gives
//  them. Returns 0 or -1.
int gw_mismatch_report (gw_events_t *events, const tw_position_t *pos,
                        const gw_broker_position_t *at_id, const gw_broker_position_t *elsewhere);

#endif
