//  gw_store - see gw_store.h.
//
//  Every statement with data is prepared once at open and kept; data only
//  ever travels as bound parameters. The constant SQL of the schema and the
//  pragmas runs through sqlite3_exec at open.

#include "gw_store.h"
#include "tw_clock.h"
#include "tw_log.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

//  A second process (an operator's sqlite3 shell, say) may hold the lock for
//  a moment; waiting longer than this means something is wrong.
#define GW_STORE_BUSY_TIMEOUT_MS 5000
#define GW_STORE_DIR_MODE 0750
#define GW_STORE_PATH_MAX 4096
#define GW_STORE_LIST_INITIAL 16

//  The schema, one entry per version: s_migrations[i] takes a store from
//  version i to version i + 1, so a file of any older version is brought up
//  to date by running the entries after its version, in one transaction.
//  Never edit an entry once released; append a new one.
static const char *s_migrations[GW_STORE_SCHEMA_VERSION] = {
    //  0 -> 1: the first schema.
    "CREATE TABLE meta ("
    "  key TEXT PRIMARY KEY,"
    "  value INTEGER NOT NULL"
    ") STRICT;"
    "INSERT INTO meta (key, value) VALUES ('seq', 0), ('epoch', 0);"
    //  One row per life of a position; row_id keys the life, id names the
    //  position, and the partial index allows one live row per id.
    "CREATE TABLE positions ("
    "  row_id INTEGER PRIMARY KEY,"
    "  id TEXT NOT NULL,"
    "  symbol TEXT NOT NULL,"
    "  product TEXT NOT NULL,"
    "  side INTEGER NOT NULL CHECK (side IN (1, -1)),"
    "  qty INTEGER NOT NULL CHECK (qty > 0),"
    "  entry_price REAL NOT NULL,"
    "  sl REAL NOT NULL,"
    "  tp REAL NOT NULL,"
    "  trail REAL NOT NULL,"
    "  trail_anchor REAL NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('open', 'closing', 'closed')),"
    "  exit_failed INTEGER NOT NULL CHECK (exit_failed IN (0, 1)),"
    "  exit_reason TEXT NOT NULL,"
    "  exit_req_id TEXT NOT NULL,"
    "  exit_attempts INTEGER NOT NULL,"
    "  exit_started_ms INTEGER NOT NULL,"
    "  last_exit_failed_ms INTEGER NOT NULL,"
    "  opened_ts INTEGER NOT NULL,"
    "  closed_ts INTEGER NOT NULL,"
    "  exit_price REAL NOT NULL,"
    "  pnl REAL NOT NULL,"
    "  order_tag TEXT NOT NULL"
    ") STRICT;"
    "CREATE UNIQUE INDEX positions_live ON positions (id) WHERE state <> 'closed';"
    "CREATE INDEX positions_by_id ON positions (id, row_id);"
    "CREATE TABLE exit_attempts ("
    "  position_row INTEGER NOT NULL REFERENCES positions (row_id) ON DELETE CASCADE,"
    "  attempt INTEGER NOT NULL,"
    "  started_ms INTEGER NOT NULL,"
    "  outcome TEXT NOT NULL,"
    "  http_status INTEGER NOT NULL,"
    "  broker_code INTEGER NOT NULL,"
    "  error TEXT NOT NULL,"
    "  latency_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (position_row, attempt)"
    ") STRICT;"
    //  n orders the replies by insertion, so that pruning the oldest is a
    //  range delete on the primary key.
    "CREATE TABLE requests ("
    "  n INTEGER PRIMARY KEY,"
    "  req_id TEXT NOT NULL UNIQUE,"
    "  created_ms INTEGER NOT NULL,"
    "  reply BLOB NOT NULL"
    ") STRICT;"
    "CREATE TABLE pending_opens ("
    "  req_id TEXT PRIMARY KEY,"
    "  symbol TEXT NOT NULL,"
    "  side INTEGER NOT NULL CHECK (side IN (1, -1)),"
    "  qty INTEGER NOT NULL CHECK (qty > 0),"
    "  sl REAL NOT NULL,"
    "  tp REAL NOT NULL,"
    "  trail REAL NOT NULL,"
    "  product TEXT NOT NULL,"
    "  order_tag TEXT NOT NULL UNIQUE,"
    "  state TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL"
    ") STRICT;",
    //  1 -> 2: the trading state (docs/design.md §5), a tw_trading_state_t.
    "INSERT INTO meta (key, value) VALUES ('trading_state', 1);",
    //  2 -> 3: the broker stop of a position (docs/design.md §4.7): its
    //  order tag, the broker's order id once known, and the stop it rests at.
    "ALTER TABLE positions ADD COLUMN stop_tag TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE positions ADD COLUMN stop_order_id TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE positions ADD COLUMN stop_price REAL NOT NULL DEFAULT 0;",
};

#define S_POSITION_COLUMNS                                                                         \
    "id, symbol, product, side, qty, entry_price, sl, tp, trail, trail_anchor, state, "            \
    "exit_failed, exit_reason, exit_req_id, exit_attempts, exit_started_ms, "                      \
    "last_exit_failed_ms, opened_ts, closed_ts, exit_price, pnl, order_tag, stop_tag, "            \
    "stop_order_id, stop_price"

#define S_ATTEMPT_COLUMNS                                                                          \
    "attempt, started_ms, outcome, http_status, broker_code, error, latency_ms"

#define S_PENDING_COLUMNS                                                                          \
    "req_id, symbol, side, qty, sl, tp, trail, product, order_tag, state, created_ms"

typedef enum {
    S_BEGIN,
    S_COMMIT,
    S_ROLLBACK,
    S_META_GET,
    S_META_PUT,
    S_SEQ_NEXT,
    S_POS_UPDATE,
    S_POS_INSERT,
    S_POS_GET,
    S_POS_LIST,
    S_POS_COUNT,
    S_POS_CLOSE,
    S_POS_HISTORY,
    S_ATT_INSERT,
    S_ATT_LIST,
    S_ATT_UPDATE,
    S_REQ_GET,
    S_REQ_PUT,
    S_REQ_PRUNE,
    S_PEND_PUT,
    S_PEND_GET,
    S_PEND_LIST,
    S_PEND_DELETE,
    S_JOURNAL_PAGE,
    S_JOURNAL_STATS,
    S_COUNT
} s_stmt_id_t;

