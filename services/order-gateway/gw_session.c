//  gw_session - see gw_session.h.

#include "gw_session.h"
#include "gw_journal.h"
#include "tw_log.h"
#include "tw_proto.h"

#include <ctype.h>
#include <czmq.h>
#include <string.h>
#include <time.h>

#define S_NS_PER_S INT64_C (1000000000)
#define S_LINE_MAX 256
#define S_HOLIDAYS_MAX 1024
#define S_HHMM(h, m) ((h) *60 + (m))

//  The sessions (docs/fyers.md §8), minutes of the IST day. Order entry
//  starts at start (equity: the pre-open, until preopen_end); the normal
//  market is [open, close).
typedef struct {
    const char *name; //  for the texts
    const char *key;  //  [session] square_off_<key>
    int start;        //  the first order entry of the day
    int preopen_end;  //  0: no pre-open
    int open, close;  //  the normal market
} s_hours_t;

static const s_hours_t s_hours[GW_SEGMENT_COUNT] = {
    {"equity", "square_off_equity", S_HHMM (9, 0), S_HHMM (9, 8), S_HHMM (9, 15), S_HHMM (15, 30)},
    {"currency", "square_off_cds", S_HHMM (9, 0), 0, S_HHMM (9, 0), S_HHMM (17, 0)},
    {"commodity", "square_off_mcx", S_HHMM (9, 0), 0, S_HHMM (9, 0), S_HHMM (23, 30)},
};

//  The venues (gw_session.h): Fyers' codes, the name, the segment.
static const struct {
    int exchange, segment;
    const char *name;
    gw_segment_t hours;
} s_venues[GW_VENUE_COUNT] = {
    {10, 10, "NSE CM", GW_SEGMENT_EQUITY},     {10, 11, "NSE FO", GW_SEGMENT_EQUITY},
    {10, 12, "NSE CD", GW_SEGMENT_CURRENCY},   {12, 10, "BSE CM", GW_SEGMENT_EQUITY},
    {12, 11, "BSE FO", GW_SEGMENT_EQUITY},     {12, 12, "BSE CD", GW_SEGMENT_CURRENCY},
    {11, 20, "MCX COM", GW_SEGMENT_COMMODITY},
};

typedef struct {
    gw_market_t market;
    int64_t at_ns; //  when it was reported
} s_report_t;

struct _gw_session_t {
    bool square_off;
    bool enforce_hours;
    bool pre_open;
    int square_off_min[GW_SEGMENT_COUNT];
    char holidays_file[S_LINE_MAX];
    char (*holidays)[TW_DAY_MAX]; //  sorted YYYY-MM-DD
    size_t holiday_count;
    s_report_t reports[GW_VENUE_COUNT];
};

//  Where the clock is, in IST.
typedef struct {
    char day[TW_DAY_MAX]; //  YYYY-MM-DD
    int wday;             //  0 Sunday .. 6 Saturday
    int minute;           //  of the day
} s_ist_t;

static void
s_ist (int64_t wall_ns, s_ist_t *ist)
{
    int64_t seconds = (wall_ns + GW_JOURNAL_IST_OFFSET_NS) / S_NS_PER_S;
    if ((wall_ns + GW_JOURNAL_IST_OFFSET_NS) % S_NS_PER_S < 0)
        seconds--;
    time_t t = (time_t) seconds;
    struct tm tm;
    gmtime_r (&t, &tm);
    strftime (ist->day, sizeof ist->day, "%Y-%m-%d", &tm);
    ist->wday = tm.tm_wday;
    ist->minute = tm.tm_hour * 60 + tm.tm_min;
}

void
gw_session_ist (int64_t wall_ns, char day[11], int *minute)
{
    s_ist_t ist;
    s_ist (wall_ns, &ist);
    memcpy (day, ist.day, 11);
    *minute = ist.minute;
}

//  "auto|on|off" with the broker.
static bool
s_rule_on (tw_config_t *config, const char *key)
{
    const char *value = tw_config_str (config, "session", key);
    if (streq (value, "auto"))
        return streq (tw_config_str (config, "gateway", "broker"), "fyers");
    return streq (value, "on");
}

