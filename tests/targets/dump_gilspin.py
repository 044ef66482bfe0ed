# SPDX-License-Identifier: GPL-2.0-or-later
"""A thread holding the GIL in a C spin, for `pysample dump`: argv[1] is a
shared library with dump_spin_forever() (dump_spin.c), called through
ctypes.PyDLL, which does not release the GIL.  Prints READY <the spinning
thread's native id> just before the call; nothing else in the process
can run Python after that."""
import ctypes
import sys
import threading

lib = ctypes.PyDLL(sys.argv[1])


def hold_gil_in_c():
    print("READY %d" % threading.get_native_id(), flush=True)
    lib.dump_spin_forever()


t = threading.Thread(target=hold_gil_in_c, daemon=True)
t.start()
t.join()