//  Parameters of S_POS_UPDATE and S_POS_INSERT are numbered as the columns
//  of S_POSITION_COLUMNS, so that one binder serves both.
static const char *s_sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [S_META_PUT] = "UPDATE meta SET value = ?2 WHERE key = ?1",
    [S_SEQ_NEXT] = "UPDATE meta SET value = value + 1 WHERE key = 'seq' RETURNING value",
    [S_POS_UPDATE] = "UPDATE positions SET symbol = ?2, product = ?3, side = ?4, qty = ?5, "
                     "entry_price = ?6, sl = ?7, tp = ?8, trail = ?9, trail_anchor = ?10, "
                     "state = ?11, exit_failed = ?12, exit_reason = ?13, exit_req_id = ?14, "
                     "exit_attempts = ?15, exit_started_ms = ?16, last_exit_failed_ms = ?17, "
                     "opened_ts = ?18, closed_ts = ?19, exit_price = ?20, pnl = ?21, "
                     "order_tag = ?22, stop_tag = ?23, stop_order_id = ?24, stop_price = ?25 "
                     "WHERE id = ?1 AND state <> 'closed'",
    [S_POS_INSERT] = "INSERT INTO positions (" S_POSITION_COLUMNS ") VALUES (?1, ?2, ?3, ?4, "
                     "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
                     "?20, ?21, ?22, ?23, ?24, ?25)",
    [S_POS_GET] = "SELECT " S_POSITION_COLUMNS " FROM positions "
                  "WHERE id = ?1 AND state <> 'closed'",
    [S_POS_LIST] = "SELECT " S_POSITION_COLUMNS " FROM positions "
                   "WHERE state <> 'closed' ORDER BY row_id",
    [S_POS_COUNT] = "SELECT count(*) FROM positions WHERE state <> 'closed'",
    [S_POS_CLOSE] = "UPDATE positions SET state = 'closed', exit_failed = 0, exit_reason = ?2, "
                    "exit_price = ?3, pnl = ?4, closed_ts = ?5 WHERE id = ?1 AND state <> 'closed'",
    [S_POS_HISTORY] = "SELECT " S_POSITION_COLUMNS " FROM positions "
                      "WHERE id = ?1 AND state = 'closed' ORDER BY row_id",
    [S_ATT_INSERT] = "INSERT INTO exit_attempts (position_row, " S_ATTEMPT_COLUMNS ") "
                     "SELECT row_id, ?2, ?3, ?4, ?5, ?6, ?7, ?8 FROM positions "
                     "WHERE id = ?1 AND state <> 'closed'",
    [S_ATT_LIST] = "SELECT p.id, " S_ATTEMPT_COLUMNS " FROM exit_attempts "
                   "JOIN positions p ON p.row_id = position_row WHERE position_row = "
                   "(SELECT max(row_id) FROM positions WHERE id = ?1) ORDER BY attempt",
    [S_ATT_UPDATE] = "UPDATE exit_attempts SET outcome = ?3, http_status = ?4, broker_code = ?5, "
                     "error = ?6, latency_ms = ?7 WHERE attempt = ?2 AND position_row = "
                     "(SELECT row_id FROM positions WHERE id = ?1 AND state <> 'closed')",
    [S_REQ_GET] = "SELECT reply FROM requests WHERE req_id = ?1",
    [S_REQ_PUT] = "INSERT INTO requests (req_id, created_ms, reply) VALUES (?1, ?2, ?3) "
                  "ON CONFLICT (req_id) DO NOTHING",
    [S_REQ_PRUNE] = "DELETE FROM requests WHERE n <= (SELECT max(n) FROM requests) - ?1",
    [S_PEND_PUT] = "INSERT INTO pending_opens (" S_PENDING_COLUMNS ") VALUES (?1, ?2, ?3, ?4, "
                   "?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT (req_id) DO UPDATE SET "
                   "symbol = excluded.symbol, side = excluded.side, qty = excluded.qty, "
                   "sl = excluded.sl, tp = excluded.tp, trail = excluded.trail, "
                   "product = excluded.product, order_tag = excluded.order_tag, "
                   "state = excluded.state, created_ms = excluded.created_ms",
    [S_PEND_GET] = "SELECT " S_PENDING_COLUMNS " FROM pending_opens WHERE req_id = ?1",
    [S_PEND_LIST] = "SELECT " S_PENDING_COLUMNS " FROM pending_opens ORDER BY created_ms, rowid",
    [S_PEND_DELETE] = "DELETE FROM pending_opens WHERE req_id = ?1",
    [S_JOURNAL_PAGE] = "SELECT " S_POSITION_COLUMNS " FROM positions WHERE state = 'closed' "
                       "AND closed_ts >= ?1 AND closed_ts < ?2 ORDER BY closed_ts, row_id "
                       "LIMIT ?3 OFFSET ?4",
    [S_JOURNAL_STATS] = "SELECT count(*), coalesce(sum(pnl), 0), coalesce(sum(pnl > 0), 0), "
                        "coalesce(sum(pnl < 0), 0), coalesce(min(min(pnl), 0), 0) "
                        "FROM positions WHERE state = 'closed' AND closed_ts >= ?1 "
                        "AND closed_ts < ?2",
};

struct _gw_store_t {
    sqlite3 *db;
    sqlite3_stmt *stmts[S_COUNT];
    uint64_t epoch;
    uint64_t seq; //  mirrors meta.seq, including uncommitted bumps
};

//  --- Small helpers ------------------------------------------------------

static int64_t
s_wall_ms (void)
{
    return tw_clock_wall_ns () / TW_NS_PER_MS;
}

//  Logs a failed SQLite call with the connection's message.
static void
s_log_sql (gw_store_t *self, const char *what)
{
    tw_error ("store %s failed error=\"%s\"", what, sqlite3_errmsg (self->db));
}

//  Returns the cached statement, reset and with its parameters cleared. The
//  reset's return code repeats the last step's error, which was handled
//  when that step returned it.
static sqlite3_stmt *
s_stmt (gw_store_t *self, s_stmt_id_t id)
{
    sqlite3_stmt *stmt = self->stmts[id];
    (void) sqlite3_reset (stmt);
    (void) sqlite3_clear_bindings (stmt);
    return stmt;
}

