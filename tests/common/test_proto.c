//  Unit tests for tw_proto: a round trip of every message type, the wire
//  names, and every way a frame can be malformed (each must fail with a
//  one-line reason and leave the message reset). Malformed frames are built
//  with msgpack-c's packer from a list of key/value pairs, so that each case
//  is one edit of a valid message.

#include <check.h>
#include <math.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_proto.h"

#define S_COUNT(a) (sizeof (a) / sizeof ((a)[0]))
#define S_TS INT64_C (1700000000123456789)
#define S_EXPIRES INT64_C (1700000005000000000)
#define S_SAMPLE_POSITIONS 3
#define S_SAMPLE_MARKS 2 //  the first two positions' symbols have a mark

//  --------------------------------------------------------------------------
//  Sample messages: every field of every type set to something recognisable.

static void
s_position (tw_position_t *pos, int i)
{
    memset (pos, 0, sizeof *pos);
    snprintf (pos->symbol, sizeof pos->symbol, "NSE:SYM%d-EQ", i);
    snprintf (pos->id, sizeof pos->id, "NSE:SYM%d-EQ-INTRADAY", i);
    snprintf (pos->product, sizeof pos->product, "INTRADAY");
    pos->side = i % 2 ? TW_SIDE_SHORT : TW_SIDE_LONG;
    pos->qty = 10 + i;
    pos->entry_price = 500.25 + i;
    pos->sl = 495.5;
    pos->tp = 510.75;
    pos->trail = i % 2 ? 0 : 2.5;
    pos->state = (tw_state_t) (TW_STATE_OPEN + i % 3);
    pos->exit_failed = i % 2;
}

//  Fills msg with a complete message of type; a snapshot reply owns an array
//  that tw_msg_reset frees.
static void
s_sample (tw_msg_type_t type, tw_msg_t *msg)
{
    tw_msg_init (msg, type);
    msg->ts = S_TS;
    switch (type) {
    case TW_MSG_TICK:
        snprintf (msg->u.tick.symbol, TW_SYMBOL_MAX, "NSE:SBIN-EQ");
        msg->u.tick.ltp = 601.35;
        msg->u.tick.bid = 601.3;
        msg->u.tick.ask = 601.4;
        msg->u.tick.volume = 1234567;
        msg->u.tick.source = TW_SOURCE_SYNTHETIC;
        break;
    case TW_MSG_SIGNAL:
        snprintf (msg->u.signal.symbol, TW_SYMBOL_MAX, "NSE:SBIN-EQ");
        msg->u.signal.action = TW_ACTION_OPEN_SHORT;
        msg->u.signal.qty = 25;
        msg->u.signal.sl = 610.5;
        msg->u.signal.tp = 590.25;
        snprintf (msg->u.signal.model, TW_NAME_MAX, "meanrev-v2");
        break;
    case TW_MSG_PING:
    case TW_MSG_STATUS:
    case TW_MSG_SNAPSHOT:
        snprintf (msg->req_id, TW_ID_MAX, "q-%d", (int) type);
        msg->expires_at = S_EXPIRES;
        msg->u.snapshot.with_marks = type == TW_MSG_SNAPSHOT;
        break;
    case TW_MSG_PONG:
        snprintf (msg->req_id, TW_ID_MAX, "q-ping");
        snprintf (msg->u.pong.service, TW_NAME_MAX, "order-gateway");
        snprintf (msg->u.pong.version, TW_NAME_MAX, "0.1.0");
        msg->u.pong.uptime_ms = 86400123;
        msg->u.pong.counter_count = 3;
        snprintf (msg->u.pong.counters[0].name, TW_NAME_MAX, "positions_open");
        msg->u.pong.counters[0].value = 4;
        snprintf (msg->u.pong.counters[1].name, TW_NAME_MAX, "bad_messages");
        msg->u.pong.counters[1].value = 0;
        snprintf (msg->u.pong.counters[2].name, TW_NAME_MAX, "clock_skew");
        msg->u.pong.counters[2].value = -17;
        break;
    case TW_MSG_OPEN:
        snprintf (msg->req_id, TW_ID_MAX, "tradectl-1-open");
        msg->expires_at = S_EXPIRES;
        snprintf (msg->u.open.symbol, TW_SYMBOL_MAX, "NSE:INFY-EQ");
        msg->u.open.side = TW_SIDE_LONG;
        msg->u.open.qty = 7;
        msg->u.open.sl = 1400.5;
        msg->u.open.tp = 1500;
        msg->u.open.trail = 3.25;
        snprintf (msg->u.open.product, TW_PRODUCT_MAX, "CNC");
        break;
    case TW_MSG_CLOSE:
        snprintf (msg->req_id, TW_ID_MAX, "risk-9-close");
        msg->expires_at = S_EXPIRES;
        snprintf (msg->u.close.id, TW_ID_MAX, "NSE:INFY-EQ-INTRADAY");
        snprintf (msg->u.close.reason, TW_REASON_MAX, TW_REASON_TRAILING_SL_HIT);
        break;
    case TW_MSG_MODIFY:
        snprintf (msg->req_id, TW_ID_MAX, "risk-10-modify");
        msg->expires_at = S_EXPIRES;
        snprintf (msg->u.modify.id, TW_ID_MAX, "NSE:INFY-EQ-INTRADAY");
        msg->u.modify.has_sl = true;
        msg->u.modify.sl = 1450.75;
        msg->u.modify.has_trail = true;
        msg->u.modify.trail = 0; //  present and zero: "remove the trailing stop"
        break;
    case TW_MSG_FLATTEN:
        snprintf (msg->req_id, TW_ID_MAX, "tradectl-2-flatten");
        msg->expires_at = S_EXPIRES;
        snprintf (msg->u.flatten.reason, TW_REASON_MAX, TW_REASON_EOD_SQUARE_OFF);
        break;
    case TW_MSG_SNAPSHOT_REPLY:
        snprintf (msg->req_id, TW_ID_MAX, "clone-1");
        msg->u.snapshot.epoch = UINT64_C (0xfedcba9876543210);
        msg->u.snapshot.seq = UINT64_C (18446744073709551000);
        msg->u.snapshot.count = S_SAMPLE_POSITIONS;
        msg->u.snapshot.positions = calloc (S_SAMPLE_POSITIONS, sizeof (tw_position_t));
        ck_assert_ptr_nonnull (msg->u.snapshot.positions);
        for (int i = 0; i < S_SAMPLE_POSITIONS; i++)
            s_position (&msg->u.snapshot.positions[i], i);
        msg->u.snapshot.mark_count = S_SAMPLE_MARKS;
        msg->u.snapshot.marks = calloc (S_SAMPLE_MARKS, sizeof (tw_mark_t));
        ck_assert_ptr_nonnull (msg->u.snapshot.marks);
        for (int i = 0; i < S_SAMPLE_MARKS; i++) {
            tw_mark_t *mark = &msg->u.snapshot.marks[i];
            snprintf (mark->symbol, sizeof mark->symbol, "NSE:SYM%d-EQ", i);
            mark->ltp = 503.35 + i;
            mark->ltp_at = S_TS - INT64_C (250000000) * i;
        }
        break;
    case TW_MSG_ACK:
        snprintf (msg->req_id, TW_ID_MAX, "tradectl-3");
        msg->u.ack.status = TW_ACK_REJECTED;
        snprintf (msg->u.ack.id, TW_ID_MAX, "NSE:SBIN-EQ-INTRADAY");
        snprintf (msg->u.ack.error, TW_TEXT_MAX, "expired: expires_at is in the past");
        break;
    case TW_MSG_HISTORY:
    case TW_MSG_PNL:
        snprintf (msg->req_id, TW_ID_MAX, "tradectl-4-journal");
        msg->expires_at = S_EXPIRES;
        snprintf (msg->u.journal.day, TW_DAY_MAX, "2026-12-01");
        if (type == TW_MSG_HISTORY) {
            msg->u.journal.offset = 100;
            msg->u.journal.limit = 50;
        }
        break;
    case TW_MSG_HISTORY_REPLY:
        snprintf (msg->req_id, TW_ID_MAX, "tradectl-4-journal");
        snprintf (msg->u.history.day, TW_DAY_MAX, "2026-12-01");
        msg->u.history.offset = 100;
        msg->u.history.total = 102;
        msg->u.history.count = 2;
        msg->u.history.trades = calloc (2, sizeof (tw_trade_t));
        ck_assert_ptr_nonnull (msg->u.history.trades);
        for (int i = 0; i < 2; i++) {
            tw_trade_t *trade = &msg->u.history.trades[i];
            snprintf (trade->id, TW_ID_MAX, "NSE:SYM%d-EQ-INTRADAY", i);
            snprintf (trade->symbol, TW_SYMBOL_MAX, "NSE:SYM%d-EQ", i);
            trade->side = i ? TW_SIDE_SHORT : TW_SIDE_LONG;
            trade->qty = 10 + i;
            trade->entry_price = 500.25;
            trade->exit_price = 498.1;
            trade->opened_at = S_TS;
            trade->closed_at = S_TS + 60000000000;
            snprintf (trade->reason, TW_REASON_MAX, TW_REASON_SL_HIT);
            trade->attempts = 1 + i;
            trade->pnl = i ? 23.65 : -21.5;
        }
        break;
    case TW_MSG_PNL_REPLY:
        snprintf (msg->req_id, TW_ID_MAX, "tradectl-5-pnl");
        snprintf (msg->u.pnl.day, TW_DAY_MAX, "2026-12-01");
        msg->u.pnl.realized_pnl = 1234.5;
        msg->u.pnl.unrealized_pnl = -20.25;
        msg->u.pnl.trades = 12;
        msg->u.pnl.wins = 7;
        msg->u.pnl.losses = 5;
        msg->u.pnl.largest_loss = -310.75;
        msg->u.pnl.open_positions = 3;
        msg->u.pnl.marked_positions = 2;
        break;
    case TW_MSG_POSITION_OPENED:
    case TW_MSG_POSITION_UPDATED:
    case TW_MSG_POSITION_CLOSING:
    case TW_MSG_POSITION_CLOSED:
    case TW_MSG_EXIT_FAILED:
        msg->u.event.epoch = 77;
        msg->u.event.seq = 1000 + (uint64_t) type;
        s_position (&msg->u.event.pos, (int) type);
        if (type == TW_MSG_POSITION_OPENED || type == TW_MSG_POSITION_UPDATED)
            break;
        snprintf (msg->u.event.reason, TW_REASON_MAX, TW_REASON_SL_HIT);
        if (type == TW_MSG_POSITION_CLOSED) {
            msg->u.event.exit_price = 494.9;
            msg->u.event.pnl = -53.5;
            msg->u.event.attempts = 2;
        }
        if (type == TW_MSG_EXIT_FAILED) {
            msg->u.event.attempts = 3;
            snprintf (msg->u.event.error, TW_TEXT_MAX, "HTTP 503 from broker");
        }
        break;
    case TW_MSG_ORDER_REJECTED:
        snprintf (msg->req_id, TW_ID_MAX, "signal-5-open");
        msg->u.event.epoch = 77;
        msg->u.event.seq = 2000;
        snprintf (msg->u.event.pos.id, TW_ID_MAX, "NSE:SBIN-EQ-INTRADAY");
        snprintf (msg->u.event.pos.symbol, TW_SYMBOL_MAX, "NSE:SBIN-EQ");
        msg->u.event.pos.side = TW_SIDE_SHORT;
        msg->u.event.pos.qty = 50;
        snprintf (msg->u.event.error, TW_TEXT_MAX, "-50: insufficient funds");
        break;
    case TW_MSG_POSITION_MISMATCH:
        msg->u.event.epoch = 77;
        msg->u.event.seq = 3000;
        snprintf (msg->u.event.pos.id, TW_ID_MAX, "NSE:SBIN-EQ-INTRADAY");
        snprintf (msg->u.event.pos.symbol, TW_SYMBOL_MAX, "NSE:SBIN-EQ");
        msg->u.event.qty = -10;
        msg->u.event.broker_qty = -4;
        snprintf (msg->u.event.broker_product, TW_PRODUCT_MAX, "CNC");
        snprintf (msg->u.event.detail, TW_TEXT_MAX, "converted to CNC at the broker");
        break;
    case TW_MSG_HEARTBEAT:
        msg->u.event.epoch = 77;
        msg->u.event.seq = 123456789;
        break;
    case TW_MSG_TRADING_STATE:
        msg->u.event.epoch = 77;
        msg->u.event.seq = 4000;
        msg->u.event.trading_state = TW_TRADING_HALTED;
        snprintf (msg->u.event.detail, TW_TEXT_MAX, "flatten (Kill Switch)");
        break;
    case TW_MSG_RESUME:
        snprintf (msg->req_id, TW_ID_MAX, "resume-1");
        snprintf (msg->u.resume.reason, TW_REASON_MAX, "checked the book");
        break;
    case TW_MSG_FEED_REPORT:
        snprintf (msg->req_id, TW_ID_MAX, "rm-feed-1");
        msg->expires_at = INT64_C (1700000005000000000);
        snprintf (msg->u.feed.symbol, TW_SYMBOL_MAX, "NSE:SBIN-EQ");
        msg->u.feed.stale = true;
        msg->u.feed.age_ms = 5250;
        break;
    case TW_MSG_FEED_STALE:
        msg->u.event.epoch = 77;
        msg->u.event.seq = 5000;
        snprintf (msg->u.event.pos.symbol, TW_SYMBOL_MAX, "NSE:SBIN-EQ");
        msg->u.event.active = true;
        msg->u.event.age_ms = 5250;
        break;
    case TW_MSG_TOKEN_EXPIRY:
        msg->u.event.epoch = 77;
        msg->u.event.seq = 5001;
        msg->u.event.expires_at = INT64_C (1700003600000000000);
        msg->u.event.expired = true;
        msg->u.event.active = true;
        break;
    default:
        ck_abort_msg ("no sample for type %d", (int) type);
    }
}

