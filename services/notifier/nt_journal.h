//  nt_journal - the day's trade journal and P&L for the dashboard, asked of
//  the gateway (its history and pnl commands, proto/README.md).
//
//  Every NT_JOURNAL_MS, and soon after nt_journal_refresh (a position
//  closed), it asks the gateway for today's pnl, then for today's trades
//  (the first NT_JOURNAL_TRADES_MAX of them, in closing order), through a
//  tw_requester of its own (never waiting: replies come on the owner's
//  loop). When both have come it calls the owner's function with them;
//  the owner makes the journal frame (nt_json_journal) and sends it when
//  it changed. At most one round is in flight; a round that gets no reply
//  is dropped, and the next one starts on time. The gateway being down
//  costs nothing but the requester's retries.

#ifndef NT_JOURNAL_H_INCLUDED
#define NT_JOURNAL_H_INCLUDED

#include <czmq.h>

#include "tw_proto.h"

//  How often the journal is asked for, and how many trades.
#define NT_JOURNAL_MS 2000
#define NT_JOURNAL_TRADES_MAX TW_MAX_TRADES

typedef struct _nt_journal_t nt_journal_t;

//  A round has completed: pnl and history are the gateway's replies, valid
//  only during the call.
typedef void (nt_journal_fn) (const tw_pnl_reply_t *pnl, const tw_history_reply_t *history,
                              void *arg);

//  A journal asking the gateway at gateway_rep, each request waiting
//  timeout_ms, its socket and timers on loop. NULL (logged) when the socket
//  cannot be made.
nt_journal_t *nt_journal_new (zloop_t *loop, const char *gateway_rep, int64_t timeout_ms,
                              nt_journal_fn *fn, void *arg);

//  Ends the journal (a round in flight is dropped) and nulls *self_p; safe
//  on NULL. Destroy the loop first (as for tw_requester_attach).
void nt_journal_destroy (nt_journal_t **self_p);

//  Asks for a new round soon (at once when none is in flight).
void nt_journal_refresh (nt_journal_t *self);

//  Rounds completed.
int64_t nt_journal_rounds (nt_journal_t *self);

#endif
