//  fuzz_seed - writes the seed corpus of fuzz_decode into a directory:
//  ok-<type>.mp, one valid frame of every message type with every field set
//  (plus a few minimal variants), and bad-*.mp, frames that must be refused
//  (each a classic attack or mistake). The files are committed in
//  tests/fuzz/corpus; after a change to the wire format, regenerate them:
//
//      build/tests/fuzz/fuzz_seed tests/fuzz/corpus

#include "tw_proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SEED_TS INT64_C (1700000000000000000)
#define S_SEED_POSITIONS 3
#define S_SEED_MARKS 2

static const char *s_dir;

static int
s_write (const char *name, const uint8_t *data, size_t size)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/%s.mp", s_dir, name);
    FILE *file = fopen (path, "wb");
    if (!file || fwrite (data, 1, size, file) != size) {
        fprintf (stderr, "fuzz_seed: cannot write %s\n", path);
        if (file)
            fclose (file);
        return -1;
    }
    return fclose (file) == 0 ? 0 : -1;
}

static int
s_write_msg (const char *name, tw_msg_t *msg)
{
    uint8_t *data;
    size_t size;
    char err[256];
    int rc = tw_msg_encode (msg, &data, &size, err, sizeof err);
    if (rc != 0)
        fprintf (stderr, "fuzz_seed: %s: %s\n", name, err);
    else {
        rc = s_write (name, data, size);
        free (data);
    }
    tw_msg_reset (msg);
    return rc;
}

static void
s_position (tw_position_t *pos, int i)
{
    snprintf (pos->id, sizeof pos->id, "NSE:SYM%d-EQ-INTRADAY", i);
    snprintf (pos->symbol, sizeof pos->symbol, "NSE:SYM%d-EQ", i);
    snprintf (pos->product, sizeof pos->product, "INTRADAY");
    pos->side = i % 2 ? TW_SIDE_SHORT : TW_SIDE_LONG;
    pos->qty = 1 + i;
    pos->entry_price = 100.5 + i;
    pos->sl = 99.25;
    pos->tp = 102.75;
    pos->trail = 0.5;
    pos->state = (tw_state_t) (TW_STATE_OPEN + i % 3);
    pos->exit_failed = i == 2;
}

