//  gw_limits - see gw_limits.h.

#include "gw_limits.h"
#include "tw_log.h"

#include <czmq.h>
#include <inttypes.h>
#include <string.h>

//  The window of max_orders_per_min.
#define GW_LIMITS_WINDOW_MS 60000
//  Sources remembered at most; the oldest is forgotten beyond that.
#define GW_LIMITS_SOURCES_MAX 1024

typedef struct {
    int64_t *at; //  monotonic ms of the accepted orders, a ring
    size_t count;
    size_t next;
} s_source_t;

struct _gw_limits_t {
    int64_t max_qty;
    double max_notional;
    int64_t max_positions;
    int64_t max_per_min;
    double daily_loss;
    zhashx_t *sources; //  source -> s_source_t *
};

static void
s_source_free (void **item)
{
    s_source_t *source = (s_source_t *) *item;
    if (source) {
        free (source->at);
        free (source);
    }
    *item = NULL;
}

gw_limits_t *
gw_limits_new (tw_config_t *config)
{
    gw_limits_t *self = (gw_limits_t *) zmalloc (sizeof *self);
    self->max_qty = tw_config_int (config, "limits", "max_qty");
    self->max_notional = (double) tw_config_int (config, "limits", "max_notional");
    self->max_positions = tw_config_int (config, "limits", "max_positions");
    self->max_per_min = tw_config_int (config, "limits", "max_orders_per_min");
    self->daily_loss = (double) tw_config_int (config, "limits", "daily_loss_limit");
    self->sources = zhashx_new ();
    zhashx_set_destructor (self->sources, s_source_free);
    return self;
}

void
gw_limits_destroy (gw_limits_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy (&(*self_p)->sources);
    free (*self_p);
    *self_p = NULL;
}

double
gw_limits_daily_loss (gw_limits_t *self)
{
    return self->daily_loss;
}

bool
gw_limits_symbol_ok (const char *symbol)
{
    const char *colon = symbol ? strchr (symbol, ':') : NULL;
    if (!colon || colon == symbol)
        return false;
    for (const char *c = symbol; c < colon; c++)
        if (*c < 'A' || *c > 'Z')
            return false;
    const char *name = colon + 1;
    size_t len = strlen (name);
    if (len == 0 || name[0] == '-' || name[len - 1] == '-')
        return false;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || strchr ("-&_.", *c)))
            return false;
    return true;
}

//  The stops against the last price (or against each other without one).
static int
s_check_sides (const tw_open_t *open, double last, char *error, size_t error_size)
{
    bool is_long = open->side == TW_SIDE_LONG;
    if (last > 0) {
        if (open->sl > 0 && (is_long ? open->sl >= last : open->sl <= last)) {
            snprintf (error, error_size,
                      "sl side: a %s's stop-loss %.2f must be %s the last price %.2f",
                      is_long ? "long" : "short", open->sl, is_long ? "below" : "above", last);
            return -1;
        }
        if (open->tp > 0 && (is_long ? open->tp <= last : open->tp >= last)) {
            snprintf (error, error_size,
                      "tp side: a %s's take-profit %.2f must be %s the last price %.2f",
                      is_long ? "long" : "short", open->tp, is_long ? "above" : "below", last);
            return -1;
        }
        return 0;
    }
    if (open->sl > 0 && open->tp > 0 && (is_long ? open->sl >= open->tp : open->sl <= open->tp)) {
        snprintf (error, error_size,
                  "sl/tp side: a %s's stop-loss %.2f must be %s its take-profit %.2f",
                  is_long ? "long" : "short", open->sl, is_long ? "below" : "above", open->tp);
        return -1;
    }
    if (open->sl > 0 || open->tp > 0)
        tw_warn ("no last price for %s: the sl/tp side check against it was skipped", open->symbol);
    return 0;
}

//  Orders of source in the last minute; forgets those older.
static s_source_t *
s_source (gw_limits_t *self, const char *name, int64_t now_ms, size_t *recent)
{
    s_source_t *source = (s_source_t *) zhashx_lookup (self->sources, name);
    if (!source) {
        if (zhashx_size (self->sources) >= GW_LIMITS_SOURCES_MAX)
            zhashx_purge (self->sources);
        source = (s_source_t *) zmalloc (sizeof *source);
        source->at = (int64_t *) calloc ((size_t) self->max_per_min, sizeof (int64_t));
        assert (source->at);
        zhashx_insert (self->sources, name, source);
    }
    *recent = 0;
    for (size_t i = 0; i < source->count; i++)
        if (now_ms - source->at[i] < GW_LIMITS_WINDOW_MS)
            (*recent)++;
    return source;
}

int
gw_limits_check (gw_limits_t *self, const tw_open_t *open, double last, size_t open_count,
                 const char *source, int64_t now_ms, char *error, size_t error_size)
{
    if (!gw_limits_symbol_ok (open->symbol)) {
        snprintf (error, error_size,
                  "symbol format: '%s' is not EXCH:NAME (e.g. NSE:SBIN-EQ, upper case)",
                  open->symbol);
        return -1;
    }
    if (s_check_sides (open, last, error, error_size) != 0)
        return -1;
    if (self->max_qty > 0 && open->qty > self->max_qty) {
        snprintf (error, error_size, "max_qty: qty %" PRId64 " is above [limits] max_qty %" PRId64,
                  open->qty, self->max_qty);
        return -1;
    }
    if (self->max_notional > 0 && last > 0 && (double) open->qty * last > self->max_notional) {
        snprintf (error, error_size,
                  "max_notional: %" PRId64 " x %.2f = %.2f is above [limits] max_notional %.0f",
                  open->qty, last, (double) open->qty * last, self->max_notional);
        return -1;
    }
    if (self->max_positions > 0 && (int64_t) open_count >= self->max_positions) {
        snprintf (error, error_size,
                  "max_positions: %zu positions open or opening, [limits] max_positions %" PRId64,
                  open_count, self->max_positions);
        return -1;
    }
    if (self->max_per_min > 0) {
        size_t recent = 0;
        s_source_t *from = s_source (self, source ? source : "", now_ms, &recent);
        if ((int64_t) recent >= self->max_per_min) {
            snprintf (error, error_size,
                      "max_orders_per_min: %zu opens from this source in the last minute, "
                      "[limits] max_orders_per_min %" PRId64,
                      recent, self->max_per_min);
            return -1;
        }
        from->at[from->next] = now_ms;
        from->next = (from->next + 1) % (size_t) self->max_per_min;
        if (from->count < (size_t) self->max_per_min)
            from->count++;
    }
    return 0;
}
