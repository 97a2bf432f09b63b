//  tw_requester - see tw_requester.h.
//
//  One zhashx, req_id -> s_entry_t. Each entry keeps the request encoded
//  once, so that every attempt sends the same bytes. The one DEALER is kept
//  across attempts: unlike REQ, a DEALER does not jam after a lost reply,
//  and it reconnects to a restarted server by itself.

#include "tw_requester.h"
#include "tw_clock.h"
#include "tw_log.h"
#include "tw_sock.h"

#include <assert.h>
#include <string.h>

//  Sends on the DEALER never wait.
#define TW_REQUESTER_SEND_TIMEOUT_MS 0
#define TW_REQUESTER_LOG_INTERVAL_MS 5000
//  The timer of tw_requester_attach: a quarter of the timeout, within these.
#define TW_REQUESTER_TIMER_DIVISOR 4
#define TW_REQUESTER_TIMER_MIN_MS 5
#define TW_REQUESTER_TIMER_MAX_MS 50

typedef struct {
    tw_requester_entry_t pub; //  first: what tw_requester_lookup shows
    tw_requester_fn *done;
    uint8_t *data; //  the request, encoded once
    size_t size;
} s_entry_t;

struct _tw_requester_t {
    zsock_t *dealer;            //  NULL with a send function
    tw_requester_send_fn *send; //  NULL with a DEALER
    void *send_arg;
    int64_t timeout_ms;
    int attempts;
    tw_msg_type_t reply_type; //  TW_MSG_INVALID: any
    size_t max;               //  0: no bound
    zhashx_t *table;          //  req_id -> s_entry_t *, owned
    tw_requester_stats_t stats;
    tw_log_limit_t bad_log;
    tw_log_limit_t send_log;
};

static tw_requester_t *
s_new (int64_t timeout_ms, int attempts)
{
    assert (timeout_ms > 0 && attempts >= 1);
    tw_requester_t *self = (tw_requester_t *) zmalloc (sizeof (tw_requester_t));
    self->timeout_ms = timeout_ms;
    self->attempts = attempts;
    self->reply_type = TW_MSG_INVALID;
    self->table = zhashx_new ();
    self->bad_log.interval_ms = TW_REQUESTER_LOG_INTERVAL_MS;
    self->send_log.interval_ms = TW_REQUESTER_LOG_INTERVAL_MS;
    return self;
}

tw_requester_t *
tw_requester_new (const char *endpoint, int64_t timeout_ms, int attempts)
{
    assert (endpoint);
    zsock_t *dealer = tw_sock_dealer_new (endpoint);
    if (!dealer)
        return NULL;
    //  With ZMQ_IMMEDIATE a send waits for a connected server: never here.
    zsock_set_sndtimeo (dealer, TW_REQUESTER_SEND_TIMEOUT_MS);
    tw_requester_t *self = s_new (timeout_ms, attempts);
    self->dealer = dealer;
    return self;
}

tw_requester_t *
tw_requester_new_with (tw_requester_send_fn *send, void *arg, int64_t timeout_ms, int attempts)
{
    assert (send);
    tw_requester_t *self = s_new (timeout_ms, attempts);
    self->send = send;
    self->send_arg = arg;
    return self;
}

static void
s_entry_free (s_entry_t **entry_p)
{
    free ((*entry_p)->data);
    free (*entry_p);
    *entry_p = NULL;
}

void
tw_requester_destroy (tw_requester_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    tw_requester_t *self = *self_p;
    for (s_entry_t *entry = (s_entry_t *) zhashx_first (self->table); entry;
         entry = (s_entry_t *) zhashx_next (self->table))
        s_entry_free (&entry);
    zhashx_destroy (&self->table);
    zsock_destroy (&self->dealer);
    free (self);
    *self_p = NULL;
}

void
tw_requester_set_reply_type (tw_requester_t *self, tw_msg_type_t type)
{
    assert (self);
    self->reply_type = type;
}

void
tw_requester_set_max (tw_requester_t *self, size_t max)
{
    assert (self);
    self->max = max;
}

