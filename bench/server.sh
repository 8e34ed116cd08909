#!/bin/bash
# Benchmark of kube-firstboot-server on 127.0.0.1 (prints figures; not part of `make check`):
#  1. 1,000 concurrent long-polling workers: the server's RSS while they wait, its peak RSS (VmHWM),
#     and how long after the PUT each of them has the record (goals: < 30 MiB, all < 200 ms).
#  2. Seed GET throughput with wrk, against nginx (nginx-light, its own temporary prefix and config,
#     one worker like the server's one thread) serving the same files in the same run (goal: >= 0.7).
# Usage: bench/server.sh   (BUILDDIR as for the tests; WAITERS, DURATION and CONNECTIONS override)
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/server.sh"

WAITERS=${WAITERS:-1000}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-50}
ROUNDS=${ROUNDS:-2}

"$TOP/tools/install-bench-deps.sh"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -ge $((WAITERS + 200)) ] || fail "need $((WAITERS + 200)) file descriptors, have $(ulimit -n)"

# Two CPUs or more: the server (or nginx) on one, wrk on another, the same for both.
if [ "$(nproc)" -ge 2 ]; then
        PIN_SERVER="taskset -c 0"
        PIN_CLIENT="taskset -c 1"
else
        PIN_SERVER=
        PIN_CLIENT=
fi

F=$WORK/fx
mkdir -p "$F/seeds/node-1" "$F/state" "$F/nginx/tmp"
# nginx's worker runs as an unprivileged user: it must be able to read the seeds
chmod 755 "$WORK" "$F" "$F/seeds" "$F/seeds/node-1"
printf 'instance-id: iid-node-1\nlocal-hostname: node-1\n' >"$F/seeds/node-1/meta-data"
# a file of the size of the user-data the seed generator writes (a few KiB). Not user-data itself: the
# server sends that once per instance-id and only to its node, so it has no throughput to measure.
{
        printf 'version: 2\n'
        for i in $(seq 1 60); do printf '# padding line %02d to make a realistic size --------------------\n' "$i"; done
} >"$F/seeds/node-1/network-config"
bearer_for lab >"$WORK/bearer"
seal_record lab >"$WORK/record.json"

PORT=$(free_port)
write_config() { # FILE ACCESS-LOG
        cat >"$1" <<EOF
listen: 127.0.0.1:$PORT
seed_dir: $F/seeds
state_dir: $F/state
access_log: $2
clusters:
  - name: lab
    bearer: $(cat "$WORK/bearer")
limits:
  max_connections: $((WAITERS + 100))
  max_connections_per_ip: 0
EOF
        chmod 600 "$1"
}

echo "kube-firstboot-server benchmark: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $("$SERVER" --version)"
echo

# ---- 1. long polls -------------------------------------------------------------------------------
write_config "$WORK/server.yaml" false
SERVER_WRAPPER="$PIN_SERVER" server_start "$WORK/server.yaml"
rss_idle=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")
$PIN_CLIENT python3 "$SERVER_CLIENT_PY" longpoll --port "$PORT" --clients "$WAITERS" --wait 60 --cluster lab \
        --bearer-file "$WORK/bearer" --record-file "$WORK/record.json" --pid "$SERVER_PID" >"$WORK/longpoll.json" ||
        fail "long poll run failed: $(cat "$WORK/longpoll.json")"
server_stop TERM
python3 - "$WORK/longpoll.json" "$rss_idle" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
idle = int(sys.argv[2])
print("1. %d concurrent long polls (wait=60), one PUT" % r["clients"])
print("   answered with the record:   %d of %d (PUT status %d)" % (r["answered_with_record"], r["clients"], r["put_status"]))
print("   server RSS idle:            %.1f MiB" % (idle / 1024))
print("   server RSS, all waiting:    %.1f MiB" % (r["rss_waiting_kib"] / 1024))
print("   server peak RSS (VmHWM):    %.1f MiB   (goal < 30 MiB)" % (r["peak_rss_kib"] / 1024))
print("   wake-up after the PUT:      p50 %.1f ms, p99 %.1f ms, all %.1f ms   (goal < 200 ms)"
      % (r["wake_p50_ms"], r["wake_p99_ms"], r["wake_max_ms"]))
print("   (measured by the client from sending the PUT; the PUT itself, with its fsync, took %.1f ms)" % r["put_ms"])
print("   server CPU time from the PUT to the last answer: %.1f ms" % r["server_cpu_ms"])
EOF
echo

