//  tw_proc - see tw_proc.h.

//  pipe2.
#define _GNU_SOURCE

#include "tw_proc.h"

#include <arpa/inet.h>
#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tw_clock.h"

#define TW_PROC_POLL_MS 10
#define TW_PROC_READ_MAX (16 * 1024 * 1024)
#define TW_PROC_TAIL_MAX (64 * 1024)

extern char **environ;

struct _tw_proc_t {
    pid_t pid;
};

//  True when the two "KEY=VALUE" strings have the same KEY.
static bool
s_same_key (const char *a, const char *b)
{
    size_t len = strcspn (a, "=");
    return strncmp (a, b, len) == 0 && (b[len] == '=' || b[len] == 0);
}

//  The child's environment (see tw_proc.h): a NULL-terminated array the
//  caller frees (not the strings, which stay the caller's and environ's).
//  Of two env entries with the same key the later wins.
static char **
s_environment (const char *const *env)
{
    size_t inherited = 0, extra = 0;
    while (environ[inherited])
        inherited++;
    while (env && env[extra])
        extra++;
    char **envp = (char **) calloc (inherited + extra + 1, sizeof (char *));
    if (!envp)
        return NULL;
    size_t count = 0;
    for (size_t i = 0; i < inherited; i++) {
        bool replaced = strncmp (environ[i], "TW_", 3) == 0;
        for (size_t j = 0; j < extra && !replaced; j++)
            replaced = s_same_key (env[j], environ[i]);
        if (!replaced)
            envp[count++] = environ[i];
    }
    for (size_t i = 0; i < extra; i++) {
        bool replaced = false;
        for (size_t j = i + 1; j < extra && !replaced; j++)
            replaced = s_same_key (env[j], env[i]);
        if (!replaced)
            envp[count++] = (char *) env[i];
    }
    return envp;
}

//  In the child, before exec: only async-signal-safe calls.
static void
s_child_exec (pid_t parent, const char *path, const char *const *argv, char **envp, const char *cwd)
{
    prctl (PR_SET_PDEATHSIG, SIGKILL);
    if (getppid () != parent)
        _exit (126);
    if (cwd && chdir (cwd) != 0)
        _exit (126);
    execve (path, (char *const *) argv, envp);
    const char *message = "tw_proc: exec failed: ";
    ssize_t ignored = write (STDERR_FILENO, message, strlen (message));
    ignored = write (STDERR_FILENO, path, strlen (path));
    ignored = write (STDERR_FILENO, "\n", 1);
    (void) ignored;
    _exit (127);
}

