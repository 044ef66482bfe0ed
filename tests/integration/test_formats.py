# SPDX-License-Identifier: GPL-2.0-or-later
"""One recording, every format: a real run of examples/busy.py (native and
Python frames, two threads, inlined frames) written as `perf script` text,
then converted by `pysample report` to each format.  Every format must
hold the same stacks with the same counts: a profile never changes
meaning with its format.  Each file is read back independently here
(the collapsed lines, speedscope's JSON, the pprof protobuf, perf text
again, the SVG's boxes); the frames of a stack are compared by function
name, leaf to root, per thread name.  And the format follows -o's name."""
import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter

from pprofread import read_profile
from pstest import PYSAMPLE, TMP, TOP_SRCDIR, done, interpreters, ok, parse, profile, skip

BUSY = os.path.join(TOP_SRCDIR, "examples", "busy.py")


def python_name(sym):
    """'py::name:file[:line]' -> name; anything else as it is."""
    if sym.startswith("py::"):
        return sym[4:].split(":", 1)[0]
    return sym


def fold_perf(records):
    """perf text records -> Counter{(comm, frames leaf first): samples}."""
    out = Counter()
    for r in records:
        names = []
        for _, sym, _, dso in r.frames:
            # As stackcollapse-perf names a frame without a symbol.
            if sym == "[unknown]" and dso not in ("[unknown]", "inlined"):
                sym = "[%s]" % os.path.basename(dso)
            names.append(python_name(sym))
        out[(r.comm, tuple(names))] += 1
    return out


def fold_collapsed(text):
    out = Counter()
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        out[(frames[0], tuple(python_name(f) for f in reversed(frames[1:])))] += int(count)
    return out


def fold_speedscope(doc, period):
    frames = doc["shared"]["frames"]
    out = Counter()
    for prof in doc["profiles"]:
        comm = prof["name"].rsplit(" (pid", 1)[0]
        for stack, weight in zip(prof["samples"], prof["weights"]):
            names = tuple(re.sub(r" \(inlined\)$", "", frames[i]["name"]) for i in reversed(stack))
            out[(comm, names)] += round(weight / period)
    return out


def fold_pprof(prof):
    out = Counter()
    for s in prof["samples"]:
        names = []
        for lid in s["locations"]:
            names += [prof["functions"][fid]["name"] for fid, _ in prof["locations"][lid]["lines"]]
        out[(s["labels"].get("thread"), tuple(names))] += s["values"][0]
    return out


def svg_totals(path):
    """The SVG's boxes directly above its root: {thread name: samples}."""
    root = ET.parse(path).getroot()
    boxes = []
    for g in root.iter("{http://www.w3.org/2000/svg}g"):
        title = g.find("{http://www.w3.org/2000/svg}title")
        rect = g.find("{http://www.w3.org/2000/svg}rect")
        if title is None or rect is None:
            continue
        m = re.match(r"(.*) \(([\d,]+) samples?", title.text or "")
        if m:
            boxes.append((m.group(1), int(m.group(2).replace(",", "")), float(rect.get("y"))))
    return boxes


def report(src, args, out):
    p = subprocess.run([PYSAMPLE, "report", src, "-o", out] + args, capture_output=True, text=True,
                       timeout=120)
    return p


python = next((path for label, path in interpreters() if path and "pyenv" in label),
              next((path for _, path in interpreters() if path), None))
if python is None:
    skip("formats agree", "no CPython on this machine")
    done()
    raise SystemExit(0)

rec = os.path.join(TMP, "busy.perf")
p, records, err = profile(["-F", "499", "--", python, BUSY], rec)
if not ok(records is not None and len(records) > 500, "a recording of busy.py (%d records)"
          % len(records or []), (err or "") + p.stderr):
    done()
    raise SystemExit(0)
truth = fold_perf(records)
period = records[0].period
total = sum(truth.values())

