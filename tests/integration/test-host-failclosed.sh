#!/bin/bash
# Fail closed on the host: what the steps need of the host (the interface network-config names, by MAC or
# by name, and its renderer's unit; docker.service and kubelet.service installed, docker not masked; the
# installed kubelet's version; an /etc/hosts whose managed block the step can find the end of; docker's
# daemon.json; root's .ssh; kubeadm, kubectl, the flannel manifest) is checked for every step before the
# first change. On a host that lacks any of it:
#  - plan lists every stage and step, the refused ones marked, and every problem; exits 1; never speaks
#    of recorded stages or resuming;
#  - run exits 1 naming every problem, its last line saying nothing was changed; the --root tree is byte
#    for byte what it was and no mutating command ran;
#  - once the host is mended, run goes through.
# Each problem alone is refused too: root's authorized_keys a symlink; the role stage's kubeadm (init,
# join) or kubectl and the flannel manifest (cni) missing; what the earlier host steps read or write
# (/etc/hostname a symlink, /proc/swaps or /etc/fstab unreadable, a module the kernel lacks, a sysctl key
# it lacks, /etc/modules-load.d or /etc/sysctl.d not a directory, /etc/selinux/config unreadable, a
# firewall-cmd that cannot list ports, a root filesystem that cannot be grown for want of resize2fs).
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/host-steps.sh"
[ -x "$AGENT" ] || fail "no agent at $AGENT"
SEED=$TOP/tests/data/cloud-init-corpus/base-v1-static/seed # node-1: eth0 by MAC 52:54:00:fb:00:69
ROLE_STEPS="images cni wait join done"                      # a worker's
MAC_OTHER="network-config: cannot rename eth1 (MAC 52:54:00:fb:00:69) to eth0: another interface has that name"
NO_MAC="network-config: no interface has MAC 52:54:00:fb:00:69"
NO_KUBELET_UNIT="kubelet.service does not exist: is kubelet installed?"
DOCKER_MASKED="docker.service is masked: unmask it"
KUBELET_OLD="kube_firstboot.kubernetes.version: v1.23.6 does not fit the installed kubelet 1.21.14"
HOSTS_HALF="\"# BEGIN kube-firstboot managed block: do not edit\" without a \"# END kube-firstboot\" line after it"
NO_NETWORK_UNIT="network.service does not exist, so nothing would apply the static address at boot"
DAEMON_JSON_BAD="/etc/docker/daemon.json:2:1: not valid JSON (unexpected end of data)"

# fc_case NAME: a fresh fixture tree R with its stand-ins B; eth0 keeps the fixture's own MAC.
fc_case() {
        R=$WORK/$1/root B=$WORK/$1/bin
        host_tree "$R"
        host_bin "$B" "$R"
}

# nic_fits: eth0 has the seed's MAC, as on the node the seed was made for.
nic_fits() {
        echo 52:54:00:fb:00:69 >"$R/sys/class/net/eth0/address"
}

# fc_agent STATUS NAME CMD [ARGS...]: the agent on R with B, in its own UTS and network namespace, must exit
# with STATUS; stdout in $WORK/NAME.CMD.out, stderr in $WORK/NAME.CMD.err.
fc_agent() {
        local want=$1 name=$2 cmd=$3
        shift 3
        KUBE_FIRSTBOOT_PATH=$B run_cmd -x "$want" -o "$WORK/$name.$cmd.out" -e "$WORK/$name.$cmd.err" -m "$name: $cmd" \
                unshare -un "$AGENT" --root "$R" --live --seed "$SEED" "$cmd" "$@"
}

# refused_on_host NAME PROBLEM...: plan and run refuse host NAME: both exit 1 and name every PROBLEM; plan
# lists every step of the host stage and the role stage's, without a word of recorded stages; run's last
# line says nothing was changed; the tree is unchanged and no mutating command ran.
refused_on_host() {
        local name=$1 before p step
        shift
        before=$(tree_snapshot "$R")
        : >"$B/calls.log"
        fc_agent 1 "$name" plan
        for p in "$@"; do
                grep -qF -- "$p" "$WORK/$name.plan.err" || { cat "$WORK/$name.plan.err" >&2; fail "$name: plan does not say [$p]"; }
        done
        for step in growroot hostname hosts network swap modules sysctl selinux firewall fence docker kubelet ssh \
                $ROLE_STEPS; do
                grep -qE "^  $step +(would|ok|REFUSED|left out) " "$WORK/$name.plan.out" ||
                        { cat "$WORK/$name.plan.out" >&2; fail "$name: plan does not list the step $step"; }
        done
        grep -qx 'run would refuse this host before any change (exit status 1).' "$WORK/$name.plan.out" ||
                fail "$name: plan's last word"
        if grep -qiE 'recorded|resume' "$WORK/$name.plan.out" "$WORK/$name.plan.err"; then
                fail "$name: plan speaks of recorded stages or resuming"
        fi
        fc_agent 1 "$name" run
        for p in "$@"; do
                grep -qF -- "$p" "$WORK/$name.run.err" || { cat "$WORK/$name.run.err" >&2; fail "$name: run does not say [$p]"; }
        done
        assert_eq "kube-firstboot: error: refused before any change; nothing was changed" \
                "$(tail -n 1 "$WORK/$name.run.err")" "$name: run's last line"
        assert_tree_same "$before" "$(tree_snapshot "$R")" "$name: plan or run changed the tree"
        assert_eq "" "$(mutating_calls "$B/calls.log")" "$name: plan or run ran mutating commands"
}

