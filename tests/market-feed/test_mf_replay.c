//  Unit tests for mf_replay: the header and row parsers (good rows, optional
//  columns in any order, every malformed case) and the streaming reader
//  (skips and counts bad rows with file:line warnings, time order, rewind,
//  errors at open that name the file).

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mf_replay.h"
#include "tw_log.h"

#define ERR_MAX 512
#define PATH_MAX_LEN 512
//  Large enough for everything the reader logs in one test.
#define LOG_MAX 65536

static char s_dir[PATH_MAX_LEN];

static void
s_setup (void)
{
    tw_log_init ("unit");
    snprintf (s_dir, sizeof s_dir, "%s", "/tmp/tw-feed-replay-XXXXXX");
    ck_assert_ptr_nonnull (mkdtemp (s_dir));
}

static void
s_teardown (void)
{
    char command[PATH_MAX_LEN + 16];
    snprintf (command, sizeof command, "rm -rf %s", s_dir);
    ck_assert_int_eq (system (command), 0);
}

//  Writes text to a file in the test directory and returns its path (static).
static const char *
s_file (const char *name, const char *text, size_t len)
{
    static char path[PATH_MAX_LEN + 64];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    FILE *file = fopen (path, "w");
    ck_assert_ptr_nonnull (file);
    ck_assert_uint_eq (fwrite (text, 1, len, file), len);
    ck_assert_int_eq (fclose (file), 0);
    return path;
}

#define S_FILE(name, text) s_file (name, text, strlen (text))

//  Sends this process's stderr (the log) to a file; s_log_read reads it back.
static void
s_log_capture (void)
{
    char path[PATH_MAX_LEN + 16];
    snprintf (path, sizeof path, "%s/log", s_dir);
    ck_assert_ptr_nonnull (freopen (path, "w", stderr));
    setvbuf (stderr, NULL, _IONBF, 0);
}

static const char *
s_log_read (void)
{
    static char text[LOG_MAX];
    char path[PATH_MAX_LEN + 16];
    snprintf (path, sizeof path, "%s/log", s_dir);
    FILE *file = fopen (path, "r");
    ck_assert_ptr_nonnull (file);
    size_t len = fread (text, 1, sizeof text - 1, file);
    text[len] = 0;
    fclose (file);
    return text;
}

static int
s_count (const char *text, const char *needle)
{
    int count = 0;
    for (const char *p = strstr (text, needle); p; p = strstr (p + 1, needle))
        count++;
    return count;
}

static mf_columns_t
s_header (const char *line)
{
    mf_columns_t cols;
    char err[ERR_MAX] = "";
    ck_assert_msg (mf_replay_parse_header (line, &cols, err, sizeof err) == 0, "header '%s': %s",
                   line, err);
    return cols;
}

static void
s_header_fails (const char *line, const char *expected)
{
    mf_columns_t cols;
    char err[ERR_MAX] = "";
    ck_assert_int_eq (mf_replay_parse_header (line, &cols, err, sizeof err), -1);
    ck_assert_msg (strstr (err, expected) != NULL, "header '%s': error '%s' lacks '%s'", line, err,
                   expected);
}

static void
s_row_fails (const mf_columns_t *cols, const char *line, const char *expected)
{
    tw_tick_t tick;
    int64_t ts = 0;
    char err[ERR_MAX] = "";
    ck_assert_msg (mf_replay_parse_row (line, cols, &tick, &ts, err, sizeof err) == -1,
                   "row '%s' was accepted", line);
    ck_assert_msg (strstr (err, expected) != NULL, "row '%s': error '%s' lacks '%s'", line, err,
                   expected);
}

START_TEST (test_header_required)
{
    mf_columns_t cols = s_header ("ts_ms,symbol,ltp");
    ck_assert_uint_eq (cols.count, 3);
    ck_assert_int_eq (cols.index[MF_COL_TS_MS], 0);
    ck_assert_int_eq (cols.index[MF_COL_SYMBOL], 1);
    ck_assert_int_eq (cols.index[MF_COL_LTP], 2);
    ck_assert_int_eq (cols.index[MF_COL_BID], -1);
    ck_assert_int_eq (cols.index[MF_COL_ASK], -1);
    ck_assert_int_eq (cols.index[MF_COL_VOLUME], -1);
    ck_assert_str_eq (mf_column_name (MF_COL_VOLUME), "volume");
}
END_TEST

