//  Unit tests for tw_control: ping -> pong with the built-in and the owner's
//  counters, anything else -> a rejected ack, and it keeps serving.

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "tw_clock.h"
#include "tw_control.h"
#include "tw_log.h"
#include "tw_sock.h"

//  Every wait in these tests is bounded by this.
#define WAIT_MS 5000
#define ERR_MAX 256
#define ENDPOINT "inproc://control-test"
//  The service pretends to have started this long ago.
#define AGE_MS 1500

static void
s_setup (void)
{
    tw_log_init ("unit");
}

//  The owner's counters: a fixed one, and as many more as asked for.
typedef struct {
    int64_t ticks;
    int extra;
    int calls;
} s_owner_t;

static void
s_counters (tw_pong_t *pong, void *arg)
{
    s_owner_t *owner = (s_owner_t *) arg;
    owner->calls++;
    tw_control_counter (pong, "ticks", owner->ticks);
    for (int i = 0; i < owner->extra; i++) {
        char name[TW_NAME_MAX];
        snprintf (name, sizeof name, "extra_%d", i);
        tw_control_counter (pong, name, i);
    }
}

//  Waits until the control socket is readable and handles one request.
static int
s_handle (tw_control_t *control)
{
    zpoller_t *poller = zpoller_new (tw_control_socket (control), NULL);
    ck_assert_ptr_nonnull (poller);
    ck_assert_msg (zpoller_wait (poller, WAIT_MS) == tw_control_socket (control),
                   "no request within %d ms", WAIT_MS);
    zpoller_destroy (&poller);
    return tw_control_handle (control);
}

static zsock_t *
s_client (const char *endpoint)
{
    zsock_t *client = tw_sock_client_new (endpoint);
    ck_assert_ptr_nonnull (client);
    zsock_set_rcvtimeo (client, WAIT_MS);
    return client;
}

//  Sends a ping, has control answer it, and returns the pong in reply.
static void
s_ping (tw_control_t *control, zsock_t *client, const char *req_id, tw_msg_t *reply)
{
    tw_msg_t ping;
    tw_msg_init (&ping, TW_MSG_PING);
    snprintf (ping.req_id, sizeof ping.req_id, "%s", req_id);
    ck_assert_int_eq (tw_sock_send (client, &ping), 0);
    ck_assert_int_eq (s_handle (control), 0);
    char err[ERR_MAX] = "";
    ck_assert_msg (tw_sock_recv (client, reply, err, sizeof err) == 0, "recv: %s", err);
    ck_assert_int_eq (reply->type, TW_MSG_PONG);
    ck_assert_str_eq (reply->req_id, req_id);
}

static int64_t
s_counter (const tw_pong_t *pong, const char *name)
{
    for (size_t i = 0; i < pong->counter_count; i++)
        if (strcmp (pong->counters[i].name, name) == 0)
            return pong->counters[i].value;
    ck_abort_msg ("no counter %s", name);
    return -1;
}

START_TEST (test_ping_pong)
{
    s_owner_t owner = {.ticks = 42};
    int64_t started = tw_clock_mono_ms () - AGE_MS;
    tw_control_t *control = tw_control_new (ENDPOINT, "market-feed", started, s_counters, &owner);
    ck_assert_ptr_nonnull (control);
    zsock_t *client = s_client (ENDPOINT);

    tw_msg_t pong = {0};
    s_ping (control, client, "ping-1", &pong);
    ck_assert_str_eq (pong.u.pong.service, "market-feed");
    ck_assert_str_eq (pong.u.pong.version, TW_VERSION);
    ck_assert_int_ge (pong.u.pong.uptime_ms, AGE_MS);
    ck_assert_int_lt (pong.u.pong.uptime_ms, AGE_MS + WAIT_MS);
    ck_assert_uint_eq (pong.u.pong.counter_count, 3);
    ck_assert_int_eq (s_counter (&pong.u.pong, "requests"), 1);
    ck_assert_int_eq (s_counter (&pong.u.pong, "errors"), 0);
    ck_assert_int_eq (s_counter (&pong.u.pong, "ticks"), 42);
    ck_assert_int_eq (owner.calls, 1);

    owner.ticks = 43;
    s_ping (control, client, "ping-2", &pong);
    ck_assert_int_eq (s_counter (&pong.u.pong, "requests"), 2);
    ck_assert_int_eq (s_counter (&pong.u.pong, "ticks"), 43);

    zsock_destroy (&client);
    tw_control_destroy (&control);
    ck_assert_ptr_null (control);
    tw_control_destroy (&control);
}
END_TEST

