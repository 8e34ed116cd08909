#!/bin/bash
# `make dist` and `make rpm`, from scratch into a build directory of this test's own: the tarball's
# layout, rpmlint on the spec and the RPMs (errors fail, warnings are listed; justified filters in
# rpm/kube-firstboot.rpmlintrc), each binary RPM's payload unpacked with rpm2cpio | cpio into a scratch
# root and checked (exact file list, modes, units and data identical to the tree, the agent runs),
# and the dependencies and scriptlets rpm recorded.
. "$TOP/tests/lib/common.sh"

for tool in rpmbuild rpmlint rpm2cpio cpio; do
        command -v "$tool" >/dev/null || fail "$tool missing (tools/install-deps.sh installs rpm, rpmlint and cpio)"
done

version=$(sed -n 's/^VERSION[[:space:]]*:=[[:space:]]*//p' "$TOP/Makefile")
[ -n "$version" ] || fail "no VERSION in the Makefile"
B=$WORK/build
# a clean make: nothing from an outer `make check` or `make asan` (MAKEFLAGS) leaks into the packages
unset MAKEFLAGS MFLAGS MAKELEVEL
make -C "$TOP" BUILDDIR="$B" rpm >"$WORK/rpm.log" 2>&1 || { tail -n 40 "$WORK/rpm.log"; fail "make rpm failed"; }
grep -E '^(PASS|FAIL): unit/|^[0-9]+ passed, [0-9]+ failed' "$WORK/rpm.log" || fail "%check ran no unit test"
grep -q '^[0-9]* passed, 0 failed$' "$WORK/rpm.log" || fail "%check: unit tests failed"
ok "make rpm built the packages; %check ran the unit tests"

# The dist tarball: one top directory, the spec, the units and the sources in it, no build output.
tarball=$B/kube-firstboot-$version.tar.gz
[ -f "$tarball" ] || fail "make dist did not write $tarball"
tar -tzf "$tarball" >"$WORK/dist.list"
if grep -v "^kube-firstboot-$version/" "$WORK/dist.list"; then fail "tarball entries outside kube-firstboot-$version/"; fi
for f in Makefile rpm/kube-firstboot.spec firstboot/units/kube-firstboot.service firstboot/agent/main.c \
         firstboot/server/kube-firstboot-server.service docs/kube-firstboot.8 tests/run-tests.sh; do
        grep -qx "kube-firstboot-$version/$f" "$WORK/dist.list" || fail "the tarball lacks $f"
done
if grep -E '/build(-[^/]*)?/|\.o$|\.a$' "$WORK/dist.list"; then fail "build output in the tarball"; fi
(cd "$TOP" && git ls-files) >"$WORK/tracked" 2>/dev/null || true
while IFS= read -r f; do
        [ -e "$TOP/$f" ] || [ -L "$TOP/$f" ] || continue
        grep -qxF "kube-firstboot-$version/$f" "$WORK/dist.list" || fail "tracked file $f is not in the tarball"
done <"$WORK/tracked"
ok "dist: $(wc -l <"$WORK/dist.list") files under kube-firstboot-$version/, every tracked file, no build output"

arch_rpms=("$B"/rpmbuild/RPMS/*/kube-firstboot-"$version"-*.rpm)
server_rpms=("$B"/rpmbuild/RPMS/*/kube-firstboot-server-"$version"-*.rpm)
srpms=("$B"/rpmbuild/SRPMS/kube-firstboot-"$version"-*.src.rpm)
for f in "${arch_rpms[0]}" "${server_rpms[0]}" "${srpms[0]}"; do [ -f "$f" ] || fail "missing package: $f"; done
agent_rpm=${arch_rpms[0]}
server_rpm=${server_rpms[0]}

# rpmlint: no error; warnings listed.
rc=0
rpmlint -r "$TOP/rpm/kube-firstboot.rpmlintrc" "$TOP/rpm/kube-firstboot.spec" "$agent_rpm" "$server_rpm" \
        "${srpms[0]}" >"$WORK/rpmlint.out" 2>&1 || rc=$?
