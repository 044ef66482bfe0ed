# SPDX-License-Identifier: GPL-2.0-or-later
"""speedscope output (-o X.speedscope.json) of real multi-threaded Python
programs: valid JSON and valid UTF-8 against speedscope's own schema, one
"sampled" profile per thread named with its pid and tid, root-first
stacks whose nanosecond weights add up to samples x period, Python frames
with their file and line; names that need escaping survive.  Then
speedscope itself (the npm package, pinned in .ci/deps) imports the files
in headless Chromium, and what it imported is compared stack by stack
with what was written."""
import ast
import base64
import html
import json
import os
import re
import shutil
import subprocess

from pstest import (TMP, diag, done, interpreters, ok, read_stats, run_pysample, skip,
                    target)

SPEEDSCOPE_DIR = os.environ.get("SPEEDSCOPE_DIR", "/opt/pysample-ci/speedscope")
SPEEDSCOPE_APP = os.path.join(SPEEDSCOPE_DIR, "node_modules", "speedscope", "dist", "release")
SCHEMA_URL = "https://www.speedscope.app/file-format-schema.json"
HZ = 499
PERIOD_NS = int(1e9 / HZ)  # pysample's period: (uint64_t)(1e9 / hz)
NAME = re.compile(r"^(.*) \(pid (\d+), tid (\d+)\)$")


def record(args, name, **kw):
    """Runs pysample -o TMP/name args; returns (proc, path, document or None,
    why not).  proc.stats holds the run's --stats."""
    path = os.path.join(TMP, name)
    proc = run_pysample(["-F", str(HZ), "-o", path, "--stats", path + ".stats"] + args, **kw)
    proc.stats = read_stats(path + ".stats")
    try:
        with open(path, "rb") as f:
            raw = f.read()
        # Strict: invalid UTF-8 raises here rather than being replaced.
        return proc, path, json.loads(raw.decode("utf-8")), None
    except (OSError, ValueError) as e:
        return proc, path, None, "%s: %s" % (path, e)


def newest_python():
    found = [(label, path) for label, path in interpreters()
             if path and label.startswith("pyenv-")]
    return found[-1] if found else (None, None)


def functions_of(path):
    """{name: (first line, last line)} of the functions in a Python file."""
    with open(path) as f:
        tree = ast.parse(f.read())
    return {n.name: (n.lineno, n.end_lineno) for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef)}


def stacks_of(doc, profile):
    """{root-first tuple of (name, file, line): weight} of a profile as
    written (sampled) or as speedscope exports it (evented)."""
    frames = doc["shared"]["frames"]
    key = [(f["name"], f.get("file"), f.get("line")) for f in frames]
    out = {}
    if profile["type"] == "sampled":
        for stack, weight in zip(profile["samples"], profile["weights"]):
            k = tuple(key[i] for i in stack)
            out[k] = out.get(k, 0) + weight
        return out
    stack, last = [], profile["startValue"]
    for e in profile["events"]:
        if e["at"] > last and stack:
            k = tuple(key[i] for i in stack)
            out[k] = out.get(k, 0) + e["at"] - last
        last = max(last, e["at"])
        if e["type"] == "O":
            stack.append(e["frame"])
        elif not stack or stack.pop() != e["frame"]:
            raise ValueError("close event of a frame not open: %r" % e)
    return out


def check_schema(doc, what):
    """The schema speedscope ships (its pinned version), when jsonschema
    is there; the basics by hand in any case."""
    schema_path = os.path.join(SPEEDSCOPE_APP, "file-format-schema.json")
    try:
        import jsonschema
    except ImportError:
        jsonschema = None
    if jsonschema is None or not os.path.exists(schema_path):
        skip("%s: valid against speedscope's file-format-schema.json" % what,
             "needs python3-jsonschema (apt-get install python3-jsonschema) and speedscope "
             "in %s (run .ci/deps as root)" % SPEEDSCOPE_DIR)
    else:
        with open(schema_path) as f:
            schema = json.load(f)
        errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(doc)]
        ok(not errors, "%s: valid against speedscope's file-format-schema.json" % what,
           "\n".join(errors[:10]))
    frames = doc.get("shared", {}).get("frames", [])
    bad_frames = [f for f in frames if not isinstance(f.get("name"), str) or
                  not isinstance(f.get("file", ""), str) or
                  not (isinstance(f.get("line", 1), int) and f.get("line", 1) > 0)]
    ok(doc.get("$schema") == SCHEMA_URL and doc.get("activeProfileIndex") == 0 and
       str(doc.get("exporter", "")).startswith("pysample ") and isinstance(doc.get("name"), str)
       and frames and not bad_frames and isinstance(doc.get("profiles"), list),
       "%s: $schema, exporter, name, activeProfileIndex 0; %d frames each with a name, "
       "a string file and a positive line where given" % (what, len(frames)),
       "top level keys %s; bad frames %s" % (sorted(doc), bad_frames[:5]))


