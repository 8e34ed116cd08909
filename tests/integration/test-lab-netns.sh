#!/bin/bash
# The join protocol end to end, in network namespaces, against a real nginx with WebDAV PUT (a store
# nobody here wrote): master and node-1..3 as in the reference lab, each agent in its own namespace with
# its own --root tree and stand-in commands.
#
# Faults in the main run: the endpoint is down for the first 20 s and then answers 500 for 10 s; kubeadm
# init fails twice (init again on its phases' files, no reset); node-1's first join fails; node-2's first
# join fails after the kubelet's TLS bootstrap, in kubeadm's CRI socket annotation of the Node (the agent
# annotates it itself, no reset); node-3's seed has a wrong cluster key
# (it must not join, and must say why). Workers start before the master.
# Then: an expired record is waited on until a fresh one arrives; refresh-token renews and republishes;
# a second run changes nothing; no secret reaches the console or a file that is not 0600.
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/host-steps.sh"
. "$TOP/tests/lib/netns-lab.sh"
[ -x "$AGENT" ] || fail "no agent at $AGENT"
REF=$TOP/tests/data/seeds/reference
JR=$TOP/tests/lib/join-record.py
KEY=$(sed -n 's/^  cluster_key: *//p' "$REF/master/user-data")
[ -n "$KEY" ] || fail "no cluster_key in the reference seed"

lab_net_up
for h in "${LAB_HOSTS[@]}"; do lab_host "$h" "$REF/$h"; done
# node-3: another cluster's key (it waits for a record it can open; the test stops it once it said why).
sed -i "s|^  cluster_key: .*|  cluster_key: $(head -c 32 /dev/urandom | base64)|; s|^  join_timeout: .*|  join_timeout: 10m|" \
        "$WORK/node-3/seed/user-data"
echo "init 2" >"$WORK/master/bin/kubeadm.fail"
echo "join 1" >"$WORK/node-1/bin/kubeadm.fail"
echo "join-crisocket 1" >"$WORK/node-2/bin/kubeadm.fail"
lab_apiserver

start=$(date +%s)
declare -A pid
for h in node-1 node-2 node-3; do lab_agent "$h" run; pid[$h]=$LAB_AGENT_PID; done
sleep 2
lab_agent master run
pid[master]=$LAB_AGENT_PID
sleep 18
lab_nginx "$WORK/nginx" 500
ok "endpoint up after 20 s, answering 500"
sleep 10
lab_nginx_fix "$WORK/nginx"
ok "endpoint answering properly after 30 s"

for h in master node-1 node-2; do
        wait "${pid[$h]}" || { tail -n 40 "$WORK/$h/console.log"; fail "$h: agent failed"; }
done
ok "master, node-1, node-2 provisioned in $(($(date +%s) - start)) s"
for _ in $(seq 600); do
        grep -q "does not open with this node's cluster key" "$WORK/node-3/console.log" && break
        kill -0 "${pid[node-3]}" 2>/dev/null || break
        sleep 0.5
done
assert_contains "$(cat "$WORK/node-3/console.log")" "does not open with this node's cluster key" "node-3 says why"
kill -0 "${pid[node-3]}" 2>/dev/null || fail "node-3 (wrong key) stopped waiting"
kill "${pid[node-3]}"
wait "${pid[node-3]}" || true
[ ! -e "$WORK/node-3/root/etc/kubernetes/kubelet.conf" ] || fail "node-3 joined"
ok "node-3 with the wrong key did not join and said why"

# What kubeadm was asked to do.
calls() { grep -c "^kubeadm $2" "$WORK/$1/bin/calls.log" || true; }
# init in phases: each phase once; after each failed init (in its wait for the control plane) only init
# again, on the phases' files, without a reset.
assert_eq 3 "$(calls master 'init --config ')" "master kubeadm init calls"
assert_eq "--skip-phases=preflight,certs,kubeconfig,kubelet-start,control-plane,etcd" \
        "$(grep '^kubeadm init --config ' "$WORK/master/bin/calls.log" | awk '{print $NF}' | sort -u)" "init skips the phases run"
for phase in preflight "certs all" "kubeconfig all" kubelet-start "control-plane all" "etcd local"; do
        assert_eq 1 "$(calls master "init phase $phase ")" "master phase $phase"
