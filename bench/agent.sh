#!/bin/bash
# Benchmark of the agent beside cloud-init, in one run (prints figures; not a test):
#  1. `kube-firstboot show-seed` on the reference seed (tests/data/seeds/reference/master), RUNS times;
#  2. the whole host stage, `run --until host`, under --root on a fresh copy of the host fixture tree
#     each time, with the modelling stand-ins of tests/lib/host-steps.sh for every command, in a
#     private UTS namespace, RUNS times. Its seed is tests/data/host-fixtures/seeds/master: the reference
#     seed with the metadata endpoint moved to 127.0.0.1:9, where nothing listens (the reference's
#     192.168.220.1 is not to be contacted from here);
#  2h. like for like with 3: only what cloud-init does there, `run --until hosts` (the host stage's steps
#     growroot, hostname and hosts: the name and /etc/hosts; growroot finds no root mount under --root
#     and runs nothing), on the same fixture, seed and namespace as 2, RUNS times. Both 2 and 2h include
#     the agent's progress reports ("seed" done, "host" running; the endpoint is required in a seed),
#     which load libcrypto and libcurl (see the cost centres printed at the end);
#  3. cloud-init (Debian's package) setting the hostname and /etc/hosts from the same NoCloud seed at
#     boot: `cloud-init init --local` then `cloud-init init`, limited to set_hostname and
#     update_etc_hosts, in a throw-away mount and UTS namespace (bench/cloud-init-ns.sh), RUNS times.
# Median (and 95th percentile) wall time and peak RSS of each, and the ratios cloud-init / agent.
# cloud-init is installed here if missing, never enabled: policy-rc.d keeps its services from starting
# during the install, /etc/cloud/cloud-init.disabled keeps its generator from enabling it at boot, its
# systemd units are masked and its sysvinit links disabled. Nothing else is installed or removed.
# Usage: bench/agent.sh   (as root; BUILDDIR as for the tests; RUNS, default 20)
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/host-steps.sh"
. "$TOP/bench/lib.sh"

bench_require "namespaces, installing cloud-init"
MEASURE=$(bench_measure_bin)
SEED=$TOP/tests/data/seeds/reference/master
HOST_SEED=$HOST_FIXTURES/seeds/master

install_cloud_init() {
        local made_policy=false u
        dpkg-query -W -f='${Status}' cloud-init 2>/dev/null | grep -q 'install ok installed' && return 0
        echo "installing cloud-init (not enabled: see the header of bench/agent.sh)"
        if [ ! -e /usr/sbin/policy-rc.d ]; then
                printf '#!/bin/sh\n# bench/agent.sh: no service starts while cloud-init is installed\nexit 101\n' \
                        >/usr/sbin/policy-rc.d
                chmod 755 /usr/sbin/policy-rc.d
                made_policy=true
        fi
        mkdir -p /etc/cloud
        touch /etc/cloud/cloud-init.disabled
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends cloud-init >/dev/null ||
                fail "cannot install cloud-init"
        for u in cloud-init-local.service cloud-init.service cloud-config.service cloud-final.service \
                cloud-init-hotplugd.service cloud-init-hotplugd.socket cloud-config.target cloud-init.target; do
                ln -sfn /dev/null "/etc/systemd/system/$u"
        done
        # and for sysvinit, whose links the package's postinst made
        if command -v update-rc.d >/dev/null; then
                for u in cloud-init-local cloud-init cloud-config cloud-final; do
                        [ ! -e "/etc/init.d/$u" ] || update-rc.d "$u" disable >/dev/null 2>&1 || true
                done
        fi
        if $made_policy; then rm -f /usr/sbin/policy-rc.d; fi
}

# fresh_host DIR: a fixture root and stand-ins under DIR (not timed)
fresh_host() {
        rm -rf "$1"
        host_tree "$1/root"
        host_bin "$1/bin" "$1/root"
}

echo "kube-firstboot agent benchmark: $(bench_load)"
echo "agent: $("$AGENT" --version | head -1), $AGENT"
install_cloud_init
echo "cloud-init: $(cloud-init --version 2>&1 | head -1)"
echo "$RUNS runs each; wall time from fork to wait4, peak RSS from wait4 (ru_maxrss)"
echo

# ---- 1. show-seed ----------------------------------------------------------------------------------
mkdir -p "$WORK/empty-root"
: >"$WORK/show-seed.txt"
for _ in $(seq "$RUNS"); do
        MEASURE_QUIET=1 "$MEASURE" "$AGENT" --root "$WORK/empty-root" --seed "$SEED" show-seed >>"$WORK/show-seed.txt"
