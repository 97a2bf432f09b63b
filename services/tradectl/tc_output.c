//  tc_output - see tc_output.h.

#include "tc_output.h"

#include "tw_clock.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  Long enough for any int64 or uint64 in decimal, sign and NUL included.
#define S_INT_TEXT_MAX 24

//  One failure line, prefix included.
#define S_ERROR_LINE_MAX 1024

//  A price column: "%.2f" of any price a position can carry, or "-".
#define S_PRICE_TEXT_MAX 32

#define S_MS_PER_S 1000.0

//  Copies text into buf with every control character (newline included)
//  replaced by '?'. Returns buf.
static const char *
s_clean (const char *text, char *buf, size_t buf_size)
{
    size_t len = 0;
    for (; text[len] && len + 1 < buf_size; len++) {
        unsigned char c = (unsigned char) text[len];
        buf[len] = c < 0x20 || c == 0x7f ? '?' : (char) c;
    }
    buf[len] = '\0';
    return buf;
}

//  cJSON_Add* return NULL when out of memory; each builder below returns
//  false as soon as one did.
static bool
s_add_string (cJSON *object, const char *name, const char *value)
{
    return cJSON_AddStringToObject (object, name, value) != NULL;
}

static bool
s_add_int (cJSON *object, const char *name, int64_t value)
{
    char text[S_INT_TEXT_MAX];
    snprintf (text, sizeof text, "%" PRId64, value);
    return cJSON_AddRawToObject (object, name, text) != NULL;
}

static bool
s_add_uint (cJSON *object, const char *name, uint64_t value)
{
    char text[S_INT_TEXT_MAX];
    snprintf (text, sizeof text, "%" PRIu64, value);
    return cJSON_AddRawToObject (object, name, text) != NULL;
}

static bool
s_add_number (cJSON *object, const char *name, double value)
{
    return cJSON_AddNumberToObject (object, name, value) != NULL;
}

//  Rupees rounded to the paisa, so that a sum prints as 0.3, not
//  0.299999999999983 (and -0 as 0).
static double
s_paisa (double value)
{
    return round (value * 100.0) / 100.0 + 0.0;
}

static bool
s_add_paisa (cJSON *object, const char *name, double value)
{
    return s_add_number (object, name, s_paisa (value));
}

static bool
s_json_trade (cJSON *array, const tw_trade_t *trade)
{
    cJSON *item = cJSON_CreateObject ();
    if (!item)
        return false;
    cJSON_AddItemToArray (array, item);
    return s_add_string (item, "id", trade->id) && s_add_string (item, "symbol", trade->symbol)
           && s_add_string (item, "side", tw_side_name (trade->side))
           && s_add_int (item, "qty", trade->qty)
           && s_add_paisa (item, "entry_price", trade->entry_price)
           && s_add_paisa (item, "exit_price", trade->exit_price)
           && s_add_int (item, "opened_at", trade->opened_at)
           && s_add_int (item, "closed_at", trade->closed_at)
           && s_add_string (item, "reason", trade->reason)
           && s_add_int (item, "attempts", trade->attempts)
           && s_add_paisa (item, "pnl", trade->pnl);
}

static char *
s_json_history (const tw_history_reply_t *history)
{
    cJSON *root = cJSON_CreateArray ();
    if (!root)
        return NULL;
    bool built = true;
    for (size_t i = 0; built && i < history->count; i++)
        built = s_json_trade (root, &history->trades[i]);
    char *text = built ? cJSON_PrintUnformatted (root) : NULL;
    cJSON_Delete (root);
    return text;
}

static char *
s_json_pnl (const tw_pnl_reply_t *pnl)
{
    cJSON *root = cJSON_CreateObject ();
    if (!root)
        return NULL;
    bool built = s_add_string (root, "day", pnl->day)
                 && s_add_paisa (root, "realized_pnl", pnl->realized_pnl)
                 && s_add_paisa (root, "unrealized_pnl", pnl->unrealized_pnl)
                 && s_add_int (root, "trades", pnl->trades) && s_add_int (root, "wins", pnl->wins)
                 && s_add_int (root, "losses", pnl->losses)
                 && s_add_paisa (root, "largest_loss", pnl->largest_loss)
                 && s_add_int (root, "open_positions", pnl->open_positions)
                 && s_add_int (root, "marked_positions", pnl->marked_positions);
    char *text = built ? cJSON_PrintUnformatted (root) : NULL;
    cJSON_Delete (root);
    return text;
}

