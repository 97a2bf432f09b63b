//  tw_tickguard - see tw_tickguard.h.

#include "tw_tickguard.h"
#include "tw_log.h"

#include <czmq.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

//  The simulated-feed error repeats at most this often; a rejected price is
//  one warning per interval at most.
#define S_SIMULATED_LOG_MS 60000
#define S_REJECT_LOG_MS 5000

//  What the guard knows of one symbol.
typedef struct {
    double last;    //  the last good price
    double pending; //  the last of a run of ticks outside the band
    int run;        //  ticks in that run
} s_symbol_t;

struct _tw_tickguard_t {
    char section[TW_NAME_MAX];
    bool refuse_simulated;
    double band;       //  a fraction (tick_band_pct / 100); 0 = no band
    zhashx_t *symbols; //  symbol -> s_symbol_t *
    bool full_logged;
    int64_t simulated_refused;
    int64_t rejected;
    tw_log_limit_t simulated_log;
    tw_log_limit_t reject_log;
};

static void
s_symbol_destroy (void **item)
{
    free (*item);
    *item = NULL;
}

tw_tickguard_t *
tw_tickguard_new (tw_config_t *config, const char *section)
{
    tw_tickguard_t *self = (tw_tickguard_t *) zmalloc (sizeof (tw_tickguard_t));
    snprintf (self->section, sizeof self->section, "%s", section);
    bool live = streq (tw_config_str (config, "gateway", "broker"), "fyers");
    self->refuse_simulated = live && !tw_config_bool (config, section, "allow_simulated_feed");
    double pct = tw_config_double (config, section, "tick_band_pct");
    self->band = isfinite (pct) && pct > 0 ? pct / 100 : 0;
    self->symbols = zhashx_new ();
    zhashx_set_destructor (self->symbols, s_symbol_destroy);
    self->simulated_log.interval_ms = S_SIMULATED_LOG_MS;
    self->reject_log.interval_ms = S_REJECT_LOG_MS;
    return self;
}

void
tw_tickguard_destroy (tw_tickguard_t **self_p)
{
    tw_tickguard_t *self = *self_p;
    if (!self)
        return;
    zhashx_destroy (&self->symbols);
    free (self);
    *self_p = NULL;
}

//  True when price lies within the band around level.
static bool
s_within (const tw_tickguard_t *self, double level, double price)
{
    return fabs (price - level) <= level * self->band;
}

static tw_tick_verdict_t
s_reject (tw_tickguard_t *self, tw_tick_verdict_t verdict, const tw_tick_t *tick, double last)
{
    self->rejected++;
    if (verdict == TW_TICK_BAD_PRICE)
        tw_log_limited (
            &self->reject_log, TW_LOG_WARN,
            "tick ignored symbol=%s ltp=%g error=\"not a price\" ticks_rejected=%" PRId64,
            tick->symbol, tick->ltp, self->rejected);
    else
        tw_log_limited (&self->reject_log, TW_LOG_WARN,
                        "tick ignored symbol=%s ltp=%g last_good=%g tick_band_pct=%g "
                        "ticks_rejected=%" PRId64,
                        tick->symbol, tick->ltp, last, self->band * 100, self->rejected);
    return verdict;
}

//  The symbol's record, made when new and there is room; NULL otherwise.
static s_symbol_t *
s_symbol (tw_tickguard_t *self, const char *symbol)
{
    s_symbol_t *entry = (s_symbol_t *) zhashx_lookup (self->symbols, symbol);
    if (entry)
        return entry;
    if (zhashx_size (self->symbols) >= TW_TICKGUARD_MAX_SYMBOLS) {
        if (!self->full_logged)
            tw_warn ("tick band off for symbols beyond the first %d symbol=%s",
                     TW_TICKGUARD_MAX_SYMBOLS, symbol);
        self->full_logged = true;
        return NULL;
    }
    entry = (s_symbol_t *) zmalloc (sizeof (s_symbol_t));
    zhashx_insert (self->symbols, symbol, entry);
    return entry;
}

tw_tick_verdict_t
tw_tickguard_check (tw_tickguard_t *self, const tw_tick_t *tick)
{
    assert (self);
    if (self->refuse_simulated && tw_source_is_simulated (tick->source)) {
        self->simulated_refused++;
        tw_log_limited (&self->simulated_log, TW_LOG_ERROR,
                        "refusing %s ticks: the gateway's broker is fyers (a live account); set "
                        "[%s] allow_simulated_feed = true to act on them "
                        "simulated_ticks_refused=%" PRId64,
                        tw_source_name (tick->source), self->section, self->simulated_refused);
        return TW_TICK_SIMULATED;
    }
    if (!isfinite (tick->ltp) || tick->ltp <= 0)
        return s_reject (self, TW_TICK_BAD_PRICE, tick, 0);
    if (self->band == 0)
        return TW_TICK_ACCEPTED;
    s_symbol_t *entry = s_symbol (self, tick->symbol);
    if (!entry)
        return TW_TICK_ACCEPTED;
    if (entry->last == 0 || s_within (self, entry->last, tick->ltp)) {
        entry->last = tick->ltp;
        entry->run = 0;
        return TW_TICK_ACCEPTED;
    }
    //  Outside the band: part of a run that may be a real move.
    if (entry->run > 0 && s_within (self, entry->pending, tick->ltp))
        entry->run++;
    else
        entry->run = 1;
    entry->pending = tick->ltp;
    if (entry->run < TW_TICKGUARD_CONFIRM)
        return s_reject (self, TW_TICK_OUT_OF_BAND, tick, entry->last);
    tw_warn ("tick level moved symbol=%s from=%g to=%g after %d ticks outside tick_band_pct=%g",
             tick->symbol, entry->last, tick->ltp, entry->run, self->band * 100);
    entry->last = tick->ltp;
    entry->run = 0;
    return TW_TICK_ACCEPTED;
}

bool
tw_tickguard_refuses_simulated (tw_tickguard_t *self)
{
    assert (self);
    return self->refuse_simulated;
}

int64_t
tw_tickguard_simulated_refused (tw_tickguard_t *self)
{
    assert (self);
    return self->simulated_refused;
}

int64_t
tw_tickguard_rejected (tw_tickguard_t *self)
{
    assert (self);
    return self->rejected;
}
