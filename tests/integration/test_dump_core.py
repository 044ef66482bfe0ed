# SPDX-License-Identifier: GPL-2.0-or-later
"""`pysample dump --core FILE` on every CPython found: a `gcore` of the
deadlocked program, of the idle server, of a thread holding the GIL in a
C spin (by frame names: it runs on) and of the --locals program gives
the same report as the live dump taken just before (every frame: kind,
name, line, address, module; threads' names, GIL, system call; locals),
and the deadlock's Python frames are the ones the program printed
itself.  A kernel core (SIGABRT, where core_pattern writes files) gives
the same; a kernel core without anonymous memory (coredump_filter 0) says
how much it lacks instead of guessing; an executable that is not the one
mapped is refused; and the errors: no core, a FIFO, a non-core ELF file,
options that do not go together."""
import json
import os
import resource
import shutil
import signal
import subprocess
import time

from pstest import PYSAMPLE, TMP, done, each_interpreter, ok, skip, target, wait_for_line

GCORE = shutil.which("gcore")


def run_dump(*args, timeout=60):
    p = subprocess.run([PYSAMPLE, "dump", "--json"] + list(args), capture_output=True,
                       text=True, timeout=timeout)
    try:
        return p, json.loads(p.stdout)
    except ValueError:
        return p, None


