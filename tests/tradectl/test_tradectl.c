//  Tests for tradectl: the real binary (path in $TRADECTL) run as a child
//  process against an in-test fake gateway, a ROUTER in an actor that
//  reports every request it receives on its pipe and answers with a scripted
//  reply, or not at all. Each run is bounded (S_RUN_TIMEOUT_MS) and each
//  wait for the fake is bounded (S_WAIT_MS).

#include <check.h>
#include <cjson/cJSON.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tw_clock.h"
#include "tw_proc.h"
#include "tw_proto.h"
#include "tw_sock.h"

#define S_RUN_TIMEOUT_MS 10000 //  a whole tradectl run, well above the slowest case
#define S_WAIT_MS 2000         //  for the fake to report a request
#define S_ARGS_MAX 32
#define S_NS_PER_S INT64_C (1000000000)
#define S_COMMAND_TTL_S 10 //  what tradectl promises for expires_at

//  Fast retries for the tests that expect no reply.
#define S_CLIENT_TIMEOUT_MS "200"
#define S_CLIENT_ATTEMPTS "2"
#define S_NO_REPLY_BOUND_MS 3000

//  Nobody listens here.
#define S_DEAD_ENDPOINT "tcp://127.0.0.1:1"

#define S_POSITION_ID "NSE:SBIN-EQ-INTRADAY"
#define S_EPOCH UINT64_C (1712345678901234567) //  beyond a double's 53 bits
#define S_SEQ UINT64_C (4242)

//  ---------------------------------------------------------------------
//  The fake gateway.

typedef struct {
    bool drop;                  //  never answer
    tw_ack_status_t ack_status; //  for open, close and flatten
    const char *ack_error;
    const char *service;              //  pong service name
    tw_trading_state_t trading_state; //  pong's (NONE: absent)
    bool unhealthy;                   //  pong's counter healthy=0
} fake_script_t;

static void
s_fake_pong (const fake_script_t *script, tw_msg_t *reply)
{
    tw_msg_init (reply, TW_MSG_PONG);
    tw_pong_t *pong = &reply->u.pong;
    snprintf (pong->service, sizeof pong->service, "%s",
              script->service ? script->service : "order-gateway");
    snprintf (pong->version, sizeof pong->version, "0.1.0");
    pong->uptime_ms = 12345;
    pong->trading_state = script->trading_state;
    pong->counter_count = 2;
    snprintf (pong->counters[0].name, sizeof pong->counters[0].name, "requests");
    pong->counters[0].value = 7;
    snprintf (pong->counters[1].name, sizeof pong->counters[1].name, "rejected");
    pong->counters[1].value = 1;
    if (script->unhealthy) {
        snprintf (pong->counters[2].name, sizeof pong->counters[2].name, "healthy");
        pong->counters[2].value = 0;
        pong->counter_count = 3;
    }
}

//  The fake's mark of NSE:SBIN-EQ: its price, and how long before the reply
//  it came. NSE:INFY-EQ has none.
#define S_MARK_LTP 815.25
#define S_MARK_AGE_MS 1500

//  A snapshot reply, with the marks when the request asked for them (as the
//  gateway does).
static void
s_fake_snapshot (const tw_msg_t *request, tw_msg_t *reply)
{
    tw_msg_init (reply, TW_MSG_SNAPSHOT_REPLY);
    tw_snapshot_t *snapshot = &reply->u.snapshot;
    snapshot->epoch = S_EPOCH;
    snapshot->seq = S_SEQ;
    snapshot->count = 2;
    snapshot->positions = (tw_position_t *) calloc (2, sizeof (tw_position_t));
    assert (snapshot->positions);
    tw_position_t *a = &snapshot->positions[0];
    strcpy (a->id, S_POSITION_ID);
    strcpy (a->symbol, "NSE:SBIN-EQ");
    strcpy (a->product, "INTRADAY");
    a->side = TW_SIDE_LONG;
    a->qty = 10;
    a->entry_price = 812.5;
    a->sl = 800;
    a->tp = 830;
    a->state = TW_STATE_OPEN;
    tw_position_t *b = &snapshot->positions[1];
    strcpy (b->id, "NSE:INFY-EQ-INTRADAY");
    strcpy (b->symbol, "NSE:INFY-EQ");
    strcpy (b->product, "INTRADAY");
    b->side = TW_SIDE_SHORT;
    b->qty = 3;
    b->entry_price = 1500.25;
    b->trail = 4.5;
    b->state = TW_STATE_CLOSING;
    b->exit_failed = true;
    if (!request->u.snapshot.with_marks)
        return;
    snapshot->mark_count = 1;
    snapshot->marks = (tw_mark_t *) calloc (1, sizeof (tw_mark_t));
    assert (snapshot->marks);
    strcpy (snapshot->marks[0].symbol, "NSE:SBIN-EQ");
    snapshot->marks[0].ltp = S_MARK_LTP;
    snapshot->marks[0].ltp_at = tw_clock_wall_ns () - S_MARK_AGE_MS * TW_NS_PER_MS;
}

static void
s_fake_ack (const fake_script_t *script, const tw_msg_t *request, tw_msg_t *reply)
{
    tw_msg_init (reply, TW_MSG_ACK);
    reply->u.ack.status = script->ack_status ? script->ack_status : TW_ACK_ACCEPTED;
    snprintf (reply->u.ack.id, sizeof reply->u.ack.id, "%s",
              request->type == TW_MSG_CLOSE ? request->u.close.id : S_POSITION_ID);
    if (script->ack_error)
        snprintf (reply->u.ack.error, sizeof reply->u.ack.error, "%s", script->ack_error);
}

//  The fake's journal: 3 trades on S_DAY, served 2 per page, so that
//  tradectl must ask for the second page.
#define S_DAY "2026-12-01"
#define S_FAKE_TRADES 3
#define S_FAKE_PAGE 2
#define S_OPENED_AT INT64_C (1796101200000000000) //  2026-12-01 10:30:00 IST

