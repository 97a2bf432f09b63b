//  tw_clock - the two clocks (CONTRIBUTING.md, style rule 9): monotonic milliseconds for deadlines
//  and timers, wall-clock nanoseconds for timestamps on the wire.

#ifndef TW_CLOCK_H_INCLUDED
#define TW_CLOCK_H_INCLUDED

#include <stdint.h>

#define TW_NS_PER_MS INT64_C (1000000)

//  Milliseconds from an arbitrary start; never goes back.
int64_t tw_clock_mono_ms (void);

//  Nanoseconds since the Unix epoch (CLOCK_REALTIME).
int64_t tw_clock_wall_ns (void);

#endif
