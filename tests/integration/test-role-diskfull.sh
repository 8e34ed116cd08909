#!/bin/bash
# A full disk in the role stage. The control plane's and a worker's root file systems are small tmpfs
# mounts holding their trees after the host stage; the disk fills up just as the agent is about to write
# each of its files in turn (a filler takes every free page, or all but one, as something else on the
# machine would), and, in a second series, only the state directory is full: it is a tmpfs of its own,
# as /var often is. Each run that meets the full disk must
#  - exit with status 1 and an error naming the file it could not write ("No space left on device"); the
#    one write that may fail without failing the run is the "done was reported" marker (a warning naming it:
#    the next run reports again);
#  - leave every file intact: each of the agent's files holds its content from before the run or its final
#    content, root's kubeconfig (if there) is the admin kubeconfig, no temporary file is left;
# and the next run, with the space back, must end in the same state as an uninterrupted run on a roomy
# disk (the agent's files, every path and mode, kubeadm's cluster, the published record, "done" on the
# store). Also: the disk full while kubeadm init runs (kubeadm fails, the agent gives up after its attempts,
# saying so), and the state directory full from the start.
# /var/log is another file system here (the agent log's growth does not take the pages), as in
# test-host-diskfull. Runs in private mount, network and UTS namespaces: the tmpfs mounts and the store
# (kube-firstboot-server on the lab's 192.168.220.1:8780, on this namespace's loopback) stay in them.
if [ -z "${KFB_PRIVATE_NS:-}" ]; then
        exec unshare -n -u -m --propagation private env KFB_PRIVATE_NS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/host-steps.sh"
. "$TOP/tests/lib/netns-lab.sh"
. "$TOP/tests/lib/role-lab.sh"
[ -x "$AGENT" ] || fail "no agent at $AGENT (build it first)"
[ -x "$BUILDDIR/kube-firstboot-server" ] || fail "no server at $BUILDDIR/kube-firstboot-server"
role_lab_keys
PAGE=$(getconf PAGESIZE)

ip link set lo up
for a in 192.168.220.1 192.168.220.104 192.168.220.105; do ip addr add "$a/32" dev lo; done

cat >"$WORK/fillshim.c" <<'EOF'
/* KFB_FILL_FILE=PATH       the filler, on the file system to fill.
 * KFB_FILL_AT=N            just before the agent opens its N-th write_file_atomic() temp file ("/.#kfb.";
 *                          with KFB_FILL_MATCH=TEXT, only those whose path holds TEXT count), the filler
 *                          grows until the file system has no free page left, but KFB_FILL_LEAVE (pages).
 * KFB_FILL_AT_EXEC=NAME ARG the same just before the agent's command NAME (a path's last part) with ARG as
 *                          its first argument starts (in the child, before execve: nothing else runs then).
 * KFB_EVENT_LOG=FILE       "temp PATH" for every temp file opened, "fork" for every command. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

static int n_temp;

static void event(const char *what, const char *path) {
        const char *log = getenv("KFB_EVENT_LOG");
        char line[4200];
        int fd, n;

        if (!log)
                return;
        n = snprintf(line, sizeof(line), "%s%s%s\n", what, path ? " " : "", path ? path : "");
        fd = (int) syscall(SYS_openat, AT_FDCWD, log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0) {
                (void) syscall(SYS_write, fd, line, (size_t) n);
                close(fd);
        }
}

static void fill(void) {
        static char zeros[65536];
        const char *path = getenv("KFB_FILL_FILE"), *leave = getenv("KFB_FILL_LEAVE");
        long page = sysconf(_SC_PAGESIZE);
        int fd;

        if (!path)
                return;
        fd = (int) syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0)
                return;
        while (syscall(SYS_write, fd, zeros, sizeof(zeros)) > 0)
                ;
        while (syscall(SYS_write, fd, zeros, (size_t) page) > 0)
                ;
        if (leave && atoi(leave) > 0) {
                struct stat st;
                if (fstat(fd, &st) == 0)
                        (void) ftruncate(fd, st.st_size - (off_t) atoi(leave) * page);
        }
        close(fd);
}

int open(const char *path, int flags, ...) {
        static int (*real)(const char *, int, ...);
        const char *at = getenv("KFB_FILL_AT"), *match = getenv("KFB_FILL_MATCH");
        mode_t mode = 0;

        if (!real)
                real = (int (*)(const char *, int, ...)) dlsym(RTLD_NEXT, "open");
        if (flags & O_CREAT) {
                va_list ap;
                va_start(ap, flags);
                mode = (mode_t) va_arg(ap, int);
                va_end(ap);
        }
        if ((flags & O_CREAT) && strstr(path, "/.#kfb.") && (!match || strstr(path, match))) {
                event("temp", path);
                if (at && atoi(at) == ++n_temp)
                        fill();
        }
        return real(path, flags, mode);
}

/* The agent makes its temp files with openat() on the directory's descriptor: the same, the file named
 * by that directory's path. */