static void
s_fake_history (const tw_msg_t *request, tw_msg_t *reply)
{
    tw_msg_init (reply, TW_MSG_HISTORY_REPLY);
    tw_history_reply_t *history = &reply->u.history;
    snprintf (history->day, sizeof history->day, "%s",
              request->u.journal.day[0] ? request->u.journal.day : S_DAY);
    history->offset = request->u.journal.offset;
    history->total = S_FAKE_TRADES;
    history->trades = (tw_trade_t *) calloc (S_FAKE_PAGE, sizeof (tw_trade_t));
    assert (history->trades);
    for (int64_t i = history->offset; i < S_FAKE_TRADES && history->count < S_FAKE_PAGE; i++) {
        tw_trade_t *trade = &history->trades[history->count++];
        snprintf (trade->id, sizeof trade->id, "NSE:T%d-EQ-INTRADAY", (int) i);
        snprintf (trade->symbol, sizeof trade->symbol, "NSE:T%d-EQ", (int) i);
        trade->side = i == 1 ? TW_SIDE_SHORT : TW_SIDE_LONG;
        trade->qty = 1 + i;
        trade->entry_price = 100.1;
        trade->exit_price = 100.4;
        trade->opened_at = S_OPENED_AT + i;
        trade->closed_at = S_OPENED_AT + INT64_C (60000000000);
        snprintf (trade->reason, sizeof trade->reason, "%s", TW_REASON_TP_HIT);
        trade->attempts = 1;
        trade->pnl = 100.4 - 100.1; //  0.30000000000001137
    }
}

static void
s_fake_pnl (tw_msg_t *reply)
{
    tw_msg_init (reply, TW_MSG_PNL_REPLY);
    tw_pnl_reply_t *pnl = &reply->u.pnl;
    snprintf (pnl->day, sizeof pnl->day, S_DAY);
    pnl->realized_pnl = 0.1 + 0.2;
    pnl->unrealized_pnl = -12.345;
    pnl->trades = 3;
    pnl->wins = 2;
    pnl->losses = 1;
    pnl->largest_loss = -7.5;
    pnl->open_positions = 2;
    pnl->marked_positions = 1;
}

//  Sends "endpoint" on the pipe once bound, then for every request a
//  binary frame holding its tw_msg_t (requests own no memory).
static void
s_fake_gateway (zsock_t *pipe, void *args)
{
    const fake_script_t *script = (const fake_script_t *) args;
    zsock_t *router = tw_sock_router_new ("tcp://127.0.0.1:*");
    assert (router);
    zsock_signal (pipe, 0);
    zsock_send (pipe, "s", zsock_endpoint (router));
    zpoller_t *poller = zpoller_new (pipe, router, NULL);
    while (true) {
        void *which = zpoller_wait (poller, -1);
        if (which != router)
            break;
        tw_request_t request = {0};
        tw_msg_t msg;
        memset (&msg, 0, sizeof msg);
        char err[TW_TEXT_MAX];
        if (tw_router_recv (router, &request, &msg, err, sizeof err) != 0) {
            tw_request_destroy (&request);
            continue;
        }
        zsock_send (pipe, "b", &msg, sizeof msg);
        if (script->drop) {
            tw_request_destroy (&request);
            continue;
        }
        tw_msg_t reply;
        switch (msg.type) {
        case TW_MSG_STATUS:
        case TW_MSG_PING:
            s_fake_pong (script, &reply);
            break;
        case TW_MSG_SNAPSHOT:
            s_fake_snapshot (&msg, &reply);
            break;
        case TW_MSG_HISTORY:
            s_fake_history (&msg, &reply);
            break;
        case TW_MSG_PNL:
            s_fake_pnl (&reply);
            break;
        default:
            s_fake_ack (script, &msg, &reply);
            break;
        }
        strcpy (reply.req_id, msg.req_id);
        tw_router_reply (router, &request, &reply);
        tw_msg_reset (&reply);
    }
    zpoller_destroy (&poller);
    zsock_destroy (&router);
}

typedef struct {
    zactor_t *actor;
    char *endpoint;
} fake_t;

static void
s_fake_start (fake_t *fake, const fake_script_t *script)
{
    fake->actor = zactor_new (s_fake_gateway, (void *) script);
    ck_assert_ptr_nonnull (fake->actor);
    fake->endpoint = zstr_recv (fake->actor);
    ck_assert_ptr_nonnull (fake->endpoint);
}

static void
s_fake_stop (fake_t *fake)
{
    zactor_destroy (&fake->actor);
    zstr_free (&fake->endpoint);
}

//  Waits up to wait_ms for the next request the fake received. Returns
//  true with it in msg, false when none came.
static bool
s_fake_next (fake_t *fake, tw_msg_t *msg, int wait_ms)
{
    zpoller_t *poller = zpoller_new (fake->actor, NULL);
    bool ready = zpoller_wait (poller, wait_ms) == fake->actor;
    zpoller_destroy (&poller);
    if (!ready)
        return false;
    zframe_t *frame = zframe_recv (fake->actor);
    ck_assert_ptr_nonnull (frame);
    ck_assert_uint_eq (zframe_size (frame), sizeof *msg);
    memcpy (msg, zframe_data (frame), sizeof *msg);
    zframe_destroy (&frame);
    return true;
}

//  ---------------------------------------------------------------------
//  Running tradectl.

//  exit_code, out, err and took_ms of one run.
typedef tw_proc_output_t run_t;

//  Runs tradectl with args (NULL-terminated) in an environment that is ours
//  without any TW_ variable, plus env (NULL-terminated "NAME=value"s).
static void
s_run (run_t *run, const char *const *env, const char *const *args)
{
    const char *tradectl = getenv ("TRADECTL");
    ck_assert_msg (tradectl != NULL, "TRADECTL is not set");
    const char *argv[S_ARGS_MAX];
    int argc = 0;
    argv[argc++] = tradectl;
    for (int i = 0; args[i]; i++) {
        ck_assert_int_lt (argc, S_ARGS_MAX - 1);
        argv[argc++] = args[i];
    }
    argv[argc] = NULL;
    ck_assert_msg (tw_proc_run (tradectl, argv, env, NULL, S_RUN_TIMEOUT_MS, run) == 0,
                   "tradectl did not finish within %d ms", S_RUN_TIMEOUT_MS);
}

