#!/bin/bash
# The banned-function check of `make lint` (tools/lint.sh banned, tools/banned-functions.txt): it finds
# a call, and it is not fooled by a longer name, a member, a comment or a string; firstboot/ passes it.
. "$TOP/tests/lib/common.sh"

cat >"$WORK/calls.c" <<'C'
#include <stdio.h>
#include <string.h>

/* strcpy(dst, src) in a comment is not a call, nor is // sprintf(buf, "x") */
static const char *text = "strcat(a, b) in a string";
static const char quote = '"';

void copy(char *dst, const char *src, struct ops *o) {
        char buf[16];
        snprintf(buf, sizeof(buf), "%s", src); /* a longer name */
        (void) strerror_r(1, buf, sizeof(buf));
        o->system(src);                        /* a member */
        o->ops.popen(src);
        strcpy (dst,
                src);
}
int parse(const char *s) {
        return atoi(s);
}
C
out=$("$TOP/tools/lint.sh" banned "$WORK/calls.c") && fail "banned calls went through: $out"
echo "$out"
[ "$(grep -c '(): ' <<<"$out")" -eq 2 ] || fail "expected exactly the 2 calls, got: $out"
assert_contains "$out" "$WORK/calls.c:14: strcpy(): unbounded copy" "strcpy split over two lines, its line"
assert_contains "$out" "$WORK/calls.c:18: atoi(): no error detection" "atoi with its reason"
ok "calls found with file, line and reason; comments, strings, longer names and members left alone"

# Errors are -errno values at log calls too: a positive one is refused, with its line.
cat >"$WORK/signs.c" <<'C'
int f(int r, int n) {
        log_error_errno(-EINVAL, "fine");
        log_error_errno(r, "fine, r is -errno");
        log_warning_errno(EINVAL, "refused");
        return log_error_errno(n < 0 ? errno : -EIO, "refused: errno");
}
C
out=$("$TOP/tools/lint.sh" banned "$WORK/signs.c") && fail "positive errno values went through: $out"
[ "$(grep -c 'a positive errno' <<<"$out")" -eq 2 ] || fail "expected exactly the 2 positive errno values, got: $out"
assert_contains "$out" "$WORK/signs.c:4: log_warning_errno(EINVAL, ...)" "EINVAL at its line"
assert_contains "$out" "$WORK/signs.c:5: log_error_errno(" "errno in a conditional at its line"
ok "a positive errno at a log call is refused; -EINVAL and r pass"

# every name has a reason
while read -r name reason; do
        case "$name" in '' | '#'*) continue ;; esac
        [ -n "$reason" ] || fail "tools/banned-functions.txt: $name has no reason"
done <"$TOP/tools/banned-functions.txt"
ok "every banned function has its reason"

(cd "$TOP" && tools/lint.sh banned) || fail "firstboot/ calls a banned function"
ok "firstboot/ calls none"
