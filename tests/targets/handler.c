/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A signal handler that works: SIGALRM every 4 ms interrupts
 * interrupted(), and on_alarm() spins about 2 ms each time.  A sample in
 * the handler unwinds through the kernel's signal frame, whose return
 * address is the signal trampoline (glibc's __restore_rt).
 *
 * usage: handler SECONDS
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static volatile unsigned long sink;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static void on_alarm(int sig)
{
	double until = now() + 0.002;
	(void)sig;
	while (now() < until)
		sink++;
}

__attribute__((noinline)) static void interrupted(double until)
{
	while (now() < until)
		sink += 2;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	struct itimerval every = { { 0, 4000 }, { 0, 4000 } };

	if (argc < 2)
		return 2;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &every, NULL);
	interrupted(now() + atof(argv[1]));
	return 0;
}
