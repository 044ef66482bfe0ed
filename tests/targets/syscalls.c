/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Arithmetic in compute(), and after every N iterations of it one system
 * call in call_kernel(): the shape of code that makes frequent small
 * system calls.  It measures its own split with the CPU's time-stamp
 * counter around each call (cheap, no system call of its own) and prints
 * "split compute F call_kernel F" at the end: the truth a profile is
 * checked against.  A CPU profile counts time on a CPU; a window in which
 * the thread was preempted, interrupted or stopped by a profiler lasts
 * far longer than its kind takes at least, so each kind's CPU time is its
 * number of windows times the mean length of its undisturbed ones (a
 * loaded machine preempts a thread most often on its way out of a system
 * call: wall-clock windows would lean that way, and leaving the disturbed
 * windows out would lean the other).  With "wait" first, it waits on standard input before
 * it starts, so that profilers can attach to it before the measured part.
 *
 * usage: syscalls [wait] EVERY SECONDS
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t ticks(void)
{
#if defined(__x86_64__)
	return __builtin_ia32_rdtsc();
#elif defined(__aarch64__)
	uint64_t v;
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
	return v;
#else
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

static volatile uint64_t sink;

__attribute__((noinline)) static void compute(long n)
{
	uint64_t x = sink;

	/* One step at a time: a compiler may not fold steps together (clang
	 * computes eight at once otherwise), so the time per call stays the
	 * same whatever builds it. */
	for (long i = 0; i < n; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		__asm__ volatile("" : "+r"(x));
	}
	sink = x;
}

__attribute__((noinline)) static void call_kernel(void)
{
	/* Not a tail call: call_kernel stays on the stack below syscall(). */
	sink += (uint64_t)syscall(SYS_getppid);
}

/* One kind of window: the undisturbed ones are no longer than twice the
 * shortest seen, plus 10 us (a slow, cache-missing system call is CPU
 * time like any other; being preempted or stopped costs more, 30 us and
 * up). */
struct windows {
	uint64_t shortest, sum, kept, dropped;
};

static double cpu_time(const struct windows *w)
{
	return w->kept ? (double)w->sum / (double)w->kept * (double)(w->kept + w->dropped) : 0;
}

static void window(struct windows *w, uint64_t len, uint64_t slack)
{
	if (!w->shortest || len < w->shortest)
		w->shortest = len;
	if (len <= 2 * w->shortest + slack) {
		w->sum += len;
		w->kept++;
	} else {
		w->dropped++;
	}
}

int main(int argc, char **argv)
{
	int arg = 1;
	long every, calls = 0;
	double seconds, per_ns;
	uint64_t start, slack;
	struct windows computing = { 0 }, in_kernel = { 0 };
	struct timespec t0, t;

	if (argc > 1 && strcmp(argv[1], "wait") == 0) {
		char c;
		printf("ready %d\n", (int)getpid());
		fflush(stdout);
		if (read(0, &c, 1) < 0)
			return 1;
		arg++;
	}
	if (argc < arg + 2) {
		fprintf(stderr, "usage: syscalls [wait] EVERY SECONDS\n");
		return 2;
	}
	every = atol(argv[arg]);
	seconds = atof(argv[arg + 1]);
	/* The counter's rate, for the slack of 10 us. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	start = ticks();
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 20000000L);
	per_ns = (double)(ticks() - start) /
		 (double)((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec));
	slack = (uint64_t)(10000 * per_ns);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		uint64_t a = ticks(), b, c;
		compute(every);
		b = ticks();
		call_kernel();
		c = ticks();
		window(&computing, b - a, slack);
		window(&in_kernel, c - b, slack);
		if (++calls % 64)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 >= seconds)
			break;
	}
	double kernel_share = cpu_time(&in_kernel) / (cpu_time(&in_kernel) + cpu_time(&computing));
	printf("split compute %.4f call_kernel %.4f calls %ld windows left out %.2f%% %.2f%%\n",
	       1.0 - kernel_share, kernel_share, calls,
	       100.0 * (double)computing.dropped / (double)(computing.kept + computing.dropped),
	       100.0 * (double)in_kernel.dropped / (double)(in_kernel.kept + in_kernel.dropped));
	return 0;
}
