//  tw_token - see tw_token.h.

#include "tw_token.h"
#include "tw_log.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

//  A JWT payload longer than this is not an access token.
#define S_PAYLOAD_MAX 8192

//  What identifies one version of the file: a rewrite (rename or in place)
//  or a chmod changes at least one of these.
typedef struct {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    struct timespec ctime; //  a chmod changes only this
    bool valid;
} s_stamp_t;

struct _tw_token_t {
    char *path;               //  the file; NULL never (may be "")
    char token[TW_TOKEN_MAX]; //  "" until loaded
    tw_token_claims_t claims; //  of token
    const char *source;       //  TW_TOKEN_ENV or path
    s_stamp_t loaded;         //  the file version token came from
    s_stamp_t failed;         //  the last version that was refused
    bool from_env;
};

tw_token_t *
tw_token_new_path (const char *path)
{
    tw_token_t *self = (tw_token_t *) calloc (1, sizeof (tw_token_t));
    if (!self)
        abort ();
    self->path = strdup (path ? path : "");
    if (!self->path)
        abort ();
    self->source = self->path;
    return self;
}

tw_token_t *
tw_token_new (tw_config_t *config)
{
    return tw_token_new_path (tw_config_str (config, "fyers", "token_file"));
}

void
tw_token_destroy (tw_token_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    tw_token_t *self = *self_p;
    *self_p = NULL;
    explicit_bzero (self->token, sizeof self->token);
    explicit_bzero (&self->claims, sizeof self->claims);
    free (self->path);
    free (self);
}

//  ---------------------------------------------------------------------
//  The JWT payload.

int
tw_token_decode (const char *token, tw_token_claims_t *claims, char *err, size_t err_size)
{
    memset (claims, 0, sizeof *claims);
    const char *dot = strchr (token, '.');
    const char *colon = strchr (token, ':');
    if (colon && dot && colon < dot)
        token = colon + 1;
    dot = strchr (token, '.');
    const char *end = dot ? strchr (dot + 1, '.') : NULL;
    size_t len = end ? (size_t) (end - dot - 1) : 0;
    if (len == 0 || len > S_PAYLOAD_MAX) {
        snprintf (err, err_size, "the access token is not a JWT (header.payload.signature)");
        return -1;
    }
    //  base64url to base64 with padding, which EVP_DecodeBlock wants; it
    //  counts the padding as zero bytes, so they come off its length.
    char b64[S_PAYLOAD_MAX + 4];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = dot[1 + i];
        b64[n++] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    int pad = 0;
    while (n % 4) {
        b64[n++] = '=';
        pad++;
    }
    b64[n] = 0;
    unsigned char json[S_PAYLOAD_MAX];
    int json_len = EVP_DecodeBlock (json, (const unsigned char *) b64, (int) n);
    if (json_len >= pad)
        json_len -= pad;
    cJSON *root =
        json_len > 0 ? cJSON_ParseWithLength ((const char *) json, (size_t) json_len) : NULL;
    int rc = -1;
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive (root, "exp");
    const cJSON *key = cJSON_GetObjectItemCaseSensitive (root, "hsm_key");
    const char *value = cJSON_GetStringValue (key);
    if (!cJSON_IsObject (root))
        snprintf (err, err_size, "the access token's payload is not base64url JSON");
    else if (exp && (!cJSON_IsNumber (exp) || exp->valuedouble < 0 || exp->valuedouble > 1e12))
        snprintf (err, err_size, "the access token's exp is not a time");
    else if (value && strlen (value) >= sizeof claims->hsm_key)
        snprintf (err, err_size, "the access token's hsm_key is too long (%zu bytes)",
                  strlen (value));
    else {
        claims->exp = exp ? (int64_t) exp->valuedouble : 0;
        if (value)
            memcpy (claims->hsm_key, value, strlen (value) + 1);
        rc = 0;
    }
    cJSON_Delete (root);
    explicit_bzero (json, sizeof json);
    explicit_bzero (b64, sizeof b64);
    return rc;
}

//  ---------------------------------------------------------------------
//  Loading.

