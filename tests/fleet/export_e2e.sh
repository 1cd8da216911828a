#!/usr/bin/env bash
# [export] prometheus_textfile and `selftest --format nagios` through the real binary on the
# simulated terminal: the textfile passes `promtool check metrics` and carries the run's status
# and codes; the Nagios line's word matches the exit status.
#
#   export_e2e.sh POSDIAG_BINARY POSDIAG_SIM SCENARIO
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ ${1:-} != __inner ]]; then
  [[ $# -eq 3 ]] || { echo "usage: export_e2e.sh POSDIAG_BINARY POSDIAG_SIM SCENARIO" >&2; exit 64; }
  export SIM_POSDIAG=$1
  exec "$2" exec "$3" -- bash "$here/export_e2e.sh" __inner "$1"
fi
posdiag=$2
: "${SIM_CONFIG:?runs inside posdiag-sim exec}"
work=$(dirname "$SIM_CONFIG")/export
mkdir -p "$work"
fail() { echo "export_e2e: FAIL: $*" >&2; exit 1; }

printf '\n[export]\nprometheus_textfile = "%s/posdiag.prom"\n' "$work" >>"$SIM_CONFIG"
rc=0
"$posdiag" selftest --config "$SIM_CONFIG" --format nagios >"$work/nagios.out" 2>/dev/null || rc=$?
[[ -s $work/posdiag.prom ]] || fail "no textfile written"
promtool check metrics <"$work/posdiag.prom" || fail "promtool rejects the textfile"
words=(OK WARNING CRITICAL UNKNOWN)
line=$(cat "$work/nagios.out")
[[ $(wc -l <"$work/nagios.out") -eq 1 ]] || fail "the Nagios output is not one line"
[[ $line == "POSDIAG ${words[$rc]} - "* ]] || fail "exit $rc but the line says: $line"
grep -q "^posdiag_run_exit_code $rc\$" "$work/posdiag.prom" || fail "the textfile's exit code is not $rc"
status=$(grep -o 'status="[a-z]*"} 1' "$work/posdiag.prom" | head -1 | cut -d'"' -f2)
[[ -n $status ]] || fail "no status series is 1"
case $rc in
  0) [[ $status == ok ]] ;;
  1) [[ $status == warning || $status == unknown ]] ;;
  2) [[ $status == error || $status == critical ]] ;;
  *) true ;;
esac || fail "status $status with exit $rc"
# Every finding's code in the line is in the textfile too.
for code in $(grep -o 'code="[^"]*"' "$work/posdiag.prom" | cut -d'"' -f2 | sort -u); do
  [[ $line == *"$code "* ]] || fail "code $code is not in the Nagios line"
done
echo "export_e2e: exit $rc, status $status, $(grep -c '^posdiag_finding{' "$work/posdiag.prom") findings"
