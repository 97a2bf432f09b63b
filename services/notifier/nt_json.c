//  nt_json - see nt_json.h.
//
//  Frames are built with cJSON and printed unformatted. cJSON keeps numbers
//  as doubles, which hold seq, qty and attempts exactly up to 2^53; epoch,
//  a random 64-bit number, goes as a string for that reason.

#include "nt_json.h"
#include "tw_token.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Text copied from a client frame into an error is cut to this many bytes.
#define NT_JSON_QUOTE_MAX 32

//  A frame under construction: every add goes through these helpers, which
//  remember a failure (out of memory) so that the caller checks once.
typedef struct {
    cJSON *root;
    bool ok;
} s_frame_t;

static void
s_str (s_frame_t *frame, cJSON *object, const char *key, const char *value)
{
    if (!cJSON_AddStringToObject (object, key, value ? value : ""))
        frame->ok = false;
}

static void
s_num (s_frame_t *frame, cJSON *object, const char *key, double value)
{
    if (!cJSON_AddNumberToObject (object, key, value))
        frame->ok = false;
}

static void
s_bool (s_frame_t *frame, cJSON *object, const char *key, bool value)
{
    if (!cJSON_AddBoolToObject (object, key, value))
        frame->ok = false;
}

//  Starts a frame with its type and seq.
static s_frame_t
s_begin (const char *type, uint64_t seq)
{
    s_frame_t frame = {cJSON_CreateObject (), true};
    if (!frame.root) {
        frame.ok = false;
        return frame;
    }
    s_str (&frame, frame.root, "type", type);
    s_num (&frame, frame.root, "seq", (double) seq);
    return frame;
}

static void
s_epoch (s_frame_t *frame, uint64_t epoch)
{
    char text[24];
    snprintf (text, sizeof text, "%" PRIu64, epoch);
    s_str (frame, frame->root, "epoch", text);
}

//  Prints and frees the frame. Returns the text, or NULL on any failure.
static char *
s_end (s_frame_t *frame)
{
    char *text = frame->ok && frame->root ? cJSON_PrintUnformatted (frame->root) : NULL;
    cJSON_Delete (frame->root);
    frame->root = NULL;
    return text;
}

//  The position fields, flat, in the order of proto/README.md.
static void
s_position (s_frame_t *frame, cJSON *object, const tw_position_t *pos)
{
    s_str (frame, object, "id", pos->id);
    s_str (frame, object, "symbol", pos->symbol);
    s_str (frame, object, "product", pos->product);
    s_str (frame, object, "side", tw_side_name (pos->side));
    s_num (frame, object, "qty", (double) pos->qty);
    s_num (frame, object, "entry_price", pos->entry_price);
    s_num (frame, object, "sl", pos->sl);
    s_num (frame, object, "tp", pos->tp);
    s_num (frame, object, "trail", pos->trail);
    s_str (frame, object, "state", tw_state_name (pos->state));
    s_bool (frame, object, "exit_failed", pos->exit_failed);
}

double
nt_json_paisa (double value)
{
    return round (value * 100.0) / 100.0 + 0.0;
}

//  The notifier's view of a position, after its fields.
static void
s_view (s_frame_t *frame, cJSON *object, const tw_position_t *pos, const nt_view_t *view)
{
    bool marked = view && view->marked;
    double ltp = marked ? view->ltp : 0;
    double unrealized = marked ? tw_position_unrealized (pos, ltp) : 0;
    s_num (frame, object, "ltp", nt_json_paisa (ltp));
    s_num (frame, object, "unrealized_pnl", nt_json_paisa (unrealized));
    s_num (frame, object, "ltp_age_ms", marked ? (double) view->age_ms : -1);
    s_str (frame, object, "last_error", view ? view->last_error : "");
}

