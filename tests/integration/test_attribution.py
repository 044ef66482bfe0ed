# SPDX-License-Identifier: GPL-2.0-or-later
"""A sample is where the thread was at the tick.  A PTRACE_INTERRUPT sent
from pysample's clock reaches a running thread tens of microseconds later,
and a thread that enters the kernel meanwhile stops on its way out: code
that makes frequent system calls got its samples pulled to them (a C loop
with one system call per 5,000 iterations: 1.6% of its time, 99% of the
samples).  Checked against truths nobody here computes: the programs'
own measure of their CPU-time split, and perf record on the same process
at the same time.  Every function over 5% of the time must be within 2
percentage points, at 999 and 9999 Hz, by default and with --idle."""
import os
import re
import shutil
import subprocess
import tempfile
import time

from pstest import (PYSAMPLE, TMP, diag, done, interpreters, ok, parse, profile, skip, target)

CC = os.environ.get("CC", "cc").split()
TOLERANCE = 0.02
# Long enough for the sampling error to stay well inside the tolerance: at
# 999 Hz, 5 s give 5,000 samples, whose share of a 13% function varies by
# 0.5 points (one standard deviation).
SECONDS = {"999": "5", "9999": "2"}


def build(name, flags=()):
    exe = os.path.join(TMP, name)
    cc = subprocess.run(CC + ["-O2", "-g"] + list(flags) + ["-o", exe, target(name + ".c")],
                        capture_output=True, text=True)
    return exe if ok(cc.returncode == 0, "%s builds" % name, cc.stderr) else None


def truth_of(stdout, names):
    m = re.search(r"^split " + " ".join(r"%s ([\d.]+)" % n for n in names), stdout, re.M)
    return dict(zip(names, (float(g) for g in m.groups()))) if m else None


def cpu_share(p):
    """How much of a CPU the target had while sampled (its timers' CPU time
    over the run's length)."""
    cpu, seconds = p.stats.get("timer_cpu_seconds"), p.stats.get("seconds")
    return float(cpu) / float(seconds) if cpu and seconds else 1.0


def profile_on_a_cpu(args, out, attempts=3):
    """A run whose target had at least half a CPU, or the best of
    `attempts`.  A CPU-time split is only measured where the target runs:
    starved by other jobs (under a quarter of a CPU once in CI, beside an
    ASan build), each stop waits for a CPU with the kernel's part of it
    charged to where the thread stopped, and at 9999 Hz a 2% system call
    grew to 7% against the program's own measure, which leaves those
    waits out."""
    best = None
    for _ in range(attempts):
        run = profile(args, out)
        if best is None or (run[0].stats and cpu_share(run[0]) > cpu_share(best[0])):
            best = run
        if cpu_share(run[0]) >= 0.5:
            break
    return best


def starved(what, p):
    share = cpu_share(p)
    if share < 0.5:
        skip(what, "the target had %.0f%% of a CPU in the best of 3 runs: the machine is too busy "
             "to measure a CPU-time split" % (100 * share))
        return True
    return False


def in_stack(record, name):
    return any(s == name or s.startswith(name + ".") or s.startswith("py::%s:" % name)
               for s in record.syms())


def shares(records, names):
    """Share of each function among the samples in any of them."""
    counts = {n: sum(1 for r in records if in_stack(r, n)) for n in names}
    total = sum(counts.values())
    return {n: c / total for n, c in counts.items()} if total else None, total


def far_from(measured, total, truth, min_samples):
    """The functions over 5% measured outside the tolerance (all of them
    when too few samples were taken)."""
    if not measured or total < min_samples:
        return dict(truth)
    return {n: (measured[n], truth[n]) for n in truth
            if truth[n] > 0.05 and abs(measured[n] - truth[n]) > TOLERANCE}


def check(what, measured, total, truth, min_samples, stderr="", tries=1):
    far = far_from(measured, total, truth, min_samples)
    # On failure, how the stops were taken says why.
    how = "\n".join(line for line in stderr.splitlines()
                    if "stops:" in line or "samples from" in line or "warning" in line)
    return ok(not far,
              "%s: %s (truth %s, %d samples%s)" % (
                  what, " ".join("%s %.1f%%" % (n, 100 * v) for n, v in (measured or {}).items()),
                  " ".join("%.1f%%" % (100 * v) for v in truth.values()), total,
                  ", second run" if tries > 1 else ""),
              "%s\n%s" % (far, how))


