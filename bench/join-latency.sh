#!/bin/bash
# Benchmark: how long after the join record is published a waiting worker starts `kubeadm join`
# (prints figures; not a test). On 127.0.0.1, RUNS times (default 20) against each of:
#  - a plain store: nginx with WebDAV PUT (as tests/lib/netns-lab.sh runs it), which ignores ?wait= and
#    answers 404 at once, so the worker polls about once a second;
#  - the long-poll server, kube-firstboot-server, which holds the worker's GET until the record comes.
# Each run: a worker (tests/data/seeds/reference/node-1, its endpoint moved to the store on 127.0.0.1) whose host
# stage is already done starts `run` and waits for the record; after it has said so, and a random
# 0.2-1.4 s more (so the PUT falls anywhere in a plain store's poll cycle), curl PUTs a record sealed
# with tests/lib/join-record.py. Latency: from curl's exit (the PUT complete) to the first line that the
# kubeadm stand-in (a bash script here) writes with its start time. Both stamps are CLOCK_REALTIME on
# this machine. The record names an API server on 127.0.0.1 where a listener answers at once.
# Usage: bench/join-latency.sh   (as root; BUILDDIR as for the tests; RUNS)
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/host-steps.sh"
. "$TOP/tests/lib/netns-lab.sh"
. "$TOP/tests/lib/server.sh"
. "$TOP/bench/lib.sh"

bench_require "unshare -u for the worker's hostname step"
"$TOP/tools/install-bench-deps.sh"
JR=$TOP/tests/lib/join-record.py
SEED_SRC=$TOP/tests/data/seeds/reference/node-1
KEY=$(sed -n 's/^  cluster_key: *//p' "$SEED_SRC/user-data")
CLUSTER=$(sed -n 's/^  cluster: *//p' "$SEED_SRC/user-data")
[ -n "$KEY" ] && [ -n "$CLUSTER" ] || fail "no cluster_key or cluster in $SEED_SRC/user-data"
BEARER=$(python3 "$JR" bearer "$KEY")
STORE_PORT=$(free_port)
API_PORT=$(free_port)
STORE=http://127.0.0.1:$STORE_PORT

# the API server's port: accepts and closes
python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
while True:
    c, _ = s.accept(); c.close()' "$API_PORT" &
API_PID=$!
cleanup_hooks+=("kill $API_PID 2>/dev/null")