char *
nt_json_event (const tw_msg_t *msg, const nt_view_t *view)
{
    if (!msg || !tw_msg_is_event (msg->type))
        return NULL;
    const tw_event_t *event = &msg->u.event;
    s_frame_t frame = s_begin (tw_msg_type_name (msg->type), event->seq);
    if (!frame.ok)
        return s_end (&frame);
    s_epoch (&frame, event->epoch);
    cJSON *root = frame.root;
    switch (msg->type) {
    case TW_MSG_POSITION_OPENED:
    case TW_MSG_POSITION_UPDATED:
        s_position (&frame, root, &event->pos);
        s_view (&frame, root, &event->pos, view);
        break;
    case TW_MSG_POSITION_CLOSING:
        s_position (&frame, root, &event->pos);
        s_view (&frame, root, &event->pos, view);
        s_str (&frame, root, "reason", event->reason);
        break;
    case TW_MSG_POSITION_CLOSED:
        s_position (&frame, root, &event->pos);
        s_view (&frame, root, &event->pos, view);
        s_str (&frame, root, "reason", event->reason);
        s_num (&frame, root, "exit_price", nt_json_paisa (event->exit_price));
        s_num (&frame, root, "pnl", nt_json_paisa (event->pnl));
        s_num (&frame, root, "attempts", (double) event->attempts);
        break;
    case TW_MSG_EXIT_FAILED:
        s_position (&frame, root, &event->pos);
        s_view (&frame, root, &event->pos, view);
        s_str (&frame, root, "reason", event->reason);
        s_num (&frame, root, "attempts", (double) event->attempts);
        s_str (&frame, root, "error", event->error);
        break;
    case TW_MSG_ORDER_REJECTED:
        s_str (&frame, root, "req_id", msg->req_id);
        s_str (&frame, root, "id", event->pos.id);
        s_str (&frame, root, "symbol", event->pos.symbol);
        s_str (&frame, root, "side", tw_side_name (event->pos.side));
        s_num (&frame, root, "qty", (double) event->pos.qty);
        s_str (&frame, root, "error", event->error);
        break;
    case TW_MSG_POSITION_MISMATCH:
        s_str (&frame, root, "id", event->pos.id);
        s_str (&frame, root, "symbol", event->pos.symbol);
        s_num (&frame, root, "qty", (double) event->qty);
        s_num (&frame, root, "broker_qty", (double) event->broker_qty);
        s_str (&frame, root, "broker_product", event->broker_product);
        s_str (&frame, root, "detail", event->detail);
        break;
    case TW_MSG_TRADING_STATE:
        s_str (&frame, root, "trading_state", tw_trading_state_name (event->trading_state));
        s_str (&frame, root, "reason", event->detail);
        break;
    case TW_MSG_HEARTBEAT:
        //  The gateway's trading state when it sent one (docs/design.md §4.5).
        if (event->trading_state != TW_TRADING_NONE)
            s_str (&frame, root, "trading_state", tw_trading_state_name (event->trading_state));
        break;
    default:
        break;
    }
    return s_end (&frame);
}

//  A new object appended to array, or NULL (frame marked failed).
static cJSON *
s_item (s_frame_t *frame, cJSON *array)
{
    cJSON *item = cJSON_CreateObject ();
    if (!item || !cJSON_AddItemToArray (array, item)) {
        cJSON_Delete (item);
        frame->ok = false;
        return NULL;
    }
    return item;
}

char *
nt_json_snapshot (uint64_t epoch, uint64_t seq, const tw_position_t *positions,
                  const nt_view_t *views, size_t count, tw_trading_state_t trading_state,
                  const nt_warning_t *warnings, size_t warning_count)
{
    s_frame_t frame = s_begin ("snapshot", seq);
    if (!frame.ok)
        return s_end (&frame);
    s_epoch (&frame, epoch);
    cJSON *array = cJSON_AddArrayToObject (frame.root, "positions");
    if (!array)
        frame.ok = false;
    for (size_t i = 0; frame.ok && i < count; i++) {
        cJSON *item = cJSON_CreateObject ();
        if (!item || !cJSON_AddItemToArray (array, item)) {
            cJSON_Delete (item);
            frame.ok = false;
            break;
        }
        s_position (&frame, item, &positions[i]);
        s_view (&frame, item, &positions[i], views ? &views[i] : NULL);
    }
    if (frame.ok)
        s_str (&frame, frame.root, "trading_state", tw_trading_state_name (trading_state));
    cJSON *list = frame.ok ? cJSON_AddArrayToObject (frame.root, "warnings") : NULL;
    if (!list)
        frame.ok = false;
    for (size_t i = 0; frame.ok && i < warning_count; i++) {
        cJSON *item = s_item (&frame, list);
        if (!item)
            break;
        s_str (&frame, item, "name", warnings[i].name);
        s_str (&frame, item, "text", warnings[i].text);
    }
    return s_end (&frame);
}

