# SPDX-License-Identifier: GPL-2.0-or-later
"""pprof output (gzipped profile.proto) of real runs, read twice: by a
protobuf reader written here from profile.proto alone, and by `go tool
pprof` (Debian's golang-go), the format's own reader.  The numbers must
be the run's: every sample of --stats counted once, each thread labelled,
the Python functions named in their files at their first lines (at the
sampled line with --lines), stacks leaf first, native frames in mappings
whose build-id is the one readelf reads from the library file."""
import os
import re
import shutil
import subprocess
import time

from pprofread import read_profile, stack_names
from pstest import TMP, TOP_SRCDIR, diag, done, interpreters, ok, profile, skip, target

BUSY = os.path.join(TOP_SRCDIR, "examples", "busy.py")
HZ = 499


def def_line(path, name):
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if line.startswith("def %s(" % name):
                return n
    return None


def go_env():
    """go wants a build cache and a home even for `go tool`; a sandbox may
    have neither writable."""
    env = dict(os.environ, GOCACHE=os.path.join(TMP, "gocache"), HOME=TMP,
               PPROF_TMPDIR=TMP, GOTOOLCHAIN="local", GOFLAGS="")
    env.pop("GOPATH", None)
    return env


def go_pprof(*args):
    p = subprocess.run(["go", "tool", "pprof"] + list(args), capture_output=True, text=True,
                       env=go_env(), timeout=120)
    return p.returncode, p.stdout, p.stderr


def have_go_pprof():
    if not shutil.which("go"):
        return "go not found: 'apt-get install golang-go' (its `go tool pprof` reads the output)"
    rc, out, err = go_pprof("-h")
    if "usage" not in (out + err).lower():
        return "`go tool pprof -h` does not work: %s" % (err or out).strip()[:200]
    return None


def readelf_build_id(path):
    p = subprocess.run(["readelf", "-n", path], capture_output=True, text=True)
    m = re.search(r"Build ID: ([0-9a-f]+)", p.stdout)
    return m and m.group(1)


def run(name, args, out):
    """pysample -o out args: the run's stats and the decoded profile (None
    when unreadable)."""
    proc, _, _ = profile(args, out)
    ok(proc.returncode == 0 and proc.stats.get("samples", 0) > 0,
       "%s: pysample ran and sampled (%d samples)" % (name, proc.stats.get("samples", 0)),
       proc.stderr[-3000:])
    try:
        prof = read_profile(out)
    except (OSError, ValueError, IndexError, EOFError, UnicodeDecodeError) as e:
        ok(False, "%s: the output is a gzipped profile.proto message" % name, str(e))
        return proc.stats, None
    ok(prof["strings"][:1] == [""] and prof["ids_unique"],
       "%s: gzipped profile.proto: string_table[0] is \"\", ids unique (%d samples, %d "
       "locations, %d functions, %d mappings)" % (name, len(prof["samples"]),
                                                  len(prof["locations"]), len(prof["functions"]),
                                                  len(prof["mappings"])))
    return proc.stats, prof


def check_counts(name, prof, stats, clock):
    samples = int(stats.get("samples", -1))
    total = sum(s["values"][0] for s in prof["samples"] if s["values"])
    ok(prof["sample_type"] == [("samples", "count"), (clock, "nanoseconds")] and
       all(len(s["values"]) == 2 and s["values"][0] > 0 and s["values"][1] > 0
           for s in prof["samples"]),
       "%s: sample types samples/count and %s/nanoseconds, both set in every sample"
       % (name, clock), prof["sample_type"])
    ok(total == samples, "%s: the samples add up to --stats' %d (%d)" % (name, samples, total))
    ok(prof["period_type"] == [(clock, "nanoseconds")] and
       prof["period"] == round(1e9 / HZ),
       "%s: period %s %s ns (1e9 / %d Hz)" % (name, prof["period_type"], prof["period"], HZ))
    seconds = stats.get("seconds", 0)
    start = prof["time_nanos"] / 1e9
    ok(abs(prof["duration_nanos"] / 1e9 - seconds) < 0.01 and
       abs(start + seconds - time.time()) < 120,
       "%s: duration %.3f s as --stats says, started %.1f s before now"
       % (name, prof["duration_nanos"] / 1e9, time.time() - start))


