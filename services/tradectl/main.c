//  tradectl - the operator's command line (docs/design.md §8, contract).
//
//  Parses the command line, loads the configuration like every service,
//  sends one command with Lazy Pirate retries (the same req_id on every
//  attempt), prints the reply and maps it to an exit code (tc_args.h):
//  accepted and duplicate are success; rejected is 4; no reply is 3; a bad
//  command line or configuration is 2. A failure is one line on stderr.

#include "tc_args.h"
#include "tc_login.h"
#include "tc_output.h"

#include "tw_client.h"
#include "tw_clock.h"
#include "tw_config.h"
#include "tw_control.h"
#include "tw_log.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

//  Room for a one-line reason from the parser, the configuration or the client.
#define S_ERR_MAX 512

//  What each command sends, and the reply it expects. Any command may also
//  be answered by a rejected ack.
typedef struct {
    tw_msg_type_t request;
    tw_msg_type_t reply;
} s_exchange_t;

static const s_exchange_t s_exchanges[TC_CMD_COUNT] = {
    [TC_CMD_STATUS] = {TW_MSG_STATUS, TW_MSG_PONG},
    [TC_CMD_POSITIONS] = {TW_MSG_SNAPSHOT, TW_MSG_SNAPSHOT_REPLY},
    [TC_CMD_OPEN] = {TW_MSG_OPEN, TW_MSG_ACK},
    [TC_CMD_CLOSE] = {TW_MSG_CLOSE, TW_MSG_ACK},
    [TC_CMD_FLATTEN] = {TW_MSG_FLATTEN, TW_MSG_ACK},
    [TC_CMD_PING] = {TW_MSG_PING, TW_MSG_PONG},
    [TC_CMD_TRADES] = {TW_MSG_HISTORY, TW_MSG_HISTORY_REPLY},
    [TC_CMD_PNL] = {TW_MSG_PNL, TW_MSG_PNL_REPLY},
    [TC_CMD_RESUME] = {TW_MSG_RESUME, TW_MSG_ACK},
};

//  trades asks for pages of at most this many, and for at most this many
//  pages: a day of 100,000 trades is printed whole.
#define S_TRADES_PAGE TW_MAX_TRADES
#define S_TRADES_PAGES_MAX 100

//  Builds the request of a parsed command. Commands that act (open, close,
//  flatten, resume) expire TC_COMMAND_TTL_MS after now, so that a retry which
//  arrives late can never act late; the client adds the req_id.
static void
s_build_request (const tc_args_t *args, tw_msg_t *request)
{
    tw_msg_init (request, s_exchanges[args->command].request);
    int64_t expires_at = tw_clock_wall_ns () + (int64_t) TC_COMMAND_TTL_MS * TW_NS_PER_MS;
    switch (args->command) {
    case TC_CMD_OPEN: {
        tw_open_t *open = &request->u.open;
        memcpy (open->symbol, args->symbol, sizeof open->symbol);
        open->side = args->side;
        open->qty = args->qty;
        open->sl = args->sl;
        open->tp = args->tp;
        open->trail = args->trail;
        memcpy (open->product, args->product, sizeof open->product);
        request->expires_at = expires_at;
        break;
    }
    case TC_CMD_CLOSE:
        memcpy (request->u.close.id, args->id, sizeof request->u.close.id);
        memcpy (request->u.close.reason, args->reason, sizeof request->u.close.reason);
        request->expires_at = expires_at;
        break;
    case TC_CMD_FLATTEN:
        memcpy (request->u.flatten.reason, args->reason, sizeof request->u.flatten.reason);
        request->expires_at = expires_at;
        break;
    case TC_CMD_RESUME:
        snprintf (request->u.resume.reason, sizeof request->u.resume.reason, "tradectl");
        request->expires_at = expires_at;
        break;
    case TC_CMD_TRADES:
        request->u.journal.limit = S_TRADES_PAGE;
        memcpy (request->u.journal.day, args->day, sizeof request->u.journal.day);
        break;
    case TC_CMD_PNL:
        memcpy (request->u.journal.day, args->day, sizeof request->u.journal.day);
        break;
    case TC_CMD_POSITIONS:
        request->u.snapshot.with_marks = true; //  ltp, unrealized_pnl, ltp_age_ms
        break;
    default:
        break;
    }
}

