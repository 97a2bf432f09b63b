//  Unit tests for gw_session: the segment of a symbol, IST from a wall time
//  whatever the time zone, the holidays file, the square-off minute and the
//  refusals of opens, each across its boundaries. The shipped holidays file
//  comes from $HOLIDAYS_FILE (meson sets it).

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gw_inproc.h"
#include "gw_market_poll.h"
#include "gw_session.h"
#include "tw_config.h"
#include "tw_log.h"

#define T_ERR_MAX 512
#define T_NS INT64_C (1000000000)
#define T_HOLIDAY "2026-03-03" //  a Tuesday
#define T_PATH_MAX 256

static char s_dir[T_PATH_MAX];
static char s_holidays[T_PATH_MAX + 32];

//  The wall time of an IST civil time.
static int64_t
s_ist (int year, int month, int day, int hour, int minute, int second)
{
    return gw_inproc_ist_ns (year, month, day, hour, minute, second);
}

//  Wednesday 2026-03-04, a trading day, at hh:mm:ss IST.
static int64_t
s_wed (int hour, int minute, int second)
{
    return s_ist (2026, 3, 4, hour, minute, second);
}

static void
s_write (const char *path, const char *text)
{
    FILE *file = fopen (path, "w");
    ck_assert_ptr_nonnull (file);
    fputs (text, file);
    fclose (file);
}

