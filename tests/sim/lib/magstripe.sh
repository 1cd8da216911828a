# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# A keyboard-emulation magnetic-stripe reader at /dev/input/event5, emulated by umockdev: the
# terminal's node links to /dev/input/event5, which posdiag opens under umockdev-run's preload
# library, and umockdev replays the swipe as evdev key events (evemu format) a reader types:
# the tracks, then Enter. posdiag reads them through the real evdev code (EVIOCGRAB, read).
#
# Knobs a scenario sets:
#   SIM_MAGSTRIPE        "" (default): no [magstripe] in the config; "present": the reader is
#                        configured and attached; "absent": configured, nothing attached
#   SIM_MAGSTRIPE_SWIPE  the text the reader types for the swipe, without the final Enter ("" for
#                        nobody swiping)
#   SIM_MAGSTRIPE_TIMEOUT_MS  [magstripe] swipe_timeout_ms (default 3000)

MAGSTRIPE_DEVICE=/dev/input/event5
MAGSTRIPE_NAME="MagTek USB Swipe Reader"

SIM_DEFAULT_HOOKS+=(magstripe_defaults)
SIM_TREE_HOOKS+=(magstripe_tree)
SIM_CONFIG_HOOKS+=(magstripe_config)
SIM_START_HOOKS+=(magstripe_start)

magstripe_defaults() {
  SIM_MAGSTRIPE=""
  SIM_MAGSTRIPE_SWIPE=""
  SIM_MAGSTRIPE_TIMEOUT_MS=3000
}

magstripe_tree() {
  [[ $SIM_MAGSTRIPE == present ]] || return 0
  local link
  link=$(under_root "$MAGSTRIPE_DEVICE")
  mkdir -p -- "$(dirname -- "$link")"
  ln -sfn -- "$MAGSTRIPE_DEVICE" "$link"
  put /sys/class/input/event5/device/name "$MAGSTRIPE_NAME"
}

magstripe_config() {
  [[ -n $SIM_MAGSTRIPE ]] || return 0
  printf '[magstripe]\ndevice = "%s"\nswipe_timeout_ms = %s\n' "$MAGSTRIPE_DEVICE" \
    "$SIM_MAGSTRIPE_TIMEOUT_MS"
}

# The key (Linux keycode) and Shift state a US-layout reader types a character with.
magstripe_key() {
  local c=$1
  local letters=qwertyuiopasdfghjklzxcvbnm
  local -a letter_codes=(16 17 18 19 20 21 22 23 24 25 30 31 32 33 34 35 36 37 38 44 45 46 47 48 49 50)
  case $c in
    [1-9]) echo "$((c + 1)) 0" ;;
    0) echo "11 0" ;;
    %) echo "6 1" ;;
    ^) echo "7 1" ;;
    '?') echo "53 1" ;;
    /) echo "53 0" ;;
    ';') echo "39 0" ;;
    =) echo "13 0" ;;
    ' ') echo "57 0" ;;
    [A-Z])
      local lower=${c,,} prefix
      prefix=${letters%%"$lower"*}
      echo "${letter_codes[${#prefix}]} 1"
      ;;
    *) fail "magstripe: no key for '$c'" ;;
  esac
}

# evemu events for TEXT and Enter: press/release with SYN_REPORT after each, 2 ms apart.
magstripe_evemu() {
  local text=$1 t=500 i key shift
  local -a keys=()
  for ((i = 0; i < ${#text}; i++)); do
    keys+=("$(magstripe_key "${text:i:1}")")
  done
  keys+=("28 0")
  for key in "${keys[@]}"; do
    read -r code shift <<<"$key"
    local stamp
    stamp=$(printf '%d.%06d' $((t / 1000)) $(((t % 1000) * 1000)))
    ((shift)) && printf 'E: %s 0001 002a 0001\n' "$stamp"
    printf 'E: %s 0001 %04x 0001\nE: %s 0000 0000 0000\n' "$stamp" "$code" "$stamp"
    printf 'E: %s 0001 %04x 0000\n' "$stamp" "$code"
    ((shift)) && printf 'E: %s 0001 002a 0000\n' "$stamp"
    printf 'E: %s 0000 0000 0000\n' "$stamp"
    t=$((t + 2))
  done
}

magstripe_start() {
  [[ $SIM_MAGSTRIPE == present ]] || return 0
  command -v umockdev-run >/dev/null || fail "the magstripe scenarios need umockdev-run (package umockdev)"
  local dir=$DIR/magstripe
  mkdir -p -- "$dir"
  cat >"$dir/reader.umockdev" <<DEVICE
P: /devices/virtual/input/input5/event5
N: input/event5
E: DEVNAME=$MAGSTRIPE_DEVICE
E: MAJOR=13
E: MINOR=69
E: SUBSYSTEM=input
E: ID_INPUT=1
E: ID_INPUT_KEYBOARD=1
A: dev=13:69

P: /devices/virtual/input/input5
E: SUBSYSTEM=input
A: name=$MAGSTRIPE_NAME
DEVICE
  SIM_RUN_WRAPPER=(umockdev-run -d "$dir/reader.umockdev")
  if [[ -n $SIM_MAGSTRIPE_SWIPE ]]; then
    magstripe_evemu "$SIM_MAGSTRIPE_SWIPE" >"$dir/swipe.evemu"
    SIM_RUN_WRAPPER+=(-e "$MAGSTRIPE_DEVICE=$dir/swipe.evemu")
  fi
  SIM_RUN_WRAPPER+=(--)
}
