//  fuzz_hsm - the HSM fuzz target's body, shared with its corpus replay.

#ifndef FUZZ_HSM_H_INCLUDED
#define FUZZ_HSM_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

//  Runs one input (see fuzz_hsm.c); returns how many frames were refused.
int fuzz_hsm_run (const uint8_t *data, size_t size);

#endif