# ---- every problem at once, then mended ----------------------------------------------------------------
fc_case all
mkdir -p "$R/sys/class/net/eth1"
echo 52:54:00:fb:00:69 >"$R/sys/class/net/eth1/address" # the seed's MAC, on another interface than eth0
rm "$B/state/units/kubelet.service.installed"
touch "$B/state/units/docker.service.masked"
echo v1.21.14 >"$B/kubelet.version"
printf '%s\n' "# BEGIN kube-firstboot managed block: do not edit" "192.168.220.104 master" >>"$R/etc/hosts"
refused_on_host all "$MAC_OTHER" "$NO_KUBELET_UNIT" "$DOCKER_MASKED" "$KUBELET_OLD" "$HOSTS_HALF"
for step in hosts network docker kubelet; do
        grep -qE "^  $step +REFUSED this host cannot take the step" "$WORK/all.plan.out" ||
                { cat "$WORK/all.plan.out" >&2; fail "all: plan does not mark $step refused"; }
done
grep -qF "  kubelet    REFUSED kubelet 1.21.14 is too old for kubernetes.version v1.23.6" "$WORK/all.plan.out" ||
        fail "all: plan does not show the kubelet version refused"
ok "a host lacking five things: plan lists every step and all five problems, run refuses naming all, nothing changed"

# mend the host: run goes through the host stage and changes it
rm -r "$R/sys/class/net/eth1"
nic_fits
touch "$B/state/units/kubelet.service.installed"
rm "$B/state/units/docker.service.masked" "$B/kubelet.version"
head -n -2 "$R/etc/hosts" >"$WORK/hosts" && cat "$WORK/hosts" >"$R/etc/hosts"
fc_agent 0 mended plan
fc_agent 0 mended run --until host
grep -qx "node-1" "$R/etc/hostname" || fail "mended: run did not write /etc/hostname"
grep -qx "IPADDR=192.168.220.105" "$R/etc/sysconfig/network-scripts/ifcfg-eth0" || fail "mended: no ifcfg-eth0"
grep -qx "systemctl enable kubelet" "$B/calls.log" || fail "mended: kubelet not enabled"
ok "the mended host: plan exits 0, run goes through the host stage"

# ---- each kind of problem alone -----------------------------------------------------------------------
fc_case mac
mkdir -p "$R/sys/class/net/eth1"
echo 52:54:00:fb:00:69 >"$R/sys/class/net/eth1/address"
refused_on_host mac "$MAC_OTHER"
if grep -q "^  hostname   would" "$WORK/mac.plan.out"; then :; else fail "mac: plan does not list hostname's actions"; fi
ok "network-config's MAC on another interface: refused before /etc/hostname and /etc/hosts are written"

fc_case device # the MAC is on no interface at all, nor after udev has settled
refused_on_host device "$NO_MAC"
assert_eq 2 "$(grep -c '^udevadm settle --timeout=100$' "$B/calls.log")" "device: plan and run each wait once for udev"
grep -qF "network-config: interface with MAC 52:54:00:fb:00:69 is not there yet: waiting up to 100 s for udev" \
        "$WORK/device.run.err" || fail "device: run does not say it waits for udev"
ok "no interface with network-config's MAC, even once udev has settled: refused"

# A NIC whose driver udev loads late (a slow boot): not there when the agent starts, there once udev has
# handled its events. The agent waits for udev, then goes through.
fc_case late
rm -r "$R/sys/class/net/eth0"
mkdir -p "$B/state/udev-pending"
echo 52:54:00:fb:00:69 >"$B/state/udev-pending/eth0"
fc_agent 0 late run --until host
assert_eq "udevadm settle --timeout=100" "$(grep '^udevadm ' "$B/calls.log")" "late: the agent waits for udev once"
grep -qx "IPADDR=192.168.220.105" "$R/etc/sysconfig/network-scripts/ifcfg-eth0" || fail "late: no ifcfg-eth0"
fc_agent 0 late-again run --until host
assert_eq 1 "$(grep -c '^udevadm ' "$B/calls.log")" "late: a second run, the NIC there, does not wait"
ok "a NIC that appears only once udev has settled: the agent waits for udev, then configures it"

