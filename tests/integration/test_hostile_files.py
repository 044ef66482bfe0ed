# SPDX-License-Identifier: GPL-2.0-or-later
"""Files a target names are hostile until proven otherwise.  pysample runs
as root beside code it does not trust; a target controls the files under
its root, what its mappings are named, and its libraries' debug links.
Each case below is staged for real (as an unprivileged user where that is
what an attacker would be), and checked three ways: pysample ends on time,
the target was never frozen (it measures the longest gap in its own
progress while it creates threads, each a ptrace stop), and strace shows
that no file outside the target's root, no FIFO and no device was opened
(O_PATH, which opens nothing, is how pysample looks before it opens).
"""
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
import zlib

from pstest import PYSAMPLE, TMP, done, interpreters, ok, parse, pyenv_root, skip, target

CC = os.environ.get("CC", "cc").split()
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
# The target's longest pause in its own progress: pysample stops a thread
# for well under a millisecond per sample, and a clone for about as long.
GAP_BOUND_MS = 1000.0
DURATION = 2.0
# pysample must end this long after its --duration at most (strace slows
# it; a hang is what this catches).
END_BOUND_S = 10.0

# A directory the unprivileged target can use: pstest's is private.
work = tempfile.mkdtemp(prefix="pys-hostile-")
os.chmod(work, 0o755)
SECRET = "/tmp/pys-secret-%d" % os.getpid()
with open(SECRET, "w") as f:
    f.write("the host's, not the target's\n")


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def build_stage(name, debug_file):
    """A directory holding hostile (the program) and libhost.so, stripped,
    whose .gnu_debuglink names debug_file.  Returns the directory."""
    d = os.path.join(work, name)
    os.makedirs(d)
    os.chmod(d, 0o777)
    exe, lib = os.path.join(d, "hostile"), os.path.join(d, "libhost.so")
    r1 = run(CC + ["-O2", "-g", "-pthread", "-o", exe, target("hostile.c"), "-ldl"])
    r2 = run(CC + ["-O2", "-g", "-shared", "-fPIC", "-Wl,--build-id", "-o", lib,
                   target("hostlib.c")])
    r3 = run(["strip", "--strip-all", lib])
    # The link's CRC is that of the host's secret: a reader that follows
    # the name out of the target's root finds a file that matches.
    link = debug_file.encode() + b"\0"
    link += b"\0" * (-len(link) % 4) + struct.pack("<I", zlib.crc32(open(SECRET, "rb").read()))
    with open(os.path.join(d, "link.bin"), "wb") as f:
        f.write(link)
    r4 = run(["objcopy", "--add-section", ".gnu_debuglink=" + os.path.join(d, "link.bin"), lib])
    os.unlink(os.path.join(d, "link.bin"))
    bad = [r for r in (r1, r2, r3, r4) if r.returncode != 0]
    if bad:
        raise RuntimeError("building the hostile stage failed: " + bad[0].stderr)
    return d


class Target:
    """A hostile target started by argv; reads its "ready PID" line."""

    def __init__(self, argv, env=None):
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        line = self.proc.stdout.readline()
        m = re.match(r"ready (\d+)", line)
        self.ns_pid = int(m.group(1)) if m else None
        self.pid = self.ns_pid

    def find_host_pid(self, name):
        """The target's host pid when it runs in its own PID namespace."""
        for _ in range(200):
            for kid in _children_named(self.proc.pid, name):
                self.pid = kid
                return kid
            time.sleep(0.02)
        return None

    def finish(self):
        """Its longest gap in ms, once it has ended (None if it did not)."""
        try:
            out, err = self.proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return None, "did not end"
        m = re.search(r"longest-gap-ms ([\d.]+)", out)
        return (float(m.group(1)) if m else None), err


def _children_named(pid, name):
    found, frontier = [], [pid]
    while frontier:
        p = frontier.pop()
        try:
            kids = [int(k) for k in open("/proc/%d/task/%d/children" % (p, p)).read().split()]
        except OSError:
            continue
        for k in kids:
            try:
                if open("/proc/%d/comm" % k).read().strip() == name:
                    found.append(k)
            except OSError:
                pass
        frontier += kids
    return found


