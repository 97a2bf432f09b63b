//  Unit tests of tw_requester against a fake server (a ROUTER over
//  inproc://): a reply ends a request once; lost replies are sent again with
//  the same req_id and the same bytes; a server that is down costs every
//  attempt, then the request is given up; a server that comes up midway is
//  reached; late, duplicate, malformed and unexpected replies are counted
//  and dropped; a repeated req_id joins; cancel, abandon, the bound, the
//  send-function variant and tw_requester_attach on a zloop. Time is passed
//  in (except with attach), so timeouts are exact and nothing sleeps.

#include <arpa/inet.h>
#include <check.h>
#include <czmq.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tw_clock.h"
#include "tw_log.h"
#include "tw_requester.h"
#include "tw_sock.h"

#define TIMEOUT_MS 100
#define ATTEMPTS 3
//  Every wait for a message is bounded by this.
#define WAIT_MS 2000
#define SERVER "inproc://requester-server"
#define SENT_MAX 16

//  What the done function saw.
typedef struct {
    int calls;
    bool answered;
    tw_ack_status_t status;
    char req_id[TW_ID_MAX];
    int attempts;
    void *entry_arg;
    int64_t now_ms;
} s_seen_t;

static void
s_record (const tw_requester_entry_t *entry, const tw_msg_t *reply, int64_t now_ms, void *arg)
{
    s_seen_t *seen = (s_seen_t *) arg;
    seen->calls++;
    seen->answered = reply != NULL;
    seen->status = reply && reply->type == TW_MSG_ACK ? reply->u.ack.status : TW_ACK_NONE;
    snprintf (seen->req_id, sizeof seen->req_id, "%s", entry->request.req_id);
    seen->attempts = entry->attempts;
    seen->entry_arg = entry->arg;
    seen->now_ms = now_ms;
}

static tw_msg_t
s_close (const char *req_id)
{
    tw_msg_t msg;
    tw_msg_init (&msg, TW_MSG_CLOSE);
    snprintf (msg.req_id, sizeof msg.req_id, "%s", req_id);
    msg.expires_at = 1700000000000000000LL;
    snprintf (msg.u.close.id, sizeof msg.u.close.id, "NSE:SBIN-EQ-INTRADAY");
    snprintf (msg.u.close.reason, sizeof msg.u.close.reason, "%s", TW_REASON_MANUAL_CLOSE);
    return msg;
}

static tw_msg_t
s_ack (const char *req_id, tw_ack_status_t status)
{
    tw_msg_t msg;
    tw_msg_init (&msg, TW_MSG_ACK);
    snprintf (msg.req_id, sizeof msg.req_id, "%s", req_id);
    msg.u.ack.status = status;
    return msg;
}

//  One request at the fake server: its envelope, its body as it came, and
//  the body decoded.
typedef struct {
    tw_request_t request;
    zframe_t *body;
    tw_msg_t msg;
} s_arrival_t;

static void
s_arrival_reset (s_arrival_t *arrival)
{
    tw_request_destroy (&arrival->request);
    zframe_destroy (&arrival->body);
}

static bool
s_ready (zsock_t *sock, int timeout_ms)
{
    zpoller_t *poller = zpoller_new (sock, NULL);
    bool ready = zpoller_wait (poller, timeout_ms) == sock;
    zpoller_destroy (&poller);
    return ready;
}

//  Waits for one request at the server. Returns false on timeout.
static bool
s_server_recv (zsock_t *router, s_arrival_t *arrival, int timeout_ms)
{
    memset (arrival, 0, sizeof *arrival);
    if (!s_ready (router, timeout_ms))
        return false;
    zmsg_t *frames = zmsg_recv (router);
    ck_assert_ptr_nonnull (frames);
    ck_assert_uint_eq (zmsg_size (frames), 3);
    arrival->body = zmsg_last (frames);
    zmsg_remove (frames, arrival->body);
    arrival->request.envelope = frames;
    char err[TW_TEXT_MAX];
    ck_assert_int_eq (tw_msg_decode (zframe_data (arrival->body), zframe_size (arrival->body),
                                     &arrival->msg, err, sizeof err),
                      0);
    return true;
}

//  Answers arrival with reply; its envelope is kept for another answer.
static void
s_server_reply (zsock_t *router, s_arrival_t *arrival, const tw_msg_t *reply)
{
    tw_request_t copy = {zmsg_dup (arrival->request.envelope)};
    ck_assert_int_eq (tw_router_reply (router, &copy, reply), 0);
}

