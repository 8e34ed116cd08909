#!/bin/bash
# The host steps hostname, hosts, swap, modules, sysctl, selinux, firewall, kubelet and ssh against a
# fixture tree (tests/data/host-fixtures/root) under --root, commands replaced by the modelling stand-in:
#  - plan changes nothing and lists exactly the actions run then takes;
#  - run gives the expected tree (tests/data/host-fixtures/expected/master) and the expected commands;
#  - a second run changes no byte and no mtime, runs no mutating command, reports every action unchanged;
#  - the seed's settings (worker ports, keep, disable, extras) and the error paths (half hosts block,
#    modprobe failing, a sysctl the kernel lacks, firewalld absent or stopped);
#  - one command per verb for several swap units, devices and ports, also from a half-done host (one
#    unit masked, some ports open), and the stand-ins answering the batched forms as CentOS 7's tools do;
#  - run --until STEP: the host stage up to that step, not recorded as done.
# It runs in a private UTS namespace so that sethostname(2) leaves the test machine's name alone.
. "$(dirname "$0")/../lib/host-uts.sh"
SEEDS=$HOST_FIXTURES/seeds
EXPECTED=$HOST_FIXTURES/expected
hostname kfb-test-before

# host_case NAME: a fresh fixture tree R=$WORK/NAME/root with its stand-ins in B=$WORK/NAME/bin.
host_case() {
        R=$WORK/$1/root
        B=$WORK/$1/bin
        host_tree "$R"
        host_bin "$B" "$R"
}

# agent_fails STATUS NAME WHAT MESSAGE SEED ARGS...: agent ARGS on $B, $R and SEED ends with exit status STATUS
# and MESSAGE among its errors ($WORK/NAME.err; its output in $WORK/NAME.out).
agent_fails() {
        local status=$1 name=$2 what=$3 message=$4 seed=$5 rc=0
        shift 5
        agent "$B" "$R" "$seed" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
        assert_eq "$status" "$rc" "$what: exit status"
        assert_contains "$(cat "$WORK/$name.err")" "$message" "$what: message"
}

# ---- master: plan, run, compare, run again ---------------------------------------------------------
host_case master

before=$(tree_snapshot "$R")
run_cmd -o "$WORK/plan.out" -e "$WORK/plan.err" -m "plan" agent "$B" "$R" "$SEEDS/master" plan
assert_tree_same "$before" "$(tree_snapshot "$R")" "plan changed the tree"
assert_eq "" "$(mutating_calls "$B/calls.log")" "plan ran mutating commands"
assert_eq "kfb-test-before" "$(hostname)" "plan set the hostname"
ok "plan changes nothing"

: >"$B/calls.log"
run_cmd -o "$WORK/run1.out" -e "$WORK/run1.err" -m "first run" agent "$B" "$R" "$SEEDS/master" run --until host
assert_eq "master" "$(hostname)" "running hostname"

expected_tree "$WORK/expected-master" master
assert_tree_same "$(host_files "$WORK/expected-master")" "$(host_files "$R")" "tree differs from tests/data/host-fixtures/expected/master"
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
assert_eq "6443/tcp 2379-2380/tcp 10250/tcp 8472/udp" "$(tr '\n' ' ' <"$B/state/firewalld.permanent" | sed 's/ $//')" \
        "permanent ports"
assert_eq "6443/tcp 2379-2380/tcp 10250/tcp 8472/udp" "$(tr '\n' ' ' <"$B/state/firewalld.runtime" | sed 's/ $//')" \
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
run_cmd -o "$WORK/run2.out" -e "$WORK/run2.err" -m "second run" agent "$B" "$R" "$SEEDS/master" run --until host --force
assert_tree_same "$snap1" "$(host_snapshot "$R")" "second run changed bytes or mtimes"
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
host_case node1
run_cmd -o "$WORK/node1.out" -e "$WORK/node1.err" -m "node-1 run" agent "$B" "$R" "$SEEDS/node-1" run --until host
assert_eq "node-1" "$(hostname)" "node-1 hostname"
diff -u "$EXPECTED/node-1.calls" <(my_calls "$B/calls.log") || fail "node-1 commands differ"
assert_file_eq "$EXPECTED/master/etc/hosts" "$R/etc/hosts"
assert_eq "node-1" "$(cat "$R/etc/hostname")" "node-1 /etc/hostname"
ok "worker opens the worker ports"

