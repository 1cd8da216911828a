#!/usr/bin/env bash
# Release binary size. Builds posdiag for each architecture (presets release, release-aarch64,
# release-armhf, into build/size-<arch>), strips a copy and reports its size, its largest
# sections, the shared libraries it needs and what dominates it: the symbols grouped by where
# their code comes from, and the largest symbols.
#
#   tests/bench/binary_size.sh [--no-build] [--top N] [ARCH[=BUILD_DIR]...]
#       ARCH: x86_64 aarch64 armhf (default: all three, each built into build/size-ARCH);
#       ARCH=BUILD_DIR reports on BUILD_DIR/agent/posdiag as it is (an optimised build: a
#       RelWithDebInfo binary strips to the same code as a Release one)
#   tests/bench/binary_size.sh check BINARY BUDGET_BYTES [--strip PROGRAM] [--readelf PROGRAM]
#
# `check` is the size-budget test (ctest size.posdiag): the stripped BINARY must be at most
# BUDGET_BYTES, link libusb and libserialport dynamically (the terminal's own libraries) and not
# link spdlog, fmt or toml++ (compiled in: each shared library costs every run its loading). It
# exits 0 when it does, 1 when it does not, 2 on a usage error.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)

usage() {
  sed -n '7,11p' "${BASH_SOURCE[0]}" | sed 's/^# *//' >&2
  exit 2
}

# The shared libraries posdiag must take from the system, as readelf prints their sonames.
required_libraries=('libusb-1.0.so.*' 'libserialport.so.*')
# The ones compiled in (CMakeLists.txt: posdiag::log, posdiag::toml).
compiled_in_libraries=('libspdlog.so.*' 'libfmt.so.*' 'libtomlplusplus.so.*')

# check_binary BINARY BUDGET STRIP READELF
check_binary() {
  local binary=$1 budget=$2 strip=$3 readelf=$4
  [[ -f $binary ]] || { echo "no such file: $binary" >&2; return 1; }
  [[ $budget =~ ^[0-9]+$ ]] || usage
  local work stripped size needed lib status=0
  work=$(mktemp -d)
  # shellcheck disable=SC2064  # expand now: $work is local
  trap "rm -rf -- '$work'" RETURN
  stripped=$work/posdiag
  "$strip" -o "$stripped" "$binary"
  size=$(stat -c %s "$stripped")
  printf 'posdiag stripped: %d bytes (%.2f MB), budget %d bytes (%.2f MB)\n' \
    "$size" "$(bc_mb "$size")" "$budget" "$(bc_mb "$budget")"
  if ((size > budget)); then
    echo "over the budget by $((size - budget)) bytes" >&2
    status=1
  fi
  if ! "$readelf" -l "$stripped" | grep -q 'Requesting program interpreter'; then
    echo "not dynamically linked (no program interpreter)" >&2
    status=1
  fi
  needed=$("$readelf" -d "$stripped" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  echo "needs: $(echo "$needed" | tr '\n' ' ')"
  for lib in "${required_libraries[@]}"; do
    if ! grep -qx -- "$(glob_to_regex "$lib")" <<<"$needed"; then
      echo "does not link $lib dynamically" >&2
      status=1
    fi
  done
  for lib in "${compiled_in_libraries[@]}"; do
    if grep -qx -- "$(glob_to_regex "$lib")" <<<"$needed"; then
      echo "links $lib, which is meant to be compiled in" >&2
      status=1
    fi
  done
  return "$status"
}

# glob_to_regex 'libusb-1.0.so.*': the soname pattern as a basic regular expression.
glob_to_regex() {
  sed -e 's/[.]/\\./g' -e 's/[*]/.*/g' <<<"$1"
}

bc_mb() {
  awk -v b="$1" 'BEGIN { printf "%.2f", b / 1000000 }'
}

# tool_prefix ARCH: the binutils prefix for the architecture.
tool_prefix() {
  case $1 in
    x86_64) echo "" ;;
    aarch64) echo "aarch64-linux-gnu-" ;;
    armhf) echo "arm-linux-gnueabihf-" ;;
    *) echo "unknown architecture: $1 (x86_64, aarch64, armhf)" >&2; exit 2 ;;
  esac
}

preset_for() {
  case $1 in
    x86_64) echo release ;;
    *) echo "release-$1" ;;
  esac
}

build_arch() {
  local arch=$1 dir=$2 launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  (cd "$src" && cmake --preset "$(preset_for "$arch")" -B "$dir" "${launcher[@]}" >/dev/null)
  cmake --build "$dir" --target posdiag -j 2 >/dev/null
}

