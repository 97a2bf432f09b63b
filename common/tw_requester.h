//  tw_requester - a non-blocking Lazy Pirate client (docs/design.md §3):
//  requests to one server over a DEALER, a table of those in flight keyed
//  by req_id, and retries that never wait.
//
//  A request goes out at once. Its DEALER (tw_sock_dealer_new: LINGER 0,
//  ZMQ_IMMEDIATE) has a send timeout of 0, so with no server connected a
//  send fails at once; it still counts as an attempt, as a lost reply does.
//  When no reply has come timeout_ms after a send, tw_requester_expire
//  sends the request again, byte for byte the same (the same req_id: the
//  gateway answers a repeat with its first reply and does nothing twice),
//  up to `attempts` sends in all; then it gives the request up. Either way
//  the request's done function is called exactly once: with the reply whose
//  req_id is the request's, or with NULL when it was given up. A reply for
//  nothing in flight (a repeat's second answer, or one after giving up) is
//  counted as stale and dropped; one that cannot be read, or is not of the
//  expected type, is counted as malformed (logged, rate-limited) and
//  dropped, the request staying in flight.
//
//  The requester holds no policy: what a request is, when one may be sent
//  and what a reply means belong to its owner. The owner either polls
//  tw_requester_socket, calling tw_requester_recv, and calls
//  tw_requester_expire well under timeout_ms apart; or lets
//  tw_requester_attach do both on its zloop.

#ifndef TW_REQUESTER_H_INCLUDED
#define TW_REQUESTER_H_INCLUDED

#include <czmq.h>
#include <stdint.h>

#include "tw_proto.h"

typedef struct _tw_requester_t tw_requester_t;

//  A request in flight, as the requester keeps it. Read-only for the owner.
typedef struct {
    tw_msg_t request;    //  a copy of what was sent
    int attempts;        //  sends so far, failed ones included
    int64_t deadline_ms; //  when the last send times out (monotonic)
    void *arg;           //  the owner's, from tw_requester_send
} tw_requester_entry_t;

//  The end of a request: reply is the server's (any type the requester
//  accepts), NULL when it was given up or abandoned. entry and reply are
//  valid only during the call; entry is already out of the table, so the
//  function may send again (even the same req_id) or cancel others, but
//  must not destroy the requester. now_ms is the monotonic time of the end.
typedef void (tw_requester_fn) (const tw_requester_entry_t *entry, const tw_msg_t *reply,
                                int64_t now_ms, void *arg);

//  How a requester without a socket sends: data (size bytes) is one encoded
//  request. Returns 0 when it left, -1 when it could not.
typedef int (tw_requester_send_fn) (const uint8_t *data, size_t size, void *arg);

typedef struct {
    uint64_t sent;      //  requests started (a new req_id each)
    uint64_t resent;    //  sends after a timeout
    uint64_t failed;    //  sends that could not leave (no server connected)
    uint64_t answered;  //  requests that got their reply
    uint64_t given_up;  //  requests that got none after every attempt
    uint64_t joined;    //  sends whose req_id was already in flight
    uint64_t stale;     //  replies for nothing in flight
    uint64_t malformed; //  replies unreadable or of an unexpected type
} tw_requester_stats_t;

//  Creates a requester that connects a DEALER to endpoint. timeout_ms > 0,
//  attempts >= 1. Returns NULL (logged) when the socket cannot be made.
tw_requester_t *tw_requester_new (const char *endpoint, int64_t timeout_ms, int attempts);

//  Creates a requester without a socket: each send goes through send (arg
//  is passed to it), and replies are handed in with tw_requester_deliver.
//  For tests and for owners that carry requests themselves.
tw_requester_t *tw_requester_new_with (tw_requester_send_fn *send, void *arg, int64_t timeout_ms,
                                       int attempts);

//  Destroys the requester and nulls *self_p; safe on NULL. Requests in
//  flight are dropped without a call: an owner whose args own memory hands
//  them back first with tw_requester_abandon.
void tw_requester_destroy (tw_requester_t **self_p);

//  Replies of another type than type are counted as malformed and dropped
//  (TW_MSG_INVALID, the default: any type is a reply).
void tw_requester_set_reply_type (tw_requester_t *self, tw_msg_type_t type);

//  At most max requests in flight (0, the default: no bound).
void tw_requester_set_max (tw_requester_t *self, size_t max);

//  Sends request, which must carry a req_id (and an expires_at where the
//  server should refuse it late), and keeps it until done is called (arg is
//  passed to done). now_ms is the monotonic time. Returns 0 when it is in
//  flight (even if this first send failed: it will be sent again); 1 when a
//  request with that req_id is already in flight: nothing is sent and done
//  and arg are not kept (the first request's will be called); -1 when the
//  bound on requests in flight is reached or request cannot be encoded
//  (logged): nothing is kept and done will not be called.
int tw_requester_send (tw_requester_t *self, const tw_msg_t *request, tw_requester_fn *done,
                       void *arg, int64_t now_ms);

//  Reads one reply from the socket and hands it to tw_requester_deliver,
//  at the current monotonic time. Returns what that does, or -1 when the
//  reply was malformed.
int tw_requester_recv (tw_requester_t *self);

//  Matches reply to its request by req_id: the request ends (done is called
//  with reply) and is forgotten. Returns 0 when it answered a request in
//  flight, -1 when it was stale or of an unexpected type (counted).
int tw_requester_deliver (tw_requester_t *self, const tw_msg_t *reply, int64_t now_ms);

//  Sends again what has timed out and gives up (done with NULL) what has
//  had every attempt.
void tw_requester_expire (tw_requester_t *self, int64_t now_ms);

//  Forgets the request with req_id without calling done (its reply will be
//  stale). Returns 0, or -1 when there was none.
int tw_requester_cancel (tw_requester_t *self, const char *req_id);

//  Takes every request out of the table and calls fn (not the requests'
//  own done functions) with a NULL reply and arg for each: how an owner
//  hands back what is in flight when it stops. Returns how many there were.
size_t tw_requester_abandon (tw_requester_t *self, tw_requester_fn *fn, void *arg);

//  The request in flight with req_id, or NULL. Owned by the requester;
//  valid until the next call that changes the table.
const tw_requester_entry_t *tw_requester_lookup (tw_requester_t *self, const char *req_id);

//  Requests in flight.
size_t tw_requester_size (tw_requester_t *self);

//  How long a request can be in flight: timeout_ms times attempts. An
//  owner that sets expires_at can make it outlive every attempt.
int64_t tw_requester_window_ms (tw_requester_t *self);

const tw_requester_stats_t *tw_requester_stats (tw_requester_t *self);

//  The DEALER, to poll for replies; NULL for a requester without a socket.
zsock_t *tw_requester_socket (tw_requester_t *self);

//  For an owner with a zloop: registers the socket's reader
//  (tw_requester_recv) and a timer (tw_requester_expire) at a quarter of
//  timeout_ms, between 5 and 50 ms, so that a retry is late by at most
//  that. Returns 0, or -1 when loop refused them or there is no socket.
//  Destroy the loop before the requester.
int tw_requester_attach (tw_requester_t *self, zloop_t *loop);

#endif
