//  gw_fyers - see gw_fyers.h. The actor: a zloop serving the pipe, the curl
//  sockets (one zloop poller per socket curl asks us to watch, set up in
//  s_on_curl_socket), two one-shot timers: curl's own timeout
//  (s_on_curl_timeout) and the pacing timer that re-checks the rate limiter
//  while calls are queued (s_on_pace), and the token timer (s_on_token) that
//  picks up a new access token between transfers.

#include "gw_fyers.h"
#include "gw_ratelimit.h"
#include "tw_clock.h"
#include "tw_log.h"
#include "tw_service.h"
#include "tw_token.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

//  Idle easy handles kept for reuse.
#define GW_FYERS_POOL_MAX 8

//  Header values we keep from a reply (the Retry-After pair).
#define GW_FYERS_HEADER_VALUE_MAX 64

#define GW_FYERS_ENV_APP_ID "FYERS_APP_ID"

//  How often the token file is looked at (one stat) for a new token.
#define GW_FYERS_TOKEN_CHECK_MS 1000

//  What replaces the token should it ever appear in an error text.
#define GW_FYERS_REDACTED "<redacted>"

//  Room for a host name read from base_url (DNS names have at most 253).
#define GW_FYERS_HOST_MAX 256

//  Room for the refusal of gw_fyers_check_rates (it quotes base_url).
#define GW_FYERS_REFUSAL_MAX 1024

struct _gw_fyers_t {
    char *base_url;             //  without a trailing slash
    char *data_base_url;        //  [fyers] data_base_url, without a trailing slash
    char *ca_file;              //  [fyers] data_ca_file: the CAs trusted alone; NULL: the system's
    long timeout_ms;            //  connect and total, per transfer
    char *app_id;               //  FYERS_APP_ID, for the Authorization header
    tw_token_t *source;         //  the access token (tw_token.h)
    char *token;                //  kept only to scrub it from error texts
    char fingerprint[16];       //  of the token, for the logs
    struct curl_slist *headers; //  shared by every transfer
    int64_t warn_lead_s;        //  warn this long before the token's exp
    bool warned;                //  the expiry warning was logged for this token
    bool auth_failed;           //  the broker refused this token: calls are held
    gw_ratelimit_t *limiter;
    CURLM *multi;

    //  Actor state.
    zsock_t *pipe;
    zloop_t *loop;
    zlistx_t *urgent;    //  queued exits: sent before anything else
    zlistx_t *normal;    //  other queued calls
    zlistx_t *transfers; //  s_transfer_t * in flight
    CURL *pool[GW_FYERS_POOL_MAX];
    size_t pool_size;
    int pace_timer;  //  zloop timer id, 0 when none
    int curl_timer;  //  zloop timer id of curl's timeout, 0 when none
    int token_timer; //  zloop timer id of the token check
    bool stopped;    //  GW_BROKER_STOP received: calls are dropped
};

typedef struct {
    gw_call_t *call;
    CURL *easy;
    char *url;
    char *request; //  the JSON body, or NULL
    char *reply;   //  the reply body as received
    size_t reply_size;
    size_t reply_capacity;
    char x_retry_after_ms[GW_FYERS_HEADER_VALUE_MAX];
    char retry_after[GW_FYERS_HEADER_VALUE_MAX];
    int64_t started_ms;
    char errbuf[CURL_ERROR_SIZE];
} s_transfer_t;

static pthread_once_t s_curl_once = PTHREAD_ONCE_INIT;
static CURLcode s_curl_init_rc = CURLE_FAILED_INIT;

static void
s_curl_global_init (void)
{
    s_curl_init_rc = curl_global_init (CURL_GLOBAL_DEFAULT);
}

//  True when value can travel inside an HTTP header line.
static bool
s_header_safe (const char *value)
{
    for (const char *p = value; *p; p++)
        if (*p == '\r' || *p == '\n')
            return false;
    return true;
}

