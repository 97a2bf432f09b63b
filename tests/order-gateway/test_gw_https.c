//  The gateway's REST calls over https:// (docs/fyers.md §1): the real
//  order-gateway process against the fake Fyers server on TLS everywhere
//  (REST and the order socket), with a throwaway CA of tw_pki. With
//  [fyers] data_ca_file the right CA it reconciles and trades; with
//  another CA, or a certificate for another host, libcurl refuses the
//  server before any request is sent, says why in the log, and the
//  gateway never reconciles but keeps running. A data_ca_file that cannot
//  be read stops it at start (a configuration error, exit 2).

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "gw_testfx.h"
#include "tw_cmd.h"
#include "tw_pki.h"
#include "tw_proc.h"

#define SYMBOL "NSE:SBIN-EQ"
#define POS_ID "NSE:SBIN-EQ-INTRADAY"
#define WAIT_MS GW_TESTFX_WAIT_MS
//  A gateway with a configuration error exits at once; this bounds it.
#define EXIT_WAIT_MS 5000
#define CONFIG_ERROR_EXIT 2

START_TEST (test_https_right_ca_trades)
{
    gw_testfx_t fx;
    gw_testfx_setup_https (&fx, TW_PKI_SERVER_CERT, TW_PKI_SERVER_KEY, GW_TESTFX_WAIT_RECONCILED,
                           NULL);
    ck_assert_int_eq (strncmp (fake_fyers_base_url (fx.fake), "https://127.0.0.1:", 18), 0);
    ck_assert (gw_testfx_info_says (&fx, "\"tls\":true"));
    char line[600];
    snprintf (line, sizeof line, "ca=%s/%s", tw_fixture_dir (fx.base), TW_PKI_CA);
    ck_assert (tw_file_line_has (fx.log, "fyers broker base_url=https://127.0.0.1:", line));
    ck_assert_int_eq (tw_cmd_counter (fx.rep, TW_MSG_STATUS, "reconciled"), 1);
    ck_assert_int_gt (fake_fyers_count (fx.fake, "GET", "/api/v3/positions"), 0);
    //  An open and a close, over https://.
    fake_fyers_set_price (fx.fake, SYMBOL, 100.0);
    ck_assert_int_eq (gw_testfx_open (&fx, SYMBOL, TW_SIDE_LONG, 10, 95, 110), TW_ACK_ACCEPTED);
    tw_msg_t event;
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_POSITION_OPENED, POS_ID, &event));
    ck_assert_int_eq (gw_testfx_broker_qty (&fx, POS_ID), 10);
    fake_fyers_set_price (fx.fake, SYMBOL, 104.0);
    ck_assert_int_eq (gw_testfx_close (&fx, POS_ID, "TP Hit"), TW_ACK_ACCEPTED);
    ck_assert (gw_testfx_wait_event (&fx, TW_MSG_POSITION_CLOSED, POS_ID, &event));
    ck_assert_str_eq (event.u.event.reason, "TP Hit");
    ck_assert_double_eq_tol (event.u.event.exit_price, 104.0, 1e-9);
    ck_assert_int_ge (fake_fyers_count (fx.fake, "POST", "/api/v3/orders/sync"), 1);
    ck_assert_int_eq (fake_fyers_count (fx.fake, "DELETE", "/api/v3/positions"), 1);
    ck_assert_int_eq (gw_testfx_broker_qty (&fx, POS_ID), 0);
    ck_assert_uint_eq (gw_testfx_snapshot (&fx, NULL), 0);
    ck_assert (!tw_file_contains (fx.log, "SSL certificate problem"));
    gw_testfx_teardown (&fx);
}
END_TEST

