#!/bin/bash
# Seed images made by the real tools, read with --seed FILE (in user space: no mount, no kernel
# filesystem driver): cloud-localds (iso9660 via genisoimage -joliet -rock; -f vfat via mkfs.vfat +
# mcopy, lower-case label), the same relabelled upper-case as CentOS 7's mkfs.vfat writes it, FAT16 and
# FAT32, with and without network-config, cloud-localds' JSON meta-data, and ConfigDrive volumes. Each
# must show the same configuration as the seed directory it was made from.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/seed-lib.sh"

S=$WORK/seeds
seed_dir "$S/master" master
seed_dir "$S/node-1-nonet" node-1 "" no-network

# show_image IMAGE: show-seed of --seed IMAGE into $WORK/out, stderr into $WORK/err; fails on error.
show_image() {
        run_cmd "$AGENT" --seed "$1" show-seed
}

check_image() { # IMAGE SEED-DIR ORIGIN-SUFFIX
        show_image "$1"
        expect_seed "$WORK/out" "$2"
        assert_eq "$1 $3" "$(origin_of "$WORK/out")" "origin of $1"
        ok "$(basename "$1"): same seed as $(basename "$2"), origin \"$1 $3\""
}

# iso9660, as cloud-localds writes it, with and without network-config.
cloud-localds -N "$S/master/network-config" "$WORK/master.iso" "$S/master/user-data" "$S/master/meta-data"
check_image "$WORK/master.iso" "$S/master" "(iso9660, label cidata)"
cloud-localds "$WORK/node-1.iso" "$S/node-1-nonet/user-data" "$S/node-1-nonet/meta-data"
check_image "$WORK/node-1.iso" "$S/node-1-nonet" "(iso9660, label cidata)"
grep -q '^network-config: null' "$WORK/out" || fail "node-1.iso has no network-config, show-seed shows one"

# vfat, as cloud-localds -f vfat writes it: mkfs.vfat -n cidata (lower case) and mcopy.
cloud-localds -f vfat -N "$S/master/network-config" "$WORK/master.vfat" "$S/master/user-data" "$S/master/meta-data"
blkid -p -s LABEL -o value "$WORK/master.vfat" | grep -qx cidata || fail "cloud-localds -f vfat did not label cidata"
check_image "$WORK/master.vfat" "$S/master" "(vfat, label cidata)"
cloud-localds -f vfat "$WORK/node-1.vfat" "$S/node-1-nonet/user-data" "$S/node-1-nonet/meta-data"
check_image "$WORK/node-1.vfat" "$S/node-1-nonet" "(vfat, label cidata)"

# The same, relabelled upper case (CentOS 7's mkfs.vfat writes CIDATA).
cp "$WORK/master.vfat" "$WORK/master-upper.vfat"
fatlabel "$WORK/master-upper.vfat" CIDATA >/dev/null 2>&1
blkid -p -s LABEL -o value "$WORK/master-upper.vfat" | grep -qx CIDATA || fail "fatlabel did not relabel CIDATA"
check_image "$WORK/master-upper.vfat" "$S/master" "(vfat, label CIDATA)"

# Built the way a CentOS 7 host does it by hand: mkfs.vfat -n CIDATA, then mcopy; FAT12, 16 and 32.
for fat in 12 16 32; do
        img=$WORK/master-fat$fat.img
        case $fat in 12) size=1M ;; 16) size=20M ;; 32) size=40M ;; esac
        truncate -s "$size" "$img"
        mkfs.vfat -F "$fat" -n CIDATA "$img" >/dev/null 2>&1 || fail "mkfs.vfat -F $fat failed"
        mcopy -i "$img" "$S/master/meta-data" "$S/master/user-data" "$S/master/network-config" ::/
        blkid -p -s VERSION -o value "$img" | grep -qx "FAT$fat" || fail "$img is not FAT$fat"
        check_image "$img" "$S/master" "(vfat, label CIDATA)"
done

