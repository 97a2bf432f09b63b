//  rm_fixture - see rm_fixture.h.

#include "rm_fixture.h"
#include "rm_actor.h"
#include "tw_clock.h"
#include "tw_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char s_dir[PATH_MAX_LEN];
static char s_origin[PATH_MAX_LEN];

void
rmfx_setup (void)
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

void
rmfx_teardown (void)
{
    ck_assert_int_eq (chdir (s_origin), 0);
    char command[PATH_MAX_LEN + 16];
    snprintf (command, sizeof command, "rm -rf %s", s_dir);
    ck_assert_int_eq (system (command), 0);
}

tw_position_t
rmfx_position (double entry, double sl, double tp, double trail)
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

void
rmfx_start (rmfx_t *fx, const tw_position_t *pos)
{
    memset (fx, 0, sizeof *fx);
    fx->router = tw_sock_router_new (GW_REP);
    fx->pub = tw_sock_pub_new (GW_PUB);
    fx->feed = tw_sock_pub_new (FEED_PUB);
    ck_assert (fx->router && fx->pub && fx->feed);
    fx->gateway_up = true;
    fx->epoch = EPOCH;
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

void
rmfx_stop (rmfx_t *fx)
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

void
rmfx_publish_event (rmfx_t *fx, tw_msg_type_t type, const tw_position_t *pos, const char *reason)
{
    tw_msg_t msg;
    tw_msg_init (&msg, type);
    msg.u.event.epoch = fx->epoch;
    msg.u.event.seq = type == TW_MSG_HEARTBEAT ? fx->seq : ++fx->seq;
    if (pos)
        msg.u.event.pos = *pos;
    if (reason)
        snprintf (msg.u.event.reason, sizeof msg.u.event.reason, "%s", reason);
    ck_assert_int_eq (tw_sock_publish (fx->pub, &msg), 0);
}

static void
s_heartbeat (rmfx_t *fx)
{
    int64_t now = tw_clock_mono_ms ();
    if (fx->gateway_up && now - fx->heartbeat_ms >= HEARTBEAT_MS) {
        fx->heartbeat_ms = now;
        rmfx_publish_event (fx, TW_MSG_HEARTBEAT, NULL, NULL);
    }
}

//  Reads one request: answers a snapshot (when up), or returns a command
//  in *command (true) for the test to answer.
static bool
s_read_request (rmfx_t *fx, rmfx_command_t *command)
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
        reply.u.snapshot.epoch = fx->epoch;
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
s_stash (rmfx_t *fx, const rmfx_command_t *command)
{
    ck_assert_int_lt (fx->stashed, STASH_MAX);
    fx->stash[fx->stashed++] = *command;
}

//  Serves the gateway until a command comes (true) or wait_ms passes. With
//  command NULL, serves for wait_ms and keeps what comes for later.
bool
rmfx_next_command (rmfx_t *fx, int wait_ms, rmfx_command_t *command)
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
        rmfx_command_t got;
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
void
rmfx_assert_only_repeats (rmfx_t *fx, const char *req_id)
{
    rmfx_command_t command;
    while (fx->stashed > 0 || (zsock_events (fx->router) & ZMQ_POLLIN)) {
        ck_assert (rmfx_next_command (fx, POLL_MS, &command));
        ck_assert_msg (req_id && strcmp (command.msg.req_id, req_id) == 0,
                       "unexpected %s req_id=%s", tw_msg_type_name (command.msg.type),
                       command.msg.req_id);
        tw_request_destroy (&command.request);
    }
}

void
rmfx_answer (rmfx_t *fx, rmfx_command_t *command, tw_ack_status_t status)
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
int64_t
rmfx_counter (rmfx_t *fx, const char *name)
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
        rmfx_command_t command;
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
void
rmfx_wait_counter (rmfx_t *fx, const char *name, int64_t value)
{
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    int64_t seen = -1;
    while (tw_clock_mono_ms () < deadline && (seen = rmfx_counter (fx, name)) < value)
        rmfx_next_command (fx, POLL_MS, NULL);
    ck_assert_msg (seen >= value, "counter %s is %lld, expected at least %lld", name,
                   (long long) seen, (long long) value);
}

//  Polls the counter until it equals value (bounded by wait_ms).
void
rmfx_wait_counter_eq (rmfx_t *fx, const char *name, int64_t value, int wait_ms)
{
    int64_t deadline = tw_clock_mono_ms () + wait_ms;
    int64_t seen = -1;
    while (tw_clock_mono_ms () < deadline && (seen = rmfx_counter (fx, name)) != value)
        rmfx_next_command (fx, POLL_MS, NULL);
    ck_assert_msg (seen == value, "counter %s is %lld, expected %lld", name, (long long) seen,
                   (long long) value);
}

void
rmfx_tick_of (rmfx_t *fx, const char *symbol, double ltp)
{
    tw_msg_t msg;
    tw_msg_init (&msg, TW_MSG_TICK);
    snprintf (msg.u.tick.symbol, sizeof msg.u.tick.symbol, "%s", symbol);
    msg.u.tick.ltp = ltp;
    ck_assert_int_eq (tw_sock_publish (fx->feed, &msg), 0);
}

void
rmfx_tick (rmfx_t *fx, double ltp)
{
    rmfx_tick_of (fx, SYMBOL, ltp);
}

//  Publishes a tick of symbol and waits until the actor has counted it.
void
rmfx_tick_of_seen (rmfx_t *fx, const char *symbol, double ltp)
{
    int64_t before = rmfx_counter (fx, "ticks");
    rmfx_tick_of (fx, symbol, ltp);
    rmfx_wait_counter (fx, "ticks", before + 1);
}

//  Publishes ltp and waits until the actor has counted it (and so acted on
//  it: the count and the action happen in one handler).
void
rmfx_tick_seen (rmfx_t *fx, double ltp)
{
    int64_t before = rmfx_counter (fx, "ticks");
    rmfx_tick (fx, ltp);
    rmfx_wait_counter (fx, "ticks", before + 1);
}

//  Synced with the position watched, and the tick SUB proven live.
void
rmfx_wait_ready (rmfx_t *fx, double neutral_ltp)
{
    rmfx_wait_counter (fx, "synced", 1);
    rmfx_wait_counter (fx, "positions_watched", (int64_t) fx->count);
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    while (rmfx_counter (fx, "ticks") == 0 && tw_clock_mono_ms () < deadline)
        rmfx_tick (fx, neutral_ltp);
    ck_assert_int_gt (rmfx_counter (fx, "ticks"), 0);
}
