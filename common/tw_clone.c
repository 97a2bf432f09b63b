//  tw_clone - see tw_clone.h.

#include "tw_clone.h"
#include "tw_client.h"
#include "tw_clock.h"
#include "tw_log.h"
#include "tw_sock.h"

#include <string.h>

//  A snapshot request blocks the owner's loop, so it gets one short try per
//  check; the next check tries again.
#define TW_CLONE_SNAPSHOT_TIMEOUT_MS 1000
#define TW_CLONE_SNAPSHOT_ATTEMPTS 1
#define TW_CLONE_LOG_INTERVAL_MS 5000

struct _tw_clone_t {
    char *cmd_endpoint;
    zsock_t *sub;
    tw_clone_fn *fn;
    void *arg;
    zhashx_t *positions; //  id -> tw_position_t *
    bool synced;
    uint64_t epoch;
    uint64_t seq;
    uint64_t resyncs;
    int64_t last_seen_ms;
    tw_log_limit_t bad_log;
};

static void
s_position_destroy (void **item)
{
    free (*item);
    *item = NULL;
}

tw_clone_t *
tw_clone_new (const char *pub_endpoint, const char *cmd_endpoint, tw_clone_fn *fn, void *arg)
{
    assert (pub_endpoint && cmd_endpoint);
    tw_clone_t *self = (tw_clone_t *) zmalloc (sizeof (tw_clone_t));
    self->cmd_endpoint = strdup (cmd_endpoint);
    self->fn = fn;
    self->arg = arg;
    self->positions = zhashx_new ();
    zhashx_set_destructor (self->positions, s_position_destroy);
    self->bad_log.interval_ms = TW_CLONE_LOG_INTERVAL_MS;
    //  Subscribe before the first snapshot so that no event falls between.
    self->sub = tw_sock_sub_new (pub_endpoint, "");
    if (!self->sub)
        tw_clone_destroy (&self);
    return self;
}

void
tw_clone_destroy (tw_clone_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    tw_clone_t *self = *self_p;
    zsock_destroy (&self->sub);
    zhashx_destroy (&self->positions);
    free (self->cmd_endpoint);
    free (self);
    *self_p = NULL;
}

zsock_t *
tw_clone_socket (tw_clone_t *self)
{
    return self->sub;
}

bool
tw_clone_synced (tw_clone_t *self)
{
    return self->synced;
}

uint64_t
tw_clone_epoch (tw_clone_t *self)
{
    return self->epoch;
}

uint64_t
tw_clone_seq (tw_clone_t *self)
{
    return self->seq;
}

uint64_t
tw_clone_resyncs (tw_clone_t *self)
{
    return self->resyncs;
}

zhashx_t *
tw_clone_positions (tw_clone_t *self)
{
    return self->positions;
}

const tw_position_t *
tw_clone_lookup (tw_clone_t *self, const char *id)
{
    return (const tw_position_t *) zhashx_lookup (self->positions, id);
}

static void
s_put (tw_clone_t *self, const tw_position_t *pos)
{
    tw_position_t *copy = (tw_position_t *) malloc (sizeof *copy);
    assert (copy);
    *copy = *pos;
    zhashx_update (self->positions, copy->id, copy);
}

//  Throws the copy away and takes a new snapshot. Returns 0 when synced.
static int
s_resync (tw_clone_t *self, const char *why)
{
    if (self->synced)
        tw_warn ("clone resync reason=\"%s\" epoch=%llu seq=%llu", why,
                 (unsigned long long) self->epoch, (unsigned long long) self->seq);
    self->synced = false;
    zhashx_purge (self->positions);

    tw_client_t *client =
        tw_client_new (self->cmd_endpoint, TW_CLONE_SNAPSHOT_TIMEOUT_MS, TW_CLONE_SNAPSHOT_ATTEMPTS);
    if (!client)
        return -1;
    tw_msg_t request, reply;
    tw_msg_init (&request, TW_MSG_SNAPSHOT);
    char err[TW_TEXT_MAX];
    int rc = tw_client_request (client, &request, &reply, err, sizeof err);
    tw_client_destroy (&client);
    if (rc != 0) {
        tw_log_limited (&self->bad_log, TW_LOG_WARN, "clone snapshot failed error=\"%s\"", err);
        return -1;
    }
    if (reply.type != TW_MSG_SNAPSHOT_REPLY) {
        tw_log_limited (&self->bad_log, TW_LOG_WARN, "clone snapshot failed reply_type=%s",
                        tw_msg_type_name (reply.type));
        tw_msg_reset (&reply);
        return -1;
    }
    for (size_t i = 0; i < reply.u.snapshot.count; i++)
        s_put (self, &reply.u.snapshot.positions[i]);
    self->epoch = reply.u.snapshot.epoch;
    self->seq = reply.u.snapshot.seq;
    self->synced = true;
    self->resyncs++;
    self->last_seen_ms = tw_clock_mono_ms ();
    tw_info ("clone synced epoch=%llu seq=%llu positions=%zu", (unsigned long long) self->epoch,
             (unsigned long long) self->seq, reply.u.snapshot.count);
    if (self->fn)
        self->fn (self, &reply, self->arg);
    tw_msg_reset (&reply);
    return 0;
}

static void
s_apply (tw_clone_t *self, const tw_msg_t *msg)
{
    const tw_event_t *event = &msg->u.event;
    switch (msg->type) {
    case TW_MSG_POSITION_OPENED:
    case TW_MSG_POSITION_UPDATED:
    case TW_MSG_POSITION_CLOSING:
    case TW_MSG_EXIT_FAILED:
        s_put (self, &event->pos);
        break;
    case TW_MSG_POSITION_CLOSED:
        zhashx_delete (self->positions, event->pos.id);
        break;
    default:
        break; //  order_rejected changes no position
    }
    self->seq = event->seq;
    if (self->fn)
        self->fn (self, msg, self->arg);
}

int
tw_clone_recv (tw_clone_t *self)
{
    tw_msg_t msg;
    char err[TW_TEXT_MAX];
    if (tw_sock_recv (self->sub, &msg, err, sizeof err) != 0) {
        tw_log_limited (&self->bad_log, TW_LOG_WARN, "clone malformed event error=\"%s\"", err);
        return -1;
    }
    int rc = 0;
    if (!tw_msg_is_event (msg.type))
        tw_log_limited (&self->bad_log, TW_LOG_WARN, "clone unexpected message type=%s",
                        tw_msg_type_name (msg.type));
    else if (self->synced) {
        //  Anything from the gateway proves it is alive.
        self->last_seen_ms = tw_clock_mono_ms ();
        const tw_event_t *event = &msg.u.event;
        if (event->epoch != self->epoch)
            rc = s_resync (self, "epoch changed");
        else if (msg.type == TW_MSG_HEARTBEAT) {
            if (event->seq > self->seq)
                rc = s_resync (self, "heartbeat ahead: missed events");
        }
        else if (event->seq == self->seq + 1)
            s_apply (self, &msg);
        else if (event->seq > self->seq + 1)
            rc = s_resync (self, "gap in seq");
        //  An event at or below our seq is already in the snapshot.
    }
    tw_msg_reset (&msg);
    return rc == 0 ? 0 : -1;
}

int
tw_clone_check (tw_clone_t *self)
{
    if (!self->synced)
        return s_resync (self, "not synced");
    if (tw_clock_mono_ms () - self->last_seen_ms > TW_CLONE_SILENCE_MS)
        return s_resync (self, "gateway silent");
    return 0;
}
