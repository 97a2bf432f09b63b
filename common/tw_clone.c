//  tw_clone - see tw_clone.h.

#include "tw_clone.h"
#include "tw_client.h"
#include "tw_clock.h"
#include "tw_log.h"
#include "tw_sock.h"

#include <string.h>

//  A snapshot request that gets no reply in this time is given up; the next
//  check asks again.
#define TW_CLONE_SNAPSHOT_TIMEOUT_MS 1000
#define TW_CLONE_LOG_INTERVAL_MS 5000
//  The check timer of tw_clone_attach: twice the rate tw_clone asks for.
#define TW_CLONE_CHECK_MS 500
//  Events that arrive while a snapshot is awaited are kept, at most this
//  many, and the ones the snapshot does not cover are applied after it.
#define TW_CLONE_BACKLOG_MAX 10000

struct _tw_clone_t {
    zsock_t *sub;
    zsock_t *snap; //  DEALER to the gateway's command endpoint
    tw_clone_fn *fn;
    void *arg;
    zhashx_t *positions; //  id -> tw_position_t *
    zlistx_t *backlog;   //  tw_msg_t * events received while awaiting a snapshot
    bool synced;
    bool awaiting;   //  a snapshot request is out
    bool overflowed; //  the backlog overflowed: the snapshot must be retaken
    char snap_req_id[TW_ID_MAX];
    int64_t snap_sent_ms;
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
    self->fn = fn;
    self->arg = arg;
    self->positions = zhashx_new ();
    zhashx_set_destructor (self->positions, s_position_destroy);
    self->backlog = zlistx_new ();
    zlistx_set_destructor (self->backlog, s_position_destroy);
    self->bad_log.interval_ms = TW_CLONE_LOG_INTERVAL_MS;
    //  Subscribe before the first snapshot so that no event falls between.
    self->sub = tw_sock_sub_new (pub_endpoint, "");
    //  The snapshot is asked for on a DEALER that is never left waiting:
    //  a request is sent only when the gateway is connected, and a reply
    //  is read only when it is there, so the owner's loop never blocks.
    self->snap = tw_sock_dealer_new (cmd_endpoint);
    if (!self->sub || !self->snap)
        tw_clone_destroy (&self);
    else
        zsock_set_sndtimeo (self->snap, 0);
    return self;
}

void
tw_clone_destroy (tw_clone_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    tw_clone_t *self = *self_p;
    zsock_destroy (&self->sub);
    zsock_destroy (&self->snap);
    zhashx_destroy (&self->positions);
    zlistx_destroy (&self->backlog);
    free (self);
    *self_p = NULL;
}

zsock_t *
tw_clone_socket (tw_clone_t *self)
{
    return self->sub;
}

