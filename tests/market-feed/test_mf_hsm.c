//  Unit tests for mf_hsm: every frame type survives the trip through its
//  encoder and its decoder; a frame cut at any byte is refused without a
//  callback or a change of state; prices are scaled by precision and
//  multiplier; the no-value sentinel is honoured; hsm_key comes out of a
//  base64url JWT payload; fyTokens map to topics.

#include <check.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mf_hsm.h"

#define ERR_MAX 256
#define BUF_MAX 4096
#define QUOTES_MAX 16
#define PRICE_EPSILON 1e-9
#define HSM_KEY "decacdad3f77c0cda1498e76537b132b714c2e846d341f2fbc93ff5a"
#define TOPIC_SBIN "sf|nse_cm|3045"
#define TOPIC_NIFTY "if|nse_cm|Nifty 50"

typedef struct {
    size_t count;
    char topic[QUOTES_MAX][MF_HSM_NAME_MAX];
    mf_hsm_quote_t quote[QUOTES_MAX];
} quotes_t;

static void
s_on_quote (const mf_hsm_quote_t *quote, void *arg)
{
    quotes_t *q = (quotes_t *) arg;
    ck_assert_uint_lt (q->count, QUOTES_MAX);
    snprintf (q->topic[q->count], MF_HSM_NAME_MAX, "%s", quote->topic);
    q->quote[q->count] = *quote;
    q->quote[q->count].topic = q->topic[q->count];
    q->count++;
}

//  The 21 sf values of a snapshot: ltp 620.50, volume 1000, time, bid
//  620.45, ask 620.55, the rest none.
static void
s_sf_values (int32_t *values)
{
    for (int i = 0; i < 21; i++)
        values[i] = MF_HSM_NONE;
    values[MF_HSM_SF_LTP] = 62050;
    values[MF_HSM_SF_VOLUME] = 1000;
    values[MF_HSM_SF_EXCH_TIME] = 1764570000;
    values[MF_HSM_SF_BID] = 62045;
    values[MF_HSM_SF_ASK] = 62055;
}

//  A data frame with a snapshot, an update and a lite item for one topic.
static size_t
s_data_frame (uint8_t *buf, size_t cap)
{
    int32_t values[21];
    s_sf_values (values);
    mf_hsm_writer_t w;
    mf_hsm_data_begin (&w, buf, cap, 7);
    ck_assert_int_eq (
        mf_hsm_data_snapshot (&w, 5, TOPIC_SBIN, values, 21, 1, 2, "NSE", "3045", "SBIN-EQ"), 0);
    int32_t update[8] = {62100,       1200,        MF_HSM_NONE, MF_HSM_NONE,
                         MF_HSM_NONE, MF_HSM_NONE, 62095,       MF_HSM_NONE};
    ck_assert_int_eq (mf_hsm_data_update (&w, 5, update, 8), 0);
    ck_assert_int_eq (mf_hsm_data_lite (&w, 5, 62200), 0);
    size_t size = mf_hsm_data_end (&w);
    ck_assert_uint_gt (size, 0);
    return size;
}

START_TEST (test_auth_round_trip)
{
    uint8_t buf[BUF_MAX];
    size_t size = mf_hsm_encode_auth (buf, sizeof buf, HSM_KEY, "tradewire-test");
    ck_assert_uint_eq (size, 18 + strlen (HSM_KEY) + strlen ("tradewire-test"));
    ck_assert_uint_eq ((size_t) (buf[0] << 8 | buf[1]), size - 2);
    ck_assert_int_eq (buf[2], MF_HSM_AUTH);
    ck_assert_int_eq (buf[3], 4);
    mf_hsm_request_t req;
    char err[ERR_MAX] = "";
    ck_assert_int_eq (mf_hsm_decode_request (buf, size, &req, err, sizeof err), 0);
    ck_assert_int_eq (req.type, MF_HSM_AUTH);
    ck_assert_str_eq (req.hsm_key, HSM_KEY);
    ck_assert_str_eq (req.source, "tradewire-test");
    mf_hsm_request_reset (&req);
    ck_assert_uint_eq (mf_hsm_encode_auth (buf, size - 1, HSM_KEY, "tradewire-test"), 0);
    ck_assert_uint_eq (mf_hsm_encode_auth (buf, sizeof buf, "", NULL), 0);
}
END_TEST

