//  gw_broker - see gw_broker.h. The call record, the names, and the choice of
//  backend; the actors themselves are in gw_fyers.c and gw_paper.c.

#include "gw_broker.h"
#include "gw_fyers.h"
#include "gw_paper.h"
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
    }
    return "";
}

//  What zsock_signal sends: 0x7766554433221100 plus a status byte.
#define GW_BROKER_SIGNAL_MASK UINT64_C (0xFFFFFFFFFFFFFF00)
#define GW_BROKER_SIGNAL_VALUE UINT64_C (0x7766554433221100)

static bool
s_is_signal (zframe_t *frame)
{
    uint64_t value = 0;
    if (zframe_size (frame) != sizeof value)
        return false;
    memcpy (&value, zframe_data (frame), sizeof value);
    return (value & GW_BROKER_SIGNAL_MASK) == GW_BROKER_SIGNAL_VALUE;
}

void
gw_broker_destroy (zactor_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zactor_t *self = *self_p;
    if (zstr_send (self, GW_BROKER_STOP) == 0) {
        zpoller_t *poller = zpoller_new (self, NULL);
        assert (poller);
        int64_t deadline = zclock_mono () + GW_BROKER_STOP_TIMEOUT_MS;
        size_t destroyed = 0;
        bool stopped = false;
        while (!stopped) {
            int64_t left = deadline - zclock_mono ();
            if (left <= 0 || zpoller_wait (poller, (int) left) != self) {
                tw_warn ("broker did not confirm its stop in time");
                break;
            }
            zmsg_t *msg = zmsg_recv (self);
            if (!msg)
                break;
            zframe_t *frame = zmsg_first (msg);
            if (!frame || zframe_streq (frame, GW_BROKER_STOPPED))
                stopped = true;
            else if (s_is_signal (frame))
                stopped = true; //  the actor ended on its own
            else if (zframe_size (frame) == sizeof (gw_call_t *)) {
                gw_call_t *call = NULL;
                memcpy (&call, zframe_data (frame), sizeof call);
                gw_call_destroy (&call);
                destroyed++;
            }
            zmsg_destroy (&msg);
        }
        zpoller_destroy (&poller);
        if (destroyed)
            tw_info ("broker stopped: destroyed %zu answered calls not read", destroyed);
    }
    zactor_destroy (self_p);
}

zactor_t *
gw_broker_new (tw_config_t *config)
{
    const char *broker = tw_config_str (config, "gateway", "broker");
    zactor_t *actor = NULL;
    //  The backend is built here, on the caller's thread, so that an unusable
    //  configuration is reported by returning NULL; the actor then owns it.
    if (streq (broker, "paper")) {
        gw_paper_t *paper = gw_paper_new (tw_config_str (config, "endpoints", "feed_pub"),
                                          tw_config_str (config, "gateway", "paper_db"));
        if (!paper)
            return NULL;
        actor = zactor_new (gw_paper_actor, paper);
        if (!actor)
            gw_paper_destroy (&paper);
    }
    else if (streq (broker, "fyers")) {
        gw_fyers_t *fyers = gw_fyers_new (config);
        if (!fyers)
            return NULL;
        actor = zactor_new (gw_fyers_actor, fyers);
        if (!actor)
            gw_fyers_destroy (&fyers);
    }
    else {
        tw_error ("unknown broker broker=\"%s\" (paper or fyers)", broker);
        return NULL;
    }
    if (!actor)
        tw_error ("cannot start the broker actor broker=%s", broker);
    return actor;
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