static void
s_assert_same (const tw_msg_t *a, const tw_msg_t *b)
{
    ck_assert_int_eq (a->type, b->type);
    ck_assert_int_eq (a->ts, b->ts);
    ck_assert_str_eq (a->req_id, b->req_id);
    ck_assert_int_eq (a->expires_at, b->expires_at);
    if (a->type == TW_MSG_SNAPSHOT_REPLY) {
        ck_assert_uint_eq (a->u.snapshot.epoch, b->u.snapshot.epoch);
        ck_assert_uint_eq (a->u.snapshot.seq, b->u.snapshot.seq);
        ck_assert_uint_eq (a->u.snapshot.count, b->u.snapshot.count);
        ck_assert_int_eq (a->u.snapshot.has_parts, b->u.snapshot.has_parts);
        ck_assert_uint_eq (a->u.snapshot.part, b->u.snapshot.part);
        ck_assert_uint_eq (a->u.snapshot.parts, b->u.snapshot.parts);
        for (size_t i = 0; i < a->u.snapshot.count; i++) {
            const tw_position_t *p = &a->u.snapshot.positions[i];
            const tw_position_t *q = &b->u.snapshot.positions[i];
            ck_assert_str_eq (p->id, q->id);
            ck_assert_str_eq (p->symbol, q->symbol);
            ck_assert_int_eq (p->state, q->state);
            ck_assert_int_eq (memcmp (p, q, sizeof *p), 0);
        }
        ck_assert_uint_eq (a->u.snapshot.mark_count, b->u.snapshot.mark_count);
        for (size_t i = 0; i < a->u.snapshot.mark_count; i++) {
            const tw_mark_t *p = &a->u.snapshot.marks[i];
            const tw_mark_t *q = &b->u.snapshot.marks[i];
            ck_assert_str_eq (p->symbol, q->symbol);
            ck_assert_double_eq (p->ltp, q->ltp);
            ck_assert_int_eq (p->ltp_at, q->ltp_at);
        }
    }
    else if (a->type == TW_MSG_HISTORY_REPLY) {
        ck_assert_str_eq (a->u.history.day, b->u.history.day);
        ck_assert_int_eq (a->u.history.offset, b->u.history.offset);
        ck_assert_int_eq (a->u.history.total, b->u.history.total);
        ck_assert_uint_eq (a->u.history.count, b->u.history.count);
        for (size_t i = 0; i < a->u.history.count; i++)
            ck_assert_int_eq (
                memcmp (&a->u.history.trades[i], &b->u.history.trades[i], sizeof (tw_trade_t)), 0);
    }
    else
        //  Both sides started zeroed, so every byte of the union must match:
        //  this compares every field of every type at once.
        ck_assert_int_eq (memcmp (&a->u, &b->u, sizeof a->u), 0);
}

//  Encodes msg and decodes the result into out; both must succeed.
static void
s_round_trip (const tw_msg_t *msg, tw_msg_t *out)
{
    uint8_t *data;
    size_t size;
    char err[256];
    int rc = tw_msg_encode (msg, &data, &size, err, sizeof err);
    ck_assert_msg (rc == 0, "encode %s: %s", tw_msg_type_name (msg->type), err);
    memset (out, 0, sizeof *out);
    rc = tw_msg_decode (data, size, out, err, sizeof err);
    ck_assert_msg (rc == 0, "decode %s: %s", tw_msg_type_name (msg->type), err);
    free (data);
}

static void
s_encode_sample (tw_msg_type_t type, uint8_t **data, size_t *size)
{
    tw_msg_t msg;
    char err[256];
    s_sample (type, &msg);
    ck_assert_msg (tw_msg_encode (&msg, data, size, err, sizeof err) == 0, "%s", err);
    tw_msg_reset (&msg);
}

//  Asserts a failed decode: the reason mentions needle, is one line, and
//  msg is left reset.
static void
s_assert_rejected (const uint8_t *data, size_t size, const char *needle)
{
    tw_msg_t msg, zero;
    memset (&zero, 0, sizeof zero);
    memset (&msg, 0, sizeof msg);
    char err[256] = "unset";
    int rc = tw_msg_decode (data, size, &msg, err, sizeof err);
    ck_assert_msg (rc == -1, "accepted a frame that should fail with '%s'", needle);
    ck_assert_msg (strstr (err, needle) != NULL, "reason '%s' does not mention '%s'", err, needle);
    ck_assert_ptr_null (strchr (err, '\n'));
    ck_assert_int_eq (msg.type, TW_MSG_INVALID);
    ck_assert_int_eq (memcmp (&msg, &zero, sizeof msg), 0);
}

//  --------------------------------------------------------------------------
//  Frames built from key/value pairs.

typedef struct s_kv s_kv_t;
struct s_kv {
    const char *key; //  NULL: the key is the integer 7
    size_t key_len;  //  of key, when it holds a NUL; else 0
    char kind;       //  s str, i int, u uint, f double, g float32, b bool, n nil,
                     //  x raw bytes, P array of `i` copies of the map `child`,
                     //  C map of `i` counters
    const char *s;   //  s: text (len bytes when len > 0); x: raw bytes
    size_t len;
    int64_t i;
    double f;
    const s_kv_t *child;
    size_t child_n;
    const s_kv_t *last; //  P: when set, the last copy is this map instead
    size_t last_n;
};

#define KS(k, v)                                                                                   \
    {                                                                                              \
        .key = (k), .kind = 's', .s = (v)                                                          \
    }
#define KSN(k, v, n)                                                                               \
    {                                                                                              \
        .key = (k), .kind = 's', .s = (v), .len = (n)                                              \
    }
#define KI(k, v)                                                                                   \
    {                                                                                              \
        .key = (k), .kind = 'i', .i = (v)                                                          \
    }
#define KIK(k, klen, v)                                                                            \
    {                                                                                              \
        .key = (k), .key_len = (klen), .kind = 'i', .i = (v)                                       \
    }
#define KU(k, v)                                                                                   \
    {                                                                                              \
        .key = (k), .kind = 'u', .i = (int64_t) (v)                                                \
    }
#define KF(k, v)                                                                                   \
    {                                                                                              \
        .key = (k), .kind = 'f', .f = (v)                                                          \
    }
#define KG(k, v)                                                                                   \
    {                                                                                              \
        .key = (k), .kind = 'g', .f = (v)                                                          \
    }
#define KB(k, v)                                                                                   \
    {                                                                                              \
        .key = (k), .kind = 'b', .i = (v)                                                          \
    }
#define KN(k)                                                                                      \
    {                                                                                              \
        .key = (k), .kind = 'n'                                                                    \
    }
#define KX(k, bytes)                                                                               \
    {                                                                                              \
        .key = (k), .kind = 'x', .s = (bytes), .len = sizeof (bytes) - 1                           \
    }
#define KP(k, kids, copies)                                                                        \
    {                                                                                              \
        .key = (k), .kind = 'P', .i = (copies), .child = (kids), .child_n = S_COUNT (kids)         \
    }
#define KC(k, n)                                                                                   \
    {                                                                                              \
        .key = (k), .kind = 'C', .i = (n)                                                          \
    }

static void s_pack_map (msgpack_packer *pk, const s_kv_t *kvs, size_t n);

static void
s_pack_str (msgpack_packer *pk, const char *s, size_t len)
{
    ck_assert_int_eq (msgpack_pack_str (pk, len), 0);
    ck_assert_int_eq (msgpack_pack_str_body (pk, s, len), 0);
}

static void
s_pack_value (msgpack_packer *pk, msgpack_sbuffer *buffer, const s_kv_t *kv)
{
    switch (kv->kind) {
    case 's':
        s_pack_str (pk, kv->s, kv->len ? kv->len : strlen (kv->s));
        break;
    case 'i':
        msgpack_pack_int64 (pk, kv->i);
        break;
    case 'u':
        msgpack_pack_uint64 (pk, (uint64_t) kv->i);
        break;
    case 'f':
        msgpack_pack_double (pk, kv->f);
        break;
    case 'g':
        msgpack_pack_float (pk, (float) kv->f);
        break;
    case 'b':
        kv->i ? msgpack_pack_true (pk) : msgpack_pack_false (pk);
        break;
    case 'n':
        msgpack_pack_nil (pk);
        break;
    case 'x':
        msgpack_sbuffer_write (buffer, kv->s, kv->len);
        break;
    case 'P':
        msgpack_pack_array (pk, (size_t) kv->i);
        for (int64_t c = 0; c < kv->i; c++)
            if (kv->last && c == kv->i - 1)
                s_pack_map (pk, kv->last, kv->last_n);
            else
                s_pack_map (pk, kv->child, kv->child_n);
        break;
    case 'C':
        msgpack_pack_map (pk, (size_t) kv->i);
        for (int64_t c = 0; c < kv->i; c++) {
            char name[16];
            snprintf (name, sizeof name, "c%d", (int) c);
            s_pack_str (pk, name, strlen (name));
            msgpack_pack_int64 (pk, c);
        }
        break;
    default:
        ck_abort_msg ("bad kind %c", kv->kind);
    }
}

