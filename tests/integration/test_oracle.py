# SPDX-License-Identifier: GPL-2.0-or-later
"""pysample's native frames against eu-stack's on the same stopped stack.

Each target blocks (in read() or time.sleep()) under a known chain, so its
stack stays still: pysample samples it (--idle --native-all), detaches,
and eu-stack then unwinds the same thread.  The native frames must be the
same addresses, frame by frame; pysample only replaces each
_PyEval_EvalFrameDefault with the Python frames it runs."""
import os
import re
import shutil
import subprocess
import tempfile
import time

from pstest import (TMP, PYSAMPLE, each_interpreter, ok, skip, done, parse, target, wait_for_line,
                    todo)

CC = os.environ.get("CC", "cc").split()
EVAL = re.compile(r"^_PyEval_EvalFrameDefault(\..*)?$")


def eu_stack(pid):
    """[(pc, name)] of the main thread, leaf first."""
    out = subprocess.run(["eu-stack", "-p", str(pid)], capture_output=True, text=True, timeout=60).stdout
    frames, in_main = [], False
    for line in out.splitlines():
        if line.startswith("TID "):
            in_main = line.strip() == "TID %d:" % pid
            continue
        m = re.match(r"^#\d+\s+0x([0-9a-f]+)\s*(\S*)", line)
        if in_main and m:
            frames.append((int(m.group(1), 16), m.group(2)))
    return frames


def compare(label, argv, backends=("libdw", "libunwind"), env=None):
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    try:
        wait_for_line(proc, "ready")
        time.sleep(0.5)  # let it block
        for backend in backends:
            out = os.path.join(TMP, "oracle-%s-%s.perf" % (label, backend))
            p = subprocess.run([PYSAMPLE, "--unwinder", backend, "--idle", "--native-all", "-F", "20",
                                "-d", "0.3", "-p", str(proc.pid), "-o", out],
                               capture_output=True, text=True, timeout=60)
            mine = [r for r in parse(open(out).read()) if r.tid == proc.pid]
            theirs = eu_stack(proc.pid)
            if not mine or not theirs:
                ok(False, "%s, %s: both tools produced a stack" % (label, backend), p.stderr)
                continue
            # eu-stack prints no inlined frames without -i: compare real frames.
            native = [(f[0], f[1].split("+0x")[0]) for f in mine[-1].frames
                      if not f[1].startswith("py::") and f[3] != "inlined"]
            pyframes = [f for f in mine[-1].frames if f[1].startswith("py::")]
            expected = [f for f in theirs if not EVAL.match(f[1])]
            same = [a for a, _ in native] == [a for a, _ in expected]
            ok(same and len(native) >= 5,
               "%s, %s: %d native frames equal eu-stack's frame by frame (%d eval frames -> %d Python frames)"
               % (label, backend, len(native), len(theirs) - len(expected), len(pyframes)),
               "pysample: %s\neu-stack: %s\n%s" % (
                   ["%x %s" % f for f in native], ["%x %s" % f for f in expected], p.stderr))
    finally:
        proc.kill()
        proc.wait()


if not shutil.which("eu-stack"):
    skip("eu-stack oracle", "eu-stack not installed ('apt-get install elfutils')")
    done()

tmp = tempfile.mkdtemp(prefix="pys-oracle-")
exe = os.path.join(tmp, "deepchain")
cc = subprocess.run(CC + ["-O2", "-fomit-frame-pointer", "-g", "-o", exe, target("deepchain.c")],
                    capture_output=True, text=True)
if ok(cc.returncode == 0, "deepchain builds", cc.stderr):
    compare("deepchain", [exe, "block"])

for label, python in each_interpreter("native frames equal eu-stack's"):
    compare(label, [python, target("mixed.py"), "sleep", "60"])
done()
