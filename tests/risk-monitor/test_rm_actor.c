//  In-process tests of the risk-monitor actor over inproc:// endpoints. The
//  test is the market feed (a PUB of ticks) and a fake gateway: a ROUTER
//  that answers snapshot requests and hands the test every other command,
//  and a PUB of heartbeats and position events. They cover: sync and an
//  SL close with its expiry; a retry with the same req_id; a rejected close
//  and its backoff; trailing moves written with modify (held back by the
//  modify interval) and a "Trailing SL Hit"; malformed ticks and replies
//  counted; a gateway that is down, comes back, falls silent and comes back
//  (with unsynced_ms counting while it is out); ticks that reach only the
//  positions of their symbol, through opens, updates and closes; a trailing
//  stop that moves on ticks that no plain stop or target in its symbol
//  reaches.

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rm_actor.h"
#include "tw_clock.h"
#include "tw_config.h"
#include "tw_log.h"
#include "tw_service.h"
#include "tw_sock.h"

#define ERR_MAX 512
#define PATH_MAX_LEN 512
//  Every wait in these tests is bounded by this.
#define WAIT_MS 5000
#define POLL_MS 10
#define HEARTBEAT_MS 50
#define STOP_MS 1500
#define GW_REP "inproc://rm-gw-rep"
#define GW_PUB "inproc://rm-gw-pub"
#define FEED_PUB "inproc://rm-feed-pub"
#define CONTROL "inproc://rm-control"
#define SERVICE "risk-monitor"
#define SYMBOL "NSE:SBIN-EQ"
#define POS_ID "NSE:SBIN-EQ-INTRADAY"
#define EPOCH 7
#define FIRST_SEQ 10
#define TTL_MS 4000
#define TIMEOUT_MS 200
#define BACKOFF_MS 300
#define INTERVAL_MS 300
#define STASH_MAX 8
//  A ping answered within this did not wait for a snapshot (1 s).
#define PROMPT_MS 900
//  3 s of silence, then a snapshot request that times out after 1 s.
#define SILENT_WAIT_MS 10000

//  A command the fake gateway received and has not answered yet.
typedef struct {
    tw_msg_t msg;
    tw_request_t request;
} s_command_t;

typedef struct {
    tw_config_t *config;
    tw_service_t *service;
    zactor_t *actor;
    zsock_t *router; //  the gateway's commands
    zsock_t *pub;    //  the gateway's events
    zsock_t *feed;   //  the ticks
    bool gateway_up; //  answers snapshots and sends heartbeats
    uint64_t seq;
    tw_position_t positions[2];
    size_t count;
    int64_t heartbeat_ms;
    int snapshots;
    s_command_t stash[STASH_MAX]; //  commands that came while pinging
    int stashed;
} s_fx_t;

static char s_dir[PATH_MAX_LEN];
static char s_origin[PATH_MAX_LEN];

static void
s_setup (void)
{
    tw_log_init ("unit");
    //  In an empty directory, so that no deploy/config/tradewire.ini is read.
    ck_assert_ptr_nonnull (getcwd (s_origin, sizeof s_origin));
    snprintf (s_dir, sizeof s_dir, "%s", "/tmp/tw-risk-actor-XXXXXX");
    ck_assert_ptr_nonnull (mkdtemp (s_dir));
    ck_assert_int_eq (chdir (s_dir), 0);
    setenv ("TW_ENDPOINTS_FEED_PUB", FEED_PUB, 1);
    setenv ("TW_ENDPOINTS_GATEWAY_REP", GW_REP, 1);
    setenv ("TW_ENDPOINTS_GATEWAY_PUB", GW_PUB, 1);
    setenv ("TW_ENDPOINTS_RISK_CONTROL", CONTROL, 1);
    char value[32];
    snprintf (value, sizeof value, "%d", TTL_MS);
    setenv ("TW_RISK_CLOSE_TTL_MS", value, 1);
    snprintf (value, sizeof value, "%d", TIMEOUT_MS);
    setenv ("TW_RISK_COMMAND_TIMEOUT_MS", value, 1);
    snprintf (value, sizeof value, "%d", BACKOFF_MS);
    setenv ("TW_RISK_REJECT_BACKOFF_MS", value, 1);
    snprintf (value, sizeof value, "%d", INTERVAL_MS);
    setenv ("TW_RISK_TRAIL_MODIFY_INTERVAL_MS", value, 1);
}

