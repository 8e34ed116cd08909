#!/bin/bash
# `make lint`: static analysis, clean or failing.
#  1. cppcheck (warning, portability, performance) over the agent, the library and the server, with the
#     suppressions of tools/cppcheck.supp (each one explained there);
#  2. clang's scan-build over a fresh build of the agent and the server: any report fails, except the
#     reviewed false positives of tools/scan-build.allow (each explained there). Two checkers are off:
#     unix.Malloc and deadcode.DeadStores, because clang 14's analyzer does not model
#     __attribute__((cleanup)), on which all of the code's freeing and closing rests (_cleanup_free_,
#     _cleanup_close_, firstboot/lib/macro.h): it reports every such pointer as leaked, and every
#     "fd = -1" that keeps a cleanup from closing twice as a dead store. Leaks, double frees and use
#     after free are checked at run time by `make asan` (LeakSanitizer included) and `make valgrind`;
#  3. shellcheck (severity warning and above) over every shell script of the tree. Two checks are off:
#     SC1091, "not following" a sourced file, because scripts source tests/lib/*.sh by "$TOP/...", a
#     path shellcheck cannot resolve (those libraries are checked on their own here); and, for the
#     sourced libraries only (no #! line), SC2034 "appears unused": they set variables for the scripts
#     that source them.
# Usage: tools/lint.sh [cppcheck|scan-build|shellcheck]...   (default: all three)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
failed=()
checks=("$@")
[ ${#checks[@]} -gt 0 ] || checks=(cppcheck scan-build shellcheck)

need() { # COMMAND PACKAGE
        command -v "$1" >/dev/null && return 0
        [ "$(id -u)" -eq 0 ] || { echo "lint: $1 missing (apt-get install $2)" >&2; exit 1; }
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$2" >/dev/null ||
                { echo "lint: cannot install $2" >&2; exit 1; }
}

run_cppcheck() {
        need cppcheck cppcheck
        cppcheck --enable=warning,portability,performance --error-exitcode=1 --std=c99 --quiet --template=gcc \
                -D_GNU_SOURCE -D__GNUC__ -DVERSION='"0"' -Ifirstboot/lib -Ifirstboot/agent -Ifirstboot/seedgen -Ifirstboot/server \
                --suppressions-list=tools/cppcheck.supp firstboot/
}

run_scan_build() {
        local out build=build-scan rc=0
        need scan-build clang-tools
        out=$(mktemp -d /tmp/kfb-scan-build.XXXXXX)
        rm -rf "$build"
        scan-build -disable-checker unix.Malloc -disable-checker deadcode.DeadStores -o "$out" \
                make -s BUILDDIR="$build" all >"$out/build.log" 2>&1 || { cat "$out/build.log"; return 1; }
        # every report, as "FILE|FUNCTION|BUG TYPE", against the reviewed false positives
        local f key allowed found=0
        allowed=$(sed -e 's/[[:space:]]*#.*$//' -e '/^$/d' tools/scan-build.allow)
        while read -r f; do
                key="$(sed -n 's|^<!-- BUGFILE '"$top"'/\(.*\) -->$|\1|p' "$f")|$(sed -n 's/^<!-- FUNCTIONNAME \(.*\) -->$/\1/p' "$f")|$(sed -n 's/^<!-- BUGTYPE \(.*\) -->$/\1/p' "$f")"
                if grep -qxF "$key" <<<"$allowed"; then
                        echo "scan-build: reviewed false positive: $key"
                else
                        echo "scan-build: $key: $(sed -n 's/^<!-- BUGDESC \(.*\) -->$/\1/p' "$f") (line $(sed -n 's/^<!-- BUGLINE \(.*\) -->$/\1/p' "$f"))"
                        found=$((found + 1))
                fi
        done < <(find "$out" -name 'report-*.html' | sort)
        if [ "$found" -gt 0 ]; then
                echo "scan-build: $found report(s); HTML in $out" >&2
                rc=1
        else
                rm -rf "$out" "$build"
        fi
        return $rc
}

shell_scripts() {
        find . -path ./.git -prune -o -path './build*' -prune -o -path ./tests/data/bad-seeds -prune \
                -o -path ./tests/fuzz/corpus -prune -o -path ./tests/data/seeds -prune -o -path ./tests/data/host-fixtures -prune \
                -o -type f -print | sort | while read -r f; do
                case "$f" in
                *.sh) echo "$f" ;;
                *) head -n 1 "$f" 2>/dev/null | grep -qE '^#!.*/(env )?(ba)?sh( |$)' && echo "$f" ;;
                esac
        done
}

run_shellcheck() {
        local f rc=0 n=0
        need shellcheck shellcheck
        while read -r f; do
                n=$((n + 1))
                if head -n 1 "$f" | grep -q '^#!'; then
                        shellcheck -S warning -e SC1091 -f gcc "$f" || rc=1
                else
                        shellcheck -S warning -e SC1091,SC2034 -s bash -f gcc "$f" || rc=1
                fi
        done < <(shell_scripts)
        echo "shellcheck: $n scripts"
        return $rc
}

for c in "${checks[@]}"; do
        case "$c" in
        cppcheck) run_cppcheck || failed+=(cppcheck) ;;
        scan-build) run_scan_build || failed+=(scan-build) ;;
        shellcheck) run_shellcheck || failed+=(shellcheck) ;;
        *) echo "lint: unknown check $c" >&2; exit 2 ;;
        esac
done
if [ ${#failed[@]} -gt 0 ]; then
        echo "lint: FAILED: ${failed[*]}"
        exit 1
fi
echo "lint: clean (${checks[*]})"