def check_profiles(doc, proc, what):
    """Each profile sampled, in nanoseconds, its stacks distinct and in
    range, its weights whole periods adding up to its endValue; all of
    them to the run's samples x period.  Returns {tid: profile}."""
    nframes = len(doc["shared"]["frames"])
    by_tid, problems, samples = {}, [], 0
    for p in doc["profiles"]:
        m = NAME.match(p.get("name", ""))
        if not m:
            problems.append("name %r is not 'comm (pid P, tid T)'" % p.get("name"))
            continue
        by_tid[int(m.group(3))] = p
        stacks = [tuple(s) for s in p["samples"]]
        weights = p["weights"]
        if (p["type"], p["unit"], p["startValue"]) != ("sampled", "nanoseconds", 0):
            problems.append("%s: type/unit/startValue %s %s %s" % (p["name"], p["type"],
                                                                   p["unit"], p["startValue"]))
        if len(stacks) != len(weights) or len(set(stacks)) != len(stacks) or not stacks:
            problems.append("%s: %d stacks (%d distinct), %d weights" % (
                p["name"], len(stacks), len(set(stacks)), len(weights)))
        if any(not isinstance(i, int) or not 0 <= i < nframes for s in stacks for i in s):
            problems.append("%s: a frame index out of 0..%d" % (p["name"], nframes - 1))
        if any(not isinstance(w, int) or w <= 0 or w % PERIOD_NS for w in weights):
            problems.append("%s: a weight that is not a whole number of %d ns periods"
                            % (p["name"], PERIOD_NS))
        if sum(weights) != p["endValue"]:
            problems.append("%s: weights add up to %d, endValue %s" % (p["name"], sum(weights),
                                                                        p["endValue"]))
        samples += sum(weights) // PERIOD_NS
    ok(not problems and len(by_tid) == len(doc["profiles"]),
       "%s: %d profiles, one per tid, sampled in ns, distinct stacks with frame indexes in "
       "range, weights whole periods adding up to endValue" % (what, len(by_tid)),
       "\n".join(problems[:10]))
    ok(samples == proc.stats.get("samples") and samples > 0,
       "%s: the weights add up to samples x period (%d x %d ns)"
       % (what, samples, PERIOD_NS), "--stats says %s samples" % proc.stats.get("samples"))
    return by_tid


def frames_named(doc, file_suffix):
    return [f for f in doc["shared"]["frames"] if str(f.get("file", "")).endswith(file_suffix)]


# ---- speedscope's own importer --------------------------------------------

# speedscope's command-line tool (bin/cli.mjs) opens its web app at
# index.html#localProfilePath=FILE.js, FILE.js calling
# speedscope.loadFileFromBase64(name, data): the web app's own import of
# a dropped file.  This loader does the same, and notes for the test what
# happens: errors, alerts ("Unrecognized format!"), the title the app
# sets once the profiles are in, and, through speedscope's own export
# (Ctrl+S, caught before the download), the profiles as speedscope
# holds them.
LOADER = r"""
(function () {
  var out = document.createElement("pre");
  out.id = "pysample-check";
  document.head.appendChild(out);
  function note(kind, text) {
    out.appendChild(document.createTextNode(JSON.stringify([kind, String(text)]) + "\n"));
  }
  window.addEventListener("error", function (e) { note("error", e.message); });
  window.addEventListener("unhandledrejection", function (e) { note("error", e.reason); });
  var error = console.error, log = console.log;
  console.error = function () {
    note("error", Array.prototype.join.call(arguments, " "));
    return error.apply(console, arguments);
  };
  console.log = function () {
    var text = Array.prototype.join.call(arguments, " ");
    if (/^Failed/.test(text)) note("error", text);  /* "Failed to load format" */
    return log.apply(console, arguments);
  };
  window.alert = function (msg) { note("alert", msg); };
  var createObjectURL = URL.createObjectURL;
  URL.createObjectURL = function (blob) {
    blob.text().then(function (t) { note("export", t); });
    return createObjectURL.call(URL, blob);
  };
  /* The export's download would keep headless Chromium from exiting. */
  var click = HTMLAnchorElement.prototype.click;
  HTMLAnchorElement.prototype.click = function () {
    if (!this.download) return click.call(this);
  };
  speedscope.loadFileFromBase64(@NAME@, @DATA@);
  var wait = setInterval(function () {
    if (document.title === "speedscope") return;
    clearInterval(wait);
    note("title", document.title);
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "s", ctrlKey: true }));
  }, 50);
})();
"""


