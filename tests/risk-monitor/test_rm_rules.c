//  Unit tests of rm_rules: stop-loss, take-profit and trailing stop on each
//  tick, both sides, unset levels, ties, crossed levels, ignored input, the
//  restore of a moved stop after a restart, and what is worth a modify.

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rm_rules.h"

#define SYMBOL "NSE:SBIN-EQ"
#define OTHER "NSE:INFY-EQ"
#define EPS 1e-9

static tw_position_t
s_pos (tw_side_t side, double entry, double sl, double tp, double trail)
{
    tw_position_t pos;
    memset (&pos, 0, sizeof pos);
    snprintf (pos.id, sizeof pos.id, "%s-INTRADAY", SYMBOL);
    snprintf (pos.symbol, sizeof pos.symbol, "%s", SYMBOL);
    snprintf (pos.product, sizeof pos.product, "INTRADAY");
    pos.side = side;
    pos.qty = 10;
    pos.entry_price = entry;
    pos.sl = sl;
    pos.tp = tp;
    pos.trail = trail;
    pos.state = TW_STATE_OPEN;
    return pos;
}

static tw_tick_t
s_tick (const char *symbol, double ltp)
{
    tw_tick_t tick;
    memset (&tick, 0, sizeof tick);
    snprintf (tick.symbol, sizeof tick.symbol, "%s", symbol);
    tick.ltp = ltp;
    return tick;
}

//  One tick of SYMBOL at ltp; returns the hit and fills *decision.
static rm_hit_t
s_at (const tw_position_t *pos, rm_trail_t *trail, double ltp, rm_decision_t *decision)
{
    tw_tick_t tick = s_tick (SYMBOL, ltp);
    return rm_rules_tick (pos, trail, &tick, decision);
}

//  A fresh trailing state and a run of ticks that must not hit.
static void
s_run (const tw_position_t *pos, rm_trail_t *trail, const double *ltps, size_t count)
{
    for (size_t i = 0; i < count; i++)
        ck_assert_msg (s_at (pos, trail, ltps[i], NULL) == RM_HIT_NONE, "tick %zu (%.2f) hit", i,
                       ltps[i]);
}

START_TEST (test_reasons)
{
    ck_assert_str_eq (rm_hit_reason (RM_HIT_SL), "SL Hit");
    ck_assert_str_eq (rm_hit_reason (RM_HIT_TP), "TP Hit");
    ck_assert_str_eq (rm_hit_reason (RM_HIT_TRAILING_SL), "Trailing SL Hit");
    ck_assert_str_eq (rm_hit_reason (RM_HIT_NONE), "");
    ck_assert_str_eq (rm_hit_reason (RM_HIT_SL), TW_REASON_SL_HIT);
    ck_assert_str_eq (rm_hit_reason (RM_HIT_TP), TW_REASON_TP_HIT);
    ck_assert_str_eq (rm_hit_reason (RM_HIT_TRAILING_SL), TW_REASON_TRAILING_SL_HIT);
}
END_TEST

START_TEST (test_long_sl_and_tp)
{
    tw_position_t pos = s_pos (TW_SIDE_LONG, 100, 95, 110, 0);
    rm_trail_t trail = {0};
    rm_decision_t d;
    ck_assert_int_eq (s_at (&pos, &trail, 100, &d), RM_HIT_NONE);
    ck_assert_double_eq (d.level, 0);
    ck_assert_double_eq (d.trail_stop, 0);
    ck_assert_int_eq (s_at (&pos, &trail, 95.05, &d), RM_HIT_NONE);
    ck_assert_int_eq (s_at (&pos, &trail, 109.95, &d), RM_HIT_NONE);
    //  Equality hits, both ways.
    ck_assert_int_eq (s_at (&pos, &trail, 95, &d), RM_HIT_SL);
    ck_assert_double_eq (d.level, 95);
    ck_assert_int_eq (s_at (&pos, &trail, 94.95, &d), RM_HIT_SL);
    ck_assert_int_eq (s_at (&pos, &trail, 1, &d), RM_HIT_SL);
    ck_assert_int_eq (s_at (&pos, &trail, 110, &d), RM_HIT_TP);
    ck_assert_double_eq (d.level, 110);
    ck_assert_int_eq (s_at (&pos, &trail, 150, &d), RM_HIT_TP);
    //  No trail: the trailing state is never touched.
    ck_assert (!trail.active);
}
END_TEST

