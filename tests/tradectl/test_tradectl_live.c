//  tradectl positions against the real order-gateway (paper broker) as a
//  process, on loopback ports picked at run time: the test plays the market
//  feed (a PUB at feed_pub), opens a long and a short through the gateway,
//  moves their prices with ticks and reads them back with the real tradectl
//  binary ($TRADECTL): each position carries the gateway's last price
//  (ltp), its unrealised P&L and the age of that price; after a restart the
//  gateway has seen no tick yet, and tradectl says so ("-", and -1 in
//  --json). Every wait is bounded.

#include <check.h>
#include <cjson/cJSON.h>
#include <czmq.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_client.h"
#include "tw_clock.h"
#include "tw_cmd.h"
#include "tw_events.h"
#include "tw_fixture.h"
#include "tw_proc.h"
#include "tw_sock.h"

#define GATEWAY "order-gateway"
#define WAIT_MS 10000
#define EVENT_MS 2000
#define STOP_MS 3000
#define POLL_MS 20
#define RUN_TIMEOUT_MS 10000
#define CLIENT_TIMEOUT_MS 2000
#define ENV_LINE_MAX 256

#define LONG_SYMBOL "NSE:SBIN-EQ"
#define LONG_ID "NSE:SBIN-EQ-INTRADAY"
#define LONG_QTY 10
#define LONG_ENTRY 600.0
#define SHORT_SYMBOL "NSE:INFY-EQ"
#define SHORT_ID "NSE:INFY-EQ-INTRADAY"
#define SHORT_QTY 4
#define SHORT_ENTRY 1500.0
//  The prices the test moves them to: long +2.55 × 10, short −(−10.05) × 4.
#define LONG_LTP 602.55
#define SHORT_LTP 1489.95
#define LONG_PNL 25.5
#define SHORT_PNL 40.2

typedef struct {
    tw_fixture_t *base;
    const char *rep;
    zsock_t *feed;
    tw_client_t *client;
    tw_events_t *events;
} fixture_t;

static fixture_t fx;

static void
s_setup (void)
{
    memset (&fx, 0, sizeof fx);
    fx.base = tw_fixture_new ("tradectl-live");
    ck_assert_ptr_nonnull (fx.base);
    const char *feed = tw_fixture_endpoint (fx.base, "TW_ENDPOINTS_FEED_PUB");
    fx.rep = tw_fixture_endpoint (fx.base, "TW_ENDPOINTS_GATEWAY_REP");
    const char *pub = tw_fixture_endpoint (fx.base, "TW_ENDPOINTS_GATEWAY_PUB");
    ck_assert (feed && fx.rep && pub);
    tw_fixture_set (fx.base, "TW_GATEWAY_BROKER", "paper");
    tw_fixture_set (fx.base, "TW_GATEWAY_DB", "gateway.db");
    tw_fixture_set (fx.base, "TW_GATEWAY_PAPER_DB", "paper.db");
    fx.feed = tw_sock_pub_new (feed);
    ck_assert_ptr_nonnull (fx.feed);
    ck_assert_int_eq (tw_fixture_start (fx.base, GATEWAY, getenv ("GATEWAY"), NULL), 0);
    ck_assert_int_eq (
        tw_fixture_wait_pong (fx.base, GATEWAY, fx.rep, TW_MSG_STATUS, "reconciled", 1, WAIT_MS),
        0);
    fx.client = tw_client_new (fx.rep, CLIENT_TIMEOUT_MS, 3);
    ck_assert_ptr_nonnull (fx.client);
    fx.events = tw_events_new (pub);
    ck_assert_ptr_nonnull (fx.events);
    ck_assert (tw_events_wait_live (fx.events, WAIT_MS));
}

static void
s_teardown (void)
{
    tw_events_destroy (&fx.events);
    tw_client_destroy (&fx.client);
    zsock_destroy (&fx.feed);
    if (tw_fixture_running (fx.base, GATEWAY))
        ck_assert_int_eq (tw_fixture_stop (fx.base, GATEWAY, SIGTERM, STOP_MS), 0);
    tw_fixture_destroy (&fx.base);
}

