//  gw_fyers - the Fyers REST broker (docs/fyers.md §1-§4, §6, §9): the broker
//  actor of gw_broker.h over libcurl multi.
//
//  Every call becomes one HTTP transfer, started as soon as the shared rate
//  limiter allows (exits ahead of other calls); any number of transfers are in
//  flight at once, driven by the actor's zloop through curl's socket and timer
//  callbacks, so a hanging request never delays another call or the pipe.
//  The outcome is classified from the curl result, the HTTP status and the
//  JSON body (gw_fyers_classify, docs/design.md §4).
//
//  The app id comes from FYERS_APP_ID; the access token through tw_token
//  (FYERS_ACCESS_TOKEN, else [fyers] token_file). Once a second, between
//  transfers, the actor looks for a new token and uses it without a restart
//  (a broken file is warned about and the current token kept). It warns
//  [gateway] token_warn_min before the token's exp, and refuses GW_OP_PLACE
//  (opens) once exp has passed, with the reason "token expired: ..."; exits
//  are still sent. An authentication failure from the broker
//  (gw_fyers_is_auth_failure) is a state of its own: logged once, it holds
//  every later call queued, unsent (exits first when they go), until a new
//  token is picked up - rather than failing exit after exit with the same
//  cause. The token is never logged (a fingerprint at most) and is
//  scrubbed from every error text.
//
//  On GW_BROKER_STOP (gw_broker_destroy) the actor aborts the transfers in
//  flight and destroys them and the queued calls without sending them back:
//  the gateway, which is stopping, reconciles with the broker when it starts
//  again.

#ifndef GW_FYERS_H_INCLUDED
#define GW_FYERS_H_INCLUDED

#include <czmq.h>
#include <time.h>

#include "gw_call.h"
#include "tw_config.h"

//  Fyers codes (docs/fyers.md §2).
#define GW_FYERS_CODE_EXIT_PENDING 201 //  exit/order sent, not yet acknowledged or filled

//  Fyers order status "filled" (order book `status`).
#define GW_FYERS_STATUS_FILLED 2

//  A reply body larger than this is refused (the transfer fails).
#define GW_FYERS_REPLY_MAX (8 * 1024 * 1024)

typedef struct _gw_fyers_t gw_fyers_t;

//  Fyers' own limits for the whole account (docs/design.md §4, docs/fyers.md §6). Higher
//  rates are for a local fake (the benchmarks), never for a Fyers host: see
//  gw_fyers_check_rates.
#define GW_FYERS_LIMIT_PER_SEC 10
#define GW_FYERS_LIMIT_PER_MIN 200
//  A base_url whose host ends with this is the real broker.
#define GW_FYERS_REAL_DOMAIN "fyers.in"

//  Reads [fyers] base_url, data_base_url (GW_OP_MARKET_STATUS), request_timeout_ms,
//  rate_per_sec and rate_per_min, [gateway] token_warn_min, the app id and
//  the token. Returns NULL (logged) when they
//  are missing or unusable, or when the rates exceed Fyers' limits for a
//  Fyers host (gw_fyers_check_rates). The caller destroys the result, or
//  hands it to gw_fyers_actor.
gw_fyers_t *gw_fyers_new (tw_config_t *config);

//  True when base_url may reach the real broker: its host ends with
//  GW_FYERS_REAL_DOMAIN (any case, a trailing dot ignored), or its host
//  cannot be read plainly (empty, too long, percent-encoded or with other
//  unusual characters) - a doubt keeps the protection. The scheme is
//  optional ("api.fyers.in/api/v3" is read as curl reads it); user info and
//  port are skipped. Pure.
bool gw_fyers_is_real_host (const char *base_url);

//  Checks the configured rates for base_url: above GW_FYERS_LIMIT_PER_SEC
//  or GW_FYERS_LIMIT_PER_MIN they are refused when gw_fyers_is_real_host,
//  because the broker blocks an account that breaches its per-minute limit
//  more than 3 times a day. Returns 0, or -1 with a one-line reason in err.
//  Pure.
int gw_fyers_check_rates (const char *base_url, int64_t per_sec, int64_t per_min, char *err,
                          size_t err_size);

//  Destroys the broker and nulls *self_p; safe on NULL.
void gw_fyers_destroy (gw_fyers_t **self_p);

//  The actor (zactor_fn): args is a gw_fyers_t * that the actor takes
//  ownership of and destroys when it ends.
void gw_fyers_actor (zsock_t *pipe, void *args);

//  What came back from one transfer, for gw_fyers_classify.
typedef struct {
    int curl_code;          //  a CURLcode; 0 (CURLE_OK) when an HTTP reply arrived
    const char *curl_error; //  curl's text for curl_code, or NULL
    long http_status;       //  0 when no HTTP reply arrived
    const char *body;       //  the reply body (need not be NUL-terminated), or NULL
    size_t body_size;
    int64_t retry_after_ms; //  from X-Retry-After-Ms / Retry-After, 0 when absent
} gw_fyers_reply_t;

//  Sets call's outcome, http_status, broker_code, error and retry_after_ms
//  from reply, and on success the op's results (order_id; positions, which
//  the call then owns; order_status and fill_price). Pure: no I/O, no clock.
void gw_fyers_classify (gw_call_t *call, const gw_fyers_reply_t *reply);

//  True when a classified call failed because the broker refused the
//  credentials (HTTP 401 or 403, or codes -8, -15, -16, -17). Pure.
bool gw_fyers_is_auth_failure (const gw_call_t *call);

//  The wait a 429 asked for, in ms: X-Retry-After-Ms when it is a positive
//  number, else Retry-After as seconds or as an HTTP date (relative to
//  now_s, Unix seconds), else 0. Either header value may be NULL.
int64_t gw_fyers_retry_after_ms (const char *x_retry_after_ms, const char *retry_after,
                                 time_t now_s);

//  True when the classified call was refused by the broker's rate limit
//  (HTTP 429, code -429 or -353): the limiter must then block all sends.
bool gw_fyers_rate_limited (const gw_call_t *call);

//  Checks that call can be sent (the fields its op needs are present and
//  well-formed). Returns 0, or -1 with a one-line reason in err.
int gw_fyers_validate (const gw_call_t *call, char *err, size_t err_size);

//  The JSON body of an EXIT or PLACE call (heap string the caller frees), or
//  NULL for the other ops or when out of memory.
char *gw_fyers_body (const gw_call_t *call);

#endif
