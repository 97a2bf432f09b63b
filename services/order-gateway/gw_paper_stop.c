//  gw_paper_stop - the paper broker's stop orders (SL-M, docs/design.md
//  §4.7): they rest in the paper_stop table until a tick reaches them, then
//  fill whole at that tick's price through the book (gw_paper_fill). See
//  gw_paper_int.h.

#include "gw_paper_int.h"
#include "tw_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GW_PAPER_STOP_PREFIX "PAPER-S" //  stop order ids: "PAPER-S<n>"
#define GW_PAPER_STATUS_CANCELLED 1    //  Fyers order status "cancelled"
#define GW_PAPER_STATUS_WORKING 6      //  Fyers order status "pending"

//  True when ltp has reached the stop of a stop order of side (1 buy, -1 sell).
static bool
s_stop_crossed (int side, double stop_price, double ltp)
{
    return side < 0 ? ltp <= stop_price : ltp >= stop_price;
}

//  Runs sql on the stop seq (its first ? is *value when value is not NULL,
//  then seq) and returns the rows it changed, or -1 (err written).
static int
s_stop_update (gw_paper_t *self, const char *sql, int64_t seq, const double *value, char *err,
               size_t err_size)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);
    if (rc == SQLITE_OK) {
        if (value) {
            sqlite3_bind_double (stmt, 1, *value);
            sqlite3_bind_int64 (stmt, 2, seq);
        }
        else
            sqlite3_bind_int64 (stmt, 1, seq);
        rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize (stmt);
    if (rc != SQLITE_OK) {
        snprintf (err, err_size, "paper db: %s", sqlite3_errmsg (self->db));
        return -1;
    }
    return sqlite3_changes (self->db);
}

//  The seq of a stop order id ("PAPER-S<n>"), or 0 when it is not one.
static int64_t
s_stop_seq (const char *order_id)
{
    size_t prefix = strlen (GW_PAPER_STOP_PREFIX);
    if (strncmp (order_id, GW_PAPER_STOP_PREFIX, prefix) != 0)
        return 0;
    char *end = NULL;
    long long seq = strtoll (order_id + prefix, &end, 10);
    return end && *end == 0 && seq > 0 ? (int64_t) seq : 0;
}

//  The symbol and side of the working stop seq; false when none works.
static bool
s_stop_working (gw_paper_t *self, int64_t seq, char *symbol, size_t size, int *side)
{
    sqlite3_stmt *stmt = NULL;
    bool found = false;
    if (sqlite3_prepare_v2 (self->db,
                            "SELECT symbol, side FROM paper_stop WHERE seq = ? AND status = 6", -1,
                            &stmt, NULL)
        == SQLITE_OK) {
        sqlite3_bind_int64 (stmt, 1, seq);
        if (sqlite3_step (stmt) == SQLITE_ROW) {
            gw_paper_copy_column (stmt, 0, symbol, size);
            *side = sqlite3_column_int (stmt, 1);
            found = true;
        }
    }
    sqlite3_finalize (stmt);
    return found;
}

void
gw_paper_stop_count (gw_paper_t *self)
{
    sqlite3_stmt *stmt = NULL;
    self->working_stops = 0;
    if (sqlite3_prepare_v2 (self->db, "SELECT COUNT(*) FROM paper_stop WHERE status = 6", -1, &stmt,
                            NULL)
            == SQLITE_OK
        && sqlite3_step (stmt) == SQLITE_ROW)
        self->working_stops = sqlite3_column_int64 (stmt, 0);
    sqlite3_finalize (stmt);
}