//  The part of url after "<scheme>://", or url itself when it has no scheme
//  (a "://" later in the URL does not count).
static const char *
s_after_scheme (const char *url)
{
    const char *p = url;
    if (!isalpha ((unsigned char) *p))
        return url;
    while (isalnum ((unsigned char) *p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    return strncmp (p, "://", 3) == 0 ? p + 3 : url;
}

//  Copies the host of url into host, in lower case and without a trailing
//  dot: the authority runs to the first '/', '?' or '#'; user info ends at
//  its last '@'; a port follows a ':' (an IPv6 literal is in brackets).
//  Returns 0, or -1 when there is no plain host to read (empty, too long,
//  characters a host name does not have, such as '%').
static int
s_url_host (const char *url, char *host, size_t host_size)
{
    const char *begin = s_after_scheme (url);
    const char *end = begin + strcspn (begin, "/?#");
    for (const char *p = begin; p < end; p++)
        if (*p == '@')
            begin = p + 1;
    bool literal = *begin == '[';
    if (literal) {
        const char *close = memchr (begin, ']', (size_t) (end - begin));
        if (!close)
            return -1;
        begin++;
        end = close;
    }
    else {
        const char *colon = memchr (begin, ':', (size_t) (end - begin));
        if (colon)
            end = colon;
    }
    size_t len = (size_t) (end - begin);
    if (len == 0 || len >= host_size)
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) begin[i];
        if (!isalnum (c) && c != '.' && c != '-' && c != '_' && !(literal && c == ':'))
            return -1;
        host[i] = (char) tolower (c);
    }
    while (len > 0 && host[len - 1] == '.')
        len--;
    host[len] = 0;
    return len > 0 ? 0 : -1;
}

bool
gw_fyers_is_real_host (const char *base_url)
{
    char host[GW_FYERS_HOST_MAX];
    if (!base_url || s_url_host (base_url, host, sizeof host) != 0)
        return true;
    size_t len = strlen (host);
    size_t domain_len = strlen (GW_FYERS_REAL_DOMAIN);
    return len >= domain_len && streq (host + len - domain_len, GW_FYERS_REAL_DOMAIN);
}

int
gw_fyers_check_rates (const char *base_url, int64_t per_sec, int64_t per_min, char *err,
                      size_t err_size)
{
    if (per_sec <= GW_FYERS_LIMIT_PER_SEC && per_min <= GW_FYERS_LIMIT_PER_MIN)
        return 0;
    if (!gw_fyers_is_real_host (base_url))
        return 0;
    snprintf (err, err_size,
              "fyers broker refused: rate_per_sec=%lld rate_per_min=%lld exceed Fyers' limits "
              "(%d/s, %d/min) and base_url=%s is a Fyers host (*%s); rates above the limits "
              "are for a local fake only (3 per-minute breaches a day block the account)",
              (long long) per_sec, (long long) per_min, GW_FYERS_LIMIT_PER_SEC,
              GW_FYERS_LIMIT_PER_MIN, base_url ? base_url : "", GW_FYERS_REAL_DOMAIN);
    return -1;
}

//  Builds the Authorization header, the scrub string and the fingerprint
//  from the current token. Returns 0, or -1 (nothing changed) when the token
//  cannot go into a header or memory runs out. Only between transfers: curl
//  reads the header list while a transfer is in flight.
static int
s_use_token (gw_fyers_t *self)
{
    const char *token = tw_token_value (self->source);
    if (!token || !s_header_safe (token)) {
        tw_error ("fyers broker: the access token from %s is empty or contains a line break",
                  tw_token_source (self->source));
        return -1;
    }
    char *authorization = zsys_sprintf ("Authorization: %s:%s", self->app_id, token);
    struct curl_slist *headers = NULL;
    const char *lines[] = {authorization, "Content-Type: application/json", "version: 3",
                           "Accept: application/json", "Expect:"};
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        struct curl_slist *more = authorization ? curl_slist_append (headers, lines[i]) : NULL;
        if (!more) {
            curl_slist_free_all (headers);
            headers = NULL;
            break;
        }
        headers = more;
    }
    if (authorization) {
        //  Wipe our copy; curl keeps its own in the list.
        memset (authorization, 0, strlen (authorization));
        zstr_free (&authorization);
    }
    char *copy = strdup (token);
    if (!headers || !copy) {
        curl_slist_free_all (headers);
        free (copy);
        return -1;
    }
    curl_slist_free_all (self->headers);
    self->headers = headers;
    if (self->token) {
        memset (self->token, 0, strlen (self->token));
        free (self->token);
    }
    self->token = copy;
    tw_log_fingerprint (token, self->fingerprint, sizeof self->fingerprint);
    self->warned = false;
    return 0;
}

//  A heap copy of url without its trailing slashes (NULL on OOM).
static char *
s_url_base (const char *url)
{
    char *copy = strdup (url);
    size_t len = copy ? strlen (copy) : 0;
    while (len > 0 && copy[len - 1] == '/')
        copy[--len] = 0;
    return copy;
}

