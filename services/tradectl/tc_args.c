//  tc_args - see tc_args.h.
//
//  One pass collects the options (each at most once) and the positional
//  words; a second step checks them against the command. Every option is in
//  one table that says which commands it belongs to, so the checks and the
//  usage text cannot drift apart silently.

#include "tc_args.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

//  The command word and at most one argument (SYMBOL, ID or SERVICE).
#define S_MAX_WORDS 2

#define S_BIT(command) (1u << (command))
#define S_GLOBAL 0u

typedef enum {
    S_OPT_CONFIG = 0,
    S_OPT_JSON,
    S_OPT_HELP,
    S_OPT_VERSION,
    S_OPT_SIDE,
    S_OPT_QTY,
    S_OPT_SL,
    S_OPT_TP,
    S_OPT_TRAIL,
    S_OPT_PRODUCT,
    S_OPT_REASON,
    S_OPT_DAY,
    S_OPT_COUNT
} s_opt_t;

typedef struct {
    const char *name;       //  "--qty"
    const char *short_name; //  "-c", or NULL
    bool has_value;
    unsigned commands; //  S_BIT of each command it belongs to; S_GLOBAL for all
} s_option_t;

static const s_option_t s_options[S_OPT_COUNT] = {
    [S_OPT_CONFIG] = {"--config", "-c", true, S_GLOBAL},
    [S_OPT_JSON] = {"--json", NULL, false, S_GLOBAL},
    [S_OPT_HELP] = {"--help", "-h", false, S_GLOBAL},
    [S_OPT_VERSION] = {"--version", "-V", false, S_GLOBAL},
    [S_OPT_SIDE] = {"--side", NULL, true, S_BIT (TC_CMD_OPEN)},
    [S_OPT_QTY] = {"--qty", NULL, true, S_BIT (TC_CMD_OPEN)},
    [S_OPT_SL] = {"--sl", NULL, true, S_BIT (TC_CMD_OPEN)},
    [S_OPT_TP] = {"--tp", NULL, true, S_BIT (TC_CMD_OPEN)},
    [S_OPT_TRAIL] = {"--trail", NULL, true, S_BIT (TC_CMD_OPEN)},
    [S_OPT_PRODUCT] = {"--product", NULL, true, S_BIT (TC_CMD_OPEN)},
    [S_OPT_REASON] = {"--reason", NULL, true, S_BIT (TC_CMD_CLOSE)},
    [S_OPT_DAY] = {"--day", NULL, true, S_BIT (TC_CMD_TRADES) | S_BIT (TC_CMD_PNL)},
};

static const char *s_command_names[TC_CMD_COUNT] = {
    [TC_CMD_NONE] = "",         [TC_CMD_STATUS] = "status", [TC_CMD_POSITIONS] = "positions",
    [TC_CMD_OPEN] = "open",     [TC_CMD_CLOSE] = "close",   [TC_CMD_FLATTEN] = "flatten",
    [TC_CMD_PING] = "ping",     [TC_CMD_TRADES] = "trades", [TC_CMD_PNL] = "pnl",
    [TC_CMD_RESUME] = "resume",
};

//  The services `ping` knows, and their endpoint keys in [endpoints]
//  (docs/design.md §8).
typedef struct {
    const char *service;
    const char *endpoint_key;
} s_service_t;

#define S_GATEWAY_KEY "gateway_rep"

//  The gateway answers to its process name too ("order-gateway"), as every
//  other service does.
static const s_service_t s_services[] = {
    {"gateway", S_GATEWAY_KEY},          {"order-gateway", S_GATEWAY_KEY},
    {"market-feed", "feed_control"},     {"risk-monitor", "risk_control"},
    {"signal-engine", "signal_control"}, {"notifier", "notifier_control"},
};

#define S_COUNT(a) (sizeof (a) / sizeof ((a)[0]))

const char *
tc_command_name (tc_command_t command)
{
    return command > TC_CMD_NONE && command < TC_CMD_COUNT ? s_command_names[command] : "";
}

static tc_command_t
s_command_parse (const char *word)
{
    for (int i = TC_CMD_NONE + 1; i < TC_CMD_COUNT; i++)
        if (strcmp (s_command_names[i], word) == 0)
            return (tc_command_t) i;
    return TC_CMD_NONE;
}

//  Finds the option named by arg (its part before any '='). Returns its
//  index, or S_OPT_COUNT when there is none.
static s_opt_t
s_option_find (const char *arg, size_t name_len)
{
    for (int i = 0; i < S_OPT_COUNT; i++) {
        const s_option_t *option = &s_options[i];
        if (strlen (option->name) == name_len && strncmp (option->name, arg, name_len) == 0)
            return (s_opt_t) i;
        if (option->short_name && strlen (option->short_name) == name_len
            && strncmp (option->short_name, arg, name_len) == 0)
            return (s_opt_t) i;
    }
    return S_OPT_COUNT;
}

