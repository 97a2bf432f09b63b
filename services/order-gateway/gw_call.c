//  gw_call - see gw_call.h. The call record, the names, and the pipe helpers
//  of the broker actors.

#include "gw_call.h"
#include "tw_log.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

gw_call_t *
gw_call_new (gw_op_t op)
{
    gw_call_t *self = (gw_call_t *) calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->op = op;
    return self;
}

void
gw_call_destroy (gw_call_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_call_t *self = *self_p;
    free (self->positions);
    free (self->orders);
    free (self->markets);
    free (self);
    *self_p = NULL;
}

const char *
gw_outcome_name (gw_outcome_t outcome)
{
    switch (outcome) {
    case GW_OUT_NONE:
        return "none";
    case GW_OUT_OK:
        return "ok";
    case GW_OUT_PENDING:
        return "pending";
    case GW_OUT_RETRYABLE:
        return "retryable";
    case GW_OUT_AMBIGUOUS:
        return "ambiguous";
    case GW_OUT_FINAL:
        return "final";
    }
    return "";
}

const char *
gw_op_name (gw_op_t op)
{
    switch (op) {
    case GW_OP_EXIT:
        return "exit";
    case GW_OP_PLACE:
        return "place";
    case GW_OP_POSITIONS:
        return "positions";
    case GW_OP_ORDER_BY_TAG:
        return "order_by_tag";
    case GW_OP_ORDERS:
        return "orders";
    case GW_OP_CANCEL:
        return "cancel";
    case GW_OP_MARKET_STATUS:
        return "market_status";
    case GW_OP_MODIFY:
        return "modify";
    case GW_OP_NOTICE:
        return "notice";
    }
    return "";
}

bool
gw_op_writes (gw_op_t op)
{
    return op == GW_OP_EXIT || op == GW_OP_PLACE || op == GW_OP_CANCEL || op == GW_OP_MODIFY;
}

void
gw_broker_block_signals (void)
{
    sigset_t set;
    sigemptyset (&set);
    int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD, SIGPIPE, SIGALRM};
    for (size_t i = 0; i < sizeof signals / sizeof *signals; i++)
        sigaddset (&set, signals[i]);
    pthread_sigmask (SIG_BLOCK, &set, NULL);
}

gw_pipe_msg_t
gw_broker_pipe_recv (zsock_t *pipe, gw_call_t **call)
{
    *call = NULL;
    zmsg_t *msg = zmsg_recv (pipe);
    if (!msg)
        return GW_PIPE_TERM; //  interrupted
    zframe_t *frame = zmsg_first (msg);
    gw_pipe_msg_t kind = GW_PIPE_BAD;
    if (frame && zframe_streq (frame, "$TERM"))
        kind = GW_PIPE_TERM;
    else if (frame && zframe_streq (frame, GW_BROKER_STOP))
        kind = GW_PIPE_STOP;
    else if (frame && zmsg_size (msg) == 1 && zframe_size (frame) == sizeof *call) {
        memcpy (call, zframe_data (frame), sizeof *call);
        kind = *call ? GW_PIPE_CALL : GW_PIPE_BAD;
    }
    zmsg_destroy (&msg);
    if (kind == GW_PIPE_BAD)
        tw_warn ("broker ignored a malformed pipe message");
    return kind;
}
