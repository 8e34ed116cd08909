#!/bin/bash
# kube-firstboot-server over HTTP, curl as the client, on 127.0.0.1: every route, 404s, bearer checks,
# body limits, traversal attempts, malformed requests, a slowloris client, connection limits, the
# long poll, the access log, and a restart between PUT and GET.
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/server.sh"
server_as nobody  # as the packaged unit runs it: its own unprivileged user

F=$WORK/fx
server_fixture "$F"
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
LAB_BEARER=$(bearer_for lab)
OTHER_BEARER=$(bearer_for other)
WRONG_BEARER=$(bearer_for nobody)

write_config() { # FILE [HEADER-TIMEOUT [MAX-WAIT]]
        cat >"$1" <<EOF
listen: 127.0.0.1:$PORT
seed_dir: $F/seeds
ks_dir: $F/ks
state_dir: $F/state
clusters:
  - name: lab
    bearer: $LAB_BEARER
  - name: other
    bearer: $OTHER_BEARER
  - name: capped
    bearer: $OTHER_BEARER
  - name: idle
    bearer: $OTHER_BEARER
nodes:
  - name: node-1
    address: 127.0.0.1
  - name: node-2
    address: 127.0.0.1
limits:
  header_timeout: ${2:-2s}
  connection_timeout: 5s
  max_wait: ${3:-6s}
  max_connections_per_ip: 100
  request_timeout: 3s
EOF
        chmod 600 "$1"
}
write_config "$WORK/server.yaml"
echo "repo_dir: $F/repo" >>"$WORK/server.yaml"

# code ARGS...: the status of one curl request; the body lands in $WORK/body.
code() {
        curl -s -o "$WORK/body" -w '%{http_code}' "$@" || true
}
# expect CODE WHAT CURL-ARGS...
expect() {
        local want=$1 what=$2 got
        shift 2
        got=$(code "$@")
        [ "$got" = "$want" ] || fail "$what: expected HTTP $want, got $got: $(head -c 200 "$WORK/body")"
        if grep -q TOP-SECRET "$WORK/body"; then fail "$what: served the secret outside the tree"; fi
}
put_json() { # CLUSTER-PATH BEARER FILE
        local auth=()
        [ -n "$2" ] && auth=(-H "Authorization: Bearer $2")
        code -X PUT "${auth[@]}" -H 'Content-Type: application/json' --data-binary @"$3" "$URL/v1/clusters/$1"
}

server_start "$WORK/server.yaml"
ok "server started on port $PORT"

# a long poll whose wait is over the cap, on a cluster that never gets a record: answered 404 at the cap
# (6 s), not at 100 s
curl -s -o "$WORK/capped.body" -w '%{http_code} %{time_total}' --max-time 150 \
        "$URL/v1/clusters/idle/join?wait=100" >"$WORK/capped.out" &
capped_pid=$!

# ---- status page ----------------------------------------------------------------------------
expect 200 "GET /" "$URL/"
assert_contains "$(cat "$WORK/body")" '<meta http-equiv="refresh"' "status page refreshes itself"
assert_contains "$(cat "$WORK/body")" "Cluster lab" "status page lists the clusters"
ctype=$(curl -s -o /dev/null -w '%{content_type}' "$URL/")
assert_eq "text/html; charset=utf-8" "$ctype" "status page content type"
curl -s -I "$URL/" | tr -d '\r' >"$WORK/headers"
[ "$(head -1 "$WORK/headers")" = "HTTP/1.1 200 OK" ] || fail "HEAD / is not 200"
grep -q "^Content-Security-Policy: default-src 'none'" "$WORK/headers" || fail "status page without a CSP"
[ -z "$(curl -s --head "$URL/" | sed '1,/^\r$/d')" ] || fail "HEAD / returned a body"
ok "status page"

# ---- seeds --------------------------------------------------------------------------------------
# every client here is 127.0.0.1, the address nodes: gives node-1 and node-2; user-data goes out once
# (tests/integration/test-server-seed-access.sh tests who may fetch it, and how often)
for f in meta-data user-data network-config vendor-data; do
        expect 200 "seed node-1/$f" "$URL/v1/seeds/node-1/$f"
        cmp -s "$WORK/body" "$F/seeds/node-1/$f" || fail "seed node-1/$f differs from the file"
