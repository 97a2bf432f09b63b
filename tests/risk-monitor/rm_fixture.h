//  rm_fixture - what the in-process tests of the risk-monitor actor share:
//  the test is the market feed (a PUB of ticks) and a fake gateway (a
//  ROUTER that answers snapshot requests and hands the test every other
//  command, and a PUB of heartbeats and position events), over inproc://.
//  rmfx_setup and rmfx_teardown are the Check fixture (a scratch directory,
//  the endpoints and the [risk] timings in the environment).

#ifndef RM_FIXTURE_H_INCLUDED
#define RM_FIXTURE_H_INCLUDED

#include <check.h>
#include <stdbool.h>
#include <stdint.h>

#include "tw_config.h"
#include "tw_proto.h"
#include "tw_service.h"
#include "tw_sock.h"

#define ERR_MAX 512
#define PATH_MAX_LEN 512
//  Every wait in these tests is bounded by this.
#define WAIT_MS 5000
#define POLL_MS 10
#define HEARTBEAT_MS 50
#define STOP_MS 1500
#define GW_REP "inproc://rm-gw-rep"
#define GW_PUB "inproc://rm-gw-pub"
#define FEED_PUB "inproc://rm-feed-pub"
#define CONTROL "inproc://rm-control"
#define SERVICE "risk-monitor"
#define SYMBOL "NSE:SBIN-EQ"
#define POS_ID "NSE:SBIN-EQ-INTRADAY"
#define EPOCH 7
#define FIRST_SEQ 10
#define TTL_MS 4000
#define TIMEOUT_MS 200
#define BACKOFF_MS 300
#define INTERVAL_MS 300
#define STASH_MAX 8
//  A ping answered within this did not wait for a snapshot (1 s).
#define PROMPT_MS 900
//  3 s of silence, then a snapshot request that times out after 1 s.
#define SILENT_WAIT_MS 10000

//  A command the fake gateway received and has not answered yet.
typedef struct {
    tw_msg_t msg;
    tw_request_t request;
} rmfx_command_t;

typedef struct {
    tw_config_t *config;
    tw_service_t *service;
    zactor_t *actor;
    zsock_t *router; //  the gateway's commands
    zsock_t *pub;    //  the gateway's events
    zsock_t *feed;   //  the ticks
    bool gateway_up; //  answers snapshots and sends heartbeats
    uint64_t epoch;  //  EPOCH from the start; a test may start a new run
    uint64_t seq;
    tw_position_t positions[2];
    size_t count;
    int64_t heartbeat_ms;
    int snapshots;
    rmfx_command_t stash[STASH_MAX]; //  commands that came while pinging
    int stashed;
} rmfx_t;

//  The Check fixture.
void rmfx_setup (void);
void rmfx_teardown (void);

//  A long open position of SYMBOL under POS_ID.
tw_position_t rmfx_position (double entry, double sl, double tp, double trail);

//  The gateway (up, holding pos when not NULL), the feed and the actor.
void rmfx_start (rmfx_t *fx, const tw_position_t *pos);

void rmfx_stop (rmfx_t *fx);

//  A gateway event (the next seq; a heartbeat carries the current one).
void rmfx_publish_event (rmfx_t *fx, tw_msg_type_t type, const tw_position_t *pos,
                         const char *reason);

//  Serves the gateway until a command comes (true) or wait_ms passes. With
//  command NULL, serves for wait_ms and keeps what comes for later.
bool rmfx_next_command (rmfx_t *fx, int wait_ms, rmfx_command_t *command);

//  Asserts that every command waiting at the gateway is a repeat of req_id
//  (a retry sent before its ack arrived), and drops them.
void rmfx_assert_only_repeats (rmfx_t *fx, const char *req_id);

//  Answers command with an ack of status.
void rmfx_answer (rmfx_t *fx, rmfx_command_t *command, tw_ack_status_t status);

//  Pings the actor while serving the gateway (the actor may be waiting for
//  a snapshot), and returns counter name of the pong.
int64_t rmfx_counter (rmfx_t *fx, const char *name);

//  Polls the counter until it reaches at least value (bounded).
void rmfx_wait_counter (rmfx_t *fx, const char *name, int64_t value);

//  Polls the counter until it equals value (bounded by wait_ms).
void rmfx_wait_counter_eq (rmfx_t *fx, const char *name, int64_t value, int wait_ms);

//  Publishes a tick (no source: an outside publisher).
void rmfx_tick_of (rmfx_t *fx, const char *symbol, double ltp);

void rmfx_tick (rmfx_t *fx, double ltp);

//  Publishes a tick of symbol and waits until the actor has counted it.
void rmfx_tick_of_seen (rmfx_t *fx, const char *symbol, double ltp);

//  Publishes ltp and waits until the actor has counted it (and so acted on
//  it: the count and the action happen in one handler).
void rmfx_tick_seen (rmfx_t *fx, double ltp);

//  Synced with the position watched, and the tick SUB proven live.
void rmfx_wait_ready (rmfx_t *fx, double neutral_ltp);

#endif