//  Fills every field of a message of type.
static void
s_sample (tw_msg_t *msg, tw_msg_type_t type)
{
    tw_msg_init (msg, type);
    msg->ts = S_SEED_TS;
    if (type != TW_MSG_TICK && type != TW_MSG_SIGNAL && !tw_msg_is_event (type))
        snprintf (msg->req_id, TW_ID_MAX, "seed-%s", tw_msg_type_name (type));
    if (type == TW_MSG_ORDER_REJECTED)
        snprintf (msg->req_id, TW_ID_MAX, "seed-open");
    if (type >= TW_MSG_PING && type <= TW_MSG_SNAPSHOT && type != TW_MSG_PONG)
        msg->expires_at = S_SEED_TS + INT64_C (5000000000);
    tw_event_t *event = &msg->u.event;
    switch (type) {
    case TW_MSG_TICK:
        snprintf (msg->u.tick.symbol, TW_SYMBOL_MAX, "NSE:SBIN-EQ");
        msg->u.tick.ltp = 601.35;
        msg->u.tick.bid = 601.3;
        msg->u.tick.ask = 601.4;
        msg->u.tick.volume = 120000;
        msg->u.tick.source = TW_SOURCE_FYERS;
        break;
    case TW_MSG_SIGNAL:
        snprintf (msg->u.signal.symbol, TW_SYMBOL_MAX, "NSE:SBIN-EQ");
        msg->u.signal.action = TW_ACTION_OPEN_LONG;
        msg->u.signal.qty = 10;
        msg->u.signal.sl = 595;
        msg->u.signal.tp = 610;
        snprintf (msg->u.signal.model, TW_NAME_MAX, "seed-model");
        snprintf (msg->req_id, TW_ID_MAX, "seed-model-1");
        break;
    case TW_MSG_PONG:
        snprintf (msg->u.pong.service, TW_NAME_MAX, "order-gateway");
        snprintf (msg->u.pong.version, TW_NAME_MAX, "0.1.0");
        msg->u.pong.uptime_ms = 60000;
        msg->u.pong.counter_count = 2;
        snprintf (msg->u.pong.counters[0].name, TW_NAME_MAX, "positions_open");
        msg->u.pong.counters[0].value = 3;
        snprintf (msg->u.pong.counters[1].name, TW_NAME_MAX, "bad_messages");
        msg->u.pong.counters[1].value = 1;
        break;
    case TW_MSG_OPEN:
        snprintf (msg->u.open.symbol, TW_SYMBOL_MAX, "NSE:SBIN-EQ");
        msg->u.open.side = TW_SIDE_SHORT;
        msg->u.open.qty = 5;
        msg->u.open.sl = 610;
        msg->u.open.tp = 590;
        msg->u.open.trail = 1.5;
        snprintf (msg->u.open.product, TW_PRODUCT_MAX, "INTRADAY");
        break;
    case TW_MSG_CLOSE:
        snprintf (msg->u.close.id, TW_ID_MAX, "NSE:SBIN-EQ-INTRADAY");
        snprintf (msg->u.close.reason, TW_REASON_MAX, TW_REASON_SL_HIT);
        break;
    case TW_MSG_MODIFY:
        snprintf (msg->u.modify.id, TW_ID_MAX, "NSE:SBIN-EQ-INTRADAY");
        msg->u.modify.has_sl = msg->u.modify.has_tp = msg->u.modify.has_trail = true;
        msg->u.modify.sl = 598.5;
        msg->u.modify.tp = 612;
        msg->u.modify.trail = 2;
        break;
    case TW_MSG_FLATTEN:
        snprintf (msg->u.flatten.reason, TW_REASON_MAX, TW_REASON_KILL_SWITCH);
        break;
    case TW_MSG_RESUME:
        snprintf (msg->u.resume.reason, TW_REASON_MAX, "checked");
        break;
    case TW_MSG_FEED_REPORT:
        msg->expires_at = S_SEED_TS + INT64_C (5000000000);
        snprintf (msg->u.feed.symbol, TW_SYMBOL_MAX, "NSE:SBIN-EQ");
        msg->u.feed.stale = true;
        msg->u.feed.age_ms = 5250;
        break;
    case TW_MSG_SNAPSHOT_REPLY:
        msg->u.snapshot.epoch = 7;
        msg->u.snapshot.seq = 42;
        msg->u.snapshot.positions = calloc (S_SEED_POSITIONS, sizeof (tw_position_t));
        if (msg->u.snapshot.positions) {
            msg->u.snapshot.count = S_SEED_POSITIONS;
            for (int i = 0; i < S_SEED_POSITIONS; i++)
                s_position (&msg->u.snapshot.positions[i], i);
        }
        //  The marks a request with marks=true gets: one per symbol priced.
        msg->u.snapshot.marks = calloc (S_SEED_MARKS, sizeof (tw_mark_t));
        if (msg->u.snapshot.marks) {
            msg->u.snapshot.mark_count = S_SEED_MARKS;
            for (int i = 0; i < S_SEED_MARKS; i++) {
                tw_mark_t *mark = &msg->u.snapshot.marks[i];
                snprintf (mark->symbol, sizeof mark->symbol, "NSE:SYM%d-EQ", i);
                mark->ltp = 101.05 + i;
                mark->ltp_at = S_SEED_TS - 1000000 * i;
            }
        }
        break;
    case TW_MSG_HISTORY:
    case TW_MSG_PNL:
        snprintf (msg->u.journal.day, TW_DAY_MAX, "2026-12-01");
        msg->u.journal.limit = type == TW_MSG_HISTORY ? 20 : 0;
        break;
    case TW_MSG_HISTORY_REPLY:
        snprintf (msg->u.history.day, TW_DAY_MAX, "2026-12-01");
        msg->u.history.total = 1;
        msg->u.history.trades = calloc (1, sizeof (tw_trade_t));
        if (msg->u.history.trades) {
            tw_trade_t *trade = msg->u.history.trades;
            msg->u.history.count = 1;
            snprintf (trade->id, TW_ID_MAX, "NSE:SBIN-EQ-INTRADAY");
            snprintf (trade->symbol, TW_SYMBOL_MAX, "NSE:SBIN-EQ");
            trade->side = TW_SIDE_LONG;
            trade->qty = 5;
            trade->entry_price = 100.5;
            trade->exit_price = 99.5;
            trade->opened_at = S_SEED_TS;
            trade->closed_at = S_SEED_TS + 1000;
            snprintf (trade->reason, TW_REASON_MAX, TW_REASON_SL_HIT);
            trade->attempts = 1;
            trade->pnl = -5;
        }
        break;
    case TW_MSG_PNL_REPLY:
        snprintf (msg->u.pnl.day, TW_DAY_MAX, "2026-12-01");
        msg->u.pnl.realized_pnl = -5;
        msg->u.pnl.trades = 1;
        msg->u.pnl.losses = 1;
        msg->u.pnl.largest_loss = -5;
        break;
    case TW_MSG_ACK:
        msg->u.ack.status = TW_ACK_ACCEPTED;
        snprintf (msg->u.ack.id, TW_ID_MAX, "NSE:SBIN-EQ-INTRADAY");
        break;
    case TW_MSG_ORDER_REJECTED:
        event->epoch = 7;
        event->seq = 43;
        snprintf (event->pos.symbol, TW_SYMBOL_MAX, "NSE:SBIN-EQ");
        event->pos.side = TW_SIDE_LONG;
        event->pos.qty = 5;
        snprintf (event->error, TW_TEXT_MAX, "insufficient funds");
        break;
    case TW_MSG_POSITION_MISMATCH:
        event->epoch = 7;
        event->seq = 45;
        snprintf (event->pos.id, TW_ID_MAX, "NSE:SBIN-EQ-INTRADAY");
        snprintf (event->pos.symbol, TW_SYMBOL_MAX, "NSE:SBIN-EQ");
        event->qty = 10;
        event->broker_qty = 0;
        snprintf (event->broker_product, TW_PRODUCT_MAX, "CNC");
        snprintf (event->detail, TW_TEXT_MAX, "held as NSE:SBIN-EQ-CNC 10");
        break;
    case TW_MSG_HEARTBEAT:
        event->epoch = 7;
        event->seq = 44;
        event->trading_state = TW_TRADING_ACTIVE;
        break;
    case TW_MSG_TRADING_STATE:
        event->epoch = 7;
        event->seq = 46;
        event->trading_state = TW_TRADING_HALTED;
        snprintf (event->detail, TW_TEXT_MAX, "flatten (Kill Switch)");
        break;
    case TW_MSG_FEED_STALE:
        event->epoch = 7;
        event->seq = 47;
        snprintf (event->pos.symbol, TW_SYMBOL_MAX, "NSE:SBIN-EQ");
        event->active = true;
        event->age_ms = 5250;
        break;
    case TW_MSG_TOKEN_EXPIRY:
        event->epoch = 7;
        event->seq = 48;
        event->expires_at = S_SEED_TS + INT64_C (3600000000000);
        event->expired = false;
        event->active = true;
        break;
    default:
        if (!tw_msg_is_event (type))
            break;
        event->epoch = 7;
        event->seq = 40 + (uint64_t) type;
        s_position (&event->pos, 1);
        if (type == TW_MSG_POSITION_OPENED || type == TW_MSG_POSITION_UPDATED)
            break;
        snprintf (event->reason, TW_REASON_MAX, TW_REASON_TRAILING_SL_HIT);
        event->attempts = type == TW_MSG_EXIT_FAILED ? 3 : 1;
        event->exit_price = type == TW_MSG_POSITION_CLOSED ? 99.5 : 0;
        event->pnl = type == TW_MSG_POSITION_CLOSED ? -1.5 : 0;
        if (type == TW_MSG_EXIT_FAILED)
            snprintf (event->error, TW_TEXT_MAX, "HTTP 503");
        break;
    }
}

