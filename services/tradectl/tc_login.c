//  tc_login - see tc_login.h.

#include "tc_login.h"
#include "tc_args.h"
#include "tc_output.h"

#include "tw_log.h"
#include "tw_token.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define S_ERR_MAX 512
//  The random state: 16 bytes, as 32 hex digits.
#define S_STATE_BYTES 16
#define S_STATE_MAX (2 * S_STATE_BYTES + 1)
//  A pasted URL (or code) longer than this is not one.
#define S_ANSWER_MAX 8192
//  A validate-authcode answer longer than this is not one.
#define S_BODY_MAX (256 * 1024)

//  The parsed command line of login.
typedef struct {
    const char *config_path;
    bool json;
    bool url_only;
    bool help;
    const char *answer; //  the URL or code given as an argument, or NULL
} s_args_t;

//  What one run needs from the configuration and the environment.
typedef struct {
    bool json;
    const char *app_id;
    const char *secret;
    const char *base_url; //  without trailing '/'; owned by config
    size_t base_len;
    const char *redirect_uri;
    const char *token_file;
    char state_file[4096];
    long timeout_ms;
} s_login_t;

//  ---------------------------------------------------------------------
//  The command line.

static bool
s_is_option_with_value (const char *arg)
{
    return strcmp (arg, "-c") == 0 || strcmp (arg, "--config") == 0;
}

bool
tc_login_wanted (int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv[i], "--") == 0)
            return i + 1 < argc && strcmp (argv[i + 1], "login") == 0;
        if (s_is_option_with_value (argv[i])) {
            i++;
            continue;
        }
        if (argv[i][0] == '-')
            continue;
        return strcmp (argv[i], "login") == 0;
    }
    return false;
}

static int
s_parse (int argc, char **argv, s_args_t *args, char *err, size_t err_size)
{
    memset (args, 0, sizeof *args);
    bool command_seen = false, options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!options_done && strcmp (arg, "--") == 0)
            options_done = true;
        else if (!options_done && s_is_option_with_value (arg)) {
            if (i + 1 >= argc || args->config_path) {
                snprintf (err, err_size, "option --config needs one file name");
                return -1;
            }
            args->config_path = argv[++i];
        }
        else if (!options_done && strncmp (arg, "--config=", 9) == 0 && !args->config_path)
            args->config_path = arg + 9;
        else if (!options_done && strcmp (arg, "--json") == 0)
            args->json = true;
        else if (!options_done && strcmp (arg, "--url") == 0)
            args->url_only = true;
        else if (!options_done && (strcmp (arg, "-h") == 0 || strcmp (arg, "--help") == 0))
            args->help = true;
        else if (!options_done && arg[0] == '-' && arg[1]) {
            snprintf (err, err_size, "unknown option '%.64s' for login", arg);
            return -1;
        }
        else if (!command_seen)
            command_seen = true; //  "login" itself (tc_login_wanted)
        else if (!args->answer)
            args->answer = arg;
        else {
            snprintf (err, err_size, "login takes one URL or auth code");
            return -1;
        }
    }
    if (args->url_only && args->answer) {
        snprintf (err, err_size, "login --url takes no URL or auth code");
        return -1;
    }
    if (args->config_path && !*args->config_path) {
        snprintf (err, err_size, "option --config needs a file name");
        return -1;
    }
    return 0;
}

static void
s_usage (FILE *out)
{
    fprintf (out,
             "usage: tradectl [-c FILE] [--json] login [--url | URL | CODE]\n"
             "\n"
             "The daily Fyers login. Without an argument: prints the login URL, then reads\n"
             "the address the browser is sent back to (or the bare auth_code) from standard\n"
             "input. --url only prints the URL; `login URL` or `login CODE` finishes it.\n"
             "Needs FYERS_APP_ID and FYERS_APP_SECRET in the environment and [fyers]\n"
             "redirect_uri (the app's Redirect URL). Writes the access token to [fyers]\n"
             "token_file (mode 0600) and prints its expiry in IST, never the token.\n"
             "\n"
             "Exit codes: 0 logged in (or URL printed), 2 usage, configuration, missing\n"
             "secret or wrong state, 3 Fyers unreachable or its answer unusable, 4 Fyers\n"
             "refused (bad appIdHash, expired or used auth code), 1 token file not written.\n");
}