static bool
s_json_ack (cJSON *root, const tw_ack_t *ack)
{
    return s_add_string (root, "status", tw_ack_status_name (ack->status))
           && s_add_string (root, "id", ack->id) && s_add_string (root, "error", ack->error);
}

static bool
s_json_pong (cJSON *root, const tw_pong_t *pong)
{
    if (!s_add_string (root, "service", pong->service)
        || !s_add_string (root, "version", pong->version)
        || !s_add_int (root, "uptime_ms", pong->uptime_ms)
        || (pong->trading_state != TW_TRADING_NONE
            && !s_add_string (root, "trading_state", tw_trading_state_name (pong->trading_state))))
        return false;
    cJSON *counters = cJSON_AddObjectToObject (root, "counters");
    if (!counters)
        return false;
    for (size_t i = 0; i < pong->counter_count && i < TW_MAX_COUNTERS; i++)
        if (!s_add_int (counters, pong->counters[i].name, pong->counters[i].value))
            return false;
    return true;
}

//  A position's view at its symbol's mark: the last price the gateway saw,
//  the unrealised P&L at it, and how old it is now.
typedef struct {
    bool marked;
    double ltp;
    double unrealized_pnl;
    int64_t age_ms; //  -1 without a mark
} s_view_t;

static s_view_t
s_view (const tw_snapshot_t *snapshot, const tw_position_t *pos, int64_t now_ns)
{
    s_view_t view = {.age_ms = -1};
    for (size_t i = 0; i < snapshot->mark_count; i++) {
        const tw_mark_t *mark = &snapshot->marks[i];
        if (strcmp (mark->symbol, pos->symbol) != 0)
            continue;
        view.marked = true;
        view.ltp = mark->ltp;
        view.unrealized_pnl = tw_position_unrealized (pos, mark->ltp);
        //  A clock that stepped back makes a fresh price, not a negative age.
        view.age_ms = now_ns > mark->ltp_at ? (now_ns - mark->ltp_at) / TW_NS_PER_MS : 0;
        break;
    }
    return view;
}

static bool
s_json_position (cJSON *array, const tw_position_t *pos, const s_view_t *view)
{
    cJSON *item = cJSON_CreateObject ();
    if (!item)
        return false;
    cJSON_AddItemToArray (array, item);
    return s_add_string (item, "id", pos->id) && s_add_string (item, "symbol", pos->symbol)
           && s_add_string (item, "product", pos->product)
           && s_add_string (item, "side", tw_side_name (pos->side))
           && s_add_int (item, "qty", pos->qty)
           && s_add_number (item, "entry_price", pos->entry_price)
           && s_add_number (item, "sl", pos->sl) && s_add_number (item, "tp", pos->tp)
           && s_add_number (item, "trail", pos->trail)
           && s_add_string (item, "state", tw_state_name (pos->state))
           && cJSON_AddBoolToObject (item, "exit_failed", pos->exit_failed) != NULL
           && s_add_paisa (item, "ltp", view->ltp)
           && s_add_paisa (item, "unrealized_pnl", view->unrealized_pnl)
           && s_add_int (item, "ltp_age_ms", view->age_ms);
}

static bool
s_json_snapshot (cJSON *root, const tw_snapshot_t *snapshot)
{
    if (!s_add_uint (root, "epoch", snapshot->epoch) || !s_add_uint (root, "seq", snapshot->seq))
        return false;
    cJSON *positions = cJSON_AddArrayToObject (root, "positions");
    if (!positions)
        return false;
    int64_t now_ns = tw_clock_wall_ns ();
    for (size_t i = 0; i < snapshot->count; i++) {
        s_view_t view = s_view (snapshot, &snapshot->positions[i], now_ns);
        if (!s_json_position (positions, &snapshot->positions[i], &view))
            return false;
    }
    return true;
}

char *
tc_output_json (const tw_msg_t *reply)
{
    //  The journal's documents are the trades and the P&L themselves.
    if (reply->type == TW_MSG_HISTORY_REPLY)
        return s_json_history (&reply->u.history);
    if (reply->type == TW_MSG_PNL_REPLY)
        return s_json_pnl (&reply->u.pnl);
    cJSON *root = cJSON_CreateObject ();
    if (!root)
        return NULL;
    bool built = s_add_string (root, "type", tw_msg_type_name (reply->type))
                 && s_add_string (root, "req_id", reply->req_id);
    if (built) {
        switch (reply->type) {
        case TW_MSG_ACK:
            built = s_json_ack (root, &reply->u.ack);
            break;
        case TW_MSG_PONG:
            built = s_json_pong (root, &reply->u.pong);
            break;
        case TW_MSG_SNAPSHOT_REPLY:
            built = s_json_snapshot (root, &reply->u.snapshot);
            break;
        default:
            built = false;
            break;
        }
    }
    char *text = built ? cJSON_PrintUnformatted (root) : NULL;
    cJSON_Delete (root);
    return text;
}

