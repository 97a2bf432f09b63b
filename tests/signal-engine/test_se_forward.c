//  Unit tests of the signal-engine's forwarder (se_forward) over a
//  tw_requester, against a fake gateway (a ROUTER over inproc://): an ack
//  reaches the callback with the model's envelope and the attempts it took;
//  a command given up keeps its envelope for the owner; a repeat of a req_id
//  in flight joins it and the verdict goes to the latest asker; what is in
//  flight can be handed back, or is freed with the forwarder; replies that
//  are not acks are refused. Time is passed in, so timeouts are exact and
//  nothing sleeps. The transport itself is tested in
//  tests/common/test_requester.c.

#include <check.h>
#include <czmq.h>
#include <string.h>

#include "se_forward.h"
#include "tw_clock.h"
#include "tw_log.h"
#include "tw_requester.h"
#include "tw_sock.h"

#define TIMEOUT_MS 100
#define ATTEMPTS 3
//  Every wait for a message is bounded by this.
#define WAIT_MS 2000
#define GATEWAY "inproc://se-forward-gateway"

//  What the callback saw.
typedef struct {
    int calls;
    bool answered;
    tw_ack_status_t status;
    char req_id[TW_ID_MAX];
    char reply_req_id[TW_ID_MAX];
    char origin[TW_NAME_MAX];
    int attempts;
    zmsg_t *envelope; //  taken from the record
} s_seen_t;

static void
s_record (se_pending_t *pending, const tw_msg_t *ack, void *arg)
{
    s_seen_t *seen = (s_seen_t *) arg;
    seen->calls++;
    seen->answered = ack != NULL;
    seen->status = ack ? ack->u.ack.status : TW_ACK_NONE;
    snprintf (seen->req_id, sizeof seen->req_id, "%s", pending->command.req_id);
    snprintf (seen->reply_req_id, sizeof seen->reply_req_id, "%s", pending->reply_req_id);
    snprintf (seen->origin, sizeof seen->origin, "%s", pending->origin);
    seen->attempts = pending->attempts;
    zmsg_destroy (&seen->envelope);
    seen->envelope = pending->envelope;
    pending->envelope = NULL;
}

//  A close command with req_id and an envelope whose first frame is tag
//  (none when tag is NULL).
static se_pending_t *
s_pending (const char *req_id, const char *tag)
{
    se_pending_t *pending = se_pending_new ();
    tw_msg_init (&pending->command, TW_MSG_CLOSE);
    snprintf (pending->command.req_id, sizeof pending->command.req_id, "%s", req_id);
    pending->command.expires_at = tw_clock_wall_ns () + 10000 * TW_NS_PER_MS;
    snprintf (pending->command.u.close.id, sizeof pending->command.u.close.id,
              "NSE:SBIN-EQ-INTRADAY");
    snprintf (pending->command.u.close.reason, sizeof pending->command.u.close.reason, "%s",
              TW_REASON_MODEL_CLOSE);
    snprintf (pending->reply_req_id, sizeof pending->reply_req_id, "model-%s", tag ? tag : "none");
    snprintf (pending->origin, sizeof pending->origin, "test-model");
    pending->action = TW_ACTION_CLOSE;
    if (tag) {
        pending->envelope = zmsg_new ();
        zmsg_addstr (pending->envelope, tag);
        zmsg_addstr (pending->envelope, "");
    }
    return pending;
}

//  Waits for one command at the fake gateway. Returns false on timeout.
static bool
s_gateway_recv (zsock_t *router, tw_request_t *request, tw_msg_t *msg)
{
    zpoller_t *poller = zpoller_new (router, NULL);
    bool ready = zpoller_wait (poller, WAIT_MS) == router;
    zpoller_destroy (&poller);
    if (!ready)
        return false;
    char err[TW_TEXT_MAX];
    ck_assert_int_eq (tw_router_recv (router, request, msg, err, sizeof err), 0);
    return true;
}

//  Answers request with an ack of status for req_id.
static void
s_gateway_ack (zsock_t *router, tw_request_t *request, const char *req_id, tw_ack_status_t status)
{
    tw_msg_t reply;
    tw_msg_init (&reply, TW_MSG_ACK);
    snprintf (reply.req_id, sizeof reply.req_id, "%s", req_id);
    reply.u.ack.status = status;
    ck_assert_int_eq (tw_router_reply (router, request, &reply), 0);
}

//  Waits for a reply at the requester and reads it; returns what recv did.
static int
s_requester_recv (tw_requester_t *requester)
{
    zsock_t *dealer = tw_requester_socket (requester);
    zpoller_t *poller = zpoller_new (dealer, NULL);
    bool ready = zpoller_wait (poller, WAIT_MS) == dealer;
    zpoller_destroy (&poller);
    ck_assert_msg (ready, "no reply reached the requester");
    return tw_requester_recv (requester);
}

typedef struct {
    zsock_t *gateway;
    tw_requester_t *requester;
    se_forward_t *forward;
    s_seen_t seen;
} s_fixture_t;

