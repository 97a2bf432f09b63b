//  tw_stack - the whole stack as real processes for system tests (see the
//  header). The WebSocket tally keeps one row per event (type, id, reason,
//  epoch, seq): a notifier sends a client that connects the recent events
//  again after its snapshot, and a row already seen is not counted twice.

#include <cjson/cJSON.h>
#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_client.h"
#include "tw_clock.h"
#include "tw_cmd.h"
#include "tw_stack.h"
#include "tw_wsclient.h"

const char *const tw_stack_services[TW_STACK_SERVICES] = {
    "market-feed", "signal-engine", "risk-monitor", "order-gateway", "notifier"};

#define APP_ID "APPID-100"
//  A JWT (the gateway reads its exp): exp 2100-01-01.
//  How often tw_stack_open asks again while the gateway refuses the open.
#define OPEN_RETRY_MS 50
#define BROKER_TOKEN "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.stack-access-token"
#define WS_TOKEN "0123456789abcdef0123456789abcdef"
#define STOP_MS 3000
#define POLL_MS 50
#define FRAME_MS 2000
#define MODEL_TIMEOUT_MS 8000
#define TALLY_MAX 4096
#define IDS_MAX 256

typedef struct {
    char type[24];
    char id[TW_ID_MAX];
    char reason[TW_REASON_MAX];
    char epoch[24];
    double seq;
} s_row_t;

struct _tw_stack_t {
    tw_fixture_t *base;
    fake_fyers_t *fake;
    bool keep;
    int ws_port;
    tw_wsclient_t *ws;
    s_row_t *rows;
    int row_count;
    const char *endpoint[TW_STACK_SERVICES]; //  where each answers ping
    const char *signal_in;
    const char *gateway_rep;
};

static const char *s_binary_env[TW_STACK_SERVICES] = {"MARKET_FEED", "SIGNAL_ENGINE",
                                                      "RISK_MONITOR", "GATEWAY", "NOTIFIER"};

static int
s_index (const char *name)
{
    for (int i = 0; i < TW_STACK_SERVICES; i++)
        if (streq (tw_stack_services[i], name))
            return i;
    return -1;
}

