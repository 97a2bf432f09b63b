//  se_forward - see se_forward.h.
//
//  Each command in flight is the requester's entry; its arg is the
//  se_pending_t, which points back at the forwarder.

#include "se_forward.h"

#include <string.h>

struct _se_forward_t {
    tw_requester_t *requester;
    se_forward_fn *fn;
    void *arg;
};

se_pending_t *
se_pending_new (void)
{
    return (se_pending_t *) zmalloc (sizeof (se_pending_t));
}

void
se_pending_destroy (se_pending_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zmsg_destroy (&(*self_p)->envelope);
    free (*self_p);
    *self_p = NULL;
}

se_forward_t *
se_forward_new (tw_requester_t *requester, se_forward_fn *fn, void *arg)
{
    assert (requester && fn);
    se_forward_t *self = (se_forward_t *) zmalloc (sizeof (se_forward_t));
    self->requester = requester;
    tw_requester_set_reply_type (requester, TW_MSG_ACK);
    self->fn = fn;
    self->arg = arg;
    return self;
}

//  A function and its arg, for a call through the requester.
typedef struct {
    se_forward_fn *fn;
    void *arg;
} s_call_t;

//  Calls back with pending (its attempts set) and frees it.
static void
s_call (s_call_t *call, const tw_requester_entry_t *entry, const tw_msg_t *ack)
{
    se_pending_t *pending = (se_pending_t *) entry->arg;
    pending->attempts = entry->attempts;
    if (call->fn)
        call->fn (pending, ack, call->arg);
    se_pending_destroy (&pending);
}

static void
s_on_abandoned (const tw_requester_entry_t *entry, const tw_msg_t *reply, int64_t now_ms, void *arg)
{
    (void) reply;
    (void) now_ms;
    s_call ((s_call_t *) arg, entry, NULL);
}

void
se_forward_destroy (se_forward_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_call_t drop = {NULL, NULL};
    tw_requester_abandon ((*self_p)->requester, s_on_abandoned, &drop);
    free (*self_p);
    *self_p = NULL;
}

static void
s_on_done (const tw_requester_entry_t *entry, const tw_msg_t *ack, int64_t now_ms, void *arg)
{
    (void) now_ms;
    se_forward_t *self = ((se_pending_t *) arg)->forward;
    s_call_t call = {self->fn, self->arg};
    s_call (&call, entry, ack);
}

int
se_forward_send (se_forward_t *self, se_pending_t **pending_p, int64_t now_ms)
{
    assert (self && pending_p && *pending_p);
    se_pending_t *pending = *pending_p;
    *pending_p = NULL;
    assert (pending->command.req_id[0]);
    pending->forward = self;
    pending->attempts = 0;
    int rc = tw_requester_send (self->requester, &pending->command, s_on_done, pending, now_ms);
    if (rc == 1) {
        //  The same command again: the latest asker gets the verdict.
        se_pending_t *known =
            (se_pending_t *) tw_requester_lookup (self->requester, pending->command.req_id)->arg;
        zmsg_destroy (&known->envelope);
        known->envelope = pending->envelope;
        pending->envelope = NULL;
        snprintf (known->reply_req_id, sizeof known->reply_req_id, "%s", pending->reply_req_id);
        se_pending_destroy (&pending);
    }
    else if (rc != 0) {
        self->fn (pending, NULL, self->arg);
        se_pending_destroy (&pending);
    }
    return rc;
}

size_t
se_forward_abandon (se_forward_t *self, se_forward_fn *fn, void *arg)
{
    assert (self && fn);
    s_call_t call = {fn, arg};
    return tw_requester_abandon (self->requester, s_on_abandoned, &call);
}

const se_pending_t *
se_forward_lookup (se_forward_t *self, const char *req_id)
{
    assert (self);
    const tw_requester_entry_t *entry = tw_requester_lookup (self->requester, req_id);
    return entry ? (const se_pending_t *) entry->arg : NULL;
}