done
expect 200 "seed node-2/meta-data" "$URL/v1/seeds/node-2/meta-data"
cmp -s "$WORK/body" "$F/seeds/node-2/meta-data" || fail "seed node-2/meta-data differs"
expect 404 "vendor-data that is a symlink out of the tree" "$URL/v1/seeds/node-2/vendor-data"
expect 403 "user-data fetched a second time" "$URL/v1/seeds/node-1/user-data"
expect 404 "seed of an unknown node" "$URL/v1/seeds/node-9/meta-data"
expect 404 "a file that is not a seed file" "$URL/v1/seeds/node-1/secret"
expect 404 "seed directory itself" "$URL/v1/seeds/node-1"
expect 400 "seed path with an upper-case node" "$URL/v1/seeds/Node-1/meta-data"
# the seed URL cloud-init is given ends in '/'; it appends the file names
out=$(curl -s "$URL/v1/seeds/node-1/""meta-data")
assert_contains "$out" "instance-id: iid-node-1" "seed through a ds=nocloud;s=.../ URL"
ok "seeds"

# ---- /ks/ and /repo/ ------------------------------------------------------------------------------
expect 200 "/ks/node-1.cfg" "$URL/ks/node-1.cfg"
cmp -s "$WORK/body" "$F/ks/node-1.cfg" || fail "/ks/node-1.cfg differs"
expect 200 "/ks/sub/a.cfg" "$URL/ks/sub/a.cfg"
expect 200 "/repo/ rpm" "$URL/repo/kubeadm-1.23.6-0.x86_64.rpm"
cmp -s "$WORK/body" "$F/repo/kubeadm-1.23.6-0.x86_64.rpm" || fail "rpm differs"
assert_eq "application/x-rpm" "$(curl -s -o /dev/null -w '%{content_type}' "$URL/repo/kubeadm-1.23.6-0.x86_64.rpm")" "rpm content type"
expect 200 "/repo/repodata/repomd.xml" "$URL/repo/repodata/repomd.xml"
expect 404 "/ks/ directory (no listing)" "$URL/ks/"
expect 404 "/ks/sub/ directory (no listing)" "$URL/ks/sub/"
expect 404 "/ks/sub directory as a file" "$URL/ks/sub"
expect 404 "missing file" "$URL/ks/nothing.cfg"
expect 404 "symlink to a file outside" "$URL/ks/evil-link"
expect 404 "file through a symlinked directory" "$URL/ks/dir-link/secret"
# opened the blocking way, a FIFO would hang the request: curl would give up (000), not get a 404
expect 404 "a FIFO in the tree (and no hang)" --max-time 60 "$URL/ks/fifo"
expect 400 "hidden file" "$URL/ks/.hidden"
ok "/ks/ and /repo/ trees"

# ---- traversal and path checks --------------------------------------------------------------------
for p in \
        "/v1/seeds/../../outside/secret" \
        "/v1/seeds/node-1/../../../outside/secret" \
        "/v1/seeds/%2e%2e/%2e%2e/outside/secret" \
        "/v1/seeds/node-1/%2E%2E%2F%2E%2E%2Foutside%2Fsecret" \
        "/ks/../outside/secret" \
        "/ks/%2e%2e/outside/secret" \
        "/ks/sub%2f..%2f..%2foutside%2fsecret" \
        "/ks//etc/passwd" \
        "/ks/sub//a.cfg" \
        "/repo/%2fetc%2fpasswd" \
        "/ks/..%5c..%5coutside%5csecret" \
        "/ks/%252e%252e/outside/secret" \
        "/ks/sub/./a.cfg" \
        "/v1/seeds/node-1/meta-data%00.txt" \
        "/v1/seeds/node-1/meta-data%" \
        "/v1/seeds/node-1/meta-data/" \
        "//v1/seeds/node-1/meta-data" \
        "/v1/clusters/lab/join/../nodes" \
        "/v1/clusters/lab/../other/join" \
        "/ks/sub/a.cfg%20" \
        "/%c0%ae%c0%ae/outside/secret"; do
        expect 400 "traversal attempt $p" --path-as-is "$URL$p"
