#!/bin/bash
# Secrets leave no trace. The control plane is provisioned with -v (kubeadm init prints its token and the
# join command into the output the agent keeps), a seed URL with a password is tried first (on --seed and
# on the kernel command line, with -v), and then refresh-token renews the token; afterwards:
#  - neither token, nor the cluster key, nor the URL password is in any log file (the agent log, the store's
#    log and progress reports), on the agent's stdout or stderr (what the journal gets), or on the command
#    line of any process at any kubeadm or kubectl call: the stand-in records, at the start of every call,
#    its parent's command line (the agent's) and that of every process in this test's network namespace
#    (/proc/*/cmdline: the agent, the commands it runs, the store);
#  - the agent log is 0600 and holds kubeadm's output with the tokens' ids only (so the output was there);
#  - no rendered kubeadm configuration is left in /run/kube-firstboot, and one that a killed run left
#    there is removed by the next run.
# Runs in private network and UTS namespaces: the store (kube-firstboot-server) listens on the lab's
# 192.168.220.1:8780, on this namespace's loopback; nothing leaves it.
if [ -z "${KFB_PRIVATE_NET:-}" ]; then
        exec unshare -n -u env KFB_PRIVATE_NET=1 bash "$0" "$@"
fi
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/host-steps.sh"
. "$TOP/tests/lib/netns-lab.sh"
. "$TOP/tests/lib/role-lab.sh"
role_lab_netns 192.168.220.1 192.168.220.104
cleanup_hooks+=(store_stop)
store_start "$WORK/store"

M=$WORK/master
lab_host master "$REF/master"
touch "$M/bin/kubeadm.ca-ecdsa"
PASSWORD=s3cretPW-$RANDOM$RANDOM
SEED_URL="http://admin:$PASSWORD@192.168.220.1:8780/v1/seeds/master/"
STATE=$M/root/var/lib/kube-firstboot/lab-master-1
AGENT_LOG=$M/root/var/log/kube-firstboot.log

# agent OUT ARGS...: the agent on the master's tree, its stdout and stderr (the journal's) appended to OUT;
# its exit status in $rc.
agent_on_master() {
        local out=$1
        shift
        rc=0
        KUBE_FIRSTBOOT_PATH="$M/bin" "$AGENT" -v --root "$M/root" --live "$@" >>"$out" 2>&1 || rc=$?
}

# ---- a seed URL with a password, with -v: refused, and the password shown nowhere -------------------------
agent_on_master "$WORK/url-option.log" --seed "$SEED_URL" show-seed
assert_eq 2 "$rc" "show-seed of a seed URL with credentials"
[ ! -e "$M/root/proc/cmdline" ] || fail "the fixture has a kernel command line: this test would replace it"
echo "BOOT_IMAGE=/vmlinuz ro ds=nocloud-net;s=$SEED_URL" >"$M/root/proc/cmdline"
agent_on_master "$WORK/url-cmdline.log" run
assert_eq 2 "$rc" "run with a seed URL with credentials on the kernel command line"
assert_contains "$(cat "$WORK/url-cmdline.log")" "names seed http://admin:<redacted>@192.168.220.1:8780/" \
        "the -v message naming the kernel command line's seed"
rm "$M/root/proc/cmdline"
ok "seed URL with a password: refused, shown as admin:<redacted>@ with -v"

# ---- the control plane, with -v --------------------------------------------------------------------------
agent_on_master "$WORK/run.log" --seed "$M/seed" run
[ "$rc" = 0 ] || { tail -n 30 "$WORK/run.log"; fail "control plane run failed"; }
TOKEN1=$(cut -d' ' -f1 "$STATE/token")
[[ "$TOKEN1" =~ ^[a-z0-9]{6}\.[a-z0-9]{16}$ ]] || fail "no token in $STATE/token"
grep -q "^kubeadm init --config " "$M/bin/calls.log" || fail "kubeadm init did not run"
ok "control plane provisioned with -v"
# a run that found nothing left in /run/kube-firstboot says nothing removed
if grep -q "removed, left by a run that did not finish" "$WORK/run.log"; then
        fail "the first run reports a leftover configuration removed: $(grep 'removed, left by' "$WORK/run.log")"
fi

# ---- refresh-token, with a leftover of a killed join in /run/kube-firstboot ------------------------------
echo "$TOKEN1 $(($(date +%s) + 3600))" >"$STATE/token"
printf 'kind: JoinConfiguration\ndiscovery:\n  bootstrapToken:\n    token: "%s"\n' "$TOKEN1" \
        >"$M/root/run/kube-firstboot/kubeadm-join.yaml"
