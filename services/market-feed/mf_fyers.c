//  mf_fyers - see mf_fyers.h.

#include "mf_fyers.h"
#include "mf_fyers_token.h"
#include "mf_fyers_ws.h"
#include "mf_hsm.h"
#include "tw_clock.h"
#include "tw_control.h"
#include "tw_log.h"
#include "tw_service.h"
#include "tw_token.h"

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
    tw_token_t *token; //  the access token, checked for a new one on the timer
    char app_id[128];
    char data_base_url[1000]; //  without a trailing '/'
    char socket_url[1024];
    char ca_file[1024]; //  [fyers] data_ca_file
    long timeout_ms;
    int64_t silence_ms;
    bool lite;
    int64_t token_check_at_ms;
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
    if (!self->resolver)
        return; //  between tokens: asked when the threads start again
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
    tw_control_healthy (pong, self->stats.connected);
    tw_control_counter (pong, "reconnects", self->stats.reconnects);
    tw_control_counter (pong, "frames", self->stats.frames);
    tw_control_counter (pong, "frames_malformed", self->stats.malformed);
    tw_control_counter (pong, "auth_refused", self->stats.auth_refused);
    tw_control_counter (pong, "quotes_dropped", self->stats.quotes_dropped);
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

//  ---------------------------------------------------------------------
//  Start and stop.

//  Stops the resolver and the socket thread, if running. Symbols being
//  resolved go back to be asked again; subscribed ones keep their topics.
static void
s_stop_threads (mf_fyers_t *self)
{
    if (self->resolver)
        zloop_reader_end (self->loop, mf_fyers_token_socket (self->resolver));
    if (self->ws)
        zloop_reader_end (self->loop, mf_fyers_ws_socket (self->ws));
    mf_fyers_ws_destroy (&self->ws);
    mf_fyers_token_destroy (&self->resolver);
    for (s_sym_t *sym = (s_sym_t *) zhashx_first (self->symbols); sym;
         sym = (s_sym_t *) zhashx_next (self->symbols))
        if (sym->state == S_ASKED)
            sym->state = S_PENDING;
}

//  Starts the resolver and the socket thread with the current token and
//  hands the socket every topic already known. Returns 0, or -1 logged.
static int
s_start_threads (mf_fyers_t *self)
{
    const char *token = tw_token_value (self->token);
    const char *hsm_key = tw_token_claims (self->token)->hsm_key;
    if (!*hsm_key) {
        tw_error ("fyers source: %s: the access token's payload has no hsm_key",
                  tw_token_source (self->token));
        return -1;
    }
    mf_fyers_token_args_t *args = (mf_fyers_token_args_t *) zmalloc (sizeof *args);
    int n = snprintf (args->url, sizeof args->url, "%s/symbol-token", self->data_base_url);
    int m = snprintf (args->authorization, sizeof args->authorization, "Authorization: %s:%s",
                      self->app_id, token);
    args->timeout_ms = self->timeout_ms;
    if (n < 0 || (size_t) n >= sizeof args->url || m < 0
        || (size_t) m >= sizeof args->authorization) {
        tw_error ("fyers source: [fyers] data_base_url or the token is too long");
        explicit_bzero (args, sizeof *args);
        free (args);
        return -1;
    }
    self->resolver = mf_fyers_token_new (args);
    explicit_bzero (args, sizeof *args);
    free (args);
    mf_fyers_ws_config_t ws_config = {
        .url = self->socket_url,
        .ca_file = self->ca_file,
        .hsm_key = hsm_key,
        .silence_ms = self->silence_ms,
        .lite = self->lite,
    };
    self->ws = self->resolver ? mf_fyers_ws_new (&ws_config) : NULL;
    if (!self->ws
        || zloop_reader (self->loop, mf_fyers_token_socket (self->resolver), s_on_resolver, self)
               != 0
        || zloop_reader (self->loop, mf_fyers_ws_socket (self->ws), s_on_ws, self) != 0) {
        if (!self->resolver)
            tw_error ("fyers source: cannot start the symbol-token thread");
        s_stop_threads (self);
        return -1;
    }
    //  A restart (a new token) keeps the topics it knows.
    size_t count = 0;
    const char **topics =
        (const char **) malloc ((zhashx_size (self->symbols) + 1) * sizeof (char *));
    for (s_sym_t *sym = (s_sym_t *) zhashx_first (self->symbols); topics && sym;
         sym = (s_sym_t *) zhashx_next (self->symbols))
        if (sym->state == S_LIVE)
            topics[count++] = sym->topic;
    if (count > 0 && mf_fyers_ws_subscribe (self->ws, topics, count) != 0)
        tw_error ("fyers source: cannot hand %zu topics to the socket thread", count);
    free (topics);
    s_ask (self);
    return 0;
}

