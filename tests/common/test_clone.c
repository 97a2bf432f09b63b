//  Unit tests for tw_clone: snapshot then events, and a resync on a missed
//  event, an epoch change, a heartbeat ahead of us, and silence; a snapshot
//  of 10,000 positions in parts, parts out of order, and a refused
//  snapshot that leaves the copy loudly unsynced. A small in-test gateway
//  (an actor with a ROUTER for snapshots and a PUB for events) plays the
//  order gateway, and answers in parts as it does (docs/design.md §2).

#include <check.h>
#include <czmq.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tw_clock.h"
#include "tw_clone.h"
#include "tw_sock.h"

#define WAIT_MS 3000

//  The fake gateway. Pipe commands (each answered with a signal):
//  "OPEN id" / "CLOSE id": seq+1, change the positions, publish the event.
//  "SKIP id": seq+1 and open id, but publish nothing (a lost event).
//  "HB": publish a heartbeat. "RESTART": a new epoch. "STATE name": seq+1,
//  the trading state (active, halted…) published as a trading_state event,
//  carried by snapshots and heartbeats from then on. "QUIET name": the
//  same, but the event is lost.
//  "HOLD": the next snapshot reply is made when asked for but sent only on
//  "RELEASE" (a slow gateway: events published meanwhile come after it).
//  "MANY n": n more positions (seq + n), published as nothing: the next
//  heartbeat shows the clone it is behind. "SWAP": the next snapshot in
//  parts sends its first two parts in the wrong order. "REFUSE" / "ACCEPT":
//  refuse snapshots from now on (as a gateway with a broken store) / not.
//  A snapshot larger than TW_MAX_POSITIONS goes in parts to a request with
//  parts=true, and is refused otherwise, as the gateway does.
//  On start it sends the PUB and ROUTER endpoints.

//  Fills reply with positions [first, first + n) of the table's order.
static void
s_fill (tw_msg_t *reply, zhashx_t *positions, size_t first, size_t n)
{
    reply->u.snapshot.count = n;
    reply->u.snapshot.positions = (tw_position_t *) calloc (n + 1, sizeof (tw_position_t));
    size_t i = 0;
    for (void *p = zhashx_first (positions); p && i < first + n; p = zhashx_next (positions), i++) {
        if (i < first)
            continue;
        tw_position_t *pos = &reply->u.snapshot.positions[i - first];
        snprintf (pos->id, sizeof pos->id, "%s", (const char *) zhashx_cursor (positions));
        strcpy (pos->symbol, "NSE:SBIN-EQ");
        strcpy (pos->product, "INTRADAY");
        pos->side = TW_SIDE_LONG;
        pos->qty = 1;
        pos->entry_price = 100;
        pos->state = TW_STATE_OPEN;
    }
}

//  Answers a snapshot request in parts; swap sends part 1 before part 0.
static void
s_reply_parts (zsock_t *router, tw_request_t *request, const tw_msg_t *msg, zhashx_t *positions,
               uint64_t epoch, uint64_t seq, bool swap)
{
    size_t count = zhashx_size (positions);
    size_t parts = (count + TW_MAX_POSITIONS - 1) / TW_MAX_POSITIONS;
    tw_msg_t *replies = (tw_msg_t *) calloc (parts, sizeof (tw_msg_t));
    for (size_t part = 0; part < parts; part++) {
        tw_msg_t *reply = &replies[part];
        tw_msg_init (reply, TW_MSG_SNAPSHOT_REPLY);
        strcpy (reply->req_id, msg->req_id);
        reply->u.snapshot.epoch = epoch;
        reply->u.snapshot.seq = seq;
        reply->u.snapshot.has_parts = true;
        reply->u.snapshot.part = part;
        reply->u.snapshot.parts = parts;
        size_t first = part * TW_MAX_POSITIONS;
        s_fill (reply, positions, first,
                count - first < TW_MAX_POSITIONS ? count - first : TW_MAX_POSITIONS);
    }
    for (size_t k = 0; k < parts; k++) {
        size_t part = swap && k < 2 ? 1 - k : k;
        tw_request_t copy = {.envelope = zmsg_dup (request->envelope)};
        tw_router_reply (router, &copy, &replies[part]);
        tw_msg_reset (&replies[part]);
    }
    free (replies);
    tw_request_destroy (request);
}

