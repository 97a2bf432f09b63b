//  tc_output - what tradectl prints: a reply as text for people or as one
//  JSON document for scripts, and a failure as one line on stderr.
//
//  The JSON mirrors the reply with the wire's field names (docs/design.md §6, §7):
//    ack:            type, req_id, status, id, error
//    pong:           type, req_id, service, version, uptime_ms, counters{}
//    snapshot_reply: type, req_id, epoch, seq, positions[] of
//                    {id, symbol, product, side, qty, entry_price, sl, tp, trail, state,
//                     exit_failed, ltp, unrealized_pnl, ltp_age_ms}
//                    the last three from the reply's marks (the gateway's last tick of the
//                    symbol): ltp, side × (ltp − entry_price) × qty, and how old that tick is
//                    now in ms; 0, 0 and -1 when the gateway has seen no tick of it (text: "-")
//    history_reply:  (trades) a JSON array, one object per closed trade:
//                    {id, symbol, side, qty, entry_price, exit_price, opened_at, closed_at,
//                     reason, attempts, pnl}; opened_at and closed_at in ns since the epoch
//    pnl_reply:      (pnl) {day, realized_pnl, unrealized_pnl, trades, wins, losses,
//                     largest_loss, open_positions, marked_positions}
//  Prices and P&L of trades and pnl, and a position's ltp and unrealized_pnl,
//  are rounded to the paisa (2 decimals).
//  64-bit integers are written digit for digit (a JSON number through a
//  double would round an epoch). A failure in --json mode is the document
//  {"type":"error","error":TEXT,"exit_code":N}.
//
//  Text taken from a reply is printed with control characters replaced, so
//  that a line stays one line and a reply cannot drive the terminal.

#ifndef TC_OUTPUT_H_INCLUDED
#define TC_OUTPUT_H_INCLUDED

#include <stdbool.h>
#include <stdio.h>

#include "tw_proto.h"

//  Returns the reply as one line of JSON (no newline), a string the caller
//  frees with free(); NULL when out of memory or reply is of a type that
//  tradectl never receives.
char *tc_output_json (const tw_msg_t *reply);

//  Writes the reply for people to out. request is the command it answers
//  (an ack names what was accepted from it).
void tc_output_text (FILE *out, const tw_msg_t *request, const tw_msg_t *reply);

//  Reports a failure: "tradectl: <message>" as one line on stderr and, when
//  json is set, the error document on stdout.
void tc_output_error (bool json, int exit_code, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

#endif
