//  tw_sock - see tw_sock.h.
//
//  Frames are read with libzmq directly, one part at a time, so that a peer
//  that sends a thousand frames costs us a thousand small reads, not a
//  thousand allocations: only the parts a message may legally have are
//  kept, the rest are counted and dropped. Bodies are decoded straight from
//  the zmq_msg_t, without a copy.

#include "tw_sock.h"
#include "tw_log.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  High-water marks, in messages. A REQ client has one request in flight; a
//  router serves many clients; a PUB feeds ticks to subscribers that may
//  lag for a moment (beyond the mark, PUB drops and the clone resyncs).
#define TW_SOCK_CLIENT_HWM 100
#define TW_SOCK_ROUTER_HWM 10000
#define TW_SOCK_PUB_HWM 100000
#define TW_SOCK_SUB_HWM 100000

//  On close, a bound socket gets this long to flush its last replies and
//  events (well inside the 2 s a service has to stop); connecting sockets
//  drop what they hold at once.
#define TW_SOCK_FLUSH_LINGER_MS 250
#define TW_SOCK_NO_LINGER 0

//  ZMTP heartbeats on TCP: a ping every second, a peer silent for 3 s is
//  disconnected (and reconnected by the connecting side).
#define TW_SOCK_HEARTBEAT_IVL_MS 1000
#define TW_SOCK_HEARTBEAT_TIMEOUT_MS 3000
#define TW_SOCK_HEARTBEAT_TTL_MS 3000

//  The most parts of one message we keep: routing frames, the delimiter and
//  the body. A longer message is received whole and rejected.
#define TW_SOCK_PARTS_MAX 16
//  Topics are "tick.<symbol>", "pos.<type>" or "hb".
#define TW_SOCK_TOPIC_MAX (TW_SYMBOL_MAX + 16)
//  How much of an unexpected topic an error message shows.
#define TW_SOCK_QUOTE_MAX 64

#define TW_SOCK_TCP_PREFIX "tcp://"

//  ---------------------------------------------------------------------
//  Constructors: one helper per role.

static bool
s_is_tcp (const char *endpoint)
{
    return strncmp (endpoint, TW_SOCK_TCP_PREFIX, strlen (TW_SOCK_TCP_PREFIX)) == 0;
}

//  A socket of type with the options every role has.
static zsock_t *
s_socket (int type, const char *endpoint, int linger)
{
    if (!endpoint || !*endpoint) {
        tw_error ("sock no endpoint for a %s socket", zsys_sockname (type));
        return NULL;
    }
    zsock_t *sock = zsock_new (type);
    if (!sock) {
        tw_error ("sock cannot create a %s socket: %s", zsys_sockname (type),
                  zmq_strerror (zmq_errno ()));
        return NULL;
    }
    zsock_set_linger (sock, linger);
    if (s_is_tcp (endpoint)) {
        zsock_set_heartbeat_ivl (sock, TW_SOCK_HEARTBEAT_IVL_MS);
        zsock_set_heartbeat_timeout (sock, TW_SOCK_HEARTBEAT_TIMEOUT_MS);
        zsock_set_heartbeat_ttl (sock, TW_SOCK_HEARTBEAT_TTL_MS);
    }
    return sock;
}

//  Binds sock, or destroys it and returns NULL.
static zsock_t *
s_bind (zsock_t *sock, const char *endpoint)
{
    if (zsock_bind (sock, "%s", endpoint) == -1) {
        tw_error ("sock cannot bind %s socket to %s: %s", zsock_type_str (sock), endpoint,
                  zmq_strerror (zmq_errno ()));
        zsock_destroy (&sock);
    }
    return sock;
}

//  Connects sock (which only fails on a malformed endpoint: the connection
//  itself is made in the background), or destroys it and returns NULL.
static zsock_t *
s_connect (zsock_t *sock, const char *endpoint)
{
    if (zsock_connect (sock, "%s", endpoint) == -1) {
        tw_error ("sock cannot connect %s socket to %s: %s", zsock_type_str (sock), endpoint,
                  zmq_strerror (zmq_errno ()));
        zsock_destroy (&sock);
    }
    return sock;
}