static void
s_teardown (void)
{
    ck_assert_int_eq (chdir (s_origin), 0);
    char command[PATH_MAX_LEN + 16];
    snprintf (command, sizeof command, "rm -rf %s", s_dir);
    ck_assert_int_eq (system (command), 0);
}

static tw_position_t
s_position (double entry, double sl, double tp, double trail)
{
    tw_position_t pos;
    memset (&pos, 0, sizeof pos);
    snprintf (pos.id, sizeof pos.id, "%s", POS_ID);
    snprintf (pos.symbol, sizeof pos.symbol, "%s", SYMBOL);
    snprintf (pos.product, sizeof pos.product, "INTRADAY");
    pos.side = TW_SIDE_LONG;
    pos.qty = 10;
    pos.entry_price = entry;
    pos.sl = sl;
    pos.tp = tp;
    pos.trail = trail;
    pos.state = TW_STATE_OPEN;
    return pos;
}

static void
s_start (s_fx_t *fx, const tw_position_t *pos)
{
    memset (fx, 0, sizeof *fx);
    fx->router = tw_sock_router_new (GW_REP);
    fx->pub = tw_sock_pub_new (GW_PUB);
    fx->feed = tw_sock_pub_new (FEED_PUB);
    ck_assert (fx->router && fx->pub && fx->feed);
    fx->gateway_up = true;
    fx->seq = FIRST_SEQ;
    if (pos)
        fx->positions[fx->count++] = *pos;
    char err[ERR_MAX] = "";
    fx->config = tw_config_load (NULL, err, sizeof err);
    ck_assert_msg (fx->config != NULL, "config: %s", err);
    fx->service = tw_service_new (SERVICE, fx->config);
    ck_assert_ptr_nonnull (fx->service);
    fx->actor = zactor_new (rm_actor, fx->service);
    ck_assert_ptr_nonnull (fx->actor);
}

static void
s_stop (s_fx_t *fx)
{
    int64_t start = tw_clock_mono_ms ();
    zactor_destroy (&fx->actor);
    ck_assert_int_lt (tw_clock_mono_ms () - start, STOP_MS);
    tw_service_destroy (&fx->service);
    tw_config_destroy (&fx->config);
    for (int i = 0; i < fx->stashed; i++)
        tw_request_destroy (&fx->stash[i].request);
    zsock_destroy (&fx->router);
    zsock_destroy (&fx->pub);
    zsock_destroy (&fx->feed);
}

//  ---------------------------------------------------------------------
//  The fake gateway.

static void
s_publish_event (s_fx_t *fx, tw_msg_type_t type, const tw_position_t *pos, const char *reason)
{
    tw_msg_t msg;
    tw_msg_init (&msg, type);
    msg.u.event.epoch = EPOCH;
    msg.u.event.seq = type == TW_MSG_HEARTBEAT ? fx->seq : ++fx->seq;
    if (pos)
        msg.u.event.pos = *pos;
    if (reason)
        snprintf (msg.u.event.reason, sizeof msg.u.event.reason, "%s", reason);
    ck_assert_int_eq (tw_sock_publish (fx->pub, &msg), 0);
}

static void
s_heartbeat (s_fx_t *fx)
{
    int64_t now = tw_clock_mono_ms ();
    if (fx->gateway_up && now - fx->heartbeat_ms >= HEARTBEAT_MS) {
        fx->heartbeat_ms = now;
        s_publish_event (fx, TW_MSG_HEARTBEAT, NULL, NULL);
    }
}

//  Reads one request: answers a snapshot (when up), or returns a command
//  in *command (true) for the test to answer.
static bool
s_read_request (s_fx_t *fx, s_command_t *command)
{
    tw_request_t request = {0};
    tw_msg_t msg;
    memset (&msg, 0, sizeof msg);
    char err[ERR_MAX];
    ck_assert_msg (tw_router_recv (fx->router, &request, &msg, err, sizeof err) == 0, "%s", err);
    if (msg.type != TW_MSG_SNAPSHOT) {
        command->msg = msg;
        command->request = request;
        return true;
    }
    if (fx->gateway_up) {
        tw_msg_t reply;
        tw_msg_init (&reply, TW_MSG_SNAPSHOT_REPLY);
        snprintf (reply.req_id, sizeof reply.req_id, "%s", msg.req_id);
        reply.u.snapshot.epoch = EPOCH;
        reply.u.snapshot.seq = fx->seq;
        reply.u.snapshot.count = fx->count;
        reply.u.snapshot.positions = (tw_position_t *) calloc (2, sizeof (tw_position_t));
        memcpy (reply.u.snapshot.positions, fx->positions, fx->count * sizeof (tw_position_t));
        tw_router_reply (fx->router, &request, &reply);
        tw_msg_reset (&reply);
        fx->snapshots++;
    }
    tw_request_destroy (&request);
    tw_msg_reset (&msg);
    return false;
}

