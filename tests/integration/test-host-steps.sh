#!/bin/bash
# The host steps hostname, hosts, swap, modules, sysctl, selinux, firewall, kubelet and ssh against a
# fixture tree (tests/host-fixtures/root) under --root, commands replaced by the modelling stand-in:
#  - plan changes nothing and lists exactly the actions run then takes;
#  - run gives the expected tree (tests/host-fixtures/expected/master) and the expected commands;
#  - a second run changes no byte and no mtime, runs no mutating command, reports every action unchanged;
#  - the seed's settings (worker ports, keep, disable, extras) and the error paths (half hosts block,
#    modprobe failing, a sysctl the kernel lacks, firewalld absent or stopped).
# It runs in a private UTS namespace so that sethostname(2) leaves the test machine's name alone.
if [ -z "${KFB_PRIVATE_UTS:-}" ]; then
        exec unshare -u env KFB_PRIVATE_UTS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/host-steps.sh"
[ -x "$AGENT" ] || fail "no agent at $AGENT (build it first)"
SEEDS=$HOST_FIXTURES/seeds
EXPECTED=$HOST_FIXTURES/expected
hostname kfb-test-before

# ---- master: plan, run, compare, run again ---------------------------------------------------------
R=$WORK/master/root
B=$WORK/master/bin
host_tree "$R"
host_bin "$B" "$R"

before=$(tree_snapshot "$R")
agent "$B" "$R" "$SEEDS/master" plan >"$WORK/plan.out" 2>"$WORK/plan.err" || {
        cat "$WORK/plan.err"
        fail "plan failed"
}
assert_eq "$before" "$(tree_snapshot "$R")" "plan changed the tree"
assert_eq "" "$(mutating_calls "$B/calls.log")" "plan ran mutating commands"
assert_eq "kfb-test-before" "$(hostname)" "plan set the hostname"
ok "plan changes nothing"

: >"$B/calls.log"
agent "$B" "$R" "$SEEDS/master" run --until host 2>"$WORK/run1.err" || {
        cat "$WORK/run1.err"
        fail "first run failed"
}
assert_eq "master" "$(hostname)" "running hostname"

expected_tree "$WORK/expected-master" master
diff -u <(host_files "$WORK/expected-master") <(host_files "$R") || fail "tree differs from tests/host-fixtures/expected/master"
for f in $(cd "$EXPECTED/master" && find . -type f); do
        assert_file_eq "$EXPECTED/master/$f" "$R/$f"
done
ok "run gives the expected tree"

diff -u "$EXPECTED/master.calls" <(my_calls "$B/calls.log") || fail "commands differ from expected/master.calls"
for u in 'dev-dm\x2d1.swap' swapfile.swap 'dev-mapper-centos\x2dswap.swap'; do
        [ -f "$B/state/units/$u.masked" ] || fail "$u not masked"
done
[ -f "$B/state/units/kubelet.service.enabled" ] || fail "kubelet not enabled"
[ ! -f "$B/state/units/kubelet.service.active" ] || fail "kubelet was started"
assert_eq "6443/tcp 2379-2380/tcp 10250-10252/tcp 8472/udp" "$(tr '\n' ' ' <"$B/state/firewalld.permanent" | sed 's/ $//')" \
        "permanent ports"
assert_eq "6443/tcp 2379-2380/tcp 10250-10252/tcp 8472/udp" "$(tr '\n' ' ' <"$B/state/firewalld.runtime" | sed 's/ $//')" \
        "runtime ports"
ok "run ran the expected commands"

mine='^(hostname|hosts|swap|modules|sysctl|selinux|firewall|kubelet|ssh): '
diff -u <(plan_actions "$WORK/plan.out" | grep -E "$mine") <(run_actions "$WORK/run1.err" | grep -E "$mine") ||
        fail "plan's actions differ from run's"
[ "$(plan_actions "$WORK/plan.out" | grep -cE "$mine")" -ge 30 ] || fail "plan lists too few actions"
all_host='^(growroot|hostname|hosts|network|swap|modules|sysctl|selinux|firewall|docker|kubelet|ssh): '
if ! diff -u <(plan_actions "$WORK/plan.out" | grep -E "$all_host") <(run_actions "$WORK/run1.err") >"$WORK/plan-all.diff"; then
        echo "note: other host steps' plan and run differ:"
        cat "$WORK/plan-all.diff"
fi
ok "plan lists exactly the actions run takes"

# Every line kept byte for byte: the fixture's lines are all still there, in order.
diff <(grep -vF "# kube-firstboot: swap off: " "$R/etc/fstab") \
        <(grep -vE '^\s*[^#[:space:]]+\s+\S+\s+swap\s' "$HOST_FIXTURES/root/etc/fstab") || fail "fstab: other lines changed"
head -c "$(stat -c %s "$HOST_FIXTURES/root/etc/hosts")" "$R/etc/hosts" | cmp - "$HOST_FIXTURES/root/etc/hosts" ||
        fail "hosts: user lines changed"