//  "HH:MM" to minutes of the day, or -1.
static int
s_hhmm (const char *text)
{
    if (strlen (text) != 5 || text[2] != ':' || !isdigit ((unsigned char) text[0])
        || !isdigit ((unsigned char) text[1]) || !isdigit ((unsigned char) text[3])
        || !isdigit ((unsigned char) text[4]))
        return -1;
    int hours = (text[0] - '0') * 10 + (text[1] - '0');
    int minutes = (text[3] - '0') * 10 + (text[4] - '0');
    return hours < 24 && minutes < 60 ? S_HHMM (hours, minutes) : -1;
}

static int
s_day_cmp (const void *a, const void *b)
{
    return strcmp ((const char *) a, (const char *) b);
}

//  One line of the holidays file: 1 a date (in day), 0 nothing, -1 bad.
static int
s_holiday_line (char *line, char day[TW_DAY_MAX])
{
    char *hash = strchr (line, '#');
    if (hash)
        *hash = 0;
    char *start = line;
    while (isspace ((unsigned char) *start))
        start++;
    char *end = start + strlen (start);
    while (end > start && isspace ((unsigned char) end[-1]))
        *--end = 0;
    if (!*start)
        return 0;
    char err[TW_TEXT_MAX];
    int64_t from = 0, to = 0;
    if (gw_journal_day_range (start, 0, day, &from, &to, err, sizeof err) != 0)
        return -1;
    return 1;
}

static int
s_load_holidays (gw_session_t *self, char *err, size_t err_size)
{
    if (!self->holidays_file[0])
        return 0;
    FILE *file = fopen (self->holidays_file, "r");
    if (!file) {
        snprintf (err, err_size, "[session] holidays_file '%s' cannot be read: %s",
                  self->holidays_file, strerror (errno));
        return -1;
    }
    self->holidays = calloc (S_HOLIDAYS_MAX, TW_DAY_MAX);
    assert (self->holidays);
    char line[S_LINE_MAX];
    int number = 0, rc = 0;
    while (rc == 0 && fgets (line, sizeof line, file)) {
        number++;
        size_t len = strlen (line);
        bool whole = len > 0 && (line[len - 1] == '\n' || feof (file));
        char shown[TW_TEXT_MAX / 4];
        snprintf (shown, sizeof shown, "%.*s", (int) strcspn (line, "\r\n"), line);
        char day[TW_DAY_MAX];
        int got = whole ? s_holiday_line (line, day) : -1;
        if (got < 0) {
            snprintf (err, err_size,
                      "[session] holidays_file %s:%d: '%s' is not a date (YYYY-MM-DD, "
                      "one a line, # comments)",
                      self->holidays_file, number, shown);
            rc = -1;
        }
        else if (got > 0 && self->holiday_count == S_HOLIDAYS_MAX) {
            snprintf (err, err_size, "[session] holidays_file %s: more than %d dates",
                      self->holidays_file, S_HOLIDAYS_MAX);
            rc = -1;
        }
        else if (got > 0)
            memcpy (self->holidays[self->holiday_count++], day, TW_DAY_MAX);
    }
    fclose (file);
    qsort (self->holidays, self->holiday_count, TW_DAY_MAX, s_day_cmp);
    return rc;
}

gw_session_t *
gw_session_new (tw_config_t *config, char *err, size_t err_size)
{
    gw_session_t *self = (gw_session_t *) zmalloc (sizeof *self);
    self->square_off = s_rule_on (config, "square_off");
    self->enforce_hours = s_rule_on (config, "enforce_hours");
    self->pre_open = tw_config_bool (config, "session", "pre_open");
    snprintf (self->holidays_file, sizeof self->holidays_file, "%s",
              tw_config_str (config, "session", "holidays_file"));
    for (int s = 0; s < GW_SEGMENT_COUNT; s++) {
        const char *text = tw_config_str (config, "session", s_hours[s].key);
        int minute = s_hhmm (text);
        if (minute < 0 || minute <= s_hours[s].open || minute >= s_hours[s].close) {
            snprintf (err, err_size,
                      "[session] %s: '%s' is not a time HH:MM IST inside the %s market "
                      "(%02d:%02d-%02d:%02d)",
                      s_hours[s].key, text, s_hours[s].name, s_hours[s].open / 60,
                      s_hours[s].open % 60, s_hours[s].close / 60, s_hours[s].close % 60);
            gw_session_destroy (&self);
            return NULL;
        }
        self->square_off_min[s] = minute;
    }
    if ((self->square_off || self->enforce_hours) && s_load_holidays (self, err, err_size) != 0)
        gw_session_destroy (&self);
    return self;
}