START_TEST (test_header_any_order)
{
    //  Names are found by name, whatever the order, case and spacing; a CRLF
    //  ending and a UTF-8 byte order mark are ignored.
    mf_columns_t cols = s_header ("\xEF\xBB\xBFvolume, LTP ,ask,symbol,bid,ts_ms\r\n");
    ck_assert_uint_eq (cols.count, 6);
    ck_assert_int_eq (cols.index[MF_COL_VOLUME], 0);
    ck_assert_int_eq (cols.index[MF_COL_LTP], 1);
    ck_assert_int_eq (cols.index[MF_COL_ASK], 2);
    ck_assert_int_eq (cols.index[MF_COL_SYMBOL], 3);
    ck_assert_int_eq (cols.index[MF_COL_BID], 4);
    ck_assert_int_eq (cols.index[MF_COL_TS_MS], 5);
    cols = s_header ("symbol,ltp,ts_ms,volume\n");
    ck_assert_uint_eq (cols.count, 4);
    ck_assert_int_eq (cols.index[MF_COL_BID], -1);
    ck_assert_int_eq (cols.index[MF_COL_VOLUME], 3);
}
END_TEST

START_TEST (test_header_errors)
{
    s_header_fails ("ts_ms,symbol", "missing column 'ltp'");
    s_header_fails ("symbol,ltp", "missing column 'ts_ms'");
    s_header_fails ("ts_ms,ltp,bid", "missing column 'symbol'");
    s_header_fails ("ts_ms,symbol,price", "unknown column 'price'");
    s_header_fails ("ts_ms,symbol,ltp,volme", "unknown column 'volme'");
    s_header_fails ("ts_ms,symbol,ltp,ltp", "column 'ltp' is named twice");
    s_header_fails ("ts_ms,symbol,,ltp", "column 3 has no name");
    s_header_fails ("", "column 1 has no name");
    s_header_fails ("ts_ms,symbol,ltp,bid,ask,volume,bid,ask", "named twice");
    //  A header that is a data row.
    s_header_fails ("1700000000000,NSE:SBIN-EQ,600.5", "unknown column '1700000000000'");
    char line[MF_REPLAY_LINE_MAX + 64];
    memset (line, 'x', sizeof line - 1);
    line[sizeof line - 1] = 0;
    s_header_fails (line, "longer than");
}
END_TEST

START_TEST (test_row_good)
{
    mf_columns_t cols = s_header ("ts_ms,symbol,ltp");
    tw_tick_t tick;
    int64_t ts = 0;
    char err[ERR_MAX] = "";
    ck_assert_msg (mf_replay_parse_row ("1700000000123,NSE:SBIN-EQ,600.05\n", &cols, &tick, &ts,
                                        err, sizeof err)
                       == 0,
                   "%s", err);
    ck_assert_int_eq (ts, 1700000000123);
    ck_assert_str_eq (tick.symbol, "NSE:SBIN-EQ");
    ck_assert_double_eq (tick.ltp, 600.05);
    ck_assert_double_eq (tick.bid, 0);
    ck_assert_double_eq (tick.ask, 0);
    ck_assert_int_eq (tick.volume, 0);

    //  Spaces around fields and CRLF endings are fine; ts 0 is a valid time.
    ck_assert_int_eq (
        mf_replay_parse_row (" 0 , NSE:INFY-EQ ,1500\r\n", &cols, &tick, &ts, err, sizeof err), 0);
    ck_assert_int_eq (ts, 0);
    ck_assert_str_eq (tick.symbol, "NSE:INFY-EQ");
    ck_assert_double_eq (tick.ltp, 1500);

    //  A symbol of exactly the longest length fits.
    char symbol[TW_SYMBOL_MAX];
    memset (symbol, 'S', sizeof symbol - 1);
    symbol[sizeof symbol - 1] = 0;
    char line[256];
    snprintf (line, sizeof line, "5,%s,1.5", symbol);
    ck_assert_int_eq (mf_replay_parse_row (line, &cols, &tick, &ts, err, sizeof err), 0);
    ck_assert_str_eq (tick.symbol, symbol);
}
END_TEST