zsock_t *
tw_clone_snapshot_socket (tw_clone_t *self)
{
    return self->snap;
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

static void s_apply (tw_clone_t *self, const tw_msg_t *msg);

//  Throws the copy away and asks for a new snapshot, if the gateway is
//  connected; the reply is read by s_take_snapshot.
static void
s_resync (tw_clone_t *self, const char *why)
{
    if (self->synced)
        tw_warn ("clone resync reason=\"%s\" epoch=%llu seq=%llu", why,
                 (unsigned long long) self->epoch, (unsigned long long) self->seq);
    self->synced = false;
    zhashx_purge (self->positions);
    if (self->awaiting && tw_clock_mono_ms () - self->snap_sent_ms < TW_CLONE_SNAPSHOT_TIMEOUT_MS)
        return; //  the request out is recent enough: its reply will do
    self->awaiting = false;
    zlistx_purge (self->backlog);
    self->overflowed = false;
    if (!(zsock_events (self->snap) & ZMQ_POLLOUT))
        return; //  not connected: ask at the next check
    tw_msg_t request;
    tw_msg_init (&request, TW_MSG_SNAPSHOT);
    tw_client_make_req_id ("clone", request.req_id, sizeof request.req_id);
    if (tw_sock_send (self->snap, &request) != 0)
        return;
    snprintf (self->snap_req_id, sizeof self->snap_req_id, "%s", request.req_id);
    self->snap_sent_ms = tw_clock_mono_ms ();
    self->awaiting = true;
}

//  Reads the replies that are there; applies the snapshot that answers the
//  request out, then the events kept meanwhile that follow it.
static void
s_take_snapshot (tw_clone_t *self)
{
    while (zsock_events (self->snap) & ZMQ_POLLIN) {
        tw_msg_t reply;
        char err[TW_TEXT_MAX];
        if (tw_sock_recv (self->snap, &reply, err, sizeof err) != 0) {
            tw_log_limited (&self->bad_log, TW_LOG_WARN, "clone malformed snapshot error=\"%s\"",
                            err);
            continue;
        }
        bool answer = self->awaiting && strcmp (reply.req_id, self->snap_req_id) == 0;
        if (!answer || reply.type != TW_MSG_SNAPSHOT_REPLY) {
            if (answer)
                tw_log_limited (&self->bad_log, TW_LOG_WARN, "clone snapshot refused type=%s",
                                tw_msg_type_name (reply.type));
            tw_msg_reset (&reply);
            continue; //  a late reply to an abandoned request, or a refusal
        }
        self->awaiting = false;
        if (self->overflowed) {
            tw_msg_reset (&reply);
            s_resync (self, "backlog overflowed");
            return;
        }
        zhashx_purge (self->positions);
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
        //  Events the gateway published after it answered.
        tw_msg_t *event;
        while (self->synced && (event = (tw_msg_t *) zlistx_detach (self->backlog, NULL))) {
            if (event->u.event.epoch != self->epoch)
                s_resync (self, "epoch changed");
            else if (event->u.event.seq == self->seq + 1)
                s_apply (self, event);
            else if (event->u.event.seq > self->seq + 1)
                s_resync (self, "gap in seq");
            free (event);
        }
        zlistx_purge (self->backlog);
    }
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

//  Keeps an event that arrived while a snapshot is awaited.
static void
s_keep (tw_clone_t *self, const tw_msg_t *msg)
{
    if (msg->type == TW_MSG_HEARTBEAT)
        return;
    if (zlistx_size (self->backlog) >= TW_CLONE_BACKLOG_MAX) {
        self->overflowed = true;
        return;
    }
    tw_msg_t *copy = (tw_msg_t *) malloc (sizeof *copy);
    assert (copy);
    *copy = *msg; //  events own no memory
    zlistx_add_end (self->backlog, copy);
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
    bool was_synced = self->synced;
    if (!tw_msg_is_event (msg.type))
        tw_log_limited (&self->bad_log, TW_LOG_WARN, "clone unexpected message type=%s",
                        tw_msg_type_name (msg.type));
    else if (!self->synced) {
        if (self->awaiting)
            s_keep (self, &msg);
    }
    else {
        //  Anything from the gateway proves it is alive.
        self->last_seen_ms = tw_clock_mono_ms ();
        const tw_event_t *event = &msg.u.event;
        if (event->epoch != self->epoch)
            s_resync (self, "epoch changed");
        else if (msg.type == TW_MSG_HEARTBEAT) {
            if (event->seq > self->seq)
                s_resync (self, "heartbeat ahead: missed events");
        }
        else if (event->seq == self->seq + 1)
            s_apply (self, &msg);
        else if (event->seq > self->seq + 1)
            s_resync (self, "gap in seq");
        //  An event at or below our seq is already in the snapshot.
    }
    tw_msg_reset (&msg);
    s_take_snapshot (self);
    return was_synced && !self->synced ? -1 : 0;
}

int
tw_clone_check (tw_clone_t *self)
{
    s_take_snapshot (self);
    if (!self->synced)
        s_resync (self, "not synced");
    else if (tw_clock_mono_ms () - self->last_seen_ms > TW_CLONE_SILENCE_MS)
        s_resync (self, "gateway silent");
    s_take_snapshot (self);
    return self->synced ? 0 : -1;
}

static int
s_on_sub (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    (void) reader;
    tw_clone_recv ((tw_clone_t *) arg); //  it counts and logs what is malformed
    return 0;
}

static int
s_on_snapshot (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    (void) reader;
    tw_clone_check ((tw_clone_t *) arg);
    return 0;
}

static int
s_on_check (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    tw_clone_check ((tw_clone_t *) arg);
    return 0;
}

int
tw_clone_attach (tw_clone_t *self, zloop_t *loop)
{
    if (zloop_reader (loop, self->sub, s_on_sub, self) != 0
        || zloop_reader (loop, self->snap, s_on_snapshot, self) != 0
        || zloop_timer (loop, TW_CLONE_CHECK_MS, 0, s_on_check, self) < 0)
        return -1;
    return 0;
}
