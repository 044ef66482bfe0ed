# Counts SIGUSR1 deliveries while spinning in a Python function, printing
# "got N" after each, so the sender can wait for one before sending the next
# (standard signals merge while pending).  Prints the total on SIGUSR2.
import os
import signal
import sys
import time

received = 0
done = False


def on_usr1(sig, frame):
    global received
    received += 1
    sys.stdout.write("got %d\n" % received)
    sys.stdout.flush()


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
