/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Threads with the signal masks a profiler's tick signals meet: the main
 * thread spins in spin_main(), one thread blocks SIGURG and spins in
 * spin_urg_blocked(), one blocks every signal and spins in
 * spin_all_blocked().  SIGURG and SIGWINCH, whose default is to be
 * ignored, are caught and counted: a tick signal that reached the program
 * shows.  Prints "tids MAIN URG ALL" at the start and "caught N" at the
 * end.
 *
 * usage: masks SECONDS
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static atomic_int caught;
static atomic_int tid_urg, tid_all;
static double seconds;

static void on_signal(int sig)
{
	(void)sig;
	atomic_fetch_add(&caught, 1);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static void spin(double until)
{
	volatile unsigned long x = 0;
	while (now() < until)
		for (int i = 0; i < 10000; i++)
			x++;
}

/* Distinct bodies, so that no two are folded into one function. */
static volatile int which;
__attribute__((noinline)) static void spin_main(double until) { which = 1; spin(until); which = 1; }
__attribute__((noinline)) static void spin_urg_blocked(double until) { which = 2; spin(until); which = 2; }
__attribute__((noinline)) static void spin_all_blocked(double until) { which = 3; spin(until); which = 3; }

static void *urg_thread(void *until)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGURG);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	atomic_store(&tid_urg, gettid());
	spin_urg_blocked(*(double *)until);
	return NULL;
}

static void *all_thread(void *until)
{
	sigset_t set;
	sigfillset(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	atomic_store(&tid_all, gettid());
	spin_all_blocked(*(double *)until);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	pthread_t a, b;
	double until;

	if (argc < 2)
		return 2;
	seconds = atof(argv[1]);
	sigaction(SIGURG, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	until = now() + seconds;
	pthread_create(&a, NULL, urg_thread, &until);
	pthread_create(&b, NULL, all_thread, &until);
	while (!atomic_load(&tid_urg) || !atomic_load(&tid_all))
		usleep(1000);
	printf("tids %d %d %d\n", (int)getpid(), atomic_load(&tid_urg), atomic_load(&tid_all));
	fflush(stdout);
	spin_main(until);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("caught %d\n", atomic_load(&caught));
	return 0;
}