static int
s_count_lines (const char *text)
{
    int lines = 0;
    for (; *text; text++)
        lines += *text == '\n';
    return lines;
}

//  A failure: exactly one line on stderr, starting "tradectl: ".
static void
s_assert_one_error_line (const run_t *run)
{
    ck_assert_msg (s_count_lines (run->err) == 1, "stderr is not one line: '%s'", run->err);
    ck_assert_int_eq (strncmp (run->err, "tradectl: ", 10), 0);
}

//  "TW_ENDPOINTS_GATEWAY_REP=<endpoint>" in buf.
static const char *
s_env (char *buf, size_t size, const char *name, const char *value)
{
    snprintf (buf, size, "%s=%s", name, value);
    return buf;
}

#define S_ENV_LINE_MAX 256

//  Runs tradectl against the fake's endpoint as the gateway.
static void
s_run_gateway (run_t *run, fake_t *fake, const char *const *args)
{
    char gateway[S_ENV_LINE_MAX];
    const char *env[] = {
        s_env (gateway, sizeof gateway, "TW_ENDPOINTS_GATEWAY_REP", fake->endpoint), NULL};
    s_run (run, env, args);
}

static cJSON *
s_parse_json (const run_t *run)
{
    ck_assert_msg (s_count_lines (run->out) == 1, "stdout is not one line: '%s'", run->out);
    cJSON *root = cJSON_Parse (run->out);
    ck_assert_msg (root != NULL, "stdout is not JSON: '%s'", run->out);
    return root;
}

static const char *
s_json_str (const cJSON *object, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, name);
    ck_assert_msg (cJSON_IsString (item), "no string '%s'", name);
    return item->valuestring;
}

static double
s_json_num (const cJSON *object, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, name);
    ck_assert_msg (cJSON_IsNumber (item), "no number '%s'", name);
    return item->valuedouble;
}

//  ---------------------------------------------------------------------
//  The tests.

START_TEST (test_status_text)
{
    fake_script_t script = {0};
    fake_t fake;
    s_fake_start (&fake, &script);
    run_t run;
    s_run_gateway (&run, &fake, (const char *[]){"status", NULL});
    ck_assert_int_eq (run.exit_code, 0);
    ck_assert_str_eq (run.out, "order-gateway 0.1.0 up 12.3s requests=7 rejected=1\n");
    ck_assert_str_eq (run.err, "");
    tw_msg_t msg;
    ck_assert (s_fake_next (&fake, &msg, S_WAIT_MS));
    ck_assert_int_eq (msg.type, TW_MSG_STATUS);
    s_fake_stop (&fake);
}
END_TEST

START_TEST (test_status_json)
{
    fake_script_t script = {.trading_state = TW_TRADING_HALTED};
    fake_t fake;
    s_fake_start (&fake, &script);
    run_t run;
    s_run_gateway (&run, &fake, (const char *[]){"--json", "status", NULL});
    ck_assert_int_eq (run.exit_code, 0);
    cJSON *root = s_parse_json (&run);
    ck_assert_str_eq (s_json_str (root, "type"), "pong");
    ck_assert_str_eq (s_json_str (root, "service"), "order-gateway");
    ck_assert_str_eq (s_json_str (root, "version"), "0.1.0");
    ck_assert (s_json_num (root, "uptime_ms") == 12345);
    ck_assert_str_eq (s_json_str (root, "trading_state"), "halted");
    const cJSON *counters = cJSON_GetObjectItemCaseSensitive (root, "counters");
    ck_assert (cJSON_IsObject (counters));
    ck_assert (s_json_num (counters, "requests") == 7);
    ck_assert (s_json_num (counters, "rejected") == 1);
    cJSON_Delete (root);
    s_fake_stop (&fake);
}
END_TEST

START_TEST (test_positions_text)
{
    fake_script_t script = {0};
    fake_t fake;
    s_fake_start (&fake, &script);
    run_t run;
    s_run_gateway (&run, &fake, (const char *[]){"positions", NULL});
    ck_assert_int_eq (run.exit_code, 0);
    ck_assert_int_eq (s_count_lines (run.out), 4); //  header, two rows, summary
    ck_assert_ptr_nonnull (strstr (run.out, "EXIT_FAILED"));
    const char *row = strstr (run.out, S_POSITION_ID);
    ck_assert_ptr_nonnull (row);
    ck_assert_ptr_nonnull (strstr (row, "long"));
    ck_assert_ptr_nonnull (strstr (row, "812.50"));
    ck_assert_ptr_nonnull (strstr (row, "800.00"));
    ck_assert_ptr_nonnull (strstr (row, "830.00"));
    //  LTP, UNREALIZED (1 × (815.25 − 812.5) × 10) and LTP_AGE_MS.
    char entry[16], ltp[16], pnl[16], state[16];
    long long age = -1;
    ck_assert_int_eq (sscanf (row, "%*s %*s %*s %15s %15s %15s %lld %*s %*s %*s %15s", entry, ltp,
                              pnl, &age, state),
                      5);
    ck_assert_str_eq (entry, "812.50");
    ck_assert_str_eq (ltp, "815.25");
    ck_assert_str_eq (pnl, "27.50");
    ck_assert_int_ge (age, S_MARK_AGE_MS);
    ck_assert_str_eq (state, "open");
    row = strstr (run.out, "NSE:INFY-EQ-INTRADAY");
    ck_assert_ptr_nonnull (row);
    ck_assert_ptr_nonnull (strstr (row, "short"));
    ck_assert_ptr_nonnull (strstr (row, "closing"));
    ck_assert_ptr_nonnull (strstr (row, "yes"));
    //  No tick of NSE:INFY-EQ: "-" for the three.
    ck_assert_ptr_nonnull (strstr (row, " 1500.25          -            -          -"));
    ck_assert_ptr_nonnull (strstr (run.out, "2 positions (epoch=1712345678901234567 seq=4242)"));
    ck_assert_ptr_nonnull (strstr (run.out, "LTP_AGE_MS"));
    tw_msg_t msg;
    ck_assert (s_fake_next (&fake, &msg, S_WAIT_MS));
    ck_assert_int_eq (msg.type, TW_MSG_SNAPSHOT);
    ck_assert (msg.u.snapshot.with_marks); //  tradectl asks for the marks
    s_fake_stop (&fake);
}
END_TEST

