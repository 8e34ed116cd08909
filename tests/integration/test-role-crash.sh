#!/bin/bash
# Crash safety of the role stage (and of the progress reports): the agent is killed with SIGKILL at every
# file replacement (before its rename, and in the middle of writing its temporary file), before and after
# every command (kubeadm init, kubectl apply, kubeadm join), in the middle of each of them (the command
# killed with it, as a reboot or systemd stopping the unit does), in the middle of sending the join record's
# PUT or GET and the first and the last ("done") progress reports, and right as their answers arrive; a
# worker also while it waits for the record. Each time, for the control plane (init, kubeconfig, CNI,
# publish, sentinel, report) and for a worker (wait, join, sentinel, report):
#  - right after the kill, every file the agent writes holds its content from before the run or its
#    final content (nothing half-written);
#  - the next run succeeds and ends in the same state as an uninterrupted run: the same files with the
#    same modes (secrets 0600), the agent's files with the same content (the token and stamps aside),
#    root's kubeconfig the admin kubeconfig, kubeadm's cluster complete (the agent's token, the addons,
#    the flannel objects; every node once), the published record opening to that token and CA hash;
#  - no temporary file of the agent is left anywhere; the store's last report of the node is "done".
# A worker then joins the resumed control plane, with the record it published, where the kill was in or
# right after kubeadm init or around the record's PUT (elsewhere the record's token and CA are checked
# against kubeadm's cluster, which is what a join checks).
# Runs in private network and UTS namespaces: the store (kube-firstboot-server) listens on the lab's
# 192.168.220.1:8780, on this namespace's loopback; nothing leaves it.
# Kills come from a small LD_PRELOAD shim built here (rename, write, fork (vfork too), waitpid, send and recv interposed
# in the agent; the commands it starts get an empty environment, so not the shim), and in the middle of a
# command from the kubeadm/kubectl stand-in (BIN/kubeadm.killat: it kills the agent and itself just before
# printing the line that holds the text, i.e. between two of kubeadm's phases).
if [ -z "${KFB_PRIVATE_NET:-}" ]; then
        exec unshare -n -u env KFB_PRIVATE_NET=1 bash "$0" "$@"
fi
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/host-steps.sh"
. "$TOP/tests/lib/netns-lab.sh"
. "$TOP/tests/lib/role-lab.sh"
. "$TOP/tests/lib/server.sh"
[ -x "$AGENT" ] || fail "no agent at $AGENT (build it first)"
[ -x "$BUILDDIR/kube-firstboot-server" ] || fail "no server at $BUILDDIR/kube-firstboot-server"
role_lab_keys

ip link set lo up
for a in 192.168.220.1 192.168.220.104 192.168.220.105; do ip addr add "$a/32" dev lo; done

cat >"$WORK/killshim.c" <<'EOF'
/* KFB_KILL_AT_RENAME=N     SIGKILL just before the N-th rename(2): the temp file complete, the target
 *                          untouched.
 * KFB_KILL_AT_TEMPWRITE=N  the N-th write(2) into a write_file_atomic() temp file ("/.#kfb.") writes half
 *                          its bytes, then SIGKILL.
 * KFB_KILL_AT_FORK=N       SIGKILL instead of the N-th fork(2): command N never starts.
 * KFB_KILL_AFTER_CMD=N     SIGKILL once command N (the N-th child) is reaped: it finished, the agent never
 *                          learns how.
 * KFB_KILL_AT_SEND=N       the N-th send(2) sends half its bytes, then SIGKILL.
 * KFB_KILL_AT_RECV=N       SIGKILL once the N-th recv(2) that got bytes returns (the answer arrived).
 * KFB_EVENT_LOG=FILE       one line per event: "rename TARGET", "tempwrite TEMP", "fork", "send REQUEST-LINE"
 *                          (a request's start) or "send -", "recv". */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CHILDREN 256
static int n_rename, n_tempwrite, n_fork, n_send, n_recv;
static pid_t children[MAX_CHILDREN];

#define REAL(ret, name, args) \
        static ret(*real) args; \
        if (!real) \
                real = (ret(*) args) dlsym(RTLD_NEXT, name)

