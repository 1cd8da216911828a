#!/usr/bin/env bash
# The flight recorder through the real binary on the simulated terminal (the payment host pinned
# in /etc/hosts, so the road to it is one TCP connect). `posdiag daemon` follows the journal while
# a script plays the payment application:
#   a declined card (51): no incident;
#   the bank black-holed (its replies dropped) while timed-out payments (98) are written: incident
#     reports that name the host and the connect that timed out;
#   the bank healed, then a storm of 1,000 failures (96) over five seconds: at most one run per
#     [recorder] min_interval_s, and one summary; each of its reports finds the host reachable;
#   the journal rotated (renamed, a new file): a failure in the new file is an incident too;
#   the journal truncated and written again, shorter: its failures are read from its start, each
#     once;
#   an approved payment: a merchant diagnosis afterwards is all clear and says what happened.
# The test card number in the journal appears in no output, log or history file.
#
#   [RECORDER_E2E_OUTAGE_S=60] recorder_e2e.sh POSDIAG_BINARY POSDIAG_SIM
# (the outage is about five seconds; RECORDER_E2E_OUTAGE_S lengthens it by that many seconds)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ ${1:-} != __inner ]]; then
  [[ $# -eq 2 ]] || { echo "usage: recorder_e2e.sh POSDIAG_BINARY POSDIAG_SIM" >&2; exit 64; }
  command -v umockdev-run >/dev/null || { echo "recorder_e2e: needs umockdev-run" >&2; exit 1; }
  export SIM_POSDIAG=$1
  exec "$2" exec dns-down-hosts-pinned -- bash "$here/recorder_e2e.sh" __inner "$1"
fi

posdiag=$2
: "${SIM_CONFIG:?runs inside posdiag-sim exec}" "${SIM_ROOT:?}"
work=$(dirname "$SIM_CONFIG")/recorder
mkdir -p "$work"
history_dir=$(dirname "$SIM_CONFIG")/history
log_dir=$(dirname "$SIM_CONFIG")/log
journal=$SIM_ROOT/var/spool/payapp/journal.jsonl
pan=6222020000000000001
interval=2

# shellcheck source=tests/daemon/lib.sh
source "$here/lib.sh"

printf '\n[recorder]\nmin_interval_s = %d\nkeep = 20\n' "$interval" >>"$SIM_CONFIG"

# One journal line as the payment application writes it: now, in China's time, with the card.
# TIME, when given, saves a date(1) per line in a storm.
entry() {
  local code=$1 trace=$2 time=${3:-$(date -u -d '+8 hours' +%Y-%m-%dT%H:%M:%S)+08:00}
  printf '{"time":"%s","type":"sale","trace":"%06d","amount":%d.50,"rc":"%s","pan":"%s"}\n' \
    "$time" "$trace" $((20 + trace % 50)) "$code" "$pan"
}

incidents() { grep -c "^posdiag daemon: incident [0-9A-Z]" "$work/out" || true; }

# Reads the daemon's lines for SECONDS, keeping them (no line is expected).
drain_for() {
  local line end=$((SECONDS + $1))
  while ((SECONDS < end)); do
    if IFS= read -r -t 1 line <&3; then printf '%s\n' "$line" >>"$work/out"; fi
  done
}

start_daemon
wait_for "recorder=on"

# A declined card is the cardholder's business, not an incident.
entry 51 1 >>"$journal"
drain_for 2
[[ $(incidents) -eq 0 ]] || fail "a declined card (51) started an incident"

# The bank black-holed: the payment application's payments time out.
ip -n bank route add blackhole 10.77.0.2/32
written=$(date +%s%N)
entry 98 2 >>"$journal"
wait_for "incident "
took_ms=$((($(date +%s%N) - written) / 1000000))
first_id=$(sed -n 's/^posdiag daemon: incident \([^ ]*\) code 98 .*/\1/p' "$work/out" | head -n 1)
[[ -n $first_id ]] || fail "no incident for the timed-out payment"
# The run itself waits out the 1 s connect timeout; it must have started at once.
((took_ms < 5000)) || fail "the incident took $took_ms ms from the journal line"
# Three more within the interval: the outage lasts about five seconds. RECORDER_E2E_OUTAGE_S
# makes it that many seconds longer, with a timed-out payment each second (the issue's story has
# a minute; CI keeps it short).
outage_s=${RECORDER_E2E_OUTAGE_S:-0}
later=3 gap=0.4
((outage_s > 0)) && later=$outage_s gap=1
for ((i = 3; i < 3 + later; i++)); do
  entry 98 "$i" >>"$journal"
  sleep "$gap"
done
drain_for $((interval + 3))
ip -n bank route del blackhole 10.77.0.2/32
timeouts=$(awk '/^posdiag daemon: incident .* code 98 failures / { n += $8 } END { print n + 0 }' \
  "$work/out")
((timeouts == later + 1)) || fail "the incidents cover $timeouts timeouts, want the $((later + 1)) written"
if ((outage_s == 0)); then
  (($(incidents) == 2)) || fail "$(incidents) incidents for 4 timeouts with min_interval_s $interval, want 2"
  grep -q "^posdiag daemon: incident .* code 98 failures 3 " "$work/out" ||
    fail "the second incident does not cover the 3 later timeouts"
else
  (($(incidents) >= 2 && $(incidents) <= outage_s / interval + 2)) ||
    fail "$(incidents) incidents for a $outage_s s outage with min_interval_s $interval"
fi

# A storm: 1,000 failures over about five seconds. At most one run per interval (and the first).
before=$(incidents)
storm_start=$(date +%s%N)
for ((batch = 0; batch < 10; batch++)); do
  now=$(date -u -d '+8 hours' +%Y-%m-%dT%H:%M:%S)+08:00
  for ((i = 0; i < 100; i++)); do entry 96 $((100 + batch * 100 + i)) "$now"; done >>"$journal"
  sleep 0.5
done
storm_ms=$((($(date +%s%N) - storm_start) / 1000000))
drain_for $((2 * interval + 3))
storm_runs=$(($(incidents) - before))
((storm_runs >= 1 && storm_runs <= storm_ms / (interval * 1000) + 2)) ||
  fail "$storm_runs incident runs for a $storm_ms ms storm with min_interval_s $interval"
[[ $(grep -c "^posdiag daemon: incident storm: .*(96x" "$work/out" || true) -eq 1 ]] ||
  fail "not exactly one summary of the storm"
grep -q "^posdiag daemon: incident storm: 1000 failed payments .*(96x1000) in $storm_runs " \
  "$work/out" || fail "the storm summary does not count the 1000 failures in $storm_runs runs"

# Rotation: the application renames its journal and starts a new one (three approved payments,
# then a failure): the failure in the new file is an incident too.
mv "$journal" "$journal.1"
{ entry 00 1997; entry 00 1998; entry 00 1999; entry 91 2000; } >"$journal"
wait_for "code 91"
# Truncation: the application empties the file and writes on, less than the four lines already
# read (every line is as long as the others), then an approved payment. The daemon reads the file
# again from its start: both failures, each once, and nothing of what the file held before.
entry 92 2001 >"$journal"
entry 92 2002 >>"$journal"
entry 00 2003 >>"$journal"
wait_for "code 92"
drain_for $((interval + 2))
stop_daemon TERM
[[ $status -eq 0 ]] || fail "exit status $status after SIGTERM, want 0"

# History: every incident is marked, the first names the black-holed host and the timed-out connect.
first=$(grep -l "\"report_id\": \"$first_id\"" "$history_dir"/*.json) || fail "incident $first_id not in history"
grep -q '"kind": "incident"' "$first" || fail "the incident is not marked as one"
grep -q '"code": "98"' "$first" || fail "the incident lacks the response code"
grep -q '"network.host_timeout"' "$first" || fail "the incident does not find the host timing out"
grep -q '10.77.0.1' "$first" || fail "the incident does not name the black-holed host"
grep -q '"amount_band": "10-100"' "$first" || fail "the incident lacks the amount band"
grep -q '"network": *{\|"name": "network"' "$first" || fail "no network probe in the incident"
grep -q '"name": "printer"' "$first" && ! grep -q '"status": "skipped"' "$first" &&
  fail "the printer was probed for a failure that was not on the terminal"
grep -rq "run report=$first_id level=merchant" "$log_dir" || fail "incident $first_id not in the log"

# The truncation: seen as one, its two failures counted once in all, the old lines not read again.
grep -rq "truncated; reading from its start" "$log_dir" || fail "the truncation is not in the log"
after_truncation=$(awk '/^posdiag daemon: incident .* code 92 failures / { n += $8 } END { print n + 0 }' \
  "$work/out")
[[ $after_truncation -eq 2 ]] ||
  fail "$after_truncation failures in incidents after the truncation, want the 2 written"
[[ $(grep -c "^posdiag daemon: incident .* code 91 " "$work/out") -eq 1 ]] ||
  fail "the failure before the truncation was read again"

# The storm's payments failed with the host reachable: the bank's side, says the rule over incidents.
sed -n 's/^posdiag daemon: incident \([^ ]*\) code 96 .*/\1/p' "$work/out" >"$work/storm_ids"
while read -r id; do
  file=$(grep -l "\"report_id\": \"$id\"" "$history_dir"/*.json) || fail "incident $id not in history"
  python3 - "$file" <<'EOF' || fail "incident $id does not say the host was reachable"
import json, sys
r = json.load(open(sys.argv[1]))
assert any(f["rule"] == "recorder.failures_with_host_reachable" for f in r["findings"]), r["findings"]
EOF
done <"$work/storm_ids"

recorded=$(incidents)

# The merchant presses the diagnose key afterwards (a keypad umockdev emulates): all clear now,
# and the result says what happened.
mkdir -p "$SIM_ROOT/dev/input"
ln -sfn /dev/input/event3 "$SIM_ROOT/dev/input/event3"
printf '\n[keys]\ndiagnose = "KEY_F1"\n' >>"$SIM_CONFIG"
printf 'E: 0.000000 0000 0000 0000\n%s\n' "$(press 1.000000 003b)" >"$work/key.evemu"
start_daemon -d "$here/keypad.umockdev" -i "/dev/input/event3=$here/keypad.ioctl" \
  -e "/dev/input/event3=$work/key.evemu"
wait_for "ready keys=/dev/input/event3"
wait_for "posdiag daemon: report "
stop_daemon TERM
key_id=$(sed -n 's/^posdiag daemon: report \([^ ]*\) level merchant status \([a-z]*\)$/\1 \2/p' "$work/out")
[[ $key_id == *" ok" ]] || fail "the key's diagnosis after healing is not all clear: $key_id"
key_report=$(grep -l "\"report_id\": \"${key_id% ok}\"" "$history_dir"/*.json) ||
  fail "the key's report is not in history"
grep -q '"kind": "key"' "$key_report" || fail "the key's report is not of kind key"
grep -q '"incident_line"' "$key_report" || fail "the key's result does not list the incidents"
grep -q '今天 [0-9:–]* 有 [0-9]* 笔交易失败' "$key_report" || fail "the key's result has no merchant line in Chinese"

# A merchant diagnosis from the command line says the same.
status=0
"$posdiag" selftest --config "$SIM_CONFIG" --level merchant --format json >"$work/key.json" || status=$?
[[ $status -eq 0 ]] || fail "the merchant diagnosis after healing exits $status, want 0 (all clear)"
grep -q '"incident_line"' "$work/key.json" || fail "the merchant diagnosis does not list the incidents"
grep -q '笔交易超时\|笔交易失败' "$work/key.json" || fail "no merchant line in Chinese"
"$posdiag" selftest --config "$SIM_CONFIG" --level engineer >"$work/engineer.txt" || true
grep -q "Recent incidents\|近期故障记录" "$work/engineer.txt" || fail "the engineer report lacks the incidents"

# The card number is nowhere but the journal.
if grep -rl "$pan" "$work" "$history_dir" "$log_dir" 2>/dev/null; then
  fail "the card number appears in posdiag's output, log or history"
fi
echo "recorder_e2e: ok ($recorded incidents, first $first_id, ${took_ms} ms to the first)"
