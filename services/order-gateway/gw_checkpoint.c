//  gw_checkpoint - see gw_checkpoint.h. The thread is a zactor whose loop
//  runs a checkpoint on its timer; its pipe carries only $TERM.

#include "gw_checkpoint.h"
#include "tw_log.h"
#include "tw_service.h"

#include <czmq.h>
#include <sqlite3.h>
#include <stdatomic.h>

#define GW_CHECKPOINT_BUSY_MS 1000
#define GW_CHECKPOINT_LOG_MS 60000

struct _gw_checkpoint_t {
    zactor_t *actor;
    sqlite3 *db;
    int64_t interval_ms;
    atomic_uint_least64_t runs;
    atomic_uint_least64_t frames;
    atomic_uint_least64_t failures;
    tw_log_limit_t failure_log;
};

//  One PASSIVE checkpoint on the thread's own connection.
static void
s_checkpoint (gw_checkpoint_t *self)
{
    int wal_frames = 0, copied = 0;
    int rc =
        sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &wal_frames, &copied);
    if (rc != SQLITE_OK) {
        atomic_fetch_add (&self->failures, 1);
        tw_log_limited (&self->failure_log, TW_LOG_WARN,
                        "store checkpoint failed rc=%d error=\"%s\": the WAL grows until one "
                        "succeeds",
                        rc, sqlite3_errmsg (self->db));
        return;
    }
    atomic_fetch_add (&self->runs, 1);
    if (copied > 0)
        atomic_fetch_add (&self->frames, (uint_least64_t) copied);
}

static int
s_on_timer (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    s_checkpoint ((gw_checkpoint_t *) arg);
    return 0;
}

static void
s_actor (zsock_t *pipe, void *arg)
{
    gw_checkpoint_t *self = (gw_checkpoint_t *) arg;
    zloop_t *loop = zloop_new ();
    assert (loop);
    zloop_set_nonstop (loop, true); //  only $TERM ends it (the owner's destroy)
    zloop_reader (loop, pipe, tw_service_on_pipe, NULL);
    zloop_timer (loop, (size_t) self->interval_ms, 0, s_on_timer, self);
    zsock_signal (pipe, 0);
    zloop_start (loop);
    zloop_destroy (&loop);
}

//  True when db's journal mode (read from the file) is WAL.
static bool
s_is_wal (sqlite3 *db)
{
    sqlite3_stmt *stmt = NULL;
    bool wal = sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL) == SQLITE_OK
               && sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_text (stmt, 0)
               && streq ((const char *) sqlite3_column_text (stmt, 0), "wal");
    sqlite3_finalize (stmt);
    return wal;
}

gw_checkpoint_t *
gw_checkpoint_new (const char *path, int64_t interval_ms)
{
    assert (path && interval_ms > 0);
    gw_checkpoint_t *self = (gw_checkpoint_t *) zmalloc (sizeof (gw_checkpoint_t));
    self->interval_ms = interval_ms;
    self->failure_log.interval_ms = GW_CHECKPOINT_LOG_MS;
    //  No CREATE: the store made the file. NOMUTEX: this connection is used
    //  by the checkpointer's thread alone.
    if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL)
            != SQLITE_OK
        || sqlite3_busy_timeout (self->db, GW_CHECKPOINT_BUSY_MS) != SQLITE_OK) {
        tw_error ("store checkpointer off path=%s error=\"%s\": checkpoints stay in commits", path,
                  self->db ? sqlite3_errmsg (self->db) : "out of memory");
        gw_checkpoint_destroy (&self);
        return NULL;
    }
    //  A connection learns the file is in WAL mode when it first reads it;
    //  until then a checkpoint is a no-op.
    if (!s_is_wal (self->db)) {
        tw_error ("store checkpointer off path=%s: the database is not in WAL mode", path);
        gw_checkpoint_destroy (&self);
        return NULL;
    }
    self->actor = zactor_new (s_actor, self);
    if (!self->actor) {
        tw_error ("store checkpointer off path=%s: no thread", path);
        gw_checkpoint_destroy (&self);
        return NULL;
    }
    tw_info ("store checkpointer on interval_ms=%lld", (long long) interval_ms);
    return self;
}

void
gw_checkpoint_destroy (gw_checkpoint_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_checkpoint_t *self = *self_p;
    zactor_destroy (&self->actor); //  joins the thread
    if (self->db)
        sqlite3_close_v2 (self->db);
    free (self);
    *self_p = NULL;
}

uint64_t
gw_checkpoint_runs (gw_checkpoint_t *self)
{
    return atomic_load (&self->runs);
}

uint64_t
gw_checkpoint_frames (gw_checkpoint_t *self)
{
    return atomic_load (&self->frames);
}

uint64_t
gw_checkpoint_failures (gw_checkpoint_t *self)
{
    return atomic_load (&self->failures);
}
