//  gw_limits - the pre-trade checks of an open (docs/design.md §4.6): each
//  refusal is one line that names the rule, for the open's rejected ack.
//
//  Always on: the symbol's format (EXCH:NAME, e.g. NSE:SBIN-EQ), and the
//  stop-loss and take-profit on the right side of the last price (a long's
//  sl below it and tp above it, a short's the other way round). From
//  [limits] (0 = no limit): max_qty and max_notional (qty x last price) per
//  order, max_positions open at once (opens in flight count), and
//  max_orders_per_min per source (the client connection that sent it).
//
//  Without a last price for the symbol the price checks cannot be made:
//  the open is accepted when its own sl and tp agree (a long's sl below its
//  tp), and the log says that the side check was skipped. The daily loss
//  limit is the caller's (gw_actor: it moves the gateway to reducing).

#ifndef GW_LIMITS_H_INCLUDED
#define GW_LIMITS_H_INCLUDED

#include "tw_config.h"
#include "tw_proto.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _gw_limits_t gw_limits_t;

//  Reads [limits]. Never NULL.
gw_limits_t *gw_limits_new (tw_config_t *config);

void gw_limits_destroy (gw_limits_t **self_p);

//  True when symbol reads as EXCH:NAME: EXCH upper-case letters, NAME
//  upper-case letters, digits and - & _ . not starting or ending with '-'.
//  Pure.
bool gw_limits_symbol_ok (const char *symbol);

//  Checks open (last: the symbol's last price, 0 when unknown; open_count:
//  the positions open and the opens in flight; source: who sent it; now_ms:
//  monotonic). Returns 0, or -1 with the refusal in error. A refused open
//  does not count against max_orders_per_min; an accepted one does.
int gw_limits_check (gw_limits_t *self, const tw_open_t *open, double last, size_t open_count,
                     const char *source, int64_t now_ms, char *error, size_t error_size);

//  [limits] daily_loss_limit in rupees (0: none).
double gw_limits_daily_loss (gw_limits_t *self);

#endif