//  Frames that must be refused, written out byte by byte.
static const struct {
    const char *name;
    const char *bytes;
    size_t size;
} s_bad[] = {
#define S_BAD(name, bytes)                                                                         \
    {                                                                                              \
        name, bytes, sizeof (bytes) - 1                                                            \
    }
    S_BAD ("bad-huge-array", "\xdd\x10\x00\x00\x00"),
    S_BAD ("bad-huge-map", "\xdf\xff\xff\xff\xff"),
    S_BAD ("bad-huge-str", "\x81\xa1v\xdb\x7f\xff\xff\xff"),
    S_BAD ("bad-reserved-byte", "\x81\xa1v\xc1"),
    S_BAD ("bad-deep", "\x81\xa1v\x91\x91\x91\x91\x91\x91\x01"),
    S_BAD ("bad-not-a-map", "\x93\x01\x02\x03"),
    S_BAD ("bad-version", "\x83\xa1v\x02\xa4type\xa4ping\xa2ts\x00"),
    S_BAD ("bad-unknown-type", "\x83\xa1v\x01\xa4type\xa4pang\xa2ts\x00"),
    S_BAD ("bad-trailing", "\x83\xa1v\x01\xa4type\xa4ping\xa2ts\x00\xc0"),
    S_BAD ("bad-duplicate-key", "\x84\xa1v\x01\xa4type\xa4ping\xa2ts\x00\xa2ts\x01"),
    S_BAD ("bad-int-key", "\x84\xa1v\x01\xa4type\xa4ping\xa2ts\x00\x07\x01"),
    S_BAD ("bad-nan", "\x85\xa1v\x01\xa4type\xa4tick\xa2ts\x00\xa6symbol\xa1X\xa3ltp"
                      "\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00"),
#undef S_BAD
};

