#!/bin/bash
# SPDX-License-Identifier: MIT
# The four-VM reference lab (master, node-1..3), as `make lab` and `make lab-down` run it.
#
#   image/lab.sh up        build what is missing, boot the lab, wait until every node reports done or
#                          failed, print the status table; the lab keeps running
#   image/lab.sh status    the status table now
#   image/lab.sh console NODE   the guest's serial console (root logs in by itself on the test image;
#                          leave with Ctrl-])
#   image/lab.sh rearm NODE   let NODE fetch its user-data from the server once more (before it is
#                          reinstalled over PXE: the server sends it once per instance-id)
#   image/lab.sh down      stop the guests and the server, remove the namespace and the lab's state
#
# Runtime state lives in lab/ at the top of the tree (ignored by git). Environment: BUILDDIR (where the
# agent and server are built, default build), LAB_CP_MEM and LAB_CP_SMP (the control plane's MiB and
# vCPUs, 2048 and 2: kubeadm's preflight wants 2 CPUs and 1700 MB), LAB_MEM and LAB_SMP (each worker's,
# 1024 and 1), LAB_DISK_GB (4), LAB_TIMEOUT (seconds to wait for the nodes, 1800;
# with a real release under TCG, LAB_K8S_CP_TIMEOUT and 20 minutes more; 30 minutes more for each worker
# booted after another), LAB_ACCEL (force a qemu -accel),
# LAB_IMAGE_ENV (an image.env to boot instead of the default choice), LAB_NODES (the guests to boot,
# default "master node-1 node-2 node-3"), LAB_READY_TIMEOUT (seconds to wait for the nodes to be Ready,
# 1200, with a real release), LAB_NETNS (the network namespace, default kfb-lab), LAB_STAGGER (1: the
# workers boot one at a time, each once the one before has settled; 0: all at once; by default one at a
# time with a real release under TCG, where a slow control plane cannot serve several joins at once).
#
# KUBERNETES=DIR (`make lab KUBERNETES=DIR`): a real Kubernetes 1.23 release instead of the test
# stand-ins, laid out as kubernetes-server-linux-amd64.tar.gz unpacks, with the other images (etcd,
# pause, coredns) as docker-archive tarballs in KUBERNETES_IMAGES (default DIR/images); the Debian test
# image is built with it (image/debian/build-test-image.sh --kubernetes), the seeds take its version,
# kubernetes.cni LAB_CNI (default host-gw: a pod network without images), and under TCG a 40-minute wait
# for the control plane (LAB_K8S_CP_TIMEOUT) and no leader election.
# The lab then ends with `kubectl get nodes` run on the master, and every guest's count of attempted
# image pulls (none is allowed: the guests reach no registry, and must need none).
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILDDIR=${BUILDDIR:-$TOP/build}
case $BUILDDIR in /*) ;; *) BUILDDIR=$TOP/$BUILDDIR ;; esac
# A real release's pod network: host-gw, which needs no image (flannel's would have to be among the images).
[ -z "${KUBERNETES:-}" ] || LAB_CNI=${LAB_CNI:-host-gw}
. "$TOP/image/lab-lib.sh"
LAB=$TOP/lab
NS=${LAB_NETNS:-kfb-lab}
LAB_READY_TIMEOUT=${LAB_READY_TIMEOUT:-1200}

need_root() { [ "$(id -u)" = 0 ] || { echo "lab: needs root (network namespace, tap devices)" >&2; exit 1; }; }

lab_up() {
        need_root
        if [ -f "$LAB/lab.env" ]; then
                echo "lab: a lab is already up (lab/lab.env); \`make lab-down\` first" >&2
                exit 1
        fi
        if [ -n "${KUBERNETES:-}" ]; then
                vm_say "Kubernetes: the release in $KUBERNETES (images: ${KUBERNETES_IMAGES:-$KUBERNETES/images})"
        else
                vm_say "Kubernetes: none; kubeadm, kubelet and kubectl are the test stand-ins (no API server, no" \
                        "real node; give a release with KUBERNETES=DIR)"
        fi
        vm_setup "$LAB" "$NS" "$BUILDDIR"
        vm_say "building the agent and the server ($BUILDDIR)"
        make -s -C "$TOP" BUILDDIR="$BUILDDIR" all >/dev/null
        vm_find_image
        vm_pick_accel
        vm_make_seeds "$LAB/seeds"
        # A real control plane under TCG may use all of kubeadm's wait (LAB_K8S_CP_TIMEOUT) after about
        # ten minutes of boot, images and init phases; workers booted one at a time each add a whole join.
        local wait_s=1800 workers
        if [ -n "$IMAGE_K8S_VERSION" ] && vm_tcg; then
                wait_s=$(($(vm_go_duration_s "$VM_K8S_CP_TIMEOUT") + 1200))
        fi
        workers=$(printf '%s\n' "${VM_NODES[@]}" | grep -cvx "$VM_CONTROL_PLANE" || true)
        ! vm_staggered || [ "$workers" -le 1 ] || wait_s=$((wait_s + 1800 * (workers - 1)))
        LAB_TIMEOUT=${LAB_TIMEOUT:-$wait_s}
        vm_say "image: $IMAGE_DESC"
        vm_say "       $IMAGE_DIR/$IMAGE_DISK; kube-firstboot.service from ${IMAGE_UNIT_SOURCE:-the image}"
        vm_say "seeds: $VM_SEED_SOURCE"
        vm_say "accel: $VM_ACCEL_WHY; $(vm_sizes); disks ${LAB_DISK_GB} GiB"
        printf 'LAB_NS=%s\nLAB_STARTED=%s\n' "$NS" "$(date +%s)" >"$LAB/lab.env"
        trap 'echo "lab: interrupted; the lab stays up (make lab-down stops it)" >&2' INT
        vm_net_up
        vm_server_start "$LAB/seeds"
        vm_say "kube-firstboot-server on $VM_ENDPOINT_ADDR:$VM_ENDPOINT_PORT in network namespace $NS"
        local start i n booted=() pending=() last_worker=""
        local -A index=()
        start=$(date +%s)
        i=0
        for n in "${VM_NODES[@]}"; do
                index[$n]=$i
                i=$((i + 1))
                if [ "$n" != "$VM_CONTROL_PLANE" ] && [ -n "$last_worker" ] && vm_staggered; then
                        pending+=("$n")
                        continue
                fi
                vm_guest_start "$n" "${index[$n]}" "$LAB/seeds/$n" ""
                booted+=("$n")
                [ "$n" = "$VM_CONTROL_PLANE" ] || last_worker=$n
        done
        vm_say "booted ${booted[*]}${pending[*]:+; then ${pending[*]}, one at a time, each once the one before has settled}"
        vm_say "waiting for every node to report done or failed (at most ${LAB_TIMEOUT} s)"
        local last="" now
        local -A gone=()
        while :; do
                if [ ${#pending[@]} -gt 0 ] && { vm_all_settled "$last_worker" || [ -n "${gone[$last_worker]:-}" ]; }; then
                        n=${pending[0]}
                        pending=("${pending[@]:1}")
                        vm_say "$last_worker settled; booting $n ($(($(date +%s) - start)) s)"
                        vm_guest_start "$n" "${index[$n]}" "$LAB/seeds/$n" ""
                        booted+=("$n")
                        last_worker=$n
                fi
                if vm_all_settled "${VM_NODES[@]}"; then break; fi
                now=$(date +%s)
                if [ $((now - start)) -ge "$LAB_TIMEOUT" ]; then
                        vm_say "not settled after ${LAB_TIMEOUT} s"
                        break
                fi
                # A line whenever a node moves on.
                local line
                line=$(vm_nodes_json | python3 -c 'import json, sys
d = json.load(sys.stdin)
print(" ".join("%s:%s/%s" % (n, d[n].get("stage"), d[n].get("status")) for n in sorted(d)))' 2>/dev/null || true)
                if [ -n "$line" ] && [ "$line" != "$last" ]; then
                        echo "  $((now - start))s  $line"
                        last=$line
                fi
                for n in "${booted[@]}"; do
                        [ -z "${gone[$n]:-}" ] || continue
                        if grep -q 'Kernel panic - not syncing' "$LAB/$n/console.log" 2>/dev/null; then
                                vm_say "$n: kernel panic (see $LAB/$n/console.log)"
                                gone[$n]=1
                        elif ! vm_guest_running "$n"; then
                                vm_say "$n: qemu exited (see $LAB/$n/qemu.log)"
                                gone[$n]=1
                        fi
                done
                sleep 2
        done
        # The test image's report of the unit (kfb-lab-report, for the table's UNIT) follows the unit's end
        # by a few seconds, on the console of every guest that settled.
        if [ "$IMAGE_KIND" != centos7 ]; then
                for n in "${booted[@]}"; do
                        vm_all_settled "$n" || continue
                        for _ in $(seq 1 60); do
                                if grep -q "KFB-LAB end $n" "$LAB/$n/console.log" 2>/dev/null || ! vm_guest_running "$n"; then
                                        break
                                fi
                                sleep 1
                        done
                done
        fi
        echo
        vm_table "$start" "${VM_NODES[@]}"
        echo
        vm_say "all settled $(($(date +%s) - start)) s after the first qemu started ($IMAGE_KIND, ${VM_ACCEL%%,*})"
        [ -z "$IMAGE_K8S_VERSION" ] || lab_cluster "$start"
        vm_say "status page: ip netns exec $NS curl http://$VM_ENDPOINT_ADDR:$VM_ENDPOINT_PORT/"
        vm_say "consoles: $LAB/NODE/console.log; interactive: image/lab.sh console NODE"
        vm_say "the lab keeps running; \`make lab-down\` stops it"
}

# lab_cluster START: with a real release, until every booted node is Ready (at most LAB_READY_TIMEOUT):
# `kubectl get nodes` on the master; then each guest's attempted image pulls.
lab_cluster() {
        local start=$1 out n ready=0 end
        end=$(($(date +%s) + LAB_READY_TIMEOUT))
        while :; do
                out=$(vm_guest_exec "$VM_CONTROL_PLANE" 600 "/usr/libexec/kfb-lab-report nodes" || true)
                ready=$(echo "$out" | grep -c '^KFB-LAB node .* True ' || true)
                if [ "$ready" -ge "${#VM_NODES[@]}" ]; then
                        vm_say "every node Ready $(($(date +%s) - start)) s after the first qemu started"
                        break
                fi
                if [ "$(date +%s)" -ge "$end" ]; then
                        vm_say "only $ready of ${#VM_NODES[@]} nodes Ready after waiting ${LAB_READY_TIMEOUT} s"
                        break
                fi
                sleep 10
        done
        vm_say "kubectl get nodes, on $VM_CONTROL_PLANE:"
        echo "$out" | { grep -v '^KFB-LAB ' || true; }
        for n in "${VM_NODES[@]}"; do
                out=$(vm_guest_exec "$n" 600 "/usr/libexec/kfb-lab-report pulls 2>&1" || true)
                vm_say "$n: image pulls attempted: $(echo "$out" | sed -n 's/^KFB-LAB pulls //p' | tail -n 1)"
                echo "$out" | { grep -v '^KFB-LAB ' || true; } | sed 's/^/    /'
        done
}

lab_status() {
        [ -f "$LAB/lab.env" ] || { echo "lab: not up" >&2; exit 1; }
        # shellcheck disable=SC1091
        . "$LAB/lab.env"
        vm_setup "$LAB" "$LAB_NS" "$BUILDDIR"
        vm_table "$LAB_STARTED" "${VM_NODES[@]}"
}

lab_console() {
        local sock=$LAB/${1:?usage: lab.sh console NODE}/console.sock
        [ -S "$sock" ] || { echo "lab: no console socket $sock" >&2; exit 1; }
        echo "lab: console of $1 (Ctrl-] leaves)" >&2
        python3 - "$sock" <<'EOF'
import os, select, socket, sys, termios, tty
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
fd = sys.stdin.fileno(); old = termios.tcgetattr(fd); tty.setraw(fd)
try:
        s.sendall(b"\r")
        while True:
                r, _, _ = select.select([s, fd], [], [])
                if s in r:
                        data = s.recv(4096)
                        if not data:
                                break
                        os.write(1, data)
                if fd in r:
                        data = os.read(fd, 1024)
                        if b"\x1d" in data:
                                break
                        s.sendall(data)
finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)
        print()
EOF
}

lab_rearm() {
        local node=${1:?usage: lab.sh rearm NODE}
        [ -f "$LAB/lab.env" ] || { echo "lab: not up" >&2; exit 1; }
        # shellcheck disable=SC1091
        . "$LAB/lab.env"
        vm_setup "$LAB" "$LAB_NS" "$BUILDDIR"
        # the running server's configuration and state directory (vm_server_start)
        "$VM_SERVER" --config "$LAB/seeds/server.yaml" --state-dir "$VM_DIR/server-state" --rearm "$node"
}

lab_down() {
        need_root
        local ns=$NS n
        if [ -f "$LAB/lab.env" ]; then
                # shellcheck disable=SC1091
                . "$LAB/lab.env"
                ns=$LAB_NS
        fi
        vm_setup "$LAB" "$ns" "$BUILDDIR"
        for n in "${VM_NODES[@]}"; do vm_guest_stop "$n"; done
        vm_server_stop
        vm_net_down
        rm -rf "$LAB"
        vm_say "down: guests stopped, server stopped, namespace $ns removed, lab/ cleaned"
}

case ${1:-} in
up) lab_up ;;
status) lab_status ;;
console) lab_console "${2:-}" ;;
rearm) lab_rearm "${2:-}" ;;
down) lab_down ;;
*) echo "usage: $0 up|status|console NODE|rearm NODE|down" >&2; exit 2 ;;
esac
