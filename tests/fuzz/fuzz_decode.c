//  fuzz_decode - the libFuzzer target for tw_msg_decode (CONTRIBUTING.md, style rule 6).
//
//  Any input: decoding must not crash, leak or read out of bounds (the
//  sanitizers watch), and a refusal must leave the message reset with a
//  one-line reason. An accepted input must survive the trip back: encoding
//  it succeeds, the result decodes to the same type, and encoding that again
//  gives the same bytes (what we send, we accept, and nothing drifts).
//  Built with -fsanitize=fuzzer when meson's `fuzz` option is on; always
//  built into fuzz_replay, which runs the seed corpus in normal CI.

#include "tw_proto.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

//  Fails loudly, so that libFuzzer (or the replay test) reports the input.
static void
s_require (bool condition)
{
    if (!condition)
        abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    tw_msg_t msg, again;
    memset (&msg, 0, sizeof msg);
    memset (&again, 0, sizeof again);
    char err[256] = "";
    if (tw_msg_decode (data, size, &msg, err, sizeof err) != 0) {
        s_require (msg.type == TW_MSG_INVALID);
        s_require (err[0] != 0 && strchr (err, '\n') == NULL);
        return 0;
    }
    uint8_t *first, *second;
    size_t first_size, second_size;
    s_require (tw_msg_encode (&msg, &first, &first_size, err, sizeof err) == 0);
    s_require (tw_msg_decode (first, first_size, &again, err, sizeof err) == 0);
    s_require (again.type == msg.type);
    s_require (tw_msg_encode (&again, &second, &second_size, err, sizeof err) == 0);
    s_require (second_size == first_size && memcmp (first, second, first_size) == 0);
    free (first);
    free (second);
    tw_msg_reset (&msg);
    tw_msg_reset (&again);
    return 0;
}
