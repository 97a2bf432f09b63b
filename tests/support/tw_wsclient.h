//  tw_wsclient - a minimal RFC 6455 WebSocket client and HTTP GET for
//  integration tests, over a plain TCP socket to 127.0.0.1. Every call is
//  bounded by a timeout. Text and binary frames out (masked, as a client
//  must), text frames in (reassembled), ping answered, close reported. It
//  does not check Sec-WebSocket-Accept: the server under test is ours.

#ifndef TW_WSCLIENT_H_INCLUDED
#define TW_WSCLIENT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

typedef struct _tw_wsclient_t tw_wsclient_t;

typedef struct {
    const char *path;   //  "/ws" or "/ws?token=…"
    const char *bearer; //  sent as "Authorization: Bearer <bearer>" unless NULL
    int rcvbuf;         //  SO_RCVBUF before connecting (a client that reads
                        //  nothing fills up fast), 0 = the default
    int timeout_ms;     //  for the connection and the response head
} tw_wsclient_opts_t;

//  Connects and asks for an upgrade. Returns the client with *status the
//  HTTP status of the response (101 when upgraded), or NULL with *status
//  -1 when no response came in time. A refused client is still returned
//  (its status says why); destroy it.
tw_wsclient_t *tw_wsclient_connect (int port, const tw_wsclient_opts_t *opts, int *status);

void tw_wsclient_destroy (tw_wsclient_t **self_p);

//  The response head, as received (status line and headers).
const char *tw_wsclient_head (tw_wsclient_t *self);

//  Sends one frame of len bytes: text (binary false) or binary. Returns 0 or -1.
int tw_wsclient_send (tw_wsclient_t *self, const void *data, size_t len, bool binary);

//  Receives one text message. Returns 1 with *text (NUL-terminated, the
//  caller frees), 0 when none came within timeout_ms, -1 when the
//  connection was closed (*close_code set when a close frame said why,
//  else 0) or broke.
int tw_wsclient_recv (tw_wsclient_t *self, int timeout_ms, char **text, int *close_code);

//  GET path over HTTP/1.0. Returns the status (body, NUL-terminated, cut
//  to body_size - 1 bytes, in body when not NULL), or -1.
int tw_http_get (int port, const char *path, char *body, size_t body_size, int timeout_ms);

#endif
