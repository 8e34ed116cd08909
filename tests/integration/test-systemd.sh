#!/bin/bash
# (Named test-systemd rather than test-units: `run-tests.sh unit`, and so `make unit` and the RPM's
# %check, pick tests by substring.)
# The systemd units as `make install` installs them: systemd-analyze verify in a scratch root (the
# installed tree plus this host's standard units, so ExecStart binaries and man pages are looked up
# there), any output counting as a failure (verify only warns about unknown keys); every directive and
# enumerated value in systemd 219's set (tests/data/fixtures/systemd-219-directives.txt), because Debian's
# verify accepts newer ones; the checker rejecting newer directives itself; what each unit must say;
# install paths substituted into the units; an install refused for a binary built for another DATADIR.
. "$TOP/tests/lib/common.sh"

DIRECTIVES=$TOP/tests/data/fixtures/systemd-219-directives.txt
UNITS=(firstboot/units/kube-firstboot.service firstboot/units/kube-firstboot-refresh.service
       firstboot/units/kube-firstboot-refresh.timer firstboot/server/kube-firstboot-server.service)

# make install below gets only the variables given here, none from an outer make (MAKEFLAGS)
unset MAKEFLAGS MFLAGS MAKELEVEL
command -v systemd-analyze >/dev/null || fail "systemd-analyze missing (tools/install-deps.sh installs systemd)"
for b in kube-firstboot kube-firstboot-server; do [ -x "$BUILDDIR/$b" ] || fail "build first: $BUILDDIR/$b"; done

