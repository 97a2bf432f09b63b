//  nt_ws_int - what the two halves of the server share: nt_ws.c (the owner
//  API, the thread, the pipe) and nt_ws_conn.c (the libwebsockets protocol
//  callback: HTTP, the upgrade check and each WebSocket client). Everything
//  here below the configuration belongs to the server thread.

#ifndef NT_WS_INT_H_INCLUDED
#define NT_WS_INT_H_INCLUDED

#include <libwebsockets.h>
#include <pthread.h>

#include "nt_auth.h"
#include "nt_queue.h"
#include "nt_ws.h"
#include "tw_log.h"

//  The largest client frame accepted; a larger one is discarded whole and
//  answered with an error frame.
#define NT_WS_RX_MAX 4096
//  Bytes of the dashboard written per HTTP_WRITEABLE callback.
#define NT_WS_HTTP_CHUNK 4096
#define NT_WS_HOST_MAX 64

//  One connection: libwebsockets' per-session data, zeroed by it. HTTP
//  connections use the page fields; a WebSocket client is set up in full
//  when it is established.
typedef struct nt_client {
    //  HTTP: the dashboard being written.
    bool page;
    size_t page_sent;
    //  WebSocket.
    bool is_ws;
    struct lws *wsi;
    uint64_t id;
    nt_access_t access;
    bool live;          //  has had its snapshot: events go to it
    bool hello_pending; //  the owner has not been told about it yet
    bool dropping;      //  being closed: nothing more is queued
    nt_queue_t *queue;
    char *rx; //  NT_WS_RX_MAX bytes, the message being received
    size_t rx_len;
    bool rx_oversize;
    bool rx_binary;
    struct nt_client *prev, *next; //  the list of WebSocket clients
} nt_client_t;

struct _nt_ws_t {
    //  Configuration, copied.
    char host[NT_WS_HOST_MAX];
    int port;
    char token[NT_AUTH_TOKEN_MAX + 1];
    bool allow_anonymous;
    size_t max_clients;
    size_t queue_max;

    //  The pipe: the owner's end and the thread's end.
    zsock_t *owner_end;
    zsock_t *thread_end;
    pthread_t thread;
    bool thread_started;
    bool thread_ended; //  the owner has read its STOPPED
    struct lws_context *context;

    //  The server thread's state.
    bool stopping;
    lws_sorted_usec_list_t tick;
    nt_client_t *clients;
    size_t client_count;
    uint64_t next_client_id;
    uint64_t seq; //  the latest seq the owner gave
    //  What a new client gets (snapshot, recent events, journal), shared by
    //  every client it is queued for: set once per change by the owner.
    nt_frame_t *welcome[NT_WS_WELCOME_MAX];
    size_t welcome_count;
    nt_ws_stats_t stats;
    nt_ws_stats_t stats_reported;
    tw_log_limit_t refused_log;
    tw_log_limit_t frame_log;
    unsigned char page_buf[LWS_PRE + NT_WS_HTTP_CHUNK];
};

//  The protocol callback (nt_ws_conn.c).
int nt_ws_conn_callback (struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len);

//  Queues frame for client and asks for a writeable callback; drops the
//  client when its queue is full (nt_ws_conn.c). Returns 0 or -1 (dropped).
int nt_ws_conn_push (nt_ws_t *self, nt_client_t *client, nt_frame_t *frame);

//  Tells the owner about clients not yet announced (nt_ws_conn.c).
void nt_ws_conn_announce (nt_ws_t *self);

//  Sends a report to the owner without blocking (nt_ws.c). Returns 0, or
//  -1 when the pipe is full.
int nt_ws_tell_hello (nt_ws_t *self, uint64_t client);
int nt_ws_tell_close (nt_ws_t *self, uint64_t client, const char *id);
int nt_ws_tell_flatten (nt_ws_t *self, uint64_t client);

#endif
