//  ff_market - the fake's market status: the list GET /data/marketStatus
//  serves (docs/fyers.md §4) and the control route /_fake/market_status
//  that sets it. Documented in tests/fakes/README.md.
//
//  The caller serialises calls (ff_server's lock).

#ifndef FF_MARKET_H_INCLUDED
#define FF_MARKET_H_INCLUDED

#include <cjson/cJSON.h>
#include <stddef.h>

typedef struct _ff_market_t ff_market_t;

//  A list with every market OPEN (see ff_market.c); NULL on OOM.
ff_market_t *ff_market_new (void);
void ff_market_destroy (ff_market_t **self_p);

//  Back to the list of ff_market_new.
void ff_market_reset (ff_market_t *self);

//  A copy of the marketStatus list; the caller owns it (NULL on OOM).
cJSON *ff_market_json (ff_market_t *self);

//  Serves method (GET or POST) on /_fake/market_status with the request body
//  (NULL or len bytes). Returns the JSON reply and sets *status.
cJSON *ff_market_control (ff_market_t *self, const char *method, const char *body, size_t len,
                          int *status);

#endif