void
gw_session_destroy (gw_session_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->holidays);
    free (*self_p);
    *self_p = NULL;
}

gw_segment_t
gw_session_segment (const char *symbol)
{
    static const char *pairs[] = {"USDINR", "EURINR", "GBPINR", "JPYINR",
                                  "EURUSD", "GBPUSD", "USDJPY"};
    const char *colon = symbol ? strchr (symbol, ':') : NULL;
    if (!colon)
        return GW_SEGMENT_NONE;
    size_t exchange = (size_t) (colon - symbol);
    const char *name = colon + 1;
    if (exchange == 3 && strncmp (symbol, "MCX", 3) == 0)
        return GW_SEGMENT_COMMODITY;
    if (exchange != 3 || (strncmp (symbol, "NSE", 3) != 0 && strncmp (symbol, "BSE", 3) != 0))
        return GW_SEGMENT_NONE;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (strncmp (name, pairs[i], 6) == 0 && isdigit ((unsigned char) name[6]))
            return GW_SEGMENT_CURRENCY;
    return GW_SEGMENT_EQUITY;
}

//  True when name ends in a series: a '-' followed by letters only.
static bool
s_has_series (const char *name)
{
    const char *dash = strrchr (name, '-');
    if (!dash || !dash[1])
        return false;
    for (const char *p = dash + 1; *p; p++)
        if (!isalpha ((unsigned char) *p))
            return false;
    return true;
}

gw_venue_t
gw_session_venue (const char *symbol)
{
    gw_segment_t segment = gw_session_segment (symbol);
    if (segment == GW_SEGMENT_NONE)
        return GW_VENUE_NONE;
    if (segment == GW_SEGMENT_COMMODITY)
        return GW_VENUE_MCX_COM;
    bool nse = strncmp (symbol, "NSE", 3) == 0;
    if (segment == GW_SEGMENT_CURRENCY)
        return nse ? GW_VENUE_NSE_CD : GW_VENUE_BSE_CD;
    if (s_has_series (strchr (symbol, ':') + 1))
        return nse ? GW_VENUE_NSE_CM : GW_VENUE_BSE_CM;
    return nse ? GW_VENUE_NSE_FO : GW_VENUE_BSE_FO;
}

gw_venue_t
gw_session_venue_of (int exchange, int segment)
{
    for (int v = 0; v < GW_VENUE_COUNT; v++)
        if (s_venues[v].exchange == exchange && s_venues[v].segment == segment)
            return (gw_venue_t) v;
    return GW_VENUE_NONE;
}

const char *
gw_session_venue_name (gw_venue_t venue)
{
    return venue >= 0 && venue < GW_VENUE_COUNT ? s_venues[venue].name : "none";
}

gw_segment_t
gw_session_venue_segment (gw_venue_t venue)
{
    return venue >= 0 && venue < GW_VENUE_COUNT ? s_venues[venue].hours : GW_SEGMENT_NONE;
}

bool
gw_session_intraday (const char *product)
{
    return !product || !*product || streq (product, "INTRADAY");
}

const char *
gw_session_segment_name (gw_segment_t segment)
{
    return segment >= 0 && segment < GW_SEGMENT_COUNT ? s_hours[segment].name : "none";
}

bool
gw_session_square_off_on (gw_session_t *self)
{
    return self->square_off;
}

bool
gw_session_enforce_hours_on (gw_session_t *self)
{
    return self->enforce_hours;
}

size_t
gw_session_holidays_in (gw_session_t *self, int year)
{
    char prefix[16];
    snprintf (prefix, sizeof prefix, "%04d-", year);
    size_t count = 0;
    for (size_t i = 0; i < self->holiday_count; i++)
        count += strncmp (self->holidays[i], prefix, 5) == 0;
    return count;
}

