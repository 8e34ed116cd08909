#!/bin/bash
# Seed access on the network, as an attacker on the lab's segment tries it: kube-firstboot-server in a
# network namespace on a bridge (192.168.220.1), clients in namespaces of their own on veth pairs:
#   master    192.168.220.104, the address nodes: gives master (its MAC is not the inventory's)
#   pxe       192.168.220.150, with node-1's inventory MAC (a node before it has its address)
#   stranger  192.168.220.9, a MAC of its own
# A stranger gets 403 for user-data and vendor-data (and a warning, an access-log line), a node not in
# nodes: is never served, the node gets its user-data once per instance-id, --rearm (while the server
# runs) and a new instance-id let it fetch again, the MAC stands in for the address, and a transfer
# the client cuts off mid-way does not use up the one fetch. `kube-firstboot status --endpoint` shows
# the warnings. A seed URL may name the node by its system UUID or MAC instead (one URL with
# __dmi.system-uuid__ for every machine): the same rules apply to the node so named.
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/server.sh"

NS=kfbsa$$
SRV=192.168.220.1
URL=http://$SRV:8780
MASTER_MAC=52:54:00:fb:00:68
NODE1_MAC=52:54:00:fb:00:69
MASTER_UUID=5f3c1a2e-8d4b-4c6a-9e1f-0a2b3c4d5e6f
F=$WORK/fx
SECRET="cluster_key: SEED-ACCESS-TEST-SECRET-$$"

# ---- network --------------------------------------------------------------------------------------
net_down() {
        for n in srv master pxe stranger; do ip netns del "$NS-$n" 2>/dev/null || true; done
}
cleanup_hooks+=(net_down)
ip netns add "$NS-srv"
ip -n "$NS-srv" link add br0 type bridge
ip -n "$NS-srv" addr add "$SRV/24" dev br0
ip -n "$NS-srv" link set br0 up
ip -n "$NS-srv" link set lo up
client_ns() { # NAME ADDRESS MAC
        ip netns add "$NS-$1"
        ip link add "p-$1" netns "$NS-srv" type veth peer name eth0 netns "$NS-$1"
        ip -n "$NS-srv" link set "p-$1" master br0 up
        ip -n "$NS-$1" link set eth0 address "$3"
        ip -n "$NS-$1" addr add "$2/24" dev eth0
        ip -n "$NS-$1" link set eth0 up
        ip -n "$NS-$1" link set lo up
}
client_ns master 192.168.220.104 52:54:00:aa:00:01
client_ns pxe 192.168.220.150 "$NODE1_MAC"
client_ns stranger 192.168.220.9 52:54:00:aa:00:09
in_ns() { # NAME CMD...
        local n=$1
        shift
        ip netns exec "$NS-$n" "$@"
}

# ---- seeds and config -------------------------------------------------------------------------------
mkdir -p "$F/seeds/master" "$F/seeds/node-1" "$F/seeds/node-9" "$F/state"
printf 'instance-id: iid-master-1\nlocal-hostname: master\n' >"$F/seeds/master/meta-data"
printf '#cloud-config\nkube_firstboot:\n  %s\n' "$SECRET" >"$F/seeds/master/user-data"
printf 'version: 2\n' >"$F/seeds/master/network-config"
printf 'instance-id: iid-node-1-1\nlocal-hostname: node-1\n' >"$F/seeds/node-1/meta-data"
# larger than every socket buffer between server and client, so that a client that stops reading and
# closes leaves most of it unsent, whatever the machine's speed
{
        printf '#cloud-config\nkube_firstboot:\n  %s\n' "$SECRET"
        head -c 12000000 /dev/zero | tr '\0' '#' | fold -w 99
} >"$F/seeds/node-1/user-data"
printf '#cloud-config\n%s\n' "$SECRET" >"$F/seeds/node-1/vendor-data"
printf 'instance-id: iid-node-9\n' >"$F/seeds/node-9/meta-data"
printf '#cloud-config\n%s\n' "$SECRET" >"$F/seeds/node-9/user-data"
cat >"$WORK/server.yaml" <<EOF
listen: $SRV:8780
seed_dir: $F/seeds
state_dir: $F/state
clusters:
  - name: lab
    bearer: $(bearer_for lab)
nodes:
  - name: master
    address: 192.168.220.104
    mac: "$MASTER_MAC"
    uuid: "$MASTER_UUID"
  - name: node-1
    address: 192.168.220.105
    mac: "$NODE1_MAC"
