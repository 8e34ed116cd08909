#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds the Debian 12 test guest of the VM lab (`make image-test`): a partitioned qcow2 disk with an
# ext4 root smaller than the disks the lab gives its guests (so the agent's growroot step has work), the
# kernel and a small initrd beside it for qemu's direct kernel boot, and image.env describing them.
#
#   build-test-image.sh [--out DIR] [--builddir DIR] [--kubernetes DIR [--kubernetes-images DIR2]]
#
# With --kubernetes, a real Kubernetes release instead of the stand-ins (default out:
# build/image-test-k8s): DIR laid out as kubernetes-server-linux-amd64.tar.gz unpacks
# (DIR/kubernetes/server/bin/ with kubeadm, kubelet, kubectl and kube-apiserver.tar,
# kube-controller-manager.tar, kube-scheduler.tar, kube-proxy.tar), and DIR2 (default DIR/images) with
# the other images as docker-archive tarballs (etcd, pause, coredns, and the CNI's if it has any). The
# binaries go to /usr/bin with kubelet's unit and kubeadm's drop-in as the el7 packages install them,
# every tarball to /var/lib/kube-firstboot/images for the agent's images step (as the CentOS 7 image
# has them), the Debian CNI plugins under /opt/cni/bin (where the el7 kubernetes-cni package puts them)
# with a fallback bridge network configuration for seeds that say cni: none (the node's pods on one
# local bridge: enough for a node to be Ready and for pods on it; the kubelet takes the first file by
# name, so the configuration of a CNI the seed asks for comes before it), and apparmor=0 on the kernel
# command line:
# the Debian kernel has AppArmor on but the image has no apparmor_parser, so docker could not load its
# container profile and would start no container (CentOS 7, the target, has no AppArmor at all).
#
# The guest: systemd with udev and systemd-networkd (no dbus), docker.io, a swap file active in fstab,
# an /etc/hosts, root autologin on the serial console ttyS0 (no password; test image only), the agent
# and its units installed with `make install DESTDIR=...`, and the test stand-ins as kubeadm, kubectl
# and kubelet (Debian has no kubeadm). Test-only units: kfb-lab-report.service prints, once
# kube-firstboot.service has finished, what the lab test checks from outside, and powers the guest off
# when the kernel command line has kfb_lab.poweroff (never set by `make lab`).
#
# Stage 1, debootstrap plus the small initrd, is cached outside the repository in
# $KFB_IMAGE_CACHE (default /var/cache/kube-firstboot), keyed on image/debian/packages and on the
# stage's own code. Stage 2 (the agent, units, disk) is redone when any of its inputs changed.
# The Debian mirror is the one this machine's apt uses (DEBIAN_MIRROR overrides it).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
OUT=
BUILDDIR=$TOP/build
KUBERNETES=
KUBERNETES_IMAGES=
CACHE=${KFB_IMAGE_CACHE:-/var/cache/kube-firstboot}
SUITE=bookworm
ROOT_SLACK_MB=${ROOT_SLACK_MB:-320}     # free space in the root filesystem of the image
SWAP_MB=64

while [ $# -gt 0 ]; do
        case $1 in
        --out) OUT=$(realpath -m "$2"); shift 2 ;;
        --builddir) BUILDDIR=$(realpath -m "$2"); shift 2 ;;
        --kubernetes) KUBERNETES=$(realpath -m "$2"); shift 2 ;;
        --kubernetes-images) KUBERNETES_IMAGES=$(realpath -m "$2"); shift 2 ;;
        *) echo "usage: $0 [--out DIR] [--builddir DIR] [--kubernetes DIR [--kubernetes-images DIR2]]" >&2; exit 2 ;;
        esac
done

say() { echo "image-test: $*"; }
die() { echo "image-test: error: $*" >&2; exit 1; }

