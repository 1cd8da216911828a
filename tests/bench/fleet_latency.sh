#!/usr/bin/env bash
# The fleet's whole path for one terminal, as the issue measures it: from the end of a
# `posdiag selftest` (the process has exited, its report in the outbox) to the report's row in the
# desk's SQLite. On the simulated terminal's healthy scenario: a local Mosquitto
# (tests/fleet/broker.sh, mutual TLS), the terminal's `posdiag daemon` connected to it (it sees
# the outbox through inotify and publishes at QoS 1), and `posdiag-fleet collect` storing into
# SQLite. Each round runs a self-test, then polls the database (read only, every millisecond) for
# the report's ID, and waits 1 s before the next round (more than the pace of `backlog_per_s`,
# which a fresh report closer to the last one would wait for). Prints p50, p99 and max of: self-test end to the row being readable, and self-test
# end to the collector's receipt (its `received_ms`, before the commit).
#
#   tests/bench/fleet_latency.sh [--build DIR] [--rounds N]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$src/build/dev
rounds=100
if [[ ${1:-} != __inner ]]; then
  while [ $# -gt 0 ]; do
    case "$1" in
      --build) build=$2; shift 2 ;;
      --rounds) rounds=$2; shift 2 ;;
      *) echo "usage: $0 [--build DIR] [--rounds N]" >&2; exit 2 ;;
    esac
  done
  for p in "$build/agent/posdiag" "$build/agent/desk/posdiag-fleet"; do
    [ -x "$p" ] || { echo "$p not built (cmake --build $build)" >&2; exit 3; }
  done
  export SIM_POSDIAG=$build/agent/posdiag
  exec "$src/tests/sim/posdiag-sim" exec healthy -- bash "$0" __inner "$build" "$rounds"
fi
build=$2
rounds=$3
posdiag=$build/agent/posdiag
fleet=$build/agent/desk/posdiag-fleet
: "${SIM_CONFIG:?runs inside posdiag-sim exec}" "${SIM_ROOT:?}"
work=$(dirname "$SIM_CONFIG")/fleet-latency
mkdir -p "$work"
broker=$work/broker
daemon=""
collector=""
cleanup() {
  [[ -n $daemon ]] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  [[ -n $collector ]] && kill "$collector" 2>/dev/null && wait "$collector" 2>/dev/null
  bash "$src/tests/fleet/broker.sh" stop "$broker" || true
}
trap cleanup EXIT

port=$(bash "$src/tests/fleet/broker.sh" start "$broker")
certs=/etc/posdiag/fleet
mkdir -p "$SIM_ROOT$certs"
cp "$broker"/{ca.crt,term-0001.crt,term-0001.key} "$SIM_ROOT$certs/"
{
  cat "$SIM_CONFIG"
  printf '\n[fleet]\nbroker = "mqtts://localhost:%s"\nca_file = "%s/ca.crt"\n' "$port" "$certs"
  printf 'client_cert = "%s/term-0001.crt"\nclient_key = "%s/term-0001.key"\n' "$certs" "$certs"
  printf 'terminal_id = "term-0001"\noutbox_dir = "%s/outbox"\n' "$work"
} >"$work/posdiag.toml"
config=$work/posdiag.toml
"$posdiag" config check "$config" >/dev/null

"$fleet" collect --broker "mqtts://localhost:$port" --ca-file "$broker/ca.crt" \
  --cert "$broker/desk-1.crt" --key "$broker/desk-1.key" --db "$work/desk.db" \
  2>"$work/collect.err" &
collector=$!
for _ in $(seq 1 100); do grep -q 'subscribed to' "$work/collect.err" && break; sleep 0.1; done
grep -q 'subscribed to' "$work/collect.err" || { cat "$work/collect.err" >&2; exit 3; }
"$posdiag" daemon --config "$config" >"$work/daemon.out" 2>"$work/daemon.err" &
daemon=$!
for _ in $(seq 1 100); do grep -q "ready .*fleet=term-0001" "$work/daemon.out" && break; sleep 0.1; done
grep -q "ready .*fleet=term-0001" "$work/daemon.out" || { cat "$work/daemon.err" >&2; exit 3; }
sleep 1  # connected and subscribed

python3 - "$posdiag" "$config" "$work/desk.db" "$rounds" <<'PY'
import json, sqlite3, statistics, subprocess, sys, time

posdiag, config, db, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
to_row, to_receipt = [], []
for _ in range(rounds):
    out = subprocess.run([posdiag, "selftest", "--config", config, "--format", "json"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    end_ms = time.time() * 1000
    report_id = json.loads(out.stdout)["report_id"]
    deadline = time.monotonic() + 30
    row = None
    while row is None and time.monotonic() < deadline:
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
            row = con.execute("SELECT received_ms FROM reports WHERE report_id = ?",
                              (report_id,)).fetchone()
            con.close()
        except sqlite3.Error:
            row = None
        if row is None:
            time.sleep(0.001)
    if row is None:
        sys.exit(f"report {report_id} did not reach the desk's database within 30 s")
    to_row.append(time.time() * 1000 - end_ms)
    to_receipt.append(row[0] - end_ms)
    # Reports closer together than 1 / backlog_per_s (0.5 s by default) wait for the pace; a
    # terminal makes one every few minutes at most, so the rounds are spaced wider than that.
    time.sleep(1.0)

def line(name, xs):
    xs = sorted(xs)
    p99 = xs[min(len(xs) - 1, int(round(0.99 * (len(xs) - 1))))]
    print(f"{name}: p50 {statistics.median(xs):.1f} ms, p99 {p99:.1f} ms, max {xs[-1]:.1f} ms")

print(f"{rounds} self-tests, each report found in the desk's database")
line("self-test end -> row in SQLite (readable)", to_row)
line("self-test end -> collector's receipt (received_ms)", to_receipt)
PY