EOF
chmod 600 "$WORK/server.yaml"

SERVER_LOG=$WORK/server.log
# shellcheck disable=SC2086
ip netns exec "$NS-srv" $SERVER_WRAPPER "$SERVER" --config "$WORK/server.yaml" 2>>"$SERVER_LOG" &
SERVER_PID=$!
for _ in $(seq 1 1200); do
        in_ns stranger curl -s -o /dev/null "$URL/" && break
        kill -0 "$SERVER_PID" 2>/dev/null || fail "server exited at start: $(tail -5 "$SERVER_LOG")"
        sleep 0.1
done
ok "server in namespace $NS-srv on $SRV:8780"

# get NS PATH [CURL-ARGS...]: the status of one request from NS; the body lands in $WORK/body.
get() {
        local n=$1 path=$2
        shift 2
        in_ns "$n" curl -s -o "$WORK/body" -w '%{http_code}' "$@" "$URL$path" || true
}
expect() { # CODE WHAT NS PATH [CURL-ARGS...]
        local want=$1 what=$2 got
        shift 2
        got=$(get "$@")
        [ "$got" = "$want" ] || fail "$what: expected HTTP $want, got $got: $(head -c 200 "$WORK/body")"
        if [ "$want" != 200 ] && grep -q SEED-ACCESS-TEST-SECRET "$WORK/body"; then fail "$what: the refusal holds the secret"; fi
}
# access_line CLIENT PATH STATUS: waits for the access-log line of that request (the server writes it
# when the request is over, which for a refused or aborted one may be after the client returned).
access_line() {
        for _ in $(seq 1 600); do
                grep -q "access client=$1:[0-9]* method=GET path=$2 status=$3 " "$SERVER_LOG" && return 0
                sleep 0.1
        done
        fail "no access-log line for $1 $2 $3: $(grep access "$SERVER_LOG" | tail -3)"
}
served_mark() { cat "$F/state/seeds-served/$1" 2>/dev/null || true; }

# ---- strangers ----------------------------------------------------------------------------------------
expect 403 "a stranger's GET of master's user-data" stranger /v1/seeds/master/user-data
access_line 192.168.220.9 /v1/seeds/master/user-data 403
grep "client=192.168.220.9:[0-9]* method=GET path=/v1/seeds/master/user-data status=403 " "$SERVER_LOG" |
        grep -q " end=not-this-node$" || fail "the access-log line does not say why: $(grep 'status=403' "$SERVER_LOG")"
expect 403 "a stranger's HEAD of master's user-data" stranger /v1/seeds/master/user-data --head
expect 403 "a stranger's GET of node-1's vendor-data" stranger /v1/seeds/node-1/vendor-data
expect 403 "a stranger (wrong MAC) GET of node-1's user-data" stranger /v1/seeds/node-1/user-data
expect 200 "a stranger's GET of meta-data (not secret)" stranger /v1/seeds/master/meta-data
expect 200 "a stranger's GET of network-config (not secret)" stranger /v1/seeds/master/network-config
ok "a stranger is refused user-data and vendor-data, not meta-data and network-config"

expect 403 "user-data of a node not in nodes:, from anywhere" stranger /v1/seeds/node-9/user-data
access_line 192.168.220.9 /v1/seeds/node-9/user-data 403
grep -q "node node-9 is not in nodes: of the configuration; its user-data is never served" "$SERVER_LOG" ||
        fail "no log line for the unlisted node"
ok "a node not listed in nodes: is never served"

# ---- the node, once per instance-id ---------------------------------------------------------------------
expect 200 "master's HEAD of its user-data" master /v1/seeds/master/user-data --head
assert_eq "" "$(served_mark master)" "a HEAD does not use up the fetch"
expect 200 "master's GET of its user-data" master /v1/seeds/master/user-data
cmp -s "$WORK/body" "$F/seeds/master/user-data" || fail "master's user-data differs from the file"
access_line 192.168.220.104 /v1/seeds/master/user-data 200
assert_eq "iid-master-1" "$(served_mark master)" "served mark after the whole body went out"
[ "$(stat -c %a "$F/state/seeds-served/master")" = 600 ] || fail "served mark not 0600"
expect 403 "master's second GET of its user-data" master /v1/seeds/master/user-data
access_line 192.168.220.104 /v1/seeds/master/user-data 403
grep "client=192.168.220.104:[0-9]* method=GET path=/v1/seeds/master/user-data status=403 " "$SERVER_LOG" |
        grep -q " end=already-served$" || fail "second fetch: the access-log line does not say why"