//  Prices: two decimals, or "-" for 0 (not set) on sl, tp and trail.
static const char *
s_price (double value, char *buf, size_t buf_size)
{
    if (value == 0)
        snprintf (buf, buf_size, "-");
    else
        snprintf (buf, buf_size, "%.2f", value);
    return buf;
}

static void
s_text_pong (FILE *out, const tw_pong_t *pong)
{
    char service[TW_NAME_MAX], version[TW_NAME_MAX], name[TW_NAME_MAX];
    fprintf (out, "%s %s up %.1fs", s_clean (pong->service, service, sizeof service),
             s_clean (pong->version, version, sizeof version),
             (double) pong->uptime_ms / S_MS_PER_S);
    if (pong->trading_state != TW_TRADING_NONE)
        fprintf (out, " trading_state=%s", tw_trading_state_name (pong->trading_state));
    for (size_t i = 0; i < pong->counter_count && i < TW_MAX_COUNTERS; i++)
        fprintf (out, " %s=%" PRId64, s_clean (pong->counters[i].name, name, sizeof name),
                 pong->counters[i].value);
    fprintf (out, "\n");
}

static void
s_text_snapshot (FILE *out, const tw_snapshot_t *snapshot)
{
    fprintf (out, "%-24s %-5s %8s %10s %10s %12s %10s %10s %10s %8s %-7s %s\n", "ID", "SIDE", "QTY",
             "ENTRY", "LTP", "UNREALIZED", "LTP_AGE_MS", "SL", "TP", "TRAIL", "STATE",
             "EXIT_FAILED");
    int64_t now_ns = tw_clock_wall_ns ();
    for (size_t i = 0; i < snapshot->count; i++) {
        const tw_position_t *pos = &snapshot->positions[i];
        s_view_t view = s_view (snapshot, pos, now_ns);
        char id[TW_ID_MAX], sl[S_PRICE_TEXT_MAX], tp[S_PRICE_TEXT_MAX], trail[S_PRICE_TEXT_MAX];
        char ltp[S_PRICE_TEXT_MAX] = "-", pnl[S_PRICE_TEXT_MAX] = "-", age[S_INT_TEXT_MAX] = "-";
        if (view.marked) {
            snprintf (ltp, sizeof ltp, "%.2f", view.ltp);
            snprintf (pnl, sizeof pnl, "%.2f", s_paisa (view.unrealized_pnl));
            snprintf (age, sizeof age, "%" PRId64, view.age_ms);
        }
        fprintf (out, "%-24s %-5s %8" PRId64 " %10.2f %10s %12s %10s %10s %10s %8s %-7s %s\n",
                 s_clean (pos->id, id, sizeof id), tw_side_name (pos->side), pos->qty,
                 pos->entry_price, ltp, pnl, age, s_price (pos->sl, sl, sizeof sl),
                 s_price (pos->tp, tp, sizeof tp), s_price (pos->trail, trail, sizeof trail),
                 tw_state_name (pos->state), pos->exit_failed ? "yes" : "no");
    }
    fprintf (out, "%zu position%s (epoch=%" PRIu64 " seq=%" PRIu64 ")\n", snapshot->count,
             snapshot->count == 1 ? "" : "s", snapshot->epoch, snapshot->seq);
}

//  Wall-clock ns as "HH:MM:SS" in IST, the trading day's clock.
static const char *
s_ist_time (int64_t ns, char *buf, size_t buf_size)
{
    time_t seconds = (time_t) (ns / INT64_C (1000000000)) + 19800;
    struct tm tm;
    gmtime_r (&seconds, &tm);
    strftime (buf, buf_size, "%H:%M:%S", &tm);
    return buf;
}

