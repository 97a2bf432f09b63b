//  fake_fyers - a fake Fyers v3 REST server for tests, with a control
//  interface so that a test in any language can script its failures.
//
//  Usage: fake_fyers --app-id X --token Y [--port N] [--bind 127.0.0.1]
//                    [--port-file PATH] [--ws-port N] [--ws-port-file PATH]
//                    [--ws-tls-cert PEM --ws-tls-key PEM] [--tls-cert PEM --tls-key PEM]
//                    [--app-secret S] [--quiet]
//  --app-secret is the app's secret for the login's appIdHash (default
//  "fake-app-secret").
//  --port 0 (the default) picks a free port. Once listening, it prints
//  "READY <port>" on stdout (one flushed line) and writes the port to
//  --port-file if given. The order socket (ws://<bind>:<ws port>/trade/v3,
//  docs/fyers.md §7.3) listens on --ws-port (0: a free port), written to
//  --ws-port-file and shown by GET /_fake/info. With --ws-tls-cert and
//  --ws-tls-key (both or neither) the order socket speaks TLS only, with
//  that certificate: wss://<bind>:<ws port>/trade/v3 ("ws_tls":true in
//  /_fake/info). With --tls-cert and --tls-key (both or neither) REST and
//  /_fake/ are served on https:// only, with that certificate ("tls":true
//  in /_fake/info); else http://. It binds loopback only. SIGTERM or SIGINT stops it
//  cleanly (hanging requests are cut short) with exit status 0. A line per
//  API request goes to stderr unless --quiet.
//
//  Fyers routes (base http[s]://127.0.0.1:<port>/api/v3, docs/fyers.md §2-§4)
//  ------------------------------------------------------------------
//  Every API request must carry "Authorization: <APP_ID>:<TOKEN>" or gets HTTP
//  401 {"s":"error","code":-16,"message":"Could not authenticate the user"}.
//  A request with a body must say "Content-Type: application/json" (else 400,
//  code -50). The "version" header is recorded, not required.
//    GET    /positions     netPositions[] and overall; id "<symbol>-<productType>";
//                          flat positions stay listed with netQty 0, side 0.
//    POST   /orders/sync   market order (type 2, docs/fyers.md §3.1), validated (400,
//                          -50 "Invalid input: <field>"); fills at once at the
//                          symbol's ltp (default 100.0) and nets into the position;
//                          200 {"s":"ok","code":1101,"message":"... No.<id>","id":"<id>"}.
//                          An SL-M (type 3, stopPrice) rests working until a
//                          price set through /_fake/price reaches it, then fills.
//    PATCH  /orders/sync   {"id","type":3,"stopPrice"}: moves a working SL-M's stop, 1102.
//    GET    /orders        orderBook[]; ?id=<id> (unknown id: 400, -51) and
//                          ?order_tag=1:<tag> filter; filled orders have status 2.
//    DELETE /positions     {"id":"<pos id>"} | {"id":[...]} | {"exit_all":1}: places
//                          the market counter order, 200 {"s":"ok","code":200,
//                          "message":"The position is closed."}; nothing open to
//                          exit: 400 {"s":"error","code":-352,"message":"No position to exit"}.
//    DELETE /orders/sync   {"id"}: cancels a working order's remainder, code 1103;
//                          unknown -51, filled -162, cancelled -161, rejected -164.
//    GET    /tradebook     tradeBook[], one entry per fill.
//    POST   /positions     convert a position's product (docs/fyers.md §4).
//    GET    /profile       a fixed profile, for token checks.
//  On the market-data base http[s]://127.0.0.1:<port>/data:
//    GET    /marketStatus  marketStatus[{exchange,market_type,segment,status}]
//                          (docs/fyers.md §4); every market OPEN until
//                          /_fake/market_status says otherwise.
//  The daily login (docs/fyers.md §1) needs no Authorization:
//    GET    /generate-authcode  ?client_id=<APP_ID>&redirect_uri=U&response_type=code
//                          &state=S: HTTP 302 to U?s=ok&code=200&auth_code=fake-auth-code
//                          &state=S (also in the JSON body as "Url"); a wrong
//                          client_id is -352, a missing redirect_uri or
//                          response_type other than code -50.
//    POST   /validate-authcode  {"grant_type":"authorization_code","appIdHash","code"}:
//                          appIdHash must be sha256hex("APP_ID:SECRET") (else 401,
//                          -371); code "fake-auth-code" gets {"s":"ok","code":200,
//                          "access_token":<JWT>,"refresh_token":<JWT>}, the access
//                          token's payload holding exp (the next 06:00 IST) and
//                          hsm_key; no code is -374; "fake-expired-auth-code" or
//                          any other code is 400, -17 "auth code expired or
//                          invalid". The access token it issues is not the one
//                          the API routes accept (that stays --token).
//  DELETE /positions with "pending_orders_cancel":1 cancels the named
//  positions' working orders first; without it, a working counter order stays
//  and a second exit places a second one.
//  Any other path: 404 (405 for a known path with another method), code -404.
//
//  Scripted behaviours
//  -------------------
//  Tests queue behaviours; each API request consumes the first queued one whose
//  method and path (without query) match, else it is served normally ("ok").
//  A behaviour is a JSON object:
//    {"method":"DELETE"|"any", "path":"/api/v3/positions"|"any",
//     "action":..., "times":N (queue N copies, default 1), "apply":bool, ...}
//  Actions and their fields:
//    ok                 serve normally.
//    status             reply HTTP "status" with "body" (a string sent verbatim, or
//                       any JSON value); default body {"s":"error","code":-99,...}.
//    429 | rate_limit   HTTP 429, headers Retry-After: "retry_after_s" (default 1)
//                       and X-Retry-After-Ms: "retry_after_ms" (default 1000), body
//                       {"s":"error","code":-429,"message":"request limit reached"}.
//    401 | auth_error   HTTP 401 with the -16 body.
//    hang               wait "ms", then reply HTTP "status" (default 504). Only this
//                       connection waits; other requests are served meanwhile.
//    reset              close the connection without a reply (MHD sends FIN;
//                       curl reports CURLE_GOT_NOTHING, 52).
//    garbage            HTTP 200, Content-Type text/html, a body that is not JSON.
//    code201            place the order pending (status 6) and reply code 201
//                       (exit: {"s":"ok","code":201,"message":"exit placed, not
//                       filled"}); the next "polls" (default 2) GET /positions
//                       still show the position open, the one after shows the
//                       fill. A second exit meanwhile places a second counter
//                       order, as a real broker would.
//                       "polls":-1 waits for a control call; "fill_qty" fills
//                       that much at once.
//    working            place the order working (status 6), "fill_qty" (0) filled
//                       at once, the rest on a control call or after "polls"
//                       (-1: never by itself); reply as usual (1101 / 200).
//    apply_then_hang    apply the request, wait "ms", then send its real reply.
//    apply_then_reset   apply the request, then reset the connection.
//  "apply":true makes any action also apply the request first (its own reply
//  is discarded except for hang, where the real reply is sent late).
//
//  Control interface (no auth; JSON in and out; not recorded as requests)
//  -----------------------------------------------------------------------
//    POST   /_fake/script    a behaviour or an array of them, queued all or none:
//                            {"s":"ok","queued":N}; 400 with a message if malformed.
//    GET    /_fake/script    {"s":"ok","script":[...]} the behaviours not yet used.
//    DELETE /_fake/script    drops the queued behaviours.
//    POST   /_fake/position  {"symbol","product" (or "productType"),"netQty","avgPrice"
//                            [,"ltp"]} replaces that position: {"s":"ok","id":"<pos id>"}.
//    POST   /_fake/price     {"symbol","ltp"} sets the price fills and P&L use.
//    GET    /_fake/requests  [?method=&path=] the array of request records:
//                            {seq, method, path, query{}, body, auth ("ok"|"bad"|
//                            "missing"), auth_ok, version, content_type, t_ms (ms
//                            since start, on arrival), mono_us (CLOCK_MONOTONIC in
//                            microseconds on arrival: system-wide, so comparable
//                            with another process's clock), status (0: dropped or
//                            not yet answered), action, applied (the book changed),
//                            done_ms (null until answered or dropped)}.
//    GET    /_fake/count     [?method=&path=] {"count":N} of recorded requests.
//    POST   /_fake/fill      {"order_id"[,"qty"][,"price"]} fills (part of) a working order.
//    POST   /_fake/end       {"order_id","status":1|5|7[,"message"]} ends its remainder.
//    POST   /_fake/cancel    {"order_id"}: the user cancels it in the app.
//    POST   /_fake/convert   {"id","to"[,"qty"]}: the user converts a position's product.
//    POST   /_fake/square_off {["id"],["tag"],["source"],["cancel_pending"]}: the
//                            broker squares off (cancels working orders, fills a
//                            counter order from source "A").
//    GET    /_fake/positions, /_fake/orders, /_fake/trades: the book, read silently.
//    GET|POST /_fake/market_status  the list /data/marketStatus serves;
//                            {"status"[,"exchange"][,"segment"][,"market_type"]}
//                            sets the matching entries, {"marketStatus":[...]}
//                            replaces the list verbatim.
//    POST   /_fake/reset     forgets positions, orders, prices, script and requests;
//                            every market OPEN again.
//                            Order ids keep increasing.
//    GET    /_fake/info      {"s":"ok","port","tls","ws_port","ws_path","ws_tls","ws_clients",
//                            "ws_subscribed","ws_connections","ws_refused","ws_sent",
//                            "ws_silent","ws_refuse_next"}.
//    POST   /_fake/ws        {["drop":true],["silent":bool],["refuse":N]}: drop every
//                            socket connection, stop/resume pushing and ponging,
//                            refuse the next N upgrades (503).
//  Unknown control routes: 404.
//
//  Order socket (ws:// or, with --ws-tls-*, wss://<bind>:<ws port>/trade/v3)
//  --------------------------------------------------------------------------
//  The upgrade needs "authorization: <APP_ID>:<TOKEN>" (else 401). Text
//  {"T":"SUB_ORD","SLIST":["orders","trades","positions"],"SUB_T":1} is acked
//  {"code":1605,"message":"Successfully subscribed","s":"ok"}; "ping" gets
//  "pong". Every change of the account (API or control) is pushed to the
//  subscribed topics as {"orders":{...},"s":"ok"}, {"trades":{...}} or
//  {"positions":{...}} in Fyers' raw snake_case keys; a fill pushes order,
//  trade, position in that order.