//  Resets stmt after use, so that a finished read holds no lock, and drops
//  its parameters, which point into the caller's buffers.
static void
s_release (sqlite3_stmt *stmt)
{
    (void) sqlite3_reset (stmt);
    (void) sqlite3_clear_bindings (stmt);
}

//  Each binder logs its own failure and returns false, so that a chain of
//  them joined with && stops at the first and logs it once.
static bool
s_bind_text (gw_store_t *self, sqlite3_stmt *stmt, int index, const char *text, size_t size)
{
    if (strnlen (text, size) >= size) {
        tw_error ("store refusing a string longer than %zu bytes param=%d sql=\"%.40s\"", size - 1,
                  index, sqlite3_sql (stmt));
        s_release (stmt);
        return false;
    }
    if (sqlite3_bind_text (stmt, index, text, -1, SQLITE_STATIC) != SQLITE_OK) {
        s_log_sql (self, "bind");
        s_release (stmt);
        return false;
    }
    return true;
}

static bool
s_bind_int (gw_store_t *self, sqlite3_stmt *stmt, int index, int64_t value)
{
    if (sqlite3_bind_int64 (stmt, index, value) != SQLITE_OK) {
        s_log_sql (self, "bind");
        s_release (stmt);
        return false;
    }
    return true;
}

static bool
s_bind_real (gw_store_t *self, sqlite3_stmt *stmt, int index, double value)
{
    if (sqlite3_bind_double (stmt, index, value) != SQLITE_OK) {
        s_log_sql (self, "bind");
        s_release (stmt);
        return false;
    }
    return true;
}

//  Runs a statement that returns no rows. 0 on SQLITE_DONE, else -1 (logged).
static int
s_step_done (gw_store_t *self, sqlite3_stmt *stmt, const char *what)
{
    int rc = sqlite3_step (stmt);
    if (rc != SQLITE_DONE)
        s_log_sql (self, what);
    s_release (stmt);
    return rc == SQLITE_DONE ? 0 : -1;
}

//  Copies text column col into dst. A value that does not fit is an error:
//  the store only holds what fitted when it was written.
static int
s_column_text (sqlite3_stmt *stmt, int col, char *dst, size_t size)
{
    const unsigned char *text = sqlite3_column_text (stmt, col);
    size_t len = (size_t) sqlite3_column_bytes (stmt, col);
    if (!text || len >= size) {
        tw_error ("store column %s holds %s", sqlite3_column_name (stmt, col),
                  text ? "an oversize string" : "no text");
        return -1;
    }
    memcpy (dst, text, len + 1);
    return 0;
}

//  The store's names for position states. They are the file format, kept
//  apart from the wire names on purpose.
static const char *
s_state_text (tw_state_t state)
{
    switch (state) {
    case TW_STATE_OPEN:
        return "open";
    case TW_STATE_CLOSING:
        return "closing";
    case TW_STATE_CLOSED:
        return "closed";
    default:
        return NULL;
    }
}

static tw_state_t
s_state_parse (const char *text)
{
    for (tw_state_t state = TW_STATE_OPEN; state <= TW_STATE_CLOSED; state++)
        if (strcmp (text, s_state_text (state)) == 0)
            return state;
    return TW_STATE_NONE;
}

//  Reads the current result row of a statement into *row.
typedef int (s_read_fn) (sqlite3_stmt *stmt, void *row);

//  Steps stmt (already bound) to the end, reading each row with reader into a
//  growing array of row_size-byte rows. On success sets *rows_p (NULL when
//  there are none; the caller frees it) and *count_p; on error sets them to
//  NULL and 0 and returns -1 (logged).
static int
s_collect (gw_store_t *self, sqlite3_stmt *stmt, const char *what, size_t row_size,
           s_read_fn *reader, void **rows_p, size_t *count_p)
{
    char *rows = NULL;
    size_t count = 0, capacity = 0;
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        if (count == capacity) {
            size_t wanted = capacity ? capacity * 2 : GW_STORE_LIST_INITIAL;
            char *grown = (char *) realloc (rows, wanted * row_size);
            if (!grown) {
                tw_error ("store out of memory rows=%zu", wanted);
                break;
            }
            rows = grown;
            capacity = wanted;
        }
        if (reader (stmt, rows + count * row_size))
            break;
        count++;
    }
    if (rc != SQLITE_DONE) {
        if (rc != SQLITE_ROW)
            s_log_sql (self, what);
        free (rows);
        rows = NULL;
        count = 0;
    }
    s_release (stmt);
    *rows_p = rows;
    *count_p = count;
    return rc == SQLITE_DONE ? 0 : -1;
}

//  --- Opening -------------------------------------------------------------

//  Creates the directories above path that do not exist yet.
static int
s_make_parents (const char *path, char *err, size_t err_size)
{
    char dir[GW_STORE_PATH_MAX];
    if (strlen (path) >= sizeof dir) {
        snprintf (err, err_size, "%s: path too long", path);
        return -1;
    }
    strcpy (dir, path);
    for (char *slash = strchr (dir + 1, '/'); slash; slash = strchr (slash + 1, '/')) {
        *slash = 0;
        if (mkdir (dir, GW_STORE_DIR_MODE) != 0 && errno != EEXIST) {
            snprintf (err, err_size, "%s: cannot create directory %s: %s", path, dir,
                      strerror (errno));
            return -1;
        }
        *slash = '/';
    }
    return 0;
}

