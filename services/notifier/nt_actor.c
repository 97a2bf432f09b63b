//  nt_actor - see nt_actor.h.
//
//  One zloop for the ZeroMQ side: the pipe ($TERM), the control socket, the
//  clone's sockets and check timer (tw_clone_attach: it resyncs after a
//  gap, an epoch change or silence), the requester of forwarded closes and
//  its retry timer (tw_requester_attach), and the owner's end of nt_ws's
//  pipe (what the server thread reports). Timers of its own: a first clone
//  check right after the start, the snapshot owed to clients, and the
//  heartbeat frame. Nothing here waits: the clone asks for its snapshot
//  without blocking, frames go to the server thread without blocking, and
//  closes go to the gateway without blocking.
//
//  When a frame cannot be handed to the server thread (its pipe is full)
//  the clients may have missed something, so the next chance sends every
//  client a fresh snapshot instead (resend_snapshot), as a resync would.

#include "nt_actor.h"
#include "nt_alerts.h"
#include "nt_forward.h"
#include "nt_journal.h"
#include "nt_json.h"
#include "nt_riskwatch.h"
#include "nt_ws.h"
#include "tw_clock.h"
#include "tw_clone.h"
#include "tw_config.h"
#include "tw_control.h"
#include "tw_log.h"
#include "tw_requester.h"
#include "tw_service.h"
#include "tw_sock.h"

#include <stdlib.h>
#include <string.h>

//  How often a snapshot owed to clients is tried again.
#define NT_OWED_MS 500
//  The first clone check, right after the start (tw_clone_attach's own
//  timer comes later).
#define NT_FIRST_CHECK_MS 1
//  Heartbeat frames to clients while the copy is in sync (the gateway's pace).
#define NT_HEARTBEAT_MS 1000
//  Sends of a forwarded close before it is reported as timed out.
#define NT_CLOSE_ATTEMPTS 3
#define NT_LOG_INTERVAL_MS 5000
//  Marks go to clients at most this often: 4 updates a second per symbol.
#define NT_MARKS_MS 250
//  Gateway events kept for clients that connect later (the recent frame).
#define NT_RECENT_MAX 300

//  The last tick of a symbol.
typedef struct {
    double ltp;
    int64_t at_ms; //  monotonic, when it arrived
    bool changed;  //  since the last marks frame
} nt_mark_t;

typedef struct {
    tw_service_t *service;
    tw_config_t *config;
    zsock_t *pipe;
    zloop_t *loop;
    tw_control_t *control;
    tw_clone_t *clone;
    tw_requester_t *requester;
    nt_forward_t *forward;
    nt_ws_t *ws;
    bool resend_snapshot;
    zsock_t *feed;                    //  SUB to the feed's ticks, for the marks
    zhashx_t *marks;                  //  symbol -> nt_mark_t *
    zhashx_t *errors;                 //  position id -> char * (its last exit_failed error)
    zhashx_t *warnings;               //  name -> char * (its text): the gateway's, in force
    uint64_t warnings_epoch;          //  the gateway run they come from
    char *recent[NT_RECENT_MAX];      //  event frames, a ring, oldest at recent_head
    int64_t recent_at[NT_RECENT_MAX]; //  when each was sent, wall-clock ms
    size_t recent_head, recent_count;
    //  The welcome every new client gets (nt_ws_welcome_set), made once
    //  per change: stale says that something changed since.
    bool welcome_stale;
    nt_journal_t *journal;
    nt_alerts_t *alerts; //  NULL when no alert endpoint is configured
    //  The watch on the risk-monitor; NULL when [notifier]
    //  risk_watch_interval_ms is 0.
    nt_riskwatch_t *riskwatch;
    bool was_synced; //  the heartbeat's last look at the clone
    bool ever_synced;
    char *journal_json; //  the last journal frame sent; NULL before the first
    int64_t marks_sent;
    int64_t welcomes_built;
    nt_ws_stats_t stats; //  the server thread's counters, as last reported
    tw_log_limit_t pipe_log;
} nt_t;

//  ---------------------------------------------------------------------
//  Frames to clients.

static void
s_free_item (void **item)
{
    free (*item);
    *item = NULL;
}

static int
s_by_id (const void *a, const void *b)
{
    return strcmp (((const tw_position_t *) a)->id, ((const tw_position_t *) b)->id);
}

