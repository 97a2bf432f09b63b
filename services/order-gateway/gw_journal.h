//  gw_journal - the gateway's trade journal and the day's P&L: the history
//  and pnl commands (docs/design.md §6; proto/README.md has their fields).
//
//  A trading day is an IST calendar day (UTC+05:30, the NSE's): the day
//  "2026-12-01" holds the positions closed from 2026-12-01 00:00 IST up to,
//  not including, the next midnight IST. history pages through the day's
//  closed positions in closing order; pnl sums them up, and adds the
//  unrealised P&L of the positions still open at the last price the journal
//  saw on the feed (the marks: the journal subscribes to the feed's ticks
//  and keeps the last price of each symbol and when it came; a position
//  without one counts 0 and is left out of marked_positions). A snapshot
//  reply carries the marks of its positions when the asker wants them
//  (tradectl positions: proto/README.md).
//
//  Both commands only read: they take no req_id slot and change nothing,
//  so they are answered the same before and during a reconcile. A bad day
//  is a rejected ack. The journal lives on the gateway actor's thread and
//  registers its feed socket on the actor's loop.

#ifndef GW_JOURNAL_H_INCLUDED
#define GW_JOURNAL_H_INCLUDED

#include <czmq.h>
#include <stdint.h>

#include "gw_store.h"
#include "tw_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

//  The IST offset from UTC, in ns.
#define GW_JOURNAL_IST_OFFSET_NS (INT64_C (19800) * INT64_C (1000000000))

//  History page size when the request names none; larger requests are cut
//  to TW_MAX_TRADES.
#define GW_JOURNAL_DEFAULT_LIMIT 100

typedef struct _gw_journal_t gw_journal_t;

//  A journal over store (not owned). When feed_endpoint is not empty it
//  subscribes there to every tick, with a reader on loop, for the marks.
gw_journal_t *gw_journal_new (gw_store_t *store, zloop_t *loop, const char *feed_endpoint);

//  Removes the reader and frees the journal; nulls *self_p; safe on NULL.
void gw_journal_destroy (gw_journal_t **self_p);

//  Answers a history request: a history_reply, or a rejected ack.
void gw_journal_history (gw_journal_t *self, const tw_msg_t *request, tw_msg_t *reply);

//  Answers a pnl request: a pnl_reply, or a rejected ack.
void gw_journal_pnl (gw_journal_t *self, const tw_msg_t *request, tw_msg_t *reply);

//  The last price seen for symbol on the feed, 0 when none.
double gw_journal_last (gw_journal_t *self, const char *symbol);

//  Records a mark (what a tick does): symbol at ltp, now (wall clock).
void gw_journal_mark (gw_journal_t *self, const char *symbol, double ltp);

//  Gives snapshot (a reply with its positions and no marks yet) the marks of
//  its positions' symbols, one per symbol that has one, in a malloc'd array
//  the reply owns (none: NULL and 0).
void gw_journal_add_marks (gw_journal_t *self, tw_snapshot_t *snapshot);

//  Resolves day ("YYYY-MM-DD", or "" for the IST day of now_ns) to its
//  name in day_out (TW_DAY_MAX bytes) and its range [*from_ns, *to_ns).
//  Returns 0, or -1 with a one-line reason in err.
int gw_journal_day_range (const char *day, int64_t now_ns, char *day_out, int64_t *from_ns,
                          int64_t *to_ns, char *err, size_t err_size);

#ifdef __cplusplus
}
#endif

#endif
