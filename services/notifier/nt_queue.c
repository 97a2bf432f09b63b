//  nt_queue - see nt_queue.h. A ring buffer of frame pointers.

#include "nt_queue.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

struct _nt_queue_t {
    nt_frame_t **ring;
    size_t capacity;
    size_t head; //  index of the oldest frame
    size_t size;
};

nt_frame_t *
nt_frame_new (const char *text, size_t len, size_t headroom)
{
    assert (text || len == 0);
    if (len > SIZE_MAX - sizeof (nt_frame_t) - headroom - 1)
        return NULL;
    nt_frame_t *frame = (nt_frame_t *) malloc (sizeof (nt_frame_t) + headroom + len + 1);
    if (!frame)
        return NULL;
    frame->refs = 1;
    frame->len = len;
    frame->text = (unsigned char *) (frame + 1) + headroom;
    if (len)
        memcpy (frame->text, text, len);
    frame->text[len] = 0;
    return frame;
}

nt_frame_t *
nt_frame_ref (nt_frame_t *frame)
{
    assert (frame && frame->refs > 0);
    frame->refs++;
    return frame;
}

void
nt_frame_unref (nt_frame_t **frame_p)
{
    if (!frame_p || !*frame_p)
        return;
    nt_frame_t *frame = *frame_p;
    assert (frame->refs > 0);
    if (--frame->refs == 0)
        free (frame);
    *frame_p = NULL;
}

nt_queue_t *
nt_queue_new (size_t capacity)
{
    assert (capacity > 0);
    nt_queue_t *self = (nt_queue_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->ring = (nt_frame_t **) calloc (capacity, sizeof (nt_frame_t *));
    if (!self->ring) {
        free (self);
        return NULL;
    }
    self->capacity = capacity;
    return self;
}

void
nt_queue_destroy (nt_queue_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    nt_queue_t *self = *self_p;
    while (self->size > 0) {
        nt_frame_t *frame = nt_queue_pop (self);
        nt_frame_unref (&frame);
    }
    free (self->ring);
    free (self);
    *self_p = NULL;
}

int
nt_queue_push (nt_queue_t *self, nt_frame_t *frame)
{
    assert (self && frame);
    if (self->size == self->capacity)
        return -1;
    self->ring[(self->head + self->size) % self->capacity] = nt_frame_ref (frame);
    self->size++;
    return 0;
}

nt_frame_t *
nt_queue_pop (nt_queue_t *self)
{
    assert (self);
    if (self->size == 0)
        return NULL;
    nt_frame_t *frame = self->ring[self->head];
    self->ring[self->head] = NULL;
    self->head = (self->head + 1) % self->capacity;
    self->size--;
    return frame;
}

size_t
nt_queue_size (nt_queue_t *self)
{
    assert (self);
    return self->size;
}
