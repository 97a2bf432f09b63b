//  ff_market - see ff_market.h.

#include "ff_market.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct _ff_market_t {
    cJSON *list; //  the marketStatus array
};

//  The markets Fyers lists (docs/fyers.md §4, §5 codes), each with its NORMAL
//  market and, for NSE cash, the other market types a reply also carries.
static const struct {
    int exchange, segment;
    const char *market_type;
    const char *status;
} s_defaults[] = {
    {10, 10, "NORMAL", "OPEN"}, {10, 10, "ODD_LOT", "OPEN"}, {10, 10, "CALL_AUCTION2", "OPEN"},
    {10, 11, "NORMAL", "OPEN"}, {10, 12, "NORMAL", "OPEN"},  {10, 20, "NORMAL", "OPEN"},
    {12, 10, "NORMAL", "OPEN"}, {12, 11, "NORMAL", "OPEN"},  {12, 12, "NORMAL", "OPEN"},
    {11, 20, "NORMAL", "OPEN"},
};

static cJSON *
s_entry (int exchange, int segment, const char *market_type, const char *status)
{
    cJSON *entry = cJSON_CreateObject ();
    if (!entry)
        return NULL;
    cJSON_AddNumberToObject (entry, "exchange", exchange);
    cJSON_AddStringToObject (entry, "market_type", market_type);
    cJSON_AddNumberToObject (entry, "segment", segment);
    cJSON_AddStringToObject (entry, "status", status);
    return entry;
}

void
ff_market_reset (ff_market_t *self)
{
    cJSON_Delete (self->list);
    self->list = cJSON_CreateArray ();
    for (size_t i = 0; self->list && i < sizeof s_defaults / sizeof *s_defaults; i++)
        cJSON_AddItemToArray (self->list,
                              s_entry (s_defaults[i].exchange, s_defaults[i].segment,
                                       s_defaults[i].market_type, s_defaults[i].status));
}

ff_market_t *
ff_market_new (void)
{
    ff_market_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    ff_market_reset (self);
    if (!self->list)
        ff_market_destroy (&self);
    return self;
}

void
ff_market_destroy (ff_market_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cJSON_Delete ((*self_p)->list);
    free (*self_p);
    *self_p = NULL;
}

cJSON *
ff_market_json (ff_market_t *self)
{
    return cJSON_Duplicate (self->list, true);
}

static cJSON *
s_reply (ff_market_t *self, int *status, int http, const char *error)
{
    *status = http;
    cJSON *reply = cJSON_CreateObject ();
    cJSON_AddStringToObject (reply, "s", error ? "error" : "ok");
    if (error)
        cJSON_AddStringToObject (reply, "message", error);
    else
        cJSON_AddItemToObject (reply, "marketStatus", ff_market_json (self));
    return reply;
}

//  True when entry matches the filter's field (absent in the filter: any).
static bool
s_matches (const cJSON *entry, const cJSON *filter, const char *field)
{
    const cJSON *want = cJSON_GetObjectItemCaseSensitive (filter, field);
    if (!want)
        return true;
    const cJSON *have = cJSON_GetObjectItemCaseSensitive (entry, field);
    if (cJSON_IsNumber (want))
        return cJSON_IsNumber (have) && have->valuedouble == want->valuedouble;
    return cJSON_IsString (want) && cJSON_IsString (have)
           && strcmp (have->valuestring, want->valuestring) == 0;
}

//  {"status"[,"exchange"][,"segment"][,"market_type"]}: sets the status of
//  every entry that matches; none matches and all three are given: appends
//  one. Returns NULL, or what is wrong.
static const char *
s_set (ff_market_t *self, const cJSON *json)
{
    const cJSON *status = cJSON_GetObjectItemCaseSensitive (json, "status");
    const cJSON *exchange = cJSON_GetObjectItemCaseSensitive (json, "exchange");
    const cJSON *segment = cJSON_GetObjectItemCaseSensitive (json, "segment");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive (json, "market_type");
    if (!cJSON_IsString (status) || (exchange && !cJSON_IsNumber (exchange))
        || (segment && !cJSON_IsNumber (segment)) || (type && !cJSON_IsString (type)))
        return "status (a string) is required; exchange and segment are numbers, market_type "
               "a string";
    int matched = 0;
    cJSON *entry;
    cJSON_ArrayForEach (entry, self->list) {
        if (!s_matches (entry, json, "exchange") || !s_matches (entry, json, "segment")
            || !s_matches (entry, json, "market_type"))
            continue;
        if (!cJSON_ReplaceItemInObjectCaseSensitive (entry, "status",
                                                     cJSON_CreateString (status->valuestring)))
            cJSON_AddStringToObject (entry, "status", status->valuestring);
        matched++;
    }
    if (matched == 0 && exchange && segment && type)
        cJSON_AddItemToArray (self->list, s_entry (exchange->valueint, segment->valueint,
                                                   type->valuestring, status->valuestring));
    else if (matched == 0)
        return "no market matches";
    return NULL;
}

cJSON *
ff_market_control (ff_market_t *self, const char *method, const char *body, size_t len, int *status)
{
    if (strcmp (method, "GET") == 0)
        return s_reply (self, status, 200, NULL);
    if (strcmp (method, "POST") != 0)
        return s_reply (self, status, 405, "GET or POST");
    cJSON *json = body ? cJSON_ParseWithLength (body, len) : NULL;
    const char *error = NULL;
    const cJSON *list = cJSON_GetObjectItemCaseSensitive (json, "marketStatus");
    if (!cJSON_IsObject (json))
        error = "the body must be a JSON object";
    else if (list && !cJSON_IsArray (list))
        error = "marketStatus must be an array";
    else if (list) {
        //  Served verbatim, whatever its entries hold.
        cJSON_Delete (self->list);
        self->list = cJSON_Duplicate (list, true);
    }
    else
        error = s_set (self, json);
    cJSON_Delete (json);
    return s_reply (self, status, error ? 400 : 200, error);
}