//  A command client (REQ or DEALER): a queued command must never reach a
//  server that comes up minutes later, so no queueing before the connection
//  is made (IMMEDIATE) and nothing kept at close (LINGER 0).
static zsock_t *
s_command_client (int type, const char *endpoint)
{
    zsock_t *sock = s_socket (type, endpoint, TW_SOCK_NO_LINGER);
    if (!sock)
        return NULL;
    zsock_set_immediate (sock, 1);
    zsock_set_sndhwm (sock, TW_SOCK_CLIENT_HWM);
    zsock_set_rcvhwm (sock, TW_SOCK_CLIENT_HWM);
    zsock_set_sndtimeo (sock, TW_SOCK_CLIENT_SEND_TIMEOUT_MS);
    return s_connect (sock, endpoint);
}

zsock_t *
tw_sock_client_new (const char *endpoint)
{
    return s_command_client (ZMQ_REQ, endpoint);
}

zsock_t *
tw_sock_dealer_new (const char *endpoint)
{
    return s_command_client (ZMQ_DEALER, endpoint);
}

zsock_t *
tw_sock_router_new (const char *endpoint)
{
    zsock_t *sock = s_socket (ZMQ_ROUTER, endpoint, TW_SOCK_FLUSH_LINGER_MS);
    if (!sock)
        return NULL;
    //  A peer that sends more than a frame can hold is disconnected before
    //  the message is read into memory; it reconnects on its own. Only the
    //  binding side gets this limit: on a connecting socket (SUB, DEALER,
    //  REQ) libzmq takes an oversize message for a protocol error and never
    //  reconnects, so one bad message would cut the service off for good.
    //  There the decoder refuses the message instead (TW_MAX_FRAME).
    zsock_set_maxmsgsize (sock, TW_MAX_FRAME);
    //  A reply to a peer that is gone fails instead of vanishing silently.
    zsock_set_router_mandatory (sock, 1);
    zsock_set_sndhwm (sock, TW_SOCK_ROUTER_HWM);
    zsock_set_rcvhwm (sock, TW_SOCK_ROUTER_HWM);
    return s_bind (sock, endpoint);
}

zsock_t *
tw_sock_pub_new (const char *endpoint)
{
    zsock_t *sock = s_socket (ZMQ_PUB, endpoint, TW_SOCK_FLUSH_LINGER_MS);
    if (!sock)
        return NULL;
    zsock_set_sndhwm (sock, TW_SOCK_PUB_HWM);
    return s_bind (sock, endpoint);
}

zsock_t *
tw_sock_sub_new (const char *endpoint, const char *prefix)
{
    zsock_t *sock = s_socket (ZMQ_SUB, endpoint, TW_SOCK_NO_LINGER);
    if (!sock)
        return NULL;
    zsock_set_rcvhwm (sock, TW_SOCK_SUB_HWM);
    zsock_set_subscribe (sock, prefix ? prefix : "");
    return s_connect (sock, endpoint);
}

//  ---------------------------------------------------------------------
//  Frames in.

//  The parts of one received message: the first TW_SOCK_PARTS_MAX are kept.
typedef struct {
    zmq_msg_t parts[TW_SOCK_PARTS_MAX];
    int kept;
    int total;
} s_frames_t;

static void
s_frames_close (s_frames_t *frames)
{
    for (int i = 0; i < frames->kept; i++)
        zmq_msg_close (&frames->parts[i]);
    frames->kept = 0;
}

//  Receives every part of one message. Returns 0, or -1 with err set when
//  no message came (interrupted, receive timeout, socket closed).
static int
s_frames_recv (zsock_t *sock, s_frames_t *frames, char *err, size_t err_size)
{
    void *handle = zsock_resolve (sock);
    frames->kept = 0;
    frames->total = 0;
    zmq_msg_t spare;
    zmq_msg_init (&spare);
    bool more = true;
    while (more) {
        zmq_msg_t *part = frames->kept < TW_SOCK_PARTS_MAX ? &frames->parts[frames->kept] : &spare;
        if (part != &spare)
            zmq_msg_init (part);
        if (zmq_msg_recv (part, handle, 0) == -1) {
            int error = zmq_errno ();
            //  The rest of a message that has begun is already here: a
            //  signal in between must not cut it in two.
            if (error == EINTR && frames->total > 0) {
                if (part != &spare)
                    zmq_msg_close (part);
                continue;
            }
            if (part != &spare)
                zmq_msg_close (part);
            zmq_msg_close (&spare);
            s_frames_close (frames);
            snprintf (err, err_size, "%s",
                      error == EINTR    ? "interrupted"
                      : error == EAGAIN ? "no message before the receive timeout"
                                        : zmq_strerror (error));
            return -1;
        }
        more = zmq_msg_more (part);
        frames->total++;
        if (part != &spare)
            frames->kept++;
    }
    zmq_msg_close (&spare);
    return 0;
}

