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
#include "gw_inproc.h"
#include "tw_clock.h"
#include "tw_config.h"
#include "tw_log.h"
#include "tw_service.h"
#include "tw_sock.h"

#define ERR_MAX 512
#define PATH_MAX_LEN 512
//  Every wait in these tests is bounded by this.
#define WAIT_MS GW_INPROC_WAIT_MS
#define POLL_MS 10
#define TTL_NS (30 * TW_NS_PER_MS * 1000)
#define SERVICE GW_INPROC_SERVICE
#define SYMBOL_A GW_INPROC_SYMBOL_A
#define SYMBOL_B GW_INPROC_SYMBOL_B
#define POS_A "NSE:SBIN-EQ-INTRADAY"
#define POS_B "NSE:INFY-EQ-INTRADAY"
#define PRICE_A GW_INPROC_PRICE_A
#define PRICE_B GW_INPROC_PRICE_B

static void
s_setup (void)
{
    gw_inproc_setup ("actor");
}

static void
s_teardown (void)
{
    gw_inproc_teardown ();
}

START_TEST (test_open_close_repeat)
{
    gw_inproc_t fx;
    gw_inproc_start (&fx);
    gw_inproc_open (&fx, SYMBOL_A, POS_A, 10, PRICE_A);

    tw_msg_t close, ack, event;
    memset (&ack, 0, sizeof ack);
    memset (&event, 0, sizeof event);
    gw_inproc_command (&close, TW_MSG_CLOSE, "close-1");
    snprintf (close.u.close.id, sizeof close.u.close.id, "%s", POS_A);
    snprintf (close.u.close.reason, sizeof close.u.close.reason, "%s", TW_REASON_TP_HIT);
    gw_inproc_request (&fx, &close, &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_ACCEPTED);
    ck_assert_str_eq (ack.u.ack.id, POS_A);
    gw_inproc_next_event (&fx, &event);
    ck_assert_int_eq (event.type, TW_MSG_POSITION_CLOSING);
    ck_assert_str_eq (event.u.event.pos.id, POS_A);
    ck_assert_str_eq (event.u.event.reason, TW_REASON_TP_HIT);
    uint64_t closing_seq = event.u.event.seq;
    gw_inproc_next_event (&fx, &event);
    ck_assert_int_eq (event.type, TW_MSG_POSITION_CLOSED);
    ck_assert_str_eq (event.u.event.pos.id, POS_A);
    ck_assert_str_eq (event.u.event.reason, TW_REASON_TP_HIT);
    ck_assert_int_eq (event.u.event.attempts, 1);
    ck_assert_double_eq (event.u.event.exit_price, PRICE_A);
    ck_assert_int_eq (event.u.event.seq, closing_seq + 1);

    //  The same req_id again: the first reply, and no second exit.
    tw_msg_t again;
    memset (&again, 0, sizeof again);
    gw_inproc_request (&fx, &close, &again);
    ck_assert_int_eq (again.type, TW_MSG_ACK);
    ck_assert_int_eq (again.u.ack.status, TW_ACK_ACCEPTED);
    ck_assert_str_eq (again.u.ack.id, POS_A);
    ck_assert_int_eq (gw_inproc_counter (&fx, "duplicates"), 1);
    //  The next event is B's open, not a second position_closing of A.
    gw_inproc_open (&fx, SYMBOL_B, POS_B, 3, PRICE_B);

    ck_assert_int_eq (gw_inproc_counter (&fx, "exits_closed"), 1);
    ck_assert_int_eq (gw_inproc_counter (&fx, "exits_failed"), 0);
    ck_assert_int_eq (gw_inproc_counter (&fx, "exits_in_flight"), 0);
    ck_assert_int_eq (gw_inproc_counter (&fx, "opens_filled"), 2);
    ck_assert_int_eq (gw_inproc_counter (&fx, "opens_in_flight"), 0);
    ck_assert_int_eq (gw_inproc_counter (&fx, "positions"), 1);
    ck_assert_int_eq (gw_inproc_counter (&fx, "rejected"), 0);
    ck_assert_int_eq (gw_inproc_counter (&fx, "malformed"), 0);
    ck_assert_int_ge (gw_inproc_counter (&fx, "broker_calls"), 4);
    gw_inproc_stop (&fx);
}
END_TEST

