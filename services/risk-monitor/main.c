//  risk-monitor - closes positions whose stop-loss, take-profit or trailing
//  stop a tick has hit, and persists trailing-stop moves (docs/design.md §1). A thin
//  shell around the risk actor (rm_actor.c).

#include "rm_actor.h"
#include "tw_service.h"

int
main (int argc, char **argv)
{
    static const tw_service_def_t def = {
        .name = "risk-monitor",
        .summary = "closes positions on SL, TP and trailing stops; moves trailing stops "
                   "(docs/design.md §1, §4)",
        .actor = rm_actor,
    };
    return tw_service_main (&def, argc, argv);
}
