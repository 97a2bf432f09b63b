//  bench_risk_parts - see bench_risk_parts.h.

#include "bench_risk_parts.h"
#include "bench_fixture.h"
#include "tw_clock.h"
#include "tw_sock.h"

#include <msgpack.h>
#include <string.h>

#define BENCH_EPOCH 1
#define BENCH_SEQ 1
#define BENCH_STOP 50.0
#define BENCH_TARGET 150.0
//  Ticks read per wake by the floor, as the risk-monitor does.
#define BENCH_FLOOR_DRAIN_MAX 4096

//  ---------------------------------------------------------------------------
//  The stand-in gateway.

static void
s_position (int i, tw_position_t *pos)
{
    memset (pos, 0, sizeof *pos);
    if (i < 0) {
        snprintf (pos->symbol, sizeof pos->symbol, "%s", BENCH_RISK_CANARY);
        pos->sl = 100;
    }
    else {
        bench_symbol ("R", i % BENCH_RISK_SYMBOLS, pos->symbol, sizeof pos->symbol);
        pos->sl = BENCH_STOP;
        pos->tp = BENCH_TARGET;
    }
    snprintf (pos->id, sizeof pos->id, "%s-P%d", pos->symbol, i < 0 ? 0 : i);
    snprintf (pos->product, sizeof pos->product, "INTRADAY");
    pos->side = TW_SIDE_LONG;
    pos->qty = 1;
    pos->entry_price = 100;
    pos->state = TW_STATE_OPEN;
}

//  Answers a snapshot as the gateway does: whole when it fits, else in
//  parts to an asker that takes them (refused otherwise).
static void
s_snapshot (zsock_t *router, tw_request_t *request, const tw_msg_t *msg,
            const tw_position_t *positions, size_t count)
{
    size_t parts = count ? (count + TW_MAX_POSITIONS - 1) / TW_MAX_POSITIONS : 1;
    tw_msg_t reply;
    if (parts > 1 && !msg->u.snapshot.in_parts) {
        tw_msg_init (&reply, TW_MSG_ACK);
        snprintf (reply.req_id, sizeof reply.req_id, "%s", msg->req_id);
        reply.u.ack.status = TW_ACK_REJECTED;
        snprintf (reply.u.ack.error, sizeof reply.u.ack.error, "ask with parts=true");
        tw_router_reply (router, request, &reply);
        return;
    }
    for (size_t part = 0; part < parts; part++) {
        size_t first = part * TW_MAX_POSITIONS;
        size_t n = count - first < TW_MAX_POSITIONS ? count - first : TW_MAX_POSITIONS;
        tw_msg_init (&reply, TW_MSG_SNAPSHOT_REPLY);
        snprintf (reply.req_id, sizeof reply.req_id, "%s", msg->req_id);
        reply.u.snapshot.epoch = BENCH_EPOCH;
        reply.u.snapshot.seq = BENCH_SEQ;
        reply.u.snapshot.has_parts = parts > 1;
        reply.u.snapshot.part = part;
        reply.u.snapshot.parts = parts;
        reply.u.snapshot.count = n;
        reply.u.snapshot.positions = (tw_position_t *) malloc ((n ? n : 1) * sizeof *positions);
        assert (reply.u.snapshot.positions);
        memcpy (reply.u.snapshot.positions, positions + first, n * sizeof *positions);
        tw_request_t copy = {.envelope = zmsg_dup (request->envelope)};
        tw_router_reply (router, &copy, &reply);
        tw_msg_reset (&reply);
    }
    tw_request_destroy (request);
}

static void
s_ack (zsock_t *router, tw_request_t *request, const tw_msg_t *msg)
{
    tw_msg_t reply;
    tw_msg_init (&reply, TW_MSG_ACK);
    snprintf (reply.req_id, sizeof reply.req_id, "%s", msg->req_id);
    reply.u.ack.status = TW_ACK_ACCEPTED;
    tw_router_reply (router, request, &reply);
}

