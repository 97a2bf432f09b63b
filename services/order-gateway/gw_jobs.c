//  gw_jobs - see gw_jobs.h.

#include "gw_jobs.h"
#include "tw_log.h"

#include <inttypes.h>

//  A call at the broker: whom to tell. owner NULL = cancelled.
typedef struct {
    gw_jobs_call_fn *fn;
    void *owner;
} s_pending_t;

//  An owner's timer.
typedef struct {
    void *owner;
    gw_jobs_later_fn *fn;
    int timer_id;
} s_timer_t;

struct _gw_jobs_t {
    zloop_t *loop;
    zsock_t *broker;
    zhashx_t *pending; //  call_id -> s_pending_t *
    zhashx_t *timers;  //  owner -> s_timer_t *
    //  zloop timer id -> s_timer_t *. zloop ends a timer only at its next
    //  turn, so a timer ended may still fire once (outside the loop, or when
    //  another handler of the same turn ended it): it is then not found here
    //  and does nothing.
    zhashx_t *by_id;
    zhashx_t *owners; //  owner -> its calls in flight (a count, never 0)
    uint64_t next_call_id;
    uint64_t calls;
    gw_jobs_call_fn *watch_fn; //  sees every result first; NULL = none
    void *watch_owner;
};

//  Keys are pointers, or call ids stored as pointers: compared as values.
static size_t
s_key_hash (const void *key)
{
    uint64_t k = (uint64_t) (uintptr_t) key;
    k ^= k >> 33;
    k *= UINT64_C (0xff51afd7ed558ccd);
    k ^= k >> 33;
    return (size_t) k;
}

static int
s_key_compare (const void *a, const void *b)
{
    return a < b ? -1 : a > b ? 1 : 0;
}

static zhashx_t *
s_table (zhashx_destructor_fn *destructor)
{
    zhashx_t *table = zhashx_new ();
    assert (table);
    zhashx_set_key_hasher (table, s_key_hash);
    zhashx_set_key_comparator (table, s_key_compare);
    zhashx_set_key_duplicator (table, NULL);
    zhashx_set_key_destructor (table, NULL);
    zhashx_set_destructor (table, destructor);
    return table;
}

static void
s_free (void **item)
{
    free (*item);
    *item = NULL;
}

//  Counts owner's calls in flight up (+1) or down (-1).
static void
s_count (gw_jobs_t *self, void *owner, int delta)
{
    uintptr_t count =
        (uintptr_t) zhashx_lookup (self->owners, owner) + (uintptr_t) (intptr_t) delta;
    if (count == 0)
        zhashx_delete (self->owners, owner);
    else
        zhashx_update (self->owners, owner, (void *) count);
}

static int
s_on_broker (zloop_t *loop, zsock_t *sock, void *arg)
{
    (void) loop;
    gw_jobs_t *self = (gw_jobs_t *) arg;
    gw_call_t *call = NULL;
    if (zsock_recv (sock, "p", &call) != 0 || !call)
        return 0;
    if (self->watch_fn)
        self->watch_fn (self->watch_owner, call);
    void *key = (void *) (uintptr_t) call->call_id;
    //  call_id 0 is never given out: an unasked notice (no owner).
    s_pending_t *pending = key ? (s_pending_t *) zhashx_lookup (self->pending, key) : NULL;
    if (!pending) {
        if (call->op != GW_OP_NOTICE) //  a notice is unasked: the watcher reads it
            tw_warn ("broker result for an unknown call id=%" PRIu64, call->call_id);
    }
    else {
        s_pending_t job = *pending;
        //  Gone from the table before fn runs, so that fn may cancel freely.
        zhashx_delete (self->pending, key);
        if (job.owner) {
            s_count (self, job.owner, -1);
            job.fn (job.owner, call);
        }
    }
    gw_call_destroy (&call);
    return 0;
}

