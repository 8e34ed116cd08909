#!/bin/bash
# The network step through the agent: the static address of network-config written for the renderer
# that /etc/os-release implies (ifcfg on CentOS, .network for systemd-networkd on Debian), and applied
# now with ip(8) only where `ip` shows it missing. Each good case runs twice: the second run changes no
# byte and no mtime, and runs no command that changes anything.
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/host-steps.sh"
. "$TOP/tests/lib/host-cases.sh"

IFCFG=etc/sysconfig/network-scripts/ifcfg-eth0
NETWORKD=etc/systemd/network/10-kube-firstboot-eth0.network

net_calls() { calls "$1" '^(ip |systemctl [a-z-]+ (network|systemd-networkd)$)'; }
changing_calls() { net_calls "$1" | grep -vE '^(ip (-o (-4 )?)?(addr|link|route) show|systemctl is-)' || true; }

# ip_state D ADDR UP ROUTE: what `ip` (host-model) reports for eth0 before the run ("" for none).
ip_state() {
        local d=$1
        [ -n "$2" ] && echo "$2" >"$d/bin/state/ip.eth0.addrs"
        [ "$3" = up ] && touch "$d/bin/state/ip.eth0.up"
        [ -n "$4" ] && echo "$4" >"$d/bin/state/ip.default"
        return 0
}

second_run() {
        local d=$1
        rerun_same "$d"
        assert_eq "" "$(changing_calls "$d")" "$d: second run's changing calls"
        assert_eq "" "$(step_log "$d" network | grep -v '^unchanged: ' || true)" "$d: second run's network actions"
}

# ---- CentOS 7: the cloud image's DHCP ifcfg-eth0 replaced, address and route applied now -------------
d=$WORK/centos
case_dir "$d" network
mkdir -p "$d/root/etc/sysconfig/network-scripts"
cat >"$d/root/$IFCFG" <<'EOF'
# Created by cloud-init on instance boot automatically, do not edit.
#
BOOTPROTO=dhcp
DEVICE=eth0
HWADDR=52:54:00:fb:00:68
ONBOOT=yes
TYPE=Ethernet
USERCTL=no
PERSISTENT_DHCLIENT=1
EOF
chmod 0600 "$d/root/$IFCFG"
ip_state "$d" 10.0.2.15/24 up "default via 10.0.2.2 dev eth0 proto dhcp metric 100"

before=$(snapshot "$d")
agent_run "$d" plan || { cat "$d/out"; fail "plan failed"; }
assert_tree_same "$before" "$(snapshot "$d")" "plan changed the tree"
assert_eq "  network    would write /etc/sysconfig/network-scripts/ifcfg-eth0 (other settings -> static 192.168.220.104/24)
  network    ok    enable network.service
  network    would add address 192.168.220.104/24 to eth0 now (10.0.2.15/24 -> 192.168.220.104/24)
  network    ok    bring eth0 up now
  network    would set the default route via 192.168.220.1 dev eth0 now (default via 10.0.2.2 dev eth0 proto dhcp metric 100 -> default via 192.168.220.1 dev eth0)" \
        "$(grep '^  network ' "$d/out")" "centos: plan"
assert_eq "" "$(changing_calls "$d")" "plan ran a changing command"

run_host "$d"
cat >"$WORK/ifcfg.expected" <<'EOF'
# Written by kube-firstboot from the seed's network-config. The whole file is rewritten on
# every run, so nothing of an earlier configuration (BOOTPROTO=dhcp, an old IPADDR) lingers.
# NM_CONTROLLED=no: the network service owns this interface, and NetworkManager, where
# installed, does not replace the static address with one of its own.
DEVICE=eth0
HWADDR=52:54:00:fb:00:68
TYPE=Ethernet
ONBOOT=yes
BOOTPROTO=none
IPADDR=192.168.220.104
PREFIX=24
GATEWAY=192.168.220.1
DEFROUTE=yes
DNS1=192.168.220.1
DOMAIN="lab.internal"
NM_CONTROLLED=no
EOF
assert_file_eq "$WORK/ifcfg.expected" "$d/root/$IFCFG"
assert_eq 600 "$(stat -c %a "$d/root/$IFCFG")" "ifcfg-eth0 keeps its mode"
assert_eq "systemctl is-enabled network
ip -o -4 addr show dev eth0
ip addr replace 192.168.220.104/24 dev eth0
ip -o link show dev eth0
ip route show default
ip route replace default via 192.168.220.1 dev eth0" "$(net_calls "$d")" "centos: calls (network.service never restarted)"
[ ! -e "$d/root/etc/systemd/network" ] || fail "centos: a networkd file was written"
second_run "$d"
ok "CentOS: ifcfg-eth0 rewritten whole, address and default route applied now; second run changes nothing"

