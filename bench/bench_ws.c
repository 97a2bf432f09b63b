//  bench_ws - see bench_ws.h.

#define _GNU_SOURCE //  memmem

#include "bench_ws.h"
#include "bench_fixture.h"
#include "tw_sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

//  A client's buffer: an event frame is a few hundred bytes; bigger frames
//  (the snapshot, the recent events) are skipped, not kept.
#define BENCH_WS_BUF 16384
#define BENCH_WS_HEAD_MAX 4096
#define BENCH_WS_EVENTS 256
#define BENCH_WS_MARKER_MAX 96
#define BENCH_WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define BENCH_WS_LISTEN_BACKLOG 2048
#define BENCH_WS_ACCEPT_TIMEOUT_MS 10000

typedef struct {
    int fd;
    bench_ws_set_t *set;
    uint8_t buf[BENCH_WS_BUF];
    size_t len;
    uint64_t skip; //  bytes of an oversized frame still to drop
    bool got;
    int64_t at_us;
} s_client_t;

struct _bench_ws_set_t {
    bench_ws_poll_t *poll;
    s_client_t *clients;
    int count;
    bool armed;
    char marker[BENCH_WS_MARKER_MAX];
    char also[BENCH_WS_MARKER_MAX];
    int received;
    char *first;
};

struct _bench_ws_poll_t {
    int epfd;
};

bench_ws_poll_t *
bench_ws_poll_new (void)
{
    bench_ws_poll_t *self = (bench_ws_poll_t *) zmalloc (sizeof (bench_ws_poll_t));
    self->epfd = epoll_create1 (EPOLL_CLOEXEC);
    if (self->epfd < 0) {
        free (self);
        bench_fail ("epoll_create1: %s", strerror (errno));
        return NULL;
    }
    return self;
}

void
bench_ws_poll_destroy (bench_ws_poll_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    close ((*self_p)->epfd);
    free (*self_p);
    *self_p = NULL;
}

int
bench_ws_poll_fd (bench_ws_poll_t *self)
{
    return self->epfd;
}

//  A masked pong with payload (at most 125 bytes), mask key 0.
static void
s_pong (s_client_t *client, const uint8_t *payload, size_t size)
{
    uint8_t frame[2 + 4 + 125];
    if (size > 125)
        return;
    frame[0] = 0x8A;
    frame[1] = (uint8_t) (0x80 | size);
    memset (frame + 2, 0, 4);
    memcpy (frame + 6, payload, size);
    ssize_t rc = write (client->fd, frame, 6 + size);
    (void) rc; //  a pong lost to a full socket is the server's to time out
}

static void
s_mark (s_client_t *client, const uint8_t *payload, size_t size, int64_t now)
{
    bench_ws_set_t *set = client->set;
    if (!set->armed || client->got)
        return;
    if (!memmem (payload, size, set->marker, strlen (set->marker)))
        return;
    if (set->also[0] && !memmem (payload, size, set->also, strlen (set->also)))
        return;
    client->got = true;
    client->at_us = now;
    set->received++;
    if (!set->first)
        set->first = strndup ((const char *) payload, size);
}

//  Parses the complete frames in the buffer. Returns -1 on a close frame.
static int
s_frames (s_client_t *client, int64_t now)
{
    size_t off = 0, len = client->len;
    uint8_t *buf = client->buf;
    while (off < len) {
        if (client->skip) {
            size_t drop = client->skip < len - off ? (size_t) client->skip : len - off;
            off += drop;
            client->skip -= drop;
            continue;
        }
        if (len - off < 2)
            break;
        uint8_t b0 = buf[off], b1 = buf[off + 1];
        uint64_t size = b1 & 0x7F;
        size_t head = 2;
        if (size == 126) {
            if (len - off < 4)
                break;
            size = ((uint64_t) buf[off + 2] << 8) | buf[off + 3];
            head = 4;
        }
        else if (size == 127) {
            if (len - off < 10)
                break;
            size = 0;
            for (int i = 0; i < 8; i++)
                size = (size << 8) | buf[off + 2 + i];
            head = 10;
        }
        if (b1 & 0x80)
            head += 4; //  a server does not mask; counted, never applied
        if (head + size > BENCH_WS_BUF) {
            client->skip = head + size - (len - off);
            off = len;
            break;
        }
        if (len - off < head + size)
            break;
        const uint8_t *payload = buf + off + head;
        int opcode = b0 & 0x0F;
        if (opcode == 0x8)
            return -1;
        if (opcode == 0x9)
            s_pong (client, payload, (size_t) size);
        else if (opcode <= 0x2)
            s_mark (client, payload, (size_t) size, now);
        off += head + (size_t) size;
    }
    memmove (buf, buf + off, len - off);
    client->len = len - off;
    return 0;
}

static int
s_client_read (s_client_t *client)
{
    while (true) {
        ssize_t n = read (client->fd, client->buf + client->len, BENCH_WS_BUF - client->len);
        if (n > 0) {
            client->len += (size_t) n;
            if (s_frames (client, bench_now_us ()) != 0)
                return bench_fail ("a WebSocket client got a close frame");
            continue;
        }
        if (n == 0)
            return bench_fail ("a WebSocket client's connection was closed");
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        return bench_fail ("a WebSocket client's read failed: %s", strerror (errno));
    }
}