//  Writes a printable copy of bytes (at most TW_SOCK_QUOTE_MAX of them).
static void
s_printable (const void *data, size_t size, char *buf, size_t buf_size)
{
    const unsigned char *bytes = (const unsigned char *) data;
    size_t n = 0;
    for (size_t i = 0; i < size && i < TW_SOCK_QUOTE_MAX && n + 1 < buf_size; i++)
        buf[n++] = bytes[i] >= 0x20 && bytes[i] < 0x7f ? (char) bytes[i] : '?';
    buf[n] = 0;
}

static int
s_decode (zmq_msg_t *part, tw_msg_t *msg, char *err, size_t err_size)
{
    return tw_msg_decode ((const uint8_t *) zmq_msg_data (part), zmq_msg_size (part), msg, err,
                          err_size);
}

//  Checks that the topic frame is the topic of msg.
static int
s_check_topic (zmq_msg_t *topic, const tw_msg_t *msg, char *err, size_t err_size)
{
    char expected[TW_SOCK_TOPIC_MAX];
    if (tw_msg_topic (msg, expected, sizeof expected) != 0) {
        snprintf (err, err_size, "a %s message is not published", tw_msg_type_name (msg->type));
        return -1;
    }
    if (zmq_msg_size (topic) != strlen (expected)
        || memcmp (zmq_msg_data (topic), expected, strlen (expected)) != 0) {
        char got[TW_SOCK_QUOTE_MAX + 1];
        s_printable (zmq_msg_data (topic), zmq_msg_size (topic), got, sizeof got);
        snprintf (err, err_size, "topic '%s' does not match the %s message (expected '%s')", got,
                  tw_msg_type_name (msg->type), expected);
        return -1;
    }
    return 0;
}

int
tw_sock_recv (zsock_t *sock, tw_msg_t *msg, char *err, size_t err_size)
{
    assert (sock && msg);
    tw_msg_reset (msg);
    s_frames_t frames;
    if (s_frames_recv (sock, &frames, err, err_size) != 0)
        return -1;
    int type = zsock_type (sock);
    //  On SUB the first frame is the topic, on DEALER the empty delimiter.
    int expected = type == ZMQ_SUB || type == ZMQ_DEALER ? 2 : 1;
    int rc = -1;
    if (frames.total != expected)
        snprintf (err, err_size, "expected %d frame%s, got %d", expected, expected > 1 ? "s" : "",
                  frames.total);
    else if (type == ZMQ_DEALER && zmq_msg_size (&frames.parts[0]) != 0)
        snprintf (err, err_size, "expected an empty delimiter frame before the body");
    else if (s_decode (&frames.parts[expected - 1], msg, err, err_size) == 0) {
        if (type == ZMQ_SUB && s_check_topic (&frames.parts[0], msg, err, err_size) != 0)
            tw_msg_reset (msg);
        else
            rc = 0;
    }
    s_frames_close (&frames);
    return rc;
}

int
tw_router_recv (zsock_t *router, tw_request_t *request, tw_msg_t *msg, char *err, size_t err_size)
{
    assert (router && request && msg);
    request->envelope = NULL;
    tw_msg_reset (msg);
    s_frames_t frames;
    if (s_frames_recv (router, &frames, err, err_size) != 0)
        return -1;
    //  The first frame is the peer's routing id, never the delimiter; a
    //  delimiter in the last kept part would leave the body unkept.
    int delimiter = -1;
    for (int i = 1; i < frames.kept && i < TW_SOCK_PARTS_MAX - 1 && delimiter < 0; i++)
        if (zmq_msg_size (&frames.parts[i]) == 0)
            delimiter = i;
    int rc = -1;
    if (delimiter < 0) {
        snprintf (err, err_size, "no envelope: %d frame%s without an empty delimiter", frames.total,
                  frames.total > 1 ? "s" : "");
        s_frames_close (&frames);
        return -1;
    }
    request->envelope = zmsg_new ();
    for (int i = 0; i <= delimiter && request->envelope; i++)
        if (zmsg_addmem (request->envelope, zmq_msg_data (&frames.parts[i]),
                         zmq_msg_size (&frames.parts[i]))
            != 0)
            zmsg_destroy (&request->envelope);
    int bodies = frames.total - delimiter - 1;
    if (!request->envelope)
        snprintf (err, err_size, "out of memory");
    else if (bodies != 1)
        snprintf (err, err_size, "expected 1 body frame after the envelope, got %d", bodies);
    else
        rc = s_decode (&frames.parts[delimiter + 1], msg, err, err_size);
    s_frames_close (&frames);
    return rc;
}

