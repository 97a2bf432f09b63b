//  gw_actor - the order gateway's loop: commands on a ROUTER, events on a
//  PUB, broker results on the broker actor's pipe (gw_jobs), a heartbeat
//  timer.
//
//  A command is decoded strictly, deduplicated by req_id against the store
//  (a repeat gets the first reply and does nothing), checked for expiry, and
//  dispatched. open and close are acknowledged as soon as they are durably
//  recorded; their outcome follows as events. Nothing here waits for the
//  broker: broker calls go to the broker actor and come back as messages.
//
//  The trading state (docs/design.md §4.5) is held here and in the store:
//  active takes every command; reducing and halted refuse opens (closes,
//  modifies and flattens go on). flatten leaves the gateway halted, resume
//  returns it to active; each change is one trading_state event.

#include "gw_actor.h"
#include "gw_broker.h"
#include "gw_checkpoint.h"
#include "gw_events.h"
#include "gw_exit.h"
#include "gw_fyers.h"
#include "gw_jobs.h"
#include "gw_journal.h"
#include "gw_limits.h"
#include "gw_market_poll.h"
#include "gw_open.h"
#include "gw_ordersock.h"
#include "gw_reconcile.h"
#include "gw_session.h"
#include "gw_stop.h"
#include "gw_store.h"
#include "gw_warnings.h"
#include "tw_clock.h"
#include "tw_control.h"
#include "tw_log.h"
#include "tw_service.h"
#include "tw_sock.h"
#include "tw_token.h"

#include <inttypes.h>
#include <string.h>

//  How often the order socket looks for a new token in the token file.
#define GW_ORDERSOCK_TOKEN_CHECK_MS 5000
#define GW_LOG_INTERVAL_MS 5000

typedef struct {
    uint64_t commands;
    uint64_t rejected;
    uint64_t duplicates;
    uint64_t malformed;
} gw_counters_t;

typedef struct {
    tw_service_t *service;
    tw_config_t *config;
    zsock_t *pipe;
    zloop_t *loop;
    zsock_t *router;
    zsock_t *pub;
    zactor_t *broker;
    gw_store_t *store;
    gw_checkpoint_t *checkpoint; //  the store's WAL checkpoints, NULL when in commits
    gw_events_t *events;
    gw_jobs_t *jobs;
    gw_exits_t *exits;
    gw_opens_t *opens;
    gw_reconcile_t *reconcile;
    gw_stops_t *stops; //  the broker stops (docs/design.md §4.7)
    gw_journal_t *journal;
    gw_limits_t *limits;
    gw_session_t *session;
    gw_market_poll_t *market_poll; //  the broker's market status (fyers), NULL when off
    gw_warnings_t *warnings;       //  feed_stale and token_expiry
    gw_wall_clock_fn *wall_clock;  //  of the session rules
    tw_log_limit_t square_off_log;
    //  The IST day on which an operator resumed: the daily loss limit does
    //  not trip again that day (in memory: a restart checks it afresh).
    char resumed_day[TW_DAY_MAX];
    zactor_t *ordersock;         //  the order socket (fyers only), NULL when off
    tw_token_t *ordersock_token; //  its token: FYERS_ACCESS_TOKEN, else [fyers] token_file
    gw_ordersock_state_t ordersock_state;
    int64_t ordersock_connects;
    int64_t started_ms;
    size_t req_table_max;
    //  The last flatten: an open accepted before it that fills after it is
    //  closed at once, so that a kill switch leaves nothing open.
    int64_t flatten_ms; //  wall clock; 0 = none since start
    char flatten_reason[TW_REASON_MAX];
    tw_trading_state_t trading_state; //  as in the store
    char trading_reason[TW_TEXT_MAX]; //  why it is what it is
    gw_counters_t counters;
    tw_log_limit_t bad_log;
} gw_t;

static int s_set_trading_state (gw_t *self, tw_trading_state_t state, const char *reason);

//  [limits] daily_loss_limit: once the IST day's realised loss reaches it,
//  an active gateway goes to reducing (docs/design.md §4.6).
static void
s_check_daily_loss (gw_t *self)
{
    double limit = gw_limits_daily_loss (self->limits);
    if (limit <= 0 || self->trading_state != TW_TRADING_ACTIVE)
        return;
    char day[TW_DAY_MAX], err[TW_TEXT_MAX];
    int64_t from = 0, to = 0;
    gw_store_journal_stats_t stats;
    if (gw_journal_day_range ("", tw_clock_wall_ns (), day, &from, &to, err, sizeof err) != 0
        || gw_store_journal_stats (self->store, from, to, &stats) != 0)
        return;
    if (stats.realized_pnl > -limit || strcmp (day, self->resumed_day) == 0)
        return;
    char why[TW_TEXT_MAX];
    snprintf (why, sizeof why, "daily_loss_limit: realised %.2f on %s, limit %.0f",
              stats.realized_pnl, day, limit);
    s_set_trading_state (self, TW_TRADING_REDUCING, why);
}