int
bench_ws_pump (bench_ws_poll_t *self, int timeout_ms)
{
    struct epoll_event events[BENCH_WS_EVENTS];
    int n = epoll_wait (self->epfd, events, BENCH_WS_EVENTS, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : bench_fail ("epoll_wait: %s", strerror (errno));
    for (int i = 0; i < n; i++)
        if (s_client_read ((s_client_t *) events[i].data.ptr) != 0)
            return -1;
    return 0;
}

//  A blocking TCP connection to 127.0.0.1:port with send and receive
//  timeouts; -1 on failure.
static int
s_connect (int port, int timeout_ms)
{
    int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons ((uint16_t) port)};
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    if (connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0) {
        close (fd);
        return -1;
    }
    return fd;
}

//  Reads a head (up to the blank line) into head; what follows it stays in
//  rest (*rest_len bytes). Returns the head's length, or -1.
static int
s_read_head (int fd, char *head, size_t size, uint8_t *rest, size_t *rest_len)
{
    size_t len = 0;
    while (len + 1 < size) {
        ssize_t n = read (fd, head + len, size - 1 - len);
        if (n <= 0)
            return -1;
        len += (size_t) n;
        head[len] = 0;
        char *end = strstr (head, "\r\n\r\n");
        if (end) {
            size_t head_len = (size_t) (end - head) + 4;
            if (rest) {
                memcpy (rest, head + head_len, len - head_len);
                *rest_len = len - head_len;
            }
            head[head_len] = 0;
            return (int) head_len;
        }
    }
    return -1;
}

static int
s_set_nonblocking (int fd)
{
    int flags = fcntl (fd, F_GETFL, 0);
    return flags < 0 ? -1 : fcntl (fd, F_SETFL, flags | O_NONBLOCK);
}

static int
s_client_connect (s_client_t *client, int port, const char *bearer, int timeout_ms, int epfd)
{
    client->fd = s_connect (port, timeout_ms);
    if (client->fd < 0)
        return bench_fail ("cannot connect to 127.0.0.1:%d: %s", port, strerror (errno));
    char request[512];
    int size = snprintf (request, sizeof request,
                         "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                         "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                         "Sec-WebSocket-Version: 13\r\n%s%s%s\r\n",
                         port, bearer ? "Authorization: Bearer " : "", bearer ? bearer : "",
                         bearer ? "\r\n" : "");
    if (write (client->fd, request, (size_t) size) != size)
        return bench_fail ("cannot send the upgrade request");
    char head[BENCH_WS_HEAD_MAX];
    if (s_read_head (client->fd, head, sizeof head, client->buf, &client->len) < 0)
        return bench_fail ("no upgrade response within %d ms", timeout_ms);
    if (strncmp (head, "HTTP/1.1 101", 12) != 0)
        return bench_fail ("upgrade refused: %.*s", (int) strcspn (head, "\r"), head);
    if (s_set_nonblocking (client->fd) != 0)
        return bench_fail ("cannot make the client non-blocking");
    struct epoll_event event = {.events = EPOLLIN, .data.ptr = client};
    if (epoll_ctl (epfd, EPOLL_CTL_ADD, client->fd, &event) != 0)
        return bench_fail ("epoll_ctl: %s", strerror (errno));
    return s_frames (client, bench_now_us ());
}

bench_ws_set_t *
bench_ws_set_new (bench_ws_poll_t *poll, int port, int count, const char *bearer, int timeout_ms)
{
    bench_ws_set_t *self = (bench_ws_set_t *) zmalloc (sizeof (bench_ws_set_t));
    self->poll = poll;
    self->clients = (s_client_t *) calloc ((size_t) count, sizeof (s_client_t));
    assert (self->clients);
    for (int i = 0; i < count; i++)
        self->clients[i].fd = -1;
    for (int i = 0; i < count; i++) {
        self->clients[i].set = self;
        self->count = i + 1;
        if (s_client_connect (&self->clients[i], port, bearer, timeout_ms, poll->epfd) != 0) {
            bench_fail ("WebSocket client %d of %d did not connect", i + 1, count);
            bench_ws_set_destroy (&self);
            return NULL;
        }
    }
    return self;
}

void
bench_ws_set_destroy (bench_ws_set_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bench_ws_set_t *self = *self_p;
    for (int i = 0; i < self->count; i++)
        if (self->clients[i].fd >= 0)
            close (self->clients[i].fd);
    free (self->clients);
    free (self->first);
    free (self);
    *self_p = NULL;
}

void
bench_ws_arm (bench_ws_set_t *self, const char *marker, const char *also)
{
    snprintf (self->marker, sizeof self->marker, "%s", marker);
    snprintf (self->also, sizeof self->also, "%s", also ? also : "");
    for (int i = 0; i < self->count; i++)
        self->clients[i].got = false;
    self->received = 0;
    free (self->first);
    self->first = NULL;
    self->armed = true;
}

