#!/bin/bash
# `make check-kubeadm KUBEADM=PATH [KUBELET=PATH]`: the real kubeadm 1.23 binary at PATH over every
# configuration and command line the agent renders, for every seed set in tests/data/seeds/ and both roles,
# and once more (ECDSA CA only) for the reference set with a slow host's settings
# (kubernetes.control_plane_timeout, leader_election: off), which the init dry run must show in effect.
#
# 1. Render: the namespace lab of tests/lib/netns-lab.sh (kube-firstboot-server as the store, the stand-in
#    kubeadm/kubectl, twice: an RSA and an ECDSA cluster CA) runs the agent on every host of the seed set,
#    then `refresh-token` on the control plane with a token near its end. A wrapper in front of the stand-in
#    keeps each command line exactly (NUL-separated), the stand-in keeps every --config file.
# 2. Replay each against the real kubeadm, in the host's network namespace with private UTS and mount
#    namespaces (`sandbox`): /etc and /var/lib are overlays whose writes land in $WORK, so kubeadm's
#    /etc/kubernetes, /var/lib/kubelet and /var/lib/etcd are never this machine's:
#    - `kubeadm config images list --config INIT` (and the stand-in's list for the same file);
#    - `kubeadm init --config INIT --dry-run`: preflight, the files and objects init would write, and the
#      join command it prints (its CA hash against the agent's pin of the CA the dry run made: with the
#      lab's CA in /etc/kubernetes/pki, kubeadm 1.23.0's dry run fails, see check_init_dry_run);
#    - the agent's `kubeadm token create ...` against a fake API server (tests/kubeadm/fake-apiserver.py,
#      TLS with a certificate openssl signs with the lab's CA): the bootstrap-token Secret it writes, and
#      with --print-join-command the CA hash it prints;
#    - `kubeadm join --config JOIN --dry-run` on every worker against the fake API server serving
#      cluster-info with a jws-kubeconfig-TOKENID signed as kubeadm's bootstrap signer does, and the
#      kubeadm-config, kubelet-config-1.23 and kube-proxy ConfigMaps that the dry-run init above printed:
#      token discovery, the JWS check and the CA pin check run for real; a wrong pin and a wrong signature
#      must be refused;
#    - preflight's NumCPU and KubeletVersion errors (one CPU by affinity; kubelets reporting other
#      versions), for their exact words;
#    - the agent's pin of CAs that kubeadm itself makes (RSA, and ECDSA with PublicKeysECDSA) against the
#      hash kubeadm prints for them.
# Without KUBEADM it says so and exits 0 without running anything. Needs root (namespaces, mounts).
# CHECK_VERBOSE=1 also shows what each passing check saw; KFB_KEEP=1 keeps the work directory (every
# rendered file, kubeadm's output, the fake API server's request logs).
#
# The sandbox's PATH is a directory of links to kubelet (KUBELET, default: `kubelet` beside KUBEADM) and the
# tools kubeadm's preflight looks for (SANDBOX_TOOLS below), never docker or crictl: with criSocket
# /var/run/dockershim.sock kubeadm wants the docker client, and without it falls back to crictl. What this
# costs, each named and required to be exactly so (any other preflight warning or error fails the check):
#   the line "[preflight] WARNING: Couldn't create the interface used for talking to the container runtime:
#     docker is required for container runtime: exec: "docker": executable file not found in $PATH":
#     no container runtime can run in the sandbox, so its checks (CRI, Service-Docker, docker's part of
#     SystemVerification) cannot run either;
#   FileExisting-crictl (ignored): kubeadm's fallback when docker is absent, not a tool the lab's hosts have;
#   [WARNING Service-Kubelet] "kubelet service is not enabled": the sandbox has no kubelet unit.
# What the lab's hosts have, the sandbox has too: net.ipv4.ip_forward=1 in each host's network namespace, a
# default route via the seed's gateway, the lab's names in /etc/hosts, and the tools (bridge-nf-call-iptables
# is this machine's: 1 with br_netfilter loaded); a preflight complaint about any of them fails the check.
# NumCPU, Mem and KubeletVersion are never ignored: the sandbox has this machine's CPUs and memory (kubeadm
# needs 2 and 1700 MB) and the real kubelet on its PATH; they are also made to fail on purpose (one CPU by
# affinity, kubelets of other versions) to show their words. Mem cannot be: kubeadm reads sysinfo(2)'s total
# RAM, which no namespace or cgroup changes.
set -uo pipefail

if [ -z "${KUBEADM:-}" ]; then
        echo "check-kubeadm: not run: no KUBEADM (make check-kubeadm KUBEADM=/path/to/kubeadm-1.23 [KUBELET=...])"
        exit 0
fi
TOP=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib/common.sh
. "$TOP/tests/lib/common.sh"
set +e
# shellcheck source=tests/lib/host-steps.sh
. "$TOP/tests/lib/host-steps.sh"
# shellcheck source=tests/lib/netns-lab.sh
. "$TOP/tests/lib/netns-lab.sh"

KUBEADM=$(readlink -f "$KUBEADM")
KUBELET=$(readlink -f "${KUBELET:-$(dirname "$KUBEADM")/kubelet}")
PIN_TOOL=${PIN_TOOL:-$BUILDDIR/tests/kubeadm-pin}
FAKE_API=$TOP/tests/kubeadm/fake-apiserver.py
IGNORED=FileExisting-crictl
SANDBOX_TOOLS=(conntrack ip iptables mount nsenter ebtables ethtool socat tc touch systemctl uname)
NO_RUNTIME='[preflight] WARNING: Couldn'"'"'t create the interface used for talking to the container runtime: docker is required for container runtime: exec: "docker": executable file not found in $PATH'
# Preflight warnings the sandbox is expected to cause (see above), as "[WARNING Check]: words".
EXPECTED_WARNINGS=("[WARNING FileExisting-crictl]: crictl not found in system path"
        "[WARNING Service-Kubelet]: kubelet service is not enabled, please run 'systemctl enable kubelet.service'")
PY=/usr/bin/python3

passed=0
failed=0
failures=()
# check NAME FUNCTION ARGS...: one check; FUNCTION fails with `fail` (a message on stderr).
check() {
        local name=$1 out rc
        shift
        # set -e inside: a command that fails unexpectedly fails the check (functions say why with `fail`).
        out=$( (set -e; "$@") 2>&1)
        rc=$?
        if [ $rc = 0 ]; then
                printf 'PASS: %s\n' "$name"
                # CHECK_VERBOSE=1: what each check saw, for a report.
                [ -z "${CHECK_VERBOSE:-}" ] || [ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/    : /'
                passed=$((passed + 1))
        else
                printf 'FAIL: %s (exit %d)\n%s\n' "$name" $rc "$(printf '%s\n' "$out" | tail -n 40 | sed 's/^/    | /')"
                failed=$((failed + 1))
                failures+=("$name")
        fi
}
finish() {
        echo
        [ $failed -eq 0 ] || echo "Failed: ${failures[*]}"
        echo "$passed passed, $failed failed"
        [ $failed -eq 0 ] && [ $passed -gt 0 ]
        exit
}

[ "$(id -u)" = 0 ] || { echo "check-kubeadm: needs root (network and mount namespaces)" >&2; exit 1; }
[ -x "$KUBEADM" ] || { echo "check-kubeadm: $KUBEADM is not executable" >&2; exit 1; }
[ -x "$AGENT" ] && [ -x "$BUILDDIR/kube-firstboot-server" ] && [ -x "$PIN_TOOL" ] ||
        { echo "check-kubeadm: build first (make check-kubeadm builds $AGENT, the server and $PIN_TOOL)" >&2; exit 1; }
KUBEADM_VERSION=$("$KUBEADM" version -o short 2>&1)
echo "kubeadm: $KUBEADM ($KUBEADM_VERSION); kubelet: $KUBELET ($("$KUBELET" --version 2>&1))"

check_version() {
        case $KUBEADM_VERSION in v1.23.*) ;; *) fail "kubeadm version -o short: [$KUBEADM_VERSION], not v1.23.x" ;; esac
}
check "kubeadm is 1.23" check_version

