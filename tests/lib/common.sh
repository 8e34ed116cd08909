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

# make_standins DIR NAME... : DIR/NAME -> recorder; prints nothing. Use with
#   KUBE_FIRSTBOOT_PATH=DIR "$AGENT" ...
make_standins() {
        local dir=$1
        shift
        mkdir -p "$dir"
        for n in "$@"; do ln -sf "$TOP/tests/stand-ins/recorder" "$dir/$n"; done
        : >"$dir/calls.log"
}

# tree_snapshot DIR : a listing of every path with type, mode, size, mtime and content hash.
tree_snapshot() {
        (cd "$1" && find . -printf '%p %y %m %s %T@\n' | sort && find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}
