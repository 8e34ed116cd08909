#!/bin/bash
# The seed named on the kernel command line (ROOT/proc/cmdline under --root): cloud-init's
# ds=nocloud;s=PATH-or-URL and ds=nocloud-net;s=URL, with and without trailing slash, quoted as GRUB
# needs it, seedfrom=, our kube_firstboot.seed=, and malformed values. URLs are served by
# tests/lib/seed-httpd.py on 127.0.0.1.
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
# Quoted, as GRUB wants it (an unquoted ';' ends a GRUB command), and with cloud-init's h=/i=.
with_cmdline "$base \"ds=nocloud;s=$url/node-1/\" console=ttyS0" "$S/node-1" "$url/node-1/"
with_cmdline "$base ds=\"nocloud;h=ignored;i=ignored;s=$url/master/\"" "$S/master" "$url/master/"
assert_contains "$(cat "$WORK/err")" "is ignored" "warning about i=/h="
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
