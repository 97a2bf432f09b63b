//  tw_log - see tw_log.h.
//
//  Each line is formatted into one buffer and written with a single write(2),
//  so lines from several threads of one process do not interleave.

#include "tw_log.h"
#include "tw_clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TW_LOG_LINE_MAX 2048

static char s_service[64] = "tradewire";
static tw_log_level_t s_level = TW_LOG_INFO;

static const char *s_level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void
tw_log_init (const char *service)
{
    snprintf (s_service, sizeof s_service, "%s", service ? service : "tradewire");
}

void
tw_log_set_level (tw_log_level_t level)
{
    s_level = level;
}

tw_log_level_t
tw_log_get_level (void)
{
    return s_level;
}

int
tw_log_level_parse (const char *name)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; name && i < 4; i++)
        if (strcmp (name, names[i]) == 0)
            return i;
    return -1;
}

void
tw_log_timestamp (int64_t wall_ns, char *buf, size_t buf_size)
{
    time_t seconds = (time_t) (wall_ns / 1000000000);
    int millis = (int) ((wall_ns % 1000000000) / 1000000);
    if (wall_ns < 0) {
        seconds = 0;
        millis = 0;
    }
    struct tm tm;
    if (!gmtime_r (&seconds, &tm)) {
        snprintf (buf, buf_size, "1970-01-01T00:00:00.000Z");
        return;
    }
    snprintf (buf, buf_size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
              tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

static void s_vlog (tw_log_level_t level, const char *suffix, const char *format, va_list args)
    __attribute__ ((format (printf, 3, 0)));

static void
s_vlog (tw_log_level_t level, const char *suffix, const char *format, va_list args)
{
    if (level < s_level || level > TW_LOG_ERROR)
        return;
    char line[TW_LOG_LINE_MAX];
    char stamp[TW_LOG_STAMP_MAX];
    tw_log_timestamp (tw_clock_wall_ns (), stamp, sizeof stamp);
    int head = snprintf (line, sizeof line, "%s %s %s ", stamp, s_level_names[level], s_service);
    if (head < 0 || (size_t) head >= sizeof line)
        return;
    int body = vsnprintf (line + head, sizeof line - head, format, args);
    if (body < 0)
        return;
    size_t len = strlen (line);
    if (suffix && len < sizeof line - 1)
        len += snprintf (line + len, sizeof line - len, "%s", suffix);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    for (size_t i = (size_t) head; i < len; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[len++] = '\n';
    //  A failed write to stderr has nowhere better to be reported.
    ssize_t rc = write (STDERR_FILENO, line, len);
    (void) rc;
}

void
tw_log (tw_log_level_t level, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    s_vlog (level, NULL, format, args);
    va_end (args);
}

void
tw_log_limited (tw_log_limit_t *limit, tw_log_level_t level, const char *format, ...)
{
    limit->total++;
    int64_t now = tw_clock_mono_ms ();
    if (limit->last_ms != 0 && now - limit->last_ms < limit->interval_ms) {
        limit->suppressed++;
        return;
    }
    char suffix[64] = "";
    if (limit->suppressed > 0)
        snprintf (suffix, sizeof suffix, " suppressed=%llu",
                  (unsigned long long) limit->suppressed);
    limit->last_ms = now;
    limit->suppressed = 0;
    va_list args;
    va_start (args, format);
    s_vlog (level, suffix, format, args);
    va_end (args);
}

void
tw_log_fingerprint (const char *secret, char *buf, size_t buf_size)
{
    if (!secret || !*secret) {
        snprintf (buf, buf_size, "none");
        return;
    }
    //  FNV-1a: enough to tell two tokens apart, far too short to recover one.
    uint32_t hash = 2166136261u;
    for (const unsigned char *p = (const unsigned char *) secret; *p; p++) {
        hash ^= *p;
        hash *= 16777619u;
    }
    snprintf (buf, buf_size, "%08x", hash);
}
