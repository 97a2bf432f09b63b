//  rm_commands - see rm_commands.h.
//
//  One zhashx, position id -> rm_entry_t. The requester calls back with the
//  command it sent; the position id in it finds the entry.

#include "rm_commands.h"
#include "tw_log.h"

#include <assert.h>
#include <czmq.h>
#include <string.h>

typedef struct {
    char id[TW_ID_MAX];
    tw_msg_type_t kind;       //  TW_MSG_CLOSE, TW_MSG_MODIFY; TW_MSG_INVALID = none in flight
    char req_id[TW_ID_MAX];   //  of the command in flight
    int64_t hold_until_ms;    //  no close before this (accepted close)
    int64_t backoff_until_ms; //  no close before this (rejected close)
    bool released;            //  the clone showed the close's effect before its ack
} rm_entry_t;

struct _rm_commands_t {
    rm_commands_config_t config;
    tw_requester_t *requester;
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
rm_commands_new (const rm_commands_config_t *config, tw_requester_t *requester)
{
    assert (config && requester);
    rm_commands_t *self = (rm_commands_t *) zmalloc (sizeof (rm_commands_t));
    self->config = *config;
    self->requester = requester;
    tw_requester_set_reply_type (requester, TW_MSG_ACK);
    self->entries = zhashx_new ();
    zhashx_set_destructor (self->entries, s_entry_destroy);
    return self;
}

void
rm_commands_destroy (rm_commands_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    rm_commands_t *self = *self_p;
    for (rm_entry_t *entry = (rm_entry_t *) zhashx_first (self->entries); entry;
         entry = (rm_entry_t *) zhashx_next (self->entries))
        if (entry->kind != TW_MSG_INVALID)
            tw_requester_cancel (self->requester, entry->req_id);
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

static const char *
s_position_id (const tw_msg_t *msg)
{
    return msg->type == TW_MSG_CLOSE ? msg->u.close.id : msg->u.modify.id;
}

//  Drops entry when nothing holds it any more.
static void
s_drop_if_idle (rm_commands_t *self, rm_entry_t *entry, int64_t now_ms)
{
    if (entry->kind == TW_MSG_INVALID && now_ms >= entry->hold_until_ms
        && now_ms >= entry->backoff_until_ms)
        zhashx_delete (self->entries, entry->id);
}

static void
s_on_close_ack (rm_commands_t *self, rm_entry_t *entry, const tw_msg_t *reply, int attempts,
                int64_t now_ms)
{
    const tw_ack_t *ack = &reply->u.ack;
    if (ack->status == TW_ACK_REJECTED) {
        self->stats.closes_rejected++;
        entry->backoff_until_ms = now_ms + self->config.reject_backoff_ms;
        tw_warn ("close rejected id=%s req_id=%s error=\"%s\" backoff_ms=%lld", entry->id,
                 reply->req_id, ack->error, (long long) self->config.reject_backoff_ms);
        return;
    }
    self->stats.closes_accepted++;
    //  The gateway publishes position_closing before it acks, so the clone
    //  usually has shown the close already; only otherwise is a hold needed.
    if (!entry->released)
        entry->hold_until_ms = now_ms + self->config.hold_ms;
    tw_info ("close acked id=%s status=%s req_id=%s attempts=%d", entry->id,
             tw_ack_status_name (ack->status), reply->req_id, attempts);
}

//  The requester's verdict on a command: its ack, or NULL when given up.
static void
s_on_done (const tw_requester_entry_t *sent, const tw_msg_t *reply, int64_t now_ms, void *arg)
{
    rm_commands_t *self = (rm_commands_t *) arg;
    const tw_msg_t *msg = &sent->request;
    rm_entry_t *entry = s_lookup (self, s_position_id (msg));
    //  Commands that were replaced or forgotten are cancelled: never here.
    if (!entry || entry->kind != msg->type || !streq (entry->req_id, msg->req_id))
        return;
    entry->kind = TW_MSG_INVALID;
    if (!reply) {
        tw_error ("command gave up type=%s id=%s req_id=%s attempts=%d: no reply from the gateway",
                  tw_msg_type_name (msg->type), entry->id, msg->req_id, sent->attempts);
        zhashx_delete (self->entries, entry->id);
        return;
    }
    if (msg->type == TW_MSG_CLOSE)
        s_on_close_ack (self, entry, reply, sent->attempts, now_ms);
    else if (reply->u.ack.status == TW_ACK_REJECTED) {
        self->stats.modifies_rejected++;
        tw_warn ("modify rejected id=%s req_id=%s error=\"%s\"", entry->id, msg->req_id,
                 reply->u.ack.error);
    }
    else
        self->stats.modifies_accepted++;
    s_drop_if_idle (self, entry, now_ms);
}

int
rm_commands_start (rm_commands_t *self, const tw_msg_t *msg, int64_t now_ms)
{
    assert (msg && (msg->type == TW_MSG_CLOSE || msg->type == TW_MSG_MODIFY));
    assert (msg->req_id[0]);
    const char *id = s_position_id (msg);
    bool allowed = msg->type == TW_MSG_CLOSE ? rm_commands_may_close (self, id, now_ms)
                                             : rm_commands_may_modify (self, id, now_ms);
    if (!allowed)
        return -1;
    rm_entry_t *entry = s_lookup (self, id);
    if (!entry) {
        entry = (rm_entry_t *) zmalloc (sizeof (rm_entry_t));
        snprintf (entry->id, sizeof entry->id, "%s", id);
        zhashx_insert (self->entries, entry->id, entry);
    }
    else if (entry->kind == TW_MSG_MODIFY) {
        tw_debug ("modify abandoned for a close id=%s req_id=%s", id, entry->req_id);
        tw_requester_cancel (self->requester, entry->req_id);
    }
    entry->kind = msg->type;
    snprintf (entry->req_id, sizeof entry->req_id, "%s", msg->req_id);
    entry->hold_until_ms = 0;
    entry->backoff_until_ms = 0;
    entry->released = false;
    if (tw_requester_send (self->requester, msg, s_on_done, self, now_ms) != 0) {
        //  Refused (or a req_id already in flight, which is not fresh).
        zhashx_delete (self->entries, id);
        return -1;
    }
    if (msg->type == TW_MSG_CLOSE)
        self->stats.closes_sent++;
    else
        self->stats.modifies_sent++;
    return 0;
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
        if (entry)
            s_drop_if_idle (self, entry, now_ms);
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
    rm_entry_t *entry = s_lookup (self, id);
    if (entry && entry->kind != TW_MSG_INVALID)
        tw_requester_cancel (self->requester, entry->req_id);
    zhashx_delete (self->entries, id);
}

const tw_msg_t *
rm_commands_pending (rm_commands_t *self, const char *id)
{
    rm_entry_t *entry = s_lookup (self, id);
    const tw_requester_entry_t *sent = entry && entry->kind != TW_MSG_INVALID
                                           ? tw_requester_lookup (self->requester, entry->req_id)
                                           : NULL;
    return sent ? &sent->request : NULL;
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
