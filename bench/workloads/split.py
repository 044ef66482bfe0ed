# Fixed work, 70% of it in hot() and 30% in cold() (by time, measured here);
# prints "elapsed S" and "hot-share F" for the benchmark.
import sys
import time


def work(n):
    x = 0
    for i in range(n):
        x += i * i
    return x


def hot():
    return work(7000)


def cold():
    return work(3000)


def main(rounds):
    t_hot = t_cold = 0.0
    start = time.perf_counter()
    for _ in range(rounds):
        t0 = time.perf_counter()
        hot()
        t1 = time.perf_counter()
        cold()
        t2 = time.perf_counter()
        t_hot += t1 - t0
        t_cold += t2 - t1
    print("elapsed %.4f" % (time.perf_counter() - start))
    print("hot-share %.4f" % (t_hot / (t_hot + t_cold)))


main(int(sys.argv[1]) if len(sys.argv) > 1 else 4000)
