//  nt_dashboard - the dashboard page (dashboard.html), embedded at build
//  time: nt_embed.sh turns the file into nt_dashboard.c, so the HTML has
//  one source and the binary needs no file at run time.

#ifndef NT_DASHBOARD_H_INCLUDED
#define NT_DASHBOARD_H_INCLUDED

#include <stddef.h>

//  The page's bytes, NUL-terminated (the NUL is not counted in the length).
extern const unsigned char nt_dashboard_html[];
extern const size_t nt_dashboard_html_len;

#endif
