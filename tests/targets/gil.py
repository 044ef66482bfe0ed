# Two busy threads: the main one runs Python (holding the GIL), the other
# hashes large buffers in C with the GIL released.  Prints each thread's
# native id as "thread <function> <tid>".
import hashlib
import sys
import threading
import time

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 1.5
DATA = b"x" * (32 << 20)


def report(name):
    sys.stdout.write("thread %s %d\n" % (name, threading.get_native_id()))
    sys.stdout.flush()


def hashing():
    report("hashing")
    end = time.perf_counter() + SECONDS
    while time.perf_counter() < end:
        hashlib.sha256(DATA).digest()  # releases the GIL while hashing


def python_spin():
    report("python_spin")
    end = time.perf_counter() + SECONDS
    x = 0
    while time.perf_counter() < end:
        x += 1


t = threading.Thread(target=hashing)
t.start()
python_spin()
t.join()
