//  mf_hsm - see mf_hsm.h. This half is the client side: the request
//  encoders, the hsm_key, and the decoder of server frames.
//
//  A data frame is read twice: the first pass only checks every length, the
//  second applies the items. A malformed frame therefore changes nothing.

#include "mf_hsm.h"
#include "mf_hsm_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Topic ids are u16: a direct table, filled by snapshots.
#define MF_HSM_TOPIC_IDS 65536
//  The source string sent in the auth frame when the caller gives none.
#define MF_HSM_SOURCE_DEFAULT "tradewire"

typedef struct {
    char name[MF_HSM_NAME_MAX];
    char kind; //  's' (sf), 'i' (if), 'd' (dp), 0 (other)
    int32_t values[MF_HSM_FIELDS_MAX];
    uint16_t multiplier;
    uint8_t precision;
} s_topic_t;

struct _mf_hsm_t {
    mf_hsm_quote_fn *fn;
    void *arg;
    s_topic_t **topics; //  MF_HSM_TOPIC_IDS entries, made by the first snapshot
    size_t topic_count;
};

//  ---------------------------------------------------------------------
//  The reader shared with mf_hsm_server.c.

bool
mf_hsm_rd_need (mf_hsm_rd_t *rd, size_t n, const char *what)
{
    if (rd->bad)
        return false;
    if (rd->size - rd->at < n) {
        rd->bad = true;
        rd->what = what;
        return false;
    }
    return true;
}

uint8_t
mf_hsm_rd_u8 (mf_hsm_rd_t *rd, const char *what)
{
    if (!mf_hsm_rd_need (rd, 1, what))
        return 0;
    return rd->data[rd->at++];
}

uint16_t
mf_hsm_rd_u16 (mf_hsm_rd_t *rd, const char *what)
{
    if (!mf_hsm_rd_need (rd, 2, what))
        return 0;
    uint16_t value = (uint16_t) ((rd->data[rd->at] << 8) | rd->data[rd->at + 1]);
    rd->at += 2;
    return value;
}

