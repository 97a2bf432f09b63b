//  tw_proto_decode - one untrusted msgpack frame to a tw_msg_t.
//
//  Three steps, each refusing what the next would not survive: the frame
//  size, the bounded pre-scan (tw_msgpack_scan.c), and only then msgpack-c's
//  unpacker, whose object tree is walked with the field tables of
//  tw_proto_fields.c. Every value is type-checked and copied out of the
//  frame (msgpack strings are not NUL-terminated); the tree is freed before
//  returning, so a decoded message refers to nothing of the frame.

#include "tw_proto_int.h"

#include <inttypes.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const tw_scan_limits_t s_limits = {
    .max_depth = TW_PROTO_MAX_DEPTH,
    .max_array = TW_MAX_POSITIONS,
    .max_map = TW_PROTO_MAX_MAP_PAIRS,
    .max_objects = TW_PROTO_MAX_OBJECTS,
};

//  Where the reasons get written, and which field of which record is being
//  decoded, so that every reason can name it.
typedef struct {
    char *err;
    size_t err_size;
    const char *prefix; //  "" at the top level, "positions[3]." inside a snapshot
} s_ctx_t;

static const char *
s_kind_name (const msgpack_object *obj)
{
    switch (obj->type) {
    case MSGPACK_OBJECT_NIL:
        return "nil";
    case MSGPACK_OBJECT_BOOLEAN:
        return "boolean";
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return "integer";
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return "float";
    case MSGPACK_OBJECT_STR:
        return "string";
    case MSGPACK_OBJECT_ARRAY:
        return "array";
    case MSGPACK_OBJECT_MAP:
        return "map";
    case MSGPACK_OBJECT_BIN:
        return "bin";
    case MSGPACK_OBJECT_EXT:
        return "ext";
    }
    return "unknown";
}

static int
s_expected (s_ctx_t *ctx, const char *name, const char *expected, const msgpack_object *obj)
{
    return tw_proto_fail (ctx->err, ctx->err_size, "field '%s%s': expected %s, got %s", ctx->prefix,
                          name, expected, s_kind_name (obj));
}

static bool
s_key_is (const msgpack_object *key, const char *name)
{
    size_t len = strlen (name);
    return key->via.str.size == len && memcmp (key->via.str.ptr, name, len) == 0;
}

//  Copies a string value into buf (size bytes, NUL included).
static int
s_copy_str (s_ctx_t *ctx, const char *name, const msgpack_object *obj, char *buf, size_t size)
{
    if (obj->type != MSGPACK_OBJECT_STR)
        return s_expected (ctx, name, "string", obj);
    size_t len = obj->via.str.size;
    if (len >= size)
        return tw_proto_fail (ctx->err, ctx->err_size,
                              "field '%s%s': string of %zu bytes exceeds the limit of %zu",
                              ctx->prefix, name, len, size - 1);
    if (memchr (obj->via.str.ptr, 0, len))
        return tw_proto_fail (ctx->err, ctx->err_size, "field '%s%s': string contains a NUL byte",
                              ctx->prefix, name);
    memcpy (buf, obj->via.str.ptr, len);
    buf[len] = 0;
    return 0;
}