START_TEST (test_no_callback_and_counter_limit)
{
    tw_control_t *control = tw_control_new (ENDPOINT, "notifier", tw_clock_mono_ms (), NULL, NULL);
    ck_assert_ptr_nonnull (control);
    zsock_t *client = s_client (ENDPOINT);
    tw_msg_t pong = {0};
    s_ping (control, client, "bare", &pong);
    ck_assert_uint_eq (pong.u.pong.counter_count, 2);
    zsock_destroy (&client);
    tw_control_destroy (&control);

    //  Counters past TW_MAX_COUNTERS are dropped, not overflowed. (A new
    //  endpoint: zmq releases an inproc name in the background.)
    s_owner_t owner = {.extra = TW_MAX_COUNTERS * 2};
    control = tw_control_new (ENDPOINT "-2", "notifier", tw_clock_mono_ms (), s_counters, &owner);
    ck_assert_ptr_nonnull (control);
    client = s_client (ENDPOINT "-2");
    s_ping (control, client, "many", &pong);
    ck_assert_uint_eq (pong.u.pong.counter_count, TW_MAX_COUNTERS);
    zsock_destroy (&client);
    tw_control_destroy (&control);
}
END_TEST

//  A counter is found by name; a pong without the healthy counter counts
//  as healthy, one with it at 0 does not.
START_TEST (test_find_counter_and_healthy)
{
    tw_pong_t pong;
    memset (&pong, 0, sizeof pong);
    int64_t value = -7;
    ck_assert (!tw_control_find_counter (&pong, "synced", &value));
    ck_assert_int_eq (value, -7);
    ck_assert (tw_control_is_healthy (&pong));
    tw_control_counter (&pong, "synced", 1);
    tw_control_healthy (&pong, false);
    ck_assert (tw_control_find_counter (&pong, "synced", &value));
    ck_assert_int_eq (value, 1);
    ck_assert (!tw_control_is_healthy (&pong));
}
END_TEST

START_TEST (test_rejects_and_keeps_serving)
{
    tw_control_t *control =
        tw_control_new (ENDPOINT, "risk-monitor", tw_clock_mono_ms (), NULL, NULL);
    ck_assert_ptr_nonnull (control);
    zsock_t *client = s_client (ENDPOINT);
    char err[ERR_MAX] = "";
    tw_msg_t reply = {0};

    //  Garbage: a rejected ack (its req_id could not be read).
    zstr_send (client, "garbage");
    ck_assert_int_eq (s_handle (control), -1);
    ck_assert_msg (tw_sock_recv (client, &reply, err, sizeof err) == 0, "recv: %s", err);
    ck_assert_int_eq (reply.type, TW_MSG_ACK);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_REJECTED);
    ck_assert_msg (strncmp (reply.u.ack.error, "malformed request: ", 19) == 0, "%s",
                   reply.u.ack.error);

    //  A well-formed command that is not served here: its req_id is echoed.
    tw_msg_t flatten;
    tw_msg_init (&flatten, TW_MSG_FLATTEN);
    snprintf (flatten.req_id, sizeof flatten.req_id, "flat-1");
    snprintf (flatten.u.flatten.reason, sizeof flatten.u.flatten.reason, TW_REASON_KILL_SWITCH);
    ck_assert_int_eq (tw_sock_send (client, &flatten), 0);
    ck_assert_int_eq (s_handle (control), -1);
    ck_assert_msg (tw_sock_recv (client, &reply, err, sizeof err) == 0, "recv: %s", err);
    ck_assert_int_eq (reply.type, TW_MSG_ACK);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_REJECTED);
    ck_assert_str_eq (reply.req_id, "flat-1");
    ck_assert_str_eq (reply.u.ack.error,
                      "'flatten' is not served here: this endpoint answers ping only");

    //  A raw DEALER without an envelope gets no answer, and costs nothing.
    zsock_t *raw = zsock_new (ZMQ_DEALER);
    ck_assert_int_eq (zsock_connect (raw, ENDPOINT), 0);
    zstr_send (raw, "no envelope");
    ck_assert_int_eq (s_handle (control), -1);
    zsock_destroy (&raw);

    //  Still serving, and counting.
    tw_msg_t pong = {0};
    s_ping (control, client, "after", &pong);
    ck_assert_int_eq (s_counter (&pong.u.pong, "requests"), 4);
    ck_assert_int_eq (s_counter (&pong.u.pong, "errors"), 3);
    zsock_destroy (&client);
    tw_control_destroy (&control);
}
END_TEST

