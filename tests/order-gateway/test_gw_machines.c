//  The exit and open state machines (gw_exit, gw_open; docs/design.md §4)
//  row by row, against a scripted broker, and gw_jobs and gw_retry alone.
//
//  Everything runs on one zloop in the test's thread: gw_jobs reads one end
//  of a PAIR, and the scripted broker, a reader on the other end, answers
//  each call with the next step of a script (op, outcome, price, what the
//  positions read or the order lookup shows). The loop ends when nothing is
//  in progress and the script is spent. The outcome is read back from the
//  store and the counters; no timing is asserted.

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw_events.h"
#include "gw_exit.h"
#include "gw_jobs.h"
#include "gw_open.h"
#include "gw_retry.h"
#include "gw_store.h"
#include "tw_clock.h"
#include "tw_config.h"
#include "tw_log.h"
#include "tw_sock.h"

#define ERR_MAX 512
#define PATH_MAX_LEN 512
#define WAIT_MS 10000
#define TICK_MS 1
#define STEPS_MAX 16
#define ENDPOINT_MAX 64
#define SYMBOL "NSE:SBIN-EQ"
#define POS_ID "NSE:SBIN-EQ-INTRADAY"
#define ENTRY 100.0
#define EXIT 110.0
#define ABSENT -1 //  net_qty of a position the broker does not list

//  One scripted answer.
typedef struct {
    gw_op_t op;
    gw_outcome_t outcome;
    double price;        //  EXIT/PLACE: fill price; POSITIONS: sell_avg/buy_avg; ORDERS: the
                         //  exit's own fill (0: no order in the book)
    int64_t net_qty;     //  POSITIONS: the position's quantity, ABSENT = not listed;
                         //  ORDER_BY_TAG: the quantity filled (0: all when filled)
    int order_status;    //  ORDER_BY_TAG
    int64_t retry_after; //  RETRYABLE
} s_step_t;

typedef struct {
    zloop_t *loop;
    zsock_t *gateway_end; //  read by gw_jobs
    zsock_t *broker_end;  //  the scripted broker
    zsock_t *pub;
    tw_config_t *config;
    gw_store_t *store;
    gw_events_t *events;
    gw_jobs_t *jobs;
    gw_exits_t *exits;
    gw_opens_t *opens;
    s_step_t steps[STEPS_MAX];
    int step_count;
    int next_step;
    int64_t deadline;
    int filled_calls; //  gw_open_filled_fn calls
    int push_at_exit; //  the order socket's pushes as the exit order is answered:
                      //  0 none, 1 the position flat, 2 and the exit's fill
} s_fx_t;

//  inproc endpoints are released after their socket closes, not when it
//  does: every start gets new ones.
static int s_generation;
static char s_dir[PATH_MAX_LEN];
static char s_origin[PATH_MAX_LEN];

static void
s_setup (void)
{
    tw_log_init ("unit");
    ck_assert_ptr_nonnull (getcwd (s_origin, sizeof s_origin));
    snprintf (s_dir, sizeof s_dir, "%s", "/tmp/tw-gw-machines-XXXXXX");
    ck_assert_ptr_nonnull (mkdtemp (s_dir));
    ck_assert_int_eq (chdir (s_dir), 0);
    setenv ("TW_GATEWAY_EXIT_MAX_ATTEMPTS", "3", 1);
    setenv ("TW_GATEWAY_EXIT_BACKOFF_MS", "1", 1);
    setenv ("TW_GATEWAY_EXIT_CONFIRM_POLLS", "3", 1);
    setenv ("TW_GATEWAY_EXIT_CONFIRM_INTERVAL_MS", "10", 1);
    setenv ("TW_GATEWAY_OPEN_MAX_ATTEMPTS", "2", 1);
    setenv ("TW_GATEWAY_OPEN_BACKOFF_MS", "1", 1);
    setenv ("TW_GATEWAY_OPEN_LOOKUP_POLLS", "2", 1);
    setenv ("TW_GATEWAY_OPEN_LOOKUP_INTERVAL_MS", "10", 1);
}

static void
s_teardown (void)
{
    ck_assert_int_eq (chdir (s_origin), 0);
    char command[PATH_MAX_LEN + 16];
    snprintf (command, sizeof command, "rm -rf %s", s_dir);
    ck_assert_int_eq (system (command), 0);
}

#define OWN 112.0 //  the exit's own fill price in the order book, or pushed