int
nt_json_event_warning (const tw_msg_t *msg, char *name, size_t name_size, char *text,
                       size_t text_size, bool *active)
{
    const tw_event_t *event = &msg->u.event;
    if (msg->type == TW_MSG_FEED_STALE) {
        snprintf (name, name_size, "feed_stale:%s", event->pos.symbol);
        if (event->active)
            snprintf (text, text_size,
                      "feed stale: no good tick of %s for %.1f s while a position is open: "
                      "its stops are not watched",
                      event->pos.symbol, (double) event->age_ms / 1000.0);
        else
            snprintf (text, text_size, "feed of %s watched again", event->pos.symbol);
        *active = event->active;
        return 0;
    }
    if (msg->type == TW_MSG_TOKEN_EXPIRY) {
        char at[TW_TOKEN_TIME_MAX];
        tw_token_format_ist (event->expires_at / 1000000000, at, sizeof at);
        snprintf (name, name_size, "token_expiry");
        if (!event->active)
            snprintf (text, text_size, "a new broker access token is in use (it ends %s)", at);
        else if (event->expired)
            snprintf (text, text_size,
                      "the broker access token expired at %s: opens are refused; run "
                      "`tradectl login`",
                      at);
        else
            snprintf (text, text_size,
                      "the broker access token expires at %s: opens are refused after that; run "
                      "`tradectl login`",
                      at);
        *active = event->active;
        return 0;
    }
    return -1;
}

char *
nt_json_marks (uint64_t seq, const tw_position_t *positions, const nt_view_t *views, size_t count)
{
    s_frame_t frame = s_begin ("marks", seq);
    cJSON *array = frame.ok ? cJSON_AddArrayToObject (frame.root, "marks") : NULL;
    if (!array)
        frame.ok = false;
    for (size_t i = 0; frame.ok && i < count; i++) {
        cJSON *item = s_item (&frame, array);
        if (!item)
            break;
        s_str (&frame, item, "id", positions[i].id);
        s_str (&frame, item, "symbol", positions[i].symbol);
        const nt_view_t *view = &views[i];
        double unrealized = view->marked ? tw_position_unrealized (&positions[i], view->ltp) : 0;
        s_num (&frame, item, "ltp", nt_json_paisa (view->marked ? view->ltp : 0));
        s_num (&frame, item, "unrealized_pnl", nt_json_paisa (unrealized));
        s_num (&frame, item, "ltp_age_ms", view->marked ? (double) view->age_ms : -1);
    }
    return s_end (&frame);
}

char *
nt_json_recent (uint64_t seq, const char *const *events, const int64_t *at, size_t count)
{
    //  The events are JSON already: they are joined as text, not parsed.
    char head[64];
    int head_len =
        snprintf (head, sizeof head, "{\"type\":\"recent\",\"seq\":%" PRIu64 ",\"events\":[", seq);
    size_t size = (size_t) head_len + 16 + count * 22;
    for (size_t i = 0; i < count; i++)
        size += strlen (events[i]) + 1;
    char *text = (char *) malloc (size);
    if (!text)
        return NULL;
    char *at_text = text;
    memcpy (at_text, head, (size_t) head_len);
    at_text += head_len;
    for (size_t i = 0; i < count; i++) {
        if (i)
            *at_text++ = ',';
        size_t len = strlen (events[i]);
        memcpy (at_text, events[i], len);
        at_text += len;
    }
    at_text += snprintf (at_text, 10, "],\"at\":[");
    for (size_t i = 0; i < count; i++)
        at_text += snprintf (at_text, 22, "%s%" PRId64, i ? "," : "", at ? at[i] : 0);
    memcpy (at_text, "]}", 3);
    return text;
}

char *
nt_json_journal (uint64_t seq, const tw_pnl_reply_t *pnl, double unrealized_pnl,
                 const tw_history_reply_t *history)
{
    s_frame_t frame = s_begin ("journal", seq);
    if (!frame.ok)
        return s_end (&frame);
    s_str (&frame, frame.root, "day", pnl->day);
    cJSON *sums = cJSON_AddObjectToObject (frame.root, "pnl");
    cJSON *trades = cJSON_AddArrayToObject (frame.root, "trades");
    if (!sums || !trades)
        frame.ok = false;
    else {
        s_num (&frame, sums, "realized_pnl", nt_json_paisa (pnl->realized_pnl));
        s_num (&frame, sums, "unrealized_pnl", nt_json_paisa (unrealized_pnl));
        s_num (&frame, sums, "trades", (double) pnl->trades);
        s_num (&frame, sums, "wins", (double) pnl->wins);
        s_num (&frame, sums, "losses", (double) pnl->losses);
        s_num (&frame, sums, "largest_loss", nt_json_paisa (pnl->largest_loss));
    }
    for (size_t i = 0; frame.ok && history && i < history->count; i++) {
        const tw_trade_t *trade = &history->trades[i];
        cJSON *item = s_item (&frame, trades);
        if (!item)
            break;
        s_str (&frame, item, "id", trade->id);
        s_str (&frame, item, "symbol", trade->symbol);
        s_str (&frame, item, "side", tw_side_name (trade->side));
        s_num (&frame, item, "qty", (double) trade->qty);
        s_num (&frame, item, "entry_price", nt_json_paisa (trade->entry_price));
        s_num (&frame, item, "exit_price", nt_json_paisa (trade->exit_price));
        //  Milliseconds: what a JavaScript Date takes.
        s_num (&frame, item, "opened_at", (double) (trade->opened_at / 1000000));
        s_num (&frame, item, "closed_at", (double) (trade->closed_at / 1000000));
        s_str (&frame, item, "reason", trade->reason);
        s_num (&frame, item, "attempts", (double) trade->attempts);
        s_num (&frame, item, "pnl", nt_json_paisa (trade->pnl));
    }
    return s_end (&frame);
}

