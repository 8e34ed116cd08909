# shellcheck shell=bash
# Helpers for the host-step integration tests (tests/integration/test-host-*.sh). Source after common.sh.
#
# A test tree is a copy of tests/data/host-fixtures/root (a CentOS 7 host as cloud images ship it: swap in
# fstab and /proc/swaps, SELinux enforcing, br_netfilter not loaded, an operator key for root). Commands
# are replaced by tests/stand-ins/host-model.c (built here), which records each call and models its effect
# on the tree and on its own state (units, firewalld), so a second run sees what the first one did. It
# answers the forms CentOS 7's tools accept, several units, ports or devices per call included, with
# their exit statuses (systemd 219, firewalld 0.6, util-linux 2.23; see its header), and refuses what
# they refuse (`systemctl --now`, stand-alone firewall-cmd options mixed with others).

HOST_FIXTURES=$TOP/tests/data/host-fixtures
# Every command a host step may run: the agent's search path holds only these.
HOST_COMMANDS=(systemctl firewall-cmd iptables modprobe swapoff docker ip growpart xfs_growfs resize2fs partx
        blockdev udevadm findmnt lsblk networkctl nmcli ifup ifdown hostnamectl)
# Paths other host steps own (docker, network), the agent's state and log (all under /var): not compared here.
HOST_OTHERS_RE='^\./(var|usr/share/kube-firstboot|run/kube-firstboot|etc/docker|etc/sysconfig/network-scripts|etc/systemd/network|etc/resolv\.conf|var/lib/kube-firstboot)(/| |$)'

# host_tree DIR: a fresh copy of the fixture tree, with the modes git does not keep.
host_tree() {
        local dir=$1
        mkdir -p "$dir"
        cp -a "$HOST_FIXTURES/root/." "$dir/"
        find "$dir" -type d -exec chmod 0755 {} +
        find "$dir" -type f -exec chmod 0644 {} +
        chmod 0755 "$dir/root/.ssh"
        # what the package installs and the role stage's plan reads
        install -D -m 0644 "$TOP/firstboot/data/kube-flannel.yml.in" "$dir/usr/share/kube-firstboot/kube-flannel.yml.in"
}

# host_bin BIN ROOT: stand-ins for every command, acting on ROOT. firewalld installed, enabled and
# running; kubelet and docker installed, not enabled; kubeadm and kubectl installed (their stand-in, which
# acts only once BIN/kubeadm.root names ROOT); docker reports the systemd cgroup driver; `kubelet
# --version` (the agent's check before any change) is the kubelet stand-in's, 1.23.6. The
# stand-in (tests/stand-ins/host-model.c) is built once per test script, into a template bin directory
# of hard links that each call copies.
host_bin() {
        local bin=$1 root=$2 template=$WORK/host-bin-template n u
        if [ ! -d "$template" ]; then
                mkdir -p "$template/state/units"
                ${CC:-cc} -std=gnu99 -O2 -Wall -Wextra -o "$template/.host-model" "$TOP/tests/stand-ins/host-model.c" ||
                        fail "cannot build tests/stand-ins/host-model.c"
                for n in "${HOST_COMMANDS[@]}"; do ln "$template/.host-model" "$template/$n"; done
                ln -s "$TOP/tests/stand-ins/kubelet" "$template/kubelet"
                # installed, as the image installs them (the role stage's checks before any change look)
                ln -s "$TOP/tests/stand-ins/kubeadm" "$template/kubeadm"
                ln -s "$TOP/tests/stand-ins/kubeadm" "$template/kubectl"
                for u in kubelet docker firewalld containerd network; do touch "$template/state/units/$u.service.installed"; done
                touch "$template/state/units/network.service.enabled"
                touch "$template/state/units/firewalld.service.enabled" "$template/state/units/firewalld.service.active"
                touch "$template/state/firewalld.running"
                echo systemd >"$template/docker.out"
                : >"$template/calls.log"
        fi
        mkdir -p "$(dirname "$bin")"
        cp -a "$template" "$bin"
        echo "$root" >"$bin/root"
}