//  PLACE with a stop price: rests, unless the last price already reached it
//  (refused, as Fyers refuses a stop on the wrong side of the price).
void
gw_paper_stop_place (gw_paper_t *self, gw_call_t *call, const char *position_id)
{
    int side = call->side == TW_SIDE_LONG ? 1 : -1;
    double price = gw_paper_price (self, call->symbol);
    if (price > 0 && s_stop_crossed (side, call->stop_price, price)) {
        call->outcome = GW_OUT_FINAL;
        snprintf (call->error, sizeof call->error,
                  "stop price %.2f is on the wrong side of the last price %.2f", call->stop_price,
                  price);
        return;
    }
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2 (self->db,
                                 "INSERT INTO paper_stop (tag, position_id, symbol, side, qty,"
                                 " stop_price, status, price) VALUES (?, ?, ?, ?, ?, ?, 6, 0)",
                                 -1, &stmt, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text (stmt, 1, call->order_tag, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text (stmt, 2, position_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text (stmt, 3, call->symbol, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int (stmt, 4, side);
        sqlite3_bind_int64 (stmt, 5, call->qty);
        sqlite3_bind_double (stmt, 6, call->stop_price);
        rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize (stmt);
    if (rc != SQLITE_OK) {
        call->outcome = GW_OUT_RETRYABLE;
        snprintf (call->error, sizeof call->error, "paper db: %s", sqlite3_errmsg (self->db));
        return;
    }
    self->working_stops++;
    call->outcome = GW_OUT_OK;
    call->broker_code = GW_PAPER_CODE_PLACED;
    snprintf (call->order_id, sizeof call->order_id, GW_PAPER_STOP_PREFIX "%lld",
              (long long) sqlite3_last_insert_rowid (self->db));
}

//  CANCEL and MODIFY: only a working stop order can be changed.
void
gw_paper_stop_change (gw_paper_t *self, gw_call_t *call)
{
    int64_t seq = s_stop_seq (call->order_id);
    char symbol[TW_SYMBOL_MAX] = "";
    int side = 0;
    if (seq == 0 || !s_stop_working (self, seq, symbol, sizeof symbol, &side)) {
        call->outcome = GW_OUT_FINAL;
        snprintf (call->error, sizeof call->error, "order %s is not working", call->order_id);
        return;
    }
    int changed;
    if (call->op == GW_OP_CANCEL)
        changed = s_stop_update (self, "UPDATE paper_stop SET status = 1 WHERE seq = ?", seq, NULL,
                                 call->error, sizeof call->error);
    else {
        double price = gw_paper_price (self, symbol);
        if (price > 0 && s_stop_crossed (side, call->stop_price, price)) {
            call->outcome = GW_OUT_FINAL;
            snprintf (call->error, sizeof call->error,
                      "stop price %.2f is on the wrong side of the last price %.2f",
                      call->stop_price, price);
            return;
        }
        changed = s_stop_update (self, "UPDATE paper_stop SET stop_price = ? WHERE seq = ?", seq,
                                 &call->stop_price, call->error, sizeof call->error);
    }
    if (changed < 0) {
        call->outcome = GW_OUT_RETRYABLE;
        return;
    }
    if (call->op == GW_OP_CANCEL)
        gw_paper_stop_count (self);
    call->outcome = GW_OUT_OK;
}

//  An exit cancels the position's working orders first (Fyers'
//  pending_orders_cancel, which every exit of the gateway carries).
void
gw_paper_stop_cancel_position (gw_paper_t *self, const char *position_id)
{
    if (self->working_stops <= 0)
        return;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2 (self->db,
                            "UPDATE paper_stop SET status = 1 WHERE position_id = ? AND status = 6",
                            -1, &stmt, NULL)
        == SQLITE_OK) {
        sqlite3_bind_text (stmt, 1, position_id, -1, SQLITE_TRANSIENT);
        if (sqlite3_step (stmt) == SQLITE_DONE && sqlite3_changes (self->db) > 0)
            tw_info ("paper: the exit of %s cancelled its stop order", position_id);
    }
    sqlite3_finalize (stmt);
    gw_paper_stop_count (self);
}

//  At most this many stops of one symbol fire at one tick; the rest at the
//  next.
#define GW_PAPER_STOPS_PER_TICK 16

//  Tells the gateway, unasked, that position_id changed here (a stop
//  filled), as Fyers' order socket would: it reads the positions at once
//  instead of at its next reconciliation. Only in the actor (a pipe).
static void
s_notice (gw_paper_t *self, const char *position_id)
{
    if (!self->pipe)
        return;
    gw_call_t *notice = gw_call_new (GW_OP_NOTICE);
    snprintf (notice->position_id, sizeof notice->position_id, "%s", position_id);
    if (zsock_send (self->pipe, "p", notice) != 0)
        gw_call_destroy (&notice);
}

//  Fills every working stop of symbol that ltp reaches, at ltp.
void
gw_paper_stop_trigger (gw_paper_t *self, const char *symbol, double ltp)
{
    if (self->working_stops <= 0)
        return;
    struct {
        int64_t seq;
        char tag[32];
        char position_id[TW_ID_MAX];
        int side;
        int64_t qty;
    } fired[GW_PAPER_STOPS_PER_TICK];
    size_t count = 0;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2 (self->db,
                            "SELECT seq, tag, position_id, side, qty, stop_price FROM paper_stop"
                            " WHERE symbol = ? AND status = 6 ORDER BY seq",
                            -1, &stmt, NULL)
        == SQLITE_OK) {
        sqlite3_bind_text (stmt, 1, symbol, -1, SQLITE_TRANSIENT);
        while (count < GW_PAPER_STOPS_PER_TICK && sqlite3_step (stmt) == SQLITE_ROW) {
            fired[count].seq = sqlite3_column_int64 (stmt, 0);
            gw_paper_copy_column (stmt, 1, fired[count].tag, sizeof fired[count].tag);
            gw_paper_copy_column (stmt, 2, fired[count].position_id,
                                  sizeof fired[count].position_id);
            fired[count].side = sqlite3_column_int (stmt, 3);
            fired[count].qty = sqlite3_column_int64 (stmt, 4);
            if (s_stop_crossed (fired[count].side, sqlite3_column_double (stmt, 5), ltp))
                count++;
        }
    }
    sqlite3_finalize (stmt);
    for (size_t i = 0; i < count; i++) {
        gw_paper_position_t start = {0};
        gw_paper_position_t *pos =
            (gw_paper_position_t *) zhashx_lookup (self->positions, fired[i].position_id);
        if (pos)
            start = *pos;
        else {
            const char *product = fired[i].position_id + strlen (symbol);
            snprintf (start.id, sizeof start.id, "%s", fired[i].position_id);
            snprintf (start.symbol, sizeof start.symbol, "%s", symbol);
            snprintf (start.product, sizeof start.product, "%s", *product ? product + 1 : "");
        }
        gw_call_t *scratch = gw_call_new (GW_OP_PLACE); //  carries gw_paper_fill's error
        if (gw_paper_fill (self, scratch, start, fired[i].tag, fired[i].side, fired[i].qty, ltp,
                           fired[i].seq)
            >= 0) {
            tw_info ("paper: stop order " GW_PAPER_STOP_PREFIX "%lld of %s filled qty=%lld "
                     "price=%.2f",
                     (long long) fired[i].seq, fired[i].position_id, (long long) fired[i].qty, ltp);
            s_notice (self, fired[i].position_id);
        }
        else
            tw_error ("paper: stop order " GW_PAPER_STOP_PREFIX "%lld not filled error=\"%s\"",
                      (long long) fired[i].seq, scratch->error);
        gw_call_destroy (&scratch);
    }
    if (count > 0)
        gw_paper_stop_count (self);
}

//  ORDER_BY_TAG of a stop order: true when tag names one (the call is then
//  answered with its status, and its fill when it fired).
bool
gw_paper_stop_by_tag (gw_paper_t *self, gw_call_t *call)
{
    sqlite3_stmt *stmt = NULL;
    bool found = false;
    if (sqlite3_prepare_v2 (self->db,
                            "SELECT seq, status, price, qty FROM paper_stop WHERE tag = ?"
                            " ORDER BY seq DESC LIMIT 1",
                            -1, &stmt, NULL)
        == SQLITE_OK) {
        sqlite3_bind_text (stmt, 1, call->order_tag, -1, SQLITE_TRANSIENT);
        if (sqlite3_step (stmt) == SQLITE_ROW) {
            found = true;
            snprintf (call->order_id, sizeof call->order_id, GW_PAPER_STOP_PREFIX "%lld",
                      (long long) sqlite3_column_int64 (stmt, 0));
            call->order_status = sqlite3_column_int (stmt, 1);
            if (call->order_status == GW_PAPER_STATUS_FILLED) {
                call->fill_price = sqlite3_column_double (stmt, 2);
                call->filled_qty = sqlite3_column_int64 (stmt, 3);
            }
            call->outcome = GW_OUT_OK;
        }
    }
    sqlite3_finalize (stmt);
    return found;
}