def start(py, script, cwd=None, core_limit=False):
    def unlimited_cores():
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    return subprocess.Popen([py, target(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=cwd,
                            preexec_fn=unlimited_cores if core_limit else None)


def settle():
    """The main thread prints READY, then joins: once in CI the live dump
    caught it still in write(), the core a moment later in the join's
    futex.  It is given the time to get there."""
    time.sleep(0.3)


def stop(proc):
    proc.kill()
    proc.wait()


def comparable(data, addresses=True):
    """{tid: what a core's dump must repeat of a live one}."""
    out = {}
    for t in data["threads"] if data else []:
        frames = [(f["kind"], f.get("function"), f.get("line"), f.get("module"),
                   f.get("address") if addresses else None, json.dumps(f.get("locals")))
                  for f in t["frames"]]
        out[t["tid"]] = (t["python_name"], t["gil"], t["syscall"], t["complete"], frames)
    return out


def differences(live, core):
    a, b = comparable(live), comparable(core)
    if set(a) != set(b):
        return "threads: live %s, core %s" % (sorted(a), sorted(b))
    for tid in sorted(a):
        if a[tid] != b[tid]:
            return "thread %d:\nlive %s\ncore %s" % (tid, a[tid], b[tid])
    return ""


def gcore(pid):
    prefix = os.path.join(TMP, "gcore")
    p = subprocess.run([GCORE, "-o", prefix, str(pid)], capture_output=True, text=True,
                       timeout=120)
    path = "%s.%d" % (prefix, pid)
    return path if p.returncode == 0 and os.path.exists(path) else None


def same_as_live(label, what, proc, extra=()):
    """A live dump, a gcore, a core dump: the same report."""
    p, live = run_dump("-p", str(proc.pid), *extra)
    path = gcore(proc.pid)
    if not ok(p.returncode == 0 and live and path, "%s: %s: live dump and gcore" % (label, what),
              p.stderr):
        return None
    try:
        p, core = run_dump("--core", path, *extra)
        why = differences(live, core) if core else p.stderr
        ok(p.returncode == 0 and core and core["core"] == path and
           core["core_missing_reads"] == 0 and core["pid"] == proc.pid and not why,
           "%s: %s: the core's dump is the live dump, frame for frame (%d threads, %d frames)"
           % (label, what, len(live["threads"]), sum(len(t["frames"]) for t in live["threads"])),
           why + p.stderr[-2000:])
        return core
    finally:
        os.unlink(path)


def check_deadlock(label, py):
    proc = start(py, "dump_deadlock.py")
    try:
        stacks = {}
        for line in proc.stdout:
            if line.startswith("READY"):
                break
            if line.startswith("STACK"):
                _, tid, frames = line.split()
                stacks[int(tid)] = [(f.rsplit(":", 1)[0], int(f.rsplit(":", 1)[1]))
                                    for f in frames.split(",")]
        if not ok(len(stacks) == 2, "%s: the deadlocked program is ready" % label):
            return
        settle()
        core = same_as_live(label, "deadlock", proc)
        if core:
            got = {t["tid"]: [(f["function"].rsplit(".", 1)[-1], f["line"])
                              for f in t["frames"] if f["kind"] == "python"]
                   for t in core["threads"]}
            ok(all(got.get(tid) == frames for tid, frames in stacks.items()),
               "%s: deadlock: the core's Python frames are the ones the program printed" % label,
               "core %r\nprogram %r" % (got, stacks))
    finally:
        stop(proc)


def check_server(label, py):
    proc = start(py, "dump_server.py")
    try:
        if ok(wait_for_line(proc, "READY"), "%s: the server is ready" % label):
            same_as_live(label, "idle server", proc)
    finally:
        stop(proc)


def check_gil_spin(label, py, lib):
    """The spinning thread moves on between the live dump and the gcore:
    its frames are compared by name, and the GIL's holder exactly."""
    proc = subprocess.Popen([py, target("dump_gilspin.py"), lib], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = wait_for_line(proc, "READY")
        if not ok(line, "%s: the GIL spinner is ready" % label):
            return
        tid = int(line.split()[1])
        time.sleep(0.1)  # into the spin
        p, live = run_dump("-p", str(proc.pid))
        path = gcore(proc.pid)
        if not ok(p.returncode == 0 and live and path,
                  "%s: GIL spin: live dump and gcore" % label, p.stderr):
            return
        p, core = run_dump("--core", path)
        os.unlink(path)

        def names(data):
            return {t["tid"]: [f.get("function") for f in t["frames"]] for t in data["threads"]}
        spinner = names(core).get(tid, []) if core else []
        ok(p.returncode == 0 and core and names(core) == names(live) and
           core["gil_holder"] == tid and spinner[:1] == ["dump_spin_forever"] and
           "hold_gil_in_c" in spinner,
           "%s: GIL spin: the core's threads have the live dump's frames; the spinner holds "
           "the GIL in dump_spin_forever below hold_gil_in_c" % label,
           "live %r\ncore %r\n%s" % (names(live), names(core) if core else None, p.stderr))
    finally:
        stop(proc)


def check_locals(label, py):
    proc = subprocess.Popen([py, target("dump_locals.py")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:
            if line.startswith("ready"):
                break
        same_as_live(label, "--locals", proc, ("--locals",))
    finally:
        stop(proc)


def kernel_core(label, py, filter_bits=None):
    """Kills the deadlocked program with SIGABRT in a directory of its own;
    returns (live dump, core path) or (None, why)."""
    cwd = os.path.join(TMP, "kcore-%s" % label)
    os.makedirs(cwd, exist_ok=True)
    proc = start(py, "dump_deadlock.py", cwd=cwd, core_limit=True)
    try:
        if not wait_for_line(proc, "READY"):
            return None, "the program did not start"
        settle()
        p, live = run_dump("-p", str(proc.pid))
        if filter_bits is not None:
            with open("/proc/%d/coredump_filter" % proc.pid, "w") as f:
                f.write("%x" % filter_bits)
        proc.send_signal(signal.SIGABRT)
        proc.wait(timeout=60)
    finally:
        stop(proc)
    for name in ("core.%d" % proc.pid, "core"):
        path = os.path.join(cwd, name)
        for _ in range(100):  # the kernel writes it as the process dies
            if os.path.exists(path):
                return live, path
            time.sleep(0.05)
    return None, "no core file in %s after SIGABRT" % cwd


def check_kernel_cores(label, py):
    pattern = open("/proc/sys/kernel/core_pattern").read().strip()
    if pattern.startswith("|") or "/" in pattern:
        skip("%s: a kernel core dump" % label,
             "core_pattern %r sends cores elsewhere (systemd-coredump, apport)" % pattern)
        return
    live, path = kernel_core(label, py)
    if not ok(live, "%s: a kernel core dump of the deadlock (SIGABRT)" % label, path):
        return
    p, core = run_dump("--core", path)
    why = differences(live, core) if core else p.stderr
    ok(p.returncode == 0 and core and not why,
       "%s: the kernel core's dump is the live dump, frame for frame" % label, why + p.stderr)
    # An executable that is not the one mapped (the core keeps its first
    # page) is refused, not read.
    p, core = run_dump("--core", path, "--exe", "/bin/true")
    ok(core and "is not the file the process had mapped" in p.stderr,
       "%s: --exe of another file: refused, said" % label, p.stderr)
    os.unlink(path)
    # Without anonymous memory: the heap, the stacks and libpython's data
    # are not in the core.  The dump says so, and makes nothing up.
    live, path = kernel_core(label, py, filter_bits=0)
    if not ok(live, "%s: a kernel core without anonymous memory" % label, path):
        return
    p, core = run_dump("--core", path)
    cut = [t for t in core["threads"] if not t["complete"]] if core else []
    ok(p.returncode == 1 and core and core["core_missing_reads"] > 0 and
       "does not hold" in p.stderr and core["python"] is None and
       len(cut) == len(live["threads"]) and
       not any(f["kind"] == "python" for t in core["threads"] for f in t["frames"]),
       "%s: coredump_filter 0: exit 1, every thread incomplete, the reads the core cannot "
       "answer counted (%s), no Python frame guessed"
       % (label, core["core_missing_reads"] if core else "?"), p.stderr + p.stdout[:1000])
    os.unlink(path)


def check_errors():
    p, _ = run_dump("--core", "/bin/true")
    ok(p.returncode == 3 and "no core dump" in p.stderr,
       "--core of an ELF file that is no core: exit 3, says so", p.stderr)
    p, _ = run_dump("--core", os.path.join(TMP, "nothing-here"))
    ok(p.returncode == 3 and "cannot open" in p.stderr, "--core of a missing file: exit 3",
       p.stderr)
    fifo = os.path.join(TMP, "core-fifo")
    os.mkfifo(fifo)
    p, _ = run_dump("--core", fifo, timeout=20)
    ok(p.returncode == 3 and "not a regular file" in p.stderr,
       "--core of a FIFO: exit 3 at once, never blocks in open", p.stderr)
    short = os.path.join(TMP, "short-core")
    with open(short, "wb") as f:
        f.write(b"\x7fELF\x02\x01\x01" + b"\0" * 9 + b"\x04\x00\x3e\x00")
    p, _ = run_dump("--core", short)
    ok(p.returncode == 3 and "pysample: error:" in p.stderr,
       "--core of a truncated ELF header: exit 3 with an error", p.stderr)
    p, _ = run_dump("--core", short, "-p", "1")
    ok(p.returncode == 2 and "not both" in p.stderr, "--core with -p: exit 2", p.stderr)
    p, _ = run_dump("-p", "1", "--exe", "/bin/true")
    ok(p.returncode == 2 and "--core" in p.stderr, "--exe without --core: exit 2", p.stderr)


check_errors()
CC = os.environ.get("CC", "cc").split()
spin_lib = os.path.join(TMP, "libdumpspin.so")
cc = subprocess.run(CC + ["-O1", "-g", "-shared", "-fPIC", "-o", spin_lib, target("dump_spin.c")],
                    capture_output=True, text=True)
ok(cc.returncode == 0, "dump_spin.c builds", cc.stderr)
first = True
for label, py in each_interpreter("dump --core"):
    if not GCORE:
        skip("%s: dump --core of a gcore" % label, "gcore not installed (apt-get install gdb)")
    else:
        check_deadlock(label, py)
        check_server(label, py)
        if cc.returncode == 0:
            check_gil_spin(label, py, spin_lib)
        check_locals(label, py)
    if first:
        check_kernel_cores(label, py)
        first = False
done()
