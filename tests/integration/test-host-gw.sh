#!/bin/bash
# kubernetes.cni host-gw through the agent, on node-1 of tests/data/seeds/host-gw (the reference lab with a
# /24 of the pod network per node): show-seed shows each host's /24; the network step routes every other
# node's pod subnet through that node (a networkd [Route] on Debian, ifcfg's route-eth0 on CentOS; applied
# now with ip(8) where `ip route show` lacks it); the firewall opens no flannel VXLAN port and the fence lets
# the pod network through FORWARD; plan checks the CNI plugins before any change and shows the CNI
# configuration the role stage writes. A second run changes nothing.
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/host-steps.sh"
. "$TOP/tests/lib/host-cases.sh"

SEEDS=$TOP/tests/data/seeds/host-gw
NETWORKD=etc/systemd/network/10-kube-firstboot-eth0.network
ROUTES=etc/sysconfig/network-scripts/route-eth0

# node1_case D: node-1's host-gw seed on a fresh case (the fixture's eth0 gets node-1's MAC).
node1_case() {
        local d=$1
        case_dir "$d" network
        cp "$SEEDS/node-1/meta-data" "$SEEDS/node-1/network-config" "$SEEDS/node-1/user-data" "$d/seed/"
        sed -i 's|^\(  endpoint:\).*|\1 http://127.0.0.1:9/|' "$d/seed/user-data"
        echo 52:54:00:fb:00:69 >"$d/root/sys/class/net/eth0/address"
        echo 192.168.220.105/24 >"$d/bin/state/ip.eth0.addrs"
        touch "$d/bin/state/ip.eth0.up"
        echo "default via 192.168.220.1 dev eth0" >"$d/bin/state/ip.default"
}
plugins() {
        local d=$1 dir=$2 p
        mkdir -p "$d/root$dir"
        for p in bridge host-local loopback portmap; do install -m 0755 /dev/null "$d/root$dir/$p"; done
}
changing_calls() { calls "$1" '^(ip |firewall-cmd )' | grep -vE '^ip (-o (-4 )?)?(addr|link|route) show|--list-|--get-all-rules' || true; }

# ---- show-seed ---------------------------------------------------------------------------------------
run_cmd -m "show-seed" "$AGENT" --seed "$SEEDS/node-1" show-seed
assert_contains "$(cat "$WORK/out")" "      - name: node-1
        address: 192.168.220.105
        pod_subnet: 10.244.1.0/24
" "show-seed's hosts"
assert_contains "$(cat "$WORK/out")" "      cni: host-gw" "show-seed's cni"
ok "show-seed shows every host's pod subnet"

# ---- Debian: networkd [Route] sections, routes applied now, no VXLAN port ----------------------------
d=$WORK/debian
node1_case "$d"
printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n' >"$d/root/etc/os-release"
mkdir -p "$d/root/lib/systemd/system"
touch "$d/root/lib/systemd/system/systemd-networkd.service"
unit "$d" systemd-networkd enabled active
plugins "$d" /usr/lib/cni
echo "10.244.2.0/24 via 192.168.220.99 dev eth0" >"$d/bin/state/ip.routes" # a stale route: replaced

before=$(snapshot "$d")
agent_run "$d" plan || { cat "$d/out"; fail "plan failed"; }
assert_tree_same "$before" "$(snapshot "$d")" "plan changed the tree"
assert_contains "$(cat "$d/out")" "  cni        ok      bridge, host-local, loopback and portmap in /usr/lib/cni (kubernetes.cni host-gw)" "plan's check"
assert_eq "  network    would route master's pod subnet 10.244.0.0/24 via 192.168.220.104 dev eth0 now (none -> 10.244.0.0/24 via 192.168.220.104 dev eth0)
  network    would route node-2's pod subnet 10.244.2.0/24 via 192.168.220.106 dev eth0 now (10.244.2.0/24 via 192.168.220.99 dev eth0 -> 10.244.2.0/24 via 192.168.220.106 dev eth0)
  network    would route node-3's pod subnet 10.244.3.0/24 via 192.168.220.107 dev eth0 now (none -> 10.244.3.0/24 via 192.168.220.107 dev eth0)" \
        "$(grep '^  network    would route' "$d/out")" "plan's routes"
assert_contains "$(cat "$d/out")" "  cni        would write /etc/cni/net.d/10-kube-firstboot-host-gw.conflist (host-gw: bridge, host-local, portmap) (absent -> bridge cni0, pods in 10.244.1.0/24)" "plan's CNI configuration"
assert_eq "" "$(grep '8472' "$d/out" || true)" "plan opens the VXLAN port"

