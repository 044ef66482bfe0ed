# A mixed stack of about 50 frames: Python recursion where every level
# goes through C (sum over map calling back into Python), spinning at the
# bottom; prints "elapsed S".  For the unwind + symbolize cost of a
# 50-frame mixed stack with warm caches.
import sys
import time

DEPTH = 7


def spin(n):
    x = 0
    for i in range(n):
        x += i * i
    return x


def level(n):
    if n == 0:
        return spin(20000)
    return sum(map(level, [n - 1]))


def main(rounds):
    start = time.perf_counter()
    for _ in range(rounds):
        level(DEPTH)
    print("elapsed %.4f" % (time.perf_counter() - start))


main(int(sys.argv[1]) if len(sys.argv) > 1 else 1500)
