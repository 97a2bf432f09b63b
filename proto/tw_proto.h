//  tw_proto - the tradewire wire format (docs/design.md §6, contract).
//
//  Every ZeroMQ message is one msgpack map with string keys; `v`, `type` and
//  `ts` are always present. This module is the only one that touches msgpack:
//  everyone else sees the typed records below. A message is a tw_msg_t, a
//  plain value record: the type tag, the common header fields and a union
//  with one member per family of types. Strings are fixed-size, NUL-terminated
//  buffers, so a decoded message owns no memory except the position and mark
//  arrays of a snapshot reply and the trades of a history reply (free them
//  with tw_msg_reset).
//
//  Decoding is strict and bounded: lengths are checked against the remaining
//  bytes before msgpack-c allocates anything, the whole frame must be consumed,
//  every field must have its type, required fields must be present, unknown
//  keys are rejected, strings must fit their buffer, and `v` must be
//  TW_PROTO_VERSION. Any failure returns -1 with a one-line reason; it never
//  crashes and never yields a half-filled message.
//
//  The field list of every type is in proto/README.md.

#ifndef TW_PROTO_H_INCLUDED
#define TW_PROTO_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TW_PROTO_VERSION 1

//  Buffer sizes, NUL included. A longer string on the wire is an error.
#define TW_ID_MAX 64      //  req_id, position id
#define TW_SYMBOL_MAX 48  //  "NSE:SBIN-EQ"
#define TW_PRODUCT_MAX 16 //  "INTRADAY"
#define TW_REASON_MAX 32  //  "Trailing SL Hit"
#define TW_NAME_MAX 32    //  service, model and counter names, versions
#define TW_TEXT_MAX 256   //  error texts
#define TW_DAY_MAX 11     //  a trading day, "YYYY-MM-DD"

#define TW_MAX_POSITIONS 4096          //  positions in one snapshot reply (one part)
#define TW_MAX_MARKS TW_MAX_POSITIONS  //  marks in one snapshot reply (one part)
#define TW_MAX_COUNTERS 32             //  counters in one pong
#define TW_MAX_TRADES 1000             //  closed trades in one history reply
#define TW_MAX_FRAME (4 * 1024 * 1024) //  largest frame we encode or accept

typedef enum {
    TW_MSG_INVALID = 0,
    //  Market data and model input.
    TW_MSG_TICK,   //  market-feed PUB, topic tick.<symbol>
    TW_MSG_SIGNAL, //  external model -> signal-engine (signal_in)
    //  Commands (REQ/DEALER -> ROUTER) and their replies.
    TW_MSG_PING, //  any control endpoint; reply: pong
    TW_MSG_PONG,
    TW_MSG_STATUS,   //  gateway; reply: pong with the gateway's counters
    TW_MSG_OPEN,     //  reply: ack
    TW_MSG_CLOSE,    //  reply: ack
    TW_MSG_MODIFY,   //  reply: ack
    TW_MSG_FLATTEN,  //  reply: ack
    TW_MSG_SNAPSHOT, //  reply: snapshot_reply
    TW_MSG_SNAPSHOT_REPLY,
    TW_MSG_ACK,
    TW_MSG_HISTORY, //  gateway; reply: history_reply (the day's closed trades)
    TW_MSG_HISTORY_REPLY,
    TW_MSG_PNL, //  gateway; reply: pnl_reply (the day's P&L)
    TW_MSG_PNL_REPLY,
    //  Gateway events (gateway PUB, topic pos.<type>; heartbeat on topic hb).
    TW_MSG_POSITION_OPENED,
    TW_MSG_POSITION_UPDATED,
    TW_MSG_POSITION_CLOSING,
    TW_MSG_POSITION_CLOSED,
    TW_MSG_EXIT_FAILED,
    TW_MSG_ORDER_REJECTED,
    TW_MSG_POSITION_MISMATCH, //  the broker holds something else than the gateway
    TW_MSG_HEARTBEAT,
    //  Appended so that the numbering of the older types does not move.
    TW_MSG_TRADING_STATE, //  gateway event (topic pos.trading_state): the trading state changed
    TW_MSG_RESUME,        //  gateway command; reply: ack (halted/reducing -> active)
    TW_MSG_FEED_REPORT,   //  risk-monitor -> gateway: a symbol's feed went stale or came back; ack
    TW_MSG_FEED_STALE,    //  gateway event (topic pos.feed_stale): the feed_report, relayed
    TW_MSG_TOKEN_EXPIRY,  //  gateway event (topic pos.token_expiry): the broker token nears its end
    TW_MSG_COUNT
} tw_msg_type_t;

