#!/bin/bash
# Every case in tests/data/bad-seeds/: `show-seed` and `run` exit 2 with the case's expected error line
# (FILE:LINE:COLUMN: field: message) on stderr, print nothing on stdout (show-seed), run no command,
# and leave the --root tree byte-for-byte unchanged (contents, modes, sizes, mtimes, no new files).
. "$(dirname "$0")/../lib/common.sh"
[ -x "$AGENT" ] || fail "no agent at $AGENT (build it first)"
CASES=$TOP/tests/data/bad-seeds

# A small CentOS-like tree with the files the agent would touch, and an empty /var/lib.
ROOT=$WORK/root
mkdir -p "$ROOT"/etc/{sysconfig/network-scripts,selinux,docker,sysctl.d,modules-load.d,ssh} "$ROOT"/var/lib \
        "$ROOT"/run "$ROOT"/proc "$ROOT"/root/.ssh
echo "localhost.localdomain" >"$ROOT/etc/hostname"
printf '127.0.0.1   localhost localhost.localdomain\n::1         localhost localhost.localdomain\n' >"$ROOT/etc/hosts"
printf '/dev/mapper/centos-root /     xfs  defaults 0 0\n/dev/mapper/centos-swap swap  swap defaults 0 0\n' >"$ROOT/etc/fstab"
printf 'SELINUX=enforcing\nSELINUXTYPE=targeted\n' >"$ROOT/etc/selinux/config"
printf '# sysctl settings\n' >"$ROOT/etc/sysctl.conf"
printf 'DEVICE=eth0\nBOOTPROTO=dhcp\nONBOOT=yes\n' >"$ROOT/etc/sysconfig/network-scripts/ifcfg-eth0"
printf 'BOOT_IMAGE=/vmlinuz root=/dev/mapper/centos-root ro\n' >"$ROOT/proc/cmdline"
chmod 0700 "$ROOT/root/.ssh"
find "$ROOT" -exec touch -d '2024-01-02 03:04:05' {} +

BIN=$WORK/bin
make_standins "$BIN" systemctl modprobe sysctl swapoff setenforce firewall-cmd hostnamectl docker kubeadm kubectl \
        growpart xfs_growfs resize2fs ip nmcli ifup ifdown mount umount blkid
before=$(tree_snapshot "$ROOT")

n=0
for dir in "$CASES"/*/; do
        dir=${dir%/}
        name=$(basename "$dir")
        [ -f "$dir/expected" ] || fail "$name: no expected file"
        expected=$(head -n 1 "$dir/expected")
        [ -n "$expected" ] || fail "$name: empty expected file"
        # the line must name this case's file, so a message about another file does not pass
        needle="$dir/$expected"

        for cmd in show-seed run; do
                KUBE_FIRSTBOOT_PATH=$BIN run_cmd -x 2 -m "$name: $cmd" "$AGENT" --root "$ROOT" --seed "$dir" $cmd
                grep -qF -- "$needle" "$WORK/err" || {
                        cat "$WORK/err"
                        fail "$name: $cmd: expected on stderr: $needle"
                }
                grep -qF "rejected; nothing was changed" "$WORK/err" || fail "$name: $cmd: no rejection summary"
                if [ $cmd = show-seed ]; then
                        [ ! -s "$WORK/out" ] || fail "$name: show-seed printed on stdout for a bad seed"
                fi
                [ ! -s "$BIN/calls.log" ] || fail "$name: $cmd ran commands: $(cat "$BIN/calls.log")"
        done
        assert_tree_same "$before" "$(tree_snapshot "$ROOT")" "$name: show-seed or run changed the --root tree"
        n=$((n + 1))
done
[ $n -ge 40 ] || fail "only $n bad-seed cases (at least 40 expected)"
ok "$n bad seeds rejected with their expected error, exit 2, tree unchanged, no command run"

# The same checks notice a change: a good seed's run does write state under --root.
# In an empty network namespace: the reference seed reports progress to 192.168.220.1.
unshare -n env KUBE_FIRSTBOOT_PATH=$BIN "$AGENT" --root "$ROOT" --seed "$TOP/tests/data/seeds/reference/master" run --until seed \
        >/dev/null 2>"$WORK/err" || { cat "$WORK/err"; fail "reference seed: run --until seed failed"; }
[ "$before" != "$(tree_snapshot "$ROOT")" ] || fail "tree_snapshot did not see the good seed's state"
ok "a good seed's run is seen as a change (the snapshot comparison works)"
