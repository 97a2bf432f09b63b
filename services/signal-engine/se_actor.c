//  se_actor - see se_actor.h.
//
//  One zloop: the pipe (for $TERM), the control socket, the signal ROUTER,
//  the feed SUB, the requester's DEALER and retry timer
//  (tw_requester_attach), and with a strategy the clone's sockets and timer
//  (tw_clone_attach).

#include "se_actor.h"
#include "se_forward.h"
#include "se_strategy.h"
#include "tw_client.h"
#include "tw_clock.h"
#include "tw_clone.h"
#include "tw_config.h"
#include "tw_control.h"
#include "tw_log.h"
#include "tw_requester.h"
#include "tw_service.h"
#include "tw_sock.h"
#include "tw_tickguard.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#define SE_STRATEGY_NONE "none"
#define SE_STRATEGY_SMA_CROSS "sma_cross"
//  The product of every command, and so the suffix of position ids.
#define SE_PRODUCT "INTRADAY"
//  An ack must carry a req_id; this one answers a request without one.
#define SE_UNKNOWN_REQ_ID "unknown"
#define SE_NO_ANSWER "gateway did not answer"
#define SE_STOPPED                                                                                 \
    "signal-engine stopped before the gateway answered; the command may still take effect: "       \
    "send it again with the same req_id"
//  The prefix of generated req_ids, and of those derived from a model's.
#define SE_REQ_PREFIX "se"
#define SE_DERIVED_PREFIX "sig"
#define SE_LOG_INTERVAL_MS 5000
//  Percentages of a price, from the configuration: 0 <= pct < this.
#define SE_PCT_MAX 100.0
//  Error texts copied into an ack are cut to this width, leaving room for
//  the words around them.
#define SE_ERROR_WIDTH 200

//  FNV-1a, 64 bits: a stable hash for derived req_ids.
#define SE_FNV_OFFSET UINT64_C (14695981039346656037)
#define SE_FNV_PRIME UINT64_C (1099511628211)

typedef struct {
    int64_t ticks;
    int64_t signals_in;       //  requests on signal_in, good or bad
    int64_t signals_rejected; //  answered with a rejected ack
    int64_t opens_sent;
    int64_t closes_sent;
    int64_t acks_accepted;
    int64_t acks_duplicate;
    int64_t acks_rejected;
    int64_t unanswered; //  given up after every attempt
    int64_t strategy_signals;
} se_counters_t;

typedef struct {
    tw_service_t *service;
    tw_config_t *config;
    zsock_t *pipe;
    zloop_t *loop;
    zsock_t *feed;    //  SUB, ticks
    zsock_t *signals; //  ROUTER, signal_in
    tw_control_t *control;
    tw_requester_t *requester;
    se_forward_t *forward;
    //  With a strategy only.
    se_strategy_t *strategy;
    tw_clone_t *clone;
    const char *strategy_name;

    int64_t qty;
    double sl_pct, tp_pct, trail_pct;
    int64_t order_ttl_ms;

    se_counters_t counters;
    tw_log_limit_t bad_log;
    tw_tickguard_t *guard; //  simulated feed vs live broker, bad prices
} se_t;

static void
s_position_id (const char *symbol, char *id, size_t id_size)
{
    snprintf (id, id_size, "%.*s-%s", TW_SYMBOL_MAX - 1, symbol, SE_PRODUCT);
}

static uint64_t
s_fnv (uint64_t hash, const char *text)
{
    //  The NUL is hashed too, so that ("ab", "c") and ("a", "bc") differ.
    const unsigned char *p = (const unsigned char *) text;
    do {
        hash ^= *p;
        hash *= SE_FNV_PRIME;
    } while (*p++);
    return hash;
}

