//  Integration tests of the signal-engine: the real signal-engine and the
//  real order-gateway (paper broker) as processes over loopback, on ports
//  picked at run time, in a temporary directory. The test plays the market
//  feed (a PUB at feed_pub publishing ticks), the external model (a REQ to
//  signal_in) and the watcher of the gateway's events (a SUB, proven live by
//  a heartbeat). Every wait is a bounded poll of something observable, and
//  every process ends with SIGTERM and exit code 0. The last case gives the
//  engine alone [gateway] broker = fyers, to see it refuse simulated ticks.

#include <check.h>
#include <czmq.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "tw_client.h"
#include "tw_clock.h"
#include "tw_cmd.h"
#include "tw_events.h"
#include "tw_fixture.h"
#include "tw_proc.h"
#include "tw_sock.h"

#define WAIT_MS 10000
#define STOP_MS 3000
#define POLL_MS 50
#define SYMBOL "NSE:SBIN-EQ"
#define POS_ID "NSE:SBIN-EQ-INTRADAY"
#define MODEL "test-model"
#define GATEWAY "order-gateway"
#define ENGINE "signal-engine"
//  The engine's patience with the gateway: its default, and a short one for
//  the test that stops the gateway.
#define COMMAND_TIMEOUT_MS 1000
#define SHORT_TIMEOUT_MS 300
//  Long enough that a command is surely still in flight when the test
//  stops the engine.
#define LONG_TIMEOUT_MS 20000
#define COMMAND_ATTEMPTS 3
//  A model waits well beyond the time the engine can take to give up.
#define MODEL_TIMEOUT_MS (COMMAND_TIMEOUT_MS * COMMAND_ATTEMPTS + 5000)
#define CLIENT_TIMEOUT_MS 2000
#define BASE_PRICE 100.0
//  sma_cross with small windows: a cross after a handful of ticks.
#define FAST "2"
#define SLOW "4"
#define STRATEGY_QTY 3

typedef struct {
    tw_fixture_t *base;
    const char *gateway_log;
    const char *engine_log;
    const char *signal_in;
    zsock_t *feed;       //  PUB: the test is the market feed
    tw_events_t *events; //  SUB to the gateway's events
    const char *gateway_rep;
    tw_client_t *gateway_client;
    tw_client_t *model;            //  REQ to signal_in, one attempt
    tw_client_t *control;          //  REQ to signal_control
    const char *const *engine_env; //  the engine's own settings, or NULL
} fixture_t;

static void
s_start (fixture_t *fx, const char *name)
{
    bool gateway = streq (name, GATEWAY);
    const char *path = getenv (gateway ? "GATEWAY" : "SIGNAL_ENGINE");
    ck_assert_int_eq (tw_fixture_start (fx->base, name, path, gateway ? NULL : fx->engine_env), 0);
}

static void
s_pause (void)
{
    zclock_sleep (POLL_MS); //  pacing a bounded poll of an observable state
}

static void
s_tick (fixture_t *fx, double price)
{
    ck_assert_int_eq (tw_cmd_tick (fx->feed, SYMBOL, price), 0);
}

//  Pings the engine on signal_control; returns false when it does not answer.
static bool
s_ping (fixture_t *fx, tw_msg_t *pong)
{
    tw_msg_t request;
    tw_msg_init (&request, TW_MSG_PING);
    char err[TW_TEXT_MAX];
    if (tw_client_request (fx->control, &request, pong, err, sizeof err) != 0)
        return false;
    ck_assert_int_eq (pong->type, TW_MSG_PONG);
    ck_assert_str_eq (pong->u.pong.service, "signal-engine");
    return true;
}

//  The engine's counter name, from a fresh ping.
static int64_t
s_engine_counter (fixture_t *fx, const char *name)
{
    tw_msg_t pong = {0};
    ck_assert_msg (s_ping (fx, &pong), "signal-engine does not answer ping; log in %s",
                   fx->engine_log);
    return tw_cmd_pong_counter (&pong, name);
}

