# SPDX-License-Identifier: GPL-2.0-or-later
"""Python frames in the moments CPython is in between: a frame that has
not run its first instruction yet (a profile function sees its call),
a generator handing control back to its caller (3.12 tears the chain for
an instant), and a thread that has only just started."""
import os
import re
from collections import Counter

from pstest import TMP, done, each_interpreter, ok, profile, target


def py_frames(record):
    """(name, line, offset) of each Python frame, leaf first."""
    out = []
    for _, sym, off, _ in record.frames:
        if sym.startswith("py::"):
            name, _, line = sym[4:].rpartition(":")
            out.append((name.split(":", 1)[0], line, off))
    return out


# A frame about to run its first instruction is at its first line and at
# offset 0, as CPython reports it (3.8-3.10 store -1 as its last
# instruction, and a reader taking that as an offset got line -1).
for label, py in each_interpreter("a frame not started yet"):
    out = os.path.join(TMP, "notstarted-%s.perf" % label)
    p, records, err = profile(["--lines", "-F", "499", "--", py, target("notstarted.py"), "1"], out)
    first = re.search(r"^firstline (\d+)$", p.stdout, re.M)
    seen = Counter()
    for r in records or []:
        frames = py_frames(r)
        for inner, outer in zip(frames, frames[1:]):
            if inner[0] == "on_event" and outer[0] == "called":
                seen[(outer[1], outer[2])] += 1
    ok(first and sum(seen.values()) > 200 and list(seen) == [(first.group(1), 0)],
       "%s: called() seen from its profile function %d times, at line:offset %s (its first "
       "line is %s)" % (label, sum(seen.values()),
                        ", ".join("%s:%#x" % k for k in seen), first and first.group(1)),
       (err or "") + p.stderr)
done()