//  A new run's epoch: random so that a subscriber can never mistake two runs
//  for one, non-zero so that 0 can mean "none yet" to a subscriber.
static int
s_random_epoch (uint64_t *epoch)
{
    do {
        ssize_t got = getrandom (epoch, sizeof *epoch, 0);
        if (got != (ssize_t) sizeof *epoch) {
            int fd = open ("/dev/urandom", O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                return -1;
            got = read (fd, epoch, sizeof *epoch);
            close (fd);
            if (got != (ssize_t) sizeof *epoch)
                return -1;
        }
    } while (*epoch == 0);
    return 0;
}

//  Runs constant SQL (pragmas, schema); never used with data.
static int
s_exec (gw_store_t *self, const char *sql, const char *what, char *err, size_t err_size)
{
    char *message = NULL;
    if (sqlite3_exec (self->db, sql, NULL, NULL, &message) != SQLITE_OK) {
        snprintf (err, err_size, "%s: %s", what, message ? message : sqlite3_errmsg (self->db));
        sqlite3_free (message);
        return -1;
    }
    return 0;
}

//  Reads one integer that a constant query returns; -1 with err set when the
//  query fails or returns no row.
static int
s_query_int (gw_store_t *self, const char *sql, int64_t *value, char *err, size_t err_size)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step (stmt);
        if (rc == SQLITE_ROW)
            *value = sqlite3_column_int64 (stmt, 0);
    }
    if (rc != SQLITE_ROW)
        snprintf (err, err_size, "%s", rc == SQLITE_DONE ? "no row" : sqlite3_errmsg (self->db));
    sqlite3_finalize (stmt);
    return rc == SQLITE_ROW ? 0 : -1;
}

//  Runs a constant pragma whose first answer must be expected: "wal" for
//  journal_mode, which answers with the mode it is now in (not WAL on a file
//  system that cannot do it: refuse that rather than run without), "ok" for
//  an integrity check.
static int
s_pragma_expect (gw_store_t *self, const char *sql, const char *expected, const char *what,
                 char *err, size_t err_size)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step (stmt);
    if (rc != SQLITE_ROW)
        snprintf (err, err_size, "%s: %s", what, sqlite3_errmsg (self->db));
    else {
        const char *answer = (const char *) sqlite3_column_text (stmt, 0);
        if (!answer || sqlite3_stricmp (answer, expected) != 0) {
            snprintf (err, err_size, "%s: %s", what, answer ? answer : "no answer");
            rc = SQLITE_ERROR;
        }
    }
    sqlite3_finalize (stmt);
    return rc == SQLITE_ROW ? 0 : -1;
}

//  Checks the file and brings its schema up to date, in one transaction.
static int
s_migrate (gw_store_t *self, char *err, size_t err_size)
{
    char reason[256] = "";
    int64_t has_version = 0, tables = 0, version = 0;
    if (s_exec (self, "BEGIN IMMEDIATE", "begin", err, err_size))
        return -1;
    if (s_query_int (self,
                     "SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
                     "AND name = 'schema_version'",
                     &has_version, reason, sizeof reason)
        || s_query_int (self, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'", &tables,
                        reason, sizeof reason))
        goto failed;
    if (has_version) {
        if (s_query_int (self, "SELECT version FROM schema_version", &version, reason,
                         sizeof reason))
            goto failed;
    }
    else if (tables > 0) {
        snprintf (reason, sizeof reason, "not a tradewire gateway store (no schema_version)");
        goto failed;
    }
    else if (s_exec (self,
                     "CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT;"
                     "INSERT INTO schema_version (version) VALUES (0)",
                     "create schema_version", reason, sizeof reason))
        goto failed;

    if (version < 0 || version > GW_STORE_SCHEMA_VERSION) {
        snprintf (reason, sizeof reason, "schema version %lld is not one this build knows (%d)",
                  (long long) version, GW_STORE_SCHEMA_VERSION);
        goto failed;
    }
    for (int64_t from = version; from < GW_STORE_SCHEMA_VERSION; from++) {
        char what[64];
        snprintf (what, sizeof what, "migration %lld->%lld", (long long) from,
                  (long long) from + 1);
        if (s_exec (self, s_migrations[from], what, reason, sizeof reason))
            goto failed;
    }
    if (version < GW_STORE_SCHEMA_VERSION) {
        char sql[80];
        //  A constant of this build, not data.
        snprintf (sql, sizeof sql, "UPDATE schema_version SET version = %d",
                  GW_STORE_SCHEMA_VERSION);
        if (s_exec (self, sql, "set schema version", reason, sizeof reason))
            goto failed;
    }
    return s_exec (self, "COMMIT", "commit schema", err, err_size);

failed:
    snprintf (err, err_size, "%s", reason);
    if (!sqlite3_get_autocommit (self->db))
        (void) sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

static int
s_load_seq (gw_store_t *self)
{
    sqlite3_stmt *stmt = s_stmt (self, S_META_GET);
    if (!s_bind_text (self, stmt, 1, "seq", sizeof "seq"))
        return -1;
    int rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW)
        self->seq = (uint64_t) sqlite3_column_int64 (stmt, 0);
    else
        s_log_sql (self, rc == SQLITE_DONE ? "read seq (missing)" : "read seq");
    s_release (stmt);
    return rc == SQLITE_ROW ? 0 : -1;
}

gw_store_t *
gw_store_open (const char *path, char *err, size_t err_size)
{
    assert (path && err && err_size > 0);
    err[0] = 0;
    if (s_make_parents (path, err, err_size))
        return NULL;
    gw_store_t *self = (gw_store_t *) calloc (1, sizeof (gw_store_t));
    if (!self) {
        snprintf (err, err_size, "%s: out of memory", path);
        return NULL;
    }
    char reason[256] = "";
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2 (path, &self->db, flags, NULL) != SQLITE_OK) {
        snprintf (reason, sizeof reason, "%s",
                  self->db ? sqlite3_errmsg (self->db) : "out of memory");
        goto failed;
    }
    if (sqlite3_busy_timeout (self->db, GW_STORE_BUSY_TIMEOUT_MS) != SQLITE_OK) {
        snprintf (reason, sizeof reason, "busy timeout: %s", sqlite3_errmsg (self->db));
        goto failed;
    }
    //  The integrity check finds a page damaged behind a healthy header now,
    //  before the gateway trades on it, rather than halfway through a close.
    if (s_pragma_expect (self, "PRAGMA journal_mode = WAL", "wal", "read", reason, sizeof reason)
        || s_exec (self, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", "pragmas", reason,
                   sizeof reason)
        || s_pragma_expect (self, "PRAGMA quick_check(1)", "ok", "integrity check", reason,
                            sizeof reason)
        || s_migrate (self, reason, sizeof reason))
        goto failed;

    for (int id = 0; id < S_COUNT; id++)
        if (sqlite3_prepare_v3 (self->db, s_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                &self->stmts[id], NULL)
            != SQLITE_OK) {
            snprintf (reason, sizeof reason, "prepare: %s", sqlite3_errmsg (self->db));
            goto failed;
        }

    if (s_random_epoch (&self->epoch)) {
        snprintf (reason, sizeof reason, "no random source for the epoch: %s", strerror (errno));
        goto failed;
    }
    sqlite3_stmt *stmt = s_stmt (self, S_META_PUT);
    if (!s_bind_text (self, stmt, 1, "epoch", sizeof "epoch")
        || !s_bind_int (self, stmt, 2, (int64_t) self->epoch)
        || s_step_done (self, stmt, "write epoch") || s_load_seq (self)) {
        snprintf (reason, sizeof reason, "%s", sqlite3_errmsg (self->db));
        goto failed;
    }
    tw_info ("store opened path=%s schema=%d epoch=%llu seq=%llu", path, GW_STORE_SCHEMA_VERSION,
             (unsigned long long) self->epoch, (unsigned long long) self->seq);
    return self;

