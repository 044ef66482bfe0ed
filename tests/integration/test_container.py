# SPDX-License-Identifier: GPL-2.0-or-later
"""The sidecar case for real: a Python process in its own PID and mount
namespaces (unshare --pid --mount --fork, with a private /tmp holding its
script), attached from the host.  Its ELF files are read through
/proc/PID/root, and the records carry host ids by default or the ids the
container sees with --pid-namespace=target."""
import os
import shutil
import signal
import subprocess
import time

from pstest import TMP, PYSAMPLE, interpreters, ok, skip, done, parse, target, chain_in_order

python = next((p for l, p in interpreters() if p and "3.12" in l), None) or \
    next(p for l, p in interpreters() if p)
unshare = shutil.which("unshare")
if not unshare or os.getuid() != 0:
    skip("container (PID and mount namespaces)", "needs root and unshare (util-linux)")
    done()

script = target("chain.py")
# The script is opened before the private /tmp hides it (the test tree
# itself may live under /tmp).
inner = ('exec 3<"$1" && mount -t tmpfs tmpfs /tmp && cat <&3 >/tmp/chain.py && exec 3<&- && '
         'exec "$0" /tmp/chain.py 60')
box = subprocess.Popen([unshare, "--pid", "--mount", "--fork", "--mount-proc", "sh", "-c", inner,
                        python, script], stdout=subprocess.PIPE, text=True)
host_pid = None
try:
    line = box.stdout.readline()
    ns_pid = int(line.split()[1]) if line.startswith("ready") else None
    for _ in range(100):
        kids = open("/proc/%d/task/%d/children" % (box.pid, box.pid)).read().split()
        if kids:
            host_pid = int(kids[0])
            break
        time.sleep(0.02)
    ok(ns_pid is not None and host_pid and host_pid != ns_pid,
       "target runs in its own PID namespace (pid %s inside, %s on the host)" % (ns_pid, host_pid))
    ok(not os.path.exists("/tmp/chain.py") or os.path.getsize("/tmp/chain.py") != os.path.getsize(script),
       "its /tmp is private (its script is not visible from the host)")
    for mode, want in (("host", host_pid), ("target", ns_pid)):
        out = os.path.join(TMP, "container-%s.perf" % mode)
        p = subprocess.run([PYSAMPLE, "-p", str(host_pid), "-d", "0.7", "-F", "499",
                            "--pid-namespace", mode, "-o", out], capture_output=True, text=True, timeout=60)
        records = parse(open(out).read()) if os.path.exists(out) else []
        good = [r for r in records if chain_in_order(r.py_names(), ["c", "b", "a", "<module>"])]
        ok(p.returncode == 0 and len(good) > 100 and all(r.pid == want and r.tid == want for r in good),
           "--pid-namespace=%s: %d samples with the full stack, pid/tid %s" % (mode, len(good), want),
           p.stderr)
        # A sample kept without its native frames while processing was
        # behind (a loaded machine) is marked so, and has none to name.
        whole = [r for r in good
                 if "[native frames left out: processing behind]" not in r.syms()]
        unnamed = [r for r in whole
                   if not any("libpython" in f[3] or "/python" in f[3] for f in r.frames)]
        ok(whole and not unnamed,
           "--pid-namespace=%s: native frames named through /proc/PID/root (%d of %d samples; %d "
           "kept without native frames)" % (mode, len(whole) - len(unnamed), len(whole),
                                            len(good) - len(whole)),
           "\n".join(" <- ".join("%s (%s)" % (f[1], f[3]) for f in r.frames) for r in unnamed[:3])
           + "\n" + p.stderr)
finally:
    # The namespace's first process ends it (and unshare with it).
    if host_pid:
        os.kill(host_pid, signal.SIGKILL)
    box.kill()
    box.wait()
done()
