//  mf_replay - see mf_replay.h.

#include "mf_replay.h"
#include "tw_log.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MF_UTF8_BOM "\xEF\xBB\xBF"
//  How much of a bad field an error message quotes.
#define MF_QUOTE_MAX 32

static const char *s_column_names[MF_COL_COUNT] = {
    [MF_COL_TS_MS] = "ts_ms", [MF_COL_SYMBOL] = "symbol", [MF_COL_LTP] = "ltp",
    [MF_COL_BID] = "bid",     [MF_COL_ASK] = "ask",       [MF_COL_VOLUME] = "volume",
};

static const bool s_column_required[MF_COL_COUNT] = {
    [MF_COL_TS_MS] = true,
    [MF_COL_SYMBOL] = true,
    [MF_COL_LTP] = true,
};

const char *
mf_column_name (mf_column_t column)
{
    assert (column >= 0 && column < MF_COL_COUNT);
    return s_column_names[column];
}

//  ---------------------------------------------------------------------
//  Parsing one line.

//  Copies line into buf without its end of line. Returns 0, or -1 with err
//  set when it does not fit.
static int
s_copy_line (const char *line, char *buf, size_t buf_size, char *err, size_t err_size)
{
    size_t len = strlen (line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    if (len >= buf_size) {
        snprintf (err, err_size, "line is longer than %zu characters", buf_size - 1);
        return -1;
    }
    memcpy (buf, line, len);
    buf[len] = 0;
    return 0;
}

static char *
s_trim (char *text)
{
    while (isspace ((unsigned char) *text))
        text++;
    size_t len = strlen (text);
    while (len > 0 && isspace ((unsigned char) text[len - 1]))
        text[--len] = 0;
    return text;
}

//  Splits buf at commas (in place) and trims each field. Stores the first
//  max fields and returns how many the line has, which may be more.
static size_t
s_split (char *buf, char **fields, size_t max)
{
    size_t count = 0;
    char *p = buf;
    while (true) {
        char *comma = strchr (p, ',');
        if (comma)
            *comma = 0;
        if (count < max)
            fields[count] = s_trim (p);
        count++;
        if (!comma)
            return count;
        p = comma + 1;
    }
}

int
mf_replay_parse_header (const char *line, mf_columns_t *cols, char *err, size_t err_size)
{
    assert (line && cols && err);
    if (strncmp (line, MF_UTF8_BOM, strlen (MF_UTF8_BOM)) == 0)
        line += strlen (MF_UTF8_BOM);
    char buf[MF_REPLAY_LINE_MAX + 1];
    if (s_copy_line (line, buf, sizeof buf, err, err_size) != 0)
        return -1;
    for (int c = 0; c < MF_COL_COUNT; c++)
        cols->index[c] = -1;
    //  One more than the known columns: a longer header has an unknown or a
    //  repeated name among its first MF_COL_COUNT + 1 fields.
    char *fields[MF_COL_COUNT + 1];
    size_t count = s_split (buf, fields, MF_COL_COUNT + 1);
    size_t stored = count < MF_COL_COUNT + 1 ? count : MF_COL_COUNT + 1;
    for (size_t i = 0; i < stored; i++) {
        const char *name = fields[i];
        if (!*name) {
            snprintf (err, err_size, "header: column %zu has no name", i + 1);
            return -1;
        }
        int column = -1;
        for (int c = 0; c < MF_COL_COUNT; c++)
            if (strcasecmp (name, s_column_names[c]) == 0)
                column = c;
        if (column < 0) {
            snprintf (err, err_size,
                      "header: unknown column '%.*s' (expected ts_ms,symbol,ltp and optionally "
                      "bid,ask,volume)",
                      MF_QUOTE_MAX, name);
            return -1;
        }
        if (cols->index[column] >= 0) {
            snprintf (err, err_size, "header: column '%s' is named twice", s_column_names[column]);
            return -1;
        }
        cols->index[column] = (int) i;
    }
    for (int c = 0; c < MF_COL_COUNT; c++) {
        if (s_column_required[c] && cols->index[c] < 0) {
            snprintf (err, err_size, "header: missing column '%s' (ts_ms,symbol,ltp are required)",
                      s_column_names[c]);
            return -1;
        }
    }
    cols->count = count;
    return 0;
}

//  Parses text as a whole decimal integer in min..max.
static int
s_parse_int (const char *text, int64_t min, int64_t max, int64_t *out)
{
    if (!*text)
        return -1;
    char *end = NULL;
    errno = 0;
    long long n = strtoll (text, &end, 10);
    if (*end || errno == ERANGE || n < min || n > max)
        return -1;
    *out = (int64_t) n;
    return 0;
}

//  Parses text as a finite number.
static int
s_parse_number (const char *text, double *out)
{
    if (!*text)
        return -1;
    char *end = NULL;
    errno = 0;
    double x = strtod (text, &end);
    if (*end || errno == ERANGE || !isfinite (x))
        return -1;
    *out = x;
    return 0;
}

//  Parses an optional price column: absent or empty is 0 ("none").
static int
s_parse_optional_price (char **fields, const mf_columns_t *cols, mf_column_t column, double *out,
                        char *err, size_t err_size)
{
    *out = 0;
    int index = cols->index[column];
    if (index < 0 || !*fields[index])
        return 0;
    if (s_parse_number (fields[index], out) != 0 || *out < 0) {
        snprintf (err, err_size, "%s '%.*s' is not a price >= 0", s_column_names[column],
                  MF_QUOTE_MAX, fields[index]);
        return -1;
    }
    return 0;
}

int
mf_replay_parse_row (const char *line, const mf_columns_t *cols, tw_tick_t *tick, int64_t *ts_ms,
                     char *err, size_t err_size)
{
    assert (line && cols && tick && ts_ms && err);
    assert (cols->count > 0 && cols->count <= MF_COL_COUNT);
    char buf[MF_REPLAY_LINE_MAX + 1];
    if (s_copy_line (line, buf, sizeof buf, err, err_size) != 0)
        return -1;
    char *fields[MF_COL_COUNT];
    size_t count = s_split (buf, fields, MF_COL_COUNT);
    if (count != cols->count) {
        snprintf (err, err_size, "%zu fields, the header has %zu", count, cols->count);
        return -1;
    }
    memset (tick, 0, sizeof *tick);

    const char *ts_text = fields[cols->index[MF_COL_TS_MS]];
    if (s_parse_int (ts_text, 0, MF_REPLAY_TS_MAX, ts_ms) != 0) {
        snprintf (err, err_size, "ts_ms '%.*s' is not epoch milliseconds", MF_QUOTE_MAX, ts_text);
        return -1;
    }

    const char *symbol = fields[cols->index[MF_COL_SYMBOL]];
    size_t symbol_len = strlen (symbol);
    if (symbol_len == 0) {
        snprintf (err, err_size, "symbol is empty");
        return -1;
    }
    if (symbol_len >= sizeof tick->symbol) {
        snprintf (err, err_size, "symbol '%.*s...' is too long (at most %zu characters)",
                  MF_QUOTE_MAX, symbol, sizeof tick->symbol - 1);
        return -1;
    }
    for (const char *p = symbol; *p; p++) {
        if (!isgraph ((unsigned char) *p)) {
            snprintf (err, err_size, "symbol '%.*s' has a space or control character", MF_QUOTE_MAX,
                      symbol);
            return -1;
        }
    }
    memcpy (tick->symbol, symbol, symbol_len + 1);

    const char *ltp_text = fields[cols->index[MF_COL_LTP]];
    if (s_parse_number (ltp_text, &tick->ltp) != 0 || tick->ltp <= 0) {
        snprintf (err, err_size, "ltp '%.*s' is not a price > 0", MF_QUOTE_MAX, ltp_text);
        return -1;
    }
    if (s_parse_optional_price (fields, cols, MF_COL_BID, &tick->bid, err, err_size) != 0
        || s_parse_optional_price (fields, cols, MF_COL_ASK, &tick->ask, err, err_size) != 0)
        return -1;

    int index = cols->index[MF_COL_VOLUME];
    if (index >= 0 && *fields[index]
        && s_parse_int (fields[index], 0, INT64_MAX, &tick->volume) != 0) {
        snprintf (err, err_size, "volume '%.*s' is not a whole number >= 0", MF_QUOTE_MAX,
                  fields[index]);
        return -1;
    }
    return 0;
}

//  ---------------------------------------------------------------------
//  The reader.

struct _mf_replay_t {
    char *path;
    FILE *file;
    mf_columns_t cols;
    long data_offset;     //  where the first row starts; -1 when not seekable
    uint64_t header_line; //  the line number of the header
    uint64_t line_no;     //  of the line last read
    uint64_t pass;        //  1 on the first pass
    bool have_last;       //  a good row was read in this pass
    int64_t last_ts;      //  its ts_ms
    uint64_t rows;
    uint64_t skipped;
    uint64_t warned;
    //  The line last read, NUL-terminated, without its newline.
    char line[MF_REPLAY_LINE_MAX + 1];
    bool line_too_long;
    bool line_has_nul;
    int read_errno; //  of the last read error
};

//  Reads one line into self->line. Returns 1 when a line was read, 0 at the
//  end of the file, -1 on a read error (errno in self->read_errno). A line
//  too long for the buffer is read to its end and flagged; so is a NUL byte.
static int
s_read_line (mf_replay_t *self)
{
    size_t len = 0;
    bool any = false;
    self->line_too_long = false;
    self->line_has_nul = false;
    int c;
    while ((c = getc_unlocked (self->file)) != EOF) {
        any = true;
        if (c == '\n')
            break;
        if (c == 0)
            self->line_has_nul = true;
        if (len < MF_REPLAY_LINE_MAX)
            self->line[len++] = (char) c;
        else
            self->line_too_long = true;
    }
    if (c == EOF && ferror (self->file)) {
        self->read_errno = errno;
        return -1;
    }
    if (!any)
        return 0;
    self->line[len] = 0;
    self->line_no++;
    return 1;
}

static bool
s_blank (const char *line)
{
    while (isspace ((unsigned char) *line))
        line++;
    return *line == 0;
}

mf_replay_t *
mf_replay_open (const char *path, char *err, size_t err_size)
{
    assert (path && err);
    if (!*path) {
        snprintf (err, err_size, "replay needs a file: set [feed] replay_file");
        return NULL;
    }
    mf_replay_t *self = (mf_replay_t *) calloc (1, sizeof *self);
    if (!self || !(self->path = strdup (path))) {
        snprintf (err, err_size, "replay file '%s': out of memory", path);
        free (self);
        return NULL;
    }
    self->file = fopen (path, "r");
    if (!self->file) {
        snprintf (err, err_size, "replay file '%s' cannot be opened: %s", path, strerror (errno));
        mf_replay_destroy (&self);
        return NULL;
    }
    int rc = s_read_line (self);
    if (rc <= 0) {
        if (rc == 0)
            snprintf (err, err_size, "replay file '%s' is empty: it needs a header %s", path,
                      "ts_ms,symbol,ltp");
        else
            snprintf (err, err_size, "replay file '%s' cannot be read: %s", path,
                      strerror (self->read_errno));
        mf_replay_destroy (&self);
        return NULL;
    }
    char why[TW_TEXT_MAX] = "";
    if (self->line_too_long || self->line_has_nul)
        snprintf (why, sizeof why, "header: %s",
                  self->line_too_long ? "line too long" : "NUL byte in the line");
    if (*why || mf_replay_parse_header (self->line, &self->cols, why, sizeof why) != 0) {
        snprintf (err, err_size, "replay file '%s':%" PRIu64 ": %s", path, self->line_no, why);
        mf_replay_destroy (&self);
        return NULL;
    }
    self->data_offset = ftell (self->file);
    self->header_line = self->line_no;
    self->pass = 1;
    return self;
}

void
mf_replay_destroy (mf_replay_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mf_replay_t *self = *self_p;
    if (self->file)
        fclose (self->file);
    free (self->path);
    free (self);
    *self_p = NULL;
}

//  Counts a malformed row and, on the first pass, warns about it.
static void
s_skip (mf_replay_t *self, const char *reason)
{
    self->skipped++;
    if (self->pass != 1 || self->warned > MF_REPLAY_WARN_MAX)
        return;
    self->warned++;
    if (self->warned <= MF_REPLAY_WARN_MAX)
        tw_warn ("replay skipping %s:%" PRIu64 ": %s", self->path, self->line_no, reason);
    else
        tw_warn ("replay %s: more than %d malformed rows; the rest are counted, not logged",
                 self->path, MF_REPLAY_WARN_MAX);
}

int
mf_replay_next (mf_replay_t *self, tw_tick_t *tick, int64_t *ts_ms)
{
    assert (self && tick && ts_ms);
    while (true) {
        int rc = s_read_line (self);
        if (rc < 0)
            tw_error ("replay cannot read %s after line %" PRIu64 ": %s", self->path, self->line_no,
                      strerror (self->read_errno));
        if (rc <= 0)
            return 0;
        char err[TW_TEXT_MAX];
        if (self->line_too_long) {
            snprintf (err, sizeof err, "line is longer than %d characters", MF_REPLAY_LINE_MAX);
            s_skip (self, err);
            continue;
        }
        if (self->line_has_nul) {
            s_skip (self, "NUL byte in the line");
            continue;
        }
        if (s_blank (self->line))
            continue;
        if (mf_replay_parse_row (self->line, &self->cols, tick, ts_ms, err, sizeof err) != 0) {
            s_skip (self, err);
            continue;
        }
        if (self->have_last && *ts_ms < self->last_ts) {
            snprintf (err, sizeof err, "time goes backwards: ts_ms %" PRId64 " after %" PRId64,
                      *ts_ms, self->last_ts);
            s_skip (self, err);
            continue;
        }
        self->have_last = true;
        self->last_ts = *ts_ms;
        self->rows++;
        return 1;
    }
}

int
mf_replay_rewind (mf_replay_t *self)
{
    assert (self);
    if (self->data_offset < 0 || fseek (self->file, self->data_offset, SEEK_SET) != 0) {
        tw_error ("replay cannot rewind %s: %s", self->path,
                  self->data_offset < 0 ? "not a seekable file" : strerror (errno));
        return -1;
    }
    clearerr (self->file);
    self->line_no = self->header_line;
    self->pass++;
    self->have_last = false;
    return 0;
}

const char *
mf_replay_path (mf_replay_t *self)
{
    assert (self);
    return self->path;
}

uint64_t
mf_replay_rows (mf_replay_t *self)
{
    assert (self);
    return self->rows;
}

uint64_t
mf_replay_skipped (mf_replay_t *self)
{
    assert (self);
    return self->skipped;
}
