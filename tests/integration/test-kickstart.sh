#!/bin/bash
# kickstart/kube-firstboot.ks: its structure (sections opened and closed, one %packages, %pre and
# %post), every repository URL against the documented set, the pinned versions, no swap, the enabled
# services; %pre and %post are valid bash (bash -n, shellcheck); then the %post body, verbatim, in a
# scratch root (chroot in a private mount namespace, the host's /usr bound read-only) with a fake
# /proc/cmdline and grubby/systemctl stand-ins: the seed URL handed to the installer must reach the
# boot entries and /etc/default/grub, and a kernel command line built from them must make the agent
# read that seed (show-seed --root, the URL served by seed-httpd.py on 127.0.0.1). Bad seed locations
# and ds=nocloud;s= are covered too. ksvalidator (pykickstart) runs when installed; Debian 12 has no
# pykickstart package.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/seed-lib.sh"

KS=$TOP/kickstart/kube-firstboot.ks
[ -f "$KS" ] || fail "$KS missing"

# ---- structure ---------------------------------------------------------------------------------
awk '
        /^%(packages|pre|post|addon|anaconda|onerror|traceback|pre-install)([ \t]|$)/ {
                if (open != "") { printf "line %d: %s inside %s (no %%end)\n", NR, $1, open; bad = 1 }
                open = $1; count[$1]++; next
        }
        /^%end[ \t]*$/ {
                if (open == "") { printf "line %d: %%end without a section\n", NR; bad = 1 }
                open = ""; next
        }
        END {
                if (open != "") { printf "%s not closed at the end of the file\n", open; bad = 1 }
                for (s in count) printf "%s: %d\n", s, count[s] > "/dev/stderr"
                if (count["%packages"] != 1 || count["%post"] != 1 || count["%pre"] != 1) {
                        print "want exactly one %packages, %pre and %post"; bad = 1
                }
                exit bad
        }' "$KS" || fail "kickstart sections are unbalanced"
ok "sections: every %packages/%pre/%post closed by %end, none nested"

