//  tw_config - see tw_config.h.
//
//  The configuration is an array of values parallel to tw_conf_keys: each
//  holds the text it came from and its typed form, parsed once at load time
//  so that a bad value is a start-up error, never a surprise later.

#include "tw_config.h"
#include "tw_log.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

extern char **environ;

//  The environment prefix of every key: TW_<SECTION>_<KEY>.
#define TW_CONFIG_ENV_PREFIX "TW_"
#define TW_CONFIG_NAME_MAX 128
#define TW_CONFIG_REASON_MAX 512
//  Why a value does not parse; part of a reason.
#define TW_CONFIG_WHY_MAX 256
//  How much of an offending value an error message quotes.
#define TW_CONFIG_QUOTE_MAX 64
#define TW_CONFIG_LOG_LINE_MAX 1900

typedef struct {
    char *text;     //  as given, owned
    int64_t i;      //  TW_CONF_INT
    double d;       //  TW_CONF_DOUBLE
    bool b;         //  TW_CONF_BOOL
    bool from_file; //  set by the file (a second setting is an error)
    bool from_env;  //  set by the environment (wins over the file)
} s_value_t;

struct _tw_config_t {
    char *path;        //  the file read, "" when none
    s_value_t *values; //  tw_conf_key_count entries, parallel to tw_conf_keys
};

//  Returns the index of section/key in tw_conf_keys, or -1.
static int
s_find (const char *section, const char *key)
{
    for (size_t i = 0; i < tw_conf_key_count; i++)
        if (strcmp (tw_conf_keys[i].section, section) == 0
            && strcmp (tw_conf_keys[i].key, key) == 0)
            return (int) i;
    return -1;
}

static bool
s_section_known (const char *section)
{
    for (size_t i = 0; i < tw_conf_key_count; i++)
        if (strcmp (tw_conf_keys[i].section, section) == 0)
            return true;
    return false;
}

//  Writes the environment name of a key, TW_<SECTION>_<KEY> upper case.
static void
s_env_name (const tw_conf_key_t *key, char *buf, size_t size)
{
    snprintf (buf, size, "%s%s_%s", TW_CONFIG_ENV_PREFIX, key->section, key->key);
    for (char *p = buf; *p; p++)
        *p = (char) toupper ((unsigned char) *p);
}

//  True when value is one of the '|'-separated choices.
static bool
s_is_choice (const char *choices, const char *value)
{
    size_t len = strlen (value);
    const char *p = choices;
    while (*p) {
        const char *end = strchr (p, '|');
        size_t n = end ? (size_t) (end - p) : strlen (p);
        if (n == len && strncmp (p, value, n) == 0)
            return true;
        if (!end)
            break;
        p = end + 1;
    }
    return false;
}

