//  fuzz_ordersock - the libFuzzer target for gw_ordersock_msg_decode, the
//  decoder of Fyers' order-socket messages (docs/fyers.md §7.3).
//
//  The input is one message text (NUL-terminated by the target, as
//  gw_ordersock hands it over). Decoding must not crash, leak or read out of
//  bounds (the sanitizers watch), and the result must be what the pipe frames
//  of gw_ordersock.h promise: a kind of its own, the texts of that kind set
//  and the others empty, every number field either empty or well-formed
//  (integral text; a finite price, average or multiplier > 0); decoding
//  the same text again gives the same result. Built with -fsanitize=fuzzer
//  when meson's `fuzz` option is on; always built into
//  fuzz_ordersock_replay, which runs the seed corpus in normal CI.

#include "fuzz_ordersock.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

//  Fails loudly, so that libFuzzer (or the replay test) reports the input.
static void
s_require (bool condition)
{
    if (!condition)
        abort ();
}

//  True when buf of size holds a NUL-terminated string.
static bool
s_terminated (const char *buf, size_t size)
{
    return strnlen (buf, size) < size;
}

//  "" or an integer: an optional minus and digits.
static bool
s_integral_or_empty (const char *text)
{
    if (!text[0])
        return true;
    const char *p = text[0] == '-' ? text + 1 : text;
    if (!*p)
        return false;
    for (; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    return true;
}

//  "" or a finite number > 0, whole.
static bool
s_positive_or_empty (const char *text)
{
    if (!text[0])
        return true;
    char *end = NULL;
    double value = strtod (text, &end);
    return end != text && *end == 0 && isfinite (value) && value > 0;
}

static bool
s_same (const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp (a, b) == 0);
}

static bool
s_equal (const gw_ordersock_msg_t *a, const gw_ordersock_msg_t *b)
{
    return a->subscribed == b->subscribed && a->kind == b->kind && s_same (a->id, b->id)
           && s_same (a->tag, b->tag) && s_same (a->symbol, b->symbol)
           && s_same (a->product, b->product) && s_same (a->status, b->status)
           && s_same (a->side, b->side) && s_same (a->filled, b->filled)
           && s_same (a->price, b->price) && s_same (a->net_qty, b->net_qty)
           && s_same (a->multiplier, b->multiplier) && s_same (a->buy_avg, b->buy_avg)
           && s_same (a->sell_avg, b->sell_avg);
}

static void
s_check (const gw_ordersock_msg_t *msg)
{
    //  Every fixed text is terminated, even when it was cut.
    s_require (s_terminated (msg->status, sizeof msg->status)
               && s_terminated (msg->side, sizeof msg->side)
               && s_terminated (msg->filled, sizeof msg->filled)
               && s_terminated (msg->price, sizeof msg->price)
               && s_terminated (msg->net_qty, sizeof msg->net_qty)
               && s_terminated (msg->multiplier, sizeof msg->multiplier)
               && s_terminated (msg->buy_avg, sizeof msg->buy_avg)
               && s_terminated (msg->sell_avg, sizeof msg->sell_avg));
    bool order = msg->kind == GW_ORDERSOCK_MSG_ORDER;
    bool position = msg->kind == GW_ORDERSOCK_MSG_POSITION;
    s_require (order || position || msg->kind == GW_ORDERSOCK_MSG_NONE);
    if (!order && !position) {
        s_require (!msg->id && !msg->tag && !msg->symbol && !msg->product);
        s_require (!msg->status[0] && !msg->side[0] && !msg->filled[0] && !msg->price[0]
                   && !msg->net_qty[0] && !msg->multiplier[0] && !msg->buy_avg[0]
                   && !msg->sell_avg[0]);
        return;
    }
    s_require (msg->id && msg->tag && msg->symbol && msg->product);
    if (order) {
        s_require (strlen (msg->id) < 64);
        s_require (s_integral_or_empty (msg->status) && s_integral_or_empty (msg->side)
                   && s_integral_or_empty (msg->filled));
        s_require (s_positive_or_empty (msg->price));
        s_require (!msg->net_qty[0] && !msg->multiplier[0] && !msg->buy_avg[0]
                   && !msg->sell_avg[0]);
    }
    else {
        s_require (!msg->tag[0] && !msg->symbol[0] && !msg->product[0]);
        s_require (s_integral_or_empty (msg->net_qty));
        s_require (s_positive_or_empty (msg->multiplier) && s_positive_or_empty (msg->buy_avg)
                   && s_positive_or_empty (msg->sell_avg));
        s_require (!msg->status[0] && !msg->side[0] && !msg->filled[0] && !msg->price[0]);
    }
}

void
fuzz_ordersock_run (const uint8_t *data, size_t size, gw_ordersock_msg_t *msg)
{
    //  A copy of exactly the text and its NUL, so that ASan sees a read past it.
    char *text = (char *) malloc (size + 1);
    s_require (text != NULL);
    memcpy (text, data, size);
    text[size] = 0;
    gw_ordersock_msg_decode (text, msg);
    s_check (msg);
    gw_ordersock_msg_t again;
    gw_ordersock_msg_decode (text, &again);
    s_require (s_equal (msg, &again));
    gw_ordersock_msg_reset (&again);
    free (text);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    gw_ordersock_msg_t msg;
    fuzz_ordersock_run (data, size, &msg);
    gw_ordersock_msg_reset (&msg);
    return 0;
}
