//  System tests of restarts: all five services as real processes (tw_stack)
//  on the fake Fyers server, one SIGKILLed and restarted at a time while
//  positions are open and ticks flow.
//
//  The replay loops once a second: every "dip" symbol falls through 95 (a
//  long opened at 100 with stop loss 95 must be closed by the risk-monitor),
//  every "hold" symbol stays at 100 (its long stays open until the model
//  closes it). An exit happened exactly once when the fake applied one exit
//  request for the position and holds it flat; a double exit leaves the
//  broker short (a reversed position).
//
//  The chaos case runs CHAOS_CYCLES cycles (30 by default) seeded by
//  CHAOS_SEED (the clock by default, printed): each scripts a broker fault,
//  opens a dip, SIGKILLs a random service and restarts it. `deploy/dev soak
//  N` runs it with N cycles.

#include <check.h>
#include <cjson/cJSON.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_clock.h"
#include "tw_stack.h"

#define WAIT_MS 15000
//  State should converge within 5 s of the last restart (issue 10's target).
//  That is a speed goal: the run prints converged_ms and whether it met the
//  target (`deploy/dev soak` reports it), but only a state that never
//  converges within SETTLE_MS fails the test; a busy machine must not.
#define CONVERGE_TARGET_MS 5000
//  How long the chaos case waits for the state to converge at all.
#define SETTLE_MS 20000
#define PRICE 100.0
#define QTY 5
#define SL 95.0
#define FAR_SL 1.0
#define FAR_TP 1000.0
#define ROWS 10
#define ROW_MS 100
#define HOLDS TW_STACK_SERVICES
#define CI_CYCLES 30
#define SYMBOLS_MAX 1100
#define POLL_MS 50
//  An open refused for a stop on the wrong side is asked again this long.
#define OPEN_MS 2000

static char s_dip[SYMBOLS_MAX][TW_SYMBOL_MAX];
static char s_hold[HOLDS][TW_SYMBOL_MAX];

static void
s_id (char *id, const char *symbol)
{
    size_t len = strnlen (symbol, TW_SYMBOL_MAX - 1);
    memcpy (id, symbol, len);
    memcpy (id + len, "-INTRADAY", sizeof "-INTRADAY");
}

//  Starts the stack with dips dip symbols and HOLDS hold symbols.
static tw_stack_t *
s_stack_up (const char *label, int dips)
{
    ck_assert_int_le (dips, SYMBOLS_MAX);
    const char **symbols = (const char **) calloc ((size_t) (dips + HOLDS + 1), sizeof (char *));
    int n = 0;
    for (int i = 0; i < dips; i++) {
        snprintf (s_dip[i], TW_SYMBOL_MAX, "NSE:D%04d-EQ", i);
        symbols[n++] = s_dip[i];
    }
    for (int i = 0; i < HOLDS; i++) {
        snprintf (s_hold[i], TW_SYMBOL_MAX, "NSE:H%02d-EQ", i);
        symbols[n++] = s_hold[i];
    }
    static const double dip[ROWS] = {100, 99, 98, 97, 96, 94, 93, 94, 96, 98};
    size_t size = (size_t) n * ROWS * 48 + 64;
    char *csv = (char *) malloc (size);
    ck_assert_ptr_nonnull (csv);
    size_t at = (size_t) snprintf (csv, size, "ts_ms,symbol,ltp\n");
    int64_t ts = 1767225600000;
    for (int row = 0; row < ROWS; row++, ts += ROW_MS)
        for (int i = 0; i < n; i++)
            at += (size_t) snprintf (csv + at, size - at, "%lld,%s,%.2f\n", (long long) ts,
                                     symbols[i], i < dips ? dip[row] : PRICE);
    ck_assert_int_lt (at, size);
    tw_stack_t *stack = tw_stack_new (label, csv, symbols, PRICE);
    free (csv);
    free (symbols);
    ck_assert_ptr_nonnull (stack);
    //  A failed check ends the test's process without tw_stack_destroy:
    //  the directory stays, with the logs.
    fprintf (stderr, "%s: logs in %s\n", label, tw_fixture_dir (tw_stack_fixture (stack)));
    //  An exit that several queued faults make fail (exit_failed) is tried
    //  again within a second, not after the defaults' five: the 5 s bound of
    //  convergence is about restarts, not about the retry policy.
    tw_fixture_set (tw_stack_fixture (stack), "TW_GATEWAY_EXIT_RETRY_COOLDOWN_MS", "500");
    tw_fixture_set (tw_stack_fixture (stack), "TW_RISK_REJECT_BACKOFF_MS", "1000");
    ck_assert_int_eq (tw_stack_start_all (stack), 0);
    tw_stack_ws_pump (stack, 100);
    return stack;
}

