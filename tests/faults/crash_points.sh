#!/usr/bin/env bash
# Crash points: `posdiag selftest` on the simulated terminal (with [fleet], so the outbox is written
# too), killed with SIGKILL right after its N-th write, fsync or rename (crashpoint.cc, through
# LD_PRELOAD), for every N the run has. After each kill: `posdiag history` reads the history
# (exit 0), every log file is whole lines of text but for at most a cut last one, every outbox
# entry is a whole report, the reports saved before the kill (history and outbox) are all still
# there, and the next run saves normally.
#
#   crash_points.sh POSDIAG_BINARY POSDIAG_SIM CRASHPOINT_SO
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ ${1:-} != __inner ]]; then
  [[ $# -eq 3 ]] || { echo "usage: crash_points.sh POSDIAG_BINARY POSDIAG_SIM CRASHPOINT_SO" >&2; exit 64; }
  export SIM_POSDIAG=$1
  exec "$2" exec healthy -- bash "$here/crash_points.sh" __inner "$1" "$3"
fi
posdiag=$2 shim=$3
: "${SIM_CONFIG:?runs inside posdiag-sim exec}"
work=$(dirname "$SIM_CONFIG")/crash
mkdir -p "$work"
outbox=$work/outbox
printf '\n[fleet]\nbroker = "mqtts://broker.invalid:8883"\nterminal_id = "T-crash"\noutbox_dir = "%s"\n' \
  "$outbox" >>"$SIM_CONFIG"
log_dir=$(sed -n '/^\[log\]/,/^\[/ s/^dir = "\(.*\)"/\1/p' "$SIM_CONFIG")
fail() { echo "crash_points: FAIL: $*" >&2; exit 1; }

run_id() {  # a whole run: its report ID
  "$posdiag" selftest --config "$SIM_CONFIG" --format json 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["report_id"])'
}

check() {  # after a kill at point $1: everything saved before is there and readable
  "$posdiag" history --config "$SIM_CONFIG" --format json >"$work/history.json" 2>"$work/history.err" ||
    fail "point $1: posdiag history cannot read the history: $(cat "$work/history.err")"
  python3 - "$work/history.json" "$outbox" "$log_dir" "$work/saved" "$1" <<'PY' || exit 1
import json, os, sys
history, outbox, log_dir, saved_file, point = sys.argv[1:]
listed = {e["report_id"] for e in json.load(open(history))["reports"]}
sent = set()
for name in os.listdir(outbox):
    if name[0].isdigit() and name.endswith(".json"):
        sent.add(json.load(open(os.path.join(outbox, name)))["report_id"])  # whole, or this fails
for name in os.listdir(log_dir):
    if name.startswith("posdiag.log"):
        text = open(os.path.join(log_dir, name), "rb").read().decode("utf-8")
        lines = text.split("\n")
        cut = [l for l in lines[:-1] if not l[:4].isdigit()]
        if cut:
            sys.exit(f"point {point}: {name} has a line that is not an entry: {cut[0][:80]!r}")
for rid in open(saved_file).read().split():
    if rid not in listed:
        sys.exit(f"point {point}: report {rid} saved before the kill is gone from the history")
    if rid not in sent:
        sys.exit(f"point {point}: report {rid} saved before the kill is gone from the outbox")
PY
}

: >"$work/saved"
run_id >>"$work/saved" || fail "the first run failed"
# How many points a run has: a whole run under the shim, counting.
LD_PRELOAD=$shim POSDIAG_CRASH_COUNT=$work/count "$posdiag" selftest --config "$SIM_CONFIG" \
  >/dev/null 2>&1 || true
points=$(cat "$work/count")
[[ $points -ge 5 ]] || fail "only $points crash points found: the shim does not see the writes"
killed=0
for ((n = 1; n <= points; n++)); do
  rc=0
  LD_PRELOAD=$shim POSDIAG_CRASH_AT=$n "$posdiag" selftest --config "$SIM_CONFIG" \
    >/dev/null 2>&1 || rc=$?
  [[ $rc -eq 137 ]] && killed=$((killed + 1))
  check "$n"
  # The terminal goes on: the next run saves normally.
  if ((n % 5 == 0)); then run_id >>"$work/saved" || fail "the run after point $n failed"; fi
done
[[ $killed -ge $((points * 9 / 10)) ]] || fail "only $killed of $points runs were killed"
echo "crash_points: $points points, $killed kills, $(wc -l <"$work/saved") reports kept throughout"