//  The gateway req_id of a model's signal that has a req_id: the same model,
//  req_id, symbol and action always give the same one.
static void
s_derive_req_id (const tw_msg_t *signal, char *buf, size_t buf_size)
{
    uint64_t hash = SE_FNV_OFFSET;
    hash = s_fnv (hash, signal->u.signal.model);
    hash = s_fnv (hash, signal->req_id);
    hash = s_fnv (hash, signal->u.signal.symbol);
    hash = s_fnv (hash, tw_action_name (signal->u.signal.action));
    snprintf (buf, buf_size, SE_DERIVED_PREFIX "-%016" PRIx64, hash);
}

//  Fills the gateway command for action on symbol into pending.
static void
s_command (se_t *self, se_pending_t *pending, const char *symbol, tw_action_t action, int64_t qty,
           double sl, double tp, double trail)
{
    tw_msg_t *command = &pending->command;
    bool open = action != TW_ACTION_CLOSE;
    tw_msg_init (command, open ? TW_MSG_OPEN : TW_MSG_CLOSE);
    command->expires_at = tw_clock_wall_ns () + self->order_ttl_ms * TW_NS_PER_MS;
    if (open) {
        tw_open_t *req = &command->u.open;
        snprintf (req->symbol, sizeof req->symbol, "%s", symbol);
        req->side = action == TW_ACTION_OPEN_LONG ? TW_SIDE_LONG : TW_SIDE_SHORT;
        req->qty = qty;
        req->sl = sl;
        req->tp = tp;
        req->trail = trail;
        snprintf (req->product, sizeof req->product, "%s", SE_PRODUCT);
    }
    else {
        s_position_id (symbol, command->u.close.id, sizeof command->u.close.id);
        snprintf (command->u.close.reason, sizeof command->u.close.reason, "%s",
                  TW_REASON_MODEL_CLOSE);
    }
    snprintf (pending->symbol, sizeof pending->symbol, "%s", symbol);
    pending->action = action;
}

//  Hands pending to the forwarder. Returns what se_forward_send does (1: it
//  joined a command in flight, which is not sent again).
static int
s_send (se_t *self, se_pending_t **pending_p)
{
    bool open = (*pending_p)->command.type == TW_MSG_OPEN;
    int rc = se_forward_send (self->forward, pending_p, tw_clock_mono_ms ());
    if (rc == 0 && open)
        self->counters.opens_sent++;
    else if (rc == 0)
        self->counters.closes_sent++;
    return rc;
}

//  ---------------------------------------------------------------------
//  Replies to models.

static void
s_reply (se_t *self, tw_request_t *request, const char *req_id, tw_ack_status_t status,
         const char *id, const char *error)
{
    tw_msg_t reply;
    tw_msg_init (&reply, TW_MSG_ACK);
    snprintf (reply.req_id, sizeof reply.req_id, "%s", req_id[0] ? req_id : SE_UNKNOWN_REQ_ID);
    reply.u.ack.status = status;
    snprintf (reply.u.ack.id, sizeof reply.u.ack.id, "%s", id ? id : "");
    snprintf (reply.u.ack.error, sizeof reply.u.ack.error, "%s", error ? error : "");
    if (status == TW_ACK_REJECTED)
        self->counters.signals_rejected++;
    tw_router_reply (self->signals, request, &reply);
}

static void
s_reject (se_t *self, tw_request_t *request, const char *req_id, const char *error)
{
    tw_log_limited (&self->bad_log, TW_LOG_WARN, "signal refused req_id=%s error=\"%s\"",
                    req_id[0] ? req_id : SE_UNKNOWN_REQ_ID, error);
    s_reply (self, request, req_id, TW_ACK_REJECTED, NULL, error);
}

//  ---------------------------------------------------------------------
//  Verdicts.