int openat(int dir_fd, const char *name, int flags, ...) {
        static int (*real)(int, const char *, int, ...);
        const char *at = getenv("KFB_FILL_AT"), *match = getenv("KFB_FILL_MATCH");
        char link[64], path[4200];
        mode_t mode = 0;
        ssize_t n;

        if (!real)
                real = (int (*)(int, const char *, int, ...)) dlsym(RTLD_NEXT, "openat");
        if (flags & O_CREAT) {
                va_list ap;
                va_start(ap, flags);
                mode = (mode_t) va_arg(ap, int);
                va_end(ap);
        }
        if ((flags & O_CREAT) && strncmp(name, ".#kfb.", 6) == 0) {
                snprintf(link, sizeof(link), "/proc/self/fd/%d", dir_fd);
                n = readlink(link, path, 4000);
                if (n > 0) {
                        snprintf(path + n, sizeof(path) - (size_t) n, "/%s", name);
                        if (!match || strstr(path, match)) {
                                event("temp", path);
                                if (at && atoi(at) == ++n_temp)
                                        fill();
                        }
                }
        }
        return real(dir_fd, name, flags, mode);
}

pid_t fork(void) {
        static pid_t (*real)(void);

        if (!real)
                real = (pid_t (*)(void)) dlsym(RTLD_NEXT, "fork");
        event("fork", NULL);
        return real();
}

/* The agent starts commands with vfork() (firstboot/lib/spawn.c): a fork() here, so that the interposed
 * fork() sees every command and whatever the shim does in the child happens in a process of its own. */
pid_t vfork(void) {
        return fork();
}

int execve(const char *path, char *const argv[], char *const envp[]) {
        static int (*real)(const char *, char *const[], char *const[]);
        const char *at = getenv("KFB_FILL_AT_EXEC"), *base = strrchr(path, '/');
        char cmd[256];

        if (!real)
                real = (int (*)(const char *, char *const[], char *const[])) dlsym(RTLD_NEXT, "execve");
        snprintf(cmd, sizeof(cmd), "%s %s", base ? base + 1 : path, argv[0] && argv[1] ? argv[1] : "");
        if (at && strcmp(at, cmd) == 0)
                fill();
        return real(path, argv, envp);
}
EOF
role_lab_shim fillshim "fill shim"

# ---- the store, the API server's port, the hosts through the host stage (tests/lib/role-lab.sh) -----------
role_lab_setup

DISK=$WORK/disk
mkdir -p "$DISK"
mount -t tmpfs -o size=4m,mode=0755 kfb-test-role-diskfull "$DISK" || fail "cannot mount a tmpfs (needs root)"
cleanup_hooks+=("umount -R -l '$DISK'")

