//  gw_testfx - the ground of the gateway's real-process tests: the real
//  order-gateway binary (env GATEWAY) against the real fake Fyers server
//  (env FAKE_FYERS), over loopback with ports picked at run time, with a
//  command client, an ear on its events, and reads of the fake account.
//
//  Every helper asserts (Check) on what it needs; every wait is bounded.

#ifndef GW_TESTFX_H_INCLUDED
#define GW_TESTFX_H_INCLUDED

#include <stdbool.h>

#include "fake_fyers_ctl.h"
#include "tw_client.h"
#include "tw_events.h"
#include "tw_fixture.h"
#include "tw_proto.h"

#define GW_TESTFX_APP_ID "TESTAPP-100"
#define GW_TESTFX_TOKEN "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.test-secret-token-sig"
#define GW_TESTFX_WAIT_MS 8000
#define GW_TESTFX_GATEWAY "order-gateway"

typedef struct {
    tw_fixture_t *base;
    fake_fyers_t *fake;
    const char *rep;
    const char *log;
    tw_client_t *client;
    tw_events_t *events;
} gw_testfx_t;

//  Starts the fake and the gateway (broker fyers, short backoffs), runs
//  before_start (may be NULL: it can set more of the environment), and waits
//  until the gateway has reconciled and its events are live.
void gw_testfx_setup (gw_testfx_t *fx, void (*before_start) (gw_testfx_t *));

//  The same with the fake's order socket on wss://: makes a tw_pki in the
//  fixture's directory, starts the fake with its certificate cert and key
//  key (file names of tw_pki.h, e.g. TW_PKI_SERVER_CERT, TW_PKI_SERVER_KEY),
//  and gives the gateway the fake's wss:// URL and [fyers] data_ca_file
//  TW_PKI_CA; before_start may set other ones.
void gw_testfx_setup_tls (gw_testfx_t *fx, const char *cert, const char *key,
                          void (*before_start) (gw_testfx_t *));

//  What gw_testfx_setup_https waits for once the gateway is started.
typedef enum {
    GW_TESTFX_WAIT_RECONCILED, //  reconciled and its events live, as gw_testfx_setup
    GW_TESTFX_WAIT_PING,       //  it answers ping and its events are live: one that cannot
                               //  reach the broker never reconciles
    GW_TESTFX_WAIT_NONE,       //  nothing: one that is to stop at start
} gw_testfx_wait_t;

//  The fake on TLS everywhere, as Fyers is: REST and /_fake/ on https://
//  and the order socket on wss://, both with certificate cert and key key
//  of a tw_pki made in the fixture's directory (file names of tw_pki.h).
//  The test's own requests trust TW_PKI_CA, and name the fake
//  TW_PKI_MISNAMED_HOST when cert is TW_PKI_MISNAMED_CERT. The gateway gets
//  the fake's https:// base URL, its wss:// URL and [fyers] data_ca_file
//  TW_PKI_CA; before_start may set other ones. Then it waits as wait says.
void gw_testfx_setup_https (gw_testfx_t *fx, const char *cert, const char *key,
                            gw_testfx_wait_t wait, void (*before_start) (gw_testfx_t *));

//  Stops the gateway (SIGTERM, exit 0 asserted) if it still runs, and the
//  fake; asserts the token never reached the log.
void gw_testfx_teardown (gw_testfx_t *fx);

//  Starts the gateway again (after a stop) and waits until it reconciled.
void gw_testfx_restart (gw_testfx_t *fx);

//  Sends open / close and returns the ack's status.
tw_ack_status_t gw_testfx_open (gw_testfx_t *fx, const char *symbol, tw_side_t side, int64_t qty,
                                double sl, double tp);
tw_ack_status_t gw_testfx_close (gw_testfx_t *fx, const char *id, const char *reason);

//  Waits for the next event of type for id (NULL: any id).
bool gw_testfx_wait_event (gw_testfx_t *fx, tw_msg_type_t type, const char *id, tw_msg_t *event);

//  The gateway's live positions (a snapshot); *first when count > 0 and
//  first is not NULL.
size_t gw_testfx_snapshot (gw_testfx_t *fx, tw_position_t *first);

//  The broker's signed net quantity of position id (0 when absent), read
//  from the fake without touching its working orders.
long gw_testfx_broker_qty (gw_testfx_t *fx, const char *id);

//  The number of working orders (status 6) in the fake's order book.
int gw_testfx_working_orders (gw_testfx_t *fx);

//  True when the fake's GET /_fake/info holds text (e.g. "\"ws_tls\":true");
//  asserts that it answered (over TLS: the test's own requests trust its CA).
bool gw_testfx_info_says (gw_testfx_t *fx, const char *text);

#endif