static void event(const char *fmt, ...) {
        const char *log = getenv("KFB_EVENT_LOG");
        char line[PATH_MAX + 64];
        va_list ap;
        int fd, n;

        if (!log)
                return;
        va_start(ap, fmt);
        n = vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0) {
                (void) syscall(SYS_write, fd, line, (size_t) n);
                close(fd);
        }
}

static int at(const char *name, int n) {
        const char *v = getenv(name);
        return v && atoi(v) == n;
}

int rename(const char *from, const char *to) {
        REAL(int, "rename", (const char *, const char *));
        event("rename %s\n", to);
        if (at("KFB_KILL_AT_RENAME", ++n_rename))
                raise(SIGKILL);
        return real(from, to);
}

/* The agent replaces files with renameat() on the directory's descriptor: the same, the target named by
 * that directory's path. */
int renameat(int from_dir, const char *from, int to_dir, const char *to) {
        REAL(int, "renameat", (int, const char *, int, const char *));
        char link[64], dir[PATH_MAX];
        ssize_t n;

        snprintf(link, sizeof(link), "/proc/self/fd/%d", to_dir);
        n = to[0] == '/' ? 0 : readlink(link, dir, sizeof(dir) - 1);
        dir[n > 0 ? n : 0] = 0;
        event("rename %s%s%s\n", dir, dir[0] ? "/" : "", to);
        if (at("KFB_KILL_AT_RENAME", ++n_rename))
                raise(SIGKILL);
        return real(from_dir, from, to_dir, to);
}

ssize_t write(int fd, const void *buf, size_t count) {
        REAL(ssize_t, "write", (int, const void *, size_t));
        char link[64], target[PATH_MAX];
        ssize_t n;

        if (fd > 2) {
                snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
                n = readlink(link, target, sizeof(target) - 1);
                if (n > 0) {
                        target[n] = 0;
                        if (strstr(target, "/.#kfb.")) {
                                event("tempwrite %s\n", target);
                                if (at("KFB_KILL_AT_TEMPWRITE", ++n_tempwrite)) {
                                        real(fd, buf, count / 2);
                                        raise(SIGKILL);
                                }
                        }
                }
        }
        return real(fd, buf, count);
}

pid_t fork(void) {
        REAL(pid_t, "fork", (void));
        pid_t pid;

        event("fork\n");
        if (at("KFB_KILL_AT_FORK", ++n_fork))
                raise(SIGKILL);
        pid = real();
        if (pid > 0 && n_fork < MAX_CHILDREN)
                children[n_fork] = pid;
        return pid;
}

/* The agent starts commands with vfork() (firstboot/lib/spawn.c): a fork() here, so that the interposed
 * fork() sees every command and whatever the shim does in the child happens in a process of its own. */
pid_t vfork(void) {
        return fork();
}

pid_t waitpid(pid_t pid, int *status, int options) {
        REAL(pid_t, "waitpid", (pid_t, int *, int));
        const char *v = getenv("KFB_KILL_AFTER_CMD");
        pid_t r = real(pid, status, options);

        if (r > 0 && v && atoi(v) > 0 && atoi(v) < MAX_CHILDREN && children[atoi(v)] == r)
                raise(SIGKILL);
        return r;
}

ssize_t send(int fd, const void *buf, size_t len, int flags) {
        REAL(ssize_t, "send", (int, const void *, size_t, int));
        const char *p = buf, *eol = len > 4 ? memchr(p, '\r', len) : NULL;

        /* "send PUT /v1/..." for a request's start, "send -" for the rest of one */
        if (eol && (strncmp(p, "PUT ", 4) == 0 || strncmp(p, "GET ", 4) == 0))
                event("send %.*s\n", (int) (eol - p), p);
        else
                event("send -\n");
        if (at("KFB_KILL_AT_SEND", ++n_send)) {
                real(fd, buf, len / 2, flags);
                raise(SIGKILL);
        }
        return real(fd, buf, len, flags);
}

ssize_t recv(int fd, void *buf, size_t len, int flags) {
        REAL(ssize_t, "recv", (int, void *, size_t, int));
        ssize_t n = real(fd, buf, len, flags);

        if (n > 0) {
                event("recv\n");
                if (at("KFB_KILL_AT_RECV", ++n_recv))
                        raise(SIGKILL);
        }
        return n;
}
EOF
role_lab_shim killshim "kill shim"