//  Opens qty of symbol on side at price: the paper broker fills at the last
//  tick it saw, so ticks go out until the open fills (an open before the
//  broker's SUB has its first tick is refused, and asked again).
static void
s_open (const char *symbol, tw_side_t side, int64_t qty, double price)
{
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS; tw_clock_mono_ms () < deadline;) {
        ck_assert_int_eq (tw_cmd_tick (fx.feed, symbol, price), 0);
        zclock_sleep (POLL_MS); //  let the tick arrive before the open
        tw_msg_t request, reply;
        tw_cmd_open (&request, symbol, side, qty, 0, 0, WAIT_MS);
        ck_assert_int_eq (tw_cmd_request (fx.client, &request, &reply), 0);
        ck_assert_int_eq (reply.u.ack.status, TW_ACK_ACCEPTED);
        tw_msg_reset (&reply);
        //  Filled (position_opened) or refused (order_rejected).
        for (int64_t until = tw_clock_mono_ms () + EVENT_MS; tw_clock_mono_ms () < until;) {
            tw_msg_t event;
            if (!tw_events_wait (fx.events, TW_MSG_INVALID, NULL, EVENT_MS, &event))
                break;
            bool opened = event.type == TW_MSG_POSITION_OPENED
                          && strcmp (event.u.event.pos.symbol, symbol) == 0;
            bool refused = event.type == TW_MSG_ORDER_REJECTED;
            tw_msg_reset (&event);
            if (opened)
                return;
            if (refused)
                break;
        }
    }
    ck_abort_msg ("%s was not opened", symbol);
}

//  Runs tradectl with args (NULL-terminated) against the gateway.
static void
s_tradectl (tw_proc_output_t *run, const char *const *args)
{
    const char *tradectl = getenv ("TRADECTL");
    ck_assert_msg (tradectl != NULL, "TRADECTL is not set");
    const char *argv[8] = {tradectl};
    int argc = 1;
    for (int i = 0; args[i] && argc < 7; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    char endpoint[ENV_LINE_MAX];
    snprintf (endpoint, sizeof endpoint, "TW_ENDPOINTS_GATEWAY_REP=%s", fx.rep);
    const char *env[] = {endpoint, NULL};
    ck_assert_msg (tw_proc_run (tradectl, argv, env, NULL, RUN_TIMEOUT_MS, run) == 0,
                   "tradectl did not finish within %d ms", RUN_TIMEOUT_MS);
    ck_assert_msg (run->exit_code == 0, "tradectl %s: exit %d: %s", args[0], run->exit_code,
                   run->err);
}

static double
s_num (const cJSON *object, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, name);
    ck_assert_msg (cJSON_IsNumber (item), "no number '%s'", name);
    return item->valuedouble;
}

//  The position id of `tradectl positions --json` (root), or NULL.
static const cJSON *
s_position (const cJSON *root, const char *id)
{
    const cJSON *positions = cJSON_GetObjectItemCaseSensitive (root, "positions");
    ck_assert (cJSON_IsArray (positions));
    const cJSON *item;
    cJSON_ArrayForEach (item, positions) {
        const cJSON *value = cJSON_GetObjectItemCaseSensitive (item, "id");
        if (cJSON_IsString (value) && strcmp (value->valuestring, id) == 0)
            return item;
    }
    return NULL;
}

