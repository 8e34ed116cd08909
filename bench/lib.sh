# shellcheck shell=bash
# Helpers for bench/agent.sh and bench/join-latency.sh (bash; source after tests/lib/common.sh).

# bench_require WHY: RUNS (default 20) set; fails unless run as root (WHY: what root is needed for) with the
# agent built.
bench_require() {
        RUNS=${RUNS:-20}
        [ "$(id -u)" -eq 0 ] || fail "bench/$(basename "$0") needs root ($1)"
        [ -x "$AGENT" ] || fail "no agent at $AGENT (make BUILDDIR=... first)"
}

# bench_measure_bin: builds bench/measure.c once per run into $WORK; prints its path.
bench_measure_bin() {
        if [ ! -x "$WORK/measure" ]; then
                ${CC:-cc} -O2 -Wall -Wextra -o "$WORK/measure" "$TOP/bench/measure.c" || fail "cannot build bench/measure.c"
        fi
        echo "$WORK/measure"
}

# bench_stats FILE COLUMN SCALE: "median p95 min max" of a column of numbers (1-based), each divided by
# SCALE, with 2 decimals. p95 is the nearest-rank percentile (the 19th of 20).
bench_stats() {
        python3 - "$@" <<'EOF'
import math, sys
path, col, scale = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
v = sorted(float(l.split()[col - 1]) / scale for l in open(path) if l.strip())
if not v:
    sys.exit("no samples in " + path)
n = len(v)
median = v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2
p95 = v[max(0, math.ceil(0.95 * n) - 1)]
print("%.2f %.2f %.2f %.2f" % (median, p95, v[0], v[-1]))
EOF
}

# bench_ratio A B: A / B with one decimal
bench_ratio() {
        awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "inf"; else printf "%.1f\n", a / b }'
}

# bench_load: the machine's state, printed with every set of figures
bench_load() {
        echo "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r)"
}
