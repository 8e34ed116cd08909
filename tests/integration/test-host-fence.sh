#!/bin/bash
# The fence step against the fixture tree with the modelling stand-ins (tests/stand-ins/host-model.c):
#  - firewalld running: plan lists the three rules (FORWARD and INPUT from the pod network, OUTPUT of
#    non-root users, to the endpoint's address and port) as firewalld direct rules; run adds each
#    permanently and at run time; a second run changes nothing and exits 0;
#  - host.firewall: disable: the rules live in kube-firstboot-fence.service (written, enabled, started:
#    its ExecStart= lines insert them); a second run changes nothing; rules flushed behind its back bring
#    a restart that puts them back;
#  - the stand-ins refuse what firewall-cmd and iptables refuse (the owner match outside OUTPUT, a rule
#    that is not there, an unknown family).
. "$(dirname "$0")/../lib/host-uts.sh"
SEEDS=$HOST_FIXTURES/seeds
FORWARD="-s 10.244.0.0/16 -d 127.0.0.1/32 -p tcp --dport 9 -j REJECT"
OUTPUT="-d 127.0.0.1/32 -p tcp --dport 9 -m owner ! --uid-owner 0 -j REJECT"

host_case() {
        R=$WORK/$1/root
        B=$WORK/$1/bin
        host_tree "$R"
        host_bin "$B" "$R"
}

# ---- firewalld running: direct rules ----------------------------------------------------------------
host_case direct
run_cmd -o "$WORK/plan.out" -e "$WORK/plan.err" -m "plan" agent "$B" "$R" "$SEEDS/master" plan
for chain in FORWARD INPUT; do
        assert_contains "$(cat "$WORK/plan.out")" "fence      would reject $chain $FORWARD (firewalld direct rule, permanent)" \
                "plan lists the $chain rule"
done
assert_contains "$(cat "$WORK/plan.out")" "fence      would reject OUTPUT $OUTPUT (firewalld direct rule, now)" \
        "plan lists the OUTPUT rule"
assert_eq "" "$(mutating_calls "$B/calls.log")" "plan ran mutating commands"

run_cmd -o "$WORK/run.out" -e "$WORK/run.err" -m "run --until fence" agent "$B" "$R" "$SEEDS/master" run --until fence
want="ipv4 filter FORWARD 0 $FORWARD
ipv4 filter INPUT 0 $FORWARD
ipv4 filter OUTPUT 0 $OUTPUT"
assert_eq "$want" "$(cat "$B/state/firewalld.direct.permanent")" "the permanent direct rules"
assert_eq "$want" "$(cat "$B/state/firewalld.direct.runtime")" "the run-time direct rules"
[ ! -e "$R/etc/systemd/system/kube-firstboot-fence.service" ] || fail "firewalld running: the fence unit was written"

: >"$B/calls.log"
run_cmd -o "$WORK/run2.out" -e "$WORK/run2.err" -m "second run --until fence" agent "$B" "$R" "$SEEDS/master" run --until fence
assert_eq "" "$(mutating_calls "$B/calls.log")" "second run ran mutating commands"
assert_contains "$(cat "$WORK/run2.err")" "fence: unchanged: reject OUTPUT $OUTPUT (firewalld direct rule, now)" \
        "second run: the rules are reported in place"
ok "firewalld running: direct rules, permanent and at run time, listed by plan; a second run changes nothing"

# ---- host.firewall: disable: the unit ---------------------------------------------------------------
host_case unit
run_cmd -o "$WORK/uplan.out" -e "$WORK/uplan.err" -m "plan (disable)" agent "$B" "$R" "$SEEDS/node-2" plan
assert_contains "$(cat "$WORK/uplan.out")" "fence      would write /etc/systemd/system/kube-firstboot-fence.service" \
        "plan (disable): the unit"
assert_contains "$(cat "$WORK/uplan.out")" "fence      would start kube-firstboot-fence.service" "plan (disable): its start"
run_cmd -o "$WORK/urun.out" -e "$WORK/urun.err" -m "run --until fence (disable)" \
        agent "$B" "$R" "$SEEDS/node-2" run --until fence
