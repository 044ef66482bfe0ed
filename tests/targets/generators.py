# A generator consumed by a for loop, resumed and suspended millions of
# times: numbers() is entered and left at every item.
import sys
import time


def numbers(n):
    for i in range(n):
        yield i


def consume():
    total = 0
    for x in numbers(10000):
        total += x
    return total


def main(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        consume()


main(float(sys.argv[1]))
