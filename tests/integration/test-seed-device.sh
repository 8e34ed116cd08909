#!/bin/bash
# The seed found on a block device by its label, as at boot: real loop devices holding cloud-localds
# images, shown to the agent through a fixture root (--root) whose proc/partitions (or sys/class/block,
# where a CD-ROM drive shows up) lists them and whose dev/ has their nodes, with the same major and
# minor. No --seed: the agent scans, probes with libblkid, and reads the volume in user space.
# Needs root and loop devices; without them the test FAILS (it does not skip).
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/seed-lib.sh"

S=$WORK/seeds
seed_dir "$S/master" master
seed_dir "$S/node-1" node-1
seed_dir "$S/node-2-nonet" node-2 "" no-network
seed_dir "$S/fallback" node-3 iid-from-seed-dir

cloud-localds -N "$S/master/network-config" "$WORK/master.iso" "$S/master/user-data" "$S/master/meta-data"
cloud-localds -f vfat -N "$S/node-1/network-config" "$WORK/node-1.vfat" "$S/node-1/user-data" "$S/node-1/meta-data"
fatlabel "$WORK/node-1.vfat" CIDATA >/dev/null 2>&1
cloud-localds "$WORK/node-2.iso" "$S/node-2-nonet/user-data" "$S/node-2-nonet/meta-data"
# ConfigDrive (vfat, CONFIG-2), for node-2 with its own instance id.
uuid=1c7e1b55-4a8a-4f43-9a53-0c5f0d2e7d11
seed_dir "$S/node-2-cd" node-2 "$uuid" no-network
mkdir -p "$WORK/cd/openstack/latest"
printf '{"uuid": "%s", "hostname": "node-2", "meta": {"role": "worker"}}\n' "$uuid" >"$WORK/cd/openstack/latest/meta_data.json"
cp "$S/node-2-cd/user-data" "$WORK/cd/openstack/latest/user_data"
truncate -s 1M "$WORK/configdrive.vfat"
mkfs.vfat -n CONFIG-2 "$WORK/configdrive.vfat" >/dev/null
mmd -i "$WORK/configdrive.vfat" ::openstack ::openstack/latest
mcopy -i "$WORK/configdrive.vfat" "$WORK/cd/openstack/latest/meta_data.json" "$WORK/cd/openstack/latest/user_data" \
        ::openstack/latest/
# A plain data disk: a filesystem without a seed label, which must be passed over.
truncate -s 1M "$WORK/data.vfat"
mkfs.vfat -n DATA "$WORK/data.vfat" >/dev/null

attach_loop "$WORK/master.iso"; dev_master=$LOOP_DEV
attach_loop "$WORK/node-1.vfat"; dev_node1=$LOOP_DEV
attach_loop "$WORK/node-2.iso"; dev_node2=$LOOP_DEV
attach_loop "$WORK/configdrive.vfat"; dev_cd=$LOOP_DEV
attach_loop "$WORK/data.vfat"; dev_data=$LOOP_DEV
ok "loop devices: $dev_master $dev_node1 $dev_node2 $dev_cd $dev_data"

# show_root ROOT: show-seed --root ROOT (no --seed) into $WORK/out; fails on error.
show_root() {
        run_cmd "$AGENT" --root "$1" show-seed
}

# expect_found SEED ORIGIN: $WORK/out shows the seed SEED, read from ORIGIN.
expect_found() {
        expect_seed "$WORK/out" "$1"
        assert_eq "$2" "$(origin_of "$WORK/out")" "origin"
}

# 1. iso9660 (cidata) on a disk listed in proc/partitions, next to a disk without a seed label.
R=$WORK/root1
device_root "$R" "$dev_data" vda
device_root "$R" "$dev_master" vdb
show_root "$R"
expect_found "$S/master" "$R/dev/vdb (iso9660, label cidata)"
ok "found $dev_master as vdb (iso9660, label cidata)"

# 2. vfat labelled CIDATA.
R=$WORK/root2
device_root "$R" "$dev_node1" vdb
show_root "$R"
expect_found "$S/node-1" "$R/dev/vdb (vfat, label CIDATA)"
ok "found $dev_node1 as vdb (vfat, label CIDATA)"

