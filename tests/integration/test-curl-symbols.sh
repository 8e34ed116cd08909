#!/bin/bash
# Every libcurl symbol the build uses exists in libcurl 7.29.0 (CentOS 7). Constants (CURLOPT_*,
# CURLINFO_*, CURLE_*, CURLPROTO_*, CURL_*) are looked up in libcurl-symbols(3), functions (curl_*() in
# the sources, and the undefined curl_* symbols of the built objects) in the AVAILABILITY section of
# their own man pages; both come with Debian's libcurl4-doc. A symbol introduced after 7.29.0, or not
# documented at all, fails the test by name. Comments do not count (they are stripped first); our own
# functions must not be named curl_*, or they are taken for libcurl's.
. "$TOP/tests/lib/common.sh"

LIMIT=7.29.0
MAN3=/usr/share/man/man3
# Switches read by curl.h itself, not libcurl API (CURL_DISABLE_DEPRECATION: see firstboot/lib/http.c).
NOT_API="CURL_DISABLE_DEPRECATION"

# Debian's place first: asking man(1) costs a few hundred milliseconds per page.
symbols_page=$MAN3/libcurl-symbols.3.gz
[ -r "$symbols_page" ] || symbols_page=$(man -w 3 libcurl-symbols 2>/dev/null || true)
[ -n "$symbols_page" ] && [ -r "$symbols_page" ] || fail "libcurl-symbols(3) not found: install libcurl4-doc (tools/install-deps.sh lists it)"

# "SYMBOL VERSION" for every symbol of libcurl-symbols(3).
zcat -f "$symbols_page" | awk '/^\.IP /{sym=$2; next} sym && /^Introduced in /{print sym, $3; sym=""}' \
        >"$WORK/introduced"
[ "$(wc -l <"$WORK/introduced")" -gt 500 ] || fail "$symbols_page: parsed only $(wc -l <"$WORK/introduced") symbols"

version_le() { # A B: A <= B, numerically by component
        awk -v a="$1" -v b="$2" 'BEGIN {
                na = split(a, x, "."); nb = split(b, y, ".");
                for (i = 1; i <= 3; i++) { p = (i <= na) ? x[i] + 0 : 0; q = (i <= nb) ? y[i] + 0 : 0;
                        if (p < q) exit 0; if (p > q) exit 1 }
                exit 0 }'
}

function_version() { # from the AVAILABILITY section of curl_xxx(3); "0" for "Always"
        local page=$MAN3/$1.3.gz
        [ -r "$page" ] || page=$(man -w 3 "$1" 2>/dev/null || true)
        [ -n "$page" ] && [ -r "$page" ] || return 0
        zcat -f "$page" | awk '/^\.SH AVAILABILITY/{p=1; next} /^\.SH/{p=0} p' | tr '\n' ' ' |
                sed -n -e 's/^ *Always.*/0/p' \
                       -e 's/.*[Aa]dded in \(libcurl \)\{0,1\}\([0-9][0-9.]*[0-9]\).*/\2/p' | head -n 1
}

# check FILE-OF-CONSTANTS FILE-OF-FUNCTIONS: prints one line per offending symbol, returns 1 if any.
check() {
        local bad=0 s v
        awk -v limit="$LIMIT" '
                function le(a, b,    x, y, na, nb, i, p, q) {
                        na = split(a, x, "."); nb = split(b, y, ".");
                        for (i = 1; i <= 3; i++) { p = (i <= na) ? x[i] + 0 : 0; q = (i <= nb) ? y[i] + 0 : 0;
                                if (p != q) return p < q }
                        return 1 }
                NR == FNR { introduced[$1] = $2; next }
                NF == 0 { next }
                !($1 in introduced) { print $1 ": not in libcurl-symbols(3)"; bad = 1; next }
                !le(introduced[$1], limit) { print $1 ": introduced in libcurl " introduced[$1] ", after " limit; bad = 1 }
                END { exit bad }' "$WORK/introduced" "$1" || bad=1
        while read -r s; do
                [ -n "$s" ] || continue
                v=$(function_version "$s")
                if [ -z "$v" ]; then
                        echo "$s(): no man page saying when it was added"
                        bad=1
                elif ! version_le "$v" "$LIMIT"; then
                        echo "$s(): added in libcurl $v, after $LIMIT"
                        bad=1
                fi
        done <"$2"
        return $bad
}

