//  gw_journal - see gw_journal.h.

#include "gw_journal.h"
#include "tw_clock.h"
#include "tw_log.h"
#include "tw_sock.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define S_NS_PER_S INT64_C (1000000000)
#define S_NS_PER_DAY (INT64_C (86400) * S_NS_PER_S)
#define S_LOG_INTERVAL_MS 5000

struct _gw_journal_t {
    gw_store_t *store;
    zloop_t *loop;
    zsock_t *feed;   //  NULL without a feed
    zhashx_t *marks; //  symbol -> tw_mark_t *, the last tick's price and when it came
    tw_log_limit_t bad_log;
};

double
gw_journal_last (gw_journal_t *self, const char *symbol)
{
    assert (self && symbol);
    const tw_mark_t *mark = (const tw_mark_t *) zhashx_lookup (self->marks, symbol);
    return mark ? mark->ltp : 0;
}

void
gw_journal_mark (gw_journal_t *self, const char *symbol, double ltp)
{
    assert (self && symbol);
    tw_mark_t *mark = (tw_mark_t *) zhashx_lookup (self->marks, symbol);
    if (!mark) {
        mark = (tw_mark_t *) zmalloc (sizeof *mark);
        assert (mark);
        snprintf (mark->symbol, sizeof mark->symbol, "%s", symbol);
        zhashx_insert (self->marks, symbol, mark);
    }
    mark->ltp = ltp;
    mark->ltp_at = tw_clock_wall_ns ();
}

void
gw_journal_add_marks (gw_journal_t *self, tw_snapshot_t *snapshot)
{
    assert (self && snapshot && !snapshot->marks);
    snapshot->mark_count = 0;
    if (snapshot->count == 0 || zhashx_size (self->marks) == 0)
        return;
    snapshot->marks = (tw_mark_t *) calloc (snapshot->count, sizeof (tw_mark_t));
    assert (snapshot->marks);
    zhashx_t *seen = zhashx_new (); //  symbol -> the mark taken (not owned)
    for (size_t i = 0; i < snapshot->count; i++) {
        const char *symbol = snapshot->positions[i].symbol;
        const tw_mark_t *mark = (const tw_mark_t *) zhashx_lookup (self->marks, symbol);
        if (!mark || zhashx_lookup (seen, symbol))
            continue;
        zhashx_insert (seen, symbol, (void *) mark);
        snapshot->marks[snapshot->mark_count++] = *mark;
    }
    zhashx_destroy (&seen);
    if (snapshot->mark_count == 0) {
        free (snapshot->marks);
        snapshot->marks = NULL;
    }
}

static int
s_on_tick (zloop_t *loop, zsock_t *feed, void *arg)
{
    (void) loop;
    gw_journal_t *self = (gw_journal_t *) arg;
    tw_msg_t msg;
    char err[TW_TEXT_MAX];
    memset (&msg, 0, sizeof msg);
    if (tw_sock_recv (feed, &msg, err, sizeof err) != 0 || msg.type != TW_MSG_TICK)
        tw_log_limited (&self->bad_log, TW_LOG_WARN, "journal: bad feed message error=\"%s\"",
                        msg.type == TW_MSG_TICK ? err : "not a tick");
    else
        gw_journal_mark (self, msg.u.tick.symbol, msg.u.tick.ltp);
    tw_msg_reset (&msg);
    return 0;
}

static void
s_free_mark (void **item)
{
    free (*item);
    *item = NULL;
}

gw_journal_t *
gw_journal_new (gw_store_t *store, zloop_t *loop, const char *feed_endpoint)
{
    assert (store && loop);
    gw_journal_t *self = (gw_journal_t *) zmalloc (sizeof *self);
    assert (self);
    self->store = store;
    self->loop = loop;
    self->marks = zhashx_new ();
    zhashx_set_destructor (self->marks, s_free_mark);
    self->bad_log.interval_ms = S_LOG_INTERVAL_MS;
    if (feed_endpoint && *feed_endpoint) {
        self->feed = tw_sock_sub_new (feed_endpoint, "tick.");
        if (self->feed)
            zloop_reader (loop, self->feed, s_on_tick, self);
        else
            tw_warn ("journal: cannot subscribe to the feed at %s: no marks", feed_endpoint);
    }
    return self;
}

void
gw_journal_destroy (gw_journal_t **self_p)
{
    assert (self_p);
    gw_journal_t *self = *self_p;
    if (!self)
        return;
    if (self->feed) {
        zloop_reader_end (self->loop, self->feed);
        zsock_destroy (&self->feed);
    }
    zhashx_destroy (&self->marks);
    free (self);
    *self_p = NULL;
}

//  True when text is exactly "DDDD-DD-DD".
static bool
s_day_shaped (const char *text)
{
    if (strlen (text) != 10)
        return false;
    for (int i = 0; i < 10; i++) {
        bool dash = i == 4 || i == 7;
        if (dash ? text[i] != '-' : !isdigit ((unsigned char) text[i]))
            return false;
    }
    return true;
}