grep -E ': (W|E): ' "$WORK/rpmlint.out" | sed 's/^/    rpmlint: /' || true
summary=$(grep -E '[0-9]+ errors?, [0-9]+ warnings?' "$WORK/rpmlint.out") || fail "no rpmlint summary: $(cat "$WORK/rpmlint.out")"
assert_eq 0 "$rc" "rpmlint exit status ($summary)"
assert_contains "$summary" " 0 errors" "rpmlint"
ok "rpmlint: $summary"

# The payloads, unpacked as rpm would install them.
unpack() { # RPM ROOT
        mkdir -p "$2"
        (cd "$2" && rpm2cpio "$1" | cpio -idm --quiet --no-absolute-filenames) || fail "cannot unpack $1"
}
listing() { # ROOT: "MODE TYPE /path" for everything, man pages without a compression suffix
        (cd "$1" && find . -mindepth 1 -printf '%m %y /%P\n') | sed -E 's|(/man/man8/[^ ]*\.8)\.(gz\|bz2\|xz)$|\1|' | LC_ALL=C sort -k3
}
RA=$WORK/agent-root
RS=$WORK/server-root
unpack "$agent_rpm" "$RA"
unpack "$server_rpm" "$RS"

# The payload lists directories only where the package owns them (%dir), so intermediate ones that
# cpio creates are left out by comparing rpm's own file list too.
rpm -qp --qf '[%{FILEMODES:octal} %{FILENAMES}\n]' "$agent_rpm" | LC_ALL=C sort -k2 >"$WORK/agent.files"
rpm -qp --qf '[%{FILEMODES:octal} %{FILENAMES}\n]' "$server_rpm" | LC_ALL=C sort -k2 >"$WORK/server.files"
normalize() { sed -E 's/^[0-7]*([0-7]{4}) /\1 /; s|(/man/man8/[^ ]*\.8)\.(gz\|bz2\|xz)$|\1|' "$1"; }
cat >"$WORK/agent.expected" <<'EOF'
0755 /etc/kube-firstboot
0755 /usr/bin/kube-firstboot
0644 /usr/lib/systemd/system/kube-firstboot-refresh.service
0644 /usr/lib/systemd/system/kube-firstboot-refresh.timer
0644 /usr/lib/systemd/system/kube-firstboot.service
0755 /usr/share/doc/kube-firstboot
DOCS
0755 /usr/share/kube-firstboot
0644 /usr/share/kube-firstboot/kube-flannel.yml.in
0644 /usr/share/man/man8/kube-firstboot.8
0755 /var/lib/kube-firstboot
EOF
docs=$(cd "$TOP" && for f in README.md docs/*.md; do echo "0644 /usr/share/doc/kube-firstboot/${f##*/}"; done | LC_ALL=C sort -k2)
awk -v docs="$docs" '$0 == "DOCS" { print docs; next } { print }' "$WORK/agent.expected" >"$WORK/agent.exp"
diff -u "$WORK/agent.exp" <(normalize "$WORK/agent.files") || fail "kube-firstboot's file list or modes differ"
cat >"$WORK/server.exp" <<'EOF'
0755 /etc/kube-firstboot
0644 /etc/kube-firstboot/server.yaml.example
0755 /usr/bin/kube-firstboot-server
0644 /usr/lib/systemd/system/kube-firstboot-server.service
0755 /usr/share/kube-firstboot-server
0755 /usr/share/kube-firstboot-server/ks
0644 /usr/share/kube-firstboot-server/ks/kube-firstboot.ks
0644 /usr/share/man/man8/kube-firstboot-server.8
0750 /var/lib/kube-firstboot-server
0750 /var/lib/kube-firstboot-server/seeds
0700 /var/lib/kube-firstboot-server/state
EOF
diff -u "$WORK/server.exp" <(normalize "$WORK/server.files") || fail "kube-firstboot-server's file list or modes differ"
ok "file lists and modes: binaries 0755, units, data, man pages and docs 0644, server directories 0750/0700"