static void
s_setup (s_fixture_t *fx)
{
    memset (fx, 0, sizeof *fx);
    tw_log_init ("unit");
    fx->gateway = tw_sock_router_new (GATEWAY);
    ck_assert_ptr_nonnull (fx->gateway);
    fx->requester = tw_requester_new (GATEWAY, TIMEOUT_MS, ATTEMPTS);
    ck_assert_ptr_nonnull (fx->requester);
    fx->forward = se_forward_new (fx->requester, s_record, &fx->seen);
    ck_assert_ptr_nonnull (fx->forward);
}

static void
s_teardown (s_fixture_t *fx)
{
    se_forward_destroy (&fx->forward);
    ck_assert_ptr_null (fx->forward);
    se_forward_destroy (&fx->forward);
    ck_assert_uint_eq (tw_requester_size (fx->requester), 0);
    tw_requester_destroy (&fx->requester);
    zsock_destroy (&fx->gateway);
    zmsg_destroy (&fx->seen.envelope);
}

START_TEST (test_ack_reaches_the_model)
{
    s_fixture_t fx;
    s_setup (&fx);
    se_pending_t *pending = s_pending ("r1", "model-a");
    ck_assert_int_eq (se_forward_send (fx.forward, &pending, 0), 0);
    ck_assert_ptr_null (pending);
    const se_pending_t *in_flight = se_forward_lookup (fx.forward, "r1");
    ck_assert_ptr_nonnull (in_flight);
    ck_assert_str_eq (in_flight->origin, "test-model");
    ck_assert_ptr_null (se_forward_lookup (fx.forward, "r2"));

    tw_request_t request = {0};
    tw_msg_t command = {0};
    ck_assert (s_gateway_recv (fx.gateway, &request, &command));
    ck_assert_int_eq (command.type, TW_MSG_CLOSE);
    ck_assert_str_eq (command.req_id, "r1");
    ck_assert_str_eq (command.u.close.reason, TW_REASON_MODEL_CLOSE);
    s_gateway_ack (fx.gateway, &request, "r1", TW_ACK_ACCEPTED);
    ck_assert_int_eq (s_requester_recv (fx.requester), 0);

    ck_assert_int_eq (fx.seen.calls, 1);
    ck_assert (fx.seen.answered);
    ck_assert_int_eq (fx.seen.status, TW_ACK_ACCEPTED);
    ck_assert_str_eq (fx.seen.req_id, "r1");
    ck_assert_str_eq (fx.seen.reply_req_id, "model-model-a");
    ck_assert_str_eq (fx.seen.origin, "test-model");
    ck_assert_int_eq (fx.seen.attempts, 1);
    ck_assert_ptr_nonnull (fx.seen.envelope);
    char *tag = zmsg_popstr (fx.seen.envelope);
    ck_assert_str_eq (tag, "model-a");
    zstr_free (&tag);
    ck_assert_ptr_null (se_forward_lookup (fx.forward, "r1"));
    s_teardown (&fx);
}
END_TEST

START_TEST (test_lost_reply_attempts_counted)
{
    s_fixture_t fx;
    s_setup (&fx);
    se_pending_t *pending = s_pending ("r2", NULL);
    se_forward_send (fx.forward, &pending, 0);
    tw_request_t request = {0};
    tw_msg_t command = {0};
    ck_assert (s_gateway_recv (fx.gateway, &request, &command));
    tw_request_destroy (&request); //  the reply is lost
    tw_requester_expire (fx.requester, TIMEOUT_MS);
    //  The same command, the same req_id.
    ck_assert (s_gateway_recv (fx.gateway, &request, &command));
    ck_assert_str_eq (command.req_id, "r2");
    s_gateway_ack (fx.gateway, &request, "r2", TW_ACK_DUPLICATE);
    ck_assert_int_eq (s_requester_recv (fx.requester), 0);
    ck_assert_int_eq (fx.seen.calls, 1);
    ck_assert_int_eq (fx.seen.status, TW_ACK_DUPLICATE);
    ck_assert_int_eq (fx.seen.attempts, 2);
    ck_assert_ptr_null (fx.seen.envelope);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_given_up_keeps_envelope)
{
    s_fixture_t fx;
    s_setup (&fx);
    se_pending_t *pending = s_pending ("r3", "model-b");
    se_forward_send (fx.forward, &pending, 0);
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++)
        tw_requester_expire (fx.requester, attempt * TIMEOUT_MS);
    ck_assert_int_eq (fx.seen.calls, 1);
    ck_assert (!fx.seen.answered);
    ck_assert_int_eq (fx.seen.attempts, ATTEMPTS);
    //  The model still hears of it: its envelope came with the verdict.
    ck_assert_ptr_nonnull (fx.seen.envelope);
    ck_assert_str_eq (fx.seen.reply_req_id, "model-model-b");
    ck_assert_ptr_null (se_forward_lookup (fx.forward, "r3"));
    s_teardown (&fx);
}
END_TEST

