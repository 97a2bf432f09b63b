//  notifier - bridges the gateway's position events to browsers and scripts
//  over WebSocket and serves the live dashboard (docs/design.md §1, §7). A thin
//  shell around the notifier actor (nt_actor.c).
//
//  libwebsockets has no global set-up of its own to call here: the notifier
//  serves plain HTTP and WebSocket, so its context never initialises the
//  TLS library. libcurl (the alerts, nt_alerts.h) is set up here, once, on
//  the main thread: done on a thread that ends, its TLS library's state of
//  that thread would be left behind.

#include "nt_actor.h"
#include "tw_service.h"

#include <curl/curl.h>
#include <stdio.h>

int
main (int argc, char **argv)
{
    if (curl_global_init (CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf (stderr, "ERROR notifier curl_global_init failed\n");
        return 1;
    }
    static const tw_service_def_t def = {
        .name = "notifier",
        .summary = "position events over WebSocket and the live dashboard (docs/design.md §7)",
        .actor = nt_actor,
    };
    int rc = tw_service_main (&def, argc, argv);
    curl_global_cleanup ();
    return rc;
}
