/* Functions inlined into their caller, so DWARF describes them as inlined
 * subroutines: main -> outer -> (middle -> inner, both inlined) spinning
 * for argv[1] seconds. */
#include <stdlib.h>
#include <time.h>

static volatile unsigned long sink;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline __attribute__((always_inline)) void inner(double end)
{
	while (now() < end)
		for (int i = 0; i < 100000; i++)
			sink += (unsigned long)i;
}

static inline __attribute__((always_inline)) void middle(double end)
{
	inner(end);
	sink++;
}

__attribute__((noinline)) static void outer(double seconds)
{
	middle(now() + seconds);
	sink++;
}

int main(int argc, char **argv)
{
	outer(argc > 1 ? atof(argv[1]) : 1.0);
	return 0;
}
