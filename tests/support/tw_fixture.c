//  tw_fixture - see tw_fixture.h.

//  nftw.
#define _GNU_SOURCE

#include "tw_fixture.h"

#include <czmq.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_client.h"
#include "tw_clock.h"
#include "tw_cmd.h"
#include "tw_proc.h"

#define TW_FIXTURE_ENV_MAX 48
#define TW_FIXTURE_SERVICES_MAX 16
#define TW_FIXTURE_PORTS_MAX 32
#define TW_FIXTURE_NAME_MAX 64
#define TW_FIXTURE_PATH_MAX 160
#define TW_FIXTURE_TAIL_LINES 20
#define TW_FIXTURE_NFTW_FDS 16
//  One ready poll: a short patience and one attempt, so that a service
//  still starting costs little, and the pacing between polls.
#define TW_FIXTURE_POLL_TIMEOUT_MS 500
#define TW_FIXTURE_POLL_PACING_MS 20
//  Tries at a port not picked before.
#define TW_FIXTURE_PORT_TRIES 20

typedef struct {
    char name[TW_FIXTURE_NAME_MAX];
    char log[TW_FIXTURE_PATH_MAX];
    tw_proc_t *proc; //  NULL once stopped (or before it started)
} s_service_t;

struct _tw_fixture_t {
    char dir[64];
    bool keep;
    char *env[TW_FIXTURE_ENV_MAX + 1]; //  NULL-terminated, each owned
    int env_count;
    char *endpoints[TW_FIXTURE_PORTS_MAX]; //  owned, handed out
    int ports[TW_FIXTURE_PORTS_MAX];
    int port_count;
    s_service_t services[TW_FIXTURE_SERVICES_MAX];
    int service_count;
};

tw_fixture_t *
tw_fixture_new (const char *label)
{
    tw_fixture_t *self = (tw_fixture_t *) calloc (1, sizeof (tw_fixture_t));
    if (!self)
        return NULL;
    snprintf (self->dir, sizeof self->dir, "/tmp/tw-%.32s-XXXXXX", label);
    if (!mkdtemp (self->dir)) {
        fprintf (stderr, "tw_fixture: mkdtemp %s: %s\n", self->dir, strerror (errno));
        free (self);
        return NULL;
    }
    return self;
}

static int
s_remove (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void) sb;
    (void) flag;
    (void) ftw;
    return remove (path);
}

void
tw_fixture_destroy (tw_fixture_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    tw_fixture_t *self = *self_p;
    for (int i = 0; i < self->service_count; i++)
        if (self->services[i].proc)
            tw_fixture_stop (self, self->services[i].name, SIGTERM, TW_FIXTURE_STOP_MS);
    if (self->keep)
        fprintf (stderr, "tw_fixture: kept %s\n", self->dir);
    else if (nftw (self->dir, s_remove, TW_FIXTURE_NFTW_FDS, FTW_DEPTH | FTW_PHYS) != 0)
        fprintf (stderr, "tw_fixture: cannot remove %s: %s\n", self->dir, strerror (errno));
    for (int i = 0; i < self->env_count; i++)
        free (self->env[i]);
    for (int i = 0; i < self->port_count; i++)
        free (self->endpoints[i]);
    free (self);
    *self_p = NULL;
}

void
tw_fixture_keep (tw_fixture_t *self)
{
    self->keep = true;
}

const char *
tw_fixture_dir (tw_fixture_t *self)
{
    return self->dir;
}

//  The index of key in the environment, or -1.
static int
s_env_find (tw_fixture_t *self, const char *key)
{
    size_t len = strlen (key);
    for (int i = 0; i < self->env_count; i++)
        if (strncmp (self->env[i], key, len) == 0 && self->env[i][len] == '=')
            return i;
    return -1;
}

void
tw_fixture_set (tw_fixture_t *self, const char *key, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    char value[512];
    vsnprintf (value, sizeof value, format, args);
    va_end (args);
    int at = s_env_find (self, key);
    if (at < 0 && self->env_count >= TW_FIXTURE_ENV_MAX) {
        fprintf (stderr, "tw_fixture: more than %d settings\n", TW_FIXTURE_ENV_MAX);
        abort (); //  a test that needs more: raise the bound
    }
    char *entry = (char *) malloc (strlen (key) + strlen (value) + 2);
    if (!entry)
        abort ();
    sprintf (entry, "%s=%s", key, value);
    if (at >= 0) {
        free (self->env[at]);
        self->env[at] = entry;
        return;
    }
    self->env[self->env_count++] = entry;
    self->env[self->env_count] = NULL;
}

const char *const *
tw_fixture_env (tw_fixture_t *self)
{
    return (const char *const *) self->env;
}

//  A free port that this fixture has not picked before, or -1.
static int
s_new_port (tw_fixture_t *self)
{
    if (self->port_count >= TW_FIXTURE_PORTS_MAX)
        return -1;
    for (int tries = 0; tries < TW_FIXTURE_PORT_TRIES; tries++) {
        int port = tw_free_port ();
        bool taken = port <= 0;
        for (int i = 0; i < self->port_count && !taken; i++)
            taken = self->ports[i] == port;
        if (!taken)
            return port;
    }
    return -1;
}