fc_case offline # --root without --live: a tree's devices appear for no one; never wait
rm -r "$R/sys/class/net/eth0"
KUBE_FIRSTBOOT_PATH=$B run_cmd -x 1 -o "$WORK/offline.out" -e "$WORK/offline.err" -m "offline: run" \
        unshare -un "$AGENT" --root "$R" --seed "$SEED" run --until host
grep -qF "$NO_MAC" "$WORK/offline.err" || fail "offline: run does not say [$NO_MAC]"
assert_eq "" "$(grep '^udevadm ' "$B/calls.log" || true)" "offline: udevadm ran for a tree"
ok "--root without --live: a missing interface is refused without waiting for udev"

fc_case unit
nic_fits
rm "$B/state/units/network.service.installed" "$B/state/units/network.service.enabled"
refused_on_host unit "$NO_NETWORK_UNIT"
ok "network.service missing (the ifcfg files' renderer): refused"

fc_case version
nic_fits
echo v1.21.14 >"$B/kubelet.version"
refused_on_host version "$KUBELET_OLD"
ok "an installed kubelet too old: refused, every stage listed"

fc_case daemonjson
nic_fits
mkdir -p "$R/etc/docker"
echo '{"exec-opts": [' >"$R/etc/docker/daemon.json"
rm "$B/state/units/docker.service.installed"
refused_on_host daemonjson "$DAEMON_JSON_BAD" "docker.service does not exist: is docker installed?"
ok "a daemon.json docker cannot read and no docker.service: both refused"

fc_case ssh
nic_fits
ln -sf /etc/passwd "$R/root/.ssh/authorized_keys"
refused_on_host ssh "$R/root/.ssh/authorized_keys: not a regular file (a symlink?), refusing to use it"
ok "root's authorized_keys a symlink: refused before any change"

fc_case join
nic_fits
rm "$B/kubeadm"
refused_on_host join "kubeadm: command not found on the search path (is it installed? the image or kickstart installs it): kubeadm join joins the cluster"
grep -qE "^  join +REFUSED " "$WORK/join.plan.out" || fail "join: plan does not mark the join step refused"
ok "a worker without kubeadm: refused before the host stage"

# ---- what the earlier host steps need of the host: each refused before the first change ---------------
# (a run that found these only at the step wrote /etc/hostname, /etc/hosts and ifcfg-eth0 first, and
# grew the disk before finding resize2fs missing)
fc_case hostname
nic_fits
ln -sf /etc/hostname.orig "$R/etc/hostname"
cp "$HOST_FIXTURES/root/etc/hostname" "$R/etc/hostname.orig"
refused_on_host hostname "$R/etc/hostname: not a regular file (a symlink), refusing to replace it"
grep -qE "^  hostname +REFUSED this host cannot take the step" "$WORK/hostname.plan.out" ||
        fail "hostname: plan does not mark the hostname step refused"
ok "/etc/hostname a symlink: refused before any change"

fc_case swaps
nic_fits
printf '%s\n' "Filename Type Size Used Priority" "swapfile file 1048572 0 -2" >"$R/proc/swaps"
refused_on_host swaps '/proc/swaps: unexpected line "swapfile"'
ok "a /proc/swaps line the swap step cannot read: refused before /etc/hostname is written"

fc_case fstab
nic_fits
rm "$R/etc/fstab" && mkdir "$R/etc/fstab"
refused_on_host fstab "$R/etc/fstab: cannot read"
ok "an /etc/fstab the swap step cannot read: refused"

fc_case modules
nic_fits
mkdir -p "$R/lib/modules/$(uname -r)"
echo "kernel/fs/overlayfs/overlay.ko.xz:" >"$R/lib/modules/$(uname -r)/modules.dep"
refused_on_host modules "br_netfilter: no such module for the running kernel $(uname -r) (neither loaded, built in, nor in"
ok "br_netfilter not among the running kernel's modules: refused before any change"

fc_case modulesdir
nic_fits
touch "$R/etc/modules-load.d"
refused_on_host modulesdir "$R/etc/modules-load.d: not a directory, so no file can be written in it"
ok "/etc/modules-load.d not a directory: refused"

