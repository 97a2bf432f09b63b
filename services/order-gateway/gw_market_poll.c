//  gw_market_poll - see gw_market_poll.h.

#include "gw_market_poll.h"
#include "tw_clock.h"
#include "tw_log.h"

#include <string.h>
#include <strings.h>

struct _gw_market_poll_t {
    gw_jobs_t *jobs;
    gw_session_t *session;
    int64_t interval_ms;
    gw_market_poll_clock_fn *wall_clock;
    bool failing; //  the last poll failed: the calendar decides
    uint64_t ok;
    uint64_t failed;
    tw_log_limit_t warn_log;
};

static void s_poll (void *owner);

gw_market_t
gw_market_poll_status (const char *status)
{
    static const char *closed[] = {"CLOSE", "CLOSED", "PREOPEN_CLOSED", "POSTCLOSE_START",
                                   "POSTCLOSE_CLOSED"};
    if (!status)
        return GW_MARKET_UNKNOWN;
    if (strcasecmp (status, "OPEN") == 0)
        return GW_MARKET_OPEN;
    if (strcasecmp (status, "PREOPEN") == 0)
        return GW_MARKET_PREOPEN;
    for (size_t i = 0; i < sizeof closed / sizeof *closed; i++)
        if (strcasecmp (status, closed[i]) == 0)
            return GW_MARKET_CLOSED;
    return GW_MARKET_UNKNOWN;
}

size_t
gw_market_poll_apply (gw_session_t *session, const gw_call_t *call, int64_t now_ns)
{
    gw_market_t markets[GW_VENUE_COUNT] = {GW_MARKET_UNKNOWN};
    for (size_t i = 0; i < call->market_count; i++) {
        const gw_broker_market_t *m = &call->markets[i];
        gw_venue_t venue = gw_session_venue_of (m->exchange, m->segment);
        if (venue == GW_VENUE_NONE || strcasecmp (m->market_type, GW_MARKET_POLL_TYPE) != 0)
            continue;
        markets[venue] = gw_market_poll_status (m->status);
        if (markets[venue] == GW_MARKET_UNKNOWN)
            tw_debug ("market status: %s %s is not known here: the hours decide",
                      gw_session_venue_name (venue), m->status);
    }
    size_t known = 0;
    for (int v = 0; v < GW_VENUE_COUNT; v++) {
        gw_session_report (session, (gw_venue_t) v, markets[v], now_ns);
        known += markets[v] != GW_MARKET_UNKNOWN;
    }
    return known;
}

//  Every venue back to the hours and the calendar.
static void
s_forget (gw_market_poll_t *self)
{
    int64_t now = self->wall_clock ();
    for (int v = 0; v < GW_VENUE_COUNT; v++)
        gw_session_report (self->session, (gw_venue_t) v, GW_MARKET_UNKNOWN, now);
}

static void
s_on_reply (void *owner, gw_call_t *call)
{
    gw_market_poll_t *self = (gw_market_poll_t *) owner;
    size_t known = 0;
    if (call->outcome == GW_OUT_OK)
        known = gw_market_poll_apply (self->session, call, self->wall_clock ());
    if (known > 0) {
        self->ok++;
        if (self->failing)
            tw_info ("market status from the broker again (%zu markets)", known);
        self->failing = false;
    }
    else {
        self->failed++;
        s_forget (self);
        self->failing = true;
        tw_log_limited (&self->warn_log, TW_LOG_WARN,
                        "market status unavailable (%s): the hours and [session] holidays_file "
                        "decide",
                        call->outcome != GW_OUT_OK ? call->error
                                                   : "no NORMAL market of a known exchange");
    }
    gw_jobs_later (self->jobs, self, self->interval_ms, s_poll);
}

static void
s_poll (void *owner)
{
    gw_market_poll_t *self = (gw_market_poll_t *) owner;
    gw_jobs_call (self->jobs, gw_call_new (GW_OP_MARKET_STATUS), s_on_reply, self);
}

gw_market_poll_t *
gw_market_poll_new (gw_jobs_t *jobs, gw_session_t *session, int64_t interval_ms,
                    gw_market_poll_clock_fn *wall_clock)
{
    assert (jobs && session && interval_ms > 0);
    gw_market_poll_t *self = (gw_market_poll_t *) zmalloc (sizeof *self);
    self->jobs = jobs;
    self->session = session;
    self->interval_ms = interval_ms;
    self->wall_clock = wall_clock ? wall_clock : tw_clock_wall_ns;
    self->warn_log.interval_ms = GW_MARKET_POLL_WARN_MS;
    tw_info ("market status: polled every %lld ms", (long long) interval_ms);
    s_poll (self);
    return self;
}

void
gw_market_poll_destroy (gw_market_poll_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_jobs_cancel ((*self_p)->jobs, *self_p);
    free (*self_p);
    *self_p = NULL;
}

uint64_t
gw_market_poll_ok (gw_market_poll_t *self)
{
    return self->ok;
}

uint64_t
gw_market_poll_failed (gw_market_poll_t *self)
{
    return self->failed;
}