//  A server the gateway cannot verify: the REST calls fail before any HTTP
//  request (the fake recorded none) with curl's reason, OpenSSL's words, on
//  the failed call's own line, the gateway never reconciles (so it refuses
//  to open), and it keeps running and answering.
static void
s_refused_keeps_running (gw_testfx_t *fx, const char *reason)
{
    ck_assert_msg (tw_file_wait_contains (fx->log, reason, WAIT_MS), "no \"%s\" in %s", reason,
                   fx->log);
    ck_assert_msg (tw_file_line_has (fx->log, "fyers call op=positions", reason),
                   "no \"fyers call op=positions\" line with \"%s\" in %s", reason, fx->log);
    ck_assert_int_eq (tw_cmd_counter (fx->rep, TW_MSG_STATUS, "reconciled"), 0);
    //  Not reconciled, it takes no open.
    ck_assert_int_eq (gw_testfx_open (fx, SYMBOL, TW_SIDE_LONG, 10, 95, 110), TW_ACK_REJECTED);
    ck_assert_int_eq (fake_fyers_count (fx->fake, NULL, NULL), 0);
    tw_msg_t pong;
    ck_assert_int_eq (tw_cmd_ask (fx->rep, TW_MSG_PING, 2000, 3, &pong), 0);
    ck_assert_int_eq (pong.type, TW_MSG_PONG);
    tw_msg_reset (&pong);
    ck_assert (tw_fixture_running (fx->base, GW_TESTFX_GATEWAY));
    ck_assert (gw_testfx_info_says (fx, "\"tls\":true"));
}

//  [fyers] data_ca_file: a CA that did not sign the fake's certificate.
static void
s_other_ca (gw_testfx_t *fx)
{
    tw_fixture_set (fx->base, "TW_FYERS_DATA_CA_FILE", "%s/%s", tw_fixture_dir (fx->base),
                    TW_PKI_OTHER_CA);
}

START_TEST (test_https_other_ca_refused)
{
    gw_testfx_t fx;
    gw_testfx_setup_https (&fx, TW_PKI_SERVER_CERT, TW_PKI_SERVER_KEY, GW_TESTFX_WAIT_PING,
                           s_other_ca);
    s_refused_keeps_running (&fx,
                             "SSL certificate problem: unable to get local issuer certificate");
    gw_testfx_teardown (&fx);
}
END_TEST

//  No data_ca_file: the system's CAs, which do not know the test's CA.
static void
s_system_cas (gw_testfx_t *fx)
{
    tw_fixture_set (fx->base, "TW_FYERS_DATA_CA_FILE", "%s", "");
}

START_TEST (test_https_system_cas_refuse_a_private_ca)
{
    gw_testfx_t fx;
    gw_testfx_setup_https (&fx, TW_PKI_SERVER_CERT, TW_PKI_SERVER_KEY, GW_TESTFX_WAIT_PING,
                           s_system_cas);
    s_refused_keeps_running (&fx,
                             "SSL certificate problem: unable to get local issuer certificate");
    ck_assert (tw_file_contains (fx.log, "ca=system"));
    gw_testfx_teardown (&fx);
}
END_TEST

//  The right CA, a certificate for another host than the URL's 127.0.0.1.
START_TEST (test_https_wrong_host_refused)
{
    gw_testfx_t fx;
    gw_testfx_setup_https (&fx, TW_PKI_MISNAMED_CERT, TW_PKI_MISNAMED_KEY, GW_TESTFX_WAIT_PING,
                           NULL);
    s_refused_keeps_running (
        &fx, "no alternative certificate subject name matches target host name '127.0.0.1'");
    gw_testfx_teardown (&fx);
}
END_TEST

//  A data_ca_file that cannot be read: a configuration error at start.
static void
s_missing_ca (gw_testfx_t *fx)
{
    tw_fixture_set (fx->base, "TW_FYERS_DATA_CA_FILE", "%s/missing.pem", tw_fixture_dir (fx->base));
}

START_TEST (test_https_unreadable_ca_stops_the_start)
{
    gw_testfx_t fx;
    gw_testfx_setup_https (&fx, TW_PKI_SERVER_CERT, TW_PKI_SERVER_KEY, GW_TESTFX_WAIT_NONE,
                           s_missing_ca);
    ck_assert_int_eq (tw_fixture_stop (fx.base, GW_TESTFX_GATEWAY, 0, EXIT_WAIT_MS),
                      CONFIG_ERROR_EXIT);
    ck_assert (tw_file_line_has (fx.log, "[fyers] data_ca_file", "missing.pem' cannot be read"));
    ck_assert_int_eq (fake_fyers_count (fx.fake, NULL, NULL), 0);
    gw_testfx_teardown (&fx);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("gateway-https");
    TCase *tc = tcase_create ("https");
    tcase_set_timeout (tc, 60);
    tcase_add_test (tc, test_https_right_ca_trades);
    tcase_add_test (tc, test_https_other_ca_refused);
    tcase_add_test (tc, test_https_system_cas_refuse_a_private_ca);
    tcase_add_test (tc, test_https_wrong_host_refused);
    tcase_add_test (tc, test_https_unreadable_ca_stops_the_start);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