START_TEST (test_short_sl_and_tp)
{
    tw_position_t pos = s_pos (TW_SIDE_SHORT, 100, 105, 90, 0);
    rm_trail_t trail = {0};
    rm_decision_t d;
    ck_assert_int_eq (s_at (&pos, &trail, 100, &d), RM_HIT_NONE);
    ck_assert_int_eq (s_at (&pos, &trail, 104.95, &d), RM_HIT_NONE);
    ck_assert_int_eq (s_at (&pos, &trail, 90.05, &d), RM_HIT_NONE);
    ck_assert_int_eq (s_at (&pos, &trail, 105, &d), RM_HIT_SL);
    ck_assert_double_eq (d.level, 105);
    ck_assert_int_eq (s_at (&pos, &trail, 120, &d), RM_HIT_SL);
    ck_assert_int_eq (s_at (&pos, &trail, 90, &d), RM_HIT_TP);
    ck_assert_double_eq (d.level, 90);
    ck_assert_int_eq (s_at (&pos, &trail, 0.05, &d), RM_HIT_TP);
}
END_TEST

START_TEST (test_unset_levels)
{
    //  0 means "not set": no price ever hits an unset level.
    static const double ltps[] = {0.05, 1, 50, 100, 1e6};
    for (int side = -1; side <= 1; side += 2) {
        tw_position_t pos = s_pos ((tw_side_t) side, 100, 0, 0, 0);
        rm_trail_t trail = {0};
        s_run (&pos, &trail, ltps, sizeof ltps / sizeof ltps[0]);
        //  Only the stop set, or only the target.
        pos = s_pos ((tw_side_t) side, 100, side > 0 ? 95 : 105, 0, 0);
        ck_assert_int_eq (s_at (&pos, &trail, side > 0 ? 1e6 : 0.05, NULL), RM_HIT_NONE);
        ck_assert_int_eq (s_at (&pos, &trail, side > 0 ? 95 : 105, NULL), RM_HIT_SL);
        pos = s_pos ((tw_side_t) side, 100, 0, side > 0 ? 110 : 90, 0);
        ck_assert_int_eq (s_at (&pos, &trail, side > 0 ? 0.05 : 1e6, NULL), RM_HIT_NONE);
        ck_assert_int_eq (s_at (&pos, &trail, side > 0 ? 110 : 90, NULL), RM_HIT_TP);
    }
    //  Levels that are not finite, or negative, are not set either.
    tw_position_t pos = s_pos (TW_SIDE_LONG, 100, NAN, -5, INFINITY);
    rm_trail_t trail = {0};
    s_run (&pos, &trail, ltps, sizeof ltps / sizeof ltps[0]);
    ck_assert (!trail.active);
}
END_TEST

START_TEST (test_crossed_levels_stop_first)
{
    //  tp below sl (a long): a tick between satisfies both; the stop wins.
    tw_position_t pos = s_pos (TW_SIDE_LONG, 100, 105, 100, 0);
    rm_trail_t trail = {0};
    rm_decision_t d;
    ck_assert_int_eq (s_at (&pos, &trail, 102, &d), RM_HIT_SL);
    ck_assert_double_eq (d.level, 105);
    ck_assert_int_eq (s_at (&pos, &trail, 105, &d), RM_HIT_SL);
    ck_assert_int_eq (s_at (&pos, &trail, 100, &d), RM_HIT_SL);
    //  Above both: only the target.
    ck_assert_int_eq (s_at (&pos, &trail, 105.05, &d), RM_HIT_TP);
    //  A short mirrored: tp above sl.
    pos = s_pos (TW_SIDE_SHORT, 100, 95, 100, 0);
    ck_assert_int_eq (s_at (&pos, &trail, 97, &d), RM_HIT_SL);
    ck_assert_double_eq (d.level, 95);
    ck_assert_int_eq (s_at (&pos, &trail, 94.95, &d), RM_HIT_TP);
    //  A trailing stop raised above a target set later: the stop wins.
    pos = s_pos (TW_SIDE_LONG, 100, 0, 0, 2);
    trail = (rm_trail_t){0};
    static const double up[] = {100, 105, 110};
    s_run (&pos, &trail, up, 3);
    pos.tp = 107;
    ck_assert_int_eq (s_at (&pos, &trail, 107.5, &d), RM_HIT_TRAILING_SL);
    ck_assert_double_eq (d.level, 108);
}
END_TEST