//  True when arg is an option word: it starts with '-' and is not "-" alone.
static bool
s_is_option (const char *arg)
{
    return arg[0] == '-' && arg[1] != '\0';
}

//  A quantity: decimal digits only, > 0, fits int64.
static int
s_parse_qty (const char *text, int64_t *qty, char *err, size_t err_size)
{
    char *end = NULL;
    errno = 0;
    long long value = isdigit ((unsigned char) text[0]) ? strtoll (text, &end, 10) : 0;
    if (!end || *end != '\0' || errno == ERANGE || value <= 0) {
        snprintf (err, err_size, "--qty must be a positive integer, not '%s'", text);
        return -1;
    }
    *qty = value;
    return 0;
}

//  A price in rupees: a finite decimal number >= 0 (0 = none).
static int
s_parse_price (const char *option, const char *text, double *price, char *err, size_t err_size)
{
    char *end = NULL;
    errno = 0;
    bool starts_well = isdigit ((unsigned char) text[0]) || text[0] == '.';
    double value = starts_well ? strtod (text, &end) : -1.0;
    if (!end || *end != '\0' || errno == ERANGE || !isfinite (value) || value < 0) {
        snprintf (err, err_size, "%s must be a price >= 0 in rupees, not '%s'", option, text);
        return -1;
    }
    *price = value;
    return 0;
}

//  Copies a word that names something on the wire (symbol, position id,
//  product): non-empty, printable, no spaces, and short enough for buf.
static int
s_copy_word (const char *what, const char *text, char *buf, size_t buf_size, char *err,
             size_t err_size)
{
    size_t len = strlen (text);
    if (len == 0) {
        snprintf (err, err_size, "%s must not be empty", what);
        return -1;
    }
    if (len >= buf_size) {
        snprintf (err, err_size, "%s is too long (at most %zu characters)", what, buf_size - 1);
        return -1;
    }
    for (size_t i = 0; i < len; i++)
        if (!isgraph ((unsigned char) text[i])) {
            snprintf (err, err_size, "%s must not contain spaces or control characters", what);
            return -1;
        }
    memcpy (buf, text, len + 1);
    return 0;
}

//  Checks the options of an open and fills args.
static int
s_parse_open (const char *const *values, tc_args_t *args, char *err, size_t err_size)
{
    if (!values[S_OPT_SIDE]) {
        snprintf (err, err_size, "open needs --side long|short");
        return -1;
    }
    args->side = tw_side_parse (values[S_OPT_SIDE]);
    if (args->side == TW_SIDE_NONE) {
        snprintf (err, err_size, "--side must be long or short, not '%s'", values[S_OPT_SIDE]);
        return -1;
    }
    if (!values[S_OPT_QTY]) {
        snprintf (err, err_size, "open needs --qty N");
        return -1;
    }
    if (s_parse_qty (values[S_OPT_QTY], &args->qty, err, err_size) != 0)
        return -1;
    const struct {
        s_opt_t opt;
        double *price;
    } prices[] = {{S_OPT_SL, &args->sl}, {S_OPT_TP, &args->tp}, {S_OPT_TRAIL, &args->trail}};
    for (size_t i = 0; i < S_COUNT (prices); i++) {
        const char *text = values[prices[i].opt];
        if (text
            && s_parse_price (s_options[prices[i].opt].name, text, prices[i].price, err, err_size)
                   != 0)
            return -1;
    }
    const char *product = values[S_OPT_PRODUCT] ? values[S_OPT_PRODUCT] : TC_DEFAULT_PRODUCT;
    return s_copy_word ("--product", product, args->product, sizeof args->product, err, err_size);
}

static int
s_parse_close (const char *const *values, tc_args_t *args, char *err, size_t err_size)
{
    const char *reason = values[S_OPT_REASON] ? values[S_OPT_REASON] : TC_DEFAULT_CLOSE_REASON;
    if (!tw_reason_valid (reason)) {
        snprintf (err, err_size,
                  "unknown exit reason '%s' (one of: %s, %s, %s, %s, %s, %s, %s, %s)", reason,
                  TW_REASON_SL_HIT, TW_REASON_TP_HIT, TW_REASON_TRAILING_SL_HIT,
                  TW_REASON_MODEL_CLOSE, TW_REASON_MANUAL_CLOSE, TW_REASON_KILL_SWITCH,
                  TW_REASON_EOD_SQUARE_OFF, TW_REASON_CLOSED_AT_BROKER);
        return -1;
    }
    snprintf (args->reason, sizeof args->reason, "%s", reason);
    return 0;
}