def measure_split(what, args, out, names, min_samples):
    """Profiles a program that measures its own split, and checks the
    profile against it.  Both are measurements on a shared machine: a
    neighbour's burst once moved one of them 2 points (15.0% against
    13.0%, where five runs beside it gave 12.0-13.6%).  A miss is
    measured again, and only two misses in a row fail: the bug this
    guards against (80% of the samples in a 1.7% system call) misses by
    far every time."""
    for tries in (1, 2):
        p, records, err = profile_on_a_cpu(args, out)
        truth = truth_of(p.stdout, names)
        if not ok(records is not None and truth, "%s: runs" % what,
                  (err or "") + p.stdout + p.stderr):
            return
        if starved(what, p):
            return
        measured, total = shares(records, names)
        if tries == 2 or not far_from(measured, total, truth, min_samples):
            check(what, measured, total, truth, min_samples, p.stderr, tries)
            return
        diag("%s: %s against %s, measured again" % (what, measured, truth))


# A C loop: 500 iterations per getppid (the call 13% of the time) and
# 5,000 (1.6%: under 5%, but the computing around it must keep its 98%).
syscalls = build("syscalls")
names = ("compute", "call_kernel")
if syscalls:
    for every in (500, 5000):
        for hz in ("999", "9999"):
            for mode in ([], ["--idle"]):
                out = os.path.join(TMP, "syscalls-%d-%s%s.perf" % (every, hz, "".join(mode)))
                measure_split("C loop, a system call per %d, -F %s %s" % (every, hz, " ".join(mode)),
                              mode + ["-F", hz, "--", syscalls, str(every), SECONDS[hz]], out,
                              names, 2500 if hz == "999" else 3000)
    # What the summary says: with timers, stops on a system call's exit
    # as often as the thread is in one; the interrupts of
    # --stop-by=interrupt, and of a container whose seccomp profile forbids
    # perf events (Docker's default does), drift to them, and the summary
    # says so, and why.
    noperf = build("noperf")
    on_exit = {}
    for mode in ("timer", "interrupt"):
        out = os.path.join(TMP, "syscalls-summary-%s.perf" % mode)
        p, records, _ = profile(["--stop-by=" + mode, "-F", "999", "--", syscalls, "500", "1"], out)
        on_exit[mode] = p.stats.get("stops_on_syscall_exit_percent")
        if mode == "timer":
            late = p.stats.get("ticks_late")
            ticks = p.stats.get("stops_tick")
            ok(on_exit[mode] is not None and on_exit[mode] < 30 and ticks and ticks > 300 and
               late == 0,
               "the summary counts the stops: %s at the tick, %s%% on a system call's exit, %s late"
               % (ticks, on_exit[mode], late), p.stderr)
        else:
            # How far interrupts drift depends on the machine's load (a
            # thread waiting for a CPU stops where it was preempted):
            # that they were used, and the share, are reported.
            ok("timers off (--stop-by=interrupt)" in p.stderr and on_exit[mode] is not None and
               p.stats.get("stops_tick") == 0 and p.stats.get("stops_interrupt", 0) >= 1,
               "--stop-by=interrupt: stops by interrupt, %s%% of them on a system call's exit "
               "(%s%% with timers)" % (on_exit[mode], on_exit["timer"]), p.stderr)
    if noperf:
        out = os.path.join(TMP, "syscalls-noperf.perf")
        p = subprocess.run([noperf, PYSAMPLE, "-F", "999", "-o", out, "--", syscalls, "500", "1"],
                           capture_output=True, text=True, timeout=60)
        records = parse(open(out).read()) if os.path.exists(out) else []
        ok(p.returncode == 0 and len(records) > 500 and
           re.search(r"warning: running threads are stopped by interrupts, and samples drift "
                     r"toward system calls: perf events not allowed .*seccomp", p.stderr) and
           "timers off (perf events not allowed" in p.stderr,
           "perf_event_open forbidden (seccomp): interrupts instead, %d samples, and the warning "
           "says why" % len(records), p.stderr)

# A Python directory walk, on Debian's python3.11 as the issue saw it (or
# the first CPython found).
python = next((path for label, path in interpreters() if label == "debian-3.11" and path),
              next((path for _, path in interpreters() if path), None))
if python is None:
    skip("Python directory walk", "no CPython on this machine")
else:
    tree = tempfile.mkdtemp(prefix="pys-walk-", dir=TMP)
    names = ("stat_entry", "digest_entry")
    for hz in ("999", "9999"):
        for mode in ([], ["--idle"]):
            out = os.path.join(TMP, "dirwalk-%s%s.perf" % (hz, "".join(mode)))
            measure_split("Python directory walk (%s), -F %s %s" % (os.path.basename(python), hz,
                                                                   " ".join(mode)),
                          mode + ["-F", hz, "--", python, target("dirwalk.py"), tree,
                                  "8" if hz == "999" else "3"], out,
                          names, 2500 if hz == "999" else 3000)


