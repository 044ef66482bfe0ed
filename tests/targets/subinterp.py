# Runs a spinning function inside a sub-interpreter, from a thread of its
# own, while the main interpreter's thread spins too.  3.12+ (the private
# _xxsubinterpreters module; _interpreters from 3.13).
import sys
import threading
import time

try:
    import _interpreters as interpreters
except ImportError:
    import _xxsubinterpreters as interpreters

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 1.5
CODE = """
import time
def inside_subinterpreter(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass
inside_subinterpreter(%r)
""" % SECONDS


def run_sub():
    interp = interpreters.create()
    if hasattr(interpreters, "exec"):
        interpreters.exec(interp, CODE)
    else:
        interpreters.run_string(interp, CODE)


def main_interpreter_spin():
    end = time.perf_counter() + SECONDS
    while time.perf_counter() < end:
        pass


t = threading.Thread(target=run_sub)
t.start()
main_interpreter_spin()
t.join()
print("finished", flush=True)
