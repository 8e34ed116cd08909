#!/bin/bash
# Runs cloud-init's boot path for hostname and /etc/hosts RUNS times and prints one "WALL_USEC
# MAXRSS_KIB" line per run on stdout (the two processes a boot runs, `cloud-init init --local` and
# `cloud-init init`, summed; RSS the larger). Only ever run by bench/agent.sh, as
#   unshare -mu --propagation private bench/cloud-init-ns.sh MEASURE SEED-DIR HOSTS-FILE RUNS
# i.e. in a mount and UTS namespace of its own, where this script first hides everything cloud-init
# writes behind throw-away copies, so the machine itself is never touched:
#  - /run: a tmpfs (so no /run/systemd/system: cloud-init then sets the name with hostname(1) in this
#    UTS namespace instead of asking hostnamed over D-Bus, whose socket the tmpfs hides as well);
#  - /var/lib (for /var/lib/cloud, cloud-init's state and seed) and /var/log: tmpfs;
#  - /etc/cloud: a directory holding only the cloud.cfg below and Debian's templates, so that only the
#    set_hostname and update_etc_hosts modules run (no users, no ssh keys, no network rendering);
#  - /etc/hosts and /etc/hostname: bind mounts of scratch copies.
# The NoCloud seed is the agent's (meta-data with local-hostname, the same user-data: cloud-init ignores
# the kube_firstboot key), in /var/lib/cloud/seed/nocloud as a seed directory is found at boot.
set -euo pipefail
measure=$1 seed=$2 hosts=$3 runs=$4

[ "${KFB_BENCH_NS:-}" = 1 ] || { echo "cloud-init-ns.sh: run by bench/agent.sh only" >&2; exit 2; }
# a private mount namespace is what makes the mounts below throw-away: refuse to go on without one
[ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ] || { echo "not in a private mount namespace" >&2; exit 2; }
[ "$(readlink /proc/self/ns/uts)" != "$(readlink /proc/1/ns/uts)" ] || { echo "not in a private UTS namespace" >&2; exit 2; }

scratch=$(mktemp -d /tmp/kfb-bench-cloud-init.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/etc-cloud"
cp -a /etc/cloud/templates "$scratch/etc-cloud/"
cat >"$scratch/etc-cloud/cloud.cfg" <<'EOF'
# bench/cloud-init-ns.sh: hostname and /etc/hosts only
datasource_list: [NoCloud, None]
network: {config: disabled}
preserve_hostname: false
manage_etc_hosts: true
cloud_init_modules: [set_hostname, update_etc_hosts]
cloud_config_modules: []
cloud_final_modules: []
system_info:
  distro: debian
  paths:
    cloud_dir: /var/lib/cloud/
    templates_dir: /etc/cloud/templates/
def_log_file: /var/log/cloud-init.log
syslog_fix_perms: root:root
EOF
cp "$hosts" "$scratch/hosts"
echo localhost >"$scratch/hostname"

mount -t tmpfs -o mode=0755 bench-run /run
mount -t tmpfs -o mode=0755 bench-var-log /var/log
# /var/lib/cloud does not exist before a first boot: a tmpfs over /var/lib (in here only) holds it
mount -t tmpfs -o mode=0755 bench-var-lib /var/lib
mkdir /var/lib/cloud
mount --bind "$scratch/etc-cloud" /etc/cloud
mount --bind "$scratch/hosts" /etc/hosts
mount --bind "$scratch/hostname" /etc/hostname

for _ in $(seq "$runs"); do
        # a first boot every time: no state, the seed, the original hosts file and name
        rm -rf /var/lib/cloud/* /run/cloud-init /var/log/cloud-init*
        mkdir -p /var/lib/cloud/seed/nocloud
        cp "$seed"/meta-data "$seed"/user-data /var/lib/cloud/seed/nocloud/
        cat "$hosts" >/etc/hosts
        echo localhost >/etc/hostname
        hostname localhost
        a=$(MEASURE_QUIET=1 "$measure" cloud-init init --local)
        b=$(MEASURE_QUIET=1 "$measure" cloud-init init)
        set -- $a $b
        [ "$3" = 0 ] && [ "$6" = 0 ] || { echo "cloud-init failed ($3, $6): $(tail -5 /var/log/cloud-init.log)" >&2; exit 1; }
        name=$(sed -n 's/^local-hostname: *//p' "$seed/meta-data")
        [ "$(hostname)" = "$name" ] || { echo "cloud-init did not set the hostname ($(hostname))" >&2; exit 1; }
        grep -q "[[:space:]]$name\([[:space:]]\|$\)" /etc/hosts || { echo "cloud-init did not write $name into /etc/hosts" >&2; exit 1; }
        echo "$(($1 + $4)) $(($2 > $5 ? $2 : $5))"
done
