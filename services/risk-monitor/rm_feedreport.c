//  rm_feedreport - see rm_feedreport.h.

#include "rm_feedreport.h"
#include "tw_client.h"
#include "tw_clock.h"
#include "tw_log.h"

#include <czmq.h>
#include <inttypes.h>
#include <string.h>

#define RM_FEEDREPORT_PREFIX "rmfeed"
//  At most one line per interval about reports that did not get through.
#define RM_FEEDREPORT_LOG_MS 5000

//  One symbol. Entries live until the table is destroyed, so a request's
//  arg (its entry) stays valid while it is in flight.
typedef struct {
    struct _rm_feedreport_t *owner;
    char symbol[TW_SYMBOL_MAX];
    bool stale; //  the state to report
    int64_t age_ms;
    bool acked; //  the state the gateway acknowledged last
    bool known; //  ... and whether it acknowledged any
    bool in_flight;
    char req_id[TW_ID_MAX]; //  of the report in flight
} s_entry_t;

struct _rm_feedreport_t {
    tw_requester_t *requester;
    int64_t ttl_ms;
    zhashx_t *entries; //  symbol -> s_entry_t *
    int64_t acked;
    tw_log_limit_t failed_log;
};

static void
s_entry_destroy (void **item)
{
    free (*item);
    *item = NULL;
}

rm_feedreport_t *
rm_feedreport_new (tw_requester_t *requester, int64_t ttl_ms)
{
    rm_feedreport_t *self = (rm_feedreport_t *) zmalloc (sizeof (rm_feedreport_t));
    self->requester = requester;
    self->ttl_ms = ttl_ms;
    self->failed_log.interval_ms = RM_FEEDREPORT_LOG_MS;
    self->entries = zhashx_new ();
    zhashx_set_destructor (self->entries, s_entry_destroy);
    return self;
}

void
rm_feedreport_destroy (rm_feedreport_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    rm_feedreport_t *self = *self_p;
    for (s_entry_t *entry = (s_entry_t *) zhashx_first (self->entries); entry;
         entry = (s_entry_t *) zhashx_next (self->entries))
        if (entry->in_flight)
            tw_requester_cancel (self->requester, entry->req_id);
    zhashx_destroy (&self->entries);
    free (self);
    *self_p = NULL;
}

int64_t
rm_feedreport_acked (rm_feedreport_t *self)
{
    return self->acked;
}

//  True when the gateway must still hear of entry's state.
static bool
s_due (const s_entry_t *entry)
{
    return !entry->in_flight && (entry->known ? entry->acked != entry->stale : entry->stale);
}

static void s_send (rm_feedreport_t *self, s_entry_t *entry, int64_t now_ms);

static void
s_on_done (const tw_requester_entry_t *request, const tw_msg_t *reply, int64_t now_ms, void *arg)
{
    (void) now_ms;
    s_entry_t *entry = (s_entry_t *) arg;
    const tw_feed_report_t *sent = &request->request.u.feed;
    entry->in_flight = false;
    if (reply && reply->u.ack.status != TW_ACK_REJECTED) {
        entry->acked = sent->stale;
        entry->known = true;
        entry->owner->acked++;
        tw_info ("feed report acknowledged symbol=%s stale=%s req_id=%s", sent->symbol,
                 sent->stale ? "true" : "false", request->request.req_id);
    }
    else
        tw_log_limited (&entry->owner->failed_log, TW_LOG_WARN,
                        "feed report symbol=%s stale=%s req_id=%s %s%s: sent again later",
                        sent->symbol, sent->stale ? "true" : "false", request->request.req_id,
                        reply ? "rejected: " : "unanswered", reply ? reply->u.ack.error : "");
    //  The state may have flipped meanwhile: the gateway hears the new one.
    if (reply && s_due (entry))
        s_send (entry->owner, entry, tw_clock_mono_ms ());
}

static void
s_send (rm_feedreport_t *self, s_entry_t *entry, int64_t now_ms)
{
    tw_msg_t msg;
    tw_msg_init (&msg, TW_MSG_FEED_REPORT);
    tw_client_make_req_id (RM_FEEDREPORT_PREFIX, msg.req_id, sizeof msg.req_id);
    msg.expires_at = tw_clock_wall_ns () + self->ttl_ms * TW_NS_PER_MS;
    snprintf (msg.u.feed.symbol, sizeof msg.u.feed.symbol, "%s", entry->symbol);
    msg.u.feed.stale = entry->stale;
    msg.u.feed.age_ms = entry->age_ms;
    if (tw_requester_send (self->requester, &msg, s_on_done, entry, now_ms) != 0)
        return; //  logged by the requester; retried later
    entry->in_flight = true;
    snprintf (entry->req_id, sizeof entry->req_id, "%s", msg.req_id);
}

void
rm_feedreport_set (rm_feedreport_t *self, const char *symbol, bool stale, int64_t age_ms,
                   int64_t now_ms)
{
    s_entry_t *entry = (s_entry_t *) zhashx_lookup (self->entries, symbol);
    if (!entry) {
        if (!stale)
            return;
        entry = (s_entry_t *) zmalloc (sizeof *entry);
        entry->owner = self;
        snprintf (entry->symbol, sizeof entry->symbol, "%s", symbol);
        zhashx_insert (self->entries, symbol, entry);
    }
    entry->stale = stale;
    entry->age_ms = age_ms;
    if (s_due (entry))
        s_send (self, entry, now_ms);
}

void
rm_feedreport_retry (rm_feedreport_t *self, int64_t now_ms)
{
    for (s_entry_t *entry = (s_entry_t *) zhashx_first (self->entries); entry;
         entry = (s_entry_t *) zhashx_next (self->entries))
        if (s_due (entry))
            s_send (self, entry, now_ms);
}

void
rm_feedreport_forget (rm_feedreport_t *self)
{
    for (s_entry_t *entry = (s_entry_t *) zhashx_first (self->entries); entry;
         entry = (s_entry_t *) zhashx_next (self->entries))
        entry->known = false;
}
