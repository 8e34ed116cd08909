#!/bin/bash
# kubeadm init in phases (firstboot/agent/role/init-phases.c), on the control plane with the stand-in
# kubeadm, whose kubelet (its healthz model, in this test's network namespace) serves
# http://127.0.0.1:10248/healthz as the real one does:
#  - a preflight that fails: the next attempt runs it again (it wrote nothing, and is never skipped);
#  - a certs phase that fails: kubeadm reset, and the next attempt starts over with preflight; a
#    control-plane phase that fails: the phases again but preflight, no reset (a failed rest of init,
#    only the rest again: test-lab-netns);
#  - a kubelet that does not serve its healthz yet: the agent has run the phases up to etcd, waits (the
#    store shows it), and no kubeadm init runs while it waits (kubeadm's own kubelet check would fail it);
#    once the kubelet serves, `kubeadm init --skip-phases=` of those phases finishes the control plane;
#  - a second run changes nothing.
# Runs in private network and UTS namespaces: the store listens on this namespace's loopback.
if [ -z "${KFB_PRIVATE_NET:-}" ]; then
        exec unshare -n -u env KFB_PRIVATE_NET=1 bash "$0" "$@"
fi
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/host-steps.sh"
. "$TOP/tests/lib/netns-lab.sh"
. "$TOP/tests/lib/role-lab.sh"
role_lab_netns 192.168.220.1 192.168.220.104
cleanup_hooks+=(store_stop)
store_start "$WORK/store"

M=$WORK/master
SKIP=--skip-phases=preflight,certs,kubeconfig,kubelet-start,control-plane,etcd
PHASES="kubeadm init phase preflight
kubeadm init phase certs all
kubeadm init phase kubeconfig all
kubeadm init phase kubelet-start
kubeadm init phase control-plane all
kubeadm init phase etcd local"

# init_calls: the kubeadm init and reset calls so far, without their --config file.
init_calls() { grep -E '^kubeadm (init|reset)' "$M/bin/calls.log" | sed 's/ --config [^ ]*//'; }

# ---- a certs phase that fails: reset, then preflight and the phases again ---------------------------------
lab_host master "$REF/master"
touch "$M/bin/kubeadm.ca-ecdsa"
echo "init-phase-certs 1" >"$M/bin/kubeadm.fail"
run_cmd -o "$WORK/certs.log" -e "$WORK/certs.log" env KUBE_FIRSTBOOT_PATH="$M/bin" "$AGENT" --root "$M/root" --live \
        --seed "$M/seed" run
assert_eq "kubeadm init phase preflight
kubeadm init phase certs all
kubeadm reset -f
$PHASES
kubeadm init $SKIP" "$(init_calls)" "kubeadm calls after a failed certs phase"
assert_contains "$(cat "$WORK/certs.log")" "kubeadm init phase certs all failed with exit status 1" "the failed phase named"
[ -s "$M/root/etc/kubernetes/admin.conf" ] || fail "no admin.conf after the retried init"
ok "a failed certs phase: kubeadm reset, then every phase again from preflight"
mv "$M" "$WORK/master-certs"   # its kubelet model ends with its pid file

# ---- a preflight that fails: checked again, never skipped ------------------------------------------------------
lab_host master "$REF/master"
touch "$M/bin/kubeadm.ca-ecdsa"
echo "init-phase-preflight 1" >"$M/bin/kubeadm.fail"
run_cmd -o "$WORK/preflight.log" -e "$WORK/preflight.log" env KUBE_FIRSTBOOT_PATH="$M/bin" "$AGENT" --root "$M/root" \
        --live --seed "$M/seed" run
assert_eq "kubeadm init phase preflight
$PHASES
kubeadm init $SKIP" "$(init_calls)" "kubeadm calls after a failed preflight"
ok "a failed preflight: the next attempt runs preflight again, then the other phases"
mv "$M" "$WORK/master-preflight"