def speedscope_missing():
    if not os.path.exists(os.path.join(SPEEDSCOPE_APP, "index.html")):
        return ("speedscope is not installed in %s: run .ci/deps as root (it installs the "
                "pinned npm package there), or set SPEEDSCOPE_DIR" % SPEEDSCOPE_DIR)
    if not shutil.which("chromium"):
        return "chromium is not installed: run .ci/deps as root (apt-get install chromium)"
    return None


def speedscope_import(path):
    """Loads path into speedscope's web app in headless Chromium; returns
    ({kind: [texts]}, what went wrong or None)."""
    with open(path, "rb") as f:
        data = base64.b64encode(f.read()).decode()
    loader = path + ".load.js"
    with open(loader, "w") as f:
        f.write(LOADER.replace("@NAME@", json.dumps(os.path.basename(path)))
                .replace("@DATA@", json.dumps(data)))
    url = "file://%s/index.html#localProfilePath=%s" % (SPEEDSCOPE_APP, loader)
    # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to
    # start.  SwiftShader: the app draws with WebGL, and without a GPU
    # only the software one is sure to be there.
    cmd = ["chromium", "--headless", "--no-sandbox", "--enable-unsafe-swiftshader",
           "--use-angle=swiftshader", "--user-data-dir=" + os.path.join(TMP, "chromium"),
           "--virtual-time-budget=30000", "--dump-dom", url]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    except subprocess.TimeoutExpired:
        return {}, "chromium did not finish within 180 s"
    m = re.search(r'<pre id="pysample-check">(.*?)</pre>', p.stdout, re.S)
    if not m:
        return {}, "no notes in the page (chromium exit %d): %s" % (
            p.returncode, (p.stdout[-500:] + p.stderr[-2000:]))
    notes = {}
    for line in html.unescape(m.group(1)).splitlines():
        kind, text = json.loads(line)
        notes.setdefault(kind, []).append(text)
    if "Something went wrong" in p.stdout:
        notes.setdefault("error", []).append("the page says 'Something went wrong'")
    return notes, None


def check_speedscope_import(doc, path, what):
    notes, why = speedscope_import(path)
    errors = notes.get("error", []) + notes.get("alert", [])
    title = doc["name"] + " - speedscope"
    if not ok(why is None and not errors and notes.get("title") == [title] and
              "export" in notes,
              "%s: speedscope imports it (title %r), without errors" % (what, title),
              why or "notes: %s" % {k: [t[:300] for t in v] for k, v in notes.items()}):
        return
    back = json.loads(notes["export"][0])
    names = [p["name"] for p in doc["profiles"]]
    ok([p["name"] for p in back["profiles"]] == names and
       [p["endValue"] for p in back["profiles"]] == [p["endValue"] for p in doc["profiles"]],
       "%s: speedscope holds the %d profiles, named and weighted as written"
       % (what, len(names)),
       "speedscope: %s\nwritten: %s" % ([(p["name"], p["endValue"]) for p in back["profiles"]],
                                        [(p["name"], p["endValue"]) for p in doc["profiles"]]))
    wrong = []
    for mine, theirs in zip(doc["profiles"], back["profiles"]):
        a, b = stacks_of(doc, mine), stacks_of(back, theirs)
        if a != b:
            wrong.append("%s: %d stacks written, %d in speedscope; differing: %s" % (
                mine["name"], len(a), len(b),
                sorted(set(a.items()) ^ set(b.items()))[:2]))
    ok(not wrong, "%s: each stack's frames (name, file, line) and weight in speedscope are "
       "as written" % what, "\n".join(wrong))


def check_import_can_fail(doc, path):
    """The check above can fail: a file speedscope must refuse (one weight
    missing) is seen refused."""
    broken = json.loads(json.dumps(doc))
    broken["profiles"][0]["weights"].pop()
    bad_path = path + ".broken.speedscope.json"
    with open(bad_path, "w") as f:
        json.dump(broken, f)
    notes, why = speedscope_import(bad_path)
    ok(why is None and notes.get("error") and "title" not in notes,
       "a file speedscope refuses (a weight missing) is seen refused",
       why or "notes: %s" % notes)


