//  fuzz_hsm - the libFuzzer target for the HSM decoder (mf_hsm_decode and
//  mf_hsm_decode_request).
//
//  The input is a run of frames, each prefixed by a big-endian u16 size (a
//  last short piece is a frame too), fed to one decoder so that updates
//  meet the topics earlier snapshots announced. Decoding must not crash,
//  leak or read out of bounds (the sanitizers watch); a refusal comes with a
//  one-line reason; every reported price is finite. Each piece also goes
//  through the request decoder. Built with -fsanitize=fuzzer when meson's
//  `fuzz` option is on; always built into fuzz_hsm_replay, which runs the
//  seed corpus in normal CI.

#include "fuzz_hsm.h"
#include "mf_hsm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
s_require (bool condition)
{
    if (!condition)
        abort ();
}

static void
s_on_quote (const mf_hsm_quote_t *quote, void *arg)
{
    (void) arg;
    s_require (quote->topic != NULL && isfinite (quote->ltp) && isfinite (quote->bid)
               && isfinite (quote->ask));
}

static void
s_check_err (const char *err)
{
    s_require (err[0] != 0 && strchr (err, '\n') == NULL);
}

int
fuzz_hsm_run (const uint8_t *data, size_t size)
{
    mf_hsm_t *hsm = mf_hsm_new (s_on_quote, NULL);
    s_require (hsm != NULL);
    int refused = 0;
    size_t at = 0;
    while (at < size) {
        size_t len = size - at;
        if (len >= 2) {
            size_t want = (size_t) data[at] << 8 | data[at + 1];
            at += 2;
            len = want < size - at ? want : size - at;
        }
        //  A copy of exactly the piece, so that ASan sees a read past it.
        uint8_t *piece = (uint8_t *) malloc (len ? len : 1);
        s_require (piece != NULL);
        memcpy (piece, data + at, len);
        at += len;
        char err[256] = "";
        mf_hsm_frame_t frame;
        if (mf_hsm_decode (hsm, piece, len, &frame, err, sizeof err) != 0) {
            s_check_err (err);
            refused++;
        }
        mf_hsm_request_t req;
        err[0] = 0;
        if (mf_hsm_decode_request (piece, len, &req, err, sizeof err) != 0)
            s_check_err (err);
        mf_hsm_request_reset (&req);
        free (piece);
    }
    mf_hsm_destroy (&hsm);
    return refused;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    fuzz_hsm_run (data, size);
    return 0;
}