failed:
    snprintf (err, err_size, "%s: %s", path, reason);
    //  SQLite's reports (an integrity check's) can span lines; ours cannot.
    for (char *c = err; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    gw_store_destroy (&self);
    return NULL;
}

void
gw_store_destroy (gw_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_store_t *self = *self_p;
    for (int id = 0; id < S_COUNT; id++)
        sqlite3_finalize (self->stmts[id]);
    if (self->db) {
        if (!sqlite3_get_autocommit (self->db))
            (void) sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
        if (sqlite3_close (self->db) != SQLITE_OK)
            tw_error ("store close failed error=\"%s\"", sqlite3_errmsg (self->db));
    }
    free (self);
    *self_p = NULL;
}

int
gw_store_trading_state (gw_store_t *self, tw_trading_state_t *state)
{
    assert (self && state);
    sqlite3_stmt *stmt = s_stmt (self, S_META_GET);
    if (!s_bind_text (self, stmt, 1, "trading_state", sizeof "trading_state"))
        return -1;
    int rc = sqlite3_step (stmt);
    int64_t value = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
    if (rc != SQLITE_ROW)
        s_log_sql (self, "read trading_state");
    s_release (stmt);
    if (rc != SQLITE_ROW)
        return -1;
    *state = value >= TW_TRADING_ACTIVE && value <= TW_TRADING_HALTED ? (tw_trading_state_t) value
                                                                      : TW_TRADING_HALTED;
    return 0;
}

int
gw_store_put_trading_state (gw_store_t *self, tw_trading_state_t state)
{
    assert (self);
    sqlite3_stmt *stmt = s_stmt (self, S_META_PUT);
    if (!s_bind_text (self, stmt, 1, "trading_state", sizeof "trading_state")
        || !s_bind_int (self, stmt, 2, (int64_t) state))
        return -1;
    return s_step_done (self, stmt, "write trading_state") ? -1 : 0;
}

int
gw_store_set_autocheckpoint (gw_store_t *self, int pages)
{
    assert (self);
    int rc = sqlite3_wal_autocheckpoint (self->db, pages);
    if (rc != SQLITE_OK) {
        tw_error ("store autocheckpoint not set: %s", sqlite3_errmsg (self->db));
        return -1;
    }
    return 0;
}

uint64_t
gw_store_epoch (gw_store_t *self)
{
    assert (self);
    return self->epoch;
}

uint64_t
gw_store_seq (gw_store_t *self)
{
    assert (self);
    return self->seq;
}

//  --- Transactions ---------------------------------------------------------

int
gw_store_begin (gw_store_t *self)
{
    assert (self);
    if (!sqlite3_get_autocommit (self->db)) {
        tw_error ("store begin failed error=\"a transaction is already open\"");
        return -1;
    }
    return s_step_done (self, s_stmt (self, S_BEGIN), "begin");
}

int
gw_store_commit (gw_store_t *self)
{
    assert (self);
    if (s_step_done (self, s_stmt (self, S_COMMIT), "commit") == 0)
        return 0;
    gw_store_rollback (self);
    return -1;
}

void
gw_store_rollback (gw_store_t *self)
{
    assert (self);
    //  SQLite rolls back by itself after some errors (disk full, I/O); then
    //  there is nothing left to roll back, but seq must still be reread.
    if (!sqlite3_get_autocommit (self->db))
        (void) s_step_done (self, s_stmt (self, S_ROLLBACK), "rollback");
    (void) s_load_seq (self);
}

uint64_t
gw_store_next_seq (gw_store_t *self)
{
    assert (self);
    sqlite3_stmt *stmt = s_stmt (self, S_SEQ_NEXT);
    int rc = sqlite3_step (stmt);
    uint64_t seq = 0;
    if (rc == SQLITE_ROW) {
        seq = (uint64_t) sqlite3_column_int64 (stmt, 0);
        rc = sqlite3_step (stmt);
    }
    if (rc != SQLITE_DONE) {
        s_log_sql (self, "next seq");
        seq = 0;
    }
    s_release (stmt);
    if (seq)
        self->seq = seq;
    return seq;
}

//  --- Positions ------------------------------------------------------------

static bool
s_bind_position (gw_store_t *self, sqlite3_stmt *stmt, const gw_position_row_t *row,
                 const char *state)
{
    const tw_position_t *pos = &row->pos;
    return s_bind_text (self, stmt, 1, pos->id, sizeof pos->id)
           && s_bind_text (self, stmt, 2, pos->symbol, sizeof pos->symbol)
           && s_bind_text (self, stmt, 3, pos->product, sizeof pos->product)
           && s_bind_int (self, stmt, 4, pos->side) && s_bind_int (self, stmt, 5, pos->qty)
           && s_bind_real (self, stmt, 6, pos->entry_price) && s_bind_real (self, stmt, 7, pos->sl)
           && s_bind_real (self, stmt, 8, pos->tp) && s_bind_real (self, stmt, 9, pos->trail)
           && s_bind_real (self, stmt, 10, row->trail_anchor)
           && s_bind_text (self, stmt, 11, state, strlen (state) + 1)
           && s_bind_int (self, stmt, 12, pos->exit_failed ? 1 : 0)
           && s_bind_text (self, stmt, 13, row->exit_reason, sizeof row->exit_reason)
           && s_bind_text (self, stmt, 14, row->exit_req_id, sizeof row->exit_req_id)
           && s_bind_int (self, stmt, 15, row->exit_attempts)
           && s_bind_int (self, stmt, 16, row->exit_started_ms)
           && s_bind_int (self, stmt, 17, row->last_exit_failed_ms)
           && s_bind_int (self, stmt, 18, row->opened_ts)
           && s_bind_int (self, stmt, 19, row->closed_ts)
           && s_bind_real (self, stmt, 20, row->exit_price)
           && s_bind_real (self, stmt, 21, row->pnl)
           && s_bind_text (self, stmt, 22, row->order_tag, sizeof row->order_tag)
           && s_bind_text (self, stmt, 23, row->stop_tag, sizeof row->stop_tag)
           && s_bind_text (self, stmt, 24, row->stop_order_id, sizeof row->stop_order_id)
           && s_bind_real (self, stmt, 25, row->stop_price);
}

