#!/usr/bin/env bash
# posdiag set-up: installs the Debian packages the build and the tests need (only what is
# missing; silent when all is there), builds, and runs what you ask for.
#
#   bash setup.sh selftest   # build, then `posdiag selftest` on the simulated terminal (healthy)
#   bash setup.sh test       # build, then every test: unit, end-to-end, fuzz replay, short fuzzing
#   bash setup.sh deps       # only the packages
#   bash setup.sh build      # packages and the dev build
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

# Build and run-time libraries, then test tooling.
packages=(
  g++ cmake ninja-build pkg-config git
  libspdlog-dev libfmt-dev libtomlplusplus-dev nlohmann-json3-dev libcli11-dev
  libusb-1.0-0-dev libserialport-dev libssl-dev libc-ares-dev libpcsclite-dev unifont
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  util-linux faketime umockdev socat iproute2 openssl hyperfine time dnsmasq-base
)

install_deps() {
  local missing=()
  for p in "${packages[@]}"; do
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
  apt-get update -qq >/dev/null
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
    # The suite as it ships (optimised), last so its summary closes the run.
    build dev
    ctest --preset dev
    ;;
  *)
    echo "usage: bash setup.sh selftest|test|deps|build" >&2
    exit 2
    ;;
esac
