//  mf_hsm_server - see mf_hsm.h, "Server side": the fake server's half of
//  the protocol (a decoder of client requests, encoders of replies and data
//  frames), kept here so that both ends are written from one description.

#include "mf_hsm.h"
#include "mf_hsm_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  ---------------------------------------------------------------------
//  Requests.

void
mf_hsm_request_reset (mf_hsm_request_t *req)
{
    for (size_t i = 0; i < req->topic_count; i++)
        free (req->topics[i]);
    free (req->topics);
    memset (req, 0, sizeof *req);
}

//  Copies a field value into a string buffer; false when it is too long.
static bool
s_copy (char *dest, size_t size, const uint8_t *value, size_t len)
{
    if (len >= size)
        return false;
    memcpy (dest, value, len);
    dest[len] = 0;
    return true;
}

//  The topic list of a (un)subscribe: u16 count, count x (u8 len, bytes),
//  all inside the field's value.
static int
s_topics (mf_hsm_request_t *req, const uint8_t *value, size_t len, char *err, size_t err_size)
{
    mf_hsm_rd_t rd = {.data = value, .size = len};
    uint16_t count = mf_hsm_rd_u16 (&rd, "topic count");
    if (rd.bad)
        return mf_hsm_rd_fail (&rd, err, err_size);
    //  Each topic takes at least 2 bytes: a count beyond that is a lie.
    if ((size_t) count * 2 > len - 2) {
        snprintf (err, err_size, "topic count %u does not fit in %zu bytes", count, len);
        return -1;
    }
    req->topics = (char **) calloc (count ? count : 1, sizeof (char *));
    if (!req->topics) {
        snprintf (err, err_size, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        uint8_t topic_len = mf_hsm_rd_u8 (&rd, "topic length");
        const uint8_t *topic = mf_hsm_rd_bytes (&rd, topic_len, "topic");
        if (!topic)
            return mf_hsm_rd_fail (&rd, err, err_size);
        req->topics[i] = (char *) malloc ((size_t) topic_len + 1);
        if (!req->topics[i]) {
            snprintf (err, err_size, "out of memory");
            return -1;
        }
        memcpy (req->topics[i], topic, topic_len);
        req->topics[i][topic_len] = 0;
        req->topic_count++;
    }
    return 0;
}

//  Takes one field of a request. Returns 0, or -1 with err set.
static int
s_field (mf_hsm_request_t *req, uint8_t id, const uint8_t *value, size_t len, char *err,
         size_t err_size)
{
    bool ok = true;
    switch (req->type) {
    case MF_HSM_AUTH:
        if (id == 1)
            ok = len > 0 && s_copy (req->hsm_key, sizeof req->hsm_key, value, len);
        else if (id == 4)
            ok = s_copy (req->source, sizeof req->source, value, len);
        break;
    case MF_HSM_MODE:
        if (id == 1 && len == 8) {
            uint64_t mask = 0;
            for (int i = 0; i < 8; i++)
                mask = (mask << 8) | value[i];
            //  Either byte order: the C SDK writes this one little-endian.
            if (!(mask & (UINT64_C (1) << MF_HSM_CHANNEL)))
                mask = __builtin_bswap64 (mask);
            req->channels = mask;
        }
        else if (id == 2) {
            ok = len == 1 && (value[0] == 'F' || value[0] == 'L');
            req->lite = ok && value[0] == 'L';
        }
        else
            ok = id != 1;
        break;
    case MF_HSM_SUBSCRIBE:
    case MF_HSM_UNSUBSCRIBE:
        if (id == 1) {
            if (req->topics) {
                snprintf (err, err_size, "two topic lists");
                return -1;
            }
            return s_topics (req, value, len, err, err_size);
        }
        if (id == 2) {
            ok = len == 1;
            req->channel = ok ? value[0] : 0;
        }
        break;
    case MF_HSM_ACK:
        if (id == 1) {
            ok = len == 4;
            if (ok)
                req->msg_no = ((uint32_t) value[0] << 24) | ((uint32_t) value[1] << 16)
                              | ((uint32_t) value[2] << 8) | value[3];
        }
        break;
    default:
        break;
    }
    if (!ok)
        snprintf (err, err_size, "request type %d: field %u of %zu bytes is not valid", req->type,
                  id, len);
    return ok ? 0 : -1;
}

int
mf_hsm_decode_request (const uint8_t *data, size_t size, mf_hsm_request_t *req, char *err,
                       size_t err_size)
{
    memset (req, 0, sizeof *req);
    mf_hsm_rd_t rd = {.data = data, .size = size};
    mf_hsm_rd_u16 (&rd, "frame length");
    req->type = mf_hsm_rd_u8 (&rd, "frame type");
    if (rd.bad)
        return mf_hsm_rd_fail (&rd, err, err_size);
    if (req->type == MF_HSM_PING)
        return 0;
    if (req->type != MF_HSM_AUTH && req->type != MF_HSM_MODE && req->type != MF_HSM_SUBSCRIBE
        && req->type != MF_HSM_UNSUBSCRIBE && req->type != MF_HSM_ACK) {
        snprintf (err, err_size, "unknown request type %d", req->type);
        return -1;
    }
    uint8_t fields = mf_hsm_rd_u8 (&rd, "field count");
    for (size_t i = 0; i < fields; i++) {
        uint8_t id = mf_hsm_rd_u8 (&rd, "field id");
        uint16_t len = mf_hsm_rd_u16 (&rd, "field length");
        const uint8_t *value = mf_hsm_rd_bytes (&rd, len, "field value");
        if (!value)
            return mf_hsm_rd_fail (&rd, err, err_size);
        if (s_field (req, id, value, len, err, err_size) != 0)
            return -1;
    }
    if (rd.bad)
        return mf_hsm_rd_fail (&rd, err, err_size);
    bool complete = true;
    if (req->type == MF_HSM_AUTH)
        complete = req->hsm_key[0] != 0;
    else if (req->type == MF_HSM_SUBSCRIBE || req->type == MF_HSM_UNSUBSCRIBE)
        complete = req->topics != NULL;
    if (!complete) {
        snprintf (err, err_size, "request type %d lacks its field 1", req->type);
        return -1;
    }
    return 0;
}

//  ---------------------------------------------------------------------
//  Replies.

size_t
mf_hsm_encode_reply (uint8_t *buf, size_t cap, int type, const char *status, uint32_t ack_count)
{
    size_t status_len = strlen (status);
    bool auth = type == MF_HSM_AUTH;
    size_t size = 4 + 3 + status_len + (auth ? 3 + 4 : 0);
    if (status_len > UINT8_MAX || size > cap)
        return 0;
    mf_hsm_put_u16 (buf, (uint16_t) (size - 2));
    buf[2] = (uint8_t) type;
    buf[3] = auth ? 2 : 1;
    buf[4] = 1;
    mf_hsm_put_u16 (buf + 5, (uint16_t) status_len);
    memcpy (buf + 7, status, status_len);
    if (auth) {
        uint8_t *p = buf + 7 + status_len;
        p[0] = 2;
        mf_hsm_put_u16 (p + 1, 4);
        mf_hsm_put_u32 (p + 3, ack_count);
    }
    return size;
}

//  ---------------------------------------------------------------------
//  Data frames.

#define MF_HSM_DATA_HEAD 9

void
mf_hsm_data_begin (mf_hsm_writer_t *w, uint8_t *buf, size_t cap, uint32_t msg_no)
{
    memset (w, 0, sizeof *w);
    if (cap < MF_HSM_DATA_HEAD)
        return;
    w->buf = buf;
    w->cap = cap > MF_HSM_FRAME_MAX ? MF_HSM_FRAME_MAX : cap;
    w->len = MF_HSM_DATA_HEAD;
    buf[2] = MF_HSM_DATA;
    mf_hsm_put_u32 (buf + 3, msg_no);
}

static bool
s_room (mf_hsm_writer_t *w, size_t n)
{
    return w->buf && w->items < UINT16_MAX && w->cap - w->len >= n;
}

static void
s_values (uint8_t *p, const int32_t *values, uint8_t count)
{
    for (size_t i = 0; i < count; i++)
        mf_hsm_put_u32 (p + 4 * i, (uint32_t) values[i]);
}

int
mf_hsm_data_snapshot (mf_hsm_writer_t *w, uint16_t topic_id, const char *topic,
                      const int32_t *values, uint8_t count, uint16_t multiplier, uint8_t precision,
                      const char *exchange, const char *exch_token, const char *symbol)
{
    const char *strings[3] = {exchange, exch_token, symbol};
    size_t topic_len = strlen (topic), need = 1 + 2 + 1 + topic_len + 1 + 4 * (size_t) count + 5;
    for (int i = 0; i < 3; i++) {
        if (strlen (strings[i]) > UINT8_MAX)
            return -1;
        need += 1 + strlen (strings[i]);
    }
    if (topic_len > UINT8_MAX || !s_room (w, need))
        return -1;
    uint8_t *p = w->buf + w->len;
    p[0] = MF_HSM_ITEM_SNAPSHOT;
    mf_hsm_put_u16 (p + 1, topic_id);
    p[3] = (uint8_t) topic_len;
    memcpy (p + 4, topic, topic_len);
    p += 4 + topic_len;
    *p++ = count;
    s_values (p, values, count);
    p += 4 * (size_t) count;
    p[0] = p[1] = 0;
    mf_hsm_put_u16 (p + 2, multiplier);
    p[4] = precision;
    p += 5;
    for (int i = 0; i < 3; i++) {
        size_t len = strlen (strings[i]);
        *p++ = (uint8_t) len;
        memcpy (p, strings[i], len);
        p += len;
    }
    w->len += need;
    w->items++;
    return 0;
}

int
mf_hsm_data_update (mf_hsm_writer_t *w, uint16_t topic_id, const int32_t *values, uint8_t count)
{
    size_t need = 1 + 2 + 1 + 4 * (size_t) count;
    if (!s_room (w, need))
        return -1;
    uint8_t *p = w->buf + w->len;
    p[0] = MF_HSM_ITEM_UPDATE;
    mf_hsm_put_u16 (p + 1, topic_id);
    p[3] = count;
    s_values (p + 4, values, count);
    w->len += need;
    w->items++;
    return 0;
}

int
mf_hsm_data_lite (mf_hsm_writer_t *w, uint16_t topic_id, int32_t ltp)
{
    if (!s_room (w, 7))
        return -1;
    uint8_t *p = w->buf + w->len;
    p[0] = MF_HSM_ITEM_LITE;
    mf_hsm_put_u16 (p + 1, topic_id);
    mf_hsm_put_u32 (p + 3, (uint32_t) ltp);
    w->len += 7;
    w->items++;
    return 0;
}

size_t
mf_hsm_data_end (mf_hsm_writer_t *w)
{
    if (!w->buf)
        return 0;
    mf_hsm_put_u16 (w->buf, (uint16_t) (w->len - 2));
    mf_hsm_put_u16 (w->buf + 7, w->items);
    return w->len;
}
