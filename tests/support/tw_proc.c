//  tw_proc - see tw_proc.h.

#include "tw_proc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TW_PROC_POLL_MS 10
#define TW_PROC_READ_MAX (16 * 1024 * 1024)

struct _tw_proc_t {
    pid_t pid;
};

static long long
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
s_sleep_ms (int ms)
{
    struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000L};
    nanosleep (&ts, NULL);
}

tw_proc_t *
tw_proc_start (const char *path, const char *const *argv, const char *const *env, const char *cwd,
               const char *log_path)
{
    pid_t pid = fork ();
    if (pid < 0)
        return NULL;
    if (pid == 0) {
        int fd = open (log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2 (fd, STDOUT_FILENO);
            dup2 (fd, STDERR_FILENO);
            close (fd);
        }
        for (const char *const *e = env; e && *e; e++)
            putenv ((char *) *e);
        if (cwd && chdir (cwd) != 0)
            _exit (126);
        execv (path, (char *const *) argv);
        fprintf (stderr, "exec %s: %s\n", path, strerror (errno));
        _exit (127);
    }
    tw_proc_t *self = (tw_proc_t *) calloc (1, sizeof (tw_proc_t));
    self->pid = pid;
    return self;
}

pid_t
tw_proc_pid (tw_proc_t *self)
{
    return self->pid;
}

int
tw_proc_stop (tw_proc_t **self_p, int sig, int timeout_ms)
{
    if (!self_p || !*self_p)
        return -1;
    tw_proc_t *self = *self_p;
    kill (self->pid, sig);
    int status = 0, result = -1;
    long long deadline = s_now_ms () + timeout_ms;
    while (true) {
        pid_t done = waitpid (self->pid, &status, WNOHANG);
        if (done == self->pid) {
            result = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
            break;
        }
        if (s_now_ms () > deadline) {
            kill (self->pid, SIGKILL);
            waitpid (self->pid, &status, 0);
            break;
        }
        s_sleep_ms (TW_PROC_POLL_MS);
    }
    free (self);
    *self_p = NULL;
    return result;
}

int
tw_free_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = -1;
    if (bind (fd, (struct sockaddr *) &addr, sizeof addr) == 0
        && getsockname (fd, (struct sockaddr *) &addr, &len) == 0)
        port = ntohs (addr.sin_port);
    close (fd);
    return port;
}

bool
tw_file_contains (const char *path, const char *needle)
{
    FILE *file = fopen (path, "r");
    if (!file)
        return false;
    char *text = (char *) malloc (TW_PROC_READ_MAX + 1);
    size_t n = fread (text, 1, TW_PROC_READ_MAX, file);
    text[n] = 0;
    fclose (file);
    bool found = strstr (text, needle) != NULL;
    free (text);
    return found;
}

bool
tw_file_wait_contains (const char *path, const char *needle, int timeout_ms)
{
    long long deadline = s_now_ms () + timeout_ms;
    while (!tw_file_contains (path, needle)) {
        if (s_now_ms () > deadline)
            return false;
        s_sleep_ms (TW_PROC_POLL_MS);
    }
    return true;
}