tw_stack_t *
tw_stack_new (const char *label, const char *ticks_csv, const char *const *symbols, double price)
{
    tw_stack_t *self = (tw_stack_t *) calloc (1, sizeof (tw_stack_t));
    if (!self)
        return NULL;
    self->rows = (s_row_t *) calloc (TALLY_MAX, sizeof (s_row_t));
    self->base = tw_fixture_new (label);
    self->fake = self->base && getenv ("FAKE_FYERS")
                     ? fake_fyers_start (getenv ("FAKE_FYERS"), APP_ID, BROKER_TOKEN)
                     : NULL;
    if (!self->rows || !self->fake) {
        fprintf (stderr, "tw_stack: cannot make the directory or start the fake\n");
        tw_stack_destroy (&self);
        return NULL;
    }
    for (int i = 0; symbols && symbols[i]; i++)
        fake_fyers_set_price (self->fake, symbols[i], price);
    char path[512];
    snprintf (path, sizeof path, "%s/ticks.csv", tw_fixture_dir (self->base));
    FILE *file = fopen (path, "w");
    if (!file || fputs (ticks_csv, file) < 0) {
        if (file)
            fclose (file);
        tw_stack_destroy (&self);
        return NULL;
    }
    fclose (file);

    tw_fixture_t *b = self->base;
    const char *feed_pub = tw_fixture_endpoint (b, "TW_ENDPOINTS_FEED_PUB");
    const char *gateway_pub = tw_fixture_endpoint (b, "TW_ENDPOINTS_GATEWAY_PUB");
    self->gateway_rep = tw_fixture_endpoint (b, "TW_ENDPOINTS_GATEWAY_REP");
    self->signal_in = tw_fixture_endpoint (b, "TW_ENDPOINTS_SIGNAL_IN");
    self->endpoint[0] = tw_fixture_endpoint (b, "TW_ENDPOINTS_FEED_CONTROL");
    self->endpoint[1] = tw_fixture_endpoint (b, "TW_ENDPOINTS_SIGNAL_CONTROL");
    self->endpoint[2] = tw_fixture_endpoint (b, "TW_ENDPOINTS_RISK_CONTROL");
    self->endpoint[3] = self->gateway_rep;
    self->endpoint[4] = tw_fixture_endpoint (b, "TW_ENDPOINTS_NOTIFIER_CONTROL");
    self->ws_port = tw_fixture_listen (b, "TW_NOTIFIER_LISTEN");
    bool ok = feed_pub && gateway_pub && self->signal_in && self->ws_port > 0;
    for (int i = 0; i < TW_STACK_SERVICES; i++)
        ok = ok && self->endpoint[i];
    if (!ok) {
        tw_stack_destroy (&self);
        return NULL;
    }
    tw_fixture_set (b, "TW_FEED_SOURCE", "replay");
    tw_fixture_set (b, "TW_FEED_REPLAY_FILE", "ticks.csv");
    tw_fixture_set (b, "TW_FEED_REPLAY_SPEED", "1.0");
    tw_fixture_set (b, "TW_FEED_REPLAY_LOOP", "true");
    tw_fixture_set (b, "TW_SIGNAL_STRATEGY", "none");
    tw_fixture_set (b, "TW_SIGNAL_ALLOW_SIMULATED_FEED", "true");
    tw_fixture_set (b, "TW_RISK_ALLOW_SIMULATED_FEED", "true");
    tw_fixture_set (b, "TW_RISK_COMMAND_TIMEOUT_MS", "2000");
    tw_fixture_set (b, "TW_GATEWAY_BROKER", "fyers");
    //  The real clock: no market hours, no square-off (test_gw_eod has them).
    tw_fixture_set (b, "TW_SESSION_SQUARE_OFF", "off");
    tw_fixture_set (b, "TW_SESSION_ENFORCE_HOURS", "off");
    tw_fixture_set (b, "TW_GATEWAY_DB", "gateway.db");
    tw_fixture_set (b, "TW_GATEWAY_HEARTBEAT_MS", "100");
    tw_fixture_set (b, "TW_GATEWAY_EXIT_BACKOFF_MS", "50");
    tw_fixture_set (b, "TW_GATEWAY_EXIT_CONFIRM_INTERVAL_MS", "50");
    tw_fixture_set (b, "TW_FYERS_BASE_URL", "%s", fake_fyers_base_url (self->fake));
    tw_fixture_set (b, "TW_FYERS_ORDER_SOCKET_URL", "%s", "");
    tw_fixture_set (b, "TW_FYERS_REQUEST_TIMEOUT_MS", "500");
    tw_fixture_set (b, "FYERS_APP_ID", APP_ID);
    tw_fixture_set (b, "FYERS_ACCESS_TOKEN", BROKER_TOKEN);
    tw_fixture_set (b, "TW_NOTIFIER_TOKEN", WS_TOKEN);
    return self;
}

void
tw_stack_destroy (tw_stack_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    tw_stack_t *self = *self_p;
    tw_wsclient_destroy (&self->ws);
    if (self->base) {
        //  Upstream last: the feed and the model's engine first, the
        //  gateway after the services that talk to it.
        for (int i = 0; i < TW_STACK_SERVICES; i++)
            if (tw_fixture_running (self->base, tw_stack_services[i]))
                tw_fixture_stop (self->base, tw_stack_services[i], SIGTERM, STOP_MS);
        if (self->keep || getenv ("STACK_KEEP")) {
            tw_fixture_keep (self->base);
            fprintf (stderr, "tw_stack: logs kept in %s\n", tw_fixture_dir (self->base));
        }
    }
    if (self->fake)
        fake_fyers_stop (&self->fake);
    tw_fixture_destroy (&self->base);
    free (self->rows);
    free (self);
    *self_p = NULL;
}

void
tw_stack_keep (tw_stack_t *self)
{
    self->keep = true;
}

tw_fixture_t *
tw_stack_fixture (tw_stack_t *self)
{
    return self->base;
}

fake_fyers_t *
tw_stack_fake (tw_stack_t *self)
{
    return self->fake;
}

int
tw_stack_ws_port (tw_stack_t *self)
{
    return self->ws_port;
}

const char *
tw_stack_control (tw_stack_t *self, const char *name)
{
    int i = s_index (name);
    return i < 0 ? NULL : self->endpoint[i];
}

int
tw_stack_start (tw_stack_t *self, const char *name)
{
    int i = s_index (name);
    if (i < 0 || tw_fixture_start (self->base, name, getenv (s_binary_env[i]), NULL) != 0)
        return -1;
    bool gateway = i == 3, notifier = i == 4;
    return tw_fixture_wait_pong (self->base, name, self->endpoint[i],
                                 gateway ? TW_MSG_STATUS : TW_MSG_PING,
                                 gateway    ? "reconciled"
                                 : notifier ? "synced"
                                            : NULL,
                                 1, TW_STACK_READY_MS);
}

