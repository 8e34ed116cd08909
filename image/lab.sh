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
# 1024 and 1), LAB_DISK_GB (4), LAB_TIMEOUT (seconds to wait for the nodes, 1800), LAB_ACCEL (force a qemu -accel),
# LAB_IMAGE_ENV (an image.env to boot instead of the default choice).
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILDDIR=${BUILDDIR:-$TOP/build}
case $BUILDDIR in /*) ;; *) BUILDDIR=$TOP/$BUILDDIR ;; esac
. "$TOP/image/lab-lib.sh"
LAB=$TOP/lab
NS=kfb-lab
LAB_TIMEOUT=${LAB_TIMEOUT:-1800}

need_root() { [ "$(id -u)" = 0 ] || { echo "lab: needs root (network namespace, tap devices)" >&2; exit 1; }; }

lab_up() {
        need_root
        if [ -f "$LAB/lab.env" ]; then
                echo "lab: a lab is already up (lab/lab.env); \`make lab-down\` first" >&2
                exit 1
        fi
        vm_setup "$LAB" "$NS" "$BUILDDIR"
        vm_say "building the agent and the server ($BUILDDIR)"
        make -s -C "$TOP" BUILDDIR="$BUILDDIR" all >/dev/null
        vm_find_image
        vm_make_seeds "$LAB/seeds"
        vm_pick_accel
        vm_say "image: $IMAGE_DESC"
        vm_say "       $IMAGE_DIR/$IMAGE_DISK; kube-firstboot.service from ${IMAGE_UNIT_SOURCE:-the image}"
        vm_say "seeds: $VM_SEED_SOURCE"
        vm_say "accel: $VM_ACCEL_WHY; $(vm_sizes); disks ${LAB_DISK_GB} GiB"
        printf 'LAB_NS=%s\nLAB_STARTED=%s\n' "$NS" "$(date +%s)" >"$LAB/lab.env"
        trap 'echo "lab: interrupted; the lab stays up (make lab-down stops it)" >&2' INT
        vm_net_up
        vm_server_start "$LAB/seeds"
        vm_say "kube-firstboot-server on $VM_ENDPOINT_ADDR:$VM_ENDPOINT_PORT in network namespace $NS"
        local start i n
        start=$(date +%s)
        i=0
        for n in "${VM_NODES[@]}"; do
                vm_guest_start "$n" "$i" "$LAB/seeds/$n" ""
                i=$((i + 1))
        done
        vm_say "booted ${VM_NODES[*]}; waiting for every node to report done or failed (at most ${LAB_TIMEOUT} s)"
        local last="" now
        local -A gone=()
        while :; do
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
                for n in "${VM_NODES[@]}"; do
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
        echo
        vm_table "$start" "${VM_NODES[@]}"
        echo
        vm_say "all settled $(($(date +%s) - start)) s after the first qemu started ($IMAGE_KIND, ${VM_ACCEL%%,*})"
        vm_say "status page: ip netns exec $NS curl http://$VM_ENDPOINT_ADDR:$VM_ENDPOINT_PORT/"
        vm_say "consoles: $LAB/NODE/console.log; interactive: image/lab.sh console NODE"
        vm_say "the lab keeps running; \`make lab-down\` stops it"
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
