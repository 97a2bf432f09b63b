//  mf_fyers_token - resolves Fyers symbols to data-socket topics through
//  POST {data_base_url}/symbol-token (docs/fyers.md §7.1), in its own
//  thread, so that a slow answer never holds up the feed.
//
//  Send "RESOLVE" followed by one frame per symbol on mf_fyers_token_socket;
//  it asks in chunks of MF_FYERS_TOKEN_CHUNK and answers, per chunk, on the
//  same socket:
//
//    "TOPICS" then pairs of frames symbol, topic ("sf|nse_cm|3045")
//    "INVALID" then symbols Fyers does not know (or whose fyToken has a
//              segment with no topic)
//    "FAILED" reason, then the symbols of a request that failed (network,
//              HTTP or an unreadable answer): ask again later
//
//  The reason never contains the token. The thread is a joined pthread, not
//  a zactor (whose threads are detached): libcurl's TLS library keeps state
//  per thread, and a detached thread can still be tearing it down while the
//  process exits.

#ifndef MF_FYERS_TOKEN_H_INCLUDED
#define MF_FYERS_TOKEN_H_INCLUDED

#include <czmq.h>

#define MF_FYERS_TOKEN_CHUNK 500

typedef struct {
    char url[1024];           //  {data_base_url}/symbol-token
    char authorization[4096]; //  "Authorization: APP_ID:TOKEN"
    long timeout_ms;
} mf_fyers_token_args_t;

typedef struct _mf_fyers_token_t mf_fyers_token_t;

//  Starts the thread (args are copied). NULL when it cannot.
mf_fyers_token_t *mf_fyers_token_new (const mf_fyers_token_args_t *args);

//  Stops the thread, waiting for the request under way (at most its
//  timeout), and frees everything; safe on NULL.
void mf_fyers_token_destroy (mf_fyers_token_t **self_p);

//  The owner's end of the pipe: send RESOLVE, poll and read the answers.
zsock_t *mf_fyers_token_socket (mf_fyers_token_t *self);

#endif
