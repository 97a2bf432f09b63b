//  Check tests of nt_json: every frame the notifier sends, byte for byte,
//  and client frames good and malformed.

#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nt_json.h"

#define EPOCH UINT64_C (12345678901234567890)
#define ERR_MAX 256

//  The position every event test uses.
static tw_position_t
s_position (void)
{
    tw_position_t pos;
    memset (&pos, 0, sizeof pos);
    strcpy (pos.id, "NSE:SBIN-EQ-INTRADAY");
    strcpy (pos.symbol, "NSE:SBIN-EQ");
    strcpy (pos.product, "INTRADAY");
    pos.side = TW_SIDE_LONG;
    pos.qty = 10;
    pos.entry_price = 600.5;
    pos.sl = 590;
    pos.tp = 615.25;
    pos.trail = 0;
    pos.state = TW_STATE_OPEN;
    return pos;
}

//  The notifier's view of a position without a mark or an error.
#define NO_VIEW_JSON ",\"ltp\":0,\"unrealized_pnl\":0,\"ltp_age_ms\":-1,\"last_error\":\"\""
#define POSITION_JSON                                                                              \
    "\"id\":\"NSE:SBIN-EQ-INTRADAY\",\"symbol\":\"NSE:SBIN-EQ\",\"product\":\"INTRADAY\","         \
    "\"side\":\"long\",\"qty\":10,\"entry_price\":600.5,\"sl\":590,\"tp\":615.25,\"trail\":0,"     \
    "\"state\":\"open\",\"exit_failed\":false" NO_VIEW_JSON

static tw_msg_t
s_event (tw_msg_type_t type, uint64_t seq)
{
    tw_msg_t msg;
    tw_msg_init (&msg, type);
    msg.u.event.epoch = EPOCH;
    msg.u.event.seq = seq;
    msg.u.event.pos = s_position ();
    return msg;
}

static void
s_expect (char *json, const char *expected)
{
    ck_assert_ptr_nonnull (json);
    ck_assert_str_eq (json, expected);
    //  Whatever we send parses as one JSON object.
    cJSON *doc = cJSON_Parse (json);
    ck_assert (cJSON_IsObject (doc));
    cJSON_Delete (doc);
    free (json);
}

START_TEST (test_position_opened_and_updated)
{
    tw_msg_t msg = s_event (TW_MSG_POSITION_OPENED, 7);
    s_expect (nt_json_event (&msg, NULL), "{\"type\":\"position_opened\",\"seq\":7,"
                                          "\"epoch\":\"12345678901234567890\"," POSITION_JSON "}");
    msg = s_event (TW_MSG_POSITION_UPDATED, 8);
    msg.u.event.pos.trail = 2.5;
    msg.u.event.pos.side = TW_SIDE_SHORT;
    char *json = nt_json_event (&msg, NULL);
    ck_assert_ptr_nonnull (strstr (json, "\"type\":\"position_updated\",\"seq\":8,"));
    ck_assert_ptr_nonnull (strstr (json, "\"side\":\"short\""));
    ck_assert_ptr_nonnull (strstr (json, "\"trail\":2.5,"));
    free (json);
}
END_TEST

START_TEST (test_position_closing)
{
    tw_msg_t msg = s_event (TW_MSG_POSITION_CLOSING, 9);
    msg.u.event.pos.state = TW_STATE_CLOSING;
    strcpy (msg.u.event.reason, TW_REASON_MANUAL_CLOSE);
    char *json = nt_json_event (&msg, NULL);
    ck_assert_ptr_nonnull (strstr (json, "\"state\":\"closing\""));
    ck_assert_ptr_nonnull (strstr (json, "\"exit_failed\":false,"
                                         "\"ltp\":0,\"unrealized_pnl\":0,\"ltp_age_ms\":-1,\"last_"
                                         "error\":\"\",\"reason\":\"Manual Close\"}"));
    free (json);
}
END_TEST

