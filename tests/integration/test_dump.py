# SPDX-License-Identifier: GPL-2.0-or-later
"""`pysample dump -p PID` on every CPython found: a deadlock (both threads'
stacks as the program saw them itself, and the native part as eu-stack
sees it), an idle server thread (in accept), a thread holding the GIL in
a C spin (ctypes.PyDLL), 200 parked threads; the options, and the exit
statuses.  What a dump costs the target is printed as diag lines (from
pysample's own numbers, and from inside a target that watches its clock),
never asserted: timings are for bench/, not tests."""
import json
import os
import re
import shutil
import subprocess
import time

from pstest import (PYSAMPLE, TMP, diag, done, each_interpreter, interpreters, ok, skip,
                    target, version_of, wait_for_line)

CC = os.environ.get("CC", "cc").split()
ACCEPT_CALLS = {"accept", "accept4", "poll", "ppoll", "select", "pselect6", "epoll_wait",
                "epoll_pwait"}


def dump(pid, *args, timeout=60):
    """Runs pysample dump --json; returns (proc, parsed JSON or None)."""
    p = subprocess.run([PYSAMPLE, "dump", "-p", str(pid), "--json"] + list(args),
                       capture_output=True, text=True, timeout=timeout)
    try:
        return p, json.loads(p.stdout)
    except ValueError:
        return p, None


