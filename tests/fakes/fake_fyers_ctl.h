//  fake_fyers_ctl - starts, scripts, inspects and stops a fake_fyers process
//  from a C test. The control routes and behaviours are documented at the top
//  of tests/fakes/fake_fyers.c and in tests/fakes/README.md.
//
//  Every call is bounded in time (see the FAKE_FYERS_* constants). Calls
//  returning int give -1 on failure, with the reason on stderr. Not
//  thread-safe per handle; separate handles are independent.

#ifndef FAKE_FYERS_CTL_H_INCLUDED
#define FAKE_FYERS_CTL_H_INCLUDED

#include <sys/types.h>

//  How long fake_fyers_start waits for "READY <port>".
#define FAKE_FYERS_START_TIMEOUT_MS 5000
//  How long fake_fyers_stop waits after SIGTERM before SIGKILL.
#define FAKE_FYERS_STOP_TIMEOUT_MS 3000
//  Total time allowed for one control request.
#define FAKE_FYERS_CTL_TIMEOUT_MS 3000

typedef struct _fake_fyers_t fake_fyers_t;

//  Forks and execs binary_path with --port 0, --app-id and --token, and waits
//  for its READY line. Returns NULL if it does not come in time (the child is
//  killed). The child gets SIGTERM if the calling thread dies. Caller stops it
//  with fake_fyers_stop.
fake_fyers_t *fake_fyers_start (const char *binary_path, const char *app_id, const char *token);

//  Sends SIGTERM, waits, falls back to SIGKILL; frees the handle and nulls
//  the caller's pointer. Returns the child's exit status (0 after a clean
//  stop), or -1 if it had to be killed or could not be reaped.
int fake_fyers_stop (fake_fyers_t **self_p);

//  "http://127.0.0.1:<port>/api/v3": the Fyers base URL to give a client.
const char *fake_fyers_base_url (fake_fyers_t *self);
//  "http://127.0.0.1:<port>": where /_fake/ lives.
const char *fake_fyers_root_url (fake_fyers_t *self);
int fake_fyers_port (fake_fyers_t *self);
pid_t fake_fyers_pid (fake_fyers_t *self);

//  Queues behaviours (a JSON object or array, see POST /_fake/script).
//  Returns the number queued.
int fake_fyers_script (fake_fyers_t *self, const char *json);

//  Recorded API requests matching method and path (NULL or "" = any).
int fake_fyers_count (fake_fyers_t *self, const char *method, const char *path);

//  Polls fake_fyers_count until it reaches at least count or timeout_ms
//  passes. Returns the last count seen (-1 on error).
int fake_fyers_wait_count (fake_fyers_t *self, const char *method, const char *path, int count,
                           int timeout_ms);

//  Replaces position <symbol>-<product> with net_qty held at avg_price.
int fake_fyers_seed_position (fake_fyers_t *self, const char *symbol, const char *product,
                              long net_qty, double avg_price);

int fake_fyers_set_price (fake_fyers_t *self, const char *symbol, double ltp);

//  Forgets positions, orders, prices, script and recorded requests.
int fake_fyers_reset (fake_fyers_t *self);

//  The JSON array of recorded requests (GET /_fake/requests). Caller frees.
char *fake_fyers_requests (fake_fyers_t *self);

//  Any request to the fake: method, a path starting with "/" (e.g.
//  "/_fake/script" or "/api/v3/positions"), an optional JSON body and optional
//  extra header lines (NULL-terminated array, e.g. "Authorization: a:b").
//  Returns the body (caller frees) and sets *status to the HTTP status; NULL
//  with *status 0 when no HTTP reply came.
char *fake_fyers_http (fake_fyers_t *self, const char *method, const char *path, const char *body,
                       const char *const *headers, long *status);

#endif
