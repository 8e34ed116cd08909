#!/bin/bash
# The reference lab in real virtual machines (qemu; TCG where KVM does not work), booted as `make lab`
# boots it, from the Debian 12 test image (image/debian/build-test-image.sh): real systemd ordering, a
# real cidata device, real swap, a real docker start (the image leaves docker to the agent, which starts
# it once daemon.json is right), the agent installed by `make install`.
#
# Boot 1 (workers first, the master last; the server comes up 60 s after the first guest): master,
# node-1 and node-2 with the reference seeds; node-3 with another cluster's key. node-1 and node-2 power
# off once kube-firstboot.service is done (kernel flag kfb_lab.poweroff, test image only); the master,
# whose API server they join, and node-3, which never finishes, are powered off from their consoles
# afterwards. Checked from
# outside: the serial consoles (the test image's KFB-LAB report lines), the server's node list and
# access log, and each guest's disk after it stopped (debugfs on a raw copy; the journal with journalctl).
# node-2's power is cut in the middle of its host stage (while the agent starts docker with the new daemon.json:
# qemu's system_reset with -no-reboot, so whatever the guest had not written out is lost) and it is
# powered on again: the agent resumes and node-2 joins like the others.
# Boot 2: master, node-1 and node-2 again (nothing changes, fast) with a guest that has no seed at all
# (the unit fails clearly and the host is left as the image made it).
# Prints the figures: the lab's wall time, the unit's time per guest without kubeadm's and without
# waiting for the master, the agent's peak memory, and the same for the second boot.
#
# KUBERNETES=DIR (`make check-vm KUBERNETES=DIR [KUBERNETES_IMAGES=DIR2]`, as `make lab` takes them): the
# same boots and faults with a real Kubernetes release in the image instead of the stand-ins. node-1 and
# node-2 then stay up after their unit until the cluster is checked from the master's console: every
# node Ready with the release's kubelet, node-1's and node-2's kubelets bootstrapped with the master's
# published token (the user of every CSR for their node names), their CA the master's, no image pull
# attempted on any guest; then every guest is powered off from its console. What only the stand-in records
# (its call log, the configurations it keeps, its cluster state) is checked from what the real kubeadm wrote
# instead: the static pod manifests and the kubelet's flags. Under TCG on 2 host cores the master's API
# server is often slower than kubeadm's 10-second client timeouts while the workers join: the agent's join
# retries (until join_timeout) and its own CRI socket annotation carry them (docs/performance.md). Under
# TCG node-2 and node-3 then boot only once node-1 is done (vm_staggered; LAB_STAGGER=0 boots them with
# the others): four guests at once overload the control plane of a 2-core host beyond what retries carry.
# LAB_CNI=flannel|host-gw (default host-gw here, flannel in `make lab`): with host-gw, the CNI plugins run in
# the guests with the agent's configuration and two "pods" on different nodes ping each other through the
# routes the agent set; flannel's manifest with the stand-ins is only applied (recorded), which
# tests/integration/test-lab-netns.sh checks without guests.
LAB_CNI=${LAB_CNI:-host-gw}
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/image/lab-lib.sh"

[ "$(id -u)" = 0 ] || fail "needs root (network namespace, tap devices, debootstrap)"
for tool in qemu-system-x86_64 qemu-img debugfs cloud-localds curl journalctl sfdisk; do
        command -v "$tool" >/dev/null || fail "$tool missing (tools/install-deps.sh installs it)"
done
[ -x "$AGENT" ] || fail "no agent at $AGENT"

# ---- image, seeds, network ------------------------------------------------------------------------
REAL=${KUBERNETES:+1}
if [ -n "$REAL" ]; then
        IMAGE_OUT=$TOP/build/image-test-k8s
        bash "$TOP/image/debian/build-test-image.sh" --out "$IMAGE_OUT" --builddir "$BUILDDIR" --kubernetes "$KUBERNETES" \
                ${KUBERNETES_IMAGES:+--kubernetes-images "$KUBERNETES_IMAGES"} || fail "the test image did not build"
        WANT_KIND=debian12-k8s
        VM_BOOT_LIMIT=${VM_BOOT_LIMIT:-4500}
else
        IMAGE_OUT=$TOP/build/image-test
        bash "$TOP/image/debian/build-test-image.sh" --out "$IMAGE_OUT" --builddir "$BUILDDIR" ||
                fail "the test image did not build"
        WANT_KIND=debian12-test
fi
export LAB_IMAGE_ENV=$IMAGE_OUT/image.env
vm_setup "$WORK/lab" "kfbt$$" "$BUILDDIR"
vm_find_image
[ "$IMAGE_KIND" = "$WANT_KIND" ] || fail "the test needs the Debian test image $WANT_KIND, not $IMAGE_KIND"
# the seeds' Kubernetes version, and the kubelet the agent finds: the stand-in's 1.23.6, or the release's
K8S_VERSION=${IMAGE_K8S_VERSION:-v1.23.6}
# A private copy: another build may replace build/image-test while this test's overlays use it.
mkdir -p "$WORK/image"
cp --reflink=auto "$IMAGE_DIR/$IMAGE_DISK" "$IMAGE_DIR/$IMAGE_KERNEL" "$IMAGE_DIR/$IMAGE_INITRD" "$WORK/image/"
IMAGE_DIR=$WORK/image
vm_pick_accel
echo "image: $IMAGE_DESC; kube-firstboot.service from $IMAGE_UNIT_SOURCE"
echo "accel: $VM_ACCEL_WHY; $(vm_sizes)"