//  Called by the forwarder once per command: ack is the gateway's, or NULL.
static void
s_on_verdict (se_pending_t *pending, const tw_msg_t *ack, void *arg)
{
    se_t *self = (se_t *) arg;
    tw_ack_status_t status = ack ? ack->u.ack.status : TW_ACK_REJECTED;
    const char *error = ack ? ack->u.ack.error : SE_NO_ANSWER;
    char id[TW_ID_MAX];
    if (ack && ack->u.ack.id[0])
        snprintf (id, sizeof id, "%s", ack->u.ack.id);
    else
        s_position_id (pending->symbol, id, sizeof id);
    if (!ack)
        self->counters.unanswered++;
    else if (status == TW_ACK_ACCEPTED)
        self->counters.acks_accepted++;
    else if (status == TW_ACK_DUPLICATE)
        self->counters.acks_duplicate++;
    else
        self->counters.acks_rejected++;

    const tw_msg_t *command = &pending->command;
    char stops[96] = "";
    if (command->type == TW_MSG_OPEN)
        snprintf (stops, sizeof stops, " qty=%" PRId64 " sl=%.2f tp=%.2f trail=%.2f",
                  command->u.open.qty, command->u.open.sl, command->u.open.tp,
                  command->u.open.trail);
    tw_log (status == TW_ACK_REJECTED ? TW_LOG_WARN : TW_LOG_INFO,
            "command origin=%s symbol=%s action=%s%s req_id=%s model_req_id=%s verdict=%s "
            "id=%s attempts=%d error=\"%s\"",
            pending->origin, pending->symbol, tw_action_name (pending->action), stops,
            command->req_id, pending->reply_req_id, tw_ack_status_name (status), id,
            pending->attempts, error);

    //  A refused strategy command frees its symbol for the next cross; an
    //  accepted one keeps it busy until the position shows it.
    if (self->strategy && !pending->envelope && status == TW_ACK_REJECTED)
        se_strategy_release (self->strategy, pending->symbol);
    if (pending->envelope) {
        tw_request_t request = {.envelope = pending->envelope};
        pending->envelope = NULL;
        s_reply (self, &request, pending->reply_req_id, status, id, error);
    }
}

//  Called at stop for each command still in flight: the model hears that
//  the verdict is unknown (a retry with its req_id will get it).
static void
s_on_abandon (se_pending_t *pending, const tw_msg_t *ack, void *arg)
{
    (void) ack;
    se_t *self = (se_t *) arg;
    tw_warn ("command abandoned at stop origin=%s symbol=%s action=%s req_id=%s model_req_id=%s "
             "attempts=%d",
             pending->origin, pending->symbol, tw_action_name (pending->action),
             pending->command.req_id, pending->reply_req_id, pending->attempts);
    if (pending->envelope) {
        tw_request_t request = {.envelope = pending->envelope};
        pending->envelope = NULL;
        s_reply (self, &request, pending->reply_req_id, TW_ACK_REJECTED, NULL, SE_STOPPED);
    }
}

//  ---------------------------------------------------------------------
//  External models.

static void
s_forward_signal (se_t *self, tw_request_t *request, const tw_msg_t *msg)
{
    const tw_signal_t *signal = &msg->u.signal;
    se_pending_t *pending = se_pending_new ();
    s_command (self, pending, signal->symbol, signal->action, signal->qty, signal->sl, signal->tp,
               0);
    if (msg->req_id[0]) {
        s_derive_req_id (msg, pending->command.req_id, sizeof pending->command.req_id);
        snprintf (pending->reply_req_id, sizeof pending->reply_req_id, "%s", msg->req_id);
    }
    else {
        tw_client_make_req_id (SE_REQ_PREFIX, pending->command.req_id,
                               sizeof pending->command.req_id);
        snprintf (pending->reply_req_id, sizeof pending->reply_req_id, "%s",
                  pending->command.req_id);
    }
    snprintf (pending->origin, sizeof pending->origin, "%s", signal->model);
    pending->envelope = request->envelope;
    request->envelope = NULL;
    if (s_send (self, &pending) == 1)
        tw_info ("signal repeated while in flight model=%s req_id=%s: the verdict goes to the "
                 "latest",
                 signal->model, msg->req_id);
}