# ---- Debian with systemd-networkd: a .network file, networkd enabled and restarted while running -----
d=$WORK/debian
case_dir "$d" network
printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n' >"$d/root/etc/os-release"
mkdir -p "$d/root/lib/systemd/system"
touch "$d/root/lib/systemd/system/systemd-networkd.service"
unit "$d" systemd-networkd active
ip_state "$d" "" down ""

run_host "$d"
cat >"$WORK/networkd.expected" <<'EOF'
# Written by kube-firstboot from the seed's network-config; rewritten whole on every run.
[Match]
MACAddress=52:54:00:fb:00:68

[Network]
Address=192.168.220.104/24
Gateway=192.168.220.1
DNS=192.168.220.1
Domains=lab.internal
EOF
assert_file_eq "$WORK/networkd.expected" "$d/root/$NETWORKD"
assert_eq "644 755" "$(stat -c %a "$d/root/$NETWORKD") $(stat -c %a "$d/root/etc/systemd/network")" "new .network modes"
assert_eq "systemctl is-enabled systemd-networkd
systemctl enable systemd-networkd
systemctl is-active systemd-networkd
systemctl restart systemd-networkd
ip -o -4 addr show dev eth0
ip addr replace 192.168.220.104/24 dev eth0
ip -o link show dev eth0
ip link set eth0 up
ip route show default
ip route replace default via 192.168.220.1 dev eth0" "$(net_calls "$d")" "debian: calls"
[ ! -e "$d/root/etc/sysconfig/network-scripts" ] || fail "debian: an ifcfg file was written"
second_run "$d"
ok "Debian: .network written, networkd enabled and restarted once, address, link and route applied; second run changes nothing"

# ---- networkd installed but not running: enabled for the next boot, not started now -------------------
d=$WORK/networkd-off
case_dir "$d" network
printf 'ID=ubuntu\nID_LIKE=debian\n' >"$d/root/etc/os-release"
mkdir -p "$d/root/usr/lib/systemd/system"
touch "$d/root/usr/lib/systemd/system/systemd-networkd.service"
unit "$d" systemd-networkd
ip_state "$d" 192.168.220.104/24 up "default via 192.168.220.1 dev eth0 proto static"
run_host "$d"
assert_file_eq "$WORK/networkd.expected" "$d/root/$NETWORKD"
assert_eq "systemctl enable systemd-networkd" "$(changing_calls "$d")" "networkd-off: changing calls"
second_run "$d"
ok "networkd not running: file written and networkd enabled, the address already there left alone"

# ---- an interface matched by MAC only (network-config v2): its name comes from sysfs ------------------
d=$WORK/bymac
case_dir "$d"
cat >"$d/seed/network-config" <<'EOF'
version: 2
ethernets:
  lan:
    match:
      macaddress: "52:54:00:AB:CD:EF"
    addresses: [192.168.220.104/24]
    gateway4: 192.168.220.1
    nameservers:
      addresses: [192.168.220.1, 1.1.1.1]
      search: [lab.internal, example.com]
EOF
for n in ens3 br0; do
        mkdir -p "$d/root/sys/class/net/$n"
        echo 52:54:00:ab:cd:ef >"$d/root/sys/class/net/$n/address" # br0: a bridge copies its port's MAC
