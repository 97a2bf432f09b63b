//  tw_service - the skeleton every service's main() is (CONTRIBUTING.md, style rule 5: a thin
//  main).
//
//  tw_service_main parses the flags (-c FILE, -h/--help, -V/--version),
//  loads the configuration (errors: one line, exit 2), logs it with secrets
//  masked, starts the service actor, waits for SIGTERM or SIGINT (or for the
//  actor to report a fatal error), then stops the actor and returns 0.
//
//  The actor is started with a tw_service_t * as args. It must signal its
//  pipe once: 0 when it is up (sockets bound), non-zero when it could not
//  start (it logs why and returns). It runs until it receives "$TERM". If it
//  sends the string "FATAL" on its pipe later, main stops and returns 1.
//
//  A start that fails on the configuration (a required secret missing, say)
//  calls tw_service_config_error, from any module of the actor, before the
//  actor signals non-zero: main then returns 2 and adds no line of its own,
//  so the one error line that names the variable is the whole story
//  (docs/design.md §8.1).

#ifndef TW_SERVICE_H_INCLUDED
#define TW_SERVICE_H_INCLUDED

#include <czmq.h>

#include "tw_config.h"

typedef struct {
    const char *name;    //  "order-gateway": log prefix and pong service name
    const char *summary; //  one line for --help
    zactor_fn *actor;
} tw_service_def_t;

typedef struct _tw_service_t tw_service_t;

//  Runs the service; returns the process exit code (0, 1 or 2).
int tw_service_main (const tw_service_def_t *def, int argc, char **argv);

//  For the actor: the configuration, the service name, and when it started.
tw_config_t *tw_service_config (tw_service_t *self);
const char *tw_service_name (tw_service_t *self);
int64_t tw_service_started_ms (tw_service_t *self);

//  For the actor (or any module it builds), before it signals a failed
//  start: the failure is a configuration error (exit 2, not 1). Process-wide,
//  like the exit code it decides; safe from any thread.
void tw_service_config_error (void);

//  True once tw_service_config_error was called in this process.
bool tw_service_is_config_error (void);

//  A zloop reader for the actor's pipe: ends the loop (returns -1) on
//  "$TERM" or when interrupted, ignores anything else. arg is unused.
int tw_service_on_pipe (zloop_t *loop, zsock_t *pipe, void *arg);

//  For in-process tests: a service context around a configuration (owned by
//  the caller) without flags or signals; destroy it after the actor.
tw_service_t *tw_service_new (const char *name, tw_config_t *config);
void tw_service_destroy (tw_service_t **self_p);

#endif
