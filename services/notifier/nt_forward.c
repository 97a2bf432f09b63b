//  nt_forward - see nt_forward.h.
//
//  The requests in flight are a small fixed table, searched linearly: it
//  holds at most NT_FORWARD_MAX entries and is touched once per request,
//  reply and tick.

#include "nt_forward.h"
#include "nt_json.h"
#include "tw_client.h"
#include "tw_clock.h"
#include "tw_log.h"
#include "tw_sock.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

#define NT_FORWARD_REQ_PREFIX "ntf"
#define NT_FORWARD_LOG_INTERVAL_MS 5000

typedef struct {
    bool used;
    uint64_t client;
    tw_msg_t close;      //  the command, resent as it is
    int sends;           //  attempts made, whether the send went out or not
    bool went_out;       //  at least one send reached the socket
    int64_t deadline_ms; //  when the current attempt has timed out (monotonic)
} s_request_t;

struct _nt_forward_t {
    zsock_t *dealer;
    int timeout_ms;
    int attempts;
    nt_forward_fn *fn;
    void *arg;
    s_request_t requests[NT_FORWARD_MAX];
    size_t in_flight;
    int64_t sent;
    tw_log_limit_t bad_log;
};

nt_forward_t *
nt_forward_new (const char *endpoint, int timeout_ms, int attempts, nt_forward_fn *fn, void *arg)
{
    assert (endpoint && fn);
    assert (timeout_ms > 0 && attempts > 0);
    nt_forward_t *self = (nt_forward_t *) zmalloc (sizeof (nt_forward_t));
    self->dealer = tw_sock_dealer_new (endpoint);
    if (!self->dealer) {
        free (self);
        return NULL;
    }
    //  A send waits for nothing: with no gateway connected it fails at once
    //  and counts as an attempt, retried at the next deadline.
    zsock_set_sndtimeo (self->dealer, 0);
    self->timeout_ms = timeout_ms;
    self->attempts = attempts;
    self->fn = fn;
    self->arg = arg;
    self->bad_log.interval_ms = NT_FORWARD_LOG_INTERVAL_MS;
    return self;
}

void
nt_forward_destroy (nt_forward_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    nt_forward_t *self = *self_p;
    if (self->in_flight > 0)
        tw_warn ("forward dropping %zu close requests in flight", self->in_flight);
    zsock_destroy (&self->dealer);
    free (self);
    *self_p = NULL;
}

zsock_t *
nt_forward_socket (nt_forward_t *self)
{
    assert (self);
    return self->dealer;
}

size_t
nt_forward_in_flight (nt_forward_t *self)
{
    assert (self);
    return self->in_flight;
}

int64_t
nt_forward_sent (nt_forward_t *self)
{
    assert (self);
    return self->sent;
}

static void
s_send (nt_forward_t *self, s_request_t *request)
{
    request->sends++;
    request->deadline_ms = tw_clock_mono_ms () + self->timeout_ms;
    if (tw_sock_send (self->dealer, &request->close) != 0) {
        tw_log_limited (&self->bad_log, TW_LOG_WARN,
                        "forward close not sent (gateway not connected) id=%s req_id=%s "
                        "attempt=%d",
                        request->close.u.close.id, request->close.req_id, request->sends);
        return;
    }
    if (!request->went_out) {
        request->went_out = true;
        self->sent++;
    }
    tw_info ("forward close sent id=%s reason=\"%s\" req_id=%s attempt=%d",
             request->close.u.close.id, request->close.u.close.reason, request->close.req_id,
             request->sends);
}

static void
s_complete (nt_forward_t *self, s_request_t *request, const char *status, const char *error)
{
    //  The callback may start a new request: free the slot first.
    uint64_t client = request->client;
    char id[TW_ID_MAX];
    memcpy (id, request->close.u.close.id, sizeof id);
    memset (request, 0, sizeof *request);
    self->in_flight--;
    self->fn (client, status, id, error, self->arg);
}

int
nt_forward_close (nt_forward_t *self, uint64_t client, const char *id, char *err, size_t err_size)
{
    assert (self && id);
    s_request_t *request = NULL;
    for (size_t i = 0; i < NT_FORWARD_MAX && !request; i++)
        if (!self->requests[i].used)
            request = &self->requests[i];
    if (!request) {
        snprintf (err, err_size, "too many close requests in flight (%d): try again",
                  NT_FORWARD_MAX);
        return -1;
    }
    memset (request, 0, sizeof *request);
    request->used = true;
    request->client = client;
    tw_msg_init (&request->close, TW_MSG_CLOSE);
    tw_client_make_req_id (NT_FORWARD_REQ_PREFIX, request->close.req_id,
                           sizeof request->close.req_id);
    int64_t window_ms = (int64_t) self->timeout_ms * self->attempts;
    request->close.expires_at = tw_clock_wall_ns () + window_ms * TW_NS_PER_MS;
    snprintf (request->close.u.close.id, sizeof request->close.u.close.id, "%s", id);
    snprintf (request->close.u.close.reason, sizeof request->close.u.close.reason, "%s",
              TW_REASON_MANUAL_CLOSE);
    self->in_flight++;
    s_send (self, request);
    return 0;
}

void
nt_forward_recv (nt_forward_t *self)
{
    assert (self);
    tw_msg_t reply = {0};
    char err[TW_TEXT_MAX];
    if (tw_sock_recv (self->dealer, &reply, err, sizeof err) != 0) {
        tw_log_limited (&self->bad_log, TW_LOG_WARN, "forward malformed reply error=\"%s\"", err);
        return;
    }
    s_request_t *request = NULL;
    for (size_t i = 0; i < NT_FORWARD_MAX && !request; i++)
        if (self->requests[i].used && strcmp (self->requests[i].close.req_id, reply.req_id) == 0)
            request = &self->requests[i];
    if (!request)
        tw_debug ("forward reply to nothing in flight req_id=%s", reply.req_id);
    else if (reply.type != TW_MSG_ACK) {
        tw_warn ("forward unexpected reply type=%s req_id=%s", tw_msg_type_name (reply.type),
                 reply.req_id);
        s_complete (self, request, tw_ack_status_name (TW_ACK_REJECTED),
                    "unexpected reply from the gateway");
    }
    else {
        const tw_ack_t *ack = &reply.u.ack;
        tw_info ("forward close answered id=%s req_id=%s status=%s error=\"%s\"",
                 request->close.u.close.id, reply.req_id, tw_ack_status_name (ack->status),
                 ack->error);
        s_complete (self, request, tw_ack_status_name (ack->status), ack->error);
    }
    tw_msg_reset (&reply);
}

void
nt_forward_tick (nt_forward_t *self)
{
    assert (self);
    int64_t now = tw_clock_mono_ms ();
    for (size_t i = 0; i < NT_FORWARD_MAX; i++) {
        s_request_t *request = &self->requests[i];
        if (!request->used || now < request->deadline_ms)
            continue;
        if (request->sends < self->attempts) {
            s_send (self, request);
            continue;
        }
        tw_warn ("forward close unanswered id=%s req_id=%s attempts=%d", request->close.u.close.id,
                 request->close.req_id, request->sends);
        char error[TW_TEXT_MAX];
        snprintf (error, sizeof error, "no answer from the gateway after %d attempts of %d ms",
                  request->sends, self->timeout_ms);
        s_complete (self, request, NT_ACK_TIMEOUT, error);
    }
}
