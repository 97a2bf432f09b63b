//  nt_riskwatch - see nt_riskwatch.h.

#include "nt_riskwatch.h"
#include "tw_client.h"
#include "tw_clock.h"
#include "tw_control.h"
#include "tw_log.h"
#include "tw_requester.h"

#include <string.h>

//  A ping's sends: the next look comes anyway.
#define S_ATTEMPTS 1
//  The requester's timeout, in intervals: longer than one, so that the
//  timer, not the requester, ends a ping without a pong (one judge, and no
//  line from the requester per ping while the risk-monitor is down).
#define S_TIMEOUT_INTERVALS 2
//  The service name in the risk-monitor's pong, and its counter.
#define S_SERVICE "risk-monitor"
#define S_SYNCED "synced"

#define S_CONSEQUENCE                                                                              \
    ": stop-loss/take-profit are not watched by tradewire (the broker stop, if on, "               \
    "still stands)"

struct _nt_riskwatch_t {
    tw_requester_t *requester;
    nt_riskwatch_fn *fn;
    void *arg;
    const char *endpoint; //  the owner's (its configuration)
    nt_riskwatch_state_t state;
    int bad_looks;  //  in a row
    bool in_flight; //  a ping waits for its pong
    char req_id[TW_ID_MAX];
    int64_t lost_ms; //  when the watch was lost (monotonic)
    int64_t pings, unanswered;
    tw_log_limit_t remind;
};

static const char *
s_text (nt_riskwatch_state_t state)
{
    switch (state) {
    case NT_RISKWATCH_SILENT:
        return "the risk-monitor is not answering" S_CONSEQUENCE;
    case NT_RISKWATCH_UNSYNCED:
        return "the risk-monitor is not in sync with the gateway" S_CONSEQUENCE;
    default:
        return "the risk-monitor answers in sync with the gateway: stop-loss/take-profit are "
               "watched";
    }
}

//  One look: good is NT_RISKWATCH_WATCHED, bad NT_RISKWATCH_SILENT or
//  NT_RISKWATCH_UNSYNCED. The verdict changes at the first good look, or at
//  the NT_RISKWATCH_BAD_LOOKS-th bad one in a row (and at each later one
//  whose reason differs).
static void
s_look (nt_riskwatch_t *self, nt_riskwatch_state_t look, const char *detail)
{
    if (look == NT_RISKWATCH_WATCHED) {
        self->bad_looks = 0;
        if (self->state == NT_RISKWATCH_WATCHED)
            return;
        bool was_lost = self->state != NT_RISKWATCH_UNKNOWN;
        self->state = NT_RISKWATCH_WATCHED;
        if (!was_lost) {
            tw_info ("risk-monitor watched: it answers in sync with the gateway");
            return;
        }
        tw_info ("risk-monitor watched again endpoint=%s after_ms=%lld", self->endpoint,
                 (long long) (tw_clock_mono_ms () - self->lost_ms));
        self->fn (false, s_text (self->state), self->arg);
        return;
    }
    if (++self->bad_looks < NT_RISKWATCH_BAD_LOOKS)
        return;
    if (self->state == look) {
        tw_log_limited (&self->remind, TW_LOG_ERROR,
                        "risk-monitor still not watched endpoint=%s for_ms=%lld reason=\"%s\"",
                        self->endpoint, (long long) (tw_clock_mono_ms () - self->lost_ms), detail);
        return;
    }
    if (self->state != NT_RISKWATCH_SILENT && self->state != NT_RISKWATCH_UNSYNCED)
        self->lost_ms = tw_clock_mono_ms ();
    //  The reminder comes NT_RISKWATCH_REMIND_MS after this line.
    self->remind.last_ms = tw_clock_mono_ms ();
    self->remind.suppressed = 0;
    self->state = look;
    tw_error ("risk-monitor not watched endpoint=%s bad_looks=%d reason=\"%s\": %s", self->endpoint,
              self->bad_looks, detail, s_text (look));
    self->fn (true, s_text (self->state), self->arg);
}

