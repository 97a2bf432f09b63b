//  mf_fyers_token - resolves Fyers symbols to data-socket topics through
//  POST {data_base_url}/symbol-token (docs/fyers.md §7.1), in its own thread
//  (a CZMQ actor), so that a slow answer never holds up the feed.
//
//  Send it "RESOLVE" followed by one frame per symbol; it asks in chunks of
//  MF_FYERS_TOKEN_CHUNK and answers, per chunk, on the same pipe:
//
//    "TOPICS" then pairs of frames symbol, topic ("sf|nse_cm|3045")
//    "INVALID" then symbols Fyers does not know (or whose fyToken has a
//              segment with no topic)
//    "FAILED" reason, then the symbols of a request that failed (network,
//              HTTP or an unreadable answer): ask again later
//
//  The reason never contains the token.

#ifndef MF_FYERS_TOKEN_H_INCLUDED
#define MF_FYERS_TOKEN_H_INCLUDED

#include <czmq.h>

#define MF_FYERS_TOKEN_CHUNK 500

typedef struct {
    char url[1024];           //  {data_base_url}/symbol-token
    char authorization[4096]; //  "Authorization: APP_ID:TOKEN"
    long timeout_ms;
} mf_fyers_token_args_t;

//  The actor body, for zactor_new (mf_fyers_token_actor, args). args is
//  copied before the actor signals; the caller may free it afterwards.
void mf_fyers_token_actor (zsock_t *pipe, void *args);

#endif