//  The order socket's pushes of an exit of POS_ID (long 10): the position
//  flat and, when fill, the exit's own fill at OWN; and two fills that are
//  not the exit's (the opening side, another symbol), never to be taken.
static void
s_push (s_fx_t *fx, bool fill)
{
    gw_exit_fill_pushed (fx->exits, "2000", SYMBOL, "INTRADAY", TW_SIDE_LONG, 1.0);
    gw_exit_fill_pushed (fx->exits, "2001", "NSE:INFY-EQ", "INTRADAY", TW_SIDE_SHORT, 2.0);
    gw_broker_position_t flat = {.net_qty = 0, .multiplier = 1, .sell_avg = EXIT};
    snprintf (flat.id, sizeof flat.id, "%s", POS_ID);
    ck_assert (gw_exit_position_pushed (fx->exits, &flat));
    if (fill)
        gw_exit_fill_pushed (fx->exits, "1000", SYMBOL, "INTRADAY", TW_SIDE_SHORT, OWN);
}

//  The scripted broker: answers each call with the next step.
static int
s_on_call (zloop_t *loop, zsock_t *sock, void *arg)
{
    (void) loop;
    s_fx_t *fx = (s_fx_t *) arg;
    gw_call_t *call = NULL;
    ck_assert_int_eq (zsock_recv (sock, "p", &call), 0);
    ck_assert_msg (fx->next_step < fx->step_count, "unscripted %s call", gw_op_name (call->op));
    const s_step_t *step = &fx->steps[fx->next_step++];
    if (call->op == GW_OP_EXIT && fx->push_at_exit > 0)
        s_push (fx, fx->push_at_exit == 2);
    ck_assert_msg (call->op == step->op, "step %d: %s call, %s scripted", fx->next_step,
                   gw_op_name (call->op), gw_op_name (step->op));
    call->outcome = step->outcome;
    call->retry_after_ms = step->retry_after;
    if (step->outcome != GW_OUT_OK)
        snprintf (call->error, sizeof call->error, "scripted %s", gw_outcome_name (step->outcome));
    if (step->op == GW_OP_POSITIONS && step->outcome == GW_OUT_OK && step->net_qty != ABSENT) {
        call->positions = (gw_broker_position_t *) calloc (1, sizeof (gw_broker_position_t));
        call->position_count = 1;
        snprintf (call->positions[0].id, sizeof call->positions[0].id, "%s", POS_ID);
        call->positions[0].net_qty = step->net_qty;
        call->positions[0].sell_avg = step->price;
        call->positions[0].buy_avg = step->price;
    }
    else if (step->op == GW_OP_ORDERS && step->outcome == GW_OUT_OK && step->price > 0) {
        //  The exit's counter order (a sell of 10), and an older one at
        //  another price that must not be taken for it.
        call->orders = (gw_broker_order_t *) calloc (2, sizeof (gw_broker_order_t));
        call->order_count = 2;
        for (int i = 0; i < 2; i++) {
            gw_broker_order_t *o = &call->orders[i];
            snprintf (o->id, sizeof o->id, "%d", i == 0 ? 900 : 1000);
            snprintf (o->symbol, sizeof o->symbol, "%s", SYMBOL);
            snprintf (o->product, sizeof o->product, "INTRADAY");
            o->side = TW_SIDE_SHORT;
            o->qty = o->filled_qty = 10;
            o->status = 2;
            o->traded_price = i == 0 ? step->price - 7 : step->price;
        }
    }
    else if (step->op != GW_OP_POSITIONS)
        call->fill_price = step->price;
    call->order_status = step->order_status;
    if (step->op == GW_OP_ORDER_BY_TAG && step->outcome == GW_OUT_OK) {
        call->filled_qty = step->net_qty > 0         ? step->net_qty
                           : step->order_status == 2 ? call->qty
                                                     : 0;
        if (step->order_status)
            snprintf (call->order_id, sizeof call->order_id, "42");
    }
    zsock_send (sock, "p", call);
    return 0;
}

//  Ends the loop when nothing is in progress and the script is spent.
static int
s_on_tick (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    s_fx_t *fx = (s_fx_t *) arg;
    ck_assert_msg (tw_clock_mono_ms () < fx->deadline, "not done within %d ms (step %d of %d)",
                   WAIT_MS, fx->next_step, fx->step_count);
    bool idle = gw_exits_in_flight (fx->exits) == 0 && gw_opens_in_flight (fx->opens) == 0;
    return idle && fx->next_step == fx->step_count ? -1 : 0;
}

