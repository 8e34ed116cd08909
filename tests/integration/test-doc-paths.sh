#!/bin/bash
# What README.md, docs/*.md, docs/*.8 and the Makefile's comments name in the repository exists: every
# path under one of the tree's top directories (firstboot/, tests/, tools/, docs/, ...), with its
# {a,b} alternatives and * patterns; and every target the Makefile declares .PHONY has a rule.
. "$TOP/tests/lib/common.sh"
cd "$TOP" || fail "cannot enter $TOP"

# doc_paths DOC...: the repository paths written in each DOC, one per line as "DOC:LINE: PATH" (for
# the Makefile, in its comments only).
doc_paths() {
        python3 - "$@" <<'PY'
import re, sys

TOPS = "firstboot|tests|tools|docs|image|kickstart|rpm|bench|\\.ci"
# a path starts at a top directory not preceded by a path or word character (build/tests/... is an
# output of the build, ../shared/... is outside the tree) and runs over path characters
PATH = re.compile(r"(?<![\w./~$-])(?:%s)/[\w.*{},/+-]*" % TOPS)

def expand(p):
    m = re.search(r"\{([^{}]*)\}", p)
    if not m:
        return [p]
    return [q for alt in m.group(1).split(",") for q in expand(p[:m.start()] + alt + p[m.end():])]

for doc in sys.argv[1:]:
    for n, line in enumerate(open(doc, encoding="utf-8"), 1):
        if doc == "Makefile":
            if not line.lstrip().startswith("#"):
                continue
        if doc.endswith(".8"):
            line = line.replace("\\-", "-").replace("\\fB", "").replace("\\fR", "").replace("\\fI", "")
        for m in PATH.finditer(line):
            p = m.group(0).rstrip(".,")
            if "{" in p and "}" not in p:
                continue  # a shell group cut off at the line's end: not a path
            for q in expand(p):
                print("%s:%d: %s" % (doc, n, q))
PY
}

# the extraction itself, on a document of its own
printf '%s\n' 'See firstboot/lib/{log,parse}.h, `tests/unit/test-*.c` and ../shared/firstboot/x.c;' \
        'build/tests/test-log and firstboot/agent/gone.c.' >"$WORK/doc.md"
assert_eq "$WORK/doc.md:1: firstboot/lib/log.h
$WORK/doc.md:1: firstboot/lib/parse.h
$WORK/doc.md:1: tests/unit/test-*.c
$WORK/doc.md:2: firstboot/agent/gone.c" "$(doc_paths "$WORK/doc.md")" "paths found in a sample document"
ok "paths found: {a,b} expanded, patterns kept, build outputs and paths outside the tree left out"

missing=0
checked=0
while IFS= read -r entry; do
        where=${entry%%: *}
        path=${entry#*: }
        checked=$((checked + 1))
        if ! compgen -G "$path" >/dev/null && ! [ -e "$path" ]; then
                echo "$where: $path does not exist" >&2
                missing=$((missing + 1))
        fi
done < <(doc_paths README.md docs/*.md docs/*.8 Makefile)
[ "$checked" -gt 50 ] || fail "only $checked paths found in the documentation: the extraction is broken"
[ "$missing" -eq 0 ] || fail "$missing of $checked paths named in the documentation do not exist (above)"
ok "$checked paths named in README.md, docs/ and the Makefile's comments exist"

# every target of the .PHONY lines (as make reads them) has a rule of its own in the Makefile
phony=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -pn -f Makefile 2>/dev/null | sed -n 's/^\.PHONY: //p' | tr ' ' '\n' | sed '/^$/d' | sort -u)
[ -n "$phony" ] || fail "no .PHONY targets found in make's database"
for t in $phony; do
        grep -qE "^$t:" Makefile || fail "Makefile: .PHONY names $t, which has no rule"
done
ok "$(wc -w <<<"$phony") .PHONY targets, each with its rule"
