# shellcheck shell=sh
# Shared by the package tests: a scratch directory, failure reporting, and `cmake --install` of
# the build under test into a scratch root with the /usr prefix a package uses.
#
# The environment (tests/package/CMakeLists.txt) names POSDIAG_BUILD_DIR, POSDIAG_SIM,
# POSDIAG_MODEM_SIM, POSDIAG_PRINTER_SIM and POSDIAG_CROSSCOMPILING (1 or 0).

set -eu

: "${POSDIAG_BUILD_DIR:?set by ctest}"
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/posdiag-package.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
FAILURES=0

fail() {
  echo "FAIL: $*" >&2
  FAILURES=$((FAILURES + 1))
}

pass() {
  echo "ok: $*"
}

# The test's verdict: 1 after any fail, else 0.
finish() {
  if [ "$FAILURES" -ne 0 ]; then
    echo "$FAILURES check(s) failed" >&2
    exit 1
  fi
  echo "all checks passed"
  exit 0
}

# install_tree DIR: the build installed under DIR as a package would put it (prefix /usr).
install_tree() {
  DESTDIR=$1 cmake --install "$POSDIAG_BUILD_DIR" --prefix /usr >"$SCRATCH/install.log" 2>&1 || {
    cat "$SCRATCH/install.log" >&2
    echo "FAIL: cmake --install" >&2
    exit 1
  }
}

# expect_file ROOT PATH: PATH exists under ROOT.
expect_file() {
  if [ -f "$1$2" ]; then pass "installed $2"; else fail "not installed: $2"; fi
}

# expect_line FILE LINE: FILE has LINE exactly.
expect_line() {
  if grep -qxF -- "$2" "$1"; then pass "$(basename "$1"): $2"; else fail "$1 lacks: $2"; fi
}

# expect_match FILE REGEX WHAT: a line of FILE matches the basic REGEX.
expect_match() {
  if grep -q -- "$2" "$1"; then pass "$3"; else fail "$3: no line of $1 matches $2"; fi
}

# check WHAT COMMAND...: passes when COMMAND succeeds.
check() {
  what=$1
  shift
  if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi
}