static int
s_parse_bool (const char *text, bool *out)
{
    static const char *yes[] = {"true", "1", "yes"};
    static const char *no[] = {"false", "0", "no"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp (text, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp (text, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

//  Parses text as the value of key into value (text copied). Returns 0, or
//  -1 with reason set and value unchanged.
static int
s_parse (const tw_conf_key_t *key, const char *text, s_value_t *value, char *reason,
         size_t reason_size)
{
    s_value_t parsed = {0};
    const int quote = TW_CONFIG_QUOTE_MAX;
    switch (key->type) {
    case TW_CONF_STR:
        if (key->choices && !s_is_choice (key->choices, text)) {
            snprintf (reason, reason_size, "'%.*s' is not one of %s", quote, text, key->choices);
            return -1;
        }
        break;
    case TW_CONF_INT: {
        char *end = NULL;
        errno = 0;
        long long n = strtoll (text, &end, 10);
        if (!*text || isspace ((unsigned char) *text) || *end || errno == ERANGE) {
            snprintf (reason, reason_size, "'%.*s' is not an integer", quote, text);
            return -1;
        }
        if (key->min != key->max && (n < key->min || n > key->max)) {
            snprintf (reason, reason_size, "%lld is out of range %lld..%lld", n,
                      (long long) key->min, (long long) key->max);
            return -1;
        }
        parsed.i = n;
        break;
    }
    case TW_CONF_DOUBLE: {
        char *end = NULL;
        errno = 0;
        double d = strtod (text, &end);
        if (!*text || isspace ((unsigned char) *text) || *end || errno == ERANGE || !isfinite (d)) {
            snprintf (reason, reason_size, "'%.*s' is not a number", quote, text);
            return -1;
        }
        parsed.d = d;
        break;
    }
    case TW_CONF_BOOL:
        if (s_parse_bool (text, &parsed.b) != 0) {
            snprintf (reason, reason_size, "'%.*s' is not a boolean (true/false/1/0/yes/no)", quote,
                      text);
            return -1;
        }
        break;
    }
    parsed.text = strdup (text);
    if (!parsed.text) {
        snprintf (reason, reason_size, "out of memory");
        return -1;
    }
    parsed.from_file = value->from_file;
    parsed.from_env = value->from_env;
    free (value->text);
    *value = parsed;
    return 0;
}

//  The state of one file parse.
typedef struct {
    tw_config_t *config;
    FILE *file;
    const char *path;
    int line;       //  the line being parsed, counted by s_read_line
    int error_line; //  the line of the first error found by us, 0 when none
    char *err;
    size_t err_size;
} s_parse_t;

//  The ini_reader: fgets that counts lines, so that errors name their line,
//  and refuses a line longer than inih's buffer instead of letting inih
//  split it into two.
static char *
s_read_line (char *str, int num, void *stream)
{
    s_parse_t *parse = (s_parse_t *) stream;
    if (parse->error_line)
        return NULL;
    char *line = fgets (str, num, parse->file);
    if (!line)
        return NULL;
    parse->line++;
    if (!strchr (line, '\n') && !feof (parse->file)) {
        parse->error_line = parse->line;
        snprintf (parse->err, parse->err_size, "%s:%d: line longer than %d characters", parse->path,
                  parse->line, num - 3);
        return NULL;
    }
    return line;
}

static int
s_handle (void *user, const char *section, const char *name, const char *text)
{
    s_parse_t *parse = (s_parse_t *) user;
    if (parse->error_line)
        return 0;
    char reason[TW_CONFIG_REASON_MAX];
    int index = s_find (section, name);
    if (!*section)
        snprintf (reason, sizeof reason, "key '%s' is not in a [section]", name);
    else if (index < 0 && !s_section_known (section))
        snprintf (reason, sizeof reason, "unknown section [%s]", section);
    else if (index < 0)
        snprintf (reason, sizeof reason, "unknown key '%s' in [%s]", name, section);
    else {
        const tw_conf_key_t *key = &tw_conf_keys[index];
        s_value_t *value = &parse->config->values[index];
        char env[TW_CONFIG_NAME_MAX];
        s_env_name (key, env, sizeof env);
        char why[TW_CONFIG_WHY_MAX];
        if (key->secret)
            snprintf (reason, sizeof reason,
                      "[%s] %s is a secret: set it in the environment (%s), not in a file", section,
                      name, env);
        else if (value->from_file)
            snprintf (reason, sizeof reason, "[%s] %s is set twice", section, name);
        else if (s_parse (key, text, value, why, sizeof why) != 0)
            snprintf (reason, sizeof reason, "[%s] %s: %s", section, name, why);
        else {
            value->from_file = true;
            return 1;
        }
    }
    parse->error_line = parse->line;
    snprintf (parse->err, parse->err_size, "%s:%d: %s", parse->path, parse->line, reason);
    return 0;
}

static int
s_load_file (tw_config_t *self, const char *path, char *err, size_t err_size)
{
    FILE *file = fopen (path, "r");
    if (!file) {
        if (errno == ENOENT)
            snprintf (err, err_size, "config file '%s' not found", path);
        else
            snprintf (err, err_size, "config file '%s': %s", path, strerror (errno));
        return -1;
    }
    s_parse_t parse = {
        .config = self, .file = file, .path = path, .err = err, .err_size = err_size};
    int rc = ini_parse_stream (s_read_line, &parse, s_handle, &parse);
    bool read_failed = ferror (file) != 0;
    fclose (file);
    //  inih reports the first failing line, ours or its own; ours come
    //  with a reason, its own are syntax errors.
    if (parse.error_line && (rc <= 0 || rc >= parse.error_line))
        return -1;
    if (rc > 0) {
        snprintf (err, err_size, "%s:%d: not a valid INI line (expected [section] or key = value)",
                  path, rc);
        return -1;
    }
    if (rc < 0 || read_failed) {
        snprintf (err, err_size, "config file '%s' could not be read", path);
        return -1;
    }
    return 0;
}

//  Checks that every TW_ variable names a key: a misspelt override would
//  otherwise be silently ignored (docs/design.md §8.1). Returns 0, or -1 with
//  a one-line reason in err.
static int
s_check_env_names (char *err, size_t err_size)
{
    size_t prefix_len = strlen (TW_CONFIG_ENV_PREFIX);
    for (char **env = environ; env && *env; env++) {
        if (strncmp (*env, TW_CONFIG_ENV_PREFIX, prefix_len) != 0)
            continue;
        const char *eq = strchr (*env, '=');
        size_t len = eq ? (size_t) (eq - *env) : strlen (*env);
        bool known = false;
        //  The longest section whose TW_<SECTION>_ starts the name, for
        //  the message.
        const char *section = NULL;
        size_t section_len = 0;
        for (size_t i = 0; i < tw_conf_key_count && !known; i++) {
            char name[TW_CONFIG_NAME_MAX];
            s_env_name (&tw_conf_keys[i], name, sizeof name);
            known = strlen (name) == len && strncmp (name, *env, len) == 0;
            size_t head = prefix_len + strlen (tw_conf_keys[i].section) + 1;
            if (head < len && strncmp (name, *env, head) == 0 && head > section_len) {
                section = tw_conf_keys[i].section;
                section_len = head;
            }
        }
        if (known)
            continue;
        if (section) {
            char key[TW_CONFIG_NAME_MAX];
            snprintf (key, sizeof key, "%.*s", (int) (len - section_len), *env + section_len);
            for (char *p = key; *p; p++)
                *p = (char) tolower ((unsigned char) *p);
            snprintf (err, err_size, "environment %.*s: unknown key '%s' in [%s]", (int) len, *env,
                      key, section);
        }
        else
            snprintf (err, err_size,
                      "environment %.*s: unknown section (a TW_ variable must be "
                      "TW_<SECTION>_<KEY> of a declared key)",
                      (int) len, *env);
        return -1;
    }
    return 0;
}

//  Applies TW_<SECTION>_<KEY> variables after checking that every TW_
//  variable names a key.
static int
s_load_env (tw_config_t *self, char *err, size_t err_size)
{
    if (s_check_env_names (err, err_size) != 0)
        return -1;
    for (size_t i = 0; i < tw_conf_key_count; i++) {
        char name[TW_CONFIG_NAME_MAX];
        s_env_name (&tw_conf_keys[i], name, sizeof name);
        const char *text = getenv (name);
        if (!text)
            continue;
        char why[TW_CONFIG_WHY_MAX];
        if (s_parse (&tw_conf_keys[i], text, &self->values[i], why, sizeof why) != 0) {
            snprintf (err, err_size, "%s: %s", name, why);
            return -1;
        }
        self->values[i].from_env = true;
    }
    return 0;
}

tw_config_t *
tw_config_load (const char *path, char *err, size_t err_size)
{
    tw_config_t *self = (tw_config_t *) calloc (1, sizeof *self);
    if (self)
        self->values = (s_value_t *) calloc (tw_conf_key_count, sizeof (s_value_t));
    if (!self || !self->values) {
        snprintf (err, err_size, "out of memory");
        tw_config_destroy (&self);
        return NULL;
    }
    for (size_t i = 0; i < tw_conf_key_count; i++) {
        char why[TW_CONFIG_WHY_MAX];
        //  The defaults are ours: one that does not parse is a bug in the table.
        int rc =
            s_parse (&tw_conf_keys[i], tw_conf_keys[i].value, &self->values[i], why, sizeof why);
        assert (rc == 0);
        (void) rc;
    }
    if (!path && access (TW_CONFIG_DEFAULT_PATH, F_OK) == 0)
        path = TW_CONFIG_DEFAULT_PATH;
    self->path = strdup (path ? path : "");
    if (!self->path) {
        snprintf (err, err_size, "out of memory");
        tw_config_destroy (&self);
        return NULL;
    }
    if ((path && s_load_file (self, path, err, err_size) != 0)
        || s_load_env (self, err, err_size) != 0) {
        tw_config_destroy (&self);
        return NULL;
    }
    return self;
}

void
tw_config_destroy (tw_config_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    tw_config_t *self = *self_p;
    if (self->values)
        for (size_t i = 0; i < tw_conf_key_count; i++)
            free (self->values[i].text);
    free (self->values);
    free (self->path);
    free (self);
    *self_p = NULL;
}

//  The value of a declared key of the given type; anything else is a
//  programmer error.
static s_value_t *
s_get (tw_config_t *self, const char *section, const char *key, tw_conf_type_t type)
{
    assert (self);
    int index = s_find (section, key);
    assert (index >= 0 && "configuration key not declared in tw_config_keys.c");
    assert (tw_conf_keys[index].type == type && "configuration key read with the wrong type");
    (void) type;
    return &self->values[index];
}

const char *
tw_config_str (tw_config_t *self, const char *section, const char *key)
{
    return s_get (self, section, key, TW_CONF_STR)->text;
}

int64_t
tw_config_int (tw_config_t *self, const char *section, const char *key)
{
    return s_get (self, section, key, TW_CONF_INT)->i;
}

double
tw_config_double (tw_config_t *self, const char *section, const char *key)
{
    return s_get (self, section, key, TW_CONF_DOUBLE)->d;
}

bool
tw_config_bool (tw_config_t *self, const char *section, const char *key)
{
    return s_get (self, section, key, TW_CONF_BOOL)->b;
}

const char *
tw_config_path (tw_config_t *self)
{
    assert (self);
    return self->path;
}

//  Appends " key=value" to line, quoting a value that is empty or has a
//  space so that the line stays parseable.
static void
s_append (char *line, size_t size, const char *key, const char *value)
{
    size_t len = strlen (line);
    if (len >= size - 1)
        return;
    bool quote = !*value || strpbrk (value, " \t\"") != NULL;
    snprintf (line + len, size - len, quote ? " %s=\"%s\"" : " %s=%s", key, value);
}

//  Appends the value of key i, a secret as its fingerprint.
static void
s_append_value (tw_config_t *self, size_t i, const char *name, char *line, size_t size)
{
    if (tw_conf_keys[i].secret) {
        char fingerprint[16];
        tw_log_fingerprint (self->values[i].text, fingerprint, sizeof fingerprint);
        s_append (line, size, name, fingerprint);
    }
    else
        s_append (line, size, name, self->values[i].text);
}

//  Appends " from_WHERE: section.key=value…" for the keys set in the file
//  (env false) or in the environment (env true); nothing when there are none.
static void
s_append_set (tw_config_t *self, bool env, char *line, size_t size)
{
    bool first = true;
    for (size_t i = 0; i < tw_conf_key_count; i++) {
        s_value_t *value = &self->values[i];
        //  A key set in both places counts where its value came from.
        bool here = env ? value->from_env : value->from_file && !value->from_env;
        if (!here)
            continue;
        if (first) {
            size_t len = strlen (line);
            snprintf (line + len, size - len, env ? " env:" : " file:");
            first = false;
        }
        char name[TW_CONFIG_NAME_MAX];
        snprintf (name, sizeof name, "%s.%s", tw_conf_keys[i].section, tw_conf_keys[i].key);
        s_append_value (self, i, name, line, size);
    }
}

void
tw_config_log (tw_config_t *self)
{
    assert (self);
    //  "from", not "source": [feed] has a key named source.
    const char *from = *self->path ? self->path : "defaults";
    char summary[TW_CONFIG_LOG_LINE_MAX] = "";
    s_append_set (self, false, summary, sizeof summary);
    s_append_set (self, true, summary, sizeof summary);
    tw_info ("config file=%s%s%s", *self->path ? self->path : "none", summary,
             *summary ? " (every other key has its default)" : " (every key has its default)");
    if (tw_log_get_level () > TW_LOG_DEBUG)
        return;
    for (size_t first = 0; first < tw_conf_key_count; first++) {
        //  One line per section, written at the section's first key.
        const char *section = tw_conf_keys[first].section;
        bool seen_before = false;
        for (size_t j = 0; j < first && !seen_before; j++)
            seen_before = strcmp (tw_conf_keys[j].section, section) == 0;
        if (seen_before)
            continue;
        char line[TW_CONFIG_LOG_LINE_MAX] = "";
        for (size_t i = first; i < tw_conf_key_count; i++)
            if (strcmp (tw_conf_keys[i].section, section) == 0)
                s_append_value (self, i, tw_conf_keys[i].key, line, sizeof line);
        tw_debug ("config [%s]%s from=%s", section, line, from);
    }
}
