#!/usr/bin/env bash
# The update health gate (agent/init/posdiag-update-gate.in) with the real binary on the simulated
# terminal and a `rauc`, or SWUpdate's `fw_printenv`/`fw_setenv`, on PATH that say whether an
# update is on trial and record what they are asked. On trial, the slot is marked good on a
# healthy terminal and on one that is only out of paper, bad when the payment host cannot be
# reached, and left unmarked when the payment path could not be checked. Not on trial, nothing is
# judged or marked, whatever the payment path does.
#
#   update_gate_e2e.sh POSDIAG_BINARY POSDIAG_SIM SCENARIO TOOL TRIAL WANT_EXIT WANT_MARK [DROP_TABLE]
# TOOL: rauc | swupdate. TRIAL: yes (RAUC: the booted slot's activation not yet kept; SWUpdate:
# ustate=2) | no (RAUC: that activation kept on an earlier boot; SWUpdate: ustate=0).
# WANT_MARK: good | bad | none. DROP_TABLE: a table taken out of the scenario's config first
# (network: nothing on the payment path is checked).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ ${1:-} != __inner ]]; then
  [[ $# -ge 7 ]] || {
    echo "usage: update_gate_e2e.sh POSDIAG POSDIAG_SIM SCENARIO TOOL TRIAL EXIT MARK [TABLE]" >&2
    exit 64
  }
  export SIM_POSDIAG=$1
  exec "$2" exec "$3" -- bash "$here/update_gate_e2e.sh" __inner "$1" "$4" "$5" "$6" "$7" "${8:-}"
fi
posdiag=$2 tool=$3 trial=$4 want_exit=$5 want_mark=$6 drop=${7:-}
: "${SIM_CONFIG:?runs inside posdiag-sim exec}"
work=$(dirname "$SIM_CONFIG")/gate
mkdir -p "$work/bin" "$work/state"
: >"$work/calls"
activation='{"timestamp":"2026-12-01T02:10:51Z","count":3}'

# rauc: `status --detailed --output-format=json` as RAUC prints it, slot B booted; the marks are
# recorded.
cat >"$work/rauc.json" <<JSON
{"compatible":"pos-terminal","variant":"","booted":"B","boot_primary":"rootfs.1","slots":[
{"rootfs.0":{"class":"rootfs","device":"/dev/mmcblk0p2","type":"ext4","bootname":"A","state":"inactive","parent":null,"mountpoint":null,"boot_status":"good","slot_status":{"bundle":{"compatible":"pos-terminal"},"status":"ok"}}},
{"rootfs.1":{"class":"rootfs","device":"/dev/mmcblk0p3","type":"ext4","bootname":"B","state":"booted","parent":null,"mountpoint":"/","boot_status":"good","slot_status":{"bundle":{"compatible":"pos-terminal","version":"2.4.1"},"installed":$activation,"activated":$activation,"status":"ok"}}}]}
JSON
cat >"$work/bin/rauc" <<SH
#!/bin/sh
case "\$*" in
  "status --detailed --output-format=json") cat "$work/rauc.json" ;;
  "status mark-good" | "status mark-bad") echo "rauc \$*" >>"$work/calls" ;;
  *) echo "rauc: unexpected: \$*" >&2; exit 1 ;;
esac
SH
# fw_printenv / fw_setenv over a file of NAME=VALUE lines, as libubootenv's tools behave.
cat >"$work/bin/fw_printenv" <<SH
#!/bin/sh
if [ "\$#" -eq 0 ]; then cat "$work/env"; exit 0; fi
[ "\$1" = -n ] || { echo "fw_printenv: unexpected: \$*" >&2; exit 1; }
line=\$(grep "^\$2=" "$work/env") || { echo "## Error: \"\$2\" not defined" >&2; exit 1; }
echo "\${line#*=}"
SH
cat >"$work/bin/fw_setenv" <<SH
#!/bin/sh
echo "fw_setenv \$*" >>"$work/calls"
grep -v "^\$1=" "$work/env" >"$work/env.new" || true
echo "\$1=\$2" >>"$work/env.new"
mv "$work/env.new" "$work/env"
SH
# systemctl: posdiag-update-gate.service not enabled (the runs below say it is, but one).
printf '#!/bin/sh\nexit 1\n' >"$work/bin/systemctl"
chmod +x "$work/bin/rauc" "$work/bin/fw_printenv" "$work/bin/fw_setenv" "$work/bin/systemctl"
printf 'bootcmd=run boot_ab\nustate=%s\n' "$([[ $trial == yes ]] && echo 2 || echo 0)" >"$work/env"
if [[ $tool == rauc && $trial == no ]]; then
  echo "3 2026-12-01T02:10:51Z" >"$work/state/kept.B"
