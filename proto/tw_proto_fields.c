//  tw_proto_fields - the field tables of every message type (the contract of
//  docs/design.md §6 and §7 in one place, documented in proto/README.md), the rules
//  that span several fields, and the value checks that the encoder and the
//  decoder share.

#include "tw_proto_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define S_COUNT(a) (sizeof (a) / sizeof ((a)[0]))
#define S_MSG(member) offsetof (tw_msg_t, member)
#define S_MSG_SIZE(member) sizeof (((tw_msg_t *) 0)->member)

//  One table entry; the helpers below keep the tables one line per field.
#define S_FIELD(name_, kind_, flags_, offset_, size_, has_, fallback_)                             \
    {                                                                                              \
        .name = (name_), .kind = (kind_), .flags = (flags_), .offset = (offset_), .size = (size_), \
        .has_offset = (has_), .fallback = (fallback_)                                              \
    }
#define S_STR(name, flags, member)                                                                 \
    S_FIELD (name, TW_FIELD_STR, flags, S_MSG (member), S_MSG_SIZE (member), 0, NULL)
#define S_VAL(name, kind, flags, member) S_FIELD (name, kind, flags, S_MSG (member), 0, 0, NULL)
#define S_REQ TW_FIELD_REQUIRED
#define S_ID (TW_FIELD_REQUIRED | TW_FIELD_NONEMPTY)

//  The fields of a position, at offset base of the record (0 in a snapshot's
//  array, the event's pos in an event). Every field travels, always.
#define S_POS_SIZE(member) sizeof (((tw_position_t *) 0)->member)
#define S_POS(name, kind, flags, base, member)                                                     \
    S_FIELD (name, kind, flags, (base) + offsetof (tw_position_t, member), 0, 0, NULL)
#define S_POSITION_FIELDS(base)                                                                    \
    S_FIELD ("id", TW_FIELD_STR, S_ID, (base) + offsetof (tw_position_t, id), S_POS_SIZE (id), 0,  \
             NULL),                                                                                \
        S_FIELD ("symbol", TW_FIELD_STR, S_ID, (base) + offsetof (tw_position_t, symbol),          \
                 S_POS_SIZE (symbol), 0, NULL),                                                    \
        S_FIELD ("product", TW_FIELD_STR, S_REQ, (base) + offsetof (tw_position_t, product),       \
                 S_POS_SIZE (product), 0, NULL),                                                   \
        S_POS ("side", TW_FIELD_SIDE, S_REQ, base, side),                                          \
        S_POS ("qty", TW_FIELD_I64, S_REQ | TW_FIELD_POSITIVE, base, qty),                         \
        S_POS ("entry_price", TW_FIELD_F64, S_REQ, base, entry_price),                             \
        S_POS ("sl", TW_FIELD_F64, S_REQ, base, sl), S_POS ("tp", TW_FIELD_F64, S_REQ, base, tp),  \
        S_POS ("trail", TW_FIELD_F64, S_REQ, base, trail),                                         \
        S_POS ("state", TW_FIELD_STATE, S_REQ, base, state),                                       \
        S_POS ("exit_failed", TW_FIELD_BOOL, S_REQ, base, exit_failed)

#define S_EVENT_HEAD                                                                               \
    S_VAL ("epoch", TW_FIELD_U64, S_REQ, u.event.epoch),                                           \
        S_VAL ("seq", TW_FIELD_U64, S_REQ, u.event.seq)
#define S_EVENT_POSITION S_EVENT_HEAD, S_POSITION_FIELDS (S_MSG (u.event.pos))
#define S_EVENT_REASON                                                                             \
    S_FIELD ("reason", TW_FIELD_REASON, S_REQ, S_MSG (u.event.reason),                             \
             S_MSG_SIZE (u.event.reason), 0, NULL)

//  Commands: req_id is required on those that change state (and must be
//  unique per request, docs/design.md §3), optional on the queries.
#define S_REQ_ID S_STR ("req_id", S_ID, req_id)
#define S_REQ_ID_OPTIONAL S_STR ("req_id", 0, req_id)
#define S_EXPIRES S_VAL ("expires_at", TW_FIELD_I64, S_REQ, expires_at)
#define S_EXPIRES_OPTIONAL S_VAL ("expires_at", TW_FIELD_I64, 0, expires_at)

