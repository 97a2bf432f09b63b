//  gw_paper - see gw_paper.h.
//
//  The positions live in memory (a hash by id) and in SQLite; every fill is
//  computed on a copy, written in one transaction with its order row, and
//  only then applied in memory, so memory never runs ahead of the file.

#include "gw_paper_int.h"
#include "tw_clock.h"
#include "tw_log.h"
#include "tw_sock.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GW_PAPER_DEFAULT_PRODUCT "INTRADAY"
#define GW_PAPER_ORDER_PREFIX "PAPER-" //  order ids: "PAPER-<n>"
#define GW_PAPER_TICK_PREFIX "tick."   //  the feed's tick topics
#define GW_PAPER_BUSY_TIMEOUT_MS 1000  //  wait for a lock held by another process
#define GW_PAPER_BAD_TICK_LOG_MS 10000 //  at most one "bad tick" line per interval
#define GW_PAPER_SCHEMA_VERSION_TEXT "1"

static const char *s_schema =
    "PRAGMA journal_mode = WAL;"
    "PRAGMA synchronous = NORMAL;"
    "CREATE TABLE IF NOT EXISTS paper_position ("
    "  id TEXT PRIMARY KEY, symbol TEXT NOT NULL, product TEXT NOT NULL,"
    "  net_qty INTEGER NOT NULL, avg_price REAL NOT NULL,"
    "  buy_qty INTEGER NOT NULL, buy_value REAL NOT NULL,"
    "  sell_qty INTEGER NOT NULL, sell_value REAL NOT NULL,"
    "  realized REAL NOT NULL, ltp REAL NOT NULL, day TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS paper_order ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT, tag TEXT NOT NULL, position_id TEXT NOT NULL,"
    "  side INTEGER NOT NULL, qty INTEGER NOT NULL, price REAL NOT NULL, ts INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS paper_order_tag ON paper_order (tag);"
    //  Stop orders (SL-M): status 6 while resting, 2 filled at price, 1
    //  cancelled. A file from before they existed gains the table.
    "CREATE TABLE IF NOT EXISTS paper_stop ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT, tag TEXT NOT NULL, position_id TEXT NOT NULL,"
    "  symbol TEXT NOT NULL, side INTEGER NOT NULL, qty INTEGER NOT NULL,"
    "  stop_price REAL NOT NULL, status INTEGER NOT NULL, price REAL NOT NULL);"
    "CREATE INDEX IF NOT EXISTS paper_stop_symbol ON paper_stop (symbol, status);";