uint32_t
mf_hsm_rd_u32 (mf_hsm_rd_t *rd, const char *what)
{
    if (!mf_hsm_rd_need (rd, 4, what))
        return 0;
    const uint8_t *p = rd->data + rd->at;
    rd->at += 4;
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

const uint8_t *
mf_hsm_rd_bytes (mf_hsm_rd_t *rd, size_t n, const char *what)
{
    if (!mf_hsm_rd_need (rd, n, what))
        return NULL;
    const uint8_t *p = rd->data + rd->at;
    rd->at += n;
    return p;
}

int
mf_hsm_rd_fail (mf_hsm_rd_t *rd, char *err, size_t err_size)
{
    snprintf (err, err_size, "frame of %zu bytes cut short at byte %zu (%s)", rd->size, rd->at,
              rd->what ? rd->what : "?");
    return -1;
}

void
mf_hsm_put_u16 (uint8_t *p, uint16_t value)
{
    p[0] = (uint8_t) (value >> 8);
    p[1] = (uint8_t) value;
}

void
mf_hsm_put_u32 (uint8_t *p, uint32_t value)
{
    p[0] = (uint8_t) (value >> 24);
    p[1] = (uint8_t) (value >> 16);
    p[2] = (uint8_t) (value >> 8);
    p[3] = (uint8_t) value;
}

//  ---------------------------------------------------------------------
//  The decoder object.

mf_hsm_t *
mf_hsm_new (mf_hsm_quote_fn *fn, void *arg)
{
    mf_hsm_t *self = (mf_hsm_t *) calloc (1, sizeof (mf_hsm_t));
    if (!self)
        return NULL;
    self->fn = fn;
    self->arg = arg;
    return self;
}

void
mf_hsm_reset (mf_hsm_t *self)
{
    for (size_t i = 0; self->topics && i < MF_HSM_TOPIC_IDS && self->topic_count > 0; i++)
        if (self->topics[i]) {
            free (self->topics[i]);
            self->topics[i] = NULL;
            self->topic_count--;
        }
}

void
mf_hsm_destroy (mf_hsm_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mf_hsm_t *self = *self_p;
    *self_p = NULL;
    mf_hsm_reset (self);
    free (self->topics);
    free (self);
}

size_t
mf_hsm_topic_count (mf_hsm_t *self)
{
    return self->topic_count;
}

//  Reports the topic's prices when it has an ltp. The scale is
//  10^precision x multiplier; a multiplier of 0 counts as 1 (the C SDK then
//  divides by 1, which would publish prices 100 times too high).
static void
s_report (mf_hsm_t *self, const s_topic_t *topic, mf_hsm_frame_t *frame)
{
    int ltp_at = 0, time_at, bid_at = -1, ask_at = -1, volume_at = -1;
    if (topic->kind == 's') {
        time_at = MF_HSM_SF_EXCH_TIME;
        bid_at = MF_HSM_SF_BID;
        ask_at = MF_HSM_SF_ASK;
        volume_at = MF_HSM_SF_VOLUME;
    }
    else if (topic->kind == 'i')
        time_at = MF_HSM_IF_EXCH_TIME;
    else
        return;
    if (topic->values[ltp_at] == MF_HSM_NONE)
        return;
    double scale = pow (10.0, topic->precision) * (topic->multiplier ? topic->multiplier : 1);
    if (!(scale > 0) || !isfinite (scale))
        scale = 1.0;
    const int32_t *v = topic->values;
    mf_hsm_quote_t quote = {.topic = topic->name, .ltp = v[ltp_at] / scale};
    if (bid_at >= 0 && v[bid_at] != MF_HSM_NONE)
        quote.bid = v[bid_at] / scale;
    if (ask_at >= 0 && v[ask_at] != MF_HSM_NONE)
        quote.ask = v[ask_at] / scale;
    if (volume_at >= 0 && v[volume_at] != MF_HSM_NONE)
        quote.volume = v[volume_at];
    if (v[time_at] != MF_HSM_NONE)
        quote.exch_time = v[time_at];
    frame->quotes++;
    if (self->fn)
        self->fn (&quote, self->arg);
}

//  Reads count i32 values; when values is not NULL, keeps the first
//  MF_HSM_FIELDS_MAX, skipping the sentinel when merge is true.
static void
s_read_values (mf_hsm_rd_t *rd, uint8_t count, int32_t *values, bool merge)
{
    for (size_t i = 0; i < count; i++) {
        int32_t value = (int32_t) mf_hsm_rd_u32 (rd, "value");
        if (!values || i >= MF_HSM_FIELDS_MAX)
            continue;
        if (!merge || value != MF_HSM_NONE)
            values[i] = value;
    }
}

static int
s_snapshot (mf_hsm_t *self, mf_hsm_rd_t *rd, bool apply, mf_hsm_frame_t *frame)
{
    uint16_t id = mf_hsm_rd_u16 (rd, "snapshot topic id");
    uint8_t name_len = mf_hsm_rd_u8 (rd, "snapshot topic length");
    const uint8_t *name = mf_hsm_rd_bytes (rd, name_len, "snapshot topic");
    uint8_t count = mf_hsm_rd_u8 (rd, "snapshot field count");
    int32_t values[MF_HSM_FIELDS_MAX];
    for (size_t i = 0; i < MF_HSM_FIELDS_MAX; i++)
        values[i] = MF_HSM_NONE;
    s_read_values (rd, count, values, false);
    mf_hsm_rd_bytes (rd, 2, "snapshot reserved bytes");
    uint16_t multiplier = mf_hsm_rd_u16 (rd, "snapshot multiplier");
    uint8_t precision = mf_hsm_rd_u8 (rd, "snapshot precision");
    for (int i = 0; i < 3; i++) {
        uint8_t len = mf_hsm_rd_u8 (rd, "snapshot string length");
        mf_hsm_rd_bytes (rd, len, "snapshot string");
    }
    if (rd->bad)
        return -1;
    if (!apply)
        return 0;
    if (!self->topics)
        self->topics = (s_topic_t **) calloc (MF_HSM_TOPIC_IDS, sizeof (s_topic_t *));
    if (!self->topics)
        return 0; //  Out of memory: the item is lost, not the frame.
    s_topic_t *topic = self->topics[id];
    if (!topic) {
        topic = (s_topic_t *) calloc (1, sizeof (s_topic_t));
        if (!topic)
            return 0; //  Out of memory: the item is lost, not the frame.
        self->topics[id] = topic;
        self->topic_count++;
    }
    memcpy (topic->name, name, name_len);
    topic->name[name_len] = 0;
    topic->kind = 0;
    if (name_len >= 3 && name[2] == '|') {
        if (memcmp (name, "sf", 2) == 0)
            topic->kind = 's';
        else if (memcmp (name, "if", 2) == 0)
            topic->kind = 'i';
        else if (memcmp (name, "dp", 2) == 0)
            topic->kind = 'd';
    }
    memcpy (topic->values, values, sizeof values);
    topic->multiplier = multiplier;
    topic->precision = precision;
    s_report (self, topic, frame);
    return 0;
}

static int
s_update (mf_hsm_t *self, mf_hsm_rd_t *rd, bool apply, mf_hsm_frame_t *frame, bool lite)
{
    uint16_t id = mf_hsm_rd_u16 (rd, lite ? "lite topic id" : "update topic id");
    s_topic_t *topic = apply && self->topics ? self->topics[id] : NULL;
    if (lite) {
        int32_t ltp = (int32_t) mf_hsm_rd_u32 (rd, "lite ltp");
        if (topic && ltp != MF_HSM_NONE)
            topic->values[0] = ltp;
    }
    else {
        uint8_t count = mf_hsm_rd_u8 (rd, "update field count");
        s_read_values (rd, count, topic ? topic->values : NULL, true);
    }
    if (rd->bad)
        return -1;
    if (apply && !topic)
        frame->unknown++;
    else if (topic)
        s_report (self, topic, frame);
    return 0;
}

//  One pass over a data frame's items; apply = false only checks.
static int
s_data_pass (mf_hsm_t *self, mf_hsm_rd_t *rd, bool apply, mf_hsm_frame_t *frame, char *err,
             size_t err_size)
{
    for (size_t i = 0; i < frame->items; i++) {
        uint8_t item = mf_hsm_rd_u8 (rd, "item type");
        int rc = -1;
        if (item == MF_HSM_ITEM_SNAPSHOT)
            rc = s_snapshot (self, rd, apply, frame);
        else if (item == MF_HSM_ITEM_UPDATE || item == MF_HSM_ITEM_LITE)
            rc = s_update (self, rd, apply, frame, item == MF_HSM_ITEM_LITE);
        else if (!rd->bad) {
            snprintf (err, err_size, "data item %zu has unknown type %u at byte %zu", i, item,
                      rd->at - 1);
            return -1;
        }
        if (rc != 0)
            return mf_hsm_rd_fail (rd, err, err_size);
    }
    //  Bytes after the last item are ignored, as the SDKs do.
    return 0;
}

static int
s_decode_data (mf_hsm_t *self, mf_hsm_rd_t *rd, mf_hsm_frame_t *frame, char *err, size_t err_size)
{
    frame->msg_no = mf_hsm_rd_u32 (rd, "msg_no");
    frame->items = mf_hsm_rd_u16 (rd, "item count");
    if (rd->bad)
        return mf_hsm_rd_fail (rd, err, err_size);
    size_t start = rd->at;
    if (s_data_pass (self, rd, false, frame, err, err_size) != 0)
        return -1;
    rd->at = start;
    return s_data_pass (self, rd, true, frame, err, err_size);
}

//  A reply: u8 field count, then fields (u8 id, u16 len, bytes). Field 1 is
//  the status; field 2 of 4 bytes the ack count (auth).
static int
s_decode_reply (mf_hsm_rd_t *rd, mf_hsm_frame_t *frame, char *err, size_t err_size)
{
    uint8_t fields = mf_hsm_rd_u8 (rd, "field count");
    for (size_t i = 0; i < fields && !rd->bad; i++) {
        uint8_t id = mf_hsm_rd_u8 (rd, "field id");
        uint16_t len = mf_hsm_rd_u16 (rd, "field length");
        const uint8_t *value = mf_hsm_rd_bytes (rd, len, "field value");
        if (!value)
            break;
        if (id == 1) {
            size_t n = len < sizeof frame->status ? len : sizeof frame->status - 1;
            memcpy (frame->status, value, n);
            frame->status[n] = 0;
            frame->ok = len == 1 && value[0] == 'K';
        }
        else if (id == 2 && len == 4)
            frame->ack_count = ((uint32_t) value[0] << 24) | ((uint32_t) value[1] << 16)
                               | ((uint32_t) value[2] << 8) | value[3];
    }
    if (rd->bad)
        return mf_hsm_rd_fail (rd, err, err_size);
    return 0;
}

int
mf_hsm_decode (mf_hsm_t *self, const uint8_t *data, size_t size, mf_hsm_frame_t *frame, char *err,
               size_t err_size)
{
    memset (frame, 0, sizeof *frame);
    mf_hsm_rd_t rd = {.data = data, .size = size};
    mf_hsm_rd_u16 (&rd, "frame length");
    frame->type = mf_hsm_rd_u8 (&rd, "frame type");
    if (rd.bad)
        return mf_hsm_rd_fail (&rd, err, err_size);
    switch (frame->type) {
    case MF_HSM_DATA:
        return s_decode_data (self, &rd, frame, err, err_size);
    case MF_HSM_AUTH:
    case MF_HSM_SUBSCRIBE:
    case MF_HSM_UNSUBSCRIBE:
    case MF_HSM_MODE:
        return s_decode_reply (&rd, frame, err, err_size);
    default:
        //  Pause, resume, a ping echo, or a type we do not know: reported
        //  as it is, for the caller to ignore.
        return 0;
    }
}

//  ---------------------------------------------------------------------
//  Request encoders.

//  Writes a field (u8 id, u16 len, bytes) at *at. Returns false when it
//  does not fit.
static bool
s_put_field (uint8_t *buf, size_t cap, size_t *at, uint8_t id, const void *value, size_t len)
{
    if (len > UINT16_MAX || cap - *at < 3 + len)
        return false;
    buf[*at] = id;
    mf_hsm_put_u16 (buf + *at + 1, (uint16_t) len);
    if (len)
        memcpy (buf + *at + 3, value, len);
    *at += 3 + len;
    return true;
}

//  Starts a request of type with fields fields; false when cap < 4.
static bool
s_put_head (uint8_t *buf, size_t cap, size_t *at, uint8_t type, uint8_t fields)
{
    if (cap < 4)
        return false;
    buf[2] = type;
    buf[3] = fields;
    *at = 4;
    return true;
}

//  Sets the leading length to size - 2 and returns size.
static size_t
s_finish (uint8_t *buf, size_t size)
{
    mf_hsm_put_u16 (buf, (uint16_t) (size - 2));
    return size;
}

size_t
mf_hsm_encode_auth (uint8_t *buf, size_t cap, const char *hsm_key, const char *source)
{
    if (!source || !*source)
        source = MF_HSM_SOURCE_DEFAULT;
    const uint8_t mode = 'P', flag = 1;
    size_t at;
    if (!hsm_key || !*hsm_key || !s_put_head (buf, cap, &at, MF_HSM_AUTH, 4)
        || !s_put_field (buf, cap, &at, 1, hsm_key, strlen (hsm_key))
        || !s_put_field (buf, cap, &at, 2, &mode, 1) || !s_put_field (buf, cap, &at, 3, &flag, 1)
        || !s_put_field (buf, cap, &at, 4, source, strlen (source)))
        return 0;
    return s_finish (buf, at);
}

size_t
mf_hsm_encode_mode (uint8_t *buf, size_t cap, bool lite)
{
    //  The channel mask big-endian and the leading length 0, as the Python
    //  SDK writes them (the server does not read that length).
    uint8_t mask[8] = {0};
    uint64_t bits = UINT64_C (1) << MF_HSM_CHANNEL;
    for (int i = 0; i < 8; i++)
        mask[i] = (uint8_t) (bits >> (56 - 8 * i));
    const uint8_t mode = lite ? 'L' : 'F';
    size_t at;
    if (!s_put_head (buf, cap, &at, MF_HSM_MODE, 2) || !s_put_field (buf, cap, &at, 1, mask, 8)
        || !s_put_field (buf, cap, &at, 2, &mode, 1))
        return 0;
    mf_hsm_put_u16 (buf, 0);
    return at;
}

size_t
mf_hsm_encode_subscribe (uint8_t *buf, size_t cap, int type, const char *const *topics,
                         size_t count)
{
    if ((type != MF_HSM_SUBSCRIBE && type != MF_HSM_UNSUBSCRIBE) || count == 0
        || count > UINT16_MAX)
        return 0;
    size_t list = 2;
    for (size_t i = 0; i < count; i++) {
        size_t len = strlen (topics[i]);
        if (len == 0 || len > UINT8_MAX)
            return 0;
        list += 1 + len;
    }
    size_t at;
    //  Field 1 is written by hand: its value is built in place.
    if (list > UINT16_MAX || !s_put_head (buf, cap, &at, (uint8_t) type, 2) || cap - at < 3 + list)
        return 0;
    buf[at] = 1;
    mf_hsm_put_u16 (buf + at + 1, (uint16_t) list);
    mf_hsm_put_u16 (buf + at + 3, (uint16_t) count);
    at += 5;
    for (size_t i = 0; i < count; i++) {
        size_t len = strlen (topics[i]);
        buf[at] = (uint8_t) len;
        memcpy (buf + at + 1, topics[i], len);
        at += 1 + len;
    }
    const uint8_t channel = MF_HSM_CHANNEL;
    if (!s_put_field (buf, cap, &at, 2, &channel, 1))
        return 0;
    return s_finish (buf, at);
}

size_t
mf_hsm_encode_ack (uint8_t *buf, size_t cap, uint32_t msg_no)
{
    uint8_t value[4];
    mf_hsm_put_u32 (value, msg_no);
    size_t at;
    if (!s_put_head (buf, cap, &at, MF_HSM_ACK, 1) || !s_put_field (buf, cap, &at, 1, value, 4))
        return 0;
    return s_finish (buf, at);
}

size_t
mf_hsm_encode_ping (uint8_t *buf, size_t cap)
{
    if (cap < 3)
        return 0;
    buf[0] = 0;
    buf[1] = 1;
    buf[2] = MF_HSM_PING;
    return 3;
}

//  ---------------------------------------------------------------------
//  Topics.

static const struct {
    const char *code;
    const char *segment;
} s_segments[] = {
    {"1010", "nse_cm"}, {"1011", "nse_fo"}, {"1012", "cde_fo"}, {"1020", "nse_com"},
    {"1120", "mcx_fo"}, {"1210", "bse_cm"}, {"1211", "bse_fo"}, {"1212", "bcs_fo"},
};

int
mf_hsm_topic_for (const char *fytoken, char *topic, size_t size)
{
    if (strlen (fytoken) <= 10)
        return -1;
    for (size_t i = 0; i < sizeof s_segments / sizeof s_segments[0]; i++)
        if (strncmp (fytoken, s_segments[i].code, 4) == 0) {
            int n = snprintf (topic, size, "sf|%s|%s", s_segments[i].segment, fytoken + 10);
            return n > 0 && (size_t) n < size && n <= UINT8_MAX ? 0 : -1;
        }
    return -1;
}
