//  ff_control - see ff_control.h.

#include "ff_control.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

//  The broker's own source code on a square-off order (docs/fyers.md §3.4:
//  A is admin).
#define FF_SQUARE_OFF_SOURCE "A"

static cJSON *
s_error (int *status, int http, const char *message)
{
    *status = http;
    cJSON *reply = cJSON_CreateObject ();
    cJSON_AddStringToObject (reply, "s", "error");
    cJSON_AddStringToObject (reply, "message", message);
    return reply;
}

static cJSON *
s_ok (void)
{
    cJSON *reply = cJSON_CreateObject ();
    cJSON_AddStringToObject (reply, "s", "ok");
    return reply;
}

//  The reply to an FF_BOOK_* result of an action on one order or position.
static cJSON *
s_book_error (int rc, int *status)
{
    switch (rc) {
    case FF_BOOK_UNKNOWN:
        return s_error (status, 404, "no such order or open position");
    case FF_BOOK_NOT_WORKING:
        return s_error (status, 409, "the order is not working (it has ended)");
    case FF_BOOK_BAD_QTY:
        return s_error (status, 400, "qty must be positive and at most what is left");
    case FF_BOOK_BAD_PRODUCT:
        return s_error (status, 400, "the broker refuses this conversion");
    default:
        return s_error (status, 500, "out of memory");
    }
}

//  {"s":"ok","order":{...}} with the order as GET /orders shows it.
static cJSON *
s_order_reply (ff_book_t *book, const char *id)
{
    cJSON *reply = s_ok ();
    cJSON *list = ff_book_orders_json (book, id, NULL);
    cJSON *order = list ? cJSON_DetachItemFromArray (list, 0) : NULL;
    cJSON_Delete (list);
    cJSON_AddItemToObject (reply, "order", order ? order : cJSON_CreateNull ());
    return reply;
}

//  An optional non-negative integer field; false when present and not one.
static bool
s_opt_long (const cJSON *json, const char *name, long *out)
{
    const cJSON *field = cJSON_GetObjectItem (json, name);
    if (!field)
        return true;
    double value = cJSON_GetNumberValue (field);
    if (!cJSON_IsNumber (field) || value != (double) (long) value || value < 0)
        return false;
    *out = (long) value;
    return true;
}

static cJSON *
s_fill (ff_book_t *book, const cJSON *json, int *status)
{
    const char *id = cJSON_GetStringValue (cJSON_GetObjectItem (json, "order_id"));
    const cJSON *price = cJSON_GetObjectItem (json, "price");
    long qty = 0;
    if (!id || !s_opt_long (json, "qty", &qty) || (price && !cJSON_IsNumber (price)))
        return s_error (status, 400, "need order_id [, qty (a positive integer), price]");
    if (cJSON_GetObjectItem (json, "qty") && qty == 0)
        return s_book_error (FF_BOOK_BAD_QTY, status);
    int rc = ff_book_fill (book, id, qty, price ? price->valuedouble : 0.0);
    return rc == FF_BOOK_OK ? s_order_reply (book, id) : s_book_error (rc, status);
}

//  "status": 1, 5 or 7, or "cancelled", "rejected" or "expired".
static int
s_end_status (const cJSON *field)
{
    static const struct {
        const char *name;
        int status;
    } names[] = {{"cancelled", FF_STATUS_CANCELLED},
                 {"rejected", FF_STATUS_REJECTED},
                 {"expired", FF_STATUS_EXPIRED}};
    if (cJSON_IsNumber (field)) {
        int value = (int) field->valuedouble;
        if (value == FF_STATUS_CANCELLED || value == FF_STATUS_REJECTED
            || value == FF_STATUS_EXPIRED)
            return value;
        return -1;
    }
    const char *text = cJSON_GetStringValue (field);
    for (size_t i = 0; text && i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp (text, names[i].name) == 0)
            return names[i].status;
    return -1;
}

static cJSON *
s_end (ff_book_t *book, const cJSON *json, int fixed_status, int *status)
{
    const char *id = cJSON_GetStringValue (cJSON_GetObjectItem (json, "order_id"));
    const cJSON *message = cJSON_GetObjectItem (json, "message");
    int end = fixed_status ? fixed_status : s_end_status (cJSON_GetObjectItem (json, "status"));
    if (!id || end < 0 || (message && !cJSON_IsString (message)))
        return s_error (status, 400,
                        "need order_id, status (1|5|7 or cancelled|rejected|expired) "
                        "[, message]");
    int rc = ff_book_end_order (book, id, end, cJSON_GetStringValue (message));
    return rc == FF_BOOK_OK ? s_order_reply (book, id) : s_book_error (rc, status);
}

