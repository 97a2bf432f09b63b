//  In-process tests of the order-gateway actor (gw_actor) on the paper
//  broker, over inproc:// endpoints, with its store and the paper broker's
//  file in a scratch directory. The test is the market feed (a PUB of
//  ticks, so that the paper broker has prices), a subscriber to the
//  gateway's events, and a command client on its ROUTER. They cover: an
//  open (ack, position_opened); a close (ack, position_closing,
//  position_closed with its reason and attempts); a repeated close (the
//  first reply again, no second exit); a flatten of two positions (both
//  closed with "Kill Switch"); the status counters; reconciliation after a
//  restart; a clean stop.

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw_actor.h"
#include "tw_clock.h"
#include "tw_config.h"
#include "tw_log.h"
#include "tw_service.h"
#include "tw_sock.h"

#define ERR_MAX 512
#define PATH_MAX_LEN 512
//  Every wait in these tests is bounded by this.
#define WAIT_MS 10000
#define POLL_MS 10
#define TTL_NS (30 * TW_NS_PER_MS * 1000)
#define ENDPOINT_MAX 64
#define SERVICE "order-gateway"
#define SYMBOL_A "NSE:SBIN-EQ"
#define SYMBOL_B "NSE:INFY-EQ"
#define POS_A "NSE:SBIN-EQ-INTRADAY"
#define POS_B "NSE:INFY-EQ-INTRADAY"
#define PRICE_A 500.0
#define PRICE_B 1500.0

typedef struct {
    tw_config_t *config;
    tw_service_t *service;
    zactor_t *actor;
    zsock_t *feed;   //  the ticks
    zsock_t *events; //  SUB to the gateway's events
    zsock_t *client; //  DEALER to the gateway's commands
    int next_req;
    //  inproc endpoints are released after their socket closes, not when
    //  it does: every start gets new ones, so that a restart never waits.
    char gw_rep[ENDPOINT_MAX];
    char gw_pub[ENDPOINT_MAX];
    char feed_pub[ENDPOINT_MAX];
} s_fx_t;

static int s_generation;

static char s_dir[PATH_MAX_LEN];
static char s_origin[PATH_MAX_LEN];
//  The price s_ticks publishes for SYMBOL_A (a test moves it).
static double s_price_a = PRICE_A;

static void
s_setup (void)
{
    tw_log_init ("unit");
    //  In an empty directory, so that no deploy/config/tradewire.ini is read.
    ck_assert_ptr_nonnull (getcwd (s_origin, sizeof s_origin));
    snprintf (s_dir, sizeof s_dir, "%s", "/tmp/tw-gw-actor-XXXXXX");
    ck_assert_ptr_nonnull (mkdtemp (s_dir));
    ck_assert_int_eq (chdir (s_dir), 0);
    setenv ("TW_GATEWAY_BROKER", "paper", 1);
    setenv ("TW_GATEWAY_DB", "gateway.db", 1);
    setenv ("TW_GATEWAY_PAPER_DB", "paper.db", 1);
    setenv ("TW_GATEWAY_HEARTBEAT_MS", "50", 1);
}

static void
s_teardown (void)
{
    ck_assert_int_eq (chdir (s_origin), 0);
    char command[PATH_MAX_LEN + 16];
    snprintf (command, sizeof command, "rm -rf %s", s_dir);
    ck_assert_int_eq (system (command), 0);
}

//  Publishes one tick of each symbol: the paper broker fills at the last.
static void
s_ticks (s_fx_t *fx)
{
    const char *symbols[] = {SYMBOL_A, SYMBOL_B};
    const double prices[] = {s_price_a, PRICE_B};
    for (size_t i = 0; i < 2; i++) {
        tw_msg_t tick;
        tw_msg_init (&tick, TW_MSG_TICK);
        snprintf (tick.u.tick.symbol, sizeof tick.u.tick.symbol, "%s", symbols[i]);
        tick.u.tick.ltp = prices[i];
        ck_assert_int_eq (tw_sock_publish (fx->feed, &tick), 0);
    }
}

