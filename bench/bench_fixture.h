//  bench_fixture - what one benchmark scenario runs against: a real
//  order-gateway process (in a temporary directory, on free loopback ports),
//  optionally the fake Fyers server or a PUB socket standing in for the
//  market feed, and the bench's own command and event sockets.
//
//  Every wait is bounded; every function that can fail prints one
//  "bench: FAIL ..." line on stderr and returns -1 (or NULL). The fixture
//  owns everything it starts: bench_fixture_destroy stops the processes
//  (SIGTERM, bounded) and removes the directory.

#ifndef BENCH_FIXTURE_H_INCLUDED
#define BENCH_FIXTURE_H_INCLUDED

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

#include "fake_fyers_ctl.h"
#include "tw_client.h"
#include "tw_fixture.h"
#include "tw_proto.h"

//  Credentials the fake is started with and the gateway is given.
#define BENCH_APP_ID "BENCHAPP-100"
#define BENCH_TOKEN "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.bench-token-not-a-secret"

//  The rates the gateway's limiter runs at against the fake: far above
//  Fyers' 10/s and 200/min (allowed only for a non-Fyers base_url), so that
//  the benchmark measures the gateway, not the limiter.
#define BENCH_RATE_PER_SEC 10000
#define BENCH_RATE_PER_MIN 600000

#define BENCH_HEARTBEAT_MS 100
#define BENCH_READY_TIMEOUT_MS 15000 //  start + reconciliation
#define BENCH_EVENT_TIMEOUT_MS 5000  //  one command's outcome
#define BENCH_CLIENT_TIMEOUT_MS 2000 //  one command's reply
#define BENCH_STOP_TIMEOUT_MS 3000   //  SIGTERM -> exit (docs/design.md §5: 2 s)
#define BENCH_POLL_PACING_MS 10      //  pacing of a poll of an observable state

typedef struct {
    const char *gateway_path; //  the order-gateway binary
    const char *fake_path;    //  the fake_fyers binary, or NULL for paper
    bool paper;               //  paper broker fed by the bench's PUB
    int request_timeout_ms;   //  [fyers] request_timeout_ms; 0 = default
    int ready_timeout_ms;     //  start -> reconciled; 0 = BENCH_READY_TIMEOUT_MS
    const char *db_dir;       //  where the gateway's store goes; NULL = the scratch
                              //  directory (a diagnostic: /dev/shm, where fsync costs nothing)
    bool keep;                //  keep the directory (logs) at the end
} bench_options_t;

typedef struct {
    bench_options_t options;
    tw_fixture_t *base; //  the directory, the endpoints, the gateway and its log
    char fake_log[128];
    const char *rep;
    const char *pub;
    const char *feed;    //  paper only
    fake_fyers_t *fake;  //  NULL on paper
    tw_client_t *client; //  Lazy Pirate client, one attempt (no silent retry)
    zsock_t *cmd;        //  plain REQ for timed closes
    zsock_t *sub;        //  every gateway event
    zsock_t *ticks;      //  the feed PUB (paper only)
} bench_fixture_t;

//  Makes the directory, starts the fake (fyers) or binds the feed PUB
//  (paper). The gateway is not started yet, so that positions can be seeded
//  on the fake first. Returns NULL (reported) on failure.
bench_fixture_t *bench_fixture_new (const bench_options_t *options);

//  Starts the gateway, waits until it has reconciled with the broker,
//  connects the sockets and proves the SUB is live with a heartbeat.
int bench_fixture_start_gateway (bench_fixture_t *self);

//  Stops the gateway and the fake (SIGTERM, bounded), closes the sockets and
//  removes the directory (unless keep). Prints the tails of the logs when
//  failed. Returns -1 when a process did not exit 0 within the bound.
int bench_fixture_destroy (bench_fixture_t **self_p, bool failed);

//  Microseconds on CLOCK_MONOTONIC: the fake's "mono_us" clock.
int64_t bench_now_us (void);

//  Prints "bench: FAIL <message>" on stderr; returns -1.
int bench_fail (const char *format, ...) __attribute__ ((format (printf, 1, 2)));

//  Sends request with the client; the reply must come and be of reply_type.
int bench_request (bench_fixture_t *self, tw_msg_t *request, tw_msg_t *reply,
                   tw_msg_type_t reply_type);

//  The number of the gateway's live positions (snapshot); -1 on failure.
//  When all_open is not NULL it says whether every one of them is open.
int bench_snapshot_count (bench_fixture_t *self, bool *all_open);

//  Waits for the next event of type for position id on the SUB (other
//  events are skipped) and sets *at_us to its arrival time. An exit_failed
//  or order_rejected for id ends the wait with -1. event may be NULL.
int bench_wait_event (bench_fixture_t *self, tw_msg_type_t type, const char *id, int timeout_ms,
                      int64_t *at_us, tw_msg_t *event);

//  Sends a close for id on the plain REQ socket and waits for both its ack
//  (must be "accepted") and the position_closed event. *sent_us is taken
//  just before the send, *closed_us when the event arrived.
int bench_close (bench_fixture_t *self, const char *id, int64_t *sent_us, int64_t *closed_us);

//  The bench's symbol number i: "NSE:<prefix><i>-EQ"; its position id is
//  that plus "-INTRADAY".
void bench_symbol (const char *prefix, int i, char *symbol, size_t size);
void bench_position_id (const char *prefix, int i, char *id, size_t size);

//  The number of the gateway's live positions (its status counter, which
//  holds at any size, where one snapshot reply holds TW_MAX_POSITIONS);
//  -1 on failure.
int bench_positions (bench_fixture_t *self);

//  Helpers the benches share: qsort's comparison of int64_t; the
//  nearest-rank percentile p (0..100) of count values, sorted in place;
//  the median of count values (sorted in place; the lower middle one);
//  VmRSS or VmHWM (field with its colon, "VmRSS:") of pid from
//  /proc/PID/status in kB, -1 when unreadable; a count parsed from text in
//  1..max, -1 when it is not one.
int bench_cmp_int64 (const void *a, const void *b);
int64_t bench_percentile (int64_t *values, int count, int p);
int64_t bench_median (int64_t *values, int count);
int64_t bench_status_kb (int pid, const char *field);
int bench_count (const char *text, int max);

//  A floor's HTTP client: one libcurl easy handle, kept alive between
//  requests, with the Authorization header the gateway sends to the fake.
typedef struct _bench_http_t bench_http_t;

bench_http_t *bench_http_new (fake_fyers_t *fake);
void bench_http_destroy (bench_http_t **self_p);

//  One request (body may be NULL) to the fake's API base URL + path; the
//  reply body is read and dropped. Returns the HTTP status, or -1.
long bench_http_request (bench_http_t *self, const char *method, const char *path,
                         const char *body);

#endif