const tw_field_t tw_proto_position_fields[] = {S_POSITION_FIELDS (0)};
const size_t tw_proto_position_field_count = S_COUNT (tw_proto_position_fields);

//  The fields of a closed trade (offsets from tw_trade_t). The reason is
//  kept as text: the journal reports what the store holds.
#define S_TRADE(name, kind, flags, member)                                                         \
    S_FIELD (name, kind, flags, offsetof (tw_trade_t, member), 0, 0, NULL)
#define S_TRADE_STR(name, flags, member)                                                           \
    S_FIELD (name, TW_FIELD_STR, flags, offsetof (tw_trade_t, member),                             \
             sizeof (((tw_trade_t *) 0)->member), 0, NULL)
const tw_field_t tw_proto_trade_fields[] = {
    S_TRADE_STR ("id", S_ID, id),
    S_TRADE_STR ("symbol", S_ID, symbol),
    S_TRADE ("side", TW_FIELD_SIDE, S_REQ, side),
    S_TRADE ("qty", TW_FIELD_I64, S_REQ | TW_FIELD_POSITIVE, qty),
    S_TRADE ("entry_price", TW_FIELD_F64, S_REQ, entry_price),
    S_TRADE ("exit_price", TW_FIELD_F64, S_REQ, exit_price),
    S_TRADE ("opened_at", TW_FIELD_I64, S_REQ, opened_at),
    S_TRADE ("closed_at", TW_FIELD_I64, S_REQ, closed_at),
    S_TRADE_STR ("reason", S_REQ, reason),
    S_TRADE ("attempts", TW_FIELD_I64, S_REQ, attempts),
    S_TRADE ("pnl", TW_FIELD_F64, S_REQ, pnl),
};
const size_t tw_proto_trade_field_count = S_COUNT (tw_proto_trade_fields);

//  The fields of a mark (offsets from tw_mark_t).
const tw_field_t tw_proto_mark_fields[] = {
    S_FIELD ("symbol", TW_FIELD_STR, S_ID, offsetof (tw_mark_t, symbol),
             sizeof (((tw_mark_t *) 0)->symbol), 0, NULL),
    S_FIELD ("ltp", TW_FIELD_F64, S_REQ, offsetof (tw_mark_t, ltp), 0, 0, NULL),
    S_FIELD ("ltp_at", TW_FIELD_I64, S_REQ, offsetof (tw_mark_t, ltp_at), 0, 0, NULL),
};
const size_t tw_proto_mark_field_count = S_COUNT (tw_proto_mark_fields);

static const tw_field_t s_tick[] = {
    S_STR ("symbol", S_ID, u.tick.symbol),
    S_VAL ("ltp", TW_FIELD_F64, S_REQ, u.tick.ltp),
    S_VAL ("bid", TW_FIELD_F64, 0, u.tick.bid),
    S_VAL ("ask", TW_FIELD_F64, 0, u.tick.ask),
    S_VAL ("volume", TW_FIELD_I64, 0, u.tick.volume),
    S_VAL ("source", TW_FIELD_SOURCE, 0, u.tick.source),
};

//  req_id is optional: a model that retries a signal with the same req_id
//  gets the first verdict, and the position is not opened twice.
static const tw_field_t s_signal[] = {
    S_REQ_ID_OPTIONAL,
    S_STR ("symbol", S_ID, u.signal.symbol),
    S_VAL ("action", TW_FIELD_ACTION, S_REQ, u.signal.action),
    S_VAL ("qty", TW_FIELD_I64, TW_FIELD_POSITIVE, u.signal.qty),
    S_VAL ("sl", TW_FIELD_F64, 0, u.signal.sl),
    S_VAL ("tp", TW_FIELD_F64, 0, u.signal.tp),
    S_STR ("model", S_ID, u.signal.model),
};

