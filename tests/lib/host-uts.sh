# shellcheck shell=bash
# The start of the host-step tests that set the hostname (tests/integration/test-host-steps.sh and the
# like), sourced first: re-runs the test in a private UTS namespace, so that sethostname(2) leaves the test
# machine's name alone, then loads common.sh and host-steps.sh and requires the built agent.
if [ -z "${KFB_PRIVATE_UTS:-}" ]; then
        exec unshare -u env KFB_PRIVATE_UTS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/host-steps.sh"
[ -x "$AGENT" ] || fail "no agent at $AGENT (build it first)"
