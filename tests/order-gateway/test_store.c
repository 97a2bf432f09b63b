//  Unit tests for gw_store: schema and open errors, epoch and seq, positions
//  and their history, transactions, exit attempts, the reply table, pending
//  opens, and durability across a process killed mid-flight.

#define _XOPEN_SOURCE 700 //  nftw

#include <check.h>
#include <czmq.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gw_checkpoint.h"
#include "gw_store.h"
#include "tw_clock.h"

#define S_DIR_MAX 64 //  mkdtemp's template fits with room to spare
#define S_PATH_MAX 512
#define S_ERR_MAX 512
#define S_KEEP_REPLIES 10000
#define S_NFTW_FDS 16

static char s_dir[S_DIR_MAX];
static char s_db[S_PATH_MAX];

static void
s_setup (void)
{
    snprintf (s_dir, sizeof s_dir, "/tmp/tw_gw_store_XXXXXX");
    ck_assert_ptr_nonnull (mkdtemp (s_dir));
    snprintf (s_db, sizeof s_db, "%s/gateway.db", s_dir);
}

static int
s_remove_one (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st, (void) flag, (void) ftw;
    return remove (path);
}

static void
s_teardown (void)
{
    nftw (s_dir, s_remove_one, S_NFTW_FDS, FTW_DEPTH | FTW_PHYS);
}

static gw_store_t *
s_open (void)
{
    char err[S_ERR_MAX];
    gw_store_t *store = gw_store_open (s_db, err, sizeof err);
    ck_assert_msg (store != NULL, "open failed: %s", err);
    return store;
}

static gw_position_row_t
s_position (const char *id, tw_side_t side, int64_t qty, double entry)
{
    gw_position_row_t row;
    memset (&row, 0, sizeof row);
    snprintf (row.pos.id, sizeof row.pos.id, "%s", id);
    snprintf (row.pos.symbol, sizeof row.pos.symbol, "NSE:SBIN-EQ");
    snprintf (row.pos.product, sizeof row.pos.product, "INTRADAY");
    row.pos.side = side;
    row.pos.qty = qty;
    row.pos.entry_price = entry;
    row.pos.sl = entry - 5;
    row.pos.tp = entry + 10;
    row.pos.state = TW_STATE_OPEN;
    row.opened_ts = 1700000000000000000LL;
    snprintf (row.order_tag, sizeof row.order_tag, "tag%.*s", (int) sizeof row.order_tag - 4,
              id + 4);
    return row;
}

static gw_pending_row_t
s_pending (const char *req_id, const char *tag, int64_t created_ms)
{
    gw_pending_row_t row;
    memset (&row, 0, sizeof row);
    snprintf (row.req_id, sizeof row.req_id, "%s", req_id);
    snprintf (row.symbol, sizeof row.symbol, "NSE:INFY-EQ");
    row.side = TW_SIDE_SHORT;
    row.qty = 7;
    row.sl = 1510.5;
    row.tp = 1480;
    row.trail = 2.5;
    snprintf (row.product, sizeof row.product, "INTRADAY");
    snprintf (row.order_tag, sizeof row.order_tag, "%s", tag);
    snprintf (row.state, sizeof row.state, "accepted");
    row.created_ms = created_ms;
    return row;
}

//  Runs one integer query on the file with plain SQLite, outside the store.
static int64_t
s_raw_int (const char *sql)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq (sqlite3_open_v2 (s_db, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_stmt *stmt = NULL;
    ck_assert_int_eq (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), SQLITE_OK);
    ck_assert_int_eq (sqlite3_step (stmt), SQLITE_ROW);
    int64_t value = sqlite3_column_int64 (stmt, 0);
    sqlite3_finalize (stmt);
    sqlite3_close (db);
    return value;
}

