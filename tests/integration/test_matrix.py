# SPDX-License-Identifier: GPL-2.0-or-later
"""The same stack shapes on every CPython: recursion, deep recursion (600),
recursion alternating between two call sites (300),
generators, coroutines, methods, class and static methods, lambdas, nested
functions and threads.  Each spins on one line after recording its own
stack (sys._getframe); pysample's Python frames, with --lines, must equal
it frame by frame: qualified name (co_name before 3.11), file and line."""
import json
import os
import subprocess

from pstest import TMP, PYSAMPLE, each_interpreter, ok, done, parse, target

SCRIPT = target("matrix.py")
SCENARIOS = ["recursion", "deep recursion", "alternating recursion", "generator", "coroutine", "method", "classmethod",
             "staticmethod", "lambda", "nested", "thread"]


def frame_of(sym, dso):
    """'py::name:file:line' (file in its short form, the whole path the
    dso) -> (name, path, line).  Names may hold ':'?  No: qualnames use
    '.', and '<lambda>'/'<locals>' have no colon."""
    body = sym[4:].split("+0x")[0]
    if ":" not in body:  # py::[unreadable code object]
        return body, None, None
    name, rest = body.split(":", 1)
    if ":" not in rest:  # a frame without a line: never spin() or its callers
        return name, rest, None
    short, line = rest.rsplit(":", 1)
    # A name whose file does not end its dso keeps what it says, and the
    # comparison with the interpreter's own stack fails on it.
    return name, dso if dso == short or dso.endswith("/" + short) else short, int(line)


for label, python in each_interpreter("stack shapes match the interpreter's own"):
    for mode in ([], ["--python-only"]):
        out = os.path.join(TMP, "matrix-%s%s.perf" % (label, "-py" if mode else ""))
        p = subprocess.run([PYSAMPLE, "--lines", "-F", "499", "-o", out] + mode +
                           ["--", python, SCRIPT, "0.4"], capture_output=True, text=True, timeout=180)
        expected = {}
        for line in p.stdout.splitlines():
            e = json.loads(line)
            expected[e["scenario"]] = (e["tid"], [tuple(f) for f in reversed(e["stack"])])
        records = parse(open(out).read())
        for scenario in SCENARIOS:
            if scenario not in expected:
                ok(False, "%s%s: %s ran" % (label, " (python-only)" if mode else "", scenario), p.stderr)
                continue
            tid, want = expected[scenario]
            mine = []
            for r in records:
                if r.tid != tid:
                    continue
                frames = [frame_of(f[1], f[3]) for f in r.frames if f[1].startswith("py::")]
                if frames[:2] == want[:2]:  # spin() and its caller name the scenario
                    mine.append(frames)
            exact = [f for f in mine if f == want]
            ok(len(mine) >= 15 and len(exact) >= 0.95 * len(mine),
               "%s%s: %s: %d of %d samples in spin() equal the %d-frame stack it recorded"
               % (label, " (python-only)" if mode else "", scenario, len(exact), len(mine), len(want)),
               "want: %s\ngot:  %s\n%s" % (want[:6], (next((f for f in mine if f != want), []))[:6],
                                            p.stderr))
done()
