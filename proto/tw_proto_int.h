//  tw_proto_int - what the files of proto/ share and no other module sees.
//
//  Every message type is described once, by a table of fields (name on the
//  wire, kind, flags, where the value lives in tw_msg_t). The encoder, the
//  decoder and the value checks all walk these tables, so a field is added
//  in one place and the three can never disagree. The pre-scan
//  (tw_msgpack_scan.c) is what makes decoding untrusted bytes bounded.

#ifndef TW_PROTO_INT_H_INCLUDED
#define TW_PROTO_INT_H_INCLUDED

#include "tw_proto.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

//  Limits of the pre-scan. The deepest legal message is a snapshot reply
//  (map, positions array, position map: depth 3); one more level lets the
//  decoder name the offending field. The object limit bounds what msgpack-c
//  allocates for a legal maximum snapshot (23 objects per position, 7 per
//  mark: at most one mark per position).
#define TW_PROTO_MAX_DEPTH 4
#define TW_PROTO_MAX_MAP_PAIRS 64
#define TW_PROTO_MAX_OBJECTS (TW_MAX_POSITIONS * 32)

typedef struct {
    size_t max_depth;   //  nesting of arrays and maps; the top level is 1
    uint32_t max_array; //  elements in one array
    uint32_t max_map;   //  pairs in one map
    size_t max_objects; //  objects in the whole tree, containers included
} tw_scan_limits_t;

//  Walks the one msgpack object that data must hold, without allocating, and
//  checks that every declared length (str, bin, ext, array, map) fits in the
//  bytes that remain, that the limits hold, that no reserved byte appears,
//  and that the object ends exactly at size. Returns 0, or -1 with a reason
//  in err. Only after this returns 0 may msgpack-c unpack the frame.
int tw_msgpack_scan (const uint8_t *data, size_t size, const tw_scan_limits_t *limits, char *err,
                     size_t err_size);

typedef enum {
    TW_FIELD_STR,       //  char[size], NUL-terminated
    TW_FIELD_I64,       //  int64_t
    TW_FIELD_U64,       //  uint64_t
    TW_FIELD_F64,       //  double, finite; an integer on the wire is accepted
    TW_FIELD_BOOL,      //  bool
    TW_FIELD_SIDE,      //  tw_side_t as "long" | "short"
    TW_FIELD_STATE,     //  tw_state_t as "open" | "closing" | "closed"
    TW_FIELD_STATUS,    //  tw_ack_status_t as "accepted" | "duplicate" | "rejected"
    TW_FIELD_ACTION,    //  tw_action_t as "open_long" | "open_short" | "close"
    TW_FIELD_SOURCE,    //  tw_source_t as "fyers" | "synthetic" | "replay"
    TW_FIELD_TRADING,   //  tw_trading_state_t as "active" | "reducing" | "halted"
    TW_FIELD_REASON,    //  char[size] holding one of the exit reasons
    TW_FIELD_POSITIONS, //  tw_snapshot_t: array of position maps
    TW_FIELD_COUNTERS,  //  tw_pong_t: map of counter name to integer
    TW_FIELD_TRADES,    //  tw_history_reply_t: array of trade maps
    TW_FIELD_MARKS      //  tw_snapshot_t: array of mark maps
} tw_field_kind_t;

#define TW_FIELD_REQUIRED 0x01 //  absent on the wire is an error
#define TW_FIELD_NONEMPTY 0x02 //  strings: "" is an error
#define TW_FIELD_POSITIVE 0x04 //  integers: must be > 0

//  A required field is always written. An optional field with a has_offset
//  is written when its flag is set (the decoder sets the flag when the key is
//  there); one without is written when its value is not zero, empty or NONE.
//  An absent optional field decodes as zero, or as its fallback string.
typedef struct {
    const char *name; //  the key on the wire
    tw_field_kind_t kind;
    unsigned flags;
    size_t offset;        //  of the value, from the record (tw_msg_t or tw_position_t)
    size_t size;          //  of the string buffer (STR, REASON)
    size_t has_offset;    //  of a bool "present" flag in tw_msg_t, or 0 for none
    const char *fallback; //  STR, REASON: value when absent, or NULL
} tw_field_t;

//  Cross-field rule of a type (such as "modify needs sl, tp or trail"),
//  given which fields are present (bit i = fields[i]). Returns NULL when msg
//  is valid, else a static reason.
typedef const char *(tw_type_check_fn) (const tw_msg_t *msg, uint64_t present);

typedef struct {
    const tw_field_t *fields; //  after v, type and ts, in encode order
    size_t field_count;       //  at most 64 (the present mask)
    tw_type_check_fn *check;  //  or NULL
} tw_type_desc_t;

//  The description of a valid type (TW_MSG_INVALID < type < TW_MSG_COUNT),
//  else NULL.
const tw_type_desc_t *tw_proto_type_desc (tw_msg_type_t type);

//  The fields of one position map in a snapshot reply (offsets from
//  tw_position_t).
extern const tw_field_t tw_proto_position_fields[];
extern const size_t tw_proto_position_field_count;

//  The fields of one mark map in a snapshot reply (offsets from tw_mark_t).
extern const tw_field_t tw_proto_mark_fields[];
extern const size_t tw_proto_mark_field_count;

//  The fields of one trade map in a history reply (offsets from tw_trade_t).
extern const tw_field_t tw_proto_trade_fields[];
extern const size_t tw_proto_trade_field_count;

//  True when the field would be written by the encoder.
bool tw_proto_field_present (const tw_field_t *field, const void *record);

//  Checks the value of one field held in record against its kind and flags:
//  strings NUL-terminated (and not empty where required), enums and exit
//  reasons valid, numbers finite, integers positive where required, and the
//  positions and counters of snapshots and pongs, each in turn. prefix is put before
//  the field name in the reason ("positions[3]."). Returns 0, or -1 with a
//  reason in err.
int tw_proto_field_check (const tw_field_t *field, const void *record, const char *prefix,
                          char *err, size_t err_size);

//  Writes a one-line reason into err (when err is not NULL). Returns -1 so
//  that callers can `return tw_proto_fail (...)`.
int tw_proto_fail (char *err, size_t err_size, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

//  Copies len bytes of untrusted text into buf for use in a reason: at most
//  TW_PROTO_QUOTE_MAX bytes, non-printable bytes written as '?', "..." when
//  cut, always NUL-terminated.
#define TW_PROTO_QUOTE_MAX 32
void tw_proto_quote (const char *text, size_t len, char *buf, size_t buf_size);

#endif