# The checker must catch what it is there to catch.
printf '%s\n' CURLOPT_XFERINFOFUNCTION CURLOPT_PROTOCOLS_STR CURLOPT_NO_SUCH_OPTION >"$WORK/bad-constants"
printf '%s\n' curl_url curl_no_such_function >"$WORK/bad-functions"
if check "$WORK/bad-constants" "$WORK/bad-functions" >"$WORK/bad-report"; then
        fail "the checker accepted symbols newer than $LIMIT"
fi
for s in CURLOPT_XFERINFOFUNCTION CURLOPT_PROTOCOLS_STR CURLOPT_NO_SUCH_OPTION curl_url curl_no_such_function; do
        grep -q "^$s" "$WORK/bad-report" || fail "the checker did not name $s: $(cat "$WORK/bad-report")"
done
printf '%s\n' CURLOPT_TIMEOUT_MS CURLPROTO_HTTPS >"$WORK/good-constants"
printf '%s\n' curl_easy_init curl_easy_strerror >"$WORK/good-functions"
check "$WORK/good-constants" "$WORK/good-functions" >"$WORK/good-report" ||
        fail "the checker refused symbols that 7.29 has: $(cat "$WORK/good-report")"

# What the build uses.
[ -n "$(find "$TOP/firstboot" -name '*.[ch]' -print -quit)" ] || fail "no sources under $TOP/firstboot"
mapfile -t sources < <(find "$TOP/firstboot" -name '*.[ch]' -print0 | xargs -0 grep -lE 'CURL|curl_' | sort)
[ ${#sources[@]} -gt 0 ] || fail "no source under $TOP/firstboot mentions libcurl"
# Comments stripped by the preprocessor, without expanding includes or macros.
for f in "${sources[@]}"; do
        gcc -fpreprocessed -dD -E -P -x c "$f" 2>/dev/null || fail "$f: cannot strip comments"
done >"$WORK/code"
grep -ohE '\bCURL[A-Z0-9]*_[A-Z0-9_]+\b' "$WORK/code" | sort -u | grep -vxF "$NOT_API" >"$WORK/constants" || true
grep -ohE '\bcurl_[a-z0-9_]+[[:space:]]*\(' "$WORK/code" | sed 's/[[:space:](]*$//' >"$WORK/functions.src" || true
mapfile -t objects < <(find "$BUILDDIR/firstboot" -name '*.o' 2>/dev/null | sort)
[ ${#objects[@]} -gt 0 ] || fail "no objects under $BUILDDIR/firstboot: build first (make BUILDDIR=...)"
nm -u "${objects[@]}" 2>/dev/null | awk '$1 == "U" && $2 ~ /^curl_/ { print $2 }' >"$WORK/functions.obj"
# libcurl is dlopen()ed: the names it resolves with dlsym(), listed in firstboot/lib/dl-symbols.h, count
# as used.
sed -n '/^#define LIBCURL_SYMBOLS/,/[^\\]$/p' "$TOP/firstboot/lib/dl-symbols.h" | grep -oE '\bX\(curl_[a-z0-9_]+\)' |
        sed 's/^X(//; s/)$//' >>"$WORK/functions.obj" || true
grep -q curl_easy_setopt "$WORK/functions.obj" || fail "no libcurl names read from firstboot/lib/dl-symbols.h"
sort -u "$WORK/functions.src" "$WORK/functions.obj" >"$WORK/functions"

[ -s "$WORK/constants" ] || fail "found no libcurl constants in the sources (is the pattern wrong?)"
[ -s "$WORK/functions.obj" ] || fail "found no curl_* symbols in the objects or the dlsym table (is libcurl not used?)"

if ! check "$WORK/constants" "$WORK/functions" >"$WORK/report"; then
        cat "$WORK/report" >&2
        fail "libcurl symbols newer than $LIMIT or undocumented (see above)"
fi
ok "$(wc -l <"$WORK/constants") libcurl constants and $(wc -l <"$WORK/functions") functions, all in libcurl <= $LIMIT:"
paste -sd ' ' "$WORK/constants" "$WORK/functions"
