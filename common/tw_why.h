//  tw_why - the last reason a library logged, per thread, for the error
//  that follows it.
//
//  libwebsockets reports a failed TLS handshake twice: first a log line
//  with OpenSSL's reason ("SSL error: unable to get local issuer
//  certificate"), then a connection error whose own text is only "connect
//  SSL err 1: error:00000001:lib(0)::reason(1)". A client's log hook notes
//  the lines that carry a reason (tw_why_note); its connection-error
//  handler takes the last one (tw_why_take), so that its one "cannot
//  connect" line says why. Thread-local: each socket thread keeps its own.

#ifndef TW_WHY_H_INCLUDED
#define TW_WHY_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

//  Keeps the first len bytes of line (trailing newlines dropped), from
//  marker on, as this thread's last reason when it contains marker (e.g.
//  "SSL error"); anything else is ignored.
void tw_why_note (const char *line, size_t len, const char *marker);

//  Copies this thread's last reason into buf and forgets it. Returns false
//  (buf "") when there is none.
bool tw_why_take (char *buf, size_t size);

#endif
