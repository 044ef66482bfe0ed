# SPDX-License-Identifier: GPL-2.0-or-later
"""`pysample top`, the live view, driven in a tmux pane: attached to
split.py (70% of its time in hot(), 30% in cold(), both spinning in
spin()), the hot function shows within 3 s; `n` leaves Python frames only,
`s` sorts by total then by name, `w` shows the whole run, `p` pauses, `q`
quits: pysample exits 0, the target runs on untraced, and the terminal is
the shell's again.  In launch mode the view ends with the program.  And
without a terminal, top refuses with a message that says what to use.
One interpreter (3.12 when there is one): the view is the same for all."""
import os
import re
import shutil
import subprocess
import time

from pstest import PYSAMPLE, diag, done, interpreters, ok, skip, target, tracer_of

SESSION = "pysample-test-top-%d" % os.getpid()
# The echo after pysample; the command line typed shows "TOP-EXIT=$?".
EXITED = re.compile(r"TOP-EXIT=(\d+)")
ROW = re.compile(r"^\s*([\d.]+)%\s+([\d.]+)%\s+(\d+)\s+(.*\S)\s*$")


def tmux(*args, check=True):
    # A server of its own (-L): a shared one would give the pane its own
    # environment (ASan's and LSan's options among it), not this test's.
    return subprocess.run(["tmux", "-L", SESSION] + list(args), capture_output=True, text=True,
                          check=check)


def pane():
    return tmux("capture-pane", "-p", "-t", SESSION).stdout


def functions(text):
    """The function rows of the view: (self%, total%, label), in order."""
    rows, inside = [], False
    for line in text.splitlines():
        if "Self%" in line and "Function" in line:
            inside = True
            continue
        if not inside:
            continue
        m = ROW.match(line)
        if not m:
            break
        rows.append((float(m.group(1)), float(m.group(2)), m.group(4)))
    return rows


def wait_for(pred, timeout):
    """Polls the pane until pred(text) holds; returns (held, last text)."""
    deadline = time.time() + timeout
    text = ""
    while True:
        text = pane()
        if pred(text):
            return True, text
        if time.time() >= deadline:
            return False, text
        time.sleep(0.1)


def name(label):
    return label.split(" (")[0]


def pick_python():
    found = [(label, path) for label, path in interpreters() if path]
    for label, path in found:
        if "3.12" in label:
            return label, path
    return found[0] if found else (None, None)


def start_shell():
    tmux("kill-session", "-t", SESSION, check=False)
    tmux("new-session", "-d", "-s", SESSION, "-x", "160", "-y", "50",
         "env PS1='shell$ ' bash --norc --noprofile")
    wait_for(lambda t: "shell$" in t, 5)


def type_line(line):
    tmux("send-keys", "-t", SESSION, "-l", line)
    tmux("send-keys", "-t", SESSION, "Enter")


def key(k):
    tmux("send-keys", "-t", SESSION, k)


def test_no_terminal():
    p = subprocess.run([PYSAMPLE, "top", "-p", "1"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=30)
    ok(p.returncode == 2 and "top needs a terminal; use -o FILE or --top N" in p.stderr,
       "top without a terminal refuses, naming what to use instead",
       "rc %d, stderr %r" % (p.returncode, p.stderr))
    p = subprocess.run([PYSAMPLE, "top", "--help"], capture_output=True, text=True, timeout=30)
    ok(p.returncode == 0 and "pysample top" in p.stdout and "Keys:" in p.stdout,
       "pysample top --help describes top and its keys", p.stdout[-300:])


def test_attach(py):
    proc = subprocess.Popen([py, target("split.py"), "120"], stdout=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        start_shell()
        type_line("%s top -p %d; echo TOP-EXIT=$?" % (PYSAMPLE, proc.pid))

        held, text = wait_for(lambda t: any(name(r[2]) == "spin" for r in functions(t)), 3)
        ok(held, "within 3 s the view shows the spinning function", text)

        key("n")
        held, text = wait_for(lambda t: "Python only" in t and functions(t)
                              and name(functions(t)[0][2]) == "spin", 3)
        ok(held, "n: Python only, spin() (where split.py spins) is the top line", text)
        rows = functions(text)
        native = [r for r in rows if ".py" not in r[2] and not r[2].startswith("[")]
        ok(rows and not native, "n: no native function is listed any more",
           "native rows: %r" % native)

        key("s")
        held, text = wait_for(lambda t: "sort: total" in t, 3)
        rows = [name(r[2]) for r in functions(text)]
        ok(held and "hot" in rows and "cold" in rows and rows.index("hot") < rows.index("cold"),
           "s: sorted by total share, hot() (70%) above cold() (30%)", text)

        key("s")
        held, text = wait_for(lambda t: "sort: name" in t, 3)
        rows = [name(r[2]) for r in functions(text)]
        ok(held and rows == sorted(rows) and len(rows) >= 3, "s again: sorted by name", text)

        key("w")
        held, text = wait_for(lambda t: "whole run" in t, 3)
        hot = [r for r in functions(text) if name(r[2]) == "hot"]
        ok(held and hot and 50 <= hot[0][1] <= 90,
           "w: the whole run, where hot() has about 70% of the total", text)
        if hot:
            diag("hot() total share over the whole run: %.1f%%" % hot[0][1])

        key("p")
        held, text = wait_for(lambda t: "PAUSED" in t, 3)
        ok(held, "p: the header says the view is paused", text)

        key("q")
        held, text = wait_for(lambda t: EXITED.search(t), 15)
        m = EXITED.search(text)
        ok(held and m and m.group(1) == "0", "q: pysample top exits 0", text)
        ok("Self%" not in text and "view:" not in text and "shell$" in text,
           "q: the terminal is the shell's again (the view is gone)", text)
        time.sleep(0.2)
        ok(proc.poll() is None, "q: the target runs on")
        ok(tracer_of(proc.pid) == 0, "q: the target is no longer traced",
           "TracerPid %r" % tracer_of(proc.pid))
    finally:
        tmux("kill-session", "-t", SESSION, check=False)
        proc.kill()
        proc.wait()


def test_launch(py):
    try:
        start_shell()
        type_line("%s top -- %s %s 4; echo TOP-EXIT=$?"
                  % (PYSAMPLE, py, target("split.py")))
        held, text = wait_for(lambda t: any(name(r[2]) == "spin" for r in functions(t)), 3)
        ok(held, "launch: within 3 s the view shows the spinning function", text)
        held, text = wait_for(lambda t: EXITED.search(t), 30)
        m = EXITED.search(text)
        ok(held and m and m.group(1) == "0",
           "launch: the view ends with the program, and pysample exits with its status", text)
        ok(held and "Self%" not in text and "shell$" in text,
           "launch: the terminal is the shell's again at the program's exit", text)
    finally:
        tmux("kill-session", "-t", SESSION, check=False)


def main():
    test_no_terminal()
    if not shutil.which("tmux"):
        skip("pysample top in a terminal",
             "TMUX IS MISSING: the live view is not tested (apt-get install tmux)")
        done()
        return
    label, py = pick_python()
    if not py:
        skip("pysample top in a terminal", "no CPython found (see pstest.interpreters)")
        done()
        return
    diag("interpreter: %s (%s)" % (label, py))
    try:
        test_attach(py)
        test_launch(py)
    finally:
        tmux("kill-server", check=False)
    done()


if __name__ == "__main__":
    main()
