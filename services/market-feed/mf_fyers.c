//  mf_fyers - see mf_fyers.h.

#include "mf_fyers.h"
#include "mf_fyers_token.h"
#include "mf_fyers_ws.h"
#include "mf_hsm.h"
#include "tw_clock.h"
#include "tw_control.h"
#include "tw_log.h"

#include <stdlib.h>
#include <string.h>

//  How often the source looks for symbols to (re)resolve.
#define MF_FYERS_TIMER_MS 1000
#define MF_FYERS_LOG_MS 5000
#define MF_FYERS_MODE_LITE "lite"

typedef enum {
    S_PENDING, //  to be asked
    S_ASKED,   //  with the resolver
    S_LIVE,    //  topic known and subscribed
    S_UNKNOWN  //  Fyers does not know it
} s_state_t;

typedef struct {
    char symbol[TW_SYMBOL_MAX];
    char topic[MF_HSM_NAME_MAX];
    s_state_t state;
    int64_t since_ms;     //  subscribed (monotonic)
    int64_t last_tick_ms; //  0 = none yet
} s_sym_t;

struct _mf_fyers_t {
    zloop_t *loop;
    mf_fyers_tick_fn *fn;
    void *arg;
    mf_fyers_token_t *resolver;
    mf_fyers_ws_t *ws;
    zhashx_t *symbols; //  symbol -> s_sym_t (owned)
    zhashx_t *topics;  //  topic -> s_sym_t (borrowed)
    int64_t retry_at_ms;
    int timer_id;
    mf_fyers_ws_stats_t stats;
    int64_t unknown;
    tw_log_limit_t resolve_log;
};

static void
s_sym_free (void **item)
{
    free (*item);
    *item = NULL;
}

//  Sends every pending symbol to the resolver.
static void
s_ask (mf_fyers_t *self)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "RESOLVE");
    for (s_sym_t *sym = (s_sym_t *) zhashx_first (self->symbols); sym;
         sym = (s_sym_t *) zhashx_next (self->symbols))
        if (sym->state == S_PENDING) {
            zmsg_addstr (msg, sym->symbol);
            sym->state = S_ASKED;
        }
    if (zmsg_size (msg) > 1)
        zmsg_send (&msg, mf_fyers_token_socket (self->resolver));
    zmsg_destroy (&msg);
}

void
mf_fyers_want (mf_fyers_t *self, const char *symbol)
{
    if (!*symbol || strlen (symbol) >= TW_SYMBOL_MAX || zhashx_lookup (self->symbols, symbol))
        return;
    s_sym_t *sym = (s_sym_t *) zmalloc (sizeof (s_sym_t));
    snprintf (sym->symbol, sizeof sym->symbol, "%s", symbol);
    zhashx_insert (self->symbols, symbol, sym);
    tw_info ("fyers source: adding %s", symbol);
    s_ask (self);
}

size_t
mf_fyers_symbol_count (mf_fyers_t *self)
{
    return zhashx_size (self->symbols);
}

void
mf_fyers_counters (mf_fyers_t *self, tw_pong_t *pong)
{
    int64_t now = tw_clock_mono_ms (), oldest = 0;
    for (s_sym_t *sym = (s_sym_t *) zhashx_first (self->symbols); sym;
         sym = (s_sym_t *) zhashx_next (self->symbols))
        if (sym->state == S_LIVE) {
            int64_t age = now - (sym->last_tick_ms ? sym->last_tick_ms : sym->since_ms);
            if (age > oldest)
                oldest = age;
        }
    tw_control_counter (pong, "connected", self->stats.connected ? 1 : 0);
    tw_control_counter (pong, "reconnects", self->stats.reconnects);
    tw_control_counter (pong, "frames", self->stats.frames);
    tw_control_counter (pong, "frames_malformed", self->stats.malformed);
    tw_control_counter (pong, "auth_refused", self->stats.auth_refused);
    tw_control_counter (pong, "symbols_unknown", self->unknown);
    tw_control_counter (pong, "oldest_tick_age_ms", oldest);
}

//  ---------------------------------------------------------------------
//  Loop handlers.

