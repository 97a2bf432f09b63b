//  Tests of nt_alerts against a fake HTTP server in the test (libmicrohttpd
//  on 127.0.0.1, a port picked by the kernel) that records every request
//  and answers 200, answers 500, or hangs until released: a burst is one
//  message to each endpoint (the Telegram path, chat_id and text; the
//  webhook's JSON array), the rate limit holds messages back, a hanging or
//  failing endpoint never blocks a push and is counted, the bot token is
//  never in a log line, and the text lines of the alert events.

#include <check.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <czmq.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nt_alerts.h"
#include "tw_clock.h"
#include "tw_log.h"

#define WAIT_MS 10000
#define POLL_MS 10
#define REQUESTS_MAX 64
#define BODY_MAX 65536
#define TOKEN "123456:SECRET-bot-token-xyz"
#define CHAT_ID "-1001234"
//  How long the tests look for a message that must not come.
#define QUIET_MS 500

//  ---------------------------------------------------------------------
//  The fake HTTP server.

typedef enum { FAKE_OK, FAKE_FAIL, FAKE_HANG } fake_mode_t;

typedef struct {
    char url[256];
    char *body;
} fake_request_t;

typedef struct {
    struct MHD_Daemon *daemon;
    int port;
    fake_mode_t mode;
    pthread_mutex_t lock;
    pthread_cond_t released_cond;
    bool released;
    fake_request_t requests[REQUESTS_MAX];
    size_t count;
} fake_t;

typedef struct {
    char *data;
    size_t len;
} fake_upload_t;