START_TEST (test_mode_round_trip)
{
    uint8_t buf[BUF_MAX];
    char err[ERR_MAX] = "";
    for (int lite = 0; lite < 2; lite++) {
        size_t size = mf_hsm_encode_mode (buf, sizeof buf, lite);
        ck_assert_uint_eq (size, 19);
        ck_assert_int_eq (buf[2], MF_HSM_MODE);
        mf_hsm_request_t req;
        ck_assert_int_eq (mf_hsm_decode_request (buf, size, &req, err, sizeof err), 0);
        ck_assert_int_eq (req.type, MF_HSM_MODE);
        ck_assert (req.lite == (lite == 1));
        ck_assert_uint_eq (req.channels, UINT64_C (1) << MF_HSM_CHANNEL);
        mf_hsm_request_reset (&req);
    }
    //  The mask little-endian, as the C SDK writes it, is taken too.
    size_t size = mf_hsm_encode_mode (buf, sizeof buf, false);
    for (int i = 0; i < 4; i++) {
        uint8_t t = buf[7 + i];
        buf[7 + i] = buf[14 - i];
        buf[14 - i] = t;
    }
    mf_hsm_request_t req;
    ck_assert_int_eq (mf_hsm_decode_request (buf, size, &req, err, sizeof err), 0);
    ck_assert_uint_eq (req.channels, UINT64_C (1) << MF_HSM_CHANNEL);
    mf_hsm_request_reset (&req);
}
END_TEST

START_TEST (test_subscribe_round_trip)
{
    const char *topics[] = {TOPIC_SBIN, "sf|nse_cm|2885", TOPIC_NIFTY};
    uint8_t buf[BUF_MAX];
    char err[ERR_MAX] = "";
    int types[] = {MF_HSM_SUBSCRIBE, MF_HSM_UNSUBSCRIBE};
    for (int t = 0; t < 2; t++) {
        size_t size = mf_hsm_encode_subscribe (buf, sizeof buf, types[t], topics, 3);
        ck_assert_uint_gt (size, 0);
        ck_assert_uint_eq ((size_t) (buf[0] << 8 | buf[1]), size - 2);
        mf_hsm_request_t req;
        ck_assert_int_eq (mf_hsm_decode_request (buf, size, &req, err, sizeof err), 0);
        ck_assert_int_eq (req.type, types[t]);
        ck_assert_uint_eq (req.topic_count, 3);
        for (size_t i = 0; i < 3; i++)
            ck_assert_str_eq (req.topics[i], topics[i]);
        ck_assert_int_eq (req.channel, MF_HSM_CHANNEL);
        mf_hsm_request_reset (&req);
    }
    ck_assert_uint_eq (mf_hsm_encode_subscribe (buf, sizeof buf, MF_HSM_DATA, topics, 3), 0);
    ck_assert_uint_eq (mf_hsm_encode_subscribe (buf, sizeof buf, MF_HSM_SUBSCRIBE, topics, 0), 0);
    ck_assert_uint_eq (mf_hsm_encode_subscribe (buf, 20, MF_HSM_SUBSCRIBE, topics, 3), 0);
}
END_TEST

START_TEST (test_ack_and_ping)
{
    uint8_t buf[BUF_MAX];
    size_t size = mf_hsm_encode_ack (buf, sizeof buf, 0x01020304);
    const uint8_t want[] = {0, 9, 3, 1, 1, 0, 4, 1, 2, 3, 4};
    ck_assert_uint_eq (size, sizeof want);
    ck_assert_mem_eq (buf, want, sizeof want);
    mf_hsm_request_t req;
    char err[ERR_MAX] = "";
    ck_assert_int_eq (mf_hsm_decode_request (buf, size, &req, err, sizeof err), 0);
    ck_assert_int_eq (req.type, MF_HSM_ACK);
    ck_assert_uint_eq (req.msg_no, 0x01020304);
    mf_hsm_request_reset (&req);
    size = mf_hsm_encode_ping (buf, sizeof buf);
    const uint8_t ping[] = {0, 1, 11};
    ck_assert_uint_eq (size, 3);
    ck_assert_mem_eq (buf, ping, 3);
    ck_assert_int_eq (mf_hsm_decode_request (buf, size, &req, err, sizeof err), 0);
    ck_assert_int_eq (req.type, MF_HSM_PING);
    mf_hsm_request_reset (&req);
}
END_TEST

