# Spins in before_exec() for argv[1] seconds, then execs the same Python
# on chain.py (which spins in c <- b <- a): the address space changes.
import os
import sys
import time


def before_exec(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


before_exec(float(sys.argv[1]))
chain = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chain.py")
os.execv(sys.executable, [sys.executable, chain, sys.argv[1]])
