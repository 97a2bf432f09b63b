//  tw_pki - see tw_pki.h.

#include "tw_pki.h"
#include "tw_proc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  One openssl run: a key or a signature is a few milliseconds; a loaded
//  machine gets plenty more.
#define S_RUN_TIMEOUT_MS 20000
#define S_PATH_MAX 4096
#define S_ARGS_MAX 24

//  The extensions of a server certificate, one file per name set.
#define S_SERVER_EXT "server.cnf"
#define S_MISNAMED_EXT "misnamed.cnf"
#define S_EXTENSIONS                                                                               \
    "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n"

//  The steps, as openssl's arguments after "openssl", run in dir in order.
static const char *const s_steps[][S_ARGS_MAX] = {
    {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days",
     "2", "-subj", "/CN=tradewire-test-ca", "-keyout", "ca.key", "-out", TW_PKI_CA, NULL},
    {"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj",
     "/CN=127.0.0.1", "-keyout", TW_PKI_SERVER_KEY, "-out", "server.csr", NULL},
    {"x509", "-req", "-in", "server.csr", "-CA", TW_PKI_CA, "-CAkey", "ca.key", "-CAcreateserial",
     "-days", "2", "-extfile", S_SERVER_EXT, "-out", TW_PKI_SERVER_CERT, NULL},
    {"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj",
     "/CN=" TW_PKI_MISNAMED_HOST, "-keyout", TW_PKI_MISNAMED_KEY, "-out", "misnamed.csr", NULL},
    {"x509", "-req", "-in", "misnamed.csr", "-CA", TW_PKI_CA, "-CAkey", "ca.key", "-CAcreateserial",
     "-days", "2", "-extfile", S_MISNAMED_EXT, "-out", TW_PKI_MISNAMED_CERT, NULL},
    {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days",
     "2", "-subj", "/CN=tradewire-other-ca", "-keyout", "other.key", "-out", TW_PKI_OTHER_CA, NULL},
};

//  Writes text to dir/name; 0 or -1.
static int
s_write (const char *dir, const char *name, const char *text)
{
    char path[S_PATH_MAX];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    FILE *file = fopen (path, "w");
    if (!file)
        return -1;
    bool written = fputs (text, file) >= 0;
    return fclose (file) == 0 && written ? 0 : -1;
}

//  Appends text to dir/TW_PKI_LOG (best effort: it is for a human).
static void
s_log (const char *dir, const char *text)
{
    char path[S_PATH_MAX];
    snprintf (path, sizeof path, "%s/%s", dir, TW_PKI_LOG);
    FILE *file = fopen (path, "a");
    if (!file)
        return;
    fputs (text, file);
    fclose (file);
}

//  The openssl executable on PATH, into path; 0 or -1.
static int
s_find_openssl (char *path, size_t size)
{
    const char *search = getenv ("PATH");
    char *copy = strdup (search && *search ? search : "/usr/bin:/bin");
    if (!copy)
        return -1;
    int rc = -1;
    char *saveptr = NULL;
    for (char *dir = strtok_r (copy, ":", &saveptr); dir && rc != 0;
         dir = strtok_r (NULL, ":", &saveptr)) {
        snprintf (path, size, "%s/openssl", *dir ? dir : ".");
        if (access (path, X_OK) == 0)
            rc = 0;
    }
    free (copy);
    return rc;
}

int
tw_pki_make (const char *dir)
{
    char openssl[S_PATH_MAX];
    if (s_find_openssl (openssl, sizeof openssl) != 0) {
        fprintf (stderr, "tw_pki: no openssl on PATH\n");
        return -1;
    }
    if (s_write (dir, S_SERVER_EXT, S_EXTENSIONS "subjectAltName=IP:127.0.0.1,DNS:localhost\n") != 0
        || s_write (dir, S_MISNAMED_EXT,
                    S_EXTENSIONS "subjectAltName=DNS:" TW_PKI_MISNAMED_HOST "\n")
               != 0) {
        fprintf (stderr, "tw_pki: cannot write the extension files in %s\n", dir);
        return -1;
    }
    tw_proc_output_t *output = (tw_proc_output_t *) malloc (sizeof *output);
    if (!output)
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof s_steps / sizeof *s_steps; i++) {
        const char *argv[S_ARGS_MAX + 1] = {"openssl"};
        for (size_t k = 0; s_steps[i][k]; k++)
            argv[k + 1] = s_steps[i][k];
        if (tw_proc_run (openssl, argv, NULL, dir, S_RUN_TIMEOUT_MS, output) != 0
            || output->exit_code != 0) {
            fprintf (stderr, "tw_pki: openssl %s %s failed in %s; see %s there\n", s_steps[i][0],
                     s_steps[i][1], dir, TW_PKI_LOG);
            rc = -1;
        }
        s_log (dir, output->out);
        s_log (dir, output->err);
    }
    free (output);
    return rc;
}
