# Child processes doing the work:
#   workers.py pool METHOD SECONDS  a multiprocessing pool (fork, spawn or
#                                   forkserver) of 2 workers, 4 tasks
#   workers.py run SECONDS          subprocess.run([sys.executable, chain.py])
#   workers.py exe SECONDS PROGRAM ARGS...  a non-Python child
# Prints "ready PID" once the children are started, the workers' pids, and
# the CPU time each spent in work() ("cpu PID:SECONDS ...").
import multiprocessing
import os
import subprocess
import sys
import time


def work(seconds):
    cpu = time.thread_time()
    end = time.perf_counter() + seconds
    x = 0
    while time.perf_counter() < end:
        x += 1
    return os.getpid(), time.thread_time() - cpu


def main():
    mode = sys.argv[1]
    if mode == "pool":
        method, seconds = sys.argv[2], float(sys.argv[3])
        multiprocessing.set_start_method(method)
        with multiprocessing.Pool(2) as pool:
            result = pool.map_async(work, [seconds / 2] * 4, chunksize=1)
            print("ready", os.getpid(), flush=True)
            done = result.get()
            cpu = {}
            for pid, seconds in done:
                cpu[pid] = cpu.get(pid, 0.0) + seconds
            print("workers", *sorted(cpu), flush=True)
            print("cpu", *("%d:%.3f" % item for item in sorted(cpu.items())), flush=True)
    elif mode == "run":
        chain = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chain.py")
        print("ready", os.getpid(), flush=True)
        subprocess.run([sys.executable, chain, sys.argv[2]], check=True, stdout=subprocess.DEVNULL)
    elif mode == "exe":
        print("ready", os.getpid(), flush=True)
        subprocess.run(sys.argv[3:], check=True)
    work(0.1)


if __name__ == "__main__":
    main()
