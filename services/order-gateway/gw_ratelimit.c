//  gw_ratelimit - see gw_ratelimit.h.
//
//  The windows are exact, not approximated by token refills: a ring holds the
//  times of the last max(per_sec, per_min) sends, and the next send must wait
//  until the per_sec-th most recent one is a second old and the per_min-th
//  most recent one is a minute old. Any 1000 ms window therefore holds at
//  most per_sec sends, and any 60000 ms window at most per_min.

#include "gw_ratelimit.h"

#include <assert.h>
#include <stdlib.h>

struct _gw_ratelimit_t {
    int per_sec;
    int per_min;
    int64_t *sent;         //  ring of the most recent send times
    size_t capacity;       //  max (per_sec, per_min)
    size_t count;          //  sends in the ring, <= capacity
    size_t next;           //  where the next send is written
    int64_t blocked_until; //  no send before this (a 429), 0 when none
    int streak;            //  consecutive 429s
};

gw_ratelimit_t *
gw_ratelimit_new (int per_sec, int per_min)
{
    if (per_sec < 1 || per_min < 1)
        return NULL;
    gw_ratelimit_t *self = (gw_ratelimit_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->per_sec = per_sec;
    self->per_min = per_min;
    self->capacity = (size_t) (per_sec > per_min ? per_sec : per_min);
    self->sent = (int64_t *) calloc (self->capacity, sizeof *self->sent);
    if (!self->sent) {
        free (self);
        return NULL;
    }
    return self;
}

void
gw_ratelimit_destroy (gw_ratelimit_t **self_p)
{
    assert (self_p);
    gw_ratelimit_t *self = *self_p;
    if (self) {
        free (self->sent);
        free (self);
        *self_p = NULL;
    }
}

//  The time of the nth most recent send (1 = the latest); n <= count.
static int64_t
s_nth_latest (gw_ratelimit_t *self, size_t n)
{
    assert (n >= 1 && n <= self->count);
    return self->sent[(self->next + self->capacity - n) % self->capacity];
}

//  How long until a window of window_ms holds fewer than limit sends.
static int64_t
s_window_wait (gw_ratelimit_t *self, int limit, int64_t window_ms, int64_t now_ms)
{
    if (self->count < (size_t) limit)
        return 0;
    int64_t free_at = s_nth_latest (self, (size_t) limit) + window_ms;
    return free_at > now_ms ? free_at - now_ms : 0;
}

int64_t
gw_ratelimit_wait_ms (gw_ratelimit_t *self, int64_t now_ms)
{
    assert (self);
    int64_t wait = self->blocked_until > now_ms ? self->blocked_until - now_ms : 0;
    int64_t second = s_window_wait (self, self->per_sec, GW_RATELIMIT_SECOND_MS, now_ms);
    int64_t minute = s_window_wait (self, self->per_min, GW_RATELIMIT_MINUTE_MS, now_ms);
    if (second > wait)
        wait = second;
    if (minute > wait)
        wait = minute;
    return wait;
}

void
gw_ratelimit_take (gw_ratelimit_t *self, int64_t now_ms)
{
    assert (self);
    self->sent[self->next] = now_ms;
    self->next = (self->next + 1) % self->capacity;
    if (self->count < self->capacity)
        self->count++;
}

int64_t
gw_ratelimit_on_429 (gw_ratelimit_t *self, int64_t now_ms, int64_t retry_after_ms)
{
    assert (self);
    int64_t backoff = GW_RATELIMIT_BACKOFF_MS;
    for (int i = 0; i < self->streak && backoff < GW_RATELIMIT_BACKOFF_MAX_MS; i++)
        backoff *= 2;
    if (backoff > GW_RATELIMIT_BACKOFF_MAX_MS)
        backoff = GW_RATELIMIT_BACKOFF_MAX_MS;
    self->streak++;
    int64_t wait = retry_after_ms > 0 ? retry_after_ms : backoff;
    if (wait > GW_RATELIMIT_BLOCK_MAX_MS)
        wait = GW_RATELIMIT_BLOCK_MAX_MS;
    if (now_ms + wait > self->blocked_until)
        self->blocked_until = now_ms + wait;
    return wait;
}

void
gw_ratelimit_on_reply (gw_ratelimit_t *self)
{
    assert (self);
    self->streak = 0;
}

int64_t
gw_ratelimit_blocked_until (gw_ratelimit_t *self)
{
    assert (self);
    return self->blocked_until;
}
