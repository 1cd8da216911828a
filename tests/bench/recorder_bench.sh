#!/usr/bin/env bash
# Flight recorder benchmark (docs/benchmarks.md#the-flight-recorder): `posdiag daemon` on the
# simulated terminal (the payment host pinned in /etc/hosts, the bank healthy) follows the journal
# while this script writes N timed-out payments (98), one every min_interval_s + 0.2 s so that
# each starts its own incident. For each, the time from the line being written (taken just before
# the write) to the incident's facts being captured (the report's started_at + incident.capture_ms)
# and to the daemon saying the incident was saved; median and p99. Then the daemon is left alone
# with the journal watched: its context switches while nothing is written (target: none).
#
#   tests/bench/recorder_bench.sh [--posdiag PATH] [--failures N] [--idle S]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
posdiag="${POSDIAG:-$src/build/release/agent/posdiag}"
[ -x "$posdiag" ] || posdiag="$src/build/dev/agent/posdiag"
failures=100
idle=30
while [ $# -gt 0 ]; do
  case "$1" in
    --posdiag) posdiag=$2; shift 2 ;;
    --failures) failures=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    *) echo "usage: $0 [--posdiag PATH] [--failures N] [--idle S]" >&2; exit 2 ;;
  esac
done

if [ -z "${SIM_CONFIG:-}" ]; then
  export SIM_POSDIAG=$posdiag
  exec "$src/tests/sim/posdiag-sim" exec dns-down-hosts-pinned -- "$0" --posdiag "$posdiag" \
    --failures "$failures" --idle "$idle"
fi

work=$(dirname "$SIM_CONFIG")/recorder-bench
history_dir=$(dirname "$SIM_CONFIG")/history
journal=$SIM_ROOT/var/spool/payapp/journal.jsonl
mkdir -p "$work"
# Every incident kept, so that each one's report can be read afterwards.
sed -i '/^\[history\]$/a keep = 1000' "$SIM_CONFIG"
printf '\n[recorder]\nmin_interval_s = 1\nkeep = 1000\n' >>"$SIM_CONFIG"

mkfifo "$work/out"
"$posdiag" daemon --config "$SIM_CONFIG" >"$work/out" 2>"$work/err" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true' EXIT
exec 3<"$work/out"
line=""
until [[ $line == *"recorder=on"* ]]; do
  IFS= read -r -t 30 line <&3 || { echo "the daemon did not start: $(cat "$work/err")" >&2; exit 1; }
done

: >"$work/times"
for ((i = 0; i < failures; i++)); do
  now=$(date -u -d '+8 hours' +%Y-%m-%dT%H:%M:%S)+08:00
  written=$(date +%s%N)
  printf '{"time":"%s","type":"sale","trace":"%06d","amount":12.50,"rc":"98","pan":"6222020000000000001"}\n' \
    "$now" "$i" >>"$journal"
  until [[ $line == "posdiag daemon: incident "*" code 98 "* ]]; do
    IFS= read -r -t 30 line <&3 || { echo "no incident for failure $i" >&2; exit 1; }
  done
  said=$(date +%s%N)
  id=$(awk '{print $4}' <<<"$line")
  line=""
  echo "$id $written $said" >>"$work/times"
  sleep 1.2
done

python3 - "$work/times" "$history_dir" <<'PY'
import glob, json, statistics, sys
from datetime import datetime
times = [l.split() for l in open(sys.argv[1])]
reports = {}
for path in glob.glob(sys.argv[2] + "/*.json"):
    r = json.load(open(path))
    if r.get("kind") == "incident":
        reports[r["report_id"]] = r
capture, said = [], []
for rid, written, seen in times:
    r = reports[rid]
    start = datetime.fromisoformat(r["started_at"].replace("Z", "+00:00")).timestamp() * 1000
    capture.append(start + r["incident"]["capture_ms"] - int(written) / 1e6)
    said.append((int(seen) - int(written)) / 1e6)
def p(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]
print(f"failures: {len(times)}")
print(f"line written -> facts captured: median {statistics.median(capture):.0f} ms, p99 {p(capture, 0.99):.0f} ms, max {max(capture):.0f} ms")
print(f"line written -> incident saved and said: median {statistics.median(said):.0f} ms, p99 {p(said, 0.99):.0f} ms")
PY

switches() {
  local total=0 t v
  for t in /proc/"$pid"/task/*/status; do
    v=$(awk '/^(non)?voluntary_ctxt_switches/ {s += $2} END {print s}' "$t" 2>/dev/null || echo 0)
    total=$((total + v))
  done
  echo "$total"
}
sleep 2
before=$(switches)
sleep "$idle"
after=$(switches)
echo "idle with the journal watched: $((after - before)) context switches in ${idle} s"
printf '{"time":"%s","type":"sale","trace":"999999","amount":12.50,"rc":"00"}\n' \
  "$(date -u -d '+8 hours' +%Y-%m-%dT%H:%M:%S)+08:00" >>"$journal"
sleep 1
echo "one approved payment written: $(($(switches) - after)) context switches, no incident"
kill -TERM "$pid"
cat <&3 >/dev/null
wait "$pid" || true
trap - EXIT
