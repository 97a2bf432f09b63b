//  tw_control - see tw_control.h.

#include "tw_control.h"
#include "tw_clock.h"
#include "tw_log.h"
#include "tw_sock.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef TW_VERSION
#error "TW_VERSION is defined by meson.build"
#endif

//  An ack must carry a req_id; this one answers a request whose own could
//  not be read.
#define TW_CONTROL_UNKNOWN_REQ_ID "unknown"
//  At most one line per interval about malformed requests.
#define TW_CONTROL_LOG_INTERVAL_MS 10000

struct _tw_control_t {
    zsock_t *router;
    char service[TW_NAME_MAX];
    int64_t started_ms;
    tw_control_fn *fn;
    void *arg;
    int64_t requests; //  every request read, good or bad
    int64_t errors;   //  requests answered with a rejected ack, or not at all
    tw_log_limit_t limit;
};

tw_control_t *
tw_control_new (const char *endpoint, const char *service, int64_t started_ms, tw_control_fn *fn,
                void *arg)
{
    assert (service);
    tw_control_t *self = (tw_control_t *) calloc (1, sizeof *self);
    if (!self) {
        tw_error ("control out of memory");
        return NULL;
    }
    self->router = tw_sock_router_new (endpoint);
    if (!self->router) {
        free (self);
        return NULL;
    }
    snprintf (self->service, sizeof self->service, "%s", service);
    self->started_ms = started_ms;
    self->fn = fn;
    self->arg = arg;
    self->limit.interval_ms = TW_CONTROL_LOG_INTERVAL_MS;
    tw_debug ("control listening endpoint=%s", endpoint);
    return self;
}

void
tw_control_destroy (tw_control_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    tw_control_t *self = *self_p;
    zsock_destroy (&self->router);
    free (self);
    *self_p = NULL;
}

zsock_t *
tw_control_socket (tw_control_t *self)
{
    assert (self);
    return self->router;
}

//  Answers request with a rejected ack that says why.
static void
s_reject (tw_control_t *self, tw_request_t *request, const char *req_id, const char *error)
{
    tw_msg_t reply;
    tw_msg_init (&reply, TW_MSG_ACK);
    snprintf (reply.req_id, sizeof reply.req_id, "%s",
              *req_id ? req_id : TW_CONTROL_UNKNOWN_REQ_ID);
    reply.u.ack.status = TW_ACK_REJECTED;
    snprintf (reply.u.ack.error, sizeof reply.u.ack.error, "%s", error);
    tw_router_reply (self->router, request, &reply);
}

int
tw_control_handle (tw_control_t *self)
{
    assert (self);
    tw_request_t request = {0};
    tw_msg_t msg = {0};
    char err[TW_TEXT_MAX] = "";
    int rc = tw_router_recv (self->router, &request, &msg, err, sizeof err);
    self->requests++;
    if (rc == 0 && msg.type == TW_MSG_PING) {
        tw_msg_t reply;
        tw_control_pong (&msg, &reply, self->service, self->started_ms);
        tw_control_counter (&reply.u.pong, "requests", self->requests);
        tw_control_counter (&reply.u.pong, "errors", self->errors);
        if (self->fn)
            self->fn (&reply.u.pong, self->arg);
        tw_router_reply (self->router, &request, &reply);
        tw_msg_reset (&msg);
        return 0;
    }
    self->errors++;
    char error[TW_TEXT_MAX];
    if (rc == 0)
        snprintf (error, sizeof error, "'%s' is not served here: this endpoint answers ping only",
                  tw_msg_type_name (msg.type));
    else
        snprintf (error, sizeof error, "malformed request: %.200s", err);
    tw_log_limited (&self->limit, TW_LOG_WARN, "control rejected request error=\"%s\"", error);
    if (request.envelope)
        s_reject (self, &request, msg.req_id, error);
    tw_msg_reset (&msg);
    return -1;
}

void
tw_control_pong (const tw_msg_t *request, tw_msg_t *reply, const char *service, int64_t started_ms)
{
    assert (reply && service);
    tw_msg_init (reply, TW_MSG_PONG);
    if (request)
        memcpy (reply->req_id, request->req_id, sizeof reply->req_id);
    snprintf (reply->u.pong.service, sizeof reply->u.pong.service, "%s", service);
    snprintf (reply->u.pong.version, sizeof reply->u.pong.version, "%s", TW_VERSION);
    int64_t uptime = tw_clock_mono_ms () - started_ms;
    reply->u.pong.uptime_ms = uptime > 0 ? uptime : 0;
}

void
tw_control_counter (tw_pong_t *pong, const char *name, int64_t value)
{
    assert (pong && name);
    if (pong->counter_count >= TW_MAX_COUNTERS) {
        //  A programming error, not a runtime state: said once a minute.
        static tw_log_limit_t s_full = {.interval_ms = 60000};
        tw_log_limited (&s_full, TW_LOG_ERROR,
                        "pong counter %s dropped: a pong holds %d counters (TW_MAX_COUNTERS)", name,
                        TW_MAX_COUNTERS);
        return;
    }
    tw_counter_t *counter = &pong->counters[pong->counter_count++];
    snprintf (counter->name, sizeof counter->name, "%s", name);
    counter->value = value;
}

void
tw_control_healthy (tw_pong_t *pong, bool healthy)
{
    tw_control_counter (pong, TW_CONTROL_HEALTHY, healthy ? 1 : 0);
}

bool
tw_control_find_counter (const tw_pong_t *pong, const char *name, int64_t *value)
{
    assert (pong && name && value);
    for (size_t i = 0; i < pong->counter_count && i < TW_MAX_COUNTERS; i++)
        if (streq (pong->counters[i].name, name)) {
            *value = pong->counters[i].value;
            return true;
        }
    return false;
}

bool
tw_control_is_healthy (const tw_pong_t *pong)
{
    int64_t healthy = 1;
    tw_control_find_counter (pong, TW_CONTROL_HEALTHY, &healthy);
    return healthy != 0;
}

static int
s_on_request (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    (void) reader;
    tw_control_handle ((tw_control_t *) arg);
    return 0;
}

int
tw_control_attach (tw_control_t *self, zloop_t *loop)
{
    return zloop_reader (loop, tw_control_socket (self), s_on_request, self) == 0 ? 0 : -1;
}
