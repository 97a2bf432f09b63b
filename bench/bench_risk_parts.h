//  bench_risk_parts - what bench_risk runs the risk-monitor against, in the
//  bench's own process: a stand-in gateway (a ROUTER that answers snapshots,
//  in parts as the gateway does, and acks every command; a PUB of
//  heartbeats), the tick feed (a PUB of ticks encoded once, up front) and
//  the bare floor (a SUB that decodes the same msgpack ticks with msgpack-c
//  and compares each with a stop, nothing else).
//
//  The stand-in gateway holds `positions` positions on BENCH_RISK_SYMBOLS
//  symbols (position i on symbol i % BENCH_RISK_SYMBOLS: long, entry 100,
//  sl 50, tp 150, no trail), plus one canary position on its own symbol
//  (long, sl 100): the canary tick (90) crosses its stop, and the first
//  close the gateway receives is the moment the risk-monitor watched its
//  first stop. The feed's ticks (100 and 100.05, every symbol in turn)
//  cross no stop.

#ifndef BENCH_RISK_PARTS_H_INCLUDED
#define BENCH_RISK_PARTS_H_INCLUDED

#include <czmq.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define BENCH_RISK_SYMBOLS 100
#define BENCH_RISK_CANARY "NSE:CANARY-EQ"
#define BENCH_RISK_CANARY_LTP 90.0
#define BENCH_RISK_HEARTBEAT_MS 100

//  What the stand-in gateway shares with the bench (its actor's args).
typedef struct {
    const char *rep; //  endpoints to bind
    const char *pub;
    int positions;
    _Atomic int64_t first_close_us; //  mono us of the first close; 0 = none yet
    _Atomic int64_t commands;       //  commands other than snapshot
    _Atomic int64_t snapshots;      //  snapshot requests answered
} bench_gateway_t;

//  The stand-in gateway: start with zactor_new (bench_gateway_actor, gw).
void bench_gateway_actor (zsock_t *pipe, void *args);

//  Ticks encoded once: BENCH_RISK_SYMBOLS symbols x 2 prices, and the
//  canary's.
typedef struct _bench_feed_t bench_feed_t;

//  Binds a PUB on endpoint with no high-water mark (a slow subscriber
//  makes it queue, never drop) and encodes the ticks. NULL on failure.
bench_feed_t *bench_feed_new (const char *endpoint);
void bench_feed_destroy (bench_feed_t **self_p);
//  Publishes count ticks, cycling through the symbols and prices.
//  Returns 0, or -1 when a send failed.
int bench_feed_send (bench_feed_t *self, int64_t count);
//  Publishes one canary tick.
int bench_feed_canary (bench_feed_t *self);

//  The bare floor: start with zactor_new (bench_floor_actor, floor). It
//  polls its SUB and pipe as a zloop would, reads every queued tick per
//  wake, and counts the ticks it decoded.
typedef struct {
    const char *feed;          //  endpoint to connect
    _Atomic int64_t ticks;     //  decoded and compared
    _Atomic int64_t bad;       //  not decodable as a tick
    _Atomic int64_t crossings; //  ltp at or below the stop (never, here)
} bench_floor_t;

void bench_floor_actor (zsock_t *pipe, void *args);

#endif