done
expect 404 "unknown top-level path" "$URL/etc/passwd"
expect 404 "unknown API path" "$URL/v1/other/thing/here"
expect 404 "unknown cluster" "$URL/v1/clusters/nosuch/join"
long=$(printf 'a%.0s' $(seq 1 1100))
expect 400 "path longer than 1024" "$URL/ks/$long"
ok "traversal attempts refused (400) and unknown paths (404)"

# ---- join records -------------------------------------------------------------------------------
seal_record lab >"$WORK/record.json"
seal_record other >"$WORK/record-other.json"
assert_eq 404 "$(code "$URL/v1/clusters/lab/join")" "GET before any record"
assert_eq 401 "$(put_json lab/join "" "$WORK/record.json")" "PUT without a bearer"
curl -s -D "$WORK/headers" -o /dev/null -X PUT --data-binary @"$WORK/record.json" "$URL/v1/clusters/lab/join"
grep -qi '^WWW-Authenticate: Bearer' "$WORK/headers" || fail "401 without WWW-Authenticate"
assert_eq 401 "$(put_json lab/join "$WRONG_BEARER" "$WORK/record.json")" "PUT with a wrong bearer"
assert_eq 401 "$(put_json lab/join "$OTHER_BEARER" "$WORK/record.json")" "PUT with another cluster's bearer"
assert_eq 401 "$(put_json lab/join "${LAB_BEARER:0:63}" "$WORK/record.json")" "PUT with a truncated bearer"
assert_eq 401 "$(code -X PUT -H "Authorization: Basic $LAB_BEARER" --data-binary @"$WORK/record.json" "$URL/v1/clusters/lab/join")" "PUT with another auth scheme"
assert_eq 404 "$(code "$URL/v1/clusters/lab/join")" "a refused PUT stored nothing"
assert_eq 404 "$(put_json nosuch/join "$LAB_BEARER" "$WORK/record.json")" "PUT to an unknown cluster"

printf 'not json' >"$WORK/bad.json"
assert_eq 400 "$(put_json lab/join "$LAB_BEARER" "$WORK/bad.json")" "PUT of a non-JSON record"
assert_eq 400 "$(put_json lab/join "$LAB_BEARER" "$WORK/record-other.json")" "PUT of a record sealed for another cluster"
sed 's/"A256GCM"/"none"/' "$WORK/record.json" >"$WORK/bad.json"
assert_eq 400 "$(put_json lab/join "$LAB_BEARER" "$WORK/bad.json")" "PUT of a record with another alg"
printf '{"version":2,"cluster":"lab","alg":"A256GCM","nonce":"%s","sealed":"%s","token":"abcdef.0123456789abcdef"}' \
        "$(head -c 12 /dev/urandom | base64 -w0)" "$(head -c 64 /dev/urandom | base64 -w0)" >"$WORK/bad.json"
assert_eq 400 "$(put_json lab/join "$LAB_BEARER" "$WORK/bad.json")" "PUT of a record with extra members"
printf '{"version":2,"cluster":"lab","alg":"A256GCM","nonce":"%s","sealed":"%s"}' \
        "$(head -c 12 /dev/urandom | base64 -w0)" "$(head -c 14000 /dev/urandom | base64 -w0)" >"$WORK/big-record.json"
assert_eq 413 "$(put_json lab/join "$LAB_BEARER" "$WORK/big-record.json")" "PUT of a record over 16 KiB"
head -c 70000 /dev/zero | tr '\0' 'x' >"$WORK/huge"
assert_eq 413 "$(put_json lab/join "$LAB_BEARER" "$WORK/huge")" "PUT of 70 KB"
assert_eq 413 "$(code -X PUT -H "Authorization: Bearer $LAB_BEARER" -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/huge" "$URL/v1/clusters/lab/join")" "chunked PUT of 70 KB"
assert_eq 404 "$(code "$URL/v1/clusters/lab/join")" "a refused body stored nothing"