//  [session] square_off: every OPEN INTRADAY position of a segment whose
//  square-off is due is closed as `EOD Square-off` through the exit path,
//  at every heartbeat until its market closes (gw_session.h), so that a
//  restart after the minute, or an open filled after it, is closed too. Not
//  before the start-up reconciliation (as a flatten is refused then).
static void
s_square_off (gw_t *self)
{
    if (!gw_reconcile_done (self->reconcile))
        return;
    bool due[GW_SEGMENT_COUNT], any = false;
    int64_t now = self->wall_clock ();
    for (int s = 0; s < GW_SEGMENT_COUNT; s++)
        any |= due[s] = gw_session_square_off_due (self->session, (gw_segment_t) s, now);
    gw_position_row_t *rows = NULL;
    size_t count = 0;
    if (!any || gw_store_list_positions (self->store, &rows, &count) != 0)
        return;
    for (size_t i = 0; i < count; i++) {
        const tw_position_t *pos = &rows[i].pos;
        gw_segment_t segment = gw_session_segment (pos->symbol);
        if (pos->state != TW_STATE_OPEN || !gw_session_intraday (pos->product)
            || segment == GW_SEGMENT_NONE || !due[segment])
            continue;
        char why[TW_TEXT_MAX] = "";
        if (gw_exit_start (self->exits, pos->id, TW_REASON_EOD_SQUARE_OFF, NULL, why, sizeof why)
            == TW_ACK_ACCEPTED)
            tw_warn ("EOD square-off id=%s market=%s", pos->id, gw_session_segment_name (segment));
        else
            tw_log_limited (&self->square_off_log, TW_LOG_WARN,
                            "EOD square-off of id=%s not started: %s", pos->id, why);
    }
    free (rows);
}

static int
s_on_heartbeat (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    gw_t *self = (gw_t *) arg;
    s_check_daily_loss (self);
    s_square_off (self);
    gw_warnings_check (self->warnings, tw_clock_wall_ns ());
    //  Broker stops still to place: after a restart, an exit_failed, a
    //  failed placement's backoff (not before the start-up reconciliation).
    if (gw_reconcile_done (self->reconcile))
        gw_stops_sync_all (self->stops);
    gw_events_heartbeat (self->events, self->trading_state);
    return 0;
}

//  An open accepted before the last flatten that fills after it is closed
//  at once with the flatten's reason.
static void
s_on_open_filled (void *arg, const tw_position_t *pos, int64_t accepted_ms)
{
    gw_t *self = (gw_t *) arg;
    if (self->flatten_ms == 0 || accepted_ms > self->flatten_ms) {
        gw_stop_sync (self->stops, pos->id); //  the broker stop of the filled quantity
        return;
    }
    char error[TW_TEXT_MAX];
    tw_warn ("open filled after a flatten id=%s: closing it", pos->id);
    if (gw_exit_start (self->exits, pos->id, self->flatten_reason, NULL, error, sizeof error)
        != TW_ACK_ACCEPTED)
        tw_error ("exit after flatten not started id=%s error=\"%s\"", pos->id, error);
}

//  A position closed, or back OPEN after an exit_failed (without its broker
//  stop): gw_stop syncs it at the next heartbeat.
static void
s_on_position_event (void *arg, tw_msg_type_t type, const tw_position_t *pos)
{
    if (type == TW_MSG_POSITION_CLOSED || type == TW_MSG_EXIT_FAILED)
        gw_stop_touch ((gw_stops_t *) arg, pos->id);
}

//  Every broker answer says when the broker's token ends (token_expiry); a
//  broker's notice (the paper broker's stop filled) makes the gateway read
//  the positions at once, as an order-socket push does.
static void
s_on_broker_result (void *arg, gw_call_t *call)
{
    gw_t *self = (gw_t *) arg;
    if (call->op == GW_OP_NOTICE) {
        tw_info ("broker notice id=%s: reconciling now", call->position_id);
        gw_reconcile_now (self->reconcile);
        return;
    }
    gw_warnings_token (self->warnings, call->token_exp);
}

//  Moves the gateway to state (durably, then a trading_state event). Nothing
//  is written when it is already there. 0, or -1 (logged; state unchanged).
static int
s_set_trading_state (gw_t *self, tw_trading_state_t state, const char *reason)
{
    if (state == self->trading_state)
        return 0;
    gw_change_t change = {.type = TW_MSG_TRADING_STATE, .trading_state = state};
    change.extra.trading_state = state;
    snprintf (change.extra.detail, sizeof change.extra.detail, "%s", reason);
    if (gw_events_commit (self->events, &change) != 0) {
        tw_error ("trading state not recorded trading_state=%s reason=\"%s\"",
                  tw_trading_state_name (state), reason);
        return -1;
    }
    tw_warn ("trading_state %s -> %s reason=\"%s\"", tw_trading_state_name (self->trading_state),
             tw_trading_state_name (state), reason);
    self->trading_state = state;
    snprintf (self->trading_reason, sizeof self->trading_reason, "%s", reason);
    return 0;
}