run_host "$d"
cat >"$WORK/networkd.expected" <<'EOF2'
# Written by kube-firstboot from the seed's network-config; rewritten whole on every run.
[Match]
MACAddress=52:54:00:fb:00:69

[Network]
Address=192.168.220.105/24
Gateway=192.168.220.1
DNS=192.168.220.1
Domains=lab.internal

# the pod subnet of master (kubernetes.cni host-gw)
[Route]
Destination=10.244.0.0/24
Gateway=192.168.220.104

# the pod subnet of node-2 (kubernetes.cni host-gw)
[Route]
Destination=10.244.2.0/24
Gateway=192.168.220.106

# the pod subnet of node-3 (kubernetes.cni host-gw)
[Route]
Destination=10.244.3.0/24
Gateway=192.168.220.107
EOF2
assert_file_eq "$WORK/networkd.expected" "$d/root/$NETWORKD"
assert_eq "10.244.0.0/24 via 192.168.220.104 dev eth0
10.244.2.0/24 via 192.168.220.106 dev eth0
10.244.3.0/24 via 192.168.220.107 dev eth0" "$(sort "$d/bin/state/ip.routes")" "routes now"
assert_eq "" "$(calls "$d" '^firewall-cmd .*8472' )" "the VXLAN port was opened"
assert_contains "$(calls "$d" '^firewall-cmd --permanent --add-port')" "--add-port=10250/tcp" "the worker's ports"
# pod traffic through FORWARD, after the fence's rejects (priority 1 after their 0), permanently and now
for p in "--permanent " ""; do
        assert_eq "firewall-cmd $p--direct --add-rule ipv4 filter FORWARD 1 -s 10.244.0.0/16 -j ACCEPT
firewall-cmd $p--direct --add-rule ipv4 filter FORWARD 1 -d 10.244.0.0/16 -j ACCEPT" \
                "$(calls "$d" "^firewall-cmd $p--direct --add-rule .* ACCEPT\$")" "pod traffic accepted (${p:-now})"
done
calls "$d" '^firewall-cmd --direct --add-rule .*FORWARD 0 -s 10.244.0.0/16 -d 127.0.0.1/32 .*REJECT$' | grep -q . ||
        fail "the fence's FORWARD reject is gone"
rerun_same "$d"
assert_eq "" "$(changing_calls "$d")" "second run's changing calls"
ok "debian: [Route] per other node in the .network file, routes applied now, no VXLAN port, pod traffic accepted in FORWARD; second run changes nothing"

# ---- CentOS 7: ifcfg's route-eth0 ---------------------------------------------------------------------
d=$WORK/centos
node1_case "$d"
plugins "$d" /opt/cni/bin
run_host "$d"
cat >"$WORK/route.expected" <<'EOF2'
# Written by kube-firstboot from the seed's network-config; rewritten whole on every run.
# the pod subnet of master (kubernetes.cni host-gw)
ADDRESS0=10.244.0.0
NETMASK0=255.255.255.0
GATEWAY0=192.168.220.104
# the pod subnet of node-2 (kubernetes.cni host-gw)
ADDRESS1=10.244.2.0
NETMASK1=255.255.255.0
GATEWAY1=192.168.220.106
# the pod subnet of node-3 (kubernetes.cni host-gw)
ADDRESS2=10.244.3.0
NETMASK2=255.255.255.0
GATEWAY2=192.168.220.107
EOF2
assert_file_eq "$WORK/route.expected" "$d/root/$ROUTES"
assert_eq 644 "$(stat -c %a "$d/root/$ROUTES")" "route-eth0's mode"
rerun_same "$d"
assert_eq "" "$(changing_calls "$d")" "second run's changing calls"
ok "centos: route-eth0 with every other node's pod subnet; second run changes nothing"

# ---- no CNI plugins: refused before any change --------------------------------------------------------
d=$WORK/noplugins
node1_case "$d"
before=$(snapshot "$d")
if agent_run "$d" run --until host; then fail "noplugins: run succeeded"; fi
assert_contains "$(cat "$d/out")" "kubernetes.cni host-gw: the CNI plugins bridge, host-local, loopback and portmap are not all in /opt/cni/bin (CentOS 7: kubernetes-cni) nor all in /usr/lib/cni (Debian: containernetworking-plugins)" "noplugins"
assert_tree_same "$before" "$(snapshot "$d")" "noplugins: the tree changed"
ok "no CNI plugins: refused before any change, naming both places"
