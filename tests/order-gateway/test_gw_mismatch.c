//  Unit tests for gw_mismatch: the comparison of a position with a broker
//  read, by a scan and by the index a reconciliation builds once per read.
//  Both must give the same verdict and the same entries, in every case.

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_mismatch.h"

#define T_MANY 10000

static void
s_entry (gw_broker_position_t *bp, const char *symbol, const char *product, int64_t net)
{
    memset (bp, 0, sizeof *bp);
    snprintf (bp->symbol, sizeof bp->symbol, "%s", symbol);
    snprintf (bp->product, sizeof bp->product, "%s", product);
    snprintf (bp->id, sizeof bp->id, "%s-%s", symbol, product);
    bp->net_qty = net;
    bp->multiplier = 1;
}

static tw_position_t
s_position (const char *symbol, const char *product, tw_side_t side, int64_t qty)
{
    tw_position_t pos;
    memset (&pos, 0, sizeof pos);
    snprintf (pos.symbol, sizeof pos.symbol, "%s", symbol);
    snprintf (pos.id, sizeof pos.id, "%s-%s", symbol, product);
    pos.side = side;
    pos.qty = qty;
    return pos;
}

//  Compares pos both ways; the two must agree. Returns the verdict and the
//  entries found.
static gw_held_t
s_both (const gw_call_t *call, const gw_mismatch_index_t *index, const tw_position_t *pos,
        const gw_broker_position_t **at_id, const gw_broker_position_t **elsewhere)
{
    const gw_broker_position_t *scan_at, *scan_elsewhere;
    gw_held_t scanned = gw_mismatch_compare (pos, call, &scan_at, &scan_elsewhere);
    gw_held_t indexed = gw_mismatch_compare_indexed (index, pos, at_id, elsewhere);
    ck_assert_int_eq (indexed, scanned);
    ck_assert_ptr_eq (*at_id, scan_at);
    ck_assert_ptr_eq (*elsewhere, scan_elsewhere);
    return indexed;
}

START_TEST (test_index_agrees_with_the_scan)
{
    gw_broker_position_t entries[8];
    s_entry (&entries[0], "NSE:A-EQ", "INTRADAY", 10);
    s_entry (&entries[1], "NSE:A-EQ", "CNC", 5);
    s_entry (&entries[2], "NSE:B-EQ", "INTRADAY", 0);
    s_entry (&entries[3], "NSE:C-EQ", "INTRADAY", -3);
    s_entry (&entries[4], "NSE:D-EQ", "INTRADAY", 1); //  the same id twice: the last counts
    s_entry (&entries[5], "NSE:D-EQ", "INTRADAY", 2);
    s_entry (&entries[6], "NSE:E-EQ", "CNC", 4);
    s_entry (&entries[7], "NSE:E-EQ", "MARGIN", 6);
    gw_call_t call;
    memset (&call, 0, sizeof call);
    call.positions = entries;
    call.position_count = 8;
    gw_mismatch_index_t *index = gw_mismatch_index_new (&call);
    ck_assert_ptr_nonnull (index);
    const gw_broker_position_t *at, *elsewhere;

    tw_position_t pos = s_position ("NSE:A-EQ", "INTRADAY", TW_SIDE_LONG, 10);
    ck_assert_int_eq (s_both (&call, index, &pos, &at, &elsewhere), GW_HELD_SAME);
    ck_assert_ptr_eq (at, &entries[0]);
    ck_assert_ptr_eq (elsewhere, &entries[1]);

    pos = s_position ("NSE:A-EQ", "INTRADAY", TW_SIDE_LONG, 7);
    ck_assert_int_eq (s_both (&call, index, &pos, &at, &elsewhere), GW_HELD_DIFFERENT);

    pos = s_position ("NSE:B-EQ", "INTRADAY", TW_SIDE_LONG, 1);
    ck_assert_int_eq (s_both (&call, index, &pos, &at, &elsewhere), GW_HELD_FLAT);
    ck_assert_ptr_eq (at, &entries[2]);
    ck_assert_ptr_null (elsewhere);

    pos = s_position ("NSE:C-EQ", "INTRADAY", TW_SIDE_SHORT, 3);
    ck_assert_int_eq (s_both (&call, index, &pos, &at, &elsewhere), GW_HELD_SAME);

    pos = s_position ("NSE:D-EQ", "INTRADAY", TW_SIDE_LONG, 2);
    ck_assert_int_eq (s_both (&call, index, &pos, &at, &elsewhere), GW_HELD_SAME);
    ck_assert_ptr_eq (at, &entries[5]);

    //  Absent at its id, the symbol held under two others: the first.
    pos = s_position ("NSE:E-EQ", "INTRADAY", TW_SIDE_LONG, 4);
    ck_assert_int_eq (s_both (&call, index, &pos, &at, &elsewhere), GW_HELD_ELSEWHERE);
    ck_assert_ptr_null (at);
    ck_assert_ptr_eq (elsewhere, &entries[6]);

    //  Held at its id and under another: the other is the first but itself.
    pos = s_position ("NSE:E-EQ", "CNC", TW_SIDE_LONG, 4);
    ck_assert_int_eq (s_both (&call, index, &pos, &at, &elsewhere), GW_HELD_SAME);
    ck_assert_ptr_eq (elsewhere, &entries[7]);

    pos = s_position ("NSE:F-EQ", "INTRADAY", TW_SIDE_LONG, 1);
    ck_assert_int_eq (s_both (&call, index, &pos, &at, &elsewhere), GW_HELD_FLAT);
    ck_assert_ptr_null (at);
    ck_assert_ptr_null (elsewhere);

    gw_mismatch_index_destroy (&index);
    ck_assert_ptr_null (index);
    gw_mismatch_index_destroy (&index); //  safe twice
}
END_TEST

//  A read of 10,000 positions: every one found at its id by the index.
START_TEST (test_index_of_a_large_read)
{
    gw_broker_position_t *entries =
        (gw_broker_position_t *) calloc (T_MANY, sizeof (gw_broker_position_t));
    ck_assert_ptr_nonnull (entries);
    for (int i = 0; i < T_MANY; i++) {
        char symbol[TW_SYMBOL_MAX];
        snprintf (symbol, sizeof symbol, "NSE:S%05d-EQ", i);
        s_entry (&entries[i], symbol, "INTRADAY", i % 3 == 0 ? 0 : 1);
    }
    gw_call_t call;
    memset (&call, 0, sizeof call);
    call.positions = entries;
    call.position_count = T_MANY;
    gw_mismatch_index_t *index = gw_mismatch_index_new (&call);
    int same = 0, flat = 0;
    for (int i = 0; i < T_MANY; i++) {
        tw_position_t pos = s_position (entries[i].symbol, "INTRADAY", TW_SIDE_LONG, 1);
        const gw_broker_position_t *at, *elsewhere;
        gw_held_t held = gw_mismatch_compare_indexed (index, &pos, &at, &elsewhere);
        ck_assert_ptr_eq (at, &entries[i]);
        ck_assert_ptr_null (elsewhere);
        same += held == GW_HELD_SAME;
        flat += held == GW_HELD_FLAT;
    }
    ck_assert_int_eq (flat, (T_MANY + 2) / 3);
    ck_assert_int_eq (same, T_MANY - flat);
    gw_mismatch_index_destroy (&index);
    free (entries);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("gw_mismatch");
    TCase *tc = tcase_create ("core");
    tcase_add_test (tc, test_index_agrees_with_the_scan);
    tcase_add_test (tc, test_index_of_a_large_read);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
