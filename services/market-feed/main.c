//  market-feed - publishes ticks from the synthetic walk, a replay file or
//  the Fyers data socket (docs/design.md §1). A thin shell around the feed actor
//  (mf_actor.c).

#include "mf_actor.h"
#include "tw_service.h"

int
main (int argc, char **argv)
{
    static const tw_service_def_t def = {
        .name = "market-feed",
        .summary = "publishes ticks: synthetic random walk, CSV replay or the Fyers data socket "
                   "(docs/design.md §1, §8)",
        .actor = mf_actor,
    };
    return tw_service_main (&def, argc, argv);
}
