/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A shared library for hostile.c: its leaf is static, so naming it needs
 * the library's debug file, which the tests replace by something hostile. */
#include <time.h>

static volatile unsigned long sink;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static void hostlib_leaf(double end)
{
	while (now() < end)
		sink++;
}

void hostlib_spin(double seconds)
{
	hostlib_leaf(now() + seconds);
	__asm__ volatile("" ::: "memory"); /* no tail call: the caller stays on the stack */
}

/* Code that runs only later: reading its names and lines needs parts of
 * the debug sections not read before. */
__attribute__((noinline)) static void hostlib_other_leaf(double end)
{
	while (now() < end)
		sink += 3;
}

void hostlib_spin_other(double seconds)
{
	hostlib_other_leaf(now() + seconds);
	__asm__ volatile("" ::: "memory");
}