# Owners as rpm installs them: the server's directories are root's but for its state directory, and
# readable by its group; everything else root's.
rpm -qp --qf '[%{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\n]' "$server_rpm" >"$WORK/server.owners"
assert_eq "root:kube-firstboot-server" "$(sed -n 's| /var/lib/kube-firstboot-server$||p' "$WORK/server.owners")" \
        "owner of /var/lib/kube-firstboot-server"
assert_eq "root:kube-firstboot-server" "$(sed -n 's| /var/lib/kube-firstboot-server/seeds$||p' "$WORK/server.owners")" \
        "owner of the seed directory"
assert_eq "kube-firstboot-server:kube-firstboot-server" "$(sed -n 's| /var/lib/kube-firstboot-server/state$||p' "$WORK/server.owners")" \
        "owner of the state directory"
assert_eq 3 "$(grep -vc '^root:root ' "$WORK/server.owners")" "files of the server package not owned by root:root"
if rpm -qp --qf '[%{FILEUSERNAME}:%{FILEGROUPNAME}\n]' "$agent_rpm" | grep -vx root:root; then
        fail "the agent package has files not owned by root:root"
fi
ok "owners: /var/lib/kube-firstboot-server and its seeds root:kube-firstboot-server, its state kube-firstboot-server's"

# What cpio put on disk matches rpm's list (mode by mode), and nothing else is there.
for pkg in agent server; do
        root=$WORK/$pkg-root
        listing "$root" >"$WORK/$pkg.disk"
        while read -r mode path; do
                line=$(grep " ${path}\$" "$WORK/$pkg.disk") || fail "$path is in the $pkg RPM's list but not in its payload"
                assert_eq "${mode#0}" "${line%% *}" "mode of $path unpacked from the $pkg RPM"
        done < <(normalize "$WORK/$pkg.files")
        while read -r _ type path; do
                [ "$type" = d ] && continue
                grep -q " ${path}\$" <(normalize "$WORK/$pkg.files") || fail "$path is in the $pkg payload but not in its file list"
        done <"$WORK/$pkg.disk"
done
ok "the payloads hold exactly the listed files, with the listed modes"

# Units and data in the packages are the tree's.
for u in kube-firstboot.service kube-firstboot-refresh.service kube-firstboot-refresh.timer; do
        assert_file_eq "$TOP/firstboot/units/$u" "$RA/usr/lib/systemd/system/$u"
done
assert_file_eq "$TOP/firstboot/server/kube-firstboot-server.service" "$RS/usr/lib/systemd/system/kube-firstboot-server.service"
assert_file_eq "$TOP/firstboot/data/kube-flannel.yml.in" "$RA/usr/share/kube-firstboot/kube-flannel.yml.in"
assert_file_eq "$TOP/firstboot/server/server.yaml.example" "$RS/etc/kube-firstboot/server.yaml.example"
assert_file_eq "$TOP/kickstart/kube-firstboot.ks" "$RS/usr/share/kube-firstboot-server/ks/kube-firstboot.ks"
ok "units, flannel manifest, example config and kickstart in the RPMs are the tree's"

# The packaged binaries run, and the agent looks for its data where the package put it.
assert_eq "kube-firstboot $version" "$("$RA/usr/bin/kube-firstboot" --version)" "packaged agent --version"
"$RS/usr/bin/kube-firstboot-server" --help >/dev/null || fail "packaged server --help failed"
grep -qF /usr/share/kube-firstboot/kube-flannel.yml.in "$RA/usr/bin/kube-firstboot" ||
        fail "the packaged agent does not look in /usr/share/kube-firstboot"
ok "packaged binaries run"

# Dependencies and scriptlets.
rpm -qp --requires "$agent_rpm" >"$WORK/requires"
for dep in /usr/bin/docker 'libcurl(x86-64)' 'openssl-libs(x86-64)' iproute kmod util-linux cloud-utils-growpart systemd; do
        grep -qxF "$dep" "$WORK/requires" || fail "kube-firstboot does not require $dep"
