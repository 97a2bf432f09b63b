//  tw_proto - the life of a tw_msg_t (init, reset), PUB topics, and the
//  small helpers the other files of proto/ share.

#include "tw_clock.h"
#include "tw_proto_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
tw_msg_init (tw_msg_t *msg, tw_msg_type_t type)
{
    memset (msg, 0, sizeof *msg);
    msg->type = type;
    msg->ts = tw_clock_wall_ns ();
}

void
tw_msg_reset (tw_msg_t *msg)
{
    //  Only snapshot and history replies own memory; the union holds
    //  something else for every other type.
    if (msg->type == TW_MSG_SNAPSHOT_REPLY) {
        free (msg->u.snapshot.positions);
        free (msg->u.snapshot.marks);
    }
    else if (msg->type == TW_MSG_HISTORY_REPLY)
        free (msg->u.history.trades);
    memset (msg, 0, sizeof *msg);
}

double
tw_position_unrealized (const tw_position_t *pos, double ltp)
{
    return (double) pos->side * (ltp - pos->entry_price) * (double) pos->qty;
}

bool
tw_msg_is_event (tw_msg_type_t type)
{
    return (type >= TW_MSG_POSITION_OPENED && type <= TW_MSG_HEARTBEAT)
           || type == TW_MSG_TRADING_STATE || type == TW_MSG_FEED_STALE
           || type == TW_MSG_TOKEN_EXPIRY;
}

int
tw_msg_topic (const tw_msg_t *msg, char *buf, size_t buf_size)
{
    int len;
    if (msg->type == TW_MSG_TICK) {
        size_t symbol_len = strnlen (msg->u.tick.symbol, TW_SYMBOL_MAX);
        if (symbol_len == 0 || symbol_len == TW_SYMBOL_MAX)
            return -1;
        len = snprintf (buf, buf_size, "tick.%s", msg->u.tick.symbol);
    }
    else if (msg->type == TW_MSG_HEARTBEAT)
        len = snprintf (buf, buf_size, "hb");
    else if (tw_msg_is_event (msg->type))
        len = snprintf (buf, buf_size, "pos.%s", tw_msg_type_name (msg->type));
    else
        return -1;
    return len < 0 || (size_t) len >= buf_size ? -1 : 0;
}

int
tw_proto_fail (char *err, size_t err_size, const char *format, ...)
{
    if (err && err_size > 0) {
        va_list args;
        va_start (args, format);
        vsnprintf (err, err_size, format, args);
        va_end (args);
    }
    return -1;
}

void
tw_proto_quote (const char *text, size_t len, char *buf, size_t buf_size)
{
    if (buf_size == 0)
        return;
    bool cut = len > TW_PROTO_QUOTE_MAX;
    size_t keep = cut ? TW_PROTO_QUOTE_MAX : len;
    if (keep > buf_size - 1)
        keep = buf_size - 1;
    size_t out = 0;
    for (size_t i = 0; i < keep; i++) {
        unsigned char c = (unsigned char) text[i];
        buf[out++] = c >= 0x20 && c < 0x7f && c != '\'' ? (char) c : '?';
    }
    buf[out] = 0;
    if (cut && out + 3 < buf_size)
        memcpy (buf + out, "...", 4);
}