//  The notifier's view of pos: its symbol's mark, its last exit error.
static void
s_view (nt_t *self, const tw_position_t *pos, nt_view_t *view, int64_t now_ms)
{
    memset (view, 0, sizeof *view);
    const nt_mark_t *mark = (const nt_mark_t *) zhashx_lookup (self->marks, pos->symbol);
    if (mark) {
        view->marked = true;
        view->ltp = mark->ltp;
        view->age_ms = now_ms - mark->at_ms;
    }
    const char *error = (const char *) zhashx_lookup (self->errors, pos->id);
    if (error)
        snprintf (view->last_error, sizeof view->last_error, "%s", error);
}

//  The clone's positions sorted by id, with their views, in *positions_p
//  and *views_p (the caller frees both). Returns the count, or -1 when
//  memory ran out.
static ssize_t
s_positions (nt_t *self, tw_position_t **positions_p, nt_view_t **views_p)
{
    zhashx_t *positions = tw_clone_positions (self->clone);
    size_t count = zhashx_size (positions);
    tw_position_t *array = (tw_position_t *) calloc (count ? count : 1, sizeof *array);
    nt_view_t *views = (nt_view_t *) calloc (count ? count : 1, sizeof *views);
    if (!array || !views) {
        free (array);
        free (views);
        return -1;
    }
    size_t i = 0;
    for (const tw_position_t *pos = (const tw_position_t *) zhashx_first (positions);
         pos && i < count; pos = (const tw_position_t *) zhashx_next (positions))
        array[i++] = *pos;
    if (i > 1)
        qsort (array, i, sizeof *array, s_by_id);
    int64_t now_ms = tw_clock_mono_ms ();
    for (size_t j = 0; j < i; j++)
        s_view (self, &array[j], &views[j], now_ms);
    *positions_p = array;
    *views_p = views;
    return (ssize_t) i;
}

static int
s_by_name (const void *a, const void *b)
{
    return strcmp (((const nt_warning_t *) a)->name, ((const nt_warning_t *) b)->name);
}

//  The snapshot frame of the clone's positions, sorted by id, with the
//  trading state and the warnings in force, sorted by name; NULL when
//  memory ran out. The caller frees it.
static char *
s_snapshot_json (nt_t *self)
{
    tw_position_t *array = NULL;
    nt_view_t *views = NULL;
    ssize_t count = s_positions (self, &array, &views);
    //  The gateway's warnings, and the notifier's own risk_unwatched.
    size_t warning_count = zhashx_size (self->warnings) + 1;
    nt_warning_t *warnings = (nt_warning_t *) calloc (warning_count, sizeof *warnings);
    char *json = NULL;
    if (count >= 0 && warnings) {
        size_t n = 0;
        for (const char *text = (const char *) zhashx_first (self->warnings);
             text && n < warning_count - 1; text = (const char *) zhashx_next (self->warnings)) {
            warnings[n].name = (const char *) zhashx_cursor (self->warnings);
            warnings[n++].text = text;
        }
        const char *risk = self->riskwatch ? nt_riskwatch_warning (self->riskwatch) : NULL;
        if (risk) {
            warnings[n].name = NT_RISKWATCH_WARNING;
            warnings[n++].text = risk;
        }
        qsort (warnings, n, sizeof *warnings, s_by_name);
        json = nt_json_snapshot (tw_clone_epoch (self->clone), tw_clone_seq (self->clone), array,
                                 views, (size_t) count, tw_clone_trading_state (self->clone),
                                 warnings, n);
    }
    free (warnings);
    free (array);
    free (views);
    return json;
}

//  The recent frame: the events kept, oldest first; NULL when memory ran out.
static char *
s_recent_json (nt_t *self)
{
    const char *events[NT_RECENT_MAX];
    int64_t at[NT_RECENT_MAX];
    for (size_t i = 0; i < self->recent_count; i++) {
        events[i] = self->recent[(self->recent_head + i) % NT_RECENT_MAX];
        at[i] = self->recent_at[(self->recent_head + i) % NT_RECENT_MAX];
    }
    return nt_json_recent (tw_clone_seq (self->clone), events, at, self->recent_count);
}