static void
s_on_filled (void *arg, const tw_position_t *pos, int64_t accepted_ms)
{
    (void) pos;
    (void) accepted_ms;
    ((s_fx_t *) arg)->filled_calls++;
}

static void
s_start (s_fx_t *fx)
{
    memset (fx, 0, sizeof *fx);
    char err[ERR_MAX] = "";
    fx->config = tw_config_load (NULL, err, sizeof err);
    ck_assert_msg (fx->config != NULL, "config: %s", err);
    fx->store = gw_store_open ("gateway.db", err, sizeof err);
    ck_assert_msg (fx->store != NULL, "store: %s", err);
    char endpoint[ENDPOINT_MAX];
    s_generation++;
    snprintf (endpoint, sizeof endpoint, "inproc://gw-machines-pub-%d", s_generation);
    fx->pub = tw_sock_pub_new (endpoint);
    snprintf (endpoint, sizeof endpoint, "@inproc://gw-machines-broker-%d", s_generation);
    fx->broker_end = zsock_new_pair (endpoint);
    endpoint[0] = '>';
    fx->gateway_end = zsock_new_pair (endpoint);
    ck_assert (fx->pub && fx->broker_end && fx->gateway_end);
    fx->loop = zloop_new ();
    zloop_reader (fx->loop, fx->broker_end, s_on_call, fx);
    zloop_timer (fx->loop, TICK_MS, 0, s_on_tick, fx);
    fx->events = gw_events_new (fx->store, fx->pub, 100);
    fx->jobs = gw_jobs_new (fx->loop, fx->gateway_end);
    fx->exits = gw_exits_new (fx->store, fx->events, fx->jobs, fx->config);
    fx->opens = gw_opens_new (fx->store, fx->events, fx->jobs, fx->config, s_on_filled, fx);
}

static void
s_stop (s_fx_t *fx)
{
    gw_opens_destroy (&fx->opens);
    gw_exits_destroy (&fx->exits);
    gw_jobs_destroy (&fx->jobs);
    //  Answers nobody read (a failed test) are destroyed here.
    while (zsock_events (fx->gateway_end) & ZMQ_POLLIN) {
        gw_call_t *call = NULL;
        if (zsock_recv (fx->gateway_end, "p", &call) == 0)
            gw_call_destroy (&call);
    }
    gw_events_destroy (&fx->events);
    zloop_destroy (&fx->loop);
    zsock_destroy (&fx->gateway_end);
    zsock_destroy (&fx->broker_end);
    zsock_destroy (&fx->pub);
    gw_store_destroy (&fx->store);
    tw_config_destroy (&fx->config);
}

static void
s_script (s_fx_t *fx, gw_op_t op, gw_outcome_t outcome, double price, int64_t net_qty)
{
    ck_assert_int_lt (fx->step_count, STEPS_MAX);
    s_step_t *step = &fx->steps[fx->step_count++];
    memset (step, 0, sizeof *step);
    step->op = op;
    step->outcome = outcome;
    step->price = price;
    step->net_qty = net_qty;
}

static void
s_run (s_fx_t *fx)
{
    fx->deadline = tw_clock_mono_ms () + WAIT_MS;
    zloop_start (fx->loop);
    ck_assert_int_eq (fx->next_step, fx->step_count);
}

//  --- Exits -------------------------------------------------------------

//  An open long position of 10 at ENTRY, then its exit started.
static void
s_exit_start (s_fx_t *fx)
{
    gw_position_row_t row;
    memset (&row, 0, sizeof row);
    snprintf (row.pos.id, sizeof row.pos.id, "%s", POS_ID);
    snprintf (row.pos.symbol, sizeof row.pos.symbol, "%s", SYMBOL);
    snprintf (row.pos.product, sizeof row.pos.product, "INTRADAY");
    row.pos.side = TW_SIDE_LONG;
    row.pos.qty = 10;
    row.pos.entry_price = ENTRY;
    row.pos.state = TW_STATE_OPEN;
    ck_assert_int_eq (gw_store_put_position (fx->store, &row), 0);
    char error[TW_TEXT_MAX] = "";
    ck_assert_int_eq (
        gw_exit_start (fx->exits, POS_ID, TW_REASON_SL_HIT, NULL, error, sizeof error),
        TW_ACK_ACCEPTED);
    ck_assert_int_eq (gw_store_get_position (fx->store, POS_ID, &row), 0);
    ck_assert_int_eq (row.pos.state, TW_STATE_CLOSING);
    //  A second close while it runs is a duplicate.
    ck_assert_int_eq (
        gw_exit_start (fx->exits, POS_ID, TW_REASON_SL_HIT, NULL, error, sizeof error),
        TW_ACK_DUPLICATE);
}