expect 200 "meta-data after user-data went out" master /v1/seeds/master/meta-data
ok "the node gets its user-data once, a second fetch is refused"

# re-armed by one command while the server runs
out=$(server_cmd --config "$WORK/server.yaml" --rearm master) || fail "--rearm master failed"
assert_contains "$out" "master: re-armed" "--rearm output"
assert_eq "" "$(served_mark master)" "served mark after --rearm"
expect 200 "master's GET after --rearm" master /v1/seeds/master/user-data
cmp -s "$WORK/body" "$F/seeds/master/user-data" || fail "master's user-data differs after --rearm"
access_line 192.168.220.104 /v1/seeds/master/user-data 200
expect 403 "master's GET after the re-armed fetch" master /v1/seeds/master/user-data
rc=0
server_cmd --config "$WORK/server.yaml" --rearm node-9 2>"$WORK/rearm.err" || rc=$?
assert_eq 2 "$rc" "--rearm of a node not in nodes:"
assert_contains "$(cat "$WORK/rearm.err")" "node-9 is not in nodes:" "--rearm error"
ok "--rearm NODE lets the node fetch once more, while the server runs"

# a reinstall with a new instance-id re-arms by itself
printf 'instance-id: iid-master-2\nlocal-hostname: master\n' >"$F/seeds/master/meta-data"
expect 200 "master's GET under a new instance-id" master /v1/seeds/master/user-data
for _ in $(seq 1 600); do [ "$(served_mark master)" = iid-master-2 ] && break; sleep 0.1; done
assert_eq "iid-master-2" "$(served_mark master)" "served mark after the new instance-id"
expect 403 "master's second GET under the new instance-id" master /v1/seeds/master/user-data
ok "a new instance-id re-arms the node"

