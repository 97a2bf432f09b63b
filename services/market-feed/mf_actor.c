//  mf_actor - see mf_actor.h.
//
//  One zloop: the pipe (for $TERM), the control socket, and one timer for
//  the source. The synthetic source has a repeating timer; the replay arms a
//  one-shot timer for the next row each time, and publishes every row that
//  is due when it fires, at most MF_REPLAY_BATCH at a time, so that a fast
//  replay still lets the loop answer ping and $TERM. The fyers source
//  registers its own readers (mf_fyers), and the actor adds a clone of the
//  gateway's positions whose symbols it hands to the source.

#include "mf_actor.h"
#include "mf_fyers.h"
#include "mf_replay.h"
#include "mf_synthetic.h"
#include "tw_clock.h"
#include "tw_clone.h"
#include "tw_config.h"
#include "tw_control.h"
#include "tw_log.h"
#include "tw_service.h"
#include "tw_sock.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#define MF_SOURCE_SYNTHETIC "synthetic"
#define MF_SOURCE_REPLAY "replay"
#define MF_SOURCE_FYERS "fyers"

//  Rows published per timer event before the loop gets a turn.
#define MF_REPLAY_BATCH 1000
//  The shortest timer delay. A zloop timer armed with no delay from inside a
//  timer handler fires again in the same pass, before any socket is read.
#define MF_TIMER_MIN_MS 1
//  A replay row is never scheduled further ahead than this (a week), which
//  keeps the arithmetic finite whatever the gap and the speed.
#define MF_REPLAY_MAX_WAIT_MS (INT64_C (7) * 24 * 3600 * 1000)
//  The replay counts distinct symbols for the pong, up to this many.
#define MF_REPLAY_MAX_SYMBOLS 10000
//  A zhashx needs a non-NULL value; the keys are all that matter.
#define MF_PRESENT ((void *) 1)

typedef struct {
    tw_service_t *service;
    tw_config_t *config;
    zsock_t *pipe;
    zloop_t *loop;
    zsock_t *pub;
    tw_control_t *control;

    mf_synthetic_t *synthetic;

    mf_replay_t *replay;
    double speed; //  0 = as fast as possible
    bool loop_replay;
    bool have_row; //  row and row_ts hold the next row to publish
    tw_tick_t row;
    int64_t row_ts;
    bool pass_started;  //  base_ts and base_ms are set for this pass
    int64_t base_ts;    //  ts_ms of the first row of the pass
    int64_t base_ms;    //  when it was published (monotonic)
    uint64_t pass_rows; //  good rows in this pass
    zhashx_t *seen;     //  distinct symbols replayed

    bool use_fyers;
    mf_fyers_t *fyers;
    tw_clone_t *clone; //  the gateway's positions, for the fyers source

    tw_source_t source; //  stamped on every tick published ([feed] source)
    int64_t published;
} mf_t;

static int
s_publish (mf_t *self, const tw_tick_t *tick)
{
    tw_msg_t msg;
    tw_msg_init (&msg, TW_MSG_TICK);
    msg.u.tick = *tick;
    //  Every tick says where its price comes from, so that a consumer can
    //  refuse simulated prices against a live broker (docs/design.md §1).
    msg.u.tick.source = self->source;
    if (tw_sock_publish (self->pub, &msg) != 0)
        return -1;
    self->published++;
    return 0;
}

static void
s_counters (tw_pong_t *pong, void *arg)
{
    mf_t *self = (mf_t *) arg;
    tw_control_counter (pong, "ticks_published", self->published);
    if (self->fyers) {
        tw_control_counter (pong, "symbols", (int64_t) mf_fyers_symbol_count (self->fyers));
        mf_fyers_counters (self->fyers, pong);
        return;
    }
    int64_t skipped = self->replay ? (int64_t) mf_replay_skipped (self->replay) : 0;
    tw_control_counter (pong, "rows_skipped", skipped);
    int64_t symbols = self->synthetic ? (int64_t) mf_synthetic_count (self->synthetic)
                                      : (int64_t) zhashx_size (self->seen);
    tw_control_counter (pong, "symbols", symbols);
}

//  ---------------------------------------------------------------------
//  Synthetic source.

static int
s_on_synthetic (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    mf_t *self = (mf_t *) arg;
    for (size_t i = 0; i < mf_synthetic_count (self->synthetic); i++) {
        tw_tick_t tick;
        mf_synthetic_next (self->synthetic, i, &tick);
        s_publish (self, &tick);
    }
    return 0;
}