export LAB_CNI
vm_make_seeds "$WORK/seeds"
echo "seeds: $VM_SEED_SOURCE"
KEY=$(sed -n 's/^  cluster_key: *//p' "$WORK/seeds/master/user-data")
[ -n "$KEY" ] || fail "no cluster_key in the master's seed"
# node-3: another cluster's key; it must not join. It waits for a record that opens (up to its
# join_timeout); once it has said why the master's does not, the test powers it off from its console.
sed -i "s|^  cluster_key: .*|  cluster_key: \"$(head -c 32 /dev/urandom | base64)\"|" "$WORK/seeds/node-3/user-data"
cmp -s "$WORK/seeds/node-3/user-data" "$WORK/seeds/node-2/user-data" && fail "node-3 seed not edited"
vm_seed_iso "$WORK/seeds/node-3"

vm_cleanup() {
        for n in "${VM_NODES[@]}" noseed; do vm_guest_stop "$n"; done
        [ -z "${WATCH_PID:-}" ] || kill "$WATCH_PID" 2>/dev/null || true
        vm_server_stop
        vm_net_down
}
cleanup_hooks+=(vm_cleanup)
vm_net_up

# ---- boot 1 ---------------------------------------------------------------------------------------
LATE_FAILURES=()        # failures that do not stop the test, reported at its end
since() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", b - a }'; }
# node_field NAME FIELD: FIELD of NAME's last report in NODES_JSON (the server's node list)
node_field() { echo "$NODES_JSON" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d.get(sys.argv[1], {}).get(sys.argv[2], ""))' "$1" "$2"; }
CMDLINE_TEST="kfb_lab.poweroff"
# With a real release the workers' kubelets must run until the cluster is checked.
CMDLINE_BOOT1=$CMDLINE_TEST
[ -z "$REAL" ] || CMDLINE_BOOT1=""
T0=$(date +%s.%N)
declare -A INDEX=([master]=0 [node-1]=1 [node-2]=2 [node-3]=3 [noseed]=4)
# With a real release under TCG (vm_staggered), node-2 and node-3 boot once node-1 has joined: a real
# control plane there cannot serve several joins at once within kubeadm's client timeouts.
STAGGER=""
! vm_staggered || STAGGER=1
start_node2_node3() {
        vm_guest_start node-2 2 "$WORK/seeds/node-2" "$CMDLINE_BOOT1" -no-reboot \
                -monitor "unix:$VM_DIR/node-2/monitor.sock,server=on,wait=off"
        vm_guest_start node-3 3 "$WORK/seeds/node-3" "" -no-reboot
}
vm_guest_start node-1 1 "$WORK/seeds/node-1" "$CMDLINE_BOOT1" -no-reboot
[ -n "$STAGGER" ] || start_node2_node3
sleep 3
vm_guest_start master 0 "$WORK/seeds/master" "" -no-reboot
if [ -n "$STAGGER" ]; then
        ok "boot 1: node-1 started, then the master; node-2 and node-3 (wrong cluster key) wait for node-1 to join; no server yet"
else
        ok "boot 1: node-1, node-2, node-3 (wrong cluster key) started, then the master; no server yet"
fi

# The power cut, in the background: when node-2's console says the agent restarts (or starts) docker,
# a reset from qemu's monitor ends the guest at once; then the first boot's state is read from its disk
# and node-2 is powered on again.
power_cut_node2() {
        local i
        for ((i = 0; i < ${VM_BOOT_LIMIT:-1200}; i++)); do
                tr -d '\r' <"$VM_DIR/node-2/console.log" 2>/dev/null | grep -qE 'docker: (re)?start docker\.service' && break
                vm_guest_running node-2 || { echo "node-2 stopped before its agent reached docker" >"$WORK/cut.err"; return 1; }
                sleep 0.2
        done
        python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"system_reset\n")
time.sleep(1)
s.close()' "$VM_DIR/node-2/monitor.sock" || { echo "no monitor" >"$WORK/cut.err"; return 1; }
        date +%s.%N >"$WORK/cut.time"
        vm_guests_wait_exit 600 node-2 || { echo "node-2 still running after system_reset" >"$WORK/cut.err"; return 1; }
        qemu-img convert -f qcow2 -O raw "$VM_DIR/node-2/disk.qcow2" "$WORK/node-2-cut.raw"
        # what the guest's kernel does at the next mount: replay ext4's journal (the agent's fsync'd writes
        # may be in it only); debugfs alone reads the file system as its last checkpoint left it
        e2fsck -E journal_only -y "$WORK/node-2-cut.raw?offset=1048576" >"$WORK/cut-fsck.log" 2>&1 || true
        vm_guest_start node-2 2 "$WORK/seeds/node-2" "$CMDLINE_BOOT1" -no-reboot
}
start_power_cut() {
        power_cut_node2 >"$WORK/cut.log" 2>&1 &
        CUT_PID=$!
}
[ -n "$STAGGER" ] || start_power_cut

# The server 60 s late; meanwhile and afterwards, what the server shows, once a second (the timeline).
sleep $((60 - 3))
early=(master node-1 node-3)
[ -z "$STAGGER" ] || early=(master node-1)
for n in "${early[@]}"; do vm_guest_running "$n" || fail "$n stopped before the server came up"; done
vm_server_start "$WORK/seeds"
T_SERVER=$(date +%s.%N)
ok "server up $(since "$T0" "$T_SERVER") s after the first guest"
(
        while sleep 1; do
                printf '%s ' "$(date +%s.%N)"
                vm_nodes_json | tr -d '\n'
                echo
        done
) >"$WORK/timeline" 2>/dev/null &
WATCH_PID=$!

if [ -n "$STAGGER" ]; then
        # a bound that only catches a node-1 that never gets there
        vm_wait_settled node-1 "${VM_BOOT_LIMIT:-1200}" || fail "node-1 did not settle: $(vm_console_text node-1 | tail -n 20)"
        NODES_JSON=$(vm_nodes_json)
        assert_eq "done" "$(node_field node-1 stage)" "node-1's stage on the server before node-2 and node-3 boot"
        T_WAVE2=$(date +%s.%N)
        start_node2_node3
        start_power_cut
        ok "node-1 done $(since "$T0" "$T_WAVE2") s after the first guest; node-2 and node-3 started"