# ---- 2. seed GET throughput against nginx -----------------------------------------------------------
cat >"$F/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $F/nginx/nginx.pid;
error_log $F/nginx/error.log;
events { worker_connections 4096; }
http {
    access_log NGINX_ACCESS_LOG;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 15s;
    default_type text/plain;
    client_body_temp_path $F/nginx/tmp/body;
    proxy_temp_path $F/nginx/tmp/proxy;
    fastcgi_temp_path $F/nginx/tmp/fastcgi;
    uwsgi_temp_path $F/nginx/tmp/uwsgi;
    scgi_temp_path $F/nginx/tmp/scgi;
    server {
        listen 127.0.0.1:NGINX_PORT;
        location /v1/seeds/ { alias $F/seeds/; }
    }
}
EOF
NGINX_PORT=$(free_port)
NGINX_PID=
nginx_stop() {
        if [ -n "$NGINX_PID" ]; then
                kill -QUIT "$NGINX_PID" 2>/dev/null || true
                wait "$NGINX_PID" 2>/dev/null || true
                NGINX_PID=
        fi
}
cleanup_hooks+=(nginx_stop)
nginx_start() { # ACCESS-LOG
        sed "s|NGINX_ACCESS_LOG|$1|; s|NGINX_PORT|$NGINX_PORT|" "$F/nginx/nginx.conf" >"$F/nginx/run.conf"
        $PIN_SERVER nginx -p "$F/nginx" -c "$F/nginx/run.conf" &
        NGINX_PID=$!
        for _ in $(seq 1 50); do
                curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/v1/seeds/node-1/meta-data" && return 0
                sleep 0.1
        done
        fail "nginx did not start: $(cat "$F/nginx/error.log")"
}

wrk_rps() { # URL
        $PIN_CLIENT wrk -t1 -c"$CONNECTIONS" -d"$DURATION"s "$1" >"$WORK/wrk.out" 2>&1 || fail "wrk: $(cat "$WORK/wrk.out")"
        grep -q 'Non-2xx' "$WORK/wrk.out" && fail "wrk got errors: $(cat "$WORK/wrk.out")"
        awk '/^Requests\/sec:/ { print $2 }' "$WORK/wrk.out"
}

best() { printf '%s\n' "$@" | sort -g | tail -1; }

compare() { # FILE LOGS(true|false)
        local file=$1 logs=$2 ours=() theirs=()
        for _ in $(seq 1 "$ROUNDS"); do
                if [ "$logs" = true ]; then nginx_start "$F/nginx/access.log"; else nginx_start off; fi
                curl -s "http://127.0.0.1:$NGINX_PORT/v1/seeds/node-1/$file" | cmp -s - "$F/seeds/node-1/$file" ||
                        fail "nginx serves another $file"
                theirs+=("$(wrk_rps "http://127.0.0.1:$NGINX_PORT/v1/seeds/node-1/$file")")
                nginx_stop

                write_config "$WORK/server.yaml" "$logs"
                SERVER_WRAPPER="$PIN_SERVER" server_start "$WORK/server.yaml"
                curl -s "http://127.0.0.1:$PORT/v1/seeds/node-1/$file" | cmp -s - "$F/seeds/node-1/$file" ||
                        fail "the server serves another $file"
                ours+=("$(wrk_rps "http://127.0.0.1:$PORT/v1/seeds/node-1/$file")")
                server_stop TERM
        done
        local o t
        o=$(best "${ours[@]}")
        t=$(best "${theirs[@]}")
        printf '   %-10s access log %-5s  server %9.0f req/s   nginx %9.0f req/s   ratio %.2f   (rounds: server %s; nginx %s)\n' \
                "$file" "$logs" "$o" "$t" "$(awk "BEGIN { print $o / $t }")" "${ours[*]}" "${theirs[*]}"
}

echo "   (server and client on separate CPUs${PIN_SERVER:+: yes}; on a loaded machine the wall-clock figures"
echo "   grow with the load average, the server's CPU time does not)"
echo
echo "2. seed GET throughput: wrk -t1 -c$CONNECTIONS -d${DURATION}s, best of $ROUNDS rounds, one worker each${PIN_SERVER:+, server and wrk on separate CPUs}"
echo "   (goal: ratio >= 0.7)"
for file in meta-data network-config; do
        compare "$file" false
done
compare meta-data true
