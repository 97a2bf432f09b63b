//  nt_riskwatch - the notifier's watch on the risk-monitor (issue 11: an
//  unwatched stop is never silent). A risk-monitor that is down, or up but
//  not in sync with the gateway, watches no stop-loss or take-profit, and
//  nothing else on the dashboard would say so.
//
//  Every interval_ms it sends ping to the risk-monitor's control endpoint
//  ([endpoints] risk_control, the ping `tradectl ping risk-monitor` sends)
//  through a tw_requester of its own: a DEALER with one attempt whose sends
//  never wait, the pong coming on the owner's zloop like any other input.
//  A blocking REQ (tw_client) was not chosen: even a short bounded wait
//  stops the notifier's loop (its clients' frames, the gateway's events)
//  once per interval for as long as the risk-monitor is down, the very time
//  the dashboard matters most.
//
//  Each interval is one look. A look is good when the pong came from the
//  risk-monitor with counter synced 1. It is bad when no pong came before
//  the next ping is due (the late one is cancelled; a pong after that is
//  dropped) - "not answering" - or when the pong says synced 0, lacks the
//  counter or comes from another service - "not in sync". The watch is
//  lost after NT_RISKWATCH_BAD_LOOKS bad looks in a row (so that a
//  risk-monitor still syncing at start-up, or one slow pong, raises
//  nothing), and is back at the first good look. While it is lost the
//  warning NT_RISKWATCH_WARNING is in force: the owner's function is called
//  when it starts, when its reason changes (not answering -> not in sync)
//  and when it ends; the first good look after the start ends nothing and
//  is not reported. While the watch is lost an error line says so again
//  every NT_RISKWATCH_REMIND_MS.

#ifndef NT_RISKWATCH_H_INCLUDED
#define NT_RISKWATCH_H_INCLUDED

#include <czmq.h>

//  Bad looks in a row before the watch is lost, and the pace of the error
//  line that repeats it while it is.
#define NT_RISKWATCH_BAD_LOOKS 2
#define NT_RISKWATCH_REMIND_MS 60000

//  The name of the warning the owner raises while the watch is lost.
#define NT_RISKWATCH_WARNING "risk_unwatched"

typedef enum {
    NT_RISKWATCH_UNKNOWN,  //  since the start, until a good look or enough bad ones
    NT_RISKWATCH_WATCHED,  //  the last look was good
    NT_RISKWATCH_SILENT,   //  lost: the last look got no pong
    NT_RISKWATCH_UNSYNCED, //  lost: the last look's pong was not "in sync"
} nt_riskwatch_state_t;

typedef struct _nt_riskwatch_t nt_riskwatch_t;

//  The warning started or changed (active true), or ended (false); text
//  says it for people. Valid during the call.
typedef void (nt_riskwatch_fn) (bool active, const char *text, void *arg);

//  A watch pinging endpoint every interval_ms (> 0), its socket and timers
//  on loop. NULL (logged) when the socket cannot be made.
nt_riskwatch_t *nt_riskwatch_new (zloop_t *loop, const char *endpoint, int64_t interval_ms,
                                  nt_riskwatch_fn *fn, void *arg);

//  Ends the watch (a ping in flight is dropped) and nulls *self_p; safe on
//  NULL. Destroy the loop first (as for tw_requester_attach).
void nt_riskwatch_destroy (nt_riskwatch_t **self_p);

//  The verdict now.
nt_riskwatch_state_t nt_riskwatch_state (nt_riskwatch_t *self);

//  The warning's text while it is in force, NULL otherwise (a static
//  string).
const char *nt_riskwatch_warning (nt_riskwatch_t *self);

//  Pings sent, and pings that got no pong in time.
int64_t nt_riskwatch_pings (nt_riskwatch_t *self);
int64_t nt_riskwatch_unanswered (nt_riskwatch_t *self);

#endif