//  Polls until the engine's counter name equals value (or, with at_least,
//  has reached it), publishing a tick at tick_price each round when
//  tick_price > 0.
static void
s_wait_counter (fixture_t *fx, const char *name, int64_t value, bool at_least, double tick_price)
{
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    while (tw_clock_mono_ms () < deadline) {
        if (tick_price > 0)
            s_tick (fx, tick_price);
        int64_t now = s_engine_counter (fx, name);
        if (now == value || (at_least && now > value))
            return;
        s_pause ();
    }
    ck_abort_msg ("engine counter %s never reached %lld; log in %s", name, (long long) value,
                  fx->engine_log);
}

//  The gateway's status counter name, or -1 when it does not answer.
static int64_t
s_gateway_counter (fixture_t *fx, const char *name)
{
    tw_msg_t request, reply;
    tw_msg_init (&request, TW_MSG_STATUS);
    if (tw_cmd_request (fx->gateway_client, &request, &reply) != 0)
        return -1;
    return tw_cmd_pong_counter (&reply, name);
}

static void
s_wait_gateway_ready (fixture_t *fx)
{
    ck_assert_int_eq (tw_fixture_wait_pong (fx->base, GATEWAY, fx->gateway_rep, TW_MSG_STATUS,
                                            "reconciled", 1, WAIT_MS),
                      0);
}

//  Waits for the next gateway event of one of the two types (for POS_ID),
//  publishing a tick at tick_price each round when tick_price > 0.
static bool
s_wait_event (fixture_t *fx, tw_msg_type_t type, tw_msg_type_t or_type, tw_msg_t *event,
              double tick_price)
{
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    while (tw_clock_mono_ms () < deadline) {
        if (tick_price > 0)
            s_tick (fx, tick_price);
        if (!tw_events_next (fx->events, POLL_MS, event))
            continue;
        if ((event->type == type || event->type == or_type)
            && (event->type == TW_MSG_HEARTBEAT || streq (event->u.event.pos.id, POS_ID)))
            return true;
        tw_msg_reset (event);
    }
    return false;
}

//  Starts the gateway and the engine with strategy (and extra settings
//  already in the fixture), waits until both answer, the gateway has
//  reconciled, the events SUB hears heartbeats and the engine hears ticks.
static void
s_setup (fixture_t *fx, const char *strategy)
{
    fx->gateway_log = tw_fixture_log (fx->base, GATEWAY);
    fx->engine_log = tw_fixture_log (fx->base, ENGINE);
    const char *feed_pub = tw_fixture_endpoint (fx->base, "TW_ENDPOINTS_FEED_PUB");
    fx->gateway_rep = tw_fixture_endpoint (fx->base, "TW_ENDPOINTS_GATEWAY_REP");
    const char *gateway_pub = tw_fixture_endpoint (fx->base, "TW_ENDPOINTS_GATEWAY_PUB");
    fx->signal_in = tw_fixture_endpoint (fx->base, "TW_ENDPOINTS_SIGNAL_IN");
    const char *signal_control = tw_fixture_endpoint (fx->base, "TW_ENDPOINTS_SIGNAL_CONTROL");
    ck_assert (feed_pub && fx->gateway_rep && gateway_pub && fx->signal_in && signal_control);
    tw_fixture_set (fx->base, "TW_GATEWAY_BROKER", "paper");
    tw_fixture_set (fx->base, "TW_GATEWAY_DB", "gateway.db");
    tw_fixture_set (fx->base, "TW_GATEWAY_PAPER_DB", "paper.db");
    tw_fixture_set (fx->base, "TW_GATEWAY_HEARTBEAT_MS", "100");
    tw_fixture_set (fx->base, "TW_FEED_SYMBOLS", SYMBOL);
    tw_fixture_set (fx->base, "TW_SIGNAL_STRATEGY", "%s", strategy);
    tw_fixture_set (fx->base, "TW_SIGNAL_COMMAND_ATTEMPTS", "%d", COMMAND_ATTEMPTS);

    fx->feed = tw_sock_pub_new (feed_pub);
    ck_assert_ptr_nonnull (fx->feed);
    s_start (fx, GATEWAY);
    s_start (fx, ENGINE);
    fx->gateway_client = tw_client_new (fx->gateway_rep, CLIENT_TIMEOUT_MS, 3);
    fx->model = tw_client_new (fx->signal_in, MODEL_TIMEOUT_MS, 1);
    fx->control = tw_client_new (signal_control, CLIENT_TIMEOUT_MS, 3);
    fx->events = tw_events_new (gateway_pub);
    ck_assert (fx->gateway_client && fx->model && fx->control && fx->events);
    s_wait_gateway_ready (fx);
    ck_assert (tw_events_wait_live (fx->events, WAIT_MS));
    //  The engine's SUB is connected once it counts a tick.
    s_wait_counter (fx, "ticks", 1, true, BASE_PRICE);
}