//  Waits for a reply at the requester and reads it.
static int
s_recv (tw_requester_t *requester)
{
    ck_assert_msg (s_ready (tw_requester_socket (requester), WAIT_MS), "no reply came");
    return tw_requester_recv (requester);
}

//  A TCP endpoint on 127.0.0.1 with nobody bound to it: a port the system
//  gave out and that was closed again. (An inproc:// endpoint will not do:
//  a connect to it before the bind queues sends as if connected.)
//  A TCP port on 127.0.0.1 bound by a plain socket that does not listen:
//  a connect to it is refused for as long as the socket is held (and the
//  kernel never hands the port out as the source of a connection, so a
//  client cannot connect to itself). Returns the socket; endpoint gets the
//  port. Close the socket to free the port: unlike a zmq socket, close()
//  frees it at once.
static int
s_hold_port (char *endpoint, size_t size)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge (fd, 0);
    struct sockaddr_in addr;
    memset (&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    ck_assert_int_eq (bind (fd, (struct sockaddr *) &addr, sizeof addr), 0);
    socklen_t len = sizeof addr;
    ck_assert_int_eq (getsockname (fd, (struct sockaddr *) &addr, &len), 0);
    snprintf (endpoint, size, "tcp://127.0.0.1:%d", ntohs (addr.sin_port));
    return fd;
}

typedef struct {
    zsock_t *server;
    tw_requester_t *requester;
    s_seen_t seen;
} s_fixture_t;

static void
s_setup (s_fixture_t *fx)
{
    memset (fx, 0, sizeof *fx);
    tw_log_init ("unit");
    fx->server = tw_sock_router_new (SERVER);
    ck_assert_ptr_nonnull (fx->server);
    fx->requester = tw_requester_new (SERVER, TIMEOUT_MS, ATTEMPTS);
    ck_assert_ptr_nonnull (fx->requester);
}

static void
s_teardown (s_fixture_t *fx)
{
    tw_requester_destroy (&fx->requester);
    ck_assert_ptr_null (fx->requester);
    tw_requester_destroy (&fx->requester);
    zsock_destroy (&fx->server);
}

