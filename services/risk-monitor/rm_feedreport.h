//  rm_feedreport - tells the gateway when a symbol's feed goes stale and
//  when it comes back (the feed_report command, docs/design.md §1), so that
//  the gateway publishes feed_stale for the dashboard.
//
//  Per symbol it keeps the state to report (stale or not, and the age) and
//  the state the gateway has acknowledged. A report goes over the
//  requester (resent with the same req_id on timeout, bounded attempts:
//  docs/design.md §3; the gateway answers a repeat with its first ack and
//  publishes once); at most one per symbol is in flight. One that was given
//  up or rejected is sent again, with a new req_id, by the next
//  rm_feedreport_retry, until the gateway has acknowledged the current
//  state. A symbol whose state flips back before the gateway heard of the
//  first flip is reported once more with the state it has now.

#ifndef RM_FEEDREPORT_H_INCLUDED
#define RM_FEEDREPORT_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "tw_requester.h"

typedef struct _rm_feedreport_t rm_feedreport_t;

//  Sends through requester (not owned; it must outlive the table and take
//  acks). A report expires ttl_ms after it is made. Never NULL.
rm_feedreport_t *rm_feedreport_new (tw_requester_t *requester, int64_t ttl_ms);

//  Cancels the reports in flight (their replies will be stale), destroys
//  the table and nulls *self_p; safe on NULL.
void rm_feedreport_destroy (rm_feedreport_t **self_p);

//  symbol's feed is stale (or not) since age_ms; reports it when the gateway
//  does not know it yet and no report of the symbol is in flight. A symbol
//  never reported stale needs no report that it is not.
void rm_feedreport_set (rm_feedreport_t *self, const char *symbol, bool stale, int64_t age_ms,
                        int64_t now_ms);

//  Sends again what the gateway has not acknowledged and is not in flight.
void rm_feedreport_retry (rm_feedreport_t *self, int64_t now_ms);

//  A new gateway run (a new epoch) knows nothing of what the last one was
//  told: every stale symbol is due again (sent by the next
//  rm_feedreport_retry).
void rm_feedreport_forget (rm_feedreport_t *self);

//  Reports acknowledged by the gateway.
int64_t rm_feedreport_acked (rm_feedreport_t *self);

#endif