# ---- node-2: swap keep, selinux keep, firewall disable, an extra that overrides a reference sysctl ---
host_case node2
run_cmd -o "$WORK/node2.out" -e "$WORK/node2.err" -m "node-2 run" agent "$B" "$R" "$SEEDS/node-2" run --until host
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
host_case fw
rm "$B/state/firewalld.running"
printf '127.0.1.1\tnode-1.lab node-1\n' >>"$R/etc/hosts" # as Debian's installer writes it
agent "$B" "$R" "$SEEDS/node-1" run --until host 2>"$WORK/fw.err" || fail "run with firewalld stopped failed"
assert_contains "$(cat "$WORK/fw.err")" "warning: $R/etc/hosts:6: gives node-1 the address 127.0.1.1, not 192.168.220.105 as the managed block does" \
        "hosts: a conflicting user line is reported"
assert_contains "$(cat "$R/etc/hosts")" $'nas   \n127.0.1.1\tnode-1.lab node-1\n# BEGIN kube-firstboot' "hosts: the conflicting line is kept"
# no --state first: the first query's NOT_RUNNING (252) says it
assert_eq "firewall-cmd --permanent --list-ports" "$(grep '^firewall-cmd' "$B/calls.log" | grep -v -- ' --direct ')" \
        "firewalld stopped: commands"
assert_contains "$(cat "$WORK/fw.err")" "firewall: unchanged: firewalld not running: no ports to open" "firewalld stopped"
rm "$B/firewall-cmd"
agent "$B" "$R" "$SEEDS/node-1" run --until host --force 2>"$WORK/fw2.err" || fail "run without firewalld failed"
assert_contains "$(cat "$WORK/fw2.err")" "firewall: unchanged: firewalld not installed: no ports to open" "no firewalld"
ok "firewalld stopped or absent; a conflicting hosts line is reported, and kept"

# ---- batched commands from a half-done host: a unit masked in the middle, ports partly open -------------
host_case half
touch "$B/state/units/swapfile.swap.masked"
printf '6443/tcp\n8472/udp\n' >"$B/state/firewalld.permanent"
printf '8472/udp\n' >"$B/state/firewalld.runtime"
agent "$B" "$R" "$SEEDS/master" plan >"$WORK/half.plan" 2>/dev/null || fail "half-done: plan failed"
: >"$B/calls.log"
run_cmd -o "$WORK/half.out" -e "$WORK/half.err" -m "half-done: run" agent "$B" "$R" "$SEEDS/master" run --until host
assert_eq 'systemctl is-enabled dev-dm\x2d1.swap swapfile.swap dev-mapper-centos\x2dswap.swap
firewall-cmd --permanent --list-ports
firewall-cmd --list-ports
systemctl is-enabled kubelet
systemctl mask dev-dm\x2d1.swap swapfile.swap dev-mapper-centos\x2dswap.swap
swapoff /dev/dm-1 /swapfile
modprobe br_netfilter
firewall-cmd --permanent --add-port=2379-2380/tcp --add-port=10250/tcp
firewall-cmd --add-port=6443/tcp --add-port=2379-2380/tcp --add-port=10250/tcp
firewall-cmd --permanent --list-ports
firewall-cmd --list-ports
systemctl enable kubelet
systemctl is-enabled kubelet' "$(my_calls "$B/calls.log")" "half-done: commands"
# is-enabled stopped at the first unit (no unit file state): the two after it were not asked, and are
# masked anyway (masking a masked unit changes nothing)
assert_contains "$(cat "$WORK/half.err")" 'swap: mask dev-dm\x2d1.swap (not masked -> masked)' "half-done: first unit"
assert_contains "$(cat "$WORK/half.err")" 'swap: mask swapfile.swap (unknown -> masked)' "half-done: unit not asked"
assert_contains "$(cat "$WORK/half.err")" 'firewall: unchanged: port 8472/udp open' "half-done: open port"
diff -u <(plan_actions "$WORK/half.plan" | grep -E "$mine") <(run_actions "$WORK/half.err" | grep -E "$mine") ||
        fail "half-done: plan's actions differ from run's"
# once every unit is masked, one is-enabled answers for all of them (the units of fstab's commented
# lines; /dev/dm-1 was only in /proc/swaps)
: >"$B/calls.log"
agent "$B" "$R" "$SEEDS/master" run --until host --force 2>"$WORK/half2.err" || fail "half-done: second run failed"
assert_eq 'systemctl is-enabled dev-mapper-centos\x2dswap.swap swapfile.swap' \
        "$(grep '^systemctl .*swap' "$B/calls.log")" "half-done: second run's swap commands"