static void
s_stash (s_fx_t *fx, const s_command_t *command)
{
    ck_assert_int_lt (fx->stashed, STASH_MAX);
    fx->stash[fx->stashed++] = *command;
}

//  Serves the gateway until a command comes (true) or wait_ms passes. With
//  command NULL, serves for wait_ms and keeps what comes for later.
static bool
s_next_command (s_fx_t *fx, int wait_ms, s_command_t *command)
{
    if (command && fx->stashed > 0) {
        *command = fx->stash[0];
        memmove (fx->stash, fx->stash + 1, (size_t) --fx->stashed * sizeof fx->stash[0]);
        return true;
    }
    zpoller_t *poller = zpoller_new (fx->router, NULL);
    int64_t deadline = tw_clock_mono_ms () + wait_ms;
    bool found = false;
    while (!found && tw_clock_mono_ms () < deadline) {
        s_heartbeat (fx);
        s_command_t got;
        if (zpoller_wait (poller, POLL_MS) == fx->router && s_read_request (fx, &got)) {
            if (command) {
                *command = got;
                found = true;
            }
            else
                s_stash (fx, &got);
        }
    }
    zpoller_destroy (&poller);
    return found;
}

//  Asserts that every command waiting at the gateway is a repeat of req_id
//  (a retry sent before its ack arrived), and drops them.
static void
s_assert_only_repeats (s_fx_t *fx, const char *req_id)
{
    s_command_t command;
    while (fx->stashed > 0 || (zsock_events (fx->router) & ZMQ_POLLIN)) {
        ck_assert (s_next_command (fx, POLL_MS, &command));
        ck_assert_msg (req_id && strcmp (command.msg.req_id, req_id) == 0,
                       "unexpected %s req_id=%s", tw_msg_type_name (command.msg.type),
                       command.msg.req_id);
        tw_request_destroy (&command.request);
    }
}

static void
s_answer (s_fx_t *fx, s_command_t *command, tw_ack_status_t status)
{
    tw_msg_t reply;
    tw_msg_init (&reply, TW_MSG_ACK);
    snprintf (reply.req_id, sizeof reply.req_id, "%s", command->msg.req_id);
    reply.u.ack.status = status;
    if (status == TW_ACK_REJECTED)
        snprintf (reply.u.ack.error, sizeof reply.u.ack.error, "exit failed 1 ms ago");
    ck_assert_int_eq (tw_router_reply (fx->router, &command->request, &reply), 0);
}

//  Pings the actor while serving the gateway (the actor may be waiting for
//  a snapshot), and returns counter name of the pong.
static int64_t
s_counter (s_fx_t *fx, const char *name)
{
    zsock_t *req = tw_sock_client_new (CONTROL);
    ck_assert_ptr_nonnull (req);
    tw_msg_t ping, pong;
    tw_msg_init (&ping, TW_MSG_PING);
    snprintf (ping.req_id, sizeof ping.req_id, "test-ping");
    ck_assert_int_eq (tw_sock_send (req, &ping), 0);
    zpoller_t *poller = zpoller_new (req, fx->router, NULL);
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    bool answered = false;
    memset (&pong, 0, sizeof pong);
    while (!answered && tw_clock_mono_ms () < deadline) {
        s_heartbeat (fx);
        void *which = zpoller_wait (poller, POLL_MS);
        s_command_t command;
        if (which == fx->router && s_read_request (fx, &command))
            s_stash (fx, &command);
        else if (which == req) {
            char err[ERR_MAX];
            ck_assert_msg (tw_sock_recv (req, &pong, err, sizeof err) == 0, "%s", err);
            answered = true;
        }
    }
    zpoller_destroy (&poller);
    zsock_destroy (&req);
    ck_assert_msg (answered, "no pong within %d ms", WAIT_MS);
    ck_assert_int_eq (pong.type, TW_MSG_PONG);
    ck_assert_str_eq (pong.u.pong.service, SERVICE);
    for (size_t i = 0; i < pong.u.pong.counter_count; i++)
        if (strcmp (pong.u.pong.counters[i].name, name) == 0)
            return pong.u.pong.counters[i].value;
    ck_abort_msg ("pong has no counter '%s'", name);
    return -1;
}

