#!/bin/bash
# --root DIR is an offline tree: the agent changes files in it and nothing of the running system. In a
# private UTS, network and mount namespace, with the tree's /proc a real procfs (as in a tree prepared for a
# chroot), and the recording stand-ins on KUBE_FIRSTBOOT_PATH:
#  - run --until network, and then the whole host stage, leave the namespace's hostname as it was, call no
#    stand-in for a live action (only `systemctl --root=DIR` with a unit-file verb), write no sysctl of the
#    running kernel (net.ipv4.ip_forward of this netns stays 0), and record the host stage as not done;
#  - the tree gets the files (hostname, sysctl.d, modules-load.d, the fence unit);
#  - plan --root lists every left-out live action; a second run changes nothing;
#  - --live takes the live actions again (the hostname is set).
if [ -z "${KFB_PRIVATE_NS:-}" ]; then
        exec unshare -u -n -m env KFB_PRIVATE_NS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/host-steps.sh"
[ -x "$AGENT" ] || fail "no agent at $AGENT (build it first)"
SEED=$HOST_FIXTURES/seeds/master

mount --make-rprivate / 2>/dev/null || true
hostname kfb-offline-before
echo 0 >/proc/sys/net/ipv4/ip_forward

R=$WORK/root
B=$WORK/bin
host_tree "$R"
host_bin "$B" "$R"
# the units a CentOS 7 tree has, for systemctl --root (the network service enabled, as the image has it)
mkdir -p "$R/usr/lib/systemd/system" "$B/state/root-units"
for u in kubelet docker firewalld network; do : >"$R/usr/lib/systemd/system/$u.service"; done
touch "$B/state/root-units/network.service.enabled" "$B/state/root-units/firewalld.service.enabled"
mount -t proc proc "$R/proc" || fail "cannot mount a procfs on the tree's /proc"
cleanup_hooks+=("umount '$R/proc' 2>/dev/null")
[ -e "$R/proc/sys/net/ipv4/ip_forward" ] || fail "the tree's /proc is not a procfs"

# live_calls LOG: every call but systemctl --root=$R with a unit-file verb.
live_calls() {
        grep -vE "^systemctl --root=$R (is-enabled|enable|disable|mask) " "$1" || true
}

# offline_unchanged WHAT: the running system as it was.
offline_unchanged() {
        assert_eq "kfb-offline-before" "$(hostname)" "$1: the running hostname changed"
        assert_eq "" "$(live_calls "$B/calls.log")" "$1: stand-ins of live actions were called"
        assert_eq "0" "$(cat /proc/sys/net/ipv4/ip_forward)" "$1: net.ipv4.ip_forward of the running kernel changed"
}

# offline_agent NAME WHAT ARGS...: the agent on the tree with ARGS (output in $WORK/NAME.out, .err), then
# the running system checked as it was.
offline_agent() {
        local name=$1 what=$2
        shift 2
        run_cmd -o "$WORK/$name.out" -e "$WORK/$name.err" -m "$what" \
                env KUBE_FIRSTBOOT_PATH="$B" "$AGENT" --root "$R" --seed "$SEED" "$@"
        offline_unchanged "$what"
}

offline_agent until "run --until network" run --until network
assert_eq "master" "$(cat "$R/etc/hostname")" "run --until network: the tree's /etc/hostname"
assert_contains "$(cat "$WORK/until.err")" "hostname: left out (offline --root: it acts on the running system): set the running hostname" \
        "run --until network: the left-out sethostname is logged"
ok "run --until network --root renames nothing and calls no live command"

offline_agent plan "plan" plan
for line in "hostname   left out set the running hostname" "swap       left out swapoff" \
        "modules    left out load br_netfilter" "sysctl     left out set net.ipv4.ip_forward" \
        "selinux    left out switch SELinux to permissive now" "firewall   left out open this role's ports" \
        "fence      left out start kube-firstboot-fence.service" "role       left out the whole stage"; do
        assert_contains "$(cat "$WORK/plan.out")" "  $line" "plan --root lists what it leaves out"
done
assert_contains "$(cat "$WORK/plan.out")" "action(s) on the running system left out (offline --root; --live takes them)." \
        "plan --root counts what it leaves out"
ok "plan --root lists every live action it leaves out"

offline_agent run "run" run
for f in etc/sysctl.d/90-kube-firstboot.conf etc/modules-load.d/kube-firstboot.conf \
        etc/systemd/system/kube-firstboot-fence.service; do
        [ -f "$R/$f" ] || fail "run --root did not write /$f in the tree"
done
assert_contains "$(grep '^systemctl' "$B/calls.log")" "systemctl --root=$R enable kube-firstboot-fence.service" \
        "run --root enables the fence unit in the tree"
assert_contains "$(cat "$WORK/run.err")" "stage host is not recorded as done" "run --root: the host stage stays pending"
assert_contains "$(env KUBE_FIRSTBOOT_PATH="$B" "$AGENT" --root "$R" status)" "host     pending" \
        "status after run --root"
ok "run --root writes the tree only and leaves the host stage to the node"

: >"$B/calls.log"
before=$(tree_snapshot --content "$R/etc")
offline_agent run2 "second run" run
assert_tree_same "$before" "$(tree_snapshot --content "$R/etc")" "second run --root changed the tree's /etc"
assert_contains "$(cat "$WORK/run2.err")" "0 change(s) made" "second run --root"
ok "a second run --root changes nothing"

: >"$B/calls.log"
umount "$R/proc"
run_cmd -o "$WORK/live.out" -e "$WORK/live.err" -m "run --until hostname --root --live" \
        env KUBE_FIRSTBOOT_PATH="$B" "$AGENT" --root "$R" --live --seed "$SEED" run --until hostname
assert_eq "master" "$(hostname)" "--live sets the running hostname"
ok "--live acts on the running system"
echo "all offline-root checks passed"