static void
s_teardown (fixture_t *fx)
{
    tw_client_destroy (&fx->gateway_client);
    tw_client_destroy (&fx->model);
    tw_client_destroy (&fx->control);
    tw_events_destroy (&fx->events);
    if (tw_fixture_running (fx->base, ENGINE))
        ck_assert_msg (tw_fixture_stop (fx->base, ENGINE, SIGTERM, STOP_MS) == 0,
                       "signal-engine did not exit 0; log in %s", fx->engine_log);
    if (tw_fixture_running (fx->base, GATEWAY))
        ck_assert_msg (tw_fixture_stop (fx->base, GATEWAY, SIGTERM, STOP_MS) == 0,
                       "order-gateway did not exit 0; log in %s", fx->gateway_log);
    zsock_destroy (&fx->feed);
    tw_fixture_destroy (&fx->base);
}

static void
s_make_dir (fixture_t *fx)
{
    memset (fx, 0, sizeof *fx);
    fx->base = tw_fixture_new ("signal");
    ck_assert_ptr_nonnull (fx->base);
}

//  The paper broker fills at the feed's last price, and refuses an open
//  until its first tick has arrived. This opens SBIN through the gateway
//  (again until it fills) and closes it, so that the paper broker has a
//  price before the test's own opens.
static void
s_prime_paper_broker (fixture_t *fx)
{
    bool opened = false;
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
         !opened && tw_clock_mono_ms () < deadline;) {
        tw_msg_t request, reply, event;
        tw_cmd_open (&request, SYMBOL, TW_SIDE_LONG, 1, 0, 0, WAIT_MS);
        ck_assert_int_eq (tw_cmd_request (fx->gateway_client, &request, &reply), 0);
        ck_assert_int_eq (reply.u.ack.status, TW_ACK_ACCEPTED);
        ck_assert (
            s_wait_event (fx, TW_MSG_POSITION_OPENED, TW_MSG_ORDER_REJECTED, &event, BASE_PRICE));
        opened = event.type == TW_MSG_POSITION_OPENED;
    }
    ck_assert_msg (opened, "the paper broker never filled; log in %s", fx->gateway_log);
    tw_msg_t request, reply, event;
    tw_cmd_close (&request, POS_ID, TW_REASON_MANUAL_CLOSE, NULL, WAIT_MS);
    ck_assert_int_eq (tw_cmd_request (fx->gateway_client, &request, &reply), 0);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_ACCEPTED);
    ck_assert (s_wait_event (fx, TW_MSG_POSITION_CLOSED, TW_MSG_POSITION_CLOSED, &event, 0));
}