static void
s_text_history (FILE *out, const tw_history_reply_t *history)
{
    fprintf (out, "%-24s %-5s %8s %10s %10s %-8s %-8s %10s %-16s %s\n", "ID", "SIDE", "QTY",
             "ENTRY", "EXIT", "OPENED", "CLOSED", "PNL", "REASON", "ATTEMPTS");
    double total = 0;
    for (size_t i = 0; i < history->count; i++) {
        const tw_trade_t *trade = &history->trades[i];
        char id[TW_ID_MAX], reason[TW_REASON_MAX], opened[16], closed[16];
        fprintf (out, "%-24s %-5s %8" PRId64 " %10.2f %10.2f %-8s %-8s %10.2f %-16s %" PRId64 "\n",
                 s_clean (trade->id, id, sizeof id), tw_side_name (trade->side), trade->qty,
                 trade->entry_price, trade->exit_price,
                 s_ist_time (trade->opened_at, opened, sizeof opened),
                 s_ist_time (trade->closed_at, closed, sizeof closed), trade->pnl,
                 s_clean (trade->reason, reason, sizeof reason), trade->attempts);
        total += trade->pnl;
    }
    fprintf (out, "%zu trade%s on %s (IST), realised %.2f\n", history->count,
             history->count == 1 ? "" : "s", history->day, total);
}

static void
s_text_pnl (FILE *out, const tw_pnl_reply_t *pnl)
{
    fprintf (out,
             "%s realised %.2f unrealised %.2f trades %" PRId64 " wins %" PRId64 " losses %" PRId64
             " largest_loss %.2f open %" PRId64 " marked %" PRId64 "\n",
             pnl->day, pnl->realized_pnl, pnl->unrealized_pnl, pnl->trades, pnl->wins, pnl->losses,
             pnl->largest_loss, pnl->open_positions, pnl->marked_positions);
}

//  "accepted open NSE:SBIN-EQ long 10 id=NSE:SBIN-EQ-INTRADAY req_id=..."
static void
s_text_ack (FILE *out, const tw_msg_t *request, const tw_ack_t *ack)
{
    char id[TW_ID_MAX], error[TW_TEXT_MAX];
    fprintf (out, "%s %s", tw_ack_status_name (ack->status), tw_msg_type_name (request->type));
    switch (request->type) {
    case TW_MSG_OPEN:
        fprintf (out, " %s %s %" PRId64, request->u.open.symbol,
                 tw_side_name (request->u.open.side), request->u.open.qty);
        if (ack->id[0])
            fprintf (out, " id=%s", s_clean (ack->id, id, sizeof id));
        break;
    case TW_MSG_CLOSE:
        fprintf (out, " %s", request->u.close.id);
        break;
    default:
        if (ack->id[0])
            fprintf (out, " id=%s", s_clean (ack->id, id, sizeof id));
        break;
    }
    fprintf (out, " req_id=%s", request->req_id);
    if (ack->error[0])
        fprintf (out, " (%s)", s_clean (ack->error, error, sizeof error));
    fprintf (out, "\n");
}

void
tc_output_text (FILE *out, const tw_msg_t *request, const tw_msg_t *reply)
{
    switch (reply->type) {
    case TW_MSG_ACK:
        s_text_ack (out, request, &reply->u.ack);
        break;
    case TW_MSG_PONG:
        s_text_pong (out, &reply->u.pong);
        break;
    case TW_MSG_SNAPSHOT_REPLY:
        s_text_snapshot (out, &reply->u.snapshot);
        break;
    case TW_MSG_HISTORY_REPLY:
        s_text_history (out, &reply->u.history);
        break;
    case TW_MSG_PNL_REPLY:
        s_text_pnl (out, &reply->u.pnl);
        break;
    default:
        fprintf (out, "%s\n", tw_msg_type_name (reply->type));
        break;
    }
}

void
tc_output_error (bool json, int exit_code, const char *format, ...)
{
    char message[S_ERROR_LINE_MAX], line[S_ERROR_LINE_MAX];
    va_list args;
    va_start (args, format);
    vsnprintf (message, sizeof message, format, args);
    va_end (args);
    s_clean (message, line, sizeof line);
    fprintf (stderr, "tradectl: %s\n", line);
    if (!json)
        return;
    cJSON *root = cJSON_CreateObject ();
    char *text = NULL;
    if (root && s_add_string (root, "type", "error") && s_add_string (root, "error", line)
        && s_add_int (root, "exit_code", exit_code))
        text = cJSON_PrintUnformatted (root);
    cJSON_Delete (root);
    //  Out of memory here leaves stdout empty; the exit code still tells.
    if (text)
        printf ("%s\n", text);
    free (text);
}