fi
wait "$CUT_PID" || fail "node-2's power cut: $(cat "$WORK/cut.err" "$WORK/cut.log" 2>/dev/null)"
cut_dbg() { debugfs -R "cat $1" "$WORK/node-2-cut.raw?offset=1048576" 2>/dev/null || true; }
cut_stages=$(cut_dbg "/var/lib/kube-firstboot/$(cut_dbg /var/lib/kube-firstboot/instance)/stages" | cut -d' ' -f1 | paste -sd' ')
# the seed stage was recorded (and synced) before the cut, the host stage had not ended
assert_eq "seed" "$cut_stages" "node-2: stages on its disk after the power cut"
rm -f "$WORK/node-2-cut.raw"
ok "node-2: power cut $(since "$T0" "$(cat "$WORK/cut.time")") s after the first guest, while docker started; stages on its disk then: '$cut_stages'; powered on again"
# node-1 and node-2 power off by themselves when their unit is done; then the master, from its console,
# once it has reported; node-3 keeps waiting for a record that opens until it has said why this one
# does not, and is powered off from its console too.
# real_cluster_checks: with a real release, from the master's console while every guest runs.
real_cluster_checks() {
        local out n token_id csrs other end
        # the nodes are Ready once their kubelets have registered and seen the CNI configuration: a bound
        # that only catches a cluster that never gets there
        end=$(($(date +%s) + 1800))
        while :; do
                out=$(vm_guest_exec master 600 "/usr/libexec/kfb-lab-report nodes" || true)
                [ "$(echo "$out" | grep -c '^KFB-LAB node .* True ')" -ge 3 ] && break
                [ "$(date +%s)" -lt "$end" ] || break
                sleep 10
        done
        echo "$out" | grep -v '^KFB-LAB '
        T_READY=$(date +%s.%N)
        for n in master node-1 node-2; do
                echo "$out" | grep -q "^KFB-LAB node $n True $K8S_VERSION since " ||
                        fail "$n: not Ready with kubelet $K8S_VERSION: $(echo "$out" | grep "^KFB-LAB node $n " || echo absent)"
        done
        echo "$out" | grep -q '^KFB-LAB node node-3 ' && fail "node-3 is a node of the cluster"
        token_id=$(vm_guest_exec master 120 'cut -c1-6 "/var/lib/kube-firstboot/$(cat /var/lib/kube-firstboot/instance)/token"' | tail -n 1)
        [[ "$token_id" =~ ^[a-z0-9]{6}$ ]] || fail "master: no token id in its state: $token_id"
        # every CSR sent with a bootstrap token: who sent it and for which node. A join that failed after
        # the kubelet's TLS bootstrap and was retried sends another CSR, with the same token.
        csrs=$(vm_guest_exec master 600 "/usr/libexec/kfb-lab-report csrs" | grep '^KFB-LAB csr ' || true)
        echo "$csrs" | sed 's/^KFB-LAB csr /CSR /'
        for n in node-1 node-2; do
                echo "$csrs" | awk -v u="system:bootstrap:$token_id" -v cn="system:node:$n" '$4 == u && $5 == cn { f = 1 } END { exit !f }' ||
                        fail "$n: its kubelet sent no CSR with the published token $token_id"
        done
        other=$(echo "$csrs" | awk -v u="system:bootstrap:$token_id" '$4 ~ /^system:bootstrap:/ && $4 != u || $5 == "system:node:node-3"')
        [ -z "$other" ] || fail "CSRs with another token, or for node-3: $other"
        for n in master node-1 node-2; do
                out=$(vm_guest_exec "$n" 600 "/usr/libexec/kfb-lab-report pulls 2>&1" || true)
                assert_eq 0 "$(echo "$out" | sed -n 's/^KFB-LAB pulls //p' | tail -n 1)" "$n: image pulls attempted: $out"
        done
        ok "real cluster: master, node-1, node-2 Ready with kubelet $K8S_VERSION; node-1 and node-2 bootstrapped with the master's token $token_id; no image pull attempted"
}
# hostgw_line NAME PATTERN: waits for a "KFB-HOSTGW ..." line matching PATTERN on NAME's console, prints it.
hostgw_line() {
        local line
        for _ in $(seq 1 "${VM_BOOT_LIMIT:-1200}"); do
                line=$(vm_console_text "$1" | grep -E "^KFB-HOSTGW ($2)" | tail -n 1 || true)
                [ -n "$line" ] && { echo "$line"; return 0; }
                sleep 1
        done
        vm_console_text "$1" | tail -n 20 >&2
        fail "$1: no KFB-HOSTGW line matching $2"
}

# real_busybox_check: with a real release and host-gw, the pod network with real pods: a busybox pod (the
# image made on each node from Debian's busybox-static with `docker import`, never pulled) on node-1 and one
# on node-2 (HOSTGW_BUSYBOX_NODES; node-3 never joins here), scheduled there by name, and the first pings the
# second by its pod address, across the nodes' routes.
real_busybox_check() {
        local bb_a bb_b n console_line=""
        read -r bb_a bb_b <<<"${HOSTGW_BUSYBOX_NODES:-node-1 node-2}"
        for n in "$bb_a" "$bb_b"; do
                vm_guest_running "$n" || fail "the busybox check needs $n up and joined (HOSTGW_BUSYBOX_NODES)"
                vm_console_type "$n" "/usr/libexec/kfb-lab-hostgw busybox-image"
                hostgw_line "$n" "busybox-image ok|error" | grep -q 'busybox-image ok' || fail "$n: no busybox image"
        done
        vm_console_type master "/usr/libexec/kfb-lab-hostgw busybox-ping $bb_a $bb_b"
        console_line=$(hostgw_line master "busybox-ping|error")
        [[ "$console_line" == "KFB-HOSTGW busybox-ping $bb_a 10.244."*" $bb_b 10.244."*" ok" ]] ||
                fail "busybox pods: $console_line"
        ok "host-gw with a real release: ${console_line#KFB-HOSTGW busybox-ping }"
}
if [ -n "$REAL" ]; then
        for _ in $(seq 1 "$VM_BOOT_LIMIT"); do
                grep -q "KFB-LAB end node-1" "$VM_DIR/node-1/console.log" && grep -q "KFB-LAB end node-2" "$VM_DIR/node-2/console.log" &&
                        grep -q "KFB-LAB end master" "$VM_DIR/master/console.log" && break
                sleep 1
        done
        T_END=$(date +%s.%N)
        real_cluster_checks
        [ "$LAB_CNI" != host-gw ] || real_busybox_check
        vm_console_type node-1 "systemctl poweroff"
        vm_console_type node-2 "systemctl poweroff"
