//  nt_journal - see nt_journal.h.

#include "nt_journal.h"
#include "tw_clock.h"
#include "tw_log.h"
#include "tw_requester.h"

#include <string.h>
#include <unistd.h>

//  A request's attempts; the next round comes anyway.
#define S_ATTEMPTS 1

struct _nt_journal_t {
    zloop_t *loop;
    tw_requester_t *requester;
    nt_journal_fn *fn;
    void *arg;
    bool in_flight;
    bool again; //  a refresh came while a round was in flight
    tw_pnl_reply_t pnl;
    uint64_t next_req;
    int64_t rounds;
};

static void s_start (nt_journal_t *self);

static void
s_command (nt_journal_t *self, tw_msg_t *request, tw_msg_type_t type)
{
    tw_msg_init (request, type);
    snprintf (request->req_id, sizeof request->req_id, "notifier-journal-%d-%llu", (int) getpid (),
              (unsigned long long) ++self->next_req);
}

static void
s_round_over (nt_journal_t *self)
{
    self->in_flight = false;
    if (self->again) {
        self->again = false;
        s_start (self);
    }
}

static void
s_on_history (const tw_requester_entry_t *entry, const tw_msg_t *reply, int64_t now_ms, void *arg)
{
    (void) entry;
    (void) now_ms;
    nt_journal_t *self = (nt_journal_t *) arg;
    if (reply && reply->type == TW_MSG_HISTORY_REPLY) {
        self->rounds++;
        self->fn (&self->pnl, &reply->u.history, self->arg);
    }
    else if (reply)
        tw_debug ("journal: history refused: %s", reply->u.ack.error);
    s_round_over (self);
}

static void
s_on_pnl (const tw_requester_entry_t *entry, const tw_msg_t *reply, int64_t now_ms, void *arg)
{
    (void) entry;
    nt_journal_t *self = (nt_journal_t *) arg;
    if (!reply || reply->type != TW_MSG_PNL_REPLY) {
        if (reply)
            tw_debug ("journal: pnl refused: %s", reply->u.ack.error);
        s_round_over (self);
        return;
    }
    self->pnl = reply->u.pnl;
    tw_msg_t request;
    s_command (self, &request, TW_MSG_HISTORY);
    request.u.journal.limit = NT_JOURNAL_TRADES_MAX;
    //  The same day as the pnl, should midnight fall in between.
    memcpy (request.u.journal.day, self->pnl.day, sizeof request.u.journal.day);
    if (tw_requester_send (self->requester, &request, s_on_history, self, now_ms) != 0)
        s_round_over (self);
}

static void
s_start (nt_journal_t *self)
{
    if (self->in_flight) {
        self->again = true;
        return;
    }
    tw_msg_t request;
    s_command (self, &request, TW_MSG_PNL);
    self->in_flight =
        tw_requester_send (self->requester, &request, s_on_pnl, self, tw_clock_mono_ms ()) == 0;
}

static int
s_on_timer (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    s_start ((nt_journal_t *) arg);
    return 0;
}

nt_journal_t *
nt_journal_new (zloop_t *loop, const char *gateway_rep, int64_t timeout_ms, nt_journal_fn *fn,
                void *arg)
{
    assert (loop && gateway_rep && fn);
    tw_requester_t *requester = tw_requester_new (gateway_rep, timeout_ms, S_ATTEMPTS);
    if (!requester)
        return NULL;
    nt_journal_t *self = (nt_journal_t *) zmalloc (sizeof *self);
    self->loop = loop;
    self->requester = requester;
    self->fn = fn;
    self->arg = arg;
    tw_requester_set_max (requester, 1);
    if (tw_requester_attach (requester, loop) != 0) {
        nt_journal_destroy (&self);
        return NULL;
    }
    zloop_timer (loop, NT_JOURNAL_MS, 0, s_on_timer, self);
    return self;
}

void
nt_journal_destroy (nt_journal_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    nt_journal_t *self = *self_p;
    //  The loop is gone already (nt_journal.h): its timer went with it.
    tw_requester_destroy (&self->requester);
    free (self);
    *self_p = NULL;
}

void
nt_journal_refresh (nt_journal_t *self)
{
    assert (self);
    s_start (self);
}

int64_t
nt_journal_rounds (nt_journal_t *self)
{
    assert (self);
    return self->rounds;
}
