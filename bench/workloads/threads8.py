# Fixed work split over 8 threads (each in its own function chain); prints
# "elapsed S".  With the GIL only one runs Python at a time: the others
# wait, which is the point (blocked threads must cost nothing to sample).
import sys
import threading
import time


def work(n):
    x = 0
    for i in range(n):
        x += i * i
    return x


def worker(n):
    for _ in range(n):
        work(2000)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1500
    threads = [threading.Thread(target=worker, args=(n,)) for _ in range(8)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("elapsed %.4f" % (time.perf_counter() - start))
