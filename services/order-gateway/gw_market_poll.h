//  gw_market_poll - the markets' status from the broker (docs/fyers.md §4,
//  docs/design.md §4.6): the broker's word on whether a market is open,
//  handed to the session rules (gw_session_report).
//
//  Every [session] market_status_interval_ms (after the answer to the last
//  poll) one GW_OP_MARKET_STATUS call goes through gw_jobs. In a usable
//  reply, the NORMAL market of each venue (gw_session.h) is reported as
//  OPEN, PREOPEN or CLOSED; a venue the reply leaves out, or gives a status
//  not known here, is reported UNKNOWN. A failed call or an unusable reply
//  forgets every report, so that the hours and the holidays file decide at
//  once, with a warning at most once per GW_MARKET_POLL_WARN_MS; the first
//  usable reply after that is logged. Everything runs on the gateway's loop.

#ifndef GW_MARKET_POLL_H_INCLUDED
#define GW_MARKET_POLL_H_INCLUDED

#include "gw_call.h"
#include "gw_jobs.h"
#include "gw_session.h"

//  The market type whose status decides (docs/fyers.md §4).
#define GW_MARKET_POLL_TYPE "NORMAL"

//  At most one "market status unavailable" warning in this long.
#define GW_MARKET_POLL_WARN_MS (INT64_C (5) * 60 * 1000)

typedef struct _gw_market_poll_t gw_market_poll_t;

//  The wall clock (ns since the epoch) the reports are stamped with: the
//  session rules' clock.
typedef int64_t (gw_market_poll_clock_fn) (void);

//  Starts polling at once through jobs, reporting to session (neither is
//  owned; both outlive the poll), every interval_ms (> 0).
gw_market_poll_t *gw_market_poll_new (gw_jobs_t *jobs, gw_session_t *session, int64_t interval_ms,
                                      gw_market_poll_clock_fn *wall_clock);

//  Stops polling (a call in flight is dropped when it returns) and nulls
//  *self_p; safe on NULL.
void gw_market_poll_destroy (gw_market_poll_t **self_p);

//  The session's view of a Fyers status text ("OPEN", "PREOPEN", "CLOSE",
//  "CLOSED", "PREOPEN_CLOSED", "POSTCLOSE_START", "POSTCLOSE_CLOSED"; any
//  case); UNKNOWN for anything else. Pure.
gw_market_t gw_market_poll_status (const char *status);

//  Reports the markets of a MARKET_STATUS call that succeeded to session at
//  now_ns, as described above. Returns how many venues were reported known.
size_t gw_market_poll_apply (gw_session_t *session, const gw_call_t *call, int64_t now_ns);

//  Polls answered with a usable reply, and polls that failed, since new.
uint64_t gw_market_poll_ok (gw_market_poll_t *self);
uint64_t gw_market_poll_failed (gw_market_poll_t *self);

#endif
