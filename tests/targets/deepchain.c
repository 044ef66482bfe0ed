/*
 * A known native call chain, 24 functions deep: main -> f0 -> ... -> f23 ->
 * leaf.  Built -O2 -fomit-frame-pointer by the tests (and once with only
 * .debug_frame), so unwinding must use CFI.  "spin" burns CPU in leaf for
 * argv[2] seconds; "block" sleeps in read() on stdin, a stack that stays
 * still for comparison with eu-stack.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static volatile unsigned long sink;
static int block_mode;
static double seconds = 1.0;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

NOINLINE static int leaf(int depth)
{
	if (block_mode) {
		char c;
		return (int)read(0, &c, 1) + depth;
	}
	double end = now() + seconds;
	while (now() < end)
		for (int i = 0; i < 10000; i++)
			sink += (unsigned long)i * (unsigned long)depth;
	return depth;
}

/* Each level does work after the call, so no call becomes a tail jump. */
#define LEVEL(n, next)                                   \
	NOINLINE static int f##n(int depth)              \
	{                                                \
		int r = next(depth + 1);                 \
		sink += (unsigned long)r;                \
		return r + 1;                            \
	}
LEVEL(23, leaf) LEVEL(22, f23) LEVEL(21, f22) LEVEL(20, f21) LEVEL(19, f20) LEVEL(18, f19)
LEVEL(17, f18) LEVEL(16, f17) LEVEL(15, f16) LEVEL(14, f15) LEVEL(13, f14) LEVEL(12, f13)
LEVEL(11, f12) LEVEL(10, f11) LEVEL(9, f10) LEVEL(8, f9) LEVEL(7, f8) LEVEL(6, f7)
LEVEL(5, f6) LEVEL(4, f5) LEVEL(3, f4) LEVEL(2, f3) LEVEL(1, f2) LEVEL(0, f1)

int main(int argc, char **argv)
{
	block_mode = argc > 1 && strcmp(argv[1], "block") == 0;
	if (argc > 2)
		seconds = atof(argv[2]);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	return f0(0) > 0 ? 0 : 1;
}
