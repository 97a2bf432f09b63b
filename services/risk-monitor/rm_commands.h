//  rm_commands - the risk-monitor's rules for its commands to the gateway,
//  keyed by position id. The transport (a DEALER that never blocks, the
//  req_id table, resends byte for byte with the same req_id, bounded
//  attempts: docs/design.md §3) is a tw_requester, given by the caller.
//
//  The table reads no clock: the caller passes the monotonic time, and
//  calls rm_commands_expire every few tens of milliseconds. Per position
//  there is at most one entry, in one of these states:
//    in flight   a close or a modify is with the requester. When it gives
//                the command up after every attempt (an error line) the
//                entry is forgotten, so the next tick that still breaches
//                asks again with a new req_id.
//    held        a close was acknowledged accepted or duplicate: no new close
//                until the clone shows the position closing, closed or
//                failed (rm_commands_release) or hold_ms has passed. When
//                the clone showed it before the ack came, there is no hold.
//    backing off a close was rejected (the gateway's cooldown after an
//                exit_failed, say): no new close for reject_backoff_ms.
//  A close replaces a modify in flight (an exit never waits for a stop move;
//  the modify is cancelled and its late reply is stale). A modify is sent
//  only for a position without an entry.
//
//  The table logs acks that are not accepted and give-ups, once each, where
//  it knows why.

#ifndef RM_COMMANDS_H_INCLUDED
#define RM_COMMANDS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tw_proto.h"
#include "tw_requester.h"

typedef struct _rm_commands_t rm_commands_t;

typedef struct {
    int64_t reject_backoff_ms; //  [risk] reject_backoff_ms, >= 0
    int64_t hold_ms;           //  after an accepted close, >= 0
} rm_commands_config_t;

typedef struct {
    uint64_t closes_sent;     //  closes started (each with a new req_id)
    uint64_t closes_accepted; //  acked accepted or duplicate
    uint64_t closes_rejected;
    uint64_t modifies_sent;
    uint64_t modifies_accepted; //  acked accepted or duplicate
    uint64_t modifies_rejected;
    //  Retries, give-ups and stale replies: the requester's stats.
} rm_commands_stats_t;

//  Creates an empty table that sends through requester (not owned: it must
//  outlive the table), and makes the requester take acks only. Never NULL (aborts when out of
//  memory, as CZMQ does).
rm_commands_t *rm_commands_new (const rm_commands_config_t *config, tw_requester_t *requester);

//  Destroys the table and nulls *self_p; safe on NULL. Commands in flight are
//  cancelled in the requester (their replies will be stale).
void rm_commands_destroy (rm_commands_t **self_p);

//  True when a close for id may be sent now: no close in flight, not held,
//  not backing off.
bool rm_commands_may_close (rm_commands_t *self, const char *id, int64_t now_ms);

//  True when a modify for id may be sent now: the position has no entry.
bool rm_commands_may_modify (rm_commands_t *self, const char *id, int64_t now_ms);

//  Hands msg, a close or a modify with a fresh req_id (and expires_at) set,
//  to the requester until it is answered or given up. Returns 0 when it is
//  in flight (even if the first send failed: it will be sent again), -1
//  when the rules above forbid it now or the requester refused it (nothing
//  sent).
int rm_commands_start (rm_commands_t *self, const tw_msg_t *msg, int64_t now_ms);

//  Drops holds and backoffs that have run out (the requester times out
//  and resends commands by itself).
void rm_commands_expire (rm_commands_t *self, int64_t now_ms);

//  The clone shows that a close took effect or failed: a hold on id ends.
void rm_commands_release (rm_commands_t *self, const char *id);

//  The position is gone: forget everything about id.
void rm_commands_forget (rm_commands_t *self, const char *id);

//  The command in flight for id, or NULL. Owned by the requester; valid
//  until the next call.
const tw_msg_t *rm_commands_pending (rm_commands_t *self, const char *id);

//  Commands in flight (held and backing-off entries excluded).
size_t rm_commands_in_flight (rm_commands_t *self);

const rm_commands_stats_t *rm_commands_stats (rm_commands_t *self);

#endif
