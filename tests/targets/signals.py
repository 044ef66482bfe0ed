# Counts SIGUSR1 deliveries while spinning in a Python function; prints the
# count when it gets SIGUSR2 (sent last) and exits.  Lost signals show as a
# short count.
import os
import signal
import sys
import time

received = 0
done = False


def on_usr1(sig, frame):
    global received
    received += 1


def on_usr2(sig, frame):
    global done
    done = True


def busy():
    x = 0
    while not done:
        x += 1


signal.signal(signal.SIGUSR1, on_usr1)
signal.signal(signal.SIGUSR2, on_usr2)
print("ready", os.getpid(), flush=True)
busy()
print("received", received, flush=True)
