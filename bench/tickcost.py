#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What each way of stopping a thread costs the thread itself, in CPU
time of its own: the workload's user+system time (getrusage, read inside
it) under each sampler, minus its time alone, divided by the stops it
took.  A per-thread timer's tick (a perf cpu-clock event that signals the
thread) and a PTRACE_INTERRUPT both stop the thread, but the timer's
overflow, its signal and its restart at every switch run on the thread's
own CPU time, which also makes the ticks come sooner.  Medians of
--rounds interleaved runs.

    python3 bench/tickcost.py [--pysample ./pysample] [--python PATH]
        [--hz 9999] [--rounds 5]"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402

WRAP = """import resource, runpy, sys
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
r = resource.getrusage(resource.RUSAGE_SELF)
print("cpu %.6f" % (r.ru_utime + r.ru_stime))
"""


def cpu_of(stdout):
    m = re.search(r"^cpu ([\d.]+)$", stdout, re.M)
    if not m:
        sys.exit("the workload printed no CPU time:\n" + stdout)
    return float(m.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pysample", default="./pysample")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--hz", type=int, default=9999)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    tmp = tempfile.mkdtemp(prefix="tickcost-")
    floor, _ = bench.build(tmp, a.python)
    wrap = os.path.join(tmp, "wrap.py")
    with open(wrap, "w") as f:
        f.write(WRAP)
    target = [a.python, wrap, os.path.join(here, "workloads", "split.py"), "1000"]
    modes = [("timer", ["--stop-by=timer"]), ("interrupt", ["--stop-by=interrupt"])]
    alone, per = [], {m: [] for m, _ in modes}
    per["floor (bench/floor.c)"] = []
    for _ in range(a.rounds):
        alone.append(cpu_of(bench.sh(target).stdout))
        for mode, extra in modes:
            out = os.path.join(tmp, "out.perf")
            p = bench.sh([a.pysample, "-F", str(a.hz)] + extra + ["-o", out, "--stats",
                                                                   out + ".stats", "--"] + target)
            stats = bench.run_results(p.stderr, out + ".stats")
            per[mode].append((cpu_of(p.stdout), stats.get("samples") or 0))
        stdout, res = bench.run_floor(floor, a.hz, target)
        per["floor (bench/floor.c)"].append((cpu_of(stdout), res.get("samples") or 0))
    base = statistics.median(alone)
    print("%s, split.py at %d Hz, %d rounds: alone %.3f s of CPU (median)" % (
        a.python, a.hz, a.rounds, base))
    print("| stopped by | the workload's CPU, s | stops | extra CPU per stop, us |")
    print("|---|---|---|---|")
    for mode in per:
        cpu = statistics.median(c for c, _ in per[mode])
        stops = statistics.median(n for _, n in per[mode])
        print("| %s | %.3f | %d | %.1f |" % (mode, cpu, stops,
                                             (cpu - base) / stops * 1e6 if stops else float("nan")))


if __name__ == "__main__":
    main()
