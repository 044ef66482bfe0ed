# SPDX-License-Identifier: GPL-2.0-or-later
"""--subprocesses: children made with fork, vfork (posix_spawn), clone and
exec are sampled with their own pid, comm and Python frames: multiprocessing
pools with each start method, subprocess.run of the interpreter, a shell
that runs Python as a child, a non-Python child (native frames), and, in
attach mode, the descendants already running.  Without the option the
children are let go."""
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.request

from pstest import (PYSAMPLE, TMP, done, each_interpreter, ok, profile, skip, target, version_of,
                    wait_for_line)

CC = os.environ.get("CC", "cc").split()


def by_pid(records):
    pids = {}
    for r in records:
        pids.setdefault(r.pid, []).append(r)
    return pids


def newest(interpreters):
    return max(interpreters, key=lambda lp: version_of(lp[1]))


present = list(each_interpreter("--subprocesses"))

# A fork pool on every interpreter; spawn and forkserver (exec'd children,
# a fork server) on the newest.
for label, py in present:
    methods = ["fork"] + (["spawn", "forkserver"] if (label, py) == newest(present) else [])
    for method in methods:
        out = os.path.join(TMP, "pool-%s-%s.perf" % (label, method))
        p, records, err = profile(["-s", "-F", "199", "--", py, target("workers.py"), "pool", method,
                                   "1.6"], out, timeout=120)
        if not ok(records is not None and p.returncode == 0, "%s, %s pool: runs, parseable output"
                  % (label, method), (err or "") + p.stderr):
            continue
        workers = [int(x) for x in re.search(r"^workers (.*)$", p.stdout, re.M).group(1).split()] \
            if "workers" in p.stdout else []
        pids = by_pid(records)
        in_work = {pid: [r for r in pids.get(pid, []) if "work" in r.py_names()] for pid in workers}
        # Each worker spins 2 x 0.8 s, sampled at 199 Hz of the CPU time
        # it gets (on a loaded machine, less than 1.6 s): it says how much.
        cpu = dict((int(k), float(v)) for k, v in
                   (item.split(":") for item in re.search(r"^cpu (.*)$", p.stdout, re.M).group(1)
                    .split())) if "cpu " in p.stdout else {}
        ok(len(workers) == 2 and len(cpu) == 2 and
           all(len(v) > max(50, 0.75 * 199 * cpu[pid]) for pid, v in in_work.items()) and
           # threading's name for a worker's main thread, or the kernel's
           all(r.comm == "MainThread" or r.comm.startswith("python")
               for v in in_work.values() for r in v) and
           all(r.tid == r.pid or r.pid in workers for v in in_work.values() for r in v),
           "%s, %s pool: each worker process sampled with its own pid, comm and Python frames "
           "(%s samples in work(), CPU seconds %s)"
           % (label, method, {k: len(v) for k, v in in_work.items()}, cpu),
           p.stderr)
        ok(p.stats.get("processes_followed", 0) >= 1,
           "%s, %s pool: the summary counts the children followed" % (label, method), p.stderr)

label, py = newest(present)
# Without --subprocesses the workers are let go: only the parent is sampled.
out = os.path.join(TMP, "pool-nofollow.perf")
p, records, err = profile(["-F", "199", "--", py, target("workers.py"), "pool", "fork", "1"], out)
workers = [int(x) for x in re.search(r"^workers (.*)$", p.stdout, re.M).group(1).split()] \
    if "workers" in p.stdout else []
ok(records is not None and len(workers) == 2 and len({r.pid for r in records}) == 1 and
   not any(r.pid in workers for r in records),
   "%s: without --subprocesses only the launched process is sampled, not its workers" % label,
   err or p.stderr)

# subprocess.run of the interpreter (fork + exec, or vfork via posix_spawn).
out = os.path.join(TMP, "run.perf")
p, records, err = profile(["-s", "-F", "199", "--", py, target("workers.py"), "run", "1"], out)
if ok(records is not None, "subprocess.run: parseable output", err):
    chain = [r for r in records if r.py_names()[:4] == ["c", "b", "a", "<module>"]]
    parent = int(re.search(r"^ready (\d+)", p.stdout, re.M).group(1)) if "ready" in p.stdout else None
    pids = {r.pid for r in chain}
    # 1 s at 199 Hz: ~199 samples on a free CPU; a busy machine left 111.
    ok(len(chain) > 60 and len(pids) == 1 and parent not in pids,
       "subprocess.run([sys.executable, chain.py]): %d samples in the child with c <- b <- a <- "
       "<module>" % len(chain), "parent %s, chain pids %s\n%s" % (parent, sorted(pids), p.stderr))

