#!/bin/bash
# A symbolic link in the --root tree that points out of it can never make the agent write outside the
# tree (lib/path.c resolves every host path under the root's directory descriptor):
#  - a final link to a file outside (etc/hostname -> OUTSIDE/hostname) is never written through;
#  - a directory link climbing out (etc -> ../outside, which the kernel would follow) is refused;
#  - an absolute intermediate link (etc/modules-load.d -> OUTSIDE/modules-load.d) is taken inside the
#    root, where its target does not exist: nothing is created there, nor outside.
# Each time the run fails with exit status 1 and an error naming the path (the checks before any change
# find the two links the steps would write at), and the outside is unchanged.
# Runs in a private UTS namespace: the hostname step's sethostname(2) stays in it.
. "$(dirname "$0")/../lib/host-uts.sh"
SEED=$HOST_FIXTURES/seeds/master

# refused NAME DIR WANT: the host stage on DIR/root fails with exit status 1, an error holding WANT.
refused() {
        local name=$1 dir=$2 want=$3 rc=0
        agent "$dir/bin" "$dir/root" "$SEED" run --until host 2>"$dir/err" || rc=$?
        assert_eq 1 "$rc" "$name: exit status"
        grep -F "error: $want" "$dir/err" >/dev/null || { cat "$dir/err"; fail "$name: no error \"$want\""; }
}

# 1. The final component a link to a file outside the tree.
D=$WORK/final
OUT=$(mktemp -d "$WORK/outside-XXXXXX")
echo "not the agent's" >"$OUT/hostname"
host_tree "$D/root"
host_bin "$D/bin" "$D/root"
rm -f "$D/root/etc/hostname"
ln -s "$OUT/hostname" "$D/root/etc/hostname"
before=$(tree_snapshot "$OUT")
refused "final link" "$D" "$D/root/etc/hostname: not a regular file (a symlink), refusing to replace it"
assert_eq "not the agent's" "$(cat "$OUT/hostname")" "final link: the outside file"
assert_eq "$before" "$(tree_snapshot "$OUT")" "final link: the outside directory"
[ -L "$D/root/etc/hostname" ] || fail "final link: the link itself was replaced"
ok "a final symlink out of the tree is not written through"

# 2. A directory link climbing out of the tree: the kernel would follow etc -> ../outside to D/outside.
D=$WORK/climb
host_tree "$D/root"
host_bin "$D/bin" "$D/root"
mv "$D/root/etc" "$D/outside"
ln -s ../outside "$D/root/etc"
before=$(tree_snapshot "$D/outside")
# the checks before any change read /etc/hosts, /etc/os-release and daemon.json first: refused, every one named
refused "climbing link" "$D" "$D/root/etc/hosts: cannot read: a symbolic link on the way leads out of the root"
for f in etc/os-release etc/docker/daemon.json; do
        grep -qF "error: $D/root/$f: cannot read: a symbolic link on the way leads out of the root" "$D/err" ||
                fail "climbing link: $f not named"
done
assert_eq "kube-firstboot: error: refused before any change; nothing was changed" "$(tail -n 1 "$D/err")" \
        "climbing link: the run's last word"
assert_eq "$before" "$(tree_snapshot "$D/outside")" "climbing link: the outside tree"
ok "a directory symlink climbing out of the tree is refused"

# 3. An absolute intermediate link to a directory outside: resolved inside the root, where it is missing.
D=$WORK/middle
OUT=$(mktemp -d "$WORK/outside-XXXXXX")
host_tree "$D/root"
host_bin "$D/bin" "$D/root"
rm -rf "$D/root/etc/modules-load.d"
ln -s "$OUT" "$D/root/etc/modules-load.d"
refused "intermediate link" "$D" \
        "$D/root/etc/modules-load.d: not a directory, so no file can be written in it"
assert_eq "" "$(ls -A "$OUT")" "intermediate link: written outside"
[ ! -e "$D/root${OUT%/*}" ] || fail "intermediate link: the link's target was created inside the root"
ok "an absolute intermediate symlink is taken inside the tree, never followed out of it"

echo "all root-symlink checks passed"
