#!/bin/bash
# kube-firstboot seed (docs/seed-generator.md): the default lab's files and modes, each node's seed as
# the agent reads it (from the directory, from the ISO made by the real cloud-localds, and over HTTP
# from kube-firstboot-server with the URL of the generated PXE menu), the key and the bearer checked
# against tests/lib/join-record.py, --example round trip, PXE files by MAC, --force and --new-key,
# every refused inventory in tests/data/seedgen-bad/ with its FILE:LINE:COLUMN message and nothing written.
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/server.sh"
[ -x "$AGENT" ] || fail "no agent at $AGENT (build it first)"
JOIN_RECORD=$TOP/tests/lib/join-record.py
NODES="master node-1 node-2 node-3"

mode_of() { stat -c %a "$1"; }
key_of() { sed -n 's/^  cluster_key: "\(.*\)"$/\1/p' "$1"; }
field() { # FILE KEY: the first value of that key (also as a list item's first key)
        sed -n "s/^ *\(- \)\?$2: *//p" "$1" | head -n 1
}
netfield() { # show-seed output, key: the value in the network-config section
        sed -n '/^network-config:/,$p' "$1" | sed -n "s/^ *\(- \)\?$2: *//p" | head -n 1
}
# server.yaml without its nodes: list, for a kube-firstboot-server that does not read that key (the list's
# own lines are checked as text below)
without_nodes() {
        awk '/^nodes:/ { skip = 1; next } skip && /^[ -]/ { next } { skip = 0; print }' "$1"
}
# the nodes: list of a server.yaml, as written
nodes_of() { awk '/^nodes:/ { on = 1; print; next } on && /^[ -]/ { print; next } { on = 0 }' "$1"; }
# show-seed with the lines that differ by nature (origin, instance-id) removed
show_stable() {
        "$AGENT" --seed "$1" show-seed | grep -v -e '^origin:' -e '^  instance-id:'
}

# ---- the default lab ---------------------------------------------------------------------------
LAB=$WORK/lab
run_cmd "$AGENT" seed --out "$LAB"
assert_contains "$(cat "$WORK/out")" "Cluster lab: 4 node(s) in $LAB" "summary"
assert_eq 755 "$(mode_of "$LAB")" "mode of the output directory"
assert_eq 600 "$(mode_of "$LAB/server.yaml")" "mode of server.yaml"
declare -A address=([master]=192.168.220.104 [node-1]=192.168.220.105 [node-2]=192.168.220.106 [node-3]=192.168.220.107)
declare -A mac=([master]=68 [node-1]=69 [node-2]=6a [node-3]=6b)
for n in $NODES; do
        d=$LAB/$n
        assert_eq 755 "$(mode_of "$d")" "$n: directory mode"
        assert_eq 644 "$(mode_of "$d/meta-data")" "$n: meta-data mode"
        assert_eq 644 "$(mode_of "$d/network-config")" "$n: network-config mode"
        assert_eq 600 "$(mode_of "$d/user-data")" "$n: user-data mode"
        [ ! -e "$d/seed.iso" ] || fail "$n: seed.iso without --iso"
        run_cmd -o "$WORK/show" -m "$n: show-seed" "$AGENT" --seed "$d" show-seed
        assert_eq "$n" "$(field "$WORK/show" local-hostname)" "$n: local-hostname"
        role=worker
        [ "$n" = master ] && role=control-plane
        assert_eq "$role" "$(field "$WORK/show" role)" "$n: role"
        assert_eq "${address[$n]}/24" "$(netfield "$WORK/show" address)" "$n: address"
        assert_eq '"52:54:00:fb:00:'"${mac[$n]}"'"' "$(netfield "$WORK/show" mac)" "$n: mac"
        assert_eq 192.168.220.1 "$(netfield "$WORK/show" gateway)" "$n: gateway"
        assert_eq '"192.168.220.104:6443"' "$(field "$WORK/show" control_plane)" "$n: control_plane"
        field "$WORK/show" instance-id >>"$WORK/ids"
        # the reference lab, exactly: tests/data/seeds/reference holds it (plus a test-only SSH key)
        diff <(show_stable "$TOP/tests/data/seeds/reference/$n" | sed '/^  ssh_authorized_keys:/,$d') \
                <(show_stable "$d" | sed '/^  ssh_authorized_keys:/,$d') ||
                fail "$n: the default lab differs from tests/data/seeds/reference/$n"
