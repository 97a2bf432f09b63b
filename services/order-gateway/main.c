//  order-gateway - owns the authoritative position state and is the only
//  process that talks to the broker's order API (docs/design.md §1). A thin shell
//  around the gateway actor (gw_actor.c).

#include <curl/curl.h>
#include <stdio.h>

#include "gw_actor.h"
#include "tw_service.h"

int
main (int argc, char **argv)
{
    static const tw_service_def_t def = {
        .name = "order-gateway",
        .summary = "positions, the exit path and the broker (docs/design.md §4)",
        .actor = gw_actor,
    };
    //  libcurl (and the TLS library under it) is set up once, on the main
    //  thread before any other starts, and torn down after they have all
    //  ended, as its documentation asks.
    if (curl_global_init (CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf (stderr, "ERROR order-gateway curl_global_init failed\n");
        return 1;
    }
    int rc = tw_service_main (&def, argc, argv);
    curl_global_cleanup ();
    return rc;
}