START_TEST (test_replies)
{
    mf_hsm_t *hsm = mf_hsm_new (NULL, NULL);
    uint8_t buf[BUF_MAX];
    char err[ERR_MAX] = "";
    mf_hsm_frame_t frame;
    size_t size = mf_hsm_encode_reply (buf, sizeof buf, MF_HSM_AUTH, "K", 25);
    ck_assert_int_eq (mf_hsm_decode (hsm, buf, size, &frame, err, sizeof err), 0);
    ck_assert_int_eq (frame.type, MF_HSM_AUTH);
    ck_assert (frame.ok);
    ck_assert_uint_eq (frame.ack_count, 25);
    size = mf_hsm_encode_reply (buf, sizeof buf, MF_HSM_AUTH, "invalid token", 0);
    ck_assert_int_eq (mf_hsm_decode (hsm, buf, size, &frame, err, sizeof err), 0);
    ck_assert (!frame.ok);
    ck_assert_str_eq (frame.status, "invalid token");
    int types[] = {MF_HSM_MODE, MF_HSM_SUBSCRIBE, MF_HSM_UNSUBSCRIBE};
    for (int i = 0; i < 3; i++) {
        size = mf_hsm_encode_reply (buf, sizeof buf, types[i], "K", 0);
        ck_assert_int_eq (mf_hsm_decode (hsm, buf, size, &frame, err, sizeof err), 0);
        ck_assert_int_eq (frame.type, types[i]);
        ck_assert (frame.ok);
    }
    //  Pause, resume and unknown types are reported, not refused.
    const uint8_t pause[] = {0, 1, MF_HSM_PAUSE};
    ck_assert_int_eq (mf_hsm_decode (hsm, pause, sizeof pause, &frame, err, sizeof err), 0);
    ck_assert_int_eq (frame.type, MF_HSM_PAUSE);
    mf_hsm_destroy (&hsm);
    ck_assert_ptr_null (hsm);
    mf_hsm_destroy (&hsm);
}
END_TEST

START_TEST (test_data_scaling_and_merge)
{
    quotes_t q;
    memset (&q, 0, sizeof q);
    mf_hsm_t *hsm = mf_hsm_new (s_on_quote, &q);
    uint8_t buf[BUF_MAX];
    size_t size = s_data_frame (buf, sizeof buf);
    mf_hsm_frame_t frame;
    char err[ERR_MAX] = "";
    ck_assert_int_eq (mf_hsm_decode (hsm, buf, size, &frame, err, sizeof err), 0);
    ck_assert_int_eq (frame.type, MF_HSM_DATA);
    ck_assert_uint_eq (frame.msg_no, 7);
    ck_assert_uint_eq (frame.items, 3);
    ck_assert_uint_eq (frame.quotes, 3);
    ck_assert_uint_eq (q.count, 3);
    ck_assert_uint_eq (mf_hsm_topic_count (hsm), 1);
    //  The snapshot.
    ck_assert_str_eq (q.quote[0].topic, TOPIC_SBIN);
    ck_assert_double_eq_tol (q.quote[0].ltp, 620.50, PRICE_EPSILON);
    ck_assert_double_eq_tol (q.quote[0].bid, 620.45, PRICE_EPSILON);
    ck_assert_double_eq_tol (q.quote[0].ask, 620.55, PRICE_EPSILON);
    ck_assert_int_eq (q.quote[0].volume, 1000);
    ck_assert_int_eq (q.quote[0].exch_time, 1764570000);
    //  The update: ltp, volume and bid change; the sentinel keeps ask.
    ck_assert_double_eq_tol (q.quote[1].ltp, 621.00, PRICE_EPSILON);
    ck_assert_double_eq_tol (q.quote[1].bid, 620.95, PRICE_EPSILON);
    ck_assert_double_eq_tol (q.quote[1].ask, 620.55, PRICE_EPSILON);
    ck_assert_int_eq (q.quote[1].volume, 1200);
    //  The lite item: ltp only.
    ck_assert_double_eq_tol (q.quote[2].ltp, 622.00, PRICE_EPSILON);
    ck_assert_double_eq_tol (q.quote[2].bid, 620.95, PRICE_EPSILON);
    mf_hsm_reset (hsm);
    ck_assert_uint_eq (mf_hsm_topic_count (hsm), 0);
    mf_hsm_destroy (&hsm);
}
END_TEST

