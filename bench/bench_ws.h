//  bench_ws - the WebSocket side of the notifier benchmark, in the bench's
//  own process: many minimal RFC 6455 clients read by one epoll loop, and
//  the bare floor, a one-thread epoll WebSocket server that sends one frame
//  to all its clients.
//
//  The clients are plain TCP sockets to 127.0.0.1: the upgrade is done
//  blocking (bounded), then the socket is non-blocking and read by
//  bench_ws_pump. Server frames are parsed (text, binary, ping answered
//  with a masked pong, close reported); a frame too large for a client's
//  buffer (the notifier's snapshot and recent events) is skipped. A set is
//  "armed" with a marker: each client records when the first text frame
//  containing it arrives.

#ifndef BENCH_WS_H_INCLUDED
#define BENCH_WS_H_INCLUDED

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct _bench_ws_set_t bench_ws_set_t;
typedef struct _bench_ws_poll_t bench_ws_poll_t;

//  The epoll loop every set is read by.
bench_ws_poll_t *bench_ws_poll_new (void);
void bench_ws_poll_destroy (bench_ws_poll_t **self_p);
//  The epoll descriptor (readable when a client is): for zmq_poll.
int bench_ws_poll_fd (bench_ws_poll_t *self);
//  Reads every readable client, waiting up to timeout_ms for the first.
//  Returns -1 when a client was closed or broke (said on stderr), else 0.
int bench_ws_pump (bench_ws_poll_t *self, int timeout_ms);

//  Connects count clients to 127.0.0.1:port, path "/ws", with the bearer
//  token (NULL: none), each upgraded (101) within timeout_ms. NULL on
//  failure (said on stderr).
bench_ws_set_t *bench_ws_set_new (bench_ws_poll_t *poll, int port, int count, const char *bearer,
                                  int timeout_ms);
void bench_ws_set_destroy (bench_ws_set_t **self_p);

//  Arms the set: from now, each client times the first text frame that
//  contains both marker and also (also may be NULL).
void bench_ws_arm (bench_ws_set_t *self, const char *marker, const char *also);
//  How many clients have received the marked frame.
int bench_ws_received (bench_ws_set_t *self);
//  The arrival times (mono us) of the marked frame, sorted, into at (count
//  entries); the number written.
int bench_ws_times (bench_ws_set_t *self, int64_t *at, int count);
//  The first marked frame received (client 0's), NUL-terminated; NULL when none.
const char *bench_ws_frame (bench_ws_set_t *self);

//  The bare floor server: start with zactor_new (bench_ws_floor_actor, floor).
//  It listens on port, then, on "ACCEPT" <count> from the pipe, accepts and
//  upgrades count clients and signals 0 (1 on failure). After that, each
//  message on its SUB (the bench republishes the gateway's event there) is
//  decoded, and the text in frame (set by the bench before it publishes) is
//  framed once and written to every client; then it signals 0 on the pipe.
typedef struct {
    const char *feed; //  the SUB's endpoint
    int port;         //  to listen on, 127.0.0.1
    char frame[8192]; //  the text to send
} bench_ws_floor_t;

void bench_ws_floor_actor (zsock_t *pipe, void *args);

#endif
