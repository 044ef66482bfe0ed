# SPDX-License-Identifier: GPL-2.0-or-later
"""How pysample's two threads are scheduled, read from /proc while it runs:
as root, the sampling thread at SCHED_FIFO 1 and the processing thread at
nice 19 while it keeps up (it gives way to the target, and goes back to
normal priority only when it falls behind); without the privilege to go
back up, the processing thread keeps its priority, and the summary says
which.  The target is a shell loop, so an unprivileged user can run it."""
import os
import shutil
import subprocess
import tempfile
import time

from pstest import PYSAMPLE, ok, skip, done

SCHED_FIFO = 1
SPIN = ["/bin/sh", "-c", "end=$(($(date +%s) + 3)); while [ $(date +%s) -lt $end ]; do :; done"]


def threads_of(pid):
    """{tid: (nice, policy)} from /proc/PID/task/TID/stat (fields 19, 41)."""
    found = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(tid)] = (int(fields[16]), int(fields[38]))
    return found


def observe(prefix, binary):
    """{tid: set of (nice, policy) seen}, read every 100 ms from 0.3 s on
    while it runs: on a loaded machine the processing thread may be
    behind, and at its normal priority, at any one instant (and a
    sanitizer build takes a while to start)."""
    p = subprocess.Popen(prefix + [binary, "-F", "499", "-o", "/dev/null", "--"] + SPIN,
                         stderr=subprocess.PIPE, text=True)
    seen = {}
    time.sleep(0.3)
    for _ in range(40):
        if p.poll() is not None:
            break
        try:
            for tid, state in threads_of(p.pid).items():
                seen.setdefault(tid, set()).add(state)
        except OSError:
            break
        time.sleep(0.1)
    err = p.communicate(timeout=60)[1]
    return p.returncode, seen, err


code, seen, err = observe([], PYSAMPLE)
ok(code == 0 and len(seen) == 2, "pysample runs two threads (%d seen)" % len(seen), err)
if os.getuid() == 0:
    fifo = [tid for tid, states in seen.items() if all(pol == SCHED_FIFO for _, pol in states)]
    ok(len(fifo) == 1, "as root: one thread (the sampling thread) at SCHED_FIFO", seen)
    ok(any((19, 0) in states for tid, states in seen.items() if tid not in fifo),
       "as root: the other (the processing thread) at nice 19 while it keeps up", seen)
    ok("processing thread nice 19 while it keeps up" in err, "the summary says so", err)
else:
    skip("root's priorities", "run the suite as root to check them")

# Unprivileged: pysample may lower its processing thread's priority but
# could not raise it again when behind, so it leaves it alone.
setpriv = shutil.which("setpriv")
if setpriv and os.getuid() == 0:
    where = tempfile.mkdtemp(prefix="pysample-priority-")
    os.chmod(where, 0o755)
    binary = os.path.join(where, "pysample")
    shutil.copy(PYSAMPLE, binary)
    code, seen, err = observe([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"], binary)
    ok(code == 0 and len(seen) == 2, "unprivileged: pysample runs (%d threads seen)" % len(seen), err)
    ok(all(states == {(0, 0)} for states in seen.values()),
       "unprivileged: both threads keep normal priority", seen)
    ok("sampling thread normal; processing thread normal" in err, "the summary says so", err)
    shutil.rmtree(where, ignore_errors=True)
else:
    skip("unprivileged priorities", "needs root and setpriv (util-linux)")
done()
