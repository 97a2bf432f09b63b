//  tw_tickguard - which ticks a service may act on (docs/design.md §1): the
//  one filter the risk-monitor and the signal-engine put between the feed
//  and their decisions.
//
//  A tick is refused, in this order, when:
//    * its source is simulated (synthetic or replay, tw_source_is_simulated)
//      while [gateway] broker is fyers and [<section>] allow_simulated_feed
//      is false: simulated prices never drive a live account. A tick without
//      a source (an outside publisher) counts as live. The broker is read
//      from the service's own configuration: every service reads the same
//      file and the same TW_GATEWAY_BROKER override, and keeping them the
//      same is the operator's job.
//    * its ltp is not a price (NaN, infinite, <= 0);
//    * [<section>] tick_band_pct is > 0 and its ltp lies more than that
//      percentage away from the symbol's last good price (the last tick
//      accepted). The first tick of a symbol is accepted when > 0. A real
//      move beyond the band is taken once TW_TICKGUARD_CONFIRM ticks in a
//      row are outside it and each within the band of the one before: the
//      last of them is accepted and becomes the new level (a warning says
//      so); a lone absurd tick never is.
//  A refused tick changes nothing (the last good price stays).
//
//  The guard logs: an error line the first time it refuses a simulated
//  tick, repeated at most once a minute while it goes on (with the count);
//  a warning per rejected price, at most one every 5 s (with the count
//  suppressed). It remembers the last good price of at most
//  TW_TICKGUARD_MAX_SYMBOLS symbols; ticks of further symbols get only the
//  price check (logged once). One guard belongs to one thread.

#ifndef TW_TICKGUARD_H_INCLUDED
#define TW_TICKGUARD_H_INCLUDED

#include "tw_config.h"
#include "tw_proto.h"

#include <stdbool.h>
#include <stdint.h>

#define TW_TICKGUARD_CONFIRM 5
#define TW_TICKGUARD_MAX_SYMBOLS 100000

typedef struct _tw_tickguard_t tw_tickguard_t;

typedef enum {
    TW_TICK_ACCEPTED = 0,
    TW_TICK_SIMULATED,  //  a synthetic or replay tick while the broker is live
    TW_TICK_BAD_PRICE,  //  ltp not finite or <= 0
    TW_TICK_OUT_OF_BAND //  too far from the symbol's last good price
} tw_tick_verdict_t;

//  A guard with the settings of section ("risk", "signal"): its
//  allow_simulated_feed and tick_band_pct, and [gateway] broker.
tw_tickguard_t *tw_tickguard_new (tw_config_t *config, const char *section);

void tw_tickguard_destroy (tw_tickguard_t **self_p);

//  The verdict on tick; logs and counts a refusal (see above).
tw_tick_verdict_t tw_tickguard_check (tw_tickguard_t *self, const tw_tick_t *tick);

//  True when the guard refuses simulated ticks (a live broker, and not
//  allowed).
bool tw_tickguard_refuses_simulated (tw_tickguard_t *self);

//  Ticks refused as simulated, and ticks rejected for their price (at or
//  below zero, or outside the band), since the start.
int64_t tw_tickguard_simulated_refused (tw_tickguard_t *self);
int64_t tw_tickguard_rejected (tw_tickguard_t *self);

#endif
