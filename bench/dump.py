#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What `pysample dump` costs its target: how long each thread stands
still (from its interrupt to the end of its copy, pysample's own
stop_max_us, and the copy alone; and from the first interrupt to the
last copy, how far apart the stacks' instants are), with and without --locals, for the
three-thread --locals program and for 201 parked threads; and how long a
dump of the 201 threads takes from start to exit.  Dumps alternate
between the variants, and the figures are medians (with the spread) of
--rounds dumps of each.

    python3 bench/dump.py [--pysample ./pysample] [--python PATH] [--rounds 15]"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

TARGETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "targets")


def start(python, script, *args, ready):
    proc = subprocess.Popen([python, os.path.join(TARGETS, script)] + list(args),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.startswith(ready):
            return proc
    sys.exit("%s did not start: %s" % (script, proc.stderr.read()))


def dump(pysample, pid, *args):
    t0 = time.monotonic()
    p = subprocess.run([pysample, "dump", "-p", str(pid), "--json"] + list(args),
                       capture_output=True, text=True)
    wall = (time.monotonic() - t0) * 1e3
    if p.returncode != 0:
        sys.exit("dump failed:\n" + p.stderr[-2000:])
    data = json.loads(p.stdout)
    return data["stop_max_us"], data["copy_max_us"], data["stop_span_us"], wall


def spread(values):
    return "%.0f (%.0f-%.0f)" % (statistics.median(values), min(values), max(values))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pysample", default="./pysample")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--rounds", type=int, default=15)
    a = ap.parse_args()
    cases = [("locals program, 3 threads", "dump_locals.py", (), "ready", ()),
             ("locals program, 3 threads", "dump_locals.py", (), "ready", ("--locals",)),
             ("201 parked threads", "dump_many.py", ("200",), "READY", ()),
             ("201 parked threads", "dump_many.py", ("200",), "READY", ("--locals",))]
    procs = {}
    results = {i: [] for i in range(len(cases))}
    try:
        for i, (_, script, args, ready, _) in enumerate(cases):
            if script not in procs:
                procs[script] = start(a.python, script, *args, ready=ready)
        for _ in range(a.rounds):
            for i, (_, script, _, _, extra) in enumerate(cases):
                results[i].append(dump(a.pysample, procs[script].pid, *extra))
    finally:
        for proc in procs.values():
            proc.kill()
            proc.wait()
    print("%s, %d dumps of each, medians (min-max):" % (a.python, a.rounds))
    print("| target | options | longest stop of a thread, us | its copy alone, us | "
          "first interrupt to last copy, us | dump's wall time, ms |")
    print("|---|---|---|---|---|---|")
    for i, (label, _, _, _, extra) in enumerate(cases):
        r = results[i]
        print("| %s | %s | %s | %s | %s | %s |" % (
            label, " ".join(extra) or "-", spread([x[0] for x in r]), spread([x[1] for x in r]),
            spread([x[2] for x in r]), spread([x[3] for x in r])))


if __name__ == "__main__":
    main()
