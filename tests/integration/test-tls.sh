#!/bin/bash
# https end to end, in a network namespace of its own: the seed generator makes the lab CA and the
# server's certificate for an https endpoint, kube-firstboot-server serves https with it, and the
# agent fetches its seed over https trusting the seed CA under its root and reports its progress
# over https trusting only user-data's endpoint_ca. A server whose certificate another CA signed is
# refused, for the seed and for the reports; plain http to the TLS port gets nothing; a key file
# others can read is refused at start.
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/server.sh"
command -v openssl >/dev/null || fail "openssl not installed (tools/install-deps.sh installs it)"

NS=kfb-tls-$$
ip netns add "$NS"
cleanup_hooks+=("ip netns del $NS")
ip -n "$NS" link set lo up
in_ns() { ip netns exec "$NS" "$@"; }

PORT=18443
ENDPOINT=https://127.0.0.1:$PORT/
"$AGENT" seed --example | sed "s|^endpoint: .*|endpoint: $ENDPOINT|" >"$WORK/inventory.yaml"
grep -q "^endpoint: $ENDPOINT\$" "$WORK/inventory.yaml" || fail "could not set the endpoint in the inventory"

# ---- the seed generator --------------------------------------------------------------------------
run_cmd -m "seed generator, https endpoint" "$AGENT" seed --inventory "$WORK/inventory.yaml" --out "$WORK/lab"
LAB=$WORK/lab
for f in ca.key server.key; do
        assert_eq 600 "$(stat -c %a "$LAB/tls/$f")" "mode of tls/$f"
done
assert_eq 700 "$(stat -c %a "$LAB/tls")" "mode of tls/"
openssl verify -CAfile "$LAB/tls/ca.pem" "$LAB/tls/server.pem" >"$WORK/verify" 2>&1 ||
        fail "the server certificate does not verify against the lab CA: $(cat "$WORK/verify")"
openssl x509 -in "$LAB/tls/server.pem" -noout -text >"$WORK/server-cert.txt"
grep -q "IP Address:127.0.0.1" "$WORK/server-cert.txt" || fail "no subjectAltName IP:127.0.0.1: $(cat "$WORK/server-cert.txt")"
grep -q "TLS Web Server Authentication" "$WORK/server-cert.txt" || fail "no serverAuth extended key usage"
openssl x509 -in "$LAB/tls/ca.pem" -noout -text | grep -q "CA:TRUE" || fail "the lab CA is not a CA"
grep -q "^  cert: \"$LAB/tls/server.pem\"\$" "$LAB/server.yaml" || fail "server.yaml: no tls.cert: $(cat "$LAB/server.yaml")"
grep -q "^  key: \"$LAB/tls/server.key\"\$" "$LAB/server.yaml" || fail "server.yaml: no tls.key"
grep -q "^listen: 127.0.0.1:$PORT\$" "$LAB/server.yaml" || fail "server.yaml: does not listen on the endpoint's address and port"
# user-data carries the CA itself, line for line
sed -n '/^  endpoint_ca: |$/,/END CERTIFICATE/p' "$LAB/master/user-data" | sed '1d; s/^    //' >"$WORK/ud-ca.pem"
assert_file_eq "$LAB/tls/ca.pem" "$WORK/ud-ca.pem"
run_cmd -m "show-seed of the generated seed" "$AGENT" --seed "$LAB/master" show-seed
assert_contains "$(cat "$WORK/out")" 'endpoint_ca: "<1 certificate(s), ' "show-seed names the pinned CA"
ok "seed generator: lab CA and server certificate for 127.0.0.1 (keys 0600), tls in server.yaml, endpoint_ca in user-data"

# --force keeps the CA (and so every seed), --new-ca replaces it
cp "$LAB/tls/ca.pem" "$WORK/ca-before.pem"
cp "$LAB/master/user-data" "$WORK/ud-before"
run_cmd -m "seed generator --force" "$AGENT" seed --inventory "$WORK/inventory.yaml" --out "$LAB" --force
assert_file_eq "$WORK/ca-before.pem" "$LAB/tls/ca.pem"
assert_file_eq "$WORK/ud-before" "$LAB/master/user-data"
openssl verify -CAfile "$LAB/tls/ca.pem" "$LAB/tls/server.pem" >/dev/null 2>&1 || fail "--force: new server certificate does not verify"
ok "--force keeps the lab CA and the seeds; the new server certificate is signed by it"