static void
s_reply_ack (tw_msg_t *reply, const tw_msg_t *request, tw_ack_status_t status, const char *error)
{
    tw_msg_init (reply, TW_MSG_ACK);
    //  An ack always names a req_id; a request we could not read had none.
    const char *req_id = request && request->req_id[0] ? request->req_id : "unknown";
    snprintf (reply->req_id, sizeof reply->req_id, "%s", req_id);
    reply->u.ack.status = status;
    snprintf (reply->u.ack.error, sizeof reply->u.ack.error, "%s", error ? error : "");
}

//  Answers a snapshot. One that fits in one reply (TW_MAX_POSITIONS) goes
//  as before, with no part numbers. A larger one goes in parts to an asker
//  that takes them (in_parts): parts - 1 replies sent here, back to back and
//  in order, and the last one left in reply for the caller; every part
//  carries the same req_id, epoch and seq (docs/design.md §2). An asker that
//  does not take parts gets a rejection that says why, never a cut copy.
static void
s_snapshot (gw_t *self, zsock_t *router, const tw_request_t *envelope, const tw_msg_t *request,
            tw_msg_t *reply)
{
    gw_position_row_t *rows = NULL;
    size_t count = 0;
    if (gw_store_list_positions (self->store, &rows, &count) != 0) {
        s_reply_ack (reply, request, TW_ACK_REJECTED, "store error");
        return;
    }
    size_t parts = count ? (count + TW_MAX_POSITIONS - 1) / TW_MAX_POSITIONS : 1;
    if (parts > 1 && !request->u.snapshot.in_parts) {
        char error[TW_TEXT_MAX];
        snprintf (error, sizeof error,
                  "a snapshot of %zu positions needs %zu parts: ask with parts=true", count, parts);
        tw_warn ("snapshot refused positions=%zu error=\"%s\"", count, error);
        s_reply_ack (reply, request, TW_ACK_REJECTED, error);
        free (rows);
        return;
    }
    for (size_t part = 0; part < parts; part++) {
        size_t first = part * TW_MAX_POSITIONS;
        size_t n = count - first < TW_MAX_POSITIONS ? count - first : TW_MAX_POSITIONS;
        tw_msg_init (reply, TW_MSG_SNAPSHOT_REPLY);
        snprintf (reply->req_id, sizeof reply->req_id, "%s", request->req_id);
        reply->u.snapshot.epoch = gw_store_epoch (self->store);
        reply->u.snapshot.trading_state = self->trading_state;
        reply->u.snapshot.seq = gw_store_seq (self->store);
        reply->u.snapshot.has_parts = parts > 1;
        reply->u.snapshot.part = part;
        reply->u.snapshot.parts = parts;
        reply->u.snapshot.count = n;
        reply->u.snapshot.positions = (tw_position_t *) calloc (n ? n : 1, sizeof (tw_position_t));
        assert (reply->u.snapshot.positions);
        for (size_t i = 0; i < n; i++)
            reply->u.snapshot.positions[i] = rows[first + i].pos;
        //  Each part carries the marks of its own positions' symbols.
        if (request->u.snapshot.with_marks)
            gw_journal_add_marks (self->journal, &reply->u.snapshot);
        if (part + 1 < parts) {
            //  tw_router_reply consumes the envelope: each part gets a copy.
            tw_request_t copy = {.envelope = zmsg_dup (envelope->envelope)};
            tw_router_reply (router, &copy, reply);
            tw_msg_reset (reply);
        }
    }
    free (rows);
}

static void
s_status (gw_t *self, const tw_msg_t *request, tw_msg_t *reply)
{
    tw_control_pong (request, reply, tw_service_name (self->service), self->started_ms);
    tw_pong_t *pong = &reply->u.pong;
    pong->trading_state = self->trading_state;
    size_t count = 0;
    gw_store_count_positions (self->store, &count);
    tw_control_counter (pong, "seq", (int64_t) gw_store_seq (self->store));
    tw_control_counter (pong, "positions", (int64_t) count);
    tw_control_counter (pong, "exits_in_flight", (int64_t) gw_exits_in_flight (self->exits));
    tw_control_counter (pong, "opens_in_flight", (int64_t) gw_opens_in_flight (self->opens));
    tw_control_counter (pong, "reconciled", gw_reconcile_done (self->reconcile));
    tw_control_counter (pong, "commands", (int64_t) self->counters.commands);
    tw_control_counter (pong, "rejected", (int64_t) self->counters.rejected);
    tw_control_counter (pong, "duplicates", (int64_t) self->counters.duplicates);
    tw_control_counter (pong, "malformed", (int64_t) self->counters.malformed);
    tw_control_counter (pong, "broker_calls", (int64_t) gw_jobs_calls (self->jobs));
    tw_control_counter (pong, "exits_closed", (int64_t) gw_exits_closed (self->exits));
    tw_control_counter (pong, "exits_failed", (int64_t) gw_exits_failed (self->exits));
    tw_control_counter (pong, "opens_filled", (int64_t) gw_opens_filled (self->opens));
    tw_control_counter (pong, "opens_rejected", (int64_t) gw_opens_rejected (self->opens));
    tw_control_counter (pong, "reconciles", (int64_t) gw_reconcile_runs (self->reconcile));
    tw_control_counter (pong, "mismatches", (int64_t) gw_reconcile_mismatches (self->reconcile));
    tw_control_counter (pong, "order_socket", self->ordersock_state);
    tw_control_counter (pong, "order_socket_connects", self->ordersock_connects);
    tw_control_counter (pong, "broker_stop", gw_stops_enabled (self->stops));
    tw_control_counter (pong, "broker_stops_placed", (int64_t) gw_stops_placed (self->stops));
    tw_control_counter (pong, "broker_stops_moved", (int64_t) gw_stops_moved (self->stops));
    tw_control_counter (pong, "broker_stops_fired", (int64_t) gw_stops_fired (self->stops));
    tw_control_counter (pong, "broker_stops_orphans", (int64_t) gw_stops_orphans (self->stops));
    if (self->checkpoint) {
        tw_control_counter (pong, "store_checkpoints",
                            (int64_t) gw_checkpoint_runs (self->checkpoint));
        tw_control_counter (pong, "store_checkpoint_failures",
                            (int64_t) gw_checkpoint_failures (self->checkpoint));
    }
}