START_TEST (test_positions_json)
{
    fake_script_t script = {0};
    fake_t fake;
    s_fake_start (&fake, &script);
    run_t run;
    //  --json after the command works as well as before it.
    s_run_gateway (&run, &fake, (const char *[]){"positions", "--json", NULL});
    ck_assert_int_eq (run.exit_code, 0);
    ck_assert_str_eq (run.err, "");
    //  64-bit integers are written digit for digit.
    ck_assert_ptr_nonnull (strstr (run.out, "\"epoch\":1712345678901234567"));
    cJSON *root = s_parse_json (&run);
    ck_assert_str_eq (s_json_str (root, "type"), "snapshot_reply");
    ck_assert (s_json_num (root, "seq") == (double) S_SEQ);
    const cJSON *positions = cJSON_GetObjectItemCaseSensitive (root, "positions");
    ck_assert (cJSON_IsArray (positions));
    ck_assert_int_eq (cJSON_GetArraySize (positions), 2);
    const cJSON *a = cJSON_GetArrayItem (positions, 0);
    ck_assert_str_eq (s_json_str (a, "id"), S_POSITION_ID);
    ck_assert_str_eq (s_json_str (a, "symbol"), "NSE:SBIN-EQ");
    ck_assert_str_eq (s_json_str (a, "side"), "long");
    ck_assert (s_json_num (a, "qty") == 10);
    ck_assert (s_json_num (a, "entry_price") == 812.5);
    ck_assert (s_json_num (a, "sl") == 800);
    ck_assert (s_json_num (a, "tp") == 830);
    ck_assert (s_json_num (a, "trail") == 0);
    ck_assert_str_eq (s_json_str (a, "state"), "open");
    ck_assert (cJSON_IsFalse (cJSON_GetObjectItemCaseSensitive (a, "exit_failed")));
    ck_assert (s_json_num (a, "ltp") == S_MARK_LTP);
    ck_assert (s_json_num (a, "unrealized_pnl") == 27.5);
    ck_assert (s_json_num (a, "ltp_age_ms") >= S_MARK_AGE_MS);
    const cJSON *b = cJSON_GetArrayItem (positions, 1);
    ck_assert_str_eq (s_json_str (b, "side"), "short");
    ck_assert (s_json_num (b, "trail") == 4.5);
    ck_assert_str_eq (s_json_str (b, "state"), "closing");
    ck_assert (cJSON_IsTrue (cJSON_GetObjectItemCaseSensitive (b, "exit_failed")));
    //  No tick of its symbol yet: as on the WebSocket, 0, 0 and -1.
    ck_assert (s_json_num (b, "ltp") == 0);
    ck_assert (s_json_num (b, "unrealized_pnl") == 0);
    ck_assert (s_json_num (b, "ltp_age_ms") == -1);
    cJSON_Delete (root);
    s_fake_stop (&fake);
}
END_TEST

START_TEST (test_open_all_options)
{
    fake_script_t script = {0};
    fake_t fake;
    s_fake_start (&fake, &script);
    run_t run;
    int64_t before = tw_clock_wall_ns ();
    s_run_gateway (&run, &fake,
                   (const char *[]){"open", "NSE:SBIN-EQ", "--side", "short", "--qty", "25", "--sl",
                                    "820.5", "--tp", "790", "--trail", "2.5", NULL});
    ck_assert_int_eq (run.exit_code, 0);
    tw_msg_t msg;
    ck_assert (s_fake_next (&fake, &msg, S_WAIT_MS));
    ck_assert_int_eq (msg.type, TW_MSG_OPEN);
    ck_assert_str_eq (msg.u.open.symbol, "NSE:SBIN-EQ");
    ck_assert_int_eq (msg.u.open.side, TW_SIDE_SHORT);
    ck_assert_int_eq (msg.u.open.qty, 25);
    ck_assert (msg.u.open.sl == 820.5);
    ck_assert (msg.u.open.tp == 790);
    ck_assert (msg.u.open.trail == 2.5);
    ck_assert_str_eq (msg.u.open.product, "INTRADAY");
    ck_assert_uint_gt (strlen (msg.req_id), 0);
    ck_assert_int_gt (msg.expires_at, tw_clock_wall_ns ());
    ck_assert_int_le (msg.expires_at, tw_clock_wall_ns () + S_COMMAND_TTL_S * S_NS_PER_S);
    ck_assert_int_ge (msg.expires_at, before + S_COMMAND_TTL_S * S_NS_PER_S);
    char expected[512];
    snprintf (expected, sizeof expected,
              "accepted open NSE:SBIN-EQ short 25 id=" S_POSITION_ID " req_id=%s\n", msg.req_id);
    ck_assert_str_eq (run.out, expected);
    s_fake_stop (&fake);
}
END_TEST

