//  rm_actor - see rm_actor.h.
//
//  One zloop: the pipe ($TERM), the control socket, the tick SUB, the
//  requester's DEALER and retry timer (tw_requester_attach), a housekeeping
//  timer (holds and backoffs that ran out, and trailing moves that were held
//  back by the modify interval), and the clone's sockets and timer
//  (tw_clone_attach). Per position the actor keeps a watch: the
//  trailing anchor and when its stop was last written. The clone is the
//  truth about which positions exist; watches of positions that are gone are
//  dropped when the clone says so.

#include "rm_actor.h"
#include "rm_commands.h"
#include "rm_rules.h"
#include "tw_client.h"
#include "tw_clock.h"
#include "tw_clone.h"
#include "tw_config.h"
#include "tw_control.h"
#include "tw_log.h"
#include "tw_requester.h"
#include "tw_service.h"
#include "tw_sock.h"

#include <inttypes.h>
#include <string.h>

#define RM_TICK_PREFIX "tick."
#define RM_REQ_ID_PREFIX "rm"
//  The housekeeping timer (holds, backoffs, held-back trailing moves) runs
//  at a quarter of the command timeout, within these bounds, as the
//  requester's retry timer does.
#define RM_HOUSEKEEPING_DIVISOR 4
#define RM_HOUSEKEEPING_MIN_MS 5
#define RM_HOUSEKEEPING_MAX_MS 50
//  At most one line per interval about malformed ticks (tw_clone and
//  tw_requester limit their own lines).
#define RM_LOG_INTERVAL_MS 5000

//  What the actor knows about one position beyond the clone's copy.
typedef struct {
    char id[TW_ID_MAX];
    rm_trail_t trail;
    int64_t last_modify_ms; //  monotonic; 0 = never
} rm_watch_t;

typedef struct {
    tw_service_t *service;
    tw_config_t *config;
    zsock_t *pipe;
    zloop_t *loop;
    zsock_t *ticks;
    tw_requester_t *requester;
    tw_clone_t *clone;
    tw_control_t *control;
    rm_commands_t *commands;
    zhashx_t *watches; //  position id -> rm_watch_t *

    int64_t close_ttl_ms;
    int64_t trail_modify_interval_ms;

    int64_t ticks_seen;
    int64_t bad_ticks;
    tw_log_limit_t bad_tick_log;
} rm_t;

static void
s_watch_destroy (void **item)
{
    free (*item);
    *item = NULL;
}

static rm_watch_t *
s_watch (rm_t *self, const char *id)
{
    rm_watch_t *watch = (rm_watch_t *) zhashx_lookup (self->watches, id);
    if (!watch) {
        watch = (rm_watch_t *) zmalloc (sizeof (rm_watch_t));
        snprintf (watch->id, sizeof watch->id, "%s", id);
        zhashx_insert (self->watches, watch->id, watch);
    }
    return watch;
}

static int64_t
s_open_positions (rm_t *self)
{
    zhashx_t *positions = tw_clone_positions (self->clone);
    int64_t count = 0;
    for (const tw_position_t *pos = (const tw_position_t *) zhashx_first (positions); pos;
         pos = (const tw_position_t *) zhashx_next (positions))
        if (pos->state == TW_STATE_OPEN)
            count++;
    return count;
}

static void
s_counters (tw_pong_t *pong, void *arg)
{
    rm_t *self = (rm_t *) arg;
    const rm_commands_stats_t *stats = rm_commands_stats (self->commands);
    const tw_requester_stats_t *sent = tw_requester_stats (self->requester);
    tw_control_counter (pong, "ticks", self->ticks_seen);
    tw_control_counter (pong, "positions_watched", s_open_positions (self));
    tw_control_counter (pong, "closes_sent", (int64_t) stats->closes_sent);
    tw_control_counter (pong, "closes_accepted", (int64_t) stats->closes_accepted);
    tw_control_counter (pong, "closes_rejected", (int64_t) stats->closes_rejected);
    tw_control_counter (pong, "modifies_sent", (int64_t) stats->modifies_sent);
    tw_control_counter (pong, "modifies_accepted", (int64_t) stats->modifies_accepted);
    tw_control_counter (pong, "resyncs", (int64_t) tw_clone_resyncs (self->clone));
    tw_control_counter (pong, "synced", tw_clone_synced (self->clone) ? 1 : 0);
    tw_control_counter (pong, "retries", (int64_t) sent->resent);
    tw_control_counter (pong, "gave_up", (int64_t) sent->given_up);
    tw_control_counter (pong, "bad_ticks", self->bad_ticks);
    tw_control_counter (pong, "bad_replies", (int64_t) sent->malformed);
}

