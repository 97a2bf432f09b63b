//  gw_session - the market session rules of the gateway ([session],
//  docs/design.md §4.6 and §8.1; the exchange facts in docs/fyers.md §8):
//  which segment a symbol trades in, whether that segment's market is open
//  at a wall time, and the end-of-day square-off of INTRADAY positions.
//
//  Every time is IST (UTC+05:30, no daylight saving), computed from the
//  wall time in ns whatever the machine's time zone. Segments and their
//  sessions (normal market; equity also has a pre-open order entry):
//    equity     NSE: and BSE: cash and F&O  pre-open 09:00-09:08, 09:15-15:30
//    currency   NSE:/BSE: currency pairs    09:00-17:00 (NSE:USDINR26JANFUT)
//    commodity  MCX:                        09:00-23:30
//  A trading day is a weekday that is not in [session] holidays_file.
//
//  Two rules, each on or off ("auto": on with [gateway] broker fyers, off
//  with paper):
//    enforce_hours  an open is refused outside its segment's normal market
//                   (and its pre-open when [session] pre_open is true).
//    square_off     from square_off_<segment> (HH:MM IST) to the close of a
//                   trading day the segment's INTRADAY positions are due to
//                   be closed (`EOD Square-off`), and its INTRADAY opens are
//                   refused from that minute until the next trading day's
//                   09:00.
//  Both are functions of the time alone, so a restart keeps them.
//
//  When the broker reports the markets' status (Fyers marketStatus,
//  gw_market_poll) and the report is recent, it decides whether a market is
//  open instead of the hours and the calendar. The broker reports each
//  exchange's segment (a venue: NSE cash, NSE F&O, ...); an open is checked
//  against its symbol's venue, the square-off of a segment against the
//  venues of that segment (due while any of them is open).
//
//  Pure logic: the only I/O is reading the holidays file in gw_session_new.

#ifndef GW_SESSION_H_INCLUDED
#define GW_SESSION_H_INCLUDED

#include "tw_config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    GW_SEGMENT_NONE = -1, //  an exchange without known hours
    GW_SEGMENT_EQUITY = 0,
    GW_SEGMENT_CURRENCY,
    GW_SEGMENT_COMMODITY,
    GW_SEGMENT_COUNT
} gw_segment_t;

//  A segment's market as the broker reports it.
typedef enum {
    GW_MARKET_UNKNOWN = 0, //  no recent report: the hours and the calendar decide
    GW_MARKET_OPEN,        //  normal market
    GW_MARKET_PREOPEN,     //  pre-open order entry
    GW_MARKET_CLOSED       //  anything else (closed, pre-open matching, post-close)
} gw_market_t;

//  A market the broker reports on: one exchange's segment (docs/fyers.md §5
//  codes: exchange 10 NSE, 11 MCX, 12 BSE; segment 10 cash, 11 equity
//  derivatives, 12 currency, 20 commodity).
typedef enum {
    GW_VENUE_NONE = -1,
    GW_VENUE_NSE_CM = 0, //  10/10
    GW_VENUE_NSE_FO,     //  10/11
    GW_VENUE_NSE_CD,     //  10/12
    GW_VENUE_BSE_CM,     //  12/10
    GW_VENUE_BSE_FO,     //  12/11
    GW_VENUE_BSE_CD,     //  12/12
    GW_VENUE_MCX_COM,    //  11/20
    GW_VENUE_COUNT
} gw_venue_t;

//  How long a broker report of a segment's market is trusted.
#define GW_SESSION_REPORT_TTL_NS (INT64_C (180) * INT64_C (1000000000))

typedef struct _gw_session_t gw_session_t;

//  Reads [session] (and [gateway] broker for "auto"), and the holidays file
//  when a rule is on. NULL with a one-line reason in err on a bad time, a
//  square-off time outside its segment's normal market, or a holidays file
//  that cannot be read or has a line that is not a comment, blank, or a
//  YYYY-MM-DD date (optionally followed by a # comment).
gw_session_t *gw_session_new (tw_config_t *config, char *err, size_t err_size);

void gw_session_destroy (gw_session_t **self_p);

//  The segment of symbol (EXCH:NAME): NSE: and BSE: are equity unless the
//  name starts with a currency pair (USDINR, EURINR, GBPINR, JPYINR,
//  EURUSD, GBPUSD, USDJPY) and a digit; MCX: is commodity; else NONE. Pure.
gw_segment_t gw_session_segment (const char *symbol);

//  The venue of symbol: its exchange, and for NSE: and BSE: its segment:
//  currency as for gw_session_segment, cash when the name ends in a series
//  ("-EQ", "-BE", "-INDEX", "-A": a '-' followed by letters only), else
//  equity derivatives (NSE:NIFTY24DECFUT, NSE:BAJAJ-AUTO26MARFUT). Pure.
gw_venue_t gw_session_venue (const char *symbol);

//  The venue of Fyers' exchange and segment codes, or NONE. Pure.
gw_venue_t gw_session_venue_of (int exchange, int segment);

//  "NSE CM", "NSE FO", "NSE CD", "BSE CM", "BSE FO", "BSE CD", "MCX COM"
//  ("none" for NONE).
const char *gw_session_venue_name (gw_venue_t venue);

//  The segment whose hours venue keeps (NONE for NONE).
gw_segment_t gw_session_venue_segment (gw_venue_t venue);

//  True for the product the square-off closes: INTRADAY ("" reads as
//  INTRADAY, as an open without a product is one).
bool gw_session_intraday (const char *product);

//  "equity", "currency", "commodity" ("none" for NONE).
const char *gw_session_segment_name (gw_segment_t segment);

//  The IST calendar day (YYYY-MM-DD) and minute of the day of wall_ns.
void gw_session_ist (int64_t wall_ns, char day[11], int *minute);

//  Whether each rule is on.
bool gw_session_square_off_on (gw_session_t *self);
bool gw_session_enforce_hours_on (gw_session_t *self);

//  The holidays in the file for year (an empty file, or last year's, is
//  worth a warning).
size_t gw_session_holidays_in (gw_session_t *self, int year);

//  Logs the rules at start; a rule on without a holiday of now_ns's year
//  in the file is a warning (weekends alone are then closed).
void gw_session_log (gw_session_t *self, int64_t now_ns);

//  True when square_off is on and segment's INTRADAY positions are due to
//  be closed at now_ns: from its square-off minute to its close, on a
//  trading day (or while the broker reports it open).
bool gw_session_square_off_due (gw_session_t *self, gw_segment_t segment, int64_t now_ns);

//  May an open of product in symbol go at now_ns? 0, or -1 with the
//  refusal in error, starting with its rule: "market hours: ..." or
//  "EOD square-off: ...".
int gw_session_check_open (gw_session_t *self, const char *symbol, const char *product,
                           int64_t now_ns, char *error, size_t error_size);

//  The broker's report of venue's normal market at now_ns (trusted for
//  GW_SESSION_REPORT_TTL_NS); UNKNOWN forgets an earlier report, so that
//  the hours and the calendar decide at once.
void gw_session_report (gw_session_t *self, gw_venue_t venue, gw_market_t market, int64_t now_ns);

#endif