//  Asserts the exit closed at price after attempts exit orders.
static void
s_assert_closed (s_fx_t *fx, double price, int attempts)
{
    gw_position_row_t row;
    ck_assert_int_eq (gw_store_get_position (fx->store, POS_ID, &row), 1);
    gw_position_row_t *history = NULL;
    size_t count = 0;
    ck_assert_int_eq (gw_store_history (fx->store, POS_ID, &history, &count), 0);
    ck_assert_int_eq (count, 1);
    ck_assert_str_eq (history[0].exit_reason, TW_REASON_SL_HIT);
    ck_assert_double_eq (history[0].exit_price, price);
    ck_assert_int_eq (history[0].exit_attempts, attempts);
    free (history);
    ck_assert_int_eq (gw_exits_closed (fx->exits), 1);
    ck_assert_int_eq (gw_exits_failed (fx->exits), 0);
}

//  Asserts the exit failed after attempts exit orders: OPEN, exit_failed.
static void
s_assert_failed (s_fx_t *fx, int attempts)
{
    gw_position_row_t row;
    ck_assert_int_eq (gw_store_get_position (fx->store, POS_ID, &row), 0);
    ck_assert_int_eq (row.pos.state, TW_STATE_OPEN);
    ck_assert (row.pos.exit_failed);
    ck_assert_int_eq (row.exit_attempts, attempts);
    ck_assert_int_gt (row.last_exit_failed_ms, 0);
    ck_assert_int_eq (gw_exits_closed (fx->exits), 0);
    ck_assert_int_eq (gw_exits_failed (fx->exits), 1);
    //  Within the cooldown a new close is refused.
    char error[TW_TEXT_MAX] = "";
    ck_assert_int_eq (
        gw_exit_start (fx->exits, POS_ID, TW_REASON_SL_HIT, NULL, error, sizeof error),
        TW_ACK_REJECTED);
    ck_assert_ptr_nonnull (strstr (error, "retry after"));
}

//  One scenario: the broker's answers in order, then how it ends.
typedef struct {
    const char *name;
    s_step_t steps[STEPS_MAX]; //  ended by op 0
    bool success;              //  exit: closed (else failed); open: filled (else rejected)
    double price;              //  closed: the exit price; filled: the entry price
    int attempts;              //  orders sent (checked for exits, in the attempts log)
    int64_t qty;               //  filled: the position's quantity (0: all that was asked)
} s_case_t;

#define OK(op, price)                                                                              \
    {                                                                                              \
        op, GW_OUT_OK, price, 0, 0, 0                                                              \
    }
#define READ(net_qty)                                                                              \
    {                                                                                              \
        GW_OP_POSITIONS, GW_OUT_OK, EXIT, net_qty, 0, 0                                            \
    }
#define FAILS(op, outcome)                                                                         \
    {                                                                                              \
        op, outcome, 0, 0, 0, 0                                                                    \
    }
#define LOOKUP(status, price)                                                                      \
    {                                                                                              \
        GW_OP_ORDER_BY_TAG, GW_OUT_OK, price, 0, status, 0                                         \
    }
#define LOOKUP_PART(status, price, filled)                                                         \
    {                                                                                              \
        GW_OP_ORDER_BY_TAG, GW_OUT_OK, price, filled, status, 0                                    \
    }
#define ORDERS(price)                                                                              \
    {                                                                                              \
        GW_OP_ORDERS, GW_OUT_OK, price, 0, 0, 0                                                    \
    }

