//  tw_log - one line per event on stderr (docs/design.md §8.5):
//  `2026-12-01T07:34:03.123Z LEVEL service message key=value…`, the time
//  first, in UTC with milliseconds (ISO-8601). Call tw_log_init once per process with the service
//  name. Never log a secret: log tw_log_fingerprint() of it at most.

#ifndef TW_LOG_H_INCLUDED
#define TW_LOG_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

typedef enum { TW_LOG_DEBUG = 0, TW_LOG_INFO, TW_LOG_WARN, TW_LOG_ERROR } tw_log_level_t;

//  Sets the service name printed on every line (copied; "tradewire" until set).
void tw_log_init (const char *service);

//  Lines below level are dropped. The default is TW_LOG_INFO.
void tw_log_set_level (tw_log_level_t level);
tw_log_level_t tw_log_get_level (void);

//  Parses "debug", "info", "warn" or "error"; returns -1 for anything else.
int tw_log_level_parse (const char *name);

//  Writes one line: `TIMESTAMP LEVEL service <formatted>`. A newline in the formatted
//  text is written as a space so that one event stays one line.
void tw_log (tw_log_level_t level, const char *format, ...) __attribute__ ((format (printf, 2, 3)));

#define tw_debug(...) tw_log (TW_LOG_DEBUG, __VA_ARGS__)
#define tw_info(...) tw_log (TW_LOG_INFO, __VA_ARGS__)
#define tw_warn(...) tw_log (TW_LOG_WARN, __VA_ARGS__)
#define tw_error(...) tw_log (TW_LOG_ERROR, __VA_ARGS__)

//  The length of a timestamp, "2026-12-01T07:34:03.123Z", with its NUL.
#define TW_LOG_STAMP_MAX 32

//  Writes wall_ns (ns since the Unix epoch) as the log's timestamp: UTC,
//  ISO-8601, milliseconds, a trailing Z (24 characters).
void tw_log_timestamp (int64_t wall_ns, char *buf, size_t buf_size);

//  A rate limit for one kind of noisy line (malformed messages, say): at most
//  one line per interval_ms; the line says how many were suppressed since the
//  last one. Zero-initialise it with the interval set.
typedef struct {
    int64_t interval_ms;
    int64_t last_ms;
    uint64_t suppressed;
    uint64_t total; //  every call, logged or not
} tw_log_limit_t;

void tw_log_limited (tw_log_limit_t *limit, tw_log_level_t level, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

//  Writes an 8-hex-digit fingerprint of secret into buf (size >= 9), so that
//  a log can tell two tokens apart without showing either. "none" when the
//  secret is NULL or empty.
void tw_log_fingerprint (const char *secret, char *buf, size_t buf_size);

#endif
