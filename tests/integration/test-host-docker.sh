#!/bin/bash
# The docker step through the agent: /etc/docker/daemon.json gets the systemd cgroup driver merged in
# (other keys kept), docker is enabled, started or restarted only when needed and verified with
# `docker info`; a malformed daemon.json is an error and is left as it was. Each good case runs twice:
# the second run changes no byte and no mtime, and restarts nothing.
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/host-steps.sh"
. "$TOP/tests/lib/host-cases.sh"

FIX=$TOP/tests/data/fixtures/daemon-json
DJ=etc/docker/daemon.json
QUERIES='systemctl is-enabled docker
systemctl is-active docker
docker info --format {{.CgroupDriver}}'

docker_calls() { calls "$1" '^(systemctl [a-z-]+ docker|docker )'; }

# second_run D: run again (--force), nothing may change; docker only queried.
second_run() {
        local d=$1
        rerun_same "$d"
        assert_eq "$QUERIES" "$(docker_calls "$d")" "$d: second run's docker calls"
        assert_eq "" "$(step_log "$d" docker | grep -v '^unchanged: ' || true)" "$d: second run's docker actions"
        assert_eq 3 "$(step_log "$d" docker | grep -c '^unchanged: ')" "$d: second run's unchanged docker checks"
}

# ---- no daemon.json, docker installed but neither enabled nor running --------------------------------
d=$WORK/fresh
case_dir "$d"
unit "$d" docker
rm -rf "$d/root/etc/docker"
before=$(snapshot "$d")
agent_run "$d" plan || { cat "$d/out"; fail "plan failed"; }
assert_tree_same "$before" "$(snapshot "$d")" "plan changed the tree"
assert_eq "  docker     would create /etc/docker/daemon.json (absent -> exec-opts [\"native.cgroupdriver=systemd\"])
  docker     would enable docker.service (disabled -> enabled)
  docker     would start docker.service (inactive -> active)" "$(grep '^  docker ' "$d/out")" "plan's docker actions"

run_host "$d"
printf '{\n  "exec-opts":[\n    "native.cgroupdriver=systemd"\n  ]\n}\n' >"$WORK/fresh.expected"
assert_file_eq "$WORK/fresh.expected" "$d/root/$DJ"
assert_eq "644 755" "$(stat -c %a "$d/root/$DJ") $(stat -c %a "$d/root/etc/docker")" "new daemon.json and /etc/docker modes"
assert_eq "systemctl is-enabled docker
systemctl enable docker
systemctl is-active docker
systemctl start docker
docker info --format {{.CgroupDriver}}" "$(docker_calls "$d")" "fresh: docker calls"
assert_eq "create /etc/docker/daemon.json (absent -> exec-opts [\"native.cgroupdriver=systemd\"])
enable docker.service (disabled -> enabled)
start docker.service (inactive -> active)" "$(step_log "$d" docker)" "fresh: docker actions"
second_run "$d"
ok "no daemon.json: created, docker enabled and started, verified; second run changes nothing"

# ---- the images' first boot: their daemon.json, docker installed but not enabled, so not started --------
# (image/debian/build-test-image.sh writes this file; the images and the kickstart leave docker disabled):
# merged, then docker enabled and started once, with the systemd driver: no restart.
d=$WORK/image
case_dir "$d"
unit "$d" docker
mkdir -p "$d/root/etc/docker"
printf '{\n  "bridge": "none",\n  "iptables": false,\n  "ip-masq": false\n}\n' >"$d/root/$DJ"
run_host "$d"
assert_eq "systemctl is-enabled docker
systemctl enable docker
systemctl is-active docker
systemctl start docker
docker info --format {{.CgroupDriver}}" "$(docker_calls "$d")" "image: docker calls"
assert_eq systemd "$(cat "$d/bin/state/docker.started-with")" "image: the driver docker started with"
assert_eq "" "$(calls "$d" '^systemctl restart docker')" "image: docker restarted"
grep -q '"native.cgroupdriver=systemd"' "$d/root/$DJ" && grep -q '"bridge":"none"\|"bridge": "none"' "$d/root/$DJ" ||
        fail "image: daemon.json not merged: $(cat "$d/root/$DJ")"