typedef enum { TW_SIDE_NONE = 0, TW_SIDE_LONG = 1, TW_SIDE_SHORT = -1 } tw_side_t;

typedef enum {
    TW_STATE_NONE = 0,
    TW_STATE_OPEN,    //  "open"
    TW_STATE_CLOSING, //  "closing": an exit is in flight
    TW_STATE_CLOSED   //  "closed"
} tw_state_t;

typedef enum {
    TW_ACK_NONE = 0,
    TW_ACK_ACCEPTED,  //  "accepted": durably recorded; the outcome follows as events
    TW_ACK_DUPLICATE, //  "duplicate": already done or in progress; nothing done twice
    TW_ACK_REJECTED   //  "rejected": see error
} tw_ack_status_t;

//  Where a tick's price comes from (the tick's optional `source`). NONE is
//  a tick without the field: an outside publisher, which counts as live.
typedef enum {
    TW_SOURCE_NONE = 0,
    TW_SOURCE_FYERS,     //  "fyers": the broker's market data, live
    TW_SOURCE_SYNTHETIC, //  "synthetic": market-feed's random walk
    TW_SOURCE_REPLAY     //  "replay": a recorded file played back
} tw_source_t;

//  The gateway's trading state (docs/design.md §4.5): travels as the
//  optional string field trading_state ("active", "reducing", "halted") of
//  pong, heartbeat, snapshot_reply and the trading_state event. NONE is the
//  field's absence (an older gateway).
typedef enum {
    TW_TRADING_NONE = 0,
    TW_TRADING_ACTIVE,   //  "active": opens, closes and stop moves
    TW_TRADING_REDUCING, //  "reducing": closes and stop moves only
    TW_TRADING_HALTED    //  "halted": after a flatten; closes and stop moves only, until resume
} tw_trading_state_t;

typedef enum {
    TW_ACTION_NONE = 0,
    TW_ACTION_OPEN_LONG,  //  "open_long"
    TW_ACTION_OPEN_SHORT, //  "open_short"
    TW_ACTION_CLOSE       //  "close"
} tw_action_t;

//  A position as every process sees it. Prices are rupees; 0 means "not set"
//  for sl, tp and trail. trail is the trailing-stop distance in rupees.
typedef struct {
    char id[TW_ID_MAX];         //  Fyers-style "NSE:SBIN-EQ-INTRADAY"
    char symbol[TW_SYMBOL_MAX]; //  "NSE:SBIN-EQ"
    char product[TW_PRODUCT_MAX];
    tw_side_t side;
    int64_t qty; //  > 0
    double entry_price;
    double sl;
    double tp;
    double trail;
    tw_state_t state;
    bool exit_failed; //  the last exit exhausted its attempts
} tw_position_t;

//  The last price the gateway saw of a symbol on the feed (its mark), and
//  when: ltp_at is the wall clock (ns since the Unix epoch) at which the
//  gateway received that tick. A snapshot reply carries the marks of its
//  positions' symbols when the request asked for them.
typedef struct {
    char symbol[TW_SYMBOL_MAX];
    double ltp;
    int64_t ltp_at;
} tw_mark_t;