done
assert_eq 4 "$(sort -u "$WORK/ids" | wc -l)" "distinct instance-ids"
grep -vqE '^lab-(master|node-[123])-[0-9]{8}T[0-9]{6}Z-[0-9a-f]{4}$' "$WORK/ids" && fail "instance-id format: $(cat "$WORK/ids")"
assert_eq 1 "$(sed 's/.*-\([0-9]*T[0-9]*Z-[0-9a-f]*\)$/\1/' "$WORK/ids" | sort -u | wc -l)" "one generation for all nodes"
ok "default lab: 4 seeds, modes, each accepted by show-seed as the reference lab, unique instance-ids"

KEY=$(key_of "$LAB/master/user-data")
[ -n "$KEY" ] || fail "no cluster_key in master's user-data"
assert_eq 32 "$(printf '%s' "$KEY" | base64 -d | wc -c)" "cluster key length"
for n in $NODES; do
        cmp -s "$LAB/master/user-data" "$LAB/$n/user-data" || fail "$n: user-data differs from master's"
done
grep -q '^  token:' "$LAB/master/user-data" && fail "a token without --token"
BEARER=$(sed -n 's/^    bearer: //p' "$LAB/server.yaml")
assert_eq "$(python3 "$JOIN_RECORD" bearer "$KEY")" "$BEARER" "bearer in server.yaml"
assert_eq "seed_dir: \"$LAB\"" "$(grep '^seed_dir:' "$LAB/server.yaml")" "seed_dir"
server_cmd --config "$LAB/server.yaml" --check-config >"$WORK/check" 2>&1 ||
        fail "kube-firstboot-server refuses the generated server.yaml: $(cat "$WORK/check")"
assert_contains "$(cat "$WORK/check")" "listen 192.168.220.1:8780, 1 clusters, 4 nodes" "server --check-config"
# secrets are written, never shown
for s in "$KEY" "$BEARER"; do
        grep -qF -- "$s" "$WORK/out" "$WORK/err" && fail "a secret was printed"
done
ok "one 32-byte key in every user-data; server.yaml's bearer is join-record.py's; the server accepts the config"

# The server listens on the lab-network address of the endpoint, not on every address, and lists every
# node with its address and MAC, in the format kube-firstboot-server reads (nodes: name, address, mac).
assert_eq "listen: 192.168.220.1:8780" "$(grep '^listen:' "$LAB/server.yaml")" "listen of the default lab"
grep -q '0\.0\.0\.0' "$LAB/server.yaml" && fail "server.yaml listens on every address"
diff -u - <(nodes_of "$LAB/server.yaml") <<'EOF' || fail "the nodes: list of the default lab"
nodes:
  - name: master
    address: 192.168.220.104
    mac: "52:54:00:fb:00:68"
  - name: node-1
    address: 192.168.220.105
    mac: "52:54:00:fb:00:69"
  - name: node-2
    address: 192.168.220.106
    mac: "52:54:00:fb:00:6a"
  - name: node-3
    address: 192.168.220.107
    mac: "52:54:00:fb:00:6b"
EOF
assert_contains "$(cat "$WORK/out")" "(listen 192.168.220.1:8780, " "summary names the listen address"
ok "server.yaml: listen 192.168.220.1:8780 (the endpoint's address), every node in nodes: with its MAC"

