//  tw_events - see tw_events.h.

#include "tw_events.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_clock.h"
#include "tw_sock.h"

//  The tally grows by this many rows at a time.
#define TW_EVENTS_TALLY_STEP 16

typedef struct {
    tw_msg_type_t type;
    char id[TW_ID_MAX];
    int count;
} s_tally_t;

struct _tw_events_t {
    zsock_t *sub;
    zpoller_t *poller;
    s_tally_t *tally;
    size_t tally_count;
    size_t tally_size;
};

tw_events_t *
tw_events_new (const char *endpoint)
{
    tw_events_t *self = (tw_events_t *) calloc (1, sizeof (tw_events_t));
    if (!self)
        return NULL;
    self->sub = tw_sock_sub_new (endpoint, "");
    self->poller = self->sub ? zpoller_new (self->sub, NULL) : NULL;
    if (!self->poller)
        tw_events_destroy (&self);
    return self;
}

void
tw_events_destroy (tw_events_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    tw_events_t *self = *self_p;
    zpoller_destroy (&self->poller);
    zsock_destroy (&self->sub);
    free (self->tally);
    free (self);
    *self_p = NULL;
}

//  The position id of event, "" when it is not a position event.
static const char *
s_id (const tw_msg_t *event)
{
    return tw_msg_is_event (event->type) && event->type != TW_MSG_HEARTBEAT ? event->u.event.pos.id
                                                                            : "";
}

static void
s_tally (tw_events_t *self, const tw_msg_t *event)
{
    const char *id = s_id (event);
    for (size_t i = 0; i < self->tally_count; i++)
        if (self->tally[i].type == event->type && streq (self->tally[i].id, id)) {
            self->tally[i].count++;
            return;
        }
    if (self->tally_count == self->tally_size) {
        size_t size = self->tally_size + TW_EVENTS_TALLY_STEP;
        s_tally_t *tally = (s_tally_t *) realloc (self->tally, size * sizeof (s_tally_t));
        if (!tally)
            return;
        self->tally = tally;
        self->tally_size = size;
    }
    s_tally_t *row = &self->tally[self->tally_count++];
    row->type = event->type;
    snprintf (row->id, sizeof row->id, "%s", id);
    row->count = 1;
}

bool
tw_events_next (tw_events_t *self, int timeout_ms, tw_msg_t *event)
{
    int64_t deadline = tw_clock_mono_ms () + timeout_ms;
    while (true) {
        int64_t left = deadline - tw_clock_mono_ms ();
        if (zpoller_wait (self->poller, left > 0 ? (int) left : 0)) {
            char err[TW_TEXT_MAX];
            if (tw_sock_recv (self->sub, event, err, sizeof err) == 0) {
                s_tally (self, event);
                return true;
            }
            fprintf (stderr, "tw_events: a bad message: %s\n", err);
        }
        else if (zpoller_terminated (self->poller))
            return false;
        if (tw_clock_mono_ms () >= deadline)
            return false;
    }
}

bool
tw_events_wait (tw_events_t *self, tw_msg_type_t type, const char *id, int timeout_ms,
                tw_msg_t *event)
{
    int64_t deadline = tw_clock_mono_ms () + timeout_ms;
    while (true) {
        int64_t left = deadline - tw_clock_mono_ms ();
        if (!tw_events_next (self, left > 0 ? (int) left : 0, event))
            return false;
        if ((type == TW_MSG_INVALID || event->type == type) && (!id || streq (s_id (event), id)))
            return true;
        tw_msg_reset (event);
    }
}

bool
tw_events_wait_live (tw_events_t *self, int timeout_ms)
{
    tw_msg_t event;
    bool live = tw_events_wait (self, TW_MSG_HEARTBEAT, NULL, timeout_ms, &event);
    if (live)
        tw_msg_reset (&event);
    return live;
}

int
tw_events_count (tw_events_t *self, tw_msg_type_t type, const char *id)
{
    int count = 0;
    for (size_t i = 0; i < self->tally_count; i++)
        if (self->tally[i].type == type && (!id || streq (self->tally[i].id, id)))
            count += self->tally[i].count;
    return count;
}