static void
s_pack_map (msgpack_packer *pk, const s_kv_t *kvs, size_t n)
{
    msgpack_pack_map (pk, n);
    for (size_t i = 0; i < n; i++) {
        if (kvs[i].key)
            s_pack_str (pk, kvs[i].key, kvs[i].key_len ? kvs[i].key_len : strlen (kvs[i].key));
        else
            msgpack_pack_int (pk, 7);
        s_pack_value (pk, (msgpack_sbuffer *) pk->data, &kvs[i]);
    }
}

//  Edits of a list of pairs: replace the value of a key (append it when
//  missing), delete a key, or append a pair (a duplicate key, say).
typedef enum { S_SET, S_DEL, S_ADD } s_edit_t;
#define S_KV_MAX 40

static size_t
s_edit (const s_kv_t *base, size_t n, s_edit_t mode, s_kv_t edit, s_kv_t *out)
{
    size_t m = 0;
    bool done = false;
    for (size_t i = 0; i < n; i++) {
        bool match =
            mode != S_ADD && base[i].key && edit.key && strcmp (base[i].key, edit.key) == 0;
        if (match && mode == S_DEL)
            continue;
        out[m++] = match ? edit : base[i];
        done |= match;
    }
    if (mode == S_ADD || (mode == S_SET && !done))
        out[m++] = edit;
    ck_assert_uint_le (m, S_KV_MAX);
    return m;
}

