//  mf_fyers_ws - the Fyers data-socket client: a libwebsockets client in its
//  own thread that connects to [fyers] data_socket_url (wss:// with the
//  certificate and host name verified against the system's CAs, or only
//  those of ca_file when set; or ws://), authenticates with hsm_key, sets the
//  mode, subscribes, acknowledges every ack_count data frames, pings, and
//  decodes the frames (mf_hsm) into quotes for its owner (docs/fyers.md §7.2).
//
//  A connection that fails, closes, is refused authentication or stays
//  silent longer than silence_ms is replaced after a backoff that doubles
//  from MF_FYERS_WS_BACKOFF_MIN_MS to MF_FYERS_WS_BACKOFF_MAX_MS (back to the
//  minimum after an authenticated session); every new connection
//  authenticates again and subscribes every topic it was given. It never
//  gives up: a live feed without prices is worse than one that keeps trying.
//  Pings (an HSM ping and a WebSocket ping) go out every
//  min(MF_FYERS_WS_PING_MS, silence_ms / 3), and any frame or pong counts as
//  life, so a quiet market does not look like a dead socket.
//
//  Owner and thread talk over a PAIR pipe, woken by lws_cancel_service:
//    owner -> thread   "TOPICS" topic... (added to the set; subscribed now
//                      when authenticated) | "$TERM"
//    thread -> owner   "QUOTE" mf_fyers_quote_t | "STATS" mf_fyers_ws_stats_t
//                      | "STOPPED"
//  Both structs travel as one frame in host order (one process).

#ifndef MF_FYERS_WS_H_INCLUDED
#define MF_FYERS_WS_H_INCLUDED

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

#include "mf_hsm.h"

#define MF_FYERS_WS_PING_MS 10000
#define MF_FYERS_WS_BACKOFF_MIN_MS 500
#define MF_FYERS_WS_BACKOFF_MAX_MS 30000

typedef struct _mf_fyers_ws_t mf_fyers_ws_t;

typedef struct {
    const char *url;     //  ws:// or wss://
    const char *ca_file; //  PEM CA bundle trusted for wss://; NULL or "": the system's
    const char *hsm_key; //  copied; never logged
    int64_t silence_ms;
    bool lite;
} mf_fyers_ws_config_t;

typedef struct {
    char topic[MF_HSM_NAME_MAX];
    double ltp, bid, ask;
    int64_t volume;
    int64_t exch_time;
} mf_fyers_quote_t;

typedef struct {
    int64_t connects;       //  connections authenticated
    int64_t reconnects;     //  connections replaced (after the first attempt)
    int64_t frames;         //  server frames received
    int64_t malformed;      //  of which refused by the decoder
    int64_t auth_refused;   //  authentications the server refused
    int64_t quotes_dropped; //  quotes lost to a full pipe: the owner is behind
    bool connected;         //  authenticated now
} mf_fyers_ws_stats_t;

//  Starts the thread, which connects at once. NULL (logged) when the URL is
//  not ws:// or wss://, ca_file cannot be read, or the context or thread
//  cannot be made. A server certificate that does not verify is a failed
//  connection like any other: logged with its reason, tried again.
mf_fyers_ws_t *mf_fyers_ws_new (const mf_fyers_ws_config_t *config);

//  Stops the thread (bounded wait) and frees everything; safe on NULL.
void mf_fyers_ws_destroy (mf_fyers_ws_t **self_p);

//  The owner's end of the pipe, to poll; read it with mf_fyers_ws_recv.
zsock_t *mf_fyers_ws_socket (mf_fyers_ws_t *self);

//  Adds topics to the subscription. Returns 0, or -1 when the pipe is full.
int mf_fyers_ws_subscribe (mf_fyers_ws_t *self, const char *const *topics, size_t count);

//  One report from the thread: 'Q' (quote set), 'S' (stats set), 'X'
//  (stopped), or 0 when malformed.
int mf_fyers_ws_recv (mf_fyers_ws_t *self, mf_fyers_quote_t *quote, mf_fyers_ws_stats_t *stats);

#endif