# PXE menus by MAC, with the seed URL the agent takes from the kernel command line
for n in $NODES; do
        name=01-52-54-00-fb-00-${mac[$n]}
        for f in "$LAB/pxe/pxelinux.cfg/$name" "$LAB/pxe/grub/grub.cfg-$name"; do
                [ -f "$f" ] || fail "$n: no $f"
                assert_eq 644 "$(mode_of "$f")" "$f mode"
                assert_contains "$(cat "$f")" "inst.ks=http://192.168.220.1:8780/ks/kube-firstboot.ks kube_firstboot.seed=http://192.168.220.1:8780/v1/seeds/$n/" "$f kernel arguments"
                assert_contains "$(cat "$f")" "centos7/initrd.img" "$f initrd"
        done
        grep -qx '  KERNEL centos7/vmlinuz' "$LAB/pxe/pxelinux.cfg/$name" || fail "$n: pxelinux KERNEL"
        grep -q '^	linuxefi centos7/vmlinuz ip=dhcp ' "$LAB/pxe/grub/grub.cfg-$name" || fail "$n: GRUB linuxefi"
done
assert_eq 8 "$(find "$LAB/pxe" -type f | wc -l)" "PXE files"
ok "PXE: pxelinux and GRUB menus per MAC with the kickstart and the node's seed URL"

# ---- over HTTP: the output is kube-firstboot-server's seed directory ---------------------------
# A lab whose endpoint is the server on 127.0.0.1; the node boots with its PXE menu's arguments.
PORT=$(free_port)
"$AGENT" seed --example | sed "s#^endpoint: .*#endpoint: http://127.0.0.1:$PORT/#" >"$WORK/loopback.yaml"
run_cmd -m "loopback lab" "$AGENT" seed --inventory "$WORK/loopback.yaml" --out "$WORK/http"
mkdir -p "$WORK/state"
assert_eq "listen: 127.0.0.1:$PORT" "$(grep '^listen:' "$WORK/http/server.yaml")" "listen of the loopback lab"
# the node asks from 127.0.0.1 here, not from its lab address: the generated nodes: gives way to one
# that lets node-2 fetch its user-data from there
(umask 077 && without_nodes "$WORK/http/server.yaml" >"$WORK/server.yaml")
printf 'state_dir: %s\nnodes:\n  - name: node-2\n    address: 127.0.0.1\n' "$WORK/state" >>"$WORK/server.yaml"
server_start "$WORK/server.yaml"
ROOT=$WORK/root
mkdir -p "$ROOT/proc"
args=$(sed -n 's/^  APPEND initrd=[^ ]* //p' "$WORK/http/pxe/pxelinux.cfg/01-52-54-00-fb-00-6a")
echo "BOOT_IMAGE=centos7/vmlinuz $args" >"$ROOT/proc/cmdline"
run_cmd -o "$WORK/show" -m "show-seed over HTTP" "$AGENT" --root "$ROOT" show-seed
assert_eq "\"http://127.0.0.1:$PORT/v1/seeds/node-2/\"" "$(field "$WORK/show" origin)" "origin"
assert_eq node-2 "$(field "$WORK/show" local-hostname)" "hostname over HTTP"
assert_eq 192.168.220.106/24 "$(netfield "$WORK/show" address)" "address over HTTP"
server_stop TERM
ok "the node-2 PXE menu's kube_firstboot.seed= gets node-2's seed from kube-firstboot-server"

# ---- one URL for every machine: the inventory's system UUID, the server's nodes:, __dmi.system-uuid__ ----
sed '/^  - name: node-2$/a\    uuid: "7D2B9C1E-4A3F-4B8E-9C5D-1E2F3A4B5C6D"' "$WORK/loopback.yaml" >"$WORK/uuid.yaml"
run_cmd -m "lab with a system UUID" "$AGENT" seed --inventory "$WORK/uuid.yaml" --out "$WORK/uuid"
nodes_of "$WORK/uuid/server.yaml" | grep -A3 '^  - name: node-2$' | grep -qx '    uuid: "7d2b9c1e-4a3f-4b8e-9c5d-1e2f3a4b5c6d"' ||
        fail "node-2's uuid is not in server.yaml's nodes: $(nodes_of "$WORK/uuid/server.yaml")"