static void
s_frame (const s_kv_t *kvs, size_t n, msgpack_sbuffer *buffer)
{
    msgpack_sbuffer_init (buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    s_pack_map (&pk, kvs, n);
}

//  Decodes the edited pairs; expects a failure mentioning needle, or success
//  when needle is NULL (then the decoded message is left in out, if given).
static void
s_check_edit (const s_kv_t *base, size_t n, s_edit_t mode, s_kv_t edit, const char *needle,
              tw_msg_t *out)
{
    s_kv_t kvs[S_KV_MAX];
    size_t m = s_edit (base, n, mode, edit, kvs);
    msgpack_sbuffer buffer;
    s_frame (kvs, m, &buffer);
    if (needle)
        s_assert_rejected ((const uint8_t *) buffer.data, buffer.size, needle);
    else {
        tw_msg_t msg;
        memset (&msg, 0, sizeof msg);
        char err[256];
        int rc = tw_msg_decode ((const uint8_t *) buffer.data, buffer.size, &msg, err, sizeof err);
        ck_assert_msg (rc == 0, "rejected: %s", err);
        if (out)
            *out = msg;
        else
            tw_msg_reset (&msg);
    }
    msgpack_sbuffer_destroy (&buffer);
}

#define S_REJECT(base, mode, edit, needle)                                                         \
    s_check_edit ((base), S_COUNT (base), (mode), (s_kv_t) edit, (needle), NULL)
#define S_ACCEPT(base, mode, edit, out)                                                            \
    s_check_edit ((base), S_COUNT (base), (mode), (s_kv_t) edit, NULL, (out))

static const s_kv_t s_open_kvs[] = {
    KI ("v", 1),
    KS ("type", "open"),
    KI ("ts", S_TS),
    KS ("req_id", "r-1"),
    KI ("expires_at", S_EXPIRES),
    KS ("symbol", "NSE:SBIN-EQ"),
    KS ("side", "long"),
    KI ("qty", 10),
    KF ("sl", 595.5),
};

static const s_kv_t s_position_kvs[] = {
    KS ("id", "NSE:SBIN-EQ-INTRADAY"),
    KS ("symbol", "NSE:SBIN-EQ"),
    KS ("product", "INTRADAY"),
    KS ("side", "short"),
    KI ("qty", 5),
    KF ("entry_price", 600.5),
    KF ("sl", 610),
    KF ("tp", 590),
    KF ("trail", 0),
    KS ("state", "closing"),
    KB ("exit_failed", 0),
};

static const s_kv_t s_closed_kvs[] = {
    KI ("v", 1),
    KS ("type", "position_closed"),
    KI ("ts", S_TS),
    KU ("epoch", 3),
    KU ("seq", 41),
    KS ("id", "NSE:SBIN-EQ-INTRADAY"),
    KS ("symbol", "NSE:SBIN-EQ"),
    KS ("product", "INTRADAY"),
    KS ("side", "short"),
    KI ("qty", 5),
    KF ("entry_price", 600.5),
    KF ("sl", 610),
    KF ("tp", 590),
    KF ("trail", 0),
    KS ("state", "closed"),
    KB ("exit_failed", 0),
    KS ("reason", "TP Hit"),
    KF ("exit_price", 589.9),
    KF ("pnl", 53.0),
    KI ("attempts", 1),
};

static const s_kv_t s_snapshot_kvs[] = {
    KI ("v", 1),    KS ("type", "snapshot_reply"),       KI ("ts", S_TS), KU ("epoch", 3),
    KU ("seq", 41), KP ("positions", s_position_kvs, 2),
};

static const s_kv_t s_mark_kvs[] = {
    KS ("symbol", "NSE:SBIN-EQ"),
    KF ("ltp", 603.25),
    KI ("ltp_at", S_TS),
};

static const s_kv_t s_pong_kvs[] = {
    KI ("v", 1),
    KS ("type", "pong"),
    KI ("ts", S_TS),
    KS ("service", "notifier"),
    KS ("version", "0.1.0"),
    KI ("uptime_ms", 5),
    KC ("counters", 2),
};

//  Decodes a snapshot reply of three positions, the last one edited.
static void
s_check_bad_position (s_edit_t mode, s_kv_t edit, const char *needle)
{
    s_kv_t bad[S_KV_MAX];
    size_t n = s_edit (s_position_kvs, S_COUNT (s_position_kvs), mode, edit, bad);
    s_kv_t positions = KP ("positions", s_position_kvs, 3);
    positions.last = bad;
    positions.last_n = n;
    s_check_edit (s_snapshot_kvs, S_COUNT (s_snapshot_kvs), S_SET, positions, needle, NULL);
}

//  --------------------------------------------------------------------------
//  Tests.

START_TEST (test_round_trip_every_type)
{
    for (int type = TW_MSG_INVALID + 1; type < TW_MSG_COUNT; type++) {
        tw_msg_t msg, out;
        s_sample ((tw_msg_type_t) type, &msg);
        s_round_trip (&msg, &out);
        s_assert_same (&msg, &out);
        tw_msg_reset (&msg);
        tw_msg_reset (&out);
        ck_assert_int_eq (out.type, TW_MSG_INVALID);
        ck_assert_ptr_null (out.u.snapshot.positions);
        ck_assert_ptr_null (out.u.snapshot.marks);
    }
}
END_TEST

START_TEST (test_round_trip_details)
{
    tw_msg_t msg, out;
    //  A snapshot reply with several positions, every field checked by name.
    s_sample (TW_MSG_SNAPSHOT_REPLY, &msg);
    s_round_trip (&msg, &out);
    ck_assert_uint_eq (out.u.snapshot.count, S_SAMPLE_POSITIONS);
    const tw_position_t *p = &out.u.snapshot.positions[1];
    ck_assert_str_eq (p->id, "NSE:SYM1-EQ-INTRADAY");
    ck_assert_str_eq (p->symbol, "NSE:SYM1-EQ");
    ck_assert_str_eq (p->product, "INTRADAY");
    ck_assert_int_eq (p->side, TW_SIDE_SHORT);
    ck_assert_int_eq (p->qty, 11);
    ck_assert_double_eq (p->entry_price, 501.25);
    ck_assert_double_eq (p->sl, 495.5);
    ck_assert_double_eq (p->tp, 510.75);
    ck_assert_double_eq (p->trail, 0);
    ck_assert_int_eq (p->state, TW_STATE_CLOSING);
    ck_assert (p->exit_failed);
    ck_assert_uint_eq (out.u.snapshot.seq, UINT64_C (18446744073709551000));
    //  Decoding into a message that holds positions frees them first.
    uint8_t *data;
    size_t size;
    s_encode_sample (TW_MSG_HEARTBEAT, &data, &size);
    ck_assert_int_eq (tw_msg_decode (data, size, &out, NULL, 0), 0);
    ck_assert_int_eq (out.type, TW_MSG_HEARTBEAT);
    free (data);
    tw_msg_reset (&msg);
    tw_msg_reset (&out);
    tw_msg_reset (&out); //  twice is fine

    //  modify: only the fields whose has_ flag is set travel.
    s_sample (TW_MSG_MODIFY, &msg);
    s_round_trip (&msg, &out);
    ck_assert (out.u.modify.has_sl && !out.u.modify.has_tp && out.u.modify.has_trail);
    ck_assert_double_eq (out.u.modify.sl, 1450.75);

    //  Optional fields left empty decode as their defaults.
    tw_msg_init (&msg, TW_MSG_OPEN);
    snprintf (msg.req_id, TW_ID_MAX, "r");
    msg.expires_at = 1;
    snprintf (msg.u.open.symbol, TW_SYMBOL_MAX, "NSE:SBIN-EQ");
    msg.u.open.side = TW_SIDE_SHORT;
    msg.u.open.qty = 1;
    s_round_trip (&msg, &out);
    ck_assert_str_eq (out.u.open.product, "INTRADAY");
    ck_assert_double_eq (out.u.open.sl, 0);
    tw_msg_init (&msg, TW_MSG_FLATTEN);
    snprintf (msg.req_id, TW_ID_MAX, "f");
    s_round_trip (&msg, &out);
    ck_assert_str_eq (out.u.flatten.reason, TW_REASON_KILL_SWITCH);
    tw_msg_init (&msg, TW_MSG_PING);
    s_round_trip (&msg, &out);
    ck_assert_str_eq (out.req_id, "");
    ck_assert_int_eq (out.expires_at, 0);
    //  A close signal carries no qty, sl or tp.
    tw_msg_init (&msg, TW_MSG_SIGNAL);
    snprintf (msg.u.signal.symbol, TW_SYMBOL_MAX, "NSE:SBIN-EQ");
    msg.u.signal.action = TW_ACTION_CLOSE;
    snprintf (msg.u.signal.model, TW_NAME_MAX, "m");
    s_round_trip (&msg, &out);
    ck_assert_int_eq (out.u.signal.action, TW_ACTION_CLOSE);
    ck_assert_int_eq (out.u.signal.qty, 0);
    ck_assert_str_eq (out.req_id, "");
    //  A signal may carry the model's req_id, written before the fields.
    snprintf (msg.req_id, TW_ID_MAX, "meanrev-42");
    s_round_trip (&msg, &out);
    ck_assert_str_eq (out.req_id, "meanrev-42");
    //  An empty snapshot and a pong without counters.
    tw_msg_init (&msg, TW_MSG_SNAPSHOT_REPLY);
    s_round_trip (&msg, &out);
    ck_assert_uint_eq (out.u.snapshot.count, 0);
    ck_assert_ptr_null (out.u.snapshot.positions);
    tw_msg_reset (&out);
    tw_msg_init (&msg, TW_MSG_PONG);
    snprintf (msg.u.pong.service, TW_NAME_MAX, "risk-monitor");
    s_round_trip (&msg, &out);
    ck_assert_uint_eq (out.u.pong.counter_count, 0);
}
END_TEST

//  The keys on the wire are the contract (docs/design.md §6/§7): check them as an
//  outside decoder sees them.
static void
s_assert_keys (tw_msg_type_t type, const char *expected)
{
    uint8_t *data;
    size_t size;
    s_encode_sample (type, &data, &size);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    ck_assert_int_eq (msgpack_unpack_next (&unpacked, (const char *) data, size, NULL),
                      MSGPACK_UNPACK_SUCCESS);
    ck_assert_int_eq (unpacked.data.type, MSGPACK_OBJECT_MAP);
    char keys[512] = "";
    for (uint32_t i = 0; i < unpacked.data.via.map.size; i++) {
        const msgpack_object *key = &unpacked.data.via.map.ptr[i].key;
        ck_assert_int_eq (key->type, MSGPACK_OBJECT_STR);
        snprintf (keys + strlen (keys), sizeof keys - strlen (keys), "%s%.*s", i ? "," : "",
                  (int) key->via.str.size, key->via.str.ptr);
    }
    ck_assert_str_eq (keys, expected);
    msgpack_unpacked_destroy (&unpacked);
    free (data);
}

START_TEST (test_wire_names)
{
    s_assert_keys (TW_MSG_POSITION_CLOSED,
                   "v,type,ts,epoch,seq,id,symbol,product,side,qty,entry_price,sl,tp,trail,state,"
                   "exit_failed,reason,exit_price,pnl,attempts");
    s_assert_keys (TW_MSG_EXIT_FAILED,
                   "v,type,ts,epoch,seq,id,symbol,product,side,qty,entry_price,sl,tp,trail,state,"
                   "exit_failed,reason,attempts,error");
    s_assert_keys (TW_MSG_SIGNAL, "v,type,ts,symbol,action,qty,sl,tp,model");
    s_assert_keys (TW_MSG_OPEN, "v,type,ts,req_id,expires_at,symbol,side,qty,sl,tp,trail,product");
    s_assert_keys (TW_MSG_CLOSE, "v,type,ts,req_id,expires_at,id,reason");
    s_assert_keys (TW_MSG_ACK, "v,type,ts,req_id,status,id,error");
    s_assert_keys (TW_MSG_PONG, "v,type,ts,req_id,service,version,uptime_ms,counters");
    s_assert_keys (TW_MSG_SNAPSHOT_REPLY, "v,type,ts,req_id,epoch,seq,positions,marks");
    s_assert_keys (TW_MSG_SNAPSHOT, "v,type,ts,req_id,expires_at,marks");
    s_assert_keys (TW_MSG_TICK, "v,type,ts,symbol,ltp,bid,ask,volume,source");
    s_assert_keys (TW_MSG_HEARTBEAT, "v,type,ts,epoch,seq");
    s_assert_keys (TW_MSG_HISTORY, "v,type,ts,req_id,expires_at,day,offset,limit");
    s_assert_keys (TW_MSG_PNL, "v,type,ts,req_id,expires_at,day");
    s_assert_keys (TW_MSG_HISTORY_REPLY, "v,type,ts,req_id,day,offset,total,trades");
    s_assert_keys (TW_MSG_PNL_REPLY, "v,type,ts,req_id,day,realized_pnl,unrealized_pnl,trades,"
                                     "wins,losses,largest_loss,open_positions,marked_positions");
    s_assert_keys (TW_MSG_ORDER_REJECTED, "v,type,ts,req_id,epoch,seq,id,symbol,side,qty,error");
    s_assert_keys (TW_MSG_POSITION_MISMATCH,
                   "v,type,ts,epoch,seq,id,symbol,qty,broker_qty,broker_product,detail");
    s_assert_keys (TW_MSG_FEED_REPORT, "v,type,ts,req_id,expires_at,symbol,stale,age_ms");
    s_assert_keys (TW_MSG_FEED_STALE, "v,type,ts,epoch,seq,symbol,stale,age_ms");
    s_assert_keys (TW_MSG_TOKEN_EXPIRY, "v,type,ts,epoch,seq,expires_at,expired,active");
}
END_TEST

static const s_kv_t s_feed_report_kvs[] = {
    KI ("v", 1),           KS ("type", "feed_report"),   KI ("ts", S_TS),
    KS ("req_id", "rm-1"), KS ("symbol", "NSE:SBIN-EQ"), KB ("stale", 0),
    KI ("age_ms", 12),
};

static const s_kv_t s_feed_stale_kvs[] = {
    KI ("v", 1),   KS ("type", "feed_stale"),    KI ("ts", S_TS), KU ("epoch", 3),
    KU ("seq", 9), KS ("symbol", "NSE:SBIN-EQ"), KB ("stale", 1), KI ("age_ms", 5001),
};

static const s_kv_t s_token_expiry_kvs[] = {
    KI ("v", 1),    KS ("type", "token_expiry"), KI ("ts", S_TS),   KU ("epoch", 3),
    KU ("seq", 10), KI ("expires_at", S_TS),     KB ("expired", 0), KB ("active", 0),
};

//  The feed and token messages: a false flag travels (it says "over"), and
//  every field is required.
START_TEST (test_feed_and_token_messages)
{
    tw_msg_t msg, out;
    s_sample (TW_MSG_FEED_REPORT, &msg);
    msg.u.feed.stale = false;
    msg.u.feed.age_ms = 0;
    s_round_trip (&msg, &out);
    ck_assert_str_eq (out.u.feed.symbol, "NSE:SBIN-EQ");
    ck_assert (!out.u.feed.stale);
    s_sample (TW_MSG_TOKEN_EXPIRY, &msg);
    msg.u.event.expired = msg.u.event.active = false;
    s_round_trip (&msg, &out);
    ck_assert (!out.u.event.expired && !out.u.event.active);
    ck_assert_int_eq (out.u.event.expires_at, INT64_C (1700003600000000000));
    //  The frames an outside tool would write decode as expected.
    S_ACCEPT (s_feed_stale_kvs, S_SET, KB ("stale", 1), &out);
    ck_assert_int_eq (out.type, TW_MSG_FEED_STALE);
    ck_assert (out.u.event.active);
    ck_assert_int_eq (out.u.event.age_ms, 5001);
    S_ACCEPT (s_feed_report_kvs, S_SET, KB ("stale", 0), &out);
    ck_assert_int_eq (out.type, TW_MSG_FEED_REPORT);
    S_REJECT (s_feed_report_kvs, S_DEL, KN ("stale"), "missing field 'stale'");
    S_REJECT (s_feed_report_kvs, S_DEL, KN ("req_id"), "missing field 'req_id'");
    S_REJECT (s_feed_report_kvs, S_SET, KS ("symbol", ""), "empty string");
    S_REJECT (s_feed_report_kvs, S_SET, KI ("stale", 1), "field 'stale'");
    S_REJECT (s_feed_stale_kvs, S_DEL, KN ("age_ms"), "missing field 'age_ms'");
    S_REJECT (s_feed_stale_kvs, S_DEL, KN ("seq"), "missing field 'seq'");
    S_REJECT (s_token_expiry_kvs, S_DEL, KN ("active"), "missing field 'active'");
    S_REJECT (s_token_expiry_kvs, S_SET, KS ("expires_at", "soon"), "field 'expires_at'");
    //  Events, published on pos.<type>.
    char topic[64];
    s_sample (TW_MSG_FEED_STALE, &msg);
    ck_assert_int_eq (tw_msg_topic (&msg, topic, sizeof topic), 0);
    ck_assert_str_eq (topic, "pos.feed_stale");
    s_sample (TW_MSG_TOKEN_EXPIRY, &msg);
    ck_assert_int_eq (tw_msg_topic (&msg, topic, sizeof topic), 0);
    ck_assert_str_eq (topic, "pos.token_expiry");
    ck_assert (!tw_msg_is_event (TW_MSG_FEED_REPORT));
}
END_TEST

START_TEST (test_names)
{
    for (int type = TW_MSG_INVALID + 1; type < TW_MSG_COUNT; type++) {
        const char *name = tw_msg_type_name ((tw_msg_type_t) type);
        ck_assert_uint_gt (strlen (name), 0);
        ck_assert_int_eq (tw_msg_type_parse (name), type);
    }
    ck_assert_str_eq (tw_msg_type_name (TW_MSG_POSITION_CLOSED), "position_closed");
    ck_assert_str_eq (tw_msg_type_name (TW_MSG_INVALID), "");
    ck_assert_str_eq (tw_msg_type_name (TW_MSG_COUNT), "");
    ck_assert_int_eq (tw_msg_type_parse ("bogus"), TW_MSG_INVALID);
    ck_assert_int_eq (tw_msg_type_parse (""), TW_MSG_INVALID);
    ck_assert_int_eq (tw_msg_type_parse (NULL), TW_MSG_INVALID);
    ck_assert_str_eq (tw_side_name (TW_SIDE_LONG), "long");
    ck_assert_str_eq (tw_side_name (TW_SIDE_SHORT), "short");
    ck_assert_str_eq (tw_side_name (TW_SIDE_NONE), "");
    ck_assert_int_eq (tw_side_parse ("short"), TW_SIDE_SHORT);
    ck_assert_int_eq (tw_side_parse ("Long"), TW_SIDE_NONE);
    ck_assert_str_eq (tw_state_name (TW_STATE_CLOSING), "closing");
    ck_assert_int_eq (tw_state_parse ("closed"), TW_STATE_CLOSED);
    ck_assert_int_eq (tw_state_parse (""), TW_STATE_NONE);
    ck_assert_str_eq (tw_ack_status_name (TW_ACK_DUPLICATE), "duplicate");
    ck_assert_int_eq (tw_ack_status_parse ("accepted"), TW_ACK_ACCEPTED);
    ck_assert_int_eq (tw_ack_status_parse ("ok"), TW_ACK_NONE);
    ck_assert_str_eq (tw_action_name (TW_ACTION_OPEN_LONG), "open_long");
    ck_assert_int_eq (tw_action_parse ("close"), TW_ACTION_CLOSE);
    ck_assert_int_eq (tw_action_parse ("buy"), TW_ACTION_NONE);
    ck_assert_str_eq (tw_source_name (TW_SOURCE_FYERS), "fyers");
    ck_assert_str_eq (tw_source_name (TW_SOURCE_NONE), "");
    ck_assert_int_eq (tw_source_parse ("synthetic"), TW_SOURCE_SYNTHETIC);
    ck_assert_int_eq (tw_source_parse ("replay"), TW_SOURCE_REPLAY);
    ck_assert_int_eq (tw_source_parse ("Fyers"), TW_SOURCE_NONE);
    ck_assert (tw_source_is_simulated (TW_SOURCE_SYNTHETIC));
    ck_assert (tw_source_is_simulated (TW_SOURCE_REPLAY));
    ck_assert (!tw_source_is_simulated (TW_SOURCE_FYERS));
    ck_assert (!tw_source_is_simulated (TW_SOURCE_NONE));
    const char *reasons[] = {"SL Hit",       "TP Hit",      "Trailing SL Hit", "Model Close",
                             "Manual Close", "Kill Switch", "EOD Square-off",  "Closed at Broker"};
    for (size_t i = 0; i < S_COUNT (reasons); i++)
        ck_assert (tw_reason_valid (reasons[i]));
    ck_assert (!tw_reason_valid ("sl hit"));
    ck_assert (!tw_reason_valid ("SL Hit "));
    ck_assert (!tw_reason_valid (""));
    ck_assert (!tw_reason_valid (NULL));
}
END_TEST

//  trading_state is optional on pong, heartbeat and snapshot_reply: absent it
//  decodes as NONE (an older gateway), present it comes back as sent.
START_TEST (test_trading_state_field)
{
    tw_msg_type_t types[] = {TW_MSG_PONG, TW_MSG_HEARTBEAT, TW_MSG_SNAPSHOT_REPLY};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        for (int state = TW_TRADING_NONE; state <= TW_TRADING_HALTED; state++) {
            tw_msg_t msg, back;
            memset (&back, 0, sizeof back);
            s_sample (types[i], &msg);
            if (types[i] == TW_MSG_PONG)
                msg.u.pong.trading_state = (tw_trading_state_t) state;
            else if (types[i] == TW_MSG_HEARTBEAT)
                msg.u.event.trading_state = (tw_trading_state_t) state;
            else
                msg.u.snapshot.trading_state = (tw_trading_state_t) state;
            uint8_t *data = NULL;
            size_t size = 0;
            char err[256];
            ck_assert_msg (tw_msg_encode (&msg, &data, &size, err, sizeof err) == 0, "%s", err);
            ck_assert_msg (tw_msg_decode (data, size, &back, err, sizeof err) == 0, "%s", err);
            tw_trading_state_t got = types[i] == TW_MSG_PONG        ? back.u.pong.trading_state
                                     : types[i] == TW_MSG_HEARTBEAT ? back.u.event.trading_state
                                                                    : back.u.snapshot.trading_state;
            ck_assert_int_eq (got, state);
            free (data);
            tw_msg_reset (&msg);
            tw_msg_reset (&back);
        }
    }
    ck_assert_str_eq (tw_trading_state_name (TW_TRADING_REDUCING), "reducing");
    ck_assert_int_eq (tw_trading_state_parse ("halted"), TW_TRADING_HALTED);
    ck_assert_int_eq (tw_trading_state_parse ("paused"), TW_TRADING_NONE);
    //  The event needs a valid state.
    tw_msg_t msg;
    s_sample (TW_MSG_TRADING_STATE, &msg);
    msg.u.event.trading_state = TW_TRADING_NONE;
    uint8_t *data = NULL;
    size_t size = 0;
    char err[256];
    ck_assert_int_eq (tw_msg_encode (&msg, &data, &size, err, sizeof err), -1);
    ck_assert_ptr_null (data);
}
END_TEST

