# Work while the interpreter shuts down: an atexit handler that spins,
# then an object whose __del__ spins when module globals are cleared during
# finalisation, while a daemon thread keeps running Python code.  Exits 7.
# The daemon mostly sleeps: were it to spin too, the main thread would wait
# for the GIL half the time, off CPU and so unsampled by default, and the
# number of atexit samples would depend on how the GIL happened to switch.
import atexit
import sys
import threading
import time


def spin(seconds):
    end = time.perf_counter() + seconds
    x = 0
    while time.perf_counter() < end:
        x += 1
    return x


def at_exit():
    spin(0.5)


class SpinsWhenFreed:
    def __del__(self):
        spin(0.3)


def daemon():
    while True:
        spin(0.001)
        time.sleep(0.01)


keeper = SpinsWhenFreed()
threading.Thread(target=daemon, daemon=True).start()
atexit.register(at_exit)
print("ready", flush=True)
spin(0.3)
sys.exit(7)
