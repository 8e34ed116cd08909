#!/bin/bash
# A full disk: the root file system is a small tmpfs holding the fixture tree, filled up but for N pages;
# the host stage runs with N = 0, 1, 2, ... until it gets through. Every run that fails must
#  - exit with status 1 and an error naming the file it could not write ("No space left on device");
#  - leave every file intact: each holds its content from before the run, or its final content, never
#    a truncated or half-written one; and no temporary file is left behind;
# and the run that gets through must reach the same end state as a run on a roomy disk.
# /proc, /sys and /var/log are other file systems on a real host (procfs, sysfs, often a disk of their
# own): here they are directories outside the tmpfs, bind-mounted into the tree (the agent follows no
# symlink out of its --root), so that only root-disk writes compete for the pages (and the agent log's
# growth does not take them).
# Runs in private mount and UTS namespaces: the tmpfs and the hostname never leak to the test machine.
if [ -z "${KFB_PRIVATE_NS:-}" ]; then
        exec unshare -u -m --propagation private env KFB_PRIVATE_NS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/host-steps.sh"
[ -x "$AGENT" ] || fail "no agent at $AGENT (build it first)"
SEED=$HOST_FIXTURES/seeds/master
PAGE=$(getconf PAGESIZE)

# tree_on DIR ROOT: the fixture tree at ROOT with proc, sys and var/log moved to DIR/other.
tree_on() {
        local other=$1/other root=$2
        host_tree "$root"
        mkdir -p "$other/var" "$root/var"
        mv "$root/proc" "$root/sys" "$other/"
        mkdir -p "$other/log" "$root/proc" "$root/sys" "$root/var/log"
        mount --bind "$other/proc" "$root/proc" && mount --bind "$other/sys" "$root/sys" &&
                mount --bind "$other/log" "$root/var/log" || fail "cannot bind-mount $other into $root"
}
untree() { # ROOT: tree_on's mounts gone, so that ROOT can be removed
        local m
        for m in proc sys var/log; do umount "$1/$m" 2>/dev/null || true; done
}

# contents ROOT OTHER: "path sha256 HASH" of every file of the tree, owner whatever, but the agent log
# (it grows) and the state's stages file (it holds times; checked by stages_ok).
contents() {
        { tree_snapshot --content --exclude '^\./(proc|sys|var/log)/|/stages$' "$1"
          tree_snapshot --content --exclude '^\./log/|/stages$' "$2"; } | LC_ALL=C sort
}
stages_ok() { # ROOT: the stages file, if any, is whole
        local f
        for f in "$1"/var/lib/kube-firstboot/*/stages; do
                [ -e "$f" ] || continue
                grep -qvE '^[a-z-]+ [0-9]+$' "$f" && fail "$f is damaged: $(cat "$f")"
                [ -s "$f" ] || fail "$f is empty"
        done
        return 0
}

# ---- the reference: the same layout on a roomy disk -------------------------------------------------
REF=$WORK/ref
tree_on "$REF" "$REF/root"
cleanup_hooks+=("untree '$REF/root'")
host_bin "$REF/bin" "$REF/root"
run_cmd -o "$WORK/ref.out" -e "$WORK/ref.err" -m "reference run" agent "$REF/bin" "$REF/root" "$SEED" run --until host
ref_files=$(contents "$REF/root" "$REF/other")

declare -A allowed
while read -r p _ sum; do allowed["$p $sum"]=1; done <<<"$ref_files"
# The bridge sysctls appear with the module, at 0 (the stand-in's modprobe, as CentOS 7 sets them).
zero=$(echo 0 | sha256sum | cut -d' ' -f1)
allowed["./proc/sys/net/bridge/bridge-nf-call-iptables $zero"]=1
allowed["./proc/sys/net/bridge/bridge-nf-call-ip6tables $zero"]=1

DISK=$WORK/disk
mkdir -p "$DISK"
mount -t tmpfs -o size=2m,mode=0755 kfb-test-diskfull "$DISK" || fail "cannot mount a tmpfs (needs root)"
cleanup_hooks+=("umount -l '$DISK'")

failures=0
prev_error=
for ((n = 0; n <= 64; n++)); do
        untree "$DISK/root"
        rm -rf "${DISK:?}"/* "$WORK/case"
        R=$DISK/root
        tree_on "$WORK/case" "$R"
        host_bin "$WORK/case/bin" "$R"
        # the seed stage's state first: this test is about the host stage's writes
        run_cmd -o "$WORK/seed.out" -e "$WORK/seed.err" -m "n=$n: seed stage on the roomy tmpfs" \
                agent "$WORK/case/bin" "$R" "$SEED" run --until seed
        : >"$WORK/case/bin/calls.log"
        dd if=/dev/zero of="$DISK/filler" bs="$PAGE" 2>/dev/null && fail "the filler did not fill the tmpfs"
        [ "$n" -gt 0 ] && truncate -s "-$((n * PAGE))" "$DISK/filler"

        # what each file holds now: it may keep that, or get its final content, nothing else
        declare -A before=()
        while read -r p _ sum; do before["$p $sum"]=1; done < <(contents "$R" "$WORK/case/other")

        rc=0
        agent "$WORK/case/bin" "$R" "$SEED" run --until host 2>"$WORK/run.err" || rc=$?
        if [ "$rc" = 0 ]; then
                assert_tree_same "$ref_files" "$(contents "$R" "$WORK/case/other")" \
                        "n=$n: the run that got through differs from the roomy disk's"
                break
        fi
        assert_eq 1 "$rc" "n=$n: exit status"
        error=$(grep -E "error: $R/[^ ]*: .*No space left on device" "$WORK/run.err" | head -1) || true
        [ -n "$error" ] || {
                cat "$WORK/run.err"
                fail "n=$n: no error naming the file that did not fit"
        }
        while read -r p _ sum; do
                [ -n "${before["$p $sum"]:-}" ] || [ -n "${allowed["$p $sum"]:-}" ] ||
                        fail "n=$n ($error): $p holds neither its content from before the run nor its final one"
        done < <(contents "$R" "$WORK/case/other")
        stages_ok "$R"
        left=$(find "$R" "$WORK/case/other" -name '.#kfb.*')
        assert_eq "" "$left" "n=$n: temporary files left behind"
        echo "n=$n: ${error#kube-firstboot: }"
        [ "$error" != "$prev_error" ] || [ "$n" = 0 ] || echo "   (the same file as with one page less)"
        prev_error=$error
        failures=$((failures + 1))
        unset before
done
[ "$rc" = 0 ] || fail "the host stage did not get through even with $n free pages"
[ "$failures" -ge 3 ] || fail "only $failures runs ran out of space: the test does not exercise the full disk"
ok "$failures runs out of space: each failed cleanly, naming the file, with every file intact"