def attach(pid, label, extra=(), env=None, trace=True):
    """pysample -p PID for DURATION under strace.  Returns (elapsed,
    CompletedProcess or None if it hung, records, files it opened as
    (path asked, path it resolved to))."""
    out = os.path.join(TMP, "hostile-%s.perf" % label)
    log = os.path.join(TMP, "hostile-%s.strace" % label)
    cmd = [PYSAMPLE, "-p", str(pid), "-d", str(DURATION), "-o", out] + list(extra)
    if trace:
        cmd = ["strace", "-f", "-qq", "-y", "-e", "trace=open,openat,openat2", "-o", log] + cmd
        # LeakSanitizer cannot run under a tracer (the sanitizer build).
        env = dict(env or os.environ)
        env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":")
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env,
                           timeout=DURATION + END_BOUND_S + 20)
    except subprocess.TimeoutExpired:
        p = None
    elapsed = time.monotonic() - start
    try:
        records = parse(open(out).read())
    except (OSError, ValueError):
        records = []
    opened = []
    if trace and os.path.exists(log):
        for line in open(log):
            m = re.search(r'open\w*\(.*?"([^"]*)".*= \d+<(.*)>$', line.rstrip())
            # O_PATH resolves a path without opening the file (no device's
            # open, no FIFO's wait): how pysample checks what a path is.
            if m and "O_PATH" not in line:
                opened.append((m.group(1), m.group(2)))
    return elapsed, p, records, opened


def check_run(label, tgt, result, forbidden, want_module=None):
    elapsed, p, records, opened = result
    gap, err = tgt.finish()
    ok(p is not None and p.returncode == 0 and elapsed < DURATION + END_BOUND_S,
       "%s: pysample ends on time (%.1f s for -d %.0f)" % (label, elapsed, DURATION),
       p.stderr if p else "pysample hung: killed after %.0f s" % elapsed)
    ok(gap is not None and gap < GAP_BOUND_MS,
       "%s: the target was never frozen (longest pause %s ms)" % (label, gap), err)
    bad = [o for o in opened if any(f(o[1]) for f in forbidden)]
    ok(opened and not bad, "%s: strace shows %d files opened, none of them %s"
       % (label, len(opened), "outside the target's root, a FIFO or a device"),
       "\n".join("%s -> %s" % o for o in bad[:10]) or "strace saw no open")
    if want_module:
        inside = [r for r in records if any(f[3].endswith(want_module) for f in r.frames)]
        ok(len(inside) > 0.5 * len(records) > 10,
           "%s: the target is still profiled (%d of %d samples in %s)"
           % (label, len(inside), len(records), want_module))


def is_secret(path):
    return path == SECRET


def under(directory):
    return lambda path: path == directory or path.startswith(directory.rstrip("/") + "/")


if os.getuid() != 0 or not shutil.which("strace") or not shutil.which("setpriv"):
    skip("hostile files", "needs root, strace and setpriv (apt-get install strace util-linux)")
    done()

# 1. A file named like libpython, mapped, then replaced by a FIFO: runtime
# discovery must read the mapping, not open the path (it blocked forever).
d = build_stage("map-fifo", "libhost.debug")
fifo_dir = os.path.join(d, "fifo")
os.mkdir(fifo_dir)
os.chmod(fifo_dir, 0o777)
t = Target(NOBODY + [os.path.join(d, "hostile"), "map-fifo", fifo_dir, "8"])
fifo = os.path.join(fifo_dir, "libpython3.99.so.1.0")
ok(t.pid and os.path.exists(fifo) and not os.path.isfile(fifo),
   "map-fifo: an unprivileged target maps a libpython and puts a FIFO at its path")
check_run("map-fifo", t, attach(t.pid, "map-fifo"), [lambda p: p.startswith(fifo)])

