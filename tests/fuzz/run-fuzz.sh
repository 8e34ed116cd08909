#!/bin/bash
# Runs the libFuzzer binaries of `make fuzz` (BUILD/fuzz/fuzz-NAME) for FUZZ_SECONDS each, from a copy
# of tests/fuzz/corpus/NAME (the checked-in corpus stays small: the working corpus lives in
# BUILD/fuzz-work/NAME), with tests/fuzz/NAME.dict when there is one. Prints one line per target:
# executions, executions per second, final coverage, crashes (crash-, leak-, timeout- and oom- files
# left in BUILD/fuzz-work/NAME/artifacts/). Exit 1 when any target found something.
# Usage: tests/fuzz/run-fuzz.sh BUILD [NAME...]     FUZZ_SECONDS (60), FUZZ_JOBS (1): targets at once
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: run-fuzz.sh BUILD [NAME...]}
shift
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
        for b in "$build"/fuzz/fuzz-*; do
                [ -x "$b" ] && names+=("$(basename "$b" | sed 's/^fuzz-//')")
        done
fi
[ ${#names[@]} -gt 0 ] || { echo "run-fuzz: no fuzz binaries in $build/fuzz (make fuzz builds them)" >&2; exit 1; }

run_one() { # NAME: runs it, leaves BUILD/fuzz-work/NAME/summary
        local name=$1 bin=$build/fuzz/fuzz-$1 work=$build/fuzz-work/$1 dict=()
        [ -x "$bin" ] || { echo "$name: $bin missing" >"$build/fuzz-work/$name.summary"; return; }
        mkdir -p "$work/corpus" "$work/artifacts"
        cp -n "$top/tests/fuzz/corpus/$name"/* "$work/corpus/" 2>/dev/null || true
        [ -f "$top/tests/fuzz/$name.dict" ] && dict=(-dict="$top/tests/fuzz/$name.dict")
        # -timeout: one input taking 10 s is a hang; -rss_limit_mb: a leak or a runaway allocation.
        local start=$SECONDS
        "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
                -artifact_prefix="$work/artifacts/" "${dict[@]}" "$work/corpus" >"$work/log" 2>&1 || true
        local runs rate cov crashes elapsed=$((SECONDS - start))
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
        cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1 | cut -d' ' -f2)
        crashes=$(find "$work/artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
                -o -name 'oom-*' -o -name 'slow-unit-*' \) | wc -l)
        printf '%-14s %12s executions in %5s s  %8s/s  coverage %-6s  crashes %s\n' "$name" "${runs:-?}" "$elapsed" \
                "${rate:-?}" "${cov:-?}" "$crashes" >"$build/fuzz-work/$name.summary"
}

mkdir -p "$build/fuzz-work"
running=0
for n in "${names[@]}"; do
        rm -f "$build/fuzz-work/$n.summary"
        run_one "$n" &
        running=$((running + 1))
        if [ "$running" -ge "$jobs" ]; then
                wait -n || true
                running=$((running - 1))
        fi
done
wait

found=0
for n in "${names[@]}"; do
        cat "$build/fuzz-work/$n.summary"
        grep -q 'crashes 0$' "$build/fuzz-work/$n.summary" || found=1
done
if [ "$found" -ne 0 ]; then
        echo "run-fuzz: findings in $build/fuzz-work/*/artifacts (logs beside them)" >&2
fi
exit "$found"