# ---- the store, the API server's port, the hosts through the host stage (tests/lib/role-lab.sh) -----------
role_lab_setup

# host_copy HOST DIR [CLUSTER]: a copy of HOST's tree after the host stage at DIR, its stand-ins acting on
# DIR/root (a worker's on the control plane's cluster state CLUSTER).
host_copy() {
        rm -rf "$2"
        cp -a "$WORK/base-$1" "$2"
        echo "$2/root" >"$2/bin/kubeadm.root"
        echo "$2/root" >"$2/bin/root"
        [ -z "${3:-}" ] || echo "$3" >"$2/bin/kubeadm.cluster"
}

# agent_run DIR [ENV...]: the agent's run on DIR; its exit status in $rc, its output in DIR/run.log.
agent_run() {
        local dir=$1
        shift
        rc=0
        # in a subshell whose stderr is dropped: bash reports a killed job there ("... Killed")
        (
                r=0
                env "$@" KUBE_FIRSTBOOT_PATH="$dir/bin" "$AGENT" --root "$dir/root" --live --seed "$dir/seed" run \
                        >>"$dir/run.log" 2>&1 || r=$?
                echo "$r" >"$dir/rc"
        ) 2>/dev/null
        rc=$(cat "$dir/rc")
}

# agent_files DIR: role_agent_files (tests/lib/role-lab.sh) of DIR's root.
agent_files() { role_agent_files "$1/root"; }
# tree_modes DIR: every path with its type and mode, but the agent log and the stand-in's own leftovers.
tree_modes() {
        (cd "$1/root" && find . -mindepth 1 ! -path ./var/log/kube-firstboot.log ! -name '.standin.*' \
                ! -name '*.lock' -printf '%p %y %m\n' | LC_ALL=C sort)
}
temp_files() { (cd "$1/root" && find . -name '.#kfb.*' | LC_ALL=C sort); }

# record_check DIR STORE: the record in the store opens, and holds DIR's token, its CA's pin, the API server.
record_check() {
        local dir=$1 store=$2 plain token pin
        plain=$(/usr/bin/python3 "$JR" open "$KEY" lab <"$store/state/clusters/lab/join.json") ||
                fail "$name: the published record does not open"
        token=$(cut -d' ' -f1 "$dir/root/var/lib/kube-firstboot/lab-master-1/token")
        pin=sha256:$(openssl x509 -pubkey -noout -in "$dir/root/etc/kubernetes/pki/ca.crt" |
                openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1)
        assert_contains "$plain" "\"token\":\"$token\"" "$name: the record's token"
        assert_contains "$plain" "\"ca_cert_hashes\":[\"$pin\"]" "$name: the record's CA hash"
        assert_contains "$plain" '"api_server":"192.168.220.104:6443"' "$name: the record's API server"
        grep -qF "\"ca_cert_hash\": \"$pin\"" "$dir/root/var/lib/kubeadm-standin/cluster.json" ||
                fail "$name: the CA is not the cluster's"
}

# wait_orphans DIR: wait until no stand-in of DIR runs (a command killed with the agent may take a moment
# to go), but the kubelet's (its healthz model's), which outlives the agent as the real one does.
wait_orphans() {
        local pid left
        for _ in $(seq 1200); do
                left=
                for pid in $(pgrep -f "$1/bin/"); do
                        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- '--stand-in-healthz' || left=$pid
                done
                [ -n "$left" ] || return 0
                sleep 0.05
        done
        fail "$name: stand-ins of the killed run still running"
}

