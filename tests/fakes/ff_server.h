//  ff_server - the fake Fyers HTTP server: a libmicrohttpd daemon with one
//  thread per connection, so a scripted hang stalls only its own connection.
//
//  Serves the Fyers routes of ff_api under /api/v3 (after consulting the
//  script queue) and the unauthenticated control interface under /_fake/,
//  over http://, or over https:// only (MHD's TLS, GnuTLS on Debian) when
//  given a certificate and key,
//  and runs the order socket (ff_ws), which every change of the book feeds.
//  One mutex guards the book, the script and the request log; no lock is held
//  while a request hangs.

#ifndef FF_SERVER_H_INCLUDED
#define FF_SERVER_H_INCLUDED

#include <stdbool.h>

typedef struct {
    const char *app_id;
    const char *token;
    const char *app_secret;  //  the login's appIdHash; NULL: FF_APP_SECRET_DEFAULT
    const char *bind;        //  a 127.x.x.x address
    int port;                //  0 lets the kernel pick a free port
    int ws_port;             //  the order socket's (ff_ws.h); 0 as for port
    const char *ws_tls_cert; //  with ws_tls_key: the order socket on wss://,
    const char *ws_tls_key;  //  PEM files read by ff_server_new; NULL: ws://
    const char *tls_cert;    //  with tls_key: REST and /_fake/ on https://,
    const char *tls_key;     //  PEM files read by ff_server_new; NULL: http://
    bool quiet;              //  no line per request on stderr
} ff_server_config_t;

typedef struct _ff_server_t ff_server_t;

//  Starts serving. Returns NULL (and says why on stderr) when the address is
//  not loopback, a TLS file cannot be read or the daemon cannot start.
//  Strings in config are copied.
ff_server_t *ff_server_new (const ff_server_config_t *config);

//  The ports actually bound: REST, and the order socket.
int ff_server_port (ff_server_t *self);
int ff_server_ws_port (ff_server_t *self);

//  Wakes hanging requests, stops the daemon (joining its threads) and frees
//  everything. Nulls the caller's pointer.
void ff_server_destroy (ff_server_t **self_p);

#endif
