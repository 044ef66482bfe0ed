# Threads that start and end during the run: argv[1] seconds of short-lived
# workers (each spins ~5 ms in short_lived()), a few at a time.
import sys
import threading
import time


def short_lived():
    end = time.perf_counter() + 0.005
    while time.perf_counter() < end:
        pass


if __name__ == "__main__":
    end = time.perf_counter() + float(sys.argv[1])
    started = 0
    while time.perf_counter() < end:
        batch = [threading.Thread(target=short_lived) for _ in range(4)]
        for t in batch:
            t.start()
        for t in batch:
            t.join()
        started += len(batch)
    print("started", started, flush=True)