# check_219 UNIT-FILE: prints one line per directive or value systemd 219 does not know.
check_219() {
        awk -v unit="$1" '
                FNR == NR {
                        if ($0 ~ /^#/ || $0 == "") next
                        if (index($0, "=")) { split($0, kv, "="); values[kv[1]] = " " kv[2] " " }
                        else known[$0] = 1
                        next
                }
                cont { cont = /\\$/; next }
                /^[ \t]*([#;].*)?$/ { next }
                /^\[.*\]$/ { section = substr($0, 2, length($0) - 2); next }
                {
                        cont = /\\$/
                        key = $0; sub(/[ \t]*=.*/, "", key)
                        value = $0; sub(/^[^=]*=[ \t]*/, "", value); sub(/[ \t]+$/, "", value)
                        name = section "." key
                        if (!(name in known))
                                printf "%s:%d: %s= is not a systemd 219 directive in [%s]\n", unit, FNR, key, section
                        else if ((name in values) && index(values[name], " " value " ") == 0)
                                printf "%s:%d: %s=%s: systemd 219 knows only%s\n", unit, FNR, key, value, values[name]
                }' "$DIRECTIVES" "$1"
}

# The checker itself: a unit written for a newer systemd is refused, line by line.
grep -q '^Service.ExecStart$' "$DIRECTIVES" || fail "$DIRECTIVES lacks Service.ExecStart"
cat >"$WORK/newer.service" <<'EOF'
[Unit]
Description=uses what systemd 219 lacks
StartLimitIntervalSec=10
[Service]
Type=exec
StateDirectory=kube-firstboot
ExecCondition=/bin/true
ExecStart=/bin/true \
  --continued=1
ProtectSystem=strict
StandardOutput=journal+console
SuccessAction=reboot
[Install]
WantedBy=multi-user.target
EOF
check_219 "$WORK/newer.service" >"$WORK/newer.out"
cat "$WORK/newer.out"
for bad in ':3: StartLimitIntervalSec=' ':5: Type=exec' ':6: StateDirectory=' ':7: ExecCondition=' \
           ':10: ProtectSystem=strict' ':12: SuccessAction='; do
        grep -qF "$bad" "$WORK/newer.out" || fail "the 219 checker missed [$bad]"
done
assert_eq 6 "$(wc -l <"$WORK/newer.out")" "complaints about newer.service (continuation lines and known keys pass)"
ok "the directive checker refuses systemd > 219 directives and values"

# Every unit in the tree uses systemd 219 only.
for u in "${UNITS[@]}"; do
        out=$(check_219 "$TOP/$u")
        [ -z "$out" ] || fail "$u uses what systemd 219 does not know:"$'\n'"$out"
        ok "$u: $(grep -c '^[A-Z][A-Za-z]*=' "$TOP/$u") directives, all in systemd 219"
done

# make install into a scratch root; the units there are the tree's (default paths).
R=$WORK/root
make -s -C "$TOP" BUILDDIR="$BUILDDIR" DESTDIR="$R" install >"$WORK/install.log" 2>&1 ||
        fail "make install failed: $(cat "$WORK/install.log")"
for u in "${UNITS[@]}"; do
        installed=$R/usr/lib/systemd/system/${u##*/}
        [ -f "$installed" ] || fail "make install did not install $u"
        assert_file_eq "$TOP/$u" "$installed"
        assert_eq 644 "$(stat -c %a "$installed")" "mode of $installed"
done
ok "make install puts the four units into /usr/lib/systemd/system, unchanged, 0644"

# systemd-analyze verify, with this host's standard units (targets, network-online, docker is
# absent: Wants/After on missing units are fine) beside ours, and man pages from the scratch root.
unitdir=$R/usr/lib/systemd/system
for d in /usr/lib/systemd/system /lib/systemd/system; do
        [ -d "$d" ] || continue
        for f in "$d"/*; do
                [ -e "$unitdir/${f##*/}" ] || cp -a "$f" "$unitdir/"
        done
done
[ -f "$unitdir/multi-user.target" ] || fail "no multi-user.target on this host to verify against"
verify() { # UNIT-PATH...: verify's output (empty when all is well)
        (cd "$R" && MANPATH=$R/usr/share/man systemd-analyze verify --root="$R" "$@" 2>&1)
}
for u in "${UNITS[@]}"; do
        out=$(verify "usr/lib/systemd/system/${u##*/}") || fail "systemd-analyze verify ${u##*/} failed: $out"
        [ -z "$out" ] || fail "systemd-analyze verify ${u##*/} complained: $out"
        ok "systemd-analyze verify ${u##*/}: clean"
done
# ... and it would notice: a missing ExecStart binary, an unknown key.
mv "$R/usr/bin/kube-firstboot" "$WORK/agent.moved"
out=$(verify usr/lib/systemd/system/kube-firstboot.service) && fail "verify passed without /usr/bin/kube-firstboot"
assert_contains "$out" "/usr/bin/kube-firstboot" "verify's complaint about the missing binary"
mv "$WORK/agent.moved" "$R/usr/bin/kube-firstboot"
sed 's/^RemainAfterExit=yes/RemainAfterExit=yes\nNoSuchKey=1/' "$unitdir/kube-firstboot.service" >"$unitdir/probe.service"
out=$(verify usr/lib/systemd/system/probe.service || true)
assert_contains "$out" "NoSuchKey" "verify's complaint about an unknown key"
rm "$unitdir/probe.service"
ok "verify complains about a missing binary and an unknown key (so its silence above means something)"

# What each unit must say.
unit_value() { sed -n "s/^$2=//p" "$TOP/firstboot/units/$1"; }
svc=kube-firstboot.service
assert_eq oneshot "$(unit_value $svc Type)" "$svc Type"
assert_eq yes "$(unit_value $svc RemainAfterExit)" "$svc RemainAfterExit"
# run, never --force: the agent's state decides whether there is anything to do
assert_eq "/usr/bin/kube-firstboot run" "$(unit_value $svc ExecStart)" "$svc ExecStart"
assert_eq 75min "$(unit_value $svc TimeoutStartSec)" "$svc TimeoutStartSec (join_timeout 60 min + room)"
assert_eq journal+console "$(unit_value $svc StandardOutput)" "$svc StandardOutput"
assert_eq network-online.target "$(unit_value $svc Wants)" "$svc Wants"
assert_contains "$(unit_value $svc After)" "network-online.target docker.service" "$svc After"
assert_eq "" "$(unit_value $svc Before)" "$svc Before (kubeadm starts kubelet from inside the run)"
assert_eq "!/etc/kube-firstboot/disabled" "$(unit_value $svc ConditionPathExists)" "$svc opt-out file"
assert_eq "!kube_firstboot.disable" "$(unit_value $svc ConditionKernelCommandLine)" "$svc opt-out word"
assert_eq multi-user.target "$(unit_value $svc WantedBy)" "$svc WantedBy"
refresh=kube-firstboot-refresh.service
assert_eq "/usr/bin/kube-firstboot refresh-token" "$(unit_value $refresh ExecStart)" "$refresh ExecStart"
assert_contains "$(unit_value $refresh ConditionPathExists)" "/etc/kubernetes/admin.conf" "$refresh condition"
assert_eq oneshot "$(unit_value $refresh Type)" "$refresh Type"
timer=kube-firstboot-refresh.timer
assert_eq 15min "$(unit_value $timer OnBootSec)" "$timer OnBootSec"
assert_eq 1h "$(unit_value $timer OnUnitActiveSec)" "$timer OnUnitActiveSec"
assert_eq timers.target "$(unit_value $timer WantedBy)" "$timer WantedBy"
ok "the units say what they must"

# The server's privileges: its own user and group, no capability. The unit's lines, then how systemd
# reads them (systemd-analyze security, offline, on the installed unit).
srv=$TOP/firstboot/server/kube-firstboot-server.service
assert_eq kube-firstboot-server "$(sed -n 's/^User=//p' "$srv")" "kube-firstboot-server.service User"
assert_eq kube-firstboot-server "$(sed -n 's/^Group=//p' "$srv")" "kube-firstboot-server.service Group"
assert_eq "CapabilityBoundingSet=" "$(grep '^CapabilityBoundingSet' "$srv")" \
        "kube-firstboot-server.service capability bounding set (empty: none)"
assert_eq yes "$(sed -n 's/^NoNewPrivileges=//p' "$srv")" "kube-firstboot-server.service NoNewPrivileges"
if grep -E '^(AmbientCapabilities|SupplementaryGroups|PermissionsStartOnly)=' "$srv"; then
        fail "kube-firstboot-server.service grants more than its user has"
fi
(cd "$R" && systemd-analyze security --offline=true --root="$R" --json=short \
        usr/lib/systemd/system/kube-firstboot-server.service) >"$WORK/security.json" 2>"$WORK/security.err" ||
        fail "systemd-analyze security: $(cat "$WORK/security.err")"
python3 - "$WORK/security.json" <<'PY' || fail "systemd's view of kube-firstboot-server.service: $(cat "$WORK/security.json")"
import json, sys
checks = {c["name"]: c for c in json.load(open(sys.argv[1]))}
user = checks["User=/DynamicUser="]
assert user["set"] and "non-root" in user["description"], user
caps = [c for name, c in checks.items() if name.startswith("CapabilityBoundingSet=")]
assert len(caps) >= 10, caps
unset = [c["name"] for c in caps if not c["set"]]
assert not unset, "capabilities left in the bounding set: %s" % unset
assert checks["AmbientCapabilities="]["set"], checks["AmbientCapabilities="]
assert checks["NoNewPrivileges="]["set"], checks["NoNewPrivileges="]
print("%d capability checks, all dropped; user: %s" % (len(caps), user["description"]))
PY
ok "kube-firstboot-server.service as systemd sees it: $(python3 -c 'import json,sys; c=[x for x in json.load(open(sys.argv[1])) if x["name"].startswith("CapabilityBoundingSet=")]; print(len(c))' "$WORK/security.json") capability groups dropped, a static non-root user"

# The installed agent finds its data where make install put it.
"$R/usr/bin/kube-firstboot" --version | grep -qx "kube-firstboot [0-9.]*" || fail "installed agent --version"
grep -qF /usr/share/kube-firstboot/kube-flannel.yml.in "$R/usr/bin/kube-firstboot" ||
        fail "the installed agent does not look for /usr/share/kube-firstboot/kube-flannel.yml.in"
assert_file_eq "$TOP/firstboot/data/kube-flannel.yml.in" "$R/usr/share/kube-firstboot/kube-flannel.yml.in"
for f in usr/share/man/man8/kube-firstboot.8 usr/share/man/man8/kube-firstboot-server.8 \
         usr/share/doc/kube-firstboot/README.md etc/kube-firstboot/server.yaml.example \
         usr/share/kube-firstboot-server/ks/kube-firstboot.ks; do
        [ -f "$R/$f" ] || fail "make install did not install /$f"
done
assert_eq 700 "$(stat -c %a "$R/var/lib/kube-firstboot-server")" "mode of /var/lib/kube-firstboot-server"
ok "make install: agent, server, man pages, flannel manifest, docs, example config, kickstart, state directories"

# Other BINDIR/SYSCONFDIR/UNITDIR: the units name them.
R2=$WORK/root2
make -s -C "$TOP" BUILDDIR="$BUILDDIR" DESTDIR="$R2" BINDIR=/opt/kfb/bin SYSCONFDIR=/opt/kfb/etc \
        UNITDIR=/opt/kfb/units install >"$WORK/install2.log" 2>&1 || fail "make install (paths): $(cat "$WORK/install2.log")"
u2=$R2/opt/kfb/units
[ -x "$R2/opt/kfb/bin/kube-firstboot" ] || fail "BINDIR not honoured"
grep -qx 'ExecStart=/opt/kfb/bin/kube-firstboot run' "$u2/kube-firstboot.service" || fail "BINDIR not in the unit"
grep -qx 'ConditionPathExists=!/opt/kfb/etc/kube-firstboot/disabled' "$u2/kube-firstboot.service" ||
        fail "SYSCONFDIR not in the unit"
grep -qx 'ConditionPathExists=/etc/kubernetes/admin.conf' "$u2/kube-firstboot-refresh.service" ||
        fail "kubeadm's /etc/kubernetes path must not move with SYSCONFDIR"
grep -q -- '--config /opt/kfb/etc/kube-firstboot/server.yaml' "$u2/kube-firstboot-server.service" ||
        fail "SYSCONFDIR not in the server unit"
[ -f "$R2/opt/kfb/etc/kube-firstboot/server.yaml.example" ] || fail "SYSCONFDIR not honoured for the example"
ok "BINDIR, SYSCONFDIR and UNITDIR are honoured, in the units too"

# A binary built for /usr/share cannot be installed for /usr/local/share: it would not find its data.
if make -s -C "$TOP" BUILDDIR="$BUILDDIR" DESTDIR="$WORK/root3" PREFIX=/usr/local install >"$WORK/install3.log" 2>&1; then
        fail "make install PREFIX=/usr/local accepted a binary built for /usr/share"
fi
assert_contains "$(cat "$WORK/install3.log")" "was built for another DATADIR" "refusal message"
[ ! -e "$WORK/root3/usr/local/bin/kube-firstboot" ] || fail "the refused install installed the agent anyway"
ok "install refuses a binary built for another DATADIR"
