#!/usr/bin/env bash
# Start-up overhead and peak RSS of `posdiag selftest` on the simulated terminal's healthy
# scenario. Per run: the whole process's wall time (spawn to exit, taken by the parent) minus the
# run's own `duration_ms` from its JSON report. duration_ms covers the probes, the evaluation and
# the hand-off summary; the rest is loading and initialising (shared libraries, config, logger,
# catalogue) before, and the sinks (log and history, each fsynced, and the report on stdout) and
# the exit after. Also each run's CPU time (user and system, all threads, from wait4), which a
# busy machine disturbs less than wall time, and the peak RSS of separate runs under GNU time
# (-v). The binaries take turns, run by run, so a busy moment of the machine falls on all alike.
#
#   tests/bench/startup_bench.sh [--runs N] [--scenario NAME] POSDIAG...
#
# duration_ms is whole milliseconds, truncated: the overhead is overstated by up to 1 ms
# (0.5 ms on average) on every run, for every binary alike. The script also prints what spawning
# /bin/true costs, measured the same way: the part of the overhead no program can avoid.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
runs=20
scenario=healthy
binaries=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --scenario) scenario=$2; shift 2 ;;
    -*) echo "usage: $0 [--runs N] [--scenario NAME] POSDIAG..." >&2; exit 2 ;;
    *) binaries+=("$(realpath -- "$1")"); shift ;;
  esac
done
[ ${#binaries[@]} -gt 0 ] || binaries=("$src/build/release/agent/posdiag")
[ -x /usr/bin/time ] || { echo "GNU time is missing: bash setup.sh deps" >&2; exit 1; }

# Measure inside the simulated terminal (its namespaces and services), as `posdiag-sim run` does.
if [ -z "${SIM_CONFIG:-}" ]; then
  exec "$src/tests/sim/posdiag-sim" exec "$scenario" -- \
    "$0" --runs "$runs" --scenario "$scenario" "${binaries[@]}"
fi

python3 - "$SIM_CONFIG" "$runs" "${binaries[@]}" <<'PY'
import json, os, statistics, subprocess, sys, tempfile, time

config, runs, binaries = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
overhead = {b: [] for b in binaries}
wall = {b: [] for b in binaries}
rss = {b: [] for b in binaries}
cpu = {b: [] for b in binaries}
with tempfile.TemporaryDirectory() as work:
    out_path = os.path.join(work, "report.json")
    time_path = os.path.join(work, "time.txt")
    for binary in binaries:  # warm the page cache and the simulated services
        for _ in range(3):
            subprocess.run([binary, "selftest", "--config", config, "--format", "json"],
                           stdout=subprocess.DEVNULL, check=True)
    for _ in range(runs):
        for binary in binaries:
            with open(out_path, "wb") as out:
                argv = [binary, "selftest", "--config", config, "--format", "json"]
                start = time.perf_counter_ns()
                pid = os.posix_spawn(binary, argv, os.environ,
                                     file_actions=[(os.POSIX_SPAWN_DUP2, out.fileno(), 1)])
                _, status, usage = os.wait4(pid, 0)
                end = time.perf_counter_ns()
            cpu[binary].append((usage.ru_utime + usage.ru_stime) * 1000)
            if os.waitstatus_to_exitcode(status) != 0:
                sys.exit(f"{binary} exited {status} on the healthy scenario")
            with open(out_path) as f:
                duration_ms = json.load(f)["duration_ms"]
            w = (end - start) / 1e6
            wall[binary].append(w)
            overhead[binary].append(w - duration_ms)
            subprocess.run(["/usr/bin/time", "-v", "-o", time_path, binary, "selftest",
                            "--config", config, "--format", "json"],
                           stdout=subprocess.DEVNULL, check=True)
            with open(time_path) as f:
                for line in f:
                    if "Maximum resident set size" in line:
                        rss[binary].append(int(line.split(":")[1]) / 1024)

# The floor: spawning and reaping a program that does nothing, measured the same way.
floor = []
for _ in range(runs):
    start = time.perf_counter_ns()
    pid = os.posix_spawn("/bin/true", ["/bin/true"], os.environ)
    os.waitpid(pid, 0)
    floor.append((time.perf_counter_ns() - start) / 1e6)
print(f"/bin/true (the spawn floor): median {statistics.median(floor):.2f} ms "
      f"(min {min(floor):.2f}, max {max(floor):.2f})")
print(f"load average: {os.getloadavg()[0]:.2f}")
for binary in binaries:
    o, w, r, c = overhead[binary], wall[binary], rss[binary], cpu[binary]
    print(f"posdiag: {binary}")
    print(f"  wall time: median {statistics.median(w):.2f} ms (min {min(w):.2f}, max {max(w):.2f})")
    print(f"  start-up overhead (wall - duration_ms): median {statistics.median(o):.2f} ms "
          f"(min {min(o):.2f}, max {max(o):.2f}), {len(o)} runs")
    print(f"  CPU time (user + sys, all threads): median {statistics.median(c):.2f} ms "
          f"(min {min(c):.2f}, max {max(c):.2f})")
    print(f"  peak RSS: median {statistics.median(r):.2f} MB (min {min(r):.2f}, max {max(r):.2f}), "
          f"{len(r)} runs")
PY