//  ping and status carry nothing but the optional request header.
static const tw_field_t s_query[] = {S_REQ_ID_OPTIONAL, S_EXPIRES_OPTIONAL};

//  snapshot may say that its asker takes the reply in parts, and that it
//  wants the marks of the positions' symbols.
static const tw_field_t s_snapshot[] = {
    S_REQ_ID_OPTIONAL,
    S_EXPIRES_OPTIONAL,
    S_VAL ("parts", TW_FIELD_BOOL, 0, u.snapshot.in_parts),
    S_VAL ("marks", TW_FIELD_BOOL, 0, u.snapshot.with_marks),
};

static const tw_field_t s_pong[] = {
    S_REQ_ID_OPTIONAL,
    S_STR ("service", S_ID, u.pong.service),
    S_STR ("version", S_REQ, u.pong.version),
    S_VAL ("uptime_ms", TW_FIELD_I64, S_REQ, u.pong.uptime_ms),
    S_VAL ("counters", TW_FIELD_COUNTERS, S_REQ, u.pong),
    //  The gateway's (status and ping); absent from other services.
    S_VAL ("trading_state", TW_FIELD_TRADING, 0, u.pong.trading_state),
};

static const tw_field_t s_open[] = {
    S_REQ_ID,
    S_EXPIRES,
    S_STR ("symbol", S_ID, u.open.symbol),
    S_VAL ("side", TW_FIELD_SIDE, S_REQ, u.open.side),
    S_VAL ("qty", TW_FIELD_I64, S_REQ | TW_FIELD_POSITIVE, u.open.qty),
    S_VAL ("sl", TW_FIELD_F64, 0, u.open.sl),
    S_VAL ("tp", TW_FIELD_F64, 0, u.open.tp),
    S_VAL ("trail", TW_FIELD_F64, 0, u.open.trail),
    //  Given, it names a product; absent, it is the intraday default.
    S_FIELD ("product", TW_FIELD_STR, TW_FIELD_NONEMPTY, S_MSG (u.open.product),
             S_MSG_SIZE (u.open.product), 0, "INTRADAY"),
};

static const tw_field_t s_close[] = {
    S_REQ_ID,
    S_EXPIRES,
    S_STR ("id", S_ID, u.close.id),
    S_FIELD ("reason", TW_FIELD_REASON, S_REQ, S_MSG (u.close.reason), S_MSG_SIZE (u.close.reason),
             0, NULL),
};

static const tw_field_t s_modify[] = {
    S_REQ_ID,
    S_EXPIRES_OPTIONAL,
    S_STR ("id", S_ID, u.modify.id),
    S_FIELD ("sl", TW_FIELD_F64, 0, S_MSG (u.modify.sl), 0, S_MSG (u.modify.has_sl), NULL),
    S_FIELD ("tp", TW_FIELD_F64, 0, S_MSG (u.modify.tp), 0, S_MSG (u.modify.has_tp), NULL),
    S_FIELD ("trail", TW_FIELD_F64, 0, S_MSG (u.modify.trail), 0, S_MSG (u.modify.has_trail), NULL),
};

static const tw_field_t s_flatten[] = {
    S_REQ_ID,
    S_EXPIRES_OPTIONAL,
    S_FIELD ("reason", TW_FIELD_REASON, 0, S_MSG (u.flatten.reason), S_MSG_SIZE (u.flatten.reason),
             0, TW_REASON_KILL_SWITCH),
};

//  resume: halted or reducing back to active; the reason is free text.
static const tw_field_t s_resume[] = {
    S_REQ_ID,
    S_EXPIRES_OPTIONAL,
    S_STR ("reason", 0, u.resume.reason),
};