fi
if [[ -n $drop ]]; then
  awk -v t="[$drop]" '/^\[/ { skip = ($0 == t) } !skip' "$SIM_CONFIG" >"$work/config.toml"
  cp "$work/config.toml" "$SIM_CONFIG"
fi

gate() {
  PATH="$work/bin:$PATH" POSDIAG_BINARY=$posdiag POSDIAG_CONFIG=$SIM_CONFIG POSDIAG_GATE_USER="" \
    POSDIAG_GATE_TOOL=$tool POSDIAG_GATE_STATE=$work/state POSDIAG_GATE_ENABLED=yes \
    sh "$here/../../agent/init/posdiag-update-gate.in" "$@"
}
fail() { echo "update_gate_e2e: FAIL: $*" >&2; exit 1; }

# What rauc-mark-good.service's ExecCondition asks first: an ordinary boot (0) or a trial (1).
rc=0
gate --ordinary-boot >"$work/out" 2>&1 || rc=$?
cat "$work/out"
[[ $rc -eq $([[ $trial == yes ]] && echo 1 || echo 0) ]] || fail "--ordinary-boot exit $rc, trial $trial"
[[ ! -s $work/calls ]] || fail "--ordinary-boot marked: $(cat "$work/calls")"
# With the gate's unit not enabled, RAUC's mark-good goes on as before, trial or not.
if [[ $tool == rauc ]]; then
  rc=0
  PATH="$work/bin:$PATH" POSDIAG_GATE_STATE=$work/state \
    sh "$here/../../agent/init/posdiag-update-gate.in" --ordinary-boot >/dev/null 2>&1 || rc=$?
  [[ $rc -eq 0 ]] || fail "--ordinary-boot without the gate's unit enabled: exit $rc, want 0"
fi

rc=0
gate >"$work/out" 2>&1 || rc=$?
cat "$work/out"
[[ $rc -eq $want_exit ]] || fail "exit $rc, want $want_exit"
calls=$(cat "$work/calls")
case $tool/$want_mark in
  rauc/good | rauc/bad) [[ $calls == "rauc status mark-$want_mark" ]] ;;
  swupdate/good) [[ $calls == "fw_setenv ustate 0" ]] ;;
  swupdate/bad) [[ $calls == "fw_setenv ustate 3" ]] ;;
  */none) [[ -z $calls ]] ;;
  *) false ;;
esac || fail "$tool was asked '$calls', want $want_mark"
if [[ $trial == no ]]; then
  grep -q 'not an update on trial, nothing to judge or mark' "$work/out" || fail "no word that it did nothing"
  ! grep -q 'update gate:' "$work/out" || fail "the diagnosis ran on an ordinary boot"
fi

# Once kept, the slot's next boot is an ordinary one: nothing judged, nothing marked again.
if [[ $trial == yes && $want_mark == good ]]; then
  : >"$work/calls"
  gate >"$work/out" 2>&1 || fail "the boot after keeping: exit $?"
  cat "$work/out"
  grep -q 'not an update on trial' "$work/out" || fail "the boot after keeping was judged again"
  [[ ! -s $work/calls ]] || fail "the boot after keeping marked: $(cat "$work/calls")"
fi
echo "update_gate_e2e: exit $want_exit, $tool: ${calls:-nothing marked}"