//  The rows of the exit table (docs/design.md §4), with exit_max_attempts
//  3 and exit_confirm_polls 3.
static const s_case_t s_exit_cases[] = {
    {"sending, ok with a price -> confirming; flat -> closed at that price",
     {OK (GW_OP_EXIT, EXIT), READ (0)},
     true,
     EXIT,
     1,
     0},
    {"sending, ok, no price -> confirming; flat -> pricing; own fill -> closed at it",
     {OK (GW_OP_EXIT, 0), READ (0), ORDERS (OWN)},
     true,
     OWN,
     1,
     0},
    {"pricing, no fill of its own -> closed at the closing side's average",
     {OK (GW_OP_EXIT, 0), READ (0), ORDERS (0)},
     true,
     EXIT,
     1,
     0},
    {"pricing, order book read failed -> closed at the closing side's average",
     {OK (GW_OP_EXIT, 0), READ (0), FAILS (GW_OP_ORDERS, GW_OUT_RETRYABLE)},
     true,
     EXIT,
     1,
     0},
    {"sending, ok but still open -> confirming; polls = exit_confirm_polls -> failed, not resent",
     {OK (GW_OP_EXIT, EXIT), READ (10), READ (10), READ (10)},
     false,
     0,
     1,
     0},
    {"sending, pending -> confirming; open, failed -> again; flat -> closed",
     {FAILS (GW_OP_EXIT, GW_OUT_PENDING), READ (10), FAILS (GW_OP_POSITIONS, GW_OUT_AMBIGUOUS),
      READ (0), ORDERS (OWN)},
     true,
     OWN,
     1,
     0},
    {"confirming, polls = exit_confirm_polls -> failed, not resent",
     {FAILS (GW_OP_EXIT, GW_OUT_PENDING), READ (10), READ (10), READ (10)},
     false,
     0,
     1,
     0},
    {"sending, ambiguous -> verifying; flat (not listed) -> closed",
     {FAILS (GW_OP_EXIT, GW_OUT_AMBIGUOUS), READ (ABSENT), ORDERS (0)},
     true,
     0,
     1,
     0},
    {"verifying, read failed -> again; still open -> backing_off -> sending -> closed",
     {FAILS (GW_OP_EXIT, GW_OUT_AMBIGUOUS), FAILS (GW_OP_POSITIONS, GW_OUT_RETRYABLE), READ (10),
      OK (GW_OP_EXIT, EXIT), READ (0)},
     true,
     EXIT,
     2,
     0},
    {"verifying, still open, attempts = max -> failed",
     {FAILS (GW_OP_EXIT, GW_OUT_AMBIGUOUS), READ (10), FAILS (GW_OP_EXIT, GW_OUT_AMBIGUOUS),
      READ (10), FAILS (GW_OP_EXIT, GW_OUT_AMBIGUOUS), READ (10)},
     false,
     0,
     3,
     0},
    {"verifying, reads = max -> failed",
     {FAILS (GW_OP_EXIT, GW_OUT_AMBIGUOUS), FAILS (GW_OP_POSITIONS, GW_OUT_RETRYABLE),
      FAILS (GW_OP_POSITIONS, GW_OUT_RETRYABLE), FAILS (GW_OP_POSITIONS, GW_OUT_RETRYABLE)},
     false,
     0,
     1,
     0},
    {"sending, retryable -> backing_off -> sending -> closed",
     {FAILS (GW_OP_EXIT, GW_OUT_RETRYABLE), OK (GW_OP_EXIT, EXIT), READ (0)},
     true,
     EXIT,
     2,
     0},
    {"sending, retryable, attempts = max -> failed",
     {FAILS (GW_OP_EXIT, GW_OUT_RETRYABLE), FAILS (GW_OP_EXIT, GW_OUT_RETRYABLE),
      FAILS (GW_OP_EXIT, GW_OUT_RETRYABLE)},
     false,
     0,
     3,
     0},
    {"sending, final -> failed", {FAILS (GW_OP_EXIT, GW_OUT_FINAL)}, false, 0, 1, 0},
};

static void
s_script_case (s_fx_t *fx, const s_case_t *c)
{
    for (int i = 0; i < STEPS_MAX && c->steps[i].op; i++) {
        ck_assert_int_lt (fx->step_count, STEPS_MAX);
        fx->steps[fx->step_count++] = c->steps[i];
    }
}

START_TEST (test_exit_table)
{
    const s_case_t *c = &s_exit_cases[_i];
    tw_info ("case: %s", c->name);
    s_fx_t fx;
    s_start (&fx);
    s_script_case (&fx, c);
    s_exit_start (&fx);
    s_run (&fx);
    if (c->success)
        s_assert_closed (&fx, c->price, c->attempts);
    else
        s_assert_failed (&fx, c->attempts);
    //  One attempt row per exit order.
    gw_attempt_row_t *attempts = NULL;
    size_t count = 0;
    ck_assert_int_eq (gw_store_attempts (fx.store, POS_ID, &attempts, &count), 0);
    ck_assert_int_eq (count, c->attempts);
    free (attempts);
    s_stop (&fx);
}
END_TEST

//  --- Opens -------------------------------------------------------------

