//  nt_actor - the notifier service (docs/design.md §1, §7): bridges the gateway's
//  position events to browsers and scripts over WebSocket, and serves the
//  dashboard page.
//
//  Its source of truth is a tw_clone of the gateway ([endpoints]
//  gateway_pub and gateway_rep). After each (re)snapshot every connected
//  client gets a fresh snapshot frame; each applied event goes to every
//  client as its JSON (nt_json.h); a heartbeat frame goes out every second
//  while the copy is in sync. A client's {"type":"close","id":…} becomes
//  a gateway close with reason "Manual Close" (nt_forward.h), and its
//  outcome comes back to that client as an ack frame. HTTP and WebSocket
//  are nt_ws's, which runs libwebsockets in a thread of its own (nt_ws.h
//  says why and how the two loops meet).
//
//  It also watches the risk-monitor (nt_riskwatch.h): while it does not
//  answer its ping in sync with the gateway, every client has the warning
//  risk_unwatched (a frame when it starts, changes and ends; in every
//  snapshot while it holds).
//
//  Configuration: [notifier] listen, token (TW_NOTIFIER_TOKEN only),
//  allow_anonymous, max_clients, client_queue_max, risk_watch_interval_ms
//  (0: no watch); [endpoints] notifier_control, gateway_pub, gateway_rep,
//  feed_pub, risk_control; [gateway] command_timeout_ms (one attempt of a
//  forwarded close). Without a token the actor refuses to
//  start (one error line; the process exits 1) unless allow_anonymous is
//  true; then every client is read-only. The token is never logged (its
//  fingerprint is) and never sent.
//
//  Control: ping on [endpoints] notifier_control answers pong with the
//  counters clients, frames_sent, clients_dropped, auth_refused,
//  closes_forwarded and synced (1 when the copy is in sync), among others
//  (services/notifier/README.md), and while the watch is on risk_watched
//  (1 while the risk-monitor answers in sync), risk_pings and
//  risk_pings_unanswered.
//
//  The actor is started by tw_service with a tw_service_t * as args; it
//  signals 0 on its pipe once it listens, or 1 after logging why it cannot
//  start, and it stops on "$TERM". If the server thread dies it sends
//  "FATAL" on its pipe.

#ifndef NT_ACTOR_H_INCLUDED
#define NT_ACTOR_H_INCLUDED

#include <czmq.h>

void nt_actor (zsock_t *pipe, void *args);

#endif