# ---- the uninterrupted references ------------------------------------------------------------------------
M=$WORK/ref-master
host_copy master "$M"
store_start "$WORK/ref-store"
t0=$(date +%s.%N)
agent_run "$M" LD_PRELOAD="$SHIM" KFB_EVENT_LOG="$WORK/master.events"
[ "$rc" = 0 ] || { tail -n 30 "$M/run.log"; fail "control plane: reference run failed"; }
t_master=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }")
store_stop
REF_RECORD=$WORK/ref-store/state/clusters/lab/join.json
name="control plane reference"
record_check "$M" "$WORK/ref-store"
REF_CLUSTER=$M/root/var/lib/kubeadm-standin/cluster.json
ref_master_files=$(agent_files "$M")
ref_master_modes=$(tree_modes "$M")
ref_master_cluster=$(cluster_summary "$REF_CLUSTER" "$(cut -d' ' -f1 "$M/root/var/lib/kube-firstboot/lab-master-1/token")")
assert_contains "$ref_master_cluster" "tokens 1 agent's token present valid" "reference cluster"
cp "$M/bin/calls.log" "$WORK/master.calls"
cp "$REF_CLUSTER" "$WORK/ref-cluster.json"
cp "$REF_CLUSTER" "$WORK/cluster-before-join.json"

W=$WORK/ref-node-1
host_copy node-1 "$W" "$WORK/ref-cluster.json"
store_start "$WORK/ref-wstore" "$REF_RECORD"
t0=$(date +%s.%N)
agent_run "$W" LD_PRELOAD="$SHIM" KFB_EVENT_LOG="$WORK/node-1.events"
[ "$rc" = 0 ] || { tail -n 30 "$W/run.log"; fail "worker: reference run failed"; }
t_worker=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }")
store_stop
ref_worker_files=$(agent_files "$W")
ref_worker_modes=$(tree_modes "$W")
ref_worker_cluster=$(cluster_summary "$WORK/ref-cluster.json" "$(cut -d' ' -f1 "$M/root/var/lib/kube-firstboot/lab-master-1/token")")
assert_contains "$ref_worker_cluster" "nodes master node-1" "reference cluster after the join"
cp "$W/bin/calls.log" "$WORK/node-1.calls"
TOKEN_OF_M=$(cut -d' ' -f1 "$M/root/var/lib/kube-firstboot/lab-master-1/token")
for h in master node-1; do
        echo "reference $h: $(grep -c '^rename ' "$WORK/$h.events") renames, $(grep -c '^tempwrite ' "$WORK/$h.events")" \
                "temp writes, $(grep -c '^fork' "$WORK/$h.events") commands, $(grep -c '^send [A-Z]' "$WORK/$h.events")" \
                "requests, $(grep -c '^recv' "$WORK/$h.events") answers received"
        # one recv(2) per answer: answer N is the N-th request's (kill_points relies on it)
        assert_eq "$(grep -c '^send [A-Z]' "$WORK/$h.events")" "$(grep -c '^recv' "$WORK/$h.events")" "$h: answers per request"
done
echo "reference runs: control plane ${t_master} s, worker ${t_worker} s"

# What each agent file may hold right after a kill: its content from before the run, or its final one.
declare -A allowed
for h in master node-1; do
        while read -r p sum; do allowed["$h $p $sum"]=1; done < <(agent_files "$WORK/base-$h")
done
while read -r p sum; do allowed["master $p $sum"]=1; done <<<"$ref_master_files"
while read -r p sum; do allowed["node-1 $p $sum"]=1; done <<<"$ref_worker_files"
# A kill while kubeadm runs leaves its rendered configuration (it holds the token; the next run removes it,
# end_state checks that): whole, as the stand-in's copy of what kubeadm was given shows it.
allow_rendered() { # HOST DIR SUBCOMMAND
        mkdir -p "$WORK/rendered-$1/run/kube-firstboot"
        # the first call's copy: 1-init-phase-preflight.yaml (init's phases read the same file), 1-join.yaml
        cp "$2/bin/kubeadm-configs/1-$3"*.yaml "$WORK/rendered-$1/run/kube-firstboot/kubeadm-$3.yaml"
        while read -r p sum; do allowed["$1 $p $sum"]=1; done < <(role_agent_files "$WORK/rendered-$1")
}
allow_rendered master "$M" init
allow_rendered node-1 "$W" join

check_whole() { # HOST DIR
        local p sum
        while read -r p sum; do
                [ -n "${allowed["$1 $p $sum"]:-}" ] ||
                        fail "$name, after the kill: $p holds neither its content from before the run nor its final one"
        done < <(agent_files "$2")
        [ ! -e "$2/root/root/.kube/config" ] || cmp -s "$2/root/root/.kube/config" "$2/root/etc/kubernetes/admin.conf" ||
                fail "$name, after the kill: /root/.kube/config is not the admin kubeconfig"
}