gw_fyers_t *
gw_fyers_new (tw_config_t *config)
{
    const char *app_id = getenv (GW_FYERS_ENV_APP_ID);
    if (!app_id || !*app_id) {
        tw_error ("fyers broker: set %s in the environment", GW_FYERS_ENV_APP_ID);
        tw_service_config_error ();
        return NULL;
    }
    if (!s_header_safe (app_id)) {
        tw_error ("fyers credentials contain a line break");
        return NULL;
    }
    const char *base_url = tw_config_str (config, "fyers", "base_url");
    if (!*base_url) {
        tw_error ("fyers broker needs [fyers] base_url");
        return NULL;
    }
    int64_t per_sec = tw_config_int (config, "fyers", "rate_per_sec");
    int64_t per_min = tw_config_int (config, "fyers", "rate_per_min");
    char refused[GW_FYERS_REFUSAL_MAX];
    if (gw_fyers_check_rates (base_url, per_sec, per_min, refused, sizeof refused) != 0) {
        tw_error ("%s", refused);
        return NULL;
    }
    pthread_once (&s_curl_once, s_curl_global_init);
    if (s_curl_init_rc != CURLE_OK) {
        tw_error ("curl_global_init failed: %s", curl_easy_strerror (s_curl_init_rc));
        return NULL;
    }
    gw_fyers_t *self = (gw_fyers_t *) zmalloc (sizeof *self);
    assert (self);
    self->source = tw_token_new (config);
    char err[512];
    if (tw_token_check (self->source, err, sizeof err) < 0 || !tw_token_value (self->source)) {
        tw_error ("fyers broker needs an access token (%s, else [fyers] token_file): %s",
                  TW_TOKEN_ENV, err);
        tw_service_config_error ();
        gw_fyers_destroy (&self);
        return NULL;
    }
    //  The same CAs as the WebSockets': a file that cannot be read would fail
    //  every call, so it is a configuration error now.
    const char *ca_file = tw_config_str (config, "fyers", "data_ca_file");
    if (*ca_file && access (ca_file, R_OK) != 0) {
        tw_error ("fyers broker: [fyers] data_ca_file '%s' cannot be read: %s", ca_file,
                  strerror (errno));
        tw_service_config_error ();
        gw_fyers_destroy (&self);
        return NULL;
    }
    if (*ca_file) {
        self->ca_file = strdup (ca_file);
        assert (self->ca_file);
    }
    self->base_url = s_url_base (base_url);
    self->data_base_url = s_url_base (tw_config_str (config, "fyers", "data_base_url"));
    self->app_id = strdup (app_id);
    assert (self->base_url && self->data_base_url && self->app_id);
    self->timeout_ms = (long) tw_config_int (config, "fyers", "request_timeout_ms");
    self->warn_lead_s = tw_config_int (config, "gateway", "token_warn_min") * 60;
    self->limiter = gw_ratelimit_new ((int) per_sec, (int) per_min);
    self->multi = curl_multi_init ();
    if (s_use_token (self) != 0 || !self->limiter || !self->multi || self->timeout_ms <= 0) {
        tw_error ("cannot set up the fyers broker (token, rate limits, timeout or memory)");
        gw_fyers_destroy (&self);
        return NULL;
    }
    char expiry[TW_TOKEN_TIME_MAX];
    tw_token_format_ist (tw_token_claims (self->source)->exp, expiry, sizeof expiry);
    tw_info ("fyers broker base_url=%s data_base_url=%s ca=%s timeout_ms=%ld rate_per_sec=%lld "
             "rate_per_min=%lld token=%s from=%s expires=%s",
             self->base_url, self->data_base_url, self->ca_file ? self->ca_file : "system",
             self->timeout_ms, (long long) per_sec, (long long) per_min, self->fingerprint,
             tw_token_source (self->source), expiry);
    return self;
}

void
gw_fyers_destroy (gw_fyers_t **self_p)
{
    assert (self_p);
    gw_fyers_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->pool_size; i++)
        curl_easy_cleanup (self->pool[i]);
    if (self->multi)
        curl_multi_cleanup (self->multi);
    curl_slist_free_all (self->headers);
    gw_ratelimit_destroy (&self->limiter);
    if (self->token) {
        memset (self->token, 0, strlen (self->token));
        free (self->token);
    }
    tw_token_destroy (&self->source);
    free (self->app_id);
    free (self->base_url);
    free (self->data_base_url);
    free (self->ca_file);
    free (self);
    *self_p = NULL;
}

//  --------------------------------------------------------------------------
//  Transfers

static size_t
s_on_body (char *data, size_t size, size_t count, void *arg)
{
    s_transfer_t *transfer = (s_transfer_t *) arg;
    size_t bytes = size * count;
    if (transfer->reply_size + bytes > GW_FYERS_REPLY_MAX)
        return 0; //  curl fails the transfer with CURLE_WRITE_ERROR
    if (transfer->reply_size + bytes + 1 > transfer->reply_capacity) {
        size_t capacity = (transfer->reply_size + bytes + 1) * 2;
        char *reply = (char *) realloc (transfer->reply, capacity);
        if (!reply)
            return 0;
        transfer->reply = reply;
        transfer->reply_capacity = capacity;
    }
    memcpy (transfer->reply + transfer->reply_size, data, bytes);
    transfer->reply_size += bytes;
    transfer->reply[transfer->reply_size] = 0;
    return bytes;
}

