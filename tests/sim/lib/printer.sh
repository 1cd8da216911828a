# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The receipt printer: printer_sim (tests/sim/printer_sim.cc) on a pseudo-terminal, linked at
# /dev/ttyS1 under the root as a serial receipt printer's port, at python-escpos's 9600 baud.
# The healthy terminal's printer is online with paper, cover closed and no error.
#
# Knobs a scenario sets:
#   SIM_PRINTER_MODE    healthy (default), paper-end, near-end, cover-open, cutter-error,
#                       overheated, silent, garbage, unplug (see printer_sim), or absent: no
#                       printer_sim and no /dev/ttyS1 (the cable is out)
#   SIM_PRINTER_HOLDER  "" (default), or a command name: a real process of that name (socat
#                       under that name) holds the serial port open, exclusively (TIOCEXCL), as
#                       the payment application does while it prints
#   SIM_PRINTER_HOLDER_SEEN  1 (default): the holder's /proc entry shows under the root, so
#                       posdiag can name it; 0: it does not (a process posdiag may not look into),
#                       and posdiag learns of it only when its own exclusive open gets EBUSY
#   SIM_PRINTER_USB     "" (default): the printer is the serial one above; else it is a USB
#                       receipt printer (an Epson TM-T20II, 04B8:0202, at /dev/bus/usb/001/003)
#                       found by its printer-class interface and emulated by umockdev from
#                       tests/umockdev: printer_usb.umockdev (descriptors) and the usbdevfs
#                       replies printer_<SIM_PRINTER_USB>.ioctl ("ready", "paper_end"), or
#                       "absent": configured, nothing on the bus. posdiag runs under umockdev-run,
#                       so libusb itself enumerates the printer, claims its interface and
#                       transfers to it. umockdev's scripts cannot answer the GET_DEVICE_ID
#                       control transfer, so printer.model is missing here (with libusb's error);
#                       the device ID is tested in drivers/printer/usb_emulated_test.cc.
#
# printer_sim is looked up as $POSDIAG_PRINTER_SIM, else in the build of the posdiag under test
# (<build>/tests/sim/printer_sim beside <build>/agent/posdiag), else on PATH.

PRINTER_PORT=/dev/ttyS1
PRINTER_SIM_PID=""
PRINTER_HOLDER_PID=""
# TIOCEXCL from asm-generic/ioctls.h (x86, Arm): socat's ioctl= option takes the number.
PRINTER_TIOCEXCL=21516
PRINTER_USB_FIXTURES="$SOURCE_DIR/tests/umockdev"
PRINTER_USB_NODE=/dev/bus/usb/001/003

SIM_DEFAULT_HOOKS+=(printer_defaults)
SIM_TREE_HOOKS+=(printer_tree)
SIM_CONFIG_HOOKS+=(printer_config)
SIM_START_HOOKS+=(printer_start)
SIM_STOP_HOOKS+=(printer_stop printer_holder_stop)

printer_defaults() {
  SIM_PRINTER_MODE=healthy
  SIM_PRINTER_USB=""
  SIM_PRINTER_HOLDER=""
  SIM_PRINTER_HOLDER_SEEN=1
}

printer_tree() {
  mkdir -p -- "$(under_root /dev)"
}

printer_config() {
  if [[ -n $SIM_PRINTER_USB ]]; then
    printf '[printer]\ntransport = "usb"\n'
    return
  fi
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

# Adds the USB printer to the umockdev-run prefix another device may have started.
printer_usb_start() {
  [[ $SIM_PRINTER_USB != absent ]] || return 0
  local replies="$PRINTER_USB_FIXTURES/printer_$SIM_PRINTER_USB.ioctl"
  [[ -f $replies ]] || fail "no umockdev replies for SIM_PRINTER_USB=$SIM_PRINTER_USB ($replies)"
  command -v umockdev-run >/dev/null || fail "the emulated USB printer needs umockdev-run"
  local n=${#SIM_RUN_WRAPPER[@]}
  if ((n > 0)) && [[ ${SIM_RUN_WRAPPER[n - 1]} == -- ]]; then
    unset 'SIM_RUN_WRAPPER[n-1]'
  else
    SIM_RUN_WRAPPER=(umockdev-run)
  fi
  SIM_RUN_WRAPPER+=(-d "$PRINTER_USB_FIXTURES/printer_usb.umockdev"
    -i "$PRINTER_USB_NODE=$replies" --)
}

printer_start() {
  local sim link i
  if [[ -n $SIM_PRINTER_USB ]]; then
    printer_usb_start
    return
  fi
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
  [[ -z $SIM_PRINTER_HOLDER ]] || printer_holder_start "$link"
}

# A real process named $SIM_PRINTER_HOLDER opens the port with TIOCEXCL and keeps it open.
printer_holder_start() {
  local link=$1 device bin i
  [[ $SIM_PRINTER_HOLDER =~ ^[A-Za-z0-9_.-]{1,15}$ ]] || fail "bad SIM_PRINTER_HOLDER: $SIM_PRINTER_HOLDER"
  command -v socat >/dev/null || fail "the printer's holder needs socat"
  device=$(readlink -- "$link")
  bin=$DIR/holder
  mkdir -p -- "$bin"
  # The kernel names a process after the file it executed: the link's name, not socat's.
  ln -sfn -- "$(command -v socat)" "$bin/$SIM_PRINTER_HOLDER"
  "$bin/$SIM_PRINTER_HOLDER" -u "OPEN:$device,ioctl=$PRINTER_TIOCEXCL" OPEN:/dev/null &
  PRINTER_HOLDER_PID=$!
  # Held exclusively once an open of our own fails (EBUSY: in the terminal's user namespace we
  # lack the capability that lets root open through TIOCEXCL).
  for ((i = 0; i < 100; i++)); do
    (exec 3<>"$device") 2>/dev/null || break
    kill -0 "$PRINTER_HOLDER_PID" 2>/dev/null || fail "the printer's holder exited before opening $device"
    sleep 0.05
  done
  ((i < 100)) || fail "the printer's holder did not hold $device exclusively within 5 s"
  if [[ $SIM_PRINTER_HOLDER_SEEN == 1 ]]; then
    # The terminal's /proc is a fixture; the holder's entry in it is the real one.
    ln -sfn -- "/proc/$PRINTER_HOLDER_PID" "$(under_root "/proc/$PRINTER_HOLDER_PID")"
  fi
}

printer_holder_stop() {
  [[ -n $PRINTER_HOLDER_PID ]] || return 0
  kill -TERM "$PRINTER_HOLDER_PID" 2>/dev/null || true
  wait "$PRINTER_HOLDER_PID" 2>/dev/null || true
  PRINTER_HOLDER_PID=""
}

printer_stop() {
  [[ -n $PRINTER_SIM_PID ]] || return 0
  kill -TERM "$PRINTER_SIM_PID" 2>/dev/null || true
  wait "$PRINTER_SIM_PID" 2>/dev/null || true
  PRINTER_SIM_PID=""
}
