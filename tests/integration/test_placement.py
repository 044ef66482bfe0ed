# SPDX-License-Identifier: GPL-2.0-or-later
"""Where pysample's threads run (placement.h), read from /proc while it
runs: left to the scheduler by default; with --placement off the CPU its
target's running thread is on, the target's own affinity never changed,
and off, saying why, when pysample may use one CPU only.  What placement
costs or saves is measured in bench/ (bench/compare.py), not here."""
import os
import re
import shutil
import subprocess
import time

from pstest import PYSAMPLE, TMP, done, ok, read_stats, skip

SPIN = ["/bin/sh", "-c", "end=$(($(date +%s) + 3)); while [ $(date +%s) -lt $end ]; do :; done"]


def allowed(pid, tid):
    """The CPUs a thread may run on (Cpus_allowed_list), as a set."""
    try:
        with open("/proc/%d/task/%d/status" % (pid, tid)) as f:
            text = f.read()
    except OSError:
        return None
    spec = re.search(r"^Cpus_allowed_list:\s*(\S+)", text, re.M).group(1)
    cpus = set()
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return cpus


def is_spin(pid):
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as f:
            return f.read().startswith(b"/bin/sh")
    except OSError:
        return False


def cpu_of(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[36])
    except (OSError, IndexError, ValueError):
        return None


def observe(args, prefix=()):
    """Runs pysample on SPIN; every 50 ms from 0.3 s on, the target's CPU
    and affinity and pysample's threads' affinities.  Returns (proc,
    stats, observations)."""
    stats_path = os.path.join(TMP, "placement.stats")
    p = subprocess.Popen(list(prefix) + [PYSAMPLE, "-F", "499", "-o", "/dev/null", "--stats",
                                         stats_path] + args + ["--"] + SPIN,
                         stderr=subprocess.PIPE, text=True)
    seen = []
    time.sleep(0.3)
    while p.poll() is None:
        try:
            kids = open("/proc/%d/task/%d/children" % (p.pid, p.pid)).read().split()
            tids = [int(t) for t in os.listdir("/proc/%d/task" % p.pid)]
        except OSError:
            break
        # The shell, not another child (LeakSanitizer's tracer task at
        # exit, under ASan, inherits pysample's own affinity).
        target = next((int(k) for k in kids if is_spin(k)), None)
        if target:
            seen.append((cpu_of(target), allowed(target, target),
                         {t: allowed(p.pid, t) for t in tids}))
        time.sleep(0.05)
    err = p.communicate(timeout=60)[1]
    return p, err, read_stats(stats_path), seen


everything = os.sched_getaffinity(0)
if len(everything) < 2:
    skip("placement", "one CPU: nowhere to move to")
    done()

p, err, stats, seen = observe(["--placement"])
apart = [s for s in seen if s[0] is not None and all(a and s[0] not in a for a in s[2].values())]
ok(p.returncode == 0 and stats.get("placement_on") == 1 and
   stats.get("placement_apart_percent", 0) >= 90 and seen and len(apart) >= len(seen) // 2,
   "--placement: pysample's threads keep off the target's CPU: %d of %d looks, %s%% of its own "
   "checks, %s moves" % (len(apart), len(seen), stats.get("placement_apart_percent"),
                         stats.get("placement_moves")), err)
ok(seen and all(s[1] == everything for s in seen),
   "the target's own affinity is never changed (%s)" % sorted(everything),
   str([s[1] for s in seen if s[1] != everything][:3]))
ok("placement off the target's CPUs" in err, "the summary says where pysample ran", err)

p, err, stats, seen = observe([])
ok(p.returncode == 0 and stats.get("placement_on") == 0 and
   "placement by the scheduler (--placement not given)" in err and seen and
   all(a == everything for s in seen for a in s[2].values()),
   "by default pysample's threads may run on every CPU", err)

taskset = shutil.which("taskset")
if taskset:
    one = str(min(everything))
    p, err, stats, seen = observe(["--placement"], prefix=[taskset, "-c", one])
    ok(p.returncode == 0 and stats.get("placement_on") == 0 and "placement off (one CPU)" in err,
       "on one CPU (taskset -c %s) --placement is off, and the summary says why" % one, err)
else:
    skip("placement on one CPU", "no taskset (util-linux)")
done()
