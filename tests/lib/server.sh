# shellcheck shell=bash
# Helpers for the kube-firstboot-server tests and benchmark (bash). Source after common.sh.
# SERVER_WRAPPER (e.g. "valgrind --error-exitcode=99") runs the server under a tool.
SERVER=${SERVER:-$BUILDDIR/kube-firstboot-server}
SERVER_WRAPPER=${SERVER_WRAPPER:-}
SERVER_CLIENT_PY=$TOP/tests/lib/server-client.py
SERVER_PID=
SERVER_LOG=
SERVER_AS=

# server_cmd ARGS...: the server in the foreground, through SERVER_WRAPPER like every other run of it.
server_cmd() {
        # shellcheck disable=SC2086
        $SERVER_WRAPPER "$SERVER" "$@"
}

# server_client raw|slowloris|limit|longpoll ARGS...: see tests/lib/server-client.py
server_client() {
        python3 "$SERVER_CLIENT_PY" "$@"
}

[ -x "$SERVER" ] || fail "$SERVER not built (make BUILDDIR=... $SERVER)"

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# bearer_for NAME: a fixed, made-up 64-hex bearer per cluster name (the server never sees a key).
bearer_for() {
        printf 'kube-firstboot test bearer %s' "$1" | sha256sum | cut -d' ' -f1
}

# seal_record CLUSTER: a well-formed sealed record envelope (random bytes: the server cannot open it).
seal_record() {
        printf '{"version":2,"cluster":"%s","alg":"A256GCM","nonce":"%s","sealed":"%s"}' "$1" \
                "$(head -c 12 /dev/urandom | base64 -w0)" "$(head -c 200 /dev/urandom | base64 -w0)"
}

# server_fixture DIR: seeds for node-1 (all four files) and node-2 (no vendor-data), a /ks/ and
# /repo/ tree with symlinks and a FIFO pointing at or standing for things that must not be served,
# and a secret file next to them.
server_fixture() {
        local d=$1
        mkdir -p "$d"/seeds/node-1 "$d"/seeds/node-2 "$d"/ks/sub "$d"/repo/repodata "$d"/state "$d"/outside
        printf 'instance-id: iid-node-1\nlocal-hostname: node-1\n' >"$d"/seeds/node-1/meta-data
        printf '#cloud-config\nkube_firstboot:\n  role: worker\n' >"$d"/seeds/node-1/user-data
        printf 'version: 2\nethernets:\n  eth0:\n    addresses: [192.168.220.105/24]\n' >"$d"/seeds/node-1/network-config
        printf '#cloud-config\n{}\n' >"$d"/seeds/node-1/vendor-data
        printf 'instance-id: iid-node-2\n' >"$d"/seeds/node-2/meta-data
        printf '#cloud-config\n' >"$d"/seeds/node-2/user-data
        printf 'install\ntext\n' >"$d"/ks/node-1.cfg
        printf 'sub\n' >"$d"/ks/sub/a.cfg
        head -c 3000 /dev/urandom >"$d"/repo/kubeadm-1.23.6-0.x86_64.rpm
        printf '<repomd/>\n' >"$d"/repo/repodata/repomd.xml
        echo "TOP-SECRET-OUTSIDE-THE-TREE" >"$d"/outside/secret
        printf 'x\n' >"$d"/ks/.hidden
        ln -s "$d"/outside/secret "$d"/ks/evil-link
        ln -s "$d"/outside "$d"/ks/dir-link
        ln -s "$d"/outside/secret "$d"/seeds/node-2/vendor-data
        mkfifo "$d"/ks/fifo
}

# server_as USER: from here on server_start runs the server as USER (and USER's group, no other), as the
# packaged unit runs it as its own user: each config it starts with becomes root:GROUP 0640, the
# state_dir the config names USER's own (0700), $WORK passable (0711). Needs root.
server_as() {
        [ "$(id -u)" = 0 ] || fail "server_as: only root can start the server as $1"
        command -v setpriv >/dev/null || fail "setpriv missing (util-linux)"
        SERVER_AS=$1
        chmod 711 "$WORK"
}

# server_start CONFIG [FLAGS...]: starts the server in the background and waits until it answers.
server_start() {
        local config=$1 port state wrapper=$SERVER_WRAPPER uid gid
        shift
        port=$(sed -n 's/^listen: 127.0.0.1:\([0-9]*\)$/\1/p' "$config")
        SERVER_LOG=$WORK/server.log
        if [ -n "$SERVER_AS" ]; then
                uid=$(id -u "$SERVER_AS")
                gid=$(id -g "$SERVER_AS")
                chown "root:$gid" "$config"
                chmod 640 "$config"
                state=$(sed -n 's/^state_dir: //p' "$config")
                if [ -n "$state" ]; then
                        mkdir -p "$state"
                        chown -R "$uid:$gid" "$state"
                        chmod 700 "$state"
                fi
                wrapper="setpriv --reuid=$uid --regid=$gid --clear-groups -- $SERVER_WRAPPER"
        fi
        # shellcheck disable=SC2086
        $wrapper "$SERVER" --config "$config" "$@" 2>>"$SERVER_LOG" &
        SERVER_PID=$!
        # Polled until it answers; the bound only catches a server that never does (valgrind is slow).
        for _ in $(seq 1 1200); do
                if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
                        return 0
                fi
                kill -0 "$SERVER_PID" 2>/dev/null || fail "server exited at start: $(tail -5 "$SERVER_LOG")"
                sleep 0.1
        done
        fail "server did not answer on port $port within 120 s"
}

# server_waiters [HOST:]PORT: how many long polls the server on HOST (default 127.0.0.1) holds now (its
# status page says), -1 if unknown.
server_waiters() {
        local address=$1
        [[ "$address" == *:* ]] || address=127.0.0.1:$address
        curl -s --max-time 30 "http://$address/" | sed -n 's/.*<span id="waiters">\([0-9]*\)<.*/\1/p' | grep . || echo -1
}

# server_wait_waiters [HOST:]PORT N: returns once the server holds at least N long polls (an event, not a
# duration: a client started in the background has been read and parked by the server).
server_wait_waiters() {
        local n
        for _ in $(seq 1 1200); do
                n=$(server_waiters "$1")
                [ "$n" -ge "$2" ] && return 0
                sleep 0.1
        done
        fail "the server held $n long polls, not $2, after 120 s"
}

# server_stop [SIGNAL]: SIGTERM (or SIGNAL), and the server must exit 0 (within 60 s: valgrind's leak
# check at exit takes a while).
server_stop() {
        local rc=0
        [ -n "$SERVER_PID" ] || return 0
        kill -"${1:-TERM}" "$SERVER_PID"
        for _ in $(seq 1 600); do
                kill -0 "$SERVER_PID" 2>/dev/null || break
                sleep 0.1
        done
        kill -0 "$SERVER_PID" 2>/dev/null && fail "server still running 60 s after SIG${1:-TERM}"
        wait "$SERVER_PID" || rc=$?
        SERVER_PID=
        [ "$rc" = 0 ] || fail "server exited with $rc after SIG${1:-TERM}: $(tail -5 "$SERVER_LOG")"
}

server_kill_on_exit() {
        if [ -n "$SERVER_PID" ]; then
                kill -KILL "$SERVER_PID" 2>/dev/null || true
        fi
}
cleanup_hooks+=(server_kill_on_exit)
