# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The receipt printer: printer_sim (tests/sim/printer_sim.cc) on a pseudo-terminal, linked at
# /dev/ttyS1 under the root as a serial receipt printer's port, at python-escpos's 9600 baud.
# The healthy terminal's printer is online with paper, cover closed and no error.
#
# Knobs a scenario sets:
#   SIM_PRINTER_MODE    healthy (default), paper-end, near-end, cover-open, cutter-error,
#                       overheated, silent, garbage, unplug (see printer_sim), or absent: no
#                       printer_sim and no /dev/ttyS1 (the cable is out)
#
# printer_sim is looked up as $POSDIAG_PRINTER_SIM, else in the build of the posdiag under test
# (<build>/tests/sim/printer_sim beside <build>/agent/posdiag), else on PATH.

PRINTER_PORT=/dev/ttyS1
PRINTER_SIM_PID=""

SIM_DEFAULT_HOOKS+=(printer_defaults)
SIM_TREE_HOOKS+=(printer_tree)
SIM_CONFIG_HOOKS+=(printer_config)
SIM_START_HOOKS+=(printer_start)
SIM_STOP_HOOKS+=(printer_stop)

printer_defaults() {
  SIM_PRINTER_MODE=healthy
}

printer_tree() {
  mkdir -p -- "$(under_root /dev)"
}

printer_config() {
  printf '[printer]\ntransport = "serial"\nport = "%s"\nbaud = 9600\n' "$PRINTER_PORT"
}

find_printer_sim() {
  local candidate posdiag
  if [[ -n ${POSDIAG_PRINTER_SIM:-} ]]; then
    [[ -x $POSDIAG_PRINTER_SIM ]] || fail "POSDIAG_PRINTER_SIM is not an executable: $POSDIAG_PRINTER_SIM"
    printf '%s' "$POSDIAG_PRINTER_SIM"
    return
  fi
  for posdiag in "${SIM_POSDIAG:-}" "${POSDIAG:-}" "$SOURCE_DIR/build/dev/agent/posdiag"; do
    [[ -n $posdiag ]] || continue
    candidate=$(dirname -- "$(realpath -m -- "$posdiag")")/../tests/sim/printer_sim
    if [[ -x $candidate ]]; then
      realpath -- "$candidate"
      return
    fi
  done
  if command -v printer_sim >/dev/null; then
    command -v printer_sim
    return
  fi
  fail "no printer_sim: build the printer_sim target beside posdiag or set POSDIAG_PRINTER_SIM"
}

printer_start() {
  local sim link i
  [[ $SIM_PRINTER_MODE != absent ]] || return 0
  sim=$(find_printer_sim)
  link=$(under_root "$PRINTER_PORT")
  # The lifetime bounds a printer_sim whose stop hook never ran.
  "$sim" --link "$link" --mode "$SIM_PRINTER_MODE" --lifetime 600 &
  PRINTER_SIM_PID=$!
  for ((i = 0; i < 100; i++)); do
    [[ -L $link ]] && break
    kill -0 "$PRINTER_SIM_PID" 2>/dev/null || fail "printer_sim ($SIM_PRINTER_MODE) exited before linking $PRINTER_PORT"
    sleep 0.05
  done
  [[ -L $link ]] || fail "printer_sim did not link $PRINTER_PORT within 5 s"
}

printer_stop() {
  [[ -n $PRINTER_SIM_PID ]] || return 0
  kill -TERM "$PRINTER_SIM_PID" 2>/dev/null || true
  wait "$PRINTER_SIM_PID" 2>/dev/null || true
  PRINTER_SIM_PID=""
}