done
awk '$3 != 0 { exit 1 }' "$WORK/show-seed.txt" || fail "show-seed failed: $(cat "$WORK/show-seed.txt")"

# ---- 2. host stage, and 2h. only the name and /etc/hosts: run --until hosts ----------------------------
# host_runs STEP OUT: RUNS measured runs of run --until STEP into OUT, each on a fresh tree (not timed); each
# must write /etc/hostname and the managed block of /etc/hosts.
host_runs() {
        local step=$1 out=$2 i
        : >"$out"
        for i in $(seq "$RUNS"); do
                fresh_host "$WORK/h"
                KUBE_FIRSTBOOT_PATH=$WORK/h/bin MEASURE_QUIET=1 unshare -u "$MEASURE" "$AGENT" --root "$WORK/h/root" \
                        --seed "$HOST_SEED" run --until "$step" >>"$out"
                [ "$(cat "$WORK/h/root/etc/hostname")" = master ] || fail "run $i: run --until $step did not write /etc/hostname"
                grep -q '^192\.168\.220\.104[[:space:]]' "$WORK/h/root/etc/hosts" ||
                        fail "run $i: run --until $step did not write the managed block of /etc/hosts"
        done
        awk '$3 != 0 { exit 1 }' "$out" || fail "run --until $step failed: $(cat "$out")"
}
host_runs host "$WORK/host.txt"
commands=$(wc -l <"$WORK/h/bin/calls.log")
host_runs hosts "$WORK/hosts-only.txt"
hosts_commands=$(wc -l <"$WORK/h/bin/calls.log")

# ---- 3. cloud-init ---------------------------------------------------------------------------------
# the fixture's /etc/hosts, so both start from the same file
cp "$HOST_FIXTURES/root/etc/hosts" "$WORK/hosts"
KFB_BENCH_NS=1 unshare -mu --propagation private bash "$TOP/bench/cloud-init-ns.sh" "$MEASURE" "$SEED" "$WORK/hosts" \
        "$RUNS" >"$WORK/cloud-init.txt" || fail "cloud-init run failed"
# the machine's own files were never in reach; say so from evidence
[ ! -e /var/log/cloud-init.log ] || echo "note: /var/log/cloud-init.log exists on this machine (not from this run: it never sees /var/log)"

# ---- figures ---------------------------------------------------------------------------------------
read -r s_wall s_wall95 _ _ <<<"$(bench_stats "$WORK/show-seed.txt" 1 1000)"
read -r s_rss s_rss95 _ _ <<<"$(bench_stats "$WORK/show-seed.txt" 2 1024)"
read -r h_wall h_wall95 _ _ <<<"$(bench_stats "$WORK/host.txt" 1 1000)"
read -r h_rss h_rss95 _ _ <<<"$(bench_stats "$WORK/host.txt" 2 1024)"
read -r o_wall o_wall95 _ _ <<<"$(bench_stats "$WORK/hosts-only.txt" 1 1000)"
read -r o_rss o_rss95 _ _ <<<"$(bench_stats "$WORK/hosts-only.txt" 2 1024)"
read -r c_wall c_wall95 _ _ <<<"$(bench_stats "$WORK/cloud-init.txt" 1 1000)"
read -r c_rss c_rss95 _ _ <<<"$(bench_stats "$WORK/cloud-init.txt" 2 1024)"

printf '%-48s %10s %10s %12s %12s\n' "" "median ms" "p95 ms" "median MiB" "p95 MiB"
printf '%-48s %10s %10s %12s %12s   goal < 5 ms, < 3 MiB\n' "1. kube-firstboot show-seed" "$s_wall" "$s_wall95" "$s_rss" "$s_rss95"
printf '%-48s %10s %10s %12s %12s   goal < 10 ms, < 4 MiB\n' "2. kube-firstboot run --until host ($commands cmds)" \
        "$h_wall" "$h_wall95" "$h_rss" "$h_rss95"
printf '%-48s %10s %10s %12s %12s\n' "2h. kube-firstboot run --until hosts ($hosts_commands cmds)" \
        "$o_wall" "$o_wall95" "$o_rss" "$o_rss95"