//  The DEALER speaks the REQ envelope: an empty delimiter, then the body.
static int
s_send_bytes (tw_requester_t *self, const uint8_t *data, size_t size)
{
    if (self->send)
        return self->send (data, size, self->send_arg);
    void *handle = zsock_resolve (self->dealer);
    if (zmq_send (handle, "", 0, ZMQ_SNDMORE) != 0)
        return -1;
    return zmq_send (handle, data, size, 0) == (int) size ? 0 : -1;
}

//  One attempt: a send that fails counts, and the next timeout retries it.
static void
s_attempt (tw_requester_t *self, s_entry_t *entry, int64_t now_ms)
{
    entry->pub.attempts++;
    entry->pub.deadline_ms = now_ms + self->timeout_ms;
    if (s_send_bytes (self, entry->data, entry->size) != 0) {
        self->stats.failed++;
        tw_log_limited (&self->send_log, TW_LOG_WARN,
                        "request not sent (server not connected) type=%s req_id=%s attempt=%d",
                        tw_msg_type_name (entry->pub.request.type), entry->pub.request.req_id,
                        entry->pub.attempts);
    }
}

int
tw_requester_send (tw_requester_t *self, const tw_msg_t *request, tw_requester_fn *done, void *arg,
                   int64_t now_ms)
{
    assert (self && request && done);
    assert (request->req_id[0]);
    if (zhashx_lookup (self->table, request->req_id)) {
        self->stats.joined++;
        return 1;
    }
    if (self->max && zhashx_size (self->table) >= self->max)
        return -1;
    s_entry_t *entry = (s_entry_t *) zmalloc (sizeof (s_entry_t));
    char err[TW_TEXT_MAX];
    if (tw_msg_encode (request, &entry->data, &entry->size, err, sizeof err) != 0) {
        tw_error ("request not encoded type=%s req_id=%s error=\"%s\"",
                  tw_msg_type_name (request->type), request->req_id, err);
        s_entry_free (&entry);
        return -1;
    }
    entry->pub.request = *request;
    entry->pub.arg = arg;
    entry->done = done;
    zhashx_insert (self->table, entry->pub.request.req_id, entry);
    self->stats.sent++;
    s_attempt (self, entry, now_ms);
    return 0;
}

//  Takes entry out of the table, calls fn with reply, and frees it.
static void
s_finish (tw_requester_t *self, s_entry_t *entry, tw_requester_fn *fn, void *arg,
          const tw_msg_t *reply, int64_t now_ms)
{
    zhashx_delete (self->table, entry->pub.request.req_id);
    fn (&entry->pub, reply, now_ms, arg);
    s_entry_free (&entry);
}

int
tw_requester_deliver (tw_requester_t *self, const tw_msg_t *reply, int64_t now_ms)
{
    assert (self && reply);
    if (self->reply_type != TW_MSG_INVALID && reply->type != self->reply_type) {
        self->stats.malformed++;
        tw_log_limited (&self->bad_log, TW_LOG_WARN, "unexpected %s reply req_id=%s (not a %s)",
                        tw_msg_type_name (reply->type), reply->req_id,
                        tw_msg_type_name (self->reply_type));
        return -1;
    }
    s_entry_t *entry = (s_entry_t *) zhashx_lookup (self->table, reply->req_id);
    if (!entry) {
        //  A repeat's second answer, or one that came after giving up.
        self->stats.stale++;
        tw_debug ("reply for nothing in flight type=%s req_id=%s", tw_msg_type_name (reply->type),
                  reply->req_id);
        return -1;
    }
    self->stats.answered++;
    s_finish (self, entry, entry->done, entry->pub.arg, reply, now_ms);
    return 0;
}

int
tw_requester_recv (tw_requester_t *self)
{
    assert (self && self->dealer);
    tw_msg_t reply;
    memset (&reply, 0, sizeof reply);
    char err[TW_TEXT_MAX] = "";
    if (tw_sock_recv (self->dealer, &reply, err, sizeof err) != 0) {
        self->stats.malformed++;
        tw_log_limited (&self->bad_log, TW_LOG_WARN, "malformed reply error=\"%s\"", err);
        return -1;
    }
    int rc = tw_requester_deliver (self, &reply, tw_clock_mono_ms ());
    tw_msg_reset (&reply);
    return rc;
}

