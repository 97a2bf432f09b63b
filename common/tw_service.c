//  tw_service - see tw_service.h.
//
//  main() is a thin shell (CONTRIBUTING.md, style rule 5): flags, configuration, the actor, and a
//  wait for SIGTERM or SIGINT. The signal handler is CZMQ's, which only sets
//  zsys_interrupted; the wait polls the actor's pipe at a short interval so
//  that it notices the flag even when the signal went to another thread.
//
//  zactor_new swallows the status of the actor's first signal, so a failed
//  start is seen another way: an actor that cannot start signals non-zero
//  and returns, and CZMQ's thread shim then signals the pipe once more. Any
//  signal on the pipe therefore means "the actor has ended"; unless we are
//  stopping because of SIGTERM/SIGINT, that is a failure (exit 1), or a
//  configuration error (exit 2) when the actor called
//  tw_service_config_error first.

#include "tw_service.h"
#include "tw_clock.h"
#include "tw_log.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef TW_VERSION
#error "TW_VERSION is defined by meson.build"
#endif

//  How often the wait loop looks at zsys_interrupted.
#define TW_SERVICE_POLL_MS 100
//  How long the actor has to stop after $TERM (docs/design.md §5: exit within 2 s,
//  with room left for closing the sockets).
#define TW_SERVICE_STOP_MS 1500

//  A configuration error: a path and a reason.
#define TW_SERVICE_ERR_MAX 1024

#define TW_SERVICE_EXIT_OK 0
#define TW_SERVICE_EXIT_FAILURE 1
#define TW_SERVICE_EXIT_USAGE 2

struct _tw_service_t {
    char *name;
    tw_config_t *config; //  not owned
    int64_t started_ms;
};

//  Set by the actor's thread, read by main's (atomics): the process exits 2.
static int s_config_error;

tw_service_t *
tw_service_new (const char *name, tw_config_t *config)
{
    assert (name && config);
    tw_service_t *self = (tw_service_t *) calloc (1, sizeof *self);
    if (self)
        self->name = strdup (name);
    if (!self || !self->name) {
        tw_error ("service out of memory");
        tw_service_destroy (&self);
        return NULL;
    }
    self->config = config;
    self->started_ms = tw_clock_mono_ms ();
    return self;
}

void
tw_service_destroy (tw_service_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->name);
    free (*self_p);
    *self_p = NULL;
}

tw_config_t *
tw_service_config (tw_service_t *self)
{
    assert (self);
    return self->config;
}

const char *
tw_service_name (tw_service_t *self)
{
    assert (self);
    return self->name;
}

int64_t
tw_service_started_ms (tw_service_t *self)
{
    assert (self);
    return self->started_ms;
}

void
tw_service_config_error (void)
{
    __atomic_store_n (&s_config_error, 1, __ATOMIC_RELEASE);
}

bool
tw_service_is_config_error (void)
{
    return __atomic_load_n (&s_config_error, __ATOMIC_ACQUIRE) != 0;
}

static void
s_usage (const tw_service_def_t *def)
{
    printf ("Usage: %s [-c FILE]\n"
            "%s\n"
            "\n"
            "  -c FILE        configuration file (INI); without it %s\n"
            "                 is read when it exists, else the built-in defaults\n"
            "  -h, --help     show this help and exit\n"
            "  -V, --version  show the version and exit\n"
            "\n"
            "Any key can be set in the environment as TW_<SECTION>_<KEY>, which wins\n"
            "over the file. SIGTERM or SIGINT stops the service.\n",
            def->name, def->summary ? def->summary : "", TW_CONFIG_DEFAULT_PATH);
}

//  Parses the flags. Returns -1 to go on with *path set (NULL when no -c),
//  or the exit code when there is nothing more to do.
static int
s_parse_flags (const tw_service_def_t *def, int argc, char **argv, const char **path)
{
    *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp (arg, "-h") == 0 || strcmp (arg, "--help") == 0) {
            s_usage (def);
            return TW_SERVICE_EXIT_OK;
        }
        if (strcmp (arg, "-V") == 0 || strcmp (arg, "--version") == 0) {
            printf ("%s %s\n", def->name, TW_VERSION);
            return TW_SERVICE_EXIT_OK;
        }
        if (strcmp (arg, "-c") == 0) {
            if (i + 1 >= argc) {
                tw_error ("option -c needs a FILE (try --help)");
                return TW_SERVICE_EXIT_USAGE;
            }
            *path = argv[++i];
            continue;
        }
        tw_error ("unknown option '%s' (try --help)", arg);
        return TW_SERVICE_EXIT_USAGE;
    }
    return -1;
}

