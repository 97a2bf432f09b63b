//  Unit tests for tw_clone: snapshot then events, and a resync on a missed
//  event, an epoch change, a heartbeat ahead of us, and silence. A small
//  in-test gateway (an actor with a ROUTER for snapshots and a PUB for
//  events) plays the order gateway.

#include <check.h>
#include <czmq.h>
#include <string.h>

#include "tw_clock.h"
#include "tw_clone.h"
#include "tw_sock.h"

#define WAIT_MS 3000

//  The fake gateway. Pipe commands (each answered with a signal):
//  "OPEN id" / "CLOSE id": seq+1, change the positions, publish the event.
//  "SKIP id": seq+1 and open id, but publish nothing (a lost event).
//  "HB": publish a heartbeat. "RESTART": a new epoch.
//  "HOLD": the next snapshot reply is made when asked for but sent only on
//  "RELEASE" (a slow gateway: events published meanwhile come after it).
//  On start it sends the PUB and ROUTER endpoints.
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

    bool hold = false;
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
            tw_msg_t msg, reply;
            char err[TW_TEXT_MAX];
            if (tw_router_recv (router, &request, &msg, err, sizeof err) == 0
                && msg.type == TW_MSG_SNAPSHOT) {
                tw_msg_init (&reply, TW_MSG_SNAPSHOT_REPLY);
                strcpy (reply.req_id, msg.req_id);
                reply.u.snapshot.epoch = epoch;
                reply.u.snapshot.seq = seq;
                reply.u.snapshot.count = zhashx_size (positions);
                reply.u.snapshot.positions =
                    (tw_position_t *) calloc (reply.u.snapshot.count + 1, sizeof (tw_position_t));
                size_t i = 0;
                for (void *p = zhashx_first (positions); p; p = zhashx_next (positions)) {
                    tw_position_t *pos = &reply.u.snapshot.positions[i++];
                    snprintf (pos->id, sizeof pos->id, "%s",
                              (const char *) zhashx_cursor (positions));
                    strcpy (pos->symbol, "NSE:SBIN-EQ");
                    strcpy (pos->product, "INTRADAY");
                    pos->side = TW_SIDE_LONG;
                    pos->qty = 1;
                    pos->entry_price = 100;
                    pos->state = TW_STATE_OPEN;
                }
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
            tw_sock_publish (pub, &event);
        }
        else if (streq (command, "RESTART"))
            epoch++;
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
    tcase_add_test (tc, test_gap_resyncs);
    tcase_add_test (tc, test_heartbeat_ahead_resyncs);
    tcase_add_test (tc, test_epoch_change_resyncs);
    tcase_add_test (tc, test_silence_resyncs);
    tcase_add_test (tc, test_gateway_down);
    tcase_add_test (tc, test_events_during_snapshot_are_kept);
    tcase_add_test (tc, test_attach_to_zloop);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