snap1=$(host_snapshot "$R")
calls_before=$(wc -l <"$B/calls.log")
sleep 0.01 # so that any rewrite would show in the mtimes
agent "$B" "$R" "$SEEDS/master" run --until host --force 2>"$WORK/run2.err" || {
        cat "$WORK/run2.err"
        fail "second run failed"
}
diff -u <(echo "$snap1") <(host_snapshot "$R") || fail "second run changed bytes or mtimes"
tail -n +"$((calls_before + 1))" "$B/calls.log" >"$WORK/calls2.log"
assert_eq "" "$(mutating_calls "$WORK/calls2.log")" "second run ran mutating commands"
assert_eq "" "$(run_actions "$WORK/run2.err")" "second run reported actions"
assert_contains "$(cat "$WORK/run2.err")" "0 change(s) made" "second run summary"
for what in "running hostname" "write the managed block of /etc/hosts" "mask swapfile.swap" "load br_netfilter" \
        "set net.core.somaxconn" "set SELINUX=permissive in /etc/selinux/config" "port 8472/udp open" \
        "enable kubelet.service" "every key of the seed in /root/.ssh/authorized_keys"; do
        assert_contains "$(cat "$WORK/run2.err")" ": unchanged: $what" "second run, $what"
done
agent "$B" "$R" "$SEEDS/master" plan --force >"$WORK/plan2.out" 2>/dev/null || true
assert_eq "" "$(plan_actions "$WORK/plan2.out" | grep -E "$mine" || true)" "plan after run lists actions"
ok "second run changes nothing and says so"

# ---- node-1: a worker with the reference host settings: worker ports ---------------------------------
R=$WORK/node1/root
B=$WORK/node1/bin
host_tree "$R"
host_bin "$B" "$R"
agent "$B" "$R" "$SEEDS/node-1" run --until host 2>"$WORK/node1.err" || {
        cat "$WORK/node1.err"
        fail "node-1 run failed"
}
assert_eq "node-1" "$(hostname)" "node-1 hostname"
diff -u "$EXPECTED/node-1.calls" <(my_calls "$B/calls.log") || fail "node-1 commands differ"
assert_file_eq "$EXPECTED/master/etc/hosts" "$R/etc/hosts"
assert_eq "node-1" "$(cat "$R/etc/hostname")" "node-1 /etc/hostname"
ok "worker opens the worker ports"

# ---- node-2: swap keep, selinux keep, firewall disable, an extra that overrides a reference sysctl ---
R=$WORK/node2/root
B=$WORK/node2/bin
host_tree "$R"
host_bin "$B" "$R"
agent "$B" "$R" "$SEEDS/node-2" run --until host 2>"$WORK/node2.err" || {
        cat "$WORK/node2.err"
        fail "node-2 run failed"
}
diff -u "$EXPECTED/node-2.calls" <(my_calls "$B/calls.log") || fail "node-2 commands differ"
for f in etc/fstab proc/swaps etc/selinux/config sys/fs/selinux/enforce root/.ssh/authorized_keys; do
        assert_file_eq "$HOST_FIXTURES/root/$f" "$R/$f"
done
assert_eq 755 "$(stat -c %a "$R/root/.ssh")" "node-2 .ssh mode (no keys: untouched)"
assert_contains "$(cat "$R/etc/sysctl.d/90-kube-firstboot.conf")" $'net.ipv4.ip_nonlocal_bind = 1\nvm.swappiness = 10' \
        "node-2 sysctl file"
assert_eq 10 "$(cat "$R/proc/sys/vm/swappiness")" "node-2 swappiness"
[ ! -f "$B/state/units/firewalld.service.enabled" ] && [ ! -f "$B/state/units/firewalld.service.active" ] ||
        fail "firewalld still enabled or active"
for what in "swap left as it is (host.swap: keep)" "SELinux left as it is (host.selinux: keep)" \
        "no ssh_authorized_keys in the seed"; do
        assert_contains "$(cat "$WORK/node2.err")" ": unchanged: $what" "node-2 says so"
done
ok "keep, disable and sysctl extras"

# ---- firewalld stopped, then not installed: nothing to open, and said so ----------------------------
R=$WORK/fw/root
B=$WORK/fw/bin
host_tree "$R"
host_bin "$B" "$R"
rm "$B/state/firewalld.running"
printf '127.0.1.1\tnode-1.lab node-1\n' >>"$R/etc/hosts" # as Debian's installer writes it
agent "$B" "$R" "$SEEDS/node-1" run --until host 2>"$WORK/fw.err" || fail "run with firewalld stopped failed"
assert_contains "$(cat "$WORK/fw.err")" "warning: $R/etc/hosts:6: gives node-1 the address 127.0.1.1, not 192.168.220.105 as the managed block does" \
        "hosts: a conflicting user line is reported"
