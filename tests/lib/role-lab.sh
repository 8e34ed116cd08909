# shellcheck shell=bash
# The role-stage tests' shared setup (test-role-crash, test-role-diskfull, test-token-traces), sourced
# after common.sh, host-steps.sh and netns-lab.sh, in a private network namespace whose loopback carries the lab's
# 192.168.220.1 (the store), .104 and .105:
#  - role_lab_keys: REF (the reference seeds), JR (the protocol's Python implementation), KEY (the
#    reference cluster key) and BEARER; role_lab_netns ADDRESS...: that, the programs checked, loopback up;
#  - store_start DIR [RECORD] / store_stop: kube-firstboot-server on 192.168.220.1:8780, its state in DIR
#    (with RECORD as the stored join record);
#  - role_lab_apiserver_port: something listening on the control plane's 192.168.220.104:6443, so a worker's
#    wait for the API server ends (the stand-in kubeadm plays the API server itself);
#  - role_lab_hosts: master and node-1 through the host stage once, kept as $WORK/base-HOST/{root,bin,seed};
#  - role_lab_shim NAME WHAT: $WORK/NAME.c built into the LD_PRELOAD shim $WORK/NAME.so, its path in SHIM;
#  - role_lab_setup: store_stop as a cleanup hook, then role_lab_apiserver_port and role_lab_hosts;
#  - role_agent_files, cluster_summary and report_done: what the stand-in kubeadm's cluster and the store hold, for comparing.

role_lab_keys() {
        REF=$TOP/tests/data/seeds/reference
        JR=$TOP/tests/lib/join-record.py
        KEY=$(sed -n 's/^  cluster_key: *//p' "$REF/master/user-data")
        [ -n "$KEY" ] || fail "no cluster_key in the reference seed"
        BEARER=$(/usr/bin/python3 "$JR" bearer "$KEY")
}

# role_lab_netns ADDRESS...: in the test's private network namespace, the agent and the server built,
# role_lab_keys, and loopback up carrying the lab's ADDRESSes (the store's 192.168.220.1, the nodes').
role_lab_netns() {
        [ -x "$AGENT" ] || fail "no agent at $AGENT (build it first)"
        [ -x "$BUILDDIR/kube-firstboot-server" ] || fail "no server at $BUILDDIR/kube-firstboot-server"
        role_lab_keys
        ip link set lo up
        for a in "$@"; do ip addr add "$a/32" dev lo; done
}

STORE_PID=
store_start() {
        local dir=$1
        store_stop
        mkdir -p "$dir/state/clusters/lab" "$dir/seeds"
        [ -z "${2:-}" ] || cp "$2" "$dir/state/clusters/lab/join.json"
        printf 'listen: 192.168.220.1:8780\nseed_dir: %s\nstate_dir: %s\nclusters:\n  - name: lab\n    bearer: %s\n' \
                "$dir/seeds" "$dir/state" "$BEARER" >"$dir/server.yaml"
        "$BUILDDIR/kube-firstboot-server" --config "$dir/server.yaml" 2>>"$dir/server.log" &
        STORE_PID=$!
        for _ in $(seq 1200); do
                (exec 3<>/dev/tcp/192.168.220.1/8780) 2>/dev/null && return 0
                sleep 0.05
        done
        fail "kube-firstboot-server did not come up: $(tail -n 5 "$dir/server.log")"
}
store_stop() {
        [ -n "$STORE_PID" ] || return 0
        kill "$STORE_PID" 2>/dev/null || true
        wait "$STORE_PID" 2>/dev/null || true
        STORE_PID=
}

role_lab_apiserver_port() {
        /usr/bin/python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.168.220.104", 6443)); s.listen(64)
while True:
    c, _ = s.accept(); c.close()' &
        cleanup_hooks+=("kill $!")
}