static void
s_gateway (zsock_t *pipe, void *args)
{
    (void) args;
    zsock_t *router = tw_sock_router_new ("tcp://127.0.0.1:*");
    zsock_t *pub = tw_sock_pub_new ("tcp://127.0.0.1:*");
    assert (router && pub);
    zhashx_t *positions = zhashx_new ();
    uint64_t epoch = 1000, seq = 0;
    zsock_signal (pipe, 0);
    zsock_send (pipe, "ss", zsock_endpoint (pub), zsock_endpoint (router));

    bool hold = false, swap = false, refuse = false;
    tw_trading_state_t trading = TW_TRADING_ACTIVE;
    tw_request_t held = {0};
    tw_msg_t held_reply;
    memset (&held_reply, 0, sizeof held_reply);
    zpoller_t *poller = zpoller_new (pipe, router, NULL);
    while (true) {
        void *which = zpoller_wait (poller, -1);
        if (!which)
            break;
        if (which == router) {
            tw_request_t request = {0};
            tw_msg_t msg = {0}, reply = {0};
            char err[TW_TEXT_MAX];
            bool snapshot = tw_router_recv (router, &request, &msg, err, sizeof err) == 0
                            && msg.type == TW_MSG_SNAPSHOT;
            bool large = zhashx_size (positions) > TW_MAX_POSITIONS;
            if (snapshot && (refuse || (large && !msg.u.snapshot.in_parts))) {
                tw_msg_init (&reply, TW_MSG_ACK);
                strcpy (reply.req_id, msg.req_id);
                reply.u.ack.status = TW_ACK_REJECTED;
                strcpy (reply.u.ack.error, refuse ? "store error" : "ask with parts=true");
                tw_router_reply (router, &request, &reply);
            }
            else if (snapshot && large) {
                s_reply_parts (router, &request, &msg, positions, epoch, seq, swap);
                swap = false;
            }
            else if (snapshot) {
                tw_msg_init (&reply, TW_MSG_SNAPSHOT_REPLY);
                strcpy (reply.req_id, msg.req_id);
                reply.u.snapshot.epoch = epoch;
                reply.u.snapshot.seq = seq;
                reply.u.snapshot.trading_state = trading;
                s_fill (&reply, positions, 0, zhashx_size (positions));
                if (hold) {
                    held = request;
                    held_reply = reply;
                    hold = false;
                }
                else {
                    tw_router_reply (router, &request, &reply);
                    tw_msg_reset (&reply);
                }
            }
            else
                tw_request_destroy (&request);
            tw_msg_reset (&msg);
            continue;
        }
        char *command = NULL, *id = NULL;
        if (zstr_recvx (pipe, &command, &id, NULL) < 1 || streq (command, "$TERM")) {
            zstr_free (&command);
            zstr_free (&id);
            break;
        }
        tw_msg_t event;
        if (streq (command, "OPEN") || streq (command, "SKIP") || streq (command, "CLOSE")) {
            bool closing = streq (command, "CLOSE");
            tw_msg_init (&event, closing ? TW_MSG_POSITION_CLOSED : TW_MSG_POSITION_OPENED);
            event.u.event.epoch = epoch;
            event.u.event.seq = ++seq;
            tw_position_t *pos = &event.u.event.pos;
            snprintf (pos->id, sizeof pos->id, "%s", id);
            strcpy (pos->symbol, "NSE:SBIN-EQ");
            strcpy (pos->product, "INTRADAY");
            pos->side = TW_SIDE_LONG;
            pos->qty = 1;
            pos->entry_price = 100;
            pos->state = closing ? TW_STATE_CLOSED : TW_STATE_OPEN;
            if (closing) {
                strcpy (event.u.event.reason, TW_REASON_SL_HIT);
                event.u.event.attempts = 1;
                zhashx_delete (positions, id);
            }
            else
                zhashx_update (positions, id, (void *) 1);
            if (!streq (command, "SKIP"))
                tw_sock_publish (pub, &event);
        }
        else if (streq (command, "HB")) {
            tw_msg_init (&event, TW_MSG_HEARTBEAT);
            event.u.event.epoch = epoch;
            event.u.event.seq = seq;
            event.u.event.trading_state = trading;
            tw_sock_publish (pub, &event);
        }
        else if (streq (command, "STATE")) {
            trading = tw_trading_state_parse (id);
            tw_msg_init (&event, TW_MSG_TRADING_STATE);
            event.u.event.epoch = epoch;
            event.u.event.seq = ++seq;
            event.u.event.trading_state = trading;
            strcpy (event.u.event.detail, "test");
            tw_sock_publish (pub, &event);
        }
        else if (streq (command, "QUIET"))
            trading = tw_trading_state_parse (id);
        else if (streq (command, "RESTART"))
            epoch++;
        else if (streq (command, "MANY")) {
            int n = atoi (id);
            for (int i = 0; i < n; i++) {
                char name[32];
                snprintf (name, sizeof name, "M%06" PRIu64, ++seq);
                zhashx_update (positions, name, (void *) 1);
            }
        }
        else if (streq (command, "SWAP"))
            swap = true;
        else if (streq (command, "REFUSE") || streq (command, "ACCEPT"))
            refuse = streq (command, "REFUSE");
        else if (streq (command, "HOLD"))
            hold = true;
        else if (streq (command, "RELEASE") && held.envelope) {
            tw_router_reply (router, &held, &held_reply);
            tw_msg_reset (&held_reply);
        }
        zstr_free (&command);
        zstr_free (&id);
        zsock_signal (pipe, 0);
    }
    zpoller_destroy (&poller);
    tw_request_destroy (&held);
    tw_msg_reset (&held_reply);
    zhashx_destroy (&positions);
    zsock_destroy (&pub);
    zsock_destroy (&router);
}

