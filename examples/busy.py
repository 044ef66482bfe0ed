"""CPU-bound example for pysample; runs about 3 seconds.  main() spends about
70% of its time in hot() and 30% in cold(); a second thread runs worker()."""
import threading
import time


def spin(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def hot():
    return spin(7000)


def cold():
    return spin(3000)


def worker(stop):
    while not stop.is_set():
        spin(5000)


def main():
    stop = threading.Event()
    thread = threading.Thread(target=worker, args=(stop,), name="worker")
    thread.start()
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        hot()
        cold()
    stop.set()
    thread.join()


main()
