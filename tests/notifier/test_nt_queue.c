//  Check tests of nt_queue: shared frames and the bounded client queue.

#include <check.h>
#include <string.h>

#include "nt_queue.h"

#define HEADROOM 16

START_TEST (test_frame)
{
    nt_frame_t *frame = nt_frame_new ("hello", 5, HEADROOM);
    ck_assert_ptr_nonnull (frame);
    ck_assert_uint_eq (frame->len, 5);
    ck_assert_str_eq ((const char *) frame->text, "hello");
    //  The headroom is there to be written.
    memset (frame->text - HEADROOM, 0xAB, HEADROOM);
    ck_assert_ptr_eq (nt_frame_ref (frame), frame);
    ck_assert_uint_eq (frame->refs, 2);
    nt_frame_t *copy = frame;
    nt_frame_unref (&copy);
    ck_assert_ptr_null (copy);
    ck_assert_uint_eq (frame->refs, 1);
    nt_frame_unref (&frame);
    nt_frame_unref (&frame);
    nt_frame_unref (NULL);
    nt_frame_t *empty = nt_frame_new (NULL, 0, 0);
    ck_assert_str_eq ((const char *) empty->text, "");
    nt_frame_unref (&empty);
}
END_TEST

START_TEST (test_queue_bounded)
{
    nt_queue_t *queue = nt_queue_new (3);
    nt_frame_t *frames[4];
    for (int i = 0; i < 4; i++) {
        char text[2] = {(char) ('a' + i), 0};
        frames[i] = nt_frame_new (text, 1, HEADROOM);
    }
    ck_assert_ptr_null (nt_queue_pop (queue));
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq (nt_queue_push (queue, frames[i]), 0);
    ck_assert_uint_eq (nt_queue_size (queue), 3);
    //  Full: refused, nothing changed, no reference taken.
    ck_assert_int_eq (nt_queue_push (queue, frames[3]), -1);
    ck_assert_uint_eq (frames[3]->refs, 1);
    ck_assert_uint_eq (frames[0]->refs, 2);
    //  First in, first out, around the ring.
    nt_frame_t *out = nt_queue_pop (queue);
    ck_assert_ptr_eq (out, frames[0]);
    nt_frame_unref (&out);
    ck_assert_int_eq (nt_queue_push (queue, frames[3]), 0);
    const char *expected = "bcd";
    for (int i = 0; i < 3; i++) {
        out = nt_queue_pop (queue);
        ck_assert_int_eq (out->text[0], expected[i]);
        nt_frame_unref (&out);
    }
    ck_assert_uint_eq (nt_queue_size (queue), 0);
    //  The queue's references go with it.
    ck_assert_int_eq (nt_queue_push (queue, frames[1]), 0);
    ck_assert_uint_eq (frames[1]->refs, 2);
    nt_queue_destroy (&queue);
    ck_assert_ptr_null (queue);
    ck_assert_uint_eq (frames[1]->refs, 1);
    nt_queue_destroy (&queue);
    for (int i = 0; i < 4; i++) {
        ck_assert_uint_eq (frames[i]->refs, 1);
        nt_frame_unref (&frames[i]);
    }
}
END_TEST

START_TEST (test_shared_frame)
{
    //  One frame, many queues: freed with the last reference.
    nt_frame_t *frame = nt_frame_new ("{}", 2, HEADROOM);
    nt_queue_t *queues[5];
    for (int i = 0; i < 5; i++) {
        queues[i] = nt_queue_new (1);
        ck_assert_int_eq (nt_queue_push (queues[i], frame), 0);
    }
    ck_assert_uint_eq (frame->refs, 6);
    nt_frame_unref (&frame);
    for (int i = 0; i < 5; i++)
        nt_queue_destroy (&queues[i]);
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("nt_queue");
    TCase *tc = tcase_create ("core");
    tcase_add_test (tc, test_frame);
    tcase_add_test (tc, test_queue_bounded);
    tcase_add_test (tc, test_shared_frame);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
