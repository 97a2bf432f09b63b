//  gw_testfx - see gw_testfx.h.

#include "gw_testfx.h"
#include "tw_cmd.h"
#include "tw_pki.h"
#include "tw_proc.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define S_STOP_MS 3000
#define S_CLIENT_TIMEOUT_MS 2000
#define S_TTL_MS 10000
#define S_ORDER_WORKING 6
#define S_PATH_MAX 512
//  How many of s_start_fake's args are the order socket's.
#define S_SOCKET_FLAGS 4

static void
s_wait_ready (gw_testfx_t *fx)
{
    ck_assert_int_eq (tw_fixture_wait_pong (fx->base, GW_TESTFX_GATEWAY, fx->rep, TW_MSG_STATUS,
                                            "reconciled", 1, GW_TESTFX_WAIT_MS),
                      0);
}

//  Starts the fake, its order socket on TLS with cert and key of a tw_pki
//  when cert is not NULL, and its REST too when https.
static void
s_start_fake (gw_testfx_t *fx, const char *cert, const char *key, bool https)
{
    const char *dir = tw_fixture_dir (fx->base);
    char cert_path[S_PATH_MAX], key_path[S_PATH_MAX], ca_path[S_PATH_MAX];
    //  The order socket's flags, then REST's (cut off without https).
    const char *args[] = {"--ws-tls-cert", cert_path, "--ws-tls-key", key_path, //
                          "--tls-cert",    cert_path, "--tls-key",    key_path, NULL};
    if (cert) {
        ck_assert_int_eq (tw_pki_make (dir), 0);
        snprintf (cert_path, sizeof cert_path, "%s/%s", dir, cert);
        snprintf (key_path, sizeof key_path, "%s/%s", dir, key);
        snprintf (ca_path, sizeof ca_path, "%s/%s", dir, TW_PKI_CA);
    }
    if (!https)
        args[S_SOCKET_FLAGS] = NULL;
    fx->fake = fake_fyers_start_args (getenv ("FAKE_FYERS"), GW_TESTFX_APP_ID, GW_TESTFX_TOKEN,
                                      cert ? args : NULL);
    ck_assert_ptr_nonnull (fx->fake);
    if (https)
        ck_assert_int_eq (fake_fyers_set_ca_file (fx->fake, ca_path), 0);
    //  The test talks to a fake with a certificate for another host by that
    //  host's name; the gateway gets the 127.0.0.1 URLs.
    if (https && strcmp (cert, TW_PKI_MISNAMED_CERT) == 0)
        ck_assert_int_eq (fake_fyers_set_tls_host (fx->fake, TW_PKI_MISNAMED_HOST), 0);
    if (cert)
        tw_fixture_set (fx->base, "TW_FYERS_DATA_CA_FILE", "%s", ca_path);
}

static void
s_setup (gw_testfx_t *fx, const char *cert, const char *key, bool https, gw_testfx_wait_t wait,
         void (*before_start) (gw_testfx_t *))
{
    memset (fx, 0, sizeof *fx);
    fx->base = tw_fixture_new ("gwt");
    ck_assert_ptr_nonnull (fx->base);
    fx->log = tw_fixture_log (fx->base, GW_TESTFX_GATEWAY);
    s_start_fake (fx, cert, key, https);
    fx->rep = tw_fixture_endpoint (fx->base, "TW_ENDPOINTS_GATEWAY_REP");
    const char *pub = tw_fixture_endpoint (fx->base, "TW_ENDPOINTS_GATEWAY_PUB");
    ck_assert (fx->rep && pub);
    tw_fixture_set (fx->base, "TW_GATEWAY_BROKER", "fyers");
    //  The real clock: no market hours, no square-off (test_gw_eod has them).
    tw_fixture_set (fx->base, "TW_SESSION_SQUARE_OFF", "off");
    tw_fixture_set (fx->base, "TW_SESSION_ENFORCE_HOURS", "off");
    tw_fixture_set (fx->base, "TW_GATEWAY_DB", "gateway.db");
    tw_fixture_set (fx->base, "TW_GATEWAY_HEARTBEAT_MS", "100");
    tw_fixture_set (fx->base, "TW_GATEWAY_EXIT_BACKOFF_MS", "50");
    tw_fixture_set (fx->base, "TW_GATEWAY_EXIT_CONFIRM_INTERVAL_MS", "50");
    tw_fixture_set (fx->base, "TW_GATEWAY_OPEN_BACKOFF_MS", "50");
    tw_fixture_set (fx->base, "TW_GATEWAY_OPEN_LOOKUP_INTERVAL_MS", "50");
    tw_fixture_set (fx->base, "TW_FYERS_BASE_URL", "%s", fake_fyers_base_url (fx->fake));
    tw_fixture_set (fx->base, "TW_FYERS_ORDER_SOCKET_URL", "%s", fake_fyers_ws_url (fx->fake));
    tw_fixture_set (fx->base, "TW_FYERS_REQUEST_TIMEOUT_MS", "500");
    tw_fixture_set (fx->base, "FYERS_APP_ID", GW_TESTFX_APP_ID);
    tw_fixture_set (fx->base, "FYERS_ACCESS_TOKEN", GW_TESTFX_TOKEN);
    if (before_start)
        before_start (fx);
    ck_assert_int_eq (tw_fixture_start (fx->base, GW_TESTFX_GATEWAY, getenv ("GATEWAY"), NULL), 0);
    fx->client = tw_client_new (fx->rep, S_CLIENT_TIMEOUT_MS, 3);
    ck_assert_ptr_nonnull (fx->client);
    fx->events = tw_events_new (pub);
    ck_assert_ptr_nonnull (fx->events);
    if (wait == GW_TESTFX_WAIT_NONE)
        return;
    if (wait == GW_TESTFX_WAIT_RECONCILED)
        s_wait_ready (fx);
    else
        ck_assert_int_eq (tw_fixture_wait_pong (fx->base, GW_TESTFX_GATEWAY, fx->rep, TW_MSG_PING,
                                                NULL, 0, GW_TESTFX_WAIT_MS),
                          0);
    ck_assert (tw_events_wait_live (fx->events, GW_TESTFX_WAIT_MS));
}

