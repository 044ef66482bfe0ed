# Three named threads, each spinning in its own function, plus the main
# thread in main_spin(); prints "thread <function> <native id>" for each.
import sys
import threading
import time

try:
    native_id = threading.get_native_id
except AttributeError:  # before 3.8
    native_id = None


def report(name):
    # One write per line: print() with several arguments can interleave.
    sys.stdout.write("thread %s %d\n" % (name, native_id()))
    sys.stdout.flush()


def spin(seconds):
    end = time.perf_counter() + seconds
    x = 0
    while time.perf_counter() < end:
        x += 1


def worker_alpha(seconds):
    report("worker_alpha")
    spin(seconds)


def worker_beta(seconds):
    report("worker_beta")
    spin(seconds)


def worker_gamma(seconds):
    report("worker_gamma")
    spin(seconds)


def main_spin(seconds):
    report("main_spin")
    spin(seconds)


if __name__ == "__main__":
    seconds = float(sys.argv[1])
    threads = [threading.Thread(target=f, args=(seconds,), name=f.__name__)
               for f in (worker_alpha, worker_beta, worker_gamma)]
    for t in threads:
        t.start()
    main_spin(seconds)
    for t in threads:
        t.join()
    print("finished", flush=True)
