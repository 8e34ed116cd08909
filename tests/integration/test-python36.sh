#!/bin/bash
# The RPM's %check (rpm/kube-firstboot.spec) runs on CentOS 7, whose python3 is 3.6. Every Python file
# it runs must do without Python 3.7+ syntax and standard library: tests/lib/py36-check.py looks for
# both with Debian's interpreter (checked first on snippets it must refuse and one it must pass). And
# the spec must pull in the programs %check runs (BuildRequires python3 and openssl).
#
# Which files: %check runs `make unit` (any other %check command fails this test, so that whoever
# changes it says here what the new command runs), that is every tests/unit/test-*.c through
# tests/run-tests.sh (and no script test: none may have "unit" in its name). The Python files are the
# helpers those sources name under tests/lib/ and tests/stand-ins/ (and the shell helpers they name, in
# turn), with the local modules they import.
. "$TOP/tests/lib/common.sh"

SPEC=$TOP/rpm/kube-firstboot.spec
CHECKER=$TOP/tests/lib/py36-check.py

# ---- what %check runs ----
awk '/^%check[[:space:]]*$/ { p = 1; next }
     p && /^%(prep|build|install|clean|pre|post|preun|postun|pretrans|posttrans|files|changelog|package|description|trigger[a-z]*|verifyscript)([[:space:]]|$)/ { exit }
     p' "$SPEC" >"$WORK/check-section"
[ -s "$WORK/check-section" ] || fail "no %check section in $SPEC"
grep -vE '^[[:space:]]*(#|$)|^%(if|else|endif)([[:space:]]|$)' "$WORK/check-section" >"$WORK/check-commands" ||
        fail "%check runs nothing"
targets=()
while read -r -a words; do
        [ "${words[0]}" = '%{__make}' ] ||
                fail "%check runs \"${words[*]}\": this test knows make targets only; say here which Python files that runs"
        for w in "${words[@]:1}"; do
                case $w in %* | -* | *=*) ;; *) targets+=("$w") ;; esac
        done
done <"$WORK/check-commands"
[ "${targets[*]}" = unit ] ||
        fail "%check runs make ${targets[*]}: this test knows what \`make unit\` runs; say here what the rest runs"

# `make unit` is `tests/run-tests.sh unit`, whose filter is a substring match: a script test whose name
# holds "unit" would run in %check too, unchecked here.
recipe=$(awk '/^unit:/ { getline; print; exit }' "$TOP/Makefile")
case $recipe in *"tests/run-tests.sh unit") ;; *) fail "the Makefile's unit target runs \"$recipe\", not tests/run-tests.sh unit" ;; esac
for t in "$TOP"/tests/integration/test-*.sh "$TOP"/tests/vm/test-*.sh; do
        name=$(basename "$(dirname "$t")")/$(basename "$t" .sh)
        case $name in *unit*) fail "\`make unit\` (the RPM's %check) would run $name: rename it" ;; esac
done
ok "%check runs \`make unit\` only: tests/run-tests.sh unit, which selects no script test"

is_python() { # FILE
        case $1 in *.py) return 0 ;; esac
        head -n 1 "$1" | grep -qE '^#!.*python'
}
is_shell() { # FILE
        case $1 in *.sh) return 0 ;; esac
        head -n 1 "$1" | grep -qE '^#!.*/(ba)?sh'
}

