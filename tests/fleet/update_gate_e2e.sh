#!/usr/bin/env bash
# The update health gate (agent/init/posdiag-update-gate.in) with the real binary on the simulated
# terminal and a `rauc` on PATH that records what it was asked: the slot is marked good on a
# healthy terminal and on one that is only out of paper, bad when the payment host cannot be
# reached, and left unmarked when the payment path could not be checked.
#
#   update_gate_e2e.sh POSDIAG_BINARY POSDIAG_SIM SCENARIO WANT_EXIT WANT_MARK [DROP_TABLE]
# DROP_TABLE: a table taken out of the scenario's config first (network: nothing on the payment
# path is checked).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ ${1:-} != __inner ]]; then
  [[ $# -ge 5 ]] || { echo "usage: update_gate_e2e.sh POSDIAG POSDIAG_SIM SCENARIO EXIT MARK [TABLE]" >&2; exit 64; }
  export SIM_POSDIAG=$1
  exec "$2" exec "$3" -- bash "$here/update_gate_e2e.sh" __inner "$1" "$4" "$5" "${6:-}"
fi
posdiag=$2 want_exit=$3 want_mark=$4 drop=${5:-}
: "${SIM_CONFIG:?runs inside posdiag-sim exec}"
work=$(dirname "$SIM_CONFIG")/gate
mkdir -p "$work/bin"
printf '#!/bin/sh\necho "$*" >>"%s/rauc.calls"\n' "$work" >"$work/bin/rauc"
chmod +x "$work/bin/rauc"
: >"$work/rauc.calls"
if [[ -n $drop ]]; then
  awk -v t="[$drop]" '/^\[/ { skip = ($0 == t) } !skip' "$SIM_CONFIG" >"$work/config.toml"
  cp "$work/config.toml" "$SIM_CONFIG"
fi

rc=0
PATH="$work/bin:$PATH" POSDIAG_BINARY=$posdiag POSDIAG_CONFIG=$SIM_CONFIG POSDIAG_GATE_USER="" \
  sh "$here/../../agent/init/posdiag-update-gate.in" >"$work/out" 2>&1 || rc=$?
cat "$work/out"
[[ $rc -eq $want_exit ]] || { echo "update_gate_e2e: FAIL: exit $rc, want $want_exit" >&2; exit 1; }
calls=$(cat "$work/rauc.calls")
case $want_mark in
  good | bad) [[ $calls == "status mark-$want_mark" ]] ;;
  none) [[ -z $calls ]] ;;
esac || { echo "update_gate_e2e: FAIL: rauc was asked '$calls', want $want_mark" >&2; exit 1; }
echo "update_gate_e2e: exit $rc, rauc: ${calls:-nothing}"
