# SPDX-License-Identifier: GPL-2.0-or-later
"""The per-thread CPU-time timers that stop a running thread at its tick:
the tick signal of a thread that blocks it is changed, a thread that
blocks every signal is sampled by interrupts (and the summary says which),
no tick signal ever reaches the program (it catches both of them here),
not even across detach, a program that execs gets a new timer, and above
10 kHz threads are stopped by interrupts unless timers are asked for."""
import os
import re
import subprocess
import time
from collections import Counter

from pstest import PYSAMPLE, TMP, done, each_interpreter, ok, parse, profile, target

CC = os.environ.get("CC", "cc").split()

masks = os.path.join(TMP, "masks")
cc = subprocess.run(CC + ["-O2", "-g", "-pthread", "-o", masks, target("masks.c")],
                    capture_output=True, text=True)
if ok(cc.returncode == 0, "masks builds", cc.stderr):
    out = os.path.join(TMP, "masks.perf")
    p, records, err = profile(["-F", "999", "--", masks, "2"], out)
    tids = [int(x) for x in re.search(r"^tids (\d+) (\d+) (\d+)$", p.stdout, re.M).groups()] \
        if "tids" in p.stdout else []
    caught = re.search(r"^caught (\d+)$", p.stdout, re.M)
    by_tid = Counter(r.tid for r in records or [])
    fns = {"spin_main", "spin_urg_blocked", "spin_all_blocked"}
    right = {tid: sum(1 for r in records or [] if r.tid == tid and fn in r.syms())
             for tid, fn in zip(tids, ("spin_main", "spin_urg_blocked", "spin_all_blocked"))}
    ok(len(tids) == 3 and all(right.get(t, 0) > 200 and right[t] >= 0.9 * by_tid[t] for t in tids),
       "masks: each thread sampled in its own function (%s of %s)" % (right, dict(by_tid)),
       (err or "") + p.stdout + p.stderr)
    ok(len(tids) == 3 and p.stats.get("threads_without_timer") == 1 and
       "thread %d blocks SIGURG and SIGWINCH" % tids[2] in p.stderr,
       "masks: only the thread that blocks every signal is sampled by interrupts, and the "
       "summary names it", p.stderr)
    ok(caught and caught.group(1) == "0", "masks: no tick signal reached the program's handlers",
       p.stdout)

    # Attached three times at 9999 Hz and let go: not one tick signal may
    # be left for the program, whose handlers count them.
    prog = subprocess.Popen([masks, "6"], stdout=subprocess.PIPE, text=True)
    prog.stdout.readline()
    runs = [subprocess.run([PYSAMPLE, "-F", "9999", "-p", str(prog.pid), "-d", "1", "-o",
                            os.devnull], capture_output=True, text=True, timeout=60)
            for _ in range(3)]
    rest = prog.stdout.read()
    prog.wait(timeout=60)
    ok(all(r.returncode == 0 for r in runs) and prog.returncode == 0 and "caught 0" in rest,
       "attached and detached three times at 9999 Hz: the program got no tick signal (%s)"
       % rest.strip(), "\n".join(r.stderr for r in runs))

# An exec: the new program's threads stop at their ticks too.
for label, py in each_interpreter("timers after exec"):
    out = os.path.join(TMP, "exec-%s.perf" % label)
    p, records, err = profile(["-F", "499", "--", "sh", "-c", 'exec "$0" "$1" 1', py,
                               target("split.py")], out)
    at_tick, by_interrupt = p.stats.get("stops_tick"), p.stats.get("stops_interrupt")
    hot = [r for r in records or [] if "hot" in r.py_names()]
    ok(at_tick is not None and at_tick > 200 and by_interrupt == 0 and len(hot) > 100,
       "%s: after exec, %s stops at ticks and %s by interrupt, %d samples in hot()"
       % (label, at_tick, by_interrupt, len(hot)), p.stderr)
    break

# Above 10 kHz a timer's tick would cost a thread most of its period: the
# threads are stopped by interrupts unless --stop-by=timer is given, and
# the run says so.
for label, py in each_interpreter("timers above 10 kHz"):
    for extra, want_ticks in (([], False), (["--stop-by=timer"], True)):
        out = os.path.join(TMP, "fast-%s.perf" % label)
        p, records, err = profile(["-F", "19999"] + extra + ["--", py, target("split.py"), "0.5"],
                                  out)
        at_tick, by_interrupt = p.stats.get("stops_tick", 0), p.stats.get("stops_interrupt", 0)
        said = "above 10000 Hz running threads are stopped by interrupts" in p.stderr
        ok(records and (at_tick > 100 and by_interrupt == 0 and not said if want_ticks else
                        by_interrupt > 100 and at_tick == 0 and said),
           "%s: -F 19999 %s: %d stops at ticks, %d by interrupt%s"
           % (label, " ".join(extra) or "(default)", at_tick, by_interrupt,
              ", and the run says why" if said else ""), (err or "") + p.stderr)
    break
done()
