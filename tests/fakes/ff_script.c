//  ff_script - see ff_script.h.

#include "ff_script.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Limits that keep a typo in a test from hanging the fake for an hour.
#define FF_HANG_MAX_MS 600000
#define FF_TIMES_MAX 10000
#define FF_POLLS_DEFAULT 2
#define FF_QTY_MAX 100000000
#define FF_RETRY_AFTER_S_DEFAULT 1
#define FF_RETRY_AFTER_MS_DEFAULT 1000
#define FF_HANG_STATUS_DEFAULT 504

struct _ff_script_t {
    ff_behaviour_t **queue;
    size_t count, cap;
};

//  Names accepted in the "action" field. Aliases map to the same action with
//  apply set where the name says so.
static const struct {
    const char *name;
    ff_action_t action;
    bool apply;
} s_actions[] = {
    {"ok", FF_ACT_OK, false},
    {"status", FF_ACT_STATUS, false},
    {"429", FF_ACT_429, false},
    {"rate_limit", FF_ACT_429, false},
    {"401", FF_ACT_401, false},
    {"auth_error", FF_ACT_401, false},
    {"hang", FF_ACT_HANG, false},
    {"reset", FF_ACT_RESET, false},
    {"garbage", FF_ACT_GARBAGE, false},
    {"code201", FF_ACT_CODE201, true},
    {"working", FF_ACT_WORKING, true},
    {"apply_then_hang", FF_ACT_HANG, true},
    {"apply_then_reset", FF_ACT_RESET, true},
};
#define FF_ACTION_COUNT (sizeof s_actions / sizeof s_actions[0])

ff_script_t *
ff_script_new (void)
{
    return calloc (1, sizeof (ff_script_t));
}

void
ff_behaviour_destroy (ff_behaviour_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->method);
    free ((*self_p)->path);
    free ((*self_p)->body);
    free (*self_p);
    *self_p = NULL;
}

void
ff_script_clear (ff_script_t *self)
{
    for (size_t i = 0; i < self->count; i++)
        ff_behaviour_destroy (&self->queue[i]);
    self->count = 0;
}

void
ff_script_destroy (ff_script_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ff_script_clear (*self_p);
    free ((*self_p)->queue);
    free (*self_p);
    *self_p = NULL;
}

//  Reads an optional integer field in [min, max]; returns -1 and fills error
//  when it is present but not such an integer.
static int
s_int_field (const cJSON *item, const char *name, int min, int max, int *out, char *error,
             size_t error_size)
{
    const cJSON *field = cJSON_GetObjectItemCaseSensitive (item, name);
    if (!field)
        return 0;
    double value = cJSON_GetNumberValue (field);
    if (!cJSON_IsNumber (field) || value != (double) (long) value || value < min || value > max) {
        snprintf (error, error_size, "\"%s\" must be an integer in [%d, %d]", name, min, max);
        return -1;
    }
    *out = (int) value;
    return 0;
}

//  A "method" or "path" of "any", "*" or "" (or no field) matches anything.
static int
s_match_field (const cJSON *item, const char *name, char **out, char *error, size_t error_size)
{
    *out = NULL;
    const cJSON *field = cJSON_GetObjectItemCaseSensitive (item, name);
    if (!field)
        return 0;
    if (!cJSON_IsString (field)) {
        snprintf (error, error_size, "\"%s\" must be a string", name);
        return -1;
    }
    const char *value = field->valuestring;
    if (!*value || strcmp (value, "*") == 0 || strcmp (value, "any") == 0)
        return 0;
    *out = strdup (value);
    return *out ? 0 : -1;
}

static ff_behaviour_t *
s_behaviour_parse (const cJSON *item, int *times, char *error, size_t error_size)
{
    if (!cJSON_IsObject (item)) {
        snprintf (error, error_size, "each behaviour must be a JSON object");
        return NULL;
    }
    const cJSON *action = cJSON_GetObjectItemCaseSensitive (item, "action");
    if (!cJSON_IsString (action)) {
        snprintf (error, error_size, "\"action\" (a string) is required");
        return NULL;
    }
    ff_behaviour_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    size_t i = 0;
    while (i < FF_ACTION_COUNT && strcmp (s_actions[i].name, action->valuestring) != 0)
        i++;
    if (i == FF_ACTION_COUNT) {
        snprintf (error, error_size, "unknown action \"%.40s\"", action->valuestring);
        goto fail;
    }
    self->action = s_actions[i].action;
    self->name = s_actions[i].name;
    self->apply = s_actions[i].apply;
    self->status = self->action == FF_ACT_HANG ? FF_HANG_STATUS_DEFAULT : 0;
    self->retry_after_s = FF_RETRY_AFTER_S_DEFAULT;
    self->retry_after_ms = FF_RETRY_AFTER_MS_DEFAULT;
    self->polls = self->action == FF_ACT_WORKING ? -1 : FF_POLLS_DEFAULT;
    int fill_qty = 0;
    *times = 1;
    const cJSON *apply = cJSON_GetObjectItemCaseSensitive (item, "apply");
    if (apply && !cJSON_IsBool (apply)) {
        snprintf (error, error_size, "\"apply\" must be a boolean");
        goto fail;
    }
    if (apply)
        self->apply = cJSON_IsTrue (apply);
    if (s_match_field (item, "method", &self->method, error, error_size)
        || s_match_field (item, "path", &self->path, error, error_size)
        || s_int_field (item, "status", 100, 599, &self->status, error, error_size)
        || s_int_field (item, "retry_after_s", 0, 86400, &self->retry_after_s, error, error_size)
        || s_int_field (item, "retry_after_ms", 0, 86400000, &self->retry_after_ms, error,
                        error_size)
        || s_int_field (item, "ms", 0, FF_HANG_MAX_MS, &self->ms, error, error_size)
        || s_int_field (item, "polls", -1, FF_TIMES_MAX, &self->polls, error, error_size)
        || s_int_field (item, "fill_qty", 0, FF_QTY_MAX, &fill_qty, error, error_size)
        || s_int_field (item, "times", 1, FF_TIMES_MAX, times, error, error_size))
        goto fail;
    self->fill_qty = fill_qty;
    if (self->action == FF_ACT_STATUS && self->status == 0) {
        snprintf (error, error_size, "action \"status\" needs \"status\"");
        goto fail;
    }
    //  The body may be given as a string (sent verbatim) or as any JSON value.
    const cJSON *body = cJSON_GetObjectItemCaseSensitive (item, "body");
    if (body)
        self->body =
            cJSON_IsString (body) ? strdup (body->valuestring) : cJSON_PrintUnformatted (body);
    return self;
fail:
    ff_behaviour_destroy (&self);
    return NULL;
}

