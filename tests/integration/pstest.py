# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared helpers for pysample's integration tests: finding the interpreters
on the machine, running pysample on real targets, parsing its output, and
reporting in TAP (the automake harness counts every check)."""

import atexit
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

PYSAMPLE = os.environ.get("PYSAMPLE") or os.path.join(
    os.path.dirname(__file__), "..", "..", "pysample")
TOP_SRCDIR = os.environ.get("TOP_SRCDIR") or os.path.join(os.path.dirname(__file__), "..", "..")
TARGETS = os.path.join(TOP_SRCDIR, "tests", "targets")

# Every run writes into its own directory: concurrent runs never share files.
TMP = tempfile.mkdtemp(prefix="pysample-test-")

_count = 0
_failed = 0


def _descendants(root):
    parent = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    parent[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found, frontier = [], [root]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        found += kids
        frontier += kids
    return found


@atexit.register
def _kill_leftovers():
    """A check that failed by an exception may leave a spinning target (and
    the pysample tracing it) behind, which would slow every later test of
    the suite: whatever this test started and is still alive goes now."""
    for pid in _descendants(os.getpid()):
        try:
            os.kill(pid, signal.SIGKILL)
            sys.stderr.write("# killed leftover process %d\n" % pid)
        except OSError:
            pass


def ok(cond, name, diag=None):
    global _count, _failed
    _count += 1
    if not cond:
        _failed += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (_count, name))
    if not cond and diag:
        for line in str(diag).splitlines()[:40]:
            print("#   " + line)
    sys.stdout.flush()
    return cond


def skip(name, why):
    """A skip is loud: it says what is missing and how to get it."""
    global _count
    _count += 1
    print("ok %d - %s # SKIP %s" % (_count, name, why))
    sys.stdout.flush()


def todo(name, why):
    """A known gap, reported as such (TAP TODO: counted apart, never as a pass)."""
    global _count
    _count += 1
    print("not ok %d - %s # TODO %s" % (_count, name, why))
    sys.stdout.flush()


def diag(msg):
    for line in str(msg).splitlines():
        print("# " + line)


def done():
    print("1..%d" % _count)
    sys.exit(1 if _failed else 0)


def pyenv_root():
    root = os.environ.get("PYENV_ROOT")
    if root:
        return root
    exe = shutil.which("pyenv")
    if exe:
        try:
            return subprocess.check_output([exe, "root"], text=True).strip()
        except (OSError, subprocess.CalledProcessError):
            pass
    return os.path.expanduser("~/.pyenv")


# Every CPython the project supports, and where each kind of build is
# expected on the test machine.  Missing ones are reported as skips.
SUPPORTED_MINORS = range(8, 14)


def interpreters():
    """(label, path) for every supported CPython on the machine, plus the
    expected ones that are missing as (label, None)."""
    found = []
    root = pyenv_root()
    for minor in SUPPORTED_MINORS:
        paths = sorted(glob.glob(os.path.join(root, "versions", "3.%d.*" % minor, "bin",
                                              "python3.%d" % minor)))
        paths = [p for p in paths if re.search(r"/3\.%d\.\d+/" % minor, p)]
        if paths:
            for p in paths:
                found.append(("pyenv-" + p.split("/versions/")[1].split("/")[0], p))
        else:
            found.append(("pyenv-3.%d" % minor, None))
    for label, path in (("debian-3.11", "/usr/bin/python3.11"),
                        ("debian-3.11-dbg", "/usr/bin/python3.11d")):
        found.append((label, path if os.path.exists(path) else None))
    return found


def each_interpreter(name):
    """Yields (label, path) for present interpreters; emits a SKIP for absent ones."""
    for label, path in interpreters():
        if path is None:
            skip("%s: %s" % (label, name),
                 "%s not installed (pyenv build or 'apt-get install python3.11%s')"
                 % (label, "-dbg" if "dbg" in label else ""))
            continue
        yield label, path


def version_of(path):
    out = subprocess.check_output([path, "-c", "import sys; print(*sys.version_info[:2])"],
                                  text=True)
    return tuple(int(x) for x in out.split())


HEADER = re.compile(r"^(\S.*?)\s+(\d+)/(\d+)\s+(\d+\.\d+):\s+(\d+)\s+(\S+):\s*$")
FRAME = re.compile(r"^\t\s*([0-9a-f]+) (.+?)(?:\+0x([0-9a-f]+))? \((\S*)\)$")


class Record:
    def __init__(self, comm, pid, tid, time_s, period, event):
        self.comm, self.pid, self.tid = comm, pid, tid
        self.time, self.period, self.event = time_s, period, event
        self.frames = []  # (addr, sym, offset, dso), leaf first
        self.insn = None  # the " insn: ..." line of --insn

    def syms(self):
        return [f[1] for f in self.frames]

    def py_names(self):
        """Python function names, leaf first: 'py::name:file' -> 'name'."""
        out = []
        for _, sym, _, _ in self.frames:
            if sym.startswith("py::"):
                out.append(sym[4:].split(":", 1)[0])
        return out


def parse(text):
    """Parses perf script text strictly: any line that is not part of a
    well-formed record raises, so format slips fail the tests."""
    records = []
    cur = None
    lines = text.split("\n")
    if text and not text.endswith("\n\n"):
        raise ValueError("output does not end with a blank line: %r" % text[-80:])
    for n, line in enumerate(lines[:-1], 1):
        if line == "":
            if cur is None:
                raise ValueError("line %d: empty line outside a record" % n)
            records.append(cur)
            cur = None
            continue
        if cur is None:
            m = HEADER.match(line)
            if not m:
                raise ValueError("line %d: bad header %r" % (n, line))
            cur = Record(m.group(1), int(m.group(2)), int(m.group(3)), float(m.group(4)),
                         int(m.group(5)), m.group(6))
            continue
        if line.startswith(" insn:") and cur.insn is None:
            cur.insn = line
            continue
        m = FRAME.match(line)
        if not m:
            raise ValueError("line %d: bad frame line %r" % (n, line))
        cur.frames.append((int(m.group(1), 16), m.group(2),
                           int(m.group(3), 16) if m.group(3) else None, m.group(4)))
    if cur is not None:
        raise ValueError("last record has no blank line after it")
    return records


def run_pysample(args, timeout=120, **kw):
    """Runs pysample with args; returns CompletedProcess (text)."""
    return subprocess.run([PYSAMPLE] + args, capture_output=True, text=True, timeout=timeout,
                          **kw)


def read_stats(path):
    """pysample's --stats file as a dict: numbers as float, the rest as str;
    {} when there is none."""
    out = {}
    try:
        with open(path) as f:
            for line in f:
                key, _, value = line.rstrip("\n").partition("=")
                try:
                    out[key] = float(value)
                except ValueError:
                    out[key] = value
    except OSError:
        pass
    return out


def profile(args, out_path, timeout=120, **kw):
    """Runs pysample -o out_path args...; returns (proc, records or None,
    error).  proc.stats holds the run's numbers (--stats, read_stats)."""
    stats_path = out_path + ".stats"
    if os.path.exists(stats_path):
        os.unlink(stats_path)
    proc = run_pysample(["-o", out_path, "--stats", stats_path] + args, timeout=timeout, **kw)
    proc.stats = read_stats(stats_path)
    try:
        with open(out_path) as f:
            return proc, parse(f.read()), None
    except (OSError, ValueError) as e:
        return proc, None, str(e)


def target(name):
    return os.path.join(TARGETS, name)


def wait_for_line(proc, token, timeout=30):
    """Reads proc.stdout until a line containing token; returns that line."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if token in line:
            return line
    return None


def proc_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def tracer_of(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("TracerPid:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def share(records, pred):
    if not records:
        return 0.0
    return sum(1 for r in records if pred(r)) / len(records)


def chain_in_order(names, expected):
    """True if expected (leaf first) appears as a contiguous run in names."""
    for i in range(len(names) - len(expected) + 1):
        if names[i:i + len(expected)] == expected:
            return True
    return False
