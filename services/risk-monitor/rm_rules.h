//  rm_rules - when a tick closes a position, and where its trailing stop is
//  (pure: no sockets, no clock, no allocation; the caller owns every record).
//
//  A level is "set" when it is finite and > 0 (the wire's 0 means none); so
//  is a price. rm_rules_tick ignores (returns RM_HIT_NONE and changes
//  nothing) a position that is not OPEN (CLOSING ones have an exit in
//  flight), a side that is neither long nor short, a tick of another symbol,
//  and an ltp that is not a set price (NaN, infinite, <= 0).
//
//  Long (short is the mirror: lowest for highest, + for -, >= for <=):
//    * sl hit when ltp <= sl; tp hit when ltp >= tp (equality hits).
//    * Trailing (trail set, a distance in rupees): the anchor is the best
//      (highest) ltp seen since the position was first seen, started at
//      max(entry_price, sl + trail) - the sl term only when sl is set - so
//      that a stop already moved by trailing (and persisted as sl with
//      modify) is restored after a restart. When neither entry_price nor sl
//      is set, the first tick starts it. Short: lowest ltp, started at
//      min(entry_price, sl - trail). The start is re-applied on every tick
//      (anchor = best(anchor, start)), so an operator's modify of sl or
//      trail takes effect at once; a new side or entry_price (another
//      position under the same id) starts the anchor afresh.
//    * Trailing stop = anchor - trail (short: anchor + trail); a stop <= 0 is
//      no stop. The stop in force is the tighter of sl and the trailing stop
//      (long: the higher). The trailing stop is binding when it is >= sl (or
//      sl is not set; short: <= sl) - which, with both set, it always is:
//      the anchor starts at or beyond sl + trail.
//    * A hit of the stop in force is "Trailing SL Hit" when the trailing stop
//      is binding and has moved above its initial level, else "SL Hit". The
//      initial level depends on what the caller knows:
//        - it saw the position open (rm_trail_t.opened_here: the sl is the
//          one it opened with): the anchor's start, so moved means the price
//          made a new best since (anchor > start; short: <);
//        - it first saw it in a snapshot (after a restart, say): the entry,
//          anchor > entry_price (short: <), so that a stop moved by
//          trailing and restored from sl still counts as trailing.
//          Consequence: a position opened with sl within trail of its entry
//          and first seen in a snapshot has its trailing stop at sl
//          (anchor = sl + trail > entry) and a hit is reported as "Trailing
//          SL Hit" - after a restart such a stop cannot be told from one
//          moved there. Without a set entry_price it is then "SL Hit".
//    * Stop before target: when one tick satisfies both (only possible when
//      the levels cross, e.g. tp <= sl, or a trailing stop raised above tp),
//      the stop wins - the safer exit, and the one a gap down through both
//      levels calls for.
//
//  Trailing moves are persisted (rm_rules_trail_sl): the trailing stop,
//  rounded to the tick grid towards the looser side (long: down, short: up),
//  is worth a modify when it is at least one tick tighter than the sl the
//  gateway holds, or - when it holds none - than the trailing stop's initial
//  level (entry -/+ trail), so an unmoved stop is not written.

#ifndef RM_RULES_H_INCLUDED
#define RM_RULES_H_INCLUDED

#include <stdbool.h>

#include "tw_proto.h"

//  The exchange tick size (NSE equities), in rupees and in paise.
#define RM_TICK_PAISE 5
#define RM_TICK_SIZE 0.05

typedef enum {
    RM_HIT_NONE = 0,
    RM_HIT_SL,         //  "SL Hit"
    RM_HIT_TP,         //  "TP Hit"
    RM_HIT_TRAILING_SL //  "Trailing SL Hit"
} rm_hit_t;

//  The trailing state of one position, kept by the caller between ticks.
//  Zero it before the first tick, and set opened_here when the position was
//  seen opening (its position_opened event); rm_rules_tick does the rest.
typedef struct {
    bool opened_here;   //  set by the caller: the position's sl is its sl at open
    bool active;        //  anchor holds a price
    tw_side_t side;     //  of the position the anchor belongs to
    double entry_price; //  likewise
    double anchor;      //  best ltp seen (long: highest, short: lowest)
    double origin;      //  where the anchor started (used when opened_here)
} rm_trail_t;

//  What one tick decided.
typedef struct {
    rm_hit_t hit;
    double level;      //  the level that was hit (sl, tp or the trailing stop); 0 = none
    double trail_stop; //  the trailing stop after this tick; 0 = none
} rm_decision_t;

//  Evaluates one tick for pos, updating trail (see above). Fills *out (may
//  be NULL) and returns its hit.
rm_hit_t rm_rules_tick (const tw_position_t *pos, rm_trail_t *trail, const tw_tick_t *tick,
                        rm_decision_t *out);

//  The trailing stop of pos under trail, or 0 when there is none.
double rm_rules_trail_stop (const tw_position_t *pos, const rm_trail_t *trail);

//  The sl to persist with modify for pos under trail, or 0 when there is
//  nothing worth writing (see above). Only for OPEN positions.
double rm_rules_trail_sl (const tw_position_t *pos, const rm_trail_t *trail);

//  The exit reason of hit (TW_REASON_*), or "" for RM_HIT_NONE.
const char *rm_hit_reason (rm_hit_t hit);

//  True when price is a set level or price: finite and > 0.
bool rm_rules_is_set (double price);

#endif
