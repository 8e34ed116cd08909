#!/bin/bash
# The seed named on the kernel command line (ROOT/proc/cmdline under --root): cloud-init's
# ds=nocloud;s=PATH-or-URL and ds=nocloud-net;s=URL, with and without trailing slash, quoted as GRUB
# needs it, seedfrom=, our kube_firstboot.seed=, and malformed values; the same line in the SMBIOS
# system serial (ROOT/sys/class/dmi/id/product_serial), __dmi.KEY__ in the location, and
# network-config= on the kernel command line. URLs are served by tests/lib/seed-httpd.py on 127.0.0.1.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/seed-lib.sh"

S=$WORK/seeds
seed_dir "$S/master" master
seed_dir "$S/node-1" node-1
seed_dir "$S/fallback" node-3 iid-from-seed-dir

HTTP=$WORK/http
seed_dir "$HTTP/master" master
seed_dir "$HTTP/node-1" node-1
start_httpd "$HTTP"

R=$WORK/root
mkdir -p "$R/proc" "$R/var/lib/cloud/seed"
cp -r "$S/master" "$R/seed"
cloud-localds -N "$S/node-1/network-config" "$R/seed.iso" "$S/node-1/user-data" "$S/node-1/meta-data"
cp -r "$S/fallback" "$R/var/lib/cloud/seed/nocloud"

# with_cmdline CMDLINE SEED-DIR ORIGIN: show-seed under --root with that kernel command line.
with_cmdline() {
        printf '%s\n' "$1" >"$R/proc/cmdline"
        run_cmd -m "show-seed with cmdline [$1]" "$AGENT" --root "$R" show-seed
        expect_seed "$WORK/out" "$2"
        assert_eq "$3" "$(origin_of "$WORK/out")" "origin for cmdline [$1]"
        ok "[$1] -> $3"
}

base="BOOT_IMAGE=/vmlinuz-3.10.0-1160.el7.x86_64 root=/dev/mapper/centos-root ro crashkernel=auto rhgb quiet"
url=http://127.0.0.1:$HTTPD_PORT

# Paths: under --root, with or without trailing slash, file://, seedfrom=; a directory or an image.
with_cmdline "$base ds=nocloud;s=/seed/" "$S/master" "$R/seed"
with_cmdline "$base ds=nocloud;s=/seed" "$S/master" "$R/seed"
with_cmdline "$base ds=nocloud;seedfrom=file:///seed//" "$S/master" "$R/seed"
with_cmdline "$base ds=nocloud;s=/seed.iso" "$S/node-1" "$R/seed.iso (iso9660, label cidata)"

# URLs: the trailing slash is added, so files are fetched as URL/meta-data.
with_cmdline "$base ds=nocloud;s=$url/master/" "$S/master" "$url/master/"
with_cmdline "$base ds=nocloud;s=$url/master" "$S/master" "$url/master/"
with_cmdline "$base ds=nocloud-net;s=$url/node-1" "$S/node-1" "$url/node-1/"
# Quoted, as GRUB wants it (an unquoted ';' ends a GRUB command).
with_cmdline "$base \"ds=nocloud;s=$url/node-1/\" console=ttyS0" "$S/node-1" "$url/node-1/"
with_cmdline "$base ds=\"nocloud;s=$url/master/\"" "$S/master" "$url/master/"
[ "$(requests_for meta-data)" -ge 5 ] || fail "the server saw $(requests_for meta-data) meta-data requests"
grep -q "GET /master/meta-data 200" "$HTTPD_LOG" || fail "no GET /master/meta-data (slash not added?)"
grep -q "GET /mastermeta-data" "$HTTPD_LOG" && fail "a file was fetched without the slash"

# kube_firstboot.seed= wins over ds=, wherever it stands.
with_cmdline "$base kube_firstboot.seed=$url/node-1 ds=nocloud;s=/seed/" "$S/node-1" "$url/node-1/"
with_cmdline "ds=nocloud;s=/seed/ $base kube_firstboot.seed=/seed.iso" "$S/node-1" "$R/seed.iso (iso9660, label cidata)"

# ds=nocloud without a location: the other sources are searched (here the seed directory).
with_cmdline "$base ds=nocloud" "$S/fallback" "$R/var/lib/cloud/seed/nocloud"
with_cmdline "$base" "$S/fallback" "$R/var/lib/cloud/seed/nocloud"

