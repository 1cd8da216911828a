#!/usr/bin/env bash
# Whole-run benchmark: `posdiag selftest` on the simulated terminal's healthy scenario, repeated.
# Wall time with hyperfine (median, mean, min, max) and peak RSS with GNU time (median and max).
#
#   tests/bench/selftest_bench.sh [--posdiag PATH] [--runs N] [--scenario NAME]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
posdiag="${POSDIAG:-$src/build/release/agent/posdiag}"
[ -x "$posdiag" ] || posdiag="$src/build/dev/agent/posdiag"
runs=100
scenario=healthy
while [ $# -gt 0 ]; do
  case "$1" in
    --posdiag) posdiag=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --scenario) scenario=$2; shift 2 ;;
    *) echo "usage: $0 [--posdiag PATH] [--runs N] [--scenario NAME]" >&2; exit 2 ;;
  esac
done
command -v hyperfine >/dev/null || { echo "hyperfine is missing: bash setup.sh deps" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "GNU time is missing: bash setup.sh deps" >&2; exit 1; }

# Measure inside the simulated terminal (its namespaces and services), as `posdiag-sim run` does.
if [ -z "${SIM_CONFIG:-}" ]; then
  exec "$src/tests/sim/posdiag-sim" exec "$scenario" -- \
    env POSDIAG="$posdiag" "$0" --posdiag "$posdiag" --runs "$runs" --scenario "$scenario"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmd=("$posdiag" selftest --config "$SIM_CONFIG")

echo "posdiag: $posdiag"
echo "scenario: $scenario, $runs runs"
# posdiag exits 0 on the healthy scenario; any other status fails the benchmark.
hyperfine --shell=none --warmup 5 --runs "$runs" --export-json "$work/wall.json" \
  "${cmd[*]}" >/dev/null
awk -v RS='' '{
  match($0, /"median": *[0-9.e-]+/); med=substr($0, RSTART, RLENGTH); sub(/.*: */, "", med)
  match($0, /"mean": *[0-9.e-]+/); mean=substr($0, RSTART, RLENGTH); sub(/.*: */, "", mean)
  match($0, /"min": *[0-9.e-]+/); mn=substr($0, RSTART, RLENGTH); sub(/.*: */, "", mn)
  match($0, /"max": *[0-9.e-]+/); mx=substr($0, RSTART, RLENGTH); sub(/.*: */, "", mx)
  printf "wall time: median %.2f ms, mean %.2f ms, min %.2f ms, max %.2f ms\n", med*1000, mean*1000, mn*1000, mx*1000
}' "$work/wall.json"

rss_runs=$(( runs < 30 ? runs : 30 ))
for _ in $(seq "$rss_runs"); do
  /usr/bin/time -f '%M' -o "$work/rss.one" "${cmd[@]}" >/dev/null
  cat "$work/rss.one" >>"$work/rss"
done
sort -n "$work/rss" | awk '{v[NR]=$1} END {
  printf "peak RSS: median %.2f MB, max %.2f MB (%d runs)\n", v[int((NR+1)/2)]/1024, v[NR]/1024, NR }'
