//  tw_test_stamp - for tests that compare captured log lines: checks that
//  every line starts with tw_log's timestamp (docs/design.md §8.5) and takes
//  the timestamps out, so that the rest can be compared exactly.

#ifndef TW_TEST_STAMP_H_INCLUDED
#define TW_TEST_STAMP_H_INCLUDED

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

//  True when line starts with "YYYY-MM-DDTHH:MM:SS.mmmZ ".
static inline bool
tw_test_is_stamp (const char *line)
{
    const char *shape = "dddd-dd-ddTdd:dd:dd.dddZ ";
    for (size_t i = 0; shape[i]; i++) {
        if (shape[i] == 'd' ? !isdigit ((unsigned char) line[i]) : line[i] != shape[i])
            return false;
    }
    return true;
}

//  Removes the timestamp at the start of every line of buf, in place.
//  Returns false (buf unchanged from the first offending line on) when a
//  line does not start with one.
static inline bool
tw_test_strip_stamps (char *buf)
{
    const size_t stamp_len = 25;
    char *read = buf, *write = buf;
    while (*read) {
        if (!tw_test_is_stamp (read))
            return false;
        read += stamp_len;
        char *end = strchr (read, '\n');
        size_t len = end ? (size_t) (end - read) + 1 : strlen (read);
        memmove (write, read, len);
        write += len;
        read += len;
    }
    *write = 0;
    return true;
}

#endif