//  Keeps json (a copy) among the recent events, forgetting the oldest.
static void
s_remember (nt_t *self, const char *json)
{
    char *copy = strdup (json);
    if (!copy)
        return;
    size_t slot;
    if (self->recent_count == NT_RECENT_MAX) {
        slot = self->recent_head;
        free (self->recent[slot]);
        self->recent_head = (self->recent_head + 1) % NT_RECENT_MAX;
    }
    else
        slot = (self->recent_head + self->recent_count++) % NT_RECENT_MAX;
    self->recent[slot] = copy;
    self->recent_at[slot] = tw_clock_wall_ns () / TW_NS_PER_MS;
}

//  Makes the welcome again when something changed since it was made, and
//  hands it to the server. Returns 0, or -1 (the pipe full, or no memory).
static int
s_welcome_update (nt_t *self)
{
    if (!self->welcome_stale)
        return 0;
    char *snapshot = s_snapshot_json (self);
    char *recent = s_recent_json (self);
    int rc = -1;
    if (snapshot && recent) {
        const char *frames[] = {snapshot, recent, self->journal_json};
        rc = nt_ws_welcome_set (self->ws, tw_clone_seq (self->clone), frames,
                                self->journal_json ? 3 : 2);
    }
    if (rc == 0) {
        self->welcome_stale = false;
        self->welcomes_built++;
    }
    free (snapshot);
    free (recent);
    return rc;
}

static void
s_pipe_full (nt_t *self, const char *what)
{
    self->resend_snapshot = true;
    tw_log_limited (&self->pipe_log, TW_LOG_WARN,
                    "frame not handed to the server (%s): clients get a fresh snapshot", what);
}

//  Sends every client a fresh snapshot.
static void
s_snapshot_all (nt_t *self)
{
    char *json = s_snapshot_json (self);
    if (!json || nt_ws_snapshot (self->ws, tw_clone_seq (self->clone), json) != 0)
        s_pipe_full (self, json ? "pipe full" : "out of memory");
    else
        self->resend_snapshot = false;
    free (json);
}

//  Sends a warning frame to every client (remembered among the recent
//  events) and the alert endpoints, and logs it.
static void
s_warn_clients (nt_t *self, uint64_t seq, const char *name, const char *text, bool active)
{
    tw_log (active ? TW_LOG_WARN : TW_LOG_INFO, "warning name=%s active=%s text=\"%s\"", name,
            active ? "true" : "false", text);
    char *json = nt_json_warning (seq, name, text, active);
    if (!json)
        return;
    s_remember (self, json);
    if (nt_ws_event (self->ws, seq, json) != 0)
        s_pipe_full (self, "pipe full");
    if (self->alerts) {
        char line[TW_TEXT_MAX * 2];
        snprintf (line, sizeof line, "%s: %s", active ? "WARNING" : "resolved", text);
        nt_alerts_push (self->alerts, line, json);
    }
    free (json);
}

//  A gateway event that raises or ends a warning (feed_stale,
//  token_expiry): kept while in force, for the snapshots, and sent on.
//  Returns false for any other message.
static bool
s_event_warning (nt_t *self, const tw_msg_t *msg)
{
    char name[TW_SYMBOL_MAX + 16], text[TW_TEXT_MAX];
    bool active = false;
    if (nt_json_event_warning (msg, name, sizeof name, text, sizeof text, &active) != 0)
        return false;
    //  The end of a warning already ended (or never seen here) is not news.
    if (!active && !zhashx_lookup (self->warnings, name))
        return true;
    char *copy = active ? strdup (text) : NULL;
    if (copy)
        zhashx_update (self->warnings, name, copy);
    else
        zhashx_delete (self->warnings, name);
    s_warn_clients (self, msg->u.event.seq, name, text, active);
    return true;
}

#define NT_FEED_STALE_PREFIX "feed_stale:"

