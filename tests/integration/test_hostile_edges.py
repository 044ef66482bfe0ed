# SPDX-License-Identifier: GPL-2.0-or-later
"""The edges a hostile or merely unusual target (or setting) finds: many
threads at a low open file limit, -p with a thread id or pysample's own
pid, a process whose leader has exited, closed standard streams, an
attach that fails over an existing profile, a reader that goes away,
signals to pysample in launch mode, slow processing while the target
creates threads, an exit held at a low rate, and a memory limit."""
import os
import re
import resource
import signal
import subprocess
import time

from pstest import (PYSAMPLE, TMP, done, interpreters, ok, parse, profile, read_stats, skip,
                    target)

CC = os.environ.get("CC", "cc").split()


def build(name, *sources, flags=()):
    exe = os.path.join(TMP, name)
    r = subprocess.run(CC + ["-O2", "-g", "-pthread", "-o", exe] + list(sources) + list(flags),
                       capture_output=True, text=True)
    ok(r.returncode == 0, "%s builds" % name, r.stderr)
    return exe


def limited(soft, hard):
    def apply():
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return apply


def read_ready(proc):
    m = re.match(r"ready (.*)", proc.stdout.readline())
    return [int(x) for x in m.group(1).split()] if m else []


manythreads = build("manythreads", target("manythreads.c"))
hostile = build("hostile", target("hostile.c"), flags=["-ldl"])
leaderexit = build("leaderexit", target("leaderexit.c"))