static tw_ack_status_t
s_flatten (gw_t *self, const tw_msg_t *request, const tw_msg_t *reply, char *error,
           size_t error_size)
{
    gw_position_row_t *rows = NULL;
    size_t count = 0;
    if (gw_store_list_positions (self->store, &rows, &count) != 0) {
        snprintf (error, error_size, "store error");
        return TW_ACK_REJECTED;
    }
    const char *reason =
        request->u.flatten.reason[0] ? request->u.flatten.reason : TW_REASON_KILL_SWITCH;
    int started = 0;
    self->flatten_ms = tw_clock_wall_ns () / TW_NS_PER_MS;
    snprintf (self->flatten_reason, sizeof self->flatten_reason, "%s", reason);
    for (size_t i = 0; i < count; i++) {
        char why[TW_TEXT_MAX] = "";
        //  A kill switch ignores the cooldown of a failed exit: it is a person
        //  asking for flat now. Positions already closing are left to finish.
        if (rows[i].pos.state == TW_STATE_OPEN) {
            if (rows[i].pos.exit_failed) {
                rows[i].last_exit_failed_ms = 0;
                gw_change_t change = {.type = TW_MSG_INVALID, .position = &rows[i]};
                gw_events_commit (self->events, &change);
            }
            if (gw_exit_start (self->exits, rows[i].pos.id, reason, reply, why, sizeof why)
                == TW_ACK_ACCEPTED)
                started++;
            else
                tw_error ("flatten could not start exit id=%s error=\"%s\"", rows[i].pos.id, why);
        }
    }
    free (rows);
    tw_warn ("flatten reason=\"%s\" positions=%zu exits_started=%d req_id=%s", reason, count,
             started, request->req_id);
    char why[TW_TEXT_MAX];
    snprintf (why, sizeof why, "flatten (%s)", reason);
    if (s_set_trading_state (self, TW_TRADING_HALTED, why) != 0)
        tw_error ("flatten: the exits started but the gateway could not be halted");
    return TW_ACK_ACCEPTED;
}

//  resume: back to active from halted or reducing.
static tw_ack_status_t
s_resume (gw_t *self, const tw_msg_t *request, char *error, size_t error_size)
{
    char why[TW_TEXT_MAX];
    snprintf (why, sizeof why, "resume%s%s", request->u.resume.reason[0] ? ": " : "",
              request->u.resume.reason);
    if (s_set_trading_state (self, TW_TRADING_ACTIVE, why) != 0) {
        snprintf (error, error_size, "store error");
        return TW_ACK_REJECTED;
    }
    char err[TW_TEXT_MAX];
    int64_t from = 0, to = 0;
    if (gw_journal_day_range ("", tw_clock_wall_ns (), self->resumed_day, &from, &to, err,
                              sizeof err)
        != 0)
        self->resumed_day[0] = 0;
    return TW_ACK_ACCEPTED;
}

//  An open in a state that refuses opens: the reason names the state, why
//  it is so and the way out.
static bool
s_opens_refused (gw_t *self, char *error, size_t error_size)
{
    if (self->trading_state == TW_TRADING_ACTIVE)
        return false;
    snprintf (error, error_size,
              "gateway is %s (%.120s): opens are refused until `tradectl resume`",
              tw_trading_state_name (self->trading_state), self->trading_reason);
    return true;
}

//  The pre-trade checks (gw_limits.h) of an open from source.
static bool
s_open_checked (gw_t *self, const tw_msg_t *request, const char *source, char *error,
                size_t error_size)
{
    size_t count = 0;
    if (gw_store_count_positions (self->store, &count) != 0) {
        snprintf (error, error_size, "store error: open positions not counted");
        return false;
    }
    count += gw_opens_in_flight (self->opens);
    double last = gw_journal_last (self->journal, request->u.open.symbol);
    return gw_limits_check (self->limits, &request->u.open, last, count, source,
                            tw_clock_mono_ms (), error, error_size)
           == 0;
}