//  ---------------------------------------------------------------------
//  Commands.

static int64_t
s_expires_at (rm_t *self)
{
    return tw_clock_wall_ns () + self->close_ttl_ms * TW_NS_PER_MS;
}

//  The log key of the level a hit names.
static const char *
s_level_key (rm_hit_t hit)
{
    return hit == RM_HIT_TP ? "tp" : hit == RM_HIT_TRAILING_SL ? "trail_sl" : "sl";
}

static void
s_close (rm_t *self, const tw_position_t *pos, const rm_watch_t *watch,
         const rm_decision_t *decision, double ltp, int64_t now_ms)
{
    if (!rm_commands_may_close (self->commands, pos->id, now_ms))
        return;
    tw_msg_t msg;
    tw_msg_init (&msg, TW_MSG_CLOSE);
    tw_client_make_req_id (RM_REQ_ID_PREFIX, msg.req_id, sizeof msg.req_id);
    msg.expires_at = s_expires_at (self);
    snprintf (msg.u.close.id, sizeof msg.u.close.id, "%s", pos->id);
    const char *reason = rm_hit_reason (decision->hit);
    snprintf (msg.u.close.reason, sizeof msg.u.close.reason, "%s", reason);
    if (rm_commands_start (self->commands, &msg, now_ms) != 0)
        return;
    if (decision->hit == RM_HIT_TRAILING_SL)
        tw_info ("close id=%s reason=\"%s\" ltp=%.2f %s=%.2f anchor=%.2f req_id=%s", pos->id,
                 reason, ltp, s_level_key (decision->hit), decision->level, watch->trail.anchor,
                 msg.req_id);
    else
        tw_info ("close id=%s reason=\"%s\" ltp=%.2f %s=%.2f req_id=%s", pos->id, reason, ltp,
                 s_level_key (decision->hit), decision->level, msg.req_id);
}

//  Writes a trailing move to the gateway when one is due.
static void
s_persist_trail (rm_t *self, const tw_position_t *pos, rm_watch_t *watch, int64_t now_ms)
{
    double sl = rm_rules_trail_sl (pos, &watch->trail);
    if (sl <= 0)
        return;
    if (watch->last_modify_ms && now_ms - watch->last_modify_ms < self->trail_modify_interval_ms)
        return;
    if (!rm_commands_may_modify (self->commands, pos->id, now_ms))
        return;
    tw_msg_t msg;
    tw_msg_init (&msg, TW_MSG_MODIFY);
    tw_client_make_req_id (RM_REQ_ID_PREFIX, msg.req_id, sizeof msg.req_id);
    msg.expires_at = s_expires_at (self);
    snprintf (msg.u.modify.id, sizeof msg.u.modify.id, "%s", pos->id);
    msg.u.modify.has_sl = true;
    msg.u.modify.sl = sl;
    if (rm_commands_start (self->commands, &msg, now_ms) != 0)
        return;
    watch->last_modify_ms = now_ms;
    tw_info ("trail id=%s sl=%.2f previous_sl=%.2f anchor=%.2f trail=%.2f req_id=%s", pos->id, sl,
             pos->sl, watch->trail.anchor, pos->trail, msg.req_id);
}

//  ---------------------------------------------------------------------
//  Inputs.

