#!/usr/bin/env bash
# Long fuzzing: every fuzz target (the `fuzz` preset's libFuzzer programs) for a given time each,
# with a corpus kept between runs (build/fuzz-long/corpus/NAME, seeded from tests/fuzz/corpus/NAME)
# and a dictionary where the format has keywords (tests/fuzz/dict/NAME.dict). A crash or leak is
# copied into tests/fuzz/corpus/NAME/ as a regression seed (the suite's replay then runs it for ever)
# and the run fails. At the end: per target, the seconds run, executions, coverage (libFuzzer's
# `cov:` edges and `ft:` features) and corpus size. CI keeps its 15-second runs; this is for
# before a release, or over a night.
#
#   tests/fuzz/long_fuzz.sh [--seconds N] [--jobs J] [TARGET...]     (default 600 s each, all)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
seconds=600
jobs=1
targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -*) echo "usage: $0 [--seconds N] [--jobs J] [TARGET...]" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done

build=$src/build/fuzz
if [ ! -d "$build" ]; then cmake --preset fuzz >/dev/null; fi
cmake --build "$build" --target fuzzers >/dev/null
if [ ${#targets[@]} -eq 0 ]; then
  for dir in "$here"/corpus/*/; do targets+=("$(basename "$dir")"); done
fi

work=$src/build/fuzz-long
mkdir -p "$work"
summary=$work/summary.txt
printf '%-22s %8s %12s %8s %8s %8s  %s\n' target seconds execs cov ft corpus result >"$summary"
failed=0
for name in "${targets[@]}"; do
  program=$(find "$build" -type f -executable -name "$name" | head -1)
  [ -n "$program" ] || { echo "long_fuzz: no fuzz program $name" >&2; failed=1; continue; }
  corpus=$work/corpus/$name
  artifacts=$work/artifacts/$name/
  mkdir -p "$corpus" "$artifacts"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$artifacts" -jobs="$jobs" -workers="$jobs")
  [ -f "$here/dict/$name.dict" ] && args+=(-dict="$here/dict/$name.dict")
  log=$work/$name.log
  result=ok
  ASAN_OPTIONS=detect_leaks=1 "$program" "${args[@]}" "$corpus" "$here/corpus/$name" >"$log" 2>&1 ||
    result=FAILED
  # With -jobs, each job writes fuzz-N.log in the current directory.
  cat fuzz-*.log >>"$log" 2>/dev/null && rm -f fuzz-*.log
  for crash in "$artifacts"*; do
    [ -f "$crash" ] || continue
    cp "$crash" "$here/corpus/$name/regression-$(basename "$crash")"
    result=FAILED
  done
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s += $2} END {print s + 0}')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  size=$(find "$corpus" -type f | wc -l)
  printf '%-22s %8s %12s %8s %8s %8s  %s\n' "$name" "$seconds" "$execs" "${cov:-?}" "${ft:-?}" \
    "$size" "$result" >>"$summary"
  [ "$result" = ok ] || failed=1
done
cat "$summary"
[ $failed -eq 0 ] || { echo "long_fuzz: a target failed; its input is now a regression seed" >&2; exit 1; }