static void
s_do (zactor_t *gateway, const char *command, const char *id)
{
    zstr_sendx (gateway, command, id ? id : "", NULL);
    zsock_wait (gateway);
}

static int s_events;

static void
s_count (tw_clone_t *clone, const tw_msg_t *msg, void *arg)
{
    (void) clone;
    (void) msg;
    (void) arg;
    s_events++;
}

//  Reads from the clone until it is synced at seq (and has had `resyncs`
//  snapshots, when resyncs > 0), checking it once a pass. Bounded.
static bool
s_pump_until (tw_clone_t *clone, uint64_t seq, uint64_t resyncs)
{
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    zpoller_t *poller = zpoller_new (tw_clone_socket (clone), NULL);
    bool done = false;
    while (!done && tw_clock_mono_ms () < deadline) {
        if (zpoller_wait (poller, 20))
            tw_clone_recv (clone);
        tw_clone_check (clone);
        done = tw_clone_synced (clone) && tw_clone_seq (clone) == seq
               && (resyncs == 0 || tw_clone_resyncs (clone) == resyncs);
    }
    zpoller_destroy (&poller);
    return done;
}

typedef struct {
    zactor_t *gateway;
    tw_clone_t *clone;
} fixture_t;

//  Starts the gateway and a clone, and waits until the SUB connection is up
//  (a heartbeat arrives), so that no test event is lost to a slow joiner.
static void
s_setup (fixture_t *fx)
{
    s_events = 0;
    fx->gateway = zactor_new (s_gateway, NULL);
    char *pub_ep, *cmd_ep;
    ck_assert_int_eq (zstr_recvx (fx->gateway, &pub_ep, &cmd_ep, NULL), 2);
    fx->clone = tw_clone_new (pub_ep, cmd_ep, s_count, NULL);
    ck_assert_ptr_nonnull (fx->clone);
    ck_assert (s_pump_until (fx->clone, 0, 1));
    zpoller_t *poller = zpoller_new (tw_clone_socket (fx->clone), NULL);
    bool joined = false;
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
         !joined && tw_clock_mono_ms () < deadline;) {
        s_do (fx->gateway, "HB", NULL);
        if (zpoller_wait (poller, 20)) {
            tw_clone_recv (fx->clone);
            joined = true;
        }
    }
    zpoller_destroy (&poller);
    ck_assert (joined);
    zstr_free (&pub_ep);
    zstr_free (&cmd_ep);
}