static void
s_evaluate (rm_t *self, const tw_tick_t *tick)
{
    int64_t now_ms = tw_clock_mono_ms ();
    zhashx_t *positions = tw_clone_positions (self->clone);
    for (const tw_position_t *pos = (const tw_position_t *) zhashx_first (positions); pos;
         pos = (const tw_position_t *) zhashx_next (positions)) {
        if (pos->state != TW_STATE_OPEN || strcmp (pos->symbol, tick->symbol) != 0)
            continue;
        rm_watch_t *watch = s_watch (self, pos->id);
        rm_decision_t decision;
        if (rm_rules_tick (pos, &watch->trail, tick, &decision) != RM_HIT_NONE)
            s_close (self, pos, watch, &decision, tick->ltp, now_ms);
        else
            s_persist_trail (self, pos, watch, now_ms);
    }
}

static int
s_on_tick (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    rm_t *self = (rm_t *) arg;
    tw_msg_t msg;
    char err[TW_TEXT_MAX];
    memset (&msg, 0, sizeof msg);
    if (tw_sock_recv (reader, &msg, err, sizeof err) != 0) {
        self->bad_ticks++;
        tw_log_limited (&self->bad_tick_log, TW_LOG_WARN, "bad tick error=\"%s\"", err);
        return 0;
    }
    if (msg.type != TW_MSG_TICK) {
        self->bad_ticks++;
        tw_log_limited (&self->bad_tick_log, TW_LOG_WARN, "bad tick error=\"a %s on the feed\"",
                        tw_msg_type_name (msg.type));
    }
    else if (!rm_rules_is_set (msg.u.tick.ltp)) {
        self->bad_ticks++;
        tw_log_limited (&self->bad_tick_log, TW_LOG_WARN, "bad tick symbol=%s ltp=%g",
                        msg.u.tick.symbol, msg.u.tick.ltp);
    }
    else {
        self->ticks_seen++;
        s_evaluate (self, &msg.u.tick);
    }
    tw_msg_reset (&msg);
    return 0;
}

//  Keeps the watches and the command table in step with the clone.
static void
s_on_clone (tw_clone_t *clone, const tw_msg_t *msg, void *arg)
{
    rm_t *self = (rm_t *) arg;
    const char *id = msg->u.event.pos.id;
    switch (msg->type) {
    case TW_MSG_SNAPSHOT_REPLY: {
        //  A resync: drop the watches of positions that are gone.
        zlistx_t *ids = zhashx_keys (self->watches);
        for (const char *key = ids ? (const char *) zlistx_first (ids) : NULL; key;
             key = (const char *) zlistx_next (ids))
            if (!tw_clone_lookup (clone, key))
                zhashx_delete (self->watches, key);
        zlistx_destroy (&ids);
        break;
    }
    case TW_MSG_POSITION_OPENED: {
        //  Seen opening: its sl is the one it opened with (rm_rules.h).
        rm_watch_t *watch = s_watch (self, id);
        memset (&watch->trail, 0, sizeof watch->trail);
        watch->trail.opened_here = true;
        watch->last_modify_ms = 0;
        break;
    }
    case TW_MSG_POSITION_CLOSED:
        zhashx_delete (self->watches, id);
        rm_commands_forget (self->commands, id);
        break;
    case TW_MSG_POSITION_CLOSING:
    case TW_MSG_EXIT_FAILED:
        rm_commands_release (self->commands, id);
        break;
    default:
        break;
    }
}

static int
s_on_housekeeping (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    rm_t *self = (rm_t *) arg;
    int64_t now_ms = tw_clock_mono_ms ();
    rm_commands_expire (self->commands, now_ms);
    //  Trailing moves held back by the modify interval go out without
    //  waiting for the next tick.
    zhashx_t *positions = tw_clone_positions (self->clone);
    for (const tw_position_t *pos = (const tw_position_t *) zhashx_first (positions); pos;
         pos = (const tw_position_t *) zhashx_next (positions)) {
        rm_watch_t *watch = (rm_watch_t *) zhashx_lookup (self->watches, pos->id);
        if (watch)
            s_persist_trail (self, pos, watch, now_ms);
    }
    return 0;
}

//  ---------------------------------------------------------------------
//  The actor.

