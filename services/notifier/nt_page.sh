#!/bin/sh
# nt_page.sh TEMPLATE JS CSS OUTPUT - writes OUTPUT, the dashboard page:
# TEMPLATE with its line holding @DYGRAPH_JS@ replaced by the file JS and
# its line holding @DYGRAPH_CSS@ by the file CSS (Debian's libjs-dygraphs),
# so that the page stays one self-contained file. POSIX sh and sed only.
set -eu
[ $# -eq 4 ] || { echo "usage: nt_page.sh TEMPLATE JS CSS OUTPUT" >&2; exit 2; }
template=$1 js=$2 css=$3 output=$4
for f in "$template" "$js" "$css"; do
    [ -r "$f" ] || { echo "nt_page.sh: cannot read $f" >&2; exit 1; }
done
# A closing script tag inside the library would end the page's script early.
if grep -qi '</script' "$js"; then
    echo "nt_page.sh: $js holds a closing script tag" >&2
    exit 1
fi
sed -e "/@DYGRAPH_JS@/{
r $js
d
}" -e "/@DYGRAPH_CSS@/{
r $css
d
}" "$template" >"$output.tmp"
mv "$output.tmp" "$output"