# A phase 500 Python calls deep, 7-9% of the time: its samples cost the
# most to take and to process, and it must get its share all the same, at
# 9999 Hz, and with processing made slow (as on a loaded machine), where
# the ring of stack copies fills up: samples are then kept without their
# native frames (counted, and marked), never dropped by how deep they are.
if python is not None:
    names = ("shallow", "deep")
    for hz, slow in (("9999", None), ("4999", "400")):
        env = dict(os.environ, PYSAMPLE_TEST_PROCESS_EACH_US=slow) if slow else None
        out = os.path.join(TMP, "deepphase-%s.perf" % hz)
        p, records, err = profile(["-F", hz, "--", python, target("deepphase.py"), "3"], out, env=env)
        truth = truth_of(p.stdout, names)
        if not ok(records is not None and truth, "deep phase runs", (err or "") + p.stderr):
            continue
        measured, total = shares(records, names)
        left_out = p.stats.get("failed_no_native")
        marked = sum(1 for r in records if "[native frames left out: processing behind]" in r.syms())
        ok(measured is not None and abs(measured["deep"] - truth["deep"]) <= 0.015 and
           left_out is not None and marked == left_out and (not slow or marked >= 20),
           "a deep phase at -F %s%s: %.1f%% of the samples (truth %.1f%%); %d kept without native "
           "frames, marked" % (hz, " with slow processing" if slow else "",
                               100 * (measured or {}).get("deep", 0), 100 * truth["deep"], marked),
           p.stderr)


def perf_script_records(data):
    """perf script's records, as pstest.parse reads them (its header line
    has a [cpu] field and an event with modifiers)."""
    text = subprocess.run(["perf", "script", "-i", data, "-F", "comm,pid,tid,time,period,event,ip,"
                           "sym,symoff,dso"], capture_output=True, text=True).stdout
    text = re.sub(r"^(\S.*?\d+/\d+\s+[\d.]+:\s+\d+ )(\S+?)(:\S*)?: *$", r"\1\2:", text, flags=re.M)
    return parse(text if text.endswith("\n\n") else text.rstrip("\n") + "\n\n")


# perf record --call-graph dwarf and pysample on the same process at once.
perf = shutil.which("perf")
if syscalls and perf:
    for hz in ("999", "9999"):
        names = ("compute", "call_kernel")
        prog = subprocess.Popen([syscalls, "wait", "500", "6" if hz == "999" else "2"],
                                stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        pid = int(prog.stdout.readline().split()[1])
        data = os.path.join(TMP, "perf-%s.data" % hz)
        rec = subprocess.Popen([perf, "record", "-q", "-F", hz, "--call-graph", "dwarf,4096", "-p",
                                str(pid), "-o", data], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
        out = os.path.join(TMP, "same-process-%s.perf" % hz)
        ps = subprocess.Popen([PYSAMPLE, "-F", hz, "-p", str(pid), "-o", out],
                              stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)  # both attached
        prog.stdin.write("go\n")
        prog.stdin.flush()
        stdout = prog.stdout.read()
        prog.wait(timeout=60)
        ps_err = ps.communicate(timeout=60)[1]
        rec.wait(timeout=60)
        truth = truth_of(stdout, names)
        perf_records = perf_script_records(data) if os.path.exists(data) else []
        if not perf_records:
            skip("perf record on the same process at -F %s" % hz,
                 "perf recorded nothing (perf_event_paranoid, or no perf for this kernel: "
                 "apt-get install linux-perf): %s" % rec.stderr.read()[-300:])
            continue
        ours = parse(open(out).read())
        theirs_share, theirs_n = shares(perf_records, names)
        ours_share, ours_n = shares(ours, names)
        diag("-F %s: truth %s, perf %s (%d), pysample %s (%d)" % (hz, truth, theirs_share,
                                                                  theirs_n, ours_share, ours_n))
        # 2,500 samples put one standard deviation of a 13% share at 0.7
        # points, well inside the tolerance (an ASan build beside another
        # job got 3,098 of the 6,000 a free CPU gives).
        check("same process, -F %s: pysample against perf record --call-graph dwarf" % hz,
              ours_share, ours_n, theirs_share or {}, 2500)
        # Two samplers at 9999 Hz on a busy machine slow the program's
        # system calls, and its own split (of undisturbed windows) no
        # longer describes the run both profiled: perf and pysample once
        # agreed on 19.7% where it said 13.1%.  Then perf, the oracle
        # beside it, is the one to match; pysample alone is checked
        # against the program's split above.
        perf_off = far_from(theirs_share, theirs_n, truth or {}, 2500)
        if perf_off and not far_from(ours_share, ours_n, theirs_share or {}, 2500):
            skip("same process, -F %s: pysample against the program's own split" % hz,
                 "perf, attached at the same time, is as far from it as pysample (%s): the "
                 "program's split was disturbed" % perf_off)
        else:
            check("same process, -F %s: pysample against the program's own split" % hz,
                  ours_share, ours_n, truth or {}, 2500)
elif syscalls:
    skip("perf record on the same process", "no perf: apt-get install linux-perf")
done()