static void
s_teardown (fixture_t *fx)
{
    tw_clone_destroy (&fx->clone);
    tw_clone_destroy (&fx->clone);
    zactor_destroy (&fx->gateway);
}

START_TEST (test_snapshot_then_events)
{
    fixture_t fx;
    s_setup (&fx);
    ck_assert_uint_eq (tw_clone_resyncs (fx.clone), 1);
    s_do (fx.gateway, "OPEN", "A");
    s_do (fx.gateway, "OPEN", "B");
    ck_assert (s_pump_until (fx.clone, 2, 1));
    ck_assert_uint_eq (zhashx_size (tw_clone_positions (fx.clone)), 2);
    s_do (fx.gateway, "CLOSE", "A");
    ck_assert (s_pump_until (fx.clone, 3, 1));
    ck_assert_ptr_null (tw_clone_lookup (fx.clone, "A"));
    ck_assert_ptr_nonnull (tw_clone_lookup (fx.clone, "B"));
    //  One callback for the snapshot, one per applied event.
    ck_assert_int_eq (s_events, 4);
    s_teardown (&fx);
}
END_TEST

//  The gateway's trading state: from the snapshot, then from trading_state
//  events and heartbeats; a resync takes the snapshot's.
START_TEST (test_trading_state)
{
    fixture_t fx;
    s_setup (&fx);
    ck_assert_int_eq (tw_clone_trading_state (fx.clone), TW_TRADING_ACTIVE);
    s_do (fx.gateway, "STATE", "halted");
    ck_assert (s_pump_until (fx.clone, 1, 1));
    ck_assert_int_eq (tw_clone_trading_state (fx.clone), TW_TRADING_HALTED);
    //  A change the clone missed shows in the next heartbeat.
    s_do (fx.gateway, "QUIET", "active");
    s_do (fx.gateway, "HB", NULL);
    zpoller_t *poller = zpoller_new (tw_clone_socket (fx.clone), NULL);
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
         tw_clone_trading_state (fx.clone) != TW_TRADING_ACTIVE && tw_clock_mono_ms () < deadline;)
        if (zpoller_wait (poller, 20))
            tw_clone_recv (fx.clone);
    zpoller_destroy (&poller);
    ck_assert_int_eq (tw_clone_trading_state (fx.clone), TW_TRADING_ACTIVE);
    //  A resync (a new gateway run) takes the snapshot's.
    s_do (fx.gateway, "QUIET", "reducing");
    s_do (fx.gateway, "RESTART", NULL);
    s_do (fx.gateway, "OPEN", "A");
    ck_assert (s_pump_until (fx.clone, 2, 2));
    ck_assert_int_eq (tw_clone_trading_state (fx.clone), TW_TRADING_REDUCING);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_gap_resyncs)
{
    fixture_t fx;
    s_setup (&fx);
    s_do (fx.gateway, "OPEN", "A");
    ck_assert (s_pump_until (fx.clone, 1, 1));
    s_do (fx.gateway, "SKIP", "C"); //  seq 2 is never published
    s_do (fx.gateway, "OPEN", "D"); //  seq 3 shows the gap
    ck_assert (s_pump_until (fx.clone, 3, 2));
    ck_assert_ptr_nonnull (tw_clone_lookup (fx.clone, "C"));
    ck_assert_ptr_nonnull (tw_clone_lookup (fx.clone, "D"));
    s_teardown (&fx);
}
END_TEST

START_TEST (test_heartbeat_ahead_resyncs)
{
    fixture_t fx;
    s_setup (&fx);
    s_do (fx.gateway, "SKIP", "E"); //  lost, and nothing follows it but heartbeats
    s_do (fx.gateway, "HB", NULL);
    ck_assert (s_pump_until (fx.clone, 1, 2));
    ck_assert_ptr_nonnull (tw_clone_lookup (fx.clone, "E"));
    s_teardown (&fx);
}
END_TEST

