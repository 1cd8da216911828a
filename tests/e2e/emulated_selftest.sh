#!/usr/bin/env bash
# emulated_selftest.sh SIM SCENARIO POSDIAG — `posdiag selftest --format json` on one simulated
# terminal, checked against what the scenario expects (`SIM expect SCENARIO`): the exit status,
# the schema and level, exactly the expected findings and codes, the suppressed symptoms, and no
# probe that failed to measure. The cross builds run it with POSDIAG a wrapper that starts the
# target's posdiag under qemu-user, where the e2e_test program (which covers every scenario in
# the native builds) cannot drive the emulated USB devices.
set -euo pipefail

[[ $# -eq 3 ]] || {
  echo "usage: emulated_selftest.sh SIM SCENARIO POSDIAG" >&2
  exit 64
}
sim=$1 scenario=$2 posdiag=$3

expect=$("$sim" expect "$scenario")
report_file=$(mktemp "${TMPDIR:-/tmp}/posdiag-emulated.XXXXXX")
trap 'rm -f -- "$report_file"' EXIT

status=0
"$sim" run "$scenario" --posdiag "$posdiag" --format json >"$report_file" || status=$?

python3 - "$status" "$report_file" "$expect" <<'PY'
import json
import sys

status, report_file, expect_text = int(sys.argv[1]), sys.argv[2], sys.argv[3]
want = dict(line.split("=", 1) for line in expect_text.splitlines() if "=" in line)
split = lambda text: {item for item in text.split(",") if item}
problems = []

if status != int(want["exit"]):
    problems.append(f"exit status {status}, expected {want['exit']}")
text = open(report_file, encoding="utf-8").read()
try:
    report = json.loads(text)
except ValueError as e:
    sys.exit(f"not JSON ({e}):\n{text}")

if report.get("schema") != "posdiag.report/1":
    problems.append(f"schema {report.get('schema')!r}")
if report.get("level") != (want.get("level") or "boot"):
    problems.append(f"level {report.get('level')!r}, expected {want.get('level') or 'boot'!r}")
findings = report.get("findings", [])
rules = {f.get("rule", "") for f in findings}
if rules != split(want["rules"]):
    problems.append(f"findings {sorted(rules)}, expected {sorted(split(want['rules']))}")
codes = {f.get("code", "") for f in findings}
if split(want.get("codes", "")) and codes != split(want["codes"]):
    problems.append(f"codes {sorted(codes)}, expected {sorted(split(want['codes']))}")
hidden = {f.get("rule", "") for f in report.get("suppressed_findings", [])}
for rule in split(want.get("suppressed", "")) - hidden:
    problems.append(f"{rule} is not suppressed")
for probe in report.get("probes", []):
    if probe.get("status") not in ("ok", "not_configured"):
        problems.append(f"probe {probe.get('name')}: {probe.get('status')}: {probe.get('error', '')}")

if problems:
    print("\n".join(problems), file=sys.stderr)
    print(text, file=sys.stderr)
    sys.exit(1)
print(f"{len(report.get('probes', []))} probes, findings {sorted(rules) or 'none'}, "
      f"exit {status}, {report.get('duration_ms')} ms")
PY