elif ! vm_guests_wait_exit "${VM_BOOT_LIMIT:-1200}" node-1 node-2; then
        for n in "${VM_NODES[@]}"; do echo "== $n"; tail -n 15 "$VM_DIR/$n/console.log"; done
        fail "boot 1: node-1 and node-2 still running"
fi
[ -n "$REAL" ] || T_END=$(date +%s.%N)
# events awaited with bounds that only catch a guest that never gets there (TCG on a loaded machine is slow)
for _ in $(seq 1 1200); do grep -q "KFB-LAB end master" "$VM_DIR/master/console.log" && break; sleep 1; done
vm_guest_running node-3 || fail "node-3 stopped: it should still be waiting for a record that opens"
for _ in $(seq 1 1200); do grep -q 'join record at .* rejected' "$VM_DIR/node-3/console.log" && break; sleep 1; done

# host-gw without a kubelet: on the master and on node-3 (its cni step ran before it began to wait) a
# network namespace stands in for a pod, the CNI plugins run into it as the kubelet would run them with the
# agent's conflist (image/debian/kfb-lab-hostgw), and each "pod" pings the other by its pod address,
# through the routes the agent set.
if [ "$LAB_CNI" = host-gw ]; then
        vm_console_type master "/usr/libexec/kfb-lab-hostgw add pod-a"
        vm_console_type node-3 "/usr/libexec/kfb-lab-hostgw add pod-b"
        pod_a=$(hostgw_line master "pod pod-a |error" | awk '{ print $4 }')
        pod_b=$(hostgw_line node-3 "pod pod-b |error" | awk '{ print $4 }')
        [[ "$pod_a" == 10.244.0.* ]] || fail "master's pod has $pod_a, not an address of the master's 10.244.0.0/24"
        [[ "$pod_b" == 10.244.3.* ]] || fail "node-3's pod has $pod_b, not an address of node-3's 10.244.3.0/24"
        vm_console_type master "/usr/libexec/kfb-lab-hostgw ping pod-a $pod_b"
        vm_console_type node-3 "/usr/libexec/kfb-lab-hostgw ping pod-b $pod_a"
        assert_eq "KFB-HOSTGW ping pod-a $pod_b ok" "$(hostgw_line master "ping pod-a ")" "master's pod pings node-3's"
        assert_eq "KFB-HOSTGW ping pod-b $pod_a ok" "$(hostgw_line node-3 "ping pod-b ")" "node-3's pod pings the master's"
        ok "host-gw: a pod on the master ($pod_a) and one on node-3 ($pod_b), set up by the CNI plugins with the agent's conflist, ping each other"
fi
vm_console_type master "systemctl poweroff"
vm_console_type node-3 "systemctl poweroff"
vm_guests_wait_exit 600 master node-3 node-1 node-2 || fail "master, node-1, node-2 or node-3 did not power off"
kill "$WATCH_PID" 2>/dev/null || true
wait "$WATCH_PID" 2>/dev/null || true
WATCH_PID=

# ---- looking at boot 1 from outside ---------------------------------------------------------------
# (|| true: `console X | grep -q` closes the pipe early, and tr's SIGPIPE would fail the pipeline)
console() { vm_console_text "$1"; }
# report NAME KEY: the value part of the last "KFB-LAB KEY ..." line of NAME's console
report() { console "$1" | sed -n "s/^.*KFB-LAB $2 //p" | tail -n 1; }
raw_copy() { qemu-img convert -f qcow2 -O raw "$VM_DIR/$1/disk.qcow2" "$WORK/$1.raw"; }
# dbg NAME 'debugfs command': on the root partition (1 MiB into the disk) of NAME's raw copy
dbg() { debugfs -R "$2" "$WORK/$1.raw?offset=1048576" 2>/dev/null || true; }
cat_file() { dbg "$1" "cat $2"; }
exists() { dbg "$1" "stat $2" | grep -q '^Inode:'; }

NODES_JSON=$(vm_nodes_json)

for n in master node-1 node-2; do
        console "$n" | grep -q "KFB-LAB end $n\$" || { console "$n" | tail -n 30; fail "$n: no report on its console"; }
done
for n in "${VM_NODES[@]}"; do raw_copy "$n"; done
ok "node-1, node-2 powered off after their unit (with a real release: from their consoles), master and node-3 from their consoles; consoles and disks read"