//  ---------------------------------------------------------------------
//  The state, kept between `login --url` and `login URL`.

static int
s_state_new (char *state, char *err, size_t err_size)
{
    unsigned char bytes[S_STATE_BYTES];
    if (getrandom (bytes, sizeof bytes, 0) != (ssize_t) sizeof bytes) {
        snprintf (err, err_size, "cannot draw a random state: %s", strerror (errno));
        return -1;
    }
    for (size_t i = 0; i < sizeof bytes; i++)
        snprintf (state + 2 * i, 3, "%02x", bytes[i]);
    return 0;
}

//  The state file goes next to the token file: same folder, same 0600.
static int
s_state_save (const s_login_t *login, const char *state, char *err, size_t err_size)
{
    return tw_token_write (login->state_file, state, err, err_size);
}

//  Reads the kept state; -1 when there is none.
static int
s_state_load (const s_login_t *login, char *state)
{
    FILE *file = fopen (login->state_file, "r");
    if (!file)
        return -1;
    char line[S_STATE_MAX + 2] = "";
    bool ok = fgets (line, sizeof line, file) != NULL;
    fclose (file);
    line[strcspn (line, "\r\n")] = 0;
    if (!ok || strlen (line) != S_STATE_MAX - 1)
        return -1;
    memcpy (state, line, S_STATE_MAX);
    return 0;
}

//  ---------------------------------------------------------------------
//  The URL and the answer.

//  The login URL (heap), or NULL when out of memory.
static char *
s_login_url (const s_login_t *login, const char *state)
{
    char *client = curl_easy_escape (NULL, login->app_id, 0);
    char *redirect = curl_easy_escape (NULL, login->redirect_uri, 0);
    char *url = NULL;
    if (client && redirect) {
        size_t size = login->base_len + strlen (client) + strlen (redirect) + strlen (state) + 128;
        url = (char *) malloc (size);
        if (url)
            snprintf (url, size,
                      "%.*s/generate-authcode?client_id=%s&redirect_uri=%s&response_type=code"
                      "&state=%s",
                      (int) login->base_len, login->base_url, client, redirect, state);
    }
    curl_free (client);
    curl_free (redirect);
    return url;
}

//  The value of name in the query of url, decoded (heap), or NULL.
static char *
s_query_value (const char *url, const char *name)
{
    const char *query = strchr (url, '?');
    size_t name_len = strlen (name);
    for (const char *p = query; p && *p;) {
        p++; //  past '?' or '&'
        size_t len = strcspn (p, "&#");
        if (len > name_len && strncmp (p, name, name_len) == 0 && p[name_len] == '=') {
            int out_len = 0;
            char *raw =
                curl_easy_unescape (NULL, p + name_len + 1, (int) (len - name_len - 1), &out_len);
            char *value = raw ? strdup (raw) : NULL;
            curl_free (raw);
            return value;
        }
        p += len;
        if (*p != '&')
            break;
    }
    return NULL;
}

