//  mf_fyers - market-feed's fyers source: real prices from the Fyers data
//  socket (docs/fyers.md §7). It lives in the feed actor's thread and loop.
//
//  The symbols are [feed] symbols plus every symbol given to mf_fyers_want
//  (the actor passes the gateway's open positions). Each is resolved to a
//  topic by mf_fyers_token (its own thread; a failed request is asked again
//  after MF_FYERS_RETRY_MS; an unknown symbol is one warning and no prices)
//  and subscribed on mf_fyers_ws (the socket thread). Every quote becomes a
//  tw_tick_t for the callback.
//
//  FYERS_APP_ID comes from the environment; the access token through
//  tw_token (FYERS_ACCESS_TOKEN, else [fyers] token_file; hsm_key is read
//  from it). The token file is looked at every MF_FYERS_TOKEN_CHECK_MS: a
//  new token (the daily `tradectl login`) restarts both threads with it,
//  keeping the topics already known. Neither secret is ever logged.

#ifndef MF_FYERS_H_INCLUDED
#define MF_FYERS_H_INCLUDED

#include <czmq.h>

#include "tw_config.h"
#include "tw_proto.h"

#define MF_FYERS_RETRY_MS 5000
#define MF_FYERS_TOKEN_CHECK_MS 5000
#define MF_FYERS_ENV_APP_ID "FYERS_APP_ID"
#define MF_FYERS_ENV_TOKEN "FYERS_ACCESS_TOKEN"

typedef struct _mf_fyers_t mf_fyers_t;

typedef void (mf_fyers_tick_fn) (const tw_tick_t *tick, void *arg);

//  Reads [fyers] and [feed] symbols from config and the secrets from the
//  environment, starts both threads and registers their pipes and a timer
//  on loop. Returns NULL after logging one error line when it cannot start.
//  Destroy the loop before the source.
mf_fyers_t *mf_fyers_new (tw_config_t *config, zloop_t *loop, mf_fyers_tick_fn *fn, void *arg);

void mf_fyers_destroy (mf_fyers_t **self_p);

//  Adds symbol to the feed (nothing when it is there already).
void mf_fyers_want (mf_fyers_t *self, const char *symbol);

//  Symbols known, whatever their state.
size_t mf_fyers_symbol_count (mf_fyers_t *self);

//  Adds the source's counters to a pong: connected (0/1), reconnects,
//  frames, frames_malformed, auth_refused, quotes_dropped (quotes the data
//  socket's thread could not hand over: the feed fell behind), symbols_unknown and
//  oldest_tick_age_ms (the longest time any subscribed symbol has gone
//  without a tick, counted from its subscription; 0 when none is).
void mf_fyers_counters (mf_fyers_t *self, tw_pong_t *pong);

#endif
