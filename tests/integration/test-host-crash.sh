#!/bin/bash
# Crash safety of the host stage: the agent is killed with SIGKILL at every file replacement (before
# its rename, and in the middle of writing its temporary file) and around every command that changes the
# host (before the command acts, and after), then run again. Each time:
#  - right after the kill, every file of the tree holds either its original or its final content
#    (nothing half-written; temporary files may be left, and are allowed only then);
#  - the next run succeeds, and its end state (files, modes, masked units, enabled services, firewall
#    ports) equals an uninterrupted run's;
#  - no temporary file is left outside the agent's state directory (the write that a killed run did
#    not finish removes its leftover: hostedit.c host_clean_stale_temps()).
# Kills inside the agent come from a small LD_PRELOAD shim built here (rename/renameat/write interposed), kills
# around commands from the stand-in itself (tests/stand-ins/host-model, BIN/killat).
. "$(dirname "$0")/../lib/host-uts.sh"
SEED=$HOST_FIXTURES/seeds/master

cat >"$WORK/killshim.c" <<'EOF'
/* KFB_KILL_AT_RENAME=N: SIGKILL just before the N-th rename(2), the temp file complete, the target
 * untouched. KFB_KILL_AT_TEMPWRITE=N: the N-th write(2) into a write_file_atomic() temp file writes half
 * its bytes, then SIGKILL. KFB_RENAME_LOG=FILE: every rename's target, one a line. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int n_rename, n_tempwrite;

int rename(const char *from, const char *to) {
        static int (*real)(const char *, const char *);
        const char *at = getenv("KFB_KILL_AT_RENAME"), *log = getenv("KFB_RENAME_LOG");

        if (!real)
                real = (int (*)(const char *, const char *)) dlsym(RTLD_NEXT, "rename");
        n_rename++;
        if (log) {
                int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
                if (fd >= 0) {
                        dprintf(fd, "%s\n", to);
                        close(fd);
                }
        }
        if (at && atoi(at) == n_rename)
                raise(SIGKILL);
        return real(from, to);
}

/* The agent replaces files with renameat() on the directory's descriptor: the same, the target named by
 * that directory's path. */
int renameat(int from_dir, const char *from, int to_dir, const char *to) {
        static int (*real)(int, const char *, int, const char *);
        const char *at = getenv("KFB_KILL_AT_RENAME"), *log = getenv("KFB_RENAME_LOG");
        char link[64], dir[PATH_MAX];
        ssize_t n;

        if (!real)
                real = (int (*)(int, const char *, int, const char *)) dlsym(RTLD_NEXT, "renameat");
        n_rename++;
        if (log) {
                int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
                snprintf(link, sizeof(link), "/proc/self/fd/%d", to_dir);
                n = to[0] == '/' ? 0 : readlink(link, dir, sizeof(dir) - 1);
                dir[n > 0 ? n : 0] = 0;
                if (fd >= 0) {
                        dprintf(fd, "%s%s%s\n", dir, dir[0] ? "/" : "", to);
                        close(fd);
                }
        }
        if (at && atoi(at) == n_rename)
                raise(SIGKILL);
        return real(from_dir, from, to_dir, to);
}

ssize_t write(int fd, const void *buf, size_t count) {
        static ssize_t (*real)(int, const void *, size_t);
        const char *at = getenv("KFB_KILL_AT_TEMPWRITE");
        char link[64], target[PATH_MAX];
        ssize_t n;

        if (!real)
                real = (ssize_t (*)(int, const void *, size_t)) dlsym(RTLD_NEXT, "write");
        if (at && fd > 2) {
                snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
                n = readlink(link, target, sizeof(target) - 1);
                if (n > 0) {
                        target[n] = 0;
                        if (strstr(target, "/.#kfb.") && ++n_tempwrite == atoi(at)) {
                                real(fd, buf, count / 2);
                                raise(SIGKILL);
                        }
                }
        }
        return real(fd, buf, count);
}
EOF
cc -shared -fPIC -O2 -o "$WORK/killshim.so" "$WORK/killshim.c" -ldl || fail "cannot build the kill shim"
SHIM=$WORK/killshim.so

# model_state BIN: what the stand-ins remember (units, firewalld, addresses), without call counters.
model_state() {
        (cd "$1/state" && { find . -type f ! -name ncalls | LC_ALL=C sort; grep -r --exclude=ncalls . | LC_ALL=C sort; })
}
temp_files() { # DIR: leftover temporary files outside the agent's state directory
        (cd "$1" && find . -name '.#kfb.*' ! -path './var/lib/kube-firstboot/*' | sort)
}

# ---- the uninterrupted reference ---------------------------------------------------------------------
REF=$WORK/ref
host_tree "$REF/root"
host_bin "$REF/bin" "$REF/root"
LD_PRELOAD=$SHIM KFB_RENAME_LOG=$WORK/renames.log run_cmd -o "$WORK/ref.out" -e "$WORK/ref.err" -m "reference run" \
        agent "$REF/bin" "$REF/root" "$SEED" run --until host