START_TEST (test_topic_and_events)
{
    tw_msg_t msg;
    char topic[64];
    s_sample (TW_MSG_TICK, &msg);
    ck_assert_int_eq (tw_msg_topic (&msg, topic, sizeof topic), 0);
    ck_assert_str_eq (topic, "tick.NSE:SBIN-EQ");
    ck_assert_int_eq (tw_msg_topic (&msg, topic, 8), -1); //  too small
    s_sample (TW_MSG_POSITION_CLOSED, &msg);
    ck_assert_int_eq (tw_msg_topic (&msg, topic, sizeof topic), 0);
    ck_assert_str_eq (topic, "pos.position_closed");
    s_sample (TW_MSG_EXIT_FAILED, &msg);
    ck_assert_int_eq (tw_msg_topic (&msg, topic, sizeof topic), 0);
    ck_assert_str_eq (topic, "pos.exit_failed");
    s_sample (TW_MSG_ORDER_REJECTED, &msg);
    ck_assert_int_eq (tw_msg_topic (&msg, topic, sizeof topic), 0);
    ck_assert_str_eq (topic, "pos.order_rejected");
    s_sample (TW_MSG_POSITION_MISMATCH, &msg);
    ck_assert_int_eq (tw_msg_topic (&msg, topic, sizeof topic), 0);
    ck_assert_str_eq (topic, "pos.position_mismatch");
    ck_assert (tw_msg_is_event (TW_MSG_POSITION_MISMATCH));
    s_sample (TW_MSG_HEARTBEAT, &msg);
    ck_assert_int_eq (tw_msg_topic (&msg, topic, sizeof topic), 0);
    ck_assert_str_eq (topic, "hb");
    s_sample (TW_MSG_OPEN, &msg);
    ck_assert_int_eq (tw_msg_topic (&msg, topic, sizeof topic), -1);
    tw_msg_init (&msg, TW_MSG_TICK); //  no symbol
    ck_assert_int_eq (tw_msg_topic (&msg, topic, sizeof topic), -1);

    for (int type = TW_MSG_INVALID; type <= TW_MSG_COUNT; type++)
        ck_assert_int_eq (tw_msg_is_event ((tw_msg_type_t) type),
                          (type >= TW_MSG_POSITION_OPENED && type <= TW_MSG_HEARTBEAT)
                              || type == TW_MSG_TRADING_STATE || type == TW_MSG_FEED_STALE
                              || type == TW_MSG_TOKEN_EXPIRY);
    tw_msg_init (&msg, TW_MSG_PING);
    ck_assert_int_eq (msg.type, TW_MSG_PING);
    ck_assert_int_gt (msg.ts, INT64_C (1600000000) * 1000000000);
}
END_TEST

START_TEST (test_hostile_lengths)
{
    //  Each declares far more than the frame holds: refused before anything
    //  is allocated (ASan would report a multi-gigabyte allocation).
    s_assert_rejected ((const uint8_t *) "\xdd\x10\x00\x00\x00", 5, "array");
    s_assert_rejected ((const uint8_t *) "\xdf\xff\xff\xff\xff", 5, "map");
    s_assert_rejected ((const uint8_t *) "\xdb\xff\xff\xff\xff", 5, "str");
    s_assert_rejected ((const uint8_t *) "\xc6\xff\xff\xff\xff", 5, "bin");
    s_assert_rejected ((const uint8_t *) "\xc9\xff\xff\xff\xff\x01", 6, "ext");
    s_assert_rejected ((const uint8_t *) "\x81\xa1v\xdd\x10\x00\x00\x00", 8, "array");
    s_assert_rejected ((const uint8_t *) "\xc1", 1, "reserved");
    s_assert_rejected ((const uint8_t *) "", 0, "empty");
    s_assert_rejected (NULL, 0, "empty");
    //  A frame over the size limit is refused before it is looked at.
    uint8_t *big = calloc (1, TW_MAX_FRAME + 1);
    ck_assert_ptr_nonnull (big);
    s_assert_rejected (big, TW_MAX_FRAME + 1, "exceeds the limit");
    free (big);
    //  A pile of nested arrays stops at the depth limit.
    uint8_t deep[200];
    memset (deep, 0x91, sizeof deep);
    deep[sizeof deep - 1] = 0x01;
    s_assert_rejected (deep, sizeof deep, "nesting");
}
END_TEST

START_TEST (test_truncated_and_trailing)
{
    for (int type = TW_MSG_INVALID + 1; type < TW_MSG_COUNT; type++) {
        uint8_t *data;
        size_t size;
        s_encode_sample ((tw_msg_type_t) type, &data, &size);
        //  Every proper prefix of a valid frame is malformed.
        for (size_t len = 0; len < size; len++) {
            uint8_t *copy = malloc (len ? len : 1); //  exact size: ASan sees any overread
            memcpy (copy, data, len);
            tw_msg_t msg;
            memset (&msg, 0, sizeof msg);
            char err[256];
            ck_assert_msg (tw_msg_decode (copy, len, &msg, err, sizeof err) == -1,
                           "%s truncated to %zu of %zu bytes was accepted",
                           tw_msg_type_name ((tw_msg_type_t) type), len, size);
            ck_assert_int_eq (msg.type, TW_MSG_INVALID);
            free (copy);
        }
        uint8_t *longer = malloc (size + 1);
        memcpy (longer, data, size);
        longer[size] = 0xc0;
        s_assert_rejected (longer, size + 1, "trailing");
        free (longer);
        free (data);
    }
}
END_TEST

START_TEST (test_top_level_and_keys)
{
    s_assert_rejected ((const uint8_t *) "\x92\x01\x02", 3, "expected map, got array");
    s_assert_rejected ((const uint8_t *) "\x05", 1, "expected map, got integer");
    s_assert_rejected ((const uint8_t *) "\xa3"
                                         "abc",
                       4, "expected map, got string");
    s_assert_rejected ((const uint8_t *) "\x80", 1, "missing field 'v'");
    //  A key that is not a string.
    S_REJECT (s_open_kvs, S_ADD, KI (NULL, 1), "expected string, got integer");
    //  Duplicate keys, of the header and of a field.
    S_REJECT (s_open_kvs, S_ADD, KI ("v", 1), "duplicate field 'v'");
    S_REJECT (s_open_kvs, S_ADD, KS ("type", "open"), "duplicate field 'type'");
    S_REJECT (s_open_kvs, S_ADD, KI ("ts", 1), "duplicate field 'ts'");
    S_REJECT (s_open_kvs, S_ADD, KI ("qty", 10), "duplicate field 'qty'");
    //  Unknown keys, including one that belongs to another type, and keys
    //  that would need quoting.
    S_REJECT (s_open_kvs, S_ADD, KI ("foo", 1), "unknown field 'foo' in open");
    S_REJECT (s_open_kvs, S_ADD, KS ("reason", "SL Hit"), "unknown field 'reason'");
    S_REJECT (s_open_kvs, S_ADD, KIK ("qty\0x", 5, 1), "unknown field 'qty?x'");
    S_REJECT (s_open_kvs, S_ADD, KI ("bad\nkey", 1), "unknown field 'bad?key'");
    S_REJECT (s_closed_kvs, S_ADD, KS ("req_id", "x"), "unknown field 'req_id'");
    //  Missing fields.
    S_REJECT (s_open_kvs, S_DEL, KN ("v"), "missing field 'v'");
    S_REJECT (s_open_kvs, S_DEL, KN ("type"), "missing field 'type'");
    S_REJECT (s_open_kvs, S_DEL, KN ("ts"), "missing field 'ts'");
    S_REJECT (s_open_kvs, S_DEL, KN ("qty"), "missing field 'qty'");
    S_REJECT (s_open_kvs, S_DEL, KN ("req_id"), "missing field 'req_id'");
    S_REJECT (s_open_kvs, S_DEL, KN ("expires_at"), "missing field 'expires_at'");
    S_REJECT (s_closed_kvs, S_DEL, KN ("exit_failed"), "missing field 'exit_failed'");
    S_REJECT (s_closed_kvs, S_DEL, KN ("pnl"), "missing field 'pnl'");
    S_REJECT (s_snapshot_kvs, S_DEL, KN ("positions"), "missing field 'positions'");
    S_REJECT (s_pong_kvs, S_DEL, KN ("counters"), "missing field 'counters'");
}
END_TEST

