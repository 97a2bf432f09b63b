//  gw_ordersock_msg - see gw_ordersock_msg.h.

#include "gw_ordersock_msg.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_CODE_SUBSCRIBED 1605
#define S_ORDER_TAG_PREFIX "1:"
#define S_ORDER_ID_MAX 64 //  an order id is cut to 63 characters

//  A heap copy of text; aborts on OOM.
static char *
s_dup (const char *text)
{
    char *copy = strdup (text);
    assert (copy);
    return copy;
}

//  The string member name of object, "" when absent or not a string.
static const char *
s_string (const cJSON *object, const char *name)
{
    const char *value = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (object, name));
    return value ? value : "";
}

//  An integral number as text into buf; "" when it is not a number, not
//  finite or not below 1e15 in magnitude.
static void
s_integer (const cJSON *item, char *buf, size_t size)
{
    buf[0] = 0;
    if (cJSON_IsNumber (item) && isfinite (item->valuedouble) && fabs (item->valuedouble) < 1e15)
        snprintf (buf, size, "%.0f", item->valuedouble);
}

//  A price or multiplier (finite, > 0) as text into buf; "" otherwise.
static void
s_price (const cJSON *item, char *buf, size_t size)
{
    buf[0] = 0;
    if (cJSON_IsNumber (item) && isfinite (item->valuedouble) && item->valuedouble > 0)
        snprintf (buf, size, "%.10g", item->valuedouble);
}

//  An id: a string as sent, else an integral number as text.
static void
s_number_or_string (const cJSON *item, char *buf, size_t size)
{
    if (cJSON_IsString (item))
        snprintf (buf, size, "%s", item->valuestring);
    else
        s_integer (item, buf, size);
}

static void
s_order (const cJSON *order, gw_ordersock_msg_t *msg)
{
    char id[S_ORDER_ID_MAX] = "";
    s_number_or_string (cJSON_GetObjectItemCaseSensitive (order, "id"), id, sizeof id);
    const char *tag = s_string (order, "ordertag");
    if (strncmp (tag, S_ORDER_TAG_PREFIX, strlen (S_ORDER_TAG_PREFIX)) == 0)
        tag += strlen (S_ORDER_TAG_PREFIX);
    s_integer (cJSON_GetObjectItemCaseSensitive (order, "org_ord_status"), msg->status,
               sizeof msg->status);
    s_integer (cJSON_GetObjectItemCaseSensitive (order, "tran_side"), msg->side, sizeof msg->side);
    s_integer (cJSON_GetObjectItemCaseSensitive (order, "qty_filled"), msg->filled,
               sizeof msg->filled);
    const cJSON *traded = cJSON_GetObjectItemCaseSensitive (order, "price_traded");
    s_price (traded ? traded : cJSON_GetObjectItemCaseSensitive (order, "tradedPrice"), msg->price,
             sizeof msg->price);
    msg->kind = GW_ORDERSOCK_MSG_ORDER;
    msg->id = s_dup (id);
    msg->tag = s_dup (tag);
    msg->symbol = s_dup (s_string (order, "symbol"));
    msg->product = s_dup (s_string (order, "product_type"));
}

static void
s_position (const cJSON *position, gw_ordersock_msg_t *msg)
{
    const char *id = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (position, "id"));
    if (!id)
        return; //  not one we can name
    s_integer (cJSON_GetObjectItemCaseSensitive (position, "net_qty"), msg->net_qty,
               sizeof msg->net_qty);
    s_price (cJSON_GetObjectItemCaseSensitive (position, "qty_multiplier"), msg->multiplier,
             sizeof msg->multiplier);
    s_price (cJSON_GetObjectItemCaseSensitive (position, "buy_avg"), msg->buy_avg,
             sizeof msg->buy_avg);
    s_price (cJSON_GetObjectItemCaseSensitive (position, "sell_avg"), msg->sell_avg,
             sizeof msg->sell_avg);
    msg->kind = GW_ORDERSOCK_MSG_POSITION;
    msg->id = s_dup (id);
    msg->tag = s_dup ("");
    msg->symbol = s_dup ("");
    msg->product = s_dup ("");
}

void
gw_ordersock_msg_decode (const char *text, gw_ordersock_msg_t *msg)
{
    memset (msg, 0, sizeof *msg);
    cJSON *root = cJSON_Parse (text);
    if (!cJSON_IsObject (root)) {
        cJSON_Delete (root);
        return; //  "pong", or not ours
    }
    const cJSON *code = cJSON_GetObjectItemCaseSensitive (root, "code");
    const cJSON *order = cJSON_GetObjectItemCaseSensitive (root, "orders");
    const cJSON *position = cJSON_GetObjectItemCaseSensitive (root, "positions");
    msg->subscribed = cJSON_IsNumber (code) && code->valueint == S_CODE_SUBSCRIBED;
    if (cJSON_IsObject (order))
        s_order (order, msg);
    else if (cJSON_IsObject (position))
        s_position (position, msg);
    cJSON_Delete (root);
}

void
gw_ordersock_msg_reset (gw_ordersock_msg_t *msg)
{
    free (msg->id);
    free (msg->tag);
    free (msg->symbol);
    free (msg->product);
    memset (msg, 0, sizeof *msg);
}