# ---- the runs ---------------------------------------------------------------

label, python = newest_python()
threads_py = target("threads.py")
if python is None:
    skip("speedscope output of threads.py", "no pyenv CPython 3.8+ found (install one with "
         "pyenv, see README's test machine section)")
    done()
diag("interpreter: %s (%s)" % (label, python))
missing = speedscope_missing()
lines_of = functions_of(threads_py)
lines_of["<module>"] = (1, None)

# 1. Four threads, each spinning in its own function.
proc, path, doc, why = record(["--", python, threads_py, "1.5"], "threads.speedscope.json")
reported = {}  # tid -> the function its thread spins in
for line in proc.stdout.splitlines():
    words = line.split()
    if len(words) == 3 and words[0] == "thread":
        reported[int(words[2])] = words[1]
if ok(proc.returncode == 0 and doc is not None and len(reported) == 4,
      "threads.py: pysample -o X.speedscope.json writes valid UTF-8 JSON",
      (why or "") + "\nexit %d; target said %s\n%s" % (proc.returncode, reported,
                                                       proc.stderr[-2000:])):
    check_schema(doc, "threads.py")
    version = run_pysample(["--version"]).stdout.split()
    ok(doc["exporter"] == " ".join(version[:2]) and "threads.py" in doc["name"],
       "threads.py: exporter %r is pysample's --version, name %r the command"
       % (doc["exporter"], doc["name"]))
    by_tid = check_profiles(doc, proc, "threads.py")
    pids = {int(NAME.match(p["name"]).group(2)) for p in doc["profiles"]}
    ok(set(by_tid) == set(reported) and len(pids) == 1,
       "threads.py: one profile for each of the 4 threads, by the tids they reported",
       "profiles %s; threads %s" % ([p["name"] for p in doc["profiles"]], reported))

    # Python frames: qualified name, the .py file, the function's first
    # line (no --lines).
    py = frames_named(doc, "threads.py")
    wrong = [f for f in py if f["name"] not in lines_of or f.get("line") != lines_of[f["name"]][0]]
    ok({f["name"] for f in py} >= set(reported.values()) | {"spin", "<module>"} and not wrong,
       "threads.py: Python frames are named, in threads.py, at their def line",
       "frames %s; wrong %s" % (py, wrong))
    # A Python frame has a line (its file may be "<frozen ...>"); a native
    # one never has.
    native = [f for f in doc["shared"]["frames"] if f.get("file") and "line" not in f]
    unnamed = [f for f in native
               if not os.path.isabs(f["file"]) and not re.match(r"^\[\w+\]$", f["file"])]
    ok(native and not unnamed and any(os.path.exists(f["file"]) for f in native),
       "threads.py: native frames name their module by its path or as [vdso] (%d native "
       "frames, %d of them inlined)"
       % (len(native), sum(f["name"].endswith(" (inlined)") for f in native)), unnamed[:5])

    # Root first, and each thread's stacks its own: its function above spin().
    problems = []
    for tid, function in reported.items():
        p = by_tid.get(tid)
        if p is None:
            continue
        own = 0
        for stack, weight in stacks_of(doc, p).items():
            names = [f[0] for f in stack if f[1] and f[1].endswith("threads.py")]
            others = set(names) & (set(reported.values()) - {function})
            if others:
                problems.append("%s has %s" % (p["name"], others))
            if function in names:
                own += weight
                if "spin" in names and names.index("spin") < names.index(function):
                    problems.append("%s: spin before %s: not root first" % (p["name"], function))
                if "<module>" in names and names.index("<module>") > names.index(function):
                    problems.append("%s: <module> after %s" % (p["name"], function))
        if own * 2 < p["endValue"]:
            problems.append("%s: only %d of %d ns in %s" % (p["name"], own, p["endValue"],
                                                            function))
    ok(not problems, "threads.py: stacks are root first, each thread's in its own function",
       "\n".join(problems[:10]))

    if missing:
        skip("threads.py: speedscope's importer", missing)
    else:
        check_speedscope_import(doc, path, "threads.py")
        check_import_can_fail(doc, path)

# 2. --lines: Python frames at the line sampled, within their function.
proc, path, doc, why = record(["--lines", "--", python, threads_py, "0.6"],
                              "lines.speedscope.json")