def check_references(name, prof):
    """Every id a message names exists; native locations lie in their
    mapping; inline chains are native and unfolded."""
    locs, funcs, maps = prof["locations"], prof["functions"], prof["mappings"]
    bad = [s for s in prof["samples"] if not s["locations"] or
           any(l not in locs for l in s["locations"])]
    bad += [l for l in locs.values() if not l["lines"] or
            any(f not in funcs for f, _ in l["lines"]) or
            (l["mapping"] and l["mapping"] not in maps)]
    ok(not bad and 0 not in locs and 0 not in funcs and 0 not in maps,
       "%s: every location, function and mapping named exists" % name, bad[:3])
    outside = [l for l in locs.values() if l["mapping"] and
               not maps[l["mapping"]]["start"] <= l["address"] < maps[l["mapping"]]["limit"]]
    ok(not outside and all(m["has_functions"] for m in maps.values()),
       "%s: native locations lie inside their mappings, which are symbolized" % name,
       outside[:3])
    chains = [l for l in locs.values() if len(l["lines"]) > 1]
    ok(all(l["mapping"] and not l["folded"] for l in chains),
       "%s: %d locations hold inline chains, all native, none folded" % (name, len(chains)))
    labels = [s["labels"] for s in prof["samples"]]
    pids = set(l.get("pid") for l in labels)
    ok(all(s["nlabels"] == 3 and isinstance(s["labels"].get("thread"), str) and
           isinstance(s["labels"].get("tid"), int) and isinstance(s["labels"].get("pid"), int)
           for s in prof["samples"]) and len(pids) == 1 and pids <= set(l["tid"] for l in labels),
       "%s: every sample labelled thread (str), tid and pid (numbers); the main thread's tid "
       "is the pid" % name, labels[:3])


def check_python(name, prof, script, lines):
    """The Python functions of the script: its file, its first line, its
    lines (with --lines); spin's callers after it (leaf first)."""
    funcs = {f["name"]: f for f in prof["functions"].values() if f["file"] == script}
    want = {"spin": def_line(script, "spin"), "hot": def_line(script, "hot"),
            "cold": def_line(script, "cold")}
    ok(all(n in funcs and funcs[n]["start_line"] == want[n] and
           funcs[n]["system_name"] == "py::%s:%s" % (n, os.path.relpath(script, os.path.dirname(
               os.path.dirname(script)))) for n in want),
       "%s: spin, hot and cold are functions of %s at their def lines %s"
       % (name, os.path.basename(script), want),
       {n: funcs.get(n) for n in want})
    stacks = [stack_names(prof, s) for s in prof["samples"]]
    both = [st for st in stacks if "spin" in st and "hot" in st]
    ok(both and all(st.index("spin") < st.index("hot") for st in both),
       "%s: %d stacks hold spin and its caller hot, spin first (the leaf)" % (name, len(both)))
    spin_id = [i for i, f in prof["functions"].items() if f["name"] == "spin" and
               f["file"] == script]
    got = sorted(set(line for l in prof["locations"].values() for fid, line in l["lines"]
                     if fid in spin_id))
    if lines:
        ok(len(got) >= 2 and all(line > want["spin"] for line in got),
           "%s: with --lines, spin's locations are its body's lines %s" % (name, got))
    else:
        ok(got == [want["spin"]], "%s: without --lines, spin is one location at its first "
           "line (%s)" % (name, got))


def check_build_ids(name, prof):
    maps = list(prof["mappings"].values())
    compared = [(m["file"], m["build_id"], readelf_build_id(m["file"]))
                for m in maps if m["build_id"] and os.path.isfile(m["file"])]
    wrong = [c for c in compared if c[1] != c[2]]
    ok(compared and not wrong and any("python" in c[0] for c in compared),
       "%s: the %d mappings of files with a build-id (of %d mappings) carry the one readelf -n "
       "reads from the file" % (name, len(compared), len(maps)), wrong or maps)
    return compared