char *
nt_json_warning (uint64_t seq, const char *name, const char *text, bool active)
{
    s_frame_t frame = s_begin ("warning", seq);
    if (frame.ok) {
        s_str (&frame, frame.root, "name", name);
        s_str (&frame, frame.root, "text", text);
        s_bool (&frame, frame.root, "active", active);
    }
    return s_end (&frame);
}

char *
nt_json_ack (uint64_t seq, const char *request, const char *status, const char *id,
             const char *error)
{
    s_frame_t frame = s_begin ("ack", seq);
    if (frame.ok) {
        s_str (&frame, frame.root, "request", request);
        s_str (&frame, frame.root, "status", status);
        s_str (&frame, frame.root, "id", id);
        s_str (&frame, frame.root, "error", error);
    }
    return s_end (&frame);
}

char *
nt_json_error (uint64_t seq, const char *error)
{
    s_frame_t frame = s_begin ("error", seq);
    if (frame.ok)
        s_str (&frame, frame.root, "error", error);
    return s_end (&frame);
}

//  ---------------------------------------------------------------------
//  Client frames.

//  Copies text into buf for an error message: at most NT_JSON_QUOTE_MAX
//  bytes, anything but printable ASCII as '?', quotes as '?' too.
static void
s_quote (const char *text, char *buf, size_t buf_size)
{
    size_t n = 0;
    for (; text && text[n] && n < NT_JSON_QUOTE_MAX && n + 1 < buf_size; n++) {
        unsigned char c = (unsigned char) text[n];
        buf[n] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char) c : '?';
    }
    buf[n] = 0;
}

//  A position id: 1..TW_ID_MAX-1 bytes of printable ASCII, no spaces.
static bool
s_valid_id (const char *id)
{
    size_t len = strlen (id);
    if (len == 0 || len >= TW_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char) id[i] <= 0x20 || (unsigned char) id[i] >= 0x7f)
            return false;
    return true;
}

static bool
s_only_space (const char *p, const char *end)
{
    for (; p < end; p++)
        if (!isspace ((unsigned char) *p))
            return false;
    return true;
}

//  Checks the members of a close request: type and id, each once.
static int
s_parse_close (const cJSON *root, nt_request_t *request, char *err, size_t err_size)
{
    char quoted[NT_JSON_QUOTE_MAX + 1];
    const cJSON *id = NULL;
    for (const cJSON *item = root->child; item; item = item->next) {
        if (strcmp (item->string, "type") == 0)
            continue;
        if (strcmp (item->string, "id") != 0) {
            s_quote (item->string, quoted, sizeof quoted);
            snprintf (err, err_size, "unknown field '%s' in close", quoted);
            return -1;
        }
        id = item;
    }
    if (!id) {
        snprintf (err, err_size, "missing field 'id' in close");
        return -1;
    }
    if (!cJSON_IsString (id)) {
        snprintf (err, err_size, "field 'id': expected a string");
        return -1;
    }
    if (!s_valid_id (id->valuestring)) {
        s_quote (id->valuestring, quoted, sizeof quoted);
        snprintf (err, err_size,
                  "field 'id': invalid position id '%s' (1..%d printable characters, no spaces)",
                  quoted, TW_ID_MAX - 1);
        return -1;
    }
    request->type = NT_REQUEST_CLOSE;
    snprintf (request->id, sizeof request->id, "%s", id->valuestring);
    return 0;
}

//  Checks the members of a flatten request: type alone.
static int
s_parse_flatten (const cJSON *root, nt_request_t *request, char *err, size_t err_size)
{
    for (const cJSON *item = root->child; item; item = item->next)
        if (strcmp (item->string, "type") != 0) {
            char quoted[NT_JSON_QUOTE_MAX + 1];
            s_quote (item->string, quoted, sizeof quoted);
            snprintf (err, err_size, "unknown field '%s' in flatten", quoted);
            return -1;
        }
    request->type = NT_REQUEST_FLATTEN;
    return 0;
}

