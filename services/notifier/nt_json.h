//  nt_json - the notifier's WebSocket frames (docs/design.md §7, contract): gateway
//  events, snapshots, acks and errors to JSON text, and a client's JSON
//  frame to a request. Pure: no I/O, no state, so every frame is tested
//  byte for byte in tests/notifier/.
//
//  Frames to clients are one JSON object each, always with "type" and
//  "seq" (the seq of the last gateway event the notifier has applied):
//
//    snapshot          type, seq, epoch, positions: [position…], trading_state,
//                      warnings: [{name, text}…]
//    position_opened   type, seq, epoch, <position fields>
//    position_updated  type, seq, epoch, <position fields>
//    position_closing  type, seq, epoch, <position fields>, reason
//    position_closed   type, seq, epoch, <position fields>, reason,
//                      exit_price, pnl, attempts
//    exit_failed       type, seq, epoch, <position fields>, reason,
//                      attempts, error
//    order_rejected    type, seq, epoch, req_id, id, symbol, side, qty, error
//    position_mismatch type, seq, epoch, id, symbol, qty, broker_qty,
//                      broker_product, detail
//    trading_state     type, seq, epoch, trading_state, reason
//    heartbeat         type, seq, epoch[, trading_state]
//    ack               type, seq, request, status, id, error   (reply to a close
//                      or a flatten; request says which)
//    error             type, seq, error               (a malformed frame)
//
//    marks             type, seq, marks: [{id, symbol, ltp, unrealized_pnl, ltp_age_ms}…]
//    recent            type, seq, events: [event frame…], at: [ms…]  (after a snapshot)
//    journal           type, seq, day, pnl: {…}, trades: [trade…]
//    warning           type, seq, name, text, active
//
//  The position fields are id, symbol, product, side, qty, entry_price, sl,
//  tp, trail, state and exit_failed, named and valued as on the gateway's
//  msgpack events (proto/README.md); they travel flat, as there. The
//  notifier adds its own view of each position after them: ltp (the last
//  tick's price, 0 without one), unrealized_pnl (side × (ltp − entry_price)
//  × qty, 0 without a price), ltp_age_ms (how old that tick was when the
//  frame was made, −1 without one) and last_error (the error of the
//  position's last exit_failed, "" when none). Prices and P&L of the
//  notifier's own fields, and a position_closed's exit_price and pnl, are
//  rounded to the paisa. Every
//  field of a type is always present ("" for an empty string, 0 for an
//  unset price). epoch is a decimal string: it is a random 64-bit number,
//  beyond what a JavaScript number holds exactly. An ack's status is the
//  gateway's (accepted, duplicate, rejected), "rejected" when the notifier
//  refuses the request itself, or "timeout" when the gateway did not answer.
//
//  The client frames are {"type":"close","id":"<position id>"} (no other
//  field, id 1..63 printable ASCII characters without spaces) and
//  {"type":"flatten"} (no other field).

#ifndef NT_JSON_H_INCLUDED
#define NT_JSON_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tw_proto.h"

//  Ack statuses the notifier adds to the gateway's.
#define NT_ACK_TIMEOUT "timeout"

//  The notifier's view of one position: its mark and its last exit error.
typedef struct {
    bool marked;    //  a tick of its symbol has been seen
    double ltp;     //  that tick's price
    int64_t age_ms; //  how old that tick is now
    char last_error[TW_TEXT_MAX];
} nt_view_t;

//  The JSON text of a gateway event (heartbeat included), or NULL when msg
//  is not an event or memory ran out. view (NULL: no mark, no error) is
//  the position's, for the position events. The caller frees the text with
//  free().
char *nt_json_event (const tw_msg_t *msg, const nt_view_t *view);

//  A warning in force: its stable key and its text for people.
typedef struct {
    const char *name;
    const char *text;
} nt_warning_t;

//  The JSON text of a snapshot of count positions, views[i] (views may be
//  NULL) being the view of positions[i], with the gateway's trading state
//  ("" when unknown: TW_TRADING_NONE) and the warning_count warnings in
//  force (warnings may be NULL when none), or NULL when memory ran out. The
//  caller frees the text with free().
char *nt_json_snapshot (uint64_t epoch, uint64_t seq, const tw_position_t *positions,
                        const nt_view_t *views, size_t count, tw_trading_state_t trading_state,
                        const nt_warning_t *warnings, size_t warning_count);

//  The warning a gateway event raises or ends: feed_stale (name
//  "feed_stale:<symbol>") and token_expiry (name "token_expiry"). Fills name
//  and text and sets *active, and returns 0; returns -1 for any other
//  message.
int nt_json_event_warning (const tw_msg_t *msg, char *name, size_t name_size, char *text,
                           size_t text_size, bool *active);

//  The JSON text of a marks frame: the mark of each of the count positions
//  (views[i] of positions[i]), or NULL when memory ran out.
char *nt_json_marks (uint64_t seq, const tw_position_t *positions, const nt_view_t *views,
                     size_t count);

//  The JSON text of a recent frame holding the count event frames (each a
//  JSON object, as nt_json_event made it), oldest first, and in "at" when
//  each was sent (ms since the Unix epoch, at[i] for events[i]), or NULL
//  when memory ran out.
char *nt_json_recent (uint64_t seq, const char *const *events, const int64_t *at, size_t count);

//  The JSON text of a journal frame: the day's P&L (pnl, with the realised
//  and the marked unrealised P&L) and its trades (history), or NULL when
//  memory ran out. unrealized_pnl is the notifier's own sum over its marks.
char *nt_json_journal (uint64_t seq, const tw_pnl_reply_t *pnl, double unrealized_pnl,
                       const tw_history_reply_t *history);

//  The JSON text of a warning frame: name (a stable key), text (for
//  people) and active (false: the warning is over), or NULL when memory
//  ran out.
char *nt_json_warning (uint64_t seq, const char *name, const char *text, bool active);

//  value rounded to the paisa (and -0 to 0).
double nt_json_paisa (double value);

//  The JSON text of an ack to a request ("close" or "flatten"; id and
//  error may be NULL: ""), or NULL when memory ran out. The caller frees the
//  text with free().
char *nt_json_ack (uint64_t seq, const char *request, const char *status, const char *id,
                   const char *error);

//  The JSON text of an error frame, or NULL when memory ran out. The
//  caller frees the text with free().
char *nt_json_error (uint64_t seq, const char *error);

typedef enum { NT_REQUEST_NONE = 0, NT_REQUEST_CLOSE, NT_REQUEST_FLATTEN } nt_request_type_t;

typedef struct {
    nt_request_type_t type;
    char id[TW_ID_MAX]; //  the position to close; "" for a flatten
} nt_request_t;

//  The request's wire name: "close" or "flatten" ("" for NONE).
const char *nt_json_request_name (nt_request_type_t type);

//  Parses one client frame of size bytes (not NUL-terminated). Returns 0
//  with request filled, or -1 with request zeroed and a one-line reason in
//  err; text copied from the frame into err is cut short and has its
//  non-printable bytes replaced, so err is safe to send back and to log.
int nt_json_parse_request (const char *data, size_t size, nt_request_t *request, char *err,
                           size_t err_size);

#endif