static void
s_open_start (s_fx_t *fx)
{
    tw_msg_t request, reply;
    tw_msg_init (&request, TW_MSG_OPEN);
    snprintf (request.req_id, sizeof request.req_id, "open-1");
    snprintf (request.u.open.symbol, sizeof request.u.open.symbol, "%s", SYMBOL);
    request.u.open.side = TW_SIDE_LONG;
    request.u.open.qty = 5;
    request.u.open.sl = 90;
    tw_msg_init (&reply, TW_MSG_ACK);
    snprintf (reply.req_id, sizeof reply.req_id, "open-1");
    char error[TW_TEXT_MAX] = "";
    ck_assert_int_eq (gw_open_start (fx->opens, &request, &reply, error, sizeof error),
                      TW_ACK_ACCEPTED);
    ck_assert_str_eq (reply.u.ack.id, POS_ID);
    //  The ack is stored with the pending open.
    uint8_t *stored = NULL;
    size_t size = 0;
    ck_assert_int_eq (gw_store_get_reply (fx->store, "open-1", &stored, &size), 0);
    free (stored);
    gw_pending_row_t pending;
    ck_assert_int_eq (gw_store_get_pending (fx->store, "open-1", &pending), 0);
    //  A second open of the same position while it runs is refused.
    snprintf (request.req_id, sizeof request.req_id, "open-2");
    ck_assert_int_eq (gw_open_start (fx->opens, &request, &reply, error, sizeof error),
                      TW_ACK_REJECTED);
}

static void
s_assert_filled (s_fx_t *fx, double price, int64_t qty)
{
    gw_position_row_t row;
    ck_assert_int_eq (gw_store_get_position (fx->store, POS_ID, &row), 0);
    ck_assert_int_eq (row.pos.state, TW_STATE_OPEN);
    ck_assert_double_eq (row.pos.entry_price, price);
    ck_assert_int_eq (row.pos.qty, qty);
    ck_assert_double_eq (row.pos.sl, 90);
    gw_pending_row_t pending;
    ck_assert_int_eq (gw_store_get_pending (fx->store, "open-1", &pending), 1);
    ck_assert_int_eq (gw_opens_filled (fx->opens), 1);
    ck_assert_int_eq (gw_opens_rejected (fx->opens), 0);
    ck_assert_int_eq (fx->filled_calls, 1);
}

static void
s_assert_rejected (s_fx_t *fx)
{
    gw_position_row_t row;
    ck_assert_int_eq (gw_store_get_position (fx->store, POS_ID, &row), 1);
    gw_pending_row_t pending;
    ck_assert_int_eq (gw_store_get_pending (fx->store, "open-1", &pending), 1);
    ck_assert_int_eq (gw_opens_filled (fx->opens), 0);
    ck_assert_int_eq (gw_opens_rejected (fx->opens), 1);
    ck_assert_int_eq (fx->filled_calls, 0);
}

//  The rows of the open table (docs/design.md §4), with open_max_attempts 2
//  and open_lookup_polls 2. Order statuses: 2 filled, 5 rejected, 6 working.
static const s_case_t s_open_cases[] = {
    {"sending, ok with a price -> filled", {OK (GW_OP_PLACE, ENTRY)}, true, ENTRY, 1, 0},
    {"sending, ok without a price -> looking_up; filled -> filled",
     {OK (GW_OP_PLACE, 0), LOOKUP (2, ENTRY)},
     true,
     ENTRY,
     1,
     0},
    {"sending, ambiguous -> looking_up; working -> again; filled -> filled",
     {FAILS (GW_OP_PLACE, GW_OUT_AMBIGUOUS), LOOKUP (6, 0), LOOKUP (2, ENTRY)},
     true,
     ENTRY,
     1,
     0},
    {"looking_up, not found -> backing_off -> sending (same tag) -> filled",
     {FAILS (GW_OP_PLACE, GW_OUT_PENDING), LOOKUP (0, 0), OK (GW_OP_PLACE, ENTRY)},
     true,
     ENTRY,
     2,
     0},
    {"looking_up, not found, attempts = max -> rejected",
     {FAILS (GW_OP_PLACE, GW_OUT_PENDING), LOOKUP (0, 0), FAILS (GW_OP_PLACE, GW_OUT_PENDING),
      LOOKUP (0, 0)},
     false,
     0,
     2,
     0},
    {"looking_up, rejected at the broker -> rejected",
     {OK (GW_OP_PLACE, 0), LOOKUP (5, 0)},
     false,
     0,
     1,
     0},
    {"looking_up, working, lookups = polls -> cancelling -> looking_up; ended with a part "
     "filled -> filled with that part",
     {FAILS (GW_OP_PLACE, GW_OUT_AMBIGUOUS), FAILS (GW_OP_ORDER_BY_TAG, GW_OUT_AMBIGUOUS),
      LOOKUP_PART (6, ENTRY, 2), FAILS (GW_OP_CANCEL, GW_OUT_FINAL), LOOKUP_PART (1, ENTRY, 2)},
     true,
     ENTRY,
     1,
     2},
    {"looking_up, cancelled with nothing filled -> rejected",
     {OK (GW_OP_PLACE, 0), LOOKUP (6, 0), LOOKUP (6, 0), OK (GW_OP_CANCEL, 0), LOOKUP (1, 0)},
     false,
     0,
     1,
     0},
    {"looking_up, unknown after the cancel -> stays pending; filled later -> filled",
     {OK (GW_OP_PLACE, 0), LOOKUP (6, 0), LOOKUP (6, 0), OK (GW_OP_CANCEL, 0),
      FAILS (GW_OP_ORDER_BY_TAG, GW_OUT_RETRYABLE), LOOKUP (6, 0), LOOKUP (2, ENTRY)},
     true,
     ENTRY,
     1,
     0},
    {"sending, retryable -> backing_off -> sending -> filled",
     {FAILS (GW_OP_PLACE, GW_OUT_RETRYABLE), OK (GW_OP_PLACE, ENTRY)},
     true,
     ENTRY,
     2,
     0},
    {"sending, retryable, attempts = max -> rejected",
     {FAILS (GW_OP_PLACE, GW_OUT_RETRYABLE), FAILS (GW_OP_PLACE, GW_OUT_RETRYABLE)},
     false,
     0,
     2,
     0},
    {"sending, final -> rejected", {FAILS (GW_OP_PLACE, GW_OUT_FINAL)}, false, 0, 1, 0},
};