assert_eq 201 "$(put_json lab/join "$LAB_BEARER" "$WORK/record.json")" "first PUT of a record"
assert_eq 204 "$(put_json lab/join "$LAB_BEARER" "$WORK/record.json")" "PUT of the same record again"
assert_eq 201 "$(code -X PUT -H "authorization: bearer $OTHER_BEARER" --data-binary @"$WORK/record-other.json" "$URL/v1/clusters/other/join")" "PUT with lower-case header and scheme"
expect 200 "GET the record" "$URL/v1/clusters/lab/join"
cmp -s "$WORK/body" "$WORK/record.json" || fail "the record served differs from the one stored"
assert_eq "application/json" "$(curl -s -o /dev/null -w '%{content_type}' "$URL/v1/clusters/lab/join")" "record content type"
len=$(curl -s -I "$URL/v1/clusters/lab/join" | tr -d '\r' | sed -n 's/^Content-Length: //Ip')
assert_eq "$(stat -c %s "$WORK/record.json")" "$len" "HEAD of the record: Content-Length"
expect 200 "GET the record with a wait (answered at once)" --max-time 2 "$URL/v1/clusters/lab/join?wait=30"
expect 400 "wait that is not a number" "$URL/v1/clusters/lab/join?wait=abc"
expect 400 "negative wait" "$URL/v1/clusters/lab/join?wait=-1"
expect 405 "DELETE of a record" -X DELETE "$URL/v1/clusters/lab/join"
allow=$(curl -s -D - -o /dev/null -X POST --data x "$URL/v1/clusters/lab/join" | tr -d '\r' | sed -n 's/^Allow: //Ip')
assert_eq "GET, HEAD, PUT" "$allow" "405 names the allowed methods"
expect 405 "PUT of the status page" -X PUT --data x "$URL/"
expect 405 "PUT of a seed" -X PUT --data x "$URL/v1/seeds/node-1/meta-data"
ok "join records: bearer, validation, limits, storage"

# ---- progress ----------------------------------------------------------------------------------
report() { # NODE STAGE STATUS MESSAGE
        printf '{"node":"%s","role":"worker","stage":"%s","status":"%s","message":"%s","time":1764355260}' "$@"
}
report node-1 join running 'kubeadm join started <script>alert(1)</script> & \"quoted\" REPORT-BODY-MARKER' >"$WORK/r1.json"
report node-2 host failed 'swap still on' >"$WORK/r2.json"
assert_eq 401 "$(put_json lab/nodes/node-1 "" "$WORK/r1.json")" "report without a bearer"
assert_eq 401 "$(put_json lab/nodes/node-1 "$OTHER_BEARER" "$WORK/r1.json")" "report with another cluster's bearer"
assert_eq 201 "$(put_json lab/nodes/node-1 "$LAB_BEARER" "$WORK/r1.json")" "first report of node-1"
assert_eq 201 "$(put_json lab/nodes/node-2 "$LAB_BEARER" "$WORK/r2.json")" "first report of node-2"
report node-2 host running 'swap off' >"$WORK/r2.json"
assert_eq 204 "$(put_json lab/nodes/node-2 "$LAB_BEARER" "$WORK/r2.json")" "second report of node-2"
assert_eq 400 "$(put_json lab/nodes/node-3 "$LAB_BEARER" "$WORK/r2.json")" "report naming another node than the path"
report node-2 dancing running x >"$WORK/bad.json"
assert_eq 400 "$(put_json lab/nodes/node-2 "$LAB_BEARER" "$WORK/bad.json")" "report with an unknown stage"
report node-2 host sleeping x >"$WORK/bad.json"
assert_eq 400 "$(put_json lab/nodes/node-2 "$LAB_BEARER" "$WORK/bad.json")" "report with an unknown status"
report node-2 host running "$(printf 'm%.0s' $(seq 1 257))" >"$WORK/bad.json"
assert_eq 400 "$(put_json lab/nodes/node-2 "$LAB_BEARER" "$WORK/bad.json")" "report with a 257-byte message"
printf '{"node":"node-2","role":"worker","stage":"host","status":"running","message":"a\\u0000b","time":1}' >"$WORK/bad.json"
assert_eq 400 "$(put_json lab/nodes/node-2 "$LAB_BEARER" "$WORK/bad.json")" "report with a NUL in the message"
assert_eq 400 "$(put_json lab/nodes/Node-2 "$LAB_BEARER" "$WORK/r2.json")" "report for an invalid node name"
expect 405 "GET of a single report" "$URL/v1/clusters/lab/nodes/node-1"
expect 200 "GET reports" "$URL/v1/clusters/lab/nodes"
python3 - "$WORK/body" <<'EOF' || fail "GET .../nodes is not the expected JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert sorted(d) == ["node-1", "node-2"], d
assert d["node-2"]["stage"] == "host" and d["node-2"]["status"] == "running" and d["node-2"]["message"] == "swap off"
assert d["node-1"]["message"].startswith("kubeadm join started <script>")
assert d["node-1"]["time"] == 1764355260 and d["node-1"]["received"] > 0
EOF
expect 200 "status page with reports" "$URL/"
page=$(cat "$WORK/body")
assert_contains "$page" "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;" "status page escapes the message"
case "$page" in *"<script>"*) fail "status page contains a raw <script>" ;; esac
assert_contains "$page" "<td>node-2</td><td>worker</td><td>host</td><td>running</td>" "status page row of node-2"
ok "progress reports and status page"