assert_contains "$(cat "$R/etc/hosts")" $'nas   \n127.0.1.1\tnode-1.lab node-1\n# BEGIN kube-firstboot' "hosts: the conflicting line is kept"
assert_eq "firewall-cmd --state" "$(grep '^firewall-cmd' "$B/calls.log")" "firewalld stopped: commands"
assert_contains "$(cat "$WORK/fw.err")" "firewall: unchanged: firewalld not running: no ports to open" "firewalld stopped"
rm "$B/firewall-cmd"
agent "$B" "$R" "$SEEDS/node-1" run --until host --force 2>"$WORK/fw2.err" || fail "run without firewalld failed"
assert_contains "$(cat "$WORK/fw2.err")" "firewall: unchanged: firewalld not installed: no ports to open" "no firewalld"
ok "firewalld stopped or absent; a conflicting hosts line is reported, and kept"

# ---- errors: each stops the run with a clear message, and leaves what follows untouched -------------
# A half managed block in /etc/hosts is not guessed at.
R=$WORK/err1/root
B=$WORK/err1/bin
host_tree "$R"
host_bin "$B" "$R"
printf '# BEGIN kube-firstboot managed block: do not edit\n192.168.220.104 master\n' >>"$R/etc/hosts"
cp "$R/etc/hosts" "$WORK/hosts.half"
rc=0
agent "$B" "$R" "$SEEDS/master" run --until host 2>"$WORK/err1.err" || rc=$?
assert_eq 1 "$rc" "half block: exit status"
assert_contains "$(cat "$WORK/err1.err")" "error: $R/etc/hosts:6: \"# BEGIN kube-firstboot managed block: do not edit\" without a \"# END kube-firstboot\" line after it" \
        "half block: message"
assert_file_eq "$WORK/hosts.half" "$R/etc/hosts"
assert_file_eq "$HOST_FIXTURES/root/etc/fstab" "$R/etc/fstab"
assert_eq "" "$(grep -E '^(swapoff|modprobe)' "$B/calls.log" || true)" "half block: later steps ran"
ok "a half hosts block stops the run"

# modprobe failing.
R=$WORK/err2/root
B=$WORK/err2/bin
host_tree "$R"
host_bin "$B" "$R"
echo 1 >"$B/modprobe.exit"
echo "modprobe: FATAL: Module br_netfilter not found in directory /lib/modules/3.10.0" >"$B/modprobe.out"
rc=0
agent "$B" "$R" "$SEEDS/master" run --until host 2>"$WORK/err2.err" || rc=$?
assert_eq 1 "$rc" "modprobe failing: exit status"
assert_contains "$(cat "$WORK/err2.err")" "error: modprobe br_netfilter failed (exit status 1; see the agent log)" "modprobe failing"
[ ! -e "$R/etc/sysctl.d/90-kube-firstboot.conf" ] || fail "modprobe failing: the sysctl step ran"
assert_contains "$(cat "$R/var/log/kube-firstboot.log")" "Module br_netfilter not found" "modprobe output in the agent log"
ok "a failing modprobe stops the run"

# A sysctl the kernel does not have: named in the error, by plan as well as by run.
R=$WORK/err3/root
B=$WORK/err3/bin
host_tree "$R"
host_bin "$B" "$R"
rc=0
agent "$B" "$R" "$SEEDS/bad-sysctl" plan >/dev/null 2>"$WORK/err3p.err" || rc=$?
assert_eq 1 "$rc" "missing sysctl: plan exit status"
assert_contains "$(cat "$WORK/err3p.err")" "error: sysctl net.ipv4.no_such_key: /proc/sys/net/ipv4/no_such_key does not exist" \
        "missing sysctl: plan"
rc=0
agent "$B" "$R" "$SEEDS/bad-sysctl" run --until host 2>"$WORK/err3.err" || rc=$?
assert_eq 1 "$rc" "missing sysctl: exit status"
assert_contains "$(cat "$WORK/err3.err")" "error: sysctl net.ipv4.no_such_key: /proc/sys/net/ipv4/no_such_key does not exist" \
        "missing sysctl: run"
assert_file_eq "$HOST_FIXTURES/root/etc/selinux/config" "$R/etc/selinux/config"
ok "a sysctl the kernel lacks stops the run, naming it"

# A symlinked /root/.ssh is refused, not followed.
R=$WORK/err4/root
B=$WORK/err4/bin
host_tree "$R"
host_bin "$B" "$R"
mkdir "$WORK/elsewhere"
rm -r "$R/root/.ssh"
ln -s "$WORK/elsewhere" "$R/root/.ssh"
rc=0
agent "$B" "$R" "$SEEDS/master" run --until host 2>"$WORK/err4.err" || rc=$?
assert_eq 1 "$rc" "symlinked .ssh: exit status"
assert_contains "$(cat "$WORK/err4.err")" "$R/root/.ssh: not a directory (a symlink?), refusing to use it" "symlinked .ssh"
assert_eq "" "$(ls -A "$WORK/elsewhere")" "symlinked .ssh: written through"
ok "a symlinked /root/.ssh is refused"

echo "all host-step checks passed"