//  Looks at the token file; on a new token, restarts both threads with it
//  (the daily login needs no restart of the feed).
static void
s_check_token (mf_fyers_t *self)
{
    char err[512];
    int rc = tw_token_check (self->token, err, sizeof err);
    if (rc < 0)
        tw_warn ("fyers source: %s; keeping the current token", err);
    if (rc != 1)
        return;
    char fingerprint[16], expiry[TW_TOKEN_TIME_MAX];
    tw_token_fingerprint (self->token, fingerprint, sizeof fingerprint);
    tw_token_format_ist (tw_token_claims (self->token)->exp, expiry, sizeof expiry);
    tw_info ("fyers source: new access token from %s (fingerprint %s, expires %s): "
             "reconnecting",
             tw_token_source (self->token), fingerprint, expiry);
    s_stop_threads (self);
    if (s_start_threads (self) != 0)
        tw_error ("fyers source: cannot restart with the new token; no prices until the next");
}

static int
s_on_timer (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    mf_fyers_t *self = (mf_fyers_t *) arg;
    if (tw_clock_mono_ms () >= self->token_check_at_ms) {
        self->token_check_at_ms = tw_clock_mono_ms () + MF_FYERS_TOKEN_CHECK_MS;
        s_check_token (self);
    }
    if (self->retry_at_ms && tw_clock_mono_ms () >= self->retry_at_ms) {
        self->retry_at_ms = 0;
        s_ask (self);
    }
    return 0;
}

//  Copies a configuration string into a fixed field; false when too long.
static bool
s_copy (char *field, size_t size, const char *value)
{
    int n = snprintf (field, size, "%s", value);
    return n >= 0 && (size_t) n < size;
}

mf_fyers_t *
mf_fyers_new (tw_config_t *config, zloop_t *loop, mf_fyers_tick_fn *fn, void *arg)
{
    const char *app_id = getenv (MF_FYERS_ENV_APP_ID);
    if (!app_id || !*app_id) {
        tw_error ("fyers source: set %s and %s in the environment, or %s and the token file "
                  "`tradectl login` writes ([fyers] token_file)",
                  MF_FYERS_ENV_APP_ID, MF_FYERS_ENV_TOKEN, MF_FYERS_ENV_APP_ID);
        tw_service_config_error ();
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
    self->token = tw_token_new (config);
    const char *base = tw_config_str (config, "fyers", "data_base_url");
    size_t base_len = strlen (base);
    while (base_len > 0 && base[base_len - 1] == '/')
        base_len--;
    self->timeout_ms = (long) tw_config_int (config, "fyers", "request_timeout_ms");
    self->silence_ms = tw_config_int (config, "fyers", "data_silence_ms");
    self->lite = streq (tw_config_str (config, "fyers", "data_mode"), MF_FYERS_MODE_LITE);
    char err[512];
    if (base_len >= sizeof self->data_base_url
        || !s_copy (self->app_id, sizeof self->app_id, app_id)
        || !s_copy (self->socket_url, sizeof self->socket_url,
                    tw_config_str (config, "fyers", "data_socket_url"))
        || !s_copy (self->ca_file, sizeof self->ca_file,
                    tw_config_str (config, "fyers", "data_ca_file"))) {
        tw_error ("fyers source: FYERS_APP_ID, [fyers] data_base_url, data_socket_url or "
                  "data_ca_file is too long");
        mf_fyers_destroy (&self);
        return NULL;
    }
    memcpy (self->data_base_url, base, base_len);
    if (tw_token_check (self->token, err, sizeof err) < 0 || !tw_token_value (self->token)) {
        tw_error ("fyers source: %s", err);
        mf_fyers_destroy (&self);
        return NULL;
    }
    if (s_start_threads (self) != 0) {
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
    tw_token_destroy (&self->token);
    zhashx_destroy (&self->topics);
    zhashx_destroy (&self->symbols);
    free (self);
}