[ "$(grep -c 'uuid:' "$WORK/uuid/server.yaml")" = 1 ] || fail "a uuid for a node without one"
# as above, node-2 asks from 127.0.0.1; its entry keeps the uuid the generator wrote
(umask 077 && sed 's/^    address: 192\.168\.220\.106$/    address: 127.0.0.1/' "$WORK/uuid/server.yaml" >"$WORK/server-uuid.yaml")
printf 'state_dir: %s\n' "$WORK/state-uuid" >>"$WORK/server-uuid.yaml"
server_start "$WORK/server-uuid.yaml"
ROOT=$WORK/root-uuid
mkdir -p "$ROOT/proc" "$ROOT/sys/class/dmi/id"
echo "BOOT_IMAGE=vmlinuz ro ds=nocloud;s=http://127.0.0.1:$PORT/v1/seeds/__dmi.system-uuid__/" >"$ROOT/proc/cmdline"
echo "7D2B9C1E-4A3F-4B8E-9C5D-1E2F3A4B5C6D" >"$ROOT/sys/class/dmi/id/product_uuid"
run_cmd -o "$WORK/show" -m "show-seed by system UUID" "$AGENT" --root "$ROOT" show-seed
assert_eq node-2 "$(field "$WORK/show" local-hostname)" "hostname by system UUID"
assert_contains "$(field "$WORK/show" origin)" "http://127.0.0.1:$PORT/v1/seeds/7D2B9C1E-4A3F-4B8E-9C5D-1E2F3A4B5C6D/" "origin"
server_stop TERM
ok "inventory uuid -> server.yaml nodes: -> /v1/seeds/__dmi.system-uuid__/ gets node-2's seed"

# ---- --iso: cidata images made by cloud-localds ------------------------------------------------
ISO=$WORK/iso
run_cmd "$AGENT" seed --out "$ISO" --iso
for n in $NODES; do
        f=$ISO/$n/seed.iso
        assert_eq 600 "$(mode_of "$f")" "$n: seed.iso mode"
        assert_eq cidata "$(blkid -o value -s LABEL "$f")" "$n: ISO label"
        assert_eq iso9660 "$(blkid -o value -s TYPE "$f")" "$n: ISO type"
        run_cmd -o "$WORK/show" -m "$n: show-seed of the ISO" "$AGENT" --seed "$f" show-seed
        assert_eq "$n" "$(field "$WORK/show" local-hostname)" "$n: hostname from the ISO"
        diff <(show_stable "$ISO/$n") <(show_stable "$f") || fail "$n: the ISO differs from the directory"
done
[ -z "$(find "$ISO" -name '.seedgen-*')" ] || fail "temporary directories left behind"
ok "--iso: a cidata ISO per node (cloud-localds), 0600, read by the agent as the directory"

# cloud-localds missing: a runtime failure that says so
KUBE_FIRSTBOOT_PATH=$WORK/no-tools run_cmd -x 1 -m "seed --iso without cloud-localds" \
        "$AGENT" seed --out "$WORK/iso-fail" --iso
assert_contains "$(cat "$WORK/err")" "cloud-localds not found" "message without cloud-localds"
[ ! -e "$WORK/iso-fail" ] || fail "--iso without cloud-localds wrote output"
ok "--iso without cloud-localds fails with exit 1, says why, writes nothing"