START_TEST (test_reply_ends_request_once)
{
    s_fixture_t fx;
    s_setup (&fx);
    tw_msg_t close = s_close ("r1");
    ck_assert_int_eq (tw_requester_send (fx.requester, &close, s_record, &fx.seen, 0), 0);
    ck_assert_uint_eq (tw_requester_size (fx.requester), 1);
    const tw_requester_entry_t *entry = tw_requester_lookup (fx.requester, "r1");
    ck_assert_ptr_nonnull (entry);
    ck_assert_int_eq (entry->attempts, 1);
    ck_assert_int_eq (entry->deadline_ms, TIMEOUT_MS);
    ck_assert_str_eq (entry->request.u.close.id, close.u.close.id);
    ck_assert_ptr_eq (entry->arg, &fx.seen);
    ck_assert_ptr_null (tw_requester_lookup (fx.requester, "r2"));
    ck_assert_ptr_null (tw_requester_lookup (fx.requester, NULL));

    s_arrival_t arrival;
    ck_assert (s_server_recv (fx.server, &arrival, WAIT_MS));
    ck_assert_int_eq (arrival.msg.type, TW_MSG_CLOSE);
    ck_assert_str_eq (arrival.msg.req_id, "r1");
    ck_assert_int_eq (arrival.msg.expires_at, close.expires_at);
    tw_msg_t ack = s_ack ("r1", TW_ACK_ACCEPTED);
    s_server_reply (fx.server, &arrival, &ack);
    ck_assert_int_eq (s_recv (fx.requester), 0);
    ck_assert_int_eq (fx.seen.calls, 1);
    ck_assert (fx.seen.answered);
    ck_assert_int_eq (fx.seen.status, TW_ACK_ACCEPTED);
    ck_assert_int_eq (fx.seen.attempts, 1);
    ck_assert_ptr_eq (fx.seen.entry_arg, &fx.seen);
    ck_assert_uint_eq (tw_requester_size (fx.requester), 0);
    //  Nothing left to time out or send again.
    tw_requester_expire (fx.requester, 10 * TIMEOUT_MS);
    ck_assert_int_eq (fx.seen.calls, 1);
    ck_assert (!s_ready (fx.server, 0));

    //  The same reply again (a repeat's second answer): stale, no call.
    s_server_reply (fx.server, &arrival, &ack);
    ck_assert_int_eq (s_recv (fx.requester), -1);
    ck_assert_int_eq (fx.seen.calls, 1);
    const tw_requester_stats_t *stats = tw_requester_stats (fx.requester);
    ck_assert_uint_eq (stats->sent, 1);
    ck_assert_uint_eq (stats->answered, 1);
    ck_assert_uint_eq (stats->resent, 0);
    ck_assert_uint_eq (stats->failed, 0);
    ck_assert_uint_eq (stats->stale, 1);
    ck_assert_int_eq (tw_requester_window_ms (fx.requester), TIMEOUT_MS * ATTEMPTS);
    s_arrival_reset (&arrival);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_lost_replies_sent_again_same_bytes)
{
    s_fixture_t fx;
    s_setup (&fx);
    tw_msg_t close = s_close ("r2");
    tw_requester_send (fx.requester, &close, s_record, &fx.seen, 0);
    //  The server swallows the first two.
    s_arrival_t first, arrival;
    ck_assert (s_server_recv (fx.server, &first, WAIT_MS));
    //  Not yet due: nothing sent.
    tw_requester_expire (fx.requester, TIMEOUT_MS - 1);
    ck_assert (!s_ready (fx.server, 0));
    ck_assert_uint_eq (tw_requester_stats (fx.requester)->resent, 0);
    for (int attempt = 2; attempt <= ATTEMPTS; attempt++) {
        tw_requester_expire (fx.requester, (attempt - 1) * TIMEOUT_MS);
        ck_assert_int_eq (tw_requester_lookup (fx.requester, "r2")->attempts, attempt);
        ck_assert_int_eq (tw_requester_lookup (fx.requester, "r2")->deadline_ms,
                          attempt * TIMEOUT_MS);
        ck_assert (s_server_recv (fx.server, &arrival, WAIT_MS));
        //  Byte for byte the first: same req_id, same expires_at.
        ck_assert (zframe_eq (arrival.body, first.body));
        if (attempt < ATTEMPTS)
            s_arrival_reset (&arrival);
    }
    tw_msg_t ack = s_ack ("r2", TW_ACK_DUPLICATE);
    s_server_reply (fx.server, &arrival, &ack);
    ck_assert_int_eq (s_recv (fx.requester), 0);
    ck_assert_int_eq (fx.seen.calls, 1);
    ck_assert_int_eq (fx.seen.status, TW_ACK_DUPLICATE);
    ck_assert_int_eq (fx.seen.attempts, ATTEMPTS);
    ck_assert_uint_eq (tw_requester_stats (fx.requester)->resent, ATTEMPTS - 1);
    //  The answer to an earlier attempt, late: stale.
    s_server_reply (fx.server, &first, &ack);
    ck_assert_int_eq (s_recv (fx.requester), -1);
    ck_assert_int_eq (fx.seen.calls, 1);
    s_arrival_reset (&first);
    s_arrival_reset (&arrival);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_given_up_then_late_reply)
{
    s_fixture_t fx;
    s_setup (&fx);
    tw_msg_t close = s_close ("r3");
    tw_requester_send (fx.requester, &close, s_record, &fx.seen, 0);
    s_arrival_t arrival;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
        ck_assert (s_server_recv (fx.server, &arrival, WAIT_MS));
        if (attempt < ATTEMPTS)
            s_arrival_reset (&arrival);
        tw_requester_expire (fx.requester, attempt * TIMEOUT_MS);
    }
    ck_assert_int_eq (fx.seen.calls, 1);
    ck_assert (!fx.seen.answered);
    ck_assert_int_eq (fx.seen.attempts, ATTEMPTS);
    ck_assert_int_eq (fx.seen.now_ms, ATTEMPTS * TIMEOUT_MS);
    ck_assert_uint_eq (tw_requester_size (fx.requester), 0);
    ck_assert_uint_eq (tw_requester_stats (fx.requester)->given_up, 1);
    ck_assert (!s_ready (fx.server, 0));
    tw_msg_t ack = s_ack ("r3", TW_ACK_ACCEPTED);
    s_server_reply (fx.server, &arrival, &ack);
    ck_assert_int_eq (s_recv (fx.requester), -1);
    ck_assert_int_eq (fx.seen.calls, 1);
    ck_assert_uint_eq (tw_requester_stats (fx.requester)->stale, 1);
    s_arrival_reset (&arrival);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_server_down_every_attempt_counted)
{
    tw_log_init ("unit");
    s_seen_t seen;
    memset (&seen, 0, sizeof seen);
    char endpoint[64];
    int held = s_hold_port (endpoint, sizeof endpoint);
    tw_requester_t *requester = tw_requester_new (endpoint, TIMEOUT_MS, ATTEMPTS);
    ck_assert_ptr_nonnull (requester);
    tw_msg_t close_r4 = s_close ("r4");
    int64_t start = tw_clock_mono_ms ();
    //  In flight though nothing left.
    ck_assert_int_eq (tw_requester_send (requester, &close_r4, s_record, &seen, 0), 0);
    ck_assert_uint_eq (tw_requester_stats (requester)->failed, 1);
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
        ck_assert_int_eq (seen.calls, 0);
        tw_requester_expire (requester, attempt * TIMEOUT_MS);
    }
    //  No send waited (generous: a blocking send would take forever).
    ck_assert_int_lt (tw_clock_mono_ms () - start, WAIT_MS);
    ck_assert_int_eq (seen.calls, 1);
    ck_assert (!seen.answered);
    ck_assert_int_eq (seen.attempts, ATTEMPTS);
    const tw_requester_stats_t *stats = tw_requester_stats (requester);
    ck_assert_uint_eq (stats->failed, ATTEMPTS);
    ck_assert_uint_eq (stats->resent, ATTEMPTS - 1);
    ck_assert_uint_eq (stats->given_up, 1);
    //  Destroyed with a request in flight: dropped without a call.
    tw_msg_t other = s_close ("r5");
    tw_requester_send (requester, &other, s_record, &seen, 0);
    tw_requester_destroy (&requester);
    ck_assert_int_eq (seen.calls, 1);
    close (held);
}
END_TEST

