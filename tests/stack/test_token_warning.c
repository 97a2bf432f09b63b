//  The broker token's end reaches the dashboard (issue 8): the real gateway
//  on the fake Fyers server (tests/fakes), its access token in the token
//  file, made here with an exp close at hand, and the real notifier with a
//  WebSocket client (tw_wsclient). The gateway publishes token_expiry when
//  the token is within [gateway] token_warn_min of its exp, again for
//  another token as close to its end, again when the exp has passed, and
//  ends the warning when a new token is in the file; the notifier turns
//  each into the warning frame token_expiry.

#include <check.h>
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_fyers_ctl.h"
#include "tw_clock.h"
#include "tw_events.h"
#include "tw_fixture.h"
#include "tw_proc.h"
#include "tw_token.h"
#include "tw_wsclient.h"

#define APP_ID "TESTAPP-100"
#define GATEWAY "order-gateway"
#define NOTIFIER "notifier"
#define NOTIFIER_TOKEN "dashboard-token-of-the-test"
#define WAIT_MS 10000
#define STOP_MS 3000
#define TOKEN_MAX 256
//  [gateway] token_warn_min of the test, and the first token's end: the
//  warning starts a few seconds into the test (its SUB is connected by
//  then).
#define WARN_MIN 1
#define EXP_IN_S (WARN_MIN * 60 + 3)
//  The second token's end: within the warning, and soon enough to pass
//  during the test.
#define SOON_EXP_IN_S 3
//  The third token's end: a day away.
#define NEW_EXP_IN_S 86400
#define NS_PER_S INT64_C (1000000000)

//  A JWT whose payload is {"exp":exp} (base64url, no padding), with a
//  signature part named after sig (never checked, never logged).
static void
s_jwt (int64_t exp, const char *sig, char *out, size_t size)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char payload[64], encoded[128];
    int len = snprintf (payload, sizeof payload, "{\"exp\":%lld}", (long long) exp);
    size_t n = 0;
    for (int i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t) (unsigned char) payload[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t) (unsigned char) payload[i + 1] << 8;
        if (i + 2 < len)
            v |= (uint32_t) (unsigned char) payload[i + 2];
        int chars = i + 2 < len ? 4 : i + 1 < len ? 3 : 2;
        for (int c = 0; c < chars; c++)
            encoded[n++] = alphabet[(v >> (18 - 6 * c)) & 0x3f];
    }
    encoded[n] = 0;
    snprintf (out, size, "eyJhbGciOiJIUzI1NiJ9.%s.%s", encoded, sig);
}

//  The next token_expiry warning frame client gets, skipping the others;
//  true when it is active, with its text in text.
static bool
s_warning (tw_wsclient_t *client, char *text, size_t size)
{
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS;;) {
        int64_t left = deadline - tw_clock_mono_ms ();
        ck_assert_msg (left > 0, "no token_expiry warning frame");
        char *frame = NULL;
        int rc = tw_wsclient_recv (client, (int) left, &frame, NULL);
        ck_assert_int_ge (rc, 0);
        if (rc == 0)
            continue;
        cJSON *doc = cJSON_Parse (frame);
        free (frame);
        cJSON *type = cJSON_GetObjectItemCaseSensitive (doc, "type");
        cJSON *name = cJSON_GetObjectItemCaseSensitive (doc, "name");
        if (cJSON_IsString (type) && strcmp (type->valuestring, "warning") == 0
            && cJSON_IsString (name) && strcmp (name->valuestring, "token_expiry") == 0) {
            bool active = cJSON_IsTrue (cJSON_GetObjectItemCaseSensitive (doc, "active"));
            snprintf (text, size, "%s",
                      cJSON_GetObjectItemCaseSensitive (doc, "text")->valuestring);
            cJSON_Delete (doc);
            return active;
        }
        cJSON_Delete (doc);
    }
}