# ---- --example round trip ----------------------------------------------------------------------
"$AGENT" seed --example >"$WORK/example.yaml"
grep -q '^# ' "$WORK/example.yaml" || fail "--example is not commented"
EX=$WORK/example
run_cmd -m "example" "$AGENT" seed --inventory "$WORK/example.yaml" --out "$EX"
diff <(cd "$LAB" && find . | sort) <(cd "$EX" && find . | sort) || fail "--example lab has other files"
for n in $NODES; do
        cmp "$LAB/$n/network-config" "$EX/$n/network-config" || fail "$n: network-config differs"
        diff <(sed 's/-[0-9]*T[0-9]*Z-[0-9a-f]*$//' "$LAB/$n/meta-data") \
                <(sed 's/-[0-9]*T[0-9]*Z-[0-9a-f]*$//' "$EX/$n/meta-data") || fail "$n: meta-data differs"
        diff <(grep -v '^  cluster_key:' "$LAB/$n/user-data") <(grep -v '^  cluster_key:' "$EX/$n/user-data") ||
                fail "$n: user-data differs beyond the key"
done
assert_tree_same "$(tree_snapshot --portable "$LAB/pxe")" "$(tree_snapshot --portable "$EX/pxe")" "PXE menus differ"
diff <(grep -v -e '^seed_dir:' -e '^    bearer:' "$LAB/server.yaml") \
        <(grep -v -e '^seed_dir:' -e '^    bearer:' "$EX/server.yaml") || fail "server.yaml differs"
[ "$(key_of "$EX/master/user-data")" != "$KEY" ] || fail "two fresh outputs share a cluster key"
ok "--example, saved and read back, gives the default lab (apart from key and instance-ids)"

# ---- an inventory of my own: some MACs, interfaces, SSH key, sysctls, --token -----------------
cat >"$WORK/mine.yaml" <<'EOF'
cluster: edge-lab
endpoint: http://10.20.0.1/kfb
token_ttl: 2h
kubernetes:
  control_plane: cp-1
  pod_cidr: 172.16.0.0/16
  service_cidr: 172.17.0.0/16
host:
  firewall: disable
  sysctls:
    net.core.somaxconn: 1024
ssh_authorized_keys:
  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEK57AabM2ouVSoH/ptbHn33P/Ud28LTSeHhTeJ0rErl kube-firstboot-test-only
network:
  prefix: 22
nodes:
  - name: cp-1
    address: 10.20.1.10
    role: control-plane
    interface: ens3
  - name: worker-1
    address: 10.20.2.11
    role: worker
    mac: "AA:BB:CC:00:00:01"
    interface: ens4
  - name: worker-2
    address: 10.20.3.12
    role: worker
EOF
MINE=$WORK/mine
run_cmd -m "mine" "$AGENT" seed --inventory "$WORK/mine.yaml" --out "$MINE" --token
assert_eq "pxe/grub/grub.cfg-01-aa-bb-cc-00-00-01 pxe/pxelinux.cfg/01-aa-bb-cc-00-00-01" \
        "$(cd "$MINE" && find pxe -type f | sort | tr '\n' ' ' | sed 's/ $//')" "PXE files only for the node with a MAC"
assert_contains "$(cat "$MINE/pxe/pxelinux.cfg/01-aa-bb-cc-00-00-01")" \
        "inst.ks=http://10.20.0.1/kfb/ks/kube-firstboot.ks kube_firstboot.seed=http://10.20.0.1/kfb/v1/seeds/worker-1/" "endpoint path"
assert_eq "listen: 127.0.0.1:8780" "$(grep '^listen:' "$MINE/server.yaml")" "an endpoint with a path: loopback, behind the proxy"
diff -u - <(nodes_of "$MINE/server.yaml") <<'EOF' || fail "the nodes: list of my inventory (a MAC only where given)"
nodes:
  - name: cp-1
    address: 10.20.1.10
  - name: worker-1
    address: 10.20.2.11
    mac: "aa:bb:cc:00:00:01"
  - name: worker-2
    address: 10.20.3.12