void
gw_session_log (gw_session_t *self, int64_t now_ns)
{
    s_ist_t ist;
    s_ist (now_ns, &ist);
    size_t holidays = gw_session_holidays_in (self, atoi (ist.day));
    tw_info ("session square_off=%s enforce_hours=%s pre_open=%s holidays_file=%s "
             "holidays_this_year=%zu",
             self->square_off ? "on" : "off", self->enforce_hours ? "on" : "off",
             self->pre_open ? "true" : "false",
             self->holidays_file[0] ? self->holidays_file : "\"\"", holidays);
    if ((self->square_off || self->enforce_hours) && holidays == 0)
        tw_warn ("[session] holidays_file '%s' has no date in %.4s: only weekends are closed",
                 self->holidays_file, ist.day);
}

void
gw_session_report (gw_session_t *self, gw_venue_t venue, gw_market_t market, int64_t now_ns)
{
    if (venue < 0 || venue >= GW_VENUE_COUNT)
        return;
    self->reports[venue].market = market;
    self->reports[venue].at_ns = now_ns;
}

//  The broker's recent report of venue's market, or UNKNOWN.
static gw_market_t
s_reported (gw_session_t *self, gw_venue_t venue, int64_t now_ns)
{
    if (venue < 0 || venue >= GW_VENUE_COUNT)
        return GW_MARKET_UNKNOWN;
    const s_report_t *report = &self->reports[venue];
    if (report->market == GW_MARKET_UNKNOWN || now_ns - report->at_ns > GW_SESSION_REPORT_TTL_NS
        || now_ns < report->at_ns)
        return GW_MARKET_UNKNOWN;
    return report->market;
}

//  The broker's recent report of segment's markets: OPEN when one of its
//  venues is open, else PREOPEN when one is in pre-open, else CLOSED when
//  one is reported, else UNKNOWN.
static gw_market_t
s_reported_segment (gw_session_t *self, gw_segment_t segment, int64_t now_ns)
{
    gw_market_t found = GW_MARKET_UNKNOWN;
    for (int v = 0; v < GW_VENUE_COUNT; v++) {
        if (s_venues[v].hours != segment)
            continue;
        gw_market_t market = s_reported (self, (gw_venue_t) v, now_ns);
        if (market == GW_MARKET_OPEN)
            return market;
        if (market == GW_MARKET_PREOPEN || (market == GW_MARKET_CLOSED && !found))
            found = market;
    }
    return found;
}

static bool
s_holiday (gw_session_t *self, const char *day)
{
    return self->holiday_count
           && bsearch (day, self->holidays, self->holiday_count, TW_DAY_MAX, s_day_cmp);
}

//  Why day is not a trading day ("" when it is), by the calendar.
static const char *
s_closed_day (gw_session_t *self, const s_ist_t *ist)
{
    if (ist->wday == 0)
        return "a Sunday";
    if (ist->wday == 6)
        return "a Saturday";
    if (s_holiday (self, ist->day))
        return "a holiday ([session] holidays_file)";
    return "";
}

//  A trading day of venue: the broker's open or pre-open says so, else
//  the calendar.
static bool
s_trading_day (gw_session_t *self, gw_venue_t venue, const s_ist_t *ist, int64_t now_ns)
{
    gw_market_t market = s_reported (self, venue, now_ns);
    return market == GW_MARKET_OPEN || market == GW_MARKET_PREOPEN || !*s_closed_day (self, ist);
}

bool
gw_session_square_off_due (gw_session_t *self, gw_segment_t segment, int64_t now_ns)
{
    if (!self->square_off || segment < 0 || segment >= GW_SEGMENT_COUNT)
        return false;
    s_ist_t ist;
    s_ist (now_ns, &ist);
    if (ist.minute < self->square_off_min[segment])
        return false;
    gw_market_t market = s_reported_segment (self, segment, now_ns);
    if (market != GW_MARKET_UNKNOWN)
        return market == GW_MARKET_OPEN;
    return ist.minute < s_hours[segment].close && !*s_closed_day (self, &ist);
}

