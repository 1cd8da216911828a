# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# A USB CCID card reader (an ACS ACR38U, 072F:90CC, at /dev/bus/usb/001/002), emulated by
# umockdev from the fixtures in tests/umockdev: the device description (descriptors with the CCID
# class descriptor) and hand-written usbdevfs replies to GetSlotStatus, IccPowerOn and
# IccPowerOff. posdiag runs under umockdev-run, so libusb itself enumerates the reader, claims
# its interface and transfers to it.
#
# Knobs a scenario sets:
#   SIM_CARD_READER            "" (default): no [card_reader] in the config; "absent": configured,
#                              nothing on the bus; or a reply set, tests/umockdev/ccid_<name>.ioctl
#                              ("active", "no_card", "hw_error", "chip_mute")
#   SIM_CARD_READER_HOLDER     "" (default), or a command name: a process of that name (pid 4243)
#                              holds the reader's usbfs node open, as pcscd does when it owns
#                              the reader
#   SIM_CARD_READER_SERIAL     "" (default): no serial reader; or a ccid_serial_sim mode
#                              ("healthy", "no-card", "silent", "garbage"): a serial (RS-232)
#                              CCID reader, GemPC Twin-style, on a pseudo-terminal linked at
#                              /dev/ttyS2 and configured as [card_reader] transport = "serial";
#                              "absent": configured, nothing at /dev/ttyS2. Instead of
#                              SIM_CARD_READER, not with it.
#   SIM_PCSCD                  "" (default): no pcscd in the terminal; "no-reader": a pcscd that
#                              knows no reader; "card": a pcscd with vpcd's virtual reader
#                              (Debian's vsmartcard-vpcd) and vicc_sim's card in it; "empty": the
#                              same reader without a card. It is the terminal's own pcscd: its
#                              socket path is fixed (/run/pcscd), so /run is a tmpfs of the
#                              terminal's.
#
# vicc_sim and ccid_serial_sim are looked up as $POSDIAG_VICC_SIM / $POSDIAG_CCID_SERIAL_SIM,
# else in the build of the posdiag under test, else on PATH.

CARD_READER_FIXTURES="$SOURCE_DIR/tests/umockdev"
CARD_READER_NODE=/dev/bus/usb/001/002
CARD_READER_HOLDER_PID=4243
CARD_READER_VPCD_DRIVER=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
CARD_READER_VPCD_PORT=35963
PCSCD_PID=""
VICC_SIM_PID=""
CARD_READER_SERIAL_PORT=/dev/ttyS2
CCID_SERIAL_SIM_PID=""

SIM_DEFAULT_HOOKS+=(card_reader_defaults)
SIM_CONFIG_HOOKS+=(card_reader_config)
SIM_START_HOOKS+=(card_reader_start)
SIM_STOP_HOOKS+=(pcscd_stop ccid_serial_stop)

card_reader_defaults() {
  SIM_CARD_READER=""
  SIM_CARD_READER_HOLDER=""
  SIM_CARD_READER_SERIAL=""
  SIM_PCSCD=""
  # pcscd's socket is under /run, on which another device's start hook may mount a fresh tmpfs
  # (the network's does): pcscd starts after every other device.
  [[ " ${SIM_START_HOOKS[*]} " == *" pcscd_start "* ]] || SIM_START_HOOKS+=(pcscd_start)
}

card_reader_config() {
  if [[ -n $SIM_CARD_READER_SERIAL ]]; then
    [[ -z $SIM_CARD_READER ]] || fail "SIM_CARD_READER and SIM_CARD_READER_SERIAL exclude each other"
    printf '[card_reader]\ntransport = "serial"\nport = "%s"\n' "$CARD_READER_SERIAL_PORT"
    return
  fi
  [[ -n $SIM_CARD_READER ]] || return 0
  printf '[card_reader]\ntransport = "usb"\nvid = 0x072F\npid = 0x90CC\n'
}