typedef struct {
    char symbol[TW_SYMBOL_MAX];
    double ltp;
    double bid;         //  0 when the source has none
    double ask;         //  0 when the source has none
    int64_t volume;     //  0 when the source has none
    tw_source_t source; //  NONE when the publisher does not say
} tw_tick_t;

typedef struct {
    char symbol[TW_SYMBOL_MAX];
    tw_action_t action;
    int64_t qty; //  opens only (required there); 0 for close
    double sl;   //  opens only, optional; 0 = none
    double tp;   //  opens only, optional; 0 = none
    char model[TW_NAME_MAX];
} tw_signal_t;

typedef struct {
    char name[TW_NAME_MAX];
    int64_t value;
} tw_counter_t;

typedef struct {
    char service[TW_NAME_MAX];
    char version[TW_NAME_MAX];
    int64_t uptime_ms;
    size_t counter_count;
    tw_counter_t counters[TW_MAX_COUNTERS]; //  wire: map "counters" {name: int}
    tw_trading_state_t trading_state;       //  the gateway's; NONE from other services
} tw_pong_t;

typedef struct {
    char symbol[TW_SYMBOL_MAX];
    tw_side_t side;
    int64_t qty;
    double sl;                    //  optional, 0 = none
    double tp;                    //  optional, 0 = none
    double trail;                 //  optional, 0 = none
    char product[TW_PRODUCT_MAX]; //  optional on the wire; "INTRADAY" when absent
} tw_open_t;

typedef struct {
    char id[TW_ID_MAX];
    char reason[TW_REASON_MAX]; //  one of the exit reasons of docs/design.md §4
} tw_close_t;

//  Only the fields whose has_ flag is set are changed; at least one must be.
typedef struct {
    char id[TW_ID_MAX];
    bool has_sl, has_tp, has_trail;
    double sl, tp, trail;
} tw_modify_t;

typedef struct {
    char reason[TW_REASON_MAX]; //  optional on the wire; "Kill Switch" when absent
} tw_flatten_t;

//  A symbol's feed went stale (no good tick for [risk] stale_feed_ms while it
//  has an open position) or came back (stale false): the risk-monitor's
//  feed_report, which the gateway relays as the feed_stale event.
typedef struct {
    char symbol[TW_SYMBOL_MAX];
    bool stale;
    int64_t age_ms; //  ms since the symbol's last good tick (or since it was watched)
} tw_feed_report_t;

typedef struct {
    tw_ack_status_t status;
    char id[TW_ID_MAX];      //  position id the command concerns; may be empty
    char error[TW_TEXT_MAX]; //  why it was rejected; empty otherwise
} tw_ack_t;

//  The positions and marks arrays are owned by the message: tw_msg_reset
//  frees them. A snapshot of more than TW_MAX_POSITIONS positions travels in
//  parts (proto/README.md): `parts` replies back to back, numbered `part` 0
//  .. parts - 1, each with the same req_id, epoch and seq; has_parts says
//  that the two fields travel (absent, the reply is the whole snapshot). The
//  gateway sends parts only to a request that set in_parts, and marks (one
//  per symbol of the reply's own positions that has one) only to a request
//  that set with_marks.
typedef struct {
    uint64_t epoch;
    uint64_t seq; //  the seq of the last event these positions reflect
    size_t count;
    tw_position_t *positions;
    bool has_parts;
    uint64_t part;                    //  0-based
    uint64_t parts;                   //  >= 1
    bool in_parts;                    //  on a snapshot request: the asker takes a reply in parts
    tw_trading_state_t trading_state; //  on a reply; NONE when absent
    bool with_marks;                  //  on a snapshot request: the asker wants the marks
    size_t mark_count;                //  on a reply: marks[0 .. mark_count - 1]
    tw_mark_t *marks;                 //  on a reply; NULL when none
} tw_snapshot_t;

