//  mf_synthetic - see mf_synthetic.h.

#include "mf_synthetic.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  splitmix64 (Steele, Lea, Flood 2014): the increment and the two mixing
//  multipliers of its output function.
#define MF_SPLITMIX_GAMMA UINT64_C (0x9e3779b97f4a7c15)
#define MF_SPLITMIX_MUL1 UINT64_C (0xbf58476d1ce4e5b9)
#define MF_SPLITMIX_MUL2 UINT64_C (0x94d049bb133111eb)
//  A double in [0, 1) takes the top 53 bits of an output.
#define MF_UNIFORM_SHIFT 11
#define MF_UNIFORM_SCALE 0x1.0p-53

//  z is the sum of this many uniforms minus half of it (Irwin-Hall): mean 0,
//  variance 1, bounded by +-6, and computed with additions only.
#define MF_NORMAL_TERMS 12
#define MF_NORMAL_MEAN 6.0

//  Symbol i starts at start_price * (1 + i * MF_START_STEP).
#define MF_START_STEP 0.5
//  The walk never goes below this many ticks, so that bid stays positive.
#define MF_MIN_TICKS 2.0
//  Each step trades between 1 and this many shares.
#define MF_MAX_TRADE 1000

typedef struct {
    char symbol[TW_SYMBOL_MAX];
    uint64_t state; //  this symbol's splitmix64 stream
    double price;   //  unrounded, so that small steps add up
    int64_t volume;
} s_walk_t;

struct _mf_synthetic_t {
    double volatility;
    size_t count;
    s_walk_t *walks;
};

static uint64_t
s_mix (uint64_t z)
{
    z = (z ^ (z >> 30)) * MF_SPLITMIX_MUL1;
    z = (z ^ (z >> 27)) * MF_SPLITMIX_MUL2;
    return z ^ (z >> 31);
}

static uint64_t
s_next (uint64_t *state)
{
    *state += MF_SPLITMIX_GAMMA;
    return s_mix (*state);
}

static double
s_uniform (uint64_t *state)
{
    return (double) (s_next (state) >> MF_UNIFORM_SHIFT) * MF_UNIFORM_SCALE;
}

static double
s_normal (uint64_t *state)
{
    double sum = 0;
    for (int i = 0; i < MF_NORMAL_TERMS; i++)
        sum += s_uniform (state);
    return sum - MF_NORMAL_MEAN;
}

//  Splits text into self->walks. Returns 0, or -1 with err set.
static int
s_parse_symbols (mf_synthetic_t *self, const char *text, char *err, size_t err_size)
{
    self->walks = (s_walk_t *) calloc (MF_SYNTHETIC_MAX_SYMBOLS, sizeof (s_walk_t));
    if (!self->walks) {
        snprintf (err, err_size, "out of memory");
        return -1;
    }
    const char *p = text;
    while (true) {
        const char *end = strchr (p, ',');
        size_t len = end ? (size_t) (end - p) : strlen (p);
        const char *name = p;
        while (len > 0 && isspace ((unsigned char) *name)) {
            name++;
            len--;
        }
        while (len > 0 && isspace ((unsigned char) name[len - 1]))
            len--;
        if (len == 0) {
            snprintf (err, err_size, "symbols: empty name in '%.64s'", text);
            return -1;
        }
        if (len >= TW_SYMBOL_MAX) {
            snprintf (err, err_size, "symbols: '%.*s' is too long (at most %d characters)",
                      (int) len, name, TW_SYMBOL_MAX - 1);
            return -1;
        }
        if (self->count == MF_SYNTHETIC_MAX_SYMBOLS) {
            snprintf (err, err_size, "symbols: more than %d names", MF_SYNTHETIC_MAX_SYMBOLS);
            return -1;
        }
        s_walk_t *walk = &self->walks[self->count];
        memcpy (walk->symbol, name, len);
        walk->symbol[len] = 0;
        for (size_t i = 0; i < self->count; i++) {
            if (strcmp (self->walks[i].symbol, walk->symbol) == 0) {
                snprintf (err, err_size, "symbols: '%s' is listed twice", walk->symbol);
                return -1;
            }
        }
        self->count++;
        if (!end)
            return 0;
        p = end + 1;
    }
}

mf_synthetic_t *
mf_synthetic_new (const char *symbols, uint64_t seed, double start_price, double volatility,
                  char *err, size_t err_size)
{
    assert (symbols && err);
    if (!isfinite (start_price) || start_price <= 0) {
        snprintf (err, err_size, "start_price must be a positive number, got %g", start_price);
        return NULL;
    }
    if (!isfinite (volatility) || volatility < 0 || volatility > MF_SYNTHETIC_MAX_VOLATILITY) {
        snprintf (err, err_size, "volatility must be in 0..%g, got %g", MF_SYNTHETIC_MAX_VOLATILITY,
                  volatility);
        return NULL;
    }
    mf_synthetic_t *self = (mf_synthetic_t *) calloc (1, sizeof *self);
    if (!self) {
        snprintf (err, err_size, "out of memory");
        return NULL;
    }
    if (s_parse_symbols (self, symbols, err, err_size) != 0) {
        mf_synthetic_destroy (&self);
        return NULL;
    }
    for (size_t i = 0; i < self->count; i++) {
        s_walk_t *walk = &self->walks[i];
        //  One independent stream per symbol, so that adding a symbol at the
        //  end of the list leaves the others' walks as they were.
        walk->state = s_mix (seed + (uint64_t) (i + 1) * MF_SPLITMIX_GAMMA);
        walk->price = start_price * (1 + (double) i * MF_START_STEP);
        walk->volume = 0;
    }
    self->volatility = volatility;
    return self;
}

void
mf_synthetic_destroy (mf_synthetic_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mf_synthetic_t *self = *self_p;
    free (self->walks);
    free (self);
    *self_p = NULL;
}

size_t
mf_synthetic_count (mf_synthetic_t *self)
{
    assert (self);
    return self->count;
}

void
mf_synthetic_next (mf_synthetic_t *self, size_t index, tw_tick_t *tick)
{
    assert (self && tick);
    assert (index < self->count);
    s_walk_t *walk = &self->walks[index];
    walk->price *= 1 + self->volatility * s_normal (&walk->state);
    const double floor = MF_MIN_TICKS / MF_TICKS_PER_RUPEE;
    if (walk->price < floor)
        walk->price = floor;
    walk->volume += 1 + (int64_t) (s_next (&walk->state) % MF_MAX_TRADE);

    //  Prices are whole ticks divided by 20: that gives the double nearest
    //  to the decimal price (100.05, not 100.05000000000001 as ticks * 0.05
    //  would).
    memset (tick, 0, sizeof *tick);
    memcpy (tick->symbol, walk->symbol, sizeof tick->symbol);
    const double ticks = round (walk->price * MF_TICKS_PER_RUPEE);
    tick->ltp = ticks / MF_TICKS_PER_RUPEE;
    tick->bid = (ticks - 1) / MF_TICKS_PER_RUPEE;
    tick->ask = (ticks + 1) / MF_TICKS_PER_RUPEE;
    tick->volume = walk->volume;
}
