//  tw_proc - real processes for integration tests (after libuv's test
//  runner): start a binary with extra environment in a directory, its stderr
//  in a log file, and stop it with a bounded wait.

#ifndef TW_PROC_H_INCLUDED
#define TW_PROC_H_INCLUDED

#include <stdbool.h>
#include <sys/types.h>

typedef struct _tw_proc_t tw_proc_t;

//  Starts path with argv (argv[0] included, NULL-terminated) and the current
//  environment plus env ("KEY=VALUE" strings, NULL-terminated; may be NULL),
//  in directory cwd, with stdout and stderr appended to log_path. Returns
//  NULL when fork fails.
tw_proc_t *tw_proc_start (const char *path, const char *const *argv, const char *const *env,
                          const char *cwd, const char *log_path);

//  Sends sig and waits up to timeout_ms, then SIGKILLs. Returns the exit
//  status (0-255), 128 + signal when killed by a signal, -1 when it had to
//  be SIGKILLed after the wait. Frees the handle and nulls *self_p.
int tw_proc_stop (tw_proc_t **self_p, int sig, int timeout_ms);

pid_t tw_proc_pid (tw_proc_t *self);

//  A TCP port on 127.0.0.1 that was free a moment ago.
int tw_free_port (void);

//  True when the file contains needle.
bool tw_file_contains (const char *path, const char *needle);

//  Polls until the file contains needle, at most timeout_ms.
bool tw_file_wait_contains (const char *path, const char *needle, int timeout_ms);

#endif
