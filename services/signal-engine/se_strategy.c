//  se_strategy - see se_strategy.h.
//
//  Each symbol has a ring of its last `slow` prices. The averages are summed
//  again from the ring at every price (at most `slow` additions) rather than
//  kept as running sums, so that rounding errors never pile up over a
//  trading day and a constant price always reads level.

#include "se_strategy.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SE_PERCENT 100.0
#define SE_TICK (1.0 / SE_STRATEGY_TICKS_PER_RUPEE)

//  Where fast stands against slow.
typedef enum { S_REL_NONE = 0, S_REL_BELOW, S_REL_LEVEL, S_REL_ABOVE } s_rel_t;

typedef struct {
    char symbol[TW_SYMBOL_MAX];
    double *ring;    //  the last `slow` prices
    int count;       //  prices in the ring, up to slow
    int next;        //  where the next price goes
    double fast_avg; //  after the last price, once count == slow
    double slow_avg;
    //  The last reading that was not level; S_REL_LEVEL while every reading
    //  so far was level; S_REL_NONE before the first reading.
    s_rel_t side;
    bool busy;
    tw_action_t expect; //  the action in flight while busy
    int64_t busy_until_ms;
} s_symbol_t;

struct _se_strategy_t {
    int fast;
    int slow;
    int64_t settle_ms;
    s_symbol_t *symbols;
    size_t count;
};

se_strategy_t *
se_strategy_new (int fast, int slow, int64_t settle_ms)
{
    assert (fast >= 1 && fast < slow);
    assert (settle_ms >= 0);
    se_strategy_t *self = (se_strategy_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->symbols = (s_symbol_t *) calloc (SE_STRATEGY_MAX_SYMBOLS, sizeof (s_symbol_t));
    if (!self->symbols) {
        free (self);
        return NULL;
    }
    self->fast = fast;
    self->slow = slow;
    self->settle_ms = settle_ms;
    return self;
}

void
se_strategy_destroy (se_strategy_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    se_strategy_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++)
        free (self->symbols[i].ring);
    free (self->symbols);
    free (self);
    *self_p = NULL;
}

static s_symbol_t *
s_find (se_strategy_t *self, const char *symbol)
{
    if (!symbol)
        return NULL;
    for (size_t i = 0; i < self->count; i++)
        if (strcmp (self->symbols[i].symbol, symbol) == 0)
            return &self->symbols[i];
    return NULL;
}

//  Checks one name of the list (text, len). Returns 0, or -1 with err set.
static int
s_check_name (se_strategy_t *self, const char *list, const char *name, size_t len, size_t added,
              char *err, size_t err_size)
{
    if (len == 0) {
        snprintf (err, err_size, "symbols: empty name in '%.64s'", list);
        return -1;
    }
    if (len >= TW_SYMBOL_MAX) {
        snprintf (err, err_size, "symbols: '%.*s' is too long (at most %d characters)", (int) len,
                  name, TW_SYMBOL_MAX - 1);
        return -1;
    }
    if (self->count + added >= SE_STRATEGY_MAX_SYMBOLS) {
        snprintf (err, err_size, "symbols: more than %d names", SE_STRATEGY_MAX_SYMBOLS);
        return -1;
    }
    for (size_t i = 0; i < self->count + added; i++) {
        const char *known = self->symbols[i].symbol;
        if (strlen (known) == len && memcmp (known, name, len) == 0) {
            snprintf (err, err_size, "symbols: '%.*s' is listed twice", (int) len, name);
            return -1;
        }
    }
    return 0;
}

int
se_strategy_add_symbols (se_strategy_t *self, const char *list, char *err, size_t err_size)
{
    assert (self && list && err);
    size_t added = 0;
    int rc = 0;
    for (const char *p = list; rc == 0;) {
        const char *end = strchr (p, ',');
        size_t len = end ? (size_t) (end - p) : strlen (p);
        const char *name = p;
        while (len > 0 && isspace ((unsigned char) *name)) {
            name++;
            len--;
        }
        while (len > 0 && isspace ((unsigned char) name[len - 1]))
            len--;
        rc = s_check_name (self, list, name, len, added, err, err_size);
        if (rc == 0) {
            s_symbol_t *entry = &self->symbols[self->count + added];
            memset (entry, 0, sizeof *entry);
            memcpy (entry->symbol, name, len);
            entry->ring = (double *) calloc ((size_t) self->slow, sizeof (double));
            if (!entry->ring) {
                snprintf (err, err_size, "out of memory");
                rc = -1;
            }
            else
                added++;
        }
        if (!end)
            break;
        p = end + 1;
    }
    if (rc != 0) {
        //  All or nothing: drop what this call added.
        for (size_t i = 0; i < added; i++)
            free (self->symbols[self->count + i].ring);
        return -1;
    }
    self->count += added;
    return 0;
}

size_t
se_strategy_size (se_strategy_t *self)
{
    assert (self);
    return self->count;
}

//  Stores price and returns the new reading (S_REL_NONE during the warm-up).
static s_rel_t
s_read (se_strategy_t *self, s_symbol_t *entry, double price)
{
    entry->ring[entry->next] = price;
    entry->next = (entry->next + 1) % self->slow;
    if (entry->count < self->slow)
        entry->count++;
    if (entry->count < self->slow)
        return S_REL_NONE;
    //  The newest price is just before next; walk back from it.
    double fast_sum = 0, slow_sum = 0;
    for (int i = 0; i < self->slow; i++) {
        double value = entry->ring[(entry->next - 1 - i + self->slow) % self->slow];
        slow_sum += value;
        if (i < self->fast)
            fast_sum += value;
    }
    entry->fast_avg = fast_sum / self->fast;
    entry->slow_avg = slow_sum / self->slow;
    double gap = entry->fast_avg - entry->slow_avg;
    if (fabs (gap) <= SE_STRATEGY_LEVEL * fabs (entry->slow_avg))
        return S_REL_LEVEL;
    return gap > 0 ? S_REL_ABOVE : S_REL_BELOW;
}

