//  tw_clock - see tw_clock.h.

#include "tw_clock.h"

#include <czmq.h>
#include <time.h>

int64_t
tw_clock_mono_ms (void)
{
    return zclock_mono ();
}

int64_t
tw_clock_wall_ns (void)
{
    struct timespec now;
    clock_gettime (CLOCK_REALTIME, &now);
    return (int64_t) now.tv_sec * INT64_C (1000000000) + now.tv_nsec;
}