# Malformed or unusable locations: exit 2 (bad input), with the reason.
refused() { # CMDLINE EXIT MESSAGE
        printf '%s\n' "$1" >"$R/proc/cmdline"
        run_cmd -x "$2" -m "show-seed with cmdline [$1]" "$AGENT" --root "$R" show-seed
        assert_contains "$(cat "$WORK/err")" "$3" "message for cmdline [$1]"
        ok "[$1] refused: $(grep -m1 error "$WORK/err")"
}
refused "$base ds=nocloud;s=ftp://127.0.0.1/seed/" 2 "neither an http(s) URL nor an absolute path"
refused "$base ds=nocloud;s=" 2 "has an empty location"
refused "$base ds=nocloud;s=$url/seed/%s" 2 "substitution, which is not supported"
refused "$base \"ds=nocloud;s=$url/master/" 2 "unterminated quote"
refused "$base ds=nocloud;s=$url/master/?x=1" 2 "query or fragment"
# A location that does not exist: no seed (exit 3), naming the path.
refused "$base ds=nocloud;s=/nowhere/" 3 "$R/nowhere"
# cloud-init's h= and i= (and their long names) would set meta-data over the seed's: refused, saying
# what to write instead; nothing is fetched.
before=$(requests_for meta-data)
refused "$base ds=\"nocloud;h=node-9;i=iid-9;s=$url/master/\"" 2 \
        '"h=" in ds=nocloud sets meta-data'"'"'s local-hostname in cloud-init, which kube-firstboot reads from meta-data only: write "local-hostname: VALUE"'
refused "$base ds=nocloud;instance-id=iid-9" 2 'write "instance-id: VALUE" in the seed'"'"'s meta-data and remove "instance-id=" here'
assert_eq "$before" "$(requests_for meta-data)" "meta-data requests after a refused h=/i="

# The SMBIOS system serial (qemu -smbios type=1,serial=..., libvirt's <sysinfo>) as cloud-init reads it.
DMI=$R/sys/class/dmi/id
mkdir -p "$DMI"
with_serial() { # SERIAL CMDLINE SEED-DIR ORIGIN
        printf '%s\n' "$1" >"$DMI/product_serial"
        with_cmdline "$2" "$3" "$4"
}
with_serial "ds=nocloud;s=$url/node-1/" "$base" "$S/node-1" \
        "$url/node-1/ (named by ds=nocloud in the SMBIOS system serial)"
with_serial "ds=nocloud-net;s=/seed.iso" "$base" "$S/node-1" \
        "$R/seed.iso (iso9660, label cidata) (named by ds=nocloud in the SMBIOS system serial)"
# an ordinary serial number, and ds=nocloud without a location: the kernel command line, then the rest
with_serial "VMware-56 4d 1a 2b" "$base ds=nocloud;s=/seed" "$S/master" "$R/seed"
with_serial "ds=nocloud" "$base" "$S/fallback" "$R/var/lib/cloud/seed/nocloud"
# the same location in both; kube_firstboot.seed= (ours) comes first
with_serial "ds=nocloud;s=/seed/" "$base ds=nocloud;s=/seed" "$S/master" \
        "$R/seed (named by ds=nocloud in the SMBIOS system serial)"
with_serial "ds=nocloud;s=/seed.iso" "$base kube_firstboot.seed=/seed" "$S/master" "$R/seed"
# firmware that never set the serial: all 0xff and a newline, read as empty
printf '\xff\xff\xff\xff\n' >"$DMI/product_serial"
with_cmdline "$base" "$S/fallback" "$R/var/lib/cloud/seed/nocloud"
# a serial number with a control character is some machine's own; one that means to be a line is refused
printf 'SN\x01123\n' >"$DMI/product_serial"
with_cmdline "$base" "$S/fallback" "$R/var/lib/cloud/seed/nocloud"
printf 'ds=nocloud;s=/seed\x01\n' >"$DMI/product_serial"
refused "$base" 2 "product_serial: a line configuration (ds=) with a control character"
# two different locations: one would be ignored, so neither is taken
printf 'ds=nocloud;s=/seed.iso\n' >"$DMI/product_serial"
refused "$base ds=nocloud;s=/seed" 2 "names seed /seed.iso and the kernel command line's ds=nocloud names /seed"
printf 'ds=nocloud;i=iid-9;s=/seed\n' >"$DMI/product_serial"
refused "$base" 2 "SMBIOS system serial ($R/sys/class/dmi/id/product_serial): \"i=\" in ds=nocloud sets meta-data's instance-id"
rm "$DMI/product_serial"

# __dmi.KEY__ in the location, with cloud-init's keys and their /sys/class/dmi/id files: one URL for
# every machine. A value goes into a URL percent-encoded.
printf '  5F3C1A2E-8D4B-4C6A-9E1F-0A2B3C4D5E6F\n' >"$DMI/product_uuid"
printf 'Standard PC (i440FX + PIIX, 1996)\n' >"$DMI/product_name"
printf 'node-1\n' >"$DMI/chassis_asset_tag"
seed_dir "$HTTP/5F3C1A2E-8D4B-4C6A-9E1F-0A2B3C4D5E6F/node-1" node-1
seed_dir "$HTTP/Standard%20PC%20%28i440FX%20%2B%20PIIX%2C%201996%29" master
with_cmdline "$base ds=nocloud;s=$url/__dmi.chassis-asset-tag__/" "$S/node-1" \
        "$url/node-1/ (named by ds=nocloud on the kernel command line as $url/__dmi.chassis-asset-tag__/)"
