//  gw_store - the order gateway's durable state, in one SQLite file
//  (docs/design.md §2-§5).
//
//  What it keeps: the event counter (seq) and this run's epoch; the positions,
//  live and closed, with their broker stops; every exit attempt; the req_id -> reply table that
//  makes commands idempotent; and the opens accepted but not yet filled. The gateway writes here
//  BEFORE it acts or publishes, so that a SIGKILL at any moment loses nothing it has told anyone
//  about.
//
//  Durability: WAL journal, synchronous=FULL, so a committed transaction is
//  on disk when gw_store_commit (or a write outside a transaction) returns.
//
//  Transactions: every write function works alone (SQLite autocommits it),
//  but the gateway normally brackets one state change with gw_store_begin /
//  gw_store_commit so that the change, its seq bump and the dedup reply are
//  written together or not at all. Transactions do not nest.
//
//  History: a position is one row per life. Closing marks its row 'closed'
//  and keeps it as history; the same position id can then be opened again as
//  a new row. At most one row per id is live ('open' or 'closing'); the
//  functions that take an id and a position work on that live row.
//  Attempts belong to one life of a position, not to its id.
//
//  Ownership: strings in the row structs are fixed-size buffers, copied in
//  and out. Arrays and blobs returned through a pointer are malloc'd for the
//  caller, who frees them with free(). A store is used by one thread (the
//  gateway actor); it is not shared.
//
//  Errors: functions return 0 on success and -1 on an error, which they log
//  once with SQLite's message; those that look something up return 1 when it
//  is not there. A string that does not fit its buffer, on the way in or out,
//  is an error.

#ifndef GW_STORE_H_INCLUDED
#define GW_STORE_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "tw_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

//  The schema version this build writes; a file with a newer one is refused.
#define GW_STORE_SCHEMA_VERSION 3

#define GW_STORE_TAG_MAX 32     //  order tags, NUL included (as gw_call_t.order_tag)
#define GW_STORE_OUTCOME_MAX 16 //  attempt outcomes ("ok", "retryable", ...)
#define GW_STORE_PENDING_STATE_MAX 16

typedef struct _gw_store_t gw_store_t;

//  One life of a position: the wire view plus what only the gateway keeps.
//  Times named _ms are wall-clock milliseconds, _ts wall-clock nanoseconds;
//  0 means "not yet".
typedef struct {
    tw_position_t pos;               //  state is OPEN or CLOSING, CLOSED in history
    double trail_anchor;             //  best price seen for the trailing stop; 0 = none
    char exit_reason[TW_REASON_MAX]; //  reason of the current or last exit; "" = none
    char exit_req_id[TW_ID_MAX];     //  req_id of the close that started that exit
    int64_t exit_attempts;           //  broker attempts of that exit
    int64_t exit_started_ms;
    int64_t last_exit_failed_ms; //  for exit_retry_cooldown_ms
    int64_t opened_ts;
    int64_t closed_ts;                //  set by gw_store_close_position
    double exit_price;                //  set by gw_store_close_position
    double pnl;                       //  set by gw_store_close_position
    char order_tag[GW_STORE_TAG_MAX]; //  tag of the order that opened it; "" = adopted
    //  The broker stop (docs/design.md §4.7): the tag of its SL-M order ("" =
    //  none asked for), the broker's order id once placed ("" = not known),
    //  and the stop price it rests at (0 = none).
    char stop_tag[GW_STORE_TAG_MAX];
    char stop_order_id[TW_ID_MAX];
    double stop_price;
} gw_position_row_t;

//  One broker attempt at an exit.
typedef struct {
    char position_id[TW_ID_MAX];
    int64_t attempt; //  1, 2, ... within one exit
    int64_t started_ms;
    char outcome[GW_STORE_OUTCOME_MAX]; //  the gateway's name for the outcome
    int http_status;                    //  0 when no HTTP response arrived
    int broker_code;                    //  0 when none
    char error[TW_TEXT_MAX];            //  "" when none
    int64_t latency_ms;
} gw_attempt_row_t;