START_TEST (test_server_comes_up_midway)
{
    tw_log_init ("unit");
    s_seen_t seen;
    memset (&seen, 0, sizeof seen);
    //  Many attempts: the server comes up after the first.
    char endpoint[64];
    int held = s_hold_port (endpoint, sizeof endpoint);
    tw_requester_t *requester = tw_requester_new (endpoint, TIMEOUT_MS, 1000);
    ck_assert_ptr_nonnull (requester);
    tw_msg_t close_r6 = s_close ("r6");
    tw_requester_send (requester, &close_r6, s_record, &seen, 0);
    ck_assert_uint_eq (tw_requester_stats (requester)->failed, 1);
    //  The server comes up on the port (bounded: another process could take
    //  the port in between, which only fails the test).
    close (held);
    zsock_t *server = NULL;
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS; !server;) {
        ck_assert_msg (tw_clock_mono_ms () < deadline, "cannot bind %s", endpoint);
        server = tw_sock_router_new (endpoint);
        if (!server)
            zclock_sleep (10);
    }
    //  The next attempts reach it once the DEALER has connected.
    s_arrival_t arrival;
    int64_t now_ms = 0;
    bool reached = false;
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS; !reached;) {
        ck_assert_msg (tw_clock_mono_ms () < deadline, "the server was never reached");
        now_ms += TIMEOUT_MS;
        tw_requester_expire (requester, now_ms);
        reached = s_server_recv (server, &arrival, 10);
    }
    ck_assert_str_eq (arrival.msg.req_id, "r6");
    tw_msg_t ack = s_ack ("r6", TW_ACK_ACCEPTED);
    s_server_reply (server, &arrival, &ack);
    ck_assert_int_eq (s_recv (requester), 0);
    ck_assert_int_eq (seen.calls, 1);
    ck_assert (seen.answered);
    ck_assert_int_gt (seen.attempts, 1);
    s_arrival_reset (&arrival);
    tw_requester_destroy (&requester);
    zsock_destroy (&server);
}
END_TEST