static void
s_setup (void)
{
    tw_log_init ("unit");
    snprintf (s_dir, sizeof s_dir, "/tmp/tw-gw-session-XXXXXX");
    ck_assert_ptr_nonnull (mkdtemp (s_dir));
    snprintf (s_holidays, sizeof s_holidays, "%s/holidays.txt", s_dir);
    s_write (s_holidays, "# test holidays\n\n" T_HOLIDAY "  # Holi\n   2026-12-25\n");
    const char *keys[] = {"TW_SESSION_SQUARE_OFF",     "TW_SESSION_ENFORCE_HOURS",
                          "TW_SESSION_PRE_OPEN",       "TW_SESSION_SQUARE_OFF_EQUITY",
                          "TW_SESSION_SQUARE_OFF_CDS", "TW_SESSION_SQUARE_OFF_MCX",
                          "TW_GATEWAY_BROKER"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        unsetenv (keys[i]);
    setenv ("TW_SESSION_HOLIDAYS_FILE", s_holidays, 1);
}

static void
s_teardown (void)
{
    char command[T_PATH_MAX + 16];
    snprintf (command, sizeof command, "rm -rf %s", s_dir);
    ck_assert_int_eq (system (command), 0);
}

//  A session from the environment, or NULL with the error in err.
static gw_session_t *
s_try (char *err)
{
    err[0] = 0;
    tw_config_t *config = tw_config_load (NULL, err, T_ERR_MAX);
    ck_assert_msg (config != NULL, "config: %s", err);
    gw_session_t *session = gw_session_new (config, err, T_ERR_MAX);
    tw_config_destroy (&config);
    return session;
}

//  A session with the rules given ("on"/"off").
static gw_session_t *
s_session (const char *square_off, const char *enforce_hours)
{
    setenv ("TW_SESSION_SQUARE_OFF", square_off, 1);
    setenv ("TW_SESSION_ENFORCE_HOURS", enforce_hours, 1);
    char err[T_ERR_MAX];
    gw_session_t *session = s_try (err);
    ck_assert_msg (session != NULL, "session: %s", err);
    return session;
}

//  The refusal of an open ("" when it may go), in a static.
static const char *
s_check (gw_session_t *session, const char *symbol, const char *product, int64_t now)
{
    static char error[T_ERR_MAX];
    error[0] = 0;
    int rc = gw_session_check_open (session, symbol, product, now, error, sizeof error);
    ck_assert_int_eq (rc == 0, error[0] == 0);
    return error;
}

static bool
s_starts (const char *text, const char *prefix)
{
    return strncmp (text, prefix, strlen (prefix)) == 0;
}

START_TEST (test_segment)
{
    ck_assert_int_eq (gw_session_segment ("NSE:SBIN-EQ"), GW_SEGMENT_EQUITY);
    ck_assert_int_eq (gw_session_segment ("BSE:SBIN-A"), GW_SEGMENT_EQUITY);
    ck_assert_int_eq (gw_session_segment ("NSE:NIFTY24DECFUT"), GW_SEGMENT_EQUITY);
    ck_assert_int_eq (gw_session_segment ("NSE:NIFTY20O0811000CE"), GW_SEGMENT_EQUITY);
    ck_assert_int_eq (gw_session_segment ("BSE:SENSEX-INDEX"), GW_SEGMENT_EQUITY);
    ck_assert_int_eq (gw_session_segment ("NSE:USDINR26JANFUT"), GW_SEGMENT_CURRENCY);
    ck_assert_int_eq (gw_session_segment ("NSE:EURINR26JAN90CE"), GW_SEGMENT_CURRENCY);
    ck_assert_int_eq (gw_session_segment ("BSE:GBPUSD26FEBFUT"), GW_SEGMENT_CURRENCY);
    ck_assert_int_eq (gw_session_segment ("NSE:USDJPY26FEBFUT"), GW_SEGMENT_CURRENCY);
    //  A pair without the expiry's digits is not a currency contract.
    ck_assert_int_eq (gw_session_segment ("NSE:USDINRX-EQ"), GW_SEGMENT_EQUITY);
    ck_assert_int_eq (gw_session_segment ("MCX:CRUDEOIL20OCTFUT"), GW_SEGMENT_COMMODITY);
    ck_assert_int_eq (gw_session_segment ("MCX:SILVERMIC20AUGFUT"), GW_SEGMENT_COMMODITY);
    ck_assert_int_eq (gw_session_segment ("NCDEX:GUARSEED"), GW_SEGMENT_NONE);
    ck_assert_int_eq (gw_session_segment ("NS:SBIN-EQ"), GW_SEGMENT_NONE);
    ck_assert_int_eq (gw_session_segment ("NSEX:SBIN-EQ"), GW_SEGMENT_NONE);
    ck_assert_int_eq (gw_session_segment ("SBIN"), GW_SEGMENT_NONE);
    ck_assert_int_eq (gw_session_segment (""), GW_SEGMENT_NONE);
    ck_assert_int_eq (gw_session_segment (NULL), GW_SEGMENT_NONE);
    ck_assert_str_eq (gw_session_segment_name (GW_SEGMENT_EQUITY), "equity");
    ck_assert_str_eq (gw_session_segment_name (GW_SEGMENT_CURRENCY), "currency");
    ck_assert_str_eq (gw_session_segment_name (GW_SEGMENT_COMMODITY), "commodity");
    ck_assert_str_eq (gw_session_segment_name (GW_SEGMENT_NONE), "none");
    //  Venues: the exchange and, for NSE/BSE, cash, F&O or currency.
    ck_assert_int_eq (gw_session_venue ("NSE:SBIN-EQ"), GW_VENUE_NSE_CM);
    ck_assert_int_eq (gw_session_venue ("NSE:BAJAJ-AUTO-EQ"), GW_VENUE_NSE_CM);
    ck_assert_int_eq (gw_session_venue ("NSE:NIFTY50-INDEX"), GW_VENUE_NSE_CM);
    ck_assert_int_eq (gw_session_venue ("BSE:SBIN-A"), GW_VENUE_BSE_CM);
    ck_assert_int_eq (gw_session_venue ("NSE:NIFTY24DECFUT"), GW_VENUE_NSE_FO);
    ck_assert_int_eq (gw_session_venue ("NSE:BAJAJ-AUTO26MARFUT"), GW_VENUE_NSE_FO);
    ck_assert_int_eq (gw_session_venue ("NSE:NIFTY20O0811000CE"), GW_VENUE_NSE_FO);
    ck_assert_int_eq (gw_session_venue ("BSE:SENSEX26MARFUT"), GW_VENUE_BSE_FO);
    ck_assert_int_eq (gw_session_venue ("NSE:USDINR26JANFUT"), GW_VENUE_NSE_CD);
    ck_assert_int_eq (gw_session_venue ("BSE:GBPUSD26FEBFUT"), GW_VENUE_BSE_CD);
    ck_assert_int_eq (gw_session_venue ("MCX:CRUDEOIL20OCTFUT"), GW_VENUE_MCX_COM);
    ck_assert_int_eq (gw_session_venue ("NCDEX:GUARSEED"), GW_VENUE_NONE);
    ck_assert_int_eq (gw_session_venue (NULL), GW_VENUE_NONE);
    ck_assert_int_eq (gw_session_venue_of (10, 10), GW_VENUE_NSE_CM);
    ck_assert_int_eq (gw_session_venue_of (10, 11), GW_VENUE_NSE_FO);
    ck_assert_int_eq (gw_session_venue_of (12, 12), GW_VENUE_BSE_CD);
    ck_assert_int_eq (gw_session_venue_of (11, 20), GW_VENUE_MCX_COM);
    ck_assert_int_eq (gw_session_venue_of (10, 20), GW_VENUE_NONE);
    ck_assert_int_eq (gw_session_venue_of (0, 0), GW_VENUE_NONE);
    ck_assert_str_eq (gw_session_venue_name (GW_VENUE_NSE_FO), "NSE FO");
    ck_assert_str_eq (gw_session_venue_name (GW_VENUE_NONE), "none");
    ck_assert_int_eq (gw_session_venue_segment (GW_VENUE_BSE_CD), GW_SEGMENT_CURRENCY);
    ck_assert_int_eq (gw_session_venue_segment (GW_VENUE_NONE), GW_SEGMENT_NONE);
    ck_assert (gw_session_intraday ("INTRADAY"));
    ck_assert (gw_session_intraday (""));
    ck_assert (!gw_session_intraday ("CNC"));
    ck_assert (!gw_session_intraday ("MARGIN"));
}
END_TEST

//  IST is UTC+05:30 whatever TZ says; the IST day turns at 18:30 UTC.
START_TEST (test_ist)
{
    const char *zones[] = {"UTC", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"};
    for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
        setenv ("TZ", zones[z], 1);
        tzset ();
        char day[11];
        int minute = -1;
        //  2026-03-03 18:29:59 UTC: still the 3rd in India.
        gw_session_ist ((int64_t) 1772562599 * T_NS, day, &minute);
        ck_assert_str_eq (day, "2026-03-03");
        ck_assert_int_eq (minute, 23 * 60 + 59);
        //  18:30:00 UTC: midnight of the 4th in India, the 3rd in UTC.
        gw_session_ist ((int64_t) 1772562600 * T_NS, day, &minute);
        ck_assert_str_eq (day, "2026-03-04");
        ck_assert_int_eq (minute, 0);
        gw_session_ist (s_wed (15, 9, 59), day, &minute);
        ck_assert_str_eq (day, "2026-03-04");
        ck_assert_int_eq (minute, 15 * 60 + 9);
        gw_session_ist (s_wed (15, 10, 0) + T_NS - 1, day, &minute);
        ck_assert_int_eq (minute, 15 * 60 + 10);
        gw_session_ist (0, day, &minute);
        ck_assert_str_eq (day, "1970-01-01");
        ck_assert_int_eq (minute, 5 * 60 + 30);
    }
    unsetenv ("TZ");
    tzset ();
}
END_TEST

START_TEST (test_config_errors)
{
    char err[T_ERR_MAX];
    gw_session_t *session = NULL;
    const char *bad_times[] = {"1510", "25:00", "15:60", "9:15", "15:10:00", "", "ab:cd"};
    for (size_t i = 0; i < sizeof bad_times / sizeof bad_times[0]; i++) {
        setenv ("TW_SESSION_SQUARE_OFF_EQUITY", bad_times[i], 1);
        ck_assert_ptr_null (s_try (err));
        ck_assert_msg (strstr (err, "[session] square_off_equity: '") && strstr (err, "HH:MM IST"),
                       "%s", err);
    }
    //  The minute must be inside the normal market: after its open, before its close.
    setenv ("TW_SESSION_SQUARE_OFF_EQUITY", "15:30", 1);
    ck_assert_ptr_null (s_try (err));
    ck_assert_msg (strstr (err, "inside the equity market (09:15-15:30)"), "%s", err);
    setenv ("TW_SESSION_SQUARE_OFF_EQUITY", "09:15", 1);
    ck_assert_ptr_null (s_try (err));
    setenv ("TW_SESSION_SQUARE_OFF_EQUITY", "15:29", 1);
    session = s_try (err);
    ck_assert_msg (session != NULL, "%s", err);
    gw_session_destroy (&session);
    unsetenv ("TW_SESSION_SQUARE_OFF_EQUITY");
    setenv ("TW_SESSION_SQUARE_OFF_CDS", "17:00", 1);
    ck_assert_ptr_null (s_try (err));
    ck_assert_msg (strstr (err, "[session] square_off_cds: '17:00'"), "%s", err);
    unsetenv ("TW_SESSION_SQUARE_OFF_CDS");
    setenv ("TW_SESSION_SQUARE_OFF_MCX", "23:45", 1);
    ck_assert_ptr_null (s_try (err));
    ck_assert_msg (strstr (err, "commodity market (09:00-23:30)"), "%s", err);
    unsetenv ("TW_SESSION_SQUARE_OFF_MCX");

    //  The holidays file: read only when a rule is on; a bad line or a
    //  missing file is an error that names it.
    setenv ("TW_SESSION_SQUARE_OFF", "on", 1);
    char path[T_PATH_MAX + 16];
    snprintf (path, sizeof path, "%s/bad.txt", s_dir);
    s_write (path, "2026-01-26\n# ok\n2026-02-30\n");
    setenv ("TW_SESSION_HOLIDAYS_FILE", path, 1);
    ck_assert_ptr_null (s_try (err));
    ck_assert_msg (strstr (err, "bad.txt:3: '2026-02-30' is not a date"), "%s", err);
    s_write (path, "26-01-2026\n");
    ck_assert_ptr_null (s_try (err));
    ck_assert_msg (strstr (err, "bad.txt:1: '26-01-2026'"), "%s", err);
    s_write (path, "2026-01-26 2026-01-27\n");
    ck_assert_ptr_null (s_try (err));
    ck_assert_msg (strstr (err, "bad.txt:1:"), "%s", err);
    //  A line longer than any date is refused whole, not read in pieces.
    char longline[400];
    memset (longline, ' ', sizeof longline);
    memcpy (longline + sizeof longline - 12, "2026-01-26\n", 12);
    s_write (path, longline);
    ck_assert_ptr_null (s_try (err));
    ck_assert_msg (strstr (err, "bad.txt:1:"), "%s", err);
    snprintf (path, sizeof path, "%s/missing.txt", s_dir);
    setenv ("TW_SESSION_HOLIDAYS_FILE", path, 1);
    ck_assert_ptr_null (s_try (err));
    ck_assert_msg (strstr (err, "missing.txt' cannot be read"), "%s", err);
    //  With both rules off the file is not needed.
    setenv ("TW_SESSION_SQUARE_OFF", "off", 1);
    session = s_try (err);
    ck_assert_msg (session != NULL, "%s", err);
    gw_session_destroy (&session);
    //  "" is no file: weekends only.
    setenv ("TW_SESSION_SQUARE_OFF", "on", 1);
    setenv ("TW_SESSION_HOLIDAYS_FILE", "", 1);
    session = s_try (err);
    ck_assert_msg (session != NULL, "%s", err);
    ck_assert_int_eq (gw_session_holidays_in (session, 2026), 0);
    gw_session_destroy (&session);
}
END_TEST

//  auto follows the broker: on with fyers, off with paper.
START_TEST (test_auto)
{
    char err[T_ERR_MAX];
    setenv ("TW_GATEWAY_BROKER", "paper", 1);
    gw_session_t *session = s_try (err);
    ck_assert_ptr_nonnull (session);
    ck_assert (!gw_session_square_off_on (session));
    ck_assert (!gw_session_enforce_hours_on (session));
    ck_assert_str_eq (s_check (session, "NSE:SBIN-EQ", "INTRADAY", s_ist (2026, 3, 7, 3, 0, 0)),
                      "");
    ck_assert (!gw_session_square_off_due (session, GW_SEGMENT_EQUITY, s_wed (15, 15, 0)));
    gw_session_destroy (&session);
    setenv ("TW_GATEWAY_BROKER", "fyers", 1);
    session = s_try (err);
    ck_assert_ptr_nonnull (session);
    ck_assert (gw_session_square_off_on (session));
    ck_assert (gw_session_enforce_hours_on (session));
    ck_assert_int_eq (gw_session_holidays_in (session, 2026), 2);
    ck_assert_int_eq (gw_session_holidays_in (session, 2027), 0);
    gw_session_destroy (&session);
    //  An explicit value wins over the broker.
    setenv ("TW_SESSION_SQUARE_OFF", "off", 1);
    setenv ("TW_SESSION_ENFORCE_HOURS", "on", 1);
    setenv ("TW_GATEWAY_BROKER", "paper", 1);
    session = s_try (err);
    ck_assert (!gw_session_square_off_on (session));
    ck_assert (gw_session_enforce_hours_on (session));
    gw_session_destroy (&session);
}
END_TEST

START_TEST (test_square_off_due)
{
    gw_session_t *session = s_session ("on", "off");
    gw_segment_t eq = GW_SEGMENT_EQUITY, cds = GW_SEGMENT_CURRENCY, mcx = GW_SEGMENT_COMMODITY;
    ck_assert (!gw_session_square_off_due (session, eq, s_wed (15, 9, 59)));
    ck_assert (!gw_session_square_off_due (session, eq, s_wed (15, 10, 0) - 1));
    ck_assert (gw_session_square_off_due (session, eq, s_wed (15, 10, 0)));
    ck_assert (gw_session_square_off_due (session, eq, s_wed (15, 29, 59)));
    //  From the close on, the market has squared off itself.
    ck_assert (!gw_session_square_off_due (session, eq, s_wed (15, 30, 0)));
    ck_assert (!gw_session_square_off_due (session, eq, s_wed (9, 30, 0)));
    //  Not on a weekend or a holiday.
    ck_assert (!gw_session_square_off_due (session, eq, s_ist (2026, 3, 7, 15, 15, 0)));
    ck_assert (!gw_session_square_off_due (session, eq, s_ist (2026, 3, 8, 15, 15, 0)));
    ck_assert (!gw_session_square_off_due (session, eq, s_ist (2026, 3, 3, 15, 15, 0)));
    ck_assert (gw_session_square_off_due (session, eq, s_ist (2026, 3, 2, 15, 15, 0)));
    ck_assert (!gw_session_square_off_due (session, cds, s_wed (16, 39, 59)));
    ck_assert (gw_session_square_off_due (session, cds, s_wed (16, 40, 0)));
    ck_assert (gw_session_square_off_due (session, cds, s_wed (16, 59, 59)));
    ck_assert (!gw_session_square_off_due (session, cds, s_wed (17, 0, 0)));
    ck_assert (!gw_session_square_off_due (session, mcx, s_wed (23, 9, 59)));
    ck_assert (gw_session_square_off_due (session, mcx, s_wed (23, 10, 0)));
    ck_assert (!gw_session_square_off_due (session, mcx, s_wed (23, 30, 0)));
    //  Each segment at its own minute.
    ck_assert (!gw_session_square_off_due (session, cds, s_wed (15, 15, 0)));
    ck_assert (!gw_session_square_off_due (session, mcx, s_wed (16, 45, 0)));
    ck_assert (!gw_session_square_off_due (session, GW_SEGMENT_NONE, s_wed (15, 15, 0)));
    gw_session_destroy (&session);
    //  A configured minute.
    setenv ("TW_SESSION_SQUARE_OFF_EQUITY", "14:00", 1);
    session = s_session ("on", "off");
    ck_assert (!gw_session_square_off_due (session, eq, s_wed (13, 59, 59)));
    ck_assert (gw_session_square_off_due (session, eq, s_wed (14, 0, 0)));
    gw_session_destroy (&session);
    session = s_session ("off", "on");
    ck_assert (!gw_session_square_off_due (session, eq, s_wed (15, 15, 0)));
    gw_session_destroy (&session);
}
END_TEST

START_TEST (test_hours)
{
    gw_session_t *session = s_session ("off", "on");
    const char *sbin = "NSE:SBIN-EQ";
    ck_assert (s_starts (s_check (session, sbin, "CNC", s_wed (9, 14, 59)), "market hours: "));
    ck_assert_str_eq (s_check (session, sbin, "CNC", s_wed (9, 14, 59)),
                      "market hours: the equity market is closed at 09:14 IST (open 09:15-15:30, "
                      "pre-open 09:00-09:08 refused ([session] pre_open))");
    ck_assert_str_eq (s_check (session, sbin, "CNC", s_wed (9, 15, 0)), "");
    ck_assert_str_eq (s_check (session, sbin, "INTRADAY", s_wed (15, 29, 59)), "");
    ck_assert (s_starts (s_check (session, sbin, "CNC", s_wed (15, 30, 0)), "market hours: "));
    ck_assert (s_starts (s_check (session, sbin, "CNC", s_wed (9, 5, 0)), "market hours: "));
    ck_assert (s_starts (s_check (session, sbin, "CNC", s_wed (2, 0, 0)), "market hours: "));
    ck_assert_str_eq (s_check (session, sbin, "CNC", s_ist (2026, 3, 7, 10, 0, 0)),
                      "market hours: the equity market is closed on 2026-03-07, a Saturday");
    ck_assert_str_eq (s_check (session, sbin, "CNC", s_ist (2026, 3, 8, 10, 0, 0)),
                      "market hours: the equity market is closed on 2026-03-08, a Sunday");
    ck_assert_str_eq (s_check (session, sbin, "CNC", s_ist (2026, 3, 3, 10, 0, 0)),
                      "market hours: the equity market is closed on 2026-03-03, a holiday "
                      "([session] holidays_file)");
    ck_assert_str_eq (s_check (session, sbin, "CNC", s_ist (2026, 3, 2, 10, 0, 0)), "");
    //  The IST day decides: 00:01 IST on the holiday is 18:31 UTC the day before.
    ck_assert (strstr (s_check (session, sbin, "CNC", s_ist (2026, 3, 3, 0, 1, 0)),
                       "closed on 2026-03-03, a holiday"));
    ck_assert (strstr (s_check (session, sbin, "CNC", s_ist (2026, 3, 2, 23, 59, 0)),
                       "closed at 23:59 IST"));
    //  Currency and commodity hours.
    const char *usd = "NSE:USDINR26MARFUT", *crude = "MCX:CRUDEOIL26MARFUT";
    ck_assert (s_starts (s_check (session, usd, "MARGIN", s_wed (8, 59, 59)), "market hours: "));
    ck_assert_str_eq (s_check (session, usd, "MARGIN", s_wed (9, 0, 0)), "");
    ck_assert_str_eq (s_check (session, usd, "MARGIN", s_wed (16, 59, 59)), "");
    ck_assert_str_eq (
        s_check (session, usd, "MARGIN", s_wed (17, 0, 0)),
        "market hours: the currency market is closed at 17:00 IST (open 09:00-17:00)");
    ck_assert_str_eq (s_check (session, crude, "MARGIN", s_wed (9, 0, 0)), "");
    ck_assert_str_eq (s_check (session, crude, "MARGIN", s_wed (23, 29, 59)), "");
    ck_assert (s_starts (s_check (session, crude, "MARGIN", s_wed (23, 30, 0)), "market hours: "));
    //  No hours known: refused while a rule is on.
    ck_assert_str_eq (
        s_check (session, "NCDEX:GUARSEED", "CNC", s_wed (10, 0, 0)),
        "market hours: no session is known for 'NCDEX:GUARSEED' (NSE:, BSE: or MCX:)");
    gw_session_destroy (&session);

    //  The pre-open, when taken: 09:00 to 09:08, not the matching to 09:15.
    setenv ("TW_SESSION_PRE_OPEN", "true", 1);
    session = s_session ("off", "on");
    ck_assert (s_starts (s_check (session, sbin, "CNC", s_wed (8, 59, 59)), "market hours: "));
    ck_assert_str_eq (s_check (session, sbin, "CNC", s_wed (9, 0, 0)), "");
    ck_assert_str_eq (s_check (session, sbin, "CNC", s_wed (9, 7, 59)), "");
    ck_assert_str_eq (s_check (session, sbin, "CNC", s_wed (9, 8, 0)),
                      "market hours: the equity market is closed at 09:08 IST (open 09:15-15:30, "
                      "pre-open 09:00-09:08 taken)");
    ck_assert (
        s_starts (s_check (session, sbin, "CNC", s_ist (2026, 3, 3, 9, 5, 0)), "market hours: "));
    gw_session_destroy (&session);

    //  Off: any time.
    session = s_session ("off", "off");
    ck_assert_str_eq (s_check (session, sbin, "INTRADAY", s_ist (2026, 3, 7, 3, 0, 0)), "");
    ck_assert_str_eq (s_check (session, "NCDEX:GUARSEED", "", s_wed (3, 0, 0)), "");
    gw_session_destroy (&session);
}
END_TEST

//  square_off refuses INTRADAY opens from the minute to the next trading
//  day's 09:00; other products are left to the hours.
START_TEST (test_square_off_refusals)
{
    gw_session_t *session = s_session ("on", "on");
    const char *sbin = "NSE:SBIN-EQ";
    ck_assert_str_eq (s_check (session, sbin, "INTRADAY", s_wed (15, 9, 59)), "");
    ck_assert_str_eq (s_check (session, sbin, "INTRADAY", s_wed (15, 10, 0)),
                      "EOD square-off: INTRADAY opens in the equity market are refused from 15:10 "
                      "IST until 09:00 IST of its next trading day (now 2026-03-04 15:10 IST); "
                      "other products are taken");
    ck_assert (s_starts (s_check (session, sbin, "", s_wed (15, 10, 0)), "EOD square-off: "));
    ck_assert_str_eq (s_check (session, sbin, "CNC", s_wed (15, 10, 0)), "");
    ck_assert_str_eq (s_check (session, "NSE:NIFTY26MARFUT", "MARGIN", s_wed (15, 29, 0)), "");
    //  Other segments keep their own minute.
    ck_assert_str_eq (s_check (session, "NSE:USDINR26MARFUT", "INTRADAY", s_wed (15, 15, 0)), "");
    ck_assert (s_starts (s_check (session, "NSE:USDINR26MARFUT", "INTRADAY", s_wed (16, 40, 0)),
                         "EOD square-off: "));
    ck_assert_str_eq (s_check (session, "MCX:CRUDEOIL26MARFUT", "INTRADAY", s_wed (23, 9, 0)), "");
    ck_assert (s_starts (s_check (session, "MCX:CRUDEOIL26MARFUT", "INTRADAY", s_wed (23, 10, 0)),
                         "EOD square-off: "));
    //  After the close the hours refuse first.
    ck_assert (s_starts (s_check (session, sbin, "INTRADAY", s_wed (15, 30, 0)), "market hours: "));
    gw_session_destroy (&session);

    //  Without the hours rule the square-off alone holds INTRADAY back until
    //  09:00 of the next trading day.
    session = s_session ("on", "off");
    ck_assert (
        s_starts (s_check (session, sbin, "INTRADAY", s_wed (20, 0, 0)), "EOD square-off: "));
    ck_assert_str_eq (s_check (session, sbin, "CNC", s_wed (20, 0, 0)), "");
    ck_assert (s_starts (s_check (session, sbin, "INTRADAY", s_ist (2026, 3, 5, 8, 59, 59)),
                         "EOD square-off: "));
    ck_assert_str_eq (s_check (session, sbin, "INTRADAY", s_ist (2026, 3, 5, 9, 0, 0)), "");
    //  Friday's square-off holds over the weekend; a holiday is no trading day.
    ck_assert (s_starts (s_check (session, sbin, "INTRADAY", s_ist (2026, 3, 7, 11, 0, 0)),
                         "EOD square-off: "));
    ck_assert (s_starts (s_check (session, sbin, "INTRADAY", s_ist (2026, 3, 3, 11, 0, 0)),
                         "EOD square-off: "));
    ck_assert_str_eq (s_check (session, sbin, "INTRADAY", s_ist (2026, 3, 9, 11, 0, 0)), "");
    gw_session_destroy (&session);
}
END_TEST

//  The broker's report, while recent, decides instead of hours and calendar.
START_TEST (test_report)
{
    gw_session_t *session = s_session ("on", "on");
    const char *crude = "MCX:CRUDEOIL26MARFUT";
    int64_t holiday_evening = s_ist (2026, 3, 3, 18, 0, 0);
    ck_assert (s_starts (s_check (session, crude, "MARGIN", holiday_evening), "market hours: "));
    //  MCX open on an NSE holiday.
    gw_session_report (session, GW_VENUE_MCX_COM, GW_MARKET_OPEN, holiday_evening);
    ck_assert_str_eq (s_check (session, crude, "MARGIN", holiday_evening), "");
    ck_assert_str_eq (s_check (session, crude, "INTRADAY", holiday_evening), "");
    //  Only for its segment.
    ck_assert (
        s_starts (s_check (session, "NSE:SBIN-EQ", "CNC", holiday_evening), "market hours: "));
    //  Stale after GW_SESSION_REPORT_TTL_NS.
    int64_t later = holiday_evening + GW_SESSION_REPORT_TTL_NS;
    ck_assert_str_eq (s_check (session, crude, "MARGIN", later), "");
    ck_assert (s_starts (s_check (session, crude, "MARGIN", later + 1), "market hours: "));
    //  The square-off of MCX on that holiday, while the broker says open.
    ck_assert (
        !gw_session_square_off_due (session, GW_SEGMENT_COMMODITY, s_ist (2026, 3, 3, 23, 10, 0)));
    gw_session_report (session, GW_VENUE_MCX_COM, GW_MARKET_OPEN, s_ist (2026, 3, 3, 23, 9, 0));
    ck_assert (
        !gw_session_square_off_due (session, GW_SEGMENT_COMMODITY, s_ist (2026, 3, 3, 23, 9, 59)));
    ck_assert (
        gw_session_square_off_due (session, GW_SEGMENT_COMMODITY, s_ist (2026, 3, 3, 23, 10, 0)));
    ck_assert (s_starts (s_check (session, crude, "INTRADAY", s_ist (2026, 3, 3, 23, 10, 0)),
                         "EOD square-off: "));
    //  Closed by the broker in the middle of the day.
    gw_session_report (session, GW_VENUE_NSE_CM, GW_MARKET_CLOSED, s_wed (11, 0, 0));
    ck_assert_str_eq (s_check (session, "NSE:SBIN-EQ", "CNC", s_wed (11, 0, 1)),
                      "market hours: the equity market is closed (the broker's market status of "
                      "NSE CM)");
    ck_assert (!gw_session_square_off_due (session, GW_SEGMENT_EQUITY, s_wed (11, 0, 1)));
    //  Pre-open, refused unless taken.
    gw_session_report (session, GW_VENUE_NSE_CM, GW_MARKET_PREOPEN, s_wed (9, 2, 0));
    ck_assert_str_eq (s_check (session, "NSE:SBIN-EQ", "CNC", s_wed (9, 3, 0)),
                      "market hours: the equity market is in pre-open (the broker's market "
                      "status of NSE CM); [session] pre_open is off");
    //  Open past the hours' close: the square-off is still due.
    gw_session_report (session, GW_VENUE_NSE_CM, GW_MARKET_OPEN, s_wed (15, 35, 0));
    ck_assert (gw_session_square_off_due (session, GW_SEGMENT_EQUITY, s_wed (15, 35, 1)));
    ck_assert (!gw_session_square_off_due (session, GW_SEGMENT_EQUITY, s_wed (15, 0, 0)));
    gw_session_report (session, GW_VENUE_NSE_CM, GW_MARKET_CLOSED, s_wed (15, 36, 0));
    ck_assert (!gw_session_square_off_due (session, GW_SEGMENT_EQUITY, s_wed (15, 36, 1)));
    //  A report from the future (a clock stepped back) is not trusted.
    ck_assert (gw_session_square_off_due (session, GW_SEGMENT_EQUITY, s_wed (15, 20, 0)));
    //  Each venue on its own: NSE cash closed by the broker, NSE F&O open.
    gw_session_report (session, GW_VENUE_NSE_CM, GW_MARKET_CLOSED, s_wed (11, 0, 0));
    gw_session_report (session, GW_VENUE_NSE_FO, GW_MARKET_OPEN, s_wed (11, 0, 0));
    ck_assert (s_starts (s_check (session, "NSE:SBIN-EQ", "CNC", s_wed (11, 0, 1)),
                         "market hours: the equity market is closed (the broker's"));
    ck_assert_str_eq (s_check (session, "NSE:NIFTY26MARFUT", "MARGIN", s_wed (11, 0, 1)), "");
    //  BSE has no report: the hours decide.
    ck_assert_str_eq (s_check (session, "BSE:SBIN-A", "CNC", s_wed (11, 0, 1)), "");
    //  The segment's square-off is due while one of its venues is open.
    ck_assert (gw_session_square_off_due (session, GW_SEGMENT_EQUITY, s_wed (15, 40, 0)) == false);
    gw_session_report (session, GW_VENUE_NSE_FO, GW_MARKET_OPEN, s_wed (15, 39, 0));
    ck_assert (gw_session_square_off_due (session, GW_SEGMENT_EQUITY, s_wed (15, 40, 0)));
    //  UNKNOWN forgets: the calendar decides at once.
    gw_session_report (session, GW_VENUE_NSE_CM, GW_MARKET_UNKNOWN, s_wed (11, 0, 2));
    ck_assert_str_eq (s_check (session, "NSE:SBIN-EQ", "CNC", s_wed (11, 0, 3)), "");
    gw_session_destroy (&session);
}
END_TEST

//  A market status read (gw_market_poll): the NORMAL market of each known
//  venue is reported, the other types, unknown statuses and venues ignored.
START_TEST (test_market_poll_apply)
{
    ck_assert_int_eq (gw_market_poll_status ("OPEN"), GW_MARKET_OPEN);
    ck_assert_int_eq (gw_market_poll_status ("open"), GW_MARKET_OPEN);
    ck_assert_int_eq (gw_market_poll_status ("PREOPEN"), GW_MARKET_PREOPEN);
    ck_assert_int_eq (gw_market_poll_status ("CLOSE"), GW_MARKET_CLOSED);
    ck_assert_int_eq (gw_market_poll_status ("CLOSED"), GW_MARKET_CLOSED);
    ck_assert_int_eq (gw_market_poll_status ("PREOPEN_CLOSED"), GW_MARKET_CLOSED);
    ck_assert_int_eq (gw_market_poll_status ("POSTCLOSE_START"), GW_MARKET_CLOSED);
    ck_assert_int_eq (gw_market_poll_status ("POSTCLOSE_CLOSED"), GW_MARKET_CLOSED);
    ck_assert_int_eq (gw_market_poll_status ("HALTED"), GW_MARKET_UNKNOWN);
    ck_assert_int_eq (gw_market_poll_status (""), GW_MARKET_UNKNOWN);
    ck_assert_int_eq (gw_market_poll_status (NULL), GW_MARKET_UNKNOWN);

    gw_session_t *session = s_session ("on", "on");
    gw_call_t *call = gw_call_new (GW_OP_MARKET_STATUS);
    const gw_broker_market_t markets[] = {
        {10, 10, "NORMAL", "CLOSED"},  //  NSE cash closed on a weekday in hours
        {10, 10, "ODD_LOT", "OPEN"},   //  not the normal market: ignored
        {10, 11, "NORMAL", "OPEN"},    //  NSE F&O open
        {12, 10, "NORMAL", "HALTED"},  //  unknown status: the hours decide
        {10, 20, "NORMAL", "CLOSED"},  //  NSE commodity: not a venue here
        {11, 20, "normal", "PREOPEN"}, //  any case
    };
    call->markets = malloc (sizeof markets);
    ck_assert_ptr_nonnull (call->markets);
    memcpy (call->markets, markets, sizeof markets);
    call->market_count = sizeof markets / sizeof *markets;
    int64_t at = s_wed (11, 0, 0);
    ck_assert_uint_eq (gw_market_poll_apply (session, call, at), 3);
    ck_assert (s_starts (s_check (session, "NSE:SBIN-EQ", "CNC", at),
                         "market hours: the equity market is closed (the broker's market status "
                         "of NSE CM)"));
    ck_assert_str_eq (s_check (session, "NSE:NIFTY26MARFUT", "MARGIN", at), "");
    ck_assert_str_eq (s_check (session, "BSE:SBIN-A", "CNC", at), "");
    ck_assert (s_starts (s_check (session, "MCX:CRUDEOIL26MARFUT", "MARGIN", at),
                         "market hours: the commodity market is in pre-open"));
    //  A later read without NSE cash (BSE cash closed instead) forgets it:
    //  the hours decide again.
    call->market_count = 3;
    call->markets[0].exchange = 12;
    ck_assert_uint_eq (gw_market_poll_apply (session, call, at + 1), 2);
    ck_assert_str_eq (s_check (session, "NSE:SBIN-EQ", "CNC", at + 1), "");
    ck_assert (s_starts (s_check (session, "BSE:SBIN-A", "CNC", at + 1), "market hours: "));
    gw_call_destroy (&call);
    gw_session_destroy (&session);
}
END_TEST

//  The shipped file loads: 15 weekdays of 2026, each closing the market.
START_TEST (test_shipped_holidays)
{
    const char *path = getenv ("HOLIDAYS_FILE");
    ck_assert_msg (path != NULL, "HOLIDAYS_FILE is not set");
    setenv ("TW_SESSION_HOLIDAYS_FILE", path, 1);
    gw_session_t *session = s_session ("off", "on");
    ck_assert_int_eq (gw_session_holidays_in (session, 2026), 15);
    FILE *file = fopen (path, "r");
    ck_assert_ptr_nonnull (file);
    char line[256];
    int dates = 0;
    while (fgets (line, sizeof line, file)) {
        int year = 0, month = 0, day = 0;
        if (line[0] == '#' || sscanf (line, "%d-%d-%d", &year, &month, &day) != 3)
            continue;
        dates++;
        const char *refusal =
            s_check (session, "NSE:SBIN-EQ", "CNC", s_ist (year, month, day, 10, 0, 0));
        ck_assert_msg (strstr (refusal, "a holiday"), "%s: %s", line, refusal);
    }
    fclose (file);
    ck_assert_int_eq (dates, 15);
    gw_session_destroy (&session);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("gw_session");
    TCase *tc = tcase_create ("core");
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, test_segment);
    tcase_add_test (tc, test_ist);
    tcase_add_test (tc, test_config_errors);
    tcase_add_test (tc, test_auto);
    tcase_add_test (tc, test_square_off_due);
    tcase_add_test (tc, test_hours);
    tcase_add_test (tc, test_square_off_refusals);
    tcase_add_test (tc, test_report);
    tcase_add_test (tc, test_market_poll_apply);
    tcase_add_test (tc, test_shipped_holidays);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
