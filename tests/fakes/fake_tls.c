//  fake_tls - see fake_tls.h.

#include "fake_tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  A PEM certificate chain or key of a test is a few kilobytes.
#define FAKE_TLS_PEM_MAX (1024 * 1024)

//  Says on stderr that the file of what cannot be read, with errno's reason.
static void
s_unreadable (const char *who, const char *what, const char *path)
{
    fprintf (stderr, "%s: TLS %s '%s' cannot be read: %s\n", who, what, path ? path : "(none)",
             path ? strerror (errno) : "not given");
}

int
fake_tls_server (struct lws_context_creation_info *info, const char *who, const char *cert_file,
                 const char *key_file, bool plain_too)
{
    const char *files[] = {cert_file, key_file};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        if (!files[i] || access (files[i], R_OK) != 0) {
            s_unreadable (who, i == 0 ? "certificate" : "key", files[i]);
            return -1;
        }
    info->options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    if (plain_too)
        info->options |= LWS_SERVER_OPTION_ALLOW_NON_SSL_ON_SSL_PORT
                         | LWS_SERVER_OPTION_ALLOW_HTTP_ON_HTTPS_LISTENER;
    info->ssl_cert_filepath = cert_file;
    info->ssl_private_key_filepath = key_file;
    return 0;
}

char *
fake_tls_read_pem (const char *who, const char *what, const char *path)
{
    FILE *file = path ? fopen (path, "r") : NULL;
    if (!file) {
        s_unreadable (who, what, path);
        return NULL;
    }
    char *text = malloc (FAKE_TLS_PEM_MAX + 1);
    size_t len = text ? fread (text, 1, FAKE_TLS_PEM_MAX + 1, file) : 0;
    bool failed = !text || ferror (file);
    fclose (file);
    if (failed || len == 0 || len > FAKE_TLS_PEM_MAX) {
        fprintf (stderr, "%s: TLS %s '%s' cannot be read: %s\n", who, what, path,
                 failed     ? "read error"
                 : len == 0 ? "empty"
                            : "too large");
        free (text);
        return NULL;
    }
    text[len] = 0;
    return text;
}
