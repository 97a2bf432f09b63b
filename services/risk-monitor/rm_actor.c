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
//
//  The hot path is a tick: its symbol finds its bucket (symbol -> the
//  watches of the positions in that symbol, kept in step with the clone by
//  its callbacks), and only those are evaluated, through the clone's own
//  position records (stable pointers, tw_clone.h). Within a bucket, a
//  position without a trailing stop is a pure function of the ltp (rm_rules:
//  it hits at its sl or tp and keeps no state), so the bucket keeps the
//  band (low, high) that no such stop or target reaches: a tick inside it
//  evaluates only the trailing positions (whose anchors move); a tick on or
//  outside it evaluates them all. The band is recomputed on the first tick
//  after an event touched the bucket. A tick allocates nothing and scans
//  nothing else; a wake reads every queued tick (up to RM_DRAIN_MAX). The
//  housekeeping timer walks only the watches with a trailing move still
//  due (the held set), not every position.
//
//  Before that, a tick passes the tick guard (tw_tickguard.h): simulated
//  prices against a live broker, prices at or below zero and prices outside
//  the band around the symbol's last good one are counted and dropped (the
//  guard remembers a price per symbol, allocated on its first tick). A
//  good tick stamps its bucket's last_tick_ms; the staleness timer walks
//  the buckets (every position, at most once a second) and reports a symbol
//  with an open position and no good tick for [risk] stale_feed_ms.

#include "rm_actor.h"
#include "rm_commands.h"
#include "rm_feedreport.h"
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
#include "tw_tickguard.h"

#include <inttypes.h>
#include <math.h>
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
//  Ticks read per wake of the tick reader at most, so that a flood cannot
//  starve the control socket, the clone and the timers.
#define RM_DRAIN_MAX 4096
#define RM_NOT_HELD SIZE_MAX
//  The staleness timer runs at a quarter of [risk] stale_feed_ms, within
//  these bounds.
#define RM_STALE_CHECK_MIN_MS 10
#define RM_STALE_CHECK_MAX_MS 1000

typedef struct _rm_bucket_t rm_bucket_t;

//  What the actor knows about one position beyond the clone's copy.
typedef struct {
    char id[TW_ID_MAX];
    char symbol[TW_SYMBOL_MAX];
    const tw_position_t *pos; //  the clone's record (valid while it holds it)
    rm_bucket_t *bucket;      //  of symbol
    size_t slot;              //  in bucket->items
    size_t held_slot;         //  in the held set, or RM_NOT_HELD
    rm_trail_t trail;
    int64_t last_modify_ms; //  monotonic; 0 = never
} rm_watch_t;

//  The watches of one symbol, unordered, and what a tick must look at.
struct _rm_bucket_t {
    rm_watch_t **items;
    size_t count;
    size_t size;
    bool dirty;        //  a position changed: live, low and high are stale
    rm_watch_t **live; //  open positions with a trailing stop
    size_t live_count;
    size_t live_size;
    double low;  //  a tick at or below this hits a stop or target (long sl, short tp)
    double high; //  a tick at or above this does (long tp, short sl)
    //  Feed staleness (monotonic ms; 0 = never).
    int64_t last_tick_ms;     //  the symbol's last good tick
    int64_t watched_since_ms; //  when it last got an open position
    bool stale;               //  reported stale, not yet recovered
};

//  A growable array of watches (the held set).
typedef struct {
    rm_watch_t **items;
    size_t count;
    size_t size;
} rm_set_t;

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
    rm_feedreport_t *feedreport; //  stale feeds told to the gateway (feed_report)
    uint64_t epoch;              //  the gateway's run, as of the last snapshot
    zhashx_t *watches;           //  position id -> rm_watch_t *
    zhashx_t *symbols;           //  symbol -> rm_bucket_t * (the index)
    rm_set_t held;               //  watches whose trailing move may still be due
    int64_t open_count;          //  open positions among the watches, when not open_stale
    bool open_stale;             //  the clone changed since open_count was counted

    int64_t close_ttl_ms;
    int64_t trail_modify_interval_ms;

    int64_t ticks_seen;
    int64_t bad_ticks;
    tw_log_limit_t bad_tick_log;

    tw_tickguard_t *guard;
    int64_t stale_feed_ms;
    bool flatten_on_stale_feed;
    int64_t stale_symbols;      //  as of the last staleness check
    int64_t oldest_tick_age_ms; //  likewise, among symbols with an open position
} rm_t;

