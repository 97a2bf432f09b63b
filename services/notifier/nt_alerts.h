//  nt_alerts - the notifier's alerts: a Telegram bot and a JSON webhook,
//  told of the events a person should hear of when nobody is watching
//  (exit_failed, position_closed, order_rejected, and state and warning
//  events; docs/design.md §7, §8).
//
//  Each endpoint has its own queue. An event pushed is queued for every
//  endpoint; an endpoint sends what it has queued as ONE message once the
//  first event of it is batch_ms old (a burst is one message), at most
//  max_per_minute messages a minute (a token bucket: when it is empty the
//  events keep gathering), and one message at a time (a message waits for
//  the one before it to end). A queue holds at most NT_ALERTS_QUEUE_MAX
//  events; beyond that the oldest are dropped, counted and mentioned in the
//  next message.
//
//  Telegram: POST <telegram_base_url>/bot<token>/sendMessage with the JSON
//  {"chat_id":…,"text":…}, the text one line per event (at most
//  NT_ALERTS_TEXT_MAX bytes, then "… and N more"). Webhook: POST
//  <webhook_url> with a JSON array of the events' objects, each as on the
//  WebSocket (nt_json). Any 2xx answer is success; anything else, a
//  timeout (timeout_ms, connection included) or a transport error is a
//  failure, counted and logged (rate-limited), and that message is not
//  sent again. The bot token is never logged: log lines name the endpoint
//  ("telegram"), never its URL.
//
//  Nothing here can slow the notifier: the sending runs in a thread of its
//  own (a zactor around a libcurl multi handle), and a push never blocks:
//  when the thread's pipe is full, the event is dropped and counted.
//  Counters are read from any thread.

#ifndef NT_ALERTS_H_INCLUDED
#define NT_ALERTS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tw_proto.h"

#define NT_ALERTS_QUEUE_MAX 500
#define NT_ALERTS_TEXT_MAX 3500

typedef struct {
    const char *telegram_base_url; //  "https://api.telegram.org"
    const char *telegram_token;    //  "" = no Telegram
    const char *telegram_chat_id;  //  "" = no Telegram
    const char *webhook_url;       //  "" = no webhook
    int64_t batch_ms;              //  0 = send at once
    int64_t max_per_minute;        //  >= 1
    int64_t timeout_ms;            //  one message, connection included
} nt_alerts_config_t;

typedef struct _nt_alerts_t nt_alerts_t;

typedef struct {
    int64_t queued;  //  events pushed
    int64_t sent;    //  messages answered 2xx
    int64_t failed;  //  messages that failed
    int64_t dropped; //  events dropped (pipe or queue full)
} nt_alerts_stats_t;

//  Starts the thread, or returns NULL when no endpoint is configured
//  (nothing to do) or it cannot start (logged). Strings are copied. The
//  process must have called curl_global_init, on its main thread.
nt_alerts_t *nt_alerts_new (const nt_alerts_config_t *config);

//  Stops the thread (a message in flight is abandoned, bounded by a short
//  wait) and nulls *self_p; safe on NULL.
void nt_alerts_destroy (nt_alerts_t **self_p);

//  Queues one event: line, its text for people, and json, its object as
//  on the WebSocket. Returns 0, or -1 when it was dropped. Never blocks.
int nt_alerts_push (nt_alerts_t *self, const char *line, const char *json);

void nt_alerts_stats (nt_alerts_t *self, nt_alerts_stats_t *stats);

//  True for the gateway events that are alerts.
bool nt_alerts_wanted (tw_msg_type_t type);

//  The text line of an alert event, e.g. "EXIT FAILED NSE:SBIN-EQ-INTRADAY
//  (SL Hit) after 3 attempts: HTTP 503". Pure.
void nt_alerts_line (const tw_msg_t *msg, char *buf, size_t buf_size);

#endif