# ---- a control-plane phase that fails: the phases again but preflight, no reset ----------------------------
lab_host master "$REF/master"
touch "$M/bin/kubeadm.ca-ecdsa"
echo "init-phase-control-plane 1" >"$M/bin/kubeadm.fail"
run_cmd -o "$WORK/cp.log" -e "$WORK/cp.log" env KUBE_FIRSTBOOT_PATH="$M/bin" "$AGENT" --root "$M/root" --live \
        --seed "$M/seed" run
assert_eq "$(sed -n 1,5p <<<"$PHASES")
$(sed 1d <<<"$PHASES")
kubeadm init $SKIP" "$(init_calls)" "kubeadm calls after a failed control-plane phase"
ok "a failed control-plane phase: the phases again without preflight and without a reset"
mv "$M" "$WORK/master-cp"

# ---- a kubelet slow to serve its healthz -------------------------------------------------------------------
lab_host master "$REF/master"
touch "$M/bin/kubeadm.ca-ecdsa" "$M/bin/kubeadm.kubelet-healthz-hold"
KUBE_FIRSTBOOT_PATH="$M/bin" "$AGENT" --root "$M/root" --live --seed "$M/seed" run >"$WORK/slow.log" 2>&1 &
apid=$!
cleanup_hooks+=("kill $apid 2>/dev/null")
until grep -q "waiting up to 240 s for the kubelet to serve its healthz (http://127.0.0.1:10248/healthz)" "$WORK/slow.log"; do
        kill -0 "$apid" 2>/dev/null || { tail -n 20 "$WORK/slow.log"; fail "the agent ended before waiting for the kubelet"; }
        sleep 0.1
done
assert_eq "$PHASES" "$(init_calls)" "kubeadm calls while the kubelet does not serve"
# the store shows what the control plane waits for (the report right before the wait)
for _ in $(seq 600); do
        nodes=$(curl -sf http://192.168.220.1:8780/v1/clusters/lab/nodes) || fail "the store does not answer"
        case "$nodes" in *'"waiting for the kubelet"'*) break ;; esac
        sleep 0.1
done
assert_contains "$nodes" '"waiting for the kubelet"' "the store's progress report"
[ ! -e "$M/root/var/lib/kube-firstboot/lab-master-1/init-done" ] || fail "init marked done while waiting"
kill -0 "$apid" 2>/dev/null || fail "the agent stopped waiting"
rm "$M/bin/kubeadm.kubelet-healthz-hold"
wait "$apid" || { tail -n 20 "$WORK/slow.log"; fail "the control plane run failed once the kubelet served"; }
assert_eq "$PHASES
kubeadm init $SKIP" "$(init_calls)" "kubeadm calls"
assert_contains "$(cat "$WORK/slow.log")" "the kubelet serves its healthz" "the wait's end"
assert_contains "$(cat "$WORK/slow.log")" "kubeadm init succeeded" "init"
[ -e "$M/root/var/lib/kube-firstboot/lab-master-1/init-done" ] || fail "no init-done marker"
plain=$(/usr/bin/python3 "$JR" open "$KEY" lab <"$WORK/store/state/clusters/lab/join.json") ||
        fail "the published record does not open"
assert_contains "$plain" "\"token\":\"$(cut -d' ' -f1 "$M/root/var/lib/kube-firstboot/lab-master-1/token")\"" \
        "the record's token"
ok "a kubelet slow to serve: the phases, a wait without kubeadm init, then init --skip-phases= of them"

# ---- a second run -------------------------------------------------------------------------------------------
: >"$M/bin/calls.log"
run_cmd -o "$WORK/again.log" -e "$WORK/again.log" env KUBE_FIRSTBOOT_PATH="$M/bin" "$AGENT" --root "$M/root" --live \
        --seed "$M/seed" run
assert_eq "" "$(init_calls)" "kubeadm init or reset calls of a second run"
ok "a second run runs no phase"
