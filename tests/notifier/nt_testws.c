//  nt_testws - see nt_testws.h.

#include "nt_testws.h"
#include "tw_clock.h"

#include <check.h>
#include <czmq.h>
#include <stdlib.h>
#include <string.h>

const char *
nt_testws_str (cJSON *doc, const char *key)
{
    cJSON *item = cJSON_GetObjectItemCaseSensitive (doc, key);
    return cJSON_IsString (item) ? item->valuestring : "(none)";
}

cJSON *
nt_testws_expect (tw_wsclient_t *client, const char *type, int timeout_ms)
{
    int64_t deadline = tw_clock_mono_ms () + timeout_ms;
    while (true) {
        int64_t left = deadline - tw_clock_mono_ms ();
        ck_assert_msg (left > 0, "no %s frame within %d ms", type, timeout_ms);
        char *text = NULL;
        int rc = tw_wsclient_recv (client, (int) left, &text, NULL);
        ck_assert_msg (rc >= 0, "connection closed while waiting for %s", type);
        if (rc == 0)
            continue;
        cJSON *doc = cJSON_Parse (text);
        ck_assert_msg (cJSON_IsObject (doc), "not a JSON object: %s", text);
        ck_assert_msg (cJSON_IsNumber (cJSON_GetObjectItemCaseSensitive (doc, "seq")), "no seq: %s",
                       text);
        free (text);
        if (streq (nt_testws_str (doc, "type"), type))
            return doc;
        cJSON_Delete (doc);
    }
}

cJSON *
nt_testws_expect_warning (tw_wsclient_t *client, const char *name, int timeout_ms)
{
    for (int64_t deadline = tw_clock_mono_ms () + timeout_ms;;) {
        int64_t left = deadline - tw_clock_mono_ms ();
        ck_assert_msg (left > 0, "no warning %s within %d ms", name, timeout_ms);
        cJSON *warning = nt_testws_expect (client, "warning", (int) left);
        if (streq (nt_testws_str (warning, "name"), name))
            return warning;
        cJSON_Delete (warning);
    }
}

void
nt_testws_snapshot_warnings (tw_wsclient_t *client, int timeout_ms, char *names, size_t size)
{
    cJSON *snapshot = nt_testws_expect (client, "snapshot", timeout_ms);
    cJSON *warnings = cJSON_GetObjectItemCaseSensitive (snapshot, "warnings");
    ck_assert (cJSON_IsArray (warnings));
    names[0] = 0;
    cJSON *item;
    cJSON_ArrayForEach (item, warnings) {
        snprintf (names + strlen (names), size - strlen (names), "%s%s", names[0] ? "," : "",
                  nt_testws_str (item, "name"));
    }
    cJSON_Delete (snapshot);
}
