//  fake_fyers_ctl - starts, scripts, inspects and stops a fake_fyers process
//  from a C test. The control routes and behaviours are documented at the top
//  of tests/fakes/fake_fyers.c and in tests/fakes/README.md.
//
//  Every call is bounded in time (see the FAKE_FYERS_* constants). Calls
//  returning int give -1 on failure, with the reason on stderr. Not
//  thread-safe per handle; separate handles are independent.

#ifndef FAKE_FYERS_CTL_H_INCLUDED
#define FAKE_FYERS_CTL_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
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

//  The same, with more of fake_fyers' flags after those (args: a
//  NULL-terminated array, may be NULL), e.g. {"--ws-tls-cert", "server.pem",
//  "--ws-tls-key", "server.key", NULL} for an order socket on wss://.
//  Relative paths are the caller's working directory's. With "--tls-cert"
//  (and "--tls-key") among args the fake serves REST and /_fake/ on
//  https://: the URLs below say so, and the handle's own requests need
//  fake_fyers_set_ca_file before the first.
fake_fyers_t *fake_fyers_start_args (const char *binary_path, const char *app_id, const char *token,
                                     const char *const *args);

//  The PEM CA bundle that the handle's own requests (control, API helpers,
//  fake_fyers_http, fake_fyers_login) trust alone over https:// (copied;
//  NULL: the system's CAs again). The server's certificate and host name
//  are always verified. Returns 0, or -1 when out of memory.
int fake_fyers_set_ca_file (fake_fyers_t *self, const char *ca_file);

//  The host name the handle's own requests name the fake by, and check its
//  certificate for (NULL: 127.0.0.1 again, the URLs' host). They still
//  connect to 127.0.0.1 (libcurl's CURLOPT_RESOLVE), so a test can talk to
//  a fake whose certificate is for another host (tw_pki's misnamed one)
//  while the client under test, given the 127.0.0.1 URLs, refuses it.
//  Returns 0, or -1 (an empty or too long name, out of memory).
int fake_fyers_set_tls_host (fake_fyers_t *self, const char *host);

//  Sends SIGTERM, waits, falls back to SIGKILL; frees the handle and nulls
//  the caller's pointer. Returns the child's exit status (0 after a clean
//  stop), or -1 if it had to be killed or could not be reaped.
int fake_fyers_stop (fake_fyers_t **self_p);

//  "http://127.0.0.1:<port>/api/v3" ("https://..." when started with
//  --tls-cert, as the three URLs here): the Fyers base URL to give a client.
const char *fake_fyers_base_url (fake_fyers_t *self);
//  "http://127.0.0.1:<port>/data": the Fyers market-data base URL
//  ([fyers] data_base_url: /data/marketStatus).
const char *fake_fyers_data_url (fake_fyers_t *self);
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

//  Sets what GET /data/marketStatus serves (POST /_fake/market_status): json
//  is {"status":S[,"exchange":N][,"segment":N][,"market_type":T]} or
//  {"marketStatus":[...]}. Returns 0, or -1 when the fake refused it.
int fake_fyers_market_status (fake_fyers_t *self, const char *json);

//  Forgets positions, orders, prices, script, market status and recorded
//  requests.
int fake_fyers_reset (fake_fyers_t *self);

//  The JSON array of recorded requests (GET /_fake/requests). Caller frees.
char *fake_fyers_requests (fake_fyers_t *self);

//  The broker's side of an order (all through /_fake/, not recorded as API
//  requests). fake_fyers_fill fills qty (0: all that remains) of a working
//  order at price (<= 0: the symbol's last price); the order stays working
//  (status 6) until nothing remains. fake_fyers_end_order ends what remains
//  with status 1 (cancelled), 5 (rejected) or 7 (expired), keeping the
//  filled part; fake_fyers_cancel is the user cancelling it in the app.
int fake_fyers_fill (fake_fyers_t *self, const char *order_id, long qty, double price);
int fake_fyers_end_order (fake_fyers_t *self, const char *order_id, int status);
int fake_fyers_cancel (fake_fyers_t *self, const char *order_id);

