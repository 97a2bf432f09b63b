//  gw_gateway - the order gateway's state, shared by its modules (internal).
//
//  One gateway actor (gw_actor.c) owns one gw_t: the command ROUTER, the
//  event PUB, the broker actor, the store and the loop. Its work is split by
//  responsibility:
//    gw_actor.c      the loop, command decoding, dedup and dispatch
//    gw_events.c     transactions that change state, then publish the event
//    gw_exit.c       the exit path (DESIGN §4): every close, whatever its reason
//    gw_open.c       the open path and modify
//    gw_reconcile.c  start-up reconciliation with the broker (DESIGN §5)
//  Everything runs on the actor's thread; broker calls run in the broker
//  actor and come back as gw_call_t * on its pipe (gw_broker.h).

#ifndef GW_GATEWAY_H_INCLUDED
#define GW_GATEWAY_H_INCLUDED

#include <czmq.h>

#include "gw_broker.h"
#include "gw_store.h"
#include "tw_log.h"
#include "tw_proto.h"
#include "tw_service.h"

//  What a broker call in flight is for.
typedef enum {
    GW_JOB_EXIT_SEND = 1, //  an exit attempt
    GW_JOB_EXIT_VERIFY,   //  reading positions after an ambiguous exit attempt
    GW_JOB_EXIT_CONFIRM,  //  reading positions after code 201
    GW_JOB_EXIT_PRICE,    //  reading positions for the exit price after success
    GW_JOB_OPEN_SEND,     //  an open attempt
    GW_JOB_OPEN_LOOKUP,   //  looking an ambiguous open up by its order tag
    GW_JOB_RECONCILE      //  reading positions at start-up
} gw_job_kind_t;

//  An exit in progress, keyed by position id. It lives from the accepted
//  close until the position is closed or the exit has failed.
typedef struct _gw_t gw_t;

//  One step of work to run later (a backoff, a poll): exits and opens embed
//  it as their first member, so that one timer handler serves them all.
typedef void (gw_step_fn) (gw_t *self, void *owner);
typedef struct {
    gw_t *gw;
    int timer_id; //  -1 when nothing is scheduled
    gw_step_fn *step;
} gw_later_t;

typedef struct {
    gw_later_t later;
    char id[TW_ID_MAX];
    char reason[TW_REASON_MAX];
    int attempts;      //  exit orders sent so far
    int confirm_polls; //  positions reads after code 201
    int verify_reads;  //  failed verification reads
    char last_error[TW_TEXT_MAX];
    int64_t started_ms; //  monotonic, for the latency in the log line
} gw_exit_t;

//  An open in progress, keyed by req_id.
typedef struct {
    gw_later_t later;
    gw_pending_row_t row;
    int attempts;
    int lookups;
    char last_error[TW_TEXT_MAX];
} gw_open_t;

typedef struct {
    uint64_t commands;
    uint64_t rejected;
    uint64_t duplicates;
    uint64_t malformed;
    uint64_t broker_calls;
    uint64_t exits_closed;
    uint64_t exits_failed;
    uint64_t opens_filled;
    uint64_t opens_rejected;
} gw_counters_t;

struct _gw_t {
    tw_service_t *service;
    tw_config_t *config;
    zsock_t *pipe;
    zloop_t *loop;
    zsock_t *router;
    zsock_t *pub;
    zactor_t *broker;
    gw_store_t *store;
    int64_t started_ms;
    bool reconciled; //  mutating commands wait until the broker was read once
    gw_later_t reconcile_later;
    //  The last flatten: an open accepted before it that fills after it is
    //  closed at once, so that a kill switch leaves nothing open.
    int64_t flatten_ms; //  wall clock; 0 = none since start
    char flatten_reason[TW_REASON_MAX];

    //  Configuration, read once.
    int exit_max_attempts;
    int64_t exit_cooldown_ms;
    int64_t exit_backoff_ms;
    int exit_confirm_polls;
    int64_t exit_confirm_interval_ms;
    size_t req_table_max;