START_TEST (test_version_and_type)
{
    S_REJECT (s_open_kvs, S_SET, KI ("v", 2), "unsupported protocol version 2");
    S_REJECT (s_open_kvs, S_SET, KI ("v", 0), "unsupported protocol version 0");
    S_REJECT (s_open_kvs, S_SET, KS ("v", "1"), "field 'v': expected integer, got string");
    S_REJECT (s_open_kvs, S_SET, KF ("v", 1.0), "field 'v': expected integer, got float");
    S_REJECT (s_open_kvs, S_SET, KS ("type", "bogus"), "unknown type 'bogus'");
    S_REJECT (s_open_kvs, S_SET, KS ("type", ""), "unknown type ''");
    S_REJECT (s_open_kvs, S_SET, KSN ("type", "open\0x", 6), "NUL");
    S_REJECT (s_open_kvs, S_SET, KS ("type", "position_closed_and_then_some_more_text"),
              "unknown type");
    S_REJECT (s_open_kvs, S_SET, KI ("type", 6), "field 'type': expected string");
    S_REJECT (s_open_kvs, S_SET, KS ("ts", "now"), "field 'ts': expected integer");
}
END_TEST

START_TEST (test_wrong_types)
{
    S_REJECT (s_open_kvs, S_SET, KS ("qty", "10"), "field 'qty': expected integer, got string");
    S_REJECT (s_open_kvs, S_SET, KF ("qty", 10.0), "field 'qty': expected integer, got float");
    S_REJECT (s_open_kvs, S_SET, KN ("qty"), "field 'qty': expected integer, got nil");
    S_REJECT (s_open_kvs, S_SET, KU ("qty", UINT64_MAX), "field 'qty': integer out of range");
    S_REJECT (s_open_kvs, S_SET, KS ("sl", "595"), "field 'sl': expected number, got string");
    S_REJECT (s_open_kvs, S_SET, KB ("sl", 1), "field 'sl': expected number, got boolean");
    S_REJECT (s_open_kvs, S_SET, KI ("symbol", 5), "field 'symbol': expected string, got integer");
    S_REJECT (s_open_kvs, S_SET, KX ("symbol", "\xc4\x01x"), "expected string, got bin");
    S_REJECT (s_open_kvs, S_SET, KX ("symbol", "\xd4\x01x"), "expected string, got ext");
    S_REJECT (s_open_kvs, S_SET, KX ("symbol", "\x90"), "expected string, got array");
    S_REJECT (s_open_kvs, S_SET, KI ("side", 1), "field 'side': expected string, got integer");
    S_REJECT (s_closed_kvs, S_SET, KI ("exit_failed", 0), "field 'exit_failed': expected boolean");
    S_REJECT (s_closed_kvs, S_SET, KI ("epoch", -1), "field 'epoch': expected unsigned integer");
    S_REJECT (s_closed_kvs, S_SET, KF ("seq", 41.0), "field 'seq': expected unsigned integer");
    S_REJECT (s_snapshot_kvs, S_SET, KI ("positions", 0), "field 'positions': expected array");
    S_REJECT (s_snapshot_kvs, S_SET, KX ("positions", "\x91\x01"),
              "field 'positions[0]': expected map, got integer");
    S_REJECT (s_pong_kvs, S_SET, KX ("counters", "\x90"), "field 'counters': expected map");
    S_REJECT (s_pong_kvs, S_SET,
              KX ("counters", "\x81\xa1"
                              "a\xa1"
                              "b"),
              "field 'counters[0]': expected integer, got string");
    S_REJECT (s_pong_kvs, S_SET, KX ("counters", "\x81\x01\x01"),
              "field 'counters[0]': expected string, got integer");
    S_REJECT (s_pong_kvs, S_SET,
              KX ("counters", "\x82\xa1"
                              "a\x01\xa1"
                              "a\x02"),
              "duplicate counter 'a'");
    S_REJECT (s_pong_kvs, S_SET, KX ("counters", "\x81\xa0\x01"), "empty counter name");
}
END_TEST

START_TEST (test_number_encodings)
{
    tw_msg_t msg;
    //  Prices may come as integers (a script's 600 is 600.0), negative ones
    //  and float32 included.
    S_ACCEPT (s_open_kvs, S_SET, KI ("sl", 600), &msg);
    ck_assert_double_eq (msg.u.open.sl, 600.0);
    S_ACCEPT (s_closed_kvs, S_SET, KI ("pnl", -12), &msg);
    ck_assert_double_eq (msg.u.event.pnl, -12.0);
    S_ACCEPT (s_closed_kvs, S_SET, KI ("pnl", -1234567), &msg);
    ck_assert_double_eq (msg.u.event.pnl, -1234567.0);
    S_ACCEPT (s_open_kvs, S_SET, KG ("sl", 0.5), &msg);
    ck_assert_double_eq (msg.u.open.sl, 0.5);
    //  Integers in any width, canonical or not.
    S_ACCEPT (s_open_kvs, S_SET, KX ("qty", "\xcc\x05"), &msg);
    ck_assert_int_eq (msg.u.open.qty, 5);
    S_ACCEPT (s_open_kvs, S_SET, KX ("qty", "\xd0\x05"), &msg);
    ck_assert_int_eq (msg.u.open.qty, 5);
    S_ACCEPT (s_open_kvs, S_SET, KX ("qty", "\xcf\x00\x00\x00\x00\x00\x00\x00\x07"), &msg);
    ck_assert_int_eq (msg.u.open.qty, 7);
    S_ACCEPT (s_open_kvs, S_SET, KX ("ts", "\xff"), &msg);
    ck_assert_int_eq (msg.ts, -1);
    S_ACCEPT (s_open_kvs, S_SET, KX ("ts", "\xd3\xff\xff\xff\xff\xff\xff\xff\xfe"), &msg);
    ck_assert_int_eq (msg.ts, -2);
    S_ACCEPT (s_open_kvs, S_SET, KX ("v", "\xcd\x00\x01"), &msg);
    S_ACCEPT (s_closed_kvs, S_SET, KX ("seq", "\xd3\x00\x00\x00\x00\x00\x00\x00\x2a"), &msg);
    ck_assert_uint_eq (msg.u.event.seq, 42);
    S_ACCEPT (s_closed_kvs, S_SET, KU ("epoch", UINT64_MAX), &msg);
    ck_assert_uint_eq (msg.u.event.epoch, UINT64_MAX);
    S_ACCEPT (s_closed_kvs, S_SET, KI ("attempts", 0), &msg);
    //  Not finite: refused.
    S_REJECT (s_open_kvs, S_SET, KF ("sl", NAN), "field 'sl': not a finite number");
    S_REJECT (s_open_kvs, S_SET, KF ("sl", INFINITY), "field 'sl': not a finite number");
    S_REJECT (s_closed_kvs, S_SET, KF ("pnl", -INFINITY), "field 'pnl': not a finite number");
    S_REJECT (s_closed_kvs, S_SET, KG ("exit_price", NAN), "not a finite number");
}
END_TEST

START_TEST (test_strings)
{
    char text[TW_SYMBOL_MAX + 1];
    memset (text, 'S', sizeof text);
    text[TW_SYMBOL_MAX - 1] = 0; //  47 bytes: the longest that fits
    tw_msg_t msg;
    S_ACCEPT (s_open_kvs, S_SET, KS ("symbol", text), &msg);
    ck_assert_uint_eq (strlen (msg.u.open.symbol), TW_SYMBOL_MAX - 1);
    text[TW_SYMBOL_MAX - 1] = 'S';
    text[TW_SYMBOL_MAX] = 0; //  48 bytes: one too many
    S_REJECT (s_open_kvs, S_SET, KS ("symbol", text),
              "field 'symbol': string of 48 bytes exceeds the limit of 47");
    S_REJECT (s_open_kvs, S_SET, KSN ("symbol", "NSE\0SBIN", 8),
              "field 'symbol': string contains a NUL byte");
    S_REJECT (s_open_kvs, S_SET, KS ("symbol", ""), "field 'symbol': empty string");
    S_REJECT (s_open_kvs, S_SET, KS ("req_id", ""), "field 'req_id': empty string");
    S_REJECT (s_open_kvs, S_SET, KS ("product", ""), "field 'product': empty string");
    char error[TW_TEXT_MAX + 10];
    memset (error, 'e', sizeof error);
    error[sizeof error - 1] = 0;
    S_REJECT (s_closed_kvs, S_ADD, KS ("error", error), "unknown field 'error'");
    static const s_kv_t failed_kvs[] = {
        KI ("v", 1),
        KS ("type", "exit_failed"),
        KI ("ts", 1),
        KU ("epoch", 3),
        KU ("seq", 41),
        KS ("id", "X-INTRADAY"),
        KS ("symbol", "X"),
        KS ("product", ""),
        KS ("side", "long"),
        KI ("qty", 5),
        KF ("entry_price", 1),
        KF ("sl", 0),
        KF ("tp", 0),
        KF ("trail", 0),
        KS ("state", "open"),
        KB ("exit_failed", 1),
        KS ("reason", "SL Hit"),
        KI ("attempts", 3),
        KS ("error", ""),
    };
    S_ACCEPT (failed_kvs, S_SET, KS ("error", "timeout"), &msg);
    ck_assert_str_eq (msg.u.event.error, "timeout");
    ck_assert (msg.u.event.pos.exit_failed);
    S_REJECT (failed_kvs, S_SET, KS ("error", error), "field 'error': string of 265 bytes");
    S_REJECT (failed_kvs, S_SET, KS ("reason", "Stop Hit"),
              "field 'reason': 'Stop Hit' is not an exit reason");
}
END_TEST