//  Waits until the broker holds position id flat (or, with held, open).
static bool
s_wait_net (tw_stack_t *stack, const char *id, bool held, int timeout_ms)
{
    int64_t deadline = tw_clock_mono_ms () + timeout_ms;
    while (true) {
        long net = -1;
        if (tw_stack_broker_net (stack, id, &net) == 0 && (held ? net > 0 : net == 0))
            return true;
        if (tw_clock_mono_ms () >= deadline)
            return false;
        zclock_sleep (POLL_MS); //  pacing a bounded poll of the broker
    }
}

//  Waits until the fake has applied an exit of position id and holds it
//  flat.
static bool
s_wait_exit (tw_stack_t *stack, const char *id, int timeout_ms)
{
    int64_t deadline = tw_clock_mono_ms () + timeout_ms;
    while (true) {
        long net = -1;
        if (tw_stack_exits_applied (stack, id) >= 1 && tw_stack_broker_net (stack, id, &net) == 0
            && net == 0)
            return true;
        if (tw_clock_mono_ms () >= deadline)
            return false;
        zclock_sleep (POLL_MS); //  pacing a bounded poll of the broker
    }
}

//  Waits until the broker holds position id or has already exited it (a
//  stop loss may come due at once).
static bool
s_wait_reached (tw_stack_t *stack, const char *id, int timeout_ms)
{
    int64_t deadline = tw_clock_mono_ms () + timeout_ms;
    while (true) {
        long net = 0;
        if ((tw_stack_broker_net (stack, id, &net) == 0 && net > 0)
            || tw_stack_exits_applied (stack, id) >= 1)
            return true;
        if (tw_clock_mono_ms () >= deadline)
            return false;
        zclock_sleep (POLL_MS); //  pacing a bounded poll of the broker
    }
}

static void
s_open (tw_stack_t *stack, const char *symbol, double sl)
{
    ck_assert_int_eq (tw_stack_open (stack, symbol, QTY, sl, FAR_TP, WAIT_MS), TW_ACK_ACCEPTED);
}

START_TEST (test_independent_restart)
{
    tw_stack_t *stack = s_stack_up ("restart", TW_STACK_SERVICES);
    char id[TW_ID_MAX];
    for (int i = 0; i < TW_STACK_SERVICES; i++) {
        const char *name = tw_stack_services[i];
        //  A hold that stays open through the restart, and a dip whose
        //  stop loss comes due around the kill.
        s_open (stack, s_hold[i], FAR_SL);
        s_id (id, s_hold[i]);
        ck_assert (s_wait_net (stack, id, true, WAIT_MS));
        //  The open has reached the broker (a gateway killed before it sends
        //  the order rejects it on restart, rightly: nothing to exit then).
        s_open (stack, s_dip[i], SL);
        s_id (id, s_dip[i]);
        ck_assert (s_wait_reached (stack, id, WAIT_MS));
        ck_assert_int_eq (tw_stack_kill (stack, name), 0);
        ck_assert_msg (tw_stack_start (stack, name) == 0, "%s did not come back", name);
        ck_assert_msg (s_wait_exit (stack, id, WAIT_MS), "%s not closed after %s restart", id,
                       name);
        ck_assert_msg (tw_stack_wait_converged (stack, SETTLE_MS), "after %s restart", name);
        ck_assert_int_eq (tw_stack_exits_applied (stack, id), 1);
        fprintf (stderr, "restart: %s killed and back; %s closed once\n", name, id);
    }
    //  Every dip closed exactly once, and the client heard it at most once
    //  (a notifier that was down may have missed one; its snapshot agrees).
    for (int i = 0; i < TW_STACK_SERVICES; i++) {
        s_id (id, s_dip[i]);
        ck_assert_int_eq (tw_stack_exits_applied (stack, id), 1);
        ck_assert_int_le (tw_stack_ws_count (stack, "position_closed", id, NULL), 1);
    }
    //  The holds are still open everywhere; the model closes them once each.
    for (int i = 0; i < HOLDS; i++) {
        s_id (id, s_hold[i]);
        ck_assert_int_eq (tw_stack_exits_applied (stack, id), 0);
        ck_assert_int_eq (tw_stack_signal (stack, s_hold[i], TW_ACTION_CLOSE, 0, 0, 0),
                          TW_ACK_ACCEPTED);
    }
    for (int i = 0; i < HOLDS; i++) {
        s_id (id, s_hold[i]);
        ck_assert (
            tw_stack_ws_wait (stack, "position_closed", id, TW_REASON_MODEL_CLOSE, 1, WAIT_MS));
        ck_assert_int_eq (tw_stack_exits_applied (stack, id), 1);
    }
    ck_assert (tw_stack_wait_converged (stack, SETTLE_MS));
    tw_stack_destroy (&stack);
}
END_TEST

