#!/bin/bash
# The growroot step on real disks: sparse images on loop devices with a partition table and a filesystem
# smaller than the disk (a cloud image booted on a larger disk). The agent runs real growpart, resize2fs
# and xfs_growfs (every other command is a stand-in); the partition and the filesystem must reach the end
# of the disk once, and a second run must leave them as they are.
#
# The --root tree tells the step where its root is, as a booted system would: proc/self/mountinfo names
# the loop partition's MAJ:MIN and filesystem type for "/", sys/dev and sys/devices are the real sysfs's
# and dev the real devtmpfs (bind-mounted: the agent follows no symlink out of its --root; sysfs's own
# links are relative, inside it; devtmpfs follows the partition that partx re-adds under a new minor).
# Runs in a private mount namespace: the mounts stay in it. xfs_growfs works on a mounted filesystem only, so the xfs
# case mounts the partition and uses the mount point as the --root tree. ext4 is grown through its device:
# mounted (online resize) where the kernel allows it here, else offline (online resize needs
# CAP_SYS_RESOURCE, which some sandboxes drop); the step runs the same `resize2fs DEVICE` either way.
[ "$(id -u)" -eq 0 ] || { echo "FAIL: this test needs root (loop devices, mount)" >&2; exit 1; }
if [ -z "${KFB_PRIVATE_NS:-}" ]; then
        exec unshare -m --propagation private env KFB_PRIVATE_NS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/host-steps.sh"
. "$TOP/tests/lib/host-cases.sh"

for c in losetup sfdisk partx growpart mkfs.ext4 resize2fs dumpe2fs e2fsck mkfs.xfs xfs_growfs xfs_info mount umount; do
        command -v "$c" >/dev/null || fail "$c is missing (tools/install-deps.sh installs it)"
done
# The tools growpart itself calls must be the real ones: the stand-in bin comes first, the system after.
REAL_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
REAL_TOOLS=(growpart resize2fs xfs_growfs partx blockdev udevadm lsblk findmnt)

capeff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
can_resize_online=$(((0x$capeff >> 24) & 1)) # CAP_SYS_RESOURCE

# attach IMG: a loop device for IMG in $disk, detached at exit. Its partitions are added with partx
# (BLKPG), not by the kernel's partition scan (losetup -P): this sandbox's kernel has no partition table
# parsers, so with scanning on, any re-read of the disk (BLKRRPART, by any process) would drop the
# partitions; with scanning off the kernel keeps what partx told it, as a booted system keeps its disk's.
attach() {
        local img=$1
        if ! disk=$(losetup -f --show "$img" 2>"$WORK/losetup.err"); then
                fail "losetup cannot get a loop device for $img ($(cat "$WORK/losetup.err")): this test needs" \
                        "root and /dev/loop-control"
        fi
        # partitions added with partx outlive the loop device's detach: delete them first
        cleanup_hooks+=("partx -d $disk 2>/dev/null; losetup -d $disk")
}

# partitions DEV: the kernel learns DEV's partitions from its partition table.
partitions() {
        local dev=$1
        partx -d "$dev" 2>/dev/null || true # left over by an earlier user of this loop device
        partx -a "$dev" 2>"$WORK/partx.err" || fail "partx -a $dev: $(cat "$WORK/partx.err")"
        [ -b "${dev}p1" ] || fail "$dev: no ${dev}p1 after partx -a"
}

# partitioned_disk NAME SIZE LAYOUT GROWN: d=$WORK/NAME and the image img=$WORK/NAME.img of SIZE, partitioned
# by sfdisk from LAYOUT (with \n escapes), grown to GROWN and attached; its first partition in $part.
partitioned_disk() {
        d=$WORK/$1
        img=$WORK/$1.img
        truncate -s "$2" "$img"
        printf '%b' "$3" | sfdisk -q "$img"
        truncate -s "$4" "$img"
        attach "$img"
        partitions "$disk"
        part=${disk}p1
}

