#!/usr/bin/env bash
# Fleet benchmark (docs/benchmarks.md#fleet): one local Mosquitto (tests/fleet/broker.sh), one
# `posdiag-fleet collect` on its TLS listener with a desk certificate, and fleet_bench's N
# simulated terminals on its loopback listener, each publishing a report every INTERVAL seconds
# for DURATION seconds. Prints the reports stored per second, the end-to-end latency (the
# report's "published_ms" to the row's "received_ms"; p50, p99, max), the collector's CPU time
# and share of one core, and its RSS (current and peak).
#
#   tests/bench/fleet_bench.sh [--build DIR] [--terminals N] [--interval S] [--duration S]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$src/build/dev
terminals=1000
interval=10
duration=120
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --terminals) terminals=$2; shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--terminals N] [--interval S] [--duration S]" >&2; exit 2 ;;
  esac
done
fleet=$build/agent/desk/posdiag-fleet
bench=$build/tests/bench/fleet_bench
for p in "$fleet" "$bench"; do
  [ -x "$p" ] || { echo "$p not built (cmake --build $build --target posdiag-fleet fleet_bench)" >&2; exit 3; }
done
# Each terminal is a socket here and another in the broker.
ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d "${TMPDIR:-/tmp}/posdiag-fleet-bench.XXXXXX")
collector=""
cleanup() {
  if [ -n "$collector" ]; then
    kill "$collector" 2>/dev/null || true
    wait "$collector" 2>/dev/null || true
  fi
  bash "$src/tests/fleet/broker.sh" stop "$work/broker" || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(bash "$src/tests/fleet/broker.sh" start "$work/broker" plain)
plain=$(cat "$work/broker/plain_port")
b=$work/broker
"$fleet" collect --broker "mqtts://localhost:$port" --ca-file "$b/ca.crt" --cert "$b/desk-1.crt" \
  --key "$b/desk-1.key" --db "$work/fleet.db" 2>"$work/collector.log" &
collector=$!
for _ in $(seq 1 100); do
  grep -q 'subscribed to' "$work/collector.log" && break
  sleep 0.1
done
grep -q 'subscribed to' "$work/collector.log" || { cat "$work/collector.log" >&2; exit 3; }

ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$collector/stat"; }
cpu_before=$(cpu)
t0=$(date +%s.%N)
"$bench" --broker "mqtt://127.0.0.1:$plain" --terminals "$terminals" --interval "$interval" \
  --duration "$duration"
sleep 2  # the last rows
t1=$(date +%s.%N)
cpu_after=$(cpu)
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$collector/status")
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$collector/status")
kill "$collector"
wait "$collector" || true
collector=""
tail -1 "$work/collector.log"

python3 - "$work/fleet.db" "$cpu_before" "$cpu_after" "$ticks" "$t0" "$t1" "$rss" "$hwm" \
  "$terminals" "$interval" "$duration" <<'PY'
import sqlite3, sys
db, c0, c1, ticks, t0, t1, rss, hwm, n, interval, duration = sys.argv[1:]
con = sqlite3.connect(db)
rows = con.execute("SELECT received_ms - published_ms, received_ms FROM reports "
                   "WHERE published_ms IS NOT NULL ORDER BY 1").fetchall()
lat = [r[0] for r in rows]
if not lat:
    sys.exit("no reports stored")
first = min(r[1] for r in rows); last = max(r[1] for r in rows)
pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
cpu_s = (float(c1) - float(c0)) / float(ticks)
wall = float(t1) - float(t0)
print(f"terminals {n}, a report every {interval} s each, for {duration} s")
print(f"reports stored: {len(lat)} ({len(lat) / ((last - first) / 1000.0):.1f}/s between the first and the last)")
print(f"end-to-end latency ms: p50 {pct(0.50)}  p99 {pct(0.99)}  max {lat[-1]}")
print(f"collector CPU: {cpu_s:.2f} s over {wall:.1f} s ({100 * cpu_s / wall:.1f} % of one core)")
print(f"collector RSS: {int(rss) / 1024:.1f} MiB (peak {int(hwm) / 1024:.1f} MiB)")
PY