#define S_HHMM_TEXT 8

static void
s_hhmm_text (int minute, char text[S_HHMM_TEXT])
{
    unsigned m = (unsigned) minute % 1440u;
    snprintf (text, S_HHMM_TEXT, "%02u:%02u", m / 60, m % 60);
}

//  enforce_hours: 0, or -1 with the refusal.
static int
s_check_hours (gw_session_t *self, gw_venue_t venue, const s_ist_t *ist, int64_t now_ns,
               char *error, size_t error_size)
{
    const s_hours_t *hours = &s_hours[gw_session_venue_segment (venue)];
    gw_market_t market = s_reported (self, venue, now_ns);
    bool preopen_ok = self->pre_open && hours->preopen_end;
    if (market == GW_MARKET_OPEN || (market == GW_MARKET_PREOPEN && preopen_ok))
        return 0;
    if (market != GW_MARKET_UNKNOWN) {
        snprintf (error, error_size,
                  "market hours: the %s market is %s (the broker's market status of %s)%s",
                  hours->name, market == GW_MARKET_PREOPEN ? "in pre-open" : "closed",
                  gw_session_venue_name (venue),
                  market == GW_MARKET_PREOPEN ? "; [session] pre_open is off" : "");
        return -1;
    }
    const char *closed = s_closed_day (self, ist);
    if (*closed) {
        snprintf (error, error_size, "market hours: the %s market is closed on %s, %s", hours->name,
                  ist->day, closed);
        return -1;
    }
    if (ist->minute >= hours->open && ist->minute < hours->close)
        return 0;
    if (preopen_ok && ist->minute >= hours->start && ist->minute < hours->preopen_end)
        return 0;
    char now[S_HHMM_TEXT], open[S_HHMM_TEXT], close[S_HHMM_TEXT], start[S_HHMM_TEXT],
        end[S_HHMM_TEXT];
    s_hhmm_text (ist->minute, now);
    s_hhmm_text (hours->open, open);
    s_hhmm_text (hours->close, close);
    s_hhmm_text (hours->start, start);
    s_hhmm_text (hours->preopen_end, end);
    char preopen[64] = "";
    if (hours->preopen_end)
        snprintf (preopen, sizeof preopen, ", pre-open %s-%s %s", start, end,
                  self->pre_open ? "taken" : "refused ([session] pre_open)");
    snprintf (error, error_size, "market hours: the %s market is closed at %s IST (open %s-%s%s)",
              hours->name, now, open, close, preopen);
    return -1;
}

int
gw_session_check_open (gw_session_t *self, const char *symbol, const char *product, int64_t now_ns,
                       char *error, size_t error_size)
{
    bool square_off = self->square_off && gw_session_intraday (product);
    if (!self->enforce_hours && !square_off)
        return 0;
    gw_segment_t segment = gw_session_segment (symbol);
    if (segment == GW_SEGMENT_NONE) {
        snprintf (error, error_size,
                  "market hours: no session is known for '%.48s' (NSE:, BSE: or MCX:)", symbol);
        return -1;
    }
    gw_venue_t venue = gw_session_venue (symbol);
    s_ist_t ist;
    s_ist (now_ns, &ist);
    if (self->enforce_hours && s_check_hours (self, venue, &ist, now_ns, error, error_size) != 0)
        return -1;
    int cutoff = self->square_off_min[segment];
    if (square_off
        && (ist.minute >= cutoff || ist.minute < s_hours[segment].start
            || !s_trading_day (self, venue, &ist, now_ns))) {
        char at[S_HHMM_TEXT], now[S_HHMM_TEXT], start[S_HHMM_TEXT];
        s_hhmm_text (cutoff, at);
        s_hhmm_text (ist.minute, now);
        s_hhmm_text (s_hours[segment].start, start);
        snprintf (error, error_size,
                  "EOD square-off: INTRADAY opens in the %s market are refused from %s IST "
                  "until %s IST of its next trading day (now %s %s IST); other products are "
                  "taken",
                  s_hours[segment].name, at, start, ist.day, now);
        return -1;
    }
    return 0;
}
