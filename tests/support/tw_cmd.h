//  tw_cmd - commands to a running service for integration tests: a request
//  with a tw_client, a one-off question to an endpoint (ping or status),
//  the counters of a pong, the open and close commands made ready to
//  send, and a tick published as the market feed would. Nothing here asserts: failures return -1
//  (or false) and say why on stderr. Every wait is bounded.

#ifndef TW_CMD_H_INCLUDED
#define TW_CMD_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include <czmq.h>

#include "tw_client.h"
#include "tw_proto.h"

//  The patience of tw_cmd_counter and tw_cmd_wait_counter per attempt, and
//  their attempts.
#define TW_CMD_TIMEOUT_MS 2000
#define TW_CMD_ATTEMPTS 3

//  Sends request with client (a fresh req_id when it has none) and decodes
//  the reply into reply (the caller resets it). Returns 0, or -1 with the
//  reason on stderr.
int tw_cmd_request (tw_client_t *client, tw_msg_t *request, tw_msg_t *reply);

//  Sends a request of type (TW_MSG_PING, TW_MSG_STATUS, TW_MSG_SNAPSHOT…)
//  to endpoint with a fresh client of timeout_ms and attempts. Returns 0
//  with the reply (the caller resets it), -1 when none came.
int tw_cmd_ask (const char *endpoint, tw_msg_type_t type, int timeout_ms, int attempts,
                tw_msg_t *reply);

//  The value of counter name in pong; -1 when pong is not a pong or has no
//  such counter.
int64_t tw_cmd_pong_counter (const tw_msg_t *pong, const char *name);

//  Counter name of the pong that endpoint answers a request of type with;
//  -1 when it does not answer or has no such counter.
int64_t tw_cmd_counter (const char *endpoint, tw_msg_type_t type, const char *name);

//  Polls tw_cmd_counter until it equals value, at most timeout_ms. Returns
//  true when it did; *seen (when not NULL) is the last value read.
bool tw_cmd_wait_counter (const char *endpoint, tw_msg_type_t type, const char *name, int64_t value,
                          int timeout_ms, int64_t *seen);

//  Makes msg an open of qty of symbol on side with sl and tp (0: none),
//  expiring ttl_ms from now.
void tw_cmd_open (tw_msg_t *msg, const char *symbol, tw_side_t side, int64_t qty, double sl,
                  double tp, int ttl_ms);

//  Makes msg a close of position id for reason, expiring ttl_ms from now;
//  req_id may be NULL (tw_client then makes one).
void tw_cmd_close (tw_msg_t *msg, const char *id, const char *reason, const char *req_id,
                   int ttl_ms);

//  Publishes a tick of symbol at ltp on feed (a PUB: the test plays the
//  market feed). Returns 0 or -1.
int tw_cmd_tick (zsock_t *feed, const char *symbol, double ltp);

#endif
