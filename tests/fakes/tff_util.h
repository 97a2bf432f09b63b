//  tff_util - what the parts of test_fake_fyers share: the fake under test
//  (one process per test, started by the fixture), Fyers API calls made as
//  the gateway makes them, and JSON readers that fail the test on a surprise.

#ifndef TFF_UTIL_H_INCLUDED
#define TFF_UTIL_H_INCLUDED

#include "fake_fyers_ctl.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdbool.h>

#define APP_ID "TESTAPP01-100"
#define TOKEN "fake.jwt.token"
#define AUTH_HEADER "Authorization: " APP_ID ":" TOKEN
#define SYMBOL "NSE:SBIN-EQ"
#define POSITION_ID "NSE:SBIN-EQ-INTRADAY"
#define EXIT_BODY "{\"id\":\"" POSITION_ID "\"}"

//  Client timeouts: short, because everything is local.
#define CALL_TIMEOUT_MS 2000
#define SHORT_TIMEOUT_MS 300
//  A fast reply on loopback; generous for a loaded CI machine or ASan.
#define FAST_REPLY_MS 700
#define HANG_MS 1500
#define PARALLEL_HANGS 16
#define WAIT_MS 3000

typedef struct {
    CURLcode rc;
    long status; //  0 when no HTTP reply came
    char *body;
    char *headers;
    double elapsed_ms;
} reply_t;

//  The fake binary (argv[1] or $FAKE_FYERS_BIN) and the running fake.
extern const char *tff_binary;
extern fake_fyers_t *tff_fake;

double tff_now_ms (void);

//  One Fyers API call as the gateway would make it (docs/fyers.md §1): path
//  is relative to the base URL, e.g. "/positions".
reply_t tff_call_ex (const char *method, const char *path, const char *body, bool auth,
                     long timeout_ms);
reply_t tff_call (const char *method, const char *path, const char *body);
void tff_reply_free (reply_t *reply);

//  The integer (string) field key of a JSON object body; fails the test if
//  absent. The string is the caller's to free.
long tff_json_int (const char *body, const char *key);
char *tff_json_str (const char *body, const char *key);

//  netQty of the position as GET /positions shows it; -999 when absent.
long tff_net_qty (const char *position_id);

//  The checked fixture: a fresh fake per test.
void tff_setup (void);
void tff_teardown (void);

//  The test cases of the other parts.
TCase *tff_broker_tcase (void);
TCase *tff_ws_tcase (void);

#endif
