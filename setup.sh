#!/usr/bin/env bash
# posdiag set-up: installs the Debian packages the build and the tests need (only what is
# missing; silent when all is there), builds, and runs what you ask for.
#
#   bash setup.sh selftest   # build, then `posdiag selftest` on the simulated terminal (healthy)
#   bash setup.sh test       # build, then every test: unit, end-to-end, fuzz replay, short fuzzing
#   bash setup.sh deps       # only the packages
#   bash setup.sh build      # packages and the dev build
#   bash setup.sh cross      # also the cross compilers, qemu-user and the arm64/armhf libraries
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

# Build and run-time libraries, then test tooling.
packages=(
  g++ cmake ninja-build pkg-config git
  libspdlog-dev libfmt-dev libtomlplusplus-dev nlohmann-json3-dev libcli11-dev
  libusb-1.0-0-dev libserialport-dev libssl-dev libc-ares-dev libpcsclite-dev unifont python3 libpng-dev libevdev-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  util-linux faketime umockdev libumockdev-dev socat iproute2 openssl hyperfine time dnsmasq-base
  dpkg-dev busybox shellcheck python3-kconfiglib pcscd vsmartcard-vpcd
  picocom
  libsqlite3-dev libmosquitto-dev mosquitto mosquitto-clients prometheus
  libqrencode-dev zbar-tools
)

# Cross builds (presets aarch64, armhf, release-aarch64, release-armhf; docs/cross.md): Debian's
# cross compilers, qemu-user to run the target's tests, and the target's libraries as multiarch
# packages (libspdlog-dev:arm64 …). Installed only when asked: `cross` for both, `test` for arm64.
cross_tools=(g++-aarch64-linux-gnu g++-arm-linux-gnueabihf qemu-user)
cross_libraries=(
  libspdlog-dev libfmt-dev libtomlplusplus-dev libusb-1.0-0-dev libserialport-dev libssl-dev
  libc-ares-dev libpcsclite-dev libpng-dev libevdev-dev libgtest-dev libgmock-dev libmosquitto-dev
  libqrencode-dev
)

install_deps() {
  install_packages "${packages[@]}"
}

# install_cross ARCH...: the cross tools and the libraries for those dpkg architectures.
install_cross() {
  local arch lib list=("${cross_tools[@]}")
  for arch in "$@"; do
    if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
      if [ "$(id -u)" -ne 0 ]; then
        echo "setup.sh: the cross builds need dpkg architecture $arch (run as root to add it)" >&2
        exit 1
      fi
      dpkg --add-architecture "$arch"
    fi
    for lib in "${cross_libraries[@]}"; do
      list+=("$lib:$arch")
    done
  done
  install_packages "${list[@]}"
}

# install_packages PACKAGE...: installs those that are not installed yet.
install_packages() {
  local missing=()
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup.sh: missing packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
  echo "setup.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # One foreign architecture's index failing to download (a mirror mid-sync) must not stop the
  # install from the indexes that did download: apt-get install names what is still missing.
  apt-get update -qq >/dev/null 2>&1 ||
    echo "setup.sh: apt-get update reported errors; installing from the package lists it has" >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build() {
  local preset=$1
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
}

case "${1:-}" in
  deps)
    install_deps
    ;;
  build)
    install_deps
    build dev
    ;;
  selftest)
    install_deps
    build dev
    POSDIAG="$here/build/dev/agent/posdiag" tests/sim/posdiag-sim run healthy
    ;;
  test)
    install_deps
    # The suite under AddressSanitizer and UBSan.
    build debug-asan
    ctest --preset debug-asan
    # Short coverage-guided fuzzing of every parser (clang + libFuzzer).
    build fuzz
    ctest --preset fuzz
    # The suite as it ships (optimised).
    build dev
    ctest --preset dev
    # The suite built for aarch64 terminals, run under qemu-aarch64 (docs/cross.md), last.
    install_cross arm64
    build aarch64
    ctest --preset aarch64
    ;;
  cross)
    install_deps
    install_cross arm64 armhf
    ;;
  *)
    echo "usage: bash setup.sh selftest|test|deps|build|cross" >&2
    exit 2
    ;;
esac
