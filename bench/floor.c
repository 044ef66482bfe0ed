/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cheapest possible stopping sampler, as a floor for the benchmark:
 * attach to every thread of PID, and on absolute deadlines stop each
 * running thread, read its registers, and let it go.  Nothing else: no
 * stack copy, no Python, no output.  Prints the samples taken, how long a
 * thread stayed stopped (PTRACE_INTERRUPT to PTRACE_CONT) and the CPU the
 * floor itself used per sample, for comparison with pysample's summary.
 *
 *   floor HZ PID
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <string.h>
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 256
#define STOP_SPIN_US 100

static pid_t tids[MAX_THREADS];
static int ntids;

/* Stop times in microseconds, one bucket each up to 10 ms. */
#define STOP_BUCKETS 10000
static unsigned long stop_us[STOP_BUCKETS];

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static unsigned quantile(unsigned long total, double q)
{
	unsigned long seen = 0;

	for (unsigned i = 0; i < STOP_BUCKETS; i++) {
		seen += stop_us[i];
		if (total && (double)seen >= q * (double)total)
			return i;
	}
	return STOP_BUCKETS;
}

static void add(pid_t tid)
{
	for (int i = 0; i < ntids; i++)
		if (tids[i] == tid)
			return;
	if (ntids < MAX_THREADS)
		tids[ntids++] = tid;
}

static void drop(pid_t tid)
{
	for (int i = 0; i < ntids; i++)
		if (tids[i] == tid) {
			tids[i] = tids[--ntids];
			return;
		}
}

static int running(pid_t pid, pid_t tid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[2] == 'R';
}

int main(int argc, char **argv)
{
	double hz;
	pid_t pid;
	struct timespec next;
	long period_ns;
	unsigned long samples = 0;
	DIR *d;
	struct dirent *de;
	char dir[64];

	if (argc != 3) {
		fprintf(stderr, "usage: floor HZ PID\n");
		return 2;
	}
	hz = atof(argv[1]);
	pid = atoi(argv[2]);
	period_ns = (long)(1e9 / hz);
	snprintf(dir, sizeof(dir), "/proc/%d/task", pid);
	d = opendir(dir);
	if (!d)
		return 1;
	while ((de = readdir(d)))
		if (atoi(de->d_name) > 0 &&
		    ptrace(PTRACE_SEIZE, atoi(de->d_name), 0, (void *)PTRACE_O_TRACECLONE) == 0)
			add(atoi(de->d_name));
	closedir(d);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		int status;
		pid_t t;

		next.tv_nsec += period_ns;
		while (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		/* Events since last time: new threads, exits, signals. */
		while ((t = waitpid(-1, &status, __WALL | WNOHANG)) > 0) {
			if (WIFEXITED(status) || WIFSIGNALED(status)) {
				drop(t);
			} else if (WIFSTOPPED(status)) {
				add(t);
				ptrace(PTRACE_CONT, t, 0, (void *)(long)((status >> 16) ? 0 : WSTOPSIG(status)));
			}
		}
		if (!ntids || kill(pid, 0) != 0)
			break;
		/* Interrupt every running thread, then collect the stops as they
		 * come (whichever thread reports first), as pysample does. */
		int pending[MAX_THREADS] = { 0 }, npending = 0;
		double sent[MAX_THREADS];
		for (int i = 0; i < ntids; i++) {
			if (!running(pid, tids[i]))
				continue;
			sent[i] = now_us();
			if (ptrace(PTRACE_INTERRUPT, tids[i], 0, 0) == 0) {
				pending[i] = 1;
				npending++;
			}
		}
		while (npending > 0) {
			int idx = -1;
			/* Poll first, as pysample does: a thread on a CPU stops
			 * within tens of microseconds, and a sleeping tracer's
			 * wake-up would keep it stopped longer. */
			double spin_until = now_us() + STOP_SPIN_US;
			do
				t = waitpid(-1, &status, __WALL | WNOHANG);
			while (t == 0 && now_us() < spin_until);
			if (t == 0)
				t = waitpid(-1, &status, __WALL);
			if (t < 0)
				break;
			for (int i = 0; i < ntids; i++)
				if (tids[i] == t)
					idx = i;
			if (WIFEXITED(status) || WIFSIGNALED(status)) {
				if (idx >= 0 && pending[idx])
					npending--;
				if (idx >= 0) {
					pending[idx] = pending[ntids - 1];
					sent[idx] = sent[ntids - 1];
					pending[ntids - 1] = 0;
				}
				drop(t);
				continue;
			}
			if (idx >= 0 && pending[idx] && (status >> 16) == PTRACE_EVENT_STOP) {
				struct user_regs_struct regs;
				struct iovec iov = { &regs, sizeof(regs) };
				ptrace(PTRACE_GETREGSET, t, (void *)NT_PRSTATUS, &iov);
				ptrace(PTRACE_CONT, t, 0, 0);
				double us = now_us() - sent[idx];
				stop_us[us < STOP_BUCKETS - 1 ? (unsigned)us : STOP_BUCKETS - 1]++;
				pending[idx] = 0;
				npending--;
				samples++;
				continue;
			}
			if (idx < 0)
				add(t);
			ptrace(PTRACE_CONT, t, 0,
			       (void *)(long)((status >> 16) ? 0 : WSTOPSIG(status)));
		}
	}
	struct rusage ru;
	double cpu = 0;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		cpu = (double)ru.ru_utime.tv_sec * 1e6 + (double)ru.ru_utime.tv_usec +
		      (double)ru.ru_stime.tv_sec * 1e6 + (double)ru.ru_stime.tv_usec;
	printf("floor: %lu samples; stopped median %u us, p99 %u us; CPU %.1f us per sample\n",
	       samples, quantile(samples, 0.5), quantile(samples, 0.99),
	       samples ? cpu / (double)samples : 0.0);
	return 0;
}