static const tw_field_t s_snapshot_reply[] = {
    S_REQ_ID_OPTIONAL,
    S_VAL ("epoch", TW_FIELD_U64, S_REQ, u.snapshot.epoch),
    S_VAL ("seq", TW_FIELD_U64, S_REQ, u.snapshot.seq),
    S_VAL ("positions", TW_FIELD_POSITIONS, S_REQ, u.snapshot),
    S_FIELD ("part", TW_FIELD_U64, 0, S_MSG (u.snapshot.part), 0, S_MSG (u.snapshot.has_parts),
             NULL),
    S_FIELD ("parts", TW_FIELD_U64, 0, S_MSG (u.snapshot.parts), 0, S_MSG (u.snapshot.has_parts),
             NULL),
    S_VAL ("trading_state", TW_FIELD_TRADING, 0, u.snapshot.trading_state),
    //  Only to a request that asked for them; absent when there are none.
    S_VAL ("marks", TW_FIELD_MARKS, 0, u.snapshot),
};

static const tw_field_t s_ack[] = {
    S_REQ_ID,
    S_VAL ("status", TW_FIELD_STATUS, S_REQ, u.ack.status),
    S_STR ("id", 0, u.ack.id),
    S_STR ("error", 0, u.ack.error),
};

//  history and pnl: the optional request header, the day ("" = today, IST)
//  and, for history, the page.
static const tw_field_t s_history[] = {
    S_REQ_ID_OPTIONAL,
    S_EXPIRES_OPTIONAL,
    S_STR ("day", 0, u.journal.day),
    S_VAL ("offset", TW_FIELD_I64, 0, u.journal.offset),
    S_VAL ("limit", TW_FIELD_I64, 0, u.journal.limit),
};

static const tw_field_t s_pnl[] = {
    S_REQ_ID_OPTIONAL,
    S_EXPIRES_OPTIONAL,
    S_STR ("day", 0, u.journal.day),
};

static const tw_field_t s_history_reply[] = {
    S_REQ_ID_OPTIONAL,
    S_STR ("day", S_ID, u.history.day),
    S_VAL ("offset", TW_FIELD_I64, S_REQ, u.history.offset),
    S_VAL ("total", TW_FIELD_I64, S_REQ, u.history.total),
    S_VAL ("trades", TW_FIELD_TRADES, S_REQ, u.history),
};

static const tw_field_t s_pnl_reply[] = {
    S_REQ_ID_OPTIONAL,
    S_STR ("day", S_ID, u.pnl.day),
    S_VAL ("realized_pnl", TW_FIELD_F64, S_REQ, u.pnl.realized_pnl),
    S_VAL ("unrealized_pnl", TW_FIELD_F64, S_REQ, u.pnl.unrealized_pnl),
    S_VAL ("trades", TW_FIELD_I64, S_REQ, u.pnl.trades),
    S_VAL ("wins", TW_FIELD_I64, S_REQ, u.pnl.wins),
    S_VAL ("losses", TW_FIELD_I64, S_REQ, u.pnl.losses),
    S_VAL ("largest_loss", TW_FIELD_F64, S_REQ, u.pnl.largest_loss),
    S_VAL ("open_positions", TW_FIELD_I64, S_REQ, u.pnl.open_positions),
    S_VAL ("marked_positions", TW_FIELD_I64, S_REQ, u.pnl.marked_positions),
};

//  offset and limit must not be negative.
static const char *
s_check_history (const tw_msg_t *msg, uint64_t present)
{
    (void) present;
    if (msg->u.journal.offset < 0 || msg->u.journal.limit < 0)
        return "fields 'offset' and 'limit' must not be negative";
    return NULL;
}

static const tw_field_t s_position_event[] = {S_EVENT_POSITION};
static const tw_field_t s_position_closing[] = {S_EVENT_POSITION, S_EVENT_REASON};

static const tw_field_t s_position_closed[] = {
    S_EVENT_POSITION,
    S_EVENT_REASON,
    S_VAL ("exit_price", TW_FIELD_F64, S_REQ, u.event.exit_price),
    S_VAL ("pnl", TW_FIELD_F64, S_REQ, u.event.pnl),
    S_VAL ("attempts", TW_FIELD_I64, S_REQ, u.event.attempts),
};

static const tw_field_t s_exit_failed[] = {
    S_EVENT_POSITION,
    S_EVENT_REASON,
    S_VAL ("attempts", TW_FIELD_I64, S_REQ, u.event.attempts),
    S_STR ("error", S_REQ, u.event.error),
};

