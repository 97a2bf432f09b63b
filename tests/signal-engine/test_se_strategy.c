//  Unit tests of the sma_cross strategy (se_strategy) on synthetic price
//  series: no cross, one cross up, one down, a flip-flop with the position
//  following the actions, the warm-up, one symbol not disturbing another,
//  one action in flight per symbol, unknown positions, and the stops.

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "se_strategy.h"

#define FAST 2
#define SLOW 4
#define SETTLE_MS 1000
#define SBIN "NSE:SBIN-EQ"
#define INFY "NSE:INFY-EQ"
#define SERIES_MAX 64
#define PRICE_TOL 1e-9

//  A strategy following SBIN and INFY.
static se_strategy_t *
s_new (void)
{
    se_strategy_t *self = se_strategy_new (FAST, SLOW, SETTLE_MS);
    ck_assert_ptr_nonnull (self);
    char err[256] = "";
    ck_assert_int_eq (se_strategy_add_symbols (self, SBIN ", " INFY, err, sizeof err), 0);
    ck_assert_uint_eq (se_strategy_size (self), 2);
    return self;
}

//  Feeds prices to symbol while flat and positions known, at time 0, and
//  writes the action of each into actions.
static void
s_feed (se_strategy_t *self, const char *symbol, const double *prices, size_t count,
        tw_action_t *actions)
{
    for (size_t i = 0; i < count; i++)
        actions[i] = se_strategy_tick (self, symbol, prices[i], true, NULL, 0);
}

//  The index of the only action in actions, or -1 when there is none, -2
//  when there are several.
static int
s_only_action (const tw_action_t *actions, size_t count)
{
    int found = -1;
    for (size_t i = 0; i < count; i++) {
        if (actions[i] == TW_ACTION_NONE)
            continue;
        if (found >= 0)
            return -2;
        found = (int) i;
    }
    return found;
}

static tw_position_t
s_position (const char *symbol, tw_side_t side, tw_state_t state)
{
    tw_position_t pos;
    memset (&pos, 0, sizeof pos);
    snprintf (pos.id, sizeof pos.id, "%s-INTRADAY", symbol);
    snprintf (pos.symbol, sizeof pos.symbol, "%s", symbol);
    pos.side = side;
    pos.qty = 1;
    pos.state = state;
    return pos;
}

START_TEST (test_no_cross)
{
    se_strategy_t *self = s_new ();
    tw_action_t actions[SERIES_MAX];
    //  Flat: every reading level.
    static const double flat[] = {100, 100, 100, 100, 100, 100, 100, 100};
    s_feed (self, SBIN, flat, 8, actions);
    ck_assert_int_eq (s_only_action (actions, 8), -1);
    //  Rising from the first price: the first reading is already above, and
    //  a first reading is no cross.
    static const double rising[] = {100, 101, 102, 103, 104, 105, 106, 107, 108};
    s_feed (self, INFY, rising, 9, actions);
    ck_assert_int_eq (s_only_action (actions, 9), -1);
    double fast, slow;
    ck_assert (se_strategy_averages (self, INFY, &fast, &slow));
    ck_assert_double_eq_tol (fast, 107.5, PRICE_TOL);
    ck_assert_double_eq_tol (slow, 106.5, PRICE_TOL);
    se_strategy_destroy (&self);
    ck_assert_ptr_null (self);
    se_strategy_destroy (&self);
}
END_TEST

START_TEST (test_warm_up)
{
    se_strategy_t *self = s_new ();
    double fast, slow;
    //  SLOW - 1 prices: no reading, whatever they do.
    static const double prices[] = {100, 90, 110};
    for (int i = 0; i < SLOW - 1; i++) {
        ck_assert_int_eq (se_strategy_tick (self, SBIN, prices[i], true, NULL, 0), TW_ACTION_NONE);
        ck_assert (!se_strategy_averages (self, SBIN, &fast, &slow));
    }
    //  The SLOW-th price gives the first reading (above: no cross yet).
    ck_assert_int_eq (se_strategy_tick (self, SBIN, 120, true, NULL, 0), TW_ACTION_NONE);
    ck_assert (se_strategy_averages (self, SBIN, &fast, &slow));
    ck_assert_double_eq_tol (fast, 115, PRICE_TOL);
    ck_assert_double_eq_tol (slow, 105, PRICE_TOL);
    //  From level, the warm-up ends and a rise is a cross at the first
    //  price above.
    se_strategy_t *other = s_new ();
    static const double series[] = {100, 100, 100, 100, 101};
    tw_action_t actions[5];
    s_feed (other, SBIN, series, 5, actions);
    ck_assert_int_eq (s_only_action (actions, 5), 4);
    ck_assert_int_eq (actions[4], TW_ACTION_OPEN_LONG);
    se_strategy_destroy (&other);
    se_strategy_destroy (&self);
}
END_TEST

