/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fixed work split over N threads that all run (no lock, no GIL), for
 * bench/scaling.py: `spinners N [ITERATIONS]`; prints "elapsed S". */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long share;

static __attribute__((noinline)) double spin(long n)
{
	volatile double x = 0;

	for (long i = 0; i < n; i++)
		x += (double)i * 0.5;
	return x;
}

static void *worker(void *arg)
{
	(void)arg;
	spin(share);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	long total = argc > 2 ? atol(argv[2]) : 800000000L;
	pthread_t threads[1024];
	struct timespec a, b;

	if (n < 1 || n > 1024)
		return 2;
	share = total / n;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < n; i++)
		pthread_create(&threads[i], NULL, worker, NULL);
	for (int i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("elapsed %.4f\n", (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	return 0;
}
