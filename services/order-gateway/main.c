//  order-gateway - owns the authoritative position state and is the only
//  process that talks to the broker's order API (DESIGN §1). A thin shell
//  around the gateway actor (gw_actor.c).

#include "gw_gateway.h"
#include "tw_service.h"

int
main (int argc, char **argv)
{
    static const tw_service_def_t def = {
        .name = "order-gateway",
        .summary = "positions, the exit path and the broker (DESIGN.md §4)",
        .actor = gw_actor,
    };
    return tw_service_main (&def, argc, argv);
}