//  Reads the current result row (columns S_POSITION_COLUMNS) into *row.
static int
s_read_position (sqlite3_stmt *stmt, gw_position_row_t *row)
{
    memset (row, 0, sizeof *row);
    tw_position_t *pos = &row->pos;
    char state[16];
    if (s_column_text (stmt, 0, pos->id, sizeof pos->id)
        || s_column_text (stmt, 1, pos->symbol, sizeof pos->symbol)
        || s_column_text (stmt, 2, pos->product, sizeof pos->product)
        || s_column_text (stmt, 10, state, sizeof state)
        || s_column_text (stmt, 12, row->exit_reason, sizeof row->exit_reason)
        || s_column_text (stmt, 13, row->exit_req_id, sizeof row->exit_req_id)
        || s_column_text (stmt, 21, row->order_tag, sizeof row->order_tag)
        || s_column_text (stmt, 22, row->stop_tag, sizeof row->stop_tag)
        || s_column_text (stmt, 23, row->stop_order_id, sizeof row->stop_order_id))
        return -1;
    row->stop_price = sqlite3_column_double (stmt, 24);
    pos->side = sqlite3_column_int (stmt, 3) > 0 ? TW_SIDE_LONG : TW_SIDE_SHORT;
    pos->qty = sqlite3_column_int64 (stmt, 4);
    pos->entry_price = sqlite3_column_double (stmt, 5);
    pos->sl = sqlite3_column_double (stmt, 6);
    pos->tp = sqlite3_column_double (stmt, 7);
    pos->trail = sqlite3_column_double (stmt, 8);
    row->trail_anchor = sqlite3_column_double (stmt, 9);
    pos->state = s_state_parse (state);
    pos->exit_failed = sqlite3_column_int (stmt, 11) != 0;
    row->exit_attempts = sqlite3_column_int64 (stmt, 14);
    row->exit_started_ms = sqlite3_column_int64 (stmt, 15);
    row->last_exit_failed_ms = sqlite3_column_int64 (stmt, 16);
    row->opened_ts = sqlite3_column_int64 (stmt, 17);
    row->closed_ts = sqlite3_column_int64 (stmt, 18);
    row->exit_price = sqlite3_column_double (stmt, 19);
    row->pnl = sqlite3_column_double (stmt, 20);
    return 0;
}

int
gw_store_put_position (gw_store_t *self, const gw_position_row_t *row)
{
    assert (self && row);
    tw_state_t state = row->pos.state;
    if (!row->pos.id[0] || (state != TW_STATE_OPEN && state != TW_STATE_CLOSING)) {
        tw_error ("store put position refused id=%.*s state=%d", TW_ID_MAX - 1, row->pos.id,
                  (int) state);
        return -1;
    }
    sqlite3_stmt *stmt = s_stmt (self, S_POS_UPDATE);
    if (!s_bind_position (self, stmt, row, s_state_text (state))
        || s_step_done (self, stmt, "update position"))
        return -1;
    if (sqlite3_changes (self->db) > 0)
        return 0;
    stmt = s_stmt (self, S_POS_INSERT);
    if (!s_bind_position (self, stmt, row, s_state_text (state))
        || s_step_done (self, stmt, "insert position"))
        return -1;
    return 0;
}

static int
s_read_position_row (sqlite3_stmt *stmt, void *row)
{
    return s_read_position (stmt, (gw_position_row_t *) row);
}

static int
s_collect_positions (gw_store_t *self, sqlite3_stmt *stmt, const char *what,
                     gw_position_row_t **rows_p, size_t *count_p)
{
    void *rows = NULL;
    int rc = s_collect (self, stmt, what, sizeof (gw_position_row_t), s_read_position_row, &rows,
                        count_p);
    *rows_p = (gw_position_row_t *) rows;
    return rc;
}

int
gw_store_get_position (gw_store_t *self, const char *id, gw_position_row_t *row)
{
    assert (self && id && row);
    sqlite3_stmt *stmt = s_stmt (self, S_POS_GET);
    if (!s_bind_text (self, stmt, 1, id, TW_ID_MAX))
        return -1;
    int rc = sqlite3_step (stmt);
    int result = -1;
    if (rc == SQLITE_ROW)
        result = s_read_position (stmt, row) == 0 ? 0 : -1;
    else if (rc == SQLITE_DONE)
        result = 1;
    else
        s_log_sql (self, "get position");
    s_release (stmt);
    return result;
}

int
gw_store_list_positions (gw_store_t *self, gw_position_row_t **rows, size_t *count)
{
    assert (self && rows && count);
    return s_collect_positions (self, s_stmt (self, S_POS_LIST), "list positions", rows, count);
}

int
gw_store_count_positions (gw_store_t *self, size_t *count)
{
    assert (self && count);
    *count = 0;
    sqlite3_stmt *stmt = s_stmt (self, S_POS_COUNT);
    if (sqlite3_step (stmt) != SQLITE_ROW) {
        s_log_sql (self, "count positions");
        s_release (stmt);
        return -1;
    }
    *count = (size_t) sqlite3_column_int64 (stmt, 0);
    s_release (stmt);
    return 0;
}

