//  tw_client - see tw_client.h.
//
//  Lazy Pirate (zguide ch. 4): a REQ socket cannot be reused after a lost
//  reply, so each timeout closes it (LINGER 0 drops the queued request) and
//  opens a fresh one before the same request is sent again.

#include "tw_client.h"
#include "tw_clock.h"
#include "tw_log.h"
#include "tw_sock.h"

#include <czmq.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

struct _tw_client_t {
    char *endpoint;
    zsock_t *sock;
    int timeout_ms;
    int attempts;
    int last_attempts;
};

tw_client_t *
tw_client_new (const char *endpoint, int timeout_ms, int attempts)
{
    assert (endpoint);
    assert (timeout_ms > 0 && attempts > 0);
    tw_client_t *self = (tw_client_t *) zmalloc (sizeof (tw_client_t));
    self->endpoint = strdup (endpoint);
    self->timeout_ms = timeout_ms;
    self->attempts = attempts;
    self->sock = tw_sock_client_new (endpoint);
    if (!self->sock) {
        tw_client_destroy (&self);
        return NULL;
    }
    return self;
}

void
tw_client_destroy (tw_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    tw_client_t *self = *self_p;
    zsock_destroy (&self->sock);
    free (self->endpoint);
    free (self);
    *self_p = NULL;
}

int
tw_client_last_attempts (tw_client_t *self)
{
    return self->last_attempts;
}

void
tw_client_make_req_id (const char *prefix, char *buf, size_t buf_size)
{
    static uint64_t counter = 0;
    uint32_t nonce = 0;
    if (getrandom (&nonce, sizeof nonce, GRND_NONBLOCK) != (ssize_t) sizeof nonce)
        nonce = (uint32_t) tw_clock_wall_ns ();
    snprintf (buf, buf_size, "%s-%d-%llu-%08x", prefix && *prefix ? prefix : "req", (int) getpid (),
              (unsigned long long) ++counter, nonce);
}

//  Waits up to timeout_ms for input on sock. Returns 1 when readable, 0 on
//  timeout, -1 when interrupted.
static int
s_wait_readable (zsock_t *sock, int timeout_ms)
{
    zmq_pollitem_t item = {zsock_resolve (sock), 0, ZMQ_POLLIN, 0};
    int64_t deadline = tw_clock_mono_ms () + timeout_ms;
    while (true) {
        int64_t left = deadline - tw_clock_mono_ms ();
        if (left < 0)
            left = 0;
        int rc = zmq_poll (&item, 1, (long) left);
        if (rc > 0)
            return 1;
        if (rc < 0 && errno != EINTR)
            return -1;
        if (zsys_interrupted)
            return -1;
        if (left == 0)
            return 0;
    }
}

int
tw_client_request (tw_client_t *self, tw_msg_t *request, tw_msg_t *reply, char *err,
                   size_t err_size)
{
    assert (self && request && reply);
    if (!request->req_id[0])
        tw_client_make_req_id ("cli", request->req_id, sizeof request->req_id);
    self->last_attempts = 0;
    for (int attempt = 1; attempt <= self->attempts; attempt++) {
        self->last_attempts = attempt;
        if (!self->sock) {
            self->sock = tw_sock_client_new (self->endpoint);
            if (!self->sock) {
                snprintf (err, err_size, "cannot connect to %s", self->endpoint);
                return -1;
            }
        }
        //  With ZMQ_IMMEDIATE a send waits for a connected peer: nobody there
        //  within the timeout counts as a lost attempt, like a lost reply.
        zsock_set_sndtimeo (self->sock, self->timeout_ms);
        int ready = 0;
        if (tw_sock_send (self->sock, request) == 0)
            ready = s_wait_readable (self->sock, self->timeout_ms);
        else if (zsys_interrupted)
            ready = -1;
        if (ready < 0) {
            snprintf (err, err_size, "interrupted");
            return -1;
        }
        if (ready == 1) {
            char why[TW_TEXT_MAX];
            if (tw_sock_recv (self->sock, reply, why, sizeof why) != 0) {
                snprintf (err, err_size, "malformed reply from %s: %s", self->endpoint, why);
                return -1;
            }
            if (reply->req_id[0] && strcmp (reply->req_id, request->req_id) != 0) {
                snprintf (err, err_size, "reply for req_id '%s', expected '%s'", reply->req_id,
                          request->req_id);
                tw_msg_reset (reply);
                return -1;
            }
            return 0;
        }
        //  No reply in time: this REQ socket is stuck waiting; start afresh.
        tw_debug ("request timeout endpoint=%s req_id=%s attempt=%d", self->endpoint,
                  request->req_id, attempt);
        zsock_destroy (&self->sock);
    }
    snprintf (err, err_size, "no reply from %s after %d attempts of %d ms", self->endpoint,
              self->attempts, self->timeout_ms);
    return -1;
}
