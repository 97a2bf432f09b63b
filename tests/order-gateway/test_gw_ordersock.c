//  The gateway's order socket (gw_ordersock, docs/fyers.md §7.3) against the
//  fake Fyers server's WebSocket: the real order-gateway process. Changes the
//  gateway did not cause are seen through the socket; with the socket down,
//  through reconciliation every reconcile_interval_ms; after a reconnect,
//  at once. An exit is confirmed and priced by the socket's pushes alone,
//  and by REST reads when no push comes. Over wss:// (the fake's socket on
//  TLS, a throwaway CA of tw_pki): the same with the right CA; a server
//  the gateway cannot verify (another CA, the system's CAs, a certificate
//  for another IP address or host name) is never connected to, the reason
//  is logged, and the gateway keeps trading through REST.

#include <check.h>
#include <czmq.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "gw_testfx.h"
#include "tw_cmd.h"
#include "tw_pki.h"
#include "tw_proc.h"
#include "tw_token.h"

#define SYMBOL "NSE:SBIN-EQ"
#define POS_ID "NSE:SBIN-EQ-INTRADAY"
#define WAIT_MS GW_TESTFX_WAIT_MS

static void
s_open_sbin (gw_testfx_t *fx)
{
    fake_fyers_set_price (fx->fake, SYMBOL, 100.0);
    ck_assert_int_eq (gw_testfx_open (fx, SYMBOL, TW_SIDE_LONG, 10, 95, 110), TW_ACK_ACCEPTED);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (fx, TW_MSG_POSITION_OPENED, POS_ID, &event));
}

//  The order socket alone: no periodic reconciliation.
static void
s_socket_only (gw_testfx_t *fx)
{
    tw_fixture_set (fx->base, "TW_GATEWAY_RECONCILE_INTERVAL_MS", "0");
}

//  Waits until the gateway's status counter order_socket is state.
static void
s_wait_socket (gw_testfx_t *fx, int64_t state)
{
    ck_assert_msg (
        tw_cmd_wait_counter (fx->rep, TW_MSG_STATUS, "order_socket", state, WAIT_MS, NULL),
        "order_socket never %lld", (long long) state);
}

//  The daily login's token file, no FYERS_ACCESS_TOKEN: the REST broker
//  and the order socket both take the token from the file.
static void
s_token_file (gw_testfx_t *fx)
{
    char path[512], err[256] = "";
    snprintf (path, sizeof path, "%s/fyers.token", tw_fixture_dir (fx->base));
    ck_assert_msg (tw_token_write (path, GW_TESTFX_TOKEN, err, sizeof err) == 0, "%s", err);
    tw_fixture_set (fx->base, "FYERS_ACCESS_TOKEN", "%s", "");
    tw_fixture_set (fx->base, "TW_FYERS_TOKEN_FILE", "%s", path);
    s_socket_only (fx);
}

START_TEST (test_socket_takes_the_token_file)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_token_file);
    ck_assert_int_eq (fake_fyers_ws_wait_subscribed (fx.fake, 1, WAIT_MS), 1);
    s_wait_socket (&fx, 2);
    gw_testfx_teardown (&fx);
}
END_TEST

START_TEST (test_square_off_seen_through_the_socket)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_socket_only);
    ck_assert_int_eq (fake_fyers_ws_wait_subscribed (fx.fake, 1, WAIT_MS), 1);
    s_wait_socket (&fx, 2);
    //  ping says it too.
    tw_msg_t pong;
    ck_assert_int_eq (tw_cmd_ask (fx.rep, TW_MSG_PING, 2000, 3, &pong), 0);
    ck_assert_int_eq (tw_cmd_pong_counter (&pong, "order_socket"), 2);
    s_open_sbin (&fx);
    //  The broker squares the position off: only the socket can tell, and
    //  the gateway reads the broker at once.
    fake_fyers_set_price (fx.fake, SYMBOL, 98.0);
    int64_t sent = zclock_mono ();
    ck_assert_int_eq (fake_fyers_square_off (fx.fake, POS_ID, NULL), 1);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    int64_t latency = zclock_mono () - sent;
    ck_assert_str_eq (event.u.event.reason, "Closed at Broker");
    ck_assert_double_eq_tol (event.u.event.exit_price, 98.0, 1e-9);
    //  (Reported, not asserted: a busy machine must not fail the suite.)
    fprintf (stderr, "test_gw_ordersock: square-off -> Closed at Broker in %lld ms\n",
             (long long) latency);
    ck_assert_uint_eq (gw_testfx_snapshot (&fx, NULL), 0);
    gw_testfx_teardown (&fx);
}
END_TEST

static void
s_slow_reconcile (gw_testfx_t *fx)
{
    tw_fixture_set (fx->base, "TW_GATEWAY_RECONCILE_INTERVAL_MS", "300");
}