# lab_host (netns-lab.sh) makes $WORK/HOST/{root,bin,seed}; ECDSA keys make the stand-in's init faster.
role_lab_hosts() {
        local h
        for h in master node-1; do
                lab_host "$h" "$REF/$h"
                touch "$WORK/$h/bin/kubeadm.ca-ecdsa"
                KUBE_FIRSTBOOT_PATH="$WORK/$h/bin" "$AGENT" --root "$WORK/$h/root" --live --seed "$WORK/$h/seed" run \
                        --until host >"$WORK/$h.host.log" 2>&1 || { tail -n 20 "$WORK/$h.host.log"; fail "$h: host stage failed"; }
                : >"$WORK/$h/bin/calls.log"
                mv "$WORK/$h" "$WORK/base-$h"
        done
}

# role_lab_shim NAME WHAT: $WORK/NAME.c into $WORK/NAME.so (an LD_PRELOAD shim, WHAT in the error); SHIM is its path.
role_lab_shim() {
        cc -shared -fPIC -O2 -Wall -Wextra -o "$WORK/$1.so" "$WORK/$1.c" -ldl || fail "cannot build the $2"
        SHIM=$WORK/$1.so
}

# role_lab_setup: the store's stop as a cleanup hook, the API server's port, the hosts through the host stage.
role_lab_setup() {
        cleanup_hooks+=(store_stop)
        role_lab_apiserver_port
        role_lab_hosts
}

# cluster_summary STATE_JSON TOKEN: what kubeadm's "etcd" holds that matters: the tokens (TOKEN among them,
# valid), the addons, the applied objects with their content, the nodes (each once).
cluster_summary() {
        /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys, time
s = json.load(open(sys.argv[1]))
tok = [t for t in s["tokens"] if t["token"] == sys.argv[2]]
print("tokens", len(s["tokens"]), "agent's token", "present" if tok else "ABSENT",
      "valid" if tok and (tok[0].get("expires") or 2e9) > time.time() else "")
print("addons", " ".join(s["addons"]))
for a in sorted(s["applied"], key=lambda a: (a["kind"], a["name"])):
    print("applied", a["kind"], a["name"], a["sha256"])
print("nodes", " ".join(sorted(n["name"] for n in s["nodes"])))
PY
}

# report_done HOST: the store's last progress report of HOST says it is done ($name: the case, for messages).
report_done() {
        local nodes
        # shellcheck disable=SC2154 # $name: set by the test for each case
        nodes=$(curl -sf http://192.168.220.1:8780/v1/clusters/lab/nodes) || fail "$name: the store does not answer"
        /usr/bin/python3 -c 'import json,sys; r=json.loads(sys.argv[1]); n=r[sys.argv[2]] if sys.argv[2] in r else r["nodes"][sys.argv[2]]; sys.exit(not (n["stage"]=="done" and n["status"]=="done"))' \
                "$nodes" "$1" || fail "$name: the store's last report of $1 is not \"done\": $nodes"
}

# role_agent_files ROOT: "path hash" of every file the agent writes in the role stage (the state directory,
# /run/kube-firstboot under ROOT; root's kubeconfig is compared with admin.conf separately), the content normalised:
# the token, hex stamps and times made constant.
role_agent_files() {
        /usr/bin/python3 - "$1" <<'PY'
import hashlib, os, re, sys
root, out = sys.argv[1], []
for top in ("var/lib/kube-firstboot", "run/kube-firstboot"):
    for d, _, files in os.walk(os.path.join(root, top)):
        for f in files:
            if f.startswith(".#kfb.") or f in (".lock", "filler"):
                continue
            with open(os.path.join(d, f), "rb") as fh:
                t = fh.read().decode("latin-1")
            t = re.sub(r"[a-z0-9]{6}\.[a-z0-9]{16}", "TOKEN", t)
            t = re.sub(r"[0-9a-f]{32,}", "HEX", t)
            t = re.sub(r"[0-9]{9,}", "TIME", t)
            out.append("./%s %s" % (os.path.relpath(os.path.join(d, f), root), hashlib.sha256(t.encode("latin-1")).hexdigest()))
print("\n".join(sorted(out)))
PY
}