//  Copies the value of header line into value when its name is name.
static void
s_header_value (const char *line, size_t len, const char *name, char *value, size_t size)
{
    size_t name_len = strlen (name);
    if (len <= name_len || strncasecmp (line, name, name_len) != 0 || line[name_len] != ':')
        return;
    const char *start = line + name_len + 1;
    const char *end = line + len;
    while (start < end && (*start == ' ' || *start == '\t'))
        start++;
    while (end > start && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    snprintf (value, size, "%.*s", (int) (end - start), start);
}

static size_t
s_on_header (char *line, size_t size, size_t count, void *arg)
{
    s_transfer_t *transfer = (s_transfer_t *) arg;
    size_t len = size * count;
    //  A new status line (after a 100 Continue, say) starts a new header set.
    if (len >= strlen ("HTTP/") && strncmp (line, "HTTP/", strlen ("HTTP/")) == 0) {
        transfer->x_retry_after_ms[0] = 0;
        transfer->retry_after[0] = 0;
    }
    s_header_value (line, len, "X-Retry-After-Ms", transfer->x_retry_after_ms,
                    sizeof transfer->x_retry_after_ms);
    s_header_value (line, len, "Retry-After", transfer->retry_after, sizeof transfer->retry_after);
    return len;
}

static void
s_transfer_destroy (s_transfer_t **transfer_p)
{
    s_transfer_t *transfer = *transfer_p;
    if (!transfer)
        return;
    free (transfer->url);
    free (transfer->request);
    free (transfer->reply);
    free (transfer);
    *transfer_p = NULL;
}

static CURL *
s_easy_take (gw_fyers_t *self)
{
    if (self->pool_size > 0) {
        CURL *easy = self->pool[--self->pool_size];
        curl_easy_reset (easy);
        return easy;
    }
    return curl_easy_init ();
}

static void
s_easy_give (gw_fyers_t *self, CURL *easy)
{
    if (self->pool_size < GW_FYERS_POOL_MAX)
        self->pool[self->pool_size++] = easy;
    else
        curl_easy_cleanup (easy);
}

//  Replaces every occurrence of the token in text (it should never be there:
//  this is the last line of defence).
static void
s_scrub (gw_fyers_t *self, char *text, size_t size)
{
    size_t token_len = self->token ? strlen (self->token) : 0;
    char *from = text;
    char *hit;
    while (token_len > 0 && (hit = strstr (from, self->token))) {
        char *rest = strdup (hit + token_len);
        assert (rest);
        snprintf (hit, size - (size_t) (hit - text), "%s%s", GW_FYERS_REDACTED, rest);
        free (rest);
        //  Search on after the replacement (which might contain a short token).
        size_t skip = strlen (GW_FYERS_REDACTED);
        if ((size_t) (hit - text) + skip >= strlen (text))
            break;
        from = hit + skip;
    }
}

//  Hands a finished call back to the gateway (or destroys it if the pipe is
//  gone).
static void
s_reply (gw_fyers_t *self, gw_call_t *call)
{
    s_scrub (self, call->error, sizeof call->error);
    //  How the gateway learns when the token ends (its token_expiry event):
    //  every answer says it, so a new token shows at the next one.
    call->token_exp = tw_token_claims (self->source)->exp;
    if (!self->auth_failed && gw_fyers_is_auth_failure (call)) {
        self->auth_failed = true;
        tw_error ("fyers broker: authentication failed (%s) with token=%s from %s: calls are "
                  "held, unsent, until a new token (run `tradectl login`)",
                  call->error, self->fingerprint, tw_token_source (self->source));
    }
    //  A failed market status read is the poll's to warn about, rate-limited
    //  (gw_market_poll.h).
    tw_log_level_t level = call->op == GW_OP_MARKET_STATUS ? TW_LOG_DEBUG
                           : call->outcome == GW_OUT_OK || call->outcome == GW_OUT_PENDING
                               ? (gw_op_writes (call->op) ? TW_LOG_INFO : TW_LOG_DEBUG)
                               : TW_LOG_WARN;
    tw_log (level, "fyers call op=%s call_id=%llu outcome=%s http=%d code=%d latency_ms=%lld%s%s%s",
            gw_op_name (call->op), (unsigned long long) call->call_id,
            gw_outcome_name (call->outcome), call->http_status, call->broker_code,
            (long long) call->latency_ms, call->error[0] ? " error=\"" : "", call->error,
            call->error[0] ? "\"" : "");
    if (zsock_send (self->pipe, "p", call) != 0)
        gw_call_destroy (&call);
}

//  Builds and starts the transfer of call. On failure the call is answered
//  at once.
static void
s_start (gw_fyers_t *self, gw_call_t *call)
{
    s_transfer_t *transfer = (s_transfer_t *) zmalloc (sizeof *transfer);
    assert (transfer);
    transfer->call = call;
    transfer->started_ms = tw_clock_mono_ms ();
    switch (call->op) {
    case GW_OP_EXIT:
    case GW_OP_POSITIONS:
        transfer->url = zsys_sprintf ("%s/positions", self->base_url);
        break;
    case GW_OP_PLACE:
    case GW_OP_CANCEL:
    case GW_OP_MODIFY:
        transfer->url = zsys_sprintf ("%s/orders/sync", self->base_url);
        break;
    case GW_OP_ORDERS:
        transfer->url = zsys_sprintf ("%s/orders", self->base_url);
        break;
    case GW_OP_ORDER_BY_TAG:
        //  The tag is validated alphanumeric: nothing to escape.
        transfer->url = zsys_sprintf ("%s/orders?order_tag=1:%s", self->base_url, call->order_tag);
        break;
    case GW_OP_MARKET_STATUS:
        transfer->url = zsys_sprintf ("%s/marketStatus", self->data_base_url);
        break;
    case GW_OP_NOTICE: //  never asked of a broker: no URL, answered at once
        break;
    }
    transfer->request = gw_fyers_body (call);
    transfer->easy = s_easy_take (self);
    CURL *easy = transfer->easy;
    bool ready = transfer->url && easy && (transfer->request || !gw_op_writes (call->op));
    if (ready) {
        curl_easy_setopt (easy, CURLOPT_URL, transfer->url);
        curl_easy_setopt (easy, CURLOPT_PRIVATE, transfer);
        curl_easy_setopt (easy, CURLOPT_HTTPHEADER, self->headers);
        curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, s_on_body);
        curl_easy_setopt (easy, CURLOPT_WRITEDATA, transfer);
        curl_easy_setopt (easy, CURLOPT_HEADERFUNCTION, s_on_header);
        curl_easy_setopt (easy, CURLOPT_HEADERDATA, transfer);
        curl_easy_setopt (easy, CURLOPT_ERRORBUFFER, transfer->errbuf);
        curl_easy_setopt (easy, CURLOPT_CONNECTTIMEOUT_MS, self->timeout_ms);
        curl_easy_setopt (easy, CURLOPT_TIMEOUT_MS, self->timeout_ms);
        curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt (easy, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt (easy, CURLOPT_SSL_VERIFYHOST, 2L);
        if (self->ca_file) {
            //  That bundle alone: libcurl's default CAPATH (the system's
            //  directory, /etc/ssl/certs on Debian) would be trusted as well
            //  unless set to NULL ("" is not "none": every transfer would
            //  fail, "error setting certificate path").
            curl_easy_setopt (easy, CURLOPT_CAINFO, self->ca_file);
            curl_easy_setopt (easy, CURLOPT_CAPATH, NULL);
        }
        curl_easy_setopt (easy, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt (easy, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt (easy, CURLOPT_TCP_KEEPALIVE, 1L);
        //  A transfer that ends during a slow DNS lookup must not wait for
        //  the resolver thread: that would stall this loop and every call.
        curl_easy_setopt (easy, CURLOPT_QUICK_EXIT, 1L);
        if (transfer->request) {
            //  A write never rides a reused connection: on one that dies before
            //  the reply, curl silently sends the request again, and a second
            //  exit or order is what this whole stack exists to prevent. On a
            //  fresh connection a failure is reported, never retried.
            curl_easy_setopt (easy, CURLOPT_FRESH_CONNECT, 1L);
            curl_easy_setopt (easy, CURLOPT_POSTFIELDS, transfer->request);
            curl_easy_setopt (easy, CURLOPT_POSTFIELDSIZE, (long) strlen (transfer->request));
            if (call->op == GW_OP_EXIT || call->op == GW_OP_CANCEL)
                curl_easy_setopt (easy, CURLOPT_CUSTOMREQUEST, "DELETE");
            else if (call->op == GW_OP_MODIFY)
                curl_easy_setopt (easy, CURLOPT_CUSTOMREQUEST, "PATCH");
        }
        else
            curl_easy_setopt (easy, CURLOPT_HTTPGET, 1L);
        ready = curl_multi_add_handle (self->multi, easy) == CURLM_OK;
    }
    if (!ready) {
        if (easy)
            s_easy_give (self, easy);
        s_transfer_destroy (&transfer);
        //  Nothing was sent.
        call->outcome = GW_OUT_RETRYABLE;
        snprintf (call->error, sizeof call->error, "cannot start the request (out of memory)");
        s_reply (self, call);
        return;
    }
    zlistx_add_end (self->transfers, transfer);
}

//  At debug level, where a finished transfer's time went, by curl's own
//  clocks from its start (microseconds): connected, TLS done (0 over plain
//  HTTP), the request about to leave, the answer's first byte, the end; and
//  how many connections it opened (a write always opens one: s_start).
static void
s_log_timing (const s_transfer_t *transfer)
{
    if (tw_log_get_level () > TW_LOG_DEBUG)
        return;
    curl_off_t connect = 0, tls = 0, sent = 0, first = 0, total = 0;
    long connections = 0;
    curl_easy_getinfo (transfer->easy, CURLINFO_CONNECT_TIME_T, &connect);
    curl_easy_getinfo (transfer->easy, CURLINFO_APPCONNECT_TIME_T, &tls);
    curl_easy_getinfo (transfer->easy, CURLINFO_PRETRANSFER_TIME_T, &sent);
    curl_easy_getinfo (transfer->easy, CURLINFO_STARTTRANSFER_TIME_T, &first);
    curl_easy_getinfo (transfer->easy, CURLINFO_TOTAL_TIME_T, &total);
    curl_easy_getinfo (transfer->easy, CURLINFO_NUM_CONNECTS, &connections);
    tw_debug ("fyers timing op=%s call_id=%llu new_connections=%ld connect_us=%lld tls_us=%lld "
              "sent_us=%lld first_byte_us=%lld total_us=%lld",
              gw_op_name (transfer->call->op), (unsigned long long) transfer->call->call_id,
              connections, (long long) connect, (long long) tls, (long long) sent,
              (long long) first, (long long) total);
}

//  Classifies a finished transfer and answers its call.
static void
s_finish (gw_fyers_t *self, s_transfer_t *transfer, CURLcode rc)
{
    gw_call_t *call = transfer->call;
    long status = 0;
    curl_easy_getinfo (transfer->easy, CURLINFO_RESPONSE_CODE, &status);
    //  curl's own detail says why (a TLS failure: "SSL certificate problem:
    //  unable to get local issuer certificate"), where its code's text does
    //  not; scrubbed of the token first.
    bool detail = rc != CURLE_OK && transfer->errbuf[0];
    if (detail)
        s_scrub (self, transfer->errbuf, sizeof transfer->errbuf);
    gw_fyers_reply_t reply = {
        .curl_code = rc,
        .curl_error = detail           ? transfer->errbuf
                      : rc != CURLE_OK ? curl_easy_strerror (rc)
                                       : NULL,
        .http_status = status,
        .body = transfer->reply,
        .body_size = transfer->reply_size,
        .retry_after_ms = gw_fyers_retry_after_ms (transfer->x_retry_after_ms,
                                                   transfer->retry_after, time (NULL)),
    };
    gw_fyers_classify (call, &reply);
    int64_t now = tw_clock_mono_ms ();
    call->latency_ms = now - transfer->started_ms;
    if (gw_fyers_rate_limited (call)) {
        int64_t wait = gw_ratelimit_on_429 (self->limiter, now, call->retry_after_ms);
        tw_warn ("fyers rate limited: sends blocked for %lld ms", (long long) wait);
    }
    else if (call->http_status > 0)
        gw_ratelimit_on_reply (self->limiter);
    s_log_timing (transfer);

    curl_multi_remove_handle (self->multi, transfer->easy);
    s_easy_give (self, transfer->easy);
    void *handle = zlistx_find (self->transfers, transfer);
    if (handle)
        zlistx_detach (self->transfers, handle);
    s_transfer_destroy (&transfer);
    s_reply (self, call);
}

//  Answers every transfer curl has finished.
static void
s_collect (gw_fyers_t *self)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read (self->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode rc = msg->data.result;
        char *private_data = NULL;
        curl_easy_getinfo (easy, CURLINFO_PRIVATE, &private_data);
        assert (private_data);
        s_finish (self, (s_transfer_t *) private_data, rc);
    }
}

//  --------------------------------------------------------------------------
//  curl <-> zloop

static int
s_on_curl_io (zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    (void) loop;
    gw_fyers_t *self = (gw_fyers_t *) arg;
    int mask = (item->revents & ZMQ_POLLIN ? CURL_CSELECT_IN : 0)
               | (item->revents & ZMQ_POLLOUT ? CURL_CSELECT_OUT : 0)
               | (item->revents & ZMQ_POLLERR ? CURL_CSELECT_ERR : 0);
    int running;
    curl_multi_socket_action (self->multi, item->fd, mask, &running);
    s_collect (self);
    return 0;
}

static int
s_on_curl_socket (CURL *easy, curl_socket_t fd, int what, void *arg, void *socket_arg)
{
    (void) easy;
    (void) socket_arg;
    gw_fyers_t *self = (gw_fyers_t *) arg;
    zmq_pollitem_t item = {NULL, fd, 0, 0};
    //  Ending by fd removes any earlier registration of this descriptor.
    zloop_poller_end (self->loop, &item);
    if (what == CURL_POLL_REMOVE)
        return 0;
    item.events =
        (short) ((what & CURL_POLL_IN ? ZMQ_POLLIN : 0) | (what & CURL_POLL_OUT ? ZMQ_POLLOUT : 0));
    if (zloop_poller (self->loop, &item, s_on_curl_io, self) != 0) {
        tw_error ("fyers: cannot watch a curl socket fd=%d", (int) fd);
        return -1;
    }
    //  Errors on the socket are curl's to report, not zloop's to drop.
    zloop_poller_set_tolerant (self->loop, &item);
    return 0;
}

static int
s_on_curl_timeout (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    gw_fyers_t *self = (gw_fyers_t *) arg;
    if (timer_id != self->curl_timer)
        return 0; //  superseded by a later curl timeout
    self->curl_timer = 0;
    int running;
    curl_multi_socket_action (self->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    s_collect (self);
    return 0;
}

static int
s_on_curl_timer (CURLM *multi, long timeout_ms, void *arg)
{
    (void) multi;
    gw_fyers_t *self = (gw_fyers_t *) arg;
    if (self->curl_timer) {
        zloop_timer_end (self->loop, self->curl_timer);
        self->curl_timer = 0;
    }
    if (timeout_ms >= 0) {
        self->curl_timer =
            zloop_timer (self->loop, (size_t) timeout_ms, 1, s_on_curl_timeout, self);
        if (self->curl_timer < 0) {
            self->curl_timer = 0;
            return -1;
        }
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Queue and pacing

static int s_on_pace (zloop_t *loop, int timer_id, void *arg);

//  Starts queued calls while the limiter allows; otherwise arms the pacing
//  timer for when it will.
static void
s_pump (gw_fyers_t *self)
{
    while (!self->auth_failed && zlistx_size (self->urgent) + zlistx_size (self->normal) > 0) {
        int64_t now = tw_clock_mono_ms ();
        int64_t wait = gw_ratelimit_wait_ms (self->limiter, now);
        if (wait > 0) {
            if (!self->pace_timer) {
                self->pace_timer = zloop_timer (self->loop, (size_t) wait, 1, s_on_pace, self);
                if (self->pace_timer < 0)
                    self->pace_timer = 0;
            }
            return;
        }
        zlistx_t *queue = zlistx_size (self->urgent) ? self->urgent : self->normal;
        gw_call_t *call = (gw_call_t *) zlistx_detach (queue, NULL);
        gw_ratelimit_take (self->limiter, now);
        s_start (self, call);
    }
}

static int
s_on_pace (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    gw_fyers_t *self = (gw_fyers_t *) arg;
    if (timer_id == self->pace_timer) {
        self->pace_timer = 0;
        s_pump (self);
    }
    return 0;
}

//  Looks for a new access token (tw_token_check: one stat) and uses it when
//  no transfer is in flight; a broken file is warned about once and the
//  current token kept. Warns once per token at token_warn_min before its exp.
static int
s_on_token (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    gw_fyers_t *self = (gw_fyers_t *) arg;
    if (zlistx_size (self->transfers) > 0)
        return 0;
    char err[512];
    int rc = tw_token_check (self->source, err, sizeof err);
    if (rc < 0)
        tw_warn ("fyers broker: %s; keeping the current token", err);
    if (rc == 1 && s_use_token (self) == 0) {
        tw_info ("fyers broker: new access token from %s (token=%s)%s",
                 tw_token_source (self->source), self->fingerprint,
                 self->auth_failed ? ": sending the held calls" : "");
        self->auth_failed = false;
        s_pump (self);
    }
    int64_t exp = tw_token_claims (self->source)->exp;
    int64_t now = tw_clock_wall_ns () / 1000000000;
    if (exp > 0 && self->warn_lead_s > 0 && !self->warned && now >= exp - self->warn_lead_s) {
        char expiry[TW_TOKEN_TIME_MAX];
        tw_token_format_ist (exp, expiry, sizeof expiry);
        tw_warn ("fyers broker: the access token (token=%s) expires at %s; opens are refused "
                 "after that: run `tradectl login`",
                 self->fingerprint, expiry);
        self->warned = true;
    }
    return 0;
}

//  Aborts what is in flight and drops what is queued (see gw_fyers.h).
static void
s_drop_all (gw_fyers_t *self)
{
    size_t dropped = zlistx_size (self->urgent) + zlistx_size (self->normal);
    size_t aborted = zlistx_size (self->transfers);
    s_transfer_t *transfer;
    while ((transfer = (s_transfer_t *) zlistx_detach (self->transfers, NULL))) {
        curl_multi_remove_handle (self->multi, transfer->easy);
        s_easy_give (self, transfer->easy);
        gw_call_destroy (&transfer->call);
        s_transfer_destroy (&transfer);
    }
    zlistx_t *queues[] = {self->urgent, self->normal};
    for (size_t i = 0; i < sizeof queues / sizeof *queues; i++) {
        gw_call_t *call;
        while ((call = (gw_call_t *) zlistx_detach (queues[i], NULL)))
            gw_call_destroy (&call);
    }
    if (dropped || aborted)
        tw_info ("fyers broker stopped aborted=%zu dropped=%zu", aborted, dropped);
}

static int
s_on_pipe (zloop_t *loop, zsock_t *pipe, void *arg)
{
    (void) loop;
    gw_fyers_t *self = (gw_fyers_t *) arg;
    gw_call_t *call = NULL;
    gw_pipe_msg_t kind = gw_broker_pipe_recv (pipe, &call);
    if (kind == GW_PIPE_TERM)
        return -1;
    if (kind == GW_PIPE_STOP) {
        s_drop_all (self);
        self->stopped = true;
        zstr_send (pipe, GW_BROKER_STOPPED);
        return 0;
    }
    if (kind != GW_PIPE_CALL)
        return 0;
    if (self->stopped) {
        gw_call_destroy (&call);
        return 0;
    }
    call->outcome = GW_OUT_NONE;
    call->error[0] = 0;
    if (gw_fyers_validate (call, call->error, sizeof call->error) != 0) {
        call->outcome = GW_OUT_FINAL; //  refused before sending
        s_reply (self, call);
        return 0;
    }
    //  An expired token: no new exposure (exits and broker stops still go: the
    //  broker decides).
    if (call->op == GW_OP_PLACE && call->stop_price <= 0
        && tw_token_expired (self->source, tw_clock_wall_ns () / 1000000000)) {
        char expiry[TW_TOKEN_TIME_MAX];
        tw_token_format_ist (tw_token_claims (self->source)->exp, expiry, sizeof expiry);
        snprintf (call->error, sizeof call->error,
                  "token expired: the access token ended at %s; run `tradectl login`", expiry);
        call->outcome = GW_OUT_FINAL;
        s_reply (self, call);
        return 0;
    }
    zlistx_add_end (call->op == GW_OP_EXIT ? self->urgent : self->normal, call);
    s_pump (self);
    return 0;
}

void
gw_fyers_actor (zsock_t *pipe, void *args)
{
    gw_fyers_t *self = (gw_fyers_t *) args;
    gw_broker_block_signals ();

    self->pipe = pipe;
    self->loop = zloop_new ();
    self->urgent = zlistx_new ();
    self->normal = zlistx_new ();
    self->transfers = zlistx_new ();
    assert (self->loop && self->urgent && self->normal && self->transfers);
    zloop_set_nonstop (self->loop, true);
    curl_multi_setopt (self->multi, CURLMOPT_SOCKETFUNCTION, s_on_curl_socket);
    curl_multi_setopt (self->multi, CURLMOPT_SOCKETDATA, self);
    curl_multi_setopt (self->multi, CURLMOPT_TIMERFUNCTION, s_on_curl_timer);
    curl_multi_setopt (self->multi, CURLMOPT_TIMERDATA, self);
    zloop_reader (self->loop, pipe, s_on_pipe, self);
    self->token_timer = zloop_timer (self->loop, GW_FYERS_TOKEN_CHECK_MS, 0, s_on_token, self);
    zsock_signal (pipe, 0);

    zloop_start (self->loop);

    s_drop_all (self);
    //  Detach curl from the loop before either goes away.
    curl_multi_setopt (self->multi, CURLMOPT_SOCKETFUNCTION, NULL);
    curl_multi_setopt (self->multi, CURLMOPT_TIMERFUNCTION, NULL);
    zlistx_destroy (&self->transfers);
    zlistx_destroy (&self->normal);
    zlistx_destroy (&self->urgent);
    zloop_destroy (&self->loop);
    gw_fyers_destroy (&self);
}