const char *
nt_json_request_name (nt_request_type_t type)
{
    return type == NT_REQUEST_CLOSE ? "close" : type == NT_REQUEST_FLATTEN ? "flatten" : "";
}

//  True when the JSON text holds a NUL: a raw byte, or a \u0000 escape,
//  which cJSON decodes into a C string that then ends early, so that
//  "NSE:X-EQ-INTRADAY\u0000junk" would read as "NSE:X-EQ-INTRADAY".
static bool
s_has_nul (const char *data, size_t size)
{
    if (memchr (data, 0, size))
        return true;
    for (size_t i = 0; i + 1 < size; i++) {
        if (data[i] != '\\')
            continue;
        if (data[i + 1] == 'u' && i + 5 < size && memcmp (data + i + 2, "0000", 4) == 0)
            return true;
        i++; //  skip the escaped character: "\\u0000" is text, not a NUL
    }
    return false;
}

//  True when text holds a control character (below 0x20, or 0x7f).
static bool
s_has_control (const char *text)
{
    for (const unsigned char *p = (const unsigned char *) text; p && *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return true;
    return false;
}

//  Refuses a control character in any member name or string value of root
//  (a string from outside is never trusted to be printable, docs/design.md
//  §7). Returns 0, or -1 with err set.
static int
s_check_strings (const cJSON *root, char *err, size_t err_size)
{
    for (const cJSON *item = root->child; item; item = item->next) {
        char quoted[NT_JSON_QUOTE_MAX + 1];
        if (s_has_control (item->string)) {
            s_quote (item->string, quoted, sizeof quoted);
            snprintf (err, err_size, "a field name holds a control character: '%s'", quoted);
            return -1;
        }
        if (cJSON_IsString (item) && s_has_control (item->valuestring)) {
            s_quote (item->string, quoted, sizeof quoted);
            snprintf (err, err_size, "field '%s': control character in the string", quoted);
            return -1;
        }
    }
    return 0;
}

//  Checks that no member name repeats (cJSON keeps both, and which one a
//  lookup finds is not a contract).
static int
s_check_unique (const cJSON *root, char *err, size_t err_size)
{
    for (const cJSON *a = root->child; a; a = a->next)
        for (const cJSON *b = a->next; b; b = b->next)
            if (strcmp (a->string, b->string) == 0) {
                char quoted[NT_JSON_QUOTE_MAX + 1];
                s_quote (a->string, quoted, sizeof quoted);
                snprintf (err, err_size, "duplicate field '%s'", quoted);
                return -1;
            }
    return 0;
}

int
nt_json_parse_request (const char *data, size_t size, nt_request_t *request, char *err,
                       size_t err_size)
{
    memset (request, 0, sizeof *request);
    if (!data || size == 0) {
        snprintf (err, err_size, "empty frame: expected a JSON object");
        return -1;
    }
    if (s_has_nul (data, size)) {
        snprintf (err, err_size, "a NUL (\\u0000) in the frame: refused");
        return -1;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts (data, size, &end, false);
    if (!root) {
        snprintf (err, err_size, "not valid JSON (at byte %zu)",
                  end && end >= data ? (size_t) (end - data) : (size_t) 0);
        return -1;
    }
    int rc = -1;
    char quoted[NT_JSON_QUOTE_MAX + 1];
    const cJSON *type = cJSON_GetObjectItemCaseSensitive (root, "type");
    if (!s_only_space (end, data + size))
        snprintf (err, err_size, "trailing bytes after the JSON value");
    else if (!cJSON_IsObject (root))
        snprintf (err, err_size, "expected a JSON object");
    else if (s_check_unique (root, err, err_size) != 0)
        ; //  err is set
    else if (s_check_strings (root, err, err_size) != 0)
        ; //  err is set
    else if (!type)
        snprintf (err, err_size, "missing field 'type'");
    else if (!cJSON_IsString (type))
        snprintf (err, err_size, "field 'type': expected a string");
    else if (strcmp (type->valuestring, "close") == 0)
        rc = s_parse_close (root, request, err, err_size);
    else if (strcmp (type->valuestring, "flatten") == 0)
        rc = s_parse_flatten (root, request, err, err_size);
    else {
        s_quote (type->valuestring, quoted, sizeof quoted);
        snprintf (err, err_size, "unknown type '%s': the requests are close and flatten", quoted);
    }
    cJSON_Delete (root);
    if (rc != 0)
        memset (request, 0, sizeof *request);
    return rc;
}
