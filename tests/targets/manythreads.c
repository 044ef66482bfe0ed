/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Many threads, few of them busy: IDLE threads wait on a condition
 * variable, then BUSY threads spin in busy_loop() for SECONDS.  The busy
 * ones are created last, so that when pysample runs short of file
 * descriptors they are the threads it has none left for.  Prints
 * "ready PID TID..." (the busy threads' ids) once all exist.
 *
 * usage: manythreads IDLE BUSY SECONDS
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static int finished, started;
static pid_t busy_tids[64];
static double seconds;
static volatile unsigned long sink;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *idle_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (!finished)
		pthread_cond_wait(&wake, &lock);
	pthread_mutex_unlock(&lock);
	return NULL;
}

__attribute__((noinline)) static void busy_loop(double end)
{
	while (now() < end)
		sink++;
}

static void *busy_thread(void *arg)
{
	double end;

	pthread_mutex_lock(&lock);
	busy_tids[(long)arg] = (pid_t)syscall(SYS_gettid);
	started++;
	pthread_cond_broadcast(&wake);
	end = now() + seconds;
	pthread_mutex_unlock(&lock);
	busy_loop(end);
	return NULL;
}

int main(int argc, char **argv)
{
	int idle, busy;
	pthread_attr_t attr;

	if (argc < 4)
		return 2;
	idle = atoi(argv[1]);
	busy = atoi(argv[2]);
	if (busy > 64)
		busy = 64;
	seconds = atof(argv[3]);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	pthread_t *ids = calloc((size_t)(idle + busy), sizeof(*ids));
	for (int i = 0; i < idle; i++)
		if (pthread_create(&ids[i], &attr, idle_thread, NULL) != 0)
			return 1;
	for (long i = 0; i < busy; i++)
		if (pthread_create(&ids[idle + i], &attr, busy_thread, (void *)i) != 0)
			return 1;
	pthread_mutex_lock(&lock);
	while (started < busy)
		pthread_cond_wait(&wake, &lock);
	pthread_mutex_unlock(&lock);
	printf("ready %d", (int)getpid());
	for (int i = 0; i < busy; i++)
		printf(" %d", (int)busy_tids[i]);
	printf("\n");
	fflush(stdout);
	for (int i = idle; i < idle + busy; i++)
		pthread_join(ids[i], NULL);
	pthread_mutex_lock(&lock);
	finished = 1;
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < idle; i++)
		pthread_join(ids[i], NULL);
	return 0;
}