int
tw_stack_start_all (tw_stack_t *self)
{
    static const int order[TW_STACK_SERVICES] = {3, 0, 2, 1, 4};
    for (int i = 0; i < TW_STACK_SERVICES; i++)
        if (tw_stack_start (self, tw_stack_services[order[i]]) != 0)
            return -1;
    return 0;
}

int
tw_stack_kill (tw_stack_t *self, const char *name)
{
    if (!tw_fixture_running (self->base, name))
        return -1;
    int rc = tw_fixture_stop (self->base, name, SIGKILL, STOP_MS);
    return rc == 128 + SIGKILL ? 0 : -1;
}

int
tw_stack_signal (tw_stack_t *self, const char *symbol, tw_action_t action, int64_t qty, double sl,
                 double tp)
{
    tw_client_t *model = tw_client_new (self->signal_in, MODEL_TIMEOUT_MS, 1);
    if (!model)
        return -1;
    tw_msg_t request, ack;
    memset (&ack, 0, sizeof ack); //  tw_client_request resets the reply first
    tw_msg_init (&request, TW_MSG_SIGNAL);
    snprintf (request.u.signal.symbol, sizeof request.u.signal.symbol, "%s", symbol);
    request.u.signal.action = action;
    if (action != TW_ACTION_CLOSE) {
        request.u.signal.qty = qty;
        request.u.signal.sl = sl;
        request.u.signal.tp = tp;
    }
    snprintf (request.u.signal.model, sizeof request.u.signal.model, "stack-model");
    char err[TW_TEXT_MAX] = "";
    int rc = tw_client_request (model, &request, &ack, err, sizeof err);
    tw_client_destroy (&model);
    if (rc != 0 || ack.type != TW_MSG_ACK) {
        fprintf (stderr, "tw_stack: signal %s %s: no ack (%s)\n", tw_action_name (action), symbol,
                 err);
        tw_msg_reset (&ack);
        return -1;
    }
    if (ack.u.ack.status != TW_ACK_ACCEPTED)
        fprintf (stderr, "tw_stack: signal %s %s: %s %s\n", tw_action_name (action), symbol,
                 tw_ack_status_name (ack.u.ack.status), ack.u.ack.error);
    return (int) ack.u.ack.status;
}

int
tw_stack_open (tw_stack_t *self, const char *symbol, int64_t qty, double sl, double tp,
               int timeout_ms)
{
    int64_t deadline = tw_clock_mono_ms () + timeout_ms;
    int status = tw_stack_signal (self, symbol, TW_ACTION_OPEN_LONG, qty, sl, tp);
    while (status == TW_ACK_REJECTED && tw_clock_mono_ms () < deadline) {
        zclock_sleep (OPEN_RETRY_MS); //  pacing a bounded retry
        status = tw_stack_signal (self, symbol, TW_ACTION_OPEN_LONG, qty, sl, tp);
    }
    return status;
}

//  A JSON document fetched from the fake (caller deletes), or NULL.
static cJSON *
s_fake_json (char *text)
{
    cJSON *doc = text ? cJSON_Parse (text) : NULL;
    free (text);
    return doc;
}

static int
s_deletes (tw_stack_t *self, const char *id, bool applied_only)
{
    cJSON *log = s_fake_json (fake_fyers_requests (self->fake));
    if (!cJSON_IsArray (log)) {
        cJSON_Delete (log);
        return -1;
    }
    int count = 0;
    cJSON *record;
    cJSON_ArrayForEach (record, log) {
        cJSON *method = cJSON_GetObjectItemCaseSensitive (record, "method");
        cJSON *path = cJSON_GetObjectItemCaseSensitive (record, "path");
        if (!cJSON_IsString (method) || !streq (method->valuestring, "DELETE")
            || !cJSON_IsString (path) || !streq (path->valuestring, "/api/v3/positions"))
            continue;
        if (applied_only && !cJSON_IsTrue (cJSON_GetObjectItemCaseSensitive (record, "applied")))
            continue;
        cJSON *body = cJSON_GetObjectItemCaseSensitive (record, "body");
        cJSON *doc = cJSON_IsString (body) ? cJSON_Parse (body->valuestring) : NULL;
        cJSON *which = cJSON_GetObjectItemCaseSensitive (doc, "id");
        if (!id || (cJSON_IsString (which) && streq (which->valuestring, id)))
            count++;
        cJSON_Delete (doc);
    }
    cJSON_Delete (log);
    return count;
}

int
tw_stack_deletes (tw_stack_t *self, const char *id)
{
    return s_deletes (self, id, false);
}

