# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# The reference lab in virtual machines: helpers shared by image/lab.sh (`make lab`, `make lab-down`)
# and tests/vm/test-vm-lab.sh. Source it with TOP set; call vm_setup DIR NETNS first.
#
# A private network namespace holds a bridge with the metadata endpoint's address (192.168.220.1/24)
# and one tap device per guest; kube-firstboot-server listens there on 192.168.220.1:8780, and every
# qemu runs there, with -nodefaults and no user-mode network: nothing reaches outside the namespace.
# Each guest boots a copy-on-write overlay of the image (larger than the image, so the agent grows
# the root filesystem) with its cidata ISO as a second virtio disk.

VM_ALL_NODES=(master node-1 node-2 node-3)
# LAB_NODES: the guests to boot, by name (default all four; e.g. "master node-1" on slow hardware). Every
# seed is made all the same: a guest left out is a machine not switched on.
read -r -a VM_NODES <<<"${LAB_NODES:-${VM_ALL_NODES[*]}}"
VM_ENDPOINT_ADDR=192.168.220.1
VM_ENDPOINT_PORT=8780
VM_CLUSTER=lab
LAB_MEM=${LAB_MEM:-1024}                # MiB per worker guest: the lab fits a 2-core, 24 GiB machine with room
LAB_SMP=${LAB_SMP:-1}                   # vCPUs per worker guest; TCG runs each on one host thread
# The control plane (VM_CONTROL_PLANE): kubeadm init's preflight refuses fewer than 2 CPUs (NumCPU) and
# less than 1700 MB of memory (Mem: the guest's MemTotal, which is some tens of MB below its RAM), and
# the agent refuses such a control plane before changing anything. 2 GiB leaves room for the kernel's
# own reservations (a CentOS 7 kernel reserves more than Debian's).
LAB_CP_MEM=${LAB_CP_MEM:-2048}
LAB_CP_SMP=${LAB_CP_SMP:-2}
VM_CONTROL_PLANE=master
LAB_DISK_GB=${LAB_DISK_GB:-4}           # virtual size of each guest's overlay (the image is smaller)
LAB_QEMU_TIMEOUT=${LAB_QEMU_TIMEOUT:-12h}  # every qemu runs under timeout(1)
LAB_WORKER_NICE=${LAB_WORKER_NICE:-10}  # under TCG, the workers' qemu runs at this nice(1) value
# The seeds' kubernetes.cni: the reference's flannel, or host-gw (a /24 per node, no images).
LAB_CNI=${LAB_CNI:-flannel}

vm_say() { echo "lab: $*"; }

# vm_guest_mem NAME, vm_guest_smp NAME: the guest's MiB and vCPUs (the control plane's, or a worker's).
vm_guest_mem() { if [ "$1" = "$VM_CONTROL_PLANE" ]; then echo "$LAB_CP_MEM"; else echo "$LAB_MEM"; fi; }
vm_guest_smp() { if [ "$1" = "$VM_CONTROL_PLANE" ]; then echo "$LAB_CP_SMP"; else echo "$LAB_SMP"; fi; }
# vm_tcg: whether the guests run under TCG (after vm_pick_accel).
vm_tcg() { [ "${VM_ACCEL%%,*}" = tcg ]; }
# vm_guest_nice NAME: the guest's qemu's nice(1) value. Under TCG every vCPU is a busy host thread, and the
# host has few cores: a worker's emulation yields to the control plane's, whose start everything else
# waits on (a worker spends most of its first boot waiting for the join record).
vm_guest_nice() { if vm_tcg && [ "$1" != "$VM_CONTROL_PLANE" ]; then echo "$LAB_WORKER_NICE"; else echo 0; fi; }
# vm_sizes: the guests' sizes in words, for the logs.
vm_sizes() {
        local prio=""
        ! vm_tcg || prio=" at nice $LAB_WORKER_NICE"
        echo "$VM_CONTROL_PLANE ${LAB_CP_SMP} vCPU and ${LAB_CP_MEM} MiB, the others ${LAB_SMP} vCPU and ${LAB_MEM} MiB$prio"
}
vm_die() { echo "lab: error: $*" >&2; return 1; }
# vm_staggered: whether the workers boot one at a time (LAB_STAGGER=1|0; by default only with a real
# release under TCG, after vm_find_image and vm_pick_accel). The control plane boots with the first
# worker, and each later worker once the one before it has settled (done or failed). A real control plane
# under TCG on few host cores answers slower than kubeadm's fixed 10-second client timeouts while several
# workers boot, load images and join at once; one joining worker at a time keeps it within them.
vm_staggered() {
        case ${LAB_STAGGER:-} in
        1) return 0 ;;
        0) return 1 ;;
        esac
        [ -n "${IMAGE_K8S_VERSION:-}" ] && vm_tcg
}