START_TEST (test_cross_up)
{
    se_strategy_t *self = s_new ();
    //  Falling (below), then rising: one cross up, where fast passes slow.
    static const double prices[] = {110, 108, 106, 104, 102, 100, 101, 103, 105, 107, 109};
    tw_action_t actions[11];
    s_feed (self, SBIN, prices, 11, actions);
    //  At 103: fast (101 + 103) / 2 = 102 > slow (100 + 101 + 102 + 103) / 4 = 101.5.
    ck_assert_int_eq (s_only_action (actions, 11), 7);
    ck_assert_int_eq (actions[7], TW_ACTION_OPEN_LONG);
    se_strategy_destroy (&self);
}
END_TEST

START_TEST (test_cross_down)
{
    se_strategy_t *self = s_new ();
    static const double prices[] = {100, 102, 104, 106, 108, 110, 109, 107, 105, 103};
    tw_action_t actions[10];
    s_feed (self, SBIN, prices, 10, actions);
    //  At 107: fast (109 + 107) / 2 = 108 < slow (108 + 110 + 109 + 107) / 4 = 108.5.
    ck_assert_int_eq (s_only_action (actions, 10), 7);
    ck_assert_int_eq (actions[7], TW_ACTION_OPEN_SHORT);
    se_strategy_destroy (&self);
}
END_TEST

START_TEST (test_touch_is_no_cross)
{
    se_strategy_t *self = s_new ();
    //  Above, then level (a flat window), then above again: no cross.
    static const double prices[] = {100, 101, 102, 103, 103, 103, 103, 103};
    tw_action_t actions[8];
    s_feed (self, SBIN, prices, 8, actions);
    ck_assert_int_eq (s_only_action (actions, 8), -1);
    double fast, slow;
    ck_assert (se_strategy_averages (self, SBIN, &fast, &slow));
    ck_assert_double_eq (fast, slow);
    ck_assert_int_eq (se_strategy_tick (self, SBIN, 104, true, NULL, 0), TW_ACTION_NONE);
    se_strategy_destroy (&self);
}
END_TEST

//  Feeds prices to SBIN with the position following the actions as a
//  gateway would (an open fills at once, a close flattens at once), all at
//  time 0, so that only the position frees the symbol. Writes the actions
//  taken.
static void
s_trade (se_strategy_t *self, const double *prices, size_t count, tw_action_t *actions)
{
    tw_position_t pos;
    bool have = false;
    for (size_t i = 0; i < count; i++) {
        actions[i] = se_strategy_tick (self, SBIN, prices[i], true, have ? &pos : NULL, 0);
        if (actions[i] == TW_ACTION_OPEN_LONG || actions[i] == TW_ACTION_OPEN_SHORT) {
            ck_assert (!have);
            tw_side_t side = actions[i] == TW_ACTION_OPEN_LONG ? TW_SIDE_LONG : TW_SIDE_SHORT;
            pos = s_position (SBIN, side, TW_STATE_OPEN);
            have = true;
        }
        else if (actions[i] == TW_ACTION_CLOSE) {
            ck_assert (have);
            have = false;
        }
    }
}

START_TEST (test_flip_flop)
{
    se_strategy_t *self = s_new ();
    //  Level, then up, down, up, down: each swing crosses.
    static const double prices[] = {100, 100, 100, 100, 104, 108, 100, 92, 100, 108, 100, 92, 84};
    size_t count = sizeof prices / sizeof prices[0];
    tw_action_t actions[SERIES_MAX];
    s_trade (self, prices, count, actions);
    tw_action_t taken[SERIES_MAX];
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        if (actions[i] != TW_ACTION_NONE)
            taken[n++] = actions[i];
    //  Up: open long; down: close (not the short in the same breath); up:
    //  open long again; down: close.
    ck_assert_uint_eq (n, 4);
    ck_assert_int_eq (taken[0], TW_ACTION_OPEN_LONG);
    ck_assert_int_eq (taken[1], TW_ACTION_CLOSE);
    ck_assert_int_eq (taken[2], TW_ACTION_OPEN_LONG);
    ck_assert_int_eq (taken[3], TW_ACTION_CLOSE);
    se_strategy_destroy (&self);
}
END_TEST

