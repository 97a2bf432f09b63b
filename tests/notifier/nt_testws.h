//  nt_testws - what the notifier's real-process tests read from a WebSocket
//  client (tw_wsclient): the next frame of a type, the next warning frame
//  of a name, and the names of the warnings in force in a snapshot.
//
//  Every helper asserts (Check) on what it needs, so a test can simply call
//  it; every wait is bounded. Frames come back as cJSON documents the
//  caller deletes.

#ifndef NT_TESTWS_H_INCLUDED
#define NT_TESTWS_H_INCLUDED

#include <cjson/cJSON.h>
#include <stddef.h>

#include "tw_wsclient.h"

//  The string field key of doc, or "(none)" when it is not a string.
const char *nt_testws_str (cJSON *doc, const char *key);

//  The next frame of type client gets, skipping others (heartbeats among
//  them). Fails the test when none came within timeout_ms, the connection
//  closed, or a frame is not a JSON object with a seq.
cJSON *nt_testws_expect (tw_wsclient_t *client, const char *type, int timeout_ms);

//  The next warning frame named name, skipping other frames (other
//  warnings among them), within timeout_ms.
cJSON *nt_testws_expect_warning (tw_wsclient_t *client, const char *name, int timeout_ms);

//  Reads client's snapshot (its first frame: connect it just before) and
//  writes the names of its warnings, joined by ',', into names ("" when
//  none).
void nt_testws_snapshot_warnings (tw_wsclient_t *client, int timeout_ms, char *names, size_t size);

#endif