//  Applies a reading to the symbol's side and returns the cross it makes.
static se_cross_t
s_cross (s_symbol_t *entry, s_rel_t rel)
{
    if (rel == S_REL_NONE)
        return SE_CROSS_NONE;
    if (rel == S_REL_LEVEL) {
        if (entry->side == S_REL_NONE)
            entry->side = S_REL_LEVEL;
        return SE_CROSS_NONE;
    }
    se_cross_t cross = SE_CROSS_NONE;
    if (entry->side != S_REL_NONE && entry->side != rel)
        cross = rel == S_REL_ABOVE ? SE_CROSS_UP : SE_CROSS_DOWN;
    entry->side = rel;
    return cross;
}

//  Ends the busy time of entry when its action shows in pos, or is late.
static void
s_settle (s_symbol_t *entry, bool known, const tw_position_t *pos, int64_t now_ms)
{
    if (!entry->busy)
        return;
    bool opened = entry->expect != TW_ACTION_CLOSE && pos != NULL;
    bool closed = entry->expect == TW_ACTION_CLOSE && pos == NULL;
    if ((known && (opened || closed)) || now_ms >= entry->busy_until_ms)
        entry->busy = false;
}

tw_action_t
se_strategy_decide (se_cross_t cross, const tw_position_t *pos)
{
    if (cross == SE_CROSS_NONE)
        return TW_ACTION_NONE;
    if (!pos)
        return cross == SE_CROSS_UP ? TW_ACTION_OPEN_LONG : TW_ACTION_OPEN_SHORT;
    if (pos->state != TW_STATE_OPEN)
        return TW_ACTION_NONE;
    bool against = (pos->side == TW_SIDE_LONG && cross == SE_CROSS_DOWN)
                   || (pos->side == TW_SIDE_SHORT && cross == SE_CROSS_UP);
    return against ? TW_ACTION_CLOSE : TW_ACTION_NONE;
}

tw_action_t
se_strategy_tick (se_strategy_t *self, const char *symbol, double price, bool known,
                  const tw_position_t *pos, int64_t now_ms)
{
    assert (self);
    s_symbol_t *entry = s_find (self, symbol);
    if (!entry || !isfinite (price) || price <= 0)
        return TW_ACTION_NONE;
    se_cross_t cross = s_cross (entry, s_read (self, entry, price));
    s_settle (entry, known, pos, now_ms);
    if (cross == SE_CROSS_NONE || entry->busy || !known)
        return TW_ACTION_NONE;
    tw_action_t action = se_strategy_decide (cross, pos);
    if (action != TW_ACTION_NONE) {
        entry->busy = true;
        entry->expect = action;
        entry->busy_until_ms = now_ms + self->settle_ms;
    }
    return action;
}

void
se_strategy_release (se_strategy_t *self, const char *symbol)
{
    assert (self);
    s_symbol_t *entry = s_find (self, symbol);
    if (entry)
        entry->busy = false;
}

bool
se_strategy_busy (se_strategy_t *self, const char *symbol)
{
    assert (self);
    s_symbol_t *entry = s_find (self, symbol);
    return entry && entry->busy;
}

bool
se_strategy_averages (se_strategy_t *self, const char *symbol, double *fast, double *slow)
{
    assert (self && fast && slow);
    s_symbol_t *entry = s_find (self, symbol);
    if (!entry || entry->count < self->slow)
        return false;
    *fast = entry->fast_avg;
    *slow = entry->slow_avg;
    return true;
}

static double
s_round_tick (double value)
{
    //  Dividing the whole number of ticks gives the double nearest to the
    //  decimal price (598.35, not 598.3500000000001).
    return round (value * SE_STRATEGY_TICKS_PER_RUPEE) / SE_STRATEGY_TICKS_PER_RUPEE;
}

//  A level pct percent away from price in direction (+1 above, -1 below),
//  on the tick grid and at least one tick away; 0 when pct is 0 or the
//  level would be <= 0.
static double
s_level (double price, double pct, int direction)
{
    if (pct <= 0)
        return 0;
    double level = s_round_tick (price * (1 + direction * pct / SE_PERCENT));
    double nearest = s_round_tick (price + direction * SE_TICK);
    if (direction * (level - nearest) < 0)
        level = nearest;
    return level > 0 ? level : 0;
}

void
se_strategy_stops (tw_action_t action, double price, double sl_pct, double tp_pct, double trail_pct,
                   double *sl, double *tp, double *trail)
{
    assert (sl && tp && trail);
    assert (action == TW_ACTION_OPEN_LONG || action == TW_ACTION_OPEN_SHORT);
    int up = action == TW_ACTION_OPEN_LONG ? 1 : -1;
    *sl = s_level (price, sl_pct, -up);
    *tp = s_level (price, tp_pct, up);
    *trail = 0;
    if (trail_pct > 0) {
        *trail = s_round_tick (price * trail_pct / SE_PERCENT);
        if (*trail < SE_TICK)
            *trail = SE_TICK;
    }
}
