//  fake_tls - see fake_tls.h.

#include "fake_tls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
fake_tls_server (struct lws_context_creation_info *info, const char *who, const char *cert_file,
                 const char *key_file, bool plain_too)
{
    const char *files[] = {cert_file, key_file};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        if (!files[i] || access (files[i], R_OK) != 0) {
            fprintf (stderr, "%s: TLS %s '%s' cannot be read: %s\n", who,
                     i == 0 ? "certificate" : "key", files[i] ? files[i] : "(none)",
                     files[i] ? strerror (errno) : "not given");
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
