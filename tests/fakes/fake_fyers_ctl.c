//  fake_fyers_ctl - see fake_fyers_ctl.h.

#define _GNU_SOURCE //  pipe2

#include "fake_fyers_ctl.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FAKE_FYERS_CONNECT_TIMEOUT_MS 1000
#define FAKE_FYERS_POLL_INTERVAL_MS 10
#define FAKE_FYERS_READY_MAX 64
#define FAKE_FYERS_URL_MAX 64
//  A DNS name has at most 253 characters.
#define FAKE_FYERS_HOST_MAX 253

struct _fake_fyers_t {
    pid_t pid;
    int port;
    bool tls;      //  started with --tls-cert: REST and /_fake/ on https://
    char *ca_file; //  what this handle's requests trust alone; NULL: the system's CAs
    //  Where this handle's own requests go: root_url, or the same with the
    //  host of fake_fyers_set_tls_host, resolved to 127.0.0.1 by resolve.
    char ctl_root[FAKE_FYERS_HOST_MAX + FAKE_FYERS_URL_MAX];
    struct curl_slist *resolve;
    int ws_port; //  0 until asked for
    char ws_url[FAKE_FYERS_URL_MAX];
    char base_url[FAKE_FYERS_URL_MAX];
    char root_url[FAKE_FYERS_URL_MAX];
    char data_url[FAKE_FYERS_URL_MAX];
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
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L};
    while (nanosleep (&ts, &ts) == -1 && errno == EINTR)
        ;
}

//  Waits for pid to exit for at most timeout_ms; returns its wait status via
//  *status and 0, or -1 on timeout.
static int
s_reap (pid_t pid, int timeout_ms, int *status)
{
    long long deadline = s_now_ms () + timeout_ms;
    while (true) {
        pid_t rc = waitpid (pid, status, WNOHANG);
        if (rc == pid)
            return 0;
        if (rc == -1 && errno != EINTR)
            return -1;
        if (s_now_ms () >= deadline)
            return -1;
        s_sleep_ms (FAKE_FYERS_POLL_INTERVAL_MS);
    }
}

static void
s_kill (pid_t pid)
{
    int status;
    kill (pid, SIGKILL);
    s_reap (pid, FAKE_FYERS_STOP_TIMEOUT_MS, &status);
}

