//  nt_forward - forwards the close requests of WebSocket clients to the
//  gateway without ever blocking the notifier's loop.
//
//  Each request becomes a gateway `close` with reason "Manual Close", a
//  fresh req_id and an expires_at, sent on a DEALER (tw_sock_dealer_new:
//  LINGER 0, ZMQ_IMMEDIATE) whose sends never wait (send timeout 0). When
//  no ack comes within timeout_ms the same close, with the same req_id, is
//  sent again, up to `attempts` sends in all (Lazy Pirate, DESIGN §3: the
//  gateway answers a repeat with its first reply and never closes twice).
//  expires_at is the end of that whole window, so a close the gateway sees
//  late is refused rather than acted on. A request completes exactly once,
//  through the owner's callback: with the gateway's ack (accepted,
//  duplicate or rejected), or with status "timeout" when no attempt was
//  answered. At most NT_FORWARD_MAX requests are in flight.
//
//  The owner polls nt_forward_socket and calls nt_forward_recv, and calls
//  nt_forward_tick at least every NT_FORWARD_TICK_MS.

#ifndef NT_FORWARD_H_INCLUDED
#define NT_FORWARD_H_INCLUDED

#include <czmq.h>
#include <stdint.h>

#define NT_FORWARD_MAX 64
#define NT_FORWARD_TICK_MS 100

typedef struct _nt_forward_t nt_forward_t;

//  A request has completed: status is "accepted", "duplicate", "rejected"
//  or "timeout"; id is the position id; error is "" unless rejected or
//  timed out. The strings are only valid during the call.
typedef void (nt_forward_fn) (uint64_t client, const char *status, const char *id,
                              const char *error, void *arg);

//  Connects to the gateway's command endpoint. Returns NULL (logged) when
//  the socket cannot be made.
nt_forward_t *nt_forward_new (const char *endpoint, int timeout_ms, int attempts, nt_forward_fn *fn,
                              void *arg);

//  Destroys the forwarder and nulls *self_p; requests in flight are
//  dropped without a callback. Safe on NULL.
void nt_forward_destroy (nt_forward_t **self_p);

//  The DEALER socket, to poll for replies.
zsock_t *nt_forward_socket (nt_forward_t *self);

//  Starts forwarding a close of position id for client. Returns 0, or -1
//  with a reason in err (too many in flight) and no callback to come.
int nt_forward_close (nt_forward_t *self, uint64_t client, const char *id, char *err,
                      size_t err_size);

//  Reads one reply from the DEALER socket and completes its request;
//  replies to nothing in flight (a late repeat) are ignored.
void nt_forward_recv (nt_forward_t *self);

//  Resends what is due and completes what has run out of attempts.
void nt_forward_tick (nt_forward_t *self);

size_t nt_forward_in_flight (nt_forward_t *self);

//  Closes handed to the gateway (first sends that went out; retries not counted).
int64_t nt_forward_sent (nt_forward_t *self);

#endif