START_TEST (test_ignored_input)
{
    tw_position_t pos = s_pos (TW_SIDE_LONG, 100, 95, 110, 2);
    rm_trail_t trail = {0};
    rm_decision_t d;
    static const double bad[] = {NAN, -NAN, INFINITY, -INFINITY, 0, -0.0, -1, -95};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        d.hit = RM_HIT_SL;
        ck_assert_int_eq (s_at (&pos, &trail, bad[i], &d), RM_HIT_NONE);
        ck_assert_int_eq (d.hit, RM_HIT_NONE);
    }
    //  Nothing above started the trailing anchor.
    ck_assert (!trail.active);
    //  A tick of another symbol.
    tw_tick_t other = s_tick (OTHER, 1);
    ck_assert_int_eq (rm_rules_tick (&pos, &trail, &other, &d), RM_HIT_NONE);
    ck_assert (!trail.active);
    //  A position that is closing (an exit in flight) or closed.
    pos.state = TW_STATE_CLOSING;
    ck_assert_int_eq (s_at (&pos, &trail, 1, &d), RM_HIT_NONE);
    pos.state = TW_STATE_CLOSED;
    ck_assert_int_eq (s_at (&pos, &trail, 1, &d), RM_HIT_NONE);
    pos.state = TW_STATE_NONE;
    ck_assert_int_eq (s_at (&pos, &trail, 1, &d), RM_HIT_NONE);
    //  No side.
    pos = s_pos (TW_SIDE_NONE, 100, 95, 110, 2);
    ck_assert_int_eq (s_at (&pos, &trail, 1, &d), RM_HIT_NONE);
    ck_assert (!trail.active);
    //  NULL records.
    tw_tick_t tick = s_tick (SYMBOL, 1);
    pos = s_pos (TW_SIDE_LONG, 100, 95, 110, 2);
    ck_assert_int_eq (rm_rules_tick (NULL, &trail, &tick, &d), RM_HIT_NONE);
    ck_assert_int_eq (rm_rules_tick (&pos, NULL, &tick, &d), RM_HIT_NONE);
    ck_assert_int_eq (rm_rules_tick (&pos, &trail, NULL, &d), RM_HIT_NONE);
    ck_assert_int_eq (rm_rules_tick (&pos, &trail, &tick, NULL), RM_HIT_SL);
}
END_TEST

START_TEST (test_long_trailing)
{
    tw_position_t pos = s_pos (TW_SIDE_LONG, 100, 95, 0, 2);
    rm_trail_t trail = {0};
    rm_decision_t d;
    //  Starts at the entry: stop at 98, tighter than sl 95.
    ck_assert_int_eq (s_at (&pos, &trail, 99, &d), RM_HIT_NONE);
    ck_assert (trail.active);
    ck_assert_double_eq (trail.anchor, 100);
    ck_assert_double_eq (d.trail_stop, 98);
    //  Rises: the stop follows the best price, never back.
    static const double up[] = {101, 103, 102, 101.05};
    s_run (&pos, &trail, up, 4);
    ck_assert_double_eq (trail.anchor, 103);
    ck_assert_double_eq (rm_rules_trail_stop (&pos, &trail), 101);
    //  Falls to the stop (equality): the moved trailing stop was hit.
    ck_assert_int_eq (s_at (&pos, &trail, 101, &d), RM_HIT_TRAILING_SL);
    ck_assert_double_eq (d.level, 101);
    ck_assert_double_eq (d.trail_stop, 101);
    //  A gap far below the stop and below sl: still the trailing stop.
    ck_assert_int_eq (s_at (&pos, &trail, 90, &d), RM_HIT_TRAILING_SL);
    ck_assert_double_eq (d.level, 101);
}
END_TEST

