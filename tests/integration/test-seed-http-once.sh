#!/bin/bash
# A seed endpoint that serves a node's user-data once per instance-id (tests/lib/seed-httpd.py --once,
# answering a second GET with 403 as kube-firstboot-server does): the agent keeps the user-data it fetched,
# 0600, in its state directory (firstboot/agent/seed/seed-keep.c), so that a run stopped after the seed
# (run --until seed), or killed in the middle of the host stage, resumes without a second GET. plan and
# show-seed read the copy and never write one; a new instance-id fetches user-data again; a run whose copy
# could not be written is refused by the endpoint the next time, and says how to re-arm the node.
. "$(dirname "$0")/../lib/host-uts.sh"
. "$TOP/tests/lib/seed-lib.sh"

FIXTURE=$HOST_FIXTURES/seeds/master
HTTP=$WORK/http
for d in master dry; do
        mkdir -p "$HTTP/seeds/$d"
        cp "$FIXTURE/meta-data" "$FIXTURE/user-data" "$FIXTURE/network-config" "$HTTP/seeds/$d/"
done
start_httpd "$HTTP" --once user-data
URL=http://127.0.0.1:$HTTPD_PORT/seeds/master/
KEPT=var/lib/kube-firstboot/seed-user-data

# node DIR: a fresh host tree and stand-ins in DIR
node() {
        host_tree "$1/root"
        host_bin "$1/bin" "$1/root"
}
user_data_gets() { grep -c "GET /seeds/$1/user-data " "$HTTPD_LOG" || true; }

# ---- stopped after the seed stage, then resumed -------------------------------------------------------
N=$WORK/node
node "$N"
run_cmd -m "run --until seed" agent "$N/bin" "$N/root" "$URL" run --until seed
assert_eq 1 "$(user_data_gets master)" "user-data GETs after the first run"
run_cmd -o "$WORK/resumed.out" -e "$WORK/resumed.err" -m "run --until host after --until seed" \
        agent "$N/bin" "$N/root" "$URL" run --until host
assert_eq 1 "$(user_data_gets master)" "user-data GETs after the resumed run"
assert_contains "$(cat "$WORK/resumed.err")" "the copy kept in $N/root/$KEPT" "message of the resumed run"

assert_eq 600 "$(stat -c %a "$N/root/$KEPT")" "mode of the kept copy"
assert_eq "0:0" "$(stat -c %u:%g "$N/root/$KEPT")" "owner of the kept copy"
assert_eq "instance-id lab-master-1" "$(sed -n 3p "$N/root/$KEPT")" "instance-id of the kept copy"
assert_eq "location $URL" "$(sed -n 2p "$N/root/$KEPT")" "location of the kept copy"
cmp -s <(sed '1,5d' "$N/root/$KEPT") "$FIXTURE/user-data" || fail "the kept copy is not the user-data served"
[ -z "$(find "$N/root/var/lib/kube-firstboot" -name '.#kfb.*')" ] || fail "a temporary file was left beside the copy"

run_cmd -o "$WORK/plan.out" -m "plan after the runs" agent "$N/bin" "$N/root" "$URL" plan
assert_contains "$(cat "$WORK/plan.out")" "Instance: lab-master-1" "plan's instance"
run_cmd -o "$WORK/show.out" -m "show-seed after the runs" agent "$N/bin" "$N/root" "$URL" show-seed
expect_seed "$WORK/show.out" "$FIXTURE"
assert_eq 1 "$(user_data_gets master)" "user-data GETs after plan and show-seed"
assert_eq 4 "$(grep -c "GET /seeds/master/meta-data 200" "$HTTPD_LOG")" "meta-data is fetched by every run and plan and show-seed"
ok "run --until seed, run --until host, plan, show-seed: one GET of user-data; the copy is 0600 root's"

