# shellcheck shell=bash
# Helpers for the docker, network and growroot step tests (tests/integration/test-host-docker.sh,
# test-host-network.sh, test-growroot.sh). Source after common.sh and host-steps.sh.
#
# A case directory D holds D/root (the host fixture tree of host-steps.sh), D/bin (host-model.c for every
# command, see host_bin), D/wrap (tests/stand-ins/docker-model for docker, and in front of host-model's
# systemctl so that it knows which daemon.json docker started with) and D/seed (the reference master's
# seed, its endpoint on loopback). The agent runs the host stage (run --until host) in a private UTS namespace, so the hostname
# step leaves this machine's name alone.

REF_SEED=$TOP/tests/data/seeds/reference/master

# case_dir D [network]: a fresh case; "network" keeps the seed's network-config.
case_dir() {
        local d=$1 n
        mkdir -p "$d/seed" "$d/wrap"
        host_tree "$d/root"
        host_bin "$d/bin" "$d/root"
        for n in systemctl docker; do ln -sf "$TOP/tests/stand-ins/docker-model" "$d/wrap/$n"; done
        cp "$REF_SEED/meta-data" "$d/seed/"
        # the agent reports its progress to the endpoint: tests talk to loopback only (nothing listens
        # on the discard port: refused at once)
        sed 's|^\(  endpoint:\).*|\1 http://127.0.0.1:9/|' "$REF_SEED/user-data" >"$d/seed/user-data"
        grep -q '^  endpoint: http://127.0.0.1:9/$' "$d/seed/user-data" || fail "case_dir: the seed's endpoint was not replaced"
        [ "${2:-}" = network ] && cp "$REF_SEED/network-config" "$d/seed/"
        return 0
}

# unit D UNIT STATE...: host-model's state of UNIT.service (enabled, active, masked).
unit() {
        local d=$1 u=$2 s
        shift 2
        touch "$d/bin/state/units/$u.service.installed"
        for s in "$@"; do touch "$d/bin/state/units/$u.service.$s"; done
}

# agent_cmd D ARGS...: the agent on D. EXTRA_PATH (a search path) follows the stand-ins when set.
agent_cmd() {
        local d=$1
        shift
        unshare -u env KUBE_FIRSTBOOT_PATH="$d/wrap:$d/bin${EXTRA_PATH:+:$EXTRA_PATH}" "$AGENT" --root "$d/root" --live \
                --seed "$d/seed" "$@"
}

# agent_run D ARGS...: agent_cmd with its output in D/out; returns its exit status.
agent_run() {
        agent_cmd "$@" >"$1/out" 2>&1
}

# run_host D [--force]: run --until host, which must succeed; the calls log starts empty.
run_host() {
        local d=$1
        shift
        : >"$d/bin/calls.log"
        run_cmd -o "$d/out" -e "$d/out" -m "$d: run --until host $*" agent_cmd "$d" run --until host "$@"
}

# rerun_same D: run_host D --force again; the tree must come out as it was.
rerun_same() {
        local d=$1 before
        before=$(snapshot "$d")
        run_host "$d" --force
        assert_tree_same "$before" "$(snapshot "$d")" "$d: the second run changed the tree"
}

# snapshot D: tree_snapshot of D/root, the agent's state (rewritten by --force) and its log left out.
snapshot() {
        tree_snapshot --exclude '^\./var/lib/kube-firstboot(/|$)|^\./var/log/kube-firstboot\.log$' "$1/root"
}

# calls D REGEX: the recorded calls matching REGEX (extended), in order.
calls() {
        grep -E "$2" "$1/bin/calls.log" || true
}

# step_log D STEP: the run's log lines of STEP, without the "kube-firstboot: STEP: " prefix.
step_log() {
        sed -n "s/^kube-firstboot: $2: //p" "$1/out"
}
