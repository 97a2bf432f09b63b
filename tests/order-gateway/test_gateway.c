//  Integration tests of the order gateway: the real order-gateway process
//  against the real fake Fyers HTTP server (tests/fakes), over loopback with
//  ports picked at run time. Each test starts both, drives the gateway with
//  commands, listens to its events, and counts what reached the "broker".

#include <check.h>
#include <czmq.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "fake_fyers_ctl.h"
#include "tw_client.h"
#include "tw_clock.h"
#include "tw_proc.h"
#include "tw_sock.h"

#define APP_ID "TESTAPP-100"
#define TOKEN "eyJ0.test-secret-token.sig"
#define WAIT_MS 8000
#define STOP_MS 3000
#define CLIENT_TIMEOUT_MS 2000
#define SYMBOL "NSE:SBIN-EQ"
#define POS_ID "NSE:SBIN-EQ-INTRADAY"
#define DELETE_POSITIONS "DELETE", "/api/v3/positions"

typedef struct {
    fake_fyers_t *fake;
    char dir[64];
    char log[128];
    char rep[64];
    char pub[64];
    char env[16][256];
    int env_count;
    tw_proc_t *gateway;
    tw_client_t *client;
    zsock_t *sub;
} fixture_t;

static void
s_env (fixture_t *fx, const char *key, const char *value)
{
    ck_assert_int_lt (fx->env_count, 15);
    snprintf (fx->env[fx->env_count++], sizeof fx->env[0], "%s=%s", key, value);
}

static void
s_gateway_start (fixture_t *fx)
{
    const char *env[17];
    for (int i = 0; i < fx->env_count; i++)
        env[i] = fx->env[i];
    env[fx->env_count] = NULL;
    const char *argv[] = {"order-gateway", NULL};
    fx->gateway = tw_proc_start (getenv ("GATEWAY"), argv, env, fx->dir, fx->log);
    ck_assert_ptr_nonnull (fx->gateway);
}

//  Sends request (a fresh req_id when it has none) and returns the reply.
static void
s_request (fixture_t *fx, tw_msg_t *request, tw_msg_t *reply)
{
    char err[TW_TEXT_MAX] = "";
    int rc = tw_client_request (fx->client, request, reply, err, sizeof err);
    ck_assert_msg (rc == 0, "request %s: %s", tw_msg_type_name (request->type), err);
}

//  Waits until the gateway answers status as reconciled.
static void
s_wait_ready (fixture_t *fx)
{
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    while (tw_clock_mono_ms () < deadline) {
        tw_msg_t request, reply;
        tw_msg_init (&request, TW_MSG_STATUS);
        char err[TW_TEXT_MAX];
        if (tw_client_request (fx->client, &request, &reply, err, sizeof err) == 0) {
            for (size_t i = 0; i < reply.u.pong.counter_count; i++)
                if (streq (reply.u.pong.counters[i].name, "reconciled")
                    && reply.u.pong.counters[i].value == 1)
                    return;
        }
        zclock_sleep (20); //  pacing the poll of an observable state
    }
    ck_abort_msg ("gateway not ready; log in %s", fx->log);
}

//  Waits for the next event of type (for id, when id is not NULL).
static bool
s_wait_event (fixture_t *fx, tw_msg_type_t type, const char *id, tw_msg_t *event)
{
    zpoller_t *poller = zpoller_new (fx->sub, NULL);
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    bool found = false;
    while (!found && tw_clock_mono_ms () < deadline) {
        if (!zpoller_wait (poller, 50))
            continue;
        char err[TW_TEXT_MAX];
        if (tw_sock_recv (fx->sub, event, err, sizeof err) != 0)
            continue;
        found = event->type == type && (!id || streq (event->u.event.pos.id, id));
        if (!found)
            tw_msg_reset (event);
    }
    zpoller_destroy (&poller);
    return found;
}