# ---- the worker, host stage done once, copied for every run ---------------------------------------
mkdir -p "$WORK/seed"
cp "$SEED_SRC"/* "$WORK/seed/"
sed -i "s|^  endpoint: .*|  endpoint: $STORE/|" "$WORK/seed/user-data"
lab_host template "$WORK/seed"
rm -f "$WORK/template/bin/kubeadm"
cat >"$WORK/template/bin/kubeadm" <<'EOF'
#!/bin/bash
# bench stand-in: the time it was started, then a failure (the benchmark ends the worker here)
echo "$EPOCHREALTIME $*" >>"${0%/*}/kubeadm.times"
exit 1
EOF
chmod 755 "$WORK/template/bin/kubeadm"
KUBE_FIRSTBOOT_PATH=$WORK/template/bin unshare -u "$AGENT" --root "$WORK/template/root" --seed "$WORK/seed" \
        run --until host >"$WORK/template-host.log" 2>&1 || fail "host stage of the template failed: $(tail -5 "$WORK/template-host.log")"

# worker_run DIR: a copy of the template under DIR, its agent started in the background (WORKER_PID)
worker_run() {
        rm -rf "$1"
        cp -a "$WORK/template" "$1"
        echo "$1/root" >"$1/bin/root"
        rm -f "$1/bin/kubeadm.times"
        KUBE_FIRSTBOOT_PATH=$1/bin unshare -u "$AGENT" --root "$1/root" --seed "$WORK/seed" run >"$1/console.log" 2>&1 &
        WORKER_PID=$!
}

record() {
        local now
        now=$(date +%s)
        python3 "$JR" seal "$KEY" "$CLUSTER" "127.0.0.1:$API_PORT" abcdef.0123456789abcdef \
                "sha256:$(printf 'bench ca' | sha256sum | cut -d' ' -f1)" "$now" $((now + 3600))
}

# one_run STORE-KIND: prints the latency in ms
one_run() {
        local kind=$1 w=$WORK/w t0 t1 i
        worker_run "$w"
        for i in $(seq 300); do
                grep -q 'wait for the join record' "$w/console.log" 2>/dev/null && break
                kill -0 "$WORKER_PID" 2>/dev/null || fail "$kind: worker exited early: $(tail -5 "$w/console.log")"
                sleep 0.05
        done
        [ "$i" -lt 300 ] || fail "$kind: the worker never started waiting: $(tail -5 "$w/console.log")"
        sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", 0.2 + 1.2 * r / 32767 }')"
        record >"$WORK/record.json"
        curl -sf -X PUT -H "Authorization: Bearer $BEARER" -H 'Content-Type: application/json' \
                --data-binary @"$WORK/record.json" "$STORE/v1/clusters/$CLUSTER/join" -o /dev/null ||
                fail "$kind: PUT failed"
        t0=$EPOCHREALTIME
        for i in $(seq 1000); do
                [ -s "$w/bin/kubeadm.times" ] && break
                sleep 0.01
        done
        [ -s "$w/bin/kubeadm.times" ] || fail "$kind: no kubeadm join within 10 s: $(tail -5 "$w/console.log")"
        t1=$(head -n 1 "$w/bin/kubeadm.times" | cut -d' ' -f1)
        grep -q '^[0-9.]* join ' "$w/bin/kubeadm.times" || fail "$kind: the first kubeadm call was not a join"
        kill "$WORKER_PID" 2>/dev/null || true
        wait "$WORKER_PID" 2>/dev/null || true
        awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }'
}

echo "join latency benchmark: $(bench_load)"
echo "$RUNS runs each; from the PUT's completion to the kubeadm stand-in's start (ms)"
echo

# ---- plain store: nginx WebDAV ----------------------------------------------------------------------
N=$WORK/nginx
mkdir -p "$N/www" "$N/tmp" "$N/logs"
lab_nginx_conf "$N" ok "127.0.0.1:$STORE_PORT"
nginx -p "$N" -c "$N/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
cleanup_hooks+=("kill $NGINX_PID 2>/dev/null")
for _ in $(seq 100); do curl -s -o /dev/null "$STORE/" && break; sleep 0.1; done
: >"$WORK/plain.txt"
for _ in $(seq "$RUNS"); do
        rm -rf "$N/www/v1"
        one_run nginx >>"$WORK/plain.txt"
done
kill "$NGINX_PID"
wait "$NGINX_PID" 2>/dev/null || true

# ---- long-poll server -------------------------------------------------------------------------------
S=$WORK/server
cat >"$WORK/server.yaml" <<EOF
listen: 127.0.0.1:$STORE_PORT
seed_dir: $S/seeds
state_dir: $S/state
access_log: false
clusters:
  - name: $CLUSTER
    bearer: $BEARER
EOF
chmod 600 "$WORK/server.yaml"
: >"$WORK/longpoll.txt"
for _ in $(seq "$RUNS"); do
        rm -rf "$S"
        mkdir -p "$S/seeds" "$S/state"
        server_start "$WORK/server.yaml"
        one_run server >>"$WORK/longpoll.txt"
        server_stop TERM
done

read -r p_med p_95 p_min p_max <<<"$(bench_stats "$WORK/plain.txt" 1 1)"
read -r l_med l_95 l_min l_max <<<"$(bench_stats "$WORK/longpoll.txt" 1 1)"
printf '%-38s %10s %10s %10s %10s\n' "" "median ms" "p95 ms" "min ms" "max ms"
printf '%-38s %10s %10s %10s %10s   goal median < 1000 ms\n' "plain store (nginx WebDAV, polls)" "$p_med" "$p_95" "$p_min" "$p_max"
printf '%-38s %10s %10s %10s %10s   goal median < 100 ms\n' "long-poll (kube-firstboot-server)" "$l_med" "$l_95" "$l_min" "$l_max"