//  A signal from the model; req_id may be NULL (tw_client then makes one).
static void
s_signal (fixture_t *fx, tw_action_t action, const char *req_id, tw_msg_t *ack)
{
    tw_msg_t request;
    tw_msg_init (&request, TW_MSG_SIGNAL);
    if (req_id)
        snprintf (request.req_id, sizeof request.req_id, "%s", req_id);
    snprintf (request.u.signal.symbol, sizeof request.u.signal.symbol, SYMBOL);
    request.u.signal.action = action;
    if (action != TW_ACTION_CLOSE) {
        request.u.signal.qty = 5;
        request.u.signal.sl = 90;
        request.u.signal.tp = 120;
    }
    snprintf (request.u.signal.model, sizeof request.u.signal.model, MODEL);
    char err[TW_TEXT_MAX] = "";
    int rc = tw_client_request (fx->model, &request, ack, err, sizeof err);
    ck_assert_msg (rc == 0, "signal %s: %s; log in %s", tw_action_name (action), err,
                   fx->engine_log);
    ck_assert_int_eq (ack->type, TW_MSG_ACK);
    ck_assert_str_eq (ack->req_id, request.req_id);
}

//  Sends raw bytes (or msg when data is NULL) on a fresh REQ to signal_in
//  and returns the reply.
static void
s_raw_request (fixture_t *fx, const void *data, size_t size, const tw_msg_t *msg, tw_msg_t *reply)
{
    zsock_t *req = tw_sock_client_new (fx->signal_in);
    ck_assert_ptr_nonnull (req);
    if (data)
        ck_assert_int_eq (zmq_send (zsock_resolve (req), data, size, 0), (int) size);
    else
        ck_assert_int_eq (tw_sock_send (req, msg), 0);
    zsock_set_rcvtimeo (req, CLIENT_TIMEOUT_MS);
    char err[TW_TEXT_MAX] = "";
    memset (reply, 0, sizeof *reply);
    ck_assert_msg (tw_sock_recv (req, reply, err, sizeof err) == 0, "no reply: %s", err);
    zsock_destroy (&req);
}

START_TEST (test_model_open_repeat_close)
{
    fixture_t fx;
    s_make_dir (&fx);
    s_setup (&fx, "none");
    s_prime_paper_broker (&fx);

    //  open_long -> accepted -> the position opens with the model's stops.
    tw_msg_t ack = {0}, event;
    s_signal (&fx, TW_ACTION_OPEN_LONG, "m-open-1", &ack);
    ck_assert_msg (ack.u.ack.status == TW_ACK_ACCEPTED, "open: %s", ack.u.ack.error);
    ck_assert_str_eq (ack.u.ack.id, POS_ID);
    ck_assert (s_wait_event (&fx, TW_MSG_POSITION_OPENED, TW_MSG_ORDER_REJECTED, &event, 0));
    ck_assert_int_eq (event.type, TW_MSG_POSITION_OPENED);
    ck_assert_int_eq (event.u.event.pos.side, TW_SIDE_LONG);
    ck_assert_int_eq (event.u.event.pos.qty, 5);
    ck_assert_double_eq (event.u.event.pos.sl, 90);
    ck_assert_double_eq (event.u.event.pos.tp, 120);

    //  The same signal with the same req_id: the gateway's first reply, no
    //  second open (a second open would be refused as "already open").
    int64_t duplicates = s_gateway_counter (&fx, "duplicates");
    s_signal (&fx, TW_ACTION_OPEN_LONG, "m-open-1", &ack);
    ck_assert_msg (ack.u.ack.status == TW_ACK_ACCEPTED || ack.u.ack.status == TW_ACK_DUPLICATE,
                   "repeat: %s %s", tw_ack_status_name (ack.u.ack.status), ack.u.ack.error);
    ck_assert_int_eq (s_gateway_counter (&fx, "duplicates"), duplicates + 1);
    ck_assert_int_eq (s_gateway_counter (&fx, "positions"), 1);
    ck_assert_int_eq (s_gateway_counter (&fx, "opens_filled"), 2); //  the priming one and ours

    //  close -> Model Close.
    s_signal (&fx, TW_ACTION_CLOSE, "m-close-1", &ack);
    ck_assert_msg (ack.u.ack.status == TW_ACK_ACCEPTED, "close: %s", ack.u.ack.error);
    ck_assert_str_eq (ack.u.ack.id, POS_ID);
    ck_assert (s_wait_event (&fx, TW_MSG_POSITION_CLOSED, TW_MSG_EXIT_FAILED, &event, 0));
    ck_assert_int_eq (event.type, TW_MSG_POSITION_CLOSED);
    ck_assert_str_eq (event.u.event.reason, TW_REASON_MODEL_CLOSE);
    ck_assert (tw_file_wait_contains (fx.gateway_log,
                                      "exit closed id=" POS_ID " reason=\"Model Close\"", WAIT_MS));

    //  A signal without a req_id: its ack names the command's own, and a
    //  close of a flat position is a duplicate.
    tw_msg_t request;
    tw_msg_init (&request, TW_MSG_SIGNAL);
    snprintf (request.u.signal.symbol, sizeof request.u.signal.symbol, SYMBOL);
    request.u.signal.action = TW_ACTION_CLOSE;
    snprintf (request.u.signal.model, sizeof request.u.signal.model, MODEL);
    s_raw_request (&fx, NULL, 0, &request, &ack);
    ck_assert_int_eq (ack.type, TW_MSG_ACK);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_DUPLICATE);
    ck_assert_ptr_nonnull (strstr (ack.req_id, "se-"));

    //  One line per command, naming the model, symbol, action, req_id and
    //  the verdict.
    ck_assert (tw_file_contains (fx.engine_log, "command origin=" MODEL " symbol=" SYMBOL
                                                " action=open_long qty=5"));
    ck_assert (
        tw_file_contains (fx.engine_log, "model_req_id=m-close-1 verdict=accepted id=" POS_ID));
    tw_msg_t pong = {0};
    ck_assert (s_ping (&fx, &pong));
    ck_assert_int_eq (tw_cmd_pong_counter (&pong, "signals_in"), 4);
    ck_assert_int_eq (tw_cmd_pong_counter (&pong, "opens_sent"), 2);
    ck_assert_int_eq (tw_cmd_pong_counter (&pong, "closes_sent"), 2);
    //  The repeat's verdict is the first reply (accepted) or duplicate.
    ck_assert_int_eq (tw_cmd_pong_counter (&pong, "acks_accepted")
                          + tw_cmd_pong_counter (&pong, "acks_duplicate"),
                      4);
    ck_assert_int_eq (tw_cmd_pong_counter (&pong, "signals_rejected"), 0);
    ck_assert_int_eq (tw_cmd_pong_counter (&pong, "in_flight"), 0);
    s_teardown (&fx);
}
END_TEST