# The command section (outside %...%end) and each section's body.
section() { # NAME: the body of the section starting with NAME
        awk -v name="$1" '$1 == name { inside = 1; next } inside && /^%end/ { exit } inside { print }' "$KS"
}
commands=$(awk '/^%(packages|pre|post|addon|anaconda|onerror|traceback)/ { s = 1; next }
                s && /^%end/ { s = 0; next } !s && !/^#/ && NF { print }' "$KS")
packages=$(section %packages | grep -v '^#' | sed '/^$/d')
section %pre >"$WORK/pre.sh"
section %post >"$WORK/post.sh"
[ -s "$WORK/post.sh" ] || fail "empty %post"

# Installer options: text mode, no prompts, permissive SELinux, post log.
for line in 'text' 'rootpw --lock' 'selinux --permissive' 'reboot' 'lang en_US.UTF-8' 'timezone UTC --isUtc'; do
        grep -qx "$line" <<<"$commands" || fail "command section lacks [$line]"
done
grep -qx '%post --interpreter=/bin/bash --erroronfail --log=/root/ks-post.log' "$KS" ||
        fail "%post must log to /root/ks-post.log and stop the install on errors"
grep -qx '%include /tmp/kube-firstboot-repo.ks' <<<"$commands" || fail "the lab repository include is missing"
ok "installer options: text, no root password prompt, SELinux permissive, reboot, %post log"

# ---- repositories ------------------------------------------------------------------------------
VAULT=http://vault.centos.org/7.9.2009
LAB=http://192.168.220.1:8780/repo/
grep -qx "url --url=$VAULT/os/x86_64/" <<<"$commands" || fail "installation source is not the vault's 7.9.2009 os tree"
declare -A want_repo=(
        [updates]=$VAULT/updates/x86_64/
        [extras]=$VAULT/extras/x86_64/
        [docker-ce-stable]=https://download.docker.com/linux/centos/7/x86_64/stable/
        [kubernetes]=https://mirrors.aliyun.com/kubernetes/yum/repos/kubernetes-el7-x86_64/
)
for name in "${!want_repo[@]}"; do
        grep -qx "repo --name=$name --baseurl=${want_repo[$name]}" <<<"$commands" ||
                fail "no repo $name at ${want_repo[$name]}"
done
assert_eq 4 "$(grep -c '^repo ' <<<"$commands")" "repo lines in the command section (the lab's comes from %pre)"
# Every URL anywhere in the file is one of the documented ones, and well formed.
documented=(
        "$VAULT/os/x86_64/" "$VAULT/updates/x86_64/" "$VAULT/extras/x86_64/"
        "$VAULT/os/\$basearch/" "$VAULT/updates/\$basearch/" "$VAULT/extras/\$basearch/"
        https://download.docker.com/linux/centos/7/x86_64/stable/
        "https://download.docker.com/linux/centos/7/\$basearch/stable/"
        https://download.docker.com/linux/centos/gpg
        https://mirrors.aliyun.com/kubernetes/yum/repos/kubernetes-el7-x86_64/
        "$LAB"
        http://192.168.220.1:8780/ks/kube-firstboot.ks
        http://192.168.220.1:8780/v1/seeds/node-1/
        http://HOST:PORT/repo/
)
grep -oE 'https?://[^ "]+' "$KS" | sort -u >"$WORK/urls"
[ -s "$WORK/urls" ] || fail "no URL found"
url_re='^https?://[A-Za-z0-9.-]+(:[0-9A-Z]+)?/[A-Za-z0-9._~/$-]*$'
while IFS= read -r u; do
        found=
        for d in "${documented[@]}"; do [ "$u" = "$d" ] && found=1; done
        [ -n "$found" ] || fail "undocumented URL in the kickstart: $u"
        [[ $u =~ $url_re ]] || fail "malformed URL: $u"
done <"$WORK/urls"
ok "repositories: vault os/updates/extras, docker-ce, the el7 kubernetes mirror, the lab ($(wc -l <"$WORK/urls") URLs, all documented)"

# ---- packages, partitions, services ------------------------------------------------------------
for p in @core docker-ce-20.10.24 docker-ce-cli-20.10.24 kubelet-1.23.6 kubeadm-1.23.6 kubectl-1.23.6 kube-firstboot; do
        grep -qx "$p" <<<"$packages" || fail "%packages lacks $p"
done
if grep -E '^(kubelet|kubeadm|kubectl)$' <<<"$packages"; then fail "kubernetes packages must be pinned"; fi
if grep -Eq '(^part swap|fstype=swap|^autopart|^logvol swap)' <<<"$commands"; then fail "the kickstart creates swap"; fi
grep -qx 'part / --fstype=xfs --size=4096 --grow' <<<"$commands" || fail "no root partition"
services=$(sed -n 's/^services --enabled=//p' <<<"$commands")
for s in kube-firstboot sshd; do
        [[ ",$services," == *",$s,"* ]] || fail "service $s is not enabled (services --enabled=$services)"
done
# docker starts first from the agent, after daemon.json is right: enabled here, it would start before
[[ ",$services," != *",docker,"* ]] || fail "docker is enabled (services --enabled=$services): it would start before the agent"
ok "packages pinned (kubelet/kubeadm/kubectl 1.23.6, docker 20.10.24), no swap, kube-firstboot enabled, docker left to the agent"

# ---- %pre and %post are bash -----------------------------------------------------------------------
for s in pre post; do
        bash -n "$WORK/$s.sh" || fail "%$s is not valid bash"
        if command -v shellcheck >/dev/null; then
                shellcheck -s bash "$WORK/$s.sh" || fail "shellcheck %$s"
        fi
done
ok "%pre and %post: bash -n$(command -v shellcheck >/dev/null && echo ' and shellcheck') clean"

if command -v ksvalidator >/dev/null; then
        echo "repo --name=kube-firstboot --baseurl=$LAB" >/tmp/kube-firstboot-repo.ks
        cleanup_hooks+=("rm -f /tmp/kube-firstboot-repo.ks")
        ksvalidator -v RHEL7 "$KS" || fail "ksvalidator -v RHEL7"
        ok "ksvalidator -v RHEL7"
else
        echo "note: ksvalidator not installed (pykickstart is not packaged for Debian 12)"
fi

# ---- %pre: the lab repository ------------------------------------------------------------------
# run_script SCRIPT ROOT: SCRIPT under bash, chrooted into ROOT (the host's /usr bound read-only,
# ROOT/proc/cmdline a plain file), stand-ins first on PATH.
run_script() {
        local script=$1 root=$2
        mkdir -p "$root/usr" "$root/dev" "$root/tmp" "$root/root" "$root/etc/default" "$root/etc/yum.repos.d" \
                "$root/proc" "$root/stand-ins"
        for l in bin sbin lib lib64; do [ -e "$root/$l" ] || ln -s "usr/$l" "$root/$l"; done
        : >"$root/dev/null"
        # copies, not links: the tree is not visible inside the chroot
        for c in grubby systemctl; do cp "$TOP/tests/stand-ins/recorder" "$root/stand-ins/$c"; done
        : >"$root/stand-ins/calls.log"
        cp "$script" "$root/script.sh"
        # shellcheck disable=SC2016 # expanded by the inner bash
        unshare --mount --propagation private bash -c '
                set -e
                mount --bind -o ro /usr "$1/usr"
                mount --bind /dev/null "$1/dev/null"
                exec chroot "$1" /usr/bin/env -i PATH=/stand-ins:/usr/bin:/usr/sbin HOME=/root /bin/bash /script.sh
        ' - "$root"
}
# The installer's command line on a PXE boot of node-1, as the seed generator's pxelinux entry has it.
installer_base="initrd=initrd.img inst.ks=http://192.168.220.1:8780/ks/kube-firstboot.ks ip=dhcp"
R=$WORK/pre-root
mkdir -p "$R/proc"
printf '%s kube_firstboot.repo=http://127.0.0.1:9/other/repo/\n' "$installer_base" >"$R/proc/cmdline"
run_script "$WORK/pre.sh" "$R" >"$WORK/pre.out" 2>&1 || fail "%pre failed: $(cat "$WORK/pre.out")"
assert_eq "repo --name=kube-firstboot --baseurl=http://127.0.0.1:9/other/repo/" "$(cat "$R/tmp/kube-firstboot-repo.ks")" \
        "%pre with kube_firstboot.repo="
printf '%s\n' "$installer_base" >"$R/proc/cmdline"
run_script "$WORK/pre.sh" "$R" >"$WORK/pre.out" 2>&1 || fail "%pre failed: $(cat "$WORK/pre.out")"
assert_eq "repo --name=kube-firstboot --baseurl=$LAB" "$(cat "$R/tmp/kube-firstboot-repo.ks")" "%pre default"
printf '%s kube_firstboot.repo="http://x/a b"\n' "$installer_base" >"$R/proc/cmdline"
run_script "$WORK/pre.sh" "$R" >"$WORK/pre.out" 2>&1 || fail "%pre failed: $(cat "$WORK/pre.out")"
assert_eq "repo --name=kube-firstboot --baseurl=$LAB" "$(cat "$R/tmp/kube-firstboot-repo.ks")" "%pre with a bad URL"
ok "%pre: the lab repository, overridable with kube_firstboot.repo=, a bad value refused"

# ---- %post: the seed reaches the installed system, and the agent ------------------------------
HTTP=$WORK/http
seed_dir "$HTTP/node-1" node-1
start_httpd "$HTTP"
seed_url=http://127.0.0.1:$HTTPD_PORT/node-1/
installed_base="BOOT_IMAGE=/vmlinuz-3.10.0-1160.el7.x86_64 root=/dev/mapper/centos-root ro crashkernel=auto rhgb quiet"
# shellcheck disable=SC2016 # CentOS 7's file, verbatim
grub_defaults='GRUB_TIMEOUT=5
GRUB_DISTRIBUTOR="$(sed '"'"'s, release .*$,,g'"'"' /etc/system-release)"
GRUB_DEFAULT=saved
GRUB_CMDLINE_LINUX="crashkernel=auto rhgb quiet"
GRUB_DISABLE_RECOVERY="true"'

# post_with CMDLINE [EXIT]: runs %post in a fresh scratch root whose /proc/cmdline is CMDLINE, expecting
# exit status EXIT (default 0); sets P.
n=0
post_with() {
        local rc=0
        n=$((n + 1))
        P=$WORK/post-root-$n
        mkdir -p "$P/proc" "$P/etc/default"
        printf '%s\n' "$1" >"$P/proc/cmdline"
        printf '%s\n' "$grub_defaults" >"$P/etc/default/grub"
        if [ -n "${POST_EXTRA_REPO:-}" ]; then # a .repo file some package left behind
                mkdir -p "$P/etc/yum.repos.d"
                printf '%s\n' "$POST_EXTRA_REPO" >"$P/etc/yum.repos.d/extra.repo"
        fi
        run_script "$WORK/post.sh" "$P" >"$P.out" 2>&1 || rc=$?
        assert_eq "${2:-0}" "$rc" "%post exit status with [$1] ($(cat "$P.out"))"
}
# grubby_args ROOT: the --args value of the recorded `grubby --update-kernel=ALL --args=...` call.
grubby_args() { sed -n 's/^grubby --update-kernel=ALL --args=//p' "$1/stand-ins/calls.log"; }

post_with "$installer_base kube_firstboot.seed=$seed_url"
assert_eq "kube_firstboot.seed=$seed_url" "$(grubby_args "$P")" "grubby call"
assert_eq "GRUB_CMDLINE_LINUX=\"crashkernel=auto rhgb quiet kube_firstboot.seed=$seed_url\"" \
        "$(grep '^GRUB_CMDLINE_LINUX=' "$P/etc/default/grub")" "/etc/default/grub"
grep -qx 'systemctl enable kube-firstboot-refresh.timer' "$P/stand-ins/calls.log" || fail "the refresh timer is not enabled"
grep -qxF "baseurl=$VAULT/os/\$basearch/" "$P/etc/yum.repos.d/CentOS-Base.repo" || fail "CentOS-Base.repo not on the vault"
grep -qx "baseurl=$LAB" "$P/etc/yum.repos.d/kube-firstboot.repo" || fail "kube-firstboot.repo"
grep -qx 'exclude=kubelet kubeadm kubectl' "$P/etc/yum.repos.d/kubernetes.repo" || fail "kubernetes.repo does not pin"
grep -qxF "baseurl=https://download.docker.com/linux/centos/7/\$basearch/stable/" "$P/etc/yum.repos.d/docker-ce.repo" ||
        fail "docker-ce.repo"
grep -q "seed: $seed_url" "$P.out" || fail "the %post log does not name the seed"
# No repository the installed node has enabled skips signature checks (gpgcheck=0).
for f in "$P"/etc/yum.repos.d/*.repo; do
        unsigned=$(awk -F= '/^\[/ { if (s != "" && e != "0" && g == "0") print s; s = $0; e = "1"; g = ""; next }
                $1 == "enabled" { e = $2 } $1 == "gpgcheck" { g = $2 }
                END { if (s != "" && e != "0" && g == "0") print s }' "$f")
        assert_eq "" "$unsigned" "$(basename "$f"): enabled sections with gpgcheck=0"
done
grep -qx 'enabled=0' "$P/etc/yum.repos.d/kubernetes.repo" || fail "kubernetes.repo (unsigned) is enabled"
grep -qx 'enabled=0' "$P/etc/yum.repos.d/kube-firstboot.repo" || fail "kube-firstboot.repo (unsigned) is enabled"
POST_EXTRA_REPO=$'[unsigned-extra]\nbaseurl=http://127.0.0.1:9/x/\ngpgcheck=0' \
        post_with "$installer_base kube_firstboot.seed=$seed_url" 1
assert_contains "$(cat "$P.out")" "ERROR: enabled repositories without gpgcheck: /etc/yum.repos.d/extra.repo: [unsigned-extra]" \
        "%post refuses an enabled repository without gpgcheck"
POST_EXTRA_REPO=$'[unsigned-off]\nbaseurl=http://127.0.0.1:9/x/\nenabled = 0\ngpgcheck=0\n[signed]\nbaseurl=http://127.0.0.1:9/y/' \
        post_with "$installer_base kube_firstboot.seed=$seed_url"

# The installed system boots with the entry grubby wrote; the agent reads its seed from there.
A=$WORK/agent-root
mkdir -p "$A/proc"
printf '%s %s\n' "$installed_base" "$(grubby_args "$P")" >"$A/proc/cmdline"
run_cmd -o "$WORK/show.out" -e "$WORK/show.err" -m "show-seed after the install" "$AGENT" --root "$A" show-seed
expect_seed "$WORK/show.out" "$REF/node-1"
assert_eq "$seed_url" "$(origin_of "$WORK/show.out")" "seed origin on the installed system"
grep -q "GET /node-1/meta-data 200" "$HTTPD_LOG" || fail "the agent did not fetch node-1's meta-data"
ok "kube_firstboot.seed=URL on the installer's command line -> boot entries, /etc/default/grub -> the agent reads node-1's seed"

# End to end with the seed generator: its pxelinux entry for node-1 is the installer's command line
# (endpoint on 127.0.0.1 here), the served seed is what the generator wrote.
"$AGENT" seed --example >"$WORK/inventory.yaml"
sed -i "s|^endpoint: .*|endpoint: http://127.0.0.1:$HTTPD_PORT/|" "$WORK/inventory.yaml"
run_cmd -o "$WORK/seedgen.out" -e "$WORK/seedgen.out" -m "kube-firstboot seed" \
        "$AGENT" -q seed --inventory "$WORK/inventory.yaml" --out "$HTTP/v1/seeds"
pxe=$HTTP/v1/seeds/pxe/pxelinux.cfg/01-52-54-00-fb-00-69
append=$(sed -n 's/^[[:space:]]*APPEND //p' "$pxe")
assert_contains "$append" "inst.ks=http://127.0.0.1:$HTTPD_PORT/ks/kube-firstboot.ks" "the PXE entry's kickstart"
post_with "$append"
assert_eq "kube_firstboot.seed=http://127.0.0.1:$HTTPD_PORT/v1/seeds/node-1/" "$(grubby_args "$P")" \
        "grubby call from the generator's PXE entry"
printf '%s %s\n' "$installed_base" "$(grubby_args "$P")" >"$A/proc/cmdline"
run_cmd -o "$WORK/show.out" -e "$WORK/show.err" -m "show-seed (generated seed)" "$AGENT" --root "$A" show-seed
expect_seed "$WORK/show.out" "$HTTP/v1/seeds/node-1"
grep -q '^  local-hostname: "\{0,1\}node-1"\{0,1\}$' "$WORK/show.out" || fail "the generated seed is not node-1's: $(head -5 "$WORK/show.out")"
ok "seed generator's PXE entry for node-1 -> %post -> the agent reads the generated node-1 seed"

# An https endpoint: the PXE entry carries the lab CA (kube_firstboot.seed_ca=), %post installs it as
# the seed CA, byte for byte the generator's tls/ca.pem; a value that is not base64 stops the install.
sed "s|^endpoint: .*|endpoint: https://127.0.0.1:18443/|" "$WORK/inventory.yaml" >"$WORK/inventory-https.yaml"
run_cmd -o "$WORK/seedgen.out" -e "$WORK/seedgen.out" -m "kube-firstboot seed (https)" \
        "$AGENT" -q seed --inventory "$WORK/inventory-https.yaml" --out "$WORK/https-lab"
append=$(sed -n 's/^[[:space:]]*APPEND //p' "$WORK/https-lab/pxe/pxelinux.cfg/01-52-54-00-fb-00-69")
assert_contains "$append" "kube_firstboot.seed_ca=" "the https PXE entry's seed CA"
assert_contains "$(cat "$WORK/https-lab/pxe/grub/grub.cfg-01-52-54-00-fb-00-69")" "kube_firstboot.seed_ca=" \
        "the https GRUB entry's seed CA"
post_with "$append"
assert_file_eq "$WORK/https-lab/tls/ca.pem" "$P/etc/kube-firstboot/seed-ca.pem"
assert_eq 644 "$(stat -c %a "$P/etc/kube-firstboot/seed-ca.pem")" "mode of seed-ca.pem"
assert_eq "kube_firstboot.seed=https://127.0.0.1:18443/v1/seeds/node-1/" "$(grubby_args "$P")" "grubby call (https)"
post_with "$installer_base kube_firstboot.seed=https://127.0.0.1:18443/v1/seeds/node-1/ kube_firstboot.seed_ca=a%b" 1
assert_contains "$(cat "$P.out")" "kube_firstboot.seed_ca= is not one base64 certificate" "bad seed CA message"
[ ! -e "$P/etc/kube-firstboot/seed-ca.pem" ] || fail "a bad seed CA was written"
ok "https: the PXE entry's kube_firstboot.seed_ca= -> %post -> /etc/kube-firstboot/seed-ca.pem (the lab CA); a bad one stops the install"

# cloud-init's form on the installer's line becomes kube_firstboot.seed= (GRUB would cut the ';').
post_with "$installer_base \"ds=nocloud;s=$seed_url\""
assert_eq "kube_firstboot.seed=$seed_url" "$(grubby_args "$P")" "grubby call for ds=nocloud;s="
# ... and kube_firstboot.seed= wins, as in the agent.
post_with "$installer_base ds=nocloud-net;s=http://127.0.0.1:9/other/ kube_firstboot.seed=$seed_url"
assert_eq "kube_firstboot.seed=$seed_url" "$(grubby_args "$P")" "kube_firstboot.seed= over ds="
# A device path is a seed location too.
post_with "$installer_base kube_firstboot.seed=/dev/disk/by-label/cidata"
assert_eq "kube_firstboot.seed=/dev/disk/by-label/cidata" "$(grubby_args "$P")" "path seed"
ok "ds=nocloud;s= is carried over as kube_firstboot.seed=, which wins; device paths pass"

# Locations that would break GRUB's configuration or that the agent refuses stop the install.
for bad in "http://127.0.0.1/seed/?x=1" "http://127.0.0.1/seed/%s" "ftp://127.0.0.1/seed/" 'http://h/a";b'; do
        post_with "$installer_base kube_firstboot.seed=$bad" 1
        assert_eq "" "$(grubby_args "$P")" "grubby call for [$bad]"
        grep -q 'kube_firstboot' "$P/etc/default/grub" && fail "/etc/default/grub got [$bad]"
        grep -q "ERROR: seed location" "$P.out" || fail "no error logged for [$bad]"
done
# No seed at all: nothing recorded, and the log says where the agent will look.
post_with "$installer_base"
assert_eq "" "$(grubby_args "$P")" "grubby call without a seed"
grep -q "the agent will look for a cidata volume" "$P.out" || fail "no note about the missing seed"
ok "a bad seed location stops the install, nothing written; no seed at all is fine"

# A failing grubby stops the install too.
post_with_grubby_failing() {
        n=$((n + 1))
        P=$WORK/post-root-$n
        mkdir -p "$P/proc" "$P/etc/default" "$P/stand-ins"
        printf '%s kube_firstboot.seed=%s\n' "$installer_base" "$seed_url" >"$P/proc/cmdline"
        printf '%s\n' "$grub_defaults" >"$P/etc/default/grub"
        echo 1 >"$P/stand-ins/grubby.exit"
        local rc=0
        run_script "$WORK/post.sh" "$P" >"$P.out" 2>&1 || rc=$?
        assert_eq 1 "$rc" "%post exit status when grubby fails"
        grep -q "ERROR: grubby failed" "$P.out" || fail "no error logged when grubby fails"
}
post_with_grubby_failing
ok "a failing grubby stops the install"
