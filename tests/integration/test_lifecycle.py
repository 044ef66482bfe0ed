# SPDX-License-Identifier: GPL-2.0-or-later
"""Real processes: exec in the target, a job-stopped target, a target
already traced by a debugger, pysample itself killed with SIGKILL (an
attached target runs on; a launched one dies with it), permission
failures, and a target whose frame chain is corrupted under pysample."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

from pstest import (TMP, PYSAMPLE, each_interpreter, interpreters, ok, skip, done, parse, target,
                    chain_in_order, proc_state, tracer_of, wait_for_line, version_of)

python = next((p for l, p in interpreters() if p and "3.12" in l), None) or \
    next(p for l, p in interpreters() if p)

# exec: samples from before and after it, each with the right stack.
out = os.path.join(TMP, "exec.perf")
p = subprocess.run([PYSAMPLE, "-F", "499", "-o", out, "--", python, target("execer.py"), "0.7"],
                   capture_output=True, text=True, timeout=60)
records = parse(open(out).read())
before = [r for r in records if "before_exec" in r.py_names()]
after = [r for r in records if chain_in_order(r.py_names(), ["c", "b", "a", "<module>"])]
ok(p.returncode == 0 and len(before) > 50 and len(after) > 50,
   "exec in the target: %d samples before, %d after with the new program's stack"
   % (len(before), len(after)), p.stderr)

# A job-stopped target (SIGSTOP): attach, nothing hangs, detach leaves it
# stopped, SIGCONT resumes it.
tgt = subprocess.Popen([python, target("chain.py"), "3"], stdout=subprocess.PIPE, text=True)
wait_for_line(tgt, "ready")
os.kill(tgt.pid, signal.SIGSTOP)
time.sleep(0.2)
p = subprocess.run([PYSAMPLE, "-p", str(tgt.pid), "-d", "0.5", "-o", os.path.join(TMP, "stopped.perf")],
                   capture_output=True, text=True, timeout=30)
state = proc_state(tgt.pid)
os.kill(tgt.pid, signal.SIGCONT)
rest = tgt.communicate(timeout=30)[0]
ok(p.returncode == 0 and state == "T" and tgt.returncode == 0 and "finished" in rest,
   "job-stopped target: attach/detach in 0.5 s, still stopped after (state %s), runs on after SIGCONT"
   % state, p.stderr)

# Already traced by another tracer: a clear error naming it, target untouched.
if shutil.which("gdb"):
    tgt = subprocess.Popen([python, target("chain.py"), "20"], stdout=subprocess.PIPE, text=True)
    wait_for_line(tgt, "ready")
    gdb = subprocess.Popen(["gdb", "-q", "-nx", "-p", str(tgt.pid), "-ex", "shell sleep 5", "-ex", "detach",
                            "-ex", "quit"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    for _ in range(100):
        if tracer_of(tgt.pid):
            break
        time.sleep(0.05)
    p = subprocess.run([PYSAMPLE, "-p", str(tgt.pid), "-d", "0.2"], capture_output=True, text=True, timeout=30)
    ok(p.returncode == 3 and "already traced by process %d" % gdb.pid in p.stderr,
       "a target under gdb: exit 3 and a message naming the tracer", p.stderr)
    gdb.wait(timeout=60)
    tgt.kill()
    tgt.wait()
else:
    skip("already-traced target", "gdb not installed ('apt-get install gdb')")

# pysample killed with SIGKILL mid-run: an attached target runs on...
tgt = subprocess.Popen([python, target("chain.py"), "3"], stdout=subprocess.PIPE, text=True)
wait_for_line(tgt, "ready")
ps = subprocess.Popen([PYSAMPLE, "-F", "9999", "-p", str(tgt.pid), "-o", os.path.join(TMP, "kill.perf")],
                      stderr=subprocess.DEVNULL)
time.sleep(0.7)
ps.kill()
ps.wait()
time.sleep(0.2)
untraced = tracer_of(tgt.pid) == 0 and proc_state(tgt.pid) in ("R", "S")
rest = tgt.communicate(timeout=30)[0]
ok(untraced and tgt.returncode == 0 and "finished" in rest,
   "SIGKILL to pysample at 9999 Hz: the attached target is untraced, runs on and exits 0")
# ... and a launched one dies with it (PTRACE_O_EXITKILL).
ps = subprocess.Popen([PYSAMPLE, "-F", "999", "-o", os.path.join(TMP, "kill2.perf"), "--", python,
                       target("chain.py"), "30"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
child = int(wait_for_line(ps, "ready").split()[1])
ps.kill()
ps.wait()
for _ in range(50):
    if not os.path.exists("/proc/%d" % child) or proc_state(child) == "Z":
        break
    time.sleep(0.05)
ok(not os.path.exists("/proc/%d" % child) or proc_state(child) == "Z",
   "SIGKILL to pysample in launch mode: the launched program dies with it")


def refused_attach(wrapper, label, message_ok, message_what):
    """pysample run under `wrapper` attaches to a fresh target and must be
    refused: exit 3, one message that passes message_ok, target untouched."""
    tgt = subprocess.Popen([python, target("chain.py"), "5"], stdout=subprocess.PIPE, text=True)
    try:
        wait_for_line(tgt, "ready")
        p = subprocess.run(wrapper + [PYSAMPLE, "-p", str(tgt.pid), "-d", "0.2"], capture_output=True,
                           text=True, timeout=30)
        ok(p.returncode == 3 and message_ok(p.stderr), "%s: exit 3, %s" % (label, message_what), p.stderr)
        ok(tracer_of(tgt.pid) == 0 and tgt.poll() is None, "%s: target untouched" % label)
    finally:
        tgt.kill()
        tgt.wait()


# No permission (an unprivileged user attaching to root's process).
setpriv = shutil.which("setpriv")
if setpriv and os.getuid() == 0:
    refused_attach([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"], "no permission",
                   lambda err: "CAP_SYS_PTRACE" in err and "--cap-add SYS_PTRACE" in err,
                   "and one message naming the cause and the fix")
else:
    skip("permission failure", "needs root and setpriv (util-linux)")

# Privileged, but not over the target: pysample in a user namespace of its
# own has every capability there and none over the target's namespace.
unshare = shutil.which("unshare")
probe = subprocess.run([unshare or "unshare", "--user", "--map-root-user", "true"], capture_output=True) if unshare else None
if probe and probe.returncode == 0:
    refused_attach([unshare, "--user", "--map-root-user"], "capabilities only in another user namespace",
                   lambda err: "although pysample has CAP_SYS_PTRACE" in err and "user namespace" in err,
                   "the message says privilege is not what is missing and names the namespace")
else:
    skip("attach from another user namespace", "unshare --user is not available here")

# A target that works while its interpreter finalises (atexit, __del__
# during module teardown, a daemon thread still running): pysample follows
# it to the end, its exit status passes through, and the atexit work has
# its Python frames.
for label, py in each_interpreter("finalising interpreter"):
    out = os.path.join(TMP, "finalize-%s.perf" % label)
    p = subprocess.run([PYSAMPLE, "-F", "499", "-o", out, "--", py, target("finalize.py")],
                       capture_output=True, text=True, timeout=60)
    try:
        records = parse(open(out).read())
    except (OSError, ValueError) as e:
        records, err = None, str(e)
    at_exit = [r for r in records or [] if "at_exit" in r.py_names()]
    ok(p.returncode == 7 and records is not None and "samples from" in p.stderr and len(at_exit) > 100,
       "%s: finalising interpreter: exit 7 passed through, %d samples in the atexit handler with "
       "Python frames" % (label, len(at_exit)), p.stderr)

# pid 1: profiled like any process when allowed, else one clear message;
# never left stopped or traced.
p = subprocess.run([PYSAMPLE, "-p", "1", "-d", "0.3", "-o", os.devnull], capture_output=True, text=True,
                   timeout=30)
ok((p.returncode == 0 and "samples from" in p.stderr) or
   (p.returncode == 3 and "process 1" in p.stderr and p.stderr.count("\n") == 1),
   "pid 1 (%s): profiled, or exit 3 with one message" % open("/proc/1/comm").read().strip(),
   p.stderr)
ok(tracer_of(1) == 0 and proc_state(1) not in ("t", "T"), "pid 1 is neither traced nor stopped after")

# A frame chain corrupted under pysample (pointers to unmapped memory and
# cycles, on and off): bad samples are counted and marked, the rest is
# right, nothing hangs or crashes.
tmp = tempfile.mkdtemp(prefix="pys-corrupt-")
for label, py in each_interpreter("corrupted frame chain"):
    v = version_of(py)
    if (3, 11) <= v < (3, 13):
        continue  # the frame pointer sits behind tstate->cframe there; covered by the others
    layout = dict(l.split() for l in subprocess.run([PYSAMPLE, "--dump-layout", "%d.%d" % v] if v < (3, 13) else
                                                      [PYSAMPLE, "--dump-layout", "x", "-p", str(os.getpid())],
                                                      capture_output=True, text=True).stdout.splitlines()
                  if l and not l.startswith("#"))
    if v >= (3, 13):
        probe = subprocess.Popen([py, "-c", "import time; print('ready', flush=True); time.sleep(10)"],
                                 stdout=subprocess.PIPE, text=True)
        probe.stdout.readline()
        layout = dict(l.split() for l in subprocess.run([PYSAMPLE, "--dump-layout", "x", "-p", str(probe.pid)],
                                                          capture_output=True, text=True).stdout.splitlines()
                      if l and not l.startswith("#"))
        probe.kill()
        probe.wait()
    frame_field = layout.get("tstate.frame") or layout.get("tstate.current_frame")
    inc = subprocess.check_output([py, "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"],
                                  text=True).strip()
    ext = os.path.join(tmp, label)
    os.makedirs(ext, exist_ok=True)
    cc = subprocess.run(os.environ.get("CC", "cc").split() + ["-O1", "-shared", "-fPIC", "-I", inc, "-o",
                        os.path.join(ext, "corrupt.so"), target("corrupt.c")], capture_output=True, text=True)
    if not ok(cc.returncode == 0, "%s: corrupting extension builds" % label, cc.stderr):
        continue
    code = ("import sys; sys.path.insert(0, %r); import corrupt\n"
            "def victim(): corrupt.toggle(1.5, %s, %s)\n"
            "def outer(): victim()\nouter()\nprint('survived', flush=True)\n"
            % (ext, frame_field, layout["frame.previous"]))
    out = os.path.join(TMP, "corrupt-%s.perf" % label)
    p = subprocess.run([PYSAMPLE, "-F", "999", "-o", out, "--", py, "-c", code], capture_output=True,
                       text=True, timeout=60)
    records = parse(open(out).read())
    marked = [r for r in records if any(s.startswith("[Python frames cut") for s in r.syms())]
    good = [r for r in records if chain_in_order(r.py_names(), ["victim", "outer", "<module>"])]
    ok(p.returncode == 0 and "survived" in p.stdout and marked and good,
       "%s: corrupted chain: %d samples marked cut, %d whole, the target and pysample carry on"
       % (label, len(marked), len(good)), p.stderr)
done()