# vm_setup DIR NETNS [BUILDDIR]
vm_setup() {
        VM_DIR=$1
        VM_NS=$2
        VM_BUILDDIR=${3:-${BUILDDIR:-$TOP/build}}
        VM_AGENT=$VM_BUILDDIR/kube-firstboot
        VM_SERVER=$VM_BUILDDIR/kube-firstboot-server
        mkdir -p "$VM_DIR"
}

vm_in_ns() { ip netns exec "$VM_NS" "$@"; }

# ---- acceleration -------------------------------------------------------------------------------
# KVM only where the CPU advertises it and a test boot of the image's kernel gets going; else TCG.
vm_pick_accel() {
        local log
        # TCG's translation cache: a real control plane runs several large Go programs (kube-apiserver
        # alone has over 100 MB of code); in a cache smaller than their hot code qemu keeps flushing
        # and translating again. Pages of it count against the host's memory only once written.
        VM_ACCEL="tcg,tb-size=512"
        VM_ACCEL_WHY="TCG: no vmx/svm in /proc/cpuinfo"
        [ -z "${LAB_ACCEL:-}" ] || { VM_ACCEL=$LAB_ACCEL; VM_ACCEL_WHY="LAB_ACCEL"; return 0; }
        grep -qwE 'vmx|svm' /proc/cpuinfo || return 0
        VM_ACCEL_WHY="TCG: /dev/kvm not usable"
        [ -w /dev/kvm ] || return 0
        VM_ACCEL_WHY="TCG: a KVM test boot did not get going"
        [ -n "${IMAGE_KERNEL:-}" ] || return 0
        log=$VM_DIR/kvm-probe.log
        # The kernel, no root filesystem: it must reach its panic (and, with -no-reboot, qemu exits) fast.
        timeout -k 5 30 qemu-system-x86_64 -nodefaults -no-user-config -accel kvm -m 256 -display none \
                -serial "file:$log" -no-reboot -kernel "$IMAGE_DIR/$IMAGE_KERNEL" \
                -append "console=ttyS0 panic=-1 root=/dev/nonexistent" >/dev/null 2>&1 || true
        if grep -q 'Kernel panic\|VFS: Unable to mount root\|Linux version' "$log" 2>/dev/null; then
                VM_ACCEL=kvm
                VM_ACCEL_WHY="KVM: vmx/svm present and a test boot worked"
        fi
}