START_TEST (test_socket_down_reconcile_still_sees)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_slow_reconcile);
    ck_assert_int_eq (fake_fyers_ws_wait_subscribed (fx.fake, 1, WAIT_MS), 1);
    s_open_sbin (&fx);
    //  The socket goes away and cannot come back.
    ck_assert_int_eq (fake_fyers_ws_refuse (fx.fake, 1000), 0);
    ck_assert_int_eq (fake_fyers_ws_drop (fx.fake), 0);
    s_wait_socket (&fx, 1);
    //  The gateway keeps trading, and reconciliation sees the square-off.
    ck_assert_int_eq (fake_fyers_square_off (fx.fake, POS_ID, NULL), 1);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert_str_eq (event.u.event.reason, "Closed at Broker");
    s_open_sbin (&fx);
    gw_testfx_teardown (&fx);
}
END_TEST

START_TEST (test_reconnect_reconciles)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_socket_only);
    ck_assert_int_eq (fake_fyers_ws_wait_subscribed (fx.fake, 1, WAIT_MS), 1);
    s_wait_socket (&fx, 2);
    int64_t connects = tw_cmd_counter (fx.rep, TW_MSG_STATUS, "order_socket_connects");
    s_open_sbin (&fx);
    //  A dead link: what happens meanwhile is never pushed.
    ck_assert_int_eq (fake_fyers_ws_silence (fx.fake, true), 0);
    ck_assert_int_eq (fake_fyers_square_off (fx.fake, POS_ID, NULL), 1);
    ck_assert_uint_eq (gw_testfx_snapshot (&fx, NULL), 1);
    //  The connection drops; the gateway reconnects and reads the broker.
    ck_assert_int_eq (fake_fyers_ws_silence (fx.fake, false), 0);
    ck_assert_int_eq (fake_fyers_ws_drop (fx.fake), 0);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert_str_eq (event.u.event.reason, "Closed at Broker");
    ck_assert (tw_cmd_wait_counter (fx.rep, TW_MSG_STATUS, "order_socket_connects", connects + 1,
                                    WAIT_MS, NULL));
    ck_assert (tw_file_wait_contains (fx.log, "ordersock subscribed", WAIT_MS));
    gw_testfx_teardown (&fx);
}
END_TEST

//  The broker's GET requests of path so far.
static int
s_reads (gw_testfx_t *fx, const char *path)
{
    int count = fake_fyers_count (fx->fake, "GET", path);
    ck_assert_int_ge (count, 0);
    return count;
}

//  Waits (bounded) until the gateway has read neither positions nor orders
//  for a while: what the start and the open set off (pushes, a
//  reconciliation, the start-up sweep of orphan stops) is over.
static void
s_settle (gw_testfx_t *fx)
{
    int before = -1, now = s_reads (fx, "/api/v3/positions") + s_reads (fx, "/api/v3/orders");
    for (int i = 0; i < 50 && now != before; i++) {
        zclock_sleep (200);
        before = now;
        now = s_reads (fx, "/api/v3/positions") + s_reads (fx, "/api/v3/orders");
    }
    ck_assert_int_eq (now, before);
}

//  With the socket up: an exit that fills at 104 is confirmed flat and
//  priced by the socket's pushes (the order, its fill, the position at 0),
//  and the gateway reads neither positions nor the book.
static void
s_exit_by_pushes (gw_testfx_t *fx)
{
    ck_assert_int_eq (fake_fyers_ws_wait_subscribed (fx->fake, 1, WAIT_MS), 1);
    s_wait_socket (fx, 2);
    ck_assert_int_eq (fake_fyers_set_multiplier (fx->fake, SYMBOL, 2), 0);
    s_open_sbin (fx);
    s_settle (fx);
    int positions = s_reads (fx, "/api/v3/positions");
    int orders = s_reads (fx, "/api/v3/orders");
    fake_fyers_set_price (fx->fake, SYMBOL, 104.0);
    ck_assert_int_eq (gw_testfx_close (fx, POS_ID, "TP Hit"), TW_ACK_ACCEPTED);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert_str_eq (event.u.event.reason, "TP Hit");
    ck_assert_double_eq_tol (event.u.event.exit_price, 104.0, 1e-9);
    ck_assert_double_eq_tol (event.u.event.pnl, 4.0 * 10 * 2, 1e-9);
    ck_assert_int_eq (fake_fyers_count (fx->fake, "DELETE", "/api/v3/positions"), 1);
    zclock_sleep (300); //  a read set off late would show now
    ck_assert_int_eq (s_reads (fx, "/api/v3/positions"), positions);
    ck_assert_int_eq (s_reads (fx, "/api/v3/orders"), orders);
    ck_assert_int_eq (gw_testfx_broker_qty (fx, POS_ID), 0);
    ck_assert_uint_eq (gw_testfx_snapshot (fx, NULL), 0);
}