static int
s_setup_synthetic (mf_t *self)
{
    tw_config_t *config = self->config;
    char err[TW_TEXT_MAX];
    self->synthetic =
        mf_synthetic_new (tw_config_str (config, "feed", "symbols"),
                          (uint64_t) tw_config_int (config, "feed", "seed"),
                          tw_config_double (config, "feed", "start_price"),
                          tw_config_double (config, "feed", "volatility"), err, sizeof err);
    if (!self->synthetic) {
        tw_error ("synthetic source: %s", err);
        return -1;
    }
    return 0;
}

//  ---------------------------------------------------------------------
//  Replay source.

static int s_on_replay (zloop_t *loop, int timer_id, void *arg);

static void
s_replay_arm (mf_t *self, int64_t delay_ms)
{
    if (delay_ms < MF_TIMER_MIN_MS)
        delay_ms = MF_TIMER_MIN_MS;
    zloop_timer (self->loop, (size_t) delay_ms, 1, s_on_replay, self);
}

//  Reads the next good row into self->row, going back to the top at the end
//  when looping. Returns 0, or -1 when the replay is over.
static int
s_replay_fetch (mf_t *self)
{
    while (mf_replay_next (self->replay, &self->row, &self->row_ts) != 1) {
        const char *path = mf_replay_path (self->replay);
        if (!self->loop_replay) {
            tw_info ("replay finished file=%s rows=%" PRIu64 " skipped=%" PRIu64, path,
                     mf_replay_rows (self->replay), mf_replay_skipped (self->replay));
            return -1;
        }
        //  A file without a single good row would loop without end.
        if (self->pass_rows == 0) {
            tw_warn ("replay file=%s has no valid rows; not looping", path);
            return -1;
        }
        if (mf_replay_rewind (self->replay) != 0)
            return -1;
        tw_debug ("replay restarting file=%s", path);
        self->pass_rows = 0;
        self->pass_started = false;
    }
    self->have_row = true;
    self->pass_rows++;
    if (!self->pass_started) {
        self->pass_started = true;
        self->base_ts = self->row_ts;
        self->base_ms = tw_clock_mono_ms ();
    }
    return 0;
}

//  When the pending row is due (monotonic ms).
static int64_t
s_replay_due (mf_t *self)
{
    if (self->speed == 0)
        return self->base_ms;
    double wait = (double) (self->row_ts - self->base_ts) / self->speed;
    if (wait > (double) MF_REPLAY_MAX_WAIT_MS)
        wait = (double) MF_REPLAY_MAX_WAIT_MS;
    return self->base_ms + (int64_t) wait;
}

static void
s_replay_count_symbol (mf_t *self, const char *symbol)
{
    if (zhashx_size (self->seen) < MF_REPLAY_MAX_SYMBOLS)
        zhashx_insert (self->seen, symbol, MF_PRESENT);
}

static int
s_on_replay (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    mf_t *self = (mf_t *) arg;
    int64_t now = tw_clock_mono_ms ();
    for (int sent = 0; sent < MF_REPLAY_BATCH; sent++) {
        if (!self->have_row && s_replay_fetch (self) != 0)
            return 0;
        int64_t due = s_replay_due (self);
        if (due > now) {
            s_replay_arm (self, due - now);
            return 0;
        }
        s_replay_count_symbol (self, self->row.symbol);
        s_publish (self, &self->row);
        self->have_row = false;
    }
    s_replay_arm (self, MF_TIMER_MIN_MS);
    return 0;
}

static int
s_setup_replay (mf_t *self)
{
    tw_config_t *config = self->config;
    self->speed = tw_config_double (config, "feed", "replay_speed");
    if (!isfinite (self->speed) || self->speed < 0) {
        tw_error ("replay_speed must be a number >= 0 (0 = as fast as possible), got %g",
                  self->speed);
        return -1;
    }
    self->loop_replay = tw_config_bool (config, "feed", "replay_loop");
    char err[TW_TEXT_MAX + PATH_MAX];
    self->replay = mf_replay_open (tw_config_str (config, "feed", "replay_file"), err, sizeof err);
    if (!self->replay) {
        tw_error ("%s", err);
        return -1;
    }
    self->seen = zhashx_new ();
    return 0;
}

//  ---------------------------------------------------------------------
//  Fyers source.

static void
s_on_fyers_tick (const tw_tick_t *tick, void *arg)
{
    s_publish ((mf_t *) arg, tick);
}

//  Every symbol the gateway holds a position in gets prices too.
static void
s_on_clone (tw_clone_t *clone, const tw_msg_t *msg, void *arg)
{
    (void) msg;
    mf_t *self = (mf_t *) arg;
    zhashx_t *positions = tw_clone_positions (clone);
    for (const tw_position_t *pos = (const tw_position_t *) zhashx_first (positions); pos;
         pos = (const tw_position_t *) zhashx_next (positions))
        mf_fyers_want (self->fyers, pos->symbol);
}

