#!/usr/bin/env bash
# A daemon restart loop, as systemd's Restart=always makes one: `posdiag daemon` on the simulated
# terminal started 20 times, each time killed with SIGKILL or SIGTERM at a random point: within
# 150 ms of its start, maybe before it is up (every fifth start); within 100 ms of a diagnosis's
# report, the log, history and outbox just written (every fifth, one before those); otherwise
# within a second of being up, idle or in the middle of a diagnosis. The printer is silent, so a
# diagnosis lasts its one-second status wait; the keypad umockdev emulates presses the diagnose
# key 200 ms after it is opened; the console is on a socat pseudo-terminal; [fleet] gives the run
# lock and the outbox, its broker a name the DNS server never answers for.
# Checks: every start but the early ones is up ("ready") within 3 s; SIGTERM ends it with status 0
# within 2 s (an early SIGTERM may come before the daemon has taken SIGTERM over, while the loader
# or the sanitizer runtime is still starting it: then the default action ends it, which systemd
# also counts as a clean stop; umockdev-run gives that as status 15, accepted only before "ready"); no posdiag process outlives its kill. Then a last start diagnoses and stops. After
# it: every report a daemon announced is in the history (which reads without a problem) and in
# the outbox, whole; no report says the printer's port is busy (a hold left by a killed daemon);
# the console opened its port at every start; no temp file is left in the history or the outbox.
# POSDIAG_RESTART_SEED sets the random points (the seed is printed).
#
#   daemon_restart_loop.sh POSDIAG_BINARY POSDIAG_SIM
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon_dir=$(cd "$here/../daemon" && pwd)
if [[ ${1:-} != __inner ]]; then
  [[ $# -eq 2 ]] || { echo "usage: daemon_restart_loop.sh POSDIAG_BINARY POSDIAG_SIM" >&2; exit 64; }
  for tool in umockdev-run socat; do
    command -v "$tool" >/dev/null || { echo "daemon_restart_loop: SKIP: needs $tool"; exit 77; }
  done
  unshare --user --map-root-user --mount --net --pid --fork true 2>/dev/null || {
    echo "daemon_restart_loop: SKIP: needs user, mount, network and PID namespaces (unshare)"
    exit 77
  }
  export SIM_POSDIAG=$1
  exec "$2" exec printer-silent -- bash "$here/daemon_restart_loop.sh" __inner "$1"
fi
posdiag=$2
: "${SIM_CONFIG:?runs inside posdiag-sim exec}" "${SIM_ROOT:?}"
work=$(dirname "$SIM_CONFIG")/restart
mkdir -p "$work"
history_dir=$(dirname "$SIM_CONFIG")/history
log_dir=$(dirname "$SIM_CONFIG")/log
outbox=$work/outbox
starts=20
ready_bound_ms=${POSDIAG_READY_BOUND_MS:-3000}
seed=${POSDIAG_RESTART_SEED:-$((($$ + ${EPOCHREALTIME/./}) % 32768))}
RANDOM=$seed
echo "daemon_restart_loop: seed $seed"

fail() {
  echo "daemon_restart_loop: FAIL: $*" >&2
  for f in "$work"/out.* "$work"/err.*; do
    [[ -s $f ]] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
  done
  exit 1
}
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }

# The broker is given by name and the DNS server does not answer (the host's resolver
# configuration, in this mount namespace only): the daemon must come up and stop all the same.
printf 'nameserver 192.0.2.53\noptions timeout:5 attempts:2\n' >"$work/resolv.conf"
mount --bind "$work/resolv.conf" /etc/resolv.conf || fail "cannot mount over /etc/resolv.conf"
mkdir -p "$SIM_ROOT/dev/input"
ln -sfn /dev/input/event3 "$SIM_ROOT/dev/input/event3"
# The maintenance port: one end of a pseudo-terminal pair, the engineer's cable the other.
socat pty,rawer,link="$SIM_ROOT/dev/ttyS3" pty,rawer,link="$work/engineer" 2>"$work/socat.err" &
socat_pid=$!
for ((i = 0; i < 100; i++)); do [[ -L $SIM_ROOT/dev/ttyS3 ]] && break; sleep 0.05; done
[[ -L $SIM_ROOT/dev/ttyS3 ]] || fail "socat made no pseudo-terminal: $(cat "$work/socat.err")"
cat >>"$SIM_CONFIG" <<EOF

[keys]
diagnose = "KEY_F1"
debounce_ms = 50

[console]
port = "/dev/ttyS3"

[fleet]
broker = "mqtts://broker.invalid:8883"
terminal_id = "T-restart"
outbox_dir = "$outbox"
EOF
# The diagnose key, pressed and released 200 ms after the keypad is opened.
printf 'E: 0.200000 0001 003b 0001\nE: 0.200000 0000 0000 0000\nE: 0.200000 0001 003b 0000\nE: 0.200000 0000 0000 0000\n' \
  >"$work/keys.evemu"

runner="" daemon=""
stop_leftovers() {
  if [[ -n $runner ]]; then
    [[ -n $daemon ]] || daemon=$(child_of "$runner")
    if [[ -n $daemon ]]; then kill -KILL "$daemon" 2>/dev/null || true; fi
    kill -KILL "$runner" 2>/dev/null || true
    wait "$runner" 2>/dev/null || true
  fi
  kill -TERM "$socat_pid" 2>/dev/null || true
  wait "$socat_pid" 2>/dev/null || true
}

# The process umockdev-run started (the daemon), or nothing yet.
child_of() {
  local task
  for task in /proc/"$1"/task/*; do
    kids=()
    read -r -a kids <"$task/children" 2>/dev/null || true  # no line end: read fails, yet reads
    [[ ${#kids[@]} -gt 0 ]] && { echo "${kids[0]}"; return; }
  done
  return 0
}
trap stop_leftovers EXIT

# start N: the daemon under umockdev-run (runner), its own process (daemon), out.N and err.N.
start() {
  : >"$work/out.$1"
  "$here/../umockdev/umockdev-run-serialized" -d "$daemon_dir/keypad.umockdev" -i "/dev/input/event3=$daemon_dir/keypad.ioctl" \
    -e "/dev/input/event3=$work/keys.evemu" -- "$posdiag" daemon --config "$SIM_CONFIG" \
    >"$work/out.$1" 2>"$work/err.$1" &
  runner=$!
  started_at=$(now_ms)
  daemon=""
  local i
  for ((i = 0; i < 200; i++)); do
    daemon=$(child_of "$runner")
    [[ -n $daemon ]] && break
    if ! kill -0 "$runner" 2>/dev/null; then
      local status=0
      wait "$runner" || status=$?
      fail "start $1: umockdev-run ended with status $status before its command was seen"
    fi
    sleep 0.01
  done
  [[ -n $daemon ]] || fail "start $1: umockdev-run started no daemon"
}

# wait_line N TEXT BOUND_MS: until out.N has a line with TEXT; the milliseconds since the start.
wait_line() {
  while ! grep -q "$2" "$work/out.$1"; do
    (($(now_ms) - started_at <= $3)) || fail "start $1: no '$2' within $3 ms"
    kill -0 "$daemon" 2>/dev/null || fail "start $1: the daemon exited before '$2'"
    sleep 0.01
  done
  waited_ms=$(($(now_ms) - started_at))
}

# stop N SIGNAL: kills the daemon; SIGTERM must end it with status 0 within 2 s.
stop() {
  local sent status=0
  sent=$(now_ms)
  kill "-$2" "$daemon"
  wait "$runner" || status=$?
  local took=$(($(now_ms) - sent))
  if [[ $2 == TERM ]]; then
    ((took > max_term)) && max_term=$took
    if [[ $status -eq 15 ]] && ! grep -q "ready keys=" "$work/out.$1"; then
      term_before_ready=$((term_before_ready + 1))
    else
      [[ $status -eq 0 ]] || fail "start $1: exit status $status after SIGTERM, want 0"
    fi
    ((took < 2000)) || fail "start $1: SIGTERM took $took ms to stop the daemon"
  fi
  ! kill -0 "$daemon" 2>/dev/null || fail "start $1: the daemon outlived SIG$2"
  runner="" daemon=""
}

term_before_ready=0 max_ready=0 sum_ready=0 came_up=0 temps_seen=0 killed_mid=0 looped_up=0 max_term=0
for ((n = 1; n <= starts; n++)); do
  signal=KILL
  ((RANDOM % 2 == 0)) && signal=TERM
  start "$n"
  if ((n % 5 == 0)); then
    sleep "0.$(printf '%03d' $((RANDOM % 150)))"
    what="early"
  else
    wait_line "$n" "ready keys=/dev/input/event3" "$ready_bound_ms"
    came_up=$((came_up + 1)) looped_up=$((looped_up + 1))
    sum_ready=$((sum_ready + waited_ms))
    ((waited_ms > max_ready)) && max_ready=$waited_ms
    if ((n % 5 == 4)); then
      # Right after a diagnosis: the log, the history and the outbox just written.
      wait_line "$n" "^posdiag daemon: report " 10000
      sleep "0.$(printf '%03d' $((RANDOM % 100)))"
    else
      sleep "0.$(printf '%03d' $((RANDOM % 1000)))"
    fi
    what="idle"
    grep -q "key diagnose" "$work/out.$n" && what="diagnosing"
    grep -q "^posdiag daemon: report " "$work/out.$n" && what="after its report"
  fi
  [[ $what == diagnosing ]] && killed_mid=$((killed_mid + 1))
  stop "$n" "$signal"
  temps=$(find "$history_dir" "$outbox" -name '*.tmp' 2>/dev/null | wc -l)
  ((temps > temps_seen)) && temps_seen=$temps
  echo "daemon_restart_loop: start $n: SIG$signal $what ($(($(now_ms) - started_at)) ms)"
done

# The last start: up, one diagnosis, a clean stop.
n=$((starts + 1))
start "$n"
wait_line "$n" "ready keys=/dev/input/event3" "$ready_bound_ms"
came_up=$((came_up + 1))
((waited_ms > max_ready)) && max_ready=$waited_ms
wait_line "$n" "^posdiag daemon: report " 10000
stop "$n" TERM

cat "$work"/out.* | sed -n 's/^posdiag daemon: report \([^ ]*\) .*/\1/p' >"$work/announced"
"$posdiag" history --config "$SIM_CONFIG" --format json >"$work/history.json" 2>"$work/history.err" ||
  fail "posdiag history: $(cat "$work/history.err")"
python3 - "$work" "$history_dir" "$outbox" "$log_dir" "$came_up" <<'PY' || fail "after the loop"
import json, os, sys
work, history_dir, outbox, log_dir, came_up = sys.argv[1:6]
def fail(why): sys.exit("daemon_restart_loop: FAIL: " + why)
announced = open(os.path.join(work, "announced")).read().split()
history = json.load(open(os.path.join(work, "history.json")))
if history.get("problems"):
    fail(f"history problems: {history['problems']}")
listed = {e["report_id"]: e for e in history["reports"]}
sent = set()
for n in os.listdir(outbox):
    if n[0].isdigit() and n.endswith(".json"):
        sent.add(json.load(open(os.path.join(outbox, n)))["report_id"])  # whole, or this fails
for rid in announced:
    if rid not in listed:
        fail(f"report {rid}, announced, is not in the history")
    if rid not in sent:
        fail(f"report {rid}, announced, is not in the outbox")
for rid, e in listed.items():
    if "printer.port_busy" in e.get("rules", []):
        fail(f"report {rid} says the printer's port is busy: a hold left by a killed daemon")
last = announced[-1]
if "printer.not_answering" not in listed[last].get("rules", []):
    fail(f"the last report {last} does not find the silent printer: {listed[last]}")
for d in (history_dir, outbox):
    temps = [n for n in os.listdir(d) if n.endswith(".tmp")]
    if temps:
        fail(f"temp files left in {d} after the last save: {temps}")
    aside = [n for n in os.listdir(d) if n.endswith(".corrupt")]
    if aside:
        fail(f"entries set aside in {d}: {aside}")
log = "".join(open(os.path.join(log_dir, n)).read() for n in os.listdir(log_dir))
opened = log.count("console event=open ")
if "event=open_failed" in log or opened < int(came_up):
    fail(f"the console opened its port {opened} times for {came_up} starts up: "
         + next((l for l in log.splitlines() if "event=open_failed" in l), ""))
print(f"daemon_restart_loop: {len(announced)} reports announced, all in history and outbox; "
      f"{len(listed)} in history")
PY
echo "daemon_restart_loop: ok: $starts kills ($killed_mid mid-diagnosis), $came_up starts up," \
  "ready in $((sum_ready / looped_up)) ms on average, $max_ready ms at most;" \
  "SIGTERM obeyed within $max_term ms at most ($term_before_ready before the daemon took it over);" \
  "at most $temps_seen temp files between starts"
