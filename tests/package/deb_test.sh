#!/bin/sh
# The Debian package: cpack builds it from the build under test; its control data (name,
# version, architecture, Depends checked against dpkg-shlibdeps, conffiles, maintainer scripts)
# and its files are what the terminal needs; extracted into a scratch root, the packaged posdiag
# runs the self-test on the simulated terminal and finds it healthy.
# shellcheck source=tests/package/lib.sh
. "$(dirname "$0")/lib.sh"

: "${CPACK:?set by ctest}"
out=$SCRATCH/out
if ! "$CPACK" -G DEB --config "$POSDIAG_BUILD_DIR/CPackConfig.cmake" -B "$out" >"$SCRATCH/cpack.log" 2>&1; then
  cat "$SCRATCH/cpack.log" >&2
  fail "cpack -G DEB"
  finish
fi
deb=$(find "$out" -maxdepth 1 -name 'posdiag_*.deb')
[ "$(echo "$deb" | wc -w)" = 1 ] || { fail "expected one .deb in $out, found: $deb"; finish; }
pass "cpack built $(basename "$deb") ($(wc -c <"$deb") bytes)"

# --- Control data -----------------------------------------------------------------------------
field() {
  dpkg-deb -f "$deb" "$1"
}
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$POSDIAG_BUILD_DIR/CPackConfig.cmake")
# The architecture the build chose (from its toolchain, or -DPOSDIAG_DEB_ARCH).
POSDIAG_DEB_ARCH=$(sed -n 's/^set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE "\(.*\)")$/\1/p' \
  "$POSDIAG_BUILD_DIR/CPackConfig.cmake")
check "Package: posdiag (is $(field Package))" test "$(field Package)" = posdiag
check "Version: $version (is $(field Version))" test -n "$version" -a "$(field Version)" = "$version"
check "Architecture: $POSDIAG_DEB_ARCH (is $(field Architecture))" \
  test "$(field Architecture)" = "$POSDIAG_DEB_ARCH"
check "Maintainer and Description" test -n "$(field Maintainer)" -a -n "$(field Description)"
if [ "$POSDIAG_CROSSCOMPILING" != 1 ]; then
  check "native build packaged for this machine ($(dpkg --print-architecture))" \
    test "$POSDIAG_DEB_ARCH" = "$(dpkg --print-architecture)"
fi

control=$SCRATCH/control
dpkg-deb -e "$deb" "$control"
for path in /etc/posdiag/posdiag.toml /etc/init.d/posdiag; do
  expect_line "$control/conffiles" "$path"
done
for script in postinst prerm postrm; do
  check "maintainer script $script" test -x "$control/$script"
done
expect_match "$control/postinst" 'systemd-sysusers' "postinst creates the user with sysusers"
expect_match "$control/postinst" 'adduser --system' "postinst falls back to adduser"
expect_match "$control/postinst" 'udevadm control --reload-rules' "postinst reloads udev"
expect_match "$control/postinst" 'systemctl enable posdiag-boot.service posdiag.service' \
  "postinst enables the units"

# --- Files ------------------------------------------------------------------------------------
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$SCRATCH/files"
for path in /usr/bin/posdiag /usr/libexec/posdiag/posdiag-tls \
  /usr/libexec/posdiag/posdiag-crypto.so /usr/libexec/posdiag/posdiag-mqtt.so \
  /etc/posdiag/posdiag.toml /etc/posdiag/rules.d/README \
  /etc/init.d/posdiag /usr/share/doc/posdiag/integration.md /usr/share/doc/posdiag/codes.md \
  /usr/share/doc/posdiag/configuration.md; do
  expect_line "$SCRATCH/files" "$path"
done
for name in systemd/system/posdiag-boot.service systemd/system/posdiag.service \
  sysusers.d/posdiag.conf tmpfiles.d/posdiag.conf udev/rules.d/60-posdiag.rules; do
  expect_match "$SCRATCH/files" "^/\\(usr/\\)\\{0,1\\}lib/$name\$" "packaged .../lib/$name"
done
expect_match "$SCRATCH/files" '^/usr/share/doc/posdiag/catalog/printer.toml$' "catalogue source packaged"
if grep -q '^/usr/local\|^/home\|^/work\|^/tmp' "$SCRATCH/files"; then
  fail "paths outside the package's prefix: $(grep '^/usr/local\|^/home\|^/work\|^/tmp' "$SCRATCH/files")"
fi

ROOT=$SCRATCH/root
dpkg -x "$deb" "$ROOT"
expect_line "$ROOT/etc/init.d/posdiag" "POSDIAG=\${POSDIAG:-/usr/bin/posdiag}"