majmin() { printf '%d:%d' "0x$(stat -c %t "$1")" "0x$(stat -c %T "$1")"; }
sectors() { cat "/sys/class/block/$(basename "$1")/size"; }
part_end() {
        local p
        p=/sys/class/block/$(basename "$1")
        echo $(($(cat "$p/start") + $(cat "$p/size")))
}
ext_bytes() { dumpe2fs -h "$1" 2>/dev/null | awk -F: '/^Block count/ { n = $2 } /^Block size/ { s = $2 } END { print n * s }'; }
xfs_bytes() { xfs_info "$1" | sed -n 's/^data *= *bsize=\([0-9]*\) *blocks=\([0-9]*\),.*/\1 \2/p' | awk '{ print $1 * $2 }'; }

# growroot_case D FSDEV DISKDEV FSTYPE: the case directory (D/root must exist: the xfs mount point or a
# plain directory) with the stand-ins except for the growth tools, and the root described (describe_root).
growroot_case() {
        local d=$1
        case_dir "$d"
        for t in "${REAL_TOOLS[@]}"; do rm -f "$d/bin/$t"; done
        echo "$2 $3 $4" >"$d/describe"
}

# describe_root D: the mountinfo saying "/" is FSDEV (with its current MAJ:MIN), the real sysfs and the
# device nodes. Done before every run: growpart tells the kernel the new partition size with partx,
# which for a partition not in use (the offline ext4 case) deletes and re-adds it under a new minor.
describe_root() {
        local d=$1 fsdev disk fstype mm m
        [ -f "$d/describe" ] || return 0
        read -r fsdev disk fstype <"$d/describe"
        mm=$(majmin "$fsdev")
        for m in sys/dev sys/devices dev; do
                if mountpoint -q "$d/root/$m"; then umount "$d/root/$m" || fail "cannot unmount $d/root/$m"; fi
        done
        rm -rf "$d/root/proc/self" "$d/root/sys/dev" "$d/root/sys/devices" "$d/root/dev"
        mkdir -p "$d/root/proc/self" "$d/root/sys/dev" "$d/root/sys/devices" "$d/root/dev"
        # the kernel's first root (rootfs) is stacked under the real one: the last "/" counts
        printf '1 1 0:1 / / rw - rootfs rootfs rw\n25 1 %s / / rw,relatime shared:1 - %s %s rw,attr2\n22 25 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n' \
                "$mm" "$fstype" "$fsdev" >"$d/root/proc/self/mountinfo"
        for m in sys/dev sys/devices dev; do
                mount --bind "/$m" "$d/root/$m" || fail "cannot bind-mount /$m"
                cleanup_hooks=("umount '$d/root/$m' 2>/dev/null" "${cleanup_hooks[@]}") # before the filesystem's
        done
}

grow_run() { # D ARGS...
        describe_root "$1"
        EXTRA_PATH=$REAL_PATH agent_run "$@"
}

# second_run D: --force; growroot finds everything full size and runs no growth tool.
second_run() {
        local d=$1 lines
        lines=$(wc -l <"$d/root/var/log/kube-firstboot.log")
        grow_run "$d" run --until host --force || { cat "$d/out"; fail "$d: second run failed"; }
        assert_eq "" "$(step_log "$d" growroot | grep -v '^unchanged: ' || true)" "$d: second run's growroot actions"
        assert_eq "" "$(tail -n +$((lines + 1)) "$d/root/var/log/kube-firstboot.log" | grep -E 'running (growpart|resize2fs|xfs_growfs)' || true)" \
                "$d: second run ran a growth tool"
}