int
tw_stack_exits_applied (tw_stack_t *self, const char *id)
{
    return s_deletes (self, id, true);
}

//  The broker's net positions array (owned by doc), or NULL.
static cJSON *
s_net_positions (tw_stack_t *self, cJSON **doc)
{
    *doc = s_fake_json (fake_fyers_positions (self->fake));
    cJSON *list = cJSON_GetObjectItemCaseSensitive (*doc, "netPositions");
    return cJSON_IsArray (list) ? list : NULL;
}

int
tw_stack_broker_net (tw_stack_t *self, const char *id, long *net)
{
    cJSON *doc;
    cJSON *list = s_net_positions (self, &doc);
    if (!list) {
        cJSON_Delete (doc);
        return -1;
    }
    *net = 0;
    cJSON *pos;
    cJSON_ArrayForEach (pos, list) {
        cJSON *pid = cJSON_GetObjectItemCaseSensitive (pos, "id");
        cJSON *qty = cJSON_GetObjectItemCaseSensitive (pos, "netQty");
        if (cJSON_IsString (pid) && streq (pid->valuestring, id) && cJSON_IsNumber (qty))
            *net = (long) qty->valuedouble;
    }
    cJSON_Delete (doc);
    return 0;
}

static const char *
s_str (cJSON *doc, const char *key)
{
    cJSON *item = cJSON_GetObjectItemCaseSensitive (doc, key);
    return cJSON_IsString (item) ? item->valuestring : "";
}

static tw_wsclient_t *
s_ws_connect (tw_stack_t *self)
{
    tw_wsclient_opts_t opts = {.path = "/ws?token=" WS_TOKEN, .timeout_ms = FRAME_MS};
    int status = -1;
    tw_wsclient_t *ws = tw_wsclient_connect (self->ws_port, &opts, &status);
    if (ws && status != 101)
        tw_wsclient_destroy (&ws);
    return ws;
}

//  Tallies one event frame, once per (type, epoch, seq); a "recent" frame
//  (what a client that connects is sent after the snapshot) event by event.
static void
s_tally (tw_stack_t *self, cJSON *doc)
{
    const char *type = s_str (doc, "type");
    if (streq (type, "recent")) {
        cJSON *event;
        cJSON_ArrayForEach (event, cJSON_GetObjectItemCaseSensitive (doc, "events")) {
            s_tally (self, event);
        }
        return;
    }
    cJSON *seq = cJSON_GetObjectItemCaseSensitive (doc, "seq");
    if (!*type || !cJSON_IsNumber (seq) || streq (type, "snapshot"))
        return;
    const char *epoch = s_str (doc, "epoch");
    for (int i = 0; i < self->row_count; i++) {
        s_row_t *row = &self->rows[i];
        if (row->seq == seq->valuedouble && streq (row->epoch, epoch) && streq (row->type, type))
            return;
    }
    if (self->row_count == TALLY_MAX)
        return;
    s_row_t *row = &self->rows[self->row_count++];
    snprintf (row->type, sizeof row->type, "%s", type);
    snprintf (row->id, sizeof row->id, "%s", s_str (doc, "id"));
    snprintf (row->reason, sizeof row->reason, "%s", s_str (doc, "reason"));
    snprintf (row->epoch, sizeof row->epoch, "%s", epoch);
    row->seq = seq->valuedouble;
}

void
tw_stack_ws_pump (tw_stack_t *self, int timeout_ms)
{
    if (!self->ws && !(self->ws = s_ws_connect (self)))
        return;
    while (true) {
        char *text = NULL;
        int close_code = 0;
        int rc = tw_wsclient_recv (self->ws, timeout_ms, &text, &close_code);
        if (rc == 0)
            return;
        if (rc < 0) {
            //  The notifier went away: the next pump connects again.
            tw_wsclient_destroy (&self->ws);
            return;
        }
        if (getenv ("STACK_TRACE"))
            fprintf (stderr, "tw_stack: ws %.160s\n", text);
        cJSON *doc = cJSON_Parse (text);
        free (text);
        if (doc)
            s_tally (self, doc);
        cJSON_Delete (doc);
    }
}

int
tw_stack_ws_count (tw_stack_t *self, const char *type, const char *id, const char *reason)
{
    int count = 0;
    for (int i = 0; i < self->row_count; i++) {
        s_row_t *row = &self->rows[i];
        if (streq (row->type, type) && (!id || streq (row->id, id))
            && (!reason || streq (row->reason, reason)))
            count++;
    }
    return count;
}