static void
s_item_free (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

static void
s_today (char *day, size_t size)
{
    time_t now = time (NULL);
    struct tm local;
    localtime_r (&now, &local);
    strftime (day, size, "%Y-%m-%d", &local);
}

static bool
s_text_set (const char *buf, size_t size)
{
    size_t len = strnlen (buf, size);
    return len > 0 && len < size;
}

//  Creates the directory that will hold path, when path names one.
static int
s_make_parent (const char *path)
{
    const char *slash = strrchr (path, '/');
    if (!slash || slash == path)
        return 0;
    char *dir = strndup (path, (size_t) (slash - path));
    assert (dir);
    int rc = zsys_dir_create ("%s", dir);
    if (rc != 0)
        tw_error ("paper: cannot create directory dir=%s", dir);
    free (dir);
    return rc;
}

void
gw_paper_copy_column (sqlite3_stmt *stmt, int column, char *buf, size_t size)
{
    const unsigned char *text = sqlite3_column_text (stmt, column);
    snprintf (buf, size, "%s", text ? (const char *) text : "");
}

//  Loads the positions; drops the flat ones of earlier days (as Fyers, the
//  list covers today).
static int
s_load (gw_paper_t *self)
{
    char today[GW_PAPER_DAY_SIZE];
    s_today (today, sizeof today);
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2 (
        self->db, "DELETE FROM paper_position WHERE net_qty = 0 AND day <> ?", -1, &stmt, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text (stmt, 1, today, -1, SQLITE_STATIC);
        rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize (stmt);
    if (rc != SQLITE_OK)
        return -1;
    rc = sqlite3_prepare_v2 (self->db,
                             "SELECT id, symbol, product, net_qty, avg_price, buy_qty, buy_value,"
                             " sell_qty, sell_value, realized, ltp, day FROM paper_position",
                             -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return -1;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        gw_paper_position_t *pos = (gw_paper_position_t *) zmalloc (sizeof *pos);
        assert (pos);
        gw_paper_copy_column (stmt, 0, pos->id, sizeof pos->id);
        gw_paper_copy_column (stmt, 1, pos->symbol, sizeof pos->symbol);
        gw_paper_copy_column (stmt, 2, pos->product, sizeof pos->product);
        pos->net_qty = sqlite3_column_int64 (stmt, 3);
        pos->avg_price = sqlite3_column_double (stmt, 4);
        pos->buy_qty = sqlite3_column_int64 (stmt, 5);
        pos->buy_value = sqlite3_column_double (stmt, 6);
        pos->sell_qty = sqlite3_column_int64 (stmt, 7);
        pos->sell_value = sqlite3_column_double (stmt, 8);
        pos->realized = sqlite3_column_double (stmt, 9);
        pos->ltp = sqlite3_column_double (stmt, 10);
        gw_paper_copy_column (stmt, 11, pos->day, sizeof pos->day);
        zhashx_update (self->positions, pos->id, pos);
    }
    sqlite3_finalize (stmt);
    return rc == SQLITE_DONE ? 0 : -1;
}

gw_paper_t *
gw_paper_new (const char *feed_endpoint, const char *db_path)
{
    if (!db_path || !*db_path) {
        tw_error ("paper broker needs [gateway] paper_db");
        return NULL;
    }
    if (s_make_parent (db_path) != 0)
        return NULL;
    gw_paper_t *self = (gw_paper_t *) zmalloc (sizeof *self);
    assert (self);
    self->bad_ticks.interval_ms = GW_PAPER_BAD_TICK_LOG_MS;
    self->positions = zhashx_new ();
    self->prices = zhashx_new ();
    assert (self->positions && self->prices);
    zhashx_set_destructor (self->positions, s_item_free);
    zhashx_set_destructor (self->prices, s_item_free);

    int rc = sqlite3_open_v2 (db_path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout (self->db, GW_PAPER_BUSY_TIMEOUT_MS);
        rc = sqlite3_exec (self->db, s_schema, NULL, NULL, NULL);
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2 (
            self->db,
            "INSERT OR REPLACE INTO paper_position (id, symbol, product, net_qty, avg_price,"
            " buy_qty, buy_value, sell_qty, sell_value, realized, ltp, day)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            -1, &self->upsert_position, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2 (self->db,
                                 "INSERT INTO paper_order (tag, position_id, side, qty, price, ts)"
                                 " VALUES (?, ?, ?, ?, ?, ?)",
                                 -1, &self->insert_order, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2 (self->db,
                                 "SELECT seq, price FROM paper_order WHERE tag = ?"
                                 " ORDER BY seq LIMIT 1",
                                 -1, &self->find_order, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec (self->db, "PRAGMA user_version = " GW_PAPER_SCHEMA_VERSION_TEXT, NULL,
                           NULL, NULL);
    if (rc == SQLITE_OK && s_load (self) != 0)
        rc = SQLITE_ERROR;
    if (rc == SQLITE_OK)
        gw_paper_stop_count (self);
    if (rc != SQLITE_OK) {
        tw_error ("paper: cannot open the database path=%s error=\"%s\"", db_path,
                  self->db ? sqlite3_errmsg (self->db) : "out of memory");
        gw_paper_destroy (&self);
        return NULL;
    }
    if (feed_endpoint && *feed_endpoint) {
        self->feed = tw_sock_sub_new (feed_endpoint, GW_PAPER_TICK_PREFIX);
        if (!self->feed) {
            gw_paper_destroy (&self);
            return NULL;
        }
    }
    tw_info ("paper broker db=%s positions=%zu feed=%s", db_path, zhashx_size (self->positions),
             feed_endpoint && *feed_endpoint ? feed_endpoint : "none");
    return self;
}

void
gw_paper_destroy (gw_paper_t **self_p)
{
    assert (self_p);
    gw_paper_t *self = *self_p;
    if (!self)
        return;
    zsock_destroy (&self->feed);
    tw_tickguard_destroy (&self->guard);
    sqlite3_finalize (self->upsert_position);
    sqlite3_finalize (self->insert_order);
    sqlite3_finalize (self->find_order);
    if (self->db)
        sqlite3_close (self->db);
    zhashx_destroy (&self->positions);
    zhashx_destroy (&self->prices);
    free (self);
    *self_p = NULL;
}

void
gw_paper_set_price (gw_paper_t *self, const char *symbol, double ltp)
{
    assert (self);
    if (!symbol || !*symbol || !isfinite (ltp) || ltp <= 0)
        return;
    double *price = (double *) zhashx_lookup (self->prices, symbol);
    if (!price) {
        price = (double *) malloc (sizeof *price);
        assert (price);
        zhashx_insert (self->prices, symbol, price);
    }
    *price = ltp;
    gw_paper_stop_trigger (self, symbol, ltp);
}

void
gw_paper_set_guard (gw_paper_t *self, tw_tickguard_t *guard)
{
    assert (self);
    tw_tickguard_destroy (&self->guard);
    self->guard = guard;
}

double
gw_paper_price (gw_paper_t *self, const char *symbol)
{
    double *price = (double *) zhashx_lookup (self->prices, symbol);
    return price ? *price : 0;
}

//  --------------------------------------------------------------------------
//  Netting

//  Applies a fill of qty at price on side (1 buy, -1 sell) to pos.
static void
s_apply_fill (gw_paper_position_t *pos, int side, int64_t qty, double price)
{
    if (side > 0) {
        pos->buy_qty += qty;
        pos->buy_value += (double) qty * price;
    }
    else {
        pos->sell_qty += qty;
        pos->sell_value += (double) qty * price;
    }
    int64_t before = pos->net_qty;
    int64_t open = before < 0 ? -before : before;
    pos->net_qty = before + side * qty;
    if (before == 0 || (before > 0) == (side > 0))
        //  Adding to the position (or opening it): a weighted average.
        pos->avg_price =
            ((double) open * pos->avg_price + (double) qty * price) / (double) (open + qty);
    else {
        //  Reducing it: the closed part realises its P&L against the average.
        int64_t closed = qty < open ? qty : open;
        pos->realized += (double) closed * (price - pos->avg_price) * (before > 0 ? 1 : -1);
        if (pos->net_qty == 0)
            pos->avg_price = 0;
        else if ((pos->net_qty > 0) != (before > 0))
            pos->avg_price = price; //  reversed: the rest opened at this price
    }
    pos->ltp = price;
}

//  Writes pos and its order row in one transaction. Returns the order's seq,
//  or -1 (err set) when nothing was written.
static int64_t
s_store_fill (gw_paper_t *self, const gw_paper_position_t *pos, const char *tag, int side,
              int64_t qty, double price, int64_t stop_seq, char *err, size_t err_size)
{
    int rc = sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    int64_t seq = -1;
    if (rc == SQLITE_OK) {
        sqlite3_stmt *order = self->insert_order;
        sqlite3_bind_text (order, 1, tag, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text (order, 2, pos->id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int (order, 3, side);
        sqlite3_bind_int64 (order, 4, qty);
        sqlite3_bind_double (order, 5, price);
        sqlite3_bind_int64 (order, 6, tw_clock_wall_ns ());
        rc = sqlite3_step (order) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        seq = sqlite3_last_insert_rowid (self->db);
        sqlite3_reset (order);
        sqlite3_clear_bindings (order);
    }
    if (rc == SQLITE_OK) {
        sqlite3_stmt *upsert = self->upsert_position;
        sqlite3_bind_text (upsert, 1, pos->id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text (upsert, 2, pos->symbol, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text (upsert, 3, pos->product, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64 (upsert, 4, pos->net_qty);
        sqlite3_bind_double (upsert, 5, pos->avg_price);
        sqlite3_bind_int64 (upsert, 6, pos->buy_qty);
        sqlite3_bind_double (upsert, 7, pos->buy_value);
        sqlite3_bind_int64 (upsert, 8, pos->sell_qty);
        sqlite3_bind_double (upsert, 9, pos->sell_value);
        sqlite3_bind_double (upsert, 10, pos->realized);
        sqlite3_bind_double (upsert, 11, pos->ltp);
        sqlite3_bind_text (upsert, 12, pos->day, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step (upsert) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        sqlite3_reset (upsert);
        sqlite3_clear_bindings (upsert);
    }
    if (rc == SQLITE_OK && stop_seq > 0) {
        //  The stop that fired is filled in the same transaction as its
        //  fill, so that a restart never fires it twice.
        sqlite3_stmt *stmt = NULL;
        rc = sqlite3_prepare_v2 (
            self->db, "UPDATE paper_stop SET status = 2, price = ? WHERE seq = ?", -1, &stmt, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_double (stmt, 1, price);
            sqlite3_bind_int64 (stmt, 2, stop_seq);
            rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        }
        sqlite3_finalize (stmt);
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        snprintf (err, err_size, "paper db: %s", sqlite3_errmsg (self->db));
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return seq;
}

//  Fills qty on side for the position id at price, durably, then in memory.
//  start is the position before the fill (a copy). Returns the order seq or
//  -1 (call answered RETRYABLE: nothing was filled).
int64_t
gw_paper_fill (gw_paper_t *self, gw_call_t *call, gw_paper_position_t start, const char *tag,
               int side, int64_t qty, double price, int64_t stop_seq)
{
    char today[GW_PAPER_DAY_SIZE];
    s_today (today, sizeof today);
    if (start.net_qty == 0 && !streq (start.day, today)) {
        //  A position flat since an earlier day starts afresh.
        gw_paper_position_t fresh = {0};
        memcpy (fresh.id, start.id, sizeof fresh.id);
        memcpy (fresh.symbol, start.symbol, sizeof fresh.symbol);
        memcpy (fresh.product, start.product, sizeof fresh.product);
        start = fresh;
    }
    snprintf (start.day, sizeof start.day, "%s", today);
    s_apply_fill (&start, side, qty, price);
    int64_t seq = s_store_fill (self, &start, tag, side, qty, price, stop_seq, call->error,
                                sizeof call->error);
    if (seq < 0) {
        call->outcome = GW_OUT_RETRYABLE;
        return -1;
    }
    gw_paper_position_t *pos = (gw_paper_position_t *) zhashx_lookup (self->positions, start.id);
    if (!pos) {
        pos = (gw_paper_position_t *) zmalloc (sizeof *pos);
        assert (pos);
        zhashx_insert (self->positions, start.id, pos);
    }
    *pos = start;
    return seq;
}

//  --------------------------------------------------------------------------
//  Calls

static void
s_place (gw_paper_t *self, gw_call_t *call)
{
    const char *product = call->product[0] ? call->product : GW_PAPER_DEFAULT_PRODUCT;
    gw_paper_position_t start = {0};
    if (!s_text_set (call->symbol, sizeof call->symbol) || call->qty <= 0
        || (call->side != TW_SIDE_LONG && call->side != TW_SIDE_SHORT)
        || !s_text_set (product, sizeof call->product)) {
        call->outcome = GW_OUT_FINAL;
        snprintf (call->error, sizeof call->error, "invalid place call: symbol, side, qty");
        return;
    }
    int len = snprintf (start.id, sizeof start.id, "%s-%s", call->symbol, product);
    if (len < 0 || (size_t) len >= sizeof start.id) {
        call->outcome = GW_OUT_FINAL;
        snprintf (call->error, sizeof call->error, "invalid place call: position id too long");
        return;
    }
    if (call->stop_price > 0) {
        gw_paper_stop_place (self, call, start.id);
        return;
    }
    double price = gw_paper_price (self, call->symbol);
    if (price <= 0) {
        call->outcome = GW_OUT_FINAL;
        snprintf (call->error, sizeof call->error, "no market price for %s", call->symbol);
        return;
    }
    gw_paper_position_t *pos = (gw_paper_position_t *) zhashx_lookup (self->positions, start.id);
    if (pos)
        start = *pos;
    else {
        snprintf (start.symbol, sizeof start.symbol, "%s", call->symbol);
        snprintf (start.product, sizeof start.product, "%s", product);
    }
    int64_t seq = gw_paper_fill (self, call, start, call->order_tag,
                                 call->side == TW_SIDE_LONG ? 1 : -1, call->qty, price, 0);
    if (seq < 0)
        return;
    call->outcome = GW_OUT_OK;
    call->broker_code = GW_PAPER_CODE_PLACED;
    call->fill_price = price;
    snprintf (call->order_id, sizeof call->order_id, GW_PAPER_ORDER_PREFIX "%lld", (long long) seq);
}

static void
s_exit (gw_paper_t *self, gw_call_t *call)
{
    gw_paper_stop_cancel_position (self, call->position_id);
    gw_paper_position_t *pos =
        (gw_paper_position_t *) zhashx_lookup (self->positions, call->position_id);
    if (!pos || pos->net_qty == 0) {
        //  As Fyers: the gateway verifies by reading the positions.
        call->outcome = GW_OUT_AMBIGUOUS;
        call->broker_code = GW_PAPER_CODE_NO_POSITION;
        snprintf (call->error, sizeof call->error, "code %d: no position to exit",
                  GW_PAPER_CODE_NO_POSITION);
        return;
    }
    double price = gw_paper_price (self, pos->symbol);
    if (price <= 0) {
        //  Restarted and no tick yet: one will come.
        call->outcome = GW_OUT_RETRYABLE;
        snprintf (call->error, sizeof call->error, "no market price for %s", pos->symbol);
        return;
    }
    int side = pos->net_qty > 0 ? -1 : 1;
    int64_t qty = pos->net_qty > 0 ? pos->net_qty : -pos->net_qty;
    if (gw_paper_fill (self, call, *pos, "", side, qty, price, 0) < 0)
        return;
    call->outcome = GW_OUT_OK;
    call->broker_code = GW_PAPER_CODE_EXITED;
    call->fill_price = price;
}

static void
s_positions (gw_paper_t *self, gw_call_t *call)
{
    char today[GW_PAPER_DAY_SIZE];
    s_today (today, sizeof today);
    size_t size = zhashx_size (self->positions);
    gw_broker_position_t *list =
        (gw_broker_position_t *) calloc (size > 0 ? size : 1, sizeof *list);
    assert (list);
    size_t count = 0;
    for (gw_paper_position_t *pos = (gw_paper_position_t *) zhashx_first (self->positions); pos;
         pos = (gw_paper_position_t *) zhashx_next (self->positions)) {
        if (pos->net_qty == 0 && !streq (pos->day, today))
            continue;
        gw_broker_position_t *out = &list[count++];
        memcpy (out->id, pos->id, sizeof out->id);
        memcpy (out->symbol, pos->symbol, sizeof out->symbol);
        memcpy (out->product, pos->product, sizeof out->product);
        out->net_qty = pos->net_qty;
        out->avg_price = pos->avg_price;
        out->buy_avg = pos->buy_qty > 0 ? pos->buy_value / (double) pos->buy_qty : 0;
        out->sell_avg = pos->sell_qty > 0 ? pos->sell_value / (double) pos->sell_qty : 0;
        double price = gw_paper_price (self, pos->symbol);
        out->ltp = price > 0 ? price : pos->ltp;
        out->realized_pnl = pos->realized;
        out->multiplier = 1;
    }
    free (call->positions);
    call->positions = list;
    call->position_count = count;
    call->outcome = GW_OUT_OK;
}

static void
s_order_by_tag (gw_paper_t *self, gw_call_t *call)
{
    if (!s_text_set (call->order_tag, sizeof call->order_tag)) {
        call->outcome = GW_OUT_FINAL;
        snprintf (call->error, sizeof call->error, "invalid order_by_tag call: no tag");
        return;
    }
    if (gw_paper_stop_by_tag (self, call))
        return;
    sqlite3_stmt *find = self->find_order;
    sqlite3_bind_text (find, 1, call->order_tag, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step (find);
    if (rc == SQLITE_ROW) {
        snprintf (call->order_id, sizeof call->order_id, GW_PAPER_ORDER_PREFIX "%lld",
                  (long long) sqlite3_column_int64 (find, 0));
        call->fill_price = sqlite3_column_double (find, 1);
        call->order_status = GW_PAPER_STATUS_FILLED;
        call->filled_qty = call->qty; //  paper orders fill whole, at once
        call->outcome = GW_OUT_OK;
    }
    else if (rc == SQLITE_DONE) {
        call->order_status = 0;
        call->outcome = GW_OUT_OK;
    }
    else {
        call->outcome = GW_OUT_RETRYABLE;
        snprintf (call->error, sizeof call->error, "paper db: %s", sqlite3_errmsg (self->db));
    }
    sqlite3_reset (find);
    sqlite3_clear_bindings (find);
}

void
gw_paper_execute (gw_paper_t *self, gw_call_t *call)
{
    assert (self);
    assert (call);
    int64_t start = tw_clock_mono_ms ();
    call->outcome = GW_OUT_NONE;
    call->http_status = 0;
    call->broker_code = 0;
    call->error[0] = 0;
    call->retry_after_ms = 0;
    call->fill_price = 0;
    if (call->op != GW_OP_CANCEL && call->op != GW_OP_MODIFY)
        call->order_id[0] = 0; //  an input of those two
    call->order_status = 0;
    call->filled_qty = 0;
    switch (call->op) {
    case GW_OP_EXIT:
        s_exit (self, call);
        break;
    case GW_OP_PLACE:
        s_place (self, call);
        break;
    case GW_OP_POSITIONS:
        s_positions (self, call);
        break;
    case GW_OP_ORDER_BY_TAG:
        s_order_by_tag (self, call);
        break;
    case GW_OP_ORDERS:
        //  Paper orders fill whole at once and their exits carry their price:
        //  the gateway needs no order book from paper (an empty one).
        free (call->orders);
        call->orders = NULL;
        call->order_count = 0;
        call->outcome = GW_OUT_OK;
        break;
    case GW_OP_CANCEL:
    case GW_OP_MODIFY:
        //  Market orders fill at once: only a stop order can still work.
        gw_paper_stop_change (self, call);
        break;
    default:
        call->outcome = GW_OUT_FINAL;
        snprintf (call->error, sizeof call->error, "unknown op");
        break;
    }
    call->latency_ms = tw_clock_mono_ms () - start;
}

//  --------------------------------------------------------------------------
//  Actor

static int
s_on_tick (zloop_t *loop, zsock_t *feed, void *arg)
{
    (void) loop;
    gw_paper_t *self = (gw_paper_t *) arg;
    tw_msg_t msg = {0}; //  tw_sock_recv resets it first
    char err[TW_TEXT_MAX];
    if (tw_sock_recv (feed, &msg, err, sizeof err) == 0) {
        if (msg.type == TW_MSG_TICK
            && (!self->guard || tw_tickguard_check (self->guard, &msg.u.tick) == TW_TICK_ACCEPTED))
            gw_paper_set_price (self, msg.u.tick.symbol, msg.u.tick.ltp);
        tw_msg_reset (&msg);
    }
    else
        tw_log_limited (&self->bad_ticks, TW_LOG_WARN, "paper: bad tick error=\"%s\"", err);
    return 0;
}

static int
s_on_pipe (zloop_t *loop, zsock_t *pipe, void *arg)
{
    (void) loop;
    gw_paper_t *self = (gw_paper_t *) arg;
    gw_call_t *call = NULL;
    gw_pipe_msg_t kind = gw_broker_pipe_recv (pipe, &call);
    if (kind == GW_PIPE_TERM)
        return -1;
    if (kind == GW_PIPE_STOP) {
        //  Nothing is ever in flight here: every call was answered.
        self->stopped = true;
        zstr_send (pipe, GW_BROKER_STOPPED);
        return 0;
    }
    if (kind != GW_PIPE_CALL)
        return 0;
    if (self->stopped) {
        gw_call_destroy (&call);
        return 0;
    }
    gw_paper_execute (self, call);
    tw_log_level_t level =
        call->outcome == GW_OUT_OK
            ? (call->op == GW_OP_EXIT || call->op == GW_OP_PLACE ? TW_LOG_INFO : TW_LOG_DEBUG)
            : TW_LOG_WARN;
    tw_log (level, "paper call op=%s call_id=%llu outcome=%s code=%d price=%.2f%s%s%s",
            gw_op_name (call->op), (unsigned long long) call->call_id,
            gw_outcome_name (call->outcome), call->broker_code, call->fill_price,
            call->error[0] ? " error=\"" : "", call->error, call->error[0] ? "\"" : "");
    if (zsock_send (pipe, "p", call) != 0)
        gw_call_destroy (&call);
    return 0;
}

void
gw_paper_actor (zsock_t *pipe, void *args)
{
    gw_paper_t *self = (gw_paper_t *) args;
    gw_broker_block_signals ();
    self->pipe = pipe;
    zloop_t *loop = zloop_new ();
    assert (loop);
    zloop_set_nonstop (loop, true);
    zloop_reader (loop, pipe, s_on_pipe, self);
    if (self->feed)
        zloop_reader (loop, self->feed, s_on_tick, self);
    zsock_signal (pipe, 0);
    zloop_start (loop);
    zloop_destroy (&loop);
    gw_paper_destroy (&self);
}