//  The broker faults of the chaos case: on an exit, any of them; on an
//  open, only the unambiguous refusals.
static const char *const s_exit_faults[] = {
    "{\"action\":\"code201\",\"polls\":1}",
    "{\"action\":\"working\",\"polls\":1}",
    "{\"action\":\"hang\",\"ms\":800}",
    "{\"action\":\"reset\"}",
    "{\"action\":\"apply_then_reset\"}",
    "{\"action\":\"apply_then_hang\",\"ms\":800}",
    "{\"action\":\"status\",\"status\":503}",
    "{\"action\":\"status\",\"status\":500}",
    "{\"action\":\"429\",\"retry_after_ms\":200}",
};
static const char *const s_open_faults[] = {
    "{\"action\":\"status\",\"status\":503}",
    "{\"action\":\"429\",\"retry_after_ms\":200}",
};
#define EXIT_FAULTS (int) (sizeof s_exit_faults / sizeof s_exit_faults[0])
#define OPEN_FAULTS (int) (sizeof s_open_faults / sizeof s_open_faults[0])

static int
s_env_int (const char *name, int fallback)
{
    const char *value = getenv (name);
    return value && *value ? atoi (value) : fallback;
}

//  Queues fault json on method path at the fake; returns 1 when queued.
static int
s_fault (tw_stack_t *stack, const char *method, const char *path, const char *json)
{
    char behaviour[512];
    snprintf (behaviour, sizeof behaviour, "{\"method\":\"%s\",\"path\":\"%s\",%s", method, path,
              json + 1);
    return fake_fyers_script (tw_stack_fake (stack), behaviour) == 1 ? 1 : 0;
}

//  Counts the positions the broker holds short (a double exit of a long).
static int
s_reversed (tw_stack_t *stack, int dips)
{
    int reversed = 0;
    char id[TW_ID_MAX];
    for (int i = 0; i < dips; i++) {
        long net = 0;
        s_id (id, s_dip[i]);
        if (tw_stack_broker_net (stack, id, &net) == 0 && net < 0)
            reversed++;
    }
    return reversed;
}