//  ---------------------------------------------------------------------
//  Frames out.

//  Encodes msg; logs and returns -1 when it cannot.
static int
s_encode (const tw_msg_t *msg, uint8_t **data, size_t *size)
{
    char err[TW_TEXT_MAX];
    if (tw_msg_encode (msg, data, size, err, sizeof err) != 0) {
        tw_error ("sock cannot encode a %s message: %s", tw_msg_type_name (msg->type), err);
        return -1;
    }
    return 0;
}

static int
s_send_part (zsock_t *sock, const void *data, size_t size, int flags)
{
    return zmq_send (zsock_resolve (sock), data, size, flags) == -1 ? -1 : 0;
}

int
tw_sock_send (zsock_t *sock, const tw_msg_t *msg)
{
    assert (sock && msg);
    uint8_t *data = NULL;
    size_t size = 0;
    if (s_encode (msg, &data, &size) != 0)
        return -1;
    int rc = 0;
    if (zsock_type (sock) == ZMQ_DEALER)
        rc = s_send_part (sock, "", 0, ZMQ_SNDMORE);
    if (rc == 0)
        rc = s_send_part (sock, data, size, 0);
    if (rc != 0)
        tw_warn ("sock cannot send a %s message on a %s socket: %s", tw_msg_type_name (msg->type),
                 zsock_type_str (sock), zmq_strerror (zmq_errno ()));
    free (data);
    return rc;
}

int
tw_sock_publish (zsock_t *pub, const tw_msg_t *msg)
{
    assert (pub && msg);
    char topic[TW_SOCK_TOPIC_MAX];
    if (tw_msg_topic (msg, topic, sizeof topic) != 0) {
        tw_error ("sock a %s message has no topic: not published", tw_msg_type_name (msg->type));
        return -1;
    }
    uint8_t *data = NULL;
    size_t size = 0;
    if (s_encode (msg, &data, &size) != 0)
        return -1;
    //  PUB never blocks: past the high-water mark it drops, and a
    //  subscriber notices the gap in seq.
    int rc = s_send_part (pub, topic, strlen (topic), ZMQ_SNDMORE | ZMQ_DONTWAIT);
    if (rc == 0)
        rc = s_send_part (pub, data, size, ZMQ_DONTWAIT);
    if (rc != 0)
        tw_warn ("sock cannot publish %s: %s", topic, zmq_strerror (zmq_errno ()));
    free (data);
    return rc;
}

int
tw_router_reply (zsock_t *router, tw_request_t *request, const tw_msg_t *reply)
{
    assert (router && request && reply);
    if (!request->envelope) {
        tw_error ("sock a %s reply without an envelope: not sent", tw_msg_type_name (reply->type));
        return -1;
    }
    uint8_t *data = NULL;
    size_t size = 0;
    if (s_encode (reply, &data, &size) != 0) {
        tw_request_destroy (request);
        return -1;
    }
    //  Never block the service's loop on one slow or vanished client: with
    //  ROUTER_MANDATORY an unknown peer fails at once (EHOSTUNREACH) and a
    //  full one fails instead of waiting (EAGAIN).
    int rc = 0;
    for (zframe_t *frame = zmsg_first (request->envelope); frame && rc == 0;
         frame = zmsg_next (request->envelope))
        rc = s_send_part (router, zframe_data (frame), zframe_size (frame),
                          ZMQ_SNDMORE | ZMQ_DONTWAIT);
    if (rc == 0)
        rc = s_send_part (router, data, size, ZMQ_DONTWAIT);
    if (rc != 0)
        tw_debug ("sock cannot reply %s: %s", tw_msg_type_name (reply->type),
                  zmq_strerror (zmq_errno ()));
    free (data);
    tw_request_destroy (request);
    return rc;
}

void
tw_request_destroy (tw_request_t *request)
{
    if (request)
        zmsg_destroy (&request->envelope);
}
