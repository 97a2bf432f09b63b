//  gw_checkpoint - the store's WAL checkpoints, off the gateway's loop
//  (docs/design.md §5).
//
//  By default SQLite copies the WAL back into the database file inside
//  whichever commit makes the WAL pass 1000 pages, so that now and then a
//  commit, an exit's among them, waits milliseconds for the copy and its
//  fsync. With a checkpointer the gateway's own connection never
//  checkpoints (gw_store_set_autocheckpoint (store, 0)): a thread of its
//  own, with a connection of its own to the same file, runs a PASSIVE
//  checkpoint every interval_ms. PASSIVE copies what no reader still needs
//  and never blocks the gateway's writes; what it cannot copy yet waits for
//  the next turn. When the gateway's connection closes, SQLite checkpoints
//  what is left.
//
//  Setting: [gateway] checkpoint_interval_ms (0: no checkpointer, SQLite's
//  automatic checkpoints inside commits).

#ifndef GW_CHECKPOINT_H_INCLUDED
#define GW_CHECKPOINT_H_INCLUDED

#include <stdint.h>

typedef struct _gw_checkpoint_t gw_checkpoint_t;

//  Opens its own connection to the database at path (which the store has
//  opened and set to WAL) and starts the thread. Returns NULL (logged) when
//  the connection or the thread cannot be made; the caller then leaves the
//  store's automatic checkpoints on.
gw_checkpoint_t *gw_checkpoint_new (const char *path, int64_t interval_ms);

//  Stops the thread (a checkpoint in progress finishes first), closes its
//  connection and nulls *self_p; safe on NULL.
void gw_checkpoint_destroy (gw_checkpoint_t **self_p);

//  Checkpoints run, WAL frames copied into the database by them, and the
//  checkpoints that failed (each logged, at most once a minute), since
//  gw_checkpoint_new. Safe from any thread.
uint64_t gw_checkpoint_runs (gw_checkpoint_t *self);
uint64_t gw_checkpoint_frames (gw_checkpoint_t *self);
uint64_t gw_checkpoint_failures (gw_checkpoint_t *self);

#endif