static int
s_setup_fyers (mf_t *self)
{
    tw_config_t *config = self->config;
    self->fyers = mf_fyers_new (config, self->loop, s_on_fyers_tick, self);
    if (!self->fyers)
        return -1;
    self->clone =
        tw_clone_new (tw_config_str (config, "endpoints", "gateway_pub"),
                      tw_config_str (config, "endpoints", "gateway_rep"), s_on_clone, self);
    if (!self->clone || tw_clone_attach (self->clone, self->loop) != 0) {
        tw_error ("fyers source: cannot follow the gateway's positions");
        return -1;
    }
    return 0;
}

//  ---------------------------------------------------------------------
//  The actor.

static int
s_setup (mf_t *self)
{
    tw_config_t *config = self->config;
    const char *source = tw_config_str (config, "feed", "source");
    //  The source first: a bad source or file is the one error worth a line.
    //  The fyers source needs the loop, so it comes after it.
    self->use_fyers = streq (source, MF_SOURCE_FYERS);
    self->source = tw_source_parse (source); //  the config allows only the three names
    int rc = self->use_fyers                    ? 0
             : streq (source, MF_SOURCE_REPLAY) ? s_setup_replay (self)
                                                : s_setup_synthetic (self);
    if (rc != 0)
        return -1;

    self->pub = tw_sock_pub_new (tw_config_str (config, "endpoints", "feed_pub"));
    if (!self->pub)
        return -1;
    self->control = tw_control_new (tw_config_str (config, "endpoints", "feed_control"),
                                    tw_service_name (self->service),
                                    tw_service_started_ms (self->service), s_counters, self);
    if (!self->control)
        return -1;

    self->loop = zloop_new ();
    //  The actor stops on $TERM only, so that it can finish cleanly.
    zloop_set_nonstop (self->loop, true);
    zloop_reader (self->loop, self->pipe, tw_service_on_pipe, NULL);
    if (tw_control_attach (self->control, self->loop) != 0)
        return -1;
    if (self->use_fyers)
        return s_setup_fyers (self);
    if (self->synthetic)
        zloop_timer (self->loop, (size_t) tw_config_int (config, "feed", "tick_interval_ms"), 0,
                     s_on_synthetic, self);
    else
        s_replay_arm (self, MF_TIMER_MIN_MS);
    return 0;
}

static void
s_teardown (mf_t *self)
{
    //  The loop first: the source and the clone have readers on it.
    zloop_destroy (&self->loop);
    mf_fyers_destroy (&self->fyers);
    tw_clone_destroy (&self->clone);
    tw_control_destroy (&self->control);
    zsock_destroy (&self->pub);
    mf_synthetic_destroy (&self->synthetic);
    mf_replay_destroy (&self->replay);
    zhashx_destroy (&self->seen);
}

void
mf_actor (zsock_t *pipe, void *args)
{
    mf_t self;
    memset (&self, 0, sizeof self);
    self.service = (tw_service_t *) args;
    self.config = tw_service_config (self.service);
    self.pipe = pipe;
    if (s_setup (&self) != 0) {
        s_teardown (&self);
        zsock_signal (pipe, 1);
        return;
    }
    zsock_signal (pipe, 0);
    tw_config_t *config = self.config;
    if (self.fyers)
        tw_info ("publishing source=fyers socket=%s symbols=%zu mode=%s",
                 tw_config_str (config, "fyers", "data_socket_url"),
                 mf_fyers_symbol_count (self.fyers), tw_config_str (config, "fyers", "data_mode"));
    else if (self.synthetic)
        tw_info ("publishing source=synthetic symbols=%zu seed=%" PRId64
                 " tick_interval_ms=%" PRId64,
                 mf_synthetic_count (self.synthetic), tw_config_int (config, "feed", "seed"),
                 tw_config_int (config, "feed", "tick_interval_ms"));
    else
        tw_info ("publishing source=replay file=%s speed=%g loop=%s", mf_replay_path (self.replay),
                 self.speed, self.loop_replay ? "true" : "false");
    //  Said here too, so that the feed's own log explains a live account's
    //  refusals (docs/design.md §1).
    if (tw_source_is_simulated (self.source)
        && streq (tw_config_str (config, "gateway", "broker"), "fyers"))
        tw_warn ("publishing %s ticks while [gateway] broker is fyers: the risk-monitor and the "
                 "signal-engine refuse them unless their allow_simulated_feed is true",
                 tw_source_name (self.source));
    zloop_start (self.loop);
    tw_info ("feed stopped published=%" PRId64, self.published);
    s_teardown (&self);
}