static void
s_raw_exec (const char *sql)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq (sqlite3_open_v2 (s_db, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                      SQLITE_OK);
    ck_assert_int_eq (sqlite3_exec (db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close (db);
}

START_TEST (test_schema_and_parent_dirs)
{
    snprintf (s_db, sizeof s_db, "%s/var/state/gateway.db", s_dir);
    gw_store_t *store = s_open ();
    ck_assert_uint_ne (gw_store_epoch (store), 0);
    ck_assert_uint_eq (gw_store_seq (store), 0);
    struct stat st;
    ck_assert_int_eq (stat (s_db, &st), 0);
    ck_assert_int_eq (s_raw_int ("SELECT version FROM schema_version"), GW_STORE_SCHEMA_VERSION);
    ck_assert_int_eq (s_raw_int ("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
                                 "name IN ('meta', 'positions', 'exit_attempts', 'requests', "
                                 "'pending_opens')"),
                      5);
    ck_assert_int_eq (s_raw_int ("SELECT value FROM meta WHERE key = 'epoch'"),
                      (int64_t) gw_store_epoch (store));
    gw_store_destroy (&store);
    ck_assert_ptr_null (store);
    gw_store_destroy (&store);
    //  WAL is a property of the file: a plain connection sees it too.
    sqlite3 *db = NULL;
    ck_assert_int_eq (sqlite3_open (s_db, &db), SQLITE_OK);
    sqlite3_stmt *stmt = NULL;
    ck_assert_int_eq (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL), SQLITE_OK);
    ck_assert_int_eq (sqlite3_step (stmt), SQLITE_ROW);
    ck_assert_str_eq ((const char *) sqlite3_column_text (stmt, 0), "wal");
    sqlite3_finalize (stmt);
    sqlite3_close (db);
}
END_TEST

//  A store of schema 2 (before the broker stop) is brought to 3: its
//  positions keep everything and gain an empty broker stop, which is then
//  written and read back across a reopen.
START_TEST (test_migration_to_broker_stop)
{
    gw_store_t *store = s_open ();
    gw_position_row_t row = s_position ("NSE:SBIN-EQ-INTRADAY", TW_SIDE_LONG, 10, 100);
    ck_assert_int_eq (gw_store_put_position (store, &row), 0);
    gw_store_destroy (&store);
    s_raw_exec ("ALTER TABLE positions DROP COLUMN stop_tag;"
                "ALTER TABLE positions DROP COLUMN stop_order_id;"
                "ALTER TABLE positions DROP COLUMN stop_price;"
                "UPDATE schema_version SET version = 2;");
    store = s_open ();
    ck_assert_int_eq (s_raw_int ("SELECT version FROM schema_version"), 3);
    gw_position_row_t got;
    ck_assert_int_eq (gw_store_get_position (store, row.pos.id, &got), 0);
    ck_assert_int_eq (got.pos.qty, 10);
    ck_assert_double_eq (got.pos.sl, 95);
    ck_assert_str_eq (got.order_tag, row.order_tag);
    ck_assert_str_eq (got.stop_tag, "");
    ck_assert_str_eq (got.stop_order_id, "");
    ck_assert_double_eq (got.stop_price, 0);
    snprintf (got.stop_tag, sizeof got.stop_tag, "TS0000000100000001");
    snprintf (got.stop_order_id, sizeof got.stop_order_id, "260100000002");
    got.stop_price = 95;
    ck_assert_int_eq (gw_store_put_position (store, &got), 0);
    gw_store_destroy (&store);
    store = s_open ();
    ck_assert_int_eq (gw_store_get_position (store, row.pos.id, &got), 0);
    ck_assert_str_eq (got.stop_tag, "TS0000000100000001");
    ck_assert_str_eq (got.stop_order_id, "260100000002");
    ck_assert_double_eq (got.stop_price, 95);
    gw_store_destroy (&store);
}
END_TEST

START_TEST (test_epoch_and_seq_across_reopen)
{
    gw_store_t *store = s_open ();
    uint64_t first_epoch = gw_store_epoch (store);
    ck_assert_uint_eq (gw_store_next_seq (store), 1);
    ck_assert_uint_eq (gw_store_next_seq (store), 2);
    ck_assert_int_eq (gw_store_begin (store), 0);
    ck_assert_uint_eq (gw_store_next_seq (store), 3);
    ck_assert_uint_eq (gw_store_seq (store), 3);
    ck_assert_int_eq (gw_store_commit (store), 0);
    gw_store_destroy (&store);

    store = s_open ();
    ck_assert_uint_ne (gw_store_epoch (store), 0);
    ck_assert_uint_ne (gw_store_epoch (store), first_epoch);
    ck_assert_uint_eq (gw_store_seq (store), 3);
    ck_assert_uint_eq (gw_store_next_seq (store), 4);
    gw_store_destroy (&store);
}
END_TEST

START_TEST (test_positions_and_history)
{
    gw_store_t *store = s_open ();
    gw_position_row_t a = s_position ("NSE:SBIN-EQ-INTRADAY", TW_SIDE_LONG, 10, 600.25);
    gw_position_row_t b = s_position ("NSE:INFY-EQ-INTRADAY", TW_SIDE_SHORT, 3, 1500);
    b.pos.trail = 4;
    b.trail_anchor = 1495.5;
    ck_assert_int_eq (gw_store_put_position (store, &a), 0);
    ck_assert_int_eq (gw_store_put_position (store, &b), 0);

    gw_position_row_t got;
    ck_assert_int_eq (gw_store_get_position (store, b.pos.id, &got), 0);
    ck_assert_int_eq (memcmp (&got, &b, sizeof got), 0);
    ck_assert_int_eq (gw_store_get_position (store, "NSE:NONE-EQ-INTRADAY", &got), 1);

    //  An update changes the live row in place.
    a.pos.state = TW_STATE_CLOSING;
    snprintf (a.exit_reason, sizeof a.exit_reason, TW_REASON_SL_HIT);
    snprintf (a.exit_req_id, sizeof a.exit_req_id, "rm-1-77");
    a.exit_attempts = 1;
    a.exit_started_ms = 1700000000123LL;
    ck_assert_int_eq (gw_store_put_position (store, &a), 0);
    gw_position_row_t *rows = NULL;
    size_t count = 0;
    ck_assert_int_eq (gw_store_list_positions (store, &rows, &count), 0);
    ck_assert_uint_eq (count, 2);
    ck_assert_str_eq (rows[0].pos.id, a.pos.id);
    ck_assert_int_eq (rows[0].pos.state, TW_STATE_CLOSING);
    ck_assert_str_eq (rows[0].exit_req_id, "rm-1-77");
    ck_assert_str_eq (rows[1].pos.id, b.pos.id);
    free (rows);

    //  Closing keeps the row as history, out of the live set.
    ck_assert_int_eq (gw_store_close_position (store, a.pos.id, TW_REASON_SL_HIT, 595.5, -47.5,
                                               1700000001000000000LL),
                      0);
    ck_assert_int_eq (gw_store_get_position (store, a.pos.id, &got), 1);
    ck_assert_int_eq (gw_store_close_position (store, a.pos.id, TW_REASON_SL_HIT, 1, 1, 1), 1);
    ck_assert_int_eq (gw_store_list_positions (store, &rows, &count), 0);
    ck_assert_uint_eq (count, 1);
    ck_assert_str_eq (rows[0].pos.id, b.pos.id);
    free (rows);

    //  The same id opens again as a new life.
    gw_position_row_t again = s_position (a.pos.id, TW_SIDE_SHORT, 5, 598);
    ck_assert_int_eq (gw_store_put_position (store, &again), 0);
    ck_assert_int_eq (gw_store_get_position (store, a.pos.id, &got), 0);
    ck_assert_int_eq (memcmp (&got, &again, sizeof got), 0);
    ck_assert_int_eq (gw_store_close_position (store, a.pos.id, TW_REASON_MANUAL_CLOSE, 590, 40,
                                               1700000002000000000LL),
                      0);
    gw_store_destroy (&store);

    store = s_open ();
    ck_assert_int_eq (gw_store_history (store, a.pos.id, &rows, &count), 0);
    ck_assert_uint_eq (count, 2);
    ck_assert_int_eq (rows[0].pos.state, TW_STATE_CLOSED);
    ck_assert_int_eq (rows[0].pos.side, TW_SIDE_LONG);
    ck_assert_str_eq (rows[0].exit_reason, TW_REASON_SL_HIT);
    ck_assert_double_eq (rows[0].exit_price, 595.5);
    ck_assert_double_eq (rows[0].pnl, -47.5);
    ck_assert_int_eq (rows[0].closed_ts, 1700000001000000000LL);
    ck_assert_int_eq (rows[0].exit_attempts, 1);
    ck_assert_int_eq (rows[1].pos.side, TW_SIDE_SHORT);
    ck_assert_str_eq (rows[1].exit_reason, TW_REASON_MANUAL_CLOSE);
    free (rows);
    ck_assert_int_eq (gw_store_history (store, b.pos.id, &rows, &count), 0);
    ck_assert_uint_eq (count, 0);
    ck_assert_ptr_null (rows);
    ck_assert_int_eq (gw_store_get_position (store, b.pos.id, &got), 0);
    ck_assert_double_eq (got.trail_anchor, 1495.5);
    gw_store_destroy (&store);
}
END_TEST

START_TEST (test_put_position_refuses_bad_rows)
{
    gw_store_t *store = s_open ();
    gw_position_row_t row = s_position ("NSE:SBIN-EQ-INTRADAY", TW_SIDE_LONG, 1, 600);
    row.pos.state = TW_STATE_CLOSED;
    ck_assert_int_eq (gw_store_put_position (store, &row), -1);
    row.pos.state = TW_STATE_OPEN;
    row.pos.qty = 0;
    ck_assert_int_eq (gw_store_put_position (store, &row), -1);
    row.pos.qty = 1;
    memset (row.pos.symbol, 'X', sizeof row.pos.symbol); //  no NUL
    ck_assert_int_eq (gw_store_put_position (store, &row), -1);
    snprintf (row.pos.symbol, sizeof row.pos.symbol, "NSE:SBIN-EQ");
    ck_assert_int_eq (gw_store_put_position (store, &row), 0);
    gw_position_row_t *rows = NULL;
    size_t count = 0;
    ck_assert_int_eq (gw_store_list_positions (store, &rows, &count), 0);
    ck_assert_uint_eq (count, 1);
    free (rows);
    gw_store_destroy (&store);
}
END_TEST

START_TEST (test_rollback_leaves_no_trace)
{
    gw_store_t *store = s_open ();
    ck_assert_uint_eq (gw_store_next_seq (store), 1);
    ck_assert_int_eq (gw_store_begin (store), 0);
    ck_assert_int_eq (gw_store_begin (store), -1); //  no nesting
    ck_assert_uint_eq (gw_store_next_seq (store), 2);
    gw_position_row_t row = s_position ("NSE:SBIN-EQ-INTRADAY", TW_SIDE_LONG, 1, 600);
    ck_assert_int_eq (gw_store_put_position (store, &row), 0);
    const uint8_t reply[] = {0x81, 0xa1, 'v', 0x01};
    ck_assert_int_eq (gw_store_put_reply (store, "req-1", reply, sizeof reply, S_KEEP_REPLIES), 0);
    gw_pending_row_t pending = s_pending ("req-2", "T2", 5);
    ck_assert_int_eq (gw_store_put_pending (store, &pending), 0);
    gw_store_rollback (store);
    ck_assert_uint_eq (gw_store_seq (store), 1);

    gw_position_row_t got;
    ck_assert_int_eq (gw_store_get_position (store, row.pos.id, &got), 1);
    uint8_t *bytes = NULL;
    size_t size = 0;
    ck_assert_int_eq (gw_store_get_reply (store, "req-1", &bytes, &size), 1);
    gw_pending_row_t pgot;
    ck_assert_int_eq (gw_store_get_pending (store, "req-2", &pgot), 1);
    ck_assert_int_eq (gw_store_commit (store), -1); //  nothing to commit
    gw_store_rollback (store);                      //  nothing to roll back
    ck_assert_uint_eq (gw_store_next_seq (store), 2);
    gw_store_destroy (&store);

    store = s_open ();
    ck_assert_uint_eq (gw_store_seq (store), 2);
    ck_assert_int_eq (gw_store_get_position (store, row.pos.id, &got), 1);
    gw_store_destroy (&store);
}
END_TEST

START_TEST (test_destroy_rolls_back)
{
    gw_store_t *store = s_open ();
    ck_assert_int_eq (gw_store_begin (store), 0);
    ck_assert_uint_eq (gw_store_next_seq (store), 1);
    gw_store_destroy (&store);
    store = s_open ();
    ck_assert_uint_eq (gw_store_seq (store), 0);
    gw_store_destroy (&store);
}
END_TEST

START_TEST (test_attempts_in_order)
{
    gw_store_t *store = s_open ();
    const char *id = "NSE:SBIN-EQ-INTRADAY";
    gw_position_row_t row = s_position (id, TW_SIDE_LONG, 1, 600);
    ck_assert_int_eq (gw_store_put_position (store, &row), 0);
    const char *outcomes[] = {"retryable", "ambiguous", "ok"};
    for (int i = 0; i < 3; i++) {
        gw_attempt_row_t attempt = {.attempt = i + 1,
                                    .started_ms = 1000 + i,
                                    .http_status = i == 2 ? 200 : 503,
                                    .broker_code = i == 2 ? 200 : -99,
                                    .latency_ms = 40 + i};
        snprintf (attempt.position_id, sizeof attempt.position_id, "%s", id);
        snprintf (attempt.outcome, sizeof attempt.outcome, "%s", outcomes[i]);
        if (i != 2)
            snprintf (attempt.error, sizeof attempt.error, "HTTP 503 try %d", i + 1);
        ck_assert_int_eq (gw_store_add_attempt (store, &attempt), 0);
    }
    gw_attempt_row_t dup = {.attempt = 2};
    snprintf (dup.position_id, sizeof dup.position_id, "%s", id);
    snprintf (dup.outcome, sizeof dup.outcome, "ok");
    ck_assert_int_eq (gw_store_add_attempt (store, &dup), -1);
    gw_attempt_row_t orphan = {.attempt = 1};
    snprintf (orphan.position_id, sizeof orphan.position_id, "NSE:NONE-EQ-INTRADAY");
    ck_assert_int_eq (gw_store_add_attempt (store, &orphan), 1);

    gw_attempt_row_t *rows = NULL;
    size_t count = 0;
    ck_assert_int_eq (gw_store_attempts (store, id, &rows, &count), 0);
    ck_assert_uint_eq (count, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_str_eq (rows[i].position_id, id);
        ck_assert_int_eq (rows[i].attempt, i + 1);
        ck_assert_int_eq (rows[i].started_ms, 1000 + i);
        ck_assert_str_eq (rows[i].outcome, outcomes[i]);
        ck_assert_int_eq (rows[i].latency_ms, 40 + i);
    }
    ck_assert_int_eq (rows[0].http_status, 503);
    ck_assert_int_eq (rows[0].broker_code, -99);
    ck_assert_str_eq (rows[1].error, "HTTP 503 try 2");
    ck_assert_str_eq (rows[2].error, "");
    free (rows);

    //  After the close they still belong to that life; a new life starts empty.
    ck_assert_int_eq (gw_store_close_position (store, id, TW_REASON_TP_HIT, 610, 10, 1), 0);
    ck_assert_int_eq (gw_store_attempts (store, id, &rows, &count), 0);
    ck_assert_uint_eq (count, 3);
    free (rows);
    ck_assert_int_eq (gw_store_put_position (store, &row), 0);
    ck_assert_int_eq (gw_store_attempts (store, id, &rows, &count), 0);
    ck_assert_uint_eq (count, 0);
    ck_assert_int_eq (gw_store_add_attempt (store, &dup), 0);
    ck_assert_int_eq (gw_store_attempts (store, id, &rows, &count), 0);
    ck_assert_uint_eq (count, 1);
    ck_assert_int_eq (rows[0].attempt, 2);
    free (rows);
    gw_store_destroy (&store);
}
END_TEST

START_TEST (test_replies_dedup_and_prune)
{
    gw_store_t *store = s_open ();
    const uint8_t first[] = {1, 2, 3, 0, 5};
    const uint8_t second[] = {9, 9};
    ck_assert_int_eq (gw_store_put_reply (store, "req-a", first, sizeof first, S_KEEP_REPLIES), 0);
    ck_assert_int_eq (gw_store_put_reply (store, "req-a", second, sizeof second, S_KEEP_REPLIES),
                      1);
    uint8_t *bytes = NULL;
    size_t size = 0;
    ck_assert_int_eq (gw_store_get_reply (store, "req-a", &bytes, &size), 0);
    ck_assert_uint_eq (size, sizeof first);
    ck_assert_int_eq (memcmp (bytes, first, size), 0);
    free (bytes);
    ck_assert_int_eq (gw_store_get_reply (store, "req-none", &bytes, &size), 1);
    ck_assert_ptr_null (bytes);

    ck_assert_int_eq (gw_store_put_reply (store, "req-empty", NULL, 0, S_KEEP_REPLIES), 0);
    ck_assert_int_eq (gw_store_get_reply (store, "req-empty", &bytes, &size), 0);
    ck_assert_ptr_nonnull (bytes);
    ck_assert_uint_eq (size, 0);
    free (bytes);

    //  Only the newest keep_max survive.
    const size_t keep = 5;
    for (int i = 0; i < 20; i++) {
        char req_id[TW_ID_MAX];
        snprintf (req_id, sizeof req_id, "req-%02d", i);
        uint8_t byte = (uint8_t) i;
        ck_assert_int_eq (gw_store_put_reply (store, req_id, &byte, 1, keep), 0);
    }
    for (int i = 0; i < 20; i++) {
        char req_id[TW_ID_MAX];
        snprintf (req_id, sizeof req_id, "req-%02d", i);
        int rc = gw_store_get_reply (store, req_id, &bytes, &size);
        ck_assert_int_eq (rc, i < 20 - (int) keep ? 1 : 0);
        if (rc == 0)
            ck_assert_int_eq (bytes[0], i);
        free (bytes);
    }
    ck_assert_int_eq (gw_store_get_reply (store, "req-a", &bytes, &size), 1);
    gw_store_destroy (&store);
    ck_assert_int_eq (s_raw_int ("SELECT count(*) FROM requests"), (int64_t) keep);

    char long_id[TW_ID_MAX + 8];
    memset (long_id, 'r', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = 0;
    store = s_open ();
    ck_assert_int_eq (gw_store_put_reply (store, long_id, first, sizeof first, keep), -1);
    ck_assert_int_eq (gw_store_get_reply (store, long_id, &bytes, &size), -1);
    gw_store_destroy (&store);
}
END_TEST

START_TEST (test_pending_opens)
{
    gw_store_t *store = s_open ();
    gw_pending_row_t p1 = s_pending ("req-1", "TAG1", 100);
    gw_pending_row_t p2 = s_pending ("req-2", "TAG2", 50);
    ck_assert_int_eq (gw_store_put_pending (store, &p1), 0);
    ck_assert_int_eq (gw_store_put_pending (store, &p2), 0);
    gw_pending_row_t got;
    ck_assert_int_eq (gw_store_get_pending (store, "req-1", &got), 0);
    ck_assert_int_eq (memcmp (&got, &p1, sizeof got), 0);
    ck_assert_int_eq (gw_store_get_pending (store, "req-3", &got), 1);

    snprintf (p1.state, sizeof p1.state, "sent");
    ck_assert_int_eq (gw_store_put_pending (store, &p1), 0);
    gw_pending_row_t clash = s_pending ("req-3", "TAG1", 200);
    ck_assert_int_eq (gw_store_put_pending (store, &clash), -1);
    gw_store_destroy (&store);

    store = s_open ();
    gw_pending_row_t *rows = NULL;
    size_t count = 0;
    ck_assert_int_eq (gw_store_list_pending (store, &rows, &count), 0);
    ck_assert_uint_eq (count, 2);
    ck_assert_str_eq (rows[0].req_id, "req-2"); //  oldest first
    ck_assert_str_eq (rows[1].req_id, "req-1");
    ck_assert_str_eq (rows[1].state, "sent");
    ck_assert_int_eq (rows[1].side, TW_SIDE_SHORT);
    ck_assert_double_eq (rows[1].trail, 2.5);
    free (rows);
    ck_assert_int_eq (gw_store_delete_pending (store, "req-1"), 0);
    ck_assert_int_eq (gw_store_delete_pending (store, "req-1"), 1);
    ck_assert_int_eq (gw_store_list_pending (store, &rows, &count), 0);
    ck_assert_uint_eq (count, 1);
    free (rows);
    gw_store_destroy (&store);
}
END_TEST

static void
s_write_file (const char *path, const char *text, size_t repeat)
{
    FILE *file = fopen (path, "w");
    ck_assert_ptr_nonnull (file);
    for (size_t i = 0; i < repeat; i++)
        fputs (text, file);
    fclose (file);
}

START_TEST (test_garbage_file_refused)
{
    s_write_file (s_db, "this is not a database, it is a shopping list\n", 200);
    char err[S_ERR_MAX];
    gw_store_t *store = gw_store_open (s_db, err, sizeof err);
    ck_assert_ptr_null (store);
    ck_assert_msg (strstr (err, s_db) && strstr (err, "not a database"), "err: %s", err);
    ck_assert_ptr_null (strchr (err, '\n'));
}
END_TEST

START_TEST (test_damaged_pages_refused)
{
    gw_store_t *store = s_open ();
    for (int i = 0; i < 200; i++) {
        char req_id[TW_ID_MAX];
        snprintf (req_id, sizeof req_id, "req-%d", i);
        uint8_t reply[64] = {0};
        ck_assert_int_eq (gw_store_put_reply (store, req_id, reply, sizeof reply, 1000), 0);
    }
    gw_store_destroy (&store);
    //  Keep the header page, scribble over every page after it.
    int fd = open (s_db, O_WRONLY);
    ck_assert_int_ge (fd, 0);
    struct stat st;
    ck_assert_int_eq (fstat (fd, &st), 0);
    char junk[512];
    memset (junk, 0xA5, sizeof junk);
    for (off_t at = 4096; at + (off_t) sizeof junk <= st.st_size; at += sizeof junk)
        ck_assert_int_eq (pwrite (fd, junk, sizeof junk, at), (ssize_t) sizeof junk);
    close (fd);
    char err[S_ERR_MAX];
    store = gw_store_open (s_db, err, sizeof err);
    ck_assert_ptr_null (store);
    ck_assert_msg (strstr (err, s_db) && strstr (err, "integrity check"), "err: %s", err);
    ck_assert_ptr_null (strchr (err, '\n'));
}
END_TEST

START_TEST (test_newer_schema_refused)
{
    gw_store_t *store = s_open ();
    gw_store_destroy (&store);
    s_raw_exec ("UPDATE schema_version SET version = 99");
    char err[S_ERR_MAX];
    store = gw_store_open (s_db, err, sizeof err);
    ck_assert_ptr_null (store);
    ck_assert_msg (strstr (err, "schema version 99"), "err: %s", err);
}
END_TEST

START_TEST (test_foreign_database_refused)
{
    s_raw_exec ("CREATE TABLE accounts (name TEXT)");
    char err[S_ERR_MAX];
    gw_store_t *store = gw_store_open (s_db, err, sizeof err);
    ck_assert_ptr_null (store);
    ck_assert_msg (strstr (err, "not a tradewire gateway store"), "err: %s", err);
    ck_assert_int_eq (s_raw_int ("SELECT count(*) FROM sqlite_schema WHERE type = 'table'"), 1);
}
END_TEST

START_TEST (test_unwritable_path_refused)
{
    char blocker[S_PATH_MAX];
    snprintf (blocker, sizeof blocker, "%s/plainfile", s_dir);
    s_write_file (blocker, "x", 1);
    snprintf (s_db, sizeof s_db, "%s/plainfile/var/gateway.db", s_dir);
    char err[S_ERR_MAX];
    gw_store_t *store = gw_store_open (s_db, err, sizeof err);
    ck_assert_ptr_null (store);
    ck_assert_msg (strstr (err, "cannot create directory"), "err: %s", err);
}
END_TEST

//  The child writes one committed transaction and one left open, then dies
//  by SIGKILL without closing anything. Exit codes name the step that failed.
static void
s_child_crash (int epoch_fd)
{
    char err[S_ERR_MAX];
    gw_store_t *store = gw_store_open (s_db, err, sizeof err);
    if (!store)
        _exit (10);
    uint64_t epoch = gw_store_epoch (store);
    if (write (epoch_fd, &epoch, sizeof epoch) != (ssize_t) sizeof epoch)
        _exit (11);
    gw_position_row_t row = s_position ("NSE:SBIN-EQ-INTRADAY", TW_SIDE_LONG, 10, 600);
    gw_pending_row_t pending = s_pending ("req-open", "TAGOPEN", 1);
    const uint8_t reply[] = {7, 7, 7};
    if (gw_store_begin (store) || gw_store_next_seq (store) != 1
        || gw_store_put_position (store, &row)
        || gw_store_put_reply (store, "req-open", reply, sizeof reply, S_KEEP_REPLIES)
        || gw_store_put_pending (store, &pending) || gw_store_commit (store))
        _exit (12);
    gw_position_row_t lost = s_position ("NSE:INFY-EQ-INTRADAY", TW_SIDE_SHORT, 1, 1500);
    if (gw_store_begin (store) || gw_store_next_seq (store) != 2
        || gw_store_put_position (store, &lost))
        _exit (13);
    kill (getpid (), SIGKILL);
    _exit (14);
}

START_TEST (test_durable_across_kill)
{
    int fds[2];
    ck_assert_int_eq (pipe (fds), 0);
    pid_t pid = fork ();
    ck_assert_int_ge (pid, 0);
    if (pid == 0) {
        close (fds[0]);
        s_child_crash (fds[1]);
    }
    close (fds[1]);
    int status = 0;
    ck_assert_int_eq (waitpid (pid, &status, 0), pid);
    ck_assert_msg (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL,
                   "child did not die by SIGKILL: status=%d exit=%d", status,
                   WIFEXITED (status) ? WEXITSTATUS (status) : -1);
    uint64_t child_epoch = 0;
    ck_assert_int_eq (read (fds[0], &child_epoch, sizeof child_epoch),
                      (ssize_t) sizeof child_epoch);
    close (fds[0]);

    gw_store_t *store = s_open ();
    ck_assert_uint_ne (gw_store_epoch (store), child_epoch);
    ck_assert_uint_eq (gw_store_seq (store), 1);
    gw_position_row_t got;
    ck_assert_int_eq (gw_store_get_position (store, "NSE:SBIN-EQ-INTRADAY", &got), 0);
    ck_assert_int_eq (got.pos.qty, 10);
    ck_assert_int_eq (gw_store_get_position (store, "NSE:INFY-EQ-INTRADAY", &got), 1);
    uint8_t *bytes = NULL;
    size_t size = 0;
    ck_assert_int_eq (gw_store_get_reply (store, "req-open", &bytes, &size), 0);
    ck_assert_uint_eq (size, 3);
    free (bytes);
    gw_pending_row_t pending;
    ck_assert_int_eq (gw_store_get_pending (store, "req-open", &pending), 0);
    ck_assert_str_eq (pending.order_tag, "TAGOPEN");
    ck_assert_uint_eq (gw_store_next_seq (store), 2);
    gw_store_destroy (&store);
}
END_TEST

START_TEST (test_durable_across_exit_without_close)
{
    pid_t pid = fork ();
    ck_assert_int_ge (pid, 0);
    if (pid == 0) {
        char err[S_ERR_MAX];
        gw_store_t *store = gw_store_open (s_db, err, sizeof err);
        if (!store || gw_store_next_seq (store) != 1 || gw_store_next_seq (store) != 2)
            _exit (1);
        _exit (0);
    }
    int status = 0;
    ck_assert_int_eq (waitpid (pid, &status, 0), pid);
    ck_assert (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    gw_store_t *store = s_open ();
    ck_assert_uint_eq (gw_store_seq (store), 2);
    gw_store_destroy (&store);
}
END_TEST

//  With the store's own checkpoints off, gw_checkpoint's thread copies the
//  WAL back into the file while the store keeps writing, and what was
//  written is all there after a reopen.
START_TEST (test_checkpointer_copies_the_wal)
{
    gw_store_t *store = s_open ();
    ck_assert_int_eq (gw_store_set_autocheckpoint (store, 0), 0);
    gw_checkpoint_t *checkpoint = gw_checkpoint_new (s_db, 10);
    ck_assert_ptr_nonnull (checkpoint);
    char id[TW_ID_MAX];
    for (int batch = 0; batch < 10; batch++) {
        ck_assert_int_eq (gw_store_begin (store), 0);
        for (int i = 0; i < 200; i++) {
            snprintf (id, sizeof id, "NSE:S%05d-EQ-INTRADAY", batch * 200 + i);
            gw_position_row_t row = s_position (id, TW_SIDE_LONG, 1, 100.0);
            ck_assert_int_eq (gw_store_put_position (store, &row), 0);
        }
        ck_assert_int_eq (gw_store_commit (store), 0);
    }
    int64_t deadline = tw_clock_mono_ms () + 10000;
    while (gw_checkpoint_frames (checkpoint) == 0 && tw_clock_mono_ms () < deadline)
        zclock_sleep (10);
    ck_assert_uint_gt (gw_checkpoint_frames (checkpoint), 0);
    ck_assert_uint_gt (gw_checkpoint_runs (checkpoint), 0);
    ck_assert_uint_eq (gw_checkpoint_failures (checkpoint), 0);
    gw_checkpoint_destroy (&checkpoint);
    ck_assert_ptr_null (checkpoint);
    gw_store_destroy (&store);
    store = s_open ();
    gw_position_row_t *rows = NULL;
    size_t count = 0;
    ck_assert_int_eq (gw_store_list_positions (store, &rows, &count), 0);
    ck_assert_uint_eq (count, 2000);
    free (rows);
    //  Counted from the live-row index: the same, and a closed one is not live.
    ck_assert_int_eq (gw_store_close_position (store, "NSE:S00007-EQ-INTRADAY", "SL Hit", 99.0, 0,
                                               1700000000000000000LL),
                      0);
    ck_assert_int_eq (gw_store_count_positions (store, &count), 0);
    ck_assert_uint_eq (count, 1999);
    gw_store_destroy (&store);
}
END_TEST

//  A database the checkpointer cannot open: NULL (the store keeps its own).
START_TEST (test_checkpointer_without_a_database)
{
    char path[S_PATH_MAX];
    snprintf (path, sizeof path, "%s/missing/gateway.db", s_dir);
    ck_assert_ptr_null (gw_checkpoint_new (path, 10));
}
END_TEST

static Suite *
s_suite (void)
{
    Suite *suite = suite_create ("gw_store");
    TCase *tc = tcase_create ("store");
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, test_schema_and_parent_dirs);
    tcase_add_test (tc, test_migration_to_broker_stop);
    tcase_add_test (tc, test_epoch_and_seq_across_reopen);
    tcase_add_test (tc, test_positions_and_history);
    tcase_add_test (tc, test_put_position_refuses_bad_rows);
    tcase_add_test (tc, test_rollback_leaves_no_trace);
    tcase_add_test (tc, test_destroy_rolls_back);
    tcase_add_test (tc, test_attempts_in_order);
    tcase_add_test (tc, test_replies_dedup_and_prune);
    tcase_add_test (tc, test_pending_opens);
    tcase_add_test (tc, test_garbage_file_refused);
    tcase_add_test (tc, test_damaged_pages_refused);
    tcase_add_test (tc, test_newer_schema_refused);
    tcase_add_test (tc, test_foreign_database_refused);
    tcase_add_test (tc, test_unwritable_path_refused);
    tcase_add_test (tc, test_durable_across_kill);
    tcase_add_test (tc, test_durable_across_exit_without_close);
    tcase_add_test (tc, test_checkpointer_copies_the_wal);
    tcase_add_test (tc, test_checkpointer_without_a_database);
    suite_add_tcase (suite, tc);
    return suite;
}

int
main (void)
{
    SRunner *runner = srunner_create (s_suite ());
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