START_TEST (test_malformed_and_unexpected_replies)
{
    s_fixture_t fx;
    s_setup (&fx);
    tw_requester_set_reply_type (fx.requester, TW_MSG_ACK);
    tw_msg_t close = s_close ("r7");
    tw_requester_send (fx.requester, &close, s_record, &fx.seen, 0);
    s_arrival_t arrival;
    ck_assert (s_server_recv (fx.server, &arrival, WAIT_MS));
    //  Garbage bytes.
    zmsg_t *garbage = zmsg_dup (arrival.request.envelope);
    zmsg_addstr (garbage, "\xc1not msgpack");
    ck_assert_int_eq (zmsg_send (&garbage, fx.server), 0);
    ck_assert_int_eq (s_recv (fx.requester), -1);
    //  No body at all: the delimiter only.
    zmsg_t *empty = zmsg_dup (arrival.request.envelope);
    ck_assert_int_eq (zmsg_send (&empty, fx.server), 0);
    ck_assert_int_eq (s_recv (fx.requester), -1);
    //  A pong that names the req_id: not the type expected.
    tw_msg_t pong;
    tw_msg_init (&pong, TW_MSG_PONG);
    snprintf (pong.req_id, sizeof pong.req_id, "r7");
    snprintf (pong.u.pong.service, sizeof pong.u.pong.service, "order-gateway");
    snprintf (pong.u.pong.version, sizeof pong.u.pong.version, "0");
    s_server_reply (fx.server, &arrival, &pong);
    ck_assert_int_eq (s_recv (fx.requester), -1);
    ck_assert_uint_eq (tw_requester_stats (fx.requester)->malformed, 3);
    ck_assert_int_eq (fx.seen.calls, 0);
    //  Still in flight, and answered properly at last.
    ck_assert_uint_eq (tw_requester_size (fx.requester), 1);
    tw_msg_t ack = s_ack ("r7", TW_ACK_REJECTED);
    s_server_reply (fx.server, &arrival, &ack);
    ck_assert_int_eq (s_recv (fx.requester), 0);
    ck_assert_int_eq (fx.seen.calls, 1);
    ck_assert_int_eq (fx.seen.status, TW_ACK_REJECTED);
    s_arrival_reset (&arrival);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_any_reply_type_by_default)
{
    s_fixture_t fx;
    s_setup (&fx);
    tw_msg_t close = s_close ("r8");
    tw_requester_send (fx.requester, &close, s_record, &fx.seen, 0);
    s_arrival_t arrival;
    ck_assert (s_server_recv (fx.server, &arrival, WAIT_MS));
    tw_msg_t pong;
    tw_msg_init (&pong, TW_MSG_PONG);
    snprintf (pong.req_id, sizeof pong.req_id, "r8");
    snprintf (pong.u.pong.service, sizeof pong.u.pong.service, "order-gateway");
    snprintf (pong.u.pong.version, sizeof pong.u.pong.version, "0");
    s_server_reply (fx.server, &arrival, &pong);
    ck_assert_int_eq (s_recv (fx.requester), 0);
    ck_assert_int_eq (fx.seen.calls, 1);
    ck_assert (fx.seen.answered);
    ck_assert_int_eq (fx.seen.status, TW_ACK_NONE);
    s_arrival_reset (&arrival);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_same_req_id_joins)
{
    s_fixture_t fx;
    s_setup (&fx);
    s_seen_t second;
    memset (&second, 0, sizeof second);
    tw_msg_t close = s_close ("r9");
    ck_assert_int_eq (tw_requester_send (fx.requester, &close, s_record, &fx.seen, 0), 0);
    ck_assert_int_eq (tw_requester_send (fx.requester, &close, s_record, &second, 50), 1);
    ck_assert_uint_eq (tw_requester_size (fx.requester), 1);
    //  The attempt and its deadline are the first send's.
    ck_assert_int_eq (tw_requester_lookup (fx.requester, "r9")->attempts, 1);
    ck_assert_int_eq (tw_requester_lookup (fx.requester, "r9")->deadline_ms, TIMEOUT_MS);
    s_arrival_t arrival;
    ck_assert (s_server_recv (fx.server, &arrival, WAIT_MS));
    tw_msg_t ack = s_ack ("r9", TW_ACK_ACCEPTED);
    s_server_reply (fx.server, &arrival, &ack);
    ck_assert_int_eq (s_recv (fx.requester), 0);
    //  One request reached the server; the first's done was called.
    ck_assert (!s_ready (fx.server, 0));
    ck_assert_int_eq (fx.seen.calls, 1);
    ck_assert_int_eq (second.calls, 0);
    ck_assert_uint_eq (tw_requester_stats (fx.requester)->joined, 1);
    ck_assert_uint_eq (tw_requester_stats (fx.requester)->sent, 1);
    s_arrival_reset (&arrival);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_cancel_abandon_bound)
{
    s_fixture_t fx;
    s_setup (&fx);
    tw_requester_set_max (fx.requester, 2);
    tw_msg_t a = s_close ("ra"), b = s_close ("rb"), c = s_close ("rc");
    ck_assert_int_eq (tw_requester_send (fx.requester, &a, s_record, &fx.seen, 0), 0);
    ck_assert_int_eq (tw_requester_send (fx.requester, &b, s_record, &fx.seen, 0), 0);
    //  The bound: refused, nothing kept, no call to come.
    ck_assert_int_eq (tw_requester_send (fx.requester, &c, s_record, &fx.seen, 0), -1);
    ck_assert_uint_eq (tw_requester_size (fx.requester), 2);
    //  Cancelled: forgotten without a call, its reply is stale.
    ck_assert_int_eq (tw_requester_cancel (fx.requester, "ra"), 0);
    ck_assert_int_eq (tw_requester_cancel (fx.requester, "ra"), -1);
    ck_assert_int_eq (tw_requester_send (fx.requester, &c, s_record, &fx.seen, 0), 0);
    s_arrival_t arrival;
    ck_assert (s_server_recv (fx.server, &arrival, WAIT_MS));
    ck_assert_str_eq (arrival.msg.req_id, "ra");
    tw_msg_t ack = s_ack ("ra", TW_ACK_ACCEPTED);
    s_server_reply (fx.server, &arrival, &ack);
    ck_assert_int_eq (s_recv (fx.requester), -1);
    ck_assert_int_eq (fx.seen.calls, 0);
    s_arrival_reset (&arrival);
    //  Abandoned: handed back through the given function, not done.
    s_seen_t abandoned;
    memset (&abandoned, 0, sizeof abandoned);
    ck_assert_uint_eq (tw_requester_abandon (fx.requester, s_record, &abandoned), 2);
    ck_assert_int_eq (abandoned.calls, 2);
    ck_assert (!abandoned.answered);
    ck_assert_ptr_eq (abandoned.entry_arg, &fx.seen);
    ck_assert_int_eq (fx.seen.calls, 0);
    ck_assert_uint_eq (tw_requester_size (fx.requester), 0);
    ck_assert_uint_eq (tw_requester_abandon (fx.requester, s_record, &abandoned), 0);
    s_teardown (&fx);
}
END_TEST

