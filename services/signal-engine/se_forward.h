//  se_forward - sends open and close commands to the gateway without ever
//  blocking the caller's loop (DESIGN §3): a DEALER connected to
//  [endpoints] gateway_rep, and a table of the commands that wait for their
//  ack, keyed by req_id.
//
//  A command goes out at once (or, when no gateway is connected, counts as
//  a lost attempt: sends never wait). When no ack has come timeout_ms after
//  a send, it is sent again with the same req_id - the gateway answers a
//  repeat with its first reply and does nothing twice - up to `attempts`
//  sends in all; then it is given up. Either way the owner's callback is
//  called exactly once per command: with the gateway's ack, or with NULL
//  when it was given up. An ack that comes for no command in the table (a
//  second answer to a repeat, or one after the command was given up) is
//  dropped and counted.
//
//  The owner polls se_forward_socket for input and calls se_forward_recv,
//  and calls se_forward_expire often (well under timeout_ms apart).

#ifndef SE_FORWARD_H_INCLUDED
#define SE_FORWARD_H_INCLUDED

#include <czmq.h>

#include "tw_proto.h"

//  One command in the table, a plain record the owner fills and hands over.
typedef struct {
    tw_msg_t command;             //  open or close, with req_id and expires_at
    zmsg_t *envelope;             //  the external model's ROUTER envelope, or NULL
    char origin[TW_NAME_MAX];     //  who asked: the model's name, or the strategy's
    char reply_req_id[TW_ID_MAX]; //  the req_id the origin's ack carries
    char symbol[TW_SYMBOL_MAX];   //  what the origin asked for, for the owner
    tw_action_t action;
    int attempts;        //  sends so far
    int64_t deadline_ms; //  when the last send times out (monotonic)
} se_pending_t;

//  The verdict on a command: ack is the gateway's reply, NULL when the
//  command was given up. The callback may take pending->envelope (and must
//  then null it); the forwarder frees the rest after the call. It must not
//  destroy the forwarder.
typedef void (se_forward_fn) (se_pending_t *pending, const tw_msg_t *ack, void *arg);

typedef struct {
    uint64_t sent;      //  commands sent a first time
    uint64_t resent;    //  sends after a timeout
    uint64_t answered;  //  commands that got an ack
    uint64_t given_up;  //  commands that got none after every attempt
    uint64_t joined;    //  commands that found their req_id in the table
    uint64_t stray;     //  acks for no command in the table
    uint64_t malformed; //  replies that were not an ack
} se_forward_stats_t;

typedef struct _se_forward_t se_forward_t;

//  Creates a forwarder that connects to endpoint. timeout_ms > 0 and
//  attempts >= 1. Returns NULL (logged) when the socket cannot be made.
se_forward_t *se_forward_new (const char *endpoint, int64_t timeout_ms, int attempts,
                              se_forward_fn *fn, void *arg);

//  Destroys the forwarder and nulls *self_p; safe on NULL. Commands still in
//  the table are dropped without a callback (see se_forward_abandon).
void se_forward_destroy (se_forward_t **self_p);

//  A zeroed record for se_forward_send. Never NULL (aborts when out of
//  memory, as CZMQ does).
se_pending_t *se_pending_new (void);

//  Frees a record that was not handed over, and its envelope; nulls
//  *self_p; safe on NULL.
void se_pending_destroy (se_pending_t **self_p);

//  Takes *pending_p (and nulls it) and sends its command, now_ms being the
//  monotonic time. The command must carry a req_id. When a command with the
//  same req_id is already in the table - a model retrying its signal - no
//  second one is sent: the one in the table is kept with its attempts, and
//  the newer envelope replaces the older one, so the verdict goes to the
//  latest asker. Returns 0 when sent or queued for its next attempt, 1 when
//  joined.
int se_forward_send (se_forward_t *self, se_pending_t **pending_p, int64_t now_ms);

//  Reads one reply from the gateway and, when it is the ack of a command in
//  the table, calls back with it. Returns 0, or -1 when the reply was
//  malformed, not an ack, or for no command (logged, rate-limited).
int se_forward_recv (se_forward_t *self);

//  Sends again the commands whose attempt has timed out, and gives up those
//  that have had every attempt (calling back with NULL).
void se_forward_expire (se_forward_t *self, int64_t now_ms);

//  Takes every command out of the table and calls fn (not the forwarder's
//  own callback) with a NULL ack for each, then frees it: how the owner
//  hands back what is in flight when it stops. Returns how many there were.
size_t se_forward_abandon (se_forward_t *self, se_forward_fn *fn, void *arg);

//  The DEALER socket, to poll for input.
zsock_t *se_forward_socket (se_forward_t *self);

//  Commands in the table.
size_t se_forward_size (se_forward_t *self);

//  The command in the table with req_id, or NULL. Read-only for the caller.
const se_pending_t *se_forward_lookup (se_forward_t *self, const char *req_id);

const se_forward_stats_t *se_forward_stats (se_forward_t *self);

#endif