# ---- ext4 on partition 1 of an MBR disk: 150 MiB partition on a 200 MiB image grown to 400 MiB -------
partitioned_disk ext4 200M 'label: dos\n,150MiB,L\n' 400M
mkfs.ext4 -q "$part"
mkdir -p "$d/root"
if [ "$can_resize_online" = 1 ]; then
        mkdir -p "$WORK/ext4-mnt"
        mount "$part" "$WORK/ext4-mnt"
        cleanup_hooks=("umount $WORK/ext4-mnt" "${cleanup_hooks[@]}")
        echo "note: ext4 mounted: grown online"
else
        echo "note: no CAP_SYS_RESOURCE here: ext4 left unmounted and grown offline (same resize2fs command)"
fi
growroot_case "$d" "$part" "$disk" ext4
dn=$(basename "$disk")
table0=$(sfdisk -d "$disk")
fs0=$(ext_bytes "$part")
assert_eq 157286400 "$fs0" "ext4 before"

grow_run "$d" plan || { cat "$d/out"; fail "ext4: plan failed"; }
assert_eq "  growroot   would grow partition 1 of /dev/$dn (growpart) (150 MiB -> 399 MiB)
  growroot   would grow the ext4 filesystem on /dev/${dn}p1 (resize2fs) (150 MiB -> 399 MiB)" \
        "$(grep '^  growroot ' "$d/out")" "ext4: plan"
assert_eq "$table0" "$(sfdisk -d "$disk")" "plan changed the partition table"
assert_eq "$fs0" "$(ext_bytes "$part")" "plan changed the filesystem"

grow_run "$d" run --until host || { cat "$d/out"; fail "ext4: run failed"; }
assert_eq "grow partition 1 of /dev/$dn (growpart) (150 MiB -> 399 MiB)
grow the ext4 filesystem on /dev/${dn}p1 (resize2fs) (150 MiB -> 399 MiB)" "$(step_log "$d" growroot)" "ext4: actions"
# growpart leaves the last 33 sectors for a GPT backup header
assert_eq $(($(sectors "$disk") - 33)) "$(part_end "$part")" "ext4: partition end"
sfdisk -d "$disk" | grep -q "start= *2048, size= *817119, type=83" || fail "ext4: partition table: $(sfdisk -d "$disk")"
fs1=$(ext_bytes "$part")
[ "$fs1" -gt "$fs0" ] || fail "ext4: filesystem not grown ($fs0 -> $fs1)"
[ $(($(sectors "$part") * 512 - fs1)) -le $((4 * 1024 * 1024)) ] || fail "ext4: filesystem $fs1 bytes, partition $(($(sectors "$part") * 512))"
[ "$can_resize_online" = 1 ] || e2fsck -fn "$part" >/dev/null 2>&1 || fail "ext4: e2fsck finds errors after the resize"
table1=$(sfdisk -d "$disk")
sum1=$(sha256sum <"$img")
second_run "$d"
assert_eq "unchanged: partition 1 of /dev/$dn reaches the end of the disk
unchanged: the ext4 filesystem fills /dev/${dn}p1" "$(step_log "$d" growroot)" "ext4: second run"
assert_eq "$table1" "$(sfdisk -d "$disk")" "ext4: second run changed the partition table"
assert_eq "$fs1" "$(ext_bytes "$part")" "ext4: second run changed the filesystem"
[ "$can_resize_online" = 1 ] || assert_eq "$sum1" "$(sha256sum <"$img")" "ext4: second run changed a byte of the disk"
ok "ext4 on an MBR partition: partition and filesystem grown to the disk's end once, untouched the second time"

# ---- xfs on partition 1 of a GPT disk, mounted as the root: 320 MiB on 400 MiB grown to 800 MiB ------
# (xfsprogs refuses filesystems under 300 MiB)
partitioned_disk xfs 400M 'label: gpt\n,320MiB,L\n' 800M
mkfs.xfs -q "$part"
mkdir -p "$d/root"
mount "$part" "$d/root"
cleanup_hooks=("umount $d/root" "${cleanup_hooks[@]}")
growroot_case "$d" "$part" "$disk" xfs
dn=$(basename "$disk")
fs0=$(xfs_bytes "$d/root")
table0=$(sfdisk -d "$disk" 2>/dev/null)

