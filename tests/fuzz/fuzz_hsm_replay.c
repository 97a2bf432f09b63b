//  fuzz_hsm_replay - runs every file of the given directories through the
//  HSM fuzz target, without libFuzzer, so that normal CI exercises its seed
//  corpus. A file named ok-* must have every frame accepted, one named bad-*
//  at least one frame refused.

#include "fuzz_hsm.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Reads path whole into a malloc'd buffer. Returns NULL on failure.
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

int
main (int argc, char **argv)
{
    int files = 0, failures = 0;
    for (int i = 1; i < argc; i++) {
        DIR *dir = opendir (argv[i]);
        if (!dir) {
            fprintf (stderr, "fuzz_hsm_replay: cannot open %s\n", argv[i]);
            return 1;
        }
        struct dirent *entry;
        while ((entry = readdir (dir)) != NULL) {
            if (entry->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf (path, sizeof path, "%s/%s", argv[i], entry->d_name);
            size_t size;
            uint8_t *data = s_slurp (path, &size);
            if (!data) {
                fprintf (stderr, "fuzz_hsm_replay: cannot read %s\n", path);
                failures++;
                continue;
            }
            files++;
            int refused = fuzz_hsm_run (data, size);
            free (data);
            if (strncmp (entry->d_name, "ok-", 3) == 0 && refused) {
                fprintf (stderr, "fuzz_hsm_replay: %s had %d frames refused\n", path, refused);
                failures++;
            }
            if (strncmp (entry->d_name, "bad-", 4) == 0 && !refused) {
                fprintf (stderr, "fuzz_hsm_replay: %s was accepted\n", path);
                failures++;
            }
        }
        closedir (dir);
    }
    printf ("fuzz_hsm_replay: %d files, %d failures\n", files, failures);
    return failures == 0 && files > 0 ? 0 : 1;
}