//  Converts qty (0: all) of open position position_id to to_product, as a
//  user would in the Fyers app ("NSE:SBIN-EQ-INTRADAY" -> "CNC").
int fake_fyers_convert (fake_fyers_t *self, const char *position_id, const char *to_product,
                        long qty);

//  The broker squares position_id (NULL: every open position) off, as its
//  RMS or the 15:15 auto square-off does: working orders of the position are
//  cancelled and a filled counter order from source "A" with tag (NULL: no
//  tag) appears in the book. Returns how many positions it squared off.
int fake_fyers_square_off (fake_fyers_t *self, const char *position_id, const char *tag);

//  The contract multiplier of symbol (qtyMulti_com; P&L uses it).
int fake_fyers_set_multiplier (fake_fyers_t *self, const char *symbol, double multiplier);

//  The id of the newest order in the book, written into id (size bytes).
//  Returns 0, or -1 when the book is empty.
int fake_fyers_last_order_id (fake_fyers_t *self, char *id, size_t size);

//  The order book, positions and trade book as JSON ({"s":"ok","orderBook":
//  [...]}, {"s":"ok","netPositions":[...],"overall":{...}}, {"s":"ok",
//  "tradeBook":[...]}) read without authenticating, without being recorded
//  and without advancing pending fills. Caller frees.
char *fake_fyers_orders (fake_fyers_t *self);
char *fake_fyers_positions (fake_fyers_t *self);
char *fake_fyers_trades (fake_fyers_t *self);

//  The order socket (docs/fyers.md §7.3): its port, and the URL to give a
//  client, "ws://127.0.0.1:<port>/trade/v3" ("wss://..." when the fake was
//  started with --ws-tls-cert and --ws-tls-key). -1 / NULL when not known.
int fake_fyers_ws_port (fake_fyers_t *self);
const char *fake_fyers_ws_url (fake_fyers_t *self);

//  Scripting the order socket: drop every connection now; stop (true) or
//  resume (false) pushing messages and answering pings; refuse the next
//  count connection attempts (HTTP 503 to the upgrade).
int fake_fyers_ws_drop (fake_fyers_t *self);
int fake_fyers_ws_silence (fake_fyers_t *self, bool silent);
int fake_fyers_ws_refuse (fake_fyers_t *self, int count);

//  Polls GET /_fake/info until at least count socket clients have
//  subscribed (sent SUB_ORD) or timeout_ms passes; returns the last count
//  seen (-1 on error). With count 0 it waits for none to be connected.
int fake_fyers_ws_wait_subscribed (fake_fyers_t *self, int count, int timeout_ms);

//  Any request to the fake: method, a path starting with "/" (e.g.
//  "/_fake/script" or "/api/v3/positions"), an optional JSON body and optional
//  extra header lines (NULL-terminated array, e.g. "Authorization: a:b").
//  Returns the body (caller frees) and sets *status to the HTTP status; NULL
//  with *status 0 when no HTTP reply came.
char *fake_fyers_http (fake_fyers_t *self, const char *method, const char *path, const char *body,
                       const char *const *headers, long *status);

//  The daily login. fake_fyers_start gives the fake this app secret; its
//  generate-authcode hands out FAKE_FYERS_AUTH_CODE, and
//  FAKE_FYERS_AUTH_CODE_EXPIRED stands for a code used late or twice.
#define FAKE_FYERS_APP_SECRET "fake-app-secret"
#define FAKE_FYERS_AUTH_CODE "fake-auth-code"
#define FAKE_FYERS_AUTH_CODE_EXPIRED "fake-expired-auth-code"

//  Plays the browser: GETs login_url (the generate-authcode URL that
//  `tradectl login` prints; it must be on this fake) and returns the
//  redirect's Location (caller frees): the URL the trader would paste back.
//  NULL (reason on stderr) when the fake does not redirect.
char *fake_fyers_login (fake_fyers_t *self, const char *login_url);

#endif