# ---- the image ----------------------------------------------------------------------------------
# LAB_IMAGE_ENV names an image.env; otherwise the CentOS 7 lab image when `make image` has built one
# (image/build-centos7.sh: BUILDDIR/image/kube-firstboot-centos7.qcow2; it boots with its own
# bootloader, serial console and net.ifnames=0 as the GenericCloud image has them), else the Debian 12
# test image (built here if missing).
vm_find_image() {
        local env=${LAB_IMAGE_ENV:-} candidate
        if [ -z "$env" ] && [ -n "${KUBERNETES:-}" ]; then
                env=$TOP/build/image-test-k8s/image.env
                bash "$TOP/image/debian/build-test-image.sh" --out "$TOP/build/image-test-k8s" --builddir "$VM_BUILDDIR" \
                        --kubernetes "$KUBERNETES" ${KUBERNETES_IMAGES:+--kubernetes-images "$KUBERNETES_IMAGES"} ||
                        return 1
        fi
        if [ -z "$env" ]; then
                for candidate in "$VM_BUILDDIR/image/kube-firstboot-centos7.qcow2" \
                        "$TOP/build/image/kube-firstboot-centos7.qcow2"; do
                        [ -f "$candidate" ] || continue
                        env=$VM_DIR/centos7-image.env
                        cat >"$env" <<EOF2
IMAGE_KIND=centos7
IMAGE_DESC="CentOS 7 lab image (make image: kubeadm, kubelet, kubectl 1.23.6, docker 20.10)"
IMAGE_DISK=$(basename "$candidate")
IMAGE_UNIT_SOURCE="the kube-firstboot RPM"
EOF2
                        IMAGE_DIR=$(dirname "$(realpath "$candidate")")
                        IMAGE_KERNEL="" IMAGE_INITRD="" IMAGE_CMDLINE="" IMAGE_K8S_VERSION=""
                        # shellcheck disable=SC1090
                        . "$env"
                        return 0
                done
        fi
        if [ -z "$env" ]; then
                env=$TOP/build/image-test/image.env
                bash "$TOP/image/debian/build-test-image.sh" --out "$TOP/build/image-test" --builddir "$VM_BUILDDIR" ||
                        return 1
        fi
        [ -f "$env" ] || { vm_die "no image: $env missing"; return 1; }
        IMAGE_DIR=$(dirname "$(realpath "$env")")
        IMAGE_KERNEL="" IMAGE_INITRD="" IMAGE_CMDLINE="" IMAGE_K8S_VERSION=""
        # shellcheck disable=SC1090
        . "$env"
        [ -f "$IMAGE_DIR/$IMAGE_DISK" ] || { vm_die "image disk $IMAGE_DIR/$IMAGE_DISK missing"; return 1; }
}

# ---- seeds --------------------------------------------------------------------------------------
# vm_bearer KEY_BASE64: the cluster bearer (docs/join-protocol.md), for a server.yaml made here.
# Version 2: HKDF-SHA256, salt "kube-firstboot join v2", info "kube-firstboot bearer v2", one block.
vm_bearer() {
        python3 -c 'import base64, hashlib, hmac, sys
prk = hmac.new(b"kube-firstboot join v2", base64.b64decode(sys.argv[1]), hashlib.sha256).digest()
print(hmac.new(prk, b"kube-firstboot bearer v2\x01", hashlib.sha256).hexdigest())' "$1"
}

# vm_seed_iso DIR: DIR/seed.iso (cidata) from DIR's meta-data, user-data and network-config.
vm_seed_iso() {
        local d=$1
        rm -f "$d/seed.iso"
        if [ -f "$d/network-config" ]; then
                cloud-localds -N "$d/network-config" "$d/seed.iso" "$d/user-data" "$d/meta-data"
        else
                cloud-localds "$d/seed.iso" "$d/user-data" "$d/meta-data"
        fi
}

# vm_k8s_inventory FILE: the reference inventory for the image's real Kubernetes release: the release's
# version (its kubeadm's, never a label), the tags its images carry (k8s.gcr.io), cni LAB_CNI (host-gw
# needs no image; none leaves each node to the image's own bridge configuration), and under TCG what a
# slow control plane needs: kubeadm waits VM_K8S_CP_TIMEOUT for it, and the controller manager and
# scheduler run without leader election.
vm_k8s_inventory() {
        local slow=""
        ! vm_tcg ||
                slow="\\n  control_plane_timeout: $VM_K8S_CP_TIMEOUT\\n  leader_election: \"off\""
        # line edits of the example, which keeps its comments and YAML 1.1 values such as swap: off
        "$VM_AGENT" seed --example | sed -e "s|^  version: .*|  version: $IMAGE_K8S_VERSION|" \
                -e 's|^  image_repository: .*|  image_repository: k8s.gcr.io|' -e "s|^  cni: .*|  cni: $LAB_CNI|" \
                -e "s|^  runtime: docker\$|&$slow|" >"$1"
        grep -qx "  version: $IMAGE_K8S_VERSION" "$1" && grep -qx "  cni: $LAB_CNI" "$1" &&
                grep -qx '  image_repository: k8s.gcr.io' "$1" ||
                { vm_die "the example inventory has changed: cannot set version, cni and image_repository in $1"; return 1; }
}
VM_K8S_CP_TIMEOUT=${LAB_K8S_CP_TIMEOUT:-40m}