//  The next event other than a heartbeat, within WAIT_MS (ticking meanwhile).
static void
s_next_event (s_fx_t *fx, tw_msg_t *event)
{
    zpoller_t *poller = zpoller_new (fx->events, NULL);
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    bool got = false;
    while (!got && tw_clock_mono_ms () < deadline) {
        s_ticks (fx);
        if (zpoller_wait (poller, POLL_MS) != fx->events)
            continue;
        char err[ERR_MAX];
        ck_assert_msg (tw_sock_recv (fx->events, event, err, sizeof err) == 0, "%s", err);
        got = event->type != TW_MSG_HEARTBEAT;
    }
    zpoller_destroy (&poller);
    ck_assert_msg (got, "no event within %d ms", WAIT_MS);
}

//  Sends request and returns the gateway's reply.
static void
s_request (s_fx_t *fx, const tw_msg_t *request, tw_msg_t *reply)
{
    ck_assert_int_eq (tw_sock_send (fx->client, request), 0);
    zpoller_t *poller = zpoller_new (fx->client, NULL);
    void *which = zpoller_wait (poller, WAIT_MS);
    zpoller_destroy (&poller);
    ck_assert_msg (which == fx->client, "no reply within %d ms", WAIT_MS);
    char err[ERR_MAX];
    ck_assert_msg (tw_sock_recv (fx->client, reply, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq (reply->req_id, request->req_id);
}

static void
s_command (tw_msg_t *msg, tw_msg_type_t type, const char *req_id)
{
    tw_msg_init (msg, type);
    snprintf (msg->req_id, sizeof msg->req_id, "%s", req_id);
    msg->expires_at = tw_clock_wall_ns () + TTL_NS;
}

static int64_t
s_counter (s_fx_t *fx, const char *name)
{
    tw_msg_t status, pong;
    memset (&pong, 0, sizeof pong);
    s_command (&status, TW_MSG_STATUS, "status");
    status.expires_at = 0;
    s_request (fx, &status, &pong);
    ck_assert_int_eq (pong.type, TW_MSG_PONG);
    ck_assert_str_eq (pong.u.pong.service, SERVICE);
    for (size_t i = 0; i < pong.u.pong.counter_count; i++)
        if (strcmp (pong.u.pong.counters[i].name, name) == 0)
            return pong.u.pong.counters[i].value;
    ck_abort_msg ("pong has no counter '%s'", name);
    return -1;
}

static void
s_start (s_fx_t *fx)
{
    memset (fx, 0, sizeof *fx);
    s_generation++;
    snprintf (fx->gw_rep, sizeof fx->gw_rep, "inproc://gw-actor-rep-%d", s_generation);
    snprintf (fx->gw_pub, sizeof fx->gw_pub, "inproc://gw-actor-pub-%d", s_generation);
    snprintf (fx->feed_pub, sizeof fx->feed_pub, "inproc://gw-actor-feed-%d", s_generation);
    setenv ("TW_ENDPOINTS_GATEWAY_REP", fx->gw_rep, 1);
    setenv ("TW_ENDPOINTS_GATEWAY_PUB", fx->gw_pub, 1);
    setenv ("TW_ENDPOINTS_FEED_PUB", fx->feed_pub, 1);
    fx->feed = tw_sock_pub_new (fx->feed_pub);
    ck_assert_ptr_nonnull (fx->feed);
    char err[ERR_MAX] = "";
    fx->config = tw_config_load (NULL, err, sizeof err);
    ck_assert_msg (fx->config != NULL, "config: %s", err);
    fx->service = tw_service_new (SERVICE, fx->config);
    ck_assert_ptr_nonnull (fx->service);
    fx->actor = zactor_new (gw_actor, fx->service);
    ck_assert_ptr_nonnull (fx->actor);
    fx->events = tw_sock_sub_new (fx->gw_pub, "");
    fx->client = tw_sock_dealer_new (fx->gw_rep);
    ck_assert (fx->events && fx->client);
    //  Subscribed once a heartbeat arrives; ready once the broker was read.
    zpoller_t *poller = zpoller_new (fx->events, NULL);
    ck_assert_ptr_eq (zpoller_wait (poller, WAIT_MS), fx->events);
    zpoller_destroy (&poller);
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    while (s_counter (fx, "reconciled") != 1 && tw_clock_mono_ms () < deadline)
        zclock_sleep (POLL_MS);
    ck_assert_int_eq (s_counter (fx, "reconciled"), 1);
}

static void
s_stop (s_fx_t *fx)
{
    zactor_destroy (&fx->actor);
    tw_service_destroy (&fx->service);
    tw_config_destroy (&fx->config);
    zsock_destroy (&fx->client);
    zsock_destroy (&fx->events);
    zsock_destroy (&fx->feed);
}

//  Opens qty of symbol long and waits for position_opened. Until the paper
//  broker has its first tick an open is refused (order_rejected): it is then
//  sent again under a new req_id. Every event seen must be about symbol.
static void
s_open (s_fx_t *fx, const char *symbol, const char *pos_id, int64_t qty, double price)
{
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    while (tw_clock_mono_ms () < deadline) {
        char req_id[TW_ID_MAX];
        snprintf (req_id, sizeof req_id, "open-%d", ++fx->next_req);
        tw_msg_t open, ack, event;
        memset (&ack, 0, sizeof ack);
        memset (&event, 0, sizeof event);
        s_command (&open, TW_MSG_OPEN, req_id);
        snprintf (open.u.open.symbol, sizeof open.u.open.symbol, "%s", symbol);
        open.u.open.side = TW_SIDE_LONG;
        open.u.open.qty = qty;
        open.u.open.sl = price / 2;
        s_request (fx, &open, &ack);
        ck_assert_int_eq (ack.type, TW_MSG_ACK);
        ck_assert_int_eq (ack.u.ack.status, TW_ACK_ACCEPTED);
        ck_assert_str_eq (ack.u.ack.id, pos_id);
        s_next_event (fx, &event);
        ck_assert_str_eq (event.u.event.pos.id, pos_id);
        if (event.type == TW_MSG_ORDER_REJECTED)
            continue;
        ck_assert_int_eq (event.type, TW_MSG_POSITION_OPENED);
        ck_assert_int_eq (event.u.event.pos.qty, qty);
        ck_assert_int_eq (event.u.event.pos.side, TW_SIDE_LONG);
        ck_assert_double_eq (event.u.event.pos.entry_price, price);
        ck_assert_int_eq (event.u.event.pos.state, TW_STATE_OPEN);
        return;
    }
    ck_abort_msg ("no position_opened for %s within %d ms", symbol, WAIT_MS);
}

START_TEST (test_open_close_repeat)
{
    s_fx_t fx;
    s_start (&fx);
    s_open (&fx, SYMBOL_A, POS_A, 10, PRICE_A);

    tw_msg_t close, ack, event;
    memset (&ack, 0, sizeof ack);
    memset (&event, 0, sizeof event);
    s_command (&close, TW_MSG_CLOSE, "close-1");
    snprintf (close.u.close.id, sizeof close.u.close.id, "%s", POS_A);
    snprintf (close.u.close.reason, sizeof close.u.close.reason, "%s", TW_REASON_TP_HIT);
    s_request (&fx, &close, &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_ACCEPTED);
    ck_assert_str_eq (ack.u.ack.id, POS_A);
    s_next_event (&fx, &event);
    ck_assert_int_eq (event.type, TW_MSG_POSITION_CLOSING);
    ck_assert_str_eq (event.u.event.pos.id, POS_A);
    ck_assert_str_eq (event.u.event.reason, TW_REASON_TP_HIT);
    uint64_t closing_seq = event.u.event.seq;
    s_next_event (&fx, &event);
    ck_assert_int_eq (event.type, TW_MSG_POSITION_CLOSED);
    ck_assert_str_eq (event.u.event.pos.id, POS_A);
    ck_assert_str_eq (event.u.event.reason, TW_REASON_TP_HIT);
    ck_assert_int_eq (event.u.event.attempts, 1);
    ck_assert_double_eq (event.u.event.exit_price, PRICE_A);
    ck_assert_int_eq (event.u.event.seq, closing_seq + 1);

    //  The same req_id again: the first reply, and no second exit.
    tw_msg_t again;
    memset (&again, 0, sizeof again);
    s_request (&fx, &close, &again);
    ck_assert_int_eq (again.type, TW_MSG_ACK);
    ck_assert_int_eq (again.u.ack.status, TW_ACK_ACCEPTED);
    ck_assert_str_eq (again.u.ack.id, POS_A);
    ck_assert_int_eq (s_counter (&fx, "duplicates"), 1);
    //  The next event is B's open, not a second position_closing of A.
    s_open (&fx, SYMBOL_B, POS_B, 3, PRICE_B);

    ck_assert_int_eq (s_counter (&fx, "exits_closed"), 1);
    ck_assert_int_eq (s_counter (&fx, "exits_failed"), 0);
    ck_assert_int_eq (s_counter (&fx, "exits_in_flight"), 0);
    ck_assert_int_eq (s_counter (&fx, "opens_filled"), 2);
    ck_assert_int_eq (s_counter (&fx, "opens_in_flight"), 0);
    ck_assert_int_eq (s_counter (&fx, "positions"), 1);
    ck_assert_int_eq (s_counter (&fx, "rejected"), 0);
    ck_assert_int_eq (s_counter (&fx, "malformed"), 0);
    ck_assert_int_ge (s_counter (&fx, "broker_calls"), 4);
    s_stop (&fx);
}
END_TEST

START_TEST (test_flatten)
{
    s_fx_t fx;
    s_start (&fx);
    s_open (&fx, SYMBOL_A, POS_A, 10, PRICE_A);
    s_open (&fx, SYMBOL_B, POS_B, 4, PRICE_B);

    tw_msg_t flatten, ack;
    memset (&ack, 0, sizeof ack);
    s_command (&flatten, TW_MSG_FLATTEN, "flatten-1");
    flatten.expires_at = 0;
    s_request (&fx, &flatten, &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_ACCEPTED);

    int closing = 0, closed_a = 0, closed_b = 0, halted = 0;
    while (closed_a + closed_b < 2) {
        tw_msg_t event;
        memset (&event, 0, sizeof event);
        s_next_event (&fx, &event);
        if (event.type == TW_MSG_TRADING_STATE) {
            ck_assert_int_eq (event.u.event.trading_state, TW_TRADING_HALTED);
            halted++;
            continue;
        }
        ck_assert_str_eq (event.u.event.reason, TW_REASON_KILL_SWITCH);
        if (event.type == TW_MSG_POSITION_CLOSING) {
            closing++;
            continue;
        }
        ck_assert_int_eq (event.type, TW_MSG_POSITION_CLOSED);
        ck_assert_int_eq (event.u.event.attempts, 1);
        if (strcmp (event.u.event.pos.id, POS_A) == 0)
            closed_a++;
        else {
            ck_assert_str_eq (event.u.event.pos.id, POS_B);
            closed_b++;
        }
    }
    ck_assert_int_eq (closing, 2);
    ck_assert_int_eq (halted, 1);
    ck_assert_int_eq (closed_a, 1);
    ck_assert_int_eq (closed_b, 1);
    ck_assert_int_eq (s_counter (&fx, "positions"), 0);
    ck_assert_int_eq (s_counter (&fx, "exits_closed"), 2);
    ck_assert_int_eq (s_counter (&fx, "exits_in_flight"), 0);

    //  The flatten again: the first reply, nothing else.
    tw_msg_t again;
    memset (&again, 0, sizeof again);
    s_request (&fx, &flatten, &again);
    ck_assert_int_eq (again.u.ack.status, TW_ACK_ACCEPTED);
    ck_assert_int_eq (s_counter (&fx, "duplicates"), 1);
    ck_assert_int_eq (s_counter (&fx, "exits_closed"), 2);
    s_stop (&fx);
}
END_TEST

//  The live positions of a snapshot.
static size_t
s_snapshot (s_fx_t *fx, tw_position_t *first)
{
    tw_msg_t request, reply;
    memset (&reply, 0, sizeof reply);
    s_command (&request, TW_MSG_SNAPSHOT, "snapshot");
    request.expires_at = 0;
    s_request (fx, &request, &reply);
    ck_assert_int_eq (reply.type, TW_MSG_SNAPSHOT_REPLY);
    size_t count = reply.u.snapshot.count;
    if (count > 0)
        *first = reply.u.snapshot.positions[0];
    tw_msg_reset (&reply);
    return count;
}

//  Restarts the actor on the same files, keeping the req_id sequence.
static void
s_restart (s_fx_t *fx, const char *remove)
{
    int next_req = fx->next_req;
    s_stop (fx);
    if (remove)
        ck_assert_int_eq (system (remove), 0);
    s_start (fx);
    fx->next_req = next_req;
}

//  Start-up reconciliation: a position the broker still holds stays; one
//  the store lost is adopted without stops; one the broker lost is closed.
START_TEST (test_reconcile)
{
    s_fx_t fx;
    s_start (&fx);
    s_open (&fx, SYMBOL_A, POS_A, 10, PRICE_A);
    tw_position_t pos;
    memset (&pos, 0, sizeof pos);

    s_restart (&fx, NULL);
    ck_assert_int_eq (s_snapshot (&fx, &pos), 1);
    ck_assert_str_eq (pos.id, POS_A);
    ck_assert_double_eq (pos.sl, PRICE_A / 2);

    s_restart (&fx, "rm -f gateway.db gateway.db-wal gateway.db-shm");
    ck_assert_int_eq (s_snapshot (&fx, &pos), 1);
    ck_assert_str_eq (pos.id, POS_A);
    ck_assert_int_eq (pos.qty, 10);
    ck_assert_double_eq (pos.entry_price, PRICE_A);
    ck_assert_double_eq (pos.sl, 0);

    s_restart (&fx, "rm -f paper.db paper.db-wal paper.db-shm");
    ck_assert_int_eq (s_snapshot (&fx, &pos), 0);
    ck_assert_int_eq (s_counter (&fx, "exits_in_flight"), 0);
    s_stop (&fx);
}
END_TEST

//  The trading state of the status reply.
static tw_trading_state_t
s_trading_state (s_fx_t *fx)
{
    tw_msg_t status, pong;
    memset (&pong, 0, sizeof pong);
    s_command (&status, TW_MSG_STATUS, "status");
    status.expires_at = 0;
    s_request (fx, &status, &pong);
    ck_assert_int_eq (pong.type, TW_MSG_PONG);
    return pong.u.pong.trading_state;
}

//  flatten leaves the gateway halted, durably: opens are refused with a
//  reason until resume; a restart keeps it halted; resume takes opens again.
START_TEST (test_halt_resume)
{
    s_fx_t fx;
    s_start (&fx);
    ck_assert_int_eq (s_trading_state (&fx), TW_TRADING_ACTIVE);

    tw_msg_t flatten, ack, event;
    memset (&ack, 0, sizeof ack);
    memset (&event, 0, sizeof event);
    s_command (&flatten, TW_MSG_FLATTEN, "flatten-halt");
    s_request (&fx, &flatten, &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_ACCEPTED);
    s_next_event (&fx, &event);
    ck_assert_int_eq (event.type, TW_MSG_TRADING_STATE);
    ck_assert_int_eq (event.u.event.trading_state, TW_TRADING_HALTED);
    ck_assert_str_eq (event.u.event.detail, "flatten (" TW_REASON_KILL_SWITCH ")");
    ck_assert_int_eq (s_trading_state (&fx), TW_TRADING_HALTED);

    tw_msg_t open;
    memset (&ack, 0, sizeof ack);
    s_command (&open, TW_MSG_OPEN, "open-halted");
    snprintf (open.u.open.symbol, sizeof open.u.open.symbol, "%s", SYMBOL_A);
    open.u.open.side = TW_SIDE_LONG;
    open.u.open.qty = 1;
    s_request (&fx, &open, &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_REJECTED);
    ck_assert_msg (strstr (ack.u.ack.error, "gateway is halted") != NULL, "error: %s",
                   ack.u.ack.error);
    ck_assert_msg (strstr (ack.u.ack.error, "tradectl resume") != NULL, "error: %s",
                   ack.u.ack.error);

    //  A restart keeps it halted; the snapshot and the heartbeat say so.
    s_restart (&fx, NULL);
    ck_assert_int_eq (s_trading_state (&fx), TW_TRADING_HALTED);
    tw_msg_t request, reply;
    memset (&reply, 0, sizeof reply);
    s_command (&request, TW_MSG_SNAPSHOT, "snap-halted");
    request.expires_at = 0;
    s_request (&fx, &request, &reply);
    ck_assert_int_eq (reply.type, TW_MSG_SNAPSHOT_REPLY);
    ck_assert_int_eq (reply.u.snapshot.trading_state, TW_TRADING_HALTED);
    tw_msg_reset (&reply);
    zpoller_t *poller = zpoller_new (fx.events, NULL);
    ck_assert_ptr_eq (zpoller_wait (poller, WAIT_MS), fx.events);
    zpoller_destroy (&poller);
    char err[ERR_MAX];
    ck_assert_msg (tw_sock_recv (fx.events, &event, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq (event.type, TW_MSG_HEARTBEAT);
    ck_assert_int_eq (event.u.event.trading_state, TW_TRADING_HALTED);

    tw_msg_t resume;
    memset (&ack, 0, sizeof ack);
    s_command (&resume, TW_MSG_RESUME, "resume-1");
    s_request (&fx, &resume, &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_ACCEPTED);
    s_next_event (&fx, &event);
    ck_assert_int_eq (event.type, TW_MSG_TRADING_STATE);
    ck_assert_int_eq (event.u.event.trading_state, TW_TRADING_ACTIVE);
    ck_assert_int_eq (s_trading_state (&fx), TW_TRADING_ACTIVE);
    s_open (&fx, SYMBOL_A, POS_A, 10, PRICE_A);
    s_stop (&fx);
}
END_TEST

//  Sends an open of symbol and returns its ack (rejected or not).
static void
s_try_open (s_fx_t *fx, const char *req_id, const char *symbol, double sl, double tp, tw_msg_t *ack)
{
    tw_msg_t open;
    memset (ack, 0, sizeof *ack);
    s_command (&open, TW_MSG_OPEN, req_id);
    snprintf (open.u.open.symbol, sizeof open.u.open.symbol, "%s", symbol);
    open.u.open.side = TW_SIDE_LONG;
    open.u.open.qty = 1;
    open.u.open.sl = sl;
    open.u.open.tp = tp;
    s_request (fx, &open, ack);
    ck_assert_int_eq (ack->type, TW_MSG_ACK);
}

//  The pre-trade checks at the gateway: the long with its stop
//  above and its target below the price, and a symbol that is not Fyers'.
START_TEST (test_pre_trade_checks)
{
    s_fx_t fx;
    s_start (&fx);
    s_open (&fx, SYMBOL_A, POS_A, 10, PRICE_A);
    tw_msg_t ack;
    s_try_open (&fx, "open-sides", SYMBOL_B, PRICE_B * 2, PRICE_B / 2, &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_REJECTED);
    ck_assert_msg (strstr (ack.u.ack.error, "side:") != NULL, "error: %s", ack.u.ack.error);
    s_try_open (&fx, "open-sbin", "SBIN", 0, 0, &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_REJECTED);
    ck_assert_msg (strncmp (ack.u.ack.error, "symbol format:", 14) == 0, "error: %s",
                   ack.u.ack.error);
    s_stop (&fx);
}
END_TEST

//  A realised loss at [limits] daily_loss_limit moves the gateway to
//  reducing: opens refused, naming it.
START_TEST (test_daily_loss_limit)
{
    setenv ("TW_LIMITS_DAILY_LOSS_LIMIT", "50", 1);
    s_fx_t fx;
    s_start (&fx);
    s_open (&fx, SYMBOL_A, POS_A, 10, PRICE_A);
    s_price_a = PRICE_A - 10; //  the paper broker fills the close there
    //  The gateway has seen the new price once the day's unrealised P&L
    //  (its marks, from the same feed as the paper broker's) shows it.
    bool marked = false;
    int64_t marked_by = tw_clock_mono_ms () + WAIT_MS;
    while (!marked && tw_clock_mono_ms () < marked_by) {
        s_ticks (&fx);
        tw_msg_t pnl, reply;
        memset (&reply, 0, sizeof reply);
        s_command (&pnl, TW_MSG_PNL, "pnl-loss");
        pnl.expires_at = 0;
        s_request (&fx, &pnl, &reply);
        marked = reply.type == TW_MSG_PNL_REPLY && reply.u.pnl.unrealized_pnl < -99;
        tw_msg_reset (&reply);
    }
    ck_assert_msg (marked, "the new price was not seen within %d ms", WAIT_MS);

    tw_msg_t close, ack, event;
    memset (&ack, 0, sizeof ack);
    s_command (&close, TW_MSG_CLOSE, "close-loss");
    snprintf (close.u.close.id, sizeof close.u.close.id, "%s", POS_A);
    snprintf (close.u.close.reason, sizeof close.u.close.reason, "%s", TW_REASON_MANUAL_CLOSE);
    s_request (&fx, &close, &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_ACCEPTED);
    bool reducing = false;
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    while (!reducing && tw_clock_mono_ms () < deadline) {
        memset (&event, 0, sizeof event);
        s_next_event (&fx, &event);
        if (event.type == TW_MSG_POSITION_CLOSED)
            ck_assert_double_lt (event.u.event.pnl, -50 + 1e-9);
        reducing = event.type == TW_MSG_TRADING_STATE
                   && event.u.event.trading_state == TW_TRADING_REDUCING;
    }
    ck_assert_msg (reducing, "no trading_state reducing within %d ms", WAIT_MS);
    ck_assert_msg (strstr (event.u.event.detail, "daily_loss_limit") != NULL, "reason: %s",
                   event.u.event.detail);
    s_try_open (&fx, "open-reducing", SYMBOL_B, 0, 0, &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_REJECTED);
    ck_assert_msg (strstr (ack.u.ack.error, "gateway is reducing") != NULL, "error: %s",
                   ack.u.ack.error);
    //  resume holds for the day: the next open is accepted, and a heartbeat
    //  later the gateway is still active.
    tw_msg_t resume;
    s_command (&resume, TW_MSG_RESUME, "resume-loss");
    s_request (&fx, &resume, &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_ACCEPTED);
    s_next_event (&fx, &event);
    ck_assert_int_eq (event.type, TW_MSG_TRADING_STATE);
    ck_assert_int_eq (event.u.event.trading_state, TW_TRADING_ACTIVE);
    s_open (&fx, SYMBOL_B, POS_B, 1, PRICE_B);
    ck_assert_int_eq (s_trading_state (&fx), TW_TRADING_ACTIVE);
    s_stop (&fx);
    unsetenv ("TW_LIMITS_DAILY_LOSS_LIMIT");
    s_price_a = PRICE_A;
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("gw_actor");
    TCase *tc = tcase_create ("actor");
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, test_open_close_repeat);
    tcase_add_test (tc, test_flatten);
    tcase_add_test (tc, test_reconcile);
    tcase_add_test (tc, test_halt_resume);
    tcase_add_test (tc, test_pre_trade_checks);
    tcase_add_test (tc, test_daily_loss_limit);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