START_TEST (test_enums_and_rules)
{
    S_REJECT (s_open_kvs, S_SET, KS ("side", "up"), "field 'side': invalid value 'up'");
    S_REJECT (s_open_kvs, S_SET, KS ("side", ""), "field 'side': invalid value ''");
    S_REJECT (s_open_kvs, S_SET, KS ("side", "Long"), "invalid value 'Long'");
    S_REJECT (s_closed_kvs, S_SET, KS ("state", "pending"), "field 'state': invalid value");
    S_REJECT (s_closed_kvs, S_SET, KS ("reason", "sl hit"), "not an exit reason");
    static const s_kv_t ack_kvs[] = {
        KI ("v", 1),        KS ("type", "ack"),        KI ("ts", 1),
        KS ("req_id", "r"), KS ("status", "accepted"),
    };
    S_ACCEPT (ack_kvs, S_SET, KS ("status", "duplicate"), NULL);
    S_REJECT (ack_kvs, S_SET, KS ("status", "ok"), "field 'status': invalid value 'ok'");
    static const s_kv_t signal_kvs[] = {
        KI ("v", 1),
        KS ("type", "signal"),
        KI ("ts", 1),
        KS ("symbol", "NSE:SBIN-EQ"),
        KS ("action", "open_long"),
        KI ("qty", 3),
        KF ("sl", 590),
        KF ("tp", 610),
        KS ("model", "m"),
    };
    S_ACCEPT (signal_kvs, S_SET, KS ("action", "open_short"), NULL);
    S_ACCEPT (signal_kvs, S_ADD, KS ("req_id", "meanrev-42"), NULL);
    S_REJECT (signal_kvs, S_ADD, KI ("req_id", 42), "field 'req_id': expected string");
    S_REJECT (signal_kvs, S_ADD, KI ("expires_at", 1), "unknown field 'expires_at' in signal");
    S_REJECT (signal_kvs, S_SET, KS ("action", "buy"), "field 'action': invalid value 'buy'");
    S_REJECT (signal_kvs, S_SET, KS ("action", "close"), "only allowed with an open action");
    S_REJECT (signal_kvs, S_DEL, KN ("qty"), "missing field 'qty'");
    S_REJECT (signal_kvs, S_DEL, KN ("model"), "missing field 'model'");
    //  qty must be positive wherever it is given.
    S_REJECT (s_open_kvs, S_SET, KI ("qty", 0), "field 'qty': must be > 0, not 0");
    S_REJECT (s_open_kvs, S_SET, KI ("qty", -5), "field 'qty': must be > 0, not -5");
    S_REJECT (signal_kvs, S_SET, KI ("qty", 0), "field 'qty': must be > 0");
    S_REJECT (s_closed_kvs, S_SET, KI ("qty", 0), "field 'qty': must be > 0");
    //  close needs an exit reason spelled exactly.
    static const s_kv_t close_kvs[] = {
        KI ("v", 1),
        KS ("type", "close"),
        KI ("ts", 1),
        KS ("req_id", "r"),
        KI ("expires_at", 2),
        KS ("id", "NSE:SBIN-EQ-INTRADAY"),
        KS ("reason", "Manual Close"),
    };
    S_ACCEPT (close_kvs, S_SET, KS ("reason", "Closed at Broker"), NULL);
    S_REJECT (close_kvs, S_SET, KS ("reason", "Manual"),
              "field 'reason': 'Manual' is not an exit reason");
    S_REJECT (close_kvs, S_DEL, KN ("reason"), "missing field 'reason'");
    //  modify needs something to change.
    static const s_kv_t modify_kvs[] = {
        KI ("v", 1),
        KS ("type", "modify"),
        KI ("ts", 1),
        KS ("req_id", "r"),
        KS ("id", "NSE:SBIN-EQ-INTRADAY"),
        KF ("tp", 620),
    };
    tw_msg_t msg;
    S_ACCEPT (modify_kvs, S_SET, KF ("sl", 0), &msg);
    ck_assert (msg.u.modify.has_sl && msg.u.modify.has_tp && !msg.u.modify.has_trail);
    S_REJECT (modify_kvs, S_DEL, KN ("tp"), "modify needs at least one of");
    //  flatten: the reason is optional, but must be valid when given.
    static const s_kv_t flatten_kvs[] = {
        KI ("v", 1),
        KS ("type", "flatten"),
        KI ("ts", 1),
        KS ("req_id", "r"),
    };
    S_ACCEPT (flatten_kvs, S_SET, KS ("reason", "EOD Square-off"), &msg);
    ck_assert_str_eq (msg.u.flatten.reason, "EOD Square-off");
    S_REJECT (flatten_kvs, S_SET, KS ("reason", ""), "is not an exit reason");
    //  A tick's source is optional (absent: an outside publisher) and one of
    //  three names when given.
    static const s_kv_t tick_kvs[] = {
        KI ("v", 1),     KS ("type", "tick"), KI ("ts", 1), KS ("symbol", "NSE:SBIN-EQ"),
        KF ("ltp", 600),
    };
    S_ACCEPT (tick_kvs, S_SET, KF ("ltp", 601), &msg);
    ck_assert_int_eq (msg.u.tick.source, TW_SOURCE_NONE);
    S_ACCEPT (tick_kvs, S_ADD, KS ("source", "replay"), &msg);
    ck_assert_int_eq (msg.u.tick.source, TW_SOURCE_REPLAY);
    S_ACCEPT (tick_kvs, S_ADD, KS ("source", "fyers"), &msg);
    ck_assert_int_eq (msg.u.tick.source, TW_SOURCE_FYERS);
    S_REJECT (tick_kvs, S_ADD, KS ("source", "kite"), "field 'source': invalid value 'kite'");
    S_REJECT (tick_kvs, S_ADD, KI ("source", 1), "field 'source': expected string");
}
END_TEST

START_TEST (test_snapshot_limits)
{
    tw_msg_t msg;
    S_ACCEPT (s_snapshot_kvs, S_SET, KP ("positions", s_position_kvs, 5), &msg);
    ck_assert_uint_eq (msg.u.snapshot.count, 5);
    ck_assert_str_eq (msg.u.snapshot.positions[4].id, "NSE:SBIN-EQ-INTRADAY");
    tw_msg_reset (&msg);
    S_ACCEPT (s_snapshot_kvs, S_SET, KP ("positions", s_position_kvs, TW_MAX_POSITIONS), &msg);
    ck_assert_uint_eq (msg.u.snapshot.count, TW_MAX_POSITIONS);
    tw_msg_reset (&msg);
    S_REJECT (s_snapshot_kvs, S_SET, KP ("positions", s_position_kvs, TW_MAX_POSITIONS + 1),
              "exceeds the limit of 4096");
    //  A bad field in the last position names it; the positions decoded
    //  before it are freed (ASan checks).
    s_check_bad_position (S_SET, (s_kv_t) KI ("qty", -1), "field 'positions[2].qty': must be > 0");
    s_check_bad_position (S_SET, (s_kv_t) KS ("side", "flat"), "field 'positions[2].side'");
    s_check_bad_position (S_ADD, (s_kv_t) KI ("pnl", 1),
                          "unknown field 'positions[2].pnl' in a position");
    s_check_bad_position (S_ADD, (s_kv_t) KI ("qty", 5), "duplicate field 'positions[2].qty'");
    s_check_bad_position (S_DEL, (s_kv_t) KN ("state"), "missing field 'positions[2].state'");
    s_check_bad_position (S_ADD, (s_kv_t) KI (NULL, 1), "positions[2].key 11: expected string");
    //  Counters: at most TW_MAX_COUNTERS.
    S_ACCEPT (s_pong_kvs, S_SET, KC ("counters", TW_MAX_COUNTERS), &msg);
    ck_assert_uint_eq (msg.u.pong.counter_count, TW_MAX_COUNTERS);
    ck_assert_str_eq (msg.u.pong.counters[15].name, "c15");
    ck_assert_int_eq (msg.u.pong.counters[15].value, 15);
    S_REJECT (s_pong_kvs, S_SET, KC ("counters", TW_MAX_COUNTERS + 1),
              "33 counters exceed the limit of 32");
    //  Nesting inside a field: a map where a price should be, and deeper.
    S_REJECT (s_open_kvs, S_SET, KX ("sl", "\x81\xa1x\x01"),
              "field 'sl': expected number, got map");
    S_REJECT (s_open_kvs, S_SET, KX ("sl", "\x91\x91\x91\x91\x01"), "nesting deeper than");
    S_REJECT (s_snapshot_kvs, S_SET, KX ("positions", "\x91\x91\x91\x91\x01"),
              "nesting deeper than");
}
END_TEST

START_TEST (test_snapshot_parts)
{
    //  A request that takes parts, and a reply that is one part of three.
    tw_msg_t msg, out;
    tw_msg_init (&msg, TW_MSG_SNAPSHOT);
    strcpy (msg.req_id, "clone-1");
    msg.u.snapshot.in_parts = true;
    s_round_trip (&msg, &out);
    ck_assert (out.u.snapshot.in_parts);
    s_assert_same (&msg, &out);
    tw_msg_reset (&out);
    msg.u.snapshot.in_parts = false;
    s_round_trip (&msg, &out);
    ck_assert (!out.u.snapshot.in_parts);
    tw_msg_reset (&out);

    s_sample (TW_MSG_SNAPSHOT_REPLY, &msg);
    msg.u.snapshot.has_parts = true;
    msg.u.snapshot.part = 1;
    msg.u.snapshot.parts = 3;
    s_round_trip (&msg, &out);
    s_assert_same (&msg, &out);
    ck_assert (out.u.snapshot.has_parts);
    tw_msg_reset (&out);
    //  Without has_parts the numbers do not travel: a whole snapshot, as
    //  before parts existed.
    msg.u.snapshot.has_parts = false;
    s_round_trip (&msg, &out);
    ck_assert (!out.u.snapshot.has_parts);
    ck_assert_uint_eq (out.u.snapshot.parts, 0);
    tw_msg_reset (&out);
    //  part must be below parts, and parts at least 1.
    char err[256];
    uint8_t *data = NULL;
    size_t size = 0;
    msg.u.snapshot.has_parts = true;
    msg.u.snapshot.part = 3;
    ck_assert_int_eq (tw_msg_encode (&msg, &data, &size, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "'part' must be below 'parts'"), "%s", err);
    msg.u.snapshot.part = 0;
    msg.u.snapshot.parts = 0;
    ck_assert_int_eq (tw_msg_encode (&msg, &data, &size, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "'parts' must be at least 1"), "%s", err);
    tw_msg_reset (&msg);

    //  On the wire: both numbers or neither.
    S_REJECT (s_snapshot_kvs, S_ADD, KU ("part", 0), "needs both 'part' and 'parts'");
    S_REJECT (s_snapshot_kvs, S_ADD, KU ("parts", 2), "needs both 'part' and 'parts'");
    S_REJECT (s_snapshot_kvs, S_ADD, KS ("parts", "2"), "field 'parts'");
}
END_TEST