//  Reads one line from fd into line within the deadline; returns 0 or -1.
static int
s_read_line (int fd, char *line, size_t size, long long deadline)
{
    size_t len = 0;
    while (len + 1 < size) {
        long long left = deadline - s_now_ms ();
        if (left <= 0)
            return -1;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int rc = poll (&pfd, 1, (int) left);
        if (rc == -1 && errno == EINTR)
            continue;
        if (rc <= 0)
            return -1;
        ssize_t got = read (fd, line + len, 1);
        if (got == -1 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1; //  the child exited before it was ready
        if (line[len] == '\n') {
            line[len] = 0;
            return 0;
        }
        len++;
    }
    return -1;
}

fake_fyers_t *
fake_fyers_start (const char *binary_path, const char *app_id, const char *token)
{
    return fake_fyers_start_args (binary_path, app_id, token, NULL);
}

fake_fyers_t *
fake_fyers_start_args (const char *binary_path, const char *app_id, const char *token,
                       const char *const *args)
{
    //  The child's argv, made before fork: the binary, the fixed flags, args.
    const char *fixed[] = {binary_path, "--port", "0", "--app-id", app_id, "--token", token};
    size_t fixed_count = sizeof fixed / sizeof *fixed, count = 0;
    while (args && args[count])
        count++;
    const char **argv = calloc (fixed_count + count + 1, sizeof *argv);
    if (!argv)
        return NULL;
    memcpy (argv, fixed, sizeof fixed);
    for (size_t i = 0; i < count; i++)
        argv[fixed_count + i] = args[i];
    int fds[2];
    if (pipe2 (fds, O_CLOEXEC) != 0) {
        perror ("fake_fyers_start: pipe2");
        free (argv);
        return NULL;
    }
    pid_t parent = getpid ();
    pid_t pid = fork ();
    if (pid == -1) {
        perror ("fake_fyers_start: fork");
        close (fds[0]);
        close (fds[1]);
        free (argv);
        return NULL;
    }
    if (pid == 0) {
        //  A fake left behind by a crashed test would hold its port forever.
        prctl (PR_SET_PDEATHSIG, SIGTERM);
        if (getppid () != parent)
            _exit (127);
        if (dup2 (fds[1], STDOUT_FILENO) == -1)
            _exit (127);
        execv (binary_path, (char *const *) argv);
        fprintf (stderr, "fake_fyers_start: exec %s: %s\n", binary_path, strerror (errno));
        _exit (127);
    }
    free (argv);
    close (fds[1]);
    bool tls = false;
    for (size_t i = 0; i < count; i++)
        tls = tls || strcmp (args[i], "--tls-cert") == 0;
    char line[FAKE_FYERS_READY_MAX];
    int port = 0;
    int rc = s_read_line (fds[0], line, sizeof line, s_now_ms () + FAKE_FYERS_START_TIMEOUT_MS);
    //  The fake writes nothing more to stdout; it ignores SIGPIPE in any case.
    close (fds[0]);
    if (rc != 0 || sscanf (line, "READY %d", &port) != 1 || port <= 0) {
        fprintf (stderr, "fake_fyers_start: %s did not report READY\n", binary_path);
        s_kill (pid);
        return NULL;
    }
    fake_fyers_t *self = calloc (1, sizeof *self);
    if (!self) {
        s_kill (pid);
        return NULL;
    }
    curl_global_init (CURL_GLOBAL_DEFAULT);
    self->pid = pid;
    self->port = port;
    self->tls = tls;
    const char *scheme = tls ? "https" : "http";
    snprintf (self->root_url, sizeof self->root_url, "%s://127.0.0.1:%d", scheme, port);
    snprintf (self->base_url, sizeof self->base_url, "%s://127.0.0.1:%d/api/v3", scheme, port);
    snprintf (self->data_url, sizeof self->data_url, "%s://127.0.0.1:%d/data", scheme, port);
    snprintf (self->ctl_root, sizeof self->ctl_root, "%s", self->root_url);
    return self;
}

int
fake_fyers_set_tls_host (fake_fyers_t *self, const char *host)
{
    struct curl_slist *resolve = NULL;
    if (host) {
        char entry[FAKE_FYERS_HOST_MAX + FAKE_FYERS_URL_MAX];
        if (!*host || strlen (host) > FAKE_FYERS_HOST_MAX)
            return -1;
        snprintf (entry, sizeof entry, "%s:%d:127.0.0.1", host, self->port);
        resolve = curl_slist_append (NULL, entry);
        if (!resolve)
            return -1;
    }
    curl_slist_free_all (self->resolve);
    self->resolve = resolve;
    snprintf (self->ctl_root, sizeof self->ctl_root, "%s://%s:%d", self->tls ? "https" : "http",
              host ? host : "127.0.0.1", self->port);
    return 0;
}

int
fake_fyers_set_ca_file (fake_fyers_t *self, const char *ca_file)
{
    char *copy = ca_file ? strdup (ca_file) : NULL;
    if (ca_file && !copy)
        return -1;
    free (self->ca_file);
    self->ca_file = copy;
    return 0;
}

int
fake_fyers_stop (fake_fyers_t **self_p)
{
    if (!self_p || !*self_p)
        return -1;
    fake_fyers_t *self = *self_p;
    int status = 0;
    int rc = -1;
    kill (self->pid, SIGTERM);
    if (s_reap (self->pid, FAKE_FYERS_STOP_TIMEOUT_MS, &status) == 0)
        rc = WIFEXITED (status) ? WEXITSTATUS (status) : -1;
    else {
        fprintf (stderr, "fake_fyers_stop: pid %d ignored SIGTERM; killing it\n", (int) self->pid);
        s_kill (self->pid);
    }
    curl_global_cleanup ();
    free (self->ca_file);
    curl_slist_free_all (self->resolve);
    free (self);
    *self_p = NULL;
    return rc;
}

const char *
fake_fyers_base_url (fake_fyers_t *self)
{
    return self->base_url;
}

const char *
fake_fyers_data_url (fake_fyers_t *self)
{
    return self->data_url;
}

const char *
fake_fyers_root_url (fake_fyers_t *self)
{
    return self->root_url;
}

int
fake_fyers_port (fake_fyers_t *self)
{
    return self->port;
}

pid_t
fake_fyers_pid (fake_fyers_t *self)
{
    return self->pid;
}

typedef struct {
    char *data;
    size_t len;
    bool failed;
} s_buffer_t;

static size_t
s_collect (char *ptr, size_t size, size_t nmemb, void *userdata)
{
    s_buffer_t *buffer = userdata;
    size_t n = size * nmemb;
    char *grown = realloc (buffer->data, buffer->len + n + 1);
    if (!grown) {
        buffer->failed = true;
        return 0;
    }
    memcpy (grown + buffer->len, ptr, n);
    buffer->data = grown;
    buffer->len += n;
    buffer->data[buffer->len] = 0;
    return n;
}

//  The options every request of the handle has: bounded, no proxy, and over
//  https:// the server verified against ca_file alone when set (CAPATH NULL
//  drops the system's directory that libcurl trusts by default).
static void
s_easy_setup (fake_fyers_t *self, CURL *curl)
{
    curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT_MS, (long) FAKE_FYERS_CONNECT_TIMEOUT_MS);
    curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, (long) FAKE_FYERS_CTL_TIMEOUT_MS);
    if (self->ca_file) {
        curl_easy_setopt (curl, CURLOPT_CAINFO, self->ca_file);
        curl_easy_setopt (curl, CURLOPT_CAPATH, NULL);
    }
    if (self->resolve)
        curl_easy_setopt (curl, CURLOPT_RESOLVE, self->resolve);
}

