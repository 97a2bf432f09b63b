//  mf_synthetic - the synthetic tick source, the demo default (docs/design.md §1): a
//  seeded random walk per symbol.
//
//  The walk is deterministic for a given seed, symbol list, start price and
//  volatility, on every machine: it uses its own generator (splitmix64, one
//  stream per symbol) and only correctly rounded IEEE 754 operations
//  (additions, multiplications, round), never rand() or a transcendental
//  function whose last bit differs between C libraries. Symbol i starts at
//  start_price * (1 + i / 2); each step multiplies the price by
//  (1 + volatility * z), z approximately standard normal. Published prices
//  are rounded to the NSE tick size (0.05); bid and ask are one tick either
//  side of ltp; volume grows by a random amount at every step.

#ifndef MF_SYNTHETIC_H_INCLUDED
#define MF_SYNTHETIC_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "tw_proto.h"

//  The NSE tick size, and its inverse (prices are ticks / MF_TICKS_PER_RUPEE).
#define MF_TICK_SIZE 0.05
#define MF_TICKS_PER_RUPEE 20.0

//  At most this many symbols in the list.
#define MF_SYNTHETIC_MAX_SYMBOLS 256
//  The largest relative standard deviation per step that is accepted: with
//  z bounded by 6, it keeps every step's factor positive.
#define MF_SYNTHETIC_MAX_VOLATILITY 0.1

typedef struct _mf_synthetic_t mf_synthetic_t;

//  Creates a walk over symbols, a comma-separated list of Fyers symbols
//  (spaces around names are ignored). Returns NULL with a one-line reason in
//  err when the list is empty, has an empty, too long or repeated name, or
//  more than MF_SYNTHETIC_MAX_SYMBOLS names, or when start_price is not a
//  positive number or volatility is not in 0..MF_SYNTHETIC_MAX_VOLATILITY.
//  The caller destroys the result.
mf_synthetic_t *mf_synthetic_new (const char *symbols, uint64_t seed, double start_price,
                                  double volatility, char *err, size_t err_size);

//  Destroys the walk and nulls *self_p; safe on NULL.
void mf_synthetic_destroy (mf_synthetic_t **self_p);

//  How many symbols the walk has.
size_t mf_synthetic_count (mf_synthetic_t *self);

//  Advances symbol index (< count) by one step and writes its tick.
void mf_synthetic_next (mf_synthetic_t *self, size_t index, tw_tick_t *tick);

#endif