void
tw_requester_expire (tw_requester_t *self, int64_t now_ms)
{
    assert (self);
    if (zhashx_size (self->table) == 0)
        return;
    //  Keys first: a done function may change the table under a cursor.
    zlistx_t *keys = zhashx_keys (self->table);
    if (!keys)
        return;
    for (const char *key = (const char *) zlistx_first (keys); key;
         key = (const char *) zlistx_next (keys)) {
        s_entry_t *entry = (s_entry_t *) zhashx_lookup (self->table, key);
        if (!entry || now_ms < entry->pub.deadline_ms)
            continue;
        const tw_msg_t *request = &entry->pub.request;
        if (entry->pub.attempts < self->attempts) {
            self->stats.resent++;
            tw_info ("no reply yet type=%s req_id=%s: sending again, attempt=%d",
                     tw_msg_type_name (request->type), request->req_id, entry->pub.attempts + 1);
            s_attempt (self, entry, now_ms);
        }
        else {
            self->stats.given_up++;
            tw_warn ("no reply type=%s req_id=%s attempts=%d: given up",
                     tw_msg_type_name (request->type), request->req_id, entry->pub.attempts);
            s_finish (self, entry, entry->done, entry->pub.arg, NULL, now_ms);
        }
    }
    zlistx_destroy (&keys);
}

int
tw_requester_cancel (tw_requester_t *self, const char *req_id)
{
    assert (self && req_id);
    s_entry_t *entry = (s_entry_t *) zhashx_lookup (self->table, req_id);
    if (!entry)
        return -1;
    zhashx_delete (self->table, req_id);
    s_entry_free (&entry);
    return 0;
}

size_t
tw_requester_abandon (tw_requester_t *self, tw_requester_fn *fn, void *arg)
{
    assert (self && fn);
    size_t count = 0;
    int64_t now_ms = tw_clock_mono_ms ();
    s_entry_t *entry;
    while ((entry = (s_entry_t *) zhashx_first (self->table))) {
        s_finish (self, entry, fn, arg, NULL, now_ms);
        count++;
    }
    return count;
}

const tw_requester_entry_t *
tw_requester_lookup (tw_requester_t *self, const char *req_id)
{
    assert (self);
    s_entry_t *entry = req_id ? (s_entry_t *) zhashx_lookup (self->table, req_id) : NULL;
    return entry ? &entry->pub : NULL;
}

size_t
tw_requester_size (tw_requester_t *self)
{
    assert (self);
    return zhashx_size (self->table);
}

int64_t
tw_requester_window_ms (tw_requester_t *self)
{
    assert (self);
    return self->timeout_ms * self->attempts;
}

const tw_requester_stats_t *
tw_requester_stats (tw_requester_t *self)
{
    assert (self);
    return &self->stats;
}

zsock_t *
tw_requester_socket (tw_requester_t *self)
{
    assert (self);
    return self->dealer;
}

static int
s_on_reply (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    (void) reader;
    tw_requester_recv ((tw_requester_t *) arg); //  it counts and logs what is wrong
    return 0;
}

static int
s_on_timer (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    tw_requester_expire ((tw_requester_t *) arg, tw_clock_mono_ms ());
    return 0;
}

int
tw_requester_attach (tw_requester_t *self, zloop_t *loop)
{
    assert (self && loop);
    if (!self->dealer)
        return -1;
    int64_t period_ms = self->timeout_ms / TW_REQUESTER_TIMER_DIVISOR;
    if (period_ms < TW_REQUESTER_TIMER_MIN_MS)
        period_ms = TW_REQUESTER_TIMER_MIN_MS;
    if (period_ms > TW_REQUESTER_TIMER_MAX_MS)
        period_ms = TW_REQUESTER_TIMER_MAX_MS;
    if (zloop_reader (loop, self->dealer, s_on_reply, self) != 0
        || zloop_timer (loop, (size_t) period_ms, 0, s_on_timer, self) < 0)
        return -1;
    return 0;
}
