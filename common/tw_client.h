//  tw_client - a command client with Lazy Pirate retries (docs/design.md §3).
//
//  A REQ socket that sends a request, waits up to timeout_ms for the reply,
//  and on timeout closes the socket (LINGER 0), opens a fresh one and sends
//  the same request again - with the same req_id, so the server can answer a
//  repeat with its first reply - up to `attempts` times in all. Blocking; use
//  it from a CLI or a short command path, never to wait on the broker.

#ifndef TW_CLIENT_H_INCLUDED
#define TW_CLIENT_H_INCLUDED

#include "tw_proto.h"

typedef struct _tw_client_t tw_client_t;

//  Creates a client for endpoint. Returns NULL if the socket cannot be made.
tw_client_t *tw_client_new (const char *endpoint, int timeout_ms, int attempts);

//  Destroys the client and nulls *self_p; safe on NULL.
void tw_client_destroy (tw_client_t **self_p);

//  Sends request and decodes the reply into reply. When request->req_id is
//  empty a fresh unique one is written into it first. Returns 0 when a reply
//  arrived (whatever it says), -1 when every attempt timed out, the process
//  was interrupted, or the reply was malformed or carried another req_id
//  (err says which).
int tw_client_request (tw_client_t *self, tw_msg_t *request, tw_msg_t *reply, char *err,
                       size_t err_size);

//  How many sends the last request took (1 = no retry).
int tw_client_last_attempts (tw_client_t *self);

//  Writes a fresh req_id into buf: "<prefix>-<pid>-<counter>-<random>",
//  unique across processes and restarts.
void tw_client_make_req_id (const char *prefix, char *buf, size_t buf_size);

#endif
