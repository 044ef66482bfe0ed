# SPDX-License-Identifier: GPL-2.0-or-later
"""pysample report: `perf script` text in, any format out.

(a) Real perf: a Python workload and a C program (inlined frames, with
    --call-graph dwarf) recorded with Debian's perf; each `perf script`
    layout (tid or pid/tid, --ns, no offsets/period/event, --header, [cpu]
    with -a) read into collapsed stacks: no record lost (the counts add up
    to the records perf printed) and every stack as a Python folding of
    the same text, by the same rules, makes it.
(b) pysample's own output: collapsed as the Python folding makes it, and
    `-f perf` gives the input back byte for byte.
(c) --top on tests/targets/split.py: the run's table and report's agree;
    hot and cold share the time as the target measured it.
(d) Hostile input: random bytes, NULs, huge lines, cut files: exit 0 or 1,
    never a crash, the counts said; usage errors exit 2; a failed report
    leaves an earlier output alone.
"""
import os
import random
import re
import shutil
import subprocess

from pstest import (PYSAMPLE, TMP, ok, skip, done, diag, parse, interpreters, profile,
                    run_pysample, target)

CC = os.environ.get("CC", "cc").split()

# ---- A folding of perf text, by the rules of src/perftext.h and profile_frame_label ----

HEADER = re.compile(r"^(\S.*?)\s+(-?\d+)(?:/(-?\d+))?\s+(?:\[\d+\]\s+)?(\d+(?:\.\d+)?):(?:\s|$)")
ADDR = re.compile(r"^\s*(?:0x)?([0-9a-fA-F]{1,16})\s+(.*)$")
OFFSET = re.compile(r"\+0x[0-9a-fA-F]{1,16}$")


def dso_split(rest):
    """'sym+0x1 (dso)' -> ('sym+0x1', 'dso'): the dso is in the line's last
    balanced parentheses; None when there are none."""
    rest = rest.rstrip(" \t")
    if not rest.endswith(")"):
        return None
    depth = 0
    for i in range(len(rest) - 1, -1, -1):
        if rest[i] == ")":
            depth += 1
        elif rest[i] == "(":
            depth -= 1
            if depth == 0:
                if i == 0 or rest[i - 1] in " \t":
                    return rest[:i].rstrip(" \t"), rest[i + 1:-1]
                break
    i = rest.rfind(" (")
    return (rest[:i].rstrip(" \t"), rest[i + 2:-1]) if i >= 0 else None


def unescape(dso):
    return re.sub(r"%2([0895])", lambda m: {"0": " ", "8": "(", "9": ")", "5": "%"}[m.group(1)], dso)


def frame_of(line):
    """(kind, name, module) of a frame line, as perftext.c reads it."""
    m = ADDR.match(line)
    parts = m and dso_split(m.group(2))
    if not parts:
        return None
    sym, dso = parts
    sym = OFFSET.sub("", sym)
    if sym.startswith("py::"):
        return ("python", sym, None)  # the label is the symbol itself
    if dso == "[pysample]":
        return ("marker", sym or "[unknown]", None)
    name = sym if sym and sym != "[unknown]" else None
    if dso == "inlined":
        return ("inlined", name, None)
    module = unescape(dso) if dso and dso != "[unknown]" else None
    return ("native", name, module)


def label(kind, name, module):
    if kind in ("python", "marker"):
        return name
    if name or not module:
        return name or "[unknown]"
    return "[%s]" % module.rsplit("/", 1)[-1]


def fold(text):
    """{collapsed stack: samples} and the number of records."""
    stacks, records, cur = {}, 0, None

    def end():
        nonlocal cur, records
        if cur is None:
            return
        comm, frames = cur
        # An inlined frame's module is the next native frame's.
        for i in range(len(frames) - 1, -1, -1):
            k, n, mod = frames[i]
            if k == "inlined" and i + 1 < len(frames) and frames[i + 1][0] in ("native", "inlined"):
                frames[i] = (k, n, frames[i + 1][2])
        parts = [comm] + [label(*f) for f in reversed(frames)]
        key = ";".join(p.replace(";", ":") for p in parts)
        stacks[key] = stacks.get(key, 0) + 1
        records += 1
        cur = None

    for line in text.split("\n"):
        line = line.rstrip("\r")
        if not line.strip(" \t"):
            end()
            continue
        if line.startswith("#"):
            continue
        m = HEADER.match(line) if line[0] not in " \t" else None
        if m:
            end()
            cur = (m.group(1), [])
            continue
        if cur is not None:
            f = frame_of(line)
            if f:
                cur[1].append(f)
    end()
    return stacks, records


