# Work in two phases, over and over: most of it shallow, a part of it
# 500 calls deep.  Each phase is timed by the thread's CPU clock; prints
# "split shallow F deep F" at the end: a profile whose lost samples came
# mostly from one phase would show it smaller than this.
import sys
import time


def spin(n):
    x = 0
    for i in range(n):
        x += i
    return x


def deep(level, n):
    if level:
        return deep(level - 1, n)
    return spin(n)


def shallow(n):
    return spin(n)


def main(seconds):
    sys.setrecursionlimit(5000)
    cpu = time.thread_time
    t_shallow = t_deep = 0.0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = cpu()
        shallow(200000)
        t1 = cpu()
        deep(500, 15000)
        t2 = cpu()
        t_shallow += t1 - t0
        t_deep += t2 - t1
    total = t_shallow + t_deep
    print("split shallow %.4f deep %.4f" % (t_shallow / total, t_deep / total))


main(float(sys.argv[1]))
