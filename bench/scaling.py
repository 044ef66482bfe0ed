#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""How the cost of sampling grows with threads: fixed work split over 1,
2, 4, 8, 16 and 64 threads that all run (bench/workloads/spinners.c, C,
no GIL: every thread is on a CPU or waiting for one), and fixed work on
one Python thread beside 1,000 sleeping ones (bench/workloads/idle1000.py,
by default and with --idle).  Slowdown against the same work alone in the
same round, samples/s and the median stop, for pysample, the floor
(bench/floor.c) and perf record --call-graph dwarf; medians of --rounds
interleaved rounds.

    python3 bench/scaling.py [--pysample ./pysample] [--python PATH]
        [--hz 999] [--rounds 3] [--threads 1,2,4,8,16,64]"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def elapsed(stdout):
    m = re.search(r"elapsed ([\d.]+)", stdout)
    if not m:
        sys.exit("the workload printed no elapsed time:\n" + stdout)
    return float(m.group(1))


def one(sampler, hz, target, floor, tmp):
    """(elapsed, samples/s, median stop us) of the workload under sampler."""
    out = os.path.join(tmp, "out")
    if sampler == "alone":
        return elapsed(bench.sh(target).stdout), None, None
    if sampler == "floor":
        stdout, res = bench.run_floor(floor, hz, target)
        e = elapsed(stdout)
        return e, (res.get("samples") or 0) / e, res.get("stop_med")
    if sampler == "perf":
        p = bench.sh(["perf", "record", "-F", str(hz), "-e", "cpu-clock", "--call-graph",
                      "dwarf", "-q", "-o", out + ".data", "--"] + target)
        e = elapsed(p.stdout)
        n = bench.sh(["perf", "script", "-F", "tid", "-i", out + ".data"]).stdout.count("\n")
        return e, n / e, None
    binary, _, extra = sampler.partition(":")
    p = bench.sh([binary, "-F", str(hz)] + [x for x in extra.split(",") if x] +
                 ["-o", out + ".perf", "--stats", out + ".stats", "--"] + target)
    res = bench.run_results(p.stderr, out + ".stats")
    e = elapsed(p.stdout)
    return e, (res.get("samples") or 0) / e, res.get("stop_med")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pysample", default="./pysample")
    ap.add_argument("--python", default=os.path.expanduser("~/.pyenv/versions/3.12.1/bin/python"))
    ap.add_argument("--hz", type=int, default=999)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", default="1,2,4,8,16,64")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="pysample-scaling-")
    floor, _ = bench.build(tmp, a.python)
    spinners = os.path.join(tmp, "spinners")
    r = bench.sh(["cc", "-O2", "-pthread", "-g", "-o", spinners,
                  os.path.join(HERE, "workloads", "spinners.c")])
    if r.returncode:
        sys.exit(r.stderr)
    perf = ["perf"] if bench.perf_works() else []
    cases = [("%s running threads (C)" % n, [spinners, n], ["alone", a.pysample, "floor"] + perf)
             for n in a.threads.split(",")]
    cases.append(("1 running + 1,000 sleeping (Python)",
                  [a.python, os.path.join(HERE, "workloads", "idle1000.py")],
                  ["alone", a.pysample, a.pysample + ":--idle", "floor"] + perf))
    print("%d Hz, %d rounds; medians (slowdown's min-max)" % (a.hz, a.rounds))
    print("| workload | sampler | slowdown | samples/s | median stop, us |")
    print("|---|---|---|---|---|")
    for label, target, samplers in cases:
        results = {s: [] for s in samplers}
        for _ in range(a.rounds):
            for s in samplers:
                results[s].append(one(s, a.hz, target, floor, tmp))
        alone = statistics.median(x[0] for x in results["alone"])
        for s in samplers[1:]:
            rs = results[s]
            slow = [x[0] / alone for x in rs]
            sps = [x[1] for x in rs if x[1] is not None]
            stop = [x[2] for x in rs if x[2] is not None]
            name = "pysample " + (s.partition(":")[2] or "") if s.startswith(a.pysample) else s
            print("| %s | %s | %.2fx (%.2f-%.2f) | %s | %s |" % (
                label, name.strip(), statistics.median(slow), min(slow), max(slow),
                "%.0f" % statistics.median(sps) if sps else "-",
                "%.1f" % statistics.median(stop) if stop else "-"), flush=True)


if __name__ == "__main__":
    main()
