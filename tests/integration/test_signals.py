# SPDX-License-Identifier: GPL-2.0-or-later
"""Signals: every signal that arrives while pysample stops threads is
delivered exactly once; Ctrl-C in launch mode reaches the program as it
would without pysample, and pysample still writes a complete profile."""
import os
import select
import signal
import subprocess
import tempfile
import time

from pstest import (PYSAMPLE, TOP_SRCDIR, each_interpreter, ok, done, parse, target,
                    wait_for_line, interpreters)

CC = os.environ.get("CC", "cc").split()
tmp = tempfile.mkdtemp(prefix="pys-signals-")
sigcount = os.path.join(tmp, "sigcount")
cc = subprocess.run(CC + ["-O2", "-o", sigcount, target("sigcount.c")], capture_output=True, text=True)
ok(cc.returncode == 0, "sigcount.c builds", cc.stderr)

# 2000 queued real-time signals, sent while pysample samples at 9999 Hz:
# the C handler must count exactly 2000.
ps = subprocess.Popen([PYSAMPLE, "-F", "9999", "-o", os.path.join(tmp, "sig.perf"), "--", sigcount],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
line = wait_for_line(ps, "ready")
pid = int(line.split()[1])
sent = 0
for i in range(2000):
    os.kill(pid, signal.SIGRTMIN)
    sent += 1
    if i % 50 == 0:
        time.sleep(0.002)
time.sleep(0.2)
os.kill(pid, signal.SIGUSR2)
out, err = ps.communicate(timeout=60)
ok("received %d" % sent in out, "%d real-time signals sent during 9999 Hz sampling, all delivered once (%s)"
   % (sent, out.strip()), err)

python = next((p for _, p in interpreters() if p), None)
# Python handler, one signal at a time (standard signals merge while
# pending, so the next is sent only after the last was handled).
ps = subprocess.Popen([PYSAMPLE, "-F", "9999", "-o", os.path.join(tmp, "usr1.perf"), "--", python,
                       target("signals.py")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
pid = int(wait_for_line(ps, "ready").split()[1])
time.sleep(0.3)
handled = 0
for i in range(300):
    os.kill(pid, signal.SIGUSR1)
    # A lost signal would never be acknowledged: wait at most 10 s.
    ready = select.select([ps.stdout], [], [], 10)[0]
    if not ready or ps.stdout.readline().strip() != "got %d" % (i + 1):
        break
    handled += 1
os.kill(pid, signal.SIGUSR2)
out, err = ps.communicate(timeout=60)
ok(handled == 300 and "received 300" in out,
   "300 SIGUSR1, each sent after the last was handled, under 9999 Hz sampling: %d handled" % handled,
   err)

# Ctrl-C: the terminal sends SIGINT to the whole foreground process group.
# Reproduce that: pysample and the program in one new group, SIGINT to it.
# SIGINT's default disposition is set first: a suite run in the background
# of a non-interactive shell inherits SIGINT ignored, and so would the program.
def sigint_default():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


out_path = os.path.join(tmp, "int.perf")
ps = subprocess.Popen([PYSAMPLE, "-F", "999", "-o", out_path, "--", python, target("interrupt.py")],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                      preexec_fn=sigint_default)
wait_for_line(ps, "ready")
time.sleep(0.5)
os.killpg(ps.pid, signal.SIGINT)
try:
    out, err = ps.communicate(timeout=60)
except subprocess.TimeoutExpired:
    os.killpg(ps.pid, signal.SIGKILL)  # never leave a spinning program behind
    out, err = ps.communicate()
    err += "\n(still running 60 s after Ctrl-C: killed)"
ok(ps.returncode == 5 and "interrupted" in out,
   "Ctrl-C reaches the program, which exits 5 through its handler (pysample exit %d)" % ps.returncode,
   out + err)
try:
    records = parse(open(out_path).read())
    ok(len(records) > 50 and "samples from" in err,
       "after Ctrl-C the profile is complete (%d records) and the summary printed" % len(records), err)
except ValueError as e:
    ok(False, "after Ctrl-C the profile is complete", e)


# The program inherits the signal dispositions pysample was started with,
# not pysample's own (it ignores SIGPIPE): SigIgn as without pysample.
def ignored_signals(argv, ignore_sigpipe):
    def setup():
        signal.signal(signal.SIGPIPE, signal.SIG_IGN if ignore_sigpipe else signal.SIG_DFL)
    out = subprocess.run(argv + ["grep", "SigIgn", "/proc/self/status"], capture_output=True, text=True,
                         preexec_fn=setup, timeout=60).stdout.split()
    return out[1] if len(out) == 2 else out


for ignore in (False, True):
    alone = ignored_signals([], ignore)
    traced = ignored_signals([PYSAMPLE, "-o", os.devnull, "--"], ignore)
    ok(alone == traced, "SIGPIPE %s when pysample starts: the program's ignored signals are %s, as "
       "without pysample (%s)" % ("ignored" if ignore else "default", traced, alone))
done()