bool
tw_stack_ws_wait (tw_stack_t *self, const char *type, const char *id, const char *reason, int count,
                  int timeout_ms)
{
    int64_t deadline = tw_clock_mono_ms () + timeout_ms;
    while (tw_stack_ws_count (self, type, id, reason) < count) {
        if (tw_clock_mono_ms () >= deadline)
            return false;
        tw_stack_ws_pump (self, POLL_MS);
        if (!self->ws)
            zclock_sleep (POLL_MS); //  pacing a reconnect to a restarting notifier
    }
    return true;
}

static int
s_compare (const void *a, const void *b)
{
    return strcmp (*(const char *const *) a, *(const char *const *) b);
}

//  Sorts ids and joins them into text.
static void
s_join (const char **ids, int count, char *text, size_t size)
{
    qsort (ids, (size_t) count, sizeof *ids, s_compare);
    size_t at = 0;
    text[0] = 0;
    for (int i = 0; i < count && at < size; i++)
        at += (size_t) snprintf (text + at, size - at, "%s%s", i ? " " : "", ids[i]);
}

int
tw_stack_gateway_ids (tw_stack_t *self, char *text, size_t size)
{
    tw_msg_t reply;
    memset (&reply, 0, sizeof reply);
    if (tw_cmd_ask (self->gateway_rep, TW_MSG_SNAPSHOT, 1000, 2, &reply) != 0)
        return -1;
    const char *ids[IDS_MAX];
    int count = 0;
    for (size_t i = 0;
         reply.type == TW_MSG_SNAPSHOT_REPLY && i < reply.u.snapshot.count && count < IDS_MAX; i++)
        ids[count++] = reply.u.snapshot.positions[i].id;
    s_join (ids, count, text, size);
    int rc = reply.type == TW_MSG_SNAPSHOT_REPLY ? 0 : -1;
    tw_msg_reset (&reply);
    return rc;
}

int
tw_stack_notifier_ids (tw_stack_t *self, char *text, size_t size)
{
    tw_wsclient_t *ws = s_ws_connect (self);
    if (!ws)
        return -1;
    int rc = -1;
    for (int frames = 0; rc != 0 && frames < 16; frames++) {
        char *frame = NULL;
        int close_code = 0;
        if (tw_wsclient_recv (ws, FRAME_MS, &frame, &close_code) != 1)
            break;
        cJSON *doc = cJSON_Parse (frame);
        free (frame);
        if (streq (s_str (doc, "type"), "snapshot")) {
            cJSON *list = cJSON_GetObjectItemCaseSensitive (doc, "positions");
            const char *ids[IDS_MAX];
            int count = 0;
            cJSON *pos;
            cJSON_ArrayForEach (pos, list) {
                if (count < IDS_MAX)
                    ids[count++] = s_str (pos, "id");
            }
            s_join (ids, count, text, size);
            rc = 0;
        }
        cJSON_Delete (doc);
    }
    tw_wsclient_destroy (&ws);
    return rc;
}

int
tw_stack_broker_ids (tw_stack_t *self, char *text, size_t size)
{
    cJSON *doc;
    cJSON *list = s_net_positions (self, &doc);
    if (!list) {
        cJSON_Delete (doc);
        return -1;
    }
    const char *ids[IDS_MAX];
    int count = 0;
    cJSON *pos;
    cJSON_ArrayForEach (pos, list) {
        cJSON *qty = cJSON_GetObjectItemCaseSensitive (pos, "netQty");
        if (cJSON_IsNumber (qty) && qty->valuedouble != 0 && count < IDS_MAX)
            ids[count++] = s_str (pos, "id");
    }
    s_join (ids, count, text, size);
    cJSON_Delete (doc);
    return 0;
}

bool
tw_stack_wait_converged (tw_stack_t *self, int timeout_ms)
{
    char gateway[2048] = "?", notifier[2048] = "?", broker[2048] = "?";
    int64_t deadline = tw_clock_mono_ms () + timeout_ms;
    while (true) {
        bool got = tw_stack_gateway_ids (self, gateway, sizeof gateway) == 0
                   && tw_stack_notifier_ids (self, notifier, sizeof notifier) == 0
                   && tw_stack_broker_ids (self, broker, sizeof broker) == 0;
        if (got && streq (gateway, notifier) && streq (gateway, broker))
            return true;
        if (tw_clock_mono_ms () >= deadline)
            break;
        zclock_sleep (POLL_MS); //  pacing a bounded poll of three views
    }
    if (timeout_ms > 0)
        fprintf (stderr, "tw_stack: not converged: gateway [%s] notifier [%s] broker [%s]\n",
                 gateway, notifier, broker);
    return false;
}
