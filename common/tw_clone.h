//  tw_clone - a subscriber's copy of the gateway's positions, kept by the
//  clone pattern (docs/design.md §2, zguide ch. 5).
//
//  It subscribes to the gateway's PUB first, then asks for a snapshot over
//  the command endpoint, then applies only events whose seq follows the
//  snapshot's: the first applied must be snapshot seq + 1, each next one +1.
//  A gap, an epoch change or 3 s without any message (the gateway sends a
//  heartbeat every second) throws the copy away and takes a new snapshot.
//  The owner polls tw_clone_socket for input and calls tw_clone_recv, and
//  calls tw_clone_check at least once a second (or whenever
//  tw_clone_snapshot_socket has input, to be synced sooner).
//
//  Nothing here blocks: the snapshot is asked for on a DEALER and its reply
//  is taken by the next tw_clone_check or tw_clone_recv that finds it there;
//  events that arrive meanwhile are kept and applied after it, as the clone
//  pattern asks. A gateway that is down costs nothing but the wait.
//
//  The request says that the clone takes a snapshot in parts (parts=true):
//  a snapshot larger than one reply comes back as `parts` replies, part 0
//  first, all with the same epoch and seq (docs/design.md §2); the copy is
//  synced when the last one is in. A part out of order, or silence of 1 s
//  between parts, starts over with a new request.
//
//  An unsynced copy is never silent: tw_clone_why says why, and
//  tw_clone_unsynced_ms for how long; past TW_CLONE_UNSYNCED_ERROR_MS
//  tw_clone_check logs it as an error, repeated while it lasts.

#ifndef TW_CLONE_H_INCLUDED
#define TW_CLONE_H_INCLUDED

#include <czmq.h>

#include "tw_proto.h"

typedef struct _tw_clone_t tw_clone_t;

#define TW_CLONE_SILENCE_MS 3000
//  Unsynced this long, tw_clone_check logs an error, and again every 5 s
//  while it lasts, with tw_clone_why: an owner then watches nothing.
#define TW_CLONE_UNSYNCED_ERROR_MS 2000

//  Called after each (re)snapshot with a TW_MSG_SNAPSHOT_REPLY message that
//  carries the epoch, seq and number of parts but no positions (they are in
//  tw_clone_positions by then), and after each applied event (heartbeats
//  excluded), once the positions table reflects it. msg is only valid
//  during the call.
typedef void (tw_clone_fn) (tw_clone_t *clone, const tw_msg_t *msg, void *arg);

//  Creates a clone that subscribes to pub_endpoint and takes snapshots from
//  cmd_endpoint. fn may be NULL. Returns NULL if the sockets cannot be made.
//  The first snapshot is asked for by the first tw_clone_check.
tw_clone_t *tw_clone_new (const char *pub_endpoint, const char *cmd_endpoint, tw_clone_fn *fn,
                          void *arg);

//  Destroys the clone and nulls *self_p; safe on NULL.
void tw_clone_destroy (tw_clone_t **self_p);

//  The SUB socket, to poll for input.
zsock_t *tw_clone_socket (tw_clone_t *self);

//  The DEALER the snapshot comes back on, to poll for input (optional).
zsock_t *tw_clone_snapshot_socket (tw_clone_t *self);

//  Reads one message from the SUB socket and applies it (or keeps it while
//  a snapshot is awaited). Returns 0, or -1 when it was malformed or made the
//  copy resync.
int tw_clone_recv (tw_clone_t *self);

//  Takes a snapshot reply that has arrived; asks for a snapshot when not
//  synced (and none is out) or when the gateway was silent for
//  TW_CLONE_SILENCE_MS. Never blocks. Returns 0 when synced, -1 otherwise.
int tw_clone_check (tw_clone_t *self);

//  For an owner with a zloop: registers the SUB and snapshot sockets and the
//  check timers on loop, so that the copy keeps itself in step (the owner
//  hears of it through fn), and asks for the first snapshot at once: while
//  unsynced it retries every 10 ms, so the copy is synced within a round
//  trip of the gateway being connected. The SUB reader takes every queued
//  event per wake (up to 1024). Returns 0, or -1 when loop refused them.
//  Destroy the loop before the clone.
int tw_clone_attach (tw_clone_t *self, zloop_t *loop);

bool tw_clone_synced (tw_clone_t *self);
uint64_t tw_clone_epoch (tw_clone_t *self);
uint64_t tw_clone_seq (tw_clone_t *self);
//  The gateway's trading state as of the copy: the snapshot's, then each
//  trading_state event's and heartbeat's (TW_TRADING_NONE from a gateway
//  that does not say). The snapshot callback's message carries it too.
tw_trading_state_t tw_clone_trading_state (tw_clone_t *self);
//  How many snapshots were taken (the first one included).
uint64_t tw_clone_resyncs (tw_clone_t *self);
//  How long the copy has been unsynced (since it was created or last lost),
//  or 0 when synced.
int64_t tw_clone_unsynced_ms (tw_clone_t *self);
//  Why the copy is not synced ("" when it is): no request yet, the gateway
//  not connected, no reply in time, a refusal and its error, a gap...
const char *tw_clone_why (tw_clone_t *self);

//  The positions, keyed by id; values are tw_position_t *, owned by the
//  clone. Read-only for the caller; closed positions are removed. A
//  position is updated in place: its tw_position_t * stays valid, through
//  every event, until the position is removed (a position_closed, whose
//  callback runs after the removal, or a resync: the copy is thrown away
//  before the next TW_MSG_SNAPSHOT_REPLY callback, and already during the
//  callback of the event that caused it).
zhashx_t *tw_clone_positions (tw_clone_t *self);
const tw_position_t *tw_clone_lookup (tw_clone_t *self, const char *id);

#endif
