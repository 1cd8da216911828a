#!/usr/bin/env bash
# The hand-off, end to end on the simulated terminal (on-battery-low: one finding, E1), with a
# signing key, a printer that keeps what it is sent (printer_sim --capture) and the engineer's
# console on a pseudo-terminal. `posdiag daemon` is run twice under umockdev's keypad:
#   busy: the diagnose key shows the result; then the payment application takes its lock (a
#     transaction). The print key and the console's `print` are both refused, with the reason,
#     and not one byte reaches the printer.
#   handoff: the diagnose key, then the print key. The slip the printer took carries the result
#     screen's QR payload and the report's ID and code; zbarimg reads that same payload from the
#     screen (the framebuffer as a PNG); `posdiag decode --pubkey` says it is valid and matches
#     the report in the history; the console's `report qr`, rendered as an image, reads back as
#     the same payload and its text line is that payload; the console's `print` sends a second
#     slip that carries it too.
#
#   handoff_e2e.sh POSDIAG POSDIAG_SIM PRINTER_SIM FB2PNG SLIP2TEXT LANG
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ ${1:-} != __inner ]]; then
  [[ $# -eq 6 ]] ||
    { echo "usage: handoff_e2e.sh POSDIAG POSDIAG_SIM PRINTER_SIM FB2PNG SLIP2TEXT LANG" >&2; exit 64; }
  for tool in umockdev-run flock socat python3 zbarimg; do
    command -v "$tool" >/dev/null || { echo "handoff_e2e: needs $tool" >&2; exit 1; }
  done
  export SIM_POSDIAG=$1
  exec "$2" exec on-battery-low -- bash "$here/handoff_e2e.sh" __inner "$1" "$3" "$4" "$5" "$6"
fi

posdiag=$2 printer_sim=$3 fb2png=$4 slip2text=$5 lang=$6
: "${SIM_CONFIG:?runs inside posdiag-sim exec}" "${SIM_ROOT:?}"
work=$(dirname "$SIM_CONFIG")/handoff
mkdir -p "$work"
history_dir=$(dirname "$SIM_CONFIG")/history
log_dir=$(dirname "$SIM_CONFIG")/log
fb=$SIM_ROOT/dev/fb0
lock=$SIM_ROOT/run/payapp/transaction.lock

# shellcheck source=tests/daemon/lib.sh
source "$here/lib.sh"

helpers=()
stop_all() {
  stop_leftover
  local pid
  for pid in "${helpers[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

# The signing key on the terminal; its public half for the desk.
mkdir -p "$SIM_ROOT/etc/posdiag" "$SIM_ROOT/dev/input" "$SIM_ROOT/run/payapp"
"$posdiag" keygen "$SIM_ROOT/etc/posdiag/handoff.pem" >"$work/pub.pem" 2>"$work/keygen.err" ||
  fail "keygen exited with $?"
ln -sfn /dev/input/event3 "$SIM_ROOT/dev/input/event3"
: >"$lock"

# A printer of our own that keeps every byte it takes, on another port than the scenario's.
capture=$work/capture.bin
: >"$capture"
"$printer_sim" --link "$SIM_ROOT/dev/ttyS9" --mode healthy --lifetime 170 --capture "$capture" &
helpers+=($!)
# The engineer's end of the console.
socat pty,raw,echo=0,link="$SIM_ROOT/dev/ttyCONSOLE" pty,raw,echo=0,link="$work/engineer" &
helpers+=($!)
for ((i = 0; i < 100; i++)); do
  [[ -L $SIM_ROOT/dev/ttyS9 && -e $work/engineer ]] && break
  sleep 0.05
done
[[ -L $SIM_ROOT/dev/ttyS9 ]] || fail "printer_sim did not link its port"
[[ -e $work/engineer ]] || fail "socat did not make the console's pseudo-terminal"

pin=13572468
pin_hash=$(printf '%s\n' "$pin" | "$posdiag" console hash-pin --iterations 1000)
sed -i -e '/^\[printer\]$/,/^\[/ s#^port = ".*"$#port = "/dev/ttyS9"#' \
  -e "/^\[display\]$/,/^\[/ s#^lang = \".*\"\$#lang = \"$lang\"#" \
  -e 's#^\[app\]$#[app]\nbusy_lock = "/run/payapp/transaction.lock"#' "$SIM_CONFIG"
grep -q '^port = "/dev/ttyS9"$' "$SIM_CONFIG" || fail "the scenario's config has no [printer] port"
grep -q "^lang = \"$lang\"\$" "$SIM_CONFIG" || fail "the scenario's config has no [display] lang"
grep -q '^busy_lock = ' "$SIM_CONFIG" || fail "the scenario's config has no [app] table"
cat >>"$SIM_CONFIG" <<EOF

[report]
signing_key = "/etc/posdiag/handoff.pem"
terminal_id = "POS-0042"

[keys]
diagnose = "KEY_F1"
print = "KEY_ENTER"
debounce_ms = 50

[console]
port = "/dev/ttyCONSOLE"
pin_hash = "$pin_hash"

[daemon]
result_timeout_ms = 0
EOF
geometry=$(sed -n '/^\[display\]$/,/^\[/ s/^geometry = "\(.*\)"$/\1/p' "$SIM_CONFIG")
line_length=$(sed -n '/^\[display\]$/,/^\[/ s/^line_length = \([0-9]*\)$/\1/p' "$SIM_CONFIG")

# console OUT COMMAND...: a session on the console (each reply within 60 s): Enter, login, then
# each COMMAND; the reply to the Nth is kept in OUT.N.
console() {
  python3 - "$work/engineer" "$pin" "$@" <<'PY' || fail "console: $(cat "$1.err" 2>/dev/null)"
import os, select, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
pin, out, commands = sys.argv[2], sys.argv[3], sys.argv[4:]
def say(line, want):
    os.write(fd, line.encode() + b"\r")
    end, seen = time.time() + 60, b""
    while want not in seen:
        r, _, _ = select.select([fd], [], [], max(0.0, end - time.time()))
        if not r:
            open(out + ".err", "w").write(f"no {want!r} after {line!r}: {seen[-300:]!r}\n")
            sys.exit(1)
        seen += os.read(fd, 65536)
    return seen.decode("utf-8", "replace")
say("", b"posdiag> ")
say("login", b"PIN: ")
say(pin, b"posdiag# ")
for n, command in enumerate(commands, 1):
    open(f"{out}.{n}", "w").write(say(command, b"posdiag# "))
say("logout", b"posdiag> ")
PY
}

# slip NAME FROM TO: the bytes the printer took from FROM to TO, read back into $work/NAME.slip.
slip() {
  tail -c "+$(($2 + 1))" "$capture" | head -c "$(($3 - $2))" >"$work/$1.bin"
  "$slip2text" "$work/$1.bin" >"$work/$1.slip" || fail "$1: the printer took no slip ESC/POS reads"
}

# check_slip NAME REPORT_ID PAYLOAD CODE: the slip is whole and carries the report.
check_slip() {
  local s=$work/$1.slip
  local want
  for want in 'initialised yes' 'cut yes' 'qr_printed 1'; do
    grep -qx "$want" "$s" || fail "$1: not a whole slip (no '$want'): $(head -n 4 "$s" | tr '\n' ' ')"
  done
  [[ $(grep -c '^qr ' "$s") -eq 1 ]] || fail "$1: not one QR code on the slip"
  grep -qxF "qr $3" "$s" || fail "$1: the slip's QR code is not the screen's payload"
  grep -q "^text .*$2" "$s" || fail "$1: the slip does not carry report $2"
  grep -q "^text .*POS-0042" "$s" || fail "$1: the slip does not carry the terminal's ID"
  grep -q "^text .*\[$4\] " "$s" || fail "$1: the slip does not carry the finding $4"
  if [[ $lang == zh-CN ]]; then
    grep -qx 'chinese yes' "$s" || fail "$1: a Chinese slip without the printer's Chinese mode"
  fi
}

# wait_log TEXT: up to 60 s for the log to have a line with TEXT.
wait_log() {
  local i
  for ((i = 0; i < 600; i++)); do
    grep -rqF -- "$1" "$log_dir" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "no log line with '$1'"
}

# phase NAME EVEMU: a daemon with that keypad, started and ready.
phase() {
  { printf 'E: 0.000000 0000 0000 0000\n'; printf '%s\n' "$2"; } >"$work/$1.evemu"
  start_daemon -d "$here/keypad.umockdev" -i "/dev/input/event3=$here/keypad.ioctl" \
    -e "/dev/input/event3=$work/$1.evemu"
  wait_for "ready keys=/dev/input/event3"
}

# --- busy: a transaction begins while the result is shown; nothing is printed. -----------------
# The print key comes 6 s after the diagnose key. The lock is taken once the log says the
# diagnosis has begun (past the diagnose key's own check for a transaction); the print key is
# read only when the diagnosis is over.
phase busy "$(press 2.000000 003b; press 8.000000 001c)"
wait_for "key diagnose"
wait_log "daemon: merchant diagnosis started"
# The holder keeps the lock on its own descriptor: killing it lets the lock go.
(
  exec 9>"$lock"
  flock -x 9
  exec sleep 120
) &
holder=$!
helpers+=("$holder")
for ((i = 0; i < 100; i++)); do
  flock -n -s "$lock" true || break
  sleep 0.02
done
flock -n -s "$lock" true && fail "busy: the transaction's lock could not be taken"
wait_for "report "
busy_id=$(awk '/ report / {print $4; exit}' "$work/out")
wait_for "key print"
wait_log "slip of $busy_id: not printed: a transaction is in progress"
console "$work/busy" "print"
grep -q "^ERR not printed: a transaction is in progress" "$work/busy.1" ||
  fail "busy: the console's print was not refused: $(cat "$work/busy.1")"
[[ $(stat -c %s "$capture") -eq 0 ]] ||
  fail "busy: $(stat -c %s "$capture") bytes reached the printer during a transaction"
kill "$holder"
wait "$holder" 2>/dev/null || true
stop_daemon TERM
[[ $status -eq 0 ]] || fail "busy: exit status $status after SIGTERM"

# --- handoff: the diagnose key, then the print key. ----------------------------------------------
phase handoff "$(press 2.000000 003b; press 3.000000 001c)"
wait_for "report "
report_id=$(awk '/ report / {id = $4} END {print id}' "$work/out")
[[ -n $report_id && $report_id != "$busy_id" ]] || fail "handoff: no new report ID"
wait_for "key print"
wait_log "slip of $report_id: sent"
key_bytes=$(stat -c %s "$capture")
[[ $key_bytes -gt 0 ]] || fail "handoff: the print key sent nothing to the printer"

# The report as the history keeps it, and the QR code on the result screen.
report=$(grep -lF "\"$report_id\"" "$history_dir"/*.json | head -n 1) || true
[[ -n $report && -f $report ]] || fail "handoff: report $report_id is not in the history"
"$fb2png" "$fb" "$geometry" ${line_length:+"$line_length"} "$work/screen.png" ||
  fail "fb2png failed"
payload=$(zbarimg --raw -q "$work/screen.png" 2>>"$work/zbarimg.err") || fail "zbarimg read no QR code on the result screen"
[[ $payload == PD1:* ]] || fail "handoff: the screen's QR code is not a hand-off summary: $payload"
python3 - "$report" "$payload" <<'PY' || fail "handoff: the screen's payload is not the report's"
import json, sys
sys.exit(json.load(open(sys.argv[1])).get("handoff") != sys.argv[2])
PY
rc=0
"$posdiag" decode --pubkey "$work/pub.pem" --json "$payload" >"$work/decoded.json" || rc=$?
[[ $rc -eq 0 ]] || fail "handoff: decode --pubkey exited with $rc: $(cat "$work/decoded.json")"
python3 - "$report" "$work/decoded.json" <<'PY' || fail "handoff: the decoded summary is not the report"
import json, sys
report, decoded = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
want = [(f["code"], f["rule"]) for f in report["findings"]]
got = [(f["code"], f["rule"]) for f in decoded["findings"]]
checks = {
    "signature": decoded["signature"] == "valid",
    "report_id": decoded["report_id"] == report["report_id"],
    "terminal_id": decoded["terminal_id"] == "POS-0042",
    "status": decoded["status"] == report["status"],
    "findings": got == want and ("E1", "power.battery_low") in got,
}
bad = [name for name, ok in checks.items() if not ok]
if bad:
    sys.exit(f"differs in {bad}: {decoded} / {want}")
PY

# The print key's slip.
slip key 0 "$key_bytes"
check_slip key "$report_id" "$payload" E1

# The console: the QR code in text, and a second slip.
console "$work/console" "report qr" "print"
grep -q "^OK $report_id" "$work/console.1" || fail "console: report qr: $(tail -n 2 "$work/console.1")"
grep -qxF "$payload" <(tr -d '\r' <"$work/console.1") ||
  fail "console: report qr's text line is not the screen's payload"
# The half blocks drawn as an image (light modules as ink, as on a dark terminal) for zbarimg.
python3 - "$work/console.1" "$work/console_qr.pgm" <<'PY' || fail "console: no half blocks in report qr"
import sys
rows = [l for l in open(sys.argv[1], encoding="utf-8").read().splitlines()
        if l and set(l) <= set(" \u2580\u2584\u2588")]
if len(rows) < 10:
    sys.exit(1)
ink = {"\u2588": (1, 1), "\u2580": (1, 0), "\u2584": (0, 1)}
width, scale, pad = max(map(len, rows)), 6, 4
modules = []
for l in rows:
    cells = [ink.get(c, (0, 0)) for c in l.ljust(width)]
    modules += [[t for t, _ in cells], [b for _, b in cells]]
w, h = (width + 2 * pad) * scale, (len(modules) + 2 * pad) * scale
img = bytearray(w * h)
for y, row in enumerate(modules):
    for x, v in enumerate(row):
        for dy in range(scale * v):
            at = ((y + pad) * scale + dy) * w + (x + pad) * scale
            img[at:at + scale] = b"\xff" * scale
open(sys.argv[2], "wb").write(b"P5 %d %d 255\n" % (w, h) + bytes(img))
PY
text_qr=$(zbarimg --raw -q "$work/console_qr.pgm" 2>>"$work/zbarimg.err") || fail "console: zbarimg read no QR code in report qr"
[[ $text_qr == "$payload" ]] || fail "console: report qr reads as another payload: $text_qr"
grep -q "^OK printed" "$work/console.2" || fail "console: print: $(tail -n 2 "$work/console.2")"
sent=$(sed -n "s/^slip of $report_id sent: \([0-9]*\) bytes\r\?\$/\1/p" "$work/console.2")
all_bytes=$(stat -c %s "$capture")
[[ $all_bytes -gt $key_bytes ]] || fail "console: print sent nothing to the printer"
[[ $sent -eq $((all_bytes - key_bytes)) ]] ||
  fail "console: print says '$sent' bytes; the printer took $((all_bytes - key_bytes))"
slip console "$key_bytes" "$all_bytes"
check_slip console "$report_id" "$payload" E1

stop_daemon TERM
[[ $status -eq 0 ]] || fail "handoff: exit status $status after SIGTERM"
echo "handoff_e2e: ok ($lang, report $report_id, slips of $key_bytes and $((all_bytes - key_bytes)) bytes)"