with_cmdline "$base ds=nocloud;s=$url/__dmi.system-product-name__" "$S/master" \
        "$url/Standard%20PC%20%28i440FX%20%2B%20PIIX%2C%201996%29/ (named by ds=nocloud on the kernel command line \
as $url/__dmi.system-product-name__/)"
printf 'ds=nocloud;s=%s/__dmi.system-uuid__/__dmi.chassis-asset-tag__\n' "$url" >"$DMI/product_serial"
with_cmdline "$base" "$S/node-1" "$url/5F3C1A2E-8D4B-4C6A-9E1F-0A2B3C4D5E6F/node-1/ (named by ds=nocloud in the SMBIOS \
system serial as $url/__dmi.system-uuid__/__dmi.chassis-asset-tag__/)"
grep -q "GET /5F3C1A2E-8D4B-4C6A-9E1F-0A2B3C4D5E6F/node-1/user-data 200" "$HTTPD_LOG" ||
        fail "no GET of the substituted URL: $(cat "$HTTPD_LOG")"
rm "$DMI/product_serial"
# in a path, under --root, as one file name
cp -r "$S/node-1" "$R/node-1"
with_cmdline "$base ds=nocloud;s=/__dmi.chassis-asset-tag__" "$S/node-1" \
        "$R/node-1 (named by ds=nocloud on the kernel command line as /__dmi.chassis-asset-tag__)"
# what cloud-init would leave in the URL as written, or replace by an empty string: refused, naming it
before=$(requests_for meta-data)
refused "$base ds=nocloud;s=$url/__dmi.system-uuidx__/" 2 "__dmi.system-uuidx__ is not a DMI key cloud-init knows"
refused "$base ds=nocloud;s=$url/__dmi.chassis-serial-number__/" 2 \
        "__dmi.chassis-serial-number__: $R/sys/class/dmi/id/chassis_serial is absent; cloud-init would put an empty string"
printf '\n' >"$DMI/chassis_serial"
refused "$base ds=nocloud;s=$url/__dmi.chassis-serial-number__/" 2 "chassis_serial is empty"
printf 'a/b\n' >"$DMI/chassis_serial"
refused "$base ds=nocloud;s=/seeds/__dmi.chassis-serial-number__" 2 "which holds a '/' and cannot be one file name"
assert_eq "$before" "$(requests_for meta-data)" "meta-data requests after refused substitutions"

# network-config= on the kernel command line: base64 of a network-config, before the seed's (as in
# cloud-init), or of its gzip; "disabled" leaves the network alone; a broken gzip and what is not base64
# are refused.
NC=$WORK/netconfig
seed_dir "$NC" master
sed '/dns_nameservers:/{n;s/192\.168\.220\.1$/192.168.220.53/}' "$S/master/network-config" >"$NC/network-config"
cmp -s "$NC/network-config" "$S/master/network-config" && fail "the test's network-config is not another"
nc64=$(base64 -w0 <"$NC/network-config")
with_cmdline "$base ds=nocloud;s=/seed network-config=$nc64" "$NC" \
        "$R/seed; network-config from network-config= on the kernel command line (before the seed's, as in cloud-init)"
grep -q "192.168.220.53" "$WORK/out" || fail "show-seed does not show the command line's network-config"
seed_dir "$WORK/no-network" master "" no-network
with_cmdline "$base ds=nocloud;s=/seed network-config=disabled" "$WORK/no-network" \
        "$R/seed; network-config disabled by network-config=disabled on the kernel command line"
printf 'version: 7\n' >"$WORK/bad-nc"
refused "$base ds=nocloud;s=/seed network-config=$(base64 -w0 <"$WORK/bad-nc")" 2 \
        "$R/proc/cmdline:network-config=:1:10: version:"
# cloud-init's form for a longer one: the base64 of its gzip (gzip's own output, name and all)
cp "$NC/network-config" "$WORK/nc-named"
with_cmdline "$base ds=nocloud;s=/seed network-config=$(gzip -9 -c "$WORK/nc-named" | base64 -w0)" "$NC" \
        "$R/seed; network-config from network-config= on the kernel command line (before the seed's, as in cloud-init)"
grep -q "192.168.220.53" "$WORK/out" || fail "show-seed does not show the command line's gzip network-config"
refused "$base ds=nocloud;s=/seed network-config=$(gzip -c <"$NC/network-config" | head -c -4 | base64 -w0)" 2 \
        "network-config= holds data that starts as gzip but is not one whole gzip member"
refused "$base ds=nocloud;s=/seed network-config=version:2" 2 "network-config=\"version:2\" is not base64"