//  Takes the auth code out of the answer (a redirected URL, whose state must
//  match the kept one, or a bare code) into code (heap). Returns an exit code.
static int
s_code_from_answer (const s_login_t *login, const char *answer, char **code)
{
    *code = NULL;
    bool is_url = strstr (answer, "://") || strchr (answer, '?');
    if (!is_url) {
        if (strspn (answer, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
            != strlen (answer)) {
            tc_output_error (login->json, TC_EXIT_USAGE,
                             "that is neither the redirected URL nor an auth code");
            return TC_EXIT_USAGE;
        }
        *code = strdup (answer);
        return *code ? TC_EXIT_OK : TC_EXIT_INTERNAL;
    }
    char *status = s_query_value (answer, "s");
    char *state = s_query_value (answer, "state");
    char *auth_code = s_query_value (answer, "auth_code");
    char kept[S_STATE_MAX];
    int rc = TC_EXIT_OK;
    if (status && strcmp (status, "ok") != 0) {
        char *message = s_query_value (answer, "message");
        tc_output_error (login->json, TC_EXIT_REJECTED,
                         "the Fyers login page answered an error%s%.200s", message ? ": " : "",
                         message ? message : "");
        free (message);
        rc = TC_EXIT_REJECTED;
    }
    else if (s_state_load (login, kept) != 0) {
        tc_output_error (login->json, TC_EXIT_USAGE,
                         "no login under way to check this URL's state against (%s): run "
                         "tradectl login again",
                         login->state_file);
        rc = TC_EXIT_USAGE;
    }
    else if (!state || strcmp (state, kept) != 0) {
        tc_output_error (login->json, TC_EXIT_USAGE,
                         "the URL's state does not match the login tradectl started: it is not "
                         "from this login (an old tab, or someone else's link); run tradectl "
                         "login again");
        rc = TC_EXIT_USAGE;
    }
    else if (!auth_code || !*auth_code) {
        tc_output_error (login->json, TC_EXIT_USAGE, "the URL has no auth_code");
        rc = TC_EXIT_USAGE;
    }
    else {
        *code = auth_code;
        auth_code = NULL;
    }
    free (status);
    free (state);
    if (auth_code)
        explicit_bzero (auth_code, strlen (auth_code));
    free (auth_code);
    return rc;
}

//  Reads one line from standard input, trimmed, into answer.
static int
s_read_answer (const s_login_t *login, char *answer, size_t size)
{
    if (!fgets (answer, (int) size, stdin)) {
        tc_output_error (login->json, TC_EXIT_USAGE,
                         "no redirected URL or auth code on standard input; finish with "
                         "tradectl login '<URL>'");
        return TC_EXIT_USAGE;
    }
    answer[strcspn (answer, "\r\n")] = 0;
    char *start = answer + strspn (answer, " \t");
    size_t len = strlen (start);
    while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t'))
        len--;
    memmove (answer, start, len);
    answer[len] = 0;
    if (len == 0) {
        tc_output_error (login->json, TC_EXIT_USAGE, "an empty line is not an auth code");
        return TC_EXIT_USAGE;
    }
    return TC_EXIT_OK;
}

//  ---------------------------------------------------------------------
//  validate-authcode.

typedef struct {
    char *data;
    size_t len;
} s_body_t;

static size_t
s_on_body (char *ptr, size_t size, size_t nmemb, void *arg)
{
    s_body_t *body = (s_body_t *) arg;
    size_t n = size * nmemb;
    if (body->len + n > S_BODY_MAX)
        return 0;
    char *grown = (char *) realloc (body->data, body->len + n + 1);
    if (!grown)
        return 0;
    body->data = grown;
    memcpy (body->data + body->len, ptr, n);
    body->len += n;
    body->data[body->len] = 0;
    return n;
}

//  appIdHash: lowercase hex SHA-256 of "APP_ID:SECRET" (docs/fyers.md §1).
static int
s_app_id_hash (const char *app_id, const char *secret, char *hex)
{
    size_t len = strlen (app_id) + strlen (secret) + 2;
    char *text = (char *) malloc (len);
    if (!text)
        return -1;
    snprintf (text, len, "%s:%s", app_id, secret);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    int rc = EVP_Digest (text, strlen (text), md, &md_len, EVP_sha256 (), NULL) == 1 ? 0 : -1;
    explicit_bzero (text, len);
    free (text);
    for (unsigned int i = 0; rc == 0 && i < md_len; i++)
        snprintf (hex + 2 * i, 3, "%02x", md[i]);
    explicit_bzero (md, sizeof md);
    return rc;
}

//  Reads Fyers' answer: the access token (heap) into token, or an exit code.
static int
s_read_reply (const s_login_t *login, const char *body, long http, char **token)
{
    cJSON *root = body ? cJSON_Parse (body) : NULL;
    const char *s = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (root, "s"));
    const cJSON *code = cJSON_GetObjectItemCaseSensitive (root, "code");
    const char *message = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (root, "message"));
    const char *access =
        cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (root, "access_token"));
    int number = cJSON_IsNumber (code) ? code->valueint : 0;
    int rc = TC_EXIT_OK;
    if (!cJSON_IsObject (root) || !s) {
        tc_output_error (login->json, TC_EXIT_NO_REPLY,
                         "validate-authcode answered HTTP %ld with something unreadable", http);
        rc = TC_EXIT_NO_REPLY;
    }
    else if (strcmp (s, "ok") == 0 && access && *access)
        *token = strdup (access);
    else if (strcmp (s, "ok") == 0) {
        tc_output_error (login->json, TC_EXIT_NO_REPLY, "validate-authcode answered no token");
        rc = TC_EXIT_NO_REPLY;
    }
    else if (number == -371) {
        tc_output_error (login->json, TC_EXIT_REJECTED,
                         "Fyers refused the appIdHash (-371%s%.200s): check %s and %s",
                         message ? ": " : "", message ? message : "", TC_LOGIN_ENV_APP_ID,
                         TC_LOGIN_ENV_SECRET);
        rc = TC_EXIT_REJECTED;
    }
    else {
        tc_output_error (login->json, TC_EXIT_REJECTED,
                         "Fyers refused the auth code (%d%s%.200s): a code works once and for a "
                         "few minutes only; log in again",
                         number, message ? ": " : "", message ? message : "");
        rc = TC_EXIT_REJECTED;
    }
    cJSON_Delete (root);
    if (rc == TC_EXIT_OK && !*token)
        rc = TC_EXIT_INTERNAL;
    return rc;
}