//  open, close, modify, flatten, resume, feed_report: dedup, expiry, then
//  the change.
static void
s_mutating (gw_t *self, const tw_msg_t *request, const char *source, tw_msg_t *reply)
{
    uint8_t *stored = NULL;
    size_t size = 0;
    char error[TW_TEXT_MAX] = "";
    if (gw_store_get_reply (self->store, request->req_id, &stored, &size) == 0) {
        int rc = tw_msg_decode (stored, size, reply, error, sizeof error);
        free (stored);
        if (rc == 0) {
            self->counters.duplicates++;
            tw_info ("repeat req_id=%s type=%s: first reply sent again", request->req_id,
                     tw_msg_type_name (request->type));
            return;
        }
        tw_error ("stored reply unreadable req_id=%s error=\"%s\"", request->req_id, error);
    }
    int64_t now = tw_clock_wall_ns ();
    if (request->expires_at != 0 && request->expires_at < now) {
        snprintf (error, sizeof error, "expired %lld ms ago",
                  (long long) ((now - request->expires_at) / TW_NS_PER_MS));
        s_reply_ack (reply, request, TW_ACK_REJECTED, error);
        return;
    }
    //  A feed report changes nothing at the broker: it is relayed at once.
    if (request->type != TW_MSG_FEED_REPORT && !gw_reconcile_done (self->reconcile)) {
        s_reply_ack (reply, request, TW_ACK_REJECTED,
                     "gateway is reconciling with the broker; retry shortly");
        return;
    }
    s_reply_ack (reply, request, TW_ACK_ACCEPTED, NULL);
    tw_ack_status_t status = TW_ACK_REJECTED;
    bool stored_with_change = false;
    switch (request->type) {
    case TW_MSG_OPEN:
        s_check_daily_loss (self);
        if (s_opens_refused (self, error, sizeof error)
            || gw_session_check_open (self->session, request->u.open.symbol,
                                      request->u.open.product, self->wall_clock (), error,
                                      sizeof error)
                   != 0
            || !s_open_checked (self, request, source, error, sizeof error))
            break;
        status = gw_open_start (self->opens, request, reply, error, sizeof error);
        stored_with_change = true;
        break;
    case TW_MSG_RESUME:
        status = s_resume (self, request, error, sizeof error);
        break;
    case TW_MSG_FEED_REPORT:
        status = gw_warnings_feed (self->warnings, request, reply, error, sizeof error);
        stored_with_change = true;
        break;
    case TW_MSG_CLOSE:
        snprintf (reply->u.ack.id, sizeof reply->u.ack.id, "%s", request->u.close.id);
        status = gw_exit_start (self->exits, request->u.close.id, request->u.close.reason, reply,
                                error, sizeof error);
        stored_with_change = true;
        break;
    case TW_MSG_MODIFY:
        snprintf (reply->u.ack.id, sizeof reply->u.ack.id, "%s", request->u.modify.id);
        status = gw_open_modify (self->opens, request, error, sizeof error);
        if (status == TW_ACK_ACCEPTED)
            gw_stop_sync (self->stops, request->u.modify.id); //  the broker stop follows

        break;
    default:
        status = s_flatten (self, request, reply, error, sizeof error);
        break;
    }
    reply->u.ack.status = status;
    snprintf (reply->u.ack.error, sizeof reply->u.ack.error, "%s",
              status == TW_ACK_REJECTED ? error : "");
    if (status == TW_ACK_REJECTED) {
        self->counters.rejected++;
        tw_warn ("rejected type=%s req_id=%s error=\"%s\"", tw_msg_type_name (request->type),
                 request->req_id, error);
    }
    else if (status == TW_ACK_DUPLICATE)
        self->counters.duplicates++;
    //  Accepted opens and closes stored their reply with the change itself.
    if (status != TW_ACK_REJECTED && !(stored_with_change && status == TW_ACK_ACCEPTED))
        gw_events_put_reply (self->events, reply);
}