//  Ends the feed_stale warnings of symbols without an open position (the
//  risk-monitor watches only those; one that restarted may never say).
static void
s_prune_feed_warnings (nt_t *self, uint64_t seq)
{
    if (zhashx_size (self->warnings) == 0)
        return;
    zhashx_t *open = zhashx_new ();
    zhashx_t *positions = tw_clone_positions (self->clone);
    for (const tw_position_t *pos = (const tw_position_t *) zhashx_first (positions); pos;
         pos = (const tw_position_t *) zhashx_next (positions))
        if (pos->state == TW_STATE_OPEN)
            zhashx_update (open, pos->symbol, (void *) 1);
    zlist_t *ended = zlist_new ();
    zlist_autofree (ended);
    for (void *text = zhashx_first (self->warnings); text; text = zhashx_next (self->warnings)) {
        const char *name = (const char *) zhashx_cursor (self->warnings);
        size_t prefix = strlen (NT_FEED_STALE_PREFIX);
        if (strncmp (name, NT_FEED_STALE_PREFIX, prefix) == 0
            && !zhashx_lookup (open, name + prefix))
            zlist_append (ended, (void *) name);
    }
    for (const char *name = (const char *) zlist_first (ended); name;
         name = (const char *) zlist_next (ended)) {
        char text[TW_TEXT_MAX];
        snprintf (text, sizeof text, "feed of %s no longer watched (no open position)",
                  name + strlen (NT_FEED_STALE_PREFIX));
        zhashx_delete (self->warnings, name);
        s_warn_clients (self, seq, name, text, false);
    }
    zlist_destroy (&ended);
    zhashx_destroy (&open);
}

//  Called by the clone after each snapshot and each applied event.
static void
s_on_clone (tw_clone_t *clone, const tw_msg_t *msg, void *arg)
{
    (void) clone;
    nt_t *self = (nt_t *) arg;
    self->welcome_stale = true;
    //  A new gateway run raises again what still holds (the risk-monitor
    //  reports its stale symbols again, the token is read afresh).
    if (msg->type == TW_MSG_SNAPSHOT_REPLY && msg->u.snapshot.epoch != self->warnings_epoch) {
        zhashx_purge (self->warnings);
        self->warnings_epoch = msg->u.snapshot.epoch;
    }
    //  The snapshot reflects this event too.
    if (msg->type == TW_MSG_SNAPSHOT_REPLY || msg->type == TW_MSG_POSITION_CLOSED)
        s_prune_feed_warnings (self, tw_clone_seq (self->clone));
    if (msg->type == TW_MSG_SNAPSHOT_REPLY || self->resend_snapshot) {
        s_event_warning (self, msg);
        s_snapshot_all (self);
        return;
    }
    if (s_event_warning (self, msg))
        return;
    const tw_position_t *pos = &msg->u.event.pos;
    if (msg->type == TW_MSG_EXIT_FAILED) {
        char *error = strdup (msg->u.event.error);
        if (error)
            zhashx_update (self->errors, pos->id, error);
    }
    nt_view_t view;
    s_view (self, pos, &view, tw_clock_mono_ms ());
    if (msg->type == TW_MSG_POSITION_CLOSED) {
        zhashx_delete (self->errors, pos->id);
        if (self->journal)
            nt_journal_refresh (self->journal);
    }
    char *json = nt_json_event (msg, &view);
    if (json)
        s_remember (self, json);
    if (json && self->alerts && nt_alerts_wanted (msg->type)) {
        char line[TW_TEXT_MAX * 2];
        nt_alerts_line (msg, line, sizeof line);
        nt_alerts_push (self->alerts, line, json);
    }
    if (!json || nt_ws_event (self->ws, msg->u.event.seq, json) != 0)
        s_pipe_full (self, json ? "pipe full" : "out of memory");
    free (json);
}

static void
s_ack (nt_t *self, uint64_t client, const char *request, const char *status, const char *id,
       const char *error)
{
    char *json = nt_json_ack (tw_clone_seq (self->clone), request, status, id, error);
    if (!json || nt_ws_send (self->ws, client, tw_clone_seq (self->clone), json, false) != 0)
        tw_warn ("ack not handed to the server client=%llu id=%s status=%s",
                 (unsigned long long) client, id, status);
    free (json);
}

//  A forwarded close or flatten has its outcome.
static void
s_on_forwarded (uint64_t client, const char *request, const char *status, const char *id,
                const char *error, void *arg)
{
    s_ack ((nt_t *) arg, client, request, status, id, error);
}

//  ---------------------------------------------------------------------
//  Loop handlers.