START_TEST (test_decide)
{
    tw_position_t longpos = s_position (SBIN, TW_SIDE_LONG, TW_STATE_OPEN);
    tw_position_t shortpos = s_position (SBIN, TW_SIDE_SHORT, TW_STATE_OPEN);
    tw_position_t closing = s_position (SBIN, TW_SIDE_LONG, TW_STATE_CLOSING);
    ck_assert_int_eq (se_strategy_decide (SE_CROSS_NONE, NULL), TW_ACTION_NONE);
    ck_assert_int_eq (se_strategy_decide (SE_CROSS_UP, NULL), TW_ACTION_OPEN_LONG);
    ck_assert_int_eq (se_strategy_decide (SE_CROSS_DOWN, NULL), TW_ACTION_OPEN_SHORT);
    ck_assert_int_eq (se_strategy_decide (SE_CROSS_DOWN, &longpos), TW_ACTION_CLOSE);
    ck_assert_int_eq (se_strategy_decide (SE_CROSS_UP, &longpos), TW_ACTION_NONE);
    ck_assert_int_eq (se_strategy_decide (SE_CROSS_UP, &shortpos), TW_ACTION_CLOSE);
    ck_assert_int_eq (se_strategy_decide (SE_CROSS_DOWN, &shortpos), TW_ACTION_NONE);
    ck_assert_int_eq (se_strategy_decide (SE_CROSS_DOWN, &closing), TW_ACTION_NONE);
    ck_assert_int_eq (se_strategy_decide (SE_CROSS_UP, &closing), TW_ACTION_NONE);
}
END_TEST

START_TEST (test_symbols_isolated)
{
    se_strategy_t *self = s_new ();
    //  SBIN warms up and crosses up while INFY, interleaved, stays level and
    //  is still warming up when SBIN crosses.
    static const double sbin[] = {100, 100, 100, 100, 101};
    static const double infy[] = {500, 500, 500, 500, 500};
    for (int i = 0; i < 5; i++) {
        tw_action_t a = se_strategy_tick (self, SBIN, sbin[i], true, NULL, 0);
        ck_assert_int_eq (a, i == 4 ? TW_ACTION_OPEN_LONG : TW_ACTION_NONE);
        double fast, slow;
        //  INFY has had one price fewer than SBIN at this point.
        ck_assert (se_strategy_averages (self, INFY, &fast, &slow) == (i >= SLOW));
        ck_assert_int_eq (se_strategy_tick (self, INFY, infy[i], true, NULL, 0), TW_ACTION_NONE);
    }
    ck_assert (se_strategy_busy (self, SBIN));
    ck_assert (!se_strategy_busy (self, INFY));
    //  INFY crosses down on its own, busy SBIN notwithstanding.
    ck_assert_int_eq (se_strategy_tick (self, INFY, 499, true, NULL, 0), TW_ACTION_OPEN_SHORT);
    //  A symbol not followed, and bad prices, are ignored.
    ck_assert_int_eq (se_strategy_tick (self, "NSE:TCS-EQ", 1, true, NULL, 0), TW_ACTION_NONE);
    ck_assert_int_eq (se_strategy_tick (self, SBIN, NAN, true, NULL, 0), TW_ACTION_NONE);
    ck_assert_int_eq (se_strategy_tick (self, SBIN, -1, true, NULL, 0), TW_ACTION_NONE);
    ck_assert (!se_strategy_busy (self, "NSE:TCS-EQ"));
    se_strategy_release (self, "NSE:TCS-EQ");
    se_strategy_destroy (&self);
}
END_TEST

//  Level, then a cross up at the last price; then (after it) a cross down
//  at the second price; then a cross up at the second price.
static const double s_up[] = {100, 100, 100, 100, 101};
static const double s_down[] = {99, 98};
static const double s_up_again[] = {101, 104};