# vm_go_duration_s D: the seconds in a duration as the seed writes one (1h, 40m, 90s, 1h30m).
vm_go_duration_s() {
        local rest=$1 total=0
        while [[ $rest =~ ^([0-9]+)([hms])(.*)$ ]]; do
                case ${BASH_REMATCH[2]} in
                h) total=$((total + BASH_REMATCH[1] * 3600)) ;;
                m) total=$((total + BASH_REMATCH[1] * 60)) ;;
                s) total=$((total + BASH_REMATCH[1])) ;;
                esac
                rest=${BASH_REMATCH[3]}
        done
        [ -z "$rest" ] && [ "$1" ] || { vm_die "not a duration: $1"; return 1; }
        echo "$total"
}

# vm_make_seeds DIR: seeds of the reference lab in DIR/<node>/ (with seed.iso) and DIR/server.yaml.
# `kube-firstboot seed --iso` where the agent has it; otherwise tests/data/seeds/reference with cloud-localds.
# With a real release in the image (IMAGE_K8S_VERSION), from vm_k8s_inventory (call vm_pick_accel first).
vm_make_seeds() {
        local out=$1 n key
        rm -rf "$out"
        mkdir -p "$out"
        if [ -n "${IMAGE_K8S_VERSION:-}" ]; then
                vm_k8s_inventory "$VM_DIR/inventory.yaml" || { vm_die "cannot write the inventory"; return 1; }
                "$VM_AGENT" seed --inventory "$VM_DIR/inventory.yaml" --out "$out" --iso >"$VM_DIR/seed-generator.log" 2>&1 ||
                        { cat "$VM_DIR/seed-generator.log" >&2; vm_die "kube-firstboot seed failed"; return 1; }
                VM_SEED_SOURCE="kube-firstboot seed --iso --inventory $VM_DIR/inventory.yaml (Kubernetes $IMAGE_K8S_VERSION, cni: $LAB_CNI)"
        elif "$VM_AGENT" seed --help >/dev/null 2>&1; then
                # the reference inventory, with LAB_CNI
                "$VM_AGENT" seed --example | sed "s/^  cni: flannel .*/  cni: $LAB_CNI/" >"$VM_DIR/inventory.yaml"
                grep -q "^  cni: $LAB_CNI\$" "$VM_DIR/inventory.yaml" || { vm_die "LAB_CNI=$LAB_CNI not set in the inventory"; return 1; }
                "$VM_AGENT" seed --inventory "$VM_DIR/inventory.yaml" --out "$out" --iso >"$VM_DIR/seed-generator.log" 2>&1 ||
                        { cat "$VM_DIR/seed-generator.log" >&2; vm_die "kube-firstboot seed failed"; return 1; }
                VM_SEED_SOURCE="kube-firstboot seed --iso (cni: $LAB_CNI)"
        else
                for n in "${VM_ALL_NODES[@]}"; do
                        cp -r "$TOP/tests/data/seeds/reference/$n" "$out/$n"
                        vm_seed_iso "$out/$n"
                done
                key=$(sed -n 's/^  cluster_key: *//p' "$out/master/user-data")
                printf 'listen: %s:%s\nclusters:\n  - name: %s\n    bearer: %s\n' "$VM_ENDPOINT_ADDR" \
                        "$VM_ENDPOINT_PORT" "$VM_CLUSTER" "$(vm_bearer "$key")" >"$out/server.yaml"
                chmod 0600 "$out/server.yaml"
                VM_SEED_SOURCE="tests/data/seeds/reference + cloud-localds (no seed generator in this tree yet)"
        fi
        for n in "${VM_ALL_NODES[@]}"; do
                [ -f "$out/$n/seed.iso" ] || { vm_die "no $out/$n/seed.iso"; return 1; }
        done
        [ -f "$out/server.yaml" ] || { vm_die "no $out/server.yaml"; return 1; }
}