START_TEST (test_position_closed)
{
    tw_msg_t msg = s_event (TW_MSG_POSITION_CLOSED, 10);
    msg.u.event.pos.state = TW_STATE_CLOSED;
    strcpy (msg.u.event.reason, TW_REASON_TP_HIT);
    msg.u.event.exit_price = 615.3;
    msg.u.event.pnl = -147.75;
    msg.u.event.attempts = 2;
    s_expect (nt_json_event (&msg, NULL),
              "{\"type\":\"position_closed\",\"seq\":10,\"epoch\":\"12345678901234567890\","
              "\"id\":\"NSE:SBIN-EQ-INTRADAY\",\"symbol\":\"NSE:SBIN-EQ\",\"product\":"
              "\"INTRADAY\",\"side\":\"long\",\"qty\":10,\"entry_price\":600.5,\"sl\":590,"
              "\"tp\":615.25,\"trail\":0,\"state\":\"closed\",\"exit_failed\":false" NO_VIEW_JSON
              ",\"reason\":\"TP Hit\",\"exit_price\":615.3,\"pnl\":-147.75,\"attempts\":2}");
}
END_TEST

//  A closed position's exit price and P&L are rounded to the paisa.
START_TEST (test_position_closed_paisa)
{
    tw_msg_t msg = s_event (TW_MSG_POSITION_CLOSED, 10);
    msg.u.event.pos.state = TW_STATE_CLOSED;
    strcpy (msg.u.event.reason, TW_REASON_TP_HIT);
    msg.u.event.exit_price = 600.8 + 0.0000001;
    msg.u.event.pnl = (600.8 - 600.5) * 10; //  2.9999999999995453
    char *json = nt_json_event (&msg, NULL);
    ck_assert_ptr_nonnull (strstr (json, "\"exit_price\":600.8,\"pnl\":3,"));
    free (json);
}
END_TEST

START_TEST (test_exit_failed)
{
    tw_msg_t msg = s_event (TW_MSG_EXIT_FAILED, 11);
    msg.u.event.pos.exit_failed = true;
    strcpy (msg.u.event.reason, TW_REASON_SL_HIT);
    msg.u.event.attempts = 3;
    strcpy (msg.u.event.error, "HTTP 503: \"busy\"\nretry");
    s_expect (
        nt_json_event (&msg, NULL),
        "{\"type\":\"exit_failed\",\"seq\":11,\"epoch\":\"12345678901234567890\","
        "\"id\":\"NSE:SBIN-EQ-INTRADAY\",\"symbol\":\"NSE:SBIN-EQ\",\"product\":"
        "\"INTRADAY\",\"side\":\"long\",\"qty\":10,\"entry_price\":600.5,\"sl\":590,"
        "\"tp\":615.25,\"trail\":0,\"state\":\"open\",\"exit_failed\":true" NO_VIEW_JSON
        ",\"reason\":\"SL Hit\",\"attempts\":3,\"error\":\"HTTP 503: \\\"busy\\\"\\nretry\"}");
}
END_TEST

START_TEST (test_order_rejected)
{
    tw_msg_t msg;
    tw_msg_init (&msg, TW_MSG_ORDER_REJECTED);
    strcpy (msg.req_id, "cli-1-2-3");
    msg.u.event.epoch = 1;
    msg.u.event.seq = 12;
    strcpy (msg.u.event.pos.symbol, "NSE:INFY-EQ");
    msg.u.event.pos.side = TW_SIDE_SHORT;
    msg.u.event.pos.qty = 5;
    strcpy (msg.u.event.error, "no price yet");
    s_expect (nt_json_event (&msg, NULL),
              "{\"type\":\"order_rejected\",\"seq\":12,\"epoch\":\"1\",\"req_id\":\"cli-1-2-3\","
              "\"id\":\"\",\"symbol\":\"NSE:INFY-EQ\",\"side\":\"short\",\"qty\":5,"
              "\"error\":\"no price yet\"}");
}
END_TEST

START_TEST (test_position_mismatch)
{
    tw_msg_t msg;
    tw_msg_init (&msg, TW_MSG_POSITION_MISMATCH);
    msg.u.event.epoch = 1;
    msg.u.event.seq = 13;
    strcpy (msg.u.event.pos.id, "NSE:SBIN-EQ-INTRADAY");
    strcpy (msg.u.event.pos.symbol, "NSE:SBIN-EQ");
    msg.u.event.qty = 10;
    msg.u.event.broker_qty = 0;
    strcpy (msg.u.event.broker_product, "CNC");
    strcpy (msg.u.event.detail, "held as NSE:SBIN-EQ-CNC");
    s_expect (nt_json_event (&msg, NULL),
              "{\"type\":\"position_mismatch\",\"seq\":13,\"epoch\":\"1\","
              "\"id\":\"NSE:SBIN-EQ-INTRADAY\",\"symbol\":\"NSE:SBIN-EQ\",\"qty\":10,"
              "\"broker_qty\":0,\"broker_product\":\"CNC\","
              "\"detail\":\"held as NSE:SBIN-EQ-CNC\"}");
}
END_TEST