# cloud-localds without a meta-data file writes JSON: {"instance-id": "iid-local01", "local-hostname": H}.
# It has no role, so the seed is refused, and the message names the file inside the image.
cloud-localds -H master "$WORK/json.iso" "$S/master/user-data"
run_cmd -x 2 -m "show-seed of cloud-localds' default meta-data" "$AGENT" --seed "$WORK/json.iso" show-seed
assert_contains "$(cat "$WORK/err")" "$WORK/json.iso:meta-data:" "error names the file in the image"
assert_contains "$(cat "$WORK/err")" "role" "error names the missing field"
ok "cloud-localds' default JSON meta-data: refused, $(head -n 1 "$WORK/err")"

# A complete JSON meta-data (JSON is YAML), with cloud-localds' default instance-id: accepted, warned.
seed_dir "$S/json" master iid-local01 no-network
printf '{\n"instance-id": "iid-local01",\n"local-hostname": "master",\n"role": "control-plane"\n}\n' >"$WORK/md.json"
cloud-localds "$WORK/json2.iso" "$S/json/user-data" "$WORK/md.json"
check_image "$WORK/json2.iso" "$S/json" "(iso9660, label cidata)"
assert_contains "$(cat "$WORK/err")" "iid-local01" "warning about the shared default instance-id"

# vendor-data is read but does not change the configuration.
printf '#cloud-config\npackages: [htop]\n' >"$WORK/vendor-data"
cloud-localds -V "$WORK/vendor-data" -N "$S/master/network-config" "$WORK/vendor.iso" "$S/master/user-data" \
        "$S/master/meta-data"
check_image "$WORK/vendor.iso" "$S/master" "(iso9660, label cidata)"

# ConfigDrive (OpenStack): openstack/latest/meta_data.json and user_data, label config-2 / CONFIG-2.
uuid=83679162-1378-4288-a2d4-70e13ec132aa
seed_dir "$S/configdrive" master "$uuid" no-network
mkdir -p "$WORK/cd/openstack/latest"
printf '{"uuid": "%s", "hostname": "master", "name": "master", "meta": {"role": "control-plane"}, "files": []}\n' \
        "$uuid" >"$WORK/cd/openstack/latest/meta_data.json"
cp "$S/master/user-data" "$WORK/cd/openstack/latest/user_data"
genisoimage -quiet -output "$WORK/configdrive.iso" -volid config-2 -joliet -rock "$WORK/cd"
check_image "$WORK/configdrive.iso" "$S/configdrive" "(iso9660, label config-2)"
truncate -s 1M "$WORK/configdrive.vfat"
mkfs.vfat -n CONFIG-2 "$WORK/configdrive.vfat" >/dev/null
mmd -i "$WORK/configdrive.vfat" ::openstack ::openstack/latest
mcopy -i "$WORK/configdrive.vfat" "$WORK/cd/openstack/latest/meta_data.json" "$WORK/cd/openstack/latest/user_data" \
        ::openstack/latest/
check_image "$WORK/configdrive.vfat" "$S/configdrive" "(vfat, label CONFIG-2)"

# Bad images: refused with exit 2 and a message naming the image, and `run` leaves the host untouched.
ROOT=$WORK/root
mkdir -p "$ROOT/etc" "$ROOT/var/lib"
echo "localhost" >"$ROOT/etc/hostname"
before=$(tree_snapshot "$ROOT")
expect_refused() { # IMAGE MESSAGE
        run_cmd -x 2 -m "run on $1" "$AGENT" --root "$ROOT" --seed "$1" run
        assert_contains "$(cat "$WORK/err")" "$2" "error for $1"
        assert_tree_same "$before" "$(tree_snapshot "$ROOT")" "$1: the --root tree changed"
        ok "$(basename "$1") refused: $(grep -m1 error "$WORK/err")"
}
# The user-data record's extent moved past the end of the image.
cp "$WORK/master.iso" "$WORK/bad-extent.iso"
"$PYTHON" - "$WORK/bad-extent.iso" <<'EOF'
import struct, sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
for name in (b"USER_DAT.;1", "user-data".encode("utf-16-be")):
    pos = data.find(name)
    rec = pos - 33
    data[rec + 2:rec + 10] = struct.pack("<I", 0x00ffffff) + struct.pack(">I", 0x00ffffff)