char *
fake_fyers_http (fake_fyers_t *self, const char *method, const char *path, const char *body,
                 const char *const *headers, long *status)
{
    *status = 0;
    CURL *curl = curl_easy_init ();
    if (!curl)
        return NULL;
    size_t url_len = strlen (self->ctl_root) + strlen (path) + 1;
    char *url = malloc (url_len);
    struct curl_slist *list = NULL;
    s_buffer_t buffer = {.data = calloc (1, 1)};
    if (!url || !buffer.data) {
        free (url);
        free (buffer.data);
        curl_easy_cleanup (curl);
        return NULL;
    }
    snprintf (url, url_len, "%s%s", self->ctl_root, path);
    if (body)
        list = curl_slist_append (list, "Content-Type: application/json");
    for (size_t i = 0; headers && headers[i]; i++)
        list = curl_slist_append (list, headers[i]);
    curl_easy_setopt (curl, CURLOPT_URL, url);
    curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, method);
    if (body)
        curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt (curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, s_collect);
    curl_easy_setopt (curl, CURLOPT_WRITEDATA, &buffer);
    s_easy_setup (self, curl);
    char error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, error);
    CURLcode rc = curl_easy_perform (curl);
    if (rc == CURLE_OK && !buffer.failed)
        curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, status);
    else {
        fprintf (stderr, "fake_fyers: %s %s: %s\n", method, path,
                 error[0] ? error : curl_easy_strerror (rc));
        free (buffer.data);
        buffer.data = NULL;
    }
    curl_slist_free_all (list);
    curl_easy_cleanup (curl);
    free (url);
    return buffer.data;
}

//  Sends a control request; returns the reply body when the status is 200.
static char *
s_control (fake_fyers_t *self, const char *method, const char *path, const char *body)
{
    long status = 0;
    char *reply = fake_fyers_http (self, method, path, body, NULL, &status);
    if (reply && status != 200) {
        fprintf (stderr, "fake_fyers: %s %s -> %ld %s\n", method, path, status, reply);
        free (reply);
        reply = NULL;
    }
    return reply;
}

//  POSTs body to path; returns 0 when the fake answered 200.
static int
s_control_ok (fake_fyers_t *self, const char *path, const char *body)
{
    char *reply = s_control (self, "POST", path, body);
    int rc = reply ? 0 : -1;
    free (reply);
    return rc;
}