# end_state HOST DIR CLUSTER: DIR after the run that followed the kill equals the uninterrupted run's.
end_state() {
        local h=$1 dir=$2 cluster=$3 files modes summary left token
        if [ "$h" = master ]; then
                files=$ref_master_files modes=$ref_master_modes summary=$ref_master_cluster
        else
                files=$ref_worker_files modes=$ref_worker_modes summary=$ref_worker_cluster
        fi
        diff -u <(echo "$files") <(agent_files "$dir") || fail "$name: the agent's files differ from an uninterrupted run's"
        diff -u <(echo "$modes") <(tree_modes "$dir") || fail "$name: files or modes differ from an uninterrupted run's"
        if [ "$h" = master ]; then token=$(cut -d' ' -f1 "$dir/root/var/lib/kube-firstboot/lab-master-1/token"); else token=$TOKEN_OF_M; fi
        diff -u <(echo "$summary") <(cluster_summary "$cluster" "$token") ||
                fail "$name: kubeadm's cluster differs from an uninterrupted run's"
        assert_eq "" "$(temp_files "$dir")" "$name: temporary files left behind"
        left=$(cd "$dir/root" && find . -name '.standin.*')
        [ -z "$left" ] || echo "note: $name: the killed kubeadm stand-in left its temporary file: $left"
}


iterations=0
joins=0
# crash HOST JOIN NAME ENV...: HOST's role stage killed as ENV says (shim variables), then run again; with
# JOIN "join" (control plane), a worker then joins the resumed control plane with the record it published.
crash() {
        local h=$1 join=$2 dir=$WORK/case store=$WORK/case-store cluster a env
        name="$1: $3"
        shift 3
        rm -rf "$store"
        if [ "$h" = master ]; then
                host_copy master "$dir"
                store_start "$store"
                cluster=$dir/root/var/lib/kubeadm-standin/cluster.json
        else
                cluster=$WORK/case-cluster.json
                cp "$WORK/cluster-before-join.json" "$cluster"
                host_copy node-1 "$dir" "$cluster"
                store_start "$store" "$REF_RECORD"
        fi
        # KILLAT=CMD:TEXT: the stand-in's killat (see above); anything else: the shim's settings
        env=()
        for a in "$@"; do
                case $a in
                KILLAT=*) a=${a#KILLAT=}; printf '%s' "${a#*:}" >"$dir/bin/${a%%:*}.killat" ;;
                *) env+=("$a") ;;
                esac
        done
        agent_run "$dir" LD_PRELOAD="$SHIM" "${env[@]}"
        rm -f "$dir/bin/kubeadm.killat" "$dir/bin/kubectl.killat"
        [ "$rc" = 137 ] || { tail -n 20 "$dir/run.log"; fail "$name: the agent was not killed (exit status $rc)"; }
        wait_orphans "$dir"
        check_whole "$h" "$dir"
        echo "--- run after the kill" >>"$dir/run.log"
        agent_run "$dir"
        [ "$rc" = 0 ] || { sed -n '/^--- run after the kill/,$p' "$dir/run.log" | tail -n 30; fail "$name: the run after the kill failed"; }
        end_state "$h" "$dir" "$cluster"
        report_done "$h"
        if [ "$h" = master ]; then
                record_check "$dir" "$store"
                if [ "$join" = join ]; then
                        host_copy node-1 "$WORK/case-w" "$cluster"
                        agent_run "$WORK/case-w"
                        [ "$rc" = 0 ] || { tail -n 20 "$WORK/case-w/run.log"; fail "$name: a worker did not join the resumed control plane"; }
                        assert_eq "nodes master node-1" "$(cluster_summary "$cluster" x | grep '^nodes')" "$name: nodes after a worker joined"
                        joins=$((joins + 1))
                fi
        fi
        store_stop
        iterations=$((iterations + 1))
}

