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
//  While unsynced, tw_clone_attach checks this often, so that the first
//  snapshot is asked for as soon as the gateway is connected.
#define TW_CLONE_RETRY_MS 10
//  At most this many events are read per wake of tw_clone_attach's reader,
//  so that a flood cannot starve the owner's other sockets.
#define TW_CLONE_DRAIN_MAX 1024
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
    int64_t snap_sent_ms; //  when the request went out or its last part came in
    //  A snapshot in parts: the parts taken so far (their positions are in
    //  the table already) and what every next part must repeat.
    uint64_t parts_taken;
    uint64_t parts;
    uint64_t parts_epoch;
    uint64_t parts_seq;
    tw_trading_state_t parts_trading_state;
    //  The gateway's trading state: from the snapshot, then trading_state
    //  events and heartbeats; NONE from a gateway that does not say.
    tw_trading_state_t trading_state;
    int64_t unsynced_since_ms;  //  when the copy was last lost (or created)
    bool loud;                  //  the unsynced state was logged as an error
    bool refused;               //  the request out was refused (why says how)
    char why[TW_TEXT_MAX + 64]; //  why the copy is not synced
    tw_log_limit_t unsynced_log;
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
    self->unsynced_log.interval_ms = TW_CLONE_LOG_INTERVAL_MS;
    self->unsynced_since_ms = tw_clock_mono_ms ();
    snprintf (self->why, sizeof self->why, "no snapshot asked for yet");
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