static int
s_on_command (zloop_t *loop, zsock_t *router, void *arg)
{
    (void) loop;
    gw_t *self = (gw_t *) arg;
    tw_request_t request = {0};
    //  Zeroed: tw_router_recv resets msg first, and a reset of stack garbage
    //  that reads as a snapshot reply frees a wild pointer.
    tw_msg_t msg = {0}, reply = {0};
    char error[TW_TEXT_MAX] = "";
    if (tw_router_recv (router, &request, &msg, error, sizeof error) != 0) {
        self->counters.malformed++;
        tw_log_limited (&self->bad_log, TW_LOG_WARN, "malformed command error=\"%s\"", error);
        if (request.envelope) {
            s_reply_ack (&reply, NULL, TW_ACK_REJECTED, error);
            tw_router_reply (router, &request, &reply);
        }
        tw_request_destroy (&request);
        return 0;
    }
    self->counters.commands++;
    switch (msg.type) {
    case TW_MSG_PING:
        tw_control_pong (&msg, &reply, tw_service_name (self->service), self->started_ms);
        tw_control_counter (&reply.u.pong, "order_socket", self->ordersock_state);
        reply.u.pong.trading_state = self->trading_state;
        break;
    case TW_MSG_STATUS:
        s_status (self, &msg, &reply);
        break;
    case TW_MSG_SNAPSHOT:
        s_snapshot (self, router, &request, &msg, &reply);
        break;
    case TW_MSG_HISTORY:
        gw_journal_history (self->journal, &msg, &reply);
        break;
    case TW_MSG_PNL:
        gw_journal_pnl (self->journal, &msg, &reply);
        break;
    case TW_MSG_OPEN:
    case TW_MSG_CLOSE:
    case TW_MSG_MODIFY:
    case TW_MSG_FLATTEN:
    case TW_MSG_RESUME:
    case TW_MSG_FEED_REPORT: {
        //  The source of max_orders_per_min: the client's routing id.
        char source[2 * TW_ID_MAX + 1] = "";
        zframe_t *id = request.envelope ? zmsg_first (request.envelope) : NULL;
        for (size_t i = 0; id && i < zframe_size (id) && i < TW_ID_MAX; i++)
            snprintf (source + 2 * i, 3, "%02x", zframe_data (id)[i]);
        s_mutating (self, &msg, source, &reply);
        break;
    }
    default:
        snprintf (error, sizeof error, "'%s' is not a gateway command",
                  tw_msg_type_name (msg.type));
        s_reply_ack (&reply, &msg, TW_ACK_REJECTED, error);
        self->counters.rejected++;
        break;
    }
    tw_router_reply (router, &request, &reply);
    tw_request_destroy (&request);
    tw_msg_reset (&msg);
    tw_msg_reset (&reply);
    return 0;
}

//  True when the store holds id as the broker's push says: live and OPEN
//  at net_qty (signed), or not live at all and net_qty 0.
static bool
s_position_in_line (gw_t *self, const char *id, int64_t net_qty)
{
    gw_position_row_t row;
    int found = gw_store_get_position (self->store, id, &row);
    if (found == 1)
        return net_qty == 0;
    if (found != 0 || row.pos.state != TW_STATE_OPEN)
        return false;
    return (row.pos.side == TW_SIDE_LONG ? row.pos.qty : -row.pos.qty) == net_qty;
}

//  Reads an integer frame of the order socket's pipe; false when it is ""
//  or not a whole number.
static bool
s_pushed_int (const char *text, int64_t *value)
{
    char *end = NULL;
    if (!text || !text[0])
        return false;
    long long parsed = strtoll (text, &end, 10);
    if (*end)
        return false;
    *value = parsed;
    return true;
}

//  Pops a price frame of the order socket's pipe; 0 when "" or absent.
static double
s_pushed_price (zmsg_t *msg)
{
    char *text = zmsg_popstr (msg);
    double value = text && text[0] ? strtod (text, NULL) : 0;
    zstr_free (&text);
    return value > 0 ? value : 0;
}

//  An order the socket pushed: an open waiting for its tag looks it up; a
//  fill (status 2) may be an exit's own.
static void
s_order_pushed (gw_t *self, zmsg_t *msg, const char *id, const char *tag)
{
    char *status = zmsg_popstr (msg), *symbol = zmsg_popstr (msg), *side = zmsg_popstr (msg);
    char *product = zmsg_popstr (msg), *filled = zmsg_popstr (msg);
    double traded = s_pushed_price (msg);
    if (tag[0])
        gw_open_poke (self->opens, tag);
    int64_t status_code, side_code, filled_qty;
    if (s_pushed_int (status, &status_code) && status_code == GW_FYERS_STATUS_FILLED
        && s_pushed_int (side, &side_code) && (side_code == 1 || side_code == -1)
        && s_pushed_int (filled, &filled_qty) && filled_qty > 0 && symbol && product)
        gw_exit_fill_pushed (self->exits, id, symbol, product,
                             side_code == 1 ? TW_SIDE_LONG : TW_SIDE_SHORT, traded);
    zstr_free (&status);
    zstr_free (&symbol);
    zstr_free (&side);
    zstr_free (&product);
    zstr_free (&filled);
}

//  What the order socket reports (docs/design.md §5): after a (re)connect
//  the broker is read at once (pushes were lost); an exit in progress takes
//  the pushes of its position and its fill; any other position the broker
//  pushes is read at once unless the store already holds it so.
static int
s_on_ordersock (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    gw_t *self = (gw_t *) arg;
    zmsg_t *msg = zmsg_recv (reader);
    if (!msg)
        return 0;
    char *kind = zmsg_popstr (msg);
    char *first = zmsg_popstr (msg);
    char *second = zmsg_popstr (msg);
    if (kind && first && streq (kind, GW_ORDERSOCK_STATE)) {
        bool up = streq (first, "up");
        self->ordersock_state = up ? GW_ORDERSOCK_UP : GW_ORDERSOCK_DOWN;
        gw_exits_set_pushes (self->exits, up);
        if (up) {
            self->ordersock_connects++;
            gw_reconcile_now (self->reconcile); //  what happened while down is read
        }
    }
    else if (kind && first && second && streq (kind, GW_ORDERSOCK_ORDER))
        s_order_pushed (self, msg, first, second);
    else if (kind && first && streq (kind, GW_ORDERSOCK_POSITION)) {
        gw_broker_position_t pos = {.net_qty = 0};
        snprintf (pos.id, sizeof pos.id, "%s", first);
        pos.multiplier = s_pushed_price (msg);
        pos.buy_avg = s_pushed_price (msg);
        pos.sell_avg = s_pushed_price (msg);
        if (!s_pushed_int (second, &pos.net_qty)) {
            gw_exit_poke (self->exits, first);
            gw_reconcile_now (self->reconcile);
        }
        else if (!gw_exit_position_pushed (self->exits, &pos)
                 && !s_position_in_line (self, first, pos.net_qty))
            gw_reconcile_now (self->reconcile);
    }
    zstr_free (&kind);
    zstr_free (&first);
    zstr_free (&second);
    zmsg_destroy (&msg);
    return 0;
}