START_TEST (test_trailing_unmoved_is_sl_hit)
{
    //  The stop in force is the trailing stop at its initial level (98, above
    //  sl 95): hit before the price ever rose above the entry -> "SL Hit".
    tw_position_t pos = s_pos (TW_SIDE_LONG, 100, 95, 0, 2);
    rm_trail_t trail = {0};
    rm_decision_t d;
    ck_assert_int_eq (s_at (&pos, &trail, 99, &d), RM_HIT_NONE);
    ck_assert_int_eq (s_at (&pos, &trail, 98, &d), RM_HIT_SL);
    ck_assert_double_eq (d.level, 98);
    //  Short mirrored: entry 100, trail 2 -> stop 102.
    pos = s_pos (TW_SIDE_SHORT, 100, 105, 0, 2);
    trail = (rm_trail_t){0};
    ck_assert_int_eq (s_at (&pos, &trail, 101, &d), RM_HIT_NONE);
    ck_assert_int_eq (s_at (&pos, &trail, 102, &d), RM_HIT_SL);
    ck_assert_double_eq (d.level, 102);
}
END_TEST

START_TEST (test_short_trailing)
{
    tw_position_t pos = s_pos (TW_SIDE_SHORT, 100, 105, 0, 2);
    rm_trail_t trail = {0};
    rm_decision_t d;
    static const double down[] = {100, 99, 97, 98.5, 98.95};
    s_run (&pos, &trail, down, 5);
    ck_assert_double_eq (trail.anchor, 97);
    ck_assert_double_eq (rm_rules_trail_stop (&pos, &trail), 99);
    ck_assert_int_eq (s_at (&pos, &trail, 99, &d), RM_HIT_TRAILING_SL);
    ck_assert_double_eq (d.level, 99);
    ck_assert_int_eq (s_at (&pos, &trail, 130, &d), RM_HIT_TRAILING_SL);
}
END_TEST

START_TEST (test_trailing_without_sl)
{
    //  sl = 0 means none: the short's anchor starts at the entry, not at
    //  0 - trail.
    tw_position_t pos = s_pos (TW_SIDE_SHORT, 100, 0, 0, 3);
    rm_trail_t trail = {0};
    rm_decision_t d;
    ck_assert_int_eq (s_at (&pos, &trail, 102.95, &d), RM_HIT_NONE);
    ck_assert_double_eq (trail.anchor, 100);
    ck_assert_double_eq (d.trail_stop, 103);
    ck_assert_int_eq (s_at (&pos, &trail, 103, &d), RM_HIT_SL);
    ck_assert_double_eq (d.level, 103);
    //  Long without sl: trails from the entry, moved once above it.
    pos = s_pos (TW_SIDE_LONG, 100, 0, 0, 3);
    trail = (rm_trail_t){0};
    ck_assert_int_eq (s_at (&pos, &trail, 110, &d), RM_HIT_NONE);
    ck_assert_double_eq (d.trail_stop, 107);
    ck_assert_int_eq (s_at (&pos, &trail, 107, &d), RM_HIT_TRAILING_SL);
    //  Neither entry nor sl: the first tick starts the anchor; never
    //  "moved", since where it started is not known.
    pos = s_pos (TW_SIDE_LONG, 0, 0, 0, 2);
    trail = (rm_trail_t){0};
    ck_assert_int_eq (s_at (&pos, &trail, 50, &d), RM_HIT_NONE);
    ck_assert_double_eq (trail.anchor, 50);
    ck_assert_int_eq (s_at (&pos, &trail, 55, &d), RM_HIT_NONE);
    ck_assert_int_eq (s_at (&pos, &trail, 53, &d), RM_HIT_SL);
    ck_assert_double_eq (d.level, 53);
}
END_TEST

START_TEST (test_trailing_stop_not_positive)
{
    //  trail larger than the price: anchor - trail <= 0 is no stop.
    tw_position_t pos = s_pos (TW_SIDE_LONG, 3, 0, 0, 5);
    rm_trail_t trail = {0};
    rm_decision_t d;
    ck_assert_int_eq (s_at (&pos, &trail, 0.05, &d), RM_HIT_NONE);
    ck_assert_double_eq (d.trail_stop, 0);
    ck_assert_double_eq (rm_rules_trail_stop (&pos, &trail), 0);
    ck_assert_double_eq (rm_rules_trail_sl (&pos, &trail), 0);
    //  A take-profit still holds.
    pos.tp = 4;
    ck_assert_int_eq (s_at (&pos, &trail, 4, &d), RM_HIT_TP);
}
END_TEST

