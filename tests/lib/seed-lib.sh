# Helpers for the seed source tests (test-seed-*.sh). Source after common.sh.
REF=$TOP/tests/data/seeds/reference
# Debian's interpreter: a pyenv shim on PATH can take seconds to start.
if [ -z "${PYTHON:-}" ]; then
        if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi

[ -x "$AGENT" ] || fail "$AGENT not built"
[ -d "$REF/master" ] || fail "reference seeds missing in $REF"

# A seed directory: a copy of a reference node's seed, optionally without network-config and with
# another instance-id (to tell sources apart). seed_dir DEST NODE [INSTANCE-ID] [no-network]
seed_dir() {
        local dest=$1 node=$2 iid=${3:-} net=${4:-}
        mkdir -p "$dest"
        cp "$REF/$node/meta-data" "$REF/$node/user-data" "$dest/"
        [ "$net" = no-network ] || cp "$REF/$node/network-config" "$dest/"
        if [ -n "$iid" ]; then
                sed -i "s/^instance-id: .*/instance-id: $iid/" "$dest/meta-data"
        fi
}

# show-seed output without its origin line, which names the source.
without_origin() { grep -v '^origin: '; }

# expect_seed OUTPUT-FILE SEED-DIR: OUTPUT-FILE (show-seed output) shows the same configuration as the
# seed directory does through --seed.
expect_seed() {
        local got=$1 dir=$2
        run_cmd -o "$WORK/expected.out" -e "$WORK/expected.err" -m "show-seed of the seed directory $dir" \
                "$AGENT" -q --seed "$dir" show-seed
        diff -u <(without_origin <"$WORK/expected.out") <(without_origin <"$got") ||
                fail "show-seed from another source differs from the seed directory $dir"
}

# origin_of OUTPUT-FILE: the origin line's value, without YAML quotes.
origin_of() { sed -n 's/^origin: "\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$1"; }

# start_httpd DIR [seed-httpd.py options...]: sets HTTPD_PORT, HTTPD_PID, HTTPD_LOG.
start_httpd() {
        local dir=$1 port_file
        shift
        port_file=$(mktemp -u "$WORK/httpd-port.XXXXXX")
        HTTPD_LOG=$(mktemp "$WORK/httpd-log.XXXXXX")
        "$PYTHON" "$TOP/tests/lib/seed-httpd.py" --dir "$dir" --port-file "$port_file" --log "$HTTPD_LOG" "$@" &
        HTTPD_PID=$!
        cleanup_hooks+=("kill $HTTPD_PID 2>/dev/null; wait $HTTPD_PID 2>/dev/null")
        for _ in $(seq 1 1200); do
                [ -s "$port_file" ] && break
                # With --down the port file only appears later: the caller passed --port.
                [ -n "${HTTPD_FIXED_PORT:-}" ] && break
                sleep 0.05
        done
        HTTPD_PORT=${HTTPD_FIXED_PORT:-$(cat "$port_file" 2>/dev/null || true)}
        [ -n "$HTTPD_PORT" ] || fail "seed-httpd.py did not start"
}

stop_httpd() {
        kill "$HTTPD_PID" 2>/dev/null || true
        wait "$HTTPD_PID" 2>/dev/null || true
}

# A port nothing listens on right now (the kernel's pick, closed again).
free_port() {
        "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# requests_for NAME: how many requests the server logged for paths ending in /NAME.
requests_for() { grep -c "/$1 " "$HTTPD_LOG" || true; }

# attach_loop IMAGE: a read-only loop device for IMAGE in LOOP_DEV; the test FAILS if there is none.
attach_loop() {
        LOOP_DEV=$(losetup --find --show --read-only "$1" 2>"$WORK/losetup.err") ||
                fail "could not get a loop device for $1 (losetup: $(cat "$WORK/losetup.err")); this test needs" \
                     "root and /dev/loop-control"
        cleanup_hooks+=("losetup -d $LOOP_DEV")
}

# device_root ROOT DEVICE [NAME]: makes ROOT list DEVICE in proc/partitions and have its node as
# ROOT/dev/NAME (default: the device's own name), with the same major and minor.
device_root() {
        local root=$1 dev=$2 name=${3:-$(basename "$2")} major minor blocks
        major=$((0x$(stat -c %t "$dev")))
        minor=$((0x$(stat -c %T "$dev")))
        blocks=$(($(blockdev --getsize64 "$dev") / 1024))
        mkdir -p "$root/proc" "$root/dev"
        [ -f "$root/proc/partitions" ] || printf 'major minor  #blocks  name\n\n' >"$root/proc/partitions"
        printf '%4d %7d %10d %s\n' "$major" "$minor" "$blocks" "$name" >>"$root/proc/partitions"
        rm -f "$root/dev/$name"
        mknod "$root/dev/$name" b "$major" "$minor"
}
