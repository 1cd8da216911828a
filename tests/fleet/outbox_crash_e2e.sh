#!/usr/bin/env bash
# kill -9 during outbox writes, then a restart, against a real Mosquitto on loopback (broker.sh),
# with the real binary on the simulated terminal and the desk played by mosquitto_sub:
#   1. two self-tests sent and acknowledged (`fleet flush`): the desk has them, the outbox is empty;
#   2. the broker down: `posdiag selftest` killed with SIGKILL right after each of its writes,
#      fsyncs and renames in turn (tests/faults/crashpoint.cc through LD_PRELOAD), whole runs
#      between them, and a cut entry left as a power cut on a filesystem without ordered writes
#      would leave it;
#   3. the broker up and the daemon started: every report that was whole in the outbox reaches the
#      desk once; nothing the desk receives is cut or damaged (every message a whole report with
#      its ID and terminal ID); the cut entry is set aside as .corrupt, not sent; the reports
#      acknowledged in 1 are neither lost nor sent again; no temp file is left.
#
#   outbox_crash_e2e.sh POSDIAG_BINARY POSDIAG_SIM CERT_CACHE CRASHPOINT_SO
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ ${1:-} != __inner ]]; then
  [[ $# -eq 4 ]] ||
    { echo "usage: outbox_crash_e2e.sh POSDIAG_BINARY POSDIAG_SIM CERT_CACHE CRASHPOINT_SO" >&2; exit 64; }
  export SIM_POSDIAG=$1 POSDIAG_CERT_CACHE=$3
  exec "$2" exec healthy -- bash "$here/outbox_crash_e2e.sh" __inner "$1" "$4"
fi
posdiag=$2 shim=$3
: "${SIM_CONFIG:?runs inside posdiag-sim exec}" "${SIM_ROOT:?}"
work=$(dirname "$SIM_CONFIG")/crash-fleet
mkdir -p "$work"
broker=$work/broker
outbox=$work/outbox
daemon="" sub=""

cleanup() {
  [[ -n $daemon ]] && kill -9 "$daemon" 2>/dev/null
  [[ -n $sub ]] && kill "$sub" 2>/dev/null
  "$here/broker.sh" stop "$broker" || true
}
trap cleanup EXIT
fail() {
  echo "outbox_crash_e2e: FAIL: $*" >&2
  for f in "$work"/*.out "$work"/*.err; do
    [[ -f $f ]] && { echo "--- $f" >&2; tail -20 "$f" >&2; }
  done
  ls -la "$outbox" >&2 || true
  exit 1
}

port=$("$here/broker.sh" start "$broker")
certs=/etc/posdiag/fleet
mkdir -p "$SIM_ROOT$certs"
cp "$broker"/{ca.crt,term-0001.crt,term-0001.key} "$SIM_ROOT$certs/"
cat >>"$SIM_CONFIG" <<TOML

[fleet]
broker = "mqtts://localhost:$port"
ca_file = "$certs/ca.crt"
client_cert = "$certs/term-0001.crt"
client_key = "$certs/term-0001.key"
terminal_id = "term-0001"
outbox_dir = "$outbox"
keepalive_s = 5
backlog_per_s = 50
reconnect_max_s = 1
TOML
"$posdiag" config check "$SIM_CONFIG" >/dev/null || fail "the config does not check"
desk=(-h localhost -p "$port" --cafile "$broker/ca.crt" --cert "$broker/desk-1.crt"
  --key "$broker/desk-1.key" -V 5 -t 'posdiag/v1/+/report')
entries() { find "$outbox" -maxdepth 1 -name '[0-9]*.json' | sort; }
run_id() {
  "$posdiag" selftest --config "$SIM_CONFIG" --format json 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["report_id"])'
}

# --- 1. acknowledged before any crash ----------------------------------------------------------
mosquitto_sub "${desk[@]}" -W 60 >"$work/desk1.out" 2>&1 &
sub=$!
sleep 0.5
: >"$work/acked"
for _ in 1 2; do run_id >>"$work/acked" || fail "a self-test failed"; done
"$posdiag" fleet flush --config "$SIM_CONFIG" --timeout 20 >"$work/flush.out" 2>"$work/flush.err" ||
  fail "fleet flush failed"
[[ -z $(entries) ]] || fail "acknowledged reports are still in the outbox"
for _ in $(seq 1 50); do [[ $(wc -l <"$work/desk1.out") -ge 2 ]] && break; sleep 0.1; done
kill "$sub" 2>/dev/null || true
wait "$sub" 2>/dev/null || true
sub=""

# --- 2. the broker down; a run killed at every write, fsync and rename ------------------------
"$here/broker.sh" stop "$broker"
: >"$work/whole"
run_id >>"$work/whole" || fail "a self-test failed"
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
  if ((n % 10 == 0)); then run_id >>"$work/whole" || fail "the run after point $n failed"; fi
done
[[ $killed -ge $((points * 9 / 10)) ]] || fail "only $killed of $points runs were killed"
# A cut entry, as a power cut can leave one where the filesystem does not order data and rename.
last=$(entries | tail -1)
head -c 100 "$last" >"$outbox/9999999999-NOID.json"
# What is in the outbox now, whole: all of it must reach the desk.
python3 - "$outbox" >"$work/saved" <<'PY' || fail "an outbox entry other than the planted one is cut"
import json, os, sys
d = sys.argv[1]
for name in sorted(os.listdir(d)):
    if name[0].isdigit() and name.endswith(".json") and name != "9999999999-NOID.json":
        print(json.load(open(os.path.join(d, name)))["report_id"])
PY
while read -r id; do
  grep -qx "$id" "$work/saved" || fail "report $id of a whole run is not in the outbox"
done <"$work/whole"

# --- 3. the broker up, the daemon started: the outbox drains --------------------------------
"$here/broker.sh" restart "$broker"
mosquitto_sub "${desk[@]}" -W 90 >"$work/desk2.out" 2>&1 &
sub=$!
sleep 1
"$posdiag" daemon --config "$SIM_CONFIG" >"$work/daemon.out" 2>"$work/daemon.err" &
daemon=$!
for _ in $(seq 1 300); do [[ -z $(entries) ]] && break; sleep 0.1; done
[[ -z $(entries) ]] || fail "the outbox did not drain: $(entries | wc -l) left"
want=$(wc -l <"$work/saved")
for _ in $(seq 1 50); do [[ $(wc -l <"$work/desk2.out") -ge $want ]] && break; sleep 0.1; done
sleep 0.5
kill -9 "$daemon"
wait "$daemon" 2>/dev/null || true
daemon=""
kill "$sub" 2>/dev/null || true
wait "$sub" 2>/dev/null || true
sub=""

python3 - "$work/desk1.out" "$work/desk2.out" "$work/acked" "$work/saved" <<'PY' || fail "the desk's view is wrong"
import collections, json, sys
desk1, desk2, acked, saved = sys.argv[1:]
def received(path):
    got = collections.Counter()
    for n, line in enumerate(open(path), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except ValueError:
            sys.exit(f"{path}:{n}: the desk received something that is not a whole report: {line[:80]!r}")
        if r.get("schema") != "posdiag.report/1" or not r.get("report_id") or r.get("terminal_id") != "term-0001":
            sys.exit(f"{path}:{n}: not a whole report: {line[:80]!r}")
        got[r["report_id"]] += 1
    return got
first, second = received(desk1), received(desk2)
acked = open(acked).read().split()
saved = open(saved).read().split()
for rid in acked:
    if first[rid] != 1:
        sys.exit(f"acknowledged report {rid} reached the desk {first[rid]} times in step 1")
    if second[rid]:
        sys.exit(f"acknowledged report {rid} was sent again after the restart")
for rid in saved:
    if second[rid] != 1:
        sys.exit(f"report {rid}, whole in the outbox, reached the desk {second[rid]} times")
extra = set(second) - set(saved)
if extra:
    sys.exit(f"the desk received reports that were not whole in the outbox: {sorted(extra)}")
print(f"outbox_crash_e2e: {len(acked)} acknowledged, {len(saved)} whole after the kills, all at the desk once")
PY
[[ -e $outbox/9999999999-NOID.json.corrupt ]] || fail "the cut entry was not set aside"
leftover=$(find "$outbox" -maxdepth 1 -name '.*.tmp')
[[ -z $leftover ]] || fail "temp files left in the outbox: $leftover"
echo "outbox_crash_e2e: $points points, $killed kills"