# kill_points HOST: every kill point of HOST's reference run, one a line: the shim's setting (or KILLAT=CMD:TEXT,
# the stand-in's), a tab, "join" when a worker must then join the resumed control plane (kills in and right
# after kubeadm init, and around the record's PUT; for the others the record's token and CA are checked
# against the cluster), a tab, what the kill interrupts.
init_markers() {
        local marker
        for marker in "$@"; do
                printf 'KILLAT=kubeadm:%s\tjoin\tkubeadm init killed with the agent before "%s"\n' "$marker" "$marker"
        done
}
kill_points() {
        local ev=$WORK/$1.events calls=$WORK/$1.calls k n line target marker join
        n=$(grep -c '^rename ' "$ev")
        for ((k = 1; k <= n; k++)); do
                target=$(grep '^rename ' "$ev" | sed -n "${k}p" | sed 's|.*/root/|/|')
                join=-
                printf 'KFB_KILL_AT_RENAME=%s\t%s\tbefore rename %s (%s)\n' "$k" "$join" "$k" "$target"
                printf 'KFB_KILL_AT_TEMPWRITE=%s\t%s\tin the middle of the temp write for %s\n' "$k" "$join" "$target"
        done
        n=$(grep -c '^fork' "$ev")
        for ((k = 1; k <= n; k++)); do
                line=$(sed -n "${k}p" "$calls" | sed -E 's|/[^ ]*/root/|/|g')
                case $line in "kubeadm init "*) join="join" ;; *) join=- ;; esac
                printf 'KFB_KILL_AT_FORK=%s\t-\tbefore command %s (%s)\n' "$k" "$k" "$line"
                printf 'KFB_KILL_AFTER_CMD=%s\t%s\tafter command %s (%s)\n' "$k" "$join" "$k" "$line"
                # in the middle: the stand-in kills the agent and itself between two of the command's phases
                # (kubeadm init runs in phases: the markers of each phase's own output, and of the rest's)
                case $line in
                "kubeadm init phase kubeconfig all "*) init_markers '[kubeconfig] Writing "kubelet.conf"' ;;
                "kubeadm init phase control-plane all "*)
                        init_markers '[control-plane] Creating static Pod manifest for "kube-scheduler"' ;;
                "kubeadm init --config "*)
                        init_markers '[upload-config] Storing the configuration' '[bootstrap-token] Configuring bootstrap tokens' \
                                'Your Kubernetes control-plane has initialized successfully'
                        ;;
                "kubeadm join "*)
                        for marker in '[preflight] Reading configuration from the cluster' \
                                '[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap' \
                                'This node has joined the cluster'; do
                                printf 'KILLAT=kubeadm:%s\t-\tkubeadm join killed with the agent before "%s"\n' "$marker" "$marker"
                        done
                        ;;
                "kubectl "*" apply "*)
                        marker='clusterrole.rbac.authorization.k8s.io/flannel created'
                        printf 'KILLAT=kubectl:%s\t-\tkubectl apply killed with the agent before "%s"\n' "$marker" "$marker"
                        ;;
                esac
        done
        # HTTP requests: the first progress report and the last ("done": the report stage), the record's PUT
        # or GET; in the middle of sending each (the record's body too), and as each answer arrives. (The
        # reports between are the same code, and a kill between two steps is shown above.)
        n=$(grep -c '^send [A-Z]' "$ev")
        k=0 q=0
        while read -r line; do
                k=$((k + 1))
                case $line in "send -") continue ;; esac
                q=$((q + 1))
                case $line in
                *"/lab/join"*) join="join" ;;
                *) [ "$q" = 1 ] || [ "$q" = "$n" ] || continue; join=- ;;
                esac
                printf 'KFB_KILL_AT_SEND=%s\t%s\tin the middle of sending request %s (%s)\n' "$k" "$join" "$q" "${line#send }"
                [ "$(grep '^send' "$ev" | sed -n "$((k + 1))p")" = "send -" ] && [ "$join" = join ] &&
                        printf 'KFB_KILL_AT_SEND=%s\t%s\tin the middle of sending the body of request %s (%s)\n' \
                                "$((k + 1))" "$join" "$q" "${line#send }"
                printf 'KFB_KILL_AT_RECV=%s\t%s\tas the answer to request %s arrives (%s)\n' "$q" "$join" "$q" "${line#send }"
        done < <(grep '^send' "$ev")
}