static enum MHD_Result
s_fake_handler (void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                const char *version, const char *upload_data, size_t *upload_data_size,
                void **con_cls)
{
    (void) method;
    (void) version;
    fake_t *fake = (fake_t *) cls;
    fake_upload_t *upload = (fake_upload_t *) *con_cls;
    if (!upload) {
        upload = (fake_upload_t *) calloc (1, sizeof *upload);
        upload->data = (char *) calloc (1, BODY_MAX);
        *con_cls = upload;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t take = *upload_data_size;
        if (upload->len + take >= BODY_MAX)
            take = BODY_MAX - 1 - upload->len;
        memcpy (upload->data + upload->len, upload_data, take);
        upload->len += take;
        *upload_data_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock (&fake->lock);
    if (fake->count < REQUESTS_MAX) {
        fake_request_t *request = &fake->requests[fake->count++];
        snprintf (request->url, sizeof request->url, "%s", url);
        request->body = strdup (upload->data);
    }
    fake_mode_t mode = fake->mode;
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    while (mode == FAKE_HANG && !fake->released && tw_clock_mono_ms () < deadline) {
        struct timespec until;
        clock_gettime (CLOCK_REALTIME, &until);
        until.tv_nsec += 20 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait (&fake->released_cond, &fake->lock, &until);
    }
    pthread_mutex_unlock (&fake->lock);
    const char *text = mode == FAKE_FAIL ? "{\"ok\":false}" : "{\"ok\":true}";
    struct MHD_Response *response =
        MHD_create_response_from_buffer (strlen (text), (void *) text, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result rc = MHD_queue_response (
        connection, mode == FAKE_FAIL ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_OK, response);
    MHD_destroy_response (response);
    return rc;
}

static void
s_fake_done (void *cls, struct MHD_Connection *connection, void **con_cls,
             enum MHD_RequestTerminationCode code)
{
    (void) cls;
    (void) connection;
    (void) code;
    fake_upload_t *upload = (fake_upload_t *) *con_cls;
    if (upload) {
        free (upload->data);
        free (upload);
    }
    *con_cls = NULL;
}

static void
s_fake_start (fake_t *fake, fake_mode_t mode)
{
    memset (fake, 0, sizeof *fake);
    fake->mode = mode;
    pthread_mutex_init (&fake->lock, NULL);
    pthread_cond_init (&fake->released_cond, NULL);
    struct sockaddr_in addr;
    memset (&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    fake->daemon =
        MHD_start_daemon (MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL,
                          NULL, s_fake_handler, fake, MHD_OPTION_SOCK_ADDR, &addr,
                          MHD_OPTION_NOTIFY_COMPLETED, s_fake_done, NULL, MHD_OPTION_END);
    ck_assert_ptr_nonnull (fake->daemon);
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info (fake->daemon, MHD_DAEMON_INFO_BIND_PORT);
    ck_assert_ptr_nonnull (info);
    fake->port = info->port;
}

static void
s_fake_release (fake_t *fake)
{
    pthread_mutex_lock (&fake->lock);
    fake->released = true;
    pthread_cond_broadcast (&fake->released_cond);
    pthread_mutex_unlock (&fake->lock);
}

static void
s_fake_stop (fake_t *fake)
{
    s_fake_release (fake);
    MHD_stop_daemon (fake->daemon);
    for (size_t i = 0; i < fake->count; i++)
        free (fake->requests[i].body);
    pthread_cond_destroy (&fake->released_cond);
    pthread_mutex_destroy (&fake->lock);
}

static size_t
s_fake_count (fake_t *fake)
{
    pthread_mutex_lock (&fake->lock);
    size_t count = fake->count;
    pthread_mutex_unlock (&fake->lock);
    return count;
}

//  The request whose URL starts with prefix, or NULL.
static const fake_request_t *
s_fake_find (fake_t *fake, const char *prefix)
{
    const fake_request_t *found = NULL;
    pthread_mutex_lock (&fake->lock);
    for (size_t i = 0; i < fake->count && !found; i++)
        if (strncmp (fake->requests[i].url, prefix, strlen (prefix)) == 0)
            found = &fake->requests[i];
    pthread_mutex_unlock (&fake->lock);
    return found;
}

//  ---------------------------------------------------------------------
//  Helpers.

static char s_base[64], s_hook[80];

static nt_alerts_config_t
s_config (fake_t *fake, bool telegram, bool webhook, int64_t batch_ms, int64_t per_minute,
          int64_t timeout_ms)
{
    snprintf (s_base, sizeof s_base, "http://127.0.0.1:%d/", fake->port);
    snprintf (s_hook, sizeof s_hook, "http://127.0.0.1:%d/hook", fake->port);
    nt_alerts_config_t config = {
        .telegram_base_url = s_base,
        .telegram_token = telegram ? TOKEN : "",
        .telegram_chat_id = telegram ? CHAT_ID : "",
        .webhook_url = webhook ? s_hook : "",
        .batch_ms = batch_ms,
        .max_per_minute = per_minute,
        .timeout_ms = timeout_ms,
    };
    return config;
}

static void
s_push (nt_alerts_t *alerts, int i)
{
    char line[64], json[96];
    snprintf (line, sizeof line, "closed NSE:S%d-EQ-INTRADAY P&L +%d.00", i, i);
    snprintf (json, sizeof json, "{\"type\":\"position_closed\",\"seq\":%d,\"pnl\":%d}", i, i);
    ck_assert_int_eq (nt_alerts_push (alerts, line, json), 0);
}

//  Waits until the counter named picks out of stats reaches value.
static nt_alerts_stats_t
s_wait_stats (nt_alerts_t *alerts, int64_t sent, int64_t failed)
{
    nt_alerts_stats_t stats;
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    do {
        nt_alerts_stats (alerts, &stats);
        if (stats.sent >= sent && stats.failed >= failed)
            return stats;
        zclock_sleep (POLL_MS);
    } while (tw_clock_mono_ms () < deadline);
    ck_abort_msg ("sent %lld (want %lld), failed %lld (want %lld)", (long long) stats.sent,
                  (long long) sent, (long long) stats.failed, (long long) failed);
    return stats;
}

//  ---------------------------------------------------------------------
//  Tests.

START_TEST (test_burst_is_one_message)
{
    fake_t fake;
    s_fake_start (&fake, FAKE_OK);
    nt_alerts_config_t config = s_config (&fake, true, true, 200, 20, 5000);
    nt_alerts_t *alerts = nt_alerts_new (&config);
    ck_assert_ptr_nonnull (alerts);
    for (int i = 1; i <= 5; i++)
        s_push (alerts, i);
    s_wait_stats (alerts, 2, 0);
    ck_assert_uint_eq (s_fake_count (&fake), 2);

    const fake_request_t *telegram = s_fake_find (&fake, "/bot");
    ck_assert_ptr_nonnull (telegram);
    ck_assert_str_eq (telegram->url, "/bot" TOKEN "/sendMessage");
    cJSON *doc = cJSON_Parse (telegram->body);
    ck_assert_ptr_nonnull (doc);
    ck_assert_str_eq (cJSON_GetObjectItem (doc, "chat_id")->valuestring, CHAT_ID);
    const char *text = cJSON_GetObjectItem (doc, "text")->valuestring;
    ck_assert_ptr_nonnull (strstr (text, "tradewire: 5 alerts\n"));
    ck_assert_ptr_nonnull (strstr (text, "closed NSE:S1-EQ-INTRADAY P&L +1.00\n"));
    ck_assert_ptr_nonnull (strstr (text, "closed NSE:S5-EQ-INTRADAY P&L +5.00"));
    cJSON_Delete (doc);

    const fake_request_t *hook = s_fake_find (&fake, "/hook");
    ck_assert_ptr_nonnull (hook);
    doc = cJSON_Parse (hook->body);
    ck_assert (cJSON_IsArray (doc));
    ck_assert_int_eq (cJSON_GetArraySize (doc), 5);
    cJSON *first = cJSON_GetArrayItem (doc, 0);
    ck_assert_str_eq (cJSON_GetObjectItem (first, "type")->valuestring, "position_closed");
    ck_assert_int_eq (cJSON_GetObjectItem (first, "seq")->valueint, 1);
    cJSON_Delete (doc);

    //  A later event is a message of its own.
    s_push (alerts, 6);
    s_wait_stats (alerts, 3, 0);
    nt_alerts_destroy (&alerts);
    ck_assert_ptr_null (alerts);
    s_fake_stop (&fake);
}
END_TEST

START_TEST (test_rate_limit)
{
    fake_t fake;
    s_fake_start (&fake, FAKE_OK);
    nt_alerts_config_t config = s_config (&fake, false, true, 0, 1, 5000);
    nt_alerts_t *alerts = nt_alerts_new (&config);
    s_push (alerts, 1);
    s_wait_stats (alerts, 1, 0);
    //  The bucket is empty for a minute: these wait, gathered.
    for (int i = 2; i <= 4; i++)
        s_push (alerts, i);
    int64_t until = tw_clock_mono_ms () + QUIET_MS;
    while (tw_clock_mono_ms () < until) {
        ck_assert_uint_eq (s_fake_count (&fake), 1);
        zclock_sleep (POLL_MS);
    }
    nt_alerts_destroy (&alerts);
    s_fake_stop (&fake);
}
END_TEST

START_TEST (test_hanging_endpoint)
{
    fake_t fake;
    s_fake_start (&fake, FAKE_HANG);
    nt_alerts_config_t config = s_config (&fake, false, true, 0, 1000, 300);
    nt_alerts_t *alerts = nt_alerts_new (&config);
    s_push (alerts, 0);
    //  Pushes never wait for the endpoint: far more events than a queue
    //  holds go in while its first message hangs; the excess is dropped
    //  and counted.
    int pushed = 0;
    for (int i = 1; i <= 3 * NT_ALERTS_QUEUE_MAX; i++) {
        char json[64];
        snprintf (json, sizeof json, "{\"type\":\"exit_failed\",\"seq\":%d}", i);
        pushed += nt_alerts_push (alerts, "EXIT FAILED", json) == 0;
    }
    ck_assert_int_gt (pushed, 0);
    nt_alerts_stats_t stats = s_wait_stats (alerts, 0, 1);
    ck_assert_int_eq (stats.sent, 0);
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    while (stats.dropped == 0 && tw_clock_mono_ms () < deadline) {
        zclock_sleep (POLL_MS);
        nt_alerts_stats (alerts, &stats);
    }
    ck_assert_int_gt (stats.dropped, 0);
    //  Stopping abandons what hangs.
    nt_alerts_destroy (&alerts);
    s_fake_stop (&fake);
}
END_TEST

START_TEST (test_failure_never_logs_the_token)
{
    char path[] = "/tmp/tw-nt-alerts-log-XXXXXX";
    int fd = mkstemp (path);
    ck_assert_int_ge (fd, 0);
    close (fd);
    ck_assert_ptr_nonnull (freopen (path, "w", stderr));
    fake_t fake;
    s_fake_start (&fake, FAKE_FAIL);
    nt_alerts_config_t config = s_config (&fake, true, false, 0, 20, 5000);
    nt_alerts_t *alerts = nt_alerts_new (&config);
    s_push (alerts, 1);
    s_wait_stats (alerts, 0, 1);
    nt_alerts_destroy (&alerts);
    s_fake_stop (&fake);
    fflush (stderr);
    FILE *file = fopen (path, "r");
    static char text[65536];
    size_t len = fread (text, 1, sizeof text - 1, file);
    text[len] = 0;
    fclose (file);
    unlink (path);
    ck_assert_msg (strstr (text, "alerts telegram failed http_status=500"), "log: %s", text);
    ck_assert_msg (!strstr (text, "SECRET"), "the token is in the log: %s", text);
}
END_TEST

START_TEST (test_lines_and_nothing_configured)
{
    nt_alerts_config_t none = {.telegram_base_url = "https://api.telegram.org",
                               .telegram_token = TOKEN,
                               .telegram_chat_id = "",
                               .webhook_url = "",
                               .max_per_minute = 1};
    ck_assert_ptr_null (nt_alerts_new (&none));
    ck_assert (nt_alerts_wanted (TW_MSG_EXIT_FAILED));
    ck_assert (nt_alerts_wanted (TW_MSG_POSITION_CLOSED));
    ck_assert (nt_alerts_wanted (TW_MSG_ORDER_REJECTED));
    ck_assert (!nt_alerts_wanted (TW_MSG_POSITION_OPENED));
    ck_assert (!nt_alerts_wanted (TW_MSG_HEARTBEAT));
    tw_msg_t msg;
    tw_msg_init (&msg, TW_MSG_EXIT_FAILED);
    strcpy (msg.u.event.pos.id, "NSE:SBIN-EQ-INTRADAY");
    strcpy (msg.u.event.reason, TW_REASON_SL_HIT);
    msg.u.event.attempts = 3;
    strcpy (msg.u.event.error, "HTTP 503");
    char line[256];
    nt_alerts_line (&msg, line, sizeof line);
    ck_assert_str_eq (line, "EXIT FAILED NSE:SBIN-EQ-INTRADAY (SL Hit) after 3 attempts: HTTP 503");
    tw_msg_init (&msg, TW_MSG_POSITION_CLOSED);
    strcpy (msg.u.event.pos.id, "NSE:SBIN-EQ-INTRADAY");
    msg.u.event.pos.side = TW_SIDE_SHORT;
    msg.u.event.pos.qty = 5;
    strcpy (msg.u.event.reason, TW_REASON_TP_HIT);
    msg.u.event.exit_price = 590.5;
    msg.u.event.pnl = 47.5;
    nt_alerts_line (&msg, line, sizeof line);
    ck_assert_str_eq (line, "closed NSE:SBIN-EQ-INTRADAY short 5 (TP Hit) exit 590.50 P&L +47.50");
    tw_msg_init (&msg, TW_MSG_ORDER_REJECTED);
    strcpy (msg.u.event.pos.symbol, "NSE:INFY-EQ");
    msg.u.event.pos.side = TW_SIDE_LONG;
    msg.u.event.pos.qty = 1;
    strcpy (msg.u.event.error, "no price yet");
    nt_alerts_line (&msg, line, sizeof line);
    ck_assert_str_eq (line, "order rejected NSE:INFY-EQ long 1: no price yet");
}
END_TEST

int
main (void)
{
    tw_log_init ("unit");
    if (curl_global_init (CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;
    Suite *suite = suite_create ("nt_alerts");
    TCase *tc = tcase_create ("core");
    tcase_add_test (tc, test_burst_is_one_message);
    tcase_add_test (tc, test_rate_limit);
    tcase_add_test (tc, test_hanging_endpoint);
    tcase_add_test (tc, test_failure_never_logs_the_token);
    tcase_add_test (tc, test_lines_and_nothing_configured);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    curl_global_cleanup ();
    return failed == 0 ? 0 : 1;
}