static int
s_on_ws (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    (void) reader;
    nt_t *self = (nt_t *) arg;
    nt_ws_report_t report;
    if (nt_ws_recv (self->ws, &report) != 0)
        return 0;
    char err[TW_TEXT_MAX];
    switch (report.type) {
    case NT_WS_HELLO:
        //  Not in sync: the snapshot after the next sync reaches it. The
        //  welcome is made once per change and shared by every client.
        if (tw_clone_synced (self->clone)
            && (s_welcome_update (self) != 0 || nt_ws_welcome (self->ws, report.client) != 0))
            s_pipe_full (self, "welcome not handed over");
        break;
    case NT_WS_CLOSE:
        if (nt_forward_close (self->forward, report.client, report.id, err, sizeof err) != 0)
            s_ack (self, report.client, "close", tw_ack_status_name (TW_ACK_REJECTED), report.id,
                   err);
        break;
    case NT_WS_FLATTEN:
        if (nt_forward_flatten (self->forward, report.client, err, sizeof err) != 0)
            s_ack (self, report.client, "flatten", tw_ack_status_name (TW_ACK_REJECTED), "", err);
        break;
    case NT_WS_STATS:
        self->stats = report.stats;
        break;
    case NT_WS_STOPPED:
        tw_error ("the HTTP/WebSocket server has stopped: stopping the notifier");
        zstr_send (self->pipe, "FATAL");
        break;
    default:
        break;
    }
    return 0;
}

//  The first clone check, so that clients need not wait for the clone's
//  timer.
static int
s_on_first_check (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    nt_t *self = (nt_t *) arg;
    tw_clone_check (self->clone);
    nt_journal_refresh (self->journal);
    return 0;
}

//  A snapshot owed to clients whose frames were lost, once in sync (a
//  resync sends one anyway, through s_on_clone).
static int
s_on_owed (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    nt_t *self = (nt_t *) arg;
    if (self->resend_snapshot && tw_clone_synced (self->clone))
        s_snapshot_all (self);
    return 0;
}

//  The notifier lost the gateway, or has it back: a warning frame to every
//  client and an alert. The first sync after the start is not news.
static void
s_sync_warning (nt_t *self, bool synced)
{
    if (synced && !self->ever_synced) {
        self->ever_synced = true;
        return;
    }
    const char *text = synced ? "the notifier is in sync with the gateway again"
                              : "the notifier lost the gateway (no heartbeat, a gap or a new "
                                "run): positions may be stale until it resyncs";
    s_warn_clients (self, tw_clone_seq (self->clone), "gateway_lost", text, !synced);
}

//  The warning risk_unwatched started, changed or ended: every client and
//  the alerts hear of it, and the next welcome's snapshot has it (or not).
static void
s_on_riskwatch (bool active, const char *text, void *arg)
{
    nt_t *self = (nt_t *) arg;
    self->welcome_stale = true;
    s_warn_clients (self, tw_clone_seq (self->clone), NT_RISKWATCH_WARNING, text, active);
}

static int
s_on_heartbeat (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    nt_t *self = (nt_t *) arg;
    bool synced = tw_clone_synced (self->clone);
    if (synced != self->was_synced)
        s_sync_warning (self, synced);
    self->was_synced = synced;
    if (!synced)
        return 0;
    tw_msg_t msg;
    tw_msg_init (&msg, TW_MSG_HEARTBEAT);
    msg.u.event.epoch = tw_clone_epoch (self->clone);
    msg.u.event.seq = tw_clone_seq (self->clone);
    msg.u.event.trading_state = tw_clone_trading_state (self->clone);
    char *json = nt_json_event (&msg, NULL);
    //  A lost heartbeat loses nothing: the next one comes in a second.
    if (json)
        nt_ws_event (self->ws, msg.u.event.seq, json);
    free (json);
    return 0;
}

//  The gateway's journal of the day: a journal frame to every client when
//  it changed, the unrealised P&L being the notifier's own over its marks.
static void
s_on_journal (const tw_pnl_reply_t *pnl, const tw_history_reply_t *history, void *arg)
{
    nt_t *self = (nt_t *) arg;
    tw_position_t *array = NULL;
    nt_view_t *views = NULL;
    ssize_t count = s_positions (self, &array, &views);
    if (count < 0)
        return;
    double unrealized = 0;
    for (ssize_t i = 0; i < count; i++)
        if (views[i].marked)
            unrealized += tw_position_unrealized (&array[i], views[i].ltp);
    free (array);
    free (views);
    char *json = nt_json_journal (tw_clone_seq (self->clone), pnl, unrealized, history);
    if (!json)
        return;
    //  The seq is the frame's only part that changes without the journal.
    const char *body = strchr (json, ',');
    const char *last = self->journal_json ? strchr (self->journal_json, ',') : NULL;
    if (last && body && strcmp (body, last) == 0) {
        free (json);
        return;
    }
    free (self->journal_json);
    self->journal_json = json;
    self->welcome_stale = true;
    if (tw_clone_synced (self->clone))
        nt_ws_event (self->ws, tw_clone_seq (self->clone), json);
}

