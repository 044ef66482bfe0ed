# A profile function that works on every call event: while it runs, the
# frame being called has not run its first instruction (f_lasti is -1 on
# 3.8-3.10).  CPython gives such a frame its function's first line.
# Prints "firstline N" for called(), then runs for SECONDS.
import sys
import time


def spin(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def on_event(frame, event, arg):
    if event == "call" and frame.f_code is called.__code__:
        spin(0.002)


def called():
    return 1


def main(seconds):
    print("firstline", called.__code__.co_firstlineno, flush=True)
    end = time.perf_counter() + seconds
    sys.setprofile(on_event)
    while time.perf_counter() < end:
        called()
    sys.setprofile(None)


main(float(sys.argv[1]))
