//  tc_args - the command line of tradectl (docs/design.md §8, contract).
//
//  tradectl [-c FILE] [--json] status | positions
//           | open SYMBOL --side long|short --qty N [--sl P] [--tp P] [--trail P] [--product P]
//           | close ID [--reason TEXT] | flatten | resume | ping SERVICE
//           | trades [--day YYYY-MM-DD] | pnl [--day YYYY-MM-DD]
//
//  Parsing is strict: an unknown option or command, a missing value, an
//  option given twice or given to a command it does not belong to, a
//  quantity that is not a positive integer, a negative or non-numeric price,
//  an exit reason that is not one of docs/design.md §4, and a missing or extra
//  argument are all usage errors with a one-line reason. Global options
//  (-c, --json, --help, --version) may appear anywhere; `--opt=value` works
//  like `--opt value`; `--` ends the options.

#ifndef TC_ARGS_H_INCLUDED
#define TC_ARGS_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tw_proto.h"

//  Process exit codes (documented in the usage text).
#define TC_EXIT_OK 0
#define TC_EXIT_INTERNAL 1  //  out of memory, stdout not writable
#define TC_EXIT_USAGE 2     //  bad command line or configuration
#define TC_EXIT_NO_REPLY 3  //  the service is unreachable, silent, or its reply unusable
#define TC_EXIT_REJECTED 4  //  the gateway rejected the command
#define TC_EXIT_UNHEALTHY 5 //  ping: the service answered but reports healthy=0

typedef enum {
    TC_CMD_NONE = 0,
    TC_CMD_STATUS,
    TC_CMD_POSITIONS,
    TC_CMD_OPEN,
    TC_CMD_CLOSE,
    TC_CMD_FLATTEN,
    TC_CMD_PING,
    TC_CMD_TRADES,
    TC_CMD_PNL,
    TC_CMD_RESUME,
    TC_CMD_COUNT
} tc_command_t;

typedef enum {
    TC_RUN = 0, //  send the command
    TC_HELP,    //  print the usage and exit 0
    TC_VERSION  //  print the version and exit 0
} tc_mode_t;

//  The parsed command line: a plain value record. Strings are copies;
//  config_path points into argv.
typedef struct {
    tc_mode_t mode;
    const char *config_path; //  -c FILE; NULL for the default
    bool json;
    tc_command_t command;
    //  open
    char symbol[TW_SYMBOL_MAX];
    tw_side_t side;
    int64_t qty;
    double sl, tp, trail; //  0 = none
    char product[TW_PRODUCT_MAX];
    //  close
    char id[TW_ID_MAX];
    char reason[TW_REASON_MAX];
    //  trades, pnl: the IST trading day, "" for today
    char day[TW_DAY_MAX];
    //  ping: the service and its endpoint key in [endpoints]; the gateway's
    //  key for every other command.
    const char *service;
    const char *endpoint_key;
} tc_args_t;

//  The defaults the contract names.
#define TC_DEFAULT_PRODUCT "INTRADAY"
#define TC_DEFAULT_CLOSE_REASON TW_REASON_MANUAL_CLOSE
#define TC_FLATTEN_REASON TW_REASON_KILL_SWITCH

//  How long the gateway may act on an open, close or flatten after it was
//  sent (expires_at = now + this): a stale command must never fire later.
#define TC_COMMAND_TTL_MS 10000
#define TC_MS_PER_S 1000

//  Parses argv into args. Returns 0, or -1 with a one-line reason in err
//  (args is then partly filled and must not be used).
int tc_args_parse (int argc, char **argv, tc_args_t *args, char *err, size_t err_size);

//  True when --json appears among the options of argv, so that even a usage
//  error can be reported as a JSON document.
bool tc_args_wants_json (int argc, char **argv);

//  Writes the usage text, exit codes included, to out.
void tc_args_usage (FILE *out);

//  The command's name as typed ("status"); "" for TC_CMD_NONE.
const char *tc_command_name (tc_command_t command);

#endif
