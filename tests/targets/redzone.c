/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Callers with a frame pointer (their CFA is rbp + 16) of the leaves in
 * redzone-asm.S, whose CFI leaves the caller's rbp below the stack
 * pointer: epilogue_spin() in the red zone, deep_spin() beyond it.
 * Build with -fno-omit-frame-pointer.
 *
 * usage: redzone epilogue|deep SECONDS
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void epilogue_spin(volatile int *flag);
void deep_spin(volatile int *flag);

static volatile int stop;

__attribute__((noinline)) static void framed_caller(int deep)
{
	volatile char pad[64];

	pad[0] = 1;
	if (deep)
		deep_spin(&stop);
	else
		epilogue_spin(&stop);
	pad[1] = 2;
}

static void *timer(void *arg)
{
	usleep((useconds_t)(atof(arg) * 1e6));
	stop = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc < 3)
		return 2;
	pthread_create(&t, NULL, timer, argv[2]);
	framed_caller(strcmp(argv[1], "deep") == 0);
	pthread_join(t, NULL);
	return 0;
}