//  Polls the counter until it reaches at least value (bounded).
static void
s_wait_counter (s_fx_t *fx, const char *name, int64_t value)
{
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    int64_t seen = -1;
    while (tw_clock_mono_ms () < deadline && (seen = s_counter (fx, name)) < value)
        s_next_command (fx, POLL_MS, NULL);
    ck_assert_msg (seen >= value, "counter %s is %lld, expected at least %lld", name,
                   (long long) seen, (long long) value);
}

//  Polls the counter until it equals value (bounded by wait_ms).
static void
s_wait_counter_eq (s_fx_t *fx, const char *name, int64_t value, int wait_ms)
{
    int64_t deadline = tw_clock_mono_ms () + wait_ms;
    int64_t seen = -1;
    while (tw_clock_mono_ms () < deadline && (seen = s_counter (fx, name)) != value)
        s_next_command (fx, POLL_MS, NULL);
    ck_assert_msg (seen == value, "counter %s is %lld, expected %lld", name, (long long) seen,
                   (long long) value);
}

static void
s_tick_of (s_fx_t *fx, const char *symbol, double ltp)
{
    tw_msg_t msg;
    tw_msg_init (&msg, TW_MSG_TICK);
    snprintf (msg.u.tick.symbol, sizeof msg.u.tick.symbol, "%s", symbol);
    msg.u.tick.ltp = ltp;
    ck_assert_int_eq (tw_sock_publish (fx->feed, &msg), 0);
}

static void
s_tick (s_fx_t *fx, double ltp)
{
    s_tick_of (fx, SYMBOL, ltp);
}

//  Publishes a tick of symbol and waits until the actor has counted it.
static void
s_tick_of_seen (s_fx_t *fx, const char *symbol, double ltp)
{
    int64_t before = s_counter (fx, "ticks");
    s_tick_of (fx, symbol, ltp);
    s_wait_counter (fx, "ticks", before + 1);
}

//  Publishes ltp and waits until the actor has counted it (and so acted on
//  it: the count and the action happen in one handler).
static void
s_tick_seen (s_fx_t *fx, double ltp)
{
    int64_t before = s_counter (fx, "ticks");
    s_tick (fx, ltp);
    s_wait_counter (fx, "ticks", before + 1);
}

//  Synced with the position watched, and the tick SUB proven live.
static void
s_wait_ready (s_fx_t *fx, double neutral_ltp)
{
    s_wait_counter (fx, "synced", 1);
    s_wait_counter (fx, "positions_watched", (int64_t) fx->count);
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    while (s_counter (fx, "ticks") == 0 && tw_clock_mono_ms () < deadline)
        s_tick (fx, neutral_ltp);
    ck_assert_int_gt (s_counter (fx, "ticks"), 0);
}

//  ---------------------------------------------------------------------
//  Tests.

START_TEST (test_sl_close_and_retry)
{
    s_fx_t fx;
    tw_position_t pos = s_position (100, 95, 110, 0);
    s_start (&fx, &pos);
    s_wait_ready (&fx, 100);
    ck_assert_int_eq (s_counter (&fx, "resyncs"), 1);
    s_assert_only_repeats (&fx, NULL);

    int64_t wall = tw_clock_wall_ns ();
    s_tick (&fx, 94.95);
    s_command_t close;
    ck_assert (s_next_command (&fx, WAIT_MS, &close));
    ck_assert_int_eq (close.msg.type, TW_MSG_CLOSE);
    ck_assert_str_eq (close.msg.u.close.id, POS_ID);
    ck_assert_str_eq (close.msg.u.close.reason, "SL Hit");
    ck_assert (strncmp (close.msg.req_id, "rm-", 3) == 0);
    //  It expires close_ttl_ms after it was made.
    ck_assert_int_ge (close.msg.expires_at, wall + (int64_t) TTL_MS * TW_NS_PER_MS);
    ck_assert_int_le (close.msg.expires_at, tw_clock_wall_ns () + (int64_t) TTL_MS * TW_NS_PER_MS);
    //  Unanswered: the same request again after the timeout.
    tw_request_destroy (&close.request);
    int64_t first = tw_clock_mono_ms ();
    s_command_t retry;
    ck_assert (s_next_command (&fx, WAIT_MS, &retry));
    ck_assert_int_eq (retry.msg.type, TW_MSG_CLOSE);
    ck_assert_str_eq (retry.msg.req_id, close.msg.req_id);
    ck_assert_int_eq (retry.msg.expires_at, close.msg.expires_at);
    ck_assert_str_eq (retry.msg.u.close.reason, "SL Hit");
    ck_assert_int_ge (tw_clock_mono_ms () - first, TIMEOUT_MS / 2);
    //  While it is in flight, more breaching ticks ask nothing new.
    s_tick_seen (&fx, 94);
    s_assert_only_repeats (&fx, close.msg.req_id);
    //  The gateway accepts, and the clone shows the position closing.
    s_answer (&fx, &retry, TW_ACK_ACCEPTED);
    pos.state = TW_STATE_CLOSING;
    s_publish_event (&fx, TW_MSG_POSITION_CLOSING, &pos, "SL Hit");
    s_wait_counter (&fx, "closes_accepted", 1);
    s_wait_counter (&fx, "retries", 1);
    s_wait_counter_eq (&fx, "positions_watched", 0, WAIT_MS);
    s_tick_seen (&fx, 93);
    s_assert_only_repeats (&fx, close.msg.req_id);
    //  Closed: nothing more is asked.
    s_publish_event (&fx, TW_MSG_POSITION_CLOSED, &pos, "SL Hit");
    fx.count = 0;
    s_tick_seen (&fx, 90);
    s_assert_only_repeats (&fx, close.msg.req_id);
    ck_assert_int_eq (s_counter (&fx, "closes_sent"), 1);
    ck_assert_int_eq (s_counter (&fx, "gave_up"), 0);
    s_stop (&fx);
}
END_TEST