//  An open the gateway refused: what was asked, and why not.
static const tw_field_t s_order_rejected[] = {
    S_REQ_ID_OPTIONAL,
    S_EVENT_HEAD,
    S_STR ("id", 0, u.event.pos.id),
    S_STR ("symbol", S_ID, u.event.pos.symbol),
    S_VAL ("side", TW_FIELD_SIDE, S_REQ, u.event.pos.side),
    S_VAL ("qty", TW_FIELD_I64, S_REQ, u.event.pos.qty),
    S_STR ("error", S_REQ, u.event.error),
};

//  What the broker holds differs from the gateway's position (a conversion in
//  the Fyers app, a partial square-off): reported, never acted on.
static const tw_field_t s_position_mismatch[] = {
    S_EVENT_HEAD,
    S_STR ("id", S_ID, u.event.pos.id),
    S_STR ("symbol", S_ID, u.event.pos.symbol),
    S_VAL ("qty", TW_FIELD_I64, S_REQ, u.event.qty),
    S_VAL ("broker_qty", TW_FIELD_I64, S_REQ, u.event.broker_qty),
    S_STR ("broker_product", S_REQ, u.event.broker_product),
    S_STR ("detail", S_REQ, u.event.detail),
};

static const tw_field_t s_heartbeat[] = {
    S_EVENT_HEAD,
    S_VAL ("trading_state", TW_FIELD_TRADING, 0, u.event.trading_state),
};

//  The gateway's trading state changed, and why.
static const tw_field_t s_trading_state[] = {
    S_EVENT_HEAD,
    S_VAL ("trading_state", TW_FIELD_TRADING, S_REQ, u.event.trading_state),
    S_STR ("reason", S_REQ, u.event.detail),
};

//  The risk-monitor's report of a symbol's feed (stale, or back).
static const tw_field_t s_feed_report[] = {
    S_REQ_ID,
    S_EXPIRES_OPTIONAL,
    S_STR ("symbol", S_ID, u.feed.symbol),
    S_VAL ("stale", TW_FIELD_BOOL, S_REQ, u.feed.stale),
    S_VAL ("age_ms", TW_FIELD_I64, S_REQ, u.feed.age_ms),
};

//  The feed_report, relayed to the subscribers; changes no position.
static const tw_field_t s_feed_stale[] = {
    S_EVENT_HEAD,
    S_STR ("symbol", S_ID, u.event.pos.symbol),
    S_VAL ("stale", TW_FIELD_BOOL, S_REQ, u.event.active),
    S_VAL ("age_ms", TW_FIELD_I64, S_REQ, u.event.age_ms),
};

//  The broker's access token nears its end (or has passed it), or a new one
//  ended the warning; changes no position.
static const tw_field_t s_token_expiry[] = {
    S_EVENT_HEAD,
    S_VAL ("expires_at", TW_FIELD_I64, S_REQ, u.event.expires_at),
    S_VAL ("expired", TW_FIELD_BOOL, S_REQ, u.event.expired),
    S_VAL ("active", TW_FIELD_BOOL, S_REQ, u.event.active),
};

//  True when the field called name is among the present ones.
static bool
s_has (const tw_field_t *fields, size_t count, uint64_t present, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp (fields[i].name, name) == 0)
            return (present >> i) & 1;
    return false;
}

//  qty is required for opens; qty, sl and tp make no sense on a close.
static const char *
s_check_signal (const tw_msg_t *msg, uint64_t present)
{
    size_t count = S_COUNT (s_signal);
    if (msg->u.signal.action == TW_ACTION_CLOSE) {
        if (s_has (s_signal, count, present, "qty") || s_has (s_signal, count, present, "sl")
            || s_has (s_signal, count, present, "tp"))
            return "fields 'qty', 'sl' and 'tp' are only allowed with an open action";
    }
    else if (!s_has (s_signal, count, present, "qty"))
        return "missing field 'qty' (required with an open action)";
    return NULL;
}