open(path, "wb").write(data)
EOF
expect_refused "$WORK/bad-extent.iso" "$WORK/bad-extent.iso: filesystem points to bytes"
# A FAT whose user-data cluster chain loops back on itself.
cp "$WORK/master-fat16.img" "$WORK/loop.img"
"$PYTHON" - "$WORK/loop.img" <<'EOF'
import struct, sys
path = sys.argv[1]
d = bytearray(open(path, "rb").read())
bps, spc, rsvd = struct.unpack_from("<HBH", d, 11)
nfats, root_entries = d[16], struct.unpack_from("<H", d, 17)[0]
fatsz = struct.unpack_from("<H", d, 22)[0]
root = (rsvd + nfats * fatsz) * bps
entry = d.find(b"USER-D~1   ", root, root + root_entries * 32)
first = struct.unpack_from("<H", d, entry + 26)[0]
# user-data (about 1.5 KB) fits in one 2 KiB cluster: make that cluster link to itself, and the file
# claim more than a cluster, so the chain must be followed.
struct.pack_into("<H", d, rsvd * bps + first * 2, first)
struct.pack_into("<I", d, entry + 28, bps * spc * 3)
open(path, "wb").write(d)
EOF
expect_refused "$WORK/loop.img" "cluster chain loops"
# Not a filesystem at all.
head -c 65536 /dev/zero >"$WORK/zero.img"
expect_refused "$WORK/zero.img" "no filesystem found"
# A seed image inside a disk image container, encrypted or compressed: named, with what to do. The
# images are qemu-img's and gzip's own output.
for fmt in qcow2:qcow2 qed:QED vmdk:VMDK vdi:VDI vhdx:VHDX vpc:"dynamic VHD"; do
        qemu-img convert -f raw -O "${fmt%%:*}" "$WORK/master.iso" "$WORK/master-iso.${fmt%%:*}"
        expect_refused "$WORK/master-iso.${fmt%%:*}" \
                "$WORK/master-iso.${fmt%%:*}: a ${fmt#*:} "
done
assert_contains "$(cat "$WORK/err")" "not a filesystem: a seed image holds iso9660 or vfat" "the container message"
# A LUKS1 volume laid out as qemu-img 7.2 writes one (header, key slot 0 in use, payload at sector
# 4040). Not qemu-img's: its luks writer times PBKDF2 on the thread's CPU clock and gives up
# ("Unable to get accurate CPU usage") on a machine fast or coarse enough to measure nothing.
python3 - "$WORK/master-iso.luks" <<'EOF'
import struct, sys
header = struct.pack(">6sH32s32s32sII20s32sI40s", b"LUKS\xba\xbe", 1, b"aes", b"xts-plain64", b"sha256",
                     4040, 64, b"\x11" * 20, b"\x22" * 32, 1000, b"5b3c8f0e-6a51-4c1e-9a3b-2f4d7e8c9a10")
for slot in range(8):
    in_use = slot == 0
    header += struct.pack(">II32sII", 0x00AC71F3 if in_use else 0x0000DEAD, 1000 if in_use else 0,
                          b"\x33" * 32 if in_use else b"\0" * 32, 8 + slot * 504, 4000)
with open(sys.argv[1], "wb") as out:
    out.write(header.ljust(4040 * 512, b"\0"))
    out.write(b"\x5a" * 65536)
EOF
expect_refused "$WORK/master-iso.luks" "a LUKS-encrypted volume, not a filesystem"
gzip -c "$WORK/master.iso" >"$WORK/master.iso.gz"
expect_refused "$WORK/master.iso.gz" "$WORK/master.iso.gz: gzip-compressed, not a filesystem: a seed image holds iso9660 or vfat; decompress it first"
xz -c "$WORK/master.iso" >"$WORK/master.iso.xz"
expect_refused "$WORK/master.iso.xz" "xz-compressed"
# A labelled seed volume without the seed files.
mkdir -p "$WORK/empty"
echo hello >"$WORK/empty/readme"
genisoimage -quiet -output "$WORK/empty.iso" -volid cidata -joliet -rock "$WORK/empty"
expect_refused "$WORK/empty.iso" "holds no meta-data or user-data"
ok "all image seeds read"
