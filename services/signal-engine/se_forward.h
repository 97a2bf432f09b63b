//  se_forward - the signal-engine's open and close commands to the gateway:
//  who asked for each (a model, whose ROUTER envelope waits for the
//  verdict, or the strategy) and what it asked for. The transport (a
//  DEALER that never blocks, resends with the same req_id, bounded
//  attempts: docs/design.md §3) is a tw_requester, given by the caller.
//
//  The owner's callback is called exactly once per command: with the
//  gateway's ack, or with NULL when the requester gave it up. A command
//  whose req_id is already in flight (a model retrying its signal) is not
//  sent again: it joins the one in flight, and the verdict goes to the
//  latest asker.

#ifndef SE_FORWARD_H_INCLUDED
#define SE_FORWARD_H_INCLUDED

#include <czmq.h>

#include "tw_proto.h"
#include "tw_requester.h"

typedef struct _se_forward_t se_forward_t;

//  One command, a plain record the owner fills and hands over.
typedef struct {
    tw_msg_t command;             //  open or close, with req_id and expires_at
    zmsg_t *envelope;             //  the external model's ROUTER envelope, or NULL
    char origin[TW_NAME_MAX];     //  who asked: the model's name, or the strategy's
    char reply_req_id[TW_ID_MAX]; //  the req_id the origin's ack carries
    char symbol[TW_SYMBOL_MAX];   //  what the origin asked for, for the owner
    tw_action_t action;
    int attempts;          //  sends it took, set for the callback
    se_forward_t *forward; //  set by se_forward_send
} se_pending_t;

//  The verdict on a command: ack is the gateway's reply, NULL when the
//  command was given up. The callback may take pending->envelope (and must
//  then null it); the forwarder frees the rest after the call. It must not
//  destroy the forwarder.
typedef void (se_forward_fn) (se_pending_t *pending, const tw_msg_t *ack, void *arg);

//  Creates a forwarder that sends through requester (not owned: it must
//  outlive the forwarder, and carry only the forwarder's commands), and
//  makes the requester take acks only. Never NULL (aborts when out of
//  memory, as CZMQ does).
se_forward_t *se_forward_new (tw_requester_t *requester, se_forward_fn *fn, void *arg);

//  Destroys the forwarder and nulls *self_p; safe on NULL. Commands still in
//  flight are dropped without a callback (see se_forward_abandon).
void se_forward_destroy (se_forward_t **self_p);

//  A zeroed record for se_forward_send. Never NULL (aborts when out of
//  memory, as CZMQ does).
se_pending_t *se_pending_new (void);

//  Frees a record that was not handed over, and its envelope; nulls
//  *self_p; safe on NULL.
void se_pending_destroy (se_pending_t **self_p);

//  Takes *pending_p (and nulls it) and sends its command, now_ms being the
//  monotonic time. The command must carry a req_id. When a command with the
//  same req_id is in flight, no second one is sent: the one in flight is
//  kept with its attempts, and the newer envelope and reply_req_id replace
//  the older ones. Returns 0 when sent or queued for its next attempt, 1
//  when joined, -1 when the requester refused it (the callback has had it,
//  with NULL).
int se_forward_send (se_forward_t *self, se_pending_t **pending_p, int64_t now_ms);

//  Takes every command out of flight and calls fn (not the forwarder's own
//  callback) with a NULL ack for each, then frees it: how the owner hands
//  back what is in flight when it stops. Returns how many there were.
size_t se_forward_abandon (se_forward_t *self, se_forward_fn *fn, void *arg);

//  The command in flight with req_id, or NULL. Read-only for the caller.
const se_pending_t *se_forward_lookup (se_forward_t *self, const char *req_id);

#endif