# --- Depends: every library package dpkg-shlibdeps finds, at least at its version -------------
# A cross build is checked too where the target's libraries are installed as multiarch packages
# (bash setup.sh cross): dpkg-shlibdeps reads them for the package's architecture.
mkdir -p "$SCRATCH/shlibs/debian"
printf 'Source: posdiag\n\nPackage: posdiag\nArchitecture: any\n' >"$SCRATCH/shlibs/debian/control"
if [ "$POSDIAG_CROSSCOMPILING" = 1 ]; then
  if ! dpkg --print-foreign-architectures | grep -qx "$POSDIAG_DEB_ARCH"; then
    echo "note: dpkg architecture $POSDIAG_DEB_ARCH is not added here: Depends not checked"
    finish
  fi
  DEB_HOST_ARCH=$POSDIAG_DEB_ARCH
  DEB_HOST_MULTIARCH=$(dpkg-architecture -a"$POSDIAG_DEB_ARCH" -qDEB_HOST_MULTIARCH 2>/dev/null)
  export DEB_HOST_ARCH DEB_HOST_MULTIARCH
fi
# posdiag and its companions (the programs and modules it starts or loads when a run needs
# them): the package must bring what they link too (OpenSSL, libmosquitto), though the binary
# itself does not link them.
set -- -e "$ROOT/usr/bin/posdiag"
for companion in "$ROOT"/usr/libexec/posdiag/*; do
  [ ! -f "$companion" ] || set -- "$@" -e "$companion"
done
shlibs=$(cd "$SCRATCH/shlibs" && dpkg-shlibdeps -O "$@" 2>/dev/null |
  sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || fail "dpkg-shlibdeps found nothing"
depends=$(field Depends)
echo "Depends: $depends"
echo "dpkg-shlibdeps: $shlibs"
# One "name version" line per entry; alternatives ("adduser | systemd") are not libraries.
entries() {
  echo "$1" | tr ',' '\n' | grep -v '|' | sed 's/^ *//; s/ *$//; s/ *(>= *\([^)]*\))/ \1/'
}
entries "$depends" >"$SCRATCH/ours"
entries "$shlibs" | while read -r name min; do
  case $name in
    libasan* | libubsan* | libtsan* | liblsan*)
      echo "note: $name is a sanitizer runtime of this build, not a dependency of a release"
      continue
      ;;
  esac
  ours=$(awk -v n="$name" '$1 == n {print $2; found = 1} END {if (!found) print "missing"}' "$SCRATCH/ours")
  if [ "$ours" = missing ]; then
    echo "FAIL: Depends lacks $name (dpkg-shlibdeps: $name ${min:+>= $min})" >&2
    echo x >>"$SCRATCH/depends-failed"
  elif [ -n "$min" ] && { [ -z "$ours" ] || ! dpkg --compare-versions "$ours" ge "$min"; }; then
    echo "FAIL: Depends has $name ${ours:+>= $ours}, dpkg-shlibdeps needs >= $min" >&2
    echo x >>"$SCRATCH/depends-failed"
  else
    echo "ok: Depends: $name ${ours:+>= $ours}"
  fi
done
while read -r name _; do
  if ! echo "$shlibs" | tr ',' '\n' | grep -q "^ *$name\\( \\|\$\\)"; then
    fail "Depends names $name, which neither posdiag nor its companions link (dpkg-shlibdeps)"
  fi
done <"$SCRATCH/ours"
[ ! -f "$SCRATCH/depends-failed" ] || fail "Depends does not cover dpkg-shlibdeps"
expect_match "$control/control" '^Depends: .*adduser | systemd' "Depends: adduser | systemd (for the user)"

# --- The packaged posdiag on the simulated terminal -------------------------------------------
if [ "$POSDIAG_CROSSCOMPILING" = 1 ]; then
  echo "note: cross build: the packaged posdiag is not run here (the emulated end-to-end tests run it)"
  finish
fi
: "${POSDIAG_SIM:?set by ctest}"
"$ROOT/usr/bin/posdiag" codes --format json >"$SCRATCH/codes.json" 2>&1 || true
# keygen needs OpenSSL, which the packaged posdiag loads from /usr/libexec/posdiag.
if "$ROOT/usr/bin/posdiag" keygen "$SCRATCH/handoff.pem" >"$SCRATCH/keygen.out" 2>"$SCRATCH/keygen.err" &&
  grep -q 'BEGIN PUBLIC KEY' "$SCRATCH/keygen.out"; then
  pass "packaged posdiag loads posdiag-crypto.so from /usr/libexec/posdiag (keygen)"
else
  fail "packaged posdiag keygen: $(cat "$SCRATCH/keygen.err")"
fi
expect_match "$SCRATCH/codes.json" '"printer.paper_end"' "packaged posdiag carries the catalogue"
status=0
"$POSDIAG_SIM" run healthy --posdiag "$ROOT/usr/bin/posdiag" --format json >"$SCRATCH/report.json" \
  2>"$SCRATCH/err" || status=$?
if [ "$status" = 0 ] && grep -q '"status": *"ok"' "$SCRATCH/report.json"; then
  pass "packaged posdiag selftest on the healthy terminal: exit 0, status ok"
else
  fail "packaged posdiag selftest: exit $status: $(cat "$SCRATCH/err") $(head -c 500 "$SCRATCH/report.json")"
fi
finish
