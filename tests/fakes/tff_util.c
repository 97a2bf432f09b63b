//  tff_util - see tff_util.h.

#include "tff_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *tff_binary;
fake_fyers_t *tff_fake;

typedef struct {
    char *data;
    size_t len;
} buffer_t;

static size_t
s_collect (char *ptr, size_t size, size_t nmemb, void *userdata)
{
    buffer_t *buffer = userdata;
    size_t n = size * nmemb;
    char *grown = realloc (buffer->data, buffer->len + n + 1);
    if (!grown)
        return 0;
    memcpy (grown + buffer->len, ptr, n);
    buffer->data = grown;
    buffer->len += n;
    buffer->data[buffer->len] = 0;
    return n;
}

double
tff_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1000.0 + (double) ts.tv_nsec / 1e6;
}

//  One Fyers API call as the gateway would make it (docs/fyers.md §1): path is
//  relative to the base URL, e.g. "/positions".
reply_t
tff_call_ex (const char *method, const char *path, const char *body, bool auth, long timeout_ms)
{
    char url[256];
    snprintf (url, sizeof url, "%s%s", fake_fyers_base_url (tff_fake), path);
    buffer_t body_buf = {0}, head_buf = {0};
    struct curl_slist *headers = NULL;
    if (auth)
        headers = curl_slist_append (headers, AUTH_HEADER);
    headers = curl_slist_append (headers, "Content-Type: application/json");
    headers = curl_slist_append (headers, "version: 3");
    CURL *curl = curl_easy_init ();
    ck_assert_ptr_nonnull (curl);
    curl_easy_setopt (curl, CURLOPT_URL, url);
    curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, method);
    if (body)
        curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, s_collect);
    curl_easy_setopt (curl, CURLOPT_WRITEDATA, &body_buf);
    curl_easy_setopt (curl, CURLOPT_HEADERFUNCTION, s_collect);
    curl_easy_setopt (curl, CURLOPT_HEADERDATA, &head_buf);
    curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
    curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    double start = tff_now_ms ();
    reply_t reply = {.rc = curl_easy_perform (curl)};
    reply.elapsed_ms = tff_now_ms () - start;
    if (reply.rc == CURLE_OK)
        curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &reply.status);
    reply.body = body_buf.data ? body_buf.data : strdup ("");
    reply.headers = head_buf.data ? head_buf.data : strdup ("");
    curl_slist_free_all (headers);
    curl_easy_cleanup (curl);
    return reply;
}

reply_t
tff_call (const char *method, const char *path, const char *body)
{
    return tff_call_ex (method, path, body, true, CALL_TIMEOUT_MS);
}

void
tff_reply_free (reply_t *reply)
{
    free (reply->body);
    free (reply->headers);
}

//  The integer field key of a JSON object body; fails the test if absent.
long
tff_json_int (const char *body, const char *key)
{
    cJSON *json = cJSON_Parse (body);
    ck_assert_msg (json != NULL, "not JSON: %s", body);
    cJSON *field = cJSON_GetObjectItem (json, key);
    ck_assert_msg (cJSON_IsNumber (field), "no number %s in %s", key, body);
    long value = (long) field->valuedouble;
    cJSON_Delete (json);
    return value;
}

char *
tff_json_str (const char *body, const char *key)
{
    cJSON *json = cJSON_Parse (body);
    ck_assert_msg (json != NULL, "not JSON: %s", body);
    const char *value = cJSON_GetStringValue (cJSON_GetObjectItem (json, key));
    ck_assert_msg (value != NULL, "no string %s in %s", key, body);
    char *copy = strdup (value);
    cJSON_Delete (json);
    return copy;
}

//  netQty of the position as GET /positions shows it; -999 when absent.
long
tff_net_qty (const char *position_id)
{
    reply_t reply = tff_call ("GET", "/positions", NULL);
    ck_assert_int_eq (reply.status, 200);
    cJSON *json = cJSON_Parse (reply.body);
    ck_assert_ptr_nonnull (json);
    long net = -999;
    const cJSON *item;
    cJSON_ArrayForEach (item, cJSON_GetObjectItem (json, "netPositions"))
        if (strcmp (cJSON_GetStringValue (cJSON_GetObjectItem (item, "id")), position_id) == 0)
            net = (long) cJSON_GetNumberValue (cJSON_GetObjectItem (item, "netQty"));
    cJSON_Delete (json);
    tff_reply_free (&reply);
    return net;
}

void
tff_setup (void)
{
    tff_fake = fake_fyers_start (tff_binary, APP_ID, TOKEN);
    ck_assert_msg (tff_fake != NULL, "cannot start %s", tff_binary);
}

void
tff_teardown (void)
{
    if (tff_fake)
        ck_assert_int_eq (fake_fyers_stop (&tff_fake), 0);
}
