# Short-lived threads, one after another, each spinning 30 ms in
# worker(): a thread is sampled from its first milliseconds.
import sys
import threading
import time


def worker(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def main(seconds):
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        t = threading.Thread(target=worker, args=(0.03,))
        t.start()
        t.join()
        n += 1
    print("threads", n, flush=True)


main(float(sys.argv[1]))
