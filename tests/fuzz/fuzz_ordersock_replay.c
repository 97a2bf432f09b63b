//  fuzz_ordersock_replay - runs every file of the given directories through
//  the order-socket fuzz target, without libFuzzer, so that normal CI
//  exercises its seed corpus. A seed is named <ok|bad>-<expect>-<what>,
//  expect being what the gateway is to be told:
//    order, position  an "ORDER" / "POSITION" frame; for ok-* with every
//                     field it needs (order: id, status, side; position:
//                     net qty), for bad-* with the broken fields refused
//                     (at least one of its fields empty)
//    ack              the subscription is acknowledged, no frame
//    none             nothing at all ("pong", a trade, not JSON, ...)

#include "fuzz_corpus.h"
#include "fuzz_ordersock.h"

#include <stdio.h>
#include <string.h>

//  True when the seed's name says prefix after its verdict.
static bool
s_expects (const char *name, const char *expect)
{
    const char *dash = strchr (name, '-');
    size_t len = strlen (expect);
    return dash && strncmp (dash + 1, expect, len) == 0 && dash[1 + len] == '-';
}

static int
s_check (const char *path, const char *name, const uint8_t *data, size_t size)
{
    bool ok = strncmp (name, "ok-", 3) == 0;
    bool bad = strncmp (name, "bad-", 4) == 0;
    gw_ordersock_msg_t msg;
    fuzz_ordersock_run (data, size, &msg);
    const char *why = NULL;
    if (!ok && !bad)
        why = "is named neither ok-* nor bad-*";
    else if (s_expects (name, "order")) {
        bool complete =
            msg.kind == GW_ORDERSOCK_MSG_ORDER && msg.id[0] && msg.status[0] && msg.side[0];
        bool refused = msg.kind == GW_ORDERSOCK_MSG_ORDER
                       && (!msg.id[0] || !msg.tag[0] || !msg.status[0] || !msg.symbol[0]
                           || !msg.side[0] || !msg.product[0] || !msg.filled[0] || !msg.price[0]);
        if (msg.subscribed || msg.kind != GW_ORDERSOCK_MSG_ORDER)
            why = "gave no ORDER frame";
        else if (ok && !complete)
            why = "gave an ORDER frame without id, status or side";
        else if (bad && !refused)
            why = "gave an ORDER frame with every field set";
    }
    else if (s_expects (name, "position")) {
        if (msg.subscribed || msg.kind != GW_ORDERSOCK_MSG_POSITION)
            why = "gave no POSITION frame";
        else if (ok && !msg.net_qty[0])
            why = "gave a POSITION frame without net qty";
        else if (bad && msg.net_qty[0] && msg.multiplier[0] && msg.buy_avg[0] && msg.sell_avg[0])
            why = "gave a POSITION frame with every field set";
    }
    else if (s_expects (name, "ack")) {
        if (!msg.subscribed || msg.kind != GW_ORDERSOCK_MSG_NONE)
            why = "was not a bare subscribe ack";
    }
    else if (s_expects (name, "none")) {
        if (msg.subscribed || msg.kind != GW_ORDERSOCK_MSG_NONE)
            why = "gave the gateway something";
    }
    else
        why = "names no expectation (order, position, ack or none)";
    gw_ordersock_msg_reset (&msg);
    if (why) {
        fprintf (stderr, "fuzz_ordersock_replay: %s %s\n", path, why);
        return -1;
    }
    return 0;
}

int
main (int argc, char **argv)
{
    return fuzz_corpus_replay ("fuzz_ordersock_replay", argc, argv, s_check);
}
