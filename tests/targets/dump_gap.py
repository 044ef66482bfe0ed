# SPDX-License-Identifier: GPL-2.0-or-later
"""Measures how long `pysample dump` keeps it stopped, from the inside: a
thread spins on the monotonic clock and records every gap over 20 us
(start, length, in ns).  Prints READY; each line read on standard input
is answered with GAPS s:len,s:len,... (the gaps since the last answer)."""
import sys
import threading
import time

gaps = []


def spin_on_clock():
    clock = time.perf_counter_ns  # CLOCK_MONOTONIC on Linux, as time.monotonic_ns
    last = clock()
    while True:
        now = clock()
        if now - last > 20000:
            gaps.append((last, now - last))  # one bytecode: atomic under the GIL
        last = now


threading.Thread(target=spin_on_clock, daemon=True).start()
print("READY %d" % threading.get_native_id(), flush=True)
for line in sys.stdin:
    out = gaps[:]
    del gaps[:len(out)]
    print("GAPS " + ",".join("%d:%d" % g for g in out), flush=True)
