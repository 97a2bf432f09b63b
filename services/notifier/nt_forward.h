//  nt_forward - forwards the close and flatten requests of WebSocket clients
//  to the gateway, and the verdicts back to them.
//
//  A close becomes a gateway `close` with reason "Manual Close", a flatten a
//  gateway `flatten` with reason "Kill Switch" (every open position closed,
//  the gateway halted: docs/design.md §4.5); each with a fresh req_id and an
//  expires_at at the end of the requester's whole window (every attempt), so
//  that a command the gateway sees late is refused rather than acted on. The transport (a DEALER
//  that never blocks, resends with the same req_id, bounded attempts: docs/design.md §3; the
//  gateway answers a repeat with its first reply and never closes twice) is a tw_requester, given
//  by the caller. A request completes exactly once, through the owner's callback: with the
//  gateway's ack (accepted, duplicate or rejected), or with status "timeout" when no attempt was
//  answered. At most NT_FORWARD_MAX requests are in flight.

#ifndef NT_FORWARD_H_INCLUDED
#define NT_FORWARD_H_INCLUDED

#include <czmq.h>
#include <stdint.h>

#include "tw_requester.h"

#define NT_FORWARD_MAX 64

typedef struct _nt_forward_t nt_forward_t;

//  A request has completed: request is "close" or "flatten"; status is
//  "accepted", "duplicate", "rejected" or "timeout"; id is the position id
//  ("" for a flatten); error is "" unless rejected or timed out. The
//  strings are only valid during the call.
typedef void (nt_forward_fn) (uint64_t client, const char *request, const char *status,
                              const char *id, const char *error, void *arg);

//  Creates a forwarder that sends through requester (not owned: it must
//  outlive the forwarder, and carry only the forwarder's requests), and
//  bounds the requester to NT_FORWARD_MAX requests in flight. Never NULL
//  (aborts when out of memory, as CZMQ does).
nt_forward_t *nt_forward_new (tw_requester_t *requester, nt_forward_fn *fn, void *arg);

//  Destroys the forwarder and nulls *self_p; requests in flight are
//  dropped without a callback. Safe on NULL.
void nt_forward_destroy (nt_forward_t **self_p);

//  Starts forwarding a close of position id for client. Returns 0, or -1
//  with a reason in err (too many in flight) and no callback to come.
int nt_forward_close (nt_forward_t *self, uint64_t client, const char *id, char *err,
                      size_t err_size);

//  Starts forwarding a flatten (reason "Kill Switch") for client. Returns
//  0, or -1 with a reason in err (too many in flight) and no callback to
//  come.
int nt_forward_flatten (nt_forward_t *self, uint64_t client, char *err, size_t err_size);

//  Requests forwarded, closes and flattens (each counted once, however
//  many sends it took).
int64_t nt_forward_sent (nt_forward_t *self);

#endif