int
gw_store_close_position (gw_store_t *self, const char *id, const char *reason, double exit_price,
                         double pnl, int64_t closed_ts)
{
    assert (self && id && reason);
    sqlite3_stmt *stmt = s_stmt (self, S_POS_CLOSE);
    if (!s_bind_text (self, stmt, 1, id, TW_ID_MAX)
        || !s_bind_text (self, stmt, 2, reason, TW_REASON_MAX)
        || !s_bind_real (self, stmt, 3, exit_price) || !s_bind_real (self, stmt, 4, pnl)
        || !s_bind_int (self, stmt, 5, closed_ts) || s_step_done (self, stmt, "close position"))
        return -1;
    return sqlite3_changes (self->db) > 0 ? 0 : 1;
}

int
gw_store_history (gw_store_t *self, const char *id, gw_position_row_t **rows, size_t *count)
{
    assert (self && id && rows && count);
    *rows = NULL;
    *count = 0;
    sqlite3_stmt *stmt = s_stmt (self, S_POS_HISTORY);
    if (!s_bind_text (self, stmt, 1, id, TW_ID_MAX))
        return -1;
    return s_collect_positions (self, stmt, "position history", rows, count);
}

//  --- Exit attempts --------------------------------------------------------

int
gw_store_add_attempt (gw_store_t *self, const gw_attempt_row_t *attempt)
{
    assert (self && attempt);
    sqlite3_stmt *stmt = s_stmt (self, S_ATT_INSERT);
    if (!s_bind_text (self, stmt, 1, attempt->position_id, sizeof attempt->position_id)
        || !s_bind_int (self, stmt, 2, attempt->attempt)
        || !s_bind_int (self, stmt, 3, attempt->started_ms)
        || !s_bind_text (self, stmt, 4, attempt->outcome, sizeof attempt->outcome)
        || !s_bind_int (self, stmt, 5, attempt->http_status)
        || !s_bind_int (self, stmt, 6, attempt->broker_code)
        || !s_bind_text (self, stmt, 7, attempt->error, sizeof attempt->error)
        || !s_bind_int (self, stmt, 8, attempt->latency_ms)
        || s_step_done (self, stmt, "add attempt"))
        return -1;
    return sqlite3_changes (self->db) > 0 ? 0 : 1;
}

int
gw_store_update_attempt (gw_store_t *self, const gw_attempt_row_t *attempt)
{
    assert (self && attempt);
    sqlite3_stmt *stmt = s_stmt (self, S_ATT_UPDATE);
    if (!s_bind_text (self, stmt, 1, attempt->position_id, sizeof attempt->position_id)
        || !s_bind_int (self, stmt, 2, attempt->attempt)
        || !s_bind_text (self, stmt, 3, attempt->outcome, sizeof attempt->outcome)
        || !s_bind_int (self, stmt, 4, attempt->http_status)
        || !s_bind_int (self, stmt, 5, attempt->broker_code)
        || !s_bind_text (self, stmt, 6, attempt->error, sizeof attempt->error)
        || !s_bind_int (self, stmt, 7, attempt->latency_ms)
        || s_step_done (self, stmt, "update attempt"))
        return -1;
    return sqlite3_changes (self->db) > 0 ? 0 : 1;
}

static int
s_read_attempt (sqlite3_stmt *stmt, void *row_p)
{
    gw_attempt_row_t *row = (gw_attempt_row_t *) row_p;
    memset (row, 0, sizeof *row);
    row->attempt = sqlite3_column_int64 (stmt, 1);
    row->started_ms = sqlite3_column_int64 (stmt, 2);
    row->http_status = sqlite3_column_int (stmt, 4);
    row->broker_code = sqlite3_column_int (stmt, 5);
    row->latency_ms = sqlite3_column_int64 (stmt, 7);
    return s_column_text (stmt, 0, row->position_id, sizeof row->position_id)
           || s_column_text (stmt, 3, row->outcome, sizeof row->outcome)
           || s_column_text (stmt, 6, row->error, sizeof row->error);
}

int
gw_store_attempts (gw_store_t *self, const char *id, gw_attempt_row_t **rows_p, size_t *count_p)
{
    assert (self && id && rows_p && count_p);
    *rows_p = NULL;
    *count_p = 0;
    sqlite3_stmt *stmt = s_stmt (self, S_ATT_LIST);
    if (!s_bind_text (self, stmt, 1, id, TW_ID_MAX))
        return -1;
    void *rows = NULL;
    int rc = s_collect (self, stmt, "list attempts", sizeof (gw_attempt_row_t), s_read_attempt,
                        &rows, count_p);
    *rows_p = (gw_attempt_row_t *) rows;
    return rc;
}

//  --- Replies by req_id ----------------------------------------------------

int
gw_store_get_reply (gw_store_t *self, const char *req_id, uint8_t **reply, size_t *size)
{
    assert (self && req_id && reply && size);
    *reply = NULL;
    *size = 0;
    sqlite3_stmt *stmt = s_stmt (self, S_REQ_GET);
    if (!s_bind_text (self, stmt, 1, req_id, TW_ID_MAX))
        return -1;
    int rc = sqlite3_step (stmt);
    int result = -1;
    if (rc == SQLITE_ROW) {
        const void *blob = sqlite3_column_blob (stmt, 0);
        size_t bytes = (size_t) sqlite3_column_bytes (stmt, 0);
        //  One byte at least, so that an empty reply is still a non-NULL copy.
        uint8_t *copy = (uint8_t *) malloc (bytes ? bytes : 1);
        if (copy) {
            if (bytes)
                memcpy (copy, blob, bytes);
            *reply = copy;
            *size = bytes;
            result = 0;
        }
        else
            tw_error ("store out of memory reply_bytes=%zu", bytes);
    }
    else if (rc == SQLITE_DONE)
        result = 1;
    else
        s_log_sql (self, "get reply");
    s_release (stmt);
    return result;
}

