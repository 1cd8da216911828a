#!/bin/sh
# The init files as `cmake --install` writes them, for terminals with and without systemd: the
# SysV/BusyBox init script and the package's maintainer scripts parse under dash and BusyBox ash
# and pass shellcheck's POSIX sh checks (checkbashisms too where installed); the udev rules are
# well formed; the shipped config is accepted by posdiag; and the init script, run by dash and
# by BusyBox ash, performs the boot self-test on the simulated terminal with posdiag's verdict.
# shellcheck source=tests/package/lib.sh
. "$(dirname "$0")/lib.sh"

ROOT=$SCRATCH/root
install_tree "$ROOT"
init=$ROOT/etc/init.d/posdiag
rules=$(find "$ROOT" -name 60-posdiag.rules)
config=$ROOT/etc/posdiag/posdiag.toml
expect_file "$ROOT" /etc/init.d/posdiag
expect_file "$ROOT" /etc/posdiag/posdiag.toml
expect_file "$ROOT" /etc/posdiag/rules.d/README
if [ -n "$rules" ]; then pass "installed ${rules#"$ROOT"}"; else fail "no 60-posdiag.rules installed"; fi
[ -x "$init" ] || fail "init script not executable"
if grep -n '@[A-Z_]*@' "$init" "$config"; then fail "unfilled @VAR@ in the init script or config"; fi

# --- Shell syntax: every script that runs on the terminal ------------------------------------
scripts="$init"
for script in postinst prerm postrm; do
  scripts="$scripts $POSDIAG_BUILD_DIR/deb-control/$script"
done
for script in $scripts; do
  name=$(basename "$script")
  if sh -n "$script" 2>"$SCRATCH/err"; then pass "sh -n $name"; else fail "sh -n $name: $(cat "$SCRATCH/err")"; fi
  if command -v busybox >/dev/null 2>&1; then
    if busybox sh -n "$script" 2>"$SCRATCH/err"; then
      pass "busybox sh -n $name"
    else
      fail "busybox sh -n $name: $(cat "$SCRATCH/err")"
    fi
  fi
  if command -v shellcheck >/dev/null 2>&1; then
    if shellcheck -s sh "$script" >"$SCRATCH/err" 2>&1; then
      pass "shellcheck -s sh $name"
    else
      fail "shellcheck -s sh $name: $(cat "$SCRATCH/err")"
    fi
  fi
  if command -v checkbashisms >/dev/null 2>&1; then
    if checkbashisms "$script" >"$SCRATCH/err" 2>&1; then
      pass "checkbashisms $name"
    else
      fail "checkbashisms $name: $(cat "$SCRATCH/err")"
    fi
  fi
done
command -v busybox >/dev/null 2>&1 || echo "note: busybox is not installed: BusyBox ash not tried"
command -v shellcheck >/dev/null 2>&1 || echo "note: shellcheck is not installed"
command -v checkbashisms >/dev/null 2>&1 || echo "note: checkbashisms (devscripts) is not installed"

# --- udev rules: comma-separated KEY op "value" pairs, each rule on one line ------------------
key='[A-Z_]\{1,\}\({[^}]*}\)\{0,1\}'
pair="$key"'[[:space:]]*\(==\|!=\|=\|+=\|-=\|:=\)[[:space:]]*"[^"]*"'
bad=$(grep -v -e '^[[:space:]]*$' -e '^[[:space:]]*#' "$rules" |
  grep -v "^$pair\\(,[[:space:]]*$pair\\)*[[:space:]]*\$" || true)
if [ -z "$bad" ]; then pass "udev rules well formed"; else fail "malformed udev rules: $bad"; fi
for class in '0701??' '0b????'; do
  expect_match "$rules" "ID_USB_INTERFACES}==\"\\*:$class:\\*\", GROUP=\"posdiag\"" "udev: USB class $class to posdiag"
done
expect_match "$rules" 'SUBSYSTEM=="tty"' "udev: serial ports"
expect_match "$rules" 'SUBSYSTEM=="input"' "udev: input devices"
expect_match "$rules" 'SUBSYSTEM=="graphics"' "udev: framebuffer"

# --- On the simulated terminal ----------------------------------------------------------------
if [ "${POSDIAG_CROSSCOMPILING:-0}" = 1 ]; then
  echo "note: cross build: the installed posdiag is not run here (the emulated end-to-end tests run it)"
  finish
fi
: "${POSDIAG_SIM:?set by ctest}"
posdiag=$ROOT/usr/bin/posdiag
logs=$SCRATCH/log
state=$SCRATCH/state

# The shipped config, on the simulated terminal's root and with its own files in the scratch
# directory: posdiag accepts it (exit 3 would be a config error) and finds the terminal clear.
sed -e "s|^\\[system\\]\$|[system]\\nroot = \"@ROOT@\"|" \
  -e "s|\"/var/log/posdiag\"|\"$logs/shipped\"|; s|\"/var/lib/posdiag/history\"|\"$state/shipped\"|" \
  -e "s|\"/etc/posdiag/rules.d\"|\"$ROOT/etc/posdiag/rules.d\"|" "$config" >"$SCRATCH/shipped.toml"
status=0
# shellcheck disable=SC2016  # expanded inside the terminal
"$POSDIAG_SIM" exec healthy -- sh -c \
  'sed "s|@ROOT@|$SIM_ROOT|" "$1" >"$1.sim" && exec "$0" selftest --config "$1.sim" --format json' \
  "$posdiag" "$SCRATCH/shipped.toml" >"$SCRATCH/shipped.json" 2>"$SCRATCH/err" || status=$?