static void
s_on_topics (mf_fyers_t *self, zmsg_t *msg)
{
    size_t count = 0;
    const char **fresh = (const char **) malloc ((zmsg_size (msg) / 2 + 1) * sizeof (char *));
    char *symbol, *topic;
    while (fresh && (symbol = zmsg_popstr (msg)) != NULL) {
        topic = zmsg_popstr (msg);
        s_sym_t *sym = (s_sym_t *) zhashx_lookup (self->symbols, symbol);
        if (sym && topic && sym->state == S_ASKED && strlen (topic) < sizeof sym->topic) {
            snprintf (sym->topic, sizeof sym->topic, "%s", topic);
            sym->state = S_LIVE;
            sym->since_ms = tw_clock_mono_ms ();
            zhashx_update (self->topics, sym->topic, sym);
            fresh[count++] = sym->topic;
            tw_debug ("fyers source: %s is %s", symbol, topic);
        }
        zstr_free (&symbol);
        zstr_free (&topic);
    }
    if (count > 0 && mf_fyers_ws_subscribe (self->ws, fresh, count) != 0)
        tw_error ("fyers source: cannot hand %zu topics to the socket thread", count);
    free (fresh);
}

static int
s_on_resolver (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    mf_fyers_t *self = (mf_fyers_t *) arg;
    zmsg_t *msg = zmsg_recv (reader);
    if (!msg)
        return 0;
    char *command = zmsg_popstr (msg);
    if (command && streq (command, "TOPICS"))
        s_on_topics (self, msg);
    else if (command && (streq (command, "INVALID") || streq (command, "FAILED"))) {
        bool failed = streq (command, "FAILED");
        char *reason = failed ? zmsg_popstr (msg) : NULL;
        char *symbol;
        size_t count = 0;
        while ((symbol = zmsg_popstr (msg)) != NULL) {
            s_sym_t *sym = (s_sym_t *) zhashx_lookup (self->symbols, symbol);
            if (sym && sym->state == S_ASKED) {
                sym->state = failed ? S_PENDING : S_UNKNOWN;
                if (!failed) {
                    self->unknown++;
                    tw_warn ("fyers source: Fyers does not know symbol %s: no prices for it",
                             symbol);
                }
            }
            count++;
            zstr_free (&symbol);
        }
        if (failed) {
            self->retry_at_ms = tw_clock_mono_ms () + MF_FYERS_RETRY_MS;
            tw_log_limited (&self->resolve_log, TW_LOG_WARN,
                            "fyers source: resolving %zu symbols failed (%s); retrying in %d ms",
                            count, reason ? reason : "?", MF_FYERS_RETRY_MS);
        }
        zstr_free (&reason);
    }
    zstr_free (&command);
    zmsg_destroy (&msg);
    return 0;
}

static int
s_on_ws (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    (void) reader;
    mf_fyers_t *self = (mf_fyers_t *) arg;
    mf_fyers_quote_t quote;
    mf_fyers_ws_stats_t stats;
    int kind = mf_fyers_ws_recv (self->ws, &quote, &stats);
    if (kind == 'S')
        self->stats = stats;
    if (kind != 'Q')
        return 0;
    s_sym_t *sym = (s_sym_t *) zhashx_lookup (self->topics, quote.topic);
    if (!sym || !(quote.ltp > 0))
        return 0;
    sym->last_tick_ms = tw_clock_mono_ms ();
    tw_tick_t tick;
    memset (&tick, 0, sizeof tick);
    snprintf (tick.symbol, sizeof tick.symbol, "%s", sym->symbol);
    tick.ltp = quote.ltp;
    tick.bid = quote.bid > 0 ? quote.bid : 0;
    tick.ask = quote.ask > 0 ? quote.ask : 0;
    tick.volume = quote.volume > 0 ? quote.volume : 0;
    self->fn (&tick, self->arg);
    return 0;
}

static int
s_on_timer (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    mf_fyers_t *self = (mf_fyers_t *) arg;
    if (self->retry_at_ms && tw_clock_mono_ms () >= self->retry_at_ms) {
        self->retry_at_ms = 0;
        s_ask (self);
    }
    return 0;
}

//  ---------------------------------------------------------------------
//  Start and stop.

