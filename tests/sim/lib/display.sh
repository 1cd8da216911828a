# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The display: a file-backed framebuffer at /dev/fb0 under the root. A regular file cannot answer
# the FBIOGET ioctls, so the config gives its geometry; posdiag maps it and draws into it as into
# a real panel's memory. To look at what the display showed at the end of a run, name a PNG file
# in SIM_DISPLAY_PNG (an environment variable, not a scenario knob):
#   SIM_DISPLAY_PNG=/tmp/healthy.png posdiag-sim run healthy
# fb2png (tests/display) converts the framebuffer after posdiag exits; it is looked up as
# $POSDIAG_FB2PNG, else in the build of the posdiag under test, else on PATH.
#
# Knobs a scenario sets:
#   SIM_DISPLAY_GEOMETRY   WIDTHxHEIGHTxBPP of the panel (default 320x240x16)
#   SIM_DISPLAY_LINE_LENGTH  bytes from one row to the next, "" (default) for packed rows; a
#                          larger value pads each row, as many panels' drivers do
#   SIM_DISPLAY_LANG       zh-CN (default) or en
#   SIM_DISPLAY_MODE       present (default), or absent: configured, but no /dev/fb0

DISPLAY_DEVICE=/dev/fb0

SIM_DEFAULT_HOOKS+=(display_defaults)
SIM_TREE_HOOKS+=(display_tree)
SIM_CONFIG_HOOKS+=(display_config)
SIM_STOP_HOOKS+=(display_png)

display_defaults() {
  SIM_DISPLAY_GEOMETRY=320x240x16
  SIM_DISPLAY_LINE_LENGTH=""
  SIM_DISPLAY_LANG=zh-CN
  SIM_DISPLAY_MODE=present
}

display_tree() {
  local w h bpp
  [[ $SIM_DISPLAY_GEOMETRY =~ ^([0-9]+)x([0-9]+)x([0-9]+)$ ]] ||
    fail "SIM_DISPLAY_GEOMETRY must be WIDTHxHEIGHTxBPP, not '$SIM_DISPLAY_GEOMETRY'"
  w=${BASH_REMATCH[1]} h=${BASH_REMATCH[2]} bpp=${BASH_REMATCH[3]}
  case $SIM_DISPLAY_MODE in
    present)
      mkdir -p -- "$(under_root /dev)"
      # The panel's memory, black: height rows of line_length bytes (width * bytes per pixel
      # when packed).
      local row=$((w * ((bpp + 7) / 8)))
      [[ -z $SIM_DISPLAY_LINE_LENGTH ]] || row=$SIM_DISPLAY_LINE_LENGTH
      truncate -s $((row * h)) -- "$(under_root "$DISPLAY_DEVICE")"
      ;;
    absent) ;;
    *) fail "SIM_DISPLAY_MODE must be present or absent, not '$SIM_DISPLAY_MODE'" ;;
  esac
}

display_config() {
  printf '[display]\nbackend = "framebuffer"\ndevice = "%s"\ngeometry = "%s"\nlang = "%s"\n' \
    "$DISPLAY_DEVICE" "$SIM_DISPLAY_GEOMETRY" "$SIM_DISPLAY_LANG"
  [[ -z $SIM_DISPLAY_LINE_LENGTH ]] || printf 'line_length = %s\n' "$SIM_DISPLAY_LINE_LENGTH"
}

find_fb2png() {
  local candidate posdiag
  if [[ -n ${POSDIAG_FB2PNG:-} ]]; then
    [[ -x $POSDIAG_FB2PNG ]] || fail "POSDIAG_FB2PNG is not an executable: $POSDIAG_FB2PNG"
    printf '%s' "$POSDIAG_FB2PNG"
    return 0
  fi
  for posdiag in "${SIM_POSDIAG:-}" "${POSDIAG:-}" "$SOURCE_DIR/build/dev/agent/posdiag"; do
    [[ -n $posdiag ]] || continue
    candidate=$(dirname -- "$(realpath -m -- "$posdiag")")/../tests/display/fb2png
    if [[ -x $candidate ]]; then
      realpath -- "$candidate"
      return 0
    fi
  done
  if command -v fb2png >/dev/null; then
    command -v fb2png
    return 0
  fi
  fail "no fb2png: build the fb2png target beside posdiag or set POSDIAG_FB2PNG"
}

# After posdiag: the framebuffer as a PNG, when SIM_DISPLAY_PNG names one.
display_png() {
  [[ -n ${SIM_DISPLAY_PNG:-} && $SIM_DISPLAY_MODE == present ]] || return 0
  local tool
  # In a subshell, so a missing fb2png is reported without ending the run.
  tool=$(find_fb2png) || return 0
  local -a line_length=()
  [[ -z $SIM_DISPLAY_LINE_LENGTH ]] || line_length=("$SIM_DISPLAY_LINE_LENGTH")
  "$tool" "$(under_root "$DISPLAY_DEVICE")" "$SIM_DISPLAY_GEOMETRY" "${line_length[@]}" \
    "$SIM_DISPLAY_PNG" ||
    echo "posdiag-sim: fb2png could not write $SIM_DISPLAY_PNG" >&2
}
