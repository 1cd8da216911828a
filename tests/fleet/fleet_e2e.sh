#!/usr/bin/env bash
# The fleet end to end, through the real binary on the simulated terminal and a real Mosquitto on
# loopback (broker.sh: its own CA, a certificate per terminal, an ACL), the desk played by
# mosquitto_sub/mosquitto_pub with the desk's certificate:
#   1. a self-test's report waits in the outbox while the broker is down (`fleet flush` exits 3
#      and keeps it), then reaches the desk with its ID and terminal ID (`fleet flush` exits 0);
#   2. an expired and a foreign client certificate: refused with a clear reason, nothing lost;
#   3. the daemon: retained `online` status; a remote run's round trip; a command outside the
#      allow-list, one during a transaction and one while another diagnosis runs refused; a
#      payment that times out in the journal reaches the desk as a report of kind incident;
#   4. the broker down while 20 reports are made, then up: the daemon sends all 20, none twice;
#   5. SIGKILL of the daemon: the broker publishes its last will, `offline`.
# With POSDIAG_FLEET (the desk's program) the desk is also the real one: `posdiag-fleet collect`
# stores the backlog in SQLite, `show` finds each report by a spelling read over the phone, `run`
# asks for a remote diagnosis, and `list` shows the terminal offline after the SIGKILL.
#
#   fleet_e2e.sh POSDIAG_BINARY POSDIAG_SIM CERT_CACHE [POSDIAG_FLEET]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ ${1:-} != __inner ]]; then
  [[ $# -eq 3 || $# -eq 4 ]] ||
    { echo "usage: fleet_e2e.sh POSDIAG_BINARY POSDIAG_SIM CERT_CACHE [POSDIAG_FLEET]" >&2; exit 64; }
  export SIM_POSDIAG=$1 POSDIAG_CERT_CACHE=$3
  exec "$2" exec healthy -- bash "$here/fleet_e2e.sh" __inner "$1" "${4:-}"
fi

posdiag=$2
fleet=${3:-}
: "${SIM_CONFIG:?runs inside posdiag-sim exec}" "${SIM_ROOT:?}"
work=$(dirname "$SIM_CONFIG")/fleet
mkdir -p "$work"
broker=$work/broker
outbox=$work/outbox
daemon=""
collector=""

cleanup() {
  [[ -n $daemon ]] && kill -9 "$daemon" 2>/dev/null
  [[ -n $collector ]] && kill "$collector" 2>/dev/null
  "$here/broker.sh" stop "$broker" || true
  jobs -p | xargs -r kill 2>/dev/null || true
}
trap cleanup EXIT

fail() {
  echo "fleet_e2e: FAIL: $*" >&2
  for f in "$work"/*.out "$work"/*.err; do
    [[ -f $f ]] && { echo "--- $f" >&2; tail -20 "$f" >&2; }
  done
  echo "--- broker log" >&2
  tail -30 "$broker/broker.log" >&2 || true
  exit 1
}

port=$("$here/broker.sh" start "$broker")
# The terminal's certificate files are terminal paths, under [system] root.
certs=/etc/posdiag/fleet
mkdir -p "$SIM_ROOT$certs"
cp "$broker"/{ca.crt,term-0001.crt,term-0001.key,expired.crt,expired.key,foreign.crt,foreign.key} \
  "$SIM_ROOT$certs/"
# The payment application says it is mid-transaction with a busy file.
if grep -q '^\[app\]$' "$SIM_CONFIG"; then
  base_config=$(sed 's|^\[app\]$|[app]\nbusy_file = "/run/payapp.busy"|' "$SIM_CONFIG")
else
  base_config=$(printf '%s\n[app]\nbusy_file = "/run/payapp.busy"\n' "$(cat "$SIM_CONFIG")")
fi
write_config() {  # CERT_NAME
  printf '%s\n\n[fleet]\nbroker = "mqtts://localhost:%s"\nca_file = "%s/ca.crt"\n' \
    "$base_config" "$port" "$certs" >"$SIM_CONFIG"
  printf 'client_cert = "%s/%s.crt"\nclient_key = "%s/%s.key"\nterminal_id = "term-0001"\n' \
    "$certs" "$1" "$certs" "$1" >>"$SIM_CONFIG"
  printf 'outbox_dir = "%s"\nkeepalive_s = 5\nbacklog_per_s = 20\nreconnect_max_s = 1\n' \
    "$outbox" >>"$SIM_CONFIG"
}
write_config term-0001
"$posdiag" config check "$SIM_CONFIG" >/dev/null || fail "the config does not check: $("$posdiag" config check "$SIM_CONFIG" 2>&1)"

desk=(-h localhost -p "$port" --cafile "$broker/ca.crt" --cert "$broker/desk-1.crt"
  --key "$broker/desk-1.key" -V 5)
pending() { find "$outbox" -maxdepth 1 -name '[0-9]*.json' | wc -l; }

# --- 1. outbox, broker down, flush -------------------------------------------------------------
"$here/broker.sh" stop "$broker"
"$posdiag" selftest --config "$SIM_CONFIG" --format json >"$work/selftest.json" 2>/dev/null || true
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["report_id"])' "$work/selftest.json")
[[ $(pending) -eq 1 ]] || fail "the report is not in the outbox"
rc=0
"$posdiag" fleet flush --config "$SIM_CONFIG" --timeout 5 >"$work/flush1.out" 2>"$work/flush1.err" || rc=$?
[[ $rc -eq 3 ]] || fail "flush with the broker down exited $rc, want 3"
grep -q "refused\|connect" "$work/flush1.err" || fail "flush did not say why"
grep -q "1 still in the outbox" "$work/flush1.out" || fail "flush did not say what is left"
[[ $(pending) -eq 1 ]] || fail "the report left the outbox unsent"

"$here/broker.sh" restart "$broker"
mosquitto_sub "${desk[@]}" -t 'posdiag/v1/+/report' -C 1 -W 20 >"$work/desk1.out" 2>&1 &
sub=$!
sleep 0.5
"$posdiag" fleet flush --config "$SIM_CONFIG" --timeout 20 >"$work/flush2.out" 2>"$work/flush2.err" ||
  fail "flush with the broker up failed"
wait "$sub" || fail "the desk received no report"
python3 - "$work/desk1.out" "$id" <<'EOF' || fail "the report at the desk is not the self-test's"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["report_id"] == sys.argv[2], r["report_id"]
assert r["terminal_id"] == "term-0001"
assert r["schema"] == "posdiag.report/1" and r["kind"] == "selftest"
EOF
[[ $(pending) -eq 0 ]] || fail "the acknowledged report is still in the outbox"
if [[ -n $fleet ]]; then
  # The desk reads the report's hand-off summary (what its QR code carries) with its own program:
  # no signing key on this terminal, so "absent" (exit 1), and the same report ID.
  handoff=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["handoff"])' "$work/desk1.out")
  rc=0
  "$fleet" decode --lang en "$handoff" >"$work/decode.out" 2>&1 || rc=$?
  [[ $rc -eq 1 ]] || fail "posdiag-fleet decode exited $rc on an unsigned summary, want 1"
  { grep -q "$id" "$work/decode.out" && grep -q "signature: absent" "$work/decode.out"; } ||
    fail "posdiag-fleet decode did not read the summary: $(cat "$work/decode.out")"
fi

# --- 2. certificates that must not get in -------------------------------------------------------
"$posdiag" selftest --config "$SIM_CONFIG" >/dev/null 2>&1 || true
for cert in expired foreign; do
  write_config "$cert"
  rc=0
  "$posdiag" fleet flush --config "$SIM_CONFIG" --timeout 5 >"$work/$cert.out" 2>"$work/$cert.err" || rc=$?
  [[ $rc -eq 3 ]] || fail "flush with the $cert certificate exited $rc, want 3"
  [[ $(pending) -eq 1 ]] || fail "the report was lost with the $cert certificate"
done
grep -q "expired on 2020-01-31" "$work/expired.err" || fail "the expired certificate is not named"
write_config term-0001

# --- 3. the daemon: status, remote commands ---------------------------------------------------
mosquitto_sub "${desk[@]}" -t 'posdiag/v1/term-0001/status' -W 30 >"$work/status.out" 2>&1 &
status_sub=$!
"$posdiag" daemon --config "$SIM_CONFIG" >"$work/daemon.out" 2>"$work/daemon.err" &
daemon=$!
for _ in $(seq 1 100); do grep -q "fleet=term-0001" "$work/daemon.out" && break; sleep 0.1; done
grep -q "ready .*fleet=term-0001" "$work/daemon.out" || fail "the daemon did not start its link"
for _ in $(seq 1 100); do [[ $(pending) -eq 0 ]] && break; sleep 0.1; done
[[ $(pending) -eq 0 ]] || fail "the daemon did not send the waiting report"

# ask RID JSON: the result on cmd/RID/result, in $work/RID.out
ask() {
  mosquitto_sub "${desk[@]}" -t "posdiag/v1/term-0001/cmd/$1/result" -C 1 -W 40 >"$work/$1.out" 2>&1 &
  local s=$!
  sleep 0.3
  mosquitto_pub "${desk[@]}" -q 1 -t "posdiag/v1/term-0001/cmd/$1" -m "$2"
  wait "$s" || fail "no answer to $2"
}
ask 0001 '{"command":"run","level":"merchant"}'
python3 - "$work/0001.out" <<'EOF' || fail "the remote run's answer is wrong"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["ok"] is True and r["request_id"] == "0001" and r["command"] == "run", r
assert r["report"]["kind"] == "remote" and r["report"]["level"] == "merchant", r["report"]["kind"]
assert r["report"]["terminal_id"] == "term-0001"
EOF
grep -q "remote" "$work/daemon.out" || fail "the daemon did not say it ran for the desk"
ask 0002 '{"command":"reboot"}'
{ grep -q '"ok":false' "$work/0002.out" && grep -q "remote_commands" "$work/0002.out"; } ||
  fail "a command outside the allow-list was not refused"
mkdir -p "$SIM_ROOT/run" && touch "$SIM_ROOT/run/payapp.busy"
ask 0003 '{"command":"run"}'
{ grep -q '"ok":false' "$work/0003.out" && grep -q "transaction" "$work/0003.out"; } ||
  fail "a run during a transaction was not refused"
rm -f "$SIM_ROOT/run/payapp.busy"
# Another diagnosis measuring (a self-test in another process holds the run lock).
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "w"); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(30)' "$outbox/.run.lock" &
holder=$!
for _ in $(seq 1 100); do flock -n -s "$outbox/.run.lock" true || break; sleep 0.05; done
ask 0005 '{"command":"run"}'
{ grep -q '"ok":false' "$work/0005.out" && grep -q "another diagnosis" "$work/0005.out"; } ||
  fail "a run while another diagnosis measures was not refused: $(cat "$work/0005.out")"
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true
ask 0004 '{"command":"history"}'
grep -q '"reports":\[' "$work/0004.out" || fail "history did not answer"
desk_tls=(--broker "mqtts://localhost:$port" --ca-file "$broker/ca.crt" --cert "$broker/desk-1.crt"
  --key "$broker/desk-1.key")
if [[ -n $fleet ]]; then
  "$fleet" run term-0001 merchant "${desk_tls[@]}" --timeout 40 --format json >"$work/run.out" \
    2>"$work/run.err" || fail "posdiag-fleet run failed"
  grep -q '"kind": *"remote"' "$work/run.out" || fail "posdiag-fleet run did not print the report"
fi

# A payment times out while the daemon watches the journal: the flight recorder's incident
# reaches the desk as a report of kind incident, with the failed payment and no card number.
# An approved payment follows, so the later self-tests are all clear again.
journal=$SIM_ROOT$(sed -n 's/^path = "\(.*journal[^"]*\)"$/\1/p' "$SIM_CONFIG" | head -n 1)
[[ -f $journal ]] || fail "no journal in the simulated terminal's config"
pan=6222020000000000001
payment() {  # CODE TRACE
  printf '{"time":"%s+08:00","type":"sale","trace":"%06d","amount":42.50,"rc":"%s","pan":"%s"}\n' \
    "$(date -u -d '+8 hours' +%Y-%m-%dT%H:%M:%S)" "$2" "$1" "$pan" >>"$journal"
}
mosquitto_sub "${desk[@]}" -t 'posdiag/v1/term-0001/report' -W 60 >"$work/incident.out" 2>&1 &
sub=$!
sleep 0.3
payment 98 9001
for _ in $(seq 1 300); do grep -q '"kind": *"incident"' "$work/incident.out" && break; sleep 0.1; done
kill "$sub" 2>/dev/null || true
wait "$sub" 2>/dev/null || true
payment 00 9002
python3 - "$work/incident.out" "$pan" <<'EOF' || fail "no incident report of kind incident at the desk"
import json, sys
text = open(sys.argv[1]).read()
assert sys.argv[2] not in text, "the card number reached the desk"
reports = [json.loads(l) for l in text.splitlines() if l.strip().startswith("{")]
incidents = [r for r in reports if r.get("kind") == "incident"]
assert len(incidents) == 1, [r.get("kind") for r in reports]
r = incidents[0]
assert r["terminal_id"] == "term-0001" and r["schema"] == "posdiag.report/1", r["terminal_id"]
i = r["incident"]
assert i["code"] == "98" and i["failures"] == 1 and i["type"] == "sale", i
assert i["amount_band"] == "10-100", i
assert r["facts"]["recorder.incident.active"] is True, r["facts"].get("recorder.incident.active")
EOF
grep -q "^posdiag daemon: incident " "$work/daemon.out" || fail "the daemon did not say it ran an incident"
for _ in $(seq 1 100); do [[ $(pending) -eq 0 ]] && break; sleep 0.1; done
[[ $(pending) -eq 0 ]] || fail "the incident report is still in the outbox"

# --- 4. the broker away while 20 reports are made --------------------------------------------
"$here/broker.sh" stop "$broker"
for _ in $(seq 1 20); do
  "$posdiag" selftest --config "$SIM_CONFIG" --format json 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["report_id"])' >>"$work/ids"
done
[[ $(pending) -eq 20 ]] || fail "$(pending) reports in the outbox, want 20"
# The daemon is held while the desk connects to the broker that came back (reports are not
# retained: a desk that subscribes late would miss them, which is the broker's rule, not ours).
kill -STOP "$daemon"
"$here/broker.sh" restart "$broker"
mosquitto_sub "${desk[@]}" -t 'posdiag/v1/+/report' -W 30 >"$work/desk20.out" 2>&1 &
sub=$!
if [[ -n $fleet ]]; then
  "$fleet" collect "${desk_tls[@]}" --db "$work/desk.db" >"$work/collect.out" 2>"$work/collect.err" &
  collector=$!
fi
sleep 1.5
kill -CONT "$daemon"
for _ in $(seq 1 200); do [[ $(pending) -eq 0 ]] && break; sleep 0.1; done
[[ $(pending) -eq 0 ]] || fail "the backlog did not drain: $(pending) left"
sleep 1
kill "$sub" 2>/dev/null || true
python3 - "$work/desk20.out" "$work/ids" <<'EOF' || fail "the desk did not get the 20 reports once each"
import collections, json, sys
got = collections.Counter()
for line in open(sys.argv[1]):
    if line.strip():
        got[json.loads(line)["report_id"]] += 1
want = [l.strip() for l in open(sys.argv[2]) if l.strip()]
missing = [i for i in want if got[i] == 0]
twice = [i for i, n in got.items() if n > 1]
assert not missing and not twice, (missing, twice)
EOF

if [[ -n $fleet ]]; then
  # The merchant reads the ID over the phone: lower case, no dash, O for 0.
  while read -r rid; do
    spoken=$(tr 'A-Z0' 'a-zo' <<<"${rid/-/}")
    for _ in $(seq 1 50); do
      "$fleet" show "$spoken" --db "$work/desk.db" >/dev/null 2>&1 && break
      sleep 0.1
    done
    "$fleet" show "$spoken" --db "$work/desk.db" >"$work/show.out" 2>"$work/show.err" ||
      fail "posdiag-fleet show $spoken did not find $rid"
  done <"$work/ids"
fi

# --- 5. the last will ---------------------------------------------------------------------------
kill -9 "$daemon"
wait "$daemon" 2>/dev/null || true
daemon=""
for _ in $(seq 1 150); do grep -q '"offline"' "$work/status.out" && break; sleep 0.1; done
grep -q '"state":"online"' "$work/status.out" || fail "no online status was seen"
grep -q '"offline"' "$work/status.out" || fail "no offline status after SIGKILL (the last will)"
if [[ -n $fleet ]]; then
  for _ in $(seq 1 50); do
    "$fleet" list --db "$work/desk.db" --format json >"$work/list.out" 2>/dev/null
    grep -q '"offline"' "$work/list.out" && break
    sleep 0.1
  done
  { grep -q "term-0001" "$work/list.out" && grep -q '"offline"' "$work/list.out"; } ||
    fail "posdiag-fleet list does not show term-0001 offline"
  kill "$collector"
  wait "$collector" || fail "the collector did not stop cleanly on SIGTERM"
  collector=""
fi
kill "$status_sub" 2>/dev/null || true
echo "fleet_e2e: all checks passed"