START_TEST (test_heartbeat)
{
    tw_msg_t msg;
    tw_msg_init (&msg, TW_MSG_HEARTBEAT);
    msg.u.event.epoch = EPOCH;
    msg.u.event.seq = 4294967296u;
    s_expect (nt_json_event (&msg, NULL),
              "{\"type\":\"heartbeat\",\"seq\":4294967296,\"epoch\":\"12345678901234567890\"}");
}
END_TEST

START_TEST (test_trading_state)
{
    tw_msg_t msg;
    tw_msg_init (&msg, TW_MSG_TRADING_STATE);
    msg.u.event.epoch = 1;
    msg.u.event.seq = 14;
    msg.u.event.trading_state = TW_TRADING_HALTED;
    strcpy (msg.u.event.detail, "flatten (Kill Switch)");
    s_expect (nt_json_event (&msg, NULL),
              "{\"type\":\"trading_state\",\"seq\":14,\"epoch\":\"1\","
              "\"trading_state\":\"halted\",\"reason\":\"flatten (Kill Switch)\"}");
    tw_msg_init (&msg, TW_MSG_HEARTBEAT);
    msg.u.event.epoch = 1;
    msg.u.event.seq = 14;
    msg.u.event.trading_state = TW_TRADING_ACTIVE;
    s_expect (nt_json_event (&msg, NULL),
              "{\"type\":\"heartbeat\",\"seq\":14,\"epoch\":\"1\",\"trading_state\":\"active\"}");
}
END_TEST

//  feed_stale and token_expiry become warnings; other events do not.
START_TEST (test_event_warnings)
{
    char name[64], text[TW_TEXT_MAX];
    bool active = false;
    tw_msg_t msg;
    tw_msg_init (&msg, TW_MSG_FEED_STALE);
    msg.u.event.seq = 7;
    strcpy (msg.u.event.pos.symbol, "NSE:SBIN-EQ");
    msg.u.event.active = true;
    msg.u.event.age_ms = 5250;
    ck_assert_int_eq (nt_json_event_warning (&msg, name, sizeof name, text, sizeof text, &active),
                      0);
    ck_assert_str_eq (name, "feed_stale:NSE:SBIN-EQ");
    ck_assert (active);
    ck_assert_str_eq (text, "feed stale: no good tick of NSE:SBIN-EQ for 5.2 s while a position "
                            "is open: its stops are not watched");
    s_expect (nt_json_warning (7, name, "x", active),
              "{\"type\":\"warning\",\"seq\":7,\"name\":\"feed_stale:NSE:SBIN-EQ\","
              "\"text\":\"x\",\"active\":true}");
    msg.u.event.active = false;
    ck_assert_int_eq (nt_json_event_warning (&msg, name, sizeof name, text, sizeof text, &active),
                      0);
    ck_assert (!active);
    ck_assert_str_eq (text, "feed of NSE:SBIN-EQ watched again");
    //  2026-12-01 10:30:00 IST.
    tw_msg_init (&msg, TW_MSG_TOKEN_EXPIRY);
    msg.u.event.expires_at = INT64_C (1796101200) * 1000000000;
    msg.u.event.active = true;
    ck_assert_int_eq (nt_json_event_warning (&msg, name, sizeof name, text, sizeof text, &active),
                      0);
    ck_assert_str_eq (name, "token_expiry");
    ck_assert (active);
    ck_assert_ptr_nonnull (strstr (text, "expires at "));
    ck_assert_ptr_nonnull (strstr (text, "tradectl login"));
    msg.u.event.expired = true;
    ck_assert_int_eq (nt_json_event_warning (&msg, name, sizeof name, text, sizeof text, &active),
                      0);
    ck_assert_ptr_nonnull (strstr (text, "expired at "));
    msg.u.event.active = msg.u.event.expired = false;
    ck_assert_int_eq (nt_json_event_warning (&msg, name, sizeof name, text, sizeof text, &active),
                      0);
    ck_assert (!active);
    ck_assert_ptr_nonnull (strstr (text, "a new broker access token"));
    tw_msg_init (&msg, TW_MSG_TRADING_STATE);
    ck_assert_int_eq (nt_json_event_warning (&msg, name, sizeof name, text, sizeof text, &active),
                      -1);
}
END_TEST

