//  se_forward - see se_forward.h.
//
//  The DEALER is made by tw_sock_dealer_new (LINGER 0, ZMQ_IMMEDIATE=1),
//  then its send timeout is set to zero: with IMMEDIATE a send waits for a
//  connected gateway, and this loop must never wait. A send that fails is an
//  attempt lost like a lost reply, and the timeout sends it again. The one
//  socket is kept across attempts: unlike REQ, a DEALER does not jam after a
//  lost reply, and it reconnects to a restarted gateway by itself.

#include "se_forward.h"
#include "tw_log.h"
#include "tw_sock.h"

#include <inttypes.h>
#include <string.h>

//  Sends on the DEALER never wait.
#define SE_FORWARD_SEND_TIMEOUT_MS 0
#define SE_FORWARD_LOG_INTERVAL_MS 5000

struct _se_forward_t {
    zsock_t *dealer;
    int64_t timeout_ms;
    int attempts;
    se_forward_fn *fn;
    void *arg;
    zhashx_t *table; //  req_id -> se_pending_t *, owned
    se_forward_stats_t stats;
    tw_log_limit_t bad_log;
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
se_forward_new (const char *endpoint, int64_t timeout_ms, int attempts, se_forward_fn *fn,
                void *arg)
{
    assert (timeout_ms > 0 && attempts >= 1 && fn);
    zsock_t *dealer = tw_sock_dealer_new (endpoint);
    if (!dealer)
        return NULL;
    zsock_set_sndtimeo (dealer, SE_FORWARD_SEND_TIMEOUT_MS);
    se_forward_t *self = (se_forward_t *) zmalloc (sizeof (se_forward_t));
    self->dealer = dealer;
    self->timeout_ms = timeout_ms;
    self->attempts = attempts;
    self->fn = fn;
    self->arg = arg;
    self->table = zhashx_new ();
    self->bad_log.interval_ms = SE_FORWARD_LOG_INTERVAL_MS;
    return self;
}

void
se_forward_destroy (se_forward_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    se_forward_t *self = *self_p;
    for (se_pending_t *pending = (se_pending_t *) zhashx_first (self->table); pending;
         pending = (se_pending_t *) zhashx_next (self->table))
        se_pending_destroy (&pending);
    zhashx_destroy (&self->table);
    zsock_destroy (&self->dealer);
    free (self);
    *self_p = NULL;
}

//  One attempt: the send may fail (no gateway connected), which the next
//  timeout treats as a lost reply.
static void
s_attempt (se_forward_t *self, se_pending_t *pending, int64_t now_ms)
{
    pending->attempts++;
    pending->deadline_ms = now_ms + self->timeout_ms;
    if (tw_sock_send (self->dealer, &pending->command) != 0)
        tw_debug ("forward send failed req_id=%s attempt=%d", pending->command.req_id,
                  pending->attempts);
}

int
se_forward_send (se_forward_t *self, se_pending_t **pending_p, int64_t now_ms)
{
    assert (self && pending_p && *pending_p);
    se_pending_t *pending = *pending_p;
    *pending_p = NULL;
    assert (pending->command.req_id[0]);
    se_pending_t *known = (se_pending_t *) zhashx_lookup (self->table, pending->command.req_id);
    if (known) {
        //  The same command again: the latest asker gets the verdict.
        self->stats.joined++;
        zmsg_destroy (&known->envelope);
        known->envelope = pending->envelope;
        pending->envelope = NULL;
        snprintf (known->reply_req_id, sizeof known->reply_req_id, "%s", pending->reply_req_id);
        se_pending_destroy (&pending);
        return 1;
    }
    pending->attempts = 0;
    zhashx_insert (self->table, pending->command.req_id, pending);
    self->stats.sent++;
    s_attempt (self, pending, now_ms);
    return 0;
}

//  Takes pending out of the table, calls back, and frees it.
static void
s_finish (se_forward_t *self, se_pending_t *pending, const tw_msg_t *ack)
{
    zhashx_delete (self->table, pending->command.req_id);
    if (ack)
        self->stats.answered++;
    else
        self->stats.given_up++;
    self->fn (pending, ack, self->arg);
    se_pending_destroy (&pending);
}

int
se_forward_recv (se_forward_t *self)
{
    assert (self);
    tw_msg_t reply;
    memset (&reply, 0, sizeof reply);
    char err[TW_TEXT_MAX] = "";
    if (tw_sock_recv (self->dealer, &reply, err, sizeof err) != 0) {
        self->stats.malformed++;
        tw_log_limited (&self->bad_log, TW_LOG_WARN,
                        "malformed reply from the gateway error=\"%s\"", err);
        return -1;
    }
    int rc = -1;
    if (reply.type != TW_MSG_ACK) {
        self->stats.malformed++;
        tw_log_limited (&self->bad_log, TW_LOG_WARN, "unexpected %s reply from the gateway",
                        tw_msg_type_name (reply.type));
    }
    else {
        se_pending_t *pending = (se_pending_t *) zhashx_lookup (self->table, reply.req_id);
        if (pending) {
            s_finish (self, pending, &reply);
            rc = 0;
        }
        else {
            //  A repeat's second answer, or one that came after we gave up.
            self->stats.stray++;
            tw_debug ("ack for no command in flight req_id=%s status=%s", reply.req_id,
                      tw_ack_status_name (reply.u.ack.status));
        }
    }
    tw_msg_reset (&reply);
    return rc;
}

void
se_forward_expire (se_forward_t *self, int64_t now_ms)
{
    assert (self);
    if (zhashx_size (self->table) == 0)
        return;
    //  Collected first: the table must not change under its own cursor.
    zlist_t *due = zlist_new ();
    for (se_pending_t *pending = (se_pending_t *) zhashx_first (self->table); pending;
         pending = (se_pending_t *) zhashx_next (self->table))
        if (now_ms >= pending->deadline_ms)
            zlist_append (due, pending);
    for (se_pending_t *pending = (se_pending_t *) zlist_first (due); pending;
         pending = (se_pending_t *) zlist_next (due)) {
        if (pending->attempts < self->attempts) {
            self->stats.resent++;
            tw_info ("no ack yet req_id=%s attempt=%d: sending again", pending->command.req_id,
                     pending->attempts + 1);
            s_attempt (self, pending, now_ms);
        }
        else
            s_finish (self, pending, NULL);
    }
    zlist_destroy (&due);
}

size_t
se_forward_abandon (se_forward_t *self, se_forward_fn *fn, void *arg)
{
    assert (self && fn);
    size_t count = 0;
    se_pending_t *pending;
    while ((pending = (se_pending_t *) zhashx_first (self->table))) {
        zhashx_delete (self->table, pending->command.req_id);
        fn (pending, NULL, arg);
        se_pending_destroy (&pending);
        count++;
    }
    return count;
}

zsock_t *
se_forward_socket (se_forward_t *self)
{
    assert (self);
    return self->dealer;
}

size_t
se_forward_size (se_forward_t *self)
{
    assert (self);
    return zhashx_size (self->table);
}

const se_pending_t *
se_forward_lookup (se_forward_t *self, const char *req_id)
{
    assert (self);
    return req_id ? (const se_pending_t *) zhashx_lookup (self->table, req_id) : NULL;
}

const se_forward_stats_t *
se_forward_stats (se_forward_t *self)
{
    assert (self);
    return &self->stats;
}