//  Every level is below this one, so tw_log drops every line. A CLI's stderr
//  carries its one-line outcome only; the library's own lines (a failed
//  send, a retry) would make a failure two lines.
#define S_LOG_QUIET ((tw_log_level_t) (TW_LOG_ERROR + 1))

//  [log] level = debug (TW_LOG_LEVEL=debug) shows the library's lines, the
//  retries among them; any other level keeps stderr to the outcome line.
static void
s_set_log_level (tw_config_t *config)
{
    int level = tw_log_level_parse (tw_config_str (config, "log", "level"));
    tw_log_set_level (level == TW_LOG_DEBUG ? TW_LOG_DEBUG : S_LOG_QUIET);
}

//  Prints the reply (the JSON document, or text) and returns the exit code.
static int
s_report (const tc_args_t *args, const tw_msg_t *request, const tw_msg_t *reply)
{
    tw_msg_type_t expected = s_exchanges[args->command].reply;
    bool rejected = reply->type == TW_MSG_ACK && reply->u.ack.status == TW_ACK_REJECTED;
    bool known_ack =
        reply->type == TW_MSG_ACK
        && (reply->u.ack.status == TW_ACK_ACCEPTED || reply->u.ack.status == TW_ACK_DUPLICATE);
    if (!rejected && (reply->type != expected || (expected == TW_MSG_ACK && !known_ack))) {
        tc_output_error (args->json, TC_EXIT_NO_REPLY, "unexpected reply '%s' to '%s'",
                         tw_msg_type_name (reply->type), tw_msg_type_name (request->type));
        return TC_EXIT_NO_REPLY;
    }
    if (args->json) {
        char *text = tc_output_json (reply);
        if (!text) {
            tc_output_error (true, TC_EXIT_INTERNAL, "out of memory");
            return TC_EXIT_INTERNAL;
        }
        printf ("%s\n", text);
        free (text);
    }
    else if (!rejected)
        tc_output_text (stdout, request, reply);
    if (fflush (stdout) != 0) {
        tc_output_error (false, TC_EXIT_INTERNAL, "cannot write to stdout");
        return TC_EXIT_INTERNAL;
    }
    if (rejected) {
        //  In --json mode the reply above is the document; this is only the line.
        tc_output_error (false, TC_EXIT_REJECTED, "rejected: %s",
                         reply->u.ack.error[0] ? reply->u.ack.error : "(no reason given)");
        return TC_EXIT_REJECTED;
    }
    if (reply->type == TW_MSG_PONG && !tw_control_is_healthy (&reply->u.pong)) {
        tc_output_error (false, TC_EXIT_UNHEALTHY,
                         "unhealthy: %s answers but has lost what it follows (healthy=0)",
                         args->service ? args->service : "the service");
        return TC_EXIT_UNHEALTHY;
    }
    return TC_EXIT_OK;
}

//  trades: asks for the pages after the first (in reply) and appends their
//  trades to it, until the day's total is reached or a page is empty. A
//  reply that is not a page ends it with that reply in *reply instead.
//  Returns 0, or -1 with a reason in err when a page got no reply.
static int
s_more_trades (const tc_args_t *args, tw_client_t *client, tw_msg_t *reply, char *err,
               size_t err_size)
{
    for (int page = 1; page < S_TRADES_PAGES_MAX; page++) {
        tw_history_reply_t *history = &reply->u.history;
        if (history->count == 0 || (int64_t) history->count >= history->total)
            return 0;
        tw_msg_t request, next;
        s_build_request (args, &request);
        request.u.journal.offset = (int64_t) history->count;
        memset (&next, 0, sizeof next);
        if (tw_client_request (client, &request, &next, err, err_size) != 0)
            return -1;
        if (next.type != TW_MSG_HISTORY_REPLY) {
            tw_msg_reset (reply);
            *reply = next;
            return 0;
        }
        size_t count = history->count + next.u.history.count;
        tw_trade_t *trades =
            (tw_trade_t *) realloc (history->trades, (count ? count : 1) * sizeof (tw_trade_t));
        assert (trades);
        if (next.u.history.count)
            memcpy (trades + history->count, next.u.history.trades,
                    next.u.history.count * sizeof (tw_trade_t));
        history->trades = trades;
        history->total = next.u.history.total;
        bool empty = next.u.history.count == 0;
        history->count = count;
        tw_msg_reset (&next);
        if (empty)
            return 0;
    }
    return 0;
}