# vm_mac SEED_DIR N: the MAC the seed's network-config names, else one derived from the node's index.
vm_mac() {
        local mac
        mac=$(grep -oiE '([0-9a-f]{2}:){5}[0-9a-f]{2}' "$1/network-config" 2>/dev/null | head -n 1)
        echo "${mac:-52:54:00:fb:01:$(printf %02x "$2")}"
}

# ---- network ------------------------------------------------------------------------------------
vm_net_up() {
        local i
        ip netns add "$VM_NS"
        vm_in_ns ip link set lo up
        vm_in_ns ip link add br0 type bridge
        vm_in_ns ip addr add "$VM_ENDPOINT_ADDR/24" dev br0
        vm_in_ns ip link set br0 up
        for i in 0 1 2 3 4; do
                vm_in_ns ip tuntap add dev "tap$i" mode tap
                vm_in_ns ip link set "tap$i" master br0 up
        done
}

vm_net_down() {
        ip netns del "$VM_NS" 2>/dev/null || true
}

# ---- the server ---------------------------------------------------------------------------------
# vm_server_start SEED_DIR: kube-firstboot-server in the namespace on 192.168.220.1:8780.
vm_server_start() {
        local seeds=$1
        mkdir -p "$VM_DIR/server-state"
        ip netns exec "$VM_NS" setsid "$VM_SERVER" --config "$seeds/server.yaml" \
                --listen "$VM_ENDPOINT_ADDR:$VM_ENDPOINT_PORT" --seed-dir "$seeds" \
                --state-dir "$VM_DIR/server-state" </dev/null >>"$VM_DIR/server.log" 2>&1 &
        echo $! >"$VM_DIR/server.pid"
        for _ in $(seq 1 600); do
                if vm_in_ns curl -s -o /dev/null "http://$VM_ENDPOINT_ADDR:$VM_ENDPOINT_PORT/"; then
                        return 0
                fi
                kill -0 "$(cat "$VM_DIR/server.pid")" 2>/dev/null ||
                        { tail -n 5 "$VM_DIR/server.log" >&2; vm_die "server exited at start"; return 1; }
                sleep 0.1
        done
        vm_die "server did not answer on $VM_ENDPOINT_ADDR:$VM_ENDPOINT_PORT within 60 s"
}

# vm_stop_pidfile FILE TENTHS: SIGTERM to the process FILE names, SIGKILL if it is still there after TENTHS
# tenths of a second; FILE removed. Nothing to do without FILE.
vm_stop_pidfile() {
        local file=$1 tenths=$2 pid
        [ -f "$file" ] || return 0
        pid=$(cat "$file")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 "$tenths"); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        rm -f "$file"
}

vm_server_stop() {
        vm_stop_pidfile "$VM_DIR/server.pid" 50
}

# vm_nodes_json: the server's GET /v1/clusters/lab/nodes ({} when it does not answer).
vm_nodes_json() {
        vm_in_ns curl -s -m 5 "http://$VM_ENDPOINT_ADDR:$VM_ENDPOINT_PORT/v1/clusters/$VM_CLUSTER/nodes" 2>/dev/null ||
                echo '{}'
}