void
bench_gateway_actor (zsock_t *pipe, void *args)
{
    bench_gateway_t *gw = (bench_gateway_t *) args;
    zsock_t *router = tw_sock_router_new (gw->rep);
    zsock_t *pub = tw_sock_pub_new (gw->pub);
    size_t count = (size_t) gw->positions + 1;
    tw_position_t *positions = (tw_position_t *) calloc (count, sizeof *positions);
    if (!router || !pub || !positions) {
        zsock_destroy (&router);
        zsock_destroy (&pub);
        free (positions);
        zsock_signal (pipe, 1);
        return;
    }
    s_position (-1, &positions[0]);
    for (int i = 0; i < gw->positions; i++)
        s_position (i, &positions[i + 1]);
    zsock_signal (pipe, 0);
    zpoller_t *poller = zpoller_new (pipe, router, NULL);
    int64_t next_heartbeat = 0;
    while (true) {
        int64_t now = tw_clock_mono_ms ();
        if (now >= next_heartbeat) {
            tw_msg_t hb;
            tw_msg_init (&hb, TW_MSG_HEARTBEAT);
            hb.u.event.epoch = BENCH_EPOCH;
            hb.u.event.seq = BENCH_SEQ;
            tw_sock_publish (pub, &hb);
            next_heartbeat = now + BENCH_RISK_HEARTBEAT_MS;
        }
        void *which = zpoller_wait (poller, (int) (next_heartbeat - now));
        if (which == pipe) {
            char *command = zstr_recv (pipe);
            bool term = !command || streq (command, "$TERM");
            zstr_free (&command);
            if (term)
                break;
        }
        else if (which == router) {
            tw_request_t request = {0};
            tw_msg_t msg;
            msg.type = TW_MSG_INVALID;
            char err[TW_TEXT_MAX];
            if (tw_router_recv (router, &request, &msg, err, sizeof err) != 0)
                tw_request_destroy (&request);
            else if (msg.type == TW_MSG_SNAPSHOT) {
                s_snapshot (router, &request, &msg, positions, count);
                gw->snapshots++;
            }
            else {
                int64_t expected = 0;
                if (msg.type == TW_MSG_CLOSE)
                    atomic_compare_exchange_strong (&gw->first_close_us, &expected,
                                                    bench_now_us ());
                gw->commands++;
                s_ack (router, &request, &msg);
            }
            tw_msg_reset (&msg);
        }
        else if (zpoller_terminated (poller))
            break;
    }
    zpoller_destroy (&poller);
    free (positions);
    zsock_destroy (&pub);
    zsock_destroy (&router);
}

//  ---------------------------------------------------------------------------
//  The feed.

#define BENCH_FEED_PRICES 2
#define BENCH_FEED_FRAMES (BENCH_RISK_SYMBOLS * BENCH_FEED_PRICES + 1)

typedef struct {
    char topic[TW_SYMBOL_MAX + 8];
    size_t topic_size;
    uint8_t *body;
    size_t body_size;
} s_frame_t;

struct _bench_feed_t {
    zsock_t *pub;
    s_frame_t frames[BENCH_FEED_FRAMES]; //  the last one is the canary's
    size_t next;
};

static int
s_encode (s_frame_t *frame, const char *symbol, double ltp)
{
    tw_msg_t msg;
    tw_msg_init (&msg, TW_MSG_TICK);
    snprintf (msg.u.tick.symbol, sizeof msg.u.tick.symbol, "%s", symbol);
    msg.u.tick.ltp = ltp;
    msg.u.tick.bid = ltp - 0.05;
    msg.u.tick.ask = ltp + 0.05;
    msg.u.tick.volume = 1000;
    char err[TW_TEXT_MAX];
    if (tw_msg_topic (&msg, frame->topic, sizeof frame->topic) != 0
        || tw_msg_encode (&msg, &frame->body, &frame->body_size, err, sizeof err) != 0)
        return bench_fail ("cannot encode a tick of %s", symbol);
    frame->topic_size = strlen (frame->topic);
    return 0;
}

bench_feed_t *
bench_feed_new (const char *endpoint)
{
    bench_feed_t *self = (bench_feed_t *) zmalloc (sizeof (bench_feed_t));
    self->pub = zsock_new (ZMQ_PUB);
    if (!self->pub) {
        bench_feed_destroy (&self);
        return NULL;
    }
    zsock_set_sndhwm (self->pub, 0);
    zsock_set_linger (self->pub, 0);
    int rc = zsock_bind (self->pub, "%s", endpoint) < 0 ? -1 : 0;
    for (int i = 0; rc == 0 && i < BENCH_RISK_SYMBOLS * BENCH_FEED_PRICES; i++) {
        char symbol[TW_SYMBOL_MAX];
        bench_symbol ("R", i / BENCH_FEED_PRICES, symbol, sizeof symbol);
        rc = s_encode (&self->frames[i], symbol, 100.0 + 0.05 * (i % BENCH_FEED_PRICES));
    }
    if (rc == 0)
        rc = s_encode (&self->frames[BENCH_FEED_FRAMES - 1], BENCH_RISK_CANARY,
                       BENCH_RISK_CANARY_LTP);
    if (rc != 0) {
        bench_fail ("cannot make the feed on %s", endpoint);
        bench_feed_destroy (&self);
    }
    return self;
}

void
bench_feed_destroy (bench_feed_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bench_feed_t *self = *self_p;
    for (int i = 0; i < BENCH_FEED_FRAMES; i++)
        free (self->frames[i].body);
    zsock_destroy (&self->pub);
    free (self);
    *self_p = NULL;
}