START_TEST (test_epoch_change_resyncs)
{
    fixture_t fx;
    s_setup (&fx);
    s_do (fx.gateway, "RESTART", NULL);
    s_do (fx.gateway, "HB", NULL);
    ck_assert (s_pump_until (fx.clone, 0, 2));
    ck_assert_uint_eq (tw_clone_epoch (fx.clone), 1001);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_silence_resyncs)
{
    fixture_t fx;
    s_setup (&fx);
    //  No heartbeat for longer than the silence limit: the copy is retaken.
    int64_t deadline = tw_clock_mono_ms () + TW_CLONE_SILENCE_MS + WAIT_MS;
    while (tw_clone_resyncs (fx.clone) < 2 && tw_clock_mono_ms () < deadline) {
        tw_clone_check (fx.clone);
        zclock_sleep (50); //  pacing the check, as an owner's timer would
    }
    ck_assert_uint_eq (tw_clone_resyncs (fx.clone), 2);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_gateway_down)
{
    //  Nothing listens: checking never blocks, and stays unsynced.
    tw_clone_t *clone = tw_clone_new ("tcp://127.0.0.1:1", "tcp://127.0.0.1:1", NULL, NULL);
    ck_assert_ptr_nonnull (clone);
    int64_t start = tw_clock_mono_ms ();
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq (tw_clone_check (clone), -1);
    ck_assert (!tw_clone_synced (clone));
    ck_assert_int_lt (tw_clock_mono_ms () - start, 100);
    tw_clone_destroy (&clone);
}
END_TEST

START_TEST (test_events_during_snapshot_are_kept)
{
    //  A slow gateway: its snapshot (seq 1) arrives after an event it
    //  published later (seq 2). The event must be applied after the
    //  snapshot, not lost.
    fixture_t fx;
    s_setup (&fx);
    s_do (fx.gateway, "OPEN", "A");
    ck_assert (s_pump_until (fx.clone, 1, 1));
    s_do (fx.gateway, "HOLD", NULL);
    s_do (fx.gateway, "RESTART", NULL); //  new epoch: the next heartbeat resyncs
    s_do (fx.gateway, "HB", NULL);
    zpoller_t *poller = zpoller_new (tw_clone_socket (fx.clone), NULL);
    ck_assert_ptr_nonnull (zpoller_wait (poller, WAIT_MS));
    ck_assert_int_eq (tw_clone_recv (fx.clone), -1); //  the heartbeat: resync asked
    s_do (fx.gateway, "OPEN", "B");                  //  seq 2, published first
    ck_assert_ptr_nonnull (zpoller_wait (poller, WAIT_MS));
    ck_assert_int_eq (tw_clone_recv (fx.clone), 0); //  kept while awaiting
    zpoller_destroy (&poller);
    ck_assert (!tw_clone_synced (fx.clone));
    s_do (fx.gateway, "RELEASE", NULL); //  the snapshot at seq 1
    ck_assert (s_pump_until (fx.clone, 2, 2));
    ck_assert_ptr_nonnull (tw_clone_lookup (fx.clone, "A"));
    ck_assert_ptr_nonnull (tw_clone_lookup (fx.clone, "B"));
    s_teardown (&fx);
}
END_TEST

//  Resyncs, after a heartbeat, until synced at seq with `resyncs` snapshots.
static bool
s_heartbeat_until (fixture_t *fx, uint64_t seq, uint64_t resyncs)
{
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    zpoller_t *poller = zpoller_new (tw_clone_socket (fx->clone), NULL);
    bool done = false;
    while (!done && tw_clock_mono_ms () < deadline) {
        s_do (fx->gateway, "HB", NULL);
        if (zpoller_wait (poller, 20))
            tw_clone_recv (fx->clone);
        tw_clone_check (fx->clone);
        done = tw_clone_synced (fx->clone) && tw_clone_seq (fx->clone) == seq
               && tw_clone_resyncs (fx->clone) == resyncs;
    }
    zpoller_destroy (&poller);
    return done;
}