for h in master node-1; do
        n=0
        while IFS=$'\t' read -r setting join what; do
                crash "$h" "$join" "$what" "$setting"
                n=$((n + 1))
        done < <(kill_points "$h")
        [ "$n" -ge 15 ] || fail "$h: only $n kill points"
        ok "$h: killed at each of $n points (file replacements, temp writes, commands, requests, answers)"
done
# A worker killed while it waits for the record (the store has none yet: the GET long-polls), then run
# again once the record is there.
name="node-1: killed while waiting for the join record"
dir=$WORK/case
cp "$WORK/cluster-before-join.json" "$WORK/case-cluster.json"
host_copy node-1 "$dir" "$WORK/case-cluster.json"
rm -rf "$WORK/case-store"
store_start "$WORK/case-store"
KUBE_FIRSTBOOT_PATH="$dir/bin" "$AGENT" --root "$dir/root" --live --seed "$dir/seed" run >>"$dir/run.log" 2>&1 &
pid=$!
# killed once the server holds its long poll for the record (the server's status page counts it)
for _ in $(seq 1200); do
        [ "$(server_waiters 192.168.220.1:8780)" = 1 ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
done
grep -q '^kube-firstboot: wait: wait for the join record' "$dir/run.log" || { cat "$dir/run.log"; fail "$name: the worker did not wait"; }
kill -0 "$pid" 2>/dev/null || { cat "$dir/run.log"; fail "$name: the worker did not wait"; }
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
check_whole node-1 "$dir"
store_start "$WORK/case-store" "$REF_RECORD"
echo "--- run after the kill" >>"$dir/run.log"
agent_run "$dir"
[ "$rc" = 0 ] || { tail -n 30 "$dir/run.log"; fail "$name: the run after the kill failed"; }
end_state node-1 "$dir" "$WORK/case-cluster.json"
report_done node-1
store_stop
iterations=$((iterations + 1))
ok "node-1: killed while waiting for the record, joined when run again"

# The control plane killed once kubeadm init was seen to succeed, and its API server slow to answer on the
# next run (as after a reboot, while the kubelet brings the static pods back): waited for, never reset.
name="master: killed after a successful init, the API server slow to come back"
k=$(grep '^rename ' "$WORK/master.events" | grep -n '/init-done$' | cut -d: -f1)
[ -n "$k" ] || fail "$name: the reference run wrote no init-done marker"
dir=$WORK/case
rm -rf "$WORK/case-store"
host_copy master "$dir"
store_start "$WORK/case-store"
agent_run "$dir" LD_PRELOAD="$SHIM" KFB_KILL_AT_RENAME=$((k + 1))
[ "$rc" = 137 ] || { tail -n 20 "$dir/run.log"; fail "$name: the agent was not killed (exit status $rc)"; }
wait_orphans "$dir"
[ -f "$dir/root/var/lib/kube-firstboot/lab-master-1/init-done" ] || fail "$name: killed before the init-done marker"
rm -f "$dir/bin/kubectl.count-get"
echo "get 2" >"$dir/bin/kubectl.fail"   # the next two kubectl get (/readyz) fail: "connection refused"
: >"$dir/bin/calls.log"
echo "--- run after the kill" >>"$dir/run.log"
agent_run "$dir"
[ "$rc" = 0 ] || { sed -n '/^--- run after the kill/,$p' "$dir/run.log" | tail -n 30; fail "$name: the run after the kill failed"; }
sed -n '/^--- run after the kill/,$p' "$dir/run.log" | grep -q 'waiting up to [0-9]* s for its API server' ||
        fail "$name: the agent did not say it waits for the API server"
if grep -q '^kubeadm \(reset\|init\)' "$dir/bin/calls.log"; then
        fail "$name: the initialised control plane was reset or initialised again: $(grep '^kubeadm' "$dir/bin/calls.log")"
fi
end_state master "$dir" "$dir/root/var/lib/kubeadm-standin/cluster.json"
report_done master
store_stop
iterations=$((iterations + 1))
ok "master: killed after a successful init; the API server answered only on the third try: waited for, not reset"

echo "$iterations interrupted runs, each resumed to the uninterrupted end state; a worker joined $joins resumed control planes"
