/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A chain through code without CFI (x86_64):
 *   main -> c_outer -> asm_relay (assembly, no CFI) -> c_middle ->
 *     blob:     code copied into an anonymous PROT_EXEC mapping -> c_leaf
 *     blob-map: the same, named "jit_blob" in /tmp/perf-PID.map
 *     asm-leaf: asm_spin (assembly, no CFI), polling a flag a timer sets
 *     movsave-leaf: asm_movsave_spin, the same with rbx and rbp kept in
 *               its frame by mov and clobbered
 * Usage: nocfi MODE SECONDS
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

typedef void (*callback)(void *);
void asm_relay(callback next, void *arg);
void asm_spin(volatile int *flag);
void asm_movsave_spin(volatile int *flag);
extern const unsigned char blob_template[], blob_template_end[];

static volatile unsigned long sink;
static volatile int stop_flag;
static double seconds;
static const char *mode;
static void (*blob)(callback, void *);

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void c_leaf(void *arg)
{
	double deadline = now() + seconds;
	(void)arg;
	while (now() < deadline)
		for (unsigned i = 0; i < 200000; i++)
			sink += i;
}

static void on_alarm(int sig)
{
	(void)sig;
	stop_flag = 1;
}

__attribute__((noinline)) void c_middle(void *arg)
{
	(void)arg;
	if (strcmp(mode, "asm-leaf") == 0 || strcmp(mode, "movsave-leaf") == 0) {
		struct itimerspec its = { .it_value = { (time_t)seconds,
							(long)((seconds - (time_t)seconds) * 1e9) } };
		timer_t timer;
		struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM };
		signal(SIGALRM, on_alarm);
		timer_create(CLOCK_MONOTONIC, &sev, &timer);
		timer_settime(timer, 0, &its, NULL);
		if (strcmp(mode, "asm-leaf") == 0)
			asm_spin(&stop_flag);
		else
			asm_movsave_spin(&stop_flag);
	} else {
		blob(c_leaf, NULL);
	}
	sink++; /* no tail call: this frame stays on the stack */
}

__attribute__((noinline)) void c_outer(void)
{
	asm_relay(c_middle, NULL);
	sink++;
}

int main(int argc, char **argv)
{
	size_t len = (size_t)(blob_template_end - blob_template);
	void *code;

	if (argc != 3) {
		fprintf(stderr, "usage: nocfi blob|blob-map|asm-leaf|movsave-leaf SECONDS\n");
		return 2;
	}
	mode = argv[1];
	seconds = atof(argv[2]);
	code = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code == MAP_FAILED)
		return 1;
	memcpy(code, blob_template, len);
	if (mprotect(code, 4096, PROT_READ | PROT_EXEC) != 0)
		return 1;
	blob = (void (*)(callback, void *))code;
	if (strcmp(mode, "blob-map") == 0) {
		char path[64];
		FILE *f;
		snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
		f = fopen(path, "w");
		if (!f)
			return 1;
		fprintf(f, "%lx %zx jit_blob\n", (unsigned long)(uintptr_t)code, len);
		fclose(f);
	}
	printf("ready %d %lx %zx\n", (int)getpid(), (unsigned long)(uintptr_t)code, len);
	fflush(stdout);
	c_outer();
	if (strcmp(mode, "blob-map") == 0) {
		char path[64];
		snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
		unlink(path);
	}
	return 0;
}
