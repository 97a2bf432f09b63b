//  Integration test of a snapshot larger than one reply: 10,000 positions
//  seeded on the fake Fyers server and adopted by the real order-gateway at
//  reconciliation, then the real risk-monitor, which must take its snapshot
//  in parts (docs/design.md §2), watch every position, and close one whose
//  stop is set with modify and crossed by a tick. The gateway's store is on
//  /dev/shm when there is one: 10,000 adoptions are 10,000 durable writes,
//  and fsyncs on a shared disk would be the whole run time of the test.

#include <check.h>
#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake_fyers_ctl.h"
#include "tw_client.h"
#include "tw_clock.h"
#include "tw_cmd.h"
#include "tw_events.h"
#include "tw_fixture.h"
#include "tw_proc.h"
#include "tw_sock.h"

#define POSITIONS 10000
#define WAIT_MS 10000
#define RECONCILE_WAIT_MS 120000
#define STOP_MS 3000
#define CLIENT_TIMEOUT_MS 5000
#define APP_ID "SCALEAPP-100"
#define TOKEN "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.scale-token-not-a-secret"
#define GATEWAY "order-gateway"
#define RISK "risk-monitor"
#define PRICE 100.0
#define WATCHED 4242

static void
s_symbol (int i, char *symbol, size_t size)
{
    snprintf (symbol, size, "NSE:S%05d-EQ", i);
}

