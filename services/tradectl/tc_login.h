//  tc_login - `tradectl login`, the daily Fyers login (docs/fyers.md §1,
//  docs/design.md §8.4), and the token line of `tradectl status`.
//
//  tradectl [-c FILE] [--json] login [--url | URL | CODE]
//
//  Without an argument it prints the login URL ({[fyers] base_url}
//  /generate-authcode?client_id=…&redirect_uri=…&response_type=code&state=…,
//  with a random state kept in "<token_file>.state", mode 0600) and reads
//  the address the browser was sent back to, or the bare auth code, from
//  standard input. --url prints the URL and stops; `login URL` or `login
//  CODE` then finishes that login. A URL's state must be the one kept; a bare
//  code cannot be checked (the trader vouches for it). The app secret comes
//  from FYERS_APP_SECRET and the app id from FYERS_APP_ID; appIdHash is the
//  lowercase hex SHA-256 of "APP_ID:SECRET". POST validate-authcode answers
//  the access token, which is written to [fyers] token_file (tw_token_write:
//  atomic, 0600). Printed: where it went, its fingerprint and its expiry in
//  IST; never the token, the code or the secret.
//
//  Exit codes as the other commands: 0 logged in (or the URL printed); 2 a
//  usage or configuration error, a missing secret, nothing to read, a wrong
//  state; 3 Fyers unreachable or its answer unusable; 4 Fyers refused (a bad
//  appIdHash, -371; an expired, used or unknown auth code); 1 the token
//  file cannot be written.

#ifndef TC_LOGIN_H_INCLUDED
#define TC_LOGIN_H_INCLUDED

#include <stdbool.h>
#include <stdio.h>

#include "tw_config.h"

//  The environment variables of the login.
#define TC_LOGIN_ENV_APP_ID "FYERS_APP_ID"
#define TC_LOGIN_ENV_SECRET "FYERS_APP_SECRET"
//  Appended to token_file for the kept state.
#define TC_LOGIN_STATE_SUFFIX ".state"

//  True when the command on argv (its first argument that is not an
//  option or an option's value) is "login".
bool tc_login_wanted (int argc, char **argv);

//  Runs `tradectl … login …` and returns the process exit code.
int tc_login_main (int argc, char **argv);

//  Writes "token: expires <IST> (in 5h 12m), from <source>" (or why there
//  is none, or that it has expired) to out: the token on this machine, read
//  locally, as the services on it would. Nothing when Fyers is not in use
//  (broker and feed source not fyers, no FYERS_ACCESS_TOKEN, no token file).
void tc_login_token_status (tw_config_t *config, FILE *out);

#endif