int
gw_store_put_reply (gw_store_t *self, const char *req_id, const uint8_t *reply, size_t size,
                    size_t keep_max)
{
    assert (self && req_id && (reply || size == 0) && keep_max >= 1);
    if (size > (size_t) TW_MAX_FRAME) {
        tw_error ("store reply too large req_id=%.*s bytes=%zu", TW_ID_MAX - 1, req_id, size);
        return -1;
    }
    sqlite3_stmt *stmt = s_stmt (self, S_REQ_PUT);
    if (!s_bind_text (self, stmt, 1, req_id, TW_ID_MAX)
        || !s_bind_int (self, stmt, 2, s_wall_ms ()))
        return -1;
    //  A NULL blob would be SQL NULL, which the column refuses.
    int rc = size ? sqlite3_bind_blob (stmt, 3, reply, (int) size, SQLITE_STATIC)
                  : sqlite3_bind_zeroblob (stmt, 3, 0);
    if (rc != SQLITE_OK) {
        s_log_sql (self, "bind reply");
        s_release (stmt);
        return -1;
    }
    if (s_step_done (self, stmt, "put reply"))
        return -1;
    if (sqlite3_changes (self->db) == 0)
        return 1;
    stmt = s_stmt (self, S_REQ_PRUNE);
    if (!s_bind_int (self, stmt, 1, (int64_t) keep_max)
        || s_step_done (self, stmt, "prune replies"))
        return -1;
    return 0;
}

//  --- Pending opens --------------------------------------------------------

static int
s_read_pending (sqlite3_stmt *stmt, void *row_p)
{
    gw_pending_row_t *row = (gw_pending_row_t *) row_p;
    memset (row, 0, sizeof *row);
    if (s_column_text (stmt, 0, row->req_id, sizeof row->req_id)
        || s_column_text (stmt, 1, row->symbol, sizeof row->symbol)
        || s_column_text (stmt, 7, row->product, sizeof row->product)
        || s_column_text (stmt, 8, row->order_tag, sizeof row->order_tag)
        || s_column_text (stmt, 9, row->state, sizeof row->state))
        return -1;
    row->side = sqlite3_column_int (stmt, 2) > 0 ? TW_SIDE_LONG : TW_SIDE_SHORT;
    row->qty = sqlite3_column_int64 (stmt, 3);
    row->sl = sqlite3_column_double (stmt, 4);
    row->tp = sqlite3_column_double (stmt, 5);
    row->trail = sqlite3_column_double (stmt, 6);
    row->created_ms = sqlite3_column_int64 (stmt, 10);
    return 0;
}

int
gw_store_put_pending (gw_store_t *self, const gw_pending_row_t *row)
{
    assert (self && row);
    sqlite3_stmt *stmt = s_stmt (self, S_PEND_PUT);
    if (!s_bind_text (self, stmt, 1, row->req_id, sizeof row->req_id)
        || !s_bind_text (self, stmt, 2, row->symbol, sizeof row->symbol)
        || !s_bind_int (self, stmt, 3, row->side) || !s_bind_int (self, stmt, 4, row->qty)
        || !s_bind_real (self, stmt, 5, row->sl) || !s_bind_real (self, stmt, 6, row->tp)
        || !s_bind_real (self, stmt, 7, row->trail)
        || !s_bind_text (self, stmt, 8, row->product, sizeof row->product)
        || !s_bind_text (self, stmt, 9, row->order_tag, sizeof row->order_tag)
        || !s_bind_text (self, stmt, 10, row->state, sizeof row->state)
        || !s_bind_int (self, stmt, 11, row->created_ms)
        || s_step_done (self, stmt, "put pending open"))
        return -1;
    return 0;
}

int
gw_store_get_pending (gw_store_t *self, const char *req_id, gw_pending_row_t *row)
{
    assert (self && req_id && row);
    sqlite3_stmt *stmt = s_stmt (self, S_PEND_GET);
    if (!s_bind_text (self, stmt, 1, req_id, TW_ID_MAX))
        return -1;
    int rc = sqlite3_step (stmt);
    int result = -1;
    if (rc == SQLITE_ROW)
        result = s_read_pending (stmt, row) == 0 ? 0 : -1;
    else if (rc == SQLITE_DONE)
        result = 1;
    else
        s_log_sql (self, "get pending open");
    s_release (stmt);
    return result;
}

int
gw_store_list_pending (gw_store_t *self, gw_pending_row_t **rows_p, size_t *count_p)
{
    assert (self && rows_p && count_p);
    void *rows = NULL;
    int rc = s_collect (self, s_stmt (self, S_PEND_LIST), "list pending opens",
                        sizeof (gw_pending_row_t), s_read_pending, &rows, count_p);
    *rows_p = (gw_pending_row_t *) rows;
    return rc;
}

int
gw_store_delete_pending (gw_store_t *self, const char *req_id)
{
    assert (self && req_id);
    sqlite3_stmt *stmt = s_stmt (self, S_PEND_DELETE);
    if (!s_bind_text (self, stmt, 1, req_id, TW_ID_MAX)
        || s_step_done (self, stmt, "delete pending open"))
        return -1;
    return sqlite3_changes (self->db) > 0 ? 0 : 1;
}

//  --- The journal ----------------------------------------------------------

int
gw_store_journal_page (gw_store_t *self, int64_t from_ts, int64_t to_ts, int64_t offset,
                       int64_t limit, gw_position_row_t **rows, size_t *count)
{
    assert (self && rows && count);
    *rows = NULL;
    *count = 0;
    sqlite3_stmt *stmt = s_stmt (self, S_JOURNAL_PAGE);
    if (!s_bind_int (self, stmt, 1, from_ts) || !s_bind_int (self, stmt, 2, to_ts)
        || !s_bind_int (self, stmt, 3, limit) || !s_bind_int (self, stmt, 4, offset))
        return -1;
    return s_collect_positions (self, stmt, "journal page", rows, count);
}

int
gw_store_journal_stats (gw_store_t *self, int64_t from_ts, int64_t to_ts,
                        gw_store_journal_stats_t *stats)
{
    assert (self && stats);
    memset (stats, 0, sizeof *stats);
    sqlite3_stmt *stmt = s_stmt (self, S_JOURNAL_STATS);
    if (!s_bind_int (self, stmt, 1, from_ts) || !s_bind_int (self, stmt, 2, to_ts))
        return -1;
    int rc = sqlite3_step (stmt);
    if (rc != SQLITE_ROW) {
        s_log_sql (self, "journal stats");
        s_release (stmt);
        return -1;
    }
    stats->trades = sqlite3_column_int64 (stmt, 0);
    stats->realized_pnl = sqlite3_column_double (stmt, 1);
    stats->wins = sqlite3_column_int64 (stmt, 2);
    stats->losses = sqlite3_column_int64 (stmt, 3);
    stats->largest_loss = sqlite3_column_double (stmt, 4);
    s_release (stmt);
    return 0;
}