find_ccid_serial_sim() {
  local candidate posdiag
  if [[ -n ${POSDIAG_CCID_SERIAL_SIM:-} ]]; then
    [[ -x $POSDIAG_CCID_SERIAL_SIM ]] || fail "POSDIAG_CCID_SERIAL_SIM is not an executable: $POSDIAG_CCID_SERIAL_SIM"
    printf '%s' "$POSDIAG_CCID_SERIAL_SIM"
    return
  fi
  for posdiag in "${SIM_POSDIAG:-}" "${POSDIAG:-}" "$SOURCE_DIR/build/dev/agent/posdiag"; do
    [[ -n $posdiag ]] || continue
    candidate=$(dirname -- "$(realpath -m -- "$posdiag")")/../tests/sim/ccid_serial_sim
    if [[ -x $candidate ]]; then
      realpath -- "$candidate"
      return
    fi
  done
  if command -v ccid_serial_sim >/dev/null; then
    command -v ccid_serial_sim
    return
  fi
  fail "no ccid_serial_sim: build the ccid_serial_sim target beside posdiag or set POSDIAG_CCID_SERIAL_SIM"
}

# The serial reader: ccid_serial_sim on a pseudo-terminal linked at /dev/ttyS2 under the root.
card_reader_serial_start() {
  local sim link i
  mkdir -p -- "$(under_root /dev)"
  [[ $SIM_CARD_READER_SERIAL != absent ]] || return 0
  sim=$(find_ccid_serial_sim)
  link=$(under_root "$CARD_READER_SERIAL_PORT")
  # The lifetime bounds a ccid_serial_sim whose stop hook never ran.
  "$sim" --link "$link" --mode "$SIM_CARD_READER_SERIAL" --lifetime 600 &
  CCID_SERIAL_SIM_PID=$!
  for ((i = 0; i < 100; i++)); do
    [[ -L $link ]] && break
    kill -0 "$CCID_SERIAL_SIM_PID" 2>/dev/null || fail "ccid_serial_sim ($SIM_CARD_READER_SERIAL) exited before linking $CARD_READER_SERIAL_PORT"
    sleep 0.05
  done
  [[ -L $link ]] || fail "ccid_serial_sim did not link $CARD_READER_SERIAL_PORT within 5 s"
}

ccid_serial_stop() {
  [[ -n $CCID_SERIAL_SIM_PID ]] || return 0
  kill -TERM "$CCID_SERIAL_SIM_PID" 2>/dev/null || true
  wait "$CCID_SERIAL_SIM_PID" 2>/dev/null || true
  CCID_SERIAL_SIM_PID=""
}

