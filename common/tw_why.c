//  tw_why - see tw_why.h.

#include "tw_why.h"

#include <stdio.h>
#include <string.h>

#define TW_WHY_MAX 256

static _Thread_local char s_why[TW_WHY_MAX];

void
tw_why_note (const char *line, size_t len, const char *marker)
{
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    const char *at = marker ? strstr (line, marker) : NULL;
    if (!at || (size_t) (at - line) >= len)
        return;
    snprintf (s_why, sizeof s_why, "%.*s", (int) (len - (size_t) (at - line)), at);
}

bool
tw_why_take (char *buf, size_t size)
{
    bool any = s_why[0] != 0;
    snprintf (buf, size, "%s", s_why);
    s_why[0] = 0;
    return any;
}
