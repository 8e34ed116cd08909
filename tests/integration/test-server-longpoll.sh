#!/bin/bash
# 200 clients long-poll a cluster's join record with wait=60; once the server holds all of them (its
# status page counts them), one PUT must answer every one with the record, not at the end of its wait.
# (The figures belong to bench/server.sh; this asserts only a bound that tells the two apart: half the
# wait, however slow the machine, valgrind included.)
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/server.sh"
server_as nobody  # as the packaged unit runs it: its own unprivileged user

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

server_client longpoll --port "$PORT" --clients $CLIENTS --wait 60 --cluster lab \
        --bearer-file "$WORK/bearer" --record-file "$WORK/record.json" --pid "$SERVER_PID" >"$WORK/result.json" ||
        fail "not every client got the record: $(cat "$WORK/result.json")"
cat "$WORK/result.json"

python3 - "$WORK/result.json" $CLIENTS <<'EOF' || fail "long poll figures out of bounds: $(cat "$WORK/result.json")"
import json, sys
r = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
assert r["answered_with_record"] == n, r
assert r["put_status"] == 201, r
# answered after the PUT, long before the 60 s wait would have ended
assert r["wake_max_ms"] < 30000, r
EOF
assert_contains "$(curl -s "http://127.0.0.1:$PORT/")" '<span id="waiters">0</span>' "no waiter left behind"
server_stop TERM
ok "$CLIENTS long polls answered with the record, the last $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["wake_max_ms"])' "$WORK/result.json") ms after the PUT"