static int
s_send (bench_feed_t *self, const s_frame_t *frame)
{
    void *handle = zsock_resolve (self->pub);
    if (zmq_send (handle, frame->topic, frame->topic_size, ZMQ_SNDMORE) < 0
        || zmq_send (handle, frame->body, frame->body_size, 0) < 0)
        return bench_fail ("feed send: %s", zmq_strerror (zmq_errno ()));
    return 0;
}

int
bench_feed_send (bench_feed_t *self, int64_t count)
{
    //  The symbols in turn, each at one price then the other.
    for (int64_t i = 0; i < count; i++) {
        size_t symbol = self->next % BENCH_RISK_SYMBOLS;
        size_t price = (self->next / BENCH_RISK_SYMBOLS) % BENCH_FEED_PRICES;
        self->next++;
        if (s_send (self, &self->frames[symbol * BENCH_FEED_PRICES + price]) != 0)
            return -1;
    }
    return 0;
}

int
bench_feed_canary (bench_feed_t *self)
{
    return s_send (self, &self->frames[BENCH_FEED_FRAMES - 1]);
}

//  ---------------------------------------------------------------------------
//  The floor.

static bool
s_key_is (const msgpack_object *key, const char *name, size_t len)
{
    return key->type == MSGPACK_OBJECT_STR && key->via.str.size == len
           && memcmp (key->via.str.ptr, name, len) == 0;
}

//  Decodes one tick and compares its ltp with the stop.
static void
s_floor_take (bench_floor_t *floor, void *sub, msgpack_unpacked *unpacked)
{
    zmq_msg_t topic, body;
    zmq_msg_init (&topic);
    zmq_msg_init (&body);
    if (zmq_msg_recv (&topic, sub, ZMQ_DONTWAIT) < 0 || !zmq_msg_more (&topic)
        || zmq_msg_recv (&body, sub, 0) < 0) {
        zmq_msg_close (&topic);
        zmq_msg_close (&body);
        return;
    }
    size_t offset = 0;
    const char *symbol = NULL;
    double ltp = 0;
    if (msgpack_unpack_next (unpacked, (const char *) zmq_msg_data (&body), zmq_msg_size (&body),
                             &offset)
            == MSGPACK_UNPACK_SUCCESS
        && unpacked->data.type == MSGPACK_OBJECT_MAP) {
        const msgpack_object_map *map = &unpacked->data.via.map;
        for (uint32_t i = 0; i < map->size; i++) {
            const msgpack_object *key = &map->ptr[i].key, *value = &map->ptr[i].val;
            if (s_key_is (key, "symbol", 6) && value->type == MSGPACK_OBJECT_STR)
                symbol = value->via.str.ptr;
            else if (s_key_is (key, "ltp", 3) && value->type == MSGPACK_OBJECT_FLOAT64)
                ltp = value->via.f64;
        }
    }
    if (symbol && ltp > 0) {
        if (ltp <= BENCH_STOP)
            floor->crossings++;
        floor->ticks++;
    }
    else
        floor->bad++;
    zmq_msg_close (&topic);
    zmq_msg_close (&body);
}

void
bench_floor_actor (zsock_t *pipe, void *args)
{
    bench_floor_t *floor = (bench_floor_t *) args;
    zsock_t *sub = zsock_new (ZMQ_SUB);
    if (!sub) {
        zsock_signal (pipe, 1);
        return;
    }
    //  As the risk-monitor's SUB (tw_sock_sub_new).
    zsock_set_rcvhwm (sub, 100000);
    zsock_set_subscribe (sub, "tick.");
    zsock_set_linger (sub, 0);
    if (zsock_connect (sub, "%s", floor->feed) != 0) {
        zsock_destroy (&sub);
        zsock_signal (pipe, 1);
        return;
    }
    zsock_signal (pipe, 0);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    void *handle = zsock_resolve (sub);
    zmq_pollitem_t items[] = {{zsock_resolve (pipe), 0, ZMQ_POLLIN, 0}, {handle, 0, ZMQ_POLLIN, 0}};
    while (zmq_poll (items, 2, -1) >= 0) {
        if (items[0].revents & ZMQ_POLLIN)
            break; //  $TERM
        if (items[1].revents & ZMQ_POLLIN) {
            s_floor_take (floor, handle, &unpacked);
            for (int n = 1; n < BENCH_FLOOR_DRAIN_MAX && (zsock_events (sub) & ZMQ_POLLIN); n++)
                s_floor_take (floor, handle, &unpacked);
        }
    }
    msgpack_unpacked_destroy (&unpacked);
    zsock_destroy (&sub);
}