START_TEST (test_one_in_flight)
{
    se_strategy_t *self = s_new ();
    tw_action_t actions[5];
    s_feed (self, SBIN, s_up, 5, actions);
    ck_assert_int_eq (actions[4], TW_ACTION_OPEN_LONG);
    ck_assert (se_strategy_busy (self, SBIN));
    //  The open has not shown yet: a cross down meanwhile is spent.
    ck_assert_int_eq (se_strategy_tick (self, SBIN, s_down[0], true, NULL, 10), TW_ACTION_NONE);
    ck_assert_int_eq (se_strategy_tick (self, SBIN, s_down[1], true, NULL, 20), TW_ACTION_NONE);
    //  Refused: the symbol is free, and the next cross acts.
    se_strategy_release (self, SBIN);
    ck_assert (!se_strategy_busy (self, SBIN));
    ck_assert_int_eq (se_strategy_tick (self, SBIN, s_up_again[0], true, NULL, 30), TW_ACTION_NONE);
    ck_assert_int_eq (se_strategy_tick (self, SBIN, s_up_again[1], true, NULL, 40),
                      TW_ACTION_OPEN_LONG);
    //  Not answered and never shown: free again once SETTLE_MS have passed.
    ck_assert (se_strategy_busy (self, SBIN));
    ck_assert_int_eq (se_strategy_tick (self, SBIN, 104, true, NULL, 40 + SETTLE_MS - 1),
                      TW_ACTION_NONE);
    ck_assert (se_strategy_busy (self, SBIN));
    ck_assert_int_eq (se_strategy_tick (self, SBIN, 104, true, NULL, 40 + SETTLE_MS),
                      TW_ACTION_NONE);
    ck_assert (!se_strategy_busy (self, SBIN));
    se_strategy_destroy (&self);
}
END_TEST

START_TEST (test_settles_on_position)
{
    se_strategy_t *self = s_new ();
    tw_action_t actions[5];
    s_feed (self, SBIN, s_up, 5, actions);
    ck_assert_int_eq (actions[4], TW_ACTION_OPEN_LONG);
    //  The position shows: the same tick's cross down closes it.
    tw_position_t pos = s_position (SBIN, TW_SIDE_LONG, TW_STATE_OPEN);
    ck_assert_int_eq (se_strategy_tick (self, SBIN, 98, true, &pos, 10), TW_ACTION_CLOSE);
    ck_assert (se_strategy_busy (self, SBIN));
    //  Closing: still busy; a cross up meanwhile is spent.
    pos.state = TW_STATE_CLOSING;
    ck_assert_int_eq (se_strategy_tick (self, SBIN, 101, true, &pos, 20), TW_ACTION_NONE);
    ck_assert_int_eq (se_strategy_tick (self, SBIN, 104, true, &pos, 30), TW_ACTION_NONE);
    ck_assert (se_strategy_busy (self, SBIN));
    //  Closed: free; the next cross (down) opens short.
    ck_assert_int_eq (se_strategy_tick (self, SBIN, 104, true, NULL, 40), TW_ACTION_NONE);
    ck_assert (!se_strategy_busy (self, SBIN));
    ck_assert_int_eq (se_strategy_tick (self, SBIN, 95, true, NULL, 50), TW_ACTION_OPEN_SHORT);
    se_strategy_destroy (&self);
}
END_TEST

START_TEST (test_positions_unknown)
{
    se_strategy_t *self = s_new ();
    //  Without the gateway's view the cross up is spent, not acted on.
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq (se_strategy_tick (self, SBIN, s_up[i], false, NULL, 0), TW_ACTION_NONE);
    ck_assert (!se_strategy_busy (self, SBIN));
    //  Known again: nothing until the next cross.
    ck_assert_int_eq (se_strategy_tick (self, SBIN, 102, true, NULL, 0), TW_ACTION_NONE);
    ck_assert_int_eq (se_strategy_tick (self, SBIN, 97, true, NULL, 0), TW_ACTION_OPEN_SHORT);
    se_strategy_destroy (&self);
}
END_TEST