# The release: what it must hold, checked before anything is built.
K8S_BIN=
K8S_VERSION=
K8S_SERVER_IMAGES="kube-apiserver kube-controller-manager kube-scheduler kube-proxy"
if [ -n "$KUBERNETES" ]; then
        K8S_BIN=$KUBERNETES/kubernetes/server/bin
        KUBERNETES_IMAGES=${KUBERNETES_IMAGES:-$KUBERNETES/images}
        for f in kubeadm kubelet kubectl; do
                [ -x "$K8S_BIN/$f" ] || die "$K8S_BIN/$f missing: --kubernetes wants a kubernetes-server-linux-amd64 tree"
        done
        for f in $K8S_SERVER_IMAGES; do
                [ -f "$K8S_BIN/$f.tar" ] || die "$K8S_BIN/$f.tar missing (the release's docker-archive image)"
        done
        ls "$KUBERNETES_IMAGES"/*.tar >/dev/null 2>&1 ||
                die "no image tarballs in $KUBERNETES_IMAGES (etcd, pause, coredns: --kubernetes-images DIR2)"
        K8S_VERSION=$("$K8S_BIN/kubeadm" version -o short) || die "$K8S_BIN/kubeadm version failed"
        OUT=${OUT:-$TOP/build/image-test-k8s}
elif [ -n "$KUBERNETES_IMAGES" ]; then
        die "--kubernetes-images without --kubernetes"
fi
OUT=${OUT:-$TOP/build/image-test}

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, file ownership in the image)"
for tool in debootstrap mkfs.ext4 sfdisk qemu-img systemctl; do
        command -v "$tool" >/dev/null || die "$tool missing (tools/install-deps.sh installs it)"
done

packages() { sed 's/#.*//' "$HERE/packages" | awk 'NF { print $1 }'; }

