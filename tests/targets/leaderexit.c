/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A process whose leader calls pthread_exit while another thread works on:
 * the leader is a zombie, the process lives (as long as worker() spins).
 * Prints "ready PID" once the leader is gone.
 *
 * usage: leaderexit SECONDS
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double seconds;
static volatile unsigned long sink;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static void *worker(void *arg)
{
	double end = now() + seconds;
	(void)arg;
	while (now() < end)
		sink++;
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc < 2)
		return 2;
	seconds = atof(argv[1]);
	pthread_create(&t, NULL, worker, NULL);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	pthread_exit(NULL);
}
