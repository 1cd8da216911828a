# shellcheck shell=bash
# What the daemon's end-to-end scripts share: start `posdiag daemon` under umockdev-run with an
# emulated keypad, read its stdout line by line, stop it with a signal, and the keypad's events in
# evemu format. Sourced inside `posdiag-sim exec` (SIM_CONFIG, SIM_ROOT) with `posdiag` and `work`
# set by the script.

daemon=""
# A failing check leaves no daemon behind (the simulated terminal's directory is removed next).
stop_leftover() {
  if [[ -n $daemon ]] && kill -0 "$daemon" 2>/dev/null; then
    kill -TERM "$daemon" 2>/dev/null || true
    wait "$daemon" 2>/dev/null || true
  fi
}
trap stop_leftover EXIT

fail() {
  echo "${0##*/}: FAIL: $*" >&2
  echo "--- daemon output" >&2
  cat "$work/out" >&2 || true
  echo "--- daemon stderr" >&2
  cat "$work/err" >&2 || true
  exit 1
}

# evemu lines: a press and release of CODE (hex) at SECONDS, each followed by SYN_REPORT.
press() {
  printf 'E: %s 0001 %s 0001\nE: %s 0000 0000 0000\n' "$1" "$2" "$1"
  printf 'E: %s 0001 %s 0000\nE: %s 0000 0000 0000\n' "$1" "$2" "$1"
}

# The daemon's stdout comes through a FIFO on fd 3; each line is kept in $work/out. Arguments are
# umockdev-run's (the keypad); CONFIG, when set, replaces $SIM_CONFIG.
start_daemon() {
  : >"$work/out"
  rm -f "$work/pipe"
  mkfifo "$work/pipe"
  "$(dirname "${BASH_SOURCE[0]}")/../umockdev/umockdev-run-serialized" "$@" -- "$posdiag" daemon --config "${CONFIG:-$SIM_CONFIG}" >"$work/pipe" \
    2>"$work/err" &
  daemon=$!
  exec 3<"$work/pipe"
}

# Reads the daemon's lines until one contains TEXT (each line within 60 s).
wait_for() {
  local line
  while IFS= read -r -t 60 line <&3; do
    printf '%s\n' "$line" >>"$work/out"
    [[ $line == *"$1"* ]] && return 0
  done
  fail "no line with '$1'"
}

# Sends SIGNAL, keeps the rest of the output and returns the exit status in $status.
stop_daemon() {
  kill "-$1" "$daemon"
  cat <&3 >>"$work/out"
  exec 3<&-
  status=0
  wait "$daemon" || status=$?
  daemon=""
}