int
bench_ws_received (bench_ws_set_t *self)
{
    return self->received;
}

int
bench_ws_times (bench_ws_set_t *self, int64_t *at, int count)
{
    int n = 0;
    for (int i = 0; i < self->count && n < count; i++)
        if (self->clients[i].got)
            at[n++] = self->clients[i].at_us;
    qsort (at, (size_t) n, sizeof (int64_t), bench_cmp_int64);
    return n;
}

const char *
bench_ws_frame (bench_ws_set_t *self)
{
    return self->first;
}

//  ---------------------------------------------------------------------------
//  The bare floor server

typedef struct {
    int listener;
    int *fds;
    int count;
} s_floor_t;

//  Accepts one client and answers its upgrade. Returns 0 or -1.
static int
s_floor_accept (s_floor_t *self)
{
    int fd = accept4 (self->listener, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return -1;
    struct timeval tv = {BENCH_WS_ACCEPT_TIMEOUT_MS / 1000, 0};
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char head[BENCH_WS_HEAD_MAX];
    const char *key = NULL;
    if (s_read_head (fd, head, sizeof head, NULL, NULL) > 0)
        key = strcasestr (head, "Sec-WebSocket-Key:");
    if (!key) {
        close (fd);
        return -1;
    }
    key += strlen ("Sec-WebSocket-Key:");
    key += strspn (key, " ");
    char joined[128];
    snprintf (joined, sizeof joined, "%.*s%s", (int) strcspn (key, "\r\n "), key, BENCH_WS_GUID);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    char accept_key[64];
    EVP_Digest (joined, strlen (joined), digest, &digest_len, EVP_sha1 (), NULL);
    EVP_EncodeBlock ((unsigned char *) accept_key, digest, (int) digest_len);
    char reply[256];
    int size = snprintf (reply, sizeof reply,
                         "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                         accept_key);
    if (write (fd, reply, (size_t) size) != size || s_set_nonblocking (fd) != 0) {
        close (fd);
        return -1;
    }
    self->fds[self->count++] = fd;
    return 0;
}

//  Frames text once and writes it to every client. Returns the number of
//  clients that took all of it.
static int
s_floor_send (s_floor_t *self, const char *text)
{
    size_t len = strlen (text);
    uint8_t frame[8192 + 10];
    size_t head = 2;
    frame[0] = 0x81;
    if (len < 126)
        frame[1] = (uint8_t) len;
    else {
        frame[1] = 126;
        frame[2] = (uint8_t) (len >> 8);
        frame[3] = (uint8_t) len;
        head = 4;
    }
    memcpy (frame + head, text, len);
    int sent = 0;
    for (int i = 0; i < self->count; i++)
        sent += write (self->fds[i], frame, head + len) == (ssize_t) (head + len);
    return sent;
}

void
bench_ws_floor_actor (zsock_t *pipe, void *args)
{
    bench_ws_floor_t *floor = (bench_ws_floor_t *) args;
    s_floor_t self = {.listener = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    int one = 1;
    setsockopt (self.listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons ((uint16_t) floor->port)};
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    struct timeval accept_tv = {BENCH_WS_ACCEPT_TIMEOUT_MS / 1000, 0};
    setsockopt (self.listener, SOL_SOCKET, SO_RCVTIMEO, &accept_tv, sizeof accept_tv);
    zsock_t *sub = tw_sock_sub_new (floor->feed, "");
    bool ok = sub && self.listener >= 0
              && bind (self.listener, (struct sockaddr *) &addr, sizeof addr) == 0
              && listen (self.listener, BENCH_WS_LISTEN_BACKLOG) == 0;
    zsock_signal (pipe, ok ? 0 : 1);
    zpoller_t *poller = ok ? zpoller_new (pipe, sub, NULL) : NULL;
    while (poller) {
        void *which = zpoller_wait (poller, -1);
        if (which == sub) {
            tw_msg_t event = {0};
            char err[TW_TEXT_MAX];
            if (tw_sock_recv (sub, &event, err, sizeof err) != 0)
                continue;
            tw_msg_reset (&event);
            int sent = s_floor_send (&self, floor->frame);
            zsock_signal (pipe, sent == self.count ? 0 : 1);
            continue;
        }
        if (which != pipe)
            break;
        char *command = NULL, *count = NULL;
        if (zstr_recvx (pipe, &command, &count, NULL) < 1 || streq (command, "$TERM")) {
            zstr_free (&command);
            zstr_free (&count);
            break;
        }
        int wanted = count ? atoi (count) : 0;
        free (self.fds);
        self.fds = (int *) calloc ((size_t) (wanted > 0 ? wanted : 1), sizeof (int));
        assert (self.fds);
        int rc = 0;
        while (self.count < wanted && rc == 0)
            rc = s_floor_accept (&self);
        zsock_signal (pipe, rc == 0 ? 0 : 1);
        zstr_free (&command);
        zstr_free (&count);
    }
    zpoller_destroy (&poller);
    for (int i = 0; i < self.count; i++)
        close (self.fds[i]);
    free (self.fds);
    if (self.listener >= 0)
        close (self.listener);
    zsock_destroy (&sub);
}
