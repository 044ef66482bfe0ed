# SPDX-License-Identifier: GPL-2.0-or-later
"""Two threads, two locks, each holding one and waiting for the other: a
deadlock for `pysample dump`.  Once both are blocked, it prints what it
sees of itself (sys._current_frames: each thread's Python functions and
lines, innermost first) as

    STACK <native thread id> <func>:<line>,<func>:<line>,...

then READY, and waits forever (the main thread in join)."""
import sys
import threading
import time

lock_a = threading.Lock()
lock_b = threading.Lock()
both_hold = threading.Barrier(2)
native_ids = {}


def take_b_after_a():
    with lock_a:
        both_hold.wait()
        lock_b.acquire()  # blocks forever: the other thread holds b


def take_a_after_b():
    with lock_b:
        both_hold.wait()
        lock_a.acquire()  # blocks forever: the other thread holds a


def run(fn):
    native_ids[threading.get_ident()] = threading.get_native_id()
    fn()


threads = [threading.Thread(target=run, args=(f,), name=f.__name__)
           for f in (take_b_after_a, take_a_after_b)]
for t in threads:
    t.daemon = True
    t.start()

# Both blocked: each thread's innermost frame is its function, at the
# acquire that never returns.
while True:
    frames = sys._current_frames()
    blocked = [t for t in threads
               if t.ident in frames and frames[t.ident].f_code.co_name.startswith("take_")
               and "acquire" in open(__file__).read().splitlines()[frames[t.ident].f_lineno - 1]]
    if len(blocked) == 2:
        break
    time.sleep(0.01)
time.sleep(0.05)
frames = sys._current_frames()
for t in threads:
    f, stack = frames[t.ident], []
    while f is not None:
        stack.append("%s:%d" % (f.f_code.co_name, f.f_lineno))
        f = f.f_back
    print("STACK %d %s" % (native_ids[t.ident], ",".join(stack)))
print("READY %d" % threading.get_native_id(), flush=True)
for t in threads:
    t.join()