START_TEST (test_tp_close_gives_up_then_asks_again)
{
    s_fx_t fx;
    tw_position_t pos = s_position (100, 95, 110, 0);
    s_start (&fx, &pos);
    s_wait_ready (&fx, 100);
    s_tick (&fx, 110);
    s_command_t sent[3];
    for (int i = 0; i < 3; i++) {
        ck_assert (s_next_command (&fx, WAIT_MS, &sent[i]));
        ck_assert_str_eq (sent[i].msg.u.close.reason, "TP Hit");
        ck_assert_str_eq (sent[i].msg.req_id, sent[0].msg.req_id);
        tw_request_destroy (&sent[i].request);
    }
    //  Three sends, no reply: given up.
    s_wait_counter (&fx, "gave_up", 1);
    s_assert_only_repeats (&fx, NULL);
    //  The next tick that still breaches asks again, with a new req_id.
    s_tick (&fx, 110.5);
    s_command_t again;
    ck_assert (s_next_command (&fx, WAIT_MS, &again));
    ck_assert_str_eq (again.msg.u.close.reason, "TP Hit");
    ck_assert_str_ne (again.msg.req_id, sent[0].msg.req_id);
    s_answer (&fx, &again, TW_ACK_DUPLICATE);
    s_wait_counter (&fx, "closes_accepted", 1);
    ck_assert_int_eq (s_counter (&fx, "closes_sent"), 2);
    s_stop (&fx);
}
END_TEST

START_TEST (test_rejected_close_backs_off)
{
    s_fx_t fx;
    tw_position_t pos = s_position (100, 95, 0, 0);
    s_start (&fx, &pos);
    s_wait_ready (&fx, 100);
    s_tick (&fx, 95);
    s_command_t close;
    ck_assert (s_next_command (&fx, WAIT_MS, &close));
    ck_assert_str_eq (close.msg.u.close.reason, "SL Hit");
    s_answer (&fx, &close, TW_ACK_REJECTED);
    int64_t rejected = tw_clock_mono_ms ();
    s_wait_counter (&fx, "closes_rejected", 1);
    //  Still breaching, but inside the backoff: nothing new is asked.
    s_tick_seen (&fx, 94);
    if (tw_clock_mono_ms () - rejected < BACKOFF_MS)
        s_assert_only_repeats (&fx, close.msg.req_id);
    //  After it: asked again, with a new req_id.
    s_command_t again;
    bool found = false;
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    while (!found && tw_clock_mono_ms () < deadline) {
        s_tick (&fx, 94);
        found = s_next_command (&fx, 2 * POLL_MS, &again);
        if (found && strcmp (again.msg.req_id, close.msg.req_id) == 0) {
            tw_request_destroy (&again.request); //  a repeat sent before the ack
            found = false;
        }
    }
    ck_assert (found);
    ck_assert_int_ge (tw_clock_mono_ms () - rejected, BACKOFF_MS);
    ck_assert_str_eq (again.msg.u.close.reason, "SL Hit");
    s_answer (&fx, &again, TW_ACK_ACCEPTED);
    s_wait_counter (&fx, "closes_accepted", 1);
    s_stop (&fx);
}
END_TEST