for u in swapfile.swap 'dev-mapper-centos\x2dswap.swap'; do
        assert_contains "$(cat "$WORK/half2.err")" "swap: unchanged: mask $u" "half-done: $u masked"
done
ok "one command per verb for every swap unit, device and port, also from a half-done host"

# ---- the stand-ins answer the batched forms as systemd 219, firewalld 0.6 and util-linux 2.23 do --------
B=$WORK/model/bin
host_bin "$B" "$WORK/model/root"
mkdir -p "$WORK/model/root/proc"
touch "$B/state/units/a.swap.masked" "$B/state/units/kubelet.service.enabled"
out=$("$B/systemctl" is-enabled a.swap kubelet docker 2>&1) && rc=0 || rc=$?
assert_eq "masked enabled disabled 0" "$(echo $out) $rc" "is-enabled: a line each, 0 when any is enabled"
out=$("$B/systemctl" is-enabled a.swap b.swap kubelet 2>"$WORK/model.err") && rc=0 || rc=$?
assert_eq "masked 1" "$(echo $out) $rc" "is-enabled stops at a unit without state"
assert_eq 'Failed to get unit file state for b.swap: No such file or directory' "$(cat "$WORK/model.err")" \
        "is-enabled: its error on stderr"
out=$("$B/systemctl" disable --now firewalld 2>&1) && rc=0 || rc=$?
assert_eq "systemctl: unrecognized option '--now' 1" "$out $rc" "systemd 219 has no --now"
[ -f "$B/state/units/firewalld.service.enabled" ] || fail "--now refused but the unit was changed"
out=$("$B/systemctl" enable kubelet nosuch 2>&1) && rc=0 || rc=$?
assert_eq 1 "$rc" "enable with a missing unit fails"
[ ! -f "$B/state/units/nosuch.service.enabled" ] || fail "enable: the missing unit was enabled"
echo 6443/tcp >"$B/state/firewalld.permanent"
out=$("$B/firewall-cmd" --permanent --add-port=6443/tcp --add-port=8472/udp 2>"$WORK/model.err") && rc=0 || rc=$?
assert_eq "success 0" "$out $rc" "add-port sequence with one already open"
assert_eq "Warning: ALREADY_ENABLED: '6443:tcp'" "$(cat "$WORK/model.err")" "ALREADY_ENABLED is a warning"
assert_eq "6443/tcp 8472/udp" "$("$B/firewall-cmd" --list-ports --permanent)" "--permanent anywhere"
out=$("$B/firewall-cmd" --permanent --add-port=6443/tcp --add-port=80/tcpx 2>/dev/null) && rc=0 || rc=$?
assert_eq 0 "$rc" "a sequence with a bad item and an ALREADY_ENABLED one exits 0"
"$B/firewall-cmd" --add-port=80 >/dev/null 2>&1 && rc=0 || rc=$?
assert_eq 102 "$rc" "a single bad port: INVALID_PORT"
"$B/firewall-cmd" --add-port=80 --add-port=81/foo >/dev/null 2>&1 && rc=0 || rc=$?
assert_eq 254 "$rc" "only bad items with two error codes: UNKNOWN_ERROR"
"$B/firewall-cmd" --state --permanent >/dev/null 2>&1 && rc=0 || rc=$?
assert_eq 2 "$rc" "stand-alone --state with other options is refused"
"$B/firewall-cmd" --list-ports --add-port=80/tcp >/dev/null 2>&1 && rc=0 || rc=$?
assert_eq 2 "$rc" "--list-ports with --add-port is refused by the model"
rm "$B/state/firewalld.running"
out=$("$B/firewall-cmd" --permanent --list-ports 2>&1) && rc=0 || rc=$?
assert_eq "FirewallD is not running 252" "$out $rc" "stopped firewalld: NOT_RUNNING"
printf 'Filename\tType\tSize\tUsed\tPriority\n/dev/a partition 1 0 -2\n/b file 1 0 -3\n' >"$WORK/model/root/proc/swaps"
"$B/swapoff" /dev/nosuch /dev/a /b >/dev/null 2>&1 && rc=0 || rc=$?
assert_eq "255 1" "$rc $(wc -l <"$WORK/model/root/proc/swaps")" "swapoff: every device tried, 255 when one failed"
ok "the stand-ins model the batched forms, and refuse what CentOS 7's tools refuse"

