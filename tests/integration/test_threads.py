# SPDX-License-Identifier: GPL-2.0-or-later
"""Every thread is sampled, each with its own stack on its own tid, and
threads that start and end during the run are sampled too."""
import json
import os
import subprocess
from collections import Counter

from pstest import TMP, PYSAMPLE, each_interpreter, ok, done, parse, read_stats, target

for label, python in each_interpreter("threads"):
    out = os.path.join(TMP, "threads-%s.perf" % label)
    p = subprocess.run([PYSAMPLE, "-F", "499", "-o", out, "--", python, target("threads.py"), "1.5"],
                       capture_output=True, text=True, timeout=120)
    ok(p.returncode == 0, "%s: threaded target exits 0" % label, p.stderr)
    tids = {}
    for line in p.stdout.splitlines():
        if line.startswith("thread "):
            _, func, tid = line.split()
            tids[func] = int(tid)
    records = parse(open(out).read())
    for func, tid in sorted(tids.items()):
        # Only samples inside the test script: start-up, imports and
        # shutdown of the main thread are not part of the assertion.
        mine = [r for r in records if r.tid == tid and any("threads.py" in s for s in r.syms())]
        right = [r for r in mine if func in r.py_names()]
        # Each thread spins ~1.5 s but the 2 CPUs are shared by 4 threads.
        ok(len(mine) > 30 and len(right) >= 0.9 * len(mine),
           "%s: thread %s (tid %d): %d samples, %d in %s" % (label, func, tid, len(mine), len(right), func))
    ok(len(tids) == 4, "%s: the target reported its 4 threads" % label, p.stdout)
    # perf text's comm is threading's name for the thread where it has
    # one (threads.py names each after its function); the main thread's
    # start-up, before threading is imported, keeps the kernel's.
    # A second run before failing, as for speedscope below (a last worker
    # on debian-3.11-dbg under ASan once waited 0.4 s for its name).
    def perf_names(records, tids):
        named = {func: sum(1 for r in records if r.tid == tid and
                           r.comm == ("MainThread" if func == "main_spin" else func))
                 for func, tid in tids.items()}
        every = {func: sum(1 for r in records if r.tid == tid) for func, tid in tids.items()}
        good = len(tids) == 4 and all(named[f] >= (0.7 if f == "main_spin" else 0.9) * every[f]
                                      for f in tids)
        return good, ", ".join("%s %d/%d" % (f, named[f], every[f]) for f in sorted(tids))

    good, said = perf_names(records, tids)
    if not good:
        again = subprocess.run([PYSAMPLE, "-F", "499", "-o", out, "--", python,
                                target("threads.py"), "1.5"], capture_output=True, text=True,
                               timeout=120)
        tids2 = {line.split()[1]: int(line.split()[2]) for line in again.stdout.splitlines()
                 if line.startswith("thread ")}
        good, said2 = perf_names(parse(open(out).read()), tids2)
        said = "%s (second run; the first: %s)" % (said2, said)
    ok(good, "%s: perf text names threads as threading does: %s" % (label, said))
    out = os.path.join(TMP, "threads-os-%s.perf" % label)
    p = subprocess.run([PYSAMPLE, "-F", "499", "--os-thread-names", "-o", out, "--", python,
                        target("threads.py"), "0.5"], capture_output=True, text=True, timeout=120)
    comms = {r.comm for r in parse(open(out).read())} if p.returncode == 0 else set()
    ok(comms and not comms & {"MainThread", "worker_alpha", "worker_beta", "worker_gamma"},
       "%s: --os-thread-names: the kernel's names (%s)" % (label, ", ".join(sorted(comms))),
       p.stderr)

    # Where threads are told apart, threading's name (threads.py names
    # each thread after its function; the main one is MainThread).
    def speedscope_names(out):
        """{function: (profile name, its weight, the thread's weight)}, and the run."""
        p = subprocess.run([PYSAMPLE, "-F", "499", "-o", out, "--", python, target("threads.py"),
                            "1"], capture_output=True, text=True, timeout=120)
        profiles = json.load(open(out))["profiles"] if p.returncode == 0 else []
        weight = Counter()
        for prof in profiles:
            weight[prof["name"]] += sum(prof["weights"])
        named = {}
        for line in p.stdout.splitlines():
            if line.startswith("thread "):
                _, func, tid = line.split()
                mine = {n: w for n, w in weight.items() if n.endswith(", tid %s)" % tid)}
                best = max(mine, key=mine.get) if mine else ""
                named[func] = (best.split(" (pid")[0], mine.get(best, 0), sum(mine.values()))
        return named, p

    # The main thread has no threading name before threading is imported
    # (the interpreter's start-up: 10% of its samples here); the others
    # have theirs from their first moments.  Once, in CI, the last worker
    # of debian-3.11-dbg stayed unnamed for its whole second (not seen in
    # any run since; a second run is made before failing, and the first's
    # names are said).
    def all_named(named):
        expect = {f: "MainThread" if f == "main_spin" else f for f in named}
        return len(named) == 4 and all(
            named[f][0] == expect[f] and
            named[f][1] >= (0.7 if f == "main_spin" else 0.9) * named[f][2] for f in named)

    out = os.path.join(TMP, "threads-%s.speedscope.json" % label)
    named, p = speedscope_names(out)
    first = ""
    if not all_named(named):
        first = " (second run; the first: %s)" % ", ".join("%s %d/%d" % v
                                                           for v in sorted(named.values()))
        named, p = speedscope_names(out)
    ok(all_named(named),
       "%s: speedscope names each thread as threading does: %s%s" % (
           label, ", ".join("%s %d/%d" % v for v in sorted(named.values())), first), p.stderr)

    out = os.path.join(TMP, "churn-%s.perf" % label)
    p = subprocess.run([PYSAMPLE, "-F", "999", "-o", out, "--", python, target("churn.py"), "1.5"],
                       capture_output=True, text=True, timeout=120)
    records = parse(open(out).read())
    short = Counter(r.tid for r in records if "short_lived" in r.py_names())
    ok(p.returncode == 0 and len(short) >= 20,
       "%s: short-lived threads sampled: %d distinct tids in short_lived()" % (label, len(short)),
       p.stderr)

    # The main thread creates threads all the time: a PTRACE_INTERRUPT that
    # a clone event consumes must still give its sample, at that stop,
    # without a timeout that would leave the thread unsampled for a while.
    out = os.path.join(TMP, "churn-idle-%s.perf" % label)
    p = subprocess.run([PYSAMPLE, "--idle", "-F", "999", "-o", out, "--stats", out + ".stats",
                        "--", python, target("churn.py"), "1.5"], capture_output=True, text=True,
                       timeout=120)
    stats = read_stats(out + ".stats")
    records = parse(open(out).read())
    main = [r for r in records if r.tid == r.pid]
    ticks = stats["seconds"] * stats["hz_achieved"] \
        if "seconds" in stats and "hz_achieved" in stats else 0
    timeouts = stats.get("failed_stop_timeout")
    # Snapshots dropped while processing is behind (Debian's python3.11
    # loads half a second of debug information first) are counted apart.
    dropped = int(stats.get("failed_dropped", 0))
    # (Before the fix it got 10-29% of the ticks, and 70-80% while a
    # runnable thread without a recent tick was taken to be on its way to
    # one: this one runs in bursts shorter than a period, between waits
    # for the GIL and for its threads.  Now 97-98% here; the margin is for
    # the sanitizer build, whose own cost is several times larger, and for
    # a loaded machine.)
    ok(ticks > 0 and len(main) >= 0.85 * (ticks - dropped) and timeouts == 0,
       "%s: --idle under thread churn: the thread creating threads has %d samples of %.0f ticks "
       "(%d snapshots dropped), no stop timed out" % (label, len(main), ticks, dropped), p.stderr)
done()