//  Waits until SIGTERM/SIGINT or until the actor ends or reports a fatal
//  error. Returns the exit code and sets *ended when the actor has ended.
static int
s_wait (zactor_t *actor, bool *ended)
{
    *ended = false;
    zpoller_t *poller = zpoller_new (actor, NULL);
    if (!poller) {
        tw_error ("service cannot poll the actor");
        return TW_SERVICE_EXIT_FAILURE;
    }
    int rc = TW_SERVICE_EXIT_OK;
    while (!zsys_interrupted) {
        if (zpoller_wait (poller, TW_SERVICE_POLL_MS) != actor)
            continue;
        zmsg_t *msg = zmsg_recv (actor);
        if (!msg)
            continue;
        if (zmsg_signal (msg) >= 0) {
            *ended = true;
            //  An actor may end by itself on SIGTERM/SIGINT (a zloop does).
            if (tw_service_is_config_error ())
                rc = TW_SERVICE_EXIT_USAGE; //  the actor said why, in one line
            else if (!zsys_interrupted) {
                tw_error ("service actor ended without being asked to (see above)");
                rc = TW_SERVICE_EXIT_FAILURE;
            }
            zmsg_destroy (&msg);
            break;
        }
        char *command = zmsg_popstr (msg);
        bool fatal = command && strcmp (command, "FATAL") == 0;
        if (!fatal)
            tw_warn ("service ignoring a message from the actor: %s", command ? command : "");
        zstr_free (&command);
        zmsg_destroy (&msg);
        if (fatal) {
            tw_error ("service stopping after a fatal error (see above)");
            rc = TW_SERVICE_EXIT_FAILURE;
            break;
        }
    }
    zpoller_destroy (&poller);
    return rc;
}

int
tw_service_main (const tw_service_def_t *def, int argc, char **argv)
{
    assert (def && def->name && def->actor);
    tw_log_init (def->name);
    const char *path = NULL;
    int rc = s_parse_flags (def, argc, argv, &path);
    if (rc >= 0)
        return rc;

    char err[TW_SERVICE_ERR_MAX];
    tw_config_t *config = tw_config_load (path, err, sizeof err);
    if (!config) {
        tw_error ("%s", err);
        return TW_SERVICE_EXIT_USAGE;
    }
    //  The table only admits the names tw_log_level_parse knows.
    tw_log_set_level ((tw_log_level_t) tw_log_level_parse (tw_config_str (config, "log", "level")));
    tw_config_log (config);

    tw_service_t *service = tw_service_new (def->name, config);
    if (!service) {
        tw_config_destroy (&config);
        return TW_SERVICE_EXIT_FAILURE;
    }
    //  CZMQ's handler for SIGTERM and SIGINT sets zsys_interrupted.
    zsys_init ();
    zsys_catch_interrupts ();
    zactor_t *actor = zactor_new (def->actor, service);
    if (!actor) {
        tw_error ("service cannot start its actor");
        tw_service_destroy (&service);
        tw_config_destroy (&config);
        return TW_SERVICE_EXIT_FAILURE;
    }
    //  An actor that failed on its configuration has said why in one line;
    //  the start and stop lines would only bury it.
    bool quiet = tw_service_is_config_error ();
    if (!quiet)
        tw_info ("started version=%s", TW_VERSION);

    bool ended = false;
    rc = s_wait (actor, &ended);
    quiet = quiet || rc == TW_SERVICE_EXIT_USAGE;
    if (!quiet)
        tw_info ("stopping");
    //  zactor_destroy sends $TERM and waits for the actor's last signal;
    //  the receive timeout bounds that wait. An actor that has already ended
    //  has nothing more to send.
    int64_t stop_start = tw_clock_mono_ms ();
    zsock_set_rcvtimeo (zactor_sock (actor), ended ? 0 : TW_SERVICE_STOP_MS);
    zactor_destroy (&actor);
    if (!ended && tw_clock_mono_ms () - stop_start >= TW_SERVICE_STOP_MS) {
        //  The actor thread may still use the service and the configuration:
        //  leave them be, the process is about to end.
        tw_error ("service actor did not stop within %d ms", TW_SERVICE_STOP_MS);
        return TW_SERVICE_EXIT_FAILURE;
    }
    tw_service_destroy (&service);
    tw_config_destroy (&config);
    if (!quiet)
        tw_info ("stopped");
    return rc;
}

int
tw_service_on_pipe (zloop_t *loop, zsock_t *pipe, void *arg)
{
    (void) loop;
    (void) arg;
    char *command = zstr_recv (pipe);
    bool term = !command || streq (command, "$TERM");
    zstr_free (&command);
    return term ? -1 : 0;
}