START_TEST (test_row_optional_columns)
{
    mf_columns_t cols = s_header ("symbol,ts_ms,volume,ltp,ask,bid");
    tw_tick_t tick;
    int64_t ts = 0;
    char err[ERR_MAX] = "";
    ck_assert_msg (mf_replay_parse_row ("NSE:SBIN-EQ,1700000000000,12345,600.10,600.15,600.05",
                                        &cols, &tick, &ts, err, sizeof err)
                       == 0,
                   "%s", err);
    ck_assert_int_eq (ts, 1700000000000);
    ck_assert_str_eq (tick.symbol, "NSE:SBIN-EQ");
    ck_assert_double_eq (tick.ltp, 600.10);
    ck_assert_double_eq (tick.bid, 600.05);
    ck_assert_double_eq (tick.ask, 600.15);
    ck_assert_int_eq (tick.volume, 12345);

    //  Empty optional fields mean "none": 0 in the tick.
    ck_assert_msg (mf_replay_parse_row ("NSE:SBIN-EQ,1700000000001,,600.20,,", &cols, &tick, &ts,
                                        err, sizeof err)
                       == 0,
                   "%s", err);
    ck_assert_double_eq (tick.ltp, 600.20);
    ck_assert_double_eq (tick.bid, 0);
    ck_assert_double_eq (tick.ask, 0);
    ck_assert_int_eq (tick.volume, 0);
}
END_TEST

START_TEST (test_row_malformed)
{
    mf_columns_t cols = s_header ("ts_ms,symbol,ltp,bid,ask,volume");
    //  Wrong field count, both ways.
    s_row_fails (&cols, "1000,NSE:SBIN-EQ,600.05,600,600.1", "5 fields, the header has 6");
    s_row_fails (&cols, "1000,NSE:SBIN-EQ,600.05,600,600.1,10,7", "7 fields, the header has 6");
    s_row_fails (&cols, "", "1 fields, the header has 6");
    //  ltp: not a number, zero, negative, not finite, empty.
    s_row_fails (&cols, "1000,NSE:SBIN-EQ,abc,,,", "ltp 'abc' is not a price > 0");
    s_row_fails (&cols, "1000,NSE:SBIN-EQ,600.05x,,,", "ltp '600.05x'");
    s_row_fails (&cols, "1000,NSE:SBIN-EQ,0,,,", "ltp '0' is not a price > 0");
    s_row_fails (&cols, "1000,NSE:SBIN-EQ,-5.5,,,", "ltp '-5.5'");
    s_row_fails (&cols, "1000,NSE:SBIN-EQ,nan,,,", "ltp 'nan'");
    s_row_fails (&cols, "1000,NSE:SBIN-EQ,inf,,,", "ltp 'inf'");
    s_row_fails (&cols, "1000,NSE:SBIN-EQ,1e999,,,", "ltp '1e999'");
    s_row_fails (&cols, "1000,NSE:SBIN-EQ,,,,", "ltp ''");
    //  ts_ms: not an integer, negative, out of range, empty.
    s_row_fails (&cols, "soon,NSE:SBIN-EQ,600,,,", "ts_ms 'soon' is not epoch milliseconds");
    s_row_fails (&cols, "1000.5,NSE:SBIN-EQ,600,,,", "ts_ms '1000.5'");
    s_row_fails (&cols, "-1,NSE:SBIN-EQ,600,,,", "ts_ms '-1'");
    s_row_fails (&cols, "253402300800000,NSE:SBIN-EQ,600,,,", "ts_ms '253402300800000'");
    s_row_fails (&cols, "99999999999999999999999,NSE:SBIN-EQ,600,,,", "ts_ms");
    s_row_fails (&cols, ",NSE:SBIN-EQ,600,,,", "ts_ms ''");
    //  symbol: empty, too long, with a space.
    s_row_fails (&cols, "1000,,600,,,", "symbol is empty");
    char symbol[TW_SYMBOL_MAX + 1];
    memset (symbol, 'S', sizeof symbol - 1);
    symbol[sizeof symbol - 1] = 0;
    char line[256];
    snprintf (line, sizeof line, "1000,%s,600,,,", symbol);
    s_row_fails (&cols, line, "is too long (at most 47 characters)");
    s_row_fails (&cols, "1000,NSE:SBIN EQ,600,,,", "space or control character");
    //  bid, ask, volume: not numbers, negative, volume not whole.
    s_row_fails (&cols, "1000,NSE:SBIN-EQ,600,x,,", "bid 'x' is not a price >= 0");
    s_row_fails (&cols, "1000,NSE:SBIN-EQ,600,-1,,", "bid '-1'");
    s_row_fails (&cols, "1000,NSE:SBIN-EQ,600,,-0.05,", "ask '-0.05'");
    s_row_fails (&cols, "1000,NSE:SBIN-EQ,600,,,1.5", "volume '1.5' is not a whole number >= 0");
    s_row_fails (&cols, "1000,NSE:SBIN-EQ,600,,,-3", "volume '-3'");
    s_row_fails (&cols, "1000,NSE:SBIN-EQ,600,,,lots", "volume 'lots'");
    //  A line longer than the reader's buffer.
    char long_line[MF_REPLAY_LINE_MAX + 64];
    memset (long_line, '9', sizeof long_line - 1);
    long_line[sizeof long_line - 1] = 0;
    s_row_fails (&cols, long_line, "longer than");
}
END_TEST