static bool
s_stamp_same (const s_stamp_t *a, const s_stamp_t *b)
{
    return a->valid && b->valid && a->dev == b->dev && a->ino == b->ino && a->size == b->size
           && a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec
           && a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

//  Takes a candidate token (trimmed, not empty) as the current one.
static int
s_accept (tw_token_t *self, const char *token, char *err, size_t err_size)
{
    tw_token_claims_t claims;
    char reason[160];
    if (tw_token_decode (token, &claims, reason, sizeof reason) != 0) {
        snprintf (err, err_size, "%s: %s", self->source, reason);
        return -1;
    }
    snprintf (self->token, sizeof self->token, "%s", token);
    self->claims = claims;
    explicit_bzero (&claims, sizeof claims);
    return 1;
}

//  Reads the first line of an open token file into line (trimmed).
static int
s_read_line (int fd, char *line, size_t size, const char *path, char *err, size_t err_size)
{
    size_t len = 0;
    while (len + 1 < size) {
        ssize_t n = read (fd, line + len, size - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf (err, err_size, "cannot read the token file %s: %s", path, strerror (errno));
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t) n;
    }
    line[len] = 0;
    line[strcspn (line, "\r\n")] = 0;
    if (strlen (line) + 1 >= size) {
        snprintf (err, err_size, "the token file %s holds more than a token", path);
        return -1;
    }
    //  Blanks around the token are a hand edit, not part of it.
    char *start = line + strspn (line, " \t");
    len = strlen (start);
    while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t'))
        len--;
    memmove (line, start, len);
    line[len] = 0;
    if (len == 0) {
        snprintf (err, err_size, "the token file %s is empty: run tradectl login", path);
        return -1;
    }
    return 0;
}

static int
s_check_file (tw_token_t *self, char *err, size_t err_size)
{
    if (!*self->path) {
        snprintf (err, err_size, "no access token: set %s or [fyers] token_file", TW_TOKEN_ENV);
        return -1;
    }
    struct stat st;
    if (stat (self->path, &st) != 0) {
        s_stamp_t missing = {.valid = true};
        if (s_stamp_same (&missing, &self->failed))
            return 0;
        self->failed = missing;
        snprintf (err, err_size, "no token file %s (%s): run tradectl login or set %s", self->path,
                  strerror (errno), TW_TOKEN_ENV);
        return -1;
    }
    s_stamp_t stamp = {.dev = st.st_dev,
                       .ino = st.st_ino,
                       .size = st.st_size,
                       .mtime = st.st_mtim,
                       .ctime = st.st_ctim,
                       .valid = true};
    if (s_stamp_same (&stamp, &self->loaded) || s_stamp_same (&stamp, &self->failed))
        return 0;
    self->failed = stamp; //  until it proves good
    if (!S_ISREG (st.st_mode)) {
        snprintf (err, err_size, "the token file %s is not a regular file", self->path);
        return -1;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf (err, err_size,
                  "the token file %s is open to group or others (mode %04o): chmod 600 %s",
                  self->path, (unsigned) (st.st_mode & 07777), self->path);
        return -1;
    }
    int fd = open (self->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf (err, err_size, "cannot open the token file %s: %s", self->path, strerror (errno));
        return -1;
    }
    char line[TW_TOKEN_MAX + 2];
    int rc = s_read_line (fd, line, sizeof line, self->path, err, err_size);
    close (fd);
    if (rc == 0)
        rc = s_accept (self, line, err, err_size);
    explicit_bzero (line, sizeof line);
    if (rc == 1) {
        self->loaded = stamp;
        self->failed = (s_stamp_t){.valid = false};
    }
    return rc;
}

int
tw_token_check (tw_token_t *self, char *err, size_t err_size)
{
    const char *env = getenv (TW_TOKEN_ENV);
    if (env && *env) {
        //  The environment cannot change under a running process: decoded once.
        if (self->from_env)
            return 0;
        self->source = TW_TOKEN_ENV;
        if (strlen (env) >= sizeof self->token) {
            snprintf (err, err_size, "%s is longer than a token", TW_TOKEN_ENV);
            return -1;
        }
        int rc = s_accept (self, env, err, err_size);
        self->from_env = rc == 1;
        return rc;
    }
    self->from_env = false;
    self->source = self->path;
    return s_check_file (self, err, err_size);
}

const char *
tw_token_value (tw_token_t *self)
{
    return self->token[0] ? self->token : NULL;
}

const tw_token_claims_t *
tw_token_claims (tw_token_t *self)
{
    return &self->claims;
}

bool
tw_token_expired (tw_token_t *self, int64_t now_s)
{
    return self->token[0] && self->claims.exp > 0 && self->claims.exp <= now_s;
}

const char *
tw_token_source (tw_token_t *self)
{
    return self->source;
}

void
tw_token_fingerprint (tw_token_t *self, char *buf, size_t size)
{
    tw_log_fingerprint (self->token, buf, size);
}

//  ---------------------------------------------------------------------
//  Writing and formatting.

//  Creates path's parent folder (one level) when it is missing.
static int
s_make_parent (const char *path, char *err, size_t err_size)
{
    char *copy = strdup (path);
    if (!copy) {
        snprintf (err, err_size, "out of memory");
        return -1;
    }
    const char *dir = dirname (copy);
    int rc = 0;
    if (mkdir (dir, 0700) != 0 && errno != EEXIST) {
        snprintf (err, err_size, "cannot create the folder %s: %s", dir, strerror (errno));
        rc = -1;
    }
    free (copy);
    return rc;
}

int
tw_token_write (const char *path, const char *token, char *err, size_t err_size)
{
    if (!path || !*path) {
        snprintf (err, err_size, "[fyers] token_file is empty");
        return -1;
    }
    if (s_make_parent (path, err, err_size) != 0)
        return -1;
    size_t tmp_size = strlen (path) + 16;
    char *tmp = (char *) malloc (tmp_size);
    if (!tmp) {
        snprintf (err, err_size, "out of memory");
        return -1;
    }
    snprintf (tmp, tmp_size, "%s.XXXXXX", path);
    //  mkstemp creates the file 0600: the token is never readable by others,
    //  not even for a moment.
    int fd = mkstemp (tmp);
    if (fd < 0) {
        snprintf (err, err_size, "cannot create a file next to %s: %s", path, strerror (errno));
        free (tmp);
        return -1;
    }
    size_t len = strlen (token);
    bool ok = fchmod (fd, 0600) == 0;
    for (size_t done = 0; ok && done < len;) {
        ssize_t n = write (fd, token + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        ok = n > 0;
        done += ok ? (size_t) n : 0;
    }
    ok = ok && write (fd, "\n", 1) == 1 && fsync (fd) == 0;
    int saved = errno;
    ok = close (fd) == 0 && ok;
    if (ok && rename (tmp, path) != 0) {
        saved = errno;
        ok = false;
    }
    if (!ok) {
        snprintf (err, err_size, "cannot write the token file %s: %s", path, strerror (saved));
        unlink (tmp);
    }
    free (tmp);
    return ok ? 0 : -1;
}

void
tw_token_format_ist (int64_t unix_s, char *buf, size_t size)
{
    time_t t = (time_t) (unix_s + TW_TOKEN_IST_OFFSET_S);
    struct tm tm;
    if (!gmtime_r (&t, &tm) || strftime (buf, size, "%Y-%m-%d %H:%M:%S IST", &tm) == 0)
        snprintf (buf, size, "?");
}
