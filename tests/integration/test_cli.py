# SPDX-License-Identifier: GPL-2.0-or-later
"""Command line: help, version, and clear errors with the right exit status."""
import os
import subprocess
import time

from pstest import TMP, PYSAMPLE, ok, skip, done, run_pysample, profile, diag

r = run_pysample(["--help"])
ok(r.returncode == 0 and "Usage: pysample" in r.stdout and "--duration" in r.stdout,
   "--help prints usage and exits 0", r.stdout + r.stderr)
r = run_pysample(["--version"])
ok(r.returncode == 0 and r.stdout.startswith("pysample "), "--version", r.stdout)

for args, needle in ((["--hz", "abc", "-p", "1"], "invalid rate"),
                     (["--hz", "0", "-p", "1"], "invalid rate"),
                     (["-p", "-5"], "invalid pid"),
                     (["--duration", "x", "-p", "1"], "invalid duration"),
                     ([], "nothing to profile"),
                     (["--bogus"], "unrecognized option"),
                     (["-p", "1", "--", "true"], "either -p PID or a command")):
    r = run_pysample(args)
    ok(r.returncode == 2 and needle in r.stderr, "usage error %r exits 2 naming the problem" % args,
       r.stderr)

# A pid that does not exist: one clear sentence, status 3, no hang.
pid = 4194000
while os.path.exists("/proc/%d" % pid):
    pid -= 1
r = run_pysample(["-p", str(pid), "--duration", "1"], timeout=20)
ok(r.returncode == 3 and "no process %d" % pid in r.stderr, "nonexistent pid: clear error", r.stderr)

# A process that has exited but is not reaped: the kernel answers EPERM,
# and the message must not blame privileges or namespaces.
zombie = subprocess.Popen(["/bin/true"])
for _ in range(100):
    with open("/proc/%d/stat" % zombie.pid) as f:
        if f.read().rsplit(")", 1)[1].split()[0] == "Z":
            break
    time.sleep(0.02)
r = subprocess.run([PYSAMPLE, "-p", str(zombie.pid), "-d", "0.2"], capture_output=True, text=True,
                   timeout=30)
zombie.wait()
ok(r.returncode == 3 and "process %d has exited" % zombie.pid in r.stderr and
   "CAP_SYS_PTRACE" not in r.stderr, "exited, unreaped process: says it has exited", r.stderr)

# A kernel thread (PF_KTHREAD in /proc/PID/stat): said plainly.
def kernel_thread():
    for name in sorted(os.listdir("/proc"), key=lambda n: (len(n), n)):
        if name.isdigit():
            try:
                fields = open("/proc/%s/stat" % name).read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[6]) & 0x00200000:
                return int(name)
    return None


kpid = kernel_thread()
if kpid:
    r = run_pysample(["-p", str(kpid), "--duration", "0.2"], timeout=20)
    ok(r.returncode == 3 and "is a kernel thread" in r.stderr, "kernel thread %d: exit 3, said plainly" % kpid,
       r.stderr)
else:
    skip("kernel thread", "no kernel thread visible in /proc (a container without them)")

# A program that cannot be started.
r = run_pysample(["--", "/nonexistent/program"], timeout=20)
ok(r.returncode == 127 and "cannot run /nonexistent/program: No such file or directory" in r.stderr,
   "unstartable command exits 127 with the reason", r.stderr)

# A non-Python process: sampled natively, a clear warning, target unharmed.
sleeper = subprocess.Popen(["sh", "-c", "while :; do :; done"])
try:
    proc, records, err = profile(["-p", str(sleeper.pid), "--duration", "0.5"], os.path.join(TMP, "cli.perf"),
                                 timeout=30)
    ok(proc.returncode == 0 and records is not None and len(records) > 50,
       "non-Python target is still sampled (%s records)" % (len(records) if records else err),
       proc.stderr)
    ok("no Python frames were found" in proc.stderr, "non-Python target gets a clear warning",
       proc.stderr)
    time.sleep(0.1)
    ok(sleeper.poll() is None, "non-Python target still running after detach")
finally:
    sleeper.kill()
    sleeper.wait()

# Output file that cannot be written.
r = run_pysample(["-o", "/nonexistent/dir/out.perf", "--", "true"])
ok(r.returncode == 2 and "cannot write /nonexistent/dir/out.perf" in r.stderr,
   "unwritable -o file is refused before starting", r.stderr)
done()
