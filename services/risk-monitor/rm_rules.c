//  rm_rules - see rm_rules.h.
//
//  Both sides share one code path through a sign: +1 for long, -1 for short.
//  "Better" for the anchor is higher times the sign, a stop is hit when
//  sign * (ltp - stop) <= 0, a target when sign * (ltp - tp) >= 0.

#include "rm_rules.h"

#include <math.h>
#include <string.h>

//  Ticks per rupee, to round a stop to the tick grid.
#define RM_TICKS_PER_RUPEE (100 / RM_TICK_PAISE)
//  Slack for binary floating point: 103.35 * 20 is 2066.9999999999995.
#define RM_GRID_EPSILON 1e-6

bool
rm_rules_is_set (double price)
{
    return isfinite (price) && price > 0;
}

static int
s_sign (tw_side_t side)
{
    return side == TW_SIDE_LONG ? 1 : side == TW_SIDE_SHORT ? -1 : 0;
}

//  The better of two anchors for a side: the higher for long, the lower for short.
static double
s_better (int sign, double a, double b)
{
    return sign * (a - b) >= 0 ? a : b;
}

//  Where the anchor starts: long max(entry, sl + trail), short
//  min(entry, sl - trail), each term only when its price is set. Returns
//  false when neither is.
static bool
s_start (const tw_position_t *pos, int sign, double *start)
{
    bool has = false;
    if (rm_rules_is_set (pos->entry_price)) {
        *start = pos->entry_price;
        has = true;
    }
    if (rm_rules_is_set (pos->sl)) {
        double from_sl = pos->sl + sign * pos->trail;
        *start = has ? s_better (sign, *start, from_sl) : from_sl;
        has = true;
    }
    return has;
}

//  True when trail is the trailing state of this very position: the anchor
//  of another position under the same id (another side or entry) is stale.
static bool
s_same_position (const rm_trail_t *trail, const tw_position_t *pos)
{
    bool same_entry = trail->entry_price == pos->entry_price
                      || (isnan (trail->entry_price) && isnan (pos->entry_price));
    return trail->active && trail->side == pos->side && same_entry;
}

double
rm_rules_trail_stop (const tw_position_t *pos, const rm_trail_t *trail)
{
    int sign = s_sign (pos->side);
    if (!sign || !rm_rules_is_set (pos->trail) || !s_same_position (trail, pos))
        return 0;
    double stop = trail->anchor - sign * pos->trail;
    return rm_rules_is_set (stop) ? stop : 0;
}

//  Moves the anchor for a tick at ltp (trail must be set on pos).
static void
s_trail_update (const tw_position_t *pos, int sign, rm_trail_t *trail, double ltp)
{
    if (!s_same_position (trail, pos)) {
        //  opened_here speaks of the position the caller saw open: it holds
        //  for an anchor that has not started yet, not for another position.
        bool opened_here = trail->opened_here && !trail->active;
        memset (trail, 0, sizeof *trail);
        trail->opened_here = opened_here;
        trail->side = pos->side;
        trail->entry_price = pos->entry_price;
    }
    bool started = trail->active;
    double start = 0;
    if (s_start (pos, sign, &start)) {
        trail->anchor = trail->active ? s_better (sign, trail->anchor, start) : start;
        trail->active = true;
    }
    else if (!trail->active) {
        trail->anchor = ltp;
        trail->active = true;
    }
    if (!started)
        trail->origin = trail->anchor;
    trail->anchor = s_better (sign, trail->anchor, ltp);
}

//  True when the trailing stop has moved from its initial level (rm_rules.h).
static bool
s_moved (const tw_position_t *pos, int sign, const rm_trail_t *trail)
{
    if (trail->opened_here)
        return sign * (trail->anchor - trail->origin) > 0;
    return rm_rules_is_set (pos->entry_price) && sign * (trail->anchor - pos->entry_price) > 0;
}

rm_hit_t
rm_rules_tick (const tw_position_t *pos, rm_trail_t *trail, const tw_tick_t *tick,
               rm_decision_t *out)
{
    rm_decision_t decision = {RM_HIT_NONE, 0, 0};
    if (out)
        *out = decision;
    if (!pos || !trail || !tick || pos->state != TW_STATE_OPEN)
        return RM_HIT_NONE;
    int sign = s_sign (pos->side);
    double ltp = tick->ltp;
    if (!sign || strcmp (pos->symbol, tick->symbol) != 0 || !rm_rules_is_set (ltp))
        return RM_HIT_NONE;

    if (rm_rules_is_set (pos->trail))
        s_trail_update (pos, sign, trail, ltp);
    double trail_stop = rm_rules_trail_stop (pos, trail);
    double sl = rm_rules_is_set (pos->sl) ? pos->sl : 0;
    bool trail_binding = trail_stop > 0 && (sl == 0 || sign * (trail_stop - sl) >= 0);
    double stop = trail_binding ? trail_stop : sl;

    decision.trail_stop = trail_stop;
    if (stop > 0 && sign * (ltp - stop) <= 0) {
        bool moved = trail_binding && s_moved (pos, sign, trail);
        decision.hit = moved ? RM_HIT_TRAILING_SL : RM_HIT_SL;
        decision.level = stop;
    }
    else if (rm_rules_is_set (pos->tp) && sign * (ltp - pos->tp) >= 0) {
        decision.hit = RM_HIT_TP;
        decision.level = pos->tp;
    }
    if (out)
        *out = decision;
    return decision.hit;
}

double
rm_rules_trail_sl (const tw_position_t *pos, const rm_trail_t *trail)
{
    if (pos->state != TW_STATE_OPEN)
        return 0;
    int sign = s_sign (pos->side);
    double stop = rm_rules_trail_stop (pos, trail);
    if (!sign || stop <= 0)
        return 0;
    //  On the grid, towards the looser side: a restart restores at most one
    //  tick less than the anchor, never more.
    double ticks = stop * RM_TICKS_PER_RUPEE;
    ticks = sign > 0 ? floor (ticks + RM_GRID_EPSILON) : ceil (ticks - RM_GRID_EPSILON);
    double rounded = ticks * RM_TICK_PAISE / 100.0;
    if (!rm_rules_is_set (rounded))
        return 0;
    double base = 0;
    if (rm_rules_is_set (pos->sl))
        base = pos->sl;
    else if (rm_rules_is_set (pos->entry_price))
        base = pos->entry_price - sign * pos->trail;
    if (base != 0 && sign * (rounded - base) < RM_TICK_SIZE - RM_GRID_EPSILON)
        return 0;
    return rounded;
}

const char *
rm_hit_reason (rm_hit_t hit)
{
    switch (hit) {
    case RM_HIT_SL:
        return TW_REASON_SL_HIT;
    case RM_HIT_TP:
        return TW_REASON_TP_HIT;
    case RM_HIT_TRAILING_SL:
        return TW_REASON_TRAILING_SL_HIT;
    default:
        return "";
    }
}