fc_case sysctl
nic_fits
rm "$R/proc/sys/vm/swappiness" "$R/proc/sys/net/ipv4/ip_nonlocal_bind"
refused_on_host sysctl "sysctl vm.swappiness: /proc/sys/vm/swappiness does not exist" \
        "sysctl net.ipv4.ip_nonlocal_bind: /proc/sys/net/ipv4/ip_nonlocal_bind does not exist"
ok "two sysctl keys this kernel lacks: both named, refused before any change"

fc_case sysctldir
nic_fits
touch "$R/etc/sysctl.d"
refused_on_host sysctldir "$R/etc/sysctl.d: not a directory, so no file can be written in it"
ok "/etc/sysctl.d not a directory: refused"

fc_case selinux
nic_fits
rm "$R/etc/selinux/config" && mkdir "$R/etc/selinux/config"
refused_on_host selinux "$R/etc/selinux/config: cannot read"
ok "an /etc/selinux/config the selinux step cannot read: refused"

# firewall-cmd failing its first call (the firewall step's check), once in plan and once in run: the
# fence's own queries, later, are answered (they are its step's, not this one's)
fc_case firewall
nic_fits
FW_BAD="firewall-cmd --permanent --list-ports failed (exit status 1; see the agent log)"
before=$(tree_snapshot "$R")
echo 1:1 >"$B/firewall-cmd.exit"
fc_agent 1 firewall plan
grep -qF -- "$FW_BAD" "$WORK/firewall.plan.err" || { cat "$WORK/firewall.plan.err" >&2; fail "firewall: plan does not say why"; }
grep -qE "^  firewall +REFUSED this host cannot take the step" "$WORK/firewall.plan.out" ||
        { cat "$WORK/firewall.plan.out" >&2; fail "firewall: plan does not mark the firewall step refused"; }
rm "$B/firewall-cmd.count"
: >"$B/calls.log"
fc_agent 1 firewall run
grep -qF -- "$FW_BAD" "$WORK/firewall.run.err" || { cat "$WORK/firewall.run.err" >&2; fail "firewall: run does not say why"; }
assert_eq "kube-firstboot: error: refused before any change; nothing was changed" \
        "$(tail -n 1 "$WORK/firewall.run.err")" "firewall: run's last line"
assert_tree_same "$before" "$(tree_snapshot "$R")" "firewall: plan or run changed the tree"
assert_eq "" "$(mutating_calls "$B/calls.log")" "firewall: run ran mutating commands"
ok "a firewall-cmd that cannot list the ports: refused before any change"

