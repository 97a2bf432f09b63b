//  fuzz_fyers_replay - runs every file of the given directories through the
//  Fyers REST reply fuzz target, without libFuzzer, so that normal CI
//  exercises its seed corpus. A seed is named <ok|bad>-<op>-<what>, op as
//  gw_op_name spells it: for that op at HTTP 200, an ok-* reply must be
//  taken (outcome OK, or PENDING for an exit; a place has its order id, an
//  order by tag has found its order), and a bad-* one refused (any other
//  outcome, with its error). Every op classifies every seed all the same.

#include "fuzz_corpus.h"
#include "fuzz_fyers.h"

#include <stdio.h>
#include <string.h>

//  The op the seed's name gives after its verdict, 0 when none.
static gw_op_t
s_op_named (const char *name)
{
    const char *dash = strchr (name, '-');
    for (int op = GW_OP_EXIT; dash && op <= GW_OP_MODIFY; op++) {
        const char *op_name = gw_op_name ((gw_op_t) op);
        size_t len = strlen (op_name);
        if (strncmp (dash + 1, op_name, len) == 0 && dash[1 + len] == '-')
            return (gw_op_t) op;
    }
    return (gw_op_t) 0;
}

static int
s_check (const char *path, const char *name, const uint8_t *data, size_t size)
{
    bool ok = strncmp (name, "ok-", 3) == 0;
    bool bad = strncmp (name, "bad-", 4) == 0;
    gw_op_t op = s_op_named (name);
    gw_call_t *calls[FUZZ_FYERS_OPS];
    fuzz_fyers_run (data, size, calls);
    const char *why = NULL;
    const gw_call_t *call = op ? calls[op - 1] : NULL;
    bool taken = call && (call->outcome == GW_OUT_OK || call->outcome == GW_OUT_PENDING);
    if (!ok && !bad)
        why = "is named neither ok-* nor bad-*";
    else if (!call)
        why = "names no op";
    else if (ok && !taken)
        why = "was refused";
    else if (ok && op == GW_OP_PLACE && !call->order_id[0])
        why = "gave no order id";
    else if (ok && op == GW_OP_ORDER_BY_TAG && call->order_status <= 0)
        why = "found no order";
    else if (bad && taken)
        why = "was taken";
    if (why)
        fprintf (stderr, "fuzz_fyers_replay: %s %s (outcome %s, error \"%s\")\n", path, why,
                 call ? gw_outcome_name (call->outcome) : "-", call ? call->error : "");
    for (int i = 0; i < FUZZ_FYERS_OPS; i++)
        gw_call_destroy (&calls[i]);
    return why ? -1 : 0;
}

int
main (int argc, char **argv)
{
    return fuzz_corpus_replay ("fuzz_fyers_replay", argc, argv, s_check);
}