def read_collapsed(path):
    out = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            out[stack] = out.get(stack, 0) + int(count)
    return out


def header_lines(text):
    return sum(1 for l in text.split("\n") if l and l[0] not in " \t#")


def report(args, **kw):
    return subprocess.run([PYSAMPLE, "report"] + args, capture_output=True, timeout=120, **kw)


def counts_line(stderr):
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    m = re.search(r"report: (\d+) records?, (\d+) frame lines? read", text)
    return (int(m.group(1)), int(m.group(2))) if m else None


def differences(got, want):
    keys = sorted(set(got) | set(want), key=lambda k: -(want.get(k, 0) + got.get(k, 0)))
    return "\n".join("%s: report %s, folding %s" % (k[-150:], got.get(k), want.get(k))
                     for k in keys if got.get(k) != want.get(k))[:3000]


def unprintable_as_question_marks(folded):
    """A comm that is not UTF-8, or holds control characters (another test
    names a thread so, and perf -a records every process) is written by
    report with '?' for each bad byte; the text's decoding here makes them
    U+FFFD.  Both sides alike, for comparing."""
    out = {}
    for k, v in folded.items():
        k = "".join("?" if c == "\ufffd" or c < " " or c == "\x7f" else c for c in k)
        out[k] = out.get(k, 0) + v
    return out