START_TEST (test_add_symbols)
{
    se_strategy_t *self = se_strategy_new (FAST, SLOW, SETTLE_MS);
    char err[256] = "";
    ck_assert_int_eq (se_strategy_add_symbols (self, "A,,B", err, sizeof err), -1);
    ck_assert_str_eq (err, "symbols: empty name in 'A,,B'");
    ck_assert_int_eq (se_strategy_add_symbols (self, "A, B ,A", err, sizeof err), -1);
    ck_assert_str_eq (err, "symbols: 'A' is listed twice");
    char long_name[TW_SYMBOL_MAX + 1];
    memset (long_name, 'X', TW_SYMBOL_MAX);
    long_name[TW_SYMBOL_MAX] = 0;
    ck_assert_int_eq (se_strategy_add_symbols (self, long_name, err, sizeof err), -1);
    ck_assert_ptr_nonnull (strstr (err, "is too long"));
    //  All or nothing.
    ck_assert_uint_eq (se_strategy_size (self), 0);
    static char many[SE_STRATEGY_MAX_SYMBOLS * 8];
    size_t len = 0;
    for (int i = 0; i <= SE_STRATEGY_MAX_SYMBOLS; i++)
        len += (size_t) snprintf (many + len, sizeof many - len, "%sS%d", i ? "," : "", i);
    ck_assert_int_eq (se_strategy_add_symbols (self, many, err, sizeof err), -1);
    ck_assert_ptr_nonnull (strstr (err, "more than"));
    ck_assert_uint_eq (se_strategy_size (self), 0);
    ck_assert_int_eq (se_strategy_add_symbols (self, " A , B", err, sizeof err), 0);
    ck_assert_uint_eq (se_strategy_size (self), 2);
    ck_assert_int_eq (se_strategy_add_symbols (self, "B", err, sizeof err), -1);
    se_strategy_destroy (&self);
}
END_TEST

START_TEST (test_stops)
{
    double sl, tp, trail;
    se_strategy_stops (TW_ACTION_OPEN_LONG, 100, 0.5, 1.0, 0, &sl, &tp, &trail);
    ck_assert_double_eq (sl, 99.5);
    ck_assert_double_eq (tp, 101);
    ck_assert_double_eq (trail, 0);
    se_strategy_stops (TW_ACTION_OPEN_SHORT, 100, 0.5, 1.0, 0.3, &sl, &tp, &trail);
    ck_assert_double_eq (sl, 100.5);
    ck_assert_double_eq (tp, 99);
    ck_assert_double_eq (trail, 0.3);
    //  Rounded to the 0.05 tick: 601.35 * 0.995 = 598.34325 -> 598.35.
    se_strategy_stops (TW_ACTION_OPEN_LONG, 601.35, 0.5, 1.0, 0.25, &sl, &tp, &trail);
    ck_assert_double_eq (sl, 598.35);
    ck_assert_double_eq (tp, 607.35);
    ck_assert_double_eq (trail, 1.5);
    //  0 is none; a tiny percentage is still one tick away.
    se_strategy_stops (TW_ACTION_OPEN_LONG, 100, 0, 0.001, 0.001, &sl, &tp, &trail);
    ck_assert_double_eq (sl, 0);
    ck_assert_double_eq (tp, 100.05);
    ck_assert_double_eq (trail, 0.05);
    se_strategy_stops (TW_ACTION_OPEN_SHORT, 100, 0.001, 0, 0, &sl, &tp, &trail);
    ck_assert_double_eq (sl, 100.05);
    ck_assert_double_eq (tp, 0);
    //  A take-profit at or below zero is left out.
    se_strategy_stops (TW_ACTION_OPEN_SHORT, 0.05, 1, 1, 0, &sl, &tp, &trail);
    ck_assert_double_eq (tp, 0);
    ck_assert (sl > 0.05);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("se_strategy");
    TCase *tc = tcase_create ("core");
    tcase_add_test (tc, test_no_cross);
    tcase_add_test (tc, test_warm_up);
    tcase_add_test (tc, test_cross_up);
    tcase_add_test (tc, test_cross_down);
    tcase_add_test (tc, test_touch_is_no_cross);
    tcase_add_test (tc, test_flip_flop);
    tcase_add_test (tc, test_decide);
    tcase_add_test (tc, test_symbols_isolated);
    tcase_add_test (tc, test_one_in_flight);
    tcase_add_test (tc, test_settles_on_position);
    tcase_add_test (tc, test_positions_unknown);
    tcase_add_test (tc, test_add_symbols);
    tcase_add_test (tc, test_stops);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
