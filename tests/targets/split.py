# Spends 70% of its CPU time in hot() and 30% in cold(), in slices of a few
# milliseconds, for argv[1] seconds; prints the split it measured itself.
import sys
import time


def spin(until):
    x = 0
    while time.perf_counter() < until:
        x += 1
    return x


def hot(ms):
    spin(time.perf_counter() + ms / 1000.0)


def cold(ms):
    spin(time.perf_counter() + ms / 1000.0)


def main(seconds):
    t_hot = t_cold = 0.0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        hot(7)
        t1 = time.perf_counter()
        cold(3)
        t2 = time.perf_counter()
        t_hot += t1 - t0
        t_cold += t2 - t1
    print("measured-hot-share %.4f" % (t_hot / (t_hot + t_cold)), flush=True)


if __name__ == "__main__":
    main(float(sys.argv[1]))
