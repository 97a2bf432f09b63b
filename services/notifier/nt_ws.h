//  nt_ws - the notifier's HTTP and WebSocket server (libwebsockets), run in
//  a thread of its own.
//
//  It serves the dashboard page at GET / and WebSocket clients at /ws
//  (docs/design.md §7; who may connect: nt_auth.h). It knows nothing of the
//  gateway: its owner (nt_actor) hands it JSON frames, and it hands its
//  owner what clients ask for. Each client has a bounded send queue
//  (nt_queue) of `queue_max` frames; a client whose queue overflows is
//  dropped (close 1008) and logged, so a slow client never holds up the
//  others and never grows memory without bound. Its kernel send buffer is
//  fixed too (64 KiB), so what a client that stopped reading costs is bounded
//  and it is found out soon.
//
//  Threads and the loop. libwebsockets runs its own poll loop, and this
//  build has no external-poll support, so it cannot share a poll set with
//  ZeroMQ sockets. It therefore runs in a thread that only ever waits in
//  lws_service(). The owner talks to it over a pair of inproc PAIR sockets
//  (a pipe) and, after every message, calls lws_cancel_service(), the one
//  libwebsockets call made for other threads: it wakes lws_service(), and
//  the thread then drains the pipe without blocking. The thread never
//  polls a ZeroMQ file descriptor (ZMQ_FD is edge-triggered and easy to
//  get wrong), and a periodic wake-up bounds any wait anyway. Sends on the
//  pipe never block either side: when the pipe is full a send fails, and
//  the sender recovers (the owner sends a fresh snapshot to everyone).
//
//  Frames to clients: an event goes to every client that has had its
//  snapshot; a new client is announced to the owner (NT_WS_HELLO) and gets
//  no event before the snapshot the owner sends it, so every client sees
//  a snapshot first and then each later event once, in order. A snapshot
//  sent to everyone (after a resync) makes every client current.
//
//  Owner side: every function below is called from the owner's thread.

#ifndef NT_WS_H_INCLUDED
#define NT_WS_H_INCLUDED

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

#include "tw_proto.h"

//  The WebSocket path (docs/design.md §7).
#define NT_WS_PATH "/ws"

typedef struct {
    const char *listen; //  "HOST:PORT", HOST an IPv4 or IPv6 address ([::1]:8080)
    const char *token;  //  "" when none is configured
    bool allow_anonymous;
    int max_clients;
    int queue_max;
} nt_ws_config_t;

typedef struct _nt_ws_t nt_ws_t;

//  Binds the listening socket and starts the server thread. Returns NULL
//  (logged in one line) when the address is malformed or cannot be bound.
nt_ws_t *nt_ws_new (const nt_ws_config_t *config);

//  Stops the thread (bounded wait), closes every connection and nulls
//  *self_p; safe on NULL.
void nt_ws_destroy (nt_ws_t **self_p);

//  The owner's end of the pipe, to poll for what the server reports.
zsock_t *nt_ws_socket (nt_ws_t *self);

//  Hands a frame to the server: an event for every client that has had its
//  snapshot (nt_ws_event), a snapshot for every client (nt_ws_snapshot),
//  or a frame for one client (nt_ws_send; snapshot true when it is that
//  client's snapshot). seq is the frame's seq; the server uses the latest
//  one it was given in the error frames it makes itself. Each returns 0,
//  or -1 when the pipe is full (the frame is not sent).
int nt_ws_event (nt_ws_t *self, uint64_t seq, const char *json);
int nt_ws_snapshot (nt_ws_t *self, uint64_t seq, const char *json);
int nt_ws_send (nt_ws_t *self, uint64_t client, uint64_t seq, const char *json, bool snapshot);

//  The welcome: the frames a new client gets first, the snapshot first of
//  them. The owner sets them once per change (nt_ws_welcome_set, at most
//  NT_WS_WELCOME_MAX frames) and the server keeps one copy, which every
//  client it is queued for shares; nt_ws_welcome queues the welcome set
//  last for one client (it is then live: events follow). Both return 0, or
//  -1 when the pipe is full.
#define NT_WS_WELCOME_MAX 4
int nt_ws_welcome_set (nt_ws_t *self, uint64_t seq, const char *const *jsons, size_t count);
int nt_ws_welcome (nt_ws_t *self, uint64_t client);

typedef struct {
    int64_t clients;         //  WebSocket clients connected now
    int64_t frames_sent;     //  frames written to clients
    int64_t clients_dropped; //  clients dropped for not reading
    int64_t auth_refused;    //  upgrades refused for a missing or wrong token
} nt_ws_stats_t;

typedef enum {
    NT_WS_NONE = 0,
    NT_WS_HELLO,   //  client connected and wants its snapshot
    NT_WS_CLOSE,   //  client (with the token) asks to close position id
    NT_WS_FLATTEN, //  client (with the token) asks to close everything and halt
    NT_WS_STATS,   //  the counters changed
    NT_WS_STOPPED  //  the server thread has ended: it is not serving any more
} nt_ws_report_type_t;

typedef struct {
    nt_ws_report_type_t type;
    uint64_t client;
    char id[TW_ID_MAX];
    nt_ws_stats_t stats;
} nt_ws_report_t;

//  Reads one report from nt_ws_socket. Returns 0, or -1 when there was none
//  or it was not understood (report->type NT_WS_NONE).
int nt_ws_recv (nt_ws_t *self, nt_ws_report_t *report);

//  The port the server listens on.
int nt_ws_port (nt_ws_t *self);

#endif