//  A tick: the symbol's mark. Clients hear of it at the next marks frame.
static int
s_on_tick (zloop_t *loop, zsock_t *feed, void *arg)
{
    (void) loop;
    nt_t *self = (nt_t *) arg;
    tw_msg_t msg;
    char err[TW_TEXT_MAX];
    memset (&msg, 0, sizeof msg);
    if (tw_sock_recv (feed, &msg, err, sizeof err) != 0 || msg.type != TW_MSG_TICK) {
        tw_log_limited (&self->pipe_log, TW_LOG_WARN, "bad feed message error=\"%s\"",
                        msg.type == TW_MSG_TICK ? "" : err);
        tw_msg_reset (&msg);
        return 0;
    }
    nt_mark_t *mark = (nt_mark_t *) zhashx_lookup (self->marks, msg.u.tick.symbol);
    if (!mark) {
        mark = (nt_mark_t *) zmalloc (sizeof *mark);
        zhashx_insert (self->marks, msg.u.tick.symbol, mark);
    }
    mark->changed = mark->changed || mark->ltp != msg.u.tick.ltp;
    mark->ltp = msg.u.tick.ltp;
    mark->at_ms = tw_clock_mono_ms ();
    tw_msg_reset (&msg);
    return 0;
}

//  Every NT_MARKS_MS: one marks frame for the positions whose symbol has a
//  new price, so that a client sees at most a few updates a second.
static int
s_on_marks (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    nt_t *self = (nt_t *) arg;
    bool any = false;
    for (nt_mark_t *mark = (nt_mark_t *) zhashx_first (self->marks); mark;
         mark = (nt_mark_t *) zhashx_next (self->marks))
        any = any || mark->changed;
    if (!any || !tw_clone_synced (self->clone))
        return 0;
    self->welcome_stale = true;
    tw_position_t *array = NULL;
    nt_view_t *views = NULL;
    ssize_t count = s_positions (self, &array, &views);
    if (count < 0)
        return 0;
    size_t kept = 0;
    for (ssize_t i = 0; i < count; i++) {
        const nt_mark_t *mark = (const nt_mark_t *) zhashx_lookup (self->marks, array[i].symbol);
        if (mark && mark->changed) {
            array[kept] = array[i];
            views[kept++] = views[i];
        }
    }
    for (nt_mark_t *mark = (nt_mark_t *) zhashx_first (self->marks); mark;
         mark = (nt_mark_t *) zhashx_next (self->marks))
        mark->changed = false;
    if (kept > 0) {
        char *json = nt_json_marks (tw_clone_seq (self->clone), array, views, kept);
        //  A lost marks frame loses nothing: the next one carries the price.
        if (json && nt_ws_event (self->ws, tw_clone_seq (self->clone), json) == 0)
            self->marks_sent++;
        free (json);
    }
    free (array);
    free (views);
    return 0;
}