static cJSON *
s_convert (ff_book_t *book, const cJSON *json, int *status)
{
    const char *id = cJSON_GetStringValue (cJSON_GetObjectItem (json, "id"));
    const char *to = cJSON_GetStringValue (cJSON_GetObjectItem (json, "to"));
    long qty = 0;
    if (!id || !to || !s_opt_long (json, "qty", &qty))
        return s_error (status, 400, "need id (a position id), to (a product) [, qty]");
    if (cJSON_GetObjectItem (json, "qty") && qty == 0)
        return s_book_error (FF_BOOK_BAD_QTY, status);
    int rc = ff_book_convert (book, id, to, qty, 0);
    if (rc != FF_BOOK_OK)
        return s_book_error (rc, status);
    return s_ok ();
}

//  The broker squares off: working orders of the position cancelled (unless
//  "cancel_pending" is false), then a market counter order from source "A"
//  (or "source") with "tag" or none, filled at once.
static cJSON *
s_square_off (ff_book_t *book, const cJSON *json, int *status)
{
    const cJSON *id = cJSON_GetObjectItem (json, "id");
    const cJSON *tag = cJSON_GetObjectItem (json, "tag");
    const cJSON *source = cJSON_GetObjectItem (json, "source");
    const cJSON *cancel = cJSON_GetObjectItem (json, "cancel_pending");
    if ((id && !cJSON_IsString (id)) || (tag && !cJSON_IsString (tag))
        || (source && !cJSON_IsString (source)) || (cancel && !cJSON_IsBool (cancel)))
        return s_error (status, 400, "optional: id, tag, source (strings), cancel_pending (bool)");
    cJSON *ids = cJSON_CreateArray ();
    if (id)
        cJSON_AddItemToArray (ids, cJSON_CreateString (id->valuestring));
    else
        ff_book_open_ids (book, ids);
    int cancelled = 0, squared = 0;
    bool failed = false;
    const cJSON *target;
    cJSON_ArrayForEach (target, ids) {
        if (!cancel || cJSON_IsTrue (cancel))
            cancelled += ff_book_cancel_working (book, target->valuestring);
        int rc = ff_book_exit_as (book, target->valuestring, NULL,
                                  source ? source->valuestring : FF_SQUARE_OFF_SOURCE,
                                  tag ? tag->valuestring : NULL);
        squared += rc > 0;
        failed |= rc < 0;
    }
    cJSON_Delete (ids);
    if (failed)
        return s_error (status, 500, "out of memory");
    cJSON *reply = s_ok ();
    cJSON_AddNumberToObject (reply, "squared_off", squared);
    cJSON_AddNumberToObject (reply, "cancelled", cancelled);
    return reply;
}

static cJSON *
s_read (ff_book_t *book, const char *name)
{
    cJSON *reply = s_ok ();
    if (strcmp (name, "positions") == 0)
        ff_book_positions_json (book, reply);
    else if (strcmp (name, "orders") == 0)
        cJSON_AddItemToObject (reply, "orderBook", ff_book_orders_json (book, NULL, NULL));
    else
        cJSON_AddItemToObject (reply, "tradeBook", ff_book_trades_json (book));
    return reply;
}

cJSON *
ff_control_handle (ff_book_t *book, const char *method, const char *name, const char *body,
                   size_t len, int *status)
{
    *status = 200;
    if (strcmp (method, "GET") == 0) {
        if (strcmp (name, "positions") == 0 || strcmp (name, "orders") == 0
            || strcmp (name, "trades") == 0)
            return s_read (book, name);
        return NULL;
    }
    static const char *const posts[] = {"fill", "end", "cancel", "convert", "square_off", NULL};
    size_t i = 0;
    while (posts[i] && strcmp (posts[i], name) != 0)
        i++;
    if (strcmp (method, "POST") != 0 || !posts[i])
        return NULL;
    cJSON *json = body ? cJSON_ParseWithLength (body, len) : NULL;
    cJSON *reply;
    if (!cJSON_IsObject (json))
        reply = s_error (status, 400, "the body must be a JSON object");
    else if (strcmp (name, "fill") == 0)
        reply = s_fill (book, json, status);
    else if (strcmp (name, "end") == 0)
        reply = s_end (book, json, 0, status);
    else if (strcmp (name, "cancel") == 0)
        reply = s_end (book, json, FF_STATUS_CANCELLED, status);
    else if (strcmp (name, "convert") == 0)
        reply = s_convert (book, json, status);
    else
        reply = s_square_off (book, json, status);
    cJSON_Delete (json);
    return reply;
}