IMAGE_SECTORS=$((IMAGE_ROOT_MB * 2048))
for n in master node-1 node-2; do
        report "$n" unit | grep -q 'Result=success' || { console "$n" | grep -v 'KFB-LAB' | tail -n 30; fail "$n: unit did not succeed: $(report "$n" unit)"; }
        assert_eq "$n etc-hostname $n" "$(report "$n" hostname)" "$n: hostname (uname and /etc/hostname)"
        assert_eq "present" "$(report "$n" sentinel)" "$n: success sentinel"
        assert_eq "0" "$(report "$n" swaps)" "$n: active swaps"
        for s in net/bridge/bridge-nf-call-iptables net/bridge/bridge-nf-call-ip6tables net/ipv4/ip_forward; do
                report "$n" sysctl | grep -q . || fail "$n: no sysctl report"
                console "$n" | grep -q "KFB-LAB sysctl $s 1\$" || fail "$n: $s is not 1"
        done
        assert_eq "br_netfilter,overlay" "$(report "$n" modules)" "$n: kernel modules loaded"
        # docker runs with the systemd driver, and was started after the agent wrote daemon.json, not before:
        # the image leaves it disabled (no restart on the first boot)
        read -r state _ driver _ started _ mtime <<<"$(report "$n" docker)"
        assert_eq "active systemd" "$state $driver" "$n: docker state and cgroup driver"
        [ "$started" -ge "$mtime" ] || fail "$n: docker started at $started, before daemon.json ($mtime)"
        assert_eq "enabled" "$(report "$n" kubelet | cut -d' ' -f1)" "$n: kubelet enabled"
        # the root partition and filesystem grew to the overlay's size
        read -r _ disk _ part _ fs_mb <<<"$(report "$n" disk-sectors | sed 's/^/x /')"
        [ "$part" -gt $((disk - 4096)) ] && [ "$part" -gt "$IMAGE_SECTORS" ] ||
                fail "$n: partition $part sectors of $disk (image: $IMAGE_SECTORS)"
        [ "$fs_mb" -gt $((LAB_DISK_GB * 1024 * 9 / 10)) ] || fail "$n: root filesystem $fs_mb MB"
done
assert_eq "192.168.220.104/24" "$(report master address)" "master address"
assert_eq "192.168.220.105/24" "$(report node-1 address)" "node-1 address"
assert_eq "192.168.220.106/24" "$(report node-2 address)" "node-2 address"
for n in master node-1; do # (node-2's cut boot may have left anything half done)
        if console "$n" | grep -q 'docker: restart docker\.service'; then fail "$n: docker was restarted on its first boot"; fi
        console "$n" | grep -q 'docker: start docker\.service' || fail "$n: the agent did not start docker"
done
ok "master, node-1, node-2: hostnames, addresses, swap off, sysctls, modules, docker (systemd driver, started once by the agent), kubelet, sentinel, root grown"

# The control plane is as large as kubeadm's preflight wants it (the stand-in kubeadm in the guest counts
# the guest's CPUs and memory, as the real one does), and the agent checked it and the kubelet first.
read -r _ cpus _ mem <<<"$(report master machine)"
[ "${cpus:-0}" -ge 2 ] && [ "${mem:-0}" -ge 1700 ] ||
        fail "master: ${cpus:-?} CPUs and ${mem:-?} MB; kubeadm's preflight (NumCPU, Mem) wants 2 and 1700"
console master | grep -q "before any change: NumCPU ok: $cpus CPUs" || fail "master: the agent did not check its CPUs"
console master | grep -q "before any change: Mem ok: $mem MB of memory" || fail "master: the agent did not check its memory"
for n in master node-1 node-2; do
        console "$n" | grep -qF "before any change: kubelet ok: kubelet ${K8S_VERSION#v} (/usr/bin/kubelet) fits kubernetes.version $K8S_VERSION" ||
                fail "$n: the agent did not check the kubelet's version"
done
ok "master: $cpus CPUs and $mem MB, checked by the agent before any change (NumCPU, Mem); the kubelet checked on every node"

# node-3: did not join, and said why (on its console and in its journal).
console node-3 | grep -q 'join record at .* rejected: .*; waiting for a good one' ||
        fail "node-3: no word about the record that does not open"
exists node-3 /etc/kubernetes/kubelet.conf && fail "node-3 joined"
exists node-3 /var/lib/kubelet/config.yaml && fail "node-3 has a kubelet config"
ok "node-3 (another cluster's key) rejected the master's record, said why, did not join"

# From the disks: what the agent wrote, and what kubeadm was asked to do.
for n in master node-1 node-2; do
        addr=$(report "$n" address)
        assert_eq "$n" "$(cat_file "$n" /etc/hostname)" "$n: /etc/hostname on disk"
        hosts=$(cat_file "$n" /etc/hosts)
        for h in "192.168.220.104 master" "192.168.220.105 node-1" "192.168.220.106 node-2" "192.168.220.107 node-3"; do
                echo "$hosts" | grep -qE "^${h% *}[[:space:]]+${h#* }([[:space:]]|\$)" || fail "$n: /etc/hosts lacks $h"
        done
        echo "$hosts" | grep -q '^127.0.0.1[[:space:]]*localhost' || fail "$n: /etc/hosts lost localhost"
        network=$(dbg "$n" "ls -p /etc/systemd/network" | awk -F/ '$6 ~ /\.network$/ { print $6 }')
        [ -n "$network" ] || fail "$n: no .network file"
        cat_file "$n" "/etc/systemd/network/$network" | grep -qx "Address=$addr" || fail "$n: $network lacks Address=$addr"
        fstab=$(cat_file "$n" /etc/fstab)
        echo "$fstab" | grep -qE '^[^#]*[[:space:]]swap[[:space:]]' && fail "$n: an active swap line in fstab"
        echo "$fstab" | grep -qE '^#.*/swapfile' || fail "$n: swap line not commented out in fstab"
        echo "$fstab" | grep -q '^UUID=.*[[:space:]]/[[:space:]]' || fail "$n: fstab lost the root line"
        sysctl_files=$(dbg "$n" "ls -p /etc/sysctl.d" | awk -F/ '$6 ~ /\.conf$/ { print $6 }')
        found=""
        for f in $sysctl_files; do cat_file "$n" "/etc/sysctl.d/$f" | grep -qE '^net.bridge.bridge-nf-call-iptables *= *1' && found=$f; done
        [ -n "$found" ] || fail "$n: no sysctl.d file with net.bridge.bridge-nf-call-iptables = 1"
        found=""
        for f in $(dbg "$n" "ls -p /etc/modules-load.d" | awk -F/ '$6 ~ /\.conf$/ { print $6 }'); do
                m=$(cat_file "$n" "/etc/modules-load.d/$f")
                echo "$m" | grep -qx br_netfilter && echo "$m" | grep -qx overlay && found=$f
        done
        [ -n "$found" ] || fail "$n: no modules-load.d file with br_netfilter and overlay"
        cat_file "$n" /etc/docker/daemon.json | grep -q '"native.cgroupdriver=systemd"' || fail "$n: daemon.json"
        stages=$(cat_file "$n" "/var/lib/kube-firstboot/$(cat_file "$n" /var/lib/kube-firstboot/instance)/stages" | cut -d' ' -f1 | paste -sd' ')
        assert_eq "seed host role" "$stages" "$n: stages recorded"
