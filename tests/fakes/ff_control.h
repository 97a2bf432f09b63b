//  ff_control - the control routes under /_fake/ that act on the account as
//  the broker, the exchange or the user in the Fyers app would: fills,
//  partial fills, order ends, conversions, a broker-side square-off, and
//  reads of the book that neither authenticate, count as API requests nor
//  advance the pending fills. Documented in tests/fakes/README.md.
//
//  The caller serialises calls that share a book (ff_server's lock).

#ifndef FF_CONTROL_H_INCLUDED
#define FF_CONTROL_H_INCLUDED

#include "ff_book.h"

#include <cjson/cJSON.h>
#include <stddef.h>

//  Serves method on /_fake/<name> with the request body (NULL or len bytes).
//  Returns the JSON reply and sets *status; NULL when name is not one of
//  these routes (the caller answers it).
cJSON *ff_control_handle (ff_book_t *book, const char *method, const char *name, const char *body,
                          size_t len, int *status);

#endif