static void
s_watch_destroy (void **item)
{
    free (*item);
    *item = NULL;
}

static void
s_bucket_destroy (void **item)
{
    rm_bucket_t *bucket = (rm_bucket_t *) *item;
    if (bucket) {
        free (bucket->items);
        free (bucket->live);
    }
    free (bucket);
    *item = NULL;
}

//  Appends watch to an array of watches; returns its slot.
static size_t
s_push (rm_watch_t ***items, size_t *count, size_t *size, rm_watch_t *watch)
{
    if (*count == *size) {
        *size = *size ? *size * 2 : 8;
        *items = (rm_watch_t **) realloc (*items, *size * sizeof **items);
        assert (*items);
    }
    (*items)[*count] = watch;
    return (*count)++;
}

static void
s_hold (rm_t *self, rm_watch_t *watch)
{
    if (watch->held_slot == RM_NOT_HELD)
        watch->held_slot = s_push (&self->held.items, &self->held.count, &self->held.size, watch);
}

static void
s_release_held (rm_t *self, rm_watch_t *watch)
{
    size_t slot = watch->held_slot;
    if (slot == RM_NOT_HELD)
        return;
    rm_watch_t *last = self->held.items[--self->held.count];
    self->held.items[slot] = last;
    last->held_slot = slot;
    watch->held_slot = RM_NOT_HELD;
}

static void
s_index_add (rm_t *self, rm_watch_t *watch)
{
    rm_bucket_t *bucket = (rm_bucket_t *) zhashx_lookup (self->symbols, watch->symbol);
    if (!bucket) {
        bucket = (rm_bucket_t *) zmalloc (sizeof (rm_bucket_t));
        zhashx_insert (self->symbols, watch->symbol, bucket);
    }
    watch->bucket = bucket;
    watch->slot = s_push (&bucket->items, &bucket->count, &bucket->size, watch);
    bucket->dirty = true;
}

static void
s_index_remove (rm_watch_t *watch)
{
    rm_bucket_t *bucket = watch->bucket;
    rm_watch_t *last = bucket->items[--bucket->count];
    bucket->items[watch->slot] = last;
    last->slot = watch->slot;
    watch->bucket = NULL;
    bucket->dirty = true;
}

//  Sorts the bucket's open positions into the live ones (a trailing stop)
//  and the band the others' stops and targets leave free (rm_rules.h:
//  long hits at ltp <= sl or >= tp, short at ltp >= sl or <= tp).
static void
s_bucket_refresh (rm_bucket_t *bucket)
{
    bucket->live_count = 0;
    bucket->low = -INFINITY;
    bucket->high = INFINITY;
    for (size_t i = 0; i < bucket->count; i++) {
        rm_watch_t *watch = bucket->items[i];
        const tw_position_t *pos = watch->pos;
        if (pos->state != TW_STATE_OPEN)
            continue;
        if (rm_rules_is_set (pos->trail)) {
            s_push (&bucket->live, &bucket->live_count, &bucket->live_size, watch);
            continue;
        }
        bool is_long = pos->side == TW_SIDE_LONG;
        if (!is_long && pos->side != TW_SIDE_SHORT)
            continue;
        if (rm_rules_is_set (pos->sl)) {
            if (is_long && pos->sl > bucket->low)
                bucket->low = pos->sl;
            if (!is_long && pos->sl < bucket->high)
                bucket->high = pos->sl;
        }
        if (rm_rules_is_set (pos->tp)) {
            if (is_long && pos->tp < bucket->high)
                bucket->high = pos->tp;
            if (!is_long && pos->tp > bucket->low)
                bucket->low = pos->tp;
        }
    }
    bucket->dirty = false;
}

//  The watch of pos (the clone's record), made and indexed when new; a
//  fresh watch knows no trailing state (rm_rules.h).
static rm_watch_t *
s_track (rm_t *self, const tw_position_t *pos)
{
    rm_watch_t *watch = (rm_watch_t *) zhashx_lookup (self->watches, pos->id);
    if (!watch) {
        watch = (rm_watch_t *) zmalloc (sizeof (rm_watch_t));
        snprintf (watch->id, sizeof watch->id, "%s", pos->id);
        watch->held_slot = RM_NOT_HELD;
        zhashx_insert (self->watches, watch->id, watch);
    }
    else if (watch->bucket && strcmp (watch->symbol, pos->symbol) != 0)
        s_index_remove (watch);
    if (!watch->bucket) {
        snprintf (watch->symbol, sizeof watch->symbol, "%s", pos->symbol);
        s_index_add (self, watch);
    }
    watch->pos = pos;
    watch->bucket->dirty = true; //  its levels, side or state may have changed
    return watch;
}