START_TEST (test_flatten)
{
    gw_inproc_t fx;
    gw_inproc_start (&fx);
    gw_inproc_open (&fx, SYMBOL_A, POS_A, 10, PRICE_A);
    gw_inproc_open (&fx, SYMBOL_B, POS_B, 4, PRICE_B);

    tw_msg_t flatten, ack;
    memset (&ack, 0, sizeof ack);
    gw_inproc_command (&flatten, TW_MSG_FLATTEN, "flatten-1");
    flatten.expires_at = 0;
    gw_inproc_request (&fx, &flatten, &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_ACCEPTED);

    int closing = 0, closed_a = 0, closed_b = 0, halted = 0;
    while (closed_a + closed_b < 2) {
        tw_msg_t event;
        memset (&event, 0, sizeof event);
        gw_inproc_next_event (&fx, &event);
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
    ck_assert_int_eq (gw_inproc_counter (&fx, "positions"), 0);
    ck_assert_int_eq (gw_inproc_counter (&fx, "exits_closed"), 2);
    ck_assert_int_eq (gw_inproc_counter (&fx, "exits_in_flight"), 0);

    //  The flatten again: the first reply, nothing else.
    tw_msg_t again;
    memset (&again, 0, sizeof again);
    gw_inproc_request (&fx, &flatten, &again);
    ck_assert_int_eq (again.u.ack.status, TW_ACK_ACCEPTED);
    ck_assert_int_eq (gw_inproc_counter (&fx, "duplicates"), 1);
    ck_assert_int_eq (gw_inproc_counter (&fx, "exits_closed"), 2);
    gw_inproc_stop (&fx);
}
END_TEST

//  The live positions of a snapshot.
static size_t
s_snapshot (gw_inproc_t *fx, tw_position_t *first)
{
    return gw_inproc_snapshot (fx, first, 1);
}

//  Restarts the actor on the same files, keeping the req_id sequence.
static void
s_restart (gw_inproc_t *fx, const char *remove)
{
    int next_req = fx->next_req;
    gw_inproc_stop (fx);
    if (remove)
        ck_assert_int_eq (system (remove), 0);
    gw_inproc_start (fx);
    fx->next_req = next_req;
}

//  Start-up reconciliation: a position the broker still holds stays; one
//  the store lost is adopted without stops; one the broker lost is closed.
START_TEST (test_reconcile)
{
    gw_inproc_t fx;
    gw_inproc_start (&fx);
    gw_inproc_open (&fx, SYMBOL_A, POS_A, 10, PRICE_A);
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
    ck_assert_int_eq (gw_inproc_counter (&fx, "exits_in_flight"), 0);
    gw_inproc_stop (&fx);
}
END_TEST

//  The trading state of the status reply.
static tw_trading_state_t
s_trading_state (gw_inproc_t *fx)
{
    tw_msg_t status, pong;
    memset (&pong, 0, sizeof pong);
    gw_inproc_command (&status, TW_MSG_STATUS, "status");
    status.expires_at = 0;
    gw_inproc_request (fx, &status, &pong);
    ck_assert_int_eq (pong.type, TW_MSG_PONG);
    return pong.u.pong.trading_state;
}

//  flatten leaves the gateway halted, durably: opens are refused with a
//  reason until resume; a restart keeps it halted; resume takes opens again.
START_TEST (test_halt_resume)
{
    gw_inproc_t fx;
    gw_inproc_start (&fx);
    ck_assert_int_eq (s_trading_state (&fx), TW_TRADING_ACTIVE);

    tw_msg_t flatten, ack, event;
    memset (&ack, 0, sizeof ack);
    memset (&event, 0, sizeof event);
    gw_inproc_command (&flatten, TW_MSG_FLATTEN, "flatten-halt");
    gw_inproc_request (&fx, &flatten, &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_ACCEPTED);
    gw_inproc_next_event (&fx, &event);
    ck_assert_int_eq (event.type, TW_MSG_TRADING_STATE);
    ck_assert_int_eq (event.u.event.trading_state, TW_TRADING_HALTED);
    ck_assert_str_eq (event.u.event.detail, "flatten (" TW_REASON_KILL_SWITCH ")");
    ck_assert_int_eq (s_trading_state (&fx), TW_TRADING_HALTED);

    tw_msg_t open;
    memset (&ack, 0, sizeof ack);
    gw_inproc_command (&open, TW_MSG_OPEN, "open-halted");
    snprintf (open.u.open.symbol, sizeof open.u.open.symbol, "%s", SYMBOL_A);
    open.u.open.side = TW_SIDE_LONG;
    open.u.open.qty = 1;
    gw_inproc_request (&fx, &open, &ack);
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
    gw_inproc_command (&request, TW_MSG_SNAPSHOT, "snap-halted");
    request.expires_at = 0;
    gw_inproc_request (&fx, &request, &reply);
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
    gw_inproc_command (&resume, TW_MSG_RESUME, "resume-1");
    gw_inproc_request (&fx, &resume, &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_ACCEPTED);
    gw_inproc_next_event (&fx, &event);
    ck_assert_int_eq (event.type, TW_MSG_TRADING_STATE);
    ck_assert_int_eq (event.u.event.trading_state, TW_TRADING_ACTIVE);
    ck_assert_int_eq (s_trading_state (&fx), TW_TRADING_ACTIVE);
    gw_inproc_open (&fx, SYMBOL_A, POS_A, 10, PRICE_A);
    gw_inproc_stop (&fx);
}
END_TEST

//  Sends an open of symbol and returns its ack (rejected or not).
static void
s_try_open (gw_inproc_t *fx, const char *req_id, const char *symbol, double sl, double tp,
            tw_msg_t *ack)
{
    tw_msg_t open;
    memset (ack, 0, sizeof *ack);
    gw_inproc_command (&open, TW_MSG_OPEN, req_id);
    snprintf (open.u.open.symbol, sizeof open.u.open.symbol, "%s", symbol);
    open.u.open.side = TW_SIDE_LONG;
    open.u.open.qty = 1;
    open.u.open.sl = sl;
    open.u.open.tp = tp;
    gw_inproc_request (fx, &open, ack);
    ck_assert_int_eq (ack->type, TW_MSG_ACK);
}

//  The pre-trade checks at the gateway: the long with its stop
//  above and its target below the price, and a symbol that is not Fyers'.
//  A feed_report (the risk-monitor's) and its reply.
static void
s_feed_report (gw_inproc_t *fx, const char *req_id, bool stale, tw_msg_t *ack)
{
    tw_msg_t report;
    gw_inproc_command (&report, TW_MSG_FEED_REPORT, req_id);
    snprintf (report.u.feed.symbol, sizeof report.u.feed.symbol, "%s", SYMBOL_A);
    report.u.feed.stale = stale;
    report.u.feed.age_ms = stale ? 5100 : 7000;
    memset (ack, 0, sizeof *ack);
    gw_inproc_request (fx, &report, ack);
    ck_assert_int_eq (ack->u.ack.status, TW_ACK_ACCEPTED);
}

//  Issue 8: feed_report is relayed as feed_stale with the next seq, once:
//  a repeat (same req_id) gets the first ack, a report of what was already
//  published publishes nothing. Changes no position, and is taken while
//  halted too.
START_TEST (test_feed_report_relayed)
{
    gw_inproc_t fx;
    gw_inproc_start (&fx);
    uint64_t seq = (uint64_t) gw_inproc_counter (&fx, "seq");
    tw_msg_t ack, event;
    memset (&event, 0, sizeof event);
    s_feed_report (&fx, "feed-1", true, &ack);
    gw_inproc_next_event (&fx, &event);
    ck_assert_int_eq (event.type, TW_MSG_FEED_STALE);
    ck_assert_str_eq (event.u.event.pos.symbol, SYMBOL_A);
    ck_assert (event.u.event.active);
    ck_assert_int_eq (event.u.event.age_ms, 5100);
    ck_assert_uint_eq (event.u.event.seq, seq + 1);
    //  The same request again, and a new one saying the same: nothing new.
    s_feed_report (&fx, "feed-1", true, &ack);
    s_feed_report (&fx, "feed-2", true, &ack);
    ck_assert_int_eq (gw_inproc_counter (&fx, "seq"), (int64_t) seq + 1);
    //  Back: published once.
    s_feed_report (&fx, "feed-3", false, &ack);
    gw_inproc_next_event (&fx, &event);
    ck_assert_int_eq (event.type, TW_MSG_FEED_STALE);
    ck_assert (!event.u.event.active);
    ck_assert_int_eq (event.u.event.age_ms, 7000);
    ck_assert_uint_eq (event.u.event.seq, seq + 2);
    s_feed_report (&fx, "feed-4", false, &ack);
    ck_assert_int_eq (gw_inproc_counter (&fx, "seq"), (int64_t) seq + 2);
    ck_assert_int_eq (gw_inproc_snapshot (&fx, NULL, 0), 0);
    //  Halted: still relayed.
    tw_msg_t flatten;
    gw_inproc_command (&flatten, TW_MSG_FLATTEN, "flatten-feed");
    gw_inproc_request (&fx, &flatten, &ack);
    gw_inproc_next_event (&fx, &event);
    ck_assert_int_eq (event.type, TW_MSG_TRADING_STATE);
    s_feed_report (&fx, "feed-5", true, &ack);
    gw_inproc_next_event (&fx, &event);
    ck_assert_int_eq (event.type, TW_MSG_FEED_STALE);
    ck_assert (event.u.event.active);
    gw_inproc_stop (&fx);
}
END_TEST

START_TEST (test_pre_trade_checks)
{
    gw_inproc_t fx;
    gw_inproc_start (&fx);
    gw_inproc_open (&fx, SYMBOL_A, POS_A, 10, PRICE_A);
    tw_msg_t ack;
    s_try_open (&fx, "open-sides", SYMBOL_B, PRICE_B * 2, PRICE_B / 2, &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_REJECTED);
    ck_assert_msg (strstr (ack.u.ack.error, "side:") != NULL, "error: %s", ack.u.ack.error);
    s_try_open (&fx, "open-sbin", "SBIN", 0, 0, &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_REJECTED);
    ck_assert_msg (strncmp (ack.u.ack.error, "symbol format:", 14) == 0, "error: %s",
                   ack.u.ack.error);
    gw_inproc_stop (&fx);
}
END_TEST

//  A realised loss at [limits] daily_loss_limit moves the gateway to
//  reducing: opens refused, naming it.
START_TEST (test_daily_loss_limit)
{
    setenv ("TW_LIMITS_DAILY_LOSS_LIMIT", "50", 1);
    gw_inproc_t fx;
    gw_inproc_start (&fx);
    gw_inproc_open (&fx, SYMBOL_A, POS_A, 10, PRICE_A);
    gw_inproc_price_a = PRICE_A - 10; //  the paper broker fills the close there
    //  The gateway has seen the new price once the day's unrealised P&L
    //  (its marks, from the same feed as the paper broker's) shows it.
    bool marked = false;
    int64_t marked_by = tw_clock_mono_ms () + WAIT_MS;
    while (!marked && tw_clock_mono_ms () < marked_by) {
        gw_inproc_ticks (&fx);
        tw_msg_t pnl, reply;
        memset (&reply, 0, sizeof reply);
        gw_inproc_command (&pnl, TW_MSG_PNL, "pnl-loss");
        pnl.expires_at = 0;
        gw_inproc_request (&fx, &pnl, &reply);
        marked = reply.type == TW_MSG_PNL_REPLY && reply.u.pnl.unrealized_pnl < -99;
        tw_msg_reset (&reply);
    }
    ck_assert_msg (marked, "the new price was not seen within %d ms", WAIT_MS);

    tw_msg_t close, ack, event;
    memset (&ack, 0, sizeof ack);
    gw_inproc_command (&close, TW_MSG_CLOSE, "close-loss");
    snprintf (close.u.close.id, sizeof close.u.close.id, "%s", POS_A);
    snprintf (close.u.close.reason, sizeof close.u.close.reason, "%s", TW_REASON_MANUAL_CLOSE);
    gw_inproc_request (&fx, &close, &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_ACCEPTED);
    bool reducing = false;
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    while (!reducing && tw_clock_mono_ms () < deadline) {
        memset (&event, 0, sizeof event);
        gw_inproc_next_event (&fx, &event);
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
    gw_inproc_command (&resume, TW_MSG_RESUME, "resume-loss");
    gw_inproc_request (&fx, &resume, &ack);
    ck_assert_int_eq (ack.u.ack.status, TW_ACK_ACCEPTED);
    gw_inproc_next_event (&fx, &event);
    ck_assert_int_eq (event.type, TW_MSG_TRADING_STATE);
    ck_assert_int_eq (event.u.event.trading_state, TW_TRADING_ACTIVE);
    gw_inproc_open (&fx, SYMBOL_B, POS_B, 1, PRICE_B);
    ck_assert_int_eq (s_trading_state (&fx), TW_TRADING_ACTIVE);
    gw_inproc_stop (&fx);
    unsetenv ("TW_LIMITS_DAILY_LOSS_LIMIT");
    gw_inproc_price_a = PRICE_A;
}
END_TEST

//  The paper broker's simulated broker stop (docs/design.md §4.7): placed at
//  the open's stop-loss (gw_inproc_open asks for half the price), it rests
//  in the paper book until a tick reaches it, then fills there; the paper
//  broker's notice makes the gateway reconcile at once (no periodic
//  reconciliation here), which finds the position flat and closes it
//  `SL Hit` at the tick's price, once.
START_TEST (test_paper_broker_stop)
{
    setenv ("TW_GATEWAY_RECONCILE_INTERVAL_MS", "0", 1);
    gw_inproc_t fx;
    gw_inproc_start (&fx);
    gw_inproc_open (&fx, SYMBOL_A, POS_A, 10, PRICE_A);
    int64_t deadline = tw_clock_mono_ms () + WAIT_MS;
    while (gw_inproc_counter (&fx, "broker_stops_placed") < 1 && tw_clock_mono_ms () < deadline)
        zclock_sleep (POLL_MS); //  a bounded poll of the status counter
    ck_assert_int_eq (gw_inproc_counter (&fx, "broker_stops_placed"), 1);
    gw_inproc_price_a = PRICE_A / 2 - 10;
    tw_msg_t event;
    gw_inproc_next_event (&fx, &event);
    ck_assert_int_eq (event.type, TW_MSG_POSITION_CLOSED);
    ck_assert_str_eq (event.u.event.pos.id, POS_A);
    ck_assert_str_eq (event.u.event.reason, "SL Hit");
    ck_assert_double_eq (event.u.event.exit_price, PRICE_A / 2 - 10);
    ck_assert_int_eq (gw_inproc_counter (&fx, "broker_stops_fired"), 1);
    ck_assert_int_eq (gw_inproc_counter (&fx, "exits_closed"), 0); //  no exit order
    ck_assert_int_eq (gw_inproc_snapshot (&fx, NULL, 0), 0);
    gw_inproc_stop (&fx);
    unsetenv ("TW_GATEWAY_RECONCILE_INTERVAL_MS");
    gw_inproc_price_a = PRICE_A;
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
    tcase_add_test (tc, test_feed_report_relayed);
    tcase_add_test (tc, test_pre_trade_checks);
    tcase_add_test (tc, test_daily_loss_limit);
    tcase_add_test (tc, test_paper_broker_stop);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