//  Appends a msgpack fixstr.
static size_t
s_fixstr (uint8_t *buf, size_t at, const char *text)
{
    size_t len = strlen (text);
    ck_assert_uint_lt (len, 32);
    buf[at++] = (uint8_t) (0xa0 | len);
    memcpy (buf + at, text, len);
    return at + len;
}

START_TEST (test_bad_signals)
{
    fixture_t fx;
    s_make_dir (&fx);
    s_setup (&fx, "none");
    //  Not msgpack at all: rejected, req_id "unknown".
    tw_msg_t ack = {0};
    s_raw_request (&fx, "garbage", 7, NULL, &ack);
    ck_assert_int_eq (ack.type, TW_MSG_ACK);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_REJECTED);
    ck_assert_str_eq (ack.req_id, "unknown");
    ck_assert_ptr_nonnull (strstr (ack.u.ack.error, "malformed signal"));

    //  An open signal without qty (the encoder would refuse to make one).
    uint8_t frame[128];
    size_t at = 0;
    frame[at++] = 0x86; //  a map of 6 pairs
    at = s_fixstr (frame, at, "v");
    frame[at++] = 0x01;
    at = s_fixstr (frame, at, "type");
    at = s_fixstr (frame, at, "signal");
    at = s_fixstr (frame, at, "ts");
    frame[at++] = 0x01;
    at = s_fixstr (frame, at, "symbol");
    at = s_fixstr (frame, at, SYMBOL);
    at = s_fixstr (frame, at, "action");
    at = s_fixstr (frame, at, "open_long");
    at = s_fixstr (frame, at, "model");
    at = s_fixstr (frame, at, MODEL);
    s_raw_request (&fx, frame, at, NULL, &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_REJECTED);
    ck_assert_str_eq (ack.req_id, "unknown");
    ck_assert_msg (strstr (ack.u.ack.error, "missing field 'qty'") != NULL, "error: %s",
                   ack.u.ack.error);

    //  Another message type: rejected with its own req_id.
    tw_msg_t ping;
    tw_msg_init (&ping, TW_MSG_PING);
    snprintf (ping.req_id, sizeof ping.req_id, "p-1");
    s_raw_request (&fx, NULL, 0, &ping, &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_REJECTED);
    ck_assert_str_eq (ack.req_id, "p-1");
    ck_assert_ptr_nonnull (strstr (ack.u.ack.error, "'ping' is not a signal"));

    //  The engine still answers, and counted all three.
    tw_msg_t pong = {0};
    ck_assert (s_ping (&fx, &pong));
    ck_assert_int_eq (tw_cmd_pong_counter (&pong, "signals_in"), 3);
    ck_assert_int_eq (tw_cmd_pong_counter (&pong, "signals_rejected"), 3);
    ck_assert_int_eq (tw_cmd_pong_counter (&pong, "opens_sent"), 0);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_gateway_down)
{
    fixture_t fx;
    s_make_dir (&fx);
    tw_fixture_set (fx.base, "TW_SIGNAL_COMMAND_TIMEOUT_MS", "%d", SHORT_TIMEOUT_MS);
    s_setup (&fx, "none");
    ck_assert_int_eq (tw_fixture_stop (fx.base, GATEWAY, SIGTERM, STOP_MS), 0);

    //  Nobody answers: after every attempt, a rejected ack, in bounded time.
    int64_t start = tw_clock_mono_ms ();
    tw_msg_t ack = {0};
    s_signal (&fx, TW_ACTION_OPEN_LONG, "m-down-1", &ack);
    int64_t took = tw_clock_mono_ms () - start;
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_REJECTED);
    ck_assert_str_eq (ack.u.ack.error, "gateway did not answer");
    ck_assert_int_ge (took, SHORT_TIMEOUT_MS * (COMMAND_ATTEMPTS - 1));
    ck_assert_int_lt (took, SHORT_TIMEOUT_MS * COMMAND_ATTEMPTS + WAIT_MS / 2);
    //  Still running: ping, and ticks still counted.
    int64_t ticks = s_engine_counter (&fx, "ticks");
    s_wait_counter (&fx, "ticks", ticks + 1, true, BASE_PRICE);
    ck_assert_int_eq (s_engine_counter (&fx, "unanswered"), 1);
    ck_assert_int_eq (s_engine_counter (&fx, "resent"), COMMAND_ATTEMPTS - 1);

    //  The gateway comes back: the same DEALER reaches it again.
    s_start (&fx, GATEWAY);
    s_wait_gateway_ready (&fx);
    s_signal (&fx, TW_ACTION_OPEN_LONG, "m-down-2", &ack);
    ck_assert_msg (ack.u.ack.status == TW_ACK_ACCEPTED, "after restart: %s", ack.u.ack.error);
    s_teardown (&fx);
}
END_TEST