static void
s_setup_with (fixture_t *fx, void (*before_start) (fixture_t *))
{
    memset (fx, 0, sizeof *fx);
    snprintf (fx->dir, sizeof fx->dir, "/tmp/tw-gw-XXXXXX");
    ck_assert_ptr_nonnull (mkdtemp (fx->dir));
    snprintf (fx->log, sizeof fx->log, "%s/gateway.log", fx->dir);
    fx->fake = fake_fyers_start (getenv ("FAKE_FYERS"), APP_ID, TOKEN);
    ck_assert_ptr_nonnull (fx->fake);
    fake_fyers_set_price (fx->fake, SYMBOL, 100.0);
    snprintf (fx->rep, sizeof fx->rep, "tcp://127.0.0.1:%d", tw_free_port ());
    snprintf (fx->pub, sizeof fx->pub, "tcp://127.0.0.1:%d", tw_free_port ());
    s_env (fx, "TW_ENDPOINTS_GATEWAY_REP", fx->rep);
    s_env (fx, "TW_ENDPOINTS_GATEWAY_PUB", fx->pub);
    s_env (fx, "TW_GATEWAY_BROKER", "fyers");
    s_env (fx, "TW_GATEWAY_DB", "gateway.db");
    s_env (fx, "TW_GATEWAY_HEARTBEAT_MS", "100");
    s_env (fx, "TW_GATEWAY_EXIT_BACKOFF_MS", "50");
    s_env (fx, "TW_GATEWAY_EXIT_CONFIRM_INTERVAL_MS", "50");
    s_env (fx, "TW_FYERS_BASE_URL", fake_fyers_base_url (fx->fake));
    s_env (fx, "TW_FYERS_REQUEST_TIMEOUT_MS", "500");
    s_env (fx, "FYERS_APP_ID", APP_ID);
    s_env (fx, "FYERS_ACCESS_TOKEN", TOKEN);
    if (before_start)
        before_start (fx);
    s_gateway_start (fx);
    fx->client = tw_client_new (fx->rep, CLIENT_TIMEOUT_MS, 3);
    ck_assert_ptr_nonnull (fx->client);
    fx->sub = tw_sock_sub_new (fx->pub, "");
    ck_assert_ptr_nonnull (fx->sub);
    s_wait_ready (fx);
    //  The SUB connection is up once a heartbeat arrives.
    tw_msg_t event;
    ck_assert (s_wait_event (fx, TW_MSG_HEARTBEAT, NULL, &event));
}

static void
s_setup (fixture_t *fx)
{
    s_setup_with (fx, NULL);
}

static void
s_teardown (fixture_t *fx)
{
    tw_client_destroy (&fx->client);
    zsock_destroy (&fx->sub);
    if (fx->gateway)
        ck_assert_int_eq (tw_proc_stop (&fx->gateway, SIGTERM, STOP_MS), 0);
    //  The token never reaches the log.
    ck_assert (!tw_file_contains (fx->log, TOKEN));
    fake_fyers_stop (&fx->fake);
    char command[160];
    snprintf (command, sizeof command, "rm -rf %s", fx->dir);
    ck_assert_int_eq (system (command), 0);
}

static tw_ack_status_t
s_open (fixture_t *fx, const char *symbol, double sl, double tp)
{
    tw_msg_t request, reply;
    tw_msg_init (&request, TW_MSG_OPEN);
    request.expires_at = tw_clock_wall_ns () + 10000 * TW_NS_PER_MS;
    snprintf (request.u.open.symbol, sizeof request.u.open.symbol, "%s", symbol);
    request.u.open.side = TW_SIDE_LONG;
    request.u.open.qty = 10;
    request.u.open.sl = sl;
    request.u.open.tp = tp;
    s_request (fx, &request, &reply);
    ck_assert_int_eq (reply.type, TW_MSG_ACK);
    return reply.u.ack.status;
}

//  Opens SBIN through the gateway and waits until it is open.
static void
s_open_sbin (fixture_t *fx)
{
    ck_assert_int_eq (s_open (fx, SYMBOL, 95, 110), TW_ACK_ACCEPTED);
    tw_msg_t event;
    ck_assert (s_wait_event (fx, TW_MSG_POSITION_OPENED, POS_ID, &event));
    ck_assert_double_eq_tol (event.u.event.pos.entry_price, 100.0, 1e-9);
}