START_TEST (test_reader_skips_and_counts)
{
    s_log_capture ();
    const char *text = "ts_ms,symbol,ltp,bid,ask,volume\n"          //  1
                       "1000,NSE:SBIN-EQ,600.05,600,600.1,100\n"    //  2 good
                       "1010,NSE:INFY-EQ,1500.5,,,\n"               //  3 good
                       "1020,NSE:SBIN-EQ,abc,1,2,3\n"               //  4 not a number
                       "1030,NSE:SBIN-EQ,600.10,600.05,600.15\n"    //  5 field count
                       "\n"                                         //  6 blank: ignored
                       "1005,NSE:SBIN-EQ,600.2,600.15,600.25,110\n" //  7 backwards
                       "1040,NSE:SBIN-EQ,-1,,,\n"                   //  8 ltp <= 0
                       "1050,NSE:THIS-SYMBOL-IS-FAR-TOO-LONG-FOR-A-FYERS-NAME,10,,,\n" // 9
                       "1060,NSE:RELIANCE-EQ,2400.25,2400.2,2400.3,50\r\n"             //  10 good
                       "1060,NSE:SBIN-EQ,600.15,600.1,600.2,150"; //  11 good, no newline
    const char *path = S_FILE ("ticks.csv", text);
    char err[ERR_MAX] = "";
    mf_replay_t *replay = mf_replay_open (path, err, sizeof err);
    ck_assert_msg (replay != NULL, "open: %s", err);
    ck_assert_str_eq (mf_replay_path (replay), path);

    const struct {
        int64_t ts;
        const char *symbol;
        double ltp, bid, ask;
        int64_t volume;
    } expected[] = {
        {1000, "NSE:SBIN-EQ", 600.05, 600, 600.1, 100},
        {1010, "NSE:INFY-EQ", 1500.5, 0, 0, 0},
        {1060, "NSE:RELIANCE-EQ", 2400.25, 2400.2, 2400.3, 50},
        {1060, "NSE:SBIN-EQ", 600.15, 600.1, 600.2, 150},
    };
    const size_t rows = sizeof expected / sizeof expected[0];
    for (int pass = 1; pass <= 2; pass++) {
        for (size_t i = 0; i < rows; i++) {
            tw_tick_t tick;
            int64_t ts = 0;
            ck_assert_msg (mf_replay_next (replay, &tick, &ts) == 1, "pass %d row %zu", pass, i);
            ck_assert_int_eq (ts, expected[i].ts);
            ck_assert_str_eq (tick.symbol, expected[i].symbol);
            ck_assert_double_eq (tick.ltp, expected[i].ltp);
            ck_assert_double_eq (tick.bid, expected[i].bid);
            ck_assert_double_eq (tick.ask, expected[i].ask);
            ck_assert_int_eq (tick.volume, expected[i].volume);
        }
        tw_tick_t tick;
        int64_t ts = 0;
        ck_assert_int_eq (mf_replay_next (replay, &tick, &ts), 0);
        ck_assert_int_eq (mf_replay_next (replay, &tick, &ts), 0);
        ck_assert_uint_eq (mf_replay_rows (replay), rows * (size_t) pass);
        ck_assert_uint_eq (mf_replay_skipped (replay), 5 * (uint64_t) pass);
        if (pass == 1)
            ck_assert_int_eq (mf_replay_rewind (replay), 0);
    }
    mf_replay_destroy (&replay);
    ck_assert_ptr_null (replay);
    mf_replay_destroy (&replay);

    //  One warning per bad row, naming file:line, on the first pass only.
    const char *log = s_log_read ();
    ck_assert_int_eq (s_count (log, "replay skipping"), 5);
    const int bad_lines[] = {4, 5, 7, 8, 9};
    for (size_t i = 0; i < sizeof bad_lines / sizeof bad_lines[0]; i++) {
        char where[PATH_MAX_LEN + 96];
        snprintf (where, sizeof where, "replay skipping %s:%d: ", path, bad_lines[i]);
        ck_assert_msg (s_count (log, where) == 1, "no single warning '%s' in:\n%s", where, log);
    }
    ck_assert_ptr_nonnull (strstr (log, ":4: ltp 'abc' is not a price > 0"));
    ck_assert_ptr_nonnull (strstr (log, ":5: 5 fields, the header has 6"));
    ck_assert_ptr_nonnull (strstr (log, ":7: time goes backwards: ts_ms 1005 after 1010"));
    ck_assert_ptr_nonnull (strstr (log, ":8: ltp '-1' is not a price > 0"));
    ck_assert_ptr_nonnull (strstr (log, ":9: symbol 'NSE:THIS-SYMBOL-IS-FAR-TOO-LONG-...'"));
}
END_TEST

