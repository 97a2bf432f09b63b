//  gw_inproc - see gw_inproc.h.

#include "gw_inproc.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gw_actor.h"
#include "tw_clock.h"
#include "tw_log.h"
#include "tw_sock.h"

#define ERR_MAX 512
#define PATH_MAX_LEN 512
#define POLL_MS 10
#define TTL_NS (30 * TW_NS_PER_MS * 1000)
#define LABEL_MAX 32
#define IST_OFFSET_S 19800 //  UTC+05:30

double gw_inproc_price_a = GW_INPROC_PRICE_A;
gw_wall_clock_fn *gw_inproc_wall_clock = NULL;

static int s_generation;
static char s_label[LABEL_MAX];
static char s_dir[PATH_MAX_LEN];
static char s_origin[PATH_MAX_LEN];

void
gw_inproc_setup (const char *label)
{
    tw_log_init ("unit");
    snprintf (s_label, sizeof s_label, "%s", label);
    char s_label_dir[PATH_MAX_LEN];
    snprintf (s_label_dir, sizeof s_label_dir, "/tmp/tw-gw-%s-XXXXXX", label);
    //  In an empty directory, so that no deploy/config/tradewire.ini is read.
    ck_assert_ptr_nonnull (getcwd (s_origin, sizeof s_origin));
    snprintf (s_dir, sizeof s_dir, "%s", s_label_dir);
    ck_assert_ptr_nonnull (mkdtemp (s_dir));
    ck_assert_int_eq (chdir (s_dir), 0);
    setenv ("TW_GATEWAY_BROKER", "paper", 1);
    setenv ("TW_GATEWAY_DB", "gateway.db", 1);
    setenv ("TW_GATEWAY_PAPER_DB", "paper.db", 1);
    setenv ("TW_GATEWAY_HEARTBEAT_MS", "50", 1);
}

void
gw_inproc_teardown (void)
{
    ck_assert_int_eq (chdir (s_origin), 0);
    char command[PATH_MAX_LEN + 16];
    snprintf (command, sizeof command, "rm -rf %s", s_dir);
    ck_assert_int_eq (system (command), 0);
}

//  Publishes one tick of each symbol: the paper broker fills at the last.
void
gw_inproc_ticks (gw_inproc_t *fx)
{
    const char *symbols[] = {GW_INPROC_SYMBOL_A, GW_INPROC_SYMBOL_B};
    const double prices[] = {gw_inproc_price_a, GW_INPROC_PRICE_B};
    for (size_t i = 0; i < 2; i++) {
        tw_msg_t tick;
        tw_msg_init (&tick, TW_MSG_TICK);
        snprintf (tick.u.tick.symbol, sizeof tick.u.tick.symbol, "%s", symbols[i]);
        tick.u.tick.ltp = prices[i];
        ck_assert_int_eq (tw_sock_publish (fx->feed, &tick), 0);
    }
}

//  The next event other than a heartbeat, within GW_INPROC_WAIT_MS (ticking meanwhile).
void
gw_inproc_next_event (gw_inproc_t *fx, tw_msg_t *event)
{
    zpoller_t *poller = zpoller_new (fx->events, NULL);
    int64_t deadline = tw_clock_mono_ms () + GW_INPROC_WAIT_MS;
    bool got = false;
    while (!got && tw_clock_mono_ms () < deadline) {
        gw_inproc_ticks (fx);
        if (zpoller_wait (poller, POLL_MS) != fx->events)
            continue;
        char err[ERR_MAX];
        ck_assert_msg (tw_sock_recv (fx->events, event, err, sizeof err) == 0, "%s", err);
        got = event->type != TW_MSG_HEARTBEAT;
    }
    zpoller_destroy (&poller);
    ck_assert_msg (got, "no event within %d ms", GW_INPROC_WAIT_MS);
}

