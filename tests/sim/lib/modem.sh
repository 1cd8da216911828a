# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The cellular modem: modem_sim (tests/sim/modem_sim.cc) on a pseudo-terminal, linked at
# /dev/ttyUSB2 under the root as udev links a USB modem's AT port. The healthy terminal's modem
# has a ready SIM, -73 dBm and is registered on LTE.
#
# Knobs a scenario sets:
#   SIM_MODEM_MODE    healthy (default), no-sim, sim-pin, not-registered, denied, weak-signal,
#                     silent, garbage, cmee-off-no-sim, cmee-refused-no-sim, reset-usb, reset-uart
#                     (see modem_sim)
#   SIM_MODEM_HOLDER  a command name: a process of that name (pid 4242) holds the port open, as
#                     the payment application would; "" (default) for none
#   SIM_MODEM_TIMEOUT_MS  the modem probe's [modem] timeout_ms; "" (default) for posdiag's
#
# modem_sim is looked up as $POSDIAG_MODEM_SIM, else in the build of the posdiag under test
# (<build>/tests/sim/modem_sim beside <build>/agent/posdiag), else on PATH.

MODEM_PORT=/dev/ttyUSB2
MODEM_HOLDER_PID=4242
MODEM_SIM_PID=""

SIM_DEFAULT_HOOKS+=(modem_defaults)
SIM_TREE_HOOKS+=(modem_tree)
SIM_CONFIG_HOOKS+=(modem_config)
SIM_START_HOOKS+=(modem_start)
SIM_STOP_HOOKS+=(modem_stop)

modem_defaults() {
  SIM_MODEM_MODE=healthy
  SIM_MODEM_HOLDER=""
  SIM_MODEM_TIMEOUT_MS=""
}

modem_tree() {
  mkdir -p -- "$(under_root /dev)"
}

modem_config() {
  printf '[modem]\nport = "%s"\n' "$MODEM_PORT"
  if [[ -n $SIM_MODEM_TIMEOUT_MS ]]; then printf 'timeout_ms = %s\n' "$SIM_MODEM_TIMEOUT_MS"; fi
}

find_modem_sim() {
  local candidate posdiag
  if [[ -n ${POSDIAG_MODEM_SIM:-} ]]; then
    [[ -x $POSDIAG_MODEM_SIM ]] || fail "POSDIAG_MODEM_SIM is not an executable: $POSDIAG_MODEM_SIM"
    printf '%s' "$POSDIAG_MODEM_SIM"
    return
  fi
  for posdiag in "${SIM_POSDIAG:-}" "${POSDIAG:-}" "$SOURCE_DIR/build/dev/agent/posdiag"; do
    [[ -n $posdiag ]] || continue
    candidate=$(dirname -- "$(realpath -m -- "$posdiag")")/../tests/sim/modem_sim
    if [[ -x $candidate ]]; then
      realpath -- "$candidate"
      return
    fi
  done
  if command -v modem_sim >/dev/null; then
    command -v modem_sim
    return
  fi
  fail "no modem_sim: build the modem_sim target beside posdiag or set POSDIAG_MODEM_SIM"
}

modem_start() {
  local sim link i
  sim=$(find_modem_sim)
  link=$(under_root "$MODEM_PORT")
  # The lifetime bounds a modem_sim whose stop hook never ran.
  "$sim" --link "$link" --mode "$SIM_MODEM_MODE" --lifetime 600 &
  MODEM_SIM_PID=$!
  for ((i = 0; i < 100; i++)); do
    [[ -L $link ]] && break
    kill -0 "$MODEM_SIM_PID" 2>/dev/null || fail "modem_sim ($SIM_MODEM_MODE) exited before linking $MODEM_PORT"
    sleep 0.05
  done
  [[ -L $link ]] || fail "modem_sim did not link $MODEM_PORT within 5 s"
  if [[ -n $SIM_MODEM_HOLDER ]]; then
    # What /proc shows for a process holding the port: an fd linking to the device itself.
    local fd_dir
    fd_dir=$(under_root /proc/$MODEM_HOLDER_PID/fd)
    mkdir -p -- "$fd_dir"
    ln -sfn -- "$(readlink -- "$link")" "$fd_dir/7"
    printf '%s\n' "$SIM_MODEM_HOLDER" >"$(under_root /proc/$MODEM_HOLDER_PID/comm)"
  fi
}

modem_stop() {
  [[ -n $MODEM_SIM_PID ]] || return 0
  kill -TERM "$MODEM_SIM_PID" 2>/dev/null || true
  wait "$MODEM_SIM_PID" 2>/dev/null || true
  MODEM_SIM_PID=""
}