START_TEST (test_exit_confirmed_and_priced_by_the_socket)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_socket_only);
    s_exit_by_pushes (&fx);
    gw_testfx_teardown (&fx);
}
END_TEST

START_TEST (test_exit_without_pushes_reads_the_broker)
{
    gw_testfx_t fx;
    gw_testfx_setup (&fx, s_socket_only);
    ck_assert_int_eq (fake_fyers_ws_wait_subscribed (fx.fake, 1, WAIT_MS), 1);
    s_wait_socket (&fx, 2);
    s_open_sbin (&fx);
    s_settle (&fx);
    int positions = s_reads (&fx, "/api/v3/positions");
    int orders = s_reads (&fx, "/api/v3/orders");
    //  A dead link the gateway has not noticed yet: no push comes, so the
    //  exit confirms and prices itself through REST after its waits.
    ck_assert_int_eq (fake_fyers_ws_silence (fx.fake, true), 0);
    fake_fyers_set_price (fx.fake, SYMBOL, 103.0);
    ck_assert_int_eq (gw_testfx_close (&fx, POS_ID, "SL Hit"), TW_ACK_ACCEPTED);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert_str_eq (event.u.event.reason, "SL Hit");
    ck_assert_double_eq_tol (event.u.event.exit_price, 103.0, 1e-9);
    ck_assert_int_eq (fake_fyers_count (fx.fake, "DELETE", "/api/v3/positions"), 1);
    ck_assert_int_gt (s_reads (&fx, "/api/v3/positions"), positions);
    ck_assert_int_gt (s_reads (&fx, "/api/v3/orders"), orders);
    ck_assert_int_eq (gw_testfx_broker_qty (&fx, POS_ID), 0);
    gw_testfx_teardown (&fx);
}
END_TEST

//  ---------------------------------------------------------------------
//  wss:// (as Fyers' socket is): the fake's socket on TLS with a
//  certificate of a tw_pki; [fyers] data_ca_file says which CA to trust.

START_TEST (test_wss_exit_confirmed_by_the_socket)
{
    gw_testfx_t fx;
    gw_testfx_setup_tls (&fx, TW_PKI_SERVER_CERT, TW_PKI_SERVER_KEY, s_socket_only);
    ck_assert_int_eq (strncmp (fake_fyers_ws_url (fx.fake), "wss://127.0.0.1:", 16), 0);
    ck_assert (gw_testfx_info_says (&fx, "\"ws_tls\":true"));
    s_exit_by_pushes (&fx);
    ck_assert (tw_file_contains (fx.log, "ordersock subscribed url=wss://127.0.0.1:"));
    gw_testfx_teardown (&fx);
}
END_TEST

//  [fyers] data_ca_file: a CA that did not sign the fake's certificate.
static void
s_other_ca (gw_testfx_t *fx)
{
    tw_fixture_set (fx->base, "TW_FYERS_DATA_CA_FILE", "%s/%s", tw_fixture_dir (fx->base),
                    TW_PKI_OTHER_CA);
}

//  A TLS connection the gateway refused, for the reason in its log: the
//  order socket stays down (1), no WebSocket ever reached the fake, and the
//  gateway keeps trading: an exit still closes, confirmed and priced
//  through REST.
static void
s_refused_keeps_trading (gw_testfx_t *fx, const char *reason)
{
    ck_assert_msg (tw_file_wait_contains (fx->log, reason, WAIT_MS), "no \"%s\" in %s", reason,
                   fx->log);
    ck_assert (
        tw_file_wait_contains (fx->log, "ordersock cannot connect url=wss://127.0.0.1:", WAIT_MS));
    //  That line itself says why (OpenSSL's reason, from lws' log line).
    ck_assert_msg (tw_file_line_has (fx->log, "ordersock cannot connect", reason),
                   "no \"ordersock cannot connect\" line with \"%s\" in %s", reason, fx->log);
    ck_assert_int_eq (tw_cmd_counter (fx->rep, TW_MSG_STATUS, "order_socket"), 1);
    s_open_sbin (fx);
    int positions = s_reads (fx, "/api/v3/positions");
    fake_fyers_set_price (fx->fake, SYMBOL, 103.0);
    ck_assert_int_eq (gw_testfx_close (fx, POS_ID, "SL Hit"), TW_ACK_ACCEPTED);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert_str_eq (event.u.event.reason, "SL Hit");
    ck_assert_double_eq_tol (event.u.event.exit_price, 103.0, 1e-9);
    ck_assert_int_eq (fake_fyers_count (fx->fake, "DELETE", "/api/v3/positions"), 1);
    ck_assert_int_gt (s_reads (fx, "/api/v3/positions"), positions);
    ck_assert_int_eq (gw_testfx_broker_qty (fx, POS_ID), 0);
    //  All along, nothing connected unverified.
    ck_assert_int_eq (tw_cmd_counter (fx->rep, TW_MSG_STATUS, "order_socket"), 1);
    ck_assert_int_eq (tw_cmd_counter (fx->rep, TW_MSG_STATUS, "order_socket_connects"), 0);
    ck_assert (gw_testfx_info_says (fx, "\"ws_connections\":0,"));
    ck_assert (gw_testfx_info_says (fx, "\"ws_refused\":0,"));
}