check_tools() {
        local t missing=()
        for t in "${SANDBOX_TOOLS[@]}"; do
                PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v "$t" >/dev/null || missing+=("$t")
        done
        [ ${#missing[@]} = 0 ] || fail "missing: ${missing[*]} (Debian: apt-get install iptables conntrack socat ebtables ethtool)"
        echo "${SANDBOX_TOOLS[*]}"
}
check "the tools kubeadm's preflight looks for are on this machine" check_tools

# ---------------------------------------------------------------- init phases: flags and refusals
# The file phases a phased init runs one by one (`kubeadm init phase NAME --config FILE`): the stand-in
# gives each exactly the flags kubeadm 1.23 lists for it, and refuses what kubeadm refuses, in its words
# (the first line). Neither writes anything here: --help and refused command lines only.
PHASES=(preflight "certs all" "kubeconfig all" kubelet-start "control-plane all" "etcd local")
phase_standin() {
        local d=$WORK/phase-standin
        if [ ! -e "$d/kubeadm" ]; then
                mkdir -p "$d/root"
                ln -s "$TOP/tests/stand-ins/kubeadm" "$d/kubeadm"
                echo "$d/root" >"$d/kubeadm.root"
        fi
        env -i PATH="$d" "$d/kubeadm" "$@"
}
# phase_flags OUTPUT: the long flags of a --help's "Flags:" section, sorted
phase_flags() { sed -n '/^Flags:/,/^$/p' | grep -oE '^ +(-[a-z], )?--[a-z0-9-]+' | sed 's/.*--//' | sort | tr '\n' ' '; }
check_phase_flags() {
        local p real standin
        for p in "${PHASES[@]}"; do
                # shellcheck disable=SC2086  # the phase's words
                real=$(cd / && unshare -n "$KUBEADM" init phase $p --help 2>&1 | phase_flags)
                # shellcheck disable=SC2086
                standin=$(phase_standin init phase $p --help 2>&1 | phase_flags)
                [ -n "$real" ] || fail "kubeadm init phase $p --help listed no flags"
                assert_eq "$real" "$standin" "the flags of init phase $p"
                echo "init phase $p: $real"
        done
}
check "init phases: the stand-in's flags are kubeadm's" check_phase_flags
check_phase_refusals() {
        local cfg=$TOP/tests/data/fixtures/kubeadm/init.yaml line real standin rc
        for line in "etcd --config $cfg" "preflight --cri-socket /x --config $cfg" "certs all --node-name x --config $cfg" \
                "kubeconfig all --config $cfg --cert-dir /x" "kubelet-start --config $cfg extra" "certs bogus" \
                "control-plane all --config $cfg --kubernetes-version v1.23.0"; do
                # shellcheck disable=SC2086  # the command line's words
                real=$(cd / && unshare -n "$KUBEADM" init phase $line 2>&1) && fail "kubeadm accepted init phase $line"
                # shellcheck disable=SC2086
                standin=$(phase_standin init phase $line 2>&1) && fail "the stand-in accepted init phase $line"
                assert_eq "$(head -n 1 <<<"$real")" "$(head -n 1 <<<"$standin")" "init phase $line"
                echo "init phase $line: $(head -n 1 <<<"$real")"
        done
}
check "init phases: the stand-in refuses what kubeadm refuses, in its words" check_phase_refusals

# ---------------------------------------------------------------- the sandbox

# sandbox HOST NAME CMD...: CMD in HOST's network namespace, with hostname HOST and a private mount
# namespace where /etc and /var/lib are overlays whose upper layers are $WORK/sb/NAME/{etc,varlib}: files
# put there before (/etc/hosts with the lab's names, a kubeconfig) are what kubeadm finds, and whatever it
# writes stays there. PATH: only $WORK/sb/NAME/bin (kubelet and SANDBOX_TOOLS); nothing else from our
# environment (no proxy variables, no KUBECONFIG).
sandbox() {
        local h=$1 sb=$WORK/sb/$2
        shift 2
        ip netns exec "$(lab_ns "$h")" unshare -m -u --propagation private /bin/bash -c '
                set -e
                sb=$1 h=$2
                shift 2
                mount -t overlay overlay -o "lowerdir=/etc,upperdir=$sb/etc,workdir=$sb/etc.work" /etc
                mount -t overlay overlay -o "lowerdir=/var/lib,upperdir=$sb/varlib,workdir=$sb/varlib.work" /var/lib
                hostname "$h"
                cmd=$(command -v "$1")
                shift
                exec /usr/bin/env -i HOME=/root PATH="$sb/bin" "$cmd" "$@"' sandbox "$sb" "$h" "$@"
}

# sandbox_new NAME: a fresh upper layer: /etc/hosts with the lab's names; kubelet and the tools on PATH.
sandbox_new() {
        local sb=$WORK/sb/$1 h
        rm -rf "$sb"
        mkdir -p "$sb/etc" "$sb/etc.work" "$sb/varlib" "$sb/varlib.work" "$sb/bin"
        { cat /etc/hosts; for h in "${LAB_HOSTS[@]}"; do echo "${LAB_ADDR[$h]} $h"; done; } >"$sb/etc/hosts"
        [ ! -x "$KUBELET" ] || ln -s "$KUBELET" "$sb/bin/kubelet"
        for t in "${SANDBOX_TOOLS[@]}"; do
                t=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v "$t") && ln -s "$t" "$sb/bin/"
        done
}

# preflight_lines OUT: the preflight warnings and errors kubeadm printed, one "[WARNING X]: ..." a line.
preflight_lines() { grep -E '^\s*\[(WARNING|ERROR) [A-Za-z0-9-]+\]: ' "$1" | sed 's/^\s*//' || true; }

# klog_warnings OUT: kubeadm's own klog warnings and errors (e.g. about configuration fields).
# (Not anchored: a klog line can land in the middle of a stdout line when both go to one file.)
klog_warnings() { grep -oE '[WE][0-9]{4} [0-9:.]+ +[0-9]+ [a-z_]+\.go:[0-9]+\] .*' "$1" || true; }

# expect_sandbox_preflight OUT: the preflight warnings are exactly the sandbox's (EXPECTED_WARNINGS, the
# NO_RUNTIME line); no preflight error and no klog warning (kubeadm's words about the configuration).
expect_sandbox_preflight() {
        local got want bad
        got=$(preflight_lines "$1" | sort -u)
        want=$(printf '%s\n' "${EXPECTED_WARNINGS[@]}" | sort -u)
        [ "$got" = "$want" ] || fail "preflight said:"$'\n'"$got"$'\n'"expected exactly:"$'\n'"$want"
        grep -qxF -- "$NO_RUNTIME" "$1" || fail "no line: $NO_RUNTIME"
        bad=$(grep -E '^\[preflight\] WARNING' "$1" | grep -vxF -- "$NO_RUNTIME" || true)
        [ -z "$bad" ] || fail "preflight warned: $bad"
        bad=$(klog_warnings "$1")
        [ -z "$bad" ] || fail "kubeadm warned:"$'\n'"$bad"
}

# ---------------------------------------------------------------- rendering with the stand-in

# capture_bin BIN: the lab host's kubeadm and kubectl become wrappers that keep each command line in
# BIN/argv/NNN (NUL-separated) and run the stand-in from BIN/standin/, where its files now live.
capture_bin() {
        local bin=$1 n f
        mkdir -p "$bin/standin" "$bin/argv"
        for f in kubeadm.root kubeadm.cluster kubeadm.ca-ecdsa; do
                [ ! -e "$bin/$f" ] || mv "$bin/$f" "$bin/standin/$f"
        done
        for n in kubeadm kubectl; do
                rm -f "$bin/$n"
                ln -s "$TOP/tests/stand-ins/kubeadm" "$bin/standin/$n"
                cat >"$bin/$n" <<EOF
#!/bin/bash
shopt -s nullglob
calls=("$bin/argv/"*)
printf '%s\0' $n "\$@" >"$bin/argv/\$(printf %03d \$((\${#calls[@]} + 1)))"
exec "$bin/standin/$n" "\$@"
EOF
                chmod 755 "$bin/$n"
        done
}

# argv_of BIN WORD...: the recorded command lines that start with WORD... (file names, in order).
argv_of() {
        local bin=$1 f
        shift
        for f in "$bin"/argv/*; do
                "$PY" -c 'import sys
a = open(sys.argv[1], "rb").read().split(b"\0")[:-1]
w = [x.encode() for x in sys.argv[2:]]
sys.exit(a[:len(w)] != w)' "$f" "$@" && echo "$f"
        done
}

# lab_sysctls: net.ipv4.ip_forward=1 in each lab host's network namespace (0 in a new one), as the agent's
# host stage sets it on the lab's machines. bridge-nf-call-ip(6)tables are left as they are: where the
# kernel does not keep them per namespace, writing them would change this machine (kubeadm's preflight
# says so if they are not 1).
lab_sysctls() {
        local h
        for h in "${LAB_HOSTS[@]}"; do
                ip netns exec "$(lab_ns "$h")" sysctl -qw net.ipv4.ip_forward=1
        done
}

render_stop() {
        local p
        for p in "${LAB_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
}

# render SEED CA: the lab for seed set SEED with the stand-in's CA of type CA (rsa, ecdsa), under $WORK
# (the run's directory); sets CP, the host that ran kubeadm init. Runs in a subshell: what it started
# (the store, the port listener) is stopped when it ends, however it ends.
render() {
        local seed=$1 ca=$2 h key tokfile
        set -e
        trap render_stop EXIT
        key=$(sed -n 's/^  cluster_key: *//p' "$seed/$(ls "$seed" | head -n 1)/user-data")
        lab_net_up
        lab_sysctls
        lab_server "$WORK/server" "$key" "$seed"
        for h in "${SEED_HOSTS[@]}"; do
                lab_host "$h" "$seed/$h"
                [ "$ca" = rsa ] || touch "$WORK/$h/bin/kubeadm.ca-ecdsa"
                capture_bin "$WORK/$h/bin"
        done
        lab_apiserver
        LISTENER=${LAB_PIDS[-1]}
        local -A pid
        for h in "${SEED_HOSTS[@]}"; do lab_agent "$h" run; pid[$h]=$LAB_AGENT_PID; done
        for h in "${SEED_HOSTS[@]}"; do
                wait "${pid[$h]}" || { tail -n 30 "$WORK/$h/console.log"; fail "$h: the agent failed with the stand-in"; }
        done
        CP=
        for h in "${SEED_HOSTS[@]}"; do
                [ -z "$(argv_of "$WORK/$h/bin" kubeadm init)" ] || CP=$h
        done
        [ -n "$CP" ] || fail "no host of $seed ran kubeadm init"
        # refresh-token: a token with an hour left (under a third of its 24 h) is renewed with kubeadm token create.
        tokfile=$(ls "$WORK/$CP"/root/var/lib/kube-firstboot/*/token)
        echo "$(cut -d' ' -f1 "$tokfile") $(($(date +%s) + 3600))" >"$tokfile"
        lab_agent "$CP" refresh-token
        wait "$LAB_AGENT_PID" || { tail -n 20 "$WORK/$CP/console.log"; fail "$CP: refresh-token failed"; }
        kill "$LISTENER" 2>/dev/null
        wait "$LISTENER" 2>/dev/null
}

# ---------------------------------------------------------------- replaying against the real kubeadm

# seed_value FIELD: a kubernetes.FIELD (or kube_firstboot.FIELD) of the seed set's control plane.
seed_value() {
        "$PY" -c 'import sys, yaml
k = yaml.safe_load(open(sys.argv[1]))["kube_firstboot"]
print(k.get("kubernetes", {}).get(sys.argv[2], k.get(sys.argv[2], "")))' "$SEED/$CP/user-data" "$1"
}
host_addr() {
        "$PY" -c 'import sys, yaml
k = yaml.safe_load(open(sys.argv[1]))["kube_firstboot"]
print([h["address"] for h in k["hosts"] if h["name"] == sys.argv[2]][0])' "$SEED/$CP/user-data" "$1"
}

# replayed ARGV_FILE OPTION VALUE...: the recorded command line, each OPTION's value replaced by VALUE
# (paths under a lab host's --root become the sandbox's), one argument a line for mapfile.
replayed() {
        "$PY" -c 'import sys
a = open(sys.argv[1], "rb").read().decode().split("\0")[:-1][1:]
subst = dict(zip(sys.argv[2::2], sys.argv[3::2]))
for i in range(1, len(a)):
    if a[i - 1] in subst:
        a[i] = subst[a[i - 1]]
print("\n".join(a))' "$@"
}

yaml_get() { # FILE EXPR (python over the list of YAML documents "d")
        "$PY" -c 'import sys, yaml
d = [x for x in yaml.safe_load_all(open(sys.argv[1])) if x]
print(eval(sys.argv[2]))' "$1" "$2"
}

# The objects a dry-run init printed ("[dryrun] Would perform action CREATE on resource "configmaps" ...",
# then "[dryrun] Attached object:" and the object's YAML, each line tab-indented) as OBJECTS.json for
# fake-apiserver.py. cluster-info's kubeconfig is the one init would publish with the lab's CA (the one
# the agent pinned) in place of the dry run's own, signed for TOKEN.
dryrun_objects() { # INIT_OUT TOKEN CA_CRT OBJECTS_JSON
        "$PY" - "$@" "$FAKE_API" <<'PY'
import base64, json, re, subprocess, sys, yaml
out, token, ca, dest, fake = sys.argv[1:6]
text = open(out).read()
objects = {}
for m in re.finditer(r'\[dryrun\] Would perform action (\w+) on resource "(\w+)" in API group "([^"]*)"\n'
                     r'\[dryrun\] Attached object:\n((?:\t.*\n)+)', text):
        action, resource, group, body = m.groups()
        if resource != "configmaps" or action not in ("CREATE", "UPDATE"):
                continue
        obj = yaml.safe_load("\n".join(l[1:] for l in body.splitlines()))
        objects["%s/%s" % (obj["metadata"]["namespace"], obj["metadata"]["name"])] = obj
info = objects.get("kube-public/cluster-info")
if info is None:
        sys.exit("the dry-run init printed no kube-public/cluster-info ConfigMap")
kc = yaml.safe_load(info["data"]["kubeconfig"])
if len(kc["clusters"]) != 1 or "certificate-authority-data" not in kc["clusters"][0]["cluster"]:
        sys.exit("cluster-info's kubeconfig is not one cluster with its CA: %s" % kc)
kc["clusters"][0]["cluster"]["certificate-authority-data"] = base64.b64encode(open(ca, "rb").read()).decode()
kubeconfig = yaml.safe_dump(kc, default_flow_style=False)
info["data"]["kubeconfig"] = kubeconfig
open(dest + ".kubeconfig", "w").write(kubeconfig)
sig = subprocess.run([fake, "sign", token, dest + ".kubeconfig"], stdout=subprocess.PIPE, check=True).stdout.decode().strip()
info["data"]["jws-kubeconfig-" + token.split(".")[0]] = sig
json.dump({"configmaps": objects}, open(dest, "w"), indent=1)
print(" ".join(sorted(objects)))
PY
}

FAKE_PID=
# fake_start CA_DIR OBJECTS LOG: the fake API server on the control plane's address:port, its certificate
# (SAN: that address) signed with CA_DIR's key by openssl.
fake_start() {
        local ca=$1 objects=$2 log=$3 d=$WORK/fake addr port
        addr=$(host_addr "$CP")
        port=${CONTROL_PLANE##*:}
        mkdir -p "$d"
        openssl req -new -newkey rsa:2048 -nodes -keyout "$d/apiserver.key" -subj /CN=kube-apiserver \
                -out "$d/apiserver.csr" 2>/dev/null || fail "openssl req"
        printf 'subjectAltName=IP:%s,DNS:kubernetes,DNS:%s\nextendedKeyUsage=serverAuth\n' "$addr" "$CP" >"$d/ext"
        openssl x509 -req -in "$d/apiserver.csr" -CA "$ca/ca.crt" -CAkey "$ca/ca.key" -CAcreateserial -days 2 \
                -extfile "$d/ext" -out "$d/apiserver.crt" 2>/dev/null || fail "openssl x509 -req"
        rm -f "$d/ready"
        ip netns exec "$(lab_ns "$CP")" "$PY" "$FAKE_API" --listen "$addr:$port" --cert "$d/apiserver.crt" \
                --key "$d/apiserver.key" --objects "$objects" --log "$log" --ready "$d/ready" 2>"$d/stderr" &
        FAKE_PID=$!
        for _ in $(seq 1200); do [ -e "$d/ready" ] && return 0; kill -0 $FAKE_PID 2>/dev/null || break; sleep 0.05; done
        fail "the fake API server did not start: $(cat "$d/stderr")"
}
fake_stop() {
        [ -n "$FAKE_PID" ] || return 0
        kill "$FAKE_PID" 2>/dev/null || true
        wait "$FAKE_PID" 2>/dev/null || true
        FAKE_PID=
}

# --- the checks of one lab run (globals: RUN, SEED, CP, WORKERS, TOKEN, PIN, CONTROL_PLANE, ...)

check_pin_published() {
        local cfg pins
        [ -n "$PIN" ] || fail "no caCertHashes in the workers' join configurations"
        pins=$("$PIN_TOOL" "$WORK/$CP/root/etc/kubernetes/pki/ca.crt") || fail "kubeadm-pin failed"
        assert_eq "$pins" "$PIN" "agent's pin of the lab's CA vs the join configurations' caCertHashes"
        for h in "${WORKERS[@]}"; do
                cfg=$(ls "$WORK/$h"/bin/standin/kubeadm-configs/*-join.yaml | tail -n 1)
                grep -qF -- "- \"$PIN\"" "$cfg" || fail "$h: join configuration lacks $PIN"
        done
        openssl x509 -in "$WORK/$CP/root/etc/kubernetes/pki/ca.crt" -noout -text | grep -q "Public Key Algorithm: $CA_ALGO" ||
                fail "the lab's CA is not $CA_ALGO"
}

check_images_list() {
        local out=$WORK/images.out real standin repo version
        sandbox_new "images-$RUN"
        sandbox "$CP" "images-$RUN" "$KUBEADM" config images list --config "$INIT_CFG" >"$out" 2>&1 ||
                fail "kubeadm config images list --config: exit $?: $(cat "$out")"
        [ -z "$(klog_warnings "$out")" ] || fail "kubeadm warned: $(klog_warnings "$out")"
        real=$(cat "$out")
        repo=$(seed_value image_repository)
        version=$(seed_value version)
        assert_contains "$real" "$repo/kube-apiserver:$version" "images list"
        assert_contains "$real" "$repo/kube-proxy:$version" "images list"
        assert_eq 7 "$(echo "$real" | wc -l)" "number of images"
        [ -z "$(echo "$real" | grep -v "^$repo/")" ] || fail "an image outside $repo: $real"
        standin=$("$WORK/$CP/bin/standin/kubeadm" config images list --config "$INIT_CFG" 2>&1) ||
                fail "the stand-in's images list failed: $standin"
        assert_eq "$real" "$standin" "the stand-in's image list vs the real one"
        echo "$real"
}

# The absence of kubeadm's warnings above means something: a field kubeadm does not know is warned about,
# and the warning is found.
check_unknown_field_warned() {
        local cfg=$WORK/unknown-field.yaml out=$WORK/unknown-field.out
        sed 's/^kind: ClusterConfiguration$/kind: ClusterConfiguration\nnoSuchField: 1/' "$INIT_CFG" >"$cfg"
        grep -q '^noSuchField: 1$' "$cfg" || fail "no ClusterConfiguration in $INIT_CFG"
        sandbox_new "unknown-$RUN"
        sandbox "$CP" "unknown-$RUN" "$KUBEADM" config images list --config "$cfg" >"$out" 2>&1 || fail "exit $?: $(cat "$out")"
        klog_warnings "$out" | grep -F 'json: unknown field "noSuchField"' || fail "no warning found in: $(cat "$out")"
}

check_init_dry_run() {
        local sb=init-$RUN out=$WORK/init.out dir=$WORK/sb/init-$RUN/dryrun args
        # Not with the lab's CA in /etc/kubernetes/pki: kubeadm 1.23.0's dry run then fails in certs/apiserver
        # ("couldn't load CA certificate ca: couldn't load ca certificate authority from <dry-run dir>";
        # kubernetes/kubeadm#2512, fixed by kubernetes/kubernetes#108410). It makes its own CA instead.
        sandbox_new "$sb"
        mkdir -p "$dir"
        mapfile -t args < <(replayed "$INIT_ARGV" --config "$INIT_CFG")
        assert_eq "init --config $INIT_CFG" "${args[*]}" "the agent's kubeadm init command line"
        sandbox "$CP" "$sb" env KUBEADM_INIT_DRYRUN_DIR="$dir" "$KUBEADM" "${args[@]}" --dry-run \
                --ignore-preflight-errors="$IGNORED" >"$out" 2>&1 || fail "kubeadm init --dry-run: exit $?: $(tail -n 20 "$out")"
        expect_sandbox_preflight "$out"
        grep -qF "kubeadm join $CONTROL_PLANE --token $TOKEN" "$out" || fail "no join command with the agent's token"
        local printed kdir flags
        kdir=$(ls -d "$dir"/tmp/kubeadm-init-dryrun* | head -n 1)
        printed=$(grep -o -- '--discovery-token-ca-cert-hash sha256:[0-9a-f]*' "$out" | sort -u | cut -d' ' -f2 || true)
        assert_eq "$("$PIN_TOOL" "$kdir/ca.crt")" "$printed" "the CA hash kubeadm init prints vs the agent's pin of that CA"
        # What the configuration does: kubelet settings and the control plane's flags.
        grep -q '^cgroupDriver: systemd$' "$kdir/config.yaml" || fail "kubelet config.yaml: no cgroupDriver: systemd"
        flags=$(cat "$kdir/kubeadm-flags.env")
        assert_contains "$flags" "--node-ip=$(host_addr "$CP")" "kubeadm-flags.env"
        assert_contains "$flags" "--pod-infra-container-image=$(seed_value image_repository)/pause:3.6" "kubeadm-flags.env"
        assert_contains "$flags" "--network-plugin=cni" "kubeadm-flags.env"
        assert_contains "$(cat "$kdir/kube-apiserver.yaml")" "--advertise-address=$(host_addr "$CP")" "kube-apiserver.yaml"
        assert_contains "$(cat "$kdir/kube-apiserver.yaml")" "--service-cluster-ip-range=$(seed_value service_cidr)" "kube-apiserver.yaml"
        assert_contains "$(cat "$kdir/kube-apiserver.yaml")" "image: $(seed_value image_repository)/kube-apiserver:$(seed_value version)" "kube-apiserver.yaml"
        assert_contains "$(cat "$kdir/kube-controller-manager.yaml")" "--cluster-cidr=$(seed_value pod_cidr)" "kube-controller-manager.yaml"
        if [ "$(seed_value cni)" = host-gw ]; then
                # the seed's /24 per node, not the controller manager's: its own argument replaced, once
                assert_eq 1 "$(grep -c -- '--allocate-node-cidrs=' "$kdir/kube-controller-manager.yaml")" "allocate-node-cidrs arguments"
                assert_contains "$(cat "$kdir/kube-controller-manager.yaml")" "--allocate-node-cidrs=false" "kube-controller-manager.yaml"
                assert_contains "$flags" "--cni-bin-dir=/usr/lib/cni" "kubeadm-flags.env"
        else
                assert_contains "$(cat "$kdir/kube-controller-manager.yaml")" "--allocate-node-cidrs=true" "kube-controller-manager.yaml"
        fi
        # A slow host's settings, as kubeadm took them (with neither, it adds its own leader-elect=true).
        if [ "$(seed_value leader_election)" = off ]; then
                for c in kube-controller-manager kube-scheduler; do
                        assert_contains "$(cat "$kdir/$c.yaml")" "- --leader-elect=false" "$c.yaml"
                done
        else
                for c in kube-controller-manager kube-scheduler; do
                        assert_contains "$(cat "$kdir/$c.yaml")" "- --leader-elect=true" "$c.yaml"
                done
        fi
        # The bootstrap token init would create: the agent's, with its TTL, usages and group.
        grep -q "name: bootstrap-token-${TOKEN%%.*}\$" "$out" || fail "init would not create the agent's bootstrap token"
        dryrun_objects "$out" "$TOKEN" "$WORK/$CP/root/etc/kubernetes/pki/ca.crt" "$WORK/objects.json" >"$WORK/objects.list" || fail "objects: $(cat "$WORK/objects.list")"
        for o in kube-system/kubeadm-config kube-system/kubelet-config-1.23 kube-system/kube-proxy kube-public/cluster-info; do
                grep -qw "$o" "$WORK/objects.list" || fail "the dry-run init printed no $o"
        done
        # The wait for the control plane, as kubeadm read it: the ClusterConfiguration in the kubeadm-config
        # ConfigMap init would write (kubeadm's own default there is 4m0s; the seeds here give minutes only).
        local timeout
        timeout=$(seed_value control_plane_timeout)
        "$PY" -c 'import json, sys, yaml
cm = json.load(open(sys.argv[1]))["configmaps"]["kube-system/kubeadm-config"]
got = yaml.safe_load(cm["data"]["ClusterConfiguration"]).get("apiServer", {}).get("timeoutForControlPlane")
sys.exit(None if got == sys.argv[2] else "timeoutForControlPlane: %s, not %s" % (got, sys.argv[2]))' \
                "$WORK/objects.json" "${timeout:-4m}0s" 2>&1 || fail "kubeadm-config ConfigMap: wrong wait for the control plane"
        preflight_lines "$out"
}

check_token_create() {
        local sb=token-$RUN out=$WORK/token.out args log=$WORK/fake-token.log
        sandbox_new "$sb"
        install -D -m 0600 "$WORK/$CP/root/etc/kubernetes/admin.conf" "$WORK/sb/$sb/etc/kubernetes/admin.conf"
        mapfile -t args < <(replayed "$TOKEN_ARGV" --kubeconfig /etc/kubernetes/admin.conf)
        local new
        # kubeadm draws the token and prints it: none on the agent's command line (/proc/PID/cmdline)
        [[ ! "${args[*]}" =~ [a-z0-9]{6}\.[a-z0-9]{16} ]] || fail "the agent's token create has a token argument: ${args[*]}"
        : >"$log"
        fake_start "$WORK/$CP/root/etc/kubernetes/pki" "$WORK/objects.json" "$log"
        local rc
        sandbox "$CP" "$sb" "$KUBEADM" "${args[@]}" >"$out" 2>&1 && rc=0 || rc=$?
        fake_stop
        [ $rc = 0 ] || fail "kubeadm ${args[*]}: exit $rc: $(cat "$out")"
        [ -z "$(klog_warnings "$out")" ] || fail "kubeadm warned: $(klog_warnings "$out")"
        new=$(cat "$out")
        [[ "$new" =~ ^[a-z0-9]{6}\.[a-z0-9]{16}$ ]] || fail "token create's output is not just a token: $new"
        "$PY" - "$log" "$new" "$TOKEN_TTL_S" <<'PY' || fail "the bootstrap-token Secret kubeadm wrote"
import base64, datetime, json, sys
log, token, ttl = sys.argv[1], sys.argv[2], int(sys.argv[3])
tid, secret = token.split(".")
reqs = [json.loads(l) for l in open(log)]
posts = [r for r in reqs if r["method"] == "POST" and r["path"].split("?")[0] == "/api/v1/namespaces/kube-system/secrets"]
assert len(posts) == 1, "expected one Secret created, got requests %s" % [(r["method"], r["path"]) for r in reqs]
s = json.loads(posts[0]["body"])
d = {k: base64.b64decode(v).decode() for k, v in s["data"].items()}
assert s["metadata"]["name"] == "bootstrap-token-" + tid, s["metadata"]
assert s["type"] == "bootstrap.kubernetes.io/token", s["type"]
want = {"token-id": tid, "token-secret": secret, "usage-bootstrap-authentication": "true",
        "usage-bootstrap-signing": "true", "description": "kube-firstboot join token",
        "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token"}
for k, v in want.items():
        assert d.get(k) == v, "%s: %r, want %r" % (k, d.get(k), v)
exp = datetime.datetime.strptime(d["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
left = exp.timestamp() - datetime.datetime.now(datetime.timezone.utc).timestamp()
assert ttl - 600 < left <= ttl, "expiration %s is %d s away, want about %d" % (d["expiration"], left, ttl)
print("Secret bootstrap-token-%s: %s" % (tid, ", ".join("%s=%s" % (k, d[k]) for k in sorted(d) if k != "token-secret")))
PY
}

check_print_join_command() {
        local sb=printjoin-$RUN out=$WORK/printjoin.out args log=$WORK/fake-printjoin.log fresh
        sandbox_new "$sb"
        install -D -m 0600 "$WORK/$CP/root/etc/kubernetes/admin.conf" "$WORK/sb/$sb/etc/kubernetes/admin.conf"
        mapfile -t args < <(replayed "$TOKEN_ARGV" --kubeconfig /etc/kubernetes/admin.conf)
        : >"$log"
        fake_start "$WORK/$CP/root/etc/kubernetes/pki" "$WORK/objects.json" "$log"
        local rc
        sandbox "$CP" "$sb" "$KUBEADM" "${args[@]}" --print-join-command >"$out" 2>&1 && rc=0 || rc=$?
        fake_stop
        [ $rc = 0 ] || fail "kubeadm ${args[*]} --print-join-command: exit $rc: $(cat "$out")"
        local line
        line=$(grep '^kubeadm join ' "$out" || true)
        # the token kubeadm drew for this call
        fresh=$(sed -n 's/^kubeadm join .* --token \([a-z0-9]\{6\}\.[a-z0-9]\{16\}\) .*/\1/p' "$out")
        [ -n "$fresh" ] || fail "kubeadm token create --print-join-command printed no token: $line"
        assert_eq "kubeadm join $CONTROL_PLANE --token $fresh --discovery-token-ca-cert-hash $PIN " "$line" \
                "the join command (CA hash) kubeadm token create prints vs the agent's pin"
        echo "$line"
}

# join_dry_run HOST NAME CONFIG OUT: kubeadm join --config CONFIG --dry-run on HOST against the fake API
# server (the request log in OUT.api); its exit status.
join_dry_run() {
        local h=$1 sb=$2 cfg=$3 out=$4
        sandbox_new "$sb"
        : >"$out.api"
        fake_start "$WORK/$CP/root/etc/kubernetes/pki" "$WORK/objects.json" "$out.api"
        local rc
        sandbox "$h" "$sb" "$KUBEADM" join --config "$cfg" --dry-run --ignore-preflight-errors="$IGNORED" >"$out" 2>&1 &&
                rc=0 || rc=$?
        fake_stop
        return $rc
}

check_join() {
        local h=$1 out=$WORK/join-$1.out cfg argv args kdir
        cfg=$(ls "$WORK/$h"/bin/standin/kubeadm-configs/*-join.yaml | tail -n 1)
        argv=$(argv_of "$WORK/$h/bin" kubeadm join | tail -n 1)
        mapfile -t args < <(replayed "$argv" --config "$cfg")
        assert_eq "join --config $cfg" "${args[*]}" "the agent's kubeadm join command line"
        join_dry_run "$h" "join-$RUN-$h" "$cfg" "$out" || fail "kubeadm join --dry-run: exit $?: $(tail -n 30 "$out")"
        expect_sandbox_preflight "$out"
        for want in '[preflight] Reading configuration from the cluster...' '[dryrun] Would stop the kubelet' \
                '[dryrun] Would start the kubelet'; do
                grep -qF -- "$want" "$out" || fail "join printed no: $want"
        done
        # Discovery: cluster-info twice without credentials (insecure, then over TLS verified against the pinned
        # CA), then the kubeadm configuration with the bootstrap token as the bearer.
        "$PY" - "$out.api" "$TOKEN" <<'PY' || fail "the requests kubeadm join made: $(cat "$out.api")"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
info = [r for r in reqs if r["path"].startswith("/api/v1/namespaces/kube-public/configmaps/cluster-info")]
assert len(info) == 2 and all(r["auth"] == "" for r in info), "cluster-info requests: %s" % info
rest = [r for r in reqs if r not in info]
assert rest and all(r["auth"] == "Bearer" and r["credential"] == sys.argv[2] for r in rest), \
        "requests after discovery not with the bootstrap token: %s" % [(r["path"], r["auth"]) for r in rest]
paths = [r["path"].split("?")[0] for r in rest]
for want in ("/api/v1/namespaces/kube-system/configmaps/kubeadm-config",
             "/api/v1/namespaces/kube-system/configmaps/kubelet-config-1.23"):
        assert want in paths, "%s not requested: %s" % (want, paths)
print("requests:", " ".join("%s %s %d" % (r["method"], r["path"].split("?")[0], r["code"]) for r in reqs))
PY
        kdir=$(ls -d "$WORK/sb/join-$RUN-$h"/etc/kubernetes/tmp/kubeadm-join-dryrun* | head -n 1)
        assert_contains "$(cat "$kdir/kubeadm-flags.env")" "--node-ip=$(host_addr "$h")" "$h: kubeadm-flags.env"
        grep -q '^cgroupDriver: systemd$' "$kdir/config.yaml" || fail "$h: kubelet config.yaml without cgroupDriver: systemd"
        preflight_lines "$out"
}

check_join_wrong_pin() {
        local h=${WORKERS[0]} cfg bad=$WORK/join-wrong-pin.yaml out=$WORK/join-wrong-pin.out wrong
        cfg=$(ls "$WORK/$h"/bin/standin/kubeadm-configs/*-join.yaml | tail -n 1)
        wrong=$(printf '%s' "${PIN#sha256:}" | tr '0-9a-f' '1-9a-f0')
        sed "s/${PIN#sha256:}/$wrong/" "$cfg" >"$bad"
        if join_dry_run "$h" "join-wrong-pin-$RUN" "$bad" "$out"; then fail "kubeadm join accepted a CA that is not pinned"; fi
        grep -F "none of the public keys \"$PIN\" are pinned" "$out" ||
                fail "not refused for the pin: $(tail -n 5 "$out")"
}

check_join_wrong_jws() {
        local h=${WORKERS[0]} cfg bad=$WORK/join-wrong-jws.yaml out=$WORK/join-wrong-jws.out other
        cfg=$(ls "$WORK/$h"/bin/standin/kubeadm-configs/*-join.yaml | tail -n 1)
        other=${TOKEN%%.*}.$(printf '%s' "${TOKEN#*.}" | rev)
        sed "s/$TOKEN/$other/" "$cfg" >"$bad"
        if join_dry_run "$h" "join-wrong-jws-$RUN" "$bad" "$out"; then fail "kubeadm join trusted a cluster-info signed for another secret"; fi
        grep -F "failed to verify JWS signature of received cluster info object, can't trust this API Server" "$out" ||
                fail "not refused for the signature: $(tail -n 5 "$out")"
}

# lab_routes SEED: each host's default route, via the gateway its seed's network-config names (as on the
# lab's machines; kubeadm looks for one to choose a bind address). The lab network has no way out: the
# gateway is the endpoint's namespace, which routes nowhere.
lab_routes() {
        local seed=$1 h gw
        for h in "${SEED_HOSTS[@]}"; do
                gw=$(sed -n 's/^ *gateway4\{0,1\}: *\([0-9.]*\)$/\1/p' "$seed/$h/network-config" | head -n 1)
                [ -z "$gw" ] || ip -n "$(lab_ns "$h")" route replace default via "$gw"
        done
}

# run_lab SEED CA: render with the stand-in, then every replay check.
run_lab() {
        local seed=$1 ca=$2 base
        SEED=$seed
        RUN=$(basename "$seed")-$ca
        base=$ROOT_WORK/$RUN
        mkdir -p "$base"
        WORK=$base
        LAB_ID=$$$ca
        mapfile -t SEED_HOSTS < <(ls "$seed")
        for h in "${SEED_HOSTS[@]}"; do
                [ -n "${LAB_ADDR[$h]:-}" ] || { check "$RUN: seed host $h is in the namespace lab" false; return; }
        done
        CA_ALGO=$([ "$ca" = rsa ] && echo rsaEncryption || echo id-ecPublicKey)
        cleanup_hooks+=("LAB_ID=$LAB_ID lab_net_down")
        if ! (render "$seed" "$ca"; echo "$CP" >"$WORK/cp") >"$WORK/render.log" 2>&1; then
                check "$RUN: the agent renders with the stand-in" fail "$(tail -n 30 "$WORK/render.log")"
                LAB_ID=$LAB_ID lab_net_down
                return
        fi
        check "$RUN: the agent renders with the stand-in" true
        lab_routes "$seed"
        CP=$(cat "$WORK/cp")
        WORKERS=()
        for h in "${SEED_HOSTS[@]}"; do
                [ "$h" = "$CP" ] || WORKERS+=("$h")
        done
        INIT_CFG=$(ls "$WORK/$CP"/bin/standin/kubeadm-configs/*-init.yaml | tail -n 1)
        INIT_ARGV=$(argv_of "$WORK/$CP/bin" kubeadm init | tail -n 1)
        TOKEN_ARGV=$(argv_of "$WORK/$CP/bin" kubeadm token create | tail -n 1)
        TOKEN=$(yaml_get "$INIT_CFG" 'd[0]["bootstrapTokens"][0]["token"]')
        CONTROL_PLANE=$(seed_value control_plane)
        TOKEN_TTL_S=$(seed_value token_ttl | sed 's/h$/*3600/; s/m$/*60/' | bc)
        PIN=$(sed -n 's/^    - "\(sha256:[0-9a-f]*\)"$/\1/p' "$(ls "$WORK/${WORKERS[0]}"/bin/standin/kubeadm-configs/*-join.yaml | tail -n 1)")

        check "$RUN: the agent's pin of the lab's $ca CA is the one its workers join with" check_pin_published
        check "$RUN: kubeadm config images list --config (control plane $CP)" check_images_list
        check "$RUN: kubeadm warns about an unknown field, and the checks see it" check_unknown_field_warned
        check "$RUN: kubeadm init --dry-run --config (control plane $CP)" check_init_dry_run
        if [ -s "$WORK/objects.json" ]; then
                check "$RUN: kubeadm token create as the agent runs it" check_token_create
                check "$RUN: kubeadm token create --print-join-command: CA hash" check_print_join_command
                for h in "${WORKERS[@]}"; do
                        check "$RUN: kubeadm join --dry-run --config (worker $h)" check_join "$h"
                done
                check "$RUN: kubeadm join refuses a wrong CA pin" check_join_wrong_pin
                check "$RUN: kubeadm join refuses cluster-info signed for another token" check_join_wrong_jws
        else
                check "$RUN: token and join checks (need the dry-run init's objects)" fail "the init dry-run check failed"
        fi
        LAB_ID=$LAB_ID lab_net_down
        WORK=$ROOT_WORK
}

# ---------------------------------------------------------------- preflight's words, kubeadm's own CAs

# init_preflight_only NAME KUBELET_STUB [WRAPPER...]: kubeadm init --dry-run of the first lab run's
# configuration with only the sandbox's ignored checks ignored; KUBELET_STUB: "real", "none" or a version
# the stub prints as `kubelet --version` does. Prints kubeadm's output; its exit status.
init_preflight_only() {
        local sb=$1 stub=$2 out=$WORK/$1.out
        shift 2
        sandbox_new "$sb"
        case $stub in
        real) ;;
        none) rm -f "$WORK/sb/$sb/bin/kubelet" ;;
        *) rm -f "$WORK/sb/$sb/bin/kubelet"
           printf '#!/bin/sh\necho "Kubernetes %s"\n' "$stub" >"$WORK/sb/$sb/bin/kubelet"
           chmod 755 "$WORK/sb/$sb/bin/kubelet" ;;
        esac
        LAB_ID=$FIRST_LAB_ID sandbox "$FIRST_CP" "$sb" "$@" "$KUBEADM" init --config "$FIRST_INIT" --dry-run \
                --ignore-preflight-errors="$IGNORED" >"$out" 2>&1 && rc=0 || rc=$?
        cat "$out"
        return $rc
}

# expect_preflight_error NAME STUB LINE [WRAPPER...]: init fails in preflight with exactly LINE among its errors.
expect_preflight_error() {
        local name=$1 stub=$2 line=$3 out
        shift 3
        out=$(init_preflight_only "$name" "$stub" "$@") && fail "kubeadm init passed preflight: $out"
        assert_contains "$out" "error execution phase preflight: [preflight] Some fatal errors occurred:" "preflight"
        printf '%s\n' "$out" | grep -qxF -- "$(printf '\t%s' "$line")" || fail "no line [$line] in: $out"
        assert_contains "$out" "[preflight] If you know what you are doing, you can make a check non-fatal with \`--ignore-preflight-errors=...\`" "preflight"
        printf '%s\n' "$out" | grep -E '^\s*\[ERROR |^error execution|^\[preflight\] If'
}

check_numcpu() {
        expect_preflight_error numcpu real "[ERROR NumCPU]: the number of available CPUs 1 is less than the required 2" \
                taskset -c 0
}
check_kubelet_newer() {
        expect_preflight_error kubelet-newer v1.24.0 "[ERROR KubeletVersion]: the kubelet version is higher than the control plane version. This is not a supported version skew and may lead to a malfunctional cluster. Kubelet version: \"1.24.0\" Control plane version: \"$(seed_value_first version | sed 's/^v//')\""
}
check_kubelet_older() {
        expect_preflight_error kubelet-older v1.21.14 '[ERROR KubeletVersion]: Kubelet version "1.21.14" is lower than kubeadm can support. Please upgrade kubelet'
}
check_kubelet_missing() {
        expect_preflight_error kubelet-missing none "[ERROR KubeletVersion]: couldn't get kubelet version: cannot execute 'kubelet --version': executable file not found in \$PATH"
}
check_kubelet_real() {
        local out
        out=$(init_preflight_only kubelet-real real) || fail "kubeadm init --dry-run failed: $out"
        if printf '%s\n' "$out" | grep -E '\[(WARNING|ERROR) (KubeletVersion|NumCPU|Mem)\]'; then
                fail "NumCPU, Mem or KubeletVersion complained with the real kubelet"
        fi
        echo "kubelet $("$KUBELET" --version), $(nproc) CPUs, $(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MB: no NumCPU, Mem or KubeletVersion complaint"
}
seed_value_first() { SEED=$FIRST_SEED CP=$FIRST_CP seed_value "$1"; }

# check_kubeadm_ca ALGO: a CA that kubeadm itself makes (init --dry-run without a CA; ECDSA with the
# PublicKeysECDSA feature gate): the agent's pin of it is the hash kubeadm prints.
check_kubeadm_ca() {
        local algo=$1 sb=kubeadm-ca-$1 cfg=$WORK/kubeadm-ca-$1.yaml dir out=$WORK/kubeadm-ca-$1.out printed pin
        dir=$WORK/sb/$sb/dryrun
        "$PY" - "$FIRST_INIT" "$cfg" "$algo" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
for d in docs:
        if d.get("kind") == "ClusterConfiguration" and sys.argv[3] == "ecdsa":
                d["featureGates"] = {"PublicKeysECDSA": True}
yaml.safe_dump_all(docs, open(sys.argv[2], "w"))
PY
        sandbox_new "$sb"
        mkdir -p "$dir"
        LAB_ID=$FIRST_LAB_ID sandbox "$FIRST_CP" "$sb" env KUBEADM_INIT_DRYRUN_DIR="$dir" "$KUBEADM" init --config "$cfg" \
                --dry-run --ignore-preflight-errors="$IGNORED" >"$out" 2>&1 || fail "kubeadm init --dry-run: $(tail -n 20 "$out")"
        local ca
        ca=$(ls "$dir"/tmp/kubeadm-init-dryrun*/ca.crt | head -n 1)
        grep -q '^\[certs\] Generating "ca" certificate and key$' "$out" || fail "kubeadm made no CA"
        openssl x509 -in "$ca" -noout -text | grep -q "Public Key Algorithm: $([ "$algo" = rsa ] && echo rsaEncryption || echo id-ecPublicKey)" ||
                fail "kubeadm's CA is not $algo"
        printed=$(grep -o -- '--discovery-token-ca-cert-hash sha256:[0-9a-f]*' "$out" | sort -u | cut -d' ' -f2 || true)
        pin=$("$PIN_TOOL" "$ca") || fail "kubeadm-pin $ca"
        assert_eq "$printed" "$pin" "the agent's pin of kubeadm's $algo CA vs the hash kubeadm init prints"
        echo "$algo CA: kubeadm prints $printed, the agent computes $pin"
}

# ---------------------------------------------------------------- main

ROOT_WORK=$WORK
# each lab's WORK is a directory below this one, and lab_server runs the server as nobody: it must
# pass through here to its configuration (lab_server opens the lab's own directories to it)
chmod 711 "$ROOT_WORK"
FIRST=
for seed in "$TOP"/tests/data/seeds/*/; do
        seed=${seed%/}
        for ca in rsa ecdsa; do
                run_lab "$seed" "$ca"
                if [ -z "$FIRST" ] && [ -s "$ROOT_WORK/$(basename "$seed")-$ca/cp" ]; then
                        FIRST=$ROOT_WORK/$(basename "$seed")-$ca FIRST_SEED=$seed FIRST_LAB_ID=$$$ca-p
                        FIRST_CP=$(cat "$FIRST/cp")
                        FIRST_INIT=$(ls "$FIRST/$FIRST_CP"/bin/standin/kubeadm-configs/*-init.yaml | tail -n 1)
                fi
        done
done
# The reference set with a slow host's settings in every seed (the lab's under TCG, image/lab-lib.sh).
SLOW=$ROOT_WORK/seeds/slow-host
mkdir -p "$ROOT_WORK/seeds"
cp -r "$TOP/tests/data/seeds/reference" "$SLOW"
sed -i 's/^    runtime: docker$/&\n    control_plane_timeout: 40m\n    leader_election: "off"/' "$SLOW"/*/user-data
grep -q '^    leader_election: "off"$' "$SLOW/master/user-data" || fail "no slow-host settings in $SLOW/master/user-data"
run_lab "$SLOW" ecdsa

if [ -n "$FIRST" ]; then
        # A lab network of its own for the preflight checks (the render's is gone).
        LAB_ID=$FIRST_LAB_ID lab_net_up
        cleanup_hooks+=("LAB_ID=$FIRST_LAB_ID lab_net_down")
        LAB_ID=$FIRST_LAB_ID lab_sysctls
        mapfile -t SEED_HOSTS < <(ls "$FIRST_SEED")
        LAB_ID=$FIRST_LAB_ID lab_routes "$FIRST_SEED"
        check "preflight with the real kubelet: no NumCPU, Mem or KubeletVersion complaint" check_kubelet_real
        check "preflight NumCPU: one CPU (affinity) is refused, in kubeadm's words" check_numcpu
        check "preflight KubeletVersion: a kubelet newer than the control plane is refused" check_kubelet_newer
        check "preflight KubeletVersion: a kubelet older than 1.22 is refused" check_kubelet_older
        check "preflight KubeletVersion: no kubelet is refused" check_kubelet_missing
        check "CA pin: a CA kubeadm makes (RSA)" check_kubeadm_ca rsa
        check "CA pin: a CA kubeadm makes (ECDSA, PublicKeysECDSA)" check_kubeadm_ca ecdsa
        LAB_ID=$FIRST_LAB_ID lab_net_down
else
        check "preflight and kubeadm CA checks (need a rendered init configuration)" fail "no lab run rendered one"
fi
finish