static void
s_close (fixture_t *fx, const char *id, const char *reason, const char *req_id, tw_msg_t *reply)
{
    tw_msg_t request;
    tw_msg_init (&request, TW_MSG_CLOSE);
    request.expires_at = tw_clock_wall_ns () + 10000 * TW_NS_PER_MS;
    if (req_id)
        snprintf (request.req_id, sizeof request.req_id, "%s", req_id);
    snprintf (request.u.close.id, sizeof request.u.close.id, "%s", id);
    snprintf (request.u.close.reason, sizeof request.u.close.reason, "%s", reason);
    s_request (fx, &request, reply);
    ck_assert_int_eq (reply->type, TW_MSG_ACK);
}

//  The gateway's live positions, from a snapshot.
static size_t
s_snapshot (fixture_t *fx, tw_position_t *first)
{
    tw_msg_t request, reply;
    tw_msg_init (&request, TW_MSG_SNAPSHOT);
    s_request (fx, &request, &reply);
    ck_assert_int_eq (reply.type, TW_MSG_SNAPSHOT_REPLY);
    size_t count = reply.u.snapshot.count;
    if (count && first)
        *first = reply.u.snapshot.positions[0];
    tw_msg_reset (&reply);
    return count;
}

START_TEST (test_exit_success)
{
    fixture_t fx;
    s_setup (&fx);
    s_open_sbin (&fx);
    fake_fyers_set_price (fx.fake, SYMBOL, 104.0);
    tw_msg_t reply, event;
    s_close (&fx, POS_ID, "SL Hit", NULL, &reply);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_ACCEPTED);
    ck_assert (s_wait_event (&fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert_str_eq (event.u.event.reason, "SL Hit");
    ck_assert_int_eq (event.u.event.attempts, 1);
    ck_assert_double_eq_tol (event.u.event.exit_price, 104.0, 1e-9);
    ck_assert_double_eq_tol (event.u.event.pnl, 40.0, 1e-9);
    ck_assert_int_eq (fake_fyers_count (fx.fake, DELETE_POSITIONS), 1);
    ck_assert_uint_eq (s_snapshot (&fx, NULL), 0);
    ck_assert (
        tw_file_wait_contains (fx.log, "exit closed id=" POS_ID " reason=\"SL Hit\"", WAIT_MS));
    s_teardown (&fx);
}
END_TEST

START_TEST (test_two_failures_then_success)
{
    fixture_t fx;
    s_setup (&fx);
    s_open_sbin (&fx);
    fake_fyers_script (fx.fake, "{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\","
                                "\"action\":\"status\",\"status\":503,\"times\":2}");
    tw_msg_t reply, event;
    s_close (&fx, POS_ID, "TP Hit", NULL, &reply);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_ACCEPTED);
    ck_assert (s_wait_event (&fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert_str_eq (event.u.event.reason, "TP Hit");
    ck_assert_int_eq (event.u.event.attempts, 3);
    ck_assert_int_eq (fake_fyers_count (fx.fake, DELETE_POSITIONS), 3);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_three_failures_exit_failed)
{
    fixture_t fx;
    s_setup (&fx);
    s_open_sbin (&fx);
    fake_fyers_script (fx.fake,
                       "{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\","
                       "\"action\":\"status\",\"status\":503,\"times\":3,"
                       "\"body\":{\"s\":\"error\",\"code\":-99,\"message\":\"exchange down\"}}");
    tw_msg_t reply, event;
    s_close (&fx, POS_ID, "Model Close", NULL, &reply);
    ck_assert (s_wait_event (&fx, TW_MSG_EXIT_FAILED, POS_ID, &event));
    ck_assert_str_eq (event.u.event.reason, "Model Close");
    ck_assert_int_eq (event.u.event.attempts, 3);
    ck_assert_msg (strstr (event.u.event.error, "503"), "error: %s", event.u.event.error);
    ck_assert_int_eq (fake_fyers_count (fx.fake, DELETE_POSITIONS), 3);
    tw_position_t pos;
    ck_assert_uint_eq (s_snapshot (&fx, &pos), 1);
    ck_assert_int_eq (pos.state, TW_STATE_OPEN);
    ck_assert (pos.exit_failed);
    //  Inside the cooldown a new close is refused, not sent.
    s_close (&fx, POS_ID, "SL Hit", NULL, &reply);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_REJECTED);
    ck_assert_int_eq (fake_fyers_count (fx.fake, DELETE_POSITIONS), 3);
    ck_assert (tw_file_wait_contains (fx.log, "exit failed id=" POS_ID, WAIT_MS));
    //  The kill switch is a person asking for flat now: it ignores the cooldown.
    tw_msg_t request;
    tw_msg_init (&request, TW_MSG_FLATTEN);
    s_request (&fx, &request, &reply);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_ACCEPTED);
    ck_assert (s_wait_event (&fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert_str_eq (event.u.event.reason, "Kill Switch");
    ck_assert_int_eq (fake_fyers_count (fx.fake, DELETE_POSITIONS), 4);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_auth_error_is_final)
{
    fixture_t fx;
    s_setup (&fx);
    s_open_sbin (&fx);
    fake_fyers_script (fx.fake, "{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\","
                                "\"action\":\"401\"}");
    tw_msg_t reply, event;
    s_close (&fx, POS_ID, "SL Hit", NULL, &reply);
    ck_assert (s_wait_event (&fx, TW_MSG_EXIT_FAILED, POS_ID, &event));
    ck_assert_int_eq (event.u.event.attempts, 1);
    ck_assert_msg (strstr (event.u.event.error, "-16"), "error: %s", event.u.event.error);
    ck_assert_int_eq (fake_fyers_count (fx.fake, DELETE_POSITIONS), 1);
    s_teardown (&fx);
}
END_TEST

//  The arrival times (t_ms) of the DELETE requests, from the fake's record.
static int
s_delete_times (fixture_t *fx, long long *times, int max)
{
    char *json = fake_fyers_requests (fx->fake);
    ck_assert_ptr_nonnull (json);
    int n = 0;
    const char *p = json;
    while (n < max && (p = strstr (p, "\"method\":\"DELETE\""))) {
        const char *t = strstr (p, "\"t_ms\":");
        ck_assert_ptr_nonnull (t);
        times[n++] = atoll (t + 7);
        p = t;
    }
    free (json);
    return n;
}

START_TEST (test_429_retry_after_honoured)
{
    fixture_t fx;
    s_setup (&fx);
    s_open_sbin (&fx);
    fake_fyers_script (fx.fake, "{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\","
                                "\"action\":\"429\",\"retry_after_s\":1,\"retry_after_ms\":700}");
    tw_msg_t reply, event;
    s_close (&fx, POS_ID, "SL Hit", NULL, &reply);
    ck_assert (s_wait_event (&fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert_int_eq (event.u.event.attempts, 2);
    long long times[4];
    ck_assert_int_eq (s_delete_times (&fx, times, 4), 2);
    ck_assert_msg (times[1] - times[0] >= 700, "second DELETE after %lld ms", times[1] - times[0]);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_applied_then_timeout_not_resent)
{
    fixture_t fx;
    s_setup (&fx);
    s_open_sbin (&fx);
    fake_fyers_script (fx.fake, "{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\","
                                "\"action\":\"apply_then_hang\",\"ms\":2000}");
    tw_msg_t reply, event;
    s_close (&fx, POS_ID, "Trailing SL Hit", NULL, &reply);
    ck_assert (s_wait_event (&fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert_str_eq (event.u.event.reason, "Trailing SL Hit");
    ck_assert_int_eq (fake_fyers_count (fx.fake, DELETE_POSITIONS), 1);
    ck_assert_int_ge (fake_fyers_count (fx.fake, "GET", "/api/v3/positions"), 1);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_duplicate_and_concurrent_closes)
{
    fixture_t fx;
    s_setup (&fx);
    s_open_sbin (&fx);
    //  Slow the exit down so that the other closes arrive while it runs.
    fake_fyers_script (fx.fake, "{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\","
                                "\"action\":\"hang\",\"ms\":300,\"apply\":true,\"status\":200}");
    tw_msg_t first, repeat, other, event;
    s_close (&fx, POS_ID, "SL Hit", "close-1", &first);
    ck_assert_int_eq (first.u.ack.status, TW_ACK_ACCEPTED);
    //  The same req_id again gets the first reply; another req_id is a duplicate.
    s_close (&fx, POS_ID, "SL Hit", "close-1", &repeat);
    ck_assert_int_eq (repeat.u.ack.status, TW_ACK_ACCEPTED);
    ck_assert_str_eq (repeat.req_id, "close-1");
    s_close (&fx, POS_ID, "TP Hit", "close-2", &other);
    ck_assert_int_eq (other.u.ack.status, TW_ACK_DUPLICATE);
    //  A second client at the same moment.
    tw_client_t *second = tw_client_new (fx.rep, CLIENT_TIMEOUT_MS, 3);
    tw_msg_t request, reply;
    tw_msg_init (&request, TW_MSG_CLOSE);
    request.expires_at = tw_clock_wall_ns () + 10000 * TW_NS_PER_MS;
    strcpy (request.u.close.id, POS_ID);
    strcpy (request.u.close.reason, "Model Close");
    char err[TW_TEXT_MAX];
    ck_assert_int_eq (tw_client_request (second, &request, &reply, err, sizeof err), 0);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_DUPLICATE);
    tw_client_destroy (&second);

    ck_assert (s_wait_event (&fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert_str_eq (event.u.event.reason, "SL Hit");
    //  After the close, a close is still a duplicate, and nothing more is sent.
    s_close (&fx, POS_ID, "SL Hit", "close-3", &other);
    ck_assert_int_eq (other.u.ack.status, TW_ACK_DUPLICATE);
    ck_assert_int_eq (fake_fyers_count (fx.fake, DELETE_POSITIONS), 1);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_sigkill_during_exit_then_reconcile)
{
    fixture_t fx;
    s_setup (&fx);
    s_open_sbin (&fx);
    //  The broker applies the exit but the reply never comes in time.
    fake_fyers_script (fx.fake, "{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\","
                                "\"action\":\"apply_then_hang\",\"ms\":5000}");
    tw_msg_t reply, event;
    s_close (&fx, POS_ID, "SL Hit", "kill-close-1", &reply);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_ACCEPTED);
    ck_assert (s_wait_event (&fx, TW_MSG_POSITION_CLOSING, POS_ID, &event));
    ck_assert_int_eq (fake_fyers_wait_count (fx.fake, DELETE_POSITIONS, 1, WAIT_MS), 1);
    ck_assert_int_eq (tw_proc_stop (&fx.gateway, SIGKILL, STOP_MS), 128 + SIGKILL);

    //  Restarted, it reads the broker: flat, so closed with the exit's reason,
    //  and the exit is never sent again.
    //  (The restarted gateway publishes before our SUB has reconnected, so
    //  the outcome is read from a snapshot and the log.)
    s_gateway_start (&fx);
    s_wait_ready (&fx);
    ck_assert (tw_file_wait_contains (
        fx.log,
        "exit closed id=" POS_ID " reason=\"SL Hit\" attempts=1 exit_price=100.00 found=reconcile",
        WAIT_MS));
    ck_assert_uint_eq (s_snapshot (&fx, NULL), 0);
    //  The client's retry of the same close, after the restart, gets the
    //  first reply from the durable req_id table and sends nothing.
    s_close (&fx, POS_ID, "SL Hit", "kill-close-1", &reply);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_ACCEPTED);
    ck_assert_int_eq (fake_fyers_count (fx.fake, DELETE_POSITIONS), 1);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_sigkill_during_open_then_recovered)
{
    fixture_t fx;
    s_setup (&fx);
    //  The order fills at the broker; the gateway dies before the reply.
    fake_fyers_script (fx.fake, "{\"method\":\"POST\",\"path\":\"/api/v3/orders/sync\","
                                "\"action\":\"apply_then_hang\",\"ms\":5000}");
    ck_assert_int_eq (s_open (&fx, SYMBOL, 95, 110), TW_ACK_ACCEPTED);
    ck_assert_int_eq (fake_fyers_wait_count (fx.fake, "POST", "/api/v3/orders/sync", 1, WAIT_MS),
                      1);
    ck_assert_int_eq (tw_proc_stop (&fx.gateway, SIGKILL, STOP_MS), 128 + SIGKILL);

    //  Restarted, it finds the position at the broker and keeps the stops
    //  the open asked for; the order is not placed again.
    s_gateway_start (&fx);
    s_wait_ready (&fx);
    tw_position_t pos;
    ck_assert_uint_eq (s_snapshot (&fx, &pos), 1);
    ck_assert_str_eq (pos.id, POS_ID);
    ck_assert_int_eq (pos.qty, 10);
    ck_assert_double_eq_tol (pos.sl, 95.0, 1e-9);
    ck_assert_double_eq_tol (pos.tp, 110.0, 1e-9);
    ck_assert_int_eq (fake_fyers_count (fx.fake, "POST", "/api/v3/orders/sync"), 1);
    ck_assert (tw_file_wait_contains (fx.log, "open recovered after restart", WAIT_MS));
    s_teardown (&fx);
}
END_TEST

static void
s_seed_reliance (fixture_t *fx)
{
    fake_fyers_seed_position (fx->fake, "NSE:RELIANCE-EQ", "INTRADAY", -5, 2500.0);
}

START_TEST (test_restart_adopts_unknown_position)
{
    fixture_t fx;
    s_setup_with (&fx, s_seed_reliance);
    tw_position_t pos;
    ck_assert_uint_eq (s_snapshot (&fx, &pos), 1);
    ck_assert_str_eq (pos.id, "NSE:RELIANCE-EQ-INTRADAY");
    ck_assert_int_eq (pos.side, TW_SIDE_SHORT);
    ck_assert_int_eq (pos.qty, 5);
    ck_assert (
        tw_file_wait_contains (fx.log, "reconcile adopted id=NSE:RELIANCE-EQ-INTRADAY", WAIT_MS));
    s_teardown (&fx);
}
END_TEST

START_TEST (test_malformed_commands)
{
    fixture_t fx;
    s_setup (&fx);
    zsock_t *raw = zsock_new (ZMQ_REQ);
    ck_assert_int_eq (zsock_connect (raw, "%s", fx.rep), 0);
    zsock_set_rcvtimeo (raw, WAIT_MS);
    const char *garbage[] = {"\xdd\x10\x00\x00\x00", "not msgpack", "\x81\xa1v\x02"};
    for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
        zstr_send (raw, garbage[i]);
        zframe_t *frame = zframe_recv (raw);
        ck_assert_ptr_nonnull (frame);
        tw_msg_t reply;
        char err[TW_TEXT_MAX];
        ck_assert_int_eq (
            tw_msg_decode (zframe_data (frame), zframe_size (frame), &reply, err, sizeof err), 0);
        ck_assert_int_eq (reply.type, TW_MSG_ACK);
        ck_assert_int_eq (reply.u.ack.status, TW_ACK_REJECTED);
        ck_assert_uint_gt (strlen (reply.u.ack.error), 0);
        zframe_destroy (&frame);
    }
    zsock_destroy (&raw);
    //  A close for a position that never existed, and an expired one.
    tw_msg_t reply;
    s_close (&fx, "NSE:NOPE-EQ-INTRADAY", "SL Hit", NULL, &reply);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_REJECTED);
    tw_msg_t request;
    tw_msg_init (&request, TW_MSG_CLOSE);
    request.expires_at = tw_clock_wall_ns () - 1000 * TW_NS_PER_MS;
    strcpy (request.u.close.id, POS_ID);
    strcpy (request.u.close.reason, "SL Hit");
    s_request (&fx, &request, &reply);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_REJECTED);
    ck_assert_ptr_nonnull (strstr (reply.u.ack.error, "expired"));
    //  Still serving.
    tw_msg_init (&request, TW_MSG_PING);
    s_request (&fx, &request, &reply);
    ck_assert_int_eq (reply.type, TW_MSG_PONG);
    ck_assert_str_eq (reply.u.pong.service, "order-gateway");
    s_teardown (&fx);
}
END_TEST

static void
s_slow_broker (fixture_t *fx)
{
    s_env (fx, "TW_FYERS_REQUEST_TIMEOUT_MS", "15000");
    const char *symbols[] = {"NSE:A-EQ", "NSE:B-EQ", "NSE:C-EQ", "NSE:D-EQ", "NSE:E-EQ",
                             "NSE:F-EQ", "NSE:G-EQ", "NSE:H-EQ", "NSE:I-EQ", "NSE:J-EQ"};
    for (int i = 0; i < 10; i++)
        fake_fyers_seed_position (fx->fake, symbols[i], "INTRADAY", 1, 100.0);
}

START_TEST (test_ping_while_broker_hangs)
{
    fixture_t fx;
    s_setup_with (&fx, s_slow_broker);
    ck_assert_uint_eq (s_snapshot (&fx, NULL), 10);
    fake_fyers_script (fx.fake, "{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\","
                                "\"action\":\"hang\",\"ms\":10000,\"times\":10}");
    tw_msg_t request, reply;
    tw_msg_init (&request, TW_MSG_FLATTEN);
    request.expires_at = tw_clock_wall_ns () + 10000 * TW_NS_PER_MS;
    s_request (&fx, &request, &reply);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_ACCEPTED);
    //  The rate limiter lets 8 go in the first second, the rest after.
    ck_assert_int_eq (fake_fyers_wait_count (fx.fake, DELETE_POSITIONS, 10, WAIT_MS), 10);
    for (int i = 0; i < 5; i++) {
        tw_msg_init (&request, TW_MSG_PING);
        int64_t start = tw_clock_mono_ms ();
        s_request (&fx, &request, &reply);
        int64_t took = tw_clock_mono_ms () - start;
        ck_assert_int_eq (reply.type, TW_MSG_PONG);
        ck_assert_msg (took < 1000, "ping took %lld ms", (long long) took);
        ck_assert_int_eq (tw_client_last_attempts (fx.client), 1);
    }
    s_teardown (&fx);
}
END_TEST

START_TEST (test_code201_confirmed_by_polling)
{
    fixture_t fx;
    s_setup (&fx);
    s_open_sbin (&fx);
    //  "Exit placed, not yet filled": the position stays open for 3 reads.
    fake_fyers_script (fx.fake, "{\"method\":\"DELETE\",\"path\":\"/api/v3/positions\","
                                "\"action\":\"code201\",\"polls\":3}");
    int reads_before = fake_fyers_count (fx.fake, "GET", "/api/v3/positions");
    tw_msg_t reply, event;
    s_close (&fx, POS_ID, "EOD Square-off", NULL, &reply);
    ck_assert (s_wait_event (&fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert_str_eq (event.u.event.reason, "EOD Square-off");
    ck_assert_int_eq (event.u.event.attempts, 1);
    ck_assert_int_eq (fake_fyers_count (fx.fake, DELETE_POSITIONS), 1);
    ck_assert_int_ge (fake_fyers_count (fx.fake, "GET", "/api/v3/positions") - reads_before, 4);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_modify_and_order_rejected)
{
    fixture_t fx;
    s_setup (&fx);
    s_open_sbin (&fx);
    tw_msg_t request, reply, event;
    tw_msg_init (&request, TW_MSG_MODIFY);
    strcpy (request.u.modify.id, POS_ID);
    request.u.modify.has_sl = true;
    request.u.modify.sl = 98.5;
    request.u.modify.has_trail = true;
    request.u.modify.trail = 1.5;
    s_request (&fx, &request, &reply);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_ACCEPTED);
    ck_assert (s_wait_event (&fx, TW_MSG_POSITION_UPDATED, POS_ID, &event));
    ck_assert_double_eq_tol (event.u.event.pos.sl, 98.5, 1e-9);
    ck_assert_double_eq_tol (event.u.event.pos.tp, 110.0, 1e-9); //  unchanged
    ck_assert_double_eq_tol (event.u.event.pos.trail, 1.5, 1e-9);
    //  A second open of the same position is refused at once.
    ck_assert_int_eq (s_open (&fx, SYMBOL, 0, 0), TW_ACK_REJECTED);
    //  The broker refuses an order: order_rejected, no position.
    fake_fyers_script (fx.fake, "{\"method\":\"POST\",\"path\":\"/api/v3/orders/sync\","
                                "\"action\":\"status\",\"status\":400,\"body\":{\"s\":\"error\","
                                "\"code\":-50,\"message\":\"Invalid input: qty\"}}");
    ck_assert_int_eq (s_open (&fx, "NSE:INFY-EQ", 0, 0), TW_ACK_ACCEPTED);
    ck_assert (s_wait_event (&fx, TW_MSG_ORDER_REJECTED, NULL, &event));
    ck_assert_str_eq (event.u.event.pos.symbol, "NSE:INFY-EQ");
    ck_assert_msg (strstr (event.u.event.error, "-50"), "error: %s", event.u.event.error);
    ck_assert_int_eq (fake_fyers_count (fx.fake, "POST", "/api/v3/orders/sync"), 2);
    ck_assert_uint_eq (s_snapshot (&fx, NULL), 1);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_flatten_catches_open_in_flight)
{
    fixture_t fx;
    s_setup (&fx);
    //  The order fills at the broker but its reply is slow: the kill switch
    //  comes in between, and the position must end flat all the same.
    fake_fyers_script (fx.fake, "{\"method\":\"POST\",\"path\":\"/api/v3/orders/sync\","
                                "\"action\":\"hang\",\"ms\":300,\"apply\":true,\"status\":200}");
    ck_assert_int_eq (s_open (&fx, SYMBOL, 0, 0), TW_ACK_ACCEPTED);
    tw_msg_t request, reply, event;
    tw_msg_init (&request, TW_MSG_FLATTEN);
    s_request (&fx, &request, &reply);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_ACCEPTED);
    ck_assert (s_wait_event (&fx, TW_MSG_POSITION_OPENED, POS_ID, &event));
    ck_assert (s_wait_event (&fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert_str_eq (event.u.event.reason, "Kill Switch");
    ck_assert_uint_eq (s_snapshot (&fx, NULL), 0);
    ck_assert_int_eq (fake_fyers_count (fx.fake, DELETE_POSITIONS), 1);
    s_teardown (&fx);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("order-gateway");
    TCase *tc = tcase_create ("exit path");
    tcase_set_timeout (tc, 60);
    tcase_add_test (tc, test_exit_success);
    tcase_add_test (tc, test_two_failures_then_success);
    tcase_add_test (tc, test_three_failures_exit_failed);
    tcase_add_test (tc, test_auth_error_is_final);
    tcase_add_test (tc, test_429_retry_after_honoured);
    tcase_add_test (tc, test_applied_then_timeout_not_resent);
    tcase_add_test (tc, test_duplicate_and_concurrent_closes);
    tcase_add_test (tc, test_sigkill_during_exit_then_reconcile);
    tcase_add_test (tc, test_sigkill_during_open_then_recovered);
    tcase_add_test (tc, test_restart_adopts_unknown_position);
    tcase_add_test (tc, test_malformed_commands);
    tcase_add_test (tc, test_ping_while_broker_hangs);
    tcase_add_test (tc, test_code201_confirmed_by_polling);
    tcase_add_test (tc, test_modify_and_order_rejected);
    tcase_add_test (tc, test_flatten_catches_open_in_flight);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
