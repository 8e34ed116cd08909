#!/bin/bash
# The commands the agent runs get stdin, stdout and stderr and no other descriptor of the agent's: the
# agent spawns them without closing anything by hand (firstboot/lib/spawn.c), so this rests on every
# descriptor being close-on-exec, its own (the agent log, the state lock, the files it reads and writes),
# libcurl's (the progress reports before and during the host stage) and those it inherited (fd 7 here,
# opened without close-on-exec). The whole host stage runs under --root with the modelling stand-ins, each of which
# records the descriptors it started with (tests/stand-ins/host-model.c, BIN/fds.log).
# A private UTS namespace, as in test-host-steps.sh: sethostname(2) leaves the test machine's name alone.
. "$(dirname "$0")/../lib/host-uts.sh"

R=$WORK/root
B=$WORK/bin
host_tree "$R"
host_bin "$B" "$R"
: >"$B/fds.log"
# an inherited descriptor without close-on-exec, as a careless parent (a shell) may hand over
agent "$B" "$R" "$HOST_FIXTURES/seeds/master" run --until host 2>"$WORK/run.err" 7<"$R/etc/hosts" || {
        cat "$WORK/run.err"
        fail "run --until host failed"
}
[ "$(cat "$R/etc/hostname")" = master ] || fail "the host stage did not run"
calls=$(grep -cE "^($(IFS='|'; echo "${HOST_COMMANDS[*]}")) " "$B/calls.log" || true)
[ "$calls" -ge 10 ] || fail "only $calls stand-in calls recorded: $(cat "$B/calls.log")"
assert_eq "$calls" "$(wc -l <"$B/fds.log")" "stand-in calls with their descriptors recorded"
if grep -vE '^[a-z_-]+: 0 1 2$' "$B/fds.log"; then
        fail "commands started with more descriptors than 0, 1 and 2 (above)"
fi
ok "$calls commands of the host stage started with descriptors 0, 1 and 2 only"