tw_proc_t *
tw_proc_start (const char *path, const char *const *argv, const char *const *env, const char *cwd,
               const char *log_path)
{
    int fd = open (log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return NULL;
    char **envp = s_environment (env);
    tw_proc_t *self = (tw_proc_t *) calloc (1, sizeof (tw_proc_t));
    pid_t parent = getpid ();
    pid_t pid = envp && self ? fork () : -1;
    if (pid == 0) {
        dup2 (fd, STDOUT_FILENO);
        dup2 (fd, STDERR_FILENO);
        s_child_exec (parent, path, argv, envp, cwd);
    }
    close (fd);
    free (envp);
    if (pid < 0) {
        free (self);
        return NULL;
    }
    self->pid = pid;
    return self;
}

pid_t
tw_proc_pid (tw_proc_t *self)
{
    return self->pid;
}

bool
tw_proc_running (tw_proc_t *self)
{
    siginfo_t info;
    memset (&info, 0, sizeof info);
    if (waitid (P_PID, (id_t) self->pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0)
        return false;
    return info.si_pid == 0;
}

//  Waits up to timeout_ms for pid to exit. Returns true with *status.
static bool
s_wait_exit (pid_t pid, int *status, int timeout_ms)
{
    int64_t deadline = tw_clock_mono_ms () + timeout_ms;
    while (waitpid (pid, status, WNOHANG) != pid) {
        if (tw_clock_mono_ms () > deadline)
            return false;
        zclock_sleep (TW_PROC_POLL_MS); //  pacing a bounded poll
    }
    return true;
}

int
tw_proc_stop (tw_proc_t **self_p, int sig, int timeout_ms)
{
    if (!self_p || !*self_p)
        return -1;
    tw_proc_t *self = *self_p;
    if (sig)
        kill (self->pid, sig);
    int status = 0, result = -1;
    if (s_wait_exit (self->pid, &status, timeout_ms))
        result = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
    else {
        kill (self->pid, SIGKILL);
        waitpid (self->pid, &status, 0);
    }
    free (self);
    *self_p = NULL;
    return result;
}

//  Reads what is available on fd into buf (bounded). Returns false at EOF.
static bool
s_drain (int fd, char *buf, size_t *len)
{
    char chunk[4096];
    ssize_t got = read (fd, chunk, sizeof chunk);
    if (got < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (got <= 0)
        return false;
    size_t room = TW_PROC_OUTPUT_MAX - 1 - *len;
    size_t take = (size_t) got < room ? (size_t) got : room;
    memcpy (buf + *len, chunk, take);
    *len += take;
    buf[*len] = 0;
    return true;
}

int
tw_proc_run (const char *path, const char *const *argv, const char *const *env, const char *cwd,
             int timeout_ms, tw_proc_output_t *output)
{
    output->exit_code = -1;
    output->out[0] = output->err[0] = 0;
    output->took_ms = 0;
    int out_pipe[2], err_pipe[2];
    if (pipe2 (out_pipe, O_CLOEXEC) != 0)
        return -1;
    if (pipe2 (err_pipe, O_CLOEXEC) != 0) {
        close (out_pipe[0]);
        close (out_pipe[1]);
        return -1;
    }
    char **envp = s_environment (env);
    int64_t start = tw_clock_mono_ms ();
    pid_t parent = getpid ();
    pid_t pid = envp ? fork () : -1;
    if (pid == 0) {
        dup2 (out_pipe[1], STDOUT_FILENO);
        dup2 (err_pipe[1], STDERR_FILENO);
        s_child_exec (parent, path, argv, envp, cwd);
    }
    free (envp);
    close (out_pipe[1]);
    close (err_pipe[1]);
    size_t out_len = 0, err_len = 0;
    bool out_open = pid > 0, err_open = pid > 0;
    int64_t deadline = start + timeout_ms;
    while ((out_open || err_open) && tw_clock_mono_ms () < deadline) {
        struct pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
        int64_t left = deadline - tw_clock_mono_ms ();
        int rc = poll (fds, 2, left > 0 ? (int) left : 0);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            break;
        if (out_open && fds[0].revents)
            out_open = s_drain (out_pipe[0], output->out, &out_len);
        if (err_open && fds[1].revents)
            err_open = s_drain (err_pipe[0], output->err, &err_len);
    }
    close (out_pipe[0]);
    close (err_pipe[0]);
    if (pid < 0)
        return -1;
    int status = 0;
    int64_t left = deadline - tw_clock_mono_ms ();
    if (!s_wait_exit (pid, &status, left > 0 ? (int) left : 0)) {
        kill (pid, SIGKILL);
        waitpid (pid, &status, 0);
        return -1;
    }
    output->took_ms = tw_clock_mono_ms () - start;
    if (WIFEXITED (status))
        output->exit_code = WEXITSTATUS (status);
    return 0;
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
tw_file_line_has (const char *path, const char *first, const char *second)
{
    FILE *file = fopen (path, "r");
    if (!file)
        return false;
    char *line = NULL;
    size_t size = 0;
    bool found = false;
    while (!found && getline (&line, &size, file) >= 0)
        found = strstr (line, first) && strstr (line, second);
    free (line);
    fclose (file);
    return found;
}

bool
tw_file_wait_contains (const char *path, const char *needle, int timeout_ms)
{
    int64_t deadline = tw_clock_mono_ms () + timeout_ms;
    while (!tw_file_contains (path, needle)) {
        if (tw_clock_mono_ms () > deadline)
            return false;
        zclock_sleep (TW_PROC_POLL_MS); //  pacing a bounded poll
    }
    return true;
}

void
tw_file_print_tail (const char *path, int lines)
{
    FILE *file = fopen (path, "r");
    if (!file)
        return;
    char *text = (char *) malloc (TW_PROC_TAIL_MAX + 1);
    if (!text) {
        fclose (file);
        return;
    }
    if (fseek (file, 0, SEEK_END) == 0) {
        long size = ftell (file);
        fseek (file, size > TW_PROC_TAIL_MAX ? size - TW_PROC_TAIL_MAX : 0, SEEK_SET);
    }
    size_t n = fread (text, 1, TW_PROC_TAIL_MAX, file);
    fclose (file);
    text[n] = 0;
    const char *start = text + n;
    for (int seen = 0; start > text && seen <= lines; start--)
        if (start[-1] == '\n')
            seen++;
    if (*start == '\n')
        start++;
    fprintf (stderr, "---- last lines of %s\n%s", path, start);
    free (text);
}
