//  gw_warnings - see gw_warnings.h.

#include "gw_warnings.h"
#include "tw_clock.h"
#include "tw_log.h"

#include <inttypes.h>
#include <string.h>

#define GW_NS_PER_S INT64_C (1000000000)

struct _gw_warnings_t {
    gw_events_t *events;
    zhashx_t *stale; //  symbol -> (void *) 1: published stale, not yet back
    int64_t warn_lead_s;
    int64_t exp; //  the broker token's, Unix seconds; 0 = none known
    //  The token_expiry state last published.
    bool active;
    bool expired;
    int64_t published_exp;
};

gw_warnings_t *
gw_warnings_new (gw_events_t *events, int64_t warn_lead_s)
{
    gw_warnings_t *self = (gw_warnings_t *) zmalloc (sizeof (gw_warnings_t));
    self->events = events;
    self->warn_lead_s = warn_lead_s;
    self->stale = zhashx_new ();
    assert (self->stale);
    return self;
}

void
gw_warnings_destroy (gw_warnings_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy (&(*self_p)->stale);
    free (*self_p);
    *self_p = NULL;
}

tw_ack_status_t
gw_warnings_feed (gw_warnings_t *self, const tw_msg_t *request, const tw_msg_t *reply, char *error,
                  size_t error_size)
{
    const tw_feed_report_t *feed = &request->u.feed;
    //  What this run has published already is not news: acknowledged,
    //  nothing written or published (a reporter that starts again reports
    //  its symbols' state as it sees it).
    if (feed->stale == (zhashx_lookup (self->stale, feed->symbol) != NULL)) {
        tw_debug ("feed_report symbol=%s stale=%s: already so req_id=%s", feed->symbol,
                  feed->stale ? "true" : "false", request->req_id);
        return TW_ACK_ACCEPTED;
    }
    gw_change_t change = {.type = TW_MSG_FEED_STALE, .ack = reply};
    snprintf (change.extra.pos.symbol, sizeof change.extra.pos.symbol, "%s", feed->symbol);
    change.extra.active = feed->stale;
    change.extra.age_ms = feed->age_ms;
    if (gw_events_commit (self->events, &change) != 0) {
        snprintf (error, error_size, "store error");
        return TW_ACK_REJECTED;
    }
    if (feed->stale)
        zhashx_insert (self->stale, feed->symbol, (void *) 1);
    else
        zhashx_delete (self->stale, feed->symbol);
    tw_log (feed->stale ? TW_LOG_WARN : TW_LOG_INFO,
            "feed_stale symbol=%s stale=%s age_ms=%" PRId64 " req_id=%s", feed->symbol,
            feed->stale ? "true" : "false", feed->age_ms, request->req_id);
    return TW_ACK_ACCEPTED;
}

void
gw_warnings_token (gw_warnings_t *self, int64_t exp)
{
    self->exp = exp;
}

void
gw_warnings_check (gw_warnings_t *self, int64_t now_ns)
{
    int64_t now_s = now_ns / GW_NS_PER_S;
    if (self->exp <= 0 || self->warn_lead_s <= 0)
        return;
    bool active = now_s >= self->exp - self->warn_lead_s;
    bool expired = now_s >= self->exp;
    //  Nothing to say while there is no warning and none was raised; a
    //  raised one is repeated when it changes (expired, or another token
    //  that is as close to its end) and ended when it is over.
    if (active == self->active
        && (!active || (expired == self->expired && self->exp == self->published_exp)))
        return;
    gw_change_t change = {.type = TW_MSG_TOKEN_EXPIRY};
    change.extra.expires_at = self->exp * GW_NS_PER_S;
    change.extra.expired = expired;
    change.extra.active = active;
    if (gw_events_commit (self->events, &change) != 0) {
        tw_error ("token_expiry not recorded: tried again at the next heartbeat");
        return;
    }
    tw_log (active ? TW_LOG_WARN : TW_LOG_INFO,
            "token_expiry expires_at=%" PRId64 " expired=%s active=%s", self->exp,
            expired ? "true" : "false", active ? "true" : "false");
    self->active = active;
    self->expired = expired;
    self->published_exp = self->exp;
}