# A shell that runs Python as a child (no exec: "; true" keeps it waiting).
out = os.path.join(TMP, "shell.perf")
p, records, err = profile(["-s", "-F", "199", "--", "sh", "-c", '"$0" "$1" 1; true', py,
                           target("chain.py")], out)
if ok(records is not None, "sh -c 'python ...; true': parseable output", err):
    chain = [r for r in records if r.py_names()[:4] == ["c", "b", "a", "<module>"]]
    ok(len(chain) > 60 and all(r.comm.startswith("python") for r in chain),
       "a shell wrapper that starts Python as a child: %d samples with the Python chain" % len(chain),
       p.stderr)

# A non-Python child: sampled natively.
exe = os.path.join(TMP, "deepchain")
cc = subprocess.run(CC + ["-O2", "-g", "-o", exe, target("deepchain.c")], capture_output=True, text=True)
if ok(cc.returncode == 0, "deepchain builds", cc.stderr):
    out = os.path.join(TMP, "native-child.perf")
    p, records, err = profile(["-s", "-F", "199", "--", py, target("workers.py"), "exe", "0",
                               exe, "spin", "1"], out)
    leaf = [r for r in records or [] if r.comm == "deepchain" and r.syms() and
            r.syms()[0].startswith("leaf")]
    ok(len(leaf) > 120 and all(r.syms()[-1].startswith("_start") for r in leaf),
       "a non-Python child is sampled natively: %d samples in its leaf(), unwound to _start"
       % len(leaf), (err or "") + p.stderr)

# Attach mode: the descendants already running are attached too, and all of
# them run on, and finish, after pysample detaches.
parent = subprocess.Popen([py, target("workers.py"), "pool", "fork", "6"], stdout=subprocess.PIPE,
                          text=True)
try:
    wait_for_line(parent, "ready")
    time.sleep(0.3)
    children = [int(x) for x in subprocess.run(["pgrep", "-P", str(parent.pid)], capture_output=True,
                                                text=True).stdout.split()]
    out = os.path.join(TMP, "attach.perf")
    p, records, err = profile(["-s", "-p", str(parent.pid), "-d", "1", "-F", "199"], out)
    pids = by_pid(records or [])
    busy = [c for c in children if any("work" in r.py_names() for r in pids.get(c, []))]
    ok(records is not None and len(busy) >= 2,
       "attach -s: the running pool workers are sampled too (%d of %d children with work())"
       % (len(busy), len(children)), (err or "") + p.stderr)
    line = wait_for_line(parent, "workers", timeout=30)
    ok(parent.wait(timeout=30) == 0 and line is not None,
       "attach -s: after detaching, the parent and its workers run on and finish")
finally:
    if parent.poll() is None:
        parent.kill()
        parent.wait()

# A real pre-fork server: gunicorn (Debian's, on its python3) with two sync
# workers, attached with -s while requests come in: every worker's
# requests show handle() <- burn() under its own pid.
gunicorn = shutil.which("gunicorn")
if gunicorn:
    port = 18000 + os.getpid() % 1000
    server = subprocess.Popen([gunicorn, "-w", "2", "-b", "127.0.0.1:%d" % port, "--chdir",
                               os.path.dirname(target("wsgi_app.py")), "wsgi_app:app"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        up = False
        for _ in range(100):
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=2).read()
                up = True
                break
            except OSError:
                time.sleep(0.1)
        if ok(up, "gunicorn serves requests"):
            stop = threading.Event()
            served = set()

            def client():
                while not stop.is_set():
                    try:
                        served.add(int(urllib.request.urlopen("http://127.0.0.1:%d/" % port,
                                                              timeout=5).read()))
                    except OSError:
                        pass

            clients = [threading.Thread(target=client) for _ in range(2)]
            for c in clients:
                c.start()
            out = os.path.join(TMP, "gunicorn.perf")
            p, records, err = profile(["-s", "-p", str(server.pid), "-d", "2", "-F", "199"], out)
            stop.set()
            for c in clients:
                c.join()
            workers = {r.pid for r in records or [] if r.py_names()[:2] == ["burn", "handle"]}
            ok(records is not None and len(workers) == 2 and workers <= served and server.pid not in workers,
               "gunicorn, attached with -s: requests in both workers sampled with burn <- handle "
               "(%d worker pids, %d serving)" % (len(workers), len(served)), (err or "") + p.stderr)
            ok(server.poll() is None and urllib.request.urlopen("http://127.0.0.1:%d/" % port,
                                                                timeout=5).status == 200,
               "gunicorn serves on after pysample detaches")
    finally:
        server.terminate()
        server.wait(timeout=30)
else:
    skip("gunicorn pre-fork server", "gunicorn not installed ('apt-get install gunicorn')")
done()