done
assert_eq 0 "$(calls master 'reset -f')" "master kubeadm reset calls"
assert_eq 2 "$(calls node-1 'join ')" "node-1 kubeadm join calls"
assert_eq 1 "$(calls node-1 'reset -f')" "node-1 kubeadm reset calls"
# node-1's kubelet wrote kubelet.conf when its TLS bootstrap began, but got no certificate: not joined,
# nothing to annotate
assert_eq 0 "$(grep -c '^kubectl ' "$WORK/node-1/bin/calls.log")" "node-1 kubectl calls"
assert_eq 1 "$(calls node-2 'join ')" "node-2 kubeadm join calls"
assert_eq 0 "$(calls node-2 'reset -f')" "node-2 kubeadm reset calls"
assert_eq "kubectl --kubeconfig /etc/kubernetes/kubelet.conf --request-timeout=60s annotate --overwrite node node-2 kubeadm.alpha.kubernetes.io/cri-socket=/var/run/dockershim.sock" \
        "$(grep '^kubectl ' "$WORK/node-2/bin/calls.log")" "node-2: the agent's kubectl call"
assert_contains "$(cat "$WORK/node-2/console.log")" "failed after the kubelet's TLS bootstrap" "node-2 says why it annotates"
assert_eq 0 "$(calls node-3 'join ')" "node-3 kubeadm join calls"
grep -q '^kubectl --kubeconfig .*/etc/kubernetes/admin.conf apply -f .*/run/kube-firstboot/kube-flannel.yml$' \
        "$WORK/master/bin/calls.log" || fail "flannel not applied"
grep -q '"Network": "10.244.0.0/16"' "$WORK/master/root/run/kube-firstboot/kube-flannel.yml" || fail "pod CIDR not in manifest"