int
gw_journal_day_range (const char *day, int64_t now_ns, char *day_out, int64_t *from_ns,
                      int64_t *to_ns, char *err, size_t err_size)
{
    struct tm tm;
    memset (&tm, 0, sizeof tm);
    if (!day || !*day) {
        time_t ist = (time_t) ((now_ns + GW_JOURNAL_IST_OFFSET_NS) / S_NS_PER_S);
        gmtime_r (&ist, &tm);
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    }
    else {
        if (!s_day_shaped (day)) {
            snprintf (err, err_size, "day must be YYYY-MM-DD");
            return -1;
        }
        tm.tm_year = atoi (day) - 1900;
        tm.tm_mon = atoi (day + 5) - 1;
        tm.tm_mday = atoi (day + 8);
    }
    int year = tm.tm_year, mon = tm.tm_mon, mday = tm.tm_mday;
    time_t midnight = timegm (&tm);
    //  timegm normalises 2026-02-30 to March: a day that moved was not a day.
    if (midnight == (time_t) -1 || tm.tm_year != year || tm.tm_mon != mon || tm.tm_mday != mday) {
        snprintf (err, err_size, "day '%.10s' is not a calendar day", day);
        return -1;
    }
    //  strftime: the year is 4 digits for any day a store can hold.
    if (year + 1900 < 1000 || year + 1900 > 9999
        || strftime (day_out, TW_DAY_MAX, "%Y-%m-%d", &tm) != 10) {
        snprintf (err, err_size, "day out of range");
        return -1;
    }
    *from_ns = (int64_t) midnight * S_NS_PER_S - GW_JOURNAL_IST_OFFSET_NS;
    *to_ns = *from_ns + S_NS_PER_DAY;
    return 0;
}

static void
s_reject (const tw_msg_t *request, tw_msg_t *reply, const char *error)
{
    tw_msg_init (reply, TW_MSG_ACK);
    snprintf (reply->req_id, sizeof reply->req_id, "%s",
              request->req_id[0] ? request->req_id : "unknown");
    reply->u.ack.status = TW_ACK_REJECTED;
    snprintf (reply->u.ack.error, sizeof reply->u.ack.error, "%s", error);
}

void
gw_journal_history (gw_journal_t *self, const tw_msg_t *request, tw_msg_t *reply)
{
    assert (self && request && reply);
    char day[TW_DAY_MAX], err[TW_TEXT_MAX];
    int64_t from_ns, to_ns;
    if (gw_journal_day_range (request->u.journal.day, tw_clock_wall_ns (), day, &from_ns, &to_ns,
                              err, sizeof err)) {
        s_reject (request, reply, err);
        return;
    }
    int64_t limit = request->u.journal.limit;
    if (limit <= 0)
        limit = GW_JOURNAL_DEFAULT_LIMIT;
    if (limit > TW_MAX_TRADES)
        limit = TW_MAX_TRADES;
    gw_store_journal_stats_t stats;
    gw_position_row_t *rows = NULL;
    size_t count = 0;
    if (gw_store_journal_stats (self->store, from_ns, to_ns, &stats)
        || gw_store_journal_page (self->store, from_ns, to_ns, request->u.journal.offset, limit,
                                  &rows, &count)) {
        s_reject (request, reply, "store error");
        return;
    }
    tw_msg_init (reply, TW_MSG_HISTORY_REPLY);
    snprintf (reply->req_id, sizeof reply->req_id, "%s", request->req_id);
    tw_history_reply_t *history = &reply->u.history;
    memcpy (history->day, day, sizeof history->day);
    history->offset = request->u.journal.offset;
    history->total = stats.trades;
    history->count = count;
    history->trades = (tw_trade_t *) calloc (count ? count : 1, sizeof (tw_trade_t));
    assert (history->trades);
    for (size_t i = 0; i < count; i++) {
        const gw_position_row_t *row = &rows[i];
        tw_trade_t *trade = &history->trades[i];
        memcpy (trade->id, row->pos.id, sizeof trade->id);
        memcpy (trade->symbol, row->pos.symbol, sizeof trade->symbol);
        trade->side = row->pos.side;
        trade->qty = row->pos.qty;
        trade->entry_price = row->pos.entry_price;
        trade->exit_price = row->exit_price;
        trade->opened_at = row->opened_ts;
        trade->closed_at = row->closed_ts;
        memcpy (trade->reason, row->exit_reason, sizeof trade->reason);
        trade->attempts = row->exit_attempts;
        trade->pnl = row->pnl;
    }
    free (rows);
}

void
gw_journal_pnl (gw_journal_t *self, const tw_msg_t *request, tw_msg_t *reply)
{
    assert (self && request && reply);
    char day[TW_DAY_MAX], err[TW_TEXT_MAX];
    int64_t from_ns, to_ns;
    if (gw_journal_day_range (request->u.journal.day, tw_clock_wall_ns (), day, &from_ns, &to_ns,
                              err, sizeof err)) {
        s_reject (request, reply, err);
        return;
    }
    gw_store_journal_stats_t stats;
    gw_position_row_t *rows = NULL;
    size_t count = 0;
    if (gw_store_journal_stats (self->store, from_ns, to_ns, &stats)
        || gw_store_list_positions (self->store, &rows, &count)) {
        s_reject (request, reply, "store error");
        return;
    }
    tw_msg_init (reply, TW_MSG_PNL_REPLY);
    snprintf (reply->req_id, sizeof reply->req_id, "%s", request->req_id);
    tw_pnl_reply_t *pnl = &reply->u.pnl;
    memcpy (pnl->day, day, sizeof pnl->day);
    pnl->realized_pnl = stats.realized_pnl;
    pnl->trades = stats.trades;
    pnl->wins = stats.wins;
    pnl->losses = stats.losses;
    pnl->largest_loss = stats.largest_loss;
    pnl->open_positions = (int64_t) count;
    for (size_t i = 0; i < count; i++) {
        const tw_position_t *pos = &rows[i].pos;
        const tw_mark_t *mark = (const tw_mark_t *) zhashx_lookup (self->marks, pos->symbol);
        if (!mark)
            continue;
        pnl->unrealized_pnl += tw_position_unrealized (pos, mark->ltp);
        pnl->marked_positions++;
    }
    free (rows);
}