START_TEST (test_open_table)
{
    const s_case_t *c = &s_open_cases[_i];
    tw_info ("case: %s", c->name);
    s_fx_t fx;
    s_start (&fx);
    s_script_case (&fx, c);
    s_open_start (&fx);
    s_run (&fx);
    if (c->success)
        s_assert_filled (&fx, c->price, c->qty ? c->qty : 5);
    else
        s_assert_rejected (&fx);
    s_stop (&fx);
}
END_TEST

//  --- gw_jobs and gw_retry alone -----------------------------------------

static int s_results;

static void
s_count_result (void *owner, gw_call_t *call)
{
    (void) owner;
    (void) call;
    s_results++;
}

static void
s_never (void *owner)
{
    (void) owner;
    ck_abort_msg ("a cancelled timer fired");
}

//  A cancelled owner's results are dropped and its timer never fires.
START_TEST (test_jobs_cancel)
{
    s_fx_t fx;
    s_start (&fx);
    int kept = 0, dropped = 0;
    s_script (&fx, GW_OP_POSITIONS, GW_OUT_OK, 0, ABSENT);
    s_script (&fx, GW_OP_POSITIONS, GW_OUT_OK, 0, ABSENT);
    s_results = 0;
    gw_jobs_call (fx.jobs, gw_call_new (GW_OP_POSITIONS), s_count_result, &kept);
    gw_jobs_call (fx.jobs, gw_call_new (GW_OP_POSITIONS), s_count_result, &dropped);
    gw_jobs_later (fx.jobs, &dropped, 1, s_never);
    gw_jobs_cancel (fx.jobs, &dropped);
    //  Runs the loop until the broker answered both and gw_jobs read both.
    s_run (&fx);
    fx.deadline = tw_clock_mono_ms () + WAIT_MS;
    while ((zsock_events (fx.gateway_end) & ZMQ_POLLIN) && tw_clock_mono_ms () < fx.deadline)
        zloop_start (fx.loop);
    ck_assert (!(zsock_events (fx.gateway_end) & ZMQ_POLLIN));
    ck_assert_int_eq (s_results, 1);
    ck_assert_int_eq (gw_jobs_calls (fx.jobs), 2);
    s_stop (&fx);
}
END_TEST

START_TEST (test_retry_backoff)
{
    for (int n = 1; n <= 4; n++) {
        int64_t base = 100 << (n - 1);
        for (int i = 0; i < 50; i++) {
            int64_t delay = gw_retry_backoff_ms (100, n, 0);
            ck_assert_int_ge (delay, base);
            ck_assert_int_lt (delay, base + base / 2);
        }
    }
    //  Never shorter than the broker asked for.
    ck_assert_int_eq (gw_retry_backoff_ms (100, 1, 5000), 5000);
    ck_assert_int_ge (gw_retry_backoff_ms (100, 0, 0), 100);
}
END_TEST

