#!/bin/bash
# NoCloud-net: the agent fetches its seed from a real HTTP server on 127.0.0.1 (tests/lib/seed-httpd.py)
# that is down at first, answers 500, answers 404 for meta-data before it is "populated", is slow, or
# cuts bodies short. Each time the agent retries with backoff and ends up with the same seed as from the
# directory. (Deadlines shorter than the agent's five minutes are in tests/unit/test-seed-http.c.)
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/seed-lib.sh"

HTTP=$WORK/http
seed_dir "$HTTP/seeds/master" master
seed_dir "$HTTP/seeds/node-1" node-1 "" no-network

# fetch NAME SEED-DIR [seed-httpd options...]: show-seed from the server's NAME seed; sets $elapsed.
fetch() {
        local name=$1 dir=$2 start
        shift 2
        start_httpd "$HTTP" "$@"
        start=$(date +%s.%N)
        run_cmd -m "show-seed from http with [$*]" "$AGENT" --seed "http://127.0.0.1:$HTTPD_PORT/seeds/$name" show-seed
        elapsed=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $start }")
        stop_httpd
        expect_seed "$WORK/out" "$dir"
        assert_eq "http://127.0.0.1:$HTTPD_PORT/seeds/$name/" "$(origin_of "$WORK/out")" "origin"
}

# Plain: four requests, the absent vendor-data (404) asked once and taken as absent.
fetch master "$HTTP/seeds/master"
assert_eq 1 "$(requests_for meta-data)" "meta-data requests"
assert_eq 1 "$(requests_for vendor-data)" "vendor-data requests"
grep -q "GET /seeds/master/vendor-data 404" "$HTTPD_LOG" || fail "vendor-data was not asked for"
ok "plain fetch in ${elapsed}s"
fetch node-1 "$HTTP/seeds/node-1"
assert_eq 1 "$(requests_for network-config)" "network-config requests"
ok "seed without network-config in ${elapsed}s"

# Down for 2 s: connections refused, retried until the server listens.
port=$(free_port)
HTTPD_FIXED_PORT=$port fetch master "$HTTP/seeds/master" --port "$port" --down 2
awk "BEGIN { exit !($elapsed >= 2) }" || fail "got the seed after ${elapsed}s from a server down for 2 s"
assert_contains "$(cat "$WORK/err")" "connection refused" "message about the refused connection"
assert_eq 1 "$(requests_for meta-data)" "meta-data requests once the server was up"
ok "server down for 2 s: seed after ${elapsed}s; said: $(grep -m1 notice "$WORK/err")"

# 500 three times.
fetch master "$HTTP/seeds/master" --fail500 3
assert_eq 4 "$(requests_for meta-data)" "meta-data requests (3 x 500, then 200)"
assert_contains "$(cat "$WORK/err")" "HTTP status 500" "message about the 500"
ok "three 500s: seed after ${elapsed}s"

# meta-data not there yet (404) three times: "not yet", not "absent" (Afterburn's bug 632).
fetch master "$HTTP/seeds/master" --not-found-meta 3
assert_eq 4 "$(requests_for meta-data)" "meta-data requests (3 x 404, then 200)"
assert_contains "$(cat "$WORK/err")" "404, not there yet" "message about the 404"
ok "three 404s for meta-data: seed after ${elapsed}s"

# Slow: every body trickles over 0.5 s.
fetch master "$HTTP/seeds/master" --slow 0.5
awk "BEGIN { exit !($elapsed >= 1.5) }" || fail "a slow server answered four files in ${elapsed}s"
assert_eq 1 "$(requests_for meta-data)" "meta-data requests from a slow server"
ok "slow server: seed after ${elapsed}s, no retries"

# Truncated: the first two bodies stop halfway (Content-Length announces the whole).
fetch master "$HTTP/seeds/master" --truncate 2
assert_eq 3 "$(requests_for meta-data)" "meta-data requests (2 truncated, then whole)"
grep -c "truncated" "$HTTPD_LOG" | grep -qx 2 || fail "the server did not truncate twice"
assert_contains "$(cat "$WORK/err")" "truncated" "message about the truncated response"
ok "two truncated responses: seed after ${elapsed}s"

# A file above the size limit (256 KiB) is refused at once: bad input, exit 2, no retries.
head -c $((256 * 1024 + 1)) /dev/zero | tr '\0' '#' >"$HTTP/seeds/master/user-data"
start_httpd "$HTTP"
run_cmd -x any "$AGENT" --seed "http://127.0.0.1:$HTTPD_PORT/seeds/master/" show-seed
stop_httpd
assert_eq 2 "$RUN_STATUS" "exit code for an oversized user-data"
assert_contains "$(cat "$WORK/err")" "user-data: larger than the limit of 262144 bytes" "message"
assert_eq 1 "$(requests_for user-data)" "user-data requests"
ok "oversized user-data refused: $(grep -m1 error "$WORK/err")"
