#!/usr/bin/env bash
# `posdiag daemon` on the simulated terminal with a keypad that umockdev emulates (keypad.umockdev,
# its key bits for EVIOCGBIT in keypad.ioctl) and replays key events to (evemu format). The
# daemon finds the keypad by its diagnose key, and the merchant:
#   presses the diagnose key, then again and again while the diagnosis runs (the printer is
#   silent, so the run lasts at least the printer's one-second status timeout), leans on an
#   unknown key (a storm of 300 presses), pages and goes back.
# Checks: one diagnosis (one report in history, one in the log), the paging and back keys seen,
# SIGTERM ends the daemon with status 0. Then SIGHUP on an idle daemon: status 0 too.
#
#   daemon_e2e.sh POSDIAG_BINARY POSDIAG_SIM
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ ${1:-} != __inner ]]; then
  [[ $# -eq 2 ]] || { echo "usage: daemon_e2e.sh POSDIAG_BINARY POSDIAG_SIM" >&2; exit 64; }
  command -v umockdev-run >/dev/null || { echo "daemon_e2e: needs umockdev-run" >&2; exit 1; }
  export SIM_POSDIAG=$1
  exec "$2" exec printer-silent -- bash "$here/daemon_e2e.sh" __inner "$1"
fi

posdiag=$2
: "${SIM_CONFIG:?runs inside posdiag-sim exec}" "${SIM_ROOT:?}"
work=$(dirname "$SIM_CONFIG")/daemon
mkdir -p "$work"
history_dir=$(dirname "$SIM_CONFIG")/history
log_dir=$(dirname "$SIM_CONFIG")/log

# shellcheck source=tests/daemon/lib.sh
source "$here/lib.sh"

# The terminal's node links to the emulated one, as the udev rules of a terminal link by-path.
mkdir -p "$SIM_ROOT/dev/input"
ln -sfn /dev/input/event3 "$SIM_ROOT/dev/input/event3"
printf '\n[keys]\ndiagnose = "KEY_F1"\npage_next = "KEY_DOWN"\npage_prev = "KEY_UP"\nback = "KEY_ESC"\ndebounce_ms = 50\n' >>"$SIM_CONFIG"

{
  press 0.500000 003b  # diagnose
  press 0.700000 003b  # during the run: ignored, not queued
  press 0.900000 003b
  press 1.100000 003b
  press 1.100000 006c  # page_next during the run: ignored too
  for ((i = 0; i < 300; i++)); do press 1.200000 001e; done  # KEY_A storm: no such key
  # A kernel queue overflow in the middle of a packet: the press after SYN_DROPPED is dropped.
  printf 'E: 1.300000 0000 0003 0000\nE: 1.300000 0001 003b 0001\nE: 1.300000 0000 0000 0000\n'
  printf 'E: 1.300000 0001 003b 0000\nE: 1.300000 0000 0000 0000\n'
  press 6.000000 006c  # page_next, well after the run
  press 6.200000 0001  # back
} >"$work/keys.evemu"

start_daemon -d "$here/keypad.umockdev" -i "/dev/input/event3=$here/keypad.ioctl" \
  -e "/dev/input/event3=$work/keys.evemu"

wait_for "ready keys=/dev/input/event3"
wait_for "key back"
stop_daemon TERM
[[ $status -eq 0 ]] || fail "exit status $status after SIGTERM, want 0"
grep -q "stopped" "$work/out" || fail "no 'stopped' line"

reports=$(grep -c "^posdiag daemon: report " "$work/out" || true)
[[ $reports -eq 1 ]] || fail "$reports diagnoses, want 1"
grep -q "^posdiag daemon: report .* level merchant " "$work/out" || fail "not a merchant diagnosis"
diagnoses=$(grep -c "^posdiag daemon: key diagnose" "$work/out" || true)
[[ $diagnoses -eq 1 ]] || fail "$diagnoses diagnose presses taken, want 1"
grep -q "^posdiag daemon: key page_next" "$work/out" || fail "page_next not seen"
[[ $(grep -c "^posdiag daemon: key page_next" "$work/out") -eq 1 ]] ||
  fail "the page_next pressed during the run was queued"
history_files=$(find "$history_dir" -name '*.json' | wc -l)
[[ $history_files -eq 1 ]] || fail "$history_files reports in history, want 1"
report_id=$(sed -n 's/^posdiag daemon: report \([^ ]*\) .*/\1/p' "$work/out")
grep -rq "run report=$report_id level=merchant" "$log_dir" || fail "report $report_id not in the log"
grep -rq "printer.not_answering" "$history_dir" || fail "the report lacks the silent printer"

# A key name posdiag does not know: exit 3 before anything runs, naming the key.
sed 's/^diagnose = "KEY_F1"$/diagnose = "KEY_DIAGNOSE_PLEASE"/' "$SIM_CONFIG" >"$work/bad.toml"
status=0
"$posdiag" daemon --config "$work/bad.toml" >"$work/bad.out" 2>&1 || status=$?
[[ $status -eq 3 ]] || fail "exit status $status for an unknown key name, want 3"
grep -q '\[keys\] diagnose' "$work/bad.out" || fail "the error does not name [keys] diagnose"

# SIGTERM in the middle of a diagnosis (the silent printer keeps the run going for seconds): the
# daemon stops within a second, and the report it cut short is saved as incomplete.
reports_before=$(find "$history_dir" -name '*.json' | wc -l)
printf 'E: 0.000000 0000 0000 0000\n%s\n' "$(press 1.000000 003b)" >"$work/cut.evemu"
start_daemon -d "$here/keypad.umockdev" -i "/dev/input/event3=$here/keypad.ioctl" \
  -e "/dev/input/event3=$work/cut.evemu"
wait_for "ready keys=/dev/input/event3"
wait_for "key diagnose"
sleep 0.3
started=$(date +%s%N)
stop_daemon TERM
took_ms=$((($(date +%s%N) - started) / 1000000))
[[ $status -eq 0 ]] || fail "exit status $status after SIGTERM during a run, want 0"
((took_ms < 1000)) || fail "SIGTERM during a run took $took_ms ms to stop the daemon (the bound is 1 s)"
[[ $(find "$history_dir" -name '*.json' | wc -l) -eq $((reports_before + 1)) ]] ||
  fail "the run cut short was not saved"
newest=$(find "$history_dir" -name '*.json' -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2)
grep -q '"status": "unknown"' "$newest" || fail "the run cut short is not saved as incomplete"
grep -q 'posdiag is stopping' "$newest" || fail "the report does not say the run was cut short"

# A key device that is not an input device (/dev/null): said once, looked for again with
# back-off; the daemon keeps running and stops cleanly.
ln -sfn /dev/null "$SIM_ROOT/dev/input/null"
sed 's#^\[keys\]$#[keys]\ndevice = "/dev/input/null"#' "$SIM_CONFIG" >"$work/null.toml"
CONFIG=$work/null.toml start_daemon
wait_for "ready keys="
sleep 1.5
kill -0 "$daemon" 2>/dev/null || fail "the daemon exited over an unusable key device"
stop_daemon TERM
[[ $status -eq 0 ]] || fail "exit status $status with an unusable key device, want 0"
unusable=$(grep -rc "keys: /dev/input/null: cannot wait on it" "$log_dir" | awk -F: '{s += $2} END {print s}')
[[ $unusable -eq 1 ]] || fail "the unusable key device was logged $unusable times, want once"

# Idle, SIGHUP: a clean exit too.
start_daemon -d "$here/keypad.umockdev" -i "/dev/input/event3=$here/keypad.ioctl"
wait_for "ready keys=/dev/input/event3"
stop_daemon HUP
[[ $status -eq 0 ]] || fail "exit status $status after SIGHUP, want 0"
echo "daemon_e2e: ok (report $report_id)"
