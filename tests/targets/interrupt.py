# Spins until Ctrl-C, then prints "interrupted" and exits with status 5.
import os
import sys
import time


def wait_for_ctrl_c():
    x = 0
    while True:
        x += 1


print("ready", os.getpid(), flush=True)
try:
    wait_for_ctrl_c()
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(5)
