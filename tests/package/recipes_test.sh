#!/bin/sh
# The embedded build systems' recipes (toolchains/buildroot, toolchains/yocto), as far as they
# can be checked without Buildroot or BitBake: the Buildroot Config.in parses with kconfiglib
# (Debian: python3-kconfiglib) and posdiag.mk with GNU make against stand-ins for Buildroot's
# package macros; every library the build looks for (find_package, pkg_check_modules outside
# tests/) is a dependency of both recipes; both carry the project's version.
# shellcheck source=tests/package/lib.sh
. "$(dirname "$0")/lib.sh"

: "${POSDIAG_SOURCE_DIR:?set by ctest}" "${POSDIAG_VERSION:?set by ctest}"
br=$POSDIAG_SOURCE_DIR/toolchains/buildroot
yocto=$POSDIAG_SOURCE_DIR/toolchains/yocto
recipe=$yocto/recipes-support/posdiag/posdiag_$POSDIAG_VERSION.bb
mk=$br/package/posdiag/posdiag.mk

# --- Versions ---------------------------------------------------------------------------------
check "Yocto recipe for $POSDIAG_VERSION: $(basename "$recipe")" test -f "$recipe"
expect_line "$mk" "POSDIAG_VERSION = $POSDIAG_VERSION"
check "Buildroot external tree: external.desc, external.mk, Config.in" \
  test -f "$br/external.desc" -a -f "$br/external.mk" -a -f "$br/Config.in"
check "Yocto layer: conf/layer.conf" test -f "$yocto/conf/layer.conf"

# --- Buildroot Config.in ----------------------------------------------------------------------
python=
for candidate in /usr/bin/python3 python3; do
  if "$candidate" -c 'import kconfiglib' 2>/dev/null; then
    python=$candidate
    break
  fi
done
if [ -n "$python" ]; then
  # Buildroot's own symbols that the package names, declared so kconfiglib can resolve them: a
  # toolchain and init that can build posdiag (shared libraries, not static).
  symbols=$(grep -ohE 'BR2_[A-Z0-9_]+' "$br/package/posdiag/Config.in" | sort -u |
    grep -v '^BR2_PACKAGE_POSDIAG')
  {
    for symbol in $symbols; do
      value=y
      [ "$symbol" != BR2_STATIC_LIBS ] || value=n
      printf 'config %s\n\tbool\n\tdefault %s\n' "$symbol" "$value"
    done
    echo "source \"$br/Config.in\""
  } >"$SCRATCH/Kconfig"
  if BR2_EXTERNAL_POSDIAG_PATH=$br "$python" - "$SCRATCH/Kconfig" >"$SCRATCH/kconfig.out" 2>&1 <<'PY'; then
import sys
import kconfiglib
k = kconfiglib.Kconfig(sys.argv[1], warn_to_stderr=False)
if k.warnings:
    print("\n".join(k.warnings))
    sys.exit(1)
pkg = k.syms["BR2_PACKAGE_POSDIAG"]
pkg.set_value(2)
if pkg.tri_value != 2:
    print("BR2_PACKAGE_POSDIAG cannot be enabled")
    sys.exit(1)
for name in ("BR2_PACKAGE_LIBUSB", "BR2_PACKAGE_SPDLOG", "BR2_PACKAGE_PCSC_LITE"):
    if k.syms[name].tri_value != 2:
        print(name + " is not selected")
        sys.exit(1)
print(k.syms["BR2_PACKAGE_POSDIAG_UNIFONT_HEX"].str_value)
PY
    pass "Buildroot Config.in parses and selects its libraries"
  else
    fail "Buildroot Config.in: $(cat "$SCRATCH/kconfig.out")"
  fi
else
  echo "note: kconfiglib (python3-kconfiglib) is not installed: Config.in not parsed"
fi