//  The send-function variant: a wire that records and can fail.
typedef struct {
    zframe_t *sent[SENT_MAX];
    int count;
    bool fail;
    tw_requester_t *requester; //  for the done function below
    int resends_from_done;
} s_wire_t;

static int
s_wire_send (const uint8_t *data, size_t size, void *arg)
{
    s_wire_t *wire = (s_wire_t *) arg;
    ck_assert_int_lt (wire->count, SENT_MAX);
    wire->sent[wire->count++] = zframe_new (data, size);
    return wire->fail ? -1 : 0;
}

//  Given up: sends the same request again, from inside the call.
static void
s_send_again (const tw_requester_entry_t *entry, const tw_msg_t *reply, int64_t now_ms, void *arg)
{
    s_wire_t *wire = (s_wire_t *) arg;
    if (reply || wire->resends_from_done > 0)
        return;
    wire->resends_from_done++;
    ck_assert_ptr_null (tw_requester_lookup (wire->requester, entry->request.req_id));
    int rc = tw_requester_send (wire->requester, &entry->request, s_send_again, wire, now_ms);
    ck_assert_int_eq (rc, 0);
}

START_TEST (test_send_function_and_deliver)
{
    tw_log_init ("unit");
    s_wire_t wire;
    memset (&wire, 0, sizeof wire);
    tw_requester_t *requester = tw_requester_new_with (s_wire_send, &wire, TIMEOUT_MS, 2);
    ck_assert_ptr_nonnull (requester);
    ck_assert_ptr_null (tw_requester_socket (requester));
    zloop_t *loop = zloop_new ();
    ck_assert_int_eq (tw_requester_attach (requester, loop), -1);
    zloop_destroy (&loop);
    wire.requester = requester;
    wire.fail = true;
    tw_msg_t close = s_close ("rw");
    ck_assert_int_eq (tw_requester_send (requester, &close, s_send_again, &wire, 0), 0);
    wire.fail = false;
    tw_requester_expire (requester, TIMEOUT_MS);
    ck_assert_int_eq (wire.count, 2);
    ck_assert (zframe_eq (wire.sent[0], wire.sent[1]));
    //  Given up: the done function starts it again under the same req_id.
    tw_requester_expire (requester, 2 * TIMEOUT_MS);
    ck_assert_int_eq (wire.resends_from_done, 1);
    ck_assert_int_eq (wire.count, 3);
    ck_assert (zframe_eq (wire.sent[0], wire.sent[2]));
    ck_assert_int_eq (tw_requester_lookup (requester, "rw")->attempts, 1);
    //  A reply handed in ends it.
    s_seen_t seen;
    memset (&seen, 0, sizeof seen);
    tw_msg_t ack = s_ack ("rw", TW_ACK_ACCEPTED);
    ck_assert_int_eq (tw_requester_deliver (requester, &ack, 2 * TIMEOUT_MS + 5), 0);
    ck_assert_uint_eq (tw_requester_size (requester), 0);
    ck_assert_int_eq (tw_requester_deliver (requester, &ack, 2 * TIMEOUT_MS + 6), -1);
    ck_assert_uint_eq (tw_requester_stats (requester)->failed, 1);
    tw_requester_destroy (&requester);
    for (int i = 0; i < wire.count; i++)
        zframe_destroy (&wire.sent[i]);
}
END_TEST

