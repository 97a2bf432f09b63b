//  tw_token - the Fyers access token of this machine (docs/fyers.md §1,
//  docs/design.md §8.1): where it comes from, what it says, when it ends.
//
//  The token is FYERS_ACCESS_TOKEN when that is set and not empty, else the
//  first line of [fyers] token_file (default var/fyers.token), which
//  `tradectl login` writes every morning. A token file that its group or
//  others can read is refused. tw_token_check () looks at the file again
//  (one stat; it reads the file only when its inode, size, mtime or ctime
//  changed),
//  so a long-running service picks up the daily token without a restart.
//
//  The token is a JWT: its payload (base64url JSON, signature not checked)
//  gives exp (when it stops working) and hsm_key (what the data socket
//  authenticates with, docs/fyers.md §7). Nothing here logs or returns the
//  token in a message: errors name the source, and tw_token_fingerprint ()
//  is the most a log may show.
//
//  Adopting it in a service: tw_token_new (config) once, tw_token_check ()
//  before building a request (or on a timer), tw_token_value () for the
//  Authorization header, tw_token_expired () to refuse work that needs it.

#ifndef TW_TOKEN_H_INCLUDED
#define TW_TOKEN_H_INCLUDED

#include "tw_config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  The environment variable that overrides the file.
#define TW_TOKEN_ENV "FYERS_ACCESS_TOKEN"
//  A token (or a token file's first line) longer than this is refused.
#define TW_TOKEN_MAX 4096
//  Room for the hsm_key claim (the data socket carries it in a u8 length).
#define TW_TOKEN_HSM_KEY_MAX 256
//  Room for an expiry in IST, "2026-12-02 06:00:00 IST".
#define TW_TOKEN_TIME_MAX 32
//  IST is UTC+05:30, with no daylight saving.
#define TW_TOKEN_IST_OFFSET_S 19800

//  What the JWT payload says. exp is Unix seconds, 0 when the payload has
//  none; hsm_key is "" when it has none.
typedef struct {
    int64_t exp;
    char hsm_key[TW_TOKEN_HSM_KEY_MAX];
} tw_token_claims_t;

typedef struct _tw_token_t tw_token_t;

//  A token source from the configuration ([fyers] token_file). Nothing is
//  read yet: call tw_token_check (). Never NULL.
tw_token_t *tw_token_new (tw_config_t *config);

//  The same, for a file path (tests, tools).
tw_token_t *tw_token_new_path (const char *path);

//  Wipes the token and frees everything; nulls *self_p; safe on NULL.
void tw_token_destroy (tw_token_t **self_p);

//  Loads the token, or reloads it when the file changed. Returns 1 when a
//  new token was loaded, 0 when nothing changed, -1 with a one-line reason
//  in err when the source is missing, unreadable, readable by others, empty
//  or not a JWT. After -1 the last good token (if any) stays in use, and the
//  same broken file is not reported again until it changes.
int tw_token_check (tw_token_t *self, char *err, size_t err_size);

//  The current token (owned, valid until the next check), or NULL if none
//  has been loaded.
const char *tw_token_value (tw_token_t *self);

//  The current token's claims; exp 0 and hsm_key "" when none is loaded.
const tw_token_claims_t *tw_token_claims (tw_token_t *self);

//  True when a token is loaded, says when it ends, and that time is at or
//  before now_s (Unix seconds). A token without exp never "expires" here:
//  the broker will say so.
bool tw_token_expired (tw_token_t *self, int64_t now_s);

//  Where the token came from: TW_TOKEN_ENV, or the file's path.
const char *tw_token_source (tw_token_t *self);

//  An 8-hex-digit fingerprint of the current token ("none" without one).
void tw_token_fingerprint (tw_token_t *self, char *buf, size_t size);

//  Decodes a JWT's payload (optionally prefixed "APP_ID:"). Returns 0, or -1
//  with a reason in err that never quotes the token.
int tw_token_decode (const char *token, tw_token_claims_t *claims, char *err, size_t err_size);

//  Writes token and a newline to path atomically (a 0600 temporary file in
//  the same folder, fsync, rename), creating the parent folder (0700) when
//  missing. Returns 0, or -1 with a reason in err.
int tw_token_write (const char *path, const char *token, char *err, size_t err_size);

//  Formats Unix seconds as "YYYY-MM-DD HH:MM:SS IST" into buf.
void tw_token_format_ist (int64_t unix_s, char *buf, size_t size);

#endif