const char *
tw_fixture_endpoint (tw_fixture_t *self, const char *key)
{
    int port = s_new_port (self);
    if (port < 0)
        return NULL;
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);
    self->ports[self->port_count] = port;
    self->endpoints[self->port_count++] = strdup (endpoint);
    tw_fixture_set (self, key, "%s", endpoint);
    return self->endpoints[self->port_count - 1];
}

int
tw_fixture_listen (tw_fixture_t *self, const char *key)
{
    int port = s_new_port (self);
    if (port < 0)
        return -1;
    self->ports[self->port_count] = port;
    self->endpoints[self->port_count++] = NULL;
    tw_fixture_set (self, key, "127.0.0.1:%d", port);
    return port;
}

//  The service called name, or NULL.
static s_service_t *
s_find (tw_fixture_t *self, const char *name)
{
    for (int i = 0; i < self->service_count; i++)
        if (streq (self->services[i].name, name))
            return &self->services[i];
    return NULL;
}

//  The service called name, made (not running) when new; NULL when full.
static s_service_t *
s_service (tw_fixture_t *self, const char *name)
{
    s_service_t *found = s_find (self, name);
    if (found)
        return found;
    if (self->service_count >= TW_FIXTURE_SERVICES_MAX)
        return NULL;
    s_service_t *service = &self->services[self->service_count++];
    snprintf (service->name, sizeof service->name, "%s", name);
    char log[TW_FIXTURE_PATH_MAX];
    snprintf (log, sizeof log, "%s/%s.log", self->dir, service->name);
    memcpy (service->log, log, sizeof log);
    service->proc = NULL;
    return service;
}

int
tw_fixture_start (tw_fixture_t *self, const char *name, const char *binary,
                  const char *const *extra)
{
    s_service_t *service = s_service (self, name);
    if (!service || service->proc || !binary) {
        fprintf (stderr, "tw_fixture: cannot start %s (%s)\n", name,
                 !binary    ? "no binary"
                 : !service ? "too many services"
                            : "already running");
        return -1;
    }
    const char *env[2 * TW_FIXTURE_ENV_MAX + 1];
    int count = 0;
    for (int i = 0; i < self->env_count; i++)
        env[count++] = self->env[i];
    for (int i = 0; extra && extra[i] && count < 2 * TW_FIXTURE_ENV_MAX; i++)
        env[count++] = extra[i];
    env[count] = NULL;
    const char *argv[] = {name, NULL};
    service->proc = tw_proc_start (binary, argv, env, self->dir, service->log);
    if (!service->proc) {
        fprintf (stderr, "tw_fixture: cannot start %s as %s: %s\n", binary, name, strerror (errno));
        return -1;
    }
    return 0;
}

int
tw_fixture_stop (tw_fixture_t *self, const char *name, int sig, int timeout_ms)
{
    s_service_t *service = s_find (self, name);
    if (!service || !service->proc)
        return -1;
    int status = tw_proc_stop (&service->proc, sig, timeout_ms);
    if (status == -1 || (sig == SIGTERM && status != 0)) {
        fprintf (stderr, "tw_fixture: %s ended with %d after signal %d\n", name, status, sig);
        tw_file_print_tail (service->log, TW_FIXTURE_TAIL_LINES);
    }
    return status;
}

bool
tw_fixture_running (tw_fixture_t *self, const char *name)
{
    s_service_t *service = s_find (self, name);
    return service && service->proc && tw_proc_running (service->proc);
}

int
tw_fixture_pid (tw_fixture_t *self, const char *name)
{
    s_service_t *service = s_find (self, name);
    return service && service->proc ? (int) tw_proc_pid (service->proc) : -1;
}

const char *
tw_fixture_log (tw_fixture_t *self, const char *name)
{
    s_service_t *service = s_service (self, name);
    return service ? service->log : "(no log: too many services)";
}

int
tw_fixture_wait_pong (tw_fixture_t *self, const char *name, const char *endpoint,
                      tw_msg_type_t type, const char *counter, int64_t value, int timeout_ms)
{
    int64_t deadline = tw_clock_mono_ms () + timeout_ms;
    int64_t seen = -1;
    const char *why = "no answer in time";
    while (tw_clock_mono_ms () < deadline) {
        if (!tw_fixture_running (self, name)) {
            why = "it is not running";
            break;
        }
        tw_msg_t pong;
        if (tw_cmd_ask (endpoint, type, TW_FIXTURE_POLL_TIMEOUT_MS, 1, &pong) == 0) {
            seen = counter ? tw_cmd_pong_counter (&pong, counter) : value;
            tw_msg_reset (&pong);
            if (seen == value)
                return 0;
        }
        zclock_sleep (TW_FIXTURE_POLL_PACING_MS); //  pacing a bounded poll
    }
    fprintf (stderr, "tw_fixture: %s not ready at %s (%s=%lld, expected %lld): %s\n", name,
             endpoint, counter ? counter : "pong", (long long) seen, (long long) value, why);
    tw_file_print_tail (tw_fixture_log (self, name), TW_FIXTURE_TAIL_LINES);
    return -1;
}

void
tw_fixture_print_logs (tw_fixture_t *self)
{
    for (int i = 0; i < self->service_count; i++)
        tw_file_print_tail (self->services[i].log, TW_FIXTURE_TAIL_LINES);
}