//  A day: "YYYY-MM-DD" (the gateway checks that it is a calendar day).
static int
s_parse_day (const char *text, tc_args_t *args, char *err, size_t err_size)
{
    bool shaped = strlen (text) == TW_DAY_MAX - 1;
    for (size_t i = 0; shaped && i < TW_DAY_MAX - 1; i++)
        shaped = i == 4 || i == 7 ? text[i] == '-' : isdigit ((unsigned char) text[i]) != 0;
    if (!shaped) {
        snprintf (err, err_size, "--day must be YYYY-MM-DD, not '%s'", text);
        return -1;
    }
    memcpy (args->day, text, TW_DAY_MAX);
    return 0;
}

static int
s_parse_ping (const char *service, tc_args_t *args, char *err, size_t err_size)
{
    for (size_t i = 0; i < S_COUNT (s_services); i++)
        if (strcmp (s_services[i].service, service) == 0) {
            args->service = s_services[i].service;
            args->endpoint_key = s_services[i].endpoint_key;
            return 0;
        }
    snprintf (err, err_size,
              "unknown service '%s' (one of: gateway or order-gateway, market-feed, risk-monitor, "
              "signal-engine, notifier)",
              service);
    return -1;
}

//  Checks the words and command options against the command, and fills args.
static int
s_parse_command (const char *const *words, int word_count, const char *const *values,
                 tc_args_t *args, char *err, size_t err_size)
{
    if (word_count == 0) {
        snprintf (err, err_size, "no command given");
        return -1;
    }
    args->command = s_command_parse (words[0]);
    if (args->command == TC_CMD_NONE) {
        snprintf (err, err_size, "unknown command '%s'", words[0]);
        return -1;
    }
    const char *name = s_command_names[args->command];
    for (int i = 0; i < S_OPT_COUNT; i++)
        if (values[i] && s_options[i].commands != S_GLOBAL
            && !(s_options[i].commands & S_BIT (args->command))) {
            snprintf (err, err_size, "option %s does not apply to '%s'", s_options[i].name, name);
            return -1;
        }

    static const char *argument_names[TC_CMD_COUNT] = {
        [TC_CMD_OPEN] = "SYMBOL", [TC_CMD_CLOSE] = "ID", [TC_CMD_PING] = "SERVICE"};
    const char *argument = argument_names[args->command];
    int expected = argument ? 2 : 1;
    if (word_count < expected) {
        snprintf (err, err_size, "%s needs a %s", name, argument);
        return -1;
    }
    if (word_count > expected) {
        snprintf (err, err_size, "unexpected argument '%s' after '%s'", words[expected], name);
        return -1;
    }

    args->endpoint_key = S_GATEWAY_KEY;
    switch (args->command) {
    case TC_CMD_OPEN:
        if (s_copy_word ("SYMBOL", words[1], args->symbol, sizeof args->symbol, err, err_size) != 0)
            return -1;
        return s_parse_open (values, args, err, err_size);
    case TC_CMD_CLOSE:
        if (s_copy_word ("ID", words[1], args->id, sizeof args->id, err, err_size) != 0)
            return -1;
        return s_parse_close (values, args, err, err_size);
    case TC_CMD_FLATTEN:
        snprintf (args->reason, sizeof args->reason, "%s", TC_FLATTEN_REASON);
        return 0;
    case TC_CMD_PING:
        return s_parse_ping (words[1], args, err, err_size);
    case TC_CMD_TRADES:
    case TC_CMD_PNL:
        return values[S_OPT_DAY] ? s_parse_day (values[S_OPT_DAY], args, err, err_size) : 0;
    default:
        return 0;
    }
}