# 3. A CD-ROM drive missing from proc/partitions (removable, non-partitionable), listed in sys/class/block.
R=$WORK/root3
device_root "$R" "$dev_data" vda
major=$((0x$(stat -c %t "$dev_node2"))); minor=$((0x$(stat -c %T "$dev_node2")))
mkdir -p "$R/sys/class/block/sr0"
echo "$major:$minor" >"$R/sys/class/block/sr0/dev"
mknod "$R/dev/sr0" b "$major" "$minor"
show_root "$R"
expect_found "$S/node-2-nonet" "$R/dev/sr0 (iso9660, label cidata)"
ok "found sr0 through sys/class/block"

# 4. ConfigDrive (vfat, CONFIG-2).
R=$WORK/root4
device_root "$R" "$dev_cd" vdc
show_root "$R"
expect_found "$S/node-2-cd" "$R/dev/vdc (vfat, label CONFIG-2)"
ok "found the ConfigDrive volume"

# 5. Both a ConfigDrive and a NoCloud volume: NoCloud wins, whatever the order.
R=$WORK/root5
device_root "$R" "$dev_cd" vdb
device_root "$R" "$dev_node1" vdc
show_root "$R"
expect_seed "$WORK/out" "$S/node-1"
assert_contains "$(cat "$WORK/err")" "NoCloud before ConfigDrive" "notice about the choice"
ok "NoCloud preferred over ConfigDrive"

# 6. A node whose numbers are not those the kernel lists under its name is not trusted; with no seed
# volume at all the agent waits (10 s) for one to appear, then falls back to the seed directory.
R=$WORK/root6
device_root "$R" "$dev_data" vda
printf '%4d %7d %10d %s\n' "$((0x$(stat -c %t "$dev_data")))" "$((0x$(stat -c %T "$dev_data")))" 1024 vdb \
        >>"$R/proc/partitions"
mknod "$R/dev/vdb" b "$((0x$(stat -c %t "$dev_master")))" "$((0x$(stat -c %T "$dev_master")))"
mkdir -p "$R/var/lib/cloud/seed"
cp -r "$S/fallback" "$R/var/lib/cloud/seed/nocloud"
start=$(date +%s.%N)
show_root "$R"
elapsed=$(awk "BEGIN { print $(date +%s.%N) - $start }")
expect_found "$S/fallback" "$R/var/lib/cloud/seed/nocloud"
# the agent's own 10 s timer: never less, however fast the machine; the upper bound only tells a wait that
# ends from one that does not
awk "BEGIN { exit !($elapsed >= 10 && $elapsed < 120) }" || fail "waited ${elapsed}s for a device, expected about 10 s"
assert_contains "$(cat "$WORK/err")" "waiting up to 10000 ms" "message while waiting"
ok "mismatched node skipped; waited ${elapsed}s, then used the seed directory"

# 7. The seed volume appears while the agent waits (devices show up late at boot).
R=$WORK/root7
device_root "$R" "$dev_data" vda
"$AGENT" --root "$R" show-seed >"$WORK/out" 2>"$WORK/err" &
agent=$!
# the device appears once the agent has looked, found none and said that it waits
for _ in $(seq 1 1200); do grep -q "waiting up to 10000 ms" "$WORK/err" && break; kill -0 $agent 2>/dev/null || break; sleep 0.05; done
grep -q "waiting up to 10000 ms" "$WORK/err" || fail "the agent did not wait for a device: $(cat "$WORK/err")"
device_root "$R" "$dev_master" vdb
wait $agent || fail "show-seed with a late device failed: $(cat "$WORK/err")"
expect_found "$S/master" "$R/dev/vdb (iso9660, label cidata)"
ok "a device that appeared while the agent waited was found"

# 8. A damaged seed volume is an error, not a reason to look elsewhere.
"$PYTHON" - "$WORK/node-2.iso" "$WORK/bad.iso" <<'EOF'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
pos = data.find(b"USER_DAT.;1") - 33
data[pos + 10:pos + 18] = struct.pack("<I", 0x7fffffff) + struct.pack(">I", 0x7fffffff)
open(sys.argv[2], "wb").write(data)
EOF
attach_loop "$WORK/bad.iso"
R=$WORK/root8
device_root "$R" "$LOOP_DEV" vdb
mkdir -p "$R/var/lib/cloud/seed"
cp -r "$S/fallback" "$R/var/lib/cloud/seed/nocloud"
run_cmd -x 2 -m "show-seed of a damaged seed volume" "$AGENT" --root "$R" show-seed
assert_contains "$(cat "$WORK/err")" "$R/dev/vdb:user-data: 2147483647 bytes, larger than the limit" "error"
ok "damaged seed volume refused: $(grep -m1 error "$WORK/err")"