done
mkdir -p "$d/root/sys/class/net/ens3/device"
run_host "$d"
assert_eq "DEVICE=ens3
HWADDR=52:54:00:ab:cd:ef
DNS1=192.168.220.1
DNS2=1.1.1.1
DOMAIN=\"lab.internal example.com\"" \
        "$(grep -E '^(DEVICE|HWADDR|DNS[0-9]|DOMAIN)=' "$d/root/etc/sysconfig/network-scripts/ifcfg-ens3")" "bymac: ifcfg-ens3"
assert_contains "$(net_calls "$d")" "ip addr replace 192.168.220.104/24 dev ens3" "bymac"
second_run "$d"
ok "interface matched by MAC: the real device (not the bridge with the same MAC) configured by its name"

# ---- v1's name with mac_address renames the interface (CentOS: DEVICE with HWADDR; now: ip link) -------
d=$WORK/rename-ifcfg
case_dir "$d" network
mv "$d/root/sys/class/net/eth0" "$d/root/sys/class/net/ens3"
echo 10.0.2.15/24 >"$d/bin/state/ip.ens3.addrs"
touch "$d/bin/state/ip.ens3.up"
echo "default via 10.0.2.2 dev ens3 proto dhcp metric 100" >"$d/bin/state/ip.default"
agent_run "$d" plan || { cat "$d/out"; fail "rename-ifcfg: plan failed"; }
assert_eq "  network    would write /etc/sysconfig/network-scripts/ifcfg-eth0 (absent -> static 192.168.220.104/24)
  network    ok    enable network.service
  network    would bring ens3 down to rename it now (up -> down)
  network    would rename ens3 to eth0 now (ens3 -> eth0)
  network    would add address 192.168.220.104/24 to eth0 now (10.0.2.15/24 -> 192.168.220.104/24)
  network    would bring eth0 up now (down -> up)
  network    would set the default route via 192.168.220.1 dev eth0 now (default via 10.0.2.2 dev ens3 proto dhcp metric 100 -> default via 192.168.220.1 dev eth0)" \
        "$(grep '^  network ' "$d/out")" "rename-ifcfg: plan"
run_host "$d"
assert_file_eq "$WORK/ifcfg.expected" "$d/root/$IFCFG"
assert_eq "ip -o link show dev ens3
ip link set ens3 down
ip link set ens3 name eth0
ip -o -4 addr show dev eth0
ip addr replace 192.168.220.104/24 dev eth0
ip link set eth0 up
ip route show default
ip route replace default via 192.168.220.1 dev eth0" "$(net_calls "$d" | grep '^ip ')" "rename-ifcfg: calls"
[ -e "$d/root/sys/class/net/eth0/address" ] && [ ! -e "$d/root/sys/class/net/ens3" ] || fail "rename-ifcfg: not renamed"
second_run "$d"
ok "v1 name with mac_address: ens3 renamed to eth0 now, ifcfg-eth0 names it at boot; second run changes nothing"

# ---- v2 set-name on systemd-networkd: a .link file, and the rename now ----------------------------------
d=$WORK/rename-networkd
case_dir "$d"
cat >"$d/seed/network-config" <<'EOF'
version: 2
ethernets:
  interface0:
    match:
      macaddress: "52:54:00:FB:00:68"
    set-name: interface0
    addresses:
      - 192.168.220.104/255.255.255.0
    gateway4: 192.168.220.1
EOF
printf 'ID=debian\n' >"$d/root/etc/os-release"
mkdir -p "$d/root/lib/systemd/system"
touch "$d/root/lib/systemd/system/systemd-networkd.service"
unit "$d" systemd-networkd enabled
run_host "$d"
cat >"$WORK/link.expected" <<'EOF'
# Written by kube-firstboot from the seed's network-config; rewritten whole on every run.
[Match]
MACAddress=52:54:00:fb:00:68

[Link]
Name=interface0
EOF
assert_file_eq "$WORK/link.expected" "$d/root/etc/systemd/network/10-kube-firstboot-interface0.link"
cat >"$WORK/network.expected" <<'EOF'
# Written by kube-firstboot from the seed's network-config; rewritten whole on every run.
[Match]
MACAddress=52:54:00:fb:00:68

