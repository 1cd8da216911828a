#!/usr/bin/env bash
# The printer probe against the simulated serial printer (printer_sim on a pseudo-terminal,
# [printer] baud = 9600), inside the simulated terminal's healthy scenario:
#   1. per run, from the JSON report: the printer probe's own time (probes[].duration_ms), the
#      DLE EOT dialogue's time (printer.query_ms) and the bytes exchanged (printer.bytes_sent,
#      printer.bytes_received); median, min and max over the runs;
#   2. with hyperfine, `posdiag selftest` on a config that holds only [system], [printer], [log]
#      and [history], so the wall time is the printer probe's plus posdiag's fixed cost.
# The physical floor at 9600 baud 8N1 (10 bits a byte): four 3-byte queries and four 1-byte
# answers, 16 bytes, 16.7 ms on the wire. A pseudo-terminal carries bytes at memory speed whatever
# baud is set, so the figures here are the software's share; on a real UART add the wire time.
#
#   tests/bench/printer_bench.sh [--posdiag PATH] [--runs N]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
posdiag="${POSDIAG:-$src/build/release/agent/posdiag}"
[ -x "$posdiag" ] || posdiag="$src/build/dev/agent/posdiag"
runs=30
while [ $# -gt 0 ]; do
  case "$1" in
    --posdiag) posdiag=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "usage: $0 [--posdiag PATH] [--runs N]" >&2; exit 2 ;;
  esac
done
command -v hyperfine >/dev/null || { echo "hyperfine is missing: bash setup.sh deps" >&2; exit 1; }

# Measure inside the simulated terminal (its namespaces and printer_sim), as `posdiag-sim run` does.
if [ -z "${SIM_CONFIG:-}" ]; then
  export POSDIAG="$posdiag"
  exec "$src/tests/sim/posdiag-sim" exec healthy -- \
    env POSDIAG="$posdiag" "$0" --posdiag "$posdiag" --runs "$runs"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One line per run: probe_ms query_ms bytes_sent bytes_received. Keys are sorted in the report:
# a probe's duration_ms comes just before its name; facts are "name": value.
for _ in $(seq "$runs"); do
  "$posdiag" selftest --config "$SIM_CONFIG" --format json >"$work/report.json" || true
  awk '
    /"duration_ms":/ { v = $2; gsub(/[^0-9]/, "", v); last = v }
    /"name": "printer"/ { probe = last }
    /"printer.query_ms": [0-9]/ { v = $2; gsub(/[^0-9.]/, "", v); query = v }
    /"printer.bytes_sent": [0-9]/ { v = $2; gsub(/[^0-9]/, "", v); sent = v }
    /"printer.bytes_received": [0-9]/ { v = $2; gsub(/[^0-9]/, "", v); received = v }
    END {
      if (probe == "" || query == "") { print "no printer figures in the report" > "/dev/stderr"; exit 1 }
      print probe, query, sent, received
    }' "$work/report.json" >>"$work/runs"
done

stats() {  # column number, label, unit
  awk -v c="$1" '{ print $c }' "$work/runs" | sort -n | awk -v label="$2" -v unit="$3" '
    { v[NR] = $1 } END { printf "%s: median %s %s, min %s, max %s (%d runs)\n", label,
      v[int((NR + 1) / 2)], unit, v[1], v[NR], NR }'
}
echo "posdiag: $posdiag"
echo "printer: printer_sim on a pseudo-terminal, [printer] baud = 9600"
stats 1 "printer probe (probes[].duration_ms)" ms
stats 2 "DLE EOT 1-4 dialogue (printer.query_ms)" ms
stats 3 "bytes sent" bytes
stats 4 "bytes received" bytes

# Only the printer: the sections every run needs, and [printer].
awk '
  /^\[/ { keep = ($0 == "[system]" || $0 == "[printer]" || $0 == "[log]" || $0 == "[history]") }
  keep' "$SIM_CONFIG" >"$work/printer.toml"
hyperfine --shell=none --warmup 3 --runs "$runs" --export-json "$work/wall.json" \
  "$posdiag selftest --config $work/printer.toml" >/dev/null
awk -v RS='' '{
  match($0, /"median": *[0-9.e-]+/); med=substr($0, RSTART, RLENGTH); sub(/.*: */, "", med)
  match($0, /"min": *[0-9.e-]+/); mn=substr($0, RSTART, RLENGTH); sub(/.*: */, "", mn)
  match($0, /"max": *[0-9.e-]+/); mx=substr($0, RSTART, RLENGTH); sub(/.*: */, "", mx)
  printf "posdiag selftest, printer only, wall time: median %.2f ms, min %.2f ms, max %.2f ms\n",
    med*1000, mn*1000, mx*1000
}' "$work/wall.json"
