//  mf_hsm_int - what mf_hsm.c and mf_hsm_server.c share: a bounds-checked
//  big-endian reader and two writers. Not for other modules.

#ifndef MF_HSM_INT_H_INCLUDED
#define MF_HSM_INT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Reads from data[0..size). The first read that does not fit sets bad and
//  what (a static string naming the field); every later read returns 0 or
//  NULL, so a parser may read on and check bad once.
typedef struct {
    const uint8_t *data;
    size_t size;
    size_t at;
    bool bad;
    const char *what;
} mf_hsm_rd_t;

bool mf_hsm_rd_need (mf_hsm_rd_t *rd, size_t n, const char *what);
uint8_t mf_hsm_rd_u8 (mf_hsm_rd_t *rd, const char *what);
uint16_t mf_hsm_rd_u16 (mf_hsm_rd_t *rd, const char *what);
uint32_t mf_hsm_rd_u32 (mf_hsm_rd_t *rd, const char *what);
const uint8_t *mf_hsm_rd_bytes (mf_hsm_rd_t *rd, size_t n, const char *what);
//  Writes the "cut short" reason into err and returns -1.
int mf_hsm_rd_fail (mf_hsm_rd_t *rd, char *err, size_t err_size);

void mf_hsm_put_u16 (uint8_t *p, uint16_t value);
void mf_hsm_put_u32 (uint8_t *p, uint32_t value);

#endif