def check_go(name, path, prof, stats, clock, script, compared, lines):
    samples = int(stats.get("samples", -1))
    # -raw leaves out samples without frames (a thread whose registers
    # and Python stack were both unreadable); -top counts them.
    framed = sum(s["values"][0] for s in prof["samples"] if s["locations"])
    rc, raw, err = go_pprof("-raw", path)
    counts = [int(m.group(1)) for m in re.finditer(r"^\s+(\d+)\s+\d+: [\d ]+$", raw, re.M)]
    ok(rc == 0 and sum(counts) == framed and framed > samples * 0.9,
       "%s: go tool pprof -raw reads %d samples in %d stacks (--stats: %d, %d with frames)"
       % (name, sum(counts), len(counts), samples, framed), err[-2000:] or raw[:2000])
    ids = dict(re.findall(r"^\d+: 0x[0-9a-f]+/0x[0-9a-f]+/0x[0-9a-f]+ (\S+) ([0-9a-f]+)",
                          raw, re.M))
    ok(compared and all(ids.get(f) == b for f, b, _ in compared),
       "%s: pprof's mappings carry the same build-ids" % name, raw[raw.find("Mappings"):][:2000])
    rc, top, err = go_pprof("-top", "-sample_index=samples", path)
    m = re.search(r"of (\d+) total", top)
    ok(rc == 0 and m and int(m.group(1)) == samples and
       all(re.search(r"\s%s\s*$" % n, top, re.M) for n in ("spin", "hot")) and
       re.search(r"^Type: samples$", top, re.M),
       "%s: go tool pprof -top counts %s samples with spin and hot among them"
       % (name, m and m.group(1)), err[-2000:] or top[:2000])
    rc, top, err = go_pprof("-top", path)
    ok(rc == 0 and re.search(r"^Type: %s$" % clock, top, re.M),
       "%s: the default sample type is %s time" % (name, clock), top[:800])
    rc, traces, err = go_pprof("-traces", path)
    # Each stack: its value before the leaf, the callers below it, alone.
    blocks = [re.findall(r"^ +(?:\S+ {2,})?(\S+)(?: \(inline\))?$", b, re.M)
              for b in traces.split("-----------+")]
    both = [b for b in blocks if "spin" in b and "hot" in b]
    ok(rc == 0 and both and all(b.index("spin") < b.index("hot") for b in both),
       "%s: go tool pprof -traces: %d stacks with spin before hot (leaf first)"
       % (name, len(both)), err[-2000:] or traces[:2000])
    rc, tags, err = go_pprof("-tags", path)
    ok(rc == 0 and all(re.search(r"^\s*%s: Total" % t, tags, re.M)
                       for t in ("thread", "tid", "pid")),
       "%s: go tool pprof -tags shows thread, tid and pid" % name, err[-2000:] or tags[:2000])
    if lines:
        rc, top, err = go_pprof("-top", "-lines", "-sample_index=samples", path)
        # 3.13 makes the script's path absolute and normal (no "..").
        got = set(int(n) for f, n in re.findall(r"spin (\S+):(\d+)", top)
                  if os.path.realpath(f) == os.path.realpath(script))
        start = def_line(script, "spin")
        ok(rc == 0 and got and all(n > start for n in got),
           "%s: go tool pprof -lines puts spin's samples at lines %s of %s"
           % (name, sorted(got), os.path.basename(script)), err[-2000:] or top[:2000])


def pick_interpreter():
    """The newest pyenv CPython (libpython shared, with inline debug
    info), else any present."""
    present = [(label, path) for label, path in interpreters() if path]
    pyenv = [x for x in present if x[0].startswith("pyenv")]
    return (pyenv or present or [(None, None)])[-1]


label, python = pick_interpreter()
no_go = have_go_pprof()
if no_go:
    skip("go tool pprof reads the output", no_go)
if not python:
    skip("pprof output of a real interpreter",
         "no CPython 3.8+ found (pyenv or 'apt-get install python3.11')")
else:
    diag("interpreter: %s (%s)" % (label, python))
    runs = (
        ("%s, busy.py" % label, ["-F", str(HZ)], BUSY, "busy.pb.gz", False, "cpu"),
        ("%s, split.py --lines" % label, ["-F", str(HZ), "--lines"], target("split.py"),
         "split-lines.pb.gz", True, "cpu"),
        # The other extension, and wall-clock time.
        ("%s, split.py --idle" % label, ["-F", str(HZ), "--idle"], target("split.py"),
         "split-idle.pprof", False, "wall"),
    )
    for name, args, script, out_name, lines, clock in runs:
        out = os.path.join(TMP, out_name)
        extra = ["1.5"] if script != BUSY else []
        stats, prof = run(name, args + ["--", python, script] + extra, out)
        if not prof:
            continue
        check_counts(name, prof, stats, clock)
        check_references(name, prof)
        check_python(name, prof, script, lines)
        compared = check_build_ids(name, prof)
        ok(any(c.startswith("pysample") and script in c for c in prof["comments"]) and
           any(c.startswith("samples: %d, lost: " % stats.get("samples", -1))
               for c in prof["comments"]),
           "%s: comments name the command and count the samples" % name, prof["comments"])
        if no_go:
            skip("%s: go tool pprof reads the output" % name, no_go)
        else:
            check_go(name, out, prof, stats, clock, script, compared, lines)
done()
