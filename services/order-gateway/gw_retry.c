//  gw_retry - see gw_retry.h.

#include "gw_retry.h"

#include <stdlib.h>

#define GW_RETRY_JITTER_DIVISOR 2 //  jitter is up to half the backoff
#define GW_RETRY_SHIFT_MAX 20     //  base << 20 is already longer than anyone waits

int64_t
gw_retry_backoff_ms (int64_t base_ms, int n, int64_t at_least_ms)
{
    int shift = n > 1 ? n - 1 : 0;
    if (shift > GW_RETRY_SHIFT_MAX)
        shift = GW_RETRY_SHIFT_MAX;
    int64_t delay = base_ms << shift;
    int64_t jitter_span = delay / GW_RETRY_JITTER_DIVISOR;
    if (jitter_span > 0)
        delay += (int64_t) (random () % jitter_span);
    return delay > at_least_ms ? delay : at_least_ms;
}
