#!/bin/bash
# Runs the test suite: unit tests (cmocka), fuzz corpus replays, integration scripts.
# Usage: run-tests.sh [unit|fuzz|integration|NAME...]   (no argument: everything)
# Ends with the plain line "N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
BUILDDIR=${BUILDDIR:-$top/build}
export BUILDDIR TOP="$top"
log_dir=$BUILDDIR/test-logs
mkdir -p "$log_dir"

passed=0
failed=0
skipped=0
failures=()

selected() {
        local kind=$1 name=$2
        [ ${#FILTER[@]} -eq 0 ] && return 0
        for f in "${FILTER[@]}"; do
                [ "$f" = "$kind" ] && return 0
                [[ "$name" == *"$f"* ]] && return 0
        done
        return 1
}

run_one() {
        local name=$1
        shift
        local log=$log_dir/$name.log start end
        mkdir -p "$(dirname "$log")"
        start=$(date +%s.%N)
        if "$@" >"$log" 2>&1; then
                end=$(date +%s.%N)
                printf 'PASS: %-40s %6.2fs\n' "$name" "$(awk "BEGIN { print $end - $start }")"
                passed=$((passed + 1))
        else
                local rc=$?
                # 77: the test could not run here and said why (its log's last line); never in CI.
                if [ $rc -eq 77 ] && [ -z "${CI:-}" ]; then
                        printf 'SKIP: %-40s %s\n' "$name" "$(tail -n 1 "$log")"
                        skipped=$((skipped + 1))
                        return
                fi
                printf 'FAIL: %-40s (exit %d, log %s)\n' "$name" "$rc" "$log"
                tail -n 30 "$log" | sed 's/^/    | /'
                failed=$((failed + 1))
                failures+=("$name")
        fi
}

FILTER=("$@")

for t in "$BUILDDIR"/tests/test-*; do
        [ -x "$t" ] || continue
        name=unit/$(basename "$t")
        selected unit "$name" && run_one "$name" "$t"
done

for t in "$BUILDDIR"/tests/replay-*; do
        [ -x "$t" ] || continue
        target=$(basename "$t")
        target=${target#replay-fuzz-}
        name=fuzz/$target
        selected fuzz "$name" && run_one "$name" "$t" "$top/tests/fuzz/corpus/$target"
done

for t in "$top"/tests/integration/test-*.sh; do
        [ -f "$t" ] || continue
        name=integration/$(basename "$t" .sh)
        selected integration "$name" && run_one "$name" bash "$t"
done

# Real boots (tests/vm/): part of everything; `make check-vm` (filter "vm") runs them alone.
for t in "$top"/tests/vm/test-*.sh; do
        [ -f "$t" ] || continue
        name=vm/$(basename "$t" .sh)
        selected vm "$name" && run_one "$name" bash "$t"
done

echo
if [ $failed -gt 0 ]; then
        echo "Failed: ${failures[*]}"
fi
if [ $skipped -gt 0 ]; then
        echo "$passed passed, $failed failed, $skipped skipped"
else
        echo "$passed passed, $failed failed"
fi
[ $failed -eq 0 ] && [ $passed -gt 0 ]