# ---- run --until STEP: the host stage up to that step only, not recorded as done ----------------------
host_case until
run_cmd -o "$WORK/until.out" -e "$WORK/until.err" -m "run --until hosts" agent "$B" "$R" "$SEEDS/master" run --until hosts
assert_eq "" "$(cat "$B/calls.log")" "--until hosts ran commands"
assert_eq "master" "$(cat "$R/etc/hostname")" "--until hosts: /etc/hostname"
assert_file_eq "$EXPECTED/master/etc/hosts" "$R/etc/hosts"
assert_file_eq "$HOST_FIXTURES/root/etc/fstab" "$R/etc/fstab"
assert_contains "$(cat "$WORK/until.err")" "stopped after host step hosts (--until): stage host is not recorded as done" \
        "--until hosts says so"
assert_contains "$(agent "$B" "$R" "$SEEDS/master" status)" "  host     pending" "--until hosts: host stage pending"
agent "$B" "$R" "$SEEDS/master" run --until host 2>"$WORK/until2.err" || fail "run --until host after --until hosts failed"
assert_contains "$(agent "$B" "$R" "$SEEDS/master" status)" "  host     done" "host stage done after the full run"
assert_contains "$(cat "$WORK/until2.err")" "hosts: unchanged: write the managed block of /etc/hosts" "full run after --until hosts"
agent_fails 2 until3 "--until an unknown name" \
        '--until: "nosuch" is neither a stage (seed, host, role) nor a host step' "$SEEDS/master" run --until nosuch
ok "run --until a host step stops after it and leaves the stage pending"

# ---- errors: each stops the run with a clear message, and leaves what follows untouched -------------
# A half managed block in /etc/hosts is not guessed at.
host_case err1
printf '# BEGIN kube-firstboot managed block: do not edit\n192.168.220.104 master\n' >>"$R/etc/hosts"
cp "$R/etc/hosts" "$WORK/hosts.half"
agent_fails 1 err1 "half block" \
        "error: $R/etc/hosts:6: \"# BEGIN kube-firstboot managed block: do not edit\" without a \"# END kube-firstboot\" line after it" \
        "$SEEDS/master" run --until host
assert_file_eq "$WORK/hosts.half" "$R/etc/hosts"
assert_file_eq "$HOST_FIXTURES/root/etc/fstab" "$R/etc/fstab"
assert_eq "" "$(grep -E '^(swapoff|modprobe)' "$B/calls.log" || true)" "half block: later steps ran"
ok "a half hosts block stops the run"

# modprobe failing.
host_case err2
echo 1 >"$B/modprobe.exit"
echo "modprobe: FATAL: Module br_netfilter not found in directory /lib/modules/3.10.0" >"$B/modprobe.out"
agent_fails 1 err2 "modprobe failing" "error: modprobe br_netfilter failed (exit status 1; see the agent log)" \
        "$SEEDS/master" run --until host
[ ! -e "$R/etc/sysctl.d/90-kube-firstboot.conf" ] || fail "modprobe failing: the sysctl step ran"
assert_contains "$(cat "$R/var/log/kube-firstboot.log")" "Module br_netfilter not found" "modprobe output in the agent log"
ok "a failing modprobe stops the run"

# A sysctl the kernel does not have: named in the error, by plan as well as by run.
host_case err3
no_key="error: sysctl net.ipv4.no_such_key: /proc/sys/net/ipv4/no_such_key does not exist"
agent_fails 1 err3p "missing sysctl: plan" "$no_key" "$SEEDS/bad-sysctl" plan
agent_fails 1 err3 "missing sysctl: run" "$no_key" "$SEEDS/bad-sysctl" run --until host
assert_file_eq "$HOST_FIXTURES/root/etc/selinux/config" "$R/etc/selinux/config"
ok "a sysctl the kernel lacks stops the run, naming it"

# A symlinked /root/.ssh is refused, not followed.
host_case err4
mkdir "$WORK/elsewhere"
rm -r "$R/root/.ssh"
ln -s "$WORK/elsewhere" "$R/root/.ssh"
agent_fails 1 err4 "symlinked .ssh" "$R/root/.ssh: not a directory (a symlink?), refusing to use it" \
        "$SEEDS/master" run --until host
assert_eq "" "$(ls -A "$WORK/elsewhere")" "symlinked .ssh: written through"
ok "a symlinked /root/.ssh is refused"

echo "all host-step checks passed"
