//  rm_commands - the risk-monitor's commands to the gateway, keyed by
//  position id, sent over a DEALER without ever blocking the tick loop
//  (DESIGN §3: Lazy Pirate retries with the same req_id).
//
//  The table does not own a socket or read a clock: the caller gives a send
//  function (the DEALER, with a zero send timeout), passes the acks it reads
//  and the monotonic time, and calls rm_commands_expire every few tens of
//  milliseconds. Per position there is at most one entry, in one of these
//  states:
//    in flight   a close or a modify was sent and has no reply yet. After
//                timeout_ms without one it is sent again, byte for byte the
//                same (same req_id, same expires_at: the gateway answers a
//                repeat with its first reply and does nothing twice), up to
//                `attempts` sends in all; then the table gives up (an error
//                line) and forgets it, so the next tick that still breaches
//                asks again with a new req_id. A send that fails at once
//                (no gateway connected) counts as a sent attempt.
//    held        a close was acknowledged accepted or duplicate: no new close
//                until the clone shows the position closing, closed or
//                failed (rm_commands_release) or hold_ms has passed. When
//                the clone showed it before the ack came, there is no hold.
//    backing off a close was rejected (the gateway's cooldown after an
//                exit_failed, say): no new close for reject_backoff_ms.
//  A close replaces a modify in flight (an exit never waits for a stop move;
//  the modify's late reply is then ignored). A modify is sent only for a
//  position without an entry. Replies are matched by req_id; one for no
//  command in flight is counted as stale and ignored.
//
//  The table logs acks that are not accepted, retries and give-ups, once
//  each, where it knows why.

#ifndef RM_COMMANDS_H_INCLUDED
#define RM_COMMANDS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tw_proto.h"

typedef struct _rm_commands_t rm_commands_t;

//  Sends msg (a close or a modify) to the gateway without blocking. Returns
//  0 when it left, -1 when it could not.
typedef int (rm_commands_send_fn) (const tw_msg_t *msg, void *arg);

typedef struct {
    int64_t timeout_ms;        //  [risk] command_timeout_ms, > 0
    int attempts;              //  [risk] command_attempts, >= 1
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
    uint64_t retries;       //  sends repeated after a timeout
    uint64_t gave_up;       //  commands abandoned after every attempt
    uint64_t stale_replies; //  acks for no command in flight
} rm_commands_stats_t;

//  What an ack answered.
typedef struct {
    tw_msg_type_t kind; //  TW_MSG_CLOSE or TW_MSG_MODIFY
    char id[TW_ID_MAX];
    tw_ack_status_t status;
    int attempts; //  sends it took
} rm_reply_t;

//  Creates an empty table. Returns NULL when out of memory.
rm_commands_t *rm_commands_new (const rm_commands_config_t *config, rm_commands_send_fn *send,
                                void *arg);

//  Destroys the table and nulls *self_p; safe on NULL. Commands in flight are
//  forgotten (their replies will find nobody).
void rm_commands_destroy (rm_commands_t **self_p);

//  True when a close for id may be sent now: no close in flight, not held,
//  not backing off.
bool rm_commands_may_close (rm_commands_t *self, const char *id, int64_t now_ms);

//  True when a modify for id may be sent now: the position has no entry.
bool rm_commands_may_modify (rm_commands_t *self, const char *id, int64_t now_ms);

//  Sends msg, a close or a modify with its req_id (and expires_at) set, and
//  keeps a copy until it is answered or given up. Returns 0 when it is in
//  flight (even if the first send failed: it will be sent again), -1 when
//  the rules above forbid it now (nothing sent).
int rm_commands_start (rm_commands_t *self, const tw_msg_t *msg, int64_t now_ms);

//  Matches an ack to its command. Returns 1 and fills *out (may be NULL)
//  when it answered a command in flight, 0 when it is stale or not an ack.
int rm_commands_on_reply (rm_commands_t *self, const tw_msg_t *reply, int64_t now_ms,
                          rm_reply_t *out);

//  Sends again what timed out, gives up what has used every attempt, and
//  drops holds and backoffs that have run out.
void rm_commands_expire (rm_commands_t *self, int64_t now_ms);

//  The clone shows that a close took effect or failed: a hold on id ends.
void rm_commands_release (rm_commands_t *self, const char *id);

//  The position is gone: forget everything about id.
void rm_commands_forget (rm_commands_t *self, const char *id);

//  The command in flight for id, or NULL. Owned by the table; valid until
//  the next call.
const tw_msg_t *rm_commands_pending (rm_commands_t *self, const char *id);

//  Commands in flight (held and backing-off entries excluded).
size_t rm_commands_in_flight (rm_commands_t *self);

const rm_commands_stats_t *rm_commands_stats (rm_commands_t *self);

#endif