START_TEST (test_open_product_json)
{
    fake_script_t script = {0};
    fake_t fake;
    s_fake_start (&fake, &script);
    run_t run;
    s_run_gateway (&run, &fake,
                   (const char *[]){"--json", "open", "NSE:INFY-EQ", "--qty=3", "--side=long",
                                    "--product", "CNC", NULL});
    ck_assert_int_eq (run.exit_code, 0);
    tw_msg_t msg;
    ck_assert (s_fake_next (&fake, &msg, S_WAIT_MS));
    ck_assert_str_eq (msg.u.open.product, "CNC");
    ck_assert_int_eq (msg.u.open.side, TW_SIDE_LONG);
    ck_assert (msg.u.open.sl == 0 && msg.u.open.tp == 0 && msg.u.open.trail == 0);
    cJSON *root = s_parse_json (&run);
    ck_assert_str_eq (s_json_str (root, "type"), "ack");
    ck_assert_str_eq (s_json_str (root, "status"), "accepted");
    ck_assert_str_eq (s_json_str (root, "req_id"), msg.req_id);
    ck_assert_str_eq (s_json_str (root, "id"), S_POSITION_ID);
    ck_assert_str_eq (s_json_str (root, "error"), "");
    cJSON_Delete (root);
    s_fake_stop (&fake);
}
END_TEST

START_TEST (test_close_default_reason)
{
    fake_script_t script = {0};
    fake_t fake;
    s_fake_start (&fake, &script);
    run_t run;
    s_run_gateway (&run, &fake, (const char *[]){"close", S_POSITION_ID, NULL});
    ck_assert_int_eq (run.exit_code, 0);
    tw_msg_t msg;
    ck_assert (s_fake_next (&fake, &msg, S_WAIT_MS));
    ck_assert_int_eq (msg.type, TW_MSG_CLOSE);
    ck_assert_str_eq (msg.u.close.id, S_POSITION_ID);
    ck_assert_str_eq (msg.u.close.reason, "Manual Close");
    ck_assert_int_gt (msg.expires_at, tw_clock_wall_ns ());
    char expected[512];
    snprintf (expected, sizeof expected, "accepted close " S_POSITION_ID " req_id=%s\n",
              msg.req_id);
    ck_assert_str_eq (run.out, expected);
    s_fake_stop (&fake);
}
END_TEST

START_TEST (test_close_reason_sl_hit)
{
    fake_script_t script = {0};
    fake_t fake;
    s_fake_start (&fake, &script);
    run_t run;
    s_run_gateway (&run, &fake,
                   (const char *[]){"close", S_POSITION_ID, "--reason", "SL Hit", NULL});
    ck_assert_int_eq (run.exit_code, 0);
    tw_msg_t msg;
    ck_assert (s_fake_next (&fake, &msg, S_WAIT_MS));
    ck_assert_str_eq (msg.u.close.reason, "SL Hit");
    s_fake_stop (&fake);
}
END_TEST

START_TEST (test_close_invalid_reason)
{
    fake_script_t script = {0};
    fake_t fake;
    s_fake_start (&fake, &script);
    run_t run;
    s_run_gateway (&run, &fake,
                   (const char *[]){"close", S_POSITION_ID, "--reason", "sl hit", NULL});
    ck_assert_int_eq (run.exit_code, 2);
    s_assert_one_error_line (&run);
    ck_assert_str_eq (run.out, "");
    tw_msg_t msg;
    ck_assert (!s_fake_next (&fake, &msg, 0));
    s_fake_stop (&fake);
}
END_TEST

START_TEST (test_flatten)
{
    fake_script_t script = {0};
    fake_t fake;
    s_fake_start (&fake, &script);
    run_t run;
    s_run_gateway (&run, &fake, (const char *[]){"flatten", NULL});
    ck_assert_int_eq (run.exit_code, 0);
    tw_msg_t msg;
    ck_assert (s_fake_next (&fake, &msg, S_WAIT_MS));
    ck_assert_int_eq (msg.type, TW_MSG_FLATTEN);
    ck_assert_str_eq (msg.u.flatten.reason, "Kill Switch");
    ck_assert_uint_gt (strlen (msg.req_id), 0);
    char expected[512];
    snprintf (expected, sizeof expected, "accepted flatten id=" S_POSITION_ID " req_id=%s\n",
              msg.req_id);
    ck_assert_str_eq (run.out, expected);
    s_fake_stop (&fake);
}
END_TEST

//  resume: a command like flatten, and the status text names the state.
START_TEST (test_resume)
{
    fake_script_t script = {.trading_state = TW_TRADING_ACTIVE};
    fake_t fake;
    s_fake_start (&fake, &script);
    run_t run;
    s_run_gateway (&run, &fake, (const char *[]){"resume", NULL});
    ck_assert_int_eq (run.exit_code, 0);
    tw_msg_t msg;
    ck_assert (s_fake_next (&fake, &msg, S_WAIT_MS));
    ck_assert_int_eq (msg.type, TW_MSG_RESUME);
    ck_assert_uint_gt (strlen (msg.req_id), 0);
    ck_assert_int_gt (msg.expires_at, 0);
    ck_assert_msg (strncmp (run.out, "accepted resume", 15) == 0, "out: %s", run.out);

    s_run_gateway (&run, &fake, (const char *[]){"status", NULL});
    ck_assert_int_eq (run.exit_code, 0);
    ck_assert_str_eq (run.out,
                      "order-gateway 0.1.0 up 12.3s trading_state=active requests=7 rejected=1\n");
    s_fake_stop (&fake);
}
END_TEST

START_TEST (test_rejected)
{
    fake_script_t script = {.ack_status = TW_ACK_REJECTED, .ack_error = "unknown position"};
    fake_t fake;
    s_fake_start (&fake, &script);
    run_t run;
    s_run_gateway (&run, &fake, (const char *[]){"close", "NSE:XYZ-EQ-INTRADAY", NULL});
    ck_assert_int_eq (run.exit_code, 4);
    ck_assert_str_eq (run.err, "tradectl: rejected: unknown position\n");
    ck_assert_str_eq (run.out, "");

    //  In --json mode the reply is still the document on stdout.
    s_run_gateway (&run, &fake, (const char *[]){"close", "NSE:XYZ-EQ-INTRADAY", "--json", NULL});
    ck_assert_int_eq (run.exit_code, 4);
    ck_assert_str_eq (run.err, "tradectl: rejected: unknown position\n");
    cJSON *root = s_parse_json (&run);
    ck_assert_str_eq (s_json_str (root, "type"), "ack");
    ck_assert_str_eq (s_json_str (root, "status"), "rejected");
    ck_assert_str_eq (s_json_str (root, "error"), "unknown position");
    cJSON_Delete (root);
    s_fake_stop (&fake);
}
END_TEST