START_TEST (test_reader_hostile_lines)
{
    s_log_capture ();
    //  An overlong line and a NUL byte are skipped; the reader stays in step.
    size_t long_len = MF_REPLAY_LINE_MAX * 3;
    size_t size = long_len + 256;
    char *text = (char *) calloc (1, size);
    ck_assert_ptr_nonnull (text);
    size_t len = (size_t) snprintf (text, size, "ts_ms,symbol,ltp\n1,NSE:A-EQ,1\n");
    memset (text + len, '7', long_len);
    len += long_len;
    len += (size_t) snprintf (text + len, size - len, "\n2,NSE:B-EQ,2");
    text[len++] = 0; //  a NUL byte after "2,NSE:B-EQ,2"
    len += (size_t) snprintf (text + len, size - len, "junk\n3,NSE:C-EQ,3\n");
    const char *path = s_file ("hostile.csv", text, len);
    free (text);

    char err[ERR_MAX] = "";
    mf_replay_t *replay = mf_replay_open (path, err, sizeof err);
    ck_assert_msg (replay != NULL, "open: %s", err);
    tw_tick_t tick;
    int64_t ts = 0;
    ck_assert_int_eq (mf_replay_next (replay, &tick, &ts), 1);
    ck_assert_str_eq (tick.symbol, "NSE:A-EQ");
    ck_assert_int_eq (mf_replay_next (replay, &tick, &ts), 1);
    ck_assert_str_eq (tick.symbol, "NSE:C-EQ");
    ck_assert_int_eq (ts, 3);
    ck_assert_int_eq (mf_replay_next (replay, &tick, &ts), 0);
    ck_assert_uint_eq (mf_replay_skipped (replay), 2);
    mf_replay_destroy (&replay);
    const char *log = s_log_read ();
    ck_assert_ptr_nonnull (strstr (log, ":3: line is longer than 1024 characters"));
    ck_assert_ptr_nonnull (strstr (log, ":4: NUL byte in the line"));
}
END_TEST