second_run "$d"
ok "the images' first boot: daemon.json merged before docker's first start, docker started once, never restarted"

# ---- a lab daemon.json with other keys and the cgroupfs driver; docker running with cgroupfs ----------
d=$WORK/cgroupfs
case_dir "$d"
unit "$d" docker enabled
mkdir -p "$d/root/etc/docker"
cp "$FIX/cgroupfs-and-more.json" "$d/root/$DJ"
chmod 0640 "$d/root/$DJ"
unit "$d" docker active # running with the file as it is: cgroupfs
before=$(snapshot "$d")
agent_run "$d" plan || { cat "$d/out"; fail "plan failed"; }
assert_tree_same "$before" "$(snapshot "$d")" "plan changed the tree"
assert_contains "$(grep '^  docker ' "$d/out")" "would merge the systemd cgroup driver into /etc/docker/daemon.json (exec-opts [\"native.umask=normal\",\"native.cgroupdriver=cgroupfs\",\"isolation=default\"] -> exec-opts [\"native.umask=normal\",\"native.cgroupdriver=systemd\",\"isolation=default\"])" "plan"
assert_contains "$(grep '^  docker ' "$d/out")" "would restart docker.service for the new daemon.json" "plan"

run_host "$d"
assert_file_eq "$FIX/cgroupfs-and-more.expected" "$d/root/$DJ"
assert_eq 640 "$(stat -c %a "$d/root/$DJ")" "daemon.json keeps its mode"
assert_eq "systemctl is-enabled docker
systemctl is-active docker
systemctl restart docker
docker info --format {{.CgroupDriver}}" "$(docker_calls "$d")" "cgroupfs: docker calls"
second_run "$d"
ok "cgroupfs daemon.json merged (other keys kept), docker restarted once; second run changes nothing"

# ---- the full example of docker's documentation (the unit test merges every example) ------------------
d=$WORK/docs
case_dir "$d"
unit "$d" docker enabled active
mkdir -p "$d/root/etc/docker"
cp "$FIX/docs-linux-full.json" "$d/root/$DJ"
run_host "$d"
assert_file_eq "$FIX/docs-linux-full.expected" "$d/root/$DJ"
assert_eq "systemctl is-enabled docker
systemctl is-active docker
systemctl restart docker
docker info --format {{.CgroupDriver}}" "$(docker_calls "$d")" "docs: docker calls"
ok "docker's documentation example merged"

# ---- already right (the Kubernetes docs' daemon.json), docker running it: nothing to do --------------
d=$WORK/right
case_dir "$d"
mkdir -p "$d/root/etc/docker"
cp "$FIX/k8s-docs-systemd.json" "$d/root/$DJ"
touch -d '2020-01-01 00:00:00' "$d/root/$DJ"
unit "$d" docker enabled active
echo systemd >"$d/bin/state/docker.started-with" # docker started after the file was written
before=$(tree_snapshot "$d/root/$DJ")
run_host "$d"
assert_tree_same "$before" "$(tree_snapshot "$d/root/$DJ")" "an already right daemon.json was touched"
assert_eq "$QUERIES" "$(docker_calls "$d")" "right: docker calls"
second_run "$d"
ok "daemon.json already right and docker running it: left alone"