static int
s_on_signal (zloop_t *loop, zsock_t *router, void *arg)
{
    (void) loop;
    se_t *self = (se_t *) arg;
    tw_request_t request = {0};
    tw_msg_t msg;
    memset (&msg, 0, sizeof msg);
    char err[TW_TEXT_MAX] = "";
    char error[TW_TEXT_MAX];
    int rc = tw_router_recv (router, &request, &msg, err, sizeof err);
    if (rc != 0 && !request.envelope) {
        tw_log_limited (&self->bad_log, TW_LOG_WARN, "unreadable request on signal_in error=\"%s\"",
                        err);
        return 0;
    }
    self->counters.signals_in++;
    if (rc != 0) {
        snprintf (error, sizeof error, "malformed signal: %.*s", SE_ERROR_WIDTH, err);
        s_reject (self, &request, "", error);
    }
    else if (msg.type != TW_MSG_SIGNAL) {
        snprintf (error, sizeof error, "'%s' is not a signal (ping goes to signal_control)",
                  tw_msg_type_name (msg.type));
        s_reject (self, &request, msg.req_id, error);
    }
    else
        s_forward_signal (self, &request, &msg);
    tw_request_destroy (&request);
    tw_msg_reset (&msg);
    return 0;
}

//  ---------------------------------------------------------------------
//  The built-in strategy.

static void
s_strategy_send (se_t *self, const char *symbol, tw_action_t action, double price)
{
    double sl = 0, tp = 0, trail = 0;
    if (action != TW_ACTION_CLOSE)
        se_strategy_stops (action, price, self->sl_pct, self->tp_pct, self->trail_pct, &sl, &tp,
                           &trail);
    se_pending_t *pending = se_pending_new ();
    s_command (self, pending, symbol, action, self->qty, sl, tp, trail);
    tw_client_make_req_id (SE_REQ_PREFIX, pending->command.req_id, sizeof pending->command.req_id);
    snprintf (pending->reply_req_id, sizeof pending->reply_req_id, "%s", pending->command.req_id);
    snprintf (pending->origin, sizeof pending->origin, "%s", self->strategy_name);
    self->counters.strategy_signals++;
    double fast = 0, slow = 0;
    se_strategy_averages (self->strategy, symbol, &fast, &slow);
    tw_debug ("strategy cross symbol=%s action=%s price=%.2f fast=%.4f slow=%.4f req_id=%s", symbol,
              tw_action_name (action), price, fast, slow, pending->command.req_id);
    s_send (self, &pending);
}

static int
s_on_tick (zloop_t *loop, zsock_t *sub, void *arg)
{
    (void) loop;
    se_t *self = (se_t *) arg;
    tw_msg_t msg;
    memset (&msg, 0, sizeof msg);
    char err[TW_TEXT_MAX] = "";
    if (tw_sock_recv (sub, &msg, err, sizeof err) != 0) {
        tw_log_limited (&self->bad_log, TW_LOG_WARN, "malformed tick error=\"%s\"", err);
        return 0;
    }
    if (msg.type != TW_MSG_TICK)
        return 0;
    self->counters.ticks++;
    if (!self->strategy)
        return 0;
    //  The strategy sees only ticks it may act on (tw_tickguard.h).
    if (tw_tickguard_check (self->guard, &msg.u.tick) != TW_TICK_ACCEPTED)
        return 0;
    const tw_tick_t *tick = &msg.u.tick;
    bool known = tw_clone_synced (self->clone);
    const tw_position_t *pos = NULL;
    if (known) {
        char id[TW_ID_MAX];
        s_position_id (tick->symbol, id, sizeof id);
        pos = tw_clone_lookup (self->clone, id);
    }
    tw_action_t action =
        se_strategy_tick (self->strategy, tick->symbol, tick->ltp, known, pos, tw_clock_mono_ms ());
    if (action != TW_ACTION_NONE)
        s_strategy_send (self, tick->symbol, action, tick->ltp);
    return 0;
}

//  An open that the broker refused, or an exit that failed, will not show in
//  the positions: the symbol is free for the next cross.
static void
s_on_clone_event (tw_clone_t *clone, const tw_msg_t *msg, void *arg)
{
    (void) clone;
    se_t *self = (se_t *) arg;
    if (msg->type == TW_MSG_ORDER_REJECTED || msg->type == TW_MSG_EXIT_FAILED)
        se_strategy_release (self->strategy, msg->u.event.pos.symbol);
}