# The mirror this machine's apt uses for Debian main, so nothing here names a host.
debian_mirror() {
        local m=${DEBIAN_MIRROR:-}
        if [ -z "$m" ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
                m=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
                        /etc/apt/sources.list.d/debian.sources)
        fi
        if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
                m=$(awk '$1 == "deb" && $2 !~ /^\[/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list)
        fi
        [ -n "$m" ] || die "no Debian mirror in this machine's apt sources; set DEBIAN_MIRROR"
        echo "$m"
}

# ---- stage 1: debootstrap, small initrd, pruned modules (cached) -------------------------------------
# Modules the initrd needs to find and mount the root filesystem on a virtio disk.
INITRD_MODULES="virtio_pci virtio_blk virtio_scsi sd_mod ext4 crc32c_generic"
# Kernel module trees a qemu guest never uses: dropped to keep the image and its copies small.
PRUNE_MODULES="drivers/gpu drivers/media drivers/net/wireless drivers/net/ethernet drivers/infiniband drivers/staging
drivers/bluetooth drivers/iio drivers/input/touchscreen drivers/hid drivers/usb drivers/scsi/qla2xxx drivers/scsi/lpfc
drivers/scsi/mpt3sas drivers/md drivers/isdn drivers/mtd drivers/thunderbolt drivers/platform drivers/hwmon
drivers/firmware drivers/nfc drivers/memstick drivers/mmc drivers/comedi drivers/atm sound net/wireless net/mac80211
net/bluetooth fs/ocfs2 fs/btrfs fs/xfs fs/nfs fs/nfsd fs/gfs2 fs/ceph fs/smb fs/cifs fs/f2fs fs/jfs fs/nilfs2"

build_base() {
        local tar=$1 tmp kver
        tmp=$(mktemp -d "$CACHE/.base.XXXXXX")
        BASE_TMP=$tmp
        say "debootstrap $SUITE from $(debian_mirror) (about 2 minutes, cached afterwards)"
        debootstrap --variant=minbase --components=main --include="$(packages | paste -sd,)" \
                "$SUITE" "$tmp/root" "$(debian_mirror)" >"$tmp/debootstrap.log" 2>&1 ||
                { tail -n 30 "$tmp/debootstrap.log" >&2; die "debootstrap failed"; }

        kver=$(basename "$(ls -d "$tmp"/root/usr/lib/modules/* | head -n 1)")
        for tree in $PRUNE_MODULES; do rm -rf "$tmp/root/usr/lib/modules/$kver/kernel/$tree"; done
        chroot "$tmp/root" depmod -a "$kver"
        printf 'MODULES=list\nCOMPRESS=zstd\n' >"$tmp/root/etc/initramfs-tools/conf.d/kube-firstboot-test.conf"
        printf '%s\n' $INITRD_MODULES >>"$tmp/root/etc/initramfs-tools/modules"
        mount -t proc proc "$tmp/root/proc"
        mount -t sysfs sys "$tmp/root/sys"
        chroot "$tmp/root" update-initramfs -u -k "$kver" >"$tmp/initramfs.log" 2>&1 ||
                { cat "$tmp/initramfs.log" >&2; die "update-initramfs failed"; }
        umount "$tmp/root/proc" "$tmp/root/sys"

        chroot "$tmp/root" apt-get clean
        rm -rf "$tmp"/root/var/lib/apt/lists/* "$tmp"/root/usr/share/doc/* "$tmp"/root/usr/share/man/* \
                "$tmp"/root/usr/share/locale/* "$tmp"/root/var/log/*.log "$tmp"/root/var/cache/debconf/*-old
        tar -C "$tmp/root" --numeric-owner --xattrs -cpf "$tmp/base.tar" .
        mv "$tmp/base.tar" "$tar"
        rm -rf "$tmp"
        BASE_TMP=
}

base_key=$( { packages; echo "$SUITE $INITRD_MODULES $PRUNE_MODULES"; declare -f build_base; } | sha256sum | cut -c1-16)
BASE_TAR=$CACHE/debian12-base-$base_key.tar
mkdir -p "$CACHE"
BASE_TMP=
WORKDIR=
cleanup() {
        if [ -n "$BASE_TMP" ]; then
                umount "$BASE_TMP/root/proc" "$BASE_TMP/root/sys" 2>/dev/null || true
                rm -rf "$BASE_TMP"
        fi
        [ -z "$WORKDIR" ] || rm -rf "$WORKDIR"
}
trap cleanup EXIT
if [ -f "$BASE_TAR" ]; then
        say "debootstrap cache hit: $BASE_TAR"
else
        build_base "$BASE_TAR"
        say "cached $BASE_TAR ($(du -m "$BASE_TAR" | cut -f1) MB)"
fi

# ---- stage 2: the agent, stand-ins, units, configuration, disk ----------------------------------------
make -s -C "$TOP" BUILDDIR="$BUILDDIR" all >/dev/null

inputs_key() {
        {
                echo "$base_key $ROOT_SLACK_MB $SWAP_MB"
                # the release: names, sizes and times of its files (hashing them all costs seconds)
                if [ -n "$KUBERNETES" ]; then
                        echo "$KUBERNETES $KUBERNETES_IMAGES $K8S_VERSION"
                        find "$K8S_BIN" "$KUBERNETES_IMAGES" -maxdepth 1 -type f -printf '%p %s %T@\n' | sort
                fi
                sha256sum "$BUILDDIR/kube-firstboot" "$BUILDDIR/kube-firstboot-server" "$HERE"/* \
                        "$TOP/tests/stand-ins/kubeadm" "$TOP/tests/stand-ins/kubelet" "$TOP/Makefile"
                find "$TOP/firstboot" "$TOP/docs" \( -name '*.service' -o -name '*.timer' -o -name '*.8' \
                        -o -name '*.conf' -o -name '*.in' \) -type f -print0 | sort -z | xargs -0 -r sha256sum
        } | sha256sum | cut -c1-16
}
key=$(inputs_key)
if [ -f "$OUT/image.env" ] && grep -qx "IMAGE_KEY=$key" "$OUT/image.env"; then
        say "up to date: $OUT/disk.qcow2"
        exit 0
fi

mkdir -p "$OUT"
# The tree is built outside the repository (a root filesystem in build/ confuses tools that walk it).
WORKDIR=$(mktemp -d "$CACHE/.stage2.XXXXXX")
R=$WORKDIR/root
mkdir "$R"
tar -C "$R" --numeric-owner --xattrs -xpf "$BASE_TAR"

# The agent and whatever `make install` installs (its units once the tree has them).
make -s -C "$TOP" BUILDDIR="$BUILDDIR" DESTDIR="$R" install >/dev/null
[ -x "$R/usr/bin/kube-firstboot" ] || die "make install did not install /usr/bin/kube-firstboot"
[ -f "$R/usr/lib/systemd/system/kube-firstboot.service" ] ||
        die "make install did not install kube-firstboot.service (firstboot/units/)"
unit_source="make install"

if [ -n "$KUBERNETES" ]; then
        for f in kubeadm kubelet kubectl; do install -m 0755 "$K8S_BIN/$f" "$R/usr/bin/$f"; done
        install -d -m 0700 "$R/var/lib/kube-firstboot/images"
        for f in $K8S_SERVER_IMAGES; do install -m 0600 "$K8S_BIN/$f.tar" "$R/var/lib/kube-firstboot/images/$f.tar"; done
        for f in "$KUBERNETES_IMAGES"/*.tar; do install -m 0600 "$f" "$R/var/lib/kube-firstboot/images/"; done
        install -d "$R/opt/cni/bin" "$R/etc/cni/net.d"
        for f in "$R"/usr/lib/cni/*; do ln -s "/usr/lib/cni/${f##*/}" "$R/opt/cni/bin/${f##*/}"; done
        [ -x "$R/usr/lib/cni/bridge" ] && [ -L "$R/opt/cni/bin/bridge" ] || die "no CNI bridge plugin in the image (containernetworking-plugins)"
        cat >"$R/etc/cni/net.d/99-lab-bridge.conflist" <<'EOF'
{
  "cniVersion": "0.4.0",
  "name": "lab-bridge",
  "plugins": [
    { "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "10.88.0.0/16" }]], "routes": [{ "dst": "0.0.0.0/0" }] } },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
else
        # Stand-ins: one file, three names (it picks its role from the name); kubelet is its own stand-in.
        install -m 0755 "$TOP/tests/stand-ins/kubeadm" "$R/usr/bin/kubeadm"
        install -m 0755 "$TOP/tests/stand-ins/kubeadm" "$R/usr/bin/kubectl"
        install -m 0755 "$TOP/tests/stand-ins/kubelet" "$R/usr/bin/kubelet"
        # Workers' kubeadm join asks the API server at the join's endpoint (the master's kubelet stand-in).
        echo api-server >"$R/usr/bin/kubeadm.cluster"
        # ECDSA P-256 keys, as kubeadm's PublicKeysECDSA feature gate makes them: under TCG the stand-in's
        # sixteen RSA 2048 keys take minutes; the CA pin is computed over the key the same way.
        : >"$R/usr/bin/kubeadm.ca-ecdsa"
fi
install -m 0644 "$HERE/kubelet.service" "$R/usr/lib/systemd/system/kubelet.service"
install -d "$R/usr/lib/systemd/system/kubelet.service.d"
install -m 0644 "$HERE/10-kubeadm.conf" "$R/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"
install -m 0755 "$HERE/kfb-lab-report" "$R/usr/libexec/kfb-lab-report"
install -m 0755 "$HERE/kfb-lab-hostgw" "$R/usr/libexec/kfb-lab-hostgw"
install -m 0644 "$HERE/kfb-lab-report.service" "$HERE/kfb-lab-memwatch.service" "$R/usr/lib/systemd/system/"

# Docker without its bridge and iptables rules: under TCG they cost it about 20 s at every start and no
# container runs in this lab. The agent merges its cgroup driver into this file (a real merge, on boot).
install -d "$R/etc/docker"
printf '{\n  "bridge": "none",\n  "iptables": false,\n  "ip-masq": false\n}\n' >"$R/etc/docker/daemon.json"

# Host configuration as a fresh cloud image has it.
echo debian-test >"$R/etc/hostname"
cat >"$R/etc/hosts" <<'EOF'
127.0.0.1	localhost
::1		localhost ip6-localhost ip6-loopback
ff02::1		ip6-allnodes
ff02::2		ip6-allrouters
EOF
: >"$R/etc/machine-id"                  # a new one at each guest's first boot
rm -f "$R/var/lib/dbus/machine-id"
mkdir -p "$R/var/log/journal"           # persistent journal: read from the disk after the guest stops
# Swap file: random bytes, because mkfs.ext4 -d leaves all-zero blocks out and swapon refuses holes.
head -c $((SWAP_MB * 1024 * 1024)) /dev/urandom >"$R/swapfile"
chmod 0600 "$R/swapfile"
mkswap -L kfbswap "$R/swapfile" >/dev/null
root_uuid=$(cat /proc/sys/kernel/random/uuid)
cat >"$R/etc/fstab" <<EOF
# /etc/fstab of the kube-firstboot Debian test image
UUID=$root_uuid	/	ext4	defaults,errors=remount-ro	0	1
/swapfile	none	swap	sw	0	0
EOF
# Root logs in on the serial console without a password: a test image on a private lab network.
passwd -R "$R" -d root >/dev/null 2>&1 || sed -i 's/^root:[^:]*:/root::/' "$R/etc/shadow"
install -d "$R/etc/systemd/system/serial-getty@ttyS0.service.d"
cat >"$R/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf" <<'EOF'
[Service]
ExecStart=
ExecStart=-/sbin/agetty --autologin root --keep-baud 115200,57600,38400,9600 %I $TERM
EOF
# udev may handle ttyS0 minutes into a boot under emulation beside other guests; systemd's 90 s wait for the
# device would then fail the console's getty for good, and the tests type on that console.
install -d "$R/etc/systemd/system/dev-ttyS0.device.d"
printf '%s\n' '[Unit]' 'JobTimeoutSec=0' 'JobRunningTimeoutSec=0' >"$R/etc/systemd/system/dev-ttyS0.device.d/wait.conf"
# The tests read what root's shell prints on the console line by line: no bracketed-paste switch (ESC [?2004l)
# before a command's first line of output.
printf '%s\n' '$include /etc/inputrc' 'set enable-bracketed-paste off' >"$R/root/.inputrc"
# Boot quickly: nothing waits for "online"; no timers that would run during a short test boot.
systemctl --root="$R" enable systemd-networkd.service kube-firstboot.service kfb-lab-report.service kfb-lab-memwatch.service \
        serial-getty@ttyS0.service >/dev/null 2>&1
systemctl --root="$R" disable systemd-networkd-wait-online.service >/dev/null 2>&1 || true
for t in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer dpkg-db-backup.timer; do
        systemctl --root="$R" mask "$t" >/dev/null 2>&1 || true
done
systemctl --root="$R" is-enabled kubelet.service >/dev/null 2>&1 &&
        die "kubelet.service is enabled in the image: the agent's kubelet step must find it disabled"
# docker starts first from the agent's docker step, after daemon.json has the systemd cgroup driver: started
# at boot before the agent, it would run with cgroupfs and the agent would have to restart it (about 24 s of
# a first boot under TCG). The agent enables it, so later boots start it as usual.
systemctl --root="$R" disable docker.service docker.socket >/dev/null 2>&1 || true
systemctl --root="$R" is-enabled docker.service >/dev/null 2>&1 &&
        die "docker.service is enabled in the image: docker would start before the agent writes daemon.json"

# The disk: an MBR partition table with one ext4 partition holding the tree, sized to the tree plus
# ROOT_SLACK_MB; the guests' overlays are larger, and the agent grows partition and filesystem.
used_mb=$(du -sm --apparent-size "$R" | cut -f1)
part_mb=$((used_mb + used_mb / 10 + ROOT_SLACK_MB))
disk_mb=$((part_mb + 1))
say "root tree ${used_mb} MB; filesystem ${part_mb} MB; image disk ${disk_mb} MB"
mkfs.ext4 -q -F -L kfbroot -U "$root_uuid" -d "$R" "$WORKDIR/part.img" "${part_mb}M" >/dev/null
truncate -s "${disk_mb}M" "$WORKDIR/disk.raw"
echo "start=2048, type=83, bootable" | sfdisk -q --label dos "$WORKDIR/disk.raw"
dd if="$WORKDIR/part.img" of="$WORKDIR/disk.raw" bs=1M seek=1 conv=notrunc,sparse status=none
qemu-img convert -f raw -O qcow2 "$WORKDIR/disk.raw" "$WORKDIR/disk.qcow2"

kver=$(basename "$(ls -d "$R"/usr/lib/modules/* | head -n 1)")
cp "$R/boot/vmlinuz-$kver" "$WORKDIR/vmlinuz"
cp "$R/boot/initrd.img-$kver" "$WORKDIR/initrd.img"
# net.ifnames=0: eth0, as in CentOS 7 cloud images (the seeds name eth0); no_timer_check: a TCG guest on
# a busy host can fail the kernel's IO-APIC timer check and panic at boot (seen here); panic=-1: a panic
# reboots at once, which ends qemu under -no-reboot; mitigations=off: no page-table isolation, whose
# address-space switch at every system call is costly under TCG (a test guest).
if [ -n "$KUBERNETES" ]; then
        image_kind=debian12-k8s
        image_desc="Debian 12 test image (Kubernetes $K8S_VERSION from $KUBERNETES, images from $KUBERNETES_IMAGES; kernel $kver)"
        extra_cmdline=" apparmor=0"
else
        image_kind=debian12-test
        image_desc="Debian 12 test image (stand-ins for kubeadm, kubectl and kubelet; kernel $kver)"
        extra_cmdline=
fi
cat >"$WORKDIR/image.env" <<EOF
# written by image/debian/build-test-image.sh
IMAGE_KIND=$image_kind
IMAGE_DESC="$image_desc"
IMAGE_K8S_VERSION=$K8S_VERSION
IMAGE_DISK=disk.qcow2
IMAGE_KERNEL=vmlinuz
IMAGE_INITRD=initrd.img
IMAGE_CMDLINE="root=UUID=$root_uuid ro console=ttyS0,115200 net.ifnames=0 quiet no_timer_check panic=-1 mitigations=off$extra_cmdline"
IMAGE_DISK_MB=$disk_mb
IMAGE_ROOT_MB=$part_mb
IMAGE_UNIT_SOURCE="$unit_source"
IMAGE_KEY=$key
EOF
for f in disk.qcow2 vmlinuz initrd.img image.env; do mv -f "$WORKDIR/$f" "$OUT/$f"; done
say "built $OUT/disk.qcow2 ($(du -m "$OUT/disk.qcow2" | cut -f1) MB, initrd $(du -k "$OUT/initrd.img" | cut -f1) KB); kube-firstboot.service from $unit_source"
