//  tw_msgpack_scan - the bounded pre-scan of an untrusted msgpack frame
//  (CONTRIBUTING.md, style rule 6).
//
//  msgpack-c trusts the lengths it reads: `dd 10 00 00 00` (an array that
//  claims 268 million elements, in five bytes) makes it allocate gigabytes
//  before it notices that the elements are missing. This walk reads only
//  headers, allocates nothing and uses no recursion: a fixed stack counts
//  the objects still owed at each level. Every element takes at least one
//  byte, so a container that declares more elements than there are bytes
//  left is a lie and is refused before anyone believes it.

#include "tw_proto_int.h"

#include <inttypes.h>

//  The stack holds one slot per nesting level plus the top-level slot.
#define S_STACK_MAX 16

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t pos;
    char *err;
    size_t err_size;
} s_cursor_t;

//  Reads an n-byte big-endian unsigned integer at pos (which has been checked
//  to fit) and moves past it.
static uint64_t
s_read_be (s_cursor_t *cur, size_t n)
{
    uint64_t value = 0;
    for (size_t i = 0; i < n; i++)
        value = (value << 8) | cur->data[cur->pos + i];
    cur->pos += n;
    return value;
}

static int
s_need (s_cursor_t *cur, uint64_t n, const char *what, size_t at)
{
    if (n > cur->size - cur->pos)
        return tw_proto_fail (cur->err, cur->err_size,
                              "malformed msgpack: %s at offset %zu needs %" PRIu64
                              " byte(s), %zu remain",
                              what, at, n, cur->size - cur->pos);
    return 0;
}

//  Skips n bytes of a fixed-size payload.
static int
s_skip (s_cursor_t *cur, uint64_t n, const char *what, size_t at)
{
    if (s_need (cur, n, what, at))
        return -1;
    cur->pos += (size_t) n;
    return 0;
}

//  Skips a payload of a length-prefixed type: len_bytes of length, skip_bytes
//  of fixed header (the ext type), then the payload.
static int
s_skip_sized (s_cursor_t *cur, size_t len_bytes, size_t skip_bytes, const char *what, size_t at)
{
    if (s_need (cur, len_bytes + skip_bytes, what, at))
        return -1;
    uint64_t len = s_read_be (cur, len_bytes);
    cur->pos += skip_bytes;
    return s_skip (cur, len, what, at);
}

