//  fuzz_ordersock - the order-socket fuzz target's body, shared with its
//  corpus replay.

#ifndef FUZZ_ORDERSOCK_H_INCLUDED
#define FUZZ_ORDERSOCK_H_INCLUDED

#include "gw_ordersock_msg.h"

#include <stddef.h>
#include <stdint.h>

//  Decodes one input as a message text into msg (which the caller resets),
//  aborting when the result breaks what gw_ordersock_msg.h promises.
void fuzz_ordersock_run (const uint8_t *data, size_t size, gw_ordersock_msg_t *msg);

#endif