//  POSTs validate-authcode; on success *token is the access token (heap).
static int
s_validate (const s_login_t *login, const char *code, char **token)
{
    char hash[2 * EVP_MAX_MD_SIZE + 1];
    if (s_app_id_hash (login->app_id, login->secret, hash) != 0) {
        tc_output_error (login->json, TC_EXIT_INTERNAL, "cannot compute the appIdHash");
        return TC_EXIT_INTERNAL;
    }
    cJSON *request = cJSON_CreateObject ();
    cJSON_AddStringToObject (request, "grant_type", "authorization_code");
    cJSON_AddStringToObject (request, "appIdHash", hash);
    cJSON_AddStringToObject (request, "code", code);
    char *json = cJSON_PrintUnformatted (request);
    cJSON_Delete (request);
    explicit_bzero (hash, sizeof hash);
    size_t url_size = login->base_len + 32;
    char *url = (char *) malloc (url_size);
    CURL *curl = curl_easy_init ();
    if (!json || !url || !curl) {
        free (json);
        free (url);
        if (curl)
            curl_easy_cleanup (curl);
        tc_output_error (login->json, TC_EXIT_INTERNAL, "out of memory");
        return TC_EXIT_INTERNAL;
    }
    snprintf (url, url_size, "%.*s/validate-authcode", (int) login->base_len, login->base_url);
    struct curl_slist *headers = curl_slist_append (NULL, "Content-Type: application/json");
    headers = curl_slist_append (headers, "version: 3");
    s_body_t body = {0};
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt (curl, CURLOPT_URL, url);
    curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt (curl, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, s_on_body);
    curl_easy_setopt (curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT_MS, login->timeout_ms);
    curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, login->timeout_ms);
    curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform (curl);
    long http = 0;
    curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &http);
    int code_rc;
    if (rc != CURLE_OK) {
        tc_output_error (login->json, TC_EXIT_NO_REPLY, "cannot reach Fyers at %s: %s", url,
                         errbuf[0] ? errbuf : curl_easy_strerror (rc));
        code_rc = TC_EXIT_NO_REPLY;
    }
    else
        code_rc = s_read_reply (login, body.data, http, token);
    explicit_bzero (json, strlen (json));
    if (body.data)
        explicit_bzero (body.data, body.len);
    free (json);
    free (body.data);
    free (url);
    curl_slist_free_all (headers);
    curl_easy_cleanup (curl);
    return code_rc;
}

//  ---------------------------------------------------------------------
//  The run.

