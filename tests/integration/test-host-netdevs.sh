#!/bin/bash
# The network step with bonds, bridges and VLANs: the files of each renderer (ifcfg on CentOS, .netdev and
# .network for systemd-networkd), the devices made now with ip(8) (created, members added, addresses),
# and a second run that changes nothing. A member the host does not have is refused before any change.
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/host-steps.sh"
. "$TOP/tests/lib/host-cases.sh"

NS=etc/sysconfig/network-scripts
ND=etc/systemd/network

net_calls() { calls "$1" '^(ip |systemctl [a-z-]+ (network|systemd-networkd)$)'; }
changing_calls() { net_calls "$1" | grep -vE '^(ip (-o (-4 )?)?(addr|link|route) show|systemctl is-)' || true; }

# second_eth D: the host has eth1 too, a physical interface like eth0.
second_eth() {
        mkdir -p "$1/root/sys/class/net/eth1/device"
        echo 52:54:00:fb:00:69 >"$1/root/sys/class/net/eth1/address"
        echo 0x1af4 >"$1/root/sys/class/net/eth1/device/vendor"
}

# networkd_host D: a Debian host whose network systemd-networkd owns.
networkd_host() {
        printf 'ID=debian\n' >"$1/root/etc/os-release"
        mkdir -p "$1/root/lib/systemd/system"
        touch "$1/root/lib/systemd/system/systemd-networkd.service"
        unit "$1" systemd-networkd enabled
}

second_run() {
        local d=$1
        rerun_same "$d"
        assert_eq "" "$(changing_calls "$d")" "$d: second run's changing calls"
        assert_eq "" "$(step_log "$d" network | grep -v '^unchanged: ' || true)" "$d: second run's network actions"
}

IFCFG_HEAD='# Written by kube-firstboot from the seed'"'"'s network-config. The whole file is rewritten on
# every run, so nothing of an earlier configuration (BOOTPROTO=dhcp, an old IPADDR) lingers.
# NM_CONTROLLED=no: the network service owns this interface, and NetworkManager, where
# installed, does not replace the static address with one of its own.'
ND_HEAD='# Written by kube-firstboot from the seed'"'"'s network-config; rewritten whole on every run.'

# ---- CentOS 7: a VLAN on a bond of eth0 and eth1 (network-config v1) ----------------------------------
d=$WORK/bond-vlan
case_dir "$d"
second_eth "$d"
cat >"$d/seed/network-config" <<'EOF'
version: 1
config:
  - type: physical
    name: eth0
  - type: physical
    name: eth1
  - type: bond
    name: bond0
    bond_interfaces: [eth0, eth1]
    params:
      bond-mode: active-backup
      bond-miimon: 100
      bond-primary: eth1
  - type: vlan
    name: bond0.200
    vlan_link: bond0
    vlan_id: 200
    subnets:
      - type: static
        address: 192.168.220.104/24
        gateway: 192.168.220.1
EOF
touch "$d/bin/state/ip.eth0.up"
run_host "$d"
assert_eq "$IFCFG_HEAD
DEVICE=eth1
TYPE=Ethernet
MASTER=bond0
SLAVE=yes
ONBOOT=yes
BOOTPROTO=none
NM_CONTROLLED=no" "$(cat "$d/root/$NS/ifcfg-eth1")" "bond-vlan: ifcfg-eth1"
assert_eq "$IFCFG_HEAD
DEVICE=bond0
TYPE=Bond
BONDING_MASTER=yes
BONDING_OPTS=\"mode=active-backup miimon=100 primary=eth1\"
ONBOOT=yes
BOOTPROTO=none
NM_CONTROLLED=no" "$(cat "$d/root/$NS/ifcfg-bond0")" "bond-vlan: ifcfg-bond0"
assert_eq "$IFCFG_HEAD
DEVICE=bond0.200
VLAN=yes
PHYSDEV=bond0
VLAN_ID=200
ONBOOT=yes
BOOTPROTO=none
IPADDR=192.168.220.104
PREFIX=24
GATEWAY=192.168.220.1
DEFROUTE=yes
NM_CONTROLLED=no" "$(cat "$d/root/$NS/ifcfg-bond0.200")" "bond-vlan: ifcfg-bond0.200"
assert_eq "MASTER=bond0" "$(grep MASTER "$d/root/$NS/ifcfg-eth0")" "bond-vlan: ifcfg-eth0"
assert_eq "ip link set eth1 up
ip link add bond0 type bond mode active-backup miimon 100 primary eth1
ip link set eth0 down
ip link set eth0 master bond0
ip link set eth0 up
ip link set eth1 down
ip link set eth1 master bond0
ip link set eth1 up
ip link set bond0 up
ip link add link bond0 name bond0.200 type vlan id 200
ip addr replace 192.168.220.104/24 dev bond0.200
ip link set bond0.200 up
ip route replace default via 192.168.220.1 dev bond0.200" "$(changing_calls "$d")" "bond-vlan: changing calls"
if [ ! -d "$d/root/sys/class/net/bond0/bonding" ] || [ ! -e "$d/root/proc/net/vlan/bond0.200" ]; then
        fail "bond-vlan: the stand-in made no bond0 or bond0.200"
