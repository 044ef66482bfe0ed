# SPDX-License-Identifier: GPL-2.0-or-later
"""A target that exits while its samples still wait to be processed.
Unwinding and naming read the target's memory and files (code without CFI,
the executable, shared libraries): pysample holds the exiting process at
its exit stop until processing has caught up, so the last samples are as
complete as the first.  PYSAMPLE_TEST_PROCESS_DELAY_MS starts processing
late, as on a loaded machine, so that every sample is processed after the
target has asked to exit; PYSAMPLE_TEST_PROCESS_EACH_US makes every
sample slow to process, so that processing falls further and further
behind and finds code already unmapped."""
import os
import re
import subprocess
import time

from pstest import (PYSAMPLE, TMP, done, each_interpreter, ok, profile, read_stats, skip, target,
                    version_of)

CC = os.environ.get("CC", "cc").split()
ROOT = ["main", "__libc_start_call_main", "__libc_start_main", "_start"]
BLOB_CHAIN = ["c_leaf", "[unknown]", "c_middle", "asm_relay", "c_outer"] + ROOT
LATE = dict(os.environ, PYSAMPLE_TEST_PROCESS_DELAY_MS="1500")


def names(record):
    return [re.split(r"[.@+]", s, 1)[0] for s in record.syms()]


def held(stats):
    """(exits held, longest hold in ms, holds let go before processing had
    caught up), or None when no exit was held."""
    if not stats.get("exits_held"):
        return None
    return (int(stats["exits_held"]), stats.get("exit_hold_max_ms"),
            int(stats.get("exits_hold_timeouts", 0)))


def blob_complete(records):
    leaf = [r for r in records if r.frames and names(r)[0] == "c_leaf"]
    return leaf, [r for r in leaf if names(r) == BLOB_CHAIN]


exe = os.path.join(TMP, "nocfi-exit")
cc = subprocess.run(CC + ["-O2", "-g", "-fno-omit-frame-pointer", "-fno-optimize-sibling-calls",
                          "-o", exe, target("nocfi.c"), target("nocfi-asm.S")],
                    capture_output=True, text=True)
ok(cc.returncode == 0, "nocfi builds", cc.stderr)

# Launched: code without CFI in an anonymous mapping is analysed from the
# target's memory; with processing 1.5 s late, all of it happens at exit.
for unwinder in ("libdw", "libunwind"):
    out = os.path.join(TMP, "exit-blob-%s.perf" % unwinder)
    p, records, err = profile(["--unwinder", unwinder, "-F", "499", "--", exe, "blob", "1"], out,
                              env=LATE)
    leaf, right = blob_complete(records or [])
    hold = held(p.stats)
    ok(p.returncode == 0 and len(leaf) > 100 and len(right) >= 0.95 * len(leaf),
       "%s, processed after the exit: %d of %d leaf samples unwind through the anonymous code "
       "to _start" % (unwinder, len(right), len(leaf)), (err or "") + p.stderr)
    ok(hold is not None and hold[0] == 1 and hold[1] >= 100 and not hold[2],
       "%s: the summary says the exit was held until processing caught up" % unwinder, p.stderr)

# Every CPython: the native half of a mixed stack needs libpython's CFI and
# symbols, read from the process's mappings.
for label, python in each_interpreter("samples processed after the exit"):
    out = os.path.join(TMP, "exit-%s.perf" % label)
    p, records, err = profile(["-F", "499", "--", python, target("chain.py"), "0.5", "5"], out,
                              env=LATE)
    in_c = [r for r in (records or []) if r.py_names()[:1] == ["c"]]
    whole = [r for r in in_c if r.py_names()[:4] == ["c", "b", "a", "<module>"] and
             names(r)[-1] == "_start" and "Py_BytesMain" in names(r)]
    ok(p.returncode == 5 and len(in_c) > 100 and len(whole) >= 0.95 * len(in_c),
       "%s: %d of %d samples in c() have the Python chain and the interpreter's native frames "
       "(Py_BytesMain) down to _start; exit status 5 passed on" % (label, len(whole), len(in_c)),
       (err or "") + p.stderr)

# Unmapped code: a -X perf interpreter unmaps its trampolines while it
# finalises.  Processing 5 ms per sample (at 299 Hz) falls further behind
# all along, and re-reads the maps after they are gone, while samples from
# before still wait: the trampolines must still be known, and their
# analysis must stand, for those to reach _start.
SLOW = dict(os.environ, PYSAMPLE_TEST_PROCESS_EACH_US="5000")
for label, python in each_interpreter("-X perf trampolines unmapped before processing"):
    if version_of(python) < (3, 12):
        continue
    probe = subprocess.run([python, "-X", "perf", "-c",
                            "import sys; print(sys.is_stack_trampoline_active())"],
                           capture_output=True, text=True)
    if probe.stdout.strip() != "True":
        skip("%s: -X perf trampolines unmapped" % label, "built without perf trampoline support")
        continue
    for unwinder in ("libdw", "libunwind"):
        out = os.path.join(TMP, "exit-xperf-%s-%s.perf" % (label, unwinder))
        p, records, err = profile(["--unwinder", unwinder, "-F", "299", "--", python, "-X", "perf",
                                   target("chain.py"), "1.5"], out, env=SLOW)
        in_c = [r for r in (records or []) if r.py_names()[:4] == ["c", "b", "a", "<module>"]]
        full = [r for r in in_c if names(r)[-1] == "_start"]
        ok(len(in_c) > 150 and len(full) >= 0.95 * len(in_c),
           "%s, %s: -X perf, processing behind: %d of %d samples in c() unwind through the "
           "trampolines to _start" % (label, unwinder, len(full), len(in_c)), (err or "") + p.stderr)

# Attached: the target is not pysample's child.  Its exit is held all the
# same, and its parent still gets its exit status.
tgt = subprocess.Popen([exe, "blob", "1"])
time.sleep(0.1)
out = os.path.join(TMP, "exit-attach.perf")
p, records, err = profile(["-F", "499", "-p", str(tgt.pid)], out, env=LATE)
status = tgt.wait(timeout=30)
leaf, right = blob_complete(records or [])
ok(p.returncode == 0 and status == 0 and len(leaf) > 50 and len(right) >= 0.95 * len(leaf) and
   held(p.stats) is not None,
   "attached: %d of %d leaf samples complete; the exit was held; the target's parent got "
   "status %s" % (len(right), len(leaf), status), (err or "") + p.stderr)

# The hold is bounded: with processing 8 s late, the target is let go
# (after 3 s) while pysample is still processing, and the summary says so.
tgt = subprocess.Popen([exe, "blob", "0.5"])
time.sleep(0.1)
stats_path = os.path.join(TMP, "exit-bound.stats")
ps = subprocess.Popen([PYSAMPLE, "-F", "99", "-o", os.path.join(TMP, "exit-bound.perf"),
                       "--stats", stats_path, "-p", str(tgt.pid)], stderr=subprocess.PIPE,
                      text=True, env=dict(os.environ, PYSAMPLE_TEST_PROCESS_DELAY_MS="8000"))
status = tgt.wait(timeout=30)
pysample_still_running = ps.poll() is None
stderr = ps.communicate(timeout=60)[1]
hold = held(read_stats(stats_path))
ok(status == 0 and pysample_still_running and hold is not None and
   hold[2] > 0 and 2000 <= hold[1] < 8000,
   "a held exit is let go before processing catches up when that takes too long "
   "(held %s ms; target reaped while pysample still processed: %s)"
   % (hold[1] if hold else None, pysample_still_running), stderr)
done()