# ---- long poll ------------------------------------------------------------------------------------
# The server's own timer ends the wait: never before 2 s, however fast the machine; the upper bound
# only tells a 2 s wait from one that does not end.
t0=$(date +%s.%N)
assert_eq 404 "$(code --max-time 60 "$URL/v1/clusters/capped/join?wait=2")" "long poll without a record ends in 404"
elapsed=$(awk "BEGIN { print $(date +%s.%N) - $t0 }")
awk "BEGIN { exit !($elapsed >= 2 && $elapsed < 30) }" || fail "wait=2 without a record took ${elapsed}s"
ok "long poll without a record: 404 after ${elapsed}s"

# the capped poll started at the beginning, on a cluster that never gets a record: 404 at the 6 s cap
wait "$capped_pid" || true
read -r ccode ctime <"$WORK/capped.out" || true
assert_eq 404 "$ccode" "wait=100 capped to max_wait"
awk "BEGIN { exit !($ctime >= 6 && $ctime < 100) }" || fail "wait=100 with max_wait 6s ended after ${ctime}s"
ok "wait=100 ended with 404 after ${ctime}s: capped at max_wait"

# ---- malformed requests -------------------------------------------------------------------------
raw() { server_client raw --port "$PORT"; }
assert_eq 400 "$(printf 'GET /v1/seeds/node-1/meta-data%%00 HTTP/1.1\r\nHost: x\r\n\r\n' | raw)" "raw %00 in the path"
assert_eq 400 "$(printf 'GET ../../outside/secret HTTP/1.1\r\nHost: x\r\n\r\n' | raw)" "raw relative request target"
assert_eq 400 "$(printf 'GET /ks/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n' | raw)" "raw non-ASCII path"
for payload in 'GARBAGE\r\n\r\n' '\x00\x01\x02\x03\xff\xfe\r\n\r\n' 'GET / HTTP/9.9\r\nHost: x\r\n\r\n' \
        'GET / HTTP/1.1\r\nHost: x\r\nBroken header line\r\n\r\n' \
        'PUT /v1/clusters/lab/join HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n' \
        'GET /\r\n\r\n'; do
        got=$(printf '%b' "$payload" | raw)
        # libmicrohttpd 0.9.33 answers a request without a version the HTTP/0.9 way: the body alone
        case "$got" in 4[0-9][0-9] | 505 | body:505 | closed) ;; *) fail "malformed request $payload: got $got" ;; esac
done
got=$( (printf 'GET / HTTP/1.1\r\nHost: x\r\nX-Big: '; head -c 200000 /dev/zero | tr '\0' 'a'; printf '\r\n\r\n') | raw)
case "$got" in 4[0-9][0-9] | closed) ;; *) fail "200 KB header: got $got" ;; esac
got=$(printf 'PUT /v1/clusters/lab/join HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 12abc\r\n\r\n' "$LAB_BEARER" | raw)
case "$got" in 400 | closed) ;; *) fail "bad Content-Length: got $got" ;; esac
expect 200 "server still serves after malformed requests" "$URL/v1/seeds/node-1/meta-data"
ok "malformed requests refused"