//  ---------------------------------------------------------------------
//  The loop.

static void
s_counters (tw_pong_t *pong, void *arg)
{
    se_t *self = (se_t *) arg;
    const se_counters_t *c = &self->counters;
    tw_control_counter (pong, "ticks", c->ticks);
    tw_control_counter (pong, "signals_in", c->signals_in);
    tw_control_counter (pong, "signals_rejected", c->signals_rejected);
    tw_control_counter (pong, "opens_sent", c->opens_sent);
    tw_control_counter (pong, "closes_sent", c->closes_sent);
    tw_control_counter (pong, "acks_accepted", c->acks_accepted);
    tw_control_counter (pong, "acks_duplicate", c->acks_duplicate);
    tw_control_counter (pong, "acks_rejected", c->acks_rejected);
    tw_control_counter (pong, "unanswered", c->unanswered);
    tw_control_counter (pong, "resent", (int64_t) tw_requester_stats (self->requester)->resent);
    tw_control_counter (pong, "strategy_signals", c->strategy_signals);
    tw_control_counter (pong, "in_flight", (int64_t) tw_requester_size (self->requester));
    bool synced = self->clone && tw_clone_synced (self->clone);
    tw_control_counter (pong, "synced", synced ? 1 : 0);
    //  Without a clone (no built-in strategy) there are no positions to lose.
    tw_control_healthy (pong, !self->clone || synced);
    tw_control_counter (pong, "positions",
                        synced ? (int64_t) zhashx_size (tw_clone_positions (self->clone)) : 0);
    tw_control_counter (pong, "ticks_rejected", tw_tickguard_rejected (self->guard));
    tw_control_counter (pong, "simulated_ticks_refused",
                        tw_tickguard_simulated_refused (self->guard));
}

//  Reads a percentage key. Returns 0, or -1 after the one error line.
static int
s_pct (se_t *self, const char *key, double *value)
{
    *value = tw_config_double (self->config, "signal", key);
    if (!isfinite (*value) || *value < 0 || *value >= SE_PCT_MAX) {
        tw_error ("[signal] %s must be a percentage >= 0 and < %g, got %g", key, SE_PCT_MAX,
                  *value);
        return -1;
    }
    return 0;
}

static int
s_setup_config (se_t *self)
{
    tw_config_t *config = self->config;
    int64_t fast = tw_config_int (config, "signal", "fast");
    int64_t slow = tw_config_int (config, "signal", "slow");
    if (fast >= slow) {
        tw_error ("[signal] fast (%" PRId64 ") must be less than slow (%" PRId64 ")", fast, slow);
        return -1;
    }
    if (s_pct (self, "sl_pct", &self->sl_pct) != 0 || s_pct (self, "tp_pct", &self->tp_pct) != 0
        || s_pct (self, "trail_pct", &self->trail_pct) != 0)
        return -1;
    self->qty = tw_config_int (config, "signal", "qty");
    self->order_ttl_ms = tw_config_int (config, "signal", "order_ttl_ms");
    self->strategy_name = tw_config_str (config, "signal", "strategy");
    if (streq (self->strategy_name, SE_STRATEGY_NONE))
        return 0;
    //  An open or close keeps its symbol busy for at most as long as the
    //  command can live: every attempt, then its time to live.
    int64_t timeout_ms = tw_config_int (config, "signal", "command_timeout_ms");
    int64_t attempts = tw_config_int (config, "signal", "command_attempts");
    self->strategy =
        se_strategy_new ((int) fast, (int) slow, self->order_ttl_ms + timeout_ms * attempts);
    char err[TW_TEXT_MAX];
    if (!self->strategy
        || se_strategy_add_symbols (self->strategy, tw_config_str (config, "feed", "symbols"), err,
                                    sizeof err)
               != 0) {
        tw_error ("[feed] %s", self->strategy ? err : "out of memory");
        return -1;
    }
    return 0;
}

