# Fixed work done by one worker thread while the main thread waits in
# join(), as in a server whose requests run on a thread of their own;
# prints "elapsed S".  The worker's stack is a mapping of its own, below
# whatever was mapped before it: a stack copy that reads on past the
# stack's end copies that too.
import sys
import threading
import time


def work(n):
    x = 0
    for i in range(n):
        x += i * i
    return x


def serve(rounds):
    for _ in range(rounds):
        work(7000)
        work(3000)


rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
start = time.perf_counter()
worker = threading.Thread(target=serve, args=(rounds,))
worker.start()
worker.join()
print("elapsed %.4f" % (time.perf_counter() - start))