//  A query of the gateway's journal (history and pnl). day is an IST
//  trading day "YYYY-MM-DD", "" for today; offset and limit page a history
//  (limit 0: the gateway's default, at most TW_MAX_TRADES; pnl has neither).
typedef struct {
    char day[TW_DAY_MAX];
    int64_t offset;
    int64_t limit;
} tw_journal_query_t;

//  One closed position (one life of it): the journal's row. Times are ns
//  since the Unix epoch; pnl is rupees, negative for a loss.
typedef struct {
    char id[TW_ID_MAX];
    char symbol[TW_SYMBOL_MAX];
    tw_side_t side;
    int64_t qty;
    double entry_price;
    double exit_price;
    int64_t opened_at;
    int64_t closed_at;
    char reason[TW_REASON_MAX];
    int64_t attempts;
    double pnl;
} tw_trade_t;

//  The trades array is owned by the message: tw_msg_reset frees it. total
//  counts the day's trades, of which this page holds count from offset on.
typedef struct {
    char day[TW_DAY_MAX];
    int64_t offset;
    int64_t total;
    size_t count;
    tw_trade_t *trades;
} tw_history_reply_t;

//  The day's P&L: realized over the trades closed that day, unrealized over
//  the open positions at the gateway's last marks (0 for a position
//  without one).
typedef struct {
    char day[TW_DAY_MAX];
    double realized_pnl;
    double unrealized_pnl;
    int64_t trades;
    int64_t wins;
    int64_t losses;
    double largest_loss; //  the most negative trade pnl, 0 when none lost
    int64_t open_positions;
    int64_t marked_positions; //  open positions with a mark
} tw_pnl_reply_t;

//  One record for every gateway event; which fields travel depends on the
//  type (proto/README.md): all carry epoch and seq; position events carry pos;
//  closing/closed/exit_failed carry reason; closed carries exit_price, pnl and
//  attempts; exit_failed carries attempts and error; order_rejected carries
//  pos.symbol, pos.side, pos.qty, pos.id (may be empty) and error, plus
//  req_id in the header; position_mismatch carries pos.id, pos.symbol, qty,
//  broker_qty, broker_product and detail (and changes no position).
typedef struct {
    uint64_t epoch;
    uint64_t seq;
    tw_position_t pos;
    char reason[TW_REASON_MAX];
    double exit_price;
    double pnl;
    int64_t attempts;
    char error[TW_TEXT_MAX];
    int64_t qty;        //  position_mismatch: tradewire's quantity, signed by side (0: none)
    int64_t broker_qty; //  position_mismatch: the broker's signed net quantity (0: absent)
    char broker_product[TW_PRODUCT_MAX]; //  position_mismatch: the broker's product ("" absent)
    char detail[TW_TEXT_MAX];            //  position_mismatch: what differs, in words
    //  trading_state (required) and heartbeat (optional); the trading_state
    //  event says why in detail (its wire field "reason").
    tw_trading_state_t trading_state;
    //  feed_stale: the symbol in pos.symbol, active (wire "stale") and
    //  age_ms as the risk-monitor reported them. token_expiry: the token's
    //  exp (wire "expires_at", ns since the Unix epoch), whether it has
    //  passed (expired) and whether the warning holds (active; false once a
    //  new token is in use).
    bool active;
    int64_t age_ms;
    int64_t expires_at;
    bool expired;
} tw_event_t;

typedef struct {
    tw_msg_type_t type;
    int64_t ts;             //  ns since the Unix epoch, wall clock
    char req_id[TW_ID_MAX]; //  required on open/close/modify/flatten and ack;
                            //  optional on ping/status/snapshot (echoed in the reply)
                            //  and on signal (the model's retry key)
    int64_t expires_at;     //  ns; required on open/close, optional (0) elsewhere
    union {
        tw_tick_t tick;
        tw_signal_t signal;
        tw_pong_t pong;
        tw_open_t open;
        tw_close_t close;
        tw_modify_t modify;
        tw_flatten_t flatten;
        tw_flatten_t resume; //  the same fields: an optional reason
        tw_ack_t ack;
        tw_feed_report_t feed;
        tw_snapshot_t snapshot;
        tw_event_t event;
        tw_journal_query_t journal;
        tw_history_reply_t history;
        tw_pnl_reply_t pnl;
    } u;
} tw_msg_t;

