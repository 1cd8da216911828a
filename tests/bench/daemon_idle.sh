#!/usr/bin/env bash
# Idle daemon benchmark: `posdiag daemon` on the simulated terminal's healthy scenario with the
# diagnose keypad emulated by umockdev (tests/daemon/keypad.*), left alone for a while after one
# key press has run one diagnosis. Reports its RSS (current and peak) and its wake-ups while idle:
# the context switches of all its threads (/proc/PID/task/*/status) and, with --strace, the system
# calls strace sees. The target is no wake-up at all: the daemon sleeps in epoll_wait with no
# timeout when nothing is due. With --fleet K the daemon is also connected to a Mosquitto on
# loopback (tests/fleet/broker.sh) with keepalive_s = K: the target is then the keepalive's own
# wake-ups only (a timer and the PINGRESP, so two per K seconds). With --result-ms MS the result
# stays on the screen MS milliseconds ([daemon] result_timeout_ms; 120 s by default), and the idle
# window starts once it has gone back to the payment application: the daemon as it waits for the
# next press, without the screen it saved to give back (by default the window starts while the
# result is still shown).
#
#   tests/bench/daemon_idle.sh [--posdiag PATH] [--seconds N] [--strace] [--fleet K]
#                              [--result-ms MS]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
posdiag="${POSDIAG:-$src/build/release/agent/posdiag}"
[ -x "$posdiag" ] || posdiag="$src/build/dev/agent/posdiag"
seconds=60
use_strace=0
fleet=""
result_ms=""
while [ $# -gt 0 ]; do
  case "$1" in
    --posdiag) posdiag=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --strace) use_strace=1; shift ;;
    --fleet) fleet=$2; shift 2 ;;
    --result-ms) result_ms=$2; shift 2 ;;
    *) echo "usage: $0 [--posdiag PATH] [--seconds N] [--strace] [--fleet K] [--result-ms MS]" >&2
       exit 2 ;;
  esac
done
command -v umockdev-run >/dev/null || { echo "umockdev-run is missing: bash setup.sh deps" >&2; exit 1; }
if [ $use_strace = 1 ]; then
  command -v strace >/dev/null || { echo "strace is missing (apt-get install strace)" >&2; exit 1; }
fi

if [ -z "${SIM_CONFIG:-}" ]; then
  export SIM_POSDIAG=$posdiag
  args=(--posdiag "$posdiag" --seconds "$seconds")
  [ $use_strace = 1 ] && args+=(--strace)
  [ -n "$fleet" ] && args+=(--fleet "$fleet")
  [ -n "$result_ms" ] && args+=(--result-ms "$result_ms")
  exec "$src/tests/sim/posdiag-sim" exec healthy -- "$0" "${args[@]}"
fi

work=$(dirname "$SIM_CONFIG")/idle
mkdir -p "$work" "$SIM_ROOT/dev/input"
ln -sfn /dev/input/event3 "$SIM_ROOT/dev/input/event3"
printf '\n[keys]\ndiagnose = "KEY_F1"\n' >>"$SIM_CONFIG"
[ -n "$result_ms" ] && printf '\n[daemon]\nresult_timeout_ms = %s\n' "$result_ms" >>"$SIM_CONFIG"
if [ -n "$fleet" ]; then
  port=$("$src/tests/fleet/broker.sh" start "$work/broker")
  trap '"$src/tests/fleet/broker.sh" stop "$work/broker"' EXIT
  mkdir -p "$SIM_ROOT/etc/fleet"
  cp "$work/broker"/{ca.crt,term-0001.crt,term-0001.key} "$SIM_ROOT/etc/fleet/"
  {
    printf '[fleet]\nbroker = "mqtts://localhost:%s"\nca_file = "/etc/fleet/ca.crt"\n' "$port"
    printf 'client_cert = "/etc/fleet/term-0001.crt"\nclient_key = "/etc/fleet/term-0001.key"\n'
    printf 'terminal_id = "term-0001"\noutbox_dir = "%s/outbox"\nkeepalive_s = %s\n' "$work" "$fleet"
  } >>"$SIM_CONFIG"
fi
# One diagnose press half a second after the daemon opens the keypad, then nothing.
printf 'E: 0.500000 0001 003b 0001\nE: 0.500000 0000 0000 0000\nE: 0.550000 0001 003b 0000\nE: 0.550000 0000 0000 0000\n' >"$work/press.evemu"

