//  Unit tests for tw_client: Lazy Pirate retries with the same req_id against
//  a small in-test server that loses replies.

#include <check.h>
#include <czmq.h>
#include <string.h>

#include "tw_client.h"
#include "tw_clock.h"
#include "tw_sock.h"

#define TEST_TIMEOUT_MS 300

//  The server: answers every request with an accepted ack, except that it
//  drops the first `drop` requests without a reply. It reports each req_id
//  it sees on its pipe.
typedef struct {
    int drop;
} server_args_t;

static void
s_server (zsock_t *pipe, void *args)
{
    server_args_t *config = (server_args_t *) args;
    zsock_t *router = tw_sock_router_new ("tcp://127.0.0.1:*");
    assert (router);
    zsock_signal (pipe, 0);
    zsock_send (pipe, "s", zsock_endpoint (router));
    zpoller_t *poller = zpoller_new (pipe, router, NULL);
    int seen = 0;
    while (true) {
        void *which = zpoller_wait (poller, -1);
        if (which == pipe || !which)
            break;
        tw_request_t request = {0};
        tw_msg_t msg = {0};
        char err[TW_TEXT_MAX];
        if (tw_router_recv (router, &request, &msg, err, sizeof err) != 0) {
            tw_request_destroy (&request);
            continue;
        }
        zsock_send (pipe, "s", msg.req_id);
        if (seen++ < config->drop) {
            tw_request_destroy (&request);
            tw_msg_reset (&msg);
            continue;
        }
        tw_msg_t reply;
        tw_msg_init (&reply, TW_MSG_ACK);
        strcpy (reply.req_id, msg.req_id);
        reply.u.ack.status = TW_ACK_ACCEPTED;
        strcpy (reply.u.ack.id, "NSE:SBIN-EQ-INTRADAY");
        tw_router_reply (router, &request, &reply);
        tw_msg_reset (&msg);
    }
    zpoller_destroy (&poller);
    zsock_destroy (&router);
}

static zactor_t *
s_server_start (server_args_t *args, char **endpoint)
{
    zactor_t *server = zactor_new (s_server, args);
    ck_assert_ptr_nonnull (server);
    *endpoint = zstr_recv (server);
    ck_assert_ptr_nonnull (*endpoint);
    return server;
}

static void
s_close_request (tw_msg_t *request)
{
    tw_msg_init (request, TW_MSG_CLOSE);
    request->expires_at = tw_clock_wall_ns () + 10 * TW_NS_PER_MS * 1000;
    strcpy (request->u.close.id, "NSE:SBIN-EQ-INTRADAY");
    strcpy (request->u.close.reason, TW_REASON_SL_HIT);
}

START_TEST (test_reply_first_time)
{
    server_args_t args = {.drop = 0};
    char *endpoint;
    zactor_t *server = s_server_start (&args, &endpoint);
    tw_client_t *client = tw_client_new (endpoint, TEST_TIMEOUT_MS, 3);
    ck_assert_ptr_nonnull (client);

    tw_msg_t request, reply;
    s_close_request (&request);
    char err[TW_TEXT_MAX] = "";
    ck_assert_int_eq (tw_client_request (client, &request, &reply, err, sizeof err), 0);
    ck_assert_int_eq (reply.type, TW_MSG_ACK);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_ACCEPTED);
    ck_assert_str_eq (reply.req_id, request.req_id);
    ck_assert_int_eq (tw_client_last_attempts (client), 1);

    char *seen = zstr_recv (server);
    ck_assert_str_eq (seen, request.req_id);
    zstr_free (&seen);
    tw_client_destroy (&client);
    tw_client_destroy (&client);
    zactor_destroy (&server);
    zstr_free (&endpoint);
}
END_TEST

START_TEST (test_lost_reply_retries_same_req_id)
{
    server_args_t args = {.drop = 2};
    char *endpoint;
    zactor_t *server = s_server_start (&args, &endpoint);
    tw_client_t *client = tw_client_new (endpoint, TEST_TIMEOUT_MS, 3);

    tw_msg_t request, reply;
    s_close_request (&request);
    strcpy (request.req_id, "rm-close-42");
    char err[TW_TEXT_MAX] = "";
    ck_assert_int_eq (tw_client_request (client, &request, &reply, err, sizeof err), 0);
    ck_assert_int_eq (tw_client_last_attempts (client), 3);
    ck_assert_str_eq (reply.req_id, "rm-close-42");
    for (int i = 0; i < 3; i++) {
        char *seen = zstr_recv (server);
        ck_assert_str_eq (seen, "rm-close-42");
        zstr_free (&seen);
    }
    tw_client_destroy (&client);
    zactor_destroy (&server);
    zstr_free (&endpoint);
}
END_TEST

START_TEST (test_gives_up_after_attempts)
{
    server_args_t args = {.drop = 100};
    char *endpoint;
    zactor_t *server = s_server_start (&args, &endpoint);
    tw_client_t *client = tw_client_new (endpoint, TEST_TIMEOUT_MS, 2);

    tw_msg_t request, reply;
    tw_msg_init (&request, TW_MSG_PING);
    char err[TW_TEXT_MAX] = "";
    int64_t start = tw_clock_mono_ms ();
    ck_assert_int_eq (tw_client_request (client, &request, &reply, err, sizeof err), -1);
    int64_t took = tw_clock_mono_ms () - start;
    ck_assert_int_ge (took, 2 * TEST_TIMEOUT_MS - 20);
    ck_assert_ptr_nonnull (strstr (err, "after 2 attempts"));
    ck_assert_int_eq (tw_client_last_attempts (client), 2);
    //  A fresh req_id was made for a request that had none.
    ck_assert_uint_gt (strlen (request.req_id), 0);
    tw_client_destroy (&client);
    zactor_destroy (&server);
    zstr_free (&endpoint);
}
END_TEST

START_TEST (test_no_server)
{
    //  Nobody listens: with ZMQ_IMMEDIATE the request is never queued, and
    //  the client reports the failure within its attempts.
    tw_client_t *client = tw_client_new ("tcp://127.0.0.1:1", TEST_TIMEOUT_MS, 2);
    ck_assert_ptr_nonnull (client);
    tw_msg_t request, reply;
    tw_msg_init (&request, TW_MSG_PING);
    char err[TW_TEXT_MAX] = "";
    ck_assert_int_eq (tw_client_request (client, &request, &reply, err, sizeof err), -1);
    tw_client_destroy (&client);
}
END_TEST

START_TEST (test_req_ids_unique)
{
    char a[TW_ID_MAX], b[TW_ID_MAX];
    tw_client_make_req_id ("rm", a, sizeof a);
    tw_client_make_req_id ("rm", b, sizeof b);
    ck_assert_str_ne (a, b);
    ck_assert_int_eq (strncmp (a, "rm-", 3), 0);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("tw_client");
    TCase *tc = tcase_create ("core");
    tcase_set_timeout (tc, 20);
    tcase_add_test (tc, test_reply_first_time);
    tcase_add_test (tc, test_lost_reply_retries_same_req_id);
    tcase_add_test (tc, test_gives_up_after_attempts);
    tcase_add_test (tc, test_no_server);
    tcase_add_test (tc, test_req_ids_unique);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