//  Reads the header of one object at the cursor. For a container, sets
//  *elements to the number of objects it contains (2 per map pair) and
//  *is_container; everything else is skipped whole.
static int
s_scan_one (s_cursor_t *cur, const tw_scan_limits_t *limits, uint64_t *elements, bool *is_container)
{
    size_t at = cur->pos;
    if (s_need (cur, 1, "object", at))
        return -1;
    uint8_t byte = cur->data[cur->pos++];
    *is_container = false;
    *elements = 0;

    uint64_t count = 0;
    bool is_map = false;
    if (byte <= 0x7f || byte >= 0xe0 || (byte >= 0xc0 && byte <= 0xc3 && byte != 0xc1))
        return 0; //  fixint, nil, bool
    else if (byte >= 0xa0 && byte <= 0xbf)
        return s_skip (cur, byte & 0x1f, "str", at);
    else if (byte >= 0x80 && byte <= 0x8f) {
        count = byte & 0x0f;
        is_map = true;
    }
    else if (byte >= 0x90 && byte <= 0x9f)
        count = byte & 0x0f;
    else
        switch (byte) {
        case 0xc4:
            return s_skip_sized (cur, 1, 0, "bin", at);
        case 0xc5:
            return s_skip_sized (cur, 2, 0, "bin", at);
        case 0xc6:
            return s_skip_sized (cur, 4, 0, "bin", at);
        case 0xc7:
            return s_skip_sized (cur, 1, 1, "ext", at);
        case 0xc8:
            return s_skip_sized (cur, 2, 1, "ext", at);
        case 0xc9:
            return s_skip_sized (cur, 4, 1, "ext", at);
        case 0xd9:
            return s_skip_sized (cur, 1, 0, "str", at);
        case 0xda:
            return s_skip_sized (cur, 2, 0, "str", at);
        case 0xdb:
            return s_skip_sized (cur, 4, 0, "str", at);
        case 0xcc:
        case 0xd0:
            return s_skip (cur, 1, "int", at);
        case 0xcd:
        case 0xd1:
            return s_skip (cur, 2, "int", at);
        case 0xce:
        case 0xd2:
            return s_skip (cur, 4, "int", at);
        case 0xcf:
        case 0xd3:
            return s_skip (cur, 8, "int", at);
        case 0xca:
            return s_skip (cur, 4, "float", at);
        case 0xcb:
            return s_skip (cur, 8, "float", at);
        //  fixext 1, 2, 4, 8, 16: a type byte and a fixed payload.
        case 0xd4:
            return s_skip (cur, 2, "ext", at);
        case 0xd5:
            return s_skip (cur, 3, "ext", at);
        case 0xd6:
            return s_skip (cur, 5, "ext", at);
        case 0xd7:
            return s_skip (cur, 9, "ext", at);
        case 0xd8:
            return s_skip (cur, 17, "ext", at);
        case 0xdc:
        case 0xdd:
            if (s_need (cur, byte == 0xdc ? 2 : 4, "array", at))
                return -1;
            count = s_read_be (cur, byte == 0xdc ? 2 : 4);
            break;
        case 0xde:
        case 0xdf:
            if (s_need (cur, byte == 0xde ? 2 : 4, "map", at))
                return -1;
            count = s_read_be (cur, byte == 0xde ? 2 : 4);
            is_map = true;
            break;
        default:
            return tw_proto_fail (cur->err, cur->err_size,
                                  "malformed msgpack: reserved byte 0x%02x at offset %zu", byte,
                                  at);
        }

    uint32_t limit = is_map ? limits->max_map : limits->max_array;
    if (count > limit)
        return tw_proto_fail (cur->err, cur->err_size,
                              "malformed msgpack: %s of %" PRIu64
                              " entries at offset %zu exceeds the limit of %" PRIu32,
                              is_map ? "map" : "array", count, at, limit);
    *elements = is_map ? 2 * count : count;
    //  Each element is at least one byte: more elements than bytes is a lie.
    if (*elements > cur->size - cur->pos)
        return tw_proto_fail (cur->err, cur->err_size,
                              "malformed msgpack: %s at offset %zu declares %" PRIu64
                              " entries but only %zu bytes remain",
                              is_map ? "map" : "array", at, count, cur->size - cur->pos);
    *is_container = true;
    return 0;
}

int
tw_msgpack_scan (const uint8_t *data, size_t size, const tw_scan_limits_t *limits, char *err,
                 size_t err_size)
{
    s_cursor_t cur = {.data = data, .size = size, .pos = 0, .err = err, .err_size = err_size};
    size_t max_depth = limits->max_depth < S_STACK_MAX ? limits->max_depth : S_STACK_MAX - 1;
    //  owed[level]: objects still to read at that level; level 0 is the frame.
    uint64_t owed[S_STACK_MAX];
    size_t level = 0;
    size_t objects = 0;
    owed[0] = 1;
    while (true) {
        while (owed[level] == 0) {
            if (level == 0)
                goto done;
            level--;
        }
        owed[level]--;
        size_t at = cur.pos;
        uint64_t elements;
        bool is_container;
        if (s_scan_one (&cur, limits, &elements, &is_container))
            return -1;
        if (++objects > limits->max_objects)
            return tw_proto_fail (err, err_size, "malformed msgpack: more than %zu objects",
                                  limits->max_objects);
        if (!is_container)
            continue;
        //  A container read at level L sits at depth L + 1.
        if (level + 1 > max_depth)
            return tw_proto_fail (err, err_size,
                                  "malformed msgpack: nesting deeper than %zu at offset %zu",
                                  max_depth, at);
        if (elements > limits->max_objects - objects)
            return tw_proto_fail (err, err_size, "malformed msgpack: more than %zu objects",
                                  limits->max_objects);
        if (elements > 0)
            owed[++level] = elements;
    }
done:
    if (cur.pos != size)
        return tw_proto_fail (err, err_size, "%zu trailing byte(s) after the message at offset %zu",
                              size - cur.pos, cur.pos);
    return 0;
}
