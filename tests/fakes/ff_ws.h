//  ff_ws - the fake's order/trade/position WebSocket (docs/fyers.md §7.3): a
//  libwebsockets server in its own thread, on its own port.
//
//  A client connects to ws://<bind>:<port>/trade/v3 (wss:// when the socket
//  was given a certificate: TLS only, as Fyers' socket) with the upgrade header
//  "authorization: <APP_ID>:<TOKEN>" (anything else: HTTP 401; another path:
//  404), subscribes with {"T":"SUB_ORD","SLIST":[...],"SUB_T":1} (ack
//  {"code":1605,"message":"Successfully subscribed","s":"ok"}), and from then
//  on receives every message pushed for the topics it named ("orders",
//  "trades", "positions"; the others are accepted and never pushed). The
//  text "ping" is answered "pong". Tests can drop every connection, make the
//  socket silent (no pushes, no pongs; what is pushed meanwhile is lost, as
//  on a dead link) and refuse the next connections (HTTP 503).
//
//  ff_ws_push and the scripting calls may come from any thread.

#ifndef FF_WS_H_INCLUDED
#define FF_WS_H_INCLUDED

#include <cjson/cJSON.h>
#include <stdbool.h>

#define FF_WS_PATH "/trade/v3"

typedef struct _ff_ws_t ff_ws_t;

//  Starts listening on bind (a 127.x.x.x address) and port (0: the kernel
//  picks) and starts the thread. auth is the exact header value expected.
//  With tls_cert and tls_key (PEM files; both or neither) the socket speaks
//  TLS only (wss://). Returns NULL (and says why on stderr) on failure.
ff_ws_t *ff_ws_new (const char *bind, int port, const char *auth, const char *tls_cert,
                    const char *tls_key, bool quiet);

//  Stops the thread, closes every connection, frees everything; nulls the
//  caller's pointer.
void ff_ws_destroy (ff_ws_t **self_p);

int ff_ws_port (ff_ws_t *self);

//  Pushes message (a {"<topic>":{...},"s":"ok"} object, which this call
//  takes) to every client subscribed to topic, unless the socket is silent.
void ff_ws_push (ff_ws_t *self, const char *topic, cJSON *message);

//  Scripting: drop every connection now (no close frame); stop or resume
//  pushing and answering pings; refuse the next count upgrades.
void ff_ws_drop_all (ff_ws_t *self);
void ff_ws_set_silent (ff_ws_t *self, bool silent);
void ff_ws_refuse (ff_ws_t *self, int count);

//  Adds the socket's state to reply: ws_port, ws_path, ws_tls (true for
//  wss://), ws_clients (open
//  connections), ws_subscribed (those that subscribed to something),
//  ws_connections (accepted since start), ws_refused, ws_sent (messages
//  written), ws_silent, ws_refuse_next.
void ff_ws_info (ff_ws_t *self, cJSON *reply);

#endif