fi
second_run "$d"
ok "CentOS: a VLAN on a bond: ifcfg files with MASTER/SLAVE, BONDING_OPTS, VLAN/PHYSDEV; bond, members and VLAN made now; second run changes nothing"

# ---- Debian with systemd-networkd: a bridge of eth0 and eth1 (network-config v2) ----------------------
d=$WORK/bridge-networkd
case_dir "$d"
second_eth "$d"
networkd_host "$d"
cat >"$d/seed/network-config" <<'EOF'
version: 2
ethernets:
  eth0: {}
  eth1: {}
bridges:
  br0:
    interfaces: [eth0, eth1]
    addresses: [192.168.220.104/24]
    gateway4: 192.168.220.1
    parameters:
      stp: false
      forward-delay: 4
      priority: 100
EOF
run_host "$d"
assert_eq "$ND_HEAD
[NetDev]
Name=br0
Kind=bridge

[Bridge]
STP=no
ForwardDelaySec=4s
Priority=100" "$(cat "$d/root/$ND/10-kube-firstboot-br0.netdev")" "bridge-networkd: .netdev"
assert_eq "$ND_HEAD
[Match]
Name=eth1

[Network]
Bridge=br0" "$(cat "$d/root/$ND/10-kube-firstboot-eth1.network")" "bridge-networkd: eth1's .network"
assert_eq "$ND_HEAD
[Match]
Name=br0

[Network]
Address=192.168.220.104/24
Gateway=192.168.220.1" "$(cat "$d/root/$ND/10-kube-firstboot-br0.network")" "bridge-networkd: br0's .network"
assert_eq "ip link set eth0 up
ip link set eth1 up
ip link add br0 type bridge stp_state 0 forward_delay 400 priority 100
ip link set eth0 master br0
ip link set eth0 up
ip link set eth1 master br0
ip link set eth1 up
ip addr replace 192.168.220.104/24 dev br0
ip link set br0 up
ip route replace default via 192.168.220.1 dev br0" "$(changing_calls "$d")" "bridge-networkd: changing calls"
second_run "$d"
ok "networkd: a bridge as .netdev [Bridge] and members' Bridge=; made now; second run changes nothing"

# ---- the same bridge on CentOS: STP, DELAY and BRIDGING_OPTS -------------------------------------------
d=$WORK/bridge-ifcfg
case_dir "$d"
second_eth "$d"
cp "$WORK/bridge-networkd/seed/network-config" "$d/seed/"
sed -i 's/      priority: 100/      priority: 100\n      hello-time: 1/' "$d/seed/network-config"
run_host "$d"
assert_eq "TYPE=Bridge
STP=off
DELAY=4
BRIDGING_OPTS=\"priority=100 hello_time=100\"" "$(grep -E '^(TYPE|STP|DELAY|BRIDGING_OPTS)=' "$d/root/$NS/ifcfg-br0")" "bridge-ifcfg: ifcfg-br0"
assert_eq "BRIDGE=br0" "$(grep BRIDGE= "$d/root/$NS/ifcfg-eth0")" "bridge-ifcfg: ifcfg-eth0"
second_run "$d"
ok "CentOS: a bridge's STP, DELAY and BRIDGING_OPTS (hundredths of a second)"

