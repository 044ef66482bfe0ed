# Python -> native -> Python stacks.  argv[1]: "qsort" (libc qsort with a
# ctypes comparison callback), "cext" (a C extension spinning, then calling
# back into Python), "sleep" (blocked in time.sleep under a known chain).
import ctypes
import os
import sys
import time

mode, seconds = sys.argv[1], float(sys.argv[2])


def spin(us):
    end = time.perf_counter() + us / 1e6
    while time.perf_counter() < end:
        pass


CMP = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))


def py_compare(a, b):
    spin(20)
    return a[0] - b[0]


def sort_with_qsort():
    libc = ctypes.CDLL("libc.so.6")
    compare = CMP(py_compare)
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        arr = (ctypes.c_int * 64)(*range(64, 0, -1))
        libc.qsort(arr, 64, ctypes.sizeof(ctypes.c_int), compare)


def callback_from_c():
    spin(200)


def use_cext():
    sys.path.insert(0, os.environ["CEXT_DIR"])
    import cext
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        cext.burn(0.01)
        cext.call_back(callback_from_c, 20)


def sleeper_inner():
    time.sleep(seconds)


def sleeper_outer():
    sleeper_inner()


print("ready", os.getpid(), flush=True)
{"qsort": sort_with_qsort, "cext": use_cext, "sleep": sleeper_outer}[mode]()
print("finished", flush=True)