# host_on HOST DIR [state]: HOST's tree after the host stage, its root on the tmpfs (DIR/root a symlink to
# it), /var/log outside it; with "state", the state directory a 1 MiB tmpfs of its own. Stand-ins and seed in
# DIR. A worker's stand-ins act on the control plane's cluster state DIR/cluster.json.
host_on() {
        local h=$1 dir=$2 r=$DISK/root
        umount "$r/var/lib/kube-firstboot" 2>/dev/null || true
        umount "$r/var/log" 2>/dev/null || true
        rm -rf "${DISK:?}"/* "$dir"
        mkdir -p "$dir/log"
        cp -a "$WORK/base-$h/bin" "$WORK/base-$h/seed" "$dir/"
        cp -a "$WORK/base-$h/root" "$r"
        rm -rf "$r/var/log"
        # a mount, not a symlink: the agent follows no link out of its --root tree
        mkdir "$r/var/log"
        mount --bind "$dir/log" "$r/var/log" || fail "cannot bind-mount $dir/log"
        ln -s "$r" "$dir/root"
        if [ "${3:-}" = state ]; then
                mv "$r/var/lib/kube-firstboot" "$dir/state-copy"
                mkdir -m 0755 "$r/var/lib/kube-firstboot"
                mount -t tmpfs -o size=1m,mode=0755 kfb-test-role-state "$r/var/lib/kube-firstboot" ||
                        fail "cannot mount the state tmpfs"
                cp -a "$dir/state-copy/." "$r/var/lib/kube-firstboot/"
        fi
        echo "$r" >"$dir/bin/kubeadm.root"
        echo "$r" >"$dir/bin/root"
        if [ "$h" != master ]; then
                cp "$WORK/cluster-before-join.json" "$dir/cluster.json"
                echo "$dir/cluster.json" >"$dir/bin/kubeadm.cluster"
        fi
}

# agent_run DIR [ENV...]: the agent's run on DIR; exit status in $rc, output in DIR/run.log (appended).
agent_run() {
        local dir=$1
        shift
        rc=0
        env "$@" KUBE_FIRSTBOOT_PATH="$dir/bin" "$AGENT" --root "$DISK/root" --live --seed "$dir/seed" run \
                >"$dir/last.log" 2>&1 || rc=$?
        cat "$dir/last.log" >>"$dir/run.log"
}

# agent_files: role_agent_files (tests/lib/role-lab.sh) of the disk's root (the fillers left out).
agent_files() { role_agent_files "$DISK/root"; }
# tree_modes: every path of the root with its type and mode (the fillers and the stand-in's leftovers aside).
tree_modes() {
        (cd "$DISK/root" && find . -mindepth 1 -path ./var/log -prune -o ! -name filler ! -name '.standin.*' \
                ! -name '*.lock' -printf '%p %y %m\n' | LC_ALL=C sort)
}
temp_files() { (cd "$DISK/root" && find . -name '.#kfb.*' | LC_ALL=C sort); }
master_token() { cut -d' ' -f1 "$1/var/lib/kube-firstboot/lab-master-1/token"; }
# record_check STORE: the record opens and holds the control plane's token, CA pin and API server.
record_check() {
        local plain pin
        plain=$(/usr/bin/python3 "$JR" open "$KEY" lab <"$1/state/clusters/lab/join.json") ||
                fail "$name: the published record does not open"
        pin=sha256:$(openssl x509 -pubkey -noout -in "$DISK/root/etc/kubernetes/pki/ca.crt" |
                openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1)
        assert_contains "$plain" "\"token\":\"$(master_token "$DISK/root")\"" "$name: the record's token"
        assert_contains "$plain" "\"ca_cert_hashes\":[\"$pin\"]" "$name: the record's CA hash"
}

# ---- the references on the same layout, roomy -----------------------------------------------------------
declare -A ref_files ref_modes ref_cluster allowed
for h in master node-1; do
        host_on "$h" "$WORK/ref-$h"
        rm -rf "$WORK/ref-store-$h"
        if [ "$h" = master ]; then store_start "$WORK/ref-store-$h"; else store_start "$WORK/ref-store-$h" "$REF_RECORD"; fi
        while read -r p sum; do allowed["$h $p $sum"]=1; done < <(agent_files)
        agent_run "$WORK/ref-$h" LD_PRELOAD="$SHIM" KFB_EVENT_LOG="$WORK/$h.events"
        [ "$rc" = 0 ] || { tail -n 30 "$WORK/ref-$h/run.log"; fail "$h: reference run failed"; }
        store_stop
        ref_files[$h]=$(agent_files)
        ref_modes[$h]=$(tree_modes)
        while read -r p sum; do allowed["$h $p $sum"]=1; done <<<"${ref_files[$h]}"
        if [ "$h" = master ]; then
                # the workers' view of this control plane, which answers while its admin.conf is there: a copy
                # off the disk, which the next case replaces
                cp "$DISK/root/etc/kubernetes/admin.conf" "$WORK/master-admin.conf"
                /usr/bin/python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); s["admin_conf"]=sys.argv[2]; json.dump(s, open(sys.argv[3], "w"))' \
                        "$DISK/root/var/lib/kubeadm-standin/cluster.json" "$WORK/master-admin.conf" "$WORK/cluster-before-join.json"
                REF_RECORD=$WORK/ref-store-master/state/clusters/lab/join.json
                TOKEN=$(master_token "$DISK/root")
                ref_cluster[$h]=$(cluster_summary "$DISK/root/var/lib/kubeadm-standin/cluster.json" "$TOKEN")
                # sizes, for "all but one page" where a file takes more than one
                (cd "$DISK/root" && find . -type f -size +"$((PAGE / 1024))"k -printf '/%P\n') >"$WORK/big-files"
        else
                ref_cluster[$h]=$(cluster_summary "$WORK/ref-$h/cluster.json" "$TOKEN")
        fi
        echo "reference $h: $(grep -c '^temp ' "$WORK/$h.events") files written by the agent: $(sed -n 's|^temp .*/\.#kfb\.||p' "$WORK/$h.events" | tr '\n' ' ')"
done
assert_contains "${ref_cluster[node-1]}" "nodes master node-1" "reference cluster after the join"

# ---- the cases ------------------------------------------------------------------------------------------
cases=0
# full HOST NAME WANT ENV...: HOST's role stage run with ENV (the fill shim's settings, or none: the test
# filled the disk before); it must meet the full disk writing WANT (a path, or "kubeadm init"), exit 1
# saying so (0 with a warning for done-reported), leave every file intact; the filler removed, the next run
# must end as the reference did.
full() {
        local h=$1 want=$3 dir=$WORK/case store=$WORK/case-store p sum error cluster
        name="$1: $2"
        shift 3
        if [ "$#" -gt 0 ]; then
                host_on "$h" "$dir" ${STATE_ALONE:+state}
        fi
        rm -rf "$store"
        if [ "$h" = master ]; then store_start "$store"; else store_start "$store" "$REF_RECORD"; fi
        agent_run "$dir" LD_PRELOAD="$SHIM" "$@"
        if [ "${want##*/}" = done-reported ]; then
                assert_eq 0 "$rc" "$name: exit status (provisioned; only the marker did not fit)"
                error=$(grep -E "warning: .*$want: .*No space left on device" "$dir/last.log") ||
                        { cat "$dir/last.log"; fail "$name: no warning naming $want"; }
        elif [ "$want" = "kubeadm init" ]; then
                assert_eq 1 "$rc" "$name: exit status"
                error=$(grep -E "error: kubeadm init failed [0-9]+ times; giving up" "$dir/last.log") ||
                        { cat "$dir/last.log"; fail "$name: no error saying kubeadm init failed"; }
                grep -q 'No space left on device' "$dir/log/kube-firstboot.log" ||
                        fail "$name: kubeadm's own error is not in the agent log"
        else
                assert_eq 1 "$rc" "$name: exit status"
                error=$(grep -E "error: [^ ]*$want: .*No space left on device" "$dir/last.log") ||
                        { cat "$dir/last.log"; fail "$name: no error naming $want"; }
        fi
        while read -r p sum; do
                [ -n "${allowed["$h $p $sum"]:-}" ] ||
                        fail "$name ($error): $p holds neither its content from before the run nor its final one"
        done < <(agent_files)
        [ ! -e "$DISK/root/root/.kube/config" ] || cmp -s "$DISK/root/root/.kube/config" "$DISK/root/etc/kubernetes/admin.conf" ||
                fail "$name: /root/.kube/config is not the admin kubeconfig"
        assert_eq "" "$(temp_files)" "$name: temporary files left behind"
        echo "$name: ${error#kube-firstboot: }"

        rm -f "$DISK/filler" "$DISK/root/var/lib/kube-firstboot/filler"
        agent_run "$dir"
        [ "$rc" = 0 ] || { tail -n 30 "$dir/last.log"; fail "$name: the run with space failed"; }
        diff -u <(echo "${ref_files[$h]}") <(agent_files) || fail "$name: the agent's files differ from the roomy run's"
        diff -u <(echo "${ref_modes[$h]}") <(tree_modes) || fail "$name: files or modes differ from the roomy run's"
        if [ "$h" = master ]; then
                cluster=$DISK/root/var/lib/kubeadm-standin/cluster.json
                diff -u <(echo "${ref_cluster[$h]}") <(cluster_summary "$cluster" "$(master_token "$DISK/root")") ||
                        fail "$name: kubeadm's cluster differs from the roomy run's"
                record_check "$store"
        else
                diff -u <(echo "${ref_cluster[$h]}") <(cluster_summary "$dir/cluster.json" "$TOKEN") ||
                        fail "$name: kubeadm's cluster differs from the roomy run's"
        fi
        report_done "$h"
        assert_eq "" "$(temp_files)" "$name: temporary files left behind after the run with space"
        store_stop
        cases=$((cases + 1))
}

# 1. The root file system fills up as the agent is about to write each of its files in turn.
for h in master node-1; do
        k=0
        while read -r _ path; do
                k=$((k + 1))
                file=${path/\/.#kfb./\/}
                file=/${file#"$DISK"/root/}
                full "$h" "disk full before writing $file" "$file" KFB_FILL_FILE="$DISK/filler" KFB_FILL_AT=$k
                if grep -qx "$file" "$WORK/big-files"; then
                        full "$h" "one page left before writing $file" "$file" KFB_FILL_FILE="$DISK/filler" \
                                KFB_FILL_AT=$k KFB_FILL_LEAVE=1
                fi
        done < <(grep '^temp ' "$WORK/$h.events")
done
ok "root file system full at each of the agent's writes: each run failed naming the file, every file intact, the next run finished"

# 2. The disk full while kubeadm init runs.
full master "disk full when kubeadm init starts" "kubeadm init" KFB_FILL_FILE="$DISK/filler" KFB_FILL_AT_EXEC="kubeadm init"
ok "disk full during kubeadm init: the agent gave up saying so, the next run finished"

# 3. The state directory alone full (its own file system): from the start, and at each of its writes.
for h in master node-1; do
        host_on "$h" "$WORK/case" state
        dd if=/dev/zero of="$DISK/root/var/lib/kube-firstboot/filler" bs="$PAGE" 2>/dev/null &&
                fail "the filler did not fill the state tmpfs"
        first=$(grep '^temp .*/var/lib/kube-firstboot/' "$WORK/$h.events" | head -n 1 | sed 's|.*/\.#kfb\.||')
        # the instance's directory, or the base for join-accepted (a worker's first write there)
        full "$h" "state directory full from the start" "/var/lib/kube-firstboot/([^ ]*/)?$first"
        k=0
        while read -r _ path; do
                k=$((k + 1))
                file=${path/\/.#kfb./\/}
                file=/${file#"$DISK"/root/}
                STATE_ALONE=1 full "$h" "state directory full before writing $file" "$file" \
                        KFB_FILL_FILE="$DISK/root/var/lib/kube-firstboot/filler" KFB_FILL_MATCH=/var/lib/kube-firstboot/ \
                        KFB_FILL_AT=$k
        done < <(grep '^temp .*/var/lib/kube-firstboot/' "$WORK/$h.events")
done
ok "state directory full: each run failed naming the file, every file intact, the next run finished"
[ "$cases" -ge 20 ] || fail "only $cases cases"
echo "$cases runs met a full disk, each followed by a run with space that ended as the roomy run did"