if [ "$status" = 0 ] && grep -q '"status": *"ok"' "$SCRATCH/shipped.json"; then
  pass "shipped config: selftest all clear"
else
  fail "shipped config: selftest exit $status: $(cat "$SCRATCH/err")"
fi

# The init script's self-test under each shell: posdiag's exit status, the report in the log.
for shell in sh "busybox sh"; do
  if [ "$shell" = "busybox sh" ] && ! command -v busybox >/dev/null 2>&1; then continue; fi
  dir=$SCRATCH/$(echo "$shell" | tr ' ' _)
  status=0
  # shellcheck disable=SC2016  # expanded inside the terminal
  POSDIAG=$posdiag POSDIAG_LOG_DIR=$dir/log POSDIAG_STATE_DIR=$dir/state \
    POSDIAG_PIDFILE=$dir/posdiag.pid \
    "$POSDIAG_SIM" exec healthy -- sh -c 'POSDIAG_CONFIG=$SIM_CONFIG exec $0 "$1" selftest' \
    "$shell" "$init" >"$SCRATCH/out" 2>&1 || status=$?
  if [ "$status" = 0 ]; then
    pass "$shell init.d/posdiag selftest: exit 0 on the healthy terminal"
  else
    fail "$shell init.d/posdiag selftest: exit $status: $(cat "$SCRATCH/out")"
  fi
  if [ -d "$dir/log" ] && [ -d "$dir/state" ]; then
    pass "$shell: log and state dirs made"
  else
    fail "$shell: log and state dirs not made"
  fi
  status=0
  POSDIAG_PIDFILE=$dir/posdiag.pid $shell "$init" status >/dev/null 2>&1 || status=$?
  if [ "$status" = 3 ]; then pass "$shell: status 3 with no daemon"; else fail "$shell: status $status with no daemon"; fi
  status=0
  $shell "$init" frobnicate >/dev/null 2>&1 || status=$?
  if [ "$status" = 2 ]; then pass "$shell: usage error 2"; else fail "$shell: unknown action exit $status"; fi
done

# The daemon's life under each shell: start (after the self-test), status, a second start that
# finds it running, stop. The program under test is the init script, so posdiag is played by a
# stand-in that answers the self-test with 1 (warnings) and then idles like the daemon until
# signalled.
cat >"$SCRATCH/fake-posdiag" <<'FAKE'
#!/bin/sh
[ "$1" = selftest ] && exit 1
exec sleep 600
FAKE
chmod +x "$SCRATCH/fake-posdiag"
for shell in sh "busybox sh"; do
  if [ "$shell" = "busybox sh" ] && ! command -v busybox >/dev/null 2>&1; then continue; fi
  dir=$SCRATCH/life-$(echo "$shell" | tr ' ' _)
  mkdir -p "$dir"
  export POSDIAG="$SCRATCH/fake-posdiag" POSDIAG_CONFIG=/nonexistent.toml \
    POSDIAG_LOG_DIR="$dir/log" POSDIAG_STATE_DIR="$dir/state" POSDIAG_PIDFILE="$dir/pid"
  status=0
  $shell "$init" start >"$dir/start.out" 2>&1 || status=$?
  check "$shell: start exits 0 after a self-test with warnings" test "$status" = 0
  expect_match "$dir/start.out" 'boot self-test: warnings' "$shell: start reports the self-test"
  pid=$(cat "$dir/pid" 2>/dev/null || true)
  check "$shell: the daemon runs (pid ${pid:-none})" kill -0 "${pid:-0}"
  # shellcheck disable=SC2086  # "busybox sh" is two words
  check "$shell: status 0 while it runs" $shell "$init" status
  $shell "$init" start >"$dir/again.out" 2>&1 || true
  expect_match "$dir/again.out" "daemon already running (pid $pid)" "$shell: no second daemon"
  # shellcheck disable=SC2086
  check "$shell: stop exits 0" $shell "$init" stop
  # Gone, or a zombie until whoever adopted it reaps it.
  # shellcheck disable=SC2016  # expanded by the inner sh
  check "$shell: the daemon is gone" sh -c \
    '[ -n "$1" ] && { [ ! -d "/proc/$1" ] || grep -q "^State:.*Z" "/proc/$1/status"; }' sh "$pid"
  check "$shell: the pid file is gone" test ! -e "$dir/pid"
  status=0
  $shell "$init" status >/dev/null 2>&1 || status=$?
  check "$shell: status 3 after stop" test "$status" = 3
  unset POSDIAG POSDIAG_CONFIG POSDIAG_LOG_DIR POSDIAG_STATE_DIR POSDIAG_PIDFILE
done

# The same self-test on a faulty terminal: the init script passes posdiag's 2 through.
status=0
# shellcheck disable=SC2016
POSDIAG=$posdiag POSDIAG_LOG_DIR=$SCRATCH/fault/log POSDIAG_STATE_DIR=$SCRATCH/fault/state \
  "$POSDIAG_SIM" exec disk-full -- sh -c 'POSDIAG_CONFIG=$SIM_CONFIG exec sh "$0" selftest' \
  "$init" >"$SCRATCH/out" 2>&1 || status=$?
expected=$("$POSDIAG_SIM" expect disk-full | sed -n 's/^exit=//p')
if [ "$status" = "$expected" ]; then
  pass "init.d/posdiag selftest: exit $status on disk-full, as posdiag"
else
  fail "init.d/posdiag selftest on disk-full: exit $status, expected $expected: $(cat "$SCRATCH/out")"
fi
finish