printf '%-48s %10s %10s %12s %12s\n' "3. cloud-init init --local + init" "$c_wall" "$c_wall95" "$c_rss" "$c_rss95"
echo
echo "cloud-init / host stage (2):     $(bench_ratio "$c_wall" "$h_wall")x the time, $(bench_ratio "$c_rss" "$h_rss")x the memory   (goal >= 50x, >= 10x)"
echo "cloud-init / name and hosts (2h): $(bench_ratio "$c_wall" "$o_wall")x the time, $(bench_ratio "$c_rss" "$o_rss")x the memory   (like for like)"
echo "cloud-init / show-seed:          $(bench_ratio "$c_wall" "$s_wall")x the time, $(bench_ratio "$c_rss" "$s_rss")x the memory"
echo
echo "what each row does:"
echo "  1   reads and validates the seed, prints it; loads neither libcrypto nor libcurl"
echo "  2   the whole host stage: seed, name, /etc/hosts, address, swap, modules, sysctls, SELinux, firewalld,"
echo "      docker, kubelet, ssh keys, $commands stand-in commands (tests/lib/host-steps.sh), state files, the agent log,"
echo "      and two progress reports to 127.0.0.1:9 (refused at once) that load libcrypto and libcurl"
echo "  2h  what cloud-init does in 3: seed, name (sethostname(2) and /etc/hostname), /etc/hosts' managed block,"
echo "      $hosts_commands commands, the same state files, agent log and two progress reports (libcrypto and libcurl"
echo "      loaded) as 2; the host stage is left pending"
echo "  3   cloud-init's init --local and init stages with set_hostname and update_etc_hosts only (Python)"

# ---- where the agent's time and memory go ------------------------------------------------------------
echo
echo "cost centres of show-seed:"
echo "  shared libraries at start: $(LD_TRACE_LOADED_OBJECTS=1 "$AGENT" | grep -c '=>') ($(LD_TRACE_LOADED_OBJECTS=1 "$AGENT" |
        awk '/=>/ { print $1 }' | tr '\n' ' '))"
LD_DEBUG=statistics "$AGENT" --root "$WORK/empty-root" --seed "$SEED" show-seed 2>&1 >/dev/null |
        sed -n 's/^ *[0-9]*: *//; /total startup time\|number of relocations:\|time needed for relocation/p' | sed 's/^/  ld.so: /' | head -4
for _ in $(seq "$RUNS"); do "$MEASURE" /bin/true; done >"$WORK/floor.txt"
read -r f_wall _ _ _ <<<"$(bench_stats "$WORK/floor.txt" 1 1000)"
read -r f_rss _ _ _ <<<"$(bench_stats "$WORK/floor.txt" 2 1024)"
echo "  fork+exec+wait floor here (/bin/true, median of $RUNS): $f_wall ms, $f_rss MiB"
# one command as the host stage runs it: the modelling stand-in, reading and writing its state
for _ in $(seq "$RUNS"); do
        MEASURE_QUIET=1 "$MEASURE" "$WORK/h/bin/systemctl" is-enabled kubelet.service
done >"$WORK/standin.txt"
read -r c_cmd _ _ _ <<<"$(bench_stats "$WORK/standin.txt" 1 1000)"
echo "cost centres of the host stage:"
echo "  $commands commands run; one stand-in call (systemctl is-enabled) takes $c_cmd ms here (median of $RUNS),"
echo "  so about $(awk -v n="$commands" -v f="$c_cmd" 'BEGIN { printf "%.0f", n * f }') ms of the median are the commands;" \
        "the rest, about $(awk -v h="$h_wall" -v n="$commands" -v f="$c_cmd" 'BEGIN { r = h - n * f; printf "%.0f", r < 0 ? 0 : r }') ms," \
        "is spawning them from the agent (vfork+execve: the agent is not copied, nothing is closed in the child), the" \
        "stand-ins' own work for changing calls, and the agent's own work"
echo "  progress reports to the endpoint (127.0.0.1:9 here) load libcrypto (the bearer) and libcurl:"
${CC:-cc} -O2 -o "$WORK/dlopen-cost" "$TOP/bench/dlopen-cost.c" -ldl &&
        "$WORK/dlopen-cost" libcrypto.so.3 libcurl.so.4 >"$WORK/dlopen-cost.txt" || fail "bench/dlopen-cost failed"
sed 's/^/  /' "$WORK/dlopen-cost.txt"
dl_ms=$(awk '$1 == "+" { t += $3 } END { printf "%.1f", t }' "$WORK/dlopen-cost.txt")
echo "cost centres of run --until hosts (2h):"
echo "  2h takes $(awk -v o="$o_wall" -v s="$s_wall" 'BEGIN { printf "%.1f", o - s }') ms and $(awk -v o="$o_rss" -v s="$s_rss" \
        'BEGIN { printf "%.1f", o - s }') MiB more than show-seed (1): the state directory and its lock, the agent log, the"
echo "  hostname and /etc/hosts writes (fsync'd, atomic), growroot's look at the mounts, and the two progress reports,"
echo "  whose library loads alone are about $dl_ms ms in this run (dlopen-cost above); it runs $hosts_commands commands"
