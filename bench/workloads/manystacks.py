# Many distinct stacks, for the writers' memory: 400 functions calling one
# another in chains drawn at random (seeded) 2 to 40 deep, so the number
# of distinct stacks keeps growing through a long run, as a real service's
# does, rather than settling at a few.  Runs for argv[1] seconds (default
# 60); prints "elapsed S".
import random
import sys
import time

FUNCTIONS = 400


def make(i):
    def f(chain, depth):
        if depth == len(chain):
            x = 0
            for k in range(2000):
                x += k * k
            return x
        return table[chain[depth]](chain, depth + 1)
    f.__name__ = f.__qualname__ = "f%03d" % i
    return f


table = [make(i) for i in range(FUNCTIONS)]


def main(seconds):
    rng = random.Random(1)
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        chain = [rng.randrange(FUNCTIONS) for _ in range(rng.randint(2, 40))]
        table[chain[0]](chain, 1)
    print("elapsed %.4f" % (time.perf_counter() - start))


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 60)
