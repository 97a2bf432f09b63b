//  ff_api - the Fyers v3 REST endpoints of the fake, served from an ff_book.
//
//  Knows routes, authentication, validation and the response envelope
//  (docs/fyers.md §2-§4); knows nothing about HTTP transport, scripts or threads.
//  The caller serialises calls that share a book.

#ifndef FF_API_H_INCLUDED
#define FF_API_H_INCLUDED

#include "ff_book.h"
#include "ff_market.h"

#include <stdbool.h>
#include <stddef.h>

//  Error codes the fake returns (docs/fyers.md §2). FF_CODE_NOT_FOUND is the
//  fake's own: Fyers' reply to an unknown path is not documented.
#define FF_CODE_AUTH -16
#define FF_CODE_INVALID -50
#define FF_CODE_BAD_ORDER_ID -51
#define FF_CODE_NOTHING_TO_EXIT -352
#define FF_CODE_BAD_POSITION_ID -53
#define FF_CODE_REJECTED -99
#define FF_CODE_ALREADY_CANCELLED -161
#define FF_CODE_ALREADY_TRADED -162
#define FF_CODE_ALREADY_REJECTED -164
#define FF_CODE_RATE_LIMIT -429
#define FF_CODE_NOT_FOUND -404
//  The daily login (docs/fyers.md §1): a bad appIdHash, a missing auth
//  code, and the fake's answer to an expired or unknown auth code (Fyers
//  does not document that one; -17 is its "token invalid or expired").
#define FF_CODE_BAD_HASH -371
#define FF_CODE_NO_AUTH_CODE -374
#define FF_CODE_AUTH_CODE_EXPIRED -17
#define FF_CODE_BAD_APP_ID -352
//  The auth codes the fake knows: generate-authcode hands out the good one;
//  the expired one stands for a code used too late or twice.
#define FF_AUTH_CODE "fake-auth-code"
#define FF_AUTH_CODE_EXPIRED "fake-expired-auth-code"
//  The secret when fake_fyers is started without --app-secret.
#define FF_APP_SECRET_DEFAULT "fake-app-secret"

typedef struct {
    const char *method;
    const char *path; //  without the query string
    const char *body; //  NULL or body_len bytes, NUL-terminated
    size_t body_len;
    const char *content_type; //  NULL when absent
    const char *query_id;     //  ?id=
    const char *query_tag;    //  ?order_tag=
    bool auth_ok;
    const ff_fill_t *fill; //  how orders placed by the request fill; NULL: at once
    ff_market_t *market;   //  what GET /data/marketStatus serves
    bool reply_201;        //  answer code 201 (sent, not acknowledged) on success
    //  The login routes (no Authorization): the app's credentials and the
    //  query of generate-authcode.
    const char *app_id;
    const char *app_secret;
    const char *query_client_id;
    const char *query_redirect_uri;
    const char *query_response_type;
    const char *query_state;
} ff_api_request_t;

typedef struct {
    int status;     //  HTTP status
    char *body;     //  heap JSON text; the caller frees it
    bool placed;    //  true when the request changed the book
    char *location; //  heap; a redirect's Location header, or NULL
} ff_api_reply_t;

//  Serves one request. On out of memory, reply->body is NULL and status 500.
void ff_api_handle (ff_book_t *book, const ff_api_request_t *req, ff_api_reply_t *reply);

//  {"s":"error","code":code,"message":message} as heap text (NULL on OOM).
char *ff_api_error_body (int code, const char *message);

#endif