folded = {}
for fmt, ext in (("perf", "perf"), ("collapsed", "folded"), ("speedscope", "speedscope.json"),
                 ("pprof", "pb.gz"), ("svg", "svg")):
    out = os.path.join(TMP, "busy-report." + ext)
    r = report(rec, [], out)  # the format from the name
    if not ok(r.returncode == 0 and os.path.exists(out),
              "report -o busy-report.%s: written (format from the name)" % ext, r.stderr):
        continue
    try:
        if fmt == "perf":
            folded[fmt] = fold_perf(parse(open(out).read()))
        elif fmt == "collapsed":
            folded[fmt] = fold_collapsed(open(out).read())
        elif fmt == "speedscope":
            folded[fmt] = fold_speedscope(json.load(open(out)), period)
        elif fmt == "pprof":
            folded[fmt] = fold_pprof(read_profile(out))
        else:
            boxes = svg_totals(out)
            root = [b for b in boxes if b[0] == "all"]
            threads = {}
            for name, n, _ in boxes:
                if name in {c for c, _ in truth}:
                    threads[name] = threads.get(name, 0) + n
            by_thread = Counter()
            for (comm, _), n in truth.items():
                by_thread[comm] += n
            ok(len(root) == 1 and root[0][1] == total and threads == dict(by_thread),
               "svg: the root holds the %d samples, each thread name its share %s"
               % (total, dict(by_thread)), "root %s, threads %s" % (root, threads))
    except (ValueError, KeyError, OSError, ET.ParseError) as e:
        ok(False, "%s: the file reads back" % fmt, str(e))

for fmt, got in folded.items():
    missing = truth - got
    extra = got - truth
    ok(got == truth,
       "%s: the same %d stacks with the same counts as the recording (%d samples)"
       % (fmt, len(truth), total),
       "in the recording, not in %s: %s\nin %s, not in the recording: %s"
       % (fmt, list(missing.items())[:3], fmt, list(extra.items())[:3]))

# -f wins over the name; an unknown format is a usage error naming the
# known ones.
out = os.path.join(TMP, "named.svg")
r = report(rec, ["-f", "collapsed"], out)
ok(r.returncode == 0 and fold_collapsed(open(out).read()) == truth,
   "-f collapsed wins over the .svg name", r.stderr)
r = report(rec, ["-f", "png"], os.path.join(TMP, "x.png"))
ok(r.returncode == 2 and "perf, collapsed, svg, speedscope, pprof" in r.stderr,
   "-f png: exit 2, the formats named", r.stderr)

# Python frames name their file short (examples/busy.py), the whole path
# being the dso; --full-filenames puts the whole path back in the name.
hot = [f for r in records for f in r.frames if f[1].startswith("py::hot:")]
ok(hot and all(f[1] == "py::hot:examples/busy.py" and f[3] in (BUSY, os.path.realpath(BUSY))
               for f in hot),
   "Python frames: py::hot:examples/busy.py, the whole path as the dso (%d frames)" % len(hot),
   str(hot[:2]))
out = os.path.join(TMP, "full.perf")
p, full, _ = profile(["--full-filenames", "-F", "499", "--", python, BUSY], out)
hot = [f for r in full or [] for f in r.frames if f[1].startswith("py::hot:")]
ok(hot and all(f[1] == "py::hot:" + f[3] and f[3].endswith("/examples/busy.py") for f in hot),
   "--full-filenames: py::hot:<the whole path>, as the dso", str(hot[:2]))

# A live run writes the format its -o names, the same way.
out = os.path.join(TMP, "live.folded")
p, _, _ = profile(["-F", "499", "--", python, BUSY], out)
live = fold_collapsed(open(out).read()) if os.path.exists(out) else Counter()
ok(p.returncode == 0 and sum(live.values()) == p.stats.get("samples") and
   any(any(n == "hot" for n in names) for _, names in live),
   "a live run with -o live.folded writes collapsed stacks: %d samples, as --stats counts"
   % sum(live.values()), p.stderr)
done()