START_TEST (test_pong_helper)
{
    //  What the gateway uses to answer ping on its own router.
    tw_msg_t ping;
    tw_msg_init (&ping, TW_MSG_PING);
    snprintf (ping.req_id, sizeof ping.req_id, "gw-1");
    tw_msg_t pong;
    tw_control_pong (&ping, &pong, "order-gateway-with-a-name-longer-than-the-field",
                     tw_clock_mono_ms () + 1000);
    ck_assert_int_eq (pong.type, TW_MSG_PONG);
    ck_assert_str_eq (pong.req_id, "gw-1");
    ck_assert_uint_eq (strlen (pong.u.pong.service), TW_NAME_MAX - 1);
    //  A start in the future (a caller's mistake) is not a negative uptime.
    ck_assert_int_eq (pong.u.pong.uptime_ms, 0);
    ck_assert_uint_eq (pong.u.pong.counter_count, 0);
    tw_control_counter (&pong.u.pong, "positions", 3);
    ck_assert_uint_eq (pong.u.pong.counter_count, 1);
    //  The pong encodes.
    uint8_t *data = NULL;
    size_t size = 0;
    char err[ERR_MAX];
    ck_assert_msg (tw_msg_encode (&pong, &data, &size, err, sizeof err) == 0, "%s", err);
    free (data);
}
END_TEST

START_TEST (test_bind_failure)
{
    tw_control_t *first = tw_control_new (ENDPOINT, "a", 0, NULL, NULL);
    ck_assert_ptr_nonnull (first);
    tw_control_t *second = tw_control_new (ENDPOINT, "b", 0, NULL, NULL);
    ck_assert_ptr_null (second);
    tw_control_destroy (&first);
}
END_TEST

static int
s_end_loop (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    (void) reader;
    (void) arg;
    return -1;
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
    //  Attached to a loop, the control answers a ping without its owner.
    const char *endpoint = "inproc://control-attach-test";
    tw_control_t *control =
        tw_control_new (endpoint, "risk-monitor", tw_clock_mono_ms (), NULL, NULL);
    ck_assert_ptr_nonnull (control);
    zsock_t *client = s_client (endpoint);
    zloop_t *loop = zloop_new ();
    ck_assert_int_eq (tw_control_attach (control, loop), 0);
    zloop_reader (loop, client, s_end_loop, NULL);
    zloop_timer (loop, WAIT_MS, 1, s_deadline, NULL);
    tw_msg_t ping, pong = {0};
    tw_msg_init (&ping, TW_MSG_PING);
    snprintf (ping.req_id, sizeof ping.req_id, "attach-1");
    ck_assert_int_eq (tw_sock_send (client, &ping), 0);
    zloop_start (loop);
    char err[ERR_MAX] = "";
    zsock_set_rcvtimeo (client, 0);
    ck_assert_msg (tw_sock_recv (client, &pong, err, sizeof err) == 0, "recv: %s", err);
    ck_assert_int_eq (pong.type, TW_MSG_PONG);
    ck_assert_str_eq (pong.req_id, "attach-1");
    ck_assert_str_eq (pong.u.pong.service, "risk-monitor");
    zloop_destroy (&loop);
    zsock_destroy (&client);
    tw_control_destroy (&control);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("tw_control");
    TCase *tc = tcase_create ("core");
    tcase_add_checked_fixture (tc, s_setup, NULL);
    tcase_add_test (tc, test_ping_pong);
    tcase_add_test (tc, test_no_callback_and_counter_limit);
    tcase_add_test (tc, test_rejects_and_keeps_serving);
    tcase_add_test (tc, test_find_counter_and_healthy);
    tcase_add_test (tc, test_pong_helper);
    tcase_add_test (tc, test_bind_failure);
    tcase_add_test (tc, test_attach_to_zloop);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