START_TEST (test_ten_thousand_positions)
{
    tw_fixture_t *base = tw_fixture_new ("risk-scale");
    ck_assert_ptr_nonnull (base);
    const char *rep = tw_fixture_endpoint (base, "TW_ENDPOINTS_GATEWAY_REP");
    const char *pub = tw_fixture_endpoint (base, "TW_ENDPOINTS_GATEWAY_PUB");
    const char *feed = tw_fixture_endpoint (base, "TW_ENDPOINTS_FEED_PUB");
    const char *control = tw_fixture_endpoint (base, "TW_ENDPOINTS_RISK_CONTROL");
    ck_assert (rep && pub && feed && control);
    char shm[] = "/dev/shm/tw-risk-scale-XXXXXX";
    bool on_shm = access ("/dev/shm", W_OK) == 0 && mkdtemp (shm);
    if (on_shm)
        tw_fixture_set (base, "TW_GATEWAY_DB", "%s/gateway.db", shm);
    else
        tw_fixture_set (base, "TW_GATEWAY_DB", "gateway.db");

    fake_fyers_t *fake = fake_fyers_start (getenv ("FAKE_FYERS"), APP_ID, TOKEN);
    ck_assert_ptr_nonnull (fake);
    for (int i = 0; i < POSITIONS; i++) {
        char symbol[TW_SYMBOL_MAX];
        s_symbol (i, symbol, sizeof symbol);
        ck_assert_int_eq (fake_fyers_seed_position (fake, symbol, "INTRADAY", 1, PRICE), 0);
    }
    tw_fixture_set (base, "TW_GATEWAY_BROKER", "fyers");
    //  The real clock: no market hours, no square-off.
    tw_fixture_set (base, "TW_SESSION_SQUARE_OFF", "off");
    tw_fixture_set (base, "TW_SESSION_ENFORCE_HOURS", "off");
    tw_fixture_set (base, "TW_GATEWAY_HEARTBEAT_MS", "100");
    tw_fixture_set (base, "TW_FYERS_BASE_URL", "%s", fake_fyers_base_url (fake));
    tw_fixture_set (base, "FYERS_APP_ID", APP_ID);
    tw_fixture_set (base, "FYERS_ACCESS_TOKEN", TOKEN);
    //  Far above Fyers' limits, allowed against a local base_url only.
    tw_fixture_set (base, "TW_FYERS_RATE_PER_SEC", "10000");
    tw_fixture_set (base, "TW_FYERS_RATE_PER_MIN", "600000");
    zsock_t *ticks = tw_sock_pub_new (feed);
    ck_assert_ptr_nonnull (ticks);
    tw_events_t *events = tw_events_new (pub);
    ck_assert_ptr_nonnull (events);

    ck_assert_int_eq (tw_fixture_start (base, GATEWAY, getenv ("GATEWAY"), NULL), 0);
    ck_assert_int_eq (tw_fixture_wait_pong (base, GATEWAY, rep, TW_MSG_STATUS, "reconciled", 1,
                                            RECONCILE_WAIT_MS),
                      0);
    ck_assert_int_eq (tw_cmd_counter (rep, TW_MSG_STATUS, "positions"), POSITIONS);

    //  The risk-monitor takes the snapshot in parts and watches them all.
    ck_assert_int_eq (tw_fixture_start (base, RISK, getenv ("RISK_MONITOR"), NULL), 0);
    int64_t seen = -1;
    ck_assert_msg (
        tw_cmd_wait_counter (control, TW_MSG_PING, "positions_watched", POSITIONS, WAIT_MS, &seen),
        "positions_watched is %lld; log in %s", (long long) seen, tw_fixture_log (base, RISK));
    ck_assert_int_eq (tw_cmd_counter (control, TW_MSG_PING, "synced"), 1);
    ck_assert_int_eq (tw_cmd_counter (control, TW_MSG_PING, "unsynced_ms"), 0);
    ck_assert_int_eq (tw_cmd_counter (control, TW_MSG_PING, "resyncs"), 1);
    ck_assert (tw_file_contains (tw_fixture_log (base, RISK), "parts=3"));

    //  A stop set on one of them (adopted positions have none) is watched.
    char symbol[TW_SYMBOL_MAX], id[TW_ID_MAX];
    s_symbol (WATCHED, symbol, sizeof symbol);
    snprintf (id, sizeof id, "%s-INTRADAY", symbol);
    tw_client_t *client = tw_client_new (rep, CLIENT_TIMEOUT_MS, 1);
    ck_assert_ptr_nonnull (client);
    tw_msg_t request, reply;
    tw_msg_init (&request, TW_MSG_MODIFY);
    snprintf (request.u.modify.id, sizeof request.u.modify.id, "%s", id);
    request.u.modify.has_sl = true;
    request.u.modify.sl = PRICE - 1;
    ck_assert_int_eq (tw_cmd_request (client, &request, &reply), 0);
    ck_assert_int_eq (reply.type, TW_MSG_ACK);
    ck_assert_int_eq (reply.u.ack.status, TW_ACK_ACCEPTED);
    tw_msg_reset (&reply);
    tw_msg_t event;
    ck_assert (tw_events_wait (events, TW_MSG_POSITION_UPDATED, id, WAIT_MS, &event));
    //  Ticks until the risk-monitor has the update and closes (bounded).
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    bool closing = false;
    while (!closing && tw_clock_mono_ms () < deadline) {
        ck_assert_int_eq (tw_cmd_tick (ticks, symbol, PRICE - 2), 0);
        closing = tw_events_wait (events, TW_MSG_POSITION_CLOSING, id, 50, &event);
    }
    ck_assert_msg (closing, "%s not closing; log in %s", id, tw_fixture_log (base, RISK));
    ck_assert_str_eq (event.u.event.reason, "SL Hit");
    ck_assert (tw_events_wait (events, TW_MSG_POSITION_CLOSED, id, WAIT_MS, &event));
    ck_assert_int_eq (tw_cmd_counter (rep, TW_MSG_STATUS, "positions"), POSITIONS - 1);

    tw_client_destroy (&client);
    tw_events_destroy (&events);
    zsock_destroy (&ticks);
    ck_assert_int_eq (tw_fixture_stop (base, RISK, SIGTERM, STOP_MS), 0);
    ck_assert_int_eq (tw_fixture_stop (base, GATEWAY, SIGTERM, STOP_MS), 0);
    ck_assert_int_eq (fake_fyers_stop (&fake), 0);
    tw_fixture_destroy (&base);
    if (on_shm) {
        char command[128];
        snprintf (command, sizeof command, "rm -rf %s", shm);
        ck_assert_int_eq (system (command), 0);
    }
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("risk-monitor scale");
    TCase *tc = tcase_create ("scale");
    tcase_set_timeout (tc, 280);
    tcase_add_test (tc, test_ten_thousand_positions);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
