#!/usr/bin/env bash
# Soak: `posdiag daemon` on the simulated terminal for a long time (30 minutes by default; not in
# CI) with a diagnose key press every 2 s (umockdev replays the keypad), an engineer console session
# every 10 s (a pseudo-terminal pair from socat: connect, log in with the PIN, run `status` and
# `history`, log out, hang up) and, every minute, the printer's port taken away and given back (the
# simulated printer's link removed and restored) and the modem's likewise. Each minute it samples the
# daemon's RSS, open descriptors and threads. At the end: the samples as a table; the growth after
# the first 5 minutes (must be under 1 %, and fds and threads flat); every report the daemon
# announced is in the history; the daemon stops with status 0. --press-ms shortens the time
# between presses (2000 by default), so that growth per diagnosis shows in a shorter run.
#
#   tests/soak/soak.sh [--posdiag PATH] [--minutes N] [--press-ms MS]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
posdiag="$src/build/dev/agent/posdiag"
minutes=30
press_ms=2000
while [ $# -gt 0 ]; do
  case $1 in
    --posdiag) posdiag=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    --press-ms) press_ms=$2; shift 2 ;;
    *) echo "usage: $0 [--posdiag PATH] [--minutes N] [--press-ms MS]" >&2; exit 2 ;;
  esac
done
for tool in umockdev-run socat python3; do
  command -v "$tool" >/dev/null || { echo "soak: needs $tool (bash setup.sh deps)" >&2; exit 1; }
done
if [ -z "${SIM_CONFIG:-}" ]; then
  export SIM_POSDIAG=$posdiag
  exec "$src/tests/sim/posdiag-sim" exec healthy -- "$0" --posdiag "$posdiag" --minutes "$minutes" \
    --press-ms "$press_ms"
fi

