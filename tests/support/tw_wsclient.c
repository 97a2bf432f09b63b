//  tw_wsclient - see tw_wsclient.h.

#include "tw_wsclient.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tw_clock.h"

#define TW_WS_HEAD_MAX 4096
#define TW_WS_MESSAGE_MAX (16 * 1024 * 1024)
#define TW_WS_READ_CHUNK 65536

#define TW_WS_OP_CONT 0x0
#define TW_WS_OP_TEXT 0x1
#define TW_WS_OP_BINARY 0x2
#define TW_WS_OP_CLOSE 0x8
#define TW_WS_OP_PING 0x9
#define TW_WS_OP_PONG 0xA

struct _tw_wsclient_t {
    int fd;
    char head[TW_WS_HEAD_MAX];
    unsigned char *in; //  bytes received and not yet parsed
    size_t in_len, in_size;
    unsigned char *message; //  the text message being reassembled
    size_t message_len;
};

//  Waits until fd is readable (or writable). 1 ready, 0 timeout, -1 error.
static int
s_wait (int fd, short events, int64_t deadline)
{
    while (true) {
        int64_t left = deadline - tw_clock_mono_ms ();
        if (left < 0)
            left = 0;
        struct pollfd item = {fd, events, 0};
        int rc = poll (&item, 1, (int) left);
        if (rc > 0)
            return 1;
        if (rc < 0 && errno != EINTR)
            return -1;
        if (rc == 0)
            return 0;
    }
}

static int
s_connect (int port, int rcvbuf, int64_t deadline)
{
    int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    if (rcvbuf > 0)
        setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons ((uint16_t) port);
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    int rc = connect (fd, (struct sockaddr *) &addr, sizeof addr);
    if (rc != 0 && errno == EINPROGRESS && s_wait (fd, POLLOUT, deadline) == 1) {
        int error = 0;
        socklen_t len = sizeof error;
        getsockopt (fd, SOL_SOCKET, SO_ERROR, &error, &len);
        rc = error == 0 ? 0 : -1;
    }
    if (rc != 0) {
        close (fd);
        return -1;
    }
    return fd;
}