EOF
run_cmd -o "$WORK/show" -m "worker-1" "$AGENT" --seed "$MINE/worker-1" show-seed
assert_eq '"aa:bb:cc:00:00:01"' "$(netfield "$WORK/show" mac)" "worker-1 mac"
assert_eq ens4 "$(netfield "$WORK/show" name)" "worker-1 interface"
assert_eq 10.20.2.11/22 "$(netfield "$WORK/show" address)" "worker-1 address"
assert_eq '"cp-1:6443"' "$(field "$WORK/show" control_plane)" "control_plane by name"
assert_eq '"<redacted: bootstrap token>"' "$(field "$WORK/show" token)" "token"
assert_eq '"1024"' "$(field "$WORK/show" net.core.somaxconn)" "sysctl"
assert_contains "$(cat "$WORK/show")" "kube-firstboot-test-only" "ssh key"
run_cmd -o "$WORK/show" -m "worker-2" "$AGENT" --seed "$MINE/worker-2" show-seed
grep -q 'mac:' "$WORK/show" && fail "worker-2 has no MAC, yet one is configured"
TOKEN=$(sed -n 's/^  token: "\(.*\)"$/\1/p' "$MINE/cp-1/user-data")
[[ $TOKEN =~ ^[a-z0-9]{6}\.[a-z0-9]{16}$ ]] || fail "token format"
for n in worker-1 worker-2; do cmp -s "$MINE/cp-1/user-data" "$MINE/$n/user-data" || fail "$n: user-data differs"; done
ok "own inventory: MAC only where given (and PXE only for it), interface names, token, sysctls, SSH key"

# An endpoint by host name: the server cannot listen on a name, and the generator looks nothing up: loopback,
# with a warning that names server_listen; server_listen in the inventory sets the address, every address too.
sed "s#^endpoint: .*#endpoint: http://kfb.lab.internal:8780/#" "$WORK/example.yaml" >"$WORK/named.yaml"
run_cmd -m "endpoint by name" "$AGENT" seed --inventory "$WORK/named.yaml" --out "$WORK/named"
assert_eq "listen: 127.0.0.1:8780" "$(grep '^listen:' "$WORK/named/server.yaml")" "listen for an endpoint by name"
assert_contains "$(cat "$WORK/err")" "set server_listen in the inventory" "warning for an endpoint by name"
printf 'server_listen: 192.168.220.1:8781\n' >>"$WORK/named.yaml"
run_cmd -m "endpoint by name, server_listen" "$AGENT" seed --inventory "$WORK/named.yaml" --out "$WORK/named" --force
assert_eq "listen: 192.168.220.1:8781" "$(grep '^listen:' "$WORK/named/server.yaml")" "listen from server_listen"
grep -q "server_listen" "$WORK/err" && fail "the warning although server_listen is given: $(cat "$WORK/err")"
sed -i 's/^server_listen: .*/server_listen: 0.0.0.0:8780/' "$WORK/named.yaml"
run_cmd -m "server_listen 0.0.0.0" "$AGENT" seed --inventory "$WORK/named.yaml" --out "$WORK/named" --force
assert_eq "listen: 0.0.0.0:8780" "$(grep '^listen:' "$WORK/named/server.yaml")" "every address, asked for"
ok "endpoint by name: loopback and a warning; server_listen sets the address (0.0.0.0 only when given)"

