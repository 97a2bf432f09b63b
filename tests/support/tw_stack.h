//  tw_stack - the whole stack as real processes for system tests: the fake
//  Fyers server, then market-feed on a replay file, signal-engine with an
//  external model played by the test, risk-monitor, order-gateway on the
//  fake, and notifier, all on free loopback ports in one scratch directory
//  (tw_fixture). The test watches the fake's request log, a WebSocket
//  client of the notifier, and the gateway's snapshot.
//
//  The binaries come from the environment: MARKET_FEED, SIGNAL_ENGINE,
//  RISK_MONITOR, GATEWAY, NOTIFIER and FAKE_FYERS. tw_stack_destroy stops
//  every process; a test that fails half-way leaves none behind either
//  (tw_proc and fake_fyers_ctl kill their children with the thread that
//  started them). Nothing here asserts: calls return -1 (or false) and say
//  why on stderr. Every wait is bounded.

#ifndef TW_STACK_H_INCLUDED
#define TW_STACK_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "fake_fyers_ctl.h"
#include "tw_fixture.h"
#include "tw_proto.h"

typedef struct _tw_stack_t tw_stack_t;

//  The five services, by the names they are started under.
#define TW_STACK_SERVICES 5
extern const char *const tw_stack_services[TW_STACK_SERVICES];

//  How long tw_stack_start waits for a service to be ready.
#define TW_STACK_READY_MS 15000

//  Makes the directory, starts the fake (with the price of every symbol of
//  symbols, NULL-terminated, at price) and writes ticks_csv (a replay file,
//  played in a loop) for the feed. Starts no service. NULL on failure.
tw_stack_t *tw_stack_new (const char *label, const char *ticks_csv, const char *const *symbols,
                          double price);

//  Stops every service and the fake, removes the directory (unless kept by
//  tw_stack_keep or STACK_KEEP set in the environment), and nulls *self_p;
//  safe on NULL.
void tw_stack_destroy (tw_stack_t **self_p);

//  Keeps the directory with the logs at destroy.
void tw_stack_keep (tw_stack_t *self);

tw_fixture_t *tw_stack_fixture (tw_stack_t *self);
fake_fyers_t *tw_stack_fake (tw_stack_t *self);

//  The notifier's WebSocket port, and the control endpoint of service name
//  (its ping; NULL for an unknown name).
int tw_stack_ws_port (tw_stack_t *self);
const char *tw_stack_control (tw_stack_t *self, const char *name);

//  Starts service name and waits until it is ready (the gateway has
//  reconciled, the notifier has synced, the others answer ping). Returns 0
//  or -1.
int tw_stack_start (tw_stack_t *self, const char *name);

//  Starts all five, the gateway first. Returns 0 or -1.
int tw_stack_start_all (tw_stack_t *self);

//  SIGKILLs service name and collects it. Returns 0 or -1 (not running).
int tw_stack_kill (tw_stack_t *self, const char *name);

//  The external model: one signal (TW_ACTION_OPEN_LONG, TW_ACTION_CLOSE…)
//  for symbol to the signal-engine (qty, sl, tp ignored for a close).
//  Returns the ack's status, or -1 when no ack came.
int tw_stack_signal (tw_stack_t *self, const char *symbol, tw_action_t action, int64_t qty,
                     double sl, double tp);

//  Opens a long through the signal-engine like tw_stack_signal, asking
//  again (bounded by timeout_ms) while the gateway refuses it: its
//  pre-trade check refuses a stop-loss or target on the wrong side of the
//  last price, and the replayed prices move through the tests' stops.
//  Returns the last ack status, or -1.
int tw_stack_open (tw_stack_t *self, const char *symbol, int64_t qty, double sl, double tp,
                   int timeout_ms);

//  Exit requests (DELETE /api/v3/positions) for position id in the fake's
//  request log, and all of them (id NULL). -1 on error.
int tw_stack_deletes (tw_stack_t *self, const char *id);

//  The same, counting only those the fake applied (that changed the
//  account): more than one for a position is a double exit.
int tw_stack_exits_applied (tw_stack_t *self, const char *id);

//  The net quantity the broker holds for position id (0 when none). Returns
//  0, or -1 when the fake does not answer.
int tw_stack_broker_net (tw_stack_t *self, const char *id, long *net);

//  Reads what the notifier's WebSocket client has been sent, until nothing
//  came for timeout_ms, reconnecting when the notifier went away. Each event
//  (by epoch and seq) is tallied once, however often it is sent again.
void tw_stack_ws_pump (tw_stack_t *self, int timeout_ms);

//  Events of type ("position_closed", "exit_failed"…) for id (NULL: any)
//  with reason (NULL: any) tallied so far.
int tw_stack_ws_count (tw_stack_t *self, const char *type, const char *id, const char *reason);

//  Pumps until tw_stack_ws_count reaches count, at most timeout_ms.
bool tw_stack_ws_wait (tw_stack_t *self, const char *type, const char *id, const char *reason,
                       int count, int timeout_ms);

//  The open positions' ids, sorted and joined by spaces into text (size
//  bytes), as the gateway's snapshot, a fresh WebSocket client's snapshot
//  and the broker's net positions (net qty not 0) have them. Return 0, or
//  -1 when that party does not answer.
int tw_stack_gateway_ids (tw_stack_t *self, char *text, size_t size);
int tw_stack_notifier_ids (tw_stack_t *self, char *text, size_t size);
int tw_stack_broker_ids (tw_stack_t *self, char *text, size_t size);

//  Polls until the three agree, at most timeout_ms. Returns true when they
//  did; prints the three views on stderr when they did not (unless
//  timeout_ms is 0: one quiet look).
bool tw_stack_wait_converged (tw_stack_t *self, int timeout_ms);

#endif
