/* SPDX-License-Identifier: GPL-2.0-or-later */
/* No C library: entry_main is called straight from nocfi-entry.S's
 * _start.  It spins in spin_leaf for about as long as argv[1] says
 * (units of 10^8 loop turns) and returns 0. */

__attribute__((noinline)) static unsigned long spin_leaf(unsigned long turns)
{
	volatile unsigned long x = 0;

	for (unsigned long i = 0; i < turns; i++)
		x += i;
	return x;
}

int entry_main(long *sp)
{
	long argc = sp[0];
	const char *arg = argc > 1 ? (const char *)sp[2] : "3";
	unsigned long units = 0;

	for (; *arg >= '0' && *arg <= '9'; arg++)
		units = units * 10 + (unsigned long)(*arg - '0');
	return (int)(spin_leaf(units * 100000000ul) & 0);
}