//  The next command that is not a repeat of an answered modify with sl.
static void
s_next_skipping_modify (s_fx_t *fx, double sl, s_command_t *command)
{
    while (true) {
        ck_assert (s_next_command (fx, WAIT_MS, command));
        if (command->msg.type != TW_MSG_MODIFY || command->msg.u.modify.sl != sl)
            return;
        //  The clone had not yet shown the gateway's new sl: the same move
        //  again, harmless; answer it.
        s_answer (fx, command, TW_ACK_ACCEPTED);
    }
}

START_TEST (test_trailing_modify_and_close)
{
    s_fx_t fx;
    tw_position_t pos = s_position (100, 95, 0, 2);
    s_start (&fx, &pos);
    int64_t ticks_from = tw_clock_mono_ms ();
    s_wait_ready (&fx, 100);
    //  The first tick puts the trailing stop at 98, tighter than sl 95: written.
    s_command_t modify;
    ck_assert (s_next_command (&fx, WAIT_MS, &modify));
    ck_assert_int_eq (modify.msg.type, TW_MSG_MODIFY);
    ck_assert_str_eq (modify.msg.u.modify.id, POS_ID);
    ck_assert (modify.msg.u.modify.has_sl);
    ck_assert (!modify.msg.u.modify.has_tp && !modify.msg.u.modify.has_trail);
    ck_assert_int_gt (modify.msg.expires_at, tw_clock_wall_ns ());
    ck_assert_double_eq_tol (modify.msg.u.modify.sl, 98, 1e-9);
    s_answer (&fx, &modify, TW_ACK_ACCEPTED);
    pos.sl = 98;
    s_publish_event (&fx, TW_MSG_POSITION_UPDATED, &pos, NULL);
    //  A rise to 103: the move to 101 goes out once the modify interval has
    //  passed since the first, without another tick.
    s_tick (&fx, 103);
    s_next_skipping_modify (&fx, 98, &modify);
    ck_assert_int_ge (tw_clock_mono_ms () - ticks_from, INTERVAL_MS);
    ck_assert_int_eq (modify.msg.type, TW_MSG_MODIFY);
    ck_assert_double_eq_tol (modify.msg.u.modify.sl, 101, 1e-9);
    s_answer (&fx, &modify, TW_ACK_ACCEPTED);
    pos.sl = 101;
    s_publish_event (&fx, TW_MSG_POSITION_UPDATED, &pos, NULL);
    s_wait_counter (&fx, "modifies_accepted", 2);
    //  The fall to the moved stop.
    s_tick (&fx, 101);
    s_command_t close;
    s_next_skipping_modify (&fx, 101, &close);
    ck_assert_int_eq (close.msg.type, TW_MSG_CLOSE);
    ck_assert_str_eq (close.msg.u.close.reason, "Trailing SL Hit");
    s_answer (&fx, &close, TW_ACK_ACCEPTED);
    s_wait_counter (&fx, "closes_accepted", 1);
    s_stop (&fx);
}
END_TEST

START_TEST (test_band_keeps_trailing_positions_live)
{
    //  One symbol, two positions: a plain one (sl 90, tp 130) and a
    //  trailing one. Ticks between 90 and 130 cannot touch the plain one,
    //  but must still move the trailing stop; a tick at 130 hits the target.
    s_fx_t fx;
    tw_position_t trailing = s_position (100, 95, 0, 2);
    s_start (&fx, &trailing);
    tw_position_t plain = s_position (100, 90, 130, 0);
    snprintf (plain.id, sizeof plain.id, "NSE:SBIN-EQ-CNC");
    fx.positions[fx.count++] = plain;
    s_wait_ready (&fx, 100);
    s_command_t command;
    ck_assert (s_next_command (&fx, WAIT_MS, &command));
    ck_assert_int_eq (command.msg.type, TW_MSG_MODIFY);
    ck_assert_str_eq (command.msg.u.modify.id, POS_ID);
    ck_assert_double_eq_tol (command.msg.u.modify.sl, 98, 1e-9);
    s_answer (&fx, &command, TW_ACK_ACCEPTED);
    trailing.sl = 98;
    s_publish_event (&fx, TW_MSG_POSITION_UPDATED, &trailing, NULL);
    //  Inside the band: the trailing stop follows to 108.
    s_tick (&fx, 110);
    s_next_skipping_modify (&fx, 98, &command);
    ck_assert_int_eq (command.msg.type, TW_MSG_MODIFY);
    ck_assert_str_eq (command.msg.u.modify.id, POS_ID);
    ck_assert_double_eq_tol (command.msg.u.modify.sl, 108, 1e-9);
    s_answer (&fx, &command, TW_ACK_ACCEPTED);
    trailing.sl = 108;
    s_publish_event (&fx, TW_MSG_POSITION_UPDATED, &trailing, NULL);
    s_wait_counter (&fx, "modifies_accepted", 2);
    //  At the plain position's target: its close (the trailing one may
    //  ask to move its stop meanwhile).
    s_tick (&fx, 130);
    bool closed = false;
    for (int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
         !closed && tw_clock_mono_ms () < deadline;) {
        ck_assert (s_next_command (&fx, WAIT_MS, &command));
        closed = command.msg.type == TW_MSG_CLOSE;
        if (!closed)
            s_answer (&fx, &command, TW_ACK_ACCEPTED);
    }
    ck_assert (closed);
    ck_assert_str_eq (command.msg.u.close.id, plain.id);
    ck_assert_str_eq (command.msg.u.close.reason, "TP Hit");
    s_answer (&fx, &command, TW_ACK_ACCEPTED);
    s_stop (&fx);
}
END_TEST

