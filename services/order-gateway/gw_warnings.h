//  gw_warnings - the conditions a person should know of that the gateway
//  publishes for the dashboard (docs/design.md §1 and §4.5): feed_stale,
//  relayed from the risk-monitor's feed_report, and token_expiry, raised
//  from what the broker actor says of its access token.
//
//  Both are events that take a seq (gw_events_commit, like trading_state)
//  so that they reach every clone in order, and change no position: only
//  the seq and, for a feed_report, the ack under its req_id are written (a
//  repeat of the report gets that ack and publishes nothing again). The
//  symbols published stale are kept in memory: a report that says what was
//  published already (a stale symbol stale, or a symbol never reported
//  stale back) is acknowledged and publishes nothing. A new gateway run
//  starts knowing none: the risk-monitor reports its stale symbols again
//  when it sees the new epoch.
//
//  The broker actor reports its token's exp on every call it hands back
//  (gw_call_t token_exp); gw_warnings_token keeps the last one, and
//  gw_warnings_check (at each heartbeat) publishes token_expiry when the
//  warning starts ([gateway] token_warn_min before the exp), when the exp
//  passes, and when a new token ends it (active false).

#ifndef GW_WARNINGS_H_INCLUDED
#define GW_WARNINGS_H_INCLUDED

#include "gw_events.h"
#include "tw_proto.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct _gw_warnings_t gw_warnings_t;

//  events is not owned. warn_lead_s is [gateway] token_warn_min in seconds
//  (0: no token warning). Never NULL.
gw_warnings_t *gw_warnings_new (gw_events_t *events, int64_t warn_lead_s);
void gw_warnings_destroy (gw_warnings_t **self_p);

//  Relays request (a feed_report) as a feed_stale event, storing reply (the
//  accepted ack) with it, unless it says what was published already (then
//  nothing is written). Returns TW_ACK_ACCEPTED, or TW_ACK_REJECTED with a
//  reason in error when the store failed (nothing published).
tw_ack_status_t gw_warnings_feed (gw_warnings_t *self, const tw_msg_t *request,
                                  const tw_msg_t *reply, char *error, size_t error_size);

//  The broker's access token ends at exp (Unix seconds; 0: the broker has
//  none, as the paper broker). Publishes nothing by itself.
void gw_warnings_token (gw_warnings_t *self, int64_t exp);

//  Publishes token_expiry when its state at now_ns (wall clock, ns since the
//  Unix epoch) differs from the one last published. A failed write is tried
//  again next time.
void gw_warnings_check (gw_warnings_t *self, int64_t now_ns);

#endif
