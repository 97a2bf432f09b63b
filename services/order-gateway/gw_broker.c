//  gw_broker - see gw_broker.h. The choice of backend and the stop
//  handshake; the call record is gw_call.c, the actors gw_fyers.c and
//  gw_paper.c.

#include "gw_broker.h"
#include "gw_fyers.h"
#include "gw_paper.h"
#include "tw_log.h"

#include <stdlib.h>
#include <string.h>

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
        //  This runs on SIGTERM too: a poller that is not nonstop returns
        //  at once while zsys_interrupted is set, and the handshake would
        //  be missed though the broker confirms its stop in milliseconds.
        zpoller_set_nonstop (poller, true);
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
        //  The ticks the risk-monitor acts on ([risk] tick_band_pct): a lone
        //  absurd tick fills no paper stop.
        gw_paper_set_guard (paper, tw_tickguard_new (config, "risk"));
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