tw_trading_state_t
tw_clone_trading_state (tw_clone_t *self)
{
    assert (self);
    return self->trading_state;
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

int64_t
tw_clone_unsynced_ms (tw_clone_t *self)
{
    return self->synced ? 0 : tw_clock_mono_ms () - self->unsynced_since_ms;
}

const char *
tw_clone_why (tw_clone_t *self)
{
    return self->synced ? "" : self->why;
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

//  Updates a position in place, so that the pointer an owner holds stays
//  valid until the position is removed (tw_clone.h).
static void
s_put (tw_clone_t *self, const tw_position_t *pos)
{
    tw_position_t *held = (tw_position_t *) zhashx_lookup (self->positions, pos->id);
    if (held) {
        *held = *pos;
        return;
    }
    tw_position_t *copy = (tw_position_t *) malloc (sizeof *copy);
    assert (copy);
    *copy = *pos;
    zhashx_insert (self->positions, copy->id, copy);
}

static void
s_why (tw_clone_t *self, const char *why)
{
    if (why)
        snprintf (self->why, sizeof self->why, "%s", why);
}

static void s_apply (tw_clone_t *self, const tw_msg_t *msg);

//  Throws the copy away and asks for a new snapshot, if the gateway is
//  connected; the reply is read by s_take_snapshot. why (or NULL to keep
//  the last one) is what tw_clone_why reports until the copy is synced.
static void
s_resync (tw_clone_t *self, const char *why)
{
    int64_t now_ms = tw_clock_mono_ms ();
    if (self->synced) {
        tw_warn ("clone resync reason=\"%s\" epoch=%llu seq=%llu", why ? why : "",
                 (unsigned long long) self->epoch, (unsigned long long) self->seq);
        self->synced = false;
        self->unsynced_since_ms = now_ms;
        zhashx_purge (self->positions);
    }
    s_why (self, why);
    if (self->awaiting && now_ms - self->snap_sent_ms < TW_CLONE_SNAPSHOT_TIMEOUT_MS)
        return; //  the request out is recent enough: its reply will do
    if (self->awaiting && !self->refused)
        snprintf (self->why, sizeof self->why,
                  "no snapshot reply within %d ms (%llu of %llu parts taken)",
                  TW_CLONE_SNAPSHOT_TIMEOUT_MS, (unsigned long long) self->parts_taken,
                  (unsigned long long) (self->parts ? self->parts : 1));
    self->awaiting = false;
    self->refused = false;
    self->parts_taken = 0;
    self->parts = 0;
    zhashx_purge (self->positions); //  the parts of an abandoned snapshot
    zlistx_purge (self->backlog);
    self->overflowed = false;
    if (!(zsock_events (self->snap) & ZMQ_POLLOUT)) {
        s_why (self, "the gateway's command endpoint is not connected");
        return; //  not connected: ask at the next check
    }
    tw_msg_t request;
    tw_msg_init (&request, TW_MSG_SNAPSHOT);
    tw_client_make_req_id ("clone", request.req_id, sizeof request.req_id);
    request.u.snapshot.in_parts = true;
    if (tw_sock_send (self->snap, &request) != 0)
        return;
    snprintf (self->snap_req_id, sizeof self->snap_req_id, "%s", request.req_id);
    self->snap_sent_ms = now_ms;
    self->awaiting = true;
}

//  Takes one part of the snapshot asked for (a whole snapshot is part 0 of
//  1). Returns true when it was the last part.
static bool
s_take_part (tw_clone_t *self, const tw_msg_t *reply)
{
    const tw_snapshot_t *snapshot = &reply->u.snapshot;
    uint64_t part = snapshot->has_parts ? snapshot->part : 0;
    uint64_t parts = snapshot->has_parts ? snapshot->parts : 1;
    if (part == 0) {
        zhashx_purge (self->positions);
        self->parts_taken = 0;
        self->parts = parts;
        self->parts_epoch = snapshot->epoch;
        self->parts_seq = snapshot->seq;
        self->parts_trading_state = snapshot->trading_state;
    }
    else if (part != self->parts_taken || parts != self->parts
             || snapshot->epoch != self->parts_epoch || snapshot->seq != self->parts_seq) {
        char why[TW_TEXT_MAX];
        snprintf (why, sizeof why,
                  "snapshot part %llu of %llu (epoch=%llu seq=%llu) does not follow part %llu of "
                  "%llu (epoch=%llu seq=%llu)",
                  (unsigned long long) part, (unsigned long long) parts,
                  (unsigned long long) snapshot->epoch, (unsigned long long) snapshot->seq,
                  (unsigned long long) self->parts_taken, (unsigned long long) self->parts,
                  (unsigned long long) self->parts_epoch, (unsigned long long) self->parts_seq);
        tw_log_limited (&self->bad_log, TW_LOG_WARN, "clone %s", why);
        self->awaiting = false; //  ask again at once
        s_resync (self, why);
        return false;
    }
    for (size_t i = 0; i < snapshot->count; i++)
        s_put (self, &snapshot->positions[i]);
    self->parts_taken++;
    self->snap_sent_ms = tw_clock_mono_ms (); //  the timeout runs from the last part
    return self->parts_taken == self->parts;
}

//  Reads the replies that are there; applies the snapshot that answers the
//  request out, then the events kept meanwhile that follow it.
static void
s_take_snapshot (tw_clone_t *self)
{
    while (zsock_events (self->snap) & ZMQ_POLLIN) {
        tw_msg_t reply = {.type = TW_MSG_INVALID}; //  tw_sock_recv resets it first
        char err[TW_TEXT_MAX];
        if (tw_sock_recv (self->snap, &reply, err, sizeof err) != 0) {
            tw_log_limited (&self->bad_log, TW_LOG_WARN, "clone malformed snapshot error=\"%s\"",
                            err);
            continue;
        }
        bool answer = self->awaiting && strcmp (reply.req_id, self->snap_req_id) == 0;
        if (!answer || reply.type != TW_MSG_SNAPSHOT_REPLY) {
            if (answer) {
                //  A refusal: asked again after the request's timeout.
                char why[TW_TEXT_MAX + 64];
                snprintf (why, sizeof why, "snapshot refused: %s%s%s",
                          tw_msg_type_name (reply.type), reply.type == TW_MSG_ACK ? ": " : "",
                          reply.type == TW_MSG_ACK ? reply.u.ack.error : "");
                tw_log_limited (&self->bad_log, TW_LOG_WARN, "clone %s", why);
                s_why (self, why);
                self->refused = true;
            }
            tw_msg_reset (&reply);
            continue; //  a late reply to an abandoned request, or a refusal
        }
        bool whole = s_take_part (self, &reply);
        tw_msg_reset (&reply);
        if (!whole)
            continue;
        self->awaiting = false;
        if (self->overflowed) {
            s_resync (self, "backlog overflowed");
            return;
        }
        int64_t now_ms = tw_clock_mono_ms ();
        self->epoch = self->parts_epoch;
        self->seq = self->parts_seq;
        self->trading_state = self->parts_trading_state;
        self->synced = true;
        self->resyncs++;
        self->last_seen_ms = now_ms;
        if (self->loud)
            tw_info ("clone synced after %lld ms unsynced epoch=%llu seq=%llu positions=%zu "
                     "parts=%llu",
                     (long long) (now_ms - self->unsynced_since_ms),
                     (unsigned long long) self->epoch, (unsigned long long) self->seq,
                     zhashx_size (self->positions), (unsigned long long) self->parts);
        else
            tw_info ("clone synced epoch=%llu seq=%llu positions=%zu parts=%llu",
                     (unsigned long long) self->epoch, (unsigned long long) self->seq,
                     zhashx_size (self->positions), (unsigned long long) self->parts);
        self->loud = false;
        if (self->fn) {
            tw_msg_t synced;
            tw_msg_init (&synced, TW_MSG_SNAPSHOT_REPLY);
            snprintf (synced.req_id, sizeof synced.req_id, "%s", self->snap_req_id);
            synced.u.snapshot.epoch = self->epoch;
            synced.u.snapshot.seq = self->seq;
            synced.u.snapshot.parts = self->parts;
            synced.u.snapshot.trading_state = self->trading_state;
            self->fn (self, &synced, self->arg);
        }
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
    case TW_MSG_TRADING_STATE:
        self->trading_state = event->trading_state;
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
    tw_msg_t msg = {.type = TW_MSG_INVALID}; //  tw_sock_recv resets it first
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
            else if (event->trading_state != TW_TRADING_NONE)
                self->trading_state = event->trading_state;
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

//  Says loudly, and again every TW_CLONE_LOG_INTERVAL_MS, that the copy has
//  been unsynced too long: whatever the owner watches is not watched.
static void
s_complain (tw_clone_t *self)
{
    int64_t unsynced_ms = tw_clone_unsynced_ms (self);
    if (self->synced || unsynced_ms < TW_CLONE_UNSYNCED_ERROR_MS)
        return;
    self->loud = true;
    tw_log_limited (&self->unsynced_log, TW_LOG_ERROR,
                    "clone not synced for %lld ms: the gateway's positions are unknown "
                    "reason=\"%s\"",
                    (long long) unsynced_ms, self->why);
}

int
tw_clone_check (tw_clone_t *self)
{
    s_take_snapshot (self);
    if (!self->synced)
        s_resync (self, NULL);
    else if (tw_clock_mono_ms () - self->last_seen_ms > TW_CLONE_SILENCE_MS)
        s_resync (self, "gateway silent");
    s_take_snapshot (self);
    s_complain (self);
    return self->synced ? 0 : -1;
}

static int
s_on_sub (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    tw_clone_t *self = (tw_clone_t *) arg;
    //  Everything queued, up to a bound; tw_clone_recv counts and logs what
    //  is malformed.
    for (int n = 0; n < TW_CLONE_DRAIN_MAX && (zsock_events (reader) & ZMQ_POLLIN); n++)
        tw_clone_recv (self);
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

//  While unsynced and no request is out: ask as soon as the gateway is
//  connected, not at the next regular check.
static int
s_on_retry (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    tw_clone_t *self = (tw_clone_t *) arg;
    if (!self->synced
        && (!self->awaiting
            || tw_clock_mono_ms () - self->snap_sent_ms >= TW_CLONE_SNAPSHOT_TIMEOUT_MS))
        tw_clone_check (self);
    return 0;
}

int
tw_clone_attach (tw_clone_t *self, zloop_t *loop)
{
    if (zloop_reader (loop, self->sub, s_on_sub, self) != 0
        || zloop_reader (loop, self->snap, s_on_snapshot, self) != 0
        || zloop_timer (loop, TW_CLONE_CHECK_MS, 0, s_on_check, self) < 0
        || zloop_timer (loop, TW_CLONE_RETRY_MS, 0, s_on_retry, self) < 0)
        return -1;
    tw_clone_check (self); //  ask for the first snapshot now, if connected
    return 0;
}
