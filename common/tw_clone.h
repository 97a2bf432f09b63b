//  tw_clone - a subscriber's copy of the gateway's positions, kept by the
//  clone pattern (DESIGN §2, zguide ch. 5).
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

#ifndef TW_CLONE_H_INCLUDED
#define TW_CLONE_H_INCLUDED

#include <czmq.h>

#include "tw_proto.h"

typedef struct _tw_clone_t tw_clone_t;

#define TW_CLONE_SILENCE_MS 3000

//  Called after each (re)snapshot with a TW_MSG_SNAPSHOT_REPLY message, and
//  after each applied event (heartbeats excluded), once the positions table
//  reflects it. msg is only valid during the call.
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

//  For an owner with a zloop: registers the SUB and snapshot sockets and a
//  check timer on loop, so that the copy keeps itself in step (the owner
//  hears of it through fn). Returns 0, or -1 when loop refused them. Destroy
//  the loop before the clone.
int tw_clone_attach (tw_clone_t *self, zloop_t *loop);

bool tw_clone_synced (tw_clone_t *self);
uint64_t tw_clone_epoch (tw_clone_t *self);
uint64_t tw_clone_seq (tw_clone_t *self);
//  How many snapshots were taken (the first one included).
uint64_t tw_clone_resyncs (tw_clone_t *self);

//  The positions, keyed by id; values are tw_position_t *, owned by the
//  clone. Read-only for the caller; closed positions are removed.
zhashx_t *tw_clone_positions (tw_clone_t *self);
const tw_position_t *tw_clone_lookup (tw_clone_t *self, const char *id);

#endif