grow_run "$d" plan || { cat "$d/out"; fail "xfs: plan failed"; }
assert_eq "  growroot   would grow partition 1 of /dev/$dn (growpart) (320 MiB -> 799 MiB)
  growroot   would grow the xfs filesystem on /dev/${dn}p1 (xfs_growfs) (320 MiB -> 799 MiB)" \
        "$(grep '^  growroot ' "$d/out")" "xfs: plan"
assert_eq "$table0" "$(sfdisk -d "$disk" 2>/dev/null)" "plan changed the partition table"

grow_run "$d" run --until host || { cat "$d/out"; fail "xfs: run failed"; }
assert_eq "grow partition 1 of /dev/$dn (growpart) (320 MiB -> 799 MiB)
grow the xfs filesystem on /dev/${dn}p1 (xfs_growfs) (320 MiB -> 799 MiB)" "$(step_log "$d" growroot)" "xfs: actions"
assert_eq $(($(sectors "$disk") - 33)) "$(part_end "$part")" "xfs: partition end"
fs1=$(xfs_bytes "$d/root")
[ "$fs1" -gt "$fs0" ] || fail "xfs: filesystem not grown ($fs0 -> $fs1)"
[ $(($(sectors "$part") * 512 - fs1)) -le $((4 * 1024 * 1024)) ] || fail "xfs: filesystem $fs1 bytes, partition $(($(sectors "$part") * 512))"
table1=$(sfdisk -d "$disk")
second_run "$d"
assert_eq "unchanged: partition 1 of /dev/$dn reaches the end of the disk
unchanged: the xfs filesystem fills /dev/${dn}p1" "$(step_log "$d" growroot)" "xfs: second run"
assert_eq "$table1" "$(sfdisk -d "$disk")" "xfs: second run changed the partition table"
assert_eq "$fs1" "$(xfs_bytes "$d/root")" "xfs: second run changed the filesystem"
ok "xfs on a GPT partition, mounted: partition and filesystem grown once, untouched the second time"

# ---- ext4 on a whole disk without partitions: only the filesystem grows -------------------------------
d=$WORK/whole
img=$WORK/whole.img
truncate -s 200M "$img"
attach "$img"
mkfs.ext4 -q "$disk" 100M
mkdir -p "$d/root"
growroot_case "$d" "$disk" "$disk" ext4
dn=$(basename "$disk")
grow_run "$d" run --until host || { cat "$d/out"; fail "whole: run failed"; }
assert_eq "grow the ext4 filesystem on /dev/$dn (resize2fs) (100 MiB -> 200 MiB)" "$(step_log "$d" growroot)" "whole: actions"
assert_eq 209715200 "$(ext_bytes "$disk")" "whole: filesystem size"
sum1=$(sha256sum <"$img")
second_run "$d"
assert_eq "unchanged: the ext4 filesystem fills /dev/$dn" "$(step_log "$d" growroot)" "whole: second run"
assert_eq "$sum1" "$(sha256sum <"$img")" "whole: second run changed a byte of the disk"
ok "ext4 on a whole disk: filesystem grown to the device, untouched the second time"

# ---- a root this step does not grow: reported, nothing run --------------------------------------------
d=$WORK/tmpfs
mkdir -p "$d/root"
case_dir "$d"
mkdir -p "$d/root/proc/self"
echo '25 1 0:30 / / rw,relatime shared:1 - tmpfs tmpfs rw' >"$d/root/proc/self/mountinfo"
grow_run "$d" run --until host || { cat "$d/out"; fail "tmpfs: run failed"; }
assert_eq "unchanged: root filesystem is tmpfs (only ext2/3/4 and xfs are grown)" "$(step_log "$d" growroot)" "tmpfs"
ok "a tmpfs root: left alone, said so"
