//  gw_retry - the one backoff policy of the gateway (docs/design.md §4):
//  exponential, base << (n - 1), plus a random jitter of up to half of it,
//  and never shorter than the broker asked for (Retry-After /
//  X-Retry-After-Ms). Exits and opens use it with their own settings.

#ifndef GW_RETRY_H_INCLUDED
#define GW_RETRY_H_INCLUDED

#include <stdint.h>

//  The delay before try n + 1, after n tries (n >= 1; 0 counts as 1), of a
//  policy with base_ms; at least at_least_ms. Uses random().
int64_t gw_retry_backoff_ms (int64_t base_ms, int n, int64_t at_least_ms);

#endif