static void
s_counters (tw_pong_t *pong, void *arg)
{
    nt_t *self = (nt_t *) arg;
    tw_control_counter (pong, "clients", self->stats.clients);
    tw_control_counter (pong, "frames_sent", self->stats.frames_sent);
    tw_control_counter (pong, "clients_dropped", self->stats.clients_dropped);
    tw_control_counter (pong, "auth_refused", self->stats.auth_refused);
    tw_control_counter (pong, "closes_forwarded", nt_forward_sent (self->forward));
    tw_control_counter (pong, "synced", tw_clone_synced (self->clone) ? 1 : 0);
    tw_control_healthy (pong, tw_clone_synced (self->clone));
    tw_control_counter (pong, "marks_sent", self->marks_sent);
    tw_control_counter (pong, "welcomes_built", self->welcomes_built);
    nt_alerts_stats_t alerts = {0};
    if (self->alerts)
        nt_alerts_stats (self->alerts, &alerts);
    tw_control_counter (pong, "alerts_sent", alerts.sent);
    tw_control_counter (pong, "alerts_failed", alerts.failed);
    tw_control_counter (pong, "alerts_dropped", alerts.dropped);
    tw_control_counter (pong, "journal_rounds",
                        self->journal ? nt_journal_rounds (self->journal) : 0);
    tw_control_counter (pong, "marked_symbols", (int64_t) zhashx_size (self->marks));
    //  Only while the watch is on ([notifier] risk_watch_interval_ms > 0).
    if (self->riskwatch) {
        tw_control_counter (pong, "risk_watched",
                            nt_riskwatch_state (self->riskwatch) == NT_RISKWATCH_WATCHED);
        tw_control_counter (pong, "risk_pings", nt_riskwatch_pings (self->riskwatch));
        tw_control_counter (pong, "risk_pings_unanswered",
                            nt_riskwatch_unanswered (self->riskwatch));
    }
}

//  ---------------------------------------------------------------------
//  Start and stop.

static int
s_setup (nt_t *self)
{
    tw_config_t *config = self->config;
    const char *token = tw_config_str (config, "notifier", "token");
    bool anonymous = tw_config_bool (config, "notifier", "allow_anonymous");
    if (!*token && !anonymous) {
        tw_error ("no token: set TW_NOTIFIER_TOKEN, or [notifier] allow_anonymous = true "
                  "for read-only access without one");
        tw_service_config_error ();
        return -1;
    }
    nt_ws_config_t ws_config = {
        .listen = tw_config_str (config, "notifier", "listen"),
        .token = token,
        .allow_anonymous = anonymous,
        .max_clients = (int) tw_config_int (config, "notifier", "max_clients"),
        .queue_max = (int) tw_config_int (config, "notifier", "client_queue_max"),
    };
    self->ws = nt_ws_new (&ws_config);
    if (!self->ws)
        return -1;
    self->control = tw_control_new (tw_config_str (config, "endpoints", "notifier_control"),
                                    tw_service_name (self->service),
                                    tw_service_started_ms (self->service), s_counters, self);
    if (!self->control)
        return -1;
    const char *gateway_rep = tw_config_str (config, "endpoints", "gateway_rep");
    self->clone = tw_clone_new (tw_config_str (config, "endpoints", "gateway_pub"), gateway_rep,
                                s_on_clone, self);
    if (!self->clone)
        return -1;
    self->requester = tw_requester_new (
        gateway_rep, tw_config_int (config, "gateway", "command_timeout_ms"), NT_CLOSE_ATTEMPTS);
    if (!self->requester)
        return -1;
    self->forward = nt_forward_new (self->requester, s_on_forwarded, self);
    self->marks = zhashx_new ();
    zhashx_set_destructor (self->marks, s_free_item);
    self->errors = zhashx_new ();
    zhashx_set_destructor (self->errors, s_free_item);
    self->warnings = zhashx_new ();
    zhashx_set_destructor (self->warnings, s_free_item);
    const char *feed_pub = tw_config_str (config, "endpoints", "feed_pub");
    if (*feed_pub && !(self->feed = tw_sock_sub_new (feed_pub, "tick.")))
        return -1;
    self->welcome_stale = true;
    nt_alerts_config_t alerts_config = {
        .telegram_base_url = tw_config_str (config, "alerts", "telegram_base_url"),
        .telegram_token = tw_config_str (config, "alerts", "telegram_bot_token"),
        .telegram_chat_id = tw_config_str (config, "alerts", "telegram_chat_id"),
        .webhook_url = tw_config_str (config, "alerts", "webhook_url"),
        .batch_ms = tw_config_int (config, "alerts", "batch_ms"),
        .max_per_minute = tw_config_int (config, "alerts", "max_per_minute"),
        .timeout_ms = tw_config_int (config, "alerts", "timeout_ms"),
    };
    if (!*alerts_config.telegram_token != !*alerts_config.telegram_chat_id)
        tw_warn ("alerts: Telegram needs both TW_ALERTS_TELEGRAM_BOT_TOKEN and [alerts] "
                 "telegram_chat_id: no Telegram alerts");
    self->alerts = nt_alerts_new (&alerts_config);

    self->loop = zloop_new ();
    //  The actor stops on $TERM only, so that it can finish cleanly.
    zloop_set_nonstop (self->loop, true);
    zloop_reader (self->loop, self->pipe, tw_service_on_pipe, NULL);
    if (tw_control_attach (self->control, self->loop) != 0)
        return -1;
    if (tw_clone_attach (self->clone, self->loop) != 0
        || tw_requester_attach (self->requester, self->loop) != 0)
        return -1;
    zloop_reader (self->loop, nt_ws_socket (self->ws), s_on_ws, self);
    zloop_timer (self->loop, NT_FIRST_CHECK_MS, 1, s_on_first_check, self);
    zloop_timer (self->loop, NT_OWED_MS, 0, s_on_owed, self);
    zloop_timer (self->loop, NT_HEARTBEAT_MS, 0, s_on_heartbeat, self);
    self->journal = nt_journal_new (self->loop, gateway_rep,
                                    tw_config_int (config, "gateway", "command_timeout_ms"),
                                    s_on_journal, self);
    if (!self->journal)
        return -1;
    int64_t risk_watch_ms = tw_config_int (config, "notifier", "risk_watch_interval_ms");
    if (risk_watch_ms > 0
        && !(self->riskwatch =
                 nt_riskwatch_new (self->loop, tw_config_str (config, "endpoints", "risk_control"),
                                   risk_watch_ms, s_on_riskwatch, self)))
        return -1;
    if (risk_watch_ms == 0)
        tw_warn ("the risk-monitor is not watched ([notifier] risk_watch_interval_ms = 0): "
                 "nothing here says when stop-loss/take-profit go unwatched");
    if (self->feed) {
        zloop_reader (self->loop, self->feed, s_on_tick, self);
        zloop_timer (self->loop, NT_MARKS_MS, 0, s_on_marks, self);
    }
    return 0;
}

