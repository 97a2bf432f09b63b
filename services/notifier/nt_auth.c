//  nt_auth - see nt_auth.h.

#include "nt_auth.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#define NT_AUTH_SCHEME "Bearer"

bool
nt_auth_equal (const char *token, const char *candidate, size_t candidate_len)
{
    size_t token_len = strlen (token);
    //  Every byte of the token is compared, against a byte of the candidate
    //  or against 0 past its end; the length difference is folded in last.
    //  volatile keeps the compiler from turning the loop into an early exit.
    volatile uint8_t diff = 0;
    for (size_t i = 0; i < token_len; i++) {
        uint8_t c = i < candidate_len ? (uint8_t) candidate[i] : 0;
        diff |= (uint8_t) (c ^ (uint8_t) token[i]);
    }
    diff |= (uint8_t) (token_len != candidate_len);
    return diff == 0;
}

int
nt_auth_bearer (const char *header, const char **cred, size_t *cred_len)
{
    size_t scheme_len = strlen (NT_AUTH_SCHEME);
    if (!header || strncasecmp (header, NT_AUTH_SCHEME, scheme_len) != 0
        || header[scheme_len] != ' ')
        return -1;
    const char *p = header + scheme_len;
    while (*p == ' ')
        p++;
    size_t len = strlen (p);
    while (len > 0 && p[len - 1] == ' ')
        len--;
    if (len == 0)
        return -1;
    *cred = p;
    *cred_len = len;
    return 0;
}

nt_access_t
nt_auth_decide (const char *token, bool allow_anonymous, const char *cred, size_t cred_len)
{
    if (!token || !*token)
        return allow_anonymous ? NT_ACCESS_READ : NT_ACCESS_REFUSED;
    if (!cred)
        return allow_anonymous ? NT_ACCESS_READ : NT_ACCESS_REFUSED;
    return nt_auth_equal (token, cred, cred_len) ? NT_ACCESS_FULL : NT_ACCESS_REFUSED;
}

const char *
nt_access_name (nt_access_t access)
{
    switch (access) {
    case NT_ACCESS_READ:
        return "read";
    case NT_ACCESS_FULL:
        return "full";
    default:
        return "refused";
    }
}
