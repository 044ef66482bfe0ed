# A long-running multi-threaded service shape: 4 steady worker threads and
# a stream of short-lived threads (a pool that keeps replacing workers),
# for argv[1] seconds.
import sys
import threading
import time

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 600


def work(n):
    x = 0
    for i in range(n):
        x += i
    return x


def steady(end):
    while time.perf_counter() < end:
        work(5000)
        time.sleep(0.001)


def short():
    work(20000)


end = time.perf_counter() + SECONDS
workers = [threading.Thread(target=steady, args=(end,)) for _ in range(4)]
for t in workers:
    t.start()
started = 0
while time.perf_counter() < end:
    batch = [threading.Thread(target=short) for _ in range(8)]
    for t in batch:
        t.start()
    for t in batch:
        t.join()
    started += len(batch)
for t in workers:
    t.join()
print("short-lived threads started: %d" % started)
