#!/usr/bin/env bash
# The data partition read-only during a run: the log, the history and the fleet outbox on one tmpfs
# of the simulated terminal (its own mount namespace), the printer silent so that a run lasts its
# one-second status wait. After a run that saves normally:
#   before  the partition remounted read-only before the run: the log cannot be opened, the
#           history and the outbox cannot be written;
#   mid     read-only from the middle of a run (400 ms in): the kernel refuses a read-only remount
#           while posdiag holds its log and run lock open for writing, so a read-only bind mount
#           goes over the partition, which is what every file opened after it sees; the history
#           and the outbox then fail, the log (open before) records why.
# Checks, each time: the report is printed (JSON) and the exit status is the findings' (2, the
# silent printer), as with a writable partition; each failed sink is said, on stderr and in the
# report's sink_errors; the run ends within its budget (3 s) and 1 s. After remounting read-write:
# `posdiag history` reads every report saved before, the outbox entries are whole and still
# there, no temp file is left, and the next run saves normally.
#
#   readonly_data.sh POSDIAG_BINARY POSDIAG_SIM
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ ${1:-} != __inner ]]; then
  [[ $# -eq 2 ]] || { echo "usage: readonly_data.sh POSDIAG_BINARY POSDIAG_SIM" >&2; exit 64; }
  unshare --user --map-root-user --mount --net --pid --fork true 2>/dev/null || {
    echo "readonly_data: SKIP: needs user, mount, network and PID namespaces (unshare)"
    exit 77
  }
  export SIM_POSDIAG=$1
  exec "$2" exec printer-silent -- bash "$here/readonly_data.sh" __inner "$1"
fi
posdiag=$2
: "${SIM_CONFIG:?runs inside posdiag-sim exec}"
work=$(dirname "$SIM_CONFIG")/readonly
data=$(dirname "$SIM_CONFIG")/data
mkdir -p "$work" "$data"
fail() { echo "readonly_data: FAIL: $*" >&2; exit 1; }
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
budget_ms=3000

# The partition: posdiag-sim runs this in its own user and mount namespaces.
mount -t tmpfs -o size=8m,mode=0755 posdiag-data "$data" ||
  fail "cannot mount a tmpfs in the simulated terminal's mount namespace"
sed -i "/^\[log\]/,/^\[/ s#^dir = .*#dir = \"$data/log\"#" "$SIM_CONFIG"
sed -i "/^\[history\]/,/^\[/ s#^dir = .*#dir = \"$data/history\"#" "$SIM_CONFIG"
printf '\n[run]\nbudget_ms = %s\n' "$budget_ms" >>"$SIM_CONFIG"
printf '\n[fleet]\nbroker = "mqtts://broker.invalid:8883"\nterminal_id = "T-ro"\noutbox_dir = "%s"\n' \
  "$data/outbox" >>"$SIM_CONFIG"

# run NAME: posdiag selftest --format json: NAME.json, NAME.err, NAME.status, NAME.ms.
run() {
  local started status=0
  started=$(now_ms)
  "$posdiag" selftest --config "$SIM_CONFIG" --format json >"$work/$1.json" 2>"$work/$1.err" ||
    status=$?
  echo "$status" >"$work/$1.status"
  echo $(($(now_ms) - started)) >"$work/$1.ms"
}

# check_run NAME SINK...: printed, the findings' exit status, within the budget; each SINK
# ("log", "history", "outbox") failed and said so on stderr and in the report. No SINK: all saved.
check_run() {
  local name=$1
  shift
  python3 - "$work" "$name" "$budget_ms" "$@" <<'PY' || exit 1
import json, os, sys
work, name, budget, failed = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
def fail(why): sys.exit(f"readonly_data: FAIL: run {name}: {why}")
status = int(open(os.path.join(work, name + ".status")).read())
wall = int(open(os.path.join(work, name + ".ms")).read())
err = open(os.path.join(work, name + ".err")).read()
try:
    r = json.load(open(os.path.join(work, name + ".json")))
except ValueError as e:
    fail(f"no report printed ({e}); stderr: {err}")
if status != 2 or r["status"] != "error":
    fail(f"exit status {status}, report status {r['status']}: want 2, error (the silent printer)")
if [f["rule"] for f in r["findings"]] != ["printer.not_answering"]:
    fail(f"findings {[f['rule'] for f in r['findings']]}")
if r["duration_ms"] > budget + 50 or wall > budget + 1000:
    fail(f"duration_ms {r['duration_ms']}, process {wall} ms: budget {budget}")
said = r.get("sink_errors", [])
for sink in failed:
    mine = [e for e in said if e.startswith(sink + ":") and "Read-only file system" in e]
    if not mine:
        fail(f"the {sink} failure is not in the report's sink_errors: {said}")
    if sink + ":" not in err or "Read-only file system" not in err:
        fail(f"the {sink} failure is not on stderr: {err!r}")
if not failed and said:
    fail(f"sink errors on a writable partition: {said}")
print(f"readonly_data: run {name}: exit {status}, duration_ms {r['duration_ms']}, "
      f"process {wall} ms, sink errors {len(said)}")
PY
}

# check_saved NAME...: every report of those runs is in the history, the outbox and the log; the
# history reads without a problem; no temp file anywhere.
check_saved() {
  "$posdiag" history --config "$SIM_CONFIG" --format json >"$work/history.json" 2>"$work/history.err" ||
    fail "posdiag history after remounting read-write: $(cat "$work/history.err")"
  python3 - "$work" "$data" "$@" <<'PY' || exit 1
import json, os, sys
work, data, names = sys.argv[1], sys.argv[2], sys.argv[3:]
def fail(why): sys.exit("readonly_data: FAIL: " + why)
history = json.load(open(os.path.join(work, "history.json")))
listed = {e["report_id"] for e in history["reports"]}
if history.get("problems"):
    fail(f"history problems: {history['problems']}")
sent = set()
outbox = os.path.join(data, "outbox")
for n in os.listdir(outbox):
    if n[0].isdigit() and n.endswith(".json"):
        sent.add(json.load(open(os.path.join(outbox, n)))["report_id"])  # whole, or this fails
log = "".join(open(os.path.join(data, "log", n)).read()
              for n in os.listdir(os.path.join(data, "log")) if n.startswith("posdiag"))
for name in names:
    rid = json.load(open(os.path.join(work, name + ".json")))["report_id"]
    if rid not in listed:
        fail(f"report {rid} of run {name} is not in the history")
    if rid not in sent:
        fail(f"report {rid} of run {name} is not in the outbox")
    if f"run report={rid}" not in log:
        fail(f"report {rid} of run {name} is not in the log")
for root, _, files in os.walk(data):
    temps = [f for f in files if f.endswith(".tmp")]
    if temps:
        fail(f"temp files left in {root}: {temps}")
PY
}

run first
check_run first
check_saved first

# Read-only before the run.
mount -o remount,ro "$data" || fail "cannot remount the tmpfs read-only"
run before
mount -o remount,rw "$data"
check_run before log history outbox
check_saved first

# Read-only from the middle of a run.
run mid &
runner=$!
sleep 0.4
mount --bind "$data" "$data" || fail "cannot bind-mount the partition over itself"
mount -o remount,bind,ro "$data" || fail "cannot make the bind mount read-only"
wait "$runner" || exit 1
umount "$data"
check_run mid history outbox
grep -q "sink report=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["report_id"])' \
  "$work/mid.json") .*history: .*Read-only file system" "$data"/log/posdiag*.log ||
  fail "the log does not record the history failure of the run cut by the read-only mount"
check_saved first

# Writable again: the next run saves normally.
run after
check_run after
check_saved first after
echo "readonly_data: ok"
