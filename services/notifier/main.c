//  notifier - bridges the gateway's position events to browsers and scripts
//  over WebSocket and serves the live dashboard (DESIGN §1, §7). A thin
//  shell around the notifier actor (nt_actor.c).
//
//  libwebsockets has no global set-up of its own to call here: the notifier
//  serves plain HTTP and WebSocket, so its context never initialises the
//  TLS library.

#include "nt_actor.h"
#include "tw_service.h"

int
main (int argc, char **argv)
{
    static const tw_service_def_t def = {
        .name = "notifier",
        .summary = "position events over WebSocket and the live dashboard (DESIGN.md §7)",
        .actor = nt_actor,
    };
    return tw_service_main (&def, argc, argv);
}