START_TEST (test_token_expiry_event)
{
    tw_fixture_t *base = tw_fixture_new ("gwtoken");
    ck_assert_ptr_nonnull (base);
    int64_t exp = tw_clock_wall_ns () / NS_PER_S + EXP_IN_S;
    char token[TOKEN_MAX], err[256];
    s_jwt (exp, "first-secret-sig", token, sizeof token);
    //  The token as the broker decodes it.
    tw_token_claims_t claims;
    ck_assert_msg (tw_token_decode (token, &claims, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq (claims.exp, exp);
    fake_fyers_t *fake = fake_fyers_start (getenv ("FAKE_FYERS"), APP_ID, token);
    ck_assert_ptr_nonnull (fake);
    char path[512];
    snprintf (path, sizeof path, "%s/fyers.token", tw_fixture_dir (base));
    ck_assert_msg (tw_token_write (path, token, err, sizeof err) == 0, "%s", err);
    const char *rep = tw_fixture_endpoint (base, "TW_ENDPOINTS_GATEWAY_REP");
    const char *pub = tw_fixture_endpoint (base, "TW_ENDPOINTS_GATEWAY_PUB");
    const char *control = tw_fixture_endpoint (base, "TW_ENDPOINTS_NOTIFIER_CONTROL");
    int port = tw_fixture_listen (base, "TW_NOTIFIER_LISTEN");
    ck_assert (rep && pub && control && port > 0
               && tw_fixture_endpoint (base, "TW_ENDPOINTS_FEED_PUB"));
    tw_fixture_set (base, "TW_NOTIFIER_TOKEN", "%s", NOTIFIER_TOKEN);
    tw_fixture_set (base, "TW_GATEWAY_BROKER", "fyers");
    tw_fixture_set (base, "TW_SESSION_SQUARE_OFF", "off");
    tw_fixture_set (base, "TW_SESSION_ENFORCE_HOURS", "off");
    tw_fixture_set (base, "TW_GATEWAY_DB", "gateway.db");
    tw_fixture_set (base, "TW_GATEWAY_HEARTBEAT_MS", "100");
    tw_fixture_set (base, "TW_GATEWAY_TOKEN_WARN_MIN", "%d", WARN_MIN);
    //  Broker answers come often: each one says when the token ends.
    tw_fixture_set (base, "TW_GATEWAY_RECONCILE_INTERVAL_MS", "200");
    tw_fixture_set (base, "TW_FYERS_BASE_URL", "%s", fake_fyers_base_url (fake));
    tw_fixture_set (base, "TW_FYERS_ORDER_SOCKET_URL", "%s", "");
    tw_fixture_set (base, "TW_FYERS_REQUEST_TIMEOUT_MS", "500");
    tw_fixture_set (base, "TW_FYERS_TOKEN_FILE", "%s", path);
    tw_fixture_set (base, "FYERS_APP_ID", APP_ID);
    tw_fixture_set (base, "FYERS_ACCESS_TOKEN", "%s", "");
    tw_events_t *events = tw_events_new (pub);
    ck_assert_ptr_nonnull (events);
    ck_assert_int_eq (tw_fixture_start (base, GATEWAY, getenv ("GATEWAY"), NULL), 0);
    ck_assert (tw_events_wait_live (events, WAIT_MS));
    //  The notifier, in sync before the warning starts, and a client of it.
    ck_assert_int_eq (tw_fixture_start (base, NOTIFIER, getenv ("NOTIFIER"), NULL), 0);
    ck_assert_int_eq (
        tw_fixture_wait_pong (base, NOTIFIER, control, TW_MSG_PING, "synced", 1, WAIT_MS), 0);
    tw_wsclient_opts_t opts = {.path = "/ws", .bearer = NOTIFIER_TOKEN, .timeout_ms = WAIT_MS};
    int status = 0;
    tw_wsclient_t *client = tw_wsclient_connect (port, &opts, &status);
    ck_assert_ptr_nonnull (client);
    ck_assert_int_eq (status, 101);
    char text[512];

    //  Nothing to say while the token is far from its end.
    ck_assert_int_eq (tw_events_count (events, TW_MSG_TOKEN_EXPIRY, NULL), 0);
    //  Within token_warn_min of its end: the warning, not yet expired.
    tw_msg_t event;
    memset (&event, 0, sizeof event);
    ck_assert (tw_events_wait (events, TW_MSG_TOKEN_EXPIRY, NULL, WAIT_MS, &event));
    ck_assert (event.u.event.active);
    ck_assert (!event.u.event.expired);
    ck_assert_int_eq (event.u.event.expires_at, exp * NS_PER_S);
    uint64_t seq = event.u.event.seq;
    ck_assert_uint_gt (seq, 0);
    ck_assert (s_warning (client, text, sizeof text));
    ck_assert_msg (strstr (text, "expires at") && strstr (text, "tradectl login"), "%s", text);
    //  Another token, about to end (the broker refuses it, as Fyers would
    //  refuse one it did not issue: its answers still say when it ends).
    int64_t soon = tw_clock_wall_ns () / NS_PER_S + SOON_EXP_IN_S;
    s_jwt (soon, "second-secret-sig", token, sizeof token);
    ck_assert_msg (tw_token_write (path, token, err, sizeof err) == 0, "%s", err);
    ck_assert (tw_events_wait (events, TW_MSG_TOKEN_EXPIRY, NULL, WAIT_MS, &event));
    ck_assert (event.u.event.active && !event.u.event.expired);
    ck_assert_int_eq (event.u.event.expires_at, soon * NS_PER_S);
    ck_assert_uint_eq (event.u.event.seq, seq + 1); //  each takes a seq
    //  Its end passes: said again, expired (opens are refused from now on).
    ck_assert (tw_events_wait (events, TW_MSG_TOKEN_EXPIRY, NULL, WAIT_MS, &event));
    ck_assert (event.u.event.active && event.u.event.expired);
    ck_assert_int_eq (event.u.event.expires_at, soon * NS_PER_S);
    ck_assert (s_warning (client, text, sizeof text)); //  the second token's
    ck_assert (s_warning (client, text, sizeof text));
    ck_assert_msg (strstr (text, "expired at") && strstr (text, "opens are refused"), "%s", text);
    //  A new token in the file: the warning ends.
    int64_t new_exp = tw_clock_wall_ns () / NS_PER_S + NEW_EXP_IN_S;
    s_jwt (new_exp, "third-secret-sig", token, sizeof token);
    ck_assert_msg (tw_token_write (path, token, err, sizeof err) == 0, "%s", err);
    ck_assert (tw_events_wait (events, TW_MSG_TOKEN_EXPIRY, NULL, WAIT_MS, &event));
    ck_assert (!event.u.event.active && !event.u.event.expired);
    ck_assert_int_eq (event.u.event.expires_at, new_exp * NS_PER_S);
    ck_assert (!s_warning (client, text, sizeof text));
    ck_assert_msg (strstr (text, "a new broker access token"), "%s", text);
    //  Once each: no repeat while nothing changes.
    ck_assert (tw_events_wait (events, TW_MSG_HEARTBEAT, NULL, WAIT_MS, &event));
    ck_assert (tw_events_wait (events, TW_MSG_HEARTBEAT, NULL, WAIT_MS, &event));
    ck_assert_int_eq (tw_events_count (events, TW_MSG_TOKEN_EXPIRY, NULL), 4);
    const char *log = tw_fixture_log (base, GATEWAY);
    ck_assert (tw_file_contains (log, "token_expiry expires_at="));
    ck_assert (!tw_file_contains (log, "secret-sig"));

    tw_wsclient_destroy (&client);
    ck_assert_int_eq (tw_fixture_stop (base, NOTIFIER, SIGTERM, STOP_MS), 0);
    ck_assert (!tw_file_contains (tw_fixture_log (base, NOTIFIER), "secret-sig"));
    ck_assert_int_eq (tw_fixture_stop (base, GATEWAY, SIGTERM, STOP_MS), 0);
    tw_events_destroy (&events);
    fake_fyers_stop (&fake);
    tw_fixture_destroy (&base);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("token_warning");
    TCase *tc = tcase_create ("stack");
    tcase_set_timeout (tc, 60);
    tcase_add_test (tc, test_token_expiry_event);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