//  Ticks both symbols at their new prices until `tradectl positions --json`
//  shows both (bounded); returns that document.
static cJSON *
s_positions_at_new_prices (void)
{
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS; tw_clock_mono_ms () < deadline;) {
        ck_assert_int_eq (tw_cmd_tick (fx.feed, LONG_SYMBOL, LONG_LTP), 0);
        ck_assert_int_eq (tw_cmd_tick (fx.feed, SHORT_SYMBOL, SHORT_LTP), 0);
        tw_proc_output_t run;
        s_tradectl (&run, (const char *[]){"positions", "--json", NULL});
        cJSON *root = cJSON_Parse (run.out);
        ck_assert_msg (root != NULL, "not JSON: %s", run.out);
        const cJSON *a = s_position (root, LONG_ID);
        const cJSON *b = s_position (root, SHORT_ID);
        ck_assert (a && b);
        if (s_num (a, "ltp") == LONG_LTP && s_num (b, "ltp") == SHORT_LTP)
            return root;
        cJSON_Delete (root);
        zclock_sleep (POLL_MS);
    }
    ck_abort_msg ("tradectl positions never showed the new prices");
    return NULL;
}

START_TEST (test_positions_carry_marks)
{
    s_open (LONG_SYMBOL, TW_SIDE_LONG, LONG_QTY, LONG_ENTRY);
    s_open (SHORT_SYMBOL, TW_SIDE_SHORT, SHORT_QTY, SHORT_ENTRY);

    //  --json: ltp, side × (ltp − entry) × qty to the paisa, and the age.
    cJSON *root = s_positions_at_new_prices ();
    const cJSON *a = s_position (root, LONG_ID);
    ck_assert (s_num (a, "entry_price") == LONG_ENTRY);
    ck_assert (s_num (a, "unrealized_pnl") == LONG_PNL);
    ck_assert (s_num (a, "ltp_age_ms") >= 0);
    const cJSON *b = s_position (root, SHORT_ID);
    ck_assert (s_num (b, "entry_price") == SHORT_ENTRY);
    ck_assert (s_num (b, "unrealized_pnl") == SHORT_PNL);
    ck_assert (s_num (b, "ltp_age_ms") >= 0);
    cJSON_Delete (root);

    //  Text: the same three columns.
    tw_proc_output_t run;
    s_tradectl (&run, (const char *[]){"positions", NULL});
    const char *row = strstr (run.out, SHORT_ID);
    ck_assert_ptr_nonnull (row);
    char ltp[16], pnl[16];
    long long age = -1;
    ck_assert_int_eq (sscanf (row, "%*s %*s %*s %*s %15s %15s %lld", ltp, pnl, &age), 3);
    ck_assert_str_eq (ltp, "1489.95");
    ck_assert_str_eq (pnl, "40.20");
    ck_assert_int_ge (age, 0);

    //  A restarted gateway has seen no tick yet: the positions are there,
    //  their prices are not.
    ck_assert_int_eq (tw_fixture_stop (fx.base, GATEWAY, SIGTERM, STOP_MS), 0);
    ck_assert_int_eq (tw_fixture_start (fx.base, GATEWAY, getenv ("GATEWAY"), NULL), 0);
    ck_assert_int_eq (
        tw_fixture_wait_pong (fx.base, GATEWAY, fx.rep, TW_MSG_STATUS, "reconciled", 1, WAIT_MS),
        0);
    s_tradectl (&run, (const char *[]){"positions", "--json", NULL});
    root = cJSON_Parse (run.out);
    ck_assert_msg (root != NULL, "not JSON: %s", run.out);
    a = s_position (root, LONG_ID);
    ck_assert_ptr_nonnull (a);
    ck_assert (s_num (a, "ltp") == 0);
    ck_assert (s_num (a, "unrealized_pnl") == 0);
    ck_assert (s_num (a, "ltp_age_ms") == -1);
    cJSON_Delete (root);
    s_tradectl (&run, (const char *[]){"positions", NULL});
    row = strstr (run.out, LONG_ID);
    ck_assert_ptr_nonnull (row);
    ck_assert_int_eq (sscanf (row, "%*s %*s %*s %*s %15s %15s", ltp, pnl), 2);
    ck_assert_str_eq (ltp, "-");
    ck_assert_str_eq (pnl, "-");
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("tradectl_live");
    TCase *tc = tcase_create ("gateway");
    tcase_set_timeout (tc, 60);
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, test_positions_carry_marks);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
