//  tw_config - the effective configuration of a service (docs/design.md §8, contract).
//
//  Layers, later wins: the defaults table (tw_config_keys.c, the one place a
//  key is declared), then an INI file, then the environment as
//  TW_<SECTION>_<KEY> in upper case. Every key is typed (string, integer,
//  number, boolean); secret keys may only come from the environment and are
//  masked when the configuration is logged.
//
//  Errors are one line each: an unknown section or key in the file, a TW_
//  variable in the environment that names no declared key, a value
//  that is not of the key's type, a named file that is missing or not valid
//  INI, a secret in the file. The caller reports them and exits with 2.

#ifndef TW_CONFIG_H_INCLUDED
#define TW_CONFIG_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _tw_config_t tw_config_t;

//  The file read when no -c is given, if it exists.
#define TW_CONFIG_DEFAULT_PATH "deploy/config/tradewire.ini"

//  Loads the configuration. path NULL means TW_CONFIG_DEFAULT_PATH when that
//  file exists, else the defaults alone; a path that is named but missing is
//  an error. Returns a new configuration the caller destroys, or NULL with a
//  one-line reason in err.
tw_config_t *tw_config_load (const char *path, char *err, size_t err_size);

//  Destroys the configuration and nulls *self_p; safe on NULL.
void tw_config_destroy (tw_config_t **self_p);

//  Typed getters. Asking for a key the table does not declare, or with the
//  wrong type, is a programmer error (assert). Strings stay owned by the
//  configuration; an unset string is "".
const char *tw_config_str (tw_config_t *self, const char *section, const char *key);
int64_t tw_config_int (tw_config_t *self, const char *section, const char *key);
double tw_config_double (tw_config_t *self, const char *section, const char *key);
bool tw_config_bool (tw_config_t *self, const char *section, const char *key);

//  The file that was read, or "" when none was.
const char *tw_config_path (tw_config_t *self);

//  Logs the effective configuration: one info line that names the file and
//  every key set in it or in the environment, secrets replaced by their
//  fingerprint (docs/design.md §8.1):
//  `config file=FILE file: gateway.broker=fyers env: notifier.token=1a2b3c4d
//  (every other key has its default)` (file=none when no file was read;
//  empty values and values with spaces are quoted). At debug level it adds
//  the full dump, one line per section:
//  `config [gateway] broker=paper db=var/gateway.db … from=FILE|defaults`.
void tw_config_log (tw_config_t *self);

//  The declared keys (tw_config_keys.c).
typedef enum { TW_CONF_STR, TW_CONF_INT, TW_CONF_DOUBLE, TW_CONF_BOOL } tw_conf_type_t;

typedef struct {
    const char *section;
    const char *key;
    tw_conf_type_t type;
    const char *value;   //  default, as text; "" for none
    bool secret;         //  environment only; masked in logs
    int64_t min, max;    //  for TW_CONF_INT (inclusive); min == max means unbounded
    const char *choices; //  for TW_CONF_STR: the allowed values, "a|b|c"; NULL = any
} tw_conf_key_t;

extern const tw_conf_key_t tw_conf_keys[];
extern const size_t tw_conf_key_count;

#endif