static int
s_send_all (int fd, const void *data, size_t len, int64_t deadline)
{
    const char *p = (const char *) data;
    while (len > 0) {
        ssize_t n = send (fd, p, len, MSG_NOSIGNAL);
        if (n > 0) {
            p += n;
            len -= (size_t) n;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return -1;
        if (s_wait (fd, POLLOUT, deadline) != 1)
            return -1;
    }
    return 0;
}

//  Reads what is there into self->in, waiting until deadline for the
//  first byte. 1 read, 0 timeout, -1 closed or error.
static int
s_fill (tw_wsclient_t *self, int64_t deadline)
{
    int ready = s_wait (self->fd, POLLIN, deadline);
    if (ready != 1)
        return ready;
    if (self->in_size - self->in_len < TW_WS_READ_CHUNK) {
        size_t size = self->in_size + TW_WS_READ_CHUNK;
        unsigned char *in = (unsigned char *) realloc (self->in, size);
        if (!in)
            return -1;
        self->in = in;
        self->in_size = size;
    }
    ssize_t n = recv (self->fd, self->in + self->in_len, self->in_size - self->in_len, 0);
    if (n > 0) {
        self->in_len += (size_t) n;
        return 1;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    return -1;
}

static void
s_consume (tw_wsclient_t *self, size_t n)
{
    memmove (self->in, self->in + n, self->in_len - n);
    self->in_len -= n;
}

static int
s_send_frame (tw_wsclient_t *self, int opcode, const void *data, size_t len)
{
    unsigned char head[14];
    size_t head_len = 0;
    head[head_len++] = (unsigned char) (0x80 | opcode);
    if (len < 126)
        head[head_len++] = (unsigned char) (0x80 | len);
    else if (len <= 0xFFFF) {
        head[head_len++] = 0x80 | 126;
        head[head_len++] = (unsigned char) (len >> 8);
        head[head_len++] = (unsigned char) len;
    }
    else {
        head[head_len++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            head[head_len++] = (unsigned char) ((uint64_t) len >> (8 * i));
    }
    unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
    memcpy (head + head_len, mask, sizeof mask);
    head_len += sizeof mask;
    unsigned char *frame = (unsigned char *) malloc (head_len + len);
    if (!frame)
        return -1;
    memcpy (frame, head, head_len);
    for (size_t i = 0; i < len; i++)
        frame[head_len + i] = ((const unsigned char *) data)[i] ^ mask[i % 4];
    int rc = s_send_all (self->fd, frame, head_len + len, tw_clock_mono_ms () + 5000);
    free (frame);
    return rc;
}

tw_wsclient_t *
tw_wsclient_connect (int port, const tw_wsclient_opts_t *opts, int *status)
{
    *status = -1;
    int64_t deadline = tw_clock_mono_ms () + opts->timeout_ms;
    int fd = s_connect (port, opts->rcvbuf, deadline);
    if (fd < 0)
        return NULL;
    tw_wsclient_t *self = (tw_wsclient_t *) calloc (1, sizeof *self);
    self->fd = fd;
    char request[1024], auth[512] = "";
    if (opts->bearer)
        snprintf (auth, sizeof auth, "Authorization: Bearer %s\r\n", opts->bearer);
    int len = snprintf (request, sizeof request,
                        "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 13\r\n%s\r\n",
                        opts->path, port, auth);
    if (s_send_all (fd, request, (size_t) len, deadline) != 0) {
        tw_wsclient_destroy (&self);
        return NULL;
    }
    //  The head ends with an empty line; what follows is frames.
    char *end = NULL;
    while (!end) {
        int rc = s_fill (self, deadline);
        if (rc == 1) {
            size_t n = self->in_len < TW_WS_HEAD_MAX - 1 ? self->in_len : TW_WS_HEAD_MAX - 1;
            memcpy (self->head, self->in, n);
            self->head[n] = 0;
            end = strstr (self->head, "\r\n\r\n");
        }
        else if (rc < 0 && self->in_len > 0)
            break; //  closed right after a response without an empty line
        else if (rc != 1) {
            tw_wsclient_destroy (&self);
            return NULL;
        }
    }
    if (end) {
        size_t head_len = (size_t) (end - self->head) + 4;
        self->head[head_len] = 0;
        s_consume (self, head_len);
    }
    int code = -1;
    if (sscanf (self->head, "HTTP/1.%*d %d", &code) != 1)
        code = -1;
    *status = code;
    return self;
}

void
tw_wsclient_destroy (tw_wsclient_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    tw_wsclient_t *self = *self_p;
    close (self->fd);
    free (self->in);
    free (self->message);
    free (self);
    *self_p = NULL;
}

const char *
tw_wsclient_head (tw_wsclient_t *self)
{
    return self->head;
}

int
tw_wsclient_send (tw_wsclient_t *self, const void *data, size_t len, bool binary)
{
    return s_send_frame (self, binary ? TW_WS_OP_BINARY : TW_WS_OP_TEXT, data, len);
}

//  Parses one whole frame from self->in, if there is one. Returns 1 with
//  the frame's opcode, fin, payload offset and length; 0 when more bytes
//  are needed.
static int
s_frame (tw_wsclient_t *self, int *opcode, bool *fin, size_t *offset, size_t *len)
{
    if (self->in_len < 2)
        return 0;
    const unsigned char *in = self->in;
    *fin = (in[0] & 0x80) != 0;
    *opcode = in[0] & 0x0F;
    uint64_t length = in[1] & 0x7F;
    size_t head = 2;
    if (length == 126) {
        if (self->in_len < 4)
            return 0;
        length = ((uint64_t) in[2] << 8) | in[3];
        head = 4;
    }
    else if (length == 127) {
        if (self->in_len < 10)
            return 0;
        length = 0;
        for (int i = 0; i < 8; i++)
            length = (length << 8) | in[2 + i];
        head = 10;
    }
    if (in[1] & 0x80)
        head += 4; //  a server must not mask; skip the key if it did
    if (length > TW_WS_MESSAGE_MAX || self->in_len < head + length)
        return 0;
    *offset = head;
    *len = (size_t) length;
    return 1;
}

int
tw_wsclient_recv (tw_wsclient_t *self, int timeout_ms, char **text, int *close_code)
{
    *text = NULL;
    if (close_code)
        *close_code = 0;
    int64_t deadline = tw_clock_mono_ms () + timeout_ms;
    while (true) {
        int opcode;
        bool fin;
        size_t offset, len;
        while (s_frame (self, &opcode, &fin, &offset, &len) == 1) {
            const unsigned char *payload = self->in + offset;
            if (opcode == TW_WS_OP_CLOSE) {
                if (close_code && len >= 2)
                    *close_code = (payload[0] << 8) | payload[1];
                s_consume (self, offset + len);
                return -1;
            }
            if (opcode == TW_WS_OP_PING)
                s_send_frame (self, TW_WS_OP_PONG, payload, len);
            else if (opcode == TW_WS_OP_TEXT || opcode == TW_WS_OP_BINARY
                     || opcode == TW_WS_OP_CONT) {
                unsigned char *grown =
                    (unsigned char *) realloc (self->message, self->message_len + len + 1);
                if (!grown)
                    return -1;
                self->message = grown;
                memcpy (self->message + self->message_len, payload, len);
                self->message_len += len;
                self->message[self->message_len] = 0;
            }
            s_consume (self, offset + len);
            if (fin && opcode != TW_WS_OP_PING && opcode != TW_WS_OP_PONG) {
                *text = (char *) self->message;
                self->message = NULL;
                self->message_len = 0;
                return 1;
            }
        }
        int rc = s_fill (self, deadline);
        if (rc < 0)
            return -1;
        if (rc == 0 && tw_clock_mono_ms () >= deadline)
            return 0;
    }
}

int
tw_http_get (int port, const char *path, char *body, size_t body_size, int timeout_ms)
{
    int64_t deadline = tw_clock_mono_ms () + timeout_ms;
    int fd = s_connect (port, 0, deadline);
    if (fd < 0)
        return -1;
    char request[512];
    int len =
        snprintf (request, sizeof request, "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
    tw_wsclient_t reader = {.fd = fd};
    int status = -1;
    if (s_send_all (fd, request, (size_t) len, deadline) == 0) {
        //  HTTP/1.0: the server closes when the response is complete.
        int rc;
        while ((rc = s_fill (&reader, deadline)) == 1)
            ;
        if (rc < 0 && reader.in_len > 0) {
            char *text = (char *) realloc (reader.in, reader.in_len + 1);
            reader.in = (unsigned char *) text;
            text[reader.in_len] = 0;
            if (sscanf (text, "HTTP/1.%*d %d", &status) != 1)
                status = -1;
            char *start = strstr (text, "\r\n\r\n");
            if (body && body_size > 0)
                snprintf (body, body_size, "%s", start ? start + 4 : "");
        }
    }
    close (fd);
    free (reader.in);
    return status;
}
