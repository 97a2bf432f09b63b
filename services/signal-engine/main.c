//  signal-engine - runs the model (external models' signals, or the built-in
//  strategy) and asks the gateway to open or close (docs/design.md §1). A thin shell
//  around the engine actor (se_actor.c).

#include "se_actor.h"
#include "tw_service.h"

int
main (int argc, char **argv)
{
    static const tw_service_def_t def = {
        .name = "signal-engine",
        .summary = "turns model signals (signal_in, or the built-in strategy) into gateway opens "
                   "and closes (docs/design.md §1, §6)",
        .actor = se_actor,
    };
    return tw_service_main (&def, argc, argv);
}