# ---- a run killed between the write and the restart: docker still runs cgroupfs --------------------
d=$WORK/resume
case_dir "$d"
unit "$d" docker enabled active
echo cgroupfs >"$d/bin/state/docker.started-with" # started before the file was written
mkdir -p "$d/root/etc/docker"
cp "$FIX/k8s-docs-systemd.json" "$d/root/$DJ"
run_host "$d"
assert_file_eq "$FIX/k8s-docs-systemd.json" "$d/root/$DJ"
assert_eq "systemctl is-enabled docker
systemctl is-active docker
docker info --format {{.CgroupDriver}}
systemctl restart docker
docker info --format {{.CgroupDriver}}" "$(docker_calls "$d")" "resume: docker calls"
assert_contains "$(step_log "$d" docker)" "restart docker.service: it still runs with the old cgroup driver (cgroupfs -> systemd)" "resume"
second_run "$d"
ok "daemon.json right but docker not restarted yet (killed run): restarted"

# ---- docker slow to answer after start: retried --------------------------------------------------------
d=$WORK/slow
case_dir "$d"
unit "$d" docker enabled
echo 2 >"$d/bin/state/docker.unready"
run_host "$d"
assert_eq 3 "$(calls "$d" '^docker info' | wc -l)" "docker info retried until it answers"
ok "docker info retried while docker comes up"

# ---- failures: each stops the run with a clear message and leaves daemon.json as it was ---------------
# fail_case D MESSAGE: the run fails, says MESSAGE, and docker was neither enabled, started nor restarted.
fail_case() {
        local d=$1 message=$2 before
        before=$(snapshot "$d")
        : >"$d/bin/calls.log"
        if agent_run "$d" run --until host; then fail "$d: run succeeded"; fi
        assert_contains "$(cat "$d/out")" "$message" "$d: error message"
        assert_eq "" "$(calls "$d" '^systemctl (enable|start|restart) docker')" "$d: docker touched"
}

d=$WORK/malformed
case_dir "$d"
unit "$d" docker enabled active
mkdir -p "$d/root/etc/docker"
printf '{\n  "log-driver": "json-file",\n  "exec-opts": ["native.cgroupdriver=cgroupfs",]\n}\n' >"$d/root/$DJ"
before=$(tree_snapshot "$d/root/$DJ")
fail_case "$d" "$d/root/$DJ:3:48: not valid JSON"
assert_tree_same "$before" "$(tree_snapshot "$d/root/$DJ")" "malformed daemon.json changed"
assert_eq "daemon.json" "$(cd "$d/root/etc/docker" && find . -mindepth 1 -printf '%P\n')" "files in /etc/docker"
ok "malformed daemon.json: error naming file, line and column; file untouched"

d=$WORK/array
case_dir "$d"
unit "$d" docker enabled active
mkdir -p "$d/root/etc/docker"
echo '["native.cgroupdriver=systemd"]' >"$d/root/$DJ"
fail_case "$d" "$d/root/$DJ:1:1: the top level is a JSON array, docker wants an object; left as it is"
assert_eq '["native.cgroupdriver=systemd"]' "$(cat "$d/root/$DJ")" "non-object daemon.json changed"
ok "non-object daemon.json: error, untouched"

d=$WORK/huge
case_dir "$d"
unit "$d" docker enabled active
mkdir -p "$d/root/etc/docker"
{ printf '{"pad": "'; head -c 1100000 /dev/zero | tr '\0' x; printf '"}\n'; } >"$d/root/$DJ"
before=$(tree_snapshot "$d/root/$DJ")
fail_case "$d" "larger than 1024 KiB"
assert_tree_same "$before" "$(tree_snapshot "$d/root/$DJ")" "oversized daemon.json changed"
ok "oversized daemon.json: refused, untouched"

d=$WORK/masked
case_dir "$d"
unit "$d" docker masked
fail_case "$d" "docker.service is masked"
ok "masked docker.service: clear error"

d=$WORK/wrongdriver
case_dir "$d"
unit "$d" docker enabled active
echo cgroupfs >"$d/bin/state/docker.driver" # dockerd's command line wins over daemon.json
if agent_run "$d" run --until host; then fail "wrongdriver: run succeeded"; fi
assert_contains "$(cat "$d/out")" "docker reports cgroup driver \"cgroupfs\" after the restart, not systemd" "wrongdriver"
ok "docker still reporting cgroupfs after the restart: clear error"
