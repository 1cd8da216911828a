#!/usr/bin/env bash
# The payment path's two timing figures, on the simulated terminal:
#   1. the network probe's own time for the whole chain (link → DNS → TCP → TLS → latency) on the
#      healthy scenario, payment host in the simulated bank's namespace (`probes[].duration_ms`);
#   2. with the host black-holed, the self-test's total time against [run] budget_ms.
#
#   tests/bench/network_bench.sh [--posdiag PATH] [--runs N] [--budget-ms MS]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
posdiag="${POSDIAG:-$src/build/release/agent/posdiag}"
[ -x "$posdiag" ] || posdiag="$src/build/dev/agent/posdiag"
runs=20
budget=800
while [ $# -gt 0 ]; do
  case "$1" in
    --posdiag) posdiag=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --budget-ms) budget=$2; shift 2 ;;
    *) echo "usage: $0 [--posdiag PATH] [--runs N] [--budget-ms MS]" >&2; exit 2 ;;
  esac
done
sim="$src/tests/sim/posdiag-sim"
export POSDIAG="$posdiag"

# Prints the duration_ms of the network probe and of the whole run from a JSON report on stdin.
# Keys are sorted in the report, so a probe's duration_ms comes just before its name.
durations() {
  awk '
    /"duration_ms":/ { gsub(/[^0-9]/, "", $2); last = $2; if (!seen_run) { run = $2 } }
    /"probes": \[/ { seen_run = 1 }
    /"name": "network"/ { net = last }
    END { print net, run }'
}
export -f durations

echo "posdiag: $posdiag"
# The report's top-level duration_ms comes first (sorted keys), the probes' after "probes".
"$sim" exec healthy -- bash -c '
  for _ in $(seq '"$runs"'); do
    "$POSDIAG" selftest --config "$SIM_CONFIG" --format json | durations
  done' | sort -n | awk '{ v[NR] = $1 } END {
    printf "network probe, healthy chain: median %d ms, min %d ms, max %d ms (%d runs)\n",
      v[int((NR + 1) / 2)], v[1], v[NR], NR }'

"$sim" exec host-blackholed -- bash -c '
  printf "\n[run]\nbudget_ms = '"$budget"'\n" >>"$SIM_CONFIG"
  for _ in 1 2 3; do
    start=$(date +%s%N)
    "$POSDIAG" selftest --config "$SIM_CONFIG" --format json | durations >/tmp/posdiag-net-bench.$$ || true
    end=$(date +%s%N)
    read -r net run </tmp/posdiag-net-bench.$$
    echo "$run $(( (end - start) / 1000000 )) $net"
  done
  rm -f /tmp/posdiag-net-bench.$$' | awk -v budget="$budget" '{
    printf "host black-holed, budget %d ms: report duration %d ms (over by %d ms), wall %d ms, network probe %d ms\n",
      budget, $1, $1 - budget, $2, $3 }'