START_TEST (test_duplicate)
{
    fake_script_t script = {.ack_status = TW_ACK_DUPLICATE};
    fake_t fake;
    s_fake_start (&fake, &script);
    run_t run;
    s_run_gateway (&run, &fake, (const char *[]){"close", S_POSITION_ID, NULL});
    ck_assert_int_eq (run.exit_code, 0);
    const char *prefix = "duplicate close " S_POSITION_ID " req_id=";
    ck_assert_int_eq (strncmp (run.out, prefix, strlen (prefix)), 0);
    ck_assert_str_eq (run.err, "");
    s_fake_stop (&fake);
}
END_TEST

START_TEST (test_no_reply)
{
    fake_script_t script = {.drop = true};
    fake_t fake;
    s_fake_start (&fake, &script);
    char gateway[S_ENV_LINE_MAX], timeout[S_ENV_LINE_MAX], attempts[S_ENV_LINE_MAX];
    const char *env[] = {
        s_env (gateway, sizeof gateway, "TW_ENDPOINTS_GATEWAY_REP", fake.endpoint),
        s_env (timeout, sizeof timeout, "TW_CLIENT_TIMEOUT_MS", S_CLIENT_TIMEOUT_MS),
        s_env (attempts, sizeof attempts, "TW_CLIENT_ATTEMPTS", S_CLIENT_ATTEMPTS), NULL};
    run_t run;
    s_run (&run, env, (const char *[]){"close", S_POSITION_ID, "--reason", "TP Hit", NULL});
    ck_assert_int_eq (run.exit_code, 3);
    s_assert_one_error_line (&run);
    ck_assert_str_eq (run.out, "");
    ck_assert_int_lt (run.took_ms, S_NO_REPLY_BOUND_MS);
    //  Lazy Pirate: the same request, with the same req_id, twice.
    tw_msg_t first, second, third;
    ck_assert (s_fake_next (&fake, &first, S_WAIT_MS));
    ck_assert (s_fake_next (&fake, &second, S_WAIT_MS));
    ck_assert_int_eq (first.type, TW_MSG_CLOSE);
    ck_assert_uint_gt (strlen (first.req_id), 0);
    ck_assert_str_eq (first.req_id, second.req_id);
    ck_assert_int_eq (first.expires_at, second.expires_at);
    ck_assert (!s_fake_next (&fake, &third, 0));

    //  --json: the failure is one JSON document.
    s_run (&run, env, (const char *[]){"--json", "status", NULL});
    ck_assert_int_eq (run.exit_code, 3);
    s_assert_one_error_line (&run);
    cJSON *root = s_parse_json (&run);
    ck_assert_str_eq (s_json_str (root, "type"), "error");
    ck_assert (s_json_num (root, "exit_code") == 3);
    cJSON_Delete (root);
    s_fake_stop (&fake);
}
END_TEST

START_TEST (test_ping_market_feed)
{
    fake_script_t script = {.service = "market-feed"};
    fake_t fake;
    s_fake_start (&fake, &script);
    char feed[S_ENV_LINE_MAX], gateway[S_ENV_LINE_MAX];
    //  The gateway's endpoint is dead: only feed_control can answer.
    const char *env[] = {
        s_env (feed, sizeof feed, "TW_ENDPOINTS_FEED_CONTROL", fake.endpoint),
        s_env (gateway, sizeof gateway, "TW_ENDPOINTS_GATEWAY_REP", S_DEAD_ENDPOINT), NULL};
    run_t run;
    s_run (&run, env, (const char *[]){"ping", "market-feed", NULL});
    ck_assert_int_eq (run.exit_code, 0);
    ck_assert_str_eq (run.out, "market-feed 0.1.0 up 12.3s requests=7 rejected=1\n");
    tw_msg_t msg;
    ck_assert (s_fake_next (&fake, &msg, S_WAIT_MS));
    ck_assert_int_eq (msg.type, TW_MSG_PING);
    s_fake_stop (&fake);
}
END_TEST

START_TEST (test_ping_order_gateway)
{
    //  The gateway answers to its process name as well as to "gateway".
    fake_script_t script = {.service = "order-gateway"};
    fake_t fake;
    s_fake_start (&fake, &script);
    char gateway[S_ENV_LINE_MAX];
    const char *env[] = {s_env (gateway, sizeof gateway, "TW_ENDPOINTS_GATEWAY_REP", fake.endpoint),
                         NULL};
    run_t run;
    s_run (&run, env, (const char *[]){"ping", "order-gateway", NULL});
    ck_assert_int_eq (run.exit_code, 0);
    ck_assert_str_eq (run.out, "order-gateway 0.1.0 up 12.3s requests=7 rejected=1\n");
    tw_msg_t msg;
    ck_assert (s_fake_next (&fake, &msg, S_WAIT_MS));
    ck_assert_int_eq (msg.type, TW_MSG_PING);
    s_fake_stop (&fake);
}
END_TEST

//  A service that answers but reports healthy=0 (a subscriber that lost its
//  feed): the pong is printed and the exit code says unhealthy, so that a
//  container health check sees it.
START_TEST (test_ping_unhealthy)
{
    fake_script_t script = {.service = "risk-monitor", .unhealthy = true};
    fake_t fake;
    s_fake_start (&fake, &script);
    char risk[S_ENV_LINE_MAX];
    const char *env[] = {s_env (risk, sizeof risk, "TW_ENDPOINTS_RISK_CONTROL", fake.endpoint),
                         NULL};
    run_t run;
    s_run (&run, env, (const char *[]){"ping", "risk-monitor", NULL});
    ck_assert_int_eq (run.exit_code, 5);
    ck_assert_str_eq (run.out, "risk-monitor 0.1.0 up 12.3s requests=7 rejected=1 healthy=0\n");
    ck_assert_str_eq (run.err, "tradectl: unhealthy: risk-monitor answers but has lost what it "
                               "follows (healthy=0)\n");
    s_fake_stop (&fake);
}
END_TEST