START_TEST (test_restore_after_restart)
{
    //  The gateway holds sl 102, written by trailing (entry 100, trail 2,
    //  best price 104). A fresh trailing state starts at sl + trail = 104.
    tw_position_t pos = s_pos (TW_SIDE_LONG, 100, 102, 0, 2);
    rm_trail_t trail = {0};
    rm_decision_t d;
    ck_assert_int_eq (s_at (&pos, &trail, 103, &d), RM_HIT_NONE);
    ck_assert_double_eq (trail.anchor, 104);
    ck_assert_double_eq (d.trail_stop, 102);
    ck_assert_int_eq (s_at (&pos, &trail, 102, &d), RM_HIT_TRAILING_SL);
    ck_assert_double_eq (d.level, 102);
    //  Short: sl 98 written by trailing (entry 100, trail 2, best 96).
    pos = s_pos (TW_SIDE_SHORT, 100, 98, 0, 2);
    trail = (rm_trail_t){0};
    ck_assert_int_eq (s_at (&pos, &trail, 97.95, &d), RM_HIT_NONE);
    ck_assert_double_eq (trail.anchor, 96);
    ck_assert_int_eq (s_at (&pos, &trail, 98, &d), RM_HIT_TRAILING_SL);
    //  The documented consequence: sl set within trail of the entry at open
    //  looks the same, and is reported as trailing.
    pos = s_pos (TW_SIDE_LONG, 100, 99, 0, 5);
    trail = (rm_trail_t){0};
    ck_assert_int_eq (s_at (&pos, &trail, 100, &d), RM_HIT_NONE);
    ck_assert_double_eq (trail.anchor, 104);
    ck_assert_int_eq (s_at (&pos, &trail, 99, &d), RM_HIT_TRAILING_SL);
}
END_TEST

START_TEST (test_seen_opening)
{
    //  Seen opening with sl within trail of the entry (sl 99.5 = entry,
    //  trail 0.3): the trailing stop starts at sl, and a hit before any new
    //  best price is the plain stop.
    tw_position_t pos = s_pos (TW_SIDE_LONG, 99.5, 99.5, 0, 0.3);
    rm_trail_t trail = {0};
    trail.opened_here = true;
    rm_decision_t d;
    ck_assert_int_eq (s_at (&pos, &trail, 99.6, &d), RM_HIT_NONE);
    ck_assert (trail.opened_here);
    ck_assert_double_eq_tol (trail.origin, 99.8, 1e-9);
    ck_assert_int_eq (s_at (&pos, &trail, 99.4, &d), RM_HIT_SL);
    ck_assert_double_eq_tol (d.level, 99.5, 1e-9);
    //  After a new best price it has moved: trailing.
    trail = (rm_trail_t){.opened_here = true};
    static const double up[] = {99.6, 99.9, 100.2};
    s_run (&pos, &trail, up, 3);
    ck_assert_int_eq (s_at (&pos, &trail, 99.9, &d), RM_HIT_TRAILING_SL);
    ck_assert_double_eq_tol (d.level, 99.9, 1e-9);
    //  The same position first seen in a snapshot: reported as trailing
    //  (the documented consequence).
    trail = (rm_trail_t){0};
    ck_assert_int_eq (s_at (&pos, &trail, 99.6, &d), RM_HIT_NONE);
    ck_assert_int_eq (s_at (&pos, &trail, 99.4, &d), RM_HIT_TRAILING_SL);
    //  Seen opening with a wide sl: the start is the entry, as before.
    pos = s_pos (TW_SIDE_SHORT, 100, 105, 0, 2);
    trail = (rm_trail_t){.opened_here = true};
    ck_assert_int_eq (s_at (&pos, &trail, 101, &d), RM_HIT_NONE);
    ck_assert_int_eq (s_at (&pos, &trail, 102, &d), RM_HIT_SL);
    ck_assert_int_eq (s_at (&pos, &trail, 97, &d), RM_HIT_NONE);
    ck_assert_int_eq (s_at (&pos, &trail, 99, &d), RM_HIT_TRAILING_SL);
    //  The flag belongs to the position seen opening, not to another one
    //  that later shows up under the same id.
    pos = s_pos (TW_SIDE_LONG, 99.5, 99.5, 0, 0.3);
    ck_assert_int_eq (s_at (&pos, &trail, 99.6, &d), RM_HIT_NONE);
    ck_assert (!trail.opened_here);
    ck_assert_int_eq (s_at (&pos, &trail, 99.5, &d), RM_HIT_TRAILING_SL);
}
END_TEST