//  With attach: the server swallows the first request and answers the
//  retry; a timer of the test's stops the loop once done was called.
typedef struct {
    s_seen_t seen;
    zsock_t *server;
    int arrivals;
    int64_t deadline_ms;
} s_looped_t;

static int
s_on_server (zloop_t *loop, zsock_t *server, void *arg)
{
    (void) loop;
    s_looped_t *looped = (s_looped_t *) arg;
    s_arrival_t arrival;
    ck_assert (s_server_recv (server, &arrival, 0));
    if (++looped->arrivals > 1) {
        tw_msg_t ack = s_ack (arrival.msg.req_id, TW_ACK_ACCEPTED);
        s_server_reply (server, &arrival, &ack);
    }
    s_arrival_reset (&arrival);
    return 0;
}

static int
s_on_watch (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    s_looped_t *looped = (s_looped_t *) arg;
    return looped->seen.calls > 0 || tw_clock_mono_ms () > looped->deadline_ms ? -1 : 0;
}

START_TEST (test_attach)
{
    tw_log_init ("unit");
    s_looped_t looped;
    memset (&looped, 0, sizeof looped);
    looped.server = tw_sock_router_new (SERVER);
    ck_assert_ptr_nonnull (looped.server);
    tw_requester_t *requester = tw_requester_new (SERVER, 20, 1000);
    ck_assert_ptr_nonnull (requester);
    zloop_t *loop = zloop_new ();
    ck_assert_int_eq (tw_requester_attach (requester, loop), 0);
    zloop_reader (loop, looped.server, s_on_server, &looped);
    zloop_timer (loop, 5, 0, s_on_watch, &looped);
    tw_msg_t close = s_close ("rl");
    tw_requester_send (requester, &close, s_record, &looped.seen, tw_clock_mono_ms ());
    looped.deadline_ms = tw_clock_mono_ms () + WAIT_MS;
    zloop_start (loop);
    ck_assert_int_eq (looped.seen.calls, 1);
    ck_assert (looped.seen.answered);
    ck_assert_int_ge (looped.seen.attempts, 2);
    ck_assert_int_ge (looped.arrivals, 2);
    zloop_destroy (&loop);
    tw_requester_destroy (&requester);
    zsock_destroy (&looped.server);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("tw_requester");
    TCase *tc = tcase_create ("core");
    tcase_add_test (tc, test_reply_ends_request_once);
    tcase_add_test (tc, test_lost_replies_sent_again_same_bytes);
    tcase_add_test (tc, test_given_up_then_late_reply);
    tcase_add_test (tc, test_server_down_every_attempt_counted);
    tcase_add_test (tc, test_server_comes_up_midway);
    tcase_add_test (tc, test_malformed_and_unexpected_replies);
    tcase_add_test (tc, test_any_reply_type_by_default);
    tcase_add_test (tc, test_same_req_id_joins);
    tcase_add_test (tc, test_cancel_abandon_bound);
    tcase_add_test (tc, test_send_function_and_deliver);
    tcase_add_test (tc, test_attach);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
