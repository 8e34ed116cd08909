#!/bin/bash
# plan for both roles, through every stage: it lists the role stage's actions (init, CNI, publish on the
# control plane; wait and join on a worker), runs no mutating command, loads what it needs (the CNI
# manifest digest needs libcrypto, loaded on first use) and leaves the tree alone.
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/host-steps.sh"
[ -x "$AGENT" ] || fail "no agent at $AGENT"
SEEDS=$HOST_FIXTURES/seeds

for node in master node-1; do
        R=$WORK/$node/root B=$WORK/$node/bin
        host_tree "$R"
        host_bin "$B" "$R"
        before=$(tree_snapshot "$R")
        unshare -n env KUBE_FIRSTBOOT_PATH="$B" "$AGENT" --root "$R" --seed "$SEEDS/$node" plan >"$WORK/$node.plan" 2>&1 ||
                { cat "$WORK/$node.plan"; fail "$node: plan failed"; }
        assert_eq "$before" "$(tree_snapshot "$R")" "$node: plan changed the tree"
        assert_eq "" "$(mutating_calls "$B/calls.log")" "$node: plan ran mutating commands"
        grep -q '^Stage role: ' "$WORK/$node.plan" || fail "$node: no role stage in the plan"
done
for want in '  init       would kubeadm init --config /run/kube-firstboot/kubeadm-init.yaml' \
        '  cni        would kubectl apply -f /run/kube-firstboot/kube-flannel.yml' \
        '  publish    would seal the join record and PUT it to' \
        '  done       would create /run/kube-firstboot/bootstrap-success.complete'; do
        grep -qF -- "$want" "$WORK/master.plan" || fail "master plan lacks: $want"
done
for want in '  wait       would wait for the join record at' \
        '  join       would kubeadm join --config /run/kube-firstboot/kubeadm-join.yaml'; do
        grep -qF -- "$want" "$WORK/node-1.plan" || fail "node-1 plan lacks: $want"
done
if grep -q 'kubeadm init' "$WORK/node-1.plan"; then fail "worker plan has kubeadm init"; fi
ok "plan lists every stage's actions for both roles and changes nothing"