//  Sends the command to its endpoint and reports the outcome.
static int
s_run (const tc_args_t *args, tw_config_t *config)
{
    const char *endpoint = tw_config_str (config, "endpoints", args->endpoint_key);
    if (!*endpoint) {
        tc_output_error (args->json, TC_EXIT_USAGE, "[endpoints] %s is empty", args->endpoint_key);
        return TC_EXIT_USAGE;
    }
    //  The configuration bounds both keys well inside int.
    int timeout_ms = (int) tw_config_int (config, "client", "timeout_ms");
    int attempts = (int) tw_config_int (config, "client", "attempts");
    tw_client_t *client = tw_client_new (endpoint, timeout_ms, attempts);
    //  A malformed endpoint is the usual cause, so it counts as a
    //  configuration error.
    if (!client) {
        tc_output_error (args->json, TC_EXIT_USAGE, "cannot connect to '%s' ([endpoints] %s)",
                         endpoint, args->endpoint_key);
        return TC_EXIT_USAGE;
    }
    tw_msg_t request, reply;
    s_build_request (args, &request);
    memset (&reply, 0, sizeof reply);
    char err[S_ERR_MAX] = "";
    int code = TC_EXIT_NO_REPLY;
    int rc = tw_client_request (client, &request, &reply, err, sizeof err);
    if (rc == 0 && args->command == TC_CMD_TRADES && reply.type == TW_MSG_HISTORY_REPLY)
        rc = s_more_trades (args, client, &reply, err, sizeof err);
    if (rc == 0)
        code = s_report (args, &request, &reply);
    else
        tc_output_error (args->json, code, "%s", err);
    tw_msg_reset (&reply);
    tw_client_destroy (&client);
    return code;
}

int
main (int argc, char **argv)
{
    tw_log_init ("tradectl");
    //  Until the configuration says otherwise: its warnings (an unknown
    //  TW_ variable in the environment) are worth a line.
    tw_log_set_level (TW_LOG_WARN);
    char err[S_ERR_MAX] = "";
    //  login parses its own line (tc_login.h): it talks to Fyers, not the gateway.
    if (tc_login_wanted (argc, argv))
        return tc_login_main (argc, argv);
    tc_args_t args;
    if (tc_args_parse (argc, argv, &args, err, sizeof err) != 0) {
        tc_output_error (tc_args_wants_json (argc, argv), TC_EXIT_USAGE, "%s (see tradectl --help)",
                         err);
        return TC_EXIT_USAGE;
    }
    if (args.mode != TC_RUN) {
        if (args.mode == TC_HELP)
            tc_args_usage (stdout);
        else
            printf ("tradectl %s\n", TW_VERSION);
        return fflush (stdout) == 0 ? TC_EXIT_OK : TC_EXIT_INTERNAL;
    }
    tw_config_t *config = tw_config_load (args.config_path, err, sizeof err);
    if (!config) {
        tc_output_error (args.json, TC_EXIT_USAGE, "%s", err);
        return TC_EXIT_USAGE;
    }
    s_set_log_level (config);
    int code = s_run (&args, config);
    //  The token is on this machine (the usual deployment): read locally,
    //  whether the gateway answered or not.
    if (args.command == TC_CMD_STATUS && !args.json)
        tc_login_token_status (config, stdout);
    tw_config_destroy (&config);
    return code;
}