//  An open that was accepted but is not yet a position: a restart resolves it
//  by looking order_tag up at the broker. state is the gateway's own word
//  (for example "accepted", then "sent"); the store does not interpret it.
typedef struct {
    char req_id[TW_ID_MAX];
    char symbol[TW_SYMBOL_MAX];
    tw_side_t side;
    int64_t qty;
    double sl;
    double tp;
    double trail;
    char product[TW_PRODUCT_MAX];
    char order_tag[GW_STORE_TAG_MAX]; //  unique among pending opens
    char state[GW_STORE_PENDING_STATE_MAX];
    int64_t created_ms;
} gw_pending_row_t;

//  --- Life cycle ---------------------------------------------------------

//  Opens the store at path, creating the missing parent directories and the
//  file, bringing the schema up to GW_STORE_SCHEMA_VERSION, and choosing a new
//  random non-zero epoch for this run (persisted). Returns NULL and writes a
//  one-line reason into err when the path cannot be created or opened, the
//  file is not a healthy tradewire store, or its schema is newer than this
//  build.
gw_store_t *gw_store_open (const char *path, char *err, size_t err_size);

//  Closes the store; an open transaction is rolled back. Nulls *self_p; safe
//  on NULL and on a pointer already destroyed.
void gw_store_destroy (gw_store_t **self_p);

//  Sets how many WAL pages make a commit checkpoint the WAL back into the
//  file (SQLite's default 1000; 0: never, when gw_checkpoint does it off
//  the gateway's loop). 0 or -1.
int gw_store_set_autocheckpoint (gw_store_t *self, int pages);

//  The epoch chosen by gw_store_open.
uint64_t gw_store_epoch (gw_store_t *self);

//  The durable trading state (meta 'trading_state', docs/design.md §5):
//  active in a new store; a value this build does not know reads as halted.
//  0, or -1 (logged).
int gw_store_trading_state (gw_store_t *self, tw_trading_state_t *state);

//  Writes the trading state (inside a gw_store_begin transaction, or on its
//  own). 0, or -1 (logged).
int gw_store_put_trading_state (gw_store_t *self, tw_trading_state_t state);

//  The seq of the last event, as committed or as changed inside the current
//  transaction. 0 before the first event ever.
uint64_t gw_store_seq (gw_store_t *self);

//  --- Transactions -------------------------------------------------------

//  Starts a write transaction (taking the write lock at once). -1 when one
//  is already open or the lock cannot be had within the busy timeout.
int gw_store_begin (gw_store_t *self);

//  Commits: when it returns 0 the writes are durable. On failure the
//  transaction is rolled back (nothing of it stays) and -1 is returned.
int gw_store_commit (gw_store_t *self);

//  Abandons the current transaction; every write in it, seq bumps included,
//  is undone. Does nothing when no transaction is open.
void gw_store_rollback (gw_store_t *self);

//  Adds one to seq and persists it (in the current transaction, if any).
//  Returns the new seq, which the caller gives to the event it publishes
//  after the commit; returns 0 on error.
uint64_t gw_store_next_seq (gw_store_t *self);

//  --- Positions ----------------------------------------------------------

//  Writes row as the live row of row->pos.id: updates it when one is live,
//  else inserts a new life. row->pos.state must be OPEN or CLOSING (closing
//  is gw_store_close_position's job); closed_ts, exit_price and pnl are
//  written as given.
int gw_store_put_position (gw_store_t *self, const gw_position_row_t *row);

//  Reads the live row of id into *row. 0 found, 1 no live row, -1 error.
int gw_store_get_position (gw_store_t *self, const char *id, gw_position_row_t *row);

//  Every live row (open or closing), oldest first. Sets *rows (NULL when
//  *count is 0; the caller frees it) and *count.
int gw_store_list_positions (gw_store_t *self, gw_position_row_t **rows, size_t *count);