# Adds the reader to the umockdev-run prefix another device may have started.
card_reader_start() {
  if [[ -n $SIM_CARD_READER_SERIAL ]]; then
    card_reader_serial_start
    return
  fi
  [[ -n $SIM_CARD_READER && $SIM_CARD_READER != absent ]] || return 0
  local replies="$CARD_READER_FIXTURES/ccid_$SIM_CARD_READER.ioctl"
  [[ -f $replies ]] || fail "no umockdev replies for SIM_CARD_READER=$SIM_CARD_READER ($replies)"
  command -v umockdev-run >/dev/null || fail "the emulated card reader needs umockdev-run"
  local n=${#SIM_RUN_WRAPPER[@]}
  if ((n > 0)) && [[ ${SIM_RUN_WRAPPER[n - 1]} == -- ]]; then
    unset 'SIM_RUN_WRAPPER[n-1]'
  else
    SIM_RUN_WRAPPER=(umockdev-run)
  fi
  SIM_RUN_WRAPPER+=(-d "$CARD_READER_FIXTURES/ccid_reader.umockdev"
    -i "$CARD_READER_NODE=$replies" --)
  if [[ -n $SIM_CARD_READER_HOLDER ]]; then
    # What /proc shows for a process holding the reader: an fd linking to its usbfs node.
    local fd_dir
    fd_dir=$(under_root /proc/$CARD_READER_HOLDER_PID/fd)
    mkdir -p -- "$fd_dir"
    ln -sfn -- "$CARD_READER_NODE" "$fd_dir/9"
    printf '%s\n' "$SIM_CARD_READER_HOLDER" >"$(under_root /proc/$CARD_READER_HOLDER_PID/comm)"
  fi
}

find_vicc_sim() {
  local candidate posdiag
  if [[ -n ${POSDIAG_VICC_SIM:-} ]]; then
    [[ -x $POSDIAG_VICC_SIM ]] || fail "POSDIAG_VICC_SIM is not an executable: $POSDIAG_VICC_SIM"
    printf '%s' "$POSDIAG_VICC_SIM"
    return
  fi
  for posdiag in "${SIM_POSDIAG:-}" "${POSDIAG:-}" "$SOURCE_DIR/build/dev/agent/posdiag"; do
    [[ -n $posdiag ]] || continue
    candidate=$(dirname -- "$(realpath -m -- "$posdiag")")/../tests/sim/vicc_sim
    if [[ -x $candidate ]]; then
      realpath -- "$candidate"
      return
    fi
  done
  if command -v vicc_sim >/dev/null; then
    command -v vicc_sim
    return
  fi
  fail "no vicc_sim: build the vicc_sim target beside posdiag or set POSDIAG_VICC_SIM"
}

# The terminal's pcscd, in the foreground, with a reader.conf.d of its own.
pcscd_start() {
  [[ -n $SIM_PCSCD ]] || return 0
  local pcscd conf i
  pcscd=$(PATH=$PATH:/usr/sbin:/sbin command -v pcscd) || fail "SIM_PCSCD needs pcscd (package pcscd)"
  conf=$DIR/reader.conf.d
  mkdir -p -- "$conf"
  case $SIM_PCSCD in
    no-reader) ;;
    card | empty)
      [[ -f $CARD_READER_VPCD_DRIVER ]] || fail "SIM_PCSCD=$SIM_PCSCD needs vpcd (package vsmartcard-vpcd)"
      printf 'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:%s\nLIBPATH %s\nCHANNELID %s\n' \
        "$CARD_READER_VPCD_PORT" "$CARD_READER_VPCD_DRIVER" "$CARD_READER_VPCD_PORT" >"$conf/vpcd"
      ;;
    *) fail "unknown SIM_PCSCD: $SIM_PCSCD" ;;
  esac
  if [[ $(findmnt -n -o SOURCE /run 2>/dev/null) != posdiag-sim-run ]]; then
    mount -t tmpfs -o size=1m,mode=0755 posdiag-sim-run /run || fail "cannot mount a tmpfs on /run"
  fi
  "$pcscd" --foreground --config "$conf" >"$DIR/pcscd.log" 2>&1 &
  PCSCD_PID=$!
  for ((i = 0; i < 100; i++)); do
    [[ -S /run/pcscd/pcscd.comm ]] && break
    kill -0 "$PCSCD_PID" 2>/dev/null || fail "pcscd exited: $(tail -n 3 "$DIR/pcscd.log")"
    sleep 0.05
  done
  [[ -S /run/pcscd/pcscd.comm ]] || fail "pcscd made no socket within 5 s"
  [[ $SIM_PCSCD == card ]] || return 0
  local vicc ready=$DIR/vicc.ready
  vicc=$(find_vicc_sim)
  # vicc_sim creates $ready once pcscd itself reports the card.
  "$vicc" --port "$CARD_READER_VPCD_PORT" --ready "$ready" --lifetime 600 >"$DIR/vicc.log" 2>&1 &
  VICC_SIM_PID=$!
  for ((i = 0; i < 240; i++)); do
    [[ -e $ready ]] && break
    kill -0 "$VICC_SIM_PID" 2>/dev/null || fail "vicc_sim exited: $(tail -n 3 "$DIR/vicc.log")"
    sleep 0.05
  done
  [[ -e $ready ]] || fail "pcscd did not report vicc_sim's card within 12 s"
}

pcscd_stop() {
  local pid
  for pid in "$VICC_SIM_PID" "$PCSCD_PID"; do
    [[ -n $pid ]] || continue
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  VICC_SIM_PID=""
  PCSCD_PID=""
}