# ---- slow clients ---------------------------------------------------------------------------------
# Two clients trickle a request head faster than the 5 s idle timeout: the 2 s header timeout cuts
# them (never before 2 s: the server's timer; the upper bound only tells a cut from none).
server_client slowloris --port "$PORT" --interval 0.4 --max 60 >"$WORK/slow1" &
slow1=$!
server_client slowloris --port "$PORT" --interval 0.4 --max 60 >"$WORK/slow2" &
slow2=$!
wait "$slow1" "$slow2"
for f in "$WORK/slow1" "$WORK/slow2"; do
        read -r state secs status <"$f"
        assert_eq closed "$state" "slowloris client (trickling faster than the idle timeout) was closed"
        awk "BEGIN { exit !($secs >= 2 && $secs < 30) }" || fail "slowloris closed after ${secs}s (header timeout 2 s)"
        assert_eq 408 "$status" "slowloris client's answer"
done
grep -q 'status=408 .*end=header-timeout' "$SERVER_LOG" || fail "header timeout not in the access log"
ok "slowloris clients timed out after $secs s with 408"

# a body trickled a byte at a time, each byte well within the 5 s idle timeout: cut at request_timeout
server_client slowbody --port "$PORT" --path /v1/clusters/other/nodes/node-1 --bearer "$OTHER_BEARER" --max 60 >"$WORK/slowbody"
read -r state secs status <"$WORK/slowbody" || true
assert_eq closed "$state" "slow body was cut"
awk "BEGIN { exit !($secs >= 3 && $secs < 30) }" || fail "slow body cut after ${secs}s (request timeout 3 s)"
grep -q 'method=PUT path=/v1/clusters/other/nodes/node-1 status=- .*end=request-timeout' "$SERVER_LOG" ||
        fail "request timeout not in the access log"
ok "slow body cut after ${secs}s"

# ---- restart between PUT and GET ----------------------------------------------------------------
cp "$WORK/record.json" "$WORK/record.before"
expect 200 "reports before the restart" "$URL/v1/clusters/lab/nodes"
cp "$WORK/body" "$WORK/nodes.before"
server_stop INT
ok "SIGINT: clean exit 0"
[ "$(stat -c %a "$F/state/clusters/lab/join.json")" = 600 ] || fail "stored record is not 0600"
# From here on a 30 s header timeout and a 60 s long-poll cap (its maximum): long enough that no timer of the server
# can fire while a check waits for an event, however slow the machine.
write_config "$WORK/server2.yaml" 30s 60s
server_start "$WORK/server2.yaml" --max-connections-per-ip 3
expect 200 "record after a restart" "$URL/v1/clusters/lab/join"
cmp -s "$WORK/body" "$WORK/record.before" || fail "record changed across the restart"
expect 200 "reports after a restart" "$URL/v1/clusters/lab/nodes"
cmp -s "$WORK/body" "$WORK/nodes.before" || fail "reports changed across the restart"
expect 404 "/repo/ not configured any more" "$URL/repo/repodata/repomd.xml"
ok "restart: record and reports survive; flags override the file"

# ---- long poll answered by a PUT ------------------------------------------------------------------
# A client that the server holds (its status page counts it) when the record arrives is answered with
# it then, not at the end of its 55 s wait.
seal_record capped >"$WORK/record-capped.json"
curl -s -o "$WORK/waiter.body" -w '%{http_code} %{time_total}' --max-time 150 \
        "$URL/v1/clusters/capped/join?wait=55" >"$WORK/waiter.out" &
waiter=$!
server_wait_waiters "$PORT" 1
assert_eq 201 "$(put_json capped/join "$OTHER_BEARER" "$WORK/record-capped.json")" "PUT while a client waits"
wait "$waiter"
read -r wcode wtime <"$WORK/waiter.out" || true
assert_eq 200 "$wcode" "waiting client's answer"
cmp -s "$WORK/waiter.body" "$WORK/record-capped.json" || fail "waiting client got another body"
awk "BEGIN { exit !($wtime < 55) }" || fail "the waiting client was answered at the end of its wait (${wtime}s)"
ok "long poll parked by the server answered with the record of a later PUT (total ${wtime}s)"