START_TEST (test_multiplier_and_sentinel)
{
    quotes_t q;
    memset (&q, 0, sizeof q);
    mf_hsm_t *hsm = mf_hsm_new (s_on_quote, &q);
    uint8_t buf[BUF_MAX];
    mf_hsm_writer_t w;
    mf_hsm_data_begin (&w, buf, sizeof buf, 1);
    //  Precision 4 and multiplier 10: 8312345 / 10^4 / 10 = 83.12345.
    int32_t cds[8] = {8312345, MF_HSM_NONE, 0, MF_HSM_NONE, 0, 0, MF_HSM_NONE, MF_HSM_NONE};
    ck_assert_int_eq (
        mf_hsm_data_snapshot (&w, 9, "sf|cde_fo|1234", cds, 8, 10, 4, "CDS", "1234", "USDINR"), 0);
    //  No ltp yet: not reported.
    int32_t empty[2] = {MF_HSM_NONE, MF_HSM_NONE};
    ck_assert_int_eq (
        mf_hsm_data_snapshot (&w, 10, TOPIC_SBIN, empty, 2, 1, 2, "NSE", "3045", "SBIN-EQ"), 0);
    //  An index: ltp and time only; multiplier 0 is taken as 1.
    int32_t nifty[6] = {2415055, 2400000, 1764570001, 0, 0, 0};
    ck_assert_int_eq (
        mf_hsm_data_snapshot (&w, 11, TOPIC_NIFTY, nifty, 6, 0, 2, "NSE", "Nifty 50", "NIFTY"), 0);
    //  An update and a lite item for a topic id nobody announced.
    ck_assert_int_eq (mf_hsm_data_update (&w, 99, cds, 2), 0);
    ck_assert_int_eq (mf_hsm_data_lite (&w, 98, 1), 0);
    //  A lite sentinel leaves the ltp as it was.
    ck_assert_int_eq (mf_hsm_data_lite (&w, 9, MF_HSM_NONE), 0);
    size_t size = mf_hsm_data_end (&w);
    mf_hsm_frame_t frame;
    char err[ERR_MAX] = "";
    ck_assert_int_eq (mf_hsm_decode (hsm, buf, size, &frame, err, sizeof err), 0);
    ck_assert_uint_eq (frame.unknown, 2);
    ck_assert_uint_eq (q.count, 3);
    ck_assert_double_eq_tol (q.quote[0].ltp, 83.12345, PRICE_EPSILON);
    ck_assert_double_eq_tol (q.quote[0].bid, 0, PRICE_EPSILON);
    ck_assert_int_eq (q.quote[0].volume, 0);
    ck_assert_str_eq (q.quote[1].topic, TOPIC_NIFTY);
    ck_assert_double_eq_tol (q.quote[1].ltp, 24150.55, PRICE_EPSILON);
    ck_assert_int_eq (q.quote[1].exch_time, 1764570001);
    ck_assert_double_eq_tol (q.quote[2].ltp, 83.12345, PRICE_EPSILON);
    mf_hsm_destroy (&hsm);
}
END_TEST

//  Every proper prefix of a frame is refused, with a reason, no callback and
//  no new topic; the copy is exactly the prefix's size, so a read past its
//  end is caught by the sanitizers.
static void
s_check_cuts (const uint8_t *frame_bytes, size_t size, bool request)
{
    quotes_t q;
    memset (&q, 0, sizeof q);
    mf_hsm_t *hsm = mf_hsm_new (s_on_quote, &q);
    for (size_t cut = 0; cut < size; cut++) {
        uint8_t *copy = (uint8_t *) malloc (cut ? cut : 1);
        memcpy (copy, frame_bytes, cut);
        char err[ERR_MAX] = "";
        int rc;
        if (request) {
            mf_hsm_request_t req;
            rc = mf_hsm_decode_request (copy, cut, &req, err, sizeof err);
            mf_hsm_request_reset (&req);
        }
        else {
            mf_hsm_frame_t frame;
            rc = mf_hsm_decode (hsm, copy, cut, &frame, err, sizeof err);
        }
        ck_assert_msg (rc == -1, "a frame cut to %zu of %zu bytes was accepted", cut, size);
        ck_assert_msg (err[0] != 0 && !strchr (err, '\n'), "no one-line reason at %zu", cut);
        free (copy);
    }
    ck_assert_uint_eq (q.count, 0);
    ck_assert_uint_eq (mf_hsm_topic_count (hsm), 0);
    mf_hsm_destroy (&hsm);
}