//  Stores the token and reports. Returns an exit code.
static int
s_finish (const s_login_t *login, const char *token)
{
    tw_token_claims_t claims;
    char err[S_ERR_MAX];
    if (tw_token_decode (token, &claims, err, sizeof err) != 0) {
        tc_output_error (login->json, TC_EXIT_NO_REPLY, "Fyers answered an unusable token: %s",
                         err);
        return TC_EXIT_NO_REPLY;
    }
    if (tw_token_write (login->token_file, token, err, sizeof err) != 0) {
        tc_output_error (login->json, TC_EXIT_INTERNAL, "%s", err);
        return TC_EXIT_INTERNAL;
    }
    unlink (login->state_file);
    char fingerprint[16], when[TW_TOKEN_TIME_MAX];
    tw_log_fingerprint (token, fingerprint, sizeof fingerprint);
    tw_token_format_ist (claims.exp, when, sizeof when);
    const char *env = getenv (TW_TOKEN_ENV);
    bool shadowed = env && *env;
    if (login->json) {
        cJSON *doc = cJSON_CreateObject ();
        cJSON_AddStringToObject (doc, "type", "login");
        cJSON_AddStringToObject (doc, "token_file", login->token_file);
        cJSON_AddStringToObject (doc, "fingerprint", fingerprint);
        cJSON_AddNumberToObject (doc, "expires_at", (double) claims.exp);
        cJSON_AddStringToObject (doc, "expires_ist", claims.exp ? when : "");
        cJSON_AddBoolToObject (doc, "env_overrides", shadowed);
        char *text = cJSON_PrintUnformatted (doc);
        cJSON_Delete (doc);
        if (text)
            printf ("%s\n", text);
        free (text);
    }
    else {
        printf ("logged in: token saved to %s (fingerprint %s)\n", login->token_file, fingerprint);
        printf ("expires %s\n", claims.exp ? when : "at a time the token does not say");
        if (shadowed)
            printf ("note: %s is set in this environment and wins over the file in any service "
                    "started from it\n",
                    TW_TOKEN_ENV);
    }
    explicit_bzero (&claims, sizeof claims);
    return fflush (stdout) == 0 ? TC_EXIT_OK : TC_EXIT_INTERNAL;
}

//  Fills login from config and the environment. Returns an exit code.
static int
s_prepare (tw_config_t *config, bool json, s_login_t *login)
{
    memset (login, 0, sizeof *login);
    login->json = json;
    login->app_id = getenv (TC_LOGIN_ENV_APP_ID);
    login->secret = getenv (TC_LOGIN_ENV_SECRET);
    login->base_url = tw_config_str (config, "fyers", "base_url");
    login->base_len = strlen (login->base_url);
    while (login->base_len > 0 && login->base_url[login->base_len - 1] == '/')
        login->base_len--;
    login->redirect_uri = tw_config_str (config, "fyers", "redirect_uri");
    login->token_file = tw_config_str (config, "fyers", "token_file");
    login->timeout_ms = (long) tw_config_int (config, "fyers", "request_timeout_ms");
    int n = snprintf (login->state_file, sizeof login->state_file, "%s%s", login->token_file,
                      TC_LOGIN_STATE_SUFFIX);
    if (!login->app_id || !*login->app_id)
        tc_output_error (json, TC_EXIT_USAGE,
                         "set %s in the environment (the app's App ID, "
                         "e.g. XA1234-100)",
                         TC_LOGIN_ENV_APP_ID);
    else if (!login->secret || !*login->secret)
        tc_output_error (json, TC_EXIT_USAGE, "set %s in the environment (the app's Secret ID)",
                         TC_LOGIN_ENV_SECRET);
    else if (!*login->redirect_uri)
        tc_output_error (json, TC_EXIT_USAGE,
                         "set [fyers] redirect_uri to the Redirect URL of your Fyers app");
    else if (!*login->token_file || n < 0 || (size_t) n >= sizeof login->state_file)
        tc_output_error (json, TC_EXIT_USAGE, "[fyers] token_file is empty or too long");
    else if (login->base_len == 0)
        tc_output_error (json, TC_EXIT_USAGE, "[fyers] base_url is empty");
    else
        return TC_EXIT_OK;
    return TC_EXIT_USAGE;
}

//  Prints the login URL (on stderr in --json mode: stdout is the document)
//  and keeps its state.
static int
s_start (const s_login_t *login)
{
    char state[S_STATE_MAX], err[S_ERR_MAX];
    if (s_state_new (state, err, sizeof err) != 0 || s_state_save (login, state, err, sizeof err)) {
        tc_output_error (login->json, TC_EXIT_INTERNAL, "%s", err);
        return TC_EXIT_INTERNAL;
    }
    char *url = s_login_url (login, state);
    if (!url) {
        tc_output_error (login->json, TC_EXIT_INTERNAL, "out of memory");
        return TC_EXIT_INTERNAL;
    }
    FILE *out = login->json ? stderr : stdout;
    fprintf (out, "Open this URL in a browser and log in to Fyers:\n\n  %s\n\n", url);
    fprintf (out, "Then paste the address the browser is sent back to (or its auth_code), "
                  "or run: tradectl login '<that address>'\n");
    free (url);
    return fflush (out) == 0 ? TC_EXIT_OK : TC_EXIT_INTERNAL;
}