START_TEST (test_chaos)
{
    int cycles = s_env_int ("CHAOS_CYCLES", CI_CYCLES);
    unsigned seed = (unsigned) s_env_int ("CHAOS_SEED", (int) (tw_clock_mono_ms () % 100000));
    ck_assert_int_le (cycles, SYMBOLS_MAX);
    fprintf (stderr, "chaos: %d cycles, seed %u (CHAOS_SEED=%u repeats the run)\n", cycles, seed,
             seed);
    srand (seed);
    tw_stack_t *stack = s_stack_up ("chaos", cycles);
    int faults = 0, max_reversed = 0;
    bool held[SYMBOLS_MAX] = {false};
    char id[TW_ID_MAX];
    int64_t last_restart = 0;
    for (int cycle = 0; cycle < cycles; cycle++) {
        const char *name = tw_stack_services[rand () % TW_STACK_SERVICES];
        int which = rand () % (EXIT_FAULTS + OPEN_FAULTS + 2);
        const char *fault = "none";
        if (which < EXIT_FAULTS) {
            fault = s_exit_faults[which];
            faults += s_fault (stack, "DELETE", "/api/v3/positions", fault);
        }
        else if (which < EXIT_FAULTS + OPEN_FAULTS) {
            fault = s_open_faults[which - EXIT_FAULTS];
            faults += s_fault (stack, "POST", "/api/v3/orders/sync", fault);
        }
        int ack = tw_stack_open (stack, s_dip[cycle], QTY, SL, FAR_TP, OPEN_MS);
        //  The kill lands anywhere in the open, the stop loss or the exit.
        zclock_sleep (rand () % 400);
        ck_assert_int_eq (tw_stack_kill (stack, name), 0);
        ck_assert_msg (tw_stack_start (stack, name) == 0, "cycle %d: %s did not come back", cycle,
                       name);
        last_restart = tw_clock_mono_ms ();
        s_id (id, s_dip[cycle]);
        long net = 0;
        held[cycle] = tw_stack_broker_net (stack, id, &net) == 0 && net != 0;
        int reversed = s_reversed (stack, cycle + 1);
        max_reversed = reversed > max_reversed ? reversed : max_reversed;
        tw_stack_ws_pump (stack, 0);
        fprintf (stderr, "chaos: cycle %d killed %s, fault %s, open %s\n", cycle, name, fault,
                 ack == TW_ACK_ACCEPTED ? "accepted" : "refused");
    }
    //  No more faults: what is left of the script goes.
    long status = 0;
    free (fake_fyers_http (tw_stack_fake (stack), "DELETE", "/_fake/script", NULL, NULL, &status));

    //  Converged: every dip flat at the broker and the three views agree.
    int64_t converged_ms = -1;
    while (tw_clock_mono_ms () - last_restart < SETTLE_MS) {
        bool flat = true;
        for (int i = 0; i < cycles && flat; i++) {
            s_id (id, s_dip[i]);
            long net = -1;
            flat = tw_stack_broker_net (stack, id, &net) == 0 && net == 0;
        }
        if (flat && tw_stack_wait_converged (stack, 0)) {
            converged_ms = tw_clock_mono_ms () - last_restart;
            break;
        }
        zclock_sleep (POLL_MS); //  pacing a bounded poll of the broker
    }
    tw_stack_ws_pump (stack, 100);
    //  An exit the fake applied twice while the first counter order was
    //  still pending (code201) can end flat: reported as resent, not as a
    //  double exit, unless it reversed the position.
    int held_count = 0, exits = 0, lost = 0, doubled = 0, resent = 0, heard = 0;
    for (int i = 0; i < cycles; i++) {
        s_id (id, s_dip[i]);
        long net = 0;
        int applied = tw_stack_exits_applied (stack, id);
        ck_assert_int_eq (tw_stack_broker_net (stack, id, &net), 0);
        int closed_heard = tw_stack_ws_count (stack, "position_closed", id, NULL);
        held_count += held[i] || applied >= 1 || net != 0;
        exits += applied >= 1 && net == 0;
        lost += net > 0;
        doubled += net < 0 || closed_heard > 1;
        resent += applied > 1;
        heard += closed_heard == 1;
        if (net != 0 || applied > 1)
            fprintf (stderr, "chaos: %s net %ld after %d applied exits\n", id, net, applied);
    }
    doubled = doubled > max_reversed ? doubled : max_reversed;
    printf ("chaos: cycles=%d seed=%u opened_at_broker=%d exits=%d faults_injected=%d lost=%d "
            "doubled=%d exits_sent_twice_flat=%d closed_heard_on_ws=%d converged_ms=%lld\n",
            cycles, seed, held_count, exits, faults, lost, doubled, resent, heard,
            (long long) converged_ms);
    fprintf (stderr,
             "chaos: cycles=%d seed=%u opened_at_broker=%d exits=%d faults_injected=%d "
             "lost=%d doubled=%d exits_sent_twice_flat=%d closed_heard_on_ws=%d "
             "converged_ms=%lld\n",
             cycles, seed, held_count, exits, faults, lost, doubled, resent, heard,
             (long long) converged_ms);
    fflush (stdout);
    ck_assert_int_eq (lost, 0);
    ck_assert_int_eq (doubled, 0);
    if (converged_ms > CONVERGE_TARGET_MS)
        fprintf (stderr, "chaos: converged in %lld ms, over the %d ms target (a busy machine?)\n",
                 (long long) converged_ms, CONVERGE_TARGET_MS);
    ck_assert_msg (converged_ms >= 0, "not converged within %d ms of the last restart", SETTLE_MS);
    tw_stack_destroy (&stack);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("chaos");
    TCase *restart = tcase_create ("restart");
    tcase_set_timeout (restart, 150);
    tcase_add_test (restart, test_independent_restart);
    suite_add_tcase (suite, restart);
    TCase *chaos = tcase_create ("chaos");
    //  About three seconds a cycle at worst, and the settling.
    tcase_set_timeout (chaos, 60 + 4 * s_env_int ("CHAOS_CYCLES", CI_CYCLES));
    tcase_add_test (chaos, test_chaos);
    suite_add_tcase (suite, chaos);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
