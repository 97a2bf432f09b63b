//  tw_fixture - the ground a real-process test stands on: a scratch
//  directory, an environment whose endpoints are free loopback ports picked
//  at run time (so that two copies of the suite can run at once), and the
//  services it starts there, by name, each with its log file.
//
//  The fixture owns the directory, the environment and every process it
//  started: tw_fixture_destroy stops what still runs (SIGTERM, bounded,
//  then SIGKILL) and removes the directory (unless kept). Nothing here
//  asserts: a call that fails returns -1 (or NULL), and where a service's
//  log can say why, prints its last lines on stderr first, so that a Check
//  test can simply ck_assert the result. Every wait is bounded.

#ifndef TW_FIXTURE_H_INCLUDED
#define TW_FIXTURE_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "tw_proto.h"

typedef struct _tw_fixture_t tw_fixture_t;

//  The bound tw_fixture_destroy gives a service to exit after SIGTERM
//  (docs/design.md §5 asks for 2 s).
#define TW_FIXTURE_STOP_MS 3000

//  Makes the scratch directory /tmp/tw-<label>-XXXXXX with an empty
//  environment. Returns NULL when it cannot be made.
tw_fixture_t *tw_fixture_new (const char *label);

//  Stops every service still running, removes the directory (unless
//  tw_fixture_keep) and nulls *self_p; safe on NULL.
void tw_fixture_destroy (tw_fixture_t **self_p);

//  Leaves the directory (and the logs in it) in place at destroy.
void tw_fixture_keep (tw_fixture_t *self);

//  The scratch directory.
const char *tw_fixture_dir (tw_fixture_t *self);

//  Sets KEY=value in the environment, replacing an earlier value of key
//  (printf-style value). Every service started afterwards gets it. More
//  than 48 keys abort the test: a bound of the fixture, not a failure of
//  the service.
void tw_fixture_set (tw_fixture_t *self, const char *key, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

//  Picks a free port on 127.0.0.1 (not one this fixture picked before),
//  sets key to "tcp://127.0.0.1:<port>" and returns that endpoint (owned
//  by the fixture). NULL when no port could be found.
const char *tw_fixture_endpoint (tw_fixture_t *self, const char *key);

//  The same for a plain listen address: key = "127.0.0.1:<port>". Returns
//  the port, or -1.
int tw_fixture_listen (tw_fixture_t *self, const char *key);

//  The environment as "KEY=VALUE" strings, NULL-terminated: valid until the
//  next tw_fixture_set or tw_fixture_endpoint.
const char *const *tw_fixture_env (tw_fixture_t *self);

//  Starts binary as service name (its argv[0]) in the directory, with the
//  environment plus extra ("KEY=VALUE", NULL-terminated, may be NULL; it
//  wins over the environment), its output appended to <dir>/<name>.log.
//  A name may be started again once stopped (the log goes on). Returns 0,
//  or -1 when binary is NULL, name already runs, or it cannot be started.
int tw_fixture_start (tw_fixture_t *self, const char *name, const char *binary,
                      const char *const *extra);

//  Stops service name: sends sig (0: none, only wait for its exit), waits
//  up to timeout_ms, then SIGKILLs. Returns as tw_proc_stop: the exit
//  status, 128 + signal, or -1 when it had to be killed (or was not
//  running). Prints the log's tail when it was killed, or when a SIGTERM
//  did not end in exit 0.
int tw_fixture_stop (tw_fixture_t *self, const char *name, int sig, int timeout_ms);

//  True while service name runs.
bool tw_fixture_running (tw_fixture_t *self, const char *name);

//  The process id of service name while it runs; -1 otherwise.
int tw_fixture_pid (tw_fixture_t *self, const char *name);

//  The log file of service name (whether or not it ever ran): owned by the
//  fixture.
const char *tw_fixture_log (tw_fixture_t *self, const char *name);

//  Waits until service name answers a request of type (TW_MSG_PING or
//  TW_MSG_STATUS) on endpoint with a pong whose counter equals value (any
//  pong when counter is NULL). Gives up at once when the service exits.
//  Returns 0, or -1 after timeout_ms (the log's tail printed).
int tw_fixture_wait_pong (tw_fixture_t *self, const char *name, const char *endpoint,
                          tw_msg_type_t type, const char *counter, int64_t value, int timeout_ms);

//  Prints the tail of every service's log on stderr.
void tw_fixture_print_logs (tw_fixture_t *self);

#endif
