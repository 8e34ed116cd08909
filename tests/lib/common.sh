# Shared helpers for the integration tests (bash). Source it: . "$TOP/tests/lib/common.sh"
set -euo pipefail
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILDDIR=${BUILDDIR:-$TOP/build}
AGENT=$BUILDDIR/kube-firstboot

# A scratch directory removed at exit.
WORK=$(mktemp -d /tmp/kfb-test.XXXXXX)
cleanup_hooks=()
# KFB_KEEP=1 keeps the scratch directory for a post-mortem.
on_exit() {
        for h in "${cleanup_hooks[@]}"; do eval "$h" || true; done
        if [ -n "${KFB_KEEP:-}" ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap on_exit EXIT

# KFB_AGENT_WRAPPER (`make valgrind`: "valgrind --error-exitcode=99 ..."): every run of the agent goes
# through it, by way of a wrapper script that execs it on the real binary.
if [ -n "${KFB_AGENT_WRAPPER:-}" ]; then
        printf '#!/bin/sh\nexec %s %s "$@"\n' "$KFB_AGENT_WRAPPER" "$AGENT" >"$WORK/kube-firstboot"
        chmod 755 "$WORK/kube-firstboot"
        AGENT=$WORK/kube-firstboot
fi

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

assert_eq() { # expected actual message
        [ "$1" = "$2" ] || fail "$3: expected [$1], got [$2]"
}
assert_contains() { # haystack needle message
        case "$1" in *"$2"*) ;; *) fail "$3: [$2] not in output: $1" ;; esac
}
assert_file_eq() { # expected-file actual-file
        diff -u "$1" "$2" || fail "$2 differs from $1"
}

# run_cmd [-x STATUS] [-o OUT] [-e ERR] [-m WHAT] [--] COMMAND ARGS... : runs COMMAND with its stdout in OUT
# and its stderr in ERR (default $WORK/out and $WORK/err; ERR may be OUT), its exit status in RUN_STATUS.
# When that is not STATUS (default 0; "any" takes every status), the test fails naming WHAT (default:
# the command line), both statuses, and the last lines of stdout and stderr. Variables for COMMAND go
# before run_cmd: KUBE_FIRSTBOOT_PATH=DIR run_cmd "$AGENT" ...
run_cmd() {
        local want=0 out=$WORK/out err=$WORK/err what=''
        while [ $# -gt 0 ]; do
                case "$1" in
                -x) want=$2; shift 2 ;;
                -o) out=$2; shift 2 ;;
                -e) err=$2; shift 2 ;;
                -m) what=$2; shift 2 ;;
                --) shift; break ;;
                *) break ;;
                esac
        done
        RUN_STATUS=0
        if [ "$out" = "$err" ]; then
                "$@" >"$out" 2>&1 || RUN_STATUS=$?
        else
                "$@" >"$out" 2>"$err" || RUN_STATUS=$?
        fi
        [ "$want" = any ] || [ "$RUN_STATUS" = "$want" ] && return 0
        {
                echo "--- $* exited $RUN_STATUS, expected $want"
                echo "--- its stdout ($out), last 20 lines:"
                tail -n 20 "$out"
                if [ "$out" != "$err" ]; then
                        echo "--- its stderr ($err), last 20 lines:"
                        tail -n 20 "$err"
                fi
        } >&2
        fail "${what:-$1}: exit status $RUN_STATUS, expected $want"
}

# make_standins DIR NAME... : DIR/NAME -> recorder; prints nothing. Use with
#   KUBE_FIRSTBOOT_PATH=DIR "$AGENT" ...
make_standins() {
        local dir=$1
        shift
        mkdir -p "$dir"
        for n in "$@"; do ln -sf "$TOP/tests/stand-ins/recorder" "$dir/$n"; done
        : >"$dir/calls.log"
}

# tree_snapshot [--portable] [--content] [--exclude ERE]... PATH : the state of a tree (or of one file), to
# compare before and after with assert_tree_same. One line per path at or below PATH, "." being PATH
# itself, sorted:
#   ./etc/hosts f 644 root:root 158 1700000000.1234567890 sha256 HASH   a file: size, mtime, content
#   ./etc/docker d 755 root:root 4096 1700000000.1234567890                a directory
#   ./var/log l 777 root:root 12 1700000000.1234567890 -> /other/log       a symbolic link and its target
# --portable leaves out owners, sizes and mtimes, which another run or a copied tree (an expected one,
# a checkout's owner) does not share: type, mode, content and link target remain; --content gives only
# "PATH sha256 HASH" of every file; --exclude leaves out paths that match the extended regular expression
# (e.g. '^\./var/log(/|$)').
tree_snapshot() {
        local stat=1 content='' exclude='^$' top
        while [ $# -gt 1 ]; do
                case "$1" in
                --portable) stat= ;;
                --content) content=1 ;;
                --exclude) exclude="$exclude|$2"; shift ;;
                *) fail "tree_snapshot: unknown option $1" ;;
                esac
                shift
        done
        [ -e "$1" ] || [ -L "$1" ] || fail "tree_snapshot: $1 does not exist"
        top=.
        [ -d "$1" ] && [ ! -L "$1" ] || top=./$(basename "$1")
        (cd "$(if [ "$top" = . ]; then echo "$1"; else dirname "$1"; fi)" && {
                find "$top" -printf "P %p\t%y %m${stat:+ %u:%g %s %T@}\t%l\n"
                find "$top" -type f -print0 | xargs -0 -r sha256sum | sed 's/^\\\?\([0-9a-f]*\) [ *]/H \1 /'
        } | awk -F'\t' -v content="$content" -v exclude="$exclude" '
                /^H / { h = substr($0, 3, 64); hash[substr($0, 68)] = h; next }
                { p = substr($1, 3); if (p ~ exclude) next; attrs[p] = $2; link[p] = $3 }
                END {
                        for (p in attrs) {
                                if (content) { if (p in hash) print p " sha256 " hash[p]; continue }
                                line = p " " attrs[p]
                                if (p in hash) line = line " sha256 " hash[p]
                                else if (link[p] != "") line = line " -> " link[p]
                                print line
                        }
                }' | LC_ALL=C sort)
}

# tree_changes BEFORE AFTER : what differs between two tree_snapshot outputs, as "new: LINE",
# "removed: LINE" and "changed: PATH: OLD -> NEW" lines.
tree_changes() {
        # the path: what comes before the type and mode (or before "sha256" with --content)
        awk 'function path(line) {
                if (match(line, / [a-z] [0-7]+( |$)/) || match(line, / sha256 [0-9a-f]+$/))
                        return substr(line, 1, RSTART - 1)
                return line
             }
             NR == FNR { if ($0 != "") before[path($0)] = $0; next }
             $0 != "" { after[path($0)] = $0 }
             END {
                for (p in after)
                        if (!(p in before)) print "new: " after[p]
                        else if (before[p] != after[p]) print "changed: " p ": " substr(before[p], length(p) + 2) " -> " substr(after[p], length(p) + 2)
                for (p in before)
                        if (!(p in after)) print "removed: " before[p]
             }' <(printf '%s\n' "$1") <(printf '%s\n' "$2") | LC_ALL=C sort
}

# assert_tree_same BEFORE AFTER MESSAGE : two tree_snapshot outputs are equal, or the test fails with
# MESSAGE and what was added, removed and changed.
assert_tree_same() {
        [ "$1" = "$2" ] && return 0
        tree_changes "$1" "$2" | sed 's/^/    /' >&2
        fail "$3"
}