void
gw_testfx_setup (gw_testfx_t *fx, void (*before_start) (gw_testfx_t *))
{
    s_setup (fx, NULL, NULL, false, GW_TESTFX_WAIT_RECONCILED, before_start);
}

void
gw_testfx_setup_tls (gw_testfx_t *fx, const char *cert, const char *key,
                     void (*before_start) (gw_testfx_t *))
{
    ck_assert (cert && key);
    s_setup (fx, cert, key, false, GW_TESTFX_WAIT_RECONCILED, before_start);
}

void
gw_testfx_setup_https (gw_testfx_t *fx, const char *cert, const char *key, gw_testfx_wait_t wait,
                       void (*before_start) (gw_testfx_t *))
{
    ck_assert (cert && key);
    s_setup (fx, cert, key, true, wait, before_start);
}

void
gw_testfx_teardown (gw_testfx_t *fx)
{
    tw_client_destroy (&fx->client);
    tw_events_destroy (&fx->events);
    if (tw_fixture_running (fx->base, GW_TESTFX_GATEWAY))
        ck_assert_int_eq (tw_fixture_stop (fx->base, GW_TESTFX_GATEWAY, SIGTERM, S_STOP_MS), 0);
    ck_assert (!tw_file_contains (fx->log, GW_TESTFX_TOKEN));
    fake_fyers_stop (&fx->fake);
    tw_fixture_destroy (&fx->base);
}

void
gw_testfx_restart (gw_testfx_t *fx)
{
    ck_assert_int_eq (tw_fixture_start (fx->base, GW_TESTFX_GATEWAY, getenv ("GATEWAY"), NULL), 0);
    s_wait_ready (fx);
}

tw_ack_status_t
gw_testfx_open (gw_testfx_t *fx, const char *symbol, tw_side_t side, int64_t qty, double sl,
                double tp)
{
    tw_msg_t request, reply;
    tw_cmd_open (&request, symbol, side, qty, sl, tp, S_TTL_MS);
    ck_assert_int_eq (tw_cmd_request (fx->client, &request, &reply), 0);
    ck_assert_int_eq (reply.type, TW_MSG_ACK);
    return reply.u.ack.status;
}

tw_ack_status_t
gw_testfx_close (gw_testfx_t *fx, const char *id, const char *reason)
{
    tw_msg_t request, reply;
    tw_cmd_close (&request, id, reason, NULL, S_TTL_MS);
    ck_assert_int_eq (tw_cmd_request (fx->client, &request, &reply), 0);
    ck_assert_int_eq (reply.type, TW_MSG_ACK);
    return reply.u.ack.status;
}

bool
gw_testfx_wait_event (gw_testfx_t *fx, tw_msg_type_t type, const char *id, tw_msg_t *event)
{
    return tw_events_wait (fx->events, type, id, GW_TESTFX_WAIT_MS, event);
}

size_t
gw_testfx_snapshot (gw_testfx_t *fx, tw_position_t *first)
{
    tw_msg_t request, reply;
    tw_msg_init (&request, TW_MSG_SNAPSHOT);
    ck_assert_int_eq (tw_cmd_request (fx->client, &request, &reply), 0);
    ck_assert_int_eq (reply.type, TW_MSG_SNAPSHOT_REPLY);
    size_t count = reply.u.snapshot.count;
    if (count && first)
        *first = reply.u.snapshot.positions[0];
    tw_msg_reset (&reply);
    return count;
}

long
gw_testfx_broker_qty (gw_testfx_t *fx, const char *id)
{
    char *text = fake_fyers_positions (fx->fake);
    ck_assert_ptr_nonnull (text);
    cJSON *root = cJSON_Parse (text);
    free (text);
    ck_assert_ptr_nonnull (root);
    long qty = 0;
    const cJSON *entry;
    cJSON_ArrayForEach (entry, cJSON_GetObjectItem (root, "netPositions")) {
        const char *entry_id = cJSON_GetStringValue (cJSON_GetObjectItem (entry, "id"));
        if (entry_id && strcmp (entry_id, id) == 0)
            qty = (long) cJSON_GetNumberValue (cJSON_GetObjectItem (entry, "netQty"));
    }
    cJSON_Delete (root);
    return qty;
}

int
gw_testfx_working_orders (gw_testfx_t *fx)
{
    char *text = fake_fyers_orders (fx->fake);
    ck_assert_ptr_nonnull (text);
    cJSON *root = cJSON_Parse (text);
    free (text);
    ck_assert_ptr_nonnull (root);
    int count = 0;
    const cJSON *entry;
    cJSON_ArrayForEach (entry, cJSON_GetObjectItem (root, "orderBook")) {
        if (cJSON_GetNumberValue (cJSON_GetObjectItem (entry, "status")) == S_ORDER_WORKING)
            count++;
    }
    cJSON_Delete (root);
    return count;
}

bool
gw_testfx_info_says (gw_testfx_t *fx, const char *text)
{
    long status = 0;
    char *info = fake_fyers_http (fx->fake, "GET", "/_fake/info", NULL, NULL, &status);
    ck_assert_int_eq (status, 200);
    ck_assert_ptr_nonnull (info);
    bool says = strstr (info, text) != NULL;
    free (info);
    return says;
}
