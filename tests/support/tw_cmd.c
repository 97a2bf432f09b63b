//  tw_cmd - see tw_cmd.h.

#include "tw_cmd.h"

#include <czmq.h>
#include <stdio.h>
#include <string.h>

#include "tw_clock.h"
#include "tw_sock.h"

//  Pacing between two reads of a counter.
#define TW_CMD_PACING_MS 20

int
tw_cmd_request (tw_client_t *client, tw_msg_t *request, tw_msg_t *reply)
{
    char err[TW_TEXT_MAX] = "";
    memset (reply, 0, sizeof *reply);
    if (tw_client_request (client, request, reply, err, sizeof err) == 0)
        return 0;
    fprintf (stderr, "tw_cmd: %s: %s\n", tw_msg_type_name (request->type), err);
    return -1;
}

int
tw_cmd_ask (const char *endpoint, tw_msg_type_t type, int timeout_ms, int attempts, tw_msg_t *reply)
{
    tw_client_t *client = tw_client_new (endpoint, timeout_ms, attempts);
    if (!client)
        return -1;
    tw_msg_t request;
    tw_msg_init (&request, type);
    char err[TW_TEXT_MAX] = "";
    memset (reply, 0, sizeof *reply);
    int rc = tw_client_request (client, &request, reply, err, sizeof err);
    tw_client_destroy (&client);
    return rc;
}

int64_t
tw_cmd_pong_counter (const tw_msg_t *pong, const char *name)
{
    if (pong->type != TW_MSG_PONG)
        return -1;
    for (size_t i = 0; i < pong->u.pong.counter_count; i++)
        if (streq (pong->u.pong.counters[i].name, name))
            return pong->u.pong.counters[i].value;
    return -1;
}

int64_t
tw_cmd_counter (const char *endpoint, tw_msg_type_t type, const char *name)
{
    tw_msg_t pong;
    if (tw_cmd_ask (endpoint, type, TW_CMD_TIMEOUT_MS, TW_CMD_ATTEMPTS, &pong) != 0) {
        fprintf (stderr, "tw_cmd: no answer to %s at %s\n", tw_msg_type_name (type), endpoint);
        return -1;
    }
    int64_t value = tw_cmd_pong_counter (&pong, name);
    tw_msg_reset (&pong);
    return value;
}

bool
tw_cmd_wait_counter (const char *endpoint, tw_msg_type_t type, const char *name, int64_t value,
                     int timeout_ms, int64_t *seen)
{
    int64_t deadline = tw_clock_mono_ms () + timeout_ms;
    int64_t now = tw_cmd_counter (endpoint, type, name);
    while (now != value && tw_clock_mono_ms () < deadline) {
        zclock_sleep (TW_CMD_PACING_MS); //  pacing a bounded poll
        now = tw_cmd_counter (endpoint, type, name);
    }
    if (seen)
        *seen = now;
    return now == value;
}

void
tw_cmd_open (tw_msg_t *msg, const char *symbol, tw_side_t side, int64_t qty, double sl, double tp,
             int ttl_ms)
{
    tw_msg_init (msg, TW_MSG_OPEN);
    msg->expires_at = tw_clock_wall_ns () + (int64_t) ttl_ms * TW_NS_PER_MS;
    snprintf (msg->u.open.symbol, sizeof msg->u.open.symbol, "%s", symbol);
    msg->u.open.side = side;
    msg->u.open.qty = qty;
    msg->u.open.sl = sl;
    msg->u.open.tp = tp;
}

void
tw_cmd_close (tw_msg_t *msg, const char *id, const char *reason, const char *req_id, int ttl_ms)
{
    tw_msg_init (msg, TW_MSG_CLOSE);
    msg->expires_at = tw_clock_wall_ns () + (int64_t) ttl_ms * TW_NS_PER_MS;
    if (req_id)
        snprintf (msg->req_id, sizeof msg->req_id, "%s", req_id);
    snprintf (msg->u.close.id, sizeof msg->u.close.id, "%s", id);
    snprintf (msg->u.close.reason, sizeof msg->u.close.reason, "%s", reason);
}

int
tw_cmd_tick (zsock_t *feed, const char *symbol, double ltp)
{
    tw_msg_t tick;
    tw_msg_init (&tick, TW_MSG_TICK);
    snprintf (tick.u.tick.symbol, sizeof tick.u.tick.symbol, "%s", symbol);
    tick.u.tick.ltp = ltp;
    return tw_sock_publish (feed, &tick);
}