static void
s_on_pong (const tw_requester_entry_t *entry, const tw_msg_t *reply, int64_t now_ms, void *arg)
{
    (void) entry;
    (void) now_ms;
    nt_riskwatch_t *self = (nt_riskwatch_t *) arg;
    self->in_flight = false;
    if (!reply) {
        self->unanswered++;
        s_look (self, NT_RISKWATCH_SILENT, "no pong");
        return;
    }
    const tw_pong_t *pong = &reply->u.pong;
    if (!streq (pong->service, S_SERVICE)) {
        char detail[TW_TEXT_MAX];
        snprintf (detail, sizeof detail, "the endpoint answers as '%s'", pong->service);
        s_look (self, NT_RISKWATCH_UNSYNCED, detail);
        return;
    }
    int64_t synced = 0;
    if (!tw_control_find_counter (pong, S_SYNCED, &synced))
        s_look (self, NT_RISKWATCH_UNSYNCED, "no synced counter in its pong");
    else if (synced == 1)
        s_look (self, NT_RISKWATCH_WATCHED, "");
    else
        s_look (self, NT_RISKWATCH_UNSYNCED, "synced=0");
}

//  Every interval: the ping still waiting is a bad look, and a new one goes.
static int
s_on_timer (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    nt_riskwatch_t *self = (nt_riskwatch_t *) arg;
    if (self->in_flight) {
        tw_requester_cancel (self->requester, self->req_id);
        self->in_flight = false;
        self->unanswered++;
        s_look (self, NT_RISKWATCH_SILENT, "no pong within the interval");
    }
    tw_msg_t ping;
    tw_msg_init (&ping, TW_MSG_PING);
    tw_client_make_req_id ("notifier-riskwatch", ping.req_id, sizeof ping.req_id);
    snprintf (self->req_id, sizeof self->req_id, "%s", ping.req_id);
    //  0 even when no risk-monitor is connected: the ping then times out.
    self->in_flight =
        tw_requester_send (self->requester, &ping, s_on_pong, self, tw_clock_mono_ms ()) == 0;
    self->pings++;
    return 0;
}

nt_riskwatch_t *
nt_riskwatch_new (zloop_t *loop, const char *endpoint, int64_t interval_ms, nt_riskwatch_fn *fn,
                  void *arg)
{
    assert (loop && endpoint && fn && interval_ms > 0);
    //  The pong may take the whole interval: the next tick judges it (and
    //  cancels the ping), before the requester would give it up itself.
    tw_requester_t *requester =
        tw_requester_new (endpoint, interval_ms * S_TIMEOUT_INTERVALS, S_ATTEMPTS);
    if (!requester)
        return NULL;
    nt_riskwatch_t *self = (nt_riskwatch_t *) zmalloc (sizeof *self);
    self->requester = requester;
    self->fn = fn;
    self->arg = arg;
    self->endpoint = endpoint;
    self->remind.interval_ms = NT_RISKWATCH_REMIND_MS;
    tw_requester_set_reply_type (requester, TW_MSG_PONG);
    tw_requester_set_max (requester, 1);
    if (tw_requester_attach (requester, loop) != 0) {
        nt_riskwatch_destroy (&self);
        return NULL;
    }
    if (zloop_timer (loop, (size_t) interval_ms, 0, s_on_timer, self) == -1) {
        nt_riskwatch_destroy (&self);
        return NULL;
    }
    tw_info ("watching the risk-monitor endpoint=%s interval_ms=%lld bad_looks=%d", endpoint,
             (long long) interval_ms, NT_RISKWATCH_BAD_LOOKS);
    return self;
}

void
nt_riskwatch_destroy (nt_riskwatch_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    nt_riskwatch_t *self = *self_p;
    //  The loop is gone already (nt_riskwatch.h): its timers went with it.
    tw_requester_destroy (&self->requester);
    free (self);
    *self_p = NULL;
}

nt_riskwatch_state_t
nt_riskwatch_state (nt_riskwatch_t *self)
{
    assert (self);
    return self->state;
}

const char *
nt_riskwatch_warning (nt_riskwatch_t *self)
{
    assert (self);
    bool lost = self->state == NT_RISKWATCH_SILENT || self->state == NT_RISKWATCH_UNSYNCED;
    return lost ? s_text (self->state) : NULL;
}

int64_t
nt_riskwatch_pings (nt_riskwatch_t *self)
{
    assert (self);
    return self->pings;
}

int64_t
nt_riskwatch_unanswered (nt_riskwatch_t *self)
{
    assert (self);
    return self->unanswered;
}
