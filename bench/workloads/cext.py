# Fixed work in a C extension (tests/targets/cext.c, built by bench/run.py)
# called from Python, with Python callbacks from C; prints "elapsed S".
import os
import sys
import time

sys.path.insert(0, os.environ["CEXT_DIR"])
import cext  # noqa: E402


def callback():
    x = 0
    for i in range(200):
        x += i


def main(rounds):
    start = time.perf_counter()
    for _ in range(rounds):
        cext.burn(0.002)
        cext.call_back(callback, 20)
    print("elapsed %.4f" % (time.perf_counter() - start))


main(int(sys.argv[1]) if len(sys.argv) > 1 else 800)