# `make unit`: the unit test programs, run by tests/run-tests.sh.
todo=("$TOP"/tests/unit/test-*.c "$TOP/tests/run-tests.sh")
[ ${#todo[@]} -gt 2 ] || fail "no unit test sources under tests/unit"
declare -A scanned=() python=()
while [ ${#todo[@]} -gt 0 ]; do
        src=${todo[0]}
        todo=("${todo[@]:1}")
        [ -z "${scanned[$src]:-}" ] || continue
        scanned[$src]=1
        found=0
        while read -r ref; do
                f=$TOP/$ref
                [ -f "$f" ] || fail "${src#"$TOP"/} names $ref, which does not exist"
                if is_python "$f"; then
                        python[$f]=1
                        found=1
                elif is_shell "$f"; then
                        todo+=("$f")
                fi
        done < <(grep -ohE 'tests/(lib|stand-ins)/[A-Za-z0-9_.-]+' "$src" | sort -u)
        # Python that a source runs without naming a helper file (python3 -c ...) would go unchecked.
        if grep -qi python "$src" && [ $found -eq 0 ]; then
                fail "${src#"$TOP"/} mentions python but names no Python file under tests/lib or tests/stand-ins"
        fi
done
files=()
while IFS= read -r f; do files+=("$f"); done < <(printf '%s\n' "${!python[@]}" | sort)
# seed-httpd.py is what unit/test-seed-http serves from: if it is not found, the search above is broken.
[ -n "${python[$TOP/tests/lib/seed-httpd.py]:-}" ] ||
        fail "tests/lib/seed-httpd.py (run by unit/test-seed-http) not among the files found: ${files[*]:-none}"
ok "Python files %check runs: ${files[*]#"$TOP"/}"

# ---- the checker finds what it must ----
# One run over all snippets (the interpreter's start-up is the slow part): each 3.7+ one must be named
# in a line of its own file, the 3.6 one in none.
S=$WORK/snippets
mkdir -p "$S/pkg"
snippets=()
expected=()
snippet() { # NAME CODE EXPECTED-TEXT (within a line of FILE's findings)
        printf '%s\n' "$2" >"$S/$1.py"
        snippets+=("$1")
        expected+=("$3")
}
snippet import-threading 'from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer' \
        '1:1: http.server.ThreadingHTTPServer is Python 3.7+ (CentOS 7 has 3.6)'
snippet attr-threading $'import http.server as hs\nclass S(hs.ThreadingHTTPServer):\n    pass' \
        '2:9: http.server.ThreadingHTTPServer is Python 3.7+'
snippet capture-output $'import subprocess as sp\nsp.run(["true"], capture_output=True)' \
        'subprocess.run(capture_output=) is Python 3.7+'
snippet text $'from subprocess import check_output\ncheck_output(["true"], text=True)' \
        'subprocess.check_output(text=) is Python 3.7+'
snippet walrus $'if (n := 1):\n    pass' 'not Python 3.6 syntax'
snippet positional-only 'def f(a, /): return a' 'not Python 3.6 syntax'
snippet fstring-equals $'x = 1\nprint(f"{x=}")' 'not Python 3.6 syntax'
snippet asyncio-run $'import asyncio\nasyncio.run(None)' 'asyncio.run is Python 3.7+'
snippet dataclasses 'from dataclasses import dataclass' 'module dataclasses is Python 3.7+'
snippet nullcontext $'import contextlib\nwith contextlib.nullcontext():\n    pass' 'contextlib.nullcontext is Python 3.7+'
snippet time-ns $'import time\nt = time.monotonic_ns()' 'time.monotonic_ns is Python 3.7+'
snippet fromisoformat $'from datetime import datetime\ndatetime.fromisoformat("2020-01-01")' 'fromisoformat is Python 3.7+'
snippet future-annotations 'from __future__ import annotations' '__future__.annotations is Python 3.7+'
snippet isascii 'ok = "abc".isascii()' 'str/bytes.isascii is Python 3.7+'
snippet resources 'from importlib import resources' 'module importlib.resources is Python 3.7+'
snippet dict-union 'd = {"a": 1} | {"b": 2}' 'dict | dict is Python 3.9+'
snippet removeprefix 'name = "a-b".removeprefix("a-")' 'str/bytes.removeprefix is Python 3.9+'
snippet isqrt $'import math\nmath.isqrt(9)' 'math.isqrt is Python 3.8+'
snippet cached-property $'import functools\nclass C:\n    @functools.cached_property\n    def x(self):\n        return 1' \
        'functools.cached_property is Python 3.8+'
snippet shlex-join $'import shlex\nshlex.join(["a", "b c"])' 'shlex.join is Python 3.8+'
snippet generic-builtin 'def f(x: list[int]): return x' 'list[...] (a builtin type as a generic) is Python 3.9+'
snippet union-annotation 'def f(x: int | None): return x' 'X | Y in an annotation is Python 3.10+'
snippet argparse-extend $'import argparse\nargparse.ArgumentParser().add_argument("-x", action="extend")' \
        'argparse action="extend" is Python 3.8+'
# A local module that a file imports is checked too: pkg/main.py is given, pkg/helper.py is found.
printf 'import helper\nhelper.run()\n' >"$S/pkg/main.py"
printf 'import asyncio\ndef run():\n    return asyncio.get_running_loop()\n' >"$S/pkg/helper.py"
# What 3.6 has must pass: f-strings, variable annotations, async def, ThreadingMixIn + HTTPServer.
cat >"$S/clean.py" <<'PY'
import asyncio
import socketserver
import subprocess
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Dict, List, Optional


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True


counts: Dict[str, int] = {}


def run(argv: List[str], cwd: Optional[str] = None) -> str:
    name = argv[0]
    r = subprocess.run(argv, stdout=subprocess.PIPE, universal_newlines=True, cwd=cwd, check=True)
    merged = dict(counts, **{name: len(r.stdout)})
    return f"{name!r:>10} {merged[name]:05d}"


async def later(loop: asyncio.AbstractEventLoop) -> None:
    await asyncio.sleep(0)
PY
rc=0
files_in=()
for n in "${snippets[@]}"; do files_in+=("$S/$n.py"); done
python3 "$CHECKER" "${files_in[@]}" "$S/pkg/main.py" "$S/clean.py" >"$WORK/snippets.out" 2>&1 || rc=$?
snippets+=(pkg/helper)
expected+=("3:12: asyncio.get_running_loop is Python 3.7+")
assert_eq 1 "$rc" "py36-check.py exit status on the snippets ($(cat "$WORK/snippets.out"))"
for i in "${!snippets[@]}"; do
        grep -F "$S/${snippets[$i]}.py:" "$WORK/snippets.out" | grep -qF "${expected[$i]}" ||
                fail "py36-check.py did not say \"${expected[$i]}\" of ${snippets[$i]}.py:
$(grep -F "$S/${snippets[$i]}.py:" "$WORK/snippets.out")"
done
if grep -F "$S/clean.py" "$WORK/snippets.out"; then fail "py36-check.py refused Python 3.6 code"; fi
ok "py36-check.py: ${#snippets[@]} snippets of 3.7+ syntax or API named, Python 3.6 code passed"

# ---- the files %check runs ----
rc=0
out=$(python3 "$CHECKER" "${files[@]}" 2>&1) || rc=$?
[ $rc -eq 0 ] || fail "Python 3.7+ in what the RPM's %check runs on CentOS 7 (Python 3.6):
${out//"$TOP"\//}"
ok "${#files[@]} Python file(s) %check runs: Python 3.6 syntax and standard library only"

# ---- the spec pulls in what %check runs ----
# Only %check needs them, so they sit with libcmocka-devel under %if %{with check}.
awk '/^%if %\{with check\}/ { p = 1; next } p && /^%endif/ { p = 0 } p && /^BuildRequires:/ { print $2 }' "$SPEC" \
        >"$WORK/check-buildrequires"
grep -qx python3 "$WORK/check-buildrequires" ||
        fail "%check runs ${files[*]#"$TOP"/} but the spec has no \"BuildRequires: python3\" under %if %{with check}"
if grep -lF '"openssl"' "$TOP"/tests/unit/test-*.c >"$WORK/openssl-users"; then
        grep -qx openssl "$WORK/check-buildrequires" ||
                fail "$(sed "s|^$TOP/||" "$WORK/openssl-users" | tr '\n' ' ')run the openssl command, but the spec has no \"BuildRequires: openssl\" under %if %{with check}"
fi
ok "BuildRequires for %check: $(tr '\n' ' ' <"$WORK/check-buildrequires")"
