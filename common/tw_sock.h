//  tw_sock - ZeroMQ sockets for each role, with the options of style rule 7 (CONTRIBUTING.md), and
//  sending and receiving tw_msg_t messages on them.
//
//  Roles: the stable side binds (gateway ROUTER and PUB, feed PUB, control
//  ROUTERs), the others connect. Command clients get LINGER 0 and
//  ZMQ_IMMEDIATE=1 so that a queued command never reaches a gateway that
//  restarts minutes later; every socket gets explicit HWMs and, on TCP, ZMTP
//  heartbeats; routers get ROUTER_MANDATORY and ZMQ_MAXMSGSIZE = TW_MAX_FRAME
//  (connecting sockets do not: libzmq would drop their connection for good
//  on one oversize message; tw_sock_recv refuses it instead).
//  Every constructor returns NULL (and logs why) when the endpoint cannot be
//  bound or connected.

#ifndef TW_SOCK_H_INCLUDED
#define TW_SOCK_H_INCLUDED

#include <czmq.h>

#include "tw_proto.h"

//  How long a send on a command client waits for a connected server.
#define TW_SOCK_CLIENT_SEND_TIMEOUT_MS 2500

//  REQ, connects. Besides LINGER 0 and ZMQ_IMMEDIATE=1 it has a send
//  timeout (TW_SOCK_CLIENT_SEND_TIMEOUT_MS): with IMMEDIATE a send waits for
//  a connected peer, and a client must not hang when no server is up.
//  Change it with zsock_set_sndtimeo.
zsock_t *tw_sock_client_new (const char *endpoint);
//  DEALER, connects, with the options of a REQ client. It speaks the REQ
//  envelope: tw_sock_send puts an empty delimiter before the body and
//  tw_sock_recv expects one, so a ROUTER serves both alike.
zsock_t *tw_sock_dealer_new (const char *endpoint);
zsock_t *tw_sock_router_new (const char *endpoint); //  ROUTER, binds
zsock_t *tw_sock_pub_new (const char *endpoint);    //  PUB, binds
//  SUB, connects, subscribed to every topic that starts with prefix ("" = all).
zsock_t *tw_sock_sub_new (const char *endpoint, const char *prefix);

//  Sends msg as one frame (REQ; on a DEALER, after an empty delimiter).
//  Blocks at most for the socket's send timeout. Returns 0, or -1 when it
//  cannot be encoded or sent (logged).
int tw_sock_send (zsock_t *sock, const tw_msg_t *msg);

//  Publishes msg as two frames, topic and map (PUB). Returns 0 or -1 (logged).
int tw_sock_publish (zsock_t *pub, const tw_msg_t *msg);

//  Receives one message. On a SUB socket expects topic + map and checks that
//  the topic matches the map; on a DEALER an empty delimiter + map; elsewhere
//  one frame. Returns 0 with msg decoded; -1 when interrupted, on the
//  socket's receive timeout, or when the frames are malformed (err says
//  which; all frames of the message are consumed either way, and msg is left
//  reset). msg must be zeroed or hold an earlier message: it is reset first.
int tw_sock_recv (zsock_t *sock, tw_msg_t *msg, char *err, size_t err_size);

//  A ROUTER request: the envelope (routing frames up to and including the
//  empty delimiter) is kept so that the reply goes back to the right peer.
typedef struct {
    zmsg_t *envelope;
} tw_request_t;

//  Receives one request on a ROUTER. Returns 0 with msg decoded, or -1 with err
//  set when the body is malformed; in both cases request->envelope is set when
//  the frames had one (reply with tw_router_reply, even to report the error).
//  Returns -1 with envelope NULL when interrupted or the frames had no
//  envelope at all.
int tw_router_recv (zsock_t *router, tw_request_t *request, tw_msg_t *msg, char *err,
                    size_t err_size);

//  Sends reply to the peer of request and consumes the envelope. Returns 0 or
//  -1 (the peer is gone: ROUTER_MANDATORY; logged at debug).
int tw_router_reply (zsock_t *router, tw_request_t *request, const tw_msg_t *reply);

//  Drops the envelope of a request that will not be answered; safe twice.
void tw_request_destroy (tw_request_t *request);

#endif