[Network]
Address=192.168.220.104/24
Gateway=192.168.220.1
EOF
assert_file_eq "$WORK/network.expected" "$d/root/etc/systemd/network/10-kube-firstboot-interface0.network"
assert_eq "ip -o link show dev eth0
ip link set eth0 name interface0
ip -o -4 addr show dev interface0
ip addr replace 192.168.220.104/24 dev interface0
ip link set interface0 up
ip route show default
ip route replace default via 192.168.220.1 dev interface0" "$(net_calls "$d" | grep '^ip ')" "rename-networkd: calls"
second_run "$d"
ok "v2 set-name (networkd): .link and .network written, eth0 (down) renamed now; second run changes nothing"

# ---- DHCP with the seed's own name servers: written, and the lease's left out ------------------------
dhcp_dns_seed() {
        cat >"$1/seed/network-config" <<'EOF'
network:
  version: 2
  ethernets:
    eth0:
      dhcp4: true
      nameservers:
        addresses: [192.168.220.53, 1.1.1.1]
        search: [lab.internal]
EOF
}
d=$WORK/dhcp-dns-ifcfg
case_dir "$d"
dhcp_dns_seed "$d"
ip_state "$d" 10.0.2.15/24 up "default via 10.0.2.2 dev eth0 proto dhcp metric 100"
run_host "$d"
cat >"$WORK/ifcfg-dhcp.expected" <<'EOF'
# Written by kube-firstboot from the seed's network-config. The whole file is rewritten on
# every run, so nothing of an earlier configuration (BOOTPROTO=dhcp, an old IPADDR) lingers.
# NM_CONTROLLED=no: the network service owns this interface, and NetworkManager, where
# installed, does not replace the static address with one of its own.
DEVICE=eth0
TYPE=Ethernet
ONBOOT=yes
BOOTPROTO=dhcp
PEERDNS=no
DNS1=192.168.220.53
DNS2=1.1.1.1
DOMAIN="lab.internal"
NM_CONTROLLED=no
EOF
assert_file_eq "$WORK/ifcfg-dhcp.expected" "$d/root/$IFCFG"
assert_eq "" "$(changing_calls "$d")" "dhcp-dns-ifcfg: changing calls (the address stays the lease's)"
second_run "$d"
ok "CentOS: DHCP with the seed's name servers: BOOTPROTO=dhcp, PEERDNS=no, DNS1.. written"

d=$WORK/dhcp-dns-networkd
case_dir "$d"
dhcp_dns_seed "$d"
printf 'ID=debian\n' >"$d/root/etc/os-release"
mkdir -p "$d/root/lib/systemd/system"
touch "$d/root/lib/systemd/system/systemd-networkd.service"
unit "$d" systemd-networkd enabled
ip_state "$d" 10.0.2.15/24 up ""
run_host "$d"
cat >"$WORK/network-dhcp.expected" <<'EOF'
# Written by kube-firstboot from the seed's network-config; rewritten whole on every run.
[Match]
Name=eth0

[Network]
DHCP=ipv4
DNS=192.168.220.53
DNS=1.1.1.1
Domains=lab.internal

[DHCP]
UseDNS=false
EOF
assert_file_eq "$WORK/network-dhcp.expected" "$d/root/$NETWORKD"
second_run "$d"
ok "networkd: DHCP with the seed's name servers: DHCP=ipv4, DNS=, [DHCP] UseDNS=false"

