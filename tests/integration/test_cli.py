# SPDX-License-Identifier: GPL-2.0-or-later
"""Command line: help, version, and clear errors with the right exit status."""
import os
import re
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

# Options are spelled out: a prefix is an error naming the option meant
# (getopt would take --native for --native-all, --hz 9 for --hz, ...).
for typed, meant in (("--native", "--native-all"), ("--dur=1", "--duration"), ("--sub", "--subprocesses")):
    r = run_pysample([typed, "--", "true"])
    ok(r.returncode == 2 and "unknown option '%s'" % typed.split("=")[0] in r.stderr and meant in r.stderr,
       "%s is refused, naming %s" % (typed, meant), r.stderr)

# py-spy's -r/--rate is -F; a start line and an end line say what is done
# (-q takes them away, the summary stays).
out = os.path.join(TMP, "rate.svg")
r = run_pysample(["-r", "97", "-o", out, "--", "sh", "-c", "i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done"])
start = [l for l in r.stderr.splitlines() if l.startswith("pysample: sampling process")]
end = [l for l in r.stderr.splitlines() if l.startswith("pysample: wrote")]
ok(r.returncode == 0 and "requested 97 Hz" in r.stderr, "-r 97 sets the rate", r.stderr)
ok(len(start) == 1 and "at 97 Hz" in start[0] and out in start[0] and "svg" in start[0],
   "a start line: the process, the rate, the file and its format", r.stderr)
ok(len(end) == 1 and out in end[0] and "open it in a web browser" in end[0],
   "an end line: the samples written, the file, how to view it", r.stderr)
r = run_pysample(["--rate=97", "-q", "-o", out, "--", "true"])
ok(r.returncode == 0 and "pysample: sampling" not in r.stderr and "pysample: wrote" not in r.stderr and
   "samples from" in r.stderr, "-q: no start or end line, the summary stays", r.stderr)

# An interpreter pysample cannot read says so without -v: a stand-in for
# CPython 3.7 (a _PyRuntime symbol in an executable named python3.7, the
# version taken from the name as for any build without Py_Version).
fake_dir = os.path.join(TMP, "fake37")
os.makedirs(fake_dir, exist_ok=True)
with open(os.path.join(fake_dir, "f.c"), "w") as f:
    f.write("char _PyRuntime[65536];\n"
            "int main(void) { volatile unsigned long i = 0; while (i < 300000000UL) i++; return 0; }\n")
fake = os.path.join(fake_dir, "python3.7")
cc = subprocess.run(os.environ.get("CC", "cc").split() + ["-O0", "-o", fake, os.path.join(fake_dir, "f.c")],
                    capture_output=True, text=True)
if ok(cc.returncode == 0, "a stand-in CPython 3.7 builds", cc.stderr):
    r = run_pysample(["-q", "-o", os.path.join(TMP, "fake37.perf"), "--", fake], timeout=60)
    said = [l for l in r.stderr.splitlines() if "CPython 3.7" in l and "is not supported" in l]
    ok(r.returncode == 0 and len(said) == 2 and
       any(l.startswith("pysample: warning: no Python frames were found: CPython 3.7") for l in said),
       "CPython 3.7: 'not supported' said once when found and again at the end, without -v",
       r.stderr)

# The progress line: on a terminal, rewritten about once a second and
# erased at the end; on a pipe, never.
def stderr_on_terminal(args, seconds):
    import pty
    import select
    master, slave = pty.openpty()
    proc = subprocess.Popen([PYSAMPLE] + args, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    seen = b""
    deadline = time.time() + seconds + 30
    while time.time() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    os.close(master)
    return proc.returncode, seen.decode("utf-8", "replace")


spin = ["python3", "-c", "import time\nt = time.time()\nwhile time.time() < t + 3.5: pass"]
code, seen = stderr_on_terminal(["-F", "99", "-o", os.path.join(TMP, "progress.perf"), "--"] + spin,
                                3.5)
lines = re.findall(r"\r\x1b\[Kpysample: (\d+) s, (\d+) samples \((\d+)/s\), (\d+) lost, Ctrl-C to stop",
                   seen)
ok(code == 0 and len(lines) >= 2 and [int(l[0]) for l in lines] == sorted(int(l[0]) for l in lines)
   and int(lines[-1][1]) > int(lines[0][1]) and "\r\x1b[K" in seen.split("Ctrl-C to stop")[-1],
   "progress line on a terminal: %d updates (%s), erased at the end"
   % (len(lines), ", ".join("%s s %s samples" % (l[0], l[1]) for l in lines)), repr(seen[-2000:]))
r = run_pysample(["-F", "99", "-o", os.path.join(TMP, "progress2.perf"), "--"] + spin, timeout=60)
ok(r.returncode == 0 and "Ctrl-C to stop" not in r.stderr.replace("Ctrl-C stops it", ""),
   "no progress line when standard error is not a terminal", r.stderr)

# Output file that cannot be written.
r = run_pysample(["-o", "/nonexistent/dir/out.perf", "--", "true"])
ok(r.returncode == 2 and "cannot write /nonexistent/dir/out.perf" in r.stderr,
   "unwritable -o file is refused before starting", r.stderr)
done()