static void
s_teardown (nt_t *self)
{
    zloop_destroy (&self->loop);
    nt_alerts_destroy (&self->alerts);
    nt_journal_destroy (&self->journal);
    nt_riskwatch_destroy (&self->riskwatch);
    free (self->journal_json);
    nt_ws_destroy (&self->ws);
    nt_forward_destroy (&self->forward);
    tw_requester_destroy (&self->requester);
    tw_clone_destroy (&self->clone);
    tw_control_destroy (&self->control);
    zsock_destroy (&self->feed);
    zhashx_destroy (&self->marks);
    zhashx_destroy (&self->errors);
    zhashx_destroy (&self->warnings);
    for (size_t i = 0; i < self->recent_count; i++)
        free (self->recent[(self->recent_head + i) % NT_RECENT_MAX]);
}

void
nt_actor (zsock_t *pipe, void *args)
{
    nt_t self;
    memset (&self, 0, sizeof self);
    self.service = (tw_service_t *) args;
    self.config = tw_service_config (self.service);
    self.pipe = pipe;
    self.pipe_log.interval_ms = NT_LOG_INTERVAL_MS;
    if (s_setup (&self) != 0) {
        s_teardown (&self);
        zsock_signal (pipe, 1);
        return;
    }
    zsock_signal (pipe, 0);
    tw_config_t *config = self.config;
    const char *token = tw_config_str (config, "notifier", "token");
    char fingerprint[16];
    tw_log_fingerprint (token, fingerprint, sizeof fingerprint);
    bool anonymous = tw_config_bool (config, "notifier", "allow_anonymous");
    const char *auth = !*token ? "anonymous-read" : anonymous ? "token,anonymous-read" : "token";
    tw_info ("listening http=%s ws_path=%s auth=%s token_fp=%s max_clients=%lld "
             "client_queue_max=%lld",
             tw_config_str (config, "notifier", "listen"), NT_WS_PATH, auth, fingerprint,
             (long long) tw_config_int (config, "notifier", "max_clients"),
             (long long) tw_config_int (config, "notifier", "client_queue_max"));
    zloop_start (self.loop);
    tw_info ("server totals frames_sent=%lld clients_dropped=%lld closes_forwarded=%lld",
             (long long) self.stats.frames_sent, (long long) self.stats.clients_dropped,
             (long long) nt_forward_sent (self.forward));
    s_teardown (&self);
}