# ---- several addresses and an MTU: IPADDR1=/PREFIX1= and MTU= (ifcfg), Address= twice and MTUBytes= --------
more_seed() {
        cat >"$1/seed/network-config" <<'EOF'
version: 1
config:
  - type: physical
    name: eth0
    mtu: 1450
    subnets:
      - type: static
        address: 192.168.220.104/24
        gateway: 192.168.220.1
      - type: static
        address: 10.20.0.5
        netmask: 255.255.0.0
EOF
}
d=$WORK/more-ifcfg
case_dir "$d"
more_seed "$d"
ip_state "$d" 192.168.220.104/24 up "default via 192.168.220.1 dev eth0"
run_host "$d"
cat >"$WORK/ifcfg-more.expected" <<'EOF'
# Written by kube-firstboot from the seed's network-config. The whole file is rewritten on
# every run, so nothing of an earlier configuration (BOOTPROTO=dhcp, an old IPADDR) lingers.
# NM_CONTROLLED=no: the network service owns this interface, and NetworkManager, where
# installed, does not replace the static address with one of its own.
DEVICE=eth0
TYPE=Ethernet
ONBOOT=yes
BOOTPROTO=none
IPADDR=192.168.220.104
PREFIX=24
IPADDR1=10.20.0.5
PREFIX1=16
GATEWAY=192.168.220.1
DEFROUTE=yes
MTU=1450
NM_CONTROLLED=no
EOF
assert_file_eq "$WORK/ifcfg-more.expected" "$d/root/$IFCFG"
assert_eq "ip addr replace 10.20.0.5/16 dev eth0
ip link set eth0 mtu 1450" "$(changing_calls "$d")" "more-ifcfg: changing calls"
second_run "$d"
ok "CentOS: a second address and an MTU written (IPADDR1=, MTU=) and applied; second run changes nothing"

d=$WORK/more-networkd
case_dir "$d"
more_seed "$d"
printf 'ID=debian\n' >"$d/root/etc/os-release"
mkdir -p "$d/root/lib/systemd/system"
touch "$d/root/lib/systemd/system/systemd-networkd.service"
unit "$d" systemd-networkd enabled
run_host "$d"
cat >"$WORK/network-more.expected" <<'EOF'
# Written by kube-firstboot from the seed's network-config; rewritten whole on every run.
[Match]
Name=eth0

[Network]
Address=192.168.220.104/24
Address=10.20.0.5/16
Gateway=192.168.220.1

[Link]
MTUBytes=1450
EOF
assert_file_eq "$WORK/network-more.expected" "$d/root/$NETWORKD"
second_run "$d"
ok "networkd: a second Address= and [Link] MTUBytes=; second run changes nothing"

# ---- static routes: route-eth0 (ifcfg), [Route] (networkd), and added now --------------------------------
routes_seed() {
        cat >"$1/seed/network-config" <<'EOF'
version: 2
ethernets:
  eth0:
    addresses: [192.168.220.104/24]
    routes:
      - to: default
        via: 192.168.220.1
      - to: 10.9.0.0/16
        via: 192.168.220.254
EOF
}
d=$WORK/routes-ifcfg
case_dir "$d"
routes_seed "$d"
ip_state "$d" 192.168.220.104/24 up "default via 192.168.220.1 dev eth0"
run_host "$d"
cat >"$WORK/route-eth0.expected" <<'EOF'
# Written by kube-firstboot from the seed's network-config; rewritten whole on every run.
ADDRESS0=10.9.0.0
NETMASK0=255.255.0.0
GATEWAY0=192.168.220.254
EOF
assert_file_eq "$WORK/route-eth0.expected" "$d/root/etc/sysconfig/network-scripts/route-eth0"
assert_eq "ip route replace 10.9.0.0/16 via 192.168.220.254 dev eth0" "$(changing_calls "$d")" "routes-ifcfg: changing calls"
second_run "$d"
ok "CentOS: a static route written to route-eth0 and added now; second run changes nothing"

d=$WORK/routes-networkd
case_dir "$d"
routes_seed "$d"
printf 'ID=debian\n' >"$d/root/etc/os-release"
mkdir -p "$d/root/lib/systemd/system"
touch "$d/root/lib/systemd/system/systemd-networkd.service"
unit "$d" systemd-networkd enabled
run_host "$d"
cat >"$WORK/network-routes.expected" <<'EOF'
# Written by kube-firstboot from the seed's network-config; rewritten whole on every run.
[Match]
Name=eth0

[Network]
Address=192.168.220.104/24
Gateway=192.168.220.1