START_TEST (test_snapshot_in_parts)
{
    //  10,000 positions: three parts; every one of them arrives, and the
    //  events that follow apply on top.
    fixture_t fx;
    s_setup (&fx);
    s_do (fx.gateway, "MANY", "10000");
    ck_assert (s_heartbeat_until (&fx, 10000, 2));
    zhashx_t *positions = tw_clone_positions (fx.clone);
    ck_assert_uint_eq (zhashx_size (positions), 10000);
    for (uint64_t n = 1; n <= 10000; n++) {
        char name[32];
        snprintf (name, sizeof name, "M%06" PRIu64, n);
        ck_assert_ptr_nonnull (tw_clone_lookup (fx.clone, name));
    }
    ck_assert_int_eq (tw_clone_unsynced_ms (fx.clone), 0);
    ck_assert_str_eq (tw_clone_why (fx.clone), "");
    s_do (fx.gateway, "OPEN", "A");
    ck_assert (s_pump_until (fx.clone, 10001, 2));
    ck_assert_uint_eq (zhashx_size (positions), 10001);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_parts_out_of_order_retaken)
{
    //  Part 1 before part 0: that copy is thrown away and the next request
    //  (answered in order) syncs it.
    fixture_t fx;
    s_setup (&fx);
    s_do (fx.gateway, "MANY", "5000");
    s_do (fx.gateway, "SWAP", NULL);
    ck_assert (s_heartbeat_until (&fx, 5000, 2));
    ck_assert_uint_eq (zhashx_size (tw_clone_positions (fx.clone)), 5000);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_refused_snapshot_is_loud)
{
    //  A gateway that refuses every snapshot: the copy stays unsynced and
    //  says why and for how long, for as long as it lasts.
    fixture_t fx;
    s_setup (&fx);
    s_do (fx.gateway, "REFUSE", NULL);
    s_do (fx.gateway, "RESTART", NULL);
    zpoller_t *poller = zpoller_new (tw_clone_socket (fx.clone), NULL);
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    while (!strstr (tw_clone_why (fx.clone), "store error") && tw_clock_mono_ms () < deadline) {
        s_do (fx.gateway, "HB", NULL);
        if (zpoller_wait (poller, 20))
            tw_clone_recv (fx.clone);
        tw_clone_check (fx.clone);
    }
    zpoller_destroy (&poller);
    ck_assert (!tw_clone_synced (fx.clone));
    ck_assert_msg (strstr (tw_clone_why (fx.clone), "snapshot refused: ack: store error"),
                   "why: %s", tw_clone_why (fx.clone));
    int64_t first = tw_clone_unsynced_ms (fx.clone);
    ck_assert_int_ge (first, 0);
    //  Past the request's timeout it asks again, and is refused again: the
    //  reason stays, the time grows, and past TW_CLONE_UNSYNCED_ERROR_MS an
    //  error line says so (the log, stderr, goes to a file meanwhile).
    char log_path[] = "/tmp/tw-clone-log-XXXXXX";
    int log_fd = mkstemp (log_path);
    ck_assert_int_ge (log_fd, 0);
    fflush (stderr);
    int saved = dup (STDERR_FILENO);
    ck_assert_int_ge (dup2 (log_fd, STDERR_FILENO), 0);
    int64_t until = first + TW_CLONE_UNSYNCED_ERROR_MS + 200;
    deadline = tw_clock_mono_ms () + TW_CLONE_UNSYNCED_ERROR_MS + WAIT_MS;
    while (tw_clone_unsynced_ms (fx.clone) <= until && tw_clock_mono_ms () < deadline) {
        tw_clone_check (fx.clone);
        zclock_sleep (20); //  pacing the check, as an owner's timer would
    }
    fflush (stderr);
    dup2 (saved, STDERR_FILENO);
    close (saved);
    close (log_fd);
    ck_assert (!tw_clone_synced (fx.clone));
    ck_assert_int_gt (tw_clone_unsynced_ms (fx.clone), until);
    ck_assert_msg (strstr (tw_clone_why (fx.clone), "store error"), "why: %s",
                   tw_clone_why (fx.clone));
    FILE *log = fopen (log_path, "r");
    ck_assert_ptr_nonnull (log);
    char line[1024];
    bool loud = false;
    while (!loud && fgets (line, sizeof line, log))
        loud = strstr (line, "ERROR") && strstr (line, "clone not synced for")
               && strstr (line, "store error");
    fclose (log);
    unlink (log_path);
    ck_assert_msg (loud, "no error line about the unsynced copy");
    s_do (fx.gateway, "ACCEPT", NULL);
    ck_assert (s_pump_until (fx.clone, 0, 2));
    ck_assert_int_eq (tw_clone_unsynced_ms (fx.clone), 0);
    s_teardown (&fx);
}
END_TEST