START_TEST (test_malformed_input_counted)
{
    s_fx_t fx;
    tw_position_t pos = s_position (100, 95, 0, 0);
    s_start (&fx, &pos);
    s_wait_ready (&fx, 100);
    //  A body that is not msgpack, a message without its body, and a
    //  heartbeat under a tick topic.
    zstr_sendm (fx.feed, "tick." SYMBOL);
    zstr_send (fx.feed, "\xc1garbage");
    zstr_send (fx.feed, "tick.");
    tw_msg_t heartbeat;
    tw_msg_init (&heartbeat, TW_MSG_HEARTBEAT);
    uint8_t *bytes = NULL;
    size_t size = 0;
    char err[ERR_MAX];
    ck_assert_int_eq (tw_msg_encode (&heartbeat, &bytes, &size, err, sizeof err), 0);
    zmsg_t *wrong = zmsg_new ();
    zmsg_addstr (wrong, "tick." SYMBOL);
    zmsg_addmem (wrong, bytes, size);
    free (bytes);
    ck_assert_int_eq (zmsg_send (&wrong, fx.feed), 0);
    s_wait_counter (&fx, "bad_ticks", 3);
    //  A reply that is garbage, and one that is not an ack.
    s_tick (&fx, 95);
    s_command_t close;
    ck_assert (s_next_command (&fx, WAIT_MS, &close));
    zmsg_t *garbage = zmsg_dup (close.request.envelope);
    zmsg_addstr (garbage, "\xc1\xc1");
    ck_assert_int_eq (zmsg_send (&garbage, fx.router), 0);
    tw_msg_t pong;
    tw_msg_init (&pong, TW_MSG_PONG);
    snprintf (pong.req_id, sizeof pong.req_id, "%s", close.msg.req_id);
    snprintf (pong.u.pong.service, sizeof pong.u.pong.service, "order-gateway");
    snprintf (pong.u.pong.version, sizeof pong.u.pong.version, "0");
    tw_request_t copy = {zmsg_dup (close.request.envelope)};
    ck_assert_int_eq (tw_router_reply (fx.router, &copy, &pong), 0);
    s_wait_counter (&fx, "bad_replies", 2);
    //  Still in flight, and answered properly at last.
    s_answer (&fx, &close, TW_ACK_ACCEPTED);
    s_wait_counter (&fx, "closes_accepted", 1);
    ck_assert_int_eq (s_counter (&fx, "synced"), 1);
    s_stop (&fx);
}
END_TEST