    zhashx_t *exits; //  position id -> gw_exit_t *
    zhashx_t *opens; //  req_id -> gw_open_t *
    zhashx_t *jobs;  //  "<call_id>" -> gw_job_t * (broker calls in flight)
    uint64_t next_call_id;
    uint64_t next_tag; //  order tags are unique per epoch
    gw_counters_t counters;
    tw_log_limit_t bad_log;
};

//  --- gw_actor.c -----------------------------------------------------------

//  Sends call to the broker for job (kind, key = position id or req_id).
//  Ownership of call passes to the broker.
void gw_broker_send (gw_t *self, gw_call_t *call, gw_job_kind_t kind, const char *key);

//  Runs step (self, later) once after delay_ms. An owner has at most one
//  step scheduled at a time.
void gw_later (gw_t *self, gw_later_t *later, int64_t delay_ms, gw_step_fn *step);

//  Cancels the scheduled step, if any (when its owner goes away).
void gw_later_cancel (gw_later_t *later);

//  --- gw_events.c ----------------------------------------------------------

//  Publishes an event for row (type, with the fields of the event) under the
//  given seq. extra may be NULL; otherwise its reason, exit_price, pnl,
//  attempts and error are copied into the event.
void gw_publish (gw_t *self, tw_msg_type_t type, uint64_t seq, const tw_position_t *pos,
                 const tw_event_t *extra);

//  Writes row in its own transaction with a new seq, then publishes type for
//  it. Returns 0, or -1 when the store failed (nothing published).
int gw_commit_position (gw_t *self, gw_position_row_t *row, tw_msg_type_t type,
                        const tw_event_t *extra);

//  Closes the live row of id at exit_price in one transaction and publishes
//  position_closed. Returns 0 or -1.
int gw_commit_close (gw_t *self, gw_position_row_t *row, const char *reason, double exit_price,
                     int64_t attempts);

//  P&L of closing pos at exit_price.
double gw_pnl (const tw_position_t *pos, double exit_price);

//  --- gw_exit.c ------------------------------------------------------------

//  The one entry to the exit path. Starts closing the live position id for
//  reason, or says why not. Returns the ack status: ACCEPTED (the exit is
//  durably recorded and running), DUPLICATE (already closing or closed), or
//  REJECTED with error filled. When reply_req_id is not NULL, the accepted
//  reply is stored with the state change under that req_id.
tw_ack_status_t gw_exit_start (gw_t *self, const char *id, const char *reason, const char *req_id,
                               const tw_msg_t *reply, char *error, size_t error_size);

//  Resumes an exit left CLOSING by a previous run, after the broker was read
//  and the position is still open there.
void gw_exit_resume (gw_t *self, const gw_position_row_t *row);

//  Handles a broker result for an exit job.
void gw_exit_on_call (gw_t *self, gw_job_kind_t kind, const char *id, gw_call_t *call);

void gw_exit_destroy (void **item);

//  --- gw_open.c ------------------------------------------------------------

tw_ack_status_t gw_open_start (gw_t *self, const tw_msg_t *request, tw_msg_t *reply, char *error,
                               size_t error_size);
void gw_open_on_call (gw_t *self, gw_job_kind_t kind, const char *req_id, gw_call_t *call);
tw_ack_status_t gw_modify (gw_t *self, const tw_msg_t *request, char *error, size_t error_size);
void gw_open_destroy (void **item);

//  Resolves an open left pending by a previous run: held is the broker's
//  position of its id (NULL when none): held open -> position_opened with the
//  open's stops; else order_rejected.
void gw_open_recover (gw_t *self, const gw_pending_row_t *row, const gw_broker_position_t *held);

//  --- gw_reconcile.c -------------------------------------------------------

//  Asks the broker for its positions; gw_reconcile_on_call finishes the job.
void gw_reconcile_start (gw_t *self);
void gw_reconcile_on_call (gw_t *self, gw_call_t *call);

//  The actor.
void gw_actor (zsock_t *pipe, void *args);

#endif
