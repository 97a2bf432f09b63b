//  mf_hsm - the Fyers "HSM" binary data-socket protocol (docs/fyers.md §7.2):
//  pure encoders and decoders, no I/O.
//
//  Client side (what market-feed uses): the request encoders (auth, mode,
//  subscribe / unsubscribe, ack, ping; the hsm_key they need comes from
//  the access token through tw_token), and a decoder object that reads server frames, keeps the
//  topic_id -> topic table and the last values per topic, and reports one
//  quote per touched sf/if topic through a callback.
//
//  Server side (what the fake server and the tests use): a decoder of client
//  requests and encoders of the server's replies and data frames.
//
//  Every frame is one WebSocket binary message: u16 length, u8 type, then the
//  body, big-endian. Untrusted bytes: every length inside a frame is checked
//  against the message size; a malformed frame is refused with a one-line
//  reason and changes no state. The leading u16 length is not trusted (the
//  SDKs write inexact values in their own frames); the message size is.
//  Where the SDKs disagree we follow the official C SDK (fyers-c-sdk 1.1.2):
//  topic_id is big-endian, an update value of -2147483648 leaves the field
//  as it was, msg_no is taken from each data frame as sent. The mode frame's
//  channel mask is written big-endian like every other integer (the C SDK
//  writes it little-endian; the Python SDK big-endian) and either order is
//  accepted by mf_hsm_decode_request.

#ifndef MF_HSM_H_INCLUDED
#define MF_HSM_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Message types.
#define MF_HSM_AUTH 1
#define MF_HSM_ACK 3
#define MF_HSM_SUBSCRIBE 4
#define MF_HSM_UNSUBSCRIBE 5
#define MF_HSM_DATA 6
#define MF_HSM_PAUSE 7
#define MF_HSM_RESUME 8
#define MF_HSM_PING 11
#define MF_HSM_MODE 12

//  Data item types.
#define MF_HSM_ITEM_SNAPSHOT 'S'
#define MF_HSM_ITEM_UPDATE 'U'
#define MF_HSM_ITEM_LITE 'L'

//  The channel every subscription uses (the SDKs' default).
#define MF_HSM_CHANNEL 11
//  An i32 value that means "no value".
#define MF_HSM_NONE INT32_MIN
//  Values kept per topic (sf has 21, dp 30); further values are read and dropped.
#define MF_HSM_FIELDS_MAX 32
//  A topic name or a snapshot string, NUL included (the wire length is a u8).
#define MF_HSM_NAME_MAX 256
//  The largest frame (the u16 length plus 2).
#define MF_HSM_FRAME_MAX (65535 + 2)

//  Field indexes of an sf (symbol) topic and an if (index) topic.
#define MF_HSM_SF_LTP 0
#define MF_HSM_SF_VOLUME 1
#define MF_HSM_SF_EXCH_TIME 3
#define MF_HSM_SF_BID 6
#define MF_HSM_SF_ASK 7
#define MF_HSM_IF_LTP 0
#define MF_HSM_IF_EXCH_TIME 2

//  ---------------------------------------------------------------------
//  Client side.

typedef struct _mf_hsm_t mf_hsm_t;

//  One topic's prices after an item touched it. 0 means "none" for every
//  number but ltp, which is always set (a topic without an ltp yet is not
//  reported). Valid only during the callback.
typedef struct {
    const char *topic; //  "sf|nse_cm|3045"
    double ltp;
    double bid;
    double ask;
    int64_t volume;
    int64_t exch_time; //  epoch seconds, as the exchange stamped it
} mf_hsm_quote_t;

typedef void (mf_hsm_quote_fn) (const mf_hsm_quote_t *quote, void *arg);

//  What one server frame was.
typedef struct {
    int type;           //  MF_HSM_*; unknown types are reported as they are
    bool ok;            //  auth, mode and (un)subscribe replies: the status was "K"
    char status[16];    //  that status as sent, cut to fit
    uint32_t ack_count; //  auth reply: ack every ack_count data frames (0: never)
    uint32_t msg_no;    //  data frames
    uint16_t items;     //  data frames: items in the frame
    uint32_t quotes;    //  data frames: quotes reported
    uint32_t unknown;   //  data frames: items for topic ids without a snapshot
} mf_hsm_frame_t;