START_TEST (test_ticks_reach_their_symbol_only)
{
    //  Two positions in two symbols; a third opens later in the first one.
    s_fx_t fx;
    tw_position_t sbin = s_position (100, 95, 0, 0);
    s_start (&fx, &sbin);
    tw_position_t infy = s_position (1500, 1550, 0, 0);
    infy.side = TW_SIDE_SHORT;
    snprintf (infy.id, sizeof infy.id, "NSE:INFY-EQ-INTRADAY");
    snprintf (infy.symbol, sizeof infy.symbol, "NSE:INFY-EQ");
    fx.positions[fx.count++] = infy;
    s_wait_ready (&fx, 100);
    //  An INFY tick at a price that would breach SBIN's stop (long, 95)
    //  breaches nothing; nor does an SBIN tick that would breach INFY's
    //  (short, 1550).
    s_tick_of_seen (&fx, "NSE:INFY-EQ", 90);
    s_tick_of_seen (&fx, "NSE:SBIN-EQ", 1600);
    s_tick_of_seen (&fx, "NSE:TCS-EQ", 1);
    s_assert_only_repeats (&fx, NULL);
    //  INFY's stop moved down by the operator: a tick at 1465 now hits it.
    infy.sl = 1460;
    s_publish_event (&fx, TW_MSG_POSITION_UPDATED, &infy, NULL);
    tw_position_t sbin2 = s_position (100, 98, 0, 0);
    snprintf (sbin2.id, sizeof sbin2.id, "NSE:SBIN-EQ-CNC");
    s_publish_event (&fx, TW_MSG_POSITION_OPENED, &sbin2, NULL);
    s_wait_counter (&fx, "positions_watched", 3);
    s_tick_of (&fx, "NSE:INFY-EQ", 1465);
    s_command_t close;
    ck_assert (s_next_command (&fx, WAIT_MS, &close));
    ck_assert_str_eq (close.msg.u.close.id, infy.id);
    s_answer (&fx, &close, TW_ACK_ACCEPTED);
    //  SBIN closed at the gateway: of its symbol only the new one is left.
    sbin.state = TW_STATE_CLOSED;
    s_publish_event (&fx, TW_MSG_POSITION_CLOSED, &sbin, "SL Hit");
    s_wait_counter_eq (&fx, "positions_watched", 2, WAIT_MS);
    s_tick_of (&fx, "NSE:SBIN-EQ", 97);
    ck_assert (s_next_command (&fx, WAIT_MS, &close));
    ck_assert_str_eq (close.msg.u.close.id, sbin2.id);
    tw_request_destroy (&close.request);
    s_stop (&fx);
}
END_TEST

START_TEST (test_gateway_down_and_back)
{
    s_fx_t fx;
    tw_position_t pos = s_position (100, 95, 0, 0);
    s_start (&fx, &pos);
    fx.gateway_up = false;
    //  Down: ping is answered promptly (the actor is not stuck asking for a
    //  snapshot), and it is not synced.
    int64_t start = tw_clock_mono_ms ();
    ck_assert_int_eq (s_counter (&fx, "synced"), 0);
    ck_assert_int_eq (s_counter (&fx, "positions_watched"), 0);
    ck_assert_int_lt (tw_clock_mono_ms () - start, PROMPT_MS);
    ck_assert_int_eq (fx.snapshots, 0);
    //  ...and it says for how long.
    s_wait_counter (&fx, "unsynced_ms", 50);
    //  Up: heartbeats, then a snapshot.
    fx.gateway_up = true;
    s_wait_ready (&fx, 100);
    ck_assert_int_eq (s_counter (&fx, "resyncs"), 1);
    ck_assert_int_eq (s_counter (&fx, "unsynced_ms"), 0);
    //  Silent: after 3 s the copy is dropped...
    fx.gateway_up = false;
    s_wait_counter_eq (&fx, "synced", 0, SILENT_WAIT_MS);
    ck_assert_int_eq (s_counter (&fx, "positions_watched"), 0);
    //  ...nothing is asked on a breach...
    s_tick_seen (&fx, 90);
    s_assert_only_repeats (&fx, NULL);
    //  ...and it resyncs when the gateway is back.
    fx.gateway_up = true;
    s_wait_counter (&fx, "resyncs", 2);
    s_wait_counter (&fx, "synced", 1);
    s_tick (&fx, 90);
    s_command_t close;
    ck_assert (s_next_command (&fx, WAIT_MS, &close));
    ck_assert_str_eq (close.msg.u.close.reason, "SL Hit");
    tw_request_destroy (&close.request);
    s_stop (&fx);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("rm_actor");
    TCase *tc = tcase_create ("core");
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_set_timeout (tc, 30);
    tcase_add_test (tc, test_sl_close_and_retry);
    tcase_add_test (tc, test_tp_close_gives_up_then_asks_again);
    tcase_add_test (tc, test_rejected_close_backs_off);
    tcase_add_test (tc, test_trailing_modify_and_close);
    tcase_add_test (tc, test_malformed_input_counted);
    tcase_add_test (tc, test_gateway_down_and_back);
    tcase_add_test (tc, test_ticks_reach_their_symbol_only);
    tcase_add_test (tc, test_band_keeps_trailing_positions_live);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
