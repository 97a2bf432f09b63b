//  nt_queue - the bounded send queue of one WebSocket client, holding
//  shared frames.
//
//  A frame is the text of one message, allocated once with headroom in
//  front of it (libwebsockets writes its header there: LWS_PRE) and shared
//  by every client it is queued for through a reference count; the last
//  reference frees it. A queue holds at most `capacity` frames: a push to a
//  full queue fails, and the owner then drops that client, so a client that
//  does not read costs at most capacity frames and never slows the others.
//  Used from one thread only.

#ifndef NT_QUEUE_H_INCLUDED
#define NT_QUEUE_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t refs;
    size_t len;          //  bytes of text, NUL not counted
    unsigned char *text; //  len bytes, then a NUL; headroom bytes before it are writable
} nt_frame_t;

//  A frame holding a copy of len bytes of text, with one reference (the
//  caller's), or NULL when memory ran out.
nt_frame_t *nt_frame_new (const char *text, size_t len, size_t headroom);

//  Adds a reference; returns frame.
nt_frame_t *nt_frame_ref (nt_frame_t *frame);

//  Drops a reference (freeing the frame with the last one) and nulls
//  *frame_p; safe on NULL.
void nt_frame_unref (nt_frame_t **frame_p);

typedef struct _nt_queue_t nt_queue_t;

//  An empty queue for at most capacity (> 0) frames, or NULL when memory ran out.
nt_queue_t *nt_queue_new (size_t capacity);

//  Drops the references the queue holds, frees it and nulls *self_p; safe on NULL.
void nt_queue_destroy (nt_queue_t **self_p);

//  Appends frame, taking a new reference. Returns 0, or -1 (nothing
//  changed) when the queue is full.
int nt_queue_push (nt_queue_t *self, nt_frame_t *frame);

//  Removes the oldest frame and returns it with the queue's reference,
//  which the caller now owns; NULL when the queue is empty.
nt_frame_t *nt_queue_pop (nt_queue_t *self);

size_t nt_queue_size (nt_queue_t *self);

#endif
