#!/bin/bash
# kube-firstboot-server's own limits, with the server running as an unprivileged user (nobody, as the
# packaged unit runs it as kube-firstboot-server), on 127.0.0.1:
# - it reads the seeds the seed generator wrote with --group (user-data 0640 to its group, no more) and
#   writes its state directory;
# - a GET or HEAD with a body (announced by Content-Length or chunked) that trickles in is cut off:
#   answered 400 from its head, not read until the client stops;
# - long polls whose clients hang up are let go of at once, not at the end of their wait: their places
#   under the per-address connection limit are free again for the next client.
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/server.sh"

server_as nobody
USER_ID=$(id -u nobody)

# the seeds as the seed generator writes them for a server running as that group
GROUP_NAME=$(id -gn nobody)
run_cmd "$AGENT" seed --out "$WORK/lab" --group "$GROUP_NAME"
for f in master/user-data server.yaml; do
        assert_eq "640 root:$GROUP_NAME" "$(stat -c '%a %U:%G' "$WORK/lab/$f")" "mode and owner of the seed generator's $f"
done
assert_eq "644 root:root" "$(stat -c '%a %U:%G' "$WORK/lab/master/meta-data")" "mode and owner of meta-data (no secret)"
ok "seed --group $GROUP_NAME: user-data and server.yaml 0640 root:$GROUP_NAME, readable by nobody else"

F=$WORK/fx
mkdir -p "$F/state"
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
cat >"$WORK/server.yaml" <<EOF
listen: 127.0.0.1:$PORT
seed_dir: $WORK/lab
state_dir: $F/state
clusters:
  - name: lab
    bearer: $(bearer_for lab)
nodes:
  - name: master
    address: 127.0.0.1
limits:
  header_timeout: 30s
  connection_timeout: 30s
  request_timeout: 30s
  max_wait: 60s
  max_connections_per_ip: 3
EOF
chmod 711 "$F"

server_start "$WORK/server.yaml"
assert_eq "$USER_ID" "$(stat -c %u "/proc/$SERVER_PID")" "user the server runs as"
expect_code() { # WANT WHAT CURL-ARGS...
        local want=$1 what=$2 got
        shift 2
        got=$(curl -s -o "$WORK/body" -w '%{http_code}' "$@" || true)
        assert_eq "$want" "$got" "$what"
}
expect_code 200 "user-data, read by the unprivileged server through its group" "$URL/v1/seeds/master/user-data"
assert_file_eq "$WORK/lab/master/user-data" "$WORK/body"
printf '{"node":"node-1","role":"worker","stage":"host","status":"running","message":"","time":1764355260}' >"$WORK/report.json"
expect_code 201 "a progress report, stored by the unprivileged server" -X PUT \
        -H "Authorization: Bearer $(bearer_for lab)" --data-binary @"$WORK/report.json" "$URL/v1/clusters/lab/nodes/node-1"
assert_eq "$USER_ID" "$(stat -c %u "$F/state/clusters/lab")" "owner of what the server stores"
ok "the server runs as nobody: serves user-data readable by its group only, stores reports in its state directory"

# ---- bodies on GET and HEAD -------------------------------------------------------------------------
# Each client trickles a byte (or a one-byte chunk) every 0.4 s, well within every timeout of the server
# (30 s); it gives up itself after 60 s. The server must close the connection first; the upper bound
# only tells a cut from none.
for variant in "GET" "HEAD" "GET --chunked" "HEAD --chunked"; do
        # shellcheck disable=SC2086
        server_client slowbody --port "$PORT" --path /v1/seeds/node-1/meta-data --method $variant \
                --interval 0.4 --max 60 >"$WORK/getbody"
        read -r state secs status <"$WORK/getbody" || true
        assert_eq closed "$state" "$variant with a trickled body: the server closed the connection"
        awk "BEGIN { exit !($secs < 30) }" || fail "$variant with a trickled body: closed only after ${secs}s"
        assert_eq 400 "$status" "$variant with a trickled body: the answer"
        ok "$variant with a trickled body: 400 and closed after ${secs}s"
done
assert_eq 200 "$(printf 'GET /v1/seeds/node-1/meta-data HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n' |
        server_client raw --port "$PORT")" "GET with Content-Length: 0 (no body)"
ok "GET with an empty Content-Length is served"

# ---- long polls whose clients hang up ---------------------------------------------------------------
# From 127.0.0.2 (the status page, read from 127.0.0.1, is not counted against it), limit 3: three long
# polls (wait 55 s) are held, hang up, must be let go of well before their wait ends, and a fourth one
# from the same address is then held as well, not refused.
server_client hangup --port "$PORT" --clients 3 --cluster lab --source 127.0.0.2 >"$WORK/hangup" ||
        fail "long polls that hung up: $(tr '\n' ' ' <"$WORK/hangup")"
cat "$WORK/hangup"
assert_eq 4 "$(grep -c 'client=127.0.0.2:[0-9]* method=GET path=/v1/clusters/lab/join status=- .*end=client-abort' "$SERVER_LOG")" \
        "long polls logged as ended by their clients"
ok "long polls whose clients hang up free their places at once (limit 3 per address, 4th held)"

server_stop TERM
ok "the unprivileged server exits 0 on SIGTERM"