static const char *
s_check_modify (const tw_msg_t *msg, uint64_t present)
{
    (void) msg;
    size_t count = S_COUNT (s_modify);
    if (!s_has (s_modify, count, present, "sl") && !s_has (s_modify, count, present, "tp")
        && !s_has (s_modify, count, present, "trail"))
        return "modify needs at least one of 'sl', 'tp' and 'trail'";
    return NULL;
}

//  A reply in parts carries both numbers, and part < parts.
static const char *
s_check_snapshot_reply (const tw_msg_t *msg, uint64_t present)
{
    size_t count = S_COUNT (s_snapshot_reply);
    bool has_part = s_has (s_snapshot_reply, count, present, "part");
    bool has_parts = s_has (s_snapshot_reply, count, present, "parts");
    if (has_part != has_parts)
        return "snapshot_reply needs both 'part' and 'parts', or neither";
    if (has_parts && msg->u.snapshot.parts == 0)
        return "snapshot_reply 'parts' must be at least 1";
    if (has_parts && msg->u.snapshot.part >= msg->u.snapshot.parts)
        return "snapshot_reply 'part' must be below 'parts'";
    return NULL;
}

#define S_DESC(table, check)                                                                       \
    {                                                                                              \
        (table), S_COUNT (table), (check)                                                          \
    }

static const tw_type_desc_t s_types[TW_MSG_COUNT] = {
    [TW_MSG_TICK] = S_DESC (s_tick, NULL),
    [TW_MSG_SIGNAL] = S_DESC (s_signal, s_check_signal),
    [TW_MSG_PING] = S_DESC (s_query, NULL),
    [TW_MSG_PONG] = S_DESC (s_pong, NULL),
    [TW_MSG_STATUS] = S_DESC (s_query, NULL),
    [TW_MSG_OPEN] = S_DESC (s_open, NULL),
    [TW_MSG_CLOSE] = S_DESC (s_close, NULL),
    [TW_MSG_MODIFY] = S_DESC (s_modify, s_check_modify),
    [TW_MSG_FLATTEN] = S_DESC (s_flatten, NULL),
    [TW_MSG_SNAPSHOT] = S_DESC (s_snapshot, NULL),
    [TW_MSG_SNAPSHOT_REPLY] = S_DESC (s_snapshot_reply, s_check_snapshot_reply),
    [TW_MSG_ACK] = S_DESC (s_ack, NULL),
    [TW_MSG_HISTORY] = S_DESC (s_history, s_check_history),
    [TW_MSG_HISTORY_REPLY] = S_DESC (s_history_reply, NULL),
    [TW_MSG_PNL] = S_DESC (s_pnl, NULL),
    [TW_MSG_PNL_REPLY] = S_DESC (s_pnl_reply, NULL),
    [TW_MSG_POSITION_OPENED] = S_DESC (s_position_event, NULL),
    [TW_MSG_POSITION_UPDATED] = S_DESC (s_position_event, NULL),
    [TW_MSG_POSITION_CLOSING] = S_DESC (s_position_closing, NULL),
    [TW_MSG_POSITION_CLOSED] = S_DESC (s_position_closed, NULL),
    [TW_MSG_EXIT_FAILED] = S_DESC (s_exit_failed, NULL),
    [TW_MSG_ORDER_REJECTED] = S_DESC (s_order_rejected, NULL),
    [TW_MSG_POSITION_MISMATCH] = S_DESC (s_position_mismatch, NULL),
    [TW_MSG_HEARTBEAT] = S_DESC (s_heartbeat, NULL),
    [TW_MSG_TRADING_STATE] = S_DESC (s_trading_state, NULL),
    [TW_MSG_RESUME] = S_DESC (s_resume, NULL),
    [TW_MSG_FEED_REPORT] = S_DESC (s_feed_report, NULL),
    [TW_MSG_FEED_STALE] = S_DESC (s_feed_stale, NULL),
    [TW_MSG_TOKEN_EXPIRY] = S_DESC (s_token_expiry, NULL),
};

const tw_type_desc_t *
tw_proto_type_desc (tw_msg_type_t type)
{
    return type > TW_MSG_INVALID && type < TW_MSG_COUNT ? &s_types[type] : NULL;
}

