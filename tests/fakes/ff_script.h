//  ff_script - the queue of scripted behaviours that tests push into the fake.
//
//  Each behaviour matches a method and a path (either may be "any") and is
//  consumed by the first matching request, in the order the behaviours were
//  pushed. A request that matches none is served normally. The JSON form of
//  one behaviour is documented at the top of fake_fyers.c.
//
//  Not thread-safe: ff_server serialises every call.

#ifndef FF_SCRIPT_H_INCLUDED
#define FF_SCRIPT_H_INCLUDED

#include <cjson/cJSON.h>
#include <stdbool.h>

typedef enum {
    FF_ACT_OK,      //  serve normally
    FF_ACT_STATUS,  //  reply HTTP status with body
    FF_ACT_429,     //  rate limited, with Retry-After and X-Retry-After-Ms
    FF_ACT_401,     //  -16 "Could not authenticate the user"
    FF_ACT_HANG,    //  wait ms, then reply (504 unless applied)
    FF_ACT_RESET,   //  drop the connection without a reply
    FF_ACT_GARBAGE, //  HTTP 200 with a body that is not JSON
    FF_ACT_CODE201, //  place the order working; reply code 201
    FF_ACT_WORKING, //  place the order working; reply as usual
} ff_action_t;

typedef struct {
    char *method; //  NULL matches any method
    char *path;   //  NULL matches any path (compared without the query)
    ff_action_t action;
    const char *name; //  the action's name as given ("apply_then_hang"), static
    bool apply;       //  also run the request normally (its reply is discarded
                      //  unless the action is hang or code201)
    int status;       //  FF_ACT_STATUS, or the reply after FF_ACT_HANG
    char *body;       //  NULL: a default body for the action
    int retry_after_s;
    int retry_after_ms;
    int ms;        //  FF_ACT_HANG
    int polls;     //  FF_ACT_CODE201, FF_ACT_WORKING: GET /positions calls that
                   //  still see it open; -1 until a control call ends it
    long fill_qty; //  FF_ACT_CODE201, FF_ACT_WORKING: filled at once
} ff_behaviour_t;

typedef struct _ff_script_t ff_script_t;

ff_script_t *ff_script_new (void);
void ff_script_destroy (ff_script_t **self_p);
void ff_script_clear (ff_script_t *self);

//  Appends the behaviours in json (an array of objects, or one object). All or
//  nothing: on a malformed entry nothing is queued, -1 is returned and error
//  (of error_size bytes) says why. Returns the number of behaviours queued.
int ff_script_push (ff_script_t *self, const cJSON *json, char *error, size_t error_size);

//  Removes and returns the first behaviour that matches; NULL when none does.
//  The caller destroys it with ff_behaviour_destroy.
ff_behaviour_t *ff_script_take (ff_script_t *self, const char *method, const char *path);
void ff_behaviour_destroy (ff_behaviour_t **self_p);

//  The queued behaviours as a JSON array; caller owns it.
cJSON *ff_script_json (ff_script_t *self);

#endif