START_TEST (test_config_file)
{
    fake_script_t script = {0};
    fake_t fake;
    s_fake_start (&fake, &script);
    char path[] = "/tmp/test_tradectl_XXXXXX";
    int fd = mkstemp (path);
    ck_assert_int_ge (fd, 0);
    FILE *file = fdopen (fd, "w");
    ck_assert_ptr_nonnull (file);
    fprintf (file, "[endpoints]\ngateway_rep = %s\n[client]\ntimeout_ms = 1000\n", fake.endpoint);
    fclose (file);
    run_t run;
    s_run (&run, NULL, (const char *[]){"-c", path, "status", NULL});
    ck_assert_int_eq (run.exit_code, 0);
    ck_assert_str_eq (run.out, "order-gateway 0.1.0 up 12.3s requests=7 rejected=1\n");

    //  A bad file is a configuration error, exit 2, one line.
    file = fopen (path, "w");
    ck_assert_ptr_nonnull (file);
    fprintf (file, "[client]\nno_such_key = 1\n");
    fclose (file);
    s_run (&run, NULL, (const char *[]){"--config", path, "status", NULL});
    ck_assert_int_eq (run.exit_code, 2);
    s_assert_one_error_line (&run);
    unlink (path);

    s_run (&run, NULL, (const char *[]){"-c", "/nonexistent/tradewire.ini", "status", NULL});
    ck_assert_int_eq (run.exit_code, 2);
    s_assert_one_error_line (&run);
    s_fake_stop (&fake);
}
END_TEST

START_TEST (test_usage_errors)
{
    const char *const cases[][S_ARGS_MAX] = {
        {NULL},
        {"bogus", NULL},
        {"--frob", "status", NULL},
        {"status", "extra", NULL},
        {"open", "--side", "long", "--qty", "1", NULL},
        {"open", "NSE:SBIN-EQ", "--side", "long", NULL},
        {"open", "NSE:SBIN-EQ", "--side", "long", "--qty", "abc", NULL},
        {"open", "NSE:SBIN-EQ", "--side", "long", "--qty", "0", NULL},
        {"open", "NSE:SBIN-EQ", "--side", "long", "--qty", "-5", NULL},
        {"open", "NSE:SBIN-EQ", "--side", "long", "--qty", "2.5", NULL},
        {"open", "NSE:SBIN-EQ", "--side", "up", "--qty", "1", NULL},
        {"open", "NSE:SBIN-EQ", "--side", "long", "--qty", "1", "--sl", "-1", NULL},
        {"open", "NSE:SBIN-EQ", "--side", "long", "--qty", "1", "--tp", "x", NULL},
        {"open", "NSE:SBIN-EQ", "--side", "long", "--qty", "1", "--qty", "2", NULL},
        {"open", "NSE:SBIN-EQ", "--side", "long", "--qty", NULL},
        {"close", NULL},
        {"close", "X", "--side", "long", NULL},
        {"ping", NULL},
        {"ping", "broker", NULL},
        {"-c", NULL},
        {"status", "--json=yes", NULL},
        {"trades", "--day", "1-12-2026", NULL},
        {"trades", "--day", NULL},
        {"pnl", "--day", "2026-12-01x", NULL},
        {"open", "NSE:SBIN-EQ", "--side", "long", "--qty", "1", "--day", "2026-12-01", NULL},
        {"trades", "extra", NULL},
    };
    char gateway[S_ENV_LINE_MAX];
    const char *env[] = {
        s_env (gateway, sizeof gateway, "TW_ENDPOINTS_GATEWAY_REP", S_DEAD_ENDPOINT), NULL};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_t run;
        s_run (&run, env, cases[i]);
        ck_assert_msg (run.exit_code == 2, "case %zu ('%s'): exit %d", i,
                       cases[i][0] ? cases[i][0] : "", run.exit_code);
        s_assert_one_error_line (&run);
        ck_assert_str_eq (run.out, "");
    }
}
END_TEST

START_TEST (test_trades_json)
{
    fake_script_t script = {0};
    fake_t fake;
    s_fake_start (&fake, &script);
    run_t run;
    s_run_gateway (&run, &fake, (const char *[]){"trades", "--day", S_DAY, "--json", NULL});
    ck_assert_int_eq (run.exit_code, 0);
    ck_assert_str_eq (run.err, "");
    //  Rounded to the paisa, not 0.30000000000001137; ns digit for digit.
    ck_assert_ptr_nonnull (strstr (run.out, "\"pnl\":0.3}"));
    ck_assert_ptr_nonnull (strstr (run.out, "\"opened_at\":1796101200000000000,"));
    cJSON *root = s_parse_json (&run);
    ck_assert (cJSON_IsArray (root));
    ck_assert_int_eq (cJSON_GetArraySize (root), S_FAKE_TRADES);
    const cJSON *b = cJSON_GetArrayItem (root, 1);
    ck_assert_str_eq (s_json_str (b, "id"), "NSE:T1-EQ-INTRADAY");
    ck_assert_str_eq (s_json_str (b, "symbol"), "NSE:T1-EQ");
    ck_assert_str_eq (s_json_str (b, "side"), "short");
    ck_assert (s_json_num (b, "qty") == 2);
    ck_assert (s_json_num (b, "entry_price") == 100.1);
    ck_assert (s_json_num (b, "exit_price") == 100.4);
    ck_assert (s_json_num (b, "closed_at") > s_json_num (b, "opened_at"));
    ck_assert_str_eq (s_json_str (b, "reason"), TW_REASON_TP_HIT);
    ck_assert (s_json_num (b, "attempts") == 1);
    ck_assert (s_json_num (b, "pnl") == 0.3);
    ck_assert_str_eq (s_json_str (cJSON_GetArrayItem (root, 2), "id"), "NSE:T2-EQ-INTRADAY");
    cJSON_Delete (root);
    //  Two pages: the second from offset 2, both for the day asked.
    tw_msg_t msg;
    ck_assert (s_fake_next (&fake, &msg, S_WAIT_MS));
    ck_assert_int_eq (msg.type, TW_MSG_HISTORY);
    ck_assert_str_eq (msg.u.journal.day, S_DAY);
    ck_assert_int_eq (msg.u.journal.offset, 0);
    ck_assert (s_fake_next (&fake, &msg, S_WAIT_MS));
    ck_assert_int_eq (msg.u.journal.offset, 2);
    ck_assert_str_eq (msg.u.journal.day, S_DAY);
    ck_assert (!s_fake_next (&fake, &msg, 100));
    s_fake_stop (&fake);
}
END_TEST

