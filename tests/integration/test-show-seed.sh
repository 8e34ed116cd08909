#!/bin/bash
# show-seed on the four reference seeds (tests/data/seeds/reference): exit 0, the right values for each node,
# secrets masked (never the cluster key or a token, in any form), nothing on stderr, nothing written
# under --root. Also a token-bearing variant and JSON meta-data as cloud-localds writes it.
. "$(dirname "$0")/../lib/common.sh"
[ -x "$AGENT" ] || fail "no agent at $AGENT (build it first)"
REF=$TOP/tests/data/seeds/reference
KEY_B64=VEVTVC1PTkxZIGNsdXN0ZXIga2V5LCBub3Qgc2FmZSE=
KEY_TEXT="TEST-ONLY cluster key, not safe!"

ROOT=$WORK/root
mkdir -p "$ROOT/etc" "$ROOT/var/lib"
echo localhost >"$ROOT/etc/hostname"
before=$(tree_snapshot "$ROOT")

show() { # seed-dir -> $WORK/out, $WORK/err
        run_cmd -o "$WORK/out" -e "$WORK/err" -m "show-seed $1" "$AGENT" --root "$ROOT" --seed "$1" show-seed
}

assert_no_secrets() {
        local out
        out=$(cat "$WORK/out" "$WORK/err")
        case "$out" in *"$KEY_B64"* | *"$KEY_TEXT"* | *VEVTVC1PTkxZ*) fail "$1: the cluster key is shown" ;; esac
        assert_contains "$out" 'cluster_key: "<redacted: 32 bytes>"' "$1: masked key"
}

for node in master node-1 node-2 node-3; do
        show "$REF/$node"
        out=$(cat "$WORK/out")
        [ ! -s "$WORK/err" ] || fail "$node: show-seed wrote to stderr: $(cat "$WORK/err")"
        case $node in
        master) ip=104 role=control-plane ;;
        node-1) ip=105 role=worker ;;
        node-2) ip=106 role=worker ;;
        node-3) ip=107 role=worker ;;
        esac
        assert_contains "$out" "origin: $REF/$node" "$node: origin"
        assert_contains "$out" "  instance-id: lab-$node-1
  local-hostname: $node
  role: $role" "$node: meta-data"
        assert_contains "$out" "    cluster: lab
    endpoint: \"http://192.168.220.1:8780/\"" "$node: cluster and endpoint"
        assert_contains "$out" "    token: null" "$node: no token"
        assert_contains "$out" "    token_ttl: \"24h\"
    join_timeout: \"1h\"" "$node: durations"
        for h in master:104 node-1:105 node-2:106 node-3:107; do
                assert_contains "$out" "      - name: ${h%%:*}
        address: 192.168.220.${h##*:}" "$node: hosts entry ${h%%:*}"
        done
        assert_contains "$out" "      version: v1.23.6
      control_plane: \"192.168.220.104:6443\"
      image_repository: registry.aliyuncs.com/google_containers
      service_cidr: 10.1.0.0/16
      pod_cidr: 10.244.0.0/16
      cni: flannel
      runtime: docker" "$node: kubernetes"
        assert_contains "$out" "      swap: \"off\"
      selinux: permissive
      firewall: open
      grow_root: true" "$node: host"
        assert_contains "$out" "    - \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEK57AabM2ouVSoH/ptbHn33P/Ud28LTSeHhTeJ0rErl kube-firstboot-test-only\"" \
                "$node: ssh key"
        assert_contains "$out" "    - name: eth0
      mac: \"52:54:00:fb:00:$(printf %02x $ip)\"
      address: 192.168.220.$ip/24
      gateway: 192.168.220.1
      dns: [192.168.220.1]
      search: [lab.internal]" "$node: interface"
        assert_no_secrets "$node"
done
ok "the four reference seeds show the lab's values, key masked"

# A pre-shared token is masked too.
mkdir -p "$WORK/token"
cp "$REF/master/meta-data" "$REF/master/network-config" "$WORK/token/"
sed 's/^  token_ttl: 24h$/  token: abcdef.0123456789abcdef\n  token_ttl: 24h/' "$REF/master/user-data" >"$WORK/token/user-data"
grep -q 'token: abcdef' "$WORK/token/user-data" || fail "could not add a token to the test seed"
show "$WORK/token"
out=$(cat "$WORK/out" "$WORK/err")
case "$out" in *abcdef.0123456789abcdef* | *0123456789abcdef*) fail "the token is shown" ;; esac
assert_contains "$out" 'token: "<redacted: bootstrap token>"' "masked token"
assert_no_secrets "token seed"
ok "a pre-shared token is masked"

# JSON meta-data as cloud-localds writes it (here with -H and a role), no network-config: defaults.
mkdir -p "$WORK/json"
printf '{\n"instance-id": "iid-local01",\n"local-hostname": "node-2",\n"role": "worker"\n}\n' >"$WORK/json/meta-data"
printf '#cloud-config\nkube_firstboot:\n  endpoint: http://192.168.220.1:8780/\n  cluster_key: %s\n' "$KEY_B64" \
        >"$WORK/json/user-data"
show "$WORK/json"
out=$(cat "$WORK/out")
assert_contains "$out" "  instance-id: iid-local01
  local-hostname: node-2
  role: worker" "JSON meta-data"
assert_contains "$out" "    cluster: kubernetes" "default cluster name"
assert_contains "$out" "      control_plane: \"192.168.220.104:6443\"" "default control plane"
assert_contains "$out" "network-config: null" "no network-config"
assert_contains "$(cat "$WORK/err")" "instance-id: \"iid-local01\" is cloud-localds' default" "iid-local01 warning"
assert_no_secrets "JSON seed"
ok "JSON meta-data and the defaults"

assert_tree_same "$before" "$(tree_snapshot "$ROOT")" "show-seed changed the --root tree"
ok "show-seed wrote nothing under --root"