# ---- by MAC, and a transfer cut off ----------------------------------------------------------------------
# The client reads 64 KiB of the 12 MB and closes with a reset: the server cannot have sent it whole.
got=$(in_ns pxe python3 - "$SRV" <<'PY'
import socket, struct, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect((sys.argv[1], 8780))
s.sendall(b"GET /v1/seeds/node-1/user-data HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
got = b""
while len(got) < 65536:
    data = s.recv(4096)
    if not data:
        break
    got += data
# while the first transfer stalls, unread, a second fetch of the same user-data is told to come back
s2 = socket.create_connection((sys.argv[1], 8780))
s2.sendall(b"GET /v1/seeds/node-1/user-data HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
second = b""
while b"\r\n" not in second:
    data = s2.recv(4096)
    if not data:
        break
    second += data
s2.close()
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
print(second.split(b"\r\n", 1)[0].decode())
print(got.split(b"\r\n", 1)[0].decode(), len(got))
PY
)
second=${got%%$'\n'*}
got=${got#*$'\n'}
assert_eq "HTTP/1.1 503 Service Unavailable" "$second" "a second fetch while the first is being sent"
case $got in "HTTP/1.1 200 OK "*) ;; *) fail "the cut-off fetch did not start as a 200: $got" ;; esac
[ "${got##* }" -ge 65536 ] || fail "the cut-off fetch ended early: $got"
access_line 192.168.220.150 /v1/seeds/node-1/user-data 200
grep "client=192.168.220.150:[0-9]* method=GET path=/v1/seeds/node-1/user-data status=200 " "$SERVER_LOG" |
        grep -q " end=" || fail "the cut-off fetch is not logged as ended early: $(grep 'node-1/user-data' "$SERVER_LOG")"
assert_eq "" "$(served_mark node-1)" "served mark after a cut-off transfer"
ok "a transfer cut off mid-way leaves the fetch unused; a second one meanwhile is told to retry (503)"

expect 200 "node-1's GET by its MAC from another address" pxe /v1/seeds/node-1/user-data
cmp -s "$WORK/body" "$F/seeds/node-1/user-data" || fail "node-1's user-data differs from the file"
for _ in $(seq 1 600); do [ -n "$(served_mark node-1)" ] && break; sleep 0.1; done
assert_eq "iid-node-1-1" "$(served_mark node-1)" "node-1 served mark"
expect 403 "node-1's second GET" pxe /v1/seeds/node-1/user-data
expect 200 "node-1's vendor-data by its MAC" pxe /v1/seeds/node-1/vendor-data
expect 403 "master's user-data from node-1's MAC" pxe /v1/seeds/master/user-data
ok "the inventory MAC stands in for the address; another node's MAC does not"

# ---- by system UUID or MAC instead of the name: the same node, the same rules --------------------------------
UPPER_UUID=$(printf '%s' "$MASTER_UUID" | tr a-f A-F)
expect 200 "master's meta-data by its system UUID" stranger "/v1/seeds/$UPPER_UUID/meta-data"
cmp -s "$WORK/body" "$F/seeds/master/meta-data" || fail "meta-data by UUID is not master's"
expect 200 "node-1's meta-data by its MAC" stranger /v1/seeds/52-54-00-FB-00-69/meta-data
cmp -s "$WORK/body" "$F/seeds/node-1/meta-data" || fail "meta-data by MAC is not node-1's"
expect 404 "a UUID no node has" stranger /v1/seeds/5f3c1a2e-8d4b-4c6a-9e1f-0a2b3c4d5e60/meta-data
expect 403 "a stranger's GET of master's user-data by its UUID" stranger "/v1/seeds/$MASTER_UUID/user-data"
access_line 192.168.220.9 "/v1/seeds/$MASTER_UUID/user-data" 403
grep "client=192.168.220.9:[0-9]* method=GET path=/v1/seeds/$MASTER_UUID/user-data status=403 " "$SERVER_LOG" |
        grep -q " end=not-this-node$" || fail "by UUID: the access-log line does not say why"
expect 403 "a stranger's GET of node-1's user-data by its MAC" stranger /v1/seeds/52-54-00-fb-00-69/user-data
# once per instance-id, whichever name was used: master's went out under iid-master-2 by name
expect 403 "master's GET by UUID of user-data it fetched by name" master "/v1/seeds/$UPPER_UUID/user-data"
access_line 192.168.220.104 "/v1/seeds/$UPPER_UUID/user-data" 403
grep "client=192.168.220.104:[0-9]* method=GET path=/v1/seeds/$UPPER_UUID/user-data status=403 " "$SERVER_LOG" |
        grep -q " end=already-served$" || fail "by UUID after by name: not refused as already served"
server_cmd --config "$WORK/server.yaml" --rearm master >/dev/null || fail "--rearm master failed"
expect 200 "master's GET by UUID after --rearm" master "/v1/seeds/$MASTER_UUID/user-data"
cmp -s "$WORK/body" "$F/seeds/master/user-data" || fail "master's user-data by UUID differs from the file"
for _ in $(seq 1 600); do [ "$(served_mark master)" = iid-master-2 ] && break; sleep 0.1; done
assert_eq "iid-master-2" "$(served_mark master)" "served mark after the fetch by UUID"
expect 403 "master's GET by name after the fetch by UUID" master /v1/seeds/master/user-data
expect 403 "node-1's GET by MAC of user-data it fetched by name" pxe /v1/seeds/52-54-00-fb-00-69/user-data
ok "a node's system UUID or MAC names its seed; the access rules and the one fetch apply to the node"

# ---- what the operator sees ---------------------------------------------------------------------------------
expect 200 "status page" stranger /
page=$(cat "$WORK/body")
assert_contains "$page" "Seed access refused" "status page warning"
assert_contains "$page" "192.168.220.9" "status page names the stranger"
assert_contains "$page" "already served for instance-id iid-master-2" "status page names the second fetch"
assert_contains "$page" "MAC 52:54:00:aa:00:09 is not $NODE1_MAC" "status page names the wrong MAC"
expect 200 "GET /v1/warnings" stranger /v1/warnings
python3 -c 'import json, sys; w = json.load(open(sys.argv[1])); assert w["total"] >= 8 and len(w["warnings"]) >= 8, w' \
        "$WORK/body" || fail "/v1/warnings: $(cat "$WORK/body")"
if grep -rq SEED-ACCESS-TEST-SECRET "$WORK/body" "$SERVER_LOG" <(printf '%s' "$page"); then
        fail "a secret reached the log, the page or the warnings"
fi
rc=0
table=$(in_ns stranger "$AGENT" status --endpoint "$URL/" --cluster lab) || rc=$?
assert_contains "$table" "WARNING: the endpoint refused" "status --endpoint warning"
assert_contains "$table" "master/user-data from 192.168.220.104: fetched again: already served" "status --endpoint names the second fetch"
ok "refusals on the status page, in /v1/warnings and in status --endpoint (exit $rc), without a secret"

kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || fail "server exited with $? after SIGTERM"
SERVER_PID=
ok "server stopped"