# ---- guests -------------------------------------------------------------------------------------
# vm_guest_start NAME INDEX SEED_DIR|- [EXTRA_CMDLINE [QEMU_ARGS...]]: boots NAME on tapINDEX with the
# overlay VM_DIR/NAME/disk.qcow2 (made on first use) and SEED_DIR/seed.iso ("-": no seed at all).
vm_guest_start() {
        local name=$1 index=$2 seed=$3 extra=${4:-} d=$VM_DIR/$1 mac
        shift 4 || shift $#
        mkdir -p "$d"
        if [ ! -f "$d/disk.qcow2" ]; then
                # Larger than the image, so the agent has a root filesystem to grow.
                local want=$((LAB_DISK_GB * 1024 * 1024 * 1024)) have
                have=$(qemu-img info -U --output=json "$IMAGE_DIR/$IMAGE_DISK" |
                        python3 -c 'import json, sys; print(json.load(sys.stdin)["virtual-size"])')
                [ "$want" -gt "$have" ] || want=$((have + 2 * 1024 * 1024 * 1024))
                qemu-img create -q -f qcow2 -F qcow2 -b "$IMAGE_DIR/$IMAGE_DISK" "$d/disk.qcow2" "$want"
        fi
        local args=(-name "$name" -nodefaults -no-user-config -accel "$VM_ACCEL" -m "$(vm_guest_mem "$name")"
                -smp "$(vm_guest_smp "$name")"
                -display none -rtc base=utc
                -chardev "socket,id=ser0,path=$d/console.sock,server=on,wait=off,logfile=$d/console.log,logappend=on"
                -serial chardev:ser0
                -drive "file=$d/disk.qcow2,if=virtio,format=qcow2,cache=unsafe,discard=unmap")
        if [ "$seed" != - ]; then
                args+=(-drive "file=$seed/seed.iso,if=virtio,format=raw,readonly=on")
                mac=$(vm_mac "$seed" "$index")
        else
                mac=$(vm_mac /nonexistent "$index")
        fi
        args+=(-netdev "tap,id=net0,ifname=tap$index,script=no,downscript=no"
                -device "virtio-net-pci,netdev=net0,mac=$mac")
        if [ -n "$IMAGE_KERNEL" ]; then
                args+=(-kernel "$IMAGE_DIR/$IMAGE_KERNEL" -append "$IMAGE_CMDLINE${extra:+ $extra}")
                [ -z "$IMAGE_INITRD" ] || args+=(-initrd "$IMAGE_DIR/$IMAGE_INITRD")
        fi
        args+=("$@")
        date +%s.%N >"$d/started"
        ip netns exec "$VM_NS" nice -n "$(vm_guest_nice "$name")" setsid timeout -k 10 "$LAB_QEMU_TIMEOUT" qemu-system-x86_64 "${args[@]}" \
                </dev/null >>"$d/qemu.log" 2>&1 &
        echo $! >"$d/qemu.pid"
}

vm_guest_running() {
        [ -f "$VM_DIR/$1/qemu.pid" ] && kill -0 "$(cat "$VM_DIR/$1/qemu.pid")" 2>/dev/null
}

# vm_guest_stop NAME: SIGTERM to its timeout(1), which passes it on to qemu.
vm_guest_stop() {
        vm_stop_pidfile "$VM_DIR/$1/qemu.pid" 100
}

# vm_guests_wait_exit SECONDS NAME...: until every NAME's qemu has exited; 1 on timeout, 2 as soon as
# a guest's kernel panicked (its qemu may hang there).
vm_guests_wait_exit() {
        local limit=$1 end n running
        shift
        end=$(($(date +%s) + limit))
        while :; do
                running=""
                for n in "$@"; do
                        if grep -q 'Kernel panic - not syncing' "$VM_DIR/$n/console.log" 2>/dev/null; then
                                vm_say "$n: kernel panic: $(grep -a 'Kernel panic' "$VM_DIR/$n/console.log" | tail -n 1)"
                                return 2
                        fi
                        vm_guest_running "$n" && running+=" $n"
                done
                [ -n "$running" ] || return 0
                [ "$(date +%s)" -lt "$end" ] || { vm_say "still running after ${limit} s:$running"; return 1; }
                sleep 1
        done
}

