#!/usr/bin/env python3
"""posdiag-sim stopped from outside leaves nothing running.

Each case starts `posdiag-sim exec SCENARIO -- sh -c 'touch READY; sleep 60'` in a session of its
own with SIGINT at its default (as a shell's foreground job has it), waits until the command runs
inside the terminal with every simulator up, then stops the script:

  - SIGINT to its process group, as Ctrl-C sends it: exit status 130;
  - SIGTERM to the script: 143;
  - SIGKILL to the script, which no trap sees: the parent-death signal takes the terminal down,
    and the next posdiag-sim removes the directory left behind.

After each, no process that carries this test's own marker in its environment may be alive (within
a few seconds), and the terminal's directory must be gone. A scenario with many services
(pcscd, the card simulators, dnsmasq, the TLS server, the modem and the printer) is used.

  interrupt_test.py POSDIAG_SIM
"""
import glob
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid

SCENARIO = "reader-serial-pcscd"


def marked(marker):
    """PIDs of live processes whose environment holds the marker."""
    pids = []
    for d in glob.glob("/proc/[0-9]*"):
        try:
            with open(d + "/status") as f:
                if any(line.startswith("State:") and "Z" in line.split()[1:2] for line in f):
                    continue
            with open(d + "/environ", "rb") as f:
                if marker.encode() in f.read().split(b"\0"):
                    pids.append(int(d[6:]))
        except OSError:
            pass
    return pids


def wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def terminal_dirs(tmp):
    return sorted(glob.glob(os.path.join(tmp, "posdiag-sim.*")))


def case(sim, how, tmp):
    marker = "POSDIAG_SIM_INTERRUPT_TEST=" + uuid.uuid4().hex
    ready = os.path.join(tmp, "ready")
    if os.path.exists(ready):
        os.unlink(ready)
    env = dict(os.environ, TMPDIR=tmp)
    env[marker.split("=")[0]] = marker.split("=")[1]
    proc = subprocess.Popen(
        [sim, "exec", SCENARIO, "--", "sh", "-c", f"touch {ready}; exec sleep 60"],
        env=env, start_new_session=True, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if not wait_for(lambda: os.path.exists(ready) or proc.poll() is not None, 60):
            return f"{how}: the terminal did not come up in 60 s"
        if proc.poll() is not None:
            return f"{how}: posdiag-sim ended early ({proc.returncode}): {proc.stderr.read()!r}"
        running = marked(marker)
        if len(running) < 5:
            return f"{how}: expected the terminal's services to run, found {len(running)} processes"
        if how == "SIGINT":
            os.killpg(proc.pid, signal.SIGINT)
            want = 130
        elif how == "SIGTERM":
            os.kill(proc.pid, signal.SIGTERM)
            want = 143
        else:
            os.kill(proc.pid, signal.SIGKILL)
            want = -signal.SIGKILL
        try:
            status = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            return f"{how}: posdiag-sim still running 10 s after the signal"
        if status != want:
            return f"{how}: exit status {status}, expected {want}"
        if not wait_for(lambda: not marked(marker), 5):
            left = marked(marker)
            names = []
            for pid in left:
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        names.append(f"{pid}: " + f.read().replace(b"\0", b" ").decode()[:120])
                except OSError:
                    pass
            for pid in left:  # so that the failure leaves nothing running either
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            return f"{how}: processes left running: {names}"
        if how != "SIGKILL" and terminal_dirs(tmp):
            return f"{how}: the terminal's directory is left: {terminal_dirs(tmp)}"
        return None
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def main():
    sim = sys.argv[1]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for how in ("SIGINT", "SIGTERM", "SIGKILL"):
            error = case(sim, how, tmp)
            print(f"{how}: {error or 'nothing left'}")
            if error:
                failures.append(error)
        # The SIGKILLed run could not remove its directory; the next run removes it.
        left = terminal_dirs(tmp)
        if not left:
            failures.append("SIGKILL: no directory was left behind, so the sweep is not tested")
        else:
            subprocess.run([sim, "exec", SCENARIO, "--", "true"], env=dict(os.environ, TMPDIR=tmp),
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=True)
            if terminal_dirs(tmp):
                failures.append(f"the next run did not remove a dead run's directory: {terminal_dirs(tmp)}")
    for failure in failures:
        print("FAIL: " + failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