done
ok "on disk: /etc/hostname, /etc/hosts block, .network with the static address, swap commented out, sysctl.d, modules-load.d, daemon.json, stages"

# With a real release: what kubeadm made of the seed's settings, and the workers' CA the master's (their
# token: real_cluster_checks; their CA pin was checked by kubeadm join itself).
real_disk_checks() {
        local m flags
        m=$(cat_file master /etc/kubernetes/manifests/kube-apiserver.yaml)
        for want in "--advertise-address=192.168.220.104" "--service-cluster-ip-range=10.1.0.0/16" \
                "image: k8s.gcr.io/kube-apiserver:$K8S_VERSION"; do
                assert_contains "$m" "$want" "master: kube-apiserver.yaml"
        done
        assert_contains "$(cat_file master /etc/kubernetes/manifests/kube-controller-manager.yaml)" "--cluster-cidr=10.244.0.0/16" \
                "master: kube-controller-manager.yaml"
        if vm_tcg; then
                for c in kube-controller-manager kube-scheduler; do
                        assert_contains "$(cat_file master "/etc/kubernetes/manifests/$c.yaml")" "--leader-elect=false" "master: $c.yaml"
                done
        fi
        cat_file master /var/lib/kubelet/config.yaml | grep -q '^cgroupDriver: systemd$' || fail "master: kubelet config.yaml: cgroupDriver"
        cat_file master /etc/kubernetes/pki/ca.crt >"$WORK/ca.crt"
        for n in master node-1 node-2; do
                flags=$(cat_file "$n" /var/lib/kubelet/kubeadm-flags.env)
                assert_contains "$flags" "--node-ip=$(report "$n" address | cut -d/ -f1)" "$n: kubeadm-flags.env"
                assert_contains "$flags" "--pod-infra-container-image=k8s.gcr.io/pause:3.6" "$n: kubeadm-flags.env"
                [ "$n" = master ] && continue
                cat_file "$n" /etc/kubernetes/pki/ca.crt | cmp -s - "$WORK/ca.crt" || fail "$n: CA differs from the master's"
                exists "$n" /etc/kubernetes/kubelet.conf || fail "$n: no kubelet.conf"
        done
        ok "kubeadm's files: the seed's addresses, CIDRs, image tags, leader election off under TCG; node-1 and node-2 hold the master's CA"
}
if [ -n "$REAL" ]; then
        real_disk_checks
else
# The master's init carried the seed's settings; the workers joined with its token and CA hash.
cat_file master /usr/bin/calls.log >"$WORK/master.calls"
# init in phases: each phase once, then the rest of init once (the kubelet stand-in served its healthz)
assert_eq 1 "$(grep -c '^kubeadm init --config .* --skip-phases=preflight,certs,kubeconfig,kubelet-start,control-plane,etcd$' \
        "$WORK/master.calls")" "master: kubeadm init calls"
for phase in preflight "certs all" "kubeconfig all" kubelet-start "control-plane all" "etcd local"; do
        assert_eq 1 "$(grep -c "^kubeadm init phase $phase --config " "$WORK/master.calls")" "master: kubeadm init phase $phase"
done
assert_eq 7 "$(grep -c '^kubeadm init ' "$WORK/master.calls")" "master: kubeadm init calls, phases included"
if [ "$LAB_CNI" = host-gw ]; then
        if grep -q 'kube-flannel' "$WORK/master.calls"; then fail "master: flannel applied with cni host-gw"; fi
        for n in master node-1 node-2; do
                exists "$n" /etc/cni/net.d/10-kube-firstboot-host-gw.conflist || fail "$n: no host-gw conflist"
                network=$(dbg "$n" "ls -p /etc/systemd/network" | awk -F/ '$6 ~ /\.network$/ { print $6 }')
                assert_eq 3 "$(cat_file "$n" "/etc/systemd/network/$network" | grep -c '^\[Route\]$')" "$n: pod subnet routes"
        done
else
        grep -q '^kubectl --kubeconfig /etc/kubernetes/admin.conf apply -f /run/kube-firstboot/kube-flannel.yml$' "$WORK/master.calls" ||
                fail "master: flannel not applied"
fi
init_cfg=$(dbg master "ls -p /usr/bin/kubeadm-configs" | awk -F/ '$6 ~ /-init\.yaml$/ { print $6 }' | tail -n 1)
cat_file master "/usr/bin/kubeadm-configs/$init_cfg" >"$WORK/init.yaml"
for want in 'advertiseAddress: "192.168.220.104"' 'kubernetesVersion: "v1.23.6"' \
        'imageRepository: "registry.aliyuncs.com/google_containers"' 'serviceSubnet: "10.1.0.0/16"' \
        'podSubnet: "10.244.0.0/16"' 'cgroupDriver: systemd' 'name: "master"'; do
        grep -qF "$want" "$WORK/init.yaml" || fail "init config lacks $want"
done
if [ "$LAB_CNI" = host-gw ]; then
        grep -qF 'allocate-node-cidrs: "false"' "$WORK/init.yaml" || fail "init config lets the controller manager allocate node CIDRs"