# firewall-cmd failing the fence's query of firewalld's direct rules (host.firewall: keep, so that the
# firewall step asks nothing and the fence's query is the first call), once in plan and once in run: found
# by the fence's check, before the earlier steps change anything
fc_case fencequery
nic_fits
mkdir -p "$WORK/fencequery/seed"
cp "$SEED"/* "$WORK/fencequery/seed/"
sed -i 's/^    firewall: open$/    firewall: keep/' "$WORK/fencequery/seed/user-data"
grep -q '^    firewall: keep$' "$WORK/fencequery/seed/user-data" || fail "fencequery: the seed's host.firewall"
FENCE_BAD="firewall-cmd --permanent --direct --get-all-rules failed (exit status 1; see the agent log)"
before=$(tree_snapshot "$R")
echo 1:1 >"$B/firewall-cmd.exit"
SEED=$WORK/fencequery/seed fc_agent 1 fencequery plan
grep -qF -- "$FENCE_BAD" "$WORK/fencequery.plan.err" || { cat "$WORK/fencequery.plan.err" >&2; fail "fencequery: plan does not say why"; }
grep -qE "^  fence +REFUSED this host cannot take the step" "$WORK/fencequery.plan.out" ||
        { cat "$WORK/fencequery.plan.out" >&2; fail "fencequery: plan does not mark the fence step refused"; }
rm "$B/firewall-cmd.count"
: >"$B/calls.log"
SEED=$WORK/fencequery/seed fc_agent 1 fencequery run
grep -qF -- "$FENCE_BAD" "$WORK/fencequery.run.err" || { cat "$WORK/fencequery.run.err" >&2; fail "fencequery: run does not say why"; }
assert_eq "kube-firstboot: error: refused before any change; nothing was changed" \
        "$(tail -n 1 "$WORK/fencequery.run.err")" "fencequery: run's last line"
assert_eq "firewall-cmd --permanent --direct --get-all-rules" "$(grep '^firewall-cmd' "$B/calls.log")" \
        "fencequery: run's firewall-cmd calls"
assert_tree_same "$before" "$(tree_snapshot "$R")" "fencequery: plan or run changed the tree"
assert_eq "" "$(mutating_calls "$B/calls.log")" "fencequery: run ran mutating commands"
ok "a firewall-cmd that cannot list the direct rules: the fence's check refuses the host before any change"

# growroot: a root partition with room after it (a disk of 10 GiB, the partition 1 GiB), its ext4
# filesystem as big as the partition, and no resize2fs: growpart would grow the partition, and then the
# filesystem could not follow.
fc_case growroot
nic_fits
mkdir -p "$R/proc/self" "$R/sys/dev/block" "$R/sys/devices/virtual/block/vda/vda1" "$R/dev"
echo "36 1 253:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw,data=ordered" >"$R/proc/self/mountinfo"
ln -s ../../devices/virtual/block/vda/vda1 "$R/sys/dev/block/253:1"
printf 'MAJOR=253\nMINOR=0\nDEVNAME=vda\nDEVTYPE=disk\n' >"$R/sys/devices/virtual/block/vda/uevent"
echo 20971520 >"$R/sys/devices/virtual/block/vda/size"
printf 'MAJOR=253\nMINOR=1\nDEVNAME=vda1\nDEVTYPE=partition\n' >"$R/sys/devices/virtual/block/vda/vda1/uevent"
echo 1 >"$R/sys/devices/virtual/block/vda/vda1/partition"
echo 2048 >"$R/sys/devices/virtual/block/vda/vda1/start"
echo 2097152 >"$R/sys/devices/virtual/block/vda/vda1/size"
# the ext superblock at 1024: 262144 blocks (0x04) of 1024 << 2 bytes (0x18), its magic 0xef53 (0x38)
truncate -s 4096 "$R/dev/vda1" "$R/dev/vda"
printf '\x00\x00\x04\x00' | dd of="$R/dev/vda1" bs=1 seek=$((1024 + 4)) conv=notrunc status=none
printf '\x02\x00\x00\x00' | dd of="$R/dev/vda1" bs=1 seek=$((1024 + 24)) conv=notrunc status=none
printf '\x53\xef' | dd of="$R/dev/vda1" bs=1 seek=$((1024 + 56)) conv=notrunc status=none
rm "$B/resize2fs"
refused_on_host growroot "resize2fs: command not found on the search path (is e2fsprogs installed?)"
grep -qE "^  growroot +REFUSED this host cannot take the step" "$WORK/growroot.plan.out" ||
        fail "growroot: plan does not mark the growroot step refused"
# with resize2fs there, the step is planned as it was: the partition, then the filesystem
ln "$B/growpart" "$B/resize2fs"
fc_agent 0 growroot-mended plan
grep -qF "  growroot   would grow partition 1 of /dev/vda (growpart) (1024 MiB -> 10239 MiB)" "$WORK/growroot-mended.plan.out" ||
        { cat "$WORK/growroot-mended.plan.out" >&2; fail "growroot: plan does not grow the partition"; }
grep -qF "  growroot   would grow the ext4 filesystem on /dev/vda1 (resize2fs) (1024 MiB -> 10239 MiB)" \
        "$WORK/growroot-mended.plan.out" || fail "growroot: plan does not grow the filesystem"
ok "the root's filesystem could not be grown (no resize2fs): refused before growpart grows the partition"

# the control plane: the fixture's eth0 is the master's NIC
SEED=$HOST_FIXTURES/seeds/master ROLE_STEPS="images init kubeconfig cni publish done"
fc_case master
rm "$B/kubeadm" "$B/kubectl" "$R/usr/share/kube-firstboot/kube-flannel.yml.in"
refused_on_host master "kubeadm init sets up the control plane" "kubectl applies the flannel manifest" \
        "$R/usr/share/kube-firstboot/kube-flannel.yml.in: cannot read the flannel manifest: No such file or directory"
ok "a control plane without kubeadm, kubectl and the flannel manifest: all three refused"

# the fence needs the endpoint's address: a name this host cannot resolve (no network here)
SEED=$WORK/fence-seed ROLE_STEPS="images wait join done"
cp -r "$TOP/tests/data/cloud-init-corpus/base-v1-static/seed" "$SEED"
sed -i 's|^  endpoint: http://192.168.220.1:8780/$|  endpoint: http://metadata.lab.invalid:8780/|' "$SEED/user-data"
grep -q 'metadata.lab.invalid' "$SEED/user-data" || fail "fence: the seed's endpoint was not replaced"
fc_case fence
nic_fits
refused_on_host fence 'kube_firstboot.endpoint: cannot resolve "metadata.lab.invalid"'
ok "an endpoint the fence cannot resolve: refused before any change"
