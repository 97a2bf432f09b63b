//  nt_auth - who may use the WebSocket (docs/design.md §7, §8): the token check.
//
//  A client presents the token in an `Authorization: Bearer <token>` header
//  or as `?token=<token>` in the URL (the header wins when both are there).
//  The rules:
//
//    token configured, presented and equal      -> full (watch and close)
//    token configured, presented and different  -> refused (HTTP 401)
//    token configured, not presented            -> refused, or read-only
//                                                  when allow_anonymous
//    no token configured (allow_anonymous only) -> read-only for everyone
//
//  A read-only client gets every frame but its close requests are refused:
//  closing a position always needs the token. Tokens are compared in time
//  that depends on the configured token's length only. Pure functions.

#ifndef NT_AUTH_H_INCLUDED
#define NT_AUTH_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

typedef enum { NT_ACCESS_REFUSED = 0, NT_ACCESS_READ, NT_ACCESS_FULL } nt_access_t;

//  The longest token accepted, in bytes; a longer configured token is a
//  configuration error, a longer presented one is simply wrong.
#define NT_AUTH_TOKEN_MAX 256

//  True when candidate (candidate_len bytes) equals token. The time taken
//  depends on strlen (token) only, never on where the two differ.
bool nt_auth_equal (const char *token, const char *candidate, size_t candidate_len);

//  Finds the credential in the value of an Authorization header: "Bearer"
//  (any case), one or more spaces, the credential, optional trailing
//  spaces. Returns 0 and sets *cred and *cred_len (pointing into header),
//  or -1 when the header is not a bearer credential.
int nt_auth_bearer (const char *header, const char **cred, size_t *cred_len);

//  Applies the rules above. cred is NULL when the client presented none.
nt_access_t nt_auth_decide (const char *token, bool allow_anonymous, const char *cred,
                            size_t cred_len);

//  "refused", "read" or "full", for logs.
const char *nt_access_name (nt_access_t access);

#endif
