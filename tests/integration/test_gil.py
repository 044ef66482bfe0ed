# SPDX-License-Identifier: GPL-2.0-or-later
"""--gil keeps only the thread holding the GIL: a thread hashing in C with
the GIL released is sampled by default but not with --gil, while the
thread running Python is sampled in both, on every CPython."""
import os
import subprocess

from pstest import TMP, PYSAMPLE, each_interpreter, ok, done, parse, target

for label, python in each_interpreter("--gil"):
    counts = {}
    for mode in ("default", "--gil"):
        out = os.path.join(TMP, "gil-%s-%s.perf" % (label, mode))
        p = subprocess.run([PYSAMPLE, "-F", "499", "-o", out] + ([mode] if mode != "default" else []) +
                           ["--", python, target("gil.py"), "1.5"], capture_output=True, text=True,
                           timeout=120)
        tids = {l.split()[1]: int(l.split()[2]) for l in p.stdout.splitlines() if l.startswith("thread ")}
        records = parse(open(out).read())
        counts[mode] = {name: sum(1 for r in records if r.tid == tid) for name, tid in tids.items()}
        counts[mode]["stderr"] = p.stderr
    d, g = counts["default"], counts["--gil"]
    ok(d.get("hashing", 0) > 60 and d.get("python_spin", 0) > 60,
       "%s: by default both threads are sampled (%s hashing, %s Python)"
       % (label, d.get("hashing"), d.get("python_spin")), d["stderr"])
    ok(g.get("python_spin", 0) > 20 and g.get("hashing", 0) <= 0.05 * g.get("python_spin", 1),
       "%s: with --gil only the GIL holder is (%s hashing, %s Python)"
       % (label, g.get("hashing"), g.get("python_spin")), g["stderr"])
done()
