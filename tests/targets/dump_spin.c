/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A C function that spins forever, for dump_gilspin.py: called through
 * ctypes.PyDLL, which keeps the GIL across the call, so the thread holds
 * the GIL in native code that never returns. */
volatile unsigned long dump_spin_count;

__attribute__((noinline)) void dump_spin_forever(void)
{
	for (;;)
		dump_spin_count++;
}
