//  rm_commands - see rm_commands.h.
//
//  One zhashx, position id -> rm_entry_t. Tables are small (one entry per
//  position with something in progress), so an ack is matched to its entry
//  by a walk over the table rather than a second index.

#include "rm_commands.h"
#include "tw_log.h"

#include <assert.h>
#include <czmq.h>
#include <string.h>

typedef struct {
    char id[TW_ID_MAX];
    tw_msg_type_t kind;       //  TW_MSG_CLOSE, TW_MSG_MODIFY; TW_MSG_INVALID = none in flight
    tw_msg_t msg;             //  what was sent, to send again identical
    int64_t sent_ms;          //  the last send
    int attempts;             //  sends so far
    int64_t hold_until_ms;    //  no close before this (accepted close)
    int64_t backoff_until_ms; //  no close before this (rejected close)
    bool released;            //  the clone showed the close's effect before its ack
} rm_entry_t;

struct _rm_commands_t {
    rm_commands_config_t config;
    rm_commands_send_fn *send;
    void *arg;
    zhashx_t *entries; //  id -> rm_entry_t *
    rm_commands_stats_t stats;
};

static void
s_entry_destroy (void **item)
{
    free (*item);
    *item = NULL;
}

rm_commands_t *
rm_commands_new (const rm_commands_config_t *config, rm_commands_send_fn *send, void *arg)
{
    assert (config && send);
    assert (config->timeout_ms > 0 && config->attempts >= 1);
    rm_commands_t *self = (rm_commands_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->config = *config;
    self->send = send;
    self->arg = arg;
    self->entries = zhashx_new ();
    if (!self->entries) {
        free (self);
        return NULL;
    }
    zhashx_set_destructor (self->entries, s_entry_destroy);
    return self;
}

void
rm_commands_destroy (rm_commands_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    rm_commands_t *self = *self_p;
    zhashx_destroy (&self->entries);
    free (self);
    *self_p = NULL;
}

static rm_entry_t *
s_lookup (rm_commands_t *self, const char *id)
{
    return (rm_entry_t *) zhashx_lookup (self->entries, id);
}

bool
rm_commands_may_close (rm_commands_t *self, const char *id, int64_t now_ms)
{
    rm_entry_t *entry = s_lookup (self, id);
    return !entry
           || (entry->kind != TW_MSG_CLOSE && now_ms >= entry->hold_until_ms
               && now_ms >= entry->backoff_until_ms);
}

bool
rm_commands_may_modify (rm_commands_t *self, const char *id, int64_t now_ms)
{
    (void) now_ms;
    return s_lookup (self, id) == NULL;
}

static void
s_send (rm_commands_t *self, rm_entry_t *entry, int64_t now_ms)
{
    entry->attempts++;
    entry->sent_ms = now_ms;
    if (self->send (&entry->msg, self->arg) != 0)
        tw_debug ("command not sent type=%s id=%s req_id=%s attempt=%d: will retry",
                  tw_msg_type_name (entry->kind), entry->id, entry->msg.req_id, entry->attempts);
}

int
rm_commands_start (rm_commands_t *self, const tw_msg_t *msg, int64_t now_ms)
{
    assert (msg && (msg->type == TW_MSG_CLOSE || msg->type == TW_MSG_MODIFY));
    assert (msg->req_id[0]);
    const char *id = msg->type == TW_MSG_CLOSE ? msg->u.close.id : msg->u.modify.id;
    bool allowed = msg->type == TW_MSG_CLOSE ? rm_commands_may_close (self, id, now_ms)
                                             : rm_commands_may_modify (self, id, now_ms);
    if (!allowed)
        return -1;
    rm_entry_t *entry = s_lookup (self, id);
    if (!entry) {
        entry = (rm_entry_t *) calloc (1, sizeof *entry);
        assert (entry);
        snprintf (entry->id, sizeof entry->id, "%s", id);
        zhashx_insert (self->entries, entry->id, entry);
    }
    else if (entry->kind == TW_MSG_MODIFY)
        tw_debug ("modify abandoned for a close id=%s req_id=%s", id, entry->msg.req_id);
    entry->kind = msg->type;
    entry->msg = *msg;
    entry->attempts = 0;
    entry->hold_until_ms = 0;
    entry->backoff_until_ms = 0;
    entry->released = false;
    if (msg->type == TW_MSG_CLOSE)
        self->stats.closes_sent++;
    else
        self->stats.modifies_sent++;
    s_send (self, entry, now_ms);
    return 0;
}

//  Finds the entry whose command in flight has req_id.
static rm_entry_t *
s_find_req_id (rm_commands_t *self, const char *req_id)
{
    for (rm_entry_t *entry = (rm_entry_t *) zhashx_first (self->entries); entry;
         entry = (rm_entry_t *) zhashx_next (self->entries))
        if (entry->kind != TW_MSG_INVALID && strcmp (entry->msg.req_id, req_id) == 0)
            return entry;
    return NULL;
}

static void
s_on_close_ack (rm_commands_t *self, rm_entry_t *entry, const tw_ack_t *ack, int64_t now_ms)
{
    if (ack->status == TW_ACK_REJECTED) {
        self->stats.closes_rejected++;
        entry->backoff_until_ms = now_ms + self->config.reject_backoff_ms;
        tw_warn ("close rejected id=%s req_id=%s error=\"%s\" backoff_ms=%lld", entry->id,
                 entry->msg.req_id, ack->error, (long long) self->config.reject_backoff_ms);
        return;
    }
    self->stats.closes_accepted++;
    //  The gateway publishes position_closing before it acks, so the clone
    //  usually has shown the close already; only otherwise is a hold needed.
    if (!entry->released)
        entry->hold_until_ms = now_ms + self->config.hold_ms;
    tw_info ("close acked id=%s status=%s req_id=%s attempts=%d", entry->id,
             tw_ack_status_name (ack->status), entry->msg.req_id, entry->attempts);
}

int
rm_commands_on_reply (rm_commands_t *self, const tw_msg_t *reply, int64_t now_ms, rm_reply_t *out)
{
    assert (reply);
    rm_entry_t *entry = reply->type == TW_MSG_ACK ? s_find_req_id (self, reply->req_id) : NULL;
    if (!entry) {
        self->stats.stale_replies++;
        tw_debug ("stale reply type=%s req_id=%s", tw_msg_type_name (reply->type), reply->req_id);
        return 0;
    }
    const tw_ack_t *ack = &reply->u.ack;
    if (out) {
        out->kind = entry->kind;
        snprintf (out->id, sizeof out->id, "%s", entry->id);
        out->status = ack->status;
        out->attempts = entry->attempts;
    }
    tw_msg_type_t kind = entry->kind;
    entry->kind = TW_MSG_INVALID;
    if (kind == TW_MSG_CLOSE)
        s_on_close_ack (self, entry, ack, now_ms);
    else if (ack->status == TW_ACK_REJECTED) {
        self->stats.modifies_rejected++;
        tw_warn ("modify rejected id=%s req_id=%s error=\"%s\"", entry->id, entry->msg.req_id,
                 ack->error);
    }
    else
        self->stats.modifies_accepted++;
    if (entry->hold_until_ms <= now_ms && entry->backoff_until_ms <= now_ms)
        zhashx_delete (self->entries, entry->id);
    return 1;
}

//  Handles one entry at now_ms. Returns true when it is done with and can go.
static bool
s_expire_entry (rm_commands_t *self, rm_entry_t *entry, int64_t now_ms)
{
    if (entry->kind == TW_MSG_INVALID)
        return now_ms >= entry->hold_until_ms && now_ms >= entry->backoff_until_ms;
    if (now_ms - entry->sent_ms < self->config.timeout_ms)
        return false;
    if (entry->attempts < self->config.attempts) {
        self->stats.retries++;
        tw_warn ("command retry type=%s id=%s req_id=%s attempt=%d", tw_msg_type_name (entry->kind),
                 entry->id, entry->msg.req_id, entry->attempts + 1);
        s_send (self, entry, now_ms);
        return false;
    }
    self->stats.gave_up++;
    tw_error ("command gave up type=%s id=%s req_id=%s attempts=%d: no reply from the gateway",
              tw_msg_type_name (entry->kind), entry->id, entry->msg.req_id, entry->attempts);
    return true;
}

void
rm_commands_expire (rm_commands_t *self, int64_t now_ms)
{
    if (zhashx_size (self->entries) == 0)
        return;
    //  Deleting from a zhashx while walking it is not allowed: walk a copy
    //  of the keys.
    zlistx_t *ids = zhashx_keys (self->entries);
    if (!ids)
        return;
    for (const char *id = (const char *) zlistx_first (ids); id;
         id = (const char *) zlistx_next (ids)) {
        rm_entry_t *entry = s_lookup (self, id);
        if (entry && s_expire_entry (self, entry, now_ms))
            zhashx_delete (self->entries, id);
    }
    zlistx_destroy (&ids);
}

void
rm_commands_release (rm_commands_t *self, const char *id)
{
    rm_entry_t *entry = s_lookup (self, id);
    if (!entry)
        return;
    entry->hold_until_ms = 0;
    if (entry->kind == TW_MSG_CLOSE)
        entry->released = true;
    else if (entry->kind == TW_MSG_INVALID && entry->backoff_until_ms == 0)
        zhashx_delete (self->entries, id);
}

void
rm_commands_forget (rm_commands_t *self, const char *id)
{
    zhashx_delete (self->entries, id);
}

const tw_msg_t *
rm_commands_pending (rm_commands_t *self, const char *id)
{
    rm_entry_t *entry = s_lookup (self, id);
    return entry && entry->kind != TW_MSG_INVALID ? &entry->msg : NULL;
}

size_t
rm_commands_in_flight (rm_commands_t *self)
{
    size_t count = 0;
    for (rm_entry_t *entry = (rm_entry_t *) zhashx_first (self->entries); entry;
         entry = (rm_entry_t *) zhashx_next (self->entries))
        if (entry->kind != TW_MSG_INVALID)
            count++;
    return count;
}

const rm_commands_stats_t *
rm_commands_stats (rm_commands_t *self)
{
    return &self->stats;
}