work=$(dirname "$SIM_CONFIG")/soak
mkdir -p "$work" "$SIM_ROOT/dev/input"
history_dir=$(sed -n '/^\[history\]/,/^\[/ s/^dir = "\(.*\)"/\1/p' "$SIM_CONFIG")
fail() { echo "soak: FAIL: $*" >&2; exit 1; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

ln -sfn /dev/input/event3 "$SIM_ROOT/dev/input/event3"
pin_hash=$(printf '4711\n' | "$posdiag" console hash-pin --iterations 1000)
socat pty,raw,echo=0,link="$SIM_ROOT/dev/ttyCONSOLE" pty,raw,echo=0,link="$work/engineer" &
pids+=($!)
for _ in $(seq 1 50); do [ -e "$work/engineer" ] && break; sleep 0.1; done
# Keep every report: the check at the end finds each one.
sed -i 's/^\[history\]$/[history]\nkeep = 10000/' "$SIM_CONFIG"
printf '\n[keys]\ndiagnose = "KEY_F1"\n[console]\nport = "/dev/ttyCONSOLE"\npin_hash = "%s"\n' \
  "$pin_hash" >>"$SIM_CONFIG"

seconds=$((minutes * 60))
python3 - "$seconds" "$press_ms" >"$work/keys.evemu" <<'PY'
import sys
end, every = int(sys.argv[1]), int(sys.argv[2]) / 1000.0
t = 1.0
while t < end:
    for value in (1, 0):
        print(f"E: {t:.6f} 0001 003b {value:04x}")
        print(f"E: {t:.6f} 0000 0000 0000")
        t += 0.05
    t += max(every - 0.1, 0.05)
PY

"$src/tests/umockdev/umockdev-run-serialized" -d "$src/tests/daemon/keypad.umockdev" -i "/dev/input/event3=$src/tests/daemon/keypad.ioctl" \
  -e "/dev/input/event3=$work/keys.evemu" -- "$posdiag" daemon --config "$SIM_CONFIG" \
  >"$work/daemon.out" 2>"$work/daemon.err" &
runner=$!
pids+=("$runner")
for _ in $(seq 1 100); do grep -q "ready" "$work/daemon.out" && break; sleep 0.1; done
grep -q "ready" "$work/daemon.out" || fail "the daemon did not start: $(cat "$work/daemon.err")"
# The daemon: umockdev-run's child whose executable is the posdiag binary (not the wrapper).
pid=""
want=$(readlink -f "$posdiag")
for _ in $(seq 1 50); do
  for child in $(pgrep -P "$runner"); do
    [ "$(readlink -f "/proc/$child/exe" 2>/dev/null)" = "$want" ] && pid=$child
  done
  [ -n "$pid" ] && break
  sleep 0.1
done
[ -n "$pid" ] || fail "cannot find the daemon's process"

# An engineer session: connect, log in, two commands, log out (python: a deadline on each read).
session() {
  python3 - "$work/engineer" <<'PY'
import os, select, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
def expect(text, within=20):
    end, seen = time.time() + within, b""
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            seen += os.read(fd, 4096)
            if text in seen:
                return
    sys.exit(f"console: no {text!r} in {seen[-200:]!r}")
for line, want in ((b"", b"posdiag>"), (b"login", b"PIN"), (b"4711", b"OK logged in"),
                   (b"status", b"OK"), (b"history", b"OK"), (b"logout", b"OK")):
    os.write(fd, line + b"\r")
    expect(want)
os.close(fd)
PY
}

# The daemon at rest: the least of each figure over a little more than one press interval, so a
# sample never catches a diagnosis in flight (its probe threads, their ports and transient heap).
sample() {  # minute rss_kb fds threads
  local rss=999999999 fds=999999999 threads=999999999 r f t end
  end=$(($(date +%s%N) / 1000000 + press_ms + 500))
  while [ "$(($(date +%s%N) / 1000000))" -lt "$end" ]; do
    r=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
    f=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
    t=$(find "/proc/$pid/task" -mindepth 1 -maxdepth 1 | wc -l)
    if [ "$r" -lt "$rss" ]; then rss=$r; fi
    if [ "$f" -lt "$fds" ]; then fds=$f; fi
    if [ "$t" -lt "$threads" ]; then threads=$t; fi
    sleep 0.1
  done
  echo "$1 $rss $fds $threads" >>"$work/samples"
}

: >"$work/samples"
sessions=0 session_failures=0 started=$(date +%s)
printer_port=$(sed -n '/^\[printer\]/,/^\[/ s/^port = "\(.*\)"/\1/p' "$SIM_CONFIG")
modem_port=$(sed -n '/^\[modem\]/,/^\[/ s/^port = "\(.*\)"/\1/p' "$SIM_CONFIG")
minute=0
sample 0
while :; do
  now=$(date +%s)
  elapsed=$((now - started))
  [ $elapsed -ge "$seconds" ] && break
  # Before the session, not after: a console hung up a moment ago is still being reopened.
  if [ $((elapsed / 60)) -gt $minute ]; then
    minute=$((elapsed / 60))
    sample "$minute"
  fi
  if session; then sessions=$((sessions + 1)); else session_failures=$((session_failures + 1)); fi
  # Once a minute: the printer's and the modem's ports go away for 20 s, then come back.
  if [ $((elapsed % 60)) -lt 10 ] && [ -n "$printer_port" ]; then
    for port in "$printer_port" "$modem_port"; do
      [ -n "$port" ] && [ -L "$SIM_ROOT$port" ] && mv "$SIM_ROOT$port" "$SIM_ROOT$port.away"
    done
  elif [ $((elapsed % 60)) -ge 20 ]; then
    for port in "$printer_port" "$modem_port"; do
      [ -n "$port" ] && [ -L "$SIM_ROOT$port.away" ] && mv "$SIM_ROOT$port.away" "$SIM_ROOT$port"
    done
  fi
  sleep 10
done
sample "$minutes"
kill -TERM "$runner"
status=0
wait "$runner" || status=$?
[ $status -eq 0 ] || fail "the daemon exited $status after SIGTERM"

echo "minute  rss_kb  fds  threads"
awk '{printf "%6d %7d %4d %8d\n", $1, $2, $3, $4}' "$work/samples"
reports=$(grep -c "^posdiag daemon: report " "$work/daemon.out" || true)
saved=0
for id in $(sed -n 's/^posdiag daemon: report \([^ ]*\) .*/\1/p' "$work/daemon.out"); do
  if grep -rqs "\"report_id\": \"$id\"" "$history_dir"; then saved=$((saved + 1)); fi
done
echo "diagnoses: $reports, in history: $saved; console sessions: $sessions ($session_failures failed)"
python3 - "$work/samples" <<'PY'
import sys
rows = [list(map(int, l.split())) for l in open(sys.argv[1]) if l.strip()]
base = [r for r in rows if r[0] >= 5] or rows
first, last = base[0], rows[-1]
growth = (last[1] - first[1]) * 100.0 / first[1]
print(f"RSS after minute {first[0]}: {first[1]} kB -> {last[1]} kB ({growth:+.2f} %); "
      f"fds {first[2]} -> {last[2]}; threads {first[3]} -> {last[3]}")
if growth >= 1.0 or last[2] > first[2] or last[3] > first[3]:
    sys.exit("soak: FAIL: growth")
PY
[ "$saved" -eq "$reports" ] || fail "$((reports - saved)) reports are not in the history"
[ "$session_failures" -eq 0 ] || fail "$session_failures console sessions failed"
echo "soak: passed"
