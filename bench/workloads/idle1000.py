# Fixed work on the main thread while 1,000 other threads sleep (a
# thread-per-connection server between requests); prints "elapsed S".
import sys
import threading
import time

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
never = threading.Event()
for _ in range(n):
    threading.Thread(target=never.wait, daemon=True).start()


def work(k):
    x = 0
    for i in range(k):
        x += i * i
    return x


start = time.perf_counter()
for _ in range(2000):
    work(10000)
print("elapsed %.4f" % (time.perf_counter() - start))