mkfifo "$work/out"
"$src/tests/umockdev/umockdev-run-serialized" -d "$src/tests/daemon/keypad.umockdev" -i "/dev/input/event3=$src/tests/daemon/keypad.ioctl" \
  -e "/dev/input/event3=$work/press.evemu" -- "$posdiag" daemon --config "$SIM_CONFIG" >"$work/out" &
runner=$!
exec 3<"$work/out"
line=""
until [[ $line == *"posdiag daemon: report "* ]]; do
  IFS= read -r -t 60 line <&3 || { echo "the daemon ran no diagnosis" >&2; kill "$runner"; exit 1; }
done
pid=$(pgrep -n -P "$runner" -x posdiag || echo "$runner")
[ "$(cat "/proc/$pid/comm")" = posdiag ] || { echo "cannot find the daemon's pid" >&2; exit 1; }

# The run's probe threads have ended (or are stragglers); from here the daemon is idle (with a
# fleet link: once the report is acknowledged and the outbox is empty).
if [ -n "$fleet" ]; then
  for _ in $(seq 1 100); do
    [ -z "$(find "$work/outbox" -maxdepth 1 -name '[0-9]*.json' 2>/dev/null)" ] && break
    sleep 0.1
  done
  sleep 1
fi
# The result's time on the screen, and a little more for the screen to be given back.
if [ -n "$result_ms" ]; then
  sleep "$(awk -v ms="$result_ms" 'BEGIN { printf "%.3f", ms / 1000 + 0.5 }')"
fi
switches() {
  local total=0 t v
  for t in /proc/"$pid"/task/*/status; do
    v=$(awk '/^(non)?voluntary_ctxt_switches/ {s += $2} END {print s}' "$t" 2>/dev/null || echo 0)
    total=$((total + v))
  done
  echo "$total"
}
threads() { ls "/proc/$pid/task" | wc -l; }
before=$(switches)
if [ $use_strace = 1 ]; then
  timeout --signal=INT "$seconds" strace -f -c -p "$pid" -o "$work/strace" 2>/dev/null || true
else
  # The benchmark's own clock: the daemon is left alone this long.
  sleep "$seconds"
fi
after=$(switches)
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
echo "posdiag: $posdiag"
shown=""
[ -n "$result_ms" ] && shown=" and the ${result_ms} ms its result was shown"
echo "idle: ${seconds} s after one diagnosis${shown}; threads: $(threads)"
awk -v r="$rss" -v h="$hwm" 'BEGIN { printf "RSS: %.2f MB now, %.2f MB peak\n", r / 1024, h / 1024 }'
echo "context switches while idle (all threads): $((after - before))"
# RSS counts a shared library's pages in full though other processes map them too: PSS shares
# them out, the private pages are the daemon's alone. The test bed's preloads (umockdev's and the
# lock of tests/umockdev), which no terminal has, are counted apart.
awk '/^[0-9a-f]+-[0-9a-f]+ / { bed = ($6 ~ /umockdev/) }
     /^Rss:/ { if (bed) b += $2 }
     /^Pss:/ { p += $2 }
     /^Private_(Clean|Dirty):/ { u += $2 }
     END { printf "PSS: %.2f MB; private: %.2f MB; the test bed'"'"'s preloads: %.2f MB of the RSS\n",
                  p / 1024, u / 1024, b / 1024 }' "/proc/$pid/smaps"
# Where the resident pages are: the largest mappings by RSS (kB), anonymous ones as [anon].
echo "largest mappings by RSS:"
awk '/^[0-9a-f]+-[0-9a-f]+ / { name = (NF >= 6 ? $6 : "[anon]") }
     /^Rss:/ { rss[name] += $2 }
     END { for (n in rss) printf "  %6d kB  %s\n", rss[n], n }' "/proc/$pid/smaps" | sort -rn | head -12
[ -n "$fleet" ] && echo "connected to the broker, keepalive ${fleet} s: $(awk -v n=$((after - before)) -v s="$seconds" 'BEGIN { printf "%.1f", n * 60 / s }') per minute"
if [ $use_strace = 1 ]; then
  calls=$(awk '$NF == "total" {print $(NF-2)}' "$work/strace")
  echo "system calls while idle (strace -f -c): ${calls:-0}"
  cat "$work/strace"
fi
kill -TERM "$runner"
cat <&3 >/dev/null
wait "$runner"
