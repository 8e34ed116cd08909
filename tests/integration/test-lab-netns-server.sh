#!/bin/bash
# The namespace lab of test-lab-netns.sh against kube-firstboot-server instead of nginx: the workers
# fetch their seeds over NoCloud-net from the server (ds=nocloud-net;s=http://192.168.220.1:8780/v1/seeds/
# <node>/ on their kernel command line), long-poll for the join record, and join; every node's progress
# is on the server's node list and status page, and `kube-firstboot status --endpoint` shows it.
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/host-steps.sh"
. "$TOP/tests/lib/netns-lab.sh"
[ -x "$AGENT" ] || fail "no agent at $AGENT"
[ -x "$BUILDDIR/kube-firstboot-server" ] || fail "no server at $BUILDDIR/kube-firstboot-server"
REF=$TOP/tests/data/seeds/reference
KEY=$(sed -n 's/^  cluster_key: *//p' "$REF/master/user-data")

lab_net_up
lab_server "$WORK/server" "$KEY" "$REF"
for h in "${LAB_HOSTS[@]}"; do lab_host "$h" "$REF/$h"; done
lab_apiserver

# Workers: no --seed; the kernel command line names the server's seed URL.
lab_worker() {
        local h=$1 dir=$WORK/$1
        mkdir -p "$dir/root/proc"
        echo "BOOT_IMAGE=/vmlinuz ro console=ttyS0 ds=nocloud-net;s=http://192.168.220.1:8780/v1/seeds/$h/" \
                >"$dir/root/proc/cmdline"
        ip netns exec "$(lab_ns "$h")" unshare -u env KUBE_FIRSTBOOT_PATH="$dir/bin" "$AGENT" --root "$dir/root" --live run \
                >>"$dir/console.log" 2>&1 &
        LAB_AGENT_PID=$!
}
declare -A pid
start=$(date +%s.%N)
for h in node-1 node-2 node-3; do lab_worker "$h"; pid[$h]=$LAB_AGENT_PID; done
sleep 3
lab_agent master run
pid[master]=$LAB_AGENT_PID
for h in master node-1 node-2 node-3; do
        wait "${pid[$h]}" || { tail -n 30 "$WORK/$h/console.log"; fail "$h: agent failed"; }
done
ok "all four provisioned in $(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $start }") s"

for h in node-1 node-2 node-3; do
        grep -q "seed from http://192.168.220.1:8780/v1/seeds/$h/" "$WORK/$h/console.log" || fail "$h: seed not from the server"
        grep -q '^kubeadm join --config ' "$WORK/$h/bin/calls.log" || fail "$h: no kubeadm join"
        [ -e "$WORK/$h/root/run/kube-firstboot/bootstrap-success.complete" ] || fail "$h: no sentinel"
done
ok "workers read their seeds over NoCloud-net from the server and joined"

nodes=$(lab_in endpoint curl -sf http://192.168.220.1:8780/v1/clusters/lab/nodes)
for h in "${LAB_HOSTS[@]}"; do
        /usr/bin/python3 -c 'import json,sys; r=json.loads(sys.argv[1]); n=r[sys.argv[2]] if sys.argv[2] in r else r["nodes"][sys.argv[2]]; assert n["stage"]=="done" and n["status"]=="done", n' \
                "$nodes" "$h" || fail "$h not reported done: $nodes"
done
page=$(lab_in endpoint curl -sf http://192.168.220.1:8780/)
for h in "${LAB_HOSTS[@]}"; do assert_contains "$page" "$h" "status page"; done
ok "every node reported done on the server"

table=$(lab_in endpoint "$AGENT" status --endpoint http://192.168.220.1:8780/ --cluster lab)
for h in "${LAB_HOSTS[@]}"; do
        echo "$table" | grep -qE "^ *$h +(control-plane|worker) +done +done" || fail "status --endpoint lacks $h: $table"
done
ok "kube-firstboot status --endpoint shows the lab"

# The server never saw a token, and never logged a record.
token=$(cut -d' ' -f1 "$WORK/master/root/var/lib/kube-firstboot/lab-master-1/token")
if grep -rqF -- "$token" "$WORK/server"; then fail "the token reached the server's files or log"; fi
ok "no token on the server"

# Every progress report was accepted: its stage names are the protocol's (docs/join-protocol.md).
refused=$(grep -c 'method=PUT path=/v1/clusters/lab/nodes/.* status=4' "$WORK/server/server.log" || true)
assert_eq 0 "$refused" "progress reports refused by the server"
ok "every progress report accepted"