START_TEST (test_reader_warning_limit)
{
    s_log_capture ();
    //  Many bad rows: all counted, at most MF_REPLAY_WARN_MAX logged, plus
    //  one line that says the rest are not.
    const int bad = MF_REPLAY_WARN_MAX * 3;
    const char *path = S_FILE ("bad.csv", "ts_ms,symbol,ltp\n");
    FILE *file = fopen (path, "a");
    ck_assert_ptr_nonnull (file);
    for (int i = 0; i < bad; i++)
        fprintf (file, "%d,NSE:A-EQ,zero\n", i);
    fprintf (file, "%d,NSE:A-EQ,1.5\n", bad);
    fclose (file);
    char err[ERR_MAX] = "";
    mf_replay_t *replay = mf_replay_open (path, err, sizeof err);
    ck_assert_ptr_nonnull (replay);
    tw_tick_t tick;
    int64_t ts = 0;
    ck_assert_int_eq (mf_replay_next (replay, &tick, &ts), 1);
    ck_assert_int_eq (ts, bad);
    ck_assert_uint_eq (mf_replay_skipped (replay), (uint64_t) bad);
    mf_replay_destroy (&replay);
    const char *log = s_log_read ();
    ck_assert_int_eq (s_count (log, "replay skipping"), MF_REPLAY_WARN_MAX);
    ck_assert_int_eq (s_count (log, "the rest are counted, not logged"), 1);
}
END_TEST

//  Opening fails with one line that names the file.
static void
s_open_fails (const char *path, const char *expected)
{
    char err[ERR_MAX] = "";
    mf_replay_t *replay = mf_replay_open (path, err, sizeof err);
    ck_assert_ptr_null (replay);
    ck_assert_msg (strstr (err, path) != NULL, "error '%s' does not name '%s'", err, path);
    ck_assert_msg (strstr (err, expected) != NULL, "error '%s' lacks '%s'", err, expected);
    ck_assert_ptr_null (strchr (err, '\n'));
}

START_TEST (test_open_errors)
{
    char path[PATH_MAX_LEN + 32];
    snprintf (path, sizeof path, "%s/missing.csv", s_dir);
    s_open_fails (path, "cannot be opened: No such file or directory");
    s_open_fails (S_FILE ("empty.csv", ""), "is empty");
    s_open_fails (S_FILE ("price.csv", "ts_ms,symbol,price\n1,NSE:A-EQ,1\n"),
                  ":1: header: unknown column 'price'");
    s_open_fails (S_FILE ("short.csv", "ts_ms,symbol\n"), ":1: header: missing column 'ltp'");
    s_open_fails (s_dir, "cannot be read");
    char err[ERR_MAX] = "";
    ck_assert_ptr_null (mf_replay_open ("", err, sizeof err));
    ck_assert_ptr_nonnull (strstr (err, "replay_file"));
}
END_TEST

START_TEST (test_rewind_pipe)
{
    s_log_capture ();
    //  A pipe cannot be rewound: the reader says so instead of looping.
    char fifo[PATH_MAX_LEN + 16];
    snprintf (fifo, sizeof fifo, "%s/fifo", s_dir);
    ck_assert_int_eq (mkfifo (fifo, 0600), 0);
    pid_t pid = fork ();
    ck_assert_int_ge (pid, 0);
    if (pid == 0) {
        FILE *writer = fopen (fifo, "w");
        if (writer) {
            fputs ("ts_ms,symbol,ltp\n1,NSE:A-EQ,1\n", writer);
            fclose (writer);
        }
        _exit (0);
    }
    char err[ERR_MAX] = "";
    mf_replay_t *replay = mf_replay_open (fifo, err, sizeof err);
    ck_assert_msg (replay != NULL, "open: %s", err);
    tw_tick_t tick;
    int64_t ts = 0;
    ck_assert_int_eq (mf_replay_next (replay, &tick, &ts), 1);
    ck_assert_int_eq (mf_replay_next (replay, &tick, &ts), 0);
    ck_assert_int_eq (mf_replay_rewind (replay), -1);
    mf_replay_destroy (&replay);
    int status = 0;
    ck_assert_int_eq (waitpid (pid, &status, 0), pid);
    ck_assert_ptr_nonnull (strstr (s_log_read (), "cannot rewind"));
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("mf_replay");
    TCase *tc = tcase_create ("core");
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, test_header_required);
    tcase_add_test (tc, test_header_any_order);
    tcase_add_test (tc, test_header_errors);
    tcase_add_test (tc, test_row_good);
    tcase_add_test (tc, test_row_optional_columns);
    tcase_add_test (tc, test_row_malformed);
    tcase_add_test (tc, test_reader_skips_and_counts);
    tcase_add_test (tc, test_reader_hostile_lines);
    tcase_add_test (tc, test_reader_warning_limit);
    tcase_add_test (tc, test_open_errors);
    tcase_add_test (tc, test_rewind_pipe);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