# --- Buildroot posdiag.mk ---------------------------------------------------------------------
cat >"$SCRATCH/br.mk" <<MAKE
qstrip = \$(strip \$(subst ",,\$(1)))
cmake-package = \$(eval POSDIAG_PACKAGE_DEFINED = yes)
BR2_EXTERNAL_POSDIAG_PATH = $br
include $mk
show:
	@echo 'deps=\$(POSDIAG_DEPENDENCIES)'
	@echo 'opts=\$(POSDIAG_CONF_OPTS)'
	@echo 'site=\$(POSDIAG_SITE)'
	@echo 'defined=\$(POSDIAG_PACKAGE_DEFINED)'
MAKE
for init in systemd sysv; do
  if [ $init = systemd ]; then set -- BR2_INIT_SYSTEMD=y; else set -- BR2_INIT_BUSYBOX=y; fi
  if make -s --no-print-directory -f "$SCRATCH/br.mk" show "$@" \
    BR2_PACKAGE_POSDIAG_UNIFONT_HEX='"/usr/share/unifont/unifont.hex"' \
    BR2_PACKAGE_POSDIAG_PAYMENT_UNIT='"payment-app.service"' >"$SCRATCH/br.$init" 2>&1; then
    pass "posdiag.mk parses ($init)"
  else
    fail "posdiag.mk ($init): $(cat "$SCRATCH/br.$init")"
  fi
done
expect_line "$SCRATCH/br.systemd" "defined=yes"
expect_line "$SCRATCH/br.systemd" "site=$(cd "$POSDIAG_SOURCE_DIR" && pwd -P)"
expect_match "$SCRATCH/br.systemd" 'opts=.*-DPOSDIAG_INSTALL_SYSTEMD=ON -DPOSDIAG_INSTALL_SYSVINIT=OFF' \
  "posdiag.mk: units with systemd"
expect_match "$SCRATCH/br.sysv" 'opts=.*-DPOSDIAG_INSTALL_SYSTEMD=OFF -DPOSDIAG_INSTALL_SYSVINIT=ON' \
  "posdiag.mk: init script without systemd"
expect_match "$SCRATCH/br.systemd" 'opts=.*-DPOSDIAG_BUILD_TESTS=OFF' "posdiag.mk: no tests built"
expect_match "$SCRATCH/br.systemd" 'opts=.*-DPOSDIAG_BUILD_DESK=OFF' "posdiag.mk: no desk program"
expect_match "$recipe" '-DPOSDIAG_BUILD_DESK=OFF' "Yocto: no desk program"
expect_match "$SCRATCH/br.systemd" 'opts=.*-DPOSDIAG_OPTIMIZE_SIZE=ON' "posdiag.mk: -Os and LTO"
expect_match "$recipe" '-DPOSDIAG_OPTIMIZE_SIZE=ON' "Yocto: -Os and LTO"

# --- Every library the build looks for is in both recipes ---------------------------------------
# CMake name -> Buildroot package, Yocto recipe ("-": not a target library).
map() {
  case $1 in
    fmt) echo "fmt fmt" ;;
    spdlog) echo "spdlog spdlog" ;;
    tomlplusplus) echo "tomlplusplus tomlplusplus" ;;
    nlohmann_json) echo "json-for-modern-cpp nlohmann-json" ;;
    CLI11) echo "cli11 cli11" ;;
    OpenSSL) echo "openssl openssl" ;;
    libusb-1.0) echo "libusb libusb1" ;;
    libserialport) echo "libserialport libserialport" ;;
    libpcsclite) echo "pcsc-lite pcsc-lite" ;;
    libcares) echo "c-ares c-ares" ;;
    libmosquitto) echo "mosquitto mosquitto" ;;
    libevdev) echo "libevdev libevdev" ;;
    libqrencode) echo "libqrencode qrencode" ;;
    PkgConfig) echo "host-pkgconf -" ;;
    Python3) echo "host-python3 -" ;;
    # The support desk's program (agent/desk): not built for terminals (POSDIAG_BUILD_DESK=OFF).
    SQLite3) echo "- -" ;;
    # Test and benchmark frameworks and fakes (the recipes build no tests); git only names the
    # version.
    GTest | benchmark | umockdev-1.0 | PNG | Git | Threads) echo "- -" ;;
    *) echo "unknown" ;;
  esac
}
deps=$(sed -n 's/^deps=//p' "$SCRATCH/br.systemd")
# The yocto DEPENDS value, continuation lines joined.
ydeps=$(sed -n '/^DEPENDS = /,/"$/p' "$recipe" | tr -d '\\"' | sed 's/^DEPENDS = //')
names=$(cd "$POSDIAG_SOURCE_DIR" && find CMakeLists.txt cmake agent drivers rules \
  \( -name CMakeLists.txt -o -name '*.cmake' \) -print0 2>/dev/null |
  xargs -0 grep -hoE 'find_package\([A-Za-z0-9_]+|pkg_check_modules\([A-Za-z0-9_]+( REQUIRED)?( IMPORTED_TARGET)?( GLOBAL)? [A-Za-z0-9_.+-]+' |
  sed 's/^find_package(//; s/^pkg_check_modules(.* //' | sort -u)
for name in $names; do
  # shellcheck disable=SC2046  # two words
  set -- $(map "$name")
  if [ "$1" = unknown ]; then
    fail "the build looks for $name: add it to the Buildroot and Yocto recipes and to this test's map"
    continue
  fi
  if [ "$1" != - ]; then
    case " $deps " in
      *" $1 "*) pass "Buildroot depends on $1 ($name)" ;;
      *) fail "posdiag.mk lacks $1 ($name)" ;;
    esac
    case $1 in host-*) ;; *)
      expect_match "$br/package/posdiag/Config.in" \
        "select BR2_PACKAGE_$(echo "$1" | tr 'a-z-' 'A-Z_')\$" "Config.in selects $1"
      ;;
    esac
  fi
  if [ "$2" != - ]; then
    case " $ydeps " in
      *" $2 "*) pass "Yocto depends on $2 ($name)" ;;
      *) fail "the Yocto recipe lacks $2 ($name)" ;;
    esac
  fi
done
expect_match "$recipe" '^inherit cmake pkgconfig python3native systemd' "Yocto: cmake, pkgconfig, python3native, systemd"
# shellcheck disable=SC2016  # BitBake's ${PN}, literally
expect_match "$recipe" '^SYSTEMD_SERVICE:${PN} = "posdiag-boot.service posdiag.service"$' "Yocto: both units"
# shellcheck disable=SC2016
expect_match "$recipe" '^USERADD_PARAM:${PN} = ' "Yocto: the posdiag user"
finish