[Route]
Destination=10.9.0.0/16
Gateway=192.168.220.254
EOF
assert_file_eq "$WORK/network-routes.expected" "$d/root/$NETWORKD"
[ ! -e "$d/root/etc/sysconfig/network-scripts/route-eth0" ] || fail "routes-networkd: route-eth0 written"
assert_contains "$(changing_calls "$d")" "ip route replace 10.9.0.0/16 via 192.168.220.254 dev eth0" "routes-networkd"
second_run "$d"
ok "networkd: a static route as [Route], added now; second run changes nothing"

# ---- nothing to do without network-config -------------------------------------------------------------
d=$WORK/none
case_dir "$d"
run_host "$d"
assert_eq "unchanged: no network-config in the seed: addresses left as they are" "$(step_log "$d" network)" "none"
assert_eq "" "$(net_calls "$d")" "none: network calls"
ok "no network-config: nothing done"

# ---- failures: a clear message, nothing written --------------------------------------------------------
fail_case() { # D MESSAGE
        local d=$1 message=$2
        if agent_run "$d" run --until host; then fail "$d: run succeeded"; fi
        assert_contains "$(cat "$d/out")" "$message" "$d: error message"
        [ ! -e "$d/root/etc/systemd/network" ] || fail "$d: a networkd file was written"
        [ ! -e "$d/root/$IFCFG" ] || fail "$d: an ifcfg file was written"
        assert_eq "" "$(changing_calls "$d")" "$d: changing calls"
}

d=$WORK/norenderer
case_dir "$d" network
printf 'ID=arch\n' >"$d/root/etc/os-release"
fail_case "$d" "/etc/os-release says ID=arch ID_LIKE=(none) (not CentOS/RHEL-like, which gets ifcfg files) and systemd-networkd is not installed (no /lib/systemd/system/systemd-networkd.service or /usr/lib/systemd/system/systemd-networkd.service)"
ok "no renderer: error naming what is missing"

d=$WORK/nomac
case_dir "$d" network
echo 52:54:00:00:00:01 >"$d/root/sys/class/net/eth0/address"
fail_case "$d" "network-config: no interface has MAC 52:54:00:fb:00:68"
ok "MAC not present: error"

d=$WORK/matchname
case_dir "$d"
cat >"$d/seed/network-config" <<'EOF'
version: 2
ethernets:
  eth0:
    match: {macaddress: "52:54:00:fb:00:68", name: eth0}
    addresses: [192.168.220.104/24]
EOF
mv "$d/root/sys/class/net/eth0" "$d/root/sys/class/net/ens3"
fail_case "$d" "network-config: the interface with MAC 52:54:00:fb:00:68 is ens3, not eth0 (match: {macaddress: ...} with set-name: eth0 renames it)"
ok "v2 matching a name and a MAC that another interface has: error"

d=$WORK/nametaken
case_dir "$d"
cat >"$d/seed/network-config" <<'EOF'
version: 2
ethernets:
  lan:
    match: {macaddress: "52:54:00:fb:00:68"}
    set-name: ens4
    addresses: [192.168.220.104/24]
EOF
mkdir -p "$d/root/sys/class/net/ens4"
echo 52:54:00:00:00:02 >"$d/root/sys/class/net/ens4/address"
fail_case "$d" "network-config: cannot rename eth0 (MAC 52:54:00:fb:00:68) to ens4: another interface has that name; set-name another name"
[ ! -e "$d/root/etc/sysconfig/network-scripts/ifcfg-ens4" ] || fail "nametaken: ifcfg-ens4 written"
ok "set-name to a name another interface has: error before any change"

d=$WORK/ipfails
case_dir "$d" network
echo 1:2 >"$d/bin/ip.exit" # the first ip call fails
if agent_run "$d" run --until host; then fail "ipfails: run succeeded"; fi
assert_contains "$(cat "$d/out")" "ip -o -4 addr show dev eth0 failed (exit status 2; see the agent log)" "ipfails"
ok "ip failing: the run stops with the command named"
