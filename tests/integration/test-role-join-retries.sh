#!/bin/bash
# kubeadm join's retries on a worker (firstboot/agent/role/worker.c), against the stand-in kubeadm's
# control plane (the master provisioned once, as the lab's):
#  - a join that fails more often than the agent's four attempts: it goes on, with `kubeadm reset -f`
#    between attempts, while kube_firstboot.join_timeout has not passed, and joins;
#  - a join that always fails: the agent gives up once it has tried four times and join_timeout, counted
#    from when it began to wait for its record, has passed, and says so;
#  - a join that fails after the kubelet's TLS bootstrap, in kubeadm's CRI socket annotation of the Node,
#    on a worker without kubectl: reset and join again (with kubectl the agent annotates the Node itself,
#    without a reset: test-lab-netns).
# Runs in private network and UTS namespaces: the store listens on this namespace's loopback.
if [ -z "${KFB_PRIVATE_NET:-}" ]; then
        exec unshare -n -u env KFB_PRIVATE_NET=1 bash "$0" "$@"
fi
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/host-steps.sh"
. "$TOP/tests/lib/netns-lab.sh"
. "$TOP/tests/lib/role-lab.sh"
role_lab_netns 192.168.220.1 192.168.220.104 192.168.220.105
role_lab_setup
store_start "$WORK/store"

cp -a "$WORK/base-master" "$WORK/master"
run_cmd -o "$WORK/master.log" -e "$WORK/master.log" env KUBE_FIRSTBOOT_PATH="$WORK/master/bin" "$AGENT" \
        --root "$WORK/master/root" --live --seed "$WORK/master/seed" run
ok "the control plane is up and its join record published"

N=$WORK/node-1
# worker CASE FAIL [JOIN_TIMEOUT]: a fresh node-1 (its host stage done), kubeadm.fail holding FAIL, the seed's
# join_timeout JOIN_TIMEOUT (default the reference's); the agent's run, output in $WORK/CASE.log, exit status
# in $RUN_STATUS, wall time in $ELAPSED.
worker() {
        local start
        rm -rf "$N"
        cp -a "$WORK/base-node-1" "$N"
        echo "$2" >"$N/bin/kubeadm.fail"
        [ -z "${3:-}" ] || sed -i "s|^  join_timeout: .*|  join_timeout: $3|" "$N/seed/user-data"
        start=$(date +%s)
        run_cmd -x any -o "$WORK/$1.log" -e "$WORK/$1.log" env KUBE_FIRSTBOOT_PATH="$N/bin" "$AGENT" --root "$N/root" \
                --live --seed "$N/seed" run
        ELAPSED=$(($(date +%s) - start))
}
calls() { grep -c "^kubeadm $1" "$N/bin/calls.log" || true; }

# ---- more failures than four attempts, well within join_timeout: the agent goes on and joins --------------
worker more "join 5"
[ "$RUN_STATUS" = 0 ] || { tail -n 20 "$WORK/more.log"; fail "node-1 did not join after 5 failed attempts"; }
assert_eq 6 "$(calls 'join ')" "kubeadm join calls"
assert_eq 5 "$(calls 'reset -f')" "kubeadm reset calls"
assert_contains "$(cat "$WORK/more.log")" "kubeadm join (attempt 6)" "the sixth attempt logged"
[ -s "$N/root/etc/kubernetes/kubelet.conf" ] || fail "no kubelet.conf"
ok "5 failed joins, then the sixth joins (join_timeout not passed): $ELAPSED s"

# ---- always failing: at least four attempts, and until join_timeout has passed ----------------------------
worker always "join always" 1m
[ "$RUN_STATUS" != 0 ] || fail "node-1 joined although every kubeadm join fails"
gave_up=$(grep -oE "kubeadm join failed [0-9]+ times, and join_timeout has passed; giving up" "$WORK/always.log") ||
        { tail -n 20 "$WORK/always.log"; fail "no word of giving up"; }
attempts=$(calls 'join ')
assert_eq "kubeadm join failed $attempts times, and join_timeout has passed; giving up" "$gave_up" "the message"
[ "$attempts" -ge 4 ] || fail "gave up after $attempts attempts"
[ "$ELAPSED" -ge 60 ] || fail "gave up after $ELAPSED s, before join_timeout (60 s) had passed"
[ ! -e "$N/root/etc/kubernetes/kubelet.conf" ] || fail "a kubelet.conf although no join succeeded"
ok "a join that always fails: given up after $attempts attempts and $ELAPSED s (join_timeout 1m), saying so"

# ---- the CRI socket annotation lost, no kubectl on the worker: reset and join again ------------------------
rm -f "$WORK/base-node-1/bin/kubectl"
worker crisocket "join-crisocket 1"
[ "$RUN_STATUS" = 0 ] || { tail -n 20 "$WORK/crisocket.log"; fail "node-1 did not join"; }
assert_eq "2 1" "$(calls 'join ') $(calls 'reset -f')" "kubeadm join and reset calls"
assert_contains "$(cat "$WORK/crisocket.log")" "failed after the kubelet's TLS bootstrap" "the agent saw the bootstrap done"
assert_contains "$(cat "$WORK/crisocket.log")" "cannot run kubectl" "and could not annotate"
assert_eq /var/run/dockershim.sock "$(/usr/bin/python3 -c 'import json, sys
print([n for n in json.load(open(sys.argv[1]))["nodes"] if n["name"] == "node-1"][0]["annotations"]["kubeadm.alpha.kubernetes.io/cri-socket"])' \
        "$WORK/master/root/var/lib/kubeadm-standin/cluster.json")" "node-1's CRI socket annotation"
ok "the CRI socket annotation lost on a worker without kubectl: kubeadm reset, and the second join annotates"