# 2. Debug links beside a library: a FIFO (and one in .debug/), and a
# symlink to /dev/zero.
for label, make in (("debuglink-fifo", lambda path: os.mkfifo(path, 0o666)),
                    ("debuglink-zero", lambda path: os.symlink("/dev/zero", path))):
    d = build_stage(label, "libhost.debug")
    make(os.path.join(d, "libhost.debug"))
    os.makedirs(os.path.join(d, ".debug"))
    make(os.path.join(d, ".debug", "libhost.debug"))
    t = Target(NOBODY + [os.path.join(d, "hostile"), "dlopen", os.path.join(d, "libhost.so"),
                         "8"])
    check_run(label, t, attach(t.pid, label),
              [lambda p, d=d: p.startswith(os.path.join(d, "libhost.debug")),
               lambda p, d=d: p.startswith(os.path.join(d, ".debug")),
               lambda p: p.startswith("/dev/") and p != "/dev/null"],
              want_module="libhost.so")

# 3. In a container (pivot_root, its own mount and PID namespaces, run as
# nobody): a debug link that is an absolute symlink to a host path, and a
# debug link name that climbs out with ../.  Both lead to the host's
# secret, which has the CRC the link asks for.
unshare = shutil.which("unshare")
if not unshare:
    skip("container debug links", "needs unshare (util-linux)")
else:
    for label, name, symlink in (("container-symlink", "libhost.debug", SECRET),
                                 ("container-dotdot", "../" * 12 + SECRET.lstrip("/"), None)):
        d = build_stage(label, name)
        if symlink:
            os.symlink(symlink, os.path.join(d, "libhost.debug"))
        t = Target([unshare, "--mount", "--pid", "--fork", target("jail.sh"), "pivot", d,
                    "/app/hostile", "dlopen", "/app/libhost.so", "8"])
        host_pid = t.find_host_pid("hostile")
        ok(host_pid and t.ns_pid != host_pid and not os.path.exists("/app/hostile") and
           os.path.exists("/proc/%d/root/app/hostile" % host_pid),
           "%s: the target runs in a root and PID namespace of its own (pid %s, %s inside)"
           % (label, host_pid, t.ns_pid))
        check_run(label, t, attach(host_pid, label), [is_secret], want_module="libhost.so")

# 4. debuginfod: with DEBUGINFOD_URLS set (the default on several
# distributions) and a server that accepts and never answers, pysample
# does not ask it unless told to, and when told, gives up on time.
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(16)
connections = []


def accept_forever():
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        connections.append(conn)  # held open, never answered


threading.Thread(target=accept_forever, daemon=True).start()
env = dict(os.environ, DEBUGINFOD_URLS="http://127.0.0.1:%d/" % listener.getsockname()[1])
env.pop("DEBUGINFOD_TIMEOUT", None)
d = build_stage("debuginfod", "absent.debug")
for label, extra in (("debuginfod-off", []), ("debuginfod-on", ["--debuginfod"])):
    before = len(connections)
    t = Target(NOBODY + [os.path.join(d, "hostile"), "dlopen", os.path.join(d, "libhost.so"),
                         "8"])
    result = attach(t.pid, label, extra, env=env, trace=False)
    elapsed, p, records, _ = result
    gap, err = t.finish()
    asked = len(connections) - before
    if extra:
        ok(asked > 0 and p is not None and elapsed < DURATION + END_BOUND_S and
           "debuginfod" in p.stderr,
           "--debuginfod: the server is asked (%d connections), and its silence costs a "
           "bounded wait (%.1f s for -d %.0f), said on stderr" % (asked, elapsed, DURATION),
           p.stderr if p else "pysample hung")
    else:
        ok(asked == 0 and p is not None and elapsed < DURATION + 3,
           "without --debuginfod: DEBUGINFOD_URLS is not used (%d connections, %.1f s)"
           % (asked, elapsed), p.stderr if p else "pysample hung")
    ok(gap is not None and gap < GAP_BOUND_MS and len(records) > 10,
       "%s: the target was never frozen (longest pause %s ms), %d samples"
       % (label, gap, len(records)), err)
listener.close()

