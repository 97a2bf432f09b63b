//  fuzz_corpus - the walk over a seed corpus that the replay tests share:
//  every file of the given directories, read whole into a buffer of exactly
//  its size (so that ASan sees a read past its end), is handed to a check.

#ifndef FUZZ_CORPUS_H_INCLUDED
#define FUZZ_CORPUS_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

//  Runs one seed; returns 0 when its verdict is as its name says, else
//  prints why on stderr and returns -1.
typedef int fuzz_corpus_check_fn (const char *path, const char *name, const uint8_t *data,
                                  size_t size);

//  Runs check over every file (dot files skipped) of the directories
//  argv[1..argc-1], then prints "<program>: N files, M failures". Returns
//  the exit status: 0 when there were files and no failure.
int fuzz_corpus_replay (const char *program, int argc, char **argv, fuzz_corpus_check_fn *check);

#endif
