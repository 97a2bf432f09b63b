//  mf_fyers_token - see mf_fyers_token.h.

#include "mf_fyers_token.h"
#include "mf_hsm.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <pthread.h>
#include <string.h>

//  An answer longer than this is not a symbol-token answer.
#define MF_FYERS_TOKEN_BODY_MAX (4 * 1024 * 1024)

typedef struct {
    char *data;
    size_t len;
    bool too_long;
} s_body_t;

static size_t
s_on_body (char *ptr, size_t size, size_t nmemb, void *arg)
{
    s_body_t *body = (s_body_t *) arg;
    size_t n = size * nmemb;
    if (body->len + n > MF_FYERS_TOKEN_BODY_MAX) {
        body->too_long = true;
        return 0;
    }
    char *grown = (char *) realloc (body->data, body->len + n + 1);
    if (!grown)
        return 0;
    body->data = grown;
    memcpy (body->data + body->len, ptr, n);
    body->len += n;
    body->data[body->len] = 0;
    return n;
}

static void
s_failed (zsock_t *pipe, const char *reason, char **symbols, size_t count)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "FAILED");
    zmsg_addstr (msg, reason);
    for (size_t i = 0; i < count; i++)
        zmsg_addstr (msg, symbols[i]);
    zmsg_send (&msg, pipe);
}

//  Reads the answer: TOPICS and INVALID messages, or -1 with reason set.
static int
s_answer (zsock_t *pipe, const char *text, char **symbols, size_t count, char *reason,
          size_t reason_size)
{
    cJSON *root = cJSON_Parse (text);
    const cJSON *status = cJSON_GetObjectItemCaseSensitive (root, "s");
    const cJSON *valid = cJSON_GetObjectItemCaseSensitive (root, "validSymbol");
    if (!root || !cJSON_IsString (status) || strcmp (status->valuestring, "ok") != 0
        || (valid && !cJSON_IsObject (valid))) {
        const cJSON *message = cJSON_GetObjectItemCaseSensitive (root, "message");
        snprintf (reason, reason_size, "symbol-token answered %s%s",
                  cJSON_IsString (message) ? "with an error: " : "something unreadable",
                  cJSON_IsString (message) ? message->valuestring : "");
        cJSON_Delete (root);
        return -1;
    }
    zmsg_t *topics = zmsg_new ();
    zmsg_t *invalid = zmsg_new ();
    zmsg_addstr (topics, "TOPICS");
    zmsg_addstr (invalid, "INVALID");
    //  Every symbol we asked for is answered one way or the other, whatever
    //  the server put in invalidSymbol.
    for (size_t i = 0; i < count; i++) {
        const cJSON *token = valid ? cJSON_GetObjectItemCaseSensitive (valid, symbols[i]) : NULL;
        char topic[MF_HSM_NAME_MAX];
        //  fyToken is a string, or a number in some answers.
        char number[32];
        const char *fytoken = cJSON_GetStringValue (token);
        if (!fytoken && cJSON_IsNumber (token)) {
            snprintf (number, sizeof number, "%.0f", token->valuedouble);
            fytoken = number;
        }
        if (fytoken && mf_hsm_topic_for (fytoken, topic, sizeof topic) == 0) {
            zmsg_addstr (topics, symbols[i]);
            zmsg_addstr (topics, topic);
        }
        else
            zmsg_addstr (invalid, symbols[i]);
    }
    cJSON_Delete (root);
    if (zmsg_size (topics) > 1)
        zmsg_send (&topics, pipe);
    if (zmsg_size (invalid) > 1)
        zmsg_send (&invalid, pipe);
    zmsg_destroy (&topics);
    zmsg_destroy (&invalid);
    return 0;
}

