//  fuzz_replay - runs every file of the given directories through the fuzz
//  target, without libFuzzer, so that normal CI exercises the seed corpus.
//  A file named ok-* must also decode, and one named bad-* must be refused:
//  the seeds double as a table of frames with a known verdict.

#include "tw_proto.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

//  Reads path whole into a malloc'd buffer of exactly its size (so that ASan
//  sees any read past the end). Returns NULL on failure.
static uint8_t *
s_slurp (const char *path, size_t *size)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        return NULL;
    uint8_t *data = NULL;
    long len = -1;
    if (fseek (file, 0, SEEK_END) == 0)
        len = ftell (file);
    if (len >= 0 && fseek (file, 0, SEEK_SET) == 0) {
        data = malloc (len > 0 ? (size_t) len : 1);
        if (data && fread (data, 1, (size_t) len, file) != (size_t) len) {
            free (data);
            data = NULL;
        }
    }
    fclose (file);
    *size = len > 0 ? (size_t) len : 0;
    return data;
}

//  Runs one file; returns 0 when its verdict is as its name says.
static int
s_replay (const char *dir, const char *name)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    size_t size;
    uint8_t *data = s_slurp (path, &size);
    if (!data) {
        fprintf (stderr, "fuzz_replay: cannot read %s\n", path);
        return -1;
    }
    LLVMFuzzerTestOneInput (data, size);
    tw_msg_t msg;
    memset (&msg, 0, sizeof msg);
    char err[256] = "";
    int rc = tw_msg_decode (data, size, &msg, err, sizeof err);
    tw_msg_reset (&msg);
    free (data);
    int result = 0;
    if (strncmp (name, "ok-", 3) == 0 && rc != 0) {
        fprintf (stderr, "fuzz_replay: %s was refused: %s\n", path, err);
        result = -1;
    }
    if (strncmp (name, "bad-", 4) == 0 && rc == 0) {
        fprintf (stderr, "fuzz_replay: %s was accepted\n", path);
        result = -1;
    }
    return result;
}

int
main (int argc, char **argv)
{
    int files = 0, failures = 0;
    for (int i = 1; i < argc; i++) {
        DIR *dir = opendir (argv[i]);
        if (!dir) {
            fprintf (stderr, "fuzz_replay: cannot open %s\n", argv[i]);
            return 1;
        }
        struct dirent *entry;
        while ((entry = readdir (dir)) != NULL) {
            if (entry->d_name[0] == '.')
                continue;
            files++;
            if (s_replay (argv[i], entry->d_name))
                failures++;
        }
        closedir (dir);
    }
    printf ("fuzz_replay: %d files, %d failures\n", files, failures);
    return failures == 0 && files > 0 ? 0 : 1;
}
