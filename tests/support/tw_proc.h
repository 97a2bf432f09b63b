//  tw_proc - real processes for integration tests (after libuv's test
//  runner): start a binary with extra environment in a directory, its output
//  in a log file, and stop it with a bounded wait; or run one to completion
//  with its output captured.
//
//  A child's environment is the caller's without its TW_ variables (so that
//  a developer's own settings never reach a test), plus the env given. The
//  environment and the arguments are made before fork: the caller may have
//  threads (ZeroMQ's), so the child only calls async-signal-safe functions
//  before exec. A started child is killed when the thread that started it
//  dies (PR_SET_PDEATHSIG), so that a test that fails half-way leaves no
//  process holding its ports.

#ifndef TW_PROC_H_INCLUDED
#define TW_PROC_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct _tw_proc_t tw_proc_t;

//  Starts path with argv (argv[0] included, NULL-terminated) and env
//  ("KEY=VALUE" strings, NULL-terminated; may be NULL; see above), in
//  directory cwd, with stdout and stderr appended to log_path. Returns NULL
//  when the log cannot be opened or fork fails.
tw_proc_t *tw_proc_start (const char *path, const char *const *argv, const char *const *env,
                          const char *cwd, const char *log_path);

//  Sends sig (0: none, only wait) and waits up to timeout_ms, then SIGKILLs.
//  Returns the exit status (0-255), 128 + signal when killed by a signal, -1
//  when it had to be SIGKILLed after the wait. Frees the handle and nulls
//  *self_p.
int tw_proc_stop (tw_proc_t **self_p, int sig, int timeout_ms);

//  True while the process has not exited (it is left to tw_proc_stop to
//  collect).
bool tw_proc_running (tw_proc_t *self);

//  The process id (for /proc/PID, as a benchmark reads it).
pid_t tw_proc_pid (tw_proc_t *self);

#define TW_PROC_OUTPUT_MAX 65536

//  What tw_proc_run saw: stdout and stderr, each NUL-terminated and cut to
//  TW_PROC_OUTPUT_MAX - 1 bytes.
typedef struct {
    int exit_code; //  -1 when it did not exit normally
    char out[TW_PROC_OUTPUT_MAX];
    char err[TW_PROC_OUTPUT_MAX];
    int64_t took_ms;
} tw_proc_output_t;

//  Runs path with argv and env (as tw_proc_start; cwd may be NULL) to
//  completion, capturing its stdout and stderr in *output. Returns 0, or -1
//  when it could not be started or did not finish within timeout_ms (it is
//  then SIGKILLed).
int tw_proc_run (const char *path, const char *const *argv, const char *const *env, const char *cwd,
                 int timeout_ms, tw_proc_output_t *output);

//  A TCP port on 127.0.0.1 that was free a moment ago.
int tw_free_port (void);

//  True when the file contains needle.
bool tw_file_contains (const char *path, const char *needle);

//  True when one line of the file at path holds both first and second.
bool tw_file_line_has (const char *path, const char *first, const char *second);

//  Polls until the file contains needle, at most timeout_ms.
bool tw_file_wait_contains (const char *path, const char *needle, int timeout_ms);

//  Prints the last lines of the file on stderr, under a line that names it
//  (nothing when it cannot be read).
void tw_file_print_tail (const char *path, int lines);

#endif