//  Zeroes msg and sets its type and ts (now, wall clock).
void tw_msg_init (tw_msg_t *msg, tw_msg_type_t type);

//  Frees what msg owns (a snapshot's positions, a history's trades) and zeroes it. Safe on a zeroed
//  or already reset message.
void tw_msg_reset (tw_msg_t *msg);

//  Encodes msg as one msgpack map. On success returns 0 and sets *data (a
//  malloc'd buffer the caller frees) and *size. On failure (a field out of
//  range, a string without NUL, an unknown type) returns -1, sets *data to
//  NULL and writes a reason into err.
int tw_msg_encode (const tw_msg_t *msg, uint8_t **data, size_t *size, char *err, size_t err_size);

//  Decodes one frame into msg (which it first resets). On failure returns -1,
//  leaves msg reset (type TW_MSG_INVALID) and writes a one-line reason into err.
int tw_msg_decode (const uint8_t *data, size_t size, tw_msg_t *msg, char *err, size_t err_size);

//  Writes the PUB topic of msg into buf: "tick.<symbol>" for ticks,
//  "pos.<type>" for position events, "hb" for heartbeats. Returns 0, or -1
//  when msg is not published or buf is too small.
int tw_msg_topic (const tw_msg_t *msg, char *buf, size_t buf_size);

//  True for the gateway events that carry epoch and seq (heartbeat included).
bool tw_msg_is_event (tw_msg_type_t type);

//  Wire names. The _name functions return a static string ("" for an invalid
//  value); the _parse functions return the NONE/INVALID value for an unknown
//  name.
const char *tw_msg_type_name (tw_msg_type_t type);
tw_msg_type_t tw_msg_type_parse (const char *name);
const char *tw_side_name (tw_side_t side);
tw_side_t tw_side_parse (const char *name);
const char *tw_state_name (tw_state_t state);
tw_state_t tw_state_parse (const char *name);
const char *tw_ack_status_name (tw_ack_status_t status);
tw_ack_status_t tw_ack_status_parse (const char *name);
const char *tw_action_name (tw_action_t action);
tw_action_t tw_action_parse (const char *name);
const char *tw_source_name (tw_source_t source);
tw_source_t tw_source_parse (const char *name);
const char *tw_trading_state_name (tw_trading_state_t state);
tw_trading_state_t tw_trading_state_parse (const char *name);
//  True for the sources whose prices are not the market's now (synthetic,
//  replay); NONE and fyers count as live.
bool tw_source_is_simulated (tw_source_t source);

//  The unrealised P&L of pos at price ltp, in rupees: side × (ltp −
//  entry_price) × qty (not rounded).
double tw_position_unrealized (const tw_position_t *pos, double ltp);

//  Exit reasons (docs/design.md §4, contract).
#define TW_REASON_SL_HIT "SL Hit"
#define TW_REASON_TP_HIT "TP Hit"
#define TW_REASON_TRAILING_SL_HIT "Trailing SL Hit"
#define TW_REASON_MODEL_CLOSE "Model Close"
#define TW_REASON_MANUAL_CLOSE "Manual Close"
#define TW_REASON_KILL_SWITCH "Kill Switch"
#define TW_REASON_EOD_SQUARE_OFF "EOD Square-off"
#define TW_REASON_CLOSED_AT_BROKER "Closed at Broker"

//  True when reason is one of the exit reasons above, spelled exactly.
bool tw_reason_valid (const char *reason);

#ifdef __cplusplus
}
#endif

#endif