# A second lab, same endpoint, its own CA: the impostor.
run_cmd -m "seed generator, other lab" "$AGENT" seed --inventory "$WORK/inventory.yaml" --out "$WORK/other"
cmp -s "$LAB/tls/ca.pem" "$WORK/other/tls/ca.pem" && fail "two labs got the same CA"

# ---- the server ----------------------------------------------------------------------------------
# serve_https DIR: the server of lab DIR on 127.0.0.1:$PORT in the namespace, waited for over https.
serve_https() {
        local lab=$1
        SERVER_LOG=$WORK/server.log
        : >"$SERVER_LOG"
        # nsenter execs the server (ip netns exec may fork), so that $! is the server itself
        # shellcheck disable=SC2086
        # the nodes ask from 127.0.0.1 here, not from their lab addresses: master is listed there
        (umask 077 && awk '/^nodes:/ { skip = 1; next } skip && /^[ -]/ { next } { skip = 0; print }' \
                "$lab/server.yaml" >"$WORK/server-$(basename "$lab").yaml")
        printf 'nodes:\n  - name: master\n    address: 127.0.0.1\n' >>"$WORK/server-$(basename "$lab").yaml"
        nsenter --net="/run/netns/$NS" $SERVER_WRAPPER "$SERVER" --config "$WORK/server-$(basename "$lab").yaml" \
                --listen "127.0.0.1:$PORT" --state-dir "$WORK/state-$(basename "$lab")" 2>>"$SERVER_LOG" &
        SERVER_PID=$!
        for _ in $(seq 1 1200); do
                grep -q "listening on 127.0.0.1:$PORT (https)" "$SERVER_LOG" &&
                        in_ns curl -s -o /dev/null --cacert "$lab/tls/ca.pem" "$ENDPOINT" && return 0
                kill -0 "$SERVER_PID" 2>/dev/null || fail "server exited at start: $(tail -5 "$SERVER_LOG")"
                sleep 0.1
        done
        fail "the https server did not answer within 120 s"
}
stop_server() {
        kill "$SERVER_PID"
        wait "$SERVER_PID" || fail "server exit status $? (log: $(tail -5 "$SERVER_LOG"))"
        SERVER_PID=
}
SERVER_PID=
cleanup_hooks+=('[ -z "$SERVER_PID" ] || kill "$SERVER_PID"')

mkdir -p "$WORK/state-lab" "$WORK/state-other"
run_cmd -m "check-config with tls" "$SERVER" --config "$LAB/server.yaml" --check-config
assert_contains "$(cat "$WORK/out")" ", https" "check-config says https"

serve_https "$LAB"
in_ns curl -sSf --cacert "$LAB/tls/ca.pem" "${ENDPOINT}v1/seeds/master/meta-data" >"$WORK/md" ||
        fail "https GET of a seed file failed"
assert_file_eq "$LAB/master/meta-data" "$WORK/md"
rc=0
in_ns curl -sS -o /dev/null --max-time 20 "http://127.0.0.1:$PORT/v1/seeds/master/meta-data" 2>"$WORK/plain.err" || rc=$?
[ "$rc" -ne 0 ] || fail "plain http to the TLS port got an answer"
rc=0
in_ns curl -sS -o /dev/null --max-time 20 --cacert "$WORK/other/tls/ca.pem" "$ENDPOINT" 2>"$WORK/wrongca.err" || rc=$?
assert_eq 60 "$rc" "curl trusting another CA (60: certificate not trusted)"
ok "server: https with the generated certificate; plain http gets no answer (curl $(head -c 60 "$WORK/plain.err"))"
# A GET with a body, over https: no plain-text 400 inside the TLS session, the connection just ends
# (curl 52: empty reply, or 56: the connection reset), long before --max-time (28).
rc=0
in_ns curl -sS -o /dev/null --max-time 20 --cacert "$LAB/tls/ca.pem" -X GET --data-binary x \
        "${ENDPOINT}v1/seeds/master/meta-data" 2>"$WORK/getbody.err" || rc=$?
case $rc in 52 | 56) ;; *) fail "https GET with a body: curl exited $rc ($(cat "$WORK/getbody.err")), not 52 or 56" ;; esac
ok "server: an https GET with a body is ended without an answer (curl $rc)"

