//  nt_forward - see nt_forward.h.
//
//  Each request in flight is the requester's entry; its arg is a small
//  record of the client that asked.

#include "nt_forward.h"
#include "nt_json.h"
#include "tw_client.h"
#include "tw_clock.h"
#include "tw_log.h"

#include <assert.h>
#include <string.h>

#define NT_FORWARD_REQ_PREFIX "ntf"

struct _nt_forward_t {
    tw_requester_t *requester;
    nt_forward_fn *fn;
    void *arg;
    int64_t sent;
};

//  Who asked, for the verdict.
typedef struct {
    nt_forward_t *forward;
    uint64_t client;
} s_asker_t;

nt_forward_t *
nt_forward_new (tw_requester_t *requester, nt_forward_fn *fn, void *arg)
{
    assert (requester && fn);
    nt_forward_t *self = (nt_forward_t *) zmalloc (sizeof (nt_forward_t));
    self->requester = requester;
    tw_requester_set_max (requester, NT_FORWARD_MAX);
    self->fn = fn;
    self->arg = arg;
    return self;
}

static void
s_drop (const tw_requester_entry_t *entry, const tw_msg_t *reply, int64_t now_ms, void *arg)
{
    (void) reply;
    (void) now_ms;
    (void) arg;
    free (entry->arg);
}

void
nt_forward_destroy (nt_forward_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    nt_forward_t *self = *self_p;
    size_t dropped = tw_requester_abandon (self->requester, s_drop, NULL);
    if (dropped > 0)
        tw_warn ("forward dropping %zu close requests in flight", dropped);
    free (self);
    *self_p = NULL;
}

int64_t
nt_forward_sent (nt_forward_t *self)
{
    assert (self);
    return self->sent;
}

//  The verdict on a request: the gateway's reply, or NULL when none came.
static void
s_on_done (const tw_requester_entry_t *entry, const tw_msg_t *reply, int64_t now_ms, void *arg)
{
    (void) now_ms;
    s_asker_t *asker = (s_asker_t *) arg;
    nt_forward_t *self = asker->forward;
    uint64_t client = asker->client;
    free (asker);
    const tw_msg_t *request = &entry->request;
    const char *kind = tw_msg_type_name (request->type);
    const char *id = request->type == TW_MSG_CLOSE ? request->u.close.id : "";
    if (!reply) {
        tw_warn ("forward %s unanswered id=%s req_id=%s attempts=%d", kind, id, request->req_id,
                 entry->attempts);
        char error[TW_TEXT_MAX];
        snprintf (error, sizeof error, "no answer from the gateway after %d attempts of %lld ms",
                  entry->attempts,
                  (long long) (tw_requester_window_ms (self->requester) / entry->attempts));
        self->fn (client, kind, NT_ACK_TIMEOUT, id, error, self->arg);
    }
    else if (reply->type != TW_MSG_ACK) {
        tw_warn ("forward unexpected reply type=%s req_id=%s", tw_msg_type_name (reply->type),
                 reply->req_id);
        self->fn (client, kind, tw_ack_status_name (TW_ACK_REJECTED), id,
                  "unexpected reply from the gateway", self->arg);
    }
    else {
        const tw_ack_t *ack = &reply->u.ack;
        tw_info ("forward %s answered id=%s req_id=%s status=%s error=\"%s\"", kind, id,
                 reply->req_id, tw_ack_status_name (ack->status), ack->error);
        self->fn (client, kind, tw_ack_status_name (ack->status), id, ack->error, self->arg);
    }
}

//  Hands request (its req_id and expires_at set here) to the requester for
//  client. 0, or -1 with err set.
static int
s_forward (nt_forward_t *self, uint64_t client, tw_msg_t *request, char *err, size_t err_size)
{
    tw_client_make_req_id (NT_FORWARD_REQ_PREFIX, request->req_id, sizeof request->req_id);
    request->expires_at =
        tw_clock_wall_ns () + tw_requester_window_ms (self->requester) * TW_NS_PER_MS;
    s_asker_t *asker = (s_asker_t *) zmalloc (sizeof (s_asker_t));
    asker->forward = self;
    asker->client = client;
    if (tw_requester_send (self->requester, request, s_on_done, asker, tw_clock_mono_ms ()) != 0) {
        free (asker);
        snprintf (err, err_size, "too many requests in flight (%d): try again", NT_FORWARD_MAX);
        return -1;
    }
    self->sent++;
    return 0;
}

int
nt_forward_close (nt_forward_t *self, uint64_t client, const char *id, char *err, size_t err_size)
{
    assert (self && id);
    tw_msg_t close;
    tw_msg_init (&close, TW_MSG_CLOSE);
    snprintf (close.u.close.id, sizeof close.u.close.id, "%s", id);
    snprintf (close.u.close.reason, sizeof close.u.close.reason, "%s", TW_REASON_MANUAL_CLOSE);
    if (s_forward (self, client, &close, err, err_size) != 0)
        return -1;
    tw_info ("forward close sent id=%s reason=\"%s\" req_id=%s", id, close.u.close.reason,
             close.req_id);
    return 0;
}

int
nt_forward_flatten (nt_forward_t *self, uint64_t client, char *err, size_t err_size)
{
    assert (self);
    tw_msg_t flatten;
    tw_msg_init (&flatten, TW_MSG_FLATTEN);
    snprintf (flatten.u.flatten.reason, sizeof flatten.u.flatten.reason, "%s",
              TW_REASON_KILL_SWITCH);
    if (s_forward (self, client, &flatten, err, err_size) != 0)
        return -1;
    tw_warn ("forward flatten sent client=%llu reason=\"%s\" req_id=%s",
             (unsigned long long) client, flatten.u.flatten.reason, flatten.req_id);
    return 0;
}
