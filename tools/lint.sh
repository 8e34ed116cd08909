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
#  4. banned: no call in firstboot/ of a function listed in tools/banned-functions.txt (each with the
#     reason and what to use instead), after comments, strings and character constants are blanked out, so
#     that only calls count: a name followed by "(", not part of a longer identifier (snprintf,
#     strerror_r) and not a member (".system(", "->system("). The same pass refuses a positive errno at a
#     log_*_errno() call ("log_error_errno(EINVAL, ...)"): errors are -errno values everywhere.
# Usage: tools/lint.sh [cppcheck|scan-build|shellcheck|banned]...   (default: all four)
#        tools/lint.sh banned FILE...   the banned-function check of these files only (its test uses it)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
caller_dir=$PWD
cd "$top" || exit 1
failed=()
checks=("$@")
[ ${#checks[@]} -gt 0 ] || checks=(cppcheck scan-build shellcheck banned)
banned_files=()
if [ "${checks[0]}" = banned ] && [ ${#checks[@]} -gt 1 ]; then
        for f in "${checks[@]:1}"; do
                case "$f" in /*) banned_files+=("$f") ;; *) banned_files+=("$caller_dir/$f") ;; esac
        done
        checks=(banned)
fi

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

# The banned-function check proper: perl -e "$banned_perl" LIST FILE...
read -r -d '' banned_perl <<'PERL'
my $list = shift;
my (%why, $found);
open(my $fh, "<", $list) or die "banned: $list: $!\n";
while (<$fh>) {
        next if /^\s*(#|$)/;
        my ($name, $reason) = /^(\w+)\s+(.+?)\s*$/ or die "banned: $list:$.: not NAME REASON\n";
        $why{$name} = $reason;
}
my $names = join("|", map { quotemeta } sort keys %why);
for my $file (@ARGV) {
        open(my $in, "<", $file) or die "banned: $file: $!\n";
        local $/;
        my $text = <$in>;
        # comments, strings and character constants become blanks; newlines stay, and line numbers with them
        $text =~ s{/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'}{ (my $m = $&) =~ s/[^\n]/ /g; $m }gse;
        while ($text =~ /(?<![\w.])(?<!->)\b($names)\s*\(/g) {
                my $line = 1 + (substr($text, 0, $-[0]) =~ tr/\n//);
                print "$file:$line: $1(): $why{$1}\n";
                $found++;
        }        # errors are negative errno values everywhere, at log calls too: "log_error_errno(-EINVAL, ...)"
        while ($text =~ /\b(log_\w+_errno)\s*\(([^,]*),/g) {
                my ($call, $arg, $at) = ($1, $2, $-[0]);
                next if $call eq "log_full_errno";
                next unless $arg =~ /(?<![-\w])(E[A-Z0-9]+|errno)\b/;
                my $line = 1 + (substr($text, 0, $at) =~ tr/\n//);
                print "$file:$line: $call($arg, ...): a positive errno; errors are -errno values (write -$1)\n";
                $found++;
        }
}
exit($found ? 1 : 0);
PERL

# Prints FILE:LINE: NAME(): REASON for every call of a banned function in the C files named (default:
# every .c and .h under firstboot/); fails when there is one.
run_banned() {
        local list=tools/banned-functions.txt files=("$@")
        [ ${#files[@]} -gt 0 ] || mapfile -t files < <(find firstboot -name '*.[ch]' | sort)
        [ ${#files[@]} -gt 0 ] || { echo "banned: no C files" >&2; return 1; }
        perl -e "$banned_perl" "$top/$list" "${files[@]}"
        local rc=$?
        [ $rc -eq 0 ] && echo "banned: ${#files[@]} files, none calls a function of $list"
        return $rc
}

for c in "${checks[@]}"; do
        case "$c" in
        cppcheck) run_cppcheck || failed+=(cppcheck) ;;
        scan-build) run_scan_build || failed+=(scan-build) ;;
        shellcheck) run_shellcheck || failed+=(shellcheck) ;;
        banned) run_banned "${banned_files[@]}" || failed+=(banned) ;;
        *) echo "lint: unknown check $c" >&2; exit 2 ;;
        esac
done
if [ ${#failed[@]} -gt 0 ]; then
        echo "lint: FAILED: ${failed[*]}"
        exit 1
fi
echo "lint: clean (${checks[*]})"
