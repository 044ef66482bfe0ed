# SPDX-License-Identifier: GPL-2.0-or-later
"""Attribution: a script that spends 70% of its time in hot() and 30% in
cold() is measured within 5 percentage points of what it measures itself."""
import os
import subprocess

from pstest import TMP, PYSAMPLE, each_interpreter, ok, done, parse, target

for label, python in each_interpreter("70/30 split"):
    out = os.path.join(TMP, "split-%s.perf" % label)
    p = subprocess.run([PYSAMPLE, "-F", "999", "-o", out, "--", python, target("split.py"), "3"],
                       capture_output=True, text=True, timeout=120)
    truth = float(p.stdout.split()[-1]) if "measured-hot-share" in p.stdout else None
    records = parse(open(out).read())
    hot = sum(1 for r in records if "hot" in r.py_names())
    cold = sum(1 for r in records if "cold" in r.py_names())
    share = hot / (hot + cold) if hot + cold else 0
    ok(truth is not None and hot + cold > 800 and abs(share - truth) <= 0.05,
       "%s: hot() share %.1f%% vs %.1f%% measured by the script (%d samples)"
       % (label, 100 * share, 100 * (truth or 0), hot + cold), p.stderr)
done()