static int
s_run (const s_args_t *args, tw_config_t *config)
{
    s_login_t login;
    int rc = s_prepare (config, args->json, &login);
    if (rc != TC_EXIT_OK)
        return rc;
    char answer[S_ANSWER_MAX];
    if (!args->answer) {
        rc = s_start (&login);
        if (rc != TC_EXIT_OK || args->url_only)
            return rc;
        rc = s_read_answer (&login, answer, sizeof answer);
    }
    else if (strlen (args->answer) >= sizeof answer) {
        tc_output_error (args->json, TC_EXIT_USAGE, "that is too long for a URL or an auth code");
        rc = TC_EXIT_USAGE;
    }
    else
        snprintf (answer, sizeof answer, "%s", args->answer);
    char *code = NULL, *token = NULL;
    if (rc == TC_EXIT_OK)
        rc = s_code_from_answer (&login, answer, &code);
    explicit_bzero (answer, sizeof answer);
    if (rc == TC_EXIT_OK)
        rc = s_validate (&login, code, &token);
    if (rc == TC_EXIT_OK)
        rc = s_finish (&login, token);
    if (code)
        explicit_bzero (code, strlen (code));
    if (token)
        explicit_bzero (token, strlen (token));
    free (code);
    free (token);
    return rc;
}

int
tc_login_main (int argc, char **argv)
{
    s_args_t args;
    char err[S_ERR_MAX];
    if (s_parse (argc, argv, &args, err, sizeof err) != 0) {
        tc_output_error (tc_args_wants_json (argc, argv), TC_EXIT_USAGE,
                         "%s (see tradectl login --help)", err);
        return TC_EXIT_USAGE;
    }
    if (args.help) {
        s_usage (stdout);
        return fflush (stdout) == 0 ? TC_EXIT_OK : TC_EXIT_INTERNAL;
    }
    tw_config_t *config = tw_config_load (args.config_path, err, sizeof err);
    if (!config) {
        tc_output_error (args.json, TC_EXIT_USAGE, "%s", err);
        return TC_EXIT_USAGE;
    }
    curl_global_init (CURL_GLOBAL_DEFAULT);
    int rc = s_run (&args, config);
    curl_global_cleanup ();
    tw_config_destroy (&config);
    return rc;
}

//  ---------------------------------------------------------------------
//  status.

void
tc_login_token_status (tw_config_t *config, FILE *out)
{
    //  Only where Fyers is in use: a paper-only setup has no token to show.
    const char *env = getenv (TW_TOKEN_ENV);
    struct stat st;
    if (strcmp (tw_config_str (config, "gateway", "broker"), "fyers") != 0
        && strcmp (tw_config_str (config, "feed", "source"), "fyers") != 0 && !(env && *env)
        && stat (tw_config_str (config, "fyers", "token_file"), &st) != 0)
        return;
    tw_token_t *token = tw_token_new (config);
    char err[S_ERR_MAX] = "";
    int rc = tw_token_check (token, err, sizeof err);
    if (rc < 0 || !tw_token_value (token)) {
        fprintf (out, "token: none (%s)\n", err[0] ? err : "nothing to read");
        tw_token_destroy (&token);
        return;
    }
    int64_t exp = tw_token_claims (token)->exp;
    int64_t now = (int64_t) time (NULL);
    char when[TW_TOKEN_TIME_MAX];
    tw_token_format_ist (exp, when, sizeof when);
    if (exp == 0)
        fprintf (out, "token: no expiry in it, from %s\n", tw_token_source (token));
    else if (tw_token_expired (token, now))
        fprintf (out, "token: EXPIRED at %s, from %s: run tradectl login\n", when,
                 tw_token_source (token));
    else
        fprintf (out, "token: expires %s (in %lldh %02lldm), from %s\n", when,
                 (long long) ((exp - now) / 3600), (long long) ((exp - now) % 3600 / 60),
                 tw_token_source (token));
    tw_token_destroy (&token);
}