fi
instance=$(cat_file master /var/lib/kube-firstboot/instance)
token=$(cat_file master "/var/lib/kube-firstboot/$instance/token" | cut -d' ' -f1)
[[ "$token" =~ ^[a-z0-9]{6}\.[a-z0-9]{16}$ ]] || fail "master: no token in its state"
grep -qF "token: \"$token\"" "$WORK/init.yaml" || fail "init did not use the published token"
cat_file master /etc/kubernetes/pki/ca.crt >"$WORK/ca.crt"
pin=sha256:$(openssl x509 -pubkey -noout -in "$WORK/ca.crt" | openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1)
for n in node-1 node-2; do
        calls=$(cat_file "$n" /usr/bin/calls.log)
        assert_eq 1 "$(echo "$calls" | grep -c '^kubeadm join ')" "$n: kubeadm join calls"
        cfg=$(dbg "$n" "ls -p /usr/bin/kubeadm-configs" | awk -F/ '$6 ~ /-join\.yaml$/ { print $6 }' | tail -n 1)
        cat_file "$n" "/usr/bin/kubeadm-configs/$cfg" >"$WORK/$n-join.yaml"
        grep -qF "token: \"$token\"" "$WORK/$n-join.yaml" || fail "$n joined with another token"
        grep -qF -- "- \"$pin\"" "$WORK/$n-join.yaml" || fail "$n joined with another CA hash"
        grep -qF 'apiServerEndpoint: "192.168.220.104:6443"' "$WORK/$n-join.yaml" || fail "$n: wrong API server"
        cat_file "$n" /etc/kubernetes/pki/ca.crt | cmp -s - "$WORK/ca.crt" || fail "$n: CA differs from the master's"
        exists "$n" /etc/kubernetes/kubelet.conf || fail "$n: no kubelet.conf"