ref_files=$(host_files "$REF/root")
ref_state=$(model_state "$REF/bin")
n_renames=$(wc -l <"$WORK/renames.log")
n_calls=$(cat "$REF/bin/state/ncalls")
# 25 commands on this seed since the swap, module and firewall steps make one call per verb for all their
# units, devices and ports (37 before); fewer than 20 would mean a step stopped calling what it must.
[ "$n_renames" -ge 15 ] && [ "$n_calls" -ge 20 ] || fail "reference run: only $n_renames renames and $n_calls commands"
echo "reference run: $n_renames file replacements, $n_calls commands"

# Every content a file may hold at any moment: the fixture's or the reference run's. proc/swaps is the
# stand-in's (swapoff shortens it one line at a time), not the agent's: left out.
declare -A allowed
fresh=$WORK/fresh
host_tree "$fresh"
while read -r p _ sum; do allowed["$p $sum"]=1; done < <(host_contents "$REF/root"; host_contents "$fresh")
# The bridge sysctls appear with the module, at 0 (the stand-in's modprobe, as CentOS 7 sets them).
zero=$(echo 0 | sha256sum | cut -d' ' -f1)
allowed["./proc/sys/net/bridge/bridge-nf-call-iptables $zero"]=1
allowed["./proc/sys/net/bridge/bridge-nf-call-ip6tables $zero"]=1

check_whole() { # ROOT WHEN
        local p sum
        while read -r p _ sum; do
                case $p in ./proc/swaps | */.#kfb.*) continue ;; esac
                [ -n "${allowed["$p $sum"]:-}" ] || fail "$2: $p is neither its original nor its final content"
        done < <(host_contents "$1")
}

iterations=0
crash_case() { # NAME, then env assignments / killat spec given by the caller through globals
        local name=$1 dir=$WORK/case rc
        rm -rf "$dir"
        host_tree "$dir/root"
        host_bin "$dir/bin" "$dir/root"
        [ -n "${KILLAT:-}" ] && echo "$KILLAT" >"$dir/bin/killat"
        # in a subshell whose stderr is dropped: bash reports the killed job there ("... Killed")
        (
                rc=0
                env ${KILL_ENV:-} LD_PRELOAD=$SHIM KUBE_FIRSTBOOT_PATH="$dir/bin" "$AGENT" --root "$dir/root" --live \
                        --seed "$SEED" run --until host 2>"$WORK/killed.err" || rc=$?
                echo "$rc" >"$WORK/killed.rc"
        ) 2>/dev/null
        rc=$(cat "$WORK/killed.rc")
        host_wait_standins "$dir/bin"
        [ "$rc" = 137 ] || {
                cat "$WORK/killed.err"
                fail "$name: the agent was not killed (exit status $rc)"
        }
        check_whole "$dir/root" "$name, after the kill"
        rm -f "$dir/bin/killat"
        KUBE_FIRSTBOOT_PATH="$dir/bin" run_cmd -o "$WORK/resumed.out" -e "$WORK/resumed.err" \
                -m "$name: the run after the kill" "$AGENT" --root "$dir/root" --live --seed "$SEED" run --until host
        assert_tree_same "$ref_files" "$(host_files "$dir/root")" "$name: end state differs from an uninterrupted run"
        diff -u <(echo "$ref_state") <(model_state "$dir/bin") || fail "$name: units or firewall differ from an uninterrupted run"
        assert_eq "" "$(temp_files "$dir/root")" "$name: temporary files left behind"
        leftover=$(cd "$dir/root" && find . -path './var/lib/kube-firstboot/*' -name '.#kfb.*')
        [ -z "$leftover" ] || echo "note: $name: the state directory keeps a temporary file: $leftover"
        iterations=$((iterations + 1))
}

# ---- kills inside file replacements --------------------------------------------------------------------
for ((k = 1; k <= n_renames; k++)); do
        KILLAT='' KILL_ENV="KFB_KILL_AT_RENAME=$k" crash_case "kill before rename $k ($(sed -n "${k}p" "$WORK/renames.log"))"
done
ok "killed before each of the $n_renames renames"
for ((k = 1; k <= n_renames; k++)); do
        KILLAT='' KILL_ENV="KFB_KILL_AT_TEMPWRITE=$k" crash_case "kill in the middle of temp write $k"
done
ok "killed in the middle of each temporary file write"

# ---- kills around commands -----------------------------------------------------------------------------
# Before and after each command that changes something (a query between them changes nothing: a kill
# there equals the kill after the change before it, or before the next file replacement).
n_mutating=0
for ((i = 1; i <= n_calls; i++)); do
        call=$(sed -n "${i}p" "$REF/bin/calls.log")
        [ -n "$(echo "$call" | mutating_calls /dev/stdin)" ] || continue
        KILL_ENV='' KILLAT="$i before" crash_case "kill before command $i ($call)"
        KILL_ENV='' KILLAT="$i after" crash_case "kill after command $i ($call)"
        n_mutating=$((n_mutating + 1))
done
# 11 on this seed (ip x3, mask, swapoff, modprobe, firewall-cmd x2, enable/start docker, enable kubelet):
# one call per verb, so a kill inside a batch (between two ports, two devices) is not a point the
# stand-ins can show; each batch is idempotent as a whole, and these are its before and after.
[ "$n_mutating" -ge 10 ] || fail "only $n_mutating mutating commands in the reference run"
ok "killed before and after each of the $n_mutating commands that change the host"

echo "$iterations interrupted runs, each resumed to the uninterrupted end state"
