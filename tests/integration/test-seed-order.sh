#!/bin/bash
# The order of the seed sources: --seed, then the kernel command line, then a cidata /
# config-2 block device, then /var/lib/cloud/seed/nocloud, then .../nocloud-net. A fixture root has all
# of them at once, each with its own instance-id; removing the winner each time shows the next one.
# The block device is a real loop device (the test FAILS without one).
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/seed-lib.sh"

S=$WORK/seeds
for src in explicit cmdline device nocloud nocloud-net; do
        seed_dir "$S/$src" master "iid-$src"
done
cloud-localds -N "$S/device/network-config" "$WORK/device.iso" "$S/device/user-data" "$S/device/meta-data"
attach_loop "$WORK/device.iso"

R=$WORK/root
device_root "$R" "$LOOP_DEV" vdb
echo "ro quiet ds=nocloud;s=/srv/seed/" >"$R/proc/cmdline"
mkdir -p "$R/srv" "$R/var/lib/cloud/seed"
cp -r "$S/cmdline" "$R/srv/seed"
cp -r "$S/nocloud" "$R/var/lib/cloud/seed/nocloud"
cp -r "$S/nocloud-net" "$R/var/lib/cloud/seed/nocloud-net"

expect_source() { # NAME ORIGIN [agent options...]
        local name=$1 origin=$2
        shift 2
        run_cmd -m "show-seed, expecting the $name seed" "$AGENT" --root "$R" "$@" show-seed
        grep -qx "  instance-id: iid-$name" "$WORK/out" ||
                fail "expected the $name seed, got: $(grep 'instance-id' "$WORK/out")"
        expect_seed "$WORK/out" "$S/$name"
        assert_eq "$origin" "$(origin_of "$WORK/out")" "origin of the $name seed"
        ok "$name: $origin"
}

expect_source explicit "$S/explicit" --seed "$S/explicit"
expect_source cmdline "$R/srv/seed"
rm "$R/proc/cmdline"
expect_source device "$R/dev/vdb (iso9660, label cidata)"
# Without any device list, the agent does not wait for devices that cannot appear.
rm -r "${R:?}/proc" "${R:?}/dev"
expect_source nocloud "$R/var/lib/cloud/seed/nocloud"
rm -r "$R/var/lib/cloud/seed/nocloud"
expect_source nocloud-net "$R/var/lib/cloud/seed/nocloud-net"
rm -r "$R/var/lib/cloud/seed/nocloud-net"

run_cmd -x 3 -m "show-seed without any seed" "$AGENT" --root "$R" show-seed
assert_contains "$(cat "$WORK/err")" "no seed found" "message without any seed"
ok "nothing left: exit 3, $(grep -m1 error "$WORK/err")"