//  Sends request and returns the gateway's reply.
void
gw_inproc_request (gw_inproc_t *fx, const tw_msg_t *request, tw_msg_t *reply)
{
    ck_assert_int_eq (tw_sock_send (fx->client, request), 0);
    zpoller_t *poller = zpoller_new (fx->client, NULL);
    void *which = zpoller_wait (poller, GW_INPROC_WAIT_MS);
    zpoller_destroy (&poller);
    ck_assert_msg (which == fx->client, "no reply within %d ms", GW_INPROC_WAIT_MS);
    char err[ERR_MAX];
    ck_assert_msg (tw_sock_recv (fx->client, reply, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq (reply->req_id, request->req_id);
}

void
gw_inproc_command (tw_msg_t *msg, tw_msg_type_t type, const char *req_id)
{
    tw_msg_init (msg, type);
    snprintf (msg->req_id, sizeof msg->req_id, "%s", req_id);
    msg->expires_at = tw_clock_wall_ns () + TTL_NS;
}

size_t
gw_inproc_snapshot (gw_inproc_t *fx, tw_position_t *positions, size_t max)
{
    tw_msg_t request, reply;
    memset (&reply, 0, sizeof reply);
    gw_inproc_command (&request, TW_MSG_SNAPSHOT, "snapshot");
    request.expires_at = 0;
    gw_inproc_request (fx, &request, &reply);
    ck_assert_int_eq (reply.type, TW_MSG_SNAPSHOT_REPLY);
    size_t count = reply.u.snapshot.count;
    for (size_t i = 0; i < count && i < max; i++)
        positions[i] = reply.u.snapshot.positions[i];
    tw_msg_reset (&reply);
    return count;
}

int64_t
gw_inproc_ist_ns (int year, int month, int day, int hour, int minute, int second)
{
    struct tm tm;
    memset (&tm, 0, sizeof tm);
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    return ((int64_t) timegm (&tm) - IST_OFFSET_S) * TW_NS_PER_MS * 1000;
}

int64_t
gw_inproc_counter (gw_inproc_t *fx, const char *name)
{
    tw_msg_t status, pong;
    memset (&pong, 0, sizeof pong);
    gw_inproc_command (&status, TW_MSG_STATUS, "status");
    status.expires_at = 0;
    gw_inproc_request (fx, &status, &pong);
    ck_assert_int_eq (pong.type, TW_MSG_PONG);
    ck_assert_str_eq (pong.u.pong.service, GW_INPROC_SERVICE);
    for (size_t i = 0; i < pong.u.pong.counter_count; i++)
        if (strcmp (pong.u.pong.counters[i].name, name) == 0)
            return pong.u.pong.counters[i].value;
    ck_abort_msg ("pong has no counter '%s'", name);
    return -1;
}

void
gw_inproc_start (gw_inproc_t *fx)
{
    memset (fx, 0, sizeof *fx);
    s_generation++;
    snprintf (fx->gw_rep, sizeof fx->gw_rep, "inproc://gw-%s-rep-%d", s_label, s_generation);
    snprintf (fx->gw_pub, sizeof fx->gw_pub, "inproc://gw-%s-pub-%d", s_label, s_generation);
    snprintf (fx->feed_pub, sizeof fx->feed_pub, "inproc://gw-%s-feed-%d", s_label, s_generation);
    setenv ("TW_ENDPOINTS_GATEWAY_REP", fx->gw_rep, 1);
    setenv ("TW_ENDPOINTS_GATEWAY_PUB", fx->gw_pub, 1);
    setenv ("TW_ENDPOINTS_FEED_PUB", fx->feed_pub, 1);
    fx->feed = tw_sock_pub_new (fx->feed_pub);
    ck_assert_ptr_nonnull (fx->feed);
    char err[ERR_MAX] = "";
    fx->config = tw_config_load (NULL, err, sizeof err);
    ck_assert_msg (fx->config != NULL, "config: %s", err);
    fx->service = tw_service_new (GW_INPROC_SERVICE, fx->config);
    ck_assert_ptr_nonnull (fx->service);
    fx->args.service = fx->service;
    fx->args.wall_clock = gw_inproc_wall_clock;
    fx->actor = zactor_new (gw_actor_clocked, &fx->args);
    ck_assert_ptr_nonnull (fx->actor);
    fx->events = tw_sock_sub_new (fx->gw_pub, "");
    fx->client = tw_sock_dealer_new (fx->gw_rep);
    ck_assert (fx->events && fx->client);
    //  Subscribed once a heartbeat arrives; ready once the broker was read.
    zpoller_t *poller = zpoller_new (fx->events, NULL);
    ck_assert_ptr_eq (zpoller_wait (poller, GW_INPROC_WAIT_MS), fx->events);
    zpoller_destroy (&poller);
    int64_t deadline = tw_clock_mono_ms () + GW_INPROC_WAIT_MS;
    while (gw_inproc_counter (fx, "reconciled") != 1 && tw_clock_mono_ms () < deadline)
        zclock_sleep (POLL_MS);
    ck_assert_int_eq (gw_inproc_counter (fx, "reconciled"), 1);
}

void
gw_inproc_stop (gw_inproc_t *fx)
{
    zactor_destroy (&fx->actor);
    tw_service_destroy (&fx->service);
    tw_config_destroy (&fx->config);
    zsock_destroy (&fx->client);
    zsock_destroy (&fx->events);
    zsock_destroy (&fx->feed);
}

//  Opens qty of symbol long and waits for position_opened. Until the paper
//  broker has its first tick an open is refused (order_rejected): it is then
//  sent again under a new req_id. Every event seen must be about symbol.
void
gw_inproc_open (gw_inproc_t *fx, const char *symbol, const char *pos_id, int64_t qty, double price)
{
    gw_inproc_open_as (fx, symbol, "", pos_id, qty, price);
}

void
gw_inproc_try_open (gw_inproc_t *fx, const char *symbol, const char *product, tw_msg_t *ack)
{
    tw_msg_t open;
    char req_id[TW_ID_MAX];
    snprintf (req_id, sizeof req_id, "try-%d", ++fx->next_req);
    memset (ack, 0, sizeof *ack);
    gw_inproc_command (&open, TW_MSG_OPEN, req_id);
    snprintf (open.u.open.symbol, sizeof open.u.open.symbol, "%s", symbol);
    snprintf (open.u.open.product, sizeof open.u.open.product, "%s", product);
    open.u.open.side = TW_SIDE_LONG;
    open.u.open.qty = 1;
    gw_inproc_request (fx, &open, ack);
    ck_assert_int_eq (ack->type, TW_MSG_ACK);
}

void
gw_inproc_open_as (gw_inproc_t *fx, const char *symbol, const char *product, const char *pos_id,
                   int64_t qty, double price)
{
    int64_t deadline = tw_clock_mono_ms () + GW_INPROC_WAIT_MS;
    while (tw_clock_mono_ms () < deadline) {
        char req_id[TW_ID_MAX];
        snprintf (req_id, sizeof req_id, "open-%d", ++fx->next_req);
        tw_msg_t open, ack, event;
        memset (&ack, 0, sizeof ack);
        memset (&event, 0, sizeof event);
        gw_inproc_command (&open, TW_MSG_OPEN, req_id);
        snprintf (open.u.open.symbol, sizeof open.u.open.symbol, "%s", symbol);
        snprintf (open.u.open.product, sizeof open.u.open.product, "%s", product);
        open.u.open.side = TW_SIDE_LONG;
        open.u.open.qty = qty;
        open.u.open.sl = price / 2;
        gw_inproc_request (fx, &open, &ack);
        ck_assert_int_eq (ack.type, TW_MSG_ACK);
        ck_assert_int_eq (ack.u.ack.status, TW_ACK_ACCEPTED);
        ck_assert_str_eq (ack.u.ack.id, pos_id);
        gw_inproc_next_event (fx, &event);
        ck_assert_str_eq (event.u.event.pos.id, pos_id);
        if (event.type == TW_MSG_ORDER_REJECTED)
            continue;
        ck_assert_int_eq (event.type, TW_MSG_POSITION_OPENED);
        ck_assert_int_eq (event.u.event.pos.qty, qty);
        ck_assert_int_eq (event.u.event.pos.side, TW_SIDE_LONG);
        ck_assert_double_eq (event.u.event.pos.entry_price, price);
        ck_assert_int_eq (event.u.event.pos.state, TW_STATE_OPEN);
        return;
    }
    ck_abort_msg ("no position_opened for %s within %d ms", symbol, GW_INPROC_WAIT_MS);
}