#include "ff_server.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FF_DEFAULT_BIND "127.0.0.1"
#define FF_PORT_MAX 65535

static void
s_usage (void)
{
    fprintf (stderr, "usage: fake_fyers --app-id X --token Y [--port N] [--bind 127.0.0.1]"
                     " [--port-file PATH] [--ws-port N] [--ws-port-file PATH]"
                     " [--ws-tls-cert PEM --ws-tls-key PEM] [--tls-cert PEM --tls-key PEM]"
                     " [--app-secret S] [--quiet]\n");
}

//  Writes the port and renames into place, so a reader never sees half a file.
static int
s_write_port_file (const char *path, int port)
{
    size_t tmp_len = strlen (path) + 5;
    char *tmp = malloc (tmp_len);
    if (!tmp)
        return -1;
    snprintf (tmp, tmp_len, "%s.tmp", path);
    FILE *file = fopen (tmp, "w");
    int rc = -1;
    if (file) {
        bool written = fprintf (file, "%d\n", port) > 0;
        if (fclose (file) == 0 && written && rename (tmp, path) == 0)
            rc = 0;
    }
    if (rc != 0)
        remove (tmp);
    free (tmp);
    return rc;
}

int
main (int argc, char *argv[])
{
    ff_server_config_t config = {.bind = FF_DEFAULT_BIND};
    const char *port_file = NULL;
    const char *ws_port_file = NULL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp (arg, "--quiet") == 0) {
            config.quiet = true;
            continue;
        }
        if (!value) {
            s_usage ();
            return 2;
        }
        i++;
        if (strcmp (arg, "--app-id") == 0)
            config.app_id = value;
        else if (strcmp (arg, "--token") == 0)
            config.token = value;
        else if (strcmp (arg, "--app-secret") == 0)
            config.app_secret = value;
        else if (strcmp (arg, "--bind") == 0)
            config.bind = value;
        else if (strcmp (arg, "--port-file") == 0)
            port_file = value;
        else if (strcmp (arg, "--ws-port-file") == 0)
            ws_port_file = value;
        else if (strcmp (arg, "--ws-tls-cert") == 0)
            config.ws_tls_cert = value;
        else if (strcmp (arg, "--ws-tls-key") == 0)
            config.ws_tls_key = value;
        else if (strcmp (arg, "--tls-cert") == 0)
            config.tls_cert = value;
        else if (strcmp (arg, "--tls-key") == 0)
            config.tls_key = value;
        else if (strcmp (arg, "--port") == 0 || strcmp (arg, "--ws-port") == 0) {
            char *end;
            long port = strtol (value, &end, 10);
            if (*end || end == value || port < 0 || port > FF_PORT_MAX) {
                fprintf (stderr, "fake_fyers: bad %s %s\n", arg, value);
                return 2;
            }
            *(strcmp (arg, "--port") == 0 ? &config.port : &config.ws_port) = (int) port;
        }
        else {
            s_usage ();
            return 2;
        }
    }
    if (!config.app_id || !config.token || !config.ws_tls_cert != !config.ws_tls_key
        || !config.tls_cert != !config.tls_key) {
        s_usage ();
        return 2;
    }
    //  Block the stop signals before the daemon starts its threads, so that
    //  they inherit the mask and only sigwait below receives the signals.
    //  Nothing we write to may close on us: ignore SIGPIPE.
    sigset_t stop_signals;
    sigemptyset (&stop_signals);
    sigaddset (&stop_signals, SIGTERM);
    sigaddset (&stop_signals, SIGINT);
    pthread_sigmask (SIG_BLOCK, &stop_signals, NULL);
    signal (SIGPIPE, SIG_IGN);

    ff_server_t *server = ff_server_new (&config);
    if (!server)
        return 1;
    int port = ff_server_port (server);
    int ws_port = ff_server_ws_port (server);
    if ((port_file && s_write_port_file (port_file, port) != 0)
        || (ws_port_file && s_write_port_file (ws_port_file, ws_port) != 0)) {
        fprintf (stderr, "fake_fyers: cannot write a port file\n");
        ff_server_destroy (&server);
        return 1;
    }
    fprintf (stderr, "fake_fyers: listening on %s://%s:%d, order socket %s://%s:%d/trade/v3\n",
             config.tls_cert ? "https" : "http", config.bind, port,
             config.ws_tls_cert ? "wss" : "ws", config.bind, ws_port);
    printf ("READY %d\n", port);
    fflush (stdout);

    int signal_number = 0;
    sigwait (&stop_signals, &signal_number);
    fprintf (stderr, "fake_fyers: stopping on signal %d\n", signal_number);
    ff_server_destroy (&server);
    return 0;
}
