/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a CPU-time timer's tick costs the thread it ticks for, with no
 * ptrace at all: the CPU time of a fixed loop alone, and with a perf
 * cpu-clock event on the thread itself (period 100 us of its CPU time)
 * that only counts, that signals the thread through O_ASYNC/F_SETSIG as
 * pysample's timers do (cputimer.c), or that signals it with the event's
 * own synchronous SIGTRAP (attr.sigtrap, Linux 5.13+).  The difference
 * divided by the ticks is each tick's cost to the thread; bench/tickcost.py
 * measures the whole stop under pysample.
 *
 *   cc -O2 -o timercost bench/timercost.c && ./timercost [ROUNDS]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

enum mode { ALONE, COUNT_ONLY, ASYNC_SIGNAL, SIGTRAP_SYNC, MODES };
static const char *const names[MODES] = { "alone", "timer, no signal",
					  "timer, O_ASYNC signal (pysample's)",
					  "timer, attr.sigtrap" };
static volatile long signals;

static void on_signal(int sig)
{
	(void)sig;
	signals++;
}

static double cpu_seconds(void)
{
	struct rusage r;

	getrusage(RUSAGE_SELF, &r);
	return (double)(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
	       (double)(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

/* One run in a child of its own (sigtrap events are removed at exec,
 * and a process keeps its signal dispositions): prints its CPU and
 * signals on the pipe. */
static void run(enum mode m, int out)
{
	struct perf_event_attr a;
	volatile double x = 0;
	double start;
	char line[64];
	int fd = -1;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.sample_period = 100000;
	a.exclude_hv = 1;
	if (m == ASYNC_SIGNAL) {
		a.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU;
		a.wakeup_events = 1;
	} else if (m == SIGTRAP_SYNC) {
		a.sigtrap = 1;
		a.remove_on_exec = 1;
	}
	signal(SIGTRAP, on_signal);
	signal(SIGRTMIN + 1, on_signal);
	if (m != ALONE) {
		fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			perror("perf_event_open");
			_exit(1);
		}
	}
	if (m == ASYNC_SIGNAL) {
		struct f_owner_ex owner = { F_OWNER_TID, (pid_t)syscall(SYS_gettid) };
		if (mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED ||
		    fcntl(fd, F_SETOWN_EX, &owner) != 0 || fcntl(fd, F_SETSIG, SIGRTMIN + 1) != 0 ||
		    fcntl(fd, F_SETFL, O_ASYNC) != 0) {
			perror("setting up the signal");
			_exit(1);
		}
	}
	start = cpu_seconds();
	for (long i = 0; i < 300000000; i++)
		x += (double)i * 0.5;
	snprintf(line, sizeof(line), "%.6f %ld %d\n", cpu_seconds() - start, signals, x < 0);
	if (write(out, line, strlen(line)) < 0)
		_exit(1);
	_exit(0);
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 5;
	double cpu[MODES][64], ticks[MODES][64];

	if (rounds < 1 || rounds > 64)
		rounds = 5;
	for (int r = 0; r < rounds; r++)
		for (int m = 0; m < MODES; m++) {
			int fds[2];
			char buf[64] = "";
			pid_t child;
			if (pipe(fds) != 0)
				return 1;
			child = fork();
			if (child == 0)
				run((enum mode)m, fds[1]);
			close(fds[1]);
			if (read(fds[0], buf, sizeof(buf) - 1) < 0)
				return 1;
			close(fds[0]);
			waitpid(child, NULL, 0);
			cpu[m][r] = strtod(buf, NULL);
			ticks[m][r] = strtod(strchr(buf, ' ') ? strchr(buf, ' ') : "0", NULL);
		}
	for (int m = 0; m < MODES; m++) {
		qsort(cpu[m], (size_t)rounds, sizeof(double), by_value);
		qsort(ticks[m], (size_t)rounds, sizeof(double), by_value);
	}
	printf("medians of %d rounds; a tick every 100 us of the thread's CPU time\n", rounds);
	for (int m = 0; m < MODES; m++) {
		double c = cpu[m][rounds / 2], extra = c - cpu[ALONE][rounds / 2];
		/* The count-only timer signals nothing: its ticks are about the
		 * CPU time over the period. */
		double n = m == COUNT_ONLY ? c / 100e-6 : ticks[m][rounds / 2];
		printf("%-36s %.3f s of CPU", names[m], c);
		if (m != ALONE && n > 0)
			printf(", %.0f ticks, %.1f us of the thread's CPU per tick", n, extra / n * 1e6);
		printf("\n");
	}
	return 0;
}