if ok(proc.returncode == 0 and doc is not None, "--lines: valid UTF-8 JSON",
      (why or "") + proc.stderr[-2000:]):
    check_profiles(doc, proc, "--lines")
    spins = [f for f in frames_named(doc, "threads.py") if f["name"] == "spin"]
    first, last = lines_of["spin"]
    ok(spins and all(first <= f.get("line", 0) <= last for f in spins) and
       any(f.get("line") > first for f in spins),
       "--lines: spin() frames at lines within it (%d..%d), in its body: %s"
       % (first, last, sorted({f.get("line") for f in spins})))

# 2b. Processes: a fork pool's workers each get their own profiles, by
# their pids, weighing at least most of the CPU time they say they spent
# in work() (the weights are CPU time: cpu-clock periods).
proc, path, doc, why = record(["--subprocesses", "--", python, target("workers.py"), "pool",
                               "fork", "1"], "workers.speedscope.json")
cpu = {}
for line in proc.stdout.splitlines():
    if line.startswith("cpu "):
        cpu = {int(k): float(v) for k, v in (w.split(":") for w in line.split()[1:])}
if ok(proc.returncode == 0 and doc is not None and len(cpu) == 2,
      "workers.py pool fork: valid UTF-8 JSON", (why or "") + "\nexit %d; target said %r\n%s"
      % (proc.returncode, proc.stdout, proc.stderr[-2000:])):
    check_profiles(doc, proc, "workers.py")
    weight, in_work = {}, {}
    for p in doc["profiles"]:
        pid = int(NAME.match(p["name"]).group(2))
        weight[pid] = weight.get(pid, 0) + p["endValue"]
        in_work[pid] = in_work.get(pid, 0) + sum(
            w for k, w in stacks_of(doc, p).items()
            if any(f[0] == "work" and str(f[1]).endswith("workers.py") for f in k))
    ok(all(in_work.get(pid, 0) >= 0.8 * seconds * 1e9 for pid, seconds in cpu.items()),
       "workers.py pool fork: each worker's profiles hold its work(): %s ns for %s s of CPU"
       % ({pid: in_work.get(pid) for pid in cpu}, cpu), "profiles %s" % weight)

# 3. Names that need escaping: a function and a file path with quotes,
# backslashes and non-ASCII letters, a thread named with a control
# character and a byte that is not UTF-8.
weird_dir = os.path.join(TMP, 'we"ird\\dir \u00e9')
os.makedirs(weird_dir, exist_ok=True)
weird_py = os.path.join(weird_dir, "sp\u00efn\u4e2d.py")
with open(weird_py, "w", encoding="utf-8") as f:
    f.write('''import _thread, ctypes, sys, threading, time
def spin_\u00e9\u4e2d(seconds, done=None):
    if done:  # started by _thread: no threading name, the kernel's is shown
        libc = ctypes.CDLL(None)
        libc.prctl(15, ctypes.c_char_p(b'q"\\\\\\x01\\xff\\xe4'), 0, 0, 0)  # PR_SET_NAME
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass
    if done:
        done.release()
done = _thread.allocate_lock()
done.acquire()
_thread.start_new_thread(spin_\u00e9\u4e2d, (float(sys.argv[1]), done))
t = threading.Thread(target=spin_\u00e9\u4e2d, args=(float(sys.argv[1]),),
                     name='n"\\\\\\x02\u00e9\u4e2d')
t.start()
t.join()
done.acquire()
''')
proc, path, doc, why = record(["--", python, weird_py, "0.6"], "weird.speedscope.json")
if ok(proc.returncode == 0 and doc is not None,
      "escapes: a function, file and thread name to escape give valid UTF-8 JSON",
      (why or "") + proc.stderr[-2000:]):
    check_profiles(doc, proc, "escapes")
    spins = [f for f in doc["shared"]["frames"] if f.get("file") == weird_py]
    ok(spins and {f["name"] for f in spins} >= {"spin_\u00e9\u4e2d"},
       "escapes: the Python function and file read back exactly",
       [f for f in doc["shared"]["frames"] if f.get("file", "").endswith(".py")])
    comms = [NAME.match(p["name"]).group(1) for p in doc["profiles"]]
    ok(any(c.startswith('q"\\') for c in comms) and
       any(c.startswith('n"\\') and c.endswith("\u00e9\u4e2d") for c in comms),
       "escapes: threads named with quote, backslash, control and non-UTF-8 bytes (by the "
       "kernel) or non-ASCII characters (by threading) read back (%s)"
       % ", ".join(repr(c) for c in comms))
    if missing:
        skip("escapes: speedscope's importer", missing)
    else:
        check_speedscope_import(doc, path, "escapes")
done()