# 5. An in-place upgrade: the running executable (or libpython) replaced
# on disk by another, as a package manager does.  The mapping is the old
# file; names and the CPython version must come from it.
d = build_stage("upgrade", "absent.debug")
exe = os.path.join(d, "hostile")
t = Target([exe, "exe", "6"])
shutil.copy("/bin/true", exe + ".new")
os.rename(exe + ".new", exe)
elapsed, p, records, _ = attach(t.pid, "upgrade-exe", trace=False)
t.finish()
named = [r for r in records if "hostile_work" in r.syms() and "main" in r.syms()]
ok(p is not None and len(records) > 10 and len(named) > 0.9 * len(records),
   "upgraded executable: %d of %d samples named from the running (deleted) file, "
   "down to main" % (len(named), len(records)), p.stderr if p else "hung")

pythons = [(label, path) for label, path in interpreters() if path and "pyenv" in label]
if len(pythons) < 2:
    skip("upgraded libpython", "needs two pyenv CPythons")
else:
    (old_label, old_py), (new_label, new_py) = pythons[-1], pythons[0]
    old_lib = [os.path.join(os.path.dirname(old_py), "..", "lib", f)
               for f in os.listdir(os.path.join(os.path.dirname(old_py), "..", "lib"))
               if re.match(r"libpython3\.\d+\.so\.1\.0$", f)]
    new_lib = [os.path.join(os.path.dirname(new_py), "..", "lib", f)
               for f in os.listdir(os.path.join(os.path.dirname(new_py), "..", "lib"))
               if re.match(r"libpython3\.\d+\.so\.1\.0$", f)]
    if not old_lib or not new_lib:
        skip("upgraded libpython", "the pyenv builds have no shared libpython")
    else:
        libdir = os.path.join(work, "upgrade-lib")
        os.mkdir(libdir)
        lib = os.path.join(libdir, os.path.basename(old_lib[0]))
        shutil.copy(old_lib[0], lib)
        env = dict(os.environ, LD_LIBRARY_PATH=libdir)
        py = subprocess.Popen([old_py, target("chain.py"), "6"], stdout=subprocess.PIPE,
                              text=True, env=env)
        py.stdout.readline()
        maps = open("/proc/%d/maps" % py.pid).read()
        shutil.copy(new_lib[0], lib + ".new")
        os.rename(lib + ".new", lib)
        elapsed, p, records, _ = attach(py.pid, "upgrade-libpython", trace=False)
        py.kill()
        py.wait()
        chains = [r for r in records if r.py_names()[:3] == ["c", "b", "a"]]
        ok(lib in maps and p is not None and len(records) > 10 and
           len(chains) > 0.5 * len(records) and "not supported" not in p.stderr,
           "%s's libpython replaced by %s's on disk: Python frames read with the running "
           "file's layout in %d of %d samples" % (old_label, new_label, len(chains),
                                                  len(records)),
           p.stderr if p else "hung")

# 6. A chrooted Python (chroot in a private mount namespace: build jails,
# schroot, systemd RootDirectory=): its maps name host paths.
python = next((p for label, p in pythons if "3.12" in label), pythons[0][1] if pythons else None)
if not unshare or not python:
    skip("chrooted target", "needs unshare and a pyenv CPython")
else:
    d = os.path.join(work, "chroot")
    os.mkdir(d)
    shutil.copy(target("chain.py"), d)
    env = dict(os.environ, PYENV_ROOT=pyenv_root())
    t = Target([unshare, "--mount", "--fork", target("jail.sh"), "chroot", d, python,
                "/app/chain.py", "6"], env=env)
    pid = t.pid  # its own mount namespace, the host's PID namespace
    root = os.readlink("/proc/%d/root" % pid) if pid else "?"
    elapsed, p, records, _ = attach(pid, "chroot", trace=False)
    t.proc.kill()
    chains = [r for r in records if r.py_names()[:3] == ["c", "b", "a"]]
    native = [r for r in chains if "PyEval_EvalCode" in r.syms()]
    ok(root != "/" and p is not None and len(records) > 10 and
       len(chains) > 0.8 * len(records) and len(native) > 0.95 * len(chains) and
       "--subprocesses" not in p.stderr,
       "chrooted target (root %s): Python frames in %d of %d samples, native frames named "
       "in %d" % (root, len(chains), len(records), len(native)), p.stderr if p else "hung")

os.unlink(SECRET)
done()