//  Starts the order socket with broker fyers and a URL (docs/fyers.md §7.3).
//  (Re)starts the order socket with the current token.
static void
s_ordersock_open (gw_t *self)
{
    if (self->ordersock) {
        zloop_reader_end (self->loop, zactor_sock (self->ordersock));
        gw_ordersock_destroy (&self->ordersock);
    }
    const char *url = tw_config_str (self->config, "fyers", "order_socket_url");
    const char *token = tw_token_value (self->ordersock_token);
    self->ordersock = gw_ordersock_new (url, getenv ("FYERS_APP_ID"), token,
                                        tw_config_str (self->config, "fyers", "data_ca_file"));
    self->ordersock_state = GW_ORDERSOCK_DOWN;
    if (!self->ordersock) {
        tw_error ("order socket off: reconciliation every reconcile_interval_ms only");
        return;
    }
    zloop_reader (self->loop, zactor_sock (self->ordersock), s_on_ordersock, self);
}

//  A new token in the token file (the daily login) reconnects the order
//  socket with it, as the broker takes it for its REST calls.
static int
s_on_ordersock_token (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    gw_t *self = (gw_t *) arg;
    char err[TW_TEXT_MAX] = "";
    if (tw_token_check (self->ordersock_token, err, sizeof err) == 1) {
        tw_info ("order socket: a new token from %s, reconnecting",
                 tw_token_source (self->ordersock_token));
        s_ordersock_open (self);
    }
    return 0;
}

static void
s_ordersock_start (gw_t *self)
{
    const char *url = tw_config_str (self->config, "fyers", "order_socket_url");
    const char *app_id = getenv ("FYERS_APP_ID");
    if (!streq (tw_config_str (self->config, "gateway", "broker"), "fyers") || !url[0] || !app_id)
        return;
    self->ordersock_token = tw_token_new (self->config);
    char err[TW_TEXT_MAX] = "";
    if (!self->ordersock_token || tw_token_check (self->ordersock_token, err, sizeof err) < 0
        || !tw_token_value (self->ordersock_token)) {
        tw_warn ("order socket off: no token (%s)", err);
        tw_token_destroy (&self->ordersock_token);
        return;
    }
    s_ordersock_open (self);
    zloop_timer (self->loop, GW_ORDERSOCK_TOKEN_CHECK_MS, 0, s_on_ordersock_token, self);
}