//  Creates a decoder that calls fn (may be NULL) for every quote. NULL when
//  out of memory.
mf_hsm_t *mf_hsm_new (mf_hsm_quote_fn *fn, void *arg);

//  Destroys the decoder and nulls *self_p; safe on NULL.
void mf_hsm_destroy (mf_hsm_t **self_p);

//  Forgets every topic (a new connection numbers them afresh).
void mf_hsm_reset (mf_hsm_t *self);

//  Topics known from snapshots.
size_t mf_hsm_topic_count (mf_hsm_t *self);

//  Decodes one server frame into *frame, updating the topic table and
//  calling the callback for data frames. Returns 0, or -1 with a one-line
//  reason in err when the frame is malformed (nothing changed, no callback).
int mf_hsm_decode (mf_hsm_t *self, const uint8_t *data, size_t size, mf_hsm_frame_t *frame,
                   char *err, size_t err_size);

//  The request encoders write one frame into buf and return its size, or 0
//  when cap is too small or an argument cannot be encoded.
size_t mf_hsm_encode_auth (uint8_t *buf, size_t cap, const char *hsm_key, const char *source);
size_t mf_hsm_encode_mode (uint8_t *buf, size_t cap, bool lite);
//  A subscribe (type 4) or unsubscribe (type 5) of count topics (1..65535,
//  each 1..255 bytes) on MF_HSM_CHANNEL.
size_t mf_hsm_encode_subscribe (uint8_t *buf, size_t cap, int type, const char *const *topics,
                                size_t count);
size_t mf_hsm_encode_ack (uint8_t *buf, size_t cap, uint32_t msg_no);
size_t mf_hsm_encode_ping (uint8_t *buf, size_t cap);

//  The sf topic of a fyToken: "sf|<seg>|<fyToken[10:]>", the segment looked
//  up from fyToken[:4]. Returns 0, or -1 for an unknown segment, a short
//  token or a topic that does not fit.
int mf_hsm_topic_for (const char *fytoken, char *topic, size_t size);

//  ---------------------------------------------------------------------
//  Server side (mf_hsm_server.c).

//  A client request. topics point into a copy owned by the request.
typedef struct {
    int type;                      //  MF_HSM_*
    char hsm_key[MF_HSM_NAME_MAX]; //  auth
    char source[MF_HSM_NAME_MAX];  //  auth
    bool lite;                     //  mode
    uint64_t channels;             //  mode: the channel bitmask, as decoded
    uint8_t channel;               //  (un)subscribe
    char **topics;                 //  (un)subscribe
    size_t topic_count;
    uint32_t msg_no; //  ack
} mf_hsm_request_t;

//  Decodes one client frame. Returns 0, or -1 with a reason in err. Call
//  mf_hsm_request_reset afterwards either way.
int mf_hsm_decode_request (const uint8_t *data, size_t size, mf_hsm_request_t *req, char *err,
                           size_t err_size);
void mf_hsm_request_reset (mf_hsm_request_t *req);

//  A reply to auth, mode or (un)subscribe: field 1 the status ("K" = OK),
//  and for auth field 2 the u32 ack_count.
size_t mf_hsm_encode_reply (uint8_t *buf, size_t cap, int type, const char *status,
                            uint32_t ack_count);

//  Builds a data frame (type 6) item by item. Each add returns 0, or -1 when
//  the item does not fit (the frame stays as it was before the add).
typedef struct {
    uint8_t *buf;
    size_t cap;
    size_t len;
    uint16_t items;
} mf_hsm_writer_t;

void mf_hsm_data_begin (mf_hsm_writer_t *w, uint8_t *buf, size_t cap, uint32_t msg_no);
int mf_hsm_data_snapshot (mf_hsm_writer_t *w, uint16_t topic_id, const char *topic,
                          const int32_t *values, uint8_t count, uint16_t multiplier,
                          uint8_t precision, const char *exchange, const char *exch_token,
                          const char *symbol);
int mf_hsm_data_update (mf_hsm_writer_t *w, uint16_t topic_id, const int32_t *values,
                        uint8_t count);
int mf_hsm_data_lite (mf_hsm_writer_t *w, uint16_t topic_id, int32_t ltp);
//  Writes the length and item count; returns the frame size (0 when even
//  the header did not fit).
size_t mf_hsm_data_end (mf_hsm_writer_t *w);

#endif