int
main (int argc, char **argv)
{
    if (argc != 2) {
        fprintf (stderr, "usage: fuzz_seed DIR\n");
        return 2;
    }
    s_dir = argv[1];
    int rc = 0;
    tw_msg_t msg;
    for (int type = TW_MSG_INVALID + 1; type < TW_MSG_COUNT; type++) {
        char name[64];
        snprintf (name, sizeof name, "ok-%s", tw_msg_type_name ((tw_msg_type_t) type));
        s_sample (&msg, (tw_msg_type_t) type);
        rc |= s_write_msg (name, &msg);
    }
    //  Minimal variants: only the required fields.
    tw_msg_init (&msg, TW_MSG_PING);
    msg.ts = S_SEED_TS;
    rc |= s_write_msg ("ok-ping-minimal", &msg);
    s_sample (&msg, TW_MSG_SIGNAL);
    msg.u.signal.action = TW_ACTION_CLOSE;
    msg.u.signal.qty = 0;
    msg.u.signal.sl = msg.u.signal.tp = 0;
    msg.req_id[0] = 0; //  the variant without the optional req_id
    rc |= s_write_msg ("ok-signal-close", &msg);
    s_sample (&msg, TW_MSG_OPEN);
    msg.u.open.sl = msg.u.open.tp = msg.u.open.trail = 0;
    msg.u.open.product[0] = 0;
    rc |= s_write_msg ("ok-open-minimal", &msg);
    s_sample (&msg, TW_MSG_FLATTEN);
    msg.u.flatten.reason[0] = 0;
    rc |= s_write_msg ("ok-flatten-minimal", &msg);
    tw_msg_init (&msg, TW_MSG_SNAPSHOT_REPLY);
    msg.ts = S_SEED_TS;
    rc |= s_write_msg ("ok-snapshot_reply-empty", &msg);
    //  A snapshot in parts (docs/design.md §2): the request that takes
    //  them, and a middle part.
    s_sample (&msg, TW_MSG_SNAPSHOT);
    msg.u.snapshot.in_parts = true;
    rc |= s_write_msg ("ok-snapshot-parts", &msg);
    //  A request for the marks (tradectl positions).
    s_sample (&msg, TW_MSG_SNAPSHOT);
    msg.u.snapshot.with_marks = true;
    rc |= s_write_msg ("ok-snapshot-marks", &msg);
    s_sample (&msg, TW_MSG_SNAPSHOT_REPLY);
    msg.u.snapshot.has_parts = true;
    msg.u.snapshot.part = 1;
    msg.u.snapshot.parts = 3;
    rc |= s_write_msg ("ok-snapshot_reply-part", &msg);
    //  And a truncated frame.
    s_sample (&msg, TW_MSG_POSITION_CLOSED);
    uint8_t *data;
    size_t size;
    if (tw_msg_encode (&msg, &data, &size, NULL, 0) == 0) {
        rc |= s_write ("bad-truncated", data, size - 1);
        free (data);
    }
    for (size_t i = 0; i < sizeof s_bad / sizeof s_bad[0]; i++)
        rc |= s_write (s_bad[i].name, (const uint8_t *) s_bad[i].bytes, s_bad[i].size);
    return rc == 0 ? 0 : 1;
}
