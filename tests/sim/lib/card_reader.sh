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

CARD_READER_FIXTURES="$SOURCE_DIR/tests/umockdev"
CARD_READER_NODE=/dev/bus/usb/001/002

SIM_DEFAULT_HOOKS+=(card_reader_defaults)
SIM_CONFIG_HOOKS+=(card_reader_config)
SIM_START_HOOKS+=(card_reader_start)

card_reader_defaults() {
  SIM_CARD_READER=""
}

card_reader_config() {
  [[ -n $SIM_CARD_READER ]] || return 0
  printf '[card_reader]\ntransport = "usb"\nvid = 0x072F\npid = 0x90CC\n'
}

# Adds the reader to the umockdev-run prefix another device may have started.
card_reader_start() {
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
}
