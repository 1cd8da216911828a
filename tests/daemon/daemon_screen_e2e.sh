#!/usr/bin/env bash
# The display is the payment application's: `posdiag daemon` borrows it and gives it back byte for
# byte. On the simulated terminal (SCENARIO's file-backed framebuffer, any depth and row padding)
# the test puts a picture on the screen, as the payment application would, and checks:
#   - the daemon draws nothing at start;
#   - a diagnose press shows the result (the screen changes); back gives the picture back;
#   - the result's timeout gives it back; so does SIGTERM while a result is shown;
#   - the console's `test display` keeps the pattern up until the engineer presses Enter, then
#     gives the picture back; SIGTERM during that test gives it back too, within a second;
#   - while [app] busy_lock is held (a transaction), the key and the console (`run`, `test`,
#     `print`) change nothing on the screen, save no report, and send not one byte to the
#     simulated printer or card reader (their simulators keep every byte they read).
#
#   daemon_screen_e2e.sh POSDIAG_BINARY POSDIAG_SIM SCENARIO
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ ${1:-} != __inner ]]; then
  [[ $# -eq 3 ]] || { echo "usage: daemon_screen_e2e.sh POSDIAG_BINARY POSDIAG_SIM SCENARIO" >&2; exit 64; }
  command -v umockdev-run >/dev/null || { echo "daemon_screen_e2e: needs umockdev-run" >&2; exit 1; }
  command -v flock >/dev/null || { echo "daemon_screen_e2e: needs flock (util-linux)" >&2; exit 1; }
  command -v socat >/dev/null || { echo "daemon_screen_e2e: needs socat (the console's terminal)" >&2; exit 1; }
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
# BASE, when set, is the config to start from instead of $SIM_CONFIG.
phase() {
  CONFIG=$work/$1.toml
  cp "${BASE:-$SIM_CONFIG}" "$CONFIG"
  printf '\n[daemon]\n%s\n' "$2" >>"$CONFIG"
  # umockdev plays the events at their times counted from the first one: a SYN_REPORT at 0 first.
  {
    printf 'E: 0.000000 0000 0000 0000\n'
    [[ -z $3 ]] || printf '%s\n' "$3"
  } >"$work/$1.evemu"
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

# The console, on a pseudo-terminal socat holds (its other end is this script), with a printer
# and a card reader whose simulators keep every byte they read.
sims=$(dirname "$(realpath "$posdiag")")/../tests/sim
[[ -x $sims/printer_sim && -x $sims/ccid_serial_sim ]] || fail "no printer_sim or ccid_serial_sim in $sims"
printer_bytes=$work/printer.received
reader_bytes=$work/reader.received
: >"$printer_bytes"
: >"$reader_bytes"
helpers=()
stop_helpers() {
  local pid
  for pid in "${helpers[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  helpers=()
}
trap 'stop_leftover; stop_helpers' EXIT
"$sims/printer_sim" --link "$SIM_ROOT/dev/ttyS6" --received "$printer_bytes" --lifetime 170 &
helpers+=($!)
"$sims/ccid_serial_sim" --link "$SIM_ROOT/dev/ttyS2" --received "$reader_bytes" --lifetime 170 &
helpers+=($!)
pin=482915
pin_hash=$(echo "$pin" | "$posdiag" console hash-pin) || fail "hash-pin failed"
sed 's#^port = "/dev/ttyS1"$#port = "/dev/ttyS6"#' "$SIM_CONFIG" >"$work/console-base.toml"
grep -q '^port = "/dev/ttyS6"$' "$work/console-base.toml" || fail "no serial [printer] in the config"
printf '\n[card_reader]\ntransport = "serial"\nport = "/dev/ttyS2"\n' >>"$work/console-base.toml"
printf '\n[console]\nport = "/dev/ttyS4"\ntest_timeout_s = 60\npin_hash = "%s"\n' "$pin_hash" \
  >>"$work/console-base.toml"
for ((i = 0; i < 250; i++)); do
  [[ -L $SIM_ROOT/dev/ttyS6 && -L $SIM_ROOT/dev/ttyS2 ]] && break
  sleep 0.02
done
[[ -L $SIM_ROOT/dev/ttyS6 && -L $SIM_ROOT/dev/ttyS2 ]] || fail "the printer or reader simulator did not start"
coproc CONSOLE { exec socat - "PTY,link=$SIM_ROOT/dev/ttyS4,raw,echo=0,wait-slave"; }
helpers+=("$CONSOLE_PID")
for ((i = 0; i < 250; i++)); do
  [[ -L $SIM_ROOT/dev/ttyS4 ]] && break
  sleep 0.02
done
: >"$work/console"

# Reads the console's lines into $reply until one has TEXT (each line within 60 s).
console_until() {
  local line
  reply=""
  while IFS= read -r -t 60 line <&"${CONSOLE[0]}"; do
    line=${line//$'\r'/}
    reply+="$line"$'\n'
    printf '%s\n' "$line" >>"$work/console"
    [[ $line == *"$1"* ]] && return 0
  done
  fail "console: no line with '$1' after: $reply"
}
# Types LINE (then Enter) and reads the reply up to its OK or ERR line, kept in $last.
console_say() {
  printf '%s\r' "$1" >&"${CONSOLE[1]}"
  local line
  reply=""
  while IFS= read -r -t 60 line <&"${CONSOLE[0]}"; do
    line=${line//$'\r'/}
    reply+="$line"$'\n'
    printf '%s\n' "$line" >>"$work/console"
    if [[ $line == OK* || $line == ERR* ]]; then
      last=$line
      return 0
    fi
  done
  fail "console: no answer to '$1' after: $reply"
}
size() { stat -c %s "$1"; }

BASE=$work/console-base.toml phase console "result_timeout_ms = 1500" ""
# What is typed before the console has set the port up may be flushed with it: wait for its line.
for ((i = 0; i < 250; i++)); do
  grep -rqs "console event=open" "$(dirname "$SIM_CONFIG")/log" && break
  sleep 0.02
done
console_say status
printf 'login\r' >&"${CONSOLE[1]}"
console_say "$pin"
[[ $last == "OK logged in" ]] || fail "console: login: $last"

# `test display`: the pattern stays up while the engineer looks, and goes when Enter is pressed.
printf 'test display\r' >&"${CONSOLE[1]}"
console_until "NOTE look at the colour bars"
screen_is differs
sleep 0.5
cmp -s "$fb" "$work/picture" && fail "test display: the pattern was taken down before the answer"
printf '\r' >&"${CONSOLE[1]}"
console_until "OK "
[[ $reply == *"display: passed: test pattern shown until the engineer answered"* ]] ||
  fail "test display: $reply"
screen_is picture

# Outside a transaction a run and a slip reach the printer and the reader: the counts can grow.
console_say "run merchant"
[[ $last == OK* ]] || fail "console: run merchant: $last"
(($(size "$printer_bytes") > 0)) || fail "the run sent nothing to the printer"
(($(size "$reader_bytes") > 0)) || fail "the run sent nothing to the card reader"
screen_is picture
printed=$(size "$printer_bytes")
console_say print
[[ $last == "OK printed" ]] || fail "console: print: $last"
(($(size "$printer_bytes") > printed)) || fail "the slip did not reach the printer"

# A transaction in progress: the console's run, tests and print are refused; nothing is drawn,
# saved, printed or sent to the reader. This script holds the lock, as the payment application.
exec {lock}>>"$SIM_ROOT/run/payapp/transaction.lock"
flock -x "$lock"
reports_before=$(find "$history_dir" -name '*.json' | wc -l)
printer_before=$(size "$printer_bytes")
reader_before=$(size "$reader_bytes")
for command in "run merchant" "test chip" "test display" "test keys"; do
  console_say "$command"
  [[ $last == "ERR busy: a transaction is in progress"* ]] || fail "busy: $command: $last"
done
console_say print
[[ $last == "ERR not printed: a transaction is in progress"* ]] || fail "busy: print: $last"
sleep 0.5
cmp -s "$fb" "$work/picture" || fail "busy: the console changed the screen during a transaction"
[[ $(find "$history_dir" -name '*.json' | wc -l) -eq $reports_before ]] ||
  fail "busy: the console saved a report during a transaction"
[[ $(size "$printer_bytes") -eq $printer_before ]] ||
  fail "busy: $(($(size "$printer_bytes") - printer_before)) bytes reached the printer during a transaction"
[[ $(size "$reader_bytes") -eq $reader_before ]] ||
  fail "busy: $(($(size "$reader_bytes") - reader_before)) bytes reached the card reader during a transaction"
exec {lock}>&-

# SIGTERM while `test display` waits for the engineer: the daemon stops within a second and the
# picture is back.
printf 'test display\r' >&"${CONSOLE[1]}"
console_until "NOTE look at the colour bars"
screen_is differs
started=$(date +%s%N)
stop_daemon TERM
took_ms=$((($(date +%s%N) - started) / 1000000))
[[ $status -eq 0 ]] || fail "sigterm during a test: exit status $status"
((took_ms < 1000)) || fail "SIGTERM during a test took $took_ms ms to stop the daemon (the bound is 1 s)"
screen_is picture
stop_helpers

# A transaction in progress: the payment application holds the lock; the key changes nothing.
reports_before=$(find "$history_dir" -name '*.json' | wc -l)
# Held on a descriptor of this script, as the application holds it: nothing to kill afterwards.
exec 8>>"$SIM_ROOT/run/payapp/transaction.lock"
flock -x 8
phase busy "result_timeout_ms = 0" "$(press 3.000000 003b)"
wait_for "key diagnose"
sleep 1.5
grep -q "^posdiag daemon: report " "$work/out" && fail "busy: a diagnosis ran during a transaction"
cmp -s "$fb" "$work/picture" || fail "busy: the screen changed during a transaction"
exec 8>&-
stop_daemon TERM
reports_after=$(find "$history_dir" -name '*.json' | wc -l)
[[ $reports_after -eq $reports_before ]] || fail "busy: a report was saved during a transaction"
grep -rq "diagnose key dropped: a transaction is in progress" "$(dirname "$SIM_CONFIG")/log" ||
  fail "busy: the dropped press is not in the log"
echo "daemon_screen_e2e: ok"