unit=$R/etc/systemd/system/kube-firstboot-fence.service
assert_contains "$(cat "$unit")" "ExecStart=/usr/sbin/iptables -w -I OUTPUT $OUTPUT" "the unit inserts the OUTPUT rule"
assert_eq "644" "$(stat -c %a "$unit")" "the unit's mode"
assert_contains "$(grep '^systemctl' "$B/calls.log")" "systemctl enable kube-firstboot-fence.service" "the unit is enabled"
assert_eq "$FORWARD" "$(cat "$B/state/iptables.FORWARD")" "iptables FORWARD after the start"
assert_eq "$FORWARD" "$(cat "$B/state/iptables.INPUT")" "iptables INPUT after the start"
assert_eq "$OUTPUT" "$(cat "$B/state/iptables.OUTPUT")" "iptables OUTPUT after the start"
assert_eq "" "$(grep -- ' --direct --add-rule' "$B/calls.log" || true)" "disable: no firewalld direct rule"

: >"$B/calls.log"
before=$(host_snapshot "$R")
run_cmd -o "$WORK/urun2.out" -e "$WORK/urun2.err" -m "second run (disable)" agent "$B" "$R" "$SEEDS/node-2" run --until fence
assert_eq "" "$(mutating_calls "$B/calls.log")" "second run (disable) ran mutating commands"
assert_tree_same "$before" "$(host_snapshot "$R")" "second run (disable) changed the tree"

# the rules flushed behind the unit's back: a restart puts them back
: >"$B/state/iptables.OUTPUT"
: >"$B/calls.log"
run_cmd -o "$WORK/urun3.out" -e "$WORK/urun3.err" -m "run after a flush" agent "$B" "$R" "$SEEDS/node-2" run --until fence
assert_contains "$(cat "$B/calls.log")" "systemctl restart kube-firstboot-fence.service" "a flush brings a restart"
assert_eq "$OUTPUT" "$(cat "$B/state/iptables.OUTPUT")" "iptables OUTPUT after the restart"
assert_eq "$FORWARD" "$(cat "$B/state/iptables.FORWARD")" "iptables FORWARD after the restart: once"
ok "host.firewall disable: the unit holds the rules, a second run changes nothing, a flush is mended"

# ---- the stand-ins refuse what the real tools refuse -------------------------------------------------
host_case refuse
rc=0; out=$("$B/iptables" -w -I FORWARD $OUTPUT 2>&1) || rc=$?
assert_eq "1" "$rc" "iptables: the owner match in FORWARD"
assert_contains "$out" "Invalid argument" "iptables: the owner match in FORWARD, message"
rc=0; out=$("$B/iptables" -w -C OUTPUT $OUTPUT 2>&1) || rc=$?
assert_eq "1" "$rc" "iptables -C of a rule that is not there"
assert_contains "$out" "Bad rule" "iptables -C, message"
rc=0; out=$("$B/iptables" -w -I NOSUCH -j REJECT 2>&1) || rc=$?
assert_eq "1" "$rc" "iptables: no such chain"
rc=0; out=$("$B/firewall-cmd" --direct --add-rule ipv4 filter FORWARD 0 $OUTPUT 2>&1) || rc=$?
assert_eq "13" "$rc" "firewall-cmd: the owner match in FORWARD at run time"
rc=0; out=$("$B/firewall-cmd" --direct --add-rule ipv5 filter OUTPUT 0 -j REJECT 2>&1) || rc=$?
assert_eq "111" "$rc" "firewall-cmd: INVALID_IPV"
rc=0; out=$("$B/firewall-cmd" --direct --add-rule ipv4 filter OUTPUT 0 $OUTPUT 2>&1) || rc=$?
rc2=0; out2=$("$B/firewall-cmd" --direct --add-rule ipv4 filter OUTPUT 0 $OUTPUT 2>&1) || rc2=$?
assert_eq "0 0" "$rc $rc2" "firewall-cmd: adding a rule twice"
assert_contains "$out2" "ALREADY_ENABLED" "firewall-cmd: the second add warns"
rc=0; out=$("$B/systemctl" --root="$R" start docker 2>&1) || rc=$?
assert_eq "1" "$rc" "systemctl --root with start"
ok "the stand-ins refuse what firewall-cmd, iptables and systemctl refuse"
echo "all fence checks passed"