//  marks: asked for by a snapshot request (bool), carried by a reply as an
//  array of {symbol, ltp, ltp_at}; optional both ways, so that a reply
//  without them decodes as before.
START_TEST (test_snapshot_marks)
{
    tw_msg_t msg, out;
    //  The request: marks travels only when asked for.
    tw_msg_init (&msg, TW_MSG_SNAPSHOT);
    msg.u.snapshot.with_marks = true;
    s_round_trip (&msg, &out);
    ck_assert (out.u.snapshot.with_marks);
    ck_assert (!out.u.snapshot.in_parts);
    msg.u.snapshot.with_marks = false;
    s_round_trip (&msg, &out);
    ck_assert (!out.u.snapshot.with_marks);

    //  A reply with marks, every field by name.
    s_sample (TW_MSG_SNAPSHOT_REPLY, &msg);
    s_round_trip (&msg, &out);
    ck_assert_uint_eq (out.u.snapshot.mark_count, S_SAMPLE_MARKS);
    ck_assert_str_eq (out.u.snapshot.marks[1].symbol, "NSE:SYM1-EQ");
    ck_assert_double_eq (out.u.snapshot.marks[1].ltp, 504.35);
    ck_assert_int_eq (out.u.snapshot.marks[1].ltp_at, S_TS - INT64_C (250000000));
    tw_msg_reset (&out);
    //  One part of a snapshot in parts carries its marks too.
    msg.u.snapshot.has_parts = true;
    msg.u.snapshot.part = 0;
    msg.u.snapshot.parts = 2;
    s_round_trip (&msg, &out);
    s_assert_same (&msg, &out);
    tw_msg_reset (&out);
    //  Without marks the key is not written, and decodes as none.
    free (msg.u.snapshot.marks);
    msg.u.snapshot.marks = NULL;
    msg.u.snapshot.mark_count = 0;
    s_round_trip (&msg, &out);
    ck_assert_uint_eq (out.u.snapshot.mark_count, 0);
    ck_assert_ptr_null (out.u.snapshot.marks);
    tw_msg_reset (&out);
    //  The encoder checks each mark as the decoder would.
    char err[256];
    uint8_t *data = NULL;
    size_t size = 0;
    tw_mark_t bad = {.symbol = "", .ltp = 1, .ltp_at = 1};
    msg.u.snapshot.marks = &bad;
    msg.u.snapshot.mark_count = 1;
    ck_assert_int_eq (tw_msg_encode (&msg, &data, &size, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "field 'marks[0].symbol': empty string"), "%s", err);
    snprintf (bad.symbol, sizeof bad.symbol, "NSE:SBIN-EQ");
    bad.ltp = NAN;
    ck_assert_int_eq (tw_msg_encode (&msg, &data, &size, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "field 'marks[0].ltp': not a finite number"), "%s", err);
    msg.u.snapshot.marks = NULL;
    ck_assert_int_eq (tw_msg_encode (&msg, &data, &size, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "count is 1 but the array is NULL"), "%s", err);
    msg.u.snapshot.mark_count = 0;
    tw_msg_reset (&msg);

    //  On the wire: a reply without marks is as before; with them, strict.
    S_ACCEPT (s_snapshot_kvs, S_ADD, KP ("marks", s_mark_kvs, 2), &out);
    ck_assert_uint_eq (out.u.snapshot.mark_count, 2);
    ck_assert_str_eq (out.u.snapshot.marks[0].symbol, "NSE:SBIN-EQ");
    ck_assert_double_eq (out.u.snapshot.marks[0].ltp, 603.25);
    ck_assert_int_eq (out.u.snapshot.marks[0].ltp_at, S_TS);
    tw_msg_reset (&out);
    S_REJECT (s_snapshot_kvs, S_ADD, KB ("marks", 1), "field 'marks': expected array");
    S_REJECT (s_snapshot_kvs, S_ADD, KX ("marks", "\x91\x01"),
              "field 'marks[0]': expected map, got integer");
    S_REJECT (s_snapshot_kvs, S_ADD, KP ("marks", s_mark_kvs, TW_MAX_MARKS + 1),
              "exceeds the limit of 4096");
    s_kv_t bad_mark[S_KV_MAX];
    struct {
        s_edit_t mode;
        s_kv_t edit;
        const char *needle;
    } cases[] = {
        {S_DEL, KN ("ltp_at"), "missing field 'marks[1].ltp_at'"},
        {S_SET, KF ("ltp", NAN), "field 'marks[1].ltp': not a finite number"},
        {S_SET, KS ("symbol", ""), "field 'marks[1].symbol': empty string"},
        {S_SET, KF ("ltp_at", 1.5), "field 'marks[1].ltp_at': expected integer"},
        {S_ADD, KI ("age_ms", 5), "unknown field 'marks[1].age_ms' in a mark"},
    };
    for (size_t i = 0; i < S_COUNT (cases); i++) {
        size_t n =
            s_edit (s_mark_kvs, S_COUNT (s_mark_kvs), cases[i].mode, cases[i].edit, bad_mark);
        s_kv_t marks = KP ("marks", s_mark_kvs, 2);
        marks.last = bad_mark;
        marks.last_n = n;
        s_check_edit (s_snapshot_kvs, S_COUNT (s_snapshot_kvs), S_ADD, marks, cases[i].needle,
                      NULL);
    }
    //  A request's marks is a bool.
    static const s_kv_t request_kvs[] = {KI ("v", 1), KS ("type", "snapshot"), KI ("ts", S_TS)};
    S_ACCEPT (request_kvs, S_ADD, KB ("marks", 1), &out);
    ck_assert (out.u.snapshot.with_marks);
    S_REJECT (request_kvs, S_ADD, KI ("marks", 1), "field 'marks': expected boolean");

    //  The largest reply: TW_MAX_POSITIONS positions, each with a mark of
    //  its own, within the pre-scan's object limit.
    s_kv_t largest[S_KV_MAX];
    size_t n = s_edit (s_snapshot_kvs, S_COUNT (s_snapshot_kvs), S_SET,
                       (s_kv_t) KP ("positions", s_position_kvs, TW_MAX_POSITIONS), largest);
    largest[n++] = (s_kv_t) KP ("marks", s_mark_kvs, TW_MAX_MARKS);
    msgpack_sbuffer buffer;
    s_frame (largest, n, &buffer);
    memset (&out, 0, sizeof out);
    int rc = tw_msg_decode ((const uint8_t *) buffer.data, buffer.size, &out, err, sizeof err);
    ck_assert_msg (rc == 0, "rejected: %s", err);
    ck_assert_uint_eq (out.u.snapshot.count, TW_MAX_POSITIONS);
    ck_assert_uint_eq (out.u.snapshot.mark_count, TW_MAX_MARKS);
    tw_msg_reset (&out);
    msgpack_sbuffer_destroy (&buffer);
}
END_TEST

START_TEST (test_encode_errors)
{
    tw_msg_t msg;
    uint8_t *data = (uint8_t *) &msg; //  must be reset to NULL on failure
    size_t size = 99;
    char err[256];
#define S_ENCODE_FAILS(needle)                                                                     \
    do {                                                                                           \
        err[0] = 0;                                                                                \
        ck_assert_int_eq (tw_msg_encode (&msg, &data, &size, err, sizeof err), -1);                \
        ck_assert_ptr_null (data);                                                                 \
        ck_assert_uint_eq (size, 0);                                                               \
        ck_assert_msg (strstr (err, needle), "reason '%s' does not mention '%s'", err, needle);    \
    } while (0)

    tw_msg_init (&msg, TW_MSG_INVALID);
    S_ENCODE_FAILS ("cannot encode message type 0");
    msg.type = TW_MSG_COUNT;
    S_ENCODE_FAILS ("cannot encode message type");
    msg.type = (tw_msg_type_t) 99;
    S_ENCODE_FAILS ("cannot encode message type 99");

    s_sample (TW_MSG_TICK, &msg);
    memset (msg.u.tick.symbol, 'A', sizeof msg.u.tick.symbol);
    S_ENCODE_FAILS ("field 'symbol': string is not NUL-terminated");
    s_sample (TW_MSG_TICK, &msg);
    msg.u.tick.symbol[0] = 0;
    S_ENCODE_FAILS ("field 'symbol': empty string");
    s_sample (TW_MSG_TICK, &msg);
    msg.u.tick.ltp = NAN;
    S_ENCODE_FAILS ("field 'ltp': not a finite number");
    s_sample (TW_MSG_OPEN, &msg);
    msg.u.open.side = TW_SIDE_NONE;
    S_ENCODE_FAILS ("field 'side': invalid side");
    s_sample (TW_MSG_OPEN, &msg);
    msg.u.open.qty = 0;
    S_ENCODE_FAILS ("field 'qty': must be > 0");
    s_sample (TW_MSG_OPEN, &msg);
    msg.req_id[0] = 0;
    S_ENCODE_FAILS ("field 'req_id': empty string");
    s_sample (TW_MSG_CLOSE, &msg);
    snprintf (msg.u.close.reason, TW_REASON_MAX, "Because");
    S_ENCODE_FAILS ("field 'reason': 'Because' is not an exit reason");
    s_sample (TW_MSG_ACK, &msg);
    msg.u.ack.status = TW_ACK_NONE;
    S_ENCODE_FAILS ("field 'status': invalid status");
    s_sample (TW_MSG_SIGNAL, &msg);
    msg.u.signal.action = (tw_action_t) 9;
    S_ENCODE_FAILS ("field 'action': invalid action");
    s_sample (TW_MSG_SIGNAL, &msg);
    msg.u.signal.action = TW_ACTION_CLOSE;
    S_ENCODE_FAILS ("only allowed with an open action");
    s_sample (TW_MSG_SIGNAL, &msg);
    msg.u.signal.qty = 0;
    S_ENCODE_FAILS ("missing field 'qty'");
    s_sample (TW_MSG_MODIFY, &msg);
    msg.u.modify.has_sl = msg.u.modify.has_trail = false;
    S_ENCODE_FAILS ("modify needs at least one of");
    s_sample (TW_MSG_PONG, &msg);
    msg.u.pong.counter_count = TW_MAX_COUNTERS + 1;
    S_ENCODE_FAILS ("counters exceed the limit");
    s_sample (TW_MSG_PONG, &msg);
    snprintf (msg.u.pong.counters[1].name, TW_NAME_MAX, "positions_open");
    S_ENCODE_FAILS ("duplicate counter 'positions_open'");
    s_sample (TW_MSG_POSITION_CLOSED, &msg);
    msg.u.event.pos.state = TW_STATE_NONE;
    S_ENCODE_FAILS ("field 'state': invalid state");
    s_sample (TW_MSG_SNAPSHOT_REPLY, &msg);
    msg.u.snapshot.positions[2].qty = -1;
    S_ENCODE_FAILS ("field 'positions[2].qty': must be > 0");
    tw_msg_reset (&msg);
    tw_msg_init (&msg, TW_MSG_SNAPSHOT_REPLY);
    msg.u.snapshot.count = 2;
    S_ENCODE_FAILS ("the array is NULL");
    msg.u.snapshot.count = TW_MAX_POSITIONS + 1;
    S_ENCODE_FAILS ("exceed the limit of 4096");
    msg.u.snapshot.count = 0;
    s_sample (TW_MSG_HISTORY_REPLY, &msg);
    msg.u.history.trades[1].qty = 0;
    S_ENCODE_FAILS ("field 'trades[1].qty': must be > 0");
    tw_msg_reset (&msg);
    tw_msg_init (&msg, TW_MSG_HISTORY_REPLY);
    snprintf (msg.u.history.day, TW_DAY_MAX, "2026-12-01");
    msg.u.history.count = 1;
    S_ENCODE_FAILS ("the array is NULL");
    msg.u.history.count = TW_MAX_TRADES + 1;
    S_ENCODE_FAILS ("exceed the limit of 1000");
    msg.u.history.count = 0;
    msg.u.history.day[0] = 0;
    S_ENCODE_FAILS ("field 'day': empty string");
    s_sample (TW_MSG_HISTORY, &msg);
    msg.u.journal.offset = -1;
    S_ENCODE_FAILS ("must not be negative");
    //  A NULL err is allowed.
    msg.type = TW_MSG_INVALID;
    ck_assert_int_eq (tw_msg_encode (&msg, &data, &size, NULL, 0), -1);
#undef S_ENCODE_FAILS
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("tw_proto");
    TCase *tc = tcase_create ("core");
    tcase_add_test (tc, test_round_trip_every_type);
    tcase_add_test (tc, test_round_trip_details);
    tcase_add_test (tc, test_wire_names);
    tcase_add_test (tc, test_feed_and_token_messages);
    tcase_add_test (tc, test_names);
    tcase_add_test (tc, test_topic_and_events);
    tcase_add_test (tc, test_trading_state_field);
    tcase_add_test (tc, test_hostile_lengths);
    tcase_add_test (tc, test_truncated_and_trailing);
    tcase_add_test (tc, test_top_level_and_keys);
    tcase_add_test (tc, test_version_and_type);
    tcase_add_test (tc, test_wrong_types);
    tcase_add_test (tc, test_number_encodings);
    tcase_add_test (tc, test_strings);
    tcase_add_test (tc, test_enums_and_rules);
    tcase_add_test (tc, test_snapshot_limits);
    tcase_add_test (tc, test_snapshot_parts);
    tcase_add_test (tc, test_snapshot_marks);
    tcase_add_test (tc, test_encode_errors);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