# ---- a bond with ARP monitoring (network-config v2): BONDING_OPTS, ip's options, the .netdev's [Bond] -----
d=$WORK/bond-arp
case_dir "$d"
second_eth "$d"
cat >"$d/seed/network-config" <<'EOF'
version: 2
ethernets:
  eth0: {}
  eth1: {}
bonds:
  bond0:
    interfaces: [eth0, eth1]
    addresses: [192.168.220.104/24]
    parameters:
      mode: active-backup
      arp-interval: 200
      arp-ip-targets: [192.168.220.1, 192.168.220.2]
      arp-validate: all
      arp-all-targets: all
      gratuitous-arp: 2
      fail-over-mac-policy: follow
      primary-reselect-policy: better
      all-slaves-active: true
      packets-per-slave: 3
      learn-packet-interval: 4
EOF
run_host "$d"
assert_eq "TYPE=Bond
BONDING_MASTER=yes
BONDING_OPTS=\"mode=active-backup arp_interval=200 arp_ip_target=192.168.220.1,192.168.220.2 arp_validate=all\
 arp_all_targets=all num_grat_arp=2 fail_over_mac=follow primary_reselect=better all_slaves_active=1\
 packets_per_slave=3 lp_interval=4\"" "$(grep -E '^(TYPE|BONDING_MASTER|BONDING_OPTS)=' "$d/root/$NS/ifcfg-bond0")" \
        "bond-arp: ifcfg-bond0"
assert_eq "ip link add bond0 type bond mode active-backup arp_interval 200 arp_ip_target 192.168.220.1,192.168.220.2\
 arp_validate all arp_all_targets all num_grat_arp 2 fail_over_mac follow primary_reselect better all_slaves_active 1\
 packets_per_slave 3 lp_interval 4" "$(changing_calls "$d" | grep '^ip link add')" "bond-arp: ip link add"
[ -d "$d/root/sys/class/net/bond0/bonding" ] || fail "bond-arp: the stand-in made no bond0"
second_run "$d"

d=$WORK/bond-arp-networkd
case_dir "$d"
second_eth "$d"
networkd_host "$d"
cp "$WORK/bond-arp/seed/network-config" "$d/seed/"
run_host "$d"
assert_eq "$ND_HEAD
[NetDev]
Name=bond0
Kind=bond

[Bond]
Mode=active-backup
ARPIntervalSec=200ms
ARPIPTargets=192.168.220.1 192.168.220.2
ARPValidate=all
ARPAllTargets=all
GratuitousARP=2
FailOverMACPolicy=follow
PrimaryReselectPolicy=better
AllSlavesActive=yes
PacketsPerSlave=3
LearnPacketIntervalSec=4" "$(cat "$d/root/$ND/10-kube-firstboot-bond0.netdev")" "bond-arp-networkd: .netdev"
second_run "$d"
ok "a bond's ARP monitoring and the options with it: BONDING_OPTS and ip (targets by commas), .netdev [Bond] (by spaces)"

# ---- refused before any change ------------------------------------------------------------------------
refused() { # D MESSAGE
        local d=$1 message=$2 before
        before=$(snapshot "$d")
        if agent_run "$d" run --until host; then fail "$d: run succeeded"; fi
        assert_contains "$(cat "$d/out")" "$message" "$d: error message"
        assert_tree_same "$before" "$(snapshot "$d")" "$d: the tree changed"
        assert_eq "" "$(changing_calls "$d")" "$d: changing calls"
}

d=$WORK/member-absent
case_dir "$d"
cp "$WORK/bond-vlan/seed/network-config" "$d/seed/"
refused "$d" "network-config: interface eth1 does not exist"
ok "a member the host does not have: refused before any change, naming it"

d=$WORK/not-a-bond
case_dir "$d"
second_eth "$d"
cp "$WORK/bond-vlan/seed/network-config" "$d/seed/"
mkdir -p "$d/root/sys/class/net/bond0"
echo 52:54:00:fb:00:70 >"$d/root/sys/class/net/bond0/address"
refused "$d" "network-config: bond0 is to be a bond, but an interface of that name that is not one exists"
ok "a name taken by an interface of another kind: refused before any change"
