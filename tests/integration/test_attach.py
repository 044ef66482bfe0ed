# SPDX-License-Identifier: GPL-2.0-or-later
"""Attach mode: sample a running process for a while, detach, and the target
runs on to a normal exit; SIGTERM to pysample also detaches cleanly."""
import signal
import os
import subprocess
import time

from pstest import (TMP, PYSAMPLE, each_interpreter, ok, done, parse, target, chain_in_order,
                    proc_state, tracer_of, wait_for_line)

CHAIN = target("chain.py")

for label, python in each_interpreter("attach"):
    tgt = subprocess.Popen([python, CHAIN, "4"], stdout=subprocess.PIPE, text=True)
    try:
        wait_for_line(tgt, "ready")
        time.sleep(0.2)
        out = os.path.join(TMP, "attach-%s.perf" % label)
        p = subprocess.run([PYSAMPLE, "-F", "999", "-p", str(tgt.pid), "--duration", "1", "-o", out],
                           capture_output=True, text=True, timeout=60)
        ok(p.returncode == 0, "%s: attach for 1 s exits 0" % label, p.stderr)
        records = parse(open(out).read())
        good = [r for r in records if chain_in_order(r.py_names(), ["c", "b", "a", "<module>"])]
        ok(len(records) > 150 and len(good) > 0.9 * len(records),
           "%s: %d/%d attached samples show c <- b <- a <- <module>" % (label, len(good), len(records)),
           p.stderr)
        ok("duration reached" in p.stderr, "%s: summary says why sampling ended" % label, p.stderr)
        ok(tracer_of(tgt.pid) == 0 and proc_state(tgt.pid) in ("R", "S"),
           "%s: target untraced and running after detach (state %s)" % (label, proc_state(tgt.pid)))
        # SIGTERM to pysample: stop, detach, summary; target unharmed.
        ps = subprocess.Popen([PYSAMPLE, "-p", str(tgt.pid), "-o", out + ".term"],
                              stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        ps.send_signal(signal.SIGTERM)
        err = ps.communicate(timeout=30)[1]
        ok(ps.returncode == 0 and "samples from" in err, "%s: SIGTERM ends sampling with a summary" % label,
           err)
        ok(tracer_of(tgt.pid) == 0, "%s: target untraced after SIGTERM detach" % label)
        rest = tgt.communicate(timeout=30)[0]
        ok(tgt.returncode == 0 and "finished" in rest,
           "%s: target ran on to a normal exit (status %s)" % (label, tgt.returncode), rest)
    finally:
        if tgt.poll() is None:
            tgt.kill()
            tgt.wait()
done()