//  Reads the integer after "key": in a flat JSON reply; -1 if absent.
static int
s_int_field (const char *json, const char *key)
{
    char pattern[32];
    snprintf (pattern, sizeof pattern, "\"%s\":", key);
    const char *at = json ? strstr (json, pattern) : NULL;
    int value = -1;
    if (!at || sscanf (at + strlen (pattern), "%d", &value) != 1)
        return -1;
    return value;
}

int
fake_fyers_script (fake_fyers_t *self, const char *json)
{
    char *reply = s_control (self, "POST", "/_fake/script", json);
    int queued = s_int_field (reply, "queued");
    free (reply);
    return queued;
}

//  Appends "name=<escaped value>" to the query in url.
static void
s_append_arg (CURL *curl, char *url, size_t size, const char *name, const char *value)
{
    if (!value || !*value)
        return;
    char *escaped = curl_easy_escape (curl, value, 0);
    if (!escaped)
        return;
    size_t len = strlen (url);
    snprintf (url + len, size - len, "%s%s=%s", strchr (url, '?') ? "&" : "?", name, escaped);
    curl_free (escaped);
}

int
fake_fyers_count (fake_fyers_t *self, const char *method, const char *path)
{
    CURL *curl = curl_easy_init ();
    if (!curl)
        return -1;
    char query[512] = "/_fake/count";
    s_append_arg (curl, query, sizeof query, "method", method);
    s_append_arg (curl, query, sizeof query, "path", path);
    curl_easy_cleanup (curl);
    char *reply = s_control (self, "GET", query, NULL);
    int count = s_int_field (reply, "count");
    free (reply);
    return count;
}

int
fake_fyers_wait_count (fake_fyers_t *self, const char *method, const char *path, int count,
                       int timeout_ms)
{
    long long deadline = s_now_ms () + timeout_ms;
    while (true) {
        int seen = fake_fyers_count (self, method, path);
        if (seen < 0 || seen >= count || s_now_ms () >= deadline)
            return seen;
        s_sleep_ms (FAKE_FYERS_POLL_INTERVAL_MS);
    }
}

//  Writes s as a JSON string literal (quotes included) into out.
static void
s_json_string (char *out, size_t size, const char *s)
{
    size_t len = 0;
    if (size < 3) {
        *out = 0;
        return;
    }
    out[len++] = '"';
    for (; *s && len + 8 < size; s++) {
        unsigned char c = (unsigned char) *s;
        if (c == '"' || c == '\\')
            len += (size_t) snprintf (out + len, size - len, "\\%c", c);
        else if (c < 0x20)
            len += (size_t) snprintf (out + len, size - len, "\\u%04x", c);
        else
            out[len++] = (char) c;
    }
    out[len++] = '"';
    out[len] = 0;
}

int
fake_fyers_seed_position (fake_fyers_t *self, const char *symbol, const char *product, long net_qty,
                          double avg_price)
{
    char symbol_json[256], product_json[64], body[512];
    s_json_string (symbol_json, sizeof symbol_json, symbol);
    s_json_string (product_json, sizeof product_json, product);
    snprintf (body, sizeof body, "{\"symbol\":%s,\"product\":%s,\"netQty\":%ld,\"avgPrice\":%.17g}",
              symbol_json, product_json, net_qty, avg_price);
    return s_control_ok (self, "/_fake/position", body);
}

int
fake_fyers_set_price (fake_fyers_t *self, const char *symbol, double ltp)
{
    char symbol_json[256], body[512];
    s_json_string (symbol_json, sizeof symbol_json, symbol);
    snprintf (body, sizeof body, "{\"symbol\":%s,\"ltp\":%.17g}", symbol_json, ltp);
    return s_control_ok (self, "/_fake/price", body);
}

int
fake_fyers_market_status (fake_fyers_t *self, const char *json)
{
    return s_control_ok (self, "/_fake/market_status", json);
}

int
fake_fyers_reset (fake_fyers_t *self)
{
    return s_control_ok (self, "/_fake/reset", "{}");
}

char *
fake_fyers_requests (fake_fyers_t *self)
{
    return s_control (self, "GET", "/_fake/requests", NULL);
}

