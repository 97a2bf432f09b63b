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
#include "tw_cmd.h"
#include "tw_events.h"
#include "tw_fixture.h"
#include "tw_proc.h"

#define APP_ID "TESTAPP-100"
#define TOKEN "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.test-secret-token-sig"
#define WAIT_MS 8000
#define STOP_MS 3000
#define CLIENT_TIMEOUT_MS 2000
#define TTL_MS 10000
#define GATEWAY "order-gateway"
#define SYMBOL "NSE:SBIN-EQ"
#define POS_ID "NSE:SBIN-EQ-INTRADAY"
#define DELETE_POSITIONS "DELETE", "/api/v3/positions"

typedef struct {
    tw_fixture_t *base;
    fake_fyers_t *fake;
    const char *rep;
    const char *log;
    tw_client_t *client;
    tw_events_t *events;
} fixture_t;

static void
s_gateway_start (fixture_t *fx)
{
    ck_assert_int_eq (tw_fixture_start (fx->base, GATEWAY, getenv ("GATEWAY"), NULL), 0);
}

//  Sends request (a fresh req_id when it has none) and returns the reply.
static void
s_request (fixture_t *fx, tw_msg_t *request, tw_msg_t *reply)
{
    ck_assert_int_eq (tw_cmd_request (fx->client, request, reply), 0);
}

//  Waits until the gateway answers status as reconciled.
static void
s_wait_ready (fixture_t *fx)
{
    ck_assert_int_eq (
        tw_fixture_wait_pong (fx->base, GATEWAY, fx->rep, TW_MSG_STATUS, "reconciled", 1, WAIT_MS),
        0);
}

//  Waits for the next event of type (for id, when id is not NULL).
static bool
s_wait_event (fixture_t *fx, tw_msg_type_t type, const char *id, tw_msg_t *event)
{
    return tw_events_wait (fx->events, type, id, WAIT_MS, event);
}

static void
s_setup_with (fixture_t *fx, void (*before_start) (fixture_t *))
{
    memset (fx, 0, sizeof *fx);
    fx->base = tw_fixture_new ("gw");
    ck_assert_ptr_nonnull (fx->base);
    fx->log = tw_fixture_log (fx->base, GATEWAY);
    fx->fake = fake_fyers_start (getenv ("FAKE_FYERS"), APP_ID, TOKEN);
    ck_assert_ptr_nonnull (fx->fake);
    fake_fyers_set_price (fx->fake, SYMBOL, 100.0);
    fx->rep = tw_fixture_endpoint (fx->base, "TW_ENDPOINTS_GATEWAY_REP");
    const char *pub = tw_fixture_endpoint (fx->base, "TW_ENDPOINTS_GATEWAY_PUB");
    ck_assert (fx->rep && pub);
    tw_fixture_set (fx->base, "TW_GATEWAY_BROKER", "fyers");
    //  The real clock: no market hours, no square-off (test_gw_eod has them).
    tw_fixture_set (fx->base, "TW_SESSION_SQUARE_OFF", "off");
    //  The exact order counts below are of the exit and open paths; the
    //  broker stop is test_gw_stop's.
    tw_fixture_set (fx->base, "TW_FYERS_BROKER_STOP", "off");
    tw_fixture_set (fx->base, "TW_SESSION_ENFORCE_HOURS", "off");
    tw_fixture_set (fx->base, "TW_GATEWAY_DB", "gateway.db");
    tw_fixture_set (fx->base, "TW_GATEWAY_HEARTBEAT_MS", "100");
    tw_fixture_set (fx->base, "TW_GATEWAY_EXIT_BACKOFF_MS", "50");
    tw_fixture_set (fx->base, "TW_GATEWAY_EXIT_CONFIRM_INTERVAL_MS", "50");
    tw_fixture_set (fx->base, "TW_FYERS_BASE_URL", "%s", fake_fyers_base_url (fx->fake));
    //  The exit path alone: no order socket (test_gw_ordersock has it).
    tw_fixture_set (fx->base, "TW_FYERS_ORDER_SOCKET_URL", "%s", "");
    tw_fixture_set (fx->base, "TW_FYERS_REQUEST_TIMEOUT_MS", "500");
    tw_fixture_set (fx->base, "FYERS_APP_ID", APP_ID);
    tw_fixture_set (fx->base, "FYERS_ACCESS_TOKEN", TOKEN);
    if (before_start)
        before_start (fx);
    s_gateway_start (fx);
    fx->client = tw_client_new (fx->rep, CLIENT_TIMEOUT_MS, 3);
    ck_assert_ptr_nonnull (fx->client);
    fx->events = tw_events_new (pub);
    ck_assert_ptr_nonnull (fx->events);
    s_wait_ready (fx);
    //  The SUB connection is up once a heartbeat arrives.
    ck_assert (tw_events_wait_live (fx->events, WAIT_MS));
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
    tw_events_destroy (&fx->events);
    if (tw_fixture_running (fx->base, GATEWAY))
        ck_assert_int_eq (tw_fixture_stop (fx->base, GATEWAY, SIGTERM, STOP_MS), 0);
    //  The token never reaches the log.
    ck_assert (!tw_file_contains (fx->log, TOKEN));
    fake_fyers_stop (&fx->fake);
    tw_fixture_destroy (&fx->base);
}