typedef struct {
    tw_clone_t *clone;
    zactor_t *gateway;
} attach_test_t;

//  Ends the loop once the clone holds seq 2. Until then a heartbeat a pass:
//  should the event have gone out before the subscription was up, the
//  heartbeat shows the copy it is behind.
static int
s_until_seq2 (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    attach_test_t *test = (attach_test_t *) arg;
    if (tw_clone_synced (test->clone) && tw_clone_seq (test->clone) == 2)
        return -1;
    s_do (test->gateway, "HB", NULL);
    return 0;
}

static int
s_deadline (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    (void) arg;
    return -1;
}

START_TEST (test_attach_to_zloop)
{
    //  Attached to a loop, the copy syncs and follows events by itself.
    zactor_t *gateway = zactor_new (s_gateway, NULL);
    char *pub_ep, *cmd_ep;
    ck_assert_int_eq (zstr_recvx (gateway, &pub_ep, &cmd_ep, NULL), 2);
    s_do (gateway, "OPEN", "A");
    tw_clone_t *clone = tw_clone_new (pub_ep, cmd_ep, NULL, NULL);
    zloop_t *loop = zloop_new ();
    ck_assert_int_eq (tw_clone_attach (clone, loop), 0);
    //  Heartbeats prove the subscription, the next event follows the snapshot.
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
         !tw_clone_synced (clone) && tw_clock_mono_ms () < deadline;) {
        zloop_timer (loop, 20, 1, s_deadline, NULL);
        zloop_start (loop);
    }
    ck_assert (tw_clone_synced (clone));
    ck_assert_uint_eq (tw_clone_seq (clone), 1);
    s_do (gateway, "OPEN", "B");
    attach_test_t test = {clone, gateway};
    zloop_timer (loop, 10, 0, s_until_seq2, &test);
    zloop_timer (loop, WAIT_MS, 1, s_deadline, NULL);
    zloop_start (loop);
    ck_assert_uint_eq (tw_clone_seq (clone), 2);
    ck_assert_ptr_nonnull (tw_clone_lookup (clone, "B"));
    zloop_destroy (&loop);
    tw_clone_destroy (&clone);
    zactor_destroy (&gateway);
    zstr_free (&pub_ep);
    zstr_free (&cmd_ep);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("tw_clone");
    TCase *tc = tcase_create ("core");
    tcase_set_timeout (tc, 20);
    tcase_add_test (tc, test_snapshot_then_events);
    tcase_add_test (tc, test_trading_state);
    tcase_add_test (tc, test_gap_resyncs);
    tcase_add_test (tc, test_heartbeat_ahead_resyncs);
    tcase_add_test (tc, test_epoch_change_resyncs);
    tcase_add_test (tc, test_silence_resyncs);
    tcase_add_test (tc, test_gateway_down);
    tcase_add_test (tc, test_events_during_snapshot_are_kept);
    tcase_add_test (tc, test_attach_to_zloop);
    tcase_add_test (tc, test_snapshot_in_parts);
    tcase_add_test (tc, test_parts_out_of_order_retaken);
    tcase_add_test (tc, test_refused_snapshot_is_loud);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
