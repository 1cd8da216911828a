#!/usr/bin/env bash
# The display is the payment application's: `posdiag daemon` borrows it and gives it back byte for
# byte. On the simulated terminal (SCENARIO's file-backed framebuffer, any depth and row padding)
# the test puts a picture on the screen, as the payment application would, and checks:
#   - the daemon draws nothing at start;
#   - a diagnose press shows the result (the screen changes); back gives the picture back;
#   - the result's timeout gives it back; so does SIGTERM while a result is shown;
#   - while [app] busy_lock is held (a transaction), the key changes nothing and runs nothing.
#
#   daemon_screen_e2e.sh POSDIAG_BINARY POSDIAG_SIM SCENARIO
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ ${1:-} != __inner ]]; then
  [[ $# -eq 3 ]] || { echo "usage: daemon_screen_e2e.sh POSDIAG_BINARY POSDIAG_SIM SCENARIO" >&2; exit 64; }
  command -v umockdev-run >/dev/null || { echo "daemon_screen_e2e: needs umockdev-run" >&2; exit 1; }
  command -v flock >/dev/null || { echo "daemon_screen_e2e: needs flock (util-linux)" >&2; exit 1; }
  export SIM_POSDIAG=$1
  exec "$2" exec "$3" -- bash "$here/daemon_screen_e2e.sh" __inner "$1"
fi

posdiag=$2
: "${SIM_CONFIG:?runs inside posdiag-sim exec}" "${SIM_ROOT:?}"
work=$(dirname "$SIM_CONFIG")/daemon-screen
mkdir -p "$work"
history_dir=$(dirname "$SIM_CONFIG")/history
fb=$SIM_ROOT/dev/fb0

# shellcheck source=tests/daemon/lib.sh
source "$here/lib.sh"

mkdir -p "$SIM_ROOT/dev/input" "$SIM_ROOT/run/payapp"
ln -sfn /dev/input/event3 "$SIM_ROOT/dev/input/event3"
: >"$SIM_ROOT/run/payapp/transaction.lock"
printf '\n[keys]\ndiagnose = "KEY_F1"\nback = "KEY_ESC"\ndebounce_ms = 50\n' >>"$SIM_CONFIG"
# [app] is the healthy terminal's; the busy lock goes into that table.
sed -i 's#^\[app\]$#[app]\nbusy_lock = "/run/payapp/transaction.lock"#' "$SIM_CONFIG"
grep -q '^busy_lock = ' "$SIM_CONFIG" || fail "the scenario's config has no [app] table"

# The payment application's screen: noise in every byte, row padding included.
head -c "$(stat -c %s "$fb")" /dev/urandom >"$work/picture"
cp "$work/picture" "$fb"

# Waits up to 5 s for the framebuffer to be (or, with "differs", not to be) the picture.
screen_is() {
  local want=$1 i
  for ((i = 0; i < 250; i++)); do
    if cmp -s "$fb" "$work/picture"; then
      [[ $want == picture ]] && return 0
    else
      [[ $want == differs ]] && return 0
    fi
    sleep 0.02
  done
  fail "the framebuffer is not what it should be ($want) after: $(tail -n 1 "$work/out")"
}

# phase NAME DAEMON_LINES EVEMU: a daemon with those [daemon] lines and that keypad. The first
# press comes 3 s after the keypad appears, time enough to see the daemon start without drawing.
phase() {
  CONFIG=$work/$1.toml
  cp "$SIM_CONFIG" "$CONFIG"
  printf '\n[daemon]\n%s\n' "$2" >>"$CONFIG"
  # umockdev plays the events at their times counted from the first one: a SYN_REPORT at 0 first.
  { printf 'E: 0.000000 0000 0000 0000\n'; printf '%s\n' "$3"; } >"$work/$1.evemu"
  start_daemon -d "$here/keypad.umockdev" -i "/dev/input/event3=$here/keypad.ioctl" \
    -e "/dev/input/event3=$work/$1.evemu"
  wait_for "ready keys=/dev/input/event3"
  cmp -s "$fb" "$work/picture" || fail "$1: the daemon drew at start"
}

# Back.
phase back "result_timeout_ms = 0" "$(press 3.000000 003b; press 7.000000 0001)"
wait_for "report "
screen_is differs
wait_for "key back"
screen_is picture
stop_daemon TERM
[[ $status -eq 0 ]] || fail "back: exit status $status after SIGTERM"

# The result's timeout.
phase timeout "result_timeout_ms = 1500" "$(press 3.000000 003b)"
wait_for "report "
screen_is differs
screen_is picture
stop_daemon TERM
[[ $status -eq 0 ]] || fail "timeout: exit status $status after SIGTERM"

# SIGTERM while the result is shown.
phase sigterm "result_timeout_ms = 0" "$(press 3.000000 003b)"
wait_for "report "
screen_is differs
stop_daemon TERM
[[ $status -eq 0 ]] || fail "sigterm: exit status $status"
screen_is picture

# A transaction in progress: the payment application holds the lock; the key changes nothing.
reports_before=$(find "$history_dir" -name '*.json' | wc -l)
flock -x "$SIM_ROOT/run/payapp/transaction.lock" sleep 60 &
holder=$!
for ((i = 0; i < 100; i++)); do
  flock -n -s "$SIM_ROOT/run/payapp/transaction.lock" true || break
  sleep 0.02
done
phase busy "result_timeout_ms = 0" "$(press 3.000000 003b)"
wait_for "key diagnose"
sleep 1.5
grep -q "^posdiag daemon: report " "$work/out" && fail "busy: a diagnosis ran during a transaction"
cmp -s "$fb" "$work/picture" || fail "busy: the screen changed during a transaction"
kill "$holder"
wait "$holder" 2>/dev/null || true
stop_daemon TERM
reports_after=$(find "$history_dir" -name '*.json' | wc -l)
[[ $reports_after -eq $reports_before ]] || fail "busy: a report was saved during a transaction"
grep -rq "diagnose key dropped: a transaction is in progress" "$(dirname "$SIM_CONFIG")/log" ||
  fail "busy: the dropped press is not in the log"
echo "daemon_screen_e2e: ok"
