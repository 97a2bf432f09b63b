//  fake_tls - the TLS side of the fakes' servers: the listener of their
//  libwebsockets servers (fake_hsm's data socket, fake_fyers' order socket)
//  that speaks TLS with a certificate and key read from PEM files, as
//  Fyers' wss:// sockets do, and the PEM text that fake_fyers' REST server
//  (libmicrohttpd, which takes it from memory) speaks https:// with. Tests
//  make the files with tests/support/tw_pki.

#ifndef FAKE_TLS_H_INCLUDED
#define FAKE_TLS_H_INCLUDED

#include <libwebsockets.h>
#include <stdbool.h>

//  Makes the listener of info (before lws_create_context) speak TLS with
//  cert_file (a PEM certificate, or a chain) and key_file (its PEM private
//  key). With plain_too a client that does not open with a TLS handshake is
//  served too, without TLS (fake_hsm's http:// routes on the same port);
//  without it such a client gets nothing. The file names must outlive
//  lws_create_context. Returns 0, or -1 with the reason on stderr (after
//  who) when a file cannot be read.
int fake_tls_server (struct lws_context_creation_info *info, const char *who, const char *cert_file,
                     const char *key_file, bool plain_too);

//  The whole text of the PEM file path, what it holds ("certificate" or
//  "key") naming it in an error. Returns it (caller frees), or NULL with
//  the reason on stderr (after who) when it cannot be read.
char *fake_tls_read_pem (const char *who, const char *what, const char *path);

#endif
