#!/bin/bash
# Regenerates the seed-volume fuzz corpora (tests/fuzz/corpus/iso9660 and fat) with the real tools:
# cloud-localds (genisoimage -joliet -rock; mkfs.vfat + mcopy), genisoimage variants, mkfs.vfat -F 16/32,
# and ConfigDrive layouts. Images are cut after their last non-zero byte (rounded up to 2 KiB): the
# readers never need the zero padding, and small inputs fuzz faster. tests/unit/test-images.c checks
# that every corpus image still reads back as the seed it was made from.
# Usage: tests/fuzz/seed-corpus.sh   (from anywhere; needs cloud-image-utils, genisoimage, dosfstools, mtools)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
iso=$top/tests/fuzz/corpus/iso9660
fat=$top/tests/fuzz/corpus/fat
src=$top/tests/data/seed-sources
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cut_image() { # image out
        python3 - "$1" "$2" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
end = len(data.rstrip(b'\0'))
end = (end + 2047) // 2048 * 2048
open(sys.argv[2], 'wb').write(data[:end])
PY
}

rm -rf "$iso" "$fat"
mkdir -p "$iso" "$fat"
md=$src/small/meta-data ud=$src/small/user-data nc=$src/small/network-config vd=$src/small/vendor-data

# iso9660, as cloud-localds writes it.
cloud-localds "$tmp/a.iso" "$ud" "$md" && cut_image "$tmp/a.iso" "$iso/cloud-localds.iso"
cloud-localds -N "$nc" -V "$vd" "$tmp/b.iso" "$ud" "$md" && cut_image "$tmp/b.iso" "$iso/cloud-localds-all-files.iso"
cloud-localds -H node-9 "$tmp/c.iso" "$ud" && cut_image "$tmp/c.iso" "$iso/cloud-localds-json-meta-data.iso"
# Each naming scheme alone.
mkdir -p "$tmp/files" && cp "$md" "$ud" "$nc" "$tmp/files/"
genisoimage -quiet -o "$tmp/j.iso" -V cidata -joliet "$tmp/files" && cut_image "$tmp/j.iso" "$iso/joliet-only.iso"
genisoimage -quiet -o "$tmp/r.iso" -V cidata -rock "$tmp/files" && cut_image "$tmp/r.iso" "$iso/rock-ridge-only.iso"
genisoimage -quiet -o "$tmp/p.iso" -V cidata "$tmp/files" && cut_image "$tmp/p.iso" "$iso/plain-names.iso"
# Hand-made: Rock Ridge names continued in a "CE" area (genisoimage only does that for long entries), so
# the fuzzer starts with continuation areas to mutate. Sectors: 16 PVD, 17 terminator, 18 root, 19 data.
python3 - "$iso/rock-ridge-continuation.iso" "$md" "$ud" <<'PY'
import struct, sys
S = 2048
out, md, ud = sys.argv[1], open(sys.argv[2], "rb").read(), open(sys.argv[3], "rb").read()
img = bytearray(22 * S)
def both32(v): return struct.pack("<I", v) + struct.pack(">I", v)
def record(extent, size, flags, ident, su=b""):
    pad = b"\0" if len(ident) % 2 == 0 else b""
    body = bytes([0]) + both32(extent) + both32(size) + bytes(7) + bytes([flags, 0, 0]) + struct.pack("<HH", 1, 1) \
        + bytes([len(ident)]) + ident + pad + su
    return bytes([len(body) + 1]) + body
root = record(18, S, 2, b"\0", b"SP\x07\x01\xbe\xef\x00") + record(18, S, 2, b"\1")
ce = lambda block, off, length: b"CE\x1c\x01" + both32(block) + both32(off) + both32(length)
# meta-data: "meta-" here, "data" in a continuation area at sector 19, byte 1000.
root += record(20, len(md), 0, b"META_DAT.;1", b"NM\x0a\x01\x01meta-" + ce(19, 1000, 13))
root += record(21, len(ud), 0, b"USER_DAT.;1", b"NM\x0e\x01\x00user-data")
pvd = bytearray(S)
pvd[0:7] = b"\x01CD001\x01"
pvd[40:72] = b"cidata".ljust(32, b" ")
pvd[128:132] = struct.pack("<H", S) + struct.pack(">H", S)
pvd[156:156 + 34] = record(18, S, 2, b"\0")
img[16 * S:17 * S] = pvd
img[17 * S:17 * S + 7] = b"\xffCD001\x01"
img[18 * S:18 * S + len(root)] = root
img[19 * S + 1000:19 * S + 1013] = b"NM\x09\x01\x00data" + b"ST\x04\x01"
img[20 * S:20 * S + len(md)] = md
img[21 * S:21 * S + len(ud)] = ud
open(out, "wb").write(img)
PY
# ConfigDrive.
genisoimage -quiet -o "$tmp/cd.iso" -V config-2 -joliet -rock "$src/configdrive" && cut_image "$tmp/cd.iso" "$iso/configdrive.iso"

# vfat, as cloud-localds -f vfat writes it (lower-case label), and as CentOS 7 (upper-case label).
cloud-localds -f vfat "$tmp/a.img" "$ud" "$md" && cut_image "$tmp/a.img" "$fat/cloud-localds.img"
cloud-localds -f vfat -N "$nc" "$tmp/b.img" "$ud" "$md" && fatlabel "$tmp/b.img" CIDATA >/dev/null 2>&1 &&
        cut_image "$tmp/b.img" "$fat/cloud-localds-upper-label.img"
# FAT16 with 512-byte clusters and a fragmented user-data (a hole left by a deleted file).
truncate -s 2200K "$tmp/f16.img" && mkfs.vfat -F 16 -s 1 -r 16 -n CIDATA "$tmp/f16.img" >/dev/null
mcopy -i "$tmp/f16.img" "$md" ::meta-data && mcopy -i "$tmp/f16.img" "$nc" ::hole && mcopy -i "$tmp/f16.img" "$nc" ::network-config
mdel -i "$tmp/f16.img" ::hole && mcopy -i "$tmp/f16.img" "$ud" ::user-data && cut_image "$tmp/f16.img" "$fat/fat16-fragmented.img"
# FAT32 is large by nature (65525 clusters need a 256 KiB FAT): one FAT, one-sector clusters.
truncate -s 34M "$tmp/f32.img" && mkfs.vfat -F 32 -s 1 -f 1 -n CIDATA "$tmp/f32.img" >/dev/null
mcopy -i "$tmp/f32.img" "$md" "$ud" ::/ && cut_image "$tmp/f32.img" "$fat/fat32.img"
# ConfigDrive on vfat.
truncate -s 128K "$tmp/cd.img" && mkfs.vfat -n CONFIG-2 "$tmp/cd.img" >/dev/null
mmd -i "$tmp/cd.img" ::openstack ::openstack/latest
mcopy -i "$tmp/cd.img" "$src/configdrive/openstack/latest/meta_data.json" "$src/configdrive/openstack/latest/user_data" \
        ::openstack/latest/ && cut_image "$tmp/cd.img" "$fat/configdrive.img"

ls -l "$iso" "$fat"