//  The resolver's arguments: URL, Authorization header, timeout.
static int
s_resolver_args (tw_config_t *config, const char *app_id, const char *token,
                 mf_fyers_token_args_t *args)
{
    const char *base = tw_config_str (config, "fyers", "data_base_url");
    size_t base_len = strlen (base);
    while (base_len > 0 && base[base_len - 1] == '/')
        base_len--;
    int n = snprintf (args->url, sizeof args->url, "%.*s/symbol-token", (int) base_len, base);
    int m = snprintf (args->authorization, sizeof args->authorization, "Authorization: %s:%s",
                      app_id, token);
    args->timeout_ms = (long) tw_config_int (config, "fyers", "request_timeout_ms");
    if (n < 0 || (size_t) n >= sizeof args->url || m < 0
        || (size_t) m >= sizeof args->authorization) {
        tw_error ("fyers source: [fyers] data_base_url or the token is too long");
        return -1;
    }
    return 0;
}

mf_fyers_t *
mf_fyers_new (tw_config_t *config, zloop_t *loop, mf_fyers_tick_fn *fn, void *arg)
{
    const char *app_id = getenv (MF_FYERS_ENV_APP_ID);
    const char *token = getenv (MF_FYERS_ENV_TOKEN);
    if (!app_id || !*app_id || !token || !*token) {
        tw_error ("fyers source: set %s and %s in the environment", MF_FYERS_ENV_APP_ID,
                  MF_FYERS_ENV_TOKEN);
        return NULL;
    }
    char hsm_key[MF_HSM_NAME_MAX], err[256];
    if (mf_hsm_key_from_token (token, hsm_key, sizeof hsm_key, err, sizeof err) != 0) {
        tw_error ("fyers source: %s: %s", MF_FYERS_ENV_TOKEN, err);
        return NULL;
    }
    mf_fyers_token_args_t *args = (mf_fyers_token_args_t *) zmalloc (sizeof *args);
    if (s_resolver_args (config, app_id, token, args) != 0) {
        explicit_bzero (args, sizeof *args);
        free (args);
        explicit_bzero (hsm_key, sizeof hsm_key);
        return NULL;
    }
    mf_fyers_t *self = (mf_fyers_t *) zmalloc (sizeof (mf_fyers_t));
    self->loop = loop;
    self->fn = fn;
    self->arg = arg;
    self->resolve_log.interval_ms = MF_FYERS_LOG_MS;
    self->symbols = zhashx_new ();
    zhashx_set_destructor (self->symbols, s_sym_free);
    self->topics = zhashx_new ();
    self->resolver = mf_fyers_token_new (args);
    explicit_bzero (args, sizeof *args);
    free (args);
    mf_fyers_ws_config_t ws_config = {
        .url = tw_config_str (config, "fyers", "data_socket_url"),
        .hsm_key = hsm_key,
        .silence_ms = tw_config_int (config, "fyers", "data_silence_ms"),
        .lite = streq (tw_config_str (config, "fyers", "data_mode"), MF_FYERS_MODE_LITE),
    };
    self->ws = self->resolver ? mf_fyers_ws_new (&ws_config) : NULL;
    explicit_bzero (hsm_key, sizeof hsm_key);
    if (!self->ws
        || zloop_reader (loop, mf_fyers_token_socket (self->resolver), s_on_resolver, self) != 0
        || zloop_reader (loop, mf_fyers_ws_socket (self->ws), s_on_ws, self) != 0) {
        if (!self->resolver)
            tw_error ("fyers source: cannot start the symbol-token thread");
        mf_fyers_destroy (&self);
        return NULL;
    }
    self->timer_id = zloop_timer (loop, MF_FYERS_TIMER_MS, 0, s_on_timer, self);
    //  The configured symbols: "A,B, C" (blanks around names are dropped).
    char *list = strdup (tw_config_str (config, "feed", "symbols"));
    char *save = NULL;
    for (char *name = strtok_r (list, ",", &save); name; name = strtok_r (NULL, ",", &save)) {
        while (*name == ' ' || *name == '\t')
            name++;
        size_t len = strlen (name);
        while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
            name[--len] = 0;
        mf_fyers_want (self, name);
    }
    free (list);
    return self;
}

void
mf_fyers_destroy (mf_fyers_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mf_fyers_t *self = *self_p;
    *self_p = NULL;
    mf_fyers_ws_destroy (&self->ws);
    mf_fyers_token_destroy (&self->resolver);
    zhashx_destroy (&self->topics);
    zhashx_destroy (&self->symbols);
    free (self);
}