int
tc_args_parse (int argc, char **argv, tc_args_t *args, char *err, size_t err_size)
{
    assert (args && err);
    memset (args, 0, sizeof *args);
    const char *values[S_OPT_COUNT] = {NULL};
    const char *words[S_MAX_WORDS + 1] = {NULL};
    int word_count = 0;
    bool options_done = false;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (options_done || !s_is_option (arg)) {
            //  One word past the maximum is kept so the error can name it.
            if (word_count <= S_MAX_WORDS)
                words[word_count++] = arg;
            continue;
        }
        if (strcmp (arg, "--") == 0) {
            options_done = true;
            continue;
        }
        const char *equals = strncmp (arg, "--", 2) == 0 ? strchr (arg, '=') : NULL;
        size_t name_len = equals ? (size_t) (equals - arg) : strlen (arg);
        s_opt_t opt = s_option_find (arg, name_len);
        if (opt == S_OPT_COUNT) {
            snprintf (err, err_size, "unknown option '%.*s'", (int) name_len, arg);
            return -1;
        }
        const s_option_t *option = &s_options[opt];
        const char *value = "";
        if (option->has_value) {
            if (equals)
                value = equals + 1;
            else if (i + 1 < argc)
                value = argv[++i];
            else {
                snprintf (err, err_size, "option %s needs a value", option->name);
                return -1;
            }
        }
        else if (equals) {
            snprintf (err, err_size, "option %s takes no value", option->name);
            return -1;
        }
        if (values[opt]) {
            snprintf (err, err_size, "option %s given twice", option->name);
            return -1;
        }
        values[opt] = value;
    }

    args->json = values[S_OPT_JSON] != NULL;
    if (values[S_OPT_HELP]) {
        args->mode = TC_HELP;
        return 0;
    }
    if (values[S_OPT_VERSION]) {
        args->mode = TC_VERSION;
        return 0;
    }
    if (values[S_OPT_CONFIG]) {
        if (!*values[S_OPT_CONFIG]) {
            snprintf (err, err_size, "option --config needs a file name");
            return -1;
        }
        args->config_path = values[S_OPT_CONFIG];
    }
    return s_parse_command (words, word_count, values, args, err, err_size);
}

bool
tc_args_wants_json (int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv[i], "--") == 0)
            return false;
        if (strcmp (argv[i], "--json") == 0)
            return true;
    }
    return false;
}

void
tc_args_usage (FILE *out)
{
    fprintf (out,
             "usage: tradectl [-c FILE] [--json] COMMAND [ARGUMENTS]\n"
             "\n"
             "The operator's command line for the tradewire order gateway.\n"
             "\n"
             "Commands:\n"
             "  status              the gateway's version, uptime and counters\n"
             "  positions           the gateway's positions, each with the last price the\n"
             "                      gateway saw (LTP), its unrealised P&L and its age\n"
             "  open SYMBOL --side long|short --qty N [--sl P] [--tp P] [--trail P] [--product P]\n"
             "                      open a position at market; prices in rupees (0 = none),\n"
             "                      --trail is the trailing-stop distance, --product defaults\n"
             "                      to " TC_DEFAULT_PRODUCT "\n"
             "  close ID [--reason TEXT]\n"
             "                      close a position (make it flat); TEXT is one of \"SL Hit\",\n"
             "                      \"TP Hit\", \"Trailing SL Hit\", \"Model Close\", \"Manual "
             "Close\",\n"
             "                      \"Kill Switch\", \"EOD Square-off\", \"Closed at Broker\";\n"
             "                      default \"" TC_DEFAULT_CLOSE_REASON "\"\n"
             "  flatten             close every position (reason \"" TC_FLATTEN_REASON "\")\n"
             "                      and halt the gateway: opens are refused until resume\n"
             "  resume              let the gateway take opens again after a flatten\n"
             "  ping SERVICE        health check of gateway (or order-gateway), market-feed,\n"
             "                      risk-monitor, signal-engine or notifier\n"
             "  trades [--day YYYY-MM-DD]\n"
             "                      the positions closed that trading day (IST; default today);\n"
             "                      --json prints them as one JSON array\n"
             "  pnl [--day YYYY-MM-DD]\n"
             "                      the day's realised and unrealised P&L, trades, wins, losses\n"
             "  login [--url | URL | CODE]\n"
             "                      the daily Fyers login (tradectl login --help)\n"
             "\n"
             "Options (anywhere on the line):\n"
             "  -c, --config FILE   configuration file (INI); default deploy/config/tradewire.ini\n"
             "                      when it exists, else the built-in defaults\n"
             "      --json          print exactly one JSON document on stdout\n"
             "  -h, --help          print this help and exit\n"
             "  -V, --version       print the version and exit\n"
             "\n"
             "Any configuration key can be overridden by the environment as TW_<SECTION>_<KEY>,\n"
             "e.g. TW_ENDPOINTS_GATEWAY_REP, TW_CLIENT_TIMEOUT_MS, TW_CLIENT_ATTEMPTS.\n"
             "A command is retried with the same req_id on timeout ([client] timeout_ms,\n"
             "attempts); open, close, flatten and resume expire at the gateway %d s after they\n"
             "are sent.\n"
             "\n"
             "Exit codes:\n"
             "  0  success (an accepted or a duplicate command: close means \"make it flat\")\n"
             "  1  internal error (out of memory, stdout not writable)\n"
             "  2  usage or configuration error\n"
             "  3  the service is unreachable, did not reply in time, or replied unusably\n"
             "  4  the command was rejected by the gateway\n"
             "  5  ping: the service answers but reports healthy=0 (it lost its feed or the\n"
             "     gateway's events)\n",
             TC_COMMAND_TTL_MS / TC_MS_PER_S);
}
