//  fuzz_fyers - the Fyers REST reply fuzz target's body, shared with its
//  corpus replay.

#ifndef FUZZ_FYERS_H_INCLUDED
#define FUZZ_FYERS_H_INCLUDED

#include "gw_fyers.h"

#include <stddef.h>
#include <stdint.h>

//  The ops, GW_OP_EXIT .. GW_OP_MODIFY.
#define FUZZ_FYERS_OPS 8

//  The call every reply is classified for: an ORDER_BY_TAG finds an entry
//  with this tag ("1:" prefixed or not), symbol, side (buy) and quantity.
#define FUZZ_FYERS_TAG "tw7f3a9c01"
#define FUZZ_FYERS_SYMBOL "NSE:SBIN-EQ"
#define FUZZ_FYERS_QTY 10

//  Runs one input (see fuzz_fyers.c) and sets calls[op - 1] to the call of
//  each op classified with the input as its body at HTTP 200; the caller
//  destroys them.
void fuzz_fyers_run (const uint8_t *data, size_t size, gw_call_t *calls[FUZZ_FYERS_OPS]);

#endif