# report ARCH BINARY TOP: size, sections, needed libraries and what dominates.
report_arch() {
  local arch=$1 binary=$2 top=$3 prefix work
  prefix=$(tool_prefix "$arch")
  work=$(mktemp -d)
  # shellcheck disable=SC2064  # expand now: $work is local
  trap "rm -rf -- '$work'" RETURN
  "${prefix}strip" -o "$work/posdiag" "$binary"
  local size
  size=$(stat -c %s "$work/posdiag")
  echo "== $arch: $(bc_mb "$size") MB stripped ($size bytes; $(stat -c %s "$binary") unstripped)"
  echo "-- largest sections (bytes)"
  "${prefix}size" -A "$work/posdiag" | awk '$1 ~ /^\./ && $2 > 0 { print }' | sort -k2,2nr |
    head -6 | awk '{ printf "   %-20s %9d\n", $1, $2 }'
  echo "-- shared libraries"
  readelf -d "$work/posdiag" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ' |
    fold -s -w 96 | sed 's/^/   /'
  echo
  # Symbols by origin: every function and object the linker kept, its size counted once, under
  # the first library of this list that its demangled name mentions (so a std::vector<posdiag::Fact>
  # counts as posdiag's).
  "${prefix}nm" -S --size-sort --radix=d -C "$binary" >"$work/symbols"
  echo "-- code and data by origin (symbol sizes, bytes)"
  awk '
    { size = $2 + 0; $1 = ""; $2 = ""; $3 = ""; name = $0
      if (name ~ /nlohmann/) o = "nlohmann-json (header-only)"
      else if (name ~ /toml::/) o = "toml++ (inline parts)"
      else if (name ~ /CLI::/) o = "CLI11 (header-only)"
      else if (name ~ /spdlog::/) o = "spdlog (inline parts)"
      else if (name ~ /fmt::/) o = "fmt (inline parts)"
      else if (name ~ /posdiag::/) o = "posdiag"
      else if (name ~ /std::|__gnu_cxx::|__cxx/) o = "libstdc++ templates"
      else o = "other (C, runtime)"
      by[o] += size; total += size }
    END { for (o in by) printf "%d\t%s\t%.1f\n", by[o], o, 100 * by[o] / total }
  ' "$work/symbols" | sort -nr | awk -F'\t' '{ printf "   %-30s %9d  %5.1f%%\n", $2, $1, $3 }'
  echo "-- posdiag's own by part (symbol sizes naming posdiag::<part>, bytes)"
  awk '
    { size = $2 + 0; $1 = ""; $2 = ""; $3 = ""; name = $0
      if (name ~ /nlohmann|toml::|CLI::|spdlog::|fmt::/) next
      if (match(name, /posdiag::(drivers::|agent::)?[a-z_]+::/)) by[substr(name, RSTART + 9, RLENGTH - 11)] += size }
    END { for (p in by) printf "%d\t%s\n", by[p], p }
  ' "$work/symbols" | sort -nr | head -8 | awk -F'\t' '{ printf "   %-30s %9d\n", $2, $1 }'
  echo "-- largest symbols (bytes)"
  tail -n "$top" "$work/symbols" | sort -k2,2nr |
    awk '{ size = $2 + 0; $1 = ""; $2 = ""; $3 = ""; sub(/^ +/, ""); printf "   %8d  %.90s\n", size, $0 }'
}

if [[ ${1:-} == check ]]; then
  shift
  [[ $# -ge 2 ]] || usage
  binary=$1 budget=$2
  shift 2
  strip=strip readelf=readelf
  while [[ $# -gt 0 ]]; do
    case $1 in
      --strip) strip=$2; shift 2 ;;
      --readelf) readelf=$2; shift 2 ;;
      *) usage ;;
    esac
  done
  check_binary "$binary" "$budget" "$strip" "$readelf"
  exit
fi

build=1 top=15 arches=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --no-build) build=0; shift ;;
    --top) top=$2; shift 2 ;;
    -h | --help) usage ;;
    -*) usage ;;
    *) tool_prefix "${1%%=*}" >/dev/null; arches+=("$1"); shift ;;
  esac
done
[[ ${#arches[@]} -gt 0 ]] || arches=(x86_64 aarch64 armhf)

for item in "${arches[@]}"; do
  arch=${item%%=*}
  if [[ $item == *=* ]]; then
    dir=$(realpath -- "${item#*=}")
  else
    dir=$src/build/size-$arch
    if [[ $build == 1 ]]; then
      echo "building $arch release into ${dir#"$src"/} ..." >&2
      build_arch "$arch" "$dir"
    fi
  fi
  [[ -x $dir/agent/posdiag ]] || { echo "no $dir/agent/posdiag: build it first" >&2; exit 1; }
  report_arch "$arch" "$dir/agent/posdiag" "$top"
  echo
done