done
if grep -E '^kube(adm|let|ctl)' "$WORK/requires"; then fail "kube-firstboot must not require kubeadm/kubelet/kubectl"; fi
rpm -qp --conflicts "$agent_rpm" >"$WORK/conflicts"
grep -qx 'kubeadm >= 1.24' "$WORK/conflicts" || fail "no conflict with kubeadm >= 1.24"
grep -qx 'kubelet >= 1.24' "$WORK/conflicts" || fail "no conflict with kubelet >= 1.24"
rpm -qp --scripts "$agent_rpm" >"$WORK/agent.scripts"
rpm -qp --scripts "$server_rpm" >"$WORK/server.scripts"
assert_contains "$(cat "$WORK/agent.scripts")" "systemctl preset kube-firstboot.service kube-firstboot-refresh.timer" "agent %post"
assert_contains "$(cat "$WORK/agent.scripts")" "disable kube-firstboot.service" "agent %preun"
if grep -q try-restart "$WORK/agent.scripts"; then fail "an upgrade must not restart kube-firstboot.service"; fi
assert_contains "$(cat "$WORK/server.scripts")" "try-restart kube-firstboot-server.service" "server %postun"
# the scriptlets are valid shell, as rpm will run them with /bin/sh
awk '/scriptlet \(using \/bin\/sh\):$/ { if (f) close(f); f = sprintf("%s/scriptlet.%d", dir, ++n); next } f { print > f }' \
        dir="$WORK" "$WORK/agent.scripts" "$WORK/server.scripts"
for s in "$WORK"/scriptlet.*; do sh -n "$s" || fail "scriptlet $s is not valid sh: $(cat "$s")"; done
ok "requires, conflicts and systemd scriptlets ($(find "$WORK" -maxdepth 1 -name 'scriptlet.*' | wc -l) scriptlets, all valid sh)"

# The server's %pre creates its system user and group, once: run with stand-ins for getent, groupadd
# and useradd that record their arguments, on a system without them and on one that has them.
rpm -qp --qf '[%{REQUIREFLAGS:deptype} %{REQUIRENAME}\n]' "$server_rpm" | grep -qx 'pre shadow-utils' ||
        fail "kube-firstboot-server does not require shadow-utils for %pre"
rpm -qp --qf '%{PREIN}' "$server_rpm" >"$WORK/server.pre"
mkdir -p "$WORK/pre-bin"
for tool in groupadd useradd; do
        printf '#!/bin/sh\necho "%s $*" >>"$PRE_LOG"\n' "$tool" >"$WORK/pre-bin/$tool"
done
printf '#!/bin/sh\n[ -n "$PRE_EXISTS" ]\n' >"$WORK/pre-bin/getent"
chmod 755 "$WORK/pre-bin"/*
PRE_LOG=$WORK/pre.log PRE_EXISTS='' PATH=$WORK/pre-bin:/usr/bin:/bin sh "$WORK/server.pre" || fail "server %pre failed"
assert_eq "groupadd -r kube-firstboot-server
useradd -r -g kube-firstboot-server -d /var/lib/kube-firstboot-server -s /sbin/nologin -c kube-firstboot metadata endpoint kube-firstboot-server" \
        "$(cat "$WORK/pre.log")" "what %pre runs on a system without the user"
rm "$WORK/pre.log"
PRE_LOG=$WORK/pre.log PRE_EXISTS=1 PATH=$WORK/pre-bin:/usr/bin:/bin sh "$WORK/server.pre" || fail "server %pre failed (again)"
[ ! -e "$WORK/pre.log" ] || fail "%pre ran $(cat "$WORK/pre.log") although the user and group exist"
assert_eq kube-firstboot-server "$(sed -n 's/^User=//p' "$RS/usr/lib/systemd/system/kube-firstboot-server.service")" \
        "User= of the packaged unit"
ok "server %pre: system group and user kube-firstboot-server (useradd -r, no shell), none when they exist; the unit runs as it"

# The source RPM holds the spec and the tarball, so `rpmbuild --rebuild` works on CentOS 7.
rpm -qlp "${srpms[0]}" >"$WORK/srpm.list"
grep -qx kube-firstboot.spec "$WORK/srpm.list" || fail "the source RPM lacks the spec"
grep -qx "kube-firstboot-$version.tar.gz" "$WORK/srpm.list" || fail "the source RPM lacks the tarball"
ok "source RPM: spec and tarball"
