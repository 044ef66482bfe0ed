# SPDX-License-Identifier: GPL-2.0-or-later
"""Sub-interpreters: a thread running code in a sub-interpreter is sampled
with that interpreter's frames, beside the main interpreter's thread."""
import os
import subprocess

from pstest import TMP, PYSAMPLE, each_interpreter, ok, skip, done, parse, target, version_of

for label, python in each_interpreter("sub-interpreters"):
    if version_of(python) < (3, 12):
        skip("%s: sub-interpreters" % label, "no sub-interpreter module before 3.12")
        continue
    out = os.path.join(TMP, "subinterp-%s.perf" % label)
    p = subprocess.run([PYSAMPLE, "-F", "499", "-o", out, "--", python, target("subinterp.py"), "1.5"],
                       capture_output=True, text=True, timeout=120)
    if "finished" not in p.stdout:
        skip("%s: sub-interpreters" % label, "the interpreter could not run one: %s" % p.stderr[-200:])
        continue
    records = parse(open(out).read())
    sub = [r for r in records if "inside_subinterpreter" in r.py_names()]
    main = [r for r in records if "main_interpreter_spin" in r.py_names()]
    ok(len(sub) > 40 and len(main) > 40 and not ({r.tid for r in sub} & {r.tid for r in main}),
       "%s: %d samples inside the sub-interpreter, %d in the main one, on their own threads"
       % (label, len(sub), len(main)), p.stderr)
done()
