/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Functions under the names rustc gives them (copied from rustc 1.95's
 * output for `mod inner { fn spin_here }` in a crate r2: v0 with
 * -C symbol-mangling-version=v0, and the legacy scheme), calling each
 * other: a profile must show r2::inner::spin_here and r2::inner::outer,
 * not the mangled names.  usage: rustnames SECONDS
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

uint64_t spin_v0(uint64_t n) __asm__("_RNvNtCs6FbydMyxuQS_2r25inner9spin_here");
uint64_t outer_legacy(uint64_t n) __asm__("_ZN2r25inner5outer17h1177b67a4b1515adE");

__attribute__((noinline)) uint64_t spin_v0(uint64_t n)
{
	uint64_t x = n;
	for (uint64_t i = 0; i < 100000; i++)
		x = x * 31 + i;
	return x;
}

__attribute__((noinline)) uint64_t outer_legacy(uint64_t n)
{
	return spin_v0(n) + 1;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1;
	struct timespec t0, t;
	volatile uint64_t sink = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		sink += outer_legacy(sink);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
	return 0;
}