# agent BIN ROOT SEED ARGS...: the agent on ROOT with the stand-ins of BIN.
agent() {
        local bin=$1 root=$2 seed=$3
        shift 3
        KUBE_FIRSTBOOT_PATH=$bin "$AGENT" --root "$root" --live --seed "$seed" "$@"
}

# host_wait_standins BIN: waits until no stand-in of BIN is still running (a killed agent leaves its
# command running: the stand-in holds BIN/lock while it runs).
host_wait_standins() {
        flock "$1/lock" true
}

# my_calls LOG: the calls of this helper's steps (swap, modules, firewall, kubelet), without docker's or the
# fence's (tests/integration/test-host-fence.sh).
my_calls() {
        grep -E '^(swapoff|modprobe|firewall-cmd|systemctl) ' "$1" | grep -vE ' (docker|network)(\.service)?$' |
                grep -vE '^firewall-cmd (--permanent )?--direct |kube-firstboot-fence|^systemctl daemon-reload$' || true
}

# mutating_calls LOG: calls that change the host (queries left out).
mutating_calls() {
        grep -vE '^systemctl (is-enabled|is-active|show|status|cat) |^systemctl daemon-reload$|^firewall-cmd (--permanent )?(--state|--list-ports|--query-port=.*|--direct --get-all-rules)$|^iptables -w -C |^docker (info|version)|^ip (-[a-z0-9]+ )*(addr|address|link|route) (show|list)( |$)|^findmnt |^lsblk |^blockdev --getsize64 |^udevadm settle' "$1" || true
}

# host_files DIR: tree_snapshot --portable of DIR (type, mode, content, link target), others' paths left out.
host_files() {
        tree_snapshot --portable --exclude "$HOST_OTHERS_RE" "$1"
}

# host_contents DIR: "PATH sha256 HASH" of every file of DIR (tree_snapshot --content), others' left out.
host_contents() {
        tree_snapshot --content --exclude "$HOST_OTHERS_RE" "$1"
}

# host_snapshot DIR: tree_snapshot of DIR, owners, sizes and mtimes too ("no byte and no mtime changed").
host_snapshot() {
        tree_snapshot --exclude "$HOST_OTHERS_RE" "$1"
}

# expected_tree DIR NAME: the fixture tree with tests/data/host-fixtures/expected/NAME laid over it (files that
# the run changes or creates) and the modes of NAME.modes ("path mode" lines; "path/ mode" makes an empty
# directory).
expected_tree() {
        local dir=$1 name=$2
        host_tree "$dir"
        cp -a "$HOST_FIXTURES/expected/$name/." "$dir/"
        while read -r p m; do
                case $p in */) mkdir -p "$dir/$p" ;; esac # directories git cannot hold (empty ones)
                chmod "$m" "$dir/$p"
        done <"$HOST_FIXTURES/expected/$name.modes"
}

# actions: the actions of plan's stdout, or of run's log, as "STEP: WHAT -> AFTER" (before left out:
# a plan cannot know what the kernel will report once a module is loaded).
plan_actions() {
        sed -n 's/^  \([a-z-]*\) *would \(.*\) (\(.*\) -> \(.*\))$/\1: \2 -> \4/p; t; s/^  \([a-z-]*\) *would \(.*\)$/\1: \2/p' "$1"
}
run_actions() {
        grep -E '^kube-firstboot: (growroot|hostname|hosts|network|swap|modules|sysctl|selinux|firewall|docker|kubelet|ssh): ' "$1" |
                grep -v ': unchanged: ' |
                sed 's/^kube-firstboot: \([a-z-]*\): \(.*\) (\(.*\) -> \(.*\))$/\1: \2 -> \4/; t; s/^kube-firstboot: \([a-z-]*\): \(.*\)$/\1: \2/'
}