START_TEST (test_cut_at_every_byte)
{
    uint8_t buf[BUF_MAX];
    s_check_cuts (buf, s_data_frame (buf, sizeof buf), false);
    s_check_cuts (buf, mf_hsm_encode_reply (buf, sizeof buf, MF_HSM_AUTH, "K", 3), false);
    s_check_cuts (buf, mf_hsm_encode_reply (buf, sizeof buf, MF_HSM_MODE, "K", 0), false);
    s_check_cuts (buf, mf_hsm_encode_auth (buf, sizeof buf, HSM_KEY, NULL), true);
    s_check_cuts (buf, mf_hsm_encode_mode (buf, sizeof buf, true), true);
    const char *topics[] = {TOPIC_SBIN, TOPIC_NIFTY};
    s_check_cuts (buf, mf_hsm_encode_subscribe (buf, sizeof buf, MF_HSM_SUBSCRIBE, topics, 2),
                  true);
    s_check_cuts (buf, mf_hsm_encode_ack (buf, sizeof buf, 42), true);
}
END_TEST

START_TEST (test_garbage_refused)
{
    mf_hsm_t *hsm = mf_hsm_new (NULL, NULL);
    char err[ERR_MAX] = "";
    mf_hsm_frame_t frame;
    //  A data frame whose item has an unknown type.
    const uint8_t bad_item[] = {0, 8, 6, 0, 0, 0, 1, 0, 1, 'X'};
    ck_assert_int_eq (mf_hsm_decode (hsm, bad_item, sizeof bad_item, &frame, err, sizeof err), -1);
    ck_assert_ptr_nonnull (strstr (err, "unknown type"));
    //  A snapshot claiming 255 values in a short frame.
    const uint8_t long_count[] = {0, 12, 6, 0, 0, 0, 1, 0, 1, 'S', 0, 1, 0, 255, 0, 0, 0, 0};
    ck_assert_int_eq (mf_hsm_decode (hsm, long_count, sizeof long_count, &frame, err, sizeof err),
                      -1);
    //  A reply field longer than the frame.
    const uint8_t long_field[] = {0, 6, 1, 1, 1, 0xff, 0xff, 'K'};
    ck_assert_int_eq (mf_hsm_decode (hsm, long_field, sizeof long_field, &frame, err, sizeof err),
                      -1);
    ck_assert_uint_eq (mf_hsm_topic_count (hsm), 0);
    //  Requests: unknown type, a subscribe whose count lies.
    mf_hsm_request_t req;
    const uint8_t unknown[] = {0, 2, 99, 0};
    ck_assert_int_eq (mf_hsm_decode_request (unknown, sizeof unknown, &req, err, sizeof err), -1);
    mf_hsm_request_reset (&req);
    const uint8_t lying[] = {0, 8, 4, 1, 1, 0, 3, 0xff, 0xff, 1};
    ck_assert_int_eq (mf_hsm_decode_request (lying, sizeof lying, &req, err, sizeof err), -1);
    mf_hsm_request_reset (&req);
    mf_hsm_destroy (&hsm);
}
END_TEST

START_TEST (test_topic_for)
{
    char topic[MF_HSM_NAME_MAX];
    ck_assert_int_eq (mf_hsm_topic_for ("10100000003045", topic, sizeof topic), 0);
    ck_assert_str_eq (topic, TOPIC_SBIN);
    ck_assert_int_eq (mf_hsm_topic_for ("101124121935001", topic, sizeof topic), 0);
    ck_assert_str_eq (topic, "sf|nse_fo|35001");
    ck_assert_int_eq (mf_hsm_topic_for ("1210000000500112", topic, sizeof topic), 0);
    ck_assert_str_eq (topic, "sf|bse_cm|500112");
    ck_assert_int_eq (mf_hsm_topic_for ("99990000003045", topic, sizeof topic), -1);
    ck_assert_int_eq (mf_hsm_topic_for ("1010000000", topic, sizeof topic), -1);
    ck_assert_int_eq (mf_hsm_topic_for ("10100000003045", topic, 8), -1);
}
END_TEST

static Suite *
s_suite (void)
{
    Suite *suite = suite_create ("mf_hsm");
    TCase *tc = tcase_create ("core");
    tcase_add_test (tc, test_auth_round_trip);
    tcase_add_test (tc, test_mode_round_trip);
    tcase_add_test (tc, test_subscribe_round_trip);
    tcase_add_test (tc, test_ack_and_ping);
    tcase_add_test (tc, test_replies);
    tcase_add_test (tc, test_data_scaling_and_merge);
    tcase_add_test (tc, test_multiplier_and_sentinel);
    tcase_add_test (tc, test_cut_at_every_byte);
    tcase_add_test (tc, test_garbage_refused);
    tcase_add_test (tc, test_topic_for);
    suite_add_tcase (suite, tc);
    return suite;
}

int
main (void)
{
    SRunner *runner = srunner_create (s_suite ());
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
