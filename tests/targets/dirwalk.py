# SPDX-License-Identifier: GPL-2.0-or-later
"""A directory walk that stats every entry (stat_entry: a system call) and
digests what it found right after (digest_entry: computing, no system
call), the pattern of scanners, backup and build tools.  It measures its
own split with time.perf_counter() (no system call) around each call.  A
CPU profile counts time on a CPU: a window in which the thread was
preempted or stopped by a profiler lasts far longer than its kind takes at
least, so each kind's CPU time is its number of windows times the mean
length of its undisturbed ones (a loaded machine preempts a thread most
often on its way out of a system call: wall-clock windows would lean that
way, and leaving the disturbed windows out would lean the other).  At the end it prints
"split stat_entry F digest_entry F": the truth a profile is checked
against.

usage: dirwalk.py DIR SECONDS  (DIR is filled with a tree first if empty)
"""
import hashlib
import os
import sys
import time


def make_tree(top, dirs=20, files=100):
    for d in range(dirs):
        sub = os.path.join(top, "d%02d" % d)
        os.makedirs(sub, exist_ok=True)
        for f in range(files):
            with open(os.path.join(sub, "f%03d.txt" % f), "w") as out:
                out.write("x" * (f % 7))


def stat_entry(entry):
    # Several system calls a call: the call's own cost, the same for both
    # functions and outside either in a profile, weighs little.
    os.lstat(entry.path)
    os.stat(entry.path)
    return entry.stat(follow_symlinks=False)


def digest_entry(h, name, st):
    for _ in range(12):
        h.update(b"%s:%d:%d" % (name, st.st_size, st.st_mtime_ns))


class Windows:
    """One kind of window: the undisturbed ones are no longer than twice the
    shortest seen, plus 10 us (a slow, cache-missing system call is CPU time
    like any other; being preempted or stopped costs more, 30 us and up)."""

    def __init__(self):
        self.shortest = None
        self.kept = 0.0
        self.nkept = 0
        self.left_out = 0

    def add(self, length):
        if self.shortest is None or length < self.shortest:
            self.shortest = length
        if length <= 2 * self.shortest + 10e-6:
            self.kept += length
            self.nkept += 1
        else:
            self.left_out += 1

    def cpu_time(self):
        return self.kept / self.nkept * (self.nkept + self.left_out) if self.nkept else 0.0


def main(top, seconds):
    if not os.listdir(top):
        make_tree(top)
    clock = time.perf_counter
    stats, digests = Windows(), Windows()
    h = hashlib.sha256()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        dirs = [top]
        while dirs:
            with os.scandir(dirs.pop()) as it:
                for entry in it:
                    if entry.is_dir(follow_symlinks=False):
                        dirs.append(entry.path)
                        continue
                    t0 = clock()
                    st = stat_entry(entry)
                    t1 = clock()
                    digest_entry(h, entry.name.encode(), st)
                    t2 = clock()
                    stats.add(t1 - t0)
                    digests.add(t2 - t1)
    total = stats.cpu_time() + digests.cpu_time()
    print("split stat_entry %.4f digest_entry %.4f" % (stats.cpu_time() / total,
                                                         digests.cpu_time() / total))


main(sys.argv[1], float(sys.argv[2]))