START_TEST (test_wss_wrong_ca_refused)
{
    gw_testfx_t fx;
    gw_testfx_setup_tls (&fx, TW_PKI_SERVER_CERT, TW_PKI_SERVER_KEY, s_other_ca);
    //  OpenSSL's reason, through libwebsockets' log.
    s_refused_keeps_trading (&fx, "unable to get local issuer certificate");
    gw_testfx_teardown (&fx);
}
END_TEST

//  No [fyers] data_ca_file: the system's CAs, which do not know the test's.
static void
s_system_cas (gw_testfx_t *fx)
{
    tw_fixture_set (fx->base, "TW_FYERS_DATA_CA_FILE", "%s", "");
}

START_TEST (test_wss_system_cas_refuse_a_private_ca)
{
    gw_testfx_t fx;
    gw_testfx_setup_tls (&fx, TW_PKI_SERVER_CERT, TW_PKI_SERVER_KEY, s_system_cas);
    s_refused_keeps_trading (&fx, "unable to get local issuer certificate");
    gw_testfx_teardown (&fx);
}
END_TEST

//  The right CA, but a certificate for another host than the URL's. The
//  URL's host is an IP address, so the certificate must name it as one
//  (subjectAltName IP:127.0.0.1); a host name is matched against the DNS
//  names (below).
START_TEST (test_wss_wrong_host_refused)
{
    gw_testfx_t fx;
    gw_testfx_setup_tls (&fx, TW_PKI_MISNAMED_CERT, TW_PKI_MISNAMED_KEY, NULL);
    s_refused_keeps_trading (&fx, "IP address mismatch");
    gw_testfx_teardown (&fx);
}
END_TEST

//  The URL names the fake by host name, as the real one does
//  (socket.fyers.in): "localhost" is one of the certificate's DNS names.
static void
s_localhost (gw_testfx_t *fx)
{
    tw_fixture_set (fx->base, "TW_FYERS_ORDER_SOCKET_URL", "wss://localhost:%d/trade/v3",
                    fake_fyers_ws_port (fx->fake));
}

START_TEST (test_wss_host_name_verified)
{
    gw_testfx_t fx;
    gw_testfx_setup_tls (&fx, TW_PKI_SERVER_CERT, TW_PKI_SERVER_KEY, s_localhost);
    ck_assert_int_eq (fake_fyers_ws_wait_subscribed (fx.fake, 1, WAIT_MS), 1);
    s_wait_socket (&fx, 2);
    ck_assert (tw_file_contains (fx.log, "ordersock subscribed url=wss://localhost:"));
    gw_testfx_teardown (&fx);
    //  A certificate for another name: refused, for that reason.
    gw_testfx_setup_tls (&fx, TW_PKI_MISNAMED_CERT, TW_PKI_MISNAMED_KEY, s_localhost);
    ck_assert (tw_file_wait_contains (fx.log, "hostname mismatch", WAIT_MS));
    ck_assert_int_eq (tw_cmd_counter (fx.rep, TW_MSG_STATUS, "order_socket"), 1);
    ck_assert (gw_testfx_info_says (&fx, "\"ws_connections\":0,"));
    gw_testfx_teardown (&fx);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("gateway-ordersock");
    TCase *tc = tcase_create ("order socket");
    tcase_set_timeout (tc, 60);
    tcase_add_test (tc, test_square_off_seen_through_the_socket);
    tcase_add_test (tc, test_socket_takes_the_token_file);
    tcase_add_test (tc, test_socket_down_reconcile_still_sees);
    tcase_add_test (tc, test_reconnect_reconciles);
    tcase_add_test (tc, test_exit_confirmed_and_priced_by_the_socket);
    tcase_add_test (tc, test_exit_without_pushes_reads_the_broker);
    tcase_add_test (tc, test_wss_exit_confirmed_by_the_socket);
    tcase_add_test (tc, test_wss_wrong_ca_refused);
    tcase_add_test (tc, test_wss_system_cas_refuse_a_private_ca);
    tcase_add_test (tc, test_wss_wrong_host_refused);
    tcase_add_test (tc, test_wss_host_name_verified);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