static int
s_setup (se_t *self)
{
    tw_config_t *config = self->config;
    if (s_setup_config (self) != 0)
        return -1;
    const char *gateway_rep = tw_config_str (config, "endpoints", "gateway_rep");
    self->requester =
        tw_requester_new (gateway_rep, tw_config_int (config, "signal", "command_timeout_ms"),
                          (int) tw_config_int (config, "signal", "command_attempts"));
    self->signals = tw_sock_router_new (tw_config_str (config, "endpoints", "signal_in"));
    self->feed = tw_sock_sub_new (tw_config_str (config, "endpoints", "feed_pub"), "tick.");
    if (!self->requester || !self->signals || !self->feed)
        return -1;
    self->forward = se_forward_new (self->requester, s_on_verdict, self);
    self->guard = tw_tickguard_new (config, "signal");
    self->control = tw_control_new (tw_config_str (config, "endpoints", "signal_control"),
                                    tw_service_name (self->service),
                                    tw_service_started_ms (self->service), s_counters, self);
    if (!self->control)
        return -1;
    if (self->strategy) {
        self->clone = tw_clone_new (tw_config_str (config, "endpoints", "gateway_pub"), gateway_rep,
                                    s_on_clone_event, self);
        if (!self->clone)
            return -1;
    }
    self->bad_log.interval_ms = SE_LOG_INTERVAL_MS;

    self->loop = zloop_new ();
    //  The actor stops on $TERM only, so that it can finish cleanly.
    zloop_set_nonstop (self->loop, true);
    zloop_reader (self->loop, self->pipe, tw_service_on_pipe, NULL);
    if (tw_control_attach (self->control, self->loop) != 0)
        return -1;
    zloop_reader (self->loop, self->signals, s_on_signal, self);
    zloop_reader (self->loop, self->feed, s_on_tick, self);
    if (tw_requester_attach (self->requester, self->loop) != 0)
        return -1;
    if (self->clone && tw_clone_attach (self->clone, self->loop) != 0)
        return -1;
    return 0;
}

static void
s_teardown (se_t *self)
{
    zloop_destroy (&self->loop);
    tw_clone_destroy (&self->clone);
    tw_control_destroy (&self->control);
    zsock_destroy (&self->feed);
    zsock_destroy (&self->signals);
    se_forward_destroy (&self->forward);
    tw_requester_destroy (&self->requester);
    se_strategy_destroy (&self->strategy);
    tw_tickguard_destroy (&self->guard);
}

void
se_actor (zsock_t *pipe, void *args)
{
    se_t self;
    memset (&self, 0, sizeof self);
    self.service = (tw_service_t *) args;
    self.config = tw_service_config (self.service);
    self.pipe = pipe;
    if (s_setup (&self) != 0) {
        s_teardown (&self);
        zsock_signal (pipe, 1);
        return;
    }
    zsock_signal (pipe, 0);
    tw_config_t *config = self.config;
    if (self.strategy)
        tw_info ("running strategy=%s symbols=%zu fast=%" PRId64 " slow=%" PRId64 " qty=%" PRId64
                 " sl_pct=%g tp_pct=%g trail_pct=%g simulated_ticks=%s",
                 self.strategy_name, se_strategy_size (self.strategy),
                 tw_config_int (config, "signal", "fast"), tw_config_int (config, "signal", "slow"),
                 self.qty, self.sl_pct, self.tp_pct, self.trail_pct,
                 tw_tickguard_refuses_simulated (self.guard) ? "refused" : "allowed");
    else
        tw_info ("running strategy=none: external models only, on %s",
                 tw_config_str (config, "endpoints", "signal_in"));
    zloop_start (self.loop);
    size_t abandoned = se_forward_abandon (self.forward, s_on_abandon, &self);
    tw_info ("engine stopped abandoned=%zu opens_sent=%" PRId64 " closes_sent=%" PRId64, abandoned,
             self.counters.opens_sent, self.counters.closes_sent);
    s_teardown (&self);
}
