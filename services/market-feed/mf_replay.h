//  mf_replay - the replay tick source: a CSV file (docs/design.md §8, contract).
//
//  The first line is a header that names the columns: ts_ms, symbol and ltp
//  are required, bid, ask and volume optional, in any order. ts_ms is epoch
//  milliseconds; rows come in time order. An empty bid, ask or volume field
//  means "none" (0 in the tick). Fields are separated by commas, without
//  quoting; spaces around a field and a CR before the newline are ignored.
//
//  The file is streamed one line at a time with a fixed buffer, so a file of
//  any size costs the same memory. A malformed row - wrong field count, a
//  field that is not a number, ltp <= 0, a negative bid, ask or volume, a
//  symbol that is empty or too long, a line longer than MF_REPLAY_LINE_MAX,
//  time going backwards - is skipped with a warning that names file:line,
//  and counted. A missing or unreadable file, and a bad header, are errors
//  at open.

#ifndef MF_REPLAY_H_INCLUDED
#define MF_REPLAY_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "tw_proto.h"

//  The longest line accepted, end of line excluded.
#define MF_REPLAY_LINE_MAX 1024

//  The largest ts_ms accepted: 9999-12-31T23:59:59.999Z.
#define MF_REPLAY_TS_MAX INT64_C (253402300799999)

typedef enum {
    MF_COL_TS_MS = 0,
    MF_COL_SYMBOL,
    MF_COL_LTP,
    MF_COL_BID,
    MF_COL_ASK,
    MF_COL_VOLUME,
    MF_COL_COUNT
} mf_column_t;

//  The layout of the rows, from the header: index[column] is the column's
//  field position (0-based), or -1 when the header does not have it; count
//  is how many fields every row has.
typedef struct {
    int index[MF_COL_COUNT];
    size_t count;
} mf_columns_t;

//  The header name of a column ("ts_ms", "symbol", ...).
const char *mf_column_name (mf_column_t column);

//  Parses a header line (a trailing CR/LF and a UTF-8 byte order mark are
//  ignored) into cols. Returns 0, or -1 with a one-line reason in err when a
//  required column is missing or a name is unknown, empty or repeated.
int mf_replay_parse_header (const char *line, mf_columns_t *cols, char *err, size_t err_size);

//  Parses one data row (a trailing CR/LF is ignored) laid out as cols into
//  tick and *ts_ms. Returns 0, or -1 with a one-line reason in err, tick and
//  *ts_ms then undefined. It checks the row alone: the order of rows is the
//  reader's business.
int mf_replay_parse_row (const char *line, const mf_columns_t *cols, tw_tick_t *tick,
                         int64_t *ts_ms, char *err, size_t err_size);

typedef struct _mf_replay_t mf_replay_t;

//  Opens path and reads its header. Returns a reader the caller destroys, or
//  NULL with a one-line reason that names the file in err.
mf_replay_t *mf_replay_open (const char *path, char *err, size_t err_size);

//  Closes the file and nulls *self_p; safe on NULL.
void mf_replay_destroy (mf_replay_t **self_p);

//  Reads up to the next good row. Returns 1 with tick and *ts_ms set, 0 at
//  the end of the file (a read error is logged and ends the file too).
//  Malformed rows on the way are skipped and counted; they are logged with
//  file:line on the first pass only (a looping replay meets them again),
//  and at most MF_REPLAY_WARN_MAX of them.
int mf_replay_next (mf_replay_t *self, tw_tick_t *tick, int64_t *ts_ms);

#define MF_REPLAY_WARN_MAX 100

//  Goes back to the first row for another pass. Returns 0, or -1 (logged)
//  when the file cannot be rewound (a pipe, say).
int mf_replay_rewind (mf_replay_t *self);

//  The file's path, as given.
const char *mf_replay_path (mf_replay_t *self);
//  Good rows returned and malformed rows skipped so far, over all passes.
uint64_t mf_replay_rows (mf_replay_t *self);
uint64_t mf_replay_skipped (mf_replay_t *self);

#endif