# 1. 1,100 threads, 4 of them busy and created last: at an open file limit
# of 1024 (soft and hard) and of 16, every busy thread is sampled, and the
# summary says why some had no timer.  (They were detached as "foreign",
# silently, when the limit ran out.)
for soft in (1024, 16):
    out = os.path.join(TMP, "fd-limit-%d.perf" % soft)
    p = subprocess.Popen([PYSAMPLE, "-F", "199", "-o", out, "--", manythreads, "1100", "4", "3"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=limited(soft, soft))
    ids = read_ready(p)
    _, err = p.communicate(timeout=120)
    records = parse(open(out).read()) if os.path.exists(out) else []
    busy = ids[1:]
    per_thread = {tid: sum(1 for r in records if r.tid == tid and "busy_loop" in r.syms())
                  for tid in busy}
    ok(p.returncode == 0 and busy and all(n > 50 for n in per_thread.values()),
       "ulimit -n %d, 1,100 threads: every busy thread sampled (%s)"
       % (soft, ", ".join(str(n) for n in per_thread.values())), err)
    ok(re.search(r"without a timer \(pysample's open file limit \(%d" % soft, err) and
       "ulimit -Hn" in err,
       "ulimit -n %d: the summary says which limit left threads without a timer, and the fix"
       % soft, err)

# 2. -p with a thread id: the whole process is profiled, records carry the
# process's pid, and a warning says so.
p = subprocess.Popen([manythreads, "3", "2", "4"], stdout=subprocess.PIPE, text=True)
ids = read_ready(p)
out = os.path.join(TMP, "ptid.perf")
r, records, e = profile(["-p", str(ids[2]), "-d", "1"], out)
p.kill()
p.wait()
tids = {rec.tid for rec in records or []}
ok(r.returncode == 0 and records and all(rec.pid == ids[0] for rec in records) and
   {ids[1], ids[2]} <= tids and "is a thread of process %d" % ids[0] in r.stderr,
   "-p TID: its process %d is profiled, every record says so, both busy threads sampled"
   % ids[0], (e or "") + r.stderr)

# 3. pysample's own pid (the shell execs pysample with its own pid).
r = subprocess.run(["sh", "-c", 'exec "$0" -p $$ -d 0.2', PYSAMPLE], capture_output=True,
                   text=True, timeout=30)
ok(r.returncode != 0 and "is pysample itself" in r.stderr,
   "-p with pysample's own pid: refused with a message that says so", r.stderr)

# 4. A process whose leader called pthread_exit while a thread works on:
# attached and launched, the worker's samples unwind (its memory is read
# through the live thread; the zombie leader has none).
p = subprocess.Popen([leaderexit, "3"], stdout=subprocess.PIPE, text=True)
pid = read_ready(p)[0]
time.sleep(0.2)
out = os.path.join(TMP, "leaderexit-attach.perf")
r, records, e = profile(["-p", str(pid), "-d", "1"], out)
p.wait()
worker = [rec for rec in records or [] if "worker" in rec.syms() and rec.tid != pid]
ok(r.returncode == 0 and len(worker) > 300 and
   all("start_thread" in rec.syms() for rec in worker),
   "leader exited before the attach: %d worker samples, all unwound to start_thread"
   % len(worker), (e or "") + r.stderr)
out = os.path.join(TMP, "leaderexit-launch.perf")
r, records, e = profile(["--", leaderexit, "1.5"], out)
worker = [rec for rec in records or [] if "worker" in rec.syms()]
ok(r.returncode == 0 and len(worker) > 600 and
   all("start_thread" in rec.syms() for rec in worker),
   "leader exits during the run: %d worker samples, all unwound to start_thread"
   % len(worker), (e or "") + r.stderr)

# 5. A closed stderr: the -o file would be fd 2, and the summary would
# land in the profile.
out = os.path.join(TMP, "closed-fd2.perf")
r = subprocess.run([PYSAMPLE, "-o", out, "--", hostile, "exe", "0.5"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, timeout=60,
                   preexec_fn=lambda: os.close(2))
text = open(out).read()
try:
    n = len(parse(text))
except ValueError as e:
    n = 0
    text += str(e)
ok(r.returncode == 0 and "pysample:" not in text and n > 100,
   "stderr closed: the profile holds samples only (%d)" % n, text[-300:])

# 6. An attach that fails leaves an existing -o file as it was, and
# creates none.
keep, fresh = os.path.join(TMP, "keep.perf"), os.path.join(TMP, "fresh.perf")
with open(keep, "w") as f:
    f.write("the last profile\n")
dead = subprocess.Popen(["true"])
dead.wait()
r1 = subprocess.run([PYSAMPLE, "-p", str(dead.pid), "-o", keep], capture_output=True, text=True)
r2 = subprocess.run([PYSAMPLE, "-p", str(dead.pid), "-o", fresh], capture_output=True, text=True)
ok(r1.returncode != 0 and open(keep).read() == "the last profile\n" and
   r2.returncode != 0 and not os.path.exists(fresh),
   "a failed attach keeps the existing -o file and creates no new one", r1.stderr)

# 7. The reader goes away (| head): sampling stops there, the launched
# program runs to its end undisturbed, and pysample says the profile is
# incomplete.
start = time.monotonic()
sh = subprocess.run(["sh", "-c",
                     '"$0" -F 999 --stats "$3" -- "$1" exe 3 2>"$2" | head -3 >/dev/null',
                     PYSAMPLE, hostile, os.path.join(TMP, "epipe.err"),
                     os.path.join(TMP, "epipe.stats")], timeout=60)
elapsed = time.monotonic() - start
err = open(os.path.join(TMP, "epipe.err")).read()
seconds = read_stats(os.path.join(TMP, "epipe.stats")).get("seconds")
ok(sh.returncode == 0 and seconds is not None and seconds < 2.0 and elapsed > 2.9 and
   "(the profile could not be written)" in err and "could not be written completely" in err,
   "the reader went away: sampling stopped after %s s of the program's 3, which ran on"
   % (seconds if seconds is not None else "?"), err)

# 8. SIGUSR1 and SIGALRM to pysample in launch mode reach the program, as
# without pysample; they used to kill pysample, and through it the program.
script = os.path.join(TMP, "usr1.py")
with open(script, "w") as f:
    f.write("import os, signal, time\n"
            "got = []\n"
            "for s in (signal.SIGUSR1, signal.SIGALRM):\n"
            "    signal.signal(s, lambda n, f: got.append(n))\n"
            "print('ready', os.getpid(), flush=True)\n"
            "end = time.time() + 2\n"
            "while time.time() < end and len(got) < 2:\n"
            "    pass\n"
            "print('got', sorted(got), flush=True)\n")
python = next((p for label, p in interpreters() if p), None)
p = subprocess.Popen([PYSAMPLE, "-o", os.path.join(TMP, "usr1.perf"), "--", python, script],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
p.stdout.readline()
p.send_signal(signal.SIGUSR1)
time.sleep(0.2)
p.send_signal(signal.SIGALRM)
out, err = p.communicate(timeout=60)
ok(p.returncode == 0 and "got [%d, %d]" % (min(signal.SIGUSR1, signal.SIGALRM),
                                             max(signal.SIGUSR1, signal.SIGALRM)) in out,
   "SIGUSR1 and SIGALRM to pysample in launch mode are handled by the program", out + err)

# 9. Processing far behind (20 ms a sample) while the target creates a
# thread every 20 ms: the end of the run does not wait for processing to
# detach, so the target never pauses; the target measures its own gaps.
p = subprocess.Popen([hostile, "exe", "5"], stdout=subprocess.PIPE, text=True)
pid = read_ready(p)[0]
env = dict(os.environ, PYSAMPLE_TEST_PROCESS_EACH_US="20000")
sampler = subprocess.Popen([PYSAMPLE, "-p", str(pid), "-d", "1.5", "-o",
                            os.path.join(TMP, "slow.perf")], stderr=subprocess.PIPE, text=True,
                           env=env)
time.sleep(2.5)
traced = [line for line in open("/proc/%d/status" % pid) if line.startswith("TracerPid:")]
still_processing = sampler.poll() is None
sampler.send_signal(signal.SIGINT)
try:
    _, serr = sampler.communicate(timeout=10)
except subprocess.TimeoutExpired:
    sampler.kill()
    serr = "pysample did not stop within 10 s of SIGINT"
gap = re.search(r"longest-gap-ms ([\d.]+)", p.communicate(timeout=30)[0])
ok(still_processing and traced == ["TracerPid:\t0\n"],
   "slow processing: 1 s after -d 1.5, pysample is still processing and the target is already "
   "let go (%s)" % traced[0].strip(), serr)
ok(gap and float(gap.group(1)) < 1000,
   "slow processing with thread creation: the target's longest pause %s ms"
   % (gap.group(1) if gap else "?"))
ok(sampler.returncode is not None and "not written: told to stop" in serr,
   "SIGINT during the final processing stops it and says how many samples were left", serr)

# 10. An exit held for processing to catch up ends within 3 s, at a rate
# whose tick is longer than that.
for hz in ("0.5", "2"):
    out = os.path.join(TMP, "hold-%s.perf" % hz)
    env = dict(os.environ, PYSAMPLE_TEST_PROCESS_DELAY_MS="6000")
    r, records, e = profile(["-F", hz, "--", hostile, "exe", "2.5"], out, env=env)
    held_ms = r.stats.get("exit_hold_max_ms") if r.stats.get("exits_held") else None
    ok(held_ms is not None and held_ms <= 3100 and r.stats.get("hz_requested") == float(hz),
       "-F %s: the exit was held %s ms, at most 3 s" % (hz, held_ms if held_ms is not None else "?"),
       r.stderr)

# 11. A memory limit: pysample may fail, but never crashes (it used to
# die in capstone), and the program it launched runs to its end.
if "asan" in PYSAMPLE or os.environ.get("ASAN_OPTIONS"):
    skip("ulimit -v", "AddressSanitizer reserves terabytes of address space")
else:
    nocfi = build("nocfi-v", target("nocfi.c"), target("nocfi-asm.S"),
                  flags=["-fno-omit-frame-pointer", "-fno-optimize-sibling-calls"])
    results = []
    for limit in (100000, 60000, 40000) * 2:
        r = subprocess.run([PYSAMPLE, "-o", os.path.join(TMP, "vlimit.perf"), "--", nocfi,
                            "blob", "0.5"], capture_output=True, text=True, timeout=60,
                           preexec_fn=lambda lim=limit: resource.setrlimit(
                               resource.RLIMIT_AS, (lim * 1024, lim * 1024)))
        results.append((limit, r.returncode, r.stderr.strip().splitlines()[-4:]))
    ok(all(rc == 0 for _, rc, _ in results),
       "ulimit -v 100/60/40 MB, 6 runs: pysample never crashes, the program always ends well",
       "\n".join("%d KiB: rc %d %s" % (lim, rc, tail) for lim, rc, tail in results))

# 11b. A library that gives up (an assert in libdw or libelf, as one did
# once in CI at ulimit -v 60 MB) aborts pysample: the target is let go
# first, and a launched program runs to its end with its own status.
# (Under the sanitizers an abort is their report, and ends the run.)
if "asan" in PYSAMPLE or os.environ.get("ASAN_OPTIONS"):
    skip("SIGABRT lets the target go", "under the sanitizers an abort is their report")
else:
    p = subprocess.Popen([PYSAMPLE, "-o", os.path.join(TMP, "abrt.perf"), "--", hostile, "exe",
                          "1.5"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.6)
    p.send_signal(signal.SIGABRT)
    out, err = p.communicate(timeout=60)
    ok(p.returncode == 0 and "longest-gap-ms" in out and "gave up (SIGABRT" in err and
       "letting the target go" in err,
       "SIGABRT in pysample: the target is let go and runs to its end, exit status 0, the "
       "cause said", out + err)

# 12. A target that truncates a library it runs (beyond its loaded
# segments: its code stays) while pysample reads the symbols and debug
# sections beyond: pysample must not crash (through PTRACE_O_EXITKILL that
# would kill the program), whatever it can still name.
lib = os.path.join(TMP, "libshrink.so")
r = subprocess.run(CC + ["-O2", "-g", "-shared", "-fPIC", "-o", lib, target("hostlib.c")],
                   capture_output=True, text=True)
size = os.path.getsize(lib)
r = subprocess.run([PYSAMPLE, "-o", os.path.join(TMP, "shrink.perf"), "--", hostile, "shrink",
                    lib, "1.5"], capture_output=True, text=True, timeout=60)
ok(os.path.getsize(lib) < size and "shrunk, and ran on" in r.stdout and r.returncode == 0,
   "a library truncated under pysample (%d -> %d bytes): the program runs to its end"
   % (size, os.path.getsize(lib)), r.stdout + r.stderr)

# 13. A fault reading a mapped file (SIGBUS: a target truncated a library
# while pysample read it, forced here at the 100th sample): pysample says
# so and lets the target go; a launched program runs to its end, and its
# exit status is pysample's.
env = dict(os.environ, PYSAMPLE_TEST_SIGBUS_AFTER="100")
r = subprocess.run([PYSAMPLE, "-o", os.path.join(TMP, "sigbus.perf"), "--", hostile, "exe", "1.5"],
                   capture_output=True, text=True, env=env, timeout=60)
ok(r.returncode == 0 and "longest-gap-ms" in r.stdout and "(SIGBUS)" in r.stderr and
   "letting the target go" in r.stderr,
   "SIGBUS in processing, launched: the program runs to its end, exit status 0, the cause said",
   r.stdout + r.stderr)
p = subprocess.Popen([hostile, "exe", "3"], stdout=subprocess.PIPE, text=True)
pid = read_ready(p)[0]
r = subprocess.run([PYSAMPLE, "-p", str(pid), "-o", os.path.join(TMP, "sigbus-attach.perf")],
                   capture_output=True, text=True, env=env, timeout=60)
traced = [line for line in open("/proc/%d/status" % pid) if line.startswith("TracerPid:")]
gap = re.search(r"longest-gap-ms ([\d.]+)", p.communicate(timeout=30)[0])
ok(r.returncode != 0 and traced == ["TracerPid:\t0\n"] and gap and float(gap.group(1)) < 1000,
   "SIGBUS in processing, attached: the target is let go and runs on (longest pause %s ms)"
   % (gap.group(1) if gap else "?"), r.stderr)

done()