# ---- slow clients do not hold up the others ------------------------------------------------------
# Two clients keep a request head open (the header timeout is 30 s now) until a normal request has
# been served; then they hang up themselves and report that the server never closed them.
server_client slowloris --port "$PORT" --interval 0.4 --max 120 --ready "$WORK/slow1.ready" \
        --until "$WORK/served" >"$WORK/slow1" &
slow1=$!
server_client slowloris --port "$PORT" --interval 0.4 --max 120 --ready "$WORK/slow2.ready" \
        --until "$WORK/served" >"$WORK/slow2" &
slow2=$!
for _ in $(seq 1 1200); do [ -e "$WORK/slow1.ready" ] && [ -e "$WORK/slow2.ready" ] && break; sleep 0.1; done
[ -e "$WORK/slow1.ready" ] && [ -e "$WORK/slow2.ready" ] || fail "slowloris clients did not start"
expect 200 "a normal client while two slowloris clients trickle" --max-time 60 "$URL/v1/seeds/node-1/meta-data"
touch "$WORK/served"
wait "$slow1" "$slow2"
for f in "$WORK/slow1" "$WORK/slow2"; do
        read -r state _ <"$f"
        assert_eq released "$state" "slowloris client still connected when the normal request was served"
done
ok "a normal request served while two slowloris clients held their connections"


# ---- connection limits ---------------------------------------------------------------------------
assert_eq 503 "$(server_client limit --port "$PORT" --hold 3)" "4th connection from one address over a limit of 3"
# the server counts a connection until it has seen it closed: ask until it has
for _ in $(seq 1 600); do [ "$(code "$URL/")" = 200 ] && break; sleep 0.1; done
expect 200 "served again once the held connections are gone" "$URL/"
ok "per-address connection limit: 503"

# ---- a long poll pending at shutdown is answered, not cut ----------------------------------------
# (a fresh state directory, so the cluster has no record to answer with)
server_stop TERM
mkdir -p "$F/state2"
sed "s|state_dir: .*|state_dir: $F/state2|" "$WORK/server2.yaml" >"$WORK/server3.yaml"
server_start "$WORK/server3.yaml" --max-connections 3 --max-connections-per-ip 0
assert_eq 503 "$(server_client limit --port "$PORT" --hold 3)" "4th connection over a total limit of 3"
ok "total connection limit: 503"
# Without limits again, so that nothing but the shutdown can answer the poll with 503; the poll is
# parked by the server (its status page counts it) before the SIGTERM. At the end of its 55 s wait it
# would get 404, so a 503 is the shutdown's.
server_stop TERM
server_start "$WORK/server3.yaml"
curl -s -o /dev/null -w '%{http_code}' --max-time 150 "$URL/v1/clusters/other/join?wait=55" >"$WORK/pending.code" &
pending=$!
server_wait_waiters "$PORT" 1
server_stop TERM
wait "$pending" || true
assert_eq 503 "$(cat "$WORK/pending.code")" "long poll pending at shutdown"
ok "shutdown answers pending long polls with 503 and exits 0"

# ---- the access log -------------------------------------------------------------------------------
grep -q "access client=127.0.0.1:[0-9]* method=GET path=/v1/seeds/node-1/meta-data status=200 bytes=[0-9]* ms=" "$SERVER_LOG" ||
        fail "no access log line for a seed GET"
grep -q "method=PUT path=/v1/clusters/lab/join status=401" "$SERVER_LOG" || fail "refused PUT not logged"
for secret in "$LAB_BEARER" "$OTHER_BEARER" "$WRONG_BEARER" REPORT-BODY-MARKER TOP-SECRET "$(sed 's/.*"sealed":"\(.\{20\}\).*/\1/' "$WORK/record.json")"; do
        if grep -qF -- "$secret" "$SERVER_LOG"; then fail "server log contains a secret or a body: ${secret:0:12}..."; fi
done
if grep -q 'wait=' "$SERVER_LOG"; then fail "access log contains the query string"; fi
ok "access log: one line per request, no bearer, no body, no query"