chmod 600 "$M/root/run/kube-firstboot/kubeadm-join.yaml"
agent_on_master "$WORK/refresh.log" --seed "$M/seed" refresh-token
[ "$rc" = 0 ] || { tail -n 30 "$WORK/refresh.log"; fail "refresh-token failed"; }
TOKEN2=$(cut -d' ' -f1 "$STATE/token")
[[ "$TOKEN2" =~ ^[a-z0-9]{6}\.[a-z0-9]{16}$ ]] || fail "no token in $STATE/token after refresh-token"
[ "$TOKEN2" != "$TOKEN1" ] || fail "refresh-token made no new token"
grep -q "^kubeadm token create --ttl 24h0m0s " "$M/bin/calls.log" || fail "kubeadm token create did not run"
# the token is the one kubeadm made: it is in the stand-in's cluster, and published
grep -qF "\"token\": \"$TOKEN2\"" "$M/root/var/lib/kubeadm-standin/cluster.json" || fail "the new token is not the cluster's"
plain=$(/usr/bin/python3 "$JR" open "$KEY" lab <"$WORK/store/state/clusters/lab/join.json") ||
        fail "the published record does not open"
assert_contains "$plain" "\"token\":\"$TOKEN2\"" "the republished record's token"
ok "refresh-token: kubeadm drew the token ($(grep -c '^kubeadm ' "$M/bin/calls.log") kubeadm calls," \
        "$(grep -c '^kubectl ' "$M/bin/calls.log") kubectl calls in all)"

# ---- no trace ----------------------------------------------------------------------------------------------
# Every kubeadm and kubectl call sampled the command lines, and the agent was among its ancestors.
assert_eq "$(grep -cE '^(kubeadm|kubectl) ' "$M/bin/calls.log")" "$(grep -c '^call ' "$M/bin/cmdlines.log")" \
        "calls sampled in cmdlines.log"
grep -q "^call kubeadm token create " "$M/bin/cmdlines.log" || fail "kubeadm token create not sampled"
grep -q "^call kubeadm init " "$M/bin/cmdlines.log" || fail "kubeadm init not sampled"
[ "$(grep -cE "^parent [0-9]+ .*kube-firstboot -v --root $M/root --live --seed $M/seed (run|refresh-token)\$" "$M/bin/cmdlines.log")" = \
        "$(grep -c '^call ' "$M/bin/cmdlines.log")" ] || fail "the agent is not the parent of every call"
grep -q "^proc [0-9]* .*kube-firstboot-server --config $WORK/store/server.yaml" "$M/bin/cmdlines.log" ||
        fail "the sample of the test's processes misses the store"

# where each secret must not be: name, then the text (the tokens' secret halves: their ids are kept)
declare -A secrets=([first token]=${TOKEN1#*.} [refreshed token]=${TOKEN2#*.} [cluster key]=$KEY
        [URL password]=$PASSWORD)
places=("$AGENT_LOG" "$WORK/url-option.log" "$WORK/url-cmdline.log" "$WORK/run.log" "$WORK/refresh.log"
        "$M/bin/cmdlines.log" "$M/bin/calls.log" "$WORK/store/server.log" "$M/root/run/kube-firstboot")
# every log file of the host tree, and the store's progress reports
while IFS= read -r f; do places+=("$f"); done < <(find "$M/root/var/log" -type f)
while IFS= read -r f; do places+=("$f"); done < <(find "$WORK/store/state" -type f ! -name join.json)
for what in "${!secrets[@]}"; do
        for p in "${places[@]}"; do
                [ -e "$p" ] || fail "$p does not exist"
                if grep -rqF -- "${secrets[$what]}" "$p"; then
                        fail "the $what is in $p: $(grep -rF -- "${secrets[$what]}" "$p" | head -n 3)"
                fi
        done
done
ok "no token, cluster key or URL password in ${#places[@]} logs, outputs and command-line samples"

# The agent log has kubeadm's output, the tokens' ids, and nothing more of them; only root reads it.
assert_eq 600 "$(stat -c %a "$AGENT_LOG")" "the agent log's mode"
grep -qF "[bootstrap-token] Using token: ${TOKEN1%%.*}.<redacted>" "$AGENT_LOG" ||
        fail "kubeadm init's token line is not in the agent log, redacted"
grep -qF -- "--token ${TOKEN1%%.*}.<redacted>" "$AGENT_LOG" || fail "kubeadm init's join command is not in the agent log, redacted"
grep -qxF "${TOKEN2%%.*}.<redacted>" "$AGENT_LOG" || fail "kubeadm token create's output is not in the agent log, redacted"
ok "agent log 0600: kubeadm's output with the tokens' ids only"

# No rendered configuration is left; the stand-in saw one for init (so there was one to remove).
ls "$M/bin/kubeadm-configs/"*-init.yaml >/dev/null 2>&1 || fail "kubeadm init was given no --config file"
left=$(find "$M/root/run/kube-firstboot" -name 'kubeadm-*.yaml')
[ -z "$left" ] || fail "rendered kubeadm configurations left: $left"
grep -q "kubeadm-join.yaml: removed, left by a run that did not finish" "$WORK/refresh.log" ||
        fail "the leftover join configuration was not reported removed"
ok "no kubeadm configuration left in /run/kube-firstboot (the one a killed run left removed)"
