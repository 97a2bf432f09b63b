//  tw_proto_encode - tw_msg_t to one msgpack map.
//
//  The message is checked first, with the same field checks the decoder
//  applies, so that whatever we send, our own decoder accepts. Every
//  msgpack_pack_* result is checked (CONTRIBUTING.md, style rule 6): the only way they fail
//  is an allocation failure in the buffer, which is reported, not ignored.

#include "tw_proto_int.h"

#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

//  Every write below goes through S_TRY, so one failed pack ends the message.
#define S_TRY(call)                                                                                \
    do {                                                                                           \
        if ((call) != 0)                                                                           \
            return -1;                                                                             \
    } while (0)

static int
s_pack_str (msgpack_packer *pk, const char *str)
{
    size_t len = strlen (str);
    S_TRY (msgpack_pack_str (pk, len));
    S_TRY (msgpack_pack_str_body (pk, str, len));
    return 0;
}

static int s_pack_fields (msgpack_packer *pk, const tw_field_t *fields, size_t count,
                          const void *record);

//  An array of count records, each one map of fields.
static int
s_pack_records (msgpack_packer *pk, const void *array, size_t count, const tw_field_t *fields,
                size_t field_count, size_t elem_size)
{
    S_TRY (msgpack_pack_array (pk, count));
    for (size_t i = 0; i < count; i++)
        S_TRY (s_pack_fields (pk, fields, field_count, (const char *) array + i * elem_size));
    return 0;
}

static int
s_pack_counters (msgpack_packer *pk, const tw_pong_t *pong)
{
    S_TRY (msgpack_pack_map (pk, pong->counter_count));
    for (size_t i = 0; i < pong->counter_count; i++) {
        S_TRY (s_pack_str (pk, pong->counters[i].name));
        S_TRY (msgpack_pack_int64 (pk, pong->counters[i].value));
    }
    return 0;
}

static int
s_pack_value (msgpack_packer *pk, const tw_field_t *field, const void *record)
{
    const char *value = (const char *) record + field->offset;
    switch (field->kind) {
    case TW_FIELD_STR:
    case TW_FIELD_REASON:
        return s_pack_str (pk, value);
    case TW_FIELD_I64:
        return msgpack_pack_int64 (pk, *(const int64_t *) value);
    case TW_FIELD_U64:
        return msgpack_pack_uint64 (pk, *(const uint64_t *) value);
    case TW_FIELD_F64:
        return msgpack_pack_double (pk, *(const double *) value);
    case TW_FIELD_BOOL:
        return *(const bool *) value ? msgpack_pack_true (pk) : msgpack_pack_false (pk);
    case TW_FIELD_SIDE:
        return s_pack_str (pk, tw_side_name (*(const tw_side_t *) value));
    case TW_FIELD_STATE:
        return s_pack_str (pk, tw_state_name (*(const tw_state_t *) value));
    case TW_FIELD_STATUS:
        return s_pack_str (pk, tw_ack_status_name (*(const tw_ack_status_t *) value));
    case TW_FIELD_ACTION:
        return s_pack_str (pk, tw_action_name (*(const tw_action_t *) value));
    case TW_FIELD_SOURCE:
        return s_pack_str (pk, tw_source_name (*(const tw_source_t *) value));
    case TW_FIELD_TRADING:
        return s_pack_str (pk, tw_trading_state_name (*(const tw_trading_state_t *) value));
    case TW_FIELD_POSITIONS: {
        const tw_snapshot_t *snapshot = (const tw_snapshot_t *) value;
        return s_pack_records (pk, snapshot->positions, snapshot->count, tw_proto_position_fields,
                               tw_proto_position_field_count, sizeof (tw_position_t));
    }
    case TW_FIELD_MARKS: {
        const tw_snapshot_t *snapshot = (const tw_snapshot_t *) value;
        return s_pack_records (pk, snapshot->marks, snapshot->mark_count, tw_proto_mark_fields,
                               tw_proto_mark_field_count, sizeof (tw_mark_t));
    }
    case TW_FIELD_TRADES: {
        const tw_history_reply_t *history = (const tw_history_reply_t *) value;
        return s_pack_records (pk, history->trades, history->count, tw_proto_trade_fields,
                               tw_proto_trade_field_count, sizeof (tw_trade_t));
    }
    case TW_FIELD_COUNTERS:
        return s_pack_counters (pk, (const tw_pong_t *) value);
    }
    return -1;
}

