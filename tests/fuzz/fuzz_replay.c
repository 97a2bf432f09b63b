//  fuzz_replay - runs every file of the given directories through the fuzz
//  target, without libFuzzer, so that normal CI exercises the seed corpus.
//  A file named ok-* must also decode, and one named bad-* must be refused:
//  the seeds double as a table of frames with a known verdict.

#include "fuzz_corpus.h"
#include "tw_proto.h"

#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
s_check (const char *path, const char *name, const uint8_t *data, size_t size)
{
    LLVMFuzzerTestOneInput (data, size);
    tw_msg_t msg;
    memset (&msg, 0, sizeof msg);
    char err[256] = "";
    int rc = tw_msg_decode (data, size, &msg, err, sizeof err);
    tw_msg_reset (&msg);
    if (strncmp (name, "ok-", 3) == 0 && rc != 0) {
        fprintf (stderr, "fuzz_replay: %s was refused: %s\n", path, err);
        return -1;
    }
    if (strncmp (name, "bad-", 4) == 0 && rc == 0) {
        fprintf (stderr, "fuzz_replay: %s was accepted\n", path);
        return -1;
    }
    return 0;
}

int
main (int argc, char **argv)
{
    return fuzz_corpus_replay ("fuzz_replay", argc, argv, s_check);
}