START_TEST (test_modify_takes_effect)
{
    tw_position_t pos = s_pos (TW_SIDE_LONG, 100, 95, 0, 2);
    rm_trail_t trail = {0};
    rm_decision_t d;
    ck_assert_int_eq (s_at (&pos, &trail, 101, &d), RM_HIT_NONE);
    ck_assert_double_eq (trail.anchor, 101);
    //  An operator raises sl above anchor - trail: the anchor follows.
    pos.sl = 100.5;
    ck_assert_int_eq (s_at (&pos, &trail, 101, &d), RM_HIT_NONE);
    ck_assert_double_eq (trail.anchor, 102.5);
    ck_assert_int_eq (s_at (&pos, &trail, 100.5, &d), RM_HIT_TRAILING_SL);
    //  A narrower trail tightens the stop at once.
    pos = s_pos (TW_SIDE_LONG, 100, 95, 0, 2);
    trail = (rm_trail_t){0};
    ck_assert_int_eq (s_at (&pos, &trail, 104, &d), RM_HIT_NONE);
    pos.trail = 1;
    ck_assert_int_eq (s_at (&pos, &trail, 103.5, &d), RM_HIT_NONE);
    ck_assert_double_eq (d.trail_stop, 103);
    //  The trail removed: only sl and tp count.
    pos.trail = 0;
    ck_assert_int_eq (s_at (&pos, &trail, 96, &d), RM_HIT_NONE);
    ck_assert_double_eq (d.trail_stop, 0);
    ck_assert_int_eq (s_at (&pos, &trail, 95, &d), RM_HIT_SL);
}
END_TEST

START_TEST (test_new_position_same_id)
{
    //  A long that reached 110 is closed; a short opens under the same id.
    tw_position_t pos = s_pos (TW_SIDE_LONG, 100, 0, 0, 2);
    rm_trail_t trail = {0};
    rm_decision_t d;
    ck_assert_int_eq (s_at (&pos, &trail, 110, &d), RM_HIT_NONE);
    pos = s_pos (TW_SIDE_SHORT, 100, 0, 0, 2);
    ck_assert_int_eq (s_at (&pos, &trail, 101, &d), RM_HIT_NONE);
    ck_assert_int_eq (trail.side, TW_SIDE_SHORT);
    ck_assert_double_eq (trail.anchor, 100);
    //  Same side, another entry: starts afresh too.
    pos = s_pos (TW_SIDE_SHORT, 90, 0, 0, 2);
    ck_assert_int_eq (s_at (&pos, &trail, 91, &d), RM_HIT_NONE);
    ck_assert_double_eq (trail.anchor, 90);
    ck_assert_int_eq (s_at (&pos, &trail, 92, &d), RM_HIT_SL);
    //  A trail state of another position gives no stop.
    tw_position_t other = s_pos (TW_SIDE_LONG, 90, 0, 0, 2);
    ck_assert_double_eq (rm_rules_trail_stop (&other, &trail), 0);
}
END_TEST