static tw_ack_status_t
s_open (fixture_t *fx, const char *symbol, double sl, double tp)
{
    tw_msg_t request, reply;
    tw_cmd_open (&request, symbol, TW_SIDE_LONG, 10, sl, tp, TTL_MS);
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
    tw_cmd_close (&request, id, reason, req_id, TTL_MS);
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
    //  The store's WAL is checkpointed off the loop (gw_checkpoint), without a failure.
    ck_assert (tw_cmd_wait_counter (fx.rep, TW_MSG_STATUS, "store_checkpoints", 1, WAIT_MS, NULL));
    ck_assert_int_eq (tw_cmd_counter (fx.rep, TW_MSG_STATUS, "store_checkpoint_failures"), 0);
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
    tw_cmd_close (&request, POS_ID, "Model Close", NULL, TTL_MS);
    ck_assert_int_eq (tw_cmd_request (second, &request, &reply), 0);
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
    ck_assert_int_eq (tw_fixture_stop (fx.base, GATEWAY, SIGKILL, STOP_MS), 128 + SIGKILL);

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
    ck_assert_int_eq (tw_fixture_stop (fx.base, GATEWAY, SIGKILL, STOP_MS), 128 + SIGKILL);

    //  Restarted, it finds the position at the broker and keeps the stops
    //  the open asked for; the order is not placed again.
    //  (It looks the open's tag up in the order book after reconciling.)
    s_gateway_start (&fx);
    s_wait_ready (&fx);
    ck_assert (tw_file_wait_contains (fx.log, "open recovering after restart", WAIT_MS));
    ck_assert (tw_file_wait_contains (fx.log, "open filled id=" POS_ID, WAIT_MS));
    tw_position_t pos;
    ck_assert_uint_eq (s_snapshot (&fx, &pos), 1);
    ck_assert_str_eq (pos.id, POS_ID);
    ck_assert_int_eq (pos.qty, 10);
    ck_assert_double_eq_tol (pos.sl, 95.0, 1e-9);
    ck_assert_double_eq_tol (pos.tp, 110.0, 1e-9);
    ck_assert_int_eq (fake_fyers_count (fx.fake, "POST", "/api/v3/orders/sync"), 1);
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
    tw_cmd_close (&request, POS_ID, "SL Hit", NULL, -1000);
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
    tw_fixture_set (fx->base, "TW_FYERS_REQUEST_TIMEOUT_MS", "15000");
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
        //  Not a speed goal: the point is that a ping does not wait for the
        //  10 s hang; half of it leaves room for a busy machine.
        ck_assert_msg (took < 5000, "ping took %lld ms", (long long) took);
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