static void
s_untrack (rm_t *self, rm_watch_t *watch)
{
    if (watch->bucket)
        s_index_remove (watch);
    s_release_held (self, watch);
    zhashx_delete (self->watches, watch->id);
}

static int64_t
s_open_positions (rm_t *self)
{
    if (!tw_clone_synced (self->clone))
        return 0;
    //  Counted again only after a change: a health check that pings often
    //  costs a walk per event, not per ping.
    if (self->open_stale) {
        self->open_count = 0;
        for (const rm_watch_t *watch = (const rm_watch_t *) zhashx_first (self->watches); watch;
             watch = (const rm_watch_t *) zhashx_next (self->watches))
            if (watch->pos->state == TW_STATE_OPEN)
                self->open_count++;
        self->open_stale = false;
    }
    return self->open_count;
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
    tw_control_counter (pong, "unsynced_ms", tw_clone_unsynced_ms (self->clone));
    tw_control_counter (pong, "retries", (int64_t) sent->resent);
    tw_control_counter (pong, "gave_up", (int64_t) sent->given_up);
    tw_control_counter (pong, "bad_ticks", self->bad_ticks);
    tw_control_counter (pong, "bad_replies", (int64_t) sent->malformed);
    tw_control_counter (pong, "ticks_rejected", tw_tickguard_rejected (self->guard));
    tw_control_counter (pong, "simulated_ticks_refused",
                        tw_tickguard_simulated_refused (self->guard));
    tw_control_counter (pong, "stale_symbols", self->stale_symbols);
    tw_control_counter (pong, "oldest_tick_age_ms", self->oldest_tick_age_ms);
    tw_control_counter (pong, "feed_reports_acked", rm_feedreport_acked (self->feedreport));
    //  Unhealthy while it cannot see the positions or a watched symbol's ticks.
    tw_control_healthy (pong, tw_clone_synced (self->clone) && self->stale_symbols == 0);
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

//  Asks the gateway to close pos for reason, unless a close of it is in
//  flight or held back (rm_commands). Returns 0 and the request's id in
//  req_id when the close went out, else -1.
static int
s_start_close (rm_t *self, const tw_position_t *pos, const char *reason, int64_t now_ms,
               char *req_id, size_t req_id_size)
{
    if (!rm_commands_may_close (self->commands, pos->id, now_ms))
        return -1;
    tw_msg_t msg;
    tw_msg_init (&msg, TW_MSG_CLOSE);
    tw_client_make_req_id (RM_REQ_ID_PREFIX, msg.req_id, sizeof msg.req_id);
    msg.expires_at = s_expires_at (self);
    snprintf (msg.u.close.id, sizeof msg.u.close.id, "%s", pos->id);
    snprintf (msg.u.close.reason, sizeof msg.u.close.reason, "%s", reason);
    if (rm_commands_start (self->commands, &msg, now_ms) != 0)
        return -1;
    snprintf (req_id, req_id_size, "%s", msg.req_id);
    return 0;
}

static void
s_close (rm_t *self, const tw_position_t *pos, const rm_watch_t *watch,
         const rm_decision_t *decision, double ltp, int64_t now_ms)
{
    const char *reason = rm_hit_reason (decision->hit);
    char req_id[TW_ID_MAX];
    if (s_start_close (self, pos, reason, now_ms, req_id, sizeof req_id) != 0)
        return;
    if (decision->hit == RM_HIT_TRAILING_SL)
        tw_info ("close id=%s reason=\"%s\" ltp=%.2f %s=%.2f anchor=%.2f req_id=%s", pos->id,
                 reason, ltp, s_level_key (decision->hit), decision->level, watch->trail.anchor,
                 req_id);
    else
        tw_info ("close id=%s reason=\"%s\" ltp=%.2f %s=%.2f req_id=%s", pos->id, reason, ltp,
                 s_level_key (decision->hit), decision->level, req_id);
}

//  Writes a trailing move to the gateway when one is due. A watch whose move
//  is due (sent or held back) stays in the held set, and the housekeeping
//  timer tries it again, until the gateway's sl reflects it.
static void
s_persist_trail (rm_t *self, const tw_position_t *pos, rm_watch_t *watch, int64_t now_ms)
{
    double sl = pos->state == TW_STATE_OPEN ? rm_rules_trail_sl (pos, &watch->trail) : 0;
    if (sl <= 0) {
        s_release_held (self, watch);
        return;
    }
    s_hold (self, watch);
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

//  Evaluates tick for the positions in its symbol only.
static void
s_evaluate (rm_t *self, const tw_tick_t *tick)
{
    rm_bucket_t *bucket = (rm_bucket_t *) zhashx_lookup (self->symbols, tick->symbol);
    if (!bucket)
        return;
    int64_t now_ms = tw_clock_mono_ms ();
    if (bucket->stale) {
        bucket->stale = false;
        int64_t since = bucket->last_tick_ms > bucket->watched_since_ms ? bucket->last_tick_ms
                                                                        : bucket->watched_since_ms;
        tw_info ("feed recovered symbol=%s ltp=%.2f silent_ms=%" PRId64, tick->symbol, tick->ltp,
                 now_ms - since);
        rm_feedreport_set (self->feedreport, tick->symbol, false, now_ms - since, now_ms);
    }
    bucket->last_tick_ms = now_ms;
    if (!tw_clone_synced (self->clone))
        return; //  the copy was thrown away: the watches' records are gone
    if (bucket->count == 0)
        return;
    if (bucket->dirty)
        s_bucket_refresh (bucket);
    //  Inside the band only the trailing positions can change or hit.
    bool inside = tick->ltp > bucket->low && tick->ltp < bucket->high;
    rm_watch_t **watches = inside ? bucket->live : bucket->items;
    size_t count = inside ? bucket->live_count : bucket->count;
    if (count == 0)
        return;
    //  s_close and s_persist_trail never change the bucket (only the
    //  clone's callbacks do), so indexing it while they run is safe.
    for (size_t i = 0; i < count; i++) {
        rm_watch_t *watch = watches[i];
        const tw_position_t *pos = watch->pos;
        if (pos->state != TW_STATE_OPEN)
            continue;
        rm_decision_t decision;
        if (rm_rules_tick (pos, &watch->trail, tick, &decision) != RM_HIT_NONE)
            s_close (self, pos, watch, &decision, tick->ltp, now_ms);
        else
            s_persist_trail (self, pos, watch, now_ms);
    }
}

//  Reads one tick and evaluates it.
static void
s_take_tick (rm_t *self, zsock_t *reader)
{
    tw_msg_t msg;
    msg.type = TW_MSG_INVALID; //  tw_sock_recv resets it first
    char err[TW_TEXT_MAX];
    if (tw_sock_recv (reader, &msg, err, sizeof err) != 0) {
        self->bad_ticks++;
        tw_log_limited (&self->bad_tick_log, TW_LOG_WARN, "bad tick error=\"%s\"", err);
        return;
    }
    if (msg.type != TW_MSG_TICK) {
        self->bad_ticks++;
        tw_log_limited (&self->bad_tick_log, TW_LOG_WARN, "bad tick error=\"a %s on the feed\"",
                        tw_msg_type_name (msg.type));
    }
    else if (tw_tickguard_check (self->guard, &msg.u.tick) == TW_TICK_ACCEPTED) {
        self->ticks_seen++;
        s_evaluate (self, &msg.u.tick);
    }
    tw_msg_reset (&msg);
}

//  Reads every queued tick (up to RM_DRAIN_MAX) per wake.
static int
s_on_tick (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    rm_t *self = (rm_t *) arg;
    s_take_tick (self, reader); //  the loop saw input
    for (int n = 1; n < RM_DRAIN_MAX && (zsock_events (reader) & ZMQ_POLLIN); n++)
        s_take_tick (self, reader);
    return 0;
}

//  After a (re)snapshot every record is new: each watch of a position that
//  is still there points at its new record and keeps its trailing state;
//  the others go.
static void
s_resynced (rm_t *self)
{
    for (rm_watch_t *watch = (rm_watch_t *) zhashx_first (self->watches); watch;
         watch = (rm_watch_t *) zhashx_next (self->watches))
        watch->pos = NULL;
    zhashx_t *positions = tw_clone_positions (self->clone);
    for (const tw_position_t *pos = (const tw_position_t *) zhashx_first (positions); pos;
         pos = (const tw_position_t *) zhashx_next (positions))
        s_hold (self, s_track (self, pos));
    if (zhashx_size (self->watches) == zhashx_size (positions))
        return;
    zlistx_t *gone = zlistx_new ();
    for (rm_watch_t *watch = (rm_watch_t *) zhashx_first (self->watches); watch;
         watch = (rm_watch_t *) zhashx_next (self->watches))
        if (!watch->pos)
            zlistx_add_end (gone, watch);
    for (rm_watch_t *watch = (rm_watch_t *) zlistx_first (gone); watch;
         watch = (rm_watch_t *) zlistx_next (gone))
        s_untrack (self, watch);
    zlistx_destroy (&gone);
}

//  Keeps the watches, the index and the command table in step with the
//  clone.
static void
s_on_clone (tw_clone_t *clone, const tw_msg_t *msg, void *arg)
{
    rm_t *self = (rm_t *) arg;
    const char *id = msg->u.event.pos.id;
    self->open_stale = true;
    if (msg->type == TW_MSG_SNAPSHOT_REPLY) {
        //  A new gateway run: it must hear of the stale symbols again.
        if (self->epoch && msg->u.snapshot.epoch != self->epoch)
            rm_feedreport_forget (self->feedreport);
        self->epoch = msg->u.snapshot.epoch;
        s_resynced (self);
        return;
    }
    if (msg->type == TW_MSG_POSITION_CLOSED) {
        rm_watch_t *watch = (rm_watch_t *) zhashx_lookup (self->watches, id);
        if (watch)
            s_untrack (self, watch);
        rm_commands_forget (self->commands, id);
        return;
    }
    const tw_position_t *pos = tw_clone_lookup (clone, id);
    if (!pos)
        return; //  order_rejected: no position
    rm_watch_t *watch = s_track (self, pos);
    //  A changed position may have a trailing move due without a tick.
    s_hold (self, watch);
    switch (msg->type) {
    case TW_MSG_POSITION_OPENED:
        //  Its symbol's feed is watched from now (unless already stale).
        if (!watch->bucket->stale)
            watch->bucket->watched_since_ms = tw_clock_mono_ms ();
        //  Seen opening: its sl is the one it opened with (rm_rules.h).
        memset (&watch->trail, 0, sizeof watch->trail);
        watch->trail.opened_here = true;
        watch->last_modify_ms = 0;
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
    //  waiting for the next tick. s_persist_trail may drop the watch from
    //  the held set (the last one takes its slot), so walk from the end.
    if (!tw_clone_synced (self->clone))
        return 0;
    for (size_t i = self->held.count; i > 0; i--) {
        if (i > self->held.count)
            continue;
        rm_watch_t *watch = self->held.items[i - 1];
        s_persist_trail (self, watch->pos, watch, now_ms);
    }
    return 0;
}

//  Closes the open positions of a stale symbol ("Kill Switch"), each
//  unless a close of it is in flight or held back.
static void
s_flatten_stale (rm_t *self, const char *symbol, rm_bucket_t *bucket, int64_t age_ms,
                 int64_t now_ms)
{
    for (size_t i = 0; i < bucket->count; i++) {
        const tw_position_t *pos = bucket->items[i]->pos;
        char req_id[TW_ID_MAX];
        if (pos->state == TW_STATE_OPEN
            && s_start_close (self, pos, TW_REASON_KILL_SWITCH, now_ms, req_id, sizeof req_id) == 0)
            tw_warn ("close id=%s reason=\"%s\" feed stale symbol=%s age_ms=%" PRId64 " req_id=%s",
                     pos->id, TW_REASON_KILL_SWITCH, symbol, age_ms, req_id);
    }
}

//  Reports the symbols with an open position and no good tick for
//  stale_feed_ms (once each, until a tick comes), and sums them up for ping.
static int
s_on_stale_check (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    rm_t *self = (rm_t *) arg;
    if (!tw_clone_synced (self->clone))
        return 0; //  no records to look at; the clone reports its own silence
    int64_t now_ms = tw_clock_mono_ms ();
    int64_t stale = 0;
    int64_t oldest = 0;
    for (rm_bucket_t *bucket = (rm_bucket_t *) zhashx_first (self->symbols); bucket;
         bucket = (rm_bucket_t *) zhashx_next (self->symbols)) {
        const char *symbol = (const char *) zhashx_cursor (self->symbols);
        size_t open = 0;
        for (size_t i = 0; i < bucket->count; i++)
            if (bucket->items[i]->pos->state == TW_STATE_OPEN)
                open++;
        if (open == 0) {
            if (bucket->stale)
                tw_info ("feed stale no longer watched symbol=%s (no open position)", symbol);
            bucket->stale = false;
            rm_feedreport_set (self->feedreport, symbol, false, 0, now_ms);
            bucket->watched_since_ms = 0;
            continue;
        }
        if (bucket->watched_since_ms == 0)
            bucket->watched_since_ms = now_ms;
        int64_t since = bucket->last_tick_ms > bucket->watched_since_ms ? bucket->last_tick_ms
                                                                        : bucket->watched_since_ms;
        int64_t age_ms = now_ms - since;
        if (age_ms > oldest)
            oldest = age_ms;
        if (age_ms < self->stale_feed_ms)
            continue;
        stale++;
        if (!bucket->stale) {
            bucket->stale = true;
            tw_error ("feed stale symbol=%s age_ms=%" PRId64 " open_positions=%zu "
                      "stale_feed_ms=%" PRId64 " flatten_on_stale_feed=%s",
                      symbol, age_ms, open, self->stale_feed_ms,
                      self->flatten_on_stale_feed ? "true" : "false");
        }
        rm_feedreport_set (self->feedreport, symbol, true, age_ms, now_ms);
        if (self->flatten_on_stale_feed)
            s_flatten_stale (self, symbol, bucket, age_ms, now_ms);
    }
    self->stale_symbols = stale;
    self->oldest_tick_age_ms = oldest;
    rm_feedreport_retry (self->feedreport, now_ms);
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
    self->guard = tw_tickguard_new (config, "risk");
    self->stale_feed_ms = tw_config_int (config, "risk", "stale_feed_ms");
    self->flatten_on_stale_feed = tw_config_bool (config, "risk", "flatten_on_stale_feed");
    self->watches = zhashx_new ();
    zhashx_set_destructor (self->watches, s_watch_destroy);
    self->symbols = zhashx_new ();
    zhashx_set_destructor (self->symbols, s_bucket_destroy);

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
    self->feedreport = rm_feedreport_new (self->requester, self->close_ttl_ms);
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
    int64_t stale_check_ms = self->stale_feed_ms / 4;
    if (stale_check_ms < RM_STALE_CHECK_MIN_MS)
        stale_check_ms = RM_STALE_CHECK_MIN_MS;
    if (stale_check_ms > RM_STALE_CHECK_MAX_MS)
        stale_check_ms = RM_STALE_CHECK_MAX_MS;
    zloop_timer (self->loop, (size_t) stale_check_ms, 0, s_on_stale_check, self);
    return 0;
}

static void
s_teardown (rm_t *self)
{
    zloop_destroy (&self->loop);
    tw_control_destroy (&self->control);
    tw_clone_destroy (&self->clone);
    rm_commands_destroy (&self->commands);
    rm_feedreport_destroy (&self->feedreport);
    tw_requester_destroy (&self->requester);
    zsock_destroy (&self->ticks);
    zhashx_destroy (&self->watches);
    zhashx_destroy (&self->symbols);
    free (self->held.items);
    tw_tickguard_destroy (&self->guard);
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
             " trail_modify_interval_ms=%" PRId64 " stale_feed_ms=%" PRId64
             " flatten_on_stale_feed=%s simulated_ticks=%s",
             tw_config_str (self.config, "endpoints", "feed_pub"),
             tw_config_str (self.config, "endpoints", "gateway_rep"), self.close_ttl_ms,
             self.trail_modify_interval_ms, self.stale_feed_ms,
             self.flatten_on_stale_feed ? "true" : "false",
             tw_tickguard_refuses_simulated (self.guard) ? "refused" : "allowed");
    zloop_start (self.loop);
    const rm_commands_stats_t *stats = rm_commands_stats (self.commands);
    tw_info ("risk stopped ticks=%" PRId64 " closes_sent=%" PRIu64 " modifies_sent=%" PRIu64,
             self.ticks_seen, stats->closes_sent, stats->modifies_sent);
    s_teardown (&self);
}
