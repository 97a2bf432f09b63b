#!/bin/sh
# nt_embed.sh INPUT OUTPUT NAME - writes OUTPUT, a C file that defines the
# bytes of INPUT as `const unsigned char NAME[]` (NUL-terminated) and their
# number as `const size_t NAME_len`. POSIX sh and od only, so that the build
# needs no scripting language.
set -eu
[ $# -eq 3 ] || { echo "usage: nt_embed.sh INPUT OUTPUT NAME" >&2; exit 2; }
input=$1 output=$2 name=$3
{
    printf '// Generated from %s by nt_embed.sh: do not edit.\n' "${input##*/}"
    printf '#include <stddef.h>\n\n'
    printf 'const unsigned char %s[] = {\n' "$name"
    od -An -v -tx1 "$input" | sed -e 's/[[:space:]]*$//' -e '/^$/d' \
        -e 's/[[:space:]]*\([0-9a-f][0-9a-f]\)/ 0x\1,/g'
    printf ' 0x00\n};\n\n'
    printf 'const size_t %s_len = sizeof %s - 1;\n' "$name" "$name"
} >"$output.tmp"
mv "$output.tmp" "$output"