//  --- Exits with the order socket up (gw_exits_set_pushes) -------------

//  One scenario: what is pushed, the broker's answers, the exit price.
typedef struct {
    const char *name;
    int push_at_exit;          //  as s_fx_t
    s_step_t steps[STEPS_MAX]; //  ended by op 0
    double price;              //  the exit price
} s_push_case_t;

static const s_push_case_t s_push_cases[] = {
    {"pushed flat and fill before the reply -> closed at the fill, nothing read",
     2,
     {OK (GW_OP_EXIT, 0)},
     OWN},
    {"pushed flat, no fill -> pricing waits, then reads the book",
     1,
     {OK (GW_OP_EXIT, 0), ORDERS (OWN)},
     OWN},
    {"pushed flat, no fill, book read failed -> closed at the pushed closing-side average",
     1,
     {OK (GW_OP_EXIT, 0), FAILS (GW_OP_ORDERS, GW_OUT_RETRYABLE)},
     EXIT},
    {"nothing pushed -> confirming waits, reads positions; pricing waits, reads the book",
     0,
     {OK (GW_OP_EXIT, 0), READ (0), ORDERS (OWN)},
     OWN},
    {"pending (201), pushed flat and fill -> closed at the fill, nothing read",
     2,
     {FAILS (GW_OP_EXIT, GW_OUT_PENDING)},
     OWN},
};

START_TEST (test_exit_pushes)
{
    const s_push_case_t *c = &s_push_cases[_i];
    tw_info ("case: %s", c->name);
    s_fx_t fx;
    s_start (&fx);
    fx.push_at_exit = c->push_at_exit;
    for (int i = 0; i < STEPS_MAX && c->steps[i].op; i++)
        fx.steps[fx.step_count++] = c->steps[i];
    gw_exits_set_pushes (fx.exits, true);
    s_exit_start (&fx);
    s_run (&fx);
    s_assert_closed (&fx, c->price, 1);
    s_stop (&fx);
}
END_TEST

static int
s_on_push_flat (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    s_push ((s_fx_t *) arg, false);
    return 0;
}

static int
s_on_push_fill (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    gw_exit_fill_pushed (((s_fx_t *) arg)->exits, "1000", SYMBOL, "INTRADAY", TW_SIDE_SHORT, OWN);
    return 0;
}

//  The pushes come after the reply, while the exit waits (confirming,
//  then pricing): each wait ends at its push. The waits are 10 s, longer
//  than the test may run: a push that did not end its wait fails it.
START_TEST (test_exit_pushes_end_the_waits)
{
    setenv ("TW_GATEWAY_EXIT_CONFIRM_INTERVAL_MS", "10000", 1);
    s_fx_t fx;
    s_start (&fx);
    s_script (&fx, GW_OP_EXIT, GW_OUT_OK, 0, 0);
    gw_exits_set_pushes (fx.exits, true);
    zloop_timer (fx.loop, 30, 1, s_on_push_flat, &fx);
    zloop_timer (fx.loop, 60, 1, s_on_push_fill, &fx);
    s_exit_start (&fx);
    fx.deadline = tw_clock_mono_ms () + 5000;
    zloop_start (fx.loop);
    ck_assert_int_eq (fx.next_step, fx.step_count);
    s_assert_closed (&fx, OWN, 1);
    s_stop (&fx);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("gw_machines");
    TCase *exits = tcase_create ("exit");
    tcase_add_checked_fixture (exits, s_setup, s_teardown);
    tcase_add_loop_test (exits, test_exit_table, 0,
                         (int) (sizeof s_exit_cases / sizeof s_exit_cases[0]));
    tcase_add_loop_test (exits, test_exit_pushes, 0,
                         (int) (sizeof s_push_cases / sizeof s_push_cases[0]));
    tcase_add_test (exits, test_exit_pushes_end_the_waits);
    suite_add_tcase (suite, exits);
    TCase *opens = tcase_create ("open");
    tcase_add_checked_fixture (opens, s_setup, s_teardown);
    tcase_add_loop_test (opens, test_open_table, 0,
                         (int) (sizeof s_open_cases / sizeof s_open_cases[0]));
    suite_add_tcase (suite, opens);
    TCase *parts = tcase_create ("parts");
    tcase_add_checked_fixture (parts, s_setup, s_teardown);
    tcase_add_test (parts, test_jobs_cancel);
    tcase_add_test (parts, test_retry_backoff);
    suite_add_tcase (suite, parts);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