# ---- killed in the middle of the host stage (the stand-in kills the agent before its first command) -----
K=$WORK/killed
node "$K"
sed -i "s/^instance-id: .*/instance-id: lab-master-2/" "$HTTP/seeds/master/meta-data"
echo "1 before" >"$K/bin/killat"
(
        rc=0
        agent "$K/bin" "$K/root" "$URL" run --until host >/dev/null 2>"$WORK/killed.err" || rc=$?
        echo "$rc" >"$WORK/killed.rc"
) 2>/dev/null
host_wait_standins "$K/bin"
assert_eq 137 "$(cat "$WORK/killed.rc")" "exit status of the killed run"
assert_eq 2 "$(user_data_gets master)" "user-data GETs after the killed run (a new instance)"
rm -f "$K/bin/killat"
run_cmd -o "$WORK/after-kill.out" -e "$WORK/after-kill.err" -m "the run after the kill" \
        agent "$K/bin" "$K/root" "$URL" run --until host
assert_eq 2 "$(user_data_gets master)" "user-data GETs after the run that resumed the killed one"
assert_contains "$(cat "$WORK/after-kill.err")" "user-data of instance lab-master-2: the copy kept" "resumed message"
ok "killed in the host stage: the next run resumes from the kept copy, no second GET"

# ---- a new instance-id: fetched again, the old copy replaced ---------------------------------------------
sed -i "s/^instance-id: .*/instance-id: lab-master-3/" "$HTTP/seeds/master/meta-data"
sed -i "s/^  token_ttl: 24h$/  token_ttl: 12h/" "$HTTP/seeds/master/user-data"
grep -q '^  token_ttl: 12h$' "$HTTP/seeds/master/user-data" || fail "the fixture's token_ttl was not replaced"
run_cmd -e "$WORK/new.err" -m "run --until seed, new instance" agent "$N/bin" "$N/root" "$URL" run --until seed
assert_eq 3 "$(user_data_gets master)" "user-data GETs after a new instance-id"
assert_eq "instance-id lab-master-3" "$(sed -n 3p "$N/root/$KEPT")" "instance-id of the new copy"
assert_contains "$(cat "$WORK/new.err")" "kept for another instance; removed" "message about the old copy"
run_cmd -o "$WORK/show.out" -m "show-seed, new instance" agent "$N/bin" "$N/root" "$URL" show-seed
assert_contains "$(cat "$WORK/show.out")" "token_ttl: \"12h\"" "show-seed shows the new user-data"
assert_eq 3 "$(user_data_gets master)" "user-data GETs after show-seed of the new instance"
ok "a new instance-id: user-data fetched once more, the copy replaced"

# ---- a dry run never writes the copy --------------------------------------------------------------------
D=$WORK/dry
node "$D"
run_cmd -o "$WORK/dry.out" -m "plan on a fresh node" agent "$D/bin" "$D/root" "http://127.0.0.1:$HTTPD_PORT/seeds/dry/" plan
assert_eq 1 "$(user_data_gets dry)" "user-data GETs of plan"
[ ! -e "$D/root/$KEPT" ] || fail "plan wrote a copy of user-data"
ok "plan on a fresh node fetches user-data and keeps no copy"

# ---- no copy could be kept: the endpoint refuses the next fetch, the agent says how to re-arm ------------
L=$WORK/lost
node "$L"
sed -i "s/^instance-id: .*/instance-id: lab-master-4/" "$HTTP/seeds/master/meta-data"
mkdir -p "$L/root/$KEPT" # a directory where the copy goes: it cannot be written
run_cmd -e "$WORK/lost.err" -m "run --until seed, the copy not writable" agent "$L/bin" "$L/root" "$URL" run --until seed
assert_contains "$(cat "$WORK/lost.err")" "cannot keep user-data" "warning about the copy"
run_cmd -x 1 -e "$WORK/refused.err" -m "the run after, refused" agent "$L/bin" "$L/root" "$URL" run --until seed
assert_contains "$(cat "$WORK/refused.err")" "user-data: HTTP status 403" "the refusal"
assert_contains "$(cat "$WORK/refused.err")" "kube-firstboot-server --config FILE --rearm NODE" "how to re-arm"
assert_eq 1 "$(grep -c "GET /seeds/master/user-data 403" "$HTTPD_LOG")" "user-data refusals (not retried)"
ok "without a copy the second fetch is refused (403) and the agent names the re-arm command"
stop_httpd
