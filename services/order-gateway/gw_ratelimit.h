//  gw_ratelimit - paces the broker calls of the whole account (docs/design.md §4,
//  docs/fyers.md §6).
//
//  Two sliding windows over the send times of ALL calls: at most per_sec sends
//  in any 1000 ms and at most per_min sends in any 60000 ms (a send at t is
//  allowed when the per_sec-th most recent send is at least 1000 ms older,
//  and likewise for the minute). On top of the windows, an HTTP 429 blocks
//  every send until the time the broker asked for (X-Retry-After-Ms, else
//  Retry-After), or, when the reply named no time, for a backoff of 1, 2 and
//  then 4 s on consecutive 429s.
//
//  Pure logic: the caller passes the (monotonic) time in milliseconds, so the
//  tests drive it with a simulated clock. Not thread-safe; one owner (the
//  broker actor).

#ifndef GW_RATELIMIT_H_INCLUDED
#define GW_RATELIMIT_H_INCLUDED

#include <stdint.h>

#define GW_RATELIMIT_SECOND_MS 1000
#define GW_RATELIMIT_MINUTE_MS 60000

//  The fallback backoff after a 429 that named no wait: 1 s, doubling per
//  consecutive 429, at most 4 s.
#define GW_RATELIMIT_BACKOFF_MS 1000
#define GW_RATELIMIT_BACKOFF_MAX_MS 4000

//  A Retry-After larger than this is taken as this (a garbled header must not
//  block the account's exits for days).
#define GW_RATELIMIT_BLOCK_MAX_MS (3600 * 1000)

typedef struct _gw_ratelimit_t gw_ratelimit_t;

//  Creates a limiter allowing per_sec sends per second and per_min sends per
//  minute (both >= 1). Returns NULL when a limit is out of range. The caller
//  destroys it.
gw_ratelimit_t *gw_ratelimit_new (int per_sec, int per_min);

//  Destroys the limiter and nulls *self_p; safe on NULL.
void gw_ratelimit_destroy (gw_ratelimit_t **self_p);

//  Returns how long to wait before the next send, in ms: 0 means "send now".
int64_t gw_ratelimit_wait_ms (gw_ratelimit_t *self, int64_t now_ms);

//  Records a send at now_ms. Call it only when gw_ratelimit_wait_ms returned
//  0 (it records the send anyway, which the windows then count).
void gw_ratelimit_take (gw_ratelimit_t *self, int64_t now_ms);

//  Records an HTTP 429 received at now_ms. retry_after_ms is the wait the
//  reply asked for, or 0 when it named none (then the fallback backoff
//  applies). Blocks every send until now_ms plus that wait (an earlier block
//  that ends later is kept). Returns the wait applied, in ms.
int64_t gw_ratelimit_on_429 (gw_ratelimit_t *self, int64_t now_ms, int64_t retry_after_ms);

//  Records a reply that was not a 429: the next 429 without a wait starts the
//  fallback backoff from 1 s again.
void gw_ratelimit_on_reply (gw_ratelimit_t *self);

//  The time until which sends are blocked by a 429 (0 when never blocked).
int64_t gw_ratelimit_blocked_until (gw_ratelimit_t *self);

#endif
