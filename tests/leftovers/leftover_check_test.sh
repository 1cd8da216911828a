#!/usr/bin/env bash
# leftover_check.sh can fail: a process left with the tag is named, stopped and fails the check;
# with none left the check passes.
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
echo "ok"
