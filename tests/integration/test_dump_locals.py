# SPDX-License-Identifier: GPL-2.0-or-later
"""`pysample dump --locals` on every CPython found, against the values the
program prints itself (tests/targets/dump_locals.py): arguments, locals
and a closure's cell variable, of two threads; None, bools, small, big,
negative and huge ints, floats, str with non-ASCII and control
characters, bytes, cut at their bound with their length said; a list of
a million items and a dict of 100,000 by their length only; instances by
type and address.  Also the text form, that nothing is read without
--locals, and each thread's name as threading has it (one the program
chose, with non-ASCII characters; one threading made up)."""
import json
import subprocess

from pstest import PYSAMPLE, done, each_interpreter, ok, target

# Made after the program printed its own view: read, but not compared.
LATER = {"started", "t", "crowded_ready"}
SHOWN = 64  # locals shown per frame


def python_frame(thread, function):
    for f in thread["frames"] if thread else []:
        if f["kind"] == "python" and (f["function"] or "").rsplit(".", 1)[-1] == function:
            return f
    return None


for label, python in each_interpreter("dump --locals"):
    proc = subprocess.Popen([python, target("dump_locals.py")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        reports = []
        for line in proc.stdout:
            if line.startswith("ready"):
                break
            reports.append(json.loads(line))
        if not ok(len(reports) == 3, "%s: the program reports its three threads' locals" % label,
                  proc.stderr.read() if proc.poll() is not None else ""):
            continue
        p = subprocess.run([PYSAMPLE, "dump", "-p", str(proc.pid), "--locals", "--json"],
                           capture_output=True, text=True, timeout=60)
        data = json.loads(p.stdout) if p.stdout.startswith("{") else None
        ok(p.returncode == 0 and data, "%s: dump --locals --json exits 0" % label, p.stderr)
        threads = {t["tid"]: t for t in (data or {}).get("threads", [])}
        for rep in reports:
            frame = python_frame(threads.get(rep["tid"]), rep["function"])
            got = {v["name"]: v["value"] for v in (frame or {}).get("locals", [])}
            want = rep["expected"]
            wrong = {k: (v, want.get(k)) for k, v in got.items() if k in want and want[k] != v}
            extra = set(got) - set(want) - LATER
            if len(want) > SHOWN:
                # The first 64, in the code object's order; the count of all.
                complete = len(got) == SHOWN and frame.get("locals_total") == len(want) and \
                    list(got) == list(want)[:SHOWN]
            else:
                complete = set(want) <= set(got) and frame.get("locals_total") == len(got)
            ok(frame and complete and not wrong and not extra and
               frame.get("locals_error") is None,
               "%s: %s(): %d locals as the program sees them (%d shown, total %s)"
               % (label, rep["function"], len(want), len(got), (frame or {}).get("locals_total")),
               "differ (dump, program): %s\nnot expected: %s\nframe: %s" % (wrong, extra, frame))
        for rep in reports:
            t = threads.get(rep["tid"]) or {}
            ok(t.get("python_name") == rep["thread_name"],
               "%s: thread %d is named %r, as threading names it" % (label, rep["tid"],
                                                                     t.get("python_name")),
               "the program says %r" % rep["thread_name"])
        # Every Python frame of the dump carries its locals, each read.
        frames = [f for t in threads.values() for f in t["frames"] if f["kind"] == "python"]
        ok(frames and all("locals" in f and f["locals_error"] is None for f in frames),
           "%s: all %d Python frames have their locals read" % (label, len(frames)))

        inner = next(r for r in reports if r["function"] == "inner")["expected"]
        text = subprocess.run([PYSAMPLE, "dump", "-p", str(proc.pid), "--locals"],
                              capture_output=True, text=True, timeout=60)
        lines = set(text.stdout.splitlines())
        missing = [k for k in ("text", "long_text", "big", "items", "tenth")
                   if "        %s = %s" % (k, inner[k]) not in lines]
        if "        [%d more locals not shown]" % (70 + 1 - SHOWN) not in lines:
            missing.append("the line saying crowded() has more locals")
        worker_name = next(r for r in reports if r["function"] == "worker")["thread_name"]
        if not any(line.startswith("Thread %d \"%s\" (OS name " % (
                next(r for r in reports if r["function"] == "worker")["tid"], worker_name))
                for line in lines):
            missing.append("the worker's header line with its Python name")
        ok(text.returncode == 0 and not missing,
           "%s: the text form shows each local under its frame, as `name = value`" % label,
           "missing: %s\n%s" % (missing, text.stdout[-3000:]))

        plain = subprocess.run([PYSAMPLE, "dump", "-p", str(proc.pid), "--json"],
                               capture_output=True, text=True, timeout=60)
        ok(plain.returncode == 0 and '"locals"' not in plain.stdout,
           "%s: without --locals no locals are read" % label, plain.stderr)
    finally:
        proc.kill()
        proc.wait()
done()