# ---- the agent: seed over https with the seed CA, reports over https with endpoint_ca ------------
ROOT=$WORK/root
BIN=$WORK/bin
mkdir -p "$ROOT/etc/kube-firstboot" "$BIN"
cp "$LAB/tls/ca.pem" "$ROOT/etc/kube-firstboot/seed-ca.pem"
agent_run() { # RUN_CMD-ARGS... -- AGENT-ARGS...: the agent in the namespace (and a UTS namespace of its own)
        local pre=()
        while [ "$1" != -- ]; do pre+=("$1"); shift; done
        shift
        run_cmd "${pre[@]}" ip netns exec "$NS" unshare -u env KUBE_FIRSTBOOT_PATH="$BIN" "$AGENT" --root "$ROOT" "$@"
}
agent_run -m "seed over https, run --until seed" -- --seed "${ENDPOINT}v1/seeds/master/" run --until seed
grep -q "access client=127.0.0.1:[0-9]* method=GET path=/v1/seeds/master/user-data status=200" "$SERVER_LOG" ||
        fail "the agent's seed did not come from the server: $(cat "$SERVER_LOG")"
assert_eq 600 "$(stat -c %a "$ROOT/run/kube-firstboot/seed-ca.pem")" "mode of the seed CA file libcurl reads"
assert_eq 600 "$(stat -c %a "$ROOT/run/kube-firstboot/endpoint-ca.pem")" "mode of the endpoint CA file libcurl reads"
assert_file_eq "$LAB/tls/ca.pem" "$ROOT/run/kube-firstboot/endpoint-ca.pem"
in_ns curl -sSf --cacert "$LAB/tls/ca.pem" "${ENDPOINT}v1/clusters/lab/nodes" >"$WORK/nodes" || fail "GET nodes failed"
python3 - "$WORK/nodes" <<'EOF' || fail "master's progress report is not on the server: $(cat "$WORK/nodes")"
import json, sys
r = json.load(open(sys.argv[1]))
nodes = r.get("nodes", r)
n = nodes["master"]
assert n["stage"] == "seed" and n["status"] == "done", n
EOF
ok "agent: seed fetched over https (seed CA), progress reported over https (endpoint_ca), CA files 0600"
stop_server

# ---- the impostor: a server with the other lab's certificate ------------------------------------
serve_https "$WORK/other"
rm -rf "$ROOT/var/lib/kube-firstboot" "$ROOT/run/kube-firstboot"
start=$(date +%s)
agent_run -x any -m "seed from the impostor" -- --seed "${ENDPOINT}v1/seeds/master/" show-seed
[ "$RUN_STATUS" -ne 0 ] || fail "the agent took a seed from a server its seed CA did not sign"
assert_contains "$(cat "$WORK/err")" "TLS certificate not trusted" "the agent says why"
[ $(($(date +%s) - start)) -lt 60 ] || fail "the untrusted certificate was retried instead of refused"
grep -q "path=/v1/seeds/master/" "$SERVER_LOG" && fail "the agent sent a request to the impostor: $(cat "$SERVER_LOG")"
ok "seed refused from a server whose certificate another CA signed: $(grep -m1 'not trusted' "$WORK/err" | cut -c1-160)"

# reports: the seed from the directory (endpoint_ca = the lab's CA), the endpoint an impostor
agent_run -m "run --until seed with the impostor as endpoint" -- --seed "$LAB/master" run --until seed
assert_contains "$(cat "$WORK/err")" "not sent: TLS certificate not trusted" "the agent says why it reports nothing"
grep -q "path=/v1/clusters/lab/nodes/master" "$SERVER_LOG" && fail "a progress report reached the impostor"
ok "progress reports refused to a server that the pinned endpoint_ca did not sign"
stop_server

# ---- the key's mode -------------------------------------------------------------------------------
chmod 644 "$LAB/tls/server.key"
run_cmd -x 2 -m "server with a world-readable key" "$SERVER" --config "$LAB/server.yaml" --check-config
assert_contains "$(cat "$WORK/err")" "tls.key $LAB/tls/server.key: writable by its group, or open to others (mode 0644)" \
        "message about the key's mode"
chmod 660 "$LAB/tls/server.key"
run_cmd -x 2 -m "server with a group-writable key" "$SERVER" --config "$LAB/server.yaml" --check-config
assert_contains "$(cat "$WORK/err")" "(mode 0660)" "message about the group-writable key"
chmod 600 "$LAB/tls/server.key"
printf 'tls:\n  cert: %s/tls/server.pem\n' "$LAB" >"$WORK/half.yaml"
run_cmd -x 2 -m "tls without key" "$SERVER" --config "$WORK/half.yaml" --check-config
assert_contains "$(cat "$WORK/err")" "half.yaml:1:1: tls.key: required but missing" "message about the missing key"
ok "server refuses a key others can read or its group can write, and a tls section without key"
