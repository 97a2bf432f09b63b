//  tw_pki - a throwaway PKI for the tests of wss:// clients, made with the
//  openssl CLI in a directory the test owns (e.g. tw_fixture_dir):
//
//    TW_PKI_CA             a CA, which signed
//    TW_PKI_SERVER_CERT    a server certificate (key TW_PKI_SERVER_KEY) for
//                          127.0.0.1 and localhost (subjectAltName IP and DNS)
//    TW_PKI_MISNAMED_CERT  a server certificate (key TW_PKI_MISNAMED_KEY) for
//                          TW_PKI_MISNAMED_HOST only: signed by the same CA,
//                          for a check of the host name
//    TW_PKI_OTHER_CA       a second, unrelated CA that signed nothing
//
//  Keys are P-256, certificates valid for two days. Every openssl run is
//  bounded in time; its output goes to TW_PKI_LOG in the directory. Nothing
//  here asserts.

#ifndef TW_PKI_H_INCLUDED
#define TW_PKI_H_INCLUDED

#define TW_PKI_CA "ca.pem"
#define TW_PKI_SERVER_CERT "server.pem"
#define TW_PKI_SERVER_KEY "server.key"
#define TW_PKI_MISNAMED_CERT "misnamed.pem"
#define TW_PKI_MISNAMED_KEY "misnamed.key"
#define TW_PKI_MISNAMED_HOST "wrong-host.invalid"
#define TW_PKI_OTHER_CA "other.pem"
#define TW_PKI_LOG "openssl.log"

//  Makes the files above in dir (which must exist), with the openssl found
//  on PATH. Returns 0, or -1 with the reason on stderr (and openssl's words
//  in dir/TW_PKI_LOG).
int tw_pki_make (const char *dir);

#endif