//  POSTs body to path and returns the integer field key of the reply (-1
//  when the fake did not answer 200).
static int
s_post_int (fake_fyers_t *self, const char *path, const char *body, const char *key)
{
    char *reply = s_control (self, "POST", path, body);
    int value = reply ? (key ? s_int_field (reply, key) : 0) : -1;
    free (reply);
    return value;
}

int
fake_fyers_fill (fake_fyers_t *self, const char *order_id, long qty, double price)
{
    char id_json[96], body[256];
    s_json_string (id_json, sizeof id_json, order_id);
    if (qty > 0)
        snprintf (body, sizeof body, "{\"order_id\":%s,\"qty\":%ld,\"price\":%.17g}", id_json, qty,
                  price > 0 ? price : 0.0);
    else
        snprintf (body, sizeof body, "{\"order_id\":%s,\"price\":%.17g}", id_json,
                  price > 0 ? price : 0.0);
    return s_control_ok (self, "/_fake/fill", body);
}

int
fake_fyers_end_order (fake_fyers_t *self, const char *order_id, int status)
{
    char id_json[96], body[256];
    s_json_string (id_json, sizeof id_json, order_id);
    snprintf (body, sizeof body, "{\"order_id\":%s,\"status\":%d}", id_json, status);
    return s_control_ok (self, "/_fake/end", body);
}

int
fake_fyers_cancel (fake_fyers_t *self, const char *order_id)
{
    char id_json[96], body[256];
    s_json_string (id_json, sizeof id_json, order_id);
    snprintf (body, sizeof body, "{\"order_id\":%s}", id_json);
    return s_control_ok (self, "/_fake/cancel", body);
}

int
fake_fyers_convert (fake_fyers_t *self, const char *position_id, const char *to_product, long qty)
{
    char id_json[256], to_json[64], body[512];
    s_json_string (id_json, sizeof id_json, position_id);
    s_json_string (to_json, sizeof to_json, to_product);
    if (qty > 0)
        snprintf (body, sizeof body, "{\"id\":%s,\"to\":%s,\"qty\":%ld}", id_json, to_json, qty);
    else
        snprintf (body, sizeof body, "{\"id\":%s,\"to\":%s}", id_json, to_json);
    return s_control_ok (self, "/_fake/convert", body);
}

int
fake_fyers_square_off (fake_fyers_t *self, const char *position_id, const char *tag)
{
    char id_json[256] = "", tag_json[96] = "", body[512];
    size_t len = (size_t) snprintf (body, sizeof body, "{");
    if (position_id) {
        s_json_string (id_json, sizeof id_json, position_id);
        len += (size_t) snprintf (body + len, sizeof body - len, "\"id\":%s", id_json);
    }
    if (tag) {
        s_json_string (tag_json, sizeof tag_json, tag);
        len += (size_t) snprintf (body + len, sizeof body - len, "%s\"tag\":%s",
                                  position_id ? "," : "", tag_json);
    }
    snprintf (body + len, sizeof body - len, "}");
    return s_post_int (self, "/_fake/square_off", body, "squared_off");
}

int
fake_fyers_set_multiplier (fake_fyers_t *self, const char *symbol, double multiplier)
{
    char symbol_json[256], body[512];
    s_json_string (symbol_json, sizeof symbol_json, symbol);
    snprintf (body, sizeof body, "{\"symbol\":%s,\"qtyMulti_com\":%.17g}", symbol_json, multiplier);
    return s_control_ok (self, "/_fake/price", body);
}

char *
fake_fyers_orders (fake_fyers_t *self)
{
    return s_control (self, "GET", "/_fake/orders", NULL);
}

char *
fake_fyers_positions (fake_fyers_t *self)
{
    return s_control (self, "GET", "/_fake/positions", NULL);
}

char *
fake_fyers_trades (fake_fyers_t *self)
{
    return s_control (self, "GET", "/_fake/trades", NULL);
}