# The init config carries the seed's settings; every join used the master's token and CA pin.
init_cfg=$(ls "$WORK"/master/bin/kubeadm-configs/*-init.yaml | tail -n 1)
for want in 'advertiseAddress: "192.168.220.104"' 'kubernetesVersion: "v1.23.6"' \
        'imageRepository: "registry.aliyuncs.com/google_containers"' 'serviceSubnet: "10.1.0.0/16"' \
        'podSubnet: "10.244.0.0/16"' 'cgroupDriver: systemd' 'name: "master"'; do
        grep -qF "$want" "$init_cfg" || fail "init config lacks $want"
done
token=$(cut -d' ' -f1 "$WORK/master/root/var/lib/kube-firstboot/lab-master-1/token")
pin=sha256:$(openssl x509 -pubkey -noout -in "$WORK/master/root/etc/kubernetes/pki/ca.crt" |
        openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1)
grep -qF "token: \"$token\"" "$init_cfg" || fail "init did not use the published token"
for h in node-1 node-2; do
        cfg=$(ls "$WORK"/$h/bin/kubeadm-configs/*-join.yaml | tail -n 1)
        grep -qF "token: \"$token\"" "$cfg" || fail "$h joined with another token"
        grep -qF -- "- \"$pin\"" "$cfg" || fail "$h joined with another CA hash"
        grep -qF 'apiServerEndpoint: "192.168.220.104:6443"' "$cfg" || fail "$h: wrong API server"
        if grep -q 'unsafe' "$cfg"; then fail "$h: unsafe CA verification"; fi
        [ -e "$WORK/$h/root/run/kube-firstboot/bootstrap-success.complete" ] || fail "$h: no success sentinel"
done
[ -e "$WORK/master/root/run/kube-firstboot/bootstrap-success.complete" ] || fail "master: no success sentinel"
nodes=$(/usr/bin/python3 -c 'import json,sys; print(" ".join(sorted(n if isinstance(n, str) else n["name"] for n in json.load(open(sys.argv[1]))["nodes"])))' \
        "$WORK/master/root/var/lib/kubeadm-standin/cluster.json")
assert_eq "master node-1 node-2" "$nodes" "nodes in the cluster"
# every Node carries the CRI socket annotation `kubeadm upgrade` reads: node-2's set by the agent
sockets=$(/usr/bin/python3 -c 'import json,sys; print(" ".join("%s=%s" % (n["name"], n.get("annotations", {}).get("kubeadm.alpha.kubernetes.io/cri-socket")) for n in sorted(json.load(open(sys.argv[1]))["nodes"], key=lambda n: n["name"])))' \
        "$WORK/master/root/var/lib/kubeadm-standin/cluster.json")
assert_eq "master=/var/run/dockershim.sock node-1=/var/run/dockershim.sock node-2=/var/run/dockershim.sock" "$sockets" \
        "the Nodes' CRI socket annotations"
ok "init with the seed's settings; node-1 and node-2 joined with the master's token and CA hash"

# The record on the store opens with the documented format and holds what was used.
rec=$(cat "$WORK/nginx/www/v1/clusters/lab/join")
case "$rec" in *"$token"*) fail "the stored record shows the token" ;; esac
plain=$(echo "$rec" | "$JR" open "$KEY" lab)
assert_contains "$plain" "\"token\":\"$token\"" "opened record token"
assert_contains "$plain" "\"ca_cert_hashes\":[\"$pin\"]" "opened record CA hash"
grep -q 'PUT /v1/clusters/lab/nodes/node-1 ' "$WORK/nginx/logs/access.log" || fail "node-1 reported no progress"
grep -q '"stage":"done"' "$WORK/nginx/www/v1/clusters/lab/nodes/node-2" || fail "node-2 did not report done"
grep -q '"status":"failed"' "$WORK/nginx/www/v1/clusters/lab/nodes/node-3" || fail "node-3 did not report its failure"
ok "record sealed as documented; progress reported"

# Secrets: not on any console, not in any file that is not 0600 (the seeds themselves aside).
raw_key=$(echo "$KEY" | base64 -d)
for h in "${LAB_HOSTS[@]}"; do
        for s in "$token" "$KEY" "$raw_key" "${token#*.}"; do
                if grep -qF -- "$s" "$WORK/$h/console.log"; then fail "$h: a secret on the console"; fi
                leaks=$({ grep -rlF -- "$s" "$WORK/$h/root" 2>/dev/null || true; } | while read -r f; do
                        [ "$(stat -c %a "$f")" = 600 ] || echo "$f"
                done)
                [ -z "$leaks" ] || fail "$h: secret in files that are not 0600: $leaks"
        done
done
ok "no secret on a console or in a file that is not 0600"

# Second run: nothing to do, no kubeadm call.
for h in master node-1; do
        before=$(wc -l <"$WORK/$h/bin/calls.log")
        lab_agent "$h" run
        wait "$LAB_AGENT_PID" || fail "$h: second run failed"
        assert_eq "$before" "$(wc -l <"$WORK/$h/bin/calls.log")" "$h: second run ran commands"
        tail -n 1 "$WORK/$h/console.log" | grep -q 'nothing to do' || fail "$h: second run did not say nothing to do"
done
ok "second run changes nothing"

# An expired record is waited on; a fresh one is taken. node-3 gets a good seed (a new instance).
cp "$WORK/nginx/www/v1/clusters/lab/join" "$WORK/good-record"
"$JR" seal "$KEY" lab 192.168.220.104:6443 "$token" "$pin" $(($(date +%s) - 7200)) $(($(date +%s) - 3600)) \
        >"$WORK/nginx/www/v1/clusters/lab/join"
rm -rf "$WORK/node-3/seed"
cp -r "$REF/node-3" "$WORK/node-3/seed"
lab_agent node-3 --force run
p3=$LAB_AGENT_PID
for _ in $(seq 1500); do grep -q 'expired' "$WORK/node-3/console.log" && break; kill -0 "$p3" 2>/dev/null || break; sleep 0.2; done
grep -q 'join record at .* expired' "$WORK/node-3/console.log" || fail "node-3 did not notice the expired record"
[ ! -e "$WORK/node-3/root/etc/kubernetes/kubelet.conf" ] || fail "node-3 joined with an expired record"
cp "$WORK/good-record" "$WORK/nginx/www/v1/clusters/lab/join"
wait "$p3" || { tail -n 20 "$WORK/node-3/console.log"; fail "node-3 did not join after a fresh record"; }
ok "expired record waited on, fresh record joined"

# refresh-token: nothing while the token is young; a new token, published, once a third of its life is left.
lab_agent master refresh-token
wait "$LAB_AGENT_PID" || fail "refresh-token failed"
tail -n 1 "$WORK/master/console.log" | grep -q 'nothing to do' || fail "refresh-token renewed a young token"
tokfile=$WORK/master/root/var/lib/kube-firstboot/lab-master-1/token
echo "$token $(($(date +%s) + 3600))" >"$tokfile"
lab_agent master refresh-token
wait "$LAB_AGENT_PID" || { tail -n 20 "$WORK/master/console.log"; fail "refresh-token failed"; }
grep -q '^kubeadm token create --ttl 24h0m0s ' "$WORK/master/bin/calls.log" || fail "no kubeadm token create"
new=$(cut -d' ' -f1 "$tokfile")
[ "$new" != "$token" ] || fail "token not renewed"
assert_eq 600 "$(stat -c %a "$tokfile")" "token file mode"
plain=$("$JR" open "$KEY" lab <"$WORK/nginx/www/v1/clusters/lab/join")
assert_contains "$plain" "\"token\":\"$new\"" "republished record"
if grep -qF -- "$new" "$WORK/master/console.log"; then fail "new token on the console"; fi
if grep -qF -- "$new" "$WORK/master/bin/calls.log"; then fail "new token on a command line"; fi
ok "refresh-token renews and republishes"
