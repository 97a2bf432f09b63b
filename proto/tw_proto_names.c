//  tw_proto_names - the wire names of the enums of tw_proto.h and the exit
//  reasons (docs/design.md §4 and §6, contract). Each table is indexed by the enum
//  value (shifted where the enum does not start at 0), so a name and its
//  parse are one lookup apart and can never disagree.

#include "tw_proto.h"

#include <string.h>

//  Indexed by tw_msg_type_t; "" for TW_MSG_INVALID.
static const char *s_type_names[TW_MSG_COUNT] = {
    [TW_MSG_INVALID] = "",
    [TW_MSG_TICK] = "tick",
    [TW_MSG_SIGNAL] = "signal",
    [TW_MSG_PING] = "ping",
    [TW_MSG_PONG] = "pong",
    [TW_MSG_STATUS] = "status",
    [TW_MSG_OPEN] = "open",
    [TW_MSG_CLOSE] = "close",
    [TW_MSG_MODIFY] = "modify",
    [TW_MSG_FLATTEN] = "flatten",
    [TW_MSG_SNAPSHOT] = "snapshot",
    [TW_MSG_SNAPSHOT_REPLY] = "snapshot_reply",
    [TW_MSG_ACK] = "ack",
    [TW_MSG_HISTORY] = "history",
    [TW_MSG_HISTORY_REPLY] = "history_reply",
    [TW_MSG_PNL] = "pnl",
    [TW_MSG_PNL_REPLY] = "pnl_reply",
    [TW_MSG_POSITION_OPENED] = "position_opened",
    [TW_MSG_POSITION_UPDATED] = "position_updated",
    [TW_MSG_POSITION_CLOSING] = "position_closing",
    [TW_MSG_POSITION_CLOSED] = "position_closed",
    [TW_MSG_EXIT_FAILED] = "exit_failed",
    [TW_MSG_ORDER_REJECTED] = "order_rejected",
    [TW_MSG_POSITION_MISMATCH] = "position_mismatch",
    [TW_MSG_HEARTBEAT] = "heartbeat",
    [TW_MSG_TRADING_STATE] = "trading_state",
    [TW_MSG_RESUME] = "resume",
    [TW_MSG_FEED_REPORT] = "feed_report",
    [TW_MSG_FEED_STALE] = "feed_stale",
    [TW_MSG_TOKEN_EXPIRY] = "token_expiry",
};

static const char *s_state_names[] = {"", "open", "closing", "closed"};
static const char *s_ack_names[] = {"", "accepted", "duplicate", "rejected"};
static const char *s_action_names[] = {"", "open_long", "open_short", "close"};
static const char *s_source_names[] = {"", "fyers", "synthetic", "replay"};
static const char *s_trading_names[] = {"", "active", "reducing", "halted"};

static const char *s_reasons[] = {
    TW_REASON_SL_HIT,         TW_REASON_TP_HIT,           TW_REASON_TRAILING_SL_HIT,
    TW_REASON_MODEL_CLOSE,    TW_REASON_MANUAL_CLOSE,     TW_REASON_KILL_SWITCH,
    TW_REASON_EOD_SQUARE_OFF, TW_REASON_CLOSED_AT_BROKER,
};

#define S_COUNT(a) (sizeof (a) / sizeof ((a)[0]))

//  Returns the index of name in table (entries 1..count-1; entry 0 is the
//  empty name of the NONE value and never matches), or 0.
static int
s_lookup (const char *const *table, size_t count, const char *name)
{
    if (!name || !*name)
        return 0;
    for (size_t i = 1; i < count; i++)
        if (strcmp (table[i], name) == 0)
            return (int) i;
    return 0;
}

const char *
tw_msg_type_name (tw_msg_type_t type)
{
    return type > TW_MSG_INVALID && type < TW_MSG_COUNT ? s_type_names[type] : "";
}

tw_msg_type_t
tw_msg_type_parse (const char *name)
{
    return (tw_msg_type_t) s_lookup (s_type_names, TW_MSG_COUNT, name);
}

const char *
tw_side_name (tw_side_t side)
{
    return side == TW_SIDE_LONG ? "long" : side == TW_SIDE_SHORT ? "short" : "";
}

tw_side_t
tw_side_parse (const char *name)
{
    if (name && strcmp (name, "long") == 0)
        return TW_SIDE_LONG;
    if (name && strcmp (name, "short") == 0)
        return TW_SIDE_SHORT;
    return TW_SIDE_NONE;
}

const char *
tw_state_name (tw_state_t state)
{
    return state > TW_STATE_NONE && state <= TW_STATE_CLOSED ? s_state_names[state] : "";
}

tw_state_t
tw_state_parse (const char *name)
{
    return (tw_state_t) s_lookup (s_state_names, S_COUNT (s_state_names), name);
}

const char *
tw_ack_status_name (tw_ack_status_t status)
{
    return status > TW_ACK_NONE && status <= TW_ACK_REJECTED ? s_ack_names[status] : "";
}

tw_ack_status_t
tw_ack_status_parse (const char *name)
{
    return (tw_ack_status_t) s_lookup (s_ack_names, S_COUNT (s_ack_names), name);
}

const char *
tw_action_name (tw_action_t action)
{
    return action > TW_ACTION_NONE && action <= TW_ACTION_CLOSE ? s_action_names[action] : "";
}

tw_action_t
tw_action_parse (const char *name)
{
    return (tw_action_t) s_lookup (s_action_names, S_COUNT (s_action_names), name);
}

const char *
tw_source_name (tw_source_t source)
{
    return source > TW_SOURCE_NONE && source <= TW_SOURCE_REPLAY ? s_source_names[source] : "";
}

tw_source_t
tw_source_parse (const char *name)
{
    return (tw_source_t) s_lookup (s_source_names, S_COUNT (s_source_names), name);
}

const char *
tw_trading_state_name (tw_trading_state_t state)
{
    return state > TW_TRADING_NONE && state <= TW_TRADING_HALTED ? s_trading_names[state] : "";
}

tw_trading_state_t
tw_trading_state_parse (const char *name)
{
    return (tw_trading_state_t) s_lookup (s_trading_names, S_COUNT (s_trading_names), name);
}

bool
tw_source_is_simulated (tw_source_t source)
{
    return source == TW_SOURCE_SYNTHETIC || source == TW_SOURCE_REPLAY;
}

bool
tw_reason_valid (const char *reason)
{
    if (!reason)
        return false;
    for (size_t i = 0; i < S_COUNT (s_reasons); i++)
        if (strcmp (s_reasons[i], reason) == 0)
            return true;
    return false;
}