# ---- status -------------------------------------------------------------------------------------
# vm_table START NAME...: the server's reports as a table, times counted from START (Unix seconds),
# with the unit's own time where the guest's console has the test image's report.
vm_table() {
        local start=$1
        shift
        vm_nodes_json | python3 -c '
import json, re, sys
start = float(sys.argv[1]); lab = sys.argv[2]; names = sys.argv[3:]
try:
        nodes = json.load(sys.stdin)
except ValueError:
        nodes = {}
fmt = "%-8s %-13s %-12s %-8s %8s %8s  %s"
print(fmt % ("NODE", "ROLE", "STAGE", "STATUS", "AT", "UNIT", "MESSAGE"))
for name in names:
        r = nodes.get(name)
        unit = "-"
        try:
                text = open("%s/%s/console.log" % (lab, name), errors="replace").read()
                m = re.findall(r"KFB-LAB unit .*?ExecMainStartTimestampMonotonic=(\d+) ExecMainExitTimestampMonotonic=(\d+)", text)
                if m and int(m[-1][1]) > 0:
                        unit = "%.1fs" % ((int(m[-1][1]) - int(m[-1][0])) / 1e6)
        except OSError:
                pass
        if not r:
                print(fmt % (name, "-", "-", "no report", "-", unit, ""))
                continue
        at = "%.0fs" % (float(r.get("received", r.get("time", start))) - start)
        print(fmt % (name, r.get("role", "?"), r.get("stage", "?"), r.get("status", "?"), at, unit,
                     str(r.get("message", ""))[:60]))
' "$start" "$VM_DIR" "$@"
}

# vm_all_settled NAME...: 0 when every NAME has reported stage done or status failed.
vm_all_settled() {
        vm_nodes_json | python3 -c '
import json, sys
nodes = json.load(sys.stdin)
settled = [n for n in sys.argv[1:] if n in nodes and
           (nodes[n].get("stage") == "done" or nodes[n].get("status") == "failed")]
sys.exit(0 if len(settled) == len(sys.argv[1:]) else 1)' "$@"
}

# vm_wait_settled NAME SECONDS: until the server shows NAME done or failed; 1 as soon as NAME's qemu has
# exited, or once SECONDS have passed.
vm_wait_settled() {
        local end=$(($(date +%s) + $2))
        until vm_all_settled "$1"; do
                vm_guest_running "$1" && [ "$(date +%s)" -lt "$end" ] || return 1
                sleep 5
        done
}

# vm_console_text NAME: NAME's console so far as lines of text: no carriage returns, no terminal control
# sequences (an image without root's .inputrc has bash switch bracketed paste before a command's output).
vm_console_text() {
        tr -d '\r' <"$VM_DIR/$1/console.log" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' || true
}

# vm_guest_exec NAME SECONDS COMMAND: types COMMAND on NAME's console and prints what it wrote up to its
# end mark (the mark as the shell prints it, not as typed); 1 when the mark did not come in SECONDS.
vm_guest_exec() {
        local name=$1 limit=$2 cmd=$3 mark log=$VM_DIR/$1/console.log start
        mark="KFB-EXEC-$$-$RANDOM"
        start=$(wc -c <"$log")
        vm_console_type "$name" "$cmd; echo \"$mark\"-end" &
        local typing=$!
        for _ in $(seq 1 "$limit"); do
                tail -c +"$((start + 1))" "$log" | tr -d '\r' | grep -q "^$mark-end" && break
                sleep 1
        done
        wait "$typing" 2>/dev/null || true
        tail -c +"$((start + 1))" "$log" | tr -d '\r' | sed -n "/$mark/,/^$mark-end/p" | sed '1d;$d'
        tail -c +"$((start + 1))" "$log" | tr -d '\r' | grep -q "^$mark-end"
}

# vm_console_type NAME LINE: types LINE on NAME's serial console (root is logged in there on the test
# image), e.g. to power a guest off cleanly.
vm_console_type() {
        # qemu feeds the guest's UART from the socket a few bytes at a time and drops what it has not
        # read yet when the client hangs up: stay connected a while.
        python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"\r" + sys.argv[2].encode() + b"\r")
time.sleep(5)
s.close()' "$VM_DIR/$1/console.sock" "$2"
}