START_TEST (test_trades_text)
{
    fake_script_t script = {0};
    fake_t fake;
    s_fake_start (&fake, &script);
    run_t run;
    s_run_gateway (&run, &fake, (const char *[]){"trades", NULL});
    ck_assert_int_eq (run.exit_code, 0);
    ck_assert_int_eq (s_count_lines (run.out), 1 + S_FAKE_TRADES + 1);
    const char *row = strstr (run.out, "NSE:T0-EQ-INTRADAY");
    ck_assert_ptr_nonnull (row);
    ck_assert_ptr_nonnull (strstr (row, "10:30:00"));
    ck_assert_ptr_nonnull (strstr (row, "10:31:00"));
    ck_assert_ptr_nonnull (strstr (row, "0.30"));
    ck_assert_ptr_nonnull (strstr (row, TW_REASON_TP_HIT));
    ck_assert_ptr_nonnull (strstr (run.out, "3 trades on " S_DAY " (IST), realised 0.90"));
    tw_msg_t msg;
    ck_assert (s_fake_next (&fake, &msg, S_WAIT_MS));
    ck_assert_str_eq (msg.u.journal.day, ""); //  today, as the gateway sees it
    s_fake_stop (&fake);
}
END_TEST

START_TEST (test_pnl)
{
    fake_script_t script = {0};
    fake_t fake;
    s_fake_start (&fake, &script);
    run_t run;
    s_run_gateway (&run, &fake, (const char *[]){"pnl", "--json", NULL});
    ck_assert_int_eq (run.exit_code, 0);
    ck_assert_ptr_nonnull (strstr (run.out, "\"realized_pnl\":0.3,"));
    ck_assert_ptr_nonnull (strstr (run.out, "\"unrealized_pnl\":-12.35,"));
    cJSON *root = s_parse_json (&run);
    ck_assert_str_eq (s_json_str (root, "day"), S_DAY);
    ck_assert (s_json_num (root, "trades") == 3);
    ck_assert (s_json_num (root, "wins") == 2);
    ck_assert (s_json_num (root, "losses") == 1);
    ck_assert (s_json_num (root, "largest_loss") == -7.5);
    ck_assert (s_json_num (root, "open_positions") == 2);
    ck_assert (s_json_num (root, "marked_positions") == 1);
    cJSON_Delete (root);
    tw_msg_t msg;
    ck_assert (s_fake_next (&fake, &msg, S_WAIT_MS));
    ck_assert_int_eq (msg.type, TW_MSG_PNL);
    s_run_gateway (&run, &fake, (const char *[]){"pnl", NULL});
    ck_assert_int_eq (run.exit_code, 0);
    ck_assert_str_eq (run.out, S_DAY " realised 0.30 unrealised -12.35 trades 3 wins 2 losses 1 "
                                     "largest_loss -7.50 open 2 marked 1\n");
    s_fake_stop (&fake);
}
END_TEST

START_TEST (test_help_and_version)
{
    run_t run;
    s_run (&run, NULL, (const char *[]){"--help", NULL});
    ck_assert_int_eq (run.exit_code, 0);
    ck_assert_ptr_eq (strstr (run.out, "usage: tradectl"), run.out);
    ck_assert_ptr_nonnull (strstr (run.out, "Exit codes"));
    ck_assert_ptr_nonnull (strstr (run.out, "  4  "));
    ck_assert_str_eq (run.err, "");
    s_run (&run, NULL, (const char *[]){"--version", NULL});
    ck_assert_int_eq (run.exit_code, 0);
    ck_assert_str_eq (run.out, "tradectl " TW_VERSION "\n");
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("tradectl");
    TCase *tc = tcase_create ("cli");
    tcase_set_timeout (tc, 30);
    tcase_add_test (tc, test_status_text);
    tcase_add_test (tc, test_status_json);
    tcase_add_test (tc, test_positions_text);
    tcase_add_test (tc, test_positions_json);
    tcase_add_test (tc, test_open_all_options);
    tcase_add_test (tc, test_open_product_json);
    tcase_add_test (tc, test_close_default_reason);
    tcase_add_test (tc, test_close_reason_sl_hit);
    tcase_add_test (tc, test_close_invalid_reason);
    tcase_add_test (tc, test_flatten);
    tcase_add_test (tc, test_resume);
    tcase_add_test (tc, test_rejected);
    tcase_add_test (tc, test_duplicate);
    tcase_add_test (tc, test_no_reply);
    tcase_add_test (tc, test_ping_market_feed);
    tcase_add_test (tc, test_ping_order_gateway);
    tcase_add_test (tc, test_ping_unhealthy);
    tcase_add_test (tc, test_config_file);
    tcase_add_test (tc, test_trades_json);
    tcase_add_test (tc, test_trades_text);
    tcase_add_test (tc, test_pnl);
    tcase_add_test (tc, test_usage_errors);
    tcase_add_test (tc, test_help_and_version);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
