#!/bin/bash
# 200 clients long-poll a cluster's join record with wait=30; one PUT must answer all of them with the
# record within seconds of the PUT, not at the end of their wait. (The figures belong to
# bench/server.sh; this only asserts a generous bound.)
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/server.sh"

CLIENTS=200
F=$WORK/fx
mkdir -p "$F/seeds" "$F/state"
PORT=$(free_port)
bearer_for lab >"$WORK/bearer"
seal_record lab >"$WORK/record.json"
cat >"$WORK/server.yaml" <<EOF
listen: 127.0.0.1:$PORT
seed_dir: $F/seeds
state_dir: $F/state
access_log: false
clusters:
  - name: lab
    bearer: $(cat "$WORK/bearer")
limits:
  max_connections: 1024
  max_connections_per_ip: 1024
EOF
chmod 600 "$WORK/server.yaml"
server_start "$WORK/server.yaml"

start=$(date +%s)
server_client longpoll --port "$PORT" --clients $CLIENTS --wait 30 --cluster lab \
        --bearer-file "$WORK/bearer" --record-file "$WORK/record.json" --pid "$SERVER_PID" >"$WORK/result.json" ||
        fail "not every client got the record: $(cat "$WORK/result.json")"
total=$(($(date +%s) - start))
cat "$WORK/result.json"

python3 - "$WORK/result.json" $CLIENTS <<'EOF' || fail "long poll figures out of bounds: $(cat "$WORK/result.json")"
import json, sys
r = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
assert r["answered_with_record"] == n, r
assert r["put_status"] == 201, r
# answered after the PUT, well before the 30 s wait would have ended
assert r["wake_max_ms"] < 5000, r
EOF
[ "$total" -lt 25 ] || fail "the whole run took ${total}s: clients were answered at the end of their wait"
assert_contains "$(curl -s "http://127.0.0.1:$PORT/")" '<span id="waiters">0</span>' "no waiter left behind"
server_stop TERM
ok "$CLIENTS long polls answered with the record, the last $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["wake_max_ms"])' "$WORK/result.json") ms after the PUT"