START_TEST (test_not_an_event)
{
    tw_msg_t msg;
    tw_msg_init (&msg, TW_MSG_TICK);
    ck_assert_ptr_null (nt_json_event (&msg, NULL));
    tw_msg_init (&msg, TW_MSG_ACK);
    ck_assert_ptr_null (nt_json_event (&msg, NULL));
    ck_assert_ptr_null (nt_json_event (NULL, NULL));
}
END_TEST

START_TEST (test_snapshot)
{
    s_expect (nt_json_snapshot (EPOCH, 0, NULL, NULL, 0, TW_TRADING_NONE, NULL, 0),
              "{\"type\":\"snapshot\",\"seq\":0,\"epoch\":\"12345678901234567890\","
              "\"positions\":[],\"trading_state\":\"\",\"warnings\":[]}");
    //  The trading state and the warnings in force travel with it.
    nt_warning_t warnings[] = {{"feed_stale:NSE:SBIN-EQ", "feed stale"},
                               {"token_expiry", "the token \"ends\""}};
    s_expect (nt_json_snapshot (1, 3, NULL, NULL, 0, TW_TRADING_HALTED, warnings, 2),
              "{\"type\":\"snapshot\",\"seq\":3,\"epoch\":\"1\",\"positions\":[],"
              "\"trading_state\":\"halted\",\"warnings\":[{\"name\":\"feed_stale:NSE:SBIN-EQ\","
              "\"text\":\"feed stale\"},{\"name\":\"token_expiry\",\"text\":\"the token "
              "\\\"ends\\\"\"}]}");
    tw_position_t positions[2] = {s_position (), s_position ()};
    strcpy (positions[1].id, "NSE:INFY-EQ-INTRADAY");
    strcpy (positions[1].symbol, "NSE:INFY-EQ");
    positions[1].state = TW_STATE_CLOSING;
    positions[1].exit_failed = true;
    char *json = nt_json_snapshot (2, 42, positions, NULL, 2, TW_TRADING_ACTIVE, NULL, 0);
    ck_assert_ptr_nonnull (json);
    ck_assert_str_eq (
        json, "{\"type\":\"snapshot\",\"seq\":42,\"epoch\":\"2\",\"positions\":[{" POSITION_JSON
              "},{\"id\":\"NSE:INFY-EQ-INTRADAY\",\"symbol\":"
              "\"NSE:INFY-EQ\",\"product\":\"INTRADAY\",\"side\":\"long\","
              "\"qty\":10,\"entry_price\":600.5,\"sl\":590,\"tp\":615.25,"
              "\"trail\":0,\"state\":\"closing\",\"exit_failed\":true" NO_VIEW_JSON
              "}],\"trading_state\":\"active\",\"warnings\":[]}");
    //  The docs/design.md §7 fields of every position are there.
    cJSON *doc = cJSON_Parse (json);
    cJSON *pos = cJSON_GetArrayItem (cJSON_GetObjectItemCaseSensitive (doc, "positions"), 0);
    const char *fields[] = {"id", "symbol", "side", "qty", "entry_price", "sl", "tp", "state"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        ck_assert_msg (cJSON_GetObjectItemCaseSensitive (pos, fields[i]), "%s", fields[i]);
    cJSON_Delete (doc);
    free (json);
}
END_TEST

//  The notifier's view: a marked position (long 10 at 600.5, ltp 601.333:
//  unrealised 8.33 to the paisa), its last error; marks, recent and journal.
START_TEST (test_views_and_new_frames)
{
    tw_position_t positions[2] = {s_position (), s_position ()};
    positions[1].side = TW_SIDE_SHORT;
    nt_view_t views[2];
    memset (views, 0, sizeof views);
    views[0].marked = views[1].marked = true;
    views[0].ltp = views[1].ltp = 601.333;
    views[0].age_ms = 120;
    views[1].age_ms = 5;
    strcpy (views[1].last_error, "HTTP 503");
    char *json = nt_json_snapshot (2, 42, positions, views, 2, TW_TRADING_NONE, NULL, 0);
    ck_assert_ptr_nonnull (strstr (json, "\"exit_failed\":false,\"ltp\":601.33,"
                                         "\"unrealized_pnl\":8.33,\"ltp_age_ms\":120,"
                                         "\"last_error\":\"\"}"));
    ck_assert_ptr_nonnull (strstr (json, "\"unrealized_pnl\":-8.33,\"ltp_age_ms\":5,"
                                         "\"last_error\":\"HTTP 503\"}"));
    free (json);
    s_expect (nt_json_marks (9, positions, views, 1),
              "{\"type\":\"marks\",\"seq\":9,\"marks\":[{\"id\":\"NSE:SBIN-EQ-INTRADAY\","
              "\"symbol\":\"NSE:SBIN-EQ\",\"ltp\":601.33,\"unrealized_pnl\":8.33,"
              "\"ltp_age_ms\":120}]}");
    const char *events[] = {"{\"type\":\"heartbeat\"}", "{\"a\":1}"};
    const int64_t at[] = {1796101200000, 1796101200123};
    s_expect (nt_json_recent (3, events, at, 2),
              "{\"type\":\"recent\",\"seq\":3,\"events\":[{\"type\":\"heartbeat\"},{\"a\":1}],"
              "\"at\":[1796101200000,1796101200123]}");
    s_expect (nt_json_recent (3, NULL, NULL, 0),
              "{\"type\":\"recent\",\"seq\":3,\"events\":[],\"at\":[]}");
    tw_pnl_reply_t pnl;
    memset (&pnl, 0, sizeof pnl);
    strcpy (pnl.day, "2026-12-01");
    pnl.realized_pnl = 0.1 + 0.2;
    pnl.trades = 1;
    pnl.wins = 1;
    tw_trade_t trade;
    memset (&trade, 0, sizeof trade);
    strcpy (trade.id, "NSE:SBIN-EQ-INTRADAY");
    strcpy (trade.symbol, "NSE:SBIN-EQ");
    trade.side = TW_SIDE_LONG;
    trade.qty = 1;
    trade.entry_price = 100.1;
    trade.exit_price = 100.4;
    trade.opened_at = INT64_C (1796101200000000000);
    trade.closed_at = INT64_C (1796101260000000000);
    strcpy (trade.reason, TW_REASON_TP_HIT);
    trade.attempts = 1;
    trade.pnl = 100.4 - 100.1;
    tw_history_reply_t history = {.count = 1, .trades = &trade};
    s_expect (nt_json_journal (4, &pnl, -1.005, &history),
              "{\"type\":\"journal\",\"seq\":4,\"day\":\"2026-12-01\",\"pnl\":{"
              "\"realized_pnl\":0.3,\"unrealized_pnl\":-1,\"trades\":1,\"wins\":1,"
              "\"losses\":0,\"largest_loss\":0},\"trades\":[{\"id\":\"NSE:SBIN-EQ-INTRADAY\","
              "\"symbol\":\"NSE:SBIN-EQ\",\"side\":\"long\",\"qty\":1,\"entry_price\":100.1,"
              "\"exit_price\":100.4,\"opened_at\":1796101200000,\"closed_at\":1796101260000,"
              "\"reason\":\"TP Hit\",\"attempts\":1,\"pnl\":0.3}]}");
}
END_TEST

START_TEST (test_ack_and_error)
{
    s_expect (nt_json_ack (5, "close", "accepted", "NSE:SBIN-EQ-INTRADAY", NULL),
              "{\"type\":\"ack\",\"seq\":5,\"request\":\"close\",\"status\":\"accepted\","
              "\"id\":\"NSE:SBIN-EQ-INTRADAY\",\"error\":\"\"}");
    s_expect (nt_json_ack (5, "close", NT_ACK_TIMEOUT, "X", "no answer"),
              "{\"type\":\"ack\",\"seq\":5,\"request\":\"close\",\"status\":\"timeout\","
              "\"id\":\"X\",\"error\":\"no answer\"}");
    s_expect (nt_json_ack (6, "flatten", "accepted", "", NULL),
              "{\"type\":\"ack\",\"seq\":6,\"request\":\"flatten\",\"status\":\"accepted\","
              "\"id\":\"\",\"error\":\"\"}");
    s_expect (nt_json_error (6, "bad \"frame\""),
              "{\"type\":\"error\",\"seq\":6,\"error\":\"bad \\\"frame\\\"\"}");
}
END_TEST

//  ---------------------------------------------------------------------
//  Client frames.

static int
s_parse (const char *text, nt_request_t *request, char *err)
{
    return nt_json_parse_request (text, strlen (text), request, err, ERR_MAX);
}

START_TEST (test_close_request)
{
    nt_request_t request;
    char err[ERR_MAX] = "";
    ck_assert_int_eq (
        s_parse ("{\"type\":\"close\",\"id\":\"NSE:SBIN-EQ-INTRADAY\"}", &request, err), 0);
    ck_assert_int_eq (request.type, NT_REQUEST_CLOSE);
    ck_assert_str_eq (request.id, "NSE:SBIN-EQ-INTRADAY");
    //  Key order and whitespace are free.
    ck_assert_int_eq (s_parse (" \n{ \"id\" : \"A-1\", \"type\" : \"close\" }\r\n ", &request, err),
                      0);
    ck_assert_str_eq (request.id, "A-1");
    //  Exactly the bytes given: what follows them is not read.
    const char *text = "{\"type\":\"close\",\"id\":\"B\"}garbage";
    ck_assert_int_eq (nt_json_parse_request (text, 25, &request, err, ERR_MAX), 0);
    ck_assert_str_eq (request.id, "B");
    ck_assert_str_eq (nt_json_request_name (request.type), "close");
}
END_TEST

START_TEST (test_flatten_request)
{
    nt_request_t request;
    char err[ERR_MAX] = "";
    ck_assert_int_eq (s_parse ("{\"type\":\"flatten\"}", &request, err), 0);
    ck_assert_int_eq (request.type, NT_REQUEST_FLATTEN);
    ck_assert_str_eq (request.id, "");
    ck_assert_str_eq (nt_json_request_name (request.type), "flatten");
    ck_assert_int_eq (s_parse (" { \"type\" : \"flatten\" } ", &request, err), 0);
    //  Nothing else: a flatten takes no position and no reason.
    ck_assert_int_eq (s_parse ("{\"type\":\"flatten\",\"id\":\"X\"}", &request, err), -1);
    ck_assert_str_eq (err, "unknown field 'id' in flatten");
    ck_assert_int_eq (request.type, NT_REQUEST_NONE);
    ck_assert_int_eq (s_parse ("{\"type\":\"flatten\",\"reason\":\"TP Hit\"}", &request, err), -1);
    ck_assert_int_eq (s_parse ("{\"type\":\"flatten\",\"type\":\"flatten\"}", &request, err), -1);
    ck_assert_ptr_nonnull (strstr (err, "duplicate field 'type'"));
    ck_assert_int_eq (s_parse ("{\"type\":\"Flatten\"}", &request, err), -1);
    ck_assert_str_eq (nt_json_request_name (NT_REQUEST_NONE), "");
}
END_TEST

START_TEST (test_malformed_requests)
{
    char id63[TW_ID_MAX], long_id[TW_ID_MAX + 1], frame[256];
    memset (id63, 'a', sizeof id63 - 1);
    id63[sizeof id63 - 1] = 0;
    memset (long_id, 'a', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = 0;
    nt_request_t request;
    char err[ERR_MAX];
    snprintf (frame, sizeof frame, "{\"type\":\"close\",\"id\":\"%s\"}", id63);
    ck_assert_int_eq (s_parse (frame, &request, err), 0);

    struct {
        const char *text;
        const char *error;
    } cases[] = {
        {"", "empty frame"},
        {"not json", "not valid JSON (at byte 0)"},
        {"{\"type\":\"close\",", "not valid JSON"},
        {"[1,2]", "expected a JSON object"},
        {"\"close\"", "expected a JSON object"},
        {"{\"type\":\"close\",\"id\":\"X\"} {}", "trailing bytes after the JSON value"},
        {"{}", "missing field 'type'"},
        {"{\"type\":7}", "field 'type': expected a string"},
        {"{\"type\":\"open\"}", "unknown type 'open': the requests are close and flatten"},
        //  A NUL or a control character in a string from outside is refused,
        //  never cut short or passed on.
        {"{\"type\":\"cl\\u0000ose\"}", "a NUL (\\u0000) in the frame: refused"},
        {"{\"type\":\"close\",\"id\":\"NSE:X-EQ-INTRADAY\\u0000junk\"}",
         "a NUL (\\u0000) in the frame: refused"},
        {"{\"type\":\"close\",\"id\":\"NSE:X-EQ-INTRADAY\\n\"}",
         "field 'id': control character in the string"},
        {"{\"type\":\"close\",\"id\":\"A\\u001b[2J\"}", "field 'id': control character"},
        {"{\"type\":\"close\\t\",\"id\":\"A\"}", "field 'type': control character"},
        {"{\"type\":\"close\",\"id\":\"A\\u007f\"}", "field 'id': control character"},
        {"{\"type\":\"close\",\"i\\rd\":\"A\"}", "a field name holds a control character"},
        {"{\"type\":\"close\"}", "missing field 'id' in close"},
        {"{\"type\":\"close\",\"id\":null}", "field 'id': expected a string"},
        {"{\"type\":\"close\",\"id\":\"\"}", "field 'id': invalid position id ''"},
        {"{\"type\":\"close\",\"id\":\"has space\"}", "invalid position id 'has space'"},
        {"{\"type\":\"close\",\"id\":\"\\u00e9\"}", "invalid position id '?\?'"},
        {"{\"type\":\"close\",\"id\":\"X\",\"reason\":\"TP Hit\"}",
         "unknown field 'reason' in close"},
        {"{\"type\":\"close\",\"id\":\"X\",\"id\":\"Y\"}", "duplicate field 'id'"},
        {"{\"type\":\"close\",\"type\":\"close\",\"id\":\"Y\"}", "duplicate field 'type'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset (&request, 0x55, sizeof request);
        ck_assert_msg (s_parse (cases[i].text, &request, err) == -1, "accepted: %s", cases[i].text);
        ck_assert_msg (strstr (err, cases[i].error), "%s: got '%s'", cases[i].text, err);
        ck_assert_int_eq (request.type, NT_REQUEST_NONE);
        ck_assert_str_eq (request.id, "");
    }
    snprintf (frame, sizeof frame, "{\"type\":\"close\",\"id\":\"%s\"}", long_id);
    ck_assert_int_eq (s_parse (frame, &request, err), -1);
    ck_assert_ptr_nonnull (strstr (err, "1..63 printable characters"));
    //  A quoted value is cut short: an error line stays short.
    char big[512];
    memset (big, 'x', sizeof big);
    memcpy (big, "{\"type\":\"", 9);
    memcpy (big + sizeof big - 3, "\"}", 3);
    ck_assert_int_eq (s_parse (big, &request, err), -1);
    ck_assert_uint_lt (strlen (err), 100);
    ck_assert_int_eq (nt_json_parse_request (NULL, 0, &request, err, ERR_MAX), -1);
    //  A raw NUL byte inside the frame's size is refused too.
    const char raw[] = "{\"type\":\"close\",\"id\":\"A\0B\"}";
    ck_assert_int_eq (nt_json_parse_request (raw, sizeof raw - 1, &request, err, ERR_MAX), -1);
    ck_assert_ptr_nonnull (strstr (err, "a NUL"));
    //  An escaped backslash before "u0000" is text, not a NUL.
    ck_assert_int_eq (s_parse ("{\"type\":\"close\",\"id\":\"A\\\\u0000\"}", &request, err), 0);
    ck_assert_str_eq (request.id, "A\\u0000");
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("nt_json");
    TCase *tc = tcase_create ("frames");
    tcase_add_test (tc, test_position_opened_and_updated);
    tcase_add_test (tc, test_position_closing);
    tcase_add_test (tc, test_position_closed);
    tcase_add_test (tc, test_exit_failed);
    tcase_add_test (tc, test_order_rejected);
    tcase_add_test (tc, test_position_mismatch);
    tcase_add_test (tc, test_heartbeat);
    tcase_add_test (tc, test_trading_state);
    tcase_add_test (tc, test_event_warnings);
    tcase_add_test (tc, test_not_an_event);
    tcase_add_test (tc, test_snapshot);
    tcase_add_test (tc, test_ack_and_error);
    tcase_add_test (tc, test_flatten_request);
    tcase_add_test (tc, test_views_and_new_frames);
    tcase_add_test (tc, test_position_closed_paisa);
    tcase_add_test (tc, test_close_request);
    tcase_add_test (tc, test_malformed_requests);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