bool
tw_proto_field_present (const tw_field_t *field, const void *record)
{
    const char *value = (const char *) record + field->offset;
    if (field->flags & TW_FIELD_REQUIRED)
        return true;
    if (field->has_offset)
        return *(const bool *) ((const char *) record + field->has_offset);
    switch (field->kind) {
    case TW_FIELD_STR:
    case TW_FIELD_REASON:
        return value[0] != 0;
    case TW_FIELD_I64:
        return *(const int64_t *) value != 0;
    case TW_FIELD_U64:
        return *(const uint64_t *) value != 0;
    case TW_FIELD_F64:
        return *(const double *) value != 0.0;
    case TW_FIELD_BOOL:
        return *(const bool *) value;
    case TW_FIELD_SIDE:
        return *(const tw_side_t *) value != TW_SIDE_NONE;
    case TW_FIELD_STATE:
        return *(const tw_state_t *) value != TW_STATE_NONE;
    case TW_FIELD_STATUS:
        return *(const tw_ack_status_t *) value != TW_ACK_NONE;
    case TW_FIELD_ACTION:
        return *(const tw_action_t *) value != TW_ACTION_NONE;
    case TW_FIELD_SOURCE:
        return *(const tw_source_t *) value != TW_SOURCE_NONE;
    case TW_FIELD_TRADING:
        return *(const tw_trading_state_t *) value != TW_TRADING_NONE;
    case TW_FIELD_POSITIONS:
        return ((const tw_snapshot_t *) value)->count > 0;
    case TW_FIELD_COUNTERS:
        return ((const tw_pong_t *) value)->counter_count > 0;
    case TW_FIELD_TRADES:
        return ((const tw_history_reply_t *) value)->count > 0;
    case TW_FIELD_MARKS:
        return ((const tw_snapshot_t *) value)->mark_count > 0;
    }
    return false;
}

//  An array of count records (positions, marks, trades) called name, each
//  checked with fields: at most limit, and an array when count is not 0.
static int
s_check_records (const void *array, size_t count, const char *name, size_t limit,
                 const tw_field_t *fields, size_t field_count, size_t elem_size, char *err,
                 size_t err_size)
{
    if (count > limit)
        return tw_proto_fail (err, err_size, "field '%s': %zu %s exceed the limit of %zu", name,
                              count, name, limit);
    if (count > 0 && !array)
        return tw_proto_fail (err, err_size, "field '%s': count is %zu but the array is NULL", name,
                              count);
    for (size_t i = 0; i < count; i++) {
        char prefix[48];
        snprintf (prefix, sizeof prefix, "%s[%zu].", name, i);
        for (size_t f = 0; f < field_count; f++)
            if (tw_proto_field_check (&fields[f], (const char *) array + i * elem_size, prefix, err,
                                      err_size))
                return -1;
    }
    return 0;
}

static int
s_check_counters (const tw_pong_t *pong, char *err, size_t err_size)
{
    if (pong->counter_count > TW_MAX_COUNTERS)
        return tw_proto_fail (err, err_size,
                              "field 'counters': %zu counters exceed the limit of %d",
                              pong->counter_count, TW_MAX_COUNTERS);
    for (size_t i = 0; i < pong->counter_count; i++) {
        const char *name = pong->counters[i].name;
        size_t len = strnlen (name, TW_NAME_MAX);
        if (len == TW_NAME_MAX)
            return tw_proto_fail (err, err_size,
                                  "field 'counters': name of counter %zu is not NUL-terminated", i);
        if (len == 0)
            return tw_proto_fail (err, err_size, "field 'counters': counter %zu has an empty name",
                                  i);
        for (size_t j = 0; j < i; j++)
            if (strcmp (pong->counters[j].name, name) == 0)
                return tw_proto_fail (err, err_size, "field 'counters': duplicate counter '%s'",
                                      name);
    }
    return 0;
}

