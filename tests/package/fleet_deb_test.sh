#!/bin/sh
# The desk's package, posdiag-fleet: cpack builds it from the `desk` install component; it holds
# the program and its documentation and nothing of the terminal's; its Depends cover what
# dpkg-shlibdeps finds; the packaged program runs. The terminal's package, for its part, holds no
# posdiag-fleet and does not depend on SQLite (deb_test.sh builds that one; it does need
# libmosquitto, for its own link to the desk).
# shellcheck source=tests/package/lib.sh
. "$(dirname "$0")/lib.sh"

: "${CPACK:?set by ctest}"
out=$SCRATCH/out
config=$POSDIAG_BUILD_DIR/CPackConfig-fleet.cmake
[ -f "$config" ] || { fail "no $config (posdiag-fleet not configured)"; finish; }
if ! "$CPACK" -G DEB --config "$config" -B "$out" >"$SCRATCH/cpack.log" 2>&1; then
  cat "$SCRATCH/cpack.log" >&2
  fail "cpack posdiag-fleet"
  finish
fi
deb=$(find "$out" -maxdepth 1 -name 'posdiag-fleet_*.deb')
[ "$(echo "$deb" | wc -w)" = 1 ] || { fail "expected one posdiag-fleet .deb, found: $deb"; finish; }
pass "cpack built $(basename "$deb") ($(wc -c <"$deb") bytes)"

field() { dpkg-deb -f "$deb" "$1"; }
check "Package: posdiag-fleet (is $(field Package))" test "$(field Package)" = posdiag-fleet
check "Description" test -n "$(field Description)"

dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$SCRATCH/files"
expect_line "$SCRATCH/files" /usr/bin/posdiag-fleet
expect_line "$SCRATCH/files" /usr/share/doc/posdiag-fleet/fleet.md
for path in /usr/bin/posdiag /etc/posdiag/posdiag.toml /etc/init.d/posdiag; do
  if grep -qxF "$path" "$SCRATCH/files"; then fail "the desk's package holds $path"; else pass "no $path"; fi
done
if grep -q 'systemd\|udev\|sysusers\|tmpfiles' "$SCRATCH/files"; then
  fail "the desk's package holds terminal init files: $(grep 'systemd\|udev' "$SCRATCH/files")"
fi

ROOT=$SCRATCH/root
dpkg -x "$deb" "$ROOT"
mkdir -p "$SCRATCH/shlibs/debian"
printf 'Source: posdiag\n\nPackage: posdiag-fleet\nArchitecture: any\n' >"$SCRATCH/shlibs/debian/control"
shlibs=$(cd "$SCRATCH/shlibs" && dpkg-shlibdeps -O -e "$ROOT/usr/bin/posdiag-fleet" 2>/dev/null |
  sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || fail "dpkg-shlibdeps found nothing"
depends=$(field Depends)
echo "Depends: $depends"
echo "dpkg-shlibdeps: $shlibs"
echo "$shlibs" | tr ',' '\n' | sed 's/^ *//; s/ *(>= *\([^)]*\))/ \1/' | while read -r name min; do
  case $name in libasan* | libubsan* | libtsan* | liblsan*) continue ;; esac
  ours=$(echo "$depends" | tr ',' '\n' | sed 's/^ *//; s/ *(>= *\([^)]*\))/ \1/' |
    awk -v n="$name" '$1 == n {print ($2 == "" ? "any" : $2); found = 1} END {if (!found) print "missing"}')
  if [ "$ours" = missing ]; then
    echo "FAIL: Depends lacks $name" >&2
    echo x >>"$SCRATCH/depends-failed"
  elif [ -n "$min" ] && [ "$ours" != any ] && ! dpkg --compare-versions "$ours" ge "$min"; then
    echo "FAIL: Depends has $name >= $ours, dpkg-shlibdeps needs >= $min" >&2
    echo x >>"$SCRATCH/depends-failed"
  else
    echo "ok: Depends: $name"
  fi
done
[ ! -f "$SCRATCH/depends-failed" ] || fail "Depends does not cover dpkg-shlibdeps"

if [ "$POSDIAG_CROSSCOMPILING" != 1 ]; then
  status=0
  "$ROOT/usr/bin/posdiag-fleet" list --db "$SCRATCH/none.db" >/dev/null 2>"$SCRATCH/err" || status=$?
  if [ "$status" = 3 ] && grep -q 'no such database' "$SCRATCH/err"; then
    pass "packaged posdiag-fleet runs (list on a missing database: exit 3, reason given)"
  else
    fail "packaged posdiag-fleet list: exit $status: $(cat "$SCRATCH/err")"
  fi
fi

# The terminal's package: built from the same tree, without the desk.
"$CPACK" -G DEB --config "$POSDIAG_BUILD_DIR/CPackConfig.cmake" -B "$SCRATCH/terminal" \
  >"$SCRATCH/cpack-terminal.log" 2>&1 || { cat "$SCRATCH/cpack-terminal.log" >&2; fail "cpack posdiag"; finish; }
terminal=$(find "$SCRATCH/terminal" -maxdepth 1 -name 'posdiag_*.deb')
if dpkg-deb -c "$terminal" | grep -q 'posdiag-fleet\|fleet\.md'; then
  fail "the terminal's package holds the desk's files: $(dpkg-deb -c "$terminal" | grep fleet)"
else
  pass "the terminal's package holds no posdiag-fleet"
fi
if dpkg-deb -f "$terminal" Depends | grep -q 'sqlite'; then
  fail "the terminal's package depends on SQLite: $(dpkg-deb -f "$terminal" Depends)"
else
  pass "the terminal's package does not depend on SQLite"
fi
finish