START_TEST (test_repeat_joins)
{
    s_fixture_t fx;
    s_setup (&fx);
    se_pending_t *first = s_pending ("r4", "first");
    se_pending_t *second = s_pending ("r4", "second");
    ck_assert_int_eq (se_forward_send (fx.forward, &first, 0), 0);
    ck_assert_int_eq (se_forward_send (fx.forward, &second, 50), 1);
    ck_assert_ptr_null (second);
    ck_assert_uint_eq (tw_requester_size (fx.requester), 1);
    //  The attempt and its deadline are the first send's.
    ck_assert_int_eq (tw_requester_lookup (fx.requester, "r4")->attempts, 1);
    ck_assert_int_eq (tw_requester_lookup (fx.requester, "r4")->deadline_ms, TIMEOUT_MS);
    ck_assert_str_eq (se_forward_lookup (fx.forward, "r4")->reply_req_id, "model-second");
    tw_request_t request = {0};
    tw_msg_t command = {0};
    ck_assert (s_gateway_recv (fx.gateway, &request, &command));
    s_gateway_ack (fx.gateway, &request, "r4", TW_ACK_ACCEPTED);
    ck_assert_int_eq (s_requester_recv (fx.requester), 0);
    //  One command reached the gateway; the verdict went to the latest asker.
    zpoller_t *poller = zpoller_new (fx.gateway, NULL);
    ck_assert_ptr_null (zpoller_wait (poller, 0));
    zpoller_destroy (&poller);
    ck_assert_int_eq (fx.seen.calls, 1);
    ck_assert_str_eq (fx.seen.reply_req_id, "model-second");
    char *tag = zmsg_popstr (fx.seen.envelope);
    ck_assert_str_eq (tag, "second");
    zstr_free (&tag);
    ck_assert_uint_eq (tw_requester_stats (fx.requester)->joined, 1);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_abandon_and_destroy)
{
    s_fixture_t fx;
    s_setup (&fx);
    se_pending_t *pending = s_pending ("r9", "model-f");
    se_forward_send (fx.forward, &pending, 0);
    pending = s_pending ("r10", NULL);
    se_forward_send (fx.forward, &pending, 0);
    //  Handed back through the given function, not the forwarder's own.
    s_seen_t abandoned;
    memset (&abandoned, 0, sizeof abandoned);
    ck_assert_uint_eq (se_forward_abandon (fx.forward, s_record, &abandoned), 2);
    ck_assert_int_eq (abandoned.calls, 2);
    ck_assert (!abandoned.answered);
    ck_assert_int_eq (fx.seen.calls, 0);
    ck_assert_uint_eq (tw_requester_size (fx.requester), 0);
    ck_assert_uint_eq (se_forward_abandon (fx.forward, s_record, &abandoned), 0);
    zmsg_destroy (&abandoned.envelope);
    //  Commands still in flight are freed with the forwarder, without a
    //  callback (the sanitized build checks that nothing leaks).
    pending = s_pending ("r11", "model-g");
    se_forward_send (fx.forward, &pending, 0);
    s_teardown (&fx);
    ck_assert_int_eq (fx.seen.calls, 0);
    //  A record never handed over is freed with its envelope.
    pending = s_pending ("r12", "model-h");
    se_pending_destroy (&pending);
    ck_assert_ptr_null (pending);
    se_pending_destroy (&pending);
}
END_TEST

START_TEST (test_not_an_ack)
{
    s_fixture_t fx;
    s_setup (&fx);
    se_pending_t *pending = s_pending ("r8", NULL);
    se_forward_send (fx.forward, &pending, 0);
    tw_request_t request = {0};
    tw_msg_t command = {0};
    ck_assert (s_gateway_recv (fx.gateway, &request, &command));
    //  A pong instead of an ack.
    tw_msg_t pong;
    tw_msg_init (&pong, TW_MSG_PONG);
    snprintf (pong.req_id, sizeof pong.req_id, "r8");
    snprintf (pong.u.pong.service, sizeof pong.u.pong.service, "order-gateway");
    zmsg_t *envelope = zmsg_dup (request.envelope);
    ck_assert_int_eq (tw_router_reply (fx.gateway, &request, &pong), 0);
    ck_assert_int_eq (s_requester_recv (fx.requester), -1);
    ck_assert_uint_eq (tw_requester_stats (fx.requester)->malformed, 1);
    ck_assert_int_eq (fx.seen.calls, 0);
    ck_assert_ptr_nonnull (se_forward_lookup (fx.forward, "r8"));
    //  The ack, at last.
    tw_request_t again = {envelope};
    s_gateway_ack (fx.gateway, &again, "r8", TW_ACK_REJECTED);
    ck_assert_int_eq (s_requester_recv (fx.requester), 0);
    ck_assert_int_eq (fx.seen.calls, 1);
    ck_assert_int_eq (fx.seen.status, TW_ACK_REJECTED);
    s_teardown (&fx);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("se_forward");
    TCase *tc = tcase_create ("core");
    tcase_add_test (tc, test_ack_reaches_the_model);
    tcase_add_test (tc, test_lost_reply_attempts_counted);
    tcase_add_test (tc, test_given_up_keeps_envelope);
    tcase_add_test (tc, test_repeat_joins);
    tcase_add_test (tc, test_abandon_and_destroy);
    tcase_add_test (tc, test_not_an_ack);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