def start(py, script, *args):
    return subprocess.Popen([py, target(script)] + list(args), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop(proc):
    proc.kill()
    proc.wait()


def thread(data, tid):
    for t in data["threads"] if data else []:
        if t["tid"] == tid:
            return t
    return None


def py_frames(t):
    return [f for f in t["frames"] if f["kind"] == "python"]


def short(name):
    """A qualified name (3.11+: 'Thread.run') as co_name says it ('run')."""
    return (name or "").rsplit(".", 1)[-1]


def base(sym):
    """'__libc_start_main@@GLIBC_2.34' -> '__libc_start_main'."""
    return re.split(r"@", sym or "?", 1)[0]


def eu_stack(pid):
    """eu-stack's frames per thread: {tid: [(address, name)]}, innermost first."""
    p = subprocess.run(["eu-stack", "-p", str(pid)], capture_output=True, text=True, timeout=60)
    out, cur = {}, None
    for line in p.stdout.splitlines():
        m = re.match(r"^TID (\d+):", line)
        if m:
            cur = out.setdefault(int(m.group(1)), [])
            continue
        m = re.match(r"^#\d+\s+0x([0-9a-f]+)\s+(\S+)?", line)
        if m and cur is not None:
            cur.append((int(m.group(1), 16), m.group(2) or "??"))
    return out


def native_ends(t):
    """The native frames (inlined ones left out: eu-stack without -i shows
    none) before the first Python frame and after the last one."""
    kinds = [f["kind"] for f in t["frames"]]
    if "python" not in kinds:
        return None, None
    first, last = kinds.index("python"), len(kinds) - 1 - kinds[::-1].index("python")
    leaf = [f for f in t["frames"][:first] if f["kind"] == "native"]
    root = [f for f in t["frames"][last + 1:] if f["kind"] == "native"]
    return leaf, root


def same_frames(ours, theirs):
    """Names equal, and addresses within one byte (a caller's pc may be
    given as the return address or the call's last byte)."""
    if len(ours) != len(theirs):
        return False
    return all(base(a["function"]) == base(b[1]) and abs(int(a["address"], 16) - b[0]) <= 1
               for a, b in zip(ours, theirs))


def check_deadlock(label, py):
    proc = start(py, "dump_deadlock.py")
    try:
        stacks = {}
        line = None
        deadline = time.time() + 30
        while time.time() < deadline:
            line = proc.stdout.readline()
            if not line or line.startswith("READY"):
                break
            if line.startswith("STACK"):
                _, tid, frames = line.split()
                stacks[int(tid)] = [(f.rsplit(":", 1)[0], int(f.rsplit(":", 1)[1]))
                                    for f in frames.split(",")]
        if not ok(line and line.startswith("READY") and len(stacks) == 2,
                  "%s: the deadlocked program is ready" % label, proc.stderr.read()
                  if proc.poll() is not None else line):
            return
        t0 = time.monotonic()
        p, data = dump(proc.pid)
        wall = time.monotonic() - t0
        ok(p.returncode == 0 and data and data["complete"] and len(data["threads"]) == 3,
           "%s: deadlock: dump exits 0 with 3 complete threads" % label,
           p.stderr + p.stdout[:2000])
        if not data:
            return
        diag("%s: deadlock dump: %.1f ms wall, %.1f ms attached; each thread stopped at most "
             "%.0f us (copied in %.0f us), all within %.0f us"
             % (label, wall * 1e3, data["attached_ms"], data["stop_max_us"],
                data["copy_max_us"], data["stop_span_us"]))
        for tid, expected in sorted(stacks.items()):
            t = thread(data, tid)
            got = [(short(f["function"]), f["line"]) for f in py_frames(t)] if t else None
            ok(got == expected, "%s: deadlock: thread %s's Python frames and lines are the ones "
               "it printed: %s" % (label, expected[0][0], " <- ".join(n for n, _ in expected)),
               "dump: %r\nprogram: %r" % (got, expected))
            if not t:
                continue
            leaf, _ = native_ends(t)
            ok(t["state"] == "sleeping" and t["syscall"] == "futex" and t["gil"] is False and
               leaf and any("acquire" in (f["function"] or "") for f in leaf),
               "%s: deadlock: thread %s sleeps in futex without the GIL, a lock acquire "
               "below its Python frames" % (label, expected[0][0]),
               json.dumps({k: t[k] for k in ("state", "syscall", "gil", "wchan")}) +
               " leaf: %s" % [f["function"] for f in leaf or []])
        # The native parts, as eu-stack sees the same (still deadlocked)
        # process once the dump has let it go.
        if shutil.which("eu-stack"):
            eu = eu_stack(proc.pid)
            for tid in sorted(stacks):
                t = thread(data, tid)
                theirs = eu.get(tid, [])
                evals = [i for i, (_, n) in enumerate(theirs) if "EvalFrameDefault" in n]
                leaf, root = native_ends(t)
                ok(evals and same_frames(leaf, theirs[:evals[0]]) and
                   same_frames(root, theirs[evals[-1] + 1:]),
                   "%s: deadlock: thread %d's native frames (%d leaf-side, %d root-side) are "
                   "eu-stack's, names and addresses" % (label, tid, len(leaf or []),
                                                         len(root or [])),
                   "ours leaf: %s\nours root: %s\neu-stack: %s"
                   % ([(f["function"], f["address"]) for f in leaf or []],
                      [(f["function"], f["address"]) for f in root or []],
                      [(hex(a), n) for a, n in theirs]))
        else:
            skip("%s: deadlock: native frames against eu-stack" % label,
                 "eu-stack not installed (apt-get install elfutils)")
        # Text: the same stacks, innermost first; --reverse: outermost first.
        text = subprocess.run([PYSAMPLE, "dump", "-p", str(proc.pid)], capture_output=True,
                              text=True, timeout=60)
        lines = [re.search(r', in (\S+)$', ln) for ln in text.stdout.splitlines()]
        funcs = [short(m.group(1)) for m in lines if m]
        ok(text.returncode == 0 and "take_b_after_a" in funcs and "take_a_after_b" in funcs and
           re.search(r'File ".*dump_deadlock.py", line %d, in take_b_after_a'
                     % stacks[min(stacks)][0][1] if "take_b" in stacks[min(stacks)][0][0] else
                     r'take_', text.stdout),
           "%s: deadlock: text output names both functions with file and line" % label,
           text.stderr + text.stdout[:3000])
        p, rev = dump(proc.pid, "--reverse")
        same = rev and all(thread(rev, tid) and
                           [f.get("function") for f in thread(rev, tid)["frames"]] ==
                           [f.get("function") for f in thread(data, tid)["frames"]][::-1]
                           for tid in stacks)
        ok(p.returncode == 0 and same and rev["order"] == "outermost-first",
           "%s: --reverse gives the same frames outermost first" % label, p.stderr)
        p, pyonly = dump(proc.pid, "--python-only")
        ok(p.returncode == 0 and pyonly and all(
            [(short(f["function"]), f["line"]) for f in thread(pyonly, tid)["frames"]] == stacks[tid]
            for tid in stacks),
           "%s: --python-only gives exactly the Python frames" % label, p.stderr)
        p, everything = dump(proc.pid, "--native-all")
        ok(p.returncode == 0 and everything and all(
            len(thread(everything, tid)["frames"]) >= len(thread(data, tid)["frames"]) and
            [(short(f["function"]), f["line"]) for f in py_frames(thread(everything, tid))] ==
            stacks[tid] for tid in stacks),
           "%s: --native-all keeps the Python frames and adds CPython's own" % label, p.stderr)
        # A copy too small for the stack: the dump is cut, says so, exits 1.
        p, cut = dump(proc.pid, "--stack-bytes=256")
        cut_threads = [t for t in cut["threads"] if not t["complete"]] if cut else []
        ok(p.returncode == 1 and cut and not cut["complete"] and cut_threads and
           all("--stack-bytes" in t["cut"] for t in cut_threads) and
           all("thread %d:" % t["tid"] in p.stderr for t in cut_threads),
           "%s: --stack-bytes=256: exit 1, the cut threads named with the reason" % label,
           p.stderr + p.stdout[:1000])
        ok(proc.poll() is None and not tracer(proc.pid),
           "%s: the target runs on untraced after the dumps" % label)
    finally:
        stop(proc)


def tracer(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("TracerPid:"):
                return int(line.split()[1])
    return 0


def check_server(label, py):
    proc = start(py, "dump_server.py")
    try:
        line = wait_for_line(proc, "READY")
        if not ok(line, "%s: the server is ready" % label):
            return
        tid = int(line.split()[1])
        p, data = dump(proc.pid)
        t = thread(data, tid)
        funcs = [short(f["function"]) for f in py_frames(t)] if t else []
        ok(p.returncode == 0 and t and t["state"] == "sleeping" and t["syscall"] in ACCEPT_CALLS
           and funcs[:2] == ["accept", "accept_loop"],
           "%s: idle server: the acceptor sleeps in %s, in socket.accept <- accept_loop"
           % (label, t["syscall"] if t else "?"),
           p.stderr + json.dumps(t)[:2000])
    finally:
        stop(proc)


def check_gil_spin(label, py, lib):
    proc = start(py, "dump_gilspin.py", lib)
    try:
        line = wait_for_line(proc, "READY")
        if not ok(line, "%s: the GIL spinner is ready" % label, proc.stderr.read()
                  if proc.poll() is not None else None):
            return
        tid = int(line.split()[1])
        time.sleep(0.1)  # into the spin
        p, data = dump(proc.pid)
        t = thread(data, tid)
        names = [f["function"] for f in t["frames"]] if t else []
        spin = names.index("dump_spin_forever") if "dump_spin_forever" in names else None
        caller = names.index("hold_gil_in_c") if "hold_gil_in_c" in names else None
        ok(p.returncode == 0 and t and t["gil"] is True and data["gil_holder"] == tid and
           t["state"] == "running" and spin == 0 and caller is not None and caller > spin and
           all(thread(data, o["tid"])["gil"] is False for o in data["threads"] if o["tid"] != tid),
           "%s: GIL spin: the thread holds the GIL, running dump_spin_forever (its leaf) "
           "below its Python caller hold_gil_in_c" % label,
           p.stderr + json.dumps(t)[:3000])
    finally:
        stop(proc)


def check_many(label, py, version, n=200):
    proc = start(py, "dump_many.py", str(n))
    try:
        line = wait_for_line(proc, "READY", timeout=60)
        if not ok(line, "%s: %d parked threads are ready" % (label, n)):
            return
        t0 = time.monotonic()
        p, data = dump(proc.pid)
        wall = time.monotonic() - t0
        parked = [t for t in data["threads"] if any(short(f["function"]) == "parked"
                                                    for f in py_frames(t))] if data else []
        good = (p.returncode == 0 and data and len(data["threads"]) == n + 1 and
                len(parked) == n and data["complete"])
        name = "%s: %d threads: every one dumped whole, %d in parked()" % (label, n + 1,
                                                                          len(parked))
        # Before 3.11 pysample learns where glibc keeps the tid from the
        # main thread's state, the last of the list: over 64 threads it
        # once never saw it, and no thread had Python frames.
        ok(good, name, p.stderr[-2000:])
        if data:
            diag("%s: %d-thread dump: %.0f ms wall (pysample started to exit), %.1f ms "
                 "attached; each thread stopped at most %.0f us (copied in %.0f us), all "
                 "within %.1f ms" % (label, n + 1, wall * 1e3, data["attached_ms"],
                                     data["stop_max_us"], data["copy_max_us"],
                                     data["stop_span_us"] / 1e3))
    finally:
        stop(proc)


def check_gap(label, py, rounds=5):
    """The target's own view of the dump: a thread spinning on the clock
    sees its stop as a gap."""
    proc = start(py, "dump_gap.py")
    try:
        if not ok(wait_for_line(proc, "READY"), "%s: the clock watcher is ready" % label):
            return
        time.sleep(0.3)
        seen, said, others, dumped = [], [], [], 0
        for _ in range(rounds):
            proc.stdin.write("\n")
            proc.stdin.flush()
            wait_for_line(proc, "GAPS")  # forget what came before
            time.sleep(0.1)
            before = time.monotonic_ns()
            p, data = dump(proc.pid)
            after = time.monotonic_ns()
            time.sleep(0.05)
            proc.stdin.write("\n")
            proc.stdin.flush()
            line = wait_for_line(proc, "GAPS")
            if p.returncode != 0 or not data:
                continue
            dumped += 1
            gaps = [tuple(int(x) for x in g.split(":")) for g in line.split()[1].split(",")
                    if g] if line and len(line.split()) > 1 else []
            # The gap the round made: the one that overlaps pysample's
            # window from its first interrupt to its last copy
            # (CLOCK_MONOTONIC both).
            lo = data["stop_start_ns"]
            hi = lo + data["stop_span_us"] * 1e3
            seen.append(max((g for s, g in gaps if s <= hi and s + g >= lo), default=0))
            others += [g for s, g in gaps if before <= s <= after and not (s <= hi and s + g >= lo)]
            said += [t["stopped_us"] for t in data["threads"]
                     if t["tid"] != proc.pid and t["state"] == "running"]
        ok(dumped == rounds, "%s: the clock watcher is dumped %d times" % (label, rounds))
        diag("%s: clock watcher, %d dumps: its own gap at each stop %s us; pysample says it "
             "stopped %s us; meanwhile %d other gaps over 20 us, the longest %.0f us (CPU "
             "contention: 2 CPUs shared)"
             % (label, dumped, " ".join("%.0f" % (g / 1e3) for g in seen),
                " ".join("%.0f" % s for s in said), len(others), max(others, default=0) / 1e3))
    finally:
        stop(proc)


def check_exit_statuses():
    p = subprocess.run([PYSAMPLE, "dump"], capture_output=True, text=True)
    ok(p.returncode == 2 and "-p PID" in p.stderr, "dump without -p: exit 2, says what to give",
       p.stderr)
    p = subprocess.run([PYSAMPLE, "dump", "--jso", "-p", "1"], capture_output=True, text=True)
    ok(p.returncode == 2 and "--json" in p.stderr, "dump --jso: exit 2, suggests --json", p.stderr)
    p = subprocess.run([PYSAMPLE, "dump", "--help"], capture_output=True, text=True)
    ok(p.returncode == 0 and "debugger" in p.stdout and "--reverse" in p.stdout,
       "dump --help: exit 0, says why innermost first", p.stderr)
    gone = subprocess.Popen(["true"])
    gone.wait()
    p = subprocess.run([PYSAMPLE, "dump", "-p", str(gone.pid)], capture_output=True, text=True)
    ok(p.returncode == 3 and "pysample: error:" in p.stderr,
       "dump of a process that is gone: exit 3 with the attach error", p.stderr)


check_exit_statuses()
lib = os.path.join(TMP, "libdumpspin.so")
cc = subprocess.run(CC + ["-O1", "-g", "-shared", "-fPIC", "-o", lib, target("dump_spin.c")],
                    capture_output=True, text=True)
ok(cc.returncode == 0, "dump_spin.c builds", cc.stderr)
if not any(path for _, path in interpreters()):
    skip("dump on a real interpreter", "no CPython 3.8-3.13 found (pyenv builds, or "
         "apt-get install python3.11)")
first = True
for label, py in each_interpreter("dump"):
    check_deadlock(label, py)
    check_server(label, py)
    if cc.returncode == 0:
        check_gil_spin(label, py, lib)
    check_many(label, py, version_of(py))
    if first:
        check_gap(label, py)
        first = False
done()