gw_jobs_t *
gw_jobs_new (zloop_t *loop, zsock_t *broker_sock)
{
    gw_jobs_t *self = (gw_jobs_t *) zmalloc (sizeof (gw_jobs_t));
    self->loop = loop;
    self->broker = broker_sock;
    self->pending = s_table (s_free);
    self->timers = s_table (s_free);
    self->by_id = s_table (NULL);
    self->owners = s_table (NULL);
    zloop_reader (loop, broker_sock, s_on_broker, self);
    return self;
}

void
gw_jobs_destroy (gw_jobs_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_jobs_t *self = *self_p;
    zloop_reader_end (self->loop, self->broker);
    for (s_timer_t *timer = (s_timer_t *) zhashx_first (self->timers); timer;
         timer = (s_timer_t *) zhashx_next (self->timers))
        zloop_timer_end (self->loop, timer->timer_id);
    zhashx_destroy (&self->by_id);
    zhashx_destroy (&self->timers);
    zhashx_destroy (&self->pending);
    zhashx_destroy (&self->owners);
    free (self);
    *self_p = NULL;
}

void
gw_jobs_call (gw_jobs_t *self, gw_call_t *call, gw_jobs_call_fn *fn, void *owner)
{
    assert (fn && owner);
    call->call_id = ++self->next_call_id;
    s_pending_t *pending = (s_pending_t *) zmalloc (sizeof (s_pending_t));
    pending->fn = fn;
    pending->owner = owner;
    zhashx_update (self->pending, (void *) (uintptr_t) call->call_id, pending);
    s_count (self, owner, +1);
    self->calls++;
    zsock_send (self->broker, "p", call);
}

//  Forgets owner's timer (ended in zloop, gone from both tables).
static void
s_timer_end (gw_jobs_t *self, s_timer_t *timer)
{
    zloop_timer_end (self->loop, timer->timer_id);
    zhashx_delete (self->by_id, (void *) (uintptr_t) timer->timer_id);
    zhashx_delete (self->timers, timer->owner); //  frees timer
}

static int
s_on_timer (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    gw_jobs_t *self = (gw_jobs_t *) arg;
    s_timer_t *timer = (s_timer_t *) zhashx_lookup (self->by_id, (void *) (uintptr_t) timer_id);
    if (!timer)
        return 0; //  ended meanwhile
    s_timer_t fired = *timer;
    zhashx_delete (self->by_id, (void *) (uintptr_t) timer_id);
    zhashx_delete (self->timers, fired.owner);
    fired.fn (fired.owner);
    return 0;
}

void
gw_jobs_later (gw_jobs_t *self, void *owner, int64_t delay_ms, gw_jobs_later_fn *fn)
{
    assert (fn && owner);
    s_timer_t *old = (s_timer_t *) zhashx_lookup (self->timers, owner);
    if (old)
        s_timer_end (self, old);
    s_timer_t *timer = (s_timer_t *) zmalloc (sizeof (s_timer_t));
    timer->owner = owner;
    timer->fn = fn;
    timer->timer_id =
        zloop_timer (self->loop, (size_t) (delay_ms > 0 ? delay_ms : 1), 1, s_on_timer, self);
    zhashx_update (self->timers, owner, timer);
    zhashx_update (self->by_id, (void *) (uintptr_t) timer->timer_id, timer);
}

void
gw_jobs_cancel (gw_jobs_t *self, void *owner)
{
    s_timer_t *timer = (s_timer_t *) zhashx_lookup (self->timers, owner);
    if (timer)
        s_timer_end (self, timer);
    //  Most owners go away with nothing in flight: no need to look then.
    if (!zhashx_lookup (self->owners, owner))
        return;
    zhashx_delete (self->owners, owner);
    for (s_pending_t *pending = (s_pending_t *) zhashx_first (self->pending); pending;
         pending = (s_pending_t *) zhashx_next (self->pending))
        if (pending->owner == owner)
            pending->owner = NULL;
}

void
gw_jobs_watch (gw_jobs_t *self, gw_jobs_call_fn *fn, void *owner)
{
    self->watch_fn = fn;
    self->watch_owner = owner;
}

uint64_t
gw_jobs_calls (gw_jobs_t *self)
{
    return self->calls;
}
