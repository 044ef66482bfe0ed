#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What each output format costs pysample on a long run: peak RSS, CPU
time per sample and the file's size, for every writer on the same
workload (bench/workloads/manystacks.py: distinct stacks keep growing, as
a real service's do), interleaved over rounds; medians.  The aggregating
writers keep every distinct stack once with its count, never a record per
sample: their RSS must follow the distinct stacks, not the run's length
(compare two durations).

    python3 bench/writers.py [--pysample ./pysample] [--python PATH]
        [--seconds 60 [--seconds 300 ...]] [--rounds 3] [--hz 999]"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402

FORMATS = (("perf", "perf"), ("collapsed", "folded"), ("svg", "svg"),
           ("speedscope", "speedscope.json"), ("pprof", "pb.gz"))


def one(pysample, python, hz, seconds, fmt, ext, tmp):
    out = os.path.join(tmp, "out." + ext)
    stats = out + ".stats"
    workload = os.path.join(os.path.dirname(os.path.abspath(__file__)), "workloads",
                            "manystacks.py")
    p = subprocess.run([pysample, "-F", str(hz), "-f", fmt, "-o", out, "--stats", stats, "--",
                        python, workload, str(seconds)], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("%s failed:\n%s" % (fmt, p.stderr[-2000:]))
    res = bench.run_results(p.stderr, stats)
    folded = None
    if fmt == "collapsed":
        with open(out) as f:
            folded = sum(1 for _ in f)
    return {"rss": res.get("rss"), "cpu_us": res.get("cpu"),
            "samples": res.get("samples"), "size": os.path.getsize(out) / 2**20,
            "stacks": folded}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pysample", default="./pysample")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--seconds", type=float, action="append")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--hz", type=float, default=999)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="pysample-writers-")
    for seconds in args.seconds or [60]:
        results = {fmt: [] for fmt, _ in FORMATS}
        for r in range(args.rounds):
            for fmt, ext in FORMATS:
                results[fmt].append(one(args.pysample, args.python, args.hz, seconds, fmt, ext,
                                        tmp))
        print("%g s at %g Hz, %d rounds (medians; spread = min-max)" % (seconds, args.hz,
                                                                       args.rounds))
        print("%-11s %9s %13s %15s %10s %8s" % ("format", "samples", "peak RSS MiB",
                                                "CPU us/sample", "file MiB", "stacks"))
        for fmt, _ in FORMATS:
            rs = results[fmt]
            rss = [x["rss"] for x in rs]
            per = [x["cpu_us"] for x in rs]
            stacks = [x["stacks"] for x in rs if x["stacks"]]
            print("%-11s %9d %6.1f (%.1f-%.1f) %7.1f (%.0f-%.0f) %10.2f %8s" % (
                fmt, statistics.median(x["samples"] for x in rs), statistics.median(rss),
                min(rss), max(rss), statistics.median(per), min(per), max(per),
                statistics.median(x["size"] for x in rs),
                "%d" % statistics.median(stacks) if stacks else "-"))


if __name__ == "__main__":
    main()