START_TEST (test_trail_sl_to_persist)
{
    //  sl 95 held; the initial trailing stop 98 is already tighter by more
    //  than a tick: written at once.
    tw_position_t pos = s_pos (TW_SIDE_LONG, 100, 95, 0, 2);
    rm_trail_t trail = {0};
    ck_assert_double_eq (rm_rules_trail_sl (&pos, &trail), 0); //  nothing seen yet
    s_at (&pos, &trail, 100, NULL);
    ck_assert_double_eq_tol (rm_rules_trail_sl (&pos, &trail), 98, EPS);
    //  The gateway now holds 98: less than a tick more is not worth a write.
    pos.sl = 98;
    s_at (&pos, &trail, 100.04, NULL);
    ck_assert_double_eq (rm_rules_trail_sl (&pos, &trail), 0);
    s_at (&pos, &trail, 100.05, NULL);
    ck_assert_double_eq_tol (rm_rules_trail_sl (&pos, &trail), 98.05, EPS);
    //  Rounded down to the tick grid (never tighter than the stop).
    s_at (&pos, &trail, 103.37, NULL);
    ck_assert_double_eq_tol (rm_rules_trail_sl (&pos, &trail), 101.35, EPS);
    //  On the grid already, despite binary floating point.
    s_at (&pos, &trail, 103.40, NULL);
    ck_assert_double_eq_tol (rm_rules_trail_sl (&pos, &trail), 101.40, EPS);
    //  Not for a position that is closing.
    pos.state = TW_STATE_CLOSING;
    ck_assert_double_eq (rm_rules_trail_sl (&pos, &trail), 0);
    //  No trail, nothing to write.
    pos = s_pos (TW_SIDE_LONG, 100, 95, 0, 0);
    trail = (rm_trail_t){0};
    s_at (&pos, &trail, 120, NULL);
    ck_assert_double_eq (rm_rules_trail_sl (&pos, &trail), 0);
}
END_TEST

START_TEST (test_trail_sl_without_sl)
{
    //  No sl held: written only once the stop moved a tick above its
    //  initial level (entry - trail).
    tw_position_t pos = s_pos (TW_SIDE_LONG, 100, 0, 0, 2);
    rm_trail_t trail = {0};
    s_at (&pos, &trail, 99, NULL);
    ck_assert_double_eq (rm_rules_trail_sl (&pos, &trail), 0);
    s_at (&pos, &trail, 100.05, NULL);
    ck_assert_double_eq_tol (rm_rules_trail_sl (&pos, &trail), 98.05, EPS);
    //  Short: rounded up, the looser side.
    pos = s_pos (TW_SIDE_SHORT, 100, 0, 0, 2);
    trail = (rm_trail_t){0};
    s_at (&pos, &trail, 100.5, NULL);
    ck_assert_double_eq (rm_rules_trail_sl (&pos, &trail), 0);
    s_at (&pos, &trail, 96.33, NULL);
    ck_assert_double_eq_tol (rm_rules_trail_sl (&pos, &trail), 98.35, EPS);
    //  Short with sl held: only tighter (lower) by a tick.
    pos.sl = 98.35;
    s_at (&pos, &trail, 96.31, NULL);
    ck_assert_double_eq (rm_rules_trail_sl (&pos, &trail), 0);
    s_at (&pos, &trail, 96.30, NULL);
    ck_assert_double_eq_tol (rm_rules_trail_sl (&pos, &trail), 98.30, EPS);
}
END_TEST

START_TEST (test_is_set)
{
    ck_assert (rm_rules_is_set (0.05));
    ck_assert (rm_rules_is_set (1e9));
    ck_assert (!rm_rules_is_set (0));
    ck_assert (!rm_rules_is_set (-0.05));
    ck_assert (!rm_rules_is_set (NAN));
    ck_assert (!rm_rules_is_set (INFINITY));
    ck_assert (!rm_rules_is_set (-INFINITY));
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("rm_rules");
    TCase *tc = tcase_create ("core");
    tcase_add_test (tc, test_reasons);
    tcase_add_test (tc, test_long_sl_and_tp);
    tcase_add_test (tc, test_short_sl_and_tp);
    tcase_add_test (tc, test_unset_levels);
    tcase_add_test (tc, test_crossed_levels_stop_first);
    tcase_add_test (tc, test_ignored_input);
    tcase_add_test (tc, test_long_trailing);
    tcase_add_test (tc, test_trailing_unmoved_is_sl_hit);
    tcase_add_test (tc, test_short_trailing);
    tcase_add_test (tc, test_trailing_without_sl);
    tcase_add_test (tc, test_trailing_stop_not_positive);
    tcase_add_test (tc, test_restore_after_restart);
    tcase_add_test (tc, test_seen_opening);
    tcase_add_test (tc, test_modify_takes_effect);
    tcase_add_test (tc, test_new_position_same_id);
    tcase_add_test (tc, test_trail_sl_to_persist);
    tcase_add_test (tc, test_trail_sl_without_sl);
    tcase_add_test (tc, test_is_set);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