static void
s_resolve (zsock_t *pipe, CURL *curl, struct curl_slist *headers, const mf_fyers_token_args_t *args,
           char **symbols, size_t count)
{
    cJSON *request = cJSON_CreateObject ();
    cJSON *list = cJSON_AddArrayToObject (request, "symbols");
    for (size_t i = 0; i < count; i++)
        cJSON_AddItemToArray (list, cJSON_CreateString (symbols[i]));
    char *json = cJSON_PrintUnformatted (request);
    cJSON_Delete (request);
    s_body_t body = {0};
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt (curl, CURLOPT_URL, args->url);
    curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt (curl, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE, (long) strlen (json));
    curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, s_on_body);
    curl_easy_setopt (curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT_MS, args->timeout_ms);
    curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, args->timeout_ms);
    curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform (curl);
    //  The handle is kept for the next request: forget the buffers on this
    //  stack before they go.
    curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt (curl, CURLOPT_WRITEDATA, NULL);
    curl_easy_setopt (curl, CURLOPT_POSTFIELDS, NULL);
    free (json);
    char reason[512];
    long status = 0;
    curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK)
        snprintf (reason, sizeof reason, "symbol-token request failed: %s",
                  body.too_long ? "answer too long"
                  : errbuf[0]   ? errbuf
                                : curl_easy_strerror (rc));
    //  Fyers answers errors with a JSON body whatever the status: read it.
    if (rc != CURLE_OK || !body.data
        || s_answer (pipe, body.data, symbols, count, reason, sizeof reason) != 0) {
        if (rc == CURLE_OK && !body.data)
            snprintf (reason, sizeof reason, "symbol-token answered HTTP %ld without a body",
                      status);
        s_failed (pipe, reason, symbols, count);
    }
    free (body.data);
}

struct _mf_fyers_token_t {
    zsock_t *owner_end;
    zsock_t *thread_end;
    pthread_t thread;
    bool started;
    mf_fyers_token_args_t args;
};

static void *
s_thread (void *arg)
{
    mf_fyers_token_t *self = (mf_fyers_token_t *) arg;
    zsock_t *pipe = self->thread_end;
    CURL *curl = curl_easy_init ();
    struct curl_slist *headers = NULL;
    headers = curl_slist_append (headers, self->args.authorization);
    headers = curl_slist_append (headers, "Content-Type: application/json");
    headers = curl_slist_append (headers, "version: 3");
    explicit_bzero (self->args.authorization, sizeof self->args.authorization);
    while (curl && headers) {
        zmsg_t *msg = zmsg_recv (pipe);
        if (!msg)
            break;
        char *command = zmsg_popstr (msg);
        bool term = !command || streq (command, "$TERM");
        if (!term && streq (command, "RESOLVE")) {
            char *chunk[MF_FYERS_TOKEN_CHUNK];
            size_t count = 0;
            while (true) {
                char *symbol = zmsg_popstr (msg);
                if (symbol)
                    chunk[count++] = symbol;
                if (count == MF_FYERS_TOKEN_CHUNK || (!symbol && count > 0)) {
                    s_resolve (pipe, curl, headers, &self->args, chunk, count);
                    for (size_t i = 0; i < count; i++)
                        zstr_free (&chunk[i]);
                    count = 0;
                }
                if (!symbol)
                    break;
            }
        }
        zstr_free (&command);
        zmsg_destroy (&msg);
        if (term)
            break;
    }
    //  The headers hold the token: wipe them before they are freed.
    for (struct curl_slist *h = headers; h; h = h->next)
        explicit_bzero (h->data, strlen (h->data));
    curl_slist_free_all (headers);
    if (curl)
        curl_easy_cleanup (curl);
    return NULL;
}

mf_fyers_token_t *
mf_fyers_token_new (const mf_fyers_token_args_t *args)
{
    mf_fyers_token_t *self = (mf_fyers_token_t *) zmalloc (sizeof (mf_fyers_token_t));
    self->args = *args;
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "inproc://mf-fyers-token-%p", (void *) self);
    self->owner_end = zsock_new (ZMQ_PAIR);
    self->thread_end = zsock_new (ZMQ_PAIR);
    if (!self->owner_end || !self->thread_end || zsock_bind (self->owner_end, "%s", endpoint) != 0
        || zsock_connect (self->thread_end, "%s", endpoint) != 0
        || pthread_create (&self->thread, NULL, s_thread, self) != 0) {
        mf_fyers_token_destroy (&self);
        return NULL;
    }
    self->started = true;
    return self;
}

void
mf_fyers_token_destroy (mf_fyers_token_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mf_fyers_token_t *self = *self_p;
    *self_p = NULL;
    if (self->started) {
        zstr_send (self->owner_end, "$TERM");
        pthread_join (self->thread, NULL);
    }
    zsock_destroy (&self->thread_end);
    zsock_destroy (&self->owner_end);
    explicit_bzero (&self->args, sizeof self->args);
    free (self);
}

zsock_t *
mf_fyers_token_socket (mf_fyers_token_t *self)
{
    return self->owner_end;
}