//  How many live rows there are (from the live-row index, no row read).
int gw_store_count_positions (gw_store_t *self, size_t *count);

//  Closes the live row of id: state 'closed', exit_failed cleared, with the
//  exit's reason, price, P&L and time; the row stays as history. 0 closed, 1 no live row (never
//  opened, or already closed), -1 error.
int gw_store_close_position (gw_store_t *self, const char *id, const char *reason,
                             double exit_price, double pnl, int64_t closed_ts);

//  The closed lives of id, oldest first; *rows as for gw_store_list_positions.
int gw_store_history (gw_store_t *self, const char *id, gw_position_row_t **rows, size_t *count);

//  --- Exit attempts ------------------------------------------------------

//  Records attempt against the live row of attempt->position_id. 0 recorded,
//  1 no live row, -1 error (a repeated attempt number included).
int gw_store_add_attempt (gw_store_t *self, const gw_attempt_row_t *attempt);

//  Writes the outcome, HTTP status, broker code, error and latency of
//  attempt (found by position_id's live row and attempt number) over the
//  ones recorded when it was sent. 0 updated, 1 no such attempt, -1 error.
int gw_store_update_attempt (gw_store_t *self, const gw_attempt_row_t *attempt);

//  The attempts of the latest life of id (the live one, else the last
//  closed one), in attempt order; *rows as for gw_store_list_positions.
int gw_store_attempts (gw_store_t *self, const char *id, gw_attempt_row_t **rows, size_t *count);

//  --- Replies by req_id (docs/design.md §3) --------------------------------------

//  Looks up the reply first given to req_id. 0 found: *reply is a malloc'd
//  copy (the caller frees it) of *size bytes. 1 not found, -1 error; then
//  *reply is NULL.
int gw_store_get_reply (gw_store_t *self, const char *req_id, uint8_t **reply, size_t *size);

//  Remembers reply for req_id, then forgets the oldest entries beyond
//  keep_max (>= 1). 0 stored, 1 req_id already had a reply (the first one is
//  kept, this one dropped), -1 error.
int gw_store_put_reply (gw_store_t *self, const char *req_id, const uint8_t *reply, size_t size,
                        size_t keep_max);

//  --- Pending opens ------------------------------------------------------

//  Inserts row, or replaces the pending open with the same req_id (to
//  change its state). -1 also when another req_id holds the same order_tag.
int gw_store_put_pending (gw_store_t *self, const gw_pending_row_t *row);

//  0 found, 1 not found, -1 error.
int gw_store_get_pending (gw_store_t *self, const char *req_id, gw_pending_row_t *row);

//  Every pending open, oldest first; *rows as for gw_store_list_positions.
int gw_store_list_pending (gw_store_t *self, gw_pending_row_t **rows, size_t *count);

//  0 deleted, 1 not found, -1 error.
int gw_store_delete_pending (gw_store_t *self, const char *req_id);

//  --- The journal (history and pnl) -----------------------------------------

//  The closed lives whose closed_ts is in [from_ts, to_ts), in closing order
//  (then in opening order), from the offset-th on, at most limit of them;
//  *rows as for gw_store_list_positions.
int gw_store_journal_page (gw_store_t *self, int64_t from_ts, int64_t to_ts, int64_t offset,
                           int64_t limit, gw_position_row_t **rows, size_t *count);

//  What the closed lives of a time range add up to.
typedef struct {
    int64_t trades;      //  closed lives in the range
    int64_t wins;        //  of which pnl > 0
    int64_t losses;      //  of which pnl < 0
    double realized_pnl; //  sum of pnl
    double largest_loss; //  the most negative pnl; 0 when none lost
} gw_store_journal_stats_t;

//  Sums up the closed lives whose closed_ts is in [from_ts, to_ts).
int gw_store_journal_stats (gw_store_t *self, int64_t from_ts, int64_t to_ts,
                            gw_store_journal_stats_t *stats);

#ifdef __cplusplus
}
#endif

#endif