START_TEST (test_stop_hands_back)
{
    fixture_t fx;
    s_make_dir (&fx);
    tw_fixture_set (fx.base, "TW_SIGNAL_COMMAND_TIMEOUT_MS", "%d", LONG_TIMEOUT_MS);
    s_setup (&fx, "none");
    ck_assert_int_eq (tw_fixture_stop (fx.base, GATEWAY, SIGTERM, STOP_MS), 0);
    //  A signal waits for a gateway that is gone... The model's REQ has the
    //  default options (as most models' will): a reply that has arrived is
    //  kept after the engine is gone, so it can be read after the stop. (With
    //  ZMQ_IMMEDIATE it would go with the connection.)
    zsock_t *req = zsock_new_req (fx.signal_in);
    ck_assert_ptr_nonnull (req);
    tw_msg_t request;
    tw_msg_init (&request, TW_MSG_SIGNAL);
    snprintf (request.req_id, sizeof request.req_id, "m-stop-1");
    snprintf (request.u.signal.symbol, sizeof request.u.signal.symbol, SYMBOL);
    request.u.signal.action = TW_ACTION_CLOSE;
    snprintf (request.u.signal.model, sizeof request.u.signal.model, MODEL);
    ck_assert_int_eq (tw_sock_send (req, &request), 0);
    s_wait_counter (&fx, "in_flight", 1, false, 0);
    //  ...when the engine stops: it exits 0 and the model hears that the
    //  verdict is unknown.
    ck_assert_int_eq (tw_fixture_stop (fx.base, ENGINE, SIGTERM, STOP_MS), 0);
    zsock_set_rcvtimeo (req, CLIENT_TIMEOUT_MS);
    tw_msg_t ack = {0};
    memset (&ack, 0, sizeof ack);
    char err[TW_TEXT_MAX] = "";
    ck_assert_msg (tw_sock_recv (req, &ack, err, sizeof err) == 0, "no reply: %s", err);
    zsock_destroy (&req);
    ck_assert_int_eq (ack.type, TW_MSG_ACK);
    ck_assert_str_eq (ack.req_id, "m-stop-1");
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_REJECTED);
    ck_assert_ptr_nonnull (strstr (ack.u.ack.error, "stopped before the gateway answered"));
    ck_assert (tw_file_contains (fx.engine_log, "command abandoned at stop"));
    s_teardown (&fx);
}
END_TEST

