//  fuzz_corpus - see fuzz_corpus.h.

#include "fuzz_corpus.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

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
fuzz_corpus_replay (const char *program, int argc, char **argv, fuzz_corpus_check_fn *check)
{
    int files = 0, failures = 0;
    for (int i = 1; i < argc; i++) {
        DIR *dir = opendir (argv[i]);
        if (!dir) {
            fprintf (stderr, "%s: cannot open %s\n", program, argv[i]);
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
            files++;
            if (!data) {
                fprintf (stderr, "%s: cannot read %s\n", program, path);
                failures++;
                continue;
            }
            if (check (path, entry->d_name, data, size) != 0)
                failures++;
            free (data);
        }
        closedir (dir);
    }
    printf ("%s: %d files, %d failures\n", program, files, failures);
    return failures == 0 && files > 0 ? 0 : 1;
}