def check_folding(name, text_path):
    """report -f collapsed of text_path against the Python folding."""
    with open(text_path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    want, records = fold(text)
    out = text_path + ".folded"
    p = report([text_path, "-f", "collapsed", "-o", out])
    got = read_collapsed(out) if p.returncode == 0 else {}
    printed = header_lines(text)
    ok(p.returncode == 0 and sum(got.values()) == printed == records and records > 0,
       "%s: no record lost (%d collapsed samples, %d records printed)"
       % (name, sum(got.values()), printed), p.stderr.decode(errors="replace"))
    got, want = unprintable_as_question_marks(got), unprintable_as_question_marks(want)
    ok(got == want, "%s: %d stacks, each as the folding of the text makes it" % (name, len(want)),
       differences(got, want))
    c = counts_line(p.stderr)
    ok(c is not None and c[0] == records and b"not understood" not in p.stderr,
       "%s: the counts on stderr say %s records, nothing not understood" % (name, c and c[0]),
       p.stderr.decode(errors="replace"))
    return got


# ---- (a) real perf ----

def perf_works():
    perf = shutil.which("perf")
    if not perf:
        return None, "perf not installed (apt-get install linux-perf)"
    probe = os.path.join(TMP, "probe.data")
    p = subprocess.run([perf, "record", "-q", "-o", probe, "--", "true"], capture_output=True,
                       text=True, timeout=60)
    if p.returncode != 0:
        return None, "perf record fails here: %s (kernel.perf_event_paranoid?)" % p.stderr.strip()[:200]
    return perf, None


def real_perf():
    perf, why = perf_works()
    if not perf:
        skip("real perf text", why)
        return
    py = shutil.which("python3")
    data = os.path.join(TMP, "py.data")
    rec = subprocess.run([perf, "record", "-q", "-F", "999", "-g", "-o", data, "--", py,
                          target("split.py"), "1"], capture_output=True, text=True, timeout=120)
    if not ok(rec.returncode == 0, "perf record -g of python3 split.py", rec.stderr):
        return
    layouts = [("default", []), ("-F +pid", ["-F", "+pid"]), ("--ns", ["--ns"]),
               ("no symoff/period/event", ["-F", "comm,tid,time,ip,sym,dso"]),
               ("--header", ["--header"]), ("-F +pid,-period", ["-F", "+pid,-period"])]
    folded = {}
    for name, args in layouts:
        path = os.path.join(TMP, "py-%d.txt" % len(folded))
        with open(path, "w") as f:
            s = subprocess.run([perf, "script", "-i", data] + args, stdout=f,
                               stderr=subprocess.PIPE, timeout=120)
        if not ok(s.returncode == 0, "perf script %s" % name, s.stderr):
            continue
        folded[name] = check_folding("perf %s" % name, path)
    ok(len(set(map(lambda d: tuple(sorted(d.items())), folded.values()))) == 1,
       "every perf script layout of one recording folds the same")
    # Standard input, and without -f or -o: collapsed on stdout.
    path = os.path.join(TMP, "py-0.txt")
    with open(path, "rb") as f:
        p = report(["-"], stdin=f)
    got = {}
    for line in p.stdout.decode().splitlines():
        stack, _, count = line.rpartition(" ")
        got[stack] = int(count)
    ok(p.returncode == 0 and got == folded.get("default"),
       "report - (standard input), no -o/-f: the same collapsed stacks on stdout")

    # A C program with inlined functions, unwound with DWARF: (inlined) lines.
    exe = os.path.join(TMP, "inlined")
    cc = subprocess.run(["gcc", "-O2", "-g", "-o", exe, target("inlined.c")],
                        capture_output=True, text=True)
    if not ok(cc.returncode == 0, "inlined.c builds", cc.stderr):
        return
    data = os.path.join(TMP, "inl.data")
    rec = subprocess.run([perf, "record", "-q", "-F", "999", "--call-graph", "dwarf", "-o", data,
                          "--", exe, "0.5"], capture_output=True, text=True, timeout=120)
    path = os.path.join(TMP, "inl.txt")
    with open(path, "w") as f:
        s = subprocess.run([perf, "script", "-i", data], stdout=f, stderr=subprocess.PIPE,
                           timeout=300)
    if ok(rec.returncode == 0 and s.returncode == 0, "perf record --call-graph dwarf of inlined"):
        got = check_folding("perf dwarf, inlined", path)
        chain = [k for k in got if re.search(r";outer;middle;inner$", k)]
        ok(sum(got[k] for k in chain) > 100,
           "perf dwarf: %d samples end in main..outer;middle;inner (inlined frames kept)"
           % sum(got[k] for k in chain), "\n".join(list(got)[:5]))

    # System-wide: a [cpu] field, other processes' threads, kernel frames.
    data = os.path.join(TMP, "all.data")
    rec = subprocess.run([perf, "record", "-q", "-a", "-F", "199", "-g", "-o", data, "--",
                          "sleep", "0.3"], capture_output=True, text=True, timeout=120)
    path = os.path.join(TMP, "all.txt")
    with open(path, "w") as f:
        s = subprocess.run([perf, "script", "-i", data], stdout=f, stderr=subprocess.PIPE,
                           timeout=300)
    if rec.returncode != 0 or s.returncode != 0:
        skip("perf record -a", "system-wide recording refused: %s" % rec.stderr.strip()[:200])
    else:
        # Any process's comm is in a system-wide recording: bytes that are
        # not UTF-8 too (another test names a thread so).
        with open(path, encoding="utf-8", errors="replace") as f:
            has_cpu = re.search(r"^\S.* \[\d+\] ", f.read(), re.M) is not None
        ok(has_cpu, "perf record -a: headers carry [cpu]")
        check_folding("perf -a, [cpu]", path)


# ---- (b) pysample's own output ----

def pick_python():
    for label_, path in interpreters():
        if path and ("3.12" in label_ or "3.11" in label_):
            return label_, path
    for label_, path in interpreters():
        if path:
            return label_, path
    return None, None


def own_output():
    name, py = pick_python()
    if not py:
        skip("pysample's own output", "no CPython found (pyenv or apt-get install python3.11)")
        return
    for extra in ([], ["--lines"]):
        what = "pysample %s" % (" ".join(extra) or "default")
        out = os.path.join(TMP, "own%s.perf" % ("-lines" if extra else ""))
        proc, records, err = profile(extra + ["-F", "499", "--", py, target("split.py"), "1"], out)
        if not ok(records, "%s on %s writes perf text" % (what, name), err or proc.stderr):
            continue
        got = check_folding(what, out)
        ok(any("py::hot:" in k for k in got) and
           (not extra or any(re.search(r"py::hot:[^;]*split\.py:\d+", k) for k in got)),
           "%s: Python frames%s in the collapsed stacks" % (what, " with lines" if extra else ""))
        # perf text out of perf text: the input, byte for byte.
        back = out + ".again.perf"
        p = report([out, "-o", back])
        same = p.returncode == 0 and open(back, "rb").read() == open(out, "rb").read()
        ok(same, "%s: report -o x.perf gives the input back byte for byte" % what,
           p.stderr.decode(errors="replace"))
        # The format from the name; a name that says nothing: collapsed.
        for fname, check in (("x.folded", lambda b: re.match(rb"^\S.* \d+\n", b)),
                             ("x.txt", lambda b: b == open(out, "rb").read()),
                             ("x.data", lambda b: re.match(rb"^\S.* \d+\n", b))):
            path = os.path.join(TMP, fname)
            p = report([out, "-o", path])
            ok(p.returncode == 0 and check(open(path, "rb").read()),
               "%s: -o %s picks its format" % (what, fname))
        if extra:
            continue
        for fname in ("x.svg", "x.speedscope.json", "x.pb.gz"):
            path = os.path.join(TMP, fname)
            p = report([out, "-o", path])
            ok(p.returncode == 0 and os.path.getsize(path) > 0,
               "%s: -o %s writes something" % (what, fname), p.stderr.decode(errors="replace"))


# ---- (c) --top ----

TOP_ROW = re.compile(r"^\s*([\d.]+)%\s+([\d.]+)%\s+(\d+)\s+(.*)$")


def top_rows(text):
    """The table's rows after its "# pysample top:" line, by function."""
    rows, inside = {}, False
    for line in text.splitlines():
        if line.startswith("# pysample top:"):
            inside = True
            continue
        m = TOP_ROW.match(line) if inside else None
        if m:
            # "spin (file:9)" from a run, "spin (file)" from report: the
            # first line is not in perf text.
            key = re.sub(r":\d+\)$", ")", m.group(4))
            rows[key] = (float(m.group(1)), float(m.group(2)), int(m.group(3)))
        elif inside and not line.startswith("#"):
            inside = False
    return rows


def top():
    name, py = pick_python()
    if not py:
        skip("--top", "no CPython found")
        return
    for extra in ([], ["--python-only"]):
        what = "--top%s" % (" " + " ".join(extra) if extra else "")
        out = os.path.join(TMP, "top%d.perf" % len(extra))
        # Every function listed: hot and cold have no self time to rank by.
        p = run_pysample(["--top", "100000", "-F", "999", "-o", out] + extra +
                         ["--", py, target("split.py"), "2"])
        m = re.search(r"measured-hot-share ([\d.]+)", p.stdout)
        run_rows = top_rows(p.stderr)
        if not ok(p.returncode == 0 and m and run_rows, "%s: the run prints a table" % what,
                  p.stderr):
            continue
        measured = float(m.group(1))
        r = report([out, "--top", "100000"])
        rep_rows = top_rows(r.stdout.decode())
        ok(r.returncode == 0 and rep_rows == run_rows and b"# pysample top:" in r.stdout,
           "%s: report's table (stdout) is the run's (%d rows)" % (what, len(rep_rows)),
           r.stdout.decode() + "\n---\n" + p.stderr)

        def row(fn):
            for k, v in rep_rows.items():
                if k.startswith(fn + " (") and "split.py" in k:
                    return v
            return None
        hot, cold, spin = row("hot"), row("cold"), row("spin")
        if not ok(hot and cold and spin, "%s: hot, cold and spin are listed" % what,
                  r.stdout.decode()):
            continue
        share = hot[1] / (hot[1] + cold[1])
        ok(abs(share - measured) < 0.1,
           "%s: hot's total share of hot+cold %.2f, the target measured %.2f"
           % (what, share, measured))
        ok(hot[0] < 5 and cold[0] < 5 and spin[1] >= hot[1] + cold[1] - 1,
           "%s: hot and cold have little self (%.1f%%, %.1f%%); spin's total %.1f%% holds both"
           % (what, hot[0], cold[0], spin[1]))
        if extra:
            ok(spin[0] > 80, "%s: Python frames only: spin's self %.1f%% is nearly all"
               % (what, spin[0]))
        else:
            ok(spin[0] > 10 and spin[0] <= spin[1],
               "%s: spin's self %.1f%% within its total %.1f%% (the rest in what it calls)"
               % (what, spin[0], spin[1]))
    # The table to stderr when the profile takes stdout.
    out = os.path.join(TMP, "top0.perf")
    r = report([out, "--top", "5", "-f", "collapsed"])
    ok(r.returncode == 0 and b"# pysample top:" in r.stderr and b"# pysample top:" not in r.stdout
       and re.match(rb"^\S.* \d+\n", r.stdout),
       "--top with -f and no -o: the profile on stdout, the table on stderr")


# ---- (d) hostile input ----

def hostile():
    rnd = random.Random(1234)
    good = os.path.join(TMP, "own.perf")
    good_text = open(good, "rb").read() if os.path.exists(good) else (
        b"p 1/1 1.0: 1 cpu-clock: \n\t1 f+0x1 (/x)\n\n")
    inputs = {
        "random bytes": bytes(rnd.getrandbits(8) for _ in range(200000)),
        "NULs": b"\0" * 100000,
        "NULs in records": good_text.replace(b"py::", b"py\0:")[:200000],
        "one 10 MB line": b"x" * (10 << 20),
        "huge lines between records": good_text[:50000] + b"\t" + b"a" * (1 << 20) + b"\n\n" +
                                      good_text[:50000],
        "a cut record": good_text[:len(good_text) // 2],
        "only newlines": b"\n" * 100000,
        "CRLF": good_text.replace(b"\n", b"\r\n"),
        "empty": b"",
        "deep record": b"p 1/1 1.0: 1 e: \n" + b"\t1 f (/x)\n" * 300000 + b"\n",
    }
    for name, data in inputs.items():
        path = os.path.join(TMP, "hostile.txt")
        with open(path, "wb") as f:
            f.write(data)
        out = os.path.join(TMP, "hostile.folded")
        if os.path.exists(out):
            os.unlink(out)
        p = report([path, "-o", out])
        c = counts_line(p.stderr)
        ok(p.returncode in (0, 1) and c is not None and
           (p.returncode == 0) == (c[0] > 0) and (p.returncode == 0) == os.path.exists(out),
           "hostile %s: exit %d, %s records; output %s" % (name, p.returncode, c and c[0],
                                                           "written" if os.path.exists(out) else "none"),
           p.stderr.decode(errors="replace"))
        if name in ("one 10 MB line", "huge lines between records"):
            ok(b"KiB skipped" in p.stderr, "hostile %s: the over-long lines are counted" % name,
               p.stderr)
        if name == "random bytes":
            ok(b"not understood" in p.stderr and b"the first at line" in p.stderr,
               "hostile random bytes: lines not understood counted, the first named")
        if name == "deep record":
            folded = read_collapsed(out) if os.path.exists(out) else {}
            ok(b"past a record's bounds dropped" in p.stderr and
               any(k.startswith("p;[stack cut at report's frame limit];f;") for k in folded),
               "hostile deep record: cut at the frame bound, marked")
        if name == "a cut record":
            want, records = fold(data.decode("utf-8", "replace"))
            ok(c and c[0] == records, "hostile a cut record: its last half record still counts")

    # Usage and failures.
    for args, want, what in (([], 2, "no input"), (["a", "b"], 2, "two inputs"),
                             ([good, "-f", "nope"], 2, "unknown format"),
                             ([good, "--top", "0"], 2, "--top 0"),
                             ([good, "--bogus"], 2, "unknown option"),
                             ([good, "-o", good], 2, "output is the input"),
                             (["/nonexistent/x.perf"], 1, "missing input"),
                             ([TMP], 1, "a directory"),
                             (["--help"], 0, "--help")):
        p = report(args)
        msg = p.stderr.decode(errors="replace")
        ok(p.returncode == want and (want == 0 or "pysample" in msg),
           "report %s: exit %d" % (what, p.returncode), msg)
    if os.path.exists("/dev/full"):
        p = report([good, "-o", "/dev/full", "-f", "collapsed"])
        ok(p.returncode == 1 and b"could not be written" in p.stderr,
           "report -o /dev/full: exit 1, said", p.stderr)
    # A report that reads nothing leaves an earlier output as it was.
    out = os.path.join(TMP, "keep.folded")
    with open(out, "w") as f:
        f.write("earlier 1\n")
    garbage = os.path.join(TMP, "garbage.txt")
    with open(garbage, "w") as f:
        f.write("not perf text\n")
    p = report([garbage, "-o", out])
    ok(p.returncode == 1 and open(out).read() == "earlier 1\n",
       "a report of nothing leaves the earlier output alone")


real_perf()
own_output()
top()
hostile()
done()