START_TEST (test_sma_cross)
{
    fixture_t fx;
    s_make_dir (&fx);
    tw_fixture_set (fx.base, "TW_SIGNAL_FAST", "%s", FAST);
    tw_fixture_set (fx.base, "TW_SIGNAL_SLOW", "%s", SLOW);
    tw_fixture_set (fx.base, "TW_SIGNAL_QTY", "%d", STRATEGY_QTY);
    //  2 %: the stop stays below the level price too, which the gateway's
    //  pre-trade check may still hold as the last price when the open
    //  arrives (it hears the feed on its own socket).
    tw_fixture_set (fx.base, "TW_SIGNAL_SL_PCT", "%s", "2");
    tw_fixture_set (fx.base, "TW_SIGNAL_TP_PCT", "%s", "2");
    s_setup (&fx, "sma_cross");
    //  The engine knows the gateway's positions.
    s_wait_counter (&fx, "synced", 1, false, BASE_PRICE);
    s_prime_paper_broker (&fx);
    //  Level prices, and the engine has seen the priming position go.
    s_wait_counter (&fx, "positions", 0, false, BASE_PRICE);
    ck_assert_int_eq (s_engine_counter (&fx, "strategy_signals"), 0);

    //  Rising: fast crosses above slow at the first higher price.
    tw_msg_t event;
    s_tick (&fx, BASE_PRICE + 1);
    ck_assert (s_wait_event (&fx, TW_MSG_POSITION_OPENED, TW_MSG_ORDER_REJECTED, &event, 0));
    ck_assert_msg (event.type == TW_MSG_POSITION_OPENED, "open refused: %s", event.u.event.error);
    ck_assert_int_eq (event.u.event.pos.side, TW_SIDE_LONG);
    ck_assert_int_eq (event.u.event.pos.qty, STRATEGY_QTY);
    //  The stops come from the crossing price, on the 0.05 grid: 101 * 0.98 =
    //  98.98 -> 99.00 and 101 * 1.02 = 103.02 -> 103.00. (The fill price is
    //  the paper broker's last tick, which may still be the level one.)
    ck_assert_double_eq (event.u.event.pos.sl, 99.0);
    ck_assert_double_eq (event.u.event.pos.tp, 103.0);
    ck_assert_double_gt (event.u.event.pos.entry_price, 0);
    s_wait_counter (&fx, "positions", 1, false, 0);

    //  Up a little more, then falling: fast crosses below slow -> Model Close.
    s_tick (&fx, BASE_PRICE + 2);
    s_tick (&fx, BASE_PRICE + 1);
    s_tick (&fx, BASE_PRICE);
    ck_assert (s_wait_event (&fx, TW_MSG_POSITION_CLOSED, TW_MSG_EXIT_FAILED, &event, 0));
    ck_assert_int_eq (event.type, TW_MSG_POSITION_CLOSED);
    ck_assert_str_eq (event.u.event.reason, TW_REASON_MODEL_CLOSE);
    ck_assert (tw_file_wait_contains (
        fx.engine_log, "command origin=sma_cross symbol=" SYMBOL " action=close", WAIT_MS));
    ck_assert_int_eq (s_engine_counter (&fx, "strategy_signals"), 2);
    ck_assert_int_eq (s_engine_counter (&fx, "opens_sent"), 1);
    ck_assert_int_eq (s_engine_counter (&fx, "closes_sent"), 1);
    s_teardown (&fx);
}
END_TEST