static int
s_setup (gw_t *self)
{
    tw_config_t *config = self->config;
    char err[TW_TEXT_MAX];
    self->session = gw_session_new (config, err, sizeof err);
    if (!self->session) {
        tw_error ("%s", err);
        tw_service_config_error ();
        return -1;
    }
    self->store = gw_store_open (tw_config_str (config, "gateway", "db"), err, sizeof err);
    if (!self->store) {
        tw_error ("cannot open the store: %s", err);
        return -1;
    }
    int64_t checkpoint_ms = tw_config_int (config, "gateway", "checkpoint_interval_ms");
    if (checkpoint_ms > 0) {
        self->checkpoint =
            gw_checkpoint_new (tw_config_str (config, "gateway", "db"), checkpoint_ms);
        if (self->checkpoint && gw_store_set_autocheckpoint (self->store, 0) != 0)
            gw_checkpoint_destroy (&self->checkpoint);
    }
    self->router = tw_sock_router_new (tw_config_str (config, "endpoints", "gateway_rep"));
    self->pub = tw_sock_pub_new (tw_config_str (config, "endpoints", "gateway_pub"));
    if (!self->router || !self->pub)
        return -1;
    self->broker = gw_broker_new (config);
    if (!self->broker)
        return -1;
    self->req_table_max = (size_t) tw_config_int (config, "gateway", "req_table_max");
    if (gw_store_trading_state (self->store, &self->trading_state) != 0) {
        tw_error ("cannot read the trading state from the store");
        return -1;
    }
    snprintf (self->trading_reason, sizeof self->trading_reason, "%s",
              self->trading_state == TW_TRADING_ACTIVE ? "" : "held from before the restart");
    self->bad_log.interval_ms = GW_LOG_INTERVAL_MS;
    self->square_off_log.interval_ms = GW_LOG_INTERVAL_MS;
    srandom ((unsigned) (gw_store_epoch (self->store) ^ (uint64_t) tw_clock_mono_ms ()));

    self->loop = zloop_new ();
    //  The actor stops on $TERM only, so that it can finish cleanly.
    zloop_set_nonstop (self->loop, true);
    zloop_reader (self->loop, self->pipe, tw_service_on_pipe, NULL);
    zloop_reader (self->loop, self->router, s_on_command, self);
    self->events = gw_events_new (self->store, self->pub, self->req_table_max);
    self->warnings =
        gw_warnings_new (self->events, tw_config_int (config, "gateway", "token_warn_min") * 60);
    self->jobs = gw_jobs_new (self->loop, zactor_sock (self->broker));
    gw_jobs_watch (self->jobs, s_on_broker_result, self);
    self->exits = gw_exits_new (self->store, self->events, self->jobs, config);
    self->opens =
        gw_opens_new (self->store, self->events, self->jobs, config, s_on_open_filled, self);
    self->reconcile =
        gw_reconcile_new (self->store, self->events, self->jobs, self->exits, self->opens,
                          tw_config_int (config, "gateway", "reconcile_interval_ms"));
    self->stops = gw_stops_new (self->store, self->events, self->jobs, config);
    gw_reconcile_set_flat_hook (self->reconcile, gw_stop_flat_at_broker, self->stops);
    gw_events_set_listener (self->events, s_on_position_event, self->stops);
    zloop_timer (self->loop, (size_t) tw_config_int (config, "gateway", "heartbeat_ms"), 0,
                 s_on_heartbeat, self);
    self->journal =
        gw_journal_new (self->store, self->loop, tw_config_str (config, "endpoints", "feed_pub"));
    self->limits = gw_limits_new (config);
    int64_t market_interval = tw_config_int (config, "session", "market_status_interval_ms");
    if (streq (tw_config_str (config, "gateway", "broker"), "fyers") && market_interval > 0
        && (gw_session_enforce_hours_on (self->session)
            || gw_session_square_off_on (self->session)))
        self->market_poll =
            gw_market_poll_new (self->jobs, self->session, market_interval, self->wall_clock);
    s_ordersock_start (self);
    return 0;
}

static void
s_teardown (gw_t *self)
{
    //  Exits and opens in progress are abandoned: the store still says
    //  CLOSING or pending, so the next start reconciles them. The broker
    //  destroys the calls it still holds.
    gw_journal_destroy (&self->journal);
    gw_limits_destroy (&self->limits);
    gw_market_poll_destroy (&self->market_poll);
    gw_session_destroy (&self->session);
    if (self->ordersock && self->loop)
        zloop_reader_end (self->loop, zactor_sock (self->ordersock));
    gw_ordersock_destroy (&self->ordersock);
    tw_token_destroy (&self->ordersock_token);
    //  What stays open, and whether a broker stop guards it (docs/design.md §5).
    if (self->stops && self->store)
        gw_stops_log_open (self->stops);
    if (self->events)
        gw_events_set_listener (self->events, NULL, NULL);
    gw_stops_destroy (&self->stops);
    gw_reconcile_destroy (&self->reconcile);
    gw_opens_destroy (&self->opens);
    gw_exits_destroy (&self->exits);
    gw_jobs_destroy (&self->jobs);
    gw_broker_destroy (&self->broker);
    gw_warnings_destroy (&self->warnings);
    gw_events_destroy (&self->events);
    zloop_destroy (&self->loop);
    zsock_destroy (&self->router);
    zsock_destroy (&self->pub);
    gw_checkpoint_destroy (&self->checkpoint); //  then the store's close checkpoints the rest
    gw_store_destroy (&self->store);
}

void
gw_actor (zsock_t *pipe, void *args)
{
    gw_actor_args_t with = {.service = (tw_service_t *) args};
    gw_actor_clocked (pipe, &with);
}

void
gw_actor_clocked (zsock_t *pipe, void *args)
{
    const gw_actor_args_t *with = (const gw_actor_args_t *) args;
    gw_t self;
    memset (&self, 0, sizeof self);
    self.service = with->service;
    self.wall_clock = with->wall_clock ? with->wall_clock : tw_clock_wall_ns;
    self.config = tw_service_config (self.service);
    self.pipe = pipe;
    self.started_ms = tw_clock_mono_ms ();
    if (s_setup (&self) != 0) {
        s_teardown (&self);
        zsock_signal (pipe, 1);
        return;
    }
    zsock_signal (pipe, 0);
    tw_info ("started epoch=%" PRIu64 " seq=%" PRIu64 " trading_state=%s broker=%s db=%s",
             gw_store_epoch (self.store), gw_store_seq (self.store),
             tw_trading_state_name (self.trading_state),
             tw_config_str (self.config, "gateway", "broker"),
             tw_config_str (self.config, "gateway", "db"));
    gw_session_log (self.session, self.wall_clock ());
    gw_reconcile_start (self.reconcile);
    zloop_start (self.loop);
    s_teardown (&self);
    tw_info ("stopped");
}
