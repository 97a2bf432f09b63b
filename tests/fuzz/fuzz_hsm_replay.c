//  fuzz_hsm_replay - runs every file of the given directories through the
//  HSM fuzz target, without libFuzzer, so that normal CI exercises its seed
//  corpus. A file named ok-* must have every frame accepted, one named bad-*
//  at least one frame refused.

#include "fuzz_corpus.h"
#include "fuzz_hsm.h"

#include <stdio.h>
#include <string.h>

static int
s_check (const char *path, const char *name, const uint8_t *data, size_t size)
{
    int refused = fuzz_hsm_run (data, size);
    if (strncmp (name, "ok-", 3) == 0 && refused) {
        fprintf (stderr, "fuzz_hsm_replay: %s had %d frames refused\n", path, refused);
        return -1;
    }
    if (strncmp (name, "bad-", 4) == 0 && !refused) {
        fprintf (stderr, "fuzz_hsm_replay: %s was accepted\n", path);
        return -1;
    }
    return 0;
}

int
main (int argc, char **argv)
{
    return fuzz_corpus_replay ("fuzz_hsm_replay", argc, argv, s_check);
}
