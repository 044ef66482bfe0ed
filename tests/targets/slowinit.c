/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A shared library whose constructor works for SECONDS (from the
 * environment variable SLOWINIT_SECONDS): it runs before main, called by
 * the dynamic loader's start-up code (_dl_start_user -> _dl_init), which
 * has no CFI and no caller.  Built with -DLIB as the library, without it as
 * the program that links it.
 */
#include <stdlib.h>
#include <time.h>

#ifdef LIB
static volatile unsigned long sink;

__attribute__((noinline)) static void init_work(double seconds)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 10000; i++)
			sink++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
}

__attribute__((constructor)) static void slow_constructor(void)
{
	const char *s = getenv("SLOWINIT_SECONDS");

	init_work(s ? atof(s) : 0.5);
}

int slowinit_ready(void)
{
	return 1;
}
#else
int slowinit_ready(void);

int main(void)
{
	return slowinit_ready() ? 0 : 1;
}
#endif
