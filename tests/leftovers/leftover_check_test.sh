#!/usr/bin/env bash
# leftover_check.sh can fail: a process left with the tag is named, stopped and fails the check;
# with none left the check passes; a process of another ctest run that is still going is not a
# leftover of this one and is left alone.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tag="leftover-check-test:$$"

status=0
bash "$here/leftover_check.sh" "$tag" 1 >/dev/null 2>&1 || status=$?
[[ $status -eq 0 ]] || { echo "FAIL: nothing is left, yet the check says $status" >&2; exit 1; }

POSDIAG_TEST_TAG=$tag setsid sleep 300 </dev/null >/dev/null 2>&1 &
left=$!
status=0
out=$(bash "$here/leftover_check.sh" "$tag" 1 2>&1) || status=$?
[[ $status -eq 1 ]] || { echo "FAIL: a leftover sleep, yet the check says $status" >&2; exit 1; }
[[ $out == *"pid $left "*"sleep 300"* ]] || { echo "FAIL: the leftover is not named: $out" >&2; exit 1; }
wait "$left" 2>/dev/null || true
kill -0 "$left" 2>/dev/null && { echo "FAIL: the leftover was not stopped" >&2; exit 1; }

# Another run in the same build folder, still going: a tagged process under a live "ctest".
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp /bin/bash "$work/ctest"
# shellcheck disable=SC2016 # $! and $1 are the inner shell's
POSDIAG_TEST_TAG=$tag "$work/ctest" -c 'sleep 300 & echo $! >"$1"; wait' ctest "$work/pid" \
  </dev/null >/dev/null 2>&1 &
other=$!
for _ in $(seq 50); do [[ -s $work/pid ]] && break; sleep 0.1; done
child=$(cat "$work/pid")
status=0
out=$(bash "$here/leftover_check.sh" "$tag" 1 2>&1) || status=$?
kill -0 "$child" 2>/dev/null || { echo "FAIL: another run's process was stopped: $out" >&2; exit 1; }
kill "$child" 2>/dev/null || true
wait "$other" 2>/dev/null || true
[[ $status -eq 0 ]] || { echo "FAIL: another run's process counted as a leftover: $out" >&2; exit 1; }
echo "ok"