# ---- existing output: refused without --force, kept key with it --------------------------------
before=$(tree_snapshot "$LAB")
run_cmd -x 2 -m "seed over a non-empty --out" "$AGENT" seed --out "$LAB"
assert_contains "$(cat "$WORK/err")" "$LAB: not empty; kube-firstboot seed --force" "message"
mkdir "$WORK/other" && echo hello >"$WORK/other/notes.txt"
run_cmd -x 2 -m "seed over a directory with any file" "$AGENT" seed --out "$WORK/other"
assert_eq "notes.txt" "$(ls "$WORK/other")" "the other directory is untouched"
assert_tree_same "$before" "$(tree_snapshot "$LAB")" "a refused run changed the output"
# --force with the same inventory: same key, same instance-ids, nothing rewritten
run_cmd -m "--force" "$AGENT" seed --out "$LAB" --force
assert_tree_same "$before" "$(tree_snapshot "$LAB")" "--force on an unchanged lab rewrote files"
assert_contains "$(cat "$WORK/out")" "(unchanged)" "summary of an unchanged lab"
# --force with a changed inventory: the key stays, every instance-id is new (the shared user-data changed)
sed 's/^token_ttl: 24h/token_ttl: 12h/' "$WORK/example.yaml" >"$WORK/changed.yaml"
run_cmd -m "--force, changed" "$AGENT" seed --inventory "$WORK/changed.yaml" --out "$LAB" --force
assert_eq "$KEY" "$(key_of "$LAB/node-3/user-data")" "key kept by --force"
grep -q '^  token_ttl: 12h$' "$LAB/node-3/user-data" || fail "the change did not reach user-data"
for n in $NODES; do
        grep -qxF "instance-id: $(field "$LAB/$n/meta-data" instance-id)" "$WORK/ids" &&
                fail "$n: kept its instance-id although its seed changed"
done
assert_eq "$BEARER" "$(sed -n 's/^    bearer: //p' "$LAB/server.yaml")" "bearer kept"
# --new-key: a new key, and its bearer
run_cmd -m "--new-key" "$AGENT" seed --inventory "$WORK/changed.yaml" --out "$LAB" --force --new-key
NEW_KEY=$(key_of "$LAB/master/user-data")
[ "$NEW_KEY" != "$KEY" ] || fail "--new-key kept the key"
assert_eq "$(python3 "$JOIN_RECORD" bearer "$NEW_KEY")" "$(sed -n 's/^    bearer: //p' "$LAB/server.yaml")" "new bearer"
for n in $NODES; do assert_eq "$NEW_KEY" "$(key_of "$LAB/$n/user-data")" "$n: new key"; done
run_cmd -x 2 -m "--new-key without --force" "$AGENT" seed --out "$WORK/fresh" --new-key
ok "non-empty --out refused (exit 2, untouched); --force keeps key and unchanged instance-ids; --new-key"

# ---- refused inventories -----------------------------------------------------------------------
n=0
for f in "$TOP"/tests/data/seedgen-bad/*.yaml; do
        name=$(basename "$f" .yaml)
        expected=$(sed -n '1s/^# expect: //p' "$f")
        [ -n "$expected" ] || fail "$name: no '# expect:' line"
        out=$WORK/bad-$name
        run_cmd -x 2 -m "$name" "$AGENT" seed --inventory "$f" --out "$out"
        grep -qF -- "$f:$expected" "$WORK/err" || { cat "$WORK/err"; fail "$name: expected on stderr: $f:$expected"; }
        grep -qF "inventory rejected; nothing was written" "$WORK/err" || fail "$name: no rejection summary"
        [ ! -s "$WORK/out" ] || fail "$name: printed on stdout"
        [ ! -e "$out" ] || fail "$name: wrote $out"
        n=$((n + 1))
done
[ $n -ge 8 ] || fail "only $n refused inventories"
ok "$n refused inventories, each with its FILE:LINE:COLUMN message, exit 2, nothing written"

# usage errors
for args in "" "--out" "--example --out x" "--bogus --out x" "--out $WORK/u extra"; do
        # shellcheck disable=SC2086
        run_cmd -x 2 -m "seed $args" "$AGENT" seed $args
done
run_cmd -x 2 -m "missing inventory" "$AGENT" seed --inventory "$WORK/absent.yaml" --out "$WORK/u"
[ ! -e "$WORK/u" ] || fail "usage errors wrote output"
ok "usage errors exit 2"