static ff_behaviour_t *
s_behaviour_copy (const ff_behaviour_t *from)
{
    ff_behaviour_t *self = malloc (sizeof *self);
    if (!self)
        return NULL;
    *self = *from;
    self->method = from->method ? strdup (from->method) : NULL;
    self->path = from->path ? strdup (from->path) : NULL;
    self->body = from->body ? strdup (from->body) : NULL;
    if ((from->method && !self->method) || (from->path && !self->path)
        || (from->body && !self->body))
        ff_behaviour_destroy (&self);
    return self;
}

static int
s_append (ff_script_t *self, ff_behaviour_t *behaviour)
{
    if (self->count == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 16;
        ff_behaviour_t **grown = realloc (self->queue, cap * sizeof *grown);
        if (!grown)
            return -1;
        self->queue = grown;
        self->cap = cap;
    }
    self->queue[self->count++] = behaviour;
    return 0;
}

int
ff_script_push (ff_script_t *self, const cJSON *json, char *error, size_t error_size)
{
    snprintf (error, error_size, "out of memory");
    const cJSON *items = json;
    cJSON *wrapper = NULL;
    if (cJSON_IsObject (json)) {
        //  One object: queue it as a one-entry array without copying it.
        wrapper = cJSON_CreateArray ();
        if (!wrapper)
            return -1;
        cJSON_AddItemReferenceToArray (wrapper, (cJSON *) json);
        items = wrapper;
    }
    else if (!cJSON_IsArray (json)) {
        snprintf (error, error_size, "the script must be a JSON array of behaviours");
        return -1;
    }
    size_t first = self->count;
    const cJSON *item;
    cJSON_ArrayForEach (item, items) {
        int times = 1;
        ff_behaviour_t *behaviour = s_behaviour_parse (item, &times, error, error_size);
        if (!behaviour)
            goto fail;
        for (int i = 0; i < times; i++) {
            //  The first entry is the parsed behaviour itself; once queued, the
            //  queue owns it and the fail path below frees it.
            ff_behaviour_t *entry = i == 0 ? behaviour : s_behaviour_copy (behaviour);
            if (entry && s_append (self, entry) == 0)
                continue;
            ff_behaviour_destroy (&entry);
            snprintf (error, error_size, "out of memory");
            goto fail;
        }
    }
    cJSON_Delete (wrapper);
    *error = 0;
    return (int) (self->count - first);
fail:
    while (self->count > first)
        ff_behaviour_destroy (&self->queue[--self->count]);
    cJSON_Delete (wrapper);
    return -1;
}

ff_behaviour_t *
ff_script_take (ff_script_t *self, const char *method, const char *path)
{
    for (size_t i = 0; i < self->count; i++) {
        ff_behaviour_t *behaviour = self->queue[i];
        if (behaviour->method && strcasecmp (behaviour->method, method) != 0)
            continue;
        if (behaviour->path && strcmp (behaviour->path, path) != 0)
            continue;
        memmove (&self->queue[i], &self->queue[i + 1], (self->count - i - 1) * sizeof *self->queue);
        self->count--;
        return behaviour;
    }
    return NULL;
}

cJSON *
ff_script_json (ff_script_t *self)
{
    cJSON *list = cJSON_CreateArray ();
    for (size_t i = 0; list && i < self->count; i++) {
        ff_behaviour_t *b = self->queue[i];
        cJSON *item = cJSON_CreateObject ();
        cJSON_AddStringToObject (item, "method", b->method ? b->method : "any");
        cJSON_AddStringToObject (item, "path", b->path ? b->path : "any");
        cJSON_AddStringToObject (item, "action", b->name);
        cJSON_AddBoolToObject (item, "apply", b->apply);
        if (b->action == FF_ACT_CODE201 || b->action == FF_ACT_WORKING) {
            cJSON_AddNumberToObject (item, "polls", b->polls);
            cJSON_AddNumberToObject (item, "fill_qty", (double) b->fill_qty);
        }
        cJSON_AddItemToArray (list, item);
    }
    return list;
}