//  Packs the present fields of record as key/value pairs (no map header).
static int
s_pack_pairs (msgpack_packer *pk, const tw_field_t *fields, size_t count, const void *record)
{
    for (size_t i = 0; i < count; i++) {
        if (!tw_proto_field_present (&fields[i], record))
            continue;
        S_TRY (s_pack_str (pk, fields[i].name));
        S_TRY (s_pack_value (pk, &fields[i], record));
    }
    return 0;
}

static size_t
s_present_count (const tw_field_t *fields, size_t count, const void *record, uint64_t *present)
{
    size_t n = 0;
    *present = 0;
    for (size_t i = 0; i < count; i++)
        if (tw_proto_field_present (&fields[i], record)) {
            *present |= UINT64_C (1) << i;
            n++;
        }
    return n;
}

//  Packs record as one map of its present fields.
static int
s_pack_fields (msgpack_packer *pk, const tw_field_t *fields, size_t count, const void *record)
{
    uint64_t present;
    S_TRY (msgpack_pack_map (pk, s_present_count (fields, count, record, &present)));
    return s_pack_pairs (pk, fields, count, record);
}

//  Checks every present field and the type's cross-field rule.
static int
s_check (const tw_msg_t *msg, const tw_type_desc_t *desc, char *err, size_t err_size)
{
    uint64_t present;
    s_present_count (desc->fields, desc->field_count, msg, &present);
    for (size_t i = 0; i < desc->field_count; i++)
        if (((present >> i) & 1) && tw_proto_field_check (&desc->fields[i], msg, "", err, err_size))
            return -1;
    const char *reason = desc->check ? desc->check (msg, present) : NULL;
    if (reason)
        return tw_proto_fail (err, err_size, "%s", reason);
    return 0;
}

int
tw_msg_encode (const tw_msg_t *msg, uint8_t **data, size_t *size, char *err, size_t err_size)
{
    *data = NULL;
    *size = 0;
    const tw_type_desc_t *desc = tw_proto_type_desc (msg->type);
    if (!desc)
        return tw_proto_fail (err, err_size, "cannot encode message type %d", (int) msg->type);
    if (s_check (msg, desc, err, err_size))
        return -1;

    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    uint64_t present;
    size_t pairs = 3 + s_present_count (desc->fields, desc->field_count, msg, &present);
    int rc = msgpack_pack_map (&pk, pairs);
    if (rc == 0)
        rc = s_pack_str (&pk, "v");
    if (rc == 0)
        rc = msgpack_pack_int (&pk, TW_PROTO_VERSION);
    if (rc == 0)
        rc = s_pack_str (&pk, "type");
    if (rc == 0)
        rc = s_pack_str (&pk, tw_msg_type_name (msg->type));
    if (rc == 0)
        rc = s_pack_str (&pk, "ts");
    if (rc == 0)
        rc = msgpack_pack_int64 (&pk, msg->ts);
    if (rc == 0)
        rc = s_pack_pairs (&pk, desc->fields, desc->field_count, msg);
    if (rc != 0) {
        msgpack_sbuffer_destroy (&buffer);
        return tw_proto_fail (err, err_size, "encoding %s: out of memory",
                              tw_msg_type_name (msg->type));
    }
    if (buffer.size > TW_MAX_FRAME) {
        size_t too_big = buffer.size;
        msgpack_sbuffer_destroy (&buffer);
        return tw_proto_fail (err, err_size, "encoding %s: %zu bytes exceed the frame limit of %d",
                              tw_msg_type_name (msg->type), too_big, TW_MAX_FRAME);
    }
    *size = buffer.size;
    *data = (uint8_t *) msgpack_sbuffer_release (&buffer);
    return 0;
}