static int
s_get_i64 (s_ctx_t *ctx, const char *name, const msgpack_object *obj, int64_t *value)
{
    if (obj->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        *value = obj->via.i64;
    else if (obj->type == MSGPACK_OBJECT_POSITIVE_INTEGER && obj->via.u64 <= INT64_MAX)
        *value = (int64_t) obj->via.u64;
    else if (obj->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        return tw_proto_fail (ctx->err, ctx->err_size, "field '%s%s': integer out of range",
                              ctx->prefix, name);
    else
        return s_expected (ctx, name, "integer", obj);
    return 0;
}

//  Reads an enum given as its wire name; parse returns 0 (NONE) for an
//  unknown name.
static int
s_get_enum (s_ctx_t *ctx, const char *name, const msgpack_object *obj, int (*parse) (const char *),
            int *value)
{
    char text[TW_NAME_MAX];
    if (obj->type != MSGPACK_OBJECT_STR)
        return s_expected (ctx, name, "string", obj);
    if (obj->via.str.size < sizeof text && !memchr (obj->via.str.ptr, 0, obj->via.str.size)) {
        memcpy (text, obj->via.str.ptr, obj->via.str.size);
        text[obj->via.str.size] = 0;
        *value = parse (text);
        if (*value != 0)
            return 0;
    }
    char quoted[TW_PROTO_QUOTE_MAX + 4];
    tw_proto_quote (obj->via.str.ptr, obj->via.str.size, quoted, sizeof quoted);
    return tw_proto_fail (ctx->err, ctx->err_size, "field '%s%s': invalid value '%s'", ctx->prefix,
                          name, quoted);
}

//  The parse functions of tw_proto.h, with the signature s_get_enum wants.
static int
s_parse_side (const char *name)
{
    return (int) tw_side_parse (name);
}
static int
s_parse_state (const char *name)
{
    return (int) tw_state_parse (name);
}
static int
s_parse_status (const char *name)
{
    return (int) tw_ack_status_parse (name);
}
static int
s_parse_action (const char *name)
{
    return (int) tw_action_parse (name);
}

static int
s_parse_source (const char *name)
{
    return (int) tw_source_parse (name);
}

static int
s_parse_trading (const char *name)
{
    return (int) tw_trading_state_parse (name);
}

static int s_decode_fields (s_ctx_t *ctx, const msgpack_object *map, const tw_field_t *fields,
                            size_t count, void *record, const char *what, uint64_t *present);

//  An array of records (positions, marks, trades) called name: at most
//  limit maps, each decoded with fields into a zeroed array of elem_size
//  records that the message owns from then on (tw_msg_reset frees it, on
//  failure too). what names one record in a reason ("a position").
static int
s_decode_records (s_ctx_t *ctx, const msgpack_object *obj, const char *name, uint32_t limit,
                  const tw_field_t *fields, size_t field_count, size_t elem_size, const char *what,
                  void **array, size_t *count)
{
    if (obj->type != MSGPACK_OBJECT_ARRAY)
        return s_expected (ctx, name, "array", obj);
    uint32_t n = obj->via.array.size;
    if (n > limit)
        return tw_proto_fail (ctx->err, ctx->err_size,
                              "field '%s': %" PRIu32 " %s exceed the limit of %" PRIu32, name, n,
                              name, limit);
    if (n == 0)
        return 0;
    *array = calloc (n, elem_size);
    if (!*array)
        return tw_proto_fail (ctx->err, ctx->err_size, "field '%s': out of memory", name);
    *count = n;
    for (uint32_t i = 0; i < n; i++) {
        char prefix[48];
        snprintf (prefix, sizeof prefix, "%s[%" PRIu32 "].", name, i);
        s_ctx_t inner = {.err = ctx->err, .err_size = ctx->err_size, .prefix = prefix};
        const msgpack_object *item = &obj->via.array.ptr[i];
        if (item->type != MSGPACK_OBJECT_MAP)
            return tw_proto_fail (ctx->err, ctx->err_size,
                                  "field '%s[%" PRIu32 "]': expected map, got %s", name, i,
                                  s_kind_name (item));
        uint64_t present;
        if (s_decode_fields (&inner, item, fields, field_count, (char *) *array + i * elem_size,
                             what, &present))
            return -1;
    }
    return 0;
}

static int
s_decode_counters (s_ctx_t *ctx, const msgpack_object *obj, tw_pong_t *pong)
{
    if (obj->type != MSGPACK_OBJECT_MAP)
        return s_expected (ctx, "counters", "map", obj);
    if (obj->via.map.size > TW_MAX_COUNTERS)
        return tw_proto_fail (ctx->err, ctx->err_size,
                              "field 'counters': %" PRIu32 " counters exceed the limit of %d",
                              obj->via.map.size, TW_MAX_COUNTERS);
    for (uint32_t i = 0; i < obj->via.map.size; i++) {
        const msgpack_object_kv *kv = &obj->via.map.ptr[i];
        tw_counter_t *counter = &pong->counters[i];
        char name[32];
        snprintf (name, sizeof name, "counters[%" PRIu32 "]", i);
        if (s_copy_str (ctx, name, &kv->key, counter->name, sizeof counter->name))
            return -1;
        if (!counter->name[0])
            return tw_proto_fail (ctx->err, ctx->err_size, "field 'counters': empty counter name");
        for (uint32_t j = 0; j < i; j++)
            if (strcmp (pong->counters[j].name, counter->name) == 0)
                return tw_proto_fail (ctx->err, ctx->err_size,
                                      "field 'counters': duplicate counter '%s'", counter->name);
        if (s_get_i64 (ctx, name, &kv->val, &counter->value))
            return -1;
        pong->counter_count = i + 1;
    }
    return 0;
}

//  Reads one value into record as field says; the shared value checks of
//  tw_proto_field_check follow.
static int
s_decode_value (s_ctx_t *ctx, const tw_field_t *field, const msgpack_object *obj, void *record)
{
    char *value = (char *) record + field->offset;
    const char *name = field->name;
    int parsed = 0;
    int rc = 0;
    switch (field->kind) {
    case TW_FIELD_STR:
    case TW_FIELD_REASON:
        return s_copy_str (ctx, name, obj, value, field->size);
    case TW_FIELD_I64:
        return s_get_i64 (ctx, name, obj, (int64_t *) value);
    case TW_FIELD_U64:
        if (obj->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            return s_expected (ctx, name, "unsigned integer", obj);
        *(uint64_t *) value = obj->via.u64;
        return 0;
    case TW_FIELD_F64:
        if (obj->type == MSGPACK_OBJECT_FLOAT32 || obj->type == MSGPACK_OBJECT_FLOAT64)
            *(double *) value = obj->via.f64;
        else if (obj->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
            *(double *) value = (double) obj->via.u64;
        else if (obj->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
            *(double *) value = (double) obj->via.i64;
        else
            return s_expected (ctx, name, "number", obj);
        return 0;
    case TW_FIELD_BOOL:
        if (obj->type != MSGPACK_OBJECT_BOOLEAN)
            return s_expected (ctx, name, "boolean", obj);
        *(bool *) value = obj->via.boolean;
        return 0;
    case TW_FIELD_SIDE:
        rc = s_get_enum (ctx, name, obj, s_parse_side, &parsed);
        *(tw_side_t *) value = (tw_side_t) parsed;
        return rc;
    case TW_FIELD_STATE:
        rc = s_get_enum (ctx, name, obj, s_parse_state, &parsed);
        *(tw_state_t *) value = (tw_state_t) parsed;
        return rc;
    case TW_FIELD_STATUS:
        rc = s_get_enum (ctx, name, obj, s_parse_status, &parsed);
        *(tw_ack_status_t *) value = (tw_ack_status_t) parsed;
        return rc;
    case TW_FIELD_ACTION:
        rc = s_get_enum (ctx, name, obj, s_parse_action, &parsed);
        *(tw_action_t *) value = (tw_action_t) parsed;
        return rc;
    case TW_FIELD_SOURCE:
        rc = s_get_enum (ctx, name, obj, s_parse_source, &parsed);
        *(tw_source_t *) value = (tw_source_t) parsed;
        return rc;
    case TW_FIELD_TRADING:
        rc = s_get_enum (ctx, name, obj, s_parse_trading, &parsed);
        *(tw_trading_state_t *) value = (tw_trading_state_t) parsed;
        return rc;
    case TW_FIELD_POSITIONS: {
        tw_snapshot_t *snapshot = (tw_snapshot_t *) value;
        return s_decode_records (ctx, obj, "positions", TW_MAX_POSITIONS, tw_proto_position_fields,
                                 tw_proto_position_field_count, sizeof (tw_position_t),
                                 "a position", (void **) &snapshot->positions, &snapshot->count);
    }
    case TW_FIELD_MARKS: {
        tw_snapshot_t *snapshot = (tw_snapshot_t *) value;
        return s_decode_records (ctx, obj, "marks", TW_MAX_MARKS, tw_proto_mark_fields,
                                 tw_proto_mark_field_count, sizeof (tw_mark_t), "a mark",
                                 (void **) &snapshot->marks, &snapshot->mark_count);
    }
    case TW_FIELD_COUNTERS:
        return s_decode_counters (ctx, obj, (tw_pong_t *) value);
    case TW_FIELD_TRADES: {
        tw_history_reply_t *history = (tw_history_reply_t *) value;
        return s_decode_records (ctx, obj, "trades", TW_MAX_TRADES, tw_proto_trade_fields,
                                 tw_proto_trade_field_count, sizeof (tw_trade_t), "a trade",
                                 (void **) &history->trades, &history->count);
    }
    }
    return tw_proto_fail (ctx->err, ctx->err_size, "field '%s%s': unknown kind", ctx->prefix, name);
}

static bool
s_is_header_key (const msgpack_object *key)
{
    return s_key_is (key, "v") || s_key_is (key, "type") || s_key_is (key, "ts");
}

//  Decodes the pairs of map into record with the field table. At the top
//  level (what names the type) the header keys have been read already and
//  are skipped. Sets *present (bit i = fields[i] was there).
static int
s_decode_fields (s_ctx_t *ctx, const msgpack_object *map, const tw_field_t *fields, size_t count,
                 void *record, const char *what, uint64_t *present)
{
    bool top = ctx->prefix[0] == 0; //  nested records always have a prefix
    *present = 0;
    for (uint32_t k = 0; k < map->via.map.size; k++) {
        const msgpack_object_kv *kv = &map->via.map.ptr[k];
        if (kv->key.type != MSGPACK_OBJECT_STR)
            return tw_proto_fail (ctx->err, ctx->err_size,
                                  "%skey %" PRIu32 ": expected string, got %s", ctx->prefix, k,
                                  s_kind_name (&kv->key));
        if (top && s_is_header_key (&kv->key))
            continue;
        size_t i = 0;
        while (i < count && !s_key_is (&kv->key, fields[i].name))
            i++;
        if (i == count) {
            char quoted[TW_PROTO_QUOTE_MAX + 4];
            tw_proto_quote (kv->key.via.str.ptr, kv->key.via.str.size, quoted, sizeof quoted);
            return tw_proto_fail (ctx->err, ctx->err_size, "unknown field '%s%s' in %s",
                                  ctx->prefix, quoted, what);
        }
        if ((*present >> i) & 1)
            return tw_proto_fail (ctx->err, ctx->err_size, "duplicate field '%s%s'", ctx->prefix,
                                  fields[i].name);
        *present |= UINT64_C (1) << i;
        if (s_decode_value (ctx, &fields[i], &kv->val, record)
            || tw_proto_field_check (&fields[i], record, ctx->prefix, ctx->err, ctx->err_size))
            return -1;
        if (fields[i].has_offset)
            *(bool *) ((char *) record + fields[i].has_offset) = true;
    }
    for (size_t i = 0; i < count; i++) {
        if ((*present >> i) & 1)
            continue;
        if (fields[i].flags & TW_FIELD_REQUIRED)
            return tw_proto_fail (ctx->err, ctx->err_size, "missing field '%s%s'", ctx->prefix,
                                  fields[i].name);
        if (fields[i].fallback)
            snprintf ((char *) record + fields[i].offset, fields[i].size, "%s", fields[i].fallback);
    }
    return 0;
}

//  Finds the value of the header key name in map; a missing or repeated key
//  is an error.
static int
s_find_header (s_ctx_t *ctx, const msgpack_object *map, const char *name,
               const msgpack_object **value)
{
    *value = NULL;
    for (uint32_t k = 0; k < map->via.map.size; k++) {
        const msgpack_object_kv *kv = &map->via.map.ptr[k];
        if (kv->key.type != MSGPACK_OBJECT_STR || !s_key_is (&kv->key, name))
            continue;
        if (*value)
            return tw_proto_fail (ctx->err, ctx->err_size, "duplicate field '%s'", name);
        *value = &kv->val;
    }
    if (!*value)
        return tw_proto_fail (ctx->err, ctx->err_size, "missing field '%s'", name);
    return 0;
}

static int
s_decode_message (const msgpack_object *root, tw_msg_t *msg, char *err, size_t err_size)
{
    s_ctx_t ctx = {.err = err, .err_size = err_size, .prefix = ""};
    if (root->type != MSGPACK_OBJECT_MAP)
        return tw_proto_fail (err, err_size, "top level: expected map, got %s", s_kind_name (root));
    const msgpack_object *version, *type, *ts;
    if (s_find_header (&ctx, root, "v", &version))
        return -1;
    int64_t v;
    if (s_get_i64 (&ctx, "v", version, &v))
        return -1;
    if (v != TW_PROTO_VERSION)
        return tw_proto_fail (err, err_size, "field 'v': unsupported protocol version %lld",
                              (long long) v);
    if (s_find_header (&ctx, root, "type", &type))
        return -1;
    char type_name[TW_NAME_MAX];
    if (type->type == MSGPACK_OBJECT_STR && type->via.str.size >= sizeof type_name) {
        char quoted[TW_PROTO_QUOTE_MAX + 4];
        tw_proto_quote (type->via.str.ptr, type->via.str.size, quoted, sizeof quoted);
        return tw_proto_fail (err, err_size, "field 'type': unknown type '%s'", quoted);
    }
    if (s_copy_str (&ctx, "type", type, type_name, sizeof type_name))
        return -1;
    tw_msg_type_t parsed = tw_msg_type_parse (type_name);
    const tw_type_desc_t *desc = tw_proto_type_desc (parsed);
    if (!desc) {
        char quoted[TW_PROTO_QUOTE_MAX + 4];
        tw_proto_quote (type_name, strlen (type_name), quoted, sizeof quoted);
        return tw_proto_fail (err, err_size, "field 'type': unknown type '%s'", quoted);
    }
    if (s_find_header (&ctx, root, "ts", &ts) || s_get_i64 (&ctx, "ts", ts, &msg->ts))
        return -1;
    msg->type = parsed;

    uint64_t present;
    if (s_decode_fields (&ctx, root, desc->fields, desc->field_count, msg, type_name, &present))
        return -1;
    const char *reason = desc->check ? desc->check (msg, present) : NULL;
    if (reason)
        return tw_proto_fail (err, err_size, "%s", reason);
    return 0;
}

int
tw_msg_decode (const uint8_t *data, size_t size, tw_msg_t *msg, char *err, size_t err_size)
{
    tw_msg_reset (msg);
    if (err && err_size > 0)
        err[0] = 0;
    if (!data || size == 0)
        return tw_proto_fail (err, err_size, "empty frame");
    if (size > TW_MAX_FRAME)
        return tw_proto_fail (err, err_size, "frame of %zu bytes exceeds the limit of %d", size,
                              TW_MAX_FRAME);
    if (tw_msgpack_scan (data, size, &s_limits, err, err_size))
        return -1;

    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    msgpack_unpack_return ret = msgpack_unpack_next (&unpacked, (const char *) data, size, &offset);
    int rc;
    if (ret != MSGPACK_UNPACK_SUCCESS || offset != size)
        rc = tw_proto_fail (err, err_size, "malformed msgpack (unpack returned %d)", (int) ret);
    else
        rc = s_decode_message (&unpacked.data, msg, err, err_size);
    msgpack_unpacked_destroy (&unpacked);
    if (rc)
        tw_msg_reset (msg);
    return rc;
}