static int
s_setup (rm_t *self)
{
    tw_config_t *config = self->config;
    self->close_ttl_ms = tw_config_int (config, "risk", "close_ttl_ms");
    self->trail_modify_interval_ms = tw_config_int (config, "risk", "trail_modify_interval_ms");
    rm_commands_config_t commands = {
        .reject_backoff_ms = tw_config_int (config, "risk", "reject_backoff_ms"),
        //  An accepted close shows in the clone within milliseconds; past its
        //  expiry it can no longer be carried out, so asking again is right.
        .hold_ms = self->close_ttl_ms,
    };
    self->bad_tick_log.interval_ms = RM_LOG_INTERVAL_MS;
    self->watches = zhashx_new ();
    zhashx_set_destructor (self->watches, s_watch_destroy);

    const char *gateway_rep = tw_config_str (config, "endpoints", "gateway_rep");
    self->ticks = tw_sock_sub_new (tw_config_str (config, "endpoints", "feed_pub"), RM_TICK_PREFIX);
    int64_t timeout_ms = tw_config_int (config, "risk", "command_timeout_ms");
    self->requester = tw_requester_new (gateway_rep, timeout_ms,
                                        (int) tw_config_int (config, "risk", "command_attempts"));
    self->clone = tw_clone_new (tw_config_str (config, "endpoints", "gateway_pub"), gateway_rep,
                                s_on_clone, self);
    if (!self->ticks || !self->requester || !self->clone)
        return -1;
    self->commands = rm_commands_new (&commands, self->requester);
    self->control = tw_control_new (tw_config_str (config, "endpoints", "risk_control"),
                                    tw_service_name (self->service),
                                    tw_service_started_ms (self->service), s_counters, self);
    if (!self->control)
        return -1;

    int64_t housekeeping_ms = timeout_ms / RM_HOUSEKEEPING_DIVISOR;
    if (housekeeping_ms < RM_HOUSEKEEPING_MIN_MS)
        housekeeping_ms = RM_HOUSEKEEPING_MIN_MS;
    if (housekeeping_ms > RM_HOUSEKEEPING_MAX_MS)
        housekeeping_ms = RM_HOUSEKEEPING_MAX_MS;
    self->loop = zloop_new ();
    //  The actor stops on $TERM only, so that it can finish cleanly.
    zloop_set_nonstop (self->loop, true);
    zloop_reader (self->loop, self->pipe, tw_service_on_pipe, NULL);
    if (tw_control_attach (self->control, self->loop) != 0)
        return -1;
    zloop_reader (self->loop, self->ticks, s_on_tick, self);
    if (tw_clone_attach (self->clone, self->loop) != 0)
        return -1;
    if (tw_requester_attach (self->requester, self->loop) != 0)
        return -1;
    zloop_timer (self->loop, (size_t) housekeeping_ms, 0, s_on_housekeeping, self);
    return 0;
}

static void
s_teardown (rm_t *self)
{
    zloop_destroy (&self->loop);
    tw_control_destroy (&self->control);
    tw_clone_destroy (&self->clone);
    rm_commands_destroy (&self->commands);
    tw_requester_destroy (&self->requester);
    zsock_destroy (&self->ticks);
    zhashx_destroy (&self->watches);
}

void
rm_actor (zsock_t *pipe, void *args)
{
    rm_t self;
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
    tw_info ("watching feed=%s gateway=%s close_ttl_ms=%" PRId64
             " trail_modify_interval_ms=%" PRId64,
             tw_config_str (self.config, "endpoints", "feed_pub"),
             tw_config_str (self.config, "endpoints", "gateway_rep"), self.close_ttl_ms,
             self.trail_modify_interval_ms);
    zloop_start (self.loop);
    const rm_commands_stats_t *stats = rm_commands_stats (self.commands);
    tw_info ("risk stopped ticks=%" PRId64 " closes_sent=%" PRIu64 " modifies_sent=%" PRIu64,
             self.ticks_seen, stats->closes_sent, stats->modifies_sent);
    s_teardown (&self);
}