done
if cat_file node-3 /usr/bin/calls.log | grep -q '^kubeadm join'; then fail "node-3 ran kubeadm join"; fi
nodes=$(cat_file master /var/lib/kubeadm-standin/cluster.json | python3 -c 'import json, sys
print(" ".join(sorted(n["name"] for n in json.load(sys.stdin)["nodes"])))')
assert_eq "master node-1 node-2" "$nodes" "nodes in the master's cluster state"
ok "init with the seed's settings; node-1 and node-2 joined over the lab network with the master's token and CA hash"
fi

# What the server saw: final reports, and every node's progress on the way.
for n in master node-1 node-2; do
        assert_eq "done done" "$(node_field "$n" stage) $(node_field "$n" status)" "$n: last report"
        # master: init, cni, publish, done at least; a worker: wait-record, join, done (earlier reports
        # go out before the node has its address, and are lost)
        puts=$(grep -c "method=PUT path=/v1/clusters/lab/nodes/$n status=20[14]" "$VM_DIR/server.log" || true)
        [ "$puts" -ge 3 ] || fail "$n: only $puts progress reports accepted"
        # Every report must be one the server takes; found out only now, so the rest still runs.
        refused=$(grep "method=PUT path=/v1/clusters/lab/nodes/$n status=4" "$VM_DIR/server.log" || true)
        [ -z "$refused" ] || LATE_FAILURES+=("$n: the server refused progress reports: $refused")
done
assert_eq "" "$(node_field node-3 stage)" "node-3 has no report (its bearer comes from the wrong key)"
grep -q "method=PUT path=/v1/clusters/lab/nodes/node-3 status=401" "$VM_DIR/server.log" ||
        fail "node-3's reports were not refused"
grep -q "method=PUT path=/v1/clusters/lab/join status=201" "$VM_DIR/server.log" || fail "no join record published"
seen=$(python3 -c '
import json, sys
seen = {}
for line in open(sys.argv[1]):
        try:
                t, j = line.split(" ", 1)
                d = json.loads(j)
        except ValueError:
                continue
        for n, r in d.items():
                s = "%s/%s" % (r.get("stage"), r.get("status"))
                if seen.setdefault(n, [])[-1:] != [s]:
                        seen[n].append(s)
for n in sorted(seen):
        print(n, " ".join(seen[n]))' "$WORK/timeline")
echo "stages the server showed (sampled every second):"
echo "$seen" | sed 's/^/    /'
echo "$seen" | grep -q '^master .*done/done$' || fail "master: the server never showed done"
ok "server: every node's progress accepted, done for master, node-1, node-2; node-3's refused (401)"

# ---- figures, boot 1 ------------------------------------------------------------------------------
all_done=$(python3 -c '
import json, sys
t0 = float(sys.argv[2])
for line in open(sys.argv[1]):
        t, j = line.split(" ", 1)
        try:
                d = json.loads(j)
        except ValueError:
                continue
        if all(d.get(n, {}).get("stage") == "done" for n in ("master", "node-1", "node-2")):
                print("%.0f" % (float(t) - t0))
                break' "$WORK/timeline" "$T0")
[ -n "$all_done" ] || fail "the timeline never showed master, node-1 and node-2 done"
figures() { # NAME BOOT: the unit's figures of NAME's BOOTth boot that ran it (from its journal)
        local n=$1 boot=$2 times rss
        rm -rf "$WORK/$n-journal"
        mkdir -p "$WORK/$n-journal"
        dbg "$n" "rdump /var/log/journal $WORK/$n-journal" >/dev/null
        # the Nth boot whose unit ended (node-2's cut boot, if its journal kept it at all, did not)
        times=$(python3 "$TOP/tests/lib/vm-unit-times.py" "$WORK/$n-journal/journal" | grep -v 'result=unfinished' |
                sed -n "${boot}p")
        [ -n "$times" ] || fail "$n: no boot $boot of kube-firstboot.service in its journal"
        rss=$(report "$n" agent-vmhwm-kb)
        printf '    %-7s %s agent-peak-rss=%s KiB\n' "$n" "$times" "${rss:--}"
}
END_WORDS="powered off after"
[ -z "$REAL" ] || END_WORDS="their units ended (they stay up for the cluster checks) by"
{
        echo "FIGURES boot 1 ($VM_ACCEL_WHY): server up after $(since "$T0" "$T_SERVER") s;" \
                "master, node-1, node-2 done $all_done s after the first qemu started; node-1 and node-2" \
                "$END_WORDS $(since "$T0" "$T_END") s${REAL:+; the three nodes Ready by $(since "$T0" "$T_READY") s}${STAGGER:+; node-2 and node-3 started at $(since "$T0" "$T_WAVE2") s, once node-1 was done}"
        for n in "${VM_NODES[@]}"; do figures "$n" 1; done
} | tee "$WORK/figures"

# ---- boot 2: the same guests again, and one with no seed -------------------------------------------
# What the agent manages, file by file with mtimes, before the second boot.
KUBELET_STATE=/var/lib/kubelet
[ -z "$REAL" ] || KUBELET_STATE=
managed_snapshot() {
        local n=$1 out=$2 p
        rm -rf "$out"
        mkdir -p "$out"
        # (a real kubelet rewrites its own state in /var/lib/kubelet at every start: not the agent's)
        for p in /etc/hostname /etc/hosts /etc/fstab /etc/systemd/network /etc/sysctl.d /etc/modules-load.d \
                /etc/docker/daemon.json /etc/kubernetes /var/lib/kube-firstboot $KUBELET_STATE /root/.kube \
                /root/.ssh /usr/bin/calls.log /usr/bin/kubeadm-configs; do
                mkdir -p "$out$(dirname "$p")"
                dbg "$n" "rdump $p $out$(dirname "$p")" >/dev/null
        done
        # Files with mode, size, mtime (rdump keeps it) and content; directories and links by name only
        # (rdump makes them anew).
        (cd "$out" && find . ! -type f -printf '%p %y\n' | sort &&
                find . -type f -printf '%p %m %s %T@ ' -exec sha256sum {} \; | cut -d' ' -f1-5 | sort)
}
for n in master node-1 node-2; do managed_snapshot "$n" "$WORK/$n-before" >"$WORK/$n-before.snap"; done
qemu-img convert -f qcow2 -O raw "$IMAGE_DIR/$IMAGE_DISK" "$WORK/image.raw"
IMAGE_FILES="/etc/hosts /etc/hostname /etc/fstab /etc/docker/daemon.json"
for f in $IMAGE_FILES; do dbg image "cat $f" >"$WORK/image$(echo "$f" | tr / _)"; done

T1=$(date +%s.%N)
for n in master node-1 node-2; do vm_guest_start "$n" "${INDEX[$n]}" "$WORK/seeds/$n" "$CMDLINE_TEST" -no-reboot; done
vm_guest_start noseed 4 - "$CMDLINE_TEST" -no-reboot
if ! vm_guests_wait_exit "${VM_BOOT_LIMIT:-600}" master node-1 node-2 noseed; then
        for n in master node-1 node-2 noseed; do echo "== $n"; tail -n 15 "$VM_DIR/$n/console.log"; done
        fail "boot 2: guests still running"
fi
T2=$(date +%s.%N)
for n in master node-1 node-2 noseed; do raw_copy "$n"; done

for n in master node-1 node-2; do
        report "$n" unit | grep -q 'Result=success' || fail "$n: second boot's unit did not succeed"
        console "$n" | grep -q 'was provisioned at .*: nothing to do' || fail "$n: second boot did not say nothing to do"
        managed_snapshot "$n" "$WORK/$n-after" >"$WORK/$n-after.snap"
        diff -u <(sed "s|$WORK/$n-before||" "$WORK/$n-before.snap") <(sed "s|$WORK/$n-after||" "$WORK/$n-after.snap") ||
                fail "$n: the second boot changed what the agent manages"
        assert_eq 0 "$(report "$n" swaps)" "$n: swaps after reboot"
        assert_eq "active systemd" "$(report "$n" docker | awk '{ print $1, $3 }')" "$n: docker after reboot"
done
ok "second boot: nothing to do on master, node-1, node-2; no managed file changed; swap stays off"

# The guest with no seed: the unit fails, saying so; the host is as the image made it.
report noseed unit | grep -q 'Result=exit-code.*ExecMainStatus=3' || fail "noseed: unit did not fail with 3: $(report noseed unit)"
console noseed | grep -qi 'no seed' || { console noseed | grep -v 'KFB-LAB' | tail -n 20; fail "noseed: no clear message"; }
for f in $IMAGE_FILES; do
        cmp -s <(cat_file noseed "$f") "$WORK/image$(echo "$f" | tr / _)" || fail "noseed: $f changed"
done
exists noseed /var/lib/kube-firstboot/instance && fail "noseed: an instance recorded"
[ -z "$(dbg noseed "ls -p /etc/systemd/network" | awk -F/ '$6 ~ /\.network$/')" ] || fail "noseed: a .network file"
assert_eq 1 "$(report noseed swaps)" "noseed: swap still on"
assert_eq "debian-test etc-hostname debian-test" "$(report noseed hostname)" "noseed: hostname"
assert_eq "disabled inactive" "$(report noseed kubelet)" "noseed: kubelet"
assert_eq "$IMAGE_SECTORS" "$(report noseed disk-sectors | awk '{ print $3 }')" "noseed: root partition sectors"
ok "guest without a seed: kube-firstboot.service failed (exit 3) saying so; hostname, hosts, fstab, swap, docker, kubelet, root partition untouched"

{
        echo "FIGURES boot 2: all four powered off $(since "$T1" "$T2") s after qemu started"
        for n in master node-1 node-2; do figures "$n" 2; done
        figures noseed 1
} | tee -a "$WORK/figures"

if [ ${#LATE_FAILURES[@]} -gt 0 ]; then
        printf '%s\n' "${LATE_FAILURES[@]}" >&2
        fail "${#LATE_FAILURES[@]} check(s) failed along the way (above)"
fi
ok "the VM lab behaved"