int
fake_fyers_last_order_id (fake_fyers_t *self, char *id, size_t size)
{
    static const char key[] = "\"id\":\"";
    char *book = fake_fyers_orders (self);
    const char *last = NULL;
    for (const char *at = book ? strstr (book, key) : NULL; at; at = strstr (at + 1, key))
        last = at + strlen (key);
    const char *end = last ? strchr (last, '"') : NULL;
    int rc = -1;
    if (end && (size_t) (end - last) < size) {
        memcpy (id, last, (size_t) (end - last));
        id[end - last] = 0;
        rc = 0;
    }
    free (book);
    return rc;
}

int
fake_fyers_ws_port (fake_fyers_t *self)
{
    if (self->ws_port > 0)
        return self->ws_port;
    char *info = s_control (self, "GET", "/_fake/info", NULL);
    int port = s_int_field (info, "ws_port");
    bool tls = info && strstr (info, "\"ws_tls\":true");
    free (info);
    if (port <= 0)
        return -1;
    self->ws_port = port;
    snprintf (self->ws_url, sizeof self->ws_url, "%s://127.0.0.1:%d/trade/v3", tls ? "wss" : "ws",
              port);
    return port;
}

const char *
fake_fyers_ws_url (fake_fyers_t *self)
{
    return fake_fyers_ws_port (self) > 0 ? self->ws_url : NULL;
}

int
fake_fyers_ws_drop (fake_fyers_t *self)
{
    return s_control_ok (self, "/_fake/ws", "{\"drop\":true}");
}

int
fake_fyers_ws_silence (fake_fyers_t *self, bool silent)
{
    return s_control_ok (self, "/_fake/ws", silent ? "{\"silent\":true}" : "{\"silent\":false}");
}

int
fake_fyers_ws_refuse (fake_fyers_t *self, int count)
{
    char body[64];
    snprintf (body, sizeof body, "{\"refuse\":%d}", count);
    return s_control_ok (self, "/_fake/ws", body);
}

int
fake_fyers_ws_wait_subscribed (fake_fyers_t *self, int count, int timeout_ms)
{
    long long deadline = s_now_ms () + timeout_ms;
    while (true) {
        char *info = s_control (self, "GET", "/_fake/info", NULL);
        int seen = s_int_field (info, count > 0 ? "ws_subscribed" : "ws_clients");
        free (info);
        bool done = count > 0 ? seen >= count : seen == 0;
        if (seen < 0 || done || s_now_ms () >= deadline)
            return seen;
        s_sleep_ms (FAKE_FYERS_POLL_INTERVAL_MS);
    }
}

char *
fake_fyers_login (fake_fyers_t *self, const char *login_url)
{
    size_t root_len = strlen (self->root_url);
    if (strncmp (login_url, self->root_url, root_len) != 0 || login_url[root_len] != '/') {
        fprintf (stderr, "fake_fyers_login: %s is not on this fake\n", login_url);
        return NULL;
    }
    //  Sent where the handle's own requests go (fake_fyers_set_tls_host).
    size_t url_len = strlen (self->ctl_root) + strlen (login_url + root_len) + 1;
    char *url = malloc (url_len);
    CURL *curl = url ? curl_easy_init () : NULL;
    s_buffer_t buffer = {.data = calloc (1, 1)};
    char *location = NULL;
    if (curl && buffer.data) {
        snprintf (url, url_len, "%s%s", self->ctl_root, login_url + root_len);
        curl_easy_setopt (curl, CURLOPT_URL, url);
        curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, s_collect);
        curl_easy_setopt (curl, CURLOPT_WRITEDATA, &buffer);
        s_easy_setup (self, curl);
        long status = 0;
        char *redirect = NULL;
        CURLcode rc = curl_easy_perform (curl);
        if (rc == CURLE_OK) {
            curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
            curl_easy_getinfo (curl, CURLINFO_REDIRECT_URL, &redirect);
        }
        if (status == 302 && redirect)
            location = strdup (redirect);
        else
            fprintf (stderr, "fake_fyers_login: %s -> %ld %s\n", login_url, status,
                     rc == CURLE_OK ? buffer.data : curl_easy_strerror (rc));
    }
    free (buffer.data);
    free (url);
    if (curl)
        curl_easy_cleanup (curl);
    return location;
}
