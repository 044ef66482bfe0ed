# Fixed work done at the bottom of a 200-frame Python recursion; prints
# "elapsed S".
import sys
import time


def work(n):
    x = 0
    for i in range(n):
        x += i * i
    return x


def descend(depth, n):
    if depth == 0:
        return work(n)
    return descend(depth - 1, n) + 1


if __name__ == "__main__":
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15000
    sys.setrecursionlimit(10000)
    start = time.perf_counter()
    for _ in range(rounds):
        descend(200, 2000)
    print("elapsed %.4f" % (time.perf_counter() - start))