//  Publishes a tick that says where its price comes from.
static void
s_tick_from (fixture_t *fx, tw_source_t source, double price)
{
    tw_msg_t msg;
    tw_msg_init (&msg, TW_MSG_TICK);
    snprintf (msg.u.tick.symbol, sizeof msg.u.tick.symbol, "%s", SYMBOL);
    msg.u.tick.ltp = price;
    msg.u.tick.source = source;
    ck_assert_int_eq (tw_sock_publish (fx->feed, &msg), 0);
}

//  The engine believes the gateway's broker is fyers (a live account; the
//  gateway itself runs the paper broker): the strategy ignores synthetic
//  and replay ticks, and ticks at absurd prices, and acts on live ones.
START_TEST (test_strategy_refuses_simulated_ticks)
{
    static const char *const engine_env[] = {"TW_GATEWAY_BROKER=fyers", NULL};
    fixture_t fx;
    s_make_dir (&fx);
    fx.engine_env = engine_env;
    tw_fixture_set (fx.base, "TW_SIGNAL_FAST", "%s", FAST);
    tw_fixture_set (fx.base, "TW_SIGNAL_SLOW", "%s", SLOW);
    s_setup (&fx, "sma_cross");
    s_wait_counter (&fx, "synced", 1, false, BASE_PRICE);
    //  Level prices (ticks without a source: live) fill the averages.
    int64_t ticks = s_engine_counter (&fx, "ticks");
    s_wait_counter (&fx, "ticks", ticks + atoi (SLOW), true, BASE_PRICE);
    //  A rise from the random walk or a replay: no cross.
    s_tick_from (&fx, TW_SOURCE_SYNTHETIC, BASE_PRICE + 1);
    s_tick_from (&fx, TW_SOURCE_REPLAY, BASE_PRICE + 2);
    s_wait_counter (&fx, "simulated_ticks_refused", 2, false, 0);
    ck_assert (tw_file_wait_contains (fx.engine_log, "refusing synthetic ticks", WAIT_MS));
    //  Nor from prices that cannot be.
    s_tick_from (&fx, TW_SOURCE_FYERS, 0.000001);
    s_tick_from (&fx, TW_SOURCE_FYERS, BASE_PRICE * 2);
    s_wait_counter (&fx, "ticks_rejected", 2, false, 0);
    ck_assert_int_eq (s_engine_counter (&fx, "strategy_signals"), 0);
    //  The same rise from the broker's feed crosses.
    s_tick_from (&fx, TW_SOURCE_FYERS, BASE_PRICE + 1);
    s_wait_counter (&fx, "strategy_signals", 1, false, 0);
    s_teardown (&fx);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("signal");
    TCase *tc = tcase_create ("processes");
    tcase_set_timeout (tc, 60);
    tcase_add_test (tc, test_model_open_repeat_close);
    tcase_add_test (tc, test_bad_signals);
    tcase_add_test (tc, test_gateway_down);
    tcase_add_test (tc, test_stop_hands_back);
    tcase_add_test (tc, test_sma_cross);
    tcase_add_test (tc, test_strategy_refuses_simulated_ticks);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
