# SPDX-License-Identifier: GPL-2.0-or-later
"""Many parked threads for `pysample dump`: argv[1] threads (default 200),
each waiting on an event in parked(); prints READY once all are started,
then the main thread waits too."""
import sys
import threading

n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
never = threading.Event()
started = threading.Semaphore(0)


def parked(i):
    started.release()
    never.wait()


for i in range(n):
    threading.Thread(target=parked, args=(i,), daemon=True).start()
for i in range(n):
    started.acquire()
print("READY %d" % n, flush=True)
never.wait()
