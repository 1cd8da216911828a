#!/usr/bin/env bash
# The test suite's last test: every process a test started has ended. Each test runs with
# POSDIAG_TEST_TAG=TAG in its environment, which every process it starts inherits (into the
# simulated terminal's namespaces too); this looks through /proc for processes that still carry it,
# waits a little for those on their way out, then names what is left, stops it and fails. A
# process that descends from another live ctest (a second run in the same build folder, still
# going) is that run's, not a leftover of this one: it is neither named nor stopped.
#
#   leftover_check.sh TAG [GRACE_SECONDS]
set -euo pipefail

[[ $# -ge 1 && $# -le 2 ]] || { echo "usage: leftover_check.sh TAG [GRACE_SECONDS]" >&2; exit 64; }
tag=$1
grace=${2:-5}

# This script and whatever started it (ctest) are not leftovers, whatever their environment.
declare -A mine=()
pid=$$
while [[ -n $pid && $pid != 0 ]]; do
  mine[$pid]=1
  pid=$(awk '/^PPid:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
done

# True when PID descends from a ctest other than the one running this check.
under_other_ctest() {
  local pid=$1 hops=0
  while [[ -n $pid && $pid != 0 && $pid != 1 && $hops -lt 64 ]]; do
    if [[ -z ${mine[$pid]:-} && $(cat "/proc/$pid/comm" 2>/dev/null) == ctest ]]; then
      return 0
    fi
    pid=$(awk '/^PPid:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    hops=$((hops + 1))
  done
  return 1
}

# Prints the PIDs of live processes whose environment holds POSDIAG_TEST_TAG=TAG.
tagged() {
  local dir pid
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    [[ -z ${mine[$pid]:-} ]] || continue
    # A zombie has no environment left to read and nothing left running.
    [[ $(awk '/^State:/ {print $2}' "$dir/status" 2>/dev/null) != Z ]] || continue
    grep -qzxF -- "POSDIAG_TEST_TAG=$tag" "$dir/environ" 2>/dev/null || continue
    under_other_ctest "$pid" || echo "$pid"
  done
  return 0
}

deadline=$((SECONDS + grace))
left=$(tagged)
while [[ -n $left && $SECONDS -lt $deadline ]]; do
  sleep 0.2
  left=$(tagged)
done
if [[ -z $left ]]; then
  echo "leftover_check: no process started by the tests is still running"
  exit 0
fi

echo "leftover_check: FAIL: processes started by the tests are still running:" >&2
for pid in $left; do
  printf '  pid %s (parent %s): %s\n' "$pid" \
    "$(awk '/^PPid:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" \
    "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-300)" >&2
done
# Stopped, so that they do not outlive this run too.
for pid in $left; do kill -KILL "$pid" 2>/dev/null || true; done
exit 1
