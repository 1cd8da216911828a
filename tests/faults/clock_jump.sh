#!/usr/bin/env bash
# The wall clock jumping during a run: `posdiag selftest` on the simulated terminal (the printer
# silent, so the run lasts its one-second status wait) under libfaketime, whose offset is read
# from a file on every call while the monotonic clock stays real. Runs, with [history] keep = 2:
#   A  the clock 8 h ahead throughout;
#   B  8 h ahead at the start, 13 h ahead 300 ms in, 1 h ahead 700 ms in (forward 5 h, back 12 h);
#   C  the real clock: its start time is the earliest of the three.
# Checks: each run ends within its budget (3 s; duration_ms within it and 50 ms, the process within
# it and 1 s) and its durations come from the monotonic clock (B's printer waited its whole second,
# as A's did); the findings are the silent printer's and nothing else; B's start time is the one
# read at its start; the history keeps B and C, C listed first, and prunes A although A's start
# time is the latest; no temp file is left.
#
#   clock_jump.sh POSDIAG_BINARY POSDIAG_SIM
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ ${1:-} != __inner ]]; then
  [[ $# -eq 2 ]] || { echo "usage: clock_jump.sh POSDIAG_BINARY POSDIAG_SIM" >&2; exit 64; }
  command -v faketime >/dev/null || { echo "clock_jump: SKIP: needs faketime (package faketime)"; exit 77; }
  unshare --user --map-root-user --mount --net --pid --fork true 2>/dev/null || {
    echo "clock_jump: SKIP: needs user, mount, network and PID namespaces (unshare)"
    exit 77
  }
  export SIM_POSDIAG=$1
  exec "$2" exec printer-silent -- bash "$here/clock_jump.sh" __inner "$1"
fi
posdiag=$2
: "${SIM_CONFIG:?runs inside posdiag-sim exec}"
work=$(dirname "$SIM_CONFIG")/clock
mkdir -p "$work"
history_dir=$(sed -n '/^\[history\]/,/^\[/ s/^dir = "\(.*\)"/\1/p' "$SIM_CONFIG")
log_dir=$(sed -n '/^\[log\]/,/^\[/ s/^dir = "\(.*\)"/\1/p' "$SIM_CONFIG")
sed -i 's/^\[history\]$/[history]\nkeep = 2/' "$SIM_CONFIG"
printf '\n[run]\nbudget_ms = 3000\n' >>"$SIM_CONFIG"
budget_ms=3000
offset=$work/offset
fail() { echo "clock_jump: FAIL: $*" >&2; exit 1; }
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }

# run NAME: posdiag selftest --format json with the offset file's clock; NAME.json, NAME.err,
# NAME.ms (the process's wall time, by the test's own clock, which is not faked).
run() {
  local started status=0
  started=$(now_ms)
  # $LIB is the dynamic loader's (lib/x86_64-linux-gnu, ...), as faketime(1) sets it.
  # shellcheck disable=SC2016
  env LD_PRELOAD='/usr/$LIB/faketime/libfaketimeMT.so.1' FAKETIME_TIMESTAMP_FILE="$offset" \
    FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 \
    "ASAN_OPTIONS=verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
    "$posdiag" selftest --config "$SIM_CONFIG" --format json >"$work/$1.json" 2>"$work/$1.err" ||
    status=$?
  echo $(($(now_ms) - started)) >"$work/$1.ms"
  echo "$started" >"$work/$1.start"
  [[ $status -eq 2 ]] || fail "run $1: exit status $status, want 2: $(cat "$work/$1.err")"
}

echo "+8h" >"$offset"
run A
echo "+8h" >"$offset"
run B &
runner=$!
sleep 0.3
echo "+13h" >"$offset"
sleep 0.4
echo "+1h" >"$offset"
wait "$runner" || exit 1
echo "+0" >"$offset"
run C

"$posdiag" history --config "$SIM_CONFIG" --format json >"$work/history.json" 2>"$work/history.err" ||
  fail "posdiag history: $(cat "$work/history.err")"
python3 - "$work" "$budget_ms" "$history_dir" "$log_dir" <<'PY' || exit 1
import datetime, json, os, re, sys
work, budget, history_dir, log_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def fail(why): sys.exit("clock_jump: FAIL: " + why)
def epoch_ms(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000
runs = {}
for name in "ABC":
    r = json.load(open(os.path.join(work, name + ".json")))
    wall = int(open(os.path.join(work, name + ".ms")).read())
    start = int(open(os.path.join(work, name + ".start")).read())
    runs[name] = r
    rules = sorted(f["rule"] for f in r["findings"])
    if rules != ["printer.not_answering"]:
        fail(f"run {name}: findings {rules}, want the silent printer's only")
    if not 0 <= r["duration_ms"] <= budget + 50:
        fail(f"run {name}: duration_ms {r['duration_ms']}, budget {budget}")
    if wall > budget + 1000:
        fail(f"run {name}: the process took {wall} ms, budget {budget}")
    for p in r["probes"]:
        if not 0 <= p["duration_ms"] <= r["duration_ms"] + 50:
            fail(f"run {name}: probe {p['name']} took {p['duration_ms']} ms of {r['duration_ms']}")
    shift = {"A": 8, "B": 8, "C": 0}[name] * 3600 * 1000
    read = epoch_ms(r["started_at"])
    if abs(read - (start + shift)) > 2000:
        fail(f"run {name}: started_at {r['started_at']} is not the clock read at its start")
    print(f"clock_jump: run {name}: duration_ms {r['duration_ms']}, process {wall} ms, "
          f"started_at {r['started_at']}")
# The jump reached posdiag: B's report was logged by the clock of its end, 1 h ahead.
log = "".join(open(os.path.join(log_dir, n)).read() for n in os.listdir(log_dir))
b_start = int(open(os.path.join(work, "B.start")).read())
m = re.search(r"^(\S+) \S+ run report=" + re.escape(runs["B"]["report_id"]) + " ", log, re.M)
if not m:
    fail("run B is not in the log")
if abs(epoch_ms(m.group(1)) - (b_start + 3600 * 1000)) > 3000:
    fail(f"run B was logged at {m.group(1)}: the clock did not jump during the run")
printer = {n: next(p for p in runs[n]["probes"] if p["name"] == "printer") for n in "AB"}
if printer["B"]["duration_ms"] < printer["A"]["duration_ms"] - 300:
    fail(f"the printer's wait was cut by the jump: {printer['B']['duration_ms']} ms in B, "
         f"{printer['A']['duration_ms']} ms in A")
listed = [e["report_id"] for e in json.load(open(os.path.join(work, "history.json")))["reports"]]
want = [runs["C"]["report_id"], runs["B"]["report_id"]]
if listed != want:
    fail(f"history lists {listed}, want C then B {want} (A, the oldest run, pruned)")
temps = [n for n in os.listdir(history_dir) if n.endswith(".tmp")]
if temps:
    fail(f"temp files left in the history: {temps}")
PY
echo "clock_jump: ok"