int
tw_proto_field_check (const tw_field_t *field, const void *record, const char *prefix, char *err,
                      size_t err_size)
{
    const char *value = (const char *) record + field->offset;
    const char *name = field->name;
    switch (field->kind) {
    case TW_FIELD_STR:
    case TW_FIELD_REASON: {
        size_t len = strnlen (value, field->size);
        if (len == field->size)
            return tw_proto_fail (err, err_size,
                                  "field '%s%s': string is not NUL-terminated within %zu bytes",
                                  prefix, name, field->size);
        if (len == 0 && (field->flags & TW_FIELD_NONEMPTY))
            return tw_proto_fail (err, err_size, "field '%s%s': empty string", prefix, name);
        if (field->kind == TW_FIELD_REASON && !tw_reason_valid (value)) {
            char quoted[TW_PROTO_QUOTE_MAX + 4];
            tw_proto_quote (value, len, quoted, sizeof quoted);
            return tw_proto_fail (err, err_size, "field '%s%s': '%s' is not an exit reason", prefix,
                                  name, quoted);
        }
        return 0;
    }
    case TW_FIELD_I64:
        if ((field->flags & TW_FIELD_POSITIVE) && *(const int64_t *) value <= 0)
            return tw_proto_fail (err, err_size, "field '%s%s': must be > 0, not %lld", prefix,
                                  name, (long long) *(const int64_t *) value);
        return 0;
    case TW_FIELD_F64:
        if (!isfinite (*(const double *) value))
            return tw_proto_fail (err, err_size, "field '%s%s': not a finite number", prefix, name);
        return 0;
    case TW_FIELD_SIDE:
        if (!*tw_side_name (*(const tw_side_t *) value))
            return tw_proto_fail (err, err_size, "field '%s%s': invalid side", prefix, name);
        return 0;
    case TW_FIELD_STATE:
        if (!*tw_state_name (*(const tw_state_t *) value))
            return tw_proto_fail (err, err_size, "field '%s%s': invalid state", prefix, name);
        return 0;
    case TW_FIELD_STATUS:
        if (!*tw_ack_status_name (*(const tw_ack_status_t *) value))
            return tw_proto_fail (err, err_size, "field '%s%s': invalid status", prefix, name);
        return 0;
    case TW_FIELD_ACTION:
        if (!*tw_action_name (*(const tw_action_t *) value))
            return tw_proto_fail (err, err_size, "field '%s%s': invalid action", prefix, name);
        return 0;
    case TW_FIELD_SOURCE:
        if (!*tw_source_name (*(const tw_source_t *) value))
            return tw_proto_fail (err, err_size, "field '%s%s': invalid source", prefix, name);
        return 0;
    case TW_FIELD_TRADING:
        if (!*tw_trading_state_name (*(const tw_trading_state_t *) value))
            return tw_proto_fail (err, err_size, "field '%s%s': invalid trading_state", prefix,
                                  name);
        return 0;
    case TW_FIELD_POSITIONS: {
        const tw_snapshot_t *snapshot = (const tw_snapshot_t *) value;
        return s_check_records (snapshot->positions, snapshot->count, "positions", TW_MAX_POSITIONS,
                                tw_proto_position_fields, tw_proto_position_field_count,
                                sizeof (tw_position_t), err, err_size);
    }
    case TW_FIELD_MARKS: {
        const tw_snapshot_t *snapshot = (const tw_snapshot_t *) value;
        return s_check_records (snapshot->marks, snapshot->mark_count, "marks", TW_MAX_MARKS,
                                tw_proto_mark_fields, tw_proto_mark_field_count, sizeof (tw_mark_t),
                                err, err_size);
    }
    case TW_FIELD_COUNTERS:
        return s_check_counters ((const tw_pong_t *) value, err, err_size);
    case TW_FIELD_TRADES: {
        const tw_history_reply_t *history = (const tw_history_reply_t *) value;
        return s_check_records (history->trades, history->count, "trades", TW_MAX_TRADES,
                                tw_proto_trade_fields, tw_proto_trade_field_count,
                                sizeof (tw_trade_t), err, err_size);
    }
    case TW_FIELD_U64:
    case TW_FIELD_BOOL:
        return 0;
    }
    return tw_proto_fail (err, err_size, "field '%s%s': unknown kind", prefix, name);
}
